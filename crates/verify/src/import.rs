//! Validating a department's file against its feed's declared schema: every problem named
//! by file, row and column; a file with any problem yields no records (the caller loads
//! nothing), so an import lands whole or not at all.

use crate::read::{self, ReadError, Source};
use crate::schema::{Column, ColumnType, Feed};
use chrono::NaiveDate;
use jiuzhu_domain::id_number::IdNumber;
use jiuzhu_domain::{mask, month_start};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The most problems a report lists (the count goes on); a wrong file would list every row.
pub const MAX_LISTED: usize = 200;

/// A typed cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Empty,
    Text(String),
    Date(NaiveDate),
    Int(i64),
}

impl Value {
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn text(&self) -> &str {
        match self {
            Value::Text(s) => s,
            _ => "",
        }
    }
}

/// One valid row of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRecord {
    pub feed: Feed,
    /// The row in the file (for the report and the evidence).
    pub row: u64,
    pub id_number: IdNumber,
    /// In the feed's declared column order; `values[0]` is the ID number as text.
    pub values: Vec<Value>,
}

impl FeedRecord {
    #[allow(clippy::expect_used, reason = "callers ask only for the columns the feed itself declares")]
    pub fn get(&self, column: &str) -> &Value {
        let i = self.feed.columns().iter().position(|c| c.name == column).expect("declared column");
        &self.values[i]
    }

    /// The row's natural key (the feed's [`Feed::key`] columns): the person or object the fact
    /// is about (a person's status, a plate, a month's contribution).
    pub fn natural_key(&self) -> String {
        natural_key_of(self.feed, &self.texts())
    }

    /// The key the row is stored under: its natural key and every other column's value, so that
    /// the same fact loaded twice changes nothing while a changed fact about the same person or
    /// object (now `deceased`, the plate under a new owner) is stored as a new fact. Which of
    /// several facts is current is decided when they are read (`check::current`).
    pub fn key(&self) -> String {
        fact_key_of(self.feed, &self.texts())
    }

    /// The day from which the row's fact holds ([`Feed::valid_from`]).
    pub fn valid_on(&self) -> Option<NaiveDate> {
        self.feed.valid_from().and_then(|c| self.get(c).date())
    }

    /// Every cell in its normal form (declared order).
    fn texts(&self) -> Vec<String> {
        self.values.iter().map(value_text).collect()
    }

    /// The day the row describes (its date or month column).
    pub fn on(&self) -> Option<NaiveDate> {
        self.feed.date_column().and_then(|c| self.get(c).date())
    }

    /// What the check reads of this row.
    pub fn observation(&self) -> Option<crate::check::Observation<'_>> {
        let f = self.feed;
        Some(crate::check::Observation {
            feed: f,
            on: self.on()?,
            amount: f.amount_column().and_then(|c| self.get(c).int()).unwrap_or(0),
            code: f.code_column().map_or("", |c| self.get(c).text()),
            until: f.until_column().and_then(|c| self.get(c).date()),
        })
    }

    /// The columns other than the ID number, as JSON (stored encrypted; shown as evidence).
    pub fn detail_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .feed
            .columns()
            .iter()
            .zip(&self.values)
            .skip(1)
            .map(|(c, v)| (c.name.to_string(), serde_json::to_value(v).unwrap_or(serde_json::Value::Null)))
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}

/// The cells of a stored row in their normal form, in declared order: the ID number, then the
/// columns of its detail JSON ([`FeedRecord::detail_json`]), so that keys can be computed again
/// from what the store gives back (they are the same as [`FeedRecord::key`] computed at import).
pub fn stored_texts(feed: Feed, id_number: &str, detail: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::with_capacity(feed.columns().len());
    out.push(id_number.to_string());
    for c in feed.columns().iter().skip(1) {
        out.push(match detail.get(c.name) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(serde_json::Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        });
    }
    out
}

/// The natural key of a row from its cells in declared order (as [`stored_texts`] gives them).
pub fn natural_key_of(feed: Feed, texts: &[String]) -> String {
    let cols = feed.columns();
    let mut k = String::new();
    for (i, c) in cols.iter().enumerate() {
        if feed.key().contains(&c.name) {
            if !k.is_empty() {
                k.push('\u{1f}');
            }
            k.push_str(texts.get(i).map_or("", String::as_str));
        }
    }
    k
}

/// The stored key of a fact from its cells: the natural key, then every other column.
pub fn fact_key_of(feed: Feed, texts: &[String]) -> String {
    let mut k = natural_key_of(feed, texts);
    k.push('\u{1e}');
    let rest: Vec<&str> =
        feed.columns().iter().zip(texts).filter(|(c, _)| !feed.key().contains(&c.name)).map(|(_, t)| t.as_str()).collect();
    k.push_str(&rest.join("\u{1f}"));
    k
}

