//! The ant as a rapier3d multibody: one reduced-coordinate articulation (free torso root, eight
//! revolute joints), a half-space floor, torque control and the joint-limit rules.
//!
//! What is modelled (SPEC §5, as pybullet simulates the MJCF ant):
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
//! * Limits: rapier unilateral limit constraints on each hinge. [`LimitMode::Ratchet`] reproduces
//!   pybullet, where a limit only stops a joint that is out of range from moving further out and
//!   never pulls it back: the effective bound on each side is moved, before each step, to the
//!   joint's position if it is out of range (and only ever towards the nominal limit).
//! * Time: `substeps` pipeline steps of `dt` per env step, each with `solver_iterations`
//!   internal substeps (rapier 0.36's `num_solver_iterations` substeps inside one collision pass).

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

/// How joint limits act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitMode {
    /// Ordinary limits: a joint outside its range is pushed back into it.
    Fixed,
    /// pybullet's behaviour: out of range, a limit only blocks further violation.
    Ratchet,
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
    /// Mean (x, y) of the 13 part centres (torso, 4 hip mounts, 4 upper, 4 lower legs), as
    /// pybullet's `body_xyz`.
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

fn groups(member: u32, filter: u32) -> InteractionGroups {
    InteractionGroups::new(
        Group::from_bits_truncate(member),
        Group::from_bits_truncate(filter),
        InteractionTestMode::And,
    )
}

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
    parts: [(RigidBodyHandle, Vector); 13],
    limits: [[f32; 2]; 8],
    bounds: [[f32; 2]; 8],
    mode: LimitMode,
    substeps: usize,
    total_mass: f32,
}

impl AntBody {
    /// Builds the ant with the torso centre at (0, 0, `torso_z`), identity orientation, joint
    /// angles `q` and zero velocities.
    pub fn new(morph: &Morphology, q: [f32; 8], torso_z: f32, mode: LimitMode, sim: SimParams) -> AntBody {
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
            c.density(DENSITY)
                .friction(ROBOT_FRICTION)
                .friction_combine_rule(CoefficientCombineRule::Multiply)
                .restitution(0.0)
                .restitution_combine_rule(CoefficientCombineRule::Multiply)
                .collision_groups(groups(member, filter))
        };
        let body = |p: Vector| RigidBodyBuilder::dynamic().translation(p).can_sleep(false);

        let centre = Vector::new(0.0, 0.0, torso_z);
        let torso = world.insert_body(body(centre));
        world.insert_collider(robot(ColliderBuilder::ball(TORSO_RADIUS), TORSO_BIT, FLOOR_BIT), Some(torso));

        let mut links = [torso; 8];
        let mut parents = [torso; 8];
        let mut axes = [Vector::Z; 8];
        let mut limits = [[0.0; 2]; 8];
        let mut feet_tip = [Vector::ZERO; 4];
        let mut radii = [0.0; 4];
        let mut parts = [(torso, Vector::ZERO); 13];
        for (k, leg) in morph.legs.iter().enumerate() {
            let (mount, upper, lower) = (v3(leg.hip_mount), v3(leg.upper), v3(leg.lower));
            let member = leg_bit(k);
            let filter = FLOOR_BIT | (ALL_LEGS & !member);
            world.insert_collider(robot(segment(Vector::ZERO, mount, leg.radius), TORSO_BIT, FLOOR_BIT), Some(torso));
            let thigh = world.insert_body(body(centre + mount));
            world.insert_collider(robot(segment(Vector::ZERO, upper, leg.radius), member, filter), Some(thigh));
            let foot = world.insert_body(body(centre + mount + upper));
            world.insert_collider(robot(segment(Vector::ZERO, lower, leg.radius), member, filter), Some(foot));

            let ankle_axis = v3(leg.ankle_axis).normalize();
            let hip = RevoluteJointBuilder::new(Vector::Z)
                .local_anchor1(mount)
                .local_anchor2(Vector::ZERO)
                .limits(leg.hip_range)
                .contacts_enabled(false);
            let ankle = RevoluteJointBuilder::new(ankle_axis)
                .local_anchor1(upper)
                .local_anchor2(Vector::ZERO)
                .limits(leg.ankle_range)
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
            radii[k] = leg.radius;
            parts[1 + k] = (torso, 0.5 * mount);
            parts[5 + k] = (thigh, 0.5 * upper);
            parts[9 + k] = (foot, 0.5 * lower);
        }

        let id = |h: RigidBodyHandle| *world.multibody_joints.rigid_body_link(h).expect("every link is in the multibody");
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

