//! The ant as a rapier3d multibody: one reduced-coordinate articulation (free torso root, eight
//! revolute joints), a half-space floor, torque control and the joint-limit rules.
//!
//! What is modelled (docs/environments.md, Quadruped, as pybullet simulates the MJCF ant):
//! * Torso: sphere r = 0.25 centred on the body frame, plus the four capsules fixed to it (the
//!   MJCF's jointless "aux" bodies are merged into the torso link, which is what a fixed joint
//!   does). Legs: upper-leg link (hip hinge about z) and lower-leg link (ankle hinge about the
//!   morphology's axis). All geoms density 1000 kg/m³.
//! * Contacts: friction coefficients 1.5 (robot) and 0.8 (floor), combined by product (1.2) as
//!   Bullet does; restitution 0 (robot) × 0.5 (floor) = 0. Self-collision between different legs;
//!   none between a link and its ancestors (pybullet loads with
//!   `URDF_USE_SELF_COLLISION_EXCLUDE_ALL_PARENTS`), so the torso only touches the floor (no leg can
//!   reach it anyway within its ranges).
//! * Damping: no joint damping (rapier's default 0.1 per DoF is removed). Bullet's 0.04 linear and
//!   angular damping is applied to the root's free DoFs as 0.04·total mass and 0.04·torso inertia
//!   (multibody links ignore rigid-body damping; Bullet's extra quadratic term is left out).
//! * Torques: each hinge torque τ is applied as equal and opposite external torques ±τ·axis on
//!   the child and parent links, which is exactly the generalised force τ on that joint.
//! * Time: `substeps` pipeline steps of `dt` per env step, each with `solver_iterations`
//!   internal substeps (rapier 0.36's `num_solver_iterations` substeps inside one collision pass).
//!
//! [`Physics::Pybullet`] adds the three things pybullet 3.2.7 does differently from an exact
//! rigid-body model, each measured against pybullet itself:
//! * Limits by depth (Bullet's `btMultiBodyJointLimitConstraint` under pybullet's solver
//!   settings): a joint past its limit by at most [`BULLET_LIMIT_SLOP`] (0.04 rad, Bullet's
//!   split-impulse penetration threshold) is pushed back with Bullet's non-contact error reduction
//!   [`BULLET_LIMIT_ERP`] (0.2 per 4.125 ms substep); one further out is only blocked: it moves
//!   towards its range freely, its velocity away from the range is stopped, and it is never
//!   pulled back (Bullet drops the position error of such a row, since pybullet's multibody solver
//!   ignores the split-impulse part). With the feet on the floor and the motor pushing a blocked
//!   joint outwards, Bullet's five Gauss–Seidel iterations let it through slowly (an ankle 0.4 rad
//!   past its limit under a constant outward torque drifts 0.1–0.5 rad further over 1000 steps;
//!   in the air, or without an outward torque, it holds); that leak is modelled as constraint
//!   compliance [`LIMIT_LEAK_CFM`] on a blocking row whose motor torque points outwards while a
//!   foot touches the floor, so the joint yields at a rate proportional to the load it holds. Implemented by setting each rapier
//!   limit's softness before each pipeline step from the joint's depth and torque.
//! * Link inertia: Bullet's MJCF loader gives each link the inertia of the box spanned by its
//!   compound shape's bounding box plus a 0.04 m collision margin on each side, about axes
//!   aligned with the link frame (the foot gets diag(0.526, 0.526, 0.923) kg·m² instead of a
//!   capsule's). Masses and centres of mass are exact.
//! * Non-unit hinge axes: the MJCF ankle axes (±1, 1, 0) have length √2 = s, and Bullet uses the
//!   raw axis in the dynamics (a joint velocity q̇ spins the foot at s·q̇ as far as the mass matrix,
//!   the generalised forces and the contact Jacobians are concerned) while the kinematics rotate
//!   by q about the unit axis (`q += h·q̇`). In terms of the dynamic velocity x' = s·q̇ that is the
//!   exact rigid-body dynamics with motor torque τ/s, and an angle that advances at only 1/s of
//!   it. Emulated exactly so: motor torque τ/s, and after each pipeline step the ankle angle's
//!   change is scaled by 1/s ([`AntBody::step`]); joint velocities read back as the angle's rate
//!   x'/s, as pybullet reports them. A one-step torque impulse in free flight then gives
//!   pybullet's joint and torso velocities to within 1 % (the test
//!   `raw_axis_impulse_response_is_pybullets`).
//!
//! [`Physics::Exact`] is the rigid-body model without those quirks: capsule inertia, unit axes,
//! ordinary limits that push an out-of-range joint back.

