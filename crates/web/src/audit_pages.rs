//! The audit trail for auditors: the trail searched, one household's 查阅记录, the chain verified.
//! The auditors' service ([`jiuzhu_audit::Auditing`]) reads it inside their region.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, beijing_seconds, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use jiuzhu_audit::service::{TrailFilter, TrailPage};
use jiuzhu_domain::access::Field;
use jiuzhu_domain::{Action, Denial, ObjectKind};
use jiuzhu_store::AuditEntry;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households/{id}/access", get(access_page))
        .route("/audit", get(audit_page))
        .route("/audit/verify", post(verify_submit))
}

pub struct EntryRow {
    pub id: i64,
    pub at: String,
    pub username: String,
    /// The person's name and where they work (水洛镇), or the account code when unknown.
    pub who: String,
    pub place: String,
    /// What the person did, in words: the page opened or the step taken.
    pub what: String,
    pub role: String,
    pub ip: String,
    pub action: String,
    pub object: String,
    pub household_id: String,
    pub fields: String,
    pub purpose: String,
    pub denied: bool,
    pub reason: String,
    pub detail: String,
}

/// An audit entry's time (stored as UTC text) in Beijing time.
fn entry_time(at: &str) -> String {
    DateTime::parse_from_rfc3339(at).map(|t| beijing_seconds(t.with_timezone(&Utc))).unwrap_or_else(|_| at.to_string())
}

/// The reason of a refusal in the page language (allowed entries keep their hint as written).
fn reason_text(outcome: &str, reason: &str, lang: PageLang) -> String {
    const ALL: [Denial; 7] =
        [Denial::Role, Denial::OutOfScope, Denial::Reauth, Denial::Invalid, Denial::NotFound, Denial::Conflict, Denial::Unauthenticated];
    match ALL.iter().find(|d| d.as_str() == reason).filter(|_| outcome == "denied") {
        Some(d) if !lang.is_en() => d.zh().to_string(),
        // The one hint an allowed entry carries: a reveal of a household not in the user's caseload.
        None if reason == "outside_caseload" => lang.t("非经办", "outside the caseload").to_string(),
        _ => reason.to_string(),
    }
}

/// What an entry was about, in words: an object's kind, or the page's area when the service
/// named no object (`audit`, `home` …).
fn kind_label(kind: &str, lang: PageLang) -> String {
    if let Some(k) = ObjectKind::parse(kind) {
        return lang.t(k.zh(), k.as_str()).to_string();
    }
    let zh = match kind {
        "home" => "首页",
        "audit" => "审计日志",
        "monitoring" => "监测预警",
        "feeds" => "部门数据",
        "regions" => "行政区划",
        "publicity" => "公示",
        "simulate" => "政策模拟",
        "password" => "修改密码",
        "admin" => "系统设置",
        "ui" => "表单校验",
        _ => return kind.to_string(),
    };
    lang.t(zh, kind).to_string()
}

/// A field the entry names, in words (the trail records its code).
fn field_label(field: &str, lang: PageLang) -> &str {
    if let Some(f) = Field::parse(field) {
        return lang.t(f.zh(), f.as_str());
    }
    match field {
        "id_number_masked" => lang.t("身份证号码（脱敏）", field),
        "member_count" => lang.t("家庭人口", field),
        "benefit_amount" => lang.t("救助金额", field),
        "feed_records" => lang.t("部门数据", field),
        _ => field,
    }
}

