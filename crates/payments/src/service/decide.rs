//! The officer's and the approvers' decisions on a payroll: blocked lines cleared, the review,
//! the approval (another account than the maker's, the password typed again), rejection and
//! cancellation. The state machine is the domain's ([`PayrollState::after`]); the store moves
//! the payroll only from the state it was read in.

use super::*;
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::payment::{BlockReason, PayrollAction};
use jiuzhu_domain::{Action, trail::Denial as D};

fn note_required(note: &str, what_zh: &str, what_en: &str) -> Result<String> {
    let n = note.trim();
    if n.is_empty() {
        return Err(FieldError::new("note", "required", format!("请填写{what_zh}"), format!("give {what_en}")).into());
    }
    if n.chars().count() > 500 {
        return Err(FieldError::new("note", "too_long", "说明不能超过 500 字", "the note is limited to 500 characters").into());
    }
    Ok(n.to_string())
}

impl Payments {
    /// Releases (`release`) or cancels a blocked line with the officer's note. Only a reason
    /// that is a fact to confirm (an account changed, an amount high, an account shared) may be
    /// released; a dead payee or a missing account is fixed at its source or cancelled (a
    /// month still owed comes back as arrears).
    pub async fn clear_line(&self, user: &User, payroll_id: i64, line_id: i64, release: bool, note: &str) -> Result<Payroll> {
        self.require(user, Permission::ManagePayments)?;
        let payroll = self.payroll_for(Some(user), payroll_id).await?;
        let note = note_required(note, "处理说明（核实了什么）", "a note saying what was checked")?;
        let lines = self.store.payroll_lines(payroll_id, &user.scope.0, Some(LineState::Blocked), line_id - 1, 1).await?;
        let Some(line) = lines.into_iter().find(|l| l.id == line_id) else {
            user.trail.refuse(D::Conflict);
            return Err(PaymentError::Changed);
        };
        user.trail.household(line.household_id);
        user.trail.action(Action::Decide);
        if release && line.block == Some(BlockReason::Held) {
            return Err(FieldError::new(
                "release",
                "payment.held",
                "复核期间暂停发放的明细不能直接放行：复核解除暂停或作出结论后，暂停的月份在下一期清册中补发；审批时本条自动取消",
                "a line held by a review cannot be released here: once the review lifts the hold or decides, the held months are paid as arrears in the next payroll; approval cancels this line",
            )
            .into());
        }
        if release && !line.block.is_some_and(|b| b.confirmable()) {
            let reason = line.block.map(|b| b.zh()).unwrap_or_default();
            return Err(FieldError::new(
                "release",
                "payment.not_confirmable",
                format!("“{reason}”不能直接放行：请先在家庭信息中更正，或取消本条（仍应发的月份下月补发）"),
                "this reason cannot be released as it is: correct it in the registry first, or cancel the line (a month still owed is paid as arrears next month)",
            )
            .into());
        }
        let to = if release { LineState::Ready } else { LineState::Cancelled };
        user.trail.detail(format!("payroll={} line={line_id} to={}", payroll.id, to.as_str()));
        Ok(self.store.clear_line(payroll_id, line_id, to, &note, &user.actor()).await?)
    }

    /// 乡镇审核: by another account than the one that generated it. A town's account signs off its
    /// own town's part (the payroll is reviewed once every town with lines has signed); a county
    /// account reviews the whole list at once (where the towns do not sign in jiuzhu).
    pub async fn review(&self, user: &User, id: i64, note: &str) -> Result<Payroll> {
        self.require(user, Permission::ReviewPayroll)?;
        let p = self.payroll_for(Some(user), id).await?;
        user.trail.action(Action::Decide);
        self.allowed(user, &p, PayrollAction::Review)?;
        if p.generated_by.account_id == Some(user.account_id) {
            user.trail.refuse(D::Conflict);
            return Err(PaymentError::SameAccount);
        }
        if p.region.is_within(&user.scope.0) {
            return self.step(user, &p, PayrollAction::Review, note.trim()).await;
        }
        // A town's account: its own part only.
        let town = &user.scope.0;
        if town.level() != jiuzhu_domain::RegionLevel::Town || !town.is_within(&p.region) {
            user.trail.refuse(D::OutOfScope);
            return Err(FieldError::new(
                "scope",
                "payroll.review_scope",
                "清册由县级账号审核，或由各乡镇账号分别审核本乡镇部分",
                "a payroll is reviewed by a county account, or by each town's account for its own part",
            )
            .into());
        }
        let step = PayrollStep { id, version: p.version, action: PayrollAction::Review, by: user.actor(), note: note.trim().to_string() };
        user.trail.detail(format!("payroll={id} town={town} action=review"));
        match self.store.sign_town(&step, town).await {
            Err(jiuzhu_store::StoreError::Conflict { constraint }) if constraint == "payroll_town_signed" => {
                user.trail.refuse(D::Conflict);
                Err(FieldError::new(
                    "note",
                    "payroll.town_signed",
                    "本乡镇的部分已审核过，无需再次审核",
                    "your town's part has been reviewed already",
                )
                .into())
            }
            done => Ok(done?),
        }
    }

