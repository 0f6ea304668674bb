//! One error type for every handler, turned into JSON for the API and a page for browsers.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiuzhu_domain::{Lang, ValidationErrors};
use jiuzhu_registry::RegistryError;
use jiuzhu_store::{BoxError, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

/// Every error a handler answers with. Not found, conflict and invalid input are mapped
/// explicitly from each service's error; what remains is internal: its cause is logged with its
/// whole chain and never shown (a page names no table, no SQL, no file).
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
    /// Refused with a message of its own: a case step that cannot be taken now, or that someone
    /// else took first (409), or that is not this person's to take (403); an export already
    /// downloaded (410) …
    Refused {
        status: StatusCode,
        code: &'static str,
        zh: String,
        en: String,
    },
    /// The database did not answer: try again in a moment (503).
    Unavailable(BoxError),
    Internal(BoxError),
}

impl WebError {
    /// An internal error with a cause of any kind.
    pub fn internal(e: impl Into<BoxError>) -> WebError {
        WebError::Internal(e.into())
    }

    pub(crate) fn refused(status: StatusCode, code: &'static str, zh: &str, en: &str) -> WebError {
        WebError::Refused { status, code, zh: zh.into(), en: en.into() }
    }
}

/// The error and every cause under it, for the log.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

impl From<jiuzhu_casework::CaseworkError> for WebError {
    fn from(e: jiuzhu_casework::CaseworkError) -> Self {
        use jiuzhu_casework::{CaseworkError as C, WorkflowError as W};
        match e {
            C::Forbidden => WebError::Forbidden,
            C::NotFound => WebError::NotFound,
            C::Invalid(v) => WebError::Invalid(v),
            C::Conflict { state, by } => WebError::Refused {
                status: StatusCode::CONFLICT,
                code: "conflict",
                zh: format!("该案件刚刚已由{by}办理，当前环节为“{}”。请刷新页面查看后再操作。", state.zh()),
                en: format!("{by} has just taken a step on this case; it is now at “{}”. Reload the page before acting.", state.en()),
            },
            C::Workflow(W::NotNow { zh, en }) => WebError::Refused { status: StatusCode::CONFLICT, code: "not_now", zh, en },
            C::Workflow(W::NotYours { zh, en }) => WebError::Refused { status: StatusCode::FORBIDDEN, code: "not_yours", zh, en },
            C::Workflow(W::Invalid(v)) => WebError::Invalid(v),
            C::Stale => WebError::Stale,
            C::Store(s) => WebError::from(s),
        }
    }
}

impl From<jiuzhu_residents::ResidentsError> for WebError {
    fn from(e: jiuzhu_residents::ResidentsError) -> Self {
        use jiuzhu_residents::ResidentsError as R;
        match e {
            R::Forbidden => WebError::Forbidden,
            R::NotFound => WebError::NotFound,
            R::Invalid(v) => WebError::Invalid(v),
            R::Conflict => WebError::refused(
                StatusCode::CONFLICT,
                "residents.handled",
                "这一件刚刚已由别人处理（或已到了下一步），请刷新页面查看。",
                "someone has just handled this (or it has moved on): reload the page.",
            ),
            R::TooMany => WebError::TooMany,
            R::AlreadySent { code } => WebError::refused(
                StatusCode::CONFLICT,
                "residents.already_sent",
                &format!("这份内容已经提交过，编号 {code}，请勿重复提交。"),
                &format!("this was sent before, as {code}: no need to send it again."),
            ),
            R::Casework(c) => WebError::from(c),
            R::Store(s) => WebError::from(s),
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
            RegistryError::Store(s) => WebError::from(s),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::VersionMismatch { .. } => WebError::Stale,
            StoreError::Unavailable(cause) => WebError::Unavailable(cause),
            e => WebError::Internal(Box::new(e)),
        }
    }
}

impl From<jiuzhu_accounts::AccountError> for WebError {
    fn from(e: jiuzhu_accounts::AccountError) -> Self {
        use jiuzhu_accounts::AccountError as A;
        match e {
            A::Forbidden => WebError::Forbidden,
            A::NotFound => WebError::NotFound,
            A::Invalid(v) => WebError::Invalid(v),
            A::Store(s) => WebError::from(s),
        }
    }
}