/// The page or call an entry records (`GET /cases/{n};status=200`), in words.
fn page_words(detail: &str, lang: PageLang) -> Option<&'static str> {
    let request = detail.split(';').find(|p| p.starts_with("GET ") || p.starts_with("POST ") || p.starts_with("PUT "))?;
    let (zh, en) = match request {
        "GET /households/{n}" => ("打开家庭档案", "opened the household page"),
        "GET /households/{n}/edit" => ("打开修改家庭信息页", "opened the household form"),
        "GET /households/{n}/declaration" => ("打开家庭申报页", "opened the declaration"),
        "POST /households/{n}/declaration" | "PUT /api/v1/households/{n}/records" => ("保存家庭申报", "saved the declaration"),
        "POST /households/{n}/edit" | "PUT /api/v1/households/{n}" => ("修改家庭信息", "changed the household"),
        "GET /households/{n}/members/{n}/edit" => ("打开成员信息页", "opened a member's form"),
        "POST /households/{n}/members/{n}/edit" | "POST /households/{n}/members/new" => ("修改或添加成员", "changed or added a member"),
        "POST /households/{n}/reveal" => ("查看完整信息", "revealed full identifiers"),
        "GET /households/{n}/access" => ("查看本户查阅记录", "read this access record"),
        "GET /households/{n}/intake" | "POST /households/{n}/intake" => ("受理救助申请", "took an application"),
        "POST /households/{n}/assess" | "GET /households/{n}/assessments/{n}" => ("救助研判", "assessment"),
        "GET /cases/{n}" => ("打开案件页", "opened the case"),
        "POST /cases/{n}/step" | "POST /api/v1/cases/{n}/steps" => ("办理案件", "took a step on the case"),
        "GET /cases/{n}/survey" => ("打开入户调查页", "opened the home survey"),
        "POST /cases/{n}/photos" | "POST /api/v1/cases/{n}/photos" => ("上传调查照片", "uploaded a survey photo"),
        "GET /cases/{n}/photos/{n}" => ("查看调查照片", "looked at a survey photo"),
        "POST /cases/{n}/photos/{n}/remove" => ("删除调查照片", "removed a survey photo"),
        "GET /cases/{n}/documents/{n}" => ("打开文书", "opened a document"),
        "GET /api/v1/households/{n}" | "GET /api/v1/cases/{n}" => ("通过接口读取", "read through the API"),
        _ => return None,
    };
    Some(if lang.is_en() { en } else { zh })
}

