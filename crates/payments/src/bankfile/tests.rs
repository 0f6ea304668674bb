//! Bank files: every layout written and read back, and the ways a file can go wrong.

use super::codec::{amount_str, parse_amount_text};
use super::layout::{EMBEDDED, load};
use super::*;
use chrono::NaiveDate;
use encoding_rs::GBK;
use jiuzhu_domain::Fen;
use proptest::prelude::*;
use std::io::{self, Read, Write};

const NAMES: [&str; 3] = ["csv-utf8", "pipe-gbk", "fixed-gbk"];

fn header(count: u64, total: Fen) -> FileHeader {
    FileHeader { date: NaiveDate::from_ymd_opt(2025, 3, 10).unwrap(), payer: "某某区民政局".into(), count, total }
}

fn line<'a>(reference: &'a str, name: &'a str, amount: i64) -> BankLine<'a> {
    BankLine {
        reference,
        name,
        id_number: "110101199003078515",
        account: "6222020200001234567",
        amount: Fen(amount),
        memo: "2025年3月低保",
    }
}

fn three() -> Vec<BankLine<'static>> {
    vec![line("JZ202503000001", "张三", 123_456), line("JZ202503000002", "欧阳娜娜", 50_000), line("JZ202503000003", "Li Si", 1)]
}

const THREE_TOTAL: Fen = Fen(123_456 + 50_000 + 1);

fn write_file(layout: &'static Layout, header: &FileHeader, lines: &[BankLine<'_>]) -> Result<Vec<u8>, BankFileError> {
    let mut w = BankFileWriter::new(layout, Vec::new(), header)?;
    for l in lines {
        w.write(l)?;
    }
    w.finish()
}

fn three_file(name: &str) -> Vec<u8> {
    write_file(layout(name).unwrap(), &header(3, THREE_TOTAL), &three()).unwrap()
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = GBK.encode(text);
    assert!(!had_errors);
    bytes.into_owned()
}

fn text_of(name: &str, bytes: &[u8]) -> String {
    if layout(name).unwrap().encoding() == TextEncoding::Gbk {
        GBK.decode_without_bom_handling_and_without_replacement(bytes).unwrap().into_owned()
    } else {
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}

fn replace_once(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    assert!(bytes[at + 1..].windows(from.len()).all(|w| w != from), "the pattern occurs more than once");
    [&bytes[..at], to, &bytes[at + from.len()..]].concat()
}

/// The file's lines, each with its line ending.
fn split_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

fn read(name: &str, bytes: &[u8], count: u64, total: Fen) -> Result<ReadBack, BankFileError> {
    read_back(layout(name).unwrap(), bytes, count, total)
}

#[test]
fn all_embedded_layouts_load() {
    let loaded = load(EMBEDDED).unwrap();
    assert_eq!(loaded.len(), layouts().len());
    let names: Vec<&str> = layouts().iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, NAMES);
    for l in layouts() {
        assert!(!l.description_zh.is_empty() && !l.description_en.is_empty(), "{}", l.name);
    }
    assert!(layout("no-such-layout").is_none());
    assert_eq!(layout("fixed-gbk").unwrap().record_width(), Some(160));
    assert_eq!(layout("pipe-gbk").unwrap().record_width(), None);
    assert_eq!(layout("pipe-gbk").unwrap().line_ending(), LineEnding::Crlf);
    assert!(layout("pipe-gbk").unwrap().has_header() && !layout("csv-utf8").unwrap().has_header());
}

