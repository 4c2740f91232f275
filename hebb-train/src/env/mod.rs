//! Environments. Every environment implements [`Env`] and describes its task ([`Env::task`]);
//! [`EnvFactory`] builds them for the trainer — the built-ins by name ([`make`]), or a user's
//! own.

use crate::error::{Error, Result};

/// An action space.
#[derive(Debug, Clone, PartialEq)]
pub enum Space {
    /// `n` discrete actions; the policy picks one by argmax over `n` outputs.
    Discrete(usize),
    /// A box `[low, high]` per dimension; the policy's outputs are clipped to it.
    Box {
        /// Lower bounds.
        low: Vec<f32>,
        /// Upper bounds.
        high: Vec<f32>,
    },
}

impl Space {
    /// Number of network outputs this space needs.
    pub fn n_outputs(&self) -> usize {
        match self {
            Space::Discrete(n) => *n,
            Space::Box { low, .. } => low.len(),
        }
    }
}

/// An action handed to [`Env::step`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action<'a> {
    /// Index of a discrete action.
    Discrete(usize),
    /// A continuous action (already clipped to the box by the caller).
    Continuous(&'a [f32]),
}

/// What one environment step returns besides the observation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Step {
    /// The reward of this step.
    pub reward: f32,
    /// The episode ended by the task's own rule (failure, success, falling, …).
    pub terminated: bool,
    /// The episode was cut by a time limit (or an evaluation protocol's early stop).
    pub truncated: bool,
}

impl Step {
    /// `terminated || truncated`.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// A reinforcement-learning environment, Gymnasium style.
pub trait Env: Send {
    /// The registered name (`cartpole`, `pendulum`, `ant-bullet`, …).
    fn name(&self) -> &str;
    /// Length of the observation vector.
    fn obs_dim(&self) -> usize;
    /// The action space.
    fn action_space(&self) -> Space;
    /// Starts a new episode from `seed` and writes the first observation into `obs`
    /// (`obs.len() == obs_dim()`).
    fn reset(&mut self, seed: u64, obs: &mut [f32]);
    /// Advances one step and writes the next observation into `obs`.
    fn step(&mut self, action: Action<'_>, obs: &mut [f32]) -> Step;
    /// World position of the body the task moves (the quadruped's torso), where there is one;
    /// used for plots of the distance walked.
    fn body_position(&self) -> Option<[f32; 3]> {
        None
    }
    /// Draws the current state into `rgb` (replacing its contents; `[r, g, b]` bytes per pixel,
    /// row-major, top row first) and returns `[width, height]`, where the environment can be
    /// drawn (the car: its own 96×96 state; the quadruped: a simple oblique projection;
    /// CartPole and Pendulum: simple 2-D drawings). Used by `hebb render`.
    fn draw(&self, rgb: &mut Vec<u8>) -> Option<[usize; 2]> {
        let _ = rgb;
        None
    }
    /// What the task needs from the trainer: observation front end, action mapping,
    /// normalisation default, whether there is a fitness protocol of its own. The default suits
    /// most environments (raw observations, actions from the space, normalisation on).
    fn task(&self) -> Task {
        Task::default()
    }
}

/// An RGB picture: `rgb` holds `width × height` pixels, row-major, top row first.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `[r, g, b]` bytes per pixel.
    pub rgb: &'a [u8],
}

pub mod ant;
pub mod canvas;
pub mod car;
pub mod cartpole;
pub mod pendulum;
pub mod task;

pub use task::{Actions, EnvFactory, EnvRequest, FrontEnd, Task};

/// Names accepted by [`make`], with a one-line description each.
pub const ENVS: &[(&str, &str)] = &[
    ("cartpole", "Gymnasium CartPole-v1 (4 observations, 2 discrete actions)"),
    ("pendulum", "Gymnasium Pendulum-v1 (3 observations, 1 continuous action)"),
    ("ant-bullet", "pybullet AntBulletEnv-v0 as the paper trained on it; variant = morphology"),
    ("ant", "the MJCF ant standing with ordinary joint limits; variant = morphology"),
    ("car-racing", "gym 0.17 CarRacing-v0 (3×84×84 pixels, 3 continuous actions: steer, gas, brake)"),
];

/// Builds a built-in environment by name, without a fitness protocol. `variant` selects a
/// morphology or similar where the environment has them; environments without variants reject
/// any.
pub fn make(name: &str, variant: Option<&str>) -> Result<Box<dyn Env>> {
    make_builtin(name, EnvRequest { variant, fitness_protocol: false })
}

/// Fails with [`Error::UnknownEnv`] unless `name` is a built-in.
pub(crate) fn check_builtin(name: &str) -> Result<()> {
    if ENVS.iter().any(|(n, _)| *n == name) { Ok(()) } else { Err(unknown(name)) }
}

fn unknown(name: &str) -> Error {
    Error::UnknownEnv {
        name: name.to_string(),
        known: ENVS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
    }
}

/// The built-ins' factory.
pub(crate) fn make_builtin(name: &str, r: EnvRequest<'_>) -> Result<Box<dyn Env>> {
    let plain = |env: Box<dyn Env>| {
        if let Some(v) = r.variant {
            return Err(Error::NoVariant { env: name.to_string(), variant: v.to_string() });
        }
        if r.fitness_protocol && !env.task().fitness_protocol {
            return Err(Error::NoFitnessProtocol { env: name.to_string() });
        }
        Ok(env)
    };
    match name {
        "cartpole" => plain(Box::new(cartpole::CartPole::new())),
        "pendulum" => plain(Box::new(pendulum::Pendulum::new())),
        "ant-bullet" | "ant" => Ok(Box::new(ant::make(name, r.variant, r.fitness_protocol)?)),
        "car-racing" => plain(Box::new(car::CarRacing::new(r.fitness_protocol))),
        _ => Err(unknown(name)),
    }
}
