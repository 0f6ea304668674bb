//! Conformance: payrolls, return files and the fund ledger ([`PaymentStore`]).

use super::*;
use crate::world::{VILLAGE_A, VILLAGE_B};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::payment::*;

pub fn month(m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, m, 1).unwrap()
}

/// A household in `village` with a 低保 benefit of `amount` a month from January 2027.
pub async fn recipient(s: &dyn Store, village: &str, seq: u32, amount: i64) -> i64 {
    s.upsert_regions(&crate::fixtures::two_towns()).await.unwrap();
    let h = s.insert_households(&[sample_household(village, "王建国", seq)], &actor()).await.unwrap()[0];
    grant(s, h, village, amount, month(1)).await;
    h
}

/// A 低保 benefit of `amount` a month from `since`, active, not yet written (no id, no case).
fn benefit(h: i64, village: &str, amount: i64, since: NaiveDate) -> Benefit {
    Benefit {
        id: 0,
        version: 0,
        household_id: h,
        region: code(village),
        kind: AssistanceKind::Dibao,
        case_id: 0,
        monthly_amount: Fen(amount),
        amount_from: since,
        one_off_amount: Fen(0),
        since_month: since,
        until_month: None,
        status: BenefitStatus::Active,
        next_review_on: None,
        next_review_reason: ReviewReason::Periodic,
        review_months: 12,
        job_refusals: 0,
        held_from: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

/// Grants household `h` (of `village`) a 低保 benefit of `amount` a month from `since`, through an
/// approved case as the casework step writes it.
pub async fn grant(s: &dyn Store, h: i64, village: &str, amount: i64, since: NaiveDate) {
    grant_of(s, h, village, AssistanceKind::Dibao, amount, since).await
}

/// [`grant`] of another kind (特困: a monthly amount too).
pub async fn grant_of(s: &dyn Store, h: i64, village: &str, kind: AssistanceKind, amount: i64, since: NaiveDate) {
    let id = s.insert_cases(&[new_case(h, village, kind, None)], &opened(Role::WindowClerk)).await.unwrap()[0];
    let mut c = s.case(id).await.unwrap().unwrap();
    c.data.state = CaseState::Approved;
    let grant = Benefit { case_id: id, kind, ..benefit(h, village, amount, since) };
    let step = NewCaseEvent {
        action: "approve".into(),
        from_state: Some(CaseState::CountyReview),
        to_state: CaseState::Approved,
        ..opened(Role::CountyApprover)
    };
    s.update_case(&c, &step, Some(&BenefitChange::Grant(grant))).await.unwrap();
}

/// One regular line per source for `m` (the store's part only: the rules are the payments crate's).
pub fn regular(m: NaiveDate, amount_delta: i64) -> impl FnMut(&[PayrollSource]) -> Batch + Send {
    move |sources: &[PayrollSource]| {
        sources
            .iter()
            .map(|src| NewLine {
                household_id: src.household_id,
                region: src.region.clone(),
                benefit_month: m,
                kind: LineKind::Regular,
                amount: Fen(src.monthly_amount.0 + amount_delta),
                members: src.members,
                payee_name: src.payee_name.clone(),
                payee_id_number: src.payee_id_number.clone(),
                bank: src.bank.clone(),
                account: src.account.clone(),
                benefit_id: Some(src.benefit_id),
                rule_version: format!("benefit {} v{}", src.benefit_id, src.benefit_version),
                block: None,
                note: String::new(),
                origin_line: None,
                withheld: Fen::ZERO,
                receivable_id: None,
                parts: Vec::new(),
                payee_role: None,
            })
            .collect::<Vec<_>>()
            .into()
    }
}

/// A read-back that agreed, with this checksum.
pub fn read_back(sha256: &str) -> Verdict<'static> {
    let sha256 = sha256.to_string();
    Box::pin(async move { Some(sha256) })
}

pub fn new_payroll(m: NaiveDate) -> NewPayroll {
    NewPayroll { region: code("620825"), programme: Programme::Dibao, month: m, rule_version: "test".into(), by: actor() }
}

fn step(p: &Payroll, action: PayrollAction) -> PayrollStep {
    PayrollStep {
        id: p.id,
        version: p.version,
        action,
        by: Actor { account_id: Some(9), username: "approver".into() },
        note: String::new(),
    }
}

fn row(l: &PaymentLine, outcome: ReturnOutcome, line_no: u64) -> ReturnRow {
    ReturnRow {
        line_no,
        reference: l.reference.clone(),
        account: l.account.clone().unwrap_or_default(),
        amount: l.amount,
        outcome,
        reason_code: if outcome == ReturnOutcome::Paid { String::new() } else { "no_such_account".into() },
        reason_text: if outcome == ReturnOutcome::Paid { String::new() } else { "账号不存在".into() },
    }
}

pub async fn payrolls_are_generated_once_approved_within_budget_and_reconciled(s: &dyn Store) {
    let a = recipient(s, "620825100201", 11, 81_000).await;
    let b = recipient(s, "620825101201", 21, 46_500).await;
    // Generated once: the sources carry the payee, the account and the members.
    let mut seen = Vec::new();
    let mut build = {
        let mut inner = regular(month(1), 0);
        move |src: &[PayrollSource]| {
            seen.extend(src.iter().map(|x| (x.household_id, x.payee_name.clone(), x.account.clone(), x.members)));
            assert!(src.iter().all(|x| x.payee_id_number.len() == 18 && x.arrears_from == month(1)));
            inner(src)
        }
    };
    let (p, created) = s.generate_payroll(&new_payroll(month(1)), &mut build).await.unwrap();
    assert!(created);
    assert_eq!((p.state, p.lines, p.total, p.blocked), (PayrollState::Generated, 2, Fen(127_500), 0));
    let (again, created) = s.generate_payroll(&new_payroll(month(1)), &mut regular(month(1), 0)).await.unwrap();
    assert_eq!((again.id, created, again.lines), (p.id, false, 2), "the same month twice adds nothing");
    let lines = s.payroll_lines(p.id, &code("620825"), None, 0, 100).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.household_id).collect::<Vec<_>>(), [a, b]);
    assert_eq!(lines[0].reference, format!("DB202701{a:010}R0"));
    assert_eq!(lines[0].account.as_deref(), Some("6228480000000000017"), "frozen with the line, decrypted for the bank file");
    assert_eq!(lines[0].payee_id_number, id_number("19600101", 11));
    // The town sees its own lines only.
    assert_eq!(s.payroll_lines(p.id, &code("620825101"), None, 0, 100).await.unwrap().len(), 1);
    // A live key again with another amount is refused and the whole generation undone; with the same amount it adds nothing.
    let r = s.generate_payroll(&new_payroll(month(2)), &mut regular(month(1), 1)).await;
    assert!(matches!(r, Err(StoreError::Conflict { ref constraint }) if constraint == "payment_lines_amount"), "{r:?}");
    assert!(s.payrolls(&code("620825"), Some(month(2))).await.unwrap().is_empty(), "nothing of the refused generation kept");
    let (feb, _) = s.generate_payroll(&new_payroll(month(2)), &mut regular(month(1), 0)).await.unwrap();
    assert_eq!(feb.lines, 0, "the same key with the same amount adds nothing");
    s.step_payroll(&step(&feb, PayrollAction::Cancel)).await.unwrap();

    // Review, then approval: refused whole without the budget.
    // The domain's state machine decides: no approval or export before the review, no export through a plain step.
    for early in [s.approve_payroll(&step(&p, PayrollAction::Approve)).await, s.step_payroll(&step(&p, PayrollAction::Export)).await] {
        assert!(matches!(early, Err(StoreError::Conflict { ref constraint }) if constraint == "payroll_state"), "{early:?}");
    }
    let reviewed = s.step_payroll(&step(&p, PayrollAction::Review)).await.unwrap();
    assert!(
        matches!(s.step_payroll(&step(&p, PayrollAction::Close)).await, Err(StoreError::VersionMismatch { .. })),
        "a stale version is refused"
    );
    let r = s.approve_payroll(&step(&reviewed, PayrollAction::Approve)).await;
    assert!(matches!(r, Err(StoreError::Conflict { ref constraint }) if constraint == "fund_budget"), "{r:?}");
    assert_eq!(s.payroll(p.id).await.unwrap().unwrap().state, PayrollState::Reviewed, "nothing changed");
    s.add_budget(FundSource::Central, Programme::Dibao, 2027, Fen(100_000), "财社〔2027〕1号", &actor()).await.unwrap();
    s.add_budget(FundSource::Local, Programme::Dibao, 2027, Fen(1_000_000), "县财政", &actor()).await.unwrap();
    let approved = s.approve_payroll(&step(&reviewed, PayrollAction::Approve)).await.unwrap();
    assert_eq!(approved.approved_by.as_ref().map(|a| a.username.as_str()), Some("approver"));
    let totals = s.payroll_totals(p.id, &code("620825")).await.unwrap();
    assert_eq!(totals.by_fund, vec![(FundSource::Central, Fen(100_000)), (FundSource::Local, Fen(27_500))], "drawn in order");
    assert_eq!(totals.by_town.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ["620825100", "620825101"]);
    // A town's sums are its own part's.
    let town = s.payroll_totals(p.id, &code("620825101")).await.unwrap();
    assert_eq!((town.by_town.len(), town.by_state), (1, vec![(LineState::Ready, 1, Fen(46_500))]));
    // The bank file reads the ready lines in slices of the payroll's id range, in id order.
    let (first, last) = s.line_id_range(p.id).await.unwrap().expect("lines");
    assert_eq!((first, last), (lines[0].id, lines[1].id));
    assert_eq!(s.line_id_range(feb.id).await.unwrap(), None, "a payroll without lines");
    let whole = s.bank_file_lines(p.id, first..last + 1).await.unwrap();
    assert_eq!(
        whole.iter().map(|l| (l.id, l.account.as_deref())).collect::<Vec<_>>(),
        [(first, Some("6228480000000000017")), (last, lines[1].account.as_deref())]
    );
    let (low, high) = (s.bank_file_lines(p.id, first..last).await.unwrap(), s.bank_file_lines(p.id, last..last + 1).await.unwrap());
    assert_eq!((low.len(), high.len(), low[0].id, high[0].id), (1, 1, first, last), "the range's end is not in it");
    assert_eq!(whole[0].payee_id_number, id_number("19600101", 11), "decrypted for the file");
    // A file that did not read back marks nothing (the lines were being marked meanwhile).
    let refused = s.mark_exported(&step(&approved, PayrollAction::Export), "pipe-gbk", Box::pin(async { None })).await;
    assert!(matches!(refused, Err(StoreError::Conflict { ref constraint }) if constraint == "bank_file_read_back"), "{refused:?}");
    assert_eq!(s.payroll(p.id).await.unwrap().unwrap().state, PayrollState::Approved);
    assert_eq!(s.payroll_totals(p.id, &code("620825")).await.unwrap().by_state[0].0, LineState::Ready, "lines still ready");
    let exported = s.mark_exported(&step(&approved, PayrollAction::Export), "pipe-gbk", read_back("abc")).await.unwrap();
    assert_eq!((exported.state, exported.export_layout.as_deref()), (PayrollState::Exported, Some("pipe-gbk")));

    // The bank: a paid, a failed and an unknown line.
    let lines = s.payroll_lines(p.id, &code("620825"), None, 0, 100).await.unwrap();
    let mut unknown = row(&lines[0], ReturnOutcome::Paid, 3);
    unknown.reference = "DB2027010000009999R0".into();
    let mut file = Some(vec![row(&lines[0], ReturnOutcome::Paid, 1), row(&lines[1], ReturnOutcome::Failed, 2), unknown]);
    let report = s.reconcile(p.id, "file-1", &actor(), &mut move || file.take()).await.unwrap();
    assert_eq!((report.paid, report.failed, report.exceptions, report.already_seen), (1, 1, 1, false));
    assert_eq!(report.state, Some(PayrollState::Reconciled));
    let again = s.reconcile(p.id, "file-1", &actor(), &mut || panic!("a file seen before is not read")).await.unwrap();
    assert!(again.already_seen);
    // A second success for the paid line is an exception and changes nothing.
    let mut dup = Some(vec![row(&lines[0], ReturnOutcome::Paid, 1)]);
    let r = s.reconcile(p.id, "file-2", &actor(), &mut move || dup.take()).await.unwrap();
    assert_eq!((r.paid, r.exceptions), (0, 1));
    assert_eq!(s.return_exceptions(p.id).await.unwrap().len(), 2);
    let failed = s.payroll_lines(p.id, &code("620825"), Some(LineState::Failed), 0, 10).await.unwrap();
    assert_eq!((failed.len(), failed[0].failure_code.as_deref()), (1, Some("no_such_account")));
    assert_eq!(s.household_payments(a).await.unwrap()[0].state, LineState::Paid);

    // The ledger: balanced, spending equal to the paid line, the rest back in the funds.
    let check = s.verify_ledger().await.unwrap();
    assert_eq!(check.problem, None);
    let balances = s.fund_balances(Some(2027)).await.unwrap();
    let central = balances.iter().find(|b| b.fund == FundSource::Central).unwrap();
    assert_eq!((central.budget, central.spent, central.committed, central.available), (Fen(100_000), Fen(81_000), Fen(0), Fen(19_000)));
    let local = balances.iter().find(|b| b.fund == FundSource::Local).unwrap();
    assert_eq!((local.spent, local.available), (Fen(0), Fen(1_000_000)));
    // A reversal after success re-opens the line and gives the money back.
    let mut rev = Some(vec![row(&lines[0], ReturnOutcome::Reversed, 1)]);
    let r = s.reconcile(p.id, "file-3", &actor(), &mut move || rev.take()).await.unwrap();
    assert_eq!(r.reversed, 1);
    assert_eq!(s.verify_ledger().await.unwrap().problem, None);
    let central = s.fund_balances(Some(2027)).await.unwrap().into_iter().find(|b| b.fund == FundSource::Central).unwrap();
    assert_eq!((central.spent, central.available), (Fen(0), Fen(100_000)));
    assert!(s.ledger_postings(Some(p.id), 0, 100).await.unwrap().len() >= 6);
}

