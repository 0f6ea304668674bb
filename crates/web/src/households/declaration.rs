//! 申报: the household's declaration of income, assets, rigid expenses and supporters outside the
//! household, on one page — taken at intake, corrected at the survey. Each part is declared with
//! its rows or ticked "none"; a part left blank stays undeclared (核对 and approval refuse it).
//!
//! Income and expenses are kept per month; the page shows a run of consecutive months with the
//! same member, kind and amount as one line (从…至…) and sends each line back as one row per
//! month, so a year of the same wage is one line to type and nothing is lost either way.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::frame::{Chrome, Opt, opts, render, same_site_path};
use crate::i18n::PageLang;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Months, NaiveDate};
use jiuzhu_domain::*;
use jiuzhu_registry::{AssetInput, ExpenseInput, IncomeInput, RecordsInput, SupporterInput};
use jiuzhu_store::{Household, Records};
use serde::Deserialize;

/// The longest run one line may stand for (a declaration covers at most a few years).
const MAX_MONTHS: u32 = 60;
/// Blank lines offered under each part (more with the "add a line" button).
const BLANK_LINES: usize = 2;

/// The 赡养义务人's situations a line may tick (特困人员认定办法 art. 8).
const SUPPORTER_FLAGS: &[(&str, &str, &str)] = &[
    ("severe_disability", "重度残疾", "severely disabled"),
    ("incapacitated", "无民事行为能力", "legally incapacitated"),
    ("missing", "失踪", "missing"),
    ("imprisoned", "服刑", "in prison"),
];

#[derive(Clone, Default)]
pub struct IncomeLine {
    pub member: String,
    pub kind: String,
    pub from: String,
    pub until: String,
    pub amount: String,
    pub error: String,
}

#[derive(Clone, Default)]
pub struct AssetLine {
    pub member: String,
    pub kind: String,
    pub value: String,
    pub description: String,
    pub error: String,
}

#[derive(Clone, Default)]
pub struct ExpenseLine {
    pub kind: String,
    pub from: String,
    pub until: String,
    pub amount: String,
    pub description: String,
    pub error: String,
}

#[derive(Clone, Default)]
pub struct SupporterLine {
    pub name: String,
    pub relation: String,
    pub birth_date: String,
    pub status: String,
    pub flags: Vec<String>,
    pub income: String,
    pub assets_ok: String,
    pub error: String,
}

