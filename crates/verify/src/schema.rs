//! The declared schema of every department feed (部门共享数据): which department sends it,
//! its columns, their types, and which columns make a row unique.
//!
//! The feeds are the ones 核对 needs (RULES.md §核对; 《最低生活保障审核确认办法》 art. 13–15
//! authorise the checks; seed 002 names 税务、工商、人社、住建、公积金、车管、殡葬 as the departments a
//! city connected; seed 003 adds 教育、应急、医保、残联 for proactive discovery).
//!
//! Every feed's first column is `id_number` (公民身份号码, GB 11643): that is how other
//! departments identify people, and the only key the checks join on.

use serde::Serialize;

/// The department that sends a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    /// 公安
    Police,
    /// 人力资源和社会保障
    HumanResources,
    /// 税务
    Tax,
    /// 市场监管
    MarketRegulation,
    /// 车管（公安交通管理）
    VehicleAdministration,
    /// 不动产登记
    RealEstate,
    /// 住房公积金
    HousingFund,
    /// 银行（经授权查询）
    Banks,
    /// 医疗保障
    MedicalSecurity,
    /// 残联
    DisabledPersons,
    /// 教育
    Education,
    /// 殡葬（民政殡葬管理）
    Funeral,
    /// 应急管理
    Emergency,
}

impl Department {
    pub const ALL: [Department; 13] = [
        Department::Police,
        Department::HumanResources,
        Department::Tax,
        Department::MarketRegulation,
        Department::VehicleAdministration,
        Department::RealEstate,
        Department::HousingFund,
        Department::Banks,
        Department::MedicalSecurity,
        Department::DisabledPersons,
        Department::Education,
        Department::Funeral,
        Department::Emergency,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Department::Police => "公安",
            Department::HumanResources => "人社",
            Department::Tax => "税务",
            Department::MarketRegulation => "市场监管",
            Department::VehicleAdministration => "车管",
            Department::RealEstate => "不动产",
            Department::HousingFund => "公积金",
            Department::Banks => "银行",
            Department::MedicalSecurity => "医保",
            Department::DisabledPersons => "残联",
            Department::Education => "教育",
            Department::Funeral => "殡葬",
            Department::Emergency => "应急",
        }
    }
}

/// How a column's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// 公民身份号码, verified (length, region, birth date, check digit).
    IdNumber,
    /// Free text (names, plates, employers); trimmed.
    Text,
    /// `YYYY-MM-DD` (also `YYYY/MM/DD`, `YYYYMMDD` and Excel dates), not before 1900 nor after the import day.
    Date,
    /// `YYYY-MM` (also `YYYYMM`), not before 1900 nor after the import month.
    Month,
    /// Money in fen, a non-negative integer (departments send 分 so nothing is rounded).
    Fen,
    /// A non-negative integer (areas in m², grades).
    Count,
    /// One of the listed codes.
    Code(&'static [&'static str]),
}

/// One declared column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub zh: &'static str,
    pub kind: ColumnType,
    /// An empty value is an error.
    pub required: bool,
}

const fn col(name: &'static str, zh: &'static str, kind: ColumnType) -> Column {
    Column { name, zh, kind, required: true }
}

const fn opt(name: &'static str, zh: &'static str, kind: ColumnType) -> Column {
    Column { name, zh, kind, required: false }
}

const ID: Column = col("id_number", "公民身份号码", ColumnType::IdNumber);

/// A department feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feed {
    /// 公安 户籍人口
    Population,
    /// 公安 死亡注销
    Deaths,
    /// 人社 社会保险缴费（缴费基数按月）
    Contributions,
    /// 人社 就业登记
    Employment,
    /// 人社 失业登记
    Unemployment,
    /// 税务 个人所得（按月）
    TaxIncome,
    /// 市场监管 经营主体（法定代表人/经营者）
    Businesses,
    /// 车管 机动车登记
    Vehicles,
    /// 不动产 登记
    Properties,
    /// 公积金 缴存（按月）
    HousingFund,
    /// 银行 存款余额
    Deposits,
    /// 医保 结算（住院、门诊，个人自付）
    MedicalBills,
    /// 残联 残疾人证
    Disabilities,
    /// 教育 学籍
    Enrolment,
    /// 殡葬 火化
    Cremations,
    /// 应急 受灾人员
    DisasterVictims,
}

