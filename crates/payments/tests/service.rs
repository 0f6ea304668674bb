//! The payments service end to end on a real database: a month generated (once), a blocked line
//! cleared, review and approval by different accounts with the password, the bank file written
//! in two layouts and read back, a return file with a failure reconciled, the failed line
//! re-issued next month once the account is corrected, and the ledger verified.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_accounts::Accounts;
use jiuzhu_domain::payment::*;
use jiuzhu_domain::*;
use jiuzhu_payments::bankfile;
use jiuzhu_payments::{PaymentError, Payments, RiseRequest};
use jiuzhu_store::*;
use jiuzhu_testkit::conformance::payments::grant;
use jiuzhu_testkit::world::*;
use std::sync::Arc;

const GOOD: &str = "6228480000000000018";
const OTHER: &str = "6228480000000000026";
const THIRD: &str = "6228480000000000034";

#[derive(Debug)]
struct Today(NaiveDate);
impl Clock for Today {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.and_hms_opt(2, 0, 0).unwrap().and_utc()
    }
    fn today(&self) -> NaiveDate {
        self.0
    }
}

fn m(y: i32, mo: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, 1).unwrap()
}

fn accounts(store: &Arc<dyn Store>, today: NaiveDate) -> Accounts {
    Accounts::new(store.clone(), store.clone(), Arc::new(Today(today)))
}

async fn signed_in(store: &Arc<dyn Store>, username: &str) -> User {
    let a = accounts(store, m(2027, 1));
    let token = a.login(username, PASSWORD).await.1.unwrap().token;
    a.session(&token).await.unwrap().unwrap().user
}

async fn set_account(store: &Arc<dyn Store>, household: i64, account: &str) {
    let h = store.household(household).await.unwrap().unwrap();
    let mut data = h.data.clone();
    data.bank_account = Some(BankAccount { bank: "甘肃省农村信用社".into(), account_no: account.into() });
    store.update_household(household, h.version, &data, &[], &Actor::system("test")).await.unwrap();
}

/// A household in each town with an account of its own, granted 低保 from January 2027 (900.00
/// and 465.00 元 a month).
async fn two_recipients(w: &World) {
    set_account(&w.store, w.in_a, GOOD).await;
    set_account(&w.store, w.in_b, OTHER).await;
    grant(w.store.as_ref(), w.in_a, VILLAGE_A, 90_000, m(2027, 1)).await;
    grant(w.store.as_ref(), w.in_b, VILLAGE_B, 46_500, m(2027, 1)).await;
}