impl SupporterLine {
    pub fn has(&self, flag: &&str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

/// What the form holds: the "none" ticks and the lines of each part, as typed.
#[derive(Clone, Default)]
pub struct DeclarationForm {
    pub version: i64,
    pub back: String,
    pub none: Vec<String>,
    pub incomes: Vec<IncomeLine>,
    pub assets: Vec<AssetLine>,
    pub expenses: Vec<ExpenseLine>,
    pub supporters: Vec<SupporterLine>,
}

impl DeclarationForm {
    pub fn ticked(&self, part: &str) -> bool {
        self.none.iter().any(|p| p == part)
    }
}

fn yuan(f: Fen) -> String {
    f.to_string()
}

fn month(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// Runs of consecutive months with the same key and amount, as (key, from, until, amount).
fn runs<K: Clone + PartialEq + Ord>(mut rows: Vec<(K, NaiveDate, Fen)>) -> Vec<(K, NaiveDate, NaiveDate, Fen)> {
    rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut out: Vec<(K, NaiveDate, NaiveDate, Fen)> = Vec::new();
    for (k, m, amount) in rows {
        if let Some(last) = out.last_mut()
            && last.0 == k
            && last.3 == amount
            && last.2.checked_add_months(Months::new(1)) == Some(m)
        {
            last.2 = m;
            continue;
        }
        out.push((k, m, m, amount));
    }
    out
}

impl DeclarationForm {
    /// The stored declaration as lines (runs of months joined).
    pub fn of(h: &Household) -> DeclarationForm {
        let r = &h.records;
        let member = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
        let incomes = runs(r.incomes.iter().map(|i| ((member(i.member_id), i.kind.as_str()), i.month, i.amount)).collect())
            .into_iter()
            .map(|((member, kind), from, until, amount)| IncomeLine {
                member,
                kind: kind.into(),
                from: month(from),
                until: if until == from { String::new() } else { month(until) },
                amount: yuan(amount),
                error: String::new(),
            })
            .collect();
        let expenses = runs(r.expenses.iter().map(|x| ((x.kind.as_str(), x.description.clone()), x.month, x.amount)).collect())
            .into_iter()
            .map(|((kind, description), from, until, amount)| ExpenseLine {
                kind: kind.into(),
                from: month(from),
                until: if until == from { String::new() } else { month(until) },
                amount: yuan(amount),
                description,
                error: String::new(),
            })
            .collect();
        DeclarationForm {
            version: h.version,
            back: String::new(),
            none: r.declaration.iter().flat_map(|d| d.none.iter().map(|p| p.as_str().to_string())).collect(),
            incomes,
            assets: r
                .assets
                .iter()
                .map(|a| AssetLine {
                    member: member(a.member_id),
                    kind: a.kind.as_str().into(),
                    value: yuan(a.value),
                    description: a.description.clone(),
                    error: String::new(),
                })
                .collect(),
            expenses,
            supporters: r
                .supporters
                .iter()
                .map(|s| SupporterLine {
                    name: s.name.clone(),
                    relation: s.relation.clone(),
                    birth_date: s.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                    status: s.status.as_str().into(),
                    flags: [(s.severe_disability, 0), (s.incapacitated, 1), (s.missing, 2), (s.imprisoned, 3)]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, i)| SUPPORTER_FLAGS[*i].0.to_string())
                        .collect(),
                    income: s.annual_income_per_capita.map(yuan).unwrap_or_default(),
                    assets_ok: match s.assets_within_limits {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => String::new(),
                    },
                    error: String::new(),
                })
                .collect(),
        }
    }

    /// The form as sent: repeated fields form the lines in order (every line sends each of its
    /// fields, blank or not); supporter situations come as `line:flag`.
    pub fn parse(pairs: &[(String, String)]) -> DeclarationForm {
        let col = |name: &str| -> Vec<String> { pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).collect() };
        let at = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
        let one = |name: &str| col(name).into_iter().next().unwrap_or_default();
        let (im, ik, ifr, iu, ia) = (col("inc_member"), col("inc_kind"), col("inc_from"), col("inc_until"), col("inc_amount"));
        let (am, ak, av, ad) = (col("ast_member"), col("ast_kind"), col("ast_value"), col("ast_desc"));
        let (ek, ef, eu, ea, ed) = (col("exp_kind"), col("exp_from"), col("exp_until"), col("exp_amount"), col("exp_desc"));
        let (sn, sr, sb, ss, si, sa) =
            (col("sup_name"), col("sup_relation"), col("sup_birth"), col("sup_status"), col("sup_income"), col("sup_assets"));
        let flags = col("sup_flag");
        let line_flags = |i: usize| -> Vec<String> {
            flags.iter().filter_map(|f| f.split_once(':')).filter(|(n, _)| n.parse() == Ok(i)).map(|(_, f)| f.to_string()).collect()
        };
        DeclarationForm {
            version: one("version").parse().unwrap_or(0),
            back: one("back"),
            none: col("none"),
            incomes: (0..im.len().max(ik.len()))
                .map(|i| IncomeLine {
                    member: at(&im, i),
                    kind: at(&ik, i),
                    from: at(&ifr, i),
                    until: at(&iu, i),
                    amount: at(&ia, i),
                    error: String::new(),
                })
                .collect(),
            assets: (0..am.len().max(ak.len()))
                .map(|i| AssetLine {
                    member: at(&am, i),
                    kind: at(&ak, i),
                    value: at(&av, i),
                    description: at(&ad, i),
                    error: String::new(),
                })
                .collect(),
            expenses: (0..ek.len())
                .map(|i| ExpenseLine {
                    kind: at(&ek, i),
                    from: at(&ef, i),
                    until: at(&eu, i),
                    amount: at(&ea, i),
                    description: at(&ed, i),
                    error: String::new(),
                })
                .collect(),
            supporters: (0..sn.len())
                .map(|i| SupporterLine {
                    name: at(&sn, i),
                    relation: at(&sr, i),
                    birth_date: at(&sb, i),
                    status: at(&ss, i),
                    flags: line_flags(i),
                    income: at(&si, i),
                    assets_ok: at(&sa, i),
                    error: String::new(),
                })
                .collect(),
        }
    }

