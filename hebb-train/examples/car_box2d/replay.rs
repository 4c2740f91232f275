//! Replays the fixture of `tools/car_box2d/record.py` (gym's Box2D car under scripted inputs on
//! its own tracks) in hebb's `car-racing`, on the same tracks: the example `car_box2d` prints
//! the comparison, `tests/car_box2d.rs` checks it.

use hebb_train::env::car::CarRacing;
use hebb_train::env::car::scene::OBS_LEN;
use hebb_train::env::{Action, Env};
use serde_json::Value;

/// One sample: step, x, y, heading, vx, vy, tiles visited, wheels on a road tile, the
/// front-left wheel's steering angle.
pub type Sample = [f64; 9];

/// One input family on one track: both cars' samples (Box2D first) and the start heading.
pub struct Run {
    /// Family name.
    pub family: String,
    /// Track seed.
    pub seed: u64,
    /// Heading of the track's first point (the start heading of both cars).
    pub start_heading: f64,
    /// Start position.
    pub start: [f64; 2],
    /// gym's samples.
    pub box2d: Vec<Sample>,
    /// hebb's samples, at the same steps.
    pub hebb: Vec<Sample>,
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

fn rows<const N: usize>(v: &Value) -> Vec<[f64; N]> {
    v.as_array()
        .map(|a| a.iter().filter_map(|r| <[f64; N]>::try_from(floats(r)).ok()).collect())
        .unwrap_or_default()
}

/// The fixture's gymnasium version and every (family, track) run replayed in hebb.
pub fn replay(path: &str) -> Result<(String, Vec<Run>), Box<dyn std::error::Error>> {
    let fx: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let stride = fx["stride"].as_u64().ok_or("fixture: no stride")? as usize;
    let families = fx["families"].as_object().ok_or("fixture: no families")?;
    let tracks = fx["tracks"].as_array().ok_or("fixture: no tracks")?;
    let mut env = CarRacing::new(false);
    let mut obs = vec![0.0f32; OBS_LEN];
    let mut runs = Vec::new();
    for (family, acts) in families {
        let acts: Vec<[f64; 3]> = rows(acts);
        for tr in tracks {
            let points: Vec<[f64; 4]> = rows(&tr["points"]);
            let box2d: Vec<Sample> = rows(&tr["runs"][family.as_str()]);
            env.reset_with_track(&points, &mut obs)?;
            let mut hebb = Vec::new();
            for (t, a) in acts.iter().enumerate() {
                let a = a.map(|x| x as f32);
                let s = env.step(Action::Continuous(&a), &mut obs);
                if t % stride == stride - 1 || s.done() {
                    let ([x, y], [vx, vy]) = (env.car_position(), env.car_velocity());
                    let on_road = env.car().wheels().iter().filter(|w| w.on_road).count();
                    let h = env.car_angle();
                    hebb.push([
                        (t + 1) as f64,
                        x as f64,
                        y as f64,
                        h as f64,
                        vx as f64,
                        vy as f64,
                        env.tiles_visited() as f64,
                        on_road as f64,
                        env.car().joint_angles()[0] as f64,
                    ]);
                }
                if s.done() {
                    break;
                }
            }
            let n = hebb.len().min(box2d.len());
            hebb.truncate(n);
            let mut box2d = box2d;
            box2d.truncate(n);
            runs.push(Run {
                family: family.clone(),
                seed: tr["seed"].as_u64().unwrap_or(0),
                start_heading: points[0][1],
                start: [points[0][2], points[0][3]],
                box2d,
                hebb,
            });
        }
    }
    Ok((fx["gymnasium"].as_str().unwrap_or("?").to_string(), runs))
}

/// Speed of a sample.
pub fn speed(s: &Sample) -> f64 {
    s[4].hypot(s[5])
}

/// Distance between the two cars at sample `i`.
pub fn gap(r: &Run, i: usize) -> f64 {
    (r.hebb[i][1] - r.box2d[i][1]).hypot(r.hebb[i][2] - r.box2d[i][2])
}

/// The fixture shipped with the repository.
pub fn default_fixture() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/box2d_car.json").to_string()
}
