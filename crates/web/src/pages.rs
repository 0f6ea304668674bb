//! Server-rendered pages (zh-CN by default, English switch), usable on a phone. Forms keep
//! what was typed when something is wrong and show the message beside the field; the same
//! rules also run as you type (htmx posts the form to `/ui/validate/member`).

use crate::AppState;
use crate::api::RegionView;
use crate::auth::{self, Authenticated, LoginError};
use crate::error::WebError;
use crate::i18n::{L, LANG_COOKIE};
use crate::view::present;
use crate::view::{HouseholdView, SummaryView};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use chrono::{Local, Utc};
use jiuzhu_domain::access::Field;
use jiuzhu_domain::*;
use jiuzhu_registry::{NewHouseholdInput, User};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/households", get(households))
        .route("/households/new", get(new_household_page).post(new_household_submit))
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/edit", get(edit_household_page).post(edit_household_submit))
        .route("/households/{id}/members/new", get(new_member_page).post(new_member_submit))
        .route("/households/{id}/members/{mid}/edit", get(edit_member_page).post(edit_member_submit))
        .route("/households/{id}/members/{mid}/move", post(move_member_submit))
        .route("/ui/validate/member", post(validate_member))
        .route("/regions", get(regions_page))
}

fn today() -> chrono::NaiveDate {
    Local::now().date_naive()
}

/// What every page's frame shows: who is signed in, the language, the CSRF token.
pub struct Chrome {
    pub l: L,
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
    /// Show department data imports in the menu.
    pub can_feeds: bool,
    /// Show account administration (system and security administrators) in the menu.
    pub can_accounts: bool,
    /// Show the household registry in the menu.
    pub can_households: bool,
    /// The password must be changed first: no menu at all.
    pub restricted: bool,
}

impl Chrome {
    pub(crate) async fn new(state: &AppState, a: &Authenticated, l: L, path: &str) -> Chrome {
        let region = state.registry.region_name(&a.user.scope.0).await.ok().flatten().unwrap_or_else(|| a.user.scope.0.to_string());
        Chrome {
            l,
            user_name: a.user.display_name.clone(),
            role: l.t(a.user.role.zh(), a.user.role.en()).to_string(),
            region,
            csrf: a.csrf_token.clone(),
            path: path.to_string(),
            can_simulate: a.user.can(Permission::Simulate),
            can_statistics: a.user.can(Permission::ReadStatistics),
            can_cases: a.user.can(Permission::ReadCase),
            can_publicity: a.user.can(Permission::ReadCase) && a.user.role != Role::DepartmentLiaison,
            can_calendar: a.user.can(Permission::ManageCalendar),
            can_audit: a.user.can(Permission::ReadAudit),
            can_alerts: a.user.can(Permission::HandleAlerts),
            can_exports: a.user.can(Permission::ExportRoster) || a.user.can(Permission::ApproveExport),
            can_accounts: a.user.can(Permission::ManageAccounts) || a.user.can(Permission::ManageRoles),
            can_monitoring: a.user.can(Permission::ReadMonitoring),
            can_feeds: a.user.can(Permission::ImportFeeds)
                && matches!(
                    a.user.scope.0.level(),
                    jiuzhu_domain::RegionLevel::Province | jiuzhu_domain::RegionLevel::City | jiuzhu_domain::RegionLevel::County
                ),
            can_households: a.user.can(Permission::ReadHousehold),
            restricted: a.must_change_password,
        }
    }
}

/// A page request by a signed-in user, with the page language. Without a session the
/// request goes to the login page instead.
pub struct Page {
    pub a: Authenticated,
    pub l: L,
}

impl axum::extract::FromRequestParts<AppState> for Page {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &AppState) -> Result<Page, Response> {
        let auth = parts.extensions.get::<Option<Authenticated>>().cloned().flatten();
        let l = L::from_headers(&parts.headers);
        auth.map(|a| Page { a, l }).ok_or_else(|| Redirect::to("/login").into_response())
    }
}

pub(crate) fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => WebError::Internal(e.to_string()).page(Lang::Zh),
    }
}

/// Field → message in the page language.
#[derive(Default)]
pub struct Errs(HashMap<String, String>);

impl Errs {
    fn new(v: &ValidationErrors, l: L) -> Errs {
        let mut m = HashMap::new();
        for e in &v.0 {
            m.entry(e.field.clone()).or_insert_with(|| e.message(l.0).to_string());
        }
        Errs(m)
    }
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    /// Errors whose field has no place on the form (shown at the top).
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0.iter().filter(|(k, _)| !shown.contains(&k.as_str())).map(|(k, v)| format!("{k}: {v}")).collect()
    }
}

