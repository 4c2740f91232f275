//! A run's controller driven one step at a time from outside: the caller owns the environment
//! (a Gymnasium environment in a Python process) and hands observations in; the agent returns
//! actions. It reproduces `hebb_train::episode::Worker::episode` exactly — the same weight
//! reset from the episode seed, the same CNN front end, network step and action mapping — so
//! an episode stepped this way gives the same bits as one the trainer steps itself.

use hebb_core::cnn::Cnn;
use hebb_core::{HeapWindow, WeightInit};
use hebb_train::env::Action;
use hebb_train::episode::weight_seed;
use hebb_train::es::EsState;
use hebb_train::policy::PlasticNet;
use hebb_train::setup::{Setup, TrainConfig};
use hebb_train::{Error, Result};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// What [`Agent::act`] returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Act<'a> {
    /// A discrete action.
    Discrete(usize),
    /// A continuous action, already mapped into the action box.
    Continuous(&'a [f32]),
    /// The observation held a NaN or an infinity: the trainer cuts such an episode short.
    Aborted,
}

/// One run's network, parameters and buffers.
pub struct Agent {
    /// The run's setup (layout, rule, mapping).
    pub setup: Setup,
    net: Box<dyn PlasticNet>,
    params: Vec<f32>,
    cnn: Option<Box<Cnn>>,
    /// The activity window of the Hebbian-attractor options (`None`: every-step updates).
    window: Option<HeapWindow>,
    act: Vec<f32>,
}

impl Agent {
    /// The agent of a run configuration (parameters zero until set).
    pub fn new(cfg: TrainConfig) -> Result<Self> {
        Agent::with_setup(Setup::new(cfg)?)
    }

    /// The agent of a setup (for a merged run, the merged one).
    pub fn with_setup(setup: Setup) -> Result<Self> {
        let window = if setup.cfg.static_weights || setup.plasticity.is_plain() {
            None
        } else {
            Some(HeapWindow::for_shape(setup.plasticity, &setup.sizes)?)
        };
        Ok(Agent {
            window,
            net: setup.make_net()?,
            params: vec![0.0; setup.dim],
            cnn: (setup.n_cnn > 0).then(|| Box::new(Cnn::new())),
            act: Vec::with_capacity(setup.sizes.output()),
            setup,
        })
    }

    /// Sets the evolved parameter vector (length [`Setup::dim`]).
    pub fn set_params(&mut self, p: &[f32]) -> Result<()> {
        self.setup.split(p)?;
        self.params.copy_from_slice(p);
        Ok(())
    }

    /// The current parameters.
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// Loads candidate `i` of `state`'s generation and returns its weight-decay penalty.
    pub fn set_candidate(&mut self, state: &EsState, i: usize) -> Result<f64> {
        if state.params.len() != self.setup.dim {
            return Err(Error::WrongLength {
                what: "the ES state's parameter vector".into(),
                got: state.params.len(),
                expected: self.setup.dim,
            });
        }
        state.candidate(i, &mut self.params);
        Ok(state.penalty(&self.params, self.setup.cfg.es.weight_decay))
    }

    /// Starts an episode with seed `seed`: the initial weights, as the trainer draws them.
    pub fn begin(&mut self, seed: u64) -> Result<()> {
        let setup = &self.setup;
        let parts = setup.split(&self.params)?;
        if setup.cfg.static_weights {
            self.net.set_weights(parts.head)?;
        } else if setup.init == WeightInit::Coevolve {
            self.net.set_weights(parts.init)?;
        } else {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(weight_seed(seed));
            self.net.reset_weights(setup.init, &mut rng)?;
        }
        if let Some(w) = self.window.as_mut() {
            w.reset();
        }
        Ok(())
    }

    /// One step: the network (and its Hebbian update) on `obs`, then the action mapping.
    pub fn act(&mut self, obs: &[f32]) -> Result<Act<'_>> {
        let setup = &self.setup;
        if obs.len() != setup.obs_dim {
            return Err(Error::WrongLength {
                what: "observation".into(),
                got: obs.len(),
                expected: setup.obs_dim,
            });
        }
        let parts = setup.split(&self.params)?;
        let input = match self.cnn.as_deref_mut() {
            Some(cnn) => &cnn.forward(parts.cnn, obs)?[..],
            None => obs,
        };
        let out = if setup.cfg.static_weights {
            self.net.forward(input)
        } else {
            let table = setup.rule_table(parts.head)?;
            match self.window.as_mut() {
                Some(w) => self.net.step_windowed(&table, input, w),
                None => self.net.step(&table, input),
            }
        };
        let out = match out {
            Ok(o) => o,
            Err(Error::Core(hebb_core::Error::NonFiniteObservation { .. })) => return Ok(Act::Aborted),
            Err(e) => return Err(e),
        };
        Ok(match setup.mapping.map(out, &mut self.act) {
            Action::Discrete(a) => Act::Discrete(a),
            Action::Continuous(a) => Act::Continuous(a),
        })
    }

    /// The network (weights and activity after the last step).
    pub fn net(&self) -> &dyn PlasticNet {
        self.net.as_ref()
    }
}
