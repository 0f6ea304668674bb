//! 在线咨询 on the residents' site: ask the window of one's town a question (no login; a code and
//! PIN come back), read the thread with them, ask again in it or say it is resolved. The thread
//! page carries a ticket bound to this browser for asking again, never the PIN.

use super::{Resident, error_page, town_of};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::{Errs, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use jiuzhu_domain::Division;
use jiuzhu_domain::question::{QuestionState, QuestionTopic};
use jiuzhu_domain::trail::Trail;
use jiuzhu_residents::ResidentsError;
use jiuzhu_residents::complaints::rules::read_pin;
use jiuzhu_residents::questions::rules::ANSWER_WITHIN;
use jiuzhu_residents::questions::{QuestionReceipt, Thread};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/ask", get(start).post(submit))
        .route("/m/ask/check", get(check_form).post(check))
        .route("/m/ask/more", post(more))
}

/// The question as typed (kept on every refusal and display switch).
#[derive(Default, Clone)]
struct Typed {
    topic: String,
    body: String,
}

#[derive(Template)]
#[template(path = "public/ask.html")]
struct FormPage<'a> {
    r: &'a Resident,
    town: Division,
    place: String,
    t: Typed,
    errs: Errs,
    messages: Vec<String>,
}

impl FormPage<'_> {
    fn topics(&self) -> Vec<(&'static str, &'static str)> {
        QuestionTopic::ALL.iter().map(|k| (k.as_str(), self.r.t(k.zh(), k.en()))).collect()
    }
    fn within(&self) -> u32 {
        ANSWER_WITHIN
    }
}

#[derive(serde::Deserialize)]
struct RegionQuery {
    region: Option<String>,
}

async fn start(State(state): State<AppState>, r: Resident, Query(q): Query<RegionQuery>) -> Response {
    match town_of(&state, q.region.as_deref()).await {
        Ok(Some((town, _))) => form_page(&state, &r, town, Typed::default(), None).await,
        Ok(None) => Redirect::to("/m/town?next=ask").into_response(),
        Err(e) => error_page(&r, e),
    }
}

async fn form_page(
    state: &AppState,
    r: &Resident,
    town: Division,
    t: Typed,
    refused: Option<&jiuzhu_domain::ValidationErrors>,
) -> Response {
    let place = state.registry.region_names(&town.code).await;
    let (errs, messages) = match refused {
        Some(v) => (Errs::new(v, r.lang), crate::frame::messages(v, r.lang)),
        None => (Errs::default(), Vec::new()),
    };
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, render(FormPage { r, town, place, t, errs, messages })).into_response()
}

#[derive(Template)]
#[template(path = "public/ask_done.html")]
struct DonePage<'a> {
    r: &'a Resident,
    receipt: QuestionReceipt,
    place: String,
}

impl DonePage<'_> {
    fn due(&self) -> String {
        self.r.day(self.receipt.due_on)
    }
    fn pin(&self) -> String {
        super::pin_groups(&self.receipt.pin)
    }
}

/// The form posted: a display switch draws it again with everything typed; else it is sent.
async fn submit(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let mut r = r;
    let cookie = fields.iter().find(|(k, _)| k == "switch").map(|(_, v)| super::switch(&mut r, v));
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (town, _) = match town_of(&state, Some(&field("town"))).await {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/m/town?next=ask").into_response(),
        Err(e) => return error_page(&r, e),
    };
    let t = Typed { topic: field("topic"), body: field("body") };
    let response = if cookie.is_some() {
        form_page(&state, &r, town, t, None).await
    } else if !state.residents_limiter.allow(ip, std::time::Instant::now()) {
        error_page(&r, WebError::TooMany)
    } else {
        let trail = Trail::default();
        let answer = match state.questions.ask(&trail, &town.code, &t.topic, &t.body).await {
            Ok(receipt) => {
                let place = state.registry.region_names(&town.code).await;
                render(DonePage { r: &r, receipt, place })
            }
            Err(ResidentsError::Invalid(v)) => form_page(&state, &r, town, t, Some(&v)).await,
            Err(e) => error_page(&r, WebError::from(e)),
        };
        crate::audit::resident_trail(answer, trail)
    };
    super::with_cookie(response, cookie)
}