#[tokio::test]
async fn a_month_is_paid_once_checked_by_two_people_and_reconciled_to_the_fen() {
    let w = world().await;
    let store = w.store.clone();
    let county = RegionCode::parse("620825").unwrap();
    two_recipients(&w).await;
    let pay = |today| Payments::new(&store, accounts(&store, today), Arc::new(Today(today)));
    let payments = pay(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap());
    let finance = signed_in(&store, "finance_officer_county").await;
    let reviewer = signed_in(&store, "town_reviewer_county").await;
    let approver = signed_in(&store, "county_approver_county").await;
    let clerk = signed_in(&store, "window_clerk_county").await;

    // Too far ahead; a clerk may not.
    assert!(matches!(payments.generate(Some(&finance), &county, m(2027, 3)).await, Err(PaymentError::Invalid(_))));
    assert!(matches!(payments.generate(Some(&clerk), &county, m(2027, 1)).await, Err(PaymentError::Forbidden)));
    let generated = payments.generate(Some(&finance), &county, m(2027, 1)).await.unwrap();
    let (dibao, created) = generated.iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().clone();
    assert!(created);
    assert_eq!((dibao.lines, dibao.total, dibao.blocked), (2, Fen(136_500), 0));
    // Again: the same payrolls, nothing new.
    let again = payments.generate(None, &county, m(2027, 1)).await.unwrap();
    assert!(again.iter().all(|(p, created)| !created && generated.iter().any(|(g, _)| g.id == p.id && g.lines == p.lines)));

    // Maker ≠ checker: the generator cannot review; the reviewer cannot approve; the password is asked.
    assert!(matches!(payments.review(&finance, dibao.id, "").await, Err(PaymentError::SameAccount)));
    assert!(matches!(payments.approve(&approver, dibao.id, PASSWORD, "").await, Err(PaymentError::State(_))), "review first");
    payments.review(&reviewer, dibao.id, "已核对各镇名单").await.unwrap();
    assert!(matches!(payments.approve(&approver, dibao.id, "wrong", "").await, Err(PaymentError::Invalid(_))));
    // No budget yet: refused whole, nothing changed.
    assert!(matches!(payments.approve(&approver, dibao.id, PASSWORD, "").await, Err(PaymentError::Budget)));
    payments.add_budget(Some(&finance), FundSource::Central, Programme::Dibao, 2027, Fen::yuan(100_000), "财社〔2027〕1号").await.unwrap();
    let approved = payments.approve(&approver, dibao.id, PASSWORD, "同意").await.unwrap();
    assert_eq!(approved.state, PayrollState::Approved);
    assert!(approver.trail.snapshot().object == Some((ObjectKind::Payroll, dibao.id)), "the approval names the payroll in the audit");

    // A file that does not read back as written (its last line lost on the way to the disk) is
    // refused, and nothing is marked: the payroll stays approved, its lines ready.
    let lost = |mut v: Vec<u8>| {
        let end = v[..v.len() - 2].iter().rposition(|b| *b == b'\n').unwrap();
        v.truncate(end + 1);
        Ok(std::io::Cursor::new(v))
    };
    let refused = payments.export(Some((&finance, PASSWORD)), dibao.id, "fixed-gbk", Vec::new(), lost).await;
    assert!(matches!(refused, Err(PaymentError::BankFile(_))), "{refused:?}");
    assert_eq!(store.payroll(dibao.id).await.unwrap().unwrap().state, PayrollState::Approved);
    assert!(store.payroll_lines(dibao.id, &county, None, 0, 10).await.unwrap().iter().all(|l| l.state == LineState::Ready));

    // A disk that fills while the file is written: the lines were being marked exported meanwhile
    // (beside the writing), and nothing of it stays.
    struct Full(usize);
    impl std::io::Write for Full {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if self.0 < b.len() {
                return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full"));
            }
            self.0 -= b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let full =
        payments.export(Some((&finance, PASSWORD)), dibao.id, "fixed-gbk", Full(100), |_| Ok(std::io::Cursor::new(Vec::new()))).await;
    assert!(matches!(full, Err(PaymentError::Io(_)) | Err(PaymentError::BankFile(_))), "{full:?}");
    assert_eq!(store.payroll(dibao.id).await.unwrap().unwrap().state, PayrollState::Approved, "not exported");
    assert!(store.payroll_lines(dibao.id, &county, None, 0, 10).await.unwrap().iter().all(|l| l.state == LineState::Ready));

    // The bank file: fixed-width GBK, read back; a second export is refused.
    let (report, back) =
        payments.export(Some((&finance, PASSWORD)), dibao.id, "fixed-gbk", Vec::new(), |v| Ok(std::io::Cursor::new(v))).await.unwrap();
    assert_eq!((report.lines, report.total_fen), (2, 136_500));
    let trail = finance.trail.snapshot();
    assert_eq!(
        (trail.action, trail.fields.as_slice()),
        (Some(Action::Download), ["name", "id_number", "bank_account_no"].as_slice()),
        "the audit names what the bank file reveals"
    );
    assert!(trail.detail.iter().any(|d| d.contains("rows=2")), "{:?}", trail.detail);
    let bytes = back.into_inner();
    let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
    assert!(!bad);
    assert!(text.contains("王建国") && text.contains(GOOD) && text.contains("000000000900.00"), "{text}");
    assert!(matches!(
        payments.export(Some((&finance, PASSWORD)), dibao.id, "pipe-gbk", Vec::new(), |v| Ok(std::io::Cursor::new(v))).await,
        Err(PaymentError::State(_))
    ));

    // The bank pays one and returns the other (账号不存在); the same file again changes nothing.
    let lines = store.payroll_lines(dibao.id, &county, None, 0, 10).await.unwrap();
    let mut ret = Vec::new();
    bankfile::write_return_header("csv-utf8", &mut ret).unwrap();
    bankfile::write_return_line("csv-utf8", &mut ret, &lines[0].reference, GOOD, lines[0].amount, true, "").unwrap();
    bankfile::write_return_line("csv-utf8", &mut ret, &lines[1].reference, OTHER, lines[1].amount, false, "账号不存在").unwrap();
    let r = payments.reconcile(Some(&finance), dibao.id, None, &ret).await.unwrap();
    assert_eq!((r.paid, r.failed, r.exceptions, r.state), (1, 1, 0, Some(PayrollState::Reconciled)));
    assert!(payments.reconcile(Some(&finance), dibao.id, None, &ret).await.unwrap().already_seen);
    assert_eq!(payments.verify_ledger().await.unwrap().problem, None);

    // February: the failed line is not sent again to the same account …
    let payments = pay(NaiveDate::from_ymd_opt(2027, 2, 3).unwrap());
    let feb = payments.generate(None, &county, m(2027, 2)).await.unwrap();
    let feb = feb.into_iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0;
    assert_eq!((feb.lines, feb.total), (2, Fen(136_500)), "February's regular lines only");
    payments.cancel(None, feb.id, "账号更正后重新生成").await.unwrap();
    // … but once the account is corrected it is re-issued (naming the line), and the change asks to be confirmed.
    set_account(&store, w.in_b, THIRD).await;
    let feb = payments.generate(None, &county, m(2027, 2)).await.unwrap();
    let feb = feb.into_iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0;
    let lines = store.payroll_lines(feb.id, &county, None, 0, 10).await.unwrap();
    let kinds: Vec<_> = lines.iter().map(|l| (l.household_id, l.kind, l.benefit_month, l.block)).collect();
    assert!(kinds.contains(&(w.in_b, LineKind::Reissue, m(2027, 1), None)), "{kinds:?}");
    assert!(kinds.contains(&(w.in_b, LineKind::Regular, m(2027, 2), Some(BlockReason::AccountChanged))), "{kinds:?}");
    let reissue = lines.iter().find(|l| l.kind == LineKind::Reissue).unwrap();
    assert!(reissue.origin_line.is_some());
    let blocked = lines.iter().find(|l| l.block.is_some()).unwrap();
    assert!(
        matches!(payments.clear_line(&finance, feb.id, blocked.id, true, " ").await, Err(PaymentError::Invalid(_))),
        "a note is required"
    );
    let cleared = payments.clear_line(&finance, feb.id, blocked.id, true, "已电话核实新卡号").await.unwrap();
    assert_eq!(cleared.blocked, 0);
    assert_eq!(store.household_payments(w.in_b).await.unwrap().iter().filter(|l| l.state == LineState::Reissued).count(), 1);
    assert_eq!(payments.verify_ledger().await.unwrap().problem, None);

    // Cancelled after approval, before the money left: the commitment goes back to the fund.
    let available = |b: Vec<FundBalance>| b.into_iter().find(|b| b.fund == FundSource::Central).unwrap().available;
    payments.review(&reviewer, feb.id, "").await.unwrap();
    let approved = payments.approve(&approver, feb.id, PASSWORD, "").await.unwrap();
    let before = available(payments.balances(Some(&finance), Some(2027)).await.unwrap());
    assert!(matches!(payments.cancel(Some(&finance), feb.id, "").await, Err(PaymentError::Invalid(_))), "a reason is required");
    assert_eq!(payments.cancel(Some(&finance), feb.id, "发现重复发放").await.unwrap().state, PayrollState::Cancelled);
    assert_eq!(available(payments.balances(Some(&finance), Some(2027)).await.unwrap()), Fen(before.0 + approved.total.0));
    // Rejection needs the password and a reason.
    let temporary = payments.generate(None, &county, m(2027, 2)).await.unwrap();
    let temporary = temporary.into_iter().find(|(p, _)| p.programme == Programme::Temporary).unwrap().0;
    payments.review(&reviewer, temporary.id, "").await.unwrap();
    assert!(matches!(payments.reject(&approver, temporary.id, PASSWORD, " ").await, Err(PaymentError::Invalid(_))));
    assert_eq!(payments.reject(&approver, temporary.id, PASSWORD, "名单不全").await.unwrap().state, PayrollState::Rejected);
    assert_eq!(payments.verify_ledger().await.unwrap().problem, None);
}

/// 存量迁移 through the service: each row found by its ID number, the name checked, a household
/// already paid or named twice refused with its row; a good list taken over and paid by the
/// next payroll, to the account the list gave.
#[tokio::test]
async fn existing_recipients_are_found_by_id_number_and_paid_from_the_next_payroll() {
    use jiuzhu_payments::recipients::RecipientRow;
    let w = world().await;
    let store = w.store.clone();
    let payments = Payments::new(&store, accounts(&store, m(2027, 1)), Arc::new(Today(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap())));
    let head = |h: i64| {
        let store = store.clone();
        async move {
            let hh = store.household(h).await.unwrap().unwrap();
            (hh.members[0].data.id_number.as_str().to_string(), hh.members[0].data.name.clone())
        }
    };
    let (id_a, name_a) = head(w.in_a).await;
    let (id_b, name_b) = head(w.in_b).await;
    let row = |row: u64, id: &str, name: &str| RecipientRow {
        row,
        id_number: id.into(),
        name: name.into(),
        programme: Programme::Dibao,
        since: m(2026, 3),
        amount: Fen(90_000),
        account: Some(BankAccount { bank: "甘肃省农村信用社".into(), account_no: GOOD.into() }),
    };
    // Unknown ID, a wrong name, the same household twice: every problem named by row and column.
    let unknown = "620825199001010012";
    let problems = payments
        .resolve_recipients(&[row(2, &id_a, &name_a), row(3, unknown, "张三"), row(4, &id_b, "王五"), row(5, &id_a, &name_a)])
        .await
        .unwrap()
        .unwrap_err();
    let named: Vec<(usize, u64, &str)> = problems.iter().map(|(i, p)| (*i, p.row, p.column.as_str())).collect();
    assert_eq!(named, [(1, 3, "id_number"), (2, 4, "name"), (3, 5, "id_number")], "{problems:?}");
    assert!(!problems[1].1.zh.contains(&name_b), "the registered name is masked: {}", problems[1].1.zh);

    let list = payments.resolve_recipients(&[row(2, &id_a, &name_a)]).await.unwrap().unwrap();
    assert_eq!(payments.migrate_recipients(&list, "存量名单.xlsx").await.unwrap(), 1);
    // Taken over once: the same row again is refused as in force.
    let again = payments.resolve_recipients(&[row(2, &id_a, &name_a)]).await.unwrap().unwrap_err();
    assert_eq!((again[0].1.row, again[0].1.column.as_str()), (2, "programme"));

    // The next payroll pays it from January (not back to 2026-03: the old system paid those), to the list's account.
    let county = RegionCode::parse("620825").unwrap();
    let generated = payments.generate(None, &county, m(2027, 1)).await.unwrap();
    let dibao = generated.iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0.clone();
    assert_eq!((dibao.lines, dibao.total, dibao.blocked), (1, Fen(90_000), 0));
    let lines = store.payroll_lines(dibao.id, &county, None, 0, 10).await.unwrap();
    assert_eq!(lines[0].account.as_deref(), Some(GOOD));
    let cases = store.household_cases(w.in_a).await.unwrap();
    assert!(cases.iter().any(|c| c.state == jiuzhu_domain::casework::CaseState::Approved), "the old decision is on record");
}

#[tokio::test]
async fn a_fraud_decision_is_recorded_by_the_county_and_refunded_by_the_finance_officer() {
    let w = world().await;
    let store = w.store.clone();
    let today = m(2027, 1);
    let payments = Payments::new(&store, accounts(&store, today), Arc::new(Today(today)));
    let approver = signed_in(&store, "county_approver_county").await;
    let finance = signed_in(&store, "finance_officer_county").await;
    let town_b = signed_in(&store, "county_approver_b").await;
    let decision = jiuzhu_payments::FraudDecision {
        household_id: w.in_a,
        programme: Some(Programme::Dibao),
        amount: Fen::yuan(1_200),
        note: "庄民发〔2027〕3号：隐瞒经营收入".into(),
    };
    // The finance officer cannot decide it; the approver types the password; another town's approver sees no such household.
    assert!(matches!(payments.record_fraud(&finance, PASSWORD, &decision).await, Err(PaymentError::Forbidden)));
    assert!(matches!(payments.record_fraud(&approver, "wrong", &decision).await, Err(PaymentError::Invalid(_))));
    assert!(matches!(payments.record_fraud(&town_b, PASSWORD, &decision).await, Err(PaymentError::NotFound)));
    let blank = jiuzhu_payments::FraudDecision { household_id: 0, programme: None, amount: Fen::ZERO, note: " ".into() };
    let Err(PaymentError::Invalid(v)) = payments.record_fraud(&approver, PASSWORD, &blank).await else { panic!("refused") };
    assert_eq!(
        v.0.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(),
        ["household_id", "programme", "amount", "note"],
        "each field named"
    );
    let r = payments.record_fraud(&approver, PASSWORD, &decision).await.unwrap();
    assert_eq!((r.reason, r.outstanding, r.region.as_str()), (ReceivableReason::Fraud, Fen::yuan(1_200), "620825100201"));
    // Listed in scope only; refunded up to what is owed, with the receipt's number.
    assert_eq!(payments.receivables(&finance, None).await.unwrap().len(), 1);
    assert!(payments.receivables(&town_b, None).await.unwrap().is_empty());
    let Err(PaymentError::Invalid(v)) = payments.refund(&finance, r.id, r.version, Fen::yuan(1_201), "缴款书 1").await else {
        panic!("over the amount owed")
    };
    assert_eq!(v.0[0].field, "amount");
    assert!(matches!(payments.refund(&finance, r.id, r.version, Fen::yuan(1), "").await, Err(PaymentError::Invalid(_))));
    assert!(matches!(payments.refund(&approver, r.id, r.version, Fen::yuan(1), "缴款书").await, Err(PaymentError::Forbidden)));
    let after = payments.refund(&finance, r.id, r.version, Fen::yuan(200), "缴款书 1").await.unwrap();
    assert_eq!((after.refunded, after.outstanding), (Fen::yuan(200), Fen::yuan(1_000)));
    assert!(
        matches!(payments.refund(&finance, r.id, r.version, Fen::yuan(1), "缴款书 2").await, Err(PaymentError::Changed)),
        "stale version"
    );
    let local = payments.balances(Some(&finance), None).await.unwrap();
    // Never paid through jiuzhu: the county's own funds of the service's year (its clock, not the server's).
    assert!(local.iter().any(|b| b.fund == FundSource::Local && b.year == 2027 && b.recovered == Fen::yuan(200)), "{local:?}");
    assert_eq!(payments.verify_ledger().await.unwrap().problem, None);
}

#[tokio::test]
async fn a_town_pays_emergency_help_from_its_standby_fund_and_the_county_replenishes_it() {
    let w = world().await;
    let store = w.store.clone();
    let today = m(2027, 3);
    let payments = Payments::new(&store, accounts(&store, today), Arc::new(Today(today)));
    let finance = signed_in(&store, "finance_officer_county").await;
    let town_a = signed_in(&store, "town_reviewer_a").await;
    let town_b = signed_in(&store, "town_reviewer_b").await;
    let advance = |amount: i64| jiuzhu_payments::Advance {
        household_id: w.in_a,
        amount: Fen::yuan(amount),
        reason: "房屋失火，先行救助".into(),
        case_id: None,
    };
    let field = |r: std::result::Result<StandbyVoucher, PaymentError>| match r {
        Err(PaymentError::Invalid(v)) => v.0.iter().map(|f| f.field.clone()).collect::<Vec<_>>(),
        other => panic!("refused with a field: {other:?}"),
    };
    // No fund yet: said so. The finance officer does not pay; another town does not see the household.
    assert_eq!(field(payments.pay_advance(&town_a, &advance(100)).await), ["town"]);
    let bad = payments.set_standby(Some(&finance), "620825", None, Fen::yuan(5_000), Fen::yuan(2_000)).await;
    assert!(matches!(bad, Err(PaymentError::Invalid(ref v)) if v.0[0].field == "town"), "not a town: {bad:?}");
    let bad = payments.set_standby(Some(&finance), "620825100", None, Fen::yuan(5_000), Fen::yuan(6_000)).await;
    assert!(matches!(bad, Err(PaymentError::Invalid(ref v)) if v.0[0].field == "payment_limit"), "a limit above the imprest: {bad:?}");
    assert!(matches!(
        payments.set_standby(Some(&town_a), "620825100", None, Fen::yuan(5_000), Fen::yuan(2_000)).await,
        Err(PaymentError::Forbidden)
    ));
    let fund = payments.set_standby(Some(&finance), "620825100", None, Fen::yuan(5_000), Fen::yuan(2_000)).await.unwrap();
    let twice = payments.set_standby(Some(&finance), "620825100", None, Fen::yuan(5_000), Fen::yuan(2_000)).await;
    assert!(matches!(twice, Err(PaymentError::Invalid(ref v)) if v.0[0].code == "standby.exists"), "{twice:?}");
    assert!(matches!(payments.pay_advance(&finance, &advance(100)).await, Err(PaymentError::Forbidden)));
    assert!(matches!(payments.pay_advance(&town_b, &advance(100)).await, Err(PaymentError::NotFound)));
    let blank = jiuzhu_payments::Advance { household_id: 0, amount: Fen::ZERO, reason: " ".into(), case_id: Some(0) };
    assert_eq!(field(payments.pay_advance(&town_a, &blank).await), ["household_id", "amount", "reason", "case_id"]);
    // A case named must be this household's approved 临时救助 for this amount.
    grant(store.as_ref(), w.in_a, VILLAGE_A, 50_000, m(2027, 1)).await;
    let dibao_case = store.household_benefits(w.in_a).await.unwrap()[0].case_id;
    for case in [dibao_case, 999_999] {
        let named = jiuzhu_payments::Advance { case_id: Some(case), ..advance(100) };
        let Err(PaymentError::Invalid(v)) = payments.pay_advance(&town_a, &named).await else { panic!("case {case} refused") };
        assert_eq!((v.0[0].field.as_str(), v.0[0].zh.contains(&format!("#{case}"))), ("case_id", true), "{:?}", v.0[0].zh);
    }
    assert_eq!(field(payments.pay_advance(&town_a, &advance(2_001)).await), ["amount"], "over the limit");
    for _ in 0..2 {
        payments.pay_advance(&town_a, &advance(2_000)).await.unwrap();
    }
    let Err(PaymentError::Invalid(v)) = payments.pay_advance(&town_a, &advance(1_001)).await else { panic!("short of cash") };
    assert!(v.0[0].zh.contains("1,000.00") || v.0[0].zh.contains("1000.00"), "names the cash left: {}", v.0[0].zh);
    // The town sees its fund; the county replenishes with the password, from the 临时救助 budget.
    let seen = payments.standby(&town_a).await.unwrap();
    assert_eq!((seen.len(), seen[0].0.cash, seen[0].1.len()), (1, Fen::yuan(1_000), 2));
    assert!(payments.standby(&town_b).await.unwrap().is_empty());
    assert!(matches!(payments.replenish_standby(&finance, "wrong", "620825100").await, Err(PaymentError::Invalid(_))));
    assert!(matches!(payments.replenish_standby(&finance, PASSWORD, "620825100").await, Err(PaymentError::Budget)));
    payments.add_budget(Some(&finance), FundSource::Central, Programme::Temporary, 2027, Fen::yuan(100_000), "临时救助资金").await.unwrap();
    let after = payments.replenish_standby(&finance, PASSWORD, "620825100").await.unwrap();
    assert_eq!((after.cash, after.outstanding, after.imprest), (Fen::yuan(5_000), 0, fund.imprest));
    assert!(matches!(payments.replenish_standby(&finance, PASSWORD, "620825100").await, Err(PaymentError::Invalid(_))), "nothing waiting");
    assert_eq!(payments.verify_ledger().await.unwrap().problem, None);
}

#[tokio::test]
async fn a_rise_of_the_standard_reaching_back_is_applied_once_and_its_difference_paid_next_payroll() {
    let w = world().await;
    let store = w.store.clone();
    let county = RegionCode::parse("620825").unwrap();
    two_recipients(&w).await;
    let pay = |today| Payments::new(&store, accounts(&store, today), Arc::new(Today(today)));
    let finance = signed_in(&store, "finance_officer_county").await;
    let reviewer = signed_in(&store, "town_reviewer_county").await;
    let approver = signed_in(&store, "county_approver_county").await;
    // January paid at the old amounts.
    let payments = pay(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap());
    let jan = payments.generate(Some(&finance), &county, m(2027, 1)).await.unwrap();
    let jan = jan.into_iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0;
    payments.review(&reviewer, jan.id, "").await.unwrap();
    payments.add_budget(Some(&finance), FundSource::Central, Programme::Dibao, 2027, Fen::yuan(100_000), "财社〔2027〕1号").await.unwrap();
    payments.approve(&approver, jan.id, PASSWORD, "").await.unwrap();
    payments.export(Some((&finance, PASSWORD)), jan.id, "pipe-gbk", Vec::new(), |v| Ok(std::io::Cursor::new(v))).await.unwrap();
    let jan_lines = store.payroll_lines(jan.id, &county, None, 0, 10).await.unwrap();
    let mut ret = Vec::new();
    bankfile::write_return_header("csv-utf8", &mut ret).unwrap();
    for l in &jan_lines {
        bankfile::write_return_line("csv-utf8", &mut ret, &l.reference, l.account.as_deref().unwrap(), l.amount, true, "").unwrap();
    }
    payments.reconcile(Some(&finance), jan.id, None, &ret).await.unwrap();

    // February: the province's notice raises the standard by 20 元 a person from January.
    let payments = pay(NaiveDate::from_ymd_opt(2027, 2, 3).unwrap());
    let req = RiseRequest {
        programme: Some(Programme::Dibao),
        from_month: Some(m(2027, 1)),
        per_person: Fen::yuan(20),
        notice: "甘民发〔2027〕5号".into(),
    };
    assert!(matches!(payments.preview_rise(&finance, &req).await, Err(PaymentError::Forbidden)), "the county approver decides");
    let fields = |e: PaymentError| match e {
        PaymentError::Invalid(v) => v.0.iter().map(|f| f.field.clone()).collect::<Vec<_>>(),
        e => panic!("{e:?}"),
    };
    let bad =
        RiseRequest { programme: Some(Programme::Temporary), from_month: Some(m(2027, 4)), per_person: Fen::ZERO, notice: " ".into() };
    assert_eq!(fields(payments.preview_rise(&approver, &bad).await.unwrap_err()), ["programme", "from_month", "per_person", "notice"]);
    let preview = payments.preview_rise(&approver, &req).await.unwrap();
    assert_eq!(preview.benefits, 2);
    assert_eq!(preview.monthly_increase, Fen(2_000 * preview.members));
    assert_eq!(
        store.benefit(store.household_benefits(w.in_a).await.unwrap()[0].id).await.unwrap().unwrap().monthly_amount,
        Fen(90_000),
        "a preview writes nothing"
    );
    assert!(matches!(payments.apply_rise(&approver, "wrong", &req).await, Err(PaymentError::Invalid(_))));
    let done = payments.apply_rise(&approver, PASSWORD, &req).await.unwrap();
    assert_eq!((done.benefits, done.monthly_increase), (preview.benefits, preview.monthly_increase));
    assert_eq!(fields(payments.apply_rise(&approver, PASSWORD, &req).await.unwrap_err()), ["notice"], "the same notice twice");
    assert_eq!(payments.rises(&approver).await.unwrap().len(), 1);

    // February's payroll: the new amount, and January's difference in one adjustment line each.
    let feb = payments.generate(Some(&finance), &county, m(2027, 2)).await.unwrap();
    let feb = feb.into_iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0;
    let lines = store.payroll_lines(feb.id, &county, None, 0, 10).await.unwrap();
    for old in &jan_lines {
        let of = |k: LineKind| lines.iter().find(|l| l.household_id == old.household_id && l.kind == k).unwrap();
        let (regular, adjust) = (of(LineKind::Regular), of(LineKind::Adjustment));
        let rise = Fen(regular.amount.0 - old.amount.0);
        assert!(rise.0 > 0 && rise.0 % 2_000 == 0, "20 元 per member: {rise:?}");
        assert_eq!((adjust.amount, adjust.parts.clone()), (rise, vec![(m(2027, 1), rise)]));
        assert_eq!(adjust.state, LineState::Ready);
    }
    assert_eq!(feb.total.0, lines.iter().map(|l| l.amount.0).sum::<i64>());
}

/// 收款安排: the town reviewer records a guardian for a household of the town (the password
/// again); the next payroll pays its 低保 to the guardian's account, stopped once for the
/// finance officer to confirm; other roles, other towns and bad fields are refused by name.
#[tokio::test]
async fn a_childs_money_goes_to_the_guardian_recorded_by_the_town_after_the_officer_confirms_it() {
    use jiuzhu_domain::payment::payee::{PayeeInput, PayeeRole};
    let w = world().await;
    let store = w.store.clone();
    let county = RegionCode::parse("620825").unwrap();
    two_recipients(&w).await;
    let payments = Payments::new(&store, accounts(&store, m(2027, 1)), Arc::new(Today(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap())));
    let finance = signed_in(&store, "finance_officer_county").await;
    let reviewer_a = signed_in(&store, "town_reviewer_a").await;
    let reviewer_b = signed_in(&store, "town_reviewer_b").await;
    let clerk = signed_in(&store, "window_clerk_a").await;
    // January paid to the household's own card.
    payments.generate(Some(&finance), &county, m(2027, 1)).await.unwrap();
    let home = PayeeInput {
        role: "guardian".into(),
        name: "李秀英".into(),
        code: "620102195001011235".into(),
        bank: "邮储银行".into(),
        account_no: THIRD.into(),
        basis: "村委会指定监护（2027）1号".into(),
        ..Default::default()
    };
    assert!(matches!(payments.set_payee(&clerk, PASSWORD, w.in_a, &home).await, Err(PaymentError::Forbidden)));
    let other_town = payments.set_payee(&reviewer_b, PASSWORD, w.in_a, &home).await;
    assert!(matches!(other_town, Err(PaymentError::NotFound)), "another town's household: {other_town:?}");
    assert!(matches!(payments.set_payee(&reviewer_a, "wrong", w.in_a, &home).await, Err(PaymentError::Invalid(_))));
    let bad = PayeeInput { code: "62010219500101123X".into(), account_no: "6228480000000000017".into(), ..home.clone() };
    match payments.set_payee(&reviewer_a, PASSWORD, w.in_a, &bad).await {
        Err(PaymentError::Invalid(v)) => assert_eq!(v.0.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["code", "account_no"]),
        other => panic!("{other:?}"),
    }
    // An institution receives 特困 money only: for a household without it, the kind is named.
    let institution =
        PayeeInput { role: "institution".into(), name: "某县中心敬老院".into(), code: "91350100M000100Y43".into(), ..home.clone() };
    match payments.set_payee(&reviewer_a, PASSWORD, w.in_a, &institution).await {
        Err(PaymentError::Invalid(v)) => assert_eq!(v.0.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["payee_role"]),
        other => panic!("{other:?}"),
    }
    assert!(store.payees(w.in_a).await.unwrap().is_empty(), "nothing written by a refusal");
    let done = payments.set_payee(&reviewer_a, PASSWORD, w.in_a, &home).await.unwrap();
    assert_eq!((done.role, done.account_masked.contains("0034"), done.account_masked.contains(THIRD)), (PayeeRole::Guardian, true, false));
    // February: the guardian's account, stopped as a new account until the officer looks.
    let feb = payments.generate(Some(&finance), &county, m(2027, 2)).await.unwrap();
    let feb = feb.into_iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0;
    let lines = store.payroll_lines(feb.id, &county, None, 0, 10).await.unwrap();
    let routed = lines.iter().find(|l| l.household_id == w.in_a && l.kind == LineKind::Regular).unwrap();
    assert_eq!(
        (routed.payee_name.as_str(), routed.account.as_deref(), routed.payee_role, routed.block),
        ("李秀英", Some(THIRD), Some(PayeeRole::Guardian), Some(BlockReason::AccountChanged))
    );
    let own = lines.iter().find(|l| l.household_id == w.in_b && l.kind == LineKind::Regular).unwrap();
    assert_eq!((own.account.as_deref(), own.payee_role, own.block), (Some(OTHER), None, None));
    let seen = payments.household_payments(&reviewer_a, w.in_a).await.unwrap();
    assert_eq!(seen.payees.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["李秀英"]);
    // Ended: March goes back to the household's own card (stopped again as a change).
    assert!(matches!(payments.end_payee(&reviewer_b, PASSWORD, w.in_a, done.id).await, Err(PaymentError::NotFound)));
    payments.end_payee(&reviewer_a, PASSWORD, w.in_a, done.id).await.unwrap();
    assert!(matches!(payments.end_payee(&reviewer_a, PASSWORD, w.in_a, done.id).await, Err(PaymentError::NotFound)));
    let later = Payments::new(&store, accounts(&store, m(2027, 2)), Arc::new(Today(NaiveDate::from_ymd_opt(2027, 2, 5).unwrap())));
    let mar = later.generate(Some(&finance), &county, m(2027, 3)).await.unwrap();
    let mar = mar.into_iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0;
    let lines = store.payroll_lines(mar.id, &county, None, 0, 10).await.unwrap();
    let back = lines.iter().find(|l| l.household_id == w.in_a && l.kind == LineKind::Regular).unwrap();
    assert_eq!((back.account.as_deref(), back.payee_role), (Some(GOOD), None));
}

/// 照料护理人: the town reviewer records a carer for a 特困 person at home from a month not yet
/// generated; from then the care allowance is a payroll of its own to the carer's account
/// (stopped once for the officer) and the person's line carries the rest; ended, the months not
/// yet generated are the person's whole again. Wrong months, amounts and contradictions are
/// refused by field.
#[tokio::test]
async fn a_carers_allowance_is_paid_to_them_from_a_month_not_yet_generated() {
    use jiuzhu_domain::casework::AssistanceKind;
    use jiuzhu_domain::payment::payee::{PayeeInput, PayeeRole};
    use jiuzhu_testkit::conformance::payments::grant_of;
    let w = world().await;
    let store = w.store.clone();
    let county = RegionCode::parse("620825").unwrap();
    set_account(&w.store, w.in_a, GOOD).await;
    grant_of(store.as_ref(), w.in_a, VILLAGE_A, AssistanceKind::Tekun, 90_000, m(2027, 1)).await;
    let on = |day: NaiveDate| Payments::new(&store, accounts(&store, day), Arc::new(Today(day)));
    let january = on(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap());
    let finance = signed_in(&store, "finance_officer_county").await;
    let reviewer = signed_in(&store, "town_reviewer_a").await;
    january.generate(Some(&finance), &county, m(2027, 1)).await.unwrap();
    let carer = PayeeInput {
        role: "carer".into(),
        name: "王桂兰".into(),
        code: "620825196804120029".into(),
        bank: "农商银行".into(),
        account_no: THIRD.into(),
        basis: "委托照料服务协议 2027-011".into(),
        care_amount: "300".into(),
        from_month: "2027-01".into(),
    };
    let field = |r: std::result::Result<jiuzhu_payments::PayeeView, PaymentError>| match r {
        Err(PaymentError::Invalid(v)) => v.0.iter().map(|f| f.field.clone()).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(field(january.set_payee(&reviewer, PASSWORD, w.in_a, &carer).await), ["from_month"], "January is generated");
    let too_much = PayeeInput { care_amount: "900.01".into(), from_month: "2027-02".into(), ..carer.clone() };
    assert_eq!(field(january.set_payee(&reviewer, PASSWORD, w.in_a, &too_much).await), ["care_amount"], "more than the month");
    assert!(store.payees(w.in_a).await.unwrap().is_empty(), "nothing written by a refusal");
    let carer = PayeeInput { from_month: "2027-02".into(), ..carer };
    let done = january.set_payee(&reviewer, PASSWORD, w.in_a, &carer).await.unwrap();
    assert_eq!((done.role, done.care.map(|c| c.monthly)), (PayeeRole::Carer, Some(Fen(30_000))));
    // Care at home and institutional care exclude each other.
    let institution = PayeeInput {
        role: "institution".into(),
        name: "某县中心敬老院".into(),
        code: "91350100M000100Y43".into(),
        care_amount: String::new(),
        from_month: String::new(),
        ..carer.clone()
    };
    assert_eq!(field(january.set_payee(&reviewer, PASSWORD, w.in_a, &institution).await), ["payee_role"]);
    // February: 600.00 to the person, 300.00 in the care payroll to the carer (held once).
    let lines_of = |generated: Vec<(Payroll, bool)>, p: Programme| {
        let id = generated.iter().find(|(x, _)| x.programme == p).unwrap().0.id;
        let store = store.clone();
        let county = county.clone();
        async move { store.payroll_lines(id, &county, None, 0, 10).await.unwrap() }
    };
    let feb = january.generate(Some(&finance), &county, m(2027, 2)).await.unwrap();
    let person = lines_of(feb.clone(), Programme::Tekun).await;
    assert_eq!(
        person.iter().map(|l| (l.benefit_month, l.amount, l.account.as_deref())).collect::<Vec<_>>(),
        [(m(2027, 2), Fen(60_000), Some(GOOD))]
    );
    let care = lines_of(feb, Programme::Care).await;
    assert_eq!(
        care.iter().map(|l| (l.amount, l.account.as_deref(), l.payee_role, l.block)).collect::<Vec<_>>(),
        [(Fen(30_000), Some(THIRD), Some(PayeeRole::Carer), Some(BlockReason::AccountChanged))]
    );
    // Ended once February is generated: the carer keeps February, March is the person's whole.
    let february = on(NaiveDate::from_ymd_opt(2027, 2, 5).unwrap());
    february.end_payee(&reviewer, PASSWORD, w.in_a, done.id).await.unwrap();
    let mar = february.generate(Some(&finance), &county, m(2027, 3)).await.unwrap();
    let person = lines_of(mar.clone(), Programme::Tekun).await;
    assert_eq!(person.iter().map(|l| (l.benefit_month, l.amount)).collect::<Vec<_>>(), [(m(2027, 3), Fen(90_000))]);
    assert!(lines_of(mar, Programme::Care).await.is_empty());
    // The care allowance is paid from 特困's budget: a budget of its own would never be drawn on.
    let own = february.add_budget(Some(&finance), FundSource::Central, Programme::Care, 2027, Fen::yuan(1_000), "财社〔2027〕9号").await;
    assert!(matches!(&own, Err(PaymentError::Invalid(v)) if v.0[0].field == "programme"), "{own:?}");
}
