//! hebb's `ant-bullet` against pybullet's `AntBulletEnv-v0`, under the same open-loop actions.
//!
//! The fixture was recorded from pybullet 3.2.7 by `tools/pybullet/ant_record.py`; see
//! `docs/quadruped-fidelity.md` for the full comparison. The checks below hold the dynamics to
//! the agreement reached so far, so a change that makes the model less like pybullet fails here;
//! the goal, every statistic within pybullet's seed-to-seed spread, is not reached yet (the test
//! prints where it is not).

use hebb_train::env::ant::AntConfig;
use hebb_train::env::ant::fidelity::{Fixture, compare, pooled, replay};

fn fixture() -> Fixture {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pybullet_ant.json");
    Fixture::load(&path).expect("the committed fixture loads")
}

#[test]
fn ant_bullet_moves_like_pybullet_under_the_same_actions() {
    let fx = fixture();
    assert!(fx.episodes.len() > 200, "fixture has {} episodes", fx.episodes.len());
    let replayed = replay(&AntConfig::default(), &fx, 2).unwrap();
    let rows = compare(&replayed);
    let within = rows.iter().filter(|r| r.within()).count();
    let frac = within as f64 / rows.len() as f64;
    println!("{within} of {} statistics within pybullet's spread ({:.1} %)", rows.len(), 100.0 * frac);
    for r in rows.iter().filter(|r| !r.within() && matches!(r.stat, "alive" | "z@100" | "survives")) {
        println!(
            "  outside: {} / {}: pybullet {:.3} ± {:.3}, hebb {:.3} ± {:.3}",
            r.group, r.stat, r.pybullet.0, r.pybullet.1, r.hebb.0, r.hebb.1
        );
    }

    // Zero torque: the ant falls flat in 20 steps in both, with the same heights and costs.
    for r in rows.iter().filter(|r| r.group == "zero") {
        assert!(r.within(), "zero torque, {}: pybullet {:?} vs hebb {:?}", r.stat, r.pybullet, r.hebb);
    }
    // Every group's episode length: the simulator must keep (or drop) the ant as pybullet does.
    let alive: Vec<_> = rows.iter().filter(|r| r.stat == "alive").collect();
    let alive_ok = alive.iter().filter(|r| r.within()).count();
    assert!(
        alive_ok * 100 >= alive.len() * 90,
        "episode lengths within spread in only {alive_ok}/{} groups",
        alive.len()
    );
    // All statistics together (measured 78.4 %, 950 of 1211, when this test was last tightened).
    assert!(frac >= 0.77, "only {:.1} % of statistics within pybullet's spread", 100.0 * frac);
    // Survival pooled per family (measured differences: random 0.146, sine 0.055, others ≤ 0.014).
    for (family, pb, hb) in pooled(&replayed, "survives") {
        let tol = if family == "random" { 0.17 } else { 0.07 };
        assert!((pb - hb).abs() <= tol, "{family}: survival {pb:.3} in pybullet, {hb:.3} in hebb");
    }
    // Torso height at step 100, pooled per family (pybullet's sine gaits: 0.428 m, hebb's 0.393 m;
    // the other families agree to 0.017 m). The sine gaits' gap grew from 0.024 to 0.035 m with
    // the raw-axis ankle kinematics (docs/quadruped-fidelity.md), hence their wider tolerance.
    for (family, pb, hb) in pooled(&replayed, "z@100") {
        let tol = if family == "sine" { 0.04 } else { 0.025 };
        assert!(
            (pb - hb).abs() <= tol,
            "{family}: torso at step 100 {pb:.3} m in pybullet, {hb:.3} m in hebb"
        );
    }
}

#[test]
fn the_fixture_and_the_replay_use_the_same_statistics() {
    // A replay of pybullet's own numbers compares equal to itself: the comparison itself works.
    let fx = fixture();
    let same: Vec<_> = fx.episodes.iter().map(|e| (e.clone(), vec![e.result.clone()])).collect();
    let rows = compare(&same);
    assert!(rows.iter().all(|r| r.within()), "a distribution must lie within its own spread");
    // And a shifted copy does not.
    let shifted: Vec<_> = fx
        .episodes
        .iter()
        .map(|e| {
            let mut r = e.result.clone();
            r.z_mean += 0.2;
            (e.clone(), vec![r])
        })
        .collect();
    assert!(compare(&shifted).iter().filter(|r| r.stat == "z_mean").all(|r| !r.within()));
}

/// From pybullet's own start state, the fall onto the legs under a full-amplitude 2 Hz trot
/// (steps 1–13, no foot on the floor yet) follows pybullet's trajectory step by step: motors,
/// masses, inertia and the raw-axis ankles together. After the landing the two part (the torso
/// sinks lower in hebb; docs/quadruped-fidelity.md) — printed, not asserted.
#[test]
fn ant_bullet_falls_onto_its_legs_like_pybullet_from_the_same_start() {
    use hebb_train::env::ant::body::SimParams;
    use hebb_train::env::ant::landing::{LandingFixture, replay};
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pybullet_ant_landing.json");
    let fx = LandingFixture::load(&path).expect("the committed landing fixture loads");
    assert!(fx.seeds.len() >= 4 && fx.seeds.iter().all(|s| s.z.len() >= 40));
    const AIRBORNE: usize = 13;
    let (mut dz, mut dq, mut drp, mut dlow) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let (mut pb_z30, mut hb_z30) = (0.0, 0.0);
    for pb in &fx.seeds {
        let hb = replay(&fx, pb, SimParams::default());
        for (t, h) in hb.iter().enumerate().take(AIRBORNE) {
            // Both still in the air: no foot within 5 cm of the floor.
            assert!(pb.low[t].iter().chain(&h.low).all(|&l| l > 0.05), "a foot is down at step {}", t + 1);
            dz = dz.max((h.z - pb.z[t]).abs());
            dq = dq.max((0..8).map(|j| (h.q[j] - pb.q[t][j]).abs()).fold(0.0, f64::max));
            drp = drp.max((0..2).map(|i| (h.rp[i] - pb.rp[t][i]).abs()).fold(0.0, f64::max));
            dlow = dlow.max((0..4).map(|k| (h.low[k] - pb.low[t][k]).abs()).fold(0.0, f64::max));
        }
        pb_z30 += pb.z[29] / fx.seeds.len() as f64;
        hb_z30 += hb[29].z / fx.seeds.len() as f64;
    }
    println!(
        "steps 1-{AIRBORNE}: max |dz| {dz:.4} m, |dq| {dq:.4} rad, |d roll/pitch| {drp:.4} rad, |d foot low| {dlow:.4} m"
    );
    println!("after the landing, torso at step 30: pybullet {pb_z30:.3} m, hebb {hb_z30:.3} m");
    assert!(dz < 0.005, "torso height off by {dz} m while falling");
    assert!(dq < 0.07, "joint angles off by {dq} rad while falling");
    assert!(drp < 0.015, "torso roll/pitch off by {drp} rad while falling");
    assert!(dlow < 0.015, "feet heights off by {dlow} m while falling");
}