        let mut ant = AntBody {
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
            bounds: limits,
            mode,
            substeps,
            total_mass,
        };
        ant.update_bounds();
        ant
    }

    /// Total mass (kg).
    pub fn total_mass(&self) -> f32 {
        self.total_mass
    }

    /// The nominal joint ranges, joint order.
    pub fn limits(&self) -> [[f32; 2]; 8] {
        self.limits
    }

    /// The effective limit bounds now in force (differ from [`Self::limits`] only in
    /// [`LimitMode::Ratchet`] while a joint is out of range).
    pub fn bounds(&self) -> [[f32; 2]; 8] {
        self.bounds
    }

    fn multibody(&self) -> &Multibody {
        &self.world.multibody_joints[self.mb]
    }

    /// Joint angles (rad).
    pub fn joint_angles(&self) -> [f32; 8] {
        let mb = self.multibody();
        self.link_ids.map(|lid| mb.link(lid).map_or(0.0, |l| l.joint.coords()[3]))
    }

    /// Joint velocities (rad/s).
    pub fn joint_velocities(&self) -> [f32; 8] {
        let v = self.multibody().generalized_velocity();
        self.dofs.map(|d| v[d])
    }

    /// Moves the ratchet bounds to the current angles (no-op in [`LimitMode::Fixed`]).
    fn update_bounds(&mut self) {
        if self.mode == LimitMode::Fixed {
            return;
        }
        let q = self.joint_angles();
        let (limits, link_ids) = (self.limits, self.link_ids);
        for j in 0..8 {
            let [lo, hi] = limits[j];
            let [blo, bhi] = self.bounds[j];
            // Out of range below: the bound follows the joint inwards, never outwards.
            let new = [lo.min(blo.max(q[j])), hi.max(bhi.min(q[j]))];
            if new != self.bounds[j] {
                self.bounds[j] = new;
                let mb = &mut self.world.multibody_joints.get_multibody_mut(self.mb).expect("built");
                if let Some(link) = mb.link_mut(link_ids[j]) {
                    link.joint.data.set_limits(JointAxis::AngX, new);
                }
            }
        }
    }

    /// Advances one env step with hinge torques `tau` (N·m, joint order; must be finite).
    pub fn step(&mut self, tau: [f32; 8]) {
        for _ in 0..self.substeps {
            self.update_bounds();
            for h in std::iter::once(self.torso).chain(self.links) {
                self.world.bodies[h].reset_torques(false);
            }
            for j in 0..8 {
                let child = &mut self.world.bodies[self.links[j]];
                let t = (*child.rotation() * self.axes[j]) * tau[j];
                child.add_torque(t, false);
                self.world.bodies[self.parents[j]].add_torque(-t, false);
            }
            self.world.step();
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
        let n = self.parts.len() as f64;
        let feet_on_floor = std::array::from_fn(|k| {
            let pose = self.world.bodies[self.links[2 * k + 1]].position();
            let (a, b) = (pose.translation, pose.transform_point(self.feet_tip[k]));
            a.z.min(b.z) - self.radii[k] <= CONTACT_THRESHOLD
        });
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

    /// World position of the tip of lower leg `k` (for tests and plots).
    pub fn foot_tip(&self, k: usize) -> [f32; 3] {
        let p = self.world.bodies[self.links[2 * k + 1]].position().transform_point(self.feet_tip[k]);
        [p.x, p.y, p.z]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(q: [f32; 8]) -> AntBody {
        AntBody::new(&Morphology::standard(), q, 0.75, LimitMode::Fixed, SimParams::default())
    }

    #[test]
    fn mass_is_that_of_density_1000() {
        let b = build([0.0; 8]);
        let r: f32 = 0.08;
        let cap = |len: f32| std::f32::consts::PI * r * r * len * 1000.0 + 4.0 / 3.0 * std::f32::consts::PI * r.powi(3) * 1000.0;
        let torso = 4.0 / 3.0 * std::f32::consts::PI * 0.25f32.powi(3) * 1000.0;
        let d = 0.2 * 2f32.sqrt();
        let expect = torso + 4.0 * (2.0 * cap(d) + cap(2.0 * d));
        assert!((b.total_mass() - expect).abs() < 0.05, "{} vs {expect}", b.total_mass());
        assert!((cap(d) - 7.83).abs() < 0.01 && (cap(2.0 * d) - 13.52).abs() < 0.01);
    }

    #[test]
    fn initial_angles_are_applied_with_mjcf_signs() {
        // Positive ankle angle on legs 1 and 4 bends the foot down, negative on legs 2 and 3.
        let b = build([0.0, 1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 1.0]);
        let q = b.joint_angles();
        for (j, v) in [0.0, 1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 1.0].iter().enumerate() {
            assert!((q[j] - v).abs() < 1e-5, "joint {j}: {}", q[j]);
        }
        let drop = 0.4 * 2f32.sqrt() * 1f32.sin();
        for k in 0..4 {
            assert!((b.foot_tip(k)[2] - (0.75 - drop)).abs() < 1e-4, "leg {k}: {:?}", b.foot_tip(k));
        }
        // A positive hip angle turns leg 1 counter-clockwise about z.
        let b = build([0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let t = b.foot_tip(0);
        let ang = t[1].atan2(t[0]);
        assert!((ang - (std::f32::consts::FRAC_PI_4 + 0.5)).abs() < 1e-4, "{ang}");
    }

    #[test]
    fn torque_turns_the_joint_its_way() {
        let mut b = build([0.0; 8]);
        let mut tau = [0.0; 8];
        tau[0] = 100.0;
        tau[2] = -100.0;
        b.step(tau);
        let qd = b.joint_velocities();
        assert!(qd[0] > 0.1 && qd[2] < -0.1, "{qd:?}");
    }

    #[test]
    fn ratchet_bounds_follow_the_joint_inwards_only() {
        let mut b = AntBody::new(&Morphology::standard(), [0.0; 8], 0.75, LimitMode::Ratchet, SimParams::default());
        let lo = b.limits()[1][0];
        assert!(lo > 0.5);
        // Ankle 1 at 0 is below its range: the lower bound sits at the joint.
        assert!(b.bounds()[1][0].abs() < 1e-6, "{:?}", b.bounds()[1]);
        assert_eq!(b.bounds()[0], b.limits()[0]);
        // Torque towards the range moves it in; the bound follows.
        let mut tau = [0.0; 8];
        tau[1] = 250.0;
        for _ in 0..3 {
            b.step(tau);
        }
        let q = b.joint_angles()[1];
        b.step([0.0; 8]);
        assert!(q > 0.05 && b.bounds()[1][0] >= q.min(lo) - 1e-6, "q {q}, bounds {:?}", b.bounds()[1]);
    }
}
