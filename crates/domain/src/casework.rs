//! Casework (一门受理、协同办理): the kinds of assistance, the steps a case goes through, the
//! tracks, and the record each step leaves. Pure data; the state machine (who may do what, in
//! which state, by when) is in `jiuzhu-casework`.

use crate::enums::string_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

string_enum! {
    /// 救助类型: what a household applies for at the one window.
    AssistanceKind {
        Dibao = "dibao" / "最低生活保障" / "Minimum living allowance (dibao)",
        Tekun = "tekun" / "特困人员救助供养" / "Extreme poverty support (tekun)",
        DibaoEdge = "dibao_edge" / "低保边缘家庭认定" / "Near-dibao (edge) family",
        RigidExpense = "rigid_expense" / "刚性支出困难家庭认定" / "Rigid-expense hardship family",
        Temporary = "temporary" / "临时救助" / "Temporary assistance",
        Medical = "medical" / "医疗救助" / "Medical assistance",
        Education = "education" / "教育救助" / "Education assistance",
        Housing = "housing" / "住房救助" / "Housing assistance",
        Employment = "employment" / "就业救助" / "Employment assistance",
        Disaster = "disaster" / "受灾人员救助" / "Disaster relief",
        SocialForces = "social_forces" / "社会力量帮扶" / "Help from charities and volunteers",
    }
}

string_enum! {
    /// 承办部门: the department that decides a special assistance (专项救助) referred to it.
    Department {
        MedicalSecurity = "medical_security" / "医疗保障局" / "Medical security bureau",
        Education = "education" / "教育局" / "Education bureau",
        Housing = "housing" / "住房和城乡建设局" / "Housing and urban-rural development bureau",
        HumanResources = "human_resources" / "人力资源和社会保障局" / "Human resources and social security bureau",
        EmergencyManagement = "emergency_management" / "应急管理局" / "Emergency management bureau",
    }
}

/// Who decides a kind of assistance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Decided by civil affairs through the legal workflow (核对 → 调查 → 公示 → 审核确认).
    CivilAffairs,
    /// Referred (转介) to a department's queue and tracked to its answer.
    Department(Department),
    /// A needs record for later matching with charities and volunteers.
    Needs,
}

impl AssistanceKind {
    pub fn route(self) -> Route {
        use AssistanceKind::*;
        match self {
            Dibao | Tekun | DibaoEdge | RigidExpense | Temporary => Route::CivilAffairs,
            Medical => Route::Department(Department::MedicalSecurity),
            Education => Route::Department(Department::Education),
            Housing => Route::Department(Department::Housing),
            Employment => Route::Department(Department::HumanResources),
            Disaster => Route::Department(Department::EmergencyManagement),
            SocialForces => Route::Needs,
        }
    }

    /// A monthly benefit (低保, 特困) rather than a status (边缘, 刚性支出) or a one-off payment.
    pub fn is_monthly(self) -> bool {
        matches!(self, AssistanceKind::Dibao | AssistanceKind::Tekun)
    }

    /// 申报: the parts of the household's declaration the economic check (核对) and the decision
    /// stand on; each must be declared (with rows, or "none") before either may proceed.
    /// 低保 and 低保边缘: income and property (审核确认办法 art. 13–14); 特困: also the supporters
    /// outside the household (特困人员认定办法 art. 6–8); 刚性支出: also the expenses (认定办法
    /// 2025); 临时救助: property (its check is the property test; the emergency needs no income
    /// test). Referred and needs-only kinds are decided elsewhere and need none here.
    pub fn declarations_needed(self) -> &'static [crate::declaration::Section] {
        use crate::declaration::Section::*;
        match self {
            AssistanceKind::Dibao | AssistanceKind::DibaoEdge => &[Incomes, Assets],
            AssistanceKind::Tekun => &[Incomes, Assets, Supporters],
            AssistanceKind::RigidExpense => &[Incomes, Assets, Expenses],
            AssistanceKind::Temporary => &[Assets],
            _ => &[],
        }
    }

    /// The kinds a department handles.
    pub fn of_department(d: Department) -> Vec<AssistanceKind> {
        AssistanceKind::ALL.iter().copied().filter(|k| k.route() == Route::Department(d)).collect()
    }
}

string_enum! {
    /// 办理方式
    Track {
        Normal = "normal" / "常规办理" / "Normal",
        /// 承诺制: the applicant signs a commitment; no 民主评议, a decision within 10 working days,
        /// a data post-check within a month and random re-checks (seed 003).
        Commitment = "commitment" / "告知承诺制" / "Commitment fast track",
        /// 先行救助: the town helps at once within its limit; the paperwork follows (临时救助 only).
        Emergency = "emergency" / "先行救助" / "Emergency help first",
    }
}

