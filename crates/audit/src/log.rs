//! The writer: many requests hand in entries, one task appends them in batches (one transaction
//! and one chain lock per batch, not per request) and answers each request once its entries are
//! durable. Alert rules see every entry after it is written.
//!
//! A request that changed something already has its entries on disk as *pending* (stored in the
//! change's own transaction, see [`jiuzhu_store::AuditIntent`]); its final entries replace them
//! ([`AuditLog::settle`]). Pending entries a request could not settle are sealed by
//! [`AuditLog::recover`], which the server runs at start and every half minute.

use crate::KeySealer;
use crate::alerts::AlertEngine;
use chrono::{DateTime, Utc};
use jiuzhu_store::{AlertStore, AuditRecord, AuditStore};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The most entries one append takes.
const BATCH: usize = 2_000;

/// The entry could not be written; the request that caused it must fail (503).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditError(pub String);

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "审计日志无法写入，操作未执行 · the audit trail cannot be written, so the request was refused: {}", self.0)
    }
}

impl std::error::Error for AuditError {}

struct Job {
    records: Vec<AuditRecord>,
    /// The requests whose pending entries these records replace.
    settles: Option<String>,
    done: oneshot::Sender<Result<Vec<i64>, AuditError>>,
}

enum Work {
    Append(Job),
    /// Seal the pending entries stored before this time.
    Recover(DateTime<Utc>, oneshot::Sender<Result<usize, AuditError>>),
}

/// A handle to the audit writer; cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    jobs: mpsc::Sender<Work>,
    /// The last write failed (and none succeeded since): `/healthz` says so.
    failing: Arc<AtomicBool>,
}

impl AuditLog {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(trail: Arc<dyn AuditStore>, alerts: Arc<dyn AlertStore>, sealer: KeySealer, mut engine: AlertEngine) -> AuditLog {
        let (jobs, mut rx) = mpsc::channel::<Work>(4_096);
        let failing = Arc::new(AtomicBool::new(false));
        let failed = failing.clone();
        tokio::spawn(async move {
            let mut next = rx.recv().await;
            while let Some(work) = next.take() {
                let first = match work {
                    Work::Append(job) => job,
                    Work::Recover(before, done) => {
                        let result = trail.seal_pending_audit(before, &sealer).await;
                        failed.store(result.is_err(), Ordering::Release);
                        let answer = match result {
                            Ok(sealed) => {
                                if !sealed.is_empty() {
                                    tracing::warn!(target: "audit", "{} pending audit entries sealed after their request failed to", sealed.len());
                                }
                                for (id, r) in &sealed {
                                    raise(&*alerts, &mut engine, *id, r).await;
                                }
                                Ok(sealed.len())
                            }
                            Err(e) => Err(AuditError(e.to_string())),
                        };
                        let _ = done.send(answer);
                        next = rx.recv().await;
                        continue;
                    }
                };
                let mut batch = vec![first];
                let mut n = batch[0].records.len();
                while n < BATCH {
                    match rx.try_recv() {
                        Ok(Work::Append(job)) => {
                            n += job.records.len();
                            batch.push(job);
                        }
                        Ok(recover) => {
                            next = Some(recover);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let records: Vec<AuditRecord> = batch.iter().flat_map(|j| j.records.iter().cloned()).collect();
                let settles: Vec<String> = batch.iter().filter_map(|j| j.settles.clone()).collect();
                match trail.settle_audit(&records, &settles, &sealer).await {
                    Ok(ids) => {
                        failed.store(false, Ordering::Release);
                        let mut rest = ids.as_slice();
                        for job in batch {
                            let (mine, later) = rest.split_at(job.records.len());
                            rest = later;
                            let _ = job.done.send(Ok(mine.to_vec()));
                        }
                        for (id, r) in ids.iter().zip(&records) {
                            raise(&*alerts, &mut engine, *id, r).await;
                        }
                    }
                    Err(e) => {
                        failed.store(true, Ordering::Release);
                        tracing::error!(target: "audit", "audit append failed: {e}");
                        for job in batch {
                            let _ = job.done.send(Err(AuditError(e.to_string())));
                        }
                    }
                }
                if next.is_none() {
                    next = rx.recv().await;
                }
            }
        });
        AuditLog { jobs, failing }
    }

    /// Also seals, every `period`, the pending entries older than `grace` (a request that could
    /// not settle its own). Stops when the last handle is dropped.
    pub fn recovering_every(self, period: std::time::Duration, grace: chrono::Duration) -> AuditLog {
        let jobs = self.jobs.downgrade();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(jobs) = jobs.upgrade() else { return };
                let (done, answer) = oneshot::channel();
                if jobs.send(Work::Recover(Utc::now() - grace, done)).await.is_err() {
                    return;
                }
                drop(jobs);
                if let Ok(Err(e)) = answer.await {
                    tracing::error!(target: "audit", "pending entries not sealed: {e}");
                }
            }
        });
        self
    }

    /// Whether the last write succeeded (or none failed yet).
    pub fn healthy(&self) -> bool {
        !self.failing.load(Ordering::Acquire)
    }

    /// Seals the pending entries stored before `before` (see the module doc); returns how many.
    pub async fn recover(&self, before: DateTime<Utc>) -> Result<usize, AuditError> {
        let (done, answer) = oneshot::channel();
        self.jobs.send(Work::Recover(before, done)).await.map_err(|_| AuditError("writer stopped".into()))?;
        answer.await.map_err(|_| AuditError("writer stopped".into()))?
    }

    /// Writes a request's final entries in place of its pending ones (`key`: the request's).
    pub async fn settle(&self, records: Vec<AuditRecord>, key: &str) -> Result<Vec<i64>, AuditError> {
        self.submit(records, Some(key.to_string())).await
    }

    /// Writes one entry; returns its id once it is stored.
    pub async fn record(&self, record: AuditRecord) -> Result<i64, AuditError> {
        Ok(self.record_all(vec![record]).await?[0])
    }

    /// Writes entries together (consecutive ids).
    pub async fn record_all(&self, records: Vec<AuditRecord>) -> Result<Vec<i64>, AuditError> {
        self.submit(records, None).await
    }

    async fn submit(&self, records: Vec<AuditRecord>, settles: Option<String>) -> Result<Vec<i64>, AuditError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let (done, answer) = oneshot::channel();
        self.jobs.send(Work::Append(Job { records, settles, done })).await.map_err(|_| AuditError("writer stopped".into()))?;
        answer.await.map_err(|_| AuditError("writer stopped".into()))?
    }
}

/// Runs the alert rules on a written entry.
async fn raise(alerts: &dyn AlertStore, engine: &mut AlertEngine, id: i64, record: &AuditRecord) {
    for alert in engine.observe(id, record) {
        if let Err(e) = alerts.raise_alert(&alert).await {
            tracing::error!(target: "audit", "alert {} not raised: {e}", alert.rule);
        }
    }
}
