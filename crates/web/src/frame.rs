//! The page frame every page shares: who is signed in and what the menu offers ([`Chrome`]),
//! rendering a template, and the form helpers (field messages, select options, masked values
//! that come back unchanged).

use crate::error::WebError;
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::{Lang, Permission, RegionLevel, Role, ValidationErrors};
use std::collections::HashMap;

/// What every page's frame shows: who is signed in, the language, the CSRF token, the menu.
pub struct Chrome {
    pub lang: PageLang,
    pub user_name: String,
    pub role: String,
    pub region: String,
    pub csrf: String,
    pub path: String,
    /// Show the simulation page in the menu.
    pub can_simulate: bool,
    /// Show the assessment comparison by region in the menu.
    pub can_statistics: bool,
    /// Show the case queue in the menu.
    pub can_cases: bool,
    /// Show the public notice in the menu (case readers except department liaisons).
    pub can_publicity: bool,
    /// Show the holiday calendar import in the menu.
    pub can_calendar: bool,
    /// Show the audit trail in the menu.
    pub can_audit: bool,
    /// Show the alert queue in the menu.
    pub can_alerts: bool,
    /// Show roster exports (asking, or approving) in the menu.
    pub can_exports: bool,
    /// Show the monitoring pools in the menu.
    pub can_monitoring: bool,
    /// Show the payrolls (资金发放) in the menu.
    pub can_payments: bool,
    /// Show the standby fund (乡镇临时救助备用金) in the menu.
    pub can_standby: bool,
    /// Show 提标补差 (a rise of the standard applied to the county's benefits) in the menu.
    pub can_rises: bool,
    /// Show department data imports in the menu.
    pub can_feeds: bool,
    /// Show account administration (system and security administrators) in the menu.
    pub can_accounts: bool,
    /// Show the household registry in the menu.
    pub can_households: bool,
    /// Show the complaints queue (投诉举报) in the menu.
    pub can_complaints: bool,
    /// Show 差评整改 (bad ratings to put right) in the menu.
    pub can_ratings: bool,
    /// Show 在线咨询 (residents' questions to answer) in the menu.
    pub can_questions: bool,
    pub can_bookings: bool,
    /// The password must be changed first: no menu at all.
    pub restricted: bool,
    /// Show the API documentation in the menu: to the roles whose work has an API (case and
    /// household work, department data, integration by the system administrator).
    pub can_api: bool,
}

impl Chrome {
    pub async fn new(state: &AppState, session: &SignedIn, lang: PageLang, path: &str) -> Chrome {
        let u = &session.user;
        let region = state.registry.region_name(&u.scope.0).await.ok().flatten().unwrap_or_else(|| u.scope.0.to_string());
        Chrome {
            lang,
            user_name: u.display_name.clone(),
            role: lang.t(u.role.zh(), u.role.en()).to_string(),
            region,
            csrf: session.csrf_token.clone(),
            path: path.to_string(),
            can_simulate: u.can(Permission::Simulate),
            can_statistics: u.can(Permission::ReadStatistics),
            can_cases: u.can(Permission::ReadCase),
            can_publicity: u.can(Permission::ReadCase) && u.role != Role::DepartmentLiaison,
            can_calendar: u.can(Permission::ManageCalendar),
            can_audit: u.can(Permission::ReadAudit),
            can_alerts: u.can(Permission::HandleAlerts),
            can_exports: u.can(Permission::ExportRoster) || u.can(Permission::ApproveExport),
            can_accounts: u.can(Permission::ManageAccounts) || u.can(Permission::ManageRoles),
            can_monitoring: u.can(Permission::ReadMonitoring),
            can_payments: u.can(Permission::ReadPayments),
            can_standby: u.can(Permission::ReadPayments) || u.can(Permission::PayAdvance),
            can_rises: u.can(Permission::ApprovePayroll),
            can_feeds: u.can(Permission::ImportFeeds)
                && matches!(u.scope.0.level(), RegionLevel::Province | RegionLevel::City | RegionLevel::County),
            can_households: u.can(Permission::ReadHousehold),
            can_complaints: u.can(Permission::HandleComplaints),
            can_ratings: u.can(Permission::RectifyRatings),
            can_questions: u.can(Permission::AnswerQuestions),
            can_bookings: u.can(Permission::ServeBookings),
            restricted: session.must_change_password,
            can_api: u.can(Permission::ReadHousehold)
                || u.can(Permission::ReadCase)
                || u.can(Permission::ImportFeeds)
                || u.role == Role::SystemAdmin,
        }
    }
}

/// Whether a guarded operation may go ahead without asking for the password again.
pub fn reauth_fresh(state: &AppState, session: &SignedIn, op: Guarded) -> bool {
    state.accounts.reauth_fresh(&session.user, op)
}

pub fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => WebError::internal(e).page(Lang::Zh),
    }
}

