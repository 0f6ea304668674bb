//! Conformance: the audit chain ([`AuditStore`]).

use super::*;

/// A sealer for the suite: not cryptographic, but every seal depends on the previous one and on
/// every field, which is all the store may rely on.
pub struct TestSealer;

fn mix(parts: &[&[u8]]) -> Vec<u8> {
    // FNV-1a over length-prefixed parts, spread to 32 bytes.
    let mut out = Vec::with_capacity(32);
    for lane in 0u64..4 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ lane;
        for p in parts {
            for b in (p.len() as u64).to_be_bytes().iter().chain(p.iter()) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        out.extend_from_slice(&h.to_be_bytes());
    }
    out
}

impl AuditSealer for TestSealer {
    fn seal_entry(&self, prev: &[u8], id: i64, r: &AuditRecord) -> (i64, Vec<u8>) {
        let fields = [&r.at, &r.username, &r.action, &r.object_id, &r.fields, &r.outcome, &r.detail];
        let mut parts: Vec<&[u8]> = vec![prev];
        let id_bytes = id.to_be_bytes();
        parts.push(&id_bytes);
        parts.extend(fields.iter().map(|f| f.as_bytes()));
        (1, mix(&parts))
    }
    fn seal_marker(&self, kind: &str, entry_id: i64, entry_seal: &[u8], at: &str) -> (i64, Vec<u8>) {
        (1, mix(&[kind.as_bytes(), &entry_id.to_be_bytes(), entry_seal, at.as_bytes()]))
    }
}

fn audit_record(n: usize, user: &str, household: Option<i64>, action: &str) -> AuditRecord {
    AuditRecord {
        at: audit_time(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::seconds(n as i64)),
        account_id: Some(if user == "clerk" { 1 } else { 2 }),
        username: user.into(),
        role: "window_clerk".into(),
        region: "620825100".into(),
        ip: "127.0.0.1".into(),
        action: action.into(),
        object_kind: "household".into(),
        object_id: household.map(|h| h.to_string()).unwrap_or_default(),
        household_id: household,
        fields: "name,id_number".into(),
        purpose: String::new(),
        outcome: "allowed".into(),
        reason: String::new(),
        detail: format!("n={n}"),
    }
}

pub async fn audit_entries_chain_in_order_with_a_head_and_checkpoints(s: &dyn Store) {
    assert_eq!(s.audit_head().await.unwrap(), None);
    // 1,001 entries in three appends: ids 1…1001 without gaps, each sealed over the previous.
    let mut all: Vec<AuditRecord> =
        (0..1001).map(|n| audit_record(n, if n % 3 == 0 { "clerk" } else { "other" }, Some(n as i64 % 7), "view")).collect();
    all[500].action = "search".into();
    all[500].household_id = None;
    let ids_a = s.append_audit(&all[..1], &TestSealer).await.unwrap();
    let ids_b = s.append_audit(&all[1..600], &TestSealer).await.unwrap();
    let ids_c = s.append_audit(&all[600..], &TestSealer).await.unwrap();
    assert_eq!(ids_a, vec![1]);
    assert_eq!(ids_b, (2..=600).collect::<Vec<i64>>());
    assert_eq!(*ids_c.last().unwrap(), 1001);
    let mut stored = Vec::new();
    let mut after = 0;
    loop {
        let page = s.audit_after(after, 400).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        stored.extend(page);
    }
    assert_eq!(stored.len(), 1001);
    let mut prev = vec![0u8; 32];
    for (e, r) in stored.iter().zip(&all) {
        assert_eq!(&e.record, r, "entry {} round-trips every field", e.id);
        assert_eq!(e.seal, TestSealer.seal_entry(&prev, e.id, r).1, "entry {} sealed over the previous seal", e.id);
        prev = e.seal.clone();
    }
    let head = s.audit_head().await.unwrap().unwrap();
    assert_eq!((head.entry_id, &head.entry_seal), (1001, &prev));
    assert_eq!(head.seal, TestSealer.seal_marker("head", 1001, &prev, &all[1000].at).1);
    let checkpoints = s.audit_checkpoints().await.unwrap();
    assert_eq!(checkpoints.len(), 1);
    assert_eq!((checkpoints[0].entry_id, &checkpoints[0].entry_seal), (1000, &stored[999].seal));

    // Auditors' search: by user, household, action, time; newest first; keyset pages.
    let q = AuditQuery { limit: 10, ..AuditQuery::default() };
    let newest = s.search_audit(&q).await.unwrap();
    assert_eq!(newest.iter().map(|e| e.id).collect::<Vec<_>>(), (992..=1001).rev().collect::<Vec<i64>>());
    let page2 = s.search_audit(&AuditQuery { before_id: Some(992), ..q.clone() }).await.unwrap();
    assert_eq!(page2[0].id, 991);
    let by_user = s.search_audit(&AuditQuery { username: Some("clerk".into()), limit: 2000, ..q.clone() }).await.unwrap();
    assert_eq!(by_user.len(), 334);
    assert!(by_user.iter().all(|e| e.record.username == "clerk"));
    let by_account = s.search_audit(&AuditQuery { account_id: Some(1), limit: 2000, ..q.clone() }).await.unwrap();
    assert_eq!(by_account.len(), 334);
    let by_household = s.search_audit(&AuditQuery { household_id: Some(3), limit: 2000, ..q.clone() }).await.unwrap();
    // n % 7 == 3 for 143 of them, less entry 501 (n = 500), a search with no household.
    assert_eq!(by_household.len(), 142);
    let searches = s.search_audit(&AuditQuery { action: Some("search".into()), ..q.clone() }).await.unwrap();
    assert_eq!(searches.iter().map(|e| e.id).collect::<Vec<_>>(), [501]);
    let window = s
        .search_audit(&AuditQuery { from: Some(all[10].at.clone()), to: Some(all[20].at.clone()), limit: 100, ..q.clone() })
        .await
        .unwrap();
    assert_eq!(window.iter().map(|e| e.id).collect::<Vec<_>>(), (11..=20).rev().collect::<Vec<i64>>(), "from inclusive, to exclusive");
    let denied = s.search_audit(&AuditQuery { outcome: Some("denied".into()), ..q }).await.unwrap();
    assert!(denied.is_empty());
}

