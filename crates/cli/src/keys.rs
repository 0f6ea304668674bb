//! Where the keys come from, opening a store with them, and `jiuzhu keys …` (密钥管理).
//!
//! Order: `JIUZHU_KEYS` (the key file's text, e.g. from a secrets manager), else the file named
//! by `--key-file` / `JIUZHU_KEY_FILE`, else `keys.yaml` beside an SQLite database. A missing
//! file is created with fresh keys; a file that does not match the data is refused by the store.

use crate::Failure;
use jiuzhu_crypto::{KeyKind, Keyring};
use jiuzhu_store::{RekeyTable, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folder an SQLite database lives in (`.` for PostgreSQL): its key file and the server's
/// uploads go there.
pub fn data_dir(database_url: &str) -> PathBuf {
    let Some(path) = database_url.strip_prefix("sqlite://") else { return PathBuf::from(".") };
    Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf()
}

/// The key file for `database_url` when none is named.
fn default_key_file(database_url: &str) -> Option<PathBuf> {
    database_url.starts_with("sqlite://").then(|| data_dir(database_url).join("keys.yaml"))
}

/// The key file in use for `database_url`, if keys come from a file.
pub fn key_file(database_url: &str, named: Option<&Path>) -> Result<Option<PathBuf>, Failure> {
    if std::env::var_os(jiuzhu_crypto::KEYS_ENV).is_some() {
        return Ok(None);
    }
    if let Some(p) = named.map(Path::to_path_buf).or_else(|| std::env::var_os("JIUZHU_KEY_FILE").map(PathBuf::from)) {
        return Ok(Some(p));
    }
    default_key_file(database_url).map(Some).ok_or_else(|| {
        Failure::input(
            "--key-file: PostgreSQL 数据库需要指定密钥文件（--key-file 或 JIUZHU_KEY_FILE / JIUZHU_KEYS） · \
             a PostgreSQL database needs a key file (--key-file, JIUZHU_KEY_FILE or JIUZHU_KEYS)",
        )
    })
}

/// Loads the keys for `database_url`, creating the key file on first use.
pub fn load(database_url: &str, named: Option<&Path>) -> Result<Keyring, Failure> {
    if let Some(r) = Keyring::from_env() {
        return r.map_err(|e| Failure::input(format!("{}: {e}", jiuzhu_crypto::KEYS_ENV)));
    }
    let Some(path) = key_file(database_url, named)? else { return Err(Failure::other("no key file (JIUZHU_KEYS is unset)")) };
    if path.exists() {
        return Keyring::load(&path).map_err(|e| Failure::input(e.to_string()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private::create_dir(dir)?;
    }
    let keys = Keyring::generate(&now());
    keys.save(&path)?;
    eprintln!(
        "已生成密钥文件 {0}：请备份到数据库备份以外的地方 · created key file {0}: back it up apart from the database backups",
        path.display()
    );
    Ok(keys)
}

/// Opens the store `database_url` names with its keys.
pub async fn open(database_url: &str, named: Option<&Path>) -> Result<Arc<dyn Store>, Failure> {
    Ok(open_keyed(database_url, named).await?.0)
}

/// The store and its keys (the server seals the audit trail with them).
pub async fn open_keyed(database_url: &str, named: Option<&Path>) -> Result<(Arc<dyn Store>, Arc<Keyring>), Failure> {
    let keys = Arc::new(load(database_url, named)?);
    Ok((jiuzhu_store_sql::connect(database_url, keys.clone()).await?, keys))
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `jiuzhu keys status`: the keys' ids, families and ages — never their bytes.
pub fn status(database_url: &str, named: Option<&Path>) -> Result<(), Failure> {
    let keys = load(database_url, named)?;
    match key_file(database_url, named)? {
        Some(p) => println!("密钥文件 key file: {}", p.display()),
        None => println!("密钥来自环境变量 keys from {}", jiuzhu_crypto::KEYS_ENV),
    }
    for k in keys.keys() {
        println!("{:6} #{:<3} {}  {}", k.kind, k.id, k.created, if k.active { "使用中 active" } else { "旧 old" });
    }
    Ok(())
}

/// `jiuzhu keys rotate`: a new data key (and index / audit key when asked), then every stored
/// identifier re-encrypted in batches, then the old data and index keys dropped. The new key file
/// is written before any row changes, so a crash half-way leaves rows readable under one of the
/// keys it holds; running it again finishes the job.
pub async fn rotate(database_url: &str, named: Option<&Path>, index: bool, audit: bool) -> Result<(), Failure> {
    let Some(path) = key_file(database_url, named)? else {
        return Err(Failure::input(
            "JIUZHU_KEYS: 密钥来自环境变量时无法轮换，请改用密钥文件 · keys from JIUZHU_KEYS cannot be rotated here; use a key file",
        ));
    };
    let mut keys = load(database_url, named)?;
    let created = now();
    let data_id = keys.rotate(KeyKind::Data, &created)?;
    if index {
        keys.rotate(KeyKind::Index, &created)?;
    }
    if audit {
        keys.rotate(KeyKind::Audit, &created)?;
    }
    keys.save(&path)?;
    let keys = Arc::new(keys);
    let store = jiuzhu_store_sql::connect(database_url, keys.clone()).await?;
    let mut rewritten = 0usize;
    for (table, label) in [(RekeyTable::Persons, "身份证号 ID numbers"), (RekeyTable::Households, "银行账号 bank accounts")] {
        let bar = crate::progress::spinner(&format!("重新加密 re-encrypting {label}"));
        let mut after = 0;
        loop {
            let batch = store.rekey(table, after, 2000).await?;
            rewritten += batch.rewritten;
            bar.inc(batch.rows as u64);
            match batch.last_id {
                Some(id) => after = id,
                None => break,
            }
        }
        bar.finish_and_clear();
    }
    drop(store);
    let mut keys = Arc::try_unwrap(keys).unwrap_or_else(|k| (*k).clone());
    let retired = keys.retire_old();
    keys.save(&path)?;
    println!(
        "数据密钥 #{data_id} 已启用，{rewritten} 项重新加密，{retired} 把旧密钥已退役 · data key #{data_id} active, {rewritten} values re-encrypted, {retired} old keys retired"
    );
    Ok(())
}
