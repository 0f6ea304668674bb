//! 好差评 rules (pure): what a rating must say, when a matter may be rated, the rectification
//! deadline, and what a rectification must record.
//!
//! Sources: 国办发〔2019〕51号 (five levels; 一事一评; every 差评 checked, put right and answered —
//! 实名差评回访整改率 100%). The national text asks for 限期整改 without one figure; 15 working days
//! is the common provincial limit (e.g. 四川省 “对不满意或者非常不满意问题，在15个工作日内整改到位”),
//! used here as [`RECTIFY_WITHIN`].

use crate::complaints::rules::working_days_after;
use chrono::NaiveDate;
use jiuzhu_domain::rating::{RatedMatter, Satisfaction};
use jiuzhu_domain::{Calendar, FieldError, Role, ValidationErrors};

/// Working days to put a bad rating right.
pub const RECTIFY_WITHIN: u32 = 15;
/// The longest comment kept.
pub const MAX_COMMENT: usize = 500;
/// A bad rating says what was wrong in at least this many characters (there is nothing to put
/// right otherwise).
pub const MIN_BAD_COMMENT: usize = 5;
/// A rectification's two texts are at least this long.
pub const MIN_RECTIFY_TEXT: usize = 10;

/// A rating as checked: its level and comment (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRating {
    pub level: Satisfaction,
    pub comment: String,
}

/// Checks what the resident chose and wrote; every problem named at once.
pub fn check_rating(level: &str, comment: &str) -> Result<CheckedRating, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let level = Satisfaction::parse(level.trim());
    if level.is_none() {
        e.push(FieldError::new("level", "rating.level", "请选择您对这次办理的满意程度", "choose how satisfied you are"));
    }
    let comment = comment.trim().to_string();
    let n = comment.chars().count();
    if n > MAX_COMMENT {
        e.push(FieldError::new(
            "comment",
            "rating.comment_long",
            format!("意见最多 {MAX_COMMENT} 个字，现在 {n} 个字"),
            format!("at most {MAX_COMMENT} characters, now {n}"),
        ));
    }
    if level.is_some_and(Satisfaction::is_bad) && n < MIN_BAD_COMMENT {
        e.push(FieldError::new(
            "comment",
            "rating.comment_needed",
            format!("请写一写哪里不满意（至少 {MIN_BAD_COMMENT} 个字），我们据此核实整改"),
            format!("say what was wrong (at least {MIN_BAD_COMMENT} characters) so that it can be checked and put right"),
        ));
    }
    e.into_result()?;
    #[allow(clippy::unwrap_used, reason = "checked above")]
    Ok(CheckedRating { level: level.unwrap(), comment })
}

/// The day by which a bad rating given on `rated` must be put right; `None` for a good one.
pub fn rectify_by(calendar: &Calendar, level: Satisfaction, rated: NaiveDate) -> Option<NaiveDate> {
    level.is_bad().then(|| working_days_after(calendar, rated, RECTIFY_WITHIN))
}

/// What a handler records on putting a bad rating right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRectification {
    pub found: String,
    pub action: String,
    pub contacted: bool,
}

/// Checks a rectification: what was found, what was done (each at least
/// [`MIN_RECTIFY_TEXT`] characters) and whether the resident was told (回访: an explicit choice,
/// nobody's default).
pub fn check_rectification(found: &str, action: &str, contacted: &str) -> Result<CheckedRectification, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let (found, action) = (found.trim().to_string(), action.trim().to_string());
    if found.chars().count() < MIN_RECTIFY_TEXT {
        e.push(FieldError::new(
            "found",
            "rectify.found",
            format!("请写明核实情况（至少 {MIN_RECTIFY_TEXT} 个字）"),
            format!("write what the check found (at least {MIN_RECTIFY_TEXT} characters)"),
        ));
    }
    if action.chars().count() < MIN_RECTIFY_TEXT {
        e.push(FieldError::new(
            "action",
            "rectify.action",
            format!("请写明整改措施和结果（至少 {MIN_RECTIFY_TEXT} 个字）"),
            format!("write what was done and its result (at least {MIN_RECTIFY_TEXT} characters)"),
        ));
    }
    let contacted = match contacted {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    if contacted.is_none() {
        e.push(FieldError::new("contacted", "rectify.contacted", "请选择是否已回访评价人", "say whether the resident was told"));
    }
    e.into_result()?;
    #[allow(clippy::unwrap_used, reason = "checked above")]
    Ok(CheckedRectification { found, action, contacted: contacted.unwrap() })
}

