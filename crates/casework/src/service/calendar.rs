//! 节假日安排导入: a holiday year imported — the first time, or again with a corrected file — and
//! every deadline that depends on it computed or counted again, in the same store transaction
//! as the year's file, so that the stored deadlines always agree with the stored calendar.
//!
//! A stored deadline is `n` working days after a known day (the step's start, 受理, the end of
//! the notice, the feedback slip, the decision). Counted again, `n` comes from the deadline
//! itself on the calendar it was computed with, so the rule's days as they were that day hold;
//! a step's deadline capped by the whole case's follows it. A deadline that cannot have been
//! counted from its day on that calendar (not a working day there) was not computed from the
//! calendar and is left as it is.

use super::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Which of a case's deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 当前环节办理期限
    Step,
    /// 总办理期限
    Overall,
    /// 告知书异议期
    Objection,
    /// 不予批准书面告知
    Notice,
    /// 先行救助补办手续
    Paperwork,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 5] =
        [DeadlineKind::Step, DeadlineKind::Overall, DeadlineKind::Objection, DeadlineKind::Notice, DeadlineKind::Paperwork];

    /// This deadline of a case.
    pub fn of(self, c: &NewCase) -> Option<NaiveDate> {
        match self {
            DeadlineKind::Step => c.step_due,
            DeadlineKind::Overall => c.overall_due,
            DeadlineKind::Objection => c.details.feedback.as_ref().and_then(|f| f.objection_due),
            DeadlineKind::Notice => c.details.decision.as_ref().and_then(|d| d.notice_due),
            DeadlineKind::Paperwork => c.details.emergency.as_ref().and_then(|e| e.paperwork_due),
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            DeadlineKind::Step => "办理期限",
            DeadlineKind::Overall => "总期限",
            DeadlineKind::Objection => "异议期限",
            DeadlineKind::Notice => "书面告知期限",
            DeadlineKind::Paperwork => "补办手续期限",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            DeadlineKind::Step => "step",
            DeadlineKind::Overall => "overall",
            DeadlineKind::Objection => "objection",
            DeadlineKind::Notice => "written notice",
            DeadlineKind::Paperwork => "paperwork",
        }
    }
}

/// One deadline an import changed: `old` `None` when it was pending (first computed), `new`
/// `None` when it now lies beyond the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeadlineMove {
    pub kind: DeadlineKind,
    pub old: Option<NaiveDate>,
    pub new: Option<NaiveDate>,
}

/// A case whose deadlines an import changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseDeadlines {
    pub case_id: i64,
    pub household_id: i64,
    pub moves: Vec<DeadlineMove>,
}

