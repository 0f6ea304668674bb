//! Where the keys come from, opening a store with them, the server's lease on the database, and
//! `jiuzhu keys …` (密钥管理).
//!
//! Where the keys come from — the first that is given wins, so an explicit flag is never
//! overridden by something in the environment:
//! 1. `--key-file PATH`;
//! 2. `JIUZHU_KEY_FILE` (a path);
//! 3. `JIUZHU_KEYS` (the key file's text, e.g. from a secrets manager);
//! 4. `keys.yaml` beside an SQLite database (PostgreSQL has no default).
//!
//! A key file is created only for a database that holds no encrypted value yet (a new one, or one
//! from before encryption that the first start encrypts); for any other a missing file is refused
//! with the path tried, never replaced by fresh keys that cannot read the data. A key file that
//! group or others may read is used with a warning. Keys that do not fit the data are refused by
//! the store at start, naming the family (data, index, audit).
//!
//! Rotation ([`rotate`]) runs with the server stopped: the server holds a lease on the database
//! while it runs ([`hold_server_lease`]), and a rotation refuses to start while a live one exists.

use crate::Failure;
use chrono::{DateTime, Utc};
use jiuzhu_crypto::{KeyKind, Keyring};
use jiuzhu_store::{KeyFamily, KeyUse, Lease, LeasePurpose, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often a lease holder renews its lease, and how long a lease lives after its last renewal.
const RENEW_EVERY: Duration = Duration::from_secs(10);
const LEASE_LIFE: Duration = Duration::from_secs(30);

/// The folder an SQLite database lives in (`.` for PostgreSQL): its key file and the server's
/// uploads go there.
pub fn data_dir(database_url: &str) -> PathBuf {
    let Some(path) = database_url.strip_prefix("sqlite://") else { return PathBuf::from(".") };
    Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf()
}

/// Where the keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    File(PathBuf),
    /// `JIUZHU_KEYS`.
    Env,
}

/// The source of the keys for `database_url` (see the module's order).
fn source(database_url: &str, named: Option<&Path>) -> Result<Source, Failure> {
    source_in(database_url, named, |k| std::env::var_os(k))
}

