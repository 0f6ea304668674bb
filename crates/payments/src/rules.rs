//! The pure rules of a payroll (no I/O): which lines a benefit in force owes for a month, and
//! which checks stop a line before money leaves.
//!
//! - A monthly benefit (低保, 特困) owes every month from its first (or the first month paid
//!   through jiuzhu, whichever is later) to this month or its last month; a month not yet
//!   covered by a live line is owed as arrears (补发) — a late decision, a line cancelled and
//!   still owed. The month after the payee's death is owed no more.
//!   A month whose line the officer cancelled as stopped for the payee's death is not offered
//!   again while the payee is recorded dead.
//! - A one-off (临时救助) is owed once, in its month.
//! - A line the bank returned is sent again (重发) once the household's account was corrected.
//! - A month the bank paid after the month the payee died in, or after the benefit's last
//!   month, is owed back (应追回, a receivable, found once per line). A receivable still owed is
//!   withheld from the household's later regular and arrears lines (扣回), at most
//!   [`Settings::offset_percent`] of each, so a line never goes to zero or below.

use chrono::NaiveDate;
use jiuzhu_domain::Fen;
use jiuzhu_domain::casework::BenefitStatus;
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::amounts::amount_in;
use jiuzhu_domain::payment::payee::{Payee, PayeeDetails, PayeeRole, care_in, route};
use jiuzhu_domain::payment::{BlockReason, LineKind, Programme, ReceivableReason, check_account_number, month_label};
use jiuzhu_store::{NewLine, NewReceivable, PayrollSource};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The local settings of the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// 合理上限: a line above this is stopped for a look (a typo in an amount, a decimal point
    /// moved). jiuzhu's defaults: 低保 10,000 元 and 特困 5,000 元 a household-month (several
    /// times the highest standards of 2025 multiplied by a large household), 临时救助 50,000 元
    /// (the highest one-off caps seen in provincial rules), 照料护理费 3,000 元 (a 全护理 standard
    /// is a few hundred to about 1,500 元 a month); counties set their own.
    pub max_line: Vec<(Programme, Fen)>,
    /// 扣回比例: the most of one line withheld against a receivable, in percent (1–50). No
    /// national rule sets it; jiuzhu's default 30 % leaves a household most of its month while
    /// the overpayment comes back within a year or two. Counties set their own.
    pub offset_percent: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_line: vec![
                (Programme::Dibao, Fen::yuan(10_000)),
                (Programme::Tekun, Fen::yuan(5_000)),
                (Programme::Temporary, Fen::yuan(50_000)),
                (Programme::Care, Fen::yuan(3_000)),
            ],
            offset_percent: 30,
        }
    }
}

impl Settings {
    pub fn max_for(&self, p: Programme) -> Fen {
        self.max_line.iter().find(|(q, _)| *q == p).map(|(_, m)| *m).unwrap_or(Fen(i64::MAX))
    }
}

fn next_month(m: NaiveDate) -> NaiveDate {
    m.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX)
}

/// The months a source owes up to `month` (its first day), each once, oldest first.
pub fn months_owed(programme: Programme, month: NaiveDate, src: &PayrollSource) -> Vec<NaiveDate> {
    let mut covered: HashSet<NaiveDate> = src.covered_months.iter().copied().collect();
    // A month the officer cancelled because the payee had died is not offered again (else the
    // same stopped line came back as arrears every month).
    if src.payee_died_on.is_some() {
        covered.extend(src.waived_months.iter().copied());
    }
    let from = src.since_month.max(src.arrears_from);
    if programme == Programme::Temporary {
        // Paid in cash out of a town's standby fund by a voucher naming this case (先行救助).
        let owed = !src.paid_from_standby
            && src.one_off_amount.0 > 0
            && from <= src.since_month
            && src.since_month <= month
            && !covered.contains(&src.since_month);
        return if owed { vec![src.since_month] } else { Vec::new() };
    }
    if src.monthly_amount.0 <= 0 || (src.status == BenefitStatus::Ended && src.until_month.is_none()) {
        return Vec::new();
    }
    let last = stop_month(src).map_or(month, |s| s.min(month));
    let mut out = Vec::new();
    let mut m = month_start(from);
    while m <= last {
        // Held months wait for the review (only this month's line shows, held); once released
        // they are owed as arrears.
        let waiting = src.held_from.is_some_and(|h| m >= h && m != month);
        if !covered.contains(&m) && !waiting {
            out.push(m);
        }
        m = next_month(m);
    }
    out
}

