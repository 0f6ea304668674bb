//! The command line as operators and other systems call it (contracts/cli.md): output and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use std::process::Command;

fn jiuzhu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jiuzhu")).args(args).output().expect("the jiuzhu binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn add_working_days_counts_on_the_official_calendar() {
    // Oct 1–7 2026 are 国庆 holidays; Saturday Oct 10 is a 调休 working day.
    assert_eq!(jiuzhu(&["calendar", "add-working-days", "2026-09-30", "3"]), (0, "2026-10-10\n".into(), String::new()));
    // 2026 春节: Feb 15–23 off, Saturday Feb 14 worked.
    assert_eq!(jiuzhu(&["calendar", "add-working-days", "2026-02-13", "2"]).1, "2026-02-24\n");
    // Bad input: exit 2 naming the field; a year not published: exit 2, never a guess.
    let (code, _, err) = jiuzhu(&["calendar", "add-working-days", "2026-13-01", "3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("DATE"), "{err}");
    let (code, out, err) = jiuzhu(&["calendar", "add-working-days", "2026-12-28", "10"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("2027"), "{err}");
}

#[test]
fn an_imported_year_extends_the_calendar_for_deadlines() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let file = dir.path().join("2027.json");
    std::fs::write(&file, r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#).unwrap();
    let (code, out, err) =
        jiuzhu(&["calendar", "import", file.to_str().unwrap(), "--year", "2027", "--source", "test", "--database-url", &db]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        jiuzhu(&["calendar", "add-working-days", "2026-12-31", "1", "--database-url", &db]).1,
        "2027-01-04\n",
        "1 January 2027 is off"
    );
    // A file that is not a holiday file: exit 2, naming the file.
    std::fs::write(&file, "not json").unwrap();
    let (code, _, err) = jiuzhu(&["calendar", "import", file.to_str().unwrap(), "--year", "2028", "--source", "x", "--database-url", &db]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2027.json"), "{err}");
}

/// `jiuzhu gen` writes the feeds with planted facts; `jiuzhu verify batch` finds every planted
/// fact and nothing else, from CSV and from Parquet alike.
#[test]
fn the_batch_check_finds_every_planted_fact_and_nothing_else_in_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for format in ["csv", "parquet"] {
        let out = dir.path().join(format);
        let (code, _, err) = jiuzhu(&[
            "gen",
            "--households",
            "4000",
            "--seed",
            "7",
            "--as-of",
            "2026-12-02",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let findings = out.join("findings.csv");
        let (code, stdout, err) = jiuzhu(&[
            "verify",
            "batch",
            "--dir",
            out.to_str().unwrap(),
            "--as-of",
            "2026-12-02",
            "--threads",
            "2",
            "--findings",
            findings.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!((v["recall"].as_f64(), v["precision"].as_f64()), (Some(1.0), Some(1.0)), "{format}: {v}");
        let planted = std::fs::read_to_string(out.join("planted.csv")).unwrap().lines().count() - 1;
        assert!(planted > 100, "{planted} planted facts in 4,000 households");
        assert_eq!(v["findings"].as_u64(), Some(planted as u64));
        assert!(v["by_kind"]["hidden_income"].as_u64().unwrap() > 0 && v["by_kind"]["death"].as_u64().unwrap() > 0, "{v}");
        results.push(std::fs::read_to_string(&findings).unwrap());
    }
    assert_eq!(results[0], results[1], "CSV and Parquet feeds give the same findings");
}

/// `jiuzhu import`: a bad file exits 2 naming file, row and column, and stores nothing; a good
/// one stores its rows; the same file again changes nothing.
#[test]
fn import_names_bad_rows_and_stores_good_files_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let first17 = "62082519800101123";
    let id = format!("{first17}{}", jiuzhu_domain::id_number::check_char(first17.as_bytes()));
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, format!("id_number,died_on\n{id},2026-01-05\n{id}X,2026-01-06\n")).unwrap();
    let (code, out, err) = jiuzhu(&["import", "deaths", bad.to_str().unwrap(), "--as-of", "2026-12-02", "--database-url", &db]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("bad.csv 第 3 行 id_number"), "{out}");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, format!("id_number,died_on\n{id},2026-01-05\n")).unwrap();
    let (code, out, err) = jiuzhu(&["import", "deaths", good.to_str().unwrap(), "--as-of", "2026-12-02", "--database-url", &db]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("新增 1 行"), "{err}");
    let (code, _, err) = jiuzhu(&["import", "deaths", good.to_str().unwrap(), "--as-of", "2026-12-02", "--database-url", &db]);
    assert_eq!(code, 0);
    assert!(err.contains("未作任何更改"), "{err}");
    // Both files at once, one bad: nothing from either.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, format!("id_number,died_on\n{id},2026-02-05\n")).unwrap();
    let (code, _, _) =
        jiuzhu(&["import", "deaths", other.to_str().unwrap(), bad.to_str().unwrap(), "--as-of", "2026-12-02", "--database-url", &db]);
    assert_eq!(code, 2);
    let (code, _, err) = jiuzhu(&["import", "deaths", other.to_str().unwrap(), "--as-of", "2026-12-02", "--database-url", &db]);
    assert_eq!(code, 0);
    assert!(err.contains("新增 1 行"), "a corrected date of death is a new fact; the checks read the latest: {err}");
}
