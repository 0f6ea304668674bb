//! Return files (回盘文件): what the bank did with each payment, read as a stream.
//!
//! Two layouts, both with the columns `reference, account, amount, result, reason`:
//! - `csv-utf8`: UTF-8 CSV (RFC 4180 quoting, optionally a BOM), first row
//!   `reference,account,amount,result,reason`;
//! - `pipe-gbk`: GBK, `|`-separated, no header row; a trailing `|` is tolerated.
//!
//! `result` is `成功` (paid), `失败` (failed) or `冲正`/`退回` (reversed after a success). The bank's
//! reason text is normalised into a [`FailureReason`]. Blank lines are skipped; line numbers are
//! the file's own (a CSV column row is line 1).

use super::BankFileError;
use super::codec::{Fields, LineReader, Next, csv_field_into, decode_into, encode_into, parse_amount_text};
use super::layout::TextEncoding;
use jiuzhu_domain::Fen;
use std::io::{self, BufRead, Write};

/// The return-file layouts [`read_returns`] and [`write_return_line`] know.
pub const RETURN_LAYOUTS: &[&str] = &["csv-utf8", "pipe-gbk"];

const CSV_COLUMNS: [&str; 5] = ["reference", "account", "amount", "result", "reason"];
const CSV_HEADER: &str = "reference,account,amount,result,reason";

/// A bank's return file line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLine {
    /// The line of the file (1-based, as an editor shows it).
    pub line_no: u64,
    /// 流水号, as jiuzhu wrote it in the bank file.
    pub reference: String,
    /// 账号; may be empty where the bank leaves it out.
    pub account: String,
    /// 金额, above 0.
    pub amount: Fen,
    pub outcome: Outcome,
}

/// What the bank did with a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 成功
    Paid,
    /// 失败
    Failed(FailureReason),
    /// 冲正/退回 after a success
    Reversed(FailureReason),
}

impl Outcome {
    /// `paid`, `failed`, `reversed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Paid => "paid",
            Outcome::Failed(_) => "failed",
            Outcome::Reversed(_) => "reversed",
        }
    }
}

/// Why a payment failed, normalised from the bank's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// 户名不符
    NameMismatch,
    /// 账号不存在, 账号错误, 无此账户
    NoSuchAccount,
    /// 账户冻结, 冻结
    Frozen,
    /// 销户, 账户已销户
    Closed,
    /// Anything else, the bank's text as it came (trimmed).
    Other(String),
}

impl FailureReason {
    /// Normalises a bank's reason text.
    pub fn from_bank_text(text: &str) -> Self {
        let t = text.trim();
        let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
        if has(&["户名不符", "户名不一致", "户名错误", "户名有误", "户名与账号不符", "姓名不符", "账户名不符"])
        {
            FailureReason::NameMismatch
        } else if has(&["销户"]) {
            FailureReason::Closed
        } else if has(&["冻结"]) {
            FailureReason::Frozen
        } else if has(&["账号不存在", "账号错误", "账号有误", "无此账户", "无此账号", "账户不存在", "卡号不存在", "卡号错误"])
        {
            FailureReason::NoSuchAccount
        } else {
            FailureReason::Other(t.to_string())
        }
    }

    /// The stored code: `name_mismatch`, `no_such_account`, `frozen`, `closed`, `other`.
    pub fn as_str(&self) -> &str {
        match self {
            FailureReason::NameMismatch => "name_mismatch",
            FailureReason::NoSuchAccount => "no_such_account",
            FailureReason::Frozen => "frozen",
            FailureReason::Closed => "closed",
            FailureReason::Other(_) => "other",
        }
    }

    /// For staff: `户名不符`…, or the bank's own words.
    pub fn zh(&self) -> String {
        match self {
            FailureReason::NameMismatch => "户名不符".into(),
            FailureReason::NoSuchAccount => "账号不存在".into(),
            FailureReason::Frozen => "账户冻结".into(),
            FailureReason::Closed => "账户已销户".into(),
            FailureReason::Other(t) if t.is_empty() => "其他原因（银行未说明）".into(),
            FailureReason::Other(t) => t.clone(),
        }
    }