/// Edit forms show identifiers masked, as every page does: opening a form must not reveal a full
/// ID, bank or phone number. A field sent back still masked keeps the stored value.
fn unmask(sent: &str, stored: Option<&str>, mask: fn(&str) -> String) -> String {
    match stored {
        Some(s) if sent.trim() == mask(s) => s.to_string(),
        _ => sent.to_string(),
    }
}

fn mask_if_stored(value: &str, stored: &str) -> String {
    if value == stored { mask_id(stored) } else { value.to_string() }
}

fn mask_id(s: &str) -> String {
    IdNumber::parse(s, chrono::NaiveDate::MAX).map(|i| i.masked()).unwrap_or_else(|_| s.to_string())
}

/// 残疾人证号 begins with the holder's ID number: only its last two characters are shown.
fn mask_certificate(s: &str) -> String {
    let tail: String = s.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect();
    format!("****{tail}")
}

fn mask_account(s: &str) -> String {
    let tail: String = s.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("****{tail}")
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opts<T: Copy>(all: &[T], value: fn(T) -> &'static str, label: fn(T) -> &'static str, current: &str, blank: Option<&str>) -> Vec<Opt> {
    let mut v: Vec<Opt> =
        blank.map(|b| Opt { value: String::new(), label: b.to_string(), selected: current.is_empty() }).into_iter().collect();
    v.extend(all.iter().map(|x| Opt { value: value(*x).into(), label: label(*x).into(), selected: value(*x) == current }));
    v
}

/// The start page of a role: the household list, or the region tree for roles without access
/// to household records (leaders, administrators, department liaisons).
fn home_of(role: Role) -> &'static str {
    if role.has(Permission::ReadHousehold) {
        "/households"
    } else if role.has(Permission::ReadCase) {
        "/cases"
    } else {
        "/regions"
    }
}

async fn home(Extension(auth): Extension<Option<Authenticated>>) -> Redirect {
    Redirect::to(auth.map(|a| home_of(a.user.role)).unwrap_or("/login"))
}

// ---------- login ----------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: L,
    username: String,
    error: String,
}

async fn login_page(headers: HeaderMap, Extension(auth): Extension<Option<Authenticated>>) -> Response {
    if let Some(a) = auth {
        return Redirect::to(home_of(a.user.role)).into_response();
    }
    render(LoginPage { l: L::from_headers(&headers), username: String::new(), error: String::new() })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let l = L::from_headers(&headers);
    let error = match auth::login(state.store.as_ref(), &f.username, &f.password, Utc::now()).await {
        Ok(done) => {
            // Roles without access to household records start where they have something to see.
            let mut r = (
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, auth::session_cookie(&done.token, state.secure_cookies)),
                    (header::LOCATION, home_of(done.role).into()),
                ],
            )
                .into_response();
            r.extensions_mut().insert(crate::audit::AuditNote::login(&f.username));
            return r;
        }
        Err(LoginError::Invalid) => l.t("用户名或密码错误", "Wrong username or password").to_string(),
        Err(LoginError::Locked { until }) => {
            let t = until.with_timezone(&Local).format("%H:%M");
            if l.is_en() {
                format!("Too many failed logins: locked until {t}")
            } else {
                format!("连续登录失败次数过多，账号已锁定至 {t}")
            }
        }
        Err(LoginError::Store(e)) => return WebError::from(e).page(l.0),
    };
    let note = crate::audit::AuditNote::login(&f.username);
    let mut r = (StatusCode::UNAUTHORIZED, render(LoginPage { l, username: f.username, error })).into_response();
    r.extensions_mut().insert(note);
    r
}

async fn logout(State(state): State<AppState>, Extension(auth): Extension<Option<Authenticated>>) -> Response {
    if let Some(a) = auth
        && let Err(e) = state.store.delete_session(&a.token_hash).await
    {
        return WebError::from(e).page(Lang::Zh);
    }
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, auth::clear_session_cookie()), (header::LOCATION, "/login".into())]).into_response()
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

