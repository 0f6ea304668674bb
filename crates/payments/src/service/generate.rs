//! 生成发放清册: one payroll per programme for a county and month, from the benefits in force.

use super::*;
use crate::rules::{Duplicates, Offsets, lines_for, overpaid};
use chrono::{Months, NaiveDate};
use jiuzhu_domain::RegionLevel;
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::{Programme, month_label};

/// What the amounts of a payroll came from, kept on it (each line names its benefit's version).
fn rule_version() -> String {
    format!("jiuzhu {}：在保待遇（审批决定的月救助金额）", env!("CARGO_PKG_VERSION"))
}

impl Payments {
    /// Generates the month's payrolls of a county, one per programme; a payroll that exists is
    /// returned as it is (`false`), never generated again. Months up to the next one only.
    pub async fn generate(&self, user: Option<&User>, county: &RegionCode, month: NaiveDate) -> Result<Vec<(Payroll, bool)>> {
        if let Some(u) = user {
            self.require(u, Permission::ManagePayments)?;
            if !county.is_within(&u.scope.0) {
                u.trail.refuse(Denial::OutOfScope);
                return Err(PaymentError::NotFound);
            }
        }
        if county.level() != RegionLevel::County {
            return Err(FieldError::new(
                "region",
                "payroll.county",
                format!("发放清册按县（区）生成，“{county}”不是县级区划代码"),
                format!("payrolls are generated per county; \"{county}\" is not a county code"),
            )
            .into());
        }
        let month = month_start(month);
        let next = month_start(self.clock.today()).checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX);
        if month > next {
            return Err(FieldError::new(
                "month",
                "payroll.month",
                format!("只能生成到下月（{}）的清册，{} 还早", month_label(next), month_label(month)),
                format!("payrolls can be generated up to next month ({}), not {}", month_label(next), month_label(month)),
            )
            .into());
        }
        let by = user.map(User::actor).unwrap_or_else(system_actor);
        let mut out = Vec::new();
        for &programme in Programme::ALL {
            let settings = self.settings.clone();
            let mut duplicates = Duplicates::default();
            let mut offsets = Offsets::default();
            let mut build = move |sources: &[PayrollSource]| {
                let mut lines = duplicates.apply(sources.iter().flat_map(|s| lines_for(programme, month, &settings, s)).collect());
                offsets.apply(settings.offset_percent, sources, &mut lines);
                Batch { lines, receivables: sources.iter().flat_map(|s| overpaid(programme, s)).collect() }
            };
            let new = NewPayroll { region: county.clone(), programme, month, rule_version: rule_version(), by: by.clone() };
            let (payroll, created) = self.store.generate_payroll(&new, &mut build).await?;
            if let Some(u) = user {
                u.trail.object(ObjectKind::Payroll, payroll.id);
                u.trail.detail(format!("payroll={} lines={} created={created}", payroll.id, payroll.lines));
            }
            out.push((payroll, created));
        }
        Ok(out)
    }
}
