//! `jiuzhu bench payroll` (contracts/payments-v1.md): a county whose every household is an
//! existing recipient, taken over with the import's service call, then one month run as a
//! county runs it: generate → review → approve (the password) → bank file (GBK fixed-width,
//! read back) → the bank's return file reconciled → the ledger verified; each step timed.
//!
//! Crash trials run the product's own commands (`jiuzhu payroll generate|export|reconcile`,
//! and the review and approval as a child command) as separate processes on a small county in
//! a database of their own, kill each with SIGKILL at a random moment of its step, run the
//! step again, and count against what the county is owed: household-months lost, paid twice,
//! and ledgers out of balance.

use crate::Failure;
use crate::measure::peak_rss_mib;
use chrono::{Datelike, Months, NaiveDate};
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::{FundSource, LineState, PayrollState, Programme, month_label};
use jiuzhu_domain::{BankAccount, Fen, NewHousehold, RegionCode, User};
use jiuzhu_payments::{Migration, Payments, bankfile};
use jiuzhu_store::{HouseholdFilter, HouseholdQuery, Store};
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Households of the crash trials' county: each trial re-runs a whole step, so a small county.
const CRASH_HOUSEHOLDS: usize = 1_000;

/// Every household gets an account of its own (`99…`: no card range, so no real card), so no
/// line is blocked and the month can be approved as a whole.
fn give_account(i: usize, h: &mut NewHousehold) {
    h.data.bank_account = Some(BankAccount { bank: "甘肃省农村信用社".into(), account_no: format!("99{:017}", i + 1) });
}

/// The benchmark's county (the synthetic population's default).
#[allow(clippy::expect_used, reason = "a valid constant")]
fn county_code() -> RegionCode {
    RegionCode::parse(jiuzhu_synth::Config::DEFAULT_COUNTY).expect("a valid county code")
}

/// Where the benchmark's database lives.
pub struct Target {
    pub backend: String,
    pub pg_url: String,
    pub database_url: Option<String>,
}

impl Target {
    /// A fresh database (`name` on PostgreSQL, a file in `dir` for SQLite), or the one given.
    async fn url(&self, dir: &Path, name: &str) -> Result<String, Failure> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        match self.backend.as_str() {
            "sqlite" => Ok(format!("sqlite://{}", dir.join(format!("{name}.db")).display())),
            "postgres" => super::fresh_pg_database_named(&self.pg_url, name).await,
            other => Err(Failure::input(format!("--backend: “{other}”应为 sqlite 或 postgres / is not sqlite or postgres"))),
        }
    }
}

/// A county of `n` households loaded and all of them taken over as recipients of `programme`
/// from `since`; budgets for the years the months fall in. Returns the store and the accounts.
async fn county(
    url: &str,
    key_file: &Path,
    n: usize,
    seed: u64,
    since: NaiveDate,
    years: &[i32],
) -> Result<(Arc<dyn Store>, Vec<crate::population::DemoAccount>, usize), Failure> {
    let store = crate::keys::open(url, Some(key_file)).await?;
    let county = county_code();
    crate::population::load_population_with(store.as_ref(), &county, n, seed, since, give_account).await?;
    let accounts = crate::population::create_demo_accounts(store.as_ref(), &county).await?;
    let mut rows = Vec::with_capacity(n);
    let mut after_id = 0;
    loop {
        let page = store
            .search_households(&HouseholdQuery { scope: county.clone(), filter: HouseholdFilter::All, after_id, limit: 5_000 })
            .await?;
        let Some(last) = page.last() else { break };
        after_id = last.id;
        rows.extend(page.into_iter().map(|s| Migration {
            household_id: s.id,
            region: s.hukou_region,
            applicant: s.head_name,
            programme: Programme::Dibao,
            since,
            amount: Fen::yuan(450 * s.member_count.max(1)),
            account: None,
        }));
    }
    let payments = payments(&store);
    let recipients = payments.migrate_recipients(&rows, "基准测试").await.map_err(|e| Failure::other(e.to_string()))?;
    for year in years {
        payments
            .add_budget(None, FundSource::Central, Programme::Dibao, *year, Fen::yuan(10_000_000_000), "基准测试预算")
            .await
            .map_err(|e| Failure::other(e.to_string()))?;
    }
    store.analyze().await?;
    Ok((store, accounts, recipients))
}

