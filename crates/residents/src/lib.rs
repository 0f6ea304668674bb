//! 群众端: the residents' side of jiuzhu, as a service that is the only door to it.
//!
//! - [`submission`]: what a resident sends online (网上申请), checked by the registry's own rules,
//!   with every adult's signed 核对授权; the 办件编号 and the query code (pure);
//! - [`kiosk`]: the service hall kiosk's ID-card read, checked before it fills a form (pure);
//! - [`numbers`]: the numbers residents keep (办件编号, 举报编号); [`tickets`]: what a result page
//!   carries instead of the secret that opened it;
//! - [`questions`]: 在线咨询, a question to the town window answered in a thread (its own door,
//!   [`questions::Questions`]);
//! - [`ratings`]: 好差评, a resident's rating once the matter is decided or answered, and the
//!   rectification each bad rating opens (its own door, [`ratings::Ratings`]);
//! - [`progress`]: what a resident sees of their application and its cases (pure);
//! - [`Residents`]: sending an application (no login: the resident's request carries its own
//!   [`Trail`] for the audit), following it with the 办件编号 and the ID number or query code
//!   (a wrong pair and an unknown one answer alike), and the town window's side: the applications
//!   waiting in its scope, one read in full (audited), taken in (registered and 受理 through the
//!   registry's and casework's own doors, as the clerk) or declined with a reason.

pub mod bookings;
pub mod complaints;
pub mod documents;
pub mod kiosk;
pub mod notices;
pub mod numbers;
pub mod progress;
pub mod questions;
pub mod ratings;
pub mod submission;
pub mod tickets;

use chrono::NaiveDate;
use jiuzhu_casework::service::IntakeInput;
use jiuzhu_casework::{Casework, CaseworkError};
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::trail::{Action, Denial, ObjectKind, Trail};
use jiuzhu_domain::{Clock, FieldError, Permission, RegionCode, User, ValidationErrors, mask};
use jiuzhu_registry::{Registry, RegistryError};
use jiuzhu_store::{
    CaseStore, Handling, NewOnlineApplication, OnlineApplication, OnlineApplicationStore, OnlineState, QuerySecret, RegionStore, Store,
    StoreError,
};
use std::sync::Arc;

pub use progress::Progress;
pub use submission::{Proof, Signature, Submission};

#[derive(Debug, thiserror::Error)]
pub enum ResidentsError {
    #[error("forbidden")]
    Forbidden,
    /// Unknown, outside the user's scope, or (for a resident) a wrong pair — never told apart.
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(ValidationErrors),
    /// Someone else handled the application first.
    #[error("already handled")]
    Conflict,
    /// Too many tries for one key (a mobile number's bookings): try again later.
    #[error("too many tries")]
    TooMany,
    /// The same form was sent before (a double tap): the code it was filed under.
    #[error("already sent as {code}")]
    AlreadySent { code: String },
    #[error(transparent)]
    Casework(CaseworkError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ResidentsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ResidentsError::NotFound,
            StoreError::VersionMismatch { .. } => ResidentsError::Conflict,
            e => ResidentsError::Store(e),
        }
    }
}

impl From<ValidationErrors> for ResidentsError {
    fn from(e: ValidationErrors) -> Self {
        ResidentsError::Invalid(e)
    }
}

/// A date the official calendar does not cover yet (next year's holidays not imported).
impl From<FieldError> for ResidentsError {
    fn from(e: FieldError) -> Self {
        ResidentsError::Invalid(e.into())
    }
}

impl From<CaseworkError> for ResidentsError {
    fn from(e: CaseworkError) -> Self {
        match e {
            CaseworkError::Invalid(v) => ResidentsError::Invalid(v),
            CaseworkError::Forbidden => ResidentsError::Forbidden,
            CaseworkError::NotFound => ResidentsError::NotFound,
            e => ResidentsError::Casework(e),
        }
    }
}

impl From<RegistryError> for ResidentsError {
    fn from(e: RegistryError) -> Self {
        CaseworkError::from(e).into()
    }
}

pub type Result<T> = std::result::Result<T, ResidentsError>;

/// What the resident takes home after sending (the only time the query code is shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The application's internal id (for the photos page's ticket; never shown).
    pub id: i64,
    pub reference: String,
    pub query_code: String,
    pub applicant: String,
    pub kinds: Vec<AssistanceKind>,
    pub region: RegionCode,
    pub signed: usize,
    pub sign_at_window: bool,
}

