//! The batch check over files, for a province on one machine: every registered person
//! against every feed row, in memory that grows with the number of people (about 110 bytes
//! a person), never with the number of feed rows, which are streamed.
//!
//! Input: a directory as `jiuzhu gen` writes it — `members.csv`, `incomes.csv`, `assets.csv`
//! (the registry's declarations) and `feed_{code}.csv` or `.parquet` for each feed present.
//! Each feed row goes through [`check::observe`] into its person's [`MemberFacts`]; then each
//! household goes through [`check::assess`] — the same two functions the per-application
//! check uses, so the batch cannot disagree with it.
//!
//! Work is split across threads by file and, for Parquet, by row group; facts are updated
//! with relaxed atomics (sums and counts commute, and "latest" is a max), so the result does
//! not depend on the order rows arrive in.
//!
//! Only current facts count ([`check::current`]): none dated after the check day, and where a
//! feed's natural key does not include its date (a plate, a business, a bank's balance, a
//! certificate, a death), one file can hold a key's history: those feeds are read twice, first
//! for each key's latest date in force (a map of about 20 bytes a key, of those feeds' rows
//! only), then to observe the rows of that date.

use crate::check::{self, COUNTS, Declared, DeclaredMember, FindingKind, LATEST, MemberFacts, Observation, Rules, SUMS, Update, Window};
use crate::schema::Feed;
use crate::sink::{FeedFormat, feed_path};
use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::{AssetKind, IncomeKind};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};

/// A failure that stops the batch (a missing or unreadable input file).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BatchError(pub String);

fn err(path: &Path, e: impl std::fmt::Display) -> BatchError {
    BatchError(format!("{}: {e}", path.display()))
}

/// An 18-character ID number packed into 57 bits: the 17 digits times 11 plus the check
/// character (X = 10). `None` when it is not 17 digits and a check character; the batch
/// counts such rows as invalid (imports reject them with a row-level report).
pub fn pack_id(b: &[u8]) -> Option<u64> {
    if b.len() != 18 {
        return None;
    }
    let mut v = 0u64;
    for &c in &b[..17] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    let check = match b[17] {
        c @ b'0'..=b'9' => c - b'0',
        b'X' | b'x' => 10,
        _ => return None,
    };
    Some(v * 11 + u64::from(check))
}

/// Multiply-shift hashing of packed ID numbers (they are already well spread; SipHash would
/// cost more than the lookup).
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, x: u64) {
        let x = (x ^ (x >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 32);
    }
}

type IdMap = HashMap<u64, u32, BuildHasherDefault<IdHasher>>;

/// A finding as the batch reports it: household number, member position, kind.
pub type FoundFact = (u32, Option<u16>, FindingKind);
/// A finding with its evidence in words.
pub type Sample = (u32, Option<u16>, FindingKind, String);

/// What the batch found and read.
#[derive(Debug, Clone, Default)]
pub struct BatchResult {
    pub households: u64,
    pub people: u64,
    /// Feed rows read, rows whose ID number matched nobody registered, and unreadable rows.
    pub feed_rows: u64,
    pub unmatched_rows: u64,
    pub invalid_rows: u64,
    /// Rows that are not current facts ([`check::current`]): history (another row of the same
    /// natural key is current: a plate sold on, a business cancelled) or dated after the check day.
    pub not_current_rows: u64,
    /// `(household_no, member_seq, kind)`, sorted.
    pub findings: Vec<FoundFact>,
    /// The first findings' evidence, for a look (household_no, member_seq, kind, evidence).
    pub sample: Vec<Sample>,
}

impl BatchResult {
    /// Recall and precision against a planted list (both 1.0 when nothing was planted and
    /// nothing found).
    pub fn score(&self, planted: &HashSet<FoundFact>) -> (f64, f64) {
        let hit = self.findings.iter().filter(|f| planted.contains(f)).count() as f64;
        let recall = if planted.is_empty() { 1.0 } else { hit / planted.len() as f64 };
        let precision = if self.findings.is_empty() { 1.0 } else { hit / self.findings.len() as f64 };
        (recall, precision)
    }
}

