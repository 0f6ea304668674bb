//! [`BankFileWriter`]: payments out to a bank file of any layout, one line at a time.

use super::BankFileError;
use super::codec::{amount_str, char_boundary_at_most, csv_field_into, encode_into};
use super::layout::{Align, FieldKey, FieldSpec, HeaderField, Layout, LayoutKind, LineField, TextEncoding};
use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::Fen;
use std::io::{BufWriter, Write};

/// One payment as it goes to the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankLine<'a> {
    /// 流水号: jiuzhu's reference of the payment, what the return file quotes back.
    pub reference: &'a str,
    /// 户名: the account holder's name.
    pub name: &'a str,
    /// 证件号码: the resident ID number.
    pub id_number: &'a str,
    /// 账号
    pub account: &'a str,
    /// 金额: above zero.
    pub amount: Fen,
    /// 附言: may be empty.
    pub memo: &'a str,
}

/// The summary of a bank file: written as its header record where the layout has one, and
/// checked against the lines written in any layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// 日期, written `YYYYMMDD`.
    pub date: NaiveDate,
    /// 付款单位
    pub payer: String,
    /// 笔数
    pub count: u64,
    /// 总金额
    pub total: Fen,
}

/// Writes a bank file line by line: nothing but the current line is held.
///
/// Every value is checked before its line is written: a line with an error is not written at
/// all, and [`Self::finish`] then fails because the count no longer matches the header.
pub struct BankFileWriter<W: Write> {
    layout: &'static Layout,
    out: BufWriter<W>,
    line: Vec<u8>,
    header_count: u64,
    header_total: i64,
    /// Calls to `write`: the number of the payment in errors.
    attempted: u64,
    written: u64,
    total: i64,
    /// An I/O error happened: the file is incomplete.
    broken: bool,
}

impl<W: Write> BankFileWriter<W> {
    /// Writes the header line (where the layout has one) at once.
    pub fn new(layout: &'static Layout, out: W, header: &FileHeader) -> Result<Self, BankFileError> {
        if header.total.0 < 0 {
            return Err(BankFileError::new(0, "total", "总金额不能为负数", "the total cannot be negative"));
        }
        let mut w = BankFileWriter {
            layout,
            out: BufWriter::with_capacity(64 * 1024, out),
            line: Vec::with_capacity(256),
            header_count: header.count,
            header_total: header.total.0,
            attempted: 0,
            written: 0,
            total: 0,
            broken: false,
        };
        if layout.column_row {
            for (i, spec) in layout.fields.iter().enumerate() {
                put_field(layout, &mut w.line, 0, spec, spec.field.key(), i == 0)?;
            }
        } else if layout.has_header() {
            let d = header.date;
            if !(1000..=9999).contains(&d.year()) {
                return Err(BankFileError::new(0, "date", format!("日期 {d} 超出范围"), format!("date {d} is out of range")));
            }
            let date = format!("{:04}{:02}{:02}", d.year(), d.month(), d.day());
            let (mut count_buf, mut total_buf) = (itoa::Buffer::new(), [0u8; 24]);
            let count = count_buf.format(header.count);
            let total = amount_str(header.total.0.unsigned_abs(), &mut total_buf);
            for (i, spec) in layout.header.iter().enumerate() {
                let value = match spec.field {
                    HeaderField::Date => date.as_str(),
                    HeaderField::Payer => header.payer.as_str(),
                    HeaderField::Count => count,
                    HeaderField::Total => total,
                    HeaderField::Filler => "",
                };
                if spec.field == HeaderField::Payer && value.trim().is_empty() {
                    return Err(empty(0, spec.field.key()));
                }
                put_field(layout, &mut w.line, 0, spec, value, i == 0)?;
            }
        }
        if !w.line.is_empty() {
            w.line.extend_from_slice(layout.line_ending.bytes());
            w.out.write_all(&w.line).map_err(|e| BankFileError::io(0, true, &e))?;
        }
        Ok(w)
    }

    /// Writes one payment. Errors name the payment by its 1-based number: the number of calls.
    pub fn write(&mut self, line: &BankLine<'_>) -> Result<(), BankFileError> {
        self.attempted += 1;
        let no = self.attempted;
        if self.broken {
            return Err(BankFileError::new(no, "", "此前写入失败，文件不完整", "an earlier write failed; the file is incomplete"));
        }
        if line.amount.0 <= 0 {
            return Err(BankFileError::new(
                no,
                "amount",
                format!("金额 {} 必须大于 0：银行文件不发送零或负数金额", line.amount),
                format!("amount {} must be above 0: a bank file never carries a zero or negative amount", line.amount),
            ));
        }
        let total = self
            .total
            .checked_add(line.amount.0)
            .ok_or_else(|| BankFileError::new(no, "amount", "总金额超出可表示的范围", "the total is beyond what can be represented"))?;
        let layout = self.layout;
        let mut amount_buf = [0u8; 24];
        let amount = amount_str(line.amount.0.unsigned_abs(), &mut amount_buf);
        self.line.clear();
        for (i, spec) in layout.fields.iter().enumerate() {
            let value = match spec.field {
                LineField::Reference => line.reference,
                LineField::Name => line.name,
                LineField::IdNumber => line.id_number,
                LineField::Account => line.account,
                LineField::Amount => amount,
                LineField::Memo => line.memo,
                LineField::IdType => spec.value.as_deref().unwrap_or_default(),
                LineField::Filler => "",
            };
            let required = matches!(spec.field, LineField::Reference | LineField::Name | LineField::IdNumber | LineField::Account);
            if required && value.trim().is_empty() {
                return Err(empty(no, spec.field.key()));
            }
            put_field(layout, &mut self.line, no, spec, value, i == 0)?;
        }
        self.line.extend_from_slice(layout.line_ending.bytes());
        if let Err(e) = self.out.write_all(&self.line) {
            self.broken = true;
            return Err(BankFileError::io(no, true, &e));
        }
        self.written += 1;
        self.total = total;
        Ok(())
    }