#[derive(Template)]
#[template(path = "public/ask_check.html")]
struct CheckPage<'a> {
    r: &'a Resident,
    code: String,
    not_found: bool,
}

async fn check_form(r: Resident) -> Response {
    render(CheckPage { r: &r, code: String::new(), not_found: false })
}

#[derive(Template)]
#[template(path = "public/ask_thread.html")]
struct ThreadPage<'a> {
    r: &'a Resident,
    th: Thread,
    place: String,
}

impl ThreadPage<'_> {
    fn day(&self, d: &NaiveDate) -> String {
        self.r.day(*d)
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::frame::beijing_minutes(*at)
    }
    fn state(&self) -> &'static str {
        self.r.t(self.th.question.state.zh(), self.th.question.state.en())
    }
    fn topic(&self) -> &'static str {
        self.r.t(self.th.question.topic.zh(), self.th.question.topic.en())
    }
    fn answered(&self) -> bool {
        self.th.question.state == QuestionState::Answered
    }
    fn waiting(&self) -> bool {
        self.th.question.state == QuestionState::Waiting
    }
}

#[derive(serde::Deserialize)]
struct Asked {
    #[serde(default)]
    code: String,
    #[serde(default)]
    pin: String,
}

async fn check(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(a): Form<Asked>) -> Response {
    let pair = jiuzhu_residents::numbers::read("ZX", &a.code).zip(read_pin(&a.pin)).map(|(c, p)| (format!("ask:{c}"), format!("pin:{p}")));
    if !super::lookup_allowed(&state, ip, pair) {
        return error_page(&r, WebError::TooMany);
    }
    let trail = Trail::default();
    let answer = match state.questions.thread(&trail, &a.code, &a.pin, &r.token).await {
        Ok(th) => {
            // The town's own name: the answers are signed "水洛镇社会救助窗口".
            let place = state.registry.region_name(&th.question.region).await.ok().flatten().unwrap_or_default();
            render(ThreadPage { r: &r, th, place })
        }
        Err(ResidentsError::NotFound) => render(CheckPage { r: &r, code: a.code.clone(), not_found: true }),
        Err(e) => error_page(&r, WebError::from(e)),
    };
    crate::audit::resident_trail(answer, trail)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct More {
    ticket: String,
    body: String,
    /// `close`: the resident says it is resolved.
    close: Option<String>,
}

#[derive(Template)]
#[template(path = "public/ask_sent.html")]
struct SentPage<'a> {
    r: &'a Resident,
    closed: bool,
    /// What was written, when the page had expired.
    kept: String,
    message: String,
}

impl SentPage<'_> {
    fn within(&self) -> u32 {
        ANSWER_WITHIN
    }
}

/// Asking again in the thread, or closing it, with the thread page's ticket.
async fn more(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(m): Form<More>) -> Response {
    if state.questions.ticket_holds(&m.ticket, &r.token) && !state.residents_limiter.allow(ip, std::time::Instant::now()) {
        return error_page(&r, WebError::TooMany);
    }
    let trail = Trail::default();
    let closing = m.close.is_some();
    let done = if closing {
        state.questions.close(&trail, &m.ticket, &r.token).await
    } else {
        state.questions.follow_up(&trail, &m.ticket, &r.token, &m.body).await
    };
    let answer = match done {
        Ok(()) => render(SentPage { r: &r, closed: closing, kept: String::new(), message: String::new() }),
        // Too short, too long, or the page expired: why, with what was written.
        Err(ResidentsError::Invalid(v)) => {
            let message = crate::frame::messages(&v, r.lang).join("；");
            (StatusCode::UNPROCESSABLE_ENTITY, render(SentPage { r: &r, closed: false, kept: m.body.clone(), message })).into_response()
        }
        Err(ResidentsError::Conflict) => {
            let message = r
                .t(
                    "这个问题刚刚有了变化（已答复、已结束，或已经发过），请重新查询。",
                    "This question has just changed (answered, closed, or already sent): look it up again.",
                )
                .to_string();
            (StatusCode::CONFLICT, render(SentPage { r: &r, closed: false, kept: m.body.clone(), message })).into_response()
        }
        Err(e) => error_page(&r, WebError::from(e)),
    };
    crate::audit::resident_trail(answer, trail)
}
