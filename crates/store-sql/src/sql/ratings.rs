//! 好差评 ([`RatingStore`]): one rating per matter (`ratings_matter`), what the resident wrote and
//! what the handling unit found and did encrypted and bound to the row (`crate::columns`,
//! RATING_*), bad ones listed per handling region soonest due first (or latest put right first),
//! put right once at the version read, and counted per level over Beijing days.

use super::*;
use crate::columns::{RATING_ACTION, RATING_COMMENT, RATING_FOUND};
use jiuzhu_domain::clock::BEIJING;
use jiuzhu_domain::rating::{RatedMatter, Satisfaction};

const RATING_COLUMNS: &str = "id, matter, matter_id, region, level, comment_enc, rated_at, rectify_by, found_enc, action_enc, contacted, \
     rectified_by, rectified_at, version";

/// The first instant of Beijing day `day`, in UTC.
fn beijing_midnight(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(chrono::NaiveTime::MIN) - BEIJING).and_utc()
}

impl SqlStore {
    fn read_rating(&self, r: &<Db as sqlx::Database>::Row) -> Result<Rating> {
        let id: i64 = r.try_get("id").map_err(backend)?;
        let keys = &self.keys;
        let comment: Vec<u8> = r.try_get("comment_enc").map_err(backend)?;
        let comment = keys.decrypt_text(&RATING_COMMENT.context(id), &comment).map_err(|e| undecryptable("ratings.comment_enc", e))?;
        // Recorded whole (the table's CHECK): the time it was recorded says whether it was.
        let rectification = match r.try_get::<Option<DateTime<Utc>>, _>("rectified_at").map_err(backend)? {
            Some(at) => {
                let found: Vec<u8> = r.try_get("found_enc").map_err(backend)?;
                let action: Vec<u8> = r.try_get("action_enc").map_err(backend)?;
                Some(Rectification {
                    found: keys.decrypt_text(&RATING_FOUND.context(id), &found).map_err(|e| undecryptable("ratings.found_enc", e))?,
                    action: keys.decrypt_text(&RATING_ACTION.context(id), &action).map_err(|e| undecryptable("ratings.action_enc", e))?,
                    contacted: r.try_get("contacted").map_err(backend)?,
                    by: r.try_get("rectified_by").map_err(backend)?,
                    at,
                })
            }
            None => None,
        };
        Ok(Rating {
            id,
            matter: get_enum(r, "matter", RatedMatter::parse)?,
            matter_id: r.try_get("matter_id").map_err(backend)?,
            region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
            level: get_enum(r, "level", Satisfaction::parse)?,
            comment,
            rated_at: r.try_get("rated_at").map_err(backend)?,
            rectify_by: r.try_get("rectify_by").map_err(backend)?,
            rectification,
            version: r.try_get("version").map_err(backend)?,
        })
    }
}

#[async_trait]
impl RatingStore for SqlStore {
    async fn insert_rating(&self, new: &NewRating) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // The id first: the comment's ciphertext is bound to it.
            let id = alloc_ids(&mut tx, "ratings", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO ratings (id, matter, matter_id, region, level, comment_enc, rated_at, rectify_by, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
            )
            .bind(id)
            .bind(new.matter.as_str())
            .bind(new.matter_id)
            .bind(new.region.as_str())
            .bind(new.level.as_str())
            .bind(self.keys.encrypt(&RATING_COMMENT.context(id), new.comment.as_bytes()))
            .bind(new.rated_at)
            .bind(new.rectify_by)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn rating_of(&self, matter: RatedMatter, matter_id: i64) -> Result<Option<Rating>> {
        let r = sqlx::query(&format!("SELECT {RATING_COLUMNS} FROM ratings WHERE matter = $1 AND matter_id = $2"))
            .bind(matter.as_str())
            .bind(matter_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(|r| self.read_rating(r)).transpose()
    }

    async fn rating(&self, id: i64) -> Result<Rating> {
        let r = sqlx::query(&format!("SELECT {RATING_COLUMNS} FROM ratings WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match r {
            Some(r) => self.read_rating(&r),
            None => Err(StoreError::NotFound),
        }
    }

    async fn ratings_to_rectify(&self, scope: &RegionCode, matter: RatedMatter, open: bool, limit: i64) -> Result<Vec<Rating>> {
        let (which, order) =
            if open { ("rectified_at IS NULL", "rectify_by, id") } else { ("rectified_at IS NOT NULL", "rectified_at DESC, id DESC") };
        let rows = sqlx::query(&format!(
            "SELECT {RATING_COLUMNS} FROM ratings WHERE rectify_by IS NOT NULL AND region >= $1 AND region < $2 AND matter = $3 \
             AND {which} ORDER BY {order} LIMIT $4"
        ))
        .bind(scope.as_str())
        .bind(scope.upper_bound())
        .bind(matter.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| self.read_rating(r)).collect()
    }

    async fn rectify_rating(&self, id: i64, version: i64, r: &Rectification) -> Result<()> {
        let keys = &self.keys;
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            // Only a bad rating not yet put right, at the version read.
            let done = sqlx::query(
                "UPDATE ratings SET found_enc = $1, action_enc = $2, contacted = $3, rectified_by = $4, rectified_at = $5, \
                 version = version + 1 \
                 WHERE id = $6 AND version = $7 AND rectify_by IS NOT NULL AND rectified_at IS NULL",
            )
            .bind(keys.encrypt(&RATING_FOUND.context(id), r.found.as_bytes()))
            .bind(keys.encrypt(&RATING_ACTION.context(id), r.action.as_bytes()))
            .bind(r.contacted)
            .bind(&r.by)
            .bind(r.at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM ratings WHERE id = $1").bind(id).fetch_optional(&mut *tx).await.map_err(backend)?;
                return Err(if exists.is_some() { StoreError::VersionMismatch { expected: version } } else { StoreError::NotFound });
            }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn rating_counts(&self, scope: &RegionCode, from: NaiveDate, to: NaiveDate) -> Result<Vec<(Satisfaction, i64)>> {
        // Beijing days `from..=to` as UTC instants: from `from`'s midnight to the next day's after `to`.
        let start = beijing_midnight(from);
        let end = beijing_midnight(to.succ_opt().unwrap_or(NaiveDate::MAX));
        let rows = sqlx::query(
            "SELECT level, COUNT(*) AS n FROM ratings WHERE region >= $1 AND region < $2 AND rated_at >= $3 AND rated_at < $4 \
             GROUP BY level",
        )
        .bind(scope.as_str())
        .bind(scope.upper_bound())
        .bind(start)
        .bind(end)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut counts: Vec<(Satisfaction, i64)> = Satisfaction::ALL.iter().map(|&level| (level, 0)).collect();
        for r in &rows {
            let level = get_enum(r, "level", Satisfaction::parse)?;
            let n: i64 = r.try_get("n").map_err(backend)?;
            if let Some(count) = counts.iter_mut().find(|(l, _)| *l == level) {
                count.1 = n;
            }
        }
        Ok(counts)
    }
}