impl From<jiuzhu_registry::exports::ExportError> for WebError {
    fn from(e: jiuzhu_registry::exports::ExportError) -> Self {
        use jiuzhu_registry::exports::ExportError as E;
        match e {
            E::Forbidden => WebError::Forbidden,
            E::NotFound => WebError::NotFound,
            E::Invalid(v) => WebError::Invalid(v),
            E::AlreadyDecided => {
                WebError::refused(StatusCode::CONFLICT, "conflict", "该申请已被他人处理", "someone has already decided this request")
            }
            E::NotApproved => WebError::refused(
                StatusCode::CONFLICT,
                "not_approved",
                "该导出申请尚未获批准，不能下载。",
                "This export is not approved; it cannot be downloaded.",
            ),
            E::AlreadyDownloaded => WebError::refused(
                StatusCode::GONE,
                "downloaded",
                "此导出文件已下载过一次；如需再次导出，请重新申请。",
                "This export was already downloaded once; request a new one.",
            ),
            E::File(f) => WebError::Internal(Box::new(f)),
            E::Store(s) => WebError::from(s),
        }
    }
}

impl From<jiuzhu_audit::AuditingError> for WebError {
    fn from(e: jiuzhu_audit::AuditingError) -> Self {
        use jiuzhu_audit::AuditingError as A;
        match e {
            A::Forbidden => WebError::Forbidden,
            A::NotFound => WebError::NotFound,
            A::Invalid(v) => WebError::Invalid(v),
            A::Conflict => WebError::refused(
                StatusCode::CONFLICT,
                "conflict",
                "该预警刚刚已由他人处理，请查看最新情况后再操作。",
                "Someone else has just handled this alert; read it again first.",
            ),
            A::Store(s) => WebError::from(s),
        }
    }
}

impl From<jiuzhu_verify::monitoring::MonitoringError> for WebError {
    fn from(e: jiuzhu_verify::monitoring::MonitoringError) -> Self {
        use jiuzhu_verify::monitoring::MonitoringError as M;
        match e {
            M::Forbidden => WebError::Forbidden,
            M::NotFound => WebError::NotFound,
            M::Invalid(v) => WebError::Invalid(v),
            M::Store(s) => WebError::from(s),
        }
    }
}

impl From<jiuzhu_payments::PaymentError> for WebError {
    /// The payments service's refusals, in the words it gives them.
    fn from(e: jiuzhu_payments::PaymentError) -> Self {
        use jiuzhu_payments::PaymentError as P;
        let (status, code) = match e {
            P::Forbidden => return WebError::Forbidden,
            P::NotFound => return WebError::NotFound,
            P::Invalid(v) => return WebError::Invalid(v),
            P::Store(s) => return WebError::from(s),
            P::Io(e) => return WebError::internal(e),
            P::SameAccount => (StatusCode::FORBIDDEN, "same_account"),
            P::State(_) => (StatusCode::CONFLICT, "state"),
            P::Blocked(_) => (StatusCode::CONFLICT, "blocked_lines"),
            P::Budget => (StatusCode::CONFLICT, "budget"),
            P::AmountMismatch => (StatusCode::CONFLICT, "amount_mismatch"),
            P::Changed => (StatusCode::CONFLICT, "conflict"),
            P::BankFile(_) => (StatusCode::UNPROCESSABLE_ENTITY, "bank_file"),
        };
        WebError::Refused { status, code, zh: e.zh(), en: e.to_string() }
    }
}

impl From<jiuzhu_verify::feeds::FeedError> for WebError {
    fn from(e: jiuzhu_verify::feeds::FeedError) -> Self {
        use jiuzhu_verify::feeds::FeedError as F;
        match e {
            F::Forbidden => WebError::Forbidden,
            F::NotFound => WebError::NotFound,
            F::Invalid(v) => WebError::Invalid(v),
            F::Io(io) => WebError::Internal(Box::new(io)),
            F::Store(s) => WebError::from(s),
        }
    }
}

