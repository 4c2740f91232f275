//! Rule files from runs: export and inspection.

use std::path::Path;

use hebb_core::cnn::Cnn;
use hebb_core::rulefile::{self, ActionMap, Encoding, FrontEnd, Header, RuleFile};
use hebb_core::{Activation, CoeffLayout, widen_f16};

use crate::env::Action;
use crate::episode::{Controller, MAX_EPISODE_STEPS, Policy, drive, weight_seed};
use crate::error::{Error, Result};
use crate::es::{EsState, derive_seed};
use crate::eval::evaluate;
use crate::policy::ActionMapping;
pub use crate::rule_io::{AlignedBytes, read_rule_file};
use crate::run::write_atomic;
use crate::setup::Setup;

/// Encodes the run's current rule (the ES mean) as a rule file with coefficients in `encoding`.
pub fn rule_file_bytes(setup: &Setup, state: &EsState, encoding: Encoding) -> Result<Vec<u8>> {
    if setup.cfg.static_weights {
        return Err(Error::NoRule { to: "export" });
    }
    let parts = setup.split(&state.params)?;
    let (coeffs, cnn, init) = (parts.head, parts.cnn, parts.init);
    let morph = setup.cfg.variants.join(",");
    let header = Header {
        rule: setup.rule.code(),
        layout: setup.layout.code(),
        sizes: setup.sizes,
        output: setup.mapping.output_activation() as u8,
        action_map: match setup.mapping {
            ActionMapping::Argmax => ActionMap::Argmax,
            ActionMapping::TanhClip { .. } => ActionMap::Direct,
            ActionMapping::Car => ActionMap::Car,
        },
        normalize: setup.normalize,
        init: setup.init as u8,
        encoding,
        front_end: if cnn.is_empty() { FrontEnd::None } else { FrontEnd::CarCnn },
        n_coefficients: coeffs.len() as u32,
        n_cnn_weights: cnn.len() as u32,
        n_init_weights: init.len() as u32,
        env: &setup.cfg.env,
        morphologies: &morph,
        seed: setup.cfg.seed,
        generations: state.generation,
    };
    let extras = rulefile::Extras { plasticity: setup.plasticity };
    let index = setup.shared.as_ref().map_or(&[][..], |s| &s.index[..]);
    let mut buf = vec![0u8; rulefile::encoded_len_with(&header, &extras)?];
    let n = rulefile::encode_with(&header, &extras, coeffs, index, cnn, init, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// Writes the rule file atomically.
pub fn write_rule_file(setup: &Setup, state: &EsState, path: &Path, encoding: Encoding) -> Result<()> {
    write_atomic(path, &rule_file_bytes(setup, state, encoding)?)
}

/// `params` with the rule coefficients rounded to half precision and widened back — exactly
/// the rule a half-precision rule file carries (CNN and initial weights stay `f32`).
pub fn f16_params(setup: &Setup, params: &[f32]) -> Result<Vec<f32>> {
    map_rule(setup, params, |c| Ok(widen_f16(rulefile::to_f16(c)?)))
}

/// `params` with `f` applied to every rule coefficient (the CNN and initial weights untouched).
fn map_rule(setup: &Setup, params: &[f32], f: impl Fn(f32) -> Result<f32>) -> Result<Vec<f32>> {
    let n = setup.split(params)?.head.len();
    let mut out = params.to_vec();
    for c in &mut out[..n] {
        *c = f(*c)?;
    }
    Ok(out)
}

/// How far the outputs of a rule and of a perturbed copy of it drift apart over one episode:
/// two networks from the same initial weights fed the same observations (those the first
/// rule's actions produce).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Divergence {
    /// Steps of the episode.
    pub steps: usize,
    /// Largest |Δ| of an output over the first 100 steps.
    pub max_100: f32,
    /// Largest |Δ| of an output over the episode.
    pub max: f32,
    /// Mean |Δ| over all outputs and steps.
    pub mean: f64,
    /// The first step at which some output differs by more than 0.01, if any.
    pub first_over_1e2: Option<usize>,
}

/// Mean and standard deviation of a rule's return over episodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Returns {
    /// Mean return.
    pub mean: f64,
    /// Standard deviation over the episodes.
    pub std: f64,
}