/// The last month a source is owed, when it stops: its benefit's last month, or the month its
/// payee died in, whichever is earlier.
pub fn stop_month(src: &PayrollSource) -> Option<NaiveDate> {
    let died = src.payee_died_on.map(month_start);
    match (src.until_month, died) {
        (Some(u), Some(d)) => Some(u.min(d)),
        (u, d) => u.or(d),
    }
}

/// Whether a line for `benefit_month` may be paid now given the payee's death, the benefit's
/// last month and its hold as recorded now; `None` when it may, else why not (the note of its
/// cancellation). A held month stays owed: the review's release pays it as arrears.
pub fn stop_reason(
    benefit_month: NaiveDate,
    died_on: Option<NaiveDate>,
    until_month: Option<NaiveDate>,
    held_from: Option<NaiveDate>,
) -> Option<String> {
    if let Some(d) = died_on.filter(|d| month_start(*d) < benefit_month) {
        return Some(format!("领取人已于 {d} 死亡，{} 的待遇不再发放", month_label(benefit_month)));
    }
    if let Some(u) = until_month.filter(|u| *u < benefit_month) {
        return Some(format!("待遇已于 {} 终止，{} 的待遇不再发放", month_label(u), month_label(benefit_month)));
    }
    if let Some(h) = held_from.filter(|h| *h <= benefit_month) {
        return Some(format!(
            "复核期间暂停发放（自 {} 起），{} 的待遇待复核结论：恢复则补发，停保则不再发放",
            month_label(h),
            month_label(benefit_month)
        ));
    }
    None
}

/// The receivables a source's paid lines show: every paid month after its stop month not yet
/// recorded, for the amount the bank paid.
pub fn overpaid(programme: Programme, src: &PayrollSource) -> Vec<NewReceivable> {
    let Some(stop) = stop_month(src).filter(|_| programme != Programme::Temporary) else { return Vec::new() };
    let died = src.payee_died_on.map(month_start).filter(|d| *d <= stop);
    src.paid
        .iter()
        .filter(|l| !l.recovered)
        .filter_map(|l| {
            // An adjustment line pays several months: what it paid for months after the stop.
            let (month, amount) = if l.parts.is_empty() {
                (l.benefit_month, l.amount)
            } else {
                let after: Vec<_> = l.parts.iter().filter(|(m, _)| *m > stop).collect();
                (after.first()?.0, Fen(after.iter().map(|(_, f)| f.0).sum()))
            };
            (month > stop).then_some((l, month, amount))
        })
        .map(|(l, month, amount)| {
            let (reason, why) = match died {
                Some(_) => (ReceivableReason::PaidAfterDeath, format!("领取人于 {} 死亡", src.payee_died_on.unwrap_or_default())),
                None => (ReceivableReason::PaidAfterEnd, format!("待遇至 {} 终止", month_label(stop))),
            };
            NewReceivable {
                household_id: src.household_id,
                region: src.region.clone(),
                programme,
                reason,
                amount,
                origin_line: Some(l.id),
                note: format!("{why}，{} 已发放 {amount} 元，应追回", month_label(month)),
            }
        })
        .collect()
}

/// The lines a source owes for the payroll of `month`, with the checks that need only the
/// source applied (the cross-household checks are [`Duplicates`]'). 照料护理费 (`Programme::Care`)
/// is owed per carer, for the months of their agreement, to their account.
pub fn lines_for(programme: Programme, month: NaiveDate, settings: &Settings, src: &PayrollSource) -> Vec<NewLine> {
    if programme == Programme::Care {
        return src
            .payees
            .iter()
            .filter(|p| p.details.role == PayeeRole::Carer)
            .flat_map(|carer| stream_lines(programme, month, settings, &to_carer(src, carer), Some(PayeeRole::Carer)))
            .collect();
    }
    let routed = routed(programme, src);
    let role = route(programme, &src.payees).map(|p| p.details.role);
    stream_lines(programme, month, settings, &routed, role)
}

