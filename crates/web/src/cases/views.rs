//! What the case pages and the API show: queue lines, timelines, benefits, the notices a case
//! has, and the small formatting they share.

use crate::i18n::PageLang;
use chrono::NaiveDate;
use jiuzhu_casework::service::CaseView;
use jiuzhu_domain::Fen;
use jiuzhu_domain::casework::*;
use jiuzhu_store::{Benefit, Case, CaseEvent, CaseSummary, QueueBucket, QueueCounts};
use serde::Serialize;
use utoipa::ToSchema;

/// Fen as yuan with two decimals.
pub fn yuan(fen: i64) -> String {
    Fen(fen).to_string()
}

/// A deadline as shown: the date, or a dash when there is none yet.
pub fn due(d: Option<NaiveDate>, _lang: PageLang) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "—".to_string())
}

/// The queue part a query names (`todo` when empty or unknown).
pub fn bucket_of(s: &str) -> QueueBucket {
    match s {
        "soon" => QueueBucket::SoonDue,
        "overdue" => QueueBucket::Overdue,
        "done" => QueueBucket::Done,
        _ => QueueBucket::Todo,
    }
}

/// A labelled fact on a case page.
pub struct Line {
    pub label: String,
    pub value: String,
}

/// A choice of a form on the case pages (a value and its label).
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// The print-ready notices a case in this state has.
pub fn documents_of(c: &Case) -> Vec<(&'static str, &'static str)> {
    let d = &c.data.details;
    let mut out = Vec::new();
    if c.data.accepted_on.is_some() && c.data.kind.route() == Route::CivilAffairs {
        out.push(("acceptance", "受理通知书"));
    }
    if !d.missing_materials().is_empty() {
        out.push(("materials", "补正材料告知书"));
    }
    if d.feedback.is_some() {
        out.push(("feedback", "核对反馈单"));
    }
    if d.town.is_some() {
        out.push(("approval_form", "审核审批表"));
    }
    if d.decision.as_ref().is_some_and(|x| !x.approved) {
        out.push(("rejection", "不予批准通知书"));
    }
    out
}

/// One line of a queue.
#[derive(Serialize, ToSchema)]
pub struct CaseRow {
    pub id: i64,
    /// The version a step (or a bulk step) names.
    pub version: i64,
    pub household_id: i64,
    pub kind: String,
    pub kind_zh: String,
    pub purpose: String,
    pub track: String,
    pub track_zh: String,
    pub state: String,
    pub state_zh: String,
    pub state_en: String,
    pub applicant: String,
    pub village: String,
    pub opened_on: String,
    /// The current step's deadline (`null` when none, or the calendar does not reach it yet).
    pub step_due: Option<String>,
    pub overall_due: Option<String>,
    /// `overdue`, `soon` (within 3 working days) or empty.
    pub urgency: String,
    pub contested: bool,
    pub near_relative: bool,
}

