//! Roles, region scopes and what each role may do.
//!
//! Every account has one role and one region scope (county, town or village). A permission
//! check is always role × scope: a town clerk may read households, but only in that town.

use crate::region::RegionCode;
use serde::{Deserialize, Serialize};

/// 角色
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 乡镇/街道 受理员
    WindowClerk,
    /// 村/社区 协理员
    VillageAssistant,
    /// 入户调查员
    Investigator,
    /// 乡镇审核
    TownReviewer,
    /// 县级审批
    CountyApprover,
    /// 资金管理员: runs the month's payrolls, clears blocked lines, exports bank files and
    /// imports the bank's answers (county-scoped).
    FinanceOfficer,
    /// 部门联络员 (医保, 教育, 住建 …)
    DepartmentLiaison,
    /// 审计/纪检
    Auditor,
    /// 举报受理员: takes up residents' complaints and reports and hotline work orders of a town
    /// or the county, checks them and answers; the only role that sees who reported.
    ComplaintHandler,
    /// 领导
    Leader,
    /// 系统管理员
    SystemAdmin,
    /// 安全管理员
    SecurityAdmin,
    /// 审计管理员
    AuditAdmin,
}

/// 权限
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read households and members in scope (identifiers masked).
    ReadHousehold,
    /// Register and edit households, members, incomes, assets; move members.
    WriteHousehold,
    /// Create, disable and re-scope accounts.
    ManageAccounts,
    /// Read the access trail.
    ReadAudit,
    /// Read aggregate statistics only.
    ReadStatistics,
    /// Run the policy engine on a household in scope and keep the result (研判).
    AssessHousehold,
    /// Run what-if simulations of a parameter change over the registry (aggregates only).
    Simulate,
    /// Read cases (申请、复核案件) in scope; department liaisons only their department's referrals.
    ReadCase,
    /// Take applications at the one window (一门受理).
    Intake,
    /// Import the next year's official holiday calendar.
    ManageCalendar,
    /// See full ID numbers, certificates, phones and bank accounts, with a purpose and the
    /// password typed again (查看完整信息).
    RevealIdentifiers,
    /// Work the alert queue (预警处理).
    HandleAlerts,
    /// Ask for a household roster as CSV or Excel (导出名册).
    ExportRoster,
    /// Decide others' exports above the approval threshold (导出审批).
    ApproveExport,
    /// Give business accounts their role and region (授权, the security administrator's part of
    /// 三权分立; creating, disabling and resetting accounts is the system administrator's).
    ManageRoles,
    /// See the monitoring pools (一类库、二类库) in scope and record quarterly visits (监测预警).
    ReadMonitoring,
    /// Import department data files (导入部门数据), county-wide accounts only.
    ImportFeeds,
    /// Read payrolls and a household's payments in scope (发放清册).
    ReadPayments,
    /// Generate payrolls, clear blocked lines, export bank files, reconcile, set budgets (资金管理).
    ManagePayments,
    /// Review a payroll (乡镇审核 of the list).
    ReviewPayroll,
    /// Approve or reject a payroll (县级审批), never one the same account generated or reviewed.
    ApprovePayroll,
    /// Pay 先行救助 out of the town's standby fund (乡镇临时救助备用金).
    PayAdvance,
    /// Take up, check and answer complaints and reports (投诉举报受理), and see who reported.
    HandleComplaints,
    /// Put bad ratings right (差评整改): those of applications in the town reviewer's or county
    /// approver's scope, those of complaints in the 举报受理员's.
    RectifyRatings,
    /// Answer residents' online questions (在线咨询) in scope.
    AnswerQuestions,
    /// See the town window's bookings (预约办理) in scope and record who came.
    ServeBookings,
    /// Record where a household's benefit is paid when not to its own account (收款安排: the
    /// 供养服务机构 of 集中供养, a child's 监护人); the finance officer confirms the new account.
    ArrangePayee,
}

impl Role {
    pub const ALL: [Role; 13] = [
        Role::WindowClerk,
        Role::VillageAssistant,
        Role::Investigator,
        Role::TownReviewer,
        Role::CountyApprover,
        Role::FinanceOfficer,
        Role::DepartmentLiaison,
        Role::Auditor,
        Role::ComplaintHandler,
        Role::Leader,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::WindowClerk => "window_clerk",
            Role::VillageAssistant => "village_assistant",
            Role::Investigator => "investigator",
            Role::TownReviewer => "town_reviewer",
            Role::CountyApprover => "county_approver",
            Role::FinanceOfficer => "finance_officer",
            Role::DepartmentLiaison => "department_liaison",
            Role::Auditor => "auditor",
            Role::ComplaintHandler => "complaint_handler",
            Role::Leader => "leader",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// A business role (业务角色): one the system and security administrators may give. The three
    /// administrator roles are given only at install, from the command line, so no administrator
    /// can make another or themselves more powerful through the pages.
    pub fn is_business(self) -> bool {
        !matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::WindowClerk => "受理员",
            Role::VillageAssistant => "村（社区）协理员",
            Role::Investigator => "入户调查员",
            Role::TownReviewer => "乡镇审核员",
            Role::CountyApprover => "县级审批员",
            Role::FinanceOfficer => "资金管理员",
            Role::DepartmentLiaison => "部门联络员",
            Role::Auditor => "审计/纪检人员",
            Role::ComplaintHandler => "举报受理员",
            Role::Leader => "领导",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::WindowClerk => "Window clerk",
            Role::VillageAssistant => "Village assistant",
            Role::Investigator => "Investigator",
            Role::TownReviewer => "Town reviewer",
            Role::CountyApprover => "County approver",
            Role::FinanceOfficer => "Finance officer",
            Role::DepartmentLiaison => "Department liaison",
            Role::Auditor => "Auditor",
            Role::ComplaintHandler => "Complaint handler",
            Role::Leader => "Leader",
            Role::SystemAdmin => "System administrator",
            Role::SecurityAdmin => "Security administrator",
            Role::AuditAdmin => "Audit administrator",
        }
    }

