//! Running episodes: one candidate's parameters, one environment, one seed.

use hebb_core::cnn::Cnn;
use hebb_core::{HeapWindow, RuleTable, WeightInit};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::env::{Action, Env};
use crate::error::{Error, Result};
use crate::es::derive_seed;
use crate::policy::{ActionMapping, PlasticNet};
use crate::setup::Setup;

/// Hard cap on episode length, in case an environment never ends.
pub const MAX_EPISODE_STEPS: u32 = 100_000;

/// The outcome of an episode.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Episode {
    /// Sum of rewards.
    pub ret: f64,
    /// Steps taken.
    pub steps: u32,
    /// The episode was cut because the environment produced a non-finite observation.
    pub aborted: bool,
}

/// The tag that derives an episode's initial-weight seed from its episode seed
/// ([`weight_seed`]); fixed, so results stay reproducible across versions.
const WEIGHT_SEED_TAG: u64 = 0x1417;

/// The seed of an episode's initial weights (uniform or normal draws), derived from its episode
/// seed. The one place this derivation lives: training, evaluation, `export`'s checks and the
/// hardware-in-the-loop reference (which sends it to the firmware's `Reset`) all use it.
pub fn weight_seed(episode_seed: u64) -> u64 {
    derive_seed(episode_seed, &[WEIGHT_SEED_TAG])
}

/// The agent side of an episode: one observation in, one action out.
pub trait Controller {
    /// The action for observation `obs`; `Ok(None)` ends the episode as aborted (the
    /// observation was not finite).
    fn act(&mut self, obs: &[f32]) -> Result<Option<Action<'_>>>;
}

/// The one episode loop (training, evaluation, traces, renders, `export`'s checks, `hil`):
/// resets `env` with `seed` into `obs` (length `env.obs_dim()`), then steps it with `ctl`'s
/// actions until the episode ends or `max_steps` steps. `observe` sees every step after it is
/// taken: step index, environment, controller, reward.
pub fn drive<C: Controller + ?Sized>(
    env: &mut dyn Env,
    ctl: &mut C,
    seed: u64,
    obs: &mut [f32],
    max_steps: u32,
    mut observe: impl FnMut(u32, &dyn Env, &C, f32),
) -> Result<Episode> {
    env.reset(seed, obs);
    let mut ep = Episode::default();
    while ep.steps < max_steps {
        let Some(action) = ctl.act(obs)? else {
            ep.aborted = true;
            break;
        };
        let s = env.step(action, obs);
        ep.ret += s.reward as f64;
        observe(ep.steps, &*env, &*ctl, s.reward);
        ep.steps += 1;
        if s.done() {
            break;
        }
    }
    Ok(ep)
}

/// A run's controller for one episode: the network with its initial weights set (co-evolved,
/// or drawn from the weight seed), the rule (none for static weights), the CNN front end where
/// the task has one, and the action mapping.
pub struct Policy<'a> {
    net: &'a mut dyn PlasticNet,
    cnn: Option<&'a mut Cnn>,
    cnn_weights: &'a [f32],
    table: Option<RuleTable<'a>>,
    /// The activity window of the Hebbian-attractor options (`None`: the paper's update).
    window: Option<HeapWindow>,
    mapping: &'a ActionMapping,
    act: &'a mut Vec<f32>,
}

impl<'a> Policy<'a> {
    /// Sets up `net` for an episode of `params` (layout of [`Setup::split`]): static runs load
    /// their evolved weights; Hebbian runs their co-evolved initial weights, or draw them from
    /// `weight_seed` ([`weight_seed`] of the episode seed). `cnn` must be given where the
    /// setup has a CNN front end; `act` is scratch for continuous actions.
    pub fn new(
        setup: &'a Setup,
        params: &'a [f32],
        net: &'a mut dyn PlasticNet,
        cnn: Option<&'a mut Cnn>,
        act: &'a mut Vec<f32>,
        weight_seed: u64,
    ) -> Result<Self> {
        let parts = setup.split(params)?;
        let table = if setup.cfg.static_weights {
            net.set_weights(parts.head)?;
            None
        } else {
            if setup.init == WeightInit::Coevolve {
                net.set_weights(parts.init)?;
            } else {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(weight_seed);
                net.reset_weights(setup.init, &mut rng)?;
            }
            Some(setup.rule_table(parts.head)?)
        };
        if setup.n_cnn > 0 && cnn.is_none() {
            return Err(Error::Config("this setup's front end is a CNN; pass one to Policy::new".into()));
        }
        let window = match (&table, setup.plasticity.is_plain()) {
            (Some(_), false) => Some(HeapWindow::for_shape(setup.plasticity, &setup.sizes)?),
            _ => None,
        };
        Ok(Policy { net, cnn, cnn_weights: parts.cnn, table, window, mapping: &setup.mapping, act })
    }

