//! Payments (资金发放): the vocabulary of payrolls, their lines and the fund ledger, and the pure
//! rules on them that need no data: the payroll's state machine, bank card numbers, line
//! references, months.

use crate::casework::AssistanceKind;
use crate::enums::string_enum;
use crate::error::FieldError;
use chrono::{Datelike, NaiveDate};

pub mod amounts;
pub mod payee;

string_enum! {
    /// 发放项目: the programmes paid through the banks every month.
    Programme {
        Dibao = "dibao" / "最低生活保障金" / "Minimum living allowance",
        Tekun = "tekun" / "特困人员供养金" / "Extreme-poverty support",
        Temporary = "temporary" / "临时救助金" / "Temporary assistance",
        /// 照料护理费 of a 特困 person cared for at home, paid to the 照料护理人 recorded for them
        /// (`payee::care_in`); without one it stays in the person's 特困 line.
        Care = "care" / "特困人员照料护理费" / "Care allowance (extreme poverty)",
    }
}

impl Programme {
    /// The programme a benefit of `kind` is paid from; statuses (边缘, 刚性支出) and referred kinds
    /// are paid by no payroll.
    pub fn of_kind(kind: AssistanceKind) -> Option<Programme> {
        match kind {
            AssistanceKind::Dibao => Some(Programme::Dibao),
            AssistanceKind::Tekun => Some(Programme::Tekun),
            AssistanceKind::Temporary => Some(Programme::Temporary),
            _ => None,
        }
    }

    pub fn kind(self) -> AssistanceKind {
        match self {
            Programme::Dibao => AssistanceKind::Dibao,
            Programme::Tekun | Programme::Care => AssistanceKind::Tekun,
            Programme::Temporary => AssistanceKind::Temporary,
        }
    }

    /// The programme whose budget pays it: 照料护理费 is part of 特困人员救助供养 (国发〔2016〕14号
    /// 第十条: the 供养标准 holds 基本生活标准 and 照料护理标准), so it draws on 特困's budget.
    pub fn budget(self) -> Programme {
        match self {
            Programme::Care => Programme::Tekun,
            p => p,
        }
    }

    /// Two letters that start a line's reference in the bank file.
    fn code(self) -> &'static str {
        match self {
            Programme::Dibao => "DB",
            Programme::Tekun => "TK",
            Programme::Temporary => "LS",
            Programme::Care => "ZH",
        }
    }
}

string_enum! {
    /// 发放明细类型
    LineKind {
        /// 当月正常发放
        Regular = "regular" / "正常发放" / "Regular",
        /// 补发: a month owed and not paid (a late decision, a line held and cleared later).
        Arrears = "arrears" / "补发" / "Arrears",
        /// 调整: a difference found after the month was frozen.
        Adjustment = "adjustment" / "调整" / "Adjustment",
        /// 一次性发放: 临时救助, 先行救助.
        OneOff = "one_off" / "一次性发放" / "One-off",
        /// 重发: a line the bank returned, sent again to the corrected account.
        Reissue = "reissue" / "退回重发" / "Re-issue",
    }
}

impl LineKind {
    fn code(self) -> char {
        match self {
            LineKind::Regular => 'R',
            LineKind::Arrears => 'A',
            LineKind::Adjustment => 'J',
            LineKind::OneOff => 'T',
            LineKind::Reissue => 'F',
        }
    }
}

string_enum! {
    /// 明细状态
    LineState {
        /// 待发放: passed the checks.
        Ready = "ready" / "待发放" / "Ready",
        /// 暂停: a check stopped it; the officer confirms or cancels it.
        Blocked = "blocked" / "待处理" / "Blocked",
        /// 已取消 (with the reason); a month still owed comes back as arrears.
        Cancelled = "cancelled" / "已取消" / "Cancelled",
        /// 已报盘: written in a bank file.
        Exported = "exported" / "已报盘" / "Sent to the bank",
        /// 已到账
        Paid = "paid" / "已到账" / "Paid",
        /// 发放失败 (the bank's reason kept)
        Failed = "failed" / "发放失败" / "Failed",
        /// 已重发: failed, and sent again in a later payroll.
        Reissued = "reissued" / "失败已重发" / "Failed, re-issued",
    }
}

