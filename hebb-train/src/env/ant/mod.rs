//! The quadruped: pybullet's `AntBulletEnv-v0` (docs/environments.md, Quadruped) on rapier3d, with morphologies as data.
//!
//! Two variants:
//! * `ant-bullet` ([`Variant::Bullet`], the default) reproduces what the paper trained on: every
//!   joint starts at U(−0.1, 0.1) rad, which puts the ankles outside their ranges, and a limit
//!   pushes a joint back only within 0.04 rad of it (further out it only keeps the joint from
//!   moving further out), link inertias and ankle dynamics are Bullet's
//!   ([`body::Physics::Pybullet`]). With zero
//!   torque the ant falls flat within about 20 steps and the episode ends.
//! * `ant` ([`Variant::Mjcf`]) starts in the MJCF's standing pose (ankles ±1 rad, plus the same
//!   noise) with ordinary limits.
//!
//! Per step: torque = 2.5·100·clip(a, −1, 1) N·m per hinge, 16.5 ms of simulated time, then the
//! observation of [`obs`] and the Gym reward `alive + progress + electricity + joints_at_limit`;
//! `terminated` when alive < 0 (torso centre at or below 0.26 m) or the state is not finite,
//! `truncated` at 1000 steps. As in pybullet the foot-contact flags in an observation are those
//! of the *previous* step (`calc_state` runs before the contacts are updated), so they lag by one
//! step and are all 0 after reset.
//!
//! Actions: a `Continuous` slice, read as 8 values in joint order (hip_1, ankle_1, …, ankle_4);
//! missing entries and non-finite ones (NaN, ±∞) count as 0, so bad input neither panics nor
//! poisons the simulation. A `Discrete` action is a zero action. The electricity cost uses the
//! action unclipped, as pybullet does.
//!
//! With [`AntConfig::paper_fitness`] the environment runs the paper's protocol instead (see
//! [`protocol`]): `reset` performs the 40 zero-action burn-in steps (they count against the 1000),
//! the reward is progress only, and the stop rule ends the episode with `truncated`.
//!
//! Determinism: `reset` rebuilds the simulation from scratch, so the same seed gives the same
//! episode bit for bit.

pub mod body;
pub mod draw;
pub mod fidelity;
pub mod landing;
pub mod morphology;
pub mod obs;
pub mod protocol;

use rand::RngExt;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use self::body::{AntBody, Physics, SimParams};
pub use self::morphology::{MORPHOLOGIES, Morphology};
use self::obs::OBS_DIM;
use self::protocol::PaperStop;
use super::{Action, Env, Space, Step};
use crate::error::{Error, Result};

/// Torque per unit action: `power 2.5 × power_coef 100` (N·m).
pub const TORQUE_SCALE: f32 = 250.0;
/// Episode length limit (env steps, burn-in included).
pub const MAX_STEPS: u32 = 1000;
/// Height of the torso centre at reset (m).
pub const START_Z: f32 = 0.75;
/// Half-width of the uniform initial joint-angle noise (rad).
pub const INIT_NOISE: f32 = 0.1;

/// The registered ant variants, with a one-line description each.
pub const VARIANTS: &[(&str, &str)] = &[
    ("ant-bullet", "pybullet AntBulletEnv-v0 as the paper trained on it (28 obs, 8 torques)"),
    ("ant", "the MJCF ant standing in its own pose with ordinary joint limits (28 obs, 8 torques)"),
];

/// Which physical behaviour the ant has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// `ant-bullet`: pybullet's initial state and limit behaviour.
    #[default]
    Bullet,
    /// `ant`: the MJCF standing pose and ordinary limits.
    Mjcf,
}

impl Variant {
    /// The registry name.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Bullet => "ant-bullet",
            Variant::Mjcf => "ant",
        }
    }

    /// The variant registered as `name`.
    pub fn from_name(name: &str) -> Option<Variant> {
        match name {
            "ant-bullet" => Some(Variant::Bullet),
            "ant" => Some(Variant::Mjcf),
            _ => None,
        }
    }

    /// The dynamics of this variant.
    pub fn physics(self) -> Physics {
        match self {
            Variant::Bullet => Physics::Pybullet,
            Variant::Mjcf => Physics::Exact,
        }
    }

    /// Joint angles before noise: all 0 for `ant-bullet`; for `ant` the hips at 0 and each ankle
    /// at ±1 rad towards its range (the MJCF `init_qpos`), clamped into the range.
    pub fn base_pose(self, m: &Morphology) -> [f32; 8] {
        std::array::from_fn(|j| {
            let leg = &m.legs[j / 2];
            if self == Variant::Bullet || j % 2 == 0 {
                return 0.0;
            }
            let [lo, hi] = leg.ankle_range;
            let toward = if lo + hi >= 0.0 { 1.0 } else { -1.0 };
            f32::clamp(toward, lo, hi)
        })
    }
}