impl CaseDeadlines {
    /// A deadline that was known moved (not only computed for the first time).
    pub fn moved(&self) -> bool {
        self.moves.iter().any(|m| m.old.is_some())
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarImportReport {
    pub year: i32,
    /// The history entry (`None` when nothing was stored: the same file again).
    pub import_id: Option<i64>,
    pub sha256: String,
    /// The same file as the year's current one: nothing was stored or changed.
    pub unchanged: bool,
    /// Every case whose deadlines were computed or moved, in id order.
    pub cases: Vec<CaseDeadlines>,
}

impl CalendarImportReport {
    /// Cases with a deadline that was known and moved.
    pub fn moved(&self) -> usize {
        self.cases.iter().filter(|c| c.moved()).count()
    }
    /// Cases whose deadlines were only computed for the first time.
    pub fn computed(&self) -> usize {
        self.cases.len() - self.moved()
    }
}

/// The lowercase hex SHA-256 of a file's text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Tries to store an import this many times when a case is stepped meanwhile.
const IMPORT_TRIES: usize = 3;
/// Cases read per query while collecting those an import may move.
const PAGE: i64 = 1_000;

impl Casework {
    /// Imports a year's official holidays (system administrators; `None`: the command line),
    /// the next one or a correction of one imported before: every deadline that depends on it is
    /// computed or counted again, in one transaction with the file and its history entry. A
    /// year built into the program, a file with an unknown key, a gap: refused. The same file
    /// again changes nothing.
    pub async fn import_calendar_year(&self, user: Option<&User>, year: i32, text: &str, source: &str) -> Result<CalendarImportReport> {
        if let Some(u) = user {
            u.trail.action(jiuzhu_domain::Action::Update);
            u.trail.detail(format!("calendar_year={year}"));
            if !u.can(Permission::ManageCalendar) {
                u.trail.refuse(Denial::Role);
                return Err(CaseworkError::Forbidden);
            }
        }
        let sha256 = sha256_hex(text);
        let actor = user.map(User::actor).unwrap_or_else(|| Actor::system("calendar-import"));
        let import = NewCalendarImport { year, content: text.to_string(), source: source.to_string(), sha256: sha256.clone(), actor };
        let mut tries = 0;
        loop {
            tries += 1;
            // The stored years, not this process's copy: a server may not have reloaded yet.
            let years = self.holidays.calendar_years().await?;
            let old = Calendar::with_years(&years)?;
            let new = Calendar::with_import(&years, year, text).inspect_err(|_| {
                if let Some(u) = user {
                    u.trail.refuse(Denial::Invalid);
                }
            })?;
            if years.iter().any(|(y, t)| *y == year && sha256_hex(t) == sha256) {
                *self.calendar.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(old);
                return Ok(CalendarImportReport { year, import_id: None, sha256, unchanged: true, cases: Vec::new() });
            }
            let (changes, cases) = self.recount_all(&old, &new, year, user).await?;
            match self.holidays.import_calendar_year(&import, &changes).await {
                Ok(id) => {
                    *self.calendar.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(new);
                    if let Some(u) = user {
                        u.trail.detail(format!("calendar_import={id}"));
                        u.trail.detail(format!("cases={}", cases.len()));
                        for c in &cases {
                            u.trail.household(c.household_id);
                        }
                    }
                    return Ok(CalendarImportReport { year, import_id: Some(id), sha256, unchanged: false, cases });
                }
                // A case stepped between reading and storing: read everything again.
                Err(StoreError::VersionMismatch { .. }) if tries < IMPORT_TRIES => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The history of imports, newest first (system administrators).
    pub async fn calendar_imports(&self, user: &User, limit: i64) -> Result<Vec<CalendarImport>> {
        Self::require(user, user.can(Permission::ManageCalendar))?;
        Ok(self.holidays.calendar_imports(limit).await?)
    }

    /// Every case whose deadlines change from `old` to `new`: those with a deadline in `year`
    /// or later, and those waiting for the calendar. Returns the cases to store (at the version
    /// read) with their timeline entries, and what moved.
    async fn recount_all(
        &self,
        old: &Calendar,
        new: &Calendar,
        year: i32,
        user: Option<&User>,
    ) -> Result<(Vec<(Case, NewCaseEvent)>, Vec<CaseDeadlines>)> {
        let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| FieldError::new("year", "calendar.year", "年份无效", "not a year"))?;
        let mut ids = self.cases.cases_without_deadline(100_000).await?;
        let mut after = 0;
        loop {
            let page = self.cases.cases_with_deadlines_from(from, after, PAGE).await?;
            let Some(&last) = page.last() else { break };
            ids.extend(page);
            after = last;
        }
        ids.sort_unstable();
        ids.dedup();
        let today = self.clock.today();
        let (actor, role) = match user {
            Some(u) => (Self::actor(u), Some(u.role)),
            None => (Actor::system("calendar-import"), None),
        };
        let (mut changes, mut moved) = (Vec::new(), Vec::new());
        for id in ids {
            let Some(mut c) = self.cases.case(id).await? else { continue };
            let rules = self.rules(c.data.region.as_str(), today)?;
            let moves = recount_deadlines(&mut c.data, old, new, &rules);
            if moves.is_empty() {
                continue;
            }
            let said: Vec<String> = moves.iter().map(|m| format!("{} {} → {}", m.kind.zh(), day(m.old), day(m.new))).collect();
            let event = NewCaseEvent {
                actor: actor.clone(),
                role,
                action: "deadlines".into(),
                from_state: Some(c.data.state),
                to_state: c.data.state,
                note: format!("{year} 年节假日安排导入，期限按工作日重新计算：{}", said.join("；")),
            };
            moved.push(CaseDeadlines { case_id: c.id, household_id: c.data.household_id, moves });
            changes.push((c, event));
        }
        Ok((changes, moved))
    }
}

/// A deadline as the timeline says it.
fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "待定".into())
}

/// `due` counted again: it was `n` working days after `from` on `old`, it is `n` working days
/// after `from` on `new` (`Some(None)`: beyond `new`, pending). `None` when `due` cannot have
/// been counted from `from` on `old` — not a working day there, or not after `from`.
fn recount(old: &Calendar, new: &Calendar, from: NaiveDate, due: NaiveDate) -> Option<Option<NaiveDate>> {
    if due <= from {
        return None;
    }
    let n = old.working_days_between(from, due).ok()?;
    if n == 0 || old.add_working_days(from, n).ok()? != due {
        return None;
    }
    Some(new.add_working_days(from, n).ok())
}

/// `slot` counted again from `from` when it was counted from it; left as it is otherwise.
fn recount_slot(slot: &mut Option<NaiveDate>, old: &Calendar, new: &Calendar, from: Option<NaiveDate>) {
    if let (Some(due), Some(from)) = (*slot, from)
        && let Some(again) = recount(old, new, from, due)
    {
        *slot = again;
    }
}

/// The day before (`working_day_on_or_after(d)` is one working day after it).
fn before(d: NaiveDate) -> Option<NaiveDate> {
    d.pred_opt()
}

/// Counts a case's deadlines computed on `old` again on `new`, then computes those still
/// pending (as the tick does). Returns what changed.
pub fn recount_deadlines(case: &mut NewCase, old: &Calendar, new: &Calendar, rules: &Rules) -> Vec<DeadlineMove> {
    let before_all = case.clone();
    // The whole case's deadline, from its own day: a review's date or 受理; 特困's county days
    // start afresh at the end of the notice (the county step's start).
    if case.state.is_open() {
        let from = match (&case.details.review, case.purpose) {
            (Some(review), Purpose::Review) => match review.due {
                ReviewDue::On(on) => before(on),
                ReviewDue::WorkingDays(_) => Some(case.opened_on),
                ReviewDue::Unset => None,
            },
            _ if case.kind == AssistanceKind::Tekun && case.state == CaseState::CountyReview && case.details.publicity.is_some() => {
                Some(case.step_started_on)
            }
            _ => Some(case.accepted_on.unwrap_or(case.opened_on)),
        };
        recount_slot(&mut case.overall_due, old, new, from);
    }
    let decided_on = case.details.decision.as_ref().map(|d| d.on);
    if let Some(f) = case.details.feedback.as_mut() {
        recount_slot(&mut f.objection_due, old, new, Some(f.issued_on));
    }
    if let Some(d) = case.details.decision.as_mut() {
        recount_slot(&mut d.notice_due, old, new, Some(d.on));
    }
    if let Some(e) = case.details.emergency.as_mut().filter(|e| e.paperwork_done_on.is_none()) {
        recount_slot(&mut e.paperwork_due, old, new, decided_on);
    }
    recount_step(case, &before_all, old, new, rules);
    // Deadlines still pending (or pending now) are computed as the tick computes them; a
    // decided case is not (the tick's step rule would give it a step deadline).
    if case.state.is_open() {
        workflow::fill_deadlines(case, new, rules);
    }
    DeadlineKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let (was, is) = (kind.of(&before_all), kind.of(case));
            (was != is).then_some(DeadlineMove { kind, old: was, new: is })
        })
        .collect()
}