    /// Payments written so far.
    pub fn count(&self) -> u64 {
        self.written
    }

    /// Their total.
    pub fn total(&self) -> Fen {
        Fen(self.total)
    }

    /// Checks that the lines written match header.count/total (error otherwise), flushes, returns the inner writer.
    pub fn finish(mut self) -> Result<W, BankFileError> {
        if self.broken {
            return Err(BankFileError::new(0, "", "此前写入失败，文件不完整", "an earlier write failed; the file is incomplete"));
        }
        if self.written != self.header_count {
            return Err(BankFileError::new(
                0,
                "count",
                format!("已写入 {} 笔，文件头为 {} 笔", self.written, self.header_count),
                format!("{} payments were written but the header says {}", self.written, self.header_count),
            ));
        }
        if self.total != self.header_total {
            return Err(BankFileError::new(
                0,
                "total",
                format!("已写入金额合计 {}，文件头为 {}", Fen(self.total), Fen(self.header_total)),
                format!("the payments written total {} but the header says {}", Fen(self.total), Fen(self.header_total)),
            ));
        }
        self.out.flush().map_err(|e| BankFileError::io(0, true, &e))?;
        self.out.into_inner().map_err(|e| BankFileError::io(0, true, e.error()))
    }
}

fn empty(line: u64, key: &str) -> BankFileError {
    BankFileError::new(line, key, "不能为空", "must not be empty")
}

/// Whether an error may quote the value: not ID numbers and accounts, which end up in logs.
fn shown(key: &str, value: &str) -> Option<String> {
    match key {
        "id_number" | "account" => None,
        _ => Some(value.to_string()),
    }
}

/// Appends one field of a record to `out` (with the delimiter before it unless `first`).
pub(crate) fn put_field<K: FieldKey>(
    layout: &Layout,
    out: &mut Vec<u8>,
    line: u64,
    spec: &FieldSpec<K>,
    value: &str,
    first: bool,
) -> Result<(), BankFileError> {
    let key = spec.field.key();
    if value.chars().any(char::is_control) {
        return Err(BankFileError::new(line, key, "含有换行或其他控制字符", "contains a line break or another control character"));
    }
    let encoded = match layout.kind {
        LayoutKind::Csv => {
            if !first {
                out.push(layout.delim as u8);
            }
            csv_field_into(layout.encoding, value, layout.delim, out)
        }
        LayoutKind::Delimited => {
            if value.contains(layout.delim) {
                let d = layout.delim;
                return Err(match shown(key, value) {
                    Some(v) => {
                        BankFileError::new(line, key, format!("“{v}”含有分隔符“{d}”"), format!("\"{v}\" contains the delimiter \"{d}\""))
                    }
                    None => BankFileError::new(line, key, format!("含有分隔符“{d}”"), format!("contains the delimiter \"{d}\"")),
                });
            }
            if !first {
                out.push(layout.delim as u8);
            }
            encode_into(layout.encoding, value, out)
        }
        LayoutKind::Fixed => {
            let start = out.len();
            let encoded = encode_into(layout.encoding, value, out);
            if encoded.is_ok() {
                fit(layout.encoding, out, start, line, spec, value)?;
            }
            encoded
        }
    };
    encoded.map_err(|c| unmappable(layout.encoding, line, key, value, c))
}

/// Pads or cuts the field encoded at `out[start..]` to its fixed width.
fn fit<K: FieldKey>(
    encoding: TextEncoding,
    out: &mut Vec<u8>,
    start: usize,
    line: u64,
    spec: &FieldSpec<K>,
    value: &str,
) -> Result<(), BankFileError> {
    let width = spec.width();
    let len = out.len() - start;
    if len > width {
        if !spec.truncate {
            let key = spec.field.key();
            return Err(match shown(key, value) {
                Some(v) => BankFileError::new(
                    line,
                    key,
                    format!("“{v}”有 {len} 字节，超过了 {width} 字节的宽度"),
                    format!("\"{v}\" is {len} bytes, wider than the field's {width} bytes"),
                ),
                None => BankFileError::new(
                    line,
                    key,
                    format!("有 {len} 字节，超过了 {width} 字节的宽度"),
                    format!("is {len} bytes, wider than the field's {width} bytes"),
                ),
            });
        }
        let cut = char_boundary_at_most(encoding, &out[start..], width);
        out.truncate(start + cut);
    }
    let len = out.len() - start;
    out.resize(start + width, spec.pad().byte());
    if spec.align() == Align::Right {
        out[start..].rotate_right(width - len);
    }
    Ok(())
}

fn unmappable(encoding: TextEncoding, line: u64, key: &str, value: &str, c: char) -> BankFileError {
    let enc = encoding.label();
    let what = super::field_zh(key);
    match shown(key, value) {
        Some(v) => BankFileError::new(
            line,
            key,
            format!("“{v}”含有 {enc} 无法表示的字“{c}”，请核对{what}后重新导出"),
            format!("\"{v}\" contains \"{c}\", which {enc} cannot represent; check the value and export again"),
        ),
        None => BankFileError::new(
            line,
            key,
            format!("含有 {enc} 无法表示的字符“{c}”，请核对{what}后重新导出"),
            format!("contains \"{c}\", which {enc} cannot represent; check the value and export again"),
        ),
    }
}
