//! A robot of your own: a two-link planar arm on rapier2d that must bring its fingertip to a
//! target from a random pose, rewarded by minus the fingertip's distance each step (and a small
//! effort penalty). Nothing in hebb knows this environment; it only implements [`Env`] (and keeps the
//! default [`Env::task`]: raw observations, tanh actions clipped to the box, normalisation on).

use std::f32::consts::PI;

use hebb_train::env::{Action, Env, Space, Step};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rapier2d::prelude::*;

/// Length of each link (m).
pub const LINK: f32 = 0.5;
/// Largest joint torque (N·m); the actions are in [−1, 1].
pub const MAX_TORQUE: f32 = 0.5;
/// Steps per episode (2 s at 50 Hz).
pub const STEPS: u32 = 100;
/// Where the fingertip must go (m, shoulder at the origin).
pub const TARGET: [f32; 2] = [0.3, 0.7];
/// Observation: cos/sin of both joint angles, both joint speeds (÷10), the fingertip-to-target
/// vector.
pub const OBS: usize = 8;

/// The arm on a horizontal table (no gravity): a fixed shoulder, an upper arm and a forearm
/// joined by revolute joints, each driven by a torque motor.
pub struct Reacher {
    world: PhysicsWorld,
    links: [RigidBodyHandle; 2],
    /// Kept per arm so that a variant could move it.
    target: [f32; 2],
    steps: u32,
}

impl Default for Reacher {
    fn default() -> Self {
        Reacher::new()
    }
}

impl Reacher {
    /// An arm at rest, stretched along +x; [`Env::reset`] draws a new pose.
    pub fn new() -> Self {
        let (world, links) = build(0.0, 0.0);
        Reacher { world, links, target: TARGET, steps: 0 }
    }

    /// Absolute angles of the two links.
    fn angles(&self) -> [f32; 2] {
        self.links.map(|h| self.world.bodies[h].rotation().angle())
    }

    /// The fingertip's position.
    pub fn tip(&self) -> [f32; 2] {
        let [a1, a2] = self.angles();
        [LINK * (a1.cos() + a2.cos()), LINK * (a1.sin() + a2.sin())]
    }

    fn distance(&self) -> f32 {
        let [x, y] = self.tip();
        ((x - self.target[0]).powi(2) + (y - self.target[1]).powi(2)).sqrt()
    }

    fn observe(&self, obs: &mut [f32]) {
        let [a1, a2] = self.angles();
        let q2 = a2 - a1;
        let [w1, w2] = self.links.map(|h| self.world.bodies[h].angvel());
        let [x, y] = self.tip();
        let v = [a1.cos(), a1.sin(), q2.cos(), q2.sin(), w1 / 10.0, (w2 - w1) / 10.0];
        obs[..6].copy_from_slice(&v);
        obs[6] = self.target[0] - x;
        obs[7] = self.target[1] - y;
    }
}

/// The world with the shoulder at the origin, the upper arm at angle `q1` and the forearm at
/// `q2` relative to it.
fn build(q1: f32, q2: f32) -> (PhysicsWorld, [RigidBodyHandle; 2]) {
    let mut world = PhysicsWorld::new();
    world.gravity = Vector::ZERO;
    world.integration_parameters.dt = 1.0 / 50.0;
    let base = world.insert_body(RigidBodyBuilder::fixed());
    let mut links = [base; 2];
    let mut parent = base;
    let (mut start, mut angle) = (Vector::ZERO, 0.0);
    for (k, q) in [q1, q2].into_iter().enumerate() {
        angle += q;
        let dir = Vector::new(angle.cos(), angle.sin());
        let body = RigidBodyBuilder::dynamic()
            .pose(Pose::new(start + dir * (LINK / 2.0), angle))
            .angular_damping(0.5)
            .can_sleep(false);
        let link = world.insert(body, ColliderBuilder::cuboid(LINK / 2.0, 0.03).density(10.0)).0;
        // The parent's anchor: the shoulder (origin) or the upper arm's far end.
        let anchor = if k == 0 { Vector::ZERO } else { Vector::new(LINK / 2.0, 0.0) };
        let joint = RevoluteJointBuilder::new()
            .local_anchor1(anchor)
            .local_anchor2(Vector::new(-LINK / 2.0, 0.0))
            .contacts_enabled(false);
        world.insert_impulse_joint(parent, link, joint);
        links[k] = link;
        parent = link;
        start += dir * LINK;
    }
    (world, links)
}

impl Env for Reacher {
    fn name(&self) -> &str {
        "reacher"
    }

    fn obs_dim(&self) -> usize {
        OBS
    }

    fn action_space(&self) -> Space {
        Space::Box { low: vec![-1.0; 2], high: vec![1.0; 2] }
    }

    fn reset(&mut self, seed: u64, obs: &mut [f32]) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        // Any shoulder angle, the elbow bent up to ±2 rad.
        let (q1, q2) = (rng.random_range(-PI..PI), rng.random_range(-2.0..2.0));
        (self.world, self.links) = build(q1, q2);
        self.steps = 0;
        self.observe(obs);
    }

    fn step(&mut self, action: Action<'_>, obs: &mut [f32]) -> Step {
        let a = match action {
            Action::Continuous(a) => a,
            Action::Discrete(_) => &[],
        };
        let torque = |i: usize| a.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0).clamp(-1.0, 1.0);
        let (t1, t2) = (torque(0) * MAX_TORQUE, torque(1) * MAX_TORQUE);
        // The shoulder motor turns the upper arm against the fixed base; the elbow motor turns
        // the forearm against the upper arm.
        let [upper, fore] = self.links;
        self.world.bodies[upper].reset_torques(true);
        self.world.bodies[upper].add_torque(t1 - t2, true);
        self.world.bodies[fore].reset_torques(true);
        self.world.bodies[fore].add_torque(t2, true);
        self.world.step();
        self.steps += 1;
        self.observe(obs);
        let reward = -self.distance() - 0.05 * (torque(0).powi(2) + torque(1).powi(2));
        Step { reward, terminated: false, truncated: self.steps >= STEPS }
    }
}
