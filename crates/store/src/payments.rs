//! 资金发放: monthly payrolls (发放清册) frozen with their lines, the bank's answers, and the fund
//! ledger (资金台账) whose postings are sealed in a chain.
//!
//! Exactly once is the database's job, not the caller's: at most one *live* line per
//! (household, programme, benefit month, kind) is a unique index, and at most one payroll not
//! rejected or cancelled per (region, programme, month) another.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::casework::{AssistanceKind, BenefitStatus};
use jiuzhu_domain::payment::amounts::AmountChange;
use jiuzhu_domain::payment::payee::{Payee, PayeeDetails, PayeeRole};
use jiuzhu_domain::payment::{BlockReason, FundSource, LineKind, LineState, PayrollAction, PayrollState, Programme, ReceivableReason};
use jiuzhu_domain::{Actor, Fen, RegionCode};
use serde::Serialize;

/// 发放清册: one county × programme × month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payroll {
    pub id: i64,
    pub region: RegionCode,
    pub programme: Programme,
    pub month: NaiveDate,
    pub state: PayrollState,
    pub version: i64,
    /// Lines not cancelled, their total, and how many are blocked.
    pub lines: i64,
    pub total: Fen,
    pub blocked: i64,
    /// What the amounts came from (the benefits' versions are on each line).
    pub rule_version: String,
    pub generated_by: Actor,
    pub generated_at: DateTime<Utc>,
    pub reviewed_by: Option<Actor>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub approved_by: Option<Actor>,
    pub approved_at: Option<DateTime<Utc>>,
    pub exported_at: Option<DateTime<Utc>>,
    pub export_layout: Option<String>,
    pub export_sha256: Option<String>,
    pub reconciled_at: Option<DateTime<Utc>>,
    /// The last decision's note (a rejection's reason).
    pub note: String,
}

/// A payroll to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayroll {
    pub region: RegionCode,
    pub programme: Programme,
    pub month: NaiveDate,
    pub rule_version: String,
    pub by: Actor,
}

/// A benefit in force in the payroll's region, with what its lines need: the payee, the
/// account, the members, and what was paid before. Read inside the generating transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollSource {
    pub benefit_id: i64,
    pub benefit_version: i64,
    pub household_id: i64,
    /// The household's 户籍 (village).
    pub region: RegionCode,
    pub kind: AssistanceKind,
    pub status: BenefitStatus,
    pub monthly_amount: Fen,
    pub one_off_amount: Fen,
    pub since_month: NaiveDate,
    pub until_month: Option<NaiveDate>,
    /// 暂停发放: held from this month while a review runs (those months wait for its outcome).
    pub held_from: Option<NaiveDate>,
    /// 户主 (the payee), ID number in clear (never leaves the service except in the bank file).
    pub payee_name: String,
    pub payee_id_number: String,
    pub bank: Option<String>,
    pub account: Option<String>,
    pub members: i64,
    /// The payee's death as the registry's department data have it (死亡数据).
    pub payee_died_on: Option<NaiveDate>,
    /// The account on this household's newest earlier line of the programme (to see a change).
    pub previous_account: Option<String>,
    /// The first month paid through jiuzhu for this region and programme: arrears never reach
    /// before it (what was paid before lives in the old system).
    pub arrears_from: NaiveDate,
    /// Benefit months before this payroll's month already covered by a live regular, arrears or
    /// one-off line of this programme (from the payments' first month on).
    pub covered_months: Vec<NaiveDate>,
    /// Months whose line the officer cancelled while it was stopped for the payee's death (死亡
    /// 停发): not owed again while the payee is recorded dead.
    pub waived_months: Vec<NaiveDate>,
    /// Lines the bank returned as failed and not yet re-issued.
    pub failed: Vec<FailedLine>,
    /// Lines of the programme the bank paid (live, `paid`), with whether a receivable already
    /// names them: a month paid after the benefit stopped is owed back.
    pub paid: Vec<PaidLine>,
    /// The household's receivables of the programme with money still owed (offset from its lines).
    pub receivables: Vec<OpenReceivable>,
    /// 临时救助 only: the days the household was paid 先行救助 out of a town's standby fund by a
    /// voucher that names no case.
    pub advances: Vec<NaiveDate>,
    /// 临时救助 only: a standby voucher names this benefit's case — it was paid in cash.
    pub paid_from_standby: bool,
    /// 待遇金额变更记录 of the benefit, in recorded order (`payment::amounts`): each month is
    /// paid what was owed for it.
    pub amounts: Vec<AmountChange>,
    /// What each earlier month's line that went to the bank paid (regular, arrears or re-issue;
    /// amount + withheld; exported, paid or failed). A month whose line has not gone is absent.
    pub delivered: Vec<(NaiveDate, Fen)>,
    /// What live adjustment lines not returned by the bank pay for each month (their parts).
    pub adjusted: Vec<(NaiveDate, Fen)>,
    /// The live adjustment lines (补差) of the programme.
    pub adjustments: Vec<AdjustmentLine>,
    /// 收款安排: the household's live arrangements (institution, guardian); the rules route
    /// the programme's money to one of them (`payment::payee::route`).
    pub payees: Vec<Payee>,
}

