//! 12345 热线工单导入 (pure): the work orders the hotline passes on, as the CSV its platform
//! exports (UTF-8 or GBK), read into checked reports. One bad row refuses the whole file, each
//! error naming its row and column, so nothing is half imported; rows whose 工单编号 was imported
//! before are the service's to skip.

use super::rules::{CheckedReport, ReportInput, check_report};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use jiuzhu_domain::complaint::ComplaintCategory;
use jiuzhu_domain::{FieldError, RegionCode, ValidationErrors};
use std::collections::HashMap;

/// The columns, in the hotline's words; `true` where a row must fill it.
pub const COLUMNS: [(&str, bool); 9] = [
    ("工单编号", true),
    ("来电时间", true),
    ("诉求类别", true),
    ("所涉区划代码", true),
    ("诉求内容", true),
    ("被反映人", false),
    ("来电人姓名", false),
    ("来电人电话", false),
    ("办结时限", false),
];

/// A file holds at most this many orders (a county's hotline passes on a few a day).
pub const MAX_ROWS: usize = 5000;

/// One work order, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlineOrder {
    /// The row in the file (the header is row 1).
    pub row: u64,
    pub external_no: String,
    pub received_at: DateTime<Utc>,
    pub report: CheckedReport,
    /// The hotline's own deadline, when it gives one.
    pub due_on: Option<NaiveDate>,
}

fn file_error(zh: impl Into<String>, en: impl Into<String>) -> ValidationErrors {
    ValidationErrors::from(FieldError::new("file", "hotline.file", zh, en))
}

/// The category as the hotline writes it: our code, our label, or the label's first words
/// (“错保”, “工作人员作风”).
pub fn read_category(cell: &str) -> Option<ComplaintCategory> {
    let c = cell.trim();
    if c.chars().count() < 2 {
        return None;
    }
    ComplaintCategory::ALL.iter().copied().find(|k| k.as_str() == c || k.zh() == c || k.zh().starts_with(c))
}

/// A time as hotline platforms write it, in Beijing time.
pub fn read_time(cell: &str) -> Option<DateTime<Utc>> {
    let c = cell.trim();
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(c, f).ok())
        .map(|t| t - chrono::Duration::hours(8))
        .map(|t| t.and_utc())
}

/// The hotline's own deadline is taken between the day received and 60 days after (the outer
/// limit of 《信访工作条例》): a date outside is a typing mistake, and a far one would keep the
/// complaint from ever passing up.
pub fn due_fits(received: NaiveDate, due: NaiveDate) -> bool {
    received <= due && due <= received + chrono::Days::new(60)
}

/// A day as hotline platforms write it.
pub fn read_day(cell: &str) -> Option<NaiveDate> {
    let c = cell.trim();
    ["%Y-%m-%d", "%Y/%m/%d"].iter().find_map(|f| NaiveDate::parse_from_str(c, f).ok())
}