    /// 县级审批: the password again; never the account that generated or reviewed it; blocked
    /// lines cleared first; the funds must hold the total (refused whole otherwise).
    pub async fn approve(&self, user: &User, id: i64, password: &str, note: &str) -> Result<Payroll> {
        self.require(user, Permission::ApprovePayroll)?;
        let p = self.payroll_for(Some(user), id).await?;
        user.trail.action(Action::Decide);
        self.accounts.confirm(user, Guarded::Payroll, password, "password").await?;
        self.allowed(user, &p, PayrollAction::Approve)?;
        let me = Some(user.account_id);
        if p.generated_by.account_id == me || p.reviewed_by.as_ref().is_some_and(|r| r.account_id == me) {
            user.trail.refuse(D::Conflict);
            return Err(PaymentError::SameAccount);
        }
        // A death or an end recorded since generation: those months are not paid.
        let p = self.apply_stops(&user.actor(), p).await?;
        if p.blocked > 0 {
            user.trail.refuse(D::Conflict);
            return Err(PaymentError::Blocked(p.blocked));
        }
        let step = PayrollStep { id, version: p.version, action: PayrollAction::Approve, by: user.actor(), note: note.trim().to_string() };
        let approved = self.store.approve_payroll(&step).await.map_err(PaymentError::from)?;
        user.trail.detail(format!("payroll={id} approved total={}", approved.total.0));
        Ok(approved)
    }

    /// 退回: with the reason; the lines are cancelled and the month may be generated again.
    pub async fn reject(&self, user: &User, id: i64, password: &str, note: &str) -> Result<Payroll> {
        self.require(user, Permission::ApprovePayroll)?;
        let p = self.payroll_for(Some(user), id).await?;
        user.trail.action(Action::Decide);
        self.accounts.confirm(user, Guarded::Payroll, password, "password").await?;
        self.allowed(user, &p, PayrollAction::Reject)?;
        let note = note_required(note, "退回原因", "the reason for rejecting")?;
        self.step(user, &p, PayrollAction::Reject, &note).await
    }

    /// 作废 before the money left (an approved payroll's commitment goes back to the funds).
    pub async fn cancel(&self, user: Option<&User>, id: i64, note: &str) -> Result<Payroll> {
        if let Some(u) = user {
            self.require(u, Permission::ManagePayments)?;
            u.trail.action(Action::Decide);
        }
        let p = self.payroll_for(user, id).await?;
        let note = note_required(note, "作废原因", "the reason for cancelling")?;
        if let Err(e) = p.state.after(PayrollAction::Cancel) {
            if let Some(u) = user {
                u.trail.refuse(D::Conflict);
            }
            return Err(e.into());
        }
        let by = user.map(User::actor).unwrap_or_else(system_actor);
        let step = PayrollStep { id, version: p.version, action: PayrollAction::Cancel, by, note };
        Ok(self.store.step_payroll(&step).await?)
    }

    fn allowed(&self, user: &User, p: &Payroll, action: PayrollAction) -> Result<()> {
        p.state.after(action).map(|_| ()).map_err(|e| {
            user.trail.refuse(D::Conflict);
            e.into()
        })
    }

    async fn step(&self, user: &User, p: &Payroll, action: PayrollAction, note: &str) -> Result<Payroll> {
        let step = PayrollStep { id: p.id, version: p.version, action, by: user.actor(), note: note.to_string() };
        user.trail.detail(format!("payroll={} action={}", p.id, action.as_str()));
        Ok(self.store.step_payroll(&step).await?)
    }
}