/// [`source`] with the environment read through `env`.
fn source_in(database_url: &str, named: Option<&Path>, env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<Source, Failure> {
    if let Some(p) = named {
        return Ok(Source::File(p.to_path_buf()));
    }
    if let Some(p) = env("JIUZHU_KEY_FILE").filter(|p| !p.is_empty()) {
        return Ok(Source::File(PathBuf::from(p)));
    }
    if env(jiuzhu_crypto::KEYS_ENV).is_some() {
        return Ok(Source::Env);
    }
    if database_url.starts_with("sqlite://") {
        return Ok(Source::File(data_dir(database_url).join("keys.yaml")));
    }
    Err(Failure::input(
        "--key-file: PostgreSQL 数据库需要指定密钥文件（--key-file 或 JIUZHU_KEY_FILE / JIUZHU_KEYS） · \
         a PostgreSQL database needs a key file (--key-file, JIUZHU_KEY_FILE or JIUZHU_KEYS)",
    ))
}

/// The warning for a key file group or others may read (`None` when only its owner can).
fn loose_warning(path: &Path) -> Option<String> {
    jiuzhu_crypto::loose_mode(path).map(|mode| {
        format!(
            "警告：密钥文件 {0} 的权限为 {mode:04o}，同组或其他用户可以读取，请执行 chmod 600 · \
             warning: the key file {0} has mode {mode:04o}, readable by group or others; chmod 600 it",
            path.display()
        )
    })
}

/// Loads the keys for `database_url`; creates the key file only when the database holds no
/// encrypted value yet.
pub async fn load(database_url: &str, named: Option<&Path>) -> Result<Keyring, Failure> {
    let path = match source(database_url, named)? {
        Source::Env => {
            let text = std::env::var(jiuzhu_crypto::KEYS_ENV).unwrap_or_default();
            return Keyring::parse(&text).map_err(|e| Failure::input(format!("{}: {e}", jiuzhu_crypto::KEYS_ENV)));
        }
        Source::File(p) => p,
    };
    if path.exists() {
        if let Some(w) = loose_warning(&path) {
            eprintln!("{w}");
        }
        return Keyring::load(&path).map_err(|e| Failure::input(e.to_string()));
    }
    if jiuzhu_store_sql::columns::holds_encrypted_values(database_url).await? {
        return Err(Failure::input(format!(
            "--key-file: 密钥文件 {0} 不存在，而数据库已有加密数据：请用 --key-file 或 JIUZHU_KEY_FILE 指定它的密钥文件（不会为它另建新密钥） · \
             the key file {0} does not exist and the database already holds encrypted data: name its key file with --key-file or \
             JIUZHU_KEY_FILE (no new keys are made for it)",
            path.display()
        )));
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
    let keys = Arc::new(load(database_url, named).await?);
    Ok((jiuzhu_store_sql::connect(database_url, keys.clone()).await?, keys))
}

fn now() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The audit key seals the chain's head as the trail says (the store checked the data and index
/// keys at start): a wrong audit key would seal entries nobody can verify.
async fn check_audit_key(store: &dyn Store, keys: &Arc<Keyring>) -> Result<(), Failure> {
    let Some(head) = store.audit_head().await? else { return Ok(()) };
    let sealer = jiuzhu_audit::KeySealer::new(keys.clone());
    match sealer.marker_seal(head.key_id, "head", head.entry_id, &head.entry_seal, &head.at) {
        Some(seal) if seal.as_slice() == head.seal.as_slice() => Ok(()),
        _ => Err(Failure::other(format!(
            "密钥文件与数据库不匹配：审计密钥 audit#{0} 无法验证审计日志的封印（检查 --key-file；或运行 jiuzhu audit verify） · \
             the key file does not match this database: audit key #{0} does not verify the audit trail's head seal \
             (check --key-file; or run jiuzhu audit verify)",
            head.key_id
        ))),
    }
}

/// A lease this process holds, renewed in the background until [`LeaseGuard::release`].
pub struct LeaseGuard {
    store: Arc<dyn Store>,
    token: String,
    renewal: tokio::task::JoinHandle<()>,
}

impl LeaseGuard {
    /// Gives the lease up (at a clean shutdown; a killed process's lease dies by itself).
    pub async fn release(self) {
        self.renewal.abort();
        if let Err(e) = self.store.release_lease(&self.token).await {
            tracing::warn!("releasing the lease failed (it expires by itself): {e}");
        }
    }
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn lease_for(purpose: LeasePurpose, now: DateTime<Utc>) -> Lease {
    let token: [u8; 16] = rand::random();
    Lease {
        token: jiuzhu_crypto::to_hex(&token),
        purpose,
        host: this_host(),
        pid: i64::from(std::process::id()),
        since: now,
        expires_at: now + LEASE_LIFE,
    }
}

/// Why a lease was refused, in words.
fn refusal(wanted: LeasePurpose, held: &Lease) -> String {
    let since = held.since.format("%Y-%m-%d %H:%M:%S UTC");
    let who = format!("{0} 进程 pid {1}，自 {since} 起 · host {0}, pid {1}, since {since}", held.host, held.pid);
    match (wanted, held.purpose) {
        (LeasePurpose::Rotation, LeasePurpose::Server) => format!(
            "服务正在使用该数据库（主机 {who}）：请先停止服务再轮换密钥 · a server is using this database: stop the server first, then rotate"
        ),
        (_, LeasePurpose::Rotation) => {
            format!("密钥轮换正在进行（主机 {who}）：请等它完成 · a key rotation is running on this database: wait for it to finish")
        }
        _ => format!("数据库已被占用（主机 {who}） · the database is held"),
    }
}

/// Takes a lease of `purpose` and renews it every 10 s; refused while a lease it excludes lives.
async fn hold_lease(store: &Arc<dyn Store>, purpose: LeasePurpose) -> Result<LeaseGuard, Failure> {
    let lease = lease_for(purpose, Utc::now());
    if let Some(held) = store.take_lease(&lease, Utc::now()).await? {
        return Err(Failure::other(refusal(purpose, &held)));
    }
    let (s, token) = (store.clone(), lease.token.clone());
    let renewal = tokio::spawn(async move {
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            match s.renew_lease(&lease.token, Utc::now() + LEASE_LIFE).await {
                Ok(true) => {}
                // It died (this process stalled past its life) and was removed: take it again.
                Ok(false) => {
                    match s.take_lease(&Lease { since: Utc::now(), expires_at: Utc::now() + LEASE_LIFE, ..lease.clone() }, Utc::now()).await
                    {
                        Ok(None) => tracing::warn!("the {} lease had expired and was taken again", lease.purpose.as_str()),
                        Ok(Some(held)) => tracing::error!("{}", refusal(lease.purpose, &held)),
                        Err(e) => tracing::warn!("renewing the lease failed: {e}"),
                    }
                }
                Err(e) => tracing::warn!("renewing the lease failed: {e}"),
            }
        }
    });
    Ok(LeaseGuard { store: store.clone(), token, renewal })
}

/// What `serve` and `demo` do before serving: check the audit key against the trail, then hold
/// the server's lease (a key rotation refuses to run while it lives). Release it at shutdown.
pub async fn hold_server_lease(store: &Arc<dyn Store>, keys: &Arc<Keyring>) -> Result<LeaseGuard, Failure> {
    check_audit_key(store.as_ref(), keys).await?;
    hold_lease(store, LeasePurpose::Server).await
}

/// `jiuzhu keys status`: where the keys come from, their ids, families and ages (never their
/// bytes), whether they fit the database (the start-up check), how many values use each key,
/// the archives beside the key file and who holds the database.
pub async fn status(database_url: &str, named: Option<&Path>) -> Result<(), Failure> {
    let keys = Arc::new(load(database_url, named).await?);
    let file = match source(database_url, named)? {
        Source::File(p) => {
            println!("密钥文件 key file: {}", p.display());
            Some(p)
        }
        Source::Env => {
            println!("密钥来自环境变量 keys from {}", jiuzhu_crypto::KEYS_ENV);
            None
        }
    };
    for k in keys.keys() {
        println!("{:6} #{:<3} {}  {}", k.kind, k.id, k.created, if k.active { "使用中 active" } else { "旧 old" });
    }
    let store = jiuzhu_store_sql::connect(database_url, keys.clone()).await.map_err(|e| match e {
        // The start-up check's refusal: say it plainly.
        e @ jiuzhu_store::StoreError::Corrupt { .. } => Failure::other(format!("与数据库不匹配 · does not match the database: {e}")),
        e => Failure::from(e),
    })?;
    check_audit_key(store.as_ref(), &keys).await?;
    println!("与数据库匹配 the keys match the database");
    for u in store.key_usage().await? {
        let stuck =
            if u.stuck > 0 { format!("（{0} 个无法重建索引 · {0} cannot be re-indexed）", u.stuck) } else { String::new() };
        println!("  {}#{:<3} {:<34} {}{stuck}", u.family.as_str(), u.key_id, u.column, u.values);
    }
    for archive in file.as_deref().map(archives).unwrap_or_default() {
        println!("旧密钥存档 archived keys: {}", archive.display());
    }
    for l in store.leases().await? {
        let live = if l.expires_at > Utc::now() { "有效 live" } else { "已过期 expired" };
        println!("租约 lease: {} {} pid {} since {} ({live})", l.purpose.as_str(), l.host, l.pid, l.since);
    }
    Ok(())
}

/// The archives of retired keys beside `key_file`, oldest first.
fn archives(key_file: &Path) -> Vec<PathBuf> {
    let stem = key_file.file_stem().map(|s| format!("{}.retired-", s.to_string_lossy())).unwrap_or_default();
    let dir = key_file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&stem)))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Ids of `family` some stored value still carries, and how many of those values no rotation can
