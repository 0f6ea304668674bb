//! 投诉举报: a resident reports a problem with social assistance — anonymously or with their
//! name — and gets a 举报编号 and a 查询密码; with both they read where it stands and the reply.
//! A wrong pair answers exactly like an unknown code, and sending and reading are limited per
//! address, per code and per PIN tried.

use super::{Resident, error_page, random_hex, town_of};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::{Errs, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;
use jiuzhu_domain::complaint::{ComplaintCategory, ComplaintChannel, ComplaintState};
use jiuzhu_domain::trail::Trail;
use jiuzhu_domain::{Division, ValidationErrors};
use jiuzhu_residents::complaints::rules::{ACCEPT_WITHIN, ANSWER_WITHIN, ReportInput, anonymous_choice, read_code, read_pin};
use jiuzhu_residents::complaints::{ComplaintReceipt, ReporterView};
use std::time::Instant;

pub fn routes() -> Router<AppState> {
    Router::new().route("/m/report", get(start).post(submit)).route("/m/report/check", get(check_form).post(check))
}

/// What each category means, in a resident's words.
fn explain(c: ComplaintCategory) -> (&'static str, &'static str) {
    match c {
        ComplaintCategory::EligibleLeftOut => {
            ("家里确实困难，申请了却没批，或不知道能申请", "a household in real need was refused or never told it could apply")
        }
        ComplaintCategory::WronglyIncluded => ("有人家里条件好，却在领低保、特困等救助", "someone well off is receiving assistance"),
        ComplaintCategory::Favouritism => ("干部给自己的亲戚朋友办救助", "officials giving assistance to their relatives and friends"),
        ComplaintCategory::PaymentLateOrShort => ("救助金没有按时发，或者发少了", "assistance paid late or short"),
        ComplaintCategory::StaffConduct => {
            ("工作人员态度差、推诿、拖着不办，或者索要好处", "staff rude, passing the buck, delaying, or asking for favours")
        }
        ComplaintCategory::Other => ("其他和社会救助有关的问题", "anything else about social assistance"),
    }
}

#[derive(Template)]
#[template(path = "public/report.html")]
struct FormPage<'a> {
    r: &'a Resident,
    town: Division,
    place: String,
    villages: Vec<Division>,
    t: ReportInput,
    errs: Errs,
    messages: Vec<String>,
}

impl FormPage<'_> {
    fn categories(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        ComplaintCategory::ALL
            .iter()
            .map(|c| {
                let (zh, en) = explain(*c);
                (c.as_str(), self.r.t(c.zh(), c.en()), self.r.t(zh, en))
            })
            .collect()
    }
    fn anonymous(&self) -> bool {
        self.t.anonymous == Some(true)
    }
    fn real_name(&self) -> bool {
        self.t.anonymous == Some(false)
    }
}

#[derive(serde::Deserialize)]
struct RegionQuery {
    region: Option<String>,
}

async fn start(State(state): State<AppState>, r: Resident, Query(q): Query<RegionQuery>) -> Response {
    let (town, village) = match town_of(&state, q.region.as_deref()).await {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/m/town?next=report").into_response(),
        Err(e) => return error_page(&r, e),
    };
    // The form's one-time key, drawn now and carried by every re-display: sent twice, it files once.
    let form_key = random_hex();
    let t = ReportInput { region: village.unwrap_or_default(), form_key, ..Default::default() };
    form_page(&state, &r, town, t, None).await
}

async fn form_page(state: &AppState, r: &Resident, town: Division, t: ReportInput, refused: Option<&ValidationErrors>) -> Response {
    let place = state.registry.region_names(&town.code).await;
    let villages = match state.registry.public_children(Some(&town.code)).await {
        Ok(v) => v,
        Err(e) => return error_page(r, WebError::from(e)),
    };
    let (errs, messages) = match refused {
        Some(v) => (Errs::new(v, r.lang), crate::frame::messages(v, r.lang)),
        None => (Errs::default(), Vec::new()),
    };
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, render(FormPage { r, town, place, villages, t, errs, messages })).into_response()
}

#[derive(Template)]
#[template(path = "public/report_done.html")]
struct DonePage<'a> {
    r: &'a Resident,
    receipt: ComplaintReceipt,
    place: String,
}

