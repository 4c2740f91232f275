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
