//! Evaluating a trained run: many episodes of the ES mean, per variant.

use rayon::prelude::*;

use crate::episode::Worker;
use crate::error::{Error, Result};
use crate::es::derive_seed;
use crate::rule_io::{AlignedBytes, read_rule_file};
use crate::run::RunDir;
use crate::setup::{RuleOptions, RuleScope, Setup, SharedRules, TrainConfig};

/// Something to evaluate: a configuration and its evolved parameters, from a run directory or
/// a bare rule file.
#[derive(Debug, Clone)]
pub struct Agent {
    /// The configuration (a rule file's is rebuilt from its header).
    pub cfg: TrainConfig,
    /// The evolved parameters, in the layout of [`Setup::split`].
    pub params: Vec<f32>,
    /// Generations trained.
    pub generation: u32,
    /// The merged rules of an Evolve & Merge run (`None` for others).
    pub shared: Option<SharedRules>,
}

impl Agent {
    /// The setup the parameters belong to (the merged one, for a merged run).
    pub fn setup(&self) -> Result<Setup> {
        self.setup_for(self.cfg.clone())
    }

    /// [`Agent::setup`] of `cfg`, the agent's configuration with changes that keep the
    /// parameter layout (variants, fitness protocol).
    pub fn setup_for(&self, cfg: TrainConfig) -> Result<Setup> {
        let setup = Setup::new(cfg)?;
        match &self.shared {
            Some(s) => setup.with_shared(s.clone()),
            None => Ok(setup),
        }
    }
}

/// Loads `path`: a run directory (its config and checkpoint) or a rule file. A rule file's
/// header names its environment and morphologies; `env` overrides the environment (needed
/// where the header names none `hebb` knows).
pub fn load_agent(path: &std::path::Path, env: Option<&str>) -> Result<Agent> {
    if path.is_dir() {
        let run = RunDir::open(path)?;
        let cfg = run.load_config()?;
        if let Some(e) = env
            && e != cfg.env
        {
            return Err(Error::Conflict {
                option: "--env",
                with: "a run directory",
                why: format!(
                    "{} is a `{}` run; --env {e} applies to rule files only",
                    path.display(),
                    cfg.env
                ),
            });
        }
        // The checkpoint is checked against its run's configuration (shapes, fields in range).
        let ck = run.load_checkpoint_for(&mut Setup::new(cfg.clone())?)?;
        return Ok(Agent {
            cfg,
            params: ck.state.params,
            generation: ck.state.generation,
            shared: ck.shared,
        });
    }
    if !path.exists() {
        return Err(Error::Config(format!(
            "{} is not a run directory or a rule file (it does not exist)",
            path.display()
        )));
    }
    let bytes = read_rule_file(path)?;
    agent_from_rule(bytes.bytes(), env).map_err(|e| match e {
        e @ (Error::Core(_) | Error::ShapeMismatch { .. }) => {
            Error::Corrupt { path: path.to_path_buf(), msg: e.to_string() }
        }
        e @ (Error::Io { .. } | Error::Interrupted { .. }) => e,
        e => Error::InFile { path: path.to_path_buf(), source: Box::new(e) },
    })
}

