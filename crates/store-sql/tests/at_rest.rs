//! Identifiers at rest (SQLite files): never in the clear on disk — every column of the registry
//! (`jiuzhu_store_sql::columns`) is scanned for — unreadable without the key file, and still found
//! by ID number across a key rotation.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use jiuzhu_crypto::{KeyKind, Keyring};
use jiuzhu_domain::Actor;
use jiuzhu_store::{
    FeedStore, HouseholdStore, ImportStart, KeyFamily, MaintenanceStore, NewFeedImport, NewFeedRecord, RegionStore, rekey_all,
};
use jiuzhu_store_sql::sqlite::SqlStore;
use jiuzhu_testkit::fixtures::{id_number, sample_household};
use std::path::Path;
use std::sync::Arc;

#[path = "conformance/samples.rs"]
mod samples;

/// Every byte of the database file and its WAL and shared-memory files.
fn files_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn identifiers_never_reach_the_disk_in_the_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let keys = Arc::new(Keyring::generate("test"));
    let store = SqlStore::open(&db, keys.clone()).await.unwrap();
    store.upsert_regions(&jiuzhu_testkit::fixtures::divisions()).await.unwrap();
    let ids = store.insert_households(&[sample_household("620825100201", "王建国", 11)], &Actor::system("test")).await.unwrap();
    let h = store.household(ids[0]).await.unwrap().unwrap();
    let head_id = id_number("19600101", 11);
    assert_eq!(h.members[0].data.id_number.as_str(), head_id, "read back decrypted");
    let cert = h.members[1].data.disability.as_ref().and_then(|d| d.certificate.clone()).unwrap();
    let account = h.data.bank_account.as_ref().unwrap().account_no.clone();
    assert_eq!(store.household_of_person(&head_id).await.unwrap(), Some(ids[0]), "found by its blind index");
    // A department row about someone else, its natural key and details distinctive.
    let (feed_id, row_key, detail) = (id_number("19700101", 77), "车牌甘L·K0777", r#"{"owner_note":"机密备注"}"#);
    let ImportStart::Staged { import_id } = store
        .begin_feed_import(&NewFeedImport {
            feed: "vehicles".into(),
            file_name: "v.csv".into(),
            sha256: "s".into(),
            rows: 1,
            imported_by: "t".into(),
        })
        .await
        .unwrap()
    else {
        panic!("staged")
    };
    let record = NewFeedRecord { id_number: feed_id.clone(), key: row_key.into(), on: None, detail: detail.into() };
    store.stage_feed_records(import_id, "vehicles", &[record]).await.unwrap();
    store.complete_feed_imports(&[(import_id, 1)]).await.unwrap();
    // A payroll line freezes the payee's ID number and account under keys of its own.
    use jiuzhu_store::PaymentStore;
    use jiuzhu_testkit::conformance::payments as pay;
    pay::recipient(&store, "620825100201", 31, 81_000).await;
    let (payroll, _) = store.generate_payroll(&pay::new_payroll(pay::month(1)), &mut pay::regular(pay::month(1), 0)).await.unwrap();
    assert_eq!(payroll.lines, 1);
    // 收款安排: an institution's credit code and account, under keys of their own.
    let centre = jiuzhu_domain::payment::payee::PayeeDetails {
        role: jiuzhu_domain::payment::payee::PayeeRole::Institution,
        name: "县社会福利中心".into(),
        code: "12620825MB00000012".into(),
        bank: "农村商业银行".into(),
        account_no: "6228480099000000010".into(),
        basis: "集中供养协议".into(),
        care: None,
    };
    store.set_payee(ids[0], &centre, &Actor::system("test"), pay::month(1)).await.unwrap();
    assert_eq!(store.payees(ids[0]).await.unwrap()[0].details.account_no, "6228480099000000010", "read back decrypted");
    // 网上申请: what the resident entered, their ID number and their query code.
    use jiuzhu_store::{OnlineApplicationStore, QuerySecret};
    let online = jiuzhu_testkit::conformance::online::application("WS20261123000001", "620825100201", 21, "K7P39QXM", 0);
    let online_id = store.insert_online_application(&online).await.unwrap();
    let found = store.online_application_for(&online.reference, &QuerySecret::QueryCode(online.query_code.clone())).await.unwrap();
    assert_eq!(
        found.map(|a| (a.id, a.submission)),
        Some((online_id, online.submission.clone())),
        "found by its blind index, read back decrypted"
    );
    // 投诉举报: what was reported, who reported, the answer and the 查询密码.
    use jiuzhu_domain::complaint::Finding;
    use jiuzhu_store::{ComplaintStep, ComplaintStore};
    let complaint = jiuzhu_testkit::conformance::complaints::complaint(
        "JB20261123000001",
        "620825100201",
        "620825100",
        "P4Q8R2",
        jiuzhu_testkit::fixtures::today(),
    );
    let reporter = complaint.reporter.clone().unwrap();
    let complaint_id = store.insert_complaint(&complaint).await.unwrap();
    let answer = r#"{"reply":"经入户核查，反映问题部分属实，已停保"}"#;
    let handler = Actor::system("handler");
    store.advance_complaint(complaint_id, 1, &ComplaintStep::Accept, &handler, chrono::Utc::now()).await.unwrap();
    let step = ComplaintStep::Answer { finding: Finding::PartlySubstantiated, answer: answer.into() };
    store.advance_complaint(complaint_id, 2, &step, &handler, chrono::Utc::now()).await.unwrap();
    let found = store.complaint_for(&complaint.code, &complaint.pin).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.details, found.reporter, found.answer),
        (complaint_id, complaint.details.clone(), Some(reporter.clone()), Some(answer.to_string())),
        "found by its blind index, read back decrypted"
    );
    // 好差评: what the resident wrote, what the town found and did about it.
    use jiuzhu_domain::rating::{RatedMatter, Satisfaction};
    use jiuzhu_store::RatingStore;
    use jiuzhu_testkit::conformance::ratings as rate;
    let rating = rate::rating(RatedMatter::Complaint, complaint_id, "620825100", Satisfaction::VeryDissatisfied);
    let rating_id = store.insert_rating(&rating).await.unwrap();
    let rectified = rate::rectification("handler", chrono::Utc::now());
    store.rectify_rating(rating_id, 1, &rectified).await.unwrap();
    let found = store.rating_of(RatedMatter::Complaint, complaint_id).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.comment, found.rectification.map(|r| (r.found, r.action))),
        (rating_id, rating.comment.clone(), Some((rectified.found.clone(), rectified.action.clone()))),
        "read back decrypted"
    );
    // 在线咨询: the resident's question and PIN, the town's answer, the question asked again.
    use jiuzhu_store::{QuestionStep, QuestionStore};
    use jiuzhu_testkit::conformance::questions as ask;
    let question = ask::question("ZX20261123-000001", "620825100", "58203917", jiuzhu_testkit::fixtures::today());
    let question_id = store.insert_question(&question).await.unwrap();
    let reply = "请携带户口簿和残疾证到镇便民服务中心三号窗口办理";
    let step = QuestionStep::Answer { author: "shuiluo-window".into(), body: reply.into() };
    store.advance_question(question_id, 1, &step, chrono::Utc::now()).await.unwrap();
    let QuestionStep::FollowUp { body: again, .. } = ask::follow_up(jiuzhu_testkit::fixtures::today()) else { unreachable!() };
    store.advance_question(question_id, 2, &ask::follow_up(jiuzhu_testkit::fixtures::today()), chrono::Utc::now()).await.unwrap();
    let found = store.question_for(&question.code, &question.pin).await.unwrap().unwrap();
    let thread: Vec<String> = store.question_messages(found.id).await.unwrap().into_iter().map(|m| m.body).collect();
    assert_eq!(
        (found.id, thread),
        (question_id, vec![question.body.clone(), reply.to_string(), again.clone()]),
        "found by its blind index, read back decrypted"
    );
    // 网上申请的材料照片: the picture of a 户口簿 page.
    let photo = samples::document(online_id, "hukou", 10, 64);
    let photo_id = store.insert_online_document(&photo).await.unwrap();
    assert_eq!(store.online_document(photo_id).await.unwrap().map(|d| d.bytes), Some(photo.bytes.clone()), "read back decrypted");
    let photo_text = samples::picture_text(online_id, "hukou");
    assert!(contains(&photo.bytes, &photo_text), "the sample picture holds the text scanned for");
    // 预约办理: whom the window expects, their phone number and what they wrote.
    use jiuzhu_domain::booking::BookingSlot;
    use jiuzhu_store::BookingStore;
    let booking = samples::booking("YY20261208-482913", "620825100", samples::day(15), BookingSlot::Morning, "13909331234");
    let booking_id = store.insert_booking(&booking, 10).await.unwrap().expect("a place");
    let found = store.booking_for(&booking.code, &booking.phone).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.name, found.phone, found.note),
        (booking_id, booking.name.clone(), booking.phone.clone(), booking.note.clone()),
        "found by its blind index, read back decrypted"
    );

    // One plaintext of every registered column: a column added to the registry needs one here.
    let secrets: Vec<(&str, String)> = vec![
        ("persons.id_number_enc", head_id.clone()),
        ("persons.id_number_enc", id_number("19620315", 12)),
        ("persons.disability_certificate_enc", cert),
        ("households.bank_account_enc", account),
        ("feed_records.detail_enc", detail.into()),
        ("feed_records.detail_enc", "机密备注".into()),
        ("feed_records.id_number_enc", feed_id),
        ("feed_records.row_key_enc", row_key.into()),
        ("payment_lines.payee_id_enc", id_number("19600101", 31)),
        ("payment_lines.account_enc", "6228480000000000017".into()),
        ("payees.code_enc", "12620825MB00000012".into()),
        ("payees.account_enc", "6228480099000000010".into()),
        ("online_applications.submission_enc", online.submission.clone()),
        ("online_applications.submission_enc", "iVBORw0KGgo".into()),
        ("online_applications.applicant_id_enc", online.applicant_id_number.clone()),
        ("online_applications.query_code_enc", online.query_code.clone()),
        ("complaints.details_enc", complaint.details.clone()),
        ("complaints.details_enc", "多次反映无果".into()),
        ("complaints.reporter_enc", reporter),
        ("complaints.reporter_enc", "13909330101".into()),
        ("complaints.answer_enc", answer.into()),
        ("complaints.answer_enc", "已停保".into()),
        ("complaints.pin_enc", complaint.pin.clone()),
        ("ratings.comment_enc", rating.comment.clone()),
        ("ratings.comment_enc", "让我跑了三趟".into()),
        ("ratings.found_enc", rectified.found.clone()),
        ("ratings.found_enc", "未一次性告知".into()),
        ("ratings.action_enc", rectified.action.clone()),
        ("ratings.action_enc", "电话回访致歉".into()),
        ("questions.pin_enc", question.pin.clone()),
        ("question_messages.body_enc", question.body.clone()),
        ("question_messages.body_enc", "腿脚不便".into()),
        ("question_messages.body_enc", reply.into()),
        ("question_messages.body_enc", "三号窗口".into()),
        ("question_messages.body_enc", again),
        ("question_messages.body_enc", "需要公证吗".into()),
        ("online_documents.bytes_enc", photo_text),
        ("online_documents.bytes_enc", "常住人口登记卡".into()),
        ("bookings.name_enc", booking.name.clone()),
        ("bookings.phone_enc", booking.phone.clone()),
        ("bookings.note_enc", booking.note.clone()),
        ("bookings.note_enc", "轮椅通道".into()),
    ];
    for c in jiuzhu_store_sql::columns::ENCRYPTED_COLUMNS {
        let name = format!("{}.{}", c.table, c.column);
        assert!(secrets.iter().any(|(col, _)| *col == name), "no sample plaintext for {name}: add one to this test");
    }
    let bytes = files_bytes(&db);
    assert!(contains(&bytes, "王建国"), "the scan reads the files that hold the rows");
    for (column, secret) in &secrets {
        assert!(!contains(&bytes, secret), "{column}: {secret} must not be on disk in the clear");
    }
    drop(store);

    // Another key file cannot open the database; the right one can.
    let wrong = SqlStore::open(&db, Arc::new(Keyring::generate("other"))).await;
    assert!(wrong.is_err_and(|e| e.to_string().contains("密钥文件与数据库不匹配")));
    let again = SqlStore::open(&db, keys).await.unwrap();
    assert_eq!(again.household_of_person(&head_id).await.unwrap(), Some(ids[0]));
}

