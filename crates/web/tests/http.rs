//! The HTTP layer end to end on a real SQLite database: the role × region authorisation
//! matrix, CSRF, lockout, idle logout, masking and field-named validation errors.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use jiuzhu_domain::{RegionCode, Role};
use jiuzhu_testkit::app::{Client, TestApp, spawn_app};
use jiuzhu_testkit::fixtures::id_number;
use jiuzhu_testkit::world::PASSWORD;
use serde_json::{Value, json};
use std::sync::Arc;

/// Status, body (JSON, or the text as a JSON string) and the `Set-Cookie` header.
async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Value, String) {
    let a = jiuzhu_testkit::app::send(app, req).await;
    let cookie = a.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let body = if a.json.is_null() { Value::String(a.text) } else { a.json };
    (a.status, body, cookie)
}

async fn login(app: &Router, username: &str, password: &str) -> Result<Client, (StatusCode, Value)> {
    jiuzhu_testkit::app::login(app, username, password).await.map_err(|a| (a.status, a.json))
}

/// Every role at every scope against a household in town A: list, read, edit, by API and page.
#[tokio::test]
async fn authorisation_matrix_role_by_region() {
    let w = spawn_app().await;
    let readers = [Role::WindowClerk, Role::VillageAssistant, Role::Investigator, Role::TownReviewer, Role::CountyApprover, Role::Auditor];
    let writers = [Role::WindowClerk, Role::VillageAssistant, Role::Investigator];
    for role in Role::ALL {
        for (suffix, covers_a) in [("county", true), ("a", true), ("b", false)] {
            let who = format!("{}_{suffix}", role.as_str());
            let c = login(&w.app, &who, PASSWORD).await.unwrap();
            let may_read = readers.contains(&role);
            let (list, body, _) = send(&w.app, c.get("/api/v1/households?q=")).await;
            let (one, _, _) = send(&w.app, c.get(&format!("/api/v1/households/{}", w.in_a))).await;
            let (page, _, _) = send(&w.app, c.get(&format!("/households/{}", w.in_a))).await;
            let h = w.store.household(w.in_a).await.unwrap().unwrap();
            let edit = json!({"version": h.version, "hukou_region": "620825100201", "area": "rural", "address": format!("改 {who}")});
            let (put, _, _) = send(&w.app, c.json("PUT", &format!("/api/v1/households/{}", w.in_a), edit)).await;
            if !may_read {
                assert_eq!(
                    (list, one, page),
                    (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
                    "{who} must not read households"
                );
            } else if covers_a {
                assert_eq!((list, one, page), (StatusCode::OK, StatusCode::OK, StatusCode::OK), "{who} reads households in scope");
                let ids: Vec<i64> = body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
                assert!(ids.contains(&w.in_a), "{who} lists A");
                assert_eq!(ids.contains(&w.in_b), suffix == "county", "{who} lists B only when county-wide");
            } else {
                // Out of scope: not found, never forbidden-with-details, not even by guessing the id.
                assert_eq!(list, StatusCode::OK);
                assert!(body["items"].as_array().unwrap().iter().all(|i| i["id"] != w.in_a), "{who} must not list A");
                assert_eq!((one, page), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{who} must get 404 for A");
            }
            let expected_put = match (writers.contains(&role), covers_a) {
                (false, _) => StatusCode::FORBIDDEN,
                (true, true) => StatusCode::NO_CONTENT,
                (true, false) => StatusCode::NOT_FOUND,
            };
            assert_eq!(put, expected_put, "{who} editing A");
        }
    }
}

#[tokio::test]
async fn identifiers_are_masked_and_pages_are_not_cached() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let full = id_number("19600101", 11);
    let resp = tower::ServiceExt::oneshot(w.app.clone(), c.get(&format!("/api/v1/households/{}", w.in_a))).await.unwrap();
    assert_eq!(resp.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
    let body = String::from_utf8(axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap();
    assert!(!body.contains(&full), "full ID number leaked");
    assert!(body.contains(&format!("{}********{}", &full[..6], &full[14..])));
    assert!(!body.contains("6228480000000000017"), "full bank account leaked");
    let (_, page, _) = send(&w.app, c.get(&format!("/households/{}", w.in_a))).await;
    assert!(!page.as_str().unwrap().contains(&full));
    // Searching by the full number finds the household, but the answer is masked too.
    let (_, found, _) = send(&w.app, c.get(&format!("/api/v1/households?q={full}"))).await;
    assert_eq!(found["items"][0]["head_id_number"], format!("{}********{}", &full[..6], &full[14..]));
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let body = json!({"version": 1, "hukou_region": "620825100201", "area": "rural", "address": "x"});
    let mut req = c.json("PUT", &format!("/api/v1/households/{}", w.in_a), body.clone());
    req.headers_mut().remove("x-csrf-token");
    assert_eq!(send(&w.app, req).await.0, StatusCode::FORBIDDEN);
    let mut req = c.json("PUT", &format!("/api/v1/households/{}", w.in_a), body.clone());
    req.headers_mut().insert("x-csrf-token", "wrong".parse().unwrap());
    assert_eq!(send(&w.app, req).await.0, StatusCode::FORBIDDEN);
    // A plain HTML form carries it as a field.
    let form = |token: &str| {
        Request::post(format!("/households/{}/edit", w.in_a))
            .header(header::COOKIE, &c.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf_token={token}&version=1&hukou_region=620825100201&area=rural&address=form")))
            .unwrap()
    };
    assert_eq!(send(&w.app, form("nope")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&w.app, form(&c.csrf)).await.0, StatusCode::SEE_OTHER);
    assert_eq!(w.store.household(w.in_a).await.unwrap().unwrap().data.address, "form");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account() {
    let w = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(login(&w.app, "window_clerk_a", "wrong").await.err().unwrap().0, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = login(&w.app, "window_clerk_a", PASSWORD).await.expect_err("locked even with the right password");
    assert_eq!(status, StatusCode::LOCKED);
    assert!(body["message"].as_str().unwrap().contains("锁定"));
    // Unknown users get the same answer as wrong passwords.
    assert_eq!(login(&w.app, "nobody", "x").await.err().unwrap().0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_end_at_logout_idle_timeout_and_disabling() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    assert_eq!(send(&w.app, c.get("/api/v1/households")).await.0, StatusCode::OK);
    let (status, _, cleared) = send(&w.app, c.json("DELETE", "/api/v1/session", json!({}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(cleared.contains("Max-Age=0"));
    assert_eq!(send(&w.app, c.get("/api/v1/households")).await.0, StatusCode::UNAUTHORIZED, "the old cookie is dead on the server");

    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let token = c.cookie.split_once('=').unwrap().1;
    let later = Arc::new(jiuzhu_domain::clock::FixedClock::at(Utc::now() + jiuzhu_accounts::IDLE_TIMEOUT + Duration::minutes(1)));
    let accounts = jiuzhu_accounts::Accounts::new(w.store.clone(), w.store.clone(), later);
    assert!(accounts.session(token).await.unwrap().is_none(), "idle session ended");
    assert_eq!(send(&w.app, c.get("/api/v1/households")).await.0, StatusCode::UNAUTHORIZED, "and deleted");

    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let id = w.store.account_by_username("window_clerk_a").await.unwrap().unwrap().id;
    w.store.set_account_disabled(id, true).await.unwrap();
    assert_eq!(send(&w.app, c.get("/api/v1/households")).await.0, StatusCode::UNAUTHORIZED, "disabling takes effect at once");
    // A new login gets a new session id.
    let a = login(&w.app, "window_clerk_b", PASSWORD).await.unwrap();
    let b = login(&w.app, "window_clerk_b", PASSWORD).await.unwrap();
    assert_ne!(a.cookie, b.cookie);
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let bad_check = {
        let good = id_number("19900101", 31);
        format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' })
    };
    let body = json!({
        "hukou_region": "620825100201", "area": "rural", "address": "一社",
        "members": [{"id_number": bad_check, "name": "新户主", "relation": "head"}],
        "incomes": [{"member": 0, "kind": "wage", "month": "2099-01", "amount": -5}]
    });
    let (status, err, _) = send(&w.app, c.json("POST", "/api/v1/households", body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = err["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["members[0].id_number", "incomes[0].month", "incomes[0].amount"]);
    assert!(err["errors"][0]["message"].as_str().unwrap().contains("校验位"));
    assert!(err["errors"][0]["message_en"].as_str().unwrap().contains("check character"));

    // Unknown region, region of another town, person already registered elsewhere.
    let head = |id: &str| json!([{"id_number": id, "name": "新户主", "relation": "head", "employment": "farming"}]);
    for (region, id, field, code) in [
        ("620825100299", id_number("19900101", 41), "hukou_region", "region.unknown"),
        ("620825101201", id_number("19900101", 41), "hukou_region", "region.out_of_scope"),
        ("620825100201", id_number("19600101", 21), "members[0].id_number", "id_number.registered"),
        ("620825100201", id_number("19600101", 11), "members[0].id_number", "id_number.registered_head"),
        ("620825100201", id_number("19620315", 12), "members[0].id_number", "id_number.registered"),
    ] {
        let (status, err, _) =
            send(&w.app, c.json("POST", "/api/v1/households", json!({"hukou_region": region, "area": "rural", "members": head(&id)})))
                .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        assert_eq!((err["errors"][0]["field"].as_str().unwrap(), err["errors"][0]["code"].as_str().unwrap()), (field, code));
        // Each refusal says where the person is and what to do (issue 15).
        let said = err["errors"][0]["message"].as_str().unwrap();
        match (code, id.as_str()) {
            ("id_number.registered_head", _) => assert!(said.contains("王建国 已是本辖区家庭") && said.contains("户主"), "{said}"),
            ("id_number.registered", i) if i == id_number("19600101", 21) => {
                assert!(said.contains("庄浪县南湖镇") && said.contains("县级民政部门"), "another town is named, with who can move: {said}")
            }
            ("id_number.registered", _) => assert!(said.contains("本辖区家庭 #") && said.contains("迁出"), "{said}"),
            _ => {}
        }
    }
    assert_eq!(w.store.count_households(&RegionCode::parse("620825").unwrap()).await.unwrap(), 2, "nothing half-written");

    // A stale version is refused with 409, not silently overwritten.
    let edit = json!({"version": 99, "hukou_region": "620825100201", "area": "rural", "address": "late"});
    assert_eq!(send(&w.app, c.json("PUT", &format!("/api/v1/households/{}", w.in_a), edit)).await.0, StatusCode::CONFLICT);

    // The page form keeps what was typed and shows the message beside the field.
    let req = Request::post("/households/new")
        .header(header::COOKIE, &c.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf_token={}&hukou_region=620825100201&area=rural&id_number={bad_check}&name=%E6%96%B0%E6%88%B7%E4%B8%BB",
            c.csrf
        )))
        .unwrap();
    let (status, page, _) = send(&w.app, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = page.as_str().unwrap();
    assert!(page.contains("校验位不正确"), "message beside the field");
    assert!(page.contains("value=\"新户主\""), "typed name kept");
}

#[tokio::test]
async fn register_edit_and_move_through_the_api() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_county", PASSWORD).await.unwrap();
    let head = id_number("19850202", 51);
    let body = json!({"hukou_region": "620825100201", "area": "rural", "address": "三社", "members": [{"id_number": head, "name": "刘强", "relation": "head", "employment": "farming"}],
                      "incomes": [{"member": 0, "kind": "wage", "month": "2026-10", "amount": 180000}]});
    let (status, created, _) = send(&w.app, c.json("POST", "/api/v1/households", body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, child, _) = send(
        &w.app,
        c.json(
            "POST",
            &format!("/api/v1/households/{id}/members"),
            json!({"version": 1, "id_number": id_number("20150303", 52), "name": "刘小红", "relation": "child", "student": "compulsory"}),
        ),
    )
    .await;
    let child = child["id"].as_i64().unwrap();
    let (status, _, _) = send(
        &w.app,
        c.json("POST", &format!("/api/v1/households/{id}/members/{child}/move"), json!({"version": 2, "to_household": w.in_b})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, hist, _) = send(&w.app, c.get(&format!("/api/v1/households/{id}/history"))).await;
    let fields: Vec<&str> = hist.as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["created", "added", "moved_out"]);
    let (_, b, _) = send(&w.app, c.get(&format!("/api/v1/households/{}", w.in_b))).await;
    assert!(b["members"].as_array().unwrap().iter().any(|m| m["name"] == "刘小红"));
    // 申报 (issue 15): registered with an income, the household carries a declaration by its taker;
    // a PUT of its records with assets declared "none" is a new one, and a case lists what is still missing.
    let (_, h, _) = send(&w.app, c.get(&format!("/api/v1/households/{id}"))).await;
    assert_eq!((h["declaration"]["by"].as_str(), h["declaration"]["none"].as_array().map(Vec::len)), (Some("县受理员"), Some(0)), "{h}");
    let intake = json!({"kinds": ["dibao"], "received": [], "request": "申请"});
    let (_, r, _) = send(&w.app, c.json("POST", &format!("/api/v1/households/{id}/intakes"), intake)).await;
    let case = r["case_ids"][0].as_i64().unwrap();
    let (_, v, _) = send(&w.app, c.get(&format!("/api/v1/cases/{case}"))).await;
    assert_eq!(v["undeclared"], json!(["assets"]), "{v}");
    let records = json!({"version": h["version"], "incomes": [{"member": h["members"][0]["id"], "kind": "wage", "month": "2026-10", "amount": 180000}],
                         "declared_none": ["assets"]});
    let (status, body, _) = send(&w.app, c.json("PUT", &format!("/api/v1/households/{id}/records"), records)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, h, _) = send(&w.app, c.get(&format!("/api/v1/households/{id}"))).await;
    assert_eq!(h["declaration"]["none"], json!(["assets"]));
    let (_, v, _) = send(&w.app, c.get(&format!("/api/v1/cases/{case}"))).await;
    assert_eq!(v["undeclared"], json!([]));
}

#[tokio::test]
async fn health_openapi_and_region_tree() {
    let w = spawn_app().await;
    assert_eq!(send(&w.app, Request::get("/healthz").body(Body::empty()).unwrap()).await.0, StatusCode::OK);
    let (status, spec, _) = send(&w.app, Request::get("/api/openapi.json").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/api/v1/session", "/api/v1/households", "/api/v1/households/{id}", "/api/v1/regions"] {
        assert!(spec["paths"].get(path).is_some(), "{path} documented");
    }
    // Every operation documents the errors any request may get, and each `{param}` of its path.
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                assert!(declared.contains(&name), "{method} {path} declares its path parameter {name}: {declared:?}");
            }
            for tag in op["tags"].as_array().into_iter().flatten() {
                assert!(!tag.as_str().unwrap_or("").contains("::"), "{method} {path}: group {tag} is a module path, not words");
            }
            for code in ["400", "401", "403", "415", "422"] {
                assert!(op["responses"].get(code).is_some(), "{method} {path} documents {code}");
            }
        }
    }
    // Every reference resolves.
    let text = spec.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1).filter_map(|s| s.split('"').next()) {
        assert!(spec["components"]["schemas"].get(reference).is_some(), "schema {reference} is referenced but not defined");
    }
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let (_, top, _) = send(&w.app, c.get("/api/v1/regions")).await;
    assert_eq!(top[0]["name"], "甘肃省");
    let (_, towns, _) = send(&w.app, c.get("/api/v1/regions?parent=620825")).await;
    let names: Vec<&str> = towns.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["水洛镇"], "a town clerk sees only the branch leading to their town");
    assert_eq!(towns[0]["households"], 1);
    let unauth = send(&w.app, Request::get("/api/v1/households").body(Body::empty()).unwrap()).await;
    assert_eq!(unauth.0, StatusCode::UNAUTHORIZED);
    let page = tower::ServiceExt::oneshot(w.app.clone(), Request::get("/households").body(Body::empty()).unwrap()).await.unwrap();
    // Without a session a page goes to the login page, which brings the user back to it.
    assert_eq!(
        (page.status(), page.headers().get(header::LOCATION).unwrap().to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/login?next=%2Fhouseholds")
    );
    // A session the server no longer knows: the login page says it ended.
    let gone = Request::get("/households/1/declaration").header(header::COOKIE, "jiuzhu_session=ended").body(Body::empty()).unwrap();
    let page = tower::ServiceExt::oneshot(w.app.clone(), gone).await.unwrap();
    assert_eq!(page.headers().get(header::LOCATION).unwrap().to_str().unwrap(), "/login?next=%2Fhouseholds%2F1%2Fdeclaration&expired=1");
    // A form sent after the session ended goes back to the page it was on, never elsewhere.
    for (referer, to) in [
        ("http://127.0.0.1/households/1/edit", "/login?next=%2Fhouseholds%2F1%2Fedit&expired=1"),
        ("http://evil.example//evil.example/x", "/login?expired=1"),
    ] {
        let post = Request::post("/households/1/edit")
            .header(header::COOKIE, "jiuzhu_session=ended")
            .header(header::REFERER, referer)
            .body(Body::empty())
            .unwrap();
        let page = tower::ServiceExt::oneshot(w.app.clone(), post).await.unwrap();
        assert_eq!(page.headers().get(header::LOCATION).unwrap().to_str().unwrap(), to, "{referer}");
    }
}

/// The page's HTML for a signed-in GET.
async fn html(w: &TestApp, c: &Client, uri: &str) -> (StatusCode, String) {
    let (status, body, _) = send(&w.app, c.get(uri)).await;
    (status, body.as_str().map(str::to_string).unwrap_or_else(|| body.to_string()))
}

#[tokio::test]
async fn edit_forms_show_identifiers_masked_and_keep_them_when_sent_back() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let h = w.store.household(w.in_a).await.unwrap().unwrap();
    let (member_id, full_id) = (h.members[1].id, h.members[1].data.id_number.as_str().to_string());
    let (status, page) = html(&w, &c, &format!("/households/{}/members/{member_id}/edit", w.in_a)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(&full_id), "the edit form must not reveal the full ID number");
    assert!(!page.contains("13900000000"), "nor the full phone number");
    assert!(!page.contains("62082519620315xxx42") && page.contains("****42"), "nor the disability certificate (it holds the ID number)");
    let (_, page) = html(&w, &c, &format!("/households/{}/edit", w.in_a)).await;
    assert!(!page.contains("6228480000000000017"), "nor the full bank account");
    // Sending the masked values back changes nothing but what was edited.
    let masked = h.members[1].data.id_number.masked();
    let form = format!(
        "csrf_token={}&version={}&id_number={masked}&name=%E6%9D%8E%E7%A7%80%E5%85%B0&relation=spouse&member_phone=139****0000&labour_capacity=none&employment=farming&living_together=on&disability_kind=physical&disability_grade=2&disability_certificate=****42&bathing=on&self_care_all=no",
        c.csrf, h.version
    );
    let req = Request::post(format!("/households/{}/members/{member_id}/edit", w.in_a))
        .header(header::COOKIE, &c.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    assert_eq!(send(&w.app, req).await.0, StatusCode::SEE_OTHER);
    let after = w.store.household(w.in_a).await.unwrap().unwrap();
    assert_eq!(after.members[1].data.id_number.as_str(), full_id);
    assert_eq!(after.members[1].data.phone.as_deref(), Some("13900000000"));
    assert_eq!(after.members[1].data.name, "李秀兰");
    assert_eq!(
        after.members[1].data.disability.as_ref().unwrap().certificate.as_deref(),
        Some("62082519620315xxx42"),
        "kept when sent back masked"
    );
    let hist = w.store.history(w.in_a).await.unwrap();
    assert_eq!(hist.last().unwrap().field, "name", "only the name changed");
}

#[tokio::test]
async fn a_residence_outside_the_clerks_region_survives_an_edit() {
    let w = spawn_app().await;
    let mut h = w.store.household(w.in_a).await.unwrap().unwrap();
    h.data.residence_region = RegionCode::parse("620825101201").unwrap();
    w.store.update_household(w.in_a, h.version, &h.data, &[], &jiuzhu_domain::Actor::system("test")).await.unwrap();
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let (_, page) = html(&w, &c, &format!("/households/{}/edit", w.in_a)).await;
    assert!(page.contains("<option value=\"620825101201\" selected>"), "the current residence stays selected");
}

#[tokio::test]
async fn a_lock_that_ran_out_starts_a_fresh_count() {
    let w = spawn_app().await;
    let clock = Arc::new(jiuzhu_domain::clock::FixedClock::at(Utc::now()));
    let accounts = jiuzhu_accounts::Accounts::new(w.store.clone(), w.store.clone(), clock.clone());
    for _ in 0..5 {
        assert!(accounts.login("window_clerk_a", "wrong").await.1.is_err());
    }
    assert!(matches!(accounts.login("window_clerk_a", PASSWORD).await.1, Err(jiuzhu_accounts::LoginError::Locked { .. })));
    clock.set(Utc::now() + jiuzhu_accounts::LOCKOUT + Duration::minutes(1));
    assert!(matches!(accounts.login("window_clerk_a", "wrong").await.1, Err(jiuzhu_accounts::LoginError::Invalid)));
    assert!(accounts.login("window_clerk_a", PASSWORD).await.1.is_ok(), "one typo after the lock must not lock again");
}

#[tokio::test]
async fn a_surname_is_not_a_village_name() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    // 何 starts 何马村, but nobody here is called 何: no household.
    let (_, r, _) = send(&w.app, c.get("/api/v1/households?q=%E4%BD%95")).await;
    assert_eq!(r["items"].as_array().unwrap().len(), 0);
    // The village's name with or without 村 finds its households.
    for q in ["%E4%BD%95%E9%A9%AC", "%E4%BD%95%E9%A9%AC%E6%9D%91"] {
        let (_, r, _) = send(&w.app, c.get(&format!("/api/v1/households?q={q}"))).await;
        assert_eq!(r["items"][0]["id"], w.in_a);
    }
}

#[tokio::test]
async fn roles_without_registry_access_start_where_their_work_is() {
    let w = spawn_app().await;
    // A leader lands on the comparison of the region's assessments (issue 15), not on a refusal.
    for (who, home) in [("leader_county", "/assessments/regions"), ("system_admin_county", "/regions"), ("window_clerk_a", "/households")] {
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("username={who}&password=Zhuanglang%232026")))
            .unwrap();
        let resp = tower::ServiceExt::oneshot(w.app.clone(), req).await.unwrap();
        assert_eq!(
            (resp.status(), resp.headers().get(header::LOCATION).unwrap().to_str().unwrap()),
            (StatusCode::SEE_OTHER, home),
            "{who}"
        );
    }
    let c = login(&w.app, "leader_county", PASSWORD).await.unwrap();
    assert_eq!(html(&w, &c, "/regions").await.0, StatusCode::OK);
    let (status, page) = html(&w, &c, "/assessments/regions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("/api/docs") && !page.contains("查看家庭"), "no link the leader would be refused");
    assert_eq!(html(&w, &c, &format!("/households/{}/members/new", w.in_a)).await.0, StatusCode::FORBIDDEN);
}

fn situation() -> Value {
    json!({"region": "620825", "date": "2026-11-01", "area": "rural",
           "members": [{"id": "m1", "birth_date": "1950-03-01", "relation": "head", "disability": {"kind": "physical", "grade": 2}}],
           "income": [{"member": "m1", "kind": "wage", "monthly": 10000}],
           "assets": {"financial": 200000, "residential_properties": 1}})
}

fn public(body: Value) -> Request<Body> {
    Request::post("/api/v1/assess").header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap()
}

/// assess-v1 over HTTP: public, no session, object or array in the same form out, field-named
/// errors, a clear error for a region without standards.
#[tokio::test]
async fn public_assessment_follows_the_contract() {
    let w = spawn_app().await;
    let (status, r, _) = send(&w.app, public(situation())).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let names: Vec<&str> = r["programmes"].as_array().unwrap().iter().map(|p| p["programme"].as_str().unwrap()).collect();
    assert_eq!(names, ["dibao", "tekun", "dibao_edge", "rigid_expense", "temporary"]);
    assert_eq!(r["household"]["members_counted"], 1);
    assert!(r["programmes"][0]["reasons"].as_array().unwrap().iter().all(|x| !x["reference"].as_str().unwrap().is_empty()));

    let (status, many, _) = send(&w.app, public(json!([situation(), situation()]))).await;
    assert_eq!((status, many.as_array().map(Vec::len)), (StatusCode::OK, Some(2)));

    let mut bad = situation();
    bad["members"][0]["birth_date"] = json!("1950-13-01");
    let (status, e, _) = send(&w.app, public(json!([situation(), bad]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["errors"][0]["field"], "[1].members[0].birth_date", "{e}");

    let malformed =
        Request::post("/api/v1/assess").header(header::CONTENT_TYPE, "application/json").body(Body::from("{\"region\": ")).unwrap();
    let (status, e, _) = send(&w.app, malformed).await;
    assert_eq!((status, e["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("json.syntax")), "{e}");
    // The direct JSON writer's output is the same result serde would give.
    let (_, one, _) = send(&w.app, public(situation())).await;
    let mut direct = jiuzhu_policy::assess_json(situation(), &Default::default(), jiuzhu_policy::Policies::builtin()).unwrap();
    direct.date = one["date"].as_str().unwrap().to_string();
    assert_eq!(one, serde_json::to_value(&direct).unwrap());

    let mut elsewhere = situation();
    elsewhere["region"] = json!("650100");
    let (status, e, _) = send(&w.app, public(elsewhere)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["errors"][0]["message_en"].as_str().unwrap().contains("no dibao.standard.rural for 650100 on 2026-11-01"), "{e}");
}

#[tokio::test]
async fn the_public_endpoint_is_rate_limited() {
    let w = spawn_app().await;
    let settings = jiuzhu_web::Settings { assess_per_minute: 3, ..jiuzhu_web::Settings::new(w.dir.path()) };
    let app = jiuzhu_web::router(jiuzhu_web::AppState::new(w.store.clone(), w.keys.clone(), settings).unwrap());
    for _ in 0..3 {
        assert_eq!(send(&app, public(situation())).await.0, StatusCode::OK);
    }
    let (status, e, _) = send(&app, public(situation())).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
}

/// Staff assessment of a registered household: who may, where, and the kept result's page.
#[tokio::test]
async fn staff_assess_households_in_their_region_only() {
    let w = spawn_app().await;
    let assessors = [Role::WindowClerk, Role::VillageAssistant, Role::Investigator, Role::TownReviewer, Role::CountyApprover];
    for role in Role::ALL {
        for (suffix, covers_a) in [("county", true), ("a", true), ("b", false)] {
            let who = format!("{}_{suffix}", role.as_str());
            let c = login(&w.app, &who, PASSWORD).await.unwrap();
            let (status, body, _) =
                send(&w.app, c.json("POST", &format!("/api/v1/households/{}/assessments", w.in_a), json!({"date": "2026-11-01"}))).await;
            let expected = match (assessors.contains(&role), covers_a) {
                (false, _) => StatusCode::FORBIDDEN,
                (true, true) => StatusCode::CREATED,
                (true, false) => StatusCode::NOT_FOUND,
            };
            assert_eq!(status, expected, "{who} assessing A: {body}");
            if status == StatusCode::CREATED {
                assert_eq!(body["result"]["programmes"].as_array().unwrap().len(), 5);
                let aid = body["id"].as_i64().unwrap();
                let (status, page) = html(&w, &c, &format!("/households/{}/assessments/{aid}", w.in_a)).await;
                assert_eq!(status, StatusCode::OK);
                assert!(page.contains("可享受") && page.contains("依据") && page.contains("困难指数"), "{who}: result page");
                assert!(page.contains("未对照通知原文核实"), "unverified parameters are flagged on the page");
            }
        }
    }
    let clerk = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let (status, list, _) = send(&w.app, clerk.get(&format!("/api/v1/households/{}/assessments", w.in_a))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2 * assessors.len(), "every assessment is kept, newest first");
    let ids: Vec<i64> = list.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|p| p[0] > p[1]));
    // Another town's clerk cannot read them, not even by guessing the assessment id.
    let other = login(&w.app, "window_clerk_b", PASSWORD).await.unwrap();
    assert_eq!(send(&w.app, other.get(&format!("/api/v1/households/{}/assessments", w.in_a))).await.0, StatusCode::NOT_FOUND);
    assert_eq!(html(&w, &other, &format!("/households/{}/assessments/{}", w.in_a, ids[0])).await.0, StatusCode::NOT_FOUND);
    // The comparison by region: statistics roles see their towns' totals, aggregates only.
    let leader = login(&w.app, "leader_county", PASSWORD).await.unwrap();
    let (status, page) = html(&w, &leader, "/assessments/regions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("水洛镇") && page.contains("2026-11-01") && !page.contains("62082519"), "leader sees the town row");
    let reviewer_b = login(&w.app, "town_reviewer_b", PASSWORD).await.unwrap();
    let (_, page) = html(&w, &reviewer_b, "/assessments/regions").await;
    assert!(!page.contains("水洛镇") && page.contains("还没有保存的研判结果"), "another town's reviewer sees none of town A");
    assert_eq!(html(&w, &clerk, "/assessments/regions").await.0, StatusCode::FORBIDDEN, "clerks do not read statistics");
}

/// 政策模拟: leaders and county approvers only; aggregates by town; other roles are refused.
#[tokio::test]
async fn leaders_simulate_a_standard_change() {
    let w = spawn_app().await;
    for role in Role::ALL {
        let c = login(&w.app, &format!("{}_county", role.as_str()), PASSWORD).await.unwrap();
        let form = format!("csrf_token={}&parameter=dibao.standard.rural&percent=8&from=2026-11-01", c.csrf);
        let req = Request::post("/simulate")
            .header(header::COOKIE, &c.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let (status, body, _) = send(&w.app, req).await;
        let page = body.as_str().unwrap_or_default().to_string();
        if matches!(role, Role::Leader | Role::CountyApprover) {
            assert_eq!(status, StatusCode::OK, "{role:?}");
            assert!(
                page.contains("户参与模拟") && page.contains("合计"),
                "{role:?}: the report is shown: {}",
                page.rsplit("</form>").next().unwrap_or("(nothing)").chars().take(600).collect::<String>()
            );
            assert!(!page.contains("62082519"), "no identifiers on the simulation page");
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} must not simulate");
        }
    }
    let leader = login(&w.app, "leader_county", PASSWORD).await.unwrap();
    let req = Request::post("/simulate")
        .header(header::COOKIE, &leader.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf_token={}&parameter=dibao.standard.rural&percent=abc&from=2026-11-01", leader.csrf)))
        .unwrap();
    let (status, body, _) = send(&w.app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_str().unwrap().contains("调整幅度应为百分数"), "a bad percentage is named");
}

// ---------- casework ----------

fn intake_body(kinds: &[&str]) -> Value {
    let received: Vec<String> = kinds
        .iter()
        .filter_map(|k| jiuzhu_domain::casework::AssistanceKind::parse(k))
        .flat_map(|k| jiuzhu_domain::casework::materials_for(k, jiuzhu_domain::casework::Track::Normal, true, true))
        .map(|m| m.code)
        .collect();
    json!({"kinds": kinds, "received": received, "request": "生活困难"})
}

/// Gives the town-A household a low income, so that it passes the economic check.
async fn make_poor(w: &TestApp) {
    let h = w.store.household(w.in_a).await.unwrap().unwrap();
    let mut records = h.records.clone();
    records.incomes.retain(|i| i.kind != jiuzhu_domain::IncomeKind::Property);
    w.store.replace_records(w.in_a, h.version, &records, &[], &jiuzhu_domain::Actor::system("test")).await.unwrap();
}

/// Every role at every scope against a case in town A: who reads it (page and API), who gets
/// 403 for the role and 404 for the region, and the queues.
#[tokio::test]
async fn case_routes_check_role_and_region_scope() {
    let w = spawn_app().await;
    let clerk = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let (status, body, _) =
        send(&w.app, clerk.json("POST", &format!("/api/v1/households/{}/intakes", w.in_a), intake_body(&["dibao"]))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["case_ids"][0].as_i64().unwrap();
    let readers = [Role::WindowClerk, Role::VillageAssistant, Role::Investigator, Role::TownReviewer, Role::CountyApprover, Role::Auditor];
    for role in Role::ALL {
        for (suffix, covers_a) in [("county", true), ("a", true), ("b", false)] {
            let who = format!("{}_{suffix}", role.as_str());
            let c = login(&w.app, &who, PASSWORD).await.unwrap();
            let expected = match (readers.contains(&role), covers_a) {
                // A liaison reads only its department's referrals (these accounts have none).
                _ if role == Role::DepartmentLiaison => StatusCode::NOT_FOUND,
                (false, _) => StatusCode::FORBIDDEN,
                (true, true) => StatusCode::OK,
                (true, false) => StatusCode::NOT_FOUND,
            };
            let (status, _, _) = send(&w.app, c.get(&format!("/api/v1/cases/{id}"))).await;
            assert_eq!(status, expected, "{who}: GET /api/v1/cases/{id}");
            let (status, page) = html(&w, &c, &format!("/cases/{id}")).await;
            assert_eq!(status, expected, "{who}: GET /cases/{id}");
            if status == StatusCode::OK {
                assert!(!page.contains("62082519"), "{who}: no full ID number on the case page");
            }
            let (status, q, _) = send(&w.app, c.get("/api/v1/cases?bucket=todo")).await;
            let may_queue = readers.contains(&role) || role == Role::DepartmentLiaison;
            assert_eq!(status, if may_queue { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{who}: queue");
            if status == StatusCode::OK {
                let listed = q["cases"].as_array().unwrap().iter().any(|x| x["id"] == id);
                assert_eq!(listed, role == Role::WindowClerk && covers_a, "{who}: the case is in the queue of the town's clerks only");
            }
        }
    }
    // An intake by a role that does not take applications, or for another town's household.
    let inv = login(&w.app, "investigator_a", PASSWORD).await.unwrap();
    let (status, _, _) = send(&w.app, inv.json("POST", &format!("/api/v1/households/{}/intakes", w.in_a), intake_body(&["tekun"]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(&w.app, clerk.json("POST", &format!("/api/v1/households/{}/intakes", w.in_b), intake_body(&["tekun"]))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Steps over the API: the field-named errors, the second of two people acting on the same
/// version gets 409 naming what happened, CSRF on every step (forms, JSON and photo uploads).
#[tokio::test]
async fn case_steps_validate_conflict_and_need_csrf() {
    let w = spawn_app().await;
    make_poor(&w).await;
    let clerk = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let (status, e, _) =
        send(&w.app, clerk.json("POST", &format!("/api/v1/households/{}/intakes", w.in_a), json!({"kinds": ["dibao", "pension"]}))).await;
    assert_eq!((status, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("kinds[1]")), "{e}");
    let (_, body, _) =
        send(&w.app, clerk.json("POST", &format!("/api/v1/households/{}/intakes", w.in_a), intake_body(&["dibao", "medical"]))).await;
    let id = body["case_ids"][0].as_i64().unwrap();
    let (status, e, _) = send(&w.app, clerk.json("POST", &format!("/api/v1/households/{}/intakes", w.in_a), intake_body(&["dibao"]))).await;
    assert_eq!((status, e["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("intake.duplicate")), "{e}");

    let step = |body: Value| clerk.json("POST", &format!("/api/v1/cases/{id}/steps"), body);
    let (status, c, _) = send(&w.app, step(json!({"version": 1, "action": "check"}))).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["case"]["state"], "survey");
    assert_eq!(c["can"], json!(["withdraw"]), "at the survey the clerk can only record a withdrawal: {c}");
    // Someone else already moved the case on from version 1.
    let (status, e, _) = send(&w.app, step(json!({"version": 1, "action": "withdraw", "reason": "撤回"}))).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("入户调查"), "the message says where the case is now: {e}");
    // Not the clerk's step: 403 with the reason.
    let (status, e, _) = send(&w.app, step(json!({"version": 2, "action": "end_publicity"}))).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::FORBIDDEN, Some("not_yours")), "{e}");
    // The survey: the second investigator must be an investigator of the region.
    let inv = login(&w.app, "investigator_a", PASSWORD).await.unwrap();
    let co = w.store.account_by_username("investigator_county").await.unwrap().unwrap().id;
    let clerk_id = w.store.account_by_username("window_clerk_a").await.unwrap().unwrap().id;
    let survey = |co: i64, findings: &str| {
        inv.json(
            "POST",
            &format!("/api/v1/cases/{id}/steps"),
            json!({"version": 2, "action": "survey", "co_investigator_id": co, "visited_on": "2026-11-20", "findings": findings}),
        )
    };
    let (status, e, _) = send(&w.app, survey(clerk_id, "属实")).await;
    assert_eq!((status, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("co_investigator_id")), "{e}");
    let (status, e, _) = send(&w.app, survey(co, " ")).await;
    assert_eq!((status, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("findings")), "{e}");
    let (status, c, _) = send(&w.app, survey(co, "属实")).await;
    assert_eq!((status, c["case"]["state"].as_str()), (StatusCode::OK, Some("town_review")), "{c}");
    // The town reviewer agrees: on notice, the name masked, no identifiers.
    let rev = login(&w.app, "town_reviewer_a", PASSWORD).await.unwrap();
    let (status, c, _) = send(
        &w.app,
        rev.json(
            "POST",
            &format!("/api/v1/cases/{id}/steps"),
            json!({"version": 3, "action": "town_decision", "approve": true, "opinion": "同意"}),
        ),
    )
    .await;
    assert_eq!((status, c["case"]["state"].as_str()), (StatusCode::OK, Some("publicity")), "{c}");
    let (_, list, _) = send(&w.app, rev.get("/api/v1/publicity")).await;
    assert_eq!(list[0]["applicant"], "王*国", "{list}");
    assert!(!list.to_string().contains("620825"), "no identifiers or codes beyond the village name: {list}");
    // The residents' notice board of the town shows it the same way, with where to object; the other town's does not.
    let board = jiuzhu_testkit::app::send(&w.app, Request::get("/m/notices?region=620825100").body(Body::empty()).unwrap()).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.text);
    assert!(board.text.contains("王*国") && !board.text.contains("王建国"), "masked: {}", board.text);
    assert!(board.text.contains("href=\"/m/report?region=620825100\""), "how to object or report: {}", board.text);
    let village = jiuzhu_testkit::app::send(&w.app, Request::get("/m/notices?region=620825100201").body(Body::empty()).unwrap()).await;
    assert!(village.text.contains("王*国"), "a village's board is its town's: {}", village.text);
    let other = jiuzhu_testkit::app::send(&w.app, Request::get("/m/notices?region=620825101").body(Body::empty()).unwrap()).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(other.text.contains("社会救助公示") && !other.text.contains("王*国"), "{}", other.text);

    // CSRF: a JSON step without the header, a form without the field, a photo upload without the token.
    let no_csrf = Request::post(format!("/api/v1/cases/{id}/steps"))
        .header(header::COOKIE, &rev.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"version": 4, "action": "end_publicity"}).to_string()))
        .unwrap();
    assert_eq!(send(&w.app, no_csrf).await.0, StatusCode::FORBIDDEN);
    let form = Request::post(format!("/cases/{id}/step"))
        .header(header::COOKIE, &rev.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("version=4&action=end_publicity"))
        .unwrap();
    assert_eq!(send(&w.app, form).await.0, StatusCode::FORBIDDEN);
    let upload = |token: &str| {
        let body =
            "--x\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\npng\r\n--x--\r\n";
        Request::post(format!("/cases/{id}/photos?csrf_token={token}"))
            .header(header::COOKIE, &inv.cookie)
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(send(&w.app, upload("wrong")).await.0, StatusCode::FORBIDDEN);
    // With the token it passes CSRF and is refused for what it is: the case is past the survey.
    let (status, page, _) = send(&w.app, upload(&inv.csrf)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.as_str().unwrap_or_default().contains("不在入户调查环节"), "{page}");
}

/// One 补正材料告知书 for the whole intake: every missing item once, with the kinds needing it.
#[tokio::test]
async fn the_missing_materials_notice_lists_every_item_of_the_intake_once() {
    let w = spawn_app().await;
    let clerk = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    let body = json!({"kinds": ["dibao", "tekun"], "received": ["application", "id_cards"], "request": "申请"});
    let (status, r, _) = send(&w.app, clerk.json("POST", &format!("/api/v1/households/{}/intakes", w.in_a), body)).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let id = r["case_ids"][0].as_i64().unwrap();
    let (status, page) = html(&w, &clerk, &format!("/cases/{id}/documents/materials")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("户口簿（最低生活保障、特困人员救助供养）").count(), 1, "{page}");
    assert!(page.contains("法定赡养、抚养、扶养义务人情况说明（特困人员救助供养）"), "an item only 特困 asks for: {page}");
    assert!(!page.contains("书面申请"), "items received are not asked for again");
    // The acceptance notice does not exist before acceptance.
    assert_eq!(html(&w, &clerk, &format!("/cases/{id}/documents/acceptance")).await.0, StatusCode::NOT_FOUND);
}

/// Found by schemathesis: extractor errors were plain text, and a huge page number overflowed.
#[tokio::test]
async fn the_api_answers_malformed_requests_as_json_and_survives_huge_pages() {
    let w = spawn_app().await;
    let c = login(&w.app, "window_clerk_a", PASSWORD).await.unwrap();
    for (method, uri, body) in [
        ("POST", "/api/v1/households".to_string(), json!([null, null])),
        ("POST", "/api/v1/cases/bulk".to_string(), json!({"version": 0})),
        ("PUT", format!("/api/v1/households/{}", w.in_a), json!({"version": "x"})),
    ] {
        let (status, e, _) = send(&w.app, c.json(method, &uri, body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {uri}");
        assert_eq!((e["error"].as_str(), e["errors"][0]["code"].as_str()), (Some("invalid"), Some("request.malformed")), "{e}");
        assert!(e["message"].as_str().unwrap().starts_with("请求格式不正确"));
    }
    let (status, e, _) = send(&w.app, c.get("/api/v1/households?after=notanumber")).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid")), "{e}");
    let (status, q, _) = send(&w.app, c.get("/api/v1/cases?bucket=todo&page=9223372036854775806")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(q["cases"].as_array().map(Vec::len), Some(0));
}
