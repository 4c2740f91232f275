//! CarRacing-v0 world: track generation, episode rules and a scripted driver (docs/environments.md, Car racing).
//! Nothing here looks at the rendered picture.

use hebb_train::env::car::scene::{OBS_LEN, PLAYFIELD};
use hebb_train::env::car::track::{TRACK_DETAIL_STEP, Track, TrackPoint};
use hebb_train::env::car::{CarRacing, MAX_STEPS};
use hebb_train::env::{Action, Env, Space, make};

fn obs() -> Vec<f32> {
    vec![0.0; OBS_LEN]
}

fn wrap(a: f64) -> f64 {
    let mut a = a;
    while a > std::f64::consts::PI {
        a -= 2.0 * std::f64::consts::PI;
    }
    while a < -std::f64::consts::PI {
        a += 2.0 * std::f64::consts::PI;
    }
    a
}

/// Pure pursuit on the tile centres with privileged state: steer towards the centre six tiles
/// ahead, aim for a speed that drops with the heading change over the next twelve tiles, half
/// gas (less while steering: the car is rear-wheel driven), brake when too fast.
fn drive(env: &mut CarRacing, seed: u64) -> (f64, u32, bool) {
    let mut o = obs();
    env.reset(seed, &mut o);
    let n = env.track().len();
    let mut idx = 0;
    let mut total = 0.0f64;
    let mut steps = 0;
    loop {
        let [x, y] = env.car_position();
        let a = env.car_angle();
        let c = env.track().centres();
        idx = (0..20)
            .map(|d| (idx + d) % n)
            .min_by(|&i, &j| {
                let d = |k: usize| (c[k][0] - x).powi(2) + (c[k][1] - y).powi(2);
                d(i).total_cmp(&d(j))
            })
            .unwrap();
        let t = c[(idx + 6) % n];
        let (dx, dy) = (t[0] - x, t[1] - y);
        let (fx, fy, rx, ry) = (-a.sin(), a.cos(), a.cos(), a.sin());
        let err = (dx * rx + dy * ry).atan2(dx * fx + dy * fy);
        let p = env.track().points();
        let turn: f64 = (0..12).map(|k| wrap(p[(idx + k + 1) % n][1] - p[(idx + k) % n][1]).abs()).sum();
        let target = 100.0 / (1.0 + 0.5 * turn as f32);
        let [vx, vy] = env.car_velocity();
        let v = (vx * vx + vy * vy).sqrt();
        let steer = (2.0 * err).clamp(-1.0, 1.0);
        let gas = if v < target { 0.5 * (1.0 - 0.8 * steer.abs()) } else { 0.0 };
        let brake = if v > target + 5.0 { 0.8 } else { 0.0 };
        let s = env.step(Action::Continuous(&[steer, gas, brake]), &mut o);
        total += s.reward as f64;
        steps += 1;
        if s.done() {
            return (total, steps, s.terminated);
        }
    }
}

#[test]
fn tracks_close_with_the_reference_tile_counts() {
    let mut lens = Vec::new();
    for seed in 0..50 {
        let t = Track::generate(seed);
        let p = t.points();
        let n = p.len();
        // The reference's lengths (same algorithm, other random numbers): 237..348 tiles over
        // 300 seeds, mean 294.
        assert!((220..=370).contains(&n), "seed {seed}: {n} tiles");
        for i in 0..n {
            let (a, b) = (p[i], p[(i + 1) % n]);
            let d = ((b[2] - a[2]).powi(2) + (b[3] - a[3]).powi(2)).sqrt();
            let limit = if i + 1 == n { 3.0 * TRACK_DETAIL_STEP } else { TRACK_DETAIL_STEP + 1e-9 };
            assert!(d <= limit, "seed {seed}: gap {d} after point {i}");
        }
        assert_eq!(t.road().len(), n);
        assert_eq!(t.tiles().len(), n);
        assert!(t.kerbs().len() < n);
        lens.push(n);
    }
    let mean = lens.iter().sum::<usize>() as f64 / lens.len() as f64;
    assert!((270.0..320.0).contains(&mean), "mean {mean}");
    // Different seeds, different tracks; same seed, same track.
    assert_ne!(Track::generate(1).points(), Track::generate(2).points());
    assert_eq!(Track::generate(7).points(), Track::generate(7).points());
}