/// The lines of one stream of money: the source already routed to whoever receives it.
fn stream_lines(
    programme: Programme,
    month: NaiveDate,
    settings: &Settings,
    src: &PayrollSource,
    payee_role: Option<PayeeRole>,
) -> Vec<NewLine> {
    let line = |benefit_month: NaiveDate, kind: LineKind, amount: Fen, origin_line: Option<i64>| NewLine {
        household_id: src.household_id,
        region: src.region.clone(),
        benefit_month,
        kind,
        amount,
        members: src.members,
        payee_name: src.payee_name.clone(),
        payee_id_number: src.payee_id_number.clone(),
        bank: src.bank.clone(),
        account: src.account.clone(),
        benefit_id: Some(src.benefit_id),
        rule_version: format!("benefit {} v{}", src.benefit_id, src.benefit_version),
        block: None,
        note: String::new(),
        origin_line,
        withheld: Fen::ZERO,
        receivable_id: None,
        parts: Vec::new(),
        payee_role,
    };
    let mut out: Vec<NewLine> = months_owed(programme, month, src)
        .into_iter()
        .map(|m| {
            let (kind, amount) = match programme {
                Programme::Temporary => (LineKind::OneOff, src.one_off_amount),
                _ if m == month => (LineKind::Regular, owed_for(programme, src, m)),
                // A month whose line was lost after an adjustment paid part of it: the rest.
                _ => (LineKind::Arrears, Fen(owed_for(programme, src, m).0 - adjusted_in(src, m).0)),
            };
            line(m, kind, amount, None)
        })
        .filter(|l| l.amount.0 > 0)
        .collect();
    // A returned line goes again once the account differs from the one that failed.
    for f in &src.failed {
        if src.account.is_some() && src.account != f.account {
            let mut again = line(f.benefit_month, LineKind::Reissue, f.amount, Some(f.id));
            // The month stays whole: what the failed line withheld is withheld again.
            again.withheld = f.withheld;
            again.receivable_id = f.receivable_id;
            out.push(again);
        }
    }
    let (parts, origin) = adjustment_parts(programme, month, src);
    if !parts.is_empty() {
        let mut adjust = line(month, LineKind::Adjustment, Fen(parts.iter().map(|(_, f)| f.0).sum()), origin);
        let each: Vec<String> = parts.iter().map(|(m, f)| format!("{} {f} 元", month_label(*m))).collect();
        adjust.note = format!("补差（待遇调整追溯至已发月份）：{}", each.join("；"));
        adjust.parts = parts;
        out.push(adjust);
    }
    for l in &mut out {
        l.block = block_reason(programme, settings, src, l);
        // The officer confirming a new account reads whose it is.
        if let (Some(role), true) = (l.payee_role, l.note.is_empty()) {
            l.note = format!("收款安排：发放至{}（{}）", role.zh(), l.payee_name);
        }
        // The person's line says where the rest of the month went.
        if programme == Programme::Tekun && l.note.is_empty() && matches!(l.kind, LineKind::Regular | LineKind::Arrears) {
            let whole = whole_in(src, l.benefit_month);
            if let Some((carer, care)) = care_in(&src.payees, l.benefit_month, whole).filter(|(_, f)| f.0 > 0) {
                l.note = format!("其中照料护理费 {care} 元另发至照料护理人（{}）", carer.details.name);
            }
        }
    }
    out
}

/// The source as one carer's 照料护理费 sees it: their account, only their agreement, and the
/// returned care lines of the months this *person* cared for, when this is the person's newest
/// agreement (a carer's account corrected is recorded as a new agreement of the same person: it
/// pays the returned month again; a month of another person is never paid to this one).
fn to_carer(src: &PayrollSource, carer: &Payee) -> PayrollSource {
    let d = &carer.details;
    let same_person = |p: &&Payee| p.details.role == PayeeRole::Carer && p.details.code == d.code;
    let newest = src.payees.iter().filter(same_person).map(|p| p.id).max() == Some(carer.id);
    let cared = |m: NaiveDate| care_in(&src.payees, m, Fen(i64::MAX)).is_some_and(|(p, _)| p.details.code == d.code);
    let mut to = paid_to(src, d);
    to.payees = vec![carer.clone()];
    to.failed = src.failed.iter().filter(|f| newest && cared(f.benefit_month)).cloned().collect();
    to
}

/// 收款安排: the source as the programme's money sees it — paid to the household's institution
/// or guardian when one is recorded (`payment::payee::route`), else as it is. The checks then
/// judge that account: it is new the first time (stopped as "account changed", for the finance
/// officer to confirm), a re-issue goes once it differs from the returned one.
fn routed(programme: Programme, src: &PayrollSource) -> Cow<'_, PayrollSource> {
    match route(programme, &src.payees) {
        Some(p) => Cow::Owned(paid_to(src, &p.details)),
        None => Cow::Borrowed(src),
    }
}

