//! 分级访问: the one table of how each personal-data field is shown to a role, given where the
//! record lies relative to the role's region, and of which operations ask for the password
//! again. Pages, the API, exports and reveals all ask here; none decides on its own.

use crate::account::{Permission, Role};
use chrono::{DateTime, Duration, Utc};

/// 个人信息字段: the parts of a household's record that are shown differently by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 姓名
    Name,
    /// 住址
    Address,
    /// 收入、财产、支出
    Finances,
    /// 健康状况：残疾类别与等级、重病、慢性病、自理能力
    Health,
    /// 身份证号码
    IdNumber,
    /// 联系电话
    Phone,
    /// 银行账号
    BankAccount,
    /// 残疾人证号 (it holds the ID number)
    DisabilityCertificate,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Name,
        Field::Address,
        Field::Finances,
        Field::Health,
        Field::IdNumber,
        Field::Phone,
        Field::BankAccount,
        Field::DisabilityCertificate,
    ];

    /// The fields a reveal (查看完整信息) shows in clear.
    pub const REVEALABLE: [Field; 4] = [Field::IdNumber, Field::Phone, Field::BankAccount, Field::DisabilityCertificate];

    /// The name the audit trail records (never the value).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Address => "address",
            Field::Finances => "finances",
            Field::Health => "health",
            Field::IdNumber => "id_number",
            Field::Phone => "phone",
            Field::BankAccount => "bank_account_no",
            Field::DisabilityCertificate => "disability_certificate",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::Address => "住址",
            Field::Finances => "收入财产支出",
            Field::Health => "健康状况",
            Field::IdNumber => "身份证号码",
            Field::Phone => "联系电话",
            Field::BankAccount => "银行账号",
            Field::DisabilityCertificate => "残疾人证号",
        }
    }
}

/// Where a record lies for the account asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// In the account's region.
    InScope,
    /// Outside it: the record does not exist for this account.
    OutOfScope,
}

/// How a field is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Not shown at all (and the record itself is "not found" when out of scope).
    Hidden,
    /// Shown masked (`620825********0018`, `139****0000`, `已隐藏`).
    Masked,
    /// Shown in clear.
    Clear,
}

/// The decision. `revealed`: the user gave a purpose and the password for this household just
/// now (查看完整信息). Identifiers are masked for everyone until revealed; health is clear for
/// those who assess households (it decides eligibility, like income) and masked for others.
pub fn shown(role: Role, relation: Relation, field: Field, revealed: bool) -> Shown {
    if relation == Relation::OutOfScope || !role.has(Permission::ReadHousehold) {
        return Shown::Hidden;
    }
    let may_reveal = revealed && role.has(Permission::RevealIdentifiers);
    match field {
        Field::Name | Field::Address | Field::Finances => Shown::Clear,
        // Everyone who may reveal also assesses; health is not revealed to anyone else.
        Field::Health if role.has(Permission::AssessHousehold) => Shown::Clear,
        Field::Health => Shown::Masked,
        Field::IdNumber | Field::Phone | Field::BankAccount | Field::DisabilityCertificate if may_reveal => Shown::Clear,
        Field::IdNumber | Field::Phone | Field::BankAccount | Field::DisabilityCertificate => Shown::Masked,
    }
}

/// 需再次验证身份的操作: the password is asked again unless it was typed within
/// [`REAUTH_WINDOW`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    /// 查看完整信息
    Reveal,
    /// 导出名册 (every export is a bulk read of personal data)
    Export,
    /// 批量审批
    BulkDecision,
    /// 账号与角色变更
    AccountChange,
    /// 发放清册审批、银行报盘文件下载 (money leaves on this)
    Payroll,
}

/// How long a typed password covers the guarded operations that follow.
pub const REAUTH_WINDOW: Duration = Duration::minutes(5);

/// Whether `op` must ask for the password, given when it was last typed in this session.
pub fn password_needed(_op: Guarded, reauth_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    !reauth_at.is_some_and(|t| t <= now && now - t < REAUTH_WINDOW)
}

/// 导出审批: an export of more rows than this needs a county approver's yes.
pub const EXPORT_APPROVAL_ROWS: i64 = 100;

/// Who may decide an export request: a county approver whose region holds it, never the one who
/// asked (no one approves their own bulk read).
pub fn may_approve_export(approver_role: Role, approver_id: i64, requester_id: i64) -> bool {
    approver_role.has(Permission::ApproveExport) && approver_id != requester_id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_scope_hides_every_field_for_every_role() {
        for role in Role::ALL {
            for field in Field::ALL {
                for revealed in [false, true] {
                    assert_eq!(shown(role, Relation::OutOfScope, field, revealed), Shown::Hidden, "{role:?} {field:?}");
                }
            }
        }
    }

    #[test]
    fn identifiers_are_masked_until_revealed_and_only_case_workers_reveal() {
        for role in Role::ALL {
            for field in [Field::IdNumber, Field::Phone, Field::BankAccount, Field::DisabilityCertificate] {
                let by_default = shown(role, Relation::InScope, field, false);
                let after = shown(role, Relation::InScope, field, true);
                if role.has(Permission::ReadHousehold) {
                    assert_eq!(by_default, Shown::Masked, "{role:?} {field:?}");
                    let expect = if role.has(Permission::RevealIdentifiers) { Shown::Clear } else { Shown::Masked };
                    assert_eq!(after, expect, "{role:?} {field:?}");
                } else {
                    assert_eq!((by_default, after), (Shown::Hidden, Shown::Hidden), "{role:?} {field:?}");
                }
            }
        }
    }

    #[test]
    fn health_is_clear_to_assessors_masked_to_auditors_hidden_from_administrators() {
        assert_eq!(shown(Role::Investigator, Relation::InScope, Field::Health, false), Shown::Clear);
        assert_eq!(shown(Role::Auditor, Relation::InScope, Field::Health, false), Shown::Masked);
        assert_eq!(shown(Role::Auditor, Relation::InScope, Field::Health, true), Shown::Masked);
        for admin in [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin, Role::Leader, Role::DepartmentLiaison] {
            assert_eq!(shown(admin, Relation::InScope, Field::Name, false), Shown::Hidden, "{admin:?}");
        }
    }

    #[test]
    fn a_password_covers_five_minutes_and_not_the_future() {
        let now = Utc::now();
        assert!(password_needed(Guarded::Reveal, None, now));
        assert!(!password_needed(Guarded::Export, Some(now - Duration::minutes(4)), now));
        assert!(password_needed(Guarded::Export, Some(now - REAUTH_WINDOW), now));
        assert!(password_needed(Guarded::BulkDecision, Some(now + Duration::seconds(1)), now));
    }

    #[test]
    fn no_one_approves_their_own_export() {
        assert!(may_approve_export(Role::CountyApprover, 1, 2));
        assert!(!may_approve_export(Role::CountyApprover, 2, 2));
        assert!(!may_approve_export(Role::TownReviewer, 1, 2));
    }
}
