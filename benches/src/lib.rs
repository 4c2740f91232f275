//! Shared fixtures for the criterion benchmarks in `benches/hebb.rs` (run with
//! `cargo bench -p hebb-benches`).

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// `n` seeded values in [-scale, scale).
pub fn random_vec(seed: u64, n: usize, scale: f32) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n).map(|_| ((rng.next_u32() >> 8) as f32 / 16_777_216.0 * 2.0 - 1.0) * scale).collect()
}
