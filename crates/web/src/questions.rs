//! 在线咨询 for the town window: residents' questions in the user's scope — waiting ones soonest
//! due first, with the working days left — and one thread with the form to answer it.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, Errs, beijing_minutes, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::question::QuestionState;
use jiuzhu_domain::trail::Action;
use jiuzhu_residents::questions::Thread;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/questions", get(list)).route("/questions/{id}", get(one)).route("/questions/{id}/answer", post(answer))
}

#[derive(Template)]
#[template(path = "questions.html")]
struct ListPage {
    c: Chrome,
    threads: Vec<(Thread, String)>,
    done: bool,
}

impl ListPage {
    fn topic(&self, t: &Thread) -> &'static str {
        self.c.lang.t(t.question.topic.zh(), t.question.topic.en())
    }
    fn state(&self, t: &Thread) -> &'static str {
        self.c.lang.t(t.question.state.zh(), t.question.state.en())
    }
    fn when(&self, t: &Thread) -> String {
        beijing_minutes(t.question.last_at)
    }
    /// The start of the latest message.
    fn gist(&self, t: &Thread) -> String {
        let b = t.messages.last().map(|m| m.body.as_str()).unwrap_or("");
        if b.chars().count() > 30 { format!("{}…", b.chars().take(30).collect::<String>()) } else { b.to_string() }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    done: Option<String>,
}

async fn list(State(state): State<AppState>, Page { session, lang }: Page, Query(q): Query<ListQuery>) -> Response {
    let done = q.done.is_some();
    match state.questions.queue(&session.user, !done).await {
        Ok(list) => {
            let mut threads = Vec::with_capacity(list.len());
            for t in list {
                let place = state.registry.region_names(&t.question.region).await;
                threads.push((t, place));
            }
            render(ListPage { c: Chrome::new(&state, &session, lang, "/questions").await, threads, done })
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

#[derive(Template)]
#[template(path = "question.html")]
struct OnePage {
    c: Chrome,
    th: Thread,
    place: String,
    error: String,
    errs: Errs,
    typed: AnswerForm,
}

impl OnePage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        beijing_minutes(*at)
    }
    fn topic(&self) -> &'static str {
        self.c.lang.t(self.th.question.topic.zh(), self.th.question.topic.en())
    }
    fn state(&self) -> &'static str {
        self.c.lang.t(self.th.question.state.zh(), self.th.question.state.en())
    }
    fn waiting(&self) -> bool {
        self.th.question.state == QuestionState::Waiting
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AnswerForm {
    version: Option<i64>,
    answer: String,
}

async fn one_page(
    state: &AppState,
    session: &SignedIn,
    lang: crate::i18n::PageLang,
    id: i64,
    error: String,
    errs: Errs,
    typed: AnswerForm,
) -> Response {
    match state.questions.question(&session.user, id).await {
        Ok(th) => {
            let place = state.registry.region_names(&th.question.region).await;
            render(OnePage { c: Chrome::new(state, session, lang, "/questions").await, th, place, error, errs, typed })
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

async fn one(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    one_page(&state, &session, lang, id, String::new(), Errs::default(), AnswerForm::default()).await
}

async fn answer(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(f): Form<AnswerForm>,
) -> Response {
    match state.questions.answer(&session.user, id, f.version.unwrap_or(0), &f.answer).await {
        Ok(()) => Redirect::to(&format!("/questions/{id}")).into_response(),
        Err(e) => {
            let trail = &session.user.trail;
            crate::frame::redraw_refused(WebError::from(e), lang, trail, Action::Update, async |error, errs| {
                one_page(&state, &session, lang, id, error, errs, f).await
            })
            .await
        }
    }
}