#[test]
fn invalid_layouts_are_refused() {
    let base = "name: t\ndescription_zh: 测试\ndescription_en: test\nencoding: gbk\nline_ending: crlf\n";
    let bad = [
        // a delimited layout without a delimiter
        "kind: delimited\nfields:\n  - field: reference\n  - field: name\n  - field: account\n  - field: amount\n",
        // no amount
        "kind: delimited\ndelimiter: \"|\"\nfields:\n  - field: reference\n  - field: name\n  - field: account\n",
        // a fixed field without a width
        "kind: fixed\nfields:\n  - { field: reference }\n  - { field: name, width: 4 }\n  - { field: account, width: 4 }\n  - { field: amount, width: 8 }\n",
        // a reference may not be truncated
        "kind: fixed\nfields:\n  - { field: reference, width: 4, truncate: true }\n  - { field: name, width: 4 }\n  - { field: account, width: 4 }\n  - { field: amount, width: 8 }\n",
        // a header narrower than the lines
        "kind: fixed\nheader:\n  - { field: count, width: 4 }\n  - { field: total, width: 8 }\nfields:\n  - { field: reference, width: 4 }\n  - { field: name, width: 4 }\n  - { field: account, width: 4 }\n  - { field: amount, width: 8 }\n",
        // a '.' delimiter would be confused with amounts
        "kind: delimited\ndelimiter: \".\"\nfields:\n  - field: reference\n  - field: name\n  - field: account\n  - field: amount\n",
        // an unknown key
        "kind: csv\ncolour: red\nfields:\n  - field: reference\n  - field: name\n  - field: account\n  - field: amount\n",
    ];
    for yaml in bad {
        assert!(load(&[("t.yaml", &format!("{base}{yaml}"))]).is_err(), "{yaml}");
    }
    let good = "kind: delimited\ndelimiter: \"|\"\nfields:\n  - field: reference\n  - field: name\n  - field: account\n  - field: amount\n";
    assert!(load(&[("t.yaml", &format!("{base}{good}"))]).is_ok());
    assert!(load(&[("other.yaml", &format!("{base}{good}"))]).is_err(), "the file name must be the layout's name");
}

#[test]
fn every_layout_writes_three_lines_and_reads_them_back() {
    for name in NAMES {
        let bytes = three_file(name);
        let text = text_of(name, &bytes);
        assert!(text.contains("欧阳娜娜") && text.contains("1234.56"), "{name}: {text}");
        assert_eq!(read(name, &bytes, 3, THREE_TOTAL).unwrap(), ReadBack { count: 3, total: THREE_TOTAL }, "{name}");
    }
}

#[test]
fn the_layouts_look_as_banks_expect() {
    let csv = String::from_utf8(three_file("csv-utf8")).unwrap();
    assert!(csv.starts_with("reference,name,id_number,account,amount,memo\nJZ202503000001,张三,110101199003078515,"), "{csv}");
    let pipe = text_of("pipe-gbk", &three_file("pipe-gbk"));
    let pipe_lines: Vec<&str> = pipe.split_inclusive('\n').collect();
    assert_eq!(pipe_lines[0], "20250310|某某区民政局|3|1734.57\r\n");
    assert_eq!(pipe_lines[1], "JZ202503000001|张三|1234.56|6222020200001234567|01|110101199003078515|2025年3月低保\r\n");
    let fixed = three_file("fixed-gbk");
    let record = &split_lines(&fixed)[1];
    assert_eq!(&record[..20], b"JZ202503000001      ");
    assert_eq!(&record[20..60], [gbk("张三"), vec![b' '; 36]].concat());
    assert_eq!(&record[60..62], b"01");
    assert_eq!(&record[112..127], b"000000001234.56");
    let head = &split_lines(&fixed)[0];
    assert_eq!(&head[..8], b"20250310");
    assert_eq!(&head[68..94], b"00000000030000000001734.57");
}

#[test]
fn read_back_refuses_a_missing_line() {
    for name in NAMES {
        let lines = split_lines(&three_file(name));
        let without: Vec<u8> = lines.iter().filter(|l| !l.starts_with(b"JZ202503000002")).flatten().copied().collect();
        assert_eq!(split_lines(&without).len(), lines.len() - 1);
        let err = read(name, &without, 3, THREE_TOTAL).unwrap_err();
        assert_eq!((err.line, err.field.as_str()), (0, "count"), "{name}: {err}");
        assert!(err.zh_message().contains("笔数"), "{}", err.zh_message());
    }
}

#[test]
fn read_back_refuses_an_extra_line() {
    for name in NAMES {
        let lines = split_lines(&three_file(name));
        let mut more = lines.concat();
        more.extend_from_slice(&lines[lines.len() - 1]);
        let err = read(name, &more, 3, THREE_TOTAL).unwrap_err();
        assert_eq!(err.field, "count", "{name}: {err}");
    }
}

