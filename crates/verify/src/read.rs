//! Reading a department's file as a table of text cells, whatever it came as: CSV in UTF-8
//! (with or without BOM) or GBK/GB18030, Excel (xlsx, xls) or Parquet.
//!
//! Every cell becomes text so one validator ([`crate::import`]) judges every format alike
//! and names the row and column. Row numbers are the ones a clerk sees: the header is row 1
//! in CSV and Excel; Parquet has no header row, so its first data row is row 1.

use calamine::{Data, Reader};
use chrono::NaiveDate;
use std::path::Path;

/// What kind of file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    Parquet,
}

impl Format {
    /// From the file name's extension.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Parquet => "Parquet",
        }
    }
}

/// A file that could not be read at all (as opposed to a bad row, which the validator reports).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{zh} ({en})")]
pub struct ReadError {
    pub zh: String,
    pub en: String,
}

fn read_error(zh: impl Into<String>, en: impl Into<String>) -> ReadError {
    ReadError { zh: zh.into(), en: en.into() }
}

/// What the reader saw, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub format: Format,
    /// `UTF-8`, `GBK` (GB18030) or, for Excel and Parquet, the format's own.
    pub encoding: &'static str,
    /// A CSV file that does not end with a line break was probably cut off in transfer.
    pub ends_without_newline: bool,
}

/// What the reader hands on: the header once, then each data row with its number in the file.
#[derive(Debug, Clone, Copy)]
pub enum Line<'a> {
    Header(&'a [String]),
    Row(u64, &'a [String]),
}

/// Reads `path`, calling `visit` with the header and then each data row (empty rows
/// skipped). Returns what kind of file it was.
pub fn scan(path: &Path, visit: &mut dyn FnMut(Line<'_>)) -> Result<Source, ReadError> {
    let format = Format::of(path).ok_or_else(|| {
        read_error(
            format!("无法识别文件类型：{}（支持 .csv、.xlsx、.xls、.parquet）", path.display()),
            format!("unknown file type: {} (supported: .csv, .xlsx, .xls, .parquet)", path.display()),
        )
    })?;
    match format {
        Format::Csv => scan_csv(path, visit),
        Format::Xlsx | Format::Xls => scan_excel(path, format, visit),
        Format::Parquet => scan_parquet(path, visit),
    }
}

fn io_error(path: &Path, e: std::io::Error) -> ReadError {
    read_error(format!("无法读取文件 {}：{e}", path.display()), format!("cannot read {}: {e}", path.display()))
}

/// Decodes a CSV file's bytes: UTF-8 when they are valid UTF-8, else GBK (GB18030, a superset).
/// Bytes that are neither are an error for the whole file: guessing would load garbled names.
pub fn decode(bytes: &[u8]) -> Result<(std::borrow::Cow<'_, str>, &'static str), ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((std::borrow::Cow::Borrowed(s), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(read_error(
            "文件既不是 UTF-8 也不是 GBK 编码，请另存为 UTF-8 或 GBK 后重新导入",
            "the file is neither UTF-8 nor GBK; save it as UTF-8 or GBK and import again",
        ));
    }
    Ok((text, "GBK"))
}

fn scan_csv(path: &Path, visit: &mut dyn FnMut(Line<'_>)) -> Result<Source, ReadError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let (text, encoding) = decode(&bytes)?;
    let ends_without_newline = !text.is_empty() && !text.ends_with('\n');
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut cells: Vec<String> = Vec::new();
    let mut first = true;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(read_error(format!("CSV 格式错误（第 {line} 行）：{e}"), format!("malformed CSV (line {line}): {e}")));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        cells.clear();
        cells.extend(record.iter().map(|c| c.trim().to_string()));
        if first {
            first = false;
            visit(Line::Header(&cells));
        } else if cells.iter().any(|c| !c.is_empty()) {
            visit(Line::Row(line, &cells));
        }
    }
    if first {
        return Err(read_error("文件为空，没有表头行", "the file is empty: no header row"));
    }
    Ok(Source { format: Format::Csv, encoding, ends_without_newline })
}

/// How much a workbook may expand to when unzipped. Its sheets are parsed into memory whole, and
/// a 2 MB file can hold 505 MB of XML (it took 1.6 GB per upload): larger tables belong in CSV
/// or Parquet, which are read row by row.
pub const MAX_XLSX_EXPANDED_BYTES: u64 = 100 * 1024 * 1024;

/// Refuses a workbook that unzips to more than [`MAX_XLSX_EXPANDED_BYTES`], counting what each
/// part really inflates to (the sizes a zip declares can lie), and stops counting at the limit.
fn check_expansion(path: &Path) -> Result<(), ReadError> {
    let too_big = || {
        read_error(
            format!("Excel 文件解压后超过 {} MB，请另存为 CSV 后导入", MAX_XLSX_EXPANDED_BYTES / 1024 / 1024),
            format!("the workbook unzips to more than {} MB: save it as CSV and import that", MAX_XLSX_EXPANDED_BYTES / 1024 / 1024),
        )
    };
    let damaged = |e: &dyn std::fmt::Display| {
        read_error(
            format!("无法打开 Excel 文件（文件可能损坏或不完整）：{e}"),
            format!("cannot open the Excel file (damaged or incomplete?): {e}"),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| damaged(&e))?;
    let declared: u64 = (0..archive.len()).filter_map(|i| archive.by_index_raw(i).ok().map(|f| f.size())).sum();
    if declared > MAX_XLSX_EXPANDED_BYTES {
        return Err(too_big());
    }
    let mut left = MAX_XLSX_EXPANDED_BYTES;
    for i in 0..archive.len() {
        let part = archive.by_index(i).map_err(|e| damaged(&e))?;
        let inflated = std::io::copy(&mut std::io::Read::take(part, left + 1), &mut std::io::sink()).map_err(|e| damaged(&e))?;
        if inflated > left {
            return Err(too_big());
        }
        left -= inflated;
    }
    Ok(())
}

fn scan_excel(path: &Path, format: Format, visit: &mut dyn FnMut(Line<'_>)) -> Result<Source, ReadError> {
    if format == Format::Xlsx {
        check_expansion(path)?;
    }
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| {
        read_error(
            format!("无法打开 Excel 文件（文件可能损坏或不完整）：{e}"),
            format!("cannot open the Excel file (damaged or incomplete?): {e}"),
        )
    })?;
    let sheet = wb.sheet_names().first().cloned().ok_or_else(|| read_error("Excel 文件没有工作表", "the workbook has no sheet"))?;
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| read_error(format!("无法读取工作表 {sheet}：{e}"), format!("cannot read sheet {sheet}: {e}")))?;
    let first_row = u64::from(range.start().map_or(0, |(r, _)| r));
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| read_error("工作表为空，没有表头行", "the sheet is empty: no header row"))?
        .iter()
        .map(cell_text)
        .collect();
    visit(Line::Header(&header));
    let mut cells = Vec::new();
    for (i, row) in rows.enumerate() {
        cells.clear();
        cells.extend(row.iter().map(cell_text));
        if cells.iter().any(|c| !c.is_empty()) {
            // Excel rows are 1-based and the header is the range's first row.
            visit(Line::Row(first_row + i as u64 + 2, &cells));
        }
    }
    Ok(Source { format, encoding: if format == Format::Xls { "BIFF8" } else { "OOXML" }, ends_without_newline: false })
}

/// An Excel cell as the text a clerk would have typed. Whole numbers lose their `.0`; an
/// 18-digit ID number typed as a number has already lost digits in Excel, and the validator
/// says so rather than this function guessing.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (*f as i64).to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel's day 0 is 1899-12-30 (the 1900 leap-year bug included).
        Data::DateTime(d) => NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|e| e.checked_add_signed(chrono::Duration::days(d.as_f64().floor() as i64)))
            .map_or_else(|| d.to_string(), |t| t.to_string()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e:?}"),
    }
}

