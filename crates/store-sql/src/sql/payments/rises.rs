//! 提标: a rise of a programme's standard applied to a county's benefits in one transaction —
//! each benefit's amounts record gets the changes `payment::amounts::raise` gives, its amount now
//! goes up, and the rise itself is kept (one per county, programme and notice).

use super::*;
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::payment::amounts::{AmountChange, raise};

const RISE_COLUMNS: &str = "id, region, kind, from_month, per_person, notice, benefits, members, monthly_increase, by_id, by_name, at";

fn read_rise(r: &<Db as sqlx::Database>::Row) -> Result<Rise> {
    Ok(Rise {
        id: r.try_get("id").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        kind: get_enum(r, "kind", AssistanceKind::parse)?,
        from_month: r.try_get("from_month").map_err(backend)?,
        per_person: Fen(r.try_get("per_person").map_err(backend)?),
        notice: r.try_get("notice").map_err(backend)?,
        benefits: r.try_get("benefits").map_err(backend)?,
        members: r.try_get("members").map_err(backend)?,
        monthly_increase: Fen(r.try_get("monthly_increase").map_err(backend)?),
        by: actor(r, "by_id", "by_name")?.ok_or_else(|| corrupt("benefit_rises.by_name", ""))?,
        at: r.try_get("at").map_err(backend)?,
    })
}

/// Works the rise out on `conn`, writing only when `apply`.
async fn raise_on(conn: &mut Conn, r: &NewRise, apply: bool) -> Result<Rise> {
    let seen: Option<i64> = sqlx::query_scalar("SELECT id FROM benefit_rises WHERE region = $1 AND kind = $2 AND notice = $3")
        .bind(r.region.as_str())
        .bind(r.kind.as_str())
        .bind(r.notice.trim())
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    if seen.is_some() {
        return Err(StoreError::Conflict { constraint: "benefit_rises_notice".into() });
    }
    // Benefits whose months reach the rise's first month (an ended one is owed the rise for
    // its months from it to its last).
    let benefits = sqlx::query(
        "SELECT b.id, (SELECT COUNT(*) FROM persons m WHERE m.household_id = b.household_id AND m.excluded IS NULL) AS members \
         FROM benefits b WHERE b.kind = $1 AND b.region >= $2 AND b.region < $3 AND b.monthly_amount > 0 \
           AND (b.until_month IS NULL OR b.until_month >= $4) AND NOT (b.status = 'ended' AND b.until_month IS NULL) ORDER BY b.id",
    )
    .bind(r.kind.as_str())
    .bind(r.region.as_str())
    .bind(r.region.upper_bound())
    .bind(r.from_month)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let at = Utc::now();
    let mut rise = Rise {
        id: 0,
        region: r.region.clone(),
        kind: r.kind,
        from_month: r.from_month,
        per_person: r.per_person,
        notice: r.notice.trim().to_string(),
        benefits: 0,
        members: 0,
        monthly_increase: Fen::ZERO,
        by: r.by.clone(),
        at,
    };
    for b in &benefits {
        let id: i64 = b.try_get("id").map_err(backend)?;
        let members: i64 = b.try_get("members").map_err(backend)?;
        let delta = Fen(r.per_person.0 * members);
        let rows = sqlx::query("SELECT from_month, monthly_amount FROM benefit_amounts WHERE benefit_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
        let changes = rows
            .iter()
            .map(|c| {
                Ok(AmountChange {
                    from_month: c.try_get("from_month").map_err(backend)?,
                    amount: Fen(c.try_get("monthly_amount").map_err(backend)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let changes = raise(&changes, r.from_month, delta);
        let Some(last) = changes.last() else { continue };
        rise.benefits += 1;
        rise.members += members;
        rise.monthly_increase = rise.monthly_increase + delta;
        if !apply || delta.0 == 0 {
            continue;
        }
        let note = format!("提标 {}：每人每月增加 {} 元", rise.notice, r.per_person);
        for c in &changes {
            super::super::cases::record_amount(&mut *conn, id, c.from_month, c.amount, &note, at).await?;
        }
        sqlx::query(
            "UPDATE benefits SET version = version + 1, monthly_amount = monthly_amount + $1, amount_from = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(delta.0)
        .bind(last.from_month)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    }
    if apply {
        rise.id = alloc_ids(&mut *conn, "benefit_rises", 1).await.map_err(backend)?[0];
        sqlx::query(&format!("INSERT INTO benefit_rises ({RISE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
            .bind(rise.id)
            .bind(rise.region.as_str())
            .bind(rise.kind.as_str())
            .bind(rise.from_month)
            .bind(rise.per_person.0)
            .bind(&rise.notice)
            .bind(rise.benefits)
            .bind(rise.members)
            .bind(rise.monthly_increase.0)
            .bind(rise.by.account_id)
            .bind(&rise.by.username)
            .bind(at)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
    }
    Ok(rise)
}

impl SqlStore {
    pub(super) async fn raise(&self, r: &NewRise, apply: bool) -> Result<Rise> {
        if !apply {
            let mut conn = self.pool.acquire().await.map_err(backend)?;
            return raise_on(&mut conn, r, false).await;
        }
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result = raise_on(&mut tx, r, true).await;
        finish(tx, result).await
    }

    pub(super) async fn rises_in(&self, within: &RegionCode) -> Result<Vec<Rise>> {
        let rows = sqlx::query(&format!("SELECT {RISE_COLUMNS} FROM benefit_rises WHERE region >= $1 AND region < $2 ORDER BY id DESC"))
            .bind(within.as_str())
            .bind(within.upper_bound())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(read_rise).collect()
    }
}
