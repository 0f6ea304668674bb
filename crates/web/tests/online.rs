//! 网上申请 end to end through the whole router: a resident applies with two adults' signatures
//! and gets a number and a query code; the town's clerk sees it (and the other town's does not),
//! takes it in (household registered, cases opened); the resident follows it with the number and
//! the ID number or the code, while a wrong pair answers exactly as an unknown number; the reads
//! are audited as a resident's; queries are limited per number.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::http::{StatusCode, header};
use base64::Engine;
use jiuzhu_testkit::app::{ResidentBrowser, spawn_app};
use jiuzhu_testkit::fixtures::id_number;
use jiuzhu_testkit::world::{TOWN_A, VILLAGE_A};

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A signature as the pad sends it.
fn signature() -> String {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(std::iter::repeat_n(9u8, 500));
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
}

/// A couple and their child: two adults sign.
fn family(head: &str, spouse: &str, child: &str) -> String {
    [
        format!("region={TOWN_A}&village={VILLAGE_A}&area=rural&address={}&phone=13800138000", enc("何马村三组 12 号")),
        format!("kind=dibao&request={}", enc("丈夫去年摔伤后不能干重活，家里没有收入")),
        format!("m1_name={}&m1_id={head}&m1_employment=farming", enc("李秀兰")),
        format!("m2_name={}&m2_id={spouse}&m2_relation=spouse&m2_employment=unemployed", enc("王德明")),
        format!("m3_name={}&m3_id={child}&m3_relation=child", enc("王小宝")),
    ]
    .join("&")
}

fn between<'a>(text: &'a str, id: &str) -> &'a str {
    let at = text.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
    &text[at..at + text[at..].find('<').unwrap()]
}

