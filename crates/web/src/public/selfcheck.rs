//! 自我评估: a short form (who lives in the household, income, property, big costs, an
//! emergency) assessed by the policy engine. The answer says which programmes may apply and why,
//! in plain words, and that it is not a decision. Nothing is stored: the answers travel in the
//! form (POST, never in the address) and back into it when the resident wants to change them.

use super::guide::WhereToApply;
use super::{Resident, chosen_region, error_page};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::Errs;
use crate::frame::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use jiuzhu_domain::casework::{Material, Track, materials_for};
use jiuzhu_domain::{DisabilityKind, Division, Fen, Relation, Student, ValidationErrors};
use jiuzhu_policy::selfcheck::{self, Answers, INCOMES};
use jiuzhu_policy::{Assessment, Policies, Programme, Status, assess};
use std::time::Instant;

pub fn routes() -> Router<AppState> {
    Router::new().route("/m/check", get(form).post(submit))
}

#[derive(Template)]
#[template(path = "public/check.html")]
struct CheckPage<'a> {
    r: &'a Resident,
    place: String,
    region: String,
    a: Answers,
    errs: Errs,
    /// Every error at the top, in the form's order, each naming its question.
    messages: Vec<String>,
}

impl CheckPage<'_> {
    fn relations(&self) -> Vec<(&'static str, &'static str)> {
        let label = self.r.lang.label(Relation::zh, Relation::en);
        Relation::ALL.iter().filter(|x| **x != Relation::Head).map(|x| (x.as_str(), label(*x))).collect()
    }
    fn disabilities(&self) -> Vec<(&'static str, &'static str)> {
        let label = self.r.lang.label(DisabilityKind::zh, DisabilityKind::en);
        DisabilityKind::ALL.iter().map(|x| (x.as_str(), label(*x))).collect()
    }
    fn students(&self) -> Vec<(&'static str, &'static str)> {
        let label = self.r.lang.label(Student::zh, Student::en);
        Student::ALL.iter().map(|x| (x.as_str(), label(*x))).collect()
    }
    fn incomes(&self) -> Vec<(&'static str, &'static str, &str)> {
        INCOMES.iter().map(|(field, _, zh, en)| (*field, self.r.t(zh, en), self.a.income(field))).collect()
    }
    fn err(&self, n: &usize, field: &str) -> &str {
        self.errs.get(&format!("m{n}_{field}"))
    }
    /// Rows 1–3 are open; the rest open too once any of them holds something.
    fn open_rows(&self) -> usize {
        let last = self.a.members.iter().rposition(|m| !m.is_blank()).map_or(0, |i| i + 1);
        last.max(3)
    }
}

#[derive(serde::Deserialize)]
struct RegionQuery {
    region: Option<String>,
}

async fn form(State(state): State<AppState>, r: Resident, Query(q): Query<RegionQuery>) -> Response {
    let d = match chosen_region(&state, q.region.as_deref()).await {
        Ok(Some(d)) => d,
        Ok(None) => return Redirect::to("/m/town?next=check").into_response(),
        Err(e) => return error_page(&r, e),
    };
    let a = Answers::blank();
    form_page(&state, &r, &d, a, None).await
}

async fn form_page(state: &AppState, r: &Resident, d: &Division, a: Answers, refused: Option<&ValidationErrors>) -> Response {
    let place = state.registry.region_names(&d.code).await;
    let (errs, messages) = match refused {
        Some(v) => (Errs::new(v, r.lang), crate::frame::messages(v, r.lang)),
        None => (Errs::default(), Vec::new()),
    };
    render(CheckPage { r, place, region: d.code.as_str().to_string(), a, errs, messages })
}

#[derive(Template)]
#[template(path = "public/check_result.html")]
struct ResultPage<'a> {
    r: &'a Resident,
    region: String,
    /// Every answer, to go back to the form unchanged.
    hidden: Vec<(String, String)>,
    result: Assessment,
    apply: WhereToApply,
    /// What to bring for each programme that may apply.
    materials: Vec<Material>,
}

