//! 网上申请的内容: what a resident sends, checked by the same rules as the window's registration
//! form, with the signed 家庭经济状况核对授权书 of every adult. Pure: no I/O.

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::casework::{AssistanceKind, Route};
use jiuzhu_domain::{FieldError, NewHousehold, ValidationErrors};
use jiuzhu_registry::NewHouseholdInput;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The kinds a resident may apply for online: those civil affairs decides through the legal
/// workflow. Department assistance (医疗、教育…) is asked for at the window, where the
/// department's forms are.
pub const ONLINE_KINDS: [AssistanceKind; 5] =
    [AssistanceKind::Dibao, AssistanceKind::Tekun, AssistanceKind::DibaoEdge, AssistanceKind::RigidExpense, AssistanceKind::Temporary];

/// Members an online application may list (the window registers larger households).
pub const MAX_MEMBERS: usize = 10;

/// The 核对授权 is signed by every member of this age or older on the day the application is sent.
pub const SIGNING_AGE: u32 = 18;

/// A signature image's size limits: below, nothing was drawn; above, it is not a signature.
const SIGNATURE_MIN_BYTES: usize = 200;
const SIGNATURE_MAX_BYTES: usize = 200_000;
const PNG_PREFIX: &str = "data:image/png;base64,";
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The text each adult signs (家庭经济状况核对授权书), kept with the application as it was shown.
pub const AUTHORISATION_ZH: &str = "本人同意并授权民政部门及其委托的核对机构，为审核本家庭的社会救助申请，向公安、人社、住建、市场监管、税务、金融机构等单位查询、核对本人的收入、财产等家庭经济状况信息。本人承诺所填信息真实、完整；如有虚假，愿承担相应责任。";
pub const AUTHORISATION_EN: &str = "I agree to and authorise the civil-affairs department and the checking agency it appoints to enquire into and check my income, property and other economic circumstances with the police, human resources, housing, market regulation, tax authorities, banks and other bodies, in order to assess this household's application for social assistance. I confirm that what is entered is true and complete, and accept responsibility for anything false.";

/// One adult's signature under the authorisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The member's place in the list (0 = the applicant, the head).
    pub member: usize,
    /// The name the member had when signing.
    pub name: String,
    /// The drawn signature as a PNG data URL.
    pub image: String,
    pub signed_at: DateTime<Utc>,
}

/// What a resident sends, as stored (encrypted) with the application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The household as the window's registration form takes it (the clerk registers it as sent).
    pub household: NewHouseholdInput,
    pub kinds: Vec<AssistanceKind>,
    /// Why they apply, in their words.
    pub request: String,
    pub signatures: Vec<Signature>,
    /// The adults chose to sign the authorisation at the window instead.
    pub sign_at_window: bool,
    /// The browser that sent it (its user agent, shortened): evidence beside the signatures.
    pub device: String,
    /// The authorisation text as the signers saw it.
    pub authorisation: String,
}

/// A submission that passed every check, with the household as the registry would store it.
#[derive(Debug, Clone)]
pub struct Checked {
    pub household: NewHousehold,
    /// The places in the list of the members who must sign (adults).
    pub signers: Vec<usize>,
}

/// The members who sign the authorisation: every one aged [`SIGNING_AGE`] or more on `today`.
pub fn signers(household: &NewHousehold, today: NaiveDate) -> Vec<usize> {
    household.members.iter().enumerate().filter(|(_, m)| m.age_on(today) >= SIGNING_AGE).map(|(i, _)| i).collect()
}

