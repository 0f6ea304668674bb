//! A case step from a page's form: fields by name, repeated ones (materials, photos) as repeated
//! pairs, every bad field named.

use chrono::NaiveDate;
use jiuzhu_casework::service::StepInput;
use jiuzhu_domain::casework::ReviewOutcome;
use jiuzhu_domain::{Fen, FieldError, ValidationErrors};

/// A step from a page's form: fields by name, repeated ones (materials) as repeated pairs.
pub(super) fn step_from_form(pairs: &[(String, String)]) -> Result<(i64, StepInput), ValidationErrors> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let all = |k: &str| pairs.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let lines = |k: &str| get(k).lines().map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect::<Vec<_>>();
    let mut errs = Vec::new();
    let mut num = |k: &str| -> i64 {
        match get(k).parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                errs.push(FieldError::new(k, "number", "请填写数字", "enter a number"));
                0
            }
        }
    };
    let version = num("version");
    let money = |k: &str, errs: &mut Vec<FieldError>| -> Option<i64> {
        let t = get(k);
        if t.is_empty() {
            return None;
        }
        match Fen::parse_yuan(k, &t) {
            Ok(f) => Some(f.0),
            Err(e) => {
                errs.push(e);
                None
            }
        }
    };
    let date = |k: &str, errs: &mut Vec<FieldError>| -> NaiveDate {
        get(k).parse().unwrap_or_else(|_| {
            errs.push(FieldError::new(k, "date", "日期格式应为 YYYY-MM-DD", "a date is YYYY-MM-DD"));
            NaiveDate::MIN
        })
    };
    let count = |k: &str, errs: &mut Vec<FieldError>| -> u32 {
        get(k).parse().unwrap_or_else(|_| {
            errs.push(FieldError::new(k, "number", "请填写人数", "enter a count"));
            0
        })
    };
    // A yes/no the person must choose: nothing is preselected on the page, and a missing answer
    // is refused rather than read as one (a preselected 同意 recorded opinions nobody gave).
    let choice = |k: &str, zh: &str, en: &str, errs: &mut Vec<FieldError>| -> bool {
        match get(k).as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                errs.push(FieldError::new(k, "choice.required", format!("请选择{zh}"), format!("choose {en}")));
                // (the page names the field from `frame::field_label`; the message says what to choose)
                false
            }
        }
    };
    let action = get("action");
    let step = match action.as_str() {
        "supply_materials" => StepInput::SupplyMaterials { received: all("received") },
        "check" => StepInput::Check,
        "object_to_feedback" => StepInput::ObjectToFeedback { text: get("text") },
        "close_after_feedback" => StepInput::CloseAfterFeedback,
        "survey" => {
            // Each member's count as the investigator found it: a member left unchosen is refused,
            // not skipped (it would leave the survey silent about them).
            let mut self_care = Vec::new();
            for (id, v) in pairs.iter().filter_map(|(n, v)| Some((n.strip_prefix("self_care_")?.parse::<i64>().ok()?, v))) {
                match v.parse::<u8>() {
                    Ok(n) => self_care.push((id, n)),
                    Err(_) if !errs.iter().any(|e| e.field == "self_care") => errs.push(FieldError::new(
                        "self_care",
                        "choice.required",
                        "请为每位成员选择六项中不能自理的项数（都能自理选 0）",
                        "choose for each member how many of the six items are not met (0 when all are)",
                    )),
                    Err(_) => {}
                }
            }
            StepInput::Survey {
                co_investigator_id: get("co_investigator_id").parse().unwrap_or_else(|_| {
                    errs.push(FieldError::new(
                        "co_investigator_id",
                        "survey.co_investigator",
                        "请选择第二名调查人员",
                        "choose the second investigator",
                    ));
                    0
                }),
                visited_on: date("visited_on", &mut errs),
                living_conditions: get("living_conditions"),
                findings: get("findings"),
                declared_matches: choice(
                    "declared_matches",
                    "收入、财产是否与申报一致",
                    "whether income and property are as declared",
                    &mut errs,
                ),
                self_care,
                photo_ids: all("photo_id").iter().filter_map(|p| p.parse().ok()).collect(),
            }
        }
        "request_survey" => StepInput::RequestSurvey { reason: get("reason") },
        "evaluation" => StepInput::Evaluation {
            held_on: date("held_on", &mut errs),
            participants: count("participants", &mut errs),
            in_favour: count("in_favour", &mut errs),
            against: count("against", &mut errs),
            conclusion: get("conclusion"),
        },
        "town_decision" => StepInput::TownDecision {
            approve: choice("approve", "审核意见（同意或不同意）", "the opinion (in favour or against)", &mut errs),
            monthly_amount: money("monthly_amount", &mut errs),
            one_off_amount: money("one_off_amount", &mut errs),
            reasons: lines("reasons"),
            opinion: get("opinion"),
            review_outcome: ReviewOutcome::parse(&get("review_outcome")),
        },
        "objection" => StepInput::Objection { text: get("text") },
        "resolve_objection" => StepInput::ResolveObjection {
            id: get("objection_id").parse().unwrap_or(0),
            reinvestigate: choice("reinvestigate", "异议处理结果", "how the objection is resolved", &mut errs),
            note: get("note"),
        },
        "end_publicity" => StepInput::EndPublicity,
        "spot_check" => StepInput::SpotCheck { findings: get("findings") },
        "approve" => StepInput::Approve,
        "reject" => StepInput::Reject { reasons: lines("reasons") },
        "send_back" => StepInput::SendBack { reason: get("reason") },
        "extend" => StepInput::Extend { reason: get("reason") },
        "grant_emergency" => StepInput::GrantEmergency {
            amount: money("amount", &mut errs).unwrap_or_else(|| {
                errs.push(FieldError::new("amount", "required", "请填写金额", "enter the amount"));
                0
            }),
            description: get("description"),
        },
        "paperwork_done" => StepInput::PaperworkDone,
        "accept_referral" => StepInput::AcceptReferral,
        "answer_referral" => StepInput::AnswerReferral {
            granted: choice("granted", "是否给予救助", "whether assistance is granted", &mut errs),
            answer: get("answer"),
            amount: money("amount", &mut errs).unwrap_or(0),
        },
        "close_need" => StepInput::CloseNeed { note: get("note") },
        "withdraw" => StepInput::Withdraw { reason: get("reason") },
        "hold_payments" => StepInput::HoldPayments { reason: get("reason") },
        "release_payments" => StepInput::ReleasePayments { note: get("note") },
        other => {
            errs.push(FieldError::new("action", "action.unknown", format!("未知操作“{other}”"), format!("unknown step \"{other}\"")));
            StepInput::Check
        }
    };
    if errs.is_empty() { Ok((version, step)) } else { Err(ValidationErrors(errs)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn refused_fields(fields: &[(&str, &str)]) -> Vec<String> {
        match step_from_form(&form(fields)) {
            Err(e) => e.0.iter().map(|f| f.field.clone()).collect(),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn yes_no_answers_are_chosen_never_assumed() {
        let town = [("version", "3"), ("action", "town_decision"), ("opinion", "同意")];
        assert_eq!(refused_fields(&town), ["approve"], "no 同意 when nobody chose it");
        let mut against = town.to_vec();
        against.push(("approve", "no"));
        assert!(matches!(step_from_form(&form(&against)), Ok((3, StepInput::TownDecision { approve: false, .. }))));
        let survey = [("version", "2"), ("action", "survey"), ("co_investigator_id", "7"), ("visited_on", "2026-11-20")];
        assert_eq!(refused_fields(&survey), ["declared_matches"]);
        let objection = [("version", "4"), ("action", "resolve_objection"), ("objection_id", "1")];
        assert_eq!(refused_fields(&objection), ["reinvestigate"]);
        let referral = [("version", "2"), ("action", "answer_referral"), ("answer", "已办")];
        assert_eq!(refused_fields(&referral), ["granted"]);
    }

    /// Issue 15: a member's self-care count left at 请选择 is refused, not skipped (the survey would
    /// otherwise say nothing about that member).
    #[test]
    fn every_members_self_care_is_chosen_in_the_survey() {
        let survey = [
            ("version", "2"),
            ("action", "survey"),
            ("co_investigator_id", "7"),
            ("visited_on", "2026-11-20"),
            ("declared_matches", "yes"),
            ("self_care_11", "0"),
            ("self_care_12", ""),
        ];
        assert_eq!(refused_fields(&survey), ["self_care"]);
        let mut chosen = survey.to_vec();
        chosen[6] = ("self_care_12", "3");
        match step_from_form(&form(&chosen)) {
            Ok((2, StepInput::Survey { self_care, .. })) => assert_eq!(self_care, [(11, 0), (12, 3)]),
            other => panic!("{other:?}"),
        }
    }
}
