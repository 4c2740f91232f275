//! Replays a gait recorded by `tools/pybullet/ant_landing.py` in hebb's `ant-bullet` body from
//! pybullet's exact initial joint angles, and prints both side by side: per step for one seed
//! (torso height, roll and pitch, each foot's lowest point, contact flags, joint angles), then the
//! means over all seeds of the torso height and of the feet's depth below the floor.
//!
//! ```sh
//! python3 tools/pybullet/ant_landing.py --pattern trot --freq 2 --amp 1 --out /tmp/pb_trot.json
//! cargo run --release -p hebb-train --example ant_landing -- /tmp/pb_trot.json [--seed 0] [--every 2] [--substeps4 | --substeps N --iterations M]
//! ```
//!
//! Over the first dozen steps (the ant falls onto its legs) the two agree to a few millimetres;
//! the landing is where they part (docs/quadruped-fidelity.md).

use hebb_train::env::ant::body::SimParams;
use hebb_train::env::ant::landing::{LandingFixture, replay};

fn round<const N: usize>(v: [f64; N], digits: i32) -> [f64; N] {
    let k = 10f64.powi(digits);
    v.map(|x| (x * k).round() / k)
}

/// Mean depth of the four feet below the floor (m).
fn depth(low: &[f64; 4]) -> f64 {
    low.iter().map(|x| (-x).max(0.0)).sum::<f64>() / 4.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
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
    let path =
        path.ok_or("usage: ant_landing PB.json [--seed K] [--every N] [--substeps N --iterations M]")?;
    let fx = LandingFixture::load(std::path::Path::new(&path))?;
    if fx.unit_axes {
        eprintln!("note: pybullet ran with unit ankle axes; hebb runs its model of the raw axes");
    }
    let steps = fx.seeds.iter().map(|s| s.z.len()).min().unwrap_or(0);
    // Per step: sums over seeds of (pybullet z, hebb z, pybullet depth, hebb depth).
    let mut sums = vec![[0.0f64; 4]; steps];
    for (i, pb) in fx.seeds.iter().enumerate() {
        let hb = replay(&fx, pb, sim);
        if i == show {
            println!(
                "step | torso z pb / hebb | roll, pitch pb / hebb | foot low pb / hebb | contacts pb / hebb"
            );
        }
        for (t, sum) in sums.iter_mut().enumerate() {
            let h = &hb[t];
            *sum = [sum[0] + pb.z[t], sum[1] + h.z, sum[2] + depth(&pb.low[t]), sum[3] + depth(&h.low)];
            if i == show && t % every == every - 1 {
                println!(
                    "{:4} | {:.3} / {:.3} | {:?} / {:?} | {:?} / {:?} | {:?} / {:?}\n     | joints pb {:?}\n     |     hebb {:?}",
                    t + 1,
                    pb.z[t],
                    h.z,
                    round(pb.rp[t], 3),
                    round(h.rp, 3),
                    round(pb.low[t], 3),
                    round(h.low, 3),
                    pb.contact[t].map(|c| c as u8),
                    h.contact.map(u8::from),
                    round(pb.q[t], 2),
                    round(h.q, 2),
                );
            }
        }
    }
    let n = fx.seeds.len().max(1) as f64;
    println!(
        "\nmeans over {} seeds: step | torso z pybullet / hebb | mean foot depth below the floor (mm) pybullet / hebb",
        fx.seeds.len()
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
