use super::*;
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::payment::amounts::AmountChange;
use jiuzhu_store::{AdjustmentLine, FailedLine, OpenReceivable, PaidLine};

pub(super) fn d(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap()
}

pub(super) const CARD: &str = "6228480000000000018";
const OTHER_CARD: &str = "6228480000000000026";

pub(super) fn source() -> PayrollSource {
    PayrollSource {
        benefit_id: 7,
        benefit_version: 2,
        household_id: 42,
        region: RegionCode::parse("620102001001").unwrap(),
        kind: AssistanceKind::Dibao,
        status: BenefitStatus::Active,
        monthly_amount: Fen(81_000),
        one_off_amount: Fen::ZERO,
        since_month: d(2027, 1),
        until_month: None,
        held_from: None,
        payee_name: "张三".into(),
        payee_id_number: "620102195001011234".into(),
        bank: Some("农村信用社".into()),
        account: Some(CARD.into()),
        members: 2,
        payee_died_on: None,
        previous_account: Some(CARD.into()),
        arrears_from: d(2027, 1),
        covered_months: vec![],
        waived_months: vec![],
        failed: vec![],
        paid: vec![],
        receivables: vec![],
        advances: vec![],
        paid_from_standby: false,
        amounts: vec![],
        delivered: vec![],
        adjusted: vec![],
        adjustments: vec![],
        payees: vec![],
    }
}

pub(super) fn kinds(lines: &[NewLine]) -> Vec<(NaiveDate, LineKind, i64, Option<BlockReason>)> {
    lines.iter().map(|l| (l.benefit_month, l.kind, l.amount.0, l.block)).collect()
}

#[test]
fn a_monthly_benefit_owes_this_month_and_every_uncovered_month_before() {
    let s = Settings::default();
    let mut src = source();
    src.covered_months = vec![d(2027, 1)];
    // March's payroll: January paid, February never paid (a late decision) → arrears.
    let lines = lines_for(Programme::Dibao, d(2027, 3), &s, &src);
    assert_eq!(kinds(&lines), vec![(d(2027, 2), LineKind::Arrears, 81_000, None), (d(2027, 3), LineKind::Regular, 81_000, None)]);
    assert_eq!(lines[0].rule_version, "benefit 7 v2");
    // Everything covered: only this month.
    src.covered_months = vec![d(2027, 1), d(2027, 2)];
    assert_eq!(lines_for(Programme::Dibao, d(2027, 3), &s, &src).len(), 1);
}

#[test]
fn arrears_never_reach_before_the_first_month_paid_here() {
    let mut src = source();
    src.since_month = d(2019, 5);
    src.arrears_from = d(2027, 3);
    assert_eq!(months_owed(Programme::Dibao, d(2027, 3), &src), vec![d(2027, 3)]);
}

#[test]
fn the_benefit_ends_and_the_death_month_is_the_last_owed() {
    let mut src = source();
    src.until_month = Some(d(2027, 2));
    src.status = BenefitStatus::Ended;
    assert_eq!(months_owed(Programme::Dibao, d(2027, 4), &src), vec![d(2027, 1), d(2027, 2)]);
    // Ended without a last month: nothing is owed.
    src.until_month = None;
    assert!(months_owed(Programme::Dibao, d(2027, 4), &src).is_empty());
    // Died on 15 February: January and February are owed (and stopped: the payee is dead), March is not.
    let mut src = source();
    src.payee_died_on = NaiveDate::from_ymd_opt(2027, 2, 15);
    let lines = lines_for(Programme::Dibao, d(2027, 3), &Settings::default(), &src);
    assert_eq!(lines.iter().map(|l| l.benefit_month).collect::<Vec<_>>(), vec![d(2027, 1), d(2027, 2)]);
    assert!(lines.iter().all(|l| l.block == Some(BlockReason::Dead)));
}

#[test]
fn a_one_off_is_owed_once_in_its_month() {
    let mut src = source();
    src.kind = AssistanceKind::Temporary;
    src.monthly_amount = Fen::ZERO;
    src.one_off_amount = Fen(300_000);
    src.since_month = d(2027, 2);
    let lines = lines_for(Programme::Temporary, d(2027, 3), &Settings::default(), &src);
    assert_eq!(kinds(&lines), vec![(d(2027, 2), LineKind::OneOff, 300_000, None)]);
    src.covered_months = vec![d(2027, 2)];
    assert!(lines_for(Programme::Temporary, d(2027, 3), &Settings::default(), &src).is_empty());
    // Not yet due.
    src.covered_months.clear();
    assert!(lines_for(Programme::Temporary, d(2027, 1), &Settings::default(), &src).is_empty());
}

