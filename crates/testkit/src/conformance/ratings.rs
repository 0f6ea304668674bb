//! Conformance: 好差评 ([`RatingStore`]): one rating per matter, read back whole (the comment
//! encrypted, possibly empty), bad ones listed per handling region soonest due first or latest put
//! right first, put right once at the version read, and counted per level over Beijing days.

use super::*;
use crate::world::{COUNTY, TOWN_A, TOWN_B, VILLAGE_A};
use jiuzhu_domain::rating::{RatedMatter, Satisfaction};

fn t(minutes: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// `n` days after the suite's today (2026-11-23).
fn day(n: i64) -> NaiveDate {
    today() + Duration::days(n)
}

/// A rating of `matter` `matter_id` given at 09:00 on 2026-11-23 (UTC) to the unit of `region`:
/// with a comment, and due to be put right in 15 days when `level` is a bad one.
pub fn rating(matter: RatedMatter, matter_id: i64, region: &str, level: Satisfaction) -> NewRating {
    NewRating {
        matter,
        matter_id,
        region: crate::fixtures::code(region),
        level,
        comment: format!("{}：窗口工作人员让我跑了三趟才办成（{matter_id}）", level.zh()),
        rated_at: t(0),
        rectify_by: level.is_bad().then(|| day(15)),
    }
}

/// What `by` found and did about a bad rating, recorded at `at`; the resident was reached.
pub fn rectification(by: &str, at: chrono::DateTime<Utc>) -> Rectification {
    Rectification {
        found: "经核实，窗口人员未一次性告知所需材料".into(),
        action: "已对窗口人员批评教育，并电话回访致歉，群众表示理解".into(),
        contacted: true,
        by: by.into(),
        at,
    }
}

fn ids(list: &[Rating]) -> Vec<i64> {
    list.iter().map(|r| r.id).collect()
}

fn is_mismatch(r: &Result<()>, version: i64) -> bool {
    matches!(r, Err(StoreError::VersionMismatch { expected }) if *expected == version)
}

/// Five counts in the order of the levels (非常满意 first).
fn counts(very: i64, satisfied: i64, fairly: i64, dissatisfied: i64, very_dissatisfied: i64) -> Vec<(Satisfaction, i64)> {
    vec![
        (Satisfaction::VerySatisfied, very),
        (Satisfaction::Satisfied, satisfied),
        (Satisfaction::FairlySatisfied, fairly),
        (Satisfaction::Dissatisfied, dissatisfied),
        (Satisfaction::VeryDissatisfied, very_dissatisfied),
    ]
}

pub async fn a_matter_is_rated_once_and_read_back_whole(s: &dyn Store) {
    let new_good = rating(RatedMatter::Application, 101, TOWN_A, Satisfaction::VerySatisfied);
    let good = s.insert_rating(&new_good).await.unwrap();
    let read = s.rating(good).await.unwrap();
    let expected = Rating {
        id: good,
        matter: RatedMatter::Application,
        matter_id: 101,
        region: code(TOWN_A),
        level: Satisfaction::VerySatisfied,
        comment: new_good.comment.clone(),
        rated_at: t(0),
        rectify_by: None,
        rectification: None,
        version: 1,
    };
    assert_eq!(read, expected, "read back whole, the comment exactly as written");
    assert_eq!(s.rating_of(RatedMatter::Application, 101).await.unwrap(), Some(expected.clone()));
    assert_eq!(s.rating_of(RatedMatter::Application, 102).await.unwrap(), None, "another application was not rated");
    assert_eq!(s.rating_of(RatedMatter::Complaint, 101).await.unwrap(), None, "nor the complaint with the same id");

    // The same id of the other kind of matter is another matter; a good rating may say nothing.
    let new_silent = NewRating { comment: String::new(), ..rating(RatedMatter::Complaint, 101, COUNTY, Satisfaction::Satisfied) };
    let silent = s.insert_rating(&new_silent).await.unwrap();
    assert_ne!(silent, good);
    let read = s.rating_of(RatedMatter::Complaint, 101).await.unwrap().unwrap();
    assert_eq!((read.id, read.comment.as_str(), read.region, read.rectify_by), (silent, "", code(COUNTY), None));

    let new_bad = rating(RatedMatter::Application, 102, TOWN_A, Satisfaction::VeryDissatisfied);
    let bad = s.insert_rating(&new_bad).await.unwrap();
    let read = s.rating(bad).await.unwrap();
    assert_eq!(
        (read.level, read.comment.as_str(), read.rectify_by, read.rectification, read.version),
        (Satisfaction::VeryDissatisfied, new_bad.comment.as_str(), Some(day(15)), None, 1)
    );

    // 一事一评: a matter rated is not rated again, whatever the level; the first stays.
    for again in [
        rating(RatedMatter::Application, 101, TOWN_A, Satisfaction::Dissatisfied),
        NewRating { rated_at: t(60), ..rating(RatedMatter::Application, 101, TOWN_B, Satisfaction::VerySatisfied) },
        rating(RatedMatter::Complaint, 101, COUNTY, Satisfaction::Satisfied),
    ] {
        let refused = s.insert_rating(&again).await;
        assert!(matches!(&refused, Err(StoreError::Conflict { constraint }) if constraint == "ratings_matter"), "{refused:?}");
    }
    assert_eq!(s.rating_of(RatedMatter::Application, 101).await.unwrap(), Some(expected), "the refusal changed nothing");
    assert!(matches!(s.rating(good + silent + bad + 1000).await, Err(StoreError::NotFound)));

    // Only the bad one waits to be put right; the good ones are never listed.
    for scope in [COUNTY, TOWN_A] {
        assert_eq!(ids(&s.ratings_to_rectify(&code(scope), RatedMatter::Application, true, 10).await.unwrap()), [bad], "{scope}");
        assert!(s.ratings_to_rectify(&code(scope), RatedMatter::Application, false, 10).await.unwrap().is_empty(), "{scope}");
    }
    for open in [true, false] {
        assert!(s.ratings_to_rectify(&code(COUNTY), RatedMatter::Complaint, open, 10).await.unwrap().is_empty(), "{open}");
    }
}

pub async fn bad_ratings_are_listed_in_scope_soonest_due_first(s: &dyn Store) {
    let (county, town_a, town_b) = (code(COUNTY), code(TOWN_A), code(TOWN_B));
    let add = |matter: RatedMatter, matter_id: i64, region: &'static str, level: Satisfaction, due: Option<i64>| {
        let new = NewRating { rectify_by: due.map(day), ..rating(matter, matter_id, region, level) };
        async move { s.insert_rating(&new).await.unwrap() }
    };
    use RatedMatter::{Application, Complaint};
    use Satisfaction::{Dissatisfied, FairlySatisfied, VeryDissatisfied};
    let x = add(Application, 1, TOWN_A, Dissatisfied, Some(10)).await;
    let y = add(Application, 2, TOWN_A, VeryDissatisfied, Some(5)).await;
    // Due the same day as x, stored after it: after x.
    let z = add(Application, 3, TOWN_A, Dissatisfied, Some(10)).await;
    let w = add(Application, 4, TOWN_B, Dissatisfied, Some(7)).await;
    // A good rating in town A: never listed.
    add(Application, 5, TOWN_A, FairlySatisfied, None).await;
    // Complaints: one handled by town A, one by the county.
    let c = add(Complaint, 1, TOWN_A, Dissatisfied, Some(1)).await;
    let k = add(Complaint, 2, COUNTY, VeryDissatisfied, Some(3)).await;

    let open = |scope: RegionCode, matter: RatedMatter, limit: i64| async move {
        ids(&s.ratings_to_rectify(&scope, matter, true, limit).await.unwrap())
    };
    let done = |scope: RegionCode, matter: RatedMatter, limit: i64| async move {
        ids(&s.ratings_to_rectify(&scope, matter, false, limit).await.unwrap())
    };
    assert_eq!(open(town_a.clone(), Application, 10).await, [y, x, z], "soonest due first, then in the order stored");
    assert_eq!(open(town_a.clone(), Application, 2).await, [y, x], "at most the limit");
    assert_eq!(open(town_b.clone(), Application, 10).await, [w], "the other town sees its own only");
    assert_eq!(open(county.clone(), Application, 10).await, [y, w, x, z], "the county sees both towns");
    assert!(open(code(VILLAGE_A), Application, 10).await.is_empty(), "a village handles none");
    assert_eq!(open(town_a.clone(), Complaint, 10).await, [c], "the complaint rated, not the applications");
    assert_eq!(open(county.clone(), Complaint, 10).await, [c, k], "and the county's own");
    assert!(open(town_b.clone(), Complaint, 10).await.is_empty());
    assert!(done(county.clone(), Application, 10).await.is_empty(), "nothing put right yet");

    // Put right: y first, x later, z at the same time as x (then the one stored last first).
    s.rectify_rating(y, 1, &rectification("shuiluo-window", t(60))).await.unwrap();
    s.rectify_rating(x, 1, &rectification("shuiluo-window", t(90))).await.unwrap();
    s.rectify_rating(w, 1, &rectification("nanhu-window", t(30))).await.unwrap();
    assert_eq!(open(town_a.clone(), Application, 10).await, [z]);
    s.rectify_rating(z, 1, &rectification("shuiluo-window", t(90))).await.unwrap();
    s.rectify_rating(k, 1, &rectification("county-complaints", t(120))).await.unwrap();

    assert!(open(town_a.clone(), Application, 10).await.is_empty(), "all put right");
    assert_eq!(done(town_a.clone(), Application, 10).await, [z, x, y], "the latest put right first");
    assert_eq!(done(town_a.clone(), Application, 1).await, [z], "at most the limit");
    assert_eq!(done(town_b, Application, 10).await, [w]);
    assert_eq!(done(county.clone(), Application, 10).await, [z, x, y, w]);
    assert!(done(town_a.clone(), Complaint, 10).await.is_empty(), "the complaint of town A still waits");
    assert_eq!(open(town_a, Complaint, 10).await, [c]);
    assert_eq!(done(county.clone(), Complaint, 10).await, [k]);
    assert_eq!(open(county, Complaint, 10).await, [c]);
}

