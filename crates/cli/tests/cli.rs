//! The command line as operators and other systems call it (contracts/cli.md): output and exit codes.

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
