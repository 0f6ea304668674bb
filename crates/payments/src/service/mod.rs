//! The payments service: the only door to payrolls. Every method checks the role and the region
//! scope, records what it read or refused on the user's trail, and does its writing in one
//! store transaction. `None` as the user is the command line acting as the system (the
//! operator at the server, with the database and key files).
//!
//! - [`generate`]: the month's payrolls from the benefits in force;
//! - [`decide`]: clearing blocked lines, review, approval (maker ≠ checker, the password again),
//!   rejection, cancellation;
//! - [`bank`]: the bank file written and read back, the bank's return file applied;
//! - [`receivables`]: lines no longer owed stopped, money owed back (应追回) refunded or recorded;
//! - [`rises`]: a rise of the standard applied to the county's benefits (提标, 补差 next payroll);
//! - [`payees`]: where a household's money goes when not to its own account (收款安排);
//! - [`standby`]: the towns' standby funds (乡镇临时救助备用金): imprest, 先行救助, replenishment.

mod bank;
mod decide;
mod generate;
mod migrate;
mod payees;
mod publicity;
mod receivables;
mod rises;
mod standby;

pub use bank::{ExportReport, ReturnFile};
pub use migrate::Migration;
pub use payees::PayeeView;
pub use publicity::PublicPayment;
pub use receivables::FraudDecision;
pub use rises::RiseRequest;
pub use standby::Advance;

use crate::bankfile::BankFileError;
use crate::rules::Settings;
use jiuzhu_accounts::{AccountError, Accounts};
use jiuzhu_domain::payment::{IllegalTransition, LineState};
use jiuzhu_domain::{Actor, Clock, Denial, FieldError, ObjectKind, Permission, RegionCode, User, ValidationErrors};
use jiuzhu_store::*;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The role may not do this at all.
    #[error("forbidden")]
    Forbidden,
    /// Does not exist, or lies outside the user's scope (not told apart).
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// The payroll's state does not allow it.
    #[error(transparent)]
    State(#[from] IllegalTransition),
    /// Maker ≠ checker: the same account generated or reviewed it.
    #[error("the same account cannot check its own payroll")]
    SameAccount,
    /// Blocked lines must be released or cancelled before approval.
    #[error("{0} blocked lines must be cleared first")]
    Blocked(i64),
    /// The funds do not have the money for the payroll (refused whole).
    #[error("the funds' remaining budget is less than the payroll")]
    Budget,
    /// A line already generated with another amount (never overwritten).
    #[error("a line of this payroll already exists with another amount")]
    AmountMismatch,
    /// Someone else changed the payroll (receivable, standby fund) first.
    #[error("it was changed by someone else: reload and try again")]
    Changed,
    #[error(transparent)]
    BankFile(#[from] BankFileError),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for PaymentError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => PaymentError::NotFound,
            StoreError::VersionMismatch { .. } => PaymentError::Changed,
            StoreError::Conflict { constraint } if constraint == "fund_budget" => PaymentError::Budget,
            StoreError::Conflict { constraint } if constraint == "payment_lines_amount" => PaymentError::AmountMismatch,
            StoreError::Conflict { constraint } if constraint.starts_with("payroll") || constraint.starts_with("payment_line") => {
                PaymentError::Changed
            }
            e => PaymentError::Store(e),
        }
    }
}

impl From<AccountError> for PaymentError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Forbidden => PaymentError::Forbidden,
            AccountError::NotFound => PaymentError::NotFound,
            AccountError::Invalid(v) => PaymentError::Invalid(v),
            AccountError::Store(e) => e.into(),
        }
    }
}

impl From<FieldError> for PaymentError {
    fn from(e: FieldError) -> Self {
        PaymentError::Invalid(e.into())
    }
}

impl PaymentError {
    /// The refusal in words a clerk acts on (the English is `Display`); empty for failures of
    /// the system, which are not the user's to fix.
    pub fn zh(&self) -> String {
        match self {
            PaymentError::Forbidden => "您的角色不能办理资金发放".into(),
            PaymentError::NotFound => "没有这张清册，或不在您的管辖范围".into(),
            PaymentError::Invalid(v) => v.0.iter().map(|f| f.zh.clone()).collect::<Vec<_>>().join("；"),
            PaymentError::State(t) => format!("清册当前状态为“{}”，不能{}", t.from.zh(), t.action.zh()),
            PaymentError::SameAccount => "生成或审核清册的账号不能再审核或审批它（须为不同的人）".into(),
            PaymentError::Blocked(n) => format!("还有 {n} 条明细待处理，请先放行或取消"),
            PaymentError::Budget => "资金预算余额不足，整张清册不予审批".into(),
            PaymentError::AmountMismatch => "该月明细已生成且金额不同，不会覆盖；请核对后以调整方式处理".into(),
            PaymentError::Changed => "已被他人处理（数据已变化），请刷新后重试".into(),
            PaymentError::BankFile(b) => b.zh_message(),
            PaymentError::Io(_) | PaymentError::Store(_) => String::new(),
        }
    }
}

