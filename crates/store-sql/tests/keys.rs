//! Key rotation and the key check on both backends, over the registry of encrypted columns
//! (`jiuzhu_store_sql::columns`): every BLOB column is classified; a rotation rewrites every
//! registered column, department data included; a key some row still needs is never retired; the
//! start-up check names the family that does not match.
//!
//! PostgreSQL: `JIUZHU_TEST_PG` as in `conformance.rs`; skipped locally when unreachable, required
//! in CI.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use jiuzhu_crypto::{KeyKind, Keyring};
use jiuzhu_domain::Actor;
use jiuzhu_store::*;
use jiuzhu_store_sql::columns;
use jiuzhu_testkit::fixtures::{id_number, sample_household, two_towns};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::sync::Arc;

#[path = "conformance/samples.rs"]
mod samples;

/// One database, reopened with whatever keys a step needs.
enum Db {
    Sqlite { _dir: tempfile::TempDir, path: std::path::PathBuf },
    Postgres { admin: Box<PgConnectOptions>, schema: String },
}

impl Db {
    async fn sqlite() -> Option<Db> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        Some(Db::Sqlite { _dir: dir, path })
    }

    async fn postgres() -> Option<Db> {
        let pg = jiuzhu_testkit::pg::PgSchema::fresh("k").await?;
        Some(Db::Postgres { admin: Box::new(pg.admin), schema: pg.schema })
    }

    async fn open(&self, keys: &Keyring) -> Result<Arc<dyn Store>> {
        let keys = Arc::new(keys.clone());
        Ok(match self {
            Db::Sqlite { path, .. } => Arc::new(jiuzhu_store_sql::sqlite::SqlStore::open(path, keys).await?),
            Db::Postgres { admin, schema } => Arc::new(
                jiuzhu_store_sql::postgres::SqlStore::connect_with((**admin).clone().options([("search_path", schema.as_str())]), keys)
                    .await?,
            ),
        })
    }

    /// Runs SQL straight on the database (to make rows look like an older version's).
    async fn execute(&self, sql: &str) {
        match self {
            Db::Sqlite { path, .. } => {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
                sqlx::query(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
            Db::Postgres { admin, schema } => {
                let mut c = (**admin).clone().options([("search_path", schema.as_str())]).connect().await.unwrap();
                sqlx::query(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
        }
    }

    /// Every `(table, column)` of the schema holding bytes.
    async fn blob_columns(&self) -> Vec<(String, String)> {
        match self {
            Db::Sqlite { path, .. } => {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
                let rows = sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND upper(p.type) = 'BLOB' ORDER BY 1, 2",
                )
                .fetch_all(&mut c)
                .await
                .unwrap();
                c.close().await.unwrap();
                rows
            }
            Db::Postgres { admin, schema } => {
                let mut c = admin.connect().await.unwrap();
                let rows = sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = $1 AND data_type = 'bytea' ORDER BY 1, 2",
                )
                .bind(schema)
                .fetch_all(&mut c)
                .await
                .unwrap();
                c.close().await.unwrap();
                rows
            }
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Postgres { admin, schema } = self {
            let (admin, schema) = ((**admin).clone(), schema.clone());
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                    if let Ok(mut c) = admin.connect().await {
                        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut c).await;
                    }
                })
            })
            .join()
            .ok();
        }
    }
}

/// Two households, one department file (deaths of both heads), one online application
/// (`online()`) with a document photo (`photo()`), one answered complaint (`complaint()`, with its
/// reporter), its bad rating put right (`rating()`, `rectification()`), one answered question
/// (`question()`, `question_answer()`) and one booking (`booking()`) under `keys`.
async fn populate(s: &dyn Store) -> Vec<i64> {
    s.upsert_regions(&two_towns()).await.unwrap();
    let ids = s
        .insert_households(
            &[sample_household("620825100201", "王建国", 11), sample_household("620825100201", "李平", 13)],
            &Actor::system("t"),
        )
        .await
        .unwrap();
    import(s, "d1", &[(11, "2026-03-01"), (13, "2026-04-01")]).await;
    let application = s.insert_online_application(&online()).await.unwrap();
    s.insert_online_document(&photo(application)).await.unwrap();
    let complaint = s.insert_complaint(&complaint()).await.unwrap();
    s.advance_complaint(complaint, 1, &ComplaintStep::Accept, &Actor::system("t"), chrono::Utc::now()).await.unwrap();
    s.advance_complaint(complaint, 2, &complaint_answer(), &Actor::system("t"), chrono::Utc::now()).await.unwrap();
    let rating = s.insert_rating(&rating()).await.unwrap();
    s.rectify_rating(rating, 1, &rectification()).await.unwrap();
    let question = s.insert_question(&question()).await.unwrap();
    s.advance_question(question, 1, &question_answer(), chrono::Utc::now()).await.unwrap();
    s.insert_booking(&booking(), 10).await.unwrap().expect("a place");
    ids
}