pub fn entry_row(e: AuditEntry, people: &std::collections::HashMap<String, jiuzhu_audit::service::Person>, lang: PageLang) -> EntryRow {
    let r = e.record;
    let person = people.get(&r.username);
    let who = person.map(|p| p.display_name.clone()).unwrap_or_else(|| r.username.clone());
    let place = person.map(|p| p.region_name.clone()).unwrap_or_else(|| r.region.clone());
    let action = Action::parse(&r.action).map(|a| lang.t(a.zh(), a.as_str()).to_string()).unwrap_or(r.action.clone());
    let object_words = if r.object_id.is_empty() {
        kind_label(&r.object_kind, lang)
    } else {
        format!("{} #{}", kind_label(&r.object_kind, lang), r.object_id)
    };
    let what = match page_words(&r.detail, lang) {
        Some(w) if r.object_kind == "case" && !r.object_id.is_empty() => format!("{w}（{object_words}）"),
        Some(w) => w.to_string(),
        None => format!("{action} {object_words}"),
    };
    let role = jiuzhu_domain::Role::parse(&r.role).map(|x| lang.t(x.zh(), x.en()).to_string()).unwrap_or(r.role);
    EntryRow {
        id: e.id,
        at: entry_time(&r.at),
        username: r.username,
        who,
        place,
        what,
        role,
        ip: r.ip,
        action,
        object: object_words,
        household_id: r.household_id.map(|h| h.to_string()).unwrap_or_default(),
        fields: r.fields.split(',').filter(|f| !f.is_empty()).map(|f| field_label(f, lang)).collect::<Vec<_>>().join(lang.t("、", ", ")),
        purpose: r.purpose,
        denied: r.outcome == "denied",
        reason: reason_text(&r.outcome, &r.reason, lang),
        detail: r.detail,
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditFilter {
    username: String,
    household: String,
    action: String,
    outcome: String,
    /// YYYY-MM-DD, Beijing time, inclusive.
    from: String,
    /// YYYY-MM-DD, Beijing time, inclusive.
    to: String,
    before: Option<Id>,
}

impl AuditFilter {
    fn trail(&self) -> TrailFilter {
        TrailFilter {
            username: self.username.clone(),
            action: self.action.clone(),
            outcome: self.outcome.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            before: self.before.map(|b| b.0),
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    f: AuditFilter,
    /// A household's 查阅记录 rather than the whole trail.
    household_view: Option<i64>,
    rows: Vec<EntryRow>,
    next_before: Option<i64>,
    actions: Vec<(&'static str, String)>,
    error: String,
    verification: Option<(bool, String)>,
}

fn action_options(lang: PageLang) -> Vec<(&'static str, String)> {
    Action::ALL.iter().map(|a| (a.as_str(), lang.t(a.zh(), a.as_str()).to_string())).collect()
}

/// The rows of a page, or the refusal of the filter named by its field (the form stays as typed).
fn rows_of(found: Result<TrailPage, WebError>, lang: PageLang) -> Result<(Vec<EntryRow>, Option<i64>, String), WebError> {
    match found {
        Ok(p) => Ok((p.entries.into_iter().map(|e| entry_row(e, &p.people, lang)).collect(), p.next_before, String::new())),
        Err(WebError::Invalid(v)) => Ok((Vec::new(), None, crate::frame::form_errors(&v, lang))),
        Err(e) => Err(e),
    }
}

async fn audit_page(State(state): State<AppState>, Page { session, lang }: Page, Query(f): Query<AuditFilter>) -> Response {
    // The household box narrows the trail to one household's 查阅记录.
    let found = match f.household.trim() {
        "" => state.auditing.entries(&session.user, &f.trail()).await,
        h => match Id::parse(h) {
            Some(h) => state.auditing.household_log(&session.user, h.0, &f.trail()).await,
            None => Err(jiuzhu_audit::AuditingError::Invalid(
                jiuzhu_domain::FieldError::new("household", "id", "家庭编号只写数字", "a household number is digits only").into(),
            )),
        },
    };
    let (rows, next_before, error) = match rows_of(found.map_err(WebError::from), lang) {
        Ok(x) => x,
        Err(e) => return e.page(lang.0),
    };
    let c = Chrome::new(&state, &session, lang, "/audit").await;
    render(AuditPage { c, f, household_view: None, rows, next_before, actions: action_options(lang), error, verification: None })
}

/// 查阅记录: who looked at one household, for auditors whose region holds it.
async fn access_page(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Query(f): Query<AuditFilter>,
) -> Response {
    let found = state.auditing.household_log(&session.user, id, &f.trail()).await.map_err(WebError::from);
    let (rows, next_before, error) = match rows_of(found, lang) {
        Ok(x) => x,
        Err(e) => return e.page(lang.0),
    };
    let c = Chrome::new(&state, &session, lang, &format!("/households/{}/access", id)).await;
    render(AuditPage { c, f, household_view: Some(id), rows, next_before, actions: action_options(lang), error, verification: None })
}

async fn verify_submit(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    let v = match state.auditing.verify(&session.user).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let text = match v.problems.first() {
        None => lang
            .t(
                &format!("审计日志完整：{} 条记录、{} 个检查点的封印全部相符。", v.entries, v.checkpoints),
                &format!("The audit trail is whole: {} entries and {} checkpoints, every seal matches.", v.entries, v.checkpoints),
            )
            .to_string(),
        Some(p) => format!(
            "{} {}",
            lang.t(
                &format!("审计日志被改动，共 {} 处问题，第一处：", v.problems.len()),
                &format!("The audit trail was tampered with: {} problems; the first: ", v.problems.len())
            ),
            lang.t(&p.zh, &p.en)
        ),
    };
    // The newest entries below the result, as on the search page.
    let f = AuditFilter::default();
    let (rows, next_before, _) =
        rows_of(state.auditing.entries(&session.user, &f.trail()).await.map_err(WebError::from), lang).unwrap_or_default();
    let c = Chrome::new(&state, &session, lang, "/audit").await;
    let page = AuditPage {
        c,
        f,
        household_view: None,
        rows,
        next_before,
        actions: action_options(lang),
        error: String::new(),
        verification: Some((v.ok(), text)),
    };
    render(page).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_domain::Lang;

    #[test]
    fn the_chinese_pages_name_kinds_and_fields_in_words() {
        let zh = PageLang(Lang::Zh);
        let kinds = ObjectKind::ALL.iter().map(|k| k.as_str()).chain(["home", "audit", "monitoring", "feeds"]);
        let fields = Field::ALL.iter().map(|f| f.as_str()).chain(jiuzhu_registry::exports::ROSTER_FIELDS);
        for code in kinds {
            assert!(!kind_label(code, zh).is_ascii(), "{code}");
        }
        for code in fields {
            assert!(!field_label(code, zh).is_ascii(), "{code}");
        }
        assert_eq!(kind_label("household", PageLang(Lang::En)), "household");
    }
}