#[tokio::test]
async fn rotation_re_encrypts_every_row_and_old_keys_can_then_go() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let mut keys = Keyring::generate("test");
    let store = SqlStore::open(&db, Arc::new(keys.clone())).await.unwrap();
    store.upsert_regions(&jiuzhu_testkit::fixtures::divisions()).await.unwrap();
    let new: Vec<_> = (0..30).map(|i| sample_household("620825100201", "王建国", 100 + 2 * i)).collect();
    let ids = store.insert_households(&new, &Actor::system("test")).await.unwrap();
    drop(store);

    keys.rotate(KeyKind::Data, "later").unwrap();
    keys.rotate(KeyKind::Index, "later").unwrap();
    let store = SqlStore::open(&db, Arc::new(keys.clone())).await.unwrap();
    // Mid-rotation: rows under the old keys are still found and read.
    assert_eq!(store.household_of_person(&id_number("19600101", 100)).await.unwrap(), Some(ids[0]));
    let pass = rekey_all(&store, 7, &|_, _| {}).await.unwrap();
    assert_eq!(pass.rewritten, 60 + 30, "every person and every household with an account");
    assert_eq!(store.rekey("persons", 0, 1000).await.unwrap().rewritten, 0, "a second pass has nothing to do");
    let usage = store.key_usage().await.unwrap();
    assert!(usage.iter().filter(|u| u.family != KeyFamily::Audit).all(|u| u.key_id == 2), "{usage:?}");
    drop(store);

    assert_eq!(keys.retire_unused(KeyKind::Data, &[2]), [1]);
    assert_eq!(keys.retire_unused(KeyKind::Index, &[2]), [1]);
    let store = SqlStore::open(&db, Arc::new(keys)).await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let h = store.household(*id).await.unwrap().unwrap();
        assert_eq!(h.members[0].data.id_number.as_str(), id_number("19600101", 100 + 2 * i as u32));
        assert!(h.members[1].data.disability.as_ref().unwrap().certificate.is_some());
        assert_eq!(h.data.bank_account.as_ref().unwrap().account_no, "6228480000000000017");
    }
    assert_eq!(store.household_of_person(&id_number("19620315", 101)).await.unwrap(), Some(ids[0]));
}