    /// Drops lines left wholly blank (the spare lines of the form).
    fn without_blank_lines(mut self) -> DeclarationForm {
        self.incomes.retain(|l| !(l.kind.is_empty() && l.from.is_empty() && l.until.is_empty() && l.amount.is_empty()));
        self.assets.retain(|l| !(l.kind.is_empty() && l.value.is_empty() && l.description.is_empty()));
        self.expenses
            .retain(|l| !(l.kind.is_empty() && l.from.is_empty() && l.until.is_empty() && l.amount.is_empty() && l.description.is_empty()));
        self.supporters.retain(|l| {
            !(l.name.is_empty() && l.relation.is_empty() && l.birth_date.is_empty() && l.income.is_empty() && l.flags.is_empty())
        });
        self
    }
}

/// A line's own errors (before the records are checked), in the page's language.
#[derive(Default)]
struct LineErrors(Vec<String>);

impl LineErrors {
    fn push(&mut self, lang: PageLang, label_zh: &str, label_en: &str, e: &FieldError) {
        self.0.push(format!("{}：{}", lang.t(label_zh, label_en), e.message(lang.0)));
    }
    fn text(self) -> String {
        self.0.join("；")
    }
}

fn required(field: &str) -> FieldError {
    FieldError::new(field, "required", "必须填写", "required")
}

/// `YYYY-MM` (from a month input) as the first day of that month.
fn parse_month_text(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "month.format",
            format!("月份“{s}”格式不正确，如 2026-10"),
            format!("month \"{s}\" is not valid, e.g. 2026-10"),
        )
    })
}

/// The months from `from` to `until` (blank: `from` alone), or what is wrong with them.
fn month_span(from: &str, until: &str) -> Result<Vec<NaiveDate>, (&'static str, &'static str, FieldError)> {
    if from.is_empty() {
        return Err(("起始月份", "from", required("from")));
    }
    let first = parse_month_text("from", from).map_err(|e| ("起始月份", "from", e))?;
    let last = if until.is_empty() { first } else { parse_month_text("until", until).map_err(|e| ("截止月份", "until", e))? };
    let n = (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32;
    if n < 0 {
        return Err(("截止月份", "until", FieldError::new("until", "month.order", "不能早于起始月份", "cannot be before the first month")));
    }
    if n as u32 >= MAX_MONTHS {
        return Err((
            "截止月份",
            "until",
            FieldError::new(
                "until",
                "month.span",
                format!("一行最多 {MAX_MONTHS} 个月"),
                format!("one line covers at most {MAX_MONTHS} months"),
            ),
        ));
    }
    Ok((0..=n as u32).filter_map(|k| first.checked_add_months(Months::new(k))).collect())
}

fn amount(field: &str, s: &str) -> Result<Fen, FieldError> {
    if s.is_empty() { Err(required(field)) } else { Fen::parse_yuan(field, s) }
}

/// A line of the same amount over months (income, expenses): one (month, amount) per month, or
/// nothing with the line's errors in `e`. `labels` names the kind and amount fields (zh, en, zh, en).
fn monthly(
    e: &mut LineErrors,
    lang: PageLang,
    labels: (&str, &str, &str, &str),
    kind: &str,
    from: &str,
    until: &str,
    amount_text: &str,
) -> Vec<(NaiveDate, Fen)> {
    let months = month_span(from, until).map_err(|(zh, en, x)| e.push(lang, zh, en, &x)).ok();
    let fen = amount("amount", amount_text).map_err(|x| e.push(lang, labels.2, labels.3, &x)).ok();
    if kind.is_empty() {
        e.push(lang, labels.0, labels.1, &required("kind"));
    }
    match (months, fen) {
        (Some(months), Some(fen)) if e.0.is_empty() => months.into_iter().map(|m| (m, fen)).collect(),
        _ => Vec::new(),
    }
}

/// The form as the registry's input, with each line's own errors put on the line; `origin[part]`
/// maps each sent row back to its line (a line of several months is several rows).
fn to_input(f: &mut DeclarationForm, lang: PageLang) -> (RecordsInput, [Vec<usize>; 4], bool) {
    let mut input = RecordsInput { declared_none: f.none.clone(), ..Default::default() };
    let mut origin: [Vec<usize>; 4] = Default::default();
    let mut bad = false;
    let member = |s: &str| s.parse::<i64>().ok();
    for (i, l) in f.incomes.iter_mut().enumerate() {
        let mut e = LineErrors::default();
        let kind = ("收入类别", "kind of income", "月收入（元）", "monthly amount (yuan)");
        for (m, fen) in monthly(&mut e, lang, kind, &l.kind, &l.from, &l.until, &l.amount) {
            input.incomes.push(IncomeInput { member: member(&l.member), kind: l.kind.clone(), month: month(m), amount: fen.0 });
            origin[0].push(i);
        }
        bad |= !e.0.is_empty();
        l.error = e.text();
    }
    for (i, l) in f.assets.iter_mut().enumerate() {
        let mut e = LineErrors::default();
        if l.kind.is_empty() {
            e.push(lang, "财产类别", "kind of asset", &required("kind"));
        }
        // Houses and registrations count by number: their value may be left blank (0).
        let value = if l.value.is_empty() { Ok(Fen(0)) } else { Fen::parse_yuan("value", &l.value) };
        let value = value.map_err(|x| e.push(lang, "价值（元）", "value (yuan)", &x)).ok();
        if let (Some(v), true) = (value, e.0.is_empty()) {
            input.assets.push(AssetInput {
                member: member(&l.member),
                kind: l.kind.clone(),
                value: v.0,
                description: l.description.clone(),
            });
            origin[1].push(i);
        }
        bad |= !e.0.is_empty();
        l.error = e.text();
    }
    for (i, l) in f.expenses.iter_mut().enumerate() {
        let mut e = LineErrors::default();
        let kind = ("支出类别", "kind of expense", "每月金额（元）", "monthly amount (yuan)");
        for (m, fen) in monthly(&mut e, lang, kind, &l.kind, &l.from, &l.until, &l.amount) {
            input.expenses.push(ExpenseInput { kind: l.kind.clone(), month: month(m), amount: fen.0, description: l.description.clone() });
            origin[2].push(i);
        }
        bad |= !e.0.is_empty();
        l.error = e.text();
    }
    for (i, l) in f.supporters.iter_mut().enumerate() {
        let mut e = LineErrors::default();
        if l.status.is_empty() {
            e.push(lang, "救助状态", "assistance status", &required("status"));
        }
        let birth = match l.birth_date.as_str() {
            "" => Some(None),
            s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    e.push(
                        lang,
                        "出生日期",
                        "date of birth",
                        &FieldError::new("birth_date", "date.format", "日期格式如 1985-06-01", "a date like 1985-06-01"),
                    )
                })
                .ok(),
        };
        let income = match l.income.as_str() {
            "" => Some(None),
            s => Fen::parse_yuan("income", s)
                .map(|f| Some(f.0))
                .map_err(|x| e.push(lang, "家庭年人均收入（元）", "income per head a year (yuan)", &x))
                .ok(),
        };
        if let (Some(birth_date), Some(income), true) = (birth, income, e.0.is_empty()) {
            input.supporters.push(SupporterInput {
                name: l.name.clone(),
                relation: l.relation.clone(),
                birth_date,
                status: Some(l.status.clone()),
                severe_disability: l.has(&"severe_disability"),
                incapacitated: l.has(&"incapacitated"),
                missing: l.has(&"missing"),
                imprisoned: l.has(&"imprisoned"),
                annual_income_per_capita: income,
                assets_within_limits: match l.assets_ok.as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                },
            });
            origin[3].push(i);
        }
        bad |= !e.0.is_empty();
        l.error = e.text();
    }
    (input, origin, bad)
}