/// A booking of 水洛镇's window.
fn booking() -> NewBooking {
    samples::booking("YY20261208-482913", "620825100", samples::day(15), jiuzhu_domain::booking::BookingSlot::Morning, "13909331234")
}

/// A photo of the 户口簿 for the online application `application`.
fn photo(application: i64) -> NewOnlineDocument {
    samples::document(application, "hukou", 10, 16)
}

/// A question to 水洛镇's window.
fn question() -> NewQuestion {
    jiuzhu_testkit::conformance::questions::question("ZX20261123-000001", "620825100", "58203917", jiuzhu_testkit::fixtures::today())
}

/// The town's answer to `question()`.
fn question_answer() -> QuestionStep {
    jiuzhu_testkit::conformance::questions::answer("shuiluo-window")
}

/// A bad rating of a complaint handled by 水洛镇 (any id: ratings name their matter without a
/// foreign key).
fn rating() -> NewRating {
    use jiuzhu_domain::rating::{RatedMatter, Satisfaction};
    jiuzhu_testkit::conformance::ratings::rating(RatedMatter::Complaint, 1, "620825100", Satisfaction::Dissatisfied)
}

/// What the town found and did about `rating()`.
fn rectification() -> Rectification {
    jiuzhu_testkit::conformance::ratings::rectification("t", jiuzhu_testkit::fixtures::today().and_hms_opt(8, 0, 0).unwrap().and_utc())
}

/// A complaint about a village of 水洛镇, handled by the town.
fn complaint() -> NewComplaint {
    jiuzhu_testkit::conformance::complaints::complaint(
        "JB20261123000001",
        "620825100201",
        "620825100",
        "P4Q8R2",
        jiuzhu_testkit::fixtures::today(),
    )
}

fn complaint_answer() -> ComplaintStep {
    ComplaintStep::Answer {
        finding: jiuzhu_domain::complaint::Finding::Unsubstantiated,
        answer: r#"{"reply":"经核查，反映问题不属实"}"#.into(),
    }
}

/// An online application by a resident not yet registered (ID sequence 17).
fn online() -> NewOnlineApplication {
    jiuzhu_testkit::conformance::online::application("WS20261123000001", "620825101201", 17, "K7P39QXM", 0)
}

/// Imports a deaths file (`sha`) about the heads with these sequence numbers; the new rows.
async fn import(s: &dyn Store, sha: &str, rows: &[(u32, &str)]) -> i64 {
    let import = NewFeedImport {
        feed: "deaths".into(),
        file_name: "d.csv".into(),
        sha256: sha.into(),
        rows: rows.len() as i64,
        imported_by: "t".into(),
    };
    let ImportStart::Staged { import_id } = s.begin_feed_import(&import).await.unwrap() else { panic!("staged") };
    let records: Vec<NewFeedRecord> = rows
        .iter()
        .map(|(seq, on)| {
            let id = id_number("19600101", *seq);
            NewFeedRecord {
                key: format!("{id}|{on}"),
                id_number: id,
                on: Some(on.parse().unwrap()),
                detail: format!("{{\"died_on\":\"{on}\"}}"),
            }
        })
        .collect();
    let new = s.stage_feed_records(import_id, "deaths", &records).await.unwrap();
    s.complete_feed_imports(&[(import_id, new)]).await.unwrap();
    new
}

/// The key ids each family's values carry, with how many cannot be rewritten.
fn carried(usage: &[KeyUse], family: KeyFamily) -> Vec<(i64, i64)> {
    let mut ids: Vec<(i64, i64)> = Vec::new();
    for u in usage.iter().filter(|u| u.family == family) {
        match ids.iter_mut().find(|(k, _)| *k == u.key_id) {
            Some((_, stuck)) => *stuck += u.stuck,
            None => ids.push((u.key_id, u.stuck)),
        }
    }
    ids.sort();
    ids
}

fn in_use(usage: &[KeyUse], family: KeyFamily) -> Vec<u8> {
    carried(usage, family).into_iter().map(|(id, _)| u8::try_from(id).unwrap()).collect()
}

