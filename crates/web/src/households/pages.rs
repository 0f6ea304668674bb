//! The household pages: the list and search (htmx swaps the rows as one types), one household's
//! page, and the household form for registering and editing.

use super::members::{MemberForm, MemberFormView};
use super::view::{HistoryView, HouseholdView, SummaryView, present};
use crate::assess::AssessmentSummary;
use crate::cases::views::{BenefitRow, CaseRow};
use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, Errs, Opt, beijing_minutes, opts, reauth_fresh, render, unmask};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiuzhu_accounts::SignedIn;
use jiuzhu_domain::access::{Field, Guarded};
use jiuzhu_domain::*;
use jiuzhu_registry::NewHouseholdInput;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    c: Chrome,
    q: String,
    rows: Vec<SummaryView>,
    next_after: Option<i64>,
    error: String,
    can_write: bool,
    total: i64,
}

#[derive(Template)]
#[template(path = "household_rows.html")]
struct HouseholdRows {
    c: Chrome,
    q: String,
    rows: Vec<SummaryView>,
    next_after: Option<i64>,
    error: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SearchQuery {
    q: String,
    after: Option<Id>,
}

pub(super) async fn households(
    State(state): State<AppState>,
    headers: HeaderMap,
    Page { session, lang }: Page,
    Query(s): Query<SearchQuery>,
) -> Response {
    let (rows, error) = match state.registry.search(&session.user, &s.q, s.after.map_or(0, |a| a.0)).await {
        Ok(rows) => (rows, String::new()),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            (Vec::new(), v.0.first().map(|e| e.message(lang.0).to_string()).unwrap_or_default())
        }
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let next_after = (rows.len() as i64 == jiuzhu_registry::PAGE_SIZE).then(|| rows.last().map(|h| h.id)).flatten();
    let rows: Vec<SummaryView> = rows.iter().map(|s| SummaryView::new(s, session.user.role)).collect();
    let c = Chrome::new(&state, &session, lang, "/households").await;
    // htmx asks for the rows only; a history restore (back/forward after its cache) needs the page.
    if headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request") {
        return render(HouseholdRows { c, q: s.q, rows, next_after, error });
    }
    let total = state.registry.count(&session.user).await.unwrap_or(0);
    render(HouseholdsPage { c, q: s.q, rows, next_after, error, can_write: session.user.can(Permission::WriteHousehold), total })
}

// ---------- one household ----------

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    c: Chrome,
    h: HouseholdView,
    history: Vec<HistoryView>,
    can_write: bool,
    can_assess: bool,
    assessments: Vec<AssessmentSummary>,
    today: String,
    cases: Vec<CaseRow>,
    benefits: Vec<BenefitRow>,
    /// 发放记录: `None` for a role that does not see payments.
    payments: Option<Vec<crate::payments::pages::HouseholdPaymentRow>>,
    /// 应追回: what the household owes back (reason, amount, still owed).
    owed: Vec<(String, String, String, String)>,
    /// 收款安排 in force: (payee kind, name and masked account).
    payees: Vec<(String, String)>,
    /// Finance officers and approvers open the payroll a line belongs to.
    can_open_payroll: bool,
    can_intake: bool,
    /// Village assistants and clerks report changes, deaths and refused jobs.
    can_report: bool,
    /// Case workers may reveal full identifiers (purpose + password).
    can_reveal: bool,
    /// The password was typed again less than five minutes ago: no need to ask again.
    reauth_fresh: bool,
    /// Auditors see the household's 查阅记录.
    can_audit: bool,
    declaration: super::declaration::DeclarationSummary,
}

