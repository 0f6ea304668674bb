//! The population as UTF-8 CSV files, plus the department feeds derived from it.
//!
//! Every file has a header row. Money is in fen (integers), dates `YYYY-MM-DD`, months
//! `YYYY-MM`, booleans `true`/`false`, an absent value is an empty field. `household_no` is
//! the household's index + 1; `seq` / `member_seq` is the member's 1-based position in its
//! household (the head is 1); an empty `member_seq` means the whole household.
//!
//! | file | columns |
//! | --- | --- |
//! | `households.csv` | household_no, hukou_region, residence_region, area, address, phone, bank, bank_account_no |
//! | `members.csv` | household_no, seq, id_number, name, relation, sex, birth_date, disability_kind, disability_grade, serious_illness, chronic_illness, self_care_unmet, labour_capacity, student, employment, living_together, phone, disability_certificate, excluded |
//! | `incomes.csv` | household_no, member_seq, kind, month, amount_fen |
//! | `assets.csv` | household_no, member_seq, kind, value_fen, description |
//! | `expenses.csv` | household_no, kind, month, amount_fen, description |
//! | `supporters.csv` | household_no, name, relation, birth_date, status, severe_disability, incapacitated, missing, imprisoned, annual_income_per_capita_fen, assets_within_limits |
//! | `divisions.csv` | code, name, level |
//! | `feed_{code}.csv` (or `.parquet`) | one per `jiuzhu_verify::Feed`, its declared columns (see `crate::feeds`) |
//! | `planted.csv` | household_no, member_seq, kind — the facts planted in the feeds |
//! | `README.txt` | what this is, the configuration, this table |
//!
//! Enumerations use the `as_str` codes of `jiuzhu_domain` (`rural`, `head`, `migrant_work`,
//! `pension_basic` …). `self_care_unmet` is the number of the six daily-living items not met;
//! the generator always loses them in the Katz order (bathing, dressing, toilet, getting up,
//! walking, eating), so the count says which.
//!
//! The feeds and what is planted in them are described in [`crate::feeds`].

use crate::Config;
use crate::Population;
use crate::feeds::FeedWriter;
use crate::formats::month_text;
use chrono::NaiveDate;
use jiuzhu_domain::{Division, MemberData, NewHousehold};
use jiuzhu_verify::schema::Feed;
use jiuzhu_verify::sink::{FeedFormat, FeedSink, feed_path};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// One population file being written.
type CsvWriter = csv::Writer<BufWriter<File>>;

/// The list of planted facts: `household_no, member_seq, kind` (a `FindingKind` code).
pub const PLANTED: &str = "planted.csv";

/// The population's files, in order, with their header rows (the feeds follow, one file per
/// `jiuzhu_verify::Feed`, with the feed's declared columns).
pub const FILES: &[(&str, &[&str])] = &[
    ("households.csv", &["household_no", "hukou_region", "residence_region", "area", "address", "phone", "bank", "bank_account_no"]),
    (
        "members.csv",
        &[
            "household_no",
            "seq",
            "id_number",
            "name",
            "relation",
            "sex",
            "birth_date",
            "disability_kind",
            "disability_grade",
            "serious_illness",
            "chronic_illness",
            "self_care_unmet",
            "labour_capacity",
            "student",
            "employment",
            "living_together",
            "phone",
            "disability_certificate",
            "excluded",
        ],
    ),
    ("incomes.csv", &["household_no", "member_seq", "kind", "month", "amount_fen"]),
    ("assets.csv", &["household_no", "member_seq", "kind", "value_fen", "description"]),
    ("expenses.csv", &["household_no", "kind", "month", "amount_fen", "description"]),
    (
        "supporters.csv",
        &[
            "household_no",
            "name",
            "relation",
            "birth_date",
            "status",
            "severe_disability",
            "incapacitated",
            "missing",
            "imprisoned",
            "annual_income_per_capita_fen",
            "assets_within_limits",
        ],
    ),
    ("divisions.csv", &["code", "name", "level"]),
];

/// Writes a population to `dir` (created if needed); returns the paths written.
pub fn write_files(pop: &Population, dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut w = FilesWriter::create(dir, &pop.config, &pop.divisions)?;
    for (i, h) in pop.households.iter().enumerate() {
        w.write(i, h)?;
    }
    w.finish()
}

/// Streams households into the files one at a time (for populations too big to hold).
pub struct FilesWriter {
    dir: PathBuf,
    feeds: FeedWriter,
    sink: FeedSink,
    planted: CsvWriter,
    planted_count: usize,
    /// The population files, in the order of [`FILES`].
    tables: Vec<CsvWriter>,
    written: usize,
}

