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

use super::morphology::{DENSITY, Morphology, TORSO_RADIUS};

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
/// Damping ratio of the shallow limit's spring (high, so its compliance is negligible).
const LIMIT_DAMPING_RATIO: f32 = 10.0;
/// Position pull-back rate (1/s) of the blocking row: rapier couples error reduction and
/// compliance, so a compliant row pulls back a little; this makes it negligible.
const LIMIT_LEAK_PULLBACK: f32 = 0.001;

/// The rapier softness of a limit row within [`BULLET_LIMIT_SLOP`] for internal substep `h`:
/// error reduction [`BULLET_LIMIT_ERP`] per substep, with negligible compliance.
fn shallow_limit_softness(h: f32) -> SpringCoefficients<f32> {
    // erp = ω·h / (ω·h + 2ζ)  ⇒  ω = 2ζ·erp / ((1 − erp)·h).
    let z = LIMIT_DAMPING_RATIO;
    let omega = 2.0 * z * BULLET_LIMIT_ERP / ((1.0 - BULLET_LIMIT_ERP) * h);
    SpringCoefficients::new(omega / std::f32::consts::TAU, z)
}

/// The rapier softness of a blocking limit row for internal substep `h`: compliance
/// [`LIMIT_LEAK_CFM`] and a negligible pull-back rate [`LIMIT_LEAK_PULLBACK`].
fn deep_limit_softness(h: f32) -> SpringCoefficients<f32> {
    // For a small erp, rapier's erp/h ≈ ω/(2ζ) = a and cfm ≈ 1/(4ζ²·a·h).
    let a = LIMIT_LEAK_PULLBACK;
    let z = (1.0 / (4.0 * a * h * LIMIT_LEAK_CFM)).sqrt();
    SpringCoefficients::new(2.0 * z * a / std::f32::consts::TAU, z)
}

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

fn v3(a: [f32; 3]) -> Vector {
    Vector::new(a[0], a[1], a[2])
}

/// A segment collider from `a` to `b` (a ball when they coincide).
fn segment(a: Vector, b: Vector, radius: f32) -> ColliderBuilder {
    if (b - a).length() < 1e-6 {
        ColliderBuilder::ball(radius).translation(a)
    } else {
        ColliderBuilder::capsule_from_endpoints(a, b, radius)
    }
}

/// Bullet's inertia estimate for a capsule link from `a` to `b` (link-frame axes): exact mass
/// and centre, inertia of the bounding box grown by the collision margin.
fn bullet_mass_properties(a: Vector, b: Vector, radius: f32) -> MassProperties {
    use std::f32::consts::PI;
    let len = (b - a).length();
    let mass = DENSITY * (PI * radius * radius * len + 4.0 / 3.0 * PI * radius.powi(3));
    let e = (b - a).abs() + Vector::splat(2.0 * (radius + BULLET_MARGIN));
    let k = mass / 12.0;
    let inertia =
        Vector::new(k * (e.y * e.y + e.z * e.z), k * (e.x * e.x + e.z * e.z), k * (e.x * e.x + e.y * e.y));
    MassProperties::new(0.5 * (a + b), mass, inertia)
}

fn groups(member: u32, filter: u32) -> InteractionGroups {
    InteractionGroups::new(
        Group::from_bits_truncate(member),
        Group::from_bits_truncate(filter),
        InteractionTestMode::And,
    )
}

/// Robot parts whose mean position is pybullet's `body_xyz` (the floor is one more).
const N_PARTS: usize = 21;

