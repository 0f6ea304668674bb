//! 提标补差: a county applies a rise of a programme's standard to its benefits from a month —
//! often decided months after the month it takes effect. Each benefit rises by the rise per
//! person × its members from that month (`payment::amounts::raise`); the months already sent to
//! the bank get the difference in the next payroll as one adjustment line per household (补差),
//! the months not yet paid are paid at the new amount. The county approver sees what it would do
//! first, then applies it with the password again.

use super::*;
use chrono::{Datelike, Months, NaiveDate};
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::Programme;
use jiuzhu_domain::{Action, Fen};

/// The largest rise per person and month taken without question (a typo's guard: national
/// standards rise by tens of yuan a year).
const MAX_PER_PERSON: Fen = Fen(100_000);

/// A rise as the county approver types it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RiseRequest {
    pub programme: Option<Programme>,
    pub from_month: Option<NaiveDate>,
    pub per_person: Fen,
    /// 文号 of the notice raising the standard.
    pub notice: String,
}

impl Payments {
    /// The rises applied in the user's scope, newest first.
    pub async fn rises(&self, user: &User) -> Result<Vec<Rise>> {
        self.require(user, Permission::ApprovePayroll)?;
        user.trail.action(Action::View);
        Ok(self.store.rises(&user.scope.0).await?)
    }

    /// What the rise would do (benefits, members, the monthly increase); nothing is written.
    pub async fn preview_rise(&self, user: &User, req: &RiseRequest) -> Result<Rise> {
        self.require(user, Permission::ApprovePayroll)?;
        user.trail.action(Action::View);
        let rise = self.new_rise(user, req)?;
        self.store.raise_benefits(&rise, false).await.map_err(notice_seen)
    }

    /// Applies the rise to every benefit of the programme in the user's county (the password
    /// again), in one transaction.
    pub async fn apply_rise(&self, user: &User, password: &str, req: &RiseRequest) -> Result<Rise> {
        self.require(user, Permission::ApprovePayroll)?;
        user.trail.action(Action::Decide);
        self.accounts.confirm(user, Guarded::Payroll, password, "password").await?;
        let rise = self.new_rise(user, req)?;
        let done = self.store.raise_benefits(&rise, true).await.map_err(notice_seen)?;
        user.trail.detail(format!(
            "rise={} kind={} from={} per_person={} benefits={} monthly_increase={}",
            done.id,
            done.kind.as_str(),
            done.from_month,
            done.per_person.0,
            done.benefits,
            done.monthly_increase.0
        ));
        Ok(done)
    }

    /// The request checked, each field named.
    fn new_rise(&self, user: &User, req: &RiseRequest) -> Result<NewRise> {
        let mut errors = Vec::new();
        let programme = req.programme.filter(|p| *p != Programme::Temporary);
        if programme.is_none() {
            errors.push(FieldError::new(
                "programme",
                "required",
                "请选择低保或特困供养（临时救助没有月标准）",
                "choose 低保 or 特困 (临时救助 has no monthly standard)",
            ));
        }
        let this_month = month_start(self.clock.today());
        let next = this_month.checked_add_months(Months::new(1)).unwrap_or(this_month);
        let earliest = this_month.checked_sub_months(Months::new(24)).unwrap_or(this_month);
        match req.from_month {
            None => errors.push(FieldError::new(
                "from_month",
                "required",
                "请填写提标起始月份，如 2027-01",
                "give the month the rise applies from, e.g. 2027-01",
            )),
            Some(m) if m > next => errors.push(FieldError::new(
                "from_month",
                "month.future",
                format!("起始月份不能晚于下月（{}）", next.format("%Y-%m")),
                format!("the month cannot be after next month ({})", next.format("%Y-%m")),
            )),
            Some(m) if m < earliest => errors.push(FieldError::new(
                "from_month",
                "month.past",
                format!("起始月份不能早于 {}（追溯超过两年请逐户核定）", earliest.format("%Y-%m")),
                format!(
                    "the month cannot be before {} (more than two years back is decided household by household)",
                    earliest.format("%Y-%m")
                ),
            )),
            Some(_) => {}
        }
        if req.per_person.0 <= 0 || req.per_person > MAX_PER_PERSON {
            errors.push(FieldError::new(
                "per_person",
                "money.range",
                format!("每人每月增加金额应大于 0 且不超过 {MAX_PER_PERSON} 元"),
                format!("the rise per person and month must be more than 0 and at most {MAX_PER_PERSON} yuan"),
            ));
        }
        let notice = req.notice.trim();
        if notice.is_empty() || notice.chars().count() > 100 {
            errors.push(FieldError::new(
                "notice",
                "required",
                "请填写提标文件的文号（100 字以内）",
                "give the notice's document number (100 characters at most)",
            ));
        }
        let (true, Some(programme), Some(from_month)) = (errors.is_empty(), programme, req.from_month) else {
            return Err(PaymentError::Invalid(ValidationErrors(errors)));
        };
        Ok(NewRise {
            region: user.scope.0.clone(),
            kind: programme.kind(),
            from_month: month_start(from_month.with_day(1).unwrap_or(from_month)),
            per_person: req.per_person,
            notice: notice.to_string(),
            by: user.actor(),
        })
    }
}

/// The same notice twice, in the words of its field.
fn notice_seen(e: StoreError) -> PaymentError {
    match e {
        StoreError::Conflict { constraint } if constraint == "benefit_rises_notice" => PaymentError::Invalid(
            FieldError::new(
                "notice",
                "rise.seen",
                "该文号的提标已在本县执行过，不会重复增加",
                "a rise under this notice was already applied in this county",
            )
            .into(),
        ),
        e => e.into(),
    }
}