async fn set_lang(Path(lang): Path<String>, Query(b): Query<Back>) -> Response {
    let lang = if lang == "en" { "en" } else { "zh" };
    // Only same-site paths: never an open redirect.
    let back = b.back.filter(|p| p.starts_with('/') && !p.starts_with("//")).unwrap_or_else(|| "/households".into());
    (
        StatusCode::SEE_OTHER,
        [(header::SET_COOKIE, format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000")), (header::LOCATION, back)],
    )
        .into_response()
}

// ---------- household list ----------

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    c: Chrome,
    q: String,
    rows: Vec<SummaryView>,
    next_after: Option<i64>,
    error: String,
    can_write: bool,
    total: i64,
}

#[derive(Template)]
#[template(path = "household_rows.html")]
struct HouseholdRows {
    c: Chrome,
    q: String,
    rows: Vec<SummaryView>,
    next_after: Option<i64>,
    error: String,
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: i64,
}

async fn households(State(state): State<AppState>, headers: HeaderMap, Page { a, l }: Page, Query(s): Query<SearchQuery>) -> Response {
    let (rows, error) = match state.registry.search(&a.user, &s.q, s.after).await {
        Ok(rows) => (rows, String::new()),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            (Vec::new(), v.0.first().map(|e| e.message(l.0).to_string()).unwrap_or_default())
        }
        Err(e) => return WebError::from(e).page(l.0),
    };
    tracing::info!(target: "access", user = %a.user.username, action = "search", count = rows.len(), "household search");
    let next_after = (rows.len() as i64 == jiuzhu_registry::PAGE_SIZE).then(|| rows.last().map(|h| h.id)).flatten();
    let rows: Vec<SummaryView> = rows.iter().map(|s| SummaryView::new(s, a.user.role)).collect();
    let c = Chrome::new(&state, &a, l, "/households").await;
    // htmx asks for the rows only; a history restore (back/forward after its cache) needs the page.
    if headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request") {
        return render(HouseholdRows { c, q: s.q, rows, next_after, error });
    }
    let total = state.store.count_households(&a.user.scope.0).await.unwrap_or(0);
    render(HouseholdsPage { c, q: s.q, rows, next_after, error, can_write: a.user.can(Permission::WriteHousehold), total })
}

// ---------- one household ----------

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    c: Chrome,
    h: HouseholdView,
    history: Vec<crate::api::HistoryView>,
    can_write: bool,
    can_assess: bool,
    assessments: Vec<crate::assess::AssessmentSummary>,
    today: String,
    cases: Vec<crate::cases::CaseRow>,
    benefits: Vec<crate::cases::BenefitRow>,
    can_intake: bool,
    /// Village assistants and clerks report changes, deaths and refused jobs.
    can_report: bool,
    /// Case workers may reveal full identifiers (purpose + password).
    can_reveal: bool,
    /// The password was typed again less than five minutes ago: no need to ask again.
    reauth_fresh: bool,
    /// Auditors see the household's 查阅记录.
    can_audit: bool,
}

async fn household_page(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>) -> Response {
    let h = match crate::api::household_view(&state, &a.user, id).await {
        Ok(h) => h,
        Err(e) => return e.page(l.0),
    };
    let history = state
        .registry
        .history(&a.user, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .rev()
        .map(|e| {
            let at = e.at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid")).format("%Y-%m-%d %H:%M").to_string();
            crate::api::HistoryView::new(e, at)
        })
        .collect();
    let c = Chrome::new(&state, &a, l, &format!("/households/{id}")).await;
    let assessments = crate::assess::summaries(&state, &a.user, id).await.unwrap_or_default();
    let (cases, benefits) = crate::cases::household_casework(&state, &a.user, id).await;
    render(HouseholdPage {
        cases,
        benefits,
        can_intake: a.user.can(Permission::Intake),
        can_report: matches!(a.user.role, Role::WindowClerk | Role::VillageAssistant),
        c,
        h,
        history,
        can_write: a.user.can(Permission::WriteHousehold),
        can_assess: a.user.can(Permission::AssessHousehold),
        can_reveal: a.user.can(Permission::RevealIdentifiers),
        reauth_fresh: a.reauth_fresh(jiuzhu_domain::access::Guarded::Reveal),
        can_audit: a.user.can(Permission::ReadAudit),
        assessments,
        today: today().to_string(),
    })
}

// ---------- household form (create, edit) ----------

/// The fields of the household form (and, when creating, of the head).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HouseholdForm {
    pub version: i64,
    pub hukou_region: String,
    pub residence_region: String,
    pub area: String,
    pub address: String,
    pub phone: String,
    pub bank: String,
    pub bank_account_no: String,
    #[serde(flatten)]
    pub head: MemberForm,
}

