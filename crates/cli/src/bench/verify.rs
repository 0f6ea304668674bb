//! `jiuzhu bench verify`: the provincial batch check against DuckDB and DataFusion running the
//! same rules as SQL, and the per-application check's latency.

use crate::Failure;
use chrono::NaiveDate;
use jiuzhu_verify::Rules;
use jiuzhu_verify::batch::{self};
use serde_json::json;
use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

/// The per-application check (casework 核对) timed: an embedded database of `households`
/// households with all their feeds imported; for up to 500 of them, read the household and
/// check it against the stored department rows, as the 核对 step does.
#[allow(clippy::expect_used, reason = "a constant date")]
pub async fn single_check_latency(households: usize, seed: u64) -> Result<serde_json::Value, Failure> {
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 2).expect("valid");
    let tmp = tempfile::tempdir()?;
    let url = format!("sqlite://{}", tmp.path().join("single.db").display());
    let store = jiuzhu_store_sql::connect(&url, crate::measure::bench_keys()).await?;
    let county = jiuzhu_domain::RegionCode::parse("620825").expect("valid");
    crate::population::load_population(store.as_ref(), &county, households, seed, as_of).await?;
    crate::feeds::write_and_import_feeds(&store, households, seed, as_of, &tmp.path().join("feeds")).await?;
    let rules = Rules::default();
    let mut ids = Vec::new();
    let mut after = 0;
    while ids.len() < 500 {
        let page = store.households_after(after, 100).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        ids.extend(page.iter().map(|h| h.id));
    }
    ids.truncate(500);
    let mut latencies = Vec::with_capacity(ids.len());
    let mut findings = 0;
    for id in &ids {
        let t = Instant::now();
        let h = store.household(*id).await?.ok_or_else(|| Failure::other(format!("household {id} vanished")))?;
        let check = jiuzhu_verify::service::check_household(store.as_ref(), &h, as_of, &rules).await?;
        latencies.push(t.elapsed());
        findings += check.findings.len();
    }
    latencies.sort();
    let p = |q| crate::measure::percentile(&latencies, q);
    eprintln!("核对 per application: p50 {:.2} ms, p95 {:.2} ms over {} households", p(0.5), p(0.95), latencies.len());
    Ok(json!({
        "database": "sqlite", "households": households, "checked": latencies.len(), "findings": findings,
        "p50_ms": p(0.50), "p95_ms": p(0.95), "max_ms": p(1.0),
    }))
}

/// Writes a population of `region` with Parquet feeds into `dir`.
fn generate(dir: &Path, region: &str, households: usize, seed: u64, as_of: NaiveDate) -> Result<(), Failure> {
    crate::feeds::generate_files(dir, region, households, seed, as_of, jiuzhu_verify::sink::FeedFormat::Parquet).map(|_| ())
}

/// Each engine's runner: `python3 SCRIPT SQL OUT THREADS DIR` writes the findings as CSV to OUT
/// and prints `seconds peak_rss_mb version`. Times cover the query (with DataFusion, also the
/// registration of the files, which reads only their footers and headers).
const DUCKDB_SCRIPT: &str = r#"
import sys, time, resource, duckdb
sql, out, threads = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
t = time.perf_counter()
con.execute(f"COPY ({sql}) TO '{out}' (HEADER, DELIMITER ',')")
print(f"{time.perf_counter() - t:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} {duckdb.__version__}")
"#;

const DATAFUSION_SCRIPT: &str = r#"
import sys, os, glob, time, resource
import pyarrow as pa, pyarrow.csv as pacsv, datafusion
from datafusion import RuntimeEnvBuilder, SessionConfig, SessionContext
sql, out, threads, d = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3]), sys.argv[4]
# Without a memory pool DataFusion holds every hash table in memory (at 10 million people it
# outgrew 24 GiB); with one, aggregations spill to disk beyond the limit.
limit = int(os.environ.get("JIUZHU_DATAFUSION_MEMORY_MB", "8192")) << 20
runtime = RuntimeEnvBuilder().with_disk_manager_os().with_fair_spill_pool(limit)
ctx = SessionContext(SessionConfig().with_target_partitions(threads), runtime)
t = time.perf_counter()
for p in glob.glob(os.path.join(d, "feed_*.parquet")):
    ctx.register_parquet(os.path.basename(p)[: -len(".parquet")], p)