#[test]
fn read_back_refuses_a_changed_amount() {
    for name in NAMES {
        let changed = replace_once(&three_file(name), b"500.00", b"500.01");
        let err = read(name, &changed, 3, THREE_TOTAL).unwrap_err();
        assert_eq!((err.line, err.field.as_str()), (0, "total"), "{name}: {err}");
        assert!(err.to_string().contains("500.01") || err.to_string().contains("1734.58"), "{err}");
    }
}

#[test]
fn read_back_refuses_a_header_that_disagrees() {
    let pipe = three_file("pipe-gbk");
    let count = replace_once(&pipe, b"|3|1734.57", b"|4|1734.57");
    let err = read("pipe-gbk", &count, 3, THREE_TOTAL).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (0, "count"));
    assert_eq!(err.zh_message(), "文件 笔数：文件头笔数为 4，明细实有 3 笔");
    assert_eq!(err.to_string(), "file, field count: the header says 4 payments but the file has 3 lines");
    let total = replace_once(&pipe, b"|3|1734.57", b"|3|1734.56");
    assert_eq!(read("pipe-gbk", &total, 3, THREE_TOTAL).unwrap_err().field, "total");

    let fixed = three_file("fixed-gbk");
    let count = replace_once(&fixed, b"0000000003", b"0000000002");
    assert_eq!(read("fixed-gbk", &count, 3, THREE_TOTAL).unwrap_err().field, "count");
    let total = replace_once(&fixed, b"0000000001734.57", b"0000000001734.50");
    assert_eq!(read("fixed-gbk", &total, 3, THREE_TOTAL).unwrap_err().field, "total");
}

#[test]
fn read_back_refuses_what_the_caller_did_not_expect() {
    for name in NAMES {
        let bytes = three_file(name);
        assert_eq!(read(name, &bytes, 4, THREE_TOTAL).unwrap_err().field, "count", "{name}");
        assert_eq!(read(name, &bytes, 3, Fen(THREE_TOTAL.0 + 1)).unwrap_err().field, "total", "{name}");
        assert_eq!(read(name, &b""[..], 0, Fen(0)).unwrap_err().line, 0, "{name}: an empty file");
    }
}

#[test]
fn read_back_refuses_a_file_whose_line_endings_changed() {
    let pipe = three_file("pipe-gbk");
    let lf: Vec<u8> = pipe.iter().copied().filter(|b| *b != b'\r').collect();
    let err = read("pipe-gbk", &lf, 3, THREE_TOTAL).unwrap_err();
    assert!(err.en.contains("CRLF"), "{err}");
    let cut = &pipe[..pipe.len() - 2];
    let err = read("pipe-gbk", cut, 3, THREE_TOTAL).unwrap_err();
    assert_eq!(err.line, 3, "{err}");
}

#[test]
fn read_back_refuses_a_malformed_amount_naming_the_line() {
    let pipe = replace_once(&three_file("pipe-gbk"), b"|500.00|", b"|500.0|");
    let err = read("pipe-gbk", &pipe, 3, THREE_TOTAL).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (2, "amount"), "{err}");
    let csv = replace_once(&three_file("csv-utf8"), b",500.00,", b",-500.00,");
    let err = read("csv-utf8", &csv, 3, THREE_TOTAL).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (2, "amount"), "{err}");
    let fixed = replace_once(&three_file("fixed-gbk"), b"000000000500.00", b"0000000005OO.00");
    assert_eq!(read("fixed-gbk", &fixed, 3, THREE_TOTAL).unwrap_err().line, 2);
}

#[test]
fn finish_refuses_a_count_or_total_other_than_the_header() {
    for name in NAMES {
        let l = layout(name).unwrap();
        let err = write_file(l, &header(4, THREE_TOTAL), &three()).unwrap_err();
        assert_eq!((err.line, err.field.as_str()), (0, "count"), "{name}");
        let err = write_file(l, &header(3, Fen(1)), &three()).unwrap_err();
        assert_eq!((err.line, err.field.as_str()), (0, "total"), "{name}");
    }
}

#[test]
fn fixed_gbk_every_record_is_the_layout_width() {
    let l = layout("fixed-gbk").unwrap();
    let lines = split_lines(&three_file("fixed-gbk"));
    assert_eq!(lines.len(), 4);
    for record in lines {
        assert!(record.ends_with(b"\r\n"));
        assert_eq!(record.len() - 2, l.record_width().unwrap());
    }
}

