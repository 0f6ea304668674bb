//! 收款安排: a household's benefit paid to another account than its own, as the rules say —
//! a 特困 person in 集中供养 is paid through the 供养服务机构 that keeps them (国发〔2016〕14号
//! 第十二条; 特困人员认定办法 第十九条: the person's choice, the institution's account), a
//! child's money goes to the 监护人 (孤儿、事实无人抚养儿童 基本生活费 are paid to the guardian's
//! account, 民发〔2019〕62号). No arrangement: the household's own account, as always.
//!
//! A 特困 person cared for at home (分散供养) may have a 照料护理人 under a 委托照料服务协议: the
//! 照料护理费 the agreement names is then paid to the carer, month by month from the agreement's
//! first month, as its own payroll (`Programme::Care`), and the person's 特困 line carries the
//! rest (国发〔2016〕14号 第十条; 特困人员认定办法 第二十四条). The months are part of the
//! arrangement because they decide *amounts*: a month already in a payroll never changes hands.
//!
//! An arrangement applies to the lines generated after it is recorded (a generated month stays
//! as it was frozen); the first line it routes stops as "account changed" for the finance officer
//! to confirm, so the one who records it is never the one who lets the money go.

use super::{Programme, check_account_number};
use crate::enums::string_enum;
use crate::error::{FieldError, ValidationErrors};
use crate::id_number::IdNumber;
use crate::money::Fen;
use chrono::NaiveDate;

string_enum! {
    /// 收款人类别 (a line paid to the household's own account has none).
    PayeeRole {
        /// 供养服务机构（集中供养）: 特困 only.
        Institution = "institution" / "供养服务机构（集中供养）" / "Care institution (institutional care)",
        /// 监护人: every programme.
        Guardian = "guardian" / "监护人" / "Guardian",
        /// 照料护理人（分散供养）: the 照料护理费 of a 特困 person cared for at home.
        Carer = "carer" / "照料护理人（分散供养）" / "Carer (care at home)",
    }
}

impl PayeeRole {
    /// Whether money of `programme` goes to this payee: the institution keeps a 特困 person (their
    /// 低保 or temporary help, if any, stays theirs); a guardian receives every programme's money.
    pub fn routes(self, programme: Programme) -> bool {
        match self {
            PayeeRole::Institution => programme == Programme::Tekun,
            PayeeRole::Guardian => programme != Programme::Care,
            PayeeRole::Carer => programme == Programme::Care,
        }
    }

    /// What its code field holds, in words.
    pub fn code_label(self) -> (&'static str, &'static str) {
        match self {
            PayeeRole::Institution => ("统一社会信用代码", "unified social credit code"),
            PayeeRole::Guardian => ("监护人身份证号", "the guardian's ID number"),
            PayeeRole::Carer => ("照料护理人身份证号", "the carer's ID number"),
        }
    }
}

/// A recorded arrangement: its details (code and account in clear: they leave the service only in
/// the bank file), whose household, who recorded it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payee {
    pub id: i64,
    pub household_id: i64,
    pub details: PayeeDetails,
    pub recorded_by: String,
    pub recorded_on: NaiveDate,
    /// A carer's last month of care, once the arrangement ended (before its first month when it
    /// ended before it began).
    pub care_until: Option<NaiveDate>,
}

/// The arrangement that receives `programme`'s money, if any: an institution before a guardian
/// for 特困 (a child in an institution is paid through it). A carer is paid by month: [`care_in`].
pub fn route(programme: Programme, payees: &[Payee]) -> Option<&Payee> {
    [PayeeRole::Institution, PayeeRole::Guardian]
        .into_iter()
        .find_map(|role| payees.iter().find(|p| p.details.role == role && role.routes(programme)))
}

/// The carer of `month` and the 照料护理费 they receive for it: the agreement whose months hold
/// it, its amount at most `owed` (the person's whole amount that month: the carer never receives
/// more than the decision grants).
pub fn care_in(payees: &[Payee], month: NaiveDate, owed: Fen) -> Option<(&Payee, Fen)> {
    payees
        .iter()
        .filter(|p| p.details.role == PayeeRole::Carer)
        .filter_map(|p| p.details.care.map(|c| (p, c)))
        .filter(|(p, c)| c.from_month <= month && p.care_until.is_none_or(|u| month <= u))
        .max_by_key(|(p, _)| p.id)
        .map(|(p, c)| (p, Fen(c.monthly.0.min(owed.0).max(0))))
}