/// Checks the household and what is asked for (the first page of the form): the registry's own
/// rules for the household, at least one kind residents may apply for, a reason, a phone.
pub fn check_details(s: &Submission, today: NaiveDate) -> Result<Checked, ValidationErrors> {
    let mut e = ValidationErrors::default();
    if s.kinds.is_empty() {
        e.push(FieldError::new("kinds", "apply.kinds", "请至少选择一项要申请的救助", "choose at least one kind of assistance"));
    }
    for k in &s.kinds {
        if !ONLINE_KINDS.contains(k) || k.route() != Route::CivilAffairs {
            e.push(FieldError::new(
                "kinds",
                "apply.kind_online",
                format!("{}请到乡镇窗口申请", k.zh()),
                format!("{} is applied for at the town window", k.en()),
            ));
        }
    }
    let request = s.request.trim().chars().count();
    if request < 4 {
        e.push(FieldError::new(
            "request",
            "apply.request",
            "请写几句申请理由（至少 4 个字），例如家里遇到了什么困难",
            "say in a few words why you apply (at least 4 characters)",
        ));
    } else if request > 500 {
        e.push(FieldError::new("request", "apply.request_long", "申请理由不超过 500 个字", "the reason is at most 500 characters"));
    }
    if s.household.household.phone.as_deref().map(str::trim).unwrap_or("").is_empty() {
        e.push(FieldError::new(
            "phone",
            "apply.phone",
            "请留一个联系电话，乡镇工作人员会打电话和您约时间",
            "leave a phone number: the town office will call you",
        ));
    }
    if s.household.members.len() > MAX_MEMBERS {
        e.push(FieldError::new(
            "members",
            "apply.members",
            format!("网上申请最多填写 {MAX_MEMBERS} 位家庭成员，人更多请到乡镇窗口办理"),
            format!("at most {MAX_MEMBERS} members online; larger households apply at the window"),
        ));
    }
    // What was left empty is said in the form's own words; the registry's message for the same
    // field (written for clerks: codes, lists of values) is then left out.
    let unanswered = unanswered(&s.household);
    let household = match s.household.validate(today, "网上申请") {
        Ok(h) => Some(h),
        Err(x) => {
            e.0.extend(x.0.into_iter().filter(|f| !unanswered.iter().any(|u| u.field == f.field)));
            None
        }
    };
    let household = if unanswered.is_empty() { household } else { None };
    e.0.extend(unanswered);
    match household {
        Some(household) if e.is_empty() => {
            let signers = signers(&household, today);
            Ok(Checked { household, signers })
        }
        _ => Err(e),
    }
}

/// The choices and boxes of the form left empty, each in plain words naming what to do.
fn unanswered(h: &NewHouseholdInput) -> Vec<FieldError> {
    let blank = |v: &str| v.trim().is_empty();
    let mut out = Vec::new();
    if blank(&h.household.hukou_region) {
        out.push(FieldError::new(
            "hukou_region",
            "apply.village",
            "请选择户籍所在村（社区）",
            "choose the village or community of the household registration",
        ));
    }
    if blank(&h.household.area) {
        out.push(FieldError::new("area", "apply.area", "请选择户口类型：农村或城镇", "choose rural or urban registration"));
    }
    for (i, m) in h.members.iter().enumerate() {
        if blank(&m.name) {
            out.push(FieldError::new(format!("members[{i}].name"), "apply.name", "请填写姓名", "enter the name"));
        }
        if blank(&m.id_number) {
            out.push(FieldError::new(format!("members[{i}].id_number"), "apply.id_number", "请填写身份证号", "enter the ID number"));
        }
        if blank(&m.relation) {
            out.push(FieldError::new(
                format!("members[{i}].relation"),
                "apply.relation",
                "请选择和申请人的关系",
                "choose the relation to the applicant",
            ));
        }
    }
    out
}

/// Checks the whole submission (the second page): the details again, then a valid signature of
/// every adult, each under that member's name — or the choice to sign at the window.
pub fn check(s: &Submission, today: NaiveDate) -> Result<Checked, ValidationErrors> {
    let checked = check_details(s, today)?;
    let mut e = ValidationErrors::default();
    for sig in &s.signatures {
        if !checked.signers.contains(&sig.member) {
            e.push(FieldError::new(
                format!("signatures[{}]", sig.member),
                "apply.signer",
                "只有年满 18 周岁的家庭成员签名",
                "only members aged 18 or over sign",
            ));
        }
    }
    if !s.sign_at_window {
        for &i in &checked.signers {
            let name = &checked.household.members[i].name;
            let field = format!("signatures[{i}]");
            match s.signatures.iter().find(|sig| sig.member == i) {
                None => e.push(FieldError::new(
                    field,
                    "apply.unsigned",
                    format!("请{name}本人在签名框里签名，或选择“到乡镇窗口再签”"),
                    format!("{name} has not signed: sign in the box, or choose to sign at the window"),
                )),
                Some(sig) if &sig.name != name => e.push(FieldError::new(
                    field,
                    "apply.signer_name",
                    format!("{name}的姓名改过了，请重新签名"),
                    format!("{name}'s name changed after signing: sign again"),
                )),
                Some(sig) => {
                    if let Err(err) = signature_png(&sig.image) {
                        e.push(FieldError { field, ..err });
                    }
                }
            }
        }
    }
    e.into_result()?;
    Ok(checked)
}