/// rewrite.
fn in_use(usage: &[KeyUse], family: KeyFamily) -> Vec<(u8, i64, i64)> {
    let mut out: Vec<(u8, i64, i64)> = Vec::new();
    for u in usage.iter().filter(|u| u.family == family && u.values > 0) {
        let id = u8::try_from(u.key_id).unwrap_or(0);
        match out.iter_mut().find(|(k, _, _)| *k == id) {
            Some((_, values, stuck)) => {
                *values += u.values;
                *stuck += u.stuck;
            }
            None => out.push((id, u.values, u.stuck)),
        }
    }
    out
}

/// An unfinished rotation: the key file holds an old data key (a finished rotation retires every
/// one: any value can be re-encrypted), or an old index key that values a rotation can re-index
/// still carry.
fn unfinished(keys: &Keyring, usage: &[KeyUse]) -> bool {
    let active = keys.active_id(KeyKind::Index);
    keys.ids(KeyKind::Data).len() > 1 || in_use(usage, KeyFamily::Index).iter().any(|(id, values, stuck)| *id != active && values > stuck)
}

/// `jiuzhu keys rotate`: refused while a server holds the database. A new data key (and index /
/// audit key when asked) is written to the key file before any row changes; every value in the
/// registry of encrypted columns is re-encrypted and re-indexed in batches; then each old data or
/// index key no value carries any more is retired: archived in `keys.retired-<time>.yaml` beside
/// the key file (for older backups), then dropped from it. A key still carried is kept, and said.
/// Interrupted, it is run again: it finds the unfinished rotation and finishes it without adding
/// another key.
pub async fn rotate(database_url: &str, named: Option<&Path>, index: bool, audit: bool) -> Result<(), Failure> {
    let Source::File(path) = source(database_url, named)? else {
        return Err(Failure::input(
            "JIUZHU_KEYS: 密钥来自环境变量时无法轮换，请改用密钥文件 · keys from JIUZHU_KEYS cannot be rotated here; use a key file",
        ));
    };
    if !path.exists() {
        return Err(Failure::input(format!("--key-file: 密钥文件 {0} 不存在 · the key file {0} does not exist", path.display())));
    }
    let keys = load(database_url, named).await?;
    let store = jiuzhu_store_sql::connect(database_url, Arc::new(keys.clone())).await?;
    let lease = hold_lease(&store, LeasePurpose::Rotation).await?;
    let done = rotate_held(database_url, &path, keys, &store, index, audit).await;
    lease.release().await;
    done
}