/// 委托照料服务协议's terms: the 照料护理费 a month, from its first month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CareTerms {
    pub monthly: Fen,
    pub from_month: NaiveDate,
}

/// An arrangement as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayeeInput {
    pub role: String,
    pub name: String,
    pub code: String,
    pub bank: String,
    pub account_no: String,
    pub basis: String,
    /// A carer's 照料护理费 a month, in 元.
    pub care_amount: String,
    /// A carer's first month, `YYYY-MM`.
    pub from_month: String,
}

/// An arrangement checked, each field named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayeeDetails {
    pub role: PayeeRole,
    /// 户名: the institution's or the guardian's name, as the bank holds it.
    pub name: String,
    /// 统一社会信用代码 (institution) or 身份证号 (guardian).
    pub code: String,
    pub bank: String,
    pub account_no: String,
    /// 依据: the 供养协议, the 监护 document (民政 or court), the 委托照料服务协议, in words.
    pub basis: String,
    /// A carer's terms (none for the other roles).
    pub care: Option<CareTerms>,
}

impl PayeeInput {
    pub fn validate(&self, today: NaiveDate) -> Result<PayeeDetails, ValidationErrors> {
        let mut errors = Vec::new();
        let role = match PayeeRole::parse(self.role.trim()) {
            Some(r) => Some(r),
            None => {
                errors.push(FieldError::new(
                    "payee_role",
                    "required",
                    "请选择收款人类别（供养服务机构、监护人或照料护理人）",
                    "choose who receives the money (care institution, guardian or carer)",
                ));
                None
            }
        };
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            errors.push(FieldError::new(
                "name",
                "required",
                "请填写收款人户名（与银行开户名一致，60 字以内）",
                "give the payee's name as the bank holds it (60 characters at most)",
            ));
        }
        let code = self.code.trim().to_ascii_uppercase();
        match role {
            Some(r @ (PayeeRole::Guardian | PayeeRole::Carer)) => {
                if let Err(e) = IdNumber::parse(&code, today) {
                    let (zh, en) = r.code_label();
                    errors.push(FieldError::new("code", e.code, format!("{zh}：{}", e.zh), format!("{en}: {}", e.en)));
                }
            }
            Some(PayeeRole::Institution) => {
                if let Err(e) = check_credit_code("code", &code) {
                    errors.push(e);
                }
            }
            None => {}
        }
        let bank = self.bank.trim();
        if bank.is_empty() || bank.chars().count() > 60 {
            errors.push(FieldError::new("bank", "required", "请填写开户银行（60 字以内）", "give the bank (60 characters at most)"));
        }
        let account_no = match check_account_number("account_no", &self.account_no) {
            Ok(a) => a,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        let basis = self.basis.trim();
        if basis.is_empty() || basis.chars().count() > 200 {
            errors.push(FieldError::new(
                "basis",
                "required",
                "请填写依据，如供养协议、委托照料服务协议编号或监护证明文书（200 字以内）",
                "give the basis, e.g. the care agreement's number or the guardianship document (200 characters at most)",
            ));
        }
        let care = self.care_terms(role, &mut errors);
        match (errors.is_empty(), role) {
            (true, Some(role)) => {
                Ok(PayeeDetails { role, name: name.to_string(), code, bank: bank.to_string(), account_no, basis: basis.to_string(), care })
            }
            _ => Err(ValidationErrors(errors)),
        }
    }