impl Feed {
    pub const ALL: [Feed; 16] = [
        Feed::Population,
        Feed::Deaths,
        Feed::Contributions,
        Feed::Employment,
        Feed::Unemployment,
        Feed::TaxIncome,
        Feed::Businesses,
        Feed::Vehicles,
        Feed::Properties,
        Feed::HousingFund,
        Feed::Deposits,
        Feed::MedicalBills,
        Feed::Disabilities,
        Feed::Enrolment,
        Feed::Cremations,
        Feed::DisasterVictims,
    ];

    /// The code used in file names (`feed_{code}.csv`), the CLI and the database.
    pub fn code(self) -> &'static str {
        match self {
            Feed::Population => "population",
            Feed::Deaths => "deaths",
            Feed::Contributions => "contributions",
            Feed::Employment => "employment",
            Feed::Unemployment => "unemployment",
            Feed::TaxIncome => "tax_income",
            Feed::Businesses => "businesses",
            Feed::Vehicles => "vehicles",
            Feed::Properties => "properties",
            Feed::HousingFund => "housing_fund",
            Feed::Deposits => "deposits",
            Feed::MedicalBills => "medical_bills",
            Feed::Disabilities => "disabilities",
            Feed::Enrolment => "enrolment",
            Feed::Cremations => "cremations",
            Feed::DisasterVictims => "disaster_victims",
        }
    }

    pub fn parse(code: &str) -> Option<Feed> {
        Feed::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Feed::Population => "户籍人口",
            Feed::Deaths => "死亡注销",
            Feed::Contributions => "社会保险缴费",
            Feed::Employment => "就业登记",
            Feed::Unemployment => "失业登记",
            Feed::TaxIncome => "个人所得",
            Feed::Businesses => "经营主体登记",
            Feed::Vehicles => "机动车登记",
            Feed::Properties => "不动产登记",
            Feed::HousingFund => "公积金缴存",
            Feed::Deposits => "存款余额",
            Feed::MedicalBills => "医疗费用结算",
            Feed::Disabilities => "残疾人证",
            Feed::Enrolment => "学籍",
            Feed::Cremations => "火化记录",
            Feed::DisasterVictims => "受灾人员",
        }
    }

    pub fn department(self) -> Department {
        match self {
            Feed::Population | Feed::Deaths => Department::Police,
            Feed::Contributions | Feed::Employment | Feed::Unemployment => Department::HumanResources,
            Feed::TaxIncome => Department::Tax,
            Feed::Businesses => Department::MarketRegulation,
            Feed::Vehicles => Department::VehicleAdministration,
            Feed::Properties => Department::RealEstate,
            Feed::HousingFund => Department::HousingFund,
            Feed::Deposits => Department::Banks,
            Feed::MedicalBills => Department::MedicalSecurity,
            Feed::Disabilities => Department::DisabledPersons,
            Feed::Enrolment => Department::Education,
            Feed::Cremations => Department::Funeral,
            Feed::DisasterVictims => Department::Emergency,
        }
    }

    /// `公安·死亡注销`
    pub fn label(self) -> String {
        format!("{}·{}", self.department().zh(), self.zh())
    }

    /// The declared columns, `id_number` first.
    pub fn columns(self) -> &'static [Column] {
        use ColumnType::*;
        match self {
            Feed::Population => {
                const {
                    &[
                        ID,
                        col("name", "姓名", Text),
                        col("sex", "性别", Code(&["male", "female"])),
                        col("birth_date", "出生日期", Date),
                        col("hukou_region", "户籍地区划代码", Text),
                        col("status", "户籍状态", Code(&["normal", "moved_out", "deceased"])),
                    ]
                }
            }
            Feed::Deaths => const { &[ID, col("died_on", "死亡日期", Date)] },
            Feed::Contributions => const { &[ID, col("month", "缴费月份", Month), col("wage_base_fen", "缴费基数（分）", Fen)] },
            Feed::Employment => {
                const {
                    &[ID, col("employer", "用人单位", Text), col("started_on", "就业日期", Date), opt("ended_on", "终止日期", Date)]
                }
            }
            Feed::Unemployment => {
                const { &[ID, col("registered_on", "失业登记日期", Date), col("benefit_fen", "失业保险金（分/月）", Fen)] }
            }
            Feed::TaxIncome => {
                const {
                    &[
                        ID,
                        col("month", "所属月份", Month),
                        col("kind", "所得项目", Code(&["wage", "business", "property", "other"])),
                        col("income_fen", "收入额（分）", Fen),
                    ]
                }
            }
            Feed::Businesses => {
                const {
                    &[
                        ID,
                        col("credit_code", "统一社会信用代码", Text),
                        col("business_name", "主体名称", Text),
                        col("registered_on", "成立日期", Date),
                        col("status", "登记状态", Code(&["active", "cancelled"])),
                    ]
                }
            }
            Feed::Vehicles => {
                const {
                    &[
                        ID,
                        col("plate", "号牌号码", Text),
                        col("kind", "车辆类型", Code(&["car", "truck", "motorcycle"])),
                        col("registered_on", "初次登记日期", Date),
                        col("value_fen", "评估价值（分）", Fen),
                    ]
                }
            }
            Feed::Properties => {
                const {
                    &[
                        ID,
                        col("kind", "用途", Code(&["residential", "non_residential"])),
                        col("area_m2", "建筑面积（平方米）", Count),
                        col("registered_on", "登记日期", Date),
                    ]
                }
            }
            Feed::HousingFund => {
                const { &[ID, col("month", "缴存月份", Month), col("deposit_fen", "月缴存额（分，单位与个人合计）", Fen)] }
            }
            Feed::Deposits => {
                const { &[ID, col("bank", "开户银行", Text), col("balance_fen", "余额（分）", Fen), col("as_of", "余额日期", Date)] }
            }
            Feed::MedicalBills => {
                const {
                    &[
                        ID,
                        col("settled_on", "结算日期", Date),
                        col("kind", "就诊类型", Code(&["inpatient", "outpatient"])),
                        col("total_fen", "医疗总费用（分）", Fen),
                        col("self_pay_fen", "个人自付（分）", Fen),
                    ]
                }
            }
            Feed::Disabilities => {
                const {
                    &[
                        ID,
                        col("certificate_no", "残疾人证号", Text),
                        col("kind", "残疾类别", Code(&["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"])),
                        col("grade", "残疾等级", Code(&["1", "2", "3", "4"])),
                        col("issued_on", "发证日期", Date),
                    ]
                }
            }
            Feed::Enrolment => {
                const {
                    &[
                        ID,
                        col("school", "学校", Text),
                        col("stage", "学段", Code(&["compulsory", "high_school", "vocational", "undergraduate", "postgraduate"])),
                        col("enrolled_on", "入学日期", Date),
                        opt("left_on", "离校日期", Date),
                    ]
                }
            }
            Feed::Cremations => const { &[ID, col("cremated_on", "火化日期", Date)] },
            Feed::DisasterVictims => {
                const {
                    &[ID, col("disaster", "灾害", Text), col("occurred_on", "受灾日期", Date), col("loss_fen", "直接经济损失（分）", Fen)]
                }
            }
        }
    }

    /// The natural key: the columns that name what a row is about (a person, a plate, a month's
    /// contribution). Rows with one key are facts about one thing: stored each (a changed fact
    /// is a new fact), and the current one is chosen by [`Feed::valid_from`] when they are read.
    pub fn key(self) -> &'static [&'static str] {
        match self {
            Feed::Population | Feed::Deaths | Feed::Cremations => &["id_number"],
            Feed::Contributions | Feed::HousingFund => &["id_number", "month"],
            Feed::TaxIncome => &["id_number", "month", "kind"],
            Feed::Employment => &["id_number", "employer", "started_on"],
            Feed::Unemployment => &["id_number", "registered_on"],
            Feed::Businesses => &["credit_code"],
            Feed::Vehicles => &["plate"],
            Feed::Properties => &["id_number", "kind", "area_m2", "registered_on"],
            // A balance is as of a day: the latest one of a bank is current, earlier ones history.
            Feed::Deposits => &["id_number", "bank"],
            Feed::MedicalBills => &["id_number", "settled_on", "kind", "total_fen", "self_pay_fen"],
            Feed::Disabilities => &["certificate_no"],
            Feed::Enrolment => &["id_number", "school", "enrolled_on"],
            Feed::DisasterVictims => &["id_number", "disaster", "occurred_on"],
        }
    }

    /// The column that dates a row (the day or month it describes).
    pub fn date_column(self) -> Option<&'static str> {
        self.columns().iter().find(|c| matches!(c.kind, ColumnType::Date | ColumnType::Month) && c.required).map(|c| c.name)
    }

    /// The column that says from when a row's fact holds (its validity date): of several facts
    /// with one natural key, the latest in force is the current one (`check::current`). The
    /// date column, except for 户籍人口, whose only date is the birth date: a status change
    /// carries no date, so the later import decides.
    pub fn valid_from(self) -> Option<&'static str> {
        match self {
            Feed::Population => None,
            _ => self.date_column(),
        }
    }

    /// One file can hold facts of several dates for one natural key (its validity date is not
    /// part of the key: a plate sold on, a business cancelled, a certificate regraded).
    pub fn key_spans_dates(self) -> bool {
        self.valid_from().is_some_and(|c| !self.key().contains(&c))
    }

    /// The column the check reads as the row's amount (money, area), if any.
    pub fn amount_column(self) -> Option<&'static str> {
        match self {
            Feed::Contributions => Some("wage_base_fen"),
            Feed::TaxIncome => Some("income_fen"),
            Feed::HousingFund => Some("deposit_fen"),
            Feed::Deposits => Some("balance_fen"),
            Feed::MedicalBills => Some("self_pay_fen"),
            Feed::DisasterVictims => Some("loss_fen"),
            Feed::Unemployment => Some("benefit_fen"),
            Feed::Vehicles => Some("value_fen"),
            Feed::Properties => Some("area_m2"),
            _ => None,
        }
    }

    /// The code column the check reads (status, kind, grade), if any.
    pub fn code_column(self) -> Option<&'static str> {
        match self {
            Feed::Population | Feed::Businesses => Some("status"),
            Feed::TaxIncome | Feed::Vehicles | Feed::MedicalBills | Feed::Properties => Some("kind"),
            Feed::Disabilities => Some("grade"),
            _ => None,
        }
    }

    /// The end date the check reads (`ended_on`, `left_on`), if any.
    pub fn until_column(self) -> Option<&'static str> {
        match self {
            Feed::Employment => Some("ended_on"),
            Feed::Enrolment => Some("left_on"),
            _ => None,
        }
    }

    /// The file name `jiuzhu gen` writes and the CLI expects by default: `feed_{code}.csv`.
    pub fn file_stem(self) -> String {
        format!("feed_{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_departments_send_the_sixteen_feeds_each_keyed_by_declared_columns() {
        let departments: std::collections::BTreeSet<_> = Feed::ALL.iter().map(|f| f.department()).collect();
        assert_eq!(departments.len(), Department::ALL.len());
        for f in Feed::ALL {
            assert_eq!(f.columns()[0].name, "id_number", "{f:?}");
            assert_eq!(Feed::parse(f.code()), Some(f));
            for k in f.key() {
                assert!(f.columns().iter().any(|c| c.name == *k), "{f:?} key {k} is not a column");
            }
            if f != Feed::Population {
                assert!(f.date_column().is_some(), "{f:?} has no date");
            }
        }
    }

    #[test]
    fn facts_of_several_dates_share_a_key_only_where_the_date_is_not_part_of_it() {
        let spanning: Vec<Feed> = Feed::ALL.into_iter().filter(|f| f.key_spans_dates()).collect();
        assert_eq!(spanning, [Feed::Deaths, Feed::Businesses, Feed::Vehicles, Feed::Deposits, Feed::Disabilities, Feed::Cremations]);
        assert_eq!(Feed::Population.valid_from(), None, "a birth date says nothing about when a status changed");
        assert_eq!(Feed::Vehicles.valid_from(), Some("registered_on"));
        assert_eq!(Feed::Contributions.valid_from(), Some("month"));
    }
}
