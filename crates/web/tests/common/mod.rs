//! The world both HTTP test files start from: a real SQLite database with two towns' villages, a
//! household in each, and an account of every role at county, town A and town B scope
//! (`{role}_county`, `{role}_a`, `{role}_b`, all with [`PASSWORD`]).

// Each test file uses part of it.
#![allow(dead_code)]

use axum::Router;
use jiuzhu_domain::{Division, RegionCode, Role};
use jiuzhu_store::{Actor, NewAccount, Store};
use jiuzhu_testkit::fixtures::sample_household;
use jiuzhu_web::{AppState, auth, router};
use std::path::PathBuf;
use std::sync::Arc;

pub const PASSWORD: &str = "Zhuanglang#2026";

pub struct World {
    pub app: Router,
    pub store: Arc<dyn Store>,
    /// A household in a village of town A, one in town B.
    pub in_a: i64,
    pub in_b: i64,
    pub db: PathBuf,
    _dir: tempfile::TempDir,
}

pub async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let keys = Arc::new(jiuzhu_crypto::Keyring::for_tests());
    let store = jiuzhu_store_sql::connect(&format!("sqlite://{}", db.display()), keys.clone()).await.unwrap();
    let code = |s: &str| RegionCode::parse(s).unwrap();
    let divisions: Vec<Division> =
        ["62/甘肃省", "6208/平凉市", "620825/庄浪县", "620825100/水洛镇", "620825100201/何马村", "620825101/南湖镇", "620825101201/南湖村"]
            .iter()
            .map(|s| {
                let (c, n) = s.split_once('/').unwrap();
                Division { code: code(c), name: n.into() }
            })
            .collect();
    store.upsert_regions(&divisions).await.unwrap();
    let ids = store
        .insert_households(
            &[sample_household("620825100201", "王建国", 11), sample_household("620825101201", "赵明", 21)],
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let hash = auth::hash_password(PASSWORD);
    for role in Role::ALL {
        for (suffix, region) in [("county", "620825"), ("a", "620825100"), ("b", "620825101")] {
            store
                .create_account(&NewAccount {
                    username: format!("{}_{suffix}", role.as_str()),
                    display_name: "测试".into(),
                    role,
                    region: code(region),
                    department: None,
                    password_hash: hash.clone(),
                    disabled: false,
                    must_change_password: false,
                })
                .await
                .unwrap();
        }
    }
    World { app: router(AppState::new(store.clone(), keys)), store, in_a: ids[0], in_b: ids[1], db, _dir: dir }
}