/// A stored row's validity date, read from its detail ([`Feed::valid_from`]).
pub fn stored_valid_on(feed: Feed, detail: &serde_json::Value) -> Option<NaiveDate> {
    feed.valid_from().and_then(|c| detail.get(c)).and_then(|v| v.as_str()).and_then(|s| s.parse().ok())
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Empty => String::new(),
        Value::Text(s) => s.clone(),
        Value::Date(d) => d.to_string(),
        Value::Int(i) => i.to_string(),
    }
}

/// One problem: the row (0 = the file or its header), the column, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub row: u64,
    pub column: String,
    /// The offending value as read (ID numbers masked: the report is shared by e-mail).
    pub value: String,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

/// What an import found, file by file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub file: String,
    pub feed: Feed,
    pub format: String,
    pub encoding: String,
    /// SHA-256 of the file's bytes: the same file imported again is recognised.
    pub sha256: String,
    pub rows: u64,
    pub valid_rows: u64,
    /// Problems found (all of them counted, the first [`MAX_LISTED`] listed).
    pub problem_count: u64,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problem_count == 0
    }

    /// A plain-text report, Chinese first, one problem a line: `文件 第N行 列: 问题`.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{} [{}·{}，{}，{}]：共 {} 行，有效 {} 行，问题 {} 个\n",
            self.file,
            self.feed.department().zh(),
            self.feed.zh(),
            self.format,
            self.encoding,
            self.rows,
            self.valid_rows,
            self.problem_count
        );
        for p in &self.problems {
            let at = if p.row == 0 { "文件".to_string() } else { format!("第 {} 行", p.row) };
            let value = if p.value.is_empty() { String::new() } else { format!("（值：{}）", p.value) };
            s.push_str(&format!("  {} {} {}: {}{} / {}\n", self.file, at, p.column, p.zh, value, p.en));
        }
        if self.problem_count as usize > self.problems.len() {
            s.push_str(&format!(
                "  ……另有 {} 个问题未列出 / {} more not listed\n",
                self.problem_count as usize - self.problems.len(),
                self.problem_count as usize - self.problems.len()
            ));
        }
        s
    }
}

/// The report of a file, its SHA-256 streamed (the file is never held whole for the hash).
fn new_report(path: &Path, feed: Feed) -> Report {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    Report {
        file,
        feed,
        format: read::Format::of(path).map_or("?", |f| f.as_str()).to_string(),
        encoding: String::new(),
        sha256: file_sha256(path).unwrap_or_default(),
        rows: 0,
        valid_rows: 0,
        problem_count: 0,
        problems: Vec::new(),
    }
}

