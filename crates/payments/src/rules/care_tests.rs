//! Table tests of 照料护理费 (`Programme::Care`): a carer's months, amounts at the boundary of the
//! person's whole month, arrears, a rise reaching back, a replaced carer.

use super::tests::{CARD, change, d, kinds, source};
use super::*;
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::payment::payee::{CareTerms, Payee, PayeeDetails};

const CARER_CARD: &str = "6228480000000000042";
const NEXT_CARER_CARD: &str = "6228480000000000059";

fn carer(id: i64, fen: i64, from: NaiveDate, until: Option<NaiveDate>, account_no: &str) -> Payee {
    Payee {
        id,
        household_id: 42,
        details: PayeeDetails {
            role: PayeeRole::Carer,
            name: "王桂兰".into(),
            code: "110101196503070022".into(),
            bank: "农商银行".into(),
            account_no: account_no.into(),
            basis: "委托照料服务协议".into(),
            care: Some(CareTerms { monthly: Fen(fen), from_month: from }),
        },
        recorded_by: "town".into(),
        recorded_on: d(2027, 1),
        care_until: until,
    }
}

/// A 特困 person of 810.00 a month from January, January paid, a carer of `fen` from February.
fn cared_for(fen: i64) -> PayrollSource {
    let mut src = source();
    src.kind = AssistanceKind::Tekun;
    src.covered_months = vec![d(2027, 1)];
    src.payees = vec![carer(1, fen, d(2027, 2), None, CARER_CARD)];
    src
}

fn both(month: NaiveDate, src: &PayrollSource) -> (Vec<NewLine>, Vec<NewLine>) {
    let s = Settings::default();
    (lines_for(Programme::Tekun, month, &s, src), lines_for(Programme::Care, month, &s, src))
}

#[test]
fn the_care_goes_to_the_carer_from_their_first_month_and_the_rest_to_the_person() {
    let src = cared_for(30_000);
    // January (before the agreement): the whole month to the person, no care line.
    let mut january = src.clone();
    january.covered_months.clear();
    let (tekun, care) = both(d(2027, 1), &january);
    assert_eq!(kinds(&tekun), [(d(2027, 1), LineKind::Regular, 81_000, None)]);
    assert!(care.is_empty());
    // February: 510.00 to the person, told where the rest went; 300.00 to the carer's card, held
    // once for the finance officer (new money to a new account), told whose it is.
    let (tekun, care) = both(d(2027, 2), &src);
    assert_eq!(kinds(&tekun), [(d(2027, 2), LineKind::Regular, 51_000, None)]);
    assert_eq!(tekun[0].note, "其中照料护理费 300.00 元另发至照料护理人（王桂兰）");
    assert_eq!(tekun[0].account.as_deref(), Some(CARD));
    assert_eq!(kinds(&care), [(d(2027, 2), LineKind::Regular, 30_000, Some(BlockReason::AccountChanged))]);
    let c = &care[0];
    assert_eq!((c.payee_name.as_str(), c.account.as_deref(), c.payee_role), ("王桂兰", Some(CARER_CARD), Some(PayeeRole::Carer)));
    assert_eq!(c.note, "收款安排：发放至照料护理人（分散供养）（王桂兰）");
    // Once a care line went to that card, the next goes without a stop.
    let mut later = src.clone();
    later.previous_account = Some(CARER_CARD.into());
    assert_eq!(lines_for(Programme::Care, d(2027, 3), &Settings::default(), &later)[0].block, None);
}

#[test]
fn the_carer_never_receives_more_than_the_persons_month() {
    // (agreement, person's line, carer's line) at the whole month of 810.00.
    for (fen, person, to_carer) in [(80_999, Some(1), 80_999), (81_000, None, 81_000), (81_001, None, 81_000)] {
        let (tekun, care) = both(d(2027, 2), &cared_for(fen));
        assert_eq!(tekun.first().map(|l| l.amount.0), person, "agreement {fen}");
        assert_eq!(care[0].amount.0, to_carer, "agreement {fen}");
        assert_eq!(tekun.iter().chain(&care).map(|l| l.amount.0).sum::<i64>(), 81_000, "the month is paid whole, once");
    }
}

#[test]
fn months_owed_late_are_split_as_their_own_month_was() {
    let mut src = cared_for(30_000);
    src.covered_months.clear();
    // March's payroll owes January (before the carer) and February (theirs) late.
    let (tekun, care) = both(d(2027, 3), &src);
    assert_eq!(
        kinds(&tekun),
        [
            (d(2027, 1), LineKind::Arrears, 81_000, None),
            (d(2027, 2), LineKind::Arrears, 51_000, None),
            (d(2027, 3), LineKind::Regular, 51_000, None)
        ]
    );
    let care_months: Vec<_> = care.iter().map(|l| (l.benefit_month, l.kind, l.amount.0)).collect();
    assert_eq!(care_months, [(d(2027, 2), LineKind::Arrears, 30_000), (d(2027, 3), LineKind::Regular, 30_000)]);
    // The agreement ended with March: April is the person's whole again; March owed late is
    // still the carer's.
    src.payees[0].care_until = Some(d(2027, 3));
    src.covered_months = vec![d(2027, 1), d(2027, 2)];
    let (tekun, care) = both(d(2027, 4), &src);
    assert_eq!(kinds(&tekun)[1], (d(2027, 4), LineKind::Regular, 81_000, None));
    assert_eq!(care.iter().map(|l| (l.benefit_month, l.amount.0)).collect::<Vec<_>>(), [(d(2027, 3), 30_000)]);
}