pub async fn blocked_lines_hold_the_approval_and_rejection_frees_the_month(s: &dyn Store) {
    recipient(s, "620825100201", 11, 81_000).await;
    let mut build = {
        let mut inner = regular(month(1), 0);
        move |src: &[PayrollSource]| {
            let mut batch = inner(src);
            batch.lines[0].block = Some(BlockReason::AccountChanged);
            batch
        }
    };
    let (p, _) = s.generate_payroll(&new_payroll(month(1)), &mut build).await.unwrap();
    assert_eq!((p.blocked, p.lines), (1, 1));
    // The payee's death, from the deaths feed, reaches the sources (the rules stop the line).
    let ImportStart::Staged { import_id: import } = s
        .begin_feed_import(&NewFeedImport {
            feed: "deaths".into(),
            file_name: "d.csv".into(),
            sha256: "d".into(),
            rows: 1,
            imported_by: "t".into(),
        })
        .await
        .unwrap()
    else {
        panic!("staged")
    };
    let died = NaiveDate::from_ymd_opt(2027, 1, 20).unwrap();
    let record = NewFeedRecord { id_number: id_number("19600101", 11), key: "d1".into(), on: Some(died), detail: "{}".into() };
    s.stage_feed_records(import, "deaths", &[record]).await.unwrap();
    s.complete_feed_imports(&[(import, 1)]).await.unwrap();
    let mut died_on = None;
    s.generate_payroll(&new_payroll(month(2)), &mut |src: &[PayrollSource]| {
        died_on = src[0].payee_died_on;
        Batch::default()
    })
    .await
    .unwrap();
    assert_eq!(died_on, Some(died));
    // The generated payroll's line is a stop candidate now (the service decides: its month is the death's, still owed).
    let stops = s.line_stops(p.id).await.unwrap();
    assert_eq!(stops.iter().map(|x| (x.benefit_month, x.payee_died_on)).collect::<Vec<_>>(), [(month(1), Some(died))]);
    let reviewed = s.step_payroll(&step(&p, PayrollAction::Review)).await.unwrap();
    let r = s.approve_payroll(&step(&reviewed, PayrollAction::Approve)).await;
    assert!(matches!(r, Err(StoreError::Conflict { ref constraint }) if constraint == "payroll_blocked"), "{r:?}");
    let line = s.payroll_lines(p.id, &code("620825"), Some(LineState::Blocked), 0, 10).await.unwrap().remove(0);
    assert_eq!(line.block, Some(BlockReason::AccountChanged));
    let cleared = s.clear_line(p.id, line.id, LineState::Ready, "已电话核实新账号", &actor()).await.unwrap();
    assert_eq!((cleared.blocked, cleared.lines), (0, 1));
    assert!(matches!(s.clear_line(p.id, line.id, LineState::Ready, "again", &actor()).await, Err(StoreError::Conflict { .. })));
    // Rejected: the lines stop counting, and the month can be generated again with new references.
    let rejected = s.step_payroll(&PayrollStep { note: "金额有误".into(), ..step(&cleared, PayrollAction::Reject) }).await.unwrap();
    assert_eq!((rejected.state, rejected.note.as_str()), (PayrollState::Rejected, "金额有误"));
    let (again, created) = s.generate_payroll(&new_payroll(month(1)), &mut regular(month(1), 0)).await.unwrap();
    assert!(created);
    assert_ne!(again.id, p.id);
    let lines = s.payroll_lines(again.id, &code("620825"), None, 0, 10).await.unwrap();
    assert!(lines[0].reference.ends_with("R1"), "{}", lines[0].reference);
    assert_eq!(s.verify_ledger().await.unwrap().problem, None);
}

