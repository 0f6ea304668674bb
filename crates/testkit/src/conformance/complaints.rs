//! Conformance: 投诉举报 ([`ComplaintStore`]): stored whole (details, reporter and answer
//! encrypted, the reporter possibly absent), found only by its 举报编号 together with its own
//! 查询密码, each code and hotline work order number stored once, queued per handling region
//! soonest due first, the overdue ones found, and moved one step at a time at the version read.

use super::*;
use jiuzhu_domain::complaint::{ComplaintCategory, ComplaintChannel, ComplaintState, Finding};

fn t(minutes: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// `n` days after the suite's today (2026-11-23).
fn day(n: i64) -> NaiveDate {
    today() + Duration::days(n)
}

/// A complaint received online at 09:00 on 2026-11-23 about `region`, handled by
/// `handling_region`, followed with `pin`, due on `due_on`; named reporter, no work order number,
/// nobody excluded.
pub fn complaint(code: &str, region: &str, handling_region: &str, pin: &str, due_on: NaiveDate) -> NewComplaint {
    NewComplaint {
        code: code.into(),
        pin: pin.into(),
        category: ComplaintCategory::WronglyIncluded,
        channel: ComplaintChannel::Online,
        external_no: None,
        region: crate::fixtures::code(region),
        handling_region: crate::fixtures::code(handling_region),
        excluded_accounts: Vec::new(),
        details: format!(r#"{{"code":"{code}","named":"何马村村委会主任","content":"其弟一家收入较高仍享受低保，多次反映无果"}}"#),
        reporter: Some(r#"{"name":"李秀英","phone":"13909330101","address":"何马村三社"}"#.into()),
        received_at: t(0),
        due_on,
        submission_key: None,
    }
}

fn handler() -> Actor {
    Actor { account_id: Some(21), username: "shuiluo-complaints".into() }
}

fn ids(list: &[Complaint]) -> Vec<i64> {
    list.iter().map(|c| c.id).collect()
}

fn answer() -> ComplaintStep {
    ComplaintStep::Answer {
        finding: Finding::PartlySubstantiated,
        answer: r#"{"checked":"入户核查并调取收入证明","reply":"该户已停保，相关人员已作说明"}"#.into(),
    }
}

fn is_mismatch(r: &Result<()>, version: i64) -> bool {
    matches!(r, Err(StoreError::VersionMismatch { expected }) if *expected == version)
}

pub async fn complaints_are_found_only_by_code_and_their_own_pin(s: &dyn Store) {
    let new_a =
        NewComplaint { excluded_accounts: vec![12, 7], ..complaint("JB20261123000001", "620825100201", "620825100", "483920", day(15)) };
    let new_b = NewComplaint {
        category: ComplaintCategory::Favouritism,
        channel: ComplaintChannel::Hotline,
        external_no: Some("GD20261123000101".into()),
        reporter: None,
        received_at: t(5),
        ..complaint("JB20261123000002", "620825101201", "620825", "771205", day(10))
    };
    let a = s.insert_complaint(&new_a).await.unwrap();
    let b = s.insert_complaint(&new_b).await.unwrap();
    assert_ne!(a, b);

    let read = s.complaint(a).await.unwrap();
    let expected = Complaint {
        id: a,
        code: new_a.code.clone(),
        category: ComplaintCategory::WronglyIncluded,
        channel: ComplaintChannel::Online,
        external_no: None,
        region: code("620825100201"),
        handling_region: code("620825100"),
        excluded_accounts: vec![12, 7],
        details: new_a.details.clone(),
        reporter: new_a.reporter.clone(),
        state: ComplaintState::Received,
        received_at: t(0),
        due_on: day(15),
        escalated_at: None,
        accepted_by: None,
        accepted_at: None,
        finding: None,
        answer: None,
        answered_by: None,
        answered_at: None,
        version: 1,
    };
    assert_eq!(read, expected, "read back whole, details and reporter exactly as sent");
    let anonymous = s.complaint(b).await.unwrap();
    assert_eq!(
        (anonymous.reporter, anonymous.category, anonymous.channel, anonymous.external_no.as_deref(), anonymous.handling_region),
        (None, ComplaintCategory::Favouritism, ComplaintChannel::Hotline, Some("GD20261123000101"), code("620825")),
        "an anonymous hotline report"
    );
    assert!(matches!(s.complaint(a + b + 1000).await, Err(StoreError::NotFound)));

    // Found with its code and its own PIN.
    assert_eq!(s.complaint_for(&new_a.code, &new_a.pin).await.unwrap(), Some(expected.clone()));
    assert_eq!(s.complaint_for(&new_b.code, &new_b.pin).await.unwrap().map(|c| c.id), Some(b));
    // Nothing for a wrong PIN, another complaint's PIN, or a code nobody was given.
    let none = [
        (new_a.code.as_str(), "483921"),
        (new_a.code.as_str(), ""),
        (new_a.code.as_str(), new_b.pin.as_str()),
        (new_b.code.as_str(), new_a.pin.as_str()),
        ("JB20261123999999", new_a.pin.as_str()),
        (new_a.pin.as_str(), new_a.code.as_str()),
    ];
    for (code, pin) in none {
        assert_eq!(s.complaint_for(code, pin).await.unwrap(), None, "{code} {pin}");
    }

    // A code is given out once; a work order is entered once; without one, any number of times.
    let again = s.insert_complaint(&complaint(&new_a.code, "620825101201", "620825101", "000000", day(3))).await;
    assert!(matches!(&again, Err(StoreError::Conflict { constraint }) if constraint == "complaints_code"), "{again:?}");
    let same_order =
        NewComplaint { external_no: new_b.external_no.clone(), ..complaint("JB20261123000003", "620825", "620825", "1", day(3)) };
    let again = s.insert_complaint(&same_order).await;
    assert!(matches!(&again, Err(StoreError::Conflict { constraint }) if constraint == "complaints_external_no"), "{again:?}");
    let all = [ComplaintState::Received, ComplaintState::Handling, ComplaintState::Answered];
    assert_eq!(ids(&s.complaints(&code("620825"), &all, 10).await.unwrap()).len(), 2, "the refusals stored nothing");
    let c = s.insert_complaint(&complaint("JB20261123000004", "620825100201", "620825100", "483920", day(15))).await.unwrap();
    assert_eq!(s.complaint(c).await.unwrap().external_no, None, "a second complaint without a work order number");

    assert_eq!(s.complaint_by_external_no("GD20261123000101").await.unwrap(), Some(b));
    assert_eq!(s.complaint_by_external_no("GD20261123000102").await.unwrap(), None);
    // A batch (an import) is stored whole or not at all.
    let b1 = NewComplaint { external_no: Some("GD-B1".into()), ..complaint("JB20261123000011", "620825100201", "620825100", "1", day(15)) };
    let clash =
        NewComplaint { external_no: new_b.external_no.clone(), ..complaint("JB20261123000012", "620825100201", "620825100", "1", day(15)) };
    let refused = s.insert_complaints(&[b1.clone(), clash]).await;
    assert!(matches!(&refused, Err(StoreError::Conflict { constraint }) if constraint == "complaints_external_no"), "{refused:?}");
    assert_eq!(s.complaint_by_external_no("GD-B1").await.unwrap(), None, "the first of the batch was not kept");
    let b2 = NewComplaint { external_no: Some("GD-B2".into()), ..complaint("JB20261123000013", "620825100201", "620825100", "1", day(15)) };
    let ids = s.insert_complaints(&[b1, b2]).await.unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(s.complaint_by_external_no("GD-B2").await.unwrap(), Some(ids[1]));
    assert_eq!(s.complaint(ids[0]).await.unwrap().code, "JB20261123000011", "each row under its own id");
    assert!(s.insert_complaints(&[]).await.unwrap().is_empty());
    // A form sent twice: the second is refused by its key, which finds the first.
    let sent =
        NewComplaint { submission_key: Some("k1".into()), ..complaint("JB20261123000005", "620825100201", "620825100", "9", day(15)) };
    let first = s.insert_complaint(&sent).await.unwrap();
    let twice = s.insert_complaint(&NewComplaint { code: "JB20261123000006".into(), ..sent.clone() }).await;
    assert!(matches!(&twice, Err(StoreError::Conflict { constraint }) if constraint == "complaints_submission_key"), "{twice:?}");
    assert_eq!(s.complaint_by_submission_key("k1").await.unwrap(), Some((first, "JB20261123000005".to_string())));
    assert_eq!(s.complaint_by_submission_key("k2").await.unwrap(), None);
    // The same PIN on two complaints: each is found by its own code only.
    assert_eq!(s.complaint_for("JB20261123000004", "483920").await.unwrap().map(|x| x.id), Some(c));
    assert_eq!(s.complaint_for(&new_a.code, "483920").await.unwrap().map(|x| x.id), Some(a));
}

pub async fn the_handlers_queue_stays_in_scope_soonest_due_first(s: &dyn Store) {
    let (shuiluo, nanhu, county) = (code("620825100"), code("620825101"), code("620825"));
    let received = [ComplaintState::Received];
    let add = |n: u32, village: &'static str, handling: &'static str, due: i64, at: i64| {
        let new = NewComplaint { received_at: t(at), ..complaint(&format!("JB{n}"), village, handling, "111111", day(due)) };
        async move { s.insert_complaint(&new).await.unwrap() }
    };
    let x = add(1, "620825100201", "620825100", 10, 30).await;
    let y = add(2, "620825100201", "620825100", 5, 40).await;
    // Due the same day as x, received before it: after y, before x.
    let z = add(3, "620825100201", "620825100", 10, 0).await;
    let w = add(4, "620825101201", "620825101", 7, 0).await;
    // About a village of 南湖镇, handled by the county: not in 南湖镇's queue.
    let v = add(5, "620825101201", "620825", 3, 0).await;
    let answered = add(6, "620825100201", "620825100", 1, 0).await;
    s.advance_complaint(answered, 1, &ComplaintStep::Accept, &handler(), t(50)).await.unwrap();
    s.advance_complaint(answered, 2, &answer(), &handler(), t(55)).await.unwrap();
    let handling = add(7, "620825100201", "620825100", 8, 0).await;
    s.advance_complaint(handling, 1, &ComplaintStep::Accept, &handler(), t(60)).await.unwrap();
    // Due long before the first answered one, answered after it: first in the 已办结 list.
    let late = add(8, "620825100201", "620825100", 0, 0).await;
    s.advance_complaint(late, 1, &ComplaintStep::Accept, &handler(), t(70)).await.unwrap();
    s.advance_complaint(late, 2, &answer(), &handler(), t(75)).await.unwrap();

    assert_eq!(ids(&s.complaints(&shuiluo, &received, 10).await.unwrap()), [y, z, x]);
    assert_eq!(ids(&s.complaints(&shuiluo, &received, 2).await.unwrap()), [y, z], "at most the limit");
    let open = [ComplaintState::Received, ComplaintState::Handling];
    assert_eq!(ids(&s.complaints(&shuiluo, &open, 10).await.unwrap()), [y, handling, z, x]);
    assert_eq!(ids(&s.complaints(&shuiluo, &[ComplaintState::Answered], 10).await.unwrap()), [late, answered]);
    assert_eq!(ids(&s.answered_complaints(&shuiluo, 10).await.unwrap()), [late, answered], "latest answered first");
    assert_eq!(ids(&s.answered_complaints(&shuiluo, 1).await.unwrap()), [late], "at most the limit");
    assert!(s.answered_complaints(&nanhu, 10).await.unwrap().is_empty(), "in scope only");
    assert!(s.complaints(&shuiluo, &[], 10).await.unwrap().is_empty(), "no state, no complaint");
    assert_eq!(ids(&s.complaints(&nanhu, &received, 10).await.unwrap()), [w], "the other town sees its own only");
    assert!(s.complaints(&code("620825100201"), &received, 10).await.unwrap().is_empty(), "a village handles none");
    assert_eq!(ids(&s.complaints(&county, &received, 10).await.unwrap()), [v, y, w, z, x], "the county sees both towns and its own");

    assert_eq!(ids(&s.complaints_overdue(day(8), 10).await.unwrap()), [v, y, w], "due before the day, not answered");
    assert_eq!(ids(&s.complaints_overdue(day(8), 2).await.unwrap()), [v, y], "at most the limit");
    assert!(s.complaints_overdue(day(3), 10).await.unwrap().is_empty(), "the answered one is never overdue");
    assert_eq!(ids(&s.complaints_overdue(day(11), 10).await.unwrap()), [v, y, w, handling, x, z], "then in the order stored");
}

pub async fn a_complaint_moves_one_step_at_a_time_at_the_version_read(s: &dyn Store) {
    let id = s.insert_complaint(&complaint("JB20261123000011", "620825100201", "620825100", "5820", day(15))).await.unwrap();
    let other = s.insert_complaint(&complaint("JB20261123000012", "620825100201", "620825100", "5821", day(15))).await.unwrap();
    let fresh = s.complaint(id).await.unwrap();

    // Not taken up yet: it cannot be answered.
    assert!(is_mismatch(&s.advance_complaint(id, 1, &answer(), &handler(), t(10)).await, 1));
    assert_eq!(s.complaint(id).await.unwrap(), fresh, "a refusal changes nothing");

    s.advance_complaint(id, 1, &ComplaintStep::Accept, &handler(), t(20)).await.unwrap();
    let c = s.complaint(id).await.unwrap();
    assert_eq!(
        (c.state, c.accepted_by.as_deref(), c.accepted_at, c.version),
        (ComplaintState::Handling, Some("shuiluo-complaints"), Some(t(20)), 2)
    );
    // Taken up meanwhile: at the old version, and at the new one (it no longer waits), refused.
    for version in [1, 2] {
        assert!(is_mismatch(&s.advance_complaint(id, version, &ComplaintStep::Accept, &handler(), t(25)).await, version));
    }
    assert_eq!(s.complaint(id).await.unwrap(), c);

    // 逾期上提: to the county with a new day, still being checked.
    let up = ComplaintStep::Escalate { handling_region: code("620825"), due_on: day(25) };
    assert!(is_mismatch(&s.advance_complaint(id, 1, &up, &handler(), t(30)).await, 1), "at a stale version");
    s.advance_complaint(id, 2, &up, &Actor::system("escalation"), t(30)).await.unwrap();
    let c = s.complaint(id).await.unwrap();
    assert_eq!(
        (c.state, c.handling_region.clone(), c.due_on, c.escalated_at, c.accepted_by.as_deref(), c.version),
        (ComplaintState::Handling, code("620825"), day(25), Some(t(30)), Some("shuiluo-complaints"), 3)
    );
    // One not yet taken up is escalated as well and still waits.
    s.advance_complaint(other, 1, &up, &Actor::system("escalation"), t(30)).await.unwrap();
    let o = s.complaint(other).await.unwrap();
    assert_eq!(
        (o.state, o.handling_region, o.due_on, o.escalated_at, o.version),
        (ComplaintState::Received, code("620825"), day(25), Some(t(30)), 2)
    );

    assert!(is_mismatch(&s.advance_complaint(id, 2, &answer(), &handler(), t(40)).await, 2), "at a stale version");
    let county = Actor { account_id: Some(22), username: "county-complaints".into() };
    s.advance_complaint(id, 3, &answer(), &county, t(40)).await.unwrap();
    let c = s.complaint(id).await.unwrap();
    let ComplaintStep::Answer { answer: text, .. } = answer() else { unreachable!() };
    assert_eq!(
        (c.state, c.finding, c.answer.as_deref(), c.answered_by.as_deref(), c.answered_at, c.version),
        (ComplaintState::Answered, Some(Finding::PartlySubstantiated), Some(text.as_str()), Some("county-complaints"), Some(t(40)), 4)
    );
    assert_eq!(
        (c.accepted_by.as_deref(), c.escalated_at, c.details.as_str()),
        (Some("shuiluo-complaints"), Some(t(30)), fresh.details.as_str())
    );
    // The reporter following it sees the answer.
    assert_eq!(s.complaint_for("JB20261123000012", "5820").await.unwrap(), None);
    assert_eq!(s.complaint_for("JB20261123000011", "5820").await.unwrap(), Some(c.clone()));

    // Answered: no step fits any more.
    for step in [ComplaintStep::Accept, up.clone(), answer()] {
        assert!(is_mismatch(&s.advance_complaint(id, 4, &step, &handler(), t(50)).await, 4), "{step:?}");
    }
    assert_eq!(s.complaint(id).await.unwrap(), c, "a refusal changes nothing");

    for step in [ComplaintStep::Accept, up, answer()] {
        let unknown = s.advance_complaint(id + other + 1000, 1, &step, &handler(), t(50)).await;
        assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    }
}
