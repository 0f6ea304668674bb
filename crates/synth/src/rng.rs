//! Seeded random streams and the few distributions the generator needs.
//!
//! Every random decision comes from a ChaCha8 stream keyed by `(seed, salt)` and numbered by
//! the household index, so household `i` depends only on the seed and `i` (never on how many
//! households are generated, nor on the order they are generated in).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Stream family for the households themselves.
pub(crate) const HOUSEHOLD_SALT: u64 = 0x6a69_757a_6875_0001;
/// Stream family for the county's places (village sizes): one stream, drawn once.
pub(crate) const PLACE_SALT: u64 = 0x6a69_757a_6875_0002;

/// The ChaCha8 stream `stream` of the key `(seed, salt)`.
pub(crate) fn stream_rng(seed: u64, salt: u64, stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&salt.to_le_bytes());
    let mut r = ChaCha8Rng::from_seed(key);
    r.set_stream(stream);
    r
}

pub(crate) trait RngExt {
    /// True with probability `p` (clamped to 0..=1).
    fn chance(&mut self, p: f64) -> bool;
    /// Uniform integer in `lo..=hi` (`lo` when `hi < lo`).
    fn between(&mut self, lo: u32, hi: u32) -> u32;
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64;
    /// Log-normal with the given median and log-scale spread: `median · e^(σ·Z)`.
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64;
    /// Weighted choice from a small table of integer weights.
    fn pick<T: Copy>(&mut self, table: &[(T, u32)]) -> T;
    /// Uniform choice from a non-empty slice.
    fn one_of<T: Copy>(&mut self, items: &[T]) -> T;
}

impl<R: Rng> RngExt for R {
    fn chance(&mut self, p: f64) -> bool {
        self.random_bool(p.clamp(0.0, 1.0))
    }
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo { lo } else { self.random_range(lo..=hi) }
    }
    fn normal(&mut self) -> f64 {
        let u1: f64 = 1.0 - self.random::<f64>(); // (0, 1]
        let u2: f64 = self.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
    fn pick<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u32 = table.iter().map(|(_, w)| w).sum();
        let mut x = self.random_range(0..total);
        for (v, w) in table {
            if x < *w {
                return *v;
            }
            x -= w;
        }
        table[table.len() - 1].0
    }
    fn one_of<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.random_range(0..items.len())]
    }
}