fn file_sha256(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Reads `path` as `feed` on `today` (dates after it are out of range), handing each valid row
/// to `keep`, and reports every problem. Memory stays bounded whatever the file holds: rows
/// are not kept here, problems are counted and only the first [`MAX_LISTED`] kept.
pub fn scan_file(path: &Path, feed: Feed, today: NaiveDate, keep: &mut dyn FnMut(FeedRecord)) -> Report {
    let mut report = new_report(path, feed);
    let mut v = Validator::new(feed, today);
    let result = read::scan(path, &mut |line| match line {
        read::Line::Header(h) => v.header(h),
        read::Line::Row(row, cells) => {
            if let Some(record) = v.row(row, cells) {
                keep(record);
            }
        }
    });
    match result {
        Ok(Source { encoding, ends_without_newline, .. }) => {
            report.encoding = encoding.to_string();
            if ends_without_newline && v.short_rows {
                v.push(problem(
                    0,
                    "",
                    "",
                    "file.truncated",
                    "文件末尾没有换行且最后一行字段不全：文件可能在传输中被截断",
                    "the file ends without a line break and its last row is short: it was probably cut off",
                ));
            }
        }
        Err(ReadError { zh, en }) => v.push(problem(0, "", "", "file.unreadable", zh, en)),
    }
    report.rows = v.rows;
    report.valid_rows = v.valid_rows;
    report.problem_count = v.problem_count;
    report.problems = v.problems;
    report
}

/// Checks a file without keeping any of its rows (the first pass of an import).
pub fn check_file(path: &Path, feed: Feed, today: NaiveDate) -> Report {
    scan_file(path, feed, today, &mut |_| {})
}

/// Reads and validates `path` and, only when it has no problem, returns every record with the
/// report. Holds the whole file's records: for tests and small files; imports use
/// [`check_file`] and then [`scan_file`] in batches.
pub fn validate_file(path: &Path, feed: Feed, today: NaiveDate) -> (Report, Option<Vec<FeedRecord>>) {
    let mut records = Vec::new();
    let report = scan_file(path, feed, today, &mut |r| records.push(r));
    let ok = report.ok();
    (report, ok.then_some(records))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn problem(row: u64, column: &str, value: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem { row, column: column.to_string(), value: value.to_string(), code, zh: zh.into(), en: en.into() }
}

/// Validates rows as they are read (any format, any size). Memory does not grow with the
/// file's problems (counted, the first [`MAX_LISTED`] kept) and grows with its rows only by a
/// 16-byte digest per row, to find duplicates.
pub struct Validator {
    feed: Feed,
    today: NaiveDate,
    /// For each declared column, its position in the file's header.
    positions: Vec<Option<usize>>,
    width: usize,
    header_ok: bool,
    /// Digest of each row's natural key (and validity date, where a key spans dates) → the row
    /// it was first seen on.
    seen: HashMap<u128, u64>,
    problems: Vec<Problem>,
    problem_count: u64,
    /// A row had fewer or more fields than the header (with no final line break: truncated).
    short_rows: bool,
    rows: u64,
    valid_rows: u64,
}

/// The first 128 bits of the key's SHA-256: equal keys, equal digests; different keys collide
/// with a chance no file comes near.
fn key_digest(key: &str) -> u128 {
    let d = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&d[..16]);
    u128::from_be_bytes(first)
}

impl Validator {
    pub fn new(feed: Feed, today: NaiveDate) -> Validator {
        Validator {
            feed,
            today,
            positions: Vec::new(),
            width: 0,
            header_ok: false,
            seen: HashMap::new(),
            problems: Vec::new(),
            problem_count: 0,
            short_rows: false,
            rows: 0,
            valid_rows: 0,
        }
    }

    fn push(&mut self, p: Problem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(p);
        }
    }

    /// Matches the header to the declared columns, by code (`id_number`) or Chinese name
    /// (`公民身份号码`), in any order. Missing declared columns and unknown extra columns are
    /// both errors: an extra column usually means the wrong file or a shifted layout.
    pub fn header(&mut self, header: &[String]) {
        let cols = self.feed.columns();
        let norm = |s: &str| s.trim().trim_start_matches('\u{feff}').to_string();
        let names: Vec<String> = header.iter().map(|h| norm(h)).collect();
        self.width = names.len();
        self.positions = cols.iter().map(|c| names.iter().position(|n| n == c.name || n == c.zh)).collect();
        let mut ok = true;
        for (c, p) in cols.iter().zip(self.positions.clone()) {
            if p.is_none() {
                ok = false;
                self.push(problem(
                    1,
                    c.name,
                    "",
                    "header.missing",
                    format!("缺少列“{}”（{}）", c.zh, c.name),
                    format!("column {} ({}) is missing", c.name, c.zh),
                ));
            }
        }
        for (i, n) in names.iter().enumerate() {
            if !self.positions.contains(&Some(i)) {
                ok = false;
                let shown = if n.is_empty() { format!("第 {} 列（无列名）", i + 1) } else { n.clone() };
                self.push(problem(
                    1,
                    &shown,
                    "",
                    "header.unknown",
                    format!("多出未声明的列“{shown}”：请确认文件是否为{}数据", self.feed.label()),
                    format!("undeclared column {shown}: is this really the {} feed?", self.feed.code()),
                ));
            }
        }
        self.header_ok = ok;
    }

    /// Validates one data row; the record when it is valid and not a repeat of an earlier row.
    pub fn row(&mut self, row: u64, cells: &[String]) -> Option<FeedRecord> {
        self.rows += 1;
        if !self.header_ok {
            return None;
        }
        if cells.len() != self.width {
            self.short_rows = true;
            self.push(problem(
                row,
                "",
                "",
                "row.columns",
                format!("本行有 {} 个字段，表头有 {} 列", cells.len(), self.width),
                format!("the row has {} fields, the header {}", cells.len(), self.width),
            ));
            return None;
        }
        let cols = self.feed.columns();
        let mut values = Vec::with_capacity(cols.len());
        let mut id = None;
        let mut bad = false;
        for (c, p) in cols.iter().zip(self.positions.clone()) {
            let text = p.and_then(|p| cells.get(p)).map_or("", String::as_str);
            match parse_cell(c, text, self.today) {
                Ok(v) => {
                    if c.kind == ColumnType::IdNumber {
                        id = IdNumber::parse(text, self.today).ok();
                    }
                    values.push(v);
                }
                Err((code, zh, en)) => {
                    bad = true;
                    let shown = if c.kind == ColumnType::IdNumber { mask::id_number(text) } else { text.chars().take(40).collect() };
                    self.push(problem(row, c.name, &shown, code, format!("{}：{zh}", c.zh), en));
                    values.push(Value::Empty);
                }
            }
        }
        let id_number = id.filter(|_| !bad)?;
        let record = FeedRecord { feed: self.feed, row, id_number, values };
        // In one file a natural key holds one fact a date: a second one on the same date leaves
        // nothing to tell which is current (facts of other dates are the key's history).
        let mut identity = record.natural_key();
        let mut same: Vec<&str> = self.feed.key().to_vec();
        if self.feed.key_spans_dates()
            && let Some(c) = self.feed.valid_from()
        {
            identity.push('\u{1e}');
            identity.push_str(&record.valid_on().map(|d| d.to_string()).unwrap_or_default());
            same.push(c);
        }
        let key = key_digest(&identity);
        if let Some(first) = self.seen.get(&key).copied() {
            self.push(problem(
                row,
                &self.feed.key().join("+"),
                "",
                "row.duplicate",
                format!("与第 {first} 行重复（{}相同）", same.join("、")),
                format!("duplicates row {first} (same {})", same.join(", ")),
            ));
            return None;
        }
        self.seen.insert(key, row);
        self.valid_rows += 1;
        Some(record)
    }
}