fn scan_parquet(path: &Path, visit: &mut dyn FnMut(Line<'_>)) -> Result<Source, ReadError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| {
        read_error(
            format!("无法打开 Parquet 文件（文件可能被截断或损坏）：{e}"),
            format!("cannot open the Parquet file (truncated or damaged?): {e}"),
        )
    })?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let header: Vec<String> = schema.columns().iter().map(|c| c.name().to_string()).collect();
    visit(Line::Header(&header));
    let rows = reader
        .get_row_iter(None)
        .map_err(|e| read_error(format!("无法读取 Parquet 数据：{e}"), format!("cannot read Parquet rows: {e}")))?;
    let mut cells = Vec::with_capacity(header.len());
    for (i, row) in rows.enumerate() {
        let row = row.map_err(|e| {
            read_error(format!("Parquet 第 {} 行无法读取：{e}", i + 1), format!("Parquet row {} cannot be read: {e}", i + 1))
        })?;
        cells.clear();
        for (_, f) in row.get_column_iter() {
            cells.push(match f {
                Field::Null => String::new(),
                Field::Str(s) => s.trim().to_string(),
                Field::Date(days) => {
                    NaiveDate::from_num_days_from_ce_opt(*days + 719_163).map_or_else(|| days.to_string(), |d| d.to_string())
                }
                other => other.to_string().trim_matches('"').to_string(),
            });
        }
        visit(Line::Row(i as u64 + 1, &cells));
    }
    Ok(Source { format: Format::Parquet, encoding: "Parquet", ends_without_newline: false })
}
