//! Bulk assessment for registry-wide runs (simulation, re-assessment, the benchmark): the same
//! rule functions as the explained path, over facts gathered once, without reasons, on every core.

use crate::params::Params;
use crate::rules::{self, Facts, Status};

/// A population ready for repeated assessment: facts per household and the index of the
/// parameter set (region × area) each one uses.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub params: Vec<Params>,
    pub households: Vec<(u32, Facts)>,
}

/// What a household gets, without reasons (fen per month; `temporary` one-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    pub dibao: i64,
    pub tekun: i64,
    pub temporary: i64,
    /// Bits: 1 dibao, 2 tekun, 4 edge, 8 rigid, 16 temporary eligible; 32 tekun needs a check.
    pub flags: u8,
    /// People covered by 低保 (the household or 单人户 members).
    pub dibao_people: u8,
    /// People covered by 特困.
    pub tekun_people: u8,
    /// Counted members (the people of an edge or rigid-expense household).
    pub counted: u8,
}

pub const DIBAO: u8 = 1;
pub const TEKUN: u8 = 2;
pub const EDGE: u8 = 4;
pub const RIGID: u8 = 8;
pub const TEMPORARY: u8 = 16;
pub const TEKUN_CHECK: u8 = 32;

/// All five programmes for one household (the explained path's decisions, no text).
#[inline]
pub fn outcome(f: &Facts, p: &Params) -> Outcome {
    let assets_ok = rules::assets(f, p).ok();
    let dibao = rules::dibao(f, p, assets_ok);
    let tekun = rules::tekun(f, p, assets_ok);
    let edge = rules::dibao_edge(f, p, assets_ok, &dibao);
    let dibao_any = dibao.household || !dibao.separate.is_empty();
    let rigid = rules::rigid_expense(f, p, assets_ok, dibao_any || tekun.status == Status::Eligible || edge);
    let temporary = rules::temporary(f, p).map(|t| t.amount).unwrap_or(0);
    let mut flags = 0;
    if f.counted > 0 {
        flags |= if dibao_any { DIBAO } else { 0 }
            | if tekun.status == Status::Eligible { TEKUN } else { 0 }
            | if tekun.status == Status::NeedsCheck { TEKUN_CHECK } else { 0 }
            | if edge { EDGE } else { 0 }
            | if rigid { RIGID } else { 0 };
    }
    if temporary > 0 {
        flags |= TEMPORARY;
    }
    let dibao_people = if dibao.household { f.counted } else { dibao.separate.len() as i64 };
    let tekun_people = if tekun.status == Status::Eligible {
        tekun.members.iter().filter(|m| matches!(m, rules::TekunMember::Covered { .. })).count()
    } else {
        0
    };
    Outcome {
        dibao: dibao.amount,
        tekun: tekun.amount,
        temporary,
        flags,
        dibao_people: dibao_people.min(255) as u8,
        tekun_people: tekun_people.min(255) as u8,
        counted: f.counted.min(255) as u8,
    }
}

impl Population {
    /// Assesses every household on all available cores; results in household order.
    pub fn assess_all(&self) -> Vec<Outcome> {
        let n = self.households.len();
        let mut out = vec![Outcome::default(); n];
        let threads = std::thread::available_parallelism().map(|x| x.get()).unwrap_or(1).min(n.max(1));
        let chunk = n.div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            for (households, outcomes) in self.households.chunks(chunk).zip(out.chunks_mut(chunk)) {
                scope.spawn(move || {
                    for ((params_index, facts), slot) in households.iter().zip(outcomes.iter_mut()) {
                        *slot = outcome(facts, &self.params[*params_index as usize]);
                    }
                });
            }
        });
        out
    }
}

/// The 低保 gap rule alone over columns (the benchmark's like-for-like comparison with a
/// vectorised peer): the same [`rules::dibao_gap`] the full rules use.
pub fn dibao_gap_columns(members: &[i64], income: &[i64], standard: &[i64], assets_ok: &[bool], out: &mut [i64]) {
    let n = out.len();
    let (members, income, standard, assets_ok) = (&members[..n], &income[..n], &standard[..n], &assets_ok[..n]);
    for i in 0..n {
        let gap = rules::dibao_gap(members[i], income[i], standard[i]);
        out[i] = if assets_ok[i] { gap } else { 0 };
    }
}