impl DonePage<'_> {
    fn due(&self) -> String {
        self.r.day(self.receipt.due_on)
    }
    fn pin(&self) -> String {
        super::pin_groups(&self.receipt.pin)
    }
    fn accept_within(&self) -> u32 {
        ACCEPT_WITHIN
    }
    fn answer_within(&self) -> u32 {
        ANSWER_WITHIN
    }
}

/// The form posted: a display switch draws it again with everything typed; else it is sent.
async fn submit(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let mut r = r;
    let cookie = fields.iter().find(|(k, _)| k == "switch").map(|(_, v)| super::switch(&mut r, v));
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (town, _) = match town_of(&state, Some(&field("town"))).await {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/m/town?next=report").into_response(),
        Err(e) => return error_page(&r, e),
    };
    let t = ReportInput {
        category: field("category"),
        region: field("region"),
        content: field("content"),
        named_staff: field("named_staff"),
        anonymous: anonymous_choice(&field("anonymous")),
        name: field("name"),
        phone: field("phone"),
        id_number: field("id_number"),
        form_key: field("form_key"),
    };
    let response = if cookie.is_some() {
        form_page(&state, &r, town, t, None).await
    } else if !state.residents_limiter.allow(ip, Instant::now()) {
        error_page(&r, WebError::TooMany)
    } else {
        let trail = Trail::default();
        let answer = match state.complaints.file(&trail, ComplaintChannel::Online, &t).await {
            Ok(receipt) => {
                let place = state.registry.region_names(&town.code).await;
                render(DonePage { r: &r, receipt, place })
            }
            Err(jiuzhu_residents::ResidentsError::Invalid(v)) => form_page(&state, &r, town, t, Some(&v)).await,
            Err(jiuzhu_residents::ResidentsError::AlreadySent { code }) => render(SentPage { r: &r, code }),
            Err(e) => error_page(&r, WebError::from(e)),
        };
        crate::audit::resident_trail(answer, trail)
    };
    super::with_cookie(response, cookie)
}

/// The same form sent again: the code it was filed under (the PIN was shown the first time).
#[derive(Template)]
#[template(path = "public/report_sent.html")]
struct SentPage<'a> {
    r: &'a Resident,
    code: String,
}

#[derive(Template)]
#[template(path = "public/report_check.html")]
struct CheckPage<'a> {
    r: &'a Resident,
    code: String,
    not_found: bool,
}

#[derive(Template)]
#[template(path = "public/report_result.html")]
struct ResultPage<'a> {
    r: &'a Resident,
    v: ReporterView,
    /// 好差评 once answered.
    offer: jiuzhu_residents::ratings::Offer,
    /// The rating form starts empty.
    blank: String,
    errs: Errs,
}

impl ResultPage<'_> {
    fn day(&self, d: &NaiveDate) -> String {
        self.r.day(*d)
    }
    fn state(&self) -> &'static str {
        self.r.t(self.v.state.zh(), self.v.state.en())
    }
    fn answered(&self) -> bool {
        self.v.state == ComplaintState::Answered
    }
    fn category(&self) -> &'static str {
        self.r.t(self.v.category.zh(), self.v.category.en())
    }
    fn finding(&self) -> &'static str {
        self.v.finding.map(|f| self.r.t(f.zh(), f.en())).unwrap_or("")
    }
}

async fn check_form(r: Resident) -> Response {
    render(CheckPage { r: &r, code: String::new(), not_found: false })
}

#[derive(serde::Deserialize)]
struct Asked {
    #[serde(default)]
    code: String,
    #[serde(default)]
    pin: String,
}

async fn check(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, Form(a): Form<Asked>) -> Response {
    let pair = read_code(&a.code).zip(read_pin(&a.pin)).map(|(c, p)| (format!("report:{c}"), format!("pin:{p}")));
    if !super::lookup_allowed(&state, ip, pair) {
        return error_page(&r, WebError::TooMany);
    }
    let trail = Trail::default();
    let answer = match state.complaints.read_back(&trail, &a.code, &a.pin).await {
        Ok(v) => match state.ratings.offer_for_complaint(v.id, &r.token).await {
            Ok(offer) => render(ResultPage { r: &r, v, offer, blank: String::new(), errs: Errs::default() }),
            Err(e) => error_page(&r, WebError::from(e)),
        },
        Err(jiuzhu_residents::ResidentsError::NotFound) => render(CheckPage { r: &r, code: a.code.clone(), not_found: true }),
        Err(e) => error_page(&r, WebError::from(e)),
    };
    crate::audit::resident_trail(answer, trail)
}