/// Reads `planted.csv` (`household_no, member_seq, kind`).
pub fn read_planted(path: &Path) -> Result<HashSet<FoundFact>, BatchError> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| err(path, e))?;
    let mut out = HashSet::new();
    for (i, r) in rdr.records().enumerate() {
        let r = r.map_err(|e| err(path, e))?;
        let bad = || err(path, format!("row {}: bad planted fact", i + 2));
        let no = r[0].parse().map_err(|_| bad())?;
        let seq = if r[1].is_empty() { None } else { Some(r[1].parse().map_err(|_| bad())?) };
        out.insert((no, seq, FindingKind::parse(&r[2]).ok_or_else(bad)?));
    }
    Ok(out)
}

/// Progress: a stage's label, work done and total (total 0 = unknown).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// The registry side: people, households, declarations.
struct Registry {
    ids: IdMap,
    /// Household index → first person index (one more entry at the end).
    starts: Vec<u32>,
    members: Vec<DeclaredMember>,
    vehicles: Vec<u8>,
    businesses: Vec<u8>,
    properties: Vec<u8>,
    financial: Vec<i64>,
}

fn int(b: &[u8]) -> Option<i64> {
    if b.is_empty() {
        return None;
    }
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(v)
}

/// `YYYY-MM-DD` or `YYYY-MM` (the month's first day).
fn date(b: &[u8]) -> Option<NaiveDate> {
    let num = |r: std::ops::Range<usize>| b.get(r).and_then(int);
    match b.len() {
        10 => NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)? as u32, num(8..10)? as u32),
        7 => NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)? as u32, 1),
        _ => None,
    }
}

fn csv_reader(path: &Path) -> Result<(csv::Reader<std::fs::File>, Vec<String>), BatchError> {
    let mut rdr = csv::ReaderBuilder::new().buffer_capacity(1 << 20).from_path(path).map_err(|e| err(path, e))?;
    let header = rdr.headers().map_err(|e| err(path, e))?.iter().map(|s| s.trim_start_matches('\u{feff}').to_string()).collect();
    Ok((rdr, header))
}

fn position(path: &Path, header: &[String], name: &str) -> Result<usize, BatchError> {
    header.iter().position(|h| h == name).ok_or_else(|| err(path, format!("no column {name}")))
}