async fn every_blob_column_is_in_the_registry(db: Db) {
    db.open(&Keyring::for_tests()).await.unwrap();
    let columns = db.blob_columns().await;
    assert!(columns.len() >= 10, "the scan sees the schema: {columns:?}");
    let unknown: Vec<_> = columns.iter().filter(|(t, c)| columns::classify(t, c).is_none()).collect();
    assert!(
        unknown.is_empty(),
        "BLOB columns the registry does not know (add them to ENCRYPTED_COLUMNS, or NOT_SECRET with the reason): {unknown:?}"
    );
    // And nothing in the registry is missing from the schema.
    for c in columns::ENCRYPTED_COLUMNS {
        for column in std::iter::once(c.column).chain(c.index.map(|i| i.column)) {
            assert!(columns.iter().any(|(t, x)| t == c.table && x == column), "{}.{column} is not in the schema", c.table);
        }
    }
}

async fn rotation_rewrites_every_registered_column_and_retires_only_unused_keys(db: Db) {
    let mut keys = Keyring::generate("before");
    let s = db.open(&keys).await.unwrap();
    let ids = populate(s.as_ref()).await;
    drop(s);
    keys.rotate(KeyKind::Data, "after").unwrap();
    keys.rotate(KeyKind::Index, "after").unwrap();
    let s = db.open(&keys).await.unwrap();
    let pass = rekey_all(s.as_ref(), 1, &|_, _| {}).await.unwrap();
    assert_eq!(
        (pass.rewritten, pass.stuck),
        (2 + 4 + 2 + 1 + 1 + 1 + 1 + 2 + 1 + 1, 0),
        "two households, four persons, two department rows, an application, a complaint, a rating, a question and its two \
         messages, a document photo and a booking"
    );
    let usage = s.key_usage().await.unwrap();
    assert_eq!(carried(&usage, KeyFamily::Data), [(2, 0)], "{usage:?}");
    assert_eq!(carried(&usage, KeyFamily::Index), [(2, 0)], "{usage:?}");
    assert_eq!(keys.retire_unused(KeyKind::Data, &in_use(&usage, KeyFamily::Data)), [1]);
    assert_eq!(keys.retire_unused(KeyKind::Index, &in_use(&usage, KeyFamily::Index)), [1]);
    drop(s);

    // Only the new keys: everything reads, department data included, and is found by ID number.
    let s = db.open(&keys).await.unwrap();
    let heads = [id_number("19600101", 11), id_number("19600101", 13)];
    let found = s.feed_records_of(&heads).await.unwrap();
    let mut seen: Vec<(String, String)> = found.iter().map(|r| (r.id_number.clone(), r.detail.clone())).collect();
    seen.sort();
    assert_eq!(
        seen,
        [(heads[0].clone(), "{\"died_on\":\"2026-03-01\"}".to_string()), (heads[1].clone(), "{\"died_on\":\"2026-04-01\"}".to_string())]
    );
    assert_eq!(s.household_of_person(&heads[1]).await.unwrap(), Some(ids[1]));
    // The natural keys were re-indexed too: the same fact in another file is still not stored twice.
    assert_eq!(import(s.as_ref(), "d2", &[(11, "2026-03-01"), (15, "2026-05-01")]).await, 1);
    // The online application reads, and is found by its applicant's ID number and by its query code.
    let app = online();
    for secret in [QuerySecret::IdNumber(app.applicant_id_number.clone()), QuerySecret::QueryCode(app.query_code.clone())] {
        let found = s.online_application_for(&app.reference, &secret).await.unwrap().expect("found under the new index key");
        assert_eq!(found.submission, app.submission, "{secret:?}");
    }
    // The complaint reads whole, and is found by its code and PIN under the new index key.
    let new = complaint();
    let found = s.complaint_for(&new.code, &new.pin).await.unwrap().expect("found under the new index key");
    let ComplaintStep::Answer { answer, .. } = complaint_answer() else { unreachable!() };
    assert_eq!((found.details, found.reporter, found.answer), (new.details, new.reporter, Some(answer)));
    assert_eq!(s.complaint_for(&new.code, "P4Q8R3").await.unwrap(), None, "and by its own PIN only");
    // The rating reads whole: the resident's comment and what was found and done.
    let rated = s.rating_of(jiuzhu_domain::rating::RatedMatter::Complaint, rating().matter_id).await.unwrap().expect("rated");
    assert_eq!((rated.comment, rated.rectification), (rating().comment, Some(rectification())));
    // The question is found by its code and PIN under the new index key, and its thread reads.
    let asked = question();
    let found = s.question_for(&asked.code, &asked.pin).await.unwrap().expect("found under the new index key");
    let QuestionStep::Answer { author, body } = question_answer() else { unreachable!() };
    let thread: Vec<(bool, Option<String>, String)> =
        s.question_messages(found.id).await.unwrap().into_iter().map(|m| (m.from_staff, m.author, m.body)).collect();
    assert_eq!(thread, [(false, None, asked.body), (true, Some(author), body)]);
    assert_eq!(s.question_for(&asked.code, "58203918").await.unwrap(), None, "and by its own PIN only");
    // The document photo reads byte for byte.
    let found = s.online_application_for(&app.reference, &QuerySecret::QueryCode(app.query_code.clone())).await.unwrap().unwrap();
    let photos = s.online_documents(found.id).await.unwrap();
    assert_eq!(photos.len(), 1);
    let read = s.online_document(photos[0].id).await.unwrap().expect("stored");
    assert_eq!(read.bytes, photo(found.id).bytes);
    // The booking is found by its code and phone under the new index key, and by the phone alone.
    let booked = booking();
    let found = s.booking_for(&booked.code, &booked.phone).await.unwrap().expect("found under the new index key");
    assert_eq!((&found.name, &found.phone, &found.note), (&booked.name, &booked.phone, &booked.note));
    assert_eq!(s.bookings_by_phone(&booked.phone, booked.day).await.unwrap().iter().map(|b| b.id).collect::<Vec<_>>(), [found.id]);
    assert_eq!(s.booking_for(&booked.code, "13909331235").await.unwrap(), None, "and by its own phone only");
    // A duplicate registration of the same ID number is still refused.
    let again = s.insert_households(&[sample_household("620825100201", "王建国", 11)], &Actor::system("t")).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
}

