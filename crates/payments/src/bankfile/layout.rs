//! Bank layouts (银行文件格式) as data: one YAML file each under `crates/payments/layouts/`.
//!
//! Adding a layout is adding a YAML file there and one line in [`EMBEDDED`]. The YAML is checked
//! when first used (and by the tests): every field a bank file needs is there once, fixed-width
//! records have one width, a delimiter cannot be confused with an amount.

use serde::Deserialize;
use std::sync::LazyLock;

/// The embedded layout files: (file name, contents). The file name must be `NAME.yaml`.
pub(crate) const EMBEDDED: &[(&str, &str)] = &[
    ("csv-utf8.yaml", include_str!("../../layouts/csv-utf8.yaml")),
    ("pipe-gbk.yaml", include_str!("../../layouts/pipe-gbk.yaml")),
    ("fixed-gbk.yaml", include_str!("../../layouts/fixed-gbk.yaml")),
];

static LAYOUTS: LazyLock<Vec<Layout>> = LazyLock::new(|| match load(EMBEDDED) {
    Ok(layouts) => layouts,
    // The layouts are compiled into the binary and checked by `all_embedded_layouts_load`:
    // a broken one is a programming error that no caller could handle.
    Err(e) => panic!("embedded bank layout is invalid: {e}"),
});

/// Every layout jiuzhu can write, in the order of [`EMBEDDED`].
pub fn layouts() -> &'static [Layout] {
    &LAYOUTS
}

/// The layout called `name` (`csv-utf8`, `pipe-gbk`, `fixed-gbk`, …).
pub fn layout(name: &str) -> Option<&'static Layout> {
    layouts().iter().find(|l| l.name == name)
}

/// One bank file layout, read from its YAML file. Only [`layouts`] makes them.
#[derive(Debug, Clone)]
pub struct Layout {
    pub name: String,
    pub description_zh: String,
    pub description_en: String,
    pub(crate) encoding: TextEncoding,
    pub(crate) kind: LayoutKind,
    /// The delimiter of csv and delimited layouts (`'\0'` for fixed width).
    pub(crate) delim: char,
    pub(crate) line_ending: LineEnding,
    /// A first row naming the columns (`reference,name,…`).
    pub(crate) column_row: bool,
    /// The summary record (`date|payer|count|total`) written before the payments; empty for none.
    pub(crate) header: Vec<FieldSpec<HeaderField>>,
    /// The fields of one payment line, in order.
    pub(crate) fields: Vec<FieldSpec<LineField>>,
    /// The byte width of a fixed-width record (without the line ending); 0 for the others.
    pub(crate) width: usize,
}

/// A layout's YAML file, as written; [`LayoutFile::check`] makes it a [`Layout`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    name: String,
    description_zh: String,
    description_en: String,
    encoding: TextEncoding,
    kind: LayoutKind,
    #[serde(default)]
    delimiter: Option<String>,
    line_ending: LineEnding,
    #[serde(default)]
    column_row: bool,
    #[serde(default)]
    header: Vec<FieldSpec<HeaderField>>,
    fields: Vec<FieldSpec<LineField>>,
}

/// The character encoding of a bank file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    /// GBK through `encoding_rs::GBK`: a character GBK cannot represent is an error, never `?`.
    #[serde(rename = "gbk")]
    Gbk,
}

/// How the fields of a line are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayoutKind {
    /// RFC 4180 quoting: a field holding the delimiter or `"` is quoted.
    Csv,
    /// Plain delimiter, no quoting: a field holding the delimiter is an error.
    Delimited,
    /// Fixed byte widths.
    Fixed,
}

/// The end of every line, the last included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    Lf,
    Crlf,
}

impl TextEncoding {
    /// `UTF-8`, `GBK`.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gbk => "GBK",
        }
    }
}

impl LineEnding {
    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::Crlf => b"\r\n",
        }
    }
}

/// A field of a payment line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LineField {
    Reference,
    Name,
    IdNumber,
    Account,
    Amount,
    Memo,
    /// A constant (`value`), e.g. `01` for a resident ID card.
    IdType,
    /// Blanks (fixed width only).
    Filler,
}

/// A field of the summary record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HeaderField {
    Date,
    Payer,
    Count,
    Total,
    Filler,
}

/// What the writer and the reader need to know of a field's kind.
pub(crate) trait FieldKey: Copy + PartialEq {
    /// The English key: the YAML name, the CSV column name and [`super::BankFileError::field`].
    fn key(self) -> &'static str;
    /// Right-aligned by default (numbers).
    fn numeric(self) -> bool;
    /// May be cut at a character boundary when the YAML says `truncate: true`.
    fn truncatable(self) -> bool;
    fn is_filler(self) -> bool;
}

