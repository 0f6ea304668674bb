//! 留痕: what a service did for one request — the objects and households it resolved and read, the
//! kind of search, and why it refused — recorded by the service itself as it works. The web layer
//! writes the request's one audit entry from this record, never from the URL, so no spelling of a
//! path or query (`+6`, `%36`, `%71=`) can leave a read out of a household's 查阅记录 or out of
//! the alert rules.

use std::sync::{Arc, Mutex, PoisonError};

/// What was done (the entry's `action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// 登录
    Login,
    /// 登录失败
    LoginFailed,
    /// 退出
    Logout,
    /// 再次验证密码
    Reauth,
    /// 查看
    View,
    /// 查询
    Search,
    /// 查看完整证件号等（脱敏字段）
    Reveal,
    /// 申请导出
    Export,
    /// 下载导出文件
    Download,
    /// 新建
    Create,
    /// 修改
    Update,
    /// 审核、审批等业务决定
    Decide,
    /// 账号、角色管理
    Account,
    /// 预警处理
    HandleAlert,
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::Login,
        Action::LoginFailed,
        Action::Logout,
        Action::Reauth,
        Action::View,
        Action::Search,
        Action::Reveal,
        Action::Export,
        Action::Download,
        Action::Create,
        Action::Update,
        Action::Decide,
        Action::Account,
        Action::HandleAlert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Logout => "logout",
            Action::Reauth => "reauth",
            Action::View => "view",
            Action::Search => "search",
            Action::Reveal => "reveal",
            Action::Export => "export",
            Action::Download => "download",
            Action::Create => "create",
            Action::Update => "update",
            Action::Decide => "decide",
            Action::Account => "account",
            Action::HandleAlert => "handle_alert",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Action::Login => "登录",
            Action::LoginFailed => "登录失败",
            Action::Logout => "退出",
            Action::Reauth => "再次验证",
            Action::View => "查看",
            Action::Search => "查询",
            Action::Reveal => "查看完整信息",
            Action::Export => "申请导出",
            Action::Download => "下载",
            Action::Create => "新建",
            Action::Update => "修改",
            Action::Decide => "办理",
            Action::Account => "账号管理",
            Action::HandleAlert => "处理预警",
        }
    }
}

/// Why a request was refused (`outcome = denied`), as the entry's `reason` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The role may not do this at all.
    Role,
    /// The object lies outside the account's region (越权访问).
    OutOfScope,
    /// The password was not typed again, or wrongly.
    Reauth,
    /// Input refused (a bad purpose, a bad file, an id not in its one form).
    Invalid,
    /// Nothing by that id exists anywhere.
    NotFound,
    /// Someone else changed it first, or it is no longer in a state that allows this.
    Conflict,
    /// Not signed in, or too many attempts.
    Unauthenticated,
}

impl Denial {
    pub fn as_str(self) -> &'static str {
        match self {
            Denial::Role => "role",
            Denial::OutOfScope => "out_of_scope",
            Denial::Reauth => "reauth",
            Denial::Invalid => "invalid",
            Denial::NotFound => "not_found",
            Denial::Conflict => "conflict",
            Denial::Unauthenticated => "unauthenticated",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Denial::Role => "角色无权限",
            Denial::OutOfScope => "越权访问",
            Denial::Reauth => "未通过再次验证",
            Denial::Invalid => "输入不合规",
            Denial::NotFound => "对象不存在",
            Denial::Conflict => "状态已变化",
            Denial::Unauthenticated => "未登录",
        }
    }
}

/// The kind of object an entry names (`object_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Household,
    Case,
    Benefit,
    Photo,
    Assessment,
    Export,
    Alert,
    Account,
    FeedImport,
    Session,
    /// 发放清册
    Payroll,
    /// 应追回款
    Receivable,
    /// 网上申请
    OnlineApplication,
    /// 投诉举报
    Complaint,
    /// 在线咨询
    Question,
    /// 预约办理
    Booking,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 16] = [
        ObjectKind::Household,
        ObjectKind::Case,
        ObjectKind::Benefit,
        ObjectKind::Photo,
        ObjectKind::Assessment,
        ObjectKind::Export,
        ObjectKind::Alert,
        ObjectKind::Account,
        ObjectKind::FeedImport,
        ObjectKind::Session,
        ObjectKind::Payroll,
        ObjectKind::Receivable,
        ObjectKind::OnlineApplication,
        ObjectKind::Complaint,
        ObjectKind::Question,
        ObjectKind::Booking,
    ];

    pub fn parse(s: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind in words, for the audit pages.
    pub fn zh(self) -> &'static str {
        match self {
            ObjectKind::Household => "家庭",
            ObjectKind::Case => "案件",
            ObjectKind::Benefit => "救助待遇",
            ObjectKind::Photo => "照片",
            ObjectKind::Assessment => "研判结果",
            ObjectKind::Export => "名册导出",
            ObjectKind::Alert => "预警",
            ObjectKind::Account => "账号",
            ObjectKind::FeedImport => "部门数据导入",
            ObjectKind::Session => "登录会话",
            ObjectKind::Payroll => "发放清册",
            ObjectKind::Receivable => "应追回款",
            ObjectKind::OnlineApplication => "网上申请",
            ObjectKind::Complaint => "投诉举报",
            ObjectKind::Question => "在线咨询",
            ObjectKind::Booking => "预约办理",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Household => "household",
            ObjectKind::Case => "case",
            ObjectKind::Benefit => "benefit",
            ObjectKind::Photo => "photo",
            ObjectKind::Assessment => "assessment",
            ObjectKind::Export => "export",
            ObjectKind::Alert => "alert",
            ObjectKind::Account => "account",
            ObjectKind::FeedImport => "feed_import",
            ObjectKind::Session => "session",
            ObjectKind::Payroll => "payroll",
            ObjectKind::Receivable => "receivable",
            ObjectKind::OnlineApplication => "online_application",
            ObjectKind::Complaint => "complaint",
            ObjectKind::Question => "question",
            ObjectKind::Booking => "booking",
        }
    }
}

