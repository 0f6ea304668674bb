//! `jiuzhu keys …` and the key file as an operator meets them (issue 14): no key file made for a
//! database that has data, the explicit flag first, warnings for loose modes, `keys status`
//! checking the file against the database, rotation refused while a server runs and resumed
//! after a crash, and an old backup read with the archived keys.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use jiuzhu_crypto::{KeyKind, Keyring};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn jiuzhu_with(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiuzhu"));
    cmd.args(args).env_remove("JIUZHU_KEYS").env_remove("JIUZHU_KEY_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the jiuzhu binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn jiuzhu(args: &[&str]) -> (i32, String, String) {
    jiuzhu_with(args, &[])
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A seeded SQLite database in `dir` (its key file beside it); the database URL.
fn seeded(dir: &Path, households: &str) -> String {
    let url = format!("sqlite://{}", dir.join("jiuzhu.db").display());
    let accounts = dir.display().to_string();
    let (code, out, err) = jiuzhu(&[
        "seed",
        "--database-url",
        &url,
        "--households",
        households,
        "--seed",
        "3",
        "--as-of",
        "2026-12-02",
        "--accounts-dir",
        &accounts,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    url
}

/// The discovery counts `verify discover` prints.
fn discovery(url: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["verify", "discover", "--database-url", url, "--as-of", "2026-12-02"];
    args.extend_from_slice(extra);
    let (code, out, err) = jiuzhu(&args);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    serde_json::json!({"households": v["households"], "signalled": v["signalled"], "likely": v["likely"], "watch": v["watch"]})
}

#[test]
fn key_files_are_never_made_up_for_a_database_with_data_and_the_flag_wins() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path(), "30");
    let keys = dir.path().join("keys.yaml");
    for file in [dir.path().join("jiuzhu.db"), dir.path().join("demo-accounts.json"), keys.clone()] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    let (code, out, err) = jiuzhu(&["keys", "status", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("the keys match the database") && out.contains("persons.id_number_enc"), "{out}");

    // Moved away or mistyped: refused, naming the path tried; nothing created.
    std::fs::rename(&keys, dir.path().join("keys.yaml.bak")).unwrap();
    let (code, _, err) = jiuzhu(&["keys", "status", "--database-url", &url]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&keys.display().to_string()) && err.contains("already holds encrypted data"), "{err}");
    assert!(!keys.exists(), "no fresh key file beside the data");
    let typo = dir.path().join("keys.yml");
    let (code, _, err) = jiuzhu(&["--key-file", typo.to_str().unwrap(), "casework", "tick", "--database-url", &url]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("keys.yml") && !typo.exists(), "{err}");
    std::fs::rename(dir.path().join("keys.yaml.bak"), &keys).unwrap();

    // Another key file: `keys status` says it does not match.
    let other = dir.path().join("other.yaml");
    Keyring::generate("other").save(&other).unwrap();
    let (code, out, err) = jiuzhu(&["--key-file", other.to_str().unwrap(), "keys", "status", "--database-url", &url]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("does not match the database") && err.contains("data keys cannot decrypt"), "{err}");

    // The right data and index keys with another audit key: the audit trail's head seal says so.
    let store_keys = Keyring::load(&keys).unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = jiuzhu_store_sql::connect(&url, std::sync::Arc::new(store_keys.clone())).await.unwrap();
        let entry = jiuzhu_store::AuditRecord {
            at: jiuzhu_store::audit_time(chrono::Utc::now()),
            account_id: None,
            username: "test".into(),
            role: String::new(),
            region: String::new(),
            ip: String::new(),
            action: "login".into(),
            object_kind: "account".into(),
            object_id: String::new(),
            household_id: None,
            fields: String::new(),
            purpose: String::new(),
            outcome: "allowed".into(),
            reason: String::new(),
            detail: String::new(),
        };
        store.append_audit(&[entry], &jiuzhu_audit::KeySealer::new(std::sync::Arc::new(store_keys.clone()))).await.unwrap();
    });
    let text = store_keys.to_text();
    let audit_at = text.find("\naudit:").unwrap();
    let other_text = std::fs::read_to_string(&other).unwrap();
    let wrong_audit = dir.path().join("wrong-audit.yaml");
    std::fs::write(&wrong_audit, format!("{}{}", &text[..audit_at], &other_text[other_text.find("\naudit:").unwrap()..])).unwrap();
    let (code, out, err) = jiuzhu(&["--key-file", wrong_audit.to_str().unwrap(), "keys", "status", "--database-url", &url]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("audit key #1 does not verify the audit trail's head seal"), "{err}");

    // The explicit flag wins over JIUZHU_KEYS and JIUZHU_KEY_FILE.
    let wrong_text = std::fs::read_to_string(&other).unwrap();
    let env = [("JIUZHU_KEYS", wrong_text.as_str()), ("JIUZHU_KEY_FILE", other.to_str().unwrap())];
    let (code, out, err) = jiuzhu_with(&["--key-file", keys.to_str().unwrap(), "keys", "status", "--database-url", &url], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("key file: {}", keys.display())), "{out}");

    // A key file others can read works, with a warning.
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = jiuzhu(&["keys", "status", "--database-url", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("mode 0644") && err.contains("chmod 600"), "{err}");
}

