//! The casework parameters in force for a region and date (deadlines, delegation, review
//! intervals), read from the policy files like every other regional rule.

use chrono::NaiveDate;
use jiuzhu_policy::params::Missing;
use jiuzhu_policy::{Policies, rate::Rate};

/// Deadlines are in working days unless the name says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub check_start_days: u32,
    pub survey_days: u32,
    pub evaluation_days: u32,
    pub town_review_days: u32,
    /// Calendar days of the public notice.
    pub publicity_days: u32,
    pub county_decision_days: u32,
    pub overall_days: u32,
    pub overall_days_extended: u32,
    /// 低保 (and the other civil-affairs statuses) are decided by the town.
    pub town_approves: bool,
    pub town_overall_days: u32,
    pub rejection_notice_days: u32,
    pub tekun_town_days: u32,
    pub tekun_county_days: u32,
    pub tekun_spot_check_share: Rate,
    pub commitment_overall_days: u32,
    pub commitment_post_check_months: u32,
    pub commitment_recheck_share: Rate,
    pub temporary_overall_days: u32,
    pub feedback_objection_days: u32,
    /// 补正材料: the working days, from the intake, the missing-materials notice gives.
    pub materials_days: u32,
    pub referral_answer_days: u32,
    pub emergency_paperwork_days: u32,
    pub review_stable_months: u32,
    pub review_can_work_months: u32,
    pub review_tekun_months: u32,
    pub review_after_death_months: u32,
    pub job_refusals: u32,
    pub gradual_exit_months: u32,
}

impl Rules {
    pub fn resolve(policies: &Policies, region: &str, date: NaiveDate) -> Result<Rules, Missing> {
        let get = |name: &'static str| policies.lookup(name, region, date).map(|f| f.value);
        let days = |name: &'static str| get(name).map(|v| u32::try_from(v).unwrap_or(0));
        Ok(Rules {
            check_start_days: days("casework.check_start_days")?,
            survey_days: days("casework.survey_days")?,
            evaluation_days: days("casework.evaluation_days")?,
            town_review_days: days("casework.town_review_days")?,
            publicity_days: days("casework.publicity_days")?,
            county_decision_days: days("casework.county_decision_days")?,
            overall_days: days("casework.overall_days")?,
            overall_days_extended: days("casework.overall_days_extended")?,
            town_approves: get("casework.town_approves")? != 0,
            town_overall_days: days("casework.town_overall_days")?,
            rejection_notice_days: days("casework.rejection_notice_days")?,
            tekun_town_days: days("casework.tekun.town_days")?,
            tekun_county_days: days("casework.tekun.county_days")?,
            tekun_spot_check_share: Rate(get("casework.tekun.spot_check_share")?),
            commitment_overall_days: days("casework.commitment.overall_days")?,
            commitment_post_check_months: days("casework.commitment.post_check_months")?,
            commitment_recheck_share: Rate(get("casework.commitment.recheck_share")?),
            temporary_overall_days: days("casework.temporary.overall_days")?,
            feedback_objection_days: days("casework.feedback_objection_days")?,
            materials_days: days("casework.materials_days")?,
            referral_answer_days: days("casework.referral_answer_days")?,
            emergency_paperwork_days: days("casework.emergency.paperwork_days")?,
            review_stable_months: days("review.stable_months")?,
            review_can_work_months: days("review.can_work_months")?,
            review_tekun_months: days("review.tekun_months")?,
            review_after_death_months: days("review.after_death_months")?,
            job_refusals: days("review.job_refusals")?,
            gradual_exit_months: days("gradual_exit.months")?,
        })
    }
}