/// A database written by a version before encryption: plaintext columns, no ciphertext. Opening
/// it encrypts every value, drops the plaintext columns and rewrites the file.
#[tokio::test]
async fn an_older_database_is_encrypted_on_first_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let keys = Arc::new(Keyring::generate("test"));
    let store = SqlStore::open(&db, keys.clone()).await.unwrap();
    store.upsert_regions(&jiuzhu_testkit::fixtures::divisions()).await.unwrap();
    let ids = store.insert_households(&[sample_household("620825100201", "王建国", 11)], &Actor::system("test")).await.unwrap();
    drop(store);
    // Turn the stored rows back into what version 0.3 wrote.
    let head_id = id_number("19600101", 11);
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        for sql in [
            "ALTER TABLE persons ADD COLUMN id_number TEXT".to_string(),
            "ALTER TABLE persons ADD COLUMN disability_certificate TEXT".into(),
            "ALTER TABLE households ADD COLUMN bank_account_no TEXT".into(),
            format!("UPDATE persons SET id_number = '{head_id}', id_number_enc = NULL, id_number_bidx = NULL WHERE seq = 0"),
            format!(
                "UPDATE persons SET id_number = '{}', id_number_enc = NULL, id_number_bidx = NULL, disability_certificate = 'C{head_id}42', disability_certificate_enc = NULL WHERE seq = 1",
                id_number("19620315", 12)
            ),
            "UPDATE households SET bank_account_no = '6228480000000000099', bank_account_enc = NULL".into(),
        ] {
            sqlx::query(&sql).execute(&mut c).await.unwrap();
        }
        c.close().await.unwrap();
    }
    assert!(contains(&files_bytes(&db), &head_id), "the old database holds the plaintext");

    let store = SqlStore::open(&db, keys).await.unwrap();
    let h = store.household(ids[0]).await.unwrap().unwrap();
    assert_eq!(h.members[0].data.id_number.as_str(), head_id);
    assert_eq!(h.members[1].data.disability.as_ref().unwrap().certificate.as_deref(), Some(format!("C{head_id}42").as_str()));
    assert_eq!(h.data.bank_account.as_ref().unwrap().account_no, "6228480000000000099");
    assert_eq!(store.household_of_person(&head_id).await.unwrap(), Some(ids[0]));
    drop(store);
    let bytes = files_bytes(&db);
    assert!(!contains(&bytes, &head_id) && !contains(&bytes, "6228480000000000099"), "no plaintext left in the file or its WAL");
}
