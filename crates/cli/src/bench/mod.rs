//! `jiuzhu bench …`: each benchmark prints its figures, the last line JSON.

use crate::Failure;
use crate::measure::{bench_keys, peak_rss_mib, percentile};
use clap::Subcommand;
use jiuzhu_domain::{RegionCode, Role, Scope, Trail, User};
use jiuzhu_store::Store;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

mod assess;
mod casework;
mod import;
mod payroll;
mod residents;
mod verify;

#[derive(Subcommand)]
pub enum Bench {
    /// Set-up of a demo county (generation and load) and household search latency under
    /// concurrent searches, on SQLite and PostgreSQL.
    Registry {
        #[arg(long, default_value_t = 100_000)]
        households: usize,
        /// `sqlite`, `postgres` or `both`.
        #[arg(long, default_value = "both")]
        backend: String,
        /// Server for the PostgreSQL run; the database `jiuzhu_bench` is dropped and re-created.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        pg_url: String,
        #[arg(long, default_value_t = 4_000)]
        searches: usize,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Case queues: queue pages (todo, due soon, overdue, and the JSON API) for a town clerk,
    /// investigator and reviewer, the county approver and a department liaison, with many open
    /// cases, on SQLite and PostgreSQL.
    Casework {
        #[arg(long, default_value_t = 100_000)]
        households: usize,
        #[arg(long, default_value_t = 20_000)]
        cases: usize,
        /// `sqlite`, `postgres` or `both`.
        #[arg(long, default_value = "both")]
        backend: String,
        /// Server for the PostgreSQL run; the database `jiuzhu_bench` is dropped and re-created.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        pg_url: String,
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
    /// The batch check (家庭经济状况核对) over generated files with Parquet feeds, against
    /// DuckDB running the same check as SQL on the same files; recall and precision on the
    /// planted facts; peak memory of the check.
    Verify {
        #[arg(long, default_value_t = 100_000)]
        households: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Threads for both engines (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Keep (or reuse) the generated files in this directory.
        #[arg(long)]
        keep: Option<std::path::PathBuf>,
        /// Also time the per-application check (casework 核对) on an embedded database of this
        /// many households with their feeds imported (0: skip).
        #[arg(long, default_value_t = 0)]
        single: usize,
        /// The region generated: a county, or a city or province (all its counties).
        #[arg(long, default_value = jiuzhu_synth::Config::DEFAULT_COUNTY)]
        region: String,
    },
    /// The residents' site under load on loopback: many people at once, each from its own
    /// address, reading the start page, the guide and the notice board, self-assessing and
    /// looking up a report; then the per-address and per-code limits, and the audit trail's
    /// completeness (SQLite, as a county runs it).
    Residents {
        #[arg(long, default_value_t = 5_000)]
        households: usize,
        #[arg(long, default_value_t = 200)]
        residents: usize,
        /// Visits per resident (five requests each).
        #[arg(long, default_value_t = 2)]
        visits: usize,
    },
    /// A large department file (7 million rows ≈ 200 MB) stored into the embedded database while
    /// audit entries are written every 50 ms, as the server's requests write them: the longest
    /// wait, staged in batches against the whole file in one transaction (`--compare`).
    Import {
        #[arg(long, default_value_t = 7_000_000)]
        rows: usize,
        /// Also store the file in one transaction (as before staging), in the same run.
        #[arg(long, default_value_t = false)]
        compare: bool,
    },
    /// Payments (contracts/payments-v1.md): a county whose every household is a recipient paid
    /// for a month (generate, approve, a GBK fixed-width bank file read back, a return file
    /// reconciled, the ledger verified), each step timed; and `--crash-trials` SIGKILLs of the
    /// product's own commands on a small county, each step run again, counting household-months
    /// lost, paid twice and ledgers out of balance.
    Payroll {
        #[arg(long, default_value_t = 100_000)]
        households: usize,
        #[arg(long, default_value_t = 0)]
        crash_trials: usize,
        /// `sqlite` or `postgres` (a fresh database `jiuzhu_bench` on the `--pg-url` server).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        pg_url: String,
        /// An empty database to use instead of a fresh one.
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The review and approval a crash trial kills (run by `bench payroll`, not by hand).
    #[command(hide = true)]
    PayrollApprove {
        #[arg(long)]
        month: String,
        #[arg(long)]
        accounts: std::path::PathBuf,
        #[arg(long)]
        database_url: String,
    },
    /// The policy engine: all five programmes in bulk, one situation at a time through the
    /// `assess` path, and the 低保 gap rule against OpenFisca on the same households.
    Assess {
        #[arg(long, default_value_t = 1_000_000)]
        households: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Situations for the one-at-a-time run.
        #[arg(long, default_value_t = 20_000)]
        single: usize,
    },
}

pub async fn run(b: Bench, key_file: Option<&std::path::Path>) -> Result<(), Failure> {
    match b {
        Bench::Payroll { households, crash_trials, backend, pg_url, database_url, seed } => {
            let target = payroll::Target { backend, pg_url, database_url };
            println!("{}", payroll::run(households, crash_trials, seed, &target).await?);
        }
        Bench::PayrollApprove { month, accounts, database_url } => {
            payroll::approve_child(&database_url, &month, &accounts, key_file).await?
        }
        Bench::Import { rows, compare } => println!("{}", import::run(rows, compare).await?),
        Bench::Verify { households, seed, threads, keep, single, region } => {
            let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
            let single = if single > 0 { Some(verify::single_check_latency(single, seed).await?) } else { None };
            verify::bench(&region, households, seed, threads, keep.as_deref(), single)?
        }
        Bench::Residents { households, residents, visits } => {
            let tmp = tempfile::tempdir()?;
            let url = format!("sqlite://{}", tmp.path().join("bench.db").display());
            let store = jiuzhu_store_sql::connect(&url, bench_keys()).await?;
            let result = residents::residents_bench(store, households, residents, visits).await?;
            let out = json!({
                "bench": "residents",
                "goals": {"p95_ms": 200, "failed": 0},
                "result": result,
                "peak_rss_mib": peak_rss_mib(),
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            });
            println!("{out}");
        }
        Bench::Assess { households, seed, single } => {
            let out = tokio::task::spawn_blocking(move || assess::run(households, seed, single)).await??;
            println!("{out}");
        }
        Bench::Casework { households, cases, backend, pg_url, requests, concurrency } => {
            let mut results = Vec::new();
            let tmp = tempfile::tempdir()?;
            if backend == "sqlite" || backend == "both" {
                let url = format!("sqlite://{}", tmp.path().join("bench.db").display());
                let store = jiuzhu_store_sql::connect(&url, bench_keys()).await?;
                results.push(casework::casework_bench(store, households, cases, requests, concurrency).await?);
            }
            if backend == "postgres" || backend == "both" {
                let url = fresh_pg_database(&pg_url).await?;
                let store = jiuzhu_store_sql::connect(&url, bench_keys()).await?;
                results.push(casework::casework_bench(store, households, cases, requests, concurrency).await?);
            }
            if results.is_empty() {
                return Err(Failure::input(format!("--backend: “{backend}” is not sqlite, postgres or both")));
            }
            let out = json!({
                "bench": "casework",
                "households": households,
                "open_cases": cases,
                "goals": {"queue_p95_ms": 200},
                "results": results,
                "peak_rss_mib": peak_rss_mib(),
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            });
            println!("{out}");
        }
        Bench::Registry { households, backend, pg_url, searches, concurrency, seed } => {
            let mut results = Vec::new();
            let tmp = tempfile::tempdir()?;
            if backend == "sqlite" || backend == "both" {
                let url = format!("sqlite://{}", tmp.path().join("bench.db").display());
                let store = jiuzhu_store_sql::connect(&url, bench_keys()).await?;
                results.push(registry_bench(store, households, seed, searches, concurrency).await?);
            }
            if backend == "postgres" || backend == "both" {
                let url = fresh_pg_database(&pg_url).await?;
                let store = jiuzhu_store_sql::connect(&url, bench_keys()).await?;
                results.push(registry_bench(store, households, seed, searches, concurrency).await?);
            }
            if results.is_empty() {
                return Err(Failure::input(format!("--backend: “{backend}” is not sqlite, postgres or both")));
            }
            let ratio = (results.len() == 2).then(|| {
                json!({
                    "setup_s_postgres_over_sqlite": results[1]["setup_s"].as_f64().unwrap_or(0.0) / results[0]["setup_s"].as_f64().unwrap_or(1.0),
                    "search_p95_postgres_over_sqlite": results[1]["search"]["p95_ms"].as_f64().unwrap_or(0.0) / results[0]["search"]["p95_ms"].as_f64().unwrap_or(1.0),
                })
            });
            let out = json!({
                "bench": "registry",
                "households": households,
                "goals": {"setup_s": 60, "search_p95_ms": 50},
                "results": results,
                "ratios": ratio,
                "peak_rss_mib": peak_rss_mib(),
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            });
            println!("{out}");
        }
    }
    Ok(())
}

/// Drops and re-creates the database `jiuzhu_bench` on the server `server_url` names.
async fn fresh_pg_database(server_url: &str) -> Result<String, Failure> {
    fresh_pg_database_named(server_url, "jiuzhu_bench").await
}

/// Drops and re-creates the database `name` (letters and `_` only) on the server.
async fn fresh_pg_database_named(server_url: &str, name: &str) -> Result<String, Failure> {
    use sqlx::{ConnectOptions, Connection};
    use std::str::FromStr;
    let opts = sqlx::postgres::PgConnectOptions::from_str(server_url)?;
    let mut c = opts.connect().await.map_err(|e| Failure::other(format!("PostgreSQL at {server_url}: {e}")))?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await?;
    c.close().await?;
    let base = server_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(server_url);
    Ok(format!("{base}/{name}"))
}

#[allow(clippy::expect_used, reason = "the default county is a valid constant")]
async fn registry_bench(
    store: Arc<dyn Store>,
    households: usize,
    seed: u64,
    searches: usize,
    concurrency: usize,
) -> Result<serde_json::Value, Failure> {
    let backend = store.backend();
    eprintln!("[{backend}] generating and loading {households} households…");
    let county = RegionCode::parse(jiuzhu_synth::Config::DEFAULT_COUNTY).expect("valid");
    let setup = crate::population::load_population(
        store.as_ref(),
        &county,
        households,
        seed,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("valid"),
    )
    .await?;
    let queries = Arc::new(crate::population::sample_queries(store.as_ref(), &county, 400).await?);
    let towns = store.region_children(Some(&county)).await?;
    let town = towns.first().map(|d| d.code.clone()).unwrap_or_else(|| county.clone());
    let registry = crate::services::registry(&store);
    // Half the searches as a county approver, half as a town clerk (scope narrows the range).
    let users = [(Role::CountyApprover, county.clone()), (Role::WindowClerk, town)].map(|(role, region)| User {
        account_id: 0,
        username: "bench".into(),
        display_name: "bench".into(),
        role,
        scope: Scope(region),
        department: None,
        session: None,
        trail: Trail::default(),
    });
    eprintln!("[{backend}] {searches} searches, {concurrency} at a time…");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let (registry, queries, users) = (registry.clone(), queries.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut found = 0usize;
            let mut i = t;
            while i < searches {
                let q = &queries[i % queries.len()];
                let user = &users[i % 2];
                let s = Instant::now();
                found += registry.search(user, q, 0).await.map(|r| r.len()).unwrap_or(0);
                lat.push(s.elapsed());
                i += concurrency;
            }
            (lat, found)
        }));
    }
    let mut lat = Vec::new();
    let mut found = 0;
    for t in tasks {
        let (l, f) = t.await?;
        lat.extend(l);
        found += f;
    }
    let wall = started.elapsed();
    lat.sort();
    eprintln!("[{backend}] set-up {setup:.1?}; search p95 {:.1} ms", percentile(&lat, 0.95));
    Ok(json!({
        "backend": backend,
        "setup_s": setup.as_secs_f64(),
        "households_per_s": households as f64 / setup.as_secs_f64(),
        "search": {
            "count": lat.len(),
            "concurrency": concurrency,
            "rows_returned": found,
            "p50_ms": percentile(&lat, 0.50),
            "p95_ms": percentile(&lat, 0.95),
            "p99_ms": percentile(&lat, 0.99),
            "max_ms": lat.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0),
            "searches_per_s": lat.len() as f64 / wall.as_secs_f64(),
            "measured_at": "registry service (scope check, query parsing, SQL), without HTTP",
        },
    }))
}