async fn department_rows_from_before_0009_keep_their_index_key(db: Db) {
    let mut keys = Keyring::generate("before");
    let s = db.open(&keys).await.unwrap();
    populate(s.as_ref()).await;
    drop(s);
    // What a version before migration 0009 stored: the indexes without their plaintexts.
    db.execute("UPDATE feed_records SET id_number_enc = NULL, row_key_enc = NULL").await;
    keys.rotate(KeyKind::Data, "after").unwrap();
    keys.rotate(KeyKind::Index, "after").unwrap();
    let s = db.open(&keys).await.unwrap();
    let pass = rekey_all(s.as_ref(), 100, &|_, _| {}).await.unwrap();
    assert_eq!(pass.stuck, 2, "both department rows keep indexes under index#1");
    let usage = s.key_usage().await.unwrap();
    assert_eq!(carried(&usage, KeyFamily::Index), [(1, 4), (2, 0)], "two rows with two indexes each: {usage:?}");
    assert_eq!(keys.retire_unused(KeyKind::Index, &in_use(&usage, KeyFamily::Index)), Vec::<u8>::new(), "index#1 is kept");
    assert_eq!(keys.retire_unused(KeyKind::Data, &in_use(&usage, KeyFamily::Data)), [1], "their details were re-encrypted");
    drop(s);
    let s = db.open(&keys).await.unwrap();
    assert_eq!(s.feed_records_of(&[id_number("19600101", 11)]).await.unwrap().len(), 1, "still found and read");
}

async fn document_photos_are_rotated_a_few_at_a_time(db: Db) {
    let mut keys = Keyring::generate("before");
    let s = db.open(&keys).await.unwrap();
    s.upsert_regions(&two_towns()).await.unwrap();
    let application = s.insert_online_application(&online()).await.unwrap();
    let mut photos = Vec::new();
    for minute in 0..40 {
        photos.push(s.insert_online_document(&samples::document(application, "other", minute, 1)).await.unwrap());
    }
    drop(s);
    keys.rotate(KeyKind::Data, "after").unwrap();
    let s = db.open(&keys).await.unwrap();
    // However many rows the caller asks for, a batch of pictures reads a few (each may be 5 MB).
    let most = columns::LARGE_VALUE_TABLES.iter().find(|(t, _)| *t == "online_documents").unwrap().1;
    let batch = s.rekey("online_documents", 0, 2000).await.unwrap();
    assert_eq!((batch.rows, batch.rewritten, batch.last_id), (most as usize, most as usize, Some(photos[most as usize - 1])));
    let batch = s.rekey("online_documents", 0, 5).await.unwrap();
    assert_eq!((batch.rows, batch.rewritten), (5, 0), "fewer when asked for fewer; those already rewritten");
    // The pass goes on from each batch's last row to the end.
    let pass = rekey_all(s.as_ref(), 2000, &|_, _| {}).await.unwrap();
    assert_eq!(pass.rewritten, 1 + 40 - most as u64, "the application, and the photos the first batch left");
    let usage = s.key_usage().await.unwrap();
    assert_eq!(keys.retire_unused(KeyKind::Data, &in_use(&usage, KeyFamily::Data)), [1]);
    drop(s);
    let s = db.open(&keys).await.unwrap();
    for (minute, id) in photos.iter().enumerate() {
        let read = s.online_document(*id).await.unwrap().expect("stored");
        assert_eq!(read.bytes, samples::document(application, "other", minute as i64, 1).bytes, "{id}");
    }
}