#[test]
fn fixed_gbk_twenty_chinese_characters_fill_the_name_exactly() {
    let name = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许";
    assert_eq!(name.chars().count(), 20);
    let bytes = write_file(layout("fixed-gbk").unwrap(), &header(1, Fen(100)), &[line("R1", name, 100)]).unwrap();
    let record = &split_lines(&bytes)[1];
    assert_eq!(&record[20..60], gbk(name).as_slice());
    assert_eq!(read("fixed-gbk", &bytes, 1, Fen(100)).unwrap().count, 1);
}

#[test]
fn fixed_gbk_a_longer_name_is_cut_at_a_character_boundary() {
    let twenty = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许";
    let l = layout("fixed-gbk").unwrap();
    let bytes = write_file(l, &header(1, Fen(100)), &[line("R1", &format!("{twenty}何"), 100)]).unwrap();
    assert_eq!(&split_lines(&bytes)[1][20..60], gbk(twenty).as_slice());
    // 41 bytes: the last character would straddle the edge, so it goes and a space takes its byte.
    let bytes = write_file(l, &header(1, Fen(100)), &[line("R1", &format!("a{twenty}"), 100)]).unwrap();
    let nineteen: String = twenty.chars().take(19).collect();
    assert_eq!(&split_lines(&bytes)[1][20..60], [gbk(&format!("a{nineteen}")), vec![b' ']].concat());
    assert_eq!(read("fixed-gbk", &bytes, 1, Fen(100)).unwrap().count, 1);
}

#[test]
fn a_layout_that_does_not_truncate_refuses_a_long_name() {
    let yaml = "name: strict\ndescription_zh: 严格\ndescription_en: strict\nencoding: gbk\nkind: fixed\nline_ending: crlf\nfields:\n  - { field: reference, width: 10 }\n  - { field: name, width: 6 }\n  - { field: account, width: 10 }\n  - { field: amount, width: 10, align: right, pad: space }\n";
    let strict: &'static Layout = Box::leak(Box::new(load(&[("strict.yaml", yaml)]).unwrap().remove(0)));
    let bytes = write_file(strict, &header(1, Fen(250)), &[line("R1", "张三丰", 250)].map(|l| BankLine { account: "6222", ..l })).unwrap();
    assert_eq!(bytes, [b"R1        ".as_slice(), &gbk("张三丰"), b"6222            2.50\r\n"].concat());
    assert_eq!(read_back(strict, bytes.as_slice(), 1, Fen(250)).unwrap().total, Fen(250));
    let err = write_file(strict, &header(1, Fen(250)), &[BankLine { account: "6222", ..line("R1", "张三丰a", 250) }]).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (1, "name"));
    assert!(err.zh.contains("7 字节") && err.zh.contains("6 字节"), "{}", err.zh);
}

#[test]
fn fixed_gbk_refuses_what_does_not_fit_where_truncating_would_pay_the_wrong_account() {
    let l = layout("fixed-gbk").unwrap();
    let long_ref = "R".repeat(21);
    let err = write_file(l, &header(1, Fen(100)), &[line(&long_ref, "张三", 100)]).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (1, "reference"));
    let long_account = "6".repeat(33);
    let err = write_file(l, &header(1, Fen(100)), &[BankLine { account: &long_account, ..line("R1", "张三", 100) }]).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (1, "account"));
    assert!(!err.zh.contains(&long_account), "an account number stays out of messages");
    let huge = 10_i64.pow(15);
    let err = write_file(l, &header(1, Fen(100)), &[line("R1", "张三", huge)]).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (1, "amount"));
}