fn payments(store: &Arc<dyn Store>) -> Payments {
    Payments::new(store, crate::services::accounts(store), Arc::new(jiuzhu_domain::SystemClock))
}

fn password_of<'a>(accounts: &'a [crate::population::DemoAccount], username: &str) -> Result<&'a str, Failure> {
    accounts
        .iter()
        .find(|a| a.username == username)
        .map(|a| a.password.as_str())
        .ok_or_else(|| Failure::other(format!("no account {username}")))
}

async fn sign_in(store: &Arc<dyn Store>, accounts: &[crate::population::DemoAccount], username: &str) -> Result<User, Failure> {
    let a = crate::services::accounts(store);
    let token =
        a.login(username, password_of(accounts, username)?).await.1.map_err(|e| Failure::other(format!("{username}: {e:?}")))?.token;
    Ok(a.session(&token).await?.ok_or_else(|| Failure::other("no session"))?.user)
}

/// The 低保 payroll of `month` (the benchmark's recipients are all 低保).
async fn dibao_payroll(store: &Arc<dyn Store>, month: NaiveDate) -> Result<Option<jiuzhu_store::Payroll>, Failure> {
    let county = county_code();
    Ok(store.payrolls(&county, Some(month)).await?.into_iter().find(|p| p.programme == Programme::Dibao))
}

/// Review by one finance officer and approval by the county approver (the password again).
async fn approve(store: &Arc<dyn Store>, accounts: &[crate::population::DemoAccount], id: i64) -> Result<(), Failure> {
    let p = payments(store);
    let fail = |e: jiuzhu_payments::PaymentError| Failure::other(format!("{} / {e}", e.zh()));
    let current = store.payroll(id).await?.ok_or_else(|| Failure::other("payroll gone"))?;
    if current.state == PayrollState::Generated {
        let reviewer = sign_in(store, accounts, "finance_officer_county").await?;
        p.review(&reviewer, id, "基准测试").await.map_err(fail)?;
    }
    let current = store.payroll(id).await?.ok_or_else(|| Failure::other("payroll gone"))?;
    if current.state == PayrollState::Reviewed {
        let approver = sign_in(store, accounts, "county_approver_county").await?;
        p.approve(&approver, id, password_of(accounts, "county_approver_county")?, "基准测试").await.map_err(fail)?;
    }
    Ok(())
}

/// The bank's answer to a payroll: every line paid but one in `fail_every` (账号不存在).
async fn write_return_file(store: &Arc<dyn Store>, payroll_id: i64, path: &Path, fail_every: u64) -> Result<(u64, u64), Failure> {
    use std::io::Write;
    let county = county_code();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    bankfile::write_return_header("csv-utf8", &mut w)?;
    let (mut paid, mut failed, mut after) = (0, 0, 0);
    loop {
        let lines = store.payroll_lines(payroll_id, &county, None, after, 10_000).await?;
        let Some(last) = lines.last() else { break };
        after = last.id;
        for l in &lines {
            let ok = fail_every == 0 || !(l.id as u64).is_multiple_of(fail_every);
            let account = l.account.as_deref().unwrap_or_default();
            bankfile::write_return_line("csv-utf8", &mut w, &l.reference, account, l.amount, ok, if ok { "" } else { "账号不存在" })?;
            if ok { paid += 1 } else { failed += 1 }
        }
    }
    w.flush()?;
    Ok((paid, failed))
}

/// Lines of a payroll: (all, distinct households, paid, paid total).
async fn line_counts(store: &Arc<dyn Store>, payroll_id: i64) -> Result<(u64, u64, u64, i64), Failure> {
    let county = county_code();
    let (mut all, mut paid, mut total, mut after) = (0, 0, 0, 0);
    let mut households = HashSet::new();
    loop {
        let lines = store.payroll_lines(payroll_id, &county, None, after, 10_000).await?;
        let Some(last) = lines.last() else { break };
        after = last.id;
        for l in lines.iter().filter(|l| l.state != LineState::Cancelled) {
            all += 1;
            households.insert(l.household_id);
            if l.state == LineState::Paid {
                paid += 1;
                total += l.amount.0;
            }
        }
    }
    Ok((all, households.len() as u64, paid, total))
}