/// Puts the registry's errors (`incomes[3].amount`) on the lines they came from; errors of a
/// whole part (`incomes`) or of the form go to the top.
fn place_errors(f: &mut DeclarationForm, origin: &[Vec<usize>; 4], v: &ValidationErrors, lang: PageLang) -> Vec<String> {
    let mut top = Vec::new();
    for e in &v.0 {
        let msg = e.message(lang.0).to_string();
        let parsed = e.field.split_once('[').and_then(|(part, rest)| {
            let (n, field) = rest.split_once("].")?;
            Some((part, n.parse::<usize>().ok()?, field))
        });
        let slot = |p: usize, n: usize| origin[p].get(n).copied();
        let add = |s: &mut String, label: &str| {
            if !s.is_empty() {
                s.push('；');
            }
            s.push_str(&format!("{label}：{msg}"));
        };
        let line = parsed.and_then(|(part, n, field)| {
            let p = ["incomes", "assets", "expenses", "supporters"].iter().position(|x| *x == part)?;
            Some((p, slot(p, n)?, field))
        });
        match line {
            Some((0, i, field)) => add(&mut f.incomes[i].error, crate::frame::field_label(field, lang)),
            Some((1, i, field)) => add(&mut f.assets[i].error, crate::frame::field_label(field, lang)),
            Some((2, i, field)) => add(&mut f.expenses[i].error, crate::frame::field_label(field, lang)),
            Some((_, i, field)) => add(&mut f.supporters[i].error, crate::frame::field_label(field, lang)),
            None => top.push(msg),
        }
    }
    top
}

