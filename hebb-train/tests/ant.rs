//! Fidelity tests of the quadruped against docs/environments.md, Quadruped (pybullet's `AntBulletEnv-v0` as measured).

use hebb_train::Error;
use hebb_train::env::ant::body::SimParams;
use hebb_train::env::ant::{self, AntConfig, AntEnv, Morphology, Variant};
use hebb_train::env::{self, Action, Env, Step};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn env(variant: Variant, paper_fitness: bool) -> AntEnv {
    AntEnv::new(AntConfig {
        variant,
        morphology: Morphology::standard(),
        paper_fitness,
        sim: SimParams::default(),
    })
    .unwrap()
}

fn step(e: &mut AntEnv, a: &[f32; 8], o: &mut [f32; 28]) -> Step {
    e.step(Action::Continuous(a), o)
}

/// The trot used below: diagonal pairs (1, 3) and (2, 4) in antiphase; a leg presses its foot
/// down while its hip sweeps it backwards, lifts while sweeping forwards. `dir = −1` swaps the
/// sweep directions.
fn trot(t: u32, period: f32, dir: f32) -> [f32; 8] {
    let back = [1.0f32, 1.0, -1.0, -1.0];
    let down = [1.0f32, -1.0, -1.0, 1.0];
    let mut a = [0.0; 8];
    for k in 0..4 {
        let p = 2.0 * std::f32::consts::PI * t as f32 / period
            + if k % 2 == 1 { std::f32::consts::PI } else { 0.0 };
        a[2 * k] = dir * back[k] * p.sin();
        a[2 * k + 1] = down[k] * p.sin();
    }
    a
}

#[test]
fn total_mass_is_182_kg_in_both_variants() {
    for v in [Variant::Bullet, Variant::Mjcf] {
        let m = env(v, false).body().total_mass();
        assert!((m - 182.18).abs() < 0.1, "{v:?}: {m}");
    }
    // Damage removes 3/4 of one lower leg's cylinder: 13.52 kg → 4.99 kg.
    let d = AntEnv::new(AntConfig {
        morphology: Morphology::named("damaged-right").unwrap(),
        ..AntConfig::default()
    })
    .unwrap();
    assert!((d.body().total_mass() - (182.18 - 8.53)).abs() < 0.05, "{}", d.body().total_mass());
}

#[test]
fn initial_observation_has_the_documented_structure() {
    let mut o = [9.0; 28];
    let mut e = env(Variant::Bullet, false);
    e.reset(3, &mut o);
    assert_eq!(o[0], 0.0, "z − z0");
    assert!(o[1].abs() < 1e-3 && (o[2] - 1.0).abs() < 1e-6, "facing the target: {:?}", &o[1..3]);
    assert_eq!(&o[3..8], &[0.0; 5], "velocities and roll/pitch");
    for k in 0..4 {
        let (hip, ankle) = (o[8 + 4 * k], o[10 + 4 * k]);
        assert!(hip.abs() < 0.15, "hip {k}: {hip}");
        // Ankles near 0 rad sit ≈ 1.86 range-halves outside [30°, 100°] (or its mirror).
        let sign = if k == 0 || k == 3 { -1.0 } else { 1.0 };
        assert!((ankle * sign - 1.86).abs() < 0.2, "ankle {k}: {ankle}");
        assert_eq!(o[9 + 4 * k], 0.0);
        assert_eq!(o[11 + 4 * k], 0.0);
    }
    assert_eq!(&o[24..], &[0.0; 4], "contact flags start at 0");
    // The standing variant starts with the ankles at ±1 rad, inside their ranges.
    let mut e = env(Variant::Mjcf, false);
    e.reset(3, &mut o);
    for k in 0..4 {
        assert!(o[10 + 4 * k].abs() < 0.45, "ankle {k}: {}", o[10 + 4 * k]);
    }
}

