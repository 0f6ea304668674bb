//! The print-ready notices of a case (受理通知书, 补正材料告知书, 核对反馈单, 审核审批表,
//! 不予批准通知书).

use super::views::{documents_of, yuan};
use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use jiuzhu_domain::casework::*;
use jiuzhu_store::Case;

#[derive(Template)]
#[template(path = "case_document.html")]
struct DocumentPage {
    c: Chrome,
    doc: String,
    title: String,
    number: String,
    case: Case,
    region: String,
    town: String,
    county: String,
    today: String,
    missing: Vec<String>,
    /// Every kind taken at the same intake, with what happens to it (one 受理通知书 for the intake).
    kinds: Vec<String>,
    /// 补正材料告知书: by when the missing materials are asked for.
    materials_due: Option<chrono::NaiveDate>,
    /// The office's phone and the complaints hotline for this case's village (blank: to fill in by hand).
    contacts: crate::offices::Contacts,
}

impl DocumentPage {
    fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }
}

pub(super) async fn document_page(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path((Id(id), doc)): Path<(Id, String)>,
) -> Response {
    let v = match state.casework.get(&session.user, id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let Some((_, title)) = documents_of(&v.case).into_iter().find(|(d, _)| *d == doc) else { return WebError::NotFound.page(lang.0) };
    let c = &v.case.data;
    let name = |code: Option<jiuzhu_domain::RegionCode>| async {
        match code {
            Some(code) => state.registry.region_name(&code).await.ok().flatten().unwrap_or_default(),
            None => String::new(),
        }
    };
    // One notice for the whole intake: the cases taken together, in the order they were opened.
    let mut intake: Vec<Case> = Vec::new();
    if doc == "materials" || doc == "acceptance" {
        let mut siblings = state.casework.household_cases(&session.user, c.household_id).await.unwrap_or_default();
        siblings.sort_by_key(|x| x.id);
        for sib in &siblings {
            if let Ok(sv) = state.casework.get(&session.user, sib.id).await
                && sv.case.intake_id == v.case.intake_id
            {
                intake.push(sv.case);
            }
        }
    }
    // 受理通知书: each kind and what happens to it.
    let kinds: Vec<String> = intake
        .iter()
        .map(|k| {
            let d = &k.data;
            let what = match (d.kind.route(), d.accepted_on, d.overall_due) {
                (Route::Department(dep), _, _) => format!("已转介{}办理，由该部门答复", dep.zh()),
                (Route::Needs, _, _) => "已登记需求，由社会力量对接".to_string(),
                (_, Some(_), Some(due)) => format!("已受理，{due} 前办结"),
                (_, Some(_), None) => "已受理，在法定时限内办结".to_string(),
                (_, None, _) => "材料不全，补齐后受理（见补正材料告知书）".to_string(),
            };
            format!("{}：{what}", d.kind.zh())
        })
        .collect();
    // 补正材料告知书: every item still missing for any kind asked for, once.
    let mut missing: Vec<(String, Vec<&'static str>)> = Vec::new();
    if doc == "materials" {
        for sv in intake.iter().filter(|x| x.data.state.is_open() || x.id == id) {
            for m in sv.data.details.missing_materials() {
                match missing.iter_mut().find(|(name, _)| *name == m.name) {
                    Some((_, kinds)) => kinds.push(sv.data.kind.zh()),
                    None => missing.push((m.name.clone(), vec![sv.data.kind.zh()])),
                }
            }
        }
    }
    let town = name(c.region.as_str().get(..9).and_then(|t| jiuzhu_domain::RegionCode::parse(t).ok())).await;
    let county = name(c.region.county()).await;
    render(DocumentPage {
        c: Chrome::new(&state, &session, lang, &format!("/cases/{id}/documents/{doc}")).await,
        title: title.into(),
        number: jiuzhu_casework::documents::document_number(&v.case),
        region: state.registry.region_names(&c.region).await,
        town,
        county,
        today: state.clock.today().to_string(),
        missing: missing.into_iter().map(|(name, kinds)| format!("{name}（{}）", kinds.join("、"))).collect(),
        kinds,
        contacts: state.offices.contacts(&c.region),
        materials_due: if doc == "materials" { state.casework.materials_due(c).ok().flatten() } else { None },
        doc,
        case: v.case,
    })
}
