//! [`Complaints`]: the only door to complaints and reports. A resident files one (no login; the
//! request's own [`Trail`] is audited) and reads it back with the code and PIN (a wrong pair and
//! an unknown code answer alike); the 举报受理 role of the town or county it is routed to takes it
//! up, checks it and answers; hotline work orders are entered or imported; an unanswered town
//! complaint passes up to the county the day after its due day ([`Complaints::escalate_overdue`]).
//! Who reported is shown only to that role, and only when asked for with a purpose (audited).

use super::hotline;
use super::rules::{self, Answer, CheckedReport, Details, ReportInput, Reporter};
use crate::{ResidentsError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_accounts::Accounts;
use jiuzhu_casework::{Casework, CaseworkError};
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::complaint::{ComplaintCategory, ComplaintChannel, ComplaintState, Finding};
use jiuzhu_domain::trail::{Action, Denial, ObjectKind, Trail};
use jiuzhu_domain::{Actor, Clock, FieldError, Permission, User, ValidationErrors, clock::beijing_date};
use jiuzhu_store::{AccountStore, Complaint, ComplaintStep, ComplaintStore, NewComplaint, RegionStore, Store, StoreError};
use std::sync::Arc;

/// How many complaints a queue page lists.
const QUEUE_LIMIT: i64 = 500;

/// What the reporter takes home (the only time the PIN is shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintReceipt {
    pub code: String,
    pub pin: String,
    pub category: ComplaintCategory,
    pub due_on: NaiveDate,
    /// Handled by the county (it concerns staff) rather than the town.
    pub by_county: bool,
}

/// What the reporter reads back: where it stands and the reply, never the internal findings nor
/// who handled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReporterView {
    /// The complaint's id (internal: what a rating of it names).
    pub id: i64,
    pub code: String,
    pub category: ComplaintCategory,
    pub state: ComplaintState,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub escalated_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub answered_on: Option<NaiveDate>,
    pub finding: Option<Finding>,
    pub reply: Option<String>,
}

/// One complaint as the handler reads it. The reporter's identity is not in it: see
/// [`Complaints::reporter`].
#[derive(Debug, Clone)]
pub struct HandlerView {
    pub complaint: Complaint,
    pub details: Details,
    pub answer: Option<Answer>,
    /// Real-name (the identity can be asked for) or anonymous.
    pub real_name: bool,
    pub accept_by: NaiveDate,
    /// Who took it up and who answered it, by the names pages show (not the account codes).
    pub accepted_by: Option<String>,
    pub answered_by: Option<String>,
    /// Working days left to the due day (0 once it has passed).
    pub days_left: u32,
    pub overdue: bool,
}

/// A work order or a letter or visit as the handler typed it on the entry form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// `hotline` or `visit`.
    pub channel: String,
    /// The 12345 工单编号 (required for a hotline order).
    pub external_no: String,
    /// When it came in, Beijing time (`2026-12-07 09:30`, or `2026-12-07T09:30` from a
    /// `datetime-local` box).
    pub received_at: String,
    /// The hotline's own deadline, if it gives one (`2026-12-20`).
    pub due_on: String,
    pub report: ReportInput,
}

/// A complaint entered by a handler: its receipt, and its id when the handler may open it (else
/// the receipt carries no PIN either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entered {
    pub id: Option<i64>,
    pub receipt: ComplaintReceipt,
}

/// The result of importing a hotline file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub added: usize,
    /// Orders whose 工单编号 was imported before (left as they are).
    pub already_there: Vec<String>,
}

#[derive(Clone)]
pub struct Complaints {
    store: Arc<dyn ComplaintStore>,
    accounts: Arc<dyn AccountStore>,
    /// Asks for the password again before a reporter's identity is shown.
    signin: Accounts,
    regions: Arc<dyn RegionStore>,
    casework: Arc<Casework>,
    clock: Arc<dyn Clock>,
}

impl Complaints {
    pub fn new(store: &Arc<dyn Store>, signin: Accounts, casework: Arc<Casework>, clock: Arc<dyn Clock>) -> Complaints {
        Complaints { store: store.clone(), accounts: store.clone(), signin, regions: store.clone(), casework, clock }
    }

