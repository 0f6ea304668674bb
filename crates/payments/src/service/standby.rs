//! 乡镇临时救助备用金: the county sets each town's imprest and per-payment limit (资金管理员); the
//! town pays 先行救助 out of it at once (乡镇审核人员, the household of its own town, within the
//! limit and the cash); the county replenishes the town's vouchers from the 临时救助 budget (the
//! password again). The store keeps `cash + outstanding vouchers = imprest`.

use super::*;
use chrono::Datelike;
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::trail::Denial as D;
use jiuzhu_domain::{Action, Fen, RegionLevel};

/// The town (9 digits) a code lies in.
fn town_of(code: &RegionCode) -> Option<RegionCode> {
    code.as_str().get(..9).and_then(|t| RegionCode::parse(t).ok())
}

/// A 先行救助 as the town's officer enters it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advance {
    /// 0 when the form's number could not be read.
    pub household_id: i64,
    /// Zero when the form's amount could not be read.
    pub amount: Fen,
    pub reason: String,
    /// The approved 临时救助 case (先行救助 granted in casework) this pays, when there is one:
    /// the payroll then owes that case nothing. 0 when the form's number could not be read.
    pub case_id: Option<i64>,
}

impl Payments {
    /// The standby funds the user may see: a county account every town's, a town account its own.
    pub async fn standby(&self, user: &User) -> Result<Vec<(StandbyAccount, Vec<StandbyVoucher>)>> {
        if !user.can(Permission::ReadPayments) && !user.can(Permission::PayAdvance) {
            user.trail.refuse(Denial::Role);
            return Err(PaymentError::Forbidden);
        }
        let mut out = Vec::new();
        for a in self.store.standby_accounts(&user.scope.0).await? {
            let vouchers = self.store.standby_vouchers(&a.town, 200).await?;
            for v in &vouchers {
                user.trail.household(v.household_id);
            }
            out.push((a, vouchers));
        }
        Ok(out)
    }

    /// The standby funds and vouchers for their Excel copy: recorded as a download.
    pub async fn standby_copy(&self, user: &User) -> Result<Vec<(StandbyAccount, Vec<StandbyVoucher>)>> {
        user.trail.action(Action::Download);
        user.trail.fields(&["amount", "reason"]);
        self.standby(user).await
    }

    /// Sets a town's imprest and per-payment limit (the county's finance officer; the command
    /// line as the system). `version` is the account's as read (none for a new one).
    pub async fn set_standby(
        &self,
        user: Option<&User>,
        town: &str,
        version: Option<i64>,
        imprest: Fen,
        limit: Fen,
    ) -> Result<StandbyAccount> {
        if let Some(u) = user {
            self.require(u, Permission::ManagePayments)?;
            u.trail.action(Action::Decide);
        }
        let typed = town.trim();
        let Some(town) = RegionCode::parse(typed).ok().filter(|t| t.level() == RegionLevel::Town) else {
            return Err(FieldError::new(
                "town",
                "standby.town",
                format!("“{typed}”不是乡镇（街道）代码（9 位）"),
                format!("\"{typed}\" is not a town code (9 digits)"),
            )
            .into());
        };
        let town = &town;
        if let Some(u) = user
            && !town.is_within(&u.scope.0)
        {
            u.trail.refuse(D::OutOfScope);
            return Err(PaymentError::NotFound);
        }
        let mut errors = Vec::new();
        if imprest.0 < 0 {
            errors.push(FieldError::new("imprest", "money.non_negative", "备用金定额不能为负数", "the imprest cannot be negative"));
        }
        if limit.0 <= 0 || limit > imprest {
            errors.push(FieldError::new(
                "payment_limit",
                "standby.limit",
                "单笔限额应大于 0 且不超过备用金定额",
                "the per-payment limit must be more than 0 and at most the imprest",
            ));
        }
        if !errors.is_empty() {
            return Err(PaymentError::Invalid(ValidationErrors(errors)));
        }
        let by = user.map(User::actor).unwrap_or_else(system_actor);
        let year = self.clock.today().year();
        self.store.set_standby(town, version, imprest, limit, year, &by).await.map_err(|e| -> PaymentError {
            match e {
                StoreError::Conflict { constraint } if constraint == "standby_cash" => FieldError::new(
                    "imprest",
                    "standby.cash",
                    "减少的定额超过现有库存现金：请先报账再调减",
                    "the cut is larger than the cash on hand: replenish the vouchers first",
                )
                .into(),
                StoreError::VersionMismatch { .. } if version.is_none() => FieldError::new(
                    "town",
                    "standby.exists",
                    format!("{town} 已设立备用金：请在该乡镇下方调整定额"),
                    format!("{town} already has a standby fund: change it under the town"),
                )
                .into(),
                e => e.into(),
            }
        })
    }

