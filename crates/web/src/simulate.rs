//! 政策模拟 for leaders: a parameter change from a date over the households in one's region;
//! aggregates only (no personal data is shown).

use crate::error::WebError;
use crate::extract::Page;
use crate::frame::{Chrome, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jiuzhu_domain::{Fen, FieldError, Permission};
use jiuzhu_policy::Policies;
use jiuzhu_policy::params::{Kind, SPECS};
use jiuzhu_policy::rate::Rate;
use jiuzhu_policy::simulate::{Adjustment, Change, PROGRAMMES};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/simulate", get(form).post(submit)).route("/assessments/regions", get(comparison))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CompareQuery {
    before: String,
    after: String,
}

pub struct CompareRow {
    region: String,
    households: (i64, i64),
    mean: (String, String),
    hard: (i64, i64),
    dibao: (i64, i64),
    dibao_monthly: (String, String),
}

#[derive(Template)]
#[template(path = "compare.html")]
struct ComparePage {
    c: Chrome,
    dates: Vec<String>,
    before: String,
    after: String,
    rows: Vec<CompareRow>,
}

/// 困难指数与救助对象的地区对比: two dates of stored assessments, town by town.
async fn comparison(
    State(state): State<AppState>,
    Page { session, lang }: Page,
    axum::extract::Query(q): axum::extract::Query<CompareQuery>,
) -> Response {
    let before = q.before.parse().ok();
    let after = q.after.parse().ok();
    let (dates, b, f) = match state.registry.assessment_comparison(&session.user, before, after).await {
        Ok(x) => x,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let pick = |given: Option<chrono::NaiveDate>, i: usize| given.or(dates.get(i).copied()).map(|d| d.to_string()).unwrap_or_default();
    let (before, after) = (pick(before, 1), pick(after, 0));
    let mut keys: Vec<String> = b.iter().chain(&f).map(|t| t.region.clone()).collect();
    keys.sort();
    keys.dedup();
    let mut rows = Vec::new();
    for k in keys {
        let x = b.iter().find(|t| t.region == k).cloned().unwrap_or_default();
        let y = f.iter().find(|t| t.region == k).cloned().unwrap_or_default();
        let name = match jiuzhu_domain::RegionCode::parse(&k) {
            Ok(code) => state.registry.region_name(&code).await.ok().flatten().unwrap_or_else(|| k.clone()),
            Err(_) => k.clone(),
        };
        let mean = |v: i64, n: i64| if n == 0 { "—".to_string() } else { format!("{:.1}", v as f64 / 100.0) };
        rows.push(CompareRow {
            region: name,
            households: (x.households, y.households),
            mean: (mean(x.mean_score_x100, x.households), mean(y.mean_score_x100, y.households)),
            hard: (x.hard_households, y.hard_households),
            dibao: (x.dibao_households, y.dibao_households),
            dibao_monthly: (Fen(x.dibao_monthly).to_string(), Fen(y.dibao_monthly).to_string()),
        });
    }
    let c = Chrome::new(&state, &session, lang, "/assessments/regions").await;
    render(ComparePage { c, dates: dates.iter().map(|d| d.to_string()).collect(), before, after, rows })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SimForm {
    parameter: String,
    percent: String,
    from: String,
}

pub struct Row {
    region: String,
    programme: &'static str,
    before: u64,
    after: u64,
    newly: u64,
    newly_people: u64,
    dropped: u64,
    cost_change: String,
    total: bool,
}

#[derive(Template)]
#[template(path = "simulate.html")]
struct SimPage {
    c: Chrome,
    f: SimForm,
    /// The parameters that can be changed by a percentage, with the value in force.
    parameters: Vec<ParamNow>,
    error: Option<String>,
    summary: Option<String>,
    rows: Vec<Row>,
}

/// A parameter the form offers: its name in words and the value in force in the user's region
/// today, with the date and document it comes from (or why there is none).
pub struct ParamNow {
    name: &'static str,
    label: &'static str,
    value: String,
    since: String,
    reference: String,
}

fn parameters(region: &jiuzhu_domain::RegionCode, today: chrono::NaiveDate, lang: crate::i18n::PageLang) -> Vec<ParamNow> {
    let policies = Policies::builtin();
    SPECS
        .iter()
        .filter(|s| matches!(s.kind, Kind::Fen | Kind::Rate))
        .map(|s| match policies.lookup(s.name, region.as_str(), today) {
            Ok(found) => ParamNow {
                name: s.name,
                label: lang.t(s.zh, s.en),
                value: jiuzhu_policy::params::display_value(s.name, found.value),
                since: found.since.map(|d| d.to_string()).unwrap_or_else(|| lang.t("全国默认", "national default").into()),
                reference: found.reference.to_string(),
            },
            Err(_) => ParamNow {
                name: s.name,
                label: lang.t(s.zh, s.en),
                value: lang.t("本辖区未设定", "not set here").into(),
                since: String::new(),
                reference: String::new(),
            },
        })
        .collect()
}

async fn form(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    if !session.user.can(Permission::Simulate) {
        return WebError::Forbidden.page(lang.0);
    }
    let c = Chrome::new(&state, &session, lang, "/simulate").await;
    let f = SimForm { parameter: "dibao.standard.rural".into(), percent: "8".into(), from: state.clock.today().to_string() };
    let parameters = parameters(&session.user.scope.0, state.clock.today(), lang);
    render(SimPage { c, f, parameters, error: None, summary: None, rows: Vec::new() })
}

async fn submit(State(state): State<AppState>, Page { session, lang }: Page, axum::Form(f): axum::Form<SimForm>) -> Response {
    if !session.user.can(Permission::Simulate) {
        return WebError::Forbidden.page(lang.0);
    }
    let c = Chrome::new(&state, &session, lang, "/simulate").await;
    let now = || parameters(&session.user.scope.0, state.clock.today(), lang);
    let fail = |c, msg: String| render(SimPage { c, f: f.clone(), parameters: now(), error: Some(msg), summary: None, rows: Vec::new() });
    let Some(spec) = jiuzhu_policy::params::spec(f.parameter.trim()) else {
        return fail(c, lang.t("请选择要调整的参数", "choose a parameter").to_string());
    };
    let percent = match f
        .percent
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(|p| Rate::from_decimal(p.abs() / 100.0).map(|r| Rate(if p < 0.0 { -r.0 } else { r.0 })))
    {
        Some(r) => r,
        None => {
            return fail(
                c,
                lang.t("调整幅度应为百分数，如 8 或 -5（最多两位小数）", "the change is a percentage, e.g. 8 or -5").to_string(),
            );
        }
    };
    let Ok(from) = f.from.trim().parse::<chrono::NaiveDate>() else {
        return fail(c, lang.t("生效日期格式应为 YYYY-MM-DD", "the date is YYYY-MM-DD").to_string());
    };
    let change = Change { parameter: spec.name, adjustment: Adjustment::Percent(percent), region: session.user.scope.0.to_string(), from };
    let report = match state.registry.simulate(&session.user, &change, from, Policies::builtin()).await {
        Ok(r) => r,
        Err(e) => {
            let msg = match WebError::from(e) {
                WebError::Invalid(v) => v.0.first().map(|x: &FieldError| x.message(lang.0).to_string()).unwrap_or_default(),
                other => other.body().message,
            };
            return fail(c, msg);
        }
    };
    let mut rows = Vec::new();
    let mut regions: Vec<(String, bool, &std::collections::BTreeMap<&str, jiuzhu_policy::simulate::Line>)> = Vec::new();
    for (key, lines) in &report.by_region {
        let name = match jiuzhu_domain::RegionCode::parse(key) {
            Ok(code) => state.registry.region_name(&code).await.ok().flatten().unwrap_or_else(|| key.clone()),
            Err(_) => key.clone(),
        };
        regions.push((name, false, lines));
    }
    regions.push((lang.t("合计", "Total").to_string(), true, &report.total));
    for (region, total, lines) in regions {
        for (name, zh, _) in PROGRAMMES {
            let Some(x) = lines.get(name) else { continue };
            if !total && x.households_before == 0 && x.households_after == 0 {
                continue;
            }
            rows.push(Row {
                region: region.clone(),
                programme: zh,
                before: x.households_before,
                after: x.households_after,
                newly: x.newly_eligible_households,
                newly_people: x.newly_eligible_people,
                dropped: x.no_longer_eligible_households,
                cost_change: Fen(x.monthly_after - x.monthly_before).to_string(),
                total,
            });
        }
    }
    let summary = Some(format!(
        "{}：{} → {}（{} {}），{} {}",
        lang.t(spec.zh, spec.en),
        report.value_before,
        report.value_after,
        report.from,
        lang.t("起", "onwards"),
        report.households,
        lang.t("户参与模拟", "households simulated")
    ));
    render(SimPage { c, f, parameters: now(), error: None, summary, rows })
}
