//! 一键申请: a resident applies online, from scratch or from the self-assessment's result. Two
//! pages: the household and what is asked for (checked by the registry's own rules), then every
//! adult signs the 核对授权 on screen (or the household chooses to sign at the window); then the
//! receipt with the 办件编号 and the query code. Everything typed travels in the form until it
//! is sent, so going back, switching the display or a refusal loses nothing.

use super::{Resident, error_page, town_of};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::{Errs, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::trail::Trail;
use jiuzhu_domain::{Division, Employment, FieldError, HouseholdInput, MemberInput, Relation, ValidationErrors, mask};
use jiuzhu_registry::NewHouseholdInput;
use jiuzhu_residents::submission::{self, AUTHORISATION_EN, AUTHORISATION_ZH, MAX_MEMBERS, ONLINE_KINDS};
use jiuzhu_residents::{Receipt, Signature, Submission};
use std::time::Instant;

pub fn routes() -> Router<AppState> {
    Router::new().route("/m/apply", get(start).post(submit))
}

/// One member row of the form, as typed.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub name: String,
    pub id: String,
    pub relation: String,
    pub employment: String,
    /// The drawn signature (a PNG data URL), once signed.
    pub sig: String,
}

impl Row {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.id.trim().is_empty() && (self.relation.is_empty() || self.relation == "head")
    }
}

/// The whole form as typed (kept to show again).
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub town: String,
    pub village: String,
    pub area: String,
    pub address: String,
    pub phone: String,
    pub kinds: Vec<String>,
    pub request: String,
    pub rows: Vec<Row>,
    pub sign_at_window: bool,
}

impl Typed {
    fn blank(town: &str) -> Typed {
        let mut rows = vec![Row::default(); MAX_MEMBERS];
        rows[0].relation = "head".into();
        Typed { town: town.into(), rows, ..Default::default() }
    }

    fn read(fields: &[(String, String)]) -> Typed {
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let mut t = Typed::blank(&get("region"));
        t.village = get("village");
        t.area = get("area");
        t.address = get("address");
        t.phone = get("phone");
        t.request = get("request");
        t.sign_at_window = get("sign_at_window") == "1";
        t.kinds = fields.iter().filter(|(k, _)| k == "kind").map(|(_, v)| v.clone()).collect();
        for (i, row) in t.rows.iter_mut().enumerate() {
            let n = i + 1;
            row.name = get(&format!("m{n}_name"));
            row.id = get(&format!("m{n}_id"));
            if n > 1 {
                row.relation = get(&format!("m{n}_relation"));
            }
            row.employment = get(&format!("m{n}_employment"));
            row.sig = get(&format!("sig{n}"));
        }
        t
    }

    /// The rows that hold someone (row numbers from 1), in order: member `i` of the submission is
    /// row `filled()[i]`.
    /// The applicant's row (1) always counts, filled in or not: an application without its
    /// applicant is refused naming row 1's boxes, never read as a household headed by row 2.
    fn filled(&self) -> Vec<usize> {
        self.rows.iter().enumerate().filter(|(i, r)| *i == 0 || !r.is_blank()).map(|(i, _)| i + 1).collect()
    }

    fn submission(&self, device: &str, now: chrono::DateTime<chrono::Utc>) -> Submission {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let filled = self.filled();
        let members = filled
            .iter()
            .map(|&n| {
                let r = &self.rows[n - 1];
                MemberInput {
                    id_number: r.id.trim().to_ascii_uppercase(),
                    name: r.name.clone(),
                    relation: r.relation.clone(),
                    employment: opt(&r.employment),
                    ..Default::default()
                }
            })
            .collect();
        let signatures = filled
            .iter()
            .enumerate()
            .filter(|(_, n)| !self.rows[**n - 1].sig.is_empty())
            .map(|(i, &n)| Signature {
                member: i,
                // The name in the one form the registry keeps it in: the one the check compares.
                name: jiuzhu_domain::text::clean(&self.rows[n - 1].name),
                image: self.rows[n - 1].sig.clone(),
                signed_at: now,
            })
            .collect();
        Submission {
            household: NewHouseholdInput {
                household: HouseholdInput {
                    hukou_region: self.village.clone(),
                    area: self.area.clone(),
                    address: self.address.clone(),
                    phone: opt(&self.phone),
                    ..Default::default()
                },
                members,
                ..Default::default()
            },
            kinds: self.kinds.iter().filter_map(|k| AssistanceKind::parse(k)).collect(),
            request: self.request.clone(),
            signatures,
            sign_at_window: self.sign_at_window,
            device: device.chars().take(200).collect(),
            authorisation: AUTHORISATION_ZH.into(),
        }
    }