pub(super) async fn household_page(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    let user = &session.user;
    let d = match state.casework.dossier(user, id).await {
        Ok(d) => d,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let today = state.clock.today();
    let hukou = state.registry.region_names(&d.household.data.hukou_region).await;
    let residence = state.registry.region_names(&d.household.data.residence_region).await;
    let soon = jiuzhu_casework::workflow::working_days(&state.casework.calendar(), today, 3).unwrap_or(today);
    let (payments, owed, payees) = match state.payments.household_payments(user, id).await {
        Ok(p) => (
            Some(crate::payments::pages::household_payment_rows(&p.lines, lang)),
            crate::payments::pages::household_receivable_rows(&p.receivables, lang),
            p.payees
                .iter()
                .map(|v| (lang.t(v.role.zh(), v.role.en()).to_string(), format!("{} {} {}", v.name, v.bank, v.account_masked)))
                .collect(),
        ),
        Err(jiuzhu_payments::PaymentError::Forbidden) => (None, Vec::new(), Vec::new()),
        Err(e) => return WebError::from(e).page(lang.0),
    };
    render(HouseholdPage {
        payments,
        owed,
        payees,
        can_open_payroll: user.can(Permission::ReadPayments),
        declaration: super::declaration::DeclarationSummary::of(&d.household.records, lang),
        c: Chrome::new(&state, &session, lang, &format!("/households/{}", id)).await,
        h: HouseholdView::new(&d.household, user.role, hukou, residence, today),
        history: d
            .history
            .into_iter()
            .map(|e| {
                let at = beijing_minutes(e.at);
                HistoryView::new(e, at)
            })
            .collect(),
        cases: d.cases.iter().map(|c| CaseRow::new(c, today, soon)).collect(),
        benefits: d.benefits.into_iter().map(BenefitRow::from).collect(),
        assessments: d.assessments.into_iter().map(AssessmentSummary::from).collect(),
        can_intake: user.can(Permission::Intake),
        can_report: matches!(user.role, Role::WindowClerk | Role::VillageAssistant),
        can_write: user.can(Permission::WriteHousehold),
        can_assess: user.can(Permission::AssessHousehold),
        can_reveal: user.can(Permission::RevealIdentifiers),
        reauth_fresh: reauth_fresh(&state, &session, Guarded::Reveal),
        can_audit: user.can(Permission::ReadAudit),
        today: today.to_string(),
    })
}

// ---------- household form (create, edit) ----------

/// The fields of the household form (and, when creating, of the head).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HouseholdForm {
    pub version: i64,
    pub hukou_region: String,
    pub residence_region: String,
    pub area: String,
    pub address: String,
    pub phone: String,
    pub bank: String,
    pub bank_account_no: String,
    #[serde(flatten)]
    pub head: MemberForm,
}

impl HouseholdForm {
    fn input(&self) -> HouseholdInput {
        HouseholdInput {
            hukou_region: self.hukou_region.clone(),
            residence_region: Some(self.residence_region.clone()),
            area: self.area.clone(),
            address: self.address.clone(),
            phone: Some(self.phone.clone()),
            bank: Some(self.bank.clone()),
            bank_account_no: Some(self.bank_account_no.clone()),
        }
    }
}

pub struct VillageGroup {
    pub town: String,
    pub villages: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "household_form.html")]
struct HouseholdFormPage {
    c: Chrome,
    /// `None` when creating.
    id: Option<i64>,
    f: HouseholdForm,
    e: Errs,
    hukou: Vec<VillageGroup>,
    residence: Vec<VillageGroup>,
    areas: Vec<Opt>,
    m: MemberFormView,
    others: Vec<String>,
}

/// Villages in the user's scope, grouped by town, for a select.
async fn village_groups(state: &AppState, user: &User, current: &str) -> Vec<VillageGroup> {
    let groups = state.registry.villages_by_town(user).await.unwrap_or_default();
    groups
        .into_iter()
        .map(|(town, villages)| VillageGroup {
            town: town.map(|t| t.name).unwrap_or_default(),
            villages: villages
                .into_iter()
                .map(|d| Opt { selected: d.code.as_str() == current, value: d.code.to_string(), label: d.name })
                .collect(),
        })
        .collect()
}

/// Residence choices: the user's villages, plus the household's current residence when it lies
/// outside them (人户分离 across regions), so saving the form never silently changes it.
async fn residence_groups(state: &AppState, user: &User, current: &str) -> Vec<VillageGroup> {
    let mut groups = village_groups(state, user, current).await;
    if !current.is_empty()
        && !groups.iter().any(|g| g.villages.iter().any(|v| v.value == current))
        && let Ok(code) = RegionCode::parse(current)
    {
        let label = state.registry.region_names(&code).await;
        groups.insert(
            0,
            VillageGroup { town: "当前居住地 current".into(), villages: vec![Opt { value: current.into(), label, selected: true }] },
        );
    }
    groups
}

