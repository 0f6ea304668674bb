//! 暂停发放 during a review (issue 16 §9): held by the town with a reason, released by hand or by
//! the review's conclusion; an end after a hold takes effect from the held month.

use super::*;

fn hold(reason: &str) -> Action {
    Action::HoldPayments { reason: reason.into() }
}

#[tokio::test]
async fn a_review_holds_payments_then_releases_or_ends_them_from_the_held_month() {
    let w = world().await;
    approve_dibao(&w, Track::Normal).await;
    let b = w.cw.household_benefits(&clerk(), w.poor).await.unwrap()[0].clone();
    assert_eq!(b.held_from, None);
    let rid = w.cw.report_change(&clerk(), b.id, false, None, "户主外出务工，联系不上", d("2026-12-01")).await.unwrap();
    let c = w.store.case(rid).await.unwrap().unwrap();
    let view = w.cw.get(&rev1(), rid).await.unwrap();
    assert!(view.can.contains(&"hold_payments") && !view.can.contains(&"release_payments"));
    assert!(!w.cw.get(&clerk(), rid).await.unwrap().can.contains(&"hold_payments"), "the clerk does not hold payments");
    // Refused: the clerk, and a blank reason; nothing changes.
    assert!(matches!(w.cw.act(&clerk(), rid, c.version, hold("联系不上"), d("2026-12-02")).await, Err(CaseworkError::Workflow(_))));
    assert!(matches!(w.cw.act(&rev1(), rid, c.version, hold(" "), d("2026-12-02")).await, Err(CaseworkError::Invalid(_))));
    assert_eq!(w.store.case(rid).await.unwrap().unwrap().version, c.version);
    // Held from the month after: December's money has left; January waits.
    let c = w.cw.act(&rev1(), rid, c.version, hold("户主外出务工，联系不上"), d("2026-12-02")).await.unwrap();
    assert_eq!(w.store.benefit(b.id).await.unwrap().unwrap().held_from, Some(d("2027-01-01")));
    assert_eq!(c.data.state, CaseState::Accepted, "the review goes on where it was");
    assert!(matches!(w.cw.act(&rev1(), rid, c.version, hold("再次"), d("2026-12-03")).await, Err(CaseworkError::Workflow(_))), "once");
    // Released by hand: the benefit is paid again (the held months as arrears).
    let c =
        w.cw.act(&rev1(), rid, c.version, Action::ReleasePayments { note: "已联系上，配合复核".into() }, d("2026-12-10")).await.unwrap();
    let after = w.store.benefit(b.id).await.unwrap().unwrap();
    assert_eq!((after.held_from, after.status, after.monthly_amount), (None, BenefitStatus::Active, b.monthly_amount));
    let hold_record = c.data.details.hold.clone().unwrap();
    assert_eq!(hold_record.released_on, Some(d("2026-12-10")));
    // Held again, then the review ends the benefit: the last month paid is the one before the hold,
    // not the month of the decision.
    let c = w.cw.act(&rev1(), rid, c.version, hold("核对发现经营性收入待核实"), d("2026-12-11")).await.unwrap();
    let c = w.cw.run_check(&clerk(), rid, c.version, d("2026-12-14")).await.unwrap();
    assert_eq!(c.data.state, CaseState::TownReview);
    let mut end = town(&rev1(), 0, true);
    end.review_outcome = Some(ReviewOutcome::Terminate);
    let c = w.cw.act(&rev1(), rid, c.version, Action::TownDecide(end), d("2026-12-15")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Publicity);
    assert!(w.cw.get(&rev1(), rid).await.unwrap().can.contains(&"release_payments"), "still held while published");
    w.cw.tick(d("2026-12-24")).await.unwrap();
    let c = w.store.case(rid).await.unwrap().unwrap();
    let c = w.cw.act(&approver(), rid, c.version, Action::Decide { approve: true, reasons: vec![] }, d("2027-02-03")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Approved);
    let ended = w.store.benefit(b.id).await.unwrap().unwrap();
    assert_eq!(
        (ended.status, ended.until_month, ended.held_from),
        (BenefitStatus::Ended, Some(d("2026-12-01")), None),
        "ended from the held month (January), not from the decision's next month (March)"
    );
    assert!(c.data.details.hold.unwrap().released_on.is_some(), "the conclusion ends the hold");
}

#[tokio::test]
async fn a_review_kept_unchanged_lifts_its_hold() {
    let w = world().await;
    approve_dibao(&w, Track::Normal).await;
    let b = w.cw.household_benefits(&clerk(), w.poor).await.unwrap()[0].clone();
    let rid = w.cw.report_change(&clerk(), b.id, false, None, "收入可能变化", d("2026-12-01")).await.unwrap();
    let c = w.store.case(rid).await.unwrap().unwrap();
    let c = w.cw.act(&rev1(), rid, c.version, hold("收入待核实"), d("2026-12-02")).await.unwrap();
    let c = w.cw.run_check(&clerk(), rid, c.version, d("2026-12-03")).await.unwrap();
    let mut keep = town(&rev1(), b.monthly_amount.0, true);
    keep.review_outcome = Some(ReviewOutcome::Unchanged);
    let c = w.cw.act(&rev1(), rid, c.version, Action::TownDecide(keep), d("2026-12-04")).await.unwrap();
    assert_eq!(c.data.state, CaseState::Closed);
    let after = w.store.benefit(b.id).await.unwrap().unwrap();
    assert_eq!((after.held_from, after.status), (None, BenefitStatus::Active));
    let events = w.store.case_events(rid).await.unwrap();
    assert!(events.iter().any(|e| e.action == "hold_payments" && e.note.contains("2027年01月起暂停发放：收入待核实")), "{events:?}");
}

/// An adjusted amount applies from the month after the decision (待遇金额变更记录): the benefit
/// says so, and the store records the change from then, so the months before keep their amount.
#[tokio::test]
async fn a_review_adjusting_the_amount_applies_it_from_the_month_after_the_decision() {
    let w = world().await;
    approve_dibao(&w, Track::Normal).await;
    let b = w.cw.household_benefits(&clerk(), w.poor).await.unwrap()[0].clone();
    assert_eq!(b.amount_from, b.since_month, "granted: its amount from its first month");
    let rid = w.cw.report_change(&clerk(), b.id, false, None, "家庭收入减少", d("2026-12-01")).await.unwrap();
    let c = w.cw.run_check(&clerk(), rid, 1, d("2026-12-03")).await.unwrap();
    let mut adjust = town(&rev1(), b.monthly_amount.0 + 5_000, true);
    adjust.review_outcome = Some(ReviewOutcome::Adjust);
    let mut c = w.cw.act(&rev1(), rid, c.version, Action::TownDecide(adjust), d("2026-12-04")).await.unwrap();
    let mut effective = d("2027-01-01");
    if c.data.state == CaseState::Publicity {
        w.cw.tick(d("2026-12-14")).await.unwrap();
        c = w.store.case(rid).await.unwrap().unwrap();
    }
    if c.data.state != CaseState::Approved && c.data.state != CaseState::Closed {
        c = w.cw.act(&approver(), rid, c.version, Action::Decide { approve: true, reasons: vec![] }, d("2027-01-20")).await.unwrap();
        effective = d("2027-02-01");
    }
    assert!(matches!(c.data.state, CaseState::Approved | CaseState::Closed), "{:?}", c.data.state);
    let after = w.store.benefit(b.id).await.unwrap().unwrap();
    assert_eq!(after.monthly_amount, Fen(b.monthly_amount.0 + 5_000));
    assert_eq!(after.amount_from, effective, "from the month after the decision, not from the benefit's first month");
}