/// The agent a rule file holds: its configuration rebuilt from the header (environment,
/// variants, rule, network, initial weights) and its coefficients, CNN and initial weights as
/// the parameter vector. `env` overrides the header's environment (needed where the header
/// names none `hebb` knows).
pub fn agent_from_rule(bytes: &[u8], env: Option<&str>) -> Result<Agent> {
    let aligned;
    let bytes = if (bytes.as_ptr() as usize).is_multiple_of(4) {
        bytes
    } else {
        aligned = AlignedBytes::new(bytes);
        aligned.bytes()
    };
    let f = hebb_core::rulefile::RuleFile::parse(bytes)?;
    let h = f.header();
    let env = env.unwrap_or(h.env).to_string();
    let factory = crate::env::EnvFactory::builtin(&env)
        .map_err(|_| Error::UnknownRuleEnv { env: h.env.to_string() })?;
    let init = match h.weight_init()? {
        hebb_core::WeightInit::Uniform => "uni",
        hebb_core::WeightInit::Normal => "normal",
        hebb_core::WeightInit::Coevolve => "coevolve",
    };
    let plasticity = f.extras().plasticity;
    let scope = match h.coeff_layout()? {
        hebb_core::CoeffLayout::PerNeuron => RuleScope::Neuron,
        _ => RuleScope::Synapse,
    };
    let options =
        RuleOptions { hebb_every: plasticity.every, avg_window: plasticity.window, scope, merge: None };
    let cfg = TrainConfig {
        options,
        // A rule file does not record the protocol; it is the one the environment has.
        paper_fitness: factory.make(None, false)?.task().fitness_protocol,
        variants: h.morphologies.split(',').filter(|m| !m.is_empty()).map(String::from).collect(),
        rule: h.rule_kind()?.name().to_string(),
        init: init.to_string(),
        static_weights: false,
        normalize: Some(h.normalize),
        // The budget must be ≥ 1 to validate; an untrained file (0 generations) still loads.
        generations: h.generations.max(1),
        seed: h.seed,
        // The hidden layers the file holds (any depth), so the network built matches it.
        hidden: {
            let layers = h.sizes();
            let l = layers.as_slice();
            l[1..l.len().saturating_sub(1).max(1)].to_vec()
        },
        env,
        ..TrainConfig::default()
    };
    let mut setup = Setup::with_env(cfg.clone(), factory)?;
    let shared = match h.coeff_layout()? {
        hebb_core::CoeffLayout::Shared => {
            let s = SharedRules {
                n_rules: h.n_coefficients as usize / setup.rule.n_coeffs(),
                index: f.shared_index()?.to_vec(),
            };
            setup = setup.with_shared(s.clone())?;
            Some(s)
        }
        _ => None,
    };
    if setup.sizes != h.sizes() {
        return Err(Error::ShapeMismatch {
            what: "the rule file".into(),
            has: h.sizes().to_string(),
            expected: setup.sizes.to_string(),
            needed_by: format!("environment `{}`", setup.cfg.env),
        });
    }
    let mut params = vec![0.0f32; h.n_coefficients as usize];
    f.copy_coefficients(&mut params)?;
    params.extend_from_slice(f.cnn_weights()?);
    params.extend_from_slice(f.init_weights()?);
    setup.split(&params)?;
    Ok(Agent { cfg, params, generation: h.generations, shared })
}

/// Statistics of one variant's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalResult {
    /// The variant (`default` when the environment has none).
    pub variant: String,
    /// Episode returns.
    pub returns: Vec<f64>,
    /// Mean episode length.
    pub mean_steps: f64,
    /// Episodes cut short because the environment produced a non-finite observation.
    pub aborted: usize,
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
    crate::setup::check_count("the episode count", episodes, crate::setup::MAX_EPISODES)?;
    let pool = crate::setup::pool(threads)?;
    let variants = setup.variants();
    let mut out = Vec::new();
    for (v, name) in variants.iter().enumerate() {
        let eps: Vec<Result<(f64, u32, bool)>> = pool.install(|| {
            (0..episodes)
                .into_par_iter()
                .map_init(
                    || Worker::new(setup),
                    |w, e| {
                        let w = w.as_mut().map_err(|x| Error::Worker { msg: x.to_string() })?;
                        let ep = w.episode(
                            setup,
                            Some(params),
                            v,
                            derive_seed(seed, &[7, v as u64, e as u64]),
                            None,
                        )?;
                        Ok((ep.ret, ep.steps, ep.aborted))
                    },
                )
                .collect()
        });
        let eps = eps.into_iter().collect::<Result<Vec<_>>>()?;
        out.push(EvalResult {
            variant: name.clone().unwrap_or_else(|| "default".into()),
            mean_steps: eps.iter().map(|e| e.1 as f64).sum::<f64>() / eps.len() as f64,
            aborted: eps.iter().filter(|e| e.2).count(),
            returns: eps.into_iter().map(|e| e.0).collect(),
        });
    }
    Ok(out)
}