/// One member of an application as the town window reads it (ID number masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLine {
    pub name: String,
    pub id_number: String,
    pub relation: String,
    pub signature: Option<Signature>,
    pub must_sign: bool,
}

/// An application as the town window reads it.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub application: OnlineApplication,
    pub submission: Submission,
    pub members: Vec<MemberLine>,
    pub village: String,
    /// The photos of documents the resident added (材料照片), oldest first.
    pub documents: Vec<jiuzhu_store::OnlineDocumentInfo>,
}

#[derive(Clone)]
pub struct Residents {
    applications: Arc<dyn OnlineApplicationStore>,
    cases: Arc<dyn CaseStore>,
    regions: Arc<dyn RegionStore>,
    registry: Registry,
    casework: Arc<Casework>,
    clock: Arc<dyn Clock>,
}

/// The materials checklist's code of the 家庭经济状况核对授权书.
const AUTHORISATION_MATERIAL: &str = "authorisation";

/// How many waiting applications a queue page lists.
const QUEUE_LIMIT: i64 = 500;

impl Residents {
    pub fn new(store: &Arc<dyn Store>, registry: Registry, casework: Arc<Casework>, clock: Arc<dyn Clock>) -> Residents {
        Residents { applications: store.clone(), cases: store.clone(), regions: store.clone(), registry, casework, clock }
    }

    fn today(&self) -> NaiveDate {
        jiuzhu_domain::clock::beijing_date(self.clock.now())
    }

    /// 自助终端读卡: whether a card the kiosk read can fill its ID-number box today. Nothing is
    /// stored; the trail records that a card was read and how it ended, never whose.
    pub fn read_card(&self, trail: &Trail, fields: &kiosk::CardFields) -> Result<kiosk::Card> {
        trail.action(Action::View);
        let card = kiosk::read_card(fields, self.today()).map_err(|e| {
            trail.refuse(Denial::Invalid);
            trail.detail(format!("自助终端读卡：{}", e.code));
            ResidentsError::Invalid(ValidationErrors::from(e))
        })?;
        trail.detail("自助终端读卡：可用".to_string());
        Ok(card)
    }

    /// 一键申请: checks and stores what the resident sent; returns the receipt.
    pub async fn apply(&self, trail: &Trail, submission: &Submission) -> Result<Receipt> {
        trail.action(Action::Create);
        let now = self.clock.now();
        let today = jiuzhu_domain::clock::beijing_date(now);
        let checked = submission::check(submission, today).inspect_err(|_| trail.refuse(Denial::Invalid))?;
        let region = checked.household.data.hukou_region.clone();
        if self.regions.region(&region).await?.is_none() {
            trail.refuse(Denial::Invalid);
            return Err(ValidationErrors::from(FieldError::new(
                "hukou_region",
                "region.unknown",
                "户籍所在村（社区）不在本系统的区划中，请重新选择",
                "the village of the household registration is not known here: choose again",
            ))
            .into());
        }
        let json = serde_json::to_string(submission).map_err(|e| StoreError::Backend(Box::new(e)))?;
        let head = &checked.household.members[0];
        for _ in 0..5 {
            let (reference, query_code) = {
                let mut rng = rand::rng();
                (submission::new_reference(today, &mut rng), submission::new_query_code(&mut rng))
            };
            let new = NewOnlineApplication {
                reference: reference.clone(),
                region: region.clone(),
                applicant_id_number: head.id_number.as_str().to_string(),
                query_code: query_code.clone(),
                submission: json.clone(),
                submitted_at: now,
            };
            match self.applications.insert_online_application(&new).await {
                Ok(id) => {
                    trail.object(ObjectKind::OnlineApplication, id);
                    trail.detail(format!(
                        "kinds={};members={};signatures={}",
                        submission.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","),
                        checked.household.members.len(),
                        submission.signatures.len()
                    ));
                    return Ok(Receipt {
                        id,
                        reference,
                        query_code,
                        applicant: mask::name(&head.name),
                        kinds: submission.kinds.clone(),
                        region,
                        signed: submission.signatures.len(),
                        sign_at_window: submission.sign_at_window,
                    });
                }
                // A million numbers a day: on the rare repeat, draw again.
                Err(StoreError::Conflict { constraint }) if constraint == "online_applications_reference" => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict { constraint: "online_applications_reference".into() }.into())
    }