#[test]
fn a_rise_reaching_back_raises_the_persons_part_only() {
    let mut src = cared_for(30_000);
    // February was sent (510.00 to the person); a rise to 835.00 from February is recorded in March.
    src.covered_months = vec![d(2027, 1), d(2027, 2)];
    src.amounts = vec![change(d(2027, 1), 81_000), change(d(2027, 2), 83_500)];
    src.monthly_amount = Fen(83_500);
    src.delivered = vec![(d(2027, 1), Fen(81_000)), (d(2027, 2), Fen(51_000))];
    let (tekun, care) = both(d(2027, 3), &src);
    let adjust = tekun.iter().find(|l| l.kind == LineKind::Adjustment).expect("the person's difference");
    assert_eq!(adjust.parts, [(d(2027, 2), Fen(2_500))]);
    assert_eq!(tekun.iter().find(|l| l.kind == LineKind::Regular).map(|l| l.amount.0), Some(53_500));
    // The carer's amount is the agreement's: no adjustment, March at 300.00 (the history here is
    // the care stream's too: February covered).
    assert!(adjustment_parts(Programme::Care, d(2027, 3), &src).0.is_empty());
    assert_eq!(kinds(&care), [(d(2027, 3), LineKind::Regular, 30_000, Some(BlockReason::AccountChanged))]);
}

#[test]
fn a_rise_reaching_back_over_a_carer_who_takes_the_whole_month_is_the_carers() {
    // The agreement (1,000.00) is more than the month: the carer took February's whole 810.00.
    let mut src = cared_for(100_000);
    src.covered_months = vec![d(2027, 1), d(2027, 2)];
    src.amounts = vec![change(d(2027, 1), 81_000), change(d(2027, 2), 83_500)];
    src.monthly_amount = Fen(83_500);
    src.delivered = vec![(d(2027, 1), Fen(81_000)), (d(2027, 2), Fen(81_000))];
    let (tekun, care) = both(d(2027, 3), &src);
    assert!(tekun.is_empty(), "the person's share is nothing: {tekun:?}");
    let adjust = care.iter().find(|l| l.kind == LineKind::Adjustment).expect("the carer's difference");
    assert_eq!((adjust.parts.clone(), adjust.account.as_deref()), (vec![(d(2027, 2), Fen(2_500))], Some(CARER_CARD)));
    assert_eq!(care.iter().find(|l| l.kind == LineKind::Regular).map(|l| l.amount.0), Some(83_500));
}

#[test]
fn a_replaced_carer_keeps_their_months_and_the_new_one_is_confirmed_once() {
    let mut src = cared_for(30_000);
    src.payees = vec![carer(1, 30_000, d(2027, 2), Some(d(2027, 2)), CARER_CARD), carer(2, 45_000, d(2027, 3), None, NEXT_CARER_CARD)];
    src.previous_account = Some(CARER_CARD.into());
    // February lost (owed late), March the new carer's.
    let (tekun, care) = both(d(2027, 3), &src);
    assert_eq!(tekun.iter().map(|l| (l.benefit_month, l.amount.0)).collect::<Vec<_>>(), [(d(2027, 2), 51_000), (d(2027, 3), 36_000)]);
    let to: Vec<_> = care.iter().map(|l| (l.benefit_month, l.amount.0, l.account.as_deref(), l.block)).collect();
    assert_eq!(
        to,
        [(d(2027, 2), 30_000, Some(CARER_CARD), None), (d(2027, 3), 45_000, Some(NEXT_CARER_CARD), Some(BlockReason::AccountChanged))]
    );
    // Two carers' lines never share a key: each month once.
    let out = Duplicates::default().apply(care);
    assert_eq!(out.len(), 2);
}

#[test]
fn a_returned_care_line_goes_again_to_the_same_carers_corrected_account_only() {
    use jiuzhu_store::FailedLine;
    let returned = FailedLine {
        id: 9,
        benefit_month: d(2027, 2),
        amount: Fen(30_000),
        account: Some(CARER_CARD.into()),
        withheld: Fen::ZERO,
        receivable_id: None,
    };
    let reissued = |src: &PayrollSource| {
        lines_for(Programme::Care, d(2027, 4), &Settings::default(), src)
            .into_iter()
            .filter(|l| l.kind == LineKind::Reissue)
            .map(|l| (l.benefit_month, l.account.unwrap_or_default(), l.origin_line))
            .collect::<Vec<_>>()
    };
    let mut src = cared_for(30_000);
    src.covered_months = vec![d(2027, 1), d(2027, 2), d(2027, 3)];
    src.failed = vec![returned];
    src.previous_account = Some(CARER_CARD.into());
    // The same card: waits.
    assert!(reissued(&src).is_empty());
    // The same person's agreement recorded again with a corrected card from April: February goes
    // to it, once.
    let mut corrected = carer(2, 30_000, d(2027, 4), None, NEXT_CARER_CARD);
    src.payees[0].care_until = Some(d(2027, 3));
    src.payees.push(corrected.clone());
    assert_eq!(reissued(&src), [(d(2027, 2), NEXT_CARER_CARD.to_string(), Some(9))]);
    // Another person from April: February is never paid to them.
    corrected.details.code = "620825197209150041".into();
    src.payees[1] = corrected;
    assert!(reissued(&src).is_empty());
}