#[test]
fn checks_stop_lines_with_a_reason_in_the_officers_order() {
    let s = Settings::default();
    let month = d(2027, 1);
    type Change = Box<dyn Fn(&mut PayrollSource)>;
    let table: Vec<(&str, Change, Option<BlockReason>)> = vec![
        ("clean", Box::new(|_| {}), None),
        ("no account", Box::new(|x| x.account = None), Some(BlockReason::NoAccount)),
        ("no payee", Box::new(|x| x.payee_name = " ".into()), Some(BlockReason::NoAccount)),
        ("check digit", Box::new(|x| x.account = Some("6228480000000000017".into())), Some(BlockReason::InvalidAccount)),
        ("changed", Box::new(|x| x.previous_account = Some(OTHER_CARD.into())), Some(BlockReason::AccountChanged)),
        ("first payment", Box::new(|x| x.previous_account = None), None),
        ("exactly the maximum", Box::new(|x| x.monthly_amount = Fen::yuan(10_000)), None),
        ("one fen below", Box::new(|x| x.monthly_amount = Fen(Fen::yuan(10_000).0 - 1)), None),
        ("one fen over", Box::new(|x| x.monthly_amount = Fen(Fen::yuan(10_000).0 + 1)), Some(BlockReason::OverMaximum)),
        (
            "dead first",
            Box::new(|x| {
                x.account = None;
                x.payee_died_on = NaiveDate::from_ymd_opt(2026, 12, 31);
            }),
            None,
        ),
    ];
    for (name, change, want) in table {
        let mut src = source();
        change(&mut src);
        let lines = lines_for(Programme::Dibao, month, &s, &src);
        if name == "dead first" {
            // Died before the month: nothing owed at all.
            assert!(lines.is_empty(), "{name}");
            continue;
        }
        assert_eq!(lines.len(), 1, "{name}");
        assert_eq!(lines[0].block, want, "{name}");
    }
}

#[test]
fn a_returned_line_is_sent_again_only_to_a_corrected_account() {
    let mut src = source();
    src.covered_months = vec![d(2027, 1)];
    src.failed = vec![FailedLine {
        id: 900,
        benefit_month: d(2027, 1),
        amount: Fen(81_000),
        account: Some(CARD.into()),
        withheld: Fen::ZERO,
        receivable_id: None,
    }];
    // The account is still the one that failed: nothing re-issued.
    let lines = lines_for(Programme::Dibao, d(2027, 2), &Settings::default(), &src);
    assert_eq!(kinds(&lines), vec![(d(2027, 2), LineKind::Regular, 81_000, None)]);
    // Corrected: the February line asks to confirm the change, the re-issue names the line and is not stopped by it.
    src.account = Some(OTHER_CARD.into());
    let lines = lines_for(Programme::Dibao, d(2027, 2), &Settings::default(), &src);
    assert_eq!(
        kinds(&lines),
        vec![(d(2027, 2), LineKind::Regular, 81_000, Some(BlockReason::AccountChanged)), (d(2027, 1), LineKind::Reissue, 81_000, None)]
    );
    assert_eq!(lines[1].origin_line, Some(900));
}

#[test]
fn the_same_id_or_account_on_two_households_stops_the_second() {
    let s = Settings::default();
    let a = lines_for(Programme::Dibao, d(2027, 1), &s, &source());
    let mut other = source();
    other.household_id = 43;
    other.payee_id_number = "620102195001015678".into();
    let b = lines_for(Programme::Dibao, d(2027, 1), &s, &other);
    let mut third = source();
    third.household_id = 44;
    third.account = Some(OTHER_CARD.into());
    third.previous_account = None;
    let c = lines_for(Programme::Dibao, d(2027, 1), &s, &third);
    let mut dup = Duplicates::default();
    let out = dup.apply(a.into_iter().chain(b).chain(c).collect());
    assert_eq!(
        out.iter().map(|l| l.block).collect::<Vec<_>>(),
        vec![None, Some(BlockReason::DuplicateAccount), Some(BlockReason::DuplicateId)]
    );
    assert!(out[1].note.contains("#42"));
    // A household's own arrears and regular lines share its account: no duplicate.
    let mut src = source();
    src.arrears_from = d(2026, 12);
    src.since_month = d(2026, 12);
    let mut dup = Duplicates::default();
    let own = dup.apply(lines_for(Programme::Dibao, d(2027, 1), &s, &src));
    assert_eq!(own.len(), 2);
    assert!(own.iter().all(|l| l.block.is_none()));
    // The same key twice (two overlapping benefits) is paid once.
    assert!(dup.apply(lines_for(Programme::Dibao, d(2027, 1), &s, &src)).is_empty());
}

