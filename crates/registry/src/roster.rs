//! 名册导出: a household roster as CSV (RFC 4180) or Excel, with a watermark naming who exported
//! it, when and why, and every text cell guarded against formula injection. Identifiers stay
//! masked: an export is a list to work from, not a copy of the registry.

use chrono::{DateTime, FixedOffset, Utc};
use jiuzhu_domain::Fen;
use jiuzhu_store::RosterRow;
use std::borrow::Cow;

/// 水印: who exported the file, when and why. It heads every file and, in Excel, also the printed
/// page's header and the document's properties, so a leaked copy names its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    pub username: String,
    pub display_name: String,
    pub at: DateTime<Utc>,
    pub export_id: i64,
    pub purpose: String,
}

impl Watermark {
    #[allow(clippy::expect_used, reason = "UTC+8 is a valid offset")]
    pub fn text(&self) -> String {
        let at = self.at.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("valid")).format("%Y-%m-%d %H:%M:%S");
        format!(
            "导出人：{}（{}） 导出时间：{at} 导出编号：{} 事由：{} —— 仅限本职工作使用，不得外传",
            self.display_name, self.username, self.export_id, self.purpose
        )
    }
}

/// 防公式注入: a text cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a
/// tab, carriage return, line feed or NUL before one) gets a leading `'`, so it is shown as text.
pub fn guard(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0' | '＝' | '＋' | '－' | '＠') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

pub const HEADER: [&str; 9] =
    ["序号", "家庭编号", "乡镇（街道）", "村（社区）", "户主姓名", "户主身份证号（脱敏）", "家庭人数", "救助类型", "月救助金（元）"];

fn text_cells(r: &RosterRow) -> [String; 5] {
    [
        r.town_name.clone().unwrap_or_default(),
        r.village_name.clone().unwrap_or_default(),
        r.head_name.clone(),
        r.head_id_number.clone(),
        r.programme.map(|p| p.zh().to_string()).unwrap_or_default(),
    ]
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// CSV: UTF-8 with a byte-order mark (Excel then reads the Chinese correctly), CRLF line ends,
/// fields quoted where RFC 4180 needs it. The watermark is the first and the last record.
pub fn csv(rows: &[RosterRow], w: &Watermark) -> Result<Vec<u8>, FileError> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).flexible(true).from_writer(b"\xEF\xBB\xBF".to_vec());
    let mark = w.text();
    out.write_record([guard(&mark).as_ref()])?;
    out.write_record(HEADER)?;
    for (i, r) in rows.iter().enumerate() {
        let [town, village, name, id, programme] = text_cells(r);
        let amount = r.monthly_amount.map(|f| Fen(f).to_string()).unwrap_or_default();
        out.write_record([
            (i + 1).to_string().as_str(),
            r.household_id.to_string().as_str(),
            &guard(&town),
            &guard(&village),
            &guard(&name),
            &guard(&id),
            r.member_count.to_string().as_str(),
            &guard(&programme),
            &amount,
        ])?;
    }
    out.write_record([guard(&mark).as_ref()])?;
    out.into_inner().map_err(|e| FileError::Csv(e.into_error().into()))
}

/// Excel (xlsx): the watermark in the first row, in every printed page's header and in the
/// document's properties; names and IDs written as text (never formulas), amounts as numbers.
pub fn xlsx(rows: &[RosterRow], w: &Watermark) -> Result<Vec<u8>, FileError> {
    use rust_xlsxwriter::{DocProperties, Format, Workbook};
    let mark = w.text();
    let mut book = Workbook::new();
    book.set_properties(&DocProperties::new().set_author(&w.username).set_title("救助对象名册").set_comment(&mark));
    let sheet = book.add_worksheet();
    sheet.set_name("名册")?;
    // Excel allows 255 characters in a header: the watermark is cut to fit (the rows keep it whole).
    let short: String = mark.replace('&', "&&").chars().take(240).collect();
    sheet.set_header(format!("&L{short}"));
    sheet.set_footer("&C第 &P 页，共 &N 页");
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    sheet.write_string(0, 0, guard(&mark).as_ref())?;
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        let [town, village, name, id, programme] = text_cells(r);
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_number(row, 1, r.household_id as f64)?;
        for (c, v) in [(2u16, town), (3, village), (4, name), (5, id)] {
            sheet.write_string(row, c, guard(&v).as_ref())?;
        }
        sheet.write_number(row, 6, r.member_count as f64)?;
        sheet.write_string(row, 7, guard(&programme).as_ref())?;
        if let Some(f) = r.monthly_amount {
            // Fen to yuan: exact in a double for any amount below 2^53 fen.
            sheet.write_number_with_format(row, 8, f as f64 / 100.0, &money)?;
        }
    }
    let last = rows.len() as u32 + 2;
    sheet.write_string(last, 0, guard(&mark).as_ref())?;
    for (c, width) in [(0u16, 6.0), (1, 10.0), (2, 14.0), (3, 14.0), (4, 10.0), (5, 22.0), (6, 8.0), (7, 16.0), (8, 12.0)] {
        sheet.set_column_width(c, width)?;
    }
    Ok(book.save_to_buffer()?)
}

/// A cell of a plain list ([`list_xlsx`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(i64),
    /// Written in 元 with two decimals.
    Money(Fen),
}