    pub fn en(&self) -> String {
        match self {
            FailureReason::NameMismatch => "the account name does not match".into(),
            FailureReason::NoSuchAccount => "no such account".into(),
            FailureReason::Frozen => "the account is frozen".into(),
            FailureReason::Closed => "the account is closed".into(),
            FailureReason::Other(t) if t.is_empty() => "another reason (the bank gave none)".into(),
            FailureReason::Other(t) => format!("another reason; the bank says: {t}"),
        }
    }

    /// The reverse of [`Self::as_str`]; `text` is the bank's text kept for `other` (and for an
    /// unknown code, which is read as `other`).
    pub fn parse_stored(code: &str, text: &str) -> Self {
        match code {
            "name_mismatch" => FailureReason::NameMismatch,
            "no_such_account" => FailureReason::NoSuchAccount,
            "frozen" => FailureReason::Frozen,
            "closed" => FailureReason::Closed,
            _ => FailureReason::Other(text.to_string()),
        }
    }
}

/// Detect: starts with the UTF-8 header row (optionally BOM) → `csv-utf8`; otherwise `pipe-gbk`.
/// `first_bytes`: the start of the file, e.g. what `fill_buf` gives.
pub fn detect_return_layout(first_bytes: &[u8]) -> &'static str {
    let b = first_bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first_bytes);
    if b.starts_with(CSV_HEADER.as_bytes()) { "csv-utf8" } else { "pipe-gbk" }
}

fn unknown_layout(name: &str) -> BankFileError {
    BankFileError::new(
        0,
        "",
        format!("未知的回盘文件格式“{name}”，可用：{}", RETURN_LAYOUTS.join("、")),
        format!("unknown return-file layout \"{name}\"; known: {}", RETURN_LAYOUTS.join(", ")),
    )
}

/// Streaming iterator over the lines of a return file. A line's error does not end the
/// iteration; an I/O error or a line too long does.
pub fn read_returns<R: BufRead>(
    layout_name: &str,
    input: R,
) -> Result<impl Iterator<Item = Result<ReturnLine, BankFileError>> + use<R>, BankFileError> {
    let csv = match layout_name {
        "csv-utf8" => true,
        "pipe-gbk" => false,
        other => return Err(unknown_layout(other)),
    };
    let mut returns = ReturnLines { lines: LineReader::new(input), csv, text: String::new(), fields: Fields::default(), done: false };
    if csv {
        returns.lines.skip_bom().map_err(|e| BankFileError::io(0, false, &e))?;
        let missing = || {
            BankFileError::new(1, "", format!("首行应为列名 {CSV_HEADER}"), format!("the first row must be the column names {CSV_HEADER}"))
        };
        match returns.next_fields() {
            Some(Ok(())) => {
                let names = returns.fields.get();
                if names.len() != CSV_COLUMNS.len() || names.iter().zip(CSV_COLUMNS).any(|(n, c)| n.trim() != c) {
                    return Err(missing());
                }
            }
            Some(Err(e)) => return Err(e),
            None => return Err(missing()),
        }
    }
    Ok(returns)
}

struct ReturnLines<R> {
    lines: LineReader<R>,
    csv: bool,
    text: String,
    fields: Fields,
    done: bool,
}