impl ResultPage<'_> {
    fn name(&self, p: &Programme) -> &'static str {
        self.r.t(p.kind().zh(), p.kind().en())
    }
    /// The verdict in words, with a sign that does not rely on colour.
    fn verdict(&self, s: &Status) -> (&'static str, &'static str) {
        match s {
            Status::Eligible => ("ok", self.r.t("✔ 可能符合", "✔ May qualify")),
            Status::NotEligible => ("no", self.r.t("✘ 可能不符合", "✘ Probably not")),
            Status::NeedsCheck => ("check", self.r.t("？ 需要工作人员核实", "? Staff need to check")),
        }
    }
    fn yuan(&self, fen: &i64) -> String {
        format!("{}", Fen(*fen))
    }
    fn reason(&self, zh: &str, en: &str) -> String {
        selfcheck::in_plain_words(self.r.t(zh, en), self.r.lang.0)
    }
    fn any_may_apply(&self) -> bool {
        self.result.programmes.iter().any(|p| p.status != Status::NotEligible)
    }
}

/// The form's fields, parsed, kept and either shown again (`edit`, or a display switch from the
/// form) or assessed. The header's switches (长辈版, language) are buttons of this form on these
/// pages, so switching keeps every answer: the new setting's cookie is set on the answer.
async fn submit(State(state): State<AppState>, r: Resident, ip: ClientIp, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let mut r = r;
    let switched = fields.iter().find(|(k, _)| k == "switch").map(|(_, v)| {
        let (what, view) = v.split_once(':').unwrap_or((v.as_str(), ""));
        (super::switch(&mut r, what), view == "result")
    });
    let response = answer(&state, &r, ip, &fields, switched.as_ref().map(|(_, result)| *result)).await;
    super::with_cookie(response, switched.map(|(cookie, _)| cookie))
}

/// The form again, or its result; `switched`: a display switch was pressed (on the result page
/// when true).
async fn answer(state: &AppState, r: &Resident, ClientIp(ip): ClientIp, fields: &[(String, String)], switched: Option<bool>) -> Response {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let d = match chosen_region(state, field("region")).await {
        Ok(Some(d)) => d,
        Ok(None) => return Redirect::to("/m/town?next=check").into_response(),
        Err(e) => return error_page(r, e),
    };
    let a = Answers::from_pairs(fields);
    let edit = match switched {
        Some(on_result) => !on_result,
        None => field("edit").is_some(),
    };
    if edit {
        return form_page(state, r, &d, a, None).await;
    }
    // The same limit as the public assessment API: it is the same engine.
    if !state.assess_limiter.allow(ip, Instant::now()) {
        return error_page(r, WebError::TooMany);
    }
    let today = state.clock.today();
    let situation = match a.situation(d.code.as_str(), today) {
        Ok(s) => s,
        Err(v) => {
            let mut response = form_page(state, r, &d, a, Some(&v)).await;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return response;
        }
    };
    let result = match assess(&situation, Policies::builtin()) {
        Ok(x) => x,
        Err(m) => {
            return error_page(r, WebError::Invalid(jiuzhu_domain::FieldError::new("region", "parameter.missing", m.zh(), m.en()).into()));
        }
    };
    let disabled = situation.members.iter().any(|m| m.disability.is_some());
    let ill = situation.members.iter().any(|m| m.serious_illness);
    let mut materials: Vec<Material> = Vec::new();
    for p in result.programmes.iter().filter(|p| p.status != Status::NotEligible) {
        for m in materials_for(p.programme.kind(), Track::Normal, disabled, ill) {
            if !materials.iter().any(|x| x.code == m.code) {
                materials.push(m);
            }
        }
    }
    let hidden = fields.iter().filter(|(k, _)| !["csrf_token", "region", "switch", "edit"].contains(&k.as_str())).cloned().collect();
    let apply = WhereToApply::of(state, &d).await;
    render(ResultPage { r, region: d.code.as_str().to_string(), hidden, result, apply, materials })
}
