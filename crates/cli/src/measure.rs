//! What benchmarks measure besides time: percentiles of latencies, peak memory, a key ring
//! for throwaway databases.

use std::sync::Arc;
use std::time::Duration;

/// The `p`-th percentile of sorted latencies, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Peak resident memory of this process (Linux), MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Starts the peak over from the memory in use now (Linux: `/proc/self/clear_refs`), so a
/// benchmark reports the peak of its measured part apart from its set-up; whether it could.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Throw-away keys: benchmark databases are deleted afterwards, but encrypt like production so
/// the figures include SM4 and the blind index.
pub fn bench_keys() -> Arc<jiuzhu_crypto::Keyring> {
    Arc::new(jiuzhu_crypto::Keyring::generate("bench"))
}