fn migrated(h: i64, village: &str, amount: i64, account: Option<&str>) -> MigratedBenefit {
    let mut case = new_case(h, village, AssistanceKind::Dibao, None);
    case.state = CaseState::Approved;
    case.due_role = None;
    case.step_due = None;
    case.overall_due = None;
    MigratedBenefit {
        case,
        benefit: benefit(h, village, amount, month(1)),
        account: account.map(|a| BankAccount { bank: "甘肃省农村信用社".into(), account_no: a.into() }),
    }
}

/// 存量迁移: many recipients in one transaction, each a closed approved case with its benefit and
/// the account the old system paid to (with a history entry); one household with the benefit
/// in force already and nothing of the list is kept.
pub async fn existing_recipients_are_taken_over_whole_or_not_at_all(s: &dyn Store) {
    s.upsert_regions(&crate::fixtures::two_towns()).await.unwrap();
    let hs = s
        .insert_households(
            &[sample_household(VILLAGE_A, "王建国", 31), sample_household(VILLAGE_B, "赵明", 32), sample_household(VILLAGE_A, "李芳", 33)],
            &actor(),
        )
        .await
        .unwrap();
    let event = NewCaseEvent { action: "migrate".into(), to_state: CaseState::Approved, ..opened(Role::CountyApprover) };
    let ids = s
        .migrate_benefits(
            &[migrated(hs[0], VILLAGE_A, 90_000, Some("6228480000000000018")), migrated(hs[1], VILLAGE_B, 46_500, None)],
            &event,
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let b = s.benefit(ids[0]).await.unwrap().unwrap();
    assert_eq!((b.household_id, b.monthly_amount, b.status), (hs[0], Fen(90_000), BenefitStatus::Active));
    let c = s.case(b.case_id).await.unwrap().unwrap();
    assert_eq!((c.data.state, c.data.benefit_id), (CaseState::Approved, Some(ids[0])), "a closed case that names its benefit");
    assert_eq!(s.case_events(b.case_id).await.unwrap().len(), 1);
    let h = s.household(hs[0]).await.unwrap().unwrap();
    assert_eq!(h.data.bank_account.map(|a| a.account_no).as_deref(), Some("6228480000000000018"));
    let history = s.history(hs[0]).await.unwrap();
    assert!(history.iter().any(|e| e.field == "bank_account_no" && e.new.contains("0018") && !e.new.contains("62284800")), "masked");
    // The second household's account is untouched and its history empty of it.
    assert!(s.history(hs[1]).await.unwrap().iter().all(|e| e.field != "bank_account_no"));

    // Whole or nothing: hs[2] is new, hs[1] already has 低保 in force.
    let err = s
        .migrate_benefits(
            &[migrated(hs[2], VILLAGE_A, 45_000, Some("6228480000000000026")), migrated(hs[1], VILLAGE_B, 46_500, None)],
            &event,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref constraint } if constraint == "benefits_one_in_force"), "{err:?}");
    assert!(s.household_benefits(hs[2]).await.unwrap().is_empty(), "nothing of the refused list is kept");
    assert!(s.household(hs[2]).await.unwrap().unwrap().data.bank_account.is_none_or(|a| a.account_no != "6228480000000000026"));
    assert!(s.household_cases(hs[2]).await.unwrap().is_empty());
}