type CellError = (&'static str, String, String);

fn parse_cell(c: &Column, text: &str, today: NaiveDate) -> Result<Value, CellError> {
    if text.contains('\u{fffd}') {
        return Err((
            "cell.garbled",
            "含有乱码字符（�）：文件可能曾以错误的编码（如把 GBK 当作 UTF-8）打开并保存".into(),
            "contains U+FFFD: the file was probably opened in the wrong encoding (GBK as UTF-8) and saved".into(),
        ));
    }
    if text.is_empty() {
        return if c.required { Err(("cell.required", "不能为空".into(), "must not be empty".into())) } else { Ok(Value::Empty) };
    }
    match c.kind {
        ColumnType::IdNumber => match IdNumber::parse(text, today) {
            Ok(id) => Ok(Value::Text(id.as_str().to_string())),
            Err(e) => Err((e.code, e.zh, e.en)),
        },
        ColumnType::Text => Ok(Value::Text(text.to_string())),
        ColumnType::Date => parse_date(text, today).map(Value::Date),
        ColumnType::Month => parse_month(text, today).map(Value::Date),
        ColumnType::Fen | ColumnType::Count => match text.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Value::Int(n)),
            Ok(_) => Err(("cell.negative", "不能为负数".into(), "must not be negative".into())),
            Err(_) if c.kind == ColumnType::Fen && text.contains('.') => {
                Err(("cell.fen", "金额应为整数（单位：分），不含小数点".into(), "amounts are whole fen, without a decimal point".into()))
            }
            Err(_) => Err(("cell.integer", "应为非负整数".into(), "must be a non-negative whole number".into())),
        },
        ColumnType::Code(codes) => codes
            .iter()
            .find(|k| k.eq_ignore_ascii_case(text))
            .map(|k| Value::Text(k.to_string()))
            .ok_or_else(|| ("cell.code", format!("应为以下之一：{}", codes.join("、")), format!("must be one of {}", codes.join(", ")))),
    }
}

#[allow(clippy::expect_used, reason = "a constant date")]
fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid")
}

/// `2026-05-03`, `2026/5/3`, `20260503`; not before 1900 nor after `today`.
pub fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, CellError> {
    let t = text.trim();
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d"))
        .or_else(|_| if t.len() == 8 { NaiveDate::parse_from_str(t, "%Y%m%d") } else { NaiveDate::parse_from_str("x", "%Y") })
        .map_err(|_| ("cell.date", "日期格式应为 YYYY-MM-DD".to_string(), "dates are YYYY-MM-DD".to_string()))?;
    in_range(d, today, d)
}

/// `2026-05`, `202605`; the month's first day.
pub fn parse_month(text: &str, today: NaiveDate) -> Result<NaiveDate, CellError> {
    let t = text.trim();
    let (y, m) = if let Some((y, m)) = t.split_once(['-', '/']) {
        (y.parse::<i32>().ok(), m.parse::<u32>().ok())
    } else if t.len() == 6 {
        (t[..4].parse::<i32>().ok(), t[4..].parse::<u32>().ok())
    } else {
        (None, None)
    };
    let d = y
        .zip(m)
        .and_then(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1))
        .ok_or_else(|| ("cell.month", "月份格式应为 YYYY-MM".to_string(), "months are YYYY-MM".to_string()))?;
    let month_of_today = month_start(today);
    in_range(d, month_of_today, d)
}

fn in_range(d: NaiveDate, latest: NaiveDate, shown: NaiveDate) -> Result<NaiveDate, CellError> {
    if d < earliest() {
        return Err(("cell.date_range", format!("日期 {shown} 早于 1900 年"), format!("{shown} is before 1900")));
    }
    if d > latest {
        return Err(("cell.date_range", format!("日期 {shown} 晚于今天（{latest}）"), format!("{shown} is after today ({latest})")));
    }
    Ok(d)
}
