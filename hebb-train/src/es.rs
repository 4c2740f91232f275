//! OpenAI-ES as the paper's reference runs it (docs/method.md, Evolution strategy), with noise regenerated from seeds.
//!
//! Candidate `i` of generation `g` uses `θ + σ·s·ε_k` with `k = i / 2` and `s = +1` for even
//! `i`, `−1` for odd `i` (mirrored sampling). `ε_k` is never stored: it is drawn from
//! Xoshiro256++ streams seeded by `(run seed, g, k, block)` for consecutive blocks of
//! [`BLOCK`] parameters, so a worker can rebuild any block of any candidate on its own. Memory
//! is O(parameters), and because every block of the update sums over `k` in the same order, the
//! result is bit-identical for any number of threads.

use rand::RngExt;
use rand_core::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Parameters per independently seeded noise block.
pub const BLOCK: usize = 4096;

/// How the evolved parameters are initialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
pub enum ParamInit {
    /// N(0, 1) — the reference's default.
    #[default]
    Normal,
    /// U(−1, 1).
    Uniform,
}

/// Hyper-parameters of the ES (defaults: the paper's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EsConfig {
    /// Population size (even; mirrored pairs).
    pub pop: usize,
    /// Initial learning rate.
    pub lr: f64,
    /// Initial noise standard deviation.
    pub sigma: f64,
    /// Multiplicative learning-rate decay per generation, applied while `lr > lr_floor`.
    pub lr_decay: f64,
    /// Learning-rate floor.
    pub lr_floor: f64,
    /// Multiplicative σ decay per generation, applied while `σ > sigma_floor`.
    pub sigma_decay: f64,
    /// σ floor.
    pub sigma_floor: f64,
    /// Coefficient of the `−wd·mean(θ²)` fitness penalty on the first block.
    pub weight_decay: f64,
    /// Initialisation of the parameters.
    pub init: ParamInit,
}

impl Default for EsConfig {
    fn default() -> Self {
        EsConfig {
            pop: 200,
            lr: 0.2,
            sigma: 0.1,
            lr_decay: 0.995,
            lr_floor: 0.001,
            sigma_decay: 0.999,
            sigma_floor: 0.01,
            weight_decay: 0.01,
            init: ParamInit::Normal,
        }
    }
}

/// The complete state of an ES run: what a checkpoint holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EsState {
    /// Current mean parameters `[θ | φ]`.
    pub params: Vec<f32>,
    /// Length of the penalised first block θ (the rule coefficients, or the static weights).
    pub n_penalized: usize,
    /// Current learning rate.
    pub lr: f64,
    /// Current σ.
    pub sigma: f64,
    /// Generations completed.
    pub generation: u32,
    /// The run seed.
    pub seed: u64,
}

/// SplitMix64 finaliser, used to derive independent seeds.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seed derived from a run seed and a path of indices.
pub fn derive_seed(seed: u64, path: &[u64]) -> u64 {
    path.iter().fold(mix(seed), |h, &p| mix(h ^ mix(p)))
}

const TAG_NOISE: u64 = 1;
const TAG_INIT: u64 = 2;

fn noise_block(seed: u64, generation: u32, k: usize, block: usize, out: &mut [f32]) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(derive_seed(
        seed,
        &[TAG_NOISE, generation as u64, k as u64, block as u64],
    ));
    for o in out {
        *o = StandardNormal.sample(&mut rng);
    }
}

impl EsState {
    /// Fresh parameters of length `dim` (the first `n_penalized` penalised).
    pub fn new(dim: usize, n_penalized: usize, cfg: &EsConfig, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(derive_seed(seed, &[TAG_INIT]));
        let params = (0..dim)
            .map(|_| match cfg.init {
                ParamInit::Normal => StandardNormal.sample(&mut rng),
                ParamInit::Uniform => rng.random_range(-1.0f32..1.0),
            })
            .collect();
        EsState {
            params,
            n_penalized: n_penalized.min(dim),
            lr: cfg.lr,
            sigma: cfg.sigma,
            generation: 0,
            seed,
        }
    }

