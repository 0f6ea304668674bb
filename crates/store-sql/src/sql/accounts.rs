use super::*;

fn read_account(r: &<Db as sqlx::Database>::Row) -> Result<Account> {
    let role: String = r.try_get("role").map_err(backend)?;
    Ok(Account {
        id: r.try_get("id").map_err(backend)?,
        username: r.try_get("username").map_err(backend)?,
        display_name: r.try_get("display_name").map_err(backend)?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        department: opt_enum(r, "department", Department::parse)?,
        password_hash: r.try_get("password_hash").map_err(backend)?,
        disabled: r.try_get("disabled").map_err(backend)?,
        must_change_password: r.try_get("must_change_password").map_err(backend)?,
        failed_logins: r.try_get("failed_logins").map_err(backend)?,
        locked_until: r.try_get("locked_until").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
    })
}

const ACCOUNT_COLUMNS: &str = "id, username, display_name, role, region, department, password_hash, disabled, must_change_password, failed_logins, locked_until, created_at";

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_account(&self, a: &NewAccount) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        let id = alloc_ids(&mut tx, "accounts", 1).await.map_err(backend)?[0];
        sqlx::query(
            "INSERT INTO accounts (id, username, display_name, role, region, password_hash, disabled, failed_logins, created_at, department, must_change_password) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10)",
        )
        .bind(id)
        .bind(&a.username)
        .bind(&a.display_name)
        .bind(a.role.as_str())
        .bind(a.region.as_str())
        .bind(&a.password_hash)
        .bind(a.disabled)
        .bind(Utc::now())
        .bind(a.department.map(|d| d.as_str()))
        .bind(a.must_change_password)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn account(&self, id: i64) -> Result<Option<Account>> {
        let r = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_account).transpose()
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>> {
        let r = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_account).transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<Account>> {
        let rows =
            sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id")).fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_account).collect()
    }

    async fn count_attempt(&self, account_id: i64, max: i64, now: DateTime<Utc>, lock_until: DateTime<Utc>) -> Result<Attempt> {
        // One statement: two attempts at once cannot both read the count before either adds to
        // it. In SET, columns name their old values (SQLite and PostgreSQL alike).
        let counted: Option<i64> = sqlx::query_scalar(
            "UPDATE accounts SET \
               failed_logins = CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END, \
               locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END) >= $2 THEN $3 ELSE NULL END \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $4) RETURNING failed_logins",
        )
        .bind(account_id)
        .bind(max)
        .bind(lock_until)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        if let Some(failures) = counted {
            return Ok(Attempt::Counted { failures });
        }
        let until: Option<Option<DateTime<Utc>>> = sqlx::query_scalar("SELECT locked_until FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match until {
            Some(Some(until)) => Ok(Attempt::Locked { until }),
            // Unlocked between the two statements: count it as the first of a fresh run.
            Some(None) => Ok(Attempt::Counted { failures: 1 }),
            None => Err(StoreError::NotFound),
        }
    }

    async fn record_login_success(&self, account_id: i64) -> Result<()> {
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(account_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn set_account_disabled(&self, account_id: i64, disabled: bool) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let done = sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(account_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(&mut *tx).await.map_err(backend)?;
            }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&s.token_hash)
            .bind(s.account_id)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let r = sqlx::query(
            "SELECT token_hash, account_id, csrf_token, created_at, last_seen_at, reauth_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        r.map(|r| {
            Ok(Session {
                token_hash: r.try_get("token_hash").map_err(backend)?,
                account_id: r.try_get("account_id").map_err(backend)?,
                csrf_token: r.try_get("csrf_token").map_err(backend)?,
                created_at: r.try_get("created_at").map_err(backend)?,
                last_seen_at: r.try_get("last_seen_at").map_err(backend)?,
                reauth_at: r.try_get("reauth_at").map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(at)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn grant_access(&self, account_id: i64, role: Role, region: &RegionCode, department: Option<Department>) -> Result<()> {
        let done = sqlx::query("UPDATE accounts SET role = $1, region = $2, department = $3, disabled = $4 WHERE id = $5")
            .bind(role.as_str())
            .bind(region.as_str())
            .bind(department.map(|d| d.as_str()))
            .bind(false)
            .bind(account_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn set_password(&self, account_id: i64, password_hash: &str, must_change: bool) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let done = sqlx::query(
                "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL, must_change_password = $2 WHERE id = $3",
            )
            .bind(password_hash)
            .bind(must_change)
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(&mut *tx).await.map_err(backend)?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn set_session_reauth(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE sessions SET reauth_at = $1 WHERE token_hash = $2")
            .bind(at)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