/// The start page of a role: the household list, or the region tree for roles without access
/// to household records (leaders, administrators, department liaisons).
pub fn home_of(role: Role) -> &'static str {
    if role.has(Permission::ReadHousehold) {
        "/households"
    } else if role.has(Permission::ManagePayments) {
        "/payrolls"
    } else if role.has(Permission::ReadCase) {
        "/cases"
    } else if role.has(Permission::HandleComplaints) {
        "/complaints"
    } else if role.has(Permission::ReadStatistics) {
        // Leaders: the comparison of their region's assessments (statistics come later).
        "/assessments/regions"
    } else {
        "/regions"
    }
}

/// Field → message in the page language.
#[derive(Default)]
pub struct Errs(HashMap<String, String>);

impl Errs {
    pub fn new(v: &ValidationErrors, lang: PageLang) -> Errs {
        let mut m = HashMap::new();
        for e in &v.0 {
            m.entry(e.field.clone()).or_insert_with(|| e.message(lang.0).to_string());
        }
        Errs(m)
    }
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    /// Errors whose field has no place on the form (shown at the top), each naming its field in words.
    pub fn others(&self, shown: &[&str], lang: PageLang) -> Vec<String> {
        self.0.iter().filter(|(k, _)| !shown.contains(&k.as_str())).map(|(k, v)| format!("{}：{v}", field_label(k, lang))).collect()
    }
}

/// Every message of a refusal, in the page language (for a form's top).
pub fn messages(v: &ValidationErrors, lang: PageLang) -> Vec<String> {
    v.0.iter().map(|e| e.message(lang.0).to_string()).collect()
}

/// A form field's name in words, for messages that name it (the code itself when unknown).
pub fn field_label(field: &str, lang: PageLang) -> &str {
    let (zh, en) = match field {
        "purpose" => ("事由", "reason"),
        "password" => ("密码", "password"),
        // 收款安排
        "payee_role" => ("收款人类别", "payee"),
        "code" => ("证件号或信用代码", "ID number or credit code"),
        "account_no" => ("银行账号", "account number"),
        "basis" => ("依据", "basis"),
        "care_amount" => ("照料护理费", "care allowance"),
        "from_month" => ("起始月份", "first month"),
        "memo" => ("缴款凭证号", "receipt number"),
        "imprest" => ("备用金定额", "imprest"),
        "payment_limit" => ("单笔限额", "per-payment limit"),
        "town" => ("乡镇", "town"),
        "reason" => ("事由", "reason"),
        "household_id" => ("家庭编号", "household number"),
        "my_password" => ("本人密码", "your password"),
        "current" => ("当前密码", "current password"),
        "new" => ("新密码", "new password"),
        "again" => ("再次输入新密码", "new password again"),
        "username" => ("用户名", "username"),
        "display_name" => ("姓名", "name"),
        "role" => ("角色", "role"),
        "region" => ("区划", "region"),
        "department" => ("部门", "department"),
        "account" => ("账号", "account"),
        "programme" => ("救助类型", "programme"),
        "format" => ("文件格式", "file format"),
        "decision" => ("审批意见", "decision"),
        "note" => ("处理情况", "note"),
        "state" => ("处理状态", "state"),
        "arrival" => ("到场情况", "whether they came"),
        "outcome" => ("处理结论", "outcome"),
        "feed" => ("数据类型", "kind of data"),
        "file" => ("文件", "file"),
        "path" => ("地址", "address"),
        "cases" | "action" => ("批量办理", "bulk action"),
        "approve" => ("乡镇审核意见", "town's opinion"),
        "declared_matches" => ("与申报是否一致", "as declared"),
        "reinvestigate" => ("异议处理", "objection"),
        "granted" => ("救助结果", "result"),
        "co_investigator_id" => ("第二名调查人员", "second investigator"),
        "visited_on" => ("调查日期", "date of the visit"),
        "self_care" | "self_care_all" => ("生活自理能力", "self-care"),
        "id_number" => ("身份证号码", "ID number"),
        "name" => ("姓名", "name"),
        "relation" => ("与户主关系", "relation to the head"),
        "phone" | "member_phone" => ("联系电话", "phone"),
        "disability_kind" => ("残疾类别", "kind of disability"),
        "disability_grade" => ("残疾等级", "disability grade"),
        "disability_certificate" => ("残疾人证号", "disability certificate"),
        "labour_capacity" => ("劳动能力", "capacity to work"),
        "student" => ("在学情况", "schooling"),
        "employment" => ("就业状况", "employment"),
        "excluded" => ("不计入家庭成员的情形", "not counted as a member"),
        "members" => ("家庭成员", "members"),
        "hukou_region" => ("户籍地", "registered village"),
        "residence_region" => ("居住地", "village lived in"),
        "area" => ("城乡类别", "area"),
        "address" => ("地址", "address"),
        "bank" => ("开户银行", "bank"),
        "bank_account_no" => ("银行账号", "bank account number"),
        "to_household" => ("目标家庭", "target household"),
        "member" => ("成员", "member"),
        "kind" => ("类别", "kind"),
        "month" => ("月份", "month"),
        "amount" => ("金额", "amount"),
        "value" => ("价值", "value"),
        "birth_date" => ("出生日期", "date of birth"),
        "status" => ("救助状态", "status"),
        "annual_income_per_capita" => ("家庭年人均收入", "income per head"),
        "declaration" => ("申报", "declaration"),
        "incomes" => ("收入", "income"),
        "assets" => ("财产", "assets"),
        "expenses" => ("刚性支出", "rigid expenses"),
        "supporters" => ("赡养义务人", "supporters"),
        _ => return field,
    };
    lang.t(zh, en)
}

