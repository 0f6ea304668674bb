//! [`read_back`]: a written bank file read again before it leaves, line by line.

use super::BankFileError;
use super::codec::{Ending, Fields, LineReader, Next, decode_into, parse_amount_text};
use super::layout::{Align, FieldKey, FieldSpec, HeaderField, Layout, LayoutKind, LineEnding, LineField, Pad};
use chrono::NaiveDate;
use jiuzhu_domain::Fen;
use std::io::BufRead;

/// What a read-back found: every payment line parsed, counted and summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadBack {
    pub count: u64,
    pub total: Fen,
}

/// Reads a written file back (streaming from a BufRead): parses every line, counts them and sums
/// amounts; the count and total must equal the header's (where the layout has one) AND the
/// `expected` the caller passes. Returns the summary.
///
/// Also refused: a line ending other than the layout's (a file converted to LF on the way), an
/// empty line, a record of the wrong width or with the wrong number of fields, bytes that are not
/// valid in the layout's encoding, an amount that is not 元 with two decimals or not above 0.
pub fn read_back(layout: &Layout, input: impl BufRead, expected_count: u64, expected_total: Fen) -> Result<ReadBack, BankFileError> {
    let mut r = RecordReader { layout, lines: LineReader::new(input), text: String::new(), fields: Fields::default() };
    let mut header = None;
    if layout.column_row {
        if !r.next(0, &layout.fields)? {
            return Err(empty_file());
        }
        let names = r.fields.get();
        if names.len() != layout.fields.len() || names.iter().zip(&layout.fields).any(|(n, f)| n != f.field.key()) {
            let want: Vec<&str> = layout.fields.iter().map(|f| f.field.key()).collect();
            let want = want.join(&layout.delim.to_string());
            return Err(BankFileError::new(0, "", format!("首行列名应为 {want}"), format!("the first row must name the columns: {want}")));
        }
    } else if layout.has_header() {
        if !r.next(0, &layout.header)? {
            return Err(empty_file());
        }
        header = Some(check_header(layout, r.fields.get())?);
    }
    let (mut count, mut total) = (0u64, 0i64);
    while r.next(count + 1, &layout.fields)? {
        let amount = check_line(layout, count + 1, r.fields.get())?;
        count += 1;
        total = total
            .checked_add(amount)
            .ok_or_else(|| BankFileError::new(count, "amount", "总金额超出可表示的范围", "the total is beyond what can be represented"))?;
    }
    if let Some((header_count, header_total)) = header {
        if header_count != count {
            return Err(BankFileError::new(
                0,
                "count",
                format!("文件头笔数为 {header_count}，明细实有 {count} 笔"),
                format!("the header says {header_count} payments but the file has {count} lines"),
            ));
        }
        if header_total != total {
            return Err(BankFileError::new(
                0,
                "total",
                format!("文件头总金额为 {}，明细合计 {}", Fen(header_total), Fen(total)),
                format!("the header total is {} but the lines add up to {}", Fen(header_total), Fen(total)),
            ));
        }
    }
    if count != expected_count {
        return Err(BankFileError::new(
            0,
            "count",
            format!("文件有 {count} 笔，应为 {expected_count} 笔"),
            format!("the file has {count} payments but {expected_count} were expected"),
        ));
    }
    if total != expected_total.0 {
        return Err(BankFileError::new(
            0,
            "total",
            format!("文件金额合计 {}，应为 {}", Fen(total), expected_total),
            format!("the file's payments total {} but {} was expected", Fen(total), expected_total),
        ));
    }
    Ok(ReadBack { count, total: Fen(total) })
}

fn empty_file() -> BankFileError {
    BankFileError::new(0, "", "文件为空", "the file is empty")
}

/// Reads records into reused buffers.
struct RecordReader<'l, R> {
    layout: &'l Layout,
    lines: LineReader<R>,
    text: String,
    fields: Fields,
}