impl CaseRow {
    pub fn new(s: &CaseSummary, today: NaiveDate, soon_until: NaiveDate) -> CaseRow {
        let urgency = match s.step_due {
            Some(d) if d < today => "overdue",
            Some(d) if d <= soon_until => "soon",
            _ => "",
        };
        CaseRow {
            id: s.id,
            version: s.version,
            household_id: s.household_id,
            kind: s.kind.as_str().into(),
            kind_zh: s.kind.zh().into(),
            purpose: s.purpose.as_str().into(),
            track: s.track.as_str().into(),
            track_zh: s.track.zh().into(),
            state: s.state.as_str().into(),
            // Approved but still in a queue: 先行救助 whose paperwork follows.
            state_zh: if s.state == CaseState::Approved && s.due_role.is_some() {
                "已先行救助，待补手续".into()
            } else {
                s.state.zh().into()
            },
            state_en: if s.state == CaseState::Approved && s.due_role.is_some() {
                "helped; paperwork to follow".into()
            } else {
                s.state.en().into()
            },
            applicant: s.applicant.clone(),
            village: s.village_name.clone().unwrap_or_default(),
            opened_on: s.opened_on.to_string(),
            step_due: s.step_due.map(|d| d.to_string()),
            overall_due: s.overall_due.map(|d| d.to_string()),
            urgency: urgency.into(),
            contested: s.contested,
            near_relative: s.near_relative,
        }
    }
    pub fn kind_label(&self, lang: &PageLang) -> String {
        let k = AssistanceKind::parse(&self.kind).map(|k| lang.t(k.zh(), k.en()).to_string()).unwrap_or_default();
        if self.purpose == "review" { format!("{k} · {}", lang.t("复核", "review")) } else { k }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QueueView {
    pub cases: Vec<CaseRow>,
    pub counts: CountsView,
}

#[derive(Serialize, ToSchema)]
pub struct CountsView {
    pub todo: i64,
    pub soon_due: i64,
    pub overdue: i64,
    pub done: i64,
}

impl From<QueueCounts> for CountsView {
    fn from(c: QueueCounts) -> Self {
        CountsView { todo: c.todo, soon_due: c.soon_due, overdue: c.overdue, done: c.done }
    }
}

/// A step on a case's timeline.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub to_state_zh: String,
    pub note: String,
}

impl From<&CaseEvent> for EventView {
    fn from(e: &CaseEvent) -> Self {
        EventView {
            at: crate::frame::beijing_minutes(e.at),
            actor: e.actor.clone(),
            role: e.role.map(|r| r.zh().to_string()).unwrap_or_else(|| "系统".into()),
            action: e.action.clone(),
            from_state: e.from_state.map(|s| s.as_str().to_string()),
            to_state: e.to_state.as_str().into(),
            to_state_zh: e.to_state.zh().into(),
            note: e.note.clone(),
        }
    }
}

/// A case as the API returns it: the stored record (all that each step recorded) with its timeline.
#[derive(Serialize, ToSchema)]
pub struct CaseJson {
    #[schema(value_type = Object)]
    pub case: Case,
    pub events: Vec<EventView>,
    /// The steps the caller may take now.
    pub can: Vec<String>,
    /// 申报 parts the case's kind needs that the household never declared (`incomes`, `assets`,
    /// `expenses`, `supporters`): the check and approval refuse until they are.
    pub undeclared: Vec<String>,
}

pub fn case_json(v: CaseView) -> CaseJson {
    CaseJson {
        events: v.events.iter().map(EventView::from).collect(),
        can: v.can.iter().map(|s| s.to_string()).collect(),
        undeclared: v.undeclared.iter().map(|p| p.as_str().to_string()).collect(),
        case: v.case,
    }
}

/// A benefit granted, as the household page lists it.
pub struct BenefitRow {
    pub id: i64,
    pub kind_zh: String,
    pub kind_en: String,
    pub monthly_yuan: String,
    pub one_off_yuan: String,
    pub since: String,
    pub until: String,
    pub status_zh: String,
    pub status_en: String,
    pub next_review: String,
    pub next_review_reason: String,
    pub job_refusals: i64,
    pub open: bool,
}

impl From<Benefit> for BenefitRow {
    fn from(b: Benefit) -> BenefitRow {
        BenefitRow {
            id: b.id,
            kind_zh: b.kind.zh().into(),
            kind_en: b.kind.en().into(),
            monthly_yuan: b.monthly_amount.to_string(),
            one_off_yuan: b.one_off_amount.to_string(),
            since: b.since_month.format("%Y-%m").to_string(),
            until: b.until_month.map(|m| m.format("%Y-%m").to_string()).unwrap_or_default(),
            // 暂停发放 is said beside the status: the benefit is still in force, its money waits.
            status_zh: match b.held_from {
                Some(h) => format!("{}（自{}起复核期间暂停发放）", b.status.zh(), h.format("%Y年%m月")),
                None => b.status.zh().into(),
            },
            status_en: match b.held_from {
                Some(h) => format!("{} (payments held from {} during a review)", b.status.en(), h.format("%Y-%m")),
                None => b.status.en().into(),
            },
            next_review: b.next_review_on.map(|d| d.to_string()).unwrap_or_default(),
            next_review_reason: b.next_review_reason.zh().into(),
            job_refusals: b.job_refusals,
            open: b.status != BenefitStatus::Ended,
        }
    }
}