/// A step refused on a staff page, answered as the object's page drawn again by `draw` (given the
/// line for the top of the form and each field's message, to show with what was typed) under the
/// refusal's status. Not found and forbidden answer outright: the object is not shown. Drawing
/// the page reads the object again; the request's audit entry stays `intent`, the refused step.
pub async fn redraw_refused(
    e: WebError,
    lang: PageLang,
    trail: &jiuzhu_domain::Trail,
    intent: jiuzhu_domain::Action,
    draw: impl AsyncFnOnce(String, Errs) -> Response,
) -> Response {
    if matches!(e, WebError::NotFound | WebError::Forbidden) {
        return e.page(lang.0);
    }
    let status = e.status();
    let (error, errs) = match &e {
        WebError::Invalid(v) => (form_errors(v, lang), Errs::new(v, lang)),
        _ => {
            let b = e.body();
            (lang.0.pick(&b.message, &b.message_en).to_string(), Errs::default())
        }
    };
    let mut page = draw(error, errs).await;
    trail.action(intent);
    // A page that could not be drawn (gone meanwhile) keeps its own status.
    if page.status().is_success() {
        *page.status_mut() = status;
    }
    page
}

/// A refusal as one line for the top of a form: each field named in words, then what is wrong.
pub fn form_errors(v: &ValidationErrors, lang: PageLang) -> String {
    v.0.iter().map(|e| format!("{}：{}", field_label(&e.field, lang), e.message(lang.0))).collect::<Vec<_>>().join("；")
}

/// A sensitive value of an in-scope record as `role` sees it when nothing was revealed (lists,
/// edit forms), as [`jiuzhu_domain::access::shown`] decides: the value, its masked form, or nothing.
pub fn present(role: jiuzhu_domain::Role, field: jiuzhu_domain::access::Field, value: &str, mask: impl FnOnce(&str) -> String) -> String {
    use jiuzhu_domain::access::{Relation, Shown, shown};
    match shown(role, Relation::InScope, field, false) {
        Shown::Clear => value.to_string(),
        Shown::Masked => mask(value),
        Shown::Hidden => String::new(),
    }
}

/// Edit forms show identifiers masked, as every page does: opening a form must not reveal a full
/// ID, bank or phone number. A field sent back still masked keeps the stored value.
pub fn unmask(sent: &str, stored: Option<&str>, mask: fn(&str) -> String) -> String {
    match stored {
        Some(s) if sent.trim() == mask(s) => s.to_string(),
        _ => sent.to_string(),
    }
}

/// One option of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The options of a select over an enumeration, the current value selected, with an optional
/// blank first option.
pub fn opts<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    current: &str,
    blank: Option<&str>,
) -> Vec<Opt> {
    let mut v: Vec<Opt> =
        blank.map(|b| Opt { value: String::new(), label: b.to_string(), selected: current.is_empty() }).into_iter().collect();
    v.extend(all.iter().map(|x| Opt { value: value(*x).into(), label: label(*x).into(), selected: value(*x) == current }));
    v
}

/// A date and time as pages show it: Beijing time, to the minute.
pub fn beijing_minutes(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&jiuzhu_domain::clock::BEIJING).format("%Y-%m-%d %H:%M").to_string()
}

/// A date and time as pages show it: Beijing time, to the second.
pub fn beijing_seconds(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&jiuzhu_domain::clock::BEIJING).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A same-site path to go back to, or `None`: a path of this site only — not `//host`, not
/// `/\host` (browsers read a backslash as a slash), no control characters — so no link of ours
/// can send anyone elsewhere.
pub fn same_site_path(p: &str) -> Option<&str> {
    let b = p.as_bytes();
    let ok = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && !p.contains('\\')
        && !p.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_gone_back_to() {
        assert_eq!(same_site_path("/households?q=1"), Some("/households?q=1"));
        assert_eq!(same_site_path("/"), Some("/"));
        for bad in ["//evil.example", "/\\evil.example", "/%5Cevil", "https://evil.example", "evil", "/a\\b", "/a\tb", ""] {
            // `/%5Cevil` decodes to `/\evil` before it reaches us (the query is decoded).
            let decoded = bad.replace("%5C", "\\");
            assert_eq!(same_site_path(&decoded), None, "{bad:?}");
        }
    }
}