fn paid(id: i64, m: NaiveDate) -> PaidLine {
    PaidLine { id, benefit_month: m, amount: Fen(81_000), recovered: false, parts: vec![] }
}

#[test]
fn months_paid_after_the_stop_are_owed_back_once() {
    // Died on 15 March: March is still owed; April and May, paid before the death was known, are owed back.
    let mut src = source();
    src.payee_died_on = NaiveDate::from_ymd_opt(2027, 3, 15);
    src.paid = vec![paid(1, d(2027, 3)), paid(2, d(2027, 4)), paid(3, d(2027, 5))];
    let found = overpaid(Programme::Dibao, &src);
    assert_eq!(
        found.iter().map(|r| (r.origin_line, r.amount.0, r.reason)).collect::<Vec<_>>(),
        [(Some(2), 81_000, ReceivableReason::PaidAfterDeath), (Some(3), 81_000, ReceivableReason::PaidAfterDeath)]
    );
    // Already recorded: nothing new.
    src.paid[1].recovered = true;
    assert_eq!(overpaid(Programme::Dibao, &src).len(), 1);
    // Ended with April as the last month (no death): May only, for the end.
    let mut src = source();
    src.until_month = Some(d(2027, 4));
    src.paid = vec![paid(2, d(2027, 4)), paid(3, d(2027, 5))];
    assert_eq!(
        overpaid(Programme::Dibao, &src).iter().map(|r| (r.origin_line, r.reason)).collect::<Vec<_>>(),
        [(Some(3), ReceivableReason::PaidAfterEnd)]
    );
    // In force, nothing stops: nothing owed back; a one-off programme is never owed back this way.
    let mut src = source();
    src.paid = vec![paid(3, d(2027, 5))];
    assert!(overpaid(Programme::Dibao, &src).is_empty());
    src.payee_died_on = NaiveDate::from_ymd_opt(2027, 1, 1);
    assert!(overpaid(Programme::Temporary, &src).is_empty());
}

#[test]
fn stop_reasons_start_the_month_after_the_death_or_the_last_month() {
    let died = NaiveDate::from_ymd_opt(2027, 3, 31);
    // Table: (benefit month, died, until, held from) → stopped?
    let table = [
        (d(2027, 3), died, None, None, false),
        (d(2027, 4), died, None, None, true),
        (d(2027, 4), None, Some(d(2027, 4)), None, false),
        (d(2027, 5), None, Some(d(2027, 4)), None, true),
        (d(2027, 2), NaiveDate::from_ymd_opt(2027, 3, 1), None, None, false),
        // 暂停发放 from May: April is paid, May (exactly the held month) and later wait.
        (d(2027, 4), None, None, Some(d(2027, 5)), false),
        (d(2027, 5), None, None, Some(d(2027, 5)), true),
        (d(2027, 6), None, None, Some(d(2027, 5)), true),
    ];
    for (month, died, until, held, stopped) in table {
        assert_eq!(stop_reason(month, died, until, held).is_some(), stopped, "{month} {died:?} {until:?} {held:?}");
    }
    assert!(stop_reason(d(2027, 4), died, None, None).unwrap().contains("2027-03-31"));
    assert!(stop_reason(d(2027, 6), None, None, Some(d(2027, 5))).unwrap().contains("复核期间暂停发放"));
}

