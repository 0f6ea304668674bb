//! `jiuzhu payroll …` and `jiuzhu ledger …` (contracts/payments-v1.md): the month's payrolls,
//! bank files, return files and the fund ledger from the command line, acting as the system.

use crate::{Failure, keys, services};
use clap::Subcommand;
use jiuzhu_domain::payment::{FundSource, Programme, parse_month};
use jiuzhu_domain::{Fen, RegionCode, RegionLevel};
use jiuzhu_payments::{PaymentError, Payments};
use jiuzhu_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const DEFAULT_DB: &str = "sqlite://jiuzhu-data/jiuzhu.db";

#[derive(Subcommand)]
pub enum PayrollCommand {
    /// Generates the month's payrolls (one per county × programme) from the benefits in force;
    /// a month generated before is reported as it is. Last line: JSON.
    Generate {
        /// YYYY-MM
        #[arg(long)]
        month: String,
        /// A county code (default: every county in the database).
        #[arg(long)]
        region: Option<String>,
        #[arg(long, default_value = DEFAULT_DB)]
        database_url: String,
    },
    /// Lists the bank layouts.
    Layouts,
    /// Writes an approved payroll's bank file, reads it back (count and total) and marks the
    /// payroll exported. Last line: JSON.
    Export {
        id: i64,
        #[arg(long)]
        layout: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = DEFAULT_DB)]
        database_url: String,
    },
    /// Imports a bank's return file (layout detected unless given). Last line: JSON.
    Reconcile {
        id: i64,
        file: PathBuf,
        #[arg(long)]
        layout: Option<String>,
        #[arg(long, default_value = DEFAULT_DB)]
        database_url: String,
    },
}

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Exit 0 when every posting is intact, every entry balanced and every reconciled payroll's
    /// spending equals its paid lines; 1 naming the first problem.
    Verify {
        #[arg(long, default_value = DEFAULT_DB)]
        database_url: String,
    },
    /// Adds a fund's budget for a programme and year (预算下达).
    Budget {
        /// central, provincial, local, lottery, donation
        #[arg(long)]
        fund: String,
        /// dibao, tekun, temporary
        #[arg(long)]
        programme: String,
        #[arg(long)]
        year: i32,
        /// 元, e.g. 1200000.00
        #[arg(long)]
        amount: String,
        /// The document it comes from (文号).
        #[arg(long)]
        memo: String,
        #[arg(long, default_value = DEFAULT_DB)]
        database_url: String,
    },
}

/// Refusals the operator can correct exit 2 with the reason; the rest exit 1.
fn failure(e: PaymentError) -> Failure {
    match e {
        PaymentError::Invalid(v) => {
            Failure::input(v.0.iter().map(|f| format!("{}: {} / {}", f.field, f.zh, f.en)).collect::<Vec<_>>().join("; "))
        }
        PaymentError::BankFile(b) => Failure::input(format!("{} / {}", b.zh_message(), b)),
        e @ (PaymentError::State(_)
        | PaymentError::SameAccount
        | PaymentError::Blocked(_)
        | PaymentError::Budget
        | PaymentError::AmountMismatch
        | PaymentError::NotFound
        | PaymentError::Changed) => Failure::input(format!("{} / {e}", e.zh())),
        e => Failure::from(e),
    }
}

fn payments(store: &Arc<dyn Store>) -> Payments {
    Payments::new(store, services::accounts(store), Arc::new(jiuzhu_domain::SystemClock))
}

/// Every county the database's divisions hold.
async fn counties(store: &dyn Store) -> Result<Vec<RegionCode>, Failure> {
    let mut out = Vec::new();
    let mut todo: Vec<Option<RegionCode>> = vec![None];
    while let Some(parent) = todo.pop() {
        for d in store.region_children(parent.as_ref()).await? {
            match d.code.level() {
                RegionLevel::County => out.push(d.code),
                RegionLevel::Province | RegionLevel::City => todo.push(Some(d.code)),
                _ => {}
            }
        }
    }
    out.sort();
    Ok(out)
}