async fn rotate_held(
    database_url: &str,
    path: &Path,
    mut keys: Keyring,
    store: &Arc<dyn Store>,
    index: bool,
    audit: bool,
) -> Result<(), Failure> {
    if unfinished(&keys, &store.key_usage().await?) {
        eprintln!(
            "发现未完成的轮换（密钥文件中仍有旧密钥在用）：继续完成，不再生成新密钥 · \
             an unfinished rotation was found (old keys in the key file are still used): finishing it, no new key is made"
        );
    } else {
        let created = now();
        keys.rotate(KeyKind::Data, &created)?;
        if index {
            keys.rotate(KeyKind::Index, &created)?;
        }
        if audit {
            keys.rotate(KeyKind::Audit, &created)?;
        }
        keys.save(path)?;
    }
    let rekeyed = jiuzhu_store_sql::connect(database_url, Arc::new(keys.clone())).await?;
    let bar = crate::progress::spinner("重新加密、重建索引 re-encrypting and re-indexing");
    let summary = jiuzhu_store::rekey_all(rekeyed.as_ref(), 2000, &|_, rows| bar.inc(rows as u64)).await?;
    bar.finish_and_clear();
    let usage = rekeyed.key_usage().await?;
    drop(rekeyed);

    let before = keys.clone();
    let mut retired = Vec::new();
    let mut kept = Vec::new();
    for (kind, family) in [(KeyKind::Data, KeyFamily::Data), (KeyKind::Index, KeyFamily::Index)] {
        let used = in_use(&usage, family);
        let ids: Vec<u8> = used.iter().map(|(id, _, _)| *id).collect();
        retired.extend(keys.retire_unused(kind, &ids).into_iter().map(|id| format!("{}#{id}", kind.as_str())));
        for (id, values, stuck) in used.into_iter().filter(|(id, _, _)| *id != keys.active_id(kind)) {
            kept.push(if stuck > 0 {
                format!(
                    "{0}#{id} 保留：{stuck} 条部门数据导入于迁移 0009 之前，无法重建索引（仍可查到） · \
                     {0}#{id} kept: {stuck} department rows imported before migration 0009 cannot be re-indexed (they are still found)",
                    kind.as_str()
                )
            } else {
                format!(
                    "{0}#{id} 保留：仍有 {values} 个值使用它（轮换期间有写入？请再运行一次） · \
                     {0}#{id} kept: {values} values still use it (written during the rotation? run it again)",
                    kind.as_str()
                )
            });
        }
    }
    if !retired.is_empty() {
        let archive = before.archive(path, &Utc::now().format("%Y%m%dT%H%M%SZ").to_string())?;
        keys.save(path)?;
        println!(
            "已退役 {0}，存档于 {1}（恢复此前的备份时用 --key-file 指定它，与备份保存同样久） · retired {0}, archived in {1} \
             (restore a backup made before now with --key-file pointing there; keep it as long as such backups exist)",
            retired.join(", "),
            archive.display()
        );
    }
    for k in &kept {
        println!("{k}");
    }
    println!(
        "使用中：data#{0} index#{1} audit#{2}；{3} 行重新加密或重建索引 · active: data#{0} index#{1} audit#{2}; {3} rows re-encrypted or re-indexed",
        keys.active_id(KeyKind::Data),
        keys.active_id(KeyKind::Index),
        keys.active_id(KeyKind::Audit),
        summary.rewritten
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_of_key_sources_puts_the_explicit_flag_first() {
        let url = "sqlite:///srv/jiuzhu/jiuzhu.db";
        let flag = Path::new("/etc/jiuzhu/keys.yaml");
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(name, _)| *name == k).map(|(_, v)| std::ffi::OsString::from(v))
        };
        let both = env(&[("JIUZHU_KEYS", "data: []"), ("JIUZHU_KEY_FILE", "/from/env.yaml")]);
        assert_eq!(source_in(url, Some(flag), both).ok(), Some(Source::File(flag.into())), "the flag wins over both variables");
        assert_eq!(source_in(url, None, both).ok(), Some(Source::File("/from/env.yaml".into())), "then JIUZHU_KEY_FILE");
        let text = env(&[("JIUZHU_KEYS", "data: []")]);
        assert_eq!(source_in(url, None, text).ok(), Some(Source::Env), "then JIUZHU_KEYS");
        let none = env(&[]);
        assert_eq!(source_in(url, None, none).ok(), Some(Source::File("/srv/jiuzhu/keys.yaml".into())), "then beside the database");
        assert!(source_in("postgres://db/x", None, none).is_err_and(|f| f.message.contains("--key-file")));
    }

    #[test]
    fn a_key_file_others_can_read_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.yaml");
        Keyring::generate("x").save(&path).unwrap();
        assert_eq!(loose_warning(&path), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = loose_warning(&path).unwrap();
        assert!(w.contains("0644") && w.contains("chmod 600") && w.contains("readable by group or others"), "{w}");
    }

    #[test]
    fn a_rotation_is_unfinished_while_old_keys_are_carried_by_values_it_can_rewrite() {
        let mut keys = Keyring::generate("x");
        let usage = |family, key_id, values, stuck| KeyUse { family, key_id, column: "t.c".into(), values, stuck };
        assert!(!unfinished(&keys, &[usage(KeyFamily::Data, 1, 5, 0)]));
        keys.rotate(KeyKind::Data, "y").unwrap();
        assert!(unfinished(&keys, &[]), "an old data key in the file: never left by a finished rotation");
        keys.retire_unused(KeyKind::Data, &[]);
        keys.rotate(KeyKind::Index, "y").unwrap();
        assert!(unfinished(&keys, &[usage(KeyFamily::Index, 1, 5, 2)]), "three values can still be re-indexed");
        assert!(!unfinished(&keys, &[usage(KeyFamily::Index, 1, 5, 5)]), "kept for department rows that cannot be");
        assert!(!unfinished(&keys, &[usage(KeyFamily::Index, 2, 5, 0)]));
    }
}