impl Registry {
    fn load(dir: &Path, w: &Window, progress: Progress<'_>) -> Result<Registry, BatchError> {
        let path = dir.join("members.csv");
        let (mut rdr, header) = csv_reader(&path)?;
        let (c_no, c_id, c_grade, c_student) = (
            position(&path, &header, "household_no")?,
            position(&path, &header, "id_number")?,
            position(&path, &header, "disability_grade")?,
            position(&path, &header, "student")?,
        );
        let mut reg = Registry {
            ids: IdMap::default(),
            starts: Vec::new(),
            members: Vec::new(),
            vehicles: Vec::new(),
            businesses: Vec::new(),
            properties: Vec::new(),
            financial: Vec::new(),
        };
        let mut rec = csv::ByteRecord::new();
        let mut last_no = 0i64;
        while rdr.read_byte_record(&mut rec).map_err(|e| err(&path, e))? {
            let no = int(&rec[c_no]).ok_or_else(|| err(&path, format!("line {}: bad household_no", reg.members.len() + 2)))?;
            if no != last_no {
                if no != last_no + 1 {
                    return Err(err(&path, format!("household_no {no} after {last_no}: members.csv must list households in order")));
                }
                reg.starts.push(reg.members.len() as u32);
                last_no = no;
            }
            let p = reg.members.len() as u32;
            if let Some(id) = pack_id(&rec[c_id]) {
                reg.ids.insert(id, p);
            }
            reg.members.push(DeclaredMember {
                income: 0,
                disability_grade: int(&rec[c_grade]).map(|g| g as u8),
                student: !rec[c_student].is_empty(),
            });
            if p.is_multiple_of(1_000_000) {
                progress("读取户籍成员 members", u64::from(p), 0);
            }
        }
        let households = reg.starts.len();
        reg.starts.push(reg.members.len() as u32);
        reg.vehicles = vec![0; households];
        reg.businesses = vec![0; households];
        reg.properties = vec![0; households];
        reg.financial = vec![0; households];

        // Declared incomes and assets, through the same Declared methods as a single check.
        let person = |reg: &Registry, no: i64, seq: Option<i64>| -> Option<usize> {
            let h = usize::try_from(no - 1).ok()?;
            let start = *reg.starts.get(h)? as usize;
            let p = start + seq.map_or(0, |s| (s - 1) as usize);
            (p < reg.starts[h + 1] as usize).then_some(p)
        };
        let path = dir.join("incomes.csv");
        let (mut rdr, header) = csv_reader(&path)?;
        let (c_no, c_seq, c_kind, c_month, c_amount) = (
            position(&path, &header, "household_no")?,
            position(&path, &header, "member_seq")?,
            position(&path, &header, "kind")?,
            position(&path, &header, "month")?,
            position(&path, &header, "amount_fen")?,
        );
        let mut one = Declared { members: vec![DeclaredMember::default()], ..Default::default() };
        while rdr.read_byte_record(&mut rec).map_err(|e| err(&path, e))? {
            let (Some(no), Some(month), Some(amount)) = (int(&rec[c_no]), date(&rec[c_month]), int(&rec[c_amount])) else { continue };
            let Some(kind) = std::str::from_utf8(&rec[c_kind]).ok().and_then(IncomeKind::parse) else { continue };
            if let Some(p) = person(&reg, no, int(&rec[c_seq])) {
                one.members[0].income = 0;
                one.add_income(Some(0), kind, month, amount, w);
                reg.members[p].income += one.members[0].income;
            }
        }
        let path = dir.join("assets.csv");
        let (mut rdr, header) = csv_reader(&path)?;
        let (c_no, c_kind, c_value) =
            (position(&path, &header, "household_no")?, position(&path, &header, "kind")?, position(&path, &header, "value_fen")?);
        while rdr.read_byte_record(&mut rec).map_err(|e| err(&path, e))? {
            let (Some(no), Some(value)) = (int(&rec[c_no]), int(&rec[c_value])) else { continue };
            let Some(kind) = std::str::from_utf8(&rec[c_kind]).ok().and_then(AssetKind::parse) else { continue };
            let Some(h) = usize::try_from(no - 1).ok().filter(|h| *h < households) else { continue };
            let mut d = Declared::default();
            d.add_asset(kind, value);
            reg.vehicles[h] = reg.vehicles[h].saturating_add(d.vehicles as u8);
            reg.businesses[h] = reg.businesses[h].saturating_add(d.businesses as u8);
            reg.properties[h] = reg.properties[h].saturating_add(d.properties as u8);
            reg.financial[h] += d.financial;
        }
        Ok(reg)
    }
}

/// Every person's facts, updated concurrently.
struct FactTable {
    sums: Vec<AtomicI64>,
    counts: Vec<AtomicU32>,
    latest: Vec<AtomicI32>,
}

impl FactTable {
    fn new(people: usize) -> FactTable {
        FactTable {
            sums: (0..people * SUMS).map(|_| AtomicI64::new(0)).collect(),
            counts: (0..people * COUNTS).map(|_| AtomicU32::new(0)).collect(),
            latest: (0..people * LATEST).map(|_| AtomicI32::new(0)).collect(),
        }
    }
    fn apply(&self, p: usize, u: Update) {
        match u {
            Update::Add(s, v) => {
                self.sums[p * SUMS + s as usize].fetch_add(v, Relaxed);
            }
            Update::Count(c) => {
                self.counts[p * COUNTS + c as usize].fetch_add(1, Relaxed);
            }
            Update::Latest(l, d) => {
                self.latest[p * LATEST + l as usize].fetch_max(d.num_days_from_ce(), Relaxed);
            }
        }
    }
    fn get(&self, p: usize) -> MemberFacts {
        let mut f = MemberFacts::default();
        for i in 0..SUMS {
            f.sums[i] = self.sums[p * SUMS + i].load(Relaxed);
        }
        for i in 0..COUNTS {
            f.counts[i] = self.counts[p * COUNTS + i].load(Relaxed);
        }
        for i in 0..LATEST {
            f.latest[i] = self.latest[p * LATEST + i].load(Relaxed);
        }
        f
    }
}

