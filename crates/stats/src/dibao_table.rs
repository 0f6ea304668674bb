//! 城市/农村最低生活保障情况月报: the official monthly table, one row per region (the children of
//! the region asked for), then 合计. Counts come from [`crate::counts`]; this module only lays
//! them out and does the table's own arithmetic (万元 to two places, 人均补助 to the fen, 环比).

use crate::counts::{DibaoCounts, VillageCounts, within};
use crate::facts::Cause;
use jiuzhu_domain::{Area, RegionCode};

/// One cell as the table shows it. Money is kept in fen; the unit is the column's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// Shown in 万元, two places, half up.
    Wan(i64),
    /// Shown in 元, two places.
    Yuan(i64),
    /// A change from last month in percent, one place; `None` when last month had none.
    Change(Option<(i64, i64)>),
    /// Nothing to show (a 合计 row's standard when its rows differ).
    Blank,
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Text(t) => f.write_str(t),
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Wan(fen) => {
                // 1 万元 = 1,000,000 fen; hundredths of 万元 = fen / 10,000, rounded half up.
                let h = (fen.abs() + 5_000) / 10_000;
                write!(f, "{}{}.{:02}", if *fen < 0 { "-" } else { "" }, h / 100, h % 100)
            }
            Cell::Yuan(fen) => write!(f, "{}{}.{:02}", if *fen < 0 { "-" } else { "" }, fen.abs() / 100, fen.abs() % 100),
            Cell::Change(None) | Cell::Blank => f.write_str("—"),
            Cell::Change(Some((now, last))) => {
                // Tenths of a percent, half away from zero.
                let tenths = ((now - last) * 2000 / last + if now >= last { 1 } else { -1 }) / 2;
                write!(f, "{}{}.{}%", if tenths < 0 { "-" } else { "" }, tenths.abs() / 10, tenths.abs() % 10)
            }
        }
    }
}

/// The table's columns, in order (地区 first).
pub const COLUMNS: [&str; 30] = [
    "地区",
    "户数",
    "人数",
    "上期户数",
    "上期人数",
    "人数环比",
    "老年人",
    "成年人",
    "未成年人",
    "女性",
    "残疾人",
    "有劳动能力",
    "部分丧失劳动能力",
    "无劳动能力",
    "疾病",
    "残疾",
    "因学",
    "灾害",
    "缺乏劳动力",
    "其他",
    "当月新增户数",
    "当月新增人数",
    "当月退出户数",
    "当月退出人数",
    "当月资金支出（万元）",
    "其中：低保金（万元）",
    "分类施保（万元）",
    "其他补贴（万元）",
    "当月人均补助水平（元）",
    "低保标准（元/人·月）",
];

/// One row: its region (none for 合计), its counts and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub region: Option<RegionCode>,
    pub counts: DibaoCounts,
    pub cells: Vec<Cell>,
}

/// The table of one month and one area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub title: String,
    pub rows: Vec<Row>,
    pub total: Row,
}

/// 人均补助水平: the month's spending over the people covered, to the fen, half up.
pub fn per_person(paid: i64, persons: i64) -> Option<i64> {
    (persons > 0).then(|| (2 * paid + persons) / (2 * persons))
}

fn cells(name: String, c: &DibaoCounts, standard: Option<i64>) -> Vec<Cell> {
    let mut out = vec![
        Cell::Text(name),
        Cell::Count(c.households),
        Cell::Count(c.persons),
        Cell::Count(c.last_households),
        Cell::Count(c.last_persons),
        Cell::Change((c.last_persons > 0).then_some((c.persons, c.last_persons))),
        Cell::Count(c.elderly),
        Cell::Count(c.adults),
        Cell::Count(c.minors),
        Cell::Count(c.female),
        Cell::Count(c.disabled),
        Cell::Count(c.labour_full),
        Cell::Count(c.labour_partial),
        Cell::Count(c.labour_none),
    ];
    out.extend(c.causes.iter().map(|n| Cell::Count(*n)));
    out.extend([
        Cell::Count(c.new_households),
        Cell::Count(c.new_persons),
        Cell::Count(c.exited_households),
        Cell::Count(c.exited_persons),
        Cell::Wan(c.paid()),
        Cell::Wan(c.paid_base),
        Cell::Wan(c.paid_classified),
        Cell::Wan(c.paid_other),
        per_person(c.paid(), c.persons).map_or(Cell::Blank, Cell::Yuan),
        standard.map_or(Cell::Blank, Cell::Yuan),
    ]);
    out
}

/// The table for `area` over `rows` (the regions to list, with their names and monthly standard
/// in fen, e.g. a county's towns), with 合计 — whose standard is shown only when all rows share it.
pub fn table(title: &str, villages: &VillageCounts, area: Area, rows: &[(RegionCode, String, Option<i64>)]) -> Table {
    let mut total_counts = DibaoCounts::default();
    let mut out = Vec::with_capacity(rows.len());
    for (code, name, standard) in rows {
        let c = within(villages, code, area);
        total_counts += c;
        out.push(Row { region: Some(code.clone()), counts: c, cells: cells(name.clone(), &c, *standard) });
    }
    let shared = rows.first().and_then(|r| r.2).filter(|s| rows.iter().all(|r| r.2 == Some(*s)));
    let total = Row { region: None, counts: total_counts, cells: cells("合计".into(), &total_counts, shared) };
    debug_assert_eq!(Cause::ALL.len(), 6);
    Table { title: title.to_string(), rows: out, total }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests;