/// Runs one month for every source through review, approval, export and a return file that pays
/// every line; returns the payroll.
async fn pay_month(s: &dyn Store, m: NaiveDate, build: &mut (dyn for<'a> FnMut(&'a [PayrollSource]) -> Batch + Send)) -> Payroll {
    let (p, _) = s.generate_payroll(&new_payroll(m), build).await.unwrap();
    let reviewed = s.step_payroll(&step(&p, PayrollAction::Review)).await.unwrap();
    let approved = s.approve_payroll(&step(&reviewed, PayrollAction::Approve)).await.unwrap();
    let exported = s.mark_exported(&step(&approved, PayrollAction::Export), "pipe-gbk", read_back("x")).await.unwrap();
    let lines = s.payroll_lines(p.id, &code("620825"), None, 0, 100).await.unwrap();
    let mut file = Some(lines.iter().enumerate().map(|(i, l)| row(l, ReturnOutcome::Paid, i as u64 + 1)).collect::<Vec<_>>());
    let r = s.reconcile(exported.id, &format!("paid-{}", p.id), &actor(), &mut move || file.take()).await.unwrap();
    assert_eq!(r.state, Some(PayrollState::Reconciled));
    s.payroll(p.id).await.unwrap().unwrap()
}

pub async fn receivables_are_found_once_offset_within_live_lines_and_refunded_into_the_ledger(s: &dyn Store) {
    let h = recipient(s, "620825100201", 11, 50_000).await;
    s.add_budget(FundSource::Central, Programme::Dibao, 2027, Fen(30_000), "财社〔2027〕1号", &actor()).await.unwrap();
    s.add_budget(FundSource::Local, Programme::Dibao, 2027, Fen(1_000_000), "县财政", &actor()).await.unwrap();
    let jan = pay_month(s, month(1), &mut regular(month(1), 0)).await;
    // The paid line reaches the next generation's sources, not yet recovered; a receivable found
    // for it is written once, however often the month is generated.
    let mut seen_paid = Vec::new();
    let mut found = |src: &[PayrollSource]| {
        seen_paid.extend(src[0].paid.iter().map(|l| (l.benefit_month, l.amount, l.recovered)));
        Batch {
            lines: Vec::new(),
            receivables: src[0]
                .paid
                .iter()
                .map(|l| NewReceivable {
                    household_id: h,
                    region: src[0].region.clone(),
                    programme: Programme::Dibao,
                    reason: ReceivableReason::PaidAfterEnd,
                    amount: l.amount,
                    origin_line: Some(l.id),
                    note: "待遇至 2026-12 终止".into(),
                })
                .collect(),
        }
    };
    let (feb, _) = s.generate_payroll(&new_payroll(month(2)), &mut found).await.unwrap();
    assert_eq!(seen_paid, [(month(1), Fen(50_000), false)]);
    s.step_payroll(&PayrollStep { note: "重新生成".into(), ..step(&feb, PayrollAction::Cancel) }).await.unwrap();
    let mut recovered = Vec::new();
    let mut again = |src: &[PayrollSource]| {
        recovered.extend(src[0].paid.iter().map(|l| l.recovered));
        recovered.extend(src[0].receivables.iter().map(|r| r.outstanding == Fen(50_000)));
        Batch {
            receivables: vec![NewReceivable {
                household_id: h,
                region: src[0].region.clone(),
                programme: Programme::Dibao,
                reason: ReceivableReason::PaidAfterEnd,
                amount: Fen(50_000),
                origin_line: src[0].paid.first().map(|l| l.id),
                note: "again".into(),
            }],
            ..Batch::default()
        }
    };
    let (feb, _) = s.generate_payroll(&new_payroll(month(2)), &mut again).await.unwrap();
    assert_eq!(recovered, [true, true], "the line is recorded as recovered and the receivable is open");
    let list = s.receivables(&code("620825"), Some(h)).await.unwrap();
    assert_eq!(list.len(), 1, "one receivable per paid line");
    let rec = list[0].clone();
    assert_eq!((rec.amount, rec.outstanding, rec.reason), (Fen(50_000), Fen(50_000), ReceivableReason::PaidAfterEnd));
    assert!(s.receivables(&code("620825101"), None).await.unwrap().is_empty(), "another town sees none");
    s.step_payroll(&PayrollStep { note: "重新生成".into(), ..step(&feb, PayrollAction::Cancel) }).await.unwrap();

    // An offset withheld on a live line lowers what is owed; a cancelled line gives it back.
    let withhold = |withheld: i64| {
        move |src: &[PayrollSource]| {
            let mut batch = regular(month(2), 0)(src);
            let l = &mut batch.lines[0];
            l.amount = Fen(l.amount.0 - withheld);
            l.withheld = Fen(withheld);
            l.receivable_id = src[0].receivables.first().map(|r| r.id);
            batch
        }
    };
    let (mar, _) = s.generate_payroll(&new_payroll(month(2)), &mut withhold(15_000)).await.unwrap();
    let line = s.payroll_lines(mar.id, &code("620825"), None, 0, 10).await.unwrap().remove(0);
    assert_eq!((line.amount, line.withheld, line.receivable_id), (Fen(35_000), Fen(15_000), Some(rec.id)));
    assert_eq!(s.receivable(rec.id).await.unwrap().unwrap().outstanding, Fen(35_000));
    // Stops: the benefit's end recorded since generation makes the line a candidate; cancelled, the offset comes back.
    let stops = s.line_stops(mar.id).await.unwrap();
    assert!(stops.is_empty(), "an active benefit with no death is no candidate: {stops:?}");
    let cancelled = s.cancel_lines(mar.id, &[line.id], "待遇已于 2027-01 终止", &actor()).await.unwrap();
    assert_eq!((cancelled.lines, cancelled.total), (0, Fen(0)));
    assert_eq!(s.receivable(rec.id).await.unwrap().unwrap().outstanding, Fen(50_000));

    // A refund: at most what is owed, at the version read; the money is available again in the
    // funds that paid the line (newest drawn first), and the ledger still verifies.
    let before = s.fund_balances(Some(2027)).await.unwrap();
    let over = s.refund_receivable(rec.id, rec.version, Fen(50_001), "缴款书 1", 2027, &actor()).await;
    assert!(matches!(over, Err(StoreError::Conflict { ref constraint }) if constraint == "receivable_outstanding"), "{over:?}");
    let r = s.refund_receivable(rec.id, rec.version, Fen(30_000), "缴款书 1", 2027, &actor()).await.unwrap();
    assert_eq!((r.refunded, r.outstanding), (Fen(30_000), Fen(20_000)));
    let stale = s.refund_receivable(rec.id, rec.version, Fen(1), "缴款书 2", 2027, &actor()).await;
    assert!(matches!(stale, Err(StoreError::VersionMismatch { .. })), "{stale:?}");
    let after = s.fund_balances(Some(2027)).await.unwrap();
    let of = |v: &[FundBalance], f: FundSource| v.iter().find(|b| b.fund == f).cloned().unwrap();
    let totals = s.payroll_totals(jan.id, &code("620825")).await.unwrap();
    assert_eq!(totals.by_fund, vec![(FundSource::Central, Fen(30_000)), (FundSource::Local, Fen(20_000))]);
    assert_eq!(of(&after, FundSource::Local).recovered, Fen(20_000), "the last fund drawn gets its money back first");
    assert_eq!(of(&after, FundSource::Central).recovered, Fen(10_000));
    assert_eq!(of(&after, FundSource::Local).available.0 - of(&before, FundSource::Local).available.0, 20_000);
    assert_eq!(s.verify_ledger().await.unwrap().problem, None);

    // A fraud receivable recorded from a decision has no line; its refund goes to the funds of
    // the household's newest paid line.
    let fraud = NewReceivable {
        household_id: h,
        region: code("620825100201"),
        programme: Programme::Dibao,
        reason: ReceivableReason::Fraud,
        amount: Fen(120_000),
        origin_line: None,
        note: "县民政局〔2027〕3号".into(),
    };
    let f = s.record_receivable(&fraud, &actor()).await.unwrap();
    assert_eq!((f.outstanding, f.origin_line), (Fen(120_000), None));
    s.refund_receivable(f.id, f.version, Fen(120_000), "缴款书 3", 2027, &actor()).await.unwrap();
    assert_eq!(s.verify_ledger().await.unwrap().problem, None);
    assert_eq!(s.receivables(&code("620825"), None).await.unwrap().len(), 2);
}

