//! 收款安排: the town reviewer records that a household's benefit goes to the 供养服务机构 of a
//! 特困 person in 集中供养, or to a child's 监护人 (`payment::payee`), with the password again;
//! the finance officer then confirms the new account on the first line it routes (maker ≠
//! checker). Every look at or change of an arrangement is on the trail.

use super::*;
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::casework::{AssistanceKind, BenefitStatus};
use jiuzhu_domain::mask;
use jiuzhu_domain::payment::payee::{Payee, PayeeInput, PayeeRole};
use jiuzhu_domain::{Action, Denial as D};

/// An arrangement as a page shows it: code and account masked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PayeeView {
    pub id: i64,
    pub role: PayeeRole,
    pub name: String,
    pub code_masked: String,
    pub bank: String,
    pub account_masked: String,
    pub basis: String,
    pub recorded_by: String,
    pub recorded_on: chrono::NaiveDate,
}

impl From<&Payee> for PayeeView {
    fn from(p: &Payee) -> Self {
        let d = &p.details;
        PayeeView {
            id: p.id,
            role: d.role,
            name: d.name.clone(),
            code_masked: mask::id_number(&d.code),
            bank: d.bank.clone(),
            account_masked: mask::bank_account_no(&d.account_no),
            basis: d.basis.clone(),
            recorded_by: p.recorded_by.clone(),
            recorded_on: p.recorded_on,
        }
    }
}

impl Payments {
    /// Records an arrangement for a household of the user's town (the password again); one of
    /// the same role is replaced. Applies to the payrolls generated from now on.
    pub async fn set_payee(&self, user: &User, password: &str, household_id: i64, input: &PayeeInput) -> Result<PayeeView> {
        Self::asked_about(user, household_id);
        self.require(user, Permission::ArrangePayee)?;
        user.trail.action(Action::Update);
        let new = input.validate(self.clock.today()).map_err(PaymentError::Invalid)?;
        self.household_in_scope(user, household_id).await?;
        if new.role == PayeeRole::Institution && !self.has_tekun(household_id).await? {
            // It would route nothing: a fact nobody can act on is not recorded.
            return Err(PaymentError::Invalid(
                FieldError::new(
                    "role",
                    "payee.no_tekun",
                    "本户没有特困人员供养待遇：供养服务机构只接收特困人员供养金（未成年人请选择监护人）",
                    "this household has no extreme-poverty support: an institution receives only that (for a child choose guardian)",
                )
                .into(),
            ));
        }
        self.accounts.confirm(user, Guarded::Payroll, password, "password").await?;
        let done = self.store.set_payee(household_id, &new, &user.actor(), self.clock.today()).await?;
        user.trail.fields(&["payee_name", "payee_code", "payee_account"]);
        user.trail.detail(format!("payee={} role={} household={household_id}", done.id, done.details.role.as_str()));
        Ok(PayeeView::from(&done))
    }

    /// Ends an arrangement (the password again): the household's own account from the next payroll.
    pub async fn end_payee(&self, user: &User, password: &str, household_id: i64, payee_id: i64) -> Result<()> {
        Self::asked_about(user, household_id);
        self.require(user, Permission::ArrangePayee)?;
        user.trail.action(Action::Update);
        self.household_in_scope(user, household_id).await?;
        self.accounts.confirm(user, Guarded::Payroll, password, "password").await?;
        match self.store.end_payee(household_id, payee_id, &user.actor()).await {
            Err(StoreError::NotFound) => {
                user.trail.refuse(D::NotFound);
                Err(PaymentError::NotFound)
            }
            r => {
                r?;
                user.trail.detail(format!("payee={payee_id} ended household={household_id}"));
                Ok(())
            }
        }
    }

    /// Whether the household has a 特困 benefit not ended (granted or in its last months).
    async fn has_tekun(&self, household_id: i64) -> Result<bool> {
        let benefits = self.store.household_benefits(household_id).await?;
        Ok(benefits.iter().any(|b| b.kind == AssistanceKind::Tekun && b.status != BenefitStatus::Ended))
    }

    /// The household's live arrangements, masked (read with its payments).
    pub(super) async fn payee_views(&self, household_id: i64) -> Result<Vec<PayeeView>> {
        Ok(self.store.payees(household_id).await?.iter().map(PayeeView::from).collect())
    }

    /// The household asked about, named on the trail before anything is checked (a refusal by
    /// role names it too).
    fn asked_about(user: &User, household_id: i64) {
        user.trail.object(ObjectKind::Household, household_id);
        user.trail.household(household_id);
    }

    /// Refuses (as not found) a household outside the user's scope.
    async fn household_in_scope(&self, user: &User, household_id: i64) -> Result<()> {
        match self.households.household_region(household_id).await? {
            Some(region) if user.scope.contains(&region) => Ok(()),
            found => {
                user.trail.refuse(if found.is_some() { D::OutOfScope } else { D::NotFound });
                Err(PaymentError::NotFound)
            }
        }
    }
}
