//! The residents' site (`/m/`) through the whole router, without a staff login: the form token
//! (double-submit CSRF), the policy guide's figures against the engine's, the self-assessment's
//! answers, refusals that keep what was typed, the rate limit, the elderly mode, and that
//! nothing a resident types is stored.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_policy::Policies;
use jiuzhu_testkit::app::{Answer, app_of, send, spawn_app};
use jiuzhu_web::{AppState, Settings};

/// A resident's browser: the cookies it was given.
#[derive(Default)]
struct Browser {
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
    fn keep(&mut self, a: &Answer) {
        for v in a.headers.get_all(header::SET_COOKIE) {
            let Some((k, rest)) = v.to_str().unwrap().split_once('=') else { continue };
            let value = rest.split(';').next().unwrap_or_default().to_string();
            self.cookies.retain(|(n, _)| n != k);
            self.cookies.push((k.to_string(), value));
        }
    }
    async fn get(&mut self, app: &axum::Router, uri: &str) -> Answer {
        let a = send(app, Request::get(uri).header(header::COOKIE, self.cookie_header()).body(Body::empty()).unwrap()).await;
        self.keep(&a);
        a
    }
    async fn post(&mut self, app: &axum::Router, uri: &str, form: &str) -> Answer {
        let req = Request::post(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap();
        let a = send(app, req).await;
        self.keep(&a);
        a
    }
    fn token(page: &Answer) -> String {
        let at = page.text.find("name=\"csrf_token\" value=\"").expect("the page has a form token") + 25;
        page.text[at..at + 32].to_string()
    }
}

const TOWN_A: &str = "620825100";

/// An older person alone with a small pension: 低保 and 特困 may apply.
fn alone(token: &str) -> String {
    format!(
        "csrf_token={token}&region={TOWN_A}&area=rural&m1_age=72&m1_care=partial&income_pension=100&savings=2000&homes=1&supporters=none"
    )
}

#[tokio::test]
async fn the_pages_need_no_login_and_carry_no_script() {
    let w = spawn_app().await;
    let mut b = Browser::default();
    for uri in ["/m/", "/m/town?next=guide", &format!("/m/guide?region={TOWN_A}"), &format!("/m/check?region={TOWN_A}")] {
        let a = b.get(&w.app, uri).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text);
        assert_eq!(a.headers.get(header::CACHE_CONTROL).unwrap(), "no-store", "{uri}");
        assert!(!a.text.contains("<script"), "{uri}: no script on the residents' pages");
        assert!(a.text.contains("/static/public.css"), "{uri}");
    }
    // The form token is set once, HttpOnly and SameSite=Strict, and kept.
    let first = b.cookies.iter().find(|(k, _)| k == "jiuzhu_form").unwrap().1.clone();
    let a = b.get(&w.app, "/m/").await;
    assert!(a.headers.get(header::SET_COOKIE).is_none(), "a browser with a token keeps it");
    assert_eq!(b.cookies.iter().find(|(k, _)| k == "jiuzhu_form").unwrap().1, first);
    let fresh = send(&w.app, Request::get("/m/").body(Body::empty()).unwrap()).await;
    let set = fresh.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/m/"), "{set}");
    // No town chosen: the pages ask for it first.
    let a = b.get(&w.app, "/m/check").await;
    assert_eq!(a.location(), Some("/m/town?next=check"));
    let a = b.get(&w.app, "/m/town?next=check").await;
    assert!(a.text.contains(&format!("/m/check?region={TOWN_A}")), "the county's towns are offered: {}", a.text);
    // An unknown or malformed place is not found, on the residents' own error page.
    let a = b.get(&w.app, "/m/guide?region=620825999").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.text.contains("/static/public.css") && a.text.contains("href=\"/m/\""), "{}", a.text);
    assert_eq!(b.get(&w.app, "/m/guide?region=abc").await.status, StatusCode::NOT_FOUND);
}

