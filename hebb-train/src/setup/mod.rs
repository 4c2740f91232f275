//! What a run trains: the environment, the agent (mode, rule, network) and the ES settings —
//! the `config.json` of a run directory — and the parameter layout derived from it.

use std::str::FromStr;

use hebb_core::{CoeffLayout, Coefficients, Kernel, Plasticity, RuleKind, RuleTable, Shape, WeightInit};

use crate::env::{Env, EnvFactory, FrontEnd, Task};
use crate::error::{Error, Result};
use crate::policy::{self, ActionMapping, PlasticNet, make_net, net_config};

mod config;
mod presets;

pub(crate) use config::pool;
pub use config::{
    ExternalEnv, MAX_EPISODES, MAX_POP, MAX_THREADS, MAX_VARIANTS, Merge, RuleOptions, RuleScope,
    SharedRules, TrainConfig, check_count, check_threads, parse_init,
};
pub use presets::{CAR_ENV, ant_preset, ant_short_preset, car_preset, car_short_preset};

/// A validated configuration with everything derived from it, and the factory of its
/// environments.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The configuration.
    pub cfg: TrainConfig,
    /// Builds the run's environments.
    pub env: EnvFactory,
    /// What the environment declared about its task.
    pub task: Task,
    /// The rule (meaningful for Hebbian runs).
    pub rule: RuleKind,
    /// Weight initialisation.
    pub init: WeightInit,
    /// Network sizes (of the head, after the CNN, where there is one).
    pub sizes: Shape,
    /// Length of the environment's observation (the CNN's input where there is one).
    pub obs_dim: usize,
    /// Number of evolved CNN weights (0: no CNN front end).
    pub n_cnn: usize,
    /// Output → action mapping.
    pub mapping: ActionMapping,
    /// Whether layers are normalised.
    pub normalize: bool,
    /// Length of the evolved vector.
    pub dim: usize,
    /// Length of its first (penalised) block: the rule coefficients, or the weights of a
    /// static run.
    pub n_penalized: usize,
    /// How the rule's coefficients map onto synapses.
    pub layout: CoeffLayout,
    /// How often the Hebbian update runs and over how many steps it averages.
    pub plasticity: Plasticity,
    /// The shared rules after a merge ([`CoeffLayout::Shared`]); `None` before.
    pub shared: Option<SharedRules>,
}

/// The blocks of a parameter vector: `[head | cnn | init]` (the rule file's order).
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    /// Rule coefficients (Hebbian) or weights (static), interchange layout.
    pub head: &'a [f32],
    /// CNN weights (empty without a CNN).
    pub cnn: &'a [f32],
    /// Co-evolved initial weights (empty unless `--init coevolve`).
    pub init: &'a [f32],
}

impl Setup {
    /// Validates `cfg` (names, sizes, population) and derives the layout, for the built-in
    /// environment `cfg.env` names.
    pub fn new(cfg: TrainConfig) -> Result<Self> {
        cfg.validate()?;
        let env = match &cfg.external {
            // Stepped outside hebb (the `hebb` Python package): the layout comes from the
            // recorded spaces, and nothing here can build one.
            Some(_) => {
                let name = cfg.env.clone();
                EnvFactory::new(cfg.env.clone(), move |_| Err(Error::NotBuiltIn { env: name.clone() }))
            }
            None => EnvFactory::builtin(&cfg.env)?,
        };
        Setup::with_env(cfg, env)
    }

