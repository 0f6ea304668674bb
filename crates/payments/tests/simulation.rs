//! A seeded simulation of a county's payments over 24 months against a reference model: new
//! grants (some decided late, so months are owed as arrears), rises of the amount, benefits
//! ended, bank accounts mistyped (lines stopped and cancelled, the months paid later as arrears
//! once the account is corrected) and bank failures (re-issued once the account is corrected).
//! Each month runs as the county runs it: generate, clear the stopped lines, review, approve
//! with the password, the bank file read back, the bank's return file reconciled. At the end,
//! every household-month the model says is owed was paid exactly its amount, exactly once,
//! nothing was paid that was not owed, every payroll is reconciled and the ledger verifies.
//!
//! Not simulated here: deaths (the deaths feed stops a line; tested in the service tests),
//! reversals after success, crashes (`jiuzhu bench payroll --crash-trials`), and a rise that
//! reaches back over months still owed (arrears are paid at the amount in force when paid: the
//! model keeps rises and payment problems on different households so it stays exact).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::{Datelike, Months, NaiveDate};
use jiuzhu_accounts::Accounts;
use jiuzhu_domain::casework::BenefitStatus;
use jiuzhu_domain::clock::FixedClock;
use jiuzhu_domain::payment::*;
use jiuzhu_domain::*;
use jiuzhu_payments::{Payments, bankfile};
use jiuzhu_store::*;
use jiuzhu_testkit::conformance::payments::grant;
use jiuzhu_testkit::fixtures::sample_household;
use jiuzhu_testkit::world::*;
use std::collections::HashMap;
use std::sync::Arc;

/// The clock on `day` (10:00 in Beijing).
fn on(day: NaiveDate) -> Arc<FixedClock> {
    Arc::new(FixedClock::at(day.and_hms_opt(2, 0, 0).unwrap().and_utc()))
}

/// SplitMix64: the same months for the same seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// True with probability `per_cent` %.
    fn chance(&mut self, per_cent: u64) -> bool {
        self.next() % 100 < per_cent
    }
}

/// What the model knows of a household.
#[derive(Debug, Default)]
struct Model {
    id: i64,
    village: &'static str,
    benefit: Option<i64>,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    /// (from month, amount in fen), in order.
    amounts: Vec<(NaiveDate, i64)>,
    /// Even households get rises; odd ones get account trouble and bank failures.
    troubled: bool,
    /// Its account is mistyped, or the bank refused it: a new one is due.
    needs_account: bool,
}

impl Model {
    fn owed(&self, month: NaiveDate, last: NaiveDate) -> Option<i64> {
        let since = self.since?;
        if month < since || month > last || self.until.is_some_and(|u| month > u) {
            return None;
        }
        self.amounts.iter().rev().find(|(from, _)| *from <= month).map(|(_, a)| *a)
    }
}

async fn set_account(store: &Arc<dyn Store>, household: i64, account: &str) {
    let h = store.household(household).await.unwrap().unwrap();
    let mut data = h.data.clone();
    data.bank_account = Some(BankAccount { bank: "甘肃省农村信用社".into(), account_no: account.into() });
    store.update_household(household, h.version, &data, &[], &Actor::system("simulation")).await.unwrap();
}

async fn signed_in(accounts: &Accounts, username: &str) -> User {
    let token = accounts.login(username, PASSWORD).await.1.unwrap().token;
    accounts.session(&token).await.unwrap().unwrap().user
}

const HOUSEHOLDS: usize = 30;
const MONTHS: u32 = 24;
/// Months after the simulation with every account put right and nothing new, to settle what is owed.
const SETTLE: u32 = 3;

#[tokio::test]
async fn twenty_four_months_pay_every_household_month_exactly_its_amount_once() {
    simulate(world().await).await;
    if let Some(w) = pg_world("simulation").await {
        simulate(w).await;
    }
}