/// A live adjustment line: a household gets at most one per payroll month, and one the bank
/// returned is paid again (its months recomputed) once the account differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentLine {
    pub id: i64,
    /// The payroll month it was generated in.
    pub benefit_month: NaiveDate,
    pub failed: bool,
    pub account: Option<String>,
}

/// A line the bank paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidLine {
    pub id: i64,
    pub benefit_month: NaiveDate,
    pub amount: Fen,
    /// A receivable was already recorded for it.
    pub recovered: bool,
    /// An adjustment line's months and amounts (empty for other lines).
    pub parts: Vec<(NaiveDate, Fen)>,
}

/// A receivable with money still owed: what is left after refunds and live offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenReceivable {
    pub id: i64,
    pub outstanding: Fen,
}

/// A receivable to record: found by the rules at generation (`origin_line` names the paid line)
/// or recorded from a decision (fraud).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReceivable {
    pub household_id: i64,
    pub region: RegionCode,
    pub programme: Programme,
    pub reason: ReceivableReason,
    pub amount: Fen,
    pub origin_line: Option<i64>,
    pub note: String,
}

/// 应追回款: money paid that was not owed, and how much of it came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receivable {
    pub id: i64,
    pub version: i64,
    pub household_id: i64,
    pub region: RegionCode,
    pub programme: Programme,
    pub reason: ReceivableReason,
    pub amount: Fen,
    /// 退回: paid back by the household (ledger entries).
    pub refunded: Fen,
    /// 扣回: withheld from later lines still live.
    pub offset: Fen,
    pub outstanding: Fen,
    pub origin_line: Option<i64>,
    pub note: String,
    pub created_by: Actor,
    pub created_at: DateTime<Utc>,
}

/// What one batch of sources produced: the lines, and receivables found on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub lines: Vec<NewLine>,
    pub receivables: Vec<NewReceivable>,
}

impl From<Vec<NewLine>> for Batch {
    fn from(lines: Vec<NewLine>) -> Self {
        Batch { lines, receivables: Vec::new() }
    }
}

/// A ready or blocked line of a payroll not yet exported, with what says whether its month is
/// still owed: the payee's death and the benefit's last month as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineStop {
    pub line_id: i64,
    pub household_id: i64,
    /// The month it pays for (an adjustment line: its last part's month).
    pub benefit_month: NaiveDate,
    pub payee_died_on: Option<NaiveDate>,
    /// The benefit's last month (casework sets it when it ends or stops a benefit).
    pub until_month: Option<NaiveDate>,
    /// 暂停发放: the benefit is held from this month while a review runs.
    pub held_from: Option<NaiveDate>,
}