impl LineState {
    /// A live line counts for "at most one per household, programme, month and kind".
    pub fn is_live(self) -> bool {
        !matches!(self, LineState::Cancelled | LineState::Reissued)
    }

    /// Nothing more will happen to it in its payroll.
    pub fn is_terminal(self) -> bool {
        matches!(self, LineState::Paid | LineState::Failed | LineState::Cancelled | LineState::Reissued)
    }
}

string_enum! {
    /// 发放清册状态
    PayrollState {
        /// 已生成
        Generated = "generated" / "已生成，待乡镇审核" / "Generated",
        /// 乡镇已审核
        Reviewed = "reviewed" / "已审核，待县级审批" / "Reviewed",
        /// 县级已审批 (the funds committed in the ledger)
        Approved = "approved" / "已审批，待报盘" / "Approved",
        /// 已报盘: the bank file written and read back.
        Exported = "exported" / "已报盘，待对账" / "Sent to the bank",
        /// 已对账: every line paid, failed or cancelled, and the sums agree to the fen.
        Reconciled = "reconciled" / "已对账" / "Reconciled",
        /// 已结清
        Closed = "closed" / "已结清" / "Closed",
        /// 已退回 (to be generated again after the correction)
        Rejected = "rejected" / "已退回" / "Rejected",
        /// 已作废
        Cancelled = "cancelled" / "已作废" / "Cancelled",
    }
}

string_enum! {
    /// 发放清册操作
    PayrollAction {
        Review = "review" / "乡镇审核" / "Review",
        Approve = "approve" / "县级审批" / "Approve",
        Reject = "reject" / "退回" / "Reject",
        Export = "export" / "报盘" / "Export",
        Reconcile = "reconcile" / "对账" / "Reconcile",
        Close = "close" / "结清" / "Close",
        Cancel = "cancel" / "作废" / "Cancel",
    }
}

/// An action the payroll's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("\"{action}\" is not allowed while the payroll is \"{from}\"")]
pub struct IllegalTransition {
    pub from: PayrollState,
    pub action: PayrollAction,
}

impl PayrollState {
    /// The payroll's life: 生成 → 乡镇审核 → 县级审批 → 报盘 → 对账 → 结清; rejected before approval,
    /// cancelled before export. Nothing else moves it.
    pub fn after(self, action: PayrollAction) -> Result<PayrollState, IllegalTransition> {
        use PayrollAction as A;
        use PayrollState as S;
        let next = match (self, action) {
            (S::Generated, A::Review) => S::Reviewed,
            (S::Reviewed, A::Approve) => S::Approved,
            (S::Generated | S::Reviewed, A::Reject) => S::Rejected,
            (S::Approved, A::Export) => S::Exported,
            (S::Exported, A::Reconcile) => S::Reconciled,
            (S::Reconciled, A::Close) => S::Closed,
            (S::Generated | S::Reviewed | S::Approved | S::Rejected, A::Cancel) => S::Cancelled,
            (from, action) => return Err(IllegalTransition { from, action }),
        };
        Ok(next)
    }

    /// Its lines may still change (blocked lines confirmed or cancelled).
    pub fn lines_editable(self) -> bool {
        matches!(self, PayrollState::Generated | PayrollState::Reviewed)
    }

    /// Rejected or cancelled: its lines no longer count, and the month may be generated again.
    pub fn is_dead(self) -> bool {
        matches!(self, PayrollState::Rejected | PayrollState::Cancelled)
    }
}