    /// 进度查询 by 办件编号 and the applicant's ID number or the query code. Anything that does not
    /// match — an unknown number, a wrong ID number or code, text that is neither — is `NotFound`.
    pub async fn progress(&self, trail: &Trail, reference: &str, proof: &str) -> Result<Progress> {
        trail.action(Action::View);
        let (Some(reference), Some(proof)) = (submission::read_reference(reference), submission::read_proof(proof)) else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::NotFound);
        };
        trail.detail(match proof {
            Proof::IdNumber(_) => "by=id_number",
            Proof::QueryCode(_) => "by=query_code",
        });
        let secret = match proof {
            Proof::IdNumber(s) => QuerySecret::IdNumber(s),
            Proof::QueryCode(s) => QuerySecret::QueryCode(s),
        };
        let Some(app) = self.applications.online_application_for(&reference, &secret).await? else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::NotFound);
        };
        trail.object(ObjectKind::OnlineApplication, app.id);
        if let Some(h) = app.household_id {
            trail.household(h);
        }
        let sub = read_submission(&app)?;
        let today = self.today();
        let calendar = self.casework.calendar();
        let mut cases = Vec::new();
        for id in &app.case_ids {
            if let Some(case) = self.cases.case(*id).await? {
                let events = self.cases.case_events(*id).await?;
                cases.push(progress::case_progress(&case, &events, today, &calendar));
            }
        }
        let applicant = sub.household.members.first().map(|m| mask::name(&m.name)).unwrap_or_default();
        Ok(progress::progress(&app, sub.kinds, applicant, cases))
    }

    /// Only the window takes applications in (受理 permission); each method names its action first.
    fn require_window(user: &User) -> Result<()> {
        if !user.can(Permission::Intake) {
            user.trail.refuse(Denial::Role);
            return Err(ResidentsError::Forbidden);
        }
        Ok(())
    }

    /// The applications waiting to be taken in inside the user's scope, oldest first.
    pub async fn waiting(&self, user: &User) -> Result<Vec<OnlineApplication>> {
        user.trail.action(Action::Search);
        Self::require_window(user)?;
        let list = self.applications.online_applications(&user.scope.0, OnlineState::Submitted, QUEUE_LIMIT).await?;
        user.trail.detail(format!("rows={}", list.len()));
        Ok(list)
    }

    /// One application in full, for the window (ID numbers masked; the read is audited).
    pub async fn application(&self, user: &User, id: i64) -> Result<ApplicationView> {
        user.trail.action(Action::View);
        Self::require_window(user)?;
        let app = self.in_scope(user, id).await?;
        let submission = read_submission(&app)?;
        user.trail.fields(&["name", "id_number", "relation", "phone", "address"]);
        let today = jiuzhu_domain::clock::beijing_date(app.submitted_at);
        let signers = submission::check_details(&submission, today).map(|c| c.signers).unwrap_or_default();
        let members = submission
            .household
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| MemberLine {
                name: m.name.clone(),
                id_number: mask::id_number(&m.id_number),
                relation: jiuzhu_domain::Relation::parse(&m.relation).map(|r| r.zh().to_string()).unwrap_or_else(|| m.relation.clone()),
                signature: submission.signatures.iter().find(|s| s.member == i).cloned(),
                must_sign: signers.contains(&i),
            })
            .collect();
        let village = self.registry.region_names(&app.region).await;
        let documents = self.applications.online_documents(id).await?;
        Ok(ApplicationView { application: app, submission, members, village, documents })
    }

    /// One photo of a document an application's resident added, for the window (each look
    /// audited by the photo's number): its type and bytes.
    pub async fn document(&self, user: &User, id: i64, document_id: i64) -> Result<(String, Vec<u8>)> {
        user.trail.action(Action::View);
        Self::require_window(user)?;
        self.in_scope(user, id).await?;
        match self.applications.online_document(document_id).await? {
            Some(d) if d.info.application_id == id => {
                user.trail.detail(format!("document={document_id} material={}", d.info.material));
                Ok((d.info.content_type, d.bytes))
            }
            _ => {
                user.trail.refuse(Denial::NotFound);
                Err(ResidentsError::NotFound)
            }
        }
    }

    async fn in_scope(&self, user: &User, id: i64) -> Result<OnlineApplication> {
        let app = self.applications.online_application(id).await.inspect_err(|_| user.trail.refuse(Denial::NotFound))?;
        user.trail.object(ObjectKind::OnlineApplication, id);
        if !user.scope.contains(&app.region) {
            user.trail.refuse(Denial::OutOfScope);
            return Err(ResidentsError::NotFound);
        }
        Ok(app)
    }

    /// 受理: registers the household as sent (or uses the one the applicant already heads in the
    /// user's scope) and opens one case per kind through casework's own intake, as the clerk;
    /// then marks the application taken. Returns the household and the cases.
    pub async fn take(&self, user: &User, id: i64, version: i64) -> Result<(i64, Vec<i64>)> {
        user.trail.action(Action::Create);
        Self::require_window(user)?;
        let app = self.in_scope(user, id).await?;
        if app.state != OnlineState::Submitted || app.version != version {
            user.trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        let sub = read_submission(&app)?;
        let today = self.today();
        let head_id = sub.household.members.first().map(|m| m.id_number.trim().to_ascii_uppercase()).unwrap_or_default();
        let household_id = match self.registered(user, &head_id).await? {
            Some(h) => h,
            None => self.registry.create(user, &sub.household, today).await?,
        };
        // Every adult signed the authorisation on screen: it counts as received (kept with the
        // application as evidence); signed at the window instead, the clerk ticks it there.
        let signed = submission::check(&sub, jiuzhu_domain::clock::beijing_date(app.submitted_at)).is_ok() && !sub.sign_at_window;
        let received = if signed { vec![AUTHORISATION_MATERIAL.to_string()] } else { Vec::new() };
        let input = IntakeInput { kinds: sub.kinds.clone(), request: sub.request.clone(), received, ..Default::default() };
        let case_ids = self.casework.intake(user, household_id, &input, today).await?;
        user.trail.object(ObjectKind::OnlineApplication, id);
        self.applications
            .handle_online_application(
                id,
                version,
                &Handling::Taken { household_id, case_ids: case_ids.clone() },
                &user.actor(),
                self.clock.now(),
            )
            .await?;
        Ok((household_id, case_ids))
    }

    /// The household the applicant already heads in the user's scope, if any. An applicant
    /// registered in someone else's household (a grown child still in the parents') is refused:
    /// the clerk moves the person or registers them first, rather than the cases landing on
    /// the other household.
    async fn registered(&self, user: &User, id_number: &str) -> Result<Option<i64>> {
        let found = self.registry.search(user, id_number, 0).await?;
        match found.into_iter().next() {
            None => Ok(None),
            Some(h) if h.head_id_number.as_str() == id_number => Ok(Some(h.id)),
            Some(h) => {
                user.trail.refuse(Denial::Conflict);
                Err(ValidationErrors::from(FieldError::new(
                    "members[0].id_number",
                    "online.applicant_elsewhere",
                    format!(
                        "申请人已登记在户主为{}的家庭中（不是户主）。请先在家庭档案中把申请人迁出或另立新户，再受理这件申请",
                        h.head_name
                    ),
                    format!(
                        "the applicant is registered in {}'s household (not as its head): move them or register a new household first, then take this in",
                        h.head_name
                    ),
                ))
                .into())
            }
        }
    }

    /// 不予受理, with the reason the resident will read.
    pub async fn decline(&self, user: &User, id: i64, version: i64, reason: &str) -> Result<()> {
        user.trail.action(Action::Decide);
        Self::require_window(user)?;
        let app = self.in_scope(user, id).await?;
        let reason = reason.trim();
        if reason.chars().count() < 4 {
            user.trail.refuse(Denial::Invalid);
            return Err(ValidationErrors::from(FieldError::new(
                "reason",
                "online.decline_reason",
                "请写明不予受理的理由（至少 4 个字），申请人查询进度时会看到",
                "give the reason (at least 4 characters): the applicant reads it",
            ))
            .into());
        }
        if app.state != OnlineState::Submitted {
            user.trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        self.applications
            .handle_online_application(id, version, &Handling::Declined { reason: reason.to_string() }, &user.actor(), self.clock.now())
            .await
            .inspect_err(|_| user.trail.refuse(Denial::Conflict))?;
        Ok(())
    }
}

fn read_submission(app: &OnlineApplication) -> Result<Submission> {
    serde_json::from_str(&app.submission)
        .map_err(|e| StoreError::Corrupt { what: "online_applications.submission".into(), source: Some(Box::new(e)) }.into())
}
