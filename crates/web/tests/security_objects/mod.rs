//! The objects the authorisation matrix asks about: one of each kind in town A and in town B
//! (a case, an assessment, an export, an alert, a business account, an online application, a
//! complaint, a bad rating, a question, a document photo, a booking), made through the app's own
//! doors or, where a page needs none, stored as the service would.

use super::{login, send};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiuzhu_store::{ExportFormat, NewAlert, NewExport};
use jiuzhu_testkit::app::TestApp;
use jiuzhu_testkit::world::PASSWORD;
use serde_json::{Value, json};

/// Each kind's id in town A (`[0]`) and town B (`[1]`).
pub struct Objects {
    pub cases: Vec<i64>,
    pub assessments: Vec<i64>,
    pub exports: Vec<i64>,
    pub alerts: Vec<i64>,
    pub accounts: Vec<i64>,
    pub online: Vec<i64>,
    pub complaints: Vec<i64>,
    /// A bad rating of the town's online application, to put right.
    pub ratings: Vec<i64>,
    /// A resident's question waiting for the town's answer.
    pub questions: Vec<i64>,
    /// A photo of a document added to the town's online application.
    pub documents: Vec<i64>,
    /// A booking at the town's window.
    pub bookings: Vec<i64>,
}

pub async fn objects(w: &TestApp) -> Objects {
    // A case, an assessment, an export, an alert and a business account in each town.
    let (mut cases, mut assessments) = (Vec::new(), Vec::new());
    for (clerk, hh) in [("window_clerk_a", w.in_a), ("window_clerk_b", w.in_b)] {
        let c = login(&w.app, clerk, PASSWORD).await.unwrap();
        let req = Request::post(format!("/api/v1/households/{hh}/intakes"))
            .header(header::COOKIE, &c.cookie)
            .header("x-csrf-token", &c.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"kinds": ["temporary"], "request": "生活困难", "received": []}).to_string()))
            .unwrap();
        let (status, body) = send(&w.app, req).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        cases.push(serde_json::from_str::<Value>(&body).unwrap()["case_ids"][0].as_i64().unwrap());
        let (status, body) = send(&w.app, c.json("POST", &format!("/api/v1/households/{hh}/assessments"), json!({}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assessments.push(serde_json::from_str::<Value>(&body).unwrap()["id"].as_i64().unwrap());
    }
    let mut exports = Vec::new();
    let mut alerts = Vec::new();
    let mut accounts = Vec::new();
    for (user, region) in [("window_clerk_a", "620825100"), ("window_clerk_b", "620825101")] {
        let acc = w.store.account_by_username(user).await.unwrap().unwrap();
        let region = jiuzhu_domain::RegionCode::parse(region).unwrap();
        let new = NewExport {
            account_id: acc.id,
            username: user.into(),
            region: region.clone(),
            programme: None,
            format: ExportFormat::Csv,
            purpose: "年度复核名单".into(),
            rows: 1,
        };
        // A line of 0: waiting for the approver.
        exports.push(w.store.request_export(&new, chrono::Utc::now(), 0).await.unwrap().id);
        let now = chrono::Utc::now();
        let alert = NewAlert {
            rule: "bulk_lookup".into(),
            account_id: Some(acc.id),
            username: user.into(),
            region: region.clone(),
            at: now,
            count: 1,
            first_entry: 1,
            last_entry: 1,
            merge_since: now,
        };
        alerts.push(w.store.raise_alert(&alert).await.unwrap());
        accounts.push(w.store.account_by_username(&user.replace("window_clerk", "village_assistant")).await.unwrap().unwrap().id);
    }
    // An online application waiting in each town (signed at the window, so nothing drawn).
    let mut online = Vec::new();
    for (village, town, seq) in [("620825100201", "620825100", 301), ("620825101201", "620825101", 302)] {
        let first17 = format!("62082519750101{seq:03}");
        let head = jiuzhu_domain::MemberInput {
            id_number: format!("{first17}{}", jiuzhu_domain::id_number::check_char(first17.as_bytes())),
            name: "周桂芳".into(),
            relation: "head".into(),
            employment: Some("farming".into()),
            ..Default::default()
        };
        let sub = jiuzhu_residents::Submission {
            household: jiuzhu_registry::NewHouseholdInput {
                household: jiuzhu_domain::HouseholdInput {
                    hukou_region: village.into(),
                    area: "rural".into(),
                    phone: Some("13800138000".into()),
                    ..Default::default()
                },
                members: vec![head],
                ..Default::default()
            },
            kinds: vec![jiuzhu_domain::casework::AssistanceKind::Temporary],
            request: "房屋失火，生活困难".into(),
            signatures: Vec::new(),
            sign_at_window: true,
            device: "test".into(),
            authorisation: String::new(),
        };
        w.state.residents.apply(&Default::default(), &sub).await.unwrap();
        let scope = jiuzhu_domain::RegionCode::parse(town).unwrap();
        online.push(w.store.online_applications(&scope, jiuzhu_store::OnlineState::Submitted, 1).await.unwrap()[0].id);
    }
    // A complaint waiting in each town (anonymous, about the town's own matter).
    let mut complaints = Vec::new();
    for village in ["620825100201", "620825101201"] {
        let report = jiuzhu_residents::complaints::rules::ReportInput {
            category: "eligible_left_out".into(),
            region: village.into(),
            content: "村里独居老人生活困难没有人管".into(),
            anonymous: Some(true),
            ..Default::default()
        };
        w.state.complaints.file(&Default::default(), jiuzhu_domain::complaint::ComplaintChannel::Online, &report).await.unwrap();
        let scope = jiuzhu_domain::RegionCode::parse(&village[..9]).unwrap();
        complaints.push(w.store.complaints(&scope, &[jiuzhu_domain::complaint::ComplaintState::Received], 1).await.unwrap()[0].id);
    }
    // A bad rating of each town's online application (stored as the rating service would).
    let mut ratings = Vec::new();
    for id in &online {
        let app = w.store.online_application(*id).await.unwrap();
        let new = jiuzhu_store::NewRating {
            matter: jiuzhu_domain::rating::RatedMatter::Application,
            matter_id: *id,
            region: app.region,
            level: jiuzhu_domain::rating::Satisfaction::Dissatisfied,
            comment: "窗口让我来回跑了好几趟".into(),
            rated_at: chrono::Utc::now(),
            rectify_by: Some(chrono::Utc::now().date_naive() + chrono::Duration::days(21)),
        };
        ratings.push(w.store.insert_rating(&new).await.unwrap());
    }
    // A question waiting in each town.
    let mut questions = Vec::new();
    for town in ["620825100", "620825101"] {
        let town = jiuzhu_domain::RegionCode::parse(town).unwrap();
        w.state.questions.ask(&Default::default(), &town, "materials", "申请低保要带哪些材料？").await.unwrap();
        let waiting = w.store.questions(&town, &[jiuzhu_domain::question::QuestionState::Waiting], 1).await.unwrap();
        questions.push(waiting[0].id);
    }
    // A document photo of each town's online application, and a booking at each town's window.
    let (mut documents, mut bookings) = (Vec::new(), Vec::new());
    for (i, (id, town)) in online.iter().zip(["620825100", "620825101"]).enumerate() {
        let photo = jiuzhu_store::NewOnlineDocument {
            application_id: *id,
            material: "hukou".into(),
            content_type: "image/jpeg".into(),
            bytes: vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
            uploaded_at: chrono::Utc::now(),
        };
        documents.push(w.store.insert_online_document(&photo).await.unwrap());
        let booking = jiuzhu_store::NewBooking {
            code: format!("YY20261208-00000{i}"),
            region: jiuzhu_domain::RegionCode::parse(town).unwrap(),
            day: chrono::Utc::now().date_naive() + chrono::Duration::days(3),
            slot: jiuzhu_domain::booking::BookingSlot::Morning,
            purpose: jiuzhu_domain::booking::BookingPurpose::Apply,
            name: "王秀英".into(),
            phone: "13800138000".into(),
            note: String::new(),
            booked_at: chrono::Utc::now(),
        };
        bookings.push(w.store.insert_booking(&booking, 10).await.unwrap().unwrap());
    }
    Objects { cases, assessments, exports, alerts, accounts, online, complaints, ratings, questions, documents, bookings }
}