/// The source with a recorded payee's name, code, bank and account in place of the household's.
fn paid_to(src: &PayrollSource, d: &PayeeDetails) -> PayrollSource {
    let mut to = src.clone();
    to.payee_name = d.name.clone();
    to.payee_id_number = d.code.clone();
    to.bank = Some(d.bank.clone());
    to.account = Some(d.account_no.clone());
    to
}

/// The amount owed for month `m`: the benefit's amounts record says, or (a month before the
/// record began) its amount now; split between the person (特困) and their carer (照料护理费).
fn owed_for(programme: Programme, src: &PayrollSource, m: NaiveDate) -> Fen {
    share(programme, src, m, whole_in(src, m))
}

/// The whole month's amount of the benefit (both streams of 特困 together).
fn whole_in(src: &PayrollSource, m: NaiveDate) -> Fen {
    amount_in(&src.amounts, m).unwrap_or(src.monthly_amount)
}

/// `programme`'s part of a month whose whole is `whole`: the carer's 照料护理费 for that month is
/// the care stream's, the rest the person's; the other programmes take the whole.
fn share(programme: Programme, src: &PayrollSource, m: NaiveDate, whole: Fen) -> Fen {
    let care = || care_in(&src.payees, m, whole).map_or(Fen::ZERO, |(_, f)| f);
    match programme {
        Programme::Tekun => Fen(whole.0 - care().0),
        Programme::Care => care(),
        Programme::Dibao | Programme::Temporary => whole,
    }
}

/// What live adjustment lines already pay for month `m`.
fn adjusted_in(src: &PayrollSource, m: NaiveDate) -> Fen {
    src.adjusted.iter().find(|(a, _)| *a == m).map_or(Fen::ZERO, |(_, f)| *f)
}

/// 补差: the months already sent to the bank for less than is owed for them now (a rise of the
/// standard reaching back, a correction upwards), each with the difference, oldest first; and
/// the adjustment line the bank returned that this one pays again. Nothing while the household
/// is held (the review decides) or its payee is recorded dead; when this payroll month already
/// has its adjustment line (the next month's takes the rest); or while a returned one waits for
/// a corrected account. A month paid more than is owed now is not taken back here: lowering
/// reaches back only through a decision that records a receivable.
pub fn adjustment_parts(programme: Programme, month: NaiveDate, src: &PayrollSource) -> (Vec<(NaiveDate, Fen)>, Option<i64>) {
    let none = (Vec::new(), None);
    let waiting = src.held_from.is_some() || src.payee_died_on.is_some();
    // Each monthly stream is adjusted for its own share: the carer's grows with the month only
    // while the agreement is more than the whole month (the simulation found the difference lost).
    if programme == Programme::Temporary || waiting || src.adjustments.iter().any(|a| a.benefit_month == month) {
        return none;
    }
    let returned = src.adjustments.iter().filter(|a| a.failed).max_by_key(|a| a.id);
    if returned.is_some_and(|a| src.account.is_none() || src.account == a.account) {
        return none;
    }
    let last = stop_month(src).map_or(month, |s| s.min(month));
    let parts = src
        .delivered
        .iter()
        .filter(|(m, _)| *m < month && *m <= last && *m >= src.since_month)
        .filter_map(|(m, paid)| {
            let short = share(programme, src, *m, amount_in(&src.amounts, *m)?).0 - paid.0 - adjusted_in(src, *m).0;
            (short > 0).then_some((*m, Fen(short)))
        })
        .collect();
    (parts, returned.map(|a| a.id))
}

/// The first check that stops a line, in the order an officer would clear them.
fn block_reason(programme: Programme, settings: &Settings, src: &PayrollSource, l: &NewLine) -> Option<BlockReason> {
    if src.payee_died_on.is_some() {
        return Some(BlockReason::Dead);
    }
    if src.held_from.is_some_and(|h| l.benefit_month >= h) {
        return Some(BlockReason::Held);
    }
    let Some(account) = src.account.as_deref() else { return Some(BlockReason::NoAccount) };
    if src.payee_name.trim().is_empty() || src.payee_id_number.is_empty() {
        return Some(BlockReason::NoAccount);
    }
    if check_account_number("account", account).is_err() {
        return Some(BlockReason::InvalidAccount);
    }
    // A carer's first line is new money to a new account too: the finance officer confirms it.
    let changed = match src.previous_account.as_deref() {
        Some(p) => p != account,
        None => programme == Programme::Care,
    };
    if l.kind != LineKind::Reissue && changed {
        return Some(BlockReason::AccountChanged);
    }
    if l.amount > settings.max_for(programme) {
        return Some(BlockReason::OverMaximum);
    }
    // 先行救助 out of the standby fund in the help's month or next to it, by a voucher naming no
    // case: the officer checks the one-off is other help, or cancels it.
    let near = |d: &NaiveDate| {
        let m = month_start(*d);
        m >= l.benefit_month.checked_sub_months(chrono::Months::new(1)).unwrap_or(l.benefit_month) && m <= next_month(l.benefit_month)
    };
    if l.kind == LineKind::OneOff && src.advances.iter().any(near) {
        return Some(BlockReason::PaidInAdvance);
    }
    None
}