pub type Result<T> = std::result::Result<T, PaymentError>;

/// The most lines an Excel copy of a payroll holds (a county's month fits many times over).
pub const MAX_COPY_LINES: i64 = 200_000;

/// The command line's actor.
pub fn system_actor() -> Actor {
    Actor { account_id: None, username: "system（命令行）".into() }
}

/// A payroll as its page shows it: the sums, the lines waiting for the officer, the bank's
/// exceptions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PayrollView {
    pub payroll: Payroll,
    pub totals: PayrollTotals,
    /// Blocked lines (in the user's scope), the first 500.
    pub blocked_lines: Vec<PaymentLine>,
    /// Failed lines (in the user's scope), the first 500.
    pub failed_lines: Vec<PaymentLine>,
    pub exceptions: Vec<ReturnException>,
    /// 乡镇审核: the towns (in the user's scope) that have signed off their part.
    pub town_reviews: Vec<TownSignOff>,
}

/// A household's payment lines (newest first) and its receivables (应追回).
#[derive(Debug, Clone, serde::Serialize)]
pub struct HouseholdPayments {
    pub lines: Vec<PaymentLine>,
    pub receivables: Vec<Receivable>,
    /// 收款安排 in force (masked).
    pub payees: Vec<PayeeView>,
}

pub struct Payments {
    store: Arc<dyn Store>,
    /// Only to know a household's region (its payment history is read in scope).
    households: Arc<dyn HouseholdStore>,
    /// Only to take existing recipients over (存量迁移).
    cases: Arc<dyn CaseStore>,
    accounts: Accounts,
    clock: Arc<dyn Clock>,
    settings: Settings,
}

impl Payments {
    pub fn new(store: &Arc<dyn Store>, accounts: Accounts, clock: Arc<dyn Clock>) -> Payments {
        Payments { store: store.clone(), households: store.clone(), cases: store.clone(), accounts, clock, settings: Settings::default() }
    }

    /// The role check, recorded when refused.
    fn require(&self, user: &User, p: Permission) -> Result<()> {
        if user.can(p) {
            Ok(())
        } else {
            user.trail.refuse(Denial::Role);
            Err(PaymentError::Forbidden)
        }
    }

    /// The payroll if the user may see it: its county holds the user's scope or lies in it.
    async fn payroll_for(&self, user: Option<&User>, id: i64) -> Result<Payroll> {
        if let Some(u) = user {
            u.trail.object(ObjectKind::Payroll, id);
        }
        let Some(p) = self.store.payroll(id).await? else {
            if let Some(u) = user {
                u.trail.refuse(Denial::NotFound);
            }
            return Err(PaymentError::NotFound);
        };
        if let Some(u) = user
            && !overlaps(&u.scope.0, &p.region)
        {
            u.trail.refuse(Denial::OutOfScope);
            return Err(PaymentError::NotFound);
        }
        Ok(p)
    }

    /// Payrolls in the user's scope (of a month, when given).
    pub async fn list(&self, user: &User, month: Option<chrono::NaiveDate>) -> Result<Vec<Payroll>> {
        self.require(user, Permission::ReadPayments)?;
        Ok(self.store.payrolls(&user.scope.0, month).await?)
    }

    /// One payroll with its sums and the lines an officer acts on (identifiers stay in the store
    /// output; pages mask them).
    pub async fn show(&self, user: &User, id: i64) -> Result<PayrollView> {
        self.require(user, Permission::ReadPayments)?;
        let payroll = self.payroll_for(Some(user), id).await?;
        let within = narrower(&user.scope.0, &payroll.region);
        let blocked_lines = self.store.payroll_lines(id, &within, Some(LineState::Blocked), 0, 500).await?;
        let failed_lines = self.store.payroll_lines(id, &within, Some(LineState::Failed), 0, 500).await?;
        // A town's account sees its own part's sums (the payroll's count and total are the county's).
        let totals = self.store.payroll_totals(id, &within).await?;
        for l in blocked_lines.iter().chain(&failed_lines) {
            user.trail.household(l.household_id);
        }
        let exceptions = self.store.return_exceptions(id).await?;
        let (mut town_reviews, _) = self.store.town_sign_offs(id).await?;
        town_reviews.retain(|t| t.town.is_within(&within) || within.is_within(&t.town));
        Ok(PayrollView { payroll, totals, blocked_lines, failed_lines, exceptions, town_reviews })
    }