    /// A resident files a report (phone or kiosk).
    pub async fn file(&self, trail: &Trail, channel: ComplaintChannel, input: &ReportInput) -> Result<ComplaintReceipt> {
        trail.action(Action::Create);
        let now = self.clock.now();
        let today = beijing_date(now);
        // A resident may report on any town or village jiuzhu knows (checked below).
        let checked = rules::check_report(input, None, today).inspect_err(|_| trail.refuse(Denial::Invalid))?;
        if self.regions.region(&checked.region).await?.is_none() {
            trail.refuse(Denial::Invalid);
            return Err(ValidationErrors::from(FieldError::new(
                "region",
                "report.region",
                "请选择问题发生在哪个乡镇或村（社区）",
                "choose the town or village concerned",
            ))
            .into());
        }
        // The same form sent again (a double tap on a slow phone): the first one, not a second.
        let key = rules::form_key(&input.form_key);
        if let Some(k) = &key
            && let Some((id, code)) = self.store.complaint_by_submission_key(k).await?
        {
            trail.object(ObjectKind::Complaint, id);
            trail.refuse(Denial::Conflict);
            return Err(ResidentsError::AlreadySent { code });
        }
        let (id, receipt) = match self.store_new(checked, channel, None, now, None, key.clone()).await {
            Err(ResidentsError::Store(StoreError::Conflict { constraint })) if constraint == "complaints_submission_key" => {
                let code = match &key {
                    Some(k) => self.store.complaint_by_submission_key(k).await?.map(|(_, c)| c).unwrap_or_default(),
                    None => String::new(),
                };
                trail.refuse(Denial::Conflict);
                return Err(ResidentsError::AlreadySent { code });
            }
            r => r?,
        };
        trail.object(ObjectKind::Complaint, id);
        trail.detail(format!("category={};channel={}", receipt.category.as_str(), channel.as_str()));
        Ok(receipt)
    }