async fn simulate(w: World) {
    let store = w.store.clone();
    let county = RegionCode::parse(COUNTY).unwrap();
    let first = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    // Another seed: `JIUZHU_SIMULATION_SEED=7 cargo test -p jiuzhu-payments --test simulation`.
    let mut rng = Rng(std::env::var("JIUZHU_SIMULATION_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_270_101));
    let mut fresh_account = 0u64;
    let mut next_account = || {
        fresh_account += 1;
        format!("99{fresh_account:017}")
    };
    let villages = [VILLAGE_A, VILLAGE_B];
    let new: Vec<NewHousehold> = (0..HOUSEHOLDS).map(|i| sample_household(villages[i % 2], "王建国", 100 + 2 * i as u32)).collect();
    let ids = store.insert_households(&new, &Actor::system("simulation")).await.unwrap();
    let mut model: Vec<Model> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Model { id: *id, village: villages[i % 2], troubled: i % 2 == 1, ..Default::default() })
        .collect();
    for m in &model {
        set_account(&store, m.id, &next_account()).await;
    }
    let bad_card = "6228480000000000017"; // a UnionPay card with a wrong check digit

    let last = first.checked_add_months(Months::new(MONTHS + SETTLE - 1)).unwrap();
    for i in 0..MONTHS + SETTLE {
        let month = first.checked_add_months(Months::new(i)).unwrap();
        let settling = i >= MONTHS;
        let today = month.with_day(3).unwrap();
        let accounts = Accounts::new(store.clone(), store.clone(), on(today));
        let payments = Payments::new(&store, accounts.clone(), on(today));
        if month.month() == 1 || i == 0 {
            payments
                .add_budget(None, FundSource::Central, Programme::Dibao, month.year(), Fen::yuan(10_000_000), "模拟预算")
                .await
                .unwrap();
        }

        // This month's events.
        for m in model.iter_mut() {
            if m.needs_account && (settling || rng.chance(60)) {
                set_account(&store, m.id, &next_account()).await;
                m.needs_account = false;
            }
            if settling {
                continue;
            }
            match m.benefit {
                None if rng.chance(25) => {
                    // Decided now, owed from up to two months back (never before the first payroll).
                    let back = (rng.next() % 3) as u32;
                    let since = month.checked_sub_months(Months::new(back)).unwrap().max(first);
                    let amount = 40_000 + (rng.next() % 50) as i64 * 1_000;
                    grant(store.as_ref(), m.id, m.village, amount, since).await;
                    m.benefit = store.household_benefits(m.id).await.unwrap().first().map(|b| b.id);
                    m.since = Some(since);
                    m.amounts.push((since, amount));
                }
                Some(id) if m.until.is_none() => {
                    let mut b = store.benefit(id).await.unwrap().unwrap();
                    if rng.chance(4) {
                        // Ended: this month or last month was the last one paid.
                        let until = month.checked_sub_months(Months::new((rng.next() % 2) as u32)).unwrap().max(m.since.unwrap());
                        b.until_month = Some(until);
                        b.status = BenefitStatus::Ended;
                        store.update_benefit(&b).await.unwrap();
                        m.until = Some(until);
                    } else if !m.troubled && m.since.is_some_and(|s| s < month) && rng.chance(10) {
                        // A rise (the standard went up) from this month.
                        b.monthly_amount = Fen(b.monthly_amount.0 + 2_500);
                        store.update_benefit(&b).await.unwrap();
                        m.amounts.push((month, b.monthly_amount.0));
                    } else if m.troubled && !m.needs_account && rng.chance(8) {
                        set_account(&store, m.id, bad_card).await;
                        m.needs_account = true;
                    }
                }
                _ => {}
            }
        }

        // The month as the county runs it.
        let finance = signed_in(&accounts, "finance_officer_county").await;
        let reviewer = signed_in(&accounts, "town_reviewer_county").await;
        let approver = signed_in(&accounts, "county_approver_county").await;
        let generated = payments.generate(Some(&finance), &county, month).await.unwrap();
        let payroll = generated.iter().find(|(p, _)| p.programme == Programme::Dibao).unwrap().0.clone();
        let blocked = store.payroll_lines(payroll.id, &county, Some(LineState::Blocked), 0, 10_000).await.unwrap();
        for l in &blocked {
            let release = l.block.is_some_and(|b| b.confirmable());
            payments.clear_line(&finance, payroll.id, l.id, release, "模拟：已核实").await.unwrap();
        }
        let payroll = store.payroll(payroll.id).await.unwrap().unwrap();
        if payroll.lines == 0 || payroll.total == Fen::ZERO {
            continue;
        }
        payments.review(&reviewer, payroll.id, "模拟").await.unwrap();
        payments.approve(&approver, payroll.id, PASSWORD, "模拟").await.unwrap();
        let (report, _) =
            payments.export(Some((&finance, PASSWORD)), payroll.id, "pipe-gbk", Vec::new(), |v| Ok(std::io::Cursor::new(v))).await.unwrap();
        assert_eq!(report.total_fen, payroll.total.0);

        // The bank: a troubled household's line fails now and then (its account must be corrected).
        let lines = store.payroll_lines(payroll.id, &county, Some(LineState::Exported), 0, 10_000).await.unwrap();
        let mut ret = Vec::new();
        bankfile::write_return_header("pipe-gbk", &mut ret).unwrap();
        for l in &lines {
            let m = model.iter_mut().find(|m| m.id == l.household_id).unwrap();
            let ok = settling || !m.troubled || !rng.chance(10);
            if !ok {
                m.needs_account = true;
            }
            let account = l.account.as_deref().unwrap_or_default();
            bankfile::write_return_line("pipe-gbk", &mut ret, &l.reference, account, l.amount, ok, if ok { "" } else { "账号不存在" })
                .unwrap();
        }
        let r = payments.reconcile(Some(&finance), payroll.id, None, &ret).await.unwrap();
        assert_eq!((r.exceptions, r.state), (0, Some(PayrollState::Reconciled)), "{month}");
        let again = payments.reconcile(Some(&finance), payroll.id, None, &ret).await.unwrap();
        assert!(again.already_seen, "the same return file twice changes nothing");
    }

    // Every household-month: paid exactly what the model owes, exactly once; nothing else paid.
    let mut paid: HashMap<(i64, NaiveDate), Vec<i64>> = HashMap::new();
    for m in &model {
        for l in store.household_payments(m.id).await.unwrap() {
            if l.state == LineState::Paid {
                paid.entry((m.id, l.benefit_month)).or_default().push(l.amount.0);
            }
        }
    }
    let (mut months_owed, mut arrears_or_reissued) = (0, 0);
    for m in &model {
        let mut month = first;
        while month <= last {
            let got = paid.remove(&(m.id, month)).unwrap_or_default();
            match m.owed(month, last) {
                Some(amount) => {
                    months_owed += 1;
                    if got.len() != 1 {
                        for l in store.household_payments(m.id).await.unwrap() {
                            eprintln!(
                                "{} {} {:?} {:?} {} {:?} {:?} origin={:?}",
                                l.payroll_id, l.benefit_month, l.kind, l.state, l.amount, l.block, l.failure_text, l.origin_line
                            );
                        }
                    }
                    assert_eq!(got, vec![amount], "household {} month {month}: owed {amount} once, paid {got:?} ({m:?})", m.id);
                }
                None => assert!(got.is_empty(), "household {} month {month}: nothing owed, paid {got:?}", m.id),
            }
            month = month.checked_add_months(Months::new(1)).unwrap();
        }
        arrears_or_reissued += store
            .household_payments(m.id)
            .await
            .unwrap()
            .iter()
            .filter(|l| l.state == LineState::Paid && matches!(l.kind, LineKind::Arrears | LineKind::Reissue))
            .count();
    }
    assert!(paid.is_empty(), "paid outside the simulated months: {paid:?}");
    assert!(
        months_owed > 200 && arrears_or_reissued > 10,
        "the simulation exercised the paths: {months_owed} months, {arrears_or_reissued} late"
    );
    let check = Payments::new(&store, Accounts::new(store.clone(), store.clone(), on(last)), on(last)).verify_ledger().await.unwrap();
    assert!(check.problem.is_none(), "{:?}", check.problem);
}
