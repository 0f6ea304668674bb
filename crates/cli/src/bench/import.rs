//! `jiuzhu bench import`: a large department file stored into the embedded database while the
//! server goes on working. Every request the server answers writes its audit entry first (no
//! audit, no data: it answers 503 when it cannot); a 200 MB file stored in one transaction held
//! SQLite's write lock ~110 s and every such request failed. Here a writer appends an audit entry
//! every 50 ms during the import, as requests would, and the longest wait is the figure: for the
//! import as it is (staged in batches) and, in the same run, the whole file in one batch (how it
//! was stored before).

use crate::Failure;
use crate::measure::{bench_keys, peak_rss_mib, percentile};
use chrono::NaiveDate;
use jiuzhu_audit::{Entry, KeySealer, Who};
use jiuzhu_domain::Action;
use jiuzhu_domain::id_number::check_char;
use jiuzhu_store::{FeedStore, Store};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Writes a deaths file of `rows` distinct synthetic people (about 30 bytes a row).
fn write_deaths(path: &Path, rows: usize) -> Result<u64, Failure> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "id_number,died_on")?;
    for i in 0..rows {
        // Birth dates 1930–2009 and a sequence: distinct for up to 80 × 365 × 1000 rows.
        let day = i / 1000;
        let born = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap_or(NaiveDate::MIN) + chrono::Days::new((day % (80 * 365)) as u64);
        let first17 = format!("620825{}{:03}", born.format("%Y%m%d"), i % 1000);
        writeln!(out, "{first17}{},2026-{:02}-15", check_char(first17.as_bytes()), 1 + i % 11)?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// One import of `path` in batches of `batch_rows` into a fresh database, with the audit writer
/// running beside it.
async fn one_run(dir: &Path, path: &Path, batch_rows: usize, label: &str) -> Result<Value, Failure> {
    let db = dir.join(format!("{label}.db"));
    let keys = bench_keys();
    let store: Arc<dyn Store> = jiuzhu_store_sql::connect(&format!("sqlite://{}", db.display()), keys.clone()).await?;
    let sealer = KeySealer::new(keys);
    let who = Who {
        account_id: Some(1),
        username: "window_clerk".into(),
        role: "window_clerk".into(),
        region: "620825100".into(),
        ip: "127.0.0.1".into(),
    };
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, done) = (store.clone(), done.clone());
        tokio::spawn(async move {
            let (mut waits, mut failed) = (Vec::new(), 0u64);
            while !done.load(Ordering::Relaxed) {
                let record = Entry::new(&who, chrono::Utc::now(), Action::View, "household", 1).household(1).record();
                let t = Instant::now();
                if store.append_audit(&[record], &sealer).await.is_err() {
                    failed += 1;
                }
                waits.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (waits, failed)
        })
    };
    let feeds: Arc<dyn FeedStore> = store.clone();
    let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or(NaiveDate::MIN);
    let started = Instant::now();
    let outcome = jiuzhu_verify::feeds::import_files_in_batches(
        &feeds,
        &[(path.to_path_buf(), jiuzhu_verify::Feed::Deaths)],
        today,
        "bench",
        batch_rows,
        &|_| {},
    )
    .await;
    let import_s = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let (mut waits, failed) = writer.await.map_err(|e| Failure::input(format!("the audit writer stopped: {e}")))?;
    let outcome = outcome?;
    let stored = outcome.first().and_then(|(_, o)| *o).map_or(0, |o| o.new_rows);
    waits.sort();
    let over_1s = waits.iter().filter(|w| **w > Duration::from_secs(1)).count();
    eprintln!(
        "[{label}] {stored} rows in {import_s:.1} s; audit writes: {} (failed {failed}), longest wait {:.0} ms",
        waits.len(),
        percentile(&waits, 1.0)
    );
    Ok(json!({
        "batch_rows": batch_rows,
        "rows_stored": stored,
        "import_s": import_s,
        "audit_writes": waits.len(),
        "audit_writes_failed": failed,
        "audit_writes_over_1s": over_1s,
        "audit_wait_ms": {"p50": percentile(&waits, 0.5), "p99": percentile(&waits, 0.99), "max": percentile(&waits, 1.0)},
    }))
}

/// `rows` rows; `compare`: also the whole file in one batch.
pub async fn run(rows: usize, compare: bool) -> Result<Value, Failure> {
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join("deaths.csv");
    eprintln!("writing a deaths file of {rows} rows…");
    let bytes = write_deaths(&path, rows)?;
    eprintln!("{:.0} MB", bytes as f64 / 1e6);
    let staged = one_run(tmp.path(), &path, jiuzhu_verify::feeds::BATCH_ROWS, "staged").await?;
    let rss_staged = peak_rss_mib();
    let whole = if compare { Some(one_run(tmp.path(), &path, rows, "one-transaction").await?) } else { None };
    let ratio = whole.as_ref().map(|w| {
        json!({
            "longest_audit_wait_one_transaction_over_staged":
                w["audit_wait_ms"]["max"].as_f64().unwrap_or(0.0) / staged["audit_wait_ms"]["max"].as_f64().unwrap_or(1.0).max(1e-9),
            "import_s_staged_over_one_transaction":
                staged["import_s"].as_f64().unwrap_or(0.0) / w["import_s"].as_f64().unwrap_or(1.0).max(1e-9),
        })
    });
    Ok(json!({
        "bench": "import",
        "file_mb": bytes as f64 / 1e6,
        "rows": rows,
        "goals": {"audit_wait_max_ms": 1000, "audit_writes_failed": 0},
        "staged": staged,
        "one_transaction": whole,
        "ratios": ratio,
        "peak_rss_mib_staged": rss_staged,
        "peak_rss_mib": peak_rss_mib(),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    }))
}