// Positions in `FILES` (and `FilesWriter::tables`).
const HOUSEHOLDS: usize = 0;
const MEMBERS: usize = 1;
const INCOMES: usize = 2;
const ASSETS: usize = 3;
const EXPENSES: usize = 4;
const SUPPORTERS: usize = 5;
const DIVISIONS: usize = 6;

/// One row of `members.csv` (more fields than serde serialises as a tuple).
#[derive(Serialize)]
struct MemberRow<'a> {
    household_no: usize,
    seq: usize,
    id_number: &'a str,
    name: &'a str,
    relation: &'a str,
    sex: &'a str,
    birth_date: NaiveDate,
    disability_kind: Option<&'a str>,
    disability_grade: Option<u8>,
    serious_illness: bool,
    chronic_illness: bool,
    self_care_unmet: u8,
    labour_capacity: &'a str,
    student: Option<&'a str>,
    employment: &'a str,
    living_together: bool,
    phone: Option<&'a str>,
    disability_certificate: Option<&'a str>,
    excluded: Option<&'a str>,
}

impl<'a> MemberRow<'a> {
    /// Member `i` (0-based) of household number `household_no`.
    fn new(household_no: usize, i: usize, m: &'a MemberData) -> MemberRow<'a> {
        let disability = m.disability.as_ref();
        MemberRow {
            household_no,
            seq: i + 1,
            id_number: m.id_number.as_str(),
            name: &m.name,
            relation: m.relation.as_str(),
            sex: m.sex.as_str(),
            birth_date: m.birth_date,
            disability_kind: disability.map(|x| x.kind.as_str()),
            disability_grade: disability.map(|x| x.grade),
            serious_illness: m.serious_illness,
            chronic_illness: m.chronic_illness,
            self_care_unmet: m.self_care.unmet(),
            labour_capacity: m.labour_capacity.as_str(),
            student: m.student.map(|s| s.as_str()),
            employment: m.employment.as_str(),
            living_together: m.living_together,
            phone: m.phone.as_deref(),
            disability_certificate: disability.and_then(|x| x.certificate.as_deref()),
            excluded: m.excluded.map(|x| x.as_str()),
        }
    }
}

/// A record's `member_seq`: the member's 1-based position, empty for the whole household.
fn member_seq(member: Option<usize>) -> Option<usize> {
    member.map(|i| i + 1)
}

impl FilesWriter {
    /// Creates `dir`, every file with its header, `divisions.csv` and `README.txt`.
    pub fn create(dir: &Path, cfg: &Config, divisions: &[Division]) -> io::Result<FilesWriter> {
        FilesWriter::create_with(dir, cfg, divisions, FeedFormat::Csv)
    }

    /// The same, with the department feeds in `format` (CSV or Parquet).
    pub fn create_with(dir: &Path, cfg: &Config, divisions: &[Division], format: FeedFormat) -> io::Result<FilesWriter> {
        std::fs::create_dir_all(dir)?;
        let mut tables = Vec::with_capacity(FILES.len());
        for (name, header) in FILES {
            let file = File::create(dir.join(name))?;
            let mut table = csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::with_capacity(1 << 16, file));
            table.write_record(*header)?;
            tables.push(table);
        }
        for d in divisions {
            tables[DIVISIONS].write_record([d.code.as_str(), d.name.as_str(), d.code.level().as_str()])?;
        }
        write_readme(dir, cfg, divisions, format)?;
        let sink = FeedSink::create(dir, format)?;
        let mut planted = csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::new(File::create(dir.join(PLANTED))?));
        planted.write_record(["household_no", "member_seq", "kind"])?;
        let feeds = FeedWriter::for_config(cfg);
        Ok(FilesWriter { dir: dir.to_path_buf(), feeds, sink, planted, planted_count: 0, tables, written: 0 })
    }

    /// Writes household number `index` (0-based; call in increasing order).
    pub fn write(&mut self, index: usize, h: &NewHousehold) -> io::Result<()> {
        let no = index + 1;
        let d = &h.data;
        let bank = d.bank_account.as_ref();
        self.tables[HOUSEHOLDS].serialize((
            no,
            d.hukou_region.as_str(),
            d.residence_region.as_str(),
            d.area.as_str(),
            d.address.as_str(),
            d.phone.as_deref(),
            bank.map(|b| b.bank.as_str()),
            bank.map(|b| b.account_no.as_str()),
        ))?;
        for (i, m) in h.members.iter().enumerate() {
            self.tables[MEMBERS].serialize(MemberRow::new(no, i, m))?;
        }
        for x in &h.incomes {
            self.tables[INCOMES].serialize((no, member_seq(x.member), x.kind.as_str(), month_text(x.month), x.amount.0))?;
        }
        for x in &h.assets {
            self.tables[ASSETS].serialize((no, member_seq(x.member), x.kind.as_str(), x.value.0, x.description.as_str()))?;
        }
        for x in &h.expenses {
            self.tables[EXPENSES].serialize((no, x.kind.as_str(), month_text(x.month), x.amount.0, x.description.as_str()))?;
        }
        for s in &h.supporters {
            self.tables[SUPPORTERS].serialize((
                no,
                s.name.as_str(),
                s.relation.as_str(),
                s.birth_date.map(|b| b.to_string()),
                s.status.as_str(),
                s.severe_disability,
                s.incapacitated,
                s.missing,
                s.imprisoned,
                s.annual_income_per_capita.map(|f| f.0),
                s.assets_within_limits,
            ))?;
        }
        for p in self.feeds.write(&mut self.sink, index, h)? {
            self.planted.serialize((p.household_no, p.member_seq, p.kind.as_str()))?;
            self.planted_count += 1;
        }
        self.written += 1;
        Ok(())
    }

    /// Flushes every file; returns the paths written: the population's CSV files, the feeds,
    /// `planted.csv`, then `README.txt`.
    pub fn finish(mut self) -> io::Result<Vec<PathBuf>> {
        let mut paths = Vec::with_capacity(FILES.len() + Feed::ALL.len() + 2);
        for (mut table, (name, _)) in self.tables.into_iter().zip(FILES) {
            table.flush()?;
            paths.push(self.dir.join(name));
        }
        let format = self.sink.format();
        self.sink.finish()?;
        paths.extend(Feed::ALL.iter().map(|f| feed_path(&self.dir, *f, format)));
        self.planted.flush()?;
        paths.push(self.dir.join(PLANTED));
        paths.push(self.dir.join("README.txt"));
        Ok(paths)
    }

    /// Planted facts written so far.
    pub fn planted(&self) -> usize {
        self.planted_count
    }

    /// Households written so far.
    pub fn written(&self) -> usize {
        self.written
    }
}