/// The current step's deadline: the record's it is, one working day after the notice, or the
/// rule's days from the step's start capped by the whole case's (`was`: the case as it was).
fn recount_step(case: &mut NewCase, was: &NewCase, old: &Calendar, new: &Calendar, rules: &Rules) {
    let Some(due) = case.step_due else { return };
    let emergency_intake = case.track == Track::Emergency && case.state == CaseState::Accepted;
    case.step_due = match (case.state, &case.details.publicity) {
        (CaseState::Publicity, Some(p)) => recount(old, new, p.ends_on, due).unwrap_or(Some(due)),
        (CaseState::CheckFailed, _) if was.details.feedback.as_ref().and_then(|f| f.objection_due) == Some(due) => {
            case.details.feedback.as_ref().and_then(|f| f.objection_due)
        }
        (CaseState::Approved, _) if was.details.emergency.as_ref().and_then(|e| e.paperwork_due) == Some(due) => {
            case.details.emergency.as_ref().and_then(|e| e.paperwork_due)
        }
        (CaseState::Accepted, _) if case.purpose == Purpose::Review && was.overall_due == Some(due) => case.overall_due,
        // 先行救助: due on the day of intake, or the next working day.
        _ if emergency_intake => before(case.step_started_on).and_then(|from| recount(old, new, from, due)).unwrap_or(Some(due)),
        _ => {
            // The rule's days as the tick would count them, when that is how it was counted
            // (a step capped by the whole case's deadline included) …
            let mut as_was = was.clone();
            as_was.step_due = None;
            workflow::fill_deadlines(&mut as_was, old, rules);
            if as_was.step_due == Some(due) {
                let mut as_is = case.clone();
                as_is.step_due = None;
                workflow::fill_deadlines(&mut as_is, new, rules);
                as_is.step_due
            } else {
                // … else the same working days from the step's start, still capped.
                match recount(old, new, case.step_started_on, due) {
                    Some(again) => earliest(again, case.overall_due),
                    None => Some(due),
                }
            }
        }
    };
}

