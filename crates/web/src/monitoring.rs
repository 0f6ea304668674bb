//! 监测预警 and 部门数据: the monitoring pools (一类库, 二类库) found by proactive discovery, with
//! why each household was found, where it is referred and when the village assistant visits
//! next (一季度一访问); and the department data imports, with a web upload that validates the
//! whole file and stores it only when every row is good.

use crate::AppState;
use crate::audit::{AuditNote, with_note};
use crate::error::WebError;
use crate::i18n::L;
use crate::pages::{Chrome, Page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Months;
use jiuzhu_audit::{Action, Denial};
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::{Permission, RegionCode, RegionLevel};
use jiuzhu_store::{MonitoringPool, MonitoringQuery};
use jiuzhu_verify::Feed;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitoring", get(monitoring_page))
        .route("/monitoring/{household_id}/visit", post(visit_submit))
        .route("/monitoring/{household_id}/refer", post(refer_submit))
        .route("/feeds", get(feeds_page).post(upload_submit))
}

/// One reason a household was found.
pub struct Reason {
    kind: String,
    member: String,
    evidence: String,
}

pub struct EntryRow {
    household_id: i64,
    head: String,
    region: String,
    pool: &'static str,
    pool_name: &'static str,
    reasons: Vec<Reason>,
    referrals: Vec<String>,
    /// Department cases this household can be referred as: (kind code, 转介 label).
    referable: Vec<(&'static str, String)>,
    assessment: String,
    found_on: String,
    next_visit_on: String,
    visit_due: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonitoringParams {
    /// `likely` (一类库), `watch` (二类库) or empty (both).
    pool: String,
    /// `1`: only visits due.
    due: String,
    page: i64,
    notice: String,
}

#[derive(Template)]
#[template(path = "monitoring.html")]
struct MonitoringPage {
    c: Chrome,
    entries: Vec<EntryRow>,
    likely: i64,
    watch: i64,
    pool: String,
    due: bool,
    page: i64,
    more: bool,
    notice: String,
    can_visit: bool,
    /// Window clerks open referral cases (转介) from the pools.
    can_refer: bool,
    /// 检出率 by town and month over the last 12 months (statistics readers).
    rates: Vec<RateRow>,
    can_rates: bool,
}

pub struct RateRow {
    region: String,
    month: String,
    programme: &'static str,
    checked: u64,
    failed: u64,
    percent: String,
}

const PAGE: i64 = 50;

async fn monitoring_page(State(state): State<AppState>, Page { a, l }: Page, Query(p): Query<MonitoringParams>) -> Response {
    let note = AuditNote { action: Some(Action::Search), fields: vec!["name", "monitoring_reasons"], ..AuditNote::default() };
    if !a.user.can(Permission::ReadMonitoring) {
        return with_note(WebError::Forbidden.page(l.0), AuditNote { denied: Some(Denial::Role), ..note });
    }
    let today = chrono::Local::now().date_naive();
    let pool = MonitoringPool::parse(&p.pool);
    let due = p.due == "1";
    let page = p.page.clamp(0, 10_000);
    let q =
        MonitoringQuery { within: a.user.scope.0.clone(), pool, visit_due_by: due.then_some(today), limit: PAGE + 1, offset: page * PAGE };
    let (mut rows, (likely, watch)) = match (state.store.monitoring(&q).await, state.store.monitoring_counts(&a.user.scope.0).await) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => return WebError::from(e).page(l.0),
    };
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let mut entries = Vec::with_capacity(rows.len());
    for e in rows {
        let head = match state.store.household(e.household_id).await {
            Ok(Some(h)) => h.head().data.name.clone(),
            Ok(None) => continue,
            Err(err) => return WebError::from(err).page(l.0),
        };
        let region = state.registry.region_name(&e.region).await.ok().flatten().unwrap_or_else(|| e.region.to_string());
        let reasons: Vec<serde_json::Value> = serde_json::from_str(&e.reasons).unwrap_or_default();
        entries.push(EntryRow {
            household_id: e.household_id,
            head,
            region,
            pool: e.pool.as_str(),
            pool_name: if e.pool == MonitoringPool::Likely { l.t("一类库", "Pool 1") } else { l.t("二类库", "Pool 2") },
            reasons: reasons
                .iter()
                .map(|r| Reason {
                    kind: r["zh"].as_str().unwrap_or_default().to_string(),
                    member: r["member"].as_str().unwrap_or_default().to_string(),
                    evidence: r["evidence"].as_str().unwrap_or_default().to_string(),
                })
                .collect(),
            referrals: serde_json::from_str(&e.referrals).unwrap_or_default(),
            referable: referable(&e)
                .into_iter()
                .map(|k| (k.as_str(), format!("{}{}", l.t("转介", "Refer: "), l.t(k.zh(), k.en()))))
                .collect(),
            assessment: e.assessment,
            found_on: e.found_on.to_string(),
            next_visit_on: e.next_visit_on.to_string(),
            visit_due: e.next_visit_on <= today,
        });
    }
    let can_rates = a.user.can(Permission::ReadStatistics);
    let mut rates = Vec::new();
    if can_rates {
        let since = chrono::Utc::now() - chrono::Duration::days(366);
        match state.store.check_outcomes(&a.user.scope.0, since).await {
            Ok(o) => {
                for r in jiuzhu_verify::service::detection_rates(&o) {
                    let code = RegionCode::parse(&r.region).ok();
                    let region = match &code {
                        Some(c) => state.registry.region_name(c).await.ok().flatten().unwrap_or_else(|| r.region.clone()),
                        None => r.region.clone(),
                    };
                    rates.push(RateRow {
                        region,
                        month: r.month,
                        programme: if r.programme == "dibao" {
                            l.t("低保检出率", "Dibao detection")
                        } else {
                            l.t("低收入检出率", "Low-income detection")
                        },
                        checked: r.checked,
                        failed: r.failed,
                        percent: format!("{:.1}%", r.rate * 100.0),
                    });
                }
            }
            Err(e) => return WebError::from(e).page(l.0),
        }
    }
    let detail = format!("pool={};due={due};rows={}", p.pool, entries.len());
    let c = Chrome::new(&state, &a, l, "/monitoring").await;
    let page = MonitoringPage {
        c,
        entries,
        likely,
        watch,
        pool: p.pool,
        due,
        page,
        more,
        notice: p.notice.chars().take(200).collect(),
        can_visit: a.user.role == jiuzhu_domain::Role::VillageAssistant || a.user.role == jiuzhu_domain::Role::TownReviewer,
        can_refer: a.user.can(Permission::Intake),
        rates,
        can_rates,
    };
    with_note(render(page), AuditNote { detail, ..note })
}

/// The household's monitoring entry when it lies in the user's scope; otherwise the 404 page
/// (out of scope and absent are not told apart), audited as out of scope.
async fn entry_in_scope(
    state: &AppState,
    a: &crate::auth::Authenticated,
    l: L,
    household_id: i64,
    note: &AuditNote,
) -> Result<jiuzhu_store::MonitoringEntry, Response> {
    match state.store.monitoring_entry(household_id).await {
        Ok(Some(e)) if a.user.scope.contains(&e.region) => Ok(e),
        Ok(_) => Err(with_note(WebError::NotFound.page(l.0), AuditNote { denied: Some(Denial::OutOfScope), ..note.clone() })),
        Err(e) => Err(WebError::from(e).page(l.0)),
    }
}

/// A quarterly visit done: the next one is due three months from today.
async fn visit_submit(
    State(state): State<AppState>,
    Page { a, l }: Page,
    Path(household_id): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    // The form is read after the checks, so a refusal is recorded whatever the body was.
    let visit_note = url::form_urlencoded::parse(&body).find(|(k, _)| k == "note").map(|(_, v)| v.into_owned()).unwrap_or_default();
    let note = AuditNote {
        action: Some(Action::Update),
        household_id: Some(household_id),
        fields: vec!["monitoring_visit"],
        ..AuditNote::default()
    };
    let can = a.user.can(Permission::ReadMonitoring)
        && matches!(a.user.role, jiuzhu_domain::Role::VillageAssistant | jiuzhu_domain::Role::TownReviewer);
    if !can {
        return with_note(WebError::Forbidden.page(l.0), AuditNote { denied: Some(Denial::Role), ..note });
    }
    let mut entry = match entry_in_scope(&state, &a, l, household_id, &note).await {
        Ok(e) => e,
        Err(refused) => return refused,
    };
    let text: String = visit_note.trim().chars().take(500).collect();
    if text.chars().count() < 2 {
        return Redirect::to(&format!("/monitoring?notice={}", urlencoding(l.t("请填写走访情况", "describe the visit")))).into_response();
    }
    let today = chrono::Local::now().date_naive();
    entry.next_visit_on = today.checked_add_months(Months::new(3)).expect("date in range");
    entry.updated_at = chrono::Utc::now();
    if let Err(e) = state.store.put_monitoring(&[entry]).await {
        return WebError::from(e).page(l.0);
    }
    let msg = format!(
        "{}{household_id}{}",
        l.t("已记录走访：家庭 #", "Visit recorded: household #"),
        l.t("，下次走访三个月后", "; next visit in three months")
    );
    with_note(Redirect::to(&format!("/monitoring?notice={}", urlencoding(&msg))).into_response(), AuditNote { detail: text, ..note })
}

/// The department cases an entry's reasons can be referred as, in order, once each.
fn referable(e: &jiuzhu_store::MonitoringEntry) -> Vec<AssistanceKind> {
    let reasons: Vec<serde_json::Value> = serde_json::from_str(&e.reasons).unwrap_or_default();
    let mut out = Vec::new();
    for k in reasons.iter().filter_map(|r| r["kind"].as_str()).filter_map(jiuzhu_verify::FindingKind::parse) {
        if let Some(kind) = jiuzhu_verify::service::referral_case(k)
            && !out.contains(&kind)
        {
            out.push(kind);
        }
    }
    out
}

/// 转介: a window clerk opens a department case (医疗救助, 就业救助, 受灾人员救助) for a household
/// in the pools, with the reasons it was found as the request; it goes to that department's
/// liaison like a referral taken at the window. One open case per kind (the intake refuses a
/// second and says which case is open).
async fn refer_submit(
    State(state): State<AppState>,
    Page { a, l }: Page,
    Path(household_id): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    let note =
        AuditNote { action: Some(Action::Create), household_id: Some(household_id), fields: vec!["referral"], ..AuditNote::default() };
    if !(a.user.can(Permission::ReadMonitoring) && a.user.can(Permission::Intake)) {
        return with_note(WebError::Forbidden.page(l.0), AuditNote { denied: Some(Denial::Role), ..note });
    }
    let entry = match entry_in_scope(&state, &a, l, household_id, &note).await {
        Ok(e) => e,
        Err(refused) => return refused,
    };
    // The form is read after the checks, so a refusal is recorded whatever the body was.
    let code = url::form_urlencoded::parse(&body).find(|(k, _)| k == "kind").map(|(_, v)| v.into_owned()).unwrap_or_default();
    let allowed = referable(&entry);
    let Some(kind) = AssistanceKind::parse(&code).filter(|k| allowed.contains(k)) else {
        let msg = l.t("该家庭的发现原因不涉及这项转介", "this household's findings do not call for that referral");
        return Redirect::to(&format!("/monitoring?notice={}", urlencoding(msg))).into_response();
    };
    let reasons: Vec<serde_json::Value> = serde_json::from_str(&entry.reasons).unwrap_or_default();
    let why: Vec<String> = reasons
        .iter()
        .filter(|r| {
            r["kind"].as_str().and_then(jiuzhu_verify::FindingKind::parse).and_then(jiuzhu_verify::service::referral_case) == Some(kind)
        })
        .map(|r| format!("{}：{}", r["zh"].as_str().unwrap_or_default(), r["evidence"].as_str().unwrap_or_default()))
        .collect();
    let input = jiuzhu_casework::service::IntakeInput {
        kinds: vec![kind],
        request: format!("主动发现转介（{}，{}）：{}", entry.pool.zh(), entry.found_on, why.join("；")),
        ..Default::default()
    };
    let today = chrono::Local::now().date_naive();
    match state.casework.intake(&a.user, household_id, &input, today).await {
        Ok(ids) => {
            let id = ids.first().copied().unwrap_or_default();
            let msg = format!("{}{}{}{id}", l.t("已转介：", "Referred: "), l.t(kind.zh(), kind.en()), l.t("，案件 #", ", case #"));
            with_note(
                Redirect::to(&format!("/monitoring?notice={}", urlencoding(&msg))).into_response(),
                AuditNote { detail: format!("kind={};case={id}", kind.as_str()), ..note },
            )
        }
        Err(jiuzhu_casework::CaseworkError::Invalid(errors)) => {
            let msg: Vec<&str> = errors.0.iter().map(|e| l.t(&e.zh, &e.en)).collect();
            Redirect::to(&format!("/monitoring?notice={}", urlencoding(&msg.join("；")))).into_response()
        }
        Err(e) => with_note(WebError::from(e).page(l.0), note),
    }
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

pub struct ImportRow {
    id: i64,
    feed: String,
    file_name: String,
    rows: i64,
    new_rows: i64,
    imported_by: String,
    imported_at: String,
}

pub struct ProblemRow {
    row: String,
    column: String,
    value: String,
    message: String,
}

#[derive(Template)]
#[template(path = "feeds.html")]
struct FeedsPage {
    c: Chrome,
    feeds: Vec<(&'static str, String)>,
    imports: Vec<ImportRow>,
    notice: String,
    error: String,
    problems: Vec<ProblemRow>,
    problem_count: u64,
}

fn county_wide(a: &crate::auth::Authenticated) -> bool {
    matches!(a.user.scope.0.level(), RegionLevel::Province | RegionLevel::City | RegionLevel::County)
}

async fn feeds_view(
    state: &AppState,
    a: &crate::auth::Authenticated,
    l: L,
    notice: String,
    error: String,
    report: Option<jiuzhu_verify::Report>,
) -> Response {
    let imports = match state.store.feed_imports(100).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page(l.0),
    };
    let label = |code: &str| Feed::parse(code).map_or_else(|| code.to_string(), |f| f.label());
    let imports = imports
        .into_iter()
        .map(|i| ImportRow {
            id: i.id,
            feed: label(&i.feed),
            file_name: i.file_name,
            rows: i.rows,
            new_rows: i.new_rows,
            imported_by: i.imported_by,
            imported_at: i
                .imported_at
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid"))
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        })
        .collect();
    let (problems, problem_count) = match report {
        Some(r) => (
            r.problems
                .iter()
                .map(|p| ProblemRow {
                    row: if p.row == 0 { l.t("文件", "file").to_string() } else { p.row.to_string() },
                    column: p.column.clone(),
                    value: p.value.clone(),
                    message: l.t(&p.zh, &p.en).to_string(),
                })
                .collect(),
            r.problem_count,
        ),
        None => (Vec::new(), 0),
    };
    let c = Chrome::new(state, a, l, "/feeds").await;
    let page =
        FeedsPage { c, feeds: Feed::ALL.iter().map(|f| (f.code(), f.label())).collect(), imports, notice, error, problems, problem_count };
    let status = if page.error.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(page)).into_response()
}

async fn feeds_page(State(state): State<AppState>, Page { a, l }: Page) -> Response {
    if !a.user.can(Permission::ImportFeeds) || !county_wide(&a) {
        return with_note(WebError::Forbidden.page(l.0), AuditNote { denied: Some(Denial::Role), ..AuditNote::default() });
    }
    feeds_view(&state, &a, l, String::new(), String::new(), None).await
}

/// Upload: multipart fields `feed` (a feed code) and `file` (CSV, xlsx, xls or Parquet, at most
/// 8 MB through the page; larger files with `jiuzhu import`).
async fn upload_submit(State(state): State<AppState>, Page { a, l }: Page, mut mp: Multipart) -> Response {
    let note = AuditNote { action: Some(Action::Create), fields: vec!["feed_records"], ..AuditNote::default() };
    if !a.user.can(Permission::ImportFeeds) || !county_wide(&a) {
        return with_note(WebError::Forbidden.page(l.0), AuditNote { denied: Some(Denial::Role), ..note });
    }
    let failed = l.t(
        "上传失败，请重试（网页上传不超过 8 MB，更大的文件请用命令行 jiuzhu import）",
        "the upload failed: try again (at most 8 MB here; use jiuzhu import for larger files)",
    );
    let (mut feed, mut file) = (String::new(), None);
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                let file_name = f.file_name().unwrap_or_default().to_string();
                let Ok(bytes) = f.bytes().await else { return feeds_view(&state, &a, l, String::new(), failed.into(), None).await };
                match name.as_str() {
                    "feed" => feed = String::from_utf8_lossy(&bytes).trim().to_string(),
                    "file" => file = Some((file_name, bytes)),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return feeds_view(&state, &a, l, String::new(), failed.into(), None).await,
        }
    }
    let Some(feed) = Feed::parse(&feed) else {
        let r = feeds_view(
            &state,
            &a,
            l,
            String::new(),
            l.t("feed：请选择部门数据类型", "feed: choose which department data this is").into(),
            None,
        )
        .await;
        return with_note(r, AuditNote { denied: Some(Denial::Invalid), ..note });
    };
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let r = feeds_view(&state, &a, l, String::new(), l.t("file：请选择要导入的文件", "file: choose a file").into(), None).await;
        return with_note(r, AuditNote { denied: Some(Denial::Invalid), ..note });
    };
    // The validator reads files: keep the upload's own name (its extension says the format).
    let safe_name: String = std::path::Path::new(&file_name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let safe_name = if safe_name.is_empty() { "upload.csv".to_string() } else { safe_name };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return WebError::Internal(e.to_string()).page(l.0),
    };
    let path = dir.path().join(&safe_name);
    if let Err(e) = std::fs::write(&path, &bytes) {
        return WebError::Internal(e.to_string()).page(l.0);
    }
    let today = chrono::Local::now().date_naive();
    let by = a.user.display_name.clone();
    let result = jiuzhu_verify::service::import_file(state.store.as_ref(), &path, feed, today, &by).await;
    let detail = format!("feed={};file={safe_name}", feed.code());
    match result {
        Err(e) => WebError::from(e).page(l.0),
        Ok((report, None)) => {
            let msg = format!(
                "{}{}{}",
                l.t("文件有问题，未导入任何数据：共 ", "The file has problems; nothing was imported: "),
                report.problem_count,
                l.t(" 个问题", " problem(s)")
            );
            let r = feeds_view(&state, &a, l, String::new(), msg, Some(report)).await;
            with_note(r, AuditNote { denied: Some(Denial::Invalid), detail, ..note })
        }
        Ok((report, Some(o))) => {
            let msg = if o.already_imported {
                format!(
                    "{}{}",
                    l.t("该文件此前已导入，未作任何更改：导入批次 #", "This file was imported before; nothing changed: import #"),
                    o.import_id
                )
            } else {
                format!(
                    "{} {} {} {}{}",
                    report.file,
                    l.t("已导入，共", "imported:"),
                    report.valid_rows,
                    l.t("行，新增 ", "rows, new "),
                    o.new_rows
                )
            };
            let r = feeds_view(&state, &a, l, msg, String::new(), None).await;
            with_note(r, AuditNote { detail: format!("{detail};rows={};new={}", report.valid_rows, o.new_rows), ..note })
        }
    }
}