impl FieldKey for LineField {
    fn key(self) -> &'static str {
        match self {
            LineField::Reference => "reference",
            LineField::Name => "name",
            LineField::IdNumber => "id_number",
            LineField::Account => "account",
            LineField::Amount => "amount",
            LineField::Memo => "memo",
            LineField::IdType => "id_type",
            LineField::Filler => "filler",
        }
    }
    fn numeric(self) -> bool {
        self == LineField::Amount
    }
    fn truncatable(self) -> bool {
        matches!(self, LineField::Name | LineField::Memo)
    }
    fn is_filler(self) -> bool {
        self == LineField::Filler
    }
}

impl FieldKey for HeaderField {
    fn key(self) -> &'static str {
        match self {
            HeaderField::Date => "date",
            HeaderField::Payer => "payer",
            HeaderField::Count => "count",
            HeaderField::Total => "total",
            HeaderField::Filler => "filler",
        }
    }
    fn numeric(self) -> bool {
        matches!(self, HeaderField::Count | HeaderField::Total)
    }
    fn truncatable(self) -> bool {
        self == HeaderField::Payer
    }
    fn is_filler(self) -> bool {
        self == HeaderField::Filler
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Pad {
    Space,
    Zero,
}

impl Pad {
    pub(crate) fn byte(self) -> u8 {
        match self {
            Pad::Space => b' ',
            Pad::Zero => b'0',
        }
    }
}

/// One field of a layout, as the YAML says it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldSpec<K> {
    pub(crate) field: K,
    /// Bytes, fixed width only.
    #[serde(default)]
    pub(crate) width: Option<usize>,
    /// Fixed width only; numbers default to right, text to left.
    #[serde(default)]
    pub(crate) align: Option<Align>,
    /// Fixed width only; default space. Zero only for right-aligned numbers.
    #[serde(default)]
    pub(crate) pad: Option<Pad>,
    /// Fixed width only: cut a value that does not fit at a character boundary instead of refusing it.
    #[serde(default)]
    pub(crate) truncate: bool,
    /// The constant of an `id_type` field.
    #[serde(default)]
    pub(crate) value: Option<String>,
}

impl<K: FieldKey> FieldSpec<K> {
    pub(crate) fn width(&self) -> usize {
        self.width.unwrap_or(0)
    }
    pub(crate) fn align(&self) -> Align {
        self.align.unwrap_or(if self.field.numeric() { Align::Right } else { Align::Left })
    }
    pub(crate) fn pad(&self) -> Pad {
        self.pad.unwrap_or(Pad::Space)
    }
}

impl Layout {
    /// The encoding of the file.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    pub fn kind(&self) -> LayoutKind {
        self.kind
    }

    pub fn line_ending(&self) -> LineEnding {
        self.line_ending
    }

    /// Whether the file starts with a summary record (date, payer, count, total).
    pub fn has_header(&self) -> bool {
        !self.header.is_empty()
    }

    /// The byte width of every record of a fixed-width layout, without the line ending.
    pub fn record_width(&self) -> Option<usize> {
        (self.kind == LayoutKind::Fixed).then_some(self.width)
    }

    /// The file name extension a download should carry.
    pub fn file_extension(&self) -> &'static str {
        match self.kind {
            LayoutKind::Csv => "csv",
            LayoutKind::Delimited | LayoutKind::Fixed => "txt",
        }
    }

    /// The HTTP content type of a download.
    pub fn content_type(&self) -> &'static str {
        match (self.kind, self.encoding) {
            (LayoutKind::Csv, TextEncoding::Utf8) => "text/csv; charset=utf-8",
            (LayoutKind::Csv, TextEncoding::Gbk) => "text/csv; charset=GBK",
            (_, TextEncoding::Utf8) => "text/plain; charset=utf-8",
            (_, TextEncoding::Gbk) => "text/plain; charset=GBK",
        }
    }
}