#[test]
fn ant_bullet_falls_flat_with_zero_torque_and_cannot_get_up() {
    let mut o = [0.0; 28];
    let mut e = env(Variant::Bullet, false);
    e.reset(1, &mut o);
    let mut z = vec![];
    let end = loop {
        let s = step(&mut e, &[0.0; 8], &mut o);
        z.push(e.body().readout().torso_pos[2]);
        if s.done() {
            break s;
        }
        assert!(z.len() < 30, "still up after 30 steps: {z:?}");
    };
    assert!(end.terminated && !end.truncated);
    // pybullet: 0.715 at step 5, 0.614 at step 10, on the floor (0.25) at step 20.
    assert!((z[4] - 0.715).abs() < 0.01 && (z[9] - 0.614).abs() < 0.01, "{z:?}");
    assert!((15..=25).contains(&z.len()) && (z[z.len() - 1] - 0.25).abs() < 0.01, "{z:?}");
    assert!(o[0] < -0.45, "obs z − z0 = {}", o[0]);
    // Lying flat, full torque on all ankles towards their ranges does not lift the body.
    // (The paper-protocol env hands out its first observation after 40 zero-action steps.)
    let mut e2 = env(Variant::Bullet, true);
    e2.reset(1, &mut o);
    let push = [0.0, 1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 1.0];
    let mut zmax = 0.0f32;
    for _ in 0..100 {
        step(&mut e2, &push, &mut o);
        zmax = zmax.max(e2.body().readout().torso_pos[2]);
    }
    assert!(zmax < 0.3, "pushed itself up to {zmax}");
}

#[test]
fn ant_limits_hold_and_zero_torque_keeps_it_standing() {
    let mut o = [0.0; 28];
    let mut e = env(Variant::Mjcf, false);
    e.reset(2, &mut o);
    for t in 0..300 {
        let s = step(&mut e, &[0.0; 8], &mut o);
        assert!(!s.done(), "fell at step {t}");
    }
    let r = e.body().readout();
    assert!(r.torso_pos[2] > 0.33, "torso at {}", r.torso_pos[2]);
    assert!(o[24..].iter().all(|&c| c == 1.0), "standing on four feet: {:?}", &o[24..]);

    // Full ±1 torques, switching every 25 steps: at the end of each block (a limit held against
    // full torque) every joint is at most 0.02 rad past its range; overshoot while hitting a
    // limit at speed stays small too.
    let limits = e.body().limits();
    let mut e = env(Variant::Mjcf, false);
    e.reset(2, &mut o);
    let (mut held, mut transient) = (0.0f32, 0.0f32);
    for t in 0..300u32 {
        let a: [f32; 8] =
            std::array::from_fn(|j| if (t / 25 + j as u32).is_multiple_of(2) { 1.0 } else { -1.0 });
        let s = step(&mut e, &a, &mut o);
        let q = e.body().readout().q;
        let past = (0..8).map(|j| (limits[j][0] - q[j]).max(q[j] - limits[j][1])).fold(0.0f32, f32::max);
        transient = transient.max(past);
        if t % 25 == 24 {
            held = held.max(past);
        }
        if s.done() {
            break;
        }
    }
    assert!(held < 0.02, "a joint held {held} rad past its range");
    assert!(transient < 0.2, "a joint overshot its range by {transient} rad");
}

#[test]
fn random_actions_stay_finite_and_sane_for_1000_steps() {
    let mut o = [0.0; 28];
    let mut e = env(Variant::Bullet, false);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut seed = 0;
    e.reset(seed, &mut o);
    for _ in 0..1000 {
        let a: [f32; 8] = std::array::from_fn(|_| rng.random_range(-1.0..1.0));
        let s = step(&mut e, &a, &mut o);
        assert!(s.reward.is_finite());
        assert!(o.iter().all(|v| v.is_finite() && v.abs() <= 5.0), "{o:?}");
        let r = e.body().readout();
        assert!(r.torso_pos[2] > 0.15 && r.torso_pos[2] < 1.2, "torso z {}", r.torso_pos[2]);
        assert!(r.torso_pos[0].abs() < 10.0 && r.torso_pos[1].abs() < 10.0);
        if s.done() {
            seed += 1;
            e.reset(seed, &mut o);
        }
    }
}

#[test]
fn non_finite_actions_act_as_zero_torque() {
    let (mut a, mut b) = (env(Variant::Bullet, false), env(Variant::Bullet, false));
    let (mut oa, mut ob) = ([0.0; 28], [0.0; 28]);
    a.reset(5, &mut oa);
    b.reset(5, &mut ob);
    let bad = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 0.0, 0.0, 0.0, 0.0];
    for _ in 0..10 {
        let sa = step(&mut a, &bad, &mut oa);
        let sb = step(&mut b, &[0.0; 8], &mut ob);
        assert_eq!(oa, ob);
        assert_eq!(sa, sb);
    }
    // A short action slice is padded with zeros.
    let sa = a.step(Action::Continuous(&[0.5]), &mut oa);
    let sb = step(&mut b, &[0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], &mut ob);
    assert_eq!((oa, sa), (ob, sb));
}

