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
    assert!(err.contains("存量在保对象") && err.contains("集中供养"), "{err}");

    let (code, out, err) = jiuzhu(&["payroll", "generate", "--month", "2027-01", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    let first = last_json(&out);
    let payrolls = first["payrolls"].as_array().unwrap();
    assert_eq!(payrolls.len(), 4, "低保, 特困, 临时救助, 特困人员照料护理费 for the one county: {first}");
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
    // Logs go to standard error: with every log on, standard output is still the one JSON line.
    let out = Command::new(env!("CARGO_BIN_EXE_jiuzhu"))
        .args(["payroll", "generate", "--month", "2027-01", "--database-url", &url])
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "only the JSON on standard output: {stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEBUG"), "the logs are on standard error");
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

/// `jiuzhu import recipients`: a GBK list with a bad row and an unknown ID number is refused
/// whole (row and column named, nothing taken over); the corrected list is taken over once and
/// the month's payroll pays it; the same list again is refused as already in force.
#[test]
fn a_recipients_list_is_taken_over_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("jiuzhu.db").display());
    let d = dir.path().display().to_string();
    let common = ["--households", "200", "--seed", "5", "--as-of", "2026-12-02"];
    let (code, out, err) = jiuzhu(&[&["seed", "--database-url", &url, "--accounts-dir", &d][..], &common[..]].concat());
    assert_eq!(code, 0, "{out}{err}");
    // The same generator and seed write the people as files: take heads of households from them.
    let generated = dir.path().join("gen");
    let (code, _, err) = jiuzhu(&[&["gen", "--out", generated.to_str().unwrap()][..], &common[..]].concat());
    assert_eq!(code, 0, "{err}");
    let members = std::fs::read_to_string(generated.join("members.csv")).unwrap();
    let heads: Vec<(String, String)> = members
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[4] == "head")
        .map(|c| (c[2].to_string(), c[3].to_string()))
        .collect();
    // Heads 0, 8, 24 and 32 (16's household is a demo recipient already).
    let chosen: Vec<&(String, String)> = [0, 8, 24, 32].iter().map(|i| &heads[*i]).collect();
    let write = |name: &str, rows: &[String]| {
        let text = format!("身份证号,姓名,救助类别,起始月份,月保障金额,开户银行,银行账号\n{}\n", rows.join("\n"));
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let good: Vec<String> = chosen
        .iter()
        .enumerate()
        .map(|(i, (id, name))| format!("{id},{name},低保,2025-06,900.00,甘肃省农村信用社,99000000000000000{i}"))
        .collect();
    let mut bad = good.clone();
    bad[1] = bad[1].replace("900.00", "九百");
    bad.push("620825199001010014,张三,特困,2025-06,780,,".into());
    let (code, out, err) = jiuzhu(&["import", "recipients", &write("bad.csv", &bad), "--database-url", &url]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("第 3 行 月保障金额"), "the bad amount named by row and column: {err}");
    assert_eq!(last_json(&out)["imported"], 0);
    // Known only once the cells are good: the unknown ID number is named by the look-up.
    bad.remove(1);
    let (code, _, err) = jiuzhu(&["import", "recipients", &write("bad2.csv", &bad), "--database-url", &url]);
    assert_eq!(code, 2);
    assert!(err.contains("第 5 行 身份证号") && err.contains("不在户籍登记中"), "{err}");

    // A household in two files is found across them, and named in the second file.
    let (code, _, err) =
        jiuzhu(&["import", "recipients", &write("a.csv", &good[..1]), &write("b.csv", &good[..1]), "--database-url", &url]);
    assert_eq!(code, 2);
    assert!(err.contains("b.csv 第 2 行 身份证号") && err.contains("出现了两次"), "{err}");

    let file = write("存量名单.csv", &good);
    let (code, out, err) = jiuzhu(&["import", "recipients", &file, "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!((last_json(&out)["imported"].as_i64(), last_json(&out)["accounts"].as_i64()), (Some(4), Some(4)));
    let (code, _, err) = jiuzhu(&["import", "recipients", &file, "--database-url", &url]);
    assert_eq!(code, 2, "the same list again is refused: {err}");
    assert!(err.contains("已有在保"), "{err}");

    // The month's payroll pays the four at 900 元 each (among the county's other recipients).
    let (code, out, err) = jiuzhu(&["payroll", "generate", "--month", "2027-01", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    let dibao = last_json(&out)["payrolls"].as_array().unwrap().iter().find(|p| p["programme"] == "dibao").cloned().unwrap();
    assert!(dibao["lines"].as_i64().unwrap() >= 4, "{dibao}");
}

/// `jiuzhu bench payroll` keeps its contract: the fields named in payments-v1, the month paid
/// whole, and SIGKILL trials of the product's own commands counted (0 lost, duplicated,
/// unbalanced). A small run: the figures are the benchmark's, not this test's.
#[test]
fn the_payroll_benchmark_reports_its_contract_fields_and_survives_kills() {
    let (code, out, err) = jiuzhu(&["bench", "payroll", "--households", "300", "--crash-trials", "8"]);
    assert_eq!(code, 0, "{out}{err}");
    let r = last_json(&out);
    for field in ["bench", "backend", "lines", "generate_seconds", "export_seconds", "reconcile_seconds", "peak_rss_mb", "crash_trials"] {
        assert!(!r[field].is_null(), "{field} missing: {r}");
    }
    assert_eq!((r["bench"].as_str(), r["backend"].as_str(), r["lines"].as_u64()), (Some("payroll"), Some("sqlite"), Some(300)));
    assert_eq!((r["lost"].as_u64(), r["duplicated"].as_u64(), r["unbalanced"].as_u64()), (Some(0), Some(0), Some(0)), "{r}");
    assert_eq!(r["crash"]["months_checked"].as_u64(), Some(2), "{r}");
    assert!(r["crash"]["restarts_failed"].as_array().unwrap().is_empty(), "{r}");
    // The trials need a database of their own: not one given by URL.
    let (code, _, err) = jiuzhu(&["bench", "payroll", "--households", "10", "--crash-trials", "1", "--database-url", "sqlite:///tmp/x.db"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--crash-trials"), "{err}");
}