pub async fn payroll(command: PayrollCommand, key_file: Option<&Path>) -> Result<(), Failure> {
    match command {
        PayrollCommand::Layouts => {
            for l in jiuzhu_payments::bankfile::layouts() {
                println!("{}\t{}\t{}", l.name, l.description_zh, l.description_en);
            }
        }
        PayrollCommand::Generate { month, region, database_url } => {
            let month = parse_month("month", &month).map_err(|e| Failure::input(format!("--month: {} / {}", e.zh, e.en)))?;
            let store = keys::open(&database_url, key_file).await?;
            let regions = match region {
                Some(r) => vec![RegionCode::parse(&r).map_err(|e| Failure::input(format!("--region: {} / {}", e.zh, e.en)))?],
                None => counties(store.as_ref()).await?,
            };
            let p = payments(&store);
            let mut payrolls = Vec::new();
            for county in regions {
                for (payroll, created) in p.generate(None, &county, month).await.map_err(failure)? {
                    eprintln!(
                        "{} {} {}：{} 条，合计 {} 元，待处理 {} 条{}",
                        payroll.region,
                        payroll.programme.zh(),
                        jiuzhu_domain::payment::month_label(payroll.month),
                        payroll.lines,
                        payroll.total,
                        payroll.blocked,
                        if created { "" } else { "（已生成过，未新增）" }
                    );
                    payrolls.push(serde_json::json!({
                        "id": payroll.id,
                        "programme": payroll.programme.as_str(),
                        "region": payroll.region.as_str(),
                        "lines": payroll.lines,
                        "total_fen": payroll.total.0,
                        "blocked": payroll.blocked,
                        "state": payroll.state.as_str(),
                        "created": created,
                    }));
                }
            }
            println!("{}", serde_json::json!({ "month": jiuzhu_domain::payment::month_label(month), "payrolls": payrolls }));
        }
        PayrollCommand::Export { id, layout, out, database_url } => {
            let store = keys::open(&database_url, key_file).await?;
            let file = std::fs::File::create(&out).map_err(|e| Failure::input(format!("{}: {e}", out.display())))?;
            let writer = std::io::BufWriter::with_capacity(1 << 16, file);
            let path = out.clone();
            let reopen = move |mut w: std::io::BufWriter<std::fs::File>| {
                use std::io::Write;
                w.flush()?;
                w.get_ref().sync_all()?;
                Ok(std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path)?))
            };
            let result = payments(&store).export(None, id, &layout, writer, reopen).await;
            let (report, _) = match result {
                Ok(r) => r,
                Err(e) => {
                    // A refused or unreadable file is not left behind to be sent by mistake.
                    std::fs::remove_file(&out).ok();
                    return Err(failure(e));
                }
            };
            println!(
                "{}",
                serde_json::json!({
                    "id": report.id, "lines": report.lines, "total_fen": report.total_fen,
                    "file": out.display().to_string(), "sha256": report.sha256, "layout": report.layout,
                })
            );
        }
        PayrollCommand::Reconcile { id, file, layout, database_url } => {
            let store = keys::open(&database_url, key_file).await?;
            if !file.exists() {
                return Err(Failure::input(format!("{}: 文件不存在 / no such file", file.display())));
            }
            let r = payments(&store).reconcile(None, id, layout.as_deref(), &file).await.map_err(failure)?;
            println!(
                "{}",
                serde_json::json!({
                    "id": id, "paid": r.paid, "failed": r.failed, "reversed": r.reversed, "exceptions": r.exceptions,
                    "already_seen": r.already_seen, "state": r.state.map(|s| s.as_str()),
                })
            );
        }
    }
    Ok(())
}

pub async fn ledger(command: LedgerCommand, key_file: Option<&Path>) -> Result<(), Failure> {
    match command {
        LedgerCommand::Verify { database_url } => {
            let store = keys::open(&database_url, key_file).await?;
            let check = payments(&store).verify_ledger().await.map_err(failure)?;
            println!("{}", serde_json::to_string(&check)?);
            if let Some(problem) = check.problem {
                return Err(Failure::other(format!("资金台账校验未通过 · the fund ledger failed its check: {problem}")));
            }
        }
        LedgerCommand::Budget { fund, programme, year, amount, memo, database_url } => {
            let fund = FundSource::parse_field("fund", &fund).map_err(|e| Failure::input(format!("--fund: {} / {}", e.zh, e.en)))?;
            let programme =
                Programme::parse_field("programme", &programme).map_err(|e| Failure::input(format!("--programme: {} / {}", e.zh, e.en)))?;
            let amount = Fen::parse_yuan("amount", &amount).map_err(|e| Failure::input(format!("--amount: {} / {}", e.zh, e.en)))?;
            let store = keys::open(&database_url, key_file).await?;
            payments(&store).add_budget(None, fund, programme, year, amount, &memo).await.map_err(failure)?;
            println!(
                "{}",
                serde_json::json!({ "fund": fund.as_str(), "programme": programme.as_str(), "year": year, "amount_fen": amount.0 })
            );
        }
    }
    Ok(())
}

