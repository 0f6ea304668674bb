//! Conformance: 在线咨询 ([`QuestionStore`]): a question stored with its first message (the text
//! encrypted), found only by its 咨询编号 together with its own 查询密码, each code given once,
//! queued per town soonest due first while waiting and latest step first otherwise, and moved one
//! step at a time at the version read, each step's message in the thread oldest first.

use super::*;
use crate::world::{COUNTY, TOWN_A, TOWN_B, VILLAGE_A};
use jiuzhu_domain::question::{QuestionState, QuestionTopic};

fn t(minutes: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// `n` days after the suite's today (2026-11-23).
fn day(n: i64) -> NaiveDate {
    today() + Duration::days(n)
}

/// A question about materials asked at 09:00 on 2026-11-23 (UTC) of the window of `town`,
/// followed with `pin`, to be answered by `due_on`; its text names the code.
pub fn question(code: &str, town: &str, pin: &str, due_on: NaiveDate) -> NewQuestion {
    NewQuestion {
        code: code.into(),
        pin: pin.into(),
        topic: QuestionTopic::Materials,
        region: crate::fixtures::code(town),
        body: format!("我母亲八十二岁，腿脚不便，申请低保能否由我代办？要带哪些材料？（{code}）"),
        asked_at: t(0),
        due_on,
    }
}

/// The town's answer, signed by `author`.
pub fn answer(author: &str) -> QuestionStep {
    QuestionStep::Answer {
        author: author.into(), body: "可以由直系亲属代办，请携带双方身份证、户口簿和委托书到镇便民服务中心窗口".into()
    }
}

/// The resident asks again, to be answered by `due_on`.
pub fn follow_up(due_on: NaiveDate) -> QuestionStep {
    QuestionStep::FollowUp { body: "委托书有没有固定格式？需要公证吗？".into(), due_on }
}

fn ids(list: &[Question]) -> Vec<i64> {
    list.iter().map(|q| q.id).collect()
}

fn is_mismatch(r: &Result<()>, version: i64) -> bool {
    matches!(r, Err(StoreError::VersionMismatch { expected }) if *expected == version)
}

/// A thread as `(from_staff, author, body, at)`.
async fn thread(s: &dyn Store, id: i64) -> Vec<(bool, Option<String>, String, chrono::DateTime<Utc>)> {
    s.question_messages(id).await.unwrap().into_iter().map(|m| (m.from_staff, m.author, m.body, m.at)).collect()
}

fn resident(body: &str, at: chrono::DateTime<Utc>) -> (bool, Option<String>, String, chrono::DateTime<Utc>) {
    (false, None, body.to_string(), at)
}

fn staff(author: &str, body: &str, at: chrono::DateTime<Utc>) -> (bool, Option<String>, String, chrono::DateTime<Utc>) {
    (true, Some(author.to_string()), body.to_string(), at)
}

const ALL: [QuestionState; 3] = [QuestionState::Waiting, QuestionState::Answered, QuestionState::Closed];

pub async fn a_question_is_stored_with_its_first_message_and_found_by_code_and_its_own_pin(s: &dyn Store) {
    let new_a = NewQuestion { topic: QuestionTopic::Eligibility, ..question("ZX20261123-000001", TOWN_A, "58203917", day(7)) };
    let new_b = NewQuestion { asked_at: t(5), ..question("ZX20261123-000002", TOWN_B, "77120533", day(8)) };
    let a = s.insert_question(&new_a).await.unwrap();
    let b = s.insert_question(&new_b).await.unwrap();
    assert_ne!(a, b);

    let expected = Question {
        id: a,
        code: new_a.code.clone(),
        topic: QuestionTopic::Eligibility,
        region: code(TOWN_A),
        state: QuestionState::Waiting,
        asked_at: t(0),
        due_on: day(7),
        last_at: t(0),
        version: 1,
    };
    assert_eq!(s.question(a).await.unwrap(), expected, "waiting, its latest step the asking");
    let messages = s.question_messages(a).await.unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(
        (messages[0].from_staff, messages[0].author.as_deref(), messages[0].body.as_str(), messages[0].at),
        (false, None, new_a.body.as_str(), t(0)),
        "the first message is the resident's question, exactly as written"
    );
    let b_read = s.question(b).await.unwrap();
    assert_eq!((b_read.region, b_read.last_at, b_read.due_on), (code(TOWN_B), t(5), day(8)));
    assert_eq!(thread(s, b).await, [resident(&new_b.body, t(5))], "each thread its own messages");
    assert!(matches!(s.question(a + b + 1000).await, Err(StoreError::NotFound)));
    assert!(s.question_messages(a + b + 1000).await.unwrap().is_empty(), "no question, no messages");

    // Found with its code and its own PIN.
    assert_eq!(s.question_for(&new_a.code, &new_a.pin).await.unwrap(), Some(expected.clone()));
    assert_eq!(s.question_for(&new_b.code, &new_b.pin).await.unwrap().map(|q| q.id), Some(b));
    // Nothing for a wrong PIN, another question's PIN, or a code nobody was given.
    let none = [
        (new_a.code.as_str(), "58203918"),
        (new_a.code.as_str(), ""),
        (new_a.code.as_str(), new_b.pin.as_str()),
        (new_b.code.as_str(), new_a.pin.as_str()),
        ("ZX20261123-999999", new_a.pin.as_str()),
        ("", new_a.pin.as_str()),
        (new_a.pin.as_str(), new_a.code.as_str()),
    ];
    for (code, pin) in none {
        assert_eq!(s.question_for(code, pin).await.unwrap(), None, "{code} {pin}");
    }

    // A code is given out once: the clash stores neither the question nor its message.
    let clash = NewQuestion { body: "另一位居民的问题".into(), ..question(&new_a.code, TOWN_B, "11112222", day(3)) };
    let again = s.insert_question(&clash).await;
    assert!(matches!(&again, Err(StoreError::Conflict { constraint }) if constraint == "questions_code"), "{again:?}");
    assert_eq!(ids(&s.questions(&code(COUNTY), &ALL, 10).await.unwrap()), [b, a], "the refusal stored no question");
    assert_eq!(s.question_for(&new_a.code, "11112222").await.unwrap(), None, "nor its PIN");
    assert_eq!(s.question(a).await.unwrap(), expected, "and changed nothing");
    assert_eq!(thread(s, a).await, [resident(&new_a.body, t(0))]);
    // The next question's thread holds its own message only (none left over from the clash).
    let c = s.insert_question(&question("ZX20261123-000003", TOWN_A, "58203917", day(7))).await.unwrap();
    assert_eq!(s.question_messages(c).await.unwrap().len(), 1);
    // The same PIN on two questions: each is found by its own code only.
    assert_eq!(s.question_for("ZX20261123-000003", "58203917").await.unwrap().map(|q| q.id), Some(c));
    assert_eq!(s.question_for(&new_a.code, "58203917").await.unwrap().map(|q| q.id), Some(a));
}

pub async fn the_queue_stays_in_scope_waiting_soonest_due_first_others_latest_step_first(s: &dyn Store) {
    let (county, town_a, town_b) = (code(COUNTY), code(TOWN_A), code(TOWN_B));
    let waiting = [QuestionState::Waiting];
    let mut n = 0;
    let mut add = |town: &'static str, due: i64, at: i64| {
        n += 1;
        let new = NewQuestion { asked_at: t(at), ..question(&format!("ZX20261123-{n:06}"), town, "12345678", day(due)) };
        async move { s.insert_question(&new).await.unwrap() }
    };
    let x = add(TOWN_A, 10, 30).await;
    let y = add(TOWN_A, 5, 40).await;
    // Due the same day as x, asked before it: after y, before x.
    let z = add(TOWN_A, 10, 0).await;
    // Due and asked with x: after it (the order stored).
    let x2 = add(TOWN_A, 10, 30).await;
    let w = add(TOWN_B, 7, 0).await;
    // Asked of town A, then answered, or closed.
    let p = add(TOWN_A, 1, 0).await;
    let q = add(TOWN_A, 2, 0).await;
    let r = add(TOWN_A, 3, 0).await;
    let o = add(TOWN_B, 4, 0).await;

    assert_eq!(ids(&s.questions(&town_a, &waiting, 10).await.unwrap()), [p, q, r, y, z, x, x2]);
    assert_eq!(ids(&s.questions(&town_a, &waiting, 2).await.unwrap()), [p, q], "at most the limit");
    assert_eq!(ids(&s.questions(&town_b, &waiting, 10).await.unwrap()), [o, w], "the other town sees its own only");
    assert_eq!(ids(&s.questions(&county, &waiting, 10).await.unwrap()), [p, q, r, o, y, w, z, x, x2], "the county sees both");
    assert!(s.questions(&code(VILLAGE_A), &waiting, 10).await.unwrap().is_empty(), "a village answers none");
    assert!(s.questions(&county, &[], 10).await.unwrap().is_empty(), "no state, no question");

    s.advance_question(p, 1, &answer("shuiluo-window"), t(60)).await.unwrap();
    s.advance_question(q, 1, &answer("shuiluo-window"), t(90)).await.unwrap();
    s.advance_question(q, 2, &QuestionStep::Close, t(120)).await.unwrap();
    // Closed unanswered, at the same time as q: the one stored last first.
    s.advance_question(r, 1, &QuestionStep::Close, t(120)).await.unwrap();
    s.advance_question(o, 1, &answer("nanhu-window"), t(100)).await.unwrap();

    let done = [QuestionState::Answered, QuestionState::Closed];
    assert_eq!(ids(&s.questions(&town_a, &waiting, 10).await.unwrap()), [y, z, x, x2], "answered and closed ones wait no more");
    assert_eq!(ids(&s.questions(&town_a, &done, 10).await.unwrap()), [r, q, p], "the latest step first, closing included");
    assert_eq!(ids(&s.questions(&town_a, &done, 1).await.unwrap()), [r], "at most the limit");
    assert_eq!(ids(&s.questions(&town_a, &[QuestionState::Answered], 10).await.unwrap()), [p]);
    assert_eq!(ids(&s.questions(&town_a, &[QuestionState::Closed], 10).await.unwrap()), [r, q]);
    assert_eq!(ids(&s.questions(&town_b, &done, 10).await.unwrap()), [o], "in scope only");
    assert_eq!(ids(&s.questions(&county, &done, 10).await.unwrap()), [r, q, o, p]);
    // A list with waiting and other states: the latest step first, as any list but the waiting queue.
    assert_eq!(ids(&s.questions(&town_a, &ALL, 10).await.unwrap()), [r, q, p, y, x2, x, z]);

    // Asked again: waiting with the new day, queued by it.
    s.advance_question(p, 2, &follow_up(day(6)), t(150)).await.unwrap();
    assert_eq!(ids(&s.questions(&town_a, &waiting, 10).await.unwrap()), [y, p, z, x, x2]);
    assert_eq!(ids(&s.questions(&town_a, &done, 10).await.unwrap()), [r, q]);
}