impl HouseholdForm {
    fn input(&self) -> HouseholdInput {
        HouseholdInput {
            hukou_region: self.hukou_region.clone(),
            residence_region: Some(self.residence_region.clone()),
            area: self.area.clone(),
            address: self.address.clone(),
            phone: Some(self.phone.clone()),
            bank: Some(self.bank.clone()),
            bank_account_no: Some(self.bank_account_no.clone()),
        }
    }
}

pub struct VillageGroup {
    pub town: String,
    pub villages: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "household_form.html")]
struct HouseholdFormPage {
    c: Chrome,
    /// `None` when creating.
    id: Option<i64>,
    f: HouseholdForm,
    e: Errs,
    hukou: Vec<VillageGroup>,
    residence: Vec<VillageGroup>,
    areas: Vec<Opt>,
    m: MemberFormView,
    others: Vec<String>,
}

/// Villages in the user's scope, grouped by town, for a select.
async fn village_groups(state: &AppState, user: &User, current: &str) -> Vec<VillageGroup> {
    let scope = &user.scope.0;
    let towns: Vec<Division> = match scope.level() {
        RegionLevel::Town => state.store.region(scope).await.ok().flatten().into_iter().collect(),
        RegionLevel::Village => {
            let v = state.store.region(scope).await.ok().flatten();
            return vec![VillageGroup {
                town: String::new(),
                villages: v
                    .into_iter()
                    .map(|d| Opt { selected: d.code.as_str() == current, value: d.code.to_string(), label: d.name })
                    .collect(),
            }];
        }
        _ => state
            .store
            .find_regions(scope, "", 100_000)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|d| d.code.level() == RegionLevel::Town)
            .collect(),
    };
    let mut groups = Vec::new();
    for t in towns {
        let villages = state.store.region_children(Some(&t.code)).await.unwrap_or_default();
        groups.push(VillageGroup {
            town: t.name,
            villages: villages
                .into_iter()
                .map(|d| Opt { selected: d.code.as_str() == current, value: d.code.to_string(), label: d.name })
                .collect(),
        });
    }
    groups
}

/// Residence choices: the user's villages, plus the household's current residence when it lies
/// outside them (人户分离 across regions), so saving the form never silently changes it.
async fn residence_groups(state: &AppState, user: &User, current: &str) -> Vec<VillageGroup> {
    let mut groups = village_groups(state, user, current).await;
    if !current.is_empty()
        && !groups.iter().any(|g| g.villages.iter().any(|v| v.value == current))
        && let Ok(code) = RegionCode::parse(current)
    {
        let label = crate::view::region_names(&state.registry, &code).await;
        groups.insert(
            0,
            VillageGroup { town: "当前居住地 current".into(), villages: vec![Opt { value: current.into(), label, selected: true }] },
        );
    }
    groups
}

async fn household_form_page(state: &AppState, a: &Authenticated, l: L, id: Option<i64>, f: HouseholdForm, e: Errs) -> Response {
    let path = id.map(|i| format!("/households/{i}/edit")).unwrap_or_else(|| "/households/new".into());
    let c = Chrome::new(state, a, l, &path).await;
    let shown = ["hukou_region", "residence_region", "area", "address", "phone", "bank", "bank_account_no"];
    let mut others = e.others(&shown);
    others.retain(|o| !o.starts_with("members[0]."));
    let m = MemberFormView::new(&f.head, l, true);
    render(HouseholdFormPage {
        hukou: village_groups(state, &a.user, &f.hukou_region).await,
        residence: residence_groups(state, &a.user, &f.residence_region).await,
        areas: opts(Area::ALL, Area::as_str, Area::zh, &f.area, None),
        c,
        id,
        f,
        e,
        m,
        others,
    })
}

async fn new_household_page(State(state): State<AppState>, Page { a, l }: Page) -> Response {
    if !a.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(l.0);
    }
    let f = HouseholdForm {
        area: "rural".into(),
        head: MemberForm { relation: "head".into(), living_together: Some("on".into()), ..Default::default() },
        ..Default::default()
    };
    household_form_page(&state, &a, l, None, f, Errs::default()).await
}

/// Errors of the head's fields come as `members[0].x`; the form names them `x`.
fn head_errors(v: ValidationErrors) -> ValidationErrors {
    ValidationErrors(
        v.0.into_iter()
            .map(|mut e| {
                if let Some(rest) = e.field.strip_prefix("members[0].") {
                    e.field = if rest == "phone" { "member_phone".into() } else { rest.to_string() };
                }
                e
            })
            .collect(),
    )
}

