//! `jiuzhu`: the one binary. See `contracts/cli.md` for the commands other systems rely on.
//! Exit codes: 0 success, 2 bad input (the message names the file, row or field), 1 other failures.

mod assess;
mod bench;
mod demo;
mod feeds;
mod keys;
mod measure;
mod payroll;
mod population;
mod private;
mod progress;
mod recipients;
mod services;
mod simulate;

use clap::{Parser, Subcommand};

/// mimalloc: the interactive assessment path and the server allocate many small strings;
/// measured with `jiuzhu bench assess` (see docs/dependencies.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "jiuzhu", version, about = "社会救助综合管理平台 · integrated social assistance platform")]
struct Cli {
    /// The key file (密钥文件) that encrypts identifiers at rest; default `keys.yaml` beside an
    /// SQLite database, also `JIUZHU_KEY_FILE`; `JIUZHU_KEYS` may hold the file's text instead.
    #[arg(long, global = true)]
    key_file: Option<PathBuf>,
    /// Alert thresholds (YAML, see docs/security.md §3); default: the built-in values.
    #[arg(long, global = true)]
    alerts: Option<PathBuf>,
    /// The offices' phones printed on notices (YAML, see docs/operations.md); default `offices.yaml`
    /// in the data directory when it exists.
    #[arg(long, global = true)]
    offices: Option<PathBuf>,
    /// 自助终端: the ID-card reader bridge on each kiosk PC, e.g. `http://127.0.0.1:18088/card`
    /// (see docs/operations.md); default none: kiosks have the residents type the number.
    #[arg(long, global = true, value_parser = jiuzhu_web::public::card_reader)]
    card_reader: Option<String>,
    /// Roster exports: when one person asks for more households than this in a day (Beijing time), a county approver decides (导出审批).
    #[arg(long, global = true, default_value_t = jiuzhu_domain::access::EXPORT_APPROVAL_ROWS, value_parser = clap::value_parser!(i64).range(0..))]
    export_approval_rows: i64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum VerifyCommand {
    /// Every registered person of a directory (`jiuzhu gen` layout: members.csv, incomes.csv,
    /// assets.csv, feed_*.csv or .parquet) against every feed row; prints the findings by
    /// kind, and recall and precision when the directory has planted.csv. Last line: JSON.
    Batch {
        #[arg(long)]
        dir: PathBuf,
        /// The check day (default today): windows are counted back from its month.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Write every finding to this CSV file.
        #[arg(long)]
        findings: Option<PathBuf>,
        /// Thresholds (default: policies/verify.yaml's values, built in).
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// 主动发现 over a database: households with a discovery signal in the imported feeds,
    /// not yet protected, assessed and sorted into 一类库 / 二类库 with a visit in 3 months.
    Discover {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Only households registered in this region (default: all).
        #[arg(long)]
        region: Option<String>,
    },
    /// 检出率 (低保 and 低收入) by town and month: the share of applications the check found not
    /// eligible. Prints JSON lines.
    Rates {
        #[arg(long)]
        database_url: String,
        /// Region (default the whole database's county 620825).
        #[arg(long, default_value = "620825")]
        region: String,
        /// First day counted (default: 12 months ago).
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
    },
    /// 比对复核 over a database: every recipient against the imported feeds; a finding that
    /// bears on eligibility opens a review.
    Recipients {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// First run: create an embedded database, load a real county and a synthetic population,
    /// create demo accounts; every run: serve the UI and API.
    Demo {
        #[arg(long, default_value_t = 20_000)]
        households: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "jiuzhu-data")]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// "Today" for the generated ages and incomes (default: today), so runs can be reproduced.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Serve an existing database (applies pending migrations first).
    Serve {
        /// `sqlite://PATH` (default) or `postgres://USER@HOST:PORT/DB`.
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Mark cookies `Secure` (when a TLS proxy is in front).
        #[arg(long)]
        secure_cookies: bool,
    },
    /// Load a county's regions and a synthetic population into a database and create demo
    /// accounts (what `demo` does on its first run, for any database).
    Seed {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 20_000)]
        households: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write `demo-accounts.json`.
        #[arg(long, default_value = "jiuzhu-data")]
        accounts_dir: PathBuf,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Write a synthetic population and matching department feeds as CSV files.
    Gen {
        #[arg(long)]
        households: usize,
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Format of the department feeds: `csv` or `parquet` (the population is always CSV).
        #[arg(long, default_value = "csv")]
        format: String,
        /// A county (6 digits), or a city (4) or province (2) to spread the households over all
        /// its counties, weighted by their villages.
        #[arg(long, default_value = jiuzhu_synth::Config::DEFAULT_COUNTY)]
        region: String,
    },
    /// Check department files against their feed's declared schema (CSV in UTF-8 or GBK,
    /// xlsx, xls, Parquet): a report naming file, row and column for every problem; exit 2
    /// and nothing accepted when any file has one.
    Import {
        /// `recipients` (existing 低保/特困 recipients taken over: 身份证号, 姓名, 救助类别,
        /// 起始月份, 月保障金额, 开户银行, 银行账号; whole or nothing), or a department feed: population, deaths, contributions, employment, unemployment, tax_income,
        /// businesses, vehicles, properties, housing_fund, deposits, medical_bills,
        /// disabilities, enrolment, cremations, disaster_victims.
        feed: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Dates after this day are out of range (default today).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Reports as JSON lines instead of text.
        #[arg(long)]
        json: bool,
        /// Store the rows in this database (all files, each whole, once) after they validate;
        /// without it the files are only checked.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// 家庭经济状况核对: the batch check.
    Verify {
        #[command(subcommand)]
        command: VerifyCommand,
    },
    /// Load a province's, city's or county's divisions (down to villages) from the vendored
    /// 2023 list into a database, e.g. before registering households there.
    Regions {
        #[command(subcommand)]
        command: RegionsCommand,
    },
    /// Assess situations (assess-v1.md): a JSON object, an array, or JSON Lines from FILE or
    /// standard input; prints one result per situation in the same form.
    Assess {
        /// A file, or `-` (the default) for standard input.
        file: Option<String>,
        /// Region code for situations that lack one.
        #[arg(long)]
        region: Option<String>,
        /// Assessment date (YYYY-MM-DD) for situations that lack one.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// What-if: apply a parameter change from a date to every household in a region and report
    /// households newly eligible or no longer eligible and the monthly cost, by town and programme.
    Simulate {
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
        /// A parameter name, e.g. `dibao.standard.rural` (see policies/README.md).
        #[arg(long)]
        parameter: String,
        /// Change by this many percent (e.g. 8 or -5).
        #[arg(long, allow_hyphen_values = true)]
        percent: Option<f64>,
        /// Or set this value (元 for money, a decimal for rates).
        #[arg(long)]
        value: Option<String>,
        /// Where the new value is set, and whose households are assessed (e.g. 620825).
        #[arg(long)]
        region: String,
        /// The date the new value takes effect.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Assess on this date (default: --from).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// Also print the whole report as JSON on the last line.
        #[arg(long)]
        json: bool,
    },
    /// Re-assess every household in a region on a date and store the results (registry-wide
    /// 研判, e.g. after a standard changes), in batches with a progress bar.
    Reassess {
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
        /// Only households inside this region (default: all).
        #[arg(long, default_value = "62")]
        region: String,
        /// Assess on this date (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// The official working-day calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Casework that runs by itself: `tick` ends notices, closes feedback slips nobody objected
    /// to, opens reviews that fall due, runs 承诺制 post-checks, ends gradual exits (the server
    /// runs it every ten minutes; this runs it once, e.g. from cron).
    Casework {
        #[command(subcommand)]
        command: CaseworkCommand,
    },
    /// The keys that encrypt identifiers at rest: `status`, `rotate` (stop the server first).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// 资金发放: payrolls, bank files, return files (contracts/payments-v1.md).
    Payroll {
        #[command(subcommand)]
        command: payroll::PayrollCommand,
    },
    /// 资金台账: verify the fund ledger, add budgets.
    Ledger {
        #[command(subcommand)]
        command: payroll::LedgerCommand,
    },
    /// The audit trail: `verify` recomputes every seal and names the first broken entry
    /// (exit 0 whole, 1 tampered).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Run a named benchmark; prints its figures as JSON on the last line.
    Bench {
        #[command(subcommand)]
        bench: bench::Bench,
    },
}

#[derive(Subcommand)]
enum RegionsCommand {
    /// Load CODE (2, 4 or 6 digits) with everything inside it and its enclosing divisions.
    Load {
        code: String,
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print the date N working days after DATE (holidays and 调休 working days applied).
    AddWorkingDays {
        date: String,
        n: u32,
        /// Also use the years imported into this database (`calendar import`).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Import the next year's official holidays (the State Council's notice, in the format of
    /// data/holidays/YYYY.json); deadlines waiting for it are then computed.
    Import {
        file: PathBuf,
        #[arg(long)]
        year: i32,
        /// The notice, e.g. "国务院办公厅关于2027年部分节假日安排的通知".
        #[arg(long)]
        source: String,
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    Verify {
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// The keys' families, ids and creation times (never the key bytes), whether they match the
    /// database, how many values use each key, archived keys and who holds the database.
    Status {
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
    },
    /// A new data key; every encrypted value (identifiers, department data) is re-encrypted under
    /// it, then old keys no value uses are archived beside the key file (keys.retired-*.yaml) and
    /// dropped from it. Refused while a server runs; run again after an interruption.
    Rotate {
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
        /// Also a new blind-index key (every ID number's and department row's index is recomputed).
        #[arg(long)]
        index: bool,
        /// Also a new audit-seal key for entries from now on (old ones stay to verify the past).
        #[arg(long)]
        audit: bool,
    },
}

#[derive(Subcommand)]
enum CaseworkCommand {
    Tick {
        #[arg(long, default_value = "sqlite://jiuzhu-data/jiuzhu.db")]
        database_url: String,
        /// Run as of this day (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
}

/// An error with its exit code.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Failure {
        Failure { code: 2, message: message.into() }
    }
    pub fn other(message: impl Into<String>) -> Failure {
        Failure { code: 1, message: message.into() }
    }
}

/// Any error, with every cause under it (`database error: … connection refused`), so the one
/// line printed says what went wrong and why.
impl<E: std::error::Error + 'static> From<E> for Failure {
    fn from(e: E) -> Failure {
        let mut message = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        Failure { code: 1, message }
    }
}

/// The offices file's name in the data directory (the demo writes one).
pub const OFFICES_FILE: &str = "offices.yaml";

/// The offices from `--offices FILE`, else `offices.yaml` in `data_dir` if there is one, else none
/// (notices then leave the phone to be written in by hand).
fn offices(file: Option<&std::path::Path>, data_dir: &std::path::Path) -> Result<jiuzhu_web::offices::Offices, Failure> {
    let default = data_dir.join(OFFICES_FILE);
    let Some(file) = file.or(default.exists().then_some(default.as_path())) else { return Ok(Default::default()) };
    let text = std::fs::read_to_string(file).map_err(|e| Failure::input(format!("--offices {}: {e}", file.display())))?;
    jiuzhu_web::offices::Offices::parse(&text).map_err(|e| Failure::input(format!("--offices {}: {e}", file.display())))
}

/// The alert rules' thresholds from `--alerts FILE`; unknown keys are refused by name.
fn alert_thresholds(file: Option<&std::path::Path>) -> Result<jiuzhu_audit::alerts::Thresholds, Failure> {
    let Some(file) = file else { return Ok(Default::default()) };
    let text = std::fs::read_to_string(file).map_err(|e| Failure::input(format!("--alerts {}: {e}", file.display())))?;
    serde_norway::from_str(&text).map_err(|e| Failure::input(format!("--alerts {}: {e}", file.display())))
}

/// Today where the command runs (the default of every `--as-of` and `--date`).
fn today() -> chrono::NaiveDate {
    use jiuzhu_domain::Clock;
    jiuzhu_domain::SystemClock.today()
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to standard error: standard output is the commands' data (the last line JSON).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("jiuzhu: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let key_file = cli.key_file.as_deref();
    let thresholds = alert_thresholds(cli.alerts.as_deref())?;
    match cli.command {
        Command::Demo { households, seed, data_dir, listen, as_of } => {
            private::create_dir(&data_dir)?;
            let url = format!("sqlite://{}", data_dir.join("jiuzhu.db").display());
            let (store, keys) = keys::open_keyed(&url, key_file).await?;
            // Held while this process may write: `keys rotate` refuses to run meanwhile.
            let lease = keys::hold_server_lease(&store, &keys).await?;
            let accounts = demo::seed_if_empty(&store, households, seed, as_of.unwrap_or_else(today), &data_dir).await?;
            demo::print_accounts(&accounts, &data_dir);
            println!("\n救助 jiuzhu demo: http://{listen}  (Ctrl-C to stop)");
            println!("群众端（不用登录）residents, no login: http://{listen}/m/  自助终端 kiosk: http://{listen}/kiosk/");
            let settings = jiuzhu_web::Settings {
                thresholds,
                export_approval_rows: cli.export_approval_rows,
                offices: offices(cli.offices.as_deref(), &data_dir)?,
                card_reader: cli.card_reader.clone(),
                ..jiuzhu_web::Settings::new(&data_dir)
            };
            let state = jiuzhu_web::AppState::new(store, keys, settings)?;
            let served = jiuzhu_web::serve(state, listen).await;
            lease.release().await;
            served.map_err(|e| Failure::other(format!("{e:#}")))?;
        }
        Command::Serve { database_url, listen, secure_cookies } => {
            if let Some(path) = database_url.strip_prefix("sqlite://")
                && let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
            {
                private::create_dir(dir)?;
            }
            let (store, keys) = keys::open_keyed(&database_url, key_file).await?;
            let lease = keys::hold_server_lease(&store, &keys).await?;
            let backend = store.backend();
            let data_dir = keys::data_dir(&database_url);
            let settings = jiuzhu_web::Settings {
                secure_cookies,
                thresholds,
                export_approval_rows: cli.export_approval_rows,
                offices: offices(cli.offices.as_deref(), &data_dir)?,
                card_reader: cli.card_reader.clone(),
                ..jiuzhu_web::Settings::new(&data_dir)
            };
            let state = jiuzhu_web::AppState::new(store, keys, settings)?;
            println!("救助 jiuzhu: http://{listen} ({backend})");
            let served = jiuzhu_web::serve(state, listen).await;
            lease.release().await;
            served.map_err(|e| Failure::other(format!("{e:#}")))?;
        }
        Command::Seed { database_url, households, seed, accounts_dir, as_of } => {
            private::create_dir(&accounts_dir)?;
            let store = keys::open(&database_url, key_file).await?;
            let accounts = demo::seed_if_empty(&store, households, seed, as_of.unwrap_or_else(today), &accounts_dir).await?;
            demo::print_accounts(&accounts, &accounts_dir);
        }
        Command::Gen { households, seed, out, as_of, format, region } => {
            let format = match format.as_str() {
                "csv" => jiuzhu_verify::sink::FeedFormat::Csv,
                "parquet" => jiuzhu_verify::sink::FeedFormat::Parquet,
                other => return Err(Failure::input(format!("--format: 应为 csv 或 parquet / must be csv or parquet, not {other}"))),
            };
            let started = std::time::Instant::now();
            let files = crate::feeds::generate_files(&out, &region, households, seed, as_of.unwrap_or_else(today), format)?;
            for f in &files {
                println!("{}", f.display());
            }
            eprintln!("{households} households (seed {seed}) written to {} in {:.1?}", out.display(), started.elapsed());
        }
        Command::Regions { command: RegionsCommand::Load { code, database_url } } => {
            let region = jiuzhu_domain::RegionCode::parse(&code).map_err(|e| Failure::input(format!("CODE: {} / {}", e.zh, e.en)))?;
            if jiuzhu_domain::Division::find(&region).is_none() {
                return Err(Failure::input(format!(
                    "CODE: 区划代码 {code} 不在 2023 年区划代码中 / {code} is not in the 2023 division list"
                )));
            }
            let store = keys::open(&database_url, key_file).await?;
            let divisions = jiuzhu_domain::Division::load(&region);
            let n = store.upsert_regions(&divisions).await?;
            println!("{n} divisions loaded for {code} ({})", jiuzhu_domain::Division::find(&region).map(|d| d.name).unwrap_or_default());
        }
        Command::Calendar { command: CalendarCommand::AddWorkingDays { date, n, database_url } } => {
            let d: chrono::NaiveDate =
                date.parse().map_err(|_| Failure::input(format!("DATE: “{date}” is not a date (YYYY-MM-DD) / 日期格式应为 YYYY-MM-DD")))?;
            let years = match database_url {
                Some(url) => keys::open(&url, key_file).await?.calendar_years().await?,
                None => Vec::new(),
            };
            let cal = jiuzhu_domain::Calendar::with_years(&years).map_err(|e| Failure::other(format!("{} / {}", e.zh, e.en)))?;
            let r = cal.add_working_days(d, n).map_err(|e| Failure::input(format!("{}: {} / {}", e.field, e.zh, e.en)))?;
            println!("{r}");
        }
        Command::Calendar { command: CalendarCommand::Import { file, year, source, database_url } } => {
            let text = std::fs::read_to_string(&file).map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
            let store = keys::open(&database_url, key_file).await?;
            let cw = services::casework(&store).await?;
            let r = cw.import_calendar_year(None, year, &text, &source).await.map_err(|e| match e {
                jiuzhu_casework::CaseworkError::Invalid(v) => {
                    Failure::input(v.0.iter().map(|e| format!("{}: {} / {}", file.display(), e.zh, e.en)).collect::<Vec<_>>().join("\n"))
                }
                e => Failure::from(e),
            })?;
            print!("{}", calendar_import_text(&r, &file));
        }
        Command::Casework { command: CaseworkCommand::Tick { database_url, date } } => {
            let store = keys::open(&database_url, key_file).await?;
            let cw = services::casework(&store).await?;
            let r = cw.tick(date.unwrap_or_else(today)).await?;
            println!("{}", serde_json::to_string(&r)?);
        }
        Command::Keys { command: KeysCommand::Status { database_url } } => keys::status(&database_url, key_file).await?,
        Command::Keys { command: KeysCommand::Rotate { database_url, index, audit } } => {
            keys::rotate(&database_url, key_file, index, audit).await?
        }
        Command::Audit { command: AuditCommand::Verify { database_url } } => {
            let (store, keys) = keys::open_keyed(&database_url, key_file).await?;
            let bar = crate::progress::spinner("校验审计日志 verifying the audit trail");
            let v = jiuzhu_audit::verify(store.as_ref(), &jiuzhu_audit::KeySealer::new(keys), |n| bar.set_position(n as u64)).await?;
            bar.finish_and_clear();
            for p in &v.problems {
                eprintln!("#{}: {} / {}", p.entry_id, p.zh, p.en);
            }
            println!("{}", serde_json::to_string(&v)?);
            if !v.ok() {
                return Err(Failure::other(format!(
                    "审计日志被改动，第一处在第 {} 条 · the audit trail was tampered with; first at entry {}",
                    v.problems[0].entry_id, v.problems[0].entry_id
                )));
            }
        }
        Command::Payroll { command } => payroll::payroll(command, key_file).await?,
        Command::Ledger { command } => payroll::ledger(command, key_file).await?,
        Command::Assess { file, region, date } => assess::run(file, region, date)?,
        Command::Reassess { database_url, region, date } => {
            let scope = jiuzhu_domain::RegionCode::parse(&region).map_err(|e| Failure::input(format!("--region: {} / {}", e.zh, e.en)))?;
            let store = keys::open(&database_url, key_file).await?;
            let total = store.count_households(&scope).await?;
            let bar = crate::progress::progress(total as u64, "重新评估 re-assessing");
            let started = std::time::Instant::now();
            let date = date.unwrap_or_else(today);
            let n = jiuzhu_registry::assess::reassess_all(
                store.as_ref(),
                &scope,
                date,
                jiuzhu_policy::Policies::builtin(),
                &jiuzhu_domain::Actor::system("reassess"),
                |n| bar.set_position(n as u64),
            )
            .await
            .map_err(|e| Failure::input(e.to_string()))?;
            bar.finish_and_clear();
            let s = started.elapsed().as_secs_f64();
            println!(
                "{}",
                serde_json::json!({"households": n, "seconds": (s * 100.0).round() / 100.0, "households_per_second": (n as f64 / s).round(), "date": date, "backend": store.backend()})
            );
        }
        Command::Simulate { database_url, parameter, percent, value, region, from, date, json } => {
            simulate::run(&database_url, &parameter, percent, value, &region, from, date, json, key_file).await?
        }
        Command::Bench { bench } => bench::run(bench, key_file).await?,
        Command::Import { feed, files, as_of, database_url, .. } if feed == "recipients" => {
            payroll::import_recipients(&files, database_url.as_deref(), as_of.unwrap_or_else(today), key_file).await?
        }
        Command::Import { feed, files, as_of, json, database_url } => match database_url {
            None => {
                let rows = feeds::check(&feed, &files, as_of.unwrap_or_else(today), json)?;
                eprintln!("{rows} 行全部有效 / all {rows} rows valid (not stored: no --database-url)");
            }
            Some(url) => {
                let store = keys::open(&url, key_file).await?;
                feeds::import_into(&store, &feed, &files, as_of.unwrap_or_else(today), "cli:import", json).await?;
            }
        },
        Command::Verify { command: VerifyCommand::Discover { database_url, as_of, region } } => {
            let store = keys::open(&database_url, key_file).await?;
            let region = region
                .map(|r| jiuzhu_domain::RegionCode::parse(&r))
                .transpose()
                .map_err(|e| Failure::input(format!("--region: {} / {}", e.zh, e.en)))?;
            let spinner = crate::progress::spinner("主动发现 proactive discovery");
            let report = jiuzhu_verify::discovery::discover(
                store.as_ref(),
                jiuzhu_policy::Policies::builtin(),
                as_of.unwrap_or_else(today),
                &jiuzhu_verify::Rules::default(),
                region.as_ref(),
                &|n| spinner.set_position(n),
            )
            .await?;
            spinner.finish_and_clear();
            println!("{}", serde_json::to_string(&report)?);
        }
        Command::Verify { command: VerifyCommand::Rates { database_url, region, since } } => {
            let store = keys::open(&database_url, key_file).await?;
            let region = jiuzhu_domain::RegionCode::parse(&region).map_err(|e| Failure::input(format!("--region: {} / {}", e.zh, e.en)))?;
            let since = since.unwrap_or_else(|| today().checked_sub_months(chrono::Months::new(12)).unwrap_or(chrono::NaiveDate::MIN));
            // Midnight in Beijing.
            let since = since.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(8);
            for r in jiuzhu_verify::service::detection_rates(&store.check_outcomes(&region, since).await?) {
                println!("{}", serde_json::to_string(&r)?);
            }
        }
        Command::Verify { command: VerifyCommand::Recipients { database_url, as_of } } => {
            let store = keys::open(&database_url, key_file).await?;
            let casework = services::casework(&store).await?;
            let report = casework.data_check_recipients(as_of.unwrap_or_else(today)).await?;
            println!("{}", serde_json::to_string(&report)?);
        }
        Command::Verify { command: VerifyCommand::Batch { dir, as_of, threads, findings, rules } } => {
            let rules = feeds::rules(rules.as_deref())?;
            let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
            feeds::batch(&dir, as_of.unwrap_or_else(today), &rules, threads, findings.as_deref())?;
        }
    }
    Ok(())
}

/// What `calendar import` prints: each case whose deadlines moved or were computed, old → new,
/// and the counts (Chinese · English).
fn calendar_import_text(r: &jiuzhu_casework::service::CalendarImportReport, file: &std::path::Path) -> String {
    let (year, sha) = (r.year, &r.sha256);
    if r.unchanged {
        return format!(
            "{year} 年节假日安排与已导入的文件相同（sha256 {sha}），未作任何更改 · {year}: the same file as imported already (sha256 {sha}); nothing changed\n"
        );
    }
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "待定 pending".into());
    let mut out = format!("已导入 {year} 年节假日安排 · {year} imported from {} (sha256 {sha})\n", file.display());
    for c in &r.cases {
        let moves: Vec<String> =
            c.moves.iter().map(|m| format!("{} {} {} → {}", m.kind.zh(), m.kind.en(), day(m.old), day(m.new))).collect();
        out += &format!("案件 case {}: {}\n", c.case_id, moves.join("; "));
    }
    let (moved, computed) = (r.moved(), r.computed());
    out += &format!(
        "{moved} 个案件的期限已变更，{computed} 个案件的期限已计算 · deadlines moved for {moved} cases, computed for {computed} cases\n"
    );
    out
}