/// Folder names for the variants' plots: a variant given as a path (a morphology file,
/// `/abs/tiny.json`) is named by its file stem, anything but letters, digits, `-`, `_` and `.`
/// becomes `_`, and repeated names get `-2`, `-3`, … appended.
pub fn folder_names<'a>(variants: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in variants {
        let p = std::path::Path::new(v);
        let base = if v.contains(['/', '\\']) || p.extension().is_some_and(|e| e == "json") {
            p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
        } else {
            v.to_string()
        };
        let mut base: String = base
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
            .collect();
        if base.is_empty() || base.chars().all(|c| c == '.') {
            base = "variant".into();
        }
        let mut name = base.clone();
        let mut n = 2;
        while out.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

/// What happens inside one episode, step by step (the paper's weight-attractor figure and the
/// distance walked).
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Values over time of a fixed sample of synapses: `samples[s][t]`.
    pub samples: Vec<Vec<f32>>,
    /// Labels of the sampled synapses (`layer 2, in 17 / out 3`: from unit 17 of the layer's
    /// input to unit 3 of its output).
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
        // Weights are `[n_out][n_in]`: synapse `i` joins input unit `i % n_in` of the layer to
        // its output unit `i / n_in`.
        tr.labels.push(format!("layer {}, in {} / out {}", l + 1, i % n_in, i / n_in));
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
        return Err(Error::Video {
            msg: format!(
                "environment `{}` draws no frames; `hebb render` draws cartpole, pendulum, the quadruped and car-racing",
                setup.cfg.env
            ),
        });
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

#[cfg(test)]
mod tests {
    #[test]
    fn folder_names_come_from_names_not_paths() {
        let got = super::folder_names(["standard", "/abs/tiny.json", "rel/dir/tiny.json", "a b", "..", "/"]);
        assert_eq!(got, ["standard", "tiny", "tiny-2", "a_b", "variant", "variant-2"]);
    }
}

/// Whether the weights settle during an episode ([`settling`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settling {
    /// Steps of the episode.
    pub steps: u32,
    /// The first step from which the relative weight change over the window stays at or below
    /// the tolerance to the end of the episode, for at least five windows; `None` otherwise.
    pub settled_at: Option<u32>,
    /// The relative change over the window at the last step, ‖w_T − w_{T−W}‖ / ‖w_T‖.
    pub last_change: f64,
}

/// Runs one episode of variant `v` with `params` and measures whether the weights settle: at
/// every step `t ≥ window`, the relative change of all weights over the last `window` steps,
/// ‖w_t − w_{t−window}‖₂ / ‖w_t‖₂, and the first step from which it stays ≤ `tol`. (Over a
/// window rather than per step, so updates every k-th step compare fairly with every-step
/// ones.)
pub fn settling(
    setup: &Setup,
    params: &[f32],
    v: usize,
    seed: u64,
    window: usize,
    tol: f64,
) -> Result<Settling> {
    if window == 0 {
        return Err(Error::OutOfRange {
            flag: "the settling window".into(),
            field: None,
            expected: "at least one step".into(),
            got: "0".into(),
        });
    }
    let mut w = Worker::new(setup)?;
    let mut history: std::collections::VecDeque<Vec<f32>> = std::collections::VecDeque::new();
    let mut changes: Vec<f64> = Vec::new();
    let mut observe = |s: crate::episode::StepView<'_>| {
        let now: Vec<f32> = s.net.weights().concat();
        if history.len() == window
            && let Some(old) = history.pop_front()
        {
            let d: f64 = now.iter().zip(&old).map(|(a, b)| ((a - b) as f64).powi(2)).sum::<f64>().sqrt();
            let n: f64 = now.iter().map(|a| (*a as f64).powi(2)).sum::<f64>().sqrt();
            changes.push(d / n.max(1e-12));
        }
        history.push_back(now);
    };
    let ep = w.episode(setup, Some(params), v, seed, Some(&mut observe))?;
    // changes[i] is the change at step i + window.
    let last_change = changes.last().copied().unwrap_or(f64::NAN);
    let settled_at = if last_change <= tol {
        let above = changes.iter().rposition(|&c| c > tol);
        Some(above.map_or(window, |i| i + 1 + window) as u32)
    } else {
        None
    };
    // Settled only if it stays so for at least five windows (not just the last few steps).
    let settled_at = settled_at.filter(|&t| ep.steps >= t + 5 * window as u32);
    Ok(Settling { steps: ep.steps, settled_at, last_change })
}