for name in ("members", "incomes", "assets"):
    p = os.path.join(d, name + ".csv")
    with open(p, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    ctx.register_csv(name + "_csv", p, schema=pa.schema([(c, pa.string()) for c in header]), has_header=True)
pacsv.write_csv(ctx.sql(sql).to_arrow_table(), out)
print(f"{time.perf_counter() - t:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} {datafusion.__version__}")
"#;

/// A SQL engine the bench runs the batch check on: a Python module and its runner.
struct Engine {
    name: &'static str,
    script: &'static str,
    dialect: jiuzhu_verify::sql::Dialect,
}

const DUCKDB: Engine = Engine { name: "duckdb", script: DUCKDB_SCRIPT, dialect: jiuzhu_verify::sql::Dialect::DuckDb };

const DATAFUSION: Engine = Engine { name: "datafusion", script: DATAFUSION_SCRIPT, dialect: jiuzhu_verify::sql::Dialect::DataFusion };

/// One SQL engine's run of [`jiuzhu_verify::sql::batch_check`] on the bench's files.
struct EngineRun {
    seconds: f64,
    peak_rss_mb: f64,
    version: String,
    same_findings: bool,
}

/// Runs the batch check as SQL in `engine`; `None` when it did not run (module not installed,
/// out of memory). The findings are compared with ours, finding by finding.
fn run_engine(
    engine: &Engine,
    dir: &Path,
    window: &jiuzhu_verify::Window,
    rules: &Rules,
    threads: usize,
    ours: &HashSet<(u32, Option<u16>, String)>,
) -> Result<Option<EngineRun>, Failure> {
    let (name, dialect) = (engine.name, engine.dialect);
    let sql_path = dir.join(format!("batch_check.{name}.sql"));
    std::fs::write(&sql_path, jiuzhu_verify::sql::batch_check(dialect, &dir.display().to_string(), window, rules))?;
    let script_path = dir.join(format!("{name}_batch.py"));
    std::fs::write(&script_path, engine.script)?;
    let out = dir.join(format!("{name}_findings.csv"));
    let run = std::process::Command::new("python3")
        .arg(&script_path)
        .arg(&sql_path)
        .arg(&out)
        .arg(threads.to_string())
        .arg(dir)
        // DataFusion's Python binding runs on a tokio runtime: as many workers as our threads.
        .env("TOKIO_WORKER_THREADS", threads.to_string())
        .output()?;
    if !run.status.success() {
        use std::os::unix::process::ExitStatusExt;
        let why = match run.status.signal() {
            Some(9) => "killed (signal 9: out of memory?)".to_string(),
            Some(n) => format!("killed by signal {n}"),
            None => String::from_utf8_lossy(&run.stderr).lines().last().unwrap_or("").to_string(),
        };
        let hint = if why.contains("ModuleNotFoundError") { format!(" (pip install {name})") } else { String::new() };
        eprintln!("{name} did not run{hint}: {why}");
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&run.stdout);
    let mut parts = line.split_whitespace();
    let seconds = parts.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    let peak_rss_mb = parts.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    let version = parts.next().unwrap_or("?").to_string();
    let theirs = read_findings(&out)?;
    let same_findings = *ours == theirs;
    if !same_findings {
        let only_ours = ours.difference(&theirs).take(5).collect::<Vec<_>>();
        let only_theirs = theirs.difference(ours).take(5).collect::<Vec<_>>();
        eprintln!("{name} and jiuzhu disagree: only jiuzhu {only_ours:?}; only {name} {only_theirs:?}");
    }
    Ok(Some(EngineRun { seconds, peak_rss_mb, version, same_findings }))
}

/// `jiuzhu bench verify`: generate, run the batch check, run the same check in DuckDB on the
/// same files; compare results and times. Last line: JSON.
#[allow(clippy::expect_used, reason = "a constant date")]
pub fn bench(
    region: &str,
    households: usize,
    seed: u64,
    threads: usize,
    keep: Option<&Path>,
    single: Option<serde_json::Value>,
) -> Result<(), Failure> {
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 2).expect("valid");
    let tmp = tempfile::tempdir()?;
    let dir = keep.map_or_else(|| tmp.path().to_path_buf(), Path::to_path_buf);
    let started = Instant::now();
    if !dir.join("members.csv").exists() || keep.is_none() {
        generate(&dir, region, households, seed, as_of)?;
    }
    let gen_seconds = started.elapsed().as_secs_f64();
    let rules = Rules::default();

    // The check runs in a child process so its peak memory is its own, not the generator's.
    let exe = std::env::current_exe()?;
    let findings_path = dir.join("findings.csv");
    let t = Instant::now();
    let child = std::process::Command::new(exe)
        .args(["verify", "batch", "--as-of", &as_of.to_string(), "--threads", &threads.to_string(), "--dir"])
        .arg(&dir)
        .arg("--findings")
        .arg(&findings_path)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    let seconds_wall = t.elapsed().as_secs_f64();
    if !child.status.success() {
        return Err(Failure::other(format!("verify batch failed: {}", String::from_utf8_lossy(&child.stdout))));
    }
    let stdout = String::from_utf8_lossy(&child.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).map_err(|e| Failure::other(e.to_string()))?;
    let seconds = summary["seconds"].as_f64().unwrap_or(seconds_wall);
    let rss = summary["peak_rss_mb"].as_f64();
    let ours = read_findings(&findings_path)?;
    let planted = batch::read_planted(&dir.join(jiuzhu_synth::PLANTED)).map_err(|e| Failure::input(e.0))?;
    let hit =
        ours.iter().filter(|(h, m, k)| jiuzhu_verify::FindingKind::parse(k).is_some_and(|k| planted.contains(&(*h, *m, k)))).count() as f64;
    let recall = if planted.is_empty() { 1.0 } else { hit / planted.len() as f64 };
    let precision = if ours.is_empty() { 1.0 } else { hit / ours.len() as f64 };

    // DuckDB and DataFusion on the same files, the same rules, the same threads.
    let w = jiuzhu_verify::Window::new(as_of, &rules);
    let duckdb = run_engine(&DUCKDB, &dir, &w, &rules, threads, &ours)?;
    let datafusion = run_engine(&DATAFUSION, &dir, &w, &rules, threads, &ours)?;
    println!(
        "{}",
        json!({
            "bench": "verify", "region": region,
            "households": summary["households"], "people": summary["people"], "feed_rows": summary["feed_rows"],
            "planted": planted.len(), "findings": ours.len(),
            "threads": threads, "generate_seconds": gen_seconds,
            "duckdb_version": duckdb.as_ref().map(|e| &e.version), "duckdb_peak_rss_mb": duckdb.as_ref().map(|e| e.peak_rss_mb),
            "same_findings_as_duckdb": duckdb.as_ref().map(|e| e.same_findings),
            "datafusion_version": datafusion.as_ref().map(|e| &e.version),
            "datafusion_seconds": datafusion.as_ref().map(|e| e.seconds),
            "datafusion_peak_rss_mb": datafusion.as_ref().map(|e| e.peak_rss_mb),
            "same_findings_as_datafusion": datafusion.as_ref().map(|e| e.same_findings),
            "recall": recall, "precision": precision,
            "seconds": seconds, "duckdb_seconds": duckdb.as_ref().map(|e| e.seconds),
            "peak_rss_mb": rss,
            "single_check": single,
        })
    );
    Ok(())
}

fn read_findings(path: &Path) -> Result<HashSet<(u32, Option<u16>, String)>, Failure> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| Failure::other(e.to_string()))?;
    let mut out = HashSet::new();
    for r in rdr.records() {
        let r = r.map_err(|e| Failure::other(e.to_string()))?;
        let h = r[0].parse().map_err(|_| Failure::other("bad DuckDB household_no"))?;
        let m = if r[1].is_empty() { None } else { r[1].parse().ok() };
        out.insert((h, m, r[2].to_string()));
    }
    Ok(out)
}