pub async fn a_bad_rating_is_put_right_once_at_the_version_read(s: &dyn Store) {
    let id = s.insert_rating(&rating(RatedMatter::Complaint, 7, TOWN_A, Satisfaction::Dissatisfied)).await.unwrap();
    let good = s.insert_rating(&rating(RatedMatter::Complaint, 8, TOWN_A, Satisfaction::Satisfied)).await.unwrap();
    let unreached = s.insert_rating(&rating(RatedMatter::Application, 7, TOWN_B, Satisfaction::VeryDissatisfied)).await.unwrap();
    let fresh = s.rating(id).await.unwrap();
    let r = rectification("shuiluo-complaints", t(60));

    assert!(is_mismatch(&s.rectify_rating(id, 2, &r).await, 2), "at a version it never had");
    assert_eq!(s.rating(id).await.unwrap(), fresh, "a refusal changes nothing");

    s.rectify_rating(id, 1, &r).await.unwrap();
    let put_right = s.rating(id).await.unwrap();
    assert_eq!(put_right, Rating { rectification: Some(r.clone()), version: 2, ..fresh.clone() }, "recorded whole, the rest kept");

    // Put right already: at the old version and at the new one, refused.
    let other = Rectification { found: "另查".into(), contacted: false, ..rectification("county-complaints", t(90)) };
    for version in [1, 2] {
        assert!(is_mismatch(&s.rectify_rating(id, version, &other).await, version), "{version}");
    }
    assert_eq!(s.rating(id).await.unwrap(), put_right, "the first record stays");

    // A good rating has nothing to put right.
    assert!(is_mismatch(&s.rectify_rating(good, 1, &r).await, 1));
    let g = s.rating(good).await.unwrap();
    assert_eq!((g.rectification, g.version), (None, 1));

    // A resident who could not be reached: recorded as such.
    let unreached_record = Rectification { contacted: false, ..rectification("nanhu-window", t(120)) };
    s.rectify_rating(unreached, 1, &unreached_record).await.unwrap();
    assert_eq!(s.rating(unreached).await.unwrap().rectification, Some(unreached_record));

    let unknown = s.rectify_rating(id + good + unreached + 1000, 1, &r).await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
}

