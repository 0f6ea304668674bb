//! Alert rules (异常访问预警). Each rule looks at entries as they are written, keeps what it
//! needs of the recent past in memory, and raises a [`NewAlert`]; the store merges a rule's
//! alerts for one account while they stay open, so a burst is one alert with a count.
//!
//! Thresholds come from [`Thresholds`] (defaults below, overridable in `security.yaml`, see
//! docs/security.md). After a restart the windows start empty: at worst a burst that straddles
//! the restart is seen a little late.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use jiuzhu_domain::{Calendar, RegionCode};
use jiuzhu_store::{AuditRecord, NewAlert};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};

/// The rules, with what each one means for an auditor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// 越权访问: a request for a household or case outside the account's region.
    OutOfScope,
    /// 非经办查看: full identifiers revealed for a household the account has no case of.
    OutsideCaseload,
    /// 批量查询: many different households opened in a short time.
    BulkLookup,
    /// 身份证号频繁查询: many searches by ID number in a short time.
    IdSearches,
    /// 非工作时间访问: personal data read or exported outside working hours or on a day off.
    OffHours,
}

impl Rule {
    pub const ALL: [Rule; 5] = [Rule::OutOfScope, Rule::OutsideCaseload, Rule::BulkLookup, Rule::IdSearches, Rule::OffHours];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::OutOfScope => "out_of_scope",
            Rule::OutsideCaseload => "outside_caseload",
            Rule::BulkLookup => "bulk_lookup",
            Rule::IdSearches => "id_searches",
            Rule::OffHours => "off_hours",
        }
    }
    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Rule::OutOfScope => "越权访问",
            Rule::OutsideCaseload => "非经办查看完整信息",
            Rule::BulkLookup => "短时间内批量查看",
            Rule::IdSearches => "频繁按身份证号查询",
            Rule::OffHours => "非工作时间访问个人信息",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Rule::OutOfScope => "access outside the account's region",
            Rule::OutsideCaseload => "identifiers revealed outside the caseload",
            Rule::BulkLookup => "many households opened in a short time",
            Rule::IdSearches => "many searches by ID number",
            Rule::OffHours => "personal data read outside working hours",
        }
    }
}

/// Where the rules draw their lines.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Different households opened by one account within `window_minutes` before `bulk_lookup`.
    pub bulk_households: usize,
    /// Searches by ID number by one account within `window_minutes` before `id_searches`.
    pub id_searches: usize,
    pub window_minutes: i64,
    /// Working hours, Beijing time: from (inclusive) and to (exclusive), e.g. "07:00" and "20:00".
    pub work_from: NaiveTime,
    pub work_to: NaiveTime,
}

impl Default for Thresholds {
    #[allow(clippy::expect_used, reason = "constant times of day")]
    fn default() -> Thresholds {
        Thresholds {
            bulk_households: 50,
            id_searches: 20,
            window_minutes: 10,
            work_from: NaiveTime::from_hms_opt(7, 0, 0).expect("valid"),
            work_to: NaiveTime::from_hms_opt(20, 0, 0).expect("valid"),
        }
    }
}

/// Watches entries and raises alerts.
pub struct AlertEngine {
    thresholds: Thresholds,
    calendar: Calendar,
    /// Per account: recent household views (time, household, entry id).
    views: HashMap<String, VecDeque<(DateTime<Utc>, i64, i64)>>,
    /// Per account: recent searches by ID number (time, entry id).
    id_searches: HashMap<String, VecDeque<(DateTime<Utc>, i64)>>,
}

impl AlertEngine {
    pub fn new(thresholds: Thresholds, calendar: Calendar) -> AlertEngine {
        AlertEngine { thresholds, calendar, views: HashMap::new(), id_searches: HashMap::new() }
    }