const FLOOR_BIT: u32 = 1;
const TORSO_BIT: u32 = 2;
/// Group bit of leg `k` (both its links).
fn leg_bit(k: usize) -> u32 {
    4 << k
}
const ALL_LEGS: u32 = 0b1111 << 2;

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
    /// Builds the ant with the torso centre at (0, 0, `torso_z`), identity orientation, joint
    /// angles `q` and zero velocities.
    pub fn new(morph: &Morphology, q: [f32; 8], torso_z: f32, physics: Physics, sim: SimParams) -> AntBody {
        let bullet = physics == Physics::Pybullet;
        let mut world = PhysicsWorld::new();
        world.gravity = Vector::new(0.0, 0.0, -GRAVITY);
        let substeps = sim.substeps.max(1);
        let ip = &mut world.integration_parameters;
        ip.dt = sim.env_dt / substeps as f32;
        ip.num_solver_iterations = sim.solver_iterations.max(1);
        ip.normalized_prediction_distance = sim.prediction_distance;

        let floor = ColliderBuilder::new(SharedShape::halfspace(Vector::Z))
            .friction(FLOOR_FRICTION)
            .friction_combine_rule(CoefficientCombineRule::Multiply)
            .restitution(FLOOR_RESTITUTION)
            .restitution_combine_rule(CoefficientCombineRule::Multiply)
            .collision_groups(groups(FLOOR_BIT, u32::MAX));
        world.insert_collider(floor, None);

        let robot = |c: ColliderBuilder, member: u32, filter: u32| {
            c.friction(ROBOT_FRICTION)
                .friction_combine_rule(CoefficientCombineRule::Multiply)
                .restitution(0.0)
                .restitution_combine_rule(CoefficientCombineRule::Multiply)
                .collision_groups(groups(member, filter))
        };
        // A segment collider with the mass properties the physics asks for.
        let seg = |a: Vector, b: Vector, r: f32| {
            let c = segment(a, b, r);
            if bullet { c.mass_properties(bullet_mass_properties(a, b, r)) } else { c.density(DENSITY) }
        };
        let softness = if bullet {
            // Velocity-only limits: no positional correction.
            SpringCoefficients::new(0.0, 1.0)
        } else {
            SpringCoefficients::joint_defaults()
        };
        let body = |p: Vector| RigidBodyBuilder::dynamic().translation(p).can_sleep(false);

        let centre = Vector::new(0.0, 0.0, torso_z);
        let torso = world.insert_body(body(centre));
        let ball = ColliderBuilder::ball(TORSO_RADIUS).density(DENSITY);
        world.insert_collider(robot(ball, TORSO_BIT, FLOOR_BIT), Some(torso));

        let mut links = [torso; 8];
        let mut parents = [torso; 8];
        let mut axes = [Vector::Z; 8];
        let mut limits = [[0.0; 2]; 8];
        let mut feet_tip = [Vector::ZERO; 4];
        let mut radii = [0.0; 4];
        let mut parts = [(torso, Vector::ZERO); N_PARTS];
        let mut torque_scale = [1.0; 8];
        for (k, leg) in morph.legs.iter().enumerate() {
            let (mount, upper, lower) = (v3(leg.hip_mount), v3(leg.upper), v3(leg.lower));
            let member = leg_bit(k);
            let filter = FLOOR_BIT | (ALL_LEGS & !member);
            let r = leg.radius;
            world.insert_collider(robot(seg(Vector::ZERO, mount, r), TORSO_BIT, FLOOR_BIT), Some(torso));
            let thigh = world.insert_body(body(centre + mount));
            world.insert_collider(robot(seg(Vector::ZERO, upper, r), member, filter), Some(thigh));
            let foot = world.insert_body(body(centre + mount + upper));
            world.insert_collider(robot(seg(Vector::ZERO, lower, r), member, filter), Some(foot));

            let raw_axis = v3(leg.ankle_axis);
            let ankle_axis = raw_axis.normalize();
            if bullet {
                // Raw-axis dynamics; an axis shorter than 1 is treated as unit.
                torque_scale[2 * k + 1] = 1.0 / raw_axis.length().max(1.0);
            }
            let hip = RevoluteJointBuilder::new(Vector::Z)
                .local_anchor1(mount)
                .local_anchor2(Vector::ZERO)
                .limits(leg.hip_range)
                .softness(softness)
                .contacts_enabled(false);
            let ankle = RevoluteJointBuilder::new(ankle_axis)
                .local_anchor1(upper)
                .local_anchor2(Vector::ZERO)
                .limits(leg.ankle_range)
                .softness(softness)
                .contacts_enabled(false);
            world.insert_multibody_joint(torso, thigh, hip).expect("a tree never makes a cycle");
            world.insert_multibody_joint(thigh, foot, ankle).expect("a tree never makes a cycle");

            links[2 * k] = thigh;
            links[2 * k + 1] = foot;
            parents[2 * k] = torso;
            parents[2 * k + 1] = thigh;
            axes[2 * k] = Vector::Z;
            axes[2 * k + 1] = ankle_axis;
            limits[2 * k] = leg.hip_range;
            limits[2 * k + 1] = leg.ankle_range;
            feet_tip[k] = lower;
            radii[k] = r;
            // pybullet's parts of this leg: hip-mount capsule, hip joint link, upper leg, ankle
            // joint link, lower leg (the joint links are massless frames at the pivots).
            parts[1 + 5 * k] = (torso, 0.5 * mount);
            parts[2 + 5 * k] = (thigh, Vector::ZERO);
            parts[3 + 5 * k] = (thigh, 0.5 * upper);
            parts[4 + 5 * k] = (foot, Vector::ZERO);
            parts[5 + 5 * k] = (foot, 0.5 * lower);
        }

        let id = |h: RigidBodyHandle| {
            *world.multibody_joints.rigid_body_link(h).expect("every link is in the multibody")
        };
        let mb = id(torso).multibody;
        let link_ids = links.map(|h| id(h).id);
        let total_mass: f32 = world.bodies.iter().map(|(_, b)| b.mass()).sum();
        let torso_inertia = {
            let i = world.bodies[torso].mass_properties().local_mprops.principal_inertia();
            (i.x + i.y + i.z) / 3.0
        };

        let multibody = world.multibody_joints.get_multibody_mut(mb).expect("just built");
        // Take the root pose from the torso body (the free root joint starts at the identity).
        multibody.forward_kinematics(&world.bodies, true);
        for (j, &lid) in link_ids.iter().enumerate() {
            let joint = &mut multibody.link_mut(lid).expect("link id from the set").joint;
            joint.apply_displacement(&[q[j]]);
        }
        multibody.forward_kinematics(&world.bodies, false);
        multibody.update_rigid_bodies(&mut world.bodies, true);
        let dofs = link_ids.map(|lid| multibody.link(lid).expect("link id from the set").assembly_id());
        let damping = multibody.damping_mut();
        damping.fill(0.0);
        for d in 0..3 {
            damping[d] = BULLET_DAMPING * total_mass;
            damping[3 + d] = BULLET_DAMPING * torso_inertia;
        }
        let h = sim.env_dt / (substeps * sim.solver_iterations.max(1)) as f32;
        let limit_softness = bullet.then(|| [shallow_limit_softness(h), deep_limit_softness(h)]);

        AntBody {
            world,
            torso,
            links,
            parents,
            axes,
            link_ids,
            dofs,
            mb,
            feet_tip,
            radii,
            parts,
            limits,
            torque_scale,
            gear: torque_scale,
            limit_softness,
            substeps,
            total_mass,
        }
    }

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
        let pose = self.world.bodies[self.links[2 * k + 1]].position();
        let (a, b) = (pose.translation, pose.transform_point(self.feet_tip[k]));
        a.z.min(b.z) - self.radii[k] <= CONTACT_THRESHOLD
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
mod tests {
    use super::*;