    /// 先行救助 out of the town's standby fund, for a household of the user's town.
    pub async fn pay_advance(&self, user: &User, a: &Advance) -> Result<StandbyVoucher> {
        self.require(user, Permission::PayAdvance)?;
        user.trail.action(Action::Decide);
        let mut errors = Vec::new();
        if a.household_id <= 0 {
            errors.push(FieldError::new(
                "household_id",
                "household.id",
                "请填写家庭编号（家庭页面上的 # 号）",
                "give the household's number (# on its page)",
            ));
        }
        if a.amount.0 <= 0 {
            errors.push(FieldError::new(
                "amount",
                "money.positive",
                "救助金额应为大于 0 的金额（元）",
                "the amount must be more than 0 yuan",
            ));
        }
        let reason = a.reason.trim();
        if reason.is_empty() {
            errors.push(FieldError::new("reason", "required", "请填写先行救助事由", "give the reason for the emergency help"));
        }
        if a.case_id.is_some_and(|c| c <= 0) {
            errors.push(FieldError::new(
                "case_id",
                "case.id",
                "请填写案件编号（案件页面上的 # 号），或留空",
                "give the case's number (# on its page), or leave it empty",
            ));
        }
        if !errors.is_empty() {
            return Err(PaymentError::Invalid(ValidationErrors(errors)));
        }
        user.trail.object(ObjectKind::Household, a.household_id);
        let region = match self.households.household_region(a.household_id).await? {
            Some(region) if user.scope.contains(&region) => region,
            found => {
                user.trail.refuse(if found.is_some() { D::OutOfScope } else { D::NotFound });
                return Err(PaymentError::NotFound);
            }
        };
        user.trail.household(a.household_id);
        let Some(town) = town_of(&region) else { return Err(PaymentError::NotFound) };
        if let Some(case_id) = a.case_id {
            self.check_case_paid(a, case_id).await?;
        }
        let new = NewAdvance {
            town: town.clone(),
            household_id: a.household_id,
            region,
            amount: a.amount,
            reason: reason.to_string(),
            paid_on: self.clock.today(),
            case_id: a.case_id,
        };
        let account = self.store.standby_accounts(&town).await?.into_iter().find(|x| x.town == town);
        let v = self.store.pay_advance(&new, &user.actor()).await.map_err(|e| -> PaymentError {
            match (e, &account) {
                (StoreError::NotFound, _) => FieldError::new(
                    "town",
                    "standby.none",
                    "本乡镇尚未设立临时救助备用金，请联系县民政局",
                    "this town has no standby fund yet: ask the county",
                )
                .into(),
                (StoreError::Conflict { constraint }, Some(acc)) if constraint == "standby_limit" => FieldError::new(
                    "amount",
                    "standby.limit",
                    format!("超过单笔限额 {} 元：请按临时救助程序报县级审批", acc.payment_limit),
                    format!("over the per-payment limit of {} yuan: apply for temporary assistance through the county", acc.payment_limit),
                )
                .into(),
                (StoreError::Conflict { constraint }, Some(acc)) if constraint == "standby_cash" => FieldError::new(
                    "amount",
                    "standby.cash",
                    format!("备用金库存不足（现有 {} 元）：请先向县级报账补足", acc.cash),
                    format!("not enough cash in the fund ({} yuan): have the county replenish it first", acc.cash),
                )
                .into(),
                (StoreError::Conflict { constraint }, _) if constraint == "standby_case_paid" => FieldError::new(
                    "case_id",
                    "standby.case_paid",
                    "该案件已由备用金支付过，不能重复支付",
                    "this case was already paid from the standby fund",
                )
                .into(),
                (StoreError::Conflict { constraint }, _) if constraint == "standby_case_in_payroll" => FieldError::new(
                    "case_id",
                    "standby.case_in_payroll",
                    "该案件的救助金已列入发放清册，不能再从备用金支付（如需改由备用金支付，请资金管理员先取消清册中的该笔明细）",
                    "this case's money is already in a payroll: have the finance officer cancel that line first",
                )
                .into(),
                (e, _) => e.into(),
            }
        })?;
        user.trail.detail(format!("standby voucher={} amount={}", v.id, v.amount.0));
        Ok(v)
    }