#[test]
fn foot_contact_flags_follow_the_feet_one_step_late() {
    let mut o = [0.0; 28];
    let mut e = env(Variant::Mjcf, false);
    e.reset(0, &mut o);
    let mut prev = [false; 4];
    let mut first = None;
    for t in 0..40 {
        step(&mut e, &[0.0; 8], &mut o);
        // The observation reports the previous step's contacts, as pybullet does.
        assert_eq!(o[24..].to_vec(), prev.map(|c| if c { 1.0 } else { 0.0 }).to_vec(), "step {t}");
        prev = e.body().readout().feet_on_floor;
        if first.is_none() && prev.iter().any(|&c| c) {
            first = Some(t);
            // The touching foot's tip is within the contact threshold of the floor.
            let k = prev.iter().position(|&c| c).unwrap();
            assert!(e.body().foot_tip(k)[2] < 0.08 + 0.03);
        }
    }
    // Dropped from 0.75 m, the feet (tips ≈ 0.4 m lower) reach the floor after ≈ 12 steps.
    let first = first.expect("feet never touched");
    assert!((8..20).contains(&first), "first contact at step {first}");
    assert_eq!(&o[24..], &[1.0; 4]);
}

#[test]
fn a_fixed_trot_moves_the_torso_forward() {
    // Mean over three seeds of the distance walked in 300 steps (5 s), forwards and with the
    // hip sweeps reversed.
    let mut o = [0.0; 28];
    for (v, period, min_dx) in [(Variant::Mjcf, 30.0, 1.5), (Variant::Bullet, 20.0, 0.2)] {
        let mut dx = [0.0; 2];
        for (i, dir) in [1.0, -1.0].into_iter().enumerate() {
            for seed in 0..3 {
                let mut e = env(v, false);
                e.reset(seed, &mut o);
                let x0 = e.body().readout().parts_xy[0];
                for t in 0..300 {
                    step(&mut e, &trot(t, period, dir), &mut o);
                }
                dx[i] += (e.body().readout().parts_xy[0] - x0) / 3.0;
            }
        }
        assert!(dx[0] > min_dx, "{v:?}: forward trot moved {} m", dx[0]);
        assert!(dx[1] < dx[0] - min_dx, "{v:?}: reversed trot {} m vs forward {} m", dx[1], dx[0]);
    }
}

#[test]
fn gym_reward_is_the_sum_of_its_terms() {
    let mut o = [0.0; 28];
    let mut e = env(Variant::Mjcf, false);
    e.reset(4, &mut o);
    let mut total = 0.0f64;
    let p0 = ant::obs::potential(e.body().readout().parts_xy);
    for t in 0..200 {
        let s = step(&mut e, &trot(t, 30.0, 1.0), &mut o);
        let tm = e.terms();
        assert_eq!(s.reward, tm.alive + tm.progress + tm.electricity + tm.joints_at_limit);
        assert!(tm.electricity < 0.0 && tm.alive == 1.0);
        total += tm.progress as f64;
    }
    // Progress is the potential difference, so it telescopes: Σ progress = −Δdistance / 0.0165.
    let p1 = ant::obs::potential(e.body().readout().parts_xy);
    assert!((total - (p1 - p0)).abs() < 0.01, "{total} vs {}", p1 - p0);
    assert!(total > 5.0, "the trot gains ground: {total}");
}

