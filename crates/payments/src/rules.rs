//! The pure rules of a payroll (no I/O): which lines a benefit in force owes for a month, and
//! which checks stop a line before money leaves.
//!
//! - A monthly benefit (低保, 特困) owes every month from its first (or the first month paid
//!   through jiuzhu, whichever is later) to this month or its last month; a month not yet
//!   covered by a live line is owed as arrears (补发) — a late decision, a line cancelled and
//!   still owed. The month after the payee's death is owed no more.
//! - A one-off (临时救助) is owed once, in its month.
//! - A line the bank returned is sent again (重发) once the household's account was corrected.

use chrono::NaiveDate;
use jiuzhu_domain::Fen;
use jiuzhu_domain::casework::BenefitStatus;
use jiuzhu_domain::household::month_start;
use jiuzhu_domain::payment::{BlockReason, LineKind, Programme, check_account_number};
use jiuzhu_store::{NewLine, PayrollSource};
use std::collections::{HashMap, HashSet};

/// The local settings of the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// 合理上限: a line above this is stopped for a look (a typo in an amount, a decimal point
    /// moved). jiuzhu's defaults: 低保 10,000 元 and 特困 5,000 元 a household-month (several
    /// times the highest standards of 2025 multiplied by a large household), 临时救助 50,000 元
    /// (the highest one-off caps seen in provincial rules); counties set their own.
    pub max_line: Vec<(Programme, Fen)>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_line: vec![
                (Programme::Dibao, Fen::yuan(10_000)),
                (Programme::Tekun, Fen::yuan(5_000)),
                (Programme::Temporary, Fen::yuan(50_000)),
            ],
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
    let covered: HashSet<NaiveDate> = src.covered_months.iter().copied().collect();
    let from = src.since_month.max(src.arrears_from);
    if programme == Programme::Temporary {
        let owed = src.one_off_amount.0 > 0 && from <= src.since_month && src.since_month <= month && !covered.contains(&src.since_month);
        return if owed { vec![src.since_month] } else { Vec::new() };
    }
    if src.monthly_amount.0 <= 0 || (src.status == BenefitStatus::Ended && src.until_month.is_none()) {
        return Vec::new();
    }
    let mut last = src.until_month.map_or(month, |u| u.min(month));
    if let Some(died) = src.payee_died_on {
        last = last.min(month_start(died));
    }
    let mut out = Vec::new();
    let mut m = month_start(from);
    while m <= last {
        if !covered.contains(&m) {
            out.push(m);
        }
        m = next_month(m);
    }
    out
}

/// The lines a source owes for the payroll of `month`, with the checks that need only the
/// source applied (the cross-household checks are [`Duplicates`]').
pub fn lines_for(programme: Programme, month: NaiveDate, settings: &Settings, src: &PayrollSource) -> Vec<NewLine> {
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
    };
    let mut out: Vec<NewLine> = months_owed(programme, month, src)
        .into_iter()
        .map(|m| {
            let (kind, amount) = match programme {
                Programme::Temporary => (LineKind::OneOff, src.one_off_amount),
                _ if m == month => (LineKind::Regular, src.monthly_amount),
                _ => (LineKind::Arrears, src.monthly_amount),
            };
            line(m, kind, amount, None)
        })
        .collect();
    // A returned line goes again once the account differs from the one that failed.
    for f in &src.failed {
        if src.account.is_some() && src.account != f.account {
            out.push(line(f.benefit_month, LineKind::Reissue, f.amount, Some(f.id)));
        }
    }
    for l in &mut out {
        l.block = block_reason(programme, settings, src, l);
    }
    out
}

/// The first check that stops a line, in the order an officer would clear them.
fn block_reason(programme: Programme, settings: &Settings, src: &PayrollSource, l: &NewLine) -> Option<BlockReason> {
    if src.payee_died_on.is_some() {
        return Some(BlockReason::Dead);
    }
    let Some(account) = src.account.as_deref() else { return Some(BlockReason::NoAccount) };
    if src.payee_name.trim().is_empty() || src.payee_id_number.is_empty() {
        return Some(BlockReason::NoAccount);
    }
    if check_account_number("account", account).is_err() {
        return Some(BlockReason::InvalidAccount);
    }
    if l.kind != LineKind::Reissue && src.previous_account.as_deref().is_some_and(|p| p != account) {
        return Some(BlockReason::AccountChanged);
    }
    if l.amount > settings.max_for(programme) {
        return Some(BlockReason::OverMaximum);
    }
    None
}

/// The checks across households of one payroll: the same ID number or account on two
/// households' lines stops the later one (the earlier is named in its note). Keeps only a hash
/// per value, so a province's payroll fits in memory.
#[derive(Debug, Default)]
pub struct Duplicates {
    ids: HashMap<u64, i64>,
    accounts: HashMap<u64, i64>,
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
            if !l.payee_id_number.is_empty() {
                let first = *self.ids.entry(hash(&l.payee_id_number)).or_insert(l.household_id);
                if first != l.household_id && l.block.is_none() {
                    l.block = Some(BlockReason::DuplicateId);
                    l.note = format!("与家庭 #{first} 的明细证件号相同");
                }
            }
            if let Some(a) = &l.account {
                let first = *self.accounts.entry(hash(a)).or_insert(l.household_id);
                if first != l.household_id && l.block.is_none() {
                    l.block = Some(BlockReason::DuplicateAccount);
                    l.note = format!("与家庭 #{first} 的明细账号相同");
                }
            }
            out.push(l);
        }
        out
    }
}

#[cfg(test)]
mod tests;
