//! 节假日安排: a system administrator imports a year's official holidays — the next one, or a
//! corrected file of one imported before — and sees which cases' deadlines were computed or
//! moved, and the history of imports.

use crate::error::WebError;
use crate::extract::Page;
use crate::frame::{Chrome, beijing_minutes, messages, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuzhu_accounts::SignedIn;
use jiuzhu_casework::service::CalendarImportReport;
use jiuzhu_domain::Permission;
use serde::Deserialize;

/// How many imports the page lists.
const HISTORY: i64 = 50;

/// A case whose deadlines the import changed, as the page lists it.
struct MovedRow {
    case_id: i64,
    /// "办理期限 2027-01-25 → 2027-01-18；…" in the page's language.
    moves: String,
}

struct ImportRow {
    id: i64,
    year: i32,
    source: String,
    sha256: String,
    imported_by: String,
    imported_at: String,
    cases_changed: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    last_year: i32,
    message: String,
    error: String,
    moved: Vec<MovedRow>,
    history: Vec<ImportRow>,
}

async fn page(
    state: &AppState,
    session: &SignedIn,
    lang: PageLang,
    message: String,
    error: String,
    moved: Vec<MovedRow>,
) -> Result<CalendarPage, WebError> {
    let unknown = lang.t("不详", "unknown");
    let history = state
        .casework
        .calendar_imports(&session.user, HISTORY)
        .await?
        .into_iter()
        .map(|i| ImportRow {
            id: i.id,
            year: i.year,
            source: i.source,
            sha256: i.sha256.unwrap_or_else(|| unknown.to_string()),
            imported_by: i.imported_by,
            imported_at: beijing_minutes(i.imported_at),
            cases_changed: i.cases_changed.map(|n| n.to_string()).unwrap_or_else(|| unknown.to_string()),
        })
        .collect();
    Ok(CalendarPage {
        last_year: state.casework.calendar().last_year(),
        c: Chrome::new(state, session, lang, "/admin/calendar").await,
        message,
        error,
        moved,
        history,
    })
}

pub(super) async fn calendar_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    if !session.user.can(Permission::ManageCalendar) {
        session.user.trail.refuse(jiuzhu_domain::Denial::Role);
        return WebError::Forbidden.page(lang.0);
    }
    match page(&state, &session, lang, String::new(), String::new(), Vec::new()).await {
        Ok(p) => render(p),
        Err(e) => e.page(lang.0),
    }
}

#[derive(Deserialize)]
pub(super) struct CalendarForm {
    year: String,
    content: String,
    source: String,
}

/// What the import did, in the page's language, and the cases it changed.
fn outcome(r: &CalendarImportReport, lang: PageLang) -> (String, Vec<MovedRow>) {
    let year = r.year;
    if r.unchanged {
        let text = if lang.is_en() {
            format!("{year}: the same file as imported already; nothing changed")
        } else {
            format!("{year} 年节假日安排与已导入的文件相同，未作任何更改")
        };
        return (text, Vec::new());
    }
    let (moved, computed) = (r.moved(), r.computed());
    let text = if lang.is_en() {
        format!("{year} imported; deadlines moved for {moved} cases, computed for {computed} cases")
    } else {
        format!("已导入 {year} 年节假日安排：{moved} 个案件的期限已变更，{computed} 个案件的期限已计算")
    };
    let pending = lang.t("待定", "pending");
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| pending.to_string());
    let rows = r
        .cases
        .iter()
        .map(|c| MovedRow {
            case_id: c.case_id,
            moves: c
                .moves
                .iter()
                .map(|m| format!("{} {} → {}", lang.t(m.kind.zh(), m.kind.en()), day(m.old), day(m.new)))
                .collect::<Vec<_>>()
                .join(lang.t("；", "; ")),
        })
        .collect();
    (text, rows)
}

pub(super) async fn calendar_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<CalendarForm>) -> Response {
    let (message, error, moved) = match f.year.trim().parse::<i32>() {
        Err(_) => (String::new(), lang.t("年份应为四位数字", "the year is four digits").to_string(), Vec::new()),
        Ok(_) if f.source.trim().is_empty() => {
            (String::new(), lang.t("请填写来源（通知名称）", "name the source (the notice)").to_string(), Vec::new())
        }
        Ok(year) => match state.casework.import_calendar_year(Some(&session.user), year, &f.content, f.source.trim()).await {
            Ok(r) => {
                let (message, moved) = outcome(&r, lang);
                (message, String::new(), moved)
            }
            Err(e) => match WebError::from(e) {
                WebError::Invalid(v) => (String::new(), messages(&v, lang).join("；"), Vec::new()),
                e => return e.page(lang.0),
            },
        },
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    match page(&state, &session, lang, message, error, moved).await {
        Ok(p) => (status, render(p)).into_response(),
        Err(e) => e.page(lang.0),
    }
}