/// The PNG bytes of a signature sent as a data URL; an error when it is not one, is empty or too big.
pub fn signature_png(data_url: &str) -> Result<Vec<u8>, FieldError> {
    let bad = || FieldError::new("signature", "apply.signature", "签名没有收到，请重新签一次", "the signature did not arrive: sign again");
    let b64 = data_url.strip_prefix(PNG_PREFIX).ok_or_else(bad)?;
    if b64.len() > SIGNATURE_MAX_BYTES * 4 / 3 + 4 {
        return Err(bad());
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| bad())?;
    if !(SIGNATURE_MIN_BYTES..=SIGNATURE_MAX_BYTES).contains(&bytes.len()) || !bytes.starts_with(PNG_MAGIC) {
        return Err(bad());
    }
    Ok(bytes)
}

/// 办件编号: `WS` + the day + six random digits (`WS20261207-482913`), read out on the phone.
pub fn new_reference(today: NaiveDate, rng: &mut impl Rng) -> String {
    crate::numbers::issue("WS", today, rng)
}

/// The alphabet of query codes: no 0/O, 1/I/L, which an old eye or a phone call confuses.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// 查询码: eight characters (about 40 bits), shown as `ABCD-EFGH`.
pub fn new_query_code(rng: &mut impl Rng) -> String {
    let c: String = (0..8).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect();
    format!("{}-{}", &c[..4], &c[4..])
}

/// What a resident typed as the application's proof, in the one form it is stored in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    IdNumber(String),
    QueryCode(String),
}

/// Reads the box "身份证号或查询码": 18 characters are an ID number (upper-cased X), 8 letters and
/// digits (dashes and spaces ignored) a query code; anything else is neither.
pub fn read_proof(text: &str) -> Option<Proof> {
    let t: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    match t.len() {
        // By bytes: 18 bytes of other characters are not 18 characters (and no slice may split one).
        18 if t.bytes().take(17).all(|b| b.is_ascii_digit()) && t.is_ascii() => Some(Proof::IdNumber(t)),
        8 if t.bytes().all(|b| CODE_ALPHABET.contains(&b)) => Some(Proof::QueryCode(format!("{}-{}", &t[..4], &t[4..]))),
        _ => None,
    }
}

