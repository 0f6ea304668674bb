//! The services a command works through, built on one database as the server builds them (the
//! command line acts as the system: no signed-in user, the machine's clock).

use jiuzhu_accounts::Accounts;
use jiuzhu_casework::Casework;
use jiuzhu_domain::{Clock, SystemClock};
use jiuzhu_registry::Registry;
use jiuzhu_store::Store;
use std::sync::Arc;

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

pub fn accounts(store: &Arc<dyn Store>) -> Accounts {
    Accounts::new(store.clone(), store.clone(), clock())
}

pub fn registry(store: &Arc<dyn Store>) -> Registry {
    Registry::new(store, accounts(store))
}

/// Casework with the holiday years imported after the release read in.
pub async fn casework(store: &Arc<dyn Store>) -> Result<Casework, jiuzhu_casework::CaseworkError> {
    let cw = Casework::new(store, registry(store), accounts(store), clock());
    cw.load_calendar().await?;
    Ok(cw)
}

/// 在线咨询 (the demo asks a few as residents would). Asking issues no ticket, so the tickets'
/// key is a throwaway one: a page's tickets come from the server's own service.
pub async fn questions(store: &Arc<dyn Store>) -> Result<jiuzhu_residents::questions::Questions, jiuzhu_casework::CaseworkError> {
    let tickets = jiuzhu_residents::tickets::Tickets::new(Arc::new(jiuzhu_crypto::Keyring::generate("demo")), clock());
    Ok(jiuzhu_residents::questions::Questions::new(store, tickets, Arc::new(casework(store).await?), clock()))
}

/// 预约办理 (the demo books a few as residents would; no ticket is issued, as for questions).
pub async fn bookings(store: &Arc<dyn Store>) -> Result<jiuzhu_residents::bookings::Bookings, jiuzhu_casework::CaseworkError> {
    let tickets = jiuzhu_residents::tickets::Tickets::new(Arc::new(jiuzhu_crypto::Keyring::generate("demo")), clock());
    Ok(jiuzhu_residents::bookings::Bookings::new(store, tickets, Arc::new(casework(store).await?), clock()))
}

/// 投诉举报 (the demo files a few as residents and the hotline would).
pub async fn complaints(store: &Arc<dyn Store>) -> Result<jiuzhu_residents::complaints::Complaints, jiuzhu_casework::CaseworkError> {
    Ok(jiuzhu_residents::complaints::Complaints::new(store, accounts(store), Arc::new(casework(store).await?), clock()))
}