/// An error as the API returns it.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code: `unauthenticated`, `forbidden`, `not_found`, `csrf`, `invalid`, `stale`, `rate_limited`, `unavailable`,
    /// `internal`; for case steps also `conflict` (someone else acted first), `not_now`, `not_yours`; for exports
    /// `not_approved`, `downloaded`.
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
            WebError::Refused { status, .. } => *status,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        if let WebError::Refused { code, zh, en, .. } = self {
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
            WebError::Refused { .. } => ("refused", "", ""),
            WebError::Unavailable(_) => {
                ("unavailable", "数据库暂时无法连接，请稍后重试", "the database is not answering: try again in a moment")
            }
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

    /// Internal and unavailable errors go to the log with their causes (never to the page).
    fn log(&self) {
        match self {
            WebError::Internal(e) => tracing::error!("internal error: {}", chain(e.as_ref())),
            WebError::Unavailable(e) => tracing::warn!("database unavailable: {}", chain(e.as_ref())),
            _ => {}
        }
    }

    /// The error as an HTML page in `lang`.
    pub fn page(&self, lang: Lang) -> Response {
        self.log();
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
        self.log();
        (self.status(), axum::Json(self.body())).into_response()
    }
}

/// The few characters that matter in HTML text.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Every error the framework answers in plain text — axum's extractors (malformed JSON or form, a
/// missing field, a bad query) and the body limits (413 "length limit exceeded") — becomes the
/// product's own: [`ErrorBody`] JSON under `/api/`, an error page in the reader's language
/// elsewhere, never a raw English line. Outermost, so it also sees the body limit's refusal.
pub async fn plain_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = crate::i18n::PageLang::from_headers(req.headers()).0;
    let resp = next.run(req).await;
    let plain =
        resp.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.starts_with("text/plain"));
    if !plain || !resp.status().is_client_error() {
        return resp;
    }
    let status = resp.status();
    let text =
        axum::body::to_bytes(resp.into_body(), 16 * 1024).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let mb = crate::MAX_BODY_BYTES / (1024 * 1024);
    let (error, code, zh, en) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (
            "too_large",
            "request.too_large",
            format!("提交的内容超过 {mb} MB，未保存：照片请先缩小再上传，大的部门数据文件请用命令行导入"),
            format!(
                "what was sent is over {mb} MB and was not saved: shrink photos first; import large department files on the command line"
            ),
        )
    } else {
        (
            "invalid",
            "request.malformed",
            "请求格式不正确，未保存，请检查后重试".to_string(),
            format!("malformed request, nothing was saved: {text}"),
        )
    };
    let field = FieldErrorBody { field: String::new(), code: code.into(), message: zh.clone(), message_en: en.clone() };
    let body = ErrorBody { error, message: zh.clone(), message_en: en.clone(), errors: vec![field] };
    let mut answer = if api { (status, axum::Json(body)).into_response() } else { WebError::Refused { status, code, zh, en }.page(lang) };
    let h = answer.headers_mut();
    // Generated outside the header layers: the same protections as every other answer.
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    h.insert(axum::http::header::X_CONTENT_TYPE_OPTIONS, axum::http::HeaderValue::from_static("nosniff"));
    h.insert(axum::http::header::CONTENT_SECURITY_POLICY, axum::http::HeaderValue::from_static(crate::CSP));
    answer
}

/// A handler that panics answers 500 as the JSON error body (in words, both languages; the
/// panic logged) instead of dropping the connection, inside the audit layer so the request still
/// leaves its entry. Found by schemathesis: a character split by a byte slice closed the
/// connection without an answer.
pub fn panic_guard() -> tower_http::catch_panic::CatchPanicLayer<fn(Box<dyn std::any::Any + Send + 'static>) -> Response> {
    fn answer(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
        let what = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()).unwrap_or("");
        WebError::Internal(format!("a handler panicked: {what}").into()).into_response()
    }
    tower_http::catch_panic::CatchPanicLayer::custom(answer as fn(Box<dyn std::any::Any + Send + 'static>) -> Response)
}

#[cfg(test)]
mod panic_tests {
    use super::*;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("boom")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_words() {
        // Not a literal in `.route(…)`: the authorisation matrix lists the app's routes from the sources.
        const PATH: &str = "/boom";
        let app = axum::Router::new().route(PATH, axum::routing::get(boom)).layer(panic_guard());
        let r = app.oneshot(axum::http::Request::get(PATH).body(axum::body::Body::empty()).unwrap()).await.unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("系统内部错误"), "{body:?}");
    }
}
