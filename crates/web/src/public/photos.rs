//! 材料照片 on the residents' site: the photos of documents added to an online application. The
//! page is reached from the receipt or the progress page with a ticket bound to this browser (the
//! ID number or query code never travels again); each upload answers with the page again, so a
//! refusal says why beside the form and nothing else on the page is lost. Taking a photo back asks
//! first.

use super::{Resident, error_page};
use crate::assess::ClientIp;
use crate::error::WebError;
use crate::frame::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use jiuzhu_domain::trail::Trail;
use jiuzhu_residents::ResidentsError;
use jiuzhu_residents::documents::{DocumentsView, MAX_DOCUMENTS};
use jiuzhu_store::OnlineDocumentInfo;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/photos", post(open))
        // Up to the server's own limit, not the photo's: a photo a little over 5 MB (a phone
        // without the shrinking script) is read whole and refused beside the form, choice kept.
        .route("/m/photos/add", post(add).layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES)))
        .route("/m/photos/remove", post(remove))
}

#[derive(Template)]
#[template(path = "public/photos.html")]
struct PhotosPage<'a> {
    r: &'a Resident,
    v: DocumentsView,
    /// The material last chosen (kept after an upload or a refusal).
    chosen: String,
    /// Why the last upload was refused, or what was done.
    error: String,
    done: String,
}

impl PhotosPage<'_> {
    fn when(&self, p: &OnlineDocumentInfo) -> String {
        crate::frame::beijing_minutes(p.uploaded_at)
    }
    fn size(&self, p: &OnlineDocumentInfo) -> String {
        format!("{:.1} MB", p.size as f64 / 1_048_576.0).replace("0.0 MB", "0.1 MB")
    }
    /// The material's words for a photo.
    fn material<'a>(&'a self, code: &'a str) -> &'a str {
        self.v.choices.iter().find(|m| m.code == code).map_or(code, |m| self.r.t(&m.name, &m.name_en))
    }
    fn max(&self) -> usize {
        MAX_DOCUMENTS
    }
    fn declined(&self) -> bool {
        self.v.state == jiuzhu_store::OnlineState::Declined
    }
    fn full(&self) -> bool {
        self.v.photos.len() >= MAX_DOCUMENTS
    }
}

#[derive(Template)]
#[template(path = "public/photos_remove.html")]
struct ConfirmPage<'a> {
    r: &'a Resident,
    ticket: String,
    photo: OnlineDocumentInfo,
    material: String,
    when: String,
}

fn page(r: &Resident, v: DocumentsView, chosen: String, error: String, done: String) -> Response {
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(PhotosPage { r, v, chosen, error, done })).into_response()
}