/// The measured month on a county of `households`.
pub async fn run(households: usize, crash_trials: usize, seed: u64, target: &Target) -> Result<serde_json::Value, Failure> {
    if crash_trials > 0 && target.database_url.is_some() {
        // The trials need a second, empty database of their own; one given is not split.
        return Err(Failure::input(
            "--crash-trials: 崩溃试验需要另建一个空数据库，不能与 --database-url 同用（请用 --backend） · \
             crash trials need a fresh database of their own: use --backend instead of --database-url",
        ));
    }
    let dir = tempfile::tempdir()?;
    // The keys and the databases: the owner's only (the key loader warns otherwise).
    #[cfg(unix)]
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    let key_file = dir.path().join("keys.yaml");
    let url = target.url(dir.path(), "jiuzhu_bench").await?;
    let today = chrono::Utc::now().date_naive();
    let month = month_start(today);
    eprintln!("载入 {households} 户并迁移为在保对象 / loading {households} households as recipients…");
    let started = Instant::now();
    let (store, accounts, recipients) =
        county(&url, &key_file, households, seed, month.checked_sub_months(Months::new(6)).unwrap_or(month), &[today.year()]).await?;
    let setup_seconds = started.elapsed().as_secs_f64();
    let setup_peak_rss_mb = peak_rss_mib();
    // The month's own peak (generate to verify), apart from loading the county.
    let peak_reset = crate::measure::reset_peak_rss();
    // Each step's own peak: the peak so far, then started over.
    let mut step_peaks = serde_json::Map::new();
    let mut step_peak = |step: &str| {
        if peak_reset {
            step_peaks.insert(step.into(), json!(peak_rss_mib()));
            crate::measure::reset_peak_rss();
        }
    };
    let backend = store.backend();
    let p = payments(&store);
    let fail = |e: jiuzhu_payments::PaymentError| Failure::other(format!("{} / {e}", e.zh()));
    let county = county_code();

    eprintln!("[{backend}] 生成 {} 清册 / generating…", month_label(month));
    let started = Instant::now();
    p.generate(None, &county, month).await.map_err(fail)?;
    let generate_seconds = started.elapsed().as_secs_f64();
    step_peak("generate");
    let payroll = dibao_payroll(&store, month).await?.ok_or_else(|| Failure::other("no payroll generated"))?;

    let started = Instant::now();
    approve(&store, &accounts, payroll.id).await?;
    let approve_seconds = started.elapsed().as_secs_f64();

    eprintln!("[{backend}] 报盘 / bank file…");
    let bank_file = dir.path().join("bank.txt");
    let finance = sign_in(&store, &accounts, "finance_officer_county").await?;
    let finance_pw = password_of(&accounts, "finance_officer_county")?.to_string();
    let started = Instant::now();
    let out = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&bank_file)?);
    let path = bank_file.clone();
    let reopen = move |mut w: std::io::BufWriter<std::fs::File>| {
        use std::io::Write;
        w.flush()?;
        Ok(std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path)?))
    };
    let (export, _) = p.export(Some((&finance, &finance_pw)), payroll.id, "fixed-gbk", out, reopen).await.map_err(fail)?;
    let export_seconds = started.elapsed().as_secs_f64();
    step_peak("approve_export");

    let return_file = dir.path().join("return.csv");
    let (paid, failed) = write_return_file(&store, payroll.id, &return_file, 200).await?;
    eprintln!("[{backend}] 对账 / reconciling…");
    let started = Instant::now();
    let reconciled = p.reconcile(None, payroll.id, None, &return_file).await.map_err(fail)?;
    let reconcile_seconds = started.elapsed().as_secs_f64();
    step_peak("return_file_reconcile");
    let started = Instant::now();
    let ledger = p.verify_ledger().await.map_err(fail)?;
    let verify_seconds = started.elapsed().as_secs_f64();
    step_peak("verify");
    let peak_rss_mb = step_peaks.values().filter_map(|v| v.as_f64()).fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let (lines, distinct, paid_lines, _) = line_counts(&store, payroll.id).await?;

    let crash = if crash_trials > 0 { Some(crash_trials_run(crash_trials, seed, target, dir.path()).await?) } else { None };
    let c = |k: &str| crash.as_ref().and_then(|c| c[k].as_u64()).unwrap_or(0);
    Ok(json!({
        "bench": "payroll",
        "backend": backend,
        "households": households,
        "recipients": recipients,
        "lines": lines,
        "total_fen": export.total_fen,
        "setup_seconds": setup_seconds,
        "generate_seconds": generate_seconds,
        "approve_seconds": approve_seconds,
        "export_seconds": export_seconds,
        "export_layout": "fixed-gbk",
        "export_bytes": std::fs::metadata(&bank_file)?.len(),
        "reconcile_seconds": reconcile_seconds,
        "return_lines": {"paid": paid, "failed": failed},
        "reconciled": {"paid": reconciled.paid, "failed": reconciled.failed, "state": reconciled.state.map(|s| s.as_str())},
        "ledger_verify_seconds": verify_seconds,
        "ledger_ok": ledger.problem.is_none(),
        "peak_rss_mb": peak_rss_mb,
        "peak_rss_measured": "generate to ledger verify, in this process (the county's set-up apart)",
        "setup_peak_rss_mb": setup_peak_rss_mb,
        "step_peak_rss_mb": step_peaks,
        "goals": {"generate_seconds": 60, "export_seconds": 10, "reconcile_seconds": 30, "at_lines": 1_000_000},
        "crash_trials": crash_trials,
        "crash": crash,
        "lost": (recipients as u64).saturating_sub(distinct) + c("lost"),
        "duplicated": lines.saturating_sub(distinct) + c("duplicated"),
        "unbalanced": u64::from(ledger.problem.is_some()) + u64::from(paid_lines != reconciled.paid as u64) + c("unbalanced"),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    }))
}

