//! Department updates are facts, not duplicates (issue 14): a population row that now says
//! `deceased`, or a plate under a new owner, is stored as a new fact and the checks read the
//! current fact of each natural key; the same file, or the same facts, again changes nothing.
//! Storage tests run on SQLite and PostgreSQL (`JIUZHU_TEST_PG`, as in the conformance suite).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_domain::Actor;
use jiuzhu_store::{FeedStore, Household, Store};
use jiuzhu_testkit::fixtures::{sample_household, two_towns};
use jiuzhu_verify::feeds::import_files;
use jiuzhu_verify::service::check_household;
use jiuzhu_verify::{Feed, FindingKind, Rules};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn today() -> NaiveDate {
    d("2026-12-02")
}

/// A database of each backend with the two towns and two households (heads 王建国 and 赵明).
struct Db {
    backend: &'static str,
    store: Arc<dyn Store>,
    households: [i64; 2],
    dir: tempfile::TempDir,
    /// The PostgreSQL schema to drop at the end.
    schema: Option<(sqlx::postgres::PgConnectOptions, String)>,
}

impl Db {
    async fn household(&self, i: usize) -> Household {
        self.store.household(self.households[i]).await.unwrap().unwrap()
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Imports one file; its rows new to the store.
    async fn import(&self, path: &Path, feed: Feed) -> (jiuzhu_verify::Report, jiuzhu_store::FeedImportOutcome) {
        let feeds: Arc<dyn FeedStore> = self.store.clone();
        let (report, outcome) = import_files(&feeds, &[(path.to_path_buf(), feed)], today(), "test", &|_| {}).await.unwrap().remove(0);
        assert!(report.ok(), "{}", report.to_text());
        (report, outcome.unwrap())
    }

    async fn findings(&self, i: usize, on: NaiveDate) -> jiuzhu_verify::service::HouseholdCheck {
        check_household(self.store.as_ref(), &self.household(i).await, on, &Rules::default()).await.unwrap()
    }

    async fn close(self) {
        if let Some((admin, schema)) = self.schema {
            use sqlx::ConnectOptions;
            let mut c = admin.connect().await.unwrap();
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut c).await.unwrap();
        }
    }
}

async fn seeded(
    backend: &'static str,
    store: Arc<dyn Store>,
    dir: tempfile::TempDir,
    schema: Option<(sqlx::postgres::PgConnectOptions, String)>,
) -> Db {
    store.upsert_regions(&two_towns()).await.unwrap();
    let ids = store
        .insert_households(
            &[sample_household("620825100201", "王建国", 11), sample_household("620825101201", "赵明", 21)],
            &Actor::system("test"),
        )
        .await
        .unwrap();
    Db { backend, store, households: [ids[0], ids[1]], dir, schema }
}

/// SQLite, and PostgreSQL in a schema of its own when it is reachable (required in CI).
async fn databases() -> Vec<Db> {
    let keys = Arc::new(jiuzhu_crypto::Keyring::for_tests());
    let dir = tempfile::tempdir().unwrap();
    let sqlite = jiuzhu_store_sql::connect(&format!("sqlite://{}", dir.path().join("t.db").display()), keys.clone()).await.unwrap();
    let mut out = vec![seeded("sqlite", sqlite, dir, None).await];

    let Some(pg) = jiuzhu_testkit::pg::PgSchema::fresh("updates").await else { return out };
    let store = jiuzhu_store_sql::postgres::SqlStore::connect_with(pg.options(), keys).await.unwrap();
    out.push(seeded("postgres", Arc::new(store), tempfile::tempdir().unwrap(), Some((pg.admin, pg.schema))).await);
    out
}

const POPULATION: &str = "id_number,name,sex,birth_date,hukou_region,status\n";

fn population_row(h: &Household, member: usize, status: &str) -> String {
    let m = &h.members[member].data;
    format!("{},{},{},{},{},{status}\n", m.id_number.as_str(), m.name, m.sex.as_str(), m.birth_date, h.data.hukou_region.as_str())
}

#[tokio::test]
async fn the_same_file_or_the_same_facts_again_add_nothing() {
    for db in databases().await {
        let h = db.household(0).await;
        let text = format!("{POPULATION}{}{}", population_row(&h, 0, "normal"), population_row(&h, 1, "normal"));
        let first = db.file("population_2026_01.csv", &text);
        let (_, o) = db.import(&first, Feed::Population).await;
        assert_eq!((o.new_rows, o.already_imported), (2, false), "{}", db.backend);
        let (_, o) = db.import(&first, Feed::Population).await;
        assert_eq!((o.new_rows, o.already_imported), (0, true), "{}: the same file", db.backend);
        // Another file with the same facts (rows in another order): nothing new either.
        let again = db
            .file("population_2026_02.csv", &format!("{POPULATION}{}{}", population_row(&h, 1, "normal"), population_row(&h, 0, "normal")));
        let (_, o) = db.import(&again, Feed::Population).await;
        assert_eq!((o.new_rows, o.already_imported), (0, false), "{}: the same facts", db.backend);
        assert!(db.findings(0, today()).await.findings.is_empty(), "{}", db.backend);
        db.close().await;
    }
}

