//! `jiuzhu import`, `jiuzhu verify batch` and `jiuzhu bench verify`: department feeds checked
//! and the batch check run over files, with DuckDB on the same files for comparison.

use crate::Failure;
use crate::load;
use chrono::NaiveDate;
use jiuzhu_verify::batch::{self, BatchResult};
use jiuzhu_verify::{Feed, Rules};
use serde_json::json;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The thresholds: `policies/verify.yaml` when given, else the defaults.
pub fn rules(path: Option<&Path>) -> Result<Rules, Failure> {
    let Some(path) = path else { return Ok(Rules::default()) };
    let text = std::fs::read_to_string(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    serde_norway::from_str(&text).map_err(|e| Failure::input(format!("{}: 核对规则格式错误 / bad rules: {e}", path.display())))
}

/// Validates each file as `feed`; prints every report; fails (exit 2) when any file has a
/// problem, naming file, row and column. Nothing is loaded from a file with a problem.
pub fn import(feed: &str, files: &[PathBuf], today: NaiveDate, json_out: bool) -> Result<Vec<jiuzhu_verify::FeedRecord>, Failure> {
    let feed = Feed::parse(feed).ok_or_else(|| {
        let codes: Vec<&str> = Feed::ALL.iter().map(|f| f.code()).collect();
        Failure::input(format!("FEED: 未知的部门数据“{feed}”，应为 {} / unknown feed {feed}", codes.join("、")))
    })?;
    let mut all = Vec::new();
    let mut bad = Vec::new();
    for f in files {
        let (report, records) = jiuzhu_verify::validate_file(f, feed, today);
        if json_out {
            println!("{}", serde_json::to_string(&report).expect("serialisable"));
        } else {
            print!("{}", report.to_text());
        }
        match records {
            Some(r) => all.extend(r),
            None => bad.push(report.file.clone()),
        }
    }
    if !bad.is_empty() {
        return Err(Failure::input(format!(
            "{} 个文件有问题，未导入任何数据 / {} file(s) have problems; nothing was imported: {}",
            bad.len(),
            bad.len(),
            bad.join(", ")
        )));
    }
    Ok(all)
}

/// Validates every file first; only when all are good, stores each whole (a file already
/// imported changes nothing). Nothing is stored when any file has a problem.
pub async fn import_into(
    store: &dyn jiuzhu_store::Store,
    feed: &str,
    files: &[PathBuf],
    today: NaiveDate,
    by: &str,
    json_out: bool,
) -> Result<(), Failure> {
    import(feed, files, today, json_out)?;
    let feed = Feed::parse(feed).expect("checked by import");
    for f in files {
        let (report, outcome) = jiuzhu_verify::service::import_file(store, f, feed, today, by).await?;
        match outcome {
            Some(o) if o.already_imported => eprintln!(
                "{}：该文件已于此前导入（导入批次 {}），未作任何更改 / already imported, nothing changed",
                report.file, o.import_id
            ),
            Some(o) => eprintln!(
                "{}：已导入，新增 {} 行（{} 行此前已有）/ imported: {} new rows",
                report.file,
                o.new_rows,
                report.valid_rows as i64 - o.new_rows,
                o.new_rows
            ),
            None => return Err(Failure::input(report.to_text())),
        }
    }
    Ok(())
}

/// The demo's department data: the feeds of the generated households written to
/// `dir/feeds/` (with planted.csv), then imported like a clerk would, then 主动发现 run.
pub async fn seed_demo_feeds(
    store: &dyn jiuzhu_store::Store,
    households: usize,
    seed: u64,
    as_of: NaiveDate,
    dir: &Path,
) -> Result<(), Failure> {
    let feeds_dir = dir.join("feeds");
    write_and_import_feeds(store, households, seed, as_of, &feeds_dir).await?;
    let policies = jiuzhu_policy::Policies::builtin();
    let spinner = load::spinner("主动发现 proactive discovery");
    let report = jiuzhu_verify::service::discover(store, policies, as_of, &Rules::default(), None, &|n| spinner.set_position(n)).await?;
    spinner.finish_and_clear();
    eprintln!(
        "部门数据已导入（{}），主动发现：一类库 {} 户，二类库 {} 户 / department data imported; discovery: {} likely, {} watch",
        feeds_dir.display(),
        report.likely,
        report.watch,
        report.likely,
        report.watch
    );
    Ok(())
}

/// Writes the feeds of the generated households (CSV, with planted.csv) into `feeds_dir` and
/// imports every one into `store`, as a clerk would.
async fn write_and_import_feeds(
    store: &dyn jiuzhu_store::Store,
    households: usize,
    seed: u64,
    as_of: NaiveDate,
    feeds_dir: &Path,
) -> Result<(), Failure> {
    let cfg = jiuzhu_synth::Config::new(households, seed, as_of);
    {
        let mut sink = jiuzhu_verify::sink::FeedSink::create(feeds_dir, jiuzhu_verify::sink::FeedFormat::Csv)?;
        let mut writer = jiuzhu_synth::feeds::FeedWriter::for_config(&cfg);
        let mut planted = csv::Writer::from_path(feeds_dir.join(jiuzhu_synth::PLANTED)).map_err(|e| Failure::other(e.to_string()))?;
        planted.write_record(["household_no", "member_seq", "kind"]).map_err(|e| Failure::other(e.to_string()))?;
        let mut failed = None;
        jiuzhu_synth::generate_each(&cfg, |i, h| {
            if failed.is_some() {
                return;
            }
            match writer.write(&mut sink, i, &h) {
                Ok(p) => {
                    for p in p {
                        if let Err(e) = planted.serialize((p.household_no, p.member_seq, p.kind.as_str())) {
                            failed = Some(std::io::Error::other(e.to_string()));
                        }
                    }
                }
                Err(e) => failed = Some(e),
            }
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
        sink.finish()?;
        planted.flush()?;
    }
    let bar = load::progress(Feed::ALL.len() as u64, "导入部门数据 importing department data");
    for feed in Feed::ALL {
        let path = jiuzhu_verify::sink::feed_path(feeds_dir, feed, jiuzhu_verify::sink::FeedFormat::Csv);
        let (report, outcome) = jiuzhu_verify::service::import_file(store, &path, feed, as_of, "system:demo").await?;
        if outcome.is_none() {
            return Err(Failure::other(format!("demo feed did not validate: {}", report.to_text())));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

/// The per-application check (casework 核对) timed: an embedded database of `households`
/// households with all their feeds imported; for up to 500 of them, read the household and
/// check it against the stored department rows, as the 核对 step does.
pub async fn single_check_latency(households: usize, seed: u64) -> Result<serde_json::Value, Failure> {
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 2).expect("valid");
    let tmp = tempfile::tempdir()?;
    let url = format!("sqlite://{}", tmp.path().join("single.db").display());
    let store = jiuzhu_store_sql::connect(&url, crate::bench::bench_keys()).await?;
    let county = jiuzhu_domain::RegionCode::parse("620825").expect("valid");
    load::load_population(store.as_ref(), &county, households, seed, as_of).await?;
    write_and_import_feeds(store.as_ref(), households, seed, as_of, &tmp.path().join("feeds")).await?;
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
    let p = |q| crate::bench::percentile(&latencies, q);
    eprintln!("核对 per application: p50 {:.2} ms, p95 {:.2} ms over {} households", p(0.5), p(0.95), latencies.len());
    Ok(json!({
        "database": "sqlite", "households": households, "checked": latencies.len(), "findings": findings,
        "p50_ms": p(0.50), "p95_ms": p(0.95), "max_ms": p(1.0),
    }))
}

fn progress_printer() -> impl Fn(&str, u64, u64) + Sync {
    let bar = load::progress(0, "核对 checking");
    move |stage: &str, done: u64, total: u64| {
        bar.set_message(stage.to_string());
        bar.set_length(total.max(done));
        bar.set_position(done);
    }
}

/// `jiuzhu verify batch`: the batch check over a directory of files.
pub fn batch(dir: &Path, today: NaiveDate, rules: &Rules, threads: usize, findings: Option<&Path>) -> Result<BatchResult, Failure> {
    let started = Instant::now();
    let p = progress_printer();
    let result = batch::run(dir, today, rules, threads, &p).map_err(|e| Failure::input(e.0))?;
    if let Some(out) = findings {
        let mut w = csv::Writer::from_path(out).map_err(|e| Failure::input(format!("{}: {e}", out.display())))?;
        w.write_record(["household_no", "member_seq", "kind", "zh"]).map_err(|e| Failure::other(e.to_string()))?;
        for (h, m, k) in &result.findings {
            w.write_record([h.to_string(), m.map(|m| m.to_string()).unwrap_or_default(), k.as_str().to_string(), k.zh().to_string()])
                .map_err(|e| Failure::other(e.to_string()))?;
        }
        w.flush().map_err(|e| Failure::other(e.to_string()))?;
    }
    let planted = dir.join(jiuzhu_synth::PLANTED);
    let score = if planted.exists() {
        let planted = batch::read_planted(&planted).map_err(|e| Failure::input(e.0))?;
        Some(result.score(&planted))
    } else {
        None
    };
    let mut by_kind = serde_json::Map::new();
    for k in jiuzhu_verify::FindingKind::ALL {
        by_kind.insert(k.as_str().into(), json!(result.findings.iter().filter(|f| f.2 == k).count()));
    }
    for (h, m, k, e) in result.sample.iter().take(5) {
        eprintln!("  户 {h}{} {}：{e}", m.map(|m| format!(" 成员 {m}")).unwrap_or_default(), k.zh());
    }
    println!(
        "{}",
        json!({
            "households": result.households, "people": result.people, "feed_rows": result.feed_rows,
            "unmatched_rows": result.unmatched_rows, "invalid_rows": result.invalid_rows,
            "findings": result.findings.len(), "by_kind": by_kind,
            "recall": score.map(|s| s.0), "precision": score.map(|s| s.1),
            "seconds": started.elapsed().as_secs_f64(),
            "peak_rss_mb": crate::bench::peak_rss_mib(),
        })
    );
    Ok(result)
}

/// `--region`: a county, city or province code.
pub fn parse_region(code: &str) -> Result<jiuzhu_domain::RegionCode, Failure> {
    jiuzhu_domain::RegionCode::parse(code).map_err(|e| Failure::input(format!("--region: {} / {}", e.zh, e.en)))
}

/// Writes a population of `region` with Parquet feeds into `dir`.
fn generate(dir: &Path, region: &str, households: usize, seed: u64, as_of: NaiveDate) -> Result<(), Failure> {
    let cfg = jiuzhu_synth::Config::new(households, seed, as_of).with_region(parse_region(region)?);
    let generator = jiuzhu_synth::Generator::try_new(&cfg).map_err(|e| Failure::input(format!("--region: {e}")))?;
    let mut writer = jiuzhu_synth::FilesWriter::create_with(dir, &cfg, generator.divisions(), jiuzhu_verify::sink::FeedFormat::Parquet)?;
    let bar = load::progress(households as u64, "生成 generating");
    let mut failed = None;
    generator.each(|i, h| {
        if failed.is_none()
            && let Err(e) = writer.write(i, &h)
        {
            failed = Some(e);
        }
        bar.inc(1);
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    writer.finish()?;
    bar.finish_and_clear();
    Ok(())
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
