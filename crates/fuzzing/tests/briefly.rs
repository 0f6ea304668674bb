//! Every fuzz target, briefly, in every `cargo test`: random bytes, and mutations of inputs that
//! reach deep (valid IDs, a real assessment body, a real calendar year). `cargo fuzz` (fuzz/)
//! runs the same bodies for as long as one likes.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use proptest::prelude::*;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut out: Vec<Vec<u8>> =
        std::fs::read_dir(&dir).map(|d| d.filter_map(|e| std::fs::read(e.ok()?.path()).ok()).collect()).unwrap_or_default();
    assert!(!out.is_empty(), "fuzz/corpus/{target} holds seed inputs");
    out.sort();
    out
}

/// A seed with a few bytes changed, inserted or cut.
fn mutated(seed: Vec<u8>, edits: Vec<(usize, u8, u8)>) -> Vec<u8> {
    let mut v = seed;
    for (at, byte, kind) in edits {
        let i = if v.is_empty() { 0 } else { at % (v.len() + 1) };
        match kind % 3 {
            0 if i < v.len() => v[i] = byte,
            1 => v.insert(i, byte),
            _ => v.truncate(i),
        }
    }
    v
}

fn run(target: &str, cases: u32) {
    let (_, body) = jiuzhu_fuzzing::TARGETS.iter().find(|(n, _)| *n == target).unwrap();
    let seeds = seeds(target);
    let n = seeds.len();
    let calls = std::sync::atomic::AtomicU32::new(0);
    let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(pick in 0..n, edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..6), random in prop::collection::vec(any::<u8>(), 0..64))| {
        body(&mutated(seeds[pick].clone(), edits));
        body(&random);
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    assert!(calls.load(std::sync::atomic::Ordering::Relaxed) >= cases, "{target}: every case ran");
    for s in &seeds {
        body(s);
    }
}

#[test]
fn every_target_has_a_runner() {
    let names: Vec<&str> = jiuzhu_fuzzing::TARGETS.iter().map(|(n, _)| *n).collect();
    for n in &names {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../fuzz/fuzz_targets/{n}.rs"));
        assert!(file.exists(), "fuzz/fuzz_targets/{n}.rs");
    }
}

#[test]
fn id_number() {
    run("id_number", 20_000);
}
#[test]
fn region_code() {
    run("region_code", 20_000);
}
#[test]
fn assess_json() {
    run("assess_json", 10_000);
}
#[test]
fn calendar_import() {
    run("calendar_import", 2_000);
}
#[test]
fn household_json() {
    run("household_json", 10_000);
}
#[test]
fn roster_csv() {
    run("roster_csv", 10_000);
}