#[tokio::test]
async fn a_person_now_deceased_is_a_new_fact_and_the_check_finds_the_death() {
    for db in databases().await {
        let h = db.household(0).await;
        let alive = db
            .file("population_2026_01.csv", &format!("{POPULATION}{}{}", population_row(&h, 0, "normal"), population_row(&h, 1, "normal")));
        db.import(&alive, Feed::Population).await;
        assert!(db.findings(0, today()).await.findings.is_empty(), "{}", db.backend);

        let dead = db.file(
            "population_2026_06.csv",
            &format!("{POPULATION}{}{}", population_row(&h, 0, "deceased"), population_row(&h, 1, "normal")),
        );
        let (report, o) = db.import(&dead, Feed::Population).await;
        assert_eq!((report.valid_rows, o.new_rows), (2, 1), "{}: the changed row is new, the other already there", db.backend);
        let check = db.findings(0, today()).await;
        let deaths: Vec<_> = check.findings.iter().filter(|f| f.kind == FindingKind::Death).map(|f| f.member).collect();
        assert_eq!(deaths, [Some(0)], "{}: {:?}", db.backend, check.findings);
        assert!(check.affects_eligibility(), "{}", db.backend);

        // The January snapshot sent again does not bring the dead back: that fact is already stored.
        let resent = db.file("population_resent.csv", &format!("{POPULATION}{}", population_row(&h, 0, "normal")));
        let (_, o) = db.import(&resent, Feed::Population).await;
        assert_eq!(o.new_rows, 0, "{}", db.backend);
        assert!(db.findings(0, today()).await.findings.iter().any(|f| f.kind == FindingKind::Death), "{}", db.backend);
        db.close().await;
    }
}

const VEHICLES: &str = "id_number,plate,kind,registered_on,value_fen\n";

#[tokio::test]
async fn a_plate_with_a_new_owner_counts_for_the_new_owner_from_the_transfer() {
    for db in databases().await {
        let (first, second) = (db.household(0).await, db.household(1).await);
        let head = |h: &Household| h.members[0].data.id_number.as_str().to_string();
        let spouse = first.members[1].data.id_number.as_str().to_string();
        let before = db.file("vehicles_2025.csv", &format!("{VEHICLES}{},甘L·A0001,car,2020-05-01,8000000\n", head(&first)));
        db.import(&before, Feed::Vehicles).await;
        let hidden = |c: &jiuzhu_verify::service::HouseholdCheck| c.findings.iter().any(|f| f.kind == FindingKind::HiddenVehicle);
        assert!(hidden(&db.findings(0, today()).await), "{}", db.backend);
        assert!(!hidden(&db.findings(1, today()).await), "{}", db.backend);

        // 甘L·A0001 sold to 赵明 (the other household) on 2026-03-01; 甘L·B0002 passed from
        // 王建国 to his wife on 2026-04-01.
        db.import(&db.file("vehicles_a.csv", &format!("{VEHICLES}{},甘L·B0002,truck,2019-03-15,6000000\n", head(&first))), Feed::Vehicles)
            .await;
        let after = db.file(
            "vehicles_2026.csv",
            &format!("{VEHICLES}{},甘L·A0001,car,2026-03-01,7000000\n{spouse},甘L·B0002,truck,2026-04-01,5500000\n", head(&second)),
        );
        let (_, o) = db.import(&after, Feed::Vehicles).await;
        assert_eq!(o.new_rows, 2, "{}: a new owner is a new fact, not a duplicate plate", db.backend);

        let buyer = db.findings(1, today()).await;
        assert!(hidden(&buyer), "{}: the plate counts for its new owner", db.backend);
        assert!(buyer.evidence.iter().any(|e| e.contains("【赵明】") && e.contains("甘L·A0001")), "{}: {:?}", db.backend, buyer.evidence);
        let before_sale = db.findings(1, d("2026-02-28")).await;
        assert!(!hidden(&before_sale), "{}: not before the sale", db.backend);

        // Within the household the truck counts once, for its owner of the check day.
        let seller = db.findings(0, today()).await;
        let truck: Vec<&String> = seller.evidence.iter().filter(|e| e.contains("甘L·B0002")).collect();
        assert_eq!(truck.len(), 1, "{}: {:?}", db.backend, seller.evidence);
        assert!(truck[0].contains("【李秀英】"), "{}: {truck:?}", db.backend);
        let in_march = db.findings(0, d("2026-03-15")).await;
        assert!(
            in_march.evidence.iter().any(|e| e.contains("甘L·B0002") && e.contains("【王建国】")),
            "{}: {:?}",
            db.backend,
            in_march.evidence
        );
        db.close().await;
    }
}