string_enum! {
    /// 案件性质: a new application, or a review of a benefit already granted (动态管理).
    Purpose {
        Application = "application" / "申请" / "Application",
        Review = "review" / "复核" / "Review",
    }
}

string_enum! {
    /// 复核原因
    ReviewReason {
        Periodic = "periodic" / "定期复核" / "Periodic review",
        Change = "change" / "家庭情况变化" / "Change of circumstances",
        Death = "death" / "家庭成员死亡" / "Death of a member",
        JobRefusals = "job_refusals" / "无正当理由拒绝就业" / "Refused suitable jobs",
        PostCheck = "post_check" / "承诺制事后核查" / "Commitment post-check",
        RandomCheck = "random_check" / "随机抽查" / "Random re-check",
        /// 比对复核: department data contradict the declaration (jiuzhu-verify).
        DataCheck = "data_check" / "部门数据比对发现变化" / "Department data show a change",
    }
}

string_enum! {
    /// 案件状态: the step a case is at.
    CaseState {
        Materials = "materials" / "待补正材料" / "Awaiting materials",
        Accepted = "accepted" / "已受理，待核对" / "Accepted, awaiting the check",
        CheckFailed = "check_failed" / "核对不符，已出具反馈单" / "Failed the check (feedback slip issued)",
        Survey = "survey" / "入户调查" / "Home survey",
        Evaluation = "evaluation" / "民主评议" / "Democratic evaluation",
        TownReview = "town_review" / "乡镇审核" / "Town review",
        Publicity = "publicity" / "公示中" / "Public notice",
        CountyReview = "county_review" / "审核确认" / "Decision",
        Approved = "approved" / "已批准" / "Approved",
        Rejected = "rejected" / "不予批准" / "Rejected",
        Closed = "closed" / "已办结（终止）" / "Closed",
        Referred = "referred" / "已转介，待部门受理" / "Referred to a department",
        DepartmentHandling = "department_handling" / "部门办理中" / "Department handling",
        Answered = "answered" / "部门已答复" / "Answered by the department",
        NeedOpen = "need_open" / "需求已登记，待对接" / "Need recorded",
    }
}

impl CaseState {
    /// Still being worked on (in someone's queue).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Approved | CaseState::Rejected | CaseState::Closed | CaseState::Answered)
    }
    /// The open states, for queries.
    pub fn open_states() -> Vec<CaseState> {
        CaseState::ALL.iter().copied().filter(|s| s.is_open()).collect()
    }
}

string_enum! {
    /// 在保状态 of a granted benefit.
    BenefitStatus {
        Active = "active" / "在保" / "Active",
        /// 渐退: the benefit continues for the configured months after income rose above the line.
        GradualExit = "gradual_exit" / "渐退期" / "Gradual exit",
        Ended = "ended" / "已停保" / "Ended",
    }
}

string_enum! {
    /// 复核结论
    ReviewOutcome {
        Unchanged = "unchanged" / "维持不变" / "Unchanged",
        Adjust = "adjust" / "调整救助金额" / "Adjust the amount",
        GradualExit = "gradual_exit" / "进入渐退期" / "Gradual exit",
        Terminate = "terminate" / "停止救助" / "Terminate",
    }
}

/// One item of the materials checklist (申请材料清单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub received: bool,
}

/// The household's economic check (家庭经济状况核对), before the home survey (seed 000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub on: NaiveDate,
    pub by: String,
    pub passed: bool,
    /// The programme's status in the policy engine (`eligible`, `not_eligible`, `needs_check`).
    pub status: String,
    pub per_capita_monthly_income: i64,
    pub monthly_amount: i64,
    /// What was found, one line each (the engine's reasons), in Chinese.
    pub findings: Vec<String>,
    /// Which data the check used. Until department feeds are connected: the registry's declared
    /// data only, and it says so.
    pub sources: Vec<String>,
    /// The stored assessment (研判记录) the check made.
    pub assessment_id: Option<i64>,
}

/// 核对反馈单: a failed check, with the time the applicant has to object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub issued_on: NaiveDate,
    pub reasons: Vec<String>,
    /// Objections after this day are late; `None` when the calendar does not reach it.
    pub objection_due: Option<NaiveDate>,
}

/// A member's self-care as found at the home survey (six items, 特困 art. 21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfCareFinding {
    pub member_id: i64,
    pub name: String,
    pub unmet: u8,
}