#[test]
fn a_held_benefit_shows_this_month_held_and_pays_the_held_months_once_released() {
    let s = Settings::default();
    let mut src = source();
    src.covered_months = vec![d(2027, 1), d(2027, 2)];
    src.held_from = Some(d(2027, 3));
    // March (exactly the held month): its line shows, held.
    assert_eq!(
        kinds(&lines_for(Programme::Dibao, d(2027, 3), &s, &src)),
        vec![(d(2027, 3), LineKind::Regular, 81_000, Some(BlockReason::Held))]
    );
    // April, still held (March's line was cancelled at approval): only April shows, held;
    // March is not offered again every month while it waits.
    assert_eq!(
        kinds(&lines_for(Programme::Dibao, d(2027, 4), &s, &src)),
        vec![(d(2027, 4), LineKind::Regular, 81_000, Some(BlockReason::Held))]
    );
    // A re-issue of a month before the hold goes; one of a held month waits too.
    src.account = Some(OTHER_CARD.into());
    src.previous_account = Some(OTHER_CARD.into());
    src.failed = vec![FailedLine {
        id: 5,
        benefit_month: d(2027, 2),
        amount: Fen(81_000),
        account: Some(CARD.into()),
        withheld: Fen::ZERO,
        receivable_id: None,
    }];
    let lines = lines_for(Programme::Dibao, d(2027, 4), &s, &src);
    assert_eq!(lines.iter().find(|l| l.kind == LineKind::Reissue).map(|l| l.block), Some(None));
    src.failed.clear();
    // Released in April: March comes as arrears with May's regular line, none held.
    src.held_from = None;
    src.covered_months = vec![d(2027, 1), d(2027, 2), d(2027, 4)];
    assert_eq!(
        kinds(&lines_for(Programme::Dibao, d(2027, 5), &s, &src)),
        vec![(d(2027, 3), LineKind::Arrears, 81_000, None), (d(2027, 5), LineKind::Regular, 81_000, None)]
    );
    // Ended by the review from the held month instead: nothing more is owed.
    src.until_month = Some(d(2027, 2));
    src.status = BenefitStatus::Ended;
    assert!(lines_for(Programme::Dibao, d(2027, 5), &s, &src).is_empty());
}

fn owing(outstanding: i64) -> PayrollSource {
    let mut src = source();
    src.receivables = vec![OpenReceivable { id: 9, outstanding: Fen(outstanding) }];
    src
}

#[test]
fn offsets_are_capped_per_line_and_never_exceed_what_is_owed() {
    let s = Settings::default();
    // Table at the cap (30 % of 810.00 = 243.00): owed one fen below, exactly, one fen above.
    for (owed, withheld) in [(24_299, 24_299), (24_300, 24_300), (24_301, 24_300), (1, 1)] {
        let src = owing(owed);
        let mut lines = lines_for(Programme::Dibao, d(2027, 1), &s, &src);
        Offsets::default().apply(s.offset_percent, std::slice::from_ref(&src), &mut lines);
        assert_eq!((lines[0].amount.0, lines[0].withheld.0, lines[0].receivable_id), (81_000 - withheld, withheld, Some(9)), "owed {owed}");
        assert_eq!(lines[0].amount.0 + lines[0].withheld.0, 81_000, "the month stays whole");
    }
    // Two lines of one household (arrears and regular) share what is owed: never more in all.
    let mut src = owing(30_000);
    src.arrears_from = d(2026, 12);
    src.since_month = d(2026, 12);
    let mut lines = lines_for(Programme::Dibao, d(2027, 1), &s, &src);
    Offsets::default().apply(s.offset_percent, std::slice::from_ref(&src), &mut lines);
    assert_eq!(lines.iter().map(|l| l.withheld.0).collect::<Vec<_>>(), [24_300, 5_700]);
    // The cap is bounded: a setting above 50 % withholds no more than half; a one-off is never offset.
    let src = owing(1_000_000);
    let mut lines = lines_for(Programme::Dibao, d(2027, 1), &s, &src);
    Offsets::default().apply(100, std::slice::from_ref(&src), &mut lines);
    assert_eq!(lines[0].withheld.0, 40_500);
    let mut src = owing(1_000);
    src.one_off_amount = Fen(50_000);
    let mut lines = lines_for(Programme::Temporary, d(2027, 1), &s, &src);
    Offsets::default().apply(s.offset_percent, std::slice::from_ref(&src), &mut lines);
    assert_eq!((lines[0].kind, lines[0].withheld.0), (LineKind::OneOff, 0));
}

