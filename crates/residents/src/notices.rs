//! 公示 for residents: what a town posts on its notice board — the applications in their 7-day
//! notice (拟批准对象公示) and this month's payment list (发放名单公示) — as the board shows them:
//! names masked, never an identifier, account, phone or health. A notice comes down when its
//! period ends (the application's last day; the payment list at the month's end). Each read is
//! audited on the resident's trail, like every read of personal data, masked or not.

use crate::Result;
use chrono::{Datelike, NaiveDate};
use jiuzhu_casework::Casework;
use jiuzhu_casework::notice::NoticeLine;
use jiuzhu_domain::trail::{Action, Trail};
use jiuzhu_domain::{Clock, RegionCode, clock::beijing_date};
use jiuzhu_payments::{Payments, PublicPayment};
use jiuzhu_store::Payroll;
use std::sync::Arc;

/// What one town has on its board today.
#[derive(Debug, Clone)]
pub struct TownNotices {
    pub today: NaiveDate,
    /// Applications in their notice period, by village and name.
    pub approvals: Vec<NoticeLine>,
    /// The month whose payment lists are posted (the current one).
    pub month: NaiveDate,
    /// Each approved payroll of the month with the town's lines.
    pub payments: Vec<(Payroll, Vec<PublicPayment>)>,
}

#[derive(Clone)]
pub struct Notices {
    casework: Arc<Casework>,
    payments: Arc<Payments>,
    clock: Arc<dyn Clock>,
}

impl Notices {
    pub fn new(casework: Arc<Casework>, payments: Arc<Payments>, clock: Arc<dyn Clock>) -> Notices {
        Notices { casework, payments, clock }
    }

    /// The town's board today (a town's code; a village's is read as its town's).
    pub async fn town(&self, trail: &Trail, town: &RegionCode) -> Result<TownNotices> {
        trail.action(Action::View);
        let today = beijing_date(self.clock.now());
        let approvals = self.casework.public_notice(town, today).await?;
        let month = today.with_day(1).unwrap_or(today);
        let payments = self.payments.public_notices(town, month).await?;
        trail.detail(format!(
            "notices region={town};approvals={};payment_lines={}",
            approvals.len(),
            payments.iter().map(|(_, l)| l.len()).sum::<usize>()
        ));
        Ok(TownNotices { today, approvals, month, payments })
    }
}