#[tokio::test]
async fn a_resident_applies_the_clerk_takes_it_in_and_the_resident_follows_it() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    let (head, spouse, child) = (id_number("19800312", 41), id_number("19780605", 53), id_number("20150101", 62));
    let form = family(&head, &spouse, &child);

    // The form is checked first (the registry's rules), then the signing page lists the adults.
    let sign = b.post(&w.app, "/m/apply", &format!("{form}&step=sign")).await;
    assert_eq!(sign.status, StatusCode::OK, "{}", sign.text);
    assert!(sign.text.contains("name=\"sig1\"") && sign.text.contains("name=\"sig2\""), "both adults sign");
    assert!(!sign.text.contains("name=\"sig3\""), "a child does not sign");
    assert!(sign.text.contains("value=\"李秀兰\""), "what was typed travels in the form");

    // Sent with one signature missing: refused on the signing page, naming the person.
    let sig = enc(&signature());
    let half = b.post(&w.app, "/m/apply", &format!("{form}&sig1={sig}&step=send")).await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", half.text);
    assert!(half.text.contains("第 2 位家庭成员（王德明）"), "{}", half.text);
    assert!(half.text.contains(&format!("value=\"{}\"", signature())), "the signature already drawn is kept");

    let done = b.post(&w.app, "/m/apply", &format!("{form}&sig1={sig}&sig2={sig}&step=send")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let reference = between(&done.text, "reference").to_string();
    let code = between(&done.text, "query-code").to_string();
    assert!(reference.starts_with("WS") && code.len() == 9, "{reference} {code}");
    assert!(!done.text.contains(&head), "no ID number on the receipt");

    // The other town's clerk does not see it; town A's does, with both signatures.
    let other = w.login("window_clerk_b").await;
    assert!(!w.send(other.get("/online")).await.text.contains(&reference));
    let clerk = w.login("window_clerk_a").await;
    let list = w.send(clerk.get("/online")).await;
    assert!(list.text.contains(&reference), "{}", list.text);
    let id: i64 = {
        let at = list.text.find("href=\"/online/").unwrap() + 14;
        list.text[at..at + list.text[at..].find('"').unwrap()].parse().unwrap()
    };
    assert_eq!(w.send(other.get(&format!("/online/{id}"))).await.status, StatusCode::NOT_FOUND, "out of scope reads as unknown");
    let one = w.send(clerk.get(&format!("/online/{id}"))).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.text.matches("class=\"signature\"").count(), 2, "{}", one.text);
    assert!(!one.text.contains(&head) && one.text.contains(&jiuzhu_domain::mask::id_number(&head)), "ID numbers masked");

    // Before it is taken in, the resident sees it waiting.
    let waiting = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={code}")).await;
    assert_eq!(waiting.status, StatusCode::OK, "{}", waiting.text);
    assert!(waiting.text.contains("等待乡镇窗口受理"));

    // 受理: the household is registered as sent and a 低保 case opened.
    let took = w.send(clerk.form(&format!("/online/{id}/take"), "version=1")).await;
    assert_eq!(took.status, StatusCode::SEE_OTHER, "{}", took.text);
    assert!(took.location().unwrap().starts_with("/cases/"));
    let again = w.send(clerk.form(&format!("/online/{id}/take"), "version=1")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "taken once");
    let found = w.send(clerk.json("GET", &format!("/api/v1/households?q={head}"), serde_json::Value::Null)).await;
    assert!(found.text.contains("李"), "the household is registered: {}", found.text);

    // Progress by number and ID number (typed in lower case with spaces) shows the case's steps.
    let progress = b.post(&w.app, "/m/progress", &format!("reference={}&proof=+{}+", reference.to_lowercase(), head.to_lowercase())).await;
    assert_eq!(progress.status, StatusCode::OK, "{}", progress.text);
    assert!(progress.text.contains("最低生活保障") && progress.text.contains("已受理"), "{}", progress.text);
    assert!(progress.text.contains("户口簿") && !progress.text.contains("核对授权书"), "signed online: not asked again {}", progress.text);
    assert!(!progress.text.contains(&head), "no ID number on the page");

    // A wrong pair reads exactly like an unknown number.
    let wrong = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={spouse}")).await;
    let unknown = b.post(&w.app, "/m/progress", &format!("reference=WS20200101-000000&proof={head}")).await;
    assert_eq!((wrong.status, unknown.status), (StatusCode::OK, StatusCode::OK));
    assert!(wrong.text.contains("没有查到"), "{}", wrong.text);
    assert_eq!(wrong.text.replace(&reference, "X"), unknown.text.replace("WS20200101-000000", "X"));

    // Every resident's read and send is in the audit trail, refusals included; no ID number in it.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    let residents: Vec<_> = entries.iter().filter(|e| e.username == jiuzhu_web::audit::RESIDENT).collect();
    assert!(residents.iter().any(|e| e.action == "create" && e.object_kind == "online_application"), "{residents:?}");
    assert!(residents.iter().filter(|e| e.action == "view").count() >= 4, "{residents:?}");
    assert!(residents.iter().any(|e| e.outcome == "denied" && e.reason == "not_found"), "{residents:?}");
    assert!(residents.iter().any(|e| e.household_id.is_some()), "a progress read after intake names the household: {residents:?}");
    assert!(entries.iter().all(|e| !format!("{e:?}").contains(&head)), "no ID number in the trail");
}

#[tokio::test]
async fn queries_are_limited_per_number_from_any_address() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    let mut last = StatusCode::OK;
    for i in 0..7 {
        last = b.post(&w.app, "/m/progress", &format!("reference=WS20261201-123456&proof={}", id_number("19700101", i))).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the sixth try of one number in a minute is refused");
}