    /// A carer's amount (more than zero) and first month, both required; the other roles leave
    /// them empty (a typed amount nobody would pay is refused, not dropped).
    fn care_terms(&self, role: Option<PayeeRole>, errors: &mut Vec<FieldError>) -> Option<CareTerms> {
        let (amount, month) = (self.care_amount.trim(), self.from_month.trim());
        if role != Some(PayeeRole::Carer) {
            if role.is_some() && !(amount.is_empty() && month.is_empty()) {
                let field = if amount.is_empty() { "from_month" } else { "care_amount" };
                errors.push(FieldError::new(
                    field,
                    "payee.care_only",
                    "照料护理费和起始月份只由照料护理人填写，请清空或改选收款人类别",
                    "the care allowance and first month are for a carer only: clear them or choose carer",
                ));
            }
            return None;
        }
        let monthly = match Fen::parse_yuan("care_amount", amount) {
            Ok(f) if f.0 > 0 => Some(f),
            Err(e) if !amount.is_empty() => {
                errors.push(e);
                None
            }
            _ => {
                errors.push(FieldError::new(
                    "care_amount",
                    "payee.care_amount",
                    "请填写委托照料服务协议约定的每月照料护理费（元，大于零）",
                    "give the monthly care allowance the agreement names (yuan, more than zero)",
                ));
                None
            }
        };
        let from_month = match super::parse_month("from_month", month) {
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        Some(CareTerms { monthly: monthly?, from_month: from_month? })
    }
}

/// 统一社会信用代码 (GB 32100-2015): 18 characters of `0-9A-Z` without I, O, S, V, Z, the last
/// a check character over the first 17.
pub fn check_credit_code(field: &str, text: &str) -> Result<(), FieldError> {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let value = |b: u8| CHARS.iter().position(|c| *c == b).map(|v| v as u32);
    let bytes = text.as_bytes();
    let values: Option<Vec<u32>> = bytes.iter().map(|b| value(*b)).collect();
    let Some(values) = values.filter(|v| v.len() == 18) else {
        return Err(FieldError::new(
            field,
            "credit_code.format",
            format!("统一社会信用代码“{text}”应为 18 位数字或大写字母（不含 I、O、S、V、Z）"),
            format!("unified social credit code \"{text}\" must be 18 digits or capital letters (no I, O, S, V, Z)"),
        ));
    };
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err(FieldError::new(
            field,
            "credit_code.check_digit",
            "统一社会信用代码校验位不正确，请对照登记证书逐位核对",
            "the code's check character is wrong: compare it character by character with the certificate",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payee(role: PayeeRole) -> Payee {
        let details = PayeeDetails {
            role,
            name: "某".into(),
            code: String::new(),
            bank: String::new(),
            account_no: String::new(),
            basis: String::new(),
            care: None,
        };
        Payee { id: 1, household_id: 1, details, recorded_by: String::new(), recorded_on: NaiveDate::MIN, care_until: None }
    }

    fn m(mo: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, mo, 1).unwrap()
    }

    fn carer(id: i64, fen: i64, from: u32, until: Option<u32>) -> Payee {
        let mut p = payee(PayeeRole::Carer);
        p.id = id;
        p.details.care = Some(CareTerms { monthly: Fen(fen), from_month: m(from) });
        p.care_until = until.map(m);
        p
    }

    #[test]
    fn a_carer_is_paid_for_the_months_of_their_agreement_never_more_than_the_month_owes() {
        // First carer March–May, the second from June (an agreement replaced).
        let both = [carer(1, 30_000, 3, Some(5)), carer(2, 45_000, 6, None)];
        let who = |mo: u32, owed: i64| care_in(&both, m(mo), Fen(owed)).map(|(p, f)| (p.id, f.0));
        assert_eq!(who(2, 100_000), None);
        assert_eq!(who(3, 100_000), Some((1, 30_000)));
        assert_eq!(who(5, 100_000), Some((1, 30_000)));
        assert_eq!(who(6, 100_000), Some((2, 45_000)));
        assert_eq!(who(12, 100_000), Some((2, 45_000)));
        // A month owing less than the agreement (a lowered amount): the carer gets that month's whole.
        assert_eq!(who(7, 40_000), Some((2, 40_000)));
        // Ended before its first month: never paid.
        assert_eq!(care_in(&[carer(3, 30_000, 6, Some(5))], m(6), Fen(100_000)), None);
        // A carer routes only the care; the other roles never route it.
        assert!(PayeeRole::Carer.routes(Programme::Care) && !PayeeRole::Carer.routes(Programme::Tekun));
        assert!(!PayeeRole::Guardian.routes(Programme::Care));
        assert_eq!(route(Programme::Tekun, &both), None);
        assert_eq!(route(Programme::Care, &both), None);
    }

    #[test]
    fn a_carers_terms_are_required_and_only_a_carers() {
        let today = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        let typed = PayeeInput {
            role: "carer".into(),
            name: "王桂兰".into(),
            code: "110101196503070022".into(),
            bank: "农商银行".into(),
            account_no: "6228480000000000018".into(),
            basis: "委托照料服务协议 2027-011".into(),
            ..Default::default()
        };
        let errs = typed.validate(today).unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["care_amount", "from_month"]);
        let zero = PayeeInput { care_amount: "0".into(), from_month: "2027-13".into(), ..typed.clone() }.validate(today).unwrap_err();
        assert_eq!((zero.0[0].code, zero.0[1].code), ("payee.care_amount", "month.format"));
        let ok = PayeeInput { care_amount: "450.5".into(), from_month: "2027-02".into(), ..typed.clone() }.validate(today).unwrap();
        assert_eq!(ok.care, Some(CareTerms { monthly: Fen(45_050), from_month: m(2) }));
        // A guardian with an amount typed: refused naming the field, not silently dropped.
        let errs = PayeeInput { role: "guardian".into(), care_amount: "450".into(), ..typed }.validate(today).unwrap_err();
        assert_eq!((errs.0[0].field.as_str(), errs.0[0].code), ("care_amount", "payee.care_only"));
    }

    #[test]
    fn institution_takes_tekun_only_and_before_a_guardian() {
        let both = [payee(PayeeRole::Guardian), payee(PayeeRole::Institution)];
        assert_eq!(route(Programme::Tekun, &both).map(|p| p.details.role), Some(PayeeRole::Institution));
        assert_eq!(route(Programme::Dibao, &both).map(|p| p.details.role), Some(PayeeRole::Guardian));
        assert_eq!(route(Programme::Temporary, &both).map(|p| p.details.role), Some(PayeeRole::Guardian));
        let institution = [payee(PayeeRole::Institution)];
        assert_eq!(route(Programme::Dibao, &institution), None);
        assert_eq!(route(Programme::Tekun, &[]), None);
    }

    #[test]
    fn credit_codes_are_checked() {
        // A code made valid by its own check character, then one character changed.
        let body = "91350100M000100";
        let first17 = format!("{body}0Y");
        let valid = (0..31u8)
            .map(|i| format!("{first17}{}", b"0123456789ABCDEFGHJKLMNPQRTUWXY"[i as usize] as char))
            .find(|c| check_credit_code("code", c).is_ok())
            .expect("one check character fits");
        assert_eq!(valid.len(), 18);
        let wrong = format!("{}{}", &valid[..17], if valid.ends_with('1') { '2' } else { '1' });
        assert_eq!(check_credit_code("code", &wrong).unwrap_err().code, "credit_code.check_digit");
        assert_eq!(check_credit_code("code", "12345").unwrap_err().code, "credit_code.format");
        assert_eq!(check_credit_code("code", "91350100M000100OYI").unwrap_err().code, "credit_code.format");
        // A published example: 91350100M000100Y43 (GB 32100-2015 示例).
        assert!(check_credit_code("code", "91350100M000100Y43").is_ok());
    }

    #[test]
    fn an_arrangement_names_each_wrong_field() {
        let today = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        let errs = PayeeInput { role: "guardian".into(), code: "110101".into(), account_no: "12".into(), ..Default::default() }
            .validate(today)
            .unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "code", "bank", "account_no", "basis"]);
        assert!(errs.0[1].zh.starts_with("监护人身份证号"));
        let errs = PayeeInput::default().validate(today).unwrap_err();
        assert_eq!(errs.0[0].field, "payee_role");
        let ok = PayeeInput {
            role: "institution".into(),
            name: " 某县中心敬老院 ".into(),
            code: "91350100m000100y43".into(),
            bank: "农商银行".into(),
            account_no: "6228 4800 0000 0000 018".into(),
            basis: "集中供养协议 2027-003".into(),
            ..Default::default()
        }
        .validate(today)
        .unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.code.as_str(), ok.account_no.as_str()),
            ("某县中心敬老院", "91350100M000100Y43", "6228480000000000018")
        );
        // Masked like an ID number (first six, last four).
        assert_eq!(crate::mask::id_number(&ok.code), "913501********0Y43");
    }
}
