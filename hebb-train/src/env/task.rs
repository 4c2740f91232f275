//! What an environment asks of the trainer ([`Task`], returned by [`Env::task`]) and how the
//! trainer builds environments ([`EnvFactory`]): the built-ins by name, or any environment a
//! user hands in through the library.

use std::fmt;
use std::sync::Arc;

use super::Env;
use crate::error::{Error, Result};

/// How the environment's observation reaches the plastic network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FrontEnd {
    /// The observation vector is the network's input.
    #[default]
    Raw,
    /// A 3×84×84 image through the car's fixed-architecture CNN, whose weights are evolved with
    /// the rule (`hebb_core::cnn`); the network sees its `hebb_core::cnn::OUT_LEN` features.
    CarCnn,
}

/// How the network's outputs become actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Actions {
    /// From the action space: argmax over raw outputs for a discrete space, tanh outputs
    /// clipped to the box for a continuous one.
    #[default]
    FromSpace,
    /// The car's `[tanh(o0), sigmoid(o1), sigmoid(o2)]` of raw outputs (steer, gas, brake).
    Car,
}

/// What an environment's task needs from the trainer, declared by the environment itself
/// ([`Env::task`]) rather than keyed on its name. [`Task::default`] suits most environments:
/// raw observations, actions from the space, per-layer weight normalisation, no fitness
/// protocol of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Observation front end.
    pub front_end: FrontEnd,
    /// Output → action mapping.
    pub actions: Actions,
    /// Default of `--normalize` (per-layer max-|w| normalisation after each Hebbian update)
    /// when the configuration leaves it unset.
    pub normalize: bool,
    /// The environment has an evaluation protocol of its own (the paper's: the quadruped's
    /// burn-in and early stop, the car's early stop) that `paper_fitness` switches on; the
    /// factory is then asked for environments with [`EnvRequest::fitness_protocol`] set.
    pub fitness_protocol: bool,
}

impl Default for Task {
    fn default() -> Self {
        Task {
            front_end: FrontEnd::Raw,
            actions: Actions::FromSpace,
            normalize: true,
            fitness_protocol: false,
        }
    }
}

/// What the trainer asks an [`EnvFactory`] for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvRequest<'a> {
    /// The variant (a morphology or similar); `None`: the environment's default.
    pub variant: Option<&'a str>,
    /// Run the environment's own fitness protocol ([`Task::fitness_protocol`]).
    pub fitness_protocol: bool,
}

type Build = dyn Fn(EnvRequest<'_>) -> Result<Box<dyn Env>> + Send + Sync;

/// Builds the environments of one task: one per variant, per worker thread, per evaluation.
/// Cheap to clone (shared).
///
/// The built-ins come from [`EnvFactory::builtin`] (what `hebb train --env NAME` uses); a
/// user's own environment from [`EnvFactory::new`]:
///
/// ```
/// use hebb_train::env::{EnvFactory, cartpole::CartPole};
/// let f = EnvFactory::new("my-cartpole", |_variant| Ok(Box::new(CartPole::new())));
/// assert_eq!(f.make(None, false).unwrap().obs_dim(), 4);
/// ```
#[derive(Clone)]
pub struct EnvFactory {
    name: String,
    build: Arc<Build>,
}

impl fmt::Debug for EnvFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvFactory").field("name", &self.name).finish_non_exhaustive()
    }
}

impl EnvFactory {
    /// A factory for an environment without a fitness protocol of its own: `build` gets the
    /// variant (`None`: the default) and should reject variants it does not know with an
    /// error. `name` is what the run's `config.json` records as its `env`.
    pub fn new(
        name: impl Into<String>,
        build: impl Fn(Option<&str>) -> Result<Box<dyn Env>> + Send + Sync + 'static,
    ) -> Self {
        let name = name.into();
        let label = name.clone();
        EnvFactory {
            name,
            build: Arc::new(move |r: EnvRequest<'_>| {
                if r.fitness_protocol {
                    return Err(Error::NoFitnessProtocol { env: label.clone() });
                }
                build(r.variant)
            }),
        }
    }

    /// A factory that also builds environments running their own fitness protocol (for an
    /// environment whose [`Env::task`] declares [`Task::fitness_protocol`]).
    pub fn with_protocol(
        name: impl Into<String>,
        build: impl Fn(EnvRequest<'_>) -> Result<Box<dyn Env>> + Send + Sync + 'static,
    ) -> Self {
        EnvFactory { name: name.into(), build: Arc::new(build) }
    }

    /// One of hebb's built-in environments, by name (see [`super::ENVS`]).
    pub fn builtin(name: &str) -> Result<Self> {
        super::check_builtin(name)?;
        let owned = name.to_string();
        Ok(EnvFactory::with_protocol(name, move |r| super::make_builtin(&owned, r)))
    }

    /// The name runs record.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Builds an environment for `variant`, with its fitness protocol if `fitness_protocol`.
    pub fn make(&self, variant: Option<&str>, fitness_protocol: bool) -> Result<Box<dyn Env>> {
        (self.build)(EnvRequest { variant, fitness_protocol })
    }
}