    fn build(q: [f32; 8], physics: Physics) -> AntBody {
        AntBody::new(&Morphology::standard(), q, 0.75, physics, SimParams::default())
    }

    fn capsule_mass(len: f32) -> f32 {
        let r: f32 = 0.08;
        std::f32::consts::PI * r * r * len * 1000.0 + 4.0 / 3.0 * std::f32::consts::PI * r.powi(3) * 1000.0
    }

    #[test]
    fn mass_is_that_of_density_1000_in_both_physics() {
        let torso = 4.0 / 3.0 * std::f32::consts::PI * 0.25f32.powi(3) * 1000.0;
        let d = 0.2 * 2f32.sqrt();
        let expect = torso + 4.0 * (2.0 * capsule_mass(d) + capsule_mass(2.0 * d));
        assert!((capsule_mass(d) - 7.83).abs() < 0.01 && (capsule_mass(2.0 * d) - 13.52).abs() < 0.01);
        for p in [Physics::Pybullet, Physics::Exact] {
            let b = build([0.0; 8], p);
            assert!((b.total_mass() - expect).abs() < 0.05, "{p:?}: {} vs {expect}", b.total_mass());
        }
    }

    #[test]
    fn bullet_inertia_matches_pybullets_numbers() {
        // pybullet 3.2.7 reports diag(0.5263, 0.5263, 0.9229) for the foot and
        // diag(0.1639, 0.1639, 0.2527) for the upper leg.
        let foot = bullet_mass_properties(Vector::ZERO, Vector::new(0.4, 0.4, 0.0), 0.08);
        let i = foot.principal_inertia();
        assert!((foot.mass() - 13.518).abs() < 1e-3);
        assert!(
            (i.x - 0.5263).abs() < 1e-4 && (i.y - 0.5263).abs() < 1e-4 && (i.z - 0.9229).abs() < 1e-4,
            "{i:?}"
        );
        let upper = bullet_mass_properties(Vector::ZERO, Vector::new(-0.2, 0.2, 0.0), 0.08);
        let i = upper.principal_inertia();
        assert!((i.x - 0.1639).abs() < 1e-4 && (i.z - 0.2527).abs() < 1e-4, "{i:?}");
    }

