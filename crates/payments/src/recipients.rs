//! 存量对象名单: the rows of a recipients list taken over from another system (Excel or CSV, the
//! provincial system's export), read into checked rows. Pure: the header mapped to columns,
//! each cell judged, every problem named by row and column in both languages. The service
//! ([`crate::service`]) then looks each row up in the registry.

use crate::rules::Settings;
use chrono::NaiveDate;
use jiuzhu_domain::payment::{Programme, check_account_number, parse_month};
use jiuzhu_domain::{BankAccount, Fen, FieldError, IdNumber};
use serde::Serialize;

/// The columns, each with the headers it is known by (Chinese first; the English code works too).
pub const COLUMNS: [(&str, &[&str], bool); 7] = [
    ("id_number", &["身份证号", "身份证号码", "公民身份号码"], true),
    ("name", &["姓名", "户主姓名", "领取人姓名"], true),
    ("programme", &["救助类别", "保障类别", "项目"], true),
    ("start_month", &["起始月份", "享受起始月份", "保障起始年月"], true),
    ("monthly_amount", &["月保障金额", "月发放金额", "月保障金（元）", "月发放金额（元）"], true),
    ("bank", &["开户银行", "银行"], false),
    ("account", &["银行账号", "账号", "银行卡号"], false),
];

/// One problem: the row as a clerk sees it (the header is row 1; 0 is the file), the column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: u64,
    pub column: String,
    pub zh: String,
    pub en: String,
}

impl RowProblem {
    pub fn new(row: u64, column: &str, zh: impl Into<String>, en: impl Into<String>) -> RowProblem {
        RowProblem { row, column: column.to_string(), zh: zh.into(), en: en.into() }
    }

    fn from_field(row: u64, e: FieldError) -> RowProblem {
        RowProblem { row, column: e.field, zh: e.zh, en: e.en }
    }

    /// `第 3 行 月保障金额：…`
    pub fn to_text(&self) -> String {
        let label = COLUMNS.iter().find(|c| c.0 == self.column).map(|c| c.1[0]).unwrap_or(self.column.as_str());
        match (self.row, label.is_empty()) {
            (0, true) => format!("{} / {}", self.zh, self.en),
            (0, false) => format!("表头 {label}：{} / header {}: {}", self.zh, self.column, self.en),
            (r, _) => format!("第 {r} 行 {label}：{} / row {r} {}: {}", self.zh, self.column, self.en),
        }
    }
}

/// A row that passed its own checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    pub row: u64,
    pub id_number: String,
    pub name: String,
    pub programme: Programme,
    pub since: NaiveDate,
    pub amount: Fen,
    pub account: Option<BankAccount>,
}

/// Where each column is in the file.
#[derive(Debug, Clone)]
pub struct Header {
    at: [Option<usize>; 7],
}

impl Header {
    /// Maps the header row; a required column missing is a problem of row 1.
    pub fn read(cells: &[String]) -> Result<Header, Vec<RowProblem>> {
        let mut at = [None; 7];
        for (i, cell) in cells.iter().enumerate() {
            let name = cell.trim().trim_start_matches('\u{feff}');
            if let Some(c) = COLUMNS.iter().position(|(code, zh, _)| *code == name || zh.contains(&name)) {
                at[c] = Some(i);
            }
        }
        let missing: Vec<RowProblem> = COLUMNS
            .iter()
            .zip(at)
            .filter(|((_, _, required), at)| *required && at.is_none())
            .map(|((code, zh, _), _)| {
                RowProblem::new(1, code, format!("缺少“{}”列", zh[0]), format!("the column \"{code}\" ({}) is missing", zh[0]))
            })
            .collect();
        if missing.is_empty() { Ok(Header { at }) } else { Err(missing) }
    }

