//! Imports of department files: every format, every kind of bad input named by file, row and
//! column, and nothing accepted from a file with any problem.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_verify::import::{Value, validate_file};
use jiuzhu_verify::sink::{FeedFormat, FeedSink, feed_path};
use jiuzhu_verify::{Feed, Report};
use std::path::{Path, PathBuf};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

/// A valid synthetic ID number from its first 17 digits.
fn id(first17: &str) -> String {
    format!("{first17}{}", jiuzhu_domain::id_number::check_char(first17.as_bytes()))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn codes(r: &Report) -> Vec<(u64, String, &'static str)> {
    r.problems.iter().map(|p| (p.row, p.column.clone(), p.code)).collect()
}

fn vehicles_csv() -> String {
    format!(
        "id_number,plate,kind,registered_on,value_fen\n{},甘L·A0001,car,2020-05-01,8000000\n{},甘L·B0002,truck,2019-03-15,12000000\n",
        id("62082519800101123"),
        id("62082519850202234")
    )
}

#[test]
fn a_good_utf8_csv_yields_every_row_typed() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "vehicles.csv", vehicles_csv().as_bytes());
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(report.ok(), "{}", report.to_text());
    assert_eq!((report.rows, report.valid_rows, report.encoding.as_str()), (2, 2, "UTF-8"));
    let records = records.unwrap();
    assert_eq!(records[1].get("value_fen"), &Value::Int(12_000_000));
    assert_eq!(records[1].get("registered_on"), &Value::Date(NaiveDate::from_ymd_opt(2019, 3, 15).unwrap()));
    assert_eq!(records[0].row, 2, "the header is row 1");
    assert_eq!(report.sha256.len(), 64);
}

#[test]
fn gbk_files_with_chinese_headers_and_a_bom_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let text = vehicles_csv().replacen(
        "id_number,plate,kind,registered_on,value_fen",
        "公民身份号码,号牌号码,车辆类型,初次登记日期,评估价值（分）",
        1,
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let p = write(dir.path(), "vehicles_gbk.csv", &gbk);
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(report.ok(), "{}", report.to_text());
    assert_eq!(report.encoding, "GBK");
    assert_eq!(records.unwrap()[0].get("plate"), &Value::Text("甘L·A0001".into()));

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let p = write(dir.path(), "vehicles_bom.csv", &bom);
    let (report, _) = validate_file(&p, Feed::Vehicles, today());
    assert!(report.ok(), "{}", report.to_text());
    assert_eq!(report.encoding, "UTF-8");
}

#[test]
fn gbk_once_read_as_utf8_and_saved_is_named_cell_by_cell() {
    let dir = tempfile::tempdir().unwrap();
    // What an editor writes after opening a GBK file as UTF-8: U+FFFD where the Chinese was.
    let (gbk, _, _) = encoding_rs::GBK.encode("甘L·A0001");
    let garbled = String::from_utf8_lossy(&gbk).into_owned();
    let text = vehicles_csv().replacen("甘L·A0001", &garbled, 1);
    let p = write(dir.path(), "garbled.csv", text.as_bytes());
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(records.is_none());
    assert_eq!(codes(&report), vec![(2, "plate".to_string(), "cell.garbled")]);
    assert!(report.to_text().contains("garbled.csv 第 2 行 plate"), "{}", report.to_text());
}

#[test]
fn bytes_that_are_neither_utf8_nor_gbk_refuse_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vehicles_csv().into_bytes();
    bytes.extend_from_slice(&[0xFF, 0xFF, 0x0A]);
    let p = write(dir.path(), "binary.csv", &bytes);
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(records.is_none());
    assert_eq!(codes(&report), vec![(0, String::new(), "file.unreadable")]);
}

#[test]
fn wrong_and_missing_columns_are_named_and_no_row_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = vehicles_csv().replacen("value_fen", "colour", 1);
    let p = write(dir.path(), "v.csv", text.as_bytes());
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(records.is_none());
    assert_eq!(codes(&report), vec![(1, "value_fen".to_string(), "header.missing"), (1, "colour".to_string(), "header.unknown")]);
    assert_eq!(report.valid_rows, 0);
}