/// 提标: a rise of a programme's standard (per person and month) applied to the benefits in
/// force in a county from a month, as its notice says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRise {
    pub region: RegionCode,
    pub kind: AssistanceKind,
    pub from_month: NaiveDate,
    pub per_person: Fen,
    /// 文号 of the notice raising the standard.
    pub notice: String,
    pub by: Actor,
}

/// A rise as applied (or, before it is, as it would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rise {
    pub id: i64,
    pub region: RegionCode,
    pub kind: AssistanceKind,
    pub from_month: NaiveDate,
    pub per_person: Fen,
    pub notice: String,
    /// Benefits raised, their members, and what they are paid more each month.
    pub benefits: i64,
    pub members: i64,
    pub monthly_increase: Fen,
    pub by: Actor,
    pub at: DateTime<Utc>,
}

/// 乡镇审核 of one town's part of a county's payroll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TownSignOff {
    /// The town (9 digits).
    pub town: RegionCode,
    pub by: Actor,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// A failed line waiting for its re-issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedLine {
    pub id: i64,
    pub benefit_month: NaiveDate,
    pub amount: Fen,
    pub account: Option<String>,
    /// What it withheld (the re-issue withholds the same, so the month stays whole).
    pub withheld: Fen,
    pub receivable_id: Option<i64>,
}

/// A line as generated (the store gives it its id and reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub household_id: i64,
    pub region: RegionCode,
    pub benefit_month: NaiveDate,
    pub kind: LineKind,
    pub amount: Fen,
    pub members: i64,
    pub payee_name: String,
    pub payee_id_number: String,
    pub bank: Option<String>,
    pub account: Option<String>,
    pub benefit_id: Option<i64>,
    /// `benefit 12 v3`: the version of the benefit the amount came from.
    pub rule_version: String,
    pub block: Option<BlockReason>,
    pub note: String,
    /// A re-issue names the failed line it replaces.
    pub origin_line: Option<i64>,
    /// 扣回: withheld from this payment against `receivable_id` (the household was owed
    /// `amount + withheld`; `amount` is what the bank pays, never below one fen).
    pub withheld: Fen,
    pub receivable_id: Option<i64>,
    /// 补差: an adjustment line's benefit months and what each is paid (they add up to `amount`).
    pub parts: Vec<(NaiveDate, Fen)>,
    /// 收款安排: paid to the household's institution or guardian, not its own account (the
    /// payee fields are theirs).
    pub payee_role: Option<PayeeRole>,
}

/// What a bank file says of a ready line (报盘): only its columns, read faster than a
/// [`PaymentLine`] (a million lines are written in seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankFileLine {
    pub id: i64,
    pub reference: String,
    pub benefit_month: NaiveDate,
    pub kind: LineKind,
    pub amount: Fen,
    pub withheld: Fen,
    pub payee_name: String,
    /// In clear: the bank file is the one place they leave the store.
    pub payee_id_number: String,
    pub account: Option<String>,
}

/// The bank file's checksum once its read-back agreed with the header and the payroll (`None`:
/// it did not).
pub type Verdict<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>> + Send + 'a>>;

/// 发放明细: one payment, frozen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentLine {
    pub id: i64,
    pub payroll_id: i64,
    /// 流水号 in the bank files.
    pub reference: String,
    pub household_id: i64,
    pub region: RegionCode,
    pub programme: Programme,
    pub benefit_month: NaiveDate,
    pub kind: LineKind,
    pub amount: Fen,
    pub members: i64,
    pub payee_name: String,
    #[serde(skip)]
    pub payee_id_number: String,
    pub bank: Option<String>,
    #[serde(skip)]
    pub account: Option<String>,
    pub benefit_id: Option<i64>,
    pub rule_version: String,
    pub state: LineState,
    pub block: Option<BlockReason>,
    pub note: String,
    pub origin_line: Option<i64>,
    /// 扣回 against `receivable_id`: owed `amount + withheld`, paid `amount`.
    pub withheld: Fen,
    pub receivable_id: Option<i64>,
    /// The bank's reason for a failure, normalised: its code (`name_mismatch` …) and its words.
    pub failure_code: Option<String>,
    pub failure_text: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// 补差: an adjustment line's benefit months and what each is paid.
    pub parts: Vec<(NaiveDate, Fen)>,
    /// Paid to the household's institution or guardian (`None`: its own account).
    pub payee_role: Option<PayeeRole>,
}

