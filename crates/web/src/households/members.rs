//! The member form (adding and editing a member, the household's head included on the household
//! form), moving a member to another household, and the checks that run as one types.

use super::view::present;
use crate::error::{WebError, html_escape};
use crate::extract::{Id, Page, RequireUser};
use crate::frame::{Chrome, Errs, Opt, opts, render, unmask};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiuzhu_domain::access::Field;
use jiuzhu_domain::*;
use serde::Deserialize;

/// A member's fields as the form sends them (checkboxes come only when ticked).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MemberForm {
    pub id_number: String,
    pub name: String,
    pub relation: String,
    pub member_phone: String,
    pub disability_kind: String,
    pub disability_grade: String,
    pub disability_certificate: String,
    pub serious_illness: Option<String>,
    pub chronic_illness: Option<String>,
    pub eating: Option<String>,
    pub dressing: Option<String>,
    pub getting_up: Option<String>,
    pub toilet: Option<String>,
    pub walking: Option<String>,
    pub bathing: Option<String>,
    pub labour_capacity: String,
    pub student: String,
    pub employment: String,
    pub living_together: Option<String>,
    pub excluded: String,
    /// 生活自理能力 as chosen: `yes` all six items met, `no` some not (ticked), empty: not chosen.
    pub self_care_all: String,
}

/// An ID number shown again after an error: masked when it is the stored one.
fn mask_if_stored(value: &str, stored: &str) -> String {
    if value == stored { mask::id_number(stored) } else { value.to_string() }
}