string_enum! {
    /// 暂停原因: why a line was stopped before money left, each with what the officer can do.
    BlockReason {
        Dead = "dead" / "领取人已死亡" / "The beneficiary has died",
        BenefitEnded = "benefit_ended" / "待遇已暂停或终止" / "The benefit is suspended or ended",
        /// 暂停发放 while the benefit is reviewed: cancelled before money leaves, paid as arrears
        /// once the review releases it.
        Held = "held" / "复核期间暂停发放（复核后补发或停发）" / "Held while the benefit is reviewed (paid later or stopped by the review)",
        NoAccount = "no_account" / "未登记银行账号" / "No bank account recorded",
        InvalidAccount = "invalid_account" / "银行账号校验位不正确" / "The bank account number fails its check digit",
        AccountChanged = "account_changed" / "银行账号较上月发生变更，请核实" / "The account changed since last month: confirm it",
        DuplicateId = "duplicate_id" / "同一身份证号出现在两条明细中" / "The same ID number is in two lines",
        DuplicateAccount = "duplicate_account" / "同一银行账号出现在两条明细中" / "The same account is in two lines",
        OverMaximum = "over_maximum" / "金额超过本项目合理上限" / "The amount is over the programme's plausible maximum",
        /// A one-off near a standby voucher of the same household: the same help paid twice?
        PaidInAdvance = "paid_in_advance" / "本户近期已由乡镇备用金先行救助，请核实是否重复发放" / "The household was paid emergency help from the town's standby fund lately: check it is not the same help",
    }
}

impl BlockReason {
    /// Whether the officer may release the line as it is after checking (账号变更、金额偏高 are
    /// facts to confirm); the others must be fixed at the source (the registry, the benefit) or
    /// the line cancelled.
    pub fn confirmable(self) -> bool {
        matches!(self, BlockReason::AccountChanged | BlockReason::OverMaximum | BlockReason::DuplicateAccount | BlockReason::PaidInAdvance)
    }
}

string_enum! {
    /// 应追回原因: why money paid is owed back.
    ReceivableReason {
        /// A month paid after the month the beneficiary died in.
        PaidAfterDeath = "paid_after_death" / "领取人死亡后仍发放" / "Paid after the beneficiary's death",
        /// A month paid after the benefit's last month (终止、停发).
        PaidAfterEnd = "paid_after_end" / "待遇终止后仍发放" / "Paid after the benefit ended",
        /// 以虚报、隐瞒、伪造等手段骗取救助 (暂行办法第六十八条): the amount the decision names.
        Fraud = "fraud" / "骗取社会救助资金（暂行办法第六十八条）" / "Obtained by fraud (Interim Measures art. 68)",
    }
}

string_enum! {
    /// 资金来源 (资金统筹): each a ledger of its own.
    FundSource {
        Central = "central" / "中央财政补助资金" / "Central government subsidy",
        Provincial = "provincial" / "省级财政资金" / "Provincial funds",
        Local = "local" / "市县配套资金" / "City and county funds",
        Lottery = "lottery" / "福彩公益金" / "Welfare lottery funds",
        Donation = "donation" / "社会捐赠资金" / "Donations",
        /// 乡镇临时救助备用金
        Standby = "standby" / "乡镇临时救助备用金" / "Town standby fund",
    }
}

impl FundSource {
    /// The order funds are drawn on for a payroll (资金统筹): higher levels' transfers first,
    /// then local money, lottery funds and donations. The standby fund pays only 先行救助.
    pub const PAYROLL_ORDER: [FundSource; 5] =
        [FundSource::Central, FundSource::Provincial, FundSource::Local, FundSource::Lottery, FundSource::Donation];
}

/// Validates a bank account or card number as typed: 8–30 digits (spaces allowed), and a
/// UnionPay card (16–19 digits starting 62) must pass its Luhn check digit (银联卡校验位). Passbook
/// and social-security account numbers carry no check digit the bank publishes.
pub fn check_account_number(field: &str, text: &str) -> Result<String, FieldError> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() < 8 || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            "account.format",
            format!("银行账号“{text}”应为 8–30 位数字"),
            format!("bank account \"{text}\" must be 8 to 30 digits"),
        ));
    }
    if is_unionpay_card(&digits) && !luhn_valid(&digits) {
        return Err(FieldError::new(
            field,
            "account.check_digit",
            "银行卡号校验位不正确，请对照银行卡逐位核对",
            "the card number's check digit is wrong: compare it digit by digit with the card",
        ));
    }
    Ok(digits)
}