/// Excel copy of a list a page shows (payroll lines, receivables, vouchers): the watermark in the
/// first and last rows and every printed page's header, text cells guarded against formulas,
/// amounts as numbers in 元. Only masked values belong in it: it needs no approval.
pub fn list_xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<Cell>], mark: &str) -> Result<Vec<u8>, FileError> {
    use rust_xlsxwriter::{DocProperties, Format, Workbook};
    let mut book = Workbook::new();
    book.set_properties(&DocProperties::new().set_title(sheet_name).set_comment(mark));
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let short: String = mark.replace('&', "&&").chars().take(240).collect();
    sheet.set_header(format!("&L{short}"));
    sheet.set_footer("&C第 &P 页，共 &N 页");
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    sheet.write_string(0, 0, guard(mark).as_ref())?;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, 14.0)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        for (c, cell) in r.iter().enumerate() {
            match cell {
                Cell::Text(t) => sheet.write_string(row, c as u16, guard(t).as_ref())?,
                Cell::Number(n) => sheet.write_number(row, c as u16, *n as f64)?,
                // Fen to yuan: exact in a double for any amount below 2^53 fen.
                Cell::Money(f) => sheet.write_number_with_format(row, c as u16, f.0 as f64 / 100.0, &money)?,
            };
        }
    }
    sheet.write_string(rows.len() as u32 + 2, 0, guard(mark).as_ref())?;
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_domain::RegionCode;
    use jiuzhu_domain::casework::AssistanceKind;

    fn row(name: &str) -> RosterRow {
        RosterRow {
            household_id: 7,
            hukou_region: RegionCode::parse("620825100201").unwrap(),
            town_name: Some("水洛镇".into()),
            village_name: Some("城关村, \"东\"组".into()),
            head_name: name.into(),
            head_id_number: "620825********0018".into(),
            member_count: 3,
            programme: Some(AssistanceKind::Dibao),
            monthly_amount: Some(123_456),
        }
    }

    fn mark() -> Watermark {
        Watermark {
            username: "window_clerk_100".into(),
            display_name: "张受理".into(),
            at: DateTime::parse_from_rfc3339("2026-12-03T02:00:00Z").unwrap().with_timezone(&Utc),
            export_id: 42,
            purpose: "年度复核".into(),
        }
    }

    #[test]
    fn formula_starts_are_guarded_and_other_text_is_not() {
        for bad in ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "\0x", "＝1"] {
            assert_eq!(guard(bad), format!("'{bad}"), "{bad:?}");
        }
        for ok in ["张三", "620825********0018", "1-2", "a=b", ""] {
            assert_eq!(guard(ok), ok, "{ok:?}");
        }
    }

    #[test]
    fn csv_is_rfc4180_with_a_watermark_first_and_last() {
        let bytes = csv(&[row("=HYPERLINK(\"http://x\")"), row("李四")], &mark()).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'), "CRLF only");
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let records: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(records.len(), 5);
        let w = mark().text();
        assert_eq!((&records[0][0], &records[4][0]), (w.as_str(), w.as_str()));
        assert!(w.contains("window_clerk_100") && w.contains("2026-12-03 10:00:00") && w.contains("年度复核"), "{w}");
        assert_eq!(records[1].iter().collect::<Vec<_>>(), HEADER);
        assert_eq!(&records[2][4], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&records[2][3], "城关村, \"东\"组", "commas and quotes survive quoting");
        assert_eq!((&records[3][4], &records[3][8], &records[3][7]), ("李四", "1234.56", "最低生活保障"));
        assert!(text.contains("\"城关村, \"\"东\"\"组\""), "quotes doubled inside a quoted field");
    }

    #[test]
    fn xlsx_reads_back_with_text_cells_and_the_watermark() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = xlsx(&[row("@cmd"), row("王五")], &mark()).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("名册").unwrap();
        let w = mark().text();
        assert_eq!(sheet.get_value((0, 0)), Some(&Data::String(w.clone())));
        assert_eq!(sheet.get_value((2, 4)), Some(&Data::String("'@cmd".into())));
        assert_eq!(sheet.get_value((3, 4)), Some(&Data::String("王五".into())));
        assert_eq!(sheet.get_value((3, 8)), Some(&Data::Float(1234.56)));
        assert_eq!(sheet.get_value((4, 0)), Some(&Data::String(w)));
        assert_eq!(sheet.height(), 5);
    }

    #[test]
    fn a_list_reads_back_with_guarded_text_and_amounts_in_yuan() {
        use calamine::{Data, Reader, Xlsx};
        let rows = vec![
            vec![Cell::Text("=HYPERLINK(1)".into()), Cell::Number(42), Cell::Money(Fen(81_001))],
            vec![Cell::Text("王*".into()), Cell::Number(7), Cell::Money(Fen(1))],
        ];
        let bytes = list_xlsx("发放明细", &["领取人", "家庭", "金额（元）"], &rows, "水印 mark").unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("发放明细").unwrap();
        assert_eq!(sheet.get_value((0, 0)), Some(&Data::String("水印 mark".into())));
        assert_eq!(sheet.get_value((1, 2)), Some(&Data::String("金额（元）".into())));
        assert_eq!(sheet.get_value((2, 0)), Some(&Data::String("'=HYPERLINK(1)".into())), "never a formula");
        assert_eq!(sheet.get_value((2, 2)), Some(&Data::Float(810.01)));
        assert_eq!(sheet.get_value((3, 2)), Some(&Data::Float(0.01)));
        assert_eq!(sheet.get_value((4, 0)), Some(&Data::String("水印 mark".into())));
    }
}