    /// Whether `at` falls in working hours on a working day (Beijing time, official calendar;
    /// a year not in the calendar counts weekdays as working).
    pub fn in_working_hours(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&jiuzhu_domain::clock::BEIJING);
        let day = local.date_naive();
        let working = self
            .calendar
            .is_working_day(day)
            .unwrap_or_else(|_| !matches!(chrono::Datelike::weekday(&day), chrono::Weekday::Sat | chrono::Weekday::Sun));
        working && local.time() >= self.thresholds.work_from && local.time() < self.thresholds.work_to
    }

    /// The alerts entry `id` raises.
    pub fn observe(&mut self, id: i64, r: &AuditRecord) -> Vec<NewAlert> {
        let Ok(at) = DateTime::parse_from_rfc3339(&r.at).map(|t| t.with_timezone(&Utc)) else { return Vec::new() };
        let Some(account) = r.account_id else { return Vec::new() };
        // An entry without a region (an unknown username) belongs to no town: the province sees it.
        let Some(region) = RegionCode::parse(&r.region).ok().or_else(|| RegionCode::parse("62").ok()) else { return Vec::new() };
        let window = Duration::minutes(self.thresholds.window_minutes);
        let alert = |rule: Rule, count: i64, first: i64, merge: Duration| NewAlert {
            rule: rule.as_str().into(),
            account_id: Some(account),
            username: r.username.clone(),
            region: region.clone(),
            at,
            count,
            first_entry: first,
            last_entry: id,
            merge_since: at - merge,
        };
        let mut out = Vec::new();
        let personal = matches!(r.action.as_str(), "view" | "search" | "reveal" | "export" | "download") && r.outcome == "allowed";
        if r.outcome == "denied" && r.reason == "out_of_scope" {
            out.push(alert(Rule::OutOfScope, 1, id, Duration::hours(24)));
        }
        if r.action == "reveal" && r.reason == "outside_caseload" {
            out.push(alert(Rule::OutsideCaseload, 1, id, Duration::hours(24)));
        }
        if personal && !self.in_working_hours(at) {
            out.push(alert(Rule::OffHours, 1, id, Duration::hours(12)));
        }
        if r.action == "view"
            && r.outcome == "allowed"
            && let Some(h) = r.household_id
        {
            let q = self.views.entry(r.username.clone()).or_default();
            q.push_back((at, h, id));
            while q.front().is_some_and(|(t, ..)| *t < at - window) {
                q.pop_front();
            }
            let mut distinct: Vec<i64> = q.iter().map(|(_, h, _)| *h).collect();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() > self.thresholds.bulk_households {
                out.push(alert(Rule::BulkLookup, distinct.len() as i64, q.front().map_or(id, |x| x.2), window));
                q.clear();
            }
        }
        // Any lookup by ID number counts, not only the search box: registering or adding a member
        // with someone's number also tells whether that person is registered anywhere.
        if r.detail.split(';').any(|d| d == "by=id_number") {
            let q = self.id_searches.entry(r.username.clone()).or_default();
            q.push_back((at, id));
            while q.front().is_some_and(|(t, _)| *t < at - window) {
                q.pop_front();
            }
            if q.len() > self.thresholds.id_searches {
                out.push(alert(Rule::IdSearches, q.len() as i64, q.front().map_or(id, |x| x.1), window));
                q.clear();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Entry, Who};
    use chrono::TimeZone;
    use jiuzhu_domain::{Action, Denial};

    fn who() -> Who {
        Who {
            account_id: Some(5),
            username: "clerk".into(),
            role: "window_clerk".into(),
            region: "620825100".into(),
            ip: "10.0.0.1".into(),
        }
    }

    /// 2026-12-02 is a Wednesday (working day); 10:00 Beijing is 02:00 UTC.
    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, m, s).unwrap()
    }

    fn engine() -> AlertEngine {
        AlertEngine::new(Thresholds::default(), Calendar::official().clone())
    }

    #[test]
    fn thresholds_come_from_configuration() {
        let t: Thresholds = serde_norway::from_str("bulk_households: 5\nwork_from: '08:30:00'\n").unwrap();
        assert_eq!((t.bulk_households, t.id_searches, t.work_from), (5, 20, NaiveTime::from_hms_opt(8, 30, 0).unwrap()));
        let e = serde_norway::from_str::<Thresholds>("bulk_househods: 5\n").unwrap_err().to_string();
        assert!(e.contains("bulk_househods"), "a misspelt key is named: {e}");
        let mut engine = AlertEngine::new(t, Calendar::official().clone());
        let fired: usize = (0..6)
            .map(|n| engine.observe(n + 1, &Entry::new(&who(), at(2, 0, 0), Action::View, "household", n).household(n).record()).len())
            .sum();
        assert_eq!(fired, 1, "the sixth household with a threshold of 5");
        assert!(!engine.in_working_hours(at(0, 15, 0)), "08:15 is before 08:30");
    }

    #[test]
    fn working_hours_follow_beijing_time_and_the_official_calendar() {
        let e = engine();
        assert!(e.in_working_hours(at(2, 0, 0)), "10:00 on a Wednesday");
        assert!(!e.in_working_hours(Utc.with_ymd_and_hms(2026, 12, 1, 22, 59, 59).unwrap()), "06:59:59 Beijing");
        assert!(e.in_working_hours(Utc.with_ymd_and_hms(2026, 12, 1, 23, 0, 0).unwrap()), "07:00 Beijing");
        assert!(!e.in_working_hours(at(12, 0, 0)), "20:00 Beijing");
        assert!(!e.in_working_hours(Utc.with_ymd_and_hms(2026, 10, 1, 2, 0, 0).unwrap()), "National Day holiday");
        assert!(!e.in_working_hours(Utc.with_ymd_and_hms(2026, 12, 5, 2, 0, 0).unwrap()), "a Saturday");
    }

    #[test]
    fn bulk_lookup_fires_above_the_threshold_within_the_window() {
        let mut e = engine();
        let mut fired = Vec::new();
        for n in 0..51 {
            let r = Entry::new(&who(), at(2, 0, n), Action::View, "household", n).household(i64::from(n)).record();
            fired.extend(e.observe(i64::from(n) + 1, &r));
        }
        assert_eq!(fired.len(), 1, "the 51st different household in ten minutes");
        assert_eq!((fired[0].rule.as_str(), fired[0].count, fired[0].first_entry, fired[0].last_entry), ("bulk_lookup", 51, 1, 51));

        // The same 50 households again, or spread beyond the window: nothing.
        let mut e = engine();
        for n in 0..200 {
            let r = Entry::new(&who(), at(2, 0, 0) + Duration::seconds(13 * n), Action::View, "household", n).household(n).record();
            assert!(e.observe(n + 1, &r).is_empty(), "50 per ten minutes at most");
        }
    }

    #[test]
    fn denials_out_of_scope_off_hours_and_id_searches() {
        let mut e = engine();
        let r = Entry::new(&who(), at(2, 0, 0), Action::View, "household", 9).denied(Denial::OutOfScope).record();
        assert_eq!(e.observe(1, &r).iter().map(|a| a.rule.as_str()).collect::<Vec<_>>(), ["out_of_scope"]);
        let r = Entry::new(&who(), at(2, 0, 0), Action::View, "household", 9).denied(Denial::Role).record();
        assert!(e.observe(2, &r).is_empty(), "a role denial is not an attempt on another region");
        let r = Entry::new(&who(), at(14, 0, 0), Action::Reveal, "household", 9).household(9).reason("outside_caseload").record();
        let rules: Vec<_> = e.observe(3, &r).into_iter().map(|a| a.rule).collect();
        assert_eq!(rules, ["outside_caseload", "off_hours"], "22:00 Beijing");
        let mut fired = 0;
        for n in 0..21 {
            let r = Entry::new(&who(), at(3, 0, n), Action::Search, "household", "").detail("by=id_number;hits=1").record();
            fired += e.observe(10 + i64::from(n), &r).len();
        }
        assert_eq!(fired, 1, "the 21st search by ID number in ten minutes");
    }
}