/// 扣回: withholds what a household owes from its regular and arrears lines, at most
/// `offset_percent` of each and never more than is owed, across the whole payroll (a household
/// with two lines pays back no more than its receivable).
#[derive(Debug, Default)]
pub struct Offsets {
    /// What each receivable still owes as the lines are written.
    left: HashMap<i64, Fen>,
}

impl Offsets {
    pub fn apply(&mut self, percent: i64, sources: &[PayrollSource], lines: &mut [NewLine]) {
        let percent = percent.clamp(0, 50);
        let mut owed: HashMap<i64, Vec<i64>> = HashMap::new();
        for s in sources {
            for r in &s.receivables {
                self.left.entry(r.id).or_insert(r.outstanding);
                let ids = owed.entry(s.household_id).or_default();
                if !ids.contains(&r.id) {
                    ids.push(r.id);
                }
            }
        }
        for l in lines.iter_mut().filter(|l| matches!(l.kind, LineKind::Regular | LineKind::Arrears) && l.receivable_id.is_none()) {
            let Some(ids) = owed.get(&l.household_id) else { continue };
            let Some(&id) = ids.iter().find(|id| self.left.get(id).is_some_and(|f| f.0 > 0)) else { continue };
            let Some(left) = self.left.get_mut(&id) else { continue };
            let cap = l.amount.0 * percent / 100;
            let take = left.0.min(cap);
            if take <= 0 {
                continue;
            }
            left.0 -= take;
            l.amount = Fen(l.amount.0 - take);
            l.withheld = Fen(take);
            l.receivable_id = Some(id);
            l.note = format!("扣回应追回款 #{id} {} 元", Fen(take));
        }
    }
}

/// The checks across households of one payroll: the same ID number or account on two
/// households' lines stops the later one (the earlier is named in its note). Lines paid to a
/// recorded institution or guardian may share theirs (one 敬老院 keeps many, a grandmother is
/// guardian of two households' children); such an account met on a household's own line still
/// stops it. Keeps only a hash per value, so a province's payroll fits in memory.
#[derive(Debug, Default)]
pub struct Duplicates {
    /// The first household seen with the value, and whether its line was routed.
    ids: HashMap<u64, (i64, bool)>,
    accounts: HashMap<u64, (i64, bool)>,
    /// (household, benefit month, kind) already produced: a household with two overlapping
    /// benefits of one programme is paid once.
    keys: HashSet<(i64, NaiveDate, LineKind)>,
}

fn hash(s: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(s)
}

impl Duplicates {
    /// Drops lines whose key was already produced and stops the duplicates.
    pub fn apply(&mut self, lines: Vec<NewLine>) -> Vec<NewLine> {
        let mut out = Vec::with_capacity(lines.len());
        for mut l in lines {
            if !self.keys.insert((l.household_id, l.benefit_month, l.kind)) {
                continue;
            }
            let routed = l.payee_role.is_some();
            // Shared only between routed lines.
            let clash = |first: (i64, bool)| first.0 != l.household_id && !(routed && first.1);
            if !l.payee_id_number.is_empty() {
                let first = *self.ids.entry(hash(&l.payee_id_number)).or_insert((l.household_id, routed));
                if clash(first) && l.block.is_none() {
                    l.block = Some(BlockReason::DuplicateId);
                    l.note = format!("与家庭 #{} 的明细证件号相同", first.0);
                }
            }
            if let Some(a) = &l.account {
                let first = *self.accounts.entry(hash(a)).or_insert((l.household_id, routed));
                if clash(first) && l.block.is_none() {
                    l.block = Some(BlockReason::DuplicateAccount);
                    l.note = format!("与家庭 #{} 的明细账号相同", first.0);
                }
            }
            out.push(l);
        }
        out
    }
}

#[cfg(test)]
mod care_tests;
#[cfg(test)]
mod tests;
