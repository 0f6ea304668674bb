//! 材料照片: a resident adds photos of the documents the checklist asks for (户口簿, 身份证, 诊断
//! 证明 …) to an online application, so that the town window sees them before the household comes
//! (最多跑一次: one visit, with the originals, instead of a first visit to learn what to bring).
//!
//! The resident proves the application is theirs once (on the receipt right after sending, or on
//! the progress page) and the page carries a ticket ([`crate::tickets`]) from then on. Photos can
//! be added, and taken back (deleted for good), while the application waits at the window: the
//! window reads them on the application's page before taking it in, each look audited, and takes
//! the originals at the intake; after that the page shows them and what to bring, read only. A
//! photo is a copy: the clerk still sees the original and ticks the material as received.

use crate::tickets::Tickets;
use crate::{ResidentsError, Result};
use jiuzhu_casework::service::MAX_PHOTO_BYTES;
use jiuzhu_casework::service::photos::photo_type;
use jiuzhu_domain::casework::{AssistanceKind, Material, Track, materials_for};
use jiuzhu_domain::trail::{Action, Denial, ObjectKind, Trail};
use jiuzhu_domain::{Clock, FieldError};
use jiuzhu_store::{NewOnlineDocument, OnlineApplication, OnlineApplicationStore, OnlineDocumentInfo, OnlineState, Store};
use std::sync::Arc;

/// At most this many photos per application (a household of six: both sides of six ID cards, the
/// 户口簿's pages, a few certificates).
pub const MAX_DOCUMENTS: usize = 30;
/// The tickets' purpose.
const TICKET: &str = "docs";
/// The ticket's matter kind.
const KIND: &str = "application";
/// The choice for a photo of something the checklist does not name.
pub const OTHER: &str = "other";

/// What a photo may show: the checklist of the programmes asked for, without what the online
/// application itself stands for (the written application, the authorisation signed on screen,
/// the declaration filled in at the window), and "other". Every conditional item is offered (the
/// resident knows whether someone in the household is disabled; the page says "if any").
pub fn choices(kinds: &[AssistanceKind]) -> Vec<Material> {
    let mut out: Vec<Material> = Vec::new();
    for k in kinds {
        for m in materials_for(*k, Track::Normal, true, true) {
            if !matches!(m.code.as_str(), "application" | "authorisation" | "declaration") && !out.iter().any(|o| o.code == m.code) {
                out.push(m);
            }
        }
    }
    out.push(Material { code: OTHER.into(), name: "其他材料".into(), name_en: "Other documents".into(), received: false });
    out
}

/// What may be done with an application's photos now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    pub add: bool,
    pub remove: bool,
}

/// Adding and taking back while the application waits at the window; once taken in or declined,
/// the photos are read only (the window relied on what it saw, and the case's reviewers work from
/// the originals taken at the intake).
pub fn allowed(state: OnlineState) -> Allowed {
    let waiting = state == OnlineState::Submitted;
    Allowed { add: waiting, remove: waiting }
}

/// Checks one upload: a choice offered, a picture by its bytes, within the size and the count.
/// Returns the picture's type.
pub fn check_upload(material: &str, offered: &[Material], bytes: &[u8], already: usize) -> std::result::Result<&'static str, FieldError> {
    if !offered.iter().any(|m| m.code == material) {
        return Err(FieldError::new("material", "required", "请选择这张照片拍的是哪种材料", "choose which document the photo shows"));
    }
    if bytes.is_empty() {
        return Err(FieldError::new("photo", "required", "请先拍照或选择照片", "take or choose a photo first"));
    }
    let Some(content_type) = photo_type(bytes) else {
        return Err(FieldError::new(
            "photo",
            "photo.type",
            "所选文件不是照片：请拍照或选择 JPEG、PNG、WebP 格式的图片",
            "the file is not a photo: take one, or choose a JPEG, PNG or WebP picture",
        ));
    };
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(FieldError::new(
            "photo",
            "photo.size",
            "照片大小须在 5 MB 以内（网页会自动压缩手机照片；请更新浏览器后重试）",
            "a photo must be at most 5 MB (the page shrinks phone photos itself: update the browser and try again)",
        ));
    }
    if already >= MAX_DOCUMENTS {
        return Err(FieldError::new(
            "photo",
            "photo.count",
            format!("每件申请最多上传 {MAX_DOCUMENTS} 张照片；其余材料请到窗口时带原件"),
            format!("at most {MAX_DOCUMENTS} photos per application: bring the rest as originals"),
        ));
    }
    Ok(content_type)
}