/// Everything that defines an ant environment.
#[derive(Debug, Clone, PartialEq)]
pub struct AntConfig {
    /// Physical variant.
    pub variant: Variant,
    /// Body.
    pub morphology: Morphology,
    /// Run the paper's fitness protocol (burn-in, progress-only reward, early stop).
    pub paper_fitness: bool,
    /// Time stepping and solver settings.
    pub sim: SimParams,
}

impl Default for AntConfig {
    fn default() -> Self {
        AntConfig {
            variant: Variant::Bullet,
            morphology: Morphology::standard(),
            paper_fitness: false,
            sim: SimParams::default(),
        }
    }
}

/// The reward terms of one step (Gym's `env.rewards`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Terms {
    /// +1 / −1.
    pub alive: f32,
    /// Potential difference (≈ metres towards the target per 16.5 ms, over 0.0165).
    pub progress: f32,
    /// Electricity and stall-torque cost.
    pub electricity: f32,
    /// Joints-at-limit cost.
    pub joints_at_limit: f32,
}

/// The ant environment.
pub struct AntEnv {
    cfg: AntConfig,
    name: String,
    body: AntBody,
    ranges: [[f32; 2]; 8],
    z0: f32,
    potential: f64,
    contacts: [f32; 4],
    steps: u32,
    obs: [f32; OBS_DIM],
    ended: Option<Step>,
    paper: PaperStop,
    terms: Terms,
}