    /// The network.
    pub fn net(&self) -> &dyn PlasticNet {
        &*self.net
    }

    /// Runs the network on `obs` (through the CNN where there is one; a Hebbian step, or a
    /// forward pass for static weights) and returns its outputs; `None` if `obs` is not finite.
    pub fn outputs(&mut self, obs: &[f32]) -> Result<Option<&[f32]>> {
        let rules = self.table.as_ref().map(|t| (t, self.window.as_mut()));
        outputs(&mut *self.net, self.cnn.as_deref_mut(), self.cnn_weights, rules, obs)
    }

    /// [`Controller::act`], showing the network's outputs to `inspect` before they are mapped.
    pub fn act_with(&mut self, obs: &[f32], inspect: impl FnOnce(&[f32])) -> Result<Option<Action<'_>>> {
        let rules = self.table.as_ref().map(|t| (t, self.window.as_mut()));
        let out = outputs(&mut *self.net, self.cnn.as_deref_mut(), self.cnn_weights, rules, obs)?;
        Ok(out.map(|o| {
            inspect(o);
            self.mapping.map(o, self.act)
        }))
    }
}

impl Controller for Policy<'_> {
    fn act(&mut self, obs: &[f32]) -> Result<Option<Action<'_>>> {
        self.act_with(obs, |_| ())
    }
}

fn outputs<'n>(
    net: &'n mut dyn PlasticNet,
    cnn: Option<&mut Cnn>,
    cnn_weights: &[f32],
    rules: Option<(&RuleTable<'_>, Option<&mut HeapWindow>)>,
    obs: &[f32],
) -> Result<Option<&'n [f32]>> {
    let input = match cnn {
        Some(cnn) => &cnn.forward(cnn_weights, obs)?[..],
        None => obs,
    };
    let out = match rules {
        Some((t, Some(w))) => net.step_windowed(t, input, w),
        Some((t, None)) => net.step(t, input),
        None => net.forward(input),
    };
    match out {
        Ok(o) => Ok(Some(o)),
        Err(Error::Core(hebb_core::Error::NonFiniteObservation { .. })) => Ok(None),
        Err(e) => Err(e),
    }
}

/// One step as seen by an observer (for plots and renders).
pub struct StepView<'a> {
    /// Step index, from 0.
    pub t: u32,
    /// The environment after the step.
    pub env: &'a dyn Env,
    /// The network after its update.
    pub net: &'a dyn PlasticNet,
    /// Reward of the step.
    pub reward: f32,
}

/// Reusable per-thread state: environments (one per variant), the network and buffers.
pub struct Worker {
    /// One environment per variant, in [`Setup::variants`] order.
    pub envs: Vec<Box<dyn Env>>,
    /// The network.
    pub net: Box<dyn PlasticNet>,
    /// Candidate parameter buffer.
    pub params: Vec<f32>,
    /// The CNN front end, where the setup has one.
    cnn: Option<Box<Cnn>>,
    obs: Vec<f32>,
    act: Vec<f32>,
}

impl Worker {
    /// Builds the environments and the network of a setup.
    pub fn new(setup: &Setup) -> Result<Self> {
        let envs =
            setup.variants().iter().map(|v| setup.make_env(v.as_deref())).collect::<Result<Vec<_>>>()?;
        Ok(Worker {
            obs: vec![0.0; setup.obs_dim],
            cnn: (setup.n_cnn > 0).then(|| Box::new(Cnn::new())),
            act: Vec::with_capacity(setup.sizes.output()),
            params: vec![0.0; setup.dim],
            net: setup.make_net()?,
            envs,
        })
    }

    /// Runs one episode of variant `v` with parameters `params` (defaults to the worker's own
    /// buffer when `None`), episode seed `seed`. `observe` sees every step.
    pub fn episode(
        &mut self,
        setup: &Setup,
        params: Option<&[f32]>,
        v: usize,
        seed: u64,
        mut observe: Option<&mut dyn FnMut(StepView<'_>)>,
    ) -> Result<Episode> {
        let params = params.unwrap_or(&self.params);
        let env = self.envs.get_mut(v).ok_or_else(|| Error::Config(format!("no variant #{v}")))?;
        let mut policy = Policy::new(
            setup,
            params,
            self.net.as_mut(),
            self.cnn.as_deref_mut(),
            &mut self.act,
            weight_seed(seed),
        )?;
        drive(env.as_mut(), &mut policy, seed, &mut self.obs, MAX_EPISODE_STEPS, |t, env, p, reward| {
            if let Some(f) = observe.as_deref_mut() {
                f(StepView { t, env, net: p.net(), reward });
            }
        })
    }
}