/// One unit of work: a CSV file, or one row group of a Parquet file.
enum Work {
    Csv(Feed, PathBuf),
    RowGroup(Feed, PathBuf, usize),
}

impl Work {
    fn feed(&self) -> Feed {
        match self {
            Work::Csv(feed, _) | Work::RowGroup(feed, _, _) => *feed,
        }
    }
    fn scan(&self, ctx: &Scan<'_>, pass: &Pass<'_>) -> Result<(), BatchError> {
        match self {
            Work::Csv(feed, path) => scan_csv(*feed, path, ctx, pass),
            Work::RowGroup(feed, path, g) => scan_row_group(*feed, path, *g, ctx, pass),
        }
    }
}

/// Runs `f` on every item with `threads` threads; the first failure stops the run.
fn each(
    items: &[&Work],
    threads: usize,
    progress: Progress<'_>,
    label: &str,
    f: impl Fn(&Work) -> Result<(), BatchError> + Sync,
) -> Result<(), BatchError> {
    let next = AtomicUsize::new(0);
    // The workers' shared results: a lock poisoned by a panicking worker is taken over (the
    // panic still ends the run when the scope joins it).
    let failure: Mutex<Option<BatchError>> = Mutex::new(None);
    let total = items.len() as u64;
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if let Err(e) = f(item) {
                        failure.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(e);
                        break;
                    }
                    progress(label, i as u64 + 1, total);
                }
            });
        }
    });
    match failure.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct Counters {
    rows: AtomicU64,
    unmatched: AtomicU64,
    invalid: AtomicU64,
    not_current: AtomicU64,
}

/// What every scan reads and writes.
struct Scan<'a> {
    reg: &'a Registry,
    facts: &'a FactTable,
    w: &'a Window,
    n: &'a Counters,
}

/// The validity date (days from CE) of the current fact of each natural key (feed and a digest
/// of the key) among the rows of feeds whose key spans dates: the latest in force on the check
/// day. A file is one delivery, so there is no later import to break a tie: rows of one key and
/// date (an import refuses them as duplicates) all count.
type Standings = HashMap<(Feed, u128), i32>;

/// The two passes over the feeds.
enum Pass<'a> {
    /// Finds each key's current standing (every row, registered person or not: a plate sold to
    /// someone unregistered no longer counts for the seller).
    Find(&'a Mutex<Standings>),
    /// Observes the rows, leaving out those another row of their key supersedes.
    Observe(&'a Standings),
}

/// The first 128 bits of the SHA-256 of a row's natural key (its cells, trimmed).
fn key_digest<'b>(cells: impl Iterator<Item = &'b [u8]>) -> u128 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for c in cells {
        h.update(c.trim_ascii());
        h.update([0x1f]);
    }
    let d = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&d[..16]);
    u128::from_be_bytes(first)
}

/// Keeps the later validity date of each key.
fn merge(into: &mut Standings, key: (Feed, u128), s: i32) {
    into.entry(key).and_modify(|best| *best = (*best).max(s)).or_insert(s);
}

