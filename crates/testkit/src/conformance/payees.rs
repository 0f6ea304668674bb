//! Conformance: 收款安排 ([`PaymentStore::set_payee`]): one live arrangement per household and
//! role, replaced and ended with the household's history, read back in clear by generation only.

use super::payments::{month, new_payroll, recipient, regular};
use super::*;
use jiuzhu_domain::payment::Programme;
use jiuzhu_domain::payment::payee::{CareTerms, PayeeDetails, PayeeRole};

fn institution(account_no: &str) -> PayeeDetails {
    PayeeDetails {
        role: PayeeRole::Institution,
        name: "某县中心敬老院".into(),
        code: "91350100M000100Y43".into(),
        bank: "农商银行".into(),
        account_no: account_no.into(),
        basis: "集中供养协议 2027-003".into(),
        care: None,
    }
}

fn carer(account_no: &str, from: u32) -> PayeeDetails {
    PayeeDetails {
        role: PayeeRole::Carer,
        name: "王桂兰".into(),
        code: "110101196503070022".into(),
        bank: "农商银行".into(),
        account_no: account_no.into(),
        basis: "委托照料服务协议 2027-011".into(),
        care: Some(CareTerms { monthly: Fen(30_000), from_month: month(from) }),
    }
}

/// Set, replaced, ended: the live ones read back whole, the old kept out of the sources, each
/// change in the household's history masked; a line keeps whose account it pays.
pub async fn arrangements_are_replaced_and_ended_with_history_and_reach_the_sources(s: &dyn Store) {
    let h = recipient(s, "620825100201", 61, 81_000).await;
    let other = recipient(s, "620825100201", 62, 81_000).await;
    let on = month(1);
    let first = s.set_payee(h, &institution("6228480000000000034"), &actor(), on).await.unwrap();
    let guardian = PayeeDetails {
        role: PayeeRole::Guardian,
        name: "李秀英".into(),
        code: "620102195001011235".into(),
        bank: "邮储银行".into(),
        account_no: "6228480000000000042".into(),
        basis: "村委会指定监护".into(),
        care: None,
    };
    s.set_payee(h, &guardian, &actor(), on).await.unwrap();
    // The same role again replaces it (one live per household and role).
    let second = s.set_payee(h, &institution("6228480000000000059"), &actor(), on).await.unwrap();
    assert_ne!(first.id, second.id);
    let live = s.payees(h).await.unwrap();
    assert_eq!(
        live.iter().map(|p| (p.details.role, p.details.account_no.as_str())).collect::<Vec<_>>(),
        [(PayeeRole::Guardian, "6228480000000000042"), (PayeeRole::Institution, "6228480000000000059")]
    );
    assert_eq!(
        (live[1].details.code.as_str(), live[1].recorded_on, live[1].recorded_by.as_str()),
        ("91350100M000100Y43", on, actor().username.as_str())
    );
    assert!(s.payees(other).await.unwrap().is_empty());
    // Ending: only a live one of this household.
    assert!(matches!(s.end_payee(other, live[0].id, &actor()).await, Err(StoreError::NotFound)));
    s.end_payee(h, live[0].id, &actor()).await.unwrap();
    assert!(matches!(s.end_payee(h, live[0].id, &actor()).await, Err(StoreError::NotFound)));
    assert_eq!(s.payees(h).await.unwrap().len(), 1);
    // History: four changes, the accounts masked, never in clear.
    let history = s.history(h).await.unwrap();
    let payee_changes: Vec<_> = history.iter().filter(|e| e.field.starts_with("payee.")).collect();
    assert_eq!(payee_changes.len(), 4, "{history:?}");
    assert!(payee_changes.iter().all(|e| !e.new.contains("6228480000000000059") && !e.old.contains("6228480000000000034")));
    assert!(payee_changes.iter().any(|e| e.field == "payee.guardian" && e.new.is_empty() && e.old.contains("李秀英")));
    // Generation sees the live arrangement; a line keeps whose account it pays.
    let mut seen: Vec<PayrollSource> = Vec::new();
    let mut build = |src: &[PayrollSource]| {
        seen.extend(src.iter().cloned());
        let mut lines = regular(month(1), 0)(src).lines;
        for l in lines.iter_mut().filter(|l| l.household_id == h) {
            l.payee_role = Some(PayeeRole::Institution);
            l.account = Some("6228480000000000059".into());
        }
        lines.into()
    };
    let (p, _) = s.generate_payroll(&new_payroll(month(1)), &mut build).await.unwrap();
    let mine = seen.iter().find(|x| x.household_id == h).unwrap();
    assert_eq!(
        mine.payees.iter().map(|p| (p.details.role, p.details.name.as_str())).collect::<Vec<_>>(),
        [(PayeeRole::Institution, "某县中心敬老院")]
    );
    assert!(seen.iter().find(|x| x.household_id == other).unwrap().payees.is_empty());
    let lines = s.payroll_lines(p.id, &code("620825"), None, 0, 10).await.unwrap();
    let roles: Vec<_> = lines.iter().map(|l| (l.household_id, l.payee_role)).collect();
    assert!(roles.contains(&(h, Some(PayeeRole::Institution))) && roles.contains(&(other, None)), "{roles:?}");
    assert_eq!(s.household_payments(h).await.unwrap()[0].payee_role, Some(PayeeRole::Institution));
}