/// How a search looked people up (`by=…` in the entry's detail; the text itself is never kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchBy {
    /// A full ID number: counts towards the `id_searches` alert.
    IdNumber,
    Name,
    Region,
}

impl SearchBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchBy::IdNumber => "id_number",
            SearchBy::Name => "name",
            SearchBy::Region => "region",
        }
    }
}

/// Everything recorded for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accessed {
    /// The action, when the service knows better than the request's method (reveal, export…).
    pub action: Option<Action>,
    /// The object the request named, as the service resolved it.
    pub object: Option<(ObjectKind, i64)>,
    /// Households whose personal data was read or changed, in order, each once.
    pub households: Vec<i64>,
    /// Names of the personal-data fields shown (never their values).
    pub fields: Vec<&'static str>,
    /// 查询事由, when the user gave one.
    pub purpose: String,
    pub search: Option<SearchBy>,
    /// On an allowed entry, a hint for the alert rules (`outside_caseload`).
    pub hint: String,
    /// Counts and codes (`rows=120`, `export=7`); never a personal value.
    pub detail: Vec<String>,
    pub refused: Option<Denial>,
}

/// The record a request's services share (cheap to clone: every clone writes the same record).
#[derive(Debug, Clone, Default)]
pub struct Trail(Arc<Mutex<Accessed>>);

impl Trail {
    fn with<R>(&self, f: impl FnOnce(&mut Accessed) -> R) -> R {
        // A panic elsewhere while holding the lock leaves a record that is still worth writing.
        let mut guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// A copy of what was recorded so far.
    pub fn snapshot(&self) -> Accessed {
        self.with(|a| a.clone())
    }

    pub fn action(&self, action: Action) {
        self.with(|a| a.action = Some(action));
    }

    /// The object the request named (the first one named stays).
    pub fn object(&self, kind: ObjectKind, id: i64) {
        self.with(|a| {
            a.object.get_or_insert((kind, id));
        });
    }

    /// A household whose data was read or changed (or that was asked for out of scope).
    pub fn household(&self, id: i64) {
        self.with(|a| {
            if !a.households.contains(&id) {
                a.households.push(id);
            }
        });
    }

    pub fn fields(&self, fields: &[&'static str]) {
        self.with(|a| {
            for f in fields {
                if !a.fields.contains(f) {
                    a.fields.push(f);
                }
            }
        });
    }

    pub fn purpose(&self, purpose: &str) {
        self.with(|a| a.purpose = purpose.to_string());
    }

    pub fn search(&self, by: SearchBy) {
        self.with(|a| {
            // An ID-number lookup is what the alert rules count: it is never downgraded.
            if a.search != Some(SearchBy::IdNumber) {
                a.search = Some(by);
            }
        });
    }

    pub fn hint(&self, hint: &str) {
        self.with(|a| a.hint = hint.to_string());
    }

    /// Adds `key=value` codes to the entry's detail.
    pub fn detail(&self, detail: impl Into<String>) {
        let d = detail.into();
        self.with(|a| a.detail.push(d));
    }

    /// Records a refusal. 越权 outranks any other reason given for the same request.
    pub fn refuse(&self, why: Denial) {
        self.with(|a| {
            if a.refused.is_none() || why == Denial::OutOfScope {
                a.refused = Some(why);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_record_and_out_of_scope_outranks() {
        let t = Trail::default();
        let seen_by_service = t.clone();
        seen_by_service.object(ObjectKind::Household, 6);
        seen_by_service.object(ObjectKind::Household, 7);
        seen_by_service.household(6);
        seen_by_service.household(6);
        seen_by_service.refuse(Denial::Invalid);
        seen_by_service.refuse(Denial::OutOfScope);
        seen_by_service.refuse(Denial::Role);
        seen_by_service.search(SearchBy::IdNumber);
        seen_by_service.search(SearchBy::Name);
        let a = t.snapshot();
        assert_eq!(a.object, Some((ObjectKind::Household, 6)));
        assert_eq!(a.households, vec![6]);
        assert_eq!(a.refused, Some(Denial::OutOfScope));
        assert_eq!(a.search, Some(SearchBy::IdNumber));
    }

    #[test]
    fn actions_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
    }
}