/// An approved 临时救助 case of household `h` (village 620825100201) granting `amount` in `m`.
async fn temporary_case(s: &dyn Store, h: i64, amount: i64, m: NaiveDate) -> i64 {
    let case =
        s.insert_cases(&[new_case(h, "620825100201", AssistanceKind::Temporary, None)], &opened(Role::WindowClerk)).await.unwrap()[0];
    let mut c = s.case(case).await.unwrap().unwrap();
    c.data.state = CaseState::Approved;
    let one_off = Benefit {
        case_id: case,
        kind: AssistanceKind::Temporary,
        monthly_amount: Fen(0),
        one_off_amount: Fen(amount),
        until_month: Some(m),
        status: BenefitStatus::Ended,
        ..benefit(h, "620825100201", 0, m)
    };
    let step = NewCaseEvent { action: "approve".into(), to_state: CaseState::Approved, ..opened(Role::CountyApprover) };
    s.update_case(&c, &step, Some(&BenefitChange::Grant(one_off))).await.unwrap();
    case
}

pub async fn standby_funds_keep_cash_and_vouchers_equal_to_the_imprest(s: &dyn Store) {
    let h = recipient(s, "620825100201", 11, 50_000).await;
    let town = code("620825100");
    let a = s.set_standby(&town, None, Fen(500_000), Fen(200_000), 2027, &actor()).await.unwrap();
    assert_eq!((a.imprest, a.cash, a.payment_limit, a.outstanding), (Fen(500_000), Fen(500_000), Fen(200_000), 0));
    let stale = s.set_standby(&town, None, Fen(1), Fen(1), 2027, &actor()).await;
    assert!(matches!(stale, Err(StoreError::VersionMismatch { .. })), "{stale:?}");
    let advance = |amount: i64| NewAdvance {
        town: town.clone(),
        household_id: h,
        region: code("620825100201"),
        amount: Fen(amount),
        reason: "火灾，先行救助".into(),
        paid_on: month(3),
        case_id: None,
    };
    let over = s.pay_advance(&advance(200_001), &actor()).await;
    assert!(matches!(over, Err(StoreError::Conflict { ref constraint }) if constraint == "standby_limit"), "{over:?}");
    let mut ids = Vec::new();
    for _ in 0..2 {
        ids.push(s.pay_advance(&advance(200_000), &actor()).await.unwrap().id);
    }
    let short = s.pay_advance(&advance(100_001), &actor()).await;
    assert!(matches!(short, Err(StoreError::Conflict { ref constraint }) if constraint == "standby_cash"), "{short:?}");
    let a = s.standby_accounts(&code("620825")).await.unwrap().remove(0);
    assert_eq!((a.cash, a.outstanding, a.outstanding_total), (Fen(100_000), 2, Fen(400_000)), "cash + vouchers = imprest");
    // A 临时救助 one-off for the same household: its source names the vouchers' days (the rules stop the line).
    let case = temporary_case(s, h, 200_000, month(3)).await;
    let mut seen = Vec::new();
    let temporary = NewPayroll { programme: Programme::Temporary, ..new_payroll(month(3)) };
    s.generate_payroll(&temporary, &mut |src: &[PayrollSource]| {
        seen.extend(src.iter().map(|x| (x.household_id, x.advances.clone())));
        Batch::default()
    })
    .await
    .unwrap();
    assert_eq!(seen, vec![(h, vec![month(3), month(3)])]);
    assert_eq!(s.standby_accounts(&code("620825100201")).await.unwrap().len(), 1, "a village's account sees its town's fund");
    assert!(s.standby_accounts(&code("620825101")).await.unwrap().is_empty());
    // A cut larger than the cash is refused; replenishment needs the 临时救助 budget, whole or nothing.
    let cut = s.set_standby(&town, Some(a.version), Fen(300_000), Fen(100_000), 2027, &actor()).await;
    assert!(matches!(cut, Err(StoreError::Conflict { ref constraint }) if constraint == "standby_cash"), "{cut:?}");
    let poor = s.replenish_standby(&town, &ids, 2027, &actor()).await;
    assert!(matches!(poor, Err(StoreError::Conflict { ref constraint }) if constraint == "fund_budget"), "{poor:?}");
    assert_eq!(s.standby_vouchers(&town, 10).await.unwrap().iter().filter(|v| v.replenished_at.is_none()).count(), 2, "nothing changed");
    s.add_budget(FundSource::Central, Programme::Temporary, 2027, Fen(300_000), "临时救助资金", &actor()).await.unwrap();
    s.add_budget(FundSource::Local, Programme::Temporary, 2027, Fen(300_000), "县财政", &actor()).await.unwrap();
    let a = s.replenish_standby(&town, &ids, 2027, &actor()).await.unwrap();
    assert_eq!((a.cash, a.outstanding), (Fen(500_000), 0));
    let again = s.replenish_standby(&town, &ids, 2027, &actor()).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { ref constraint }) if constraint == "standby_voucher"),
        "replenished once: {again:?}"
    );
    let b = s.fund_balances(Some(2027)).await.unwrap();
    let spent: Vec<(FundSource, Fen)> =
        b.iter().filter(|x| x.programme == Programme::Temporary && x.spent.0 > 0).map(|x| (x.fund, x.spent)).collect();
    assert_eq!(spent, [(FundSource::Central, Fen(300_000)), (FundSource::Local, Fen(100_000))], "drawn in order");
    let standby = b.iter().find(|x| x.fund == FundSource::Standby).unwrap();
    assert_eq!(standby.budget, Fen(500_000), "the imprest is in the ledger");
    // A raise moves the cash by the difference and is posted.
    let a = s.set_standby(&town, Some(a.version), Fen(600_000), Fen(200_000), 2027, &actor()).await.unwrap();
    assert_eq!(a.cash, Fen(600_000));
    assert_eq!(s.verify_ledger().await.unwrap().problem, None);
    // A voucher naming the case: the payroll's source says it was paid in cash (and the voucher
    // is no longer one of the days to check); a second voucher for the same case is refused.
    let named = s.pay_advance(&NewAdvance { case_id: Some(case), ..advance(200_000) }, &actor()).await.unwrap();
    assert_eq!(named.case_id, Some(case));
    let twice = s.pay_advance(&NewAdvance { case_id: Some(case), ..advance(200_000) }, &actor()).await;
    assert!(matches!(twice, Err(StoreError::Conflict { ref constraint }) if constraint == "standby_case_paid"), "{twice:?}");
    let mut seen = Vec::new();
    s.generate_payroll(&NewPayroll { programme: Programme::Temporary, ..new_payroll(month(4)) }, &mut |src: &[PayrollSource]| {
        seen.extend(src.iter().map(|x| (x.paid_from_standby, x.advances.len())));
        Batch::default()
    })
    .await
    .unwrap();
    assert_eq!(seen, vec![(true, 2)]);
    assert_eq!(s.standby_accounts(&town).await.unwrap()[0].cash, Fen(400_000), "the refused one took nothing");
}

