use super::build::bullet_mass_properties;
use super::*;
use crate::env::ant::morphology::Morphology;

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