#[test]
fn a_reissue_withholds_what_its_failed_line_withheld() {
    let s = Settings::default();
    let mut src = source();
    src.covered_months = vec![d(2027, 1), d(2027, 2)];
    src.account = Some(OTHER_CARD.into());
    src.failed = vec![FailedLine {
        id: 5,
        benefit_month: d(2027, 1),
        amount: Fen(56_700),
        account: Some(CARD.into()),
        withheld: Fen(24_300),
        receivable_id: Some(9),
    }];
    let lines = lines_for(Programme::Dibao, d(2027, 2), &s, &src);
    let again = lines.iter().find(|l| l.kind == LineKind::Reissue).unwrap();
    assert_eq!((again.amount.0, again.withheld.0, again.receivable_id), (56_700, 24_300, Some(9)));
}

#[test]
fn a_month_cancelled_for_the_payees_death_is_not_offered_again() {
    let s = Settings::default();
    let mut src = source();
    src.payee_died_on = NaiveDate::from_ymd_opt(2027, 2, 10);
    src.covered_months = vec![d(2027, 1)];
    // February (the death's month) is owed, stopped for the officer: the payee's account is the dead person's.
    assert_eq!(
        kinds(&lines_for(Programme::Dibao, d(2027, 3), &s, &src)),
        vec![(d(2027, 2), LineKind::Arrears, 81_000, Some(BlockReason::Dead))]
    );
    // Cancelled by the officer: not offered again while the payee is dead …
    src.waived_months = vec![d(2027, 2)];
    assert!(lines_for(Programme::Dibao, d(2027, 4), &s, &src).is_empty());
    // … but owed again once the registry names a living payee (the new head's death is not recorded).
    src.payee_died_on = None;
    assert_eq!(lines_for(Programme::Dibao, d(2027, 4), &s, &src).len(), 3);
}

#[test]
fn a_one_off_next_to_a_standby_voucher_is_stopped_for_the_officer_to_check() {
    let s = Settings::default();
    let mut src = source();
    src.kind = AssistanceKind::Temporary;
    src.monthly_amount = Fen::ZERO;
    src.one_off_amount = Fen(200_000);
    src.since_month = d(2027, 3);
    let day = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    // Table: the voucher's day → stopped? (the help's month, the month before and after; not further)
    let table =
        [(day(2027, 1, 31), false), (day(2027, 2, 1), true), (day(2027, 3, 15), true), (day(2027, 4, 30), true), (day(2027, 5, 1), false)];
    for (paid_on, stopped) in table {
        src.advances = vec![paid_on];
        let lines = lines_for(Programme::Temporary, d(2027, 3), &s, &src);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].block == Some(BlockReason::PaidInAdvance), stopped, "{paid_on}");
    }
    assert!(BlockReason::PaidInAdvance.confirmable(), "other help: the officer releases it after checking");
    // A monthly line is never stopped for a voucher (先行救助 is temporary help).
    let mut monthly = source();
    monthly.advances = vec![day(2027, 3, 2)];
    assert_eq!(lines_for(Programme::Dibao, d(2027, 3), &s, &monthly)[0].block, None);
}

pub(super) fn change(m: NaiveDate, fen: i64) -> AmountChange {
    AmountChange { from_month: m, amount: Fen(fen) }
}

#[test]
fn each_month_is_paid_the_amount_owed_for_it() {
    let s = Settings::default();
    let mut src = source();
    // 810.00 from January, 850.00 from March; the benefit says 850.00 now.
    src.amounts = vec![change(d(2027, 1), 81_000), change(d(2027, 3), 85_000)];
    src.monthly_amount = Fen(85_000);
    src.covered_months = vec![d(2027, 1)];
    let lines = lines_for(Programme::Dibao, d(2027, 4), &s, &src);
    assert_eq!(
        kinds(&lines),
        vec![
            (d(2027, 2), LineKind::Arrears, 81_000, None),
            (d(2027, 3), LineKind::Arrears, 85_000, None),
            (d(2027, 4), LineKind::Regular, 85_000, None)
        ]
    );
    // A change decided for next month is not paid this month.
    src.amounts.push(change(d(2027, 5), 90_000));
    src.monthly_amount = Fen(90_000);
    src.covered_months = vec![d(2027, 1), d(2027, 2), d(2027, 3)];
    assert_eq!(kinds(&lines_for(Programme::Dibao, d(2027, 4), &s, &src)), vec![(d(2027, 4), LineKind::Regular, 85_000, None)]);
}