/// Seals with audit key #2, which `Keyring::for_tests` lacks.
struct SealerOfKey2;
impl AuditSealer for SealerOfKey2 {
    fn seal_entry(&self, _prev: &[u8], _id: i64, _r: &AuditRecord) -> (i64, Vec<u8>) {
        (2, vec![0; 32])
    }
    fn seal_marker(&self, _kind: &str, _entry_id: i64, _entry_seal: &[u8], _at: &str) -> (i64, Vec<u8>) {
        (2, vec![0; 32])
    }
}

/// The YAML text of `keys` with the `family` section taken from `other`.
fn splice(keys: &Keyring, other: &Keyring, family: &str) -> Keyring {
    let section = |text: &str| -> String {
        let start = text.find(&format!("\n{family}:")).unwrap();
        let end = ["\ndata:", "\nindex:", "\naudit:"]
            .iter()
            .filter_map(|m| text[start + 1..].find(m).map(|i| i + start + 1))
            .min()
            .unwrap_or(text.len());
        text[start..end].to_string()
    };
    let (mine, theirs) = (keys.to_text(), other.to_text());
    Keyring::parse(&mine.replace(&section(&mine), &section(&theirs))).unwrap()
}

async fn the_start_up_check_names_the_family_that_does_not_match(db: Db) {
    let keys = Keyring::generate("right");
    let s = db.open(&keys).await.unwrap();
    populate(s.as_ref()).await;
    drop(s);
    let other = Keyring::generate("wrong");
    for (family, says) in [("data", "the data keys cannot decrypt persons.id_number_enc"), ("index", "index key #1 does not reproduce")] {
        let e = db.open(&splice(&keys, &other, family)).await.err().expect("refused").to_string();
        assert!(e.contains("密钥文件与数据库不匹配") && e.contains(says), "{family}: {e}");
    }
    // An index key the file lacks altogether (retired too early).
    let mut retired = keys.clone();
    retired.rotate(KeyKind::Index, "x").unwrap();
    retired.retire_unused(KeyKind::Index, &[]);
    let e = db.open(&retired).await.err().expect("refused").to_string();
    assert!(e.contains("the index key #1 of persons.id_number_bidx is not in the key file"), "{e}");
    // The audit trail sealed with a key the file lacks.
    let s = db.open(&keys).await.unwrap();
    let entry = AuditRecord {
        at: audit_time(chrono::Utc::now()),
        account_id: None,
        username: "system".into(),
        role: String::new(),
        region: String::new(),
        ip: String::new(),
        action: "rotate".into(),
        object_kind: "keys".into(),
        object_id: String::new(),
        household_id: None,
        fields: String::new(),
        purpose: String::new(),
        outcome: "allowed".into(),
        reason: String::new(),
        detail: String::new(),
    };
    s.append_audit(&[entry], &SealerOfKey2).await.unwrap();
    drop(s);
    let e = db.open(&keys).await.err().expect("refused").to_string();
    assert!(e.contains("the audit key #2 that sealed audit_log is not in the key file"), "{e}");
    let mut with_2 = keys.clone();
    with_2.rotate(KeyKind::Audit, "x").unwrap();
    db.open(&with_2).await.unwrap();
}

macro_rules! on_both {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { if let Some(db) = super::Db::sqlite().await { super::$name(db).await } })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { if let Some(db) = super::Db::postgres().await { super::$name(db).await } })*
        }
    };
}

on_both!(
    every_blob_column_is_in_the_registry,
    rotation_rewrites_every_registered_column_and_retires_only_unused_keys,
    department_rows_from_before_0009_keep_their_index_key,
    document_photos_are_rotated_a_few_at_a_time,
    the_start_up_check_names_the_family_that_does_not_match
);