/// Runs the batch check over `dir` on `today` with `threads` threads.
pub fn run(dir: &Path, today: NaiveDate, rules: &Rules, threads: usize, progress: Progress<'_>) -> Result<BatchResult, BatchError> {
    let w = Window::new(today, rules);
    let reg = Registry::load(dir, &w, progress)?;
    let people = reg.members.len();
    let facts = FactTable::new(people);

    let mut work = Vec::new();
    for feed in Feed::ALL {
        let csv = feed_path(dir, feed, FeedFormat::Csv);
        let pq = feed_path(dir, feed, FeedFormat::Parquet);
        if pq.exists() {
            use parquet::file::reader::{FileReader, SerializedFileReader};
            let file = std::fs::File::open(&pq).map_err(|e| err(&pq, e))?;
            let groups = SerializedFileReader::new(file).map_err(|e| err(&pq, e))?.num_row_groups();
            work.extend((0..groups).map(|g| Work::RowGroup(feed, pq.clone(), g)));
        } else if csv.exists() {
            work.push(Work::Csv(feed, csv));
        }
    }
    let counters =
        Counters { rows: AtomicU64::new(0), unmatched: AtomicU64::new(0), invalid: AtomicU64::new(0), not_current: AtomicU64::new(0) };
    // First the current fact of every natural key that can hold facts of several dates (a plate
    // sold on): its rows are read twice, the others once.
    let spanning: Vec<&Work> = work.iter().filter(|w| w.feed().key_spans_dates()).collect();
    let found = Mutex::new(Standings::default());
    let ctx = Scan { reg: &reg, facts: &facts, w: &w, n: &counters };
    each(&spanning, threads, progress, "现行事实 current facts", |item| item.scan(&ctx, &Pass::Find(&found)))?;
    let standings = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    let all: Vec<&Work> = work.iter().collect();
    each(&all, threads, progress, "比对部门数据 feeds", |item| item.scan(&ctx, &Pass::Observe(&standings)))?;

    // Assess every household, in parallel chunks.
    let households = reg.starts.len() - 1;
    let chunk = households.div_ceil(threads.max(1) * 8).max(1);
    let next = AtomicUsize::new(0);
    let found: Mutex<Vec<Sample>> = Mutex::new(Vec::new());
    let all: Mutex<Vec<FoundFact>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let mut local = Vec::new();
                let mut sample = Vec::new();
                let mut member_facts = Vec::new();
                loop {
                    let c = next.fetch_add(1, Relaxed);
                    let from = c * chunk;
                    if from >= households {
                        break;
                    }
                    for h in from..(from + chunk).min(households) {
                        let (a, b) = (reg.starts[h] as usize, reg.starts[h + 1] as usize);
                        member_facts.clear();
                        member_facts.extend((a..b).map(|p| facts.get(p)));
                        if member_facts.iter().all(|f| *f == MemberFacts::default()) {
                            continue;
                        }
                        let declared = Declared {
                            members: reg.members[a..b].to_vec(),
                            vehicles: u32::from(reg.vehicles[h]),
                            businesses: u32::from(reg.businesses[h]),
                            properties: u32::from(reg.properties[h]),
                            financial: reg.financial[h],
                        };
                        for f in check::assess(&declared, &member_facts, rules) {
                            let seq = f.member.map(|m| m as u16 + 1);
                            local.push((h as u32 + 1, seq, f.kind));
                            if sample.len() < 20 {
                                sample.push((h as u32 + 1, seq, f.kind, f.evidence));
                            }
                        }
                    }
                    progress("评估家庭 households", ((c + 1) * chunk).min(households) as u64, households as u64);
                }
                all.lock().unwrap_or_else(PoisonError::into_inner).extend(local);
                found.lock().unwrap_or_else(PoisonError::into_inner).extend(sample);
            });
        }
    });
    let mut findings = all.into_inner().unwrap_or_else(PoisonError::into_inner);
    findings.sort();
    let mut sample = found.into_inner().unwrap_or_else(PoisonError::into_inner);
    sample.sort_by_key(|x| (x.0, x.1, x.2));
    sample.truncate(20);
    Ok(BatchResult {
        households: households as u64,
        people: people as u64,
        feed_rows: counters.rows.into_inner(),
        unmatched_rows: counters.unmatched.into_inner(),
        invalid_rows: counters.invalid.into_inner(),
        not_current_rows: counters.not_current.into_inner(),
        findings,
        sample,
    })
}

/// The positions of the columns the check reads, in a file's header.
struct Columns {
    id: usize,
    on: usize,
    amount: Option<usize>,
    code: Option<usize>,
    until: Option<usize>,
    /// The natural key's columns, for a feed whose key spans dates.
    key: Vec<usize>,
}

