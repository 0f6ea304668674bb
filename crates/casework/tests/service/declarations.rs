//! 申报 before 核对 and approval: silence is not a declaration (issue 15).

use super::*;

/// Replaces the household's records as they are, with `declaration` (what a correction at the
/// survey, or an API client, could leave).
async fn redeclare(w: &World, household: i64, edit: impl FnOnce(&mut jiuzhu_store::Records)) {
    let h = w.store.household(household).await.unwrap().unwrap();
    let mut r = h.records.clone();
    edit(&mut r);
    w.store.replace_records(household, h.version, &r, &[], &Actor::system("test")).await.unwrap();
}

/// Issue 15: a household that never declared its income and property passed 核对 with 0 income
/// and was approved. Silence is not a declaration: the check and the approval refuse, naming
/// what is missing; an explicit "none" is a declaration and lets them proceed.
#[tokio::test]
async fn the_check_and_the_approval_refuse_a_household_that_never_declared() {
    let w = world().await;
    redeclare(&w, w.poor, |r| {
        r.incomes.clear();
        r.assets.clear();
        r.declaration = None;
    })
    .await;
    let id = w.cw.intake(&clerk(), w.poor, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.unwrap()[0];
    let view = w.cw.get(&clerk(), id).await.unwrap();
    assert_eq!(view.undeclared, vec![Section::Incomes, Section::Assets], "the case page names what is missing");
    let Err(CaseworkError::Invalid(v)) = w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await else { panic!("the check must refuse") };
    let msg = v.0[0].message(Lang::Zh);
    assert!(msg.contains("收入、财产") && msg.contains("核对"), "{msg}");
    assert_eq!(w.store.case(id).await.unwrap().unwrap().data.state, CaseState::Accepted, "nothing happened");
    // "No income, no property" declared: the check runs (0 income, as declared).
    redeclare(&w, w.poor, |r| {
        r.declaration = Some(Declaration { on: d("2026-11-03"), by: "窗口".into(), none: vec![Section::Incomes, Section::Assets] })
    })
    .await;
    let c = w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await.unwrap();
    assert_eq!((c.data.state, c.data.details.check.as_ref().unwrap().per_capita_monthly_income), (CaseState::Survey, 0));
    assert!(
        c.data.details.check.as_ref().unwrap().sources.iter().any(|s| s.contains("2026-11-03 窗口 录入")),
        "the record says whose declaration"
    );
    let c = w.cw.act(&inv1(), id, c.version, Action::SubmitSurvey(survey("2026-11-04")), d("2026-11-04")).await.unwrap();
    w.cw.act(&rev1(), id, c.version, Action::TownDecide(town(&rev1(), 10_000, true)), d("2026-11-06")).await.unwrap();
    w.cw.tick(d("2026-11-14")).await.unwrap();
    // A later declaration leaves both parts blank (the "none" ticks taken off): the approval refuses too.
    redeclare(&w, w.poor, |r| r.declaration = Some(Declaration { on: d("2026-11-15"), by: "调查".into(), none: vec![] })).await;
    let c = w.store.case(id).await.unwrap().unwrap();
    assert_eq!(c.data.state, CaseState::CountyReview);
    let approve = Action::Decide { approve: true, reasons: vec![] };
    let r = w.cw.act(&approver(), id, c.version, approve.clone(), d("2026-11-16")).await;
    let Err(CaseworkError::Invalid(v)) = r else { panic!("the approval must refuse: {r:?}") };
    assert!(v.0[0].message(Lang::Zh).contains("不能批准"), "{:?}", v.0);
    redeclare(&w, w.poor, |r| {
        r.declaration = Some(Declaration { on: d("2026-11-16"), by: "窗口".into(), none: vec![Section::Incomes, Section::Assets] })
    })
    .await;
    let c = w.cw.act(&approver(), id, c.version, approve, d("2026-11-16")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Approved);
}