/// 乡镇审核 per town: each town signs its part once; the last town's sign-off reviews the payroll
/// in the same transaction; a payroll no longer generated takes no sign-off.
pub async fn each_town_signs_its_part_once_and_the_last_reviews_the_payroll(s: &dyn Store) {
    recipient(s, "620825100201", 31, 81_000).await;
    recipient(s, "620825101201", 32, 46_500).await;
    let (p, _) = s.generate_payroll(&new_payroll(month(1)), &mut regular(month(1), 0)).await.unwrap();
    let (none, waiting) = s.town_sign_offs(p.id).await.unwrap();
    assert!(none.is_empty());
    assert_eq!(waiting, [code("620825100"), code("620825101")]);
    let sign = |who: &str| PayrollStep {
        id: p.id,
        version: 0,
        action: PayrollAction::Review,
        by: Actor { account_id: Some(20), username: who.into() },
        note: "已核对本镇明细".into(),
    };
    let after = s.sign_town(&sign("town_a"), &code("620825100")).await.unwrap();
    assert_eq!((after.state, after.version), (PayrollState::Generated, p.version), "one town of two: still generated");
    let again = s.sign_town(&sign("town_a2"), &code("620825100")).await;
    assert!(matches!(again, Err(StoreError::Conflict { ref constraint }) if constraint == "payroll_town_signed"), "{again:?}");
    let (done, waiting) = s.town_sign_offs(p.id).await.unwrap();
    assert_eq!(
        (done.len(), done[0].by.username.as_str(), done[0].note.as_str(), waiting),
        (1, "town_a", "已核对本镇明细", vec![code("620825101")])
    );
    let reviewed = s.sign_town(&sign("town_b"), &code("620825101")).await.unwrap();
    assert_eq!((reviewed.state, reviewed.reviewed_by.map(|a| a.username)), (PayrollState::Reviewed, Some("town_b".to_string())));
    let late = s.sign_town(&sign("town_c"), &code("620825102")).await;
    assert!(matches!(late, Err(StoreError::Conflict { ref constraint }) if constraint == "payroll_state"), "{late:?}");
    assert_eq!(s.town_sign_offs(p.id).await.unwrap().0.len(), 2, "the refused sign-off left nothing");
}

