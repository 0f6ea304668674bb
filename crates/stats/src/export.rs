//! A table as files: the contract's CSV (UTF-8 with a BOM, the table's Chinese column headers in
//! the first row, one row per region by name, 合计 last; money as the table shows it) and Excel
//! laid out as the paper form — title, 填表单位 and 统计月份 and 填表日期, the columns, the rows, 合计,
//! then 填表人 / 审核人 / 负责人 to sign. Counts and money are numbers in Excel, never formulas;
//! a name that could be read as a formula is written with a leading apostrophe.

use crate::dibao_table::{COLUMNS, Cell, Table};
use chrono::NaiveDate;
use std::borrow::Cow;

/// What the form prints above and below the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// 填表单位 (e.g. 庄浪县民政局).
    pub unit: String,
    /// The month reported (its first day).
    pub month: NaiveDate,
    /// 填表日期.
    pub filled_on: NaiveDate,
}

/// A text cell that a spreadsheet would read as a formula, made plain text.
fn guard(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => guard(t).into_owned(),
        other => other.to_string(),
    }
}

/// The contract's CSV of a table.
pub fn csv(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(COLUMNS)?;
    for row in table.rows.iter().chain([&table.total]) {
        out.write_record(row.cells.iter().map(shown))?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The table as an Excel workbook laid out as the paper form.
pub fn xlsx(table: &Table, form: &Form) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("月报")?;
    let last_col = (COLUMNS.len() - 1) as u16;
    let title = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let bold = Format::new().set_bold().set_text_wrap();
    let money = Format::new().set_num_format("0.00");
    sheet.merge_range(0, 0, 0, last_col, &guard(&table.title), &title)?;
    sheet.write_string(1, 0, format!("填表单位：{}", guard(&form.unit)))?;
    sheet.write_string(1, 8, format!("统计月份：{}", form.month.format("%Y年%-m月")))?;
    sheet.write_string(1, 20, format!("填表日期：{}", form.filled_on.format("%Y年%-m月%-d日")))?;
    for (c, h) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    let mut r = 3u32;
    for row in table.rows.iter().chain([&table.total]) {
        for (c, cell) in row.cells.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Count(n) => sheet.write_number(r, c, *n as f64)?,
                // The number the table shows (万元 to two places, 元 to the fen), as a number.
                Cell::Wan(_) | Cell::Yuan(_) => {
                    let v: f64 = cell.to_string().parse().unwrap_or_default();
                    sheet.write_number_with_format(r, c, v, &money)?
                }
                other => sheet.write_string(r, c, shown(other))?,
            };
        }
        r += 1;
    }
    sheet.write_string(r + 1, 0, "填表人：")?;
    sheet.write_string(r + 1, 8, "审核人：")?;
    sheet.write_string(r + 1, 20, "单位负责人：")?;
    sheet.set_column_width(0, 16)?;
    sheet.set_freeze_panes(3, 1)?;
    book.save_to_buffer()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::counts::by_village;
    use crate::dibao_table::table;
    use crate::facts::{DibaoHousehold, MemberFacts, Paid};
    use calamine::{Data, Reader, Xlsx};
    use jiuzhu_domain::{Area, LabourCapacity, RegionCode, Sex};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn sample() -> Table {
        let member = MemberFacts {
            birth_date: day("1950-05-01"),
            sex: Sex::Female,
            disabled: false,
            ill: true,
            student: false,
            labour: LabourCapacity::None,
        };
        let h = |village: &str, paid: i64| DibaoHousehold {
            village: RegionCode::parse(village).unwrap(),
            area: Area::Rural,
            members: vec![member.clone(), member.clone()],
            this_month: true,
            last_month: true,
            last_month_members: 2,
            paid: Paid { base: paid, classified: 7_650, other: 0 },
        };
        let villages = by_village([h("620825100201", 1_234_567), h("620825101201", 80_000)].iter(), day("2026-11-30"));
        let rows = [
            (RegionCode::parse("620825100").unwrap(), "水洛镇".to_string(), Some(60_500)),
            (RegionCode::parse("620825101").unwrap(), "=南湖镇".to_string(), Some(60_500)),
        ];
        table("农村最低生活保障情况月报", &villages, Area::Rural, &rows)
    }

    #[test]
    fn the_csv_is_the_contracts_headers_a_row_per_region_by_name_and_total_last() {
        let bytes = csv(&sample()).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], COLUMNS.join(","));
        assert!(
            lines[1].starts_with("水洛镇,1,2,1,2,0.0%,2,0,0,2,0,0,0,2,1,0,0,0,0,0,"),
            "two elderly women unable to work, one household ill: {}",
            lines[1]
        );
        assert!(lines[2].starts_with("'=南湖镇,"), "a name read as a formula is guarded: {}", lines[2]);
        assert!(lines[3].starts_with("合计,2,4,"), "{}", lines[3]);
        // 资金支出 1,234,567 + 7,650 fen = 1.24 万元; 人均 = 1,242,217 / 2 = 6,211.09 元 (half up); 标准 605.00.
        assert!(lines[1].ends_with(",1.24,1.23,0.01,0.00,6211.09,605.00"), "{}", lines[1]);
    }

    #[test]
    fn the_workbook_reads_back_with_the_same_numbers() {
        let t = sample();
        let form = Form { unit: "庄浪县民政局（演示）".into(), month: day("2026-11-01"), filled_on: day("2026-12-03") };
        let bytes = xlsx(&t, &form).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("月报").unwrap();
        let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert_eq!(cell(0, 0), Data::String("农村最低生活保障情况月报".into()));
        assert_eq!(cell(1, 0), Data::String("填表单位：庄浪县民政局（演示）".into()));
        assert_eq!(cell(1, 8), Data::String("统计月份：2026年11月".into()));
        assert_eq!(cell(1, 20), Data::String("填表日期：2026年12月3日".into()));
        for (c, h) in COLUMNS.iter().enumerate() {
            assert_eq!(cell(2, c as u32), Data::String((*h).into()));
        }
        // Every row as the CSV shows it: text the same, numbers the same value.
        let csv_text = String::from_utf8(csv(&t).unwrap()[3..].to_vec()).unwrap();
        for (i, line) in csv_text.lines().skip(1).enumerate() {
            for (c, want) in line.split(',').enumerate() {
                let got = cell(3 + i as u32, c as u32);
                match got {
                    Data::Float(v) => assert_eq!(v, want.parse::<f64>().unwrap(), "row {i} column {}", COLUMNS[c]),
                    Data::Int(v) => assert_eq!(v.to_string(), want),
                    Data::String(s) => assert_eq!(s, want, "row {i} column {}", COLUMNS[c]),
                    other => panic!("row {i} column {}: {other:?}", COLUMNS[c]),
                }
            }
        }
        assert_eq!(cell(3 + 3 + 1, 0), Data::String("填表人：".into()), "the signature block under 合计");
        assert_eq!(cell(3 + 3 + 1, 8), Data::String("审核人：".into()));
    }
}