impl Columns {
    fn find(feed: Feed, path: &Path, header: &[String]) -> Result<Columns, BatchError> {
        let pos = |name: &str| position(path, header, name);
        let key = if feed.key_spans_dates() { feed.key().iter().map(|k| pos(k)).collect::<Result<_, _>>()? } else { Vec::new() };
        Ok(Columns {
            key,
            id: pos("id_number")?,
            on: pos(feed.date_column().ok_or_else(|| err(path, "this feed has no date column"))?)?,
            amount: feed.amount_column().map(pos).transpose()?,
            code: feed.code_column().map(pos).transpose()?,
            until: feed.until_column().map(pos).transpose()?,
        })
    }
}

/// One scan's counts and, in the first pass, the standings it found.
#[derive(Default)]
struct Tally {
    rows: u64,
    unmatched: u64,
    invalid: u64,
    not_current: u64,
    found: Standings,
}

impl Tally {
    /// One row: its ID number and date read (`None`: unreadable), its key's digest when the
    /// feed's key spans dates, and what the check reads of it.
    fn row<'o>(
        &mut self,
        ctx: &Scan<'_>,
        pass: &Pass<'_>,
        feed: Feed,
        read: Option<(u64, NaiveDate)>,
        key: impl FnOnce() -> Option<u128>,
        observation: impl FnOnce(NaiveDate) -> Observation<'o>,
    ) {
        let observing = matches!(pass, Pass::Observe(_));
        self.rows += u64::from(observing);
        let Some((id, on)) = read else {
            self.invalid += u64::from(observing);
            return;
        };
        // A fact dated after the check day is not in force yet.
        if feed.valid_from().is_some() && on > ctx.w.today {
            self.not_current += u64::from(observing);
            return;
        }
        if let Some(k) = key() {
            let (k, s) = ((feed, k), on.num_days_from_ce());
            match pass {
                Pass::Find(_) => return merge(&mut self.found, k, s),
                Pass::Observe(current) if current.get(&k) != Some(&s) => {
                    self.not_current += 1;
                    return;
                }
                Pass::Observe(_) => {}
            }
        } else if !observing {
            return;
        }
        let Some(&p) = ctx.reg.ids.get(&id) else {
            self.unmatched += 1;
            return;
        };
        if let Some(u) = check::observe(&observation(on), ctx.w) {
            ctx.facts.apply(p as usize, u);
        }
    }

    fn finish(self, ctx: &Scan<'_>, pass: &Pass<'_>) {
        match pass {
            Pass::Find(into) => {
                let mut into = into.lock().unwrap_or_else(PoisonError::into_inner);
                for (k, s) in self.found {
                    merge(&mut into, k, s);
                }
            }
            Pass::Observe(_) => {
                ctx.n.rows.fetch_add(self.rows, Relaxed);
                ctx.n.unmatched.fetch_add(self.unmatched, Relaxed);
                ctx.n.invalid.fetch_add(self.invalid, Relaxed);
                ctx.n.not_current.fetch_add(self.not_current, Relaxed);
            }
        }
    }
}

fn scan_csv(feed: Feed, path: &Path, ctx: &Scan<'_>, pass: &Pass<'_>) -> Result<(), BatchError> {
    let (mut rdr, header) = csv_reader(path)?;
    let c = Columns::find(feed, path, &header)?;
    let mut rec = csv::ByteRecord::new();
    let mut tally = Tally::default();
    while rdr.read_byte_record(&mut rec).map_err(|e| err(path, e))? {
        let read = pack_id(&rec[c.id]).zip(date(&rec[c.on]));
        let key = || (!c.key.is_empty()).then(|| key_digest(c.key.iter().map(|&i| &rec[i])));
        tally.row(ctx, pass, feed, read, key, |on| Observation {
            feed,
            on,
            amount: c.amount.and_then(|i| int(&rec[i])).unwrap_or(0),
            code: c.code.and_then(|i| std::str::from_utf8(&rec[i]).ok()).unwrap_or(""),
            until: c.until.and_then(|i| date(&rec[i])),
        });
    }
    tally.finish(ctx, pass);
    Ok(())
}