/// `README.txt`: what the data is (and that nobody in it is real), how to regenerate it, and
/// every file's columns.
fn write_readme(dir: &Path, cfg: &Config, divisions: &[Division], format: FeedFormat) -> io::Result<()> {
    let region_name = divisions.iter().find(|d| d.code == cfg.region).map(|d| d.name.as_str()).unwrap_or("");
    let mut readme = BufWriter::new(File::create(dir.join("README.txt"))?);
    write!(
        readme,
        "jiuzhu 合成数据 / synthetic data\n\n\
         本目录中的所有人员、家庭、身份证号、电话、银行账号、车牌均为程序随机生成的虚构数据，\n\
         不对应任何真实的人。区划代码与名称来自国家统计局 2023 年统计用区划代码。\n\
         Every person, household, ID number, phone, bank account and plate here was made up by a\n\
         random generator and belongs to nobody. Only the region codes and names are real\n\
         (National Bureau of Statistics, 2023 statistical division codes).\n\
         Bank account numbers start with 99 (no card range) or, for one in ten, 62 with a wrong check digit, so none is a real card.\n\n\
         generator: jiuzhu-synth {}\n\
         region: {} {}\n\
         households: {}\n\
         seed: {}\n\
         as_of: {}  (ages are counted on this day; incomes cover the 12 months before its month)\n\n\
         Regenerate with: jiuzhu gen --region {} --households {} --seed {} --out DIR\n\n\
         Files (UTF-8 CSV with a header row; money in fen; months YYYY-MM; empty = absent):\n",
        env!("CARGO_PKG_VERSION"),
        cfg.region,
        region_name,
        cfg.households,
        cfg.seed,
        cfg.as_of,
        cfg.region,
        cfg.households,
        cfg.seed,
    )?;
    for (name, header) in FILES {
        writeln!(readme, "  {name}: {}", header.join(", "))?;
    }
    for f in Feed::ALL {
        let cols: Vec<&str> = f.columns().iter().map(|c| c.name).collect();
        writeln!(readme, "  {}.{} ({}): {}", f.file_stem(), format.extension(), f.label(), cols.join(", "))?;
    }
    writeln!(readme, "  {PLANTED}: household_no, member_seq, kind")?;
    write!(
        readme,
        "\nhousehold_no = household index + 1; seq/member_seq = 1-based member position (head = 1),\n\
         empty member_seq = the whole household. self_care_unmet counts the daily-living items not\n\
         met, lost in the order bathing, dressing, toilet, getting up, walking, eating.\n\
         The feed_* files are what thirteen departments would send about the same people, with\n\
         planted facts (hidden income, vehicles, businesses, property and deposits; deaths; new\n\
         severe disabilities; large medical bills; job loss; enrolment; leaving school; disasters)\n\
         listed in planted.csv, so that a check's recall and precision can be measured.\n"
    )?;
    readme.flush()?;
    Ok(())
}