#[test]
fn paper_protocol_burns_in_then_stops_after_step_200() {
    let mut o = [0.0; 28];
    let mut e = env(Variant::Bullet, true);
    e.reset(0, &mut o);
    assert_eq!(e.steps(), 40, "burn-in counts against the 1000");
    // After 40 zero-action steps the ant-bullet ant lies on the floor.
    assert!(o[0] < -0.45, "{}", o[0]);
    let mut n = 0;
    let mut sum = 0.0;
    let end = loop {
        let s = step(&mut e, &[0.0; 8], &mut o);
        n += 1;
        assert_eq!(s.reward, e.terms().progress, "reward is progress only");
        sum += s.reward;
        if s.done() {
            break s;
        }
        assert!(n < 1000);
    };
    // Down since the burn-in, so it stops at the first step with t > 200 (t counts from 0).
    assert_eq!(n, 202);
    assert!(end.truncated && !end.terminated);
    assert!(sum.abs() < 5.0, "a still ant makes no progress: {sum}");
    assert_eq!(step(&mut e, &[0.0; 8], &mut o).reward, 0.0);

    // Standing still in the `ant` variant is never "done"; backing away makes progress
    // negative, which stops the episode 31 steps after t = 200.
    let mut e = env(Variant::Mjcf, true);
    e.reset(0, &mut o);
    let mut n = 0;
    loop {
        let s = step(&mut e, &trot(n, 30.0, -1.0), &mut o);
        n += 1;
        if s.done() {
            assert!(s.truncated);
            break;
        }
        assert!(n < 1000);
    }
    assert!((232..500).contains(&n), "stopped after {n} policy steps");
}

#[test]
fn same_seed_same_episode() {
    let run = |seed: u64| {
        let mut o = [0.0; 28];
        let mut e = env(Variant::Bullet, false);
        e.reset(seed, &mut o);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
        let mut trace = o.to_vec();
        for _ in 0..200 {
            let a: [f32; 8] = std::array::from_fn(|_| rng.random_range(-1.0..1.0));
            let s = step(&mut e, &a, &mut o);
            trace.extend_from_slice(&o);
            trace.push(s.reward);
        }
        trace
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8));
}

#[test]
fn registry_variants_and_morphologies() {
    let e = env::make("ant-bullet", None).unwrap();
    assert_eq!((e.name(), e.obs_dim(), e.action_space().n_outputs()), ("ant-bullet", 28, 8));
    assert_eq!(env::make("ant", Some("damaged-left")).unwrap().name(), "ant");
    match env::make("ant-bullet", Some("three-legged")) {
        Err(Error::Unknown { what: "ant morphology", known, .. }) => {
            assert!(known.contains("standard") && known.contains("damaged-right"), "{known}")
        }
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("unknown morphology accepted"),
    }
    // Morphology files shipped with the crate load, and the damaged-right file equals the
    // built-in one.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/morphologies");
    let from_file = Morphology::resolve(&format!("{dir}/damaged-right.json")).unwrap();
    assert_eq!(from_file.legs, Morphology::named("damaged-right").unwrap().legs);
    for f in std::fs::read_dir(dir).unwrap() {
        let p = f.unwrap().path();
        let mut e = ant::make("ant-bullet", Some(p.to_str().unwrap()), true).unwrap();
        let mut o = [0.0; 28];
        e.reset(0, &mut o);
        for t in 0..50 {
            step(&mut e, &trot(t, 40.0, 1.0), &mut o);
        }
        assert!(o.iter().all(|v| v.is_finite()), "{}", p.display());
    }
}

/// The statistic quoted in docs/environments.md (Quadruped): uniform random actions keep an `ant-bullet` episode alive
/// ≈ 790 steps on average (pybullet 3.2.7 measured here: 764 over 50 seeds, 17 of 50 ending
/// before 1000). Run with `cargo test -p hebb-train --test ant -- --ignored --nocapture`.
#[test]
#[ignore = "statistics over 2 × 50 episodes; a measurement more than a check"]
fn random_action_episode_length_statistics() {
    for (sim, name) in [(SimParams::default(), "tuned"), (SimParams::reference(), "4 x 4.125 ms")] {
        let mut lens = vec![];
        for seed in 0..50u64 {
            let cfg = AntConfig { sim, ..AntConfig::default() };
            let mut e = AntEnv::new(cfg).unwrap();
            let mut o = [0.0; 28];
            e.reset(seed, &mut o);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed + 100);
            let mut n = 0u32;
            loop {
                let a: [f32; 8] = std::array::from_fn(|_| rng.random_range(-1.0..1.0));
                n += 1;
                if step(&mut e, &a, &mut o).done() {
                    break;
                }
            }
            lens.push(n);
        }
        let mean = lens.iter().sum::<u32>() as f64 / lens.len() as f64;
        let early = lens.iter().filter(|&&l| l < 1000).count();
        println!("{name}: mean episode length {mean:.1}, {early} of 50 end before 1000 steps");
        assert!((700.0..950.0).contains(&mean), "{name}: {mean}");
        assert!(early >= 2, "{name}: some random episodes must fall flat");
    }
}