/// What half-precision coefficients cost a rule, measured (`hebb export --f16` prints it),
/// next to what the smallest possible change — every coefficient moved by one `f32` ulp —
/// does, which is the run-to-run sensitivity of the Hebbian dynamics themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct F16Report {
    /// Largest |c − f16(c)| over the coefficients.
    pub max_coefficient_error: f32,
    /// The largest |c|.
    pub max_coefficient: f32,
    /// Output divergence, half precision against `f32`.
    pub f16: Divergence,
    /// Output divergence, one ulp against `f32`.
    pub ulp: Divergence,
    /// Episodes of the closed-loop comparison (first variant, same seeds).
    pub episodes: usize,
    /// Returns of the `f32`, half-precision and one-ulp rules.
    pub returns: [Returns; 3],
}

/// Measures [`F16Report`] for `params` on the first variant of `setup`, with episode seeds
/// from `seed`.
pub fn f16_report(
    setup: &Setup,
    params: &[f32],
    episodes: usize,
    seed: u64,
    threads: usize,
) -> Result<F16Report> {
    if setup.cfg.static_weights {
        return Err(Error::NoRule { to: "quantise" });
    }
    let half = f16_params(setup, params)?;
    // One ulp away from zero (zero itself to the smallest positive subnormal).
    let ulp = map_rule(setup, params, |c| Ok(f32::from_bits(c.to_bits() + 1)))?;
    let (a, b) = (setup.split(params)?, setup.split(&half)?);
    let (max_coefficient_error, max_coefficient) = a
        .head
        .iter()
        .zip(b.head)
        .fold((0.0f32, 0.0f32), |(e, m), (x, y)| (e.max((x - y).abs()), m.max(x.abs())));
    let ep_seed = derive_seed(seed, &[7, 0, 0]);
    let returns = |p: &[f32]| -> Result<Returns> {
        let r = &evaluate(setup, p, episodes, seed, threads)?[0];
        Ok(Returns { mean: r.mean(), std: r.std() })
    };
    Ok(F16Report {
        max_coefficient_error,
        max_coefficient,
        f16: divergence(setup, params, &half, ep_seed)?,
        ulp: divergence(setup, params, &ulp, ep_seed)?,
        episodes,
        returns: [returns(params)?, returns(&half)?, returns(&ulp)?],
    })
}

/// [`Divergence`] of rule `pb` from rule `pa` over one episode of the first variant.
pub fn divergence(setup: &Setup, pa: &[f32], pb: &[f32], ep_seed: u64) -> Result<Divergence> {
    let variant = setup.variants().into_iter().next().flatten();
    let mut env = setup.make_env(variant.as_deref())?;
    let (mut net_a, mut net_b) = (setup.make_net()?, setup.make_net()?);
    let new_cnn = || (setup.n_cnn > 0).then(|| Box::new(Cnn::new()));
    let (mut cnn_a, mut cnn_b) = (new_cnn(), new_cnn());
    let (mut act_a, mut act_b) = (Vec::new(), Vec::new());
    let ws = weight_seed(ep_seed);
    let mut pair = Pair {
        a: Policy::new(setup, pa, net_a.as_mut(), cnn_a.as_deref_mut(), &mut act_a, ws)?,
        b: Policy::new(setup, pb, net_b.as_mut(), cnn_b.as_deref_mut(), &mut act_b, ws)?,
        out_b: Vec::new(),
        d: Divergence { steps: 0, max_100: 0.0, max: 0.0, mean: 0.0, first_over_1e2: None },
        n_err: 0,
    };
    let mut obs = vec![0.0f32; setup.obs_dim];
    let ep = drive(env.as_mut(), &mut pair, ep_seed, &mut obs, MAX_EPISODE_STEPS, |_, _, _, _| ())?;
    let mut d = pair.d;
    d.steps = ep.steps as usize;
    d.mean /= pair.n_err.max(1) as f64;
    Ok(d)
}

/// Two policies fed the same observations (those the first one's actions produce), their
/// outputs compared step by step.
struct Pair<'a> {
    a: Policy<'a>,
    b: Policy<'a>,
    out_b: Vec<f32>,
    d: Divergence,
    n_err: usize,
}

