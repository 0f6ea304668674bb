//! What every handler reaches: the services, each the only door to its capability, and the
//! server's settings. No store: a handler that wanted one would be doing a service's work.

use crate::rate_limit::RateLimiter;
use jiuzhu_accounts::Accounts;
use jiuzhu_audit::alerts::{AlertEngine, Thresholds};
use jiuzhu_audit::{AuditLog, Auditing, KeySealer};
use jiuzhu_casework::Casework;
use jiuzhu_crypto::Keyring;
use jiuzhu_domain::{Clock, SystemClock};
use jiuzhu_registry::Registry;
use jiuzhu_registry::exports::Exports;
use jiuzhu_store::{AuditStore, Store};
use jiuzhu_verify::feeds::Feeds;
use jiuzhu_verify::monitoring::Monitoring;
use std::path::PathBuf;
use std::sync::Arc;

/// How a server is set up (the command line's options).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Add `Secure` to cookies (set when served behind TLS).
    pub secure_cookies: bool,
    /// Roster exports of more households a day than this wait for a county approver.
    pub export_approval_rows: i64,
    /// The alert rules' thresholds.
    pub thresholds: Thresholds,
    /// Where uploads wait while they are imported (a 0700 folder of the data directory).
    pub uploads: PathBuf,
    /// Requests a minute one address may make to the public assessment.
    pub assess_per_minute: u32,
    /// The offices' phones printed on notices (none set up: the notices leave a line to fill in).
    pub offices: crate::offices::Offices,
    /// The kiosks' ID-card reader bridge, on each kiosk PC itself (`http://127.0.0.1:PORT/…`,
    /// checked by [`crate::public::card_reader`]); none: kiosks have the residents type the number.
    pub card_reader: Option<String>,
}

impl Settings {
    /// The defaults, with uploads kept under `data_dir`.
    pub fn new(data_dir: &std::path::Path) -> Settings {
        Settings {
            secure_cookies: false,
            export_approval_rows: jiuzhu_domain::access::EXPORT_APPROVAL_ROWS,
            thresholds: Thresholds::default(),
            uploads: data_dir.join("uploads"),
            assess_per_minute: 120,
            offices: crate::offices::Offices::default(),
            card_reader: None,
        }
    }
}

/// A request's pending audit entries younger than this are its own to settle; older ones are
/// sealed by the writer's recovery (at start, every half minute, and by `/healthz`).
pub const PENDING_GRACE: chrono::Duration = chrono::Duration::seconds(60);

/// Applications sent and progress queries per client address and minute (a family sharing one
/// phone or a village assistant helping several households stays far below).
pub const RESIDENTS_PER_MINUTE: u32 = 20;
/// Progress queries per minute for one 办件编号, and for one ID number or query code, from any
/// address: guessing a pair from many addresses is as slow as from one.
pub const QUERIES_PER_KEY_PER_MINUTE: u32 = 5;
/// 公示 boards one address may read a minute (each decrypts the town's cases on notice).
pub const NOTICES_PER_MINUTE: u32 = 60;
/// ID cards a kiosk (one address; a hall's kiosks may share one behind its router) may have
/// checked a minute: enough for a queue at several kiosks, far too few to test numbers with.
pub const CARD_READS_PER_MINUTE: u32 = 60;
/// 预约办理: booking attempts per mobile number an hour (a refusal about a number's other
/// bookings tells something about whoever holds it: few tries, so it cannot be used to watch
/// someone) …
pub const BOOKINGS_PER_PHONE_PER_HOUR: u32 = 3;
/// … and bookings sent from one address a day (a village assistant may book for several elders;
/// a script may not fill a town's places).
pub const BOOKINGS_PER_ADDRESS_PER_DAY: u32 = 20;

#[derive(Clone)]
pub struct AppState {
    pub accounts: Accounts,
    pub registry: Registry,
    pub casework: Arc<Casework>,
    pub exports: Exports,
    pub monitoring: Monitoring,
    pub feeds: Feeds,
    pub auditing: Auditing,
    pub payments: Arc<jiuzhu_payments::Payments>,
    /// The audit trail's writer (every request's entry goes through it).
    pub audit: AuditLog,
    pub clock: Arc<dyn Clock>,
    /// Limits the public assessment endpoint per client address.
    pub assess_limiter: Arc<RateLimiter>,
    /// 群众端: online applications and the progress query.
    pub residents: Arc<jiuzhu_residents::Residents>,
    /// 公示 on the residents' site.
    pub notices: Arc<jiuzhu_residents::notices::Notices>,
    /// 投诉举报: residents' reports, hotline work orders, the 举报受理 queue.
    pub complaints: Arc<jiuzhu_residents::complaints::Complaints>,
    /// 好差评: residents' ratings and the rectification of bad ones.
    pub ratings: Arc<jiuzhu_residents::ratings::Ratings>,
    /// 在线咨询: residents' questions and the town's answers.
    pub questions: Arc<jiuzhu_residents::questions::Questions>,
    /// 材料照片: photos of documents residents add to their online applications.
    pub documents: Arc<jiuzhu_residents::documents::Documents>,
    /// 预约办理: residents' bookings at the town window.
    pub bookings: Arc<jiuzhu_residents::bookings::Bookings>,
    /// Limits sending applications and progress queries per client address …
    pub residents_limiter: Arc<RateLimiter>,
    /// … and progress queries per 办件编号 and per ID number or query code tried (any address).
    pub query_limiter: Arc<RateLimiter<String>>,
    /// … and 公示 boards read per address.
    pub notices_limiter: Arc<RateLimiter>,
    /// … and kiosk card checks per address.
    pub card_limiter: Arc<RateLimiter>,
    /// … and booking attempts per mobile number (an hour) and per address (a day).
    pub booking_phone_limiter: Arc<RateLimiter<String>>,
    pub booking_address_limiter: Arc<RateLimiter>,
    pub secure_cookies: bool,
    pub offices: Arc<crate::offices::Offices>,
    /// The kiosks' ID-card reader bridge (see [`Settings::card_reader`]).
    pub card_reader: Option<Arc<str>>,
    /// Only for `/healthz`: a write probe.
    health: Arc<dyn AuditStore>,
}

