//! 部门数据 pages: the imports done, and an upload checked and stored by a background job the page
//! follows with a progress bar — the request that uploads returns at once, so a large file never
//! ties up the server's threads. The rules and the job are the feeds service's
//! ([`jiuzhu_verify::feeds`]).

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, beijing_minutes, render};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiuzhu_accounts::SignedIn;
use jiuzhu_verify::Feed;
use jiuzhu_verify::feeds::{Job, MAX_UPLOAD_BYTES, Phase, upload_too_large};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        // The page promises MAX_UPLOAD_BYTES; the form's other fields need a little more.
        .route("/feeds", get(feeds_page).post(upload_submit).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024)))
        .route("/feeds/jobs/{id}", get(job_fragment))
}

pub struct ImportRow {
    id: i64,
    feed: String,
    file_name: String,
    rows: i64,
    new_rows: i64,
    imported_by: String,
    imported_at: String,
}

pub struct ProblemRow {
    row: String,
    column: String,
    value: String,
    message: String,
}

/// A background import as the page shows it.
pub struct JobView {
    id: u64,
    file_name: String,
    /// `checking`, `storing`, `finished`, `failed`.
    state: &'static str,
    done: u64,
    total: u64,
    notice: String,
    error: String,
    problems: Vec<ProblemRow>,
    problem_count: u64,
}

fn job_view(job: Job, lang: PageLang) -> JobView {
    let mut v = JobView {
        id: job.id,
        file_name: job.file_name,
        state: "checking",
        done: 0,
        total: 0,
        notice: String::new(),
        error: String::new(),
        problems: Vec::new(),
        problem_count: 0,
    };
    match job.phase {
        Phase::Checking => {}
        Phase::Storing { done, total } => (v.state, v.done, v.total) = ("storing", done, total),
        Phase::Failed { zh, en } => (v.state, v.error) = ("failed", lang.t(&zh, &en).to_string()),
        Phase::Finished { report, outcome: None } => {
            v.state = "finished";
            v.error = format!(
                "{}{}{}",
                lang.t("文件有问题，未导入任何数据：共 ", "The file has problems; nothing was imported: "),
                report.problem_count,
                lang.t(" 个问题", " problem(s)")
            );
            v.problem_count = report.problem_count;
            v.problems = report
                .problems
                .iter()
                .map(|p| ProblemRow {
                    row: if p.row == 0 { lang.t("文件", "file").to_string() } else { p.row.to_string() },
                    column: p.column.clone(),
                    value: p.value.clone(),
                    message: lang.t(&p.zh, &p.en).to_string(),
                })
                .collect();
        }
        Phase::Finished { report, outcome: Some(o) } => {
            v.state = "finished";
            (v.done, v.total) = (report.valid_rows, report.valid_rows);
            v.notice = if o.already_imported {
                format!(
                    "{}{}",
                    lang.t("该文件此前已导入，未作任何更改：导入批次 #", "This file was imported before; nothing changed: import #"),
                    o.import_id
                )
            } else {
                // A changed fact (a new status, a new owner) is a new row; only a row stored
                // before exactly as it is counts as already there.
                format!(
                    "{} {} {} {}{}{}{}{}",
                    report.file,
                    lang.t("已导入，共", "imported:"),
                    report.valid_rows,
                    lang.t("行，新增 ", "rows, new "),
                    o.new_rows,
                    lang.t(" 行（新的或有变化的事实），此前已有且完全相同 ", " (new or changed facts), already stored unchanged "),
                    (report.valid_rows as i64 - o.new_rows).max(0),
                    lang.t(" 行", ""),
                )
            };
        }
    }
    v
}

#[derive(Template)]
#[template(path = "feeds.html")]
struct FeedsPage {
    c: Chrome,
    feeds: Vec<(&'static str, String)>,
    imports: Vec<ImportRow>,
    error: String,
    job: Option<JobView>,
    max_mb: usize,
}

#[derive(Template)]
#[template(path = "feed_job.html")]
struct JobFragment {
    c: Chrome,
    job: JobView,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FeedsQuery {
    job: Option<Id>,
}

async fn feeds_view(state: &AppState, session: &SignedIn, lang: PageLang, error: String, job: Option<u64>) -> Response {
    let imports = match state.feeds.imports(&session.user).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let label = |code: &str| Feed::parse(code).map_or_else(|| code.to_string(), |f| f.label());
    let imports = imports
        .into_iter()
        .map(|i| ImportRow {
            id: i.id,
            feed: label(&i.feed),
            file_name: i.file_name,
            rows: i.rows,
            new_rows: i.new_rows,
            imported_by: i.imported_by,
            imported_at: beijing_minutes(i.imported_at),
        })
        .collect();
    let job = match job.map(|id| state.feeds.job(&session.user, id)).transpose() {
        Ok(j) => j.map(|j| job_view(j, lang)),
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let page = FeedsPage {
        c: Chrome::new(state, session, lang, "/feeds").await,
        feeds: Feed::ALL.iter().map(|f| (f.code(), f.label())).collect(),
        imports,
        error,
        job,
        max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
    };
    let status = if page.error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(page)).into_response()
}

async fn feeds_page(State(state): State<AppState>, Page { session, lang }: Page, Query(q): Query<FeedsQuery>) -> Response {
    let job = q.job.and_then(|j| u64::try_from(j.0).ok());
    feeds_view(&state, &session, lang, String::new(), job).await
}

/// Upload: multipart fields `feed` (a feed code) and `file` (CSV, xlsx, xls or Parquet, at most
/// [`MAX_UPLOAD_BYTES`]; larger files with `jiuzhu import`). Answers at once with the page that
/// follows the import.
async fn upload_submit(State(state): State<AppState>, Page { session, lang }: Page, mut form: Multipart) -> Response {
    let refuse = |e: jiuzhu_domain::FieldError| {
        let (state, session) = (state.clone(), session.clone());
        async move { feeds_view(&state, &session, lang, crate::frame::form_errors(&e.into(), lang), None).await }
    };
    let (mut feed, mut file) = (String::new(), None);
    loop {
        match form.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                let file_name = f.file_name().unwrap_or_default().to_string();
                let Ok(bytes) = f.bytes().await else { return refuse(upload_too_large()).await };
                match name.as_str() {
                    "feed" => feed = String::from_utf8_lossy(&bytes).trim().to_string(),
                    "file" => file = Some((file_name, bytes)),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return refuse(upload_too_large()).await,
        }
    }
    let (file_name, bytes) = file.unwrap_or_default();
    match state.feeds.start(&session.user, &feed, &file_name, &bytes, state.clock.today()) {
        Ok(id) => Redirect::to(&format!("/feeds?job={id}")).into_response(),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(v) => {
                let msg = crate::frame::form_errors(&v, lang);
                feeds_view(&state, &session, lang, msg, None).await
            }
            e => e.page(lang.0),
        },
    }
}

/// The job's part of the page, polled every second while it runs; when it has finished the whole
/// page is reloaded (the list of imports changed).
async fn job_fragment(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    let job =
        match u64::try_from(id).map_err(|_| WebError::NotFound).and_then(|id| state.feeds.job(&session.user, id).map_err(WebError::from)) {
            Ok(j) => job_view(j, lang),
            Err(e) => return e.page(lang.0),
        };
    let done = matches!(job.state, "finished" | "failed");
    let mut r = render(JobFragment { c: Chrome::new(&state, &session, lang, "/feeds").await, job });
    if done {
        r.headers_mut().insert("HX-Refresh", HeaderValue::from_static("true"));
    }
    r
}
