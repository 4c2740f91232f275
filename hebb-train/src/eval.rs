//! Evaluating a trained run: many episodes of the ES mean, per variant.

use rayon::prelude::*;

use crate::episode::Worker;
use crate::error::{Error, Result};
use crate::es::derive_seed;
use crate::setup::Setup;

/// Statistics of one variant's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalResult {
    /// The variant (`default` when the environment has none).
    pub variant: String,
    /// Episode returns.
    pub returns: Vec<f64>,
    /// Mean episode length.
    pub mean_steps: f64,
}

impl EvalResult {
    /// Mean return.
    pub fn mean(&self) -> f64 {
        self.returns.iter().sum::<f64>() / self.returns.len().max(1) as f64
    }
    /// Population standard deviation of the returns.
    pub fn std(&self) -> f64 {
        let m = self.mean();
        (self.returns.iter().map(|r| (r - m).powi(2)).sum::<f64>() / self.returns.len().max(1) as f64).sqrt()
    }
}

/// Runs `episodes` episodes of `params` on every variant of `setup`, in parallel on `threads`
/// threads (0: all). Episode seeds derive from `seed` only, so results do not depend on the
/// thread count.
pub fn evaluate(setup: &Setup, params: &[f32], episodes: usize, seed: u64, threads: usize) -> Result<Vec<EvalResult>> {
    if episodes == 0 {
        return Err(Error::Config("--episodes must be ≥ 1".into()));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(8 << 20)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let variants = setup.variants();
    let mut out = Vec::new();
    for (v, name) in variants.iter().enumerate() {
        let eps: Vec<Result<(f64, u32)>> = pool.install(|| {
            (0..episodes)
                .into_par_iter()
                .map_init(
                    || Worker::new(setup),
                    |w, e| {
                        let w = w.as_mut().map_err(|x| Error::Config(x.to_string()))?;
                        let ep = w.episode(setup, Some(params), v, derive_seed(seed, &[7, v as u64, e as u64]), None)?;
                        Ok((ep.ret, ep.steps))
                    },
                )
                .collect()
        });
        let eps = eps.into_iter().collect::<Result<Vec<_>>>()?;
        out.push(EvalResult {
            variant: name.clone().unwrap_or_else(|| "default".into()),
            mean_steps: eps.iter().map(|e| e.1 as f64).sum::<f64>() / eps.len() as f64,
            returns: eps.into_iter().map(|e| e.0).collect(),
        });
    }
    Ok(out)
}