/// The child command a trial kills: `jiuzhu [--key-file K] ARGS…`.
fn child(key_file: &Path, args: &[String]) -> Result<std::process::Child, Failure> {
    Ok(std::process::Command::new(std::env::current_exe()?)
        .arg("--key-file")
        .arg(key_file)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?)
}

/// Runs a step to its end (the restart after a kill); its time and whether it succeeded.
fn finish(key_file: &Path, args: &[String]) -> Result<(Duration, bool, String), Failure> {
    let started = Instant::now();
    let out = child(key_file, args)?.wait_with_output()?;
    Ok((started.elapsed(), out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned()))
}

/// Starts a step and kills it (SIGKILL) after a random part of its usual time; whether it was
/// still running then.
async fn kill_during(key_file: &Path, args: &[String], usual: Duration, rng: &mut rand::rngs::StdRng) -> Result<bool, Failure> {
    let mut c = child(key_file, args)?;
    let at = usual.mul_f64(rng.random_range(0.0..1.1));
    tokio::time::sleep(at).await;
    let running = c.try_wait()?.is_none();
    c.kill().ok(); // SIGKILL on Unix
    c.wait()?;
    Ok(running)
}

/// `crash_trials` kills spread over generate, approve, export and reconcile of consecutive
/// months, each followed by the step run again; then every month checked.
async fn crash_trials_run(trials: usize, seed: u64, target: &Target, dir: &Path) -> Result<serde_json::Value, Failure> {
    let key_file = dir.join("crash-keys.yaml");
    let url = target.url(dir, "jiuzhu_bench_crash").await?;
    let today = chrono::Utc::now().date_naive();
    let months_needed = trials.div_ceil(4) as u32;
    let first = month_start(today).checked_sub_months(Months::new(months_needed)).unwrap_or(today);
    let years: Vec<i32> = (0..=months_needed).filter_map(|i| first.checked_add_months(Months::new(i))).map(|m| m.year()).collect();
    let mut years_unique = years.clone();
    years_unique.dedup();
    eprintln!("崩溃试验 crash trials: {trials} on a county of {CRASH_HOUSEHOLDS} households…");
    let (store, accounts, recipients) = county(&url, &key_file, CRASH_HOUSEHOLDS, seed ^ 0xC0FFEE, first, &years_unique).await?;
    let accounts_file = dir.join("crash-accounts.json");
    std::fs::write(&accounts_file, serde_json::to_string(&accounts)?)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut usual = [Duration::from_millis(400); 4];
    let (mut killed_running, mut restarts_failed) = (0u64, Vec::new());
    let s = |v: &str| v.to_string();
    let bar = crate::progress::progress(trials as u64, "崩溃试验 crash trials");
    for t in 0..trials {
        let month = first.checked_add_months(Months::new((t / 4) as u32)).unwrap_or(first);
        let label = month_label(month);
        let step = t % 4;
        let payroll = dibao_payroll(&store, month).await?;
        let bank_file = dir.join(format!("bank-{label}.txt"));
        let return_file = dir.join(format!("return-{label}.csv"));
        let args: Vec<String> = match step {
            0 => vec![s("payroll"), s("generate"), s("--month"), label.clone(), s("--database-url"), url.clone()],
            1 => vec![
                s("bench"),
                s("payroll-approve"),
                s("--month"),
                label.clone(),
                s("--accounts"),
                accounts_file.display().to_string(),
                s("--database-url"),
                url.clone(),
            ],
            2 => {
                let id = payroll.as_ref().map(|p| p.id).unwrap_or_default();
                vec![
                    s("payroll"),
                    s("export"),
                    id.to_string(),
                    s("--layout"),
                    s("pipe-gbk"),
                    s("--out"),
                    bank_file.display().to_string(),
                    s("--database-url"),
                    url.clone(),
                ]
            }
            _ => {
                let id = payroll.as_ref().map(|p| p.id).unwrap_or_default();
                write_return_file(&store, id, &return_file, 0).await?;
                vec![s("payroll"), s("reconcile"), id.to_string(), return_file.display().to_string(), s("--database-url"), url.clone()]
            }
        };
        if kill_during(&key_file, &args, usual[step], &mut rng).await? {
            killed_running += 1;
        }
        // The restart: the step again, to its end. An export or reconciliation the kill let
        // finish is refused as already done (the state moved), which is what must happen.
        let after = dibao_payroll(&store, month).await?;
        let done_already = matches!(
            (step, after.as_ref().map(|p| p.state)),
            (2, Some(PayrollState::Exported | PayrollState::Reconciled)) | (3, Some(PayrollState::Reconciled))
        );
        if !done_already {
            let (took, ok, err) = finish(&key_file, &args)?;
            usual[step] = took;
            if !ok {
                restarts_failed.push(format!("{label} step {step}: {}", err.lines().last().unwrap_or_default()));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    // Every month the trials finished: each household paid once, its amount, balanced.
    let (mut lost, mut duplicated, mut unbalanced, mut months_checked) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..(trials / 4) as u32 {
        let month = first.checked_add_months(Months::new(i)).unwrap_or(first);
        let Some(p) = dibao_payroll(&store, month).await? else {
            lost += recipients as u64;
            continue;
        };
        months_checked += 1;
        let (all, distinct, paid, paid_total) = line_counts(&store, p.id).await?;
        lost += (recipients as u64).saturating_sub(distinct.min(paid));
        duplicated += all.saturating_sub(distinct);
        if p.state != PayrollState::Reconciled || paid_total != p.total.0 {
            unbalanced += 1;
        }
    }
    let ledger = payments(&store).verify_ledger().await.map_err(|e| Failure::other(e.to_string()))?;
    unbalanced += u64::from(ledger.problem.is_some());
    Ok(json!({
        "backend": store.backend(),
        "households": CRASH_HOUSEHOLDS,
        "recipients": recipients,
        "trials": trials,
        "killed_while_running": killed_running,
        "months_checked": months_checked,
        "restarts_failed": restarts_failed,
        "lost": lost,
        "duplicated": duplicated,
        "unbalanced": unbalanced,
        "ledger_problem": ledger.problem,
    }))
}

/// The child a trial kills at the approval: review and approval of the month's 低保 payroll
/// by the county's finance officer and approver (their passwords from `accounts`).
pub async fn approve_child(database_url: &str, month: &str, accounts: &PathBuf, key_file: Option<&Path>) -> Result<(), Failure> {
    let store = crate::keys::open(database_url, key_file).await?;
    let accounts: Vec<crate::population::DemoAccount> = serde_json::from_slice(&std::fs::read(accounts)?)?;
    let month = jiuzhu_domain::payment::parse_month("month", month).map_err(|e| Failure::input(e.zh))?;
    let Some(p) = dibao_payroll(&store, month).await? else { return Err(Failure::input("no payroll")) };
    approve(&store, &accounts, p.id).await
}