use rapier3d::prelude::*;

mod build;

/// Gravity (m/s²), as the pybullet scene sets it.
pub const GRAVITY: f32 = 9.8;
/// Friction coefficient of the robot's geoms (MJCF `friction="1.5 …"`).
pub const ROBOT_FRICTION: f32 = 1.5;
/// Friction coefficient of the floor (pybullet's stadium/plane).
pub const FLOOR_FRICTION: f32 = 0.8;
/// Restitution of the floor; the robot's is 0 and Bullet multiplies them.
pub const FLOOR_RESTITUTION: f32 = 0.5;
/// Bullet's default linear and angular damping of multibody links.
pub const BULLET_DAMPING: f32 = 0.04;
/// Foot height above the floor (m) below which a foot counts as touching it (Bullet keeps
/// manifold points up to its contact-breaking threshold, 0.02).
pub const CONTACT_THRESHOLD: f32 = 0.02;

/// Bullet's default collision margin (m), which its inertia estimate includes.
pub const BULLET_MARGIN: f32 = 0.04;

/// Depth past a limit (rad) up to which Bullet pushes a joint back (`btContactSolverInfo`'s
/// `m_splitImpulsePenetrationThreshold`, 0.04; deeper rows keep only their velocity part).
pub const BULLET_LIMIT_SLOP: f32 = 0.04;
/// Error reduction per Bullet substep of a limit row within [`BULLET_LIMIT_SLOP`] (`m_erp`, 0.2).
pub const BULLET_LIMIT_ERP: f32 = 0.2;
/// Compliance (rapier's CFM coefficient) of a blocking (deep) limit row whose motor torque points
/// outwards, so the joint yields at a rate proportional to its load. Fitted to pybullet's ankles
/// under constant torque (0.05; 0.1 leaks about twice as fast as pybullet).
pub const LIMIT_LEAK_CFM: f32 = 0.05;

/// Which dynamics the ant has (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Physics {
    /// pybullet's: blocking limits, bounding-box inertia, raw-axis ankle dynamics.
    Pybullet,
    /// An exact rigid-body model with ordinary limits.
    Exact,
}

/// Time stepping and solver settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimParams {
    /// Simulated time per env step (s).
    pub env_dt: f32,
    /// rapier pipeline steps (collision passes) per env step.
    pub substeps: usize,
    /// rapier `num_solver_iterations` (internal substeps) per pipeline step.
    pub solver_iterations: usize,
    /// rapier `normalized_prediction_distance` (m, with length unit 1).
    pub prediction_distance: f32,
}

impl Default for SimParams {
    /// The tuned settings: one 16.5 ms pipeline step of 4 internal substeps per env step.
    fn default() -> Self {
        SimParams { env_dt: 0.0165, substeps: 1, solver_iterations: 4, prediction_distance: 0.1 }
    }
}

impl SimParams {
    /// pybullet's own stepping: 4 pipeline steps of 4.125 ms, one internal substep each.
    pub fn reference() -> Self {
        SimParams { env_dt: 0.0165, substeps: 4, solver_iterations: 1, prediction_distance: 0.1 }
    }
}

/// Everything read back from the simulation after a step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Readout {
    /// Torso centre (m).
    pub torso_pos: [f32; 3],
    /// Torso orientation quaternion `[x, y, z, w]`.
    pub torso_quat: [f32; 4],
    /// Linear velocity of the torso centre, world frame (m/s).
    pub torso_vel: [f32; 3],
    /// pybullet's `body_xyz` (x, y): the mean over its 22 "parts" — the torso, per leg the
    /// hip-mount, upper- and lower-leg centres and the hip and ankle pivots (massless joint
    /// links), and the floor at the origin. So a translation Δ of the ant moves it by 21/22·Δ.
    pub parts_xy: [f64; 2],
    /// Joint angles (rad), joint order.
    pub q: [f32; 8],
    /// Joint velocities (rad/s).
    pub qd: [f32; 8],
    /// Whether each lower leg touches the floor.
    pub feet_on_floor: [bool; 4],
}

