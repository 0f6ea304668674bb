//! 公示 as posted: one line per application in public notice — the village, the applicant's name
//! masked (张*丰), the people covered, the programme and the amounts, the notice period — and
//! nothing else: never an identifier, a phone, a bank account or health (SECURITY.md; a 2017 case
//! published 低保 rosters with full ID numbers). The staff's notice page, its API and the
//! residents' public page all post these lines. Pure.

use chrono::NaiveDate;
use jiuzhu_domain::casework::{AssistanceKind, Purpose};
use jiuzhu_domain::mask;
use jiuzhu_store::{Case, CaseSummary};

/// One line of the notice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NoticeLine {
    pub case_id: i64,
    pub village: String,
    /// Masked: first and last character kept (张*丰, 欧**娜; two characters: 张*).
    pub applicant: String,
    pub household_size: usize,
    pub kind: AssistanceKind,
    /// A review that would stop the benefit (停止), posted as such.
    pub stopping: bool,
    /// Fen.
    pub monthly_amount: i64,
    pub one_off_amount: i64,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

impl NoticeLine {
    /// The line of `case` as posted.
    pub fn of(summary: &CaseSummary, case: &Case) -> NoticeLine {
        let town = case.data.details.town.as_ref();
        let period = case.data.details.publicity.as_ref();
        NoticeLine {
            case_id: case.id,
            village: summary.village_name.clone().unwrap_or_default(),
            applicant: mask::name(&case.data.applicant),
            household_size: town.map_or(0, |t| t.members.len()),
            kind: case.data.kind,
            stopping: case.data.purpose == Purpose::Review,
            monthly_amount: town.map_or(0, |t| t.monthly_amount),
            one_off_amount: town.map_or(0, |t| t.one_off_amount),
            starts_on: period.map(|p| p.starts_on),
            ends_on: period.map(|p| p.ends_on),
        }
    }

    /// Still on the board `today`: a notice comes down after its last day even before the
    /// periodic tick has moved the case on; one without its period is not posted at all.
    pub fn posted_on(&self, today: NaiveDate) -> bool {
        matches!((self.starts_on, self.ends_on), (Some(s), Some(e)) if s <= today && today <= e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(starts: Option<(u32, u32)>, ends: Option<(u32, u32)>) -> NoticeLine {
        let d = |(m, day): (u32, u32)| NaiveDate::from_ymd_opt(2026, m, day);
        NoticeLine {
            case_id: 1,
            village: "何马村".into(),
            applicant: mask::name("王建国"),
            household_size: 3,
            kind: AssistanceKind::Dibao,
            stopping: false,
            monthly_amount: 81_000,
            one_off_amount: 0,
            starts_on: starts.and_then(d),
            ends_on: ends.and_then(d),
        }
    }

    /// Seven days, 1–7 December: up from the first day to the last, down the day after.
    #[test]
    fn a_notice_is_posted_through_its_last_day_and_down_the_day_after() {
        let l = line(Some((12, 1)), Some((12, 7)));
        let on = |m, d| l.posted_on(NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default());
        assert_eq!([on(11, 30), on(12, 1), on(12, 7), on(12, 8)], [false, true, true, false]);
        assert_eq!(l.applicant, "王*国");
        assert!(!line(None, Some((12, 7))).posted_on(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default()), "no period: not posted");
    }
}