impl<R: BufRead> ReturnLines<R> {
    /// Reads the next non-blank line into `self.fields`.
    fn next_fields(&mut self) -> Option<Result<(), BankFileError>> {
        loop {
            if self.done {
                return None;
            }
            let no = self.lines.line + 1;
            match self.lines.next_line() {
                Err(e) => {
                    self.done = true;
                    return Some(Err(BankFileError::io(no, false, &e)));
                }
                Ok(Next::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(Next::TooLong) => {
                    self.done = true;
                    return Some(Err(BankFileError::new(no, "", "这一行过长，不是回盘文件", "the line is far too long for a return file")));
                }
                Ok(Next::Line(_)) => {}
            }
            let encoding = if self.csv { TextEncoding::Utf8 } else { TextEncoding::Gbk };
            if !decode_into(encoding, self.lines.content(), &mut self.text) {
                let label = encoding.label();
                return Some(Err(BankFileError::new(
                    no,
                    "",
                    format!("含有无效的 {label} 字节，请确认文件格式"),
                    format!("holds bytes that are not valid {label}; check the file's layout"),
                )));
            }
            if self.text.trim().is_empty() {
                continue;
            }
            if self.csv {
                if let Err((zh, en)) = self.fields.split_csv(&self.text, ',') {
                    return Some(Err(BankFileError::new(no, "", zh, en)));
                }
            } else {
                self.fields.split_plain(&self.text, '|');
            }
            return Some(Ok(()));
        }
    }

    fn parse(&self) -> Result<ReturnLine, BankFileError> {
        let no = self.lines.line;
        let mut values = self.fields.get();
        if values.len() == CSV_COLUMNS.len() + 1 && values.last().is_some_and(|v| v.trim().is_empty()) {
            values = &values[..CSV_COLUMNS.len()];
        }
        let [reference, account, amount, result, reason] = values else {
            return Err(BankFileError::new(
                no,
                "",
                format!("应有 5 列（流水号、账号、金额、处理结果、失败原因），实有 {} 列", values.len()),
                format!("the line must have 5 columns (reference, account, amount, result, reason), it has {}", values.len()),
            ));
        };
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(BankFileError::new(no, "reference", "为空", "is empty"));
        }
        let amount = amount.trim();
        let fen = parse_amount_text(amount, false).ok_or_else(|| {
            BankFileError::new(
                no,
                "amount",
                format!("“{amount}”不是以元为单位、最多两位小数的金额（如 1234.56）"),
                format!("\"{amount}\" is not an amount in yuan with at most two decimals (e.g. 1234.56)"),
            )
        })?;
        if fen <= 0 {
            return Err(BankFileError::new(no, "amount", "金额必须大于 0", "the amount must be above 0"));
        }
        let reason = FailureReason::from_bank_text(reason);
        let outcome = match result.trim() {
            "成功" => Outcome::Paid,
            "失败" => Outcome::Failed(reason),
            "冲正" | "退回" => Outcome::Reversed(reason),
            other => {
                return Err(BankFileError::new(
                    no,
                    "result",
                    format!("“{other}”不是 成功、失败、冲正 或 退回"),
                    format!("\"{other}\" is not 成功 (paid), 失败 (failed), 冲正 or 退回 (reversed)"),
                ));
            }
        };
        Ok(ReturnLine { line_no: no, reference: reference.to_string(), account: account.trim().to_string(), amount: Fen(fen), outcome })
    }
}

impl<R: BufRead> Iterator for ReturnLines<R> {
    type Item = Result<ReturnLine, BankFileError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.next_fields()? {
            Ok(()) => self.parse(),
            Err(e) => Err(e),
        })
    }
}

/// Writes the column row of a return file where its layout has one (`csv-utf8`).
pub fn write_return_header<W: Write>(layout_name: &str, out: &mut W) -> io::Result<()> {
    match layout_name {
        "csv-utf8" => {
            out.write_all(CSV_HEADER.as_bytes())?;
            out.write_all(b"\n")
        }
        "pipe-gbk" => Ok(()),
        other => Err(io::Error::new(io::ErrorKind::InvalidInput, unknown_layout(other))),
    }
}

