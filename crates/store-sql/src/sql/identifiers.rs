use super::*;

/// Encrypts identifiers an older version stored in plaintext, then drops the plaintext columns
/// (migration 0004 adds the encrypted ones; SQL cannot encrypt). Returns how many values were
/// encrypted; the caller then compacts the database so no old page keeps them.
pub(crate) async fn upgrade_identifiers(pool: &sqlx::Pool<Db>, keys: &Keyring) -> Result<u64> {
    let mut done = 0u64;
    if column_exists(pool, "persons", "id_number").await.map_err(backend)? {
        loop {
            let mut tx = begin_write(pool).await.map_err(backend)?;
            let result: Result<usize> = async {
                let rows = sqlx::query("SELECT id, id_number FROM persons WHERE id_number_enc IS NULL ORDER BY id LIMIT 5000")
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
                for r in &rows {
                    let (id, text): (i64, String) = (r.try_get("id").map_err(backend)?, r.try_get("id_number").map_err(backend)?);
                    sqlx::query("UPDATE persons SET id_number_enc = $1, id_number_bidx = $2 WHERE id = $3")
                        .bind(keys.encrypt(&id_context(id), text.as_bytes()))
                        .bind(keys.blind_index(ID_INDEX, text.as_bytes()))
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                Ok(rows.len())
            }
            .await;
            let n = finish(tx, result).await?;
            done += n as u64;
            if n == 0 {
                break;
            }
        }
        sqlx::query("ALTER TABLE persons DROP COLUMN id_number").execute(pool).await.map_err(backend)?;
    }
    done += encrypt_column(pool, keys, "persons", "disability_certificate", "disability_certificate_enc", certificate_context).await?;
    done += encrypt_column(pool, keys, "households", "bank_account_no", "bank_account_enc", bank_context).await?;
    Ok(done)
}

/// Encrypts an older version's plaintext `table.column` into the ciphertext column `enc` in one
/// transaction, then drops the plaintext column. Nothing to do when it is already gone.
async fn encrypt_column(
    pool: &sqlx::Pool<Db>,
    keys: &Keyring,
    table: &str,
    column: &str,
    enc: &str,
    context: fn(i64) -> String,
) -> Result<u64> {
    if !column_exists(pool, table, column).await.map_err(backend)? {
        return Ok(0);
    }
    let rows = sqlx::query(&format!("SELECT id, {column} AS plain FROM {table} WHERE {column} IS NOT NULL AND {enc} IS NULL"))
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    let mut tx = begin_write(pool).await.map_err(backend)?;
    let result: Result<()> = async {
        for r in &rows {
            let (id, text): (i64, String) = (r.try_get("id").map_err(backend)?, r.try_get("plain").map_err(backend)?);
            sqlx::query(&format!("UPDATE {table} SET {enc} = $1 WHERE id = $2"))
                .bind(keys.encrypt(&context(id), text.as_bytes()))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }
    .await;
    finish(tx, result).await?;
    sqlx::query(&format!("ALTER TABLE {table} DROP COLUMN {column}")).execute(pool).await.map_err(backend)?;
    Ok(rows.len() as u64)
}

/// Fails closed when the key ring cannot decrypt what the database holds (a wrong or missing
/// key file), so a server never starts that would show every identifier as unreadable.
pub(crate) async fn check_keys(pool: &sqlx::Pool<Db>, keys: &Keyring) -> Result<()> {
    let row = sqlx::query("SELECT id, id_number_enc FROM persons ORDER BY id LIMIT 1").fetch_optional(pool).await.map_err(backend)?;
    if let Some(r) = row {
        let (id, blob): (i64, Vec<u8>) = (r.try_get("id").map_err(backend)?, r.try_get("id_number_enc").map_err(backend)?);
        if keys.decrypt(&id_context(id), &blob).is_err() {
            return Err(StoreError::Corrupt {
                what: "密钥文件与数据库不匹配：无法解密已存的身份证号（检查 --key-file / JIUZHU_KEYS） · the key file does not match this database: stored ID numbers cannot be decrypted".into(),
                source: None,
            });
        }
    }
    Ok(())
}

impl SqlStore {
    /// The key ring the store encrypts with.
    pub fn keys(&self) -> &Arc<Keyring> {
        &self.keys
    }
}

#[async_trait]
impl MaintenanceStore for SqlStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn rekey(&self, table: RekeyTable, after_id: i64, limit: i64) -> Result<RekeyBatch> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let sql = match table {
                RekeyTable::Persons => "SELECT id, id_number_enc AS enc, id_number_bidx AS bidx, disability_certificate_enc AS cert FROM persons WHERE id > $1 ORDER BY id LIMIT $2",
                RekeyTable::Households => "SELECT id, bank_account_enc AS enc, NULL AS bidx, NULL AS cert FROM households WHERE id > $1 ORDER BY id LIMIT $2",
            };
            let rows = sqlx::query(sql).bind(after_id).bind(limit).fetch_all(&mut *tx).await.map_err(backend)?;
            let mut batch = RekeyBatch { rows: rows.len(), ..RekeyBatch::default() };
            for r in &rows {
                let id: i64 = r.try_get("id").map_err(backend)?;
                batch.last_id = Some(id);
                let Some(enc) = r.try_get::<Option<Vec<u8>>, _>("enc").map_err(backend)? else { continue };
                match table {
                    RekeyTable::Persons => {
                        let bidx: Option<Vec<u8>> = r.try_get("bidx").map_err(backend)?;
                        let cert: Option<Vec<u8>> = r.try_get("cert").map_err(backend)?;
                        if self.keys.is_current_ciphertext(&enc)
                            && bidx.as_deref().is_some_and(|b| self.keys.is_current_index(b))
                            && cert.as_deref().is_none_or(|c| self.keys.is_current_ciphertext(c))
                        {
                            continue;
                        }
                        let id_number = decrypt_id(&self.keys, id, &enc)?;
                        let cert = cert
                            .map(|c| self.keys.decrypt(&certificate_context(id), &c).map_err(|e| undecryptable("persons.disability_certificate", e)))
                            .transpose()?;
                        sqlx::query("UPDATE persons SET id_number_enc = $1, id_number_bidx = $2, disability_certificate_enc = $3 WHERE id = $4")
                            .bind(self.keys.encrypt(&id_context(id), id_number.as_str().as_bytes()))
                            .bind(self.keys.blind_index(ID_INDEX, id_number.as_str().as_bytes()))
                            .bind(cert.map(|c| self.keys.encrypt(&certificate_context(id), &c)))
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                    RekeyTable::Households => {
                        if self.keys.is_current_ciphertext(&enc) {
                            continue;
                        }
                        let plain = self.keys.decrypt(&bank_context(id), &enc).map_err(|e| undecryptable("households.bank_account_no", e))?;
                        sqlx::query("UPDATE households SET bank_account_enc = $1 WHERE id = $2")
                            .bind(self.keys.encrypt(&bank_context(id), &plain))
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                }
                batch.rewritten += 1;
            }
            Ok(batch)
        }
        .await;
        finish(tx, result).await
    }
}