/// Sends `form` with both adults' signatures (or none when `sign_at_window`); the receipt's number and code.
async fn send_application(app: &axum::Router, b: &ResidentBrowser, form: &str) -> (String, String) {
    let sig = enc(&signature());
    let done = b.post(app, "/m/apply", &format!("{form}&sig1={sig}&sig2={sig}&step=send")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    (between(&done.text, "reference").to_string(), between(&done.text, "query-code").to_string())
}

/// The window's id of the application with this number (from the clerk's list).
async fn listed(w: &jiuzhu_testkit::app::TestApp, clerk: &jiuzhu_testkit::app::Client, reference: &str) -> i64 {
    let list = w.send(clerk.get("/online")).await;
    let row = &list.text[list.text.find(reference).expect("listed")..];
    let at = row.find("href=\"/online/").unwrap() + 14;
    row[at..at + row[at..].find('"').unwrap()].parse().unwrap()
}

#[tokio::test]
async fn a_name_pasted_with_an_invisible_character_still_matches_its_signature() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    // 王德明 copied from a chat with a zero-width space: the registry keeps it as 王德明.
    let form = family(&id_number("19800312", 41), &id_number("19780605", 53), &id_number("20150101", 62))
        .replace(&format!("m2_name={}", enc("王德明")), &format!("m2_name={}", enc("王德\u{200b}明")));
    let (reference, _) = send_application(&w.app, &b, &form).await;
    assert!(reference.starts_with("WS"));
}

#[tokio::test]
async fn the_window_declines_with_a_reason_the_resident_reads() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    let (reference, code) =
        send_application(&w.app, &b, &family(&id_number("19800312", 41), &id_number("19780605", 53), &id_number("20150101", 62))).await;
    let clerk = w.login("window_clerk_a").await;
    let id = listed(&w, &clerk, &reference).await;
    let bare = w.send(clerk.form(&format!("/online/{id}/decline"), &format!("version=1&reason={}", enc("重复")))).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.text.contains("请写明不予受理的理由"), "the reason is asked for by name");
    assert!(bare.text.contains(">重复</textarea>"), "what was typed is kept");
    let reviewer = w.login("town_reviewer_a").await;
    let not_window = w.send(reviewer.form(&format!("/online/{id}/decline"), "version=1&reason=重复提交的申请")).await;
    assert_eq!(not_window.status, StatusCode::FORBIDDEN, "only the window handles online applications");
    let ok =
        w.send(clerk.form(&format!("/online/{id}/decline"), &format!("version=1&reason={}", enc("重复提交，已按 WS 号另一件受理")))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    assert!(!w.send(clerk.get("/online")).await.text.contains(&reference), "no longer waiting");
    let seen = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={code}")).await;
    assert!(seen.text.contains("不予受理") && seen.text.contains("重复提交，已按 WS 号另一件受理"), "{}", seen.text);
    // The list is a search, the page a view, the refusals refusals: each in the trail as such.
    let entries: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    let of = |user: &str, action: &str| entries.iter().filter(|e| e.username == user && e.action == action).count();
    assert!(of("window_clerk_a", "search") >= 2 && of("window_clerk_a", "decide") == 2, "{entries:?}");
    assert!(
        entries.iter().any(|e| e.username == "window_clerk_a" && e.action == "decide" && e.outcome == "denied" && e.reason == "invalid"),
        "the refused decline is a refused decision, not a view: {entries:?}"
    );
    assert!(entries.iter().any(|e| e.username == "town_reviewer_a" && e.action == "decide" && e.reason == "role"), "{entries:?}");
}

#[tokio::test]
async fn signing_at_the_window_leaves_the_authorisation_to_collect() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    let form = family(&id_number("19800312", 41), &id_number("19780605", 53), &id_number("20150101", 62));
    let done = b.post(&w.app, "/m/apply", &format!("{form}&sign_at_window=1&step=send")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("到乡镇窗口再签"));
    let (reference, code) = (between(&done.text, "reference").to_string(), between(&done.text, "query-code").to_string());
    let clerk = w.login("window_clerk_a").await;
    let id = listed(&w, &clerk, &reference).await;
    assert!(w.send(clerk.get(&format!("/online/{id}"))).await.text.contains("须当面签署"));
    assert_eq!(w.send(clerk.form(&format!("/online/{id}/take"), "version=1")).await.status, StatusCode::SEE_OTHER);
    let seen = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={code}")).await;
    assert!(seen.text.contains("家庭经济状况核对授权书"), "still to bring: {}", seen.text);
}