/// A 办件编号 as typed, in its one form (`WS20261207-482913`), or `None` when it cannot be one.
pub fn read_reference(text: &str) -> Option<String> {
    crate::numbers::read("WS", text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use jiuzhu_domain::{HouseholdInput, MemberInput};
    use jiuzhu_testkit::fixtures::id_number;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A PNG as the signing pad sends it (a real 1×1 image padded past the minimum size).
    fn png() -> String {
        let mut bytes = PNG_MAGIC.to_vec();
        bytes.extend(std::iter::repeat_n(7u8, 400));
        format!("{PNG_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    fn member(id: &str, name: &str, relation: &str) -> MemberInput {
        MemberInput { id_number: id.into(), name: name.into(), relation: relation.into(), ..Default::default() }
    }

    /// A head born 1960 and a child who turns 18 on 2026-12-07.
    fn sent(signed: &[usize]) -> Submission {
        let members = vec![
            member(&id_number("19600301", 11), "王建国", "head"),
            MemberInput { employment: Some("unemployed".into()), ..member(&id_number("20081207", 22), "王小梅", "child") },
        ];
        let signatures = signed
            .iter()
            .map(|&i| Signature { member: i, name: members[i].name.clone(), image: png(), signed_at: chrono::Utc::now() })
            .collect();
        Submission {
            household: NewHouseholdInput {
                household: HouseholdInput {
                    hukou_region: "620825100201".into(),
                    area: "rural".into(),
                    phone: Some("13800138000".into()),
                    ..Default::default()
                },
                members,
                ..Default::default()
            },
            kinds: vec![AssistanceKind::Dibao],
            request: "老伴去年去世，我腿脚不好，没有收入".into(),
            signatures,
            sign_at_window: false,
            device: "test".into(),
            authorisation: AUTHORISATION_ZH.into(),
        }
    }

    fn fields(r: Result<Checked, ValidationErrors>) -> Vec<String> {
        r.err().map(|e| e.0.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn every_adult_signs_and_eighteen_counts_from_the_birthday() {
        // The day before the child's 18th birthday only the head signs; on the birthday both do.
        assert_eq!(check(&sent(&[0]), day("2026-12-06")).unwrap().signers, vec![0]);
        assert_eq!(fields(check(&sent(&[0]), day("2026-12-07"))), vec!["signatures[1]"]);
        assert_eq!(check(&sent(&[0, 1]), day("2026-12-07")).unwrap().signers, vec![0, 1]);
        // A minor's signature is refused rather than kept as if it counted.
        assert_eq!(fields(check(&sent(&[0, 1]), day("2026-12-06"))), vec!["signatures[1]"]);
    }

    #[test]
    fn signing_at_the_window_instead_is_a_choice_not_a_default() {
        let mut s = sent(&[]);
        assert_eq!(fields(check(&s, day("2026-12-07"))), vec!["signatures[0]", "signatures[1]"]);
        s.sign_at_window = true;
        assert!(check(&s, day("2026-12-07")).is_ok());
    }

    #[test]
    fn a_signature_is_a_png_under_the_signers_current_name() {
        let mut s = sent(&[0]);
        s.signatures[0].image = "data:image/png;base64,AAAA".into();
        assert_eq!(fields(check(&s, day("2026-12-01"))), vec!["signatures[0]"], "too small: nothing drawn");
        s.signatures[0].image = png().replace("image/png", "image/svg+xml");
        assert_eq!(fields(check(&s, day("2026-12-01"))), vec!["signatures[0]"], "not a PNG");
        let mut s = sent(&[0]);
        s.household.members[0].name = "王建民".into();
        let e = check(&s, day("2026-12-01")).unwrap_err();
        assert_eq!(e.0[0].code, "apply.signer_name");
    }

    #[test]
    fn details_are_the_registrys_rules_plus_what_residents_must_say() {
        let mut s = sent(&[0]);
        s.kinds = vec![AssistanceKind::Medical];
        s.request = "穷".into();
        s.household.household.phone = None;
        s.household.members[1].id_number = "62082520081207002".into(); // one digit short
        let f = fields(check_details(&s, day("2026-12-01")));
        for want in ["kinds", "request", "phone", "members[1].id_number"] {
            assert!(f.contains(&want.to_string()), "{want} in {f:?}");
        }
        s = sent(&[0]);
        s.kinds.clear();
        assert_eq!(fields(check_details(&s, day("2026-12-01"))), vec!["kinds"]);
    }

    #[test]
    fn what_was_left_empty_is_said_in_plain_words_once() {
        let mut s = sent(&[0]);
        s.household.household.hukou_region.clear();
        s.household.household.area.clear();
        s.household.members[1].id_number.clear();
        s.household.members[1].relation.clear();
        let e = check_details(&s, day("2026-12-01")).unwrap_err();
        let said: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.zh.as_str())).collect();
        assert_eq!(
            said,
            vec![
                ("hukou_region", "请选择户籍所在村（社区）"),
                ("area", "请选择户口类型：农村或城镇"),
                ("members[1].id_number", "请填写身份证号"),
                ("members[1].relation", "请选择和申请人的关系"),
            ]
        );
        assert!(e.0.iter().all(|f| !f.zh.contains("urban") && !f.zh.contains("head")), "no codes: {said:?}");
    }

    #[test]
    fn numbers_and_proofs_are_read_in_one_form() {
        let mut rng = rand::rng();
        let r = new_reference(day("2026-12-07"), &mut rng);
        assert!(r.starts_with("WS20261207-") && r.len() == 17, "{r}");
        assert_eq!(read_reference(&r.to_lowercase().replace('-', " ")), Some(r));
        assert_eq!(read_reference("WS2026120748291"), None, "one digit short");
        let code = new_query_code(&mut rng);
        assert_eq!(read_proof(&code.to_lowercase()), Some(Proof::QueryCode(code.clone())));
        assert!(code.bytes().all(|b| b == b'-' || CODE_ALPHABET.contains(&b)));
        let id = id_number("19600301", 11).replace('X', "x");
        assert_eq!(read_proof(&format!(" {id} ")), Some(Proof::IdNumber(id.to_ascii_uppercase())));
        assert_eq!(read_proof("ABCD-EFG0"), None, "0 is not in the alphabet");
        assert_eq!(read_proof("12345"), None);
        // 18 bytes that are not 18 characters (found by schemathesis: the slice split a character).
        assert_eq!(read_proof("00\u{80}\u{80}\u{80}\u{80}\u{80}\u{80}\u{10000}"), None);
        assert_eq!(read_proof("1234567890123456\u{e9}"), None, "16 digits and a two-byte character: 18 bytes");
    }
}
