//! Which car-racing tracks a trained agent loses, and how (docs/results.md, car racing).
//!
//! ```sh
//! cargo run --release -p hebb-train --example car_failures -- results/car-paper-hebbian
//! ```
//!
//! Replays the 100 evaluation episodes of `hebb eval` (same seeds) with the run's protocol
//! and, per episode, records the score, the steps, the fraction of tiles visited, how it ended
//! (lap complete, time limit, off the playfield, or the paper's early stop after more than 20
//! steps of negative reward), the car's speed and distance from the road at the end, and the
//! track: its length, its sharpest turn, and the turn where the car lost the road (the
//! heading change over the tiles before the first tile it did not reach). Writes
//! `RUN/failures/episodes.csv`, `RUN/failures/failures.png` (tiles visited against the end
//! speed, by what went wrong) and a GIF of the lowest-scoring episode,
//! `RUN/failures/worst.gif`, and prints a summary.

use std::path::PathBuf;

use clap::Parser;
use hebb_train::env::car::CarRacing;
use hebb_train::env::car::track::TRACK_WIDTH;
use hebb_train::episode::{MAX_EPISODE_STEPS, Policy, drive, weight_seed};
use hebb_train::es::derive_seed;
use hebb_train::eval::{load_agent, render_episode};
use hebb_train::{Error, Result};
use plotters::prelude::*;

#[derive(Parser)]
struct Args {
    /// The run directory (or rule file) of a car-racing agent.
    run: PathBuf,
    /// Episodes (the first N of `hebb eval`'s).
    #[arg(long, default_value_t = 100)]
    episodes: usize,
    /// `hebb eval`'s evaluation seed.
    #[arg(long, default_value_t = 12345)]
    seed: u64,
    /// Where the CSV, figure and GIF go [default: RUN/failures].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Tiles over which a turn is measured (≈ 20 m of track).
const TURN_TILES: usize = 3;

#[derive(Debug, Clone)]
struct Ep {
    index: usize,
    seed: u64,
    score: f64,
    steps: u32,
    visited: f64,
    ending: &'static str,
    tiles: usize,
    sharpest: f64,
    lost_at_turn: Option<f64>,
    /// Speed at the end (m/s).
    end_speed: f64,
    /// Distance from the car to the nearest tile centre at the end, in half road widths.
    end_offset: f64,
}

/// What went wrong, from the ending and where the car was: a full lap; off the road (more
/// than a half road width from the nearest tile centre when the episode stopped); a loop
/// driven with tiles missed (≥ 90 % of the tiles, on the road: the cut corners cost the lap);
/// anything else.
fn class(e: &Ep) -> &'static str {
    if e.ending == "lap" {
        "lap"
    } else if e.end_offset > 1.0 || e.ending == "off the playfield" {
        "off the road"
    } else if e.visited >= 0.9 {
        "tiles missed"
    } else {
        "other"
    }
}

/// Heading change (radians, absolute) from tile `i` over the next `TURN_TILES` tiles.
fn turn(beta: &[f64], i: usize) -> f64 {
    let n = beta.len();
    let j = (i + TURN_TILES) % n;
    let mut d = beta[j] - beta[i];
    while d > std::f64::consts::PI {
        d -= 2.0 * std::f64::consts::PI;
    }
    while d < -std::f64::consts::PI {
        d += 2.0 * std::f64::consts::PI;
    }
    d.abs()
}