async fn household_form_page(state: &AppState, session: &SignedIn, lang: PageLang, id: Option<i64>, f: HouseholdForm, e: Errs) -> Response {
    let path = id.map(|i| format!("/households/{i}/edit")).unwrap_or_else(|| "/households/new".into());
    let c = Chrome::new(state, session, lang, &path).await;
    let shown = [
        "hukou_region",
        "residence_region",
        "area",
        "address",
        "phone",
        "bank",
        "bank_account_no",
        // The head's fields (on the form without the `members[0].` prefix).
        "id_number",
        "name",
        "member_phone",
        "disability_kind",
        "disability_grade",
        "labour_capacity",
        "employment",
        "self_care_all",
    ];
    let mut others = e.others(&shown, lang);
    others.retain(|o| !o.starts_with("members[0]."));
    let m = MemberFormView::new(&f.head, lang, true);
    render(HouseholdFormPage {
        hukou: village_groups(state, &session.user, &f.hukou_region).await,
        residence: residence_groups(state, &session.user, &f.residence_region).await,
        areas: opts(Area::ALL, Area::as_str, lang.label(Area::zh, Area::en), &f.area, None),
        c,
        id,
        f,
        e,
        m,
        others,
    })
}

pub(super) async fn new_household_page(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    if !session.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(lang.0);
    }
    let f = HouseholdForm {
        area: "rural".into(),
        head: MemberForm { relation: "head".into(), living_together: Some("on".into()), ..Default::default() },
        ..Default::default()
    };
    household_form_page(&state, &session, lang, None, f, Errs::default()).await
}

/// Errors of the head's fields come as `members[0].x`; the form names them `x`.
fn head_errors(v: ValidationErrors) -> ValidationErrors {
    ValidationErrors(
        v.0.into_iter()
            .map(|mut e| {
                if let Some(rest) = e.field.strip_prefix("members[0].") {
                    e.field = if rest == "phone" { "member_phone".into() } else { rest.to_string() };
                }
                e
            })
            .collect(),
    )
}

pub(super) async fn new_household_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Form(f): Form<HouseholdForm>,
) -> Response {
    if let Some(v) = f.head.refused_choices("members[0]", head_errors, state.clock.today()) {
        if !session.user.can(Permission::WriteHousehold) {
            return WebError::Forbidden.page(lang.0);
        }
        let mut v = v;
        if let Err(h) = f.input().validate() {
            v.0.extend(h.0);
        }
        let e = Errs::new(&v, lang);
        return (StatusCode::UNPROCESSABLE_ENTITY, household_form_page(&state, &session, lang, None, f, e).await).into_response();
    }
    let mut head = f.head.input();
    head.relation = "head".into();
    let input = NewHouseholdInput { household: f.input(), members: vec![head], ..Default::default() };
    match state.registry.create(&session.user, &input, state.clock.today()).await {
        Ok(id) => Redirect::to(&format!("/households/{id}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            let e = Errs::new(&head_errors(v), lang);
            (StatusCode::UNPROCESSABLE_ENTITY, household_form_page(&state, &session, lang, None, f, e).await).into_response()
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

pub(super) async fn edit_household_page(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    if !session.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(lang.0);
    }
    let h = match state.registry.get(&session.user, id).await {
        Ok(h) => h,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let d = h.data.to_input();
    let f = HouseholdForm {
        version: h.version,
        hukou_region: d.hukou_region,
        residence_region: d.residence_region.unwrap_or_default(),
        area: d.area,
        address: d.address,
        phone: d.phone.as_deref().map(|p| present(session.user.role, Field::Phone, p, mask::phone)).unwrap_or_default(),
        bank: d.bank.unwrap_or_default(),
        bank_account_no: d
            .bank_account_no
            .as_deref()
            .map(|b| present(session.user.role, Field::BankAccount, b, mask::bank_account_no))
            .unwrap_or_default(),
        head: MemberForm::default(),
    };
    household_form_page(&state, &session, lang, Some(id), f, Errs::default()).await
}

pub(super) async fn edit_household_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(mut f): Form<HouseholdForm>,
) -> Response {
    let old = match state.registry.get(&session.user, id).await {
        Ok(h) => h.data,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    f.phone = unmask(&f.phone, old.phone.as_deref(), mask::phone);
    f.bank_account_no = unmask(&f.bank_account_no, old.bank_account.as_ref().map(|b| b.account_no.as_str()), mask::bank_account_no);
    match state.registry.update_household(&session.user, id, f.version, &f.input()).await {
        Ok(()) => Redirect::to(&format!("/households/{id}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            let e = Errs::new(&v, lang);
            (StatusCode::UNPROCESSABLE_ENTITY, household_form_page(&state, &session, lang, Some(id), f, e).await).into_response()
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}
