//! 节假日安排: a system administrator imports the next year's official holidays, and the
//! deadlines that waited for them are computed.

use crate::error::WebError;
use crate::extract::Page;
use crate::frame::{Chrome, messages, render};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuzhu_domain::Permission;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    last_year: i32,
    message: String,
    error: String,
}

pub(super) async fn calendar_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    if !session.user.can(Permission::ManageCalendar) {
        session.user.trail.refuse(jiuzhu_domain::Denial::Role);
        return WebError::Forbidden.page(lang.0);
    }
    render(CalendarPage {
        last_year: state.casework.calendar().last_year(),
        c: Chrome::new(&state, &session, lang, "/admin/calendar").await,
        message: String::new(),
        error: String::new(),
    })
}

#[derive(Deserialize)]
pub(super) struct CalendarForm {
    year: String,
    content: String,
    source: String,
}

pub(super) async fn calendar_submit(State(state): State<AppState>, Page { session, lang }: Page, Form(f): Form<CalendarForm>) -> Response {
    let (message, error) = match f.year.trim().parse::<i32>() {
        Err(_) => (String::new(), lang.t("年份应为四位数字", "the year is four digits").to_string()),
        Ok(_) if f.source.trim().is_empty() => {
            (String::new(), lang.t("请填写来源（通知名称）", "name the source (the notice)").to_string())
        }
        Ok(year) => match state.casework.import_calendar_year(Some(&session.user), year, &f.content, f.source.trim()).await {
            Ok(n) => (
                if lang.is_en() {
                    format!("{year} imported; deadlines computed for {n} cases")
                } else {
                    format!("已导入 {year} 年节假日安排，{n} 个案件的期限已计算")
                },
                String::new(),
            ),
            Err(e) => match WebError::from(e) {
                WebError::Invalid(v) => (String::new(), messages(&v, lang).join("；")),
                e => return e.page(lang.0),
            },
        },
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (
        status,
        render(CalendarPage {
            last_year: state.casework.calendar().last_year(),
            c: Chrome::new(&state, &session, lang, "/admin/calendar").await,
            message,
            error,
        }),
    )
        .into_response()
}
