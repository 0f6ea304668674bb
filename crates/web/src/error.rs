//! One error type for every handler, turned into JSON for the API and a page for browsers.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiuzhu_domain::{Lang, ValidationErrors};
use jiuzhu_registry::RegistryError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub enum WebError {
    Unauthenticated,
    Forbidden,
    NotFound,
    Csrf,
    Invalid(ValidationErrors),
    Stale,
    /// Too many requests from one client (public endpoints are rate-limited).
    TooMany,
    /// A case step that cannot be taken now, or that someone else took first (409), or that is
    /// not this person's to take (403), with its own message.
    Step {
        status: StatusCode,
        code: &'static str,
        zh: String,
        en: String,
    },
    Internal(String),
}

impl From<jiuzhu_casework::CaseworkError> for WebError {
    fn from(e: jiuzhu_casework::CaseworkError) -> Self {
        use jiuzhu_casework::{CaseworkError as C, WorkflowError as W};
        match e {
            C::Forbidden => WebError::Forbidden,
            C::NotFound => WebError::NotFound,
            C::Invalid(v) => WebError::Invalid(v),
            C::Conflict { state, by } => WebError::Step {
                status: StatusCode::CONFLICT,
                code: "conflict",
                zh: format!("该案件刚刚已由{by}办理，当前环节为“{}”。请刷新页面查看后再操作。", state.zh()),
                en: format!("{by} has just taken a step on this case; it is now at “{}”. Reload the page before acting.", state.en()),
            },
            C::Workflow(W::NotNow { zh, en }) => WebError::Step { status: StatusCode::CONFLICT, code: "not_now", zh, en },
            C::Workflow(W::NotYours { zh, en }) => WebError::Step { status: StatusCode::FORBIDDEN, code: "not_yours", zh, en },
            C::Workflow(W::Invalid(v)) => WebError::Invalid(v),
            C::Store(s) => WebError::Internal(s.to_string()),
        }
    }
}

impl From<RegistryError> for WebError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Forbidden => WebError::Forbidden,
            RegistryError::NotFound => WebError::NotFound,
            RegistryError::Invalid(v) => WebError::Invalid(v),
            RegistryError::Stale => WebError::Stale,
            RegistryError::Store(s) => WebError::Internal(s.to_string()),
        }
    }
}

impl From<jiuzhu_store::StoreError> for WebError {
    fn from(e: jiuzhu_store::StoreError) -> Self {
        WebError::Internal(e.to_string())
    }
}

/// An error as the API returns it.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code: `unauthenticated`, `forbidden`, `not_found`, `csrf`, `invalid`, `stale`, `rate_limited`, `internal`;
    /// for case steps also `conflict` (someone else acted first), `not_now`, `not_yours`.
    pub error: &'static str,
    pub message: String,
    pub message_en: String,
    /// For `invalid`: one entry per bad field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldErrorBody {
    /// Path of the field, e.g. `members[0].id_number`.
    pub field: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Stale => StatusCode::CONFLICT,
            WebError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            WebError::Step { status, .. } => *status,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        if let WebError::Step { code, zh, en, .. } = self {
            return ErrorBody { error: code, message: zh.clone(), message_en: en.clone(), errors: Vec::new() };
        }
        let (error, zh, en) = match self {
            WebError::Unauthenticated => ("unauthenticated", "请先登录", "please log in"),
            WebError::Forbidden => ("forbidden", "您的角色无权进行此操作", "your role may not do this"),
            WebError::NotFound => ("not_found", "记录不存在，或不在您的辖区内", "no such record in your region"),
            WebError::Csrf => ("csrf", "页面已过期，请刷新后重试", "the page has expired: reload and try again"),
            WebError::Invalid(_) => ("invalid", "填写的内容有误，请按提示修改", "some fields are not valid"),
            WebError::Stale => {
                ("stale", "该记录已被他人修改，请刷新后重新填写", "someone else changed this record: reload and redo your edit")
            }
            WebError::TooMany => ("rate_limited", "请求过于频繁，请稍后再试", "too many requests: try again in a minute"),
            WebError::Step { .. } => ("step", "", ""),
            WebError::Internal(_) => {
                ("internal", "系统内部错误，请稍后重试或联系管理员", "internal error: try again later or contact the administrator")
            }
        };
        let errors = match self {
            WebError::Invalid(v) => {
                v.0.iter()
                    .map(|e| FieldErrorBody {
                        field: e.field.clone(),
                        code: e.code.to_string(),
                        message: e.zh.clone(),
                        message_en: e.en.clone(),
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        ErrorBody { error, message: zh.into(), message_en: en.into(), errors }
    }

    /// The error as an HTML page in `lang`.
    pub fn page(&self, lang: Lang) -> Response {
        if let WebError::Internal(e) = self {
            tracing::error!("internal error: {e}");
        }
        let b = self.body();
        let mut msg = html_escape(lang.pick(&b.message, &b.message_en));
        // Name each bad field on the page too, not only in the API's body.
        for e in &b.errors {
            msg.push_str("<br>");
            msg.push_str(&html_escape(lang.pick(&e.message, &e.message_en)));
        }
        let title = lang.pick("出错了", "Error");
        let back = lang.pick("返回首页", "Home");
        let html = format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
             <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"narrow\"><h1>{} {title}</h1><p class=\"error\">{msg}</p>\
             <p><a href=\"/\">{back}</a></p></main></body></html>",
            if lang == Lang::En { "en" } else { "zh-CN" },
            self.status().as_u16()
        );
        (self.status(), Html(html)).into_response()
    }
}

/// API handlers return this: errors become JSON bodies.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(e) = &self {
            tracing::error!("internal error: {e}");
        }
        (self.status(), axum::Json(self.body())).into_response()
    }
}

/// The few characters that matter in HTML text.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The API answers every error as [`ErrorBody`] JSON, also those axum's extractors produce
/// (malformed JSON, a missing field, a bad query or path parameter), which come as plain text.
pub async fn api_errors_as_json(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let plain =
        resp.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/plain"));
    if !api || !plain || !resp.status().is_client_error() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let body = ErrorBody {
        error: "invalid",
        message: format!("请求格式不正确：{text}"),
        message_en: format!("malformed request: {text}"),
        errors: vec![FieldErrorBody {
            field: String::new(),
            code: "request.malformed".into(),
            message: format!("请求格式不正确：{text}"),
            message_en: format!("malformed request: {text}"),
        }],
    };
    (parts.status, axum::Json(body)).into_response()
}
