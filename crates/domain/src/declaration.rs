//! 申报: what a household declares of its income, assets, rigid expenses and supporters outside
//! it, and who took the declaration when. A part is declared with its rows or as "none" (无收入);
//! a part never declared is missing, not zero.

use crate::enums::string_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

string_enum! {
    /// 申报事项: the parts of a household's declaration (申请人申报), each declared with its rows
    /// or as "none" (无收入、无财产…); a part never declared is missing, not zero.
    Section { Incomes = "incomes" / "收入" / "income", Assets = "assets" / "财产" / "assets", Expenses = "expenses" / "刚性支出" / "rigid expenses", Supporters = "supporters" / "赡养（抚养、扶养）义务人" / "supporters outside the household" }
}

impl Section {
    /// The words a clerk ticks to declare the part empty.
    pub fn none_zh(self) -> &'static str {
        match self {
            Section::Incomes => "本户无任何收入",
            Section::Assets => "本户无存款、有价证券、车辆、房产、工商登记等财产",
            Section::Expenses => "本户无刚性支出",
            Section::Supporters => "本户成员在户外无赡养（抚养、扶养）义务人",
        }
    }
    pub fn none_en(self) -> &'static str {
        match self {
            Section::Incomes => "the household has no income at all",
            Section::Assets => "no deposits, securities, vehicles, property or business registrations",
            Section::Expenses => "no rigid expenses",
            Section::Supporters => "no legal supporters outside the household",
        }
    }
}

/// 申报: who took the household's declaration and when, and the parts it declared empty. A part
/// is declared when it has rows or is in `none`; silence (no rows, not ticked) is not a declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// 录入日期 (Beijing date of the entry).
    pub on: NaiveDate,
    /// Who took it: the account's display name at the time.
    pub by: String,
    /// Parts declared to have nothing (申报"无").
    pub none: Vec<Section>,
}