    /// The standing pose, torso at 5 m, without gravity.
    fn floating(q: [f32; 8]) -> AntBody {
        let mut b = AntBody::new(&Morphology::standard(), q, 5.0, Physics::Pybullet, SimParams::default());
        b.world.gravity = Vector::ZERO;
        b
    }
    const STANDING: [f32; 8] = [0.0, 1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 1.0];

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 0.003 + 0.02 * b.abs()
    }

    #[test]
    fn raw_axis_impulse_response_is_pybullets() {
        let b = build([0.0; 8], Physics::Pybullet);
        let s = b.torque_scale();
        assert!((s[1] - 0.5f32.sqrt()).abs() < 1e-6 && s[0] == 1.0, "{s:?}");
        assert_eq!(build([0.0; 8], Physics::Exact).torque_scale(), [1.0; 8]);
        // pybullet 3.2.7, gravity off, the standing pose, 100 N·m on one joint for one env step
        // (tools: getJointState and getBaseVelocity after one stepSimulation).
        let cases = [
            (
                1,
                [0.0, 0.7231, 0.1023, -0.0078, 0.0, 0.1948, -0.1023, 0.0078],
                [0.0147, 0.0147, 0.0087, 0.1002, -0.1002, 0.0],
            ),
            (
                0,
                [1.2109, -0.0025, 0.6837, 0.1032, 0.6126, 0.0008, 0.6837, 0.1016],
                [0.0172, -0.0170, -0.0001, -0.0394, -0.0396, -0.4419],
            ),
        ];
        for (joint, qd_pb, root_pb) in cases {
            let mut b = floating(STANDING);
            let mut tau = [0.0; 8];
            tau[joint] = 100.0;
            b.step(tau);
            let qd = b.joint_velocities();
            let v = b.multibody().generalized_velocity();
            for j in 0..8 {
                assert!(
                    close(qd[j], qd_pb[j]),
                    "torque on {joint}: joint {j} {} vs pybullet {}",
                    qd[j],
                    qd_pb[j]
                );
            }
            for i in 0..6 {
                assert!(
                    close(v[i], root_pb[i]),
                    "torque on {joint}: torso dof {i} {} vs pybullet {}",
                    v[i],
                    root_pb[i]
                );
            }
        }
        // The ankle angle advances at its reported rate: pybullet 0.0117 rad per step over the
        // next ten torque-free steps.
        let mut b = floating(STANDING);
        b.step([0.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let q0 = b.joint_angles()[1];
        for _ in 0..10 {
            b.step([0.0; 8]);
        }
        let rate = (b.joint_angles()[1] - q0) / 10.0;
        assert!((rate - 0.0117).abs() < 0.0006, "{rate}");
    }

    #[test]
    fn slightly_violated_limits_push_back_and_deeper_ones_only_block() {
        // pybullet 3.2.7, gravity off: hip 1 started 0.01 rad past its upper limit returns into
        // its range; started 0.05 rad past it stays where it is.
        let hi = Morphology::standard().legs[0].hip_range[1];
        let mut q = STANDING;
        q[0] = hi + 0.01;
        let mut b = floating(q);
        for _ in 0..8 {
            b.step([0.0; 8]);
        }
        assert!(b.joint_angles()[0] < hi + 0.002, "{} vs limit {hi}", b.joint_angles()[0]);
        q[0] = hi + 0.05;
        let mut b = floating(q);
        for _ in 0..8 {
            b.step([0.0; 8]);
        }
        assert!((b.joint_angles()[0] - (hi + 0.05)).abs() < 0.002, "{}", b.joint_angles()[0]);
        // Exact physics has ordinary limits: no depth rule.
        assert!(build([0.0; 8], Physics::Exact).limit_softness.is_none());
    }

    #[test]
    fn initial_angles_are_applied_with_mjcf_signs() {
        // Positive ankle angle on legs 1 and 4 bends the foot down, negative on legs 2 and 3.
        let pose = [0.0, 1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 1.0];
        let b = build(pose, Physics::Exact);
        let q = b.joint_angles();
        for (j, v) in pose.iter().enumerate() {
            assert!((q[j] - v).abs() < 1e-5, "joint {j}: {}", q[j]);
        }
        let drop = 0.4 * 2f32.sqrt() * 1f32.sin();
        for k in 0..4 {
            assert!((b.foot_tip(k)[2] - (0.75 - drop)).abs() < 1e-4, "leg {k}: {:?}", b.foot_tip(k));
        }
        // A positive hip angle turns leg 1 counter-clockwise about the hip.
        let b = build([0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], Physics::Exact);
        let t = b.foot_tip(0);
        let (s, c) = 0.5f32.sin_cos();
        let expect = [0.2 + 0.6 * (c - s), 0.2 + 0.6 * (s + c)];
        assert!((t[0] - expect[0]).abs() < 1e-4 && (t[1] - expect[1]).abs() < 1e-4, "{t:?} vs {expect:?}");
    }

    #[test]
    fn torque_turns_the_joint_its_way() {
        let mut b = build([0.0; 8], Physics::Exact);
        let mut tau = [0.0; 8];
        tau[0] = 100.0;
        tau[2] = -100.0;
        b.step(tau);
        let qd = b.joint_velocities();
        assert!(qd[0] > 0.1 && qd[2] < -0.1, "{qd:?}");
    }

    #[test]
    fn out_of_range_joints_are_blocked_outwards_and_free_inwards() {
        // In the air, ankle 1 (range [30°, 100°]) starts at 0: torque away from the range does
        // not move it, torque towards the range does, and nothing pulls it back afterwards.
        let mut b = build([0.0; 8], Physics::Pybullet);
        let mut tau = [0.0; 8];
        tau[1] = -250.0;
        for _ in 0..3 {
            b.step(tau);
        }
        assert!(b.joint_angles()[1].abs() < 1e-3, "{:?}", b.joint_angles());
        tau[1] = 250.0;
        for _ in 0..3 {
            b.step(tau);
        }
        let q = b.joint_angles()[1];
        assert!(q > 0.05 && q < b.limits()[1][0], "{q}");
        tau[1] = -250.0;
        for _ in 0..3 {
            b.step(tau);
        }
        let q2 = b.joint_angles()[1];
        assert!(q2 > q - 0.02 && q2 < b.limits()[1][0], "pulled back or pushed out: {q} → {q2}");
        // Exact physics pushes the same out-of-range joint back into its range.
        let mut e = build([0.0; 8], Physics::Exact);
        e.step([0.0; 8]);
        e.step([0.0; 8]);
        assert!(e.joint_angles()[1] > 0.4, "{:?}", e.joint_angles());
    }
}