fn epoch(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
}

fn scan_row_group(feed: Feed, path: &Path, group: usize, ctx: &Scan<'_>, pass: &Pass<'_>) -> Result<(), BatchError> {
    use parquet::column::reader::{ColumnReader, get_typed_column_reader};
    use parquet::data_type::{ByteArrayType, Int32Type, Int64Type};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = std::fs::File::open(path).map_err(|e| err(path, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| err(path, e))?;
    let header: Vec<String> = reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_string()).collect();
    let c = Columns::find(feed, path, &header)?;
    let rg = reader.get_row_group(group).map_err(|e| err(path, e))?;
    let rows = rg.metadata().num_rows() as usize;
    let pe = |e: parquet::errors::ParquetError| err(path, e);
    let bytes = |i: usize| -> Result<Vec<parquet::data_type::ByteArray>, BatchError> {
        let mut r = get_typed_column_reader::<ByteArrayType>(rg.get_column_reader(i).map_err(pe)?);
        let (mut v, mut d) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        r.read_records(rows, Some(&mut d), None, &mut v).map_err(pe)?;
        Ok(v)
    };
    // Dates are DATE (i32 days) when written by jiuzhu; other writers may use text.
    let dates = |i: usize, optional: bool| -> Result<Vec<Option<NaiveDate>>, BatchError> {
        match rg.get_column_reader(i).map_err(pe)? {
            r @ ColumnReader::Int32ColumnReader(_) => {
                let mut r = get_typed_column_reader::<Int32Type>(r);
                let (mut v, mut d) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
                r.read_records(rows, Some(&mut d), None, &mut v).map_err(pe)?;
                if optional {
                    let mut it = v.into_iter();
                    Ok(d.iter().map(|l| if *l > 0 { it.next().and_then(epoch) } else { None }).collect())
                } else {
                    Ok(v.into_iter().map(epoch).collect())
                }
            }
            r @ ColumnReader::ByteArrayColumnReader(_) => {
                let mut r = get_typed_column_reader::<ByteArrayType>(r);
                let (mut v, mut d) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
                r.read_records(rows, Some(&mut d), None, &mut v).map_err(pe)?;
                let mut it = v.into_iter();
                Ok(d.iter().map(|l| if *l > 0 || !optional { it.next().and_then(|b| date(b.data())) } else { None }).collect())
            }
            _ => Err(err(path, format!("column {} is not a date", header[i]))),
        }
    };
    let ids = bytes(c.id)?;
    let on = dates(c.on, false)?;
    let keys: Vec<Vec<parquet::data_type::ByteArray>> = c.key.iter().map(|&i| bytes(i)).collect::<Result<_, _>>()?;
    let observing = matches!(pass, Pass::Observe(_));
    let amounts: Vec<i64> = match c.amount.filter(|_| observing) {
        Some(i) => {
            let mut r = get_typed_column_reader::<Int64Type>(rg.get_column_reader(i).map_err(pe)?);
            let (mut v, mut d) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
            r.read_records(rows, Some(&mut d), None, &mut v).map_err(pe)?;
            v
        }
        None => Vec::new(),
    };
    let codes = c.code.filter(|_| observing).map(bytes).transpose()?;
    let until = c.until.filter(|_| observing).map(|i| dates(i, true)).transpose()?;
    let mut tally = Tally::default();
    for (k, id) in ids.iter().enumerate() {
        let read = pack_id(id.data()).zip(on.get(k).copied().flatten());
        let key = || (!keys.is_empty()).then(|| key_digest(keys.iter().map(|col| col.get(k).map_or(&[][..], |b| b.data()))));
        tally.row(ctx, pass, feed, read, key, |day| Observation {
            feed,
            on: day,
            amount: amounts.get(k).copied().unwrap_or(0),
            code: codes.as_ref().and_then(|v| v.get(k)).and_then(|b| std::str::from_utf8(b.data()).ok()).unwrap_or(""),
            until: until.as_ref().and_then(|v| v.get(k).copied().flatten()),
        });
    }
    tally.finish(ctx, pass);
    Ok(())
}