#[test]
fn bad_ids_codes_amounts_and_dates_out_of_range_name_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let good = id("62082519800101123");
    let mut wrong_check = good.clone();
    wrong_check.replace_range(17..18, if good.ends_with('0') { "1" } else { "0" });
    let text = format!(
        "id_number,plate,kind,registered_on,value_fen\n\
         {wrong_check},甘L·A0001,car,2020-05-01,100\n\
         {good},甘L·A0002,boat,2020-05-01,100\n\
         {good},甘L·A0003,car,2027-01-01,100\n\
         {good},甘L·A0004,car,1899-12-31,100\n\
         {good},甘L·A0005,car,2020-05-01,12.50\n\
         {good},甘L·A0006,car,2020-05-01,-1\n\
         {good},,car,2020-05-01,1\n\
         {good},甘L·A0008,car,2020-02-30,1\n"
    );
    let p = write(dir.path(), "v.csv", text.as_bytes());
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(records.is_none());
    assert_eq!(
        codes(&report),
        vec![
            (2, "id_number".into(), "id_number.check_digit"),
            (3, "kind".into(), "cell.code"),
            (4, "registered_on".into(), "cell.date_range"),
            (5, "registered_on".into(), "cell.date_range"),
            (6, "value_fen".into(), "cell.fen"),
            (7, "value_fen".into(), "cell.negative"),
            (8, "plate".into(), "cell.required"),
            (9, "registered_on".into(), "cell.date"),
        ]
    );
    // The report shows the bad ID number masked: it goes round by e-mail.
    assert!(!report.to_text().contains(&wrong_check));
    assert!(report.to_text().contains(&format!("{}********{}", &wrong_check[..6], &wrong_check[14..])), "{}", report.to_text());
}

#[test]
fn duplicate_rows_name_the_first_row_they_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = vehicles_csv();
    let second = text.lines().nth(1).unwrap().to_string();
    text.push_str(&second);
    text.push('\n');
    let p = write(dir.path(), "v.csv", text.as_bytes());
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(records.is_none());
    assert_eq!(codes(&report), vec![(4, "plate".into(), "row.duplicate")]);
    assert!(report.problems[0].zh.contains("第 2 行"));
}

#[test]
fn a_truncated_csv_is_called_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let text = vehicles_csv();
    let cut = &text[..text.len() - 12];
    let p = write(dir.path(), "cut.csv", cut.as_bytes());
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(records.is_none());
    let c = codes(&report);
    assert!(c.contains(&(3, String::new(), "row.columns")), "{c:?}");
    assert!(c.contains(&(0, String::new(), "file.truncated")), "{c:?}");
}

#[test]
fn xlsx_with_ids_as_text_and_dates_as_dates_reads_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("vehicles.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["公民身份号码", "号牌号码", "车辆类型", "初次登记日期", "评估价值（分）"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2020, 5, 1).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, id("62082519800101123")).unwrap();
    ws.write_string(1, 1, "甘L·A0001").unwrap();
    ws.write_string(1, 2, "car").unwrap();
    ws.write_datetime_with_format(1, 3, &date, &fmt).unwrap();
    ws.write_number(1, 4, 8_000_000.0).unwrap();
    // An ID number typed as a number has lost its last digits in Excel: row 3 must say so.
    ws.write_number(2, 0, 620_825_198_502_022_342.0).unwrap();
    ws.write_string(2, 1, "甘L·B0002").unwrap();
    ws.write_string(2, 2, "truck").unwrap();
    ws.write_string(2, 3, "2019-03-15").unwrap();
    ws.write_number(2, 4, 1.0).unwrap();
    wb.save(&p).unwrap();
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(records.is_none());
    assert_eq!(codes(&report).len(), 1, "{}", report.to_text());
    assert_eq!((report.problems[0].row, report.problems[0].column.as_str()), (3, "id_number"));
    assert_eq!(report.rows, 2);

    // Without the bad row the file loads, the date cell read as a date.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["id_number", "plate", "kind", "registered_on", "value_fen"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, id("62082519800101123")).unwrap();
    ws.write_string(1, 1, "甘L·A0001").unwrap();
    ws.write_string(1, 2, "car").unwrap();
    ws.write_datetime_with_format(1, 3, &date, &fmt).unwrap();
    ws.write_number(1, 4, 8_000_000.0).unwrap();
    wb.save(&p).unwrap();
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(report.ok(), "{}", report.to_text());
    assert_eq!(records.unwrap()[0].get("registered_on"), &Value::Date(NaiveDate::from_ymd_opt(2020, 5, 1).unwrap()));
}