/// Writes a return file (used by tests, the demo and the benchmark to play the bank).
/// `result_ok`: `成功`, otherwise `失败` with `reason`.
pub fn write_return_line<W: Write>(
    layout_name: &str,
    out: &mut W,
    reference: &str,
    account: &str,
    amount: Fen,
    result_ok: bool,
    reason: &str,
) -> io::Result<()> {
    let (csv, encoding, delim, ending): (bool, TextEncoding, char, &[u8]) = match layout_name {
        "csv-utf8" => (true, TextEncoding::Utf8, ',', b"\n"),
        "pipe-gbk" => (false, TextEncoding::Gbk, '|', b"\r\n"),
        other => return Err(io::Error::new(io::ErrorKind::InvalidInput, unknown_layout(other))),
    };
    let amount = amount.to_string();
    let result = if result_ok { "成功" } else { "失败" };
    let mut line = Vec::with_capacity(128);
    for (i, value) in [reference, account, amount.as_str(), result, reason].into_iter().enumerate() {
        if value.chars().any(char::is_control) || (!csv && value.contains(delim)) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("return-file field {value:?} holds a line break or the delimiter"),
            ));
        }
        if i > 0 {
            line.push(delim as u8);
        }
        let encoded = if csv { csv_field_into(encoding, value, delim, &mut line) } else { encode_into(encoding, value, &mut line) };
        encoded.map_err(|c| io::Error::new(io::ErrorKind::InvalidData, format!("{value:?} holds {c:?}, which GBK cannot represent")))?;
    }
    line.extend_from_slice(ending);
    out.write_all(&line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::GBK;

    fn gbk(text: &str) -> Vec<u8> {
        let (bytes, _, had_errors) = GBK.encode(text);
        assert!(!had_errors);
        bytes.into_owned()
    }

    /// Six lines as a bank would send them: paid, and failed for each kind of reason.
    fn bank_file(layout: &str) -> Vec<u8> {
        let mut out = Vec::new();
        write_return_header(layout, &mut out).unwrap();
        let lines =
            [(true, ""), (false, "户名不符"), (false, "账号不存在"), (false, "账户冻结"), (false, "账户已销户"), (false, "余额不足")];
        for (i, (ok, reason)) in lines.into_iter().enumerate() {
            write_return_line(layout, &mut out, &format!("JZ{i}"), "6222020200001234567", Fen(12_345), ok, reason).unwrap();
        }
        out
    }

    fn outcomes(layout: &str, bytes: &[u8]) -> Vec<(u64, Outcome)> {
        read_returns(layout, bytes).unwrap().map(|l| l.map(|l| (l.line_no, l.outcome)).unwrap()).collect()
    }

    fn expected(first_line: u64) -> Vec<(u64, Outcome)> {
        let outcomes = [
            Outcome::Paid,
            Outcome::Failed(FailureReason::NameMismatch),
            Outcome::Failed(FailureReason::NoSuchAccount),
            Outcome::Failed(FailureReason::Frozen),
            Outcome::Failed(FailureReason::Closed),
            Outcome::Failed(FailureReason::Other("余额不足".into())),
        ];
        outcomes.into_iter().enumerate().map(|(i, o)| (first_line + i as u64, o)).collect()
    }

    #[test]
    fn csv_utf8_return_files_are_read_and_reasons_normalised() {
        let bytes = bank_file("csv-utf8");
        assert!(bytes.starts_with(b"reference,account,amount,result,reason\nJZ0,6222020200001234567,123.45,\xE6\x88\x90\xE5\x8A\x9F,\n"));
        assert_eq!(outcomes("csv-utf8", &bytes), expected(2));
        let first = read_returns("csv-utf8", bytes.as_slice()).unwrap().next().unwrap().unwrap();
        assert_eq!(
            first,
            ReturnLine {
                line_no: 2,
                reference: "JZ0".into(),
                account: "6222020200001234567".into(),
                amount: Fen(12_345),
                outcome: Outcome::Paid
            }
        );
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), &bytes].concat();
        assert_eq!(outcomes("csv-utf8", &with_bom), expected(2));
    }

    #[test]
    fn pipe_gbk_return_files_are_read_and_reasons_normalised() {
        let bytes = bank_file("pipe-gbk");
        assert!(bytes.starts_with(&gbk("JZ0|6222020200001234567|123.45|成功|\r\nJZ1|6222020200001234567|123.45|失败|户名不符\r\n")));
        assert_eq!(outcomes("pipe-gbk", &bytes), expected(1));
    }

    #[test]
    fn reversals_blank_lines_and_a_trailing_pipe_are_understood() {
        let bytes = gbk("R1|622|10|冲正|客户账户已销户，款项退回\r\n\r\nR2|622|10.5|退回||\r\n R3 | 622 | 0.01 | 失败 | 账号错误 \r\n");
        let lines: Vec<ReturnLine> = read_returns("pipe-gbk", bytes.as_slice()).unwrap().map(Result::unwrap).collect();
        assert_eq!(lines[0].outcome, Outcome::Reversed(FailureReason::Closed));
        assert_eq!(lines[0].amount, Fen(1000));
        assert_eq!((lines[1].line_no, lines[1].amount), (3, Fen(1050)));
        assert_eq!(lines[1].outcome, Outcome::Reversed(FailureReason::Other(String::new())));
        assert_eq!((lines[2].reference.as_str(), &lines[2].outcome), ("R3", &Outcome::Failed(FailureReason::NoSuchAccount)));
    }

    #[test]
    fn the_layout_is_detected_from_the_first_bytes() {
        assert_eq!(detect_return_layout(&bank_file("csv-utf8")), "csv-utf8");
        assert_eq!(detect_return_layout(b"\xEF\xBB\xBFreference,account,amount,result,reason\r\n"), "csv-utf8");
        assert_eq!(detect_return_layout(&bank_file("pipe-gbk")), "pipe-gbk");
        assert_eq!(detect_return_layout(b""), "pipe-gbk");
        for name in RETURN_LAYOUTS {
            assert_eq!(detect_return_layout(&bank_file(name)), *name);
        }
    }

    #[test]
    fn a_malformed_amount_is_an_error_naming_the_line() {
        let text = "reference,account,amount,result,reason\nR1,622,12.345,成功,\nR2,622,-5.00,成功,\nR3,622,\"1,000.00\",成功,\nR4,622,0.00,成功,\nR5,622,abc,成功,\nR6,622,7.00,成功,\n";
        let results: Vec<_> = read_returns("csv-utf8", text.as_bytes()).unwrap().collect();
        assert_eq!(results.len(), 6, "an error in one line does not end the file");
        for (i, r) in results[..5].iter().enumerate() {
            let err = r.as_ref().unwrap_err();
            assert_eq!((err.line, err.field.as_str()), (i as u64 + 2, "amount"), "{err}");
        }
        assert!(results[0].as_ref().unwrap_err().zh_message().starts_with("第 2 行 金额："));
        assert_eq!(results[5].as_ref().unwrap().amount, Fen(700));
    }

    #[test]
    fn broken_lines_are_errors_naming_the_line() {
        let mut bytes = gbk("R1|622|1.00|成功|\r\n");
        bytes.extend_from_slice(b"R2|\xFF\xFF|1.00|\r\n");
        bytes.extend_from_slice(&gbk("R3|622|1.00|完成|\r\nR4|622|1.00\r\n|622|1.00|成功|\r\n"));
        let results: Vec<_> = read_returns("pipe-gbk", bytes.as_slice()).unwrap().collect();
        assert!(results[0].is_ok());
        let errs: Vec<(u64, String)> = results[1..].iter().map(|r| r.as_ref().unwrap_err()).map(|e| (e.line, e.field.clone())).collect();
        assert_eq!(errs, [(2, String::new()), (3, "result".into()), (4, String::new()), (5, "reference".into())]);
    }

    #[test]
    fn a_csv_without_its_column_row_or_an_unknown_layout_is_refused() {
        assert_eq!(read_returns("csv-utf8", &b"R1,622,1.00,\xE6\x88\x90\xE5\x8A\x9F,\n"[..]).err().unwrap().line, 1);
        assert!(read_returns("csv-utf8", &b""[..]).is_err());
        assert!(read_returns("xlsx", &b""[..]).is_err());
        assert_eq!(read_returns("pipe-gbk", &b""[..]).unwrap().count(), 0);
        assert!(write_return_line("xlsx", &mut Vec::new(), "R1", "622", Fen(1), true, "").is_err());
        assert!(write_return_line("pipe-gbk", &mut Vec::new(), "R1", "622", Fen(1), false, "a|b").is_err());
        assert!(write_return_line("pipe-gbk", &mut Vec::new(), "R1", "622", Fen(1), false, "😀").is_err());
    }

    #[test]
    fn failure_reasons_are_stored_and_restored() {
        let reasons = [
            FailureReason::NameMismatch,
            FailureReason::NoSuchAccount,
            FailureReason::Frozen,
            FailureReason::Closed,
            FailureReason::Other("余额不足".into()),
        ];
        for r in reasons {
            assert_eq!(FailureReason::parse_stored(r.as_str(), &r.zh()), r);
            assert!(!r.zh().is_empty() && !r.en().is_empty());
        }
        assert_eq!(FailureReason::parse_stored("something_new", "某原因"), FailureReason::Other("某原因".into()));
        for (text, want) in [("无此账户", "no_such_account"), ("冻结", "frozen"), ("销户", "closed"), ("账号户名不符", "name_mismatch")]
        {
            assert_eq!(FailureReason::from_bank_text(text).as_str(), want, "{text}");
        }
    }
}