/// Reads the exported file. `county` is the importing county (every order must lie in it);
/// `today` checks ID numbers.
pub fn read_orders(bytes: &[u8], county: &RegionCode, today: NaiveDate) -> Result<Vec<HotlineOrder>, ValidationErrors> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(file_error("请选择要导入的工单文件（CSV）", "choose the work order file (CSV)"));
    }
    let (text, _) = jiuzhu_verify::read::decode(bytes).map_err(|e| file_error(e.zh, e.en))?;
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| file_error(format!("CSV 格式错误：{e}"), format!("malformed CSV: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut at = [usize::MAX; COLUMNS.len()];
    let missing: Vec<&str> = COLUMNS
        .iter()
        .enumerate()
        .filter_map(|(i, (name, required))| match header.iter().position(|h| h == name) {
            Some(p) => {
                at[i] = p;
                None
            }
            None => required.then_some(*name),
        })
        .collect();
    if !missing.is_empty() {
        return Err(file_error(
            format!("表头缺少：{}。请使用热线平台导出的工单表，第一行为列名", missing.join("、")),
            format!("the header lacks: {}", missing.join(", ")),
        ));
    }
    let mut errors = ValidationErrors::default();
    let mut orders = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in rdr.records() {
        let record = record.map_err(|e| file_error(format!("CSV 格式错误：{e}"), format!("malformed CSV: {e}")))?;
        let row = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if orders.len() + errors.0.len() >= MAX_ROWS {
            return Err(file_error(format!("一个文件最多 {MAX_ROWS} 条工单，请分开导入"), format!("at most {MAX_ROWS} orders per file")));
        }
        let cell = |i: usize| record.get(at[i]).unwrap_or("").to_string();
        let mut bad = |column: &str, zh: String, en: String| {
            errors.push(FieldError::new(
                format!("rows[{row}].{column}"),
                "hotline.row",
                format!("第 {row} 行“{column}”：{zh}"),
                format!("row {row}, {column}: {en}"),
            ))
        };
        let external_no = cell(0);
        if external_no.is_empty() {
            bad(COLUMNS[0].0, "没有工单编号".into(), "no work order number".into());
        } else if let Some(first) = seen.insert(external_no.clone(), row) {
            bad(COLUMNS[0].0, format!("与第 {first} 行重复"), format!("the same as row {first}"));
        }
        let received_at = read_time(&cell(1));
        if received_at.is_none() {
            bad(COLUMNS[1].0, format!("“{}”不是时间，应写成 2026-12-07 09:30", cell(1)), "not a time like 2026-12-07 09:30".into());
        }
        let category = read_category(&cell(2));
        if category.is_none() {
            let labels: Vec<&str> = ComplaintCategory::ALL.iter().map(|k| k.zh()).collect();
            bad(COLUMNS[2].0, format!("“{}”不是可选类别，可选：{}", cell(2), labels.join("、")), "not a known category".into());
        }
        let due = cell(8);
        let due_on = if due.is_empty() { None } else { read_day(&due) };
        if !due.is_empty() && due_on.is_none() {
            bad(COLUMNS[8].0, format!("“{due}”不是日期，应写成 2026-12-20"), "not a date like 2026-12-20".into());
        }
        if let (Some(d), Some(r)) = (due_on, received_at)
            && !due_fits(jiuzhu_domain::clock::beijing_date(r), d)
        {
            bad(COLUMNS[8].0, format!("“{due}”应在来电之日到其后 60 天之间"), "must lie between the call and 60 days after".into());
        }
        let name = cell(6);
        let input = ReportInput {
            category: category.map(|c| c.as_str().to_string()).unwrap_or_default(),
            region: cell(3),
            content: cell(4),
            named_staff: cell(5),
            anonymous: Some(name.is_empty()),
            name,
            phone: cell(7),
            id_number: String::new(),
            form_key: String::new(),
        };
        let checked = match check_report(&input, Some(county), today) {
            Ok(c) => Some(c),
            Err(e) => {
                for f in e.0.into_iter().filter(|f| f.field != "category") {
                    let column = match f.field.as_str() {
                        "region" => COLUMNS[3].0,
                        "content" => COLUMNS[4].0,
                        "named_staff" => COLUMNS[5].0,
                        "name" => COLUMNS[6].0,
                        _ => COLUMNS[7].0,
                    };
                    bad(column, f.zh, f.en);
                }
                None
            }
        };
        if let (Some(report), Some(received_at), false) = (checked, received_at, external_no.is_empty()) {
            orders.push(HotlineOrder { row, external_no, received_at, report, due_on });
        }
    }
    errors.into_result()?;
    if orders.is_empty() {
        return Err(file_error("文件里没有工单", "the file holds no work orders"));
    }
    Ok(orders)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    const HEADER: &str = "工单编号,来电时间,诉求类别,所涉区划代码,诉求内容,被反映人,来电人姓名,来电人电话,办结时限\n";

    fn county() -> RegionCode {
        RegionCode::parse("620825").unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    #[test]
    fn a_gbk_export_reads_with_beijing_times_and_the_hotlines_deadline() {
        let text = format!(
            "{HEADER}12345-0001,2026-12-07 09:30,应保未保,620825100201,村里独居老人王某无人照料无收入,,,,2026-12-18\n\
             12345-0002,2026/12/7 10:05,工作人员作风,620825100,窗口人员态度恶劣推诿不办,赵某,李秀英,13912345678,\n"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let orders = read_orders(&gbk, &county(), today()).unwrap();
        assert_eq!(orders.len(), 2);
        assert_eq!(orders[0].row, 2);
        assert_eq!(orders[0].received_at.to_rfc3339(), "2026-12-07T01:30:00+00:00");
        assert_eq!(orders[0].report.reporter, None, "no caller name: anonymous");
        assert_eq!(orders[0].due_on, NaiveDate::from_ymd_opt(2026, 12, 18));
        assert_eq!(orders[1].report.category, ComplaintCategory::StaffConduct);
        assert_eq!(orders[1].report.details.named_staff.as_deref(), Some("赵某"));
        assert_eq!(orders[1].report.reporter.as_ref().unwrap().phone, "13912345678");
        assert_eq!(orders[1].due_on, None);
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column_and_nothing_is_read() {
        let text = format!(
            "{HEADER}A1,2026-12-07 09:30,应保未保,620825100201,村里独居老人王某无人照料无收入,,,,\n\
             A1,昨天,乱说,999999,短,,张三,12,明天\n"
        );
        let e = read_orders(text.as_bytes(), &county(), today()).unwrap_err();
        let zh: Vec<&str> = e.0.iter().map(|f| f.zh.as_str()).collect();
        assert!(zh.iter().all(|m| m.starts_with("第 3 行")), "{zh:?}");
        for column in ["工单编号", "来电时间", "诉求类别", "办结时限", "所涉区划代码", "诉求内容", "来电人电话"]
        {
            assert!(zh.iter().any(|m| m.contains(&format!("“{column}”"))), "{column} not named in {zh:?}");
        }
        assert!(zh[0].contains("与第 2 行重复"), "{zh:?}");
    }

    #[test]
    fn a_file_without_the_columns_names_them() {
        let e = read_orders("编号,内容\n1,x\n".as_bytes(), &county(), today()).unwrap_err();
        assert!(e.0[0].zh.contains("工单编号、来电时间、诉求类别、所涉区划代码、诉求内容"), "{}", e.0[0].zh);
        let e = read_orders(HEADER.as_bytes(), &county(), today()).unwrap_err();
        assert!(e.0[0].zh.contains("没有工单"));
    }

    #[test]
    fn the_hotlines_deadline_lies_within_sixty_days_of_the_call() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let r = d("2026-12-07");
        let table = [("2026-12-06", false), ("2026-12-07", true), ("2027-02-05", true), ("2027-02-06", false)];
        for (due, ok) in table {
            assert_eq!(due_fits(r, d(due)), ok, "{due}");
        }
        let text = format!("{HEADER}A1,2026-12-07 09:30,应保未保,620825100201,村里独居老人王某无人照料无收入,,,,2099-01-01\n");
        let e = read_orders(text.as_bytes(), &county(), today()).unwrap_err();
        assert!(e.0[0].zh.contains("60 天"), "{}", e.0[0].zh);
    }

    #[test]
    fn categories_read_as_the_hotline_writes_them() {
        assert_eq!(read_category("错保"), Some(ComplaintCategory::WronglyIncluded));
        assert_eq!(read_category("favouritism"), Some(ComplaintCategory::Favouritism));
        assert_eq!(read_category("其他"), Some(ComplaintCategory::Other));
        assert_eq!(read_category("错"), None);
        assert_eq!(read_category("投诉"), None);
    }
}