impl Controller for Pair<'_> {
    fn act(&mut self, obs: &[f32]) -> Result<Option<Action<'_>>> {
        let Some(out_b) = self.b.outputs(obs)? else { return Ok(None) };
        self.out_b.clear();
        self.out_b.extend_from_slice(out_b);
        let (out_b, d, n_err) = (&self.out_b, &mut self.d, &mut self.n_err);
        self.a.act_with(obs, |out_a| {
            for (x, y) in out_a.iter().zip(out_b) {
                let e = (x - y).abs();
                d.max = d.max.max(e);
                d.mean += e as f64;
                *n_err += 1;
                if d.steps < 100 {
                    d.max_100 = d.max_100.max(e);
                }
                if e > 1e-2 && d.first_over_1e2.is_none() {
                    d.first_over_1e2 = Some(d.steps);
                }
            }
            d.steps += 1;
        })
    }
}

/// Fails if the rule file at `path` holds NaN or infinite values (a diverged rule, written by
/// something other than [`write_rule_file`], which refuses them).
pub fn check_finite(path: &Path) -> Result<()> {
    let a = read_rule_file(path)?;
    let n = RuleFile::parse(a.bytes())?.non_finite_values();
    if n > 0 {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            msg: format!("{n} values are NaN or infinite: a diverged rule, not usable"),
        });
    }
    Ok(())
}

/// A human-readable description of a rule file (`hebb inspect`).
pub fn describe(path: &Path) -> Result<String> {
    let a = read_rule_file(path)?;
    let f = RuleFile::parse(a.bytes())?;
    let h = f.header();
    let mut coeffs = vec![0.0f32; h.n_coefficients as usize];
    f.copy_coefficients(&mut coeffs)?;
    // Statistics over the finite coefficients; the others are counted and flagged.
    let finite: Vec<f64> = coeffs.iter().filter(|v| v.is_finite()).map(|&v| v as f64).collect();
    let n = finite.len() as f64;
    let mean = finite.iter().sum::<f64>() / n.max(1.0);
    let std = (finite.iter().map(|&v| (v - mean).powi(2)).sum::<f64>() / n.max(1.0)).sqrt();
    let (lo, hi) = match finite.is_empty() {
        true => (f64::NAN, f64::NAN),
        false => finite.iter().fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v))),
    };
    let non_finite = f.non_finite_values();
    let s = h.sizes;
    let rule = h.rule_kind()?;
    let mut out = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "file           {} ({} bytes, CRC ok, format v{})",
        path.display(),
        a.bytes().len(),
        a.bytes().get(4..6).map_or(0, |v| u16::from_le_bytes([v[0], v[1]]))
    );
    let n_c = rule.n_coeffs();
    let _ = match h.coeff_layout()? {
        CoeffLayout::PerSynapse => writeln!(out, "rule           {rule} ({n_c} coefficients per synapse)"),
        CoeffLayout::PerNeuron => {
            writeln!(out, "rule           {rule} ({n_c} coefficients per neuron: neuron-centric)")
        }
        CoeffLayout::Shared => writeln!(
            out,
            "rule           {rule} ({} shared rules of {n_c} coefficients, a rule index per synapse)",
            coeffs.len() / n_c
        ),
        other => writeln!(out, "rule           {rule} (coefficient layout {other:?})"),
    };
    let p = f.extras().plasticity;
    if !p.is_plain() {
        let _ = writeln!(
            out,
            "plasticity     update every {} steps, on activities averaged over {} steps",
            p.every, p.window
        );
    }
    let _ = writeln!(out, "network        {s} ({} synapses)", s.n_synapses());
    let out_act = match h.output_activation()? {
        Activation::Tanh => "tanh",
        Activation::Identity => "raw",
    };
    let _ =
        writeln!(out, "output         {out_act}, action map {:?}, normalise {}", h.action_map, h.normalize);
    let _ = writeln!(out, "initial w      {:?}", h.weight_init()?);
    let _ = writeln!(
        out,
        "coefficients   {} ({:?}), mean {mean:.4}, std {std:.4}, min {lo:.4}, max {hi:.4}",
        coeffs.len(),
        h.encoding
    );
    if non_finite > 0 {
        let _ = writeln!(
            out,
            "NOT FINITE     {non_finite} values are NaN or infinite (statistics above: the finite ones)"
        );
    }
    if h.n_cnn_weights > 0 {
        let _ = writeln!(out, "CNN weights    {}", h.n_cnn_weights);
    }
    if h.n_init_weights > 0 {
        let _ = writeln!(out, "init weights   {}", h.n_init_weights);
    }
    let _ = writeln!(
        out,
        "trained on     {} {} (seed {}, {} generations)",
        h.env, h.morphologies, h.seed, h.generations
    );
    Ok(out)
}