#[test]
fn a_rise_reaching_back_pays_the_difference_of_the_months_sent_to_the_bank_in_one_line() {
    let s = Settings::default();
    let mut src = source();
    // The standard rose from January, decided in March: January and February went at 810.00.
    src.amounts = vec![change(d(2027, 1), 81_000), change(d(2027, 1), 83_500)];
    src.monthly_amount = Fen(83_500);
    src.covered_months = vec![d(2027, 1), d(2027, 2)];
    src.delivered = vec![(d(2027, 1), Fen(81_000)), (d(2027, 2), Fen(81_000))];
    let lines = lines_for(Programme::Dibao, d(2027, 3), &s, &src);
    assert_eq!(kinds(&lines), vec![(d(2027, 3), LineKind::Regular, 83_500, None), (d(2027, 3), LineKind::Adjustment, 5_000, None)]);
    assert_eq!(lines[1].parts, vec![(d(2027, 1), Fen(2_500)), (d(2027, 2), Fen(2_500))]);
    assert_eq!(lines[1].note, "补差（待遇调整追溯至已发月份）：2027-01 25.00 元；2027-02 25.00 元");
}

#[test]
fn the_difference_at_the_owed_amount_one_fen_below_and_above() {
    let cases = [("one fen short", 83_499, Some(1)), ("exactly owed", 83_500, None), ("one fen more (not taken back here)", 83_501, None)];
    for (name, paid, part) in cases {
        let mut src = source();
        src.amounts = vec![change(d(2027, 1), 83_500)];
        src.delivered = vec![(d(2027, 1), Fen(paid))];
        let (parts, _) = adjustment_parts(Programme::Dibao, d(2027, 2), &src);
        assert_eq!(parts.first().map(|p| p.1.0), part, "{name}");
    }
}

#[test]
fn no_difference_is_paid_where_it_must_wait_or_is_not_owed() {
    let base = || {
        let mut src = source();
        src.amounts = vec![change(d(2027, 2), 81_000), change(d(2027, 1), 83_500)];
        src.delivered = vec![(d(2026, 12), Fen(1)), (d(2027, 1), Fen(81_000)), (d(2027, 2), Fen(81_000)), (d(2027, 3), Fen(81_000))];
        src
    };
    let parts = |src: &PayrollSource| adjustment_parts(Programme::Dibao, d(2027, 4), src);
    // December is before the benefit; the record starts in January (the first change from Feb
    // was recorded first, the rise from January second).
    assert_eq!(parts(&base()).0, vec![(d(2027, 1), Fen(2_500)), (d(2027, 2), Fen(2_500)), (d(2027, 3), Fen(2_500))]);
    type Change = Box<dyn Fn(&mut PayrollSource)>;
    let cases: Vec<(&str, Change)> = vec![
        ("held for a review", Box::new(|x| x.held_from = Some(d(2027, 4)))),
        ("payee recorded dead", Box::new(|x| x.payee_died_on = Some(d(2027, 3)))),
        (
            "this month has its adjustment",
            Box::new(|x| x.adjustments = vec![AdjustmentLine { id: 1, benefit_month: d(2027, 4), failed: false, account: None }]),
        ),
        (
            "a returned one waits for the account",
            Box::new(|x| {
                x.adjustments = vec![AdjustmentLine { id: 1, benefit_month: d(2027, 3), failed: true, account: Some(CARD.into()) }]
            }),
        ),
        ("not before the record", Box::new(|x| x.amounts = vec![])),
    ];
    for (name, edit) in cases {
        let mut src = base();
        edit(&mut src);
        assert_eq!(parts(&src), (vec![], None), "{name}");
    }
    assert_eq!(adjustment_parts(Programme::Temporary, d(2027, 4), &base()).0, vec![]);
    // Ended with February: March is not owed.
    let mut src = base();
    src.until_month = Some(d(2027, 2));
    assert_eq!(parts(&src).0.len(), 2);
    // A month not yet sent to the bank waits.
    src.delivered.retain(|(m, _)| *m != d(2027, 1));
    assert_eq!(parts(&src).0, vec![(d(2027, 2), Fen(2_500))]);
    // A returned adjustment, the account corrected: paid again, naming it.
    let mut src = base();
    src.adjustments = vec![AdjustmentLine { id: 9, benefit_month: d(2027, 3), failed: true, account: Some(OTHER_CARD.into()) }];
    assert_eq!(parts(&src).1, Some(9));
    let line =
        lines_for(Programme::Dibao, d(2027, 4), &Settings::default(), &src).into_iter().find(|l| l.kind == LineKind::Adjustment).unwrap();
    assert_eq!((line.origin_line, line.amount), (Some(9), Fen(7_500)));
}