#[test]
fn registered_with_the_reference_spaces() {
    let env = make("car-racing", None).unwrap();
    assert_eq!(env.name(), "car-racing");
    assert_eq!(env.obs_dim(), 3 * 84 * 84);
    assert_eq!(env.action_space(), Space::Box { low: vec![-1.0, 0.0, 0.0], high: vec![1.0, 1.0, 1.0] });
    assert!(make("car-racing", Some("x")).is_err());
}

#[test]
fn scripted_driver_completes_laps() {
    let mut env = CarRacing::new(false);
    for seed in 0..3 {
        let (total, steps, terminated) = drive(&mut env, seed);
        assert!(total > 800.0, "seed {seed}: {total} in {steps} steps");
        assert!(terminated && env.tiles_visited() == env.track().len(), "seed {seed}: lap not completed");
        // 1000 for the tiles, −0.1 per step.
        assert!((total - (1000.0 - 0.1 * steps as f64)).abs() < 0.01, "seed {seed}: {total} {steps}");
    }
}

#[test]
fn leaving_the_playfield_costs_100_and_terminates() {
    let mut env = CarRacing::new(false);
    let mut o = obs();
    // Near the right edge, facing +x ((−sin a, cos a) = (1, 0)), gently on the gas.
    env.reset_at(Track::generate(3), -std::f32::consts::FRAC_PI_2, PLAYFIELD - 10.0, 0.0, &mut o);
    let mut last = None;
    for _ in 0..300 {
        let s = env.step(Action::Continuous(&[0.0, 0.3, 0.0]), &mut o);
        if s.done() {
            last = Some(s);
            break;
        }
        assert!((s.reward + 0.1).abs() < 1e-6, "{s:?}");
    }
    let s = last.expect("the car leaves the playfield");
    assert!(s.terminated && !s.truncated);
    assert_eq!(s.reward, -100.0);
    assert!(env.car_position()[0] > PLAYFIELD, "{:?}", env.car_position());
}

#[test]
fn episodes_truncate_at_1000_steps() {
    let mut env = CarRacing::new(false);
    let mut o = obs();
    env.reset(5, &mut o);
    for i in 1..=MAX_STEPS {
        let s = env.step(Action::Continuous(&[0.0, 0.0, 0.0]), &mut o);
        assert!(!s.terminated);
        assert_eq!(s.truncated, i == MAX_STEPS, "step {i}");
        // Standing still: the first step pays the tiles under the car at the start.
        if i == 1 {
            assert!(s.reward > 0.0, "{s:?}");
        } else {
            assert!((s.reward + 0.1).abs() < 1e-6, "step {i}: {s:?}");
        }
    }
    assert!(env.tiles_visited() > 0 && env.tiles_visited() < 5);
}

#[test]
fn paper_protocol_stops_after_20_negative_steps() {
    for paper in [true, false] {
        let mut env = CarRacing::new(paper);
        let mut o = obs();
        env.reset(9, &mut o);
        let mut stop = None;
        for i in 1..=40 {
            let s = env.step(Action::Continuous(&[0.0, 0.0, 1.0]), &mut o);
            if s.done() {
                assert!(s.truncated && !s.terminated);
                stop = Some(i);
                break;
            }
        }
        // Step 1 earns the start tiles; steps 2..=22 are 21 negative ones.
        assert_eq!(stop, paper.then_some(22));
    }
}