/// Whose bad ratings a role puts right (谁办理、谁负责): the town reviewer and the county approver
/// those of applications, the 举报受理员 those of complaints; nobody else.
pub fn matter_of(role: Role) -> Option<RatedMatter> {
    match role {
        Role::TownReviewer | Role::CountyApprover => Some(RatedMatter::Application),
        Role::ComplaintHandler => Some(RatedMatter::Complaint),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn codes(r: Result<CheckedRating, ValidationErrors>) -> Vec<&'static str> {
        r.err().map(|e| e.0.iter().map(|f| f.code).collect()).unwrap_or_default()
    }

    #[test]
    fn a_rating_table() {
        let four = "太慢了啊";
        let five = "太慢了啊！";
        let table: &[(&str, &str, &[&str])] = &[
            ("very_satisfied", "", &[]),
            ("fairly_satisfied", "", &[]),
            ("", "", &["rating.level"]),
            ("great", "很好", &["rating.level"]),
            ("dissatisfied", four, &["rating.comment_needed"]),
            ("dissatisfied", five, &[]),
            ("very_dissatisfied", "   ", &["rating.comment_needed"]),
            ("satisfied", &"好".repeat(MAX_COMMENT), &[]),
            ("satisfied", &"好".repeat(MAX_COMMENT + 1), &["rating.comment_long"]),
        ];
        for (level, comment, want) in table {
            assert_eq!(codes(check_rating(level, comment)), *want, "{level} {comment:?}");
        }
        assert_eq!(
            check_rating(" satisfied ", "  办得快  ").unwrap(),
            CheckedRating { level: Satisfaction::Satisfied, comment: "办得快".into() }
        );
    }

    #[test]
    fn a_bad_rating_is_put_right_within_fifteen_working_days_of_the_official_calendar() {
        let cal = Calendar::official();
        // 30 Sep 2026, the eve of 国庆: 15 working days on is 27 Oct (Monday to Friday alone would
        // give 21 Oct).
        assert_eq!(rectify_by(cal, Satisfaction::Dissatisfied, day("2026-09-30")), Some(day("2026-10-27")));
        assert_eq!(rectify_by(cal, Satisfaction::VeryDissatisfied, day("2026-12-07")), Some(day("2026-12-28")));
        assert_eq!(rectify_by(cal, Satisfaction::FairlySatisfied, day("2026-09-30")), None);
    }

    #[test]
    fn a_rectification_names_every_missing_part_and_asks_whether_the_resident_was_told() {
        let e = check_rectification("短", "", "").unwrap_err();
        let c: Vec<_> = e.0.iter().map(|f| f.code).collect();
        assert_eq!(c, ["rectify.found", "rectify.action", "rectify.contacted"]);
        let ok = check_rectification("窗口人员未一次性告知所需材料", "已约谈窗口人员并补发告知书，当日办结", "yes").unwrap();
        assert!(ok.contacted);
        assert!(!check_rectification("窗口人员未一次性告知所需材料", "已约谈窗口人员并补发告知书，当日办结", "no").unwrap().contacted);
    }

    #[test]
    fn who_puts_which_ratings_right() {
        assert_eq!(matter_of(Role::TownReviewer), Some(RatedMatter::Application));
        assert_eq!(matter_of(Role::CountyApprover), Some(RatedMatter::Application));
        assert_eq!(matter_of(Role::ComplaintHandler), Some(RatedMatter::Complaint));
        assert_eq!(matter_of(Role::WindowClerk), None);
        assert_eq!(matter_of(Role::Auditor), None);
    }
}
