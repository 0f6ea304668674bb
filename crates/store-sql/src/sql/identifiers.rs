use super::*;
use crate::columns::{AUDIT_KEY_COLUMNS, ENCRYPTED_COLUMNS, EncryptedColumn};

/// Encrypts values an older version stored in plaintext (every registry column with a
/// `legacy_plaintext`), in batches of their own transactions, then drops the plaintext columns
/// (migration 0004 adds the encrypted ones; SQL cannot encrypt). Killed half way, the next start
/// goes on where it stopped. Returns how many values were encrypted; the caller then compacts the
/// database so no old page keeps them.
pub(crate) async fn upgrade_identifiers(pool: &sqlx::Pool<Db>, keys: &Keyring) -> Result<u64> {
    let mut done = 0u64;
    for c in ENCRYPTED_COLUMNS {
        let Some(plain) = c.legacy_plaintext else { continue };
        if !column_exists(pool, c.table, plain).await.map_err(backend)? {
            continue;
        }
        loop {
            let n = encrypt_batch(pool, keys, c, plain).await?;
            done += n as u64;
            if n == 0 {
                break;
            }
        }
        sqlx::query(&format!("ALTER TABLE {} DROP COLUMN {plain}", c.table)).execute(pool).await.map_err(backend)?;
    }
    Ok(done)
}

/// One transaction of [`upgrade_identifiers`]: up to 5,000 plaintext values of `c` encrypted
/// (and indexed when `c` has a blind index).
async fn encrypt_batch(pool: &sqlx::Pool<Db>, keys: &Keyring, c: &EncryptedColumn, plain: &str) -> Result<usize> {
    let (table, enc) = (c.table, c.column);
    let mut tx = begin_write(pool).await.map_err(backend)?;
    let result: Result<usize> = async {
        let rows = sqlx::query(&format!(
            "SELECT id, {plain} AS plain FROM {table} WHERE {plain} IS NOT NULL AND {enc} IS NULL ORDER BY id LIMIT 5000"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        for r in &rows {
            let (id, text): (i64, String) = (r.try_get("id").map_err(backend)?, r.try_get("plain").map_err(backend)?);
            let mut q = QueryBuilder::<Db>::new(format!("UPDATE {table} SET {enc} = "));
            q.push_bind(keys.encrypt(&c.context(id), text.as_bytes()));
            if let Some(i) = c.index {
                q.push(format!(", {} = ", i.column)).push_bind(keys.blind_index(i.domain, text.as_bytes()));
            }
            q.push(" WHERE id = ").push_bind(id);
            q.build().execute(&mut *tx).await.map_err(backend)?;
        }
        Ok(rows.len())
    }
    .await;
    finish(tx, result).await
}

/// Fails closed when the key ring does not fit what the database holds (a wrong, old or missing
/// key file), naming the family that does not match, so a server never starts that would show
/// identifiers as unreadable (data key), miss every search and accept duplicates (index key) or
/// seal entries nobody can verify (audit key). Cheap: the oldest and newest value of every
/// registry column, and the audit keys of the chain's head and newest entry.
pub(crate) async fn check_keys(pool: &sqlx::Pool<Db>, keys: &Keyring) -> Result<()> {
    for c in ENCRYPTED_COLUMNS {
        let index = c.index.map(|i| format!(", {} AS bidx", i.column)).unwrap_or_default();
        for order in ["ASC", "DESC"] {
            let sql = format!("SELECT id, {} AS enc{index} FROM {} ORDER BY id {order} LIMIT 1", c.column, c.table);
            let Some(r) = sqlx::query(&sql).fetch_optional(pool).await.map_err(backend)? else { continue };
            let id: i64 = r.try_get("id").map_err(backend)?;
            // A department row imported before its ID number was kept has none: nothing to check.
            let Some(enc) = r.try_get::<Option<Vec<u8>>, _>("enc").map_err(backend)? else { continue };
            let plain = keys.decrypt(&c.context(id), &enc).map_err(|e| {
                mismatch(
                    format!("数据密钥无法解密 {}.{}（{e}）", c.table, c.column),
                    format!("the data keys cannot decrypt {}.{} ({e})", c.table, c.column),
                )
            })?;
            let Some(i) = c.index else { continue };
            let Some(stored) = r.try_get::<Option<Vec<u8>>, _>("bidx").map_err(backend)? else { continue };
            let key_id = stored.first().copied().unwrap_or(0);
            match keys.blind_index_under(key_id, i.domain, &plain) {
                Some(b) if b == stored => {}
                Some(_) => {
                    return Err(mismatch(
                        format!("索引密钥 index#{key_id} 算出的盲索引与 {}.{} 不同", c.table, i.column),
                        format!("index key #{key_id} does not reproduce the blind index in {}.{}", c.table, i.column),
                    ));
                }
                None => {
                    return Err(mismatch(
                        format!("{}.{} 所用的索引密钥 index#{key_id} 不在密钥文件中", c.table, i.column),
                        format!("the index key #{key_id} of {}.{} is not in the key file", c.table, i.column),
                    ));
                }
            }
        }
    }
    let audit_ids = keys.ids(jiuzhu_crypto::KeyKind::Audit);
    for (table, column) in AUDIT_KEY_COLUMNS {
        let sql = format!("SELECT CAST({column} AS BIGINT) FROM {table} ORDER BY id DESC LIMIT 1");
        let Some(key_id) = sqlx::query_scalar::<_, i64>(&sql).fetch_optional(pool).await.map_err(backend)? else { continue };
        if !audit_ids.iter().any(|k| i64::from(*k) == key_id) {
            return Err(mismatch(
                format!("审计日志 {table} 所用的审计密钥 audit#{key_id} 不在密钥文件中"),
                format!("the audit key #{key_id} that sealed {table} is not in the key file"),
            ));
        }
    }
    Ok(())
}

fn mismatch(zh: String, en: String) -> StoreError {
    StoreError::Corrupt {
        what: format!(
            "密钥文件与数据库不匹配：{zh}（检查 --key-file / JIUZHU_KEY_FILE / JIUZHU_KEYS） · the key file does not match this database: {en}"
        ),
        source: None,
    }
}

impl SqlStore {
    /// The key ring the store encrypts with.
    pub fn keys(&self) -> &Arc<Keyring> {
        &self.keys
    }
}