fn is_unionpay_card(digits: &str) -> bool {
    (16..=19).contains(&digits.len()) && digits.starts_with("62")
}

/// The Luhn (mod 10) check over all digits, the last being the check digit.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// A line's reference (流水号) in the bank files, 20 characters: programme, benefit month,
/// household, kind and one character (0–9, A–Z) counting the earlier lines of the same key (a
/// cancelled line, a re-issue). The same line always gets the same reference; the bank's
/// return file names the line by it. `None` past 36 lines of one key.
pub fn line_reference(programme: Programme, benefit_month: NaiveDate, household_id: i64, kind: LineKind, seq: u32) -> Option<String> {
    let seq = char::from_digit(seq, 36)?.to_ascii_uppercase();
    Some(format!("{}{:04}{:02}{:010}{}{}", programme.code(), benefit_month.year(), benefit_month.month(), household_id, kind.code(), seq))
}

/// Parses `YYYY-MM` (a payroll month) into its first day, naming the field.
pub fn parse_month(field: &str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").map_err(|_| {
        FieldError::new(field, "month.format", format!("月份“{text}”格式不正确，应为 2027-01"), format!("month \"{text}\" is not YYYY-MM"))
    })
}

/// `2027-01`
pub fn month_label(month: NaiveDate) -> String {
    month.format("%Y-%m").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_real_check_digits_and_refuses_one_off() {
        // 6228480000000000018 is valid; changing the last digit breaks it.
        assert!(luhn_valid("6228480000000000018"));
        assert!(!luhn_valid("6228480000000000017"));
        assert!(luhn_valid("79927398713"));
        assert!(check_account_number("a", "6228 4800 0000 0000 018").is_ok());
        assert_eq!(check_account_number("a", "6228480000000000017").unwrap_err().code, "account.check_digit");
        // A passbook number carries no published check digit.
        assert!(check_account_number("a", "6228480000000000018123456").is_ok());
        assert_eq!(check_account_number("a", "1234567").unwrap_err().code, "account.format");
        assert_eq!(check_account_number("a", "12345678x").unwrap_err().code, "account.format");
    }

    #[test]
    fn payroll_moves_only_forward_along_its_path() {
        use PayrollAction as A;
        use PayrollState as S;
        let mut s = S::Generated;
        for a in [A::Review, A::Approve, A::Export, A::Reconcile, A::Close] {
            s = s.after(a).unwrap();
        }
        assert_eq!(s, S::Closed);
        // Every pair not on the path is refused, naming both.
        let allowed = |s: S, a: A| s.after(a).is_ok();
        assert!(!allowed(S::Generated, A::Approve), "approval needs the town's review first");
        assert!(!allowed(S::Approved, A::Reject));
        assert!(!allowed(S::Exported, A::Cancel), "money sent cannot be cancelled");
        for from in S::ALL {
            for action in PayrollAction::ALL {
                if let Err(e) = from.after(*action) {
                    assert_eq!((e.from, e.action), (*from, *action));
                }
            }
        }
    }

    #[test]
    fn references_are_deterministic_and_distinct() {
        let m = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let r = line_reference(Programme::Dibao, m, 42, LineKind::Regular, 0).unwrap();
        assert_eq!(r, "DB2027010000000042R0");
        assert_eq!(r.len(), 20, "the fixed-width layouts give the reference 20 bytes");
        assert_eq!(line_reference(Programme::Dibao, m, 42, LineKind::Regular, 11).unwrap(), "DB2027010000000042RB");
        assert_eq!(line_reference(Programme::Dibao, m, 42, LineKind::Regular, 36), None);
        assert_ne!(Some(r.clone()), line_reference(Programme::Dibao, m, 42, LineKind::Arrears, 0));
        assert_ne!(Some(r), line_reference(Programme::Tekun, m, 42, LineKind::Regular, 0));
        assert_eq!(parse_month("month", "2027-01").unwrap(), m);
        assert_eq!(parse_month("month", "2027-13").unwrap_err().field, "month");
    }
}
