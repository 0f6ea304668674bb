//! The month's 低保 counts per region: each household counted once at its 户籍 village, then the
//! villages summed up to any enclosing region — so a parent is the sum of its children by
//! construction, and a table's 合计 the sum of its rows.

use crate::facts::{AgeGroup, Cause, DibaoHousehold};
use chrono::NaiveDate;
use jiuzhu_domain::{Area, LabourCapacity, RegionCode, Sex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::AddAssign;

/// What the 城市 or 农村 低保 table counts for one region in one month. Money in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DibaoCounts {
    /// 当月 户数, 人数
    pub households: i64,
    pub persons: i64,
    /// 上月 户数, 人数
    pub last_households: i64,
    pub last_persons: i64,
    /// 老年人, 成年人, 未成年人 (age on the month's last day)
    pub elderly: i64,
    pub adults: i64,
    pub minors: i64,
    pub female: i64,
    pub disabled: i64,
    /// 劳动能力: 有, 部分丧失, 无
    pub labour_full: i64,
    pub labour_partial: i64,
    pub labour_none: i64,
    /// Households by main cause, in [`Cause::ALL`]'s order.
    pub causes: [i64; 6],
    /// 当月新增 and 当月退出. A household that came on brings all its members; one that went off
    /// takes all it had; a household on 低保 both months whose covered members changed counts
    /// the difference as people added or gone, so 上月 + 新增 − 退出 = 当月 in people too.
    pub new_households: i64,
    pub new_persons: i64,
    pub exited_households: i64,
    pub exited_persons: i64,
    /// 当月资金支出: 低保金, 分类施保, 其他补贴
    pub paid_base: i64,
    pub paid_classified: i64,
    pub paid_other: i64,
}

impl DibaoCounts {
    /// Counts one household of the month (`month_end`: the month's last day, for ages).
    pub fn add(&mut self, h: &DibaoHousehold, month_end: NaiveDate) {
        let now = if h.this_month { h.members.len() as i64 } else { 0 };
        let before = if h.last_month { i64::from(h.last_month_members) } else { 0 };
        self.last_households += i64::from(h.last_month);
        self.last_persons += before;
        match (h.last_month, h.this_month) {
            (false, true) => {
                self.new_households += 1;
                self.new_persons += now;
            }
            (true, false) => {
                self.exited_households += 1;
                self.exited_persons += before;
            }
            (true, true) if now > before => self.new_persons += now - before,
            (true, true) => self.exited_persons += before - now,
            (false, false) => {}
        }
        self.paid_base += h.paid.base;
        self.paid_classified += h.paid.classified;
        self.paid_other += h.paid.other;
        if !h.this_month {
            return;
        }
        self.households += 1;
        self.persons += now;
        for m in &h.members {
            match m.age_group(month_end) {
                AgeGroup::Elderly => self.elderly += 1,
                AgeGroup::Adult => self.adults += 1,
                AgeGroup::Minor => self.minors += 1,
            }
            self.female += i64::from(m.sex == Sex::Female);
            self.disabled += i64::from(m.disabled);
            match m.labour {
                LabourCapacity::Full => self.labour_full += 1,
                LabourCapacity::Partial => self.labour_partial += 1,
                LabourCapacity::None => self.labour_none += 1,
            }
        }
        let cause = Cause::of(&h.members);
        if let Some(i) = Cause::ALL.iter().position(|c| *c == cause) {
            self.causes[i] += 1;
        }
    }

    /// 当月资金支出 in all (fen).
    pub fn paid(&self) -> i64 {
        self.paid_base + self.paid_classified + self.paid_other
    }
}

impl AddAssign for DibaoCounts {
    fn add_assign(&mut self, o: DibaoCounts) {
        let DibaoCounts {
            households,
            persons,
            last_households,
            last_persons,
            elderly,
            adults,
            minors,
            female,
            disabled,
            labour_full,
            labour_partial,
            labour_none,
            causes,
            new_households,
            new_persons,
            exited_households,
            exited_persons,
            paid_base,
            paid_classified,
            paid_other,
        } = o;
        self.households += households;
        self.persons += persons;
        self.last_households += last_households;
        self.last_persons += last_persons;
        self.elderly += elderly;
        self.adults += adults;
        self.minors += minors;
        self.female += female;
        self.disabled += disabled;
        self.labour_full += labour_full;
        self.labour_partial += labour_partial;
        self.labour_none += labour_none;
        for (a, b) in self.causes.iter_mut().zip(causes) {
            *a += b;
        }
        self.new_households += new_households;
        self.new_persons += new_persons;
        self.exited_households += exited_households;
        self.exited_persons += exited_persons;
        self.paid_base += paid_base;
        self.paid_classified += paid_classified;
        self.paid_other += paid_other;
    }
}

/// The month's counts per (village, 城市/农村 as `Area::as_str`): what a month close stores.
pub type VillageCounts = BTreeMap<(RegionCode, &'static str), DibaoCounts>;

/// Counts every household at its village.
pub fn by_village<'a>(households: impl IntoIterator<Item = &'a DibaoHousehold>, month_end: NaiveDate) -> VillageCounts {
    let mut out = VillageCounts::new();
    for h in households {
        out.entry((h.village.clone(), h.area.as_str())).or_default().add(h, month_end);
    }
    out
}

/// The counts of `area` summed up to `region` (any level: a county, a town, a village).
pub fn within(villages: &VillageCounts, region: &RegionCode, area: Area) -> DibaoCounts {
    let mut sum = DibaoCounts::default();
    for ((v, a), c) in villages {
        if *a == area.as_str() && v.is_within(region) {
            sum += *c;
        }
    }
    sum
}
