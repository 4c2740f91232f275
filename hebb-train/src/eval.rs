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
pub fn evaluate(
    setup: &Setup,
    params: &[f32],
    episodes: usize,
    seed: u64,
    threads: usize,
) -> Result<Vec<EvalResult>> {
    if episodes == 0 {
        return Err(Error::Config("--episodes must be ≥ 1".into()));
    }
    let pool = crate::train::pool(threads)?;
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
                        let ep = w.episode(
                            setup,
                            Some(params),
                            v,
                            derive_seed(seed, &[7, v as u64, e as u64]),
                            None,
                        )?;
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

/// What happens inside one episode, step by step (the paper's weight-attractor figure and the
/// distance walked).
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Values over time of a fixed sample of synapses: `samples[s][t]`.
    pub samples: Vec<Vec<f32>>,
    /// Labels of the sampled synapses (`L2 w[3][17]`).
    pub labels: Vec<String>,
    /// Per layer, the norm of the weight change at each step, ‖w_t − w_{t−1}‖₂.
    pub change: Vec<Vec<f64>>,
    /// Body position at each step, where the environment has one.
    pub position: Vec<[f32; 3]>,
    /// Cumulative return at each step.
    pub cumulative: Vec<f64>,
}

/// Runs one episode of variant `v` with `params`, recording at most `steps` steps.
pub fn trace_episode(setup: &Setup, params: &[f32], v: usize, seed: u64, steps: u32) -> Result<Trace> {
    let mut w = Worker::new(setup)?;
    let mut tr = Trace { change: vec![Vec::new(); setup.sizes.depth()], ..Trace::default() };
    // 8 evenly spaced synapses per layer.
    let picks: Vec<(usize, usize)> = (0..setup.sizes.depth())
        .flat_map(|l| {
            let n = setup.sizes[l] * setup.sizes[l + 1];
            (0..8).map(move |k| (l, k * n / 8 + n / 16))
        })
        .collect();
    for &(l, i) in &picks {
        let n_in = setup.sizes[l];
        tr.labels.push(format!("L{} w[{}][{}]", l + 1, i / n_in, i % n_in));
    }
    tr.samples = vec![Vec::new(); picks.len()];
    let mut prev: Vec<Vec<f32>> = Vec::new();
    let mut total = 0.0;
    let mut observe = |s: crate::episode::StepView<'_>| {
        if s.t >= steps {
            return;
        }
        let ws = s.net.weights();
        for (k, &(l, i)) in picks.iter().enumerate() {
            tr.samples[k].push(ws[l][i]);
        }
        for (l, (w, change)) in ws.iter().zip(tr.change.iter_mut()).enumerate() {
            let d = match prev.get(l) {
                Some(p) => p.iter().zip(w.iter()).map(|(a, b)| ((b - a) as f64).powi(2)).sum::<f64>().sqrt(),
                None => 0.0,
            };
            change.push(d);
        }
        prev = ws.iter().map(|w| w.to_vec()).collect();
        if let Some(p) = s.env.body_position() {
            tr.position.push(p);
        }
        total += s.reward as f64;
        tr.cumulative.push(total);
    };
    w.episode(setup, Some(params), v, seed, Some(&mut observe))?;
    Ok(tr)
}

/// Runs one episode of variant `v` with `params` and adds every `every`-th frame of the first
/// `steps` steps to `gif`. Fails for environments that draw no frames.
pub fn render_episode(
    setup: &Setup,
    params: &[f32],
    v: usize,
    seed: u64,
    steps: u32,
    every: u32,
    gif: &mut crate::video::GifWriter,
) -> Result<crate::episode::Episode> {
    let mut w = Worker::new(setup)?;
    let mut rgb = Vec::new();
    if w.envs.first().is_none_or(|e| e.draw(&mut rgb).is_none()) {
        return Err(Error::Config(format!(
            "environment `{}` draws no frames; `hebb render` supports car-racing and the quadruped",
            setup.cfg.env
        )));
    }
    let every = every.max(1);
    let mut failed = None;
    let mut observe = |s: crate::episode::StepView<'_>| {
        if s.t < steps
            && s.t.is_multiple_of(every)
            && failed.is_none()
            && let Some([width, height]) = s.env.draw(&mut rgb)
            && let Err(e) = gif.push(crate::env::Frame { width, height, rgb: &rgb })
        {
            failed = Some(e);
        }
    };
    let ep = w.episode(setup, Some(params), v, seed, Some(&mut observe))?;
    match failed {
        Some(e) => Err(e),
        None => Ok(ep),
    }
}
