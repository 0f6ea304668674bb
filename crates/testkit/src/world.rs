//! The world service and HTTP tests start from: a real SQLite database with two towns' villages
//! of 庄浪县, a household in each, and an account of every role at county, town A and town B
//! scope (`{role}_county`, `{role}_a`, `{role}_b`, all with [`PASSWORD`]).

use crate::fixtures::{code, sample_household, two_towns};
use jiuzhu_crypto::Keyring;
use jiuzhu_domain::{Actor, Role, Scope, SessionKey, Trail, User};
use jiuzhu_store::{NewAccount, Store};
use std::path::PathBuf;
use std::sync::Arc;

/// Every test account's password.
pub const PASSWORD: &str = "Zhuanglang#2026";
pub const COUNTY: &str = "620825";
/// 水洛镇 and its village 何马村.
pub const TOWN_A: &str = "620825100";
pub const VILLAGE_A: &str = "620825100201";
/// 南湖镇 and its village 南湖村.
pub const TOWN_B: &str = "620825101";
pub const VILLAGE_B: &str = "620825101201";

pub struct World {
    pub store: Arc<dyn Store>,
    pub keys: Arc<Keyring>,
    /// A household in a village of town A, one in town B.
    pub in_a: i64,
    pub in_b: i64,
    /// The database file.
    pub db: PathBuf,
    pub dir: tempfile::TempDir,
}

/// The world, with accounts of every role.
pub async fn world() -> World {
    with_accounts(bare_world().await).await
}

/// The world, with accounts, in the database `url` (fresh); `dir` is kept with it (uploads).
pub async fn world_on(url: &str, dir: tempfile::TempDir) -> World {
    with_accounts(bare_world_on(url, dir).await).await
}

async fn with_accounts(w: World) -> World {
    let hash = jiuzhu_accounts::password::hash(PASSWORD).await;
    for role in Role::ALL {
        for (suffix, region, place) in [("county", COUNTY, "县"), ("a", TOWN_A, "甲镇"), ("b", TOWN_B, "乙镇")] {
            w.store
                .create_account(&NewAccount {
                    username: format!("{}_{suffix}", role.as_str()),
                    // A name as pages show it: 甲镇受理员 (the username is the account's code).
                    display_name: format!("{place}{}", role.zh()),
                    role,
                    region: code(region),
                    department: None,
                    password_hash: hash.clone(),
                    disabled: false,
                    must_change_password: false,
                })
                .await
                .expect("accounts are created");
        }
    }
    w
}

/// The world without accounts: divisions and the two households.
pub async fn bare_world() -> World {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    bare_world_on(&url, dir).await
}

async fn bare_world_on(url: &str, dir: tempfile::TempDir) -> World {
    let db = url.strip_prefix("sqlite://").map(PathBuf::from).unwrap_or_else(|| dir.path().to_path_buf());
    let keys = Arc::new(Keyring::for_tests());
    let store = jiuzhu_store_sql::connect(url, keys.clone()).await.expect("the database opens");
    bare_world_in(store, keys, db, dir).await
}

/// The world, with accounts of every role, on PostgreSQL (a fresh schema); `None` locally
/// without a server (see [`crate::pg`]).
pub async fn pg_world(prefix: &str) -> Option<World> {
    let pg = crate::pg::PgSchema::fresh(prefix).await?;
    let keys = Arc::new(Keyring::for_tests());
    let store = jiuzhu_store_sql::postgres::SqlStore::connect_with(pg.options(), keys.clone()).await.expect("the schema opens");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().to_path_buf();
    Some(with_accounts(bare_world_in(Arc::new(store), keys, db, dir).await).await)
}

async fn bare_world_in(store: Arc<dyn Store>, keys: Arc<Keyring>, db: PathBuf, dir: tempfile::TempDir) -> World {
    store.upsert_regions(&two_towns()).await.expect("divisions load");
    let ids = store
        .insert_households(&[sample_household(VILLAGE_A, "王建国", 11), sample_household(VILLAGE_B, "赵明", 21)], &Actor::system("test"))
        .await
        .expect("households load");
    World { store, keys, in_a: ids[0], in_b: ids[1], db, dir }
}

/// A user as services see one (no session: the command line), with a fresh trail.
pub fn user(account_id: i64, role: Role, scope: &str) -> User {
    User {
        account_id,
        username: format!("{}{account_id}", role.as_str()),
        display_name: format!("{}{account_id}", role.zh()),
        role,
        scope: Scope(code(scope)),
        department: None,
        session: None,
        trail: Trail::default(),
    }
}

/// The same user signed in through a session (re-authentication needs one).
pub fn with_session(mut u: User, token_hash: &str) -> User {
    u.session = Some(SessionKey { token_hash: token_hash.into(), reauth_at: None });
    u
}