async fn new_household_submit(State(state): State<AppState>, Page { a, l }: Page, Form(f): Form<HouseholdForm>) -> Response {
    let mut head = f.head.input();
    head.relation = "head".into();
    let input = NewHouseholdInput { household: f.input(), members: vec![head], ..Default::default() };
    match state.registry.create(&a.user, &input, today()).await {
        Ok(id) => Redirect::to(&format!("/households/{id}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            let e = Errs::new(&head_errors(v), l);
            (StatusCode::UNPROCESSABLE_ENTITY, household_form_page(&state, &a, l, None, f, e).await).into_response()
        }
        Err(e) => WebError::from(e).page(l.0),
    }
}

async fn edit_household_page(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>) -> Response {
    if !a.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(l.0);
    }
    let h = match state.registry.get(&a.user, id).await {
        Ok(h) => h,
        Err(e) => return WebError::from(e).page(l.0),
    };
    let d = h.data.to_input();
    let f = HouseholdForm {
        version: h.version,
        hukou_region: d.hukou_region,
        residence_region: d.residence_region.unwrap_or_default(),
        area: d.area,
        address: d.address,
        phone: d.phone.as_deref().map(|p| present(a.user.role, Field::Phone, p, crate::view::mask_phone)).unwrap_or_default(),
        bank: d.bank.unwrap_or_default(),
        bank_account_no: d
            .bank_account_no
            .as_deref()
            .map(|b| present(a.user.role, Field::BankAccount, b, mask_account))
            .unwrap_or_default(),
        head: MemberForm::default(),
    };
    household_form_page(&state, &a, l, Some(id), f, Errs::default()).await
}