/// The guide shows the figures the engine applies today in the county, with their notice.
#[tokio::test]
async fn the_guide_shows_the_engines_standards_and_their_notices() {
    let w = spawn_app().await;
    let mut b = Browser::default();
    let a = b.get(&w.app, &format!("/m/guide?region={TOWN_A}")).await;
    let today = chrono::Local::now().date_naive();
    for area in [jiuzhu_domain::Area::Urban, jiuzhu_domain::Area::Rural] {
        let p = Policies::builtin().resolved(TOWN_A, today, area).unwrap();
        assert!(a.text.contains(&jiuzhu_domain::Fen(p.standard).to_string()), "{area:?} standard shown");
        assert!(a.text.contains(&jiuzhu_domain::Fen(p.tekun_basic).to_string()), "{area:?} tekun standard shown");
        let name = if area == jiuzhu_domain::Area::Urban { "dibao.standard.urban" } else { "dibao.standard.rural" };
        let reference = p.source(name).unwrap().reference.to_string();
        assert!(a.text.contains(&reference), "{area:?} notice named");
    }
    for words in ["最低生活保障", "特困人员救助供养", "临时救助", "家庭经济状况核对授权书", "水洛镇"] {
        assert!(a.text.contains(words), "{words}");
    }
    // English on the same page.
    b.cookies.push(("lang".into(), "en".into()));
    let a = b.get(&w.app, &format!("/m/guide?region={TOWN_A}")).await;
    assert!(a.text.contains("Who may apply") && a.text.contains("lang=\"en\""));
}

#[tokio::test]
async fn a_self_assessment_answers_in_plain_words_and_stores_nothing() {
    let w = spawn_app().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", w.db.display())).await.unwrap();
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap() }
    };
    let before = (count("households").await, count("assessments").await, count("cases").await);
    let audit_before = w.store.audit_after(0, 10_000).await.unwrap().len();
    let mut b = Browser::default();
    let form = b.get(&w.app, &format!("/m/check?region={TOWN_A}")).await;
    let token = Browser::token(&form);
    let a = b.post(&w.app, "/m/check", &alone(&token)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.text.contains("这不是审批结果"), "clearly not a decision");
    assert!(a.text.contains("✔ 可能符合"), "a sign and words, not colour alone");
    assert!(a.text.contains("您本人") && !a.text.contains("m1（"), "members named as people, not ids");
    assert!(a.text.contains("家庭经济状况核对授权书"), "what to bring");
    // The answers come back into the form unchanged ("change my answers").
    assert!(a.text.contains("name=\"m1_age\" value=\"72\""));
    let back = b.post(&w.app, "/m/check", &format!("edit=1&{}", alone(&token))).await;
    assert!(back.text.contains("id=\"m1_age\" name=\"m1_age\" inputmode=\"numeric\" value=\"72\""), "{}", back.text);
    assert!(back.text.contains("value=\"rural\" checked"));
    assert_eq!((count("households").await, count("assessments").await, count("cases").await), before, "nothing stored");
    // Not even the audit trail keeps a self-assessment: it reads and writes nobody's data (the
    // trail records what staff and residents do with personal data; here there is none).
    assert_eq!(w.store.audit_after(0, 10_000).await.unwrap().len(), audit_before);
}

#[tokio::test]
async fn refusals_name_the_question_and_keep_what_was_typed() {
    let w = spawn_app().await;
    let mut b = Browser::default();
    let token = Browser::token(&b.get(&w.app, &format!("/m/check?region={TOWN_A}")).await);
    let a =
        b.post(&w.app, "/m/check", &format!("csrf_token={token}&region={TOWN_A}&m1_age=abc&m2_age=5&savings=1.234&income_wage=800")).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    for words in [
        "住在城镇还是农村：请选择一项",
        "第 1 位家庭成员的年龄",
        "第 2 位家庭成员的关系：请选择",
        "存款、理财等合计：",
        "家里有几套住房",
        "赡养人：请选择一项",
    ] {
        assert!(a.text.contains(words), "{words}");
    }
    for kept in ["value=\"abc\"", "value=\"1.234\"", "value=\"800\"", "value=\"5\""] {
        assert!(a.text.contains(kept), "{kept} kept");
    }
    assert!(a.text.contains("aria-invalid=\"true\""));
    // English names the questions in English.
    b.cookies.push(("lang".into(), "en".into()));
    let a = b.post(&w.app, "/m/check", &format!("csrf_token={token}&region={TOWN_A}&m1_age=abc")).await;
    assert!(a.text.contains("household member 1, age"), "{}", a.text);
}