/// A text field, `None` when left empty.
fn filled(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl MemberForm {
    /// Self-care checkboxes say "cannot manage" when ticked (the form asks about difficulties).
    pub fn input(&self) -> MemberInput {
        MemberInput {
            id_number: self.id_number.clone(),
            name: self.name.clone(),
            relation: self.relation.clone(),
            phone: filled(&self.member_phone),
            disability_kind: filled(&self.disability_kind),
            disability_grade: match self.disability_grade.trim() {
                "" => None,
                g => Some(g.parse().unwrap_or(u8::MAX)),
            },
            disability_certificate: filled(&self.disability_certificate),
            serious_illness: self.serious_illness.is_some(),
            chronic_illness: self.chronic_illness.is_some(),
            self_care: Some(SelfCare {
                eating: self.eating.is_none(),
                dressing: self.dressing.is_none(),
                getting_up: self.getting_up.is_none(),
                toilet: self.toilet.is_none(),
                walking: self.walking.is_none(),
                bathing: self.bathing.is_none(),
            }),
            labour_capacity: filled(&self.labour_capacity),
            student: filled(&self.student),
            employment: filled(&self.employment),
            living_together: Some(self.living_together.is_some()),
            excluded: filled(&self.excluded),
        }
    }

    /// What the form must have chosen (the service would otherwise take a proposal by age, and
    /// nothing unchosen may be recorded from a page): labour capacity, employment, self-care.
    pub fn choices_missing(&self) -> ValidationErrors {
        let mut v = ValidationErrors::default();
        if self.labour_capacity.trim().is_empty() {
            v.push(FieldError::new("labour_capacity", "required", "请选择劳动能力", "choose the capacity to work"));
        }
        if self.employment.trim().is_empty() {
            v.push(FieldError::new("employment", "required", "请选择就业状况", "choose the employment"));
        }
        let ticked =
            [&self.eating, &self.dressing, &self.getting_up, &self.toilet, &self.walking, &self.bathing].iter().any(|x| x.is_some());
        match (self.self_care_all.as_str(), ticked) {
            ("yes", false) | ("no", true) => {}
            ("yes", true) => v.push(FieldError::new(
                "self_care_all",
                "self_care.conflict",
                "已选“六项均能自理”，却勾选了不能自理的项目：请改选或取消勾选",
                "\"all six met\" is chosen but items are ticked as not met",
            )),
            ("no", false) => v.push(FieldError::new("self_care_all", "required", "请勾选不能自理的项目", "tick the items not met")),
            _ => v.push(FieldError::new("self_care_all", "required", "请选择生活自理能力", "choose the self-care level")),
        }
        v
    }

    /// The form's unmade choices with the service's checks of the rest (one refusal names
    /// everything), or `None` when every choice was made.
    /// `prefix` and `named` place the service's errors as the form names its fields.
    pub fn refused_choices(
        &self,
        prefix: &str,
        named: impl Fn(ValidationErrors) -> ValidationErrors,
        today: chrono::NaiveDate,
    ) -> Option<ValidationErrors> {
        let mut v = self.choices_missing();
        if v.is_empty() {
            return None;
        }
        if let Err(d) = self.input().validate(prefix, today) {
            v.0.extend(named(d).0.into_iter().filter(|e| !matches!(e.field.as_str(), "labour_capacity" | "employment")));
        }
        Some(v)
    }

    pub(super) fn from_member(m: &MemberData) -> MemberForm {
        let on = |b: bool| b.then(|| "on".to_string());
        MemberForm {
            id_number: m.id_number.as_str().into(),
            name: m.name.clone(),
            relation: m.relation.as_str().into(),
            member_phone: m.phone.clone().unwrap_or_default(),
            disability_kind: m.disability.as_ref().map(|d| d.kind.as_str().to_string()).unwrap_or_default(),
            disability_grade: m.disability.as_ref().map(|d| d.grade.to_string()).unwrap_or_default(),
            disability_certificate: m.disability.as_ref().and_then(|d| d.certificate.clone()).unwrap_or_default(),
            serious_illness: on(m.serious_illness),
            chronic_illness: on(m.chronic_illness),
            eating: on(!m.self_care.eating),
            dressing: on(!m.self_care.dressing),
            getting_up: on(!m.self_care.getting_up),
            toilet: on(!m.self_care.toilet),
            walking: on(!m.self_care.walking),
            bathing: on(!m.self_care.bathing),
            labour_capacity: m.labour_capacity.as_str().into(),
            student: m.student.map(|s| s.as_str().to_string()).unwrap_or_default(),
            employment: m.employment.as_str().into(),
            living_together: on(m.living_together),
            excluded: m.excluded.map(|x| x.as_str().to_string()).unwrap_or_default(),
            self_care_all: if m.self_care.unmet() == 0 { "yes" } else { "no" }.into(),
        }
    }
}

pub struct Check {
    pub name: &'static str,
    pub label: String,
    pub checked: bool,
}

/// Everything the member fields need to render.
pub struct MemberFormView {
    pub f: MemberForm,
    pub relations: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub labour: Vec<Opt>,
    pub students: Vec<Opt>,
    pub employments: Vec<Opt>,
    pub exclusions: Vec<Opt>,
    pub self_care: Vec<Check>,
    pub is_head_form: bool,
}

impl MemberFormView {
    pub(super) fn new(f: &MemberForm, lang: PageLang, is_head_form: bool) -> MemberFormView {
        let none = lang.t("无", "none");
        let relations: Vec<Relation> =
            Relation::ALL.iter().copied().filter(|r| is_head_form || *r != Relation::Head || f.relation == "head").collect();
        let c = |name: &'static str, zh: &str, en: &str, v: &Option<String>| Check {
            name,
            label: lang.t(zh, en).to_string(),
            checked: v.is_some(),
        };
        MemberFormView {
            relations: opts(&relations, Relation::as_str, lang.label(Relation::zh, Relation::en), &f.relation, None),
            kinds: opts(
                DisabilityKind::ALL,
                DisabilityKind::as_str,
                lang.label(DisabilityKind::zh, DisabilityKind::en),
                &f.disability_kind,
                Some(none),
            ),
            labour: opts(
                LabourCapacity::ALL,
                LabourCapacity::as_str,
                lang.label(LabourCapacity::zh, LabourCapacity::en),
                &f.labour_capacity,
                Some(lang.t("请选择", "choose")),
            ),
            students: opts(
                Student::ALL,
                Student::as_str,
                lang.label(Student::zh, Student::en),
                &f.student,
                Some(lang.t("不在学", "not a student")),
            ),
            employments: opts(
                Employment::ALL,
                Employment::as_str,
                lang.label(Employment::zh, Employment::en),
                &f.employment,
                Some(lang.t("请选择", "choose")),
            ),
            exclusions: opts(Exclusion::ALL, Exclusion::as_str, lang.label(Exclusion::zh, Exclusion::en), &f.excluded, Some(none)),
            self_care: vec![
                c("eating", "吃饭", "eating", &f.eating),
                c("dressing", "穿衣", "dressing", &f.dressing),
                c("getting_up", "上下床", "getting in/out of bed", &f.getting_up),
                c("toilet", "如厕", "toilet", &f.toilet),
                c("walking", "室内行走", "walking indoors", &f.walking),
                c("bathing", "洗澡", "bathing", &f.bathing),
            ],
            f: f.clone(),
            is_head_form,
        }
    }
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct MemberFormPage {
    c: Chrome,
    household_id: i64,
    member_id: Option<i64>,
    version: i64,
    head_name: String,
    m: MemberFormView,
    e: Errs,
    others: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct MemberSubmit {
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    f: MemberForm,
}

async fn member_form_page(
    state: &AppState,
    page: &Page,
    household_id: i64,
    member_id: Option<i64>,
    version: i64,
    f: MemberForm,
    e: Errs,
) -> Response {
    let (session, lang) = (&page.session, page.lang);
    let head_name = match state.registry.get(&session.user, household_id).await {
        Ok(h) => h.head().data.name.clone(),
        Err(err) => return WebError::from(err).page(lang.0),
    };
    let path = match member_id {
        Some(m) => format!("/households/{household_id}/members/{m}/edit"),
        None => format!("/households/{household_id}/members/new"),
    };
    let c = Chrome::new(state, session, lang, &path).await;
    let shown = [
        "id_number",
        "name",
        "relation",
        "phone",
        "disability_kind",
        "disability_grade",
        "labour_capacity",
        "student",
        "employment",
        "excluded",
        "self_care_all",
        "member_phone",
    ];
    let others = e.others(&shown, lang);
    render(MemberFormPage { c, household_id, member_id, version, head_name, m: MemberFormView::new(&f, lang, false), e, others })
}

pub(super) async fn new_member_page(State(state): State<AppState>, page: Page, Path(Id(id)): Path<Id>) -> Response {
    let (session, lang) = (&page.session, page.lang);
    if !session.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(lang.0);
    }
    let version = match state.registry.get(&session.user, id).await {
        Ok(h) => h.version,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let f = MemberForm { relation: "child".into(), living_together: Some("on".into()), ..Default::default() };
    member_form_page(&state, &page, id, None, version, f, Errs::default()).await
}

pub(super) async fn new_member_submit(
    State(state): State<AppState>,
    page: Page,
    Path(Id(id)): Path<Id>,
    Form(s): Form<MemberSubmit>,
) -> Response {
    let (session, lang) = (&page.session, page.lang);
    if let Some(v) = s.f.refused_choices("", |v| v, state.clock.today()) {
        // Who may not write, or may not see the household, is told so first.
        if !session.user.can(Permission::WriteHousehold) {
            return WebError::Forbidden.page(lang.0);
        }
        if let Err(e) = state.registry.get(&session.user, id).await {
            return WebError::from(e).page(lang.0);
        }
        return (StatusCode::UNPROCESSABLE_ENTITY, member_form_page(&state, &page, id, None, s.version, s.f, Errs::new(&v, lang)).await)
            .into_response();
    }
    match state.registry.add_member(&session.user, id, s.version, &s.f.input(), state.clock.today()).await {
        Ok(_) => Redirect::to(&format!("/households/{id}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, member_form_page(&state, &page, id, None, s.version, s.f, Errs::new(&v, lang)).await)
                .into_response()
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

pub(super) async fn edit_member_page(State(state): State<AppState>, page: Page, Path((Id(id), Id(mid))): Path<(Id, Id)>) -> Response {
    let (session, lang) = (&page.session, page.lang);
    if !session.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(lang.0);
    }
    let h = match state.registry.get(&session.user, id).await {
        Ok(h) => h,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let Some(m) = h.member(mid) else { return WebError::NotFound.page(lang.0) };
    let mut f = MemberForm::from_member(&m.data);
    let role = page.session.user.role;
    f.id_number = present(role, Field::IdNumber, m.data.id_number.as_str(), mask::id_number);
    f.member_phone = m.data.phone.as_deref().map(|p| present(role, Field::Phone, p, mask::phone)).unwrap_or_default();
    f.disability_certificate = m
        .data
        .disability
        .as_ref()
        .and_then(|d| d.certificate.as_deref())
        .map(|c| present(role, Field::DisabilityCertificate, c, mask::disability_certificate))
        .unwrap_or_default();
    member_form_page(&state, &page, id, Some(mid), h.version, f, Errs::default()).await
}

pub(super) async fn edit_member_submit(
    State(state): State<AppState>,
    page: Page,
    Path((Id(id), Id(mid))): Path<(Id, Id)>,
    Form(mut s): Form<MemberSubmit>,
) -> Response {
    let (session, lang) = (&page.session, page.lang);
    let old = match state.registry.get(&session.user, id).await {
        Ok(h) => h.member(mid).map(|m| m.data.clone()),
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let Some(old) = old else { return WebError::NotFound.page(lang.0) };
    s.f.id_number = unmask(&s.f.id_number, Some(old.id_number.as_str()), mask::id_number);
    s.f.member_phone = unmask(&s.f.member_phone, old.phone.as_deref(), mask::phone);
    let old_certificate = old.disability.as_ref().and_then(|d| d.certificate.clone());
    s.f.disability_certificate = unmask(&s.f.disability_certificate, old_certificate.as_deref(), mask::disability_certificate);
    let input = s.f.input();
    let refused = s.f.refused_choices("", |v| v, state.clock.today());
    // Re-shown after an error: masked again, whatever was stored.
    s.f.id_number = mask_if_stored(&s.f.id_number, old.id_number.as_str());
    if old_certificate.as_deref() == Some(s.f.disability_certificate.as_str()) {
        s.f.disability_certificate = mask::disability_certificate(&s.f.disability_certificate);
    }
    if let Some(v) = refused {
        if !session.user.can(Permission::WriteHousehold) {
            return WebError::Forbidden.page(lang.0);
        }
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            member_form_page(&state, &page, id, Some(mid), s.version, s.f, Errs::new(&v, lang)).await,
        )
            .into_response();
    }
    match state.registry.update_member(&session.user, id, mid, s.version, &input, state.clock.today()).await {
        Ok(()) => Redirect::to(&format!("/households/{id}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, member_form_page(&state, &page, id, Some(mid), s.version, s.f, Errs::new(&v, lang)).await)
                .into_response()
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

#[derive(Deserialize)]
pub(super) struct MoveForm {
    version: i64,
    to_household: String,
}

pub(super) async fn move_member_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path((Id(id), Id(mid))): Path<(Id, Id)>,
    Form(m): Form<MoveForm>,
) -> Response {
    let Ok(to) = m.to_household.trim().trim_start_matches('#').parse::<i64>() else {
        return WebError::Invalid(
            FieldError::new("to_household", "household.format", "请填写目标家庭编号", "enter the target household number").into(),
        )
        .page(lang.0);
    };
    match state.registry.move_member(&session.user, id, mid, m.version, to).await {
        Ok(()) => Redirect::to(&format!("/households/{to}")).into_response(),
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            let msg = v.0.iter().map(|e| e.message(lang.0).to_string()).collect::<Vec<_>>().join("；");
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(format!("<p class=\"error\">{}</p><p><a href=\"/households/{id}\">←</a></p>", html_escape(&msg))),
            )
                .into_response()
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

/// Validates the member fields as the user types and answers with one out-of-band swap per
/// field message (empty when fine). Fields still empty are not complained about yet. Staff only,
/// like the form itself.
pub(super) async fn validate_member(
    State(state): State<AppState>,
    _signed_in: RequireUser,
    headers: HeaderMap,
    Form(f): Form<MemberForm>,
) -> Response {
    let lang = PageLang::from_headers(&headers);
    let fields = ["id_number", "name", "disability_grade", "disability_kind"];
    let errors = match f.input().validate("", state.clock.today()) {
        Ok(_) => ValidationErrors::default(),
        Err(v) => v,
    };
    let typed = |field: &str| match field {
        "id_number" => !f.id_number.trim().is_empty(),
        "name" => !f.name.trim().is_empty(),
        _ => true,
    };
    let mut html = String::new();
    for field in fields {
        let msg = errors.for_field(field).filter(|_| typed(field)).map(|e| e.message(lang.0).to_string()).unwrap_or_default();
        html.push_str(&format!("<span class=\"field-error\" id=\"err-{field}\" hx-swap-oob=\"true\">{}</span>", html_escape(&msg)));
    }
    // What the ID number tells, as a check for the clerk.
    let info = IdNumber::parse(&f.id_number, state.clock.today())
        .map(|id| {
            if lang.is_en() {
                format!("{}, born {}", id.sex().as_str(), id.birth_date())
            } else {
                format!("{}，{} 出生", id.sex().zh(), id.birth_date().format("%Y年%m月%d日"))
            }
        })
        .unwrap_or_default();
    html.push_str(&format!("<span class=\"field-info\" id=\"info-id_number\" hx-swap-oob=\"true\">{}</span>", html_escape(&info)));
    // What age suggests, shown beside the choices as a proposal (the clerk still chooses).
    let (labour, employment) = match IdNumber::parse(&f.id_number, state.clock.today()) {
        Ok(id) => proposals(state.clock.today().years_since(id.birth_date()).unwrap_or(0), lang),
        Err(_) => (String::new(), String::new()),
    };
    for (field, text) in [("labour_capacity", labour), ("employment", employment)] {
        html.push_str(&format!("<span class=\"field-info\" id=\"info-{field}\" hx-swap-oob=\"true\">{}</span>", html_escape(&text)));
    }
    Html(html).into_response()
}

/// The proposals by age beside labour capacity and employment (a hint, never a recorded value).
pub(super) fn proposals(age: u32, lang: PageLang) -> (String, String) {
    let labour = LabourCapacity::proposed_for(age);
    let why = if working_age(age) {
        lang.t("劳动年龄内", "of working age")
    } else if age < 16 {
        lang.t("未满 16 周岁", "under 16")
    } else {
        lang.t("60 周岁以上", "60 or over")
    };
    let labour =
        format!("{}{}（{age} {}，{why}）", lang.t("按年龄建议：", "by age: "), lang.t(labour.zh(), labour.as_str()), lang.t("岁", "years"));
    let employment = match Employment::proposed_for(age) {
        Some(e) => format!("{}{}", lang.t("按年龄建议：", "by age: "), lang.t(e.zh(), e.as_str())),
        None => lang.t("劳动年龄内：请按实际情况选择", "of working age: choose what is the case").to_string(),
    };
    (labour, employment)
}