impl AppState {
    /// The services on `store`; `keys` are the key file's (the store encrypts with them, the
    /// audit trail seals with them). Starts the audit writer, so it needs a Tokio runtime.
    pub fn new(store: Arc<dyn Store>, keys: Arc<Keyring>, settings: Settings) -> std::io::Result<AppState> {
        AppState::with_clock(store, keys, settings, Arc::new(SystemClock))
    }

    /// As [`AppState::new`] with another clock (tests set the time of day).
    pub fn with_clock(store: Arc<dyn Store>, keys: Arc<Keyring>, settings: Settings, clock: Arc<dyn Clock>) -> std::io::Result<AppState> {
        let sealer = KeySealer::new(keys.clone());
        let engine = AlertEngine::new(settings.thresholds.clone(), jiuzhu_domain::Calendar::official().clone());
        let accounts = Accounts::new(store.clone(), store.clone(), clock.clone());
        let registry = Registry::new(&store, accounts.clone());
        let casework = Arc::new(Casework::new(&store, registry.clone(), accounts.clone(), clock.clone()));
        let payments = Arc::new(jiuzhu_payments::Payments::new(&store, accounts.clone(), clock.clone()));
        Ok(AppState {
            audit: AuditLog::start(store.clone(), store.clone(), sealer.clone(), engine)
                .recovering_every(std::time::Duration::from_secs(30), PENDING_GRACE),
            auditing: Auditing::new(&store, sealer, clock.clone()),
            casework: casework.clone(),
            residents: Arc::new(jiuzhu_residents::Residents::new(&store, registry.clone(), casework.clone(), clock.clone())),
            notices: Arc::new(jiuzhu_residents::notices::Notices::new(casework.clone(), payments.clone(), clock.clone())),
            complaints: Arc::new(jiuzhu_residents::complaints::Complaints::new(&store, accounts.clone(), casework.clone(), clock.clone())),
            ratings: Arc::new(jiuzhu_residents::ratings::Ratings::new(
                &store,
                jiuzhu_residents::tickets::Tickets::new(keys.clone(), clock.clone()),
                casework.clone(),
                clock.clone(),
            )),
            questions: Arc::new(jiuzhu_residents::questions::Questions::new(
                &store,
                jiuzhu_residents::tickets::Tickets::new(keys.clone(), clock.clone()),
                casework.clone(),
                clock.clone(),
            )),
            documents: Arc::new(jiuzhu_residents::documents::Documents::new(
                &store,
                jiuzhu_residents::tickets::Tickets::new(keys.clone(), clock.clone()),
                clock.clone(),
            )),
            bookings: Arc::new(jiuzhu_residents::bookings::Bookings::new(
                &store,
                jiuzhu_residents::tickets::Tickets::new(keys.clone(), clock.clone()),
                casework,
                clock.clone(),
            )),
            residents_limiter: Arc::new(RateLimiter::new(RESIDENTS_PER_MINUTE)),
            query_limiter: Arc::new(RateLimiter::new(QUERIES_PER_KEY_PER_MINUTE)),
            notices_limiter: Arc::new(RateLimiter::new(NOTICES_PER_MINUTE)),
            card_limiter: Arc::new(RateLimiter::new(CARD_READS_PER_MINUTE)),
            booking_phone_limiter: Arc::new(RateLimiter::per(BOOKINGS_PER_PHONE_PER_HOUR, std::time::Duration::from_secs(3600))),
            booking_address_limiter: Arc::new(RateLimiter::per(BOOKINGS_PER_ADDRESS_PER_DAY, std::time::Duration::from_secs(86_400))),
            exports: Exports::new(&store, accounts.clone(), clock.clone(), settings.export_approval_rows),
            monitoring: Monitoring::new(&store, clock.clone()),
            payments: payments.clone(),
            feeds: Feeds::new(&store, clock.clone(), settings.uploads.clone())?,
            registry,
            accounts,
            assess_limiter: Arc::new(RateLimiter::new(settings.assess_per_minute)),
            secure_cookies: settings.secure_cookies,
            offices: Arc::new(settings.offices),
            card_reader: settings.card_reader.map(Arc::from),
            health: store,
            clock,
        })
    }

    /// Reads what the server needs from the database before serving (holiday years imported
    /// after the release) and removes what a killed server left (staged imports).
    pub async fn prepare(&self) -> anyhow::Result<()> {
        self.casework.load_calendar().await?;
        // Entries of changes a stopped server committed but never sealed.
        self.audit.recover(chrono::Utc::now() - PENDING_GRACE).await?;
        let stale = self.feeds.remove_stale_imports().await?;
        if stale > 0 {
            tracing::warn!(target: "feeds", "removed {stale} import(s) left unfinished by an earlier run");
        }
        Ok(())
    }

    /// Whether the server can do its work: a small write succeeds and the audit trail is being
    /// written. After a failed audit write (a full disk) the trail counts as healthy again once
    /// a write succeeds and the pending entries older than [`PENDING_GRACE`] are sealed.
    pub async fn healthy(&self) -> bool {
        let now = self.clock.now();
        if let Err(e) = self.health.probe_write(now).await {
            tracing::warn!(target: "health", "write probe failed: {e}");
            return false;
        }
        self.audit.healthy() || self.audit.recover(chrono::Utc::now() - PENDING_GRACE).await.is_ok()
    }
}