/// 待遇金额变更记录 and 补差: every change of a benefit's amount is kept with the month it applies
/// from; an adjustment line keeps its parts; the sources say what each month was sent for and
/// what adjustments pay for it.
pub async fn amounts_are_recorded_and_adjustments_keep_their_parts(s: &dyn Store) {
    let h = recipient(s, "620825100201", 41, 81_000).await;
    let id = s.household_benefits(h).await.unwrap()[0].id;
    // A rise from January, decided later; a change of something else records nothing.
    let b = s.benefit(id).await.unwrap().unwrap();
    s.update_benefit(&Benefit { monthly_amount: Fen(83_500), ..b }).await.unwrap();
    let b = s.benefit(id).await.unwrap().unwrap();
    s.update_benefit(&Benefit { review_months: 6, ..b }).await.unwrap();
    let mut seen: Vec<PayrollSource> = Vec::new();
    let mut build = |src: &[PayrollSource]| {
        seen.extend(src.iter().cloned());
        let mut lines = regular(month(1), 0)(src).lines;
        let mut adjust = lines[0].clone();
        adjust.kind = LineKind::Adjustment;
        adjust.amount = Fen(2_500);
        adjust.parts = vec![(month(1), Fen(2_500))];
        lines.push(adjust);
        lines.into()
    };
    let (p, _) = s.generate_payroll(&new_payroll(month(1)), &mut build).await.unwrap();
    let amounts: Vec<(NaiveDate, i64)> = seen[0].amounts.iter().map(|c| (c.from_month, c.amount.0)).collect();
    assert_eq!(amounts, [(month(1), 81_000), (month(1), 83_500)], "in recorded order");
    let lines = s.payroll_lines(p.id, &code("620825"), None, 0, 10).await.unwrap();
    let adjust = lines.iter().find(|l| l.kind == LineKind::Adjustment).unwrap();
    assert_eq!(adjust.parts, vec![(month(1), Fen(2_500))]);
    // Next month's sources: the adjustment pays January in part; January's line not yet sent.
    let mut next: Vec<PayrollSource> = Vec::new();
    let mut peek = |src: &[PayrollSource]| {
        next.extend(src.iter().cloned());
        Batch::from(Vec::new())
    };
    s.generate_payroll(&new_payroll(month(2)), &mut peek).await.unwrap();
    assert_eq!(next[0].adjusted, vec![(month(1), Fen(2_500))]);
    assert!(next[0].delivered.is_empty(), "not sent to the bank yet");
    assert_eq!(next[0].adjustments.iter().map(|a| (a.id, a.benefit_month, a.failed)).collect::<Vec<_>>(), [(adjust.id, month(1), false)]);
}

