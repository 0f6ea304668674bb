//! `jiuzhu calendar import` as an administrator runs it (issue 14): a corrected file for a year
//! imported before moves the deadlines and lists each moved case with its old and new date; the
//! same file again says nothing changed; a built-in year and an unknown key are refused (exit 2).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use std::process::Command;

fn jiuzhu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jiuzhu")).args(args).output().expect("the jiuzhu binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// 2027 as first published by mistake: 11–15 January off as well.
const WRONG: &str = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1","2027-01-11":"New Year's Day,元旦,1","2027-01-12":"New Year's Day,元旦,1","2027-01-13":"New Year's Day,元旦,1","2027-01-14":"New Year's Day,元旦,1","2027-01-15":"New Year's Day,元旦,1"},"workdays":{}}"#;
const CORRECTED: &str = r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{}}"#;

#[test]
fn a_corrected_year_moves_the_deadlines_and_names_the_cases() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    // The demo's cases, taken in during the weeks before 10 December 2026: many run into 2027.
    let (code, _, err) = jiuzhu(&[
        "seed",
        "--database-url",
        &db,
        "--households",
        "400",
        "--as-of",
        "2026-12-10",
        "--accounts-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let file = dir.path().join("2027.json");
    let import = |text: &str, source: &str| {
        std::fs::write(&file, text).unwrap();
        jiuzhu(&["calendar", "import", file.to_str().unwrap(), "--year", "2027", "--source", source, "--database-url", &db])
    };
    let (code, out, err) = import(WRONG, "国办发明电〔2026〕11号");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 个案件的期限已变更"), "{out}");
    let computed: usize = out.lines().filter(|l| l.starts_with("案件 case ")).count();
    assert!(computed > 0, "{out}");

    let (code, out, err) = import(CORRECTED, "国办发明电〔2026〕12号");
    assert_eq!(code, 0, "{out}{err}");
    // Each moved case on a line: its id, which deadline, old → new.
    let moved: Vec<&str> = out.lines().filter(|l| l.starts_with("案件 case ")).collect();
    assert!(!moved.is_empty(), "{out}");
    assert!(moved.iter().all(|l| l.contains(" → 2027-") || l.contains(" → 2026-")), "{out}");
    assert!(moved.iter().any(|l| l.contains("2027-01-1") || l.contains("2027-01-2")), "{out}");
    assert!(out.contains(&format!("{} 个案件的期限已变更", moved.len())), "{out}");
    assert!(out.contains(&format!("deadlines moved for {} cases", moved.len())), "{out}");

    let (code, out, _) = import(CORRECTED, "again");
    assert_eq!(code, 0);
    assert!(out.contains("未作任何更改") && out.contains("nothing changed"), "{out}");

    let (code, _, err) = jiuzhu(&["calendar", "import", file.to_str().unwrap(), "--year", "2026", "--source", "x", "--database-url", &db]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2026 年的节假日安排已内置于本程序"), "{err}");
    let (code, _, err) = import(r#"{"holidays":{"2027-01-01":"New Year's Day,元旦,1"},"workdays":{},"workday":{}}"#, "x");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("未知字段 workday"), "{err}");
}
