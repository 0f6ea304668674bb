//! Conformance: 网上申请 ([`OnlineApplicationStore`]): stored whole, found only by its 办件编号
//! together with its own applicant's ID number or query code, queued per town oldest first, and
//! handled once at the version read.

use super::*;

fn t(minutes: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// An application from `village` by the head with ID sequence `seq`, sent at minute `at`.
pub fn application(reference: &str, village: &str, seq: u32, query_code: &str, at: i64) -> NewOnlineApplication {
    let id = id_number("19600101", seq);
    NewOnlineApplication {
        reference: reference.into(),
        region: code(village),
        applicant_id_number: id.clone(),
        query_code: query_code.into(),
        submission: format!(
            r#"{{"head":{{"name":"王建国","id_number":"{id}"}},"kinds":["dibao"],"signature":"data:image/png;base64,iVBORw0KGgo="}}"#
        ),
        submitted_at: t(at),
    }
}

fn clerk() -> Actor {
    Actor { account_id: Some(7), username: "shuiluo-window".into() }
}

fn ids(list: &[OnlineApplication]) -> Vec<i64> {
    list.iter().map(|a| a.id).collect()
}

pub async fn applications_are_found_only_by_reference_and_their_own_secret(s: &dyn Store) {
    let new_a = application("WS20261123000001", "620825100201", 41, "K7P39QXM", 0);
    let new_b = application("WS20261123000002", "620825101201", 42, "Q2W84ZRT", 5);
    let a = s.insert_online_application(&new_a).await.unwrap();
    let b = s.insert_online_application(&new_b).await.unwrap();
    assert_ne!(a, b);

    let read = s.online_application(a).await.unwrap();
    let expected = OnlineApplication {
        id: a,
        reference: new_a.reference.clone(),
        region: code("620825100201"),
        state: OnlineState::Submitted,
        submission: new_a.submission.clone(),
        submitted_at: t(0),
        household_id: None,
        case_ids: Vec::new(),
        handled_by: None,
        handled_at: None,
        declined_reason: None,
        version: 1,
    };
    assert_eq!(read, expected, "read back whole, the submission exactly as sent");
    assert_eq!(s.online_application(b).await.unwrap().region, code("620825101201"));
    assert!(matches!(s.online_application(b + a + 1000).await, Err(StoreError::NotFound)));

    // Found with the applicant's ID number or the query code, each with its own reference.
    let by_id = s.online_application_for(&new_a.reference, &QuerySecret::IdNumber(new_a.applicant_id_number.clone())).await.unwrap();
    assert_eq!(by_id, Some(expected.clone()));
    let by_code = s.online_application_for(&new_b.reference, &QuerySecret::QueryCode(new_b.query_code.clone())).await.unwrap();
    assert_eq!(by_code.map(|x| x.id), Some(b));
    let by_code = s.online_application_for(&new_a.reference, &QuerySecret::QueryCode(new_a.query_code.clone())).await.unwrap();
    assert_eq!(by_code.map(|x| x.id), Some(a));

    // Nothing for a wrong secret, another application's secret, a secret of the other kind, or
    // a reference nobody was given.
    let none: [(&str, QuerySecret); 7] = [
        (&new_a.reference, QuerySecret::IdNumber(id_number("19600101", 43))),
        (&new_a.reference, QuerySecret::QueryCode("K7P39QXN".into())),
        (&new_a.reference, QuerySecret::IdNumber(new_b.applicant_id_number.clone())),
        (&new_a.reference, QuerySecret::QueryCode(new_b.query_code.clone())),
        (&new_b.reference, QuerySecret::IdNumber(new_a.applicant_id_number.clone())),
        (&new_a.reference, QuerySecret::QueryCode(new_a.applicant_id_number.clone())),
        ("WS20261123999999", QuerySecret::IdNumber(new_a.applicant_id_number.clone())),
    ];
    for (reference, secret) in &none {
        assert_eq!(s.online_application_for(reference, secret).await.unwrap(), None, "{reference} {secret:?}");
    }

    // A reference is given out once.
    let again = s.insert_online_application(&application(&new_a.reference, "620825101201", 44, "ZZZZ0000", 9)).await;
    assert!(matches!(&again, Err(StoreError::Conflict { constraint }) if constraint == "online_applications_reference"), "{again:?}");
    assert_eq!(s.online_applications(&code("620825"), OnlineState::Submitted, 10).await.unwrap().len(), 2, "the refusal stored nothing");
}

pub async fn the_town_queue_stays_in_scope_oldest_first(s: &dyn Store) {
    let shuiluo = code("620825100");
    let late = s.insert_online_application(&application("WS1", "620825100201", 51, "AAAA1111", 30)).await.unwrap();
    let other_town = s.insert_online_application(&application("WS2", "620825101201", 52, "BBBB2222", 0)).await.unwrap();
    // Sent before the first one, stored after it: the queue follows the time sent.
    let early = s.insert_online_application(&application("WS3", "620825100201", 53, "CCCC3333", 10)).await.unwrap();
    let declined = s.insert_online_application(&application("WS4", "620825100201", 54, "DDDD4444", 5)).await.unwrap();
    s.handle_online_application(declined, 1, &Handling::Declined { reason: "户籍不在本镇".into() }, &clerk(), t(60)).await.unwrap();

    assert_eq!(ids(&s.online_applications(&shuiluo, OnlineState::Submitted, 10).await.unwrap()), [early, late]);
    assert_eq!(ids(&s.online_applications(&shuiluo, OnlineState::Submitted, 1).await.unwrap()), [early], "at most the limit");
    assert_eq!(ids(&s.online_applications(&shuiluo, OnlineState::Declined, 10).await.unwrap()), [declined]);
    assert!(s.online_applications(&shuiluo, OnlineState::Taken, 10).await.unwrap().is_empty());
    assert_eq!(ids(&s.online_applications(&code("620825101"), OnlineState::Submitted, 10).await.unwrap()), [other_town]);
    assert_eq!(ids(&s.online_applications(&code("620825100201"), OnlineState::Submitted, 10).await.unwrap()), [early, late]);
    assert_eq!(
        ids(&s.online_applications(&code("620825"), OnlineState::Submitted, 10).await.unwrap()),
        [other_town, early, late],
        "the county sees both towns"
    );
    assert!(s.online_applications(&code("620825100202"), OnlineState::Submitted, 10).await.unwrap().is_empty(), "another village");
}

pub async fn an_application_is_handled_once_at_the_version_read(s: &dyn Store) {
    let household = one_household(s, "620825100201", 61).await;
    let taken = s.insert_online_application(&application("WS10", "620825100201", 61, "EEEE5555", 0)).await.unwrap();
    let declined = s.insert_online_application(&application("WS11", "620825100201", 63, "FFFF6666", 1)).await.unwrap();

    let take = Handling::Taken { household_id: household, case_ids: vec![12, 5, 9] };
    s.handle_online_application(taken, 1, &take, &clerk(), t(90)).await.unwrap();
    let a = s.online_application(taken).await.unwrap();
    assert_eq!(
        (a.state, a.household_id, a.case_ids.as_slice(), a.handled_by.as_deref(), a.handled_at, a.declined_reason.as_deref(), a.version),
        (OnlineState::Taken, Some(household), &[12, 5, 9][..], Some("shuiluo-window"), Some(t(90)), None, 2)
    );
    assert_eq!(a.submission, application("WS10", "620825100201", 61, "EEEE5555", 0).submission, "the submission is kept");

    // Handled meanwhile: at the old version, and at the new one (it no longer waits), nothing changes.
    let decline = Handling::Declined { reason: "材料不全".into() };
    for version in [1, 2] {
        let again = s.handle_online_application(taken, version, &decline, &clerk(), t(95)).await;
        assert!(matches!(again, Err(StoreError::VersionMismatch { expected }) if expected == version), "{again:?}");
    }
    assert_eq!(s.online_application(taken).await.unwrap(), a, "a refusal changes nothing");
    let unknown = s.handle_online_application(taken + declined + 1000, 1, &take, &clerk(), t(95)).await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");

    s.handle_online_application(declined, 1, &Handling::Declined { reason: "户籍不在本镇，请向户籍所在地申请".into() }, &clerk(), t(100))
        .await
        .unwrap();
    let d = s.online_application(declined).await.unwrap();
    assert_eq!(
        (d.state, d.household_id, d.case_ids.len(), d.handled_by.as_deref(), d.handled_at, d.declined_reason.as_deref(), d.version),
        (OnlineState::Declined, None, 0, Some("shuiluo-window"), Some(t(100)), Some("户籍不在本镇，请向户籍所在地申请"), 2)
    );
    // The resident following it sees the decision and the reason.
    let seen = s.online_application_for("WS11", &QuerySecret::QueryCode("FFFF6666".into())).await.unwrap().unwrap();
    assert_eq!(seen, d);
    assert!(s.online_applications(&code("620825100"), OnlineState::Submitted, 10).await.unwrap().is_empty(), "neither waits");
}
