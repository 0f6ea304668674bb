//! 好差评: a resident's rating of how a matter was handled — after a decision on their online
//! application, or after the answer to their complaint — on the national five levels of
//! 《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》(国办发〔2019〕51号): 非常满意、
//! 满意、基本满意、不满意、非常不满意. A bad rating (不满意 or worse, 差评) opens a rectification
//! (整改) for the unit that handled the matter. The rules are `jiuzhu_residents::ratings`; the
//! storage `jiuzhu_store::RatingStore`.

use crate::enums::string_enum;

string_enum! {
    /// 评价等级 (国办发〔2019〕51号, five levels)
    Satisfaction {
        /// 非常满意 ★★★★★
        VerySatisfied = "very_satisfied" / "非常满意" / "very satisfied",
        /// 满意 ★★★★
        Satisfied = "satisfied" / "满意" / "satisfied",
        /// 基本满意 ★★★
        FairlySatisfied = "fairly_satisfied" / "基本满意" / "fairly satisfied",
        /// 不满意 ★★ (差评)
        Dissatisfied = "dissatisfied" / "不满意" / "dissatisfied",
        /// 非常不满意 ★ (差评)
        VeryDissatisfied = "very_dissatisfied" / "非常不满意" / "very dissatisfied",
    }
}

impl Satisfaction {
    /// 差评: 不满意 and 非常不满意, each of which the handling unit must check and put right.
    pub fn is_bad(self) -> bool {
        matches!(self, Satisfaction::Dissatisfied | Satisfaction::VeryDissatisfied)
    }

    /// The stars of the national mark: 5 for 非常满意 … 1 for 非常不满意.
    pub fn stars(self) -> u8 {
        match self {
            Satisfaction::VerySatisfied => 5,
            Satisfaction::Satisfied => 4,
            Satisfaction::FairlySatisfied => 3,
            Satisfaction::Dissatisfied => 2,
            Satisfaction::VeryDissatisfied => 1,
        }
    }
}

string_enum! {
    /// 评价对象: what was rated.
    RatedMatter {
        /// 网上申请 and the decision on it
        Application = "application" / "救助申请的办理" / "the handling of an application",
        /// 投诉举报 and its answer
        Complaint = "complaint" / "投诉举报的办理" / "the handling of a complaint",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_of_the_five_levels_are_bad_ratings() {
        let bad: Vec<_> = Satisfaction::ALL.iter().filter(|s| s.is_bad()).map(|s| s.zh()).collect();
        assert_eq!(bad, ["不满意", "非常不满意"]);
        let stars: Vec<u8> = Satisfaction::ALL.iter().map(|s| s.stars()).collect();
        assert_eq!(stars, [5, 4, 3, 2, 1]);
    }
}