    /// Every field as a hidden input of the signing page (the signatures are its own).
    fn hidden(&self) -> Vec<(String, String)> {
        let mut h = vec![
            ("village".into(), self.village.clone()),
            ("area".into(), self.area.clone()),
            ("address".into(), self.address.clone()),
            ("phone".into(), self.phone.clone()),
            ("request".into(), self.request.clone()),
        ];
        h.extend(self.kinds.iter().map(|k| ("kind".to_string(), k.clone())));
        for n in self.filled() {
            let r = &self.rows[n - 1];
            h.push((format!("m{n}_name"), r.name.clone()));
            h.push((format!("m{n}_id"), r.id.clone()));
            h.push((format!("m{n}_relation"), r.relation.clone()));
            h.push((format!("m{n}_employment"), r.employment.clone()));
        }
        h
    }
}

/// The registry's field names (`members[1].id_number`) as the form's (`m3_id`), each message
/// naming the person it is about, so the list at the top says which row to look at.
fn on_the_form(v: ValidationErrors, t: &Typed) -> ValidationErrors {
    let filled = t.filled();
    ValidationErrors(
        v.0.into_iter()
            .map(|e| {
                let member = |rest: &str| -> Option<(usize, String)> {
                    let (i, tail) = rest.split_once(']')?;
                    let n = *filled.get(i.parse::<usize>().ok()?)?;
                    Some((n, tail.trim_start_matches('.').to_string()))
                };
                let (field, who) = if let Some((n, tail)) = e.field.strip_prefix("members[").and_then(member) {
                    let suffix = match tail.as_str() {
                        "id_number" => "id",
                        "relation" => "relation",
                        "employment" => "employment",
                        _ => "name",
                    };
                    (format!("m{n}_{suffix}"), Some(n))
                } else if let Some((n, _)) = e.field.strip_prefix("signatures[").and_then(member) {
                    (format!("sig{n}"), Some(n))
                } else if e.field == "hukou_region" {
                    ("village".into(), None)
                } else {
                    (e.field.clone(), None)
                };
                match who {
                    Some(n) => {
                        let name = t.rows[n - 1].name.trim();
                        let (zh, en_who) = if name.is_empty() {
                            (format!("第 {n} 位家庭成员"), format!("Person {n}"))
                        } else {
                            (format!("第 {n} 位家庭成员（{name}）"), format!("Person {n} ({name})"))
                        };
                        FieldError { field, zh: format!("{zh}：{}", e.zh), en: format!("{en_who}: {}", e.en), ..e }
                    }
                    None => FieldError { field, ..e },
                }
            })
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "public/apply.html")]
struct FormPage<'a> {
    r: &'a Resident,
    place: String,
    villages: Vec<Division>,
    t: Typed,
    errs: Errs,
    messages: Vec<String>,
}

impl FormPage<'_> {
    fn kinds(&self) -> Vec<(&'static str, &'static str, bool)> {
        ONLINE_KINDS.iter().map(|k| (k.as_str(), self.r.t(k.zh(), k.en()), self.t.kinds.iter().any(|x| x == k.as_str()))).collect()
    }
    fn relations(&self) -> Vec<(&'static str, &'static str)> {
        let label = self.r.lang.label(Relation::zh, Relation::en);
        Relation::ALL.iter().filter(|x| **x != Relation::Head).map(|x| (x.as_str(), label(*x))).collect()
    }
    fn employments(&self) -> Vec<(&'static str, &'static str)> {
        let label = self.r.lang.label(Employment::zh, Employment::en);
        Employment::ALL.iter().filter(|x| **x != Employment::NotWorkingAge).map(|x| (x.as_str(), label(*x))).collect()
    }
    fn err(&self, n: &usize, field: &str) -> &str {
        self.errs.get(&self.fname(n, field))
    }
    fn fname(&self, n: &usize, field: &str) -> String {
        format!("m{n}_{field}")
    }
    /// Rows 1–3 are open; the rest open too once any of them holds something.
    fn open_rows(&self) -> usize {
        let last = self.t.rows.iter().rposition(|m| !m.is_blank()).map_or(0, |i| i + 1);
        last.max(3)
    }
}

#[derive(Template)]
#[template(path = "public/apply_sign.html")]
struct SignPage<'a> {
    r: &'a Resident,
    region: String,
    place: String,
    hidden: Vec<(String, String)>,
    kinds: Vec<&'static str>,
    /// (row number, name, masked ID number, must sign, signature so far)
    people: Vec<(usize, String, String, bool, String)>,
    sign_at_window: bool,
    errs: Errs,
    messages: Vec<String>,
}

impl SignPage<'_> {
    fn authorisation(&self) -> &'static str {
        self.r.t(AUTHORISATION_ZH, AUTHORISATION_EN)
    }
    fn sig_err(&self, n: &usize) -> &str {
        self.errs.get(&format!("sig{n}"))
    }
}

#[derive(Template)]
#[template(path = "public/apply_done.html")]
struct DonePage<'a> {
    r: &'a Resident,
    receipt: Receipt,
    place: String,
    /// 材料照片: the photos page's ticket for this browser.
    photos: Option<String>,
}