/// An application's photos as its resident's page shows them.
#[derive(Debug, Clone)]
pub struct DocumentsView {
    pub reference: String,
    pub choices: Vec<Material>,
    pub photos: Vec<OnlineDocumentInfo>,
    pub allowed: Allowed,
    /// The application's state (what the page says once photos are read only).
    pub state: OnlineState,
    /// A fresh ticket for the page's next step.
    pub ticket: String,
}

impl DocumentsView {
    /// How many photos show `material`.
    pub fn count(&self, material: &str) -> usize {
        self.photos.iter().filter(|p| p.material == material).count()
    }
}

#[derive(Clone)]
pub struct Documents {
    applications: Arc<dyn OnlineApplicationStore>,
    tickets: Tickets,
    clock: Arc<dyn Clock>,
}

impl Documents {
    pub fn new(store: &Arc<dyn Store>, tickets: Tickets, clock: Arc<dyn Clock>) -> Documents {
        Documents { applications: store.clone(), tickets, clock }
    }

    /// The ticket an application's receipt or progress page carries to its photos page, for the
    /// browser whose form token is `bound`; `None` once photos can no longer be added or seen
    /// (declined).
    pub async fn offer(&self, application_id: i64, bound: &str) -> Result<Option<String>> {
        let app = self.applications.online_application(application_id).await?;
        Ok((app.state != OnlineState::Declined).then(|| self.tickets.issue(TICKET, KIND, application_id, bound)))
    }

    fn expired() -> ResidentsError {
        ResidentsError::Invalid(
            FieldError::new(
                "ticket",
                "documents.ticket",
                "这个页面已经过期（超过 30 分钟或换了设备），请重新查询进度后再上传照片",
                "this page has expired (30 minutes, or another device): look the application up again to add photos",
            )
            .into(),
        )
    }

    /// Whether a ticket holds for this browser (a cheap check without the database: the page counts
    /// only these against the per-address limit, so a forged one spends nobody's allowance).
    pub fn ticket_holds(&self, ticket: &str, bound: &str) -> bool {
        self.tickets.read(TICKET, ticket, bound).is_some_and(|(k, _)| k == KIND)
    }

    async fn open(&self, trail: &Trail, ticket: &str, bound: &str) -> Result<(OnlineApplication, Allowed)> {
        let Some(id) = self.tickets.read(TICKET, ticket, bound).filter(|(k, _)| k == KIND).map(|(_, id)| id) else {
            trail.refuse(Denial::NotFound);
            return Err(Self::expired());
        };
        trail.object(ObjectKind::OnlineApplication, id);
        let app = self.applications.online_application(id).await?;
        let allowed = allowed(app.state);
        Ok((app, allowed))
    }

    async fn view(&self, app: &OnlineApplication, allowed: Allowed, bound: &str) -> Result<DocumentsView> {
        let kinds = crate::read_submission(app)?.kinds;
        Ok(DocumentsView {
            reference: app.reference.clone(),
            choices: choices(&kinds),
            photos: self.applications.online_documents(app.id).await?,
            allowed,
            state: app.state,
            ticket: self.tickets.issue(TICKET, KIND, app.id, bound),
        })
    }

    /// The photos page of the ticket's application.
    pub async fn page(&self, trail: &Trail, ticket: &str, bound: &str) -> Result<DocumentsView> {
        trail.action(Action::View);
        let (app, allowed) = self.open(trail, ticket, bound).await?;
        self.view(&app, allowed, bound).await
    }