impl<R: BufRead> RecordReader<'_, R> {
    /// Reads the next record into `self.fields` (trimmed of fixed-width padding). `false`: the end.
    fn next<K: FieldKey>(&mut self, no: u64, specs: &[FieldSpec<K>]) -> Result<bool, BankFileError> {
        let layout = self.layout;
        let ending = match self.lines.next_line().map_err(|e| BankFileError::io(no, false, &e))? {
            Next::Eof => return Ok(false),
            Next::TooLong => {
                return Err(BankFileError::new(no, "", "这一行过长，不是本格式的文件", "the line is far too long for this layout"));
            }
            Next::Line(ending) => ending,
        };
        let (want, want_name) = match layout.line_ending {
            LineEnding::Lf => (Ending::Lf, "LF"),
            LineEnding::Crlf => (Ending::CrLf, "CRLF"),
        };
        if ending != want {
            let (got_zh, got_en) = match ending {
                Ending::Lf => ("LF", "LF"),
                Ending::CrLf => ("CRLF", "CRLF"),
                Ending::None => ("无换行", "none"),
            };
            return Err(BankFileError::new(
                no,
                "",
                format!("行尾应为 {want_name}，实为 {got_zh}"),
                format!("the line must end with {want_name}, it ends with {got_en}"),
            ));
        }
        let content = self.lines.content();
        if content.is_empty() {
            return Err(BankFileError::new(no, "", "空行", "an empty line"));
        }
        self.fields.clear();
        if layout.kind == LayoutKind::Fixed {
            if content.len() != layout.width {
                return Err(BankFileError::new(
                    no,
                    "",
                    format!("记录有 {} 字节，应为 {} 字节", content.len(), layout.width),
                    format!("the record is {} bytes, it must be {}", content.len(), layout.width),
                ));
            }
            let mut at = 0;
            for spec in specs {
                let bytes = &content[at..at + spec.width()];
                at += spec.width();
                let buf = self.fields.push();
                if !decode_into(layout.encoding, bytes, buf) {
                    return Err(BankFileError::new(
                        no,
                        spec.field.key(),
                        format!("不是有效的 {} 文字（可能从汉字中间截断）", layout.encoding.label()),
                        format!("is not valid {} text (perhaps a character was cut in half)", layout.encoding.label()),
                    ));
                }
                if spec.align() == Align::Left {
                    let keep = buf.trim_end_matches(' ').len();
                    buf.truncate(keep);
                } else if spec.pad() == Pad::Space {
                    let drop = buf.len() - buf.trim_start_matches(' ').len();
                    buf.drain(..drop);
                }
            }
        } else {
            if !decode_into(layout.encoding, content, &mut self.text) {
                return Err(BankFileError::new(no, "", "含有无效的编码字节", "holds bytes that are not valid in the file's encoding"));
            }
            if layout.kind == LayoutKind::Csv {
                self.fields.split_csv(&self.text, layout.delim).map_err(|(zh, en)| BankFileError::new(no, "", zh, en))?;
            } else {
                self.fields.split_plain(&self.text, layout.delim);
            }
            let got = self.fields.get().len();
            if got != specs.len() {
                return Err(BankFileError::new(
                    no,
                    "",
                    format!("应有 {} 个字段，实有 {got} 个", specs.len()),
                    format!("the line must have {} fields, it has {got}", specs.len()),
                ));
            }
        }
        for (spec, value) in specs.iter().zip(self.fields.get()) {
            if value.chars().any(char::is_control) {
                return Err(BankFileError::new(no, spec.field.key(), "含有控制字符", "contains a control character"));
            }
        }
        Ok(true)
    }
}

fn bad_amount(no: u64, key: &str, value: &str) -> BankFileError {
    BankFileError::new(
        no,
        key,
        format!("“{value}”不是以元为单位、两位小数的金额（如 1234.56）"),
        format!("\"{value}\" is not an amount in yuan with two decimals (e.g. 1234.56)"),
    )
}

/// Checks one payment line and returns its amount in fen.
fn check_line(layout: &Layout, no: u64, values: &[String]) -> Result<i64, BankFileError> {
    let mut amount = 0;
    for (spec, value) in layout.fields.iter().zip(values) {
        let key = spec.field.key();
        match spec.field {
            LineField::Reference | LineField::Name | LineField::IdNumber | LineField::Account => {
                if value.trim().is_empty() {
                    return Err(BankFileError::new(no, key, "为空", "is empty"));
                }
            }
            LineField::Amount => {
                amount = parse_amount_text(value, true).ok_or_else(|| bad_amount(no, key, value))?;
                if amount <= 0 {
                    return Err(BankFileError::new(no, key, "金额必须大于 0", "the amount must be above 0"));
                }
            }
            LineField::IdType => {
                let want = spec.value.as_deref().unwrap_or_default();
                if value != want {
                    return Err(BankFileError::new(
                        no,
                        key,
                        format!("应为 {want}，实为“{value}”"),
                        format!("must be {want}, it is \"{value}\""),
                    ));
                }
            }
            LineField::Filler => {
                if !value.is_empty() {
                    return Err(BankFileError::new(no, key, "应为空白", "must be blank"));
                }
            }
            LineField::Memo => {}
        }
    }
    Ok(amount)
}

/// Checks the header record and returns its count and total.
fn check_header(layout: &Layout, values: &[String]) -> Result<(u64, i64), BankFileError> {
    let (mut count, mut total) = (0, 0);
    for (spec, value) in layout.header.iter().zip(values) {
        let key = spec.field.key();
        match spec.field {
            HeaderField::Date => {
                let valid =
                    value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) && NaiveDate::parse_from_str(value, "%Y%m%d").is_ok();
                if !valid {
                    return Err(BankFileError::new(
                        0,
                        key,
                        format!("“{value}”不是 YYYYMMDD 格式的日期"),
                        format!("\"{value}\" is not a YYYYMMDD date"),
                    ));
                }
            }
            HeaderField::Payer => {
                if value.trim().is_empty() {
                    return Err(BankFileError::new(0, key, "为空", "is empty"));
                }
            }
            HeaderField::Count => {
                count = match value.bytes().all(|b| b.is_ascii_digit()).then(|| value.parse::<u64>()) {
                    Some(Ok(n)) => n,
                    _ => {
                        return Err(BankFileError::new(0, key, format!("“{value}”不是笔数"), format!("\"{value}\" is not a count")));
                    }
                };
            }
            HeaderField::Total => total = parse_amount_text(value, true).ok_or_else(|| bad_amount(0, key, value))?,
            HeaderField::Filler => {
                if !value.is_empty() {
                    return Err(BankFileError::new(0, key, "应为空白", "must be blank"));
                }
            }
        }
    }
    Ok((count, total))
}