    /// Every line of a payroll in the user's scope, in id order, for its Excel copy (the most
    /// [`MAX_COPY_LINES`]; the bank file is the whole list). Recorded as a download of the masked
    /// fields the copy holds.
    pub async fn payroll_copy(&self, user: &User, id: i64) -> Result<(Payroll, Vec<PaymentLine>)> {
        use jiuzhu_domain::Action;
        user.trail.action(Action::Download);
        user.trail.fields(&["name_masked", "bank_account_masked", "amount"]);
        self.require(user, Permission::ReadPayments)?;
        let payroll = self.payroll_for(Some(user), id).await?;
        let within = narrower(&user.scope.0, &payroll.region);
        let mut lines = Vec::new();
        let mut after = 0;
        while (lines.len() as i64) < MAX_COPY_LINES {
            let page = self.store.payroll_lines(id, &within, None, after, 5_000.min(MAX_COPY_LINES - lines.len() as i64)).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            lines.extend(page);
        }
        user.trail.detail(format!("payroll={id} copy lines={}", lines.len()));
        Ok((payroll, lines))
    }

    /// A household's payments, newest first, and what it owes back (its page's 发放记录): for those who read the
    /// household, in their scope (the household's 户籍 decides, as for the household itself).
    pub async fn household_payments(&self, user: &User, household_id: i64) -> Result<HouseholdPayments> {
        self.require(user, Permission::ReadHousehold)?;
        user.trail.object(ObjectKind::Household, household_id);
        match self.households.household_region(household_id).await? {
            Some(region) if user.scope.contains(&region) => {}
            found => {
                user.trail.refuse(if found.is_some() { Denial::OutOfScope } else { Denial::NotFound });
                return Err(PaymentError::NotFound);
            }
        }
        user.trail.household(household_id);
        let lines = self.store.household_payments(household_id).await?;
        let receivables = self.store.receivables(&user.scope.0, Some(household_id)).await?;
        let payees = self.payee_views(household_id).await?;
        Ok(HouseholdPayments { lines, receivables, payees })
    }

    pub async fn balances(&self, user: Option<&User>, year: Option<i32>) -> Result<Vec<FundBalance>> {
        if let Some(u) = user {
            self.require(u, Permission::ReadPayments)?;
        }
        Ok(self.store.fund_balances(year).await?)
    }

    /// Adds a fund's budget for a programme and year.
    pub async fn add_budget(
        &self,
        user: Option<&User>,
        fund: jiuzhu_domain::payment::FundSource,
        programme: jiuzhu_domain::payment::Programme,
        year: i32,
        amount: jiuzhu_domain::Fen,
        memo: &str,
    ) -> Result<()> {
        if let Some(u) = user {
            self.require(u, Permission::ManagePayments)?;
        }
        if amount.0 <= 0 {
            return Err(FieldError::new("amount", "money.positive", "预算金额应大于 0", "the budget must be more than 0").into());
        }
        if programme.budget() != programme {
            // A budget nothing would draw on.
            return Err(FieldError::new(
                "programme",
                "budget.programme",
                format!("{}由{}预算支付，请将预算列入{}", programme.zh(), programme.budget().zh(), programme.budget().zh()),
                format!("{} is paid from the {} budget: add the budget there", programme.en(), programme.budget().en()),
            )
            .into());
        }
        if memo.trim().is_empty() {
            return Err(FieldError::new("memo", "required", "请填写预算依据（文号）", "give the budget's basis (document number)").into());
        }
        let by = user.map(User::actor).unwrap_or_else(system_actor);
        Ok(self.store.add_budget(fund, programme, year, amount, memo.trim(), &by).await?)
    }

    /// `ledger verify`.
    pub async fn verify_ledger(&self) -> Result<LedgerCheck> {
        Ok(self.store.verify_ledger().await?)
    }
}

/// Whether one region holds the other (a town's account and its county's payroll, or the
/// reverse).
fn overlaps(a: &RegionCode, b: &RegionCode) -> bool {
    a.is_within(b) || b.is_within(a)
}

/// The narrower of two overlapping regions.
fn narrower(a: &RegionCode, b: &RegionCode) -> RegionCode {
    if a.is_within(b) { a.clone() } else { b.clone() }
}
