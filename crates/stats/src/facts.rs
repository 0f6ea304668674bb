//! What the month close knows of one 低保 household in the month: where it is, who lives in it,
//! whether it was on 低保 this month, came on or went off, and what was paid for the month.

use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::{Area, LabourCapacity, RegionCode, Sex};
use serde::{Deserialize, Serialize};

/// One member as the tables count people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFacts {
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// Holds a disability certificate (残疾人证).
    pub disabled: bool,
    /// 重病 or 慢性病.
    pub ill: bool,
    /// In school (在学).
    pub student: bool,
    pub labour: LabourCapacity,
}

/// 人员类别 by age on the month's last day: 老年人 (60 and over), 成年人 (18–59), 未成年人.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeGroup {
    Elderly,
    Adult,
    Minor,
}

/// Full years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

impl MemberFacts {
    pub fn age_group(&self, on: NaiveDate) -> AgeGroup {
        match age_on(self.birth_date, on) {
            a if a >= 60 => AgeGroup::Elderly,
            a if a >= 18 => AgeGroup::Adult,
            _ => AgeGroup::Minor,
        }
    }
}

/// 致贫原因 as the official table lists them. jiuzhu records no cause as such: the main cause is
/// read from the household's members, in this order — someone seriously or chronically ill
/// (疾病), else someone disabled (残疾), else a student (因学), else nobody able to work
/// (缺乏劳动力), else 其他. 灾害 is counted only where a case says so (not yet recorded: 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cause {
    Illness,
    Disability,
    Schooling,
    Disaster,
    NoLabour,
    Other,
}

impl Cause {
    pub const ALL: [Cause; 6] = [Cause::Illness, Cause::Disability, Cause::Schooling, Cause::Disaster, Cause::NoLabour, Cause::Other];

    pub fn zh(self) -> &'static str {
        match self {
            Cause::Illness => "疾病",
            Cause::Disability => "残疾",
            Cause::Schooling => "因学",
            Cause::Disaster => "灾害",
            Cause::NoLabour => "缺乏劳动力",
            Cause::Other => "其他",
        }
    }

    /// The main cause of a household's hardship, read from its members (see [`Cause`]).
    pub fn of(members: &[MemberFacts]) -> Cause {
        if members.iter().any(|m| m.ill) {
            Cause::Illness
        } else if members.iter().any(|m| m.disabled) {
            Cause::Disability
        } else if members.iter().any(|m| m.student) {
            Cause::Schooling
        } else if !members.iter().any(|m| m.labour == LabourCapacity::Full) {
            Cause::NoLabour
        } else {
            Cause::Other
        }
    }
}

/// What was paid for the month (fen), split as the table splits spending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paid {
    /// 低保金: the gap to the standard.
    pub base: i64,
    /// 分类施保: the extra for the elderly, the severely disabled, the seriously ill, minors.
    pub classified: i64,
    /// 其他补贴 (price subsidies, arrears of earlier months paid this month …).
    pub other: i64,
}

impl Paid {
    pub fn total(&self) -> i64 {
        self.base + self.classified + self.other
    }
}

/// One household's 低保 standing in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DibaoHousehold {
    /// The 户籍 village (12 digits).
    pub village: RegionCode,
    pub area: Area,
    /// The members covered (保障人口) in the month.
    pub members: Vec<MemberFacts>,
    /// On 低保 in the month (paid for it, or owed and held).
    pub this_month: bool,
    /// On 低保 in the month before.
    pub last_month: bool,
    /// Covered members in the month before (for 上月 + 新增 − 退出 = 当月 in people).
    pub last_month_members: u32,
    pub paid: Paid,
}
