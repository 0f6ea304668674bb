//! Writing feeds as files, the way departments send them: CSV (UTF-8, header row) or Parquet
//! (dates as DATE, money and counts as INT64, text as UTF-8; row groups of 256k rows).
//! `jiuzhu gen` writes its synthetic feeds through these, so the files it writes are the
//! files the importer and the batch check read.

use crate::schema::{ColumnType, Feed};
use parquet::basic::Compression;
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which file format feeds are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Csv,
    Parquet,
}

impl FeedFormat {
    pub fn extension(self) -> &'static str {
        match self {
            FeedFormat::Csv => "csv",
            FeedFormat::Parquet => "parquet",
        }
    }
}

/// The path of `feed` in `dir`: `feed_{code}.{csv|parquet}`.
pub fn feed_path(dir: &Path, feed: Feed, format: FeedFormat) -> PathBuf {
    dir.join(format!("{}.{}", feed.file_stem(), format.extension()))
}

/// One writer per feed; rows are given as text cells in the declared column order (an empty
/// cell is an absent value).
pub struct FeedSink {
    format: FeedFormat,
    csv: Vec<Option<csv::Writer<BufWriter<File>>>>,
    parquet: Vec<Option<ParquetFeed>>,
    rows: Vec<u64>,
}

const ROW_GROUP: usize = 256 * 1024;

impl FeedSink {
    /// Creates every feed's file in `dir` (with its header, for CSV).
    pub fn create(dir: &Path, format: FeedFormat) -> io::Result<FeedSink> {
        std::fs::create_dir_all(dir)?;
        let mut csv = Vec::new();
        let mut parquet = Vec::new();
        for feed in Feed::ALL {
            let path = feed_path(dir, feed, format);
            match format {
                FeedFormat::Csv => {
                    let mut w =
                        csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::with_capacity(1 << 16, File::create(path)?));
                    w.write_record(feed.columns().iter().map(|c| c.name))?;
                    csv.push(Some(w));
                    parquet.push(None);
                }
                FeedFormat::Parquet => {
                    csv.push(None);
                    parquet.push(Some(ParquetFeed::create(&path, feed)?));
                }
            }
        }
        Ok(FeedSink { format, csv, parquet, rows: vec![0; Feed::ALL.len()] })
    }

    pub fn format(&self) -> FeedFormat {
        self.format
    }

    /// Writes one row of `feed`.
    pub fn write(&mut self, feed: Feed, cells: &[&str]) -> io::Result<()> {
        let i = feed as usize;
        debug_assert_eq!(cells.len(), feed.columns().len(), "{feed:?}");
        self.rows[i] += 1;
        if let Some(w) = &mut self.csv[i] {
            w.write_record(cells)?;
        }
        if let Some(p) = &mut self.parquet[i] {
            p.push(cells)?;
        }
        Ok(())
    }

    /// Rows written per feed, in [`Feed::ALL`] order.
    pub fn rows(&self) -> &[u64] {
        &self.rows
    }

    /// Flushes and closes every file.
    pub fn finish(self) -> io::Result<()> {
        for w in self.csv.into_iter().flatten() {
            w.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
        }
        for p in self.parquet.into_iter().flatten() {
            p.close()?;
        }
        Ok(())
    }
}

fn pq(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::other(e.to_string())
}

/// The Parquet schema of a feed.
pub fn parquet_schema(feed: Feed) -> String {
    let mut s = format!("message feed_{} {{\n", feed.code());
    for c in feed.columns() {
        let rep = if c.required { "REQUIRED" } else { "OPTIONAL" };
        let ty = match c.kind {
            ColumnType::Date | ColumnType::Month => "INT32",
            ColumnType::Fen | ColumnType::Count => "INT64",
            _ => "BYTE_ARRAY",
        };
        let logical = match c.kind {
            ColumnType::Date | ColumnType::Month => " (DATE)",
            ColumnType::Fen | ColumnType::Count => "",
            _ => " (UTF8)",
        };
        s.push_str(&format!("  {rep} {ty} {}{logical};\n", c.name));
    }
    s.push('}');
    s
}