/// A payroll's sums: by town, by state, by fund.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PayrollTotals {
    /// (town code, lines, total) of the lines not cancelled.
    pub by_town: Vec<(String, i64, Fen)>,
    /// (state, lines, total).
    pub by_state: Vec<(LineState, i64, Fen)>,
    /// (fund, committed at approval) — the 支付令 per fund source.
    pub by_fund: Vec<(FundSource, Fen)>,
}

/// A step on a payroll: the action, who took it and why. The store moves the payroll to the state
/// the domain's state machine ([`PayrollState::after`]) gives from the state it finds; an action
/// that state does not allow is `Conflict { "payroll_state" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollStep {
    pub id: i64,
    /// The version it was read at (someone else's step in between is `VersionMismatch`).
    pub version: i64,
    pub action: PayrollAction,
    pub by: Actor,
    pub note: String,
}

/// One line of a bank's return file as the payroll's lines are updated from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRow {
    pub line_no: u64,
    pub reference: String,
    pub account: String,
    pub amount: Fen,
    /// `paid`, `failed` or `reversed`.
    pub outcome: ReturnOutcome,
    /// The normalised reason's code (`no_such_account` …) and its words (failures and reversals).
    pub reason_code: String,
    pub reason_text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnOutcome {
    Paid,
    Failed,
    Reversed,
}

/// A return-file line that changed nothing (对账异常): unknown reference, a second success, an
/// amount or account that is not the line's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnException {
    pub id: i64,
    pub payroll_id: i64,
    pub file_sha256: String,
    pub line_no: i64,
    pub reference: String,
    pub problem: String,
    pub at: DateTime<Utc>,
}

/// What a return file did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    pub paid: i64,
    pub failed: i64,
    pub reversed: i64,
    pub exceptions: i64,
    /// The same file was imported before: nothing changed.
    pub already_seen: bool,
    pub state: Option<PayrollState>,
}

/// 预算: a fund's money for a programme and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundBalance {
    pub fund: FundSource,
    pub programme: Programme,
    pub year: i32,
    pub budget: Fen,
    pub committed: Fen,
    pub spent: Fen,
    /// 追回退回: refunds of money paid and owed back, available again.
    pub recovered: Fen,
    pub available: Fen,
}

/// A posting of the fund ledger (one leg of a balanced entry), sealed in a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Posting {
    pub seq: i64,
    pub entry_id: i64,
    pub at: DateTime<Utc>,
    pub fund: FundSource,
    pub programme: Programme,
    pub year: i32,
    /// `appropriation`, `available`, `committed`, `spent`.
    pub account: String,
    pub debit: Fen,
    pub credit: Fen,
    pub payroll_id: Option<i64>,
    pub memo: String,
}

/// What `ledger verify` found: nothing (`None`) or the first problem, naming the posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerCheck {
    pub postings: i64,
    pub entries: i64,
    pub problem: Option<String>,
}

