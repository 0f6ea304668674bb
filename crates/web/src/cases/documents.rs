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
    // One notice for the whole intake: every item still missing for any kind asked for, once.
    let mut missing: Vec<(String, Vec<&'static str>)> = Vec::new();
    if doc == "materials" {
        let mut siblings = state.casework.household_cases(&session.user, c.household_id).await.unwrap_or_default();
        siblings.sort_by_key(|x| x.id);
        for sib in siblings.iter().filter(|x| x.state.is_open() || x.id == id) {
            let Ok(sv) = state.casework.get(&session.user, sib.id).await else { continue };
            if sv.case.intake_id != v.case.intake_id {
                continue;
            }
            for m in sv.case.data.details.missing_materials() {
                match missing.iter_mut().find(|(name, _)| *name == m.name) {
                    Some((_, kinds)) => kinds.push(sv.case.data.kind.zh()),
                    None => missing.push((m.name.clone(), vec![sv.case.data.kind.zh()])),
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
        doc,
        case: v.case,
    })
}