    /// The case a voucher names must be this household's approved 临时救助 for this amount.
    async fn check_case_paid(&self, a: &Advance, case_id: i64) -> Result<()> {
        let wrong = |zh: String, en: String| PaymentError::from(FieldError::new("case_id", "standby.case", zh, en));
        let Some(case) = self.cases.case(case_id).await? else {
            return Err(wrong(format!("没有 #{case_id} 号案件"), format!("there is no case #{case_id}")));
        };
        if case.data.household_id != a.household_id || case.data.kind != AssistanceKind::Temporary {
            return Err(wrong(
                format!("#{case_id} 号案件不是本户的临时救助"),
                format!("case #{case_id} is not this household's temporary assistance"),
            ));
        }
        let granted = match case.data.benefit_id {
            Some(b) => self.cases.benefit(b).await?,
            None => None,
        };
        let Some(benefit) = granted else {
            return Err(wrong(format!("#{case_id} 号案件尚未批准救助金额"), format!("case #{case_id} has no amount granted yet")));
        };
        if benefit.one_off_amount != a.amount {
            return Err(wrong(
                format!("金额与 #{case_id} 号案件批准的 {} 元不一致", benefit.one_off_amount),
                format!("the amount differs from the {} yuan case #{case_id} granted", benefit.one_off_amount),
            ));
        }
        Ok(())
    }

    /// 报账: every outstanding voucher of the town replenished from the county's 临时救助 budget
    /// (the county's finance officer, the password again).
    pub async fn replenish_standby(&self, user: &User, password: &str, town: &str) -> Result<StandbyAccount> {
        self.require(user, Permission::ManagePayments)?;
        user.trail.action(Action::Decide);
        self.accounts.confirm(user, Guarded::Payroll, password, "password").await?;
        let Ok(town) = RegionCode::parse(town.trim()) else { return Err(PaymentError::NotFound) };
        let town = &town;
        if !town.is_within(&user.scope.0) {
            user.trail.refuse(D::OutOfScope);
            return Err(PaymentError::NotFound);
        }
        let ids: Vec<i64> =
            self.store.standby_vouchers(town, 100_000).await?.iter().filter(|v| v.replenished_at.is_none()).map(|v| v.id).collect();
        if ids.is_empty() {
            return Err(FieldError::new("town", "standby.nothing", "没有待报账的凭证", "no vouchers waiting to be replenished").into());
        }
        user.trail.detail(format!("standby town={town} vouchers={}", ids.len()));
        let year = self.clock.today().year();
        Ok(self.store.replenish_standby(town, &ids, year, &user.actor()).await?)
    }
}
