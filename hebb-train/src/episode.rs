//! Running episodes: one candidate's parameters, one environment, one seed.

use hebb_core::cnn::Cnn;
use hebb_core::{RuleTable, WeightInit};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::env::Env;
use crate::error::{Error, Result};
use crate::es::derive_seed;
use crate::policy::PlasticNet;
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
    /// buffer when `None`). `observe` sees every step.
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
        let parts = setup.split(params)?;
        let table = if setup.cfg.static_weights {
            self.net.set_weights(parts.head)?;
            None
        } else {
            if setup.init == WeightInit::Coevolve {
                self.net.set_weights(parts.init)?;
            } else {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(derive_seed(seed, &[0x1417]));
                self.net.reset_weights(setup.init, &mut rng)?;
            }
            Some(RuleTable::new(setup.rule, setup.sizes, parts.head)?)
        };
        env.reset(seed, &mut self.obs);
        let mut ep = Episode::default();
        while ep.steps < MAX_EPISODE_STEPS {
            let input = match self.cnn.as_deref_mut() {
                Some(cnn) => &cnn.forward(parts.cnn, &self.obs)?[..],
                None => &self.obs[..],
            };
            let out = match &table {
                Some(t) => self.net.step(t, input),
                None => self.net.forward(input),
            };
            let out = match out {
                Ok(o) => o,
                Err(Error::Core(hebb_core::Error::NonFiniteObservation { .. })) => {
                    ep.aborted = true;
                    break;
                }
                Err(e) => return Err(e),
            };
            let action = setup.mapping.map(out, &mut self.act);
            let s = env.step(action, &mut self.obs);
            ep.ret += s.reward as f64;
            if let Some(f) = observe.as_deref_mut() {
                f(StepView { t: ep.steps, env: env.as_ref(), net: self.net.as_ref(), reward: s.reward });
            }
            ep.steps += 1;
            if s.done() {
                break;
            }
        }
        Ok(ep)
    }
}