/// One part's state for the page: declared with lines, declared empty, or not declared.
pub struct PartStatus {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub none_zh: &'static str,
    pub none_en: &'static str,
    pub needed_by: String,
}

#[derive(Template)]
#[template(path = "declaration.html")]
struct DeclarationPage {
    c: Chrome,
    id: i64,
    head: String,
    f: DeclarationForm,
    top_errors: Vec<String>,
    members: Vec<Opt>,
    income_kinds: Vec<Opt>,
    asset_kinds: Vec<Opt>,
    expense_kinds: Vec<Opt>,
    statuses: Vec<Opt>,
    parts: Vec<PartStatus>,
    flags: Vec<(&'static str, &'static str, &'static str)>,
    taken: Option<Declaration>,
    blank_incomes: Vec<IncomeLine>,
    blank_assets: Vec<AssetLine>,
    blank_expenses: Vec<ExpenseLine>,
    blank_supporters: Vec<SupporterLine>,
}

fn parts(lang: PageLang) -> Vec<PartStatus> {
    Section::ALL
        .iter()
        .map(|p| {
            let by: Vec<&str> = jiuzhu_domain::casework::AssistanceKind::ALL
                .iter()
                .filter(|k| k.declarations_needed().contains(p))
                .map(|k| lang.t(k.zh(), k.en()))
                .collect();
            PartStatus {
                code: p.as_str(),
                zh: p.zh(),
                en: p.en(),
                none_zh: p.none_zh(),
                none_en: p.none_en(),
                needed_by: by.join(lang.t("、", ", ")),
            }
        })
        .collect()
}

async fn page(
    state: &AppState,
    session: &jiuzhu_accounts::SignedIn,
    lang: PageLang,
    h: &Household,
    f: DeclarationForm,
    top: Vec<String>,
) -> Response {
    let members: Vec<Opt> =
        std::iter::once(Opt { value: String::new(), label: lang.t("全户（不分成员）", "whole household").into(), selected: false })
            .chain(h.members.iter().map(|m| Opt {
                value: m.id.to_string(),
                label: format!("{}（{}）", m.data.name, m.data.relation.zh()),
                selected: false,
            }))
            .collect();
    let choose = lang.t("请选择", "choose");
    render(DeclarationPage {
        c: Chrome::new(state, session, lang, &format!("/households/{}/declaration", h.id)).await,
        id: h.id,
        head: h.head().data.name.clone(),
        income_kinds: opts(IncomeKind::ALL, IncomeKind::as_str, lang.label(IncomeKind::zh, IncomeKind::en), "", Some(choose)),
        asset_kinds: opts(AssetKind::ALL, AssetKind::as_str, lang.label(AssetKind::zh, AssetKind::en), "", Some(choose)),
        expense_kinds: opts(ExpenseKind::ALL, ExpenseKind::as_str, lang.label(ExpenseKind::zh, ExpenseKind::en), "", Some(choose)),
        statuses: opts(
            SupporterStatus::ALL,
            SupporterStatus::as_str,
            lang.label(SupporterStatus::zh, SupporterStatus::en),
            "",
            Some(choose),
        ),
        parts: parts(lang),
        flags: SUPPORTER_FLAGS.to_vec(),
        taken: h.records.declaration.clone(),
        blank_incomes: vec![IncomeLine::default(); BLANK_LINES],
        blank_assets: vec![AssetLine::default(); BLANK_LINES],
        blank_expenses: vec![ExpenseLine::default(); BLANK_LINES],
        blank_supporters: vec![SupporterLine::default(); BLANK_LINES],
        members,
        f,
        top_errors: top,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct BackQuery {
    back: String,
}

pub(super) async fn declaration_page(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Query(q): Query<BackQuery>,
) -> Response {
    if !session.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(lang.0);
    }
    let h = match state.registry.get(&session.user, id).await {
        Ok(h) => h,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let mut f = DeclarationForm::of(&h);
    f.back = same_site_path(&q.back).unwrap_or_default().to_string();
    page(&state, &session, lang, &h, f, Vec::new()).await
}

pub(super) async fn declaration_submit(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    Path(Id(id)): Path<Id>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if !session.user.can(Permission::WriteHousehold) {
        return WebError::Forbidden.page(lang.0);
    }
    let h = match state.registry.get(&session.user, id).await {
        Ok(h) => h,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let mut f = DeclarationForm::parse(&pairs).without_blank_lines();
    let (input, origin, bad) = to_input(&mut f, lang);
    let refused = |f: DeclarationForm, top: Vec<String>| async {
        (StatusCode::UNPROCESSABLE_ENTITY, page(&state, &session, lang, &h, f, top).await).into_response()
    };
    if bad {
        let top = vec![
            lang.t("有的行填写有误，请按每行下方的红色提示修改。", "Some lines are not valid: see the messages in red under them.")
                .to_string(),
        ];
        return refused(f, top).await;
    }
    match state.registry.replace_records(&session.user, id, f.version, &input, state.clock.today()).await {
        Ok(()) => {
            let to = same_site_path(&f.back).map(str::to_string).unwrap_or_else(|| format!("/households/{id}#declaration"));
            Redirect::to(&to).into_response()
        }
        Err(jiuzhu_registry::RegistryError::Invalid(v)) => {
            let top = place_errors(&mut f, &origin, &v, lang);
            refused(f, top).await
        }
        Err(e) => WebError::from(e).page(lang.0),
    }
}

/// The declaration as the household and case pages summarise it: who took it, when, and the
/// state of each part (with what each missing part holds up).
pub struct DeclarationSummary {
    pub taken: Option<Declaration>,
    /// (part, declared with lines / declared none / missing, missing)
    pub parts: Vec<(&'static str, &'static str, bool)>,
}

impl DeclarationSummary {
    pub fn of(r: &Records, lang: PageLang) -> DeclarationSummary {
        let parts = Section::ALL
            .iter()
            .map(|p| {
                let none = r.declaration.as_ref().is_some_and(|d| d.none.contains(p));
                let state = match (r.declared(*p), none) {
                    (true, true) => lang.t("申报为无", "declared none"),
                    (true, false) => lang.t("已申报", "declared"),
                    (false, _) => lang.t("未申报", "not declared"),
                };
                (if lang.is_en() { p.en() } else { p.zh() }, state, !r.declared(*p))
            })
            .collect();
        DeclarationSummary { taken: r.declaration.clone(), parts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn consecutive_equal_months_join_and_others_do_not() {
        let rows = vec![
            ("a", d("2026-03-01"), Fen(100)),
            ("a", d("2026-01-01"), Fen(100)),
            ("a", d("2026-02-01"), Fen(100)),
            ("a", d("2026-05-01"), Fen(100)),
            ("a", d("2026-06-01"), Fen(200)),
            ("b", d("2026-04-01"), Fen(100)),
        ];
        let r = runs(rows);
        assert_eq!(
            r,
            vec![
                ("a", d("2026-01-01"), d("2026-03-01"), Fen(100)),
                ("a", d("2026-05-01"), d("2026-05-01"), Fen(100)),
                ("a", d("2026-06-01"), d("2026-06-01"), Fen(200)),
                ("b", d("2026-04-01"), d("2026-04-01"), Fen(100)),
            ]
        );
    }

    #[test]
    fn a_line_of_months_becomes_a_row_per_month_and_bad_lines_say_what_is_wrong() {
        let pairs: Vec<(String, String)> = [
            ("inc_member", "7"),
            ("inc_kind", "wage"),
            ("inc_from", "2026-01"),
            ("inc_until", "2026-03"),
            ("inc_amount", "1,200.50"),
            ("inc_member", ""),
            ("inc_kind", ""),
            ("inc_from", ""),
            ("inc_until", ""),
            ("inc_amount", ""),
            ("inc_member", ""),
            ("inc_kind", "wage"),
            ("inc_from", "2026-05"),
            ("inc_until", "2026-04"),
            ("inc_amount", "12.345"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut f = DeclarationForm::parse(&pairs).without_blank_lines();
        assert_eq!(f.incomes.len(), 2, "the blank spare line is dropped");
        let (input, origin, bad) = to_input(&mut f, PageLang(Lang::Zh));
        assert!(bad);
        assert_eq!(input.incomes.len(), 3);
        assert_eq!(input.incomes[2].month, "2026-03");
        assert_eq!(input.incomes[0].amount, 120_050);
        assert_eq!(origin[0], vec![0, 0, 0]);
        assert!(f.incomes[0].error.is_empty());
        assert!(f.incomes[1].error.contains("截止月份：不能早于起始月份"), "{}", f.incomes[1].error);
        assert!(f.incomes[1].error.contains("月收入（元）"), "{}", f.incomes[1].error);
    }
}