/// 入户调查: two investigators, what they found, photos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRecord {
    pub visited_on: NaiveDate,
    /// Both investigators' account ids and names (two different people).
    pub investigators: Vec<(i64, String)>,
    pub living_conditions: String,
    pub findings: String,
    /// Whether the declared income and property match what was seen.
    pub declared_matches: bool,
    pub self_care: Vec<SelfCareFinding>,
    pub photo_ids: Vec<i64>,
}

/// 民主评议 (only when a case is contested, 2020 意见 item 24).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationRecord {
    pub held_on: NaiveDate,
    pub participants: u32,
    pub in_favour: u32,
    pub against: u32,
    pub conclusion: String,
    pub by: String,
}

/// What the town proposes after its review (初审), or decides when it may approve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownDecision {
    pub on: NaiveDate,
    pub by_id: i64,
    pub by: String,
    pub approve: bool,
    pub monthly_amount: i64,
    pub one_off_amount: i64,
    /// Who is covered (member names), as the notice lists them.
    pub members: Vec<String>,
    pub reasons: Vec<String>,
    pub opinion: String,
    /// For a review: what the town proposes for the benefit.
    pub review_outcome: Option<ReviewOutcome>,
}

/// An objection received during 公示, and how it was handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub id: u32,
    pub received_on: NaiveDate,
    pub text: String,
    pub recorded_by: String,
    pub resolved_on: Option<NaiveDate>,
    /// `dismissed` (with the reason) or `reinvestigate`.
    pub resolution: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicityRecord {
    pub starts_on: NaiveDate,
    /// The last day of the notice (7 days, 最低生活保障审核确认办法).
    pub ends_on: NaiveDate,
}

/// 县级抽查 of 特困 cases (≥ 30 %), done before the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotCheck {
    pub on: NaiveDate,
    pub by: String,
    pub findings: String,
}

/// The decision (审核确认 / 审批).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub on: NaiveDate,
    pub by_id: i64,
    pub by: String,
    pub approved: bool,
    pub monthly_amount: i64,
    pub one_off_amount: i64,
    /// The benefit is paid from this month's first day (the month after approval).
    pub effective_month: Option<NaiveDate>,
    pub reasons: Vec<String>,
    /// The written notice of a rejection is due by this day (3 working days).
    pub notice_due: Option<NaiveDate>,
}

/// 延期: 30 → 45 working days, once, with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub on: NaiveDate,
    pub by: String,
    pub reason: String,
}

/// A department's handling of a referral (转介).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReferralRecord {
    pub reason: String,
    pub accepted_on: Option<NaiveDate>,
    pub accepted_by: Option<String>,
    pub answered_on: Option<NaiveDate>,
    pub answered_by: Option<String>,
    pub granted: Option<bool>,
    pub answer: String,
    pub amount: i64,
}

/// 先行救助: help given at once; the paperwork follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyRecord {
    pub description: String,
    pub paperwork_due: Option<NaiveDate>,
    pub paperwork_done_on: Option<NaiveDate>,
}

/// Why a review was opened, and on which benefit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRecord {
    pub reason: ReviewReason,
    pub benefit_id: i64,
    pub note: String,
    /// A member concerned (the one who died, refused jobs …).
    pub member: Option<String>,
    /// When the review is due: on a date (a periodic review, 3 months after a death) or within
    /// working days of its opening (a change of circumstances).
    #[serde(default)]
    pub due: ReviewDue,
}

/// 暂停发放 during a review: the benefit's months from `from_month` are not paid until the hold
/// is lifted (they are paid then as arrears) or the review ends the benefit (the last month paid
/// is the one before `from_month`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentHold {
    pub from_month: NaiveDate,
    pub on: NaiveDate,
    pub by: String,
    pub reason: String,
    /// Lifted (by hand, or by the review's conclusion).
    pub released_on: Option<NaiveDate>,
}

impl PaymentHold {
    pub fn is_on(&self) -> bool {
        self.released_on.is_none()
    }
}

/// How a review's deadline is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDue {
    On(NaiveDate),
    WorkingDays(u32),
    #[default]
    Unset,
}