/// The batch over files reads every row of a feed, so a plate sold to someone else no longer
/// counts for the seller from the sale, registered buyer or not; the SQL of `jiuzhu bench verify`
/// says the same (checked with DuckDB when it is installed).
#[test]
fn the_batch_over_files_counts_a_sold_plate_for_the_buyer_only_from_the_sale() {
    use jiuzhu_testkit::fixtures::id_number;
    use jiuzhu_verify::sink::{FeedFormat, FeedSink};
    let (seller, buyer, stranger) = (id_number("19600101", 11), id_number("19700101", 21), id_number("19800101", 31));
    for format in [FeedFormat::Csv, FeedFormat::Parquet] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(
            p.join("members.csv"),
            format!("household_no,seq,id_number,disability_grade,student\n1,1,{seller},,\n2,1,{buyer},,\n"),
        )
        .unwrap();
        std::fs::write(p.join("incomes.csv"), "household_no,member_seq,kind,month,amount_fen\n").unwrap();
        std::fs::write(p.join("assets.csv"), "household_no,member_seq,kind,value_fen,description\n").unwrap();
        let mut sink = FeedSink::create(p, format).unwrap();
        // The seller's car, sold to the buyer on 2026-03-01; the seller's truck, sold to someone
        // not registered on 2026-05-01.
        for row in [
            [seller.as_str(), "甘L·A0001", "car", "2020-05-01", "8000000"],
            [buyer.as_str(), "甘L·A0001", "car", "2026-03-01", "7000000"],
            [seller.as_str(), "甘L·B0002", "truck", "2019-03-15", "6000000"],
            [stranger.as_str(), "甘L·B0002", "truck", "2026-05-01", "5500000"],
        ] {
            sink.write(Feed::Vehicles, &row).unwrap();
        }
        sink.finish().unwrap();
        let hidden = |on: &str| {
            let r = jiuzhu_verify::batch::run(p, d(on), &Rules::default(), 2, &|_, _, _| {}).unwrap();
            let mut who: Vec<u32> = r.findings.iter().filter(|f| f.2 == FindingKind::HiddenVehicle).map(|f| f.0).collect();
            who.dedup();
            (who, r.not_current_rows)
        };
        assert_eq!(hidden("2026-02-01"), (vec![1], 2), "{format:?}: before both sales, the seller's two vehicles");
        assert_eq!(hidden("2026-04-01"), (vec![1, 2], 2), "{format:?}: the car is the buyer's, the truck still the seller's");
        assert_eq!(hidden("2026-12-02"), (vec![2], 2), "{format:?}: both sold: only the buyer's car");
        if format == FeedFormat::Parquet {
            for on in ["2026-02-01", "2026-04-01", "2026-12-02"] {
                if let Some(sql) = duckdb_findings(p, d(on)) {
                    let batch = jiuzhu_verify::batch::run(p, d(on), &Rules::default(), 2, &|_, _, _| {}).unwrap();
                    let mut ours: Vec<String> = batch
                        .findings
                        .iter()
                        .map(|(h, m, k)| format!("{h},{},{}", m.map_or(String::new(), |m| m.to_string()), k.as_str()))
                        .collect();
                    ours.sort();
                    assert_eq!(sql, ours, "DuckDB and the batch disagree on {on}");
                }
            }
        }
    }
}