    async fn store_new(
        &self,
        checked: CheckedReport,
        channel: ComplaintChannel,
        external_no: Option<String>,
        received_at: DateTime<Utc>,
        hotline_due: Option<NaiveDate>,
        submission_key: Option<String>,
    ) -> Result<(i64, ComplaintReceipt)> {
        let accounts = self.accounts.list_accounts().await?;
        let mut new = self.prepare(&accounts, &checked, channel, external_no, received_at, hotline_due, submission_key)?;
        for _ in 0..5 {
            match self.store.insert_complaint(&new).await {
                Ok(id) => return Ok((id, receipt_of(&new))),
                // A million codes a day: on the rare repeat, draw again.
                Err(StoreError::Conflict { constraint }) if constraint == "complaints_code" => self.redraw(&mut new),
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict { constraint: "complaints_code".into() }.into())
    }

    /// Redraws the codes that repeat within `batch` (a file of thousands would otherwise repeat
    /// one of a day's million codes about one time in eight).
    fn distinct(&self, batch: &mut [NewComplaint]) {
        let mut seen = std::collections::HashSet::new();
        for n in batch.iter_mut() {
            while !seen.insert(n.code.clone()) {
                self.redraw(n);
            }
        }
    }

    /// A new code and PIN for a complaint whose code was drawn before.
    fn redraw(&self, new: &mut NewComplaint) {
        let mut rng = rand::rng();
        new.code = rules::new_code(beijing_date(self.clock.now()), &mut rng);
        new.pin = rules::new_pin(&mut rng);
    }

    /// The complaint as stored: routed (the rules above, with the accounts as they are now),
    /// its deadline, a code and a PIN.
    #[allow(clippy::too_many_arguments, reason = "one complaint's facts, each from its own source")]
    fn prepare(
        &self,
        accounts: &[jiuzhu_store::Account],
        checked: &CheckedReport,
        channel: ComplaintChannel,
        external_no: Option<String>,
        received_at: DateTime<Utc>,
        hotline_due: Option<NaiveDate>,
        submission_key: Option<String>,
    ) -> Result<NewComplaint> {
        let received = beijing_date(received_at);
        let calendar = self.casework.calendar();
        let due_on = rules::due_on(&calendar, received, hotline_due);
        let named = checked.details.named_staff.clone().unwrap_or_default();
        let handling_region =
            rules::handling_region(&checked.region, checked.category, !named.is_empty()).ok_or(ResidentsError::NotFound)?;
        let excluded = rules::named_accounts(&named, accounts.iter().map(|a| (a.id, a.display_name.as_str())));
        let handlers: Vec<(i64, jiuzhu_domain::RegionCode)> =
            accounts.iter().filter(|a| a.role.has(Permission::HandleComplaints) && !a.disabled).map(|a| (a.id, a.region.clone())).collect();
        let named: Vec<(i64, jiuzhu_domain::RegionCode)> =
            accounts.iter().filter(|a| excluded.contains(&a.id)).map(|a| (a.id, a.region.clone())).collect();
        // Never silently to nobody (a report naming the county's only handler).
        let handling_region = match rules::route(&handling_region, &checked.region, &handlers, &named) {
            Some(r) => r,
            None => {
                tracing::error!(target: "complaints", "no complaint handler can take a complaint about {}: open a 举报受理员 account", checked.region);
                handling_region
            }
        };
        let mut new = NewComplaint {
            code: String::new(),
            pin: String::new(),
            category: checked.category,
            channel,
            external_no,
            region: checked.region.clone(),
            handling_region,
            excluded_accounts: excluded,
            details: json(&checked.details)?,
            reporter: checked.reporter.as_ref().map(json).transpose()?,
            received_at,
            due_on,
            submission_key,
        };
        self.redraw(&mut new);
        Ok(new)
    }

    /// 查询办理结果 with the code and PIN; anything that does not match is `NotFound`.
    pub async fn read_back(&self, trail: &Trail, code: &str, pin: &str) -> Result<ReporterView> {
        trail.action(Action::View);
        let (Some(code), Some(pin)) = (rules::read_code(code), rules::read_pin(pin)) else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::NotFound);
        };
        let Some(c) = self.store.complaint_for(&code, &pin).await? else {
            trail.refuse(Denial::NotFound);
            return Err(ResidentsError::NotFound);
        };
        trail.object(ObjectKind::Complaint, c.id);
        let answer = read_answer(&c)?;
        Ok(ReporterView {
            id: c.id,
            code: c.code,
            category: c.category,
            state: c.state,
            received_on: beijing_date(c.received_at),
            accepted_on: c.accepted_at.map(beijing_date),
            escalated_on: c.escalated_at.map(beijing_date),
            due_on: c.due_on,
            answered_on: c.answered_at.map(beijing_date),
            finding: c.finding,
            reply: answer.map(|a| a.reply),
        })
    }

    fn require_handler(user: &User) -> Result<()> {
        if !user.can(Permission::HandleComplaints) {
            user.trail.refuse(Denial::Role);
            return Err(ResidentsError::Forbidden);
        }
        Ok(())
    }

    /// Whether `user` may see `c`: routed inside the user's scope and not naming the user.
    fn visible(user: &User, c: &Complaint) -> bool {
        user.scope.contains(&c.handling_region) && !c.excluded_accounts.contains(&user.account_id)
    }

    /// The complaints in the user's scope: the open ones soonest due first, or the answered ones
    /// latest first.
    pub async fn queue(&self, user: &User, answered: bool) -> Result<Vec<HandlerView>> {
        user.trail.action(Action::Search);
        Self::require_handler(user)?;
        let list = if answered {
            self.store.answered_complaints(&user.scope.0, QUEUE_LIMIT).await?
        } else {
            self.store.complaints(&user.scope.0, &[ComplaintState::Received, ComplaintState::Handling], QUEUE_LIMIT).await?
        };
        let mut views = Vec::new();
        for c in list.into_iter().filter(|c| Self::visible(user, c)) {
            views.push(self.view(c).await?);
        }
        user.trail.detail(format!("rows={}", views.len()));
        Ok(views)
    }

    /// The name pages show for an account code (the code itself when the account is gone).
    async fn display_name(&self, username: Option<&str>) -> Result<Option<String>> {
        let Some(u) = username else { return Ok(None) };
        Ok(Some(self.accounts.account_by_username(u).await?.map_or_else(|| u.to_string(), |a| a.display_name)))
    }

    async fn view(&self, c: Complaint) -> Result<HandlerView> {
        let accepted_by = self.display_name(c.accepted_by.as_deref()).await?;
        let answered_by = self.display_name(c.answered_by.as_deref()).await?;
        let details: Details = serde_json::from_str(&c.details).map_err(|e| corrupt("complaints.details", e))?;
        let answer = read_answer(&c)?;
        let calendar = self.casework.calendar();
        let today = beijing_date(self.clock.now());
        let accept_by = rules::accept_by(&calendar, beijing_date(c.received_at));
        let open = c.state != ComplaintState::Answered;
        let overdue = open && c.due_on < today;
        let days_left = if open && !overdue { rules::working_days_left(&calendar, today, c.due_on) } else { 0 };
        Ok(HandlerView {
            real_name: c.reporter.is_some(),
            complaint: c,
            details,
            answer,
            accept_by,
            accepted_by,
            answered_by,
            days_left,
            overdue,
        })
    }

    async fn visible_one(&self, user: &User, id: i64) -> Result<Complaint> {
        let c = self.store.complaint(id).await.inspect_err(|_| user.trail.refuse(Denial::NotFound))?;
        user.trail.object(ObjectKind::Complaint, id);
        if !Self::visible(user, &c) {
            user.trail.refuse(Denial::OutOfScope);
            return Err(ResidentsError::NotFound);
        }
        Ok(c)
    }

    /// One complaint in full (without who reported).
    pub async fn complaint(&self, user: &User, id: i64) -> Result<HandlerView> {
        user.trail.action(Action::View);
        Self::require_handler(user)?;
        let c = self.visible_one(user, id).await?;
        user.trail.fields(&["complaint_content", "named_staff"]);
        self.view(c).await
    }

    /// 查看举报人身份: who reported, asked for with a purpose and the password typed again (as a
    /// household's full identifiers are); each look is an audit entry of its own.
    pub async fn reporter(&self, user: &User, id: i64, purpose: &str, password: &str) -> Result<Option<Reporter>> {
        user.trail.action(Action::Reveal);
        Self::require_handler(user)?;
        let c = self.visible_one(user, id).await?;
        let purpose = purpose.trim();
        if purpose.chars().count() < 4 {
            user.trail.refuse(Denial::Invalid);
            return Err(ValidationErrors::from(FieldError::new(
                "purpose",
                "report.purpose",
                "请写明查看举报人身份的事由（至少 4 个字），如“电话核实反映内容”",
                "give the purpose (at least 4 characters), e.g. 'call back to check the report'",
            ))
            .into());
        }
        user.trail.purpose(purpose);
        self.signin.confirm(user, Guarded::Reveal, password, "password").await.map_err(CaseworkError::from)?;
        user.trail.fields(&["reporter_name", "reporter_phone", "reporter_id_number"]);
        c.reporter.as_deref().map(|r| serde_json::from_str(r).map_err(|e| corrupt("complaints.reporter", e))).transpose()
    }

    /// 受理: the handler signs for a complaint waiting in their queue.
    pub async fn accept(&self, user: &User, id: i64, version: i64) -> Result<()> {
        user.trail.action(Action::Decide);
        Self::require_handler(user)?;
        let c = self.visible_one(user, id).await?;
        user.trail.detail("step=accept");
        if c.state != ComplaintState::Received {
            user.trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        self.advance(user, id, version, &ComplaintStep::Accept).await
    }

    /// 办结: the findings (kept inside) and the reply the reporter reads.
    pub async fn answer(&self, user: &User, id: i64, version: i64, finding: Option<Finding>, findings: &str, reply: &str) -> Result<()> {
        user.trail.action(Action::Decide);
        Self::require_handler(user)?;
        let c = self.visible_one(user, id).await?;
        user.trail.detail("step=answer");
        let mut e = ValidationErrors::default();
        if finding.is_none() {
            e.push(FieldError::new("finding", "report.finding", "请选择核查结论", "choose the conclusion of the check"));
        }
        let answer = match rules::check_answer(findings, reply) {
            Ok(a) => Some(a),
            Err(v) => {
                e.0.extend(v.0);
                None
            }
        };
        if let Err(v) = e.into_result() {
            user.trail.refuse(Denial::Invalid);
            return Err(v.into());
        }
        if c.state != ComplaintState::Handling {
            user.trail.refuse(Denial::Conflict);
            return Err(ResidentsError::Conflict);
        }
        #[allow(clippy::unwrap_used, reason = "both checked above")]
        let step = ComplaintStep::Answer { finding: finding.unwrap(), answer: json(&answer.unwrap())? };
        self.advance(user, id, version, &step).await
    }

    async fn advance(&self, user: &User, id: i64, version: i64, step: &ComplaintStep) -> Result<()> {
        self.store
            .advance_complaint(id, version, step, &user.actor(), self.clock.now())
            .await
            .inspect_err(|_| user.trail.refuse(Denial::Conflict))?;
        Ok(())
    }

    /// A 12345 work order or a letter or visit, entered by the handler from the form. Every
    /// mistake is named at once.
    /// What it returns for a complaint routed where the user cannot see it (a town entering a
    /// report about its own staff: the county handles it) has no id and no PIN — the PIN would
    /// read the county's answer.
    pub async fn enter(&self, user: &User, entry: &Entry) -> Result<Entered> {
        user.trail.action(Action::Create);
        Self::require_handler(user)?;
        let now = self.clock.now();
        let mut e = ValidationErrors::default();
        let channel = ComplaintChannel::parse(&entry.channel).filter(|c| matches!(c, ComplaintChannel::Hotline | ComplaintChannel::Visit));
        if channel.is_none() {
            e.push(FieldError::new(
                "channel",
                "report.channel",
                "请选择来源：12345 热线工单或来信来访",
                "choose the source: hotline or letter/visit",
            ));
        }
        let external_no = entry.external_no.trim();
        if channel == Some(ComplaintChannel::Hotline) && external_no.is_empty() {
            e.push(FieldError::new("external_no", "report.external_no", "请填写 12345 工单编号", "enter the 12345 work order number"));
        }
        let received_at = hotline::read_time(&entry.received_at.replace('T', " "));
        match received_at {
            None => {
                e.push(FieldError::new("received_at", "report.received_at", "请填写收到的日期和时间", "enter the date and time received"))
            }
            Some(t) if t > now => e.push(FieldError::new(
                "received_at",
                "report.received_at",
                "收到时间不能晚于现在",
                "the time received cannot be later than now",
            )),
            Some(_) => {}
        }
        // Only a hotline order carries the hotline's own deadline; a visit's is the county's.
        let due = entry.due_on.trim();
        let hotline = channel == Some(ComplaintChannel::Hotline);
        let hotline_due = if hotline { hotline::read_day(due) } else { None };
        if hotline && !due.is_empty() {
            match (hotline_due, received_at) {
                (None, _) => e.push(FieldError::new(
                    "due_on",
                    "report.due_on",
                    "办结时限应是一个日期，如 2026-12-20",
                    "the deadline must be a date like 2026-12-20",
                )),
                (Some(d), Some(r)) if !hotline::due_fits(beijing_date(r), d) => e.push(FieldError::new(
                    "due_on",
                    "report.due_on_range",
                    "热线的办结时限应在收到之日到其后 60 天之间",
                    "the hotline's deadline must lie between the day received and 60 days after",
                )),
                _ => {}
            }
        }
        let checked = match rules::check_report(&entry.report, Some(&user.scope.0), beijing_date(now)) {
            Ok(c) => Some(c),
            Err(v) => {
                e.0.extend(v.0);
                None
            }
        };
        if let Some(c) = &checked
            && self.regions.region(&c.region).await?.is_none()
        {
            e.push(unknown_region("region"));
        }
        let (Some(channel), Some(received_at), Some(checked), true) = (channel, received_at, checked, e.is_empty()) else {
            user.trail.refuse(Denial::Invalid);
            return Err(e.into());
        };
        let no = (!external_no.is_empty()).then(|| external_no.to_string());
        let (id, receipt) = self.store_new(checked, channel, no, received_at, hotline_due, None).await.map_err(|e| match e {
            ResidentsError::Store(StoreError::Conflict { constraint }) if constraint == "complaints_external_no" => {
                user.trail.refuse(Denial::Conflict);
                ValidationErrors::from(FieldError::new(
                    "external_no",
                    "report.external_no_taken",
                    "这个工单编号已经登记过，请在列表中查找",
                    "this work order number was entered before: find it in the list",
                ))
                .into()
            }
            e => e,
        })?;
        user.trail.object(ObjectKind::Complaint, id);
        user.trail.detail(format!("channel={}", channel.as_str()));
        if Self::visible(user, &self.store.complaint(id).await?) {
            Ok(Entered { id: Some(id), receipt })
        } else {
            Ok(Entered { id: None, receipt: ComplaintReceipt { pin: String::new(), ..receipt } })
        }
    }

    /// Whether `user` may enter or import complaints (the entry page asks before it shows).
    pub fn may_enter(&self, user: &User) -> Result<()> {
        user.trail.action(Action::Create);
        Self::require_handler(user)
    }

    /// 导入热线工单: a hotline platform's export; every order must lie in the user's scope; one bad
    /// row refuses the file; orders imported before are left as they are and named.
    pub async fn import_hotline(&self, user: &User, bytes: &[u8]) -> Result<ImportReport> {
        user.trail.action(Action::Create);
        Self::require_handler(user)?;
        let orders = hotline::read_orders(bytes, &user.scope.0, beijing_date(self.clock.now()))
            .inspect_err(|_| user.trail.refuse(Denial::Invalid))?;
        let mut unknown = ValidationErrors::default();
        for o in &orders {
            if self.regions.region(&o.report.region).await?.is_none() {
                let mut f = unknown_region(&format!("rows[{}].所涉区划代码", o.row));
                f.zh = format!("第 {} 行“所涉区划代码”：{}", o.row, f.zh);
                f.en = format!("row {}: {}", o.row, f.en);
                unknown.push(f);
            }
        }
        if let Err(v) = unknown.into_result() {
            user.trail.refuse(Denial::Invalid);
            return Err(v.into());
        }
        let mut report = ImportReport::default();
        let accounts = self.accounts.list_accounts().await?;
        let mut batch = Vec::new();
        for o in orders {
            if self.store.complaint_by_external_no(&o.external_no).await?.is_some() {
                report.already_there.push(o.external_no);
                continue;
            }
            batch.push(self.prepare(
                &accounts,
                &o.report,
                ComplaintChannel::Hotline,
                Some(o.external_no),
                o.received_at,
                o.due_on,
                None,
            )?);
        }
        // The whole file or nothing: one transaction. Codes are drawn distinct within the file; one
        // already given out today redraws them all.
        self.distinct(&mut batch);
        for attempt in 0..5 {
            match self.store.insert_complaints(&batch).await {
                Ok(ids) => {
                    report.added = ids.len();
                    break;
                }
                Err(StoreError::Conflict { constraint }) if constraint == "complaints_code" && attempt < 4 => {
                    batch.iter_mut().for_each(|n| self.redraw(n));
                    self.distinct(&mut batch);
                }
                Err(e) => {
                    user.trail.refuse(Denial::Conflict);
                    return Err(e.into());
                }
            }
        }
        user.trail.detail(format!("channel=hotline;added={};already={}", report.added, report.already_there.len()));
        Ok(report)
    }

    /// 逾期上提: every town complaint unanswered after its due day moves to its county with a new
    /// due day. Run by the server's tick; returns how many moved.
    pub async fn escalate_overdue(&self) -> Result<usize> {
        let now = self.clock.now();
        let today = beijing_date(now);
        let calendar = self.casework.calendar();
        let mut moved = 0;
        for c in self.store.complaints_overdue(today, 10_000).await? {
            if let Some((to, due_on)) = rules::escalation(c.state, &c.handling_region, c.due_on, today, &calendar) {
                let step = ComplaintStep::Escalate { handling_region: to, due_on };
                match self.store.advance_complaint(c.id, c.version, &step, &Actor::system("complaints-escalation"), now).await {
                    Ok(()) => moved += 1,
                    // Handled meanwhile: the next tick looks again.
                    Err(StoreError::VersionMismatch { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(moved)
    }
}

fn unknown_region(field: &str) -> FieldError {
    FieldError::new(
        field,
        "report.region_unknown",
        "本系统的区划中没有这个乡镇或村（社区）",
        "no such town or village in this system's divisions",
    )
}

fn receipt_of(new: &NewComplaint) -> ComplaintReceipt {
    ComplaintReceipt {
        code: new.code.clone(),
        pin: new.pin.clone(),
        category: new.category,
        due_on: new.due_on,
        by_county: new.handling_region.level() == jiuzhu_domain::RegionLevel::County,
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(Box::new(e)).into())
}

fn corrupt(what: &str, e: serde_json::Error) -> ResidentsError {
    StoreError::Corrupt { what: what.into(), source: Some(Box::new(e)) }.into()
}

fn read_answer(c: &Complaint) -> Result<Option<Answer>> {
    c.answer.as_deref().map(|a| serde_json::from_str(a).map_err(|e| corrupt("complaints.answer", e))).transpose()
}