async fn edit_household_submit(
    State(state): State<AppState>,
    Page { a, l }: Page,
    Path(id): Path<i64>,
    Form(mut f): Form<HouseholdForm>,
) -> Response {
    let old = match state.registry.get(&a.user, id).await {
        Ok(h) => h.data,
        Err(e) => return WebError::from(e).page(l.0),
    };
    f.phone = unmask(&f.phone, old.phone.as_deref(), crate::view::mask_phone);
    f.bank_account_no = unmask(&f.bank_account_no, old.bank_account.as_ref().map(|b| b.account_no.as_str()), mask_account);
    match state.registry.update_household(&a.user, id, f.version, &f.input()).await {
        Ok(()) => Redirect::to(&format!("/households/{id}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            let e = Errs::new(&v, l);
            (StatusCode::UNPROCESSABLE_ENTITY, household_form_page(&state, &a, l, Some(id), f, e).await).into_response()
        }
        Err(e) => WebError::from(e).page(l.0),
    }
}

// ---------- member form ----------

/// A member's fields as the form sends them (checkboxes come only when ticked).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MemberForm {
    pub id_number: String,
    pub name: String,
    pub relation: String,
    pub member_phone: String,
    pub disability_kind: String,
    pub disability_grade: String,
    pub disability_certificate: String,
    pub serious_illness: Option<String>,
    pub chronic_illness: Option<String>,
    pub eating: Option<String>,
    pub dressing: Option<String>,
    pub getting_up: Option<String>,
    pub toilet: Option<String>,
    pub walking: Option<String>,
    pub bathing: Option<String>,
    pub labour_capacity: String,
    pub student: String,
    pub employment: String,
    pub living_together: Option<String>,
    pub excluded: String,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl MemberForm {
    /// Self-care checkboxes say "cannot manage" when ticked (the form asks about difficulties).
    pub fn input(&self) -> MemberInput {
        MemberInput {
            id_number: self.id_number.clone(),
            name: self.name.clone(),
            relation: self.relation.clone(),
            phone: some(&self.member_phone),
            disability_kind: some(&self.disability_kind),
            disability_grade: match self.disability_grade.trim() {
                "" => None,
                g => Some(g.parse().unwrap_or(u8::MAX)),
            },
            disability_certificate: some(&self.disability_certificate),
            serious_illness: self.serious_illness.is_some(),
            chronic_illness: self.chronic_illness.is_some(),
            self_care: Some(SelfCare {
                eating: self.eating.is_none(),
                dressing: self.dressing.is_none(),
                getting_up: self.getting_up.is_none(),
                toilet: self.toilet.is_none(),
                walking: self.walking.is_none(),
                bathing: self.bathing.is_none(),
            }),
            labour_capacity: some(&self.labour_capacity),
            student: some(&self.student),
            employment: some(&self.employment),
            living_together: Some(self.living_together.is_some()),
            excluded: some(&self.excluded),
        }
    }

    fn from_member(m: &MemberData) -> MemberForm {
        let on = |b: bool| b.then(|| "on".to_string());
        MemberForm {
            id_number: m.id_number.as_str().into(),
            name: m.name.clone(),
            relation: m.relation.as_str().into(),
            member_phone: m.phone.clone().unwrap_or_default(),
            disability_kind: m.disability.as_ref().map(|d| d.kind.as_str().to_string()).unwrap_or_default(),
            disability_grade: m.disability.as_ref().map(|d| d.grade.to_string()).unwrap_or_default(),
            disability_certificate: m.disability.as_ref().and_then(|d| d.certificate.clone()).unwrap_or_default(),
            serious_illness: on(m.serious_illness),
            chronic_illness: on(m.chronic_illness),
            eating: on(!m.self_care.eating),
            dressing: on(!m.self_care.dressing),
            getting_up: on(!m.self_care.getting_up),
            toilet: on(!m.self_care.toilet),
            walking: on(!m.self_care.walking),
            bathing: on(!m.self_care.bathing),
            labour_capacity: m.labour_capacity.as_str().into(),
            student: m.student.map(|s| s.as_str().to_string()).unwrap_or_default(),
            employment: m.employment.as_str().into(),
            living_together: on(m.living_together),
            excluded: m.excluded.map(|x| x.as_str().to_string()).unwrap_or_default(),
        }
    }
}

pub struct Check {
    pub name: &'static str,
    pub label: String,
    pub checked: bool,
}

/// Everything the member fields need to render.
pub struct MemberFormView {
    pub f: MemberForm,
    pub relations: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub labour: Vec<Opt>,
    pub students: Vec<Opt>,
    pub employments: Vec<Opt>,
    pub exclusions: Vec<Opt>,
    pub self_care: Vec<Check>,
    pub is_head_form: bool,
}

impl MemberFormView {
    fn new(f: &MemberForm, l: L, is_head_form: bool) -> MemberFormView {
        let none = l.t("无", "none");
        let relations: Vec<Relation> =
            Relation::ALL.iter().copied().filter(|r| is_head_form || *r != Relation::Head || f.relation == "head").collect();
        let c = |name: &'static str, zh: &str, en: &str, v: &Option<String>| Check {
            name,
            label: l.t(zh, en).to_string(),
            checked: v.is_some(),
        };
        MemberFormView {
            relations: opts(&relations, Relation::as_str, Relation::zh, &f.relation, None),
            kinds: opts(DisabilityKind::ALL, DisabilityKind::as_str, DisabilityKind::zh, &f.disability_kind, Some(none)),
            labour: opts(LabourCapacity::ALL, LabourCapacity::as_str, LabourCapacity::zh, &f.labour_capacity, None),
            students: opts(Student::ALL, Student::as_str, Student::zh, &f.student, Some(l.t("不在学", "not a student"))),
            employments: opts(
                Employment::ALL,
                Employment::as_str,
                Employment::zh,
                &f.employment,
                Some(l.t("未填写（非劳动年龄）", "not given (not of working age)")),
            ),
            exclusions: opts(Exclusion::ALL, Exclusion::as_str, Exclusion::zh, &f.excluded, Some(none)),
            self_care: vec![
                c("eating", "吃饭", "eating", &f.eating),
                c("dressing", "穿衣", "dressing", &f.dressing),
                c("getting_up", "上下床", "getting in/out of bed", &f.getting_up),
                c("toilet", "如厕", "toilet", &f.toilet),
                c("walking", "室内行走", "walking indoors", &f.walking),
                c("bathing", "洗澡", "bathing", &f.bathing),
            ],
            f: f.clone(),
            is_head_form,
        }
    }
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct MemberFormPage {
    c: Chrome,
    household_id: i64,
    member_id: Option<i64>,
    version: i64,
    head_name: String,
    m: MemberFormView,
    e: Errs,
    others: Vec<String>,
}

#[derive(Deserialize)]
struct MemberSubmit {
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    f: MemberForm,
}

async fn member_form_page(
    state: &AppState,
    page: &Page,
    household_id: i64,
    member_id: Option<i64>,
    version: i64,
    f: MemberForm,
    e: Errs,
) -> Response {
    let (a, l) = (&page.a, page.l);
    let head_name = match state.registry.get(&a.user, household_id).await {
        Ok(h) => h.head().data.name.clone(),
        Err(err) => return WebError::from(err).page(l.0),
    };
    let path = match member_id {
        Some(m) => format!("/households/{household_id}/members/{m}/edit"),
        None => format!("/households/{household_id}/members/new"),
    };
    let c = Chrome::new(state, a, l, &path).await;
    let shown = [
        "id_number",
        "name",
        "relation",
        "phone",
        "disability_kind",
        "disability_grade",
        "labour_capacity",
        "student",
        "employment",
        "excluded",
    ];
    let others = e.others(&shown);
    render(MemberFormPage { c, household_id, member_id, version, head_name, m: MemberFormView::new(&f, l, false), e, others })
}

async fn new_member_page(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Response {
    let (a, l) = (&page.a, page.l);
    if !a.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(l.0);
    }
    let version = match state.registry.get(&a.user, id).await {
        Ok(h) => h.version,
        Err(e) => return WebError::from(e).page(l.0),
    };
    let f = MemberForm { relation: "child".into(), living_together: Some("on".into()), ..Default::default() };
    member_form_page(&state, &page, id, None, version, f, Errs::default()).await
}

async fn new_member_submit(State(state): State<AppState>, page: Page, Path(id): Path<i64>, Form(s): Form<MemberSubmit>) -> Response {
    let (a, l) = (&page.a, page.l);
    match state.registry.add_member(&a.user, id, s.version, &s.f.input(), today()).await {
        Ok(_) => Redirect::to(&format!("/households/{id}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, member_form_page(&state, &page, id, None, s.version, s.f, Errs::new(&v, l)).await)
                .into_response()
        }
        Err(e) => WebError::from(e).page(l.0),
    }
}

async fn edit_member_page(State(state): State<AppState>, page: Page, Path((id, mid)): Path<(i64, i64)>) -> Response {
    let (a, l) = (&page.a, page.l);
    if !a.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(l.0);
    }
    let h = match state.registry.get(&a.user, id).await {
        Ok(h) => h,
        Err(e) => return WebError::from(e).page(l.0),
    };
    let Some(m) = h.member(mid) else { return WebError::NotFound.page(l.0) };
    let mut f = MemberForm::from_member(&m.data);
    let role = page.a.user.role;
    f.id_number = present(role, Field::IdNumber, m.data.id_number.as_str(), mask_id);
    f.member_phone = m.data.phone.as_deref().map(|p| present(role, Field::Phone, p, crate::view::mask_phone)).unwrap_or_default();
    f.disability_certificate = m
        .data
        .disability
        .as_ref()
        .and_then(|d| d.certificate.as_deref())
        .map(|c| present(role, Field::DisabilityCertificate, c, mask_certificate))
        .unwrap_or_default();
    member_form_page(&state, &page, id, Some(mid), h.version, f, Errs::default()).await
}

async fn edit_member_submit(
    State(state): State<AppState>,
    page: Page,
    Path((id, mid)): Path<(i64, i64)>,
    Form(mut s): Form<MemberSubmit>,
) -> Response {
    let (a, l) = (&page.a, page.l);
    let old = match state.registry.get(&a.user, id).await {
        Ok(h) => h.member(mid).map(|m| m.data.clone()),
        Err(e) => return WebError::from(e).page(l.0),
    };
    let Some(old) = old else { return WebError::NotFound.page(l.0) };
    s.f.id_number = unmask(&s.f.id_number, Some(old.id_number.as_str()), mask_id);
    s.f.member_phone = unmask(&s.f.member_phone, old.phone.as_deref(), crate::view::mask_phone);
    let old_certificate = old.disability.as_ref().and_then(|d| d.certificate.clone());
    s.f.disability_certificate = unmask(&s.f.disability_certificate, old_certificate.as_deref(), mask_certificate);
    let input = s.f.input();
    // Re-shown after an error: masked again, whatever was stored.
    s.f.id_number = mask_if_stored(&s.f.id_number, old.id_number.as_str());
    if old_certificate.as_deref() == Some(s.f.disability_certificate.as_str()) {
        s.f.disability_certificate = mask_certificate(&s.f.disability_certificate);
    }
    match state.registry.update_member(&a.user, id, mid, s.version, &input, today()).await {
        Ok(()) => Redirect::to(&format!("/households/{id}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, member_form_page(&state, &page, id, Some(mid), s.version, s.f, Errs::new(&v, l)).await)
                .into_response()
        }
        Err(e) => WebError::from(e).page(l.0),
    }
}

#[derive(Deserialize)]
struct MoveForm {
    version: i64,
    to_household: String,
}

async fn move_member_submit(
    State(state): State<AppState>,
    Page { a, l }: Page,
    Path((id, mid)): Path<(i64, i64)>,
    Form(m): Form<MoveForm>,
) -> Response {
    let Ok(to) = m.to_household.trim().trim_start_matches('#').parse::<i64>() else {
        return WebError::Invalid(
            FieldError::new("to_household", "household.format", "请填写目标家庭编号", "enter the target household number").into(),
        )
        .page(l.0);
    };
    match state.registry.move_member(&a.user, id, mid, m.version, to).await {
        Ok(()) => Redirect::to(&format!("/households/{to}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            let msg = v.0.iter().map(|e| e.message(l.0).to_string()).collect::<Vec<_>>().join("；");
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(format!("<p class=\"error\">{}</p><p><a href=\"/households/{id}\">←</a></p>", askama_escape(&msg))),
            )
                .into_response()
        }
        Err(e) => WebError::from(e).page(l.0),
    }
}

fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Validates the member fields as the user types and answers with one out-of-band swap per
/// field message (empty when fine). Fields still empty are not complained about yet.
async fn validate_member(headers: HeaderMap, Form(f): Form<MemberForm>) -> Response {
    let l = L::from_headers(&headers);
    let fields = ["id_number", "name", "disability_grade", "disability_kind"];
    let errors = match f.input().validate("", today()) {
        Ok(_) => ValidationErrors::default(),
        Err(v) => v,
    };
    let typed = |field: &str| match field {
        "id_number" => !f.id_number.trim().is_empty(),
        "name" => !f.name.trim().is_empty(),
        _ => true,
    };
    let mut html = String::new();
    for field in fields {
        let msg = errors.for_field(field).filter(|_| typed(field)).map(|e| e.message(l.0).to_string()).unwrap_or_default();
        html.push_str(&format!("<span class=\"field-error\" id=\"err-{field}\" hx-swap-oob=\"true\">{}</span>", askama_escape(&msg)));
    }
    // What the ID number tells, as a check for the clerk.
    let info = IdNumber::parse(&f.id_number, today())
        .map(|id| {
            if l.is_en() {
                format!("{}, born {}", id.sex().as_str(), id.birth_date())
            } else {
                format!("{}，{} 出生", id.sex().zh(), id.birth_date().format("%Y年%m月%d日"))
            }
        })
        .unwrap_or_default();
    html.push_str(&format!("<span class=\"field-info\" id=\"info-id_number\" hx-swap-oob=\"true\">{}</span>", askama_escape(&info)));
    Html(html).into_response()
}

// ---------- regions ----------

pub(crate) async fn region_views(state: &AppState, user: &User, parent: Option<&RegionCode>) -> Result<Vec<RegionView>, WebError> {
    let children = state.registry.region_children(user, parent).await?;
    let mut out = Vec::with_capacity(children.len());
    for d in children {
        let households = if d.code.is_within(&user.scope.0) || user.scope.0.is_within(&d.code) {
            let within = if d.code.is_within(&user.scope.0) { &d.code } else { &user.scope.0 };
            state.store.count_households(within).await?
        } else {
            0
        };
        out.push(RegionView { level: d.code.level().as_str().into(), code: d.code.to_string(), name: d.name, households });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    c: Chrome,
    crumbs: Vec<Division>,
    children: Vec<RegionView>,
}

#[derive(Deserialize)]
struct RegionQuery {
    parent: Option<String>,
}

async fn regions_page(State(state): State<AppState>, Page { a, l }: Page, Query(q): Query<RegionQuery>) -> Response {
    let parent = match q.parent.as_deref().filter(|p| !p.is_empty()).map(RegionCode::parse).transpose() {
        Ok(p) => p,
        Err(e) => return WebError::Invalid(e.into()).page(l.0),
    };
    let children = match region_views(&state, &a.user, parent.as_ref()).await {
        Ok(c) => c,
        Err(e) => return e.page(l.0),
    };
    let mut crumbs = Vec::new();
    if let Some(p) = &parent {
        for c in p.ancestry() {
            if let Ok(Some(d)) = state.store.region(&c).await {
                crumbs.push(d);
            }
        }
    }
    let c = Chrome::new(&state, &a, l, "/regions").await;
    render(RegionsPage { c, crumbs, children })
}
