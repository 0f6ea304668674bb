//! Conformance: stored assessments ([`AssessmentStore`]).

use super::*;

pub async fn assessments_are_kept_newest_first(s: &dyn Store) {
    s.upsert_regions(&divisions()).await.unwrap();
    let ids = s.insert_households(&[sample_household("620825100201", "赵一", 41)], &actor()).await.unwrap();
    let item = |score: i64, as_of: &str| NewAssessment {
        household_id: ids[0],
        region: code("620825100201"),
        as_of: as_of.parse().unwrap(),
        score,
        level: "moderate".into(),
        dibao: 36_000,
        tekun: 0,
        flags: 1,
        result: "{\"programmes\":[]}".into(),
    };
    let made = s.insert_assessments(&[item(58, "2026-10-01"), item(61, "2026-11-01")], &actor()).await.unwrap();
    assert_eq!(made.len(), 2);
    let list = s.assessments(ids[0]).await.unwrap();
    assert_eq!(list.iter().map(|a| a.score).collect::<Vec<_>>(), [61, 58], "newest first");
    assert_eq!(
        (list[0].as_of, list[0].dibao, &list[0].result[..14], list[0].actor.as_str()),
        ("2026-11-01".parse().unwrap(), 36_000, "{\"programmes\":", "conformance")
    );
    // A bad row fails the whole batch.
    let bad = NewAssessment { score: 101, ..item(0, "2026-11-02") };
    assert!(s.insert_assessments(&[item(70, "2026-11-02"), bad], &actor()).await.is_err());
    assert_eq!(s.assessments(ids[0]).await.unwrap().len(), 2, "nothing of a failed batch is kept");
    assert!(s.assessments(ids[0] + 999).await.unwrap().is_empty());
    // Totals per town for a date: the latest assessment of each household counts once.
    let t = s.assessment_totals(&code("620825"), "2026-11-01".parse().unwrap()).await.unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].region.as_str(), t[0].households, t[0].mean_score_x100, t[0].dibao_households, t[0].dibao_monthly),
        ("620825100", 1, 6100, 1, 36_000)
    );
    s.insert_assessments(&[NewAssessment { score: 40, dibao: 0, flags: 0, ..item(0, "2026-11-01") }], &actor()).await.unwrap();
    let t = s.assessment_totals(&code("620825100"), "2026-11-01".parse().unwrap()).await.unwrap();
    assert_eq!(
        (t[0].households, t[0].mean_score_x100, t[0].hard_households, t[0].dibao_households),
        (1, 4000, 0, 0),
        "only the latest counts"
    );
    assert!(s.assessment_totals(&code("620825101"), "2026-11-01".parse().unwrap()).await.unwrap().is_empty(), "another town sees none");
    assert_eq!(
        s.assessment_dates(&code("620825")).await.unwrap(),
        ["2026-11-01".parse::<NaiveDate>().unwrap(), "2026-10-01".parse().unwrap()]
    );
}