    /// Writes candidate `i` of the current generation into `out`.
    pub fn candidate(&self, i: usize, out: &mut [f32]) {
        out.copy_from_slice(&self.params);
        let k = i / 2;
        let s = if i.is_multiple_of(2) { self.sigma as f32 } else { -(self.sigma as f32) };
        let mut eps = vec![0.0f32; BLOCK.min(out.len())];
        for (b, chunk) in out.chunks_mut(BLOCK).enumerate() {
            let e = &mut eps[..chunk.len()];
            noise_block(self.seed, self.generation, k, b, e);
            for (p, &n) in chunk.iter_mut().zip(e.iter()) {
                *p += s * n;
            }
        }
    }

    /// `−wd · mean(θ²)` over the penalised block of a candidate.
    pub fn penalty(&self, candidate: &[f32], weight_decay: f64) -> f64 {
        // A checkpoint's block length is validated on reading; clamp anyway rather than panic.
        let th = &candidate[..self.n_penalized.min(candidate.len())];
        if th.is_empty() {
            return 0.0;
        }
        -weight_decay * th.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / th.len() as f64
    }

    /// Applies one ES update from the fitnesses of the `pop` candidates, then decays `lr` and
    /// `σ` and advances the generation.
    pub fn update(&mut self, fitness: &[f64], cfg: &EsConfig) {
        let n = fitness.len();
        let r = standardized_centered_ranks(fitness);
        // Mirrored pairs share ε_k: Σ_i r_i ε_i = Σ_k (r_2k − r_2k+1) ε_k.
        let w: Vec<f32> = (0..n / 2).map(|k| (r[2 * k] - r[2 * k + 1]) as f32).collect();
        let scale = (self.lr / (n as f64 * self.sigma)) as f32;
        let (seed, generation) = (self.seed, self.generation);
        self.params.par_chunks_mut(BLOCK).enumerate().for_each(|(b, chunk)| {
            let mut acc = vec![0.0f32; chunk.len()];
            let mut eps = vec![0.0f32; chunk.len()];
            for (k, &wk) in w.iter().enumerate() {
                noise_block(seed, generation, k, b, &mut eps);
                for (a, &e) in acc.iter_mut().zip(&eps) {
                    *a += wk * e;
                }
            }
            for (p, a) in chunk.iter_mut().zip(acc) {
                *p += scale * a;
            }
        });
        if self.lr > cfg.lr_floor {
            self.lr *= cfg.lr_decay;
        }
        if self.sigma > cfg.sigma_floor {
            self.sigma *= cfg.sigma_decay;
        }
        self.generation += 1;
    }
}