/// `jiuzhu import recipients FILE…`: existing recipients from Excel or CSV (UTF-8 or GBK).
/// Every file is read and every row checked first (problems named by file, row and column);
/// with a database, every row is then looked up in the registry; only when nothing is wrong
/// anywhere are they all taken over, in one transaction.
pub async fn import_recipients(
    files: &[PathBuf],
    database_url: Option<&str>,
    today: chrono::NaiveDate,
    key_file: Option<&Path>,
) -> Result<(), Failure> {
    use jiuzhu_payments::recipients::{Header, RecipientRow, RowProblem};
    let settings = jiuzhu_payments::rules::Settings::default();
    let mut rows: Vec<(String, RecipientRow)> = Vec::new();
    let mut problems: Vec<(String, RowProblem)> = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let mut header: Option<Header> = None;
        let mut header_bad = false;
        let read = jiuzhu_verify::read::scan(path, &mut |line| match line {
            jiuzhu_verify::read::Line::Header(cells) => match Header::read(cells) {
                Ok(h) => header = Some(h),
                Err(p) => {
                    header_bad = true;
                    problems.extend(p.into_iter().map(|p| (name.clone(), p)));
                }
            },
            jiuzhu_verify::read::Line::Row(n, cells) => {
                if let Some(h) = &header {
                    match h.row(n, cells, today, &settings) {
                        Ok(r) => rows.push((name.clone(), r)),
                        Err(p) => problems.extend(p.into_iter().map(|p| (name.clone(), p))),
                    }
                }
            }
        });
        if let Err(e) = read {
            problems.push((name.clone(), RowProblem::new(0, "", e.zh, e.en)));
        } else if header.is_none() && !header_bad {
            problems.push((name.clone(), RowProblem::new(0, "", "文件是空的", "the file is empty")));
        }
    }
    let report = |problems: &[(String, RowProblem)]| -> Failure {
        for (file, p) in problems.iter().take(200) {
            eprintln!("{file} {}", p.to_text());
        }
        if problems.len() > 200 {
            eprintln!("……另有 {} 处问题 / and {} more", problems.len() - 200, problems.len() - 200);
        }
        println!(
            "{}",
            serde_json::json!({"imported": 0, "problems": problems.len(),
                "first": problems.iter().take(20).map(|(f, p)| serde_json::json!({"file": f, "row": p.row, "column": p.column, "zh": p.zh, "en": p.en})).collect::<Vec<_>>()})
        );
        Failure::input(format!("{} 处问题，未导入任何对象 / {} problem(s); nothing was imported", problems.len(), problems.len()))
    };
    if !problems.is_empty() {
        return Err(report(&problems));
    }
    let Some(url) = database_url else {
        eprintln!("{} 行全部有效（未写入：没有 --database-url）/ all {} rows valid (not stored)", rows.len(), rows.len());
        return Ok(());
    };
    let store = keys::open(url, key_file).await?;
    let p = payments(&store);
    // One look-up over every file's rows (a household named in two files is found too); each
    // problem comes back with its row's index, which names the file.
    let (files_of, rows): (Vec<String>, Vec<RecipientRow>) = rows.into_iter().unzip();
    let migrations = match p.resolve_recipients(&rows).await.map_err(failure)? {
        Ok(m) => m,
        Err(ps) => return Err(report(&ps.into_iter().map(|(i, p)| (files_of[i].clone(), p)).collect::<Vec<_>>())),
    };
    let source = files.iter().filter_map(|f| f.file_name()).map(|f| f.to_string_lossy().into_owned()).collect::<Vec<_>>().join("、");
    let n = p.migrate_recipients(&migrations, &source).await.map_err(failure)?;
    let accounts = migrations.iter().filter(|m| m.account.is_some()).count();
    eprintln!("已迁移 {n} 户在保对象（{accounts} 户更新了银行账号）/ {n} recipients taken over");
    println!("{}", serde_json::json!({"imported": n, "accounts": accounts, "problems": 0}));
    Ok(())
}