/// 照料护理人: a carer's first month is one not yet generated for 特困 in the county; a carer
/// replaced or ended keeps the months already generated (and only those), and generation sees an
/// ended carer with their months.
pub async fn a_carers_months_never_reach_into_a_generated_month(s: &dyn Store) {
    let h = recipient(s, "620825100201", 63, 81_000).await;
    let first = s.set_payee(h, &carer("6228480000000000067", 1), &actor(), month(1)).await.unwrap();
    assert_eq!(first.details.care, Some(CareTerms { monthly: Fen(30_000), from_month: month(1) }));
    // January's 特困 payroll is generated: January is frozen.
    let tekun = NewPayroll { programme: Programme::Tekun, ..new_payroll(month(1)) };
    s.generate_payroll(&tekun, &mut regular(month(1), 0)).await.unwrap();
    let refused = s.set_payee(h, &carer("6228480000000000075", 1), &actor(), month(1)).await;
    assert!(matches!(&refused, Err(StoreError::Conflict { constraint }) if constraint == "payees_care_from"), "{refused:?}");
    assert_eq!(s.payees(h).await.unwrap()[0].id, first.id, "a refusal changes nothing");
    // From February: the first carer keeps January only.
    let second = s.set_payee(h, &carer("6228480000000000075", 2), &actor(), month(1)).await.unwrap();
    // Ended before February was generated: it never began.
    s.end_payee(h, second.id, &actor()).await.unwrap();
    assert!(s.payees(h).await.unwrap().is_empty());
    let mut seen: Vec<PayrollSource> = Vec::new();
    let mut build = |src: &[PayrollSource]| {
        seen.extend(src.iter().cloned());
        Batch::default()
    };
    s.generate_payroll(&new_payroll(month(2)), &mut build).await.unwrap();
    let mine = seen.iter().find(|x| x.household_id == h).unwrap();
    let carers: Vec<_> = mine.payees.iter().map(|p| (p.id, p.details.care.map(|c| c.from_month), p.care_until)).collect();
    assert_eq!(carers, [(first.id, Some(month(1)), Some(month(1)))]);
    assert_eq!(mine.payees[0].details.account_no, "6228480000000000067");
    // The history names the terms, the account masked.
    let history = s.history(h).await.unwrap();
    let carer_changes: Vec<_> = history.iter().filter(|e| e.field == "payee.carer").collect();
    assert_eq!(carer_changes.len(), 3, "{history:?}");
    assert!(carer_changes.iter().any(|e| e.new.contains("照料护理费 300.00 元/月")));
    assert!(carer_changes.iter().all(|e| !e.new.contains("6228480000000000075")));
}