/// Centred ranks `rank/(n−1) − 0.5` (ties broken by index, so the result is deterministic),
/// then standardised to zero mean and unit standard deviation.
pub fn standardized_centered_ranks(f: &[f64]) -> Vec<f64> {
    let n = f.len();
    if n < 2 {
        return vec![0.0; n];
    }
    let mut idx: Vec<usize> = (0..n).collect();
    // NaN fitness sorts lowest.
    idx.sort_by(|&a, &b| {
        let (x, y) = (f[a], f[b]);
        match (x.is_nan(), y.is_nan()) {
            (true, true) => a.cmp(&b),
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            _ => x.total_cmp(&y).then(a.cmp(&b)),
        }
    });
    let mut r = vec![0.0; n];
    for (rank, &i) in idx.iter().enumerate() {
        r[i] = rank as f64 / (n - 1) as f64 - 0.5;
    }
    let mean = r.iter().sum::<f64>() / n as f64;
    let std = (r.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt();
    r.iter().map(|v| (v - mean) / std).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_hand_computed() {
        // Fitness order: idx1 < idx3 < idx0 < idx2 → ranks [2, 0, 3, 1] → /3 − 0.5.
        let r = standardized_centered_ranks(&[5.0, -1.0, 9.0, 0.0]);
        let c = [2.0 / 3.0 - 0.5, -0.5, 0.5, 1.0 / 3.0 - 0.5];
        let std = (c.iter().map(|v: &f64| v * v).sum::<f64>() / 4.0).sqrt();
        for (a, b) in r.iter().zip(c) {
            assert!((a - b / std).abs() < 1e-12);
        }
        // Std of centred ranks of 4 is sqrt(5/36); standardised values are ±1.342, ±0.447.
        assert!((r[2] - 1.341_640_786).abs() < 1e-6);
        // Ties broken by index; NaN lowest.
        let r = standardized_centered_ranks(&[1.0, 1.0, f64::NAN]);
        assert!(r[2] < r[0] && r[0] < r[1]);
    }

    #[test]
    fn update_hand_computed_one_block() {
        // Two candidates: the + candidate is better. r = [+1, −1] after standardisation, so
        // θ' = θ + lr/(2σ)·(1 − (−1))·ε = θ + lr/σ·ε.
        let cfg = EsConfig { pop: 2, lr: 0.2, sigma: 0.1, ..EsConfig::default() };
        let mut s = EsState::new(10, 10, &cfg, 5);
        let before = s.params.clone();
        let mut plus = vec![0.0; 10];
        s.candidate(0, &mut plus);
        let eps: Vec<f32> = plus.iter().zip(&before).map(|(p, b)| (p - b) / 0.1).collect();
        s.update(&[3.0, 1.0], &cfg);
        for ((a, b), e) in s.params.iter().zip(&before).zip(&eps) {
            let want = b + (0.2f32 / (2.0 * 0.1)) * (2.0 * e);
            assert!((a - want).abs() < 1e-4, "{a} vs {want}");
        }
        assert!((s.lr - 0.2 * 0.995).abs() < 1e-15);
        assert!((s.sigma - 0.1 * 0.999).abs() < 1e-15);
        assert_eq!(s.generation, 1);
    }

    #[test]
    fn mirrored_candidates() {
        let cfg = EsConfig::default();
        let s = EsState::new(BLOCK * 2 + 17, 5, &cfg, 1);
        let (mut a, mut b) = (vec![0.0; s.params.len()], vec![0.0; s.params.len()]);
        s.candidate(6, &mut a);
        s.candidate(7, &mut b);
        for ((x, y), p) in a.iter().zip(&b).zip(&s.params) {
            assert!(((x - p) + (y - p)).abs() < 1e-5);
        }
        s.candidate(8, &mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn converges_on_a_quadratic() {
        // Maximise −|θ − 3|²: the mean must approach 3 in every coordinate.
        let cfg = EsConfig { pop: 50, lr: 0.1, sigma: 0.1, weight_decay: 0.0, ..EsConfig::default() };
        let mut s = EsState::new(20, 20, &cfg, 9);
        let loss = |p: &[f32]| p.iter().map(|v| ((v - 3.0) as f64).powi(2)).sum::<f64>();
        let start = loss(&s.params);
        let mut buf = vec![0.0; 20];
        for _ in 0..300 {
            let f: Vec<f64> = (0..cfg.pop)
                .map(|i| {
                    s.candidate(i, &mut buf);
                    -loss(&buf)
                })
                .collect();
            s.update(&f, &cfg);
        }
        let end = loss(&s.params);
        assert!(end < start * 0.01, "loss {start} → {end}");
    }

    #[test]
    fn penalty_is_mean_square_of_first_block() {
        let cfg = EsConfig::default();
        let s = EsState::new(4, 2, &cfg, 0);
        assert!((s.penalty(&[1.0, 3.0, 100.0, 100.0], 0.01) - (-0.01 * 5.0)).abs() < 1e-12);
    }
}