pub async fn ratings_are_counted_per_level_over_beijing_days_in_scope(s: &dyn Store) {
    // 2026-11-23 in Beijing runs from 2026-11-22T16:00Z to 2026-11-23T16:00Z.
    let at = |d: u32, h: u32, m: u32, sec: u32, ms: u32| {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, sec).unwrap() + Duration::milliseconds(i64::from(ms))
    };
    let mut n = 0;
    let mut add = |matter: RatedMatter, region: &'static str, level: Satisfaction, rated_at: chrono::DateTime<Utc>| {
        n += 1;
        let new = NewRating { rated_at, ..rating(matter, n, region, level) };
        async move { s.insert_rating(&new).await.unwrap() }
    };
    use RatedMatter::{Application, Complaint};
    use Satisfaction::*;
    // Town A: two 非常满意 and one 满意 on the 23rd and 24th (Beijing), one each side of them.
    add(Application, TOWN_A, VerySatisfied, at(22, 16, 0, 0, 0)).await;
    add(Complaint, TOWN_A, VerySatisfied, at(23, 4, 0, 0, 500)).await;
    add(Application, TOWN_A, Satisfied, at(24, 15, 59, 59, 999)).await;
    add(Application, TOWN_A, Dissatisfied, at(22, 15, 59, 59, 999)).await;
    add(Application, TOWN_A, VeryDissatisfied, at(24, 16, 0, 0, 0)).await;
    // Town B and the county's own, on the 23rd.
    add(Application, TOWN_B, FairlySatisfied, at(23, 1, 0, 0, 0)).await;
    add(Complaint, COUNTY, Dissatisfied, at(23, 10, 0, 0, 0)).await;

    let (d23, d24) = (day(0), day(1));
    let count = |scope: &'static str, from: NaiveDate, to: NaiveDate| async move { s.rating_counts(&code(scope), from, to).await.unwrap() };
    assert_eq!(count(TOWN_A, d23, d24).await, counts(2, 1, 0, 0, 0), "both matters, Beijing days, every level");
    assert_eq!(count(TOWN_A, d23, d23).await, counts(2, 0, 0, 0, 0), "one day");
    assert_eq!(count(TOWN_A, day(-1), day(2)).await, counts(2, 1, 0, 1, 1), "the days either side");
    assert_eq!(count(TOWN_A, day(-1), day(-1)).await, counts(0, 0, 0, 1, 0), "23:59:59 in Beijing is still the day before");
    assert_eq!(count(TOWN_B, d23, d24).await, counts(0, 0, 1, 0, 0), "the other town's own");
    assert_eq!(count(COUNTY, d23, d24).await, counts(2, 1, 1, 1, 0), "the county: both towns and its own");
    assert_eq!(count(COUNTY, day(3), day(10)).await, counts(0, 0, 0, 0, 0), "none given then");
    assert_eq!(count(VILLAGE_A, d23, d24).await, counts(0, 0, 0, 0, 0), "a village handles none");
}
