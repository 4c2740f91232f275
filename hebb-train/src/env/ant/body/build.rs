//! Building the ant: its links, joints, colliders and mass properties, and the rapier
//! softness of its joint limits under pybullet physics.

use rapier3d::prelude::*;

use super::{
    AntBody, BULLET_DAMPING, BULLET_LIMIT_ERP, BULLET_MARGIN, FLOOR_FRICTION, FLOOR_RESTITUTION, GRAVITY,
    LIMIT_LEAK_CFM, N_PARTS, Physics, ROBOT_FRICTION, SimParams,
};
use crate::env::ant::morphology::{DENSITY, Morphology, TORSO_RADIUS};

/// Damping ratio of the shallow limit's spring (high, so its compliance is negligible).
const LIMIT_DAMPING_RATIO: f32 = 10.0;
/// Position pull-back rate (1/s) of the blocking row: rapier couples error reduction and
/// compliance, so a compliant row pulls back a little; this makes it negligible.
const LIMIT_LEAK_PULLBACK: f32 = 0.001;

/// The rapier softness of a limit row within [`BULLET_LIMIT_SLOP`](super::BULLET_LIMIT_SLOP) for internal substep `h`:
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
pub(super) fn bullet_mass_properties(a: Vector, b: Vector, radius: f32) -> MassProperties {
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

const FLOOR_BIT: u32 = 1;
const TORSO_BIT: u32 = 2;
/// Group bit of leg `k` (both its links).
fn leg_bit(k: usize) -> u32 {
    4 << k
}
const ALL_LEGS: u32 = 0b1111 << 2;

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
}