impl LayoutFile {
    /// Checks what serde cannot and resolves the delimiter and the record width.
    fn check(self) -> Result<Layout, String> {
        let fixed = self.kind == LayoutKind::Fixed;
        let delim = match (self.kind, self.delimiter.as_deref()) {
            (LayoutKind::Fixed, None) => '\0',
            (LayoutKind::Fixed, Some(_)) => return Err("a fixed-width layout has no delimiter".into()),
            (LayoutKind::Csv, None) => ',',
            (LayoutKind::Delimited, None) => return Err("a delimited layout needs a delimiter".into()),
            (_, Some(d)) => {
                let mut chars = d.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if c == '\t' || (c.is_ascii_punctuation() && !matches!(c, '"' | '.' | '-' | '+')) => c,
                    _ => return Err(format!("delimiter {d:?} must be one punctuation character other than \" . - +, or a tab")),
                }
            }
        };
        if self.column_row && (fixed || !self.header.is_empty()) {
            return Err("column_row is only for csv and delimited layouts without a header".into());
        }
        check_fields(&self.fields, fixed, delim)?;
        check_fields(&self.header, fixed, delim)?;
        for required in [LineField::Reference, LineField::Name, LineField::Account, LineField::Amount] {
            if !self.fields.iter().any(|f| f.field == required) {
                return Err(format!("the line has no {} field", required.key()));
            }
        }
        if !self.header.is_empty() {
            for required in [HeaderField::Count, HeaderField::Total] {
                if !self.header.iter().any(|f| f.field == required) {
                    return Err(format!("the header has no {} field", required.key()));
                }
            }
        }
        let width = self.fields.iter().map(FieldSpec::width).sum();
        let header_width: usize = self.header.iter().map(FieldSpec::width).sum();
        if fixed && !self.header.is_empty() && header_width != width {
            return Err(format!("the header record is {header_width} bytes but a line is {width} bytes"));
        }
        Ok(Layout {
            name: self.name,
            description_zh: self.description_zh,
            description_en: self.description_en,
            encoding: self.encoding,
            kind: self.kind,
            delim,
            line_ending: self.line_ending,
            column_row: self.column_row,
            header: self.header,
            fields: self.fields,
            width,
        })
    }
}

fn check_fields<K: FieldKey>(fields: &[FieldSpec<K>], fixed: bool, delim: char) -> Result<(), String> {
    for (i, f) in fields.iter().enumerate() {
        let key = f.field.key();
        if !f.field.is_filler() && fields[..i].iter().any(|g| g.field == f.field) {
            return Err(format!("field {key} appears twice"));
        }
        if fixed {
            match f.width {
                Some(w) if w > 0 => {}
                _ => return Err(format!("field {key} needs a width above 0 in a fixed-width layout")),
            }
            if f.field.numeric() && f.width() < 4 {
                return Err(format!("number field {key} is narrower than 4 bytes"));
            }
            if f.pad() == Pad::Zero && !(f.field.numeric() && f.align() == Align::Right) {
                return Err(format!("field {key}: zero padding is only for right-aligned numbers"));
            }
            if f.truncate && !f.field.truncatable() {
                return Err(format!("field {key} may not be truncated: only name, memo and payer may"));
            }
        } else if f.width.is_some() || f.align.is_some() || f.pad.is_some() || f.truncate {
            return Err(format!("field {key}: width, align, pad and truncate are for fixed-width layouts only"));
        } else if f.field.is_filler() {
            return Err("filler is for fixed-width layouts only".into());
        }
        let is_id_type = f.field.key() == "id_type";
        match (&f.value, is_id_type) {
            (Some(v), true) => {
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(format!("field {key}: value {v:?} must be ASCII letters or digits"));
                }
                if fixed && v.len() > f.width() {
                    return Err(format!("field {key}: value {v:?} is wider than the field"));
                }
                if v.contains(delim) {
                    return Err(format!("field {key}: value {v:?} holds the delimiter"));
                }
            }
            (None, true) => return Err(format!("field {key} needs a value (e.g. \"01\")")),
            (Some(_), false) => return Err(format!("field {key} takes no value")),
            (None, false) => {}
        }
    }
    Ok(())
}

/// Parses and checks embedded layout files.
pub(crate) fn load(files: &[(&str, &str)]) -> Result<Vec<Layout>, String> {
    let mut out: Vec<Layout> = Vec::with_capacity(files.len());
    for (file, text) in files {
        let layout: LayoutFile = serde_norway::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        let layout = layout.check().map_err(|e| format!("{file}: {e}"))?;
        if *file != format!("{}.yaml", layout.name) {
            return Err(format!("{file}: the layout is called {}, the file must be {}.yaml", layout.name, layout.name));
        }
        if out.iter().any(|l| l.name == layout.name) {
            return Err(format!("{file}: a second layout called {}", layout.name));
        }
        out.push(layout);
    }
    Ok(out)
}
