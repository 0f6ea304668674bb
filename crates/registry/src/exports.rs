//! 名册导出: asking for a household roster as CSV or Excel, a county approver's decision when the
//! requester's households of the day pass the threshold (default
//! [`jiuzhu_domain::access::EXPORT_APPROVAL_ROWS`]), and the one download each request allows,
//! after the password is typed again. The threshold counts what one person takes out in a day,
//! however it is split: 217 households asked for village by village need the approver as much
//! as 217 asked for at once.

use crate::roster::{self, Watermark};
use chrono::{DateTime, Utc};
use jiuzhu_accounts::{AccountError, Accounts};
use jiuzhu_domain::access::{self, Guarded};
use jiuzhu_domain::casework::AssistanceKind;
use jiuzhu_domain::clock::BEIJING;
use jiuzhu_domain::{Action, Clock, Denial, FieldError, ObjectKind, Permission, RegionCode, User, ValidationErrors};
use jiuzhu_store::{ExportFormat, ExportQuery, ExportRequest, ExportState, ExportStore, NewExport, RosterRow, Store, StoreError};
use std::sync::Arc;

/// The most rows one export may hold (a county's roster fits many times over).
pub const MAX_EXPORT_ROWS: i64 = 200_000;

/// The fields a roster holds, as the audit trail names them (the ID number masked).
pub const ROSTER_FIELDS: [&str; 4] = ["name", "id_number_masked", "member_count", "benefit_amount"];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("forbidden")]
    Forbidden,
    /// Not in the user's region, or not the user's to download.
    #[error("not found")]
    NotFound,
    #[error("invalid: {0}")]
    Invalid(ValidationErrors),
    /// Decided by someone else first.
    #[error("already decided")]
    AlreadyDecided,
    /// Not approved (yet): nothing to download.
    #[error("not approved")]
    NotApproved,
    /// The one download was used.
    #[error("already downloaded")]
    AlreadyDownloaded,
    /// The file could not be written.
    #[error("the roster file could not be written")]
    File(#[from] roster::FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for ExportError {
    fn from(e: FieldError) -> Self {
        ExportError::Invalid(e.into())
    }
}

impl From<AccountError> for ExportError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Forbidden => ExportError::Forbidden,
            AccountError::NotFound => ExportError::NotFound,
            AccountError::Invalid(v) => ExportError::Invalid(v),
            AccountError::Store(s) => ExportError::Store(s),
        }
    }
}

pub type Result<T> = std::result::Result<T, ExportError>;

/// An export request as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct ExportInput {
    pub region: String,
    /// A programme code, or empty for every household.
    pub programme: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// 导出事由
    pub purpose: String,
}

/// A request made: ready to download, or waiting for an approver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requested {
    pub id: i64,
    pub rows: i64,
    pub needs_approval: bool,
}

/// The requests a user sees: their own, and (approvers) others' waiting in their region.
#[derive(Debug, Clone, Default)]
pub struct ExportLists {
    pub mine: Vec<ExportRequest>,
    pub to_decide: Vec<ExportRequest>,
}

/// A file to hand out once.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub id: i64,
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub extension: &'static str,
    pub rows: usize,
}

#[derive(Clone)]
pub struct Exports {
    exports: Arc<dyn ExportStore>,
    accounts: Accounts,
    clock: Arc<dyn Clock>,
    approval_rows: i64,
}

fn refuse<T>(user: &User, denial: Denial, e: impl Into<ExportError>) -> Result<T> {
    user.trail.refuse(denial);
    Err(e.into())
}

impl Exports {
    /// `approval_rows`: more households than this in a day need a county approver.
    pub fn new(store: &Arc<dyn Store>, accounts: Accounts, clock: Arc<dyn Clock>, approval_rows: i64) -> Exports {
        Exports { exports: store.clone(), accounts, clock, approval_rows }
    }

    pub fn approval_rows(&self) -> i64 {
        self.approval_rows
    }