/// An intent as the web layer keeps one: a fixed record per household named so far.
struct TestIntent {
    key: String,
    created: std::sync::Mutex<Vec<i64>>,
    trail: std::sync::Mutex<Vec<i64>>,
    commits: std::sync::atomic::AtomicUsize,
}

impl AuditIntent for TestIntent {
    fn key(&self) -> &str {
        &self.key
    }
    fn records(&self) -> Vec<AuditRecord> {
        let mut named = self.trail.lock().unwrap().clone();
        named.extend(self.created.lock().unwrap().iter());
        let mut r = audit_record(0, "clerk", None, "create");
        r.detail = "status=committed".into();
        if named.is_empty() { vec![r] } else { named.iter().map(|h| AuditRecord { household_id: Some(*h), ..r.clone() }).collect() }
    }
    fn created_household(&self, id: i64) {
        self.created.lock().unwrap().push(id);
    }
    fn committed(&self) {
        let created: Vec<i64> = self.created.lock().unwrap().drain(..).collect();
        self.trail.lock().unwrap().extend(created);
        self.commits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    fn rolled_back(&self) {
        self.created.lock().unwrap().clear();
    }
}

/// Issue 14: a change committed inside a request carries the request's pending entries in the
/// same transaction; a failed change leaves none; the request's final entries replace them;
/// unsettled ones are sealed once, and only when older than the cut-off.
pub async fn pending_entries_commit_with_the_change_and_are_sealed_once(s: &dyn Store) {
    s.upsert_regions(&crate::fixtures::two_towns()).await.unwrap();
    let intent = std::sync::Arc::new(TestIntent {
        key: "request-1".into(),
        created: Default::default(),
        trail: Default::default(),
        commits: Default::default(),
    });
    let scoped = intent.clone() as std::sync::Arc<dyn AuditIntent>;
    let id =
        AUDIT_INTENT.scope(scoped.clone(), s.insert_households(&[sample_household("620825100201", "王建国", 71)], &actor())).await.unwrap()
            [0];
    assert_eq!(intent.commits.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(*intent.trail.lock().unwrap(), vec![id], "the created household is on the trail once committed");
    assert_eq!(s.pending_audit_count().await.unwrap(), 1, "the change's pending entry, in its transaction");

    // The same person again: refused, and neither a household nor a pending entry of it.
    let again = AUDIT_INTENT.scope(scoped.clone(), s.insert_households(&[sample_household("620825100201", "王建国", 71)], &actor())).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
    assert_eq!(intent.commits.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(intent.created.lock().unwrap().is_empty(), "what a failed write created is forgotten");
    assert_eq!(s.pending_audit_count().await.unwrap(), 1);

    // Outside a request nothing is pending.
    s.insert_households(&[sample_household("620825100201", "李四", 72)], &actor()).await.unwrap();
    assert_eq!(s.pending_audit_count().await.unwrap(), 1);

    // The request's final entries replace its pending ones.
    let ids = s.settle_audit(&[audit_record(1, "clerk", Some(id), "create")], &["request-1".to_string()], &TestSealer).await.unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!(s.pending_audit_count().await.unwrap(), 0);

    // A second request commits and never settles: sealed once, only after the cut-off.
    let other = std::sync::Arc::new(TestIntent { key: "request-2".into(), ..TestIntent::clone_empty() });
    AUDIT_INTENT
        .scope(
            other.clone() as std::sync::Arc<dyn AuditIntent>,
            s.insert_households(&[sample_household("620825100201", "赵六", 73)], &actor()),
        )
        .await
        .unwrap();
    assert_eq!(s.pending_audit_count().await.unwrap(), 1);
    assert!(s.seal_pending_audit(Utc::now() - Duration::hours(1), &TestSealer).await.unwrap().is_empty(), "too young to seal");
    let sealed = s.seal_pending_audit(Utc::now() + Duration::seconds(1), &TestSealer).await.unwrap();
    assert_eq!(sealed.len(), 1);
    assert_eq!(sealed[0].1.household_id, other.trail.lock().unwrap().first().copied(), "the pending entry names the household it created");
    assert_eq!(sealed[0].1.detail, "status=committed");
    assert!(s.seal_pending_audit(Utc::now() + Duration::seconds(1), &TestSealer).await.unwrap().is_empty(), "sealed once");
    assert_eq!(s.audit_after(0, 10).await.unwrap().len(), 2);
    s.probe_write(Utc::now()).await.unwrap();
}

impl TestIntent {
    fn clone_empty() -> TestIntent {
        TestIntent { key: String::new(), created: Default::default(), trail: Default::default(), commits: Default::default() }
    }
}