#[tokio::test]
async fn forms_without_the_token_are_refused() {
    let w = spawn_app().await;
    let mut b = Browser::default();
    let token = Browser::token(&b.get(&w.app, &format!("/m/check?region={TOWN_A}")).await);
    // No cookie (another site's page posting here), a wrong token, no token: refused.
    let stranger = send(
        &w.app,
        Request::post("/m/check")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(alone(&token)))
            .unwrap(),
    )
    .await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);
    assert!(stranger.text.contains("/static/public.css"), "the residents' error page");
    assert_eq!(b.post(&w.app, "/m/check", &alone("0123456789abcdef0123456789abcdef")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.post(&w.app, "/m/check", &alone("").replace("csrf_token=&", "")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.post(&w.app, "/m/check", &alone(&token)).await.status, StatusCode::OK);
    // A staff session does not open the residents' forms without their own token.
    let staff = jiuzhu_testkit::app::login(&w.app, "window_clerk_a", jiuzhu_testkit::world::PASSWORD).await.unwrap();
    let req = Request::post("/m/check")
        .header(header::COOKIE, &staff.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(alone(&staff.csrf)))
        .unwrap();
    assert_eq!(send(&w.app, req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_self_assessment_is_rate_limited_per_address() {
    let world = jiuzhu_testkit::world::world().await;
    let mut settings = Settings::new(world.dir.path());
    settings.assess_per_minute = 3;
    let state = AppState::new(world.store.clone(), world.keys.clone(), settings).unwrap();
    let w = app_of(world, state);
    let mut b = Browser::default();
    let token = Browser::token(&b.get(&w.app, &format!("/m/check?region={TOWN_A}")).await);
    for _ in 0..3 {
        assert_eq!(b.post(&w.app, "/m/check", &alone(&token)).await.status, StatusCode::OK);
    }
    let a = b.post(&w.app, "/m/check", &alone(&token)).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(a.text.contains("请等一分钟再试"), "{}", a.text);
    // Going back to change the answers costs nothing.
    assert_eq!(b.post(&w.app, "/m/check", &format!("edit=1&{}", alone(&token))).await.status, StatusCode::OK);
}

#[tokio::test]
async fn elderly_mode_is_a_switch_that_returns_only_to_the_residents_pages() {
    let w = spawn_app().await;
    let mut b = Browser::default();
    let a = b.get(&w.app, "/m/mode/elder?back=%2Fm%2Fguide%3Fregion%3D620825100").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), Some("/m/guide?region=620825100"));
    let page = b.get(&w.app, "/m/").await;
    assert!(page.text.contains("class=\"public elder\""), "large text from now on");
    assert!(page.text.contains("/m/mode/standard"), "and the way back");
    for evil in ["//evil.example/x", "https://evil.example/", "/households", "/\\evil"] {
        let uri = format!("/m/mode/standard?back={}", url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>());
        assert_eq!(b.get(&w.app, &uri).await.location(), Some("/m/"), "{evil}");
    }
    let page = b.get(&w.app, "/m/").await;
    assert!(page.text.contains("class=\"public\""));
}

/// On the self-assessment the display switches are buttons of the form: pressing one keeps
/// every answer, on the form and on the result.
#[tokio::test]
async fn switching_display_on_the_form_keeps_every_answer() {
    let w = spawn_app().await;
    let mut b = Browser::default();
    let form = b.get(&w.app, &format!("/m/check?region={TOWN_A}")).await;
    assert!(form.text.contains("form=\"answers\"") && form.text.contains("id=\"answers\""));
    let token = Browser::token(&form);
    // Half-filled form, 长辈版 pressed: the form again, large, nothing lost, nothing refused.
    let a = b.post(&w.app, "/m/check", &format!("csrf_token={token}&region={TOWN_A}&m1_age=72&savings=5000&switch=elder")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text.contains("class=\"public elder\"") && a.text.contains("value=\"72\"") && a.text.contains("value=\"5000\""));
    assert!(!a.text.contains("role=\"alert\""), "a switch is not a submission");
    assert!(b.cookies.contains(&("elder".into(), "1".into())));
    // On the result page, English: the result again, in English.
    let a = b.post(&w.app, "/m/check", &format!("{}&edit=1&switch=en:result", alone(&token))).await;
    assert!(a.text.contains("This is not a decision") && a.text.contains("May qualify"), "{}", a.text);
    assert!(b.cookies.contains(&("lang".into(), "en".into())));
}