#[test]
fn an_unencodable_character_is_an_error_naming_the_line_and_field() {
    for name in ["pipe-gbk", "fixed-gbk"] {
        let l = layout(name).unwrap();
        let lines = [line("R1", "张三", 100), line("R2", "张𠮷", 100)];
        let err = write_file(l, &header(2, Fen(200)), &lines).unwrap_err();
        assert_eq!((err.line, err.field.as_str()), (2, "name"), "{name}");
        let zh = err.zh_message();
        assert!(zh.starts_with("第 2 行 户名：“张𠮷”含有 GBK 无法表示的字“𠮷”"), "{zh}");
        assert!(err.to_string().starts_with("line 2, field name: "), "{err}");
        let emoji = [BankLine { memo: "祝好😀", ..line("R1", "张三", 100) }];
        assert_eq!(write_file(l, &header(1, Fen(100)), &emoji).unwrap_err().field, "memo", "{name}");
    }
    let csv = write_file(layout("csv-utf8").unwrap(), &header(1, Fen(100)), &[line("R1", "张𠮷", 100)]).unwrap();
    assert_eq!(read("csv-utf8", &csv, 1, Fen(100)).unwrap().count, 1, "UTF-8 carries every character");
}

#[test]
fn a_delimiter_or_line_break_in_a_field_is_an_error() {
    let l = layout("pipe-gbk").unwrap();
    let err = write_file(l, &header(1, Fen(100)), &[line("R1", "张|三", 100)]).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (1, "name"));
    let err = write_file(l, &header(1, Fen(100)), &[BankLine { memo: "a\r\nb", ..line("R1", "张三", 100) }]).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (1, "memo"));
    let err = write_file(l, &FileHeader { payer: "民政|局".into(), ..header(0, Fen(0)) }, &[]).unwrap_err();
    assert_eq!((err.line, err.field.as_str()), (0, "payer"));
    let csv = layout("csv-utf8").unwrap();
    assert_eq!(write_file(csv, &header(1, Fen(100)), &[line("R1", "张\n三", 100)]).unwrap_err().field, "name");
}

#[test]
fn csv_quotes_commas_and_quotes_and_reads_them_back() {
    let l = layout("csv-utf8").unwrap();
    let bytes = write_file(l, &header(1, Fen(100)), &[line("R1", "Zhang, \"San\"", 100)]).unwrap();
    assert!(String::from_utf8(bytes.clone()).unwrap().contains(",\"Zhang, \"\"San\"\"\","));
    assert_eq!(read("csv-utf8", &bytes, 1, Fen(100)).unwrap().count, 1);
}

#[test]
fn zero_negative_and_missing_values_are_refused() {
    for name in NAMES {
        let l = layout(name).unwrap();
        for amount in [0, -1] {
            let err = write_file(l, &header(1, Fen(100)), &[line("R1", "张三", amount)]).unwrap_err();
            assert_eq!((err.line, err.field.as_str()), (1, "amount"), "{name} {amount}");
        }
        let err = write_file(l, &header(1, Fen(100)), &[BankLine { account: " ", ..line("R1", "张三", 100) }]).unwrap_err();
        assert_eq!((err.line, err.field.as_str()), (1, "account"), "{name}");
        assert_eq!(write_file(l, &header(1, Fen(100)), &[line("", "张三", 100)]).unwrap_err().field, "reference");
    }
}

#[test]
fn amounts_are_formatted_from_fen() {
    assert_eq!(format_amount(Fen(1)), "0.01");
    assert_eq!(format_amount(Fen(100)), "1.00");
    assert_eq!(format_amount(Fen(123_456)), "1234.56");
    assert_eq!(format_amount(Fen(0)), "0.00");
    assert_eq!(format_amount(Fen(-5)), "-0.05");
    let mut buf = [0u8; 24];
    assert_eq!(amount_str(u64::MAX, &mut buf), "184467440737095516.15");
    assert_eq!(parse_amount("123.45"), Some(Fen(12_345)));
    assert_eq!(parse_amount("123.4"), Some(Fen(12_340)));
    assert_eq!(parse_amount("123"), Some(Fen(12_300)));
    for bad in ["", "1.234", "-1.00", "+1", " 1.00", "1,000.00", "1e3", ".5", "5.", "1.2.3", "一", "99999999999999999999"] {
        assert_eq!(parse_amount(bad), None, "{bad:?}");
    }
    assert_eq!(parse_amount_text("123.4", true), None, "what jiuzhu writes always has two decimals");
}

