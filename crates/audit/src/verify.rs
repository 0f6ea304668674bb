//! `jiuzhu audit verify`: recompute every seal in id order. An edited entry fails its own seal; a
//! deleted one leaves a gap; reordered ones fail theirs; entries cut off the end no longer reach
//! the head; checkpoints pin every thousandth entry.

use crate::KeySealer;
use jiuzhu_store::{AuditMarker, AuditStore, StoreError};
use serde::Serialize;

/// What is wrong at one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub entry_id: i64,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries read.
    pub entries: i64,
    pub checkpoints: usize,
    /// In id order; empty when the chain is whole. At most [`MAX_PROBLEMS`].
    pub problems: Vec<Problem>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

pub const MAX_PROBLEMS: usize = 100;

const PAGE: i64 = 5_000;

fn problem(entry_id: i64, zh: String, en: String) -> Problem {
    Problem { entry_id, zh, en }
}

fn marker_ok(sealer: &KeySealer, kind: &str, m: &AuditMarker) -> bool {
    sealer.marker_seal(m.key_id, kind, m.entry_id, &m.entry_seal, &m.at).is_some_and(|s| s[..] == m.seal[..])
}

/// Walks the whole chain; `progress` gets the number of entries read so far.
pub async fn verify(
    store: &(impl AuditStore + ?Sized),
    sealer: &KeySealer,
    mut progress: impl FnMut(i64),
) -> Result<Verification, StoreError> {
    let mut problems = Vec::new();
    let mut push = |p: Problem| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(p);
        }
    };
    let checkpoints = store.audit_checkpoints().await?;
    let mut pinned = checkpoints.iter().peekable();
    let mut expected = 1i64;
    let mut prev = vec![0u8; 32];
    let mut entries = 0i64;
    let mut last_seal: Option<Vec<u8>> = None;
    loop {
        let page = store.audit_after(expected - 1, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            if e.id != expected {
                push(problem(
                    expected,
                    format!("第 {expected} 条至第 {} 条缺失（被删除）", e.id - 1),
                    format!("entries {expected} to {} are missing (deleted)", e.id - 1),
                ));
            }
            match sealer.entry_seal(e.key_id, &prev, e.id, &e.record) {
                None => push(problem(
                    e.id,
                    format!("第 {} 条的审计密钥 #{} 不在密钥文件中", e.id, e.key_id),
                    format!("entry {}: audit key #{} is not in the key file", e.id, e.key_id),
                )),
                Some(s) if s[..] != e.seal[..] => push(problem(
                    e.id,
                    format!("第 {} 条的封印不符：内容被修改，或与前一条的顺序被改动", e.id),
                    format!("entry {}: seal mismatch — the entry was altered or moved", e.id),
                )),
                Some(_) => {}
            }
            while let Some(c) = pinned.peek().filter(|c| c.entry_id <= e.id) {
                if c.entry_id == e.id && (c.entry_seal != e.seal || !marker_ok(sealer, "checkpoint", c)) {
                    push(problem(e.id, format!("第 {} 条与检查点不符", e.id), format!("entry {} does not match its checkpoint", e.id)));
                } else if c.entry_id < e.id {
                    push(problem(
                        c.entry_id,
                        format!("检查点所在的第 {} 条不存在", c.entry_id),
                        format!("the checkpoint's entry {} is gone", c.entry_id),
                    ));
                }
                pinned.next();
            }
            prev = e.seal.clone();
            expected = e.id + 1;
            entries += 1;
        }
        last_seal = Some(prev.clone());
        progress(entries);
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    for c in pinned {
        push(problem(
            c.entry_id,
            format!("检查点所在的第 {} 条不存在", c.entry_id),
            format!("the checkpoint's entry {} is gone", c.entry_id),
        ));
    }
    let last_id = expected - 1;
    match (store.audit_head().await?, last_seal) {
        (None, None) => {}
        (None, Some(_)) => push(problem(last_id, "链头记录缺失".into(), "the chain's head record is missing".into())),
        (Some(h), seal) => {
            if !marker_ok(sealer, "head", &h) {
                push(problem(h.entry_id, "链头记录的封印不符".into(), "the head record's seal does not match".into()));
            } else if h.entry_id != last_id || seal.as_deref() != Some(&h.entry_seal[..]) {
                push(problem(
                    h.entry_id.min(last_id + 1),
                    format!("链头指向第 {} 条，现存最后一条为第 {last_id} 条：末尾记录被删除或替换", h.entry_id),
                    format!(
                        "the head names entry {} but the last stored is {last_id}: entries at the end were removed or replaced",
                        h.entry_id
                    ),
                ));
            }
        }
    }
    problems.sort_by_key(|p| p.entry_id);
    Ok(Verification { entries, checkpoints: checkpoints.len(), problems })
}