/// The batch check's SQL run by DuckDB on `dir`, its findings as sorted `household,member,kind`
/// lines; `None` when `python3` with `duckdb` is not installed (`scripts/sql-check` installs it).
fn duckdb_findings(dir: &Path, on: NaiveDate) -> Option<Vec<String>> {
    let rules = Rules::default();
    let sql = jiuzhu_verify::sql::batch_check(
        jiuzhu_verify::sql::Dialect::DuckDb,
        &dir.display().to_string(),
        &jiuzhu_verify::Window::new(on, &rules),
        &rules,
    );
    let python = ["target/sql-venv/bin/python3", "../../target/sql-venv/bin/python3", "python3"]
        .into_iter()
        .find(|p| std::process::Command::new(p).args(["-c", "import duckdb"]).output().is_ok_and(|o| o.status.success()));
    let Some(python) = python else {
        eprintln!("duckdb is not installed: the SQL half of this test is skipped (scripts/sql-check installs it)");
        return None;
    };
    let script = "import sys, duckdb\nfor r in duckdb.sql(sys.stdin.read()).fetchall():\n    print(','.join('' if v is None else str(v) for v in r))\n";
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(sql.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut lines: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    lines.sort();
    Some(lines)
}

/// A file may carry a key's history (facts of different dates); two facts of one key and one
/// date leave nothing to tell which is current, and are refused as duplicates.
#[test]
fn one_file_holds_a_keys_history_but_not_two_facts_of_one_date() {
    use jiuzhu_testkit::fixtures::id_number;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (id_number("19600101", 11), id_number("19700101", 21));
    let history = dir.path().join("history.csv");
    std::fs::write(&history, format!("{VEHICLES}{a},甘L·A0001,car,2020-05-01,8000000\n{b},甘L·A0001,car,2026-03-01,7000000\n")).unwrap();
    let (report, records) = jiuzhu_verify::validate_file(&history, Feed::Vehicles, today());
    assert!(report.ok(), "{}", report.to_text());
    assert_eq!(records.unwrap().len(), 2);

    let same_day = dir.path().join("same_day.csv");
    std::fs::write(&same_day, format!("{VEHICLES}{a},甘L·A0001,car,2026-03-01,8000000\n{b},甘L·A0001,car,2026-03-01,7000000\n")).unwrap();
    let (report, records) = jiuzhu_verify::validate_file(&same_day, Feed::Vehicles, today());
    assert!(records.is_none());
    let p = &report.problems[0];
    assert_eq!((p.row, p.code), (3, "row.duplicate"));
    assert!(p.zh.contains("第 2 行") && p.zh.contains("registered_on"), "{}", p.zh);

    // 户籍人口 has no date of its own: one row a person in a file.
    let twice = dir.path().join("population.csv");
    std::fs::write(
        &twice,
        format!("{POPULATION}{a},王建国,male,1960-01-01,620825100201,normal\n{a},王建国,male,1960-01-01,620825100201,deceased\n"),
    )
    .unwrap();
    let (report, _) = jiuzhu_verify::validate_file(&twice, Feed::Population, today());
    assert_eq!(report.problems.iter().map(|p| p.code).collect::<Vec<_>>(), ["row.duplicate"]);
}

/// The checks recompute each stored row's natural key from what the store gives back (the ID
/// number asked for and the detail JSON): it must be the key the import computed.
#[test]
fn keys_recomputed_from_stored_rows_are_the_keys_of_the_import() {
    use jiuzhu_testkit::fixtures::id_number;
    use jiuzhu_verify::import::{fact_key_of, natural_key_of, stored_texts};
    let dir = tempfile::tempdir().unwrap();
    let id = id_number("19600101", 11);
    let files = [
        (Feed::Vehicles, format!("{VEHICLES}{id},甘L·A0001,Car,2020/05/01,8000000\n")),
        (Feed::Population, format!("{POPULATION}{id},王建国,male,19600101,620825100201,deceased\n")),
        (Feed::Deposits, format!("id_number,bank,balance_fen,as_of\n{id},农村信用社,1200001,2026-11-30\n")),
        (Feed::Employment, format!("id_number,employer,started_on,ended_on\n{id},庄浪县建筑公司,2024-03-01,\n")),
        (Feed::Contributions, format!("id_number,month,wage_base_fen\n{id},2026-05,350000\n")),
    ];
    let mut keys = std::collections::HashSet::new();
    for (feed, text) in files {
        let path = dir.path().join(format!("{}.csv", feed.code()));
        std::fs::write(&path, text).unwrap();
        let (report, records) = jiuzhu_verify::validate_file(&path, feed, today());
        assert!(report.ok(), "{}", report.to_text());
        let r = &records.unwrap()[0];
        let detail: serde_json::Value = serde_json::from_str(&r.detail_json()).unwrap();
        let texts = stored_texts(feed, r.id_number.as_str(), &detail);
        assert_eq!(natural_key_of(feed, &texts), r.natural_key(), "{feed:?}");
        assert_eq!(fact_key_of(feed, &texts), r.key(), "{feed:?}");
        assert!(r.key().starts_with(&r.natural_key()) && r.key() != r.natural_key(), "{feed:?}");
        assert!(keys.insert(r.key()));
    }
}
