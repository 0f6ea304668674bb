//! Excel copies (Excel 清单) of the payments lists a page shows: a payroll's lines, the
//! receivables, the standby fund's vouchers. Identifiers masked as on the pages, a watermark
//! naming who took the copy and when, the download recorded by the service. Each handler calls
//! one service method and writes the file with the registry's list writer.

use crate::error::WebError;
use crate::extract::{Id, Page};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiuzhu_domain::clock::BEIJING;
use jiuzhu_domain::payment::month_label;
use jiuzhu_domain::{User, mask};
use jiuzhu_registry::roster::{Cell, list_xlsx};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/payrolls/{id}/lines.xlsx", get(payroll_lines))
        .route("/receivables.xlsx", get(receivables))
        .route("/standby.xlsx", get(vouchers))
}

fn watermark(state: &AppState, u: &User, what: &str) -> String {
    let at = state.clock.now().with_timezone(&BEIJING).format("%Y-%m-%d %H:%M:%S");
    format!("{what} 导出人：{}（{}） 导出时间：{at} —— 仅限本职工作使用，不得外传", u.display_name, u.username)
}

fn xlsx(bytes: Vec<u8>, ascii_name: &str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii_name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

fn written(result: Result<Vec<u8>, jiuzhu_registry::roster::FileError>, name: &str, lang: crate::i18n::PageLang) -> Response {
    match result {
        Ok(bytes) => xlsx(bytes, name),
        Err(e) => WebError::internal(e).page(lang.0),
    }
}

async fn payroll_lines(State(state): State<AppState>, Page { session, lang }: Page, Path(Id(id)): Path<Id>) -> Response {
    let u = &session.user;
    let (p, lines) = match state.payments.payroll_copy(u, id).await {
        Ok(r) => r,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let header = [
        "流水号",
        "家庭编号",
        "村（社区）",
        "所属月份",
        "类型",
        "领取人",
        "保障人口",
        "账号（脱敏）",
        "实发金额（元）",
        "扣回（元）",
        "状态",
        "原因或说明",
    ];
    let rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| {
            let reason = match (l.block, &l.failure_text) {
                (Some(b), _) => b.zh().to_string(),
                (None, Some(f)) => f.clone(),
                _ => l.note.clone(),
            };
            vec![
                Cell::Text(l.reference.clone()),
                Cell::Number(l.household_id),
                Cell::Text(l.region.to_string()),
                Cell::Text(month_label(l.benefit_month)),
                Cell::Text(l.kind.zh().into()),
                Cell::Text(mask::name(&l.payee_name)),
                Cell::Number(l.members),
                Cell::Text(l.account.as_deref().map(mask::bank_account_no).unwrap_or_default()),
                Cell::Money(l.amount),
                Cell::Money(l.withheld),
                Cell::Text(l.state.zh().into()),
                Cell::Text(reason),
            ]
        })
        .collect();
    let title = format!("{} {} 发放清册 #{id}", month_label(p.month), p.programme.zh());
    written(list_xlsx("发放明细", &header, &rows, &watermark(&state, u, &title)), &format!("payroll-{id}.xlsx"), lang)
}

async fn receivables(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    let u = &session.user;
    let list = match state.payments.receivables_copy(u).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let header = ["编号", "家庭编号", "项目", "原因", "应追回（元）", "已扣回（元）", "已退回（元）", "尚欠（元）", "说明", "登记人"];
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|r| {
            vec![
                Cell::Number(r.id),
                Cell::Number(r.household_id),
                Cell::Text(r.programme.zh().into()),
                Cell::Text(r.reason.zh().into()),
                Cell::Money(r.amount),
                Cell::Money(r.offset),
                Cell::Money(r.refunded),
                Cell::Money(r.outstanding),
                Cell::Text(r.note.clone()),
                Cell::Text(r.created_by.username.clone()),
            ]
        })
        .collect();
    written(list_xlsx("应追回款", &header, &rows, &watermark(&state, u, "应追回款")), "receivables.xlsx", lang)
}

async fn vouchers(State(state): State<AppState>, Page { session, lang }: Page) -> Response {
    let u = &session.user;
    let funds = match state.payments.standby_copy(u).await {
        Ok(f) => f,
        Err(e) => return WebError::from(e).page(lang.0),
    };
    let header = ["乡镇", "凭证号", "家庭编号", "金额（元）", "事由", "支付日期", "支付人", "报账"];
    let rows: Vec<Vec<Cell>> = funds
        .iter()
        .flat_map(|(a, vs)| {
            vs.iter().map(move |v| {
                vec![
                    Cell::Text(a.town.to_string()),
                    Cell::Number(v.id),
                    Cell::Number(v.household_id),
                    Cell::Money(v.amount),
                    Cell::Text(v.reason.clone()),
                    Cell::Text(v.paid_on.to_string()),
                    Cell::Text(v.paid_by.clone()),
                    Cell::Text(
                        v.replenished_at
                            .map(|t| t.with_timezone(&BEIJING).format("%Y-%m-%d").to_string())
                            .unwrap_or_else(|| "待报账".into()),
                    ),
                ]
            })
        })
        .collect();
    written(list_xlsx("备用金凭证", &header, &rows, &watermark(&state, u, "乡镇临时救助备用金凭证")), "standby-vouchers.xlsx", lang)
}
