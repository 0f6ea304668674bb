//! 乡镇临时救助备用金: one imprest account per town. 先行救助 is paid out of its cash at once (a
//! voucher, 凭证); the county replenishes the vouchers (报账) from the 临时救助 budget, which
//! restores the cash. At every commit `cash + outstanding vouchers = imprest`; the store refuses
//! anything that would break it.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::{Actor, Fen, RegionCode};
use serde::Serialize;

/// A town's standby fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandbyAccount {
    pub town: RegionCode,
    /// 定额: what the county advanced to the town.
    pub imprest: Fen,
    /// 单笔限额: the most one 先行救助 may pay out of it.
    pub payment_limit: Fen,
    /// 库存现金 (or the town's bank balance of it).
    pub cash: Fen,
    /// Vouchers not yet replenished: how many and how much.
    pub outstanding: i64,
    pub outstanding_total: Fen,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// 先行救助 paid out of a town's standby fund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdvance {
    pub town: RegionCode,
    pub household_id: i64,
    /// The household's 户籍 (village).
    pub region: RegionCode,
    pub amount: Fen,
    pub reason: String,
    pub paid_on: NaiveDate,
    /// The approved 临时救助 case it pays (先行救助 granted in casework): the payroll then owes
    /// the case nothing.
    pub case_id: Option<i64>,
}

/// 凭证: one payment out of a standby fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandbyVoucher {
    pub id: i64,
    pub town: RegionCode,
    pub household_id: i64,
    pub region: RegionCode,
    pub amount: Fen,
    pub reason: String,
    pub paid_on: NaiveDate,
    pub paid_by: String,
    pub paid_at: DateTime<Utc>,
    pub replenished_at: Option<DateTime<Utc>>,
    pub replenished_by: Option<String>,
    /// The 临时救助 case it pays, when named.
    pub case_id: Option<i64>,
}

#[async_trait]
pub trait StandbyStore: Send + Sync {
    /// Sets a town's imprest and per-payment limit (creating the account with its cash equal to the
    /// imprest). A change moves the cash by the difference; a cut larger than the cash is
    /// `Conflict { "standby_cash" }`. The imprest's change is posted in the fund ledger (fund
    /// `standby`, programme `temporary`, the year given) as money the county advanced.
    async fn set_standby(
        &self,
        town: &RegionCode,
        version: Option<i64>,
        imprest: Fen,
        limit: Fen,
        year: i32,
        by: &Actor,
    ) -> Result<StandbyAccount>;
    /// Accounts of the towns inside `within` (or the town holding it).
    async fn standby_accounts(&self, within: &RegionCode) -> Result<Vec<StandbyAccount>>;
    /// Pays a 先行救助 out of the town's cash: `Conflict { "standby_limit" }` above the
    /// per-payment limit, `Conflict { "standby_cash" }` above the cash, `NotFound` without an account;
    /// naming a case another voucher names: `Conflict { "standby_case_paid" }`, a case a payment line
    /// (not cancelled) already pays: `Conflict { "standby_case_in_payroll" }`.
    async fn pay_advance(&self, a: &NewAdvance, by: &Actor) -> Result<StandbyVoucher>;
    /// A town's vouchers, outstanding first, newest first.
    async fn standby_vouchers(&self, town: &RegionCode, limit: i64) -> Result<Vec<StandbyVoucher>>;
    /// 报账: replenishes the town's outstanding vouchers `ids` (all of them must be outstanding and
    /// the town's, else `Conflict { "standby_voucher" }`): the cash comes back, and the county's
    /// 临时救助 budget of `year` pays it (funds drawn in order; `Conflict { "fund_budget" }` and
    /// nothing changes when they lack it).
    async fn replenish_standby(&self, town: &RegionCode, ids: &[i64], year: i32, by: &Actor) -> Result<StandbyAccount>;
}