fn main() -> Result<()> {
    let a = Args::parse();
    let agent = load_agent(&a.run, None)?;
    let setup = agent.setup()?;
    if setup.cfg.env != hebb_train::setup::CAR_ENV {
        return Err(Error::Config(format!(
            "{} is a `{}` run, not car racing",
            a.run.display(),
            setup.cfg.env
        )));
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| if a.run.is_dir() { a.run.join("failures") } else { PathBuf::from("failures") });
    std::fs::create_dir_all(&out).map_err(|e| Error::Config(format!("{}: {e}", out.display())))?;

    let mut env = CarRacing::new(setup.cfg.paper_fitness);
    let mut net = setup.make_net()?;
    let mut cnn = Box::new(hebb_core::cnn::Cnn::new());
    let mut act = Vec::new();
    let mut obs = vec![0.0f32; setup.obs_dim];
    let mut eps = Vec::new();
    for e in 0..a.episodes {
        // `hebb eval`'s episode seeds (variant 0).
        let seed = derive_seed(a.seed, &[7, 0, e as u64]);
        let mut policy =
            Policy::new(&setup, &agent.params, net.as_mut(), Some(&mut cnn), &mut act, weight_seed(seed))?;
        let mut last_reward = 0.0f32;
        let ep =
            drive(&mut env, &mut policy, seed, &mut obs, MAX_EPISODE_STEPS, |_, _, _, r| last_reward = r)?;
        let track = env.track();
        let beta: Vec<f64> = track.points().iter().map(|p| p[1]).collect();
        let n = track.len();
        let visited = env.visited();
        // The first tile not reached, in track order: where the car lost the road.
        let first_missed = visited.iter().position(|v| !v);
        let ending = if env.tiles_visited() == n {
            "lap"
        } else if last_reward <= -100.0 {
            "off the playfield"
        } else if ep.steps >= 1000 {
            "time limit"
        } else {
            "early stop"
        };
        // The sharpest turn over the tiles just before the first missed one.
        let lost_at_turn = first_missed
            .map(|m| (0..=TURN_TILES).map(|k| turn(&beta, (m + n - 1 - k) % n)).fold(0.0, f64::max));
        let [x, y] = env.car_position();
        let [vx, vy] = env.car_velocity();
        let d2 = track
            .centres()
            .iter()
            .map(|c| ((c[0] - x) as f64).powi(2) + ((c[1] - y) as f64).powi(2))
            .fold(f64::INFINITY, f64::min);
        eps.push(Ep {
            end_speed: ((vx * vx + vy * vy) as f64).sqrt(),
            end_offset: d2.sqrt() / TRACK_WIDTH,
            index: e,
            seed,
            score: ep.ret,
            steps: ep.steps,
            visited: env.tiles_visited() as f64 / n as f64,
            ending,
            tiles: n,
            sharpest: (0..n).map(|i| turn(&beta, i)).fold(0.0, f64::max),
            lost_at_turn,
        });
    }

    let mut csv = String::from(
        "episode,seed,score,steps,tiles_visited_fraction,ending,track_tiles,sharpest_turn_rad,turn_where_lost_rad,end_speed_m_s,end_offset_half_widths\n",
    );
    for e in &eps {
        csv += &format!(
            "{},{},{:.2},{},{:.4},{},{},{:.4},{},{:.2},{:.2}\n",
            e.index,
            e.seed,
            e.score,
            e.steps,
            e.visited,
            e.ending,
            e.tiles,
            e.sharpest,
            e.lost_at_turn.map_or(String::new(), |t| format!("{t:.4}")),
            e.end_speed,
            e.end_offset
        );
    }
    hebb_train::fsio::write_atomic(&out.join("episodes.csv"), csv.as_bytes())?;

    // Summary.
    let n = eps.len() as f64;
    let mean = eps.iter().map(|e| e.score).sum::<f64>() / n;
    println!("{} episodes: mean {mean:.1}", eps.len());
    for ending in ["lap", "time limit", "early stop", "off the playfield"] {
        let g: Vec<&Ep> = eps.iter().filter(|e| e.ending == ending).collect();
        if g.is_empty() {
            continue;
        }
        let m = g.iter().map(|e| e.score).sum::<f64>() / g.len() as f64;
        let v = g.iter().map(|e| e.visited).sum::<f64>() / g.len() as f64;
        let s = g.iter().map(|e| e.sharpest).sum::<f64>() / g.len() as f64;
        println!(
            "  {ending:<18} {:>3} episodes, mean score {m:>6.1}, tiles visited {:>5.1} %, sharpest turn {s:.2} rad",
            g.len(),
            100.0 * v
        );
    }
    // The early stops: off the road at the end, or on it (stalled or missing tiles)?
    let stops: Vec<&Ep> = eps.iter().filter(|e| e.ending == "early stop").collect();
    if !stops.is_empty() {
        let off = stops.iter().filter(|e| e.end_offset > 1.0).count();
        let slow = stops.iter().filter(|e| e.end_offset <= 1.0 && e.end_speed < 2.0).count();
        let mean_speed = stops.iter().map(|e| e.end_speed).sum::<f64>() / stops.len() as f64;
        println!(
            "  early stops: {off} with the car off the road at the end (> one half width from the centre line), \
             {slow} on the road below 2 m/s, {} on the road and moving; mean end speed {mean_speed:.1} m/s",
            stops.len() - off - slow
        );
    }
    for c in ["lap", "off the road", "tiles missed", "other"] {
        let g: Vec<&Ep> = eps.iter().filter(|e| class(e) == c).collect();
        if g.is_empty() {
            continue;
        }
        let m = g.iter().map(|e| e.score).sum::<f64>() / g.len() as f64;
        let v = g.iter().map(|e| e.visited).sum::<f64>() / g.len() as f64;
        let sp = g.iter().map(|e| e.end_speed).sum::<f64>() / g.len() as f64;
        let lost = (g.len() as f64 * (1000.0 - m)) / n;
        println!(
            "  class {c:<13} {:>3} episodes, mean score {m:>6.1}, tiles {:>5.1} %, end speed {sp:>4.1} m/s; \
             {lost:>5.1} points below 1000 of the mean",
            g.len(),
            100.0 * v
        );
    }
    let below = eps.iter().filter(|e| e.score < 800.0).count();
    println!("  {below} episodes below 800");
    // Where the car lost the road, against the track's turns overall.
    let lost: Vec<f64> = eps.iter().filter(|e| e.ending != "lap").filter_map(|e| e.lost_at_turn).collect();
    if !lost.is_empty() {
        let all_turns: f64 = eps.iter().map(|e| e.sharpest).sum::<f64>() / n;
        println!(
            "  turn where the road was lost: mean {:.2} rad over {} failed episodes (the tracks' sharpest turns average {all_turns:.2} rad)",
            lost.iter().sum::<f64>() / lost.len() as f64,
            lost.len()
        );
    }

    // Figure: score against the sharpest turn, one colour per ending.
    let png = out.join("failures.png");
    hebb_train::plot::ensure_font();
    {
        let root = BitMapBackend::new(&png, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| Error::Config(e.to_string()))?;
        let ymax = eps.iter().map(|e| e.end_speed).fold(0.0, f64::max) * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption("car racing: how the 100 evaluation episodes end", ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..1.02, 0.0..ymax.max(1.0))
            .map_err(|e| Error::Config(e.to_string()))?;
        chart
            .configure_mesh()
            .x_desc("fraction of the track's tiles visited")
            .y_desc("speed when the episode ended (m/s)")
            .draw()
            .map_err(|e| Error::Config(e.to_string()))?;
        let p = hebb_train::plot::PALETTE;
        let colours = [("lap", p[0]), ("off the road", p[1]), ("tiles missed", p[2]), ("other", p[4])];
        for (c, colour) in colours {
            let pts: Vec<(f64, f64)> =
                eps.iter().filter(|e| class(e) == c).map(|e| (e.visited, e.end_speed)).collect();
            if pts.is_empty() {
                continue;
            }
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, colour.filled())))
                .map_err(|e| Error::Config(e.to_string()))?
                .label(format!("{c} ({})", pts.len()))
                .legend(move |(x, y)| Circle::new((x, y), 4, colour.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| Error::Config(e.to_string()))?;
        root.present().map_err(|e| Error::Config(e.to_string()))?;
    }
    println!("wrote {}", png.display());

    // A GIF of the lowest-scoring episode.
    if let Some(worst) = eps.iter().min_by(|a, b| a.score.total_cmp(&b.score)) {
        let mut gif = hebb_train::video::GifWriter::new(3, 4)?;
        render_episode(&setup, &agent.params, 0, worst.seed, worst.steps + 1, 2, &mut gif)?;
        let path = out.join("worst.gif");
        gif.write(&path)?;
        println!(
            "wrote {} (episode {}, score {:.1}, {}, {:.0} % of the tiles)",
            path.display(),
            worst.index,
            worst.score,
            worst.ending,
            100.0 * worst.visited
        );
    }
    Ok(())
}
