//! 账号与授权 (三权分立): the system administrator creates accounts (disabled, 待授权), disables
//! them and resets passwords; the security administrator grants a role and region and enables
//! them; the audit administrator reads the trail. None of them can change their own account or
//! another administrator's (those are made at install from the command line), none can read
//! households, and nothing anywhere switches the audit trail off. Every change asks for the
//! administrator's password again and leaves an audit entry.

use crate::AppState;
use crate::audit::{AuditNote, with_note};
use crate::auth::{self, Reauth};
use crate::error::WebError;
use crate::i18n::L;
use crate::pages::{Chrome, Page, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_audit::{Action, Denial};
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::casework::Department;
use jiuzhu_domain::{Permission, RegionCode, Role};
use jiuzhu_store::{Account, NewAccount, StoreError};
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

fn may_administer(a: &auth::Authenticated) -> bool {
    a.user.can(Permission::ManageAccounts) || a.user.can(Permission::ManageRoles)
}

async fn view(state: &AppState, a: &auth::Authenticated, l: L, f: CreateForm, error: String, notice: String) -> Response {
    if !may_administer(a) {
        return WebError::Forbidden.page(l.0);
    }
    let accounts = match state.store.list_accounts().await {
        Ok(v) => v,
        Err(e) => return WebError::Internal(e.to_string()).page(l.0),
    };
    let rows = accounts
        .into_iter()
        .filter(|x| a.user.scope.contains(&x.region))
        .map(|x| AccountRow {
            id: x.id,
            editable: x.id != a.user.account_id && x.role.is_business(),
            username: x.username,
            display_name: x.display_name,
            role: l.t(x.role.zh(), x.role.en()).to_string(),
            role_code: x.role.as_str(),
            region: x.region.to_string(),
            department: x.department.map(|d| l.t(d.zh(), d.en()).to_string()).unwrap_or_default(),
            state: if x.disabled { l.t("停用 / 待授权", "disabled / awaiting grant") } else { l.t("启用", "enabled") }.to_string(),
            disabled: x.disabled,
        })
        .collect();
    let roles = Role::ALL.into_iter().filter(|r| r.is_business()).map(|r| (r.as_str(), l.t(r.zh(), r.en()).to_string())).collect();
    let departments = Department::ALL.iter().map(|d| (d.as_str(), l.t(d.zh(), d.en()).to_string())).collect();
    let c = Chrome::new(state, a, l, "/accounts").await;
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = AccountsPage {
        c,
        rows,
        f: CreateForm { password: String::new(), my_password: String::new(), ..f },
        error,
        notice,
        can_create: a.user.can(Permission::ManageAccounts),
        can_grant: a.user.can(Permission::ManageRoles),
        roles,
        departments,
        reauth_fresh: a.reauth_fresh(Guarded::AccountChange),
    };
    (status, render(page)).into_response()
}

async fn accounts_page(State(state): State<AppState>, Page { a, l }: Page) -> Response {
    view(&state, &a, l, CreateForm::default(), String::new(), String::new()).await
}

/// A refusal the administrator can correct: the form again with the message, 422.
struct Refusal {
    zh: String,
    en: String,
    denial: Denial,
}

fn refuse(zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal { zh: zh.into(), en: en.into(), denial: Denial::Invalid }
}

async fn confirm(state: &AppState, a: &auth::Authenticated, my_password: &str) -> Result<(), Refusal> {
    match auth::reauthenticate(state.store.as_ref(), a, Guarded::AccountChange, my_password).await {
        Ok(Reauth::StillFresh | Reauth::Confirmed) => Ok(()),
        Ok(Reauth::Wrong) => Err(Refusal {
            denial: Denial::Reauth,
            ..refuse("my_password：您的密码不正确，未做任何修改", "my_password: your password is wrong; nothing was changed")
        }),
        Err(e) => Err(refuse(format!("数据库错误：{e}"), format!("database error: {e}"))),
    }
}

/// The region must be a loaded division inside the administrator's scope.
async fn region_in_scope(state: &AppState, a: &auth::Authenticated, text: &str) -> Result<RegionCode, Refusal> {
    let code = RegionCode::parse(text.trim()).map_err(|_| refuse("region：区划代码格式不正确", "region: not a division code"))?;
    let known = state.store.region(&code).await.map_err(|e| refuse(e.to_string(), e.to_string()))?.is_some();
    if !known || !a.user.scope.contains(&code) {
        return Err(refuse("region：区划不存在或不在您的管理范围内", "region: unknown, or outside the region you administer"));
    }
    Ok(code)
}

fn role_and_department(role: &str, department: &str) -> Result<(Role, Option<Department>), Refusal> {
    let role = Role::parse(role).filter(|r| r.is_business()).ok_or_else(|| {
        refuse(
            "role：请选择业务角色（管理员账号只能在安装时由命令行创建）",
            "role: choose a business role (administrators are made at install)",
        )
    })?;
    let department = match (role, Department::parse(department)) {
        (Role::DepartmentLiaison, Some(d)) => Some(d),
        (Role::DepartmentLiaison, None) => {
            return Err(refuse("department：部门联络员须选择所属部门", "department: a liaison needs a department"));
        }
        _ => None,
    };
    Ok((role, department))
}

fn valid_username(u: &str) -> bool {
    let mut chars = u.chars();
    (3..=32).contains(&u.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

async fn finish(state: &AppState, a: &auth::Authenticated, l: L, result: Result<String, Refusal>, note: AuditNote) -> Response {
    match result {
        Ok(detail) => {
            let r = view(state, a, l, CreateForm::default(), String::new(), l.t("已保存。", "Saved.").to_string()).await;
            with_note(r, AuditNote { detail, ..note })
        }
        Err(x) => {
            let r = view(state, a, l, CreateForm::default(), l.t(&x.zh, &x.en).to_string(), String::new()).await;
            with_note(r, AuditNote { denied: Some(x.denial), ..note })
        }
    }
}

async fn create_submit(State(state): State<AppState>, Page { a, l }: Page, Form(f): Form<CreateForm>) -> Response {
    let note = AuditNote { action: Some(Action::Account), ..AuditNote::default() };
    if !a.user.can(Permission::ManageAccounts) {
        return with_note(WebError::Forbidden.page(l.0), note);
    }
    let result: Result<String, Refusal> = async {
        let username = f.username.trim().to_string();
        if !valid_username(&username) {
            return Err(refuse(
                "username：用户名为 3–32 位小写字母、数字或下划线，以字母开头",
                "username: 3–32 lower-case letters, digits or _ starting with a letter",
            ));
        }
        let display_name: String = f.display_name.trim().chars().take(32).collect();
        if display_name.is_empty() {
            return Err(refuse("display_name：请填写姓名", "display_name: give the person's name"));
        }
        let (role, department) = role_and_department(&f.role, &f.department)?;
        let region = region_in_scope(&state, &a, &f.region).await?;
        if let Some((zh, en)) = auth::password_problem(&username, &f.password) {
            return Err(refuse(format!("password：{zh}"), format!("password: {en}")));
        }
        confirm(&state, &a, &f.my_password).await?;
        let new = NewAccount {
            username: username.clone(),
            display_name,
            role,
            region: region.clone(),
            department,
            password_hash: auth::hash_password(&f.password),
            disabled: true,
            // The administrator knows it: the owner chooses their own at the first sign-in.
            must_change_password: true,
        };
        match state.store.create_account(&new).await {
            Ok(id) => Ok(format!("create;account={id};username={username};role={};region={region};disabled", role.as_str())),
            Err(StoreError::Conflict { .. }) => Err(refuse("username：该用户名已存在", "username: already taken")),
            Err(e) => Err(refuse(e.to_string(), e.to_string())),
        }
    }
    .await;
    if let Err(x) = &result {
        // Keep what was typed (never the passwords).
        let r = view(&state, &a, l, f.clone(), l.t(&x.zh, &x.en).to_string(), String::new()).await;
        return with_note(r, AuditNote { denied: Some(x.denial), ..note });
    }
    finish(&state, &a, l, result, note).await
}

/// The account another administrator may act on: in scope, not oneself, a business account.
async fn target(state: &AppState, a: &auth::Authenticated, id: i64) -> Result<Account, Result<Refusal, WebError>> {
    let acc = match state.store.account(id).await {
        Ok(Some(x)) if a.user.scope.contains(&x.region) => x,
        Ok(_) => return Err(Err(WebError::NotFound)),
        Err(e) => return Err(Err(WebError::Internal(e.to_string()))),
    };
    if acc.id == a.user.account_id {
        return Err(Ok(Refusal { denial: Denial::Role, ..refuse("不能修改本人账号", "you cannot change your own account") }));
    }
    if !acc.role.is_business() {
        return Err(Ok(Refusal {
            denial: Denial::Role,
            ..refuse("管理员账号只能在安装时由命令行变更", "administrator accounts are changed only from the command line at install")
        }));
    }
    Ok(acc)
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

async fn change(
    state: AppState,
    a: auth::Authenticated,
    l: L,
    id: i64,
    permission: Permission,
    f: ChangeForm,
    act: impl AsyncFnOnce(&AppState, &Account, &ChangeForm) -> Result<String, Refusal>,
) -> Response {
    let note = AuditNote { action: Some(Action::Account), ..AuditNote::default() };
    if !a.user.can(permission) {
        return with_note(WebError::Forbidden.page(l.0), note);
    }
    let acc = match target(&state, &a, id).await {
        Ok(x) => x,
        Err(Err(e)) => return with_note(e.page(l.0), note),
        Err(Ok(x)) => return finish(&state, &a, l, Err(x), note).await,
    };
    let result = async {
        let detail = act(&state, &acc, &f).await?;
        Ok(format!("account={id};username={};{detail}", acc.username))
    }
    .await;
    finish(&state, &a, l, result, note).await
}

async fn disable_submit(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<ChangeForm>) -> Response {
    let admin = a.clone();
    change(state, a, l, id, Permission::ManageAccounts, f, async move |state, acc, f| {
        confirm(state, &admin, &f.my_password).await?;
        state.store.set_account_disabled(acc.id, true).await.map_err(|e| refuse(e.to_string(), e.to_string()))?;
        Ok("disable".into())
    })
    .await
}

async fn password_submit(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<ChangeForm>) -> Response {
    let admin = a.clone();
    change(state, a, l, id, Permission::ManageAccounts, f, async move |state, acc, f| {
        if let Some((zh, en)) = auth::password_problem(&acc.username, &f.password) {
            return Err(refuse(format!("password：{zh}"), format!("password: {en}")));
        }
        confirm(state, &admin, &f.my_password).await?;
        // Ends every session of the account and clears its lockout.
        state
            .store
            .set_password(acc.id, &auth::hash_password(&f.password), true)
            .await
            .map_err(|e| refuse(e.to_string(), e.to_string()))?;
        Ok("reset_password".into())
    })
    .await
}

async fn access_submit(State(state): State<AppState>, Page { a, l }: Page, Path(id): Path<i64>, Form(f): Form<ChangeForm>) -> Response {
    let admin = a.clone();
    change(state, a, l, id, Permission::ManageRoles, f, async move |state, acc, f| {
        let (role, department) = role_and_department(&f.role, &f.department)?;
        let region = region_in_scope(state, &admin, &f.region).await?;
        confirm(state, &admin, &f.my_password).await?;
        let fail = |e: StoreError| refuse(e.to_string(), e.to_string());
        state.store.update_account_access(acc.id, role, &region, department).await.map_err(fail)?;
        state.store.set_account_disabled(acc.id, false).await.map_err(fail)?;
        Ok(format!("grant;role={};region={region};from_role={};from_region={}", role.as_str(), acc.role.as_str(), acc.region))
    })
    .await
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

async fn password_page(State(state): State<AppState>, Page { a, l }: Page) -> Response {
    let c = Chrome::new(&state, &a, l, "/password").await;
    render(PasswordPage { c, required: a.must_change_password, error: String::new() })
}

async fn own_password_submit(State(state): State<AppState>, Page { a, l }: Page, Form(f): Form<OwnPasswordForm>) -> Response {
    let note = AuditNote { action: Some(Action::Account), ..AuditNote::default() };
    let problem: Option<(String, String, Denial)> = async {
        let acc = match state.store.account(a.user.account_id).await {
            Ok(Some(acc)) => acc,
            _ => return Some(("数据库错误".into(), "database error".into(), Denial::Invalid)),
        };
        if !auth::verify_password(&f.current, &acc.password_hash) {
            return Some(("current：当前密码不正确".into(), "current: the current password is wrong".into(), Denial::Reauth));
        }
        if f.new != f.again {
            return Some(("again：两次输入的新密码不一致".into(), "again: the two new passwords differ".into(), Denial::Invalid));
        }
        if f.new == f.current {
            return Some((
                "new：新密码不能与当前密码相同".into(),
                "new: choose a password other than the current one".into(),
                Denial::Invalid,
            ));
        }
        if let Some((zh, en)) = auth::password_problem(&a.user.username, &f.new) {
            return Some((format!("new：{zh}"), format!("new: {en}"), Denial::Invalid));
        }
        None
    }
    .await;
    if let Some((zh, en, denial)) = problem {
        let c = Chrome::new(&state, &a, l, "/password").await;
        let page = PasswordPage { c, required: a.must_change_password, error: l.t(&zh, &en).to_string() };
        return with_note((StatusCode::UNPROCESSABLE_ENTITY, render(page)).into_response(), AuditNote { denied: Some(denial), ..note });
    }
    // Ends every session of the account, this one too: sign in again with the new password.
    if let Err(e) = state.store.set_password(a.user.account_id, &auth::hash_password(&f.new), false).await {
        return with_note(WebError::Internal(e.to_string()).page(l.0), note);
    }
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body><main class=\"narrow\"><h1>{t}</h1><p class=\"notice\" role=\"status\">{m}</p><p><a class=\"button\" href=\"/login\">{b}</a></p></main></body></html>",
        t = l.t("密码已修改", "Password changed"),
        m = l.t(
            "密码已修改，所有会话已结束。请用新密码重新登录。",
            "Your password is changed and every session ended. Sign in with the new one."
        ),
        b = l.t("登录", "Sign in"),
    );
    let mut r = axum::response::Html(html).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&auth::clear_session_cookie()) {
        r.headers_mut().insert(axum::http::header::SET_COOKIE, v);
    }
    with_note(r, AuditNote { detail: "change_own_password".into(), ..note })
}