/// Robot parts whose mean position is pybullet's `body_xyz` (the floor is one more).
const N_PARTS: usize = 21;

/// The simulated ant.
pub struct AntBody {
    world: PhysicsWorld,
    torso: RigidBodyHandle,
    /// Child link of each joint (upper leg k at 2k, lower leg k at 2k + 1).
    links: [RigidBodyHandle; 8],
    /// Parent link of each joint.
    parents: [RigidBodyHandle; 8],
    /// Each hinge axis in its child's frame (unit).
    axes: [Vector; 8],
    link_ids: [usize; 8],
    dofs: [usize; 8],
    mb: MultibodyIndex,
    /// Lower-leg end points in the lower-leg frame: (ankle = origin, tip).
    feet_tip: [Vector; 4],
    radii: [f32; 4],
    /// Part centres as (body, local point).
    parts: [(RigidBodyHandle, Vector); N_PARTS],
    limits: [[f32; 2]; 8],
    /// Factor on each motor torque (1/s for a raw axis of length s under pybullet physics).
    torque_scale: [f32; 8],
    /// Rate of each joint angle per unit of its dynamic velocity (1/s for a raw axis).
    gear: [f32; 8],
    /// Limit softness (within [`BULLET_LIMIT_SLOP`], further out) under pybullet physics.
    limit_softness: Option<[SpringCoefficients<f32>; 2]>,
    substeps: usize,
    total_mass: f32,
}

impl AntBody {
    /// Total mass (kg).
    pub fn total_mass(&self) -> f32 {
        self.total_mass
    }

    /// The nominal joint ranges, joint order.
    pub fn limits(&self) -> [[f32; 2]; 8] {
        self.limits
    }

    /// The motor-torque factor per joint (1/|axis| for the raw-axis ankles of pybullet physics).
    pub fn torque_scale(&self) -> [f32; 8] {
        self.torque_scale
    }

    fn multibody(&self) -> &Multibody {
        &self.world.multibody_joints[self.mb]
    }

    /// Joint angles (rad).
    pub fn joint_angles(&self) -> [f32; 8] {
        let mb = self.multibody();
        self.link_ids.map(|lid| mb.link(lid).map_or(0.0, |l| l.joint.coords()[3]))
    }

    /// Joint velocities (rad/s): the rate of each joint angle (for a raw-axis ankle 1/s of its
    /// dynamic velocity, as pybullet reports it).
    pub fn joint_velocities(&self) -> [f32; 8] {
        let v = self.multibody().generalized_velocity();
        std::array::from_fn(|j| v[self.dofs[j]] * self.gear[j])
    }

    /// Sets each limit's softness for the coming pipeline step from the joint's depth past it and
    /// the direction of its motor torque `tau` (pybullet physics; see the module documentation).
    fn update_limit_softness(&mut self, tau: &[f32; 8]) {
        let Some([shallow, leaky]) = self.limit_softness else { return };
        let q = self.joint_angles();
        let grounded = (0..4).any(|k| self.foot_on_floor(k));
        let Some(mb) = self.world.multibody_joints.get_multibody_mut(self.mb) else { return };
        for (j, &lid) in self.link_ids.iter().enumerate() {
            let [lo, hi] = self.limits[j];
            let depth = (lo - q[j]).max(q[j] - hi);
            let outward = if q[j] < lo { -tau[j] } else { tau[j] };
            if let Some(link) = mb.link_mut(lid) {
                link.joint.data.softness = if depth <= BULLET_LIMIT_SLOP {
                    shallow
                } else if grounded && outward > 0.0 {
                    leaky
                } else {
                    SpringCoefficients::new(0.0, 1.0)
                };
            }
        }
    }

