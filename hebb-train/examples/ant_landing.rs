//! Replays a gait recorded by `tools/pybullet/ant_landing.py` in hebb's `ant-bullet` body from
//! pybullet's exact initial joint angles, and prints both side by side: per step for one seed
//! (torso height, roll and pitch, joint angles, each foot's lowest point, contact flags), then the
//! means over all seeds of the torso height and of the feet's depth below the floor.
//!
//! ```sh
//! python3 tools/pybullet/ant_landing.py --pattern trot --freq 2 --amp 1 --out /tmp/pb_trot.json
//! cargo run --release -p hebb-train --example ant_landing -- /tmp/pb_trot.json [--seed 0] [--every 2] [--substeps4 | --substeps N --iterations M]
//! ```
//!
//! Over the first dozen steps (the ant falls onto its legs) the two agree to a few millimetres;
//! the landing is where they part (docs/quadruped-fidelity.md).

use hebb_train::env::ant::body::{AntBody, Physics, SimParams};
use hebb_train::env::ant::fidelity::gait_phases;
use hebb_train::env::ant::morphology::Morphology;
use hebb_train::env::ant::{START_Z, TORQUE_SCALE, obs::rpy};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn floats(v: &serde_json::Value) -> Res<Vec<f64>> {
    v.as_array()
        .ok_or("expected an array")?
        .iter()
        .map(|x| x.as_f64().ok_or_else(|| "expected a number".into()))
        .collect()
}

fn round(v: &[f64], digits: i32) -> Vec<f64> {
    let k = 10f64.powi(digits);
    v.iter().map(|x| (x * k).round() / k).collect()
}

fn main() -> Res<()> {
    let mut path = None;
    let (mut show, mut every, mut sim) = (0usize, 2usize, SimParams::default());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => show = args.next().ok_or("--seed K")?.parse()?,
            "--every" => every = args.next().ok_or("--every N")?.parse::<usize>()?.max(1),
            "--substeps4" => sim = SimParams::reference(),
            "--substeps" => sim.substeps = args.next().ok_or("--substeps N")?.parse()?,
            "--iterations" => sim.solver_iterations = args.next().ok_or("--iterations N")?.parse()?,
            _ if path.is_none() => path = Some(a),
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let path = path.ok_or("usage: ant_landing PB.json [--seed K] [--every N] [--substeps4]")?;
    let d: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let pattern = d["pattern"].as_str().ok_or("no pattern")?;
    let (freq, amp) = (d["freq"].as_f64().ok_or("no freq")?, d["amp"].as_f64().ok_or("no amp")?);
    if d["unit_axes"].as_bool() == Some(true) {
        eprintln!("note: pybullet ran with unit ankle axes; hebb runs its model of the raw axes");
    }
    let ph = gait_phases(pattern).ok_or("unknown gait pattern")?;
    let seeds = d["seeds"].as_array().ok_or("no seeds")?;
    let steps = seeds.iter().map(|s| s["z"].as_array().map_or(0, |z| z.len())).min().unwrap_or(0);
    let morph = Morphology::standard();
    // Per step: sums over seeds of (pybullet z, hebb z, pybullet depth, hebb depth).
    let mut sums = vec![[0.0f64; 4]; steps];
    for (i, rec) in seeds.iter().enumerate() {
        let q0 = floats(&rec["q0"])?;
        let q: [f32; 8] = std::array::from_fn(|j| q0.get(j).copied().unwrap_or(0.0) as f32);
        let mut body = AntBody::new(&morph, q, START_Z, Physics::Pybullet, sim);
        if i == show {
            println!(
                "step | torso z pb / hebb | roll, pitch pb / hebb | foot low pb / hebb | contacts pb / hebb"
            );
        }
        for (t, sum) in sums.iter_mut().enumerate() {
            let w = 2.0 * std::f64::consts::PI * freq * 0.0165 * t as f64;
            let tau: [f32; 8] =
                std::array::from_fn(|j| TORQUE_SCALE * (amp * (w + ph[j]).sin()).clamp(-1.0, 1.0) as f32);
            body.step(tau);
            let r = body.readout();
            let sk = body.skeleton();
            let low: Vec<f64> = (0..4).map(|k| f64::from(sk[k][1][2].min(sk[k][2][2])) - 0.08).collect();
            let pb_low = floats(&rec["low"][t])?;
            let depth = |l: &[f64]| l.iter().map(|x| (-x).max(0.0)).sum::<f64>() / 4.0;
            let pz = rec["z"][t].as_f64().ok_or("bad z")?;
            *sum = [
                sum[0] + pz,
                sum[1] + f64::from(r.torso_pos[2]),
                sum[2] + depth(&pb_low),
                sum[3] + depth(&low),
            ];
            if i == show && t % every == every - 1 {
                let rp = rpy(r.torso_quat);
                println!(
                    "{:4} | {:.3} / {:.3} | {:?} / {:?} | {:?} / {:?} | {:?} / {:?}\n     | joints pb {:?}\n     |     hebb {:?}",
                    t + 1,
                    pz,
                    r.torso_pos[2],
                    round(&floats(&rec["rp"][t])?, 3),
                    round(&[f64::from(rp[0]), f64::from(rp[1])], 3),
                    round(&pb_low, 3),
                    round(&low, 3),
                    floats(&rec["contact"][t])?.iter().map(|&c| c as u8).collect::<Vec<_>>(),
                    r.feet_on_floor.map(u8::from),
                    round(&floats(&rec["q"][t])?, 2),
                    round(&r.q.map(f64::from), 2),
                );
            }
        }
    }
    let n = seeds.len().max(1) as f64;
    println!(
        "\nmeans over {} seeds: step | torso z pybullet / hebb | mean foot depth below the floor (mm) pybullet / hebb",
        seeds.len()
    );
    for t in (every - 1..steps).step_by(every * 5) {
        let s = sums[t];
        println!(
            "{:4} | {:.3} / {:.3} | {:.1} / {:.1}",
            t + 1,
            s[0] / n,
            s[1] / n,
            1e3 * s[2] / n,
            1e3 * s[3] / n
        );
    }
    Ok(())
}
