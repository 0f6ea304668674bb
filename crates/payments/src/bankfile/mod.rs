//! Bank files (银行代发文件): the files jiuzhu hands a bank to pay households, and the return files
//! (回盘文件) the bank sends back.
//!
//! - Layouts are data: one YAML file per layout in `crates/payments/layouts/`, embedded in the
//!   binary ([`layouts`], [`layout`]). Adding a layout is a YAML file and one line in `layout.rs`.
//! - [`BankFileWriter`] streams payments into a file of a layout, one line at a time; [`read_back`]
//!   reads the written file again, line by line, and checks the count and the total against the
//!   header and against what the caller expected.
//! - [`read_returns`] streams a bank's return file; [`detect_return_layout`] tells its layout.
//!
//! Nothing here holds a whole file: 1,000,000 lines are written and read in bounded memory.
//!
//! Amounts are 元 with exactly two decimals, made from integer fen ([`Fen`](jiuzhu_domain::Fen)), never floating point;
//! a bank file never carries a zero or negative amount.
//!
//! Line numbers in errors ([`BankFileError::line`]): in bank files, the 1-based number of the payment,
//! the same number the writer counts (the header record or column row is line 0); in return files,
//! the 1-based line of the file as an editor shows it (a CSV column row is line 1).

mod codec;
mod layout;
mod read;
mod returns;
mod write;

#[cfg(test)]
mod tests;

pub use codec::{format_amount, parse_amount};
pub use layout::{Layout, LayoutKind, LineEnding, TextEncoding, layout, layouts};
pub use read::{ReadBack, read_back};
pub use returns::{
    FailureReason, Outcome, RETURN_LAYOUTS, ReturnLine, detect_return_layout, read_returns, write_return_header, write_return_line,
};
pub use write::{BankFileWriter, BankLine, FileHeader};

use std::fmt;

/// What is wrong with a bank file or a return file, where, in Chinese and in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankFileError {
    /// See the module documentation; 0 is the file as a whole or its header.
    pub line: u64,
    /// The English key of the field (`name`, `amount`, …), empty when the whole line or file is wrong.
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl BankFileError {
    pub fn new(line: u64, field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        BankFileError { line, field: field.to_string(), zh: zh.into(), en: en.into() }
    }

    pub(crate) fn io(line: u64, writing: bool, e: &std::io::Error) -> Self {
        if writing {
            BankFileError::new(line, "", format!("写入文件失败：{e}"), format!("could not write the file: {e}"))
        } else {
            BankFileError::new(line, "", format!("读取文件失败：{e}"), format!("could not read the file: {e}"))
        }
    }

    /// The Chinese name of [`Self::field`] (`户名` for `name`).
    pub fn field_zh(&self) -> &str {
        field_zh(&self.field)
    }

    /// `第 12 行 户名：…`, `文件 总金额：…` (line 0), `文件：…`.
    pub fn zh_message(&self) -> String {
        let place = if self.line == 0 { "文件".to_string() } else { format!("第 {} 行", self.line) };
        if self.field.is_empty() { format!("{place}：{}", self.zh) } else { format!("{place} {}：{}", self.field_zh(), self.zh) }
    }
}

impl fmt::Display for BankFileError {
    /// `line 12, field name: …`, `file, field total: …` (line 0), `file: …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.field.is_empty()) {
            (0, true) => write!(f, "file: {}", self.en),
            (0, false) => write!(f, "file, field {}: {}", self.field, self.en),
            (n, true) => write!(f, "line {n}: {}", self.en),
            (n, false) => write!(f, "line {n}, field {}: {}", self.field, self.en),
        }
    }
}

impl std::error::Error for BankFileError {}

/// The Chinese name of a field key, as bank staff call it.
pub fn field_zh(key: &str) -> &str {
    match key {
        "reference" => "流水号",
        "name" => "户名",
        "id_number" => "证件号码",
        "id_type" => "证件类型",
        "account" => "账号",
        "amount" => "金额",
        "memo" => "附言",
        "date" => "日期",
        "payer" => "付款单位",
        "count" => "笔数",
        "total" => "总金额",
        "result" => "处理结果",
        "reason" => "失败原因",
        "filler" => "填充",
        other => other,
    }
}