/// Everything a case has gathered, step by step (kept as one JSON document with the case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CaseDetails {
    pub materials: Vec<Material>,
    /// What the applicant asks for, in their words.
    pub request: String,
    /// 近亲属备案: a member is a close relative of staff or village cadres.
    pub near_relative_note: Option<String>,
    pub commitment_signed_on: Option<NaiveDate>,
    pub check: Option<CheckRecord>,
    pub feedback: Option<Feedback>,
    /// The applicant's objection to a failed check (the case then goes on, contested).
    pub check_objection: Option<String>,
    pub survey: Option<SurveyRecord>,
    pub evaluation: Option<EvaluationRecord>,
    pub town: Option<TownDecision>,
    pub publicity: Option<PublicityRecord>,
    pub objections: Vec<Objection>,
    pub spot_check: Option<SpotCheck>,
    pub decision: Option<Decision>,
    pub extension: Option<Extension>,
    pub referral: Option<ReferralRecord>,
    pub emergency: Option<EmergencyRecord>,
    pub review: Option<ReviewRecord>,
    /// 暂停发放 while this review runs.
    #[serde(default)]
    pub hold: Option<PaymentHold>,
    /// Why the case was closed without a decision (withdrawn, no objection to the feedback slip).
    pub closed_reason: Option<String>,
    /// The town decides (temporary assistance within its limit, or where a parameter delegates
    /// the decision), set at the town's review.
    #[serde(default)]
    pub decided_by_town: bool,
}

impl CaseDetails {
    pub fn missing_materials(&self) -> Vec<&Material> {
        self.materials.iter().filter(|m| !m.received).collect()
    }
    pub fn open_objections(&self) -> usize {
        self.objections.iter().filter(|o| o.resolved_on.is_none()).count()
    }
}

/// The materials a kind of assistance asks for (申请材料清单), given what the household has
/// (a disability certificate is asked only where a member is disabled …).
pub fn materials_for(kind: AssistanceKind, track: Track, has_disability: bool, has_serious_illness: bool) -> Vec<Material> {
    use AssistanceKind::*;
    let m = |code: &str, name: &str, en: &str| Material { code: code.into(), name: name.into(), name_en: en.into(), received: false };
    let mut list =
        vec![m("application", "书面申请（申请书）", "Written application"), m("id_cards", "家庭成员居民身份证", "ID cards of the members")];
    match kind.route() {
        Route::CivilAffairs => {
            list.push(m("hukou", "户口簿", "Household register (hukou book)"));
            list.push(m("authorisation", "家庭经济状况核对授权书", "Authorisation to check the household's economic situation"));
            list.push(m("declaration", "家庭收入和财产状况申报", "Declaration of income and property"));
            if has_disability {
                list.push(m("disability_certificate", "残疾人证", "Disability certificate"));
            }
            if has_serious_illness {
                list.push(m("diagnosis", "医疗机构诊断证明", "Medical diagnosis"));
            }
            match kind {
                Tekun => list.push(m("supporters", "法定赡养、抚养、扶养义务人情况说明", "Statement on the legally obliged supporters")),
                RigidExpense => {
                    list.push(m("expense_receipts", "近12个月医疗、教育等刚性支出凭据", "Receipts of rigid spending in the past 12 months"))
                }
                Temporary => list.push(m(
                    "emergency_proof",
                    "急难事由证明（事故证明、诊断、费用票据等）",
                    "Proof of the emergency (accident report, diagnosis, bills)",
                )),
                _ => {}
            }
            if track == Track::Commitment {
                list.push(m("commitment", "承诺书（申请人签字）", "Signed commitment letter"));
            }
        }
        Route::Department(_) => list.push(match kind {
            Medical => m("medical_bills", "医疗费用票据及医保结算单", "Medical bills and insurance statements"),
            Education => m("enrolment", "在读证明（学籍证明）", "Proof of enrolment"),
            Housing => m("housing", "住房状况证明", "Proof of the housing situation"),
            Employment => m("unemployment", "失业登记证明", "Unemployment registration"),
            _ => m("disaster", "受灾情况证明", "Proof of the disaster damage"),
        }),
        Route::Needs => list.truncate(1),
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declaration::Section;

    /// Which declared parts each kind's check and decision stand on (the legal reference is on
    /// `declarations_needed`); a kind decided by another department needs none here.
    #[test]
    fn each_kind_needs_the_declarations_its_rules_read() {
        use AssistanceKind::*;
        use Section::*;
        let table: &[(AssistanceKind, &[Section])] = &[
            (Dibao, &[Incomes, Assets]),
            (DibaoEdge, &[Incomes, Assets]),
            (Tekun, &[Incomes, Assets, Supporters]),
            (RigidExpense, &[Incomes, Assets, Expenses]),
            (Temporary, &[Assets]),
            (Medical, &[]),
            (Education, &[]),
            (Housing, &[]),
            (Employment, &[]),
            (Disaster, &[]),
            (SocialForces, &[]),
        ];
        assert_eq!(table.len(), AssistanceKind::ALL.len());
        for (kind, needed) in table {
            assert_eq!(kind.declarations_needed(), *needed, "{kind}");
            assert_eq!(kind.route() == Route::CivilAffairs, !needed.is_empty(), "{kind}");
        }
    }
}