/// 提标: every benefit of the kind in the region rises by the rise × its members from the month,
/// keeping later changes' shape; a preview writes nothing; the same notice twice is refused.
pub async fn a_rise_raises_each_benefit_once_keeping_later_changes(s: &dyn Store) {
    let h = recipient(s, "620825100201", 51, 81_000).await;
    let id = s.household_benefits(h).await.unwrap()[0].id;
    let b = s.benefit(id).await.unwrap().unwrap();
    s.update_benefit(&Benefit { monthly_amount: Fen(90_000), amount_from: month(3), ..b }).await.unwrap();
    let members = s.household(h).await.unwrap().unwrap().members.len() as i64;
    let rise = NewRise {
        region: code("620825"),
        kind: AssistanceKind::Dibao,
        from_month: month(2),
        per_person: Fen(2_000),
        notice: "甘民发〔2027〕5号".into(),
        by: actor(),
    };
    let preview = s.raise_benefits(&rise, false).await.unwrap();
    assert_eq!((preview.id, preview.benefits, preview.members, preview.monthly_increase), (0, 1, members, Fen(2_000 * members)));
    assert_eq!(s.benefit(id).await.unwrap().unwrap().monthly_amount, Fen(90_000), "a preview writes nothing");
    let done = s.raise_benefits(&rise, true).await.unwrap();
    assert!(done.id > 0);
    let b = s.benefit(id).await.unwrap().unwrap();
    assert_eq!((b.monthly_amount, b.amount_from), (Fen(90_000 + 2_000 * members), month(3)));
    let mut seen = Vec::new();
    s.generate_payroll(&new_payroll(month(1)), &mut |src: &[PayrollSource]| {
        seen.extend(src.iter().flat_map(|x| x.amounts.iter().map(|c| (c.from_month, c.amount.0))));
        Batch::from(Vec::new())
    })
    .await
    .unwrap();
    let up = 2_000 * members;
    assert_eq!(seen, [(month(1), 81_000), (month(3), 90_000), (month(2), 81_000 + up), (month(3), 90_000 + up)]);
    let again = s.raise_benefits(&rise, true).await;
    assert!(matches!(again, Err(StoreError::Conflict { ref constraint }) if constraint == "benefit_rises_notice"), "{again:?}");
    let listed = s.rises(&code("620825")).await.unwrap();
    assert_eq!(
        (listed.len(), listed[0].notice.as_str(), listed[0].by.username.as_str()),
        (1, "甘民发〔2027〕5号", actor().username.as_str())
    );
    assert!(s.rises(&code("620826")).await.unwrap().is_empty(), "another county's list");
}

/// A 临时救助 payroll generated while a standby voucher naming the same case is written: the case
/// is paid once — by the line or by the voucher, never both (PostgreSQL serialises the two with
/// a lock; SQLite's one writer does).
pub async fn a_case_is_paid_once_when_a_voucher_and_the_payroll_race(s: &dyn Store) {
    let h = recipient(s, "620825100201", 61, 50_000).await;
    let town = code("620825100");
    s.set_standby(&town, None, Fen(10_000_000), Fen(200_000), 2027, &actor()).await.unwrap();
    for m in 2..=9 {
        let case = temporary_case(s, h, 100_000, month(m)).await;
        let payroll = NewPayroll { programme: Programme::Temporary, ..new_payroll(month(m)) };
        let mut build = |src: &[PayrollSource]| {
            let owed: Vec<PayrollSource> = src
                .iter()
                .filter(|x| x.kind == AssistanceKind::Temporary && x.since_month == month(m) && !x.paid_from_standby)
                .cloned()
                .collect();
            let mut lines = regular(month(m), 0)(&owed).lines;
            for l in &mut lines {
                l.kind = LineKind::OneOff;
                l.amount = Fen(100_000);
            }
            lines.into()
        };
        let voucher = NewAdvance {
            town: town.clone(),
            household_id: h,
            region: code("620825100201"),
            amount: Fen(100_000),
            reason: "先行救助".into(),
            paid_on: month(m),
            case_id: Some(case),
        };
        let by = actor();
        let (generated, paid) = tokio::join!(s.generate_payroll(&payroll, &mut build), s.pay_advance(&voucher, &by));
        let (p, _) = generated.unwrap();
        let lines = s.payroll_lines(p.id, &code("620825"), None, 0, 10).await.unwrap().len();
        match paid {
            Ok(_) => assert_eq!(lines, 0, "month {m}: the voucher paid the case, the payroll must not"),
            Err(StoreError::Conflict { ref constraint }) if constraint == "standby_case_in_payroll" => assert_eq!(lines, 1, "month {m}"),
            Err(e) => panic!("month {m}: {e:?}"),
        }
    }
}
