//! 账号与授权 pages (三权分立) and everyone's 修改密码. The rules — who may do what to which
//! account, the password asked again, a grant in one transaction — are the accounts service's
//! ([`jiuzhu_accounts::admin`]); this module parses and renders.

use crate::cookies::clear_session_cookie;
use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, reauth_fresh, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_accounts::admin::{GrantInput, NewAccountInput};
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::casework::Department;
use jiuzhu_domain::{Permission, Role};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(accounts_page).post(create_submit))
        .route("/accounts/{id}/disable", post(disable_submit))
        .route("/accounts/{id}/password", post(password_submit))
        .route("/accounts/{id}/access", post(access_submit))
        .route("/password", get(password_page).post(own_password_submit))
}

pub struct AccountRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    role_code: &'static str,
    region: String,
    department: String,
    state: String,
    disabled: bool,
    /// A business account another administrator may act on (not oneself, not an administrator).
    editable: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CreateForm {
    username: String,
    display_name: String,
    role: String,
    region: String,
    department: String,
    password: String,
    /// The administrator's own password (再次验证).
    my_password: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    c: Chrome,
    rows: Vec<AccountRow>,
    f: CreateForm,
    error: String,
    notice: String,
    can_create: bool,
    can_grant: bool,
    roles: Vec<(&'static str, String)>,
    departments: Vec<(&'static str, String)>,
    reauth_fresh: bool,
}

/// The page with the accounts of the administrator's region; `f` keeps what was typed after a
/// refusal (never the passwords).
async fn view(state: &AppState, session: &SignedIn, lang: PageLang, f: CreateForm, error: String, notice: String) -> Response {
    let user = &session.user;
    let accounts = match state.accounts.list(user).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let rows = accounts
        .into_iter()
        .map(|x| AccountRow {
            id: x.id,
            editable: x.id != user.account_id && x.role.is_business(),
            username: x.username,
            display_name: x.display_name,
            role: lang.t(x.role.zh(), x.role.en()).to_string(),
            role_code: x.role.as_str(),
            region: x.region.to_string(),
            department: x.department.map(|d| lang.t(d.zh(), d.en()).to_string()).unwrap_or_default(),
            state: if x.disabled { lang.t("停用 / 待授权", "disabled / awaiting grant") } else { lang.t("启用", "enabled") }.to_string(),
            disabled: x.disabled,
        })
        .collect();
    let roles = Role::ALL.into_iter().filter(|r| r.is_business()).map(|r| (r.as_str(), lang.t(r.zh(), r.en()).to_string())).collect();
    let departments = Department::ALL.iter().map(|d| (d.as_str(), lang.t(d.zh(), d.en()).to_string())).collect();
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = AccountsPage {
        c: Chrome::new(state, session, lang, "/accounts").await,
        rows,
        f: CreateForm { password: String::new(), my_password: String::new(), ..f },
        error,
        notice,
        can_create: user.can(Permission::ManageAccounts),
        can_grant: user.can(Permission::ManageRoles),
        roles,
        departments,
        reauth_fresh: reauth_fresh(state, session, Guarded::AccountChange),
    };
    (status, render(page)).into_response()
}

/// The page again after a change: saved, or the refusal beside the form.
async fn after(state: &AppState, session: &SignedIn, lang: PageLang, done: Result<(), WebError>, f: CreateForm) -> Response {
    match done {
        Ok(()) => view(state, session, lang, CreateForm::default(), String::new(), lang.t("已保存。", "Saved.").to_string()).await,
        Err(WebError::Invalid(v)) => view(state, session, lang, f, crate::frame::form_errors(&v, lang), String::new()).await,
        Err(e) => e.page(lang.0),
    }
}

async fn accounts_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    view(&state, &session, lang, CreateForm::default(), String::new(), String::new()).await
}

async fn create_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<CreateForm>) -> Response {
    let input = NewAccountInput {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        region: f.region.clone(),
        department: f.department.clone(),
        password: f.password.clone(),
    };
    let done = state.accounts.create(&session.user, &input, &f.my_password).await.map(|_| ()).map_err(WebError::from);
    after(&state, &session, lang, done, f).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    role: String,
    region: String,
    department: String,
    /// The new temporary password (reset).
    password: String,
    my_password: String,
}

async fn disable_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<ChangeForm>,
) -> Response {
    let done = state.accounts.disable(&session.user, id, &f.my_password).await.map_err(WebError::from);
    after(&state, &session, lang, done, CreateForm::default()).await
}

async fn password_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<ChangeForm>,
) -> Response {
    let done = state.accounts.reset_password(&session.user, id, &f.password, &f.my_password).await.map_err(WebError::from);
    after(&state, &session, lang, done, CreateForm::default()).await
}

async fn access_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<ChangeForm>,
) -> Response {
    let grant = GrantInput { role: f.role, region: f.region, department: f.department };
    let done = state.accounts.grant(&session.user, id, &grant, &f.my_password).await.map_err(WebError::from);
    after(&state, &session, lang, done, CreateForm::default()).await
}

// ---------- one's own password (修改密码) ----------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OwnPasswordForm {
    current: String,
    new: String,
    again: String,
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    /// Sent here because an administrator set the password.
    required: bool,
    error: String,
}

async fn password_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    let c = Chrome::new(&state, &session, lang, "/password").await;
    render(PasswordPage { c, required: session.must_change_password, error: String::new() })
}

async fn own_password_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<OwnPasswordForm>) -> Response {
    match state.accounts.change_own_password(&session.user, &f.current, &f.new, &f.again).await.map_err(WebError::from) {
        Ok(()) => {}
        Err(WebError::Invalid(v)) => {
            let c = Chrome::new(&state, &session, lang, "/password").await;
            let page = PasswordPage { c, required: session.must_change_password, error: crate::frame::form_errors(&v, lang) };
            return (StatusCode::UNPROCESSABLE_ENTITY, render(page)).into_response();
        }
        Err(e) => return e.page(lang.0),
    }
    let html = format!(
        "<!doctype html><html lang=\"{lang_tag}\"><head><meta charset=\"utf-8\"><title>{t}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body><main class=\"narrow\"><h1>{t}</h1><p class=\"notice\" role=\"status\">{m}</p><p><a class=\"button\" href=\"/login\">{b}</a></p></main></body></html>",
        lang_tag = lang.html_lang(),
        t = lang.t("密码已修改", "Password changed"),
        m = lang.t(
            "密码已修改，所有会话已结束。请用新密码重新登录。",
            "Your password is changed and every session ended. Sign in with the new one."
        ),
        b = lang.t("登录", "Sign in"),
    );
    let mut r = Html(html).into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_session_cookie()) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