#[test]
fn an_adjustment_paid_for_months_after_the_end_is_owed_back_for_those_months_only() {
    let mut src = source();
    src.until_month = Some(d(2027, 2));
    src.status = BenefitStatus::Ended;
    src.paid = vec![PaidLine {
        id: 5,
        benefit_month: d(2027, 4),
        amount: Fen(7_500),
        recovered: false,
        parts: vec![(d(2027, 1), Fen(2_500)), (d(2027, 2), Fen(2_500)), (d(2027, 3), Fen(2_500))],
    }];
    let owed = overpaid(Programme::Dibao, &src);
    assert_eq!(owed.len(), 1);
    assert_eq!((owed[0].amount, owed[0].origin_line), (Fen(2_500), Some(5)));
    assert!(owed[0].note.contains("2027-03 已发放 25.00 元"), "{}", owed[0].note);
    // Ended with March: nothing.
    src.until_month = Some(d(2027, 3));
    assert!(overpaid(Programme::Dibao, &src).is_empty());
}

#[test]
fn a_month_paid_in_part_by_an_adjustment_and_owed_again_pays_the_rest() {
    let mut src = source();
    // March's line was returned after an adjustment paid 25.00 of it, and is lost: owed again.
    src.amounts = vec![change(d(2027, 1), 81_000), change(d(2027, 3), 83_500)];
    src.monthly_amount = Fen(83_500);
    src.covered_months = vec![d(2027, 1), d(2027, 2)];
    src.adjusted = vec![(d(2027, 3), Fen(2_500))];
    let lines = lines_for(Programme::Dibao, d(2027, 5), &Settings::default(), &src);
    assert_eq!(
        kinds(&lines),
        vec![
            (d(2027, 3), LineKind::Arrears, 81_000, None),
            (d(2027, 4), LineKind::Arrears, 83_500, None),
            (d(2027, 5), LineKind::Regular, 83_500, None)
        ]
    );
    // Sent and paid in full with the adjustment: no difference left.
    src.delivered = vec![(d(2027, 3), Fen(81_000))];
    assert!(adjustment_parts(Programme::Dibao, d(2027, 5), &src).0.is_empty());
}

#[test]
fn a_case_paid_in_cash_from_the_standby_fund_is_owed_nothing_by_the_payroll() {
    let mut src = source();
    src.kind = AssistanceKind::Temporary;
    src.monthly_amount = Fen::ZERO;
    src.one_off_amount = Fen(200_000);
    src.since_month = d(2027, 3);
    assert_eq!(lines_for(Programme::Temporary, d(2027, 3), &Settings::default(), &src).len(), 1);
    src.paid_from_standby = true;
    assert!(lines_for(Programme::Temporary, d(2027, 3), &Settings::default(), &src).is_empty());
    assert!(lines_for(Programme::Temporary, d(2027, 5), &Settings::default(), &src).is_empty(), "nor later as arrears");
}

const HOME_CARD: &str = "6228480000000000034";

fn arrangement(household_id: i64, role: jiuzhu_domain::payment::payee::PayeeRole) -> jiuzhu_domain::payment::payee::Payee {
    let details = jiuzhu_domain::payment::payee::PayeeDetails {
        role,
        name: "某县中心敬老院".into(),
        code: "91350100M000100Y43".into(),
        bank: "农商银行".into(),
        account_no: HOME_CARD.into(),
        basis: "集中供养协议".into(),
        care: None,
    };
    jiuzhu_domain::payment::payee::Payee {
        id: household_id * 10,
        household_id,
        details,
        recorded_by: "town".into(),
        recorded_on: d(2027, 1),
        care_until: None,
    }
}

