//! 收款安排: the town reviewer records that a household's benefit goes to the 供养服务机构 of a
//! 特困 person in 集中供养, to a child's 监护人, or its 照料护理费 to the 照料护理人 of a 特困
//! person cared for at home (`payment::payee`), with the password again;
//! the finance officer then confirms the new account on the first line it routes (maker ≠
//! checker). Every look at or change of an arrangement is on the trail.

use super::*;
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::casework::{AssistanceKind, BenefitStatus};
use jiuzhu_domain::mask;
use jiuzhu_domain::payment::payee::{CareTerms, Payee, PayeeDetails, PayeeInput, PayeeRole};
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
    /// A carer's 照料护理费 a month and first month.
    pub care: Option<CareTerms>,
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
            care: d.care,
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
        self.fits_the_household(household_id, &new).await?;
        self.accounts.confirm(user, Guarded::Payroll, password, "password").await?;
        let done = match self.store.set_payee(household_id, &new, &user.actor(), self.clock.today()).await {
            Err(StoreError::Conflict { constraint }) if constraint == "payees_care_from" => return Err(month_generated().into()),
            r => r?,
        };
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

    /// Refuses an arrangement that would route nothing or contradict another (a fact nobody can
    /// act on is not recorded): an institution or a carer needs 特困 support not ended; a person
    /// in an institution has no carer at home, and the other way round; a carer's 照料护理费 is at
    /// most the person's monthly amount.
    async fn fits_the_household(&self, household_id: i64, new: &PayeeDetails) -> Result<()> {
        let refuse = |field: &'static str, code: &'static str, zh: String, en: String| {
            Err(PaymentError::Invalid(FieldError::new(field, code, zh, en).into()))
        };
        if new.role == PayeeRole::Guardian {
            return Ok(());
        }
        let benefits = self.store.household_benefits(household_id).await?;
        let Some(tekun) = benefits.iter().find(|b| b.kind == AssistanceKind::Tekun && b.status != BenefitStatus::Ended) else {
            return refuse(
                "payee_role",
                "payee.no_tekun",
                format!("本户没有特困人员供养待遇：{}只用于特困人员（未成年人请选择监护人）", new.role.zh()),
                format!(
                    "this household has no extreme-poverty support: a {} is for that only (for a child choose guardian)",
                    new.role.en()
                ),
            );
        };
        let other = match new.role {
            PayeeRole::Institution => PayeeRole::Carer,
            _ => PayeeRole::Institution,
        };
        if self.store.payees(household_id).await?.iter().any(|p| p.details.role == other) {
            return refuse(
                "payee_role",
                "payee.care_or_institution",
                format!("本户已登记{}：集中供养与分散供养照料不能并存，请先终止原安排", other.zh()),
                format!(
                    "this household has a {} recorded: institutional care and care at home exclude each other; end it first",
                    other.en()
                ),
            );
        }
        match new.care {
            Some(c) if c.monthly > tekun.monthly_amount => refuse(
                "care_amount",
                "payee.care_over_amount",
                format!("照料护理费 {} 元超过本户特困人员供养金月额 {} 元", c.monthly, tekun.monthly_amount),
                format!("the care allowance {} exceeds the household's monthly support {}", c.monthly, tekun.monthly_amount),
            ),
            _ => Ok(()),
        }
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

/// A carer's first month already in a payroll: the months generated stay as they were frozen.
fn month_generated() -> FieldError {
    FieldError::new(
        "from_month",
        "payee.care_from_generated",
        "该月份的特困人员供养金清册已经生成：照料护理费只能从尚未生成清册的月份开始",
        "that month's payroll is already generated: the care allowance can start only in a month not yet generated",
    )
}