pub async fn a_thread_moves_one_step_at_a_time_at_the_version_read(s: &dyn Store) {
    let new = question("ZX20261123-000011", TOWN_A, "40917733", day(7));
    let id = s.insert_question(&new).await.unwrap();
    let other = s.insert_question(&question("ZX20261123-000012", TOWN_A, "40917734", day(7))).await.unwrap();
    let fresh = s.question(id).await.unwrap();
    let QuestionStep::Answer { body: answered, .. } = answer("shuiluo-window") else { unreachable!() };
    let QuestionStep::FollowUp { body: asked_again, .. } = follow_up(day(9)) else { unreachable!() };

    // At a version it never had: refused, nothing changed, no message added.
    assert!(is_mismatch(&s.advance_question(id, 2, &answer("shuiluo-window"), t(10)).await, 2));
    assert_eq!(s.question(id).await.unwrap(), fresh, "a refusal changes nothing");
    assert_eq!(thread(s, id).await, [resident(&new.body, t(0))]);
    // Not answered yet: the resident cannot ask again.
    assert!(is_mismatch(&s.advance_question(id, 1, &follow_up(day(9)), t(10)).await, 1));
    assert_eq!(s.question(id).await.unwrap(), fresh);

    // The town answers once.
    s.advance_question(id, 1, &answer("shuiluo-window"), t(20)).await.unwrap();
    let a = s.question(id).await.unwrap();
    assert_eq!(a, Question { state: QuestionState::Answered, last_at: t(20), version: 2, ..fresh.clone() }, "the due day kept");
    assert_eq!(thread(s, id).await, [resident(&new.body, t(0)), staff("shuiluo-window", &answered, t(20))]);
    // Answered meanwhile: at the old version, and at the new one (it no longer waits), refused.
    for version in [1, 2] {
        assert!(is_mismatch(&s.advance_question(id, version, &answer("county-window"), t(25)).await, version), "{version}");
    }
    assert!(is_mismatch(&s.advance_question(id, 1, &QuestionStep::Close, t(25)).await, 1), "closing at a stale version");
    assert_eq!(s.question(id).await.unwrap(), a);
    assert_eq!(s.question_messages(id).await.unwrap().len(), 2, "no message from a refusal");
    assert_eq!(s.question_for(&new.code, &new.pin).await.unwrap(), Some(a.clone()), "the resident sees it answered");

    // The resident asks again: waiting, due on the new day.
    s.advance_question(id, 2, &follow_up(day(9)), t(30)).await.unwrap();
    let f = s.question(id).await.unwrap();
    assert_eq!(f, Question { state: QuestionState::Waiting, due_on: day(9), last_at: t(30), version: 3, ..fresh.clone() });
    assert!(is_mismatch(&s.advance_question(id, 3, &follow_up(day(12)), t(35)).await, 3), "waiting: not again");
    assert_eq!(s.question(id).await.unwrap(), f);

    // Answered again at the same instant the resident asked: the thread keeps the order stored.
    s.advance_question(id, 3, &answer("county-window"), t(30)).await.unwrap();
    let expected_thread = [
        resident(&new.body, t(0)),
        staff("shuiluo-window", &answered, t(20)),
        resident(&asked_again, t(30)),
        staff("county-window", &answered, t(30)),
    ];
    assert_eq!(thread(s, id).await, expected_thread, "oldest first");
    let messages = s.question_messages(id).await.unwrap();
    assert!(messages.windows(2).all(|m| m[0].id < m[1].id), "{messages:?}");

    // Closed once answered: no message, its time the latest step's.
    s.advance_question(id, 4, &QuestionStep::Close, t(40)).await.unwrap();
    let closed = s.question(id).await.unwrap();
    assert_eq!(closed, Question { state: QuestionState::Closed, due_on: day(9), last_at: t(40), version: 5, ..fresh.clone() });
    assert_eq!(thread(s, id).await, expected_thread, "closing adds no message");

    // Closed while waiting.
    s.advance_question(other, 1, &QuestionStep::Close, t(50)).await.unwrap();
    let o = s.question(other).await.unwrap();
    assert_eq!((o.state, o.last_at, o.version, o.due_on), (QuestionState::Closed, t(50), 2, day(7)));
    assert_eq!(s.question_messages(other).await.unwrap().len(), 1);

    // Closed: no step fits any more, at the current version or any other.
    for (q, version) in [(id, 5), (other, 2)] {
        for step in [answer("shuiluo-window"), follow_up(day(20)), QuestionStep::Close] {
            assert!(is_mismatch(&s.advance_question(q, version, &step, t(60)).await, version), "{q} {step:?}");
        }
    }
    assert_eq!(s.question(id).await.unwrap(), closed, "a refusal changes nothing");
    assert_eq!(thread(s, id).await, expected_thread);

    for step in [answer("shuiluo-window"), follow_up(day(20)), QuestionStep::Close] {
        let unknown = s.advance_question(id + other + 1000, 1, &step, t(60)).await;
        assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    }
    assert!(s.question_messages(id + other + 1000).await.unwrap().is_empty(), "nothing stored for an unknown question");
}