    /// Like [`Setup::new`], for the environments `env` builds (a user's own, or a built-in).
    /// The run records `env`'s name as its `cfg.env`.
    pub fn with_env(mut cfg: TrainConfig, env: EnvFactory) -> Result<Self> {
        cfg.validate()?;
        cfg.env = env.name().to_string();
        let rule = RuleKind::from_str(&cfg.rule).map_err(|_| Error::BadValue {
            what: "rule",
            flag: "--rule",
            field: "rule",
            value: cfg.rule.clone(),
            expected: format!("one of {}", RuleKind::ALL.map(|r| r.name()).join(", ")),
        })?;
        let init = parse_init(&cfg.init)?;
        if cfg.static_weights && init == WeightInit::Coevolve {
            return Err(Error::Conflict {
                option: "--init coevolve",
                with: "--static",
                why: "--static evolves the weights themselves; drop --init coevolve".into(),
            });
        }
        let (task, obs_dim, space) = match &cfg.external {
            Some(x) => {
                if crate::env::ENVS.iter().any(|(n, _)| *n == cfg.env) {
                    return Err(Error::External {
                        msg: format!(
                            "`{}` is a built-in environment; an external one needs another name",
                            cfg.env
                        ),
                    });
                }
                if !cfg.variants.is_empty() || cfg.paper_fitness {
                    return Err(Error::Conflict {
                        option: "--morphologies, --paper-fitness",
                        with: "an external environment",
                        why: "an external environment has no variants and no paper fitness protocol".into(),
                    });
                }
                (Task::default(), x.obs_dim, x.action_space()?)
            }
            None => {
                let first = env.make(cfg.variants.first().map(String::as_str), cfg.paper_fitness)?;
                for v in cfg.variants.iter().skip(1) {
                    env.make(Some(v), cfg.paper_fitness)?;
                }
                (first.task(), first.obs_dim(), first.action_space())
            }
        };
        if cfg.paper_fitness && !task.fitness_protocol {
            return Err(Error::NoFitnessProtocol { env: cfg.env.clone() });
        }
        let (n_in, n_cnn) = match task.front_end {
            FrontEnd::Raw => (obs_dim, 0),
            FrontEnd::CarCnn if obs_dim == hebb_core::cnn::IN_LEN => {
                (hebb_core::cnn::OUT_LEN, hebb_core::cnn::N_WEIGHTS)
            }
            FrontEnd::CarCnn => {
                return Err(Error::WrongLength {
                    what: format!(
                        "environment `{}` asks for the CNN front end (3×84×84 values); its observation",
                        cfg.env
                    ),
                    got: obs_dim,
                    expected: hebb_core::cnn::IN_LEN,
                });
            }
        };
        let sizes = policy::shape(n_in, &cfg.hidden, space.n_outputs())?;
        let mapping = ActionMapping::for_task(task.actions, &space)?;
        let normalize = cfg.normalize.unwrap_or(task.normalize);
        let n_syn = sizes.n_synapses();
        let layout = match cfg.options.scope {
            RuleScope::Synapse => CoeffLayout::PerSynapse,
            RuleScope::Neuron => CoeffLayout::PerNeuron,
        };
        let (dim, n_penalized) = if cfg.static_weights {
            (n_syn + n_cnn, n_syn)
        } else {
            let n_c = layout.n_coefficients(rule, &sizes);
            (n_c + n_cnn + if init == WeightInit::Coevolve { n_syn } else { 0 }, n_c)
        };
        let plasticity = cfg.options.plasticity()?;
        Ok(Setup {
            cfg,
            env,
            task,
            rule,
            init,
            sizes,
            obs_dim,
            n_cnn,
            mapping,
            normalize,
            dim,
            n_penalized,
            layout,
            plasticity,
            shared: None,
        })
    }

    /// This setup after a merge to `shared` rules: the rule block becomes `n_rules` rules
    /// (shared layout), the rest of the vector is unchanged.
    pub fn with_shared(&self, shared: SharedRules) -> Result<Setup> {
        if self.cfg.static_weights || self.layout == CoeffLayout::PerNeuron {
            return Err(Error::Conflict {
                option: "rule merging",
                with: "--static or --rule-scope neuron",
                why: "only per-synapse rules can be merged".into(),
            });
        }
        if shared.index.len() != self.sizes.n_synapses()
            || shared.n_rules == 0
            || shared.n_rules > hebb_core::MAX_SHARED_RULES
            || shared.index.iter().any(|&i| usize::from(i) >= shared.n_rules)
        {
            return Err(Error::Config(format!(
                "shared rules: {} indices for {} synapses, {} rules",
                shared.index.len(),
                self.sizes.n_synapses(),
                shared.n_rules
            )));
        }
        let n_c = shared.n_rules * self.rule.n_coeffs();
        let rest = self.dim - self.n_penalized;
        Ok(Setup {
            dim: n_c + rest,
            n_penalized: n_c,
            layout: CoeffLayout::Shared,
            shared: Some(shared),
            ..self.clone()
        })
    }

    /// The rule table of a parameter vector's rule block (`Parts::head`), in this setup's
    /// layout.
    pub fn rule_table<'a>(&'a self, head: &'a [f32]) -> Result<RuleTable<'a>> {
        let data = Coefficients::F32(head);
        Ok(match &self.shared {
            Some(s) => RuleTable::shared(self.rule, self.sizes, data, &s.index)?,
            None => RuleTable::with_layout(self.rule, self.layout, self.sizes, data)?,
        })
    }

    /// Splits a parameter vector of length [`Setup::dim`] into its blocks.
    pub fn split<'a>(&self, params: &'a [f32]) -> Result<Parts<'a>> {
        if params.len() != self.dim {
            return Err(Error::WrongLength {
                what: "parameter vector".into(),
                got: params.len(),
                expected: self.dim,
            });
        }
        let (head, rest) = params.split_at(self.n_penalized);
        let (cnn, init) = rest.split_at(self.n_cnn);
        Ok(Parts { head, cnn, init })
    }

    /// The environment variants evaluated (at least one: `None` is the default).
    pub fn variants(&self) -> Vec<Option<String>> {
        if self.cfg.variants.is_empty() {
            vec![None]
        } else {
            self.cfg.variants.iter().cloned().map(Some).collect()
        }
    }

    /// Builds the environment for a variant (with the fitness protocol if the run uses it).
    pub fn make_env(&self, variant: Option<&str>) -> Result<Box<dyn Env>> {
        self.env.make(variant, self.cfg.paper_fitness)
    }

    /// Builds the network, with the fastest kernel (all kernels give the same bits).
    pub fn make_net(&self) -> Result<Box<dyn PlasticNet>> {
        make_net(&self.sizes, net_config(&self.mapping, self.normalize, Kernel::best()))
    }
}