impl DonePage<'_> {
    fn kinds(&self) -> String {
        self.receipt.kinds.iter().map(|k| self.r.t(k.zh(), k.en())).collect::<Vec<_>>().join(self.r.t("、", ", "))
    }
}

#[derive(serde::Deserialize)]
struct RegionQuery {
    region: Option<String>,
}

/// The empty form, once the town of the 户籍 is chosen.
async fn start(State(state): State<AppState>, r: Resident, Query(q): Query<RegionQuery>) -> Response {
    let (d, village) = match town_of(&state, q.region.as_deref()).await {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/m/town?next=apply").into_response(),
        Err(e) => return error_page(&r, e),
    };
    let mut t = Typed::blank(d.code.as_str());
    t.village = village.unwrap_or_default();
    form_page(&state, &r, &d, t, None).await
}

async fn form_page(state: &AppState, r: &Resident, town: &Division, t: Typed, refused: Option<&ValidationErrors>) -> Response {
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
    (status, render(FormPage { r, place, villages, t, errs, messages })).into_response()
}

/// Every post of the two pages: `step` says which button was pressed — `edit` (the form, filled
/// with what was sent: back from the signing page, or from the self-assessment's result with the
/// programmes that may apply), `sign` (the form is done: check it and show the signing page),
/// `send` (signed: check all and store). A display switch shows the form again in the new setting.
async fn submit(
    State(state): State<AppState>,
    r: Resident,
    ip: ClientIp,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let mut r = r;
    // The header's switches are buttons of the form: the form again, in the new setting.
    let cookie = fields.iter().find(|(k, _)| k == "switch").map(|(_, v)| super::switch(&mut r, v));
    let response = answer(&state, &r, ip, &headers, &fields).await;
    super::with_cookie(response, cookie)
}

async fn answer(state: &AppState, r: &Resident, ip: ClientIp, headers: &HeaderMap, fields: &[(String, String)]) -> Response {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let (town, village) = match town_of(state, field("region")).await {
        Ok(Some(x)) => x,
        Ok(None) => return Redirect::to("/m/town?next=apply").into_response(),
        Err(e) => return error_page(r, e),
    };
    let mut t = Typed::read(fields);
    t.town = town.code.to_string();
    if t.village.is_empty() {
        t.village = village.unwrap_or_default();
    }
    let today = state.clock.today();
    let device = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let now = state.clock.now();
    match field("step").unwrap_or("edit") {
        "sign" => match submission::check_details(&t.submission(device, now), today) {
            Ok(checked) => sign_page(state, r, &town, &t, &checked.signers, None).await,
            Err(v) => form_page(state, r, &town, t.clone(), Some(&on_the_form(v, &t))).await,
        },
        "send" => {
            let ClientIp(ip) = ip;
            if !state.residents_limiter.allow(ip, Instant::now()) {
                return error_page(r, WebError::TooMany);
            }
            let s = t.submission(device, now);
            // The form's own mistakes go back to the form; the signatures' to the signing page.
            let signers = match submission::check_details(&s, today) {
                Ok(c) => c.signers,
                Err(v) => return form_page(state, r, &town, t.clone(), Some(&on_the_form(v, &t))).await,
            };
            let trail = Trail::default();
            let answer = match state.residents.apply(&trail, &s).await {
                Ok(receipt) => {
                    let place = state.registry.region_names(&receipt.region).await;
                    // Sent is sent: were the photos' ticket to fail, the receipt still shows.
                    let photos = state.documents.offer(receipt.id, &r.token).await.ok().flatten();
                    render(DonePage { r, receipt, place, photos })
                }
                Err(jiuzhu_residents::ResidentsError::Invalid(v)) => {
                    sign_page(state, r, &town, &t, &signers, Some(&on_the_form(v, &t))).await
                }
                Err(e) => error_page(r, WebError::from(e)),
            };
            crate::audit::resident_trail(answer, trail)
        }
        _ => form_page(state, r, &town, t, None).await,
    }
}

async fn sign_page(
    state: &AppState,
    r: &Resident,
    town: &Division,
    t: &Typed,
    signers: &[usize],
    refused: Option<&ValidationErrors>,
) -> Response {
    let filled = t.filled();
    let people = filled
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let row = &t.rows[n - 1];
            (n, row.name.trim().to_string(), mask::id_number(row.id.trim()), signers.contains(&i), row.sig.clone())
        })
        .collect();
    let (errs, messages) = match refused {
        Some(v) => (Errs::new(v, r.lang), crate::frame::messages(v, r.lang)),
        None => (Errs::default(), Vec::new()),
    };
    let kinds = t.kinds.iter().filter_map(|k| AssistanceKind::parse(k)).map(|k| r.t(k.zh(), k.en())).collect();
    let place = state.registry.region_names(&town.code).await;
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SignPage {
        r,
        region: town.code.as_str().to_string(),
        place,
        hidden: t.hidden(),
        kinds,
        people,
        sign_at_window: t.sign_at_window,
        errs,
        messages,
    };
    (status, render(page)).into_response()
}