#[test]
fn non_finite_and_malformed_actions_do_not_panic() {
    let mut env = CarRacing::new(true);
    let mut o = obs();
    env.reset(4, &mut o);
    let bad: [&[f32]; 5] = [
        &[f32::NAN, f32::NAN, f32::NAN],
        &[f32::INFINITY, f32::NEG_INFINITY, f32::NAN],
        &[],
        &[0.5],
        &[1.0, 1.0, 0.0, 7.0],
    ];
    for a in bad {
        env.step(Action::Continuous(a), &mut o);
    }
    env.step(Action::Discrete(2), &mut o);
    let mut short = vec![0.0; 10];
    env.step(Action::Continuous(&[0.0, 1.0, 0.0]), &mut short);
    let [x, y] = env.car_position();
    assert!(x.is_finite() && y.is_finite() && env.car_angle().is_finite());
    assert!(o.iter().all(|v| v.is_finite()));
}

#[test]
fn same_seed_same_episode() {
    let run = || {
        let mut env = CarRacing::new(false);
        let mut o = obs();
        env.reset(11, &mut o);
        let mut trace = o.clone();
        for i in 0..150 {
            let a = [((i as f32) * 0.05).sin(), 0.4, if i % 40 == 39 { 0.5 } else { 0.0 }];
            let s = env.step(Action::Continuous(&a), &mut o);
            trace.extend_from_slice(&o);
            let [x, y] = env.car_position();
            trace.extend_from_slice(&[s.reward, x, y, env.car_angle()]);
        }
        (trace, env.frame().to_vec())
    };
    let (a, fa) = run();
    let (b, fb) = run();
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert_eq!(fa, fb);
}

#[test]
fn explicit_track_points() {
    // A counter-clockwise circle of radius 100: the road runs along (−sin β, cos β), β = angle.
    let n = 180;
    let points: Vec<TrackPoint> = (0..n)
        .map(|i| {
            let a = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            [a, a, 100.0 * a.cos(), 100.0 * a.sin()]
        })
        .collect();
    let t = Track::from_points(&points).unwrap();
    assert_eq!(t.len(), n);
    assert!(t.kerbs().is_empty(), "a gentle circle has no kerbs");
    // Tile 0 spans point n−1 → 0 and is 2·TRACK_WIDTH wide.
    let v = t.road()[0].vertices();
    let w = ((v[0][0] - v[1][0]).powi(2) + (v[0][1] - v[1][1]).powi(2)).sqrt();
    assert!((w - 80.0 / 6.0).abs() < 1e-4, "{w}");
    assert!(Track::from_points(&points[..2]).is_err());
    assert!(Track::from_points(&[[0.0, 0.0, f64::NAN, 0.0]; 4]).is_err());

    // A track with a sharp same-sign turn gets kerbs.
    let mut zig: Vec<TrackPoint> = Vec::new();
    let (mut x, mut y, mut beta) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..100 {
        if (40..50).contains(&i) {
            beta += 0.2;
        }
        x -= beta.sin() * TRACK_DETAIL_STEP;
        y += beta.cos() * TRACK_DETAIL_STEP;
        zig.push([0.0, beta, x, y]);
    }
    assert!(!Track::from_points(&zig).unwrap().kerbs().is_empty());

    // The car starts on point 0, heading along the road, and collects tiles driving ahead.
    let mut env = CarRacing::new(false);
    let mut o = obs();
    env.reset_with_track(&points, &mut o).unwrap();
    let [x0, y0] = env.car_position();
    assert!((x0 - 100.0).abs() < 1e-3 && y0.abs() < 1e-3, "{x0} {y0}");
    assert!(env.car_angle().abs() < 1e-5);
    for _ in 0..100 {
        env.step(Action::Continuous(&[0.0, 0.3, 0.0]), &mut o);
    }
    assert!(env.tiles_visited() > 5, "{}", env.tiles_visited());
    assert!(env.car_position()[1] > 10.0);
    assert!(env.reset_with_track(&points[..1], &mut o).is_err());
}
