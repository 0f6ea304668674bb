//! `jiuzhu import` and `jiuzhu verify batch`: department files checked (every problem named by
//! file, row and column) and stored whole; the batch check over files.

use crate::Failure;
use crate::progress::progress_printer;
use chrono::NaiveDate;
use jiuzhu_verify::batch::{self, BatchResult};
use jiuzhu_verify::{Feed, Rules};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The thresholds: `policies/verify.yaml` when given, else the defaults.
pub fn rules(path: Option<&Path>) -> Result<Rules, Failure> {
    let Some(path) = path else { return Ok(Rules::default()) };
    let text = std::fs::read_to_string(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    serde_norway::from_str(&text).map_err(|e| Failure::input(format!("{}: 核对规则格式错误 / bad rules: {e}", path.display())))
}

/// The feed a command line names, or the list of feeds.
fn feed_of(code: &str) -> Result<Feed, Failure> {
    Feed::parse(code).ok_or_else(|| {
        let codes: Vec<&str> = Feed::ALL.iter().map(|f| f.code()).collect();
        Failure::input(format!("FEED: 未知的部门数据“{code}”，应为 {} / unknown feed {code}", codes.join("、")))
    })
}

/// Prints one report (text, or a JSON line).
fn print_report(report: &jiuzhu_verify::Report, json_out: bool) -> Result<(), Failure> {
    if json_out {
        println!("{}", serde_json::to_string(report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}

/// Refuses the whole import when any file has a problem, naming the files.
fn refuse_bad(reports: &[&jiuzhu_verify::Report]) -> Result<(), Failure> {
    let bad: Vec<&str> = reports.iter().filter(|r| !r.ok()).map(|r| r.file.as_str()).collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(Failure::input(format!(
        "{} 个文件有问题，未导入任何数据 / {} file(s) have problems; nothing was imported: {}",
        bad.len(),
        bad.len(),
        bad.join(", ")
    )))
}

/// Checks each file as `feed` without storing it; prints every report; fails (exit 2) when any
/// file has a problem, naming file, row and column. Returns how many rows were valid.
pub fn check(feed: &str, files: &[PathBuf], today: NaiveDate, json_out: bool) -> Result<u64, Failure> {
    let feed = feed_of(feed)?;
    let reports: Vec<jiuzhu_verify::Report> = files.iter().map(|f| jiuzhu_verify::import::check_file(f, feed, today)).collect();
    for r in &reports {
        print_report(r, json_out)?;
    }
    refuse_bad(&reports.iter().collect::<Vec<_>>())?;
    Ok(reports.iter().map(|r| r.valid_rows).sum())
}

/// Checks every file first; only when all are good, stores them in short batches and makes them
/// visible together (a file already imported changes nothing). Nothing is stored when any file
/// has a problem, and the server keeps answering while a large file goes in.
pub async fn import_into(
    store: &std::sync::Arc<dyn jiuzhu_store::Store>,
    feed: &str,
    files: &[PathBuf],
    today: NaiveDate,
    by: &str,
    json_out: bool,
) -> Result<(), Failure> {
    let feed = feed_of(feed)?;
    let files: Vec<(PathBuf, Feed)> = files.iter().map(|f| (f.clone(), feed)).collect();
    let bar = crate::progress::progress(0, "导入 importing");
    let feeds: std::sync::Arc<dyn jiuzhu_store::FeedStore> = store.clone();
    let done = jiuzhu_verify::feeds::import_files(&feeds, &files, today, by, &|n| bar.set_position(n)).await.map_err(Failure::from)?;
    bar.finish_and_clear();
    for (report, _) in &done {
        print_report(report, json_out)?;
    }
    refuse_bad(&done.iter().map(|(r, _)| r).collect::<Vec<_>>())?;
    for (report, outcome) in &done {
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
            None => {}
        }
    }
    Ok(())
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
            "peak_rss_mb": crate::measure::peak_rss_mib(),
        })
    );
    Ok(result)
}

/// `--region`: a county, city or province code.
/// `jiuzhu gen`: a synthetic population of `region` and its department feeds written to `dir`
/// in `format`, with a progress bar; the files written.
pub fn generate_files(
    dir: &Path,
    region: &str,
    households: usize,
    seed: u64,
    as_of: NaiveDate,
    format: jiuzhu_verify::sink::FeedFormat,
) -> Result<Vec<PathBuf>, Failure> {
    let cfg = jiuzhu_synth::Config::new(households, seed, as_of).with_region(parse_region(region)?);
    let generator = jiuzhu_synth::Generator::try_new(&cfg).map_err(|e| Failure::input(format!("--region: {e}")))?;
    let mut writer = jiuzhu_synth::FilesWriter::create_with(dir, &cfg, generator.divisions(), format)?;
    let bar = crate::progress::progress(households as u64, "生成 generating");
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
    let files = writer.finish()?;
    bar.finish_and_clear();
    Ok(files)
}

pub fn parse_region(code: &str) -> Result<jiuzhu_domain::RegionCode, Failure> {
    jiuzhu_domain::RegionCode::parse(code).map_err(|e| Failure::input(format!("--region: {} / {}", e.zh, e.en)))
}

/// Writes the feeds of the generated households (CSV, with planted.csv) into `feeds_dir` and
/// imports every one into `store`, as a clerk would.
pub async fn write_and_import_feeds(
    store: &std::sync::Arc<dyn jiuzhu_store::Store>,
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
    let files: Vec<(PathBuf, Feed)> =
        Feed::ALL.iter().map(|f| (jiuzhu_verify::sink::feed_path(feeds_dir, *f, jiuzhu_verify::sink::FeedFormat::Csv), *f)).collect();
    let bar = crate::progress::spinner("导入部门数据 importing department data");
    let feeds: std::sync::Arc<dyn jiuzhu_store::FeedStore> = store.clone();
    let done = jiuzhu_verify::feeds::import_files(&feeds, &files, as_of, "system:demo", &|n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    if let Some((report, _)) = done.iter().find(|(_, outcome)| outcome.is_none()) {
        return Err(Failure::other(format!("demo feed did not validate: {}", report.to_text())));
    }
    Ok(())
}
