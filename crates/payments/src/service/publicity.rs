//! 发放名单公示: the month's payment list as a village notice board shows it — the village, the
//! payee's name masked as in every 公示, the people covered, what the line is for and the amount;
//! never an ID number, an account or a phone. Only a payroll that was approved is posted: on the
//! staff's printed notice, and on the residents' site for the month it pays.

use super::*;
use jiuzhu_domain::payment::{LineKind, PayrollState, month_label};
use jiuzhu_domain::{Action, Fen, mask};

/// One line of the notice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicPayment {
    pub village: String,
    /// 张*丰
    pub payee: String,
    pub members: i64,
    pub kind: LineKind,
    /// The month the money is for (arrears name an earlier month).
    pub benefit_month: String,
    pub amount: Fen,
}

/// Whether a payroll in `state` may be posted (approved, or past approval).
fn posted(state: PayrollState) -> bool {
    matches!(state, PayrollState::Approved | PayrollState::Exported | PayrollState::Reconciled | PayrollState::Closed)
}

impl Payments {
    /// The notice for `id` in the user's part of it (a town's account: its own villages), by
    /// village and name. Refused before approval: a list not yet approved is not posted.
    pub async fn publicity(&self, user: &User, id: i64) -> Result<(Payroll, Vec<PublicPayment>)> {
        self.require(user, Permission::ReadPayments)?;
        let p = self.payroll_for(Some(user), id).await?;
        user.trail.action(Action::View);
        if !posted(p.state) {
            return Err(FieldError::new(
                "state",
                "payroll.publicity_state",
                format!("清册当前为“{}”：审批通过后才能公示发放名单", p.state.zh()),
                "the list is posted once the payroll is approved",
            )
            .into());
        }
        let within = if p.region.is_within(&user.scope.0) { p.region.clone() } else { user.scope.0.clone() };
        let out = self.notice_lines(id, &within).await?;
        user.trail.detail(format!("payroll={id} publicity rows={}", out.len()));
        Ok((p, out))
    }

    /// 发放名单公示 on the residents' site: each approved payroll of `month` that covers `town`,
    /// with the town's lines (no user: what a notice board shows, to anyone).
    pub async fn public_notices(
        &self,
        town: &RegionCode,
        month: chrono::NaiveDate,
    ) -> jiuzhu_store::Result<Vec<(Payroll, Vec<PublicPayment>)>> {
        let mut out = Vec::new();
        for p in self.store.payrolls(town, Some(month)).await? {
            if posted(p.state) && town.is_within(&p.region) {
                let lines = self.notice_lines(p.id, town).await?;
                if !lines.is_empty() {
                    out.push((p, lines));
                }
            }
        }
        Ok(out)
    }

    /// A payroll's posted lines inside `within`, by village, name and month.
    async fn notice_lines(&self, id: i64, within: &RegionCode) -> jiuzhu_store::Result<Vec<PublicPayment>> {
        let mut out = Vec::new();
        // Each village's name once, from the database's divisions (the vendored list is a file
        // to unpack: per line it cost seconds on an anonymous page).
        let mut villages: std::collections::HashMap<RegionCode, String> = std::collections::HashMap::new();
        let mut after = 0;
        loop {
            let lines = self.store.payroll_lines(id, within, None, after, 2_000).await?;
            let Some(last) = lines.last() else { break };
            after = last.id;
            for l in lines.iter().filter(|l| !matches!(l.state, LineState::Cancelled | LineState::Blocked)) {
                if !villages.contains_key(&l.region) {
                    let name = self.store.region(&l.region).await?.map(|d| d.name).unwrap_or_default();
                    villages.insert(l.region.clone(), name);
                }
            }
            out.extend(lines.iter().filter(|l| !matches!(l.state, LineState::Cancelled | LineState::Blocked)).map(|l| PublicPayment {
                village: villages.get(&l.region).cloned().unwrap_or_default(),
                payee: mask::name(&l.payee_name),
                members: l.members,
                kind: l.kind,
                benefit_month: month_label(l.benefit_month),
                amount: l.amount,
            }));
        }
        out.sort_by(|a, b| (&a.village, &a.payee, &a.benefit_month).cmp(&(&b.village, &b.payee, &b.benefit_month)));
        Ok(out)
    }
}
