//! A fixed-window request limit per key (a client address, an application number), for the
//! public endpoints.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A fixed-window limiter per key: per client address by default.
pub struct RateLimiter<K = IpAddr> {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    pub fn new(per_minute: u32) -> RateLimiter<K> {
        RateLimiter::per(per_minute, Duration::from_secs(60))
    }
    /// `limit` requests per key in each `window` (an hour, a day).
    pub fn per(limit: u32, window: Duration) -> RateLimiter<K> {
        RateLimiter { limit, window, windows: Mutex::new(HashMap::new()) }
    }
    /// Counts one request; false when the key is over its limit for this window.
    pub fn allow(&self, ip: K, now: Instant) -> bool {
        let mut w = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if w.len() > 100_000 {
            w.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let e = w.entry(ip).or_insert((now, 0));
        if now.duration_since(e.0) >= self.window {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A limit holds for its whole window, per key, and starts again after it (an hour for the
    /// bookings of one mobile number).
    #[test]
    fn a_limit_holds_for_its_window_and_per_key() {
        let hour = Duration::from_secs(3600);
        let limiter: RateLimiter<String> = RateLimiter::per(3, hour);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.allow("a".into(), t0));
        }
        assert!(!limiter.allow("a".into(), t0 + Duration::from_secs(59 * 60)), "the fourth within the hour");
        assert!(limiter.allow("b".into(), t0), "another key has its own");
        assert!(limiter.allow("a".into(), t0 + hour), "a new hour");
        let minute: RateLimiter<String> = RateLimiter::new(1);
        assert!(minute.allow("a".into(), t0) && !minute.allow("a".into(), t0 + Duration::from_secs(59)));
        assert!(minute.allow("a".into(), t0 + Duration::from_secs(60)));
    }
}
