//! Security end to end on a real SQLite database: every route leaves one audit entry, refusals
//! out of scope are recorded and raise alerts, revealing identifiers needs a purpose and the
//! password, auditors see who looked, a broken audit trail stops the data (fail closed).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_domain::Role;
use jiuzhu_store::{AlertQuery, AuditEntry, Store};
use jiuzhu_testkit::app::{Client, spawn_app};
use jiuzhu_testkit::fixtures::id_number;
use jiuzhu_testkit::world::PASSWORD;
use serde_json::{Value, json};

mod security_objects;
use security_objects::{Objects, objects};

/// Status and body text.
async fn send(app: &Router, req: Request<Body>) -> (StatusCode, String) {
    let a = jiuzhu_testkit::app::send(app, req).await;
    (a.status, a.text)
}

async fn login(app: &Router, username: &str, password: &str) -> Option<Client> {
    jiuzhu_testkit::app::login(app, username, password).await.ok()
}

/// A request of any method with an empty JSON body.
fn request(c: &Client, method: &str, uri: &str) -> Request<Body> {
    c.json(method, uri, json!({}))
}

async fn entries(store: &dyn Store) -> Vec<AuditEntry> {
    store.audit_after(0, 100_000).await.unwrap()
}

/// Every `.route("…", get(…).post(…))` in the web crate's source, every file of it: (method, path).
fn all_routes() -> Vec<(String, String)> {
    fn sources(dir: &std::path::Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut src = String::new();
    sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut src);
    let mut out = Vec::new();
    for part in src.split(".route(").skip(1) {
        let part = part.trim_start();
        let Some(rest) = part.strip_prefix('"') else { continue };
        let (path, rest) = rest.split_once('"').unwrap();
        // The handlers: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let end = rest.find(|c| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            depth == 0
        });
        let handlers = &rest[..end.unwrap_or(rest.len())];
        let handlers = handlers.split(".layer(").next().unwrap_or_default();
        for m in ["get", "post", "put", "delete"] {
            if handlers.contains(&format!("{m}(")) {
                out.push((m.to_uppercase(), path.to_string()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[tokio::test]
async fn every_route_leaves_exactly_one_audit_entry() {
    let w = spawn_app().await;
    let member = w.store.household(w.in_a).await.unwrap().unwrap().members[1].id;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let routes = all_routes();
    assert!(routes.len() > 50, "the route list is read from the source: {}", routes.len());
    let mut checked = 0;
    for (method, path) in routes {
        // Not about anyone's data, or ends this session: covered by the tests below. The
        // residents' pages (`/m/`) read and write nobody's data and refuse a staff session's
        // token on their forms (tests/public.rs).
        if path.starts_with("/static/")
            || jiuzhu_web::public::is_public(&path)
            || ["/healthz", "/favicon.ico", "/login", "/lang/{lang}", "/api/openapi.json", "/logout", "/api/v1/session"]
                .contains(&path.as_str())
        {
            continue;
        }
        let uri = path
            .replace("{id}", &w.in_a.to_string())
            .replace("{member_id}", &member.to_string())
            .replace("{household_id}", &w.in_a.to_string())
            .replace("{mid}", &member.to_string())
            .replace("{aid}", "1")
            .replace("{pid}", "1")
            .replace("{doc}", "notice")
            .replace("{lang}", "zh");
        let before = entries(w.store.as_ref()).await.len();
        // Pages take forms, the API JSON (each empty: refusals are entries too).
        let req = match method.as_str() {
            "GET" => c.get(&uri),
            m if !uri.starts_with("/api/") => {
                let mut r = c.form(&uri, "");
                *r.method_mut() = m.parse().unwrap();
                r
            }
            m => request(&c, m, &uri),
        };
        let (status, _) = send(&w.app, req).await;
        let after = entries(w.store.as_ref()).await;
        assert_eq!(after.len(), before + 1, "{method} {path} ({status}) must leave one entry");
        let e = &after.last().unwrap().record;
        assert_eq!((e.username.as_str(), e.role.as_str()), ("window_clerk_a", "window_clerk"), "{method} {path}");
        assert!(e.detail.contains(&format!("{method} ")), "{method} {path}: {}", e.detail);
        if path.starts_with("/households/{id}") || path.starts_with("/api/v1/households/{id}") {
            // The household is named by the service that read it or refused it; a body refused
            // before any service ran (wrong shape) read nothing and says so.
            if e.household_id != Some(w.in_a) {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path} names the household");
                assert_eq!((e.outcome.as_str(), e.reason.as_str(), e.household_id), ("denied", "invalid", None), "{method} {path}");
            }
        }
        checked += 1;
    }
    assert!(checked > 45, "{checked}");
    // No entry holds an identifier.
    let secret = id_number("19600101", 11);
    assert!(entries(w.store.as_ref()).await.iter().all(|e| !format!("{:?}", e.record).contains(&secret)));
}

async fn wait_for_alert(store: &dyn Store, rule: &str) -> Option<jiuzhu_store::Alert> {
    for _ in 0..50 {
        let all = store.alerts(&AlertQuery { limit: 100, ..AlertQuery::default() }).await.unwrap();
        if let Some(a) = all.into_iter().find(|a| a.rule == rule) {
            return Some(a);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn another_towns_household_is_refused_recorded_and_alerted() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let (status, body) = send(&w.app, c.get(&format!("/households/{}", w.in_b))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("赵明"));
    let e = entries(w.store.as_ref()).await.pop().unwrap().record;
    assert_eq!((e.outcome.as_str(), e.reason.as_str(), e.household_id), ("denied", "out_of_scope", Some(w.in_b)));
    // A household that does not exist at all is not 越权.
    send(&w.app, c.get("/households/999999")).await;
    let e = entries(w.store.as_ref()).await.pop().unwrap().record;
    assert_eq!((e.reason.as_str(), e.household_id), ("not_found", None));
    let a = wait_for_alert(w.store.as_ref(), "out_of_scope").await.expect("an alert for the auditors");
    assert_eq!((a.username.as_str(), a.region.as_str()), ("window_clerk_a", "620825100"));

    // The county auditor sees and handles it; a second handler with the old version is told.
    let auditor = login(&w.app, "auditor_county", PASSWORD).await.unwrap();
    let (status, page) = send(&w.app, auditor.get("/alerts")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("越权访问") && page.contains("window_clerk_a"), "{page}");
    let (_, page) =
        send(&w.app, auditor.form(&format!("/alerts/{}", a.id), &format!("version={}&state=closed&outcome=&note=核实中情况", a.version)))
            .await;
    assert!(page.contains("办结时请选择"), "closing needs an outcome");
    let (status, _) = send(
        &w.app,
        auditor.form(
            &format!("/alerts/{}", a.id),
            &format!("version={}&state=closed&outcome=false_positive&note=误点链接，已提醒", a.version),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = send(
        &w.app,
        auditor.form(&format!("/alerts/{}", a.id), &format!("version={}&state=in_progress&outcome=&note=再次处理一下", a.version)),
    )
    .await;
    assert!(page.contains("刚刚已由他人处理"));
    let (_, page) = send(&w.app, auditor.get(&format!("/alerts/{}", a.id))).await;
    assert!(page.contains("误点链接，已提醒") && page.contains("误报"));
    // Another town's auditor does not see it; a clerk has no alert queue.
    let other = login(&w.app, "auditor_b", PASSWORD).await.unwrap();
    assert_eq!(send(&w.app, other.get(&format!("/alerts/{}", a.id))).await.0, StatusCode::NOT_FOUND);
    assert_eq!(send(&w.app, c.get("/alerts")).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn revealing_identifiers_needs_a_purpose_and_the_password_and_is_recorded() {
    let w = spawn_app().await;
    let full = id_number("19600101", 11);
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let (_, page) = send(&w.app, c.get(&format!("/households/{}", w.in_a))).await;
    assert!(!page.contains(&full), "masked by default");
    assert!(page.contains("查看完整信息"));
    let reveal = format!("/households/{}/reveal", w.in_a);

    let (status, body) = send(&w.app, c.form(&reveal, "purpose=看&password=Zhuanglang%232026")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("事由：") && !body.contains(&full), "the field named in words");
    let (status, body) = send(&w.app, c.form(&reveal, "purpose=入户调查核对身份&password=wrong")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("密码：") && !body.contains(&full), "the field named in words");
    let denied = entries(w.store.as_ref()).await.pop().unwrap().record;
    assert_eq!((denied.action.as_str(), denied.outcome.as_str(), denied.reason.as_str()), ("reveal", "denied", "reauth"));

    let (status, body) = send(&w.app, c.form(&reveal, "purpose=入户调查核对身份&password=Zhuanglang%232026")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&full) && body.contains("6228480000000000017"), "shown in full");
    let e = entries(w.store.as_ref()).await.pop().unwrap().record;
    assert_eq!((e.action.as_str(), e.outcome.as_str(), e.purpose.as_str()), ("reveal", "allowed", "入户调查核对身份"));
    assert_eq!(e.reason, "outside_caseload", "the clerk has no case of this household");
    assert!(e.fields.contains("id_number") && !format!("{e:?}").contains(&full));
    // Within five minutes the password is not asked again.
    let (status, _) = send(&w.app, c.form(&reveal, "purpose=再次核对银行账号")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(wait_for_alert(w.store.as_ref(), "outside_caseload").await.is_some());

    // Another town's clerk and an auditor cannot; the auditor sees who looked.
    let b = login(&w.app, "window_clerk_b", PASSWORD).await.unwrap();
    let (status, body) = send(&w.app, b.form(&reveal, "purpose=入户调查核对身份&password=Zhuanglang%232026")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains(&full));
    let auditor = login(&w.app, "auditor_county", PASSWORD).await.unwrap();
    assert_eq!(send(&w.app, auditor.form(&reveal, "purpose=审计抽查核对&password=Zhuanglang%232026")).await.0, StatusCode::FORBIDDEN);
    let (status, page) = send(&w.app, auditor.get(&format!("/households/{}/access", w.in_a))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("甲镇受理员") && page.contains("入户调查核对身份") && page.contains("再次核对银行账号"), "{page}");
    assert!(page.contains("查看完整信息") && !page.contains("POST /households"), "the access record says what was done in words");
    assert!(!page.contains(&full));
    let (_, page) = send(&w.app, auditor.get("/audit?username=window_clerk_b&outcome=denied")).await;
    assert!(page.contains("拒绝：越权访问"), "the other clerk's attempt is on record, in words: {page}");
    let (_, page) = send(&w.app, auditor.form("/audit/verify", "")).await;
    assert!(page.contains("审计日志完整"), "{page}");
    // A clerk has no audit pages.
    assert_eq!(send(&w.app, c.get("/audit")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&w.app, c.get(&format!("/households/{}/access", w.in_a))).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn logins_are_recorded_and_without_an_audit_trail_no_data_is_served() {
    let w = spawn_app().await;
    assert!(login(&w.app, "window_clerk_a", "wrong").await.is_none());
    assert!(login(&w.app, "nobody_here", "wrong").await.is_none());
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let all = entries(w.store.as_ref()).await;
    let last3: Vec<_> = all[all.len() - 3..].iter().map(|e| (e.record.action.as_str(), e.record.username.as_str())).collect();
    assert_eq!(last3, [("login_failed", "window_clerk_a"), ("login_failed", "(unknown)"), ("login", "window_clerk_a")]);

    // The trail's table is gone (a full disk, a broken database): the page is refused.
    {
        use sqlx::Connection;
        let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{}", w.db.display())).await.unwrap();
        sqlx::raw_sql("ALTER TABLE audit_log RENAME TO audit_log_gone").execute(&mut raw).await.unwrap();
    }
    let (status, body) = send(&w.app, c.get(&format!("/households/{}", w.in_a))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!body.contains("王建国") && body.contains("审计日志无法写入"));
}

/// IDOR probe: every route that names a household, by every role scoped to town A, with town B's
/// household id: never a success, never B's data, and the refusal is on record.
#[tokio::test]
async fn no_route_serves_another_towns_household_to_any_role() {
    let w = spawn_app().await;
    let other = w.store.household(w.in_b).await.unwrap().unwrap();
    let (b_name, b_id, b_member) = (other.head().data.name.clone(), other.head().data.id_number.as_str().to_string(), other.members[1].id);
    let routes: Vec<_> = all_routes().into_iter().filter(|(_, p)| p.contains("households/{id}") || p.contains("{household_id}")).collect();
    assert!(routes.len() >= 15, "{routes:?}");
    for role in Role::ALL {
        let user = format!("{}_a", role.as_str());
        let c = login(&w.app, &user, PASSWORD).await.unwrap();
        for (method, path) in &routes {
            let uri = path
                .replace("{id}", &w.in_b.to_string())
                .replace("{household_id}", &w.in_b.to_string())
                .replace("{member_id}", &b_member.to_string())
                .replace("{mid}", &b_member.to_string())
                .replace("{aid}", "1");
            let (status, body) = send(&w.app, if method == "GET" { c.get(&uri) } else { request(&c, method, &uri) }).await;
            assert!(!status.is_success() && !status.is_redirection(), "{user} {method} {path}: {status}");
            assert!(!body.contains(&b_name) && !body.contains(&b_id), "{user} {method} {path} leaked town B's household");
            let e = entries(w.store.as_ref()).await.pop().unwrap().record;
            assert_eq!((e.username.as_str(), e.outcome.as_str()), (user.as_str(), "denied"), "{method} {path}: {}", e.detail);
        }
    }
    let unchanged = w.store.household(w.in_b).await.unwrap().unwrap();
    assert_eq!(unchanged.version, other.version, "nothing was changed");
}

/// Exports: small ones are ready at once, large ones wait for another approver; each downloads
/// once, after the password, as a watermarked file with masked IDs and guarded cells.
#[tokio::test]
async fn exports_need_a_purpose_an_approver_when_large_and_download_once() {
    use jiuzhu_testkit::fixtures::sample_household;
    let w = spawn_app().await;
    let full = id_number("19600101", 11);
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    // A head whose name is a formula.
    let evil = w
        .store
        .insert_households(&[sample_household("620825100201", "=HYPERLINK(\"http://x\")", 31)], &jiuzhu_domain::Actor::system("test"))
        .await
        .unwrap()[0];
    let (status, body) = send(&w.app, c.form("/exports", "region=620825100&programme=&format=csv&purpose=看")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("事由："), "names the field in words");
    let (status, body) = send(&w.app, c.form("/exports", "region=620825101&programme=&format=csv&purpose=年度复核名单")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another town: {body}");
    let (status, body) = send(&w.app, c.form("/exports", "region=620825100&programme=&format=csv&purpose=年度复核名单")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("共 2 户，可下载一次"), "{body}");
    let e = entries(w.store.as_ref()).await.pop().unwrap().record;
    assert_eq!((e.action.as_str(), e.purpose.as_str()), ("export", "年度复核名单"));
    let id = w.store.exports(&jiuzhu_store::ExportQuery { limit: 1, ..Default::default() }).await.unwrap()[0].id;
    let download = format!("/exports/{id}/download");

    // Someone else's export does not exist for them; the password is asked again.
    let b = login(&w.app, "window_clerk_b", PASSWORD).await.unwrap();
    assert_eq!(send(&w.app, b.form(&download, "password=Zhuanglang%232026")).await.0, StatusCode::NOT_FOUND);
    let (status, _) = send(&w.app, c.form(&download, "password=wrong")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(entries(w.store.as_ref()).await.pop().unwrap().record.reason, "reauth");
    let resp = tower::ServiceExt::oneshot(w.app.clone(), c.form(&download, "password=Zhuanglang%232026")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains(&format!("roster-{id}.csv")));
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("导出人：甲镇受理员（window_clerk_a）"), "{text}");
    assert!(text.contains("年度复核名单") && text.contains("王建国") && !text.contains(&full), "masked IDs");
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "formula guarded and quoted: {text}");
    let e = entries(w.store.as_ref()).await.pop().unwrap().record;
    assert_eq!((e.action.as_str(), e.outcome.as_str(), e.detail.contains("rows=2")), ("download", "allowed", true), "{e:?}");
    let (status, body) = send(&w.app, c.form(&download, "password=Zhuanglang%232026")).await;
    assert_eq!(status, StatusCode::GONE, "one download: {body}");
    let _ = evil;

    // More than the threshold: waits for a county approver who is not the requester.
    let many: Vec<_> = (0..100).map(|i| sample_household("620825100201", "钱多", 100 + i)).collect();
    w.store.insert_households(&many, &jiuzhu_domain::Actor::system("test")).await.unwrap();
    let (_, body) = send(&w.app, c.form("/exports", "region=620825100&programme=&format=xlsx&purpose=全镇入户走访名单")).await;
    assert!(body.contains("需县级审批员批准"), "{body}");
    let big = w.store.exports(&jiuzhu_store::ExportQuery { limit: 1, ..Default::default() }).await.unwrap()[0].clone();
    assert_eq!((big.rows, big.state), (102, jiuzhu_store::ExportState::Pending));
    let big_download = format!("/exports/{}/download", big.id);
    assert_eq!(send(&w.app, c.form(&big_download, "password=Zhuanglang%232026")).await.0, StatusCode::CONFLICT);
    assert_eq!(send(&w.app, c.form(&format!("/exports/{}/decide", big.id), "decision=approve")).await.0, StatusCode::FORBIDDEN);
    let approver = login(&w.app, "county_approver_county", PASSWORD).await.unwrap();
    let (_, page) = send(&w.app, approver.get("/exports")).await;
    assert!(page.contains("全镇入户走访名单"), "waiting for the approver");
    // The approver's own large export cannot be approved by themselves.
    send(&w.app, approver.form("/exports", "region=620825&programme=&format=csv&purpose=全县名单核对")).await;
    let own = w.store.exports(&jiuzhu_store::ExportQuery { limit: 1, ..Default::default() }).await.unwrap()[0].clone();
    assert_eq!(own.state, jiuzhu_store::ExportState::Pending);
    let (status, body) = send(&w.app, approver.form(&format!("/exports/{}/decide", own.id), "decision=approve&note=同意")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不能审批本人"));
    // Town B's approver does not see town A's request.
    let approver_b = login(&w.app, "county_approver_b", PASSWORD).await.unwrap();
    assert_eq!(send(&w.app, approver_b.form(&format!("/exports/{}/decide", big.id), "decision=approve")).await.0, StatusCode::NOT_FOUND);
    let (status, _) = send(&w.app, approver.form(&format!("/exports/{}/decide", big.id), "decision=approve&note=同意走访")).await;
    assert!(status.is_redirection());
    let e = entries(w.store.as_ref()).await.pop().unwrap().record;
    assert_eq!((e.action.as_str(), e.purpose.as_str()), ("decide", "全镇入户走访名单"));
    // Within five minutes of the last password, no need to type it again.
    let resp = tower::ServiceExt::oneshot(w.app.clone(), c.form(&big_download, "")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx (zip) file");
    assert_eq!(w.store.export(big.id).await.unwrap().unwrap().state, jiuzhu_store::ExportState::Downloaded);
    // Roles without exports.
    for role in ["village_assistant_a", "auditor_county", "system_admin_county"] {
        let x = login(&w.app, role, PASSWORD).await.unwrap();
        assert_eq!(
            send(&w.app, x.form("/exports", "region=620825100&format=csv&purpose=年度复核名单")).await.0,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
}

/// 三权分立: accounts are created disabled by the system administrator and enabled with a role by
/// the security administrator; neither acts on themselves or on administrators; the audit
/// administrator reads the trail and has nothing that switches it off.
#[tokio::test]
async fn three_administrators_each_hold_one_power() {
    let w = spawn_app().await;
    let sys = login(&w.app, "system_admin_county", PASSWORD).await.unwrap();
    let sec = login(&w.app, "security_admin_county", PASSWORD).await.unwrap();
    let aud = login(&w.app, "audit_admin_county", PASSWORD).await.unwrap();
    let create = "username=new_clerk&display_name=新受理员&role=window_clerk&region=620825100&department=&password=Xinmima%232026x";
    let (status, body) = send(&w.app, sys.form("/accounts", &format!("{create}&my_password=wrong"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("本人密码：") && body.contains("new_clerk"), "names the field in words and keeps the form");
    assert_eq!(entries(w.store.as_ref()).await.pop().unwrap().record.reason, "reauth");
    let (status, body) = send(
        &w.app,
        sys.form(
            "/accounts",
            "username=boss&display_name=x&role=system_admin&region=620825&password=Xinmima%232026x&my_password=Zhuanglang%232026",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("角色："), "no administrator accounts from the pages");
    let (status, _) = send(&w.app, sys.form("/accounts", &format!("{create}&my_password=Zhuanglang%232026"))).await;
    assert_eq!(status, StatusCode::OK);
    let acc = w.store.account_by_username("new_clerk").await.unwrap().unwrap();
    assert!(acc.disabled, "待授权");
    assert!(login(&w.app, "new_clerk", "Xinmima#2026x").await.is_none(), "cannot log in before the grant");
    let e = entries(w.store.as_ref()).await.into_iter().rev().find(|e| e.record.action == "account").unwrap().record;
    assert!(e.detail.contains("create;") && !e.detail.contains("Xinmima"), "{}", e.detail);

    // The system administrator cannot grant; the security administrator cannot create or reset.
    let grant = format!("/accounts/{}/access", acc.id);
    assert_eq!(send(&w.app, sys.form(&grant, "role=county_approver&region=620825")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&w.app, sec.form("/accounts", create)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&w.app, sec.form(&format!("/accounts/{}/password", acc.id), "password=Xinmima%232026y")).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = send(&w.app, sec.form(&grant, "role=window_clerk&region=620825100&department=&my_password=Zhuanglang%232026")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!w.store.account(acc.id).await.unwrap().unwrap().disabled);
    let clerk = login(&w.app, "new_clerk", "Xinmima#2026x").await.expect("granted");
    // The administrator knows that password: nothing but choosing one's own until then.
    let (status, _) = send(&w.app, clerk.get(&format!("/households/{}", w.in_a))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "to /password first");
    let (_, page) = send(&w.app, clerk.get("/password")).await;
    assert!(page.contains("请先设置您自己的密码") && !page.contains("href=\"/households\""), "no menu until then");
    let (status, body) = send(&w.app, clerk.get(&format!("/api/v1/households/{}", w.in_a))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("password_change_required"));
    let (status, body) = send(&w.app, clerk.form("/password", "current=Xinmima%232026x&new=Ziji%23mima2026&again=Ziji%23mima2027")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("再次输入新密码："), "names the field in words");
    let (status, _) = send(&w.app, clerk.form("/password", "current=Xinmima%232026x&new=Ziji%23mima2026&again=Ziji%23mima2026")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(send(&w.app, clerk.get("/households")).await.0, StatusCode::SEE_OTHER, "the old session ended (to /login)");
    let clerk = login(&w.app, "new_clerk", "Ziji#mima2026").await.expect("the new password");
    assert_eq!(send(&w.app, clerk.get(&format!("/households/{}", w.in_a))).await.0, StatusCode::OK);
    assert!(entries(w.store.as_ref()).await.iter().any(|e| e.record.detail.contains("grant;role=window_clerk")));

    // Nobody changes their own account or another administrator's.
    let me = w.store.account_by_username("security_admin_county").await.unwrap().unwrap().id;
    let (status, body) = send(&w.app, sec.form(&format!("/accounts/{me}/access"), "role=county_approver&region=620825")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不能修改本人账号"));
    let auditor = w.store.account_by_username("audit_admin_county").await.unwrap().unwrap().id;
    let (status, body) = send(&w.app, sys.form(&format!("/accounts/{auditor}/disable"), "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("管理员账号只能"));
    assert!(!w.store.account(auditor).await.unwrap().unwrap().disabled, "the audit administrator cannot be switched off");
    // A town-scoped administrator does not reach county accounts.
    let sys_a = login(&w.app, "system_admin_a", PASSWORD).await.unwrap();
    let county_clerk = w.store.account_by_username("window_clerk_county").await.unwrap().unwrap().id;
    assert_eq!(
        send(&w.app, sys_a.form(&format!("/accounts/{county_clerk}/disable"), "my_password=Zhuanglang%232026")).await.0,
        StatusCode::NOT_FOUND
    );

    // A reset ends the old password.
    let (status, _) = send(&w.app, sys.form(&format!("/accounts/{}/password", acc.id), "password=Linshi%232026zz")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(login(&w.app, "new_clerk", "Xinmima#2026x").await.is_none());
    assert!(login(&w.app, "new_clerk", "Linshi#2026zz").await.is_some());
    let (status, _) = send(&w.app, sys.form(&format!("/accounts/{}/disable", acc.id), "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(login(&w.app, "new_clerk", "Linshi#2026zz").await.is_none(), "disabled");

    // The audit administrator reads the trail and administers no one; no administrator reads
    // households; no route can switch the audit off.
    assert_eq!(send(&w.app, aud.get("/audit")).await.0, StatusCode::OK);
    assert_eq!(send(&w.app, aud.get("/accounts")).await.0, StatusCode::FORBIDDEN);
    let (_, page) = send(&w.app, aud.get("/audit")).await;
    assert!(!page.contains("href=\"/households\""), "no registry link for a role that cannot read it");
    for admin in [&sys, &sec, &aud] {
        assert_eq!(send(&w.app, admin.get(&format!("/households/{}", w.in_a))).await.0, StatusCode::FORBIDDEN);
    }
    let audit_routes: Vec<_> = all_routes().into_iter().filter(|(_, p)| p.contains("audit")).map(|(m, p)| format!("{m} {p}")).collect();
    assert_eq!(audit_routes, ["GET /audit", "POST /audit/verify"], "reading and verifying only");
}

/// Bulk approval asks for the password again (page and API); sending ended notices on does not.
#[tokio::test]
async fn bulk_approval_needs_the_password_again() {
    let w = spawn_app().await;
    let c = login(&w.app, "county_approver_county", PASSWORD).await.unwrap();
    let (status, body) = send(&w.app, c.form("/cases/bulk", "action=approve&case=999999:1&password=wrong")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("密码不正确") && body.contains("未办理任何案件"), "{body}");
    assert_eq!(entries(w.store.as_ref()).await.pop().unwrap().record.reason, "reauth");
    let (status, _) = send(&w.app, c.form("/cases/bulk", "action=end_publicity&case=999999:1")).await;
    assert_eq!(status, StatusCode::OK, "no password for sending on");
    let api = |body: Value| {
        Request::post("/api/v1/cases/bulk")
            .header(header::COOKIE, &c.cookie)
            .header("x-csrf-token", &c.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (status, body) = send(&w.app, api(json!({"action": "approve", "cases": [{"id": 999999, "version": 1}]}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("\"password\""), "{body}");
    let (status, body) =
        send(&w.app, api(json!({"action": "approve", "cases": [{"id": 999999, "version": 1}], "password": PASSWORD}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"ok\":false"), "the unknown case is refused on its own: {body}");
    // Within five minutes the page does not ask again.
    let (status, _) = send(&w.app, c.form("/cases/bulk", "action=approve&case=999999:1")).await;
    assert_eq!(status, StatusCode::OK);
}

/// A cell of the authorisation matrix: what one role got from one route.
/// The residents' form token the matrix sends with their forms (any 32 hex digits, as cookie and field).
const FORM_TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn cell(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200..=399 => "✓",
        401 => "401",
        403 => "✗",
        404 => "∅",
        400 | 405 | 409 | 410 | 413 | 415 | 422 => "·",
        _ => "!",
    }
}

/// The authorisation matrix, generated: every route × every role (town-A accounts) × the object
/// in the account's own town and in the other town. Invariants are asserted here; the whole
/// matrix is compared with `docs/authz-matrix.md`, so any change in who may do what shows up in
/// review (`JIUZHU_BLESS=1 cargo test -p jiuzhu-web --test security matrix` rewrites it).
#[tokio::test]
async fn authorisation_matrix_over_every_route_role_and_region() {
    let w = spawn_app().await;
    let ha = w.store.household(w.in_a).await.unwrap().unwrap();
    let hb = w.store.household(w.in_b).await.unwrap().unwrap();
    let secrets: Vec<String> = ha.members.iter().chain(&hb.members).map(|m| m.data.id_number.as_str().to_string()).collect();
    let Objects { cases, assessments, exports, alerts, accounts, online, complaints, ratings, questions, documents, bookings } =
        objects(&w).await;
    let object = |path: &str, side: usize| -> String {
        let (hh, member) = if side == 0 { (w.in_a, ha.members[1].id) } else { (w.in_b, hb.members[1].id) };
        let id = if path.contains("cases/{id}") {
            cases[side]
        } else if path.contains("exports/{id}") {
            exports[side]
        } else if path.contains("alerts/{id}") {
            alerts[side]
        } else if path.contains("accounts/{id}") {
            accounts[side]
        } else if path.starts_with("/online/{id}") {
            online[side]
        } else if path.starts_with("/complaints/{id}") {
            complaints[side]
        } else if path.starts_with("/ratings/{id}") {
            ratings[side]
        } else if path.starts_with("/questions/{id}") {
            questions[side]
        } else if path.starts_with("/bookings/{id}") {
            bookings[side]
        } else {
            hh
        };
        path.replace("{id}", &id.to_string())
            .replace("{member_id}", &member.to_string())
            .replace("{household_id}", &w.in_a.to_string())
            .replace("{mid}", &member.to_string())
            .replace("{aid}", &assessments[side].to_string())
            .replace("{pid}", "1")
            .replace("{did}", &documents[side].to_string())
            .replace("{doc}", "notice")
            .replace("{lang}", "zh")
            .replace("{mode}", "elder")
    };
    let skipped = ["/healthz", "/favicon.ico", "/login", "/lang/{lang}", "/api/openapi.json", "/logout", "/api/v1/session"];
    let routes: Vec<_> = all_routes().into_iter().filter(|(_, p)| !p.starts_with("/static/") && !skipped.contains(&p.as_str())).collect();
    let mut clients = Vec::new();
    for role in Role::ALL {
        clients.push((Some(role), login(&w.app, &format!("{}_a", role.as_str()), PASSWORD).await.unwrap()));
    }
    // A resident: no session at all.
    clients.push((None, Client { cookie: String::new(), csrf: String::new() }));
    let mut table = String::from("| route | object |");
    for (role, _) in &clients {
        table.push_str(&format!(" {} |", role.map_or("未登录（群众）", |r| r.zh())));
    }
    table.push_str("\n|---|---|");
    table.push_str(&"---|".repeat(clients.len()));
    table.push('\n');
    for (method, path) in &routes {
        let sides: &[(usize, &str)] = if path.contains("{id}") { &[(0, "本镇"), (1, "他镇")] } else { &[(0, "—")] };
        for &(side, label) in sides {
            table.push_str(&format!("| `{method} {path}` | {label} |"));
            for (role, c) in &clients {
                let uri = object(path, side);
                // The residents' forms carry the form cookie's token, whoever sends them.
                let pages = jiuzhu_web::public::is_public(path);
                let public = pages || path.starts_with("/api/v1/public/");
                let c = &if pages {
                    Client { cookie: format!("{}; jiuzhu_form={FORM_TOKEN}", c.cookie), csrf: FORM_TOKEN.into() }
                } else {
                    c.clone()
                };
                let req = match method.as_str() {
                    "GET" => c.get(&uri),
                    // Pages take forms; the API and the kiosk's card check take JSON.
                    m if !uri.starts_with("/api/") && uri != "/m/card" => {
                        let mut r = c.form(&uri, "");
                        *r.method_mut() = m.parse().unwrap();
                        r
                    }
                    m => request(c, m, &uri),
                };
                let answer = jiuzhu_testkit::app::send(&w.app, req).await;
                let to_login = answer.location().is_some_and(|l| l.starts_with("/login"));
                let (status, body) = (answer.status, answer.text);
                let mark = if role.is_none() && to_login { "401" } else { cell(status) };
                if role.is_none() && !public {
                    assert!(
                        mark == "401" || !(status.is_success() || status.is_redirection()),
                        "a resident reached {method} {path}: {status}"
                    );
                }
                if role.is_none() && public {
                    // Reached: answered, or its input judged (an empty card read is not a card).
                    assert!(
                        status.is_success() || status.is_redirection() || mark == "·",
                        "a resident was refused {method} {path}: {status} {body}"
                    );
                }
                assert_ne!(mark, "!", "{role:?} {method} {path} ({label}): {status} {body}");
                if side == 1 && mark != "401" {
                    assert!(!status.is_success() && !status.is_redirection(), "{role:?} {method} {path}: another town's object");
                }
                if !role.is_some_and(|r| r.has(jiuzhu_domain::Permission::ReadHousehold))
                    && (path.contains("households") || path.contains("cases/{id}"))
                {
                    assert!(!status.is_success() || mark == "401", "{role:?} {method} {path}: reads no household");
                }
                for s in &secrets {
                    assert!(!body.contains(s), "{role:?} {method} {path}: a full ID number in the answer");
                }
                table.push_str(&format!(" {mark} |"));
            }
            table.push('\n');
        }
    }
    let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/authz-matrix.md");
    let head = "# 授权矩阵 Authorisation matrix\n\n\
        Generated by `authorisation_matrix_over_every_route_role_and_region` (crates/web/tests/security.rs) \
        over every route × role (town-scoped accounts) × the object in the account's own town (本镇) and in \
        the other town (他镇). ✓ allowed (2xx/3xx; identifiers masked — the test fails on any full ID \
        number in any answer); ✗ refused for the role (403); ∅ not found — outside the region, or no such \
        object (404); · input refused (400/409/410/415/422: the empty request the matrix sends; nothing \
        was done). The last column is a resident without a session: 401 where a route asks for a login (an API's \
        401 or a page's redirect to the login page); only the residents' pages (`/m/`) answer them, and their forms \
        carry the form cookie's token in every column. The test fails when a route serves another town's object, a \
        role without household access reads one, a resident reaches a staff route or is refused a residents' page; \
        when the table differs from this file it fails too, so changes are reviewed. \
        Regenerate with `JIUZHU_BLESS=1 cargo test -p jiuzhu-web --test security matrix`.\n\n";
    let generated = format!("{head}{table}");
    if std::env::var("JIUZHU_BLESS").is_ok() {
        std::fs::write(doc_path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(doc_path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/authz-matrix.md differs from the generated matrix; review and regenerate with JIUZHU_BLESS=1.\n{generated}"
    );
}

/// The same reveal over the API: purpose, password, scope and role, each refusal named.
#[tokio::test]
async fn revealing_over_the_api_asks_the_same() {
    let w = spawn_app().await;
    let full = id_number("19600101", 11);
    let api = |c: &Client, id: i64, body: Value| {
        Request::post(format!("/api/v1/households/{id}/reveal"))
            .header(header::COOKIE, &c.cookie)
            .header("x-csrf-token", &c.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let c = login(&w.app, "investigator_a", PASSWORD).await.unwrap();
    let (status, body) = send(&w.app, api(&c, w.in_a, json!({"purpose": "看", "password": PASSWORD}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("\"field\":\"purpose\"") && !body.contains(&full), "{body}");
    let (status, body) = send(&w.app, api(&c, w.in_a, json!({"purpose": "入户调查核对身份", "password": "wrong"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("\"field\":\"password\"") && !body.contains(&full), "{body}");
    assert_eq!(entries(w.store.as_ref()).await.pop().unwrap().record.reason, "reauth");
    assert_eq!(send(&w.app, api(&c, w.in_b, json!({"purpose": "入户调查核对身份", "password": PASSWORD}))).await.0, StatusCode::NOT_FOUND);
    let (status, body) = send(&w.app, api(&c, w.in_a, json!({"purpose": "入户调查核对身份", "password": PASSWORD}))).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v["members"].as_array().unwrap().iter().any(|m| m["id_number"] == full.as_str()), "{v}");
    let e = entries(w.store.as_ref()).await.pop().unwrap().record;
    assert_eq!((e.action.as_str(), e.outcome.as_str(), e.purpose.as_str()), ("reveal", "allowed", "入户调查核对身份"));
    assert!(!format!("{e:?}").contains(&full));
    let auditor = login(&w.app, "auditor_county", PASSWORD).await.unwrap();
    assert_eq!(
        send(&w.app, api(&auditor, w.in_a, json!({"purpose": "审计抽查核对", "password": PASSWORD}))).await.0,
        StatusCode::FORBIDDEN
    );
}

/// Typing the password again counts towards the lockout: a stolen session cannot guess it.
#[tokio::test]
async fn wrong_passwords_typed_again_lock_the_account() {
    let w = spawn_app().await;
    let c = login(&w.app, "investigator_a", PASSWORD).await.unwrap();
    let reveal = format!("/households/{}/reveal", w.in_a);
    for _ in 0..5 {
        assert_eq!(send(&w.app, c.form(&reveal, "purpose=入户调查核对身份&password=guess")).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, body) = send(&w.app, c.form(&reveal, "purpose=入户调查核对身份&password=Zhuanglang%232026")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "locked: even the right password is refused");
    assert!(!body.contains(&id_number("19600101", 11)));
    assert!(login(&w.app, "investigator_a", PASSWORD).await.is_none(), "and signing in is locked too");
}