#[test]
fn tekun_in_an_institution_is_paid_to_its_account_and_the_first_routed_line_waits_for_a_look() {
    use jiuzhu_domain::payment::payee::PayeeRole;
    let s = Settings::default();
    let mut src = source();
    src.kind = AssistanceKind::Tekun;
    src.payees = vec![arrangement(42, PayeeRole::Institution)];
    let lines = lines_for(Programme::Tekun, d(2027, 1), &s, &src);
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    assert_eq!((l.payee_name.as_str(), l.payee_id_number.as_str()), ("某县中心敬老院", "91350100M000100Y43"));
    assert_eq!((l.bank.as_deref(), l.account.as_deref(), l.payee_role), (Some("农商银行"), Some(HOME_CARD), Some(PayeeRole::Institution)));
    // The household's last line went to its own card: the officer confirms the new account once,
    // told whose it is.
    assert_eq!(l.block, Some(BlockReason::AccountChanged));
    assert_eq!(l.note, "收款安排：发放至供养服务机构（集中供养）（某县中心敬老院）");
    src.previous_account = Some(HOME_CARD.into());
    assert_eq!(lines_for(Programme::Tekun, d(2027, 1), &s, &src)[0].block, None);
    // An institution keeps a 特困 person only: their 低保 (if any) stays on their own card.
    let own = lines_for(Programme::Dibao, d(2027, 1), &s, &src);
    assert_eq!((own[0].account.as_deref(), own[0].payee_role, own[0].payee_name.as_str()), (Some(CARD), None, "张三"));
    // A guardian receives every programme's money; for 特困 an institution comes first.
    let mut child = source();
    child.payees = vec![arrangement(42, PayeeRole::Guardian)];
    child.previous_account = None;
    let g = lines_for(Programme::Dibao, d(2027, 1), &s, &child);
    assert_eq!((g[0].account.as_deref(), g[0].payee_role, g[0].block), (Some(HOME_CARD), Some(PayeeRole::Guardian), None));
    let mut institution = arrangement(42, PayeeRole::Institution);
    institution.details.account_no = OTHER_CARD.into();
    child.payees.push(institution);
    let t = lines_for(Programme::Tekun, d(2027, 1), &s, &child);
    assert_eq!((t[0].account.as_deref(), t[0].payee_role), (Some(OTHER_CARD), Some(PayeeRole::Institution)));
    // A returned line goes again once the routed account differs from the one that failed.
    let mut back = source();
    back.covered_months = vec![d(2027, 1)];
    back.failed = vec![FailedLine {
        id: 9,
        benefit_month: d(2027, 1),
        amount: Fen(81_000),
        account: Some(CARD.into()),
        withheld: Fen::ZERO,
        receivable_id: None,
    }];
    back.payees = vec![arrangement(42, PayeeRole::Guardian)];
    let again = lines_for(Programme::Dibao, d(2027, 2), &s, &back);
    assert!(again.iter().any(|l| l.kind == LineKind::Reissue && l.account.as_deref() == Some(HOME_CARD)));
}

#[test]
fn households_routed_to_one_institution_share_its_account_but_a_household_of_its_own_may_not() {
    use jiuzhu_domain::payment::payee::PayeeRole;
    let s = Settings::default();
    let routed = |household_id: i64, id_number: &str| {
        let mut src = source();
        src.household_id = household_id;
        src.payee_id_number = id_number.into();
        src.payees = vec![arrangement(household_id, PayeeRole::Institution)];
        src.previous_account = Some(HOME_CARD.into());
        lines_for(Programme::Tekun, d(2027, 1), &s, &src)
    };
    let a = routed(42, "620102195001011234");
    let b = routed(43, "620102195202021234");
    // A household paid to its own card that happens to be the institution's.
    let mut own = source();
    own.household_id = 44;
    own.payee_id_number = "620102195303031234".into();
    own.account = Some(HOME_CARD.into());
    own.previous_account = Some(HOME_CARD.into());
    let c = lines_for(Programme::Tekun, d(2027, 1), &s, &own);
    let out = Duplicates::default().apply(a.into_iter().chain(b).chain(c).collect());
    assert_eq!(out.iter().map(|l| l.block).collect::<Vec<_>>(), vec![None, None, Some(BlockReason::DuplicateAccount)]);
    assert!(out[2].note.contains("#42"));
    // The other way round: an own line first, a routed line with its account after.
    let first = lines_for(Programme::Tekun, d(2027, 1), &s, &own);
    let out = Duplicates::default().apply(first.into_iter().chain(routed(42, "620102195001011234")).collect());
    assert_eq!(out.iter().map(|l| l.block).collect::<Vec<_>>(), vec![None, Some(BlockReason::DuplicateAccount)]);
}