    /// The permission table. System, security and audit administrators (三权分立) read no
    /// personal data; department liaisons see referrals only (a later capability), not the
    /// registry; leaders see statistics.
    pub fn has(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            ReadHousehold => matches!(self, WindowClerk | VillageAssistant | Investigator | TownReviewer | CountyApprover | Auditor),
            WriteHousehold => matches!(self, WindowClerk | VillageAssistant | Investigator),
            ManageAccounts => matches!(self, SystemAdmin),
            ReadAudit => matches!(self, Auditor | AuditAdmin),
            ReadStatistics => matches!(self, Leader | CountyApprover | TownReviewer | Auditor),
            AssessHousehold => matches!(self, WindowClerk | VillageAssistant | Investigator | TownReviewer | CountyApprover),
            Simulate => matches!(self, Leader | CountyApprover),
            ReadCase => {
                matches!(self, WindowClerk | VillageAssistant | Investigator | TownReviewer | CountyApprover | DepartmentLiaison | Auditor)
            }
            Intake => matches!(self, WindowClerk),
            ManageCalendar => matches!(self, SystemAdmin),
            // Case workers only: auditors see who looked, not what they saw.
            RevealIdentifiers => matches!(self, WindowClerk | VillageAssistant | Investigator | TownReviewer | CountyApprover),
            HandleAlerts => matches!(self, Auditor | AuditAdmin),
            ExportRoster => matches!(self, WindowClerk | TownReviewer | CountyApprover),
            ApproveExport => matches!(self, CountyApprover),
            ManageRoles => matches!(self, SecurityAdmin),
            ReadMonitoring => matches!(self, WindowClerk | VillageAssistant | TownReviewer | CountyApprover),
            ImportFeeds => matches!(self, WindowClerk | CountyApprover),
            ReadPayments => matches!(self, FinanceOfficer | TownReviewer | CountyApprover | Auditor),
            ManagePayments => matches!(self, FinanceOfficer),
            ReviewPayroll => matches!(self, TownReviewer | FinanceOfficer),
            ApprovePayroll => matches!(self, CountyApprover),
            PayAdvance => matches!(self, TownReviewer),
            ArrangePayee => matches!(self, TownReviewer),
            HandleComplaints => matches!(self, ComplaintHandler),
            RectifyRatings => matches!(self, TownReviewer | CountyApprover | ComplaintHandler),
            AnswerQuestions => matches!(self, WindowClerk | TownReviewer | CountyApprover),
            ServeBookings => matches!(self, WindowClerk | TownReviewer),
        }
    }
}

/// The region an account works in. Records outside it do not exist for that account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope(pub RegionCode);

impl Scope {
    pub fn contains(&self, code: &RegionCode) -> bool {
        code.is_within(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrators_read_no_personal_data() {
        for r in [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin, Role::DepartmentLiaison, Role::Leader] {
            assert!(!r.has(Permission::ReadHousehold), "{r:?}");
            assert!(!r.has(Permission::WriteHousehold), "{r:?}");
        }
        assert!(Role::SystemAdmin.has(Permission::ManageAccounts));
        assert!(!Role::SecurityAdmin.has(Permission::ManageAccounts));
    }

    /// 三权分立: each administrator holds one of accounts, roles and the audit trail, no more.
    #[test]
    fn the_three_administrators_hold_one_power_each() {
        let powers = [Permission::ManageAccounts, Permission::ManageRoles, Permission::ReadAudit];
        for (admin, power) in [(Role::SystemAdmin, 0), (Role::SecurityAdmin, 1), (Role::AuditAdmin, 2)] {
            let held: Vec<usize> = (0..3).filter(|&i| admin.has(powers[i])).collect();
            assert_eq!(held, vec![power], "{admin:?}");
        }
    }

    /// The business roles that are administered (the three administrators are created at install).
    #[test]
    fn business_roles_exclude_the_administrators() {
        for r in Role::ALL {
            assert_eq!(r.is_business(), !matches!(r, Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin), "{r:?}");
        }
    }

    #[test]
    fn roles_round_trip_and_scope_is_prefix() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        let town = Scope(RegionCode::parse("620825100").unwrap());
        assert!(town.contains(&RegionCode::parse("620825100201").unwrap()));
        assert!(!town.contains(&RegionCode::parse("620825101201").unwrap()));
    }
}