#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Generates a payroll in one transaction: the payroll row, then the sources in batches of
    /// households, each batch turned into lines by `build` (the pure rules) and written. When a
    /// live payroll of the same region, programme and month exists, nothing is written and it is
    /// returned with `false`. A line whose key is already live with another amount is
    /// `Conflict { constraint: "payment_lines_amount" }` and the whole generation is undone.
    async fn generate_payroll(
        &self,
        p: &NewPayroll,
        build: &mut (dyn for<'s> FnMut(&'s [PayrollSource]) -> Batch + Send),
    ) -> Result<(Payroll, bool)>;
    async fn payroll(&self, id: i64) -> Result<Option<Payroll>>;
    /// Payrolls inside `within` (their region is within it or holds it), newest month first.
    async fn payrolls(&self, within: &RegionCode, month: Option<NaiveDate>) -> Result<Vec<Payroll>>;
    /// The smallest and the largest id of a payroll's lines (`None` without lines): the bank
    /// file reads the lines in slices of this range, several at once.
    async fn line_id_range(&self, payroll_id: i64) -> Result<Option<(i64, i64)>>;
    /// A payroll's ready lines with an id in `ids`, in id order, as the bank file needs them.
    async fn bank_file_lines(&self, payroll_id: i64, ids: std::ops::Range<i64>) -> Result<Vec<BankFileLine>>;
    /// A payroll's lines in id order after `after_id`, in `state` when given, inside `within`.
    async fn payroll_lines(
        &self,
        payroll_id: i64,
        within: &RegionCode,
        state: Option<LineState>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<PaymentLine>>;
    /// A payroll's sums by town and by state of its lines inside `within` (a town sees its own
    /// part), and the funds committed for the whole payroll.
    async fn payroll_totals(&self, payroll_id: i64, within: &RegionCode) -> Result<PayrollTotals>;
    /// A household's lines, newest benefit month first.
    async fn household_payments(&self, household_id: i64) -> Result<Vec<PaymentLine>>;
    /// 收款安排: the household's live arrangements, oldest first.
    async fn payees(&self, household_id: i64) -> Result<Vec<Payee>>;
    /// Records an arrangement for the household, ending its live one of the same role (kept,
    /// with who ended it), in one transaction; the household's history names the change
    /// (account masked). Returns the new arrangement.
    async fn set_payee(&self, household_id: i64, payee: &PayeeDetails, by: &Actor, on: NaiveDate) -> Result<Payee>;
    /// Ends a live arrangement of the household (`NotFound` when it is not live or not the
    /// household's): its money goes to the household's own account from the next payroll.
    async fn end_payee(&self, household_id: i64, payee_id: i64, by: &Actor) -> Result<()>;
    /// Clears a blocked line of an editable payroll: released (`Ready`) or `Cancelled`, with the
    /// officer's note; the payroll's sums follow. `Conflict { "payment_line_state" }` when the
    /// line is no longer blocked or the payroll is past review.
    async fn clear_line(&self, payroll_id: i64, line_id: i64, to: LineState, note: &str, by: &Actor) -> Result<Payroll>;
    /// Review, reject, cancel or close (other actions have their own methods): the new state with
    /// who and the note; a rejected or cancelled payroll's lines are cancelled (the month may be
    /// generated again), an approved payroll's commitment goes back to the funds.
    async fn step_payroll(&self, step: &PayrollStep) -> Result<Payroll>;
    /// 乡镇审核 of `town`'s part of a generated payroll (`step`: action Review, by, note; its
    /// version is not needed — the other towns' sign-offs do not conflict). Once per town
    /// (`Conflict { "payroll_town_signed" }`); a payroll no longer generated:
    /// `Conflict { "payroll_state" }`. When every town with live lines has signed, the payroll
    /// moves to reviewed (by the last signer) in the same transaction.
    async fn sign_town(&self, step: &PayrollStep, town: &RegionCode) -> Result<Payroll>;
    /// The towns' sign-offs of a payroll, and the towns with live lines still to sign.
    async fn town_sign_offs(&self, payroll_id: i64) -> Result<(Vec<TownSignOff>, Vec<RegionCode>)>;
    /// 提标: raises every benefit of the kind in the region whose months reach `from_month` by
    /// `per_person` × its members from that month, in one transaction: the changes go to the
    /// benefit's amounts record (`payment::amounts::raise`, so later steps keep their shape) and
    /// its amount now goes up. `apply` false: what it would do, nothing written. The same notice
    /// for the region and kind twice: `Conflict { "benefit_rises_notice" }`.
    async fn raise_benefits(&self, rise: &NewRise, apply: bool) -> Result<Rise>;
    /// The rises applied in `within`, newest first.
    async fn rises(&self, within: &RegionCode) -> Result<Vec<Rise>>;
    /// Approves: commits the ready lines' total against the funds' available money in
    /// [`FundSource::PAYROLL_ORDER`] (the ledger postings in the same transaction). Not enough
    /// money: `Conflict { "fund_budget" }` and nothing changes. Blocked lines left:
    /// `Conflict { "payroll_blocked" }`.
    async fn approve_payroll(&self, step: &PayrollStep) -> Result<Payroll>;
    /// Marks an approved payroll exported (ready lines → exported) with the file's layout and
    /// the checksum `verdict` gives once the file was read back. The lines are marked while the
    /// file is being read back (a million lines take seconds either way); a `None` verdict (the
    /// file did not read back) undoes it all: `Conflict { "bank_file_read_back" }`.
    async fn mark_exported(&self, step: &PayrollStep, layout: &str, verdict: Verdict<'_>) -> Result<Payroll>;
    /// Applies a bank return file in one transaction, `next` giving its rows in batches. The
    /// same file (by checksum) again changes nothing. Paid lines post their spending, failed
    /// lines release their money; when every line is terminal and the sums agree, the payroll is
    /// reconciled.
    async fn reconcile(
        &self,
        payroll_id: i64,
        file_sha256: &str,
        by: &Actor,
        next: &mut (dyn FnMut() -> Option<Vec<ReturnRow>> + Send),
    ) -> Result<ReconcileReport>;
    async fn return_exceptions(&self, payroll_id: i64) -> Result<Vec<ReturnException>>;
    /// Adds to a fund's budget for a programme and year (a balanced, sealed entry).
    async fn add_budget(&self, fund: FundSource, programme: Programme, year: i32, amount: Fen, memo: &str, by: &Actor) -> Result<()>;
    async fn fund_balances(&self, year: Option<i32>) -> Result<Vec<FundBalance>>;
    async fn ledger_postings(&self, payroll_id: Option<i64>, after_seq: i64, limit: i64) -> Result<Vec<Posting>>;
    /// Walks the ledger: every seal in its chain, every entry balanced, every fund's accounts
    /// consistent, every reconciled payroll's postings equal to its paid lines.
    async fn verify_ledger(&self) -> Result<LedgerCheck>;

    /// The ready and blocked lines of a payroll not yet exported, with the payee's death and the
    /// benefit's end as recorded now (the service decides which are no longer owed).
    async fn line_stops(&self, payroll_id: i64) -> Result<Vec<LineStop>>;
    /// Cancels ready or blocked lines of a payroll not yet exported (a death or an end recorded
    /// after it was generated), with the note; the sums follow. Lines in another state are left.
    async fn cancel_lines(&self, payroll_id: i64, line_ids: &[i64], note: &str, by: &Actor) -> Result<Payroll>;
    /// Receivables inside `within`, of one household when given, newest first.
    async fn receivables(&self, within: &RegionCode, household_id: Option<i64>) -> Result<Vec<Receivable>>;
    async fn receivable(&self, id: i64) -> Result<Option<Receivable>>;
    /// Records a receivable from a decision (fraud); found ones are written by generation.
    async fn record_receivable(&self, r: &NewReceivable, by: &Actor) -> Result<Receivable>;
    /// A refund of `amount` (at most what is outstanding, else `Conflict { "receivable_outstanding" }`)
    /// at `version`: the money goes back to the funds that paid the line (the ledger's
    /// `recovered` account), newest drawn first, in the year of the month it paid; a receivable
    /// whose household was never paid through jiuzhu goes to the county's own funds of `year`.
    async fn refund_receivable(&self, id: i64, version: i64, amount: Fen, memo: &str, year: i32, by: &Actor) -> Result<Receivable>;
}