proptest! {
    #[test]
    fn amounts_round_trip(fen in 0i64..=i64::MAX) {
        let text = format_amount(Fen(fen));
        prop_assert_eq!(parse_amount(&text), Some(Fen(fen)));
        prop_assert_eq!(parse_amount_text(&text, true), Some(fen));
        prop_assert_eq!(text, Fen(fen).to_string());
    }

    #[test]
    fn fixed_gbk_never_splits_a_character(
        chars in prop::collection::vec(
            prop_oneof![(0x20u8..0x7f).prop_map(char::from), (0x4e00u32..0x9fa6).prop_map(|c| char::from_u32(c).unwrap())],
            1..40,
        )
    ) {
        let name: String = chars.into_iter().collect();
        prop_assume!(!name.trim().is_empty());
        let l = layout("fixed-gbk").unwrap();
        let bytes = write_file(l, &header(1, Fen(100)), &[line("R1", &name, 100)]).unwrap();
        for record in split_lines(&bytes) {
            prop_assert_eq!(record.len(), 162);
            prop_assert!(GBK.decode_without_bom_handling_and_without_replacement(&record).is_some());
        }
        let field = GBK.decode_without_bom_handling_and_without_replacement(&split_lines(&bytes)[1][20..60]).unwrap().into_owned();
        prop_assert!(name.starts_with(field.trim_end_matches(' ')), "{:?} is not a prefix of {:?}", field, name);
        prop_assert_eq!(read("fixed-gbk", &bytes, 1, Fen(100)).unwrap().count, 1);
    }
}

/// Counts bytes and throws them away.
struct Counting(u64);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A pipe-gbk file of `lines` payments of 1.00, made as it is read.
struct Generated {
    next: u64,
    lines: u64,
    pending: Vec<u8>,
    at: usize,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.pending.len() {
            self.pending.clear();
            self.at = 0;
            if self.next == 0 {
                self.pending = gbk(&format!("20250310|某某区民政局|{}|{}\r\n", self.lines, format_amount(Fen(self.lines as i64 * 100))));
            } else if self.next <= self.lines {
                self.pending = gbk(&format!("R{}|欧阳娜娜|1.00|6222020200001234567|01|110101199003078515|低保\r\n", self.next));
            }
            self.next += 1;
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn streams_two_hundred_thousand_lines() {
    const N: u64 = 200_000;
    let l = layout("fixed-gbk").unwrap();
    let mut w = BankFileWriter::new(l, Counting(0), &header(N, Fen(N as i64 * 100))).unwrap();
    for i in 0..N {
        let reference = format!("R{i}");
        w.write(&line(&reference, "欧阳娜娜", 100)).unwrap();
    }
    assert_eq!(w.finish().unwrap().0, (N + 1) * 162);
    let input = io::BufReader::new(Generated { next: 0, lines: N, pending: Vec::new(), at: 0 });
    assert_eq!(read_back(layout("pipe-gbk").unwrap(), input, N, Fen(N as i64 * 100)).unwrap().count, N);
}

/// `cargo test --release -p jiuzhu-payments one_million -- --ignored --nocapture`
#[test]
#[ignore = "a timing run: 1,000,000 lines per layout through a temporary file"]
fn one_million_lines_per_layout() {
    use std::fmt::Write as _;
    const N: u64 = 1_000_000;
    for name in NAMES {
        let path = std::env::temp_dir().join(format!("jiuzhu-bankfile-{}-{name}.txt", std::process::id()));
        let started = std::time::Instant::now();
        let file = std::fs::File::create(&path).unwrap();
        let mut w = BankFileWriter::new(layout(name).unwrap(), file, &header(N, Fen(N as i64 * 12_345))).unwrap();
        let mut reference = String::new();
        for i in 0..N {
            reference.clear();
            write!(reference, "JZ{i:012}").unwrap();
            w.write(&line(&reference, "欧阳娜娜", 12_345)).unwrap();
        }
        w.finish().unwrap().sync_all().unwrap();
        let wrote = started.elapsed();
        let started = std::time::Instant::now();
        let input = io::BufReader::new(std::fs::File::open(&path).unwrap());
        let back = read_back(layout(name).unwrap(), input, N, Fen(N as i64 * 12_345)).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(back.count, N);
        println!("{name}: {size} bytes, written in {wrote:?}, read back in {:?}", started.elapsed());
    }
}
