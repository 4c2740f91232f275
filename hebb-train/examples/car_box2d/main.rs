//! Side-by-side of hebb's rapier2d car with gym's Box2D car: replays the scripted inputs of
//! `tests/fixtures/box2d_car.json` (recorded by `tools/car_box2d/record.py` from Gymnasium's
//! CarRacing-v3, whose car is gym 0.17's) on the very same tracks (the fixture's track points,
//! through `CarRacing::reset_with_track`) and compares, per input family over the fixture's
//! track seeds: speed, distance from the start, heading change and tiles visited at the end,
//! and the distance between the two cars half-way and at the end. `docs/car-fidelity.md` has
//! the table.
//!
//! `cargo run --release -p hebb-train --example car_box2d [-- FIXTURE] [--per-seed FAMILY [--series]]`

mod replay;

use replay::{Run, Sample, gap, speed};

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    (m, (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_seed = args.iter().position(|a| a == "--per-seed").and_then(|i| args.get(i + 1)).cloned();
    let series = args.iter().any(|a| a == "--series");
    let path = args.iter().find(|a| a.ends_with(".json")).cloned().unwrap_or_else(replay::default_fixture);
    let (gym, runs) = replay::replay(&path)?;
    let mut families: Vec<&str> = runs.iter().map(|r| r.family.as_str()).collect();
    families.dedup();
    let n_seeds = runs.iter().filter(|r| r.family == families[0]).count();
    println!(
        "{n_seeds} track seeds, gymnasium {gym}; mean ± std over seeds at the end of each input sequence (Box2D | hebb)"
    );
    println!(
        "{:24} {:>23} {:>27} {:>27} {:>9} {:>17}",
        "family", "speed m/s", "distance from start m", "heading change rad", "tiles", "gap: half / end m"
    );
    let f = |v: &[f64]| {
        let (m, s) = mean_std(v);
        format!("{m:6.1} ± {s:4.1}")
    };
    let fa = |v: &[f64]| {
        let (m, s) = mean_std(v);
        format!("{m:+6.2} ± {s:4.2}")
    };
    for fam in &families {
        let rs: Vec<&Run> = runs.iter().filter(|r| r.family == *fam && !r.hebb.is_empty()).collect();
        let end = |r: &Run, k: usize| -> Sample {
            if k == 0 { *r.box2d.last().unwrap() } else { *r.hebb.last().unwrap() }
        };
        let col = |k: usize, g: &dyn Fn(&Run, &Sample) -> f64| {
            rs.iter().map(|r| g(r, &end(r, k))).collect::<Vec<f64>>()
        };
        let sp = |_: &Run, s: &Sample| speed(s);
        let dist = |r: &Run, s: &Sample| (s[1] - r.start[0]).hypot(s[2] - r.start[1]);
        let turn = |r: &Run, s: &Sample| s[3] - r.start_heading;
        let tiles = |_: &Run, s: &Sample| s[6];
        let half: Vec<f64> = rs.iter().map(|r| gap(r, r.hebb.len() / 2)).collect();
        let last: Vec<f64> = rs.iter().map(|r| gap(r, r.hebb.len() - 1)).collect();
        println!(
            "{fam:24} {} | {} {} | {} {} | {} {:>4.0} | {:<4.0} {:6.2} / {:6.2}",
            f(&col(0, &sp)),
            f(&col(1, &sp)),
            f(&col(0, &dist)),
            f(&col(1, &dist)),
            fa(&col(0, &turn)),
            fa(&col(1, &turn)),
            mean_std(&col(0, &tiles)).0,
            mean_std(&col(1, &tiles)).0,
            mean_std(&half).0,
            mean_std(&last).0,
        );
        if per_seed.as_deref() != Some(*fam) {
            continue;
        }
        for r in &rs {
            if series {
                for (i, (o, g)) in r.hebb.iter().zip(&r.box2d).enumerate() {
                    println!(
                        "  seed {} step {:4}: Box2D v {:6.2} heading {:+.3} on road {} steer {:+.2} | hebb v {:6.2} heading {:+.3} on road {} steer {:+.2} | gap {:6.2} m",
                        r.seed,
                        g[0],
                        speed(g),
                        g[3] - r.start_heading,
                        g[7],
                        g[8],
                        speed(o),
                        o[3] - r.start_heading,
                        o[7],
                        o[8],
                        gap(r, i)
                    );
                }
            }
            let (g, o) = (end(r, 0), end(r, 1));
            println!(
                "  seed {} step {}: Box2D speed {:.2} heading {:+.3} tiles {} | hebb speed {:.2} heading {:+.3} tiles {}",
                r.seed,
                g[0],
                speed(&g),
                g[3] - r.start_heading,
                g[6],
                speed(&o),
                o[3] - r.start_heading,
                o[6]
            );
        }
    }
    Ok(())
}
