//! 应追回 and stops: lines no longer owed cancelled before money leaves, receivables listed,
//! recorded from a fraud decision, and refunds taken in. Offsets are the rules' part of
//! generation.

use super::*;
use crate::rules::stop_reason;
use jiuzhu_domain::Fen;
use jiuzhu_domain::payment::{Programme, ReceivableReason};
use jiuzhu_domain::trail::Denial as D;
use jiuzhu_domain::{Action, access::Guarded};
use std::collections::BTreeMap;

/// A fraud receivable as the approver records it (暂行办法第六十八条).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FraudDecision {
    /// 0 when the form's number could not be read (named as the field's error).
    pub household_id: i64,
    /// `None` when none was chosen.
    pub programme: Option<Programme>,
    /// Zero when the form's amount could not be read.
    pub amount: Fen,
    /// The decision's document number and what it found.
    pub note: String,
}

impl Payments {
    /// Cancels the payroll's lines for months after a death or an end, or held by a review,
    /// recorded since it was generated (before approval and again before export: money never
    /// leaves for them; a held month is paid as arrears once the review releases it).
    /// Returns the payroll as it is after.
    pub(super) async fn apply_stops(&self, by: &Actor, payroll: Payroll) -> Result<Payroll> {
        let mut by_note: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for s in self.store.line_stops(payroll.id).await? {
            if let Some(note) = stop_reason(s.benefit_month, s.payee_died_on, s.until_month, s.held_from) {
                by_note.entry(note).or_default().push(s.line_id);
            }
        }
        let mut p = payroll;
        for (note, ids) in by_note {
            p = self.store.cancel_lines(p.id, &ids, &note, by).await?;
        }
        Ok(p)
    }

    /// Receivables in the user's scope (of one household when given).
    pub async fn receivables(&self, user: &User, household_id: Option<i64>) -> Result<Vec<Receivable>> {
        self.require(user, Permission::ReadPayments)?;
        let list = self.store.receivables(&user.scope.0, household_id).await?;
        for r in &list {
            user.trail.household(r.household_id);
        }
        Ok(list)
    }

    /// The receivables for their Excel copy: recorded as a download.
    pub async fn receivables_copy(&self, user: &User) -> Result<Vec<Receivable>> {
        user.trail.action(Action::Download);
        user.trail.fields(&["amount", "note"]);
        self.receivables(user, None).await
    }

    async fn receivable_for(&self, user: &User, id: i64) -> Result<Receivable> {
        user.trail.object(ObjectKind::Receivable, id);
        match self.store.receivable(id).await? {
            Some(r) if r.region.is_within(&user.scope.0) => {
                user.trail.household(r.household_id);
                Ok(r)
            }
            found => {
                user.trail.refuse(if found.is_some() { D::OutOfScope } else { D::NotFound });
                Err(PaymentError::NotFound)
            }
        }
    }

    /// 退回: the household paid back `amount` (at most what it still owes); the money is
    /// available to the funds again. The finance officer records it with the receipt's number.
    pub async fn refund(&self, user: &User, id: i64, version: i64, amount: Fen, memo: &str) -> Result<Receivable> {
        self.require(user, Permission::ManagePayments)?;
        let r = self.receivable_for(user, id).await?;
        user.trail.action(Action::Decide);
        let memo = memo.trim();
        if memo.is_empty() {
            return Err(FieldError::new("memo", "required", "请填写缴款凭证号", "give the receipt's number").into());
        }
        if amount.0 <= 0 || amount > r.outstanding {
            return Err(FieldError::new(
                "amount",
                "receivable.amount",
                format!("退回金额应为大于 0 的金额（元），且不超过尚欠的 {} 元", r.outstanding),
                format!("the refund must be more than 0 and at most the {} yuan still owed", r.outstanding),
            )
            .into());
        }
        user.trail.detail(format!("receivable={id} refund={}", amount.0));
        self.store.refund_receivable(id, version, amount, memo, chrono::Datelike::year(&self.clock.today()), &user.actor()).await.map_err(
            |e| match e {
                StoreError::Conflict { constraint } if constraint == "receivable_outstanding" => PaymentError::Changed,
                e => e.into(),
            },
        )
    }

    /// Records the amount a fraud decision orders recovered (县级, the password again). It is
    /// withheld from the household's later lines within the cap, or refunded.
    pub async fn record_fraud(&self, user: &User, password: &str, d: &FraudDecision) -> Result<Receivable> {
        self.require(user, Permission::ApprovePayroll)?;
        user.trail.object(ObjectKind::Household, d.household_id);
        user.trail.action(Action::Decide);
        self.accounts.confirm(user, Guarded::Payroll, password, "password").await?;
        let mut errors = Vec::new();
        if d.household_id <= 0 {
            errors.push(FieldError::new(
                "household_id",
                "household.id",
                "请填写家庭编号（家庭页面上的 # 号）",
                "give the household's number (# on its page)",
            ));
        }
        if d.programme.is_none() {
            errors.push(FieldError::new("programme", "required", "请选择救助类型", "choose the programme"));
        }
        if d.amount.0 <= 0 {
            errors.push(FieldError::new(
                "amount",
                "money.positive",
                "追回金额应为大于 0 的金额（元）",
                "the amount must be more than 0 yuan",
            ));
        }
        let note = d.note.trim();
        if note.is_empty() {
            errors.push(FieldError::new(
                "note",
                "required",
                "请填写处理决定书文号及认定事实",
                "give the decision's document number and what it found",
            ));
        }
        let (false, Some(programme)) = (!errors.is_empty(), d.programme) else {
            return Err(PaymentError::Invalid(ValidationErrors(errors)));
        };
        let region = match self.households.household_region(d.household_id).await? {
            Some(region) if user.scope.contains(&region) => region,
            found => {
                user.trail.refuse(if found.is_some() { D::OutOfScope } else { D::NotFound });
                return Err(PaymentError::NotFound);
            }
        };
        user.trail.household(d.household_id);
        let new = NewReceivable {
            household_id: d.household_id,
            region,
            programme,
            reason: ReceivableReason::Fraud,
            amount: d.amount,
            origin_line: None,
            note: note.to_string(),
        };
        let r = self.store.record_receivable(&new, &user.actor()).await?;
        user.trail.detail(format!("receivable={} fraud amount={}", r.id, r.amount.0));
        Ok(r)
    }
}
