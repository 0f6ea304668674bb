//! The writer: many requests hand in entries, one task appends them in batches (one transaction
//! and one chain lock per batch, not per request) and answers each request once its entries are
//! durable. Alert rules see every entry after it is written.

use crate::KeySealer;
use crate::alerts::AlertEngine;
use jiuzhu_store::{AlertStore, AuditRecord, AuditStore};
use std::sync::Arc;
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
    done: oneshot::Sender<Result<Vec<i64>, AuditError>>,
}

/// A handle to the audit writer; cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    jobs: mpsc::Sender<Job>,
}

impl AuditLog {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(trail: Arc<dyn AuditStore>, alerts: Arc<dyn AlertStore>, sealer: KeySealer, mut engine: AlertEngine) -> AuditLog {
        let (jobs, mut rx) = mpsc::channel::<Job>(4_096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                let mut n = batch[0].records.len();
                while n < BATCH {
                    match rx.try_recv() {
                        Ok(job) => {
                            n += job.records.len();
                            batch.push(job);
                        }
                        Err(_) => break,
                    }
                }
                let records: Vec<AuditRecord> = batch.iter().flat_map(|j| j.records.iter().cloned()).collect();
                match trail.append_audit(&records, &sealer).await {
                    Ok(ids) => {
                        let mut rest = ids.as_slice();
                        for job in batch {
                            let (mine, later) = rest.split_at(job.records.len());
                            rest = later;
                            let _ = job.done.send(Ok(mine.to_vec()));
                        }
                        for (id, r) in ids.iter().zip(&records) {
                            for alert in engine.observe(*id, r) {
                                if let Err(e) = alerts.raise_alert(&alert).await {
                                    tracing::error!(target: "audit", "alert {} not raised: {e}", alert.rule);
                                }
                            }
                        }
                    }
                    Err(e) => {
                        tracing::error!(target: "audit", "audit append failed: {e}");
                        for job in batch {
                            let _ = job.done.send(Err(AuditError(e.to_string())));
                        }
                    }
                }
            }
        });
        AuditLog { jobs }
    }

    /// Writes one entry; returns its id once it is stored.
    pub async fn record(&self, record: AuditRecord) -> Result<i64, AuditError> {
        Ok(self.record_all(vec![record]).await?[0])
    }

    /// Writes entries together (consecutive ids).
    pub async fn record_all(&self, records: Vec<AuditRecord>) -> Result<Vec<i64>, AuditError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let (done, answer) = oneshot::channel();
        self.jobs.send(Job { records, done }).await.map_err(|_| AuditError("writer stopped".into()))?;
        answer.await.map_err(|_| AuditError("writer stopped".into()))?
    }
}