/// The earlier of two deadlines, either of which may be unknown.
fn earliest(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRONG: &str = r#"{"holidays":{"2027-01-01":"x,元旦,1","2027-01-11":"x,元旦,1","2027-01-12":"x,元旦,1","2027-01-13":"x,元旦,1","2027-01-14":"x,元旦,1","2027-01-15":"x,元旦,1"},"workdays":{}}"#;
    const CORRECTED: &str = r#"{"holidays":{"2027-01-01":"x,元旦,1"},"workdays":{}}"#;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn calendars() -> (Calendar, Calendar) {
        (Calendar::with_years(&[(2027, WRONG.into())]).unwrap(), Calendar::with_years(&[(2027, CORRECTED.into())]).unwrap())
    }

    fn rules() -> Rules {
        Rules::resolve(Policies::builtin(), "620825100201", d("2026-12-01")).unwrap()
    }

    /// A 低保 case accepted on 4 December 2026, at `state` since `since`, no deadline yet.
    fn case(state: CaseState, since: &str) -> NewCase {
        NewCase {
            household_id: 1,
            region: jiuzhu_domain::RegionCode::parse("620825100201").unwrap(),
            kind: AssistanceKind::Dibao,
            purpose: Purpose::Application,
            track: Track::Normal,
            state,
            applicant: "王建国".into(),
            opened_on: d("2026-12-04"),
            accepted_on: Some(d("2026-12-04")),
            step_started_on: d(since),
            step_due: None,
            overall_due: None,
            due_role: Some(Role::Investigator),
            department: None,
            contested: false,
            near_relative: false,
            extended: false,
            spot_check_required: false,
            benefit_id: None,
            details: CaseDetails::default(),
        }
    }

    /// The case with its deadlines as the tick computes them on `cal`.
    fn filled(mut c: NewCase, cal: &Calendar) -> NewCase {
        workflow::fill_deadlines(&mut c, cal, &rules());
        c
    }

    /// Deadlines counted on the wrong file and counted again on the corrected one are what the
    /// corrected file gives from the start: a step capped by the whole case's deadline, the 公示
    /// period's next working day, a feedback slip's objection window, a rejection's notice.
    #[test]
    fn counted_again_they_are_what_the_corrected_file_gives() {
        let (old, new) = calendars();
        let mut publicity = case(CaseState::Publicity, "2027-01-01");
        publicity.details.publicity = Some(PublicityRecord { starts_on: d("2027-01-02"), ends_on: d("2027-01-08") });
        let mut feedback = case(CaseState::CheckFailed, "2027-01-07");
        feedback.details.feedback = Some(Feedback { issued_on: d("2027-01-07"), reasons: vec![], objection_due: None });
        for c in [case(CaseState::Survey, "2027-01-05"), case(CaseState::TownReview, "2027-01-08"), publicity, feedback] {
            let mut counted = filled(c.clone(), &old);
            let clean = filled(c.clone(), &new);
            assert_ne!((counted.step_due, counted.overall_due), (clean.step_due, clean.overall_due), "{:?}: the files differ", c.state);
            let moves = recount_deadlines(&mut counted, &old, &new, &rules());
            assert_eq!(counted, clean, "{:?}", c.state);
            assert!(moves.iter().all(|m| m.old.is_some() && m.new.is_some()), "{moves:?}");
        }
        // The publicity's next working day: Friday 8 January + 1 = 18 January on the wrong file.
        let mut p = case(CaseState::Publicity, "2027-01-01");
        p.details.publicity = Some(PublicityRecord { starts_on: d("2027-01-02"), ends_on: d("2027-01-08") });
        let mut p = filled(p, &old);
        assert_eq!(p.step_due, Some(d("2027-01-18")));
        let moves = recount_deadlines(&mut p, &old, &new, &rules());
        assert!(moves.contains(&DeadlineMove { kind: DeadlineKind::Step, old: Some(d("2027-01-18")), new: Some(d("2027-01-11")) }));

        // A rejection: its written notice moves; a decided case gets no step deadline.
        let mut rejected = case(CaseState::Rejected, "2026-12-20");
        rejected.details.decision = Some(Decision {
            on: d("2027-01-08"),
            by_id: 6,
            by: "审批员".into(),
            approved: false,
            monthly_amount: 0,
            one_off_amount: 0,
            effective_month: None,
            reasons: vec!["x".into()],
            notice_due: old.add_working_days(d("2027-01-08"), rules().rejection_notice_days).ok(),
        });
        let moves = recount_deadlines(&mut rejected, &old, &new, &rules());
        let notice = rejected.details.decision.as_ref().and_then(|x| x.notice_due);
        assert_eq!(notice, new.add_working_days(d("2027-01-08"), rules().rejection_notice_days).ok());
        assert_eq!((moves.len(), moves[0].kind, rejected.step_due, rejected.overall_due), (1, DeadlineKind::Notice, None, None));
    }

    /// The working days a deadline was counted with come from the deadline: a parameter changed
    /// since does not change an old step's days. A deadline that is no working day on the file it
    /// was counted with was not counted from it (set by hand) and stays.
    #[test]
    fn the_days_come_from_the_deadline_and_hand_set_ones_stay() {
        let (old, new) = calendars();
        let days = rules().survey_days + 2;
        let mut c = case(CaseState::Survey, "2027-01-05");
        c.step_due = old.add_working_days(d("2027-01-05"), days).ok();
        let mut counted = c.clone();
        recount_deadlines(&mut counted, &old, &new, &rules());
        assert_eq!(counted.step_due, new.add_working_days(d("2027-01-05"), days).ok(), "{days} working days, not the rule's today");

        let mut by_hand = case(CaseState::Survey, "2027-01-05");
        by_hand.step_due = Some(d("2027-01-13"));
        recount_deadlines(&mut by_hand, &old, &new, &rules());
        assert_eq!(by_hand.step_due, Some(d("2027-01-13")), "a holiday on the old file: not computed from it");
        assert_eq!(by_hand.overall_due, filled(case(CaseState::Survey, "2027-01-05"), &new).overall_due, "the pending one is computed");

        // 先行救助 at intake: due on the day or the next working day.
        let mut emergency = case(CaseState::Accepted, "2027-01-11");
        emergency.track = Track::Emergency;
        emergency.opened_on = d("2027-01-11");
        emergency.step_due = Some(d("2027-01-18"));
        let moves = recount_deadlines(&mut emergency, &old, &new, &rules());
        assert_eq!(emergency.step_due, Some(d("2027-01-11")), "{moves:?}");

        // Nothing that depends on the year: nothing moves.
        let mut early = case(CaseState::Survey, "2026-11-02");
        (early.opened_on, early.accepted_on) = (d("2026-11-02"), Some(d("2026-11-02")));
        let mut early = filled(early, &old);
        assert!(early.overall_due.is_some_and(|o| o.year() == 2026), "{:?}", early.overall_due);
        let was = early.clone();
        assert!(recount_deadlines(&mut early, &old, &new, &rules()).is_empty());
        assert_eq!(early, was);
    }
}
