//! 好差评: residents' ratings of how their application or complaint was handled, and the
//! rectification (整改) each bad rating opens for the unit that handled it.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::rating::{RatedMatter, Satisfaction};

/// A rating as it is first stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    pub matter: RatedMatter,
    /// The online application's or the complaint's id.
    pub matter_id: i64,
    /// The region of the unit that handled the matter (the application's town; the complaint's
    /// handling region): whose staff put a bad rating right.
    pub region: RegionCode,
    pub level: Satisfaction,
    /// What the resident wrote (encrypted at rest); may be empty for a good rating.
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    /// A bad rating's rectification deadline; `None` for a good one.
    pub rectify_by: Option<NaiveDate>,
}

/// 整改: what the handling unit found and did about a bad rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rectification {
    /// 核实情况 (encrypted at rest).
    pub found: String,
    /// 整改措施及结果 (encrypted at rest).
    pub action: String,
    /// 回访: whether the resident was told what was done (an anonymous rater cannot be).
    pub contacted: bool,
    /// The account that recorded it (its username).
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A stored rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub id: i64,
    pub matter: RatedMatter,
    pub matter_id: i64,
    pub region: RegionCode,
    pub level: Satisfaction,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    pub rectify_by: Option<NaiveDate>,
    /// `None` while a bad rating waits to be put right (and always for a good one).
    pub rectification: Option<Rectification>,
    pub version: i64,
}

#[async_trait]
pub trait RatingStore: Send + Sync {
    /// Stores a rating; a matter already rated is `Conflict { "ratings_matter" }` (one rating per
    /// matter, as 一事一评).
    async fn insert_rating(&self, new: &NewRating) -> Result<i64>;
    /// The rating of a matter, if it was rated.
    async fn rating_of(&self, matter: RatedMatter, matter_id: i64) -> Result<Option<Rating>>;
    /// One rating by id; `NotFound` when there is none.
    async fn rating(&self, id: i64) -> Result<Rating>;
    /// Bad ratings (those with a `rectify_by`) whose `region` lies within `scope`, of `matter`:
    /// when `open`, those not yet put right, soonest due first (then in the order stored);
    /// otherwise those put right, the latest put right first (then the last stored first). At
    /// most `limit`.
    async fn ratings_to_rectify(&self, scope: &RegionCode, matter: RatedMatter, open: bool, limit: i64) -> Result<Vec<Rating>>;
    /// Records the rectification of a bad rating at `version` (the version goes up by one);
    /// `VersionMismatch` when it changed meanwhile, was put right already or is not a bad rating,
    /// `NotFound` when there is none.
    async fn rectify_rating(&self, id: i64, version: i64, r: &Rectification) -> Result<()>;
    /// How many ratings of each level were given within `scope` between `from` and `to`
    /// (inclusive, Beijing dates), of both matters, for the satisfaction figures: (level, count),
    /// every level once in the order of `Satisfaction::ALL` (非常满意 first), 0 where none was.
    async fn rating_counts(&self, scope: &RegionCode, from: NaiveDate, to: NaiveDate) -> Result<Vec<(Satisfaction, i64)>>;
}