    /// Adds one photo of `material`; the page again with it.
    pub async fn add(&self, trail: &Trail, ticket: &str, bound: &str, material: &str, bytes: &[u8]) -> Result<DocumentsView> {
        trail.action(Action::Create);
        let (app, allowed) = self.open(trail, ticket, bound).await?;
        if !allowed.add {
            trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        let kinds = crate::read_submission(&app)?.kinds;
        let already = self.applications.online_documents(app.id).await?.len();
        let content_type = check_upload(material, &choices(&kinds), bytes, already).map_err(|e| {
            trail.refuse(Denial::Invalid);
            ResidentsError::Invalid(e.into())
        })?;
        let new = NewOnlineDocument {
            application_id: app.id,
            material: material.to_string(),
            content_type: content_type.to_string(),
            bytes: bytes.to_vec(),
            uploaded_at: self.clock.now(),
        };
        let id = self.applications.insert_online_document(&new).await?;
        trail.detail(format!("document={id} material={material}"));
        self.view(&app, allowed, bound).await
    }

    /// Takes a photo back (deleted for good) while the application waits at the window.
    pub async fn remove(&self, trail: &Trail, ticket: &str, bound: &str, document_id: i64) -> Result<DocumentsView> {
        trail.action(Action::Update);
        let (app, allowed) = self.open(trail, ticket, bound).await?;
        if !allowed.remove {
            trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        // The store deletes only while the application still waits: taken in meanwhile, it stays.
        if let Err(e) = self.applications.delete_online_document(app.id, document_id).await {
            let now = self.applications.online_application(app.id).await?;
            trail.refuse(if now.state == OnlineState::Submitted { Denial::NotFound } else { Denial::Conflict });
            return Err(if now.state == OnlineState::Submitted { e.into() } else { ResidentsError::Conflict });
        }
        trail.detail(format!("document={document_id} deleted"));
        self.view(&app, allowed, bound).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use AssistanceKind::*;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0];

    #[test]
    fn the_choices_are_the_checklist_of_the_programmes_asked_for_without_what_was_done_online() {
        let codes = |kinds: &[AssistanceKind]| choices(kinds).into_iter().map(|m| m.code).collect::<Vec<_>>();
        assert_eq!(codes(&[Dibao]), ["id_cards", "hukou", "disability_certificate", "diagnosis", "other"]);
        // 特困 adds the supporters' statement; asked for together, nothing twice.
        assert_eq!(codes(&[Dibao, Tekun]), ["id_cards", "hukou", "disability_certificate", "diagnosis", "supporters", "other"]);
        assert_eq!(codes(&[Temporary]).iter().filter(|c| *c == "emergency_proof").count(), 1);
        assert_eq!(codes(&[]), ["other"]);
    }

    #[test]
    fn photos_are_added_and_taken_back_only_while_the_application_waits() {
        assert_eq!(allowed(OnlineState::Submitted), Allowed { add: true, remove: true });
        assert_eq!(allowed(OnlineState::Taken), Allowed { add: false, remove: false });
        assert_eq!(allowed(OnlineState::Declined), Allowed { add: false, remove: false });
    }

    #[test]
    fn an_upload_is_a_picture_of_a_listed_material_within_size_and_count() {
        let offered = choices(&[Dibao]);
        assert_eq!(check_upload("hukou", &offered, JPEG, 0), Ok("image/jpeg"));
        let field = |r: std::result::Result<&str, FieldError>| r.unwrap_err().code;
        assert_eq!(field(check_upload("", &offered, JPEG, 0)), "required");
        assert_eq!(field(check_upload("supporters", &offered, JPEG, 0)), "required", "not on this checklist");
        assert_eq!(field(check_upload("hukou", &offered, b"", 0)), "required");
        assert_eq!(field(check_upload("hukou", &offered, b"%PDF-1.7", 0)), "photo.type");
        let mut big = JPEG.to_vec();
        big.resize(MAX_PHOTO_BYTES, 0);
        assert!(check_upload("hukou", &offered, &big, 0).is_ok(), "exactly 5 MB");
        big.push(0);
        assert_eq!(field(check_upload("hukou", &offered, &big, 0)), "photo.size", "one byte over");
        assert!(check_upload("hukou", &offered, JPEG, MAX_DOCUMENTS - 1).is_ok());
        assert_eq!(field(check_upload("hukou", &offered, JPEG, MAX_DOCUMENTS)), "photo.count");
    }
}