    fn cell<'a>(&self, cells: &'a [String], column: usize) -> &'a str {
        self.at[column].and_then(|i| cells.get(i)).map(|s| s.trim()).unwrap_or("")
    }

    /// Checks one data row read on `today` (no start month after the current one).
    pub fn row(&self, row: u64, cells: &[String], today: NaiveDate, settings: &Settings) -> Result<RecipientRow, Vec<RowProblem>> {
        let mut problems = Vec::new();
        let mut required = |column: usize| {
            let v = self.cell(cells, column);
            if v.is_empty() {
                let (code, zh, _) = COLUMNS[column];
                problems.push(RowProblem::new(row, code, format!("“{}”不能为空", zh[0]), format!("{code} is empty")));
            }
            v.to_string()
        };
        let (id, name, programme, start, amount) = (required(0), required(1), required(2), required(3), required(4));
        if !problems.is_empty() {
            return Err(problems);
        }
        let id_number = match IdNumber::parse(&id, today) {
            Ok(n) => Some(n.as_str().to_string()),
            Err(_) => {
                problems.push(RowProblem::new(
                    row,
                    "id_number",
                    "身份证号不正确（位数、出生日期或校验位不符）",
                    "not a valid resident ID number (length, birth date or check digit)",
                ));
                None
            }
        };
        let programme = match programme.as_str() {
            "低保" | "最低生活保障" | "dibao" => Some(Programme::Dibao),
            "特困" | "特困供养" | "特困人员供养" | "tekun" => Some(Programme::Tekun),
            other => {
                problems.push(RowProblem::new(
                    row,
                    "programme",
                    format!("救助类别“{other}”应为“低保”或“特困”（临时救助是一次性发放，不迁移）"),
                    format!("programme \"{other}\" must be 低保 (dibao) or 特困 (tekun); temporary assistance is one-off and not migrated"),
                ));
                None
            }
        };
        let since = match parse_month("start_month", &start.replace(['/', '.'], "-").replace('年', "-").replace('月', "")) {
            Ok(m) if m > today => {
                problems.push(RowProblem::new(
                    row,
                    "start_month",
                    format!("起始月份 {start} 在本月之后：存量对象应已在享受"),
                    format!("start month {start} is after this month: an existing recipient is already paid"),
                ));
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                problems.push(RowProblem::from_field(row, e));
                None
            }
        };
        let amount = match Fen::parse_yuan("monthly_amount", &amount) {
            Ok(a) if a.0 <= 0 => {
                problems.push(RowProblem::new(row, "monthly_amount", "月保障金额应大于 0", "the monthly amount must be above 0"));
                None
            }
            Ok(a) => match programme {
                Some(p) if a > settings.max_for(p) => {
                    problems.push(RowProblem::new(
                        row,
                        "monthly_amount",
                        format!("月保障金额 {a} 元超过{}的合理上限 {} 元：请核对是否多写了位数", p.zh(), settings.max_for(p)),
                        format!("{a} is above the plausible maximum {} for {}: check for a typo", settings.max_for(p), p.as_str()),
                    ));
                    None
                }
                _ => Some(a),
            },
            Err(e) => {
                problems.push(RowProblem::from_field(row, e));
                None
            }
        };
        let (bank, account_no) = (self.cell(cells, 5), self.cell(cells, 6));
        let account = match (bank.is_empty(), account_no.is_empty()) {
            (_, true) => None,
            (true, false) => {
                problems.push(RowProblem::new(row, "bank", "填写了银行账号，请同时填写开户银行", "an account needs its bank"));
                None
            }
            (false, false) => match check_account_number("account", account_no) {
                Ok(no) => Some(BankAccount { bank: bank.to_string(), account_no: no }),
                Err(e) => {
                    problems.push(RowProblem::from_field(row, e));
                    None
                }
            },
        };
        match (id_number, programme, since, amount) {
            (Some(id_number), Some(programme), Some(since), Some(amount)) if problems.is_empty() => {
                Ok(RecipientRow { row, id_number, name, programme, since, amount, account })
            }
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()
    }

    const ID: &str = "620825195001010016";

    fn header() -> Header {
        Header::read(&cells(&["身份证号", "姓名", "救助类别", "起始月份", "月保障金额", "开户银行", "银行账号"])).unwrap()
    }

    #[test]
    fn a_header_in_chinese_or_english_maps_and_a_missing_column_is_named() {
        assert!(Header::read(&cells(&["id_number", "name", "programme", "start_month", "monthly_amount"])).is_ok());
        let e = Header::read(&cells(&["\u{feff}身份证号", "姓名", "救助类别", "起始月份"])).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].row, e[0].column.as_str()), (1, "monthly_amount"));
        assert!(e[0].to_text().contains("第 1 行 月保障金额：缺少"), "{}", e[0].to_text());
    }

    #[test]
    fn a_good_row_reads_with_its_account() {
        let r = header()
            .row(2, &cells(&[ID, "王建国", "低保", "2019/03", "900.00", "农信社", "6228480000000000018"]), today(), &Settings::default())
            .unwrap();
        assert_eq!((r.programme, r.since, r.amount), (Programme::Dibao, NaiveDate::from_ymd_opt(2019, 3, 1).unwrap(), Fen(90_000)));
        assert_eq!(r.account.unwrap().account_no, "6228480000000000018");
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let h = header();
        let s = Settings::default();
        let cases: [(&[&str], &str); 8] = [
            (&["620825195001010017", "王", "低保", "2019-03", "900", "", ""], "id_number"),
            (&[ID, "王", "临时救助", "2019-03", "900", "", ""], "programme"),
            (&[ID, "王", "低保", "2027-02", "900", "", ""], "start_month"),
            (&[ID, "王", "低保", "2019-13", "900", "", ""], "start_month"),
            (&[ID, "王", "低保", "2019-03", "0", "", ""], "monthly_amount"),
            (&[ID, "王", "低保", "2019-03", "10000.01", "", ""], "monthly_amount"),
            (&[ID, "王", "低保", "2019-03", "900", "", "6228480000000000017"], "bank"),
            (&[ID, "王", "低保", "2019-03", "900", "农信社", "6228480000000000017"], "account"),
        ];
        for (row, column) in cases {
            let e = h.row(7, &cells(row), today(), &s).unwrap_err();
            assert_eq!((e[0].row, e[0].column.as_str()), (7, column), "{row:?}: {e:?}");
        }
        // Exactly at the maximum, one fen below: accepted; the current month is accepted.
        for (amount, month) in [("10000.00", "2027-01"), ("9999.99", "2019-03")] {
            assert!(h.row(2, &cells(&[ID, "王", "低保", month, amount, "", ""]), today(), &s).is_ok(), "{amount} {month}");
        }
        let empty = h.row(3, &cells(&["", "", "低保", "2019-03", "900"]), today(), &s).unwrap_err();
        assert_eq!(empty.iter().map(|p| p.column.as_str()).collect::<Vec<_>>(), ["id_number", "name"]);
    }
}