/// A refusal the resident can act on (a wrong choice, not a picture, too big, too many, taken in
/// already): the page again with why beside the form and the choice kept. An expired page, or
/// anything else, is the error page saying why.
async fn refusal(state: &AppState, r: &Resident, ticket: &str, chosen: String, e: ResidentsError) -> Response {
    let why = match &e {
        ResidentsError::Invalid(v) if !v.0.iter().any(|f| f.field == "ticket") => crate::frame::messages(v, r.lang).join("；"),
        // Taken in or declined meanwhile: the page itself then says what that means.
        ResidentsError::Conflict => r
            .t(
                "这件申请刚刚已由乡镇窗口处理，照片不能再上传或删除。",
                "The town window has just handled this application: photos can no longer be added or removed.",
            )
            .to_string(),
        ResidentsError::NotFound => r.t("这张照片已经删除了。", "That photo was already removed.").to_string(),
        _ => return error_page(r, WebError::from(e)),
    };
    match state.documents.page(&Trail::default(), ticket, &r.token).await {
        Ok(v) => page(r, v, chosen, why, String::new()),
        Err(_) => error_page(r, WebError::from(e)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Opened {
    ticket: String,
}

async fn open(State(state): State<AppState>, r: Resident, Form(o): Form<Opened>) -> Response {
    let trail = Trail::default();
    let answer = match state.documents.page(&trail, &o.ticket, &r.token).await {
        Ok(v) => page(&r, v, String::new(), String::new(), String::new()),
        Err(e) => error_page(&r, WebError::from(e)),
    };
    crate::audit::resident_trail(answer, trail)
}

/// The upload form's fields as sent: the ticket, the material and the picture. The form sends the
/// first two before the picture, so a picture that could not be read (over the limit, a dropped
/// connection) still leaves them, and the page can say why beside the form.
#[derive(Default)]
struct Upload {
    ticket: String,
    material: String,
    photo: Vec<u8>,
    /// The picture could not be read whole.
    broken: bool,
}

async fn read_upload(mut mp: Multipart) -> Upload {
    let mut u = Upload::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                u.broken = true;
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let Ok(bytes) = field.bytes().await else {
            u.broken = true;
            break;
        };
        match name.as_str() {
            "ticket" => u.ticket = String::from_utf8_lossy(&bytes).into_owned(),
            "material" => u.material = String::from_utf8_lossy(&bytes).into_owned(),
            "photo" => u.photo = bytes.to_vec(),
            _ => {}
        }
    }
    u
}

async fn add(State(state): State<AppState>, r: Resident, ClientIp(ip): ClientIp, mp: Multipart) -> Response {
    let u = read_upload(mp).await;
    if u.broken {
        let failed = jiuzhu_domain::FieldError::new(
            "photo",
            "photo.upload",
            "照片没有传完整：可能超过了 5 MB，或者网络断了。请换一张小一些的照片（或用手机自带相机拍），再试一次",
            "the photo did not arrive whole: it may be over 5 MB, or the connection dropped. Choose a smaller photo and try again",
        );
        return refusal(&state, &r, &u.ticket, u.material, ResidentsError::Invalid(failed.into())).await;
    }
    // Only a page that holds spends the address's allowance (a forged ticket spends nobody's).
    if state.documents.ticket_holds(&u.ticket, &r.token) && !state.residents_limiter.allow(ip, std::time::Instant::now()) {
        return error_page(&r, WebError::TooMany);
    }
    let trail = Trail::default();
    let answer = match state.documents.add(&trail, &u.ticket, &r.token, &u.material, &u.photo).await {
        // Uploaded: the next photo is another document, so nothing stays chosen for it.
        Ok(v) => page(&r, v, String::new(), String::new(), r.t("已上传。", "Uploaded.").to_string()),
        Err(e) => refusal(&state, &r, &u.ticket, u.material, e).await,
    };
    crate::audit::resident_trail(answer, trail)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Removing {
    ticket: String,
    document: i64,
    /// Present once the resident confirmed.
    confirm: Option<String>,
}

/// 删除 asks first (which photo, when it was added), then deletes it for good.
async fn remove(State(state): State<AppState>, r: Resident, Form(d): Form<Removing>) -> Response {
    let trail = Trail::default();
    let answer = if d.confirm.is_none() {
        match state.documents.page(&trail, &d.ticket, &r.token).await {
            Ok(v) => match v.photos.iter().find(|p| p.id == d.document) {
                Some(p) => {
                    let material = v
                        .choices
                        .iter()
                        .find(|m| m.code == p.material)
                        .map_or(p.material.clone(), |m| r.t(&m.name, &m.name_en).to_string());
                    let when = crate::frame::beijing_minutes(p.uploaded_at);
                    render(ConfirmPage { r: &r, ticket: v.ticket.clone(), photo: p.clone(), material, when })
                }
                None => refusal(&state, &r, &d.ticket, String::new(), ResidentsError::NotFound).await,
            },
            Err(e) => error_page(&r, WebError::from(e)),
        }
    } else {
        match state.documents.remove(&trail, &d.ticket, &r.token, d.document).await {
            Ok(v) => page(&r, v, String::new(), String::new(), r.t("已删除这张照片。", "The photo was removed.").to_string()),
            Err(e) => refusal(&state, &r, &d.ticket, String::new(), e).await,
        }
    };
    crate::audit::resident_trail(answer, trail)
}