#[tokio::test]
async fn an_applicant_registered_in_another_household_is_not_taken_into_it() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    // The world's household in village A: head 19600101-11, spouse 19620315-12 (李秀英).
    let spouse_elsewhere = id_number("19620315", 12);
    let (reference, _) =
        send_application(&w.app, &b, &family(&spouse_elsewhere, &id_number("19780605", 53), &id_number("20150101", 62))).await;
    let clerk = w.login("window_clerk_a").await;
    let id = listed(&w, &clerk, &reference).await;
    let took = w.send(clerk.form(&format!("/online/{id}/take"), "version=1")).await;
    assert_eq!(took.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", took.text);
    assert!(took.text.contains("申请人已登记在户主为王建国的家庭中"), "{}", took.text);
    assert!(w.send(clerk.get("/online")).await.text.contains(&reference), "still waiting");
    // The applicant who heads a registered household: the cases open on it, no second household.
    let head = id_number("19600101", 11);
    let (reference, _) = send_application(&w.app, &b, &family(&head, &id_number("19780605", 53), &id_number("20150101", 62))).await;
    let id = listed(&w, &clerk, &reference).await;
    let took = w.send(clerk.form(&format!("/online/{id}/take"), "version=1")).await;
    assert_eq!(took.status, StatusCode::SEE_OTHER, "{}", took.text);
    let case: i64 = took.location().unwrap().trim_start_matches("/cases/").split('?').next().unwrap().parse().unwrap();
    let case = w.store.case(case).await.unwrap().unwrap();
    assert_eq!(case.data.household_id, w.in_a);
}

#[tokio::test]
async fn the_form_keeps_everything_on_a_display_switch_and_takes_a_village_from_the_self_assessment() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/progress").await;
    let form = family(&id_number("19800312", 41), &id_number("19780605", 53), &id_number("20150101", 62));
    let switched = b.post(&w.app, "/m/apply", &format!("{form}&switch=elder")).await;
    assert_eq!(switched.status, StatusCode::OK);
    assert!(switched.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().starts_with("elder=1"));
    assert!(switched.text.contains("class=\"public elder\"") && switched.text.contains("value=\"李秀兰\""), "typed names kept");
    assert!(switched.text.contains("丈夫去年摔伤后不能干重活"), "the reason kept");
    // An empty form is refused in the form's words: no codes, no lists of values, row 1 named.
    let empty = b.post(&w.app, "/m/apply", &format!("region={TOWN_A}&step=sign&m2_name={}", enc("李四"))).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    for said in [
        "请选择户籍所在村（社区）",
        "请选择户口类型：农村或城镇",
        "第 1 位家庭成员：请填写姓名",
        "第 2 位家庭成员（李四）：请选择和申请人的关系",
    ] {
        assert!(empty.text.contains(said), "{said}: {}", empty.text);
    }
    assert!(!empty.text.contains("urban（") && !empty.text.contains("区划代码"), "{}", empty.text);
    // A self-assessment made for a village comes with the village chosen and the town's list.
    let from_check = b.post(&w.app, "/m/apply", &format!("region={VILLAGE_A}&kind=dibao&step=edit")).await;
    assert_eq!(from_check.status, StatusCode::OK, "{}", from_check.text);
    assert!(from_check.text.contains(&format!("value=\"{VILLAGE_A}\" selected")), "{}", from_check.text);
    assert!(from_check.text.contains("value=\"dibao\" checked"));
}