impl AntEnv {
    /// An environment; call [`Env::reset`] before stepping.
    pub fn new(cfg: AntConfig) -> Result<AntEnv> {
        cfg.morphology.validate()?;
        let pose = cfg.variant.base_pose(&cfg.morphology);
        let body = AntBody::new(&cfg.morphology, pose, START_Z, cfg.variant.physics(), cfg.sim);
        let ranges = body.limits();
        let name = cfg.variant.name().to_string();
        Ok(AntEnv {
            cfg,
            name,
            body,
            ranges,
            z0: START_Z,
            potential: 0.0,
            contacts: [0.0; 4],
            steps: 0,
            obs: [0.0; OBS_DIM],
            ended: Some(Step { reward: 0.0, terminated: true, truncated: false }),
            paper: PaperStop::new(),
            terms: Terms::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AntConfig {
        &self.cfg
    }

    /// The simulated body (read-only; for tests, plots and diagnostics).
    pub fn body(&self) -> &AntBody {
        &self.body
    }

    /// Env steps taken in this episode (burn-in included).
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// The reward terms of the last step.
    pub fn terms(&self) -> Terms {
        self.terms
    }

    /// One physics step with sanitised action `a`; updates obs, potential, contacts, terms.
    /// Returns (the Gym `done` by the task's rule, the state was finite).
    fn advance(&mut self, a: &[f32; 8]) -> (bool, bool) {
        let tau = a.map(|v| TORQUE_SCALE * v.clamp(-1.0, 1.0));
        self.body.step(tau);
        self.steps += 1;
        let r = self.body.readout();
        let finite = obs::write(&r, self.z0, &self.ranges, self.contacts, &mut self.obs);
        let alive = obs::alive(r.torso_pos[2]);
        let old = self.potential;
        self.potential = obs::potential(r.parts_xy);
        let progress = (self.potential - old) as f32;
        self.contacts = r.feet_on_floor.map(|c| if c { 1.0 } else { 0.0 });
        let qd = r.qd.map(|v| if v.is_finite() { v } else { 0.0 });
        let q = r.q.map(|v| if v.is_finite() { v } else { 0.0 });
        self.terms = Terms {
            alive,
            progress: if progress.is_finite() { progress } else { 0.0 },
            electricity: obs::electricity(a, &qd),
            joints_at_limit: obs::joints_at_limit(&q, &self.ranges),
        };
        (alive < 0.0 || !finite, finite)
    }
}

fn sanitise(action: Action<'_>) -> [f32; 8] {
    match action {
        Action::Continuous(a) => {
            std::array::from_fn(|j| a.get(j).copied().filter(|v| v.is_finite()).unwrap_or(0.0))
        }
        Action::Discrete(_) => [0.0; 8],
    }
}

impl Env for AntEnv {
    fn name(&self) -> &str {
        &self.name
    }
    /// The paper's quadruped: no weight normalisation, and its fitness protocol (burn-in,
    /// progress only, early stop).
    fn task(&self) -> crate::env::Task {
        crate::env::Task { normalize: false, fitness_protocol: true, ..Default::default() }
    }
    fn body_position(&self) -> Option<[f32; 3]> {
        Some(self.body.readout().torso_pos)
    }
    fn draw(&self, rgb: &mut Vec<u8>) -> Option<[usize; 2]> {
        Some(draw::draw(&self.body, rgb))
    }
    fn obs_dim(&self) -> usize {
        OBS_DIM
    }
    fn action_space(&self) -> Space {
        Space::Box { low: vec![-1.0; 8], high: vec![1.0; 8] }
    }
    fn reset(&mut self, seed: u64, obs: &mut [f32]) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let base = self.cfg.variant.base_pose(&self.cfg.morphology);
        let q: [f32; 8] = std::array::from_fn(|j| base[j] + rng.random_range(-INIT_NOISE..INIT_NOISE));
        self.body = AntBody::new(&self.cfg.morphology, q, START_Z, self.cfg.variant.physics(), self.cfg.sim);
        let r = self.body.readout();
        self.z0 = r.torso_pos[2];
        self.contacts = [0.0; 4];
        obs::write(&r, self.z0, &self.ranges, self.contacts, &mut self.obs);
        self.potential = obs::potential(r.parts_xy);
        self.steps = 0;
        self.ended = None;
        self.paper = PaperStop::new();
        self.terms = Terms::default();
        if self.cfg.paper_fitness {
            for _ in 0..protocol::BURN_IN {
                self.advance(&[0.0; 8]);
            }
        }
        obs[..OBS_DIM].copy_from_slice(&self.obs);
    }
    fn step(&mut self, action: Action<'_>, obs: &mut [f32]) -> Step {
        if let Some(end) = self.ended {
            // Stepping a finished episode: nothing moves and nothing is earned.
            obs[..OBS_DIM].copy_from_slice(&self.obs);
            return Step { reward: 0.0, ..end };
        }
        let a = sanitise(action);
        let (done, finite) = self.advance(&a);
        let limit = self.steps >= MAX_STEPS;
        let t = self.terms;
        let step = if self.cfg.paper_fitness {
            let stop = self.paper.after_step(t.progress, done || limit);
            Step { reward: t.progress, terminated: !finite, truncated: finite && (stop || limit) }
        } else {
            let reward = t.alive + t.progress + t.electricity + t.joints_at_limit;
            Step { reward, terminated: done, truncated: !done && limit }
        };
        if step.done() {
            self.ended = Some(step);
        }
        obs[..OBS_DIM].copy_from_slice(&self.obs);
        step
    }
}

/// Builds an ant environment: `name` is a variant (`ant-bullet` or `ant`), `morphology` a
/// named morphology (default `standard`) or a path ending in `.json`, and `paper_fitness`
/// selects the paper's fitness protocol.
pub fn make(name: &str, morphology: Option<&str>, paper_fitness: bool) -> Result<AntEnv> {
    let variant = Variant::from_name(name).ok_or_else(|| Error::UnknownEnv {
        name: name.to_string(),
        known: VARIANTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
    })?;
    let morphology = Morphology::resolve(morphology.unwrap_or("standard"))?;
    AntEnv::new(AntConfig { variant, morphology, paper_fitness, sim: SimParams::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_actions_are_zero_actions() {
        assert_eq!(
            sanitise(Action::Continuous(&[f32::NAN, 1.0, f32::INFINITY])),
            [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(sanitise(Action::Discrete(3)), [0.0; 8]);
        let a = [0.5; 12];
        assert_eq!(sanitise(Action::Continuous(&a)), [0.5; 8]);
    }

    #[test]
    fn standing_pose_points_ankles_into_their_ranges() {
        let m = Morphology::standard();
        assert_eq!(Variant::Mjcf.base_pose(&m), [0.0, 1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 1.0]);
        assert_eq!(Variant::Bullet.base_pose(&m), [0.0; 8]);
    }

    #[test]
    fn stepping_before_reset_is_harmless() {
        let mut e = AntEnv::new(AntConfig::default()).unwrap();
        let mut o = [1.0; OBS_DIM];
        let s = e.step(Action::Continuous(&[1.0; 8]), &mut o);
        assert!(s.done() && s.reward == 0.0);
        assert_eq!(e.steps(), 0);
    }
}