/// Starts `jiuzhu serve` on a free port; returns once it answers.
fn serve(url: &str) -> std::process::Child {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_jiuzhu"))
        .args(["serve", "--database-url", url, "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("JIUZHU_KEYS")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 120, "the server did not start");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    child
}

fn interrupt(mut child: std::process::Child) {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "the server stops cleanly on Ctrl-C: {status:?}");
}

fn ids(file: &Path, kind: KeyKind) -> Vec<u8> {
    Keyring::load(file).unwrap().ids(kind)
}

#[test]
fn rotation_waits_for_the_server_loses_nothing_and_finishes_what_a_crash_left() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path(), "300");
    let keys = dir.path().join("keys.yaml");
    let before = discovery(&url, &[]);
    assert!(before["signalled"].as_u64().unwrap() > 0, "the small county has signals: {before}");

    let server = serve(&url);
    let (code, out, err) = jiuzhu(&["keys", "rotate", "--index", "--database-url", &url]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("stop the server first") && err.contains(&format!("pid {}", server.id())), "{err}");
    assert_eq!(ids(&keys, KeyKind::Data), [1], "nothing changed");
    interrupt(server);

    // Server stopped: department data re-encrypted and re-indexed, discovery unchanged.
    let (code, out, err) = jiuzhu(&["keys", "rotate", "--index", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("retired data#1, index#1"), "{out}");
    assert_eq!((ids(&keys, KeyKind::Data), ids(&keys, KeyKind::Index)), (vec![2], vec![2]));
    assert_eq!(discovery(&url, &[]), before);
    let (code, out, err) = jiuzhu(&["verify", "recipients", "--database-url", &url, "--as-of", "2026-12-02"]);
    assert_eq!(code, 0, "{out}{err}");

    // A rotation killed after writing its new key: run again, it finishes without another key.
    let mut crashed = Keyring::load(&keys).unwrap();
    crashed.rotate(KeyKind::Data, "crashed").unwrap();
    crashed.save(&keys).unwrap();
    let (code, out, err) = jiuzhu(&["keys", "rotate", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("unfinished rotation"), "{err}");
    assert_eq!(ids(&keys, KeyKind::Data), [3], "data#3 from the crashed run is the one in use; no data#4");
    assert_eq!(discovery(&url, &[]), before);
}

#[test]
fn an_old_backup_is_read_with_the_archived_keys() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path(), "30");
    let db = dir.path().join("jiuzhu.db");
    // A cold copy with no process running: the database and its write-ahead log together.
    let backup: PathBuf = dir.path().join("backup");
    std::fs::create_dir(&backup).unwrap();
    let files = |from: &Path, to: &Path| {
        for suffix in ["", "-wal"] {
            let (src, dst) = (format!("{}/jiuzhu.db{suffix}", from.display()), format!("{}/jiuzhu.db{suffix}", to.display()));
            let _ = std::fs::remove_file(&dst);
            if Path::new(&src).exists() {
                std::fs::copy(&src, &dst).unwrap();
            }
        }
    };
    files(dir.path(), &backup);
    let (code, out, err) = jiuzhu(&["keys", "rotate", "--index", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    let archive = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("keys.retired-"))
        .expect("the retired keys are archived");
    assert_eq!(mode(&archive), 0o600);
    assert!(out.contains(&archive.display().to_string()), "{out}");

    // Restore the old backup: the current key file cannot read it, the archive can.
    let _ = std::fs::remove_file(format!("{}-shm", db.display()));
    files(&backup, dir.path());
    let (code, _, err) = jiuzhu(&["keys", "status", "--database-url", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not match the database"), "{err}");
    let (code, out, err) = jiuzhu(&["--key-file", archive.to_str().unwrap(), "keys", "status", "--database-url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("the keys match the database"), "{out}");
    let (code, out, err) =
        jiuzhu(&["--key-file", archive.to_str().unwrap(), "verify", "recipients", "--database-url", &url, "--as-of", "2026-12-02"]);
    assert_eq!(code, 0, "{out}{err}");
}