#[test]
fn legacy_xls_reads() {
    // Made with Python's xlwt (BIFF8), the format many county offices still send.
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vehicles.xls");
    let (report, records) = validate_file(&p, Feed::Vehicles, today());
    assert!(report.ok(), "{}", report.to_text());
    assert_eq!(report.format, "xls");
    let records = records.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].id_number.as_str(), id("62082519800101123"));
}

#[test]
fn parquet_written_by_the_sink_reads_back_and_a_truncated_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = FeedSink::create(dir.path(), FeedFormat::Parquet).unwrap();
    let a = id("62082519800101123");
    sink.write(Feed::Employment, &[&a, "县人民医院", "2018-03-01", ""]).unwrap();
    sink.write(Feed::Employment, &[&a, "县物流有限公司", "2024-03-01", "2026-10-31"]).unwrap();
    sink.finish().unwrap();
    let p = feed_path(dir.path(), Feed::Employment, FeedFormat::Parquet);
    let (report, records) = validate_file(&p, Feed::Employment, today());
    assert!(report.ok(), "{}", report.to_text());
    let records = records.unwrap();
    assert_eq!(records[0].get("ended_on"), &Value::Empty);
    assert_eq!(records[1].get("ended_on"), &Value::Date(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()));
    assert_eq!(records[1].row, 2, "Parquet has no header row");

    let bytes = std::fs::read(&p).unwrap();
    let cut = write(dir.path(), "cut.parquet", &bytes[..bytes.len() / 2]);
    let (report, records) = validate_file(&cut, Feed::Employment, today());
    assert!(records.is_none());
    assert_eq!(report.problems[0].code, "file.unreadable");
    assert!(report.problems[0].zh.contains("截断"), "{}", report.problems[0].zh);
}

#[test]
fn an_empty_file_and_an_unknown_extension_are_reported_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty.csv", b"");
    let (report, records) = validate_file(&p, Feed::Deaths, today());
    assert!(records.is_none() && report.problems[0].code == "file.unreadable");
    let p = write(dir.path(), "deaths.json", b"{}");
    let (report, records) = validate_file(&p, Feed::Deaths, today());
    assert!(records.is_none() && report.problems[0].zh.contains("无法识别文件类型"));
}

#[test]
fn months_and_optional_columns() {
    let dir = tempfile::tempdir().unwrap();
    let a = id("62082519800101123");
    let text =
        format!("id_number,month,wage_base_fen\n{a},2026-01,350000\n{a},202602,350000\n{a},2026-13,1\n{a},2026-12,1\n{a},2027-01,1\n");
    let p = write(dir.path(), "c.csv", text.as_bytes());
    let (report, _) = validate_file(&p, Feed::Contributions, today());
    assert_eq!(
        codes(&report),
        vec![(4, "month".into(), "cell.month"), (6, "month".into(), "cell.date_range")],
        "December 2026 is the current month and allowed"
    );
}

#[test]
fn many_problems_are_counted_beyond_the_listed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id_number,died_on\n");
    for _ in 0..(jiuzhu_verify::import::MAX_LISTED + 50) {
        text.push_str("123,2026-01-01\n");
    }
    let p = write(dir.path(), "d.csv", text.as_bytes());
    let (report, _) = validate_file(&p, Feed::Deaths, today());
    assert_eq!(report.problem_count as usize, jiuzhu_verify::import::MAX_LISTED + 50);
    assert_eq!(report.problems.len(), jiuzhu_verify::import::MAX_LISTED);
    assert!(report.to_text().contains("另有 50 个问题未列出"));
}

/// A 2 MB workbook that unzipped to 505 MB of XML took 1.6 GB per upload. A workbook is refused
/// when what its parts really inflate to passes the limit, before it is parsed.
#[test]
fn a_workbook_that_unzips_to_more_than_the_limit_is_refused_before_it_is_read() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("deaths.xlsx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", deflated).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("xl/worksheets/sheet1.xml", deflated).unwrap();
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..=(jiuzhu_verify::read::MAX_XLSX_EXPANDED_BYTES / (1024 * 1024)) {
        zip.write_all(&spaces).unwrap();
    }
    zip.finish().unwrap();
    assert!(std::fs::metadata(&p).unwrap().len() < 2 * 1024 * 1024, "small on disk");
    let (report, records) = validate_file(&p, Feed::Deaths, today());
    assert!(records.is_none());
    assert_eq!(report.problems[0].code, "file.unreadable", "{:?}", report.problems);
    assert!(report.problems[0].zh.contains("解压后超过") && report.problems[0].zh.contains("CSV"), "{}", report.problems[0].zh);
}