    /// The start of today, Beijing time: the approval threshold counts per calendar day.
    fn start_of_day(&self) -> DateTime<Utc> {
        let today = self.clock.now().with_timezone(&BEIJING).date_naive();
        today
            .and_time(chrono::NaiveTime::MIN)
            .and_local_timezone(BEIJING)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| self.clock.now())
    }

    pub async fn lists(&self, user: &User) -> Result<ExportLists> {
        let (can_request, can_approve) = (user.can(Permission::ExportRoster), user.can(Permission::ApproveExport));
        if !can_request && !can_approve {
            return refuse(user, Denial::Role, ExportError::Forbidden);
        }
        let mine = self.exports.exports(&ExportQuery { account_id: Some(user.account_id), limit: 50, ..ExportQuery::default() }).await?;
        let to_decide = if can_approve {
            let q =
                ExportQuery { within: Some(user.scope.0.clone()), state: Some(ExportState::Pending), limit: 100, ..ExportQuery::default() };
            self.exports.exports(&q).await?.into_iter().filter(|e| e.account_id != user.account_id).collect()
        } else {
            Vec::new()
        };
        Ok(ExportLists { mine, to_decide })
    }

    /// 申请导出: checks every field, counts the roster and records the request — approved at
    /// once when the requester's households of the day stay within the threshold.
    pub async fn request(&self, user: &User, input: &ExportInput) -> Result<Requested> {
        user.trail.action(Action::Export);
        user.trail.fields(&ROSTER_FIELDS);
        if !user.can(Permission::ExportRoster) {
            return refuse(user, Denial::Role, ExportError::Forbidden);
        }
        let purpose: String = jiuzhu_domain::text::clean(&input.purpose).chars().take(200).collect();
        let Ok(region) = RegionCode::parse(input.region.trim()) else {
            let e = FieldError::new(
                "region",
                "region.format",
                "区划代码格式不正确（6、9 或 12 位数字）",
                "not a division code (6, 9 or 12 digits)",
            );
            return refuse(user, Denial::Invalid, e);
        };
        let programme = match input.programme.as_str() {
            "" => None,
            p => match AssistanceKind::parse(p) {
                Some(k) => Some(k),
                None => {
                    return refuse(
                        user,
                        Denial::Invalid,
                        FieldError::new("programme", "programme", "请选择救助类型", "choose a programme"),
                    );
                }
            },
        };
        let Some(format) = ExportFormat::parse(&input.format) else {
            return refuse(user, Denial::Invalid, FieldError::new("format", "format", "请选择 CSV 或 Excel", "choose CSV or Excel"));
        };
        if purpose.chars().count() < crate::MIN_PURPOSE_CHARS {
            let e = FieldError::new(
                "purpose",
                "export.purpose",
                "请填写导出事由（至少 4 个字）",
                "give the reason for the export (at least 4 characters)",
            );
            return refuse(user, Denial::Invalid, e);
        }
        user.trail.purpose(&purpose);
        user.trail.detail(format!("region={region}"));
        if !user.scope.contains(&region) {
            return refuse(user, Denial::OutOfScope, ExportError::NotFound);
        }
        let rows = self.exports.roster_count(&region, programme).await?;
        user.trail.detail(format!("rows={rows}"));
        if rows == 0 {
            let e = FieldError::new(
                "region",
                "export.empty",
                "没有符合条件的家庭，未提交导出申请",
                "no household matches; nothing was requested",
            );
            return refuse(user, Denial::Invalid, e);
        }
        if rows > MAX_EXPORT_ROWS {
            let e = FieldError::new(
                "region",
                "export.too_many",
                format!("共 {rows} 户，超过单次导出上限 {MAX_EXPORT_ROWS} 户；请按乡镇分别导出"),
                format!("{rows} households is over the limit of {MAX_EXPORT_ROWS} per export; export town by town"),
            );
            return refuse(user, Denial::Invalid, e);
        }
        let new = NewExport { account_id: user.account_id, username: user.username.clone(), region, programme, format, purpose, rows };
        let stored = self.exports.request_export(&new, self.start_of_day(), self.approval_rows).await?;
        let (id, needs_approval) = (stored.id, stored.state == ExportState::Pending);
        user.trail.object(ObjectKind::Export, id);
        user.trail.detail(format!("export={id};today={};state={}", stored.rows_today, stored.state.as_str()));
        Ok(Requested { id, rows, needs_approval })
    }

    /// A request in the user's region; another region's is "not found", recorded as 越权.
    async fn in_scope(&self, user: &User, id: i64) -> Result<ExportRequest> {
        user.trail.object(ObjectKind::Export, id);
        match self.exports.export(id).await? {
            Some(e) if user.scope.contains(&e.region) => Ok(e),
            Some(_) => refuse(user, Denial::OutOfScope, ExportError::NotFound),
            None => refuse(user, Denial::NotFound, ExportError::NotFound),
        }
    }

    /// 导出审批: a county approver approves or rejects someone else's request (a rejection says
    /// why).
    pub async fn decide(&self, user: &User, id: i64, decision: &str, note: &str) -> Result<()> {
        user.trail.action(Action::Decide);
        if !user.can(Permission::ApproveExport) {
            return refuse(user, Denial::Role, ExportError::Forbidden);
        }
        let e = self.in_scope(user, id).await?;
        if !access::may_approve_export(user.role, user.account_id, e.account_id) {
            let e = FieldError::new(
                "decision",
                "export.own",
                "不能审批本人提交的导出申请，请由其他审批员审批",
                "you cannot decide your own export; another approver must",
            );
            return refuse(user, Denial::Role, e);
        }
        let approve = match decision {
            "approve" => true,
            "reject" => false,
            _ => return refuse(user, Denial::Invalid, FieldError::new("decision", "decision", "请选择批准或不批准", "approve or reject")),
        };
        let text: String = jiuzhu_domain::text::clean(note).chars().take(500).collect();
        if !approve && text.chars().count() < 2 {
            return refuse(user, Denial::Invalid, FieldError::new("note", "required", "不批准时请写明理由", "say why when rejecting"));
        }
        user.trail.purpose(&e.purpose);
        match self.exports.decide_export(id, approve, &user.username, &text).await {
            Ok(()) => {
                user.trail.detail(format!("export={id};approve={approve};rows={}", e.rows));
                Ok(())
            }
            Err(StoreError::Conflict { .. } | StoreError::NotFound) => refuse(user, Denial::Conflict, ExportError::AlreadyDecided),
            Err(err) => Err(err.into()),
        }
    }

    /// 下载: the one download of an approved request, by the one who asked, after the password.
    /// The file is built before the request is marked downloaded, so a failure leaves the one
    /// download unused.
    pub async fn download(&self, user: &User, id: i64, password: &str) -> Result<ExportFile> {
        user.trail.action(Action::Download);
        user.trail.fields(&ROSTER_FIELDS);
        if !user.can(Permission::ExportRoster) {
            return refuse(user, Denial::Role, ExportError::Forbidden);
        }
        let e = self.in_scope(user, id).await?;
        // Only the one who asked may download; for anyone else the request does not exist.
        if e.account_id != user.account_id {
            return refuse(user, Denial::Role, ExportError::NotFound);
        }
        user.trail.purpose(&e.purpose);
        match e.state {
            ExportState::Approved => {}
            ExportState::Downloaded => {
                user.trail.detail(format!("export={id};again"));
                return refuse(user, Denial::Conflict, ExportError::AlreadyDownloaded);
            }
            ExportState::Pending | ExportState::Rejected => {
                user.trail.detail(format!("export={id};state={}", e.state.as_str()));
                return refuse(user, Denial::Conflict, ExportError::NotApproved);
            }
        }
        self.accounts.confirm(user, Guarded::Export, password, "password").await?;
        let rows = self.roster(&e.region, e.programme, e.rows).await?;
        let mark = Watermark {
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            at: self.clock.now(),
            export_id: id,
            purpose: e.purpose.clone(),
        };
        let (bytes, mime, extension) = match e.format {
            ExportFormat::Csv => (roster::csv(&rows, &mark), "text/csv; charset=utf-8", "csv"),
            ExportFormat::Xlsx => (roster::xlsx(&rows, &mark), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        };
        let bytes = bytes?;
        match self.exports.mark_export_downloaded(id).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. } | StoreError::NotFound) => {
                user.trail.detail(format!("export={id};again"));
                return refuse(user, Denial::Conflict, ExportError::AlreadyDownloaded);
            }
            Err(err) => return Err(err.into()),
        }
        user.trail.detail(format!("export={id};rows={};format={extension}", rows.len()));
        Ok(ExportFile { id, bytes, mime, extension, rows: rows.len() })
    }

    /// The roster itself, identifiers masked, at most `limit` rows (read in pages).
    async fn roster(&self, within: &RegionCode, programme: Option<AssistanceKind>, limit: i64) -> Result<Vec<RosterRow>> {
        let mut rows: Vec<RosterRow> = Vec::new();
        let mut after = 0;
        while (rows.len() as i64) < limit {
            let page = self.exports.roster(within, programme, after, (limit - rows.len() as i64).min(1000)).await?;
            let Some(last) = page.last() else { break };
            after = last.household_id;
            rows.extend(page);
        }
        Ok(rows)
    }
}