enum Buffer {
    Text(Vec<ByteArray>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
}

struct ParquetFeed {
    feed: Feed,
    writer: SerializedFileWriter<BufWriter<File>>,
    columns: Vec<Buffer>,
    /// Definition levels of optional columns (1 = present).
    defs: Vec<Vec<i16>>,
    len: usize,
}

/// Days from 1970-01-01, as Parquet's DATE counts them.
#[allow(clippy::expect_used, reason = "a constant date")]
fn epoch_days(text: &str) -> Option<i32> {
    let d = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d"))
        .ok()?;
    Some((d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days() as i32)
}

impl ParquetFeed {
    fn create(path: &Path, feed: Feed) -> io::Result<ParquetFeed> {
        let schema = Arc::new(parquet::schema::parser::parse_message_type(&parquet_schema(feed)).map_err(pq)?);
        let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
        let writer = SerializedFileWriter::new(BufWriter::with_capacity(1 << 20, File::create(path)?), schema, props).map_err(pq)?;
        let columns = feed
            .columns()
            .iter()
            .map(|c| match c.kind {
                ColumnType::Date | ColumnType::Month => Buffer::Int32(Vec::new()),
                ColumnType::Fen | ColumnType::Count => Buffer::Int64(Vec::new()),
                _ => Buffer::Text(Vec::new()),
            })
            .collect();
        Ok(ParquetFeed { feed, writer, columns, defs: vec![Vec::new(); feed.columns().len()], len: 0 })
    }

    fn push(&mut self, cells: &[&str]) -> io::Result<()> {
        for (i, (c, text)) in self.feed.columns().iter().zip(cells).enumerate() {
            if !c.required {
                self.defs[i].push(i16::from(!text.is_empty()));
                if text.is_empty() {
                    continue;
                }
            }
            let bad = || io::Error::other(format!("{}: bad value {text:?} for {}", self.feed.code(), c.name));
            match &mut self.columns[i] {
                Buffer::Text(v) => v.push(ByteArray::from(text.as_bytes().to_vec())),
                Buffer::Int32(v) => v.push(epoch_days(text).ok_or_else(bad)?),
                Buffer::Int64(v) => v.push(text.parse().map_err(|_| bad())?),
            }
        }
        self.len += 1;
        if self.len >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.len == 0 {
            return Ok(());
        }
        let mut rg = self.writer.next_row_group().map_err(pq)?;
        for (i, buf) in self.columns.iter_mut().enumerate() {
            let mut col = rg.next_column().map_err(pq)?.ok_or_else(|| io::Error::other("column count"))?;
            let defs = (!self.feed.columns()[i].required).then_some(self.defs[i].as_slice());
            match (col.untyped(), buf) {
                (ColumnWriter::ByteArrayColumnWriter(w), Buffer::Text(v)) => w.write_batch(v, defs, None).map(|_| ()),
                (ColumnWriter::Int32ColumnWriter(w), Buffer::Int32(v)) => w.write_batch(v, defs, None).map(|_| ()),
                (ColumnWriter::Int64ColumnWriter(w), Buffer::Int64(v)) => w.write_batch(v, defs, None).map(|_| ()),
                _ => unreachable!("buffers follow the schema"),
            }
            .map_err(pq)?;
            col.close().map_err(pq)?;
        }
        rg.close().map_err(pq)?;
        for b in &mut self.columns {
            match b {
                Buffer::Text(v) => v.clear(),
                Buffer::Int32(v) => v.clear(),
                Buffer::Int64(v) => v.clear(),
            }
        }
        for d in &mut self.defs {
            d.clear();
        }
        self.len = 0;
        Ok(())
    }

    fn close(mut self) -> io::Result<()> {
        self.flush()?;
        self.writer.close().map_err(pq)?;
        Ok(())
    }
}
