//! A payroll line always names a payroll and a household that exist, on both backends: SQLite
//! by its foreign keys, PostgreSQL by a check per statement (migration 0021, the per-row foreign
//! keys cost 5 s of writing 1,000,000 lines). Each refusal is tried with raw SQL, as a
//! hand-edited database would be.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use jiuzhu_crypto::Keyring;
use jiuzhu_domain::Actor;
use jiuzhu_store::Store;
use jiuzhu_testkit::fixtures::{divisions, sample_household};
use std::sync::Arc;

/// A one-byte ciphertext, as each backend writes a blob literal.
const SQLITE_BLOB: &str = "X'00'";
const PG_BLOB: &str = "'\\x00'::bytea";

/// A payroll (id 1) and a line of household `household` in it (id 1).
fn payroll_and_line(household: i64, blob: &str) -> [String; 2] {
    [
        "INSERT INTO payrolls (id, region, programme, month, state, version, lines, total, blocked, rule_version, generated_by, \
         generated_at, note) VALUES (1, '620825', 'dibao', '2027-01-01', 'generated', 1, 0, 0, 0, 't', 't', '2027-01-01T00:00:00Z', '')"
            .to_string(),
        line(1, 1, household, blob),
    ]
}

fn line(id: i64, payroll: i64, household: i64, blob: &str) -> String {
    format!(
        "INSERT INTO payment_lines (id, payroll_id, reference, household_id, region, programme, benefit_month, kind, amount, members, \
         payee_name, payee_id_enc, rule_version, state, live, note, updated_at) VALUES ({id}, {payroll}, 'R{id}', {household}, \
         '620825100201', 'dibao', '2027-0{id}-01', 'regular', 100, 1, '王', {blob}, 't', 'ready', TRUE, '', '2027-01-01T00:00:00Z')"
    )
}

/// The statements that must each be refused once a payroll and a line of `household` exist.
fn refused(household: i64, blob: &str) -> Vec<(&'static str, String)> {
    vec![
        ("a line of a payroll that does not exist", line(2, 99, household, blob)),
        ("a line of a household that does not exist", line(3, 1, 999_999, blob)),
        ("a line moved to another payroll", "UPDATE payment_lines SET payroll_id = 99 WHERE id = 1".into()),
        ("a line moved to another household", "UPDATE payment_lines SET household_id = 999999 WHERE id = 1".into()),
        ("a payroll with lines deleted", "DELETE FROM payrolls WHERE id = 1".into()),
        ("a household with lines deleted", format!("DELETE FROM households WHERE id = {household}")),
    ]
}

async fn household(store: &dyn Store) -> i64 {
    store.upsert_regions(&divisions()).await.unwrap();
    store.insert_households(&[sample_household("620825100201", "王建国", 11)], &Actor::system("test")).await.unwrap()[0]
}

#[tokio::test]
async fn sqlite_lines_name_what_exists() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = jiuzhu_store_sql::sqlite::SqlStore::open(&path, Arc::new(Keyring::for_tests())).await.unwrap();
    let h = household(&store).await;
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    // Foreign keys are on per connection (the store turns them on for its own).
    sqlx::raw_sql("PRAGMA foreign_keys = ON").execute(&mut c).await.unwrap();
    for sql in payroll_and_line(h, SQLITE_BLOB) {
        sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
    }
    sqlx::raw_sql(&line(4, 1, h, SQLITE_BLOB)).execute(&mut c).await.expect("a second line of what exists is written");
    for (what, sql) in refused(h, SQLITE_BLOB) {
        let e = sqlx::raw_sql(&sql).execute(&mut c).await.expect_err(what);
        assert!(e.to_string().contains("FOREIGN KEY"), "{what}: {e}");
    }
}

#[tokio::test]
async fn postgres_lines_name_what_exists() {
    use sqlx::ConnectOptions;
    let Some(pg) = jiuzhu_testkit::pg::PgSchema::fresh("line_refs").await else { return };
    let store = jiuzhu_store_sql::postgres::SqlStore::connect_with(pg.options(), Arc::new(Keyring::for_tests())).await.unwrap();
    let h = household(&store).await;
    let mut c = pg.options().connect().await.unwrap();
    for sql in payroll_and_line(h, PG_BLOB) {
        sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
    }
    sqlx::raw_sql(&line(4, 1, h, PG_BLOB)).execute(&mut c).await.expect("a second line of what exists is written");
    for (what, sql) in refused(h, PG_BLOB) {
        let e = sqlx::raw_sql(&sql).execute(&mut c).await.expect_err(what);
        let db = e.as_database_error().expect(what);
        assert_eq!(db.code().as_deref(), Some("23503"), "{what}: {e}");
        // Refused for the line's sake (a household's members would refuse its deletion anyway).
        assert!(db.constraint().is_some_and(|c| c.starts_with("payment_lines_")), "{what}: {:?}", db.constraint());
    }
    // Many lines in one statement, one of them naming a missing household: the whole statement fails.
    let many = format!("{}, {}", line(5, 1, h, PG_BLOB), line(6, 1, 999_999, PG_BLOB).split("VALUES ").nth(1).unwrap());
    assert!(sqlx::raw_sql(&many).execute(&mut c).await.is_err(), "a multi-row insert with one bad line");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_lines").fetch_one(&mut c).await.unwrap();
    assert_eq!(n, 2, "nothing of a refused statement was written");
}
