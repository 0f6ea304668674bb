//! `jiuzhu payroll …` and `jiuzhu ledger …` as an operator meets them (contracts/payments-v1.md):
//! the seeded county's existing recipients generate a month once, an unapproved payroll is not
//! exported (and no file is left), the ledger verifies, and a ledger row edited in the database
//! file is named.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use std::process::Command;

fn jiuzhu(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_jiuzhu")).args(args).env_remove("JIUZHU_KEYS").env_remove("JIUZHU_KEY_FILE").output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn last_json(out: &str) -> serde_json::Value {
    serde_json::from_str(out.lines().last().unwrap()).unwrap()
}

#[test]
fn a_month_is_generated_once_and_the_ledger_names_an_edited_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiuzhu.db");
    let url = format!("sqlite://{}", db.display());
    let accounts = dir.path().display().to_string();
    let (code, out, err) = jiuzhu(&[
        "seed",
        "--database-url",
        &url,
        "--households",
        "600",
        "--seed",
        "5",
        "--as-of",
        "2026-12-02",
        "--accounts-dir",
        &accounts,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("存量在保对象"), "{err}");

    let (code, out, err) = jiuzhu(&["payroll", "generate", "--month", "2027-01", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    let first = last_json(&out);
    let payrolls = first["payrolls"].as_array().unwrap();
    assert_eq!(payrolls.len(), 3, "低保, 特困, 临时救助 for the one county: {first}");
    let dibao = payrolls.iter().find(|p| p["programme"] == "dibao").unwrap();
    assert!(dibao["lines"].as_i64().unwrap() > 10, "the migrated recipients are paid: {dibao}");
    assert!(payrolls.iter().all(|p| p["created"] == true));
    // Again: the same payrolls, nothing new.
    let (code, out, _) = jiuzhu(&["payroll", "generate", "--month", "2027-01", "--database-url", &url]);
    assert_eq!(code, 0);
    let again = last_json(&out);
    for (a, b) in payrolls.iter().zip(again["payrolls"].as_array().unwrap()) {
        assert_eq!(
            (&a["id"], &a["lines"], &a["total_fen"], &b["created"]),
            (&b["id"], &b["lines"], &b["total_fen"], &serde_json::json!(false))
        );
    }
    // Bad input names the flag; a payroll not approved is not exported, and no file is left.
    let (code, _, err) = jiuzhu(&["payroll", "generate", "--month", "2027-13", "--database-url", &url]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--month"), "{err}");
    let file = dir.path().join("bank.txt");
    let id = dibao["id"].to_string();
    let (code, _, err) =
        jiuzhu(&["payroll", "export", &id, "--layout", "fixed-gbk", "--out", file.to_str().unwrap(), "--database-url", &url]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("不能报盘"), "{err}");
    assert!(!file.exists(), "a refused export leaves no file to be sent by mistake");
    let (code, out, _) = jiuzhu(&["payroll", "layouts"]);
    assert_eq!(code, 0);
    assert!(["csv-utf8", "pipe-gbk", "fixed-gbk"].iter().all(|l| out.contains(l)), "{out}");

    // The demo's budgets are sealed postings; the ledger verifies.
    let (code, out, err) = jiuzhu(&["ledger", "verify", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(last_json(&out)["postings"].as_i64().unwrap() > 0);
    // A budget row edited in the database file is found and named.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("UPDATE ledger_postings SET debit = debit + 100 WHERE id = 3").execute(&mut c).await.unwrap();
    });
    let (code, out, err) = jiuzhu(&["ledger", "verify", "--database-url", &url]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("ledger posting 3"), "{err}");
}
