//! Bulk assessment for registry-wide runs (simulation, re-assessment, the benchmark): the same
//! rule functions as the explained path, over facts gathered once, without reasons, on every core.

use crate::rules::{self, Facts, Params, Status};

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
    let d = rules::dibao(f, p, assets_ok);
    let t = rules::tekun(f, p, assets_ok);
    let edge = rules::edge(f, p, assets_ok, &d);
    let dibao_any = d.household || !d.separate.is_empty();
    let rigid = rules::rigid(f, p, assets_ok, dibao_any || t.status == Status::Eligible || edge);
    let temp = rules::temporary(f, p).map(|t| t.amount).unwrap_or(0);
    let mut flags = 0;
    if f.counted > 0 {
        flags |= if dibao_any { DIBAO } else { 0 }
            | if t.status == Status::Eligible { TEKUN } else { 0 }
            | if t.status == Status::NeedsCheck { TEKUN_CHECK } else { 0 }
            | if edge { EDGE } else { 0 }
            | if rigid { RIGID } else { 0 };
    }
    if temp > 0 {
        flags |= TEMPORARY;
    }
    let dibao_people = if d.household { f.counted } else { d.separate.len() as i64 };
    let tekun_people =
        if t.status == Status::Eligible { t.members.iter().filter(|m| matches!(m, rules::TekunMember::Covered { .. })).count() } else { 0 };
    Outcome {
        dibao: d.amount,
        tekun: t.amount,
        temporary: temp,
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
        std::thread::scope(|s| {
            for (hs, os) in self.households.chunks(chunk).zip(out.chunks_mut(chunk)) {
                s.spawn(move || {
                    for ((pi, f), o) in hs.iter().zip(os.iter_mut()) {
                        *o = outcome(f, &self.params[*pi as usize]);
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