    /// Scales the change of each raw-axis joint angle over the last pipeline step (from `q0`) by
    /// its gear and moves the links accordingly; velocities are left as they are.
    fn apply_gear(&mut self, q0: [f32; 8]) {
        let q1 = self.joint_angles();
        let Some(mb) = self.world.multibody_joints.get_multibody_mut(self.mb) else { return };
        for (j, &lid) in self.link_ids.iter().enumerate() {
            if self.gear[j] != 1.0
                && let Some(link) = mb.link_mut(lid)
            {
                link.joint.apply_displacement(&[(q1[j] - q0[j]) * (self.gear[j] - 1.0)]);
            }
        }
        mb.forward_kinematics(&self.world.bodies, false);
        mb.update_rigid_bodies(&mut self.world.bodies, true);
    }

    /// Advances one env step with hinge torques `tau` (N·m, joint order; must be finite).
    pub fn step(&mut self, tau: [f32; 8]) {
        let geared = self.gear.iter().any(|&g| g != 1.0);
        for _ in 0..self.substeps {
            self.update_limit_softness(&tau);
            let q0 = self.joint_angles();
            for h in std::iter::once(self.torso).chain(self.links) {
                self.world.bodies[h].reset_torques(false);
            }
            for (j, &tj) in tau.iter().enumerate() {
                let child = &mut self.world.bodies[self.links[j]];
                let t = (*child.rotation() * self.axes[j]) * (tj * self.torque_scale[j]);
                child.add_torque(t, false);
                self.world.bodies[self.parents[j]].add_torque(-t, false);
            }
            self.world.step();
            if geared {
                self.apply_gear(q0);
            }
        }
    }

    /// Reads the state the environment needs.
    pub fn readout(&self) -> Readout {
        let tb = &self.world.bodies[self.torso];
        let tp = tb.translation();
        let tq = *tb.rotation();
        let tv = tb.velocity_at_point(tp);
        let (mut sx, mut sy) = (0.0f64, 0.0f64);
        for (h, p) in self.parts {
            let w = self.world.bodies[h].position().transform_point(p);
            sx += w.x as f64;
            sy += w.y as f64;
        }
        // The floor, at the origin, is pybullet's 22nd part.
        let n = (N_PARTS + 1) as f64;
        let feet_on_floor = std::array::from_fn(|k| self.foot_on_floor(k));
        Readout {
            torso_pos: [tp.x, tp.y, tp.z],
            torso_quat: [tq.x, tq.y, tq.z, tq.w],
            torso_vel: [tv.x, tv.y, tv.z],
            parts_xy: [sx / n, sy / n],
            q: self.joint_angles(),
            qd: self.joint_velocities(),
            feet_on_floor,
        }
    }

    /// Whether lower leg `k` is within [`CONTACT_THRESHOLD`] of the floor.
    fn foot_on_floor(&self, k: usize) -> bool {
        self.foot_low(k) <= CONTACT_THRESHOLD
    }

    /// Height above the floor of lower leg `k`'s lowest point (m; negative inside the floor).
    pub fn foot_low(&self, k: usize) -> f32 {
        let pose = self.world.bodies[self.links[2 * k + 1]].position();
        let (a, b) = (pose.translation, pose.transform_point(self.feet_tip[k]));
        a.z.min(b.z) - self.radii[k]
    }

    /// Per leg, the world positions of the hip joint, the ankle joint and the foot tip (for
    /// drawing).
    pub fn skeleton(&self) -> [[[f32; 3]; 3]; 4] {
        let at = |h: RigidBodyHandle| {
            let p = self.world.bodies[h].translation();
            [p.x, p.y, p.z]
        };
        std::array::from_fn(|k| [at(self.links[2 * k]), at(self.links[2 * k + 1]), self.foot_tip(k)])
    }

    /// World position of the tip of lower leg `k` (for tests and plots).
    pub fn foot_tip(&self, k: usize) -> [f32; 3] {
        let p = self.world.bodies[self.links[2 * k + 1]].position().transform_point(self.feet_tip[k]);
        [p.x, p.y, p.z]
    }
}

#[cfg(test)]
mod tests;