/// The hidden `ticket` of the first form on a page that carries one.
fn ticket(page: &str) -> String {
    let at = page.find("name=\"ticket\" value=\"").expect("a form with a ticket") + 21;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

/// 材料照片: the receipt offers them; a photo of a listed material is added (not a picture, no
/// choice, or another browser's page refused, in words, the choice kept); a photo is taken back
/// only after asking; the town's window sees it (each look audited), the other town's does not;
/// once taken in, the photos are read only; a photo over the limit is refused beside the form.
#[tokio::test]
async fn photos_of_documents_go_with_the_application_to_the_window() {
    let w = spawn_app().await;
    let b = ResidentBrowser::open(&w.app, "/m/").await;
    let (head, spouse, child) = (id_number("19800312", 41), id_number("19780605", 53), id_number("20150101", 62));
    let sig = enc(&signature());
    let done = b.post(&w.app, "/m/apply", &format!("{}&sig1={sig}&sig2={sig}&step=send", family(&head, &spouse, &child))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("拍照上传材料"), "the receipt offers photos: {}", done.text);
    let reference = between(&done.text, "reference").to_string();
    let page = b.post(&w.app, "/m/photos", &format!("ticket={}", ticket(&done.text))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("户口簿") && page.text.contains(&reference) && page.text.contains("还没有上传照片"), "{}", page.text);
    assert!(!page.text.contains("value=\"authorisation\""), "signed on screen already, not a photo to take");

    let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 2000][..]].concat();
    let t = ticket(&page.text);
    // Not a picture; nothing chosen: refused beside the form, the choice kept.
    let pdf = b.upload(&w.app, "/m/photos/add", &[("ticket", &t), ("material", "hukou")], "photo", b"%PDF-1.7 a scan").await;
    assert_eq!(pdf.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(pdf.text.contains("所选文件不是照片") && pdf.text.contains("value=\"hukou\" checked"), "{}", pdf.text);
    let unchosen = b.upload(&w.app, "/m/photos/add", &[("ticket", &t)], "photo", &jpeg).await;
    assert!(unchosen.text.contains("请选择这张照片拍的是哪种材料"), "{}", unchosen.text);
    // Another browser holding the ticket opens nothing.
    let elsewhere = ResidentBrowser::open(&w.app, "/m/").await;
    let stolen = elsewhere.upload(&w.app, "/m/photos/add", &[("ticket", &t), ("material", "hukou")], "photo", &jpeg).await;
    assert_eq!(stolen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stolen.text.contains("页面已经过期") && !stolen.text.contains("已上传"), "{}", stolen.text);

    let added = b.upload(&w.app, "/m/photos/add", &[("ticket", &t), ("material", "hukou")], "photo", &jpeg).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert!(added.text.contains("已上传。") && added.text.contains("（已传 1 张）") && added.text.contains("1/30"), "{}", added.text);
    let t = ticket(&added.text);
    let second = b.upload(&w.app, "/m/photos/add", &[("ticket", &t), ("material", "id_cards")], "photo", &jpeg).await;
    assert!(second.text.contains("2/30"), "{}", second.text);

    // Taking one back asks first; only the confirmed press removes it.
    let doc_at = second.text.find("name=\"document\" value=\"").unwrap() + 23;
    let doc: i64 = second.text[doc_at..doc_at + second.text[doc_at..].find('"').unwrap()].parse().unwrap();
    let ask = b.post(&w.app, "/m/photos/remove", &format!("ticket={}&document={doc}", ticket(&second.text))).await;
    assert!(ask.text.contains("确定删除这张照片吗") && ask.text.contains("户口簿"), "{}", ask.text);
    let kept = b.post(&w.app, "/m/photos", &format!("ticket={}", ticket(&ask.text))).await;
    assert!(kept.text.contains("2/30"), "asking removed nothing: {}", kept.text);
    let gone = b.post(&w.app, "/m/photos/remove", &format!("ticket={}&document={doc}&confirm=1", ticket(&ask.text))).await;
    assert!(gone.text.contains("已删除这张照片") && gone.text.contains("1/30"), "{}", gone.text);

    // The window: town A sees the ID cards' photo and its picture; town B does not.
    let clerk = w.login("window_clerk_a").await;
    let id = listed(&w, &clerk, &reference).await;
    let one = w.send(clerk.get(&format!("/online/{id}"))).await;
    assert!(
        one.text.contains("申请人上传的材料照片") && one.text.contains("（1）") && one.text.contains("家庭成员居民身份证"),
        "{}",
        one.text
    );
    let at = one.text.find(&format!("/online/{id}/documents/")).unwrap();
    let src = &one.text[at..at + one.text[at..].find('"').unwrap()];
    let picture = w.send(clerk.get(src)).await;
    assert_eq!(picture.status, StatusCode::OK);
    assert_eq!(picture.headers.get(header::CONTENT_TYPE).unwrap(), "image/jpeg");
    assert_eq!(picture.headers.get(header::CACHE_CONTROL).unwrap(), "private, no-store");
    let other = w.login("window_clerk_b").await;
    assert_eq!(w.send(other.get(src)).await.status, StatusCode::NOT_FOUND);
    let removed_src = format!("/online/{id}/documents/{doc}");
    assert_eq!(w.send(clerk.get(&removed_src)).await.status, StatusCode::NOT_FOUND, "taken back for good");
    let trail: Vec<_> = w.store.audit_after(0, 100_000).await.unwrap().into_iter().map(|e| e.record).collect();
    assert!(
        trail.iter().any(|e| e.username == "window_clerk_a" && e.detail.contains("document=") && e.detail.contains("material=id_cards")),
        "each look at a photo is in the trail"
    );

    // Taken in: the photos are read only, with what to bring; a page left open adds nothing.
    let left_open = ticket(&gone.text);
    let taken = w.send(clerk.form(&format!("/online/{id}/take"), "version=1")).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.text);
    let progress = b.post(&w.app, "/m/progress", &format!("reference={reference}&proof={head}")).await;
    let offer = &progress.text[progress.text.find("/m/photos").unwrap() - 200..];
    let page = b.post(&w.app, "/m/photos", &format!("ticket={}", ticket(offer))).await;
    assert!(page.text.contains("乡镇窗口已经受理") && page.text.contains("1/30"), "{}", page.text);
    assert!(!page.text.contains("上传这张照片") && !page.text.contains(">删除<"), "read only: {}", page.text);
    let late = b.upload(&w.app, "/m/photos/add", &[("ticket", &left_open), ("material", "hukou")], "photo", &jpeg).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text.contains("照片不能再上传或删除") && late.text.contains("1/30"), "{}", late.text);
    let late = b.post(&w.app, "/m/photos/remove", &format!("ticket={left_open}&document={}&confirm=1", doc + 1)).await;
    assert!(late.text.contains("照片不能再上传或删除"), "{}", late.text);
    assert_eq!(w.send(clerk.get(src)).await.status, StatusCode::OK, "the photo the window relied on is kept");

    // A photo over 5 MB (a phone without the shrinking script): said beside the form, the choice kept.
    let b2 = ResidentBrowser::open(&w.app, "/m/").await;
    let (h2, s2, c2) = (id_number("19700101", 11), id_number("19720202", 22), id_number("20160303", 33));
    let done = b2.post(&w.app, "/m/apply", &format!("{}&sig1={sig}&sig2={sig}&step=send", family(&h2, &s2, &c2))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let t2 = ticket(&done.text);
    let opened = b2.post(&w.app, "/m/photos", &format!("ticket={t2}")).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    let mut huge = vec![0xFF, 0xD8, 0xFF, 0xE0];
    huge.resize(6 * 1024 * 1024, 7);
    let over = b2.upload(&w.app, "/m/photos/add", &[("ticket", &t2), ("material", "id_cards")], "photo", &huge).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.text.contains("照片大小须在 5 MB 以内") && over.text.contains("value=\"id_cards\" checked"), "{}", over.text);
}
