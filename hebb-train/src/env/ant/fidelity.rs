//! Side-by-side comparison of the `ant-bullet` dynamics with pybullet's `AntBulletEnv-v0`.
//!
//! `tools/pybullet/ant_record.py` replays a plan of open-loop action sequences in pybullet and
//! writes, per episode, the statistics of [`EpisodeStats`] to a JSON fixture
//! (`hebb-train/tests/fixtures/pybullet_ant.json`). [`run_episode`] replays the same actions in
//! hebb's environment and computes the same statistics, and [`compare`] sets the two side by side
//! per group of episodes (one action family with one set of parameters, over several start
//! seeds). The actions are formulas ([`action`]), implemented identically on both sides; the
//! start seed only draws the initial joint angles, with each simulator's own random generator,
//! so only distributions over seeds are compared — contact-rich dynamics diverge chaotically,
//! and single trajectories never match.
//!
//! The `ant_vs_pybullet` example prints the whole comparison; the `ant_pybullet` test holds the
//! dynamics to it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::obs::rpy;
use super::{AntConfig, AntEnv};
use crate::env::{Action, Env};
use crate::error::{Error, Result};

/// Simulated time per env step (s), as the fixture's `dt`.
pub const DT: f64 = 0.0165;
/// Steps at which the torso height is recorded.
pub const Z_AT: [u32; 5] = [10, 50, 100, 200, 500];
/// The torso height series is recorded every this many steps.
pub const SERIES_EVERY: u32 = 10;

/// The random-action stream of the `random` family (SplitMix64, as in the Python recorder).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A uniform value in [−1, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// Parameters of an action family (the union of all families' fields).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Params {
    /// `random`: seed of the action stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_seed: Option<u64>,
    /// `sine`: the leg phase pattern (`trot`, `bound`, `pronk`, `walk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `sine`: frequency (Hz).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freq: Option<f64>,
    /// `sine`: amplitude (action units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amp: Option<f64>,
    /// `pulse`: the joint (action index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joint: Option<usize>,
    /// `pulse`: the action value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `pulse`: the number of steps it lasts from step 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<u32>,
    /// `const`: the action on every hip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hips: Option<f64>,
    /// `const`: the action on every ankle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ankles: Option<f64>,
}

/// The statistics of one episode (the same fields on both sides).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EpisodeStats {
    /// Env steps until `done` (alive < 0) or the 1000-step limit.
    pub alive: u32,
    /// Torso height at the steps of [`Z_AT`] the episode reached (keys are the step numbers).
    pub z_at: BTreeMap<String, f64>,
    /// Mean torso height over the episode (m).
    pub z_mean: f64,
    /// Mean |roll| (rad).
    pub roll: f64,
    /// Mean |pitch| (rad).
    pub pitch: f64,
    /// Displacement of pybullet's `body_xyz` (x, mean of the parts) over the episode (m).
    pub dx: f64,
    /// The same in y (m).
    pub dy: f64,
    /// Mean joint angle per joint (rad).
    pub q_mean: Vec<f64>,
    /// Standard deviation of each joint angle over time (rad).
    pub q_std: Vec<f64>,
    /// Mean |joint velocity| (rad/s).
    pub qd_abs: Vec<f64>,
    /// Fraction of steps each foot touched the floor.
    pub contact: Vec<f64>,
    /// Sums of the reward terms: alive, progress, electricity, joints at limit.
    pub terms: Vec<f64>,
    /// Torso height every [`SERIES_EVERY`] steps.
    pub z_series: Vec<f64>,
}

/// One episode of the plan, with pybullet's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// `zero`, `random`, `sine`, `pulse` or `const`.
    pub family: String,
    /// The family's parameters.
    pub params: Params,
    /// Start seed (initial joint angles).
    pub seed: u64,
    /// pybullet's statistics.
    pub result: EpisodeStats,
}

impl Episode {
    /// The group this episode belongs to: the family and its parameters, except that all
    /// random-action streams form one group.
    pub fn group(&self) -> String {
        let p = &self.params;
        match self.family.as_str() {
            "sine" => format!(
                "sine {} {} Hz amp {}",
                p.pattern.as_deref().unwrap_or("?"),
                p.freq.unwrap_or(0.0),
                p.amp.unwrap_or(0.0)
            ),
            "pulse" => format!(
                "pulse joint {} = {} for {} steps",
                p.joint.unwrap_or(0),
                p.value.unwrap_or(0.0),
                p.len.unwrap_or(0)
            ),
            "const" => format!("const hips {} ankles {}", p.hips.unwrap_or(0.0), p.ankles.unwrap_or(0.0)),
            f => f.to_string(),
        }
    }
}

/// The fixture written by `tools/pybullet/ant_record.py`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fixture {
    /// Where the numbers come from.
    pub source: String,
    /// pybullet's version.
    pub pybullet_version: String,
    /// The episodes.
    pub episodes: Vec<Episode>,
}

impl Fixture {
    /// Reads a fixture file.
    pub fn load(path: &std::path::Path) -> Result<Fixture> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt {
            path: path.into(),
            msg: format!("not a pybullet ant fixture: {e}"),
        })
    }
}

/// Leg phases of a gait pattern, per action index (the ankle a quarter period behind its hip).
pub fn gait_phases(pattern: &str) -> Option<[f64; 8]> {
    use std::f64::consts::PI;
    let legs = match pattern {
        "trot" => [0.0, PI, 0.0, PI],
        "bound" => [0.0, PI, PI, 0.0],
        "pronk" => [0.0; 4],
        "walk" => [0.0, 0.5 * PI, PI, 1.5 * PI],
        _ => return None,
    };
    Some(std::array::from_fn(|j| legs[j / 2] - if j % 2 == 1 { 0.5 * PI } else { 0.0 }))
}

/// A periodic gait's action at step `t` (0-based): `amp · sin(2π·freq·t·DT + phase_j)`, clipped.
pub fn sine_action(phases: &[f64; 8], freq: f64, amp: f64, t: usize) -> [f32; 8] {
    let w = 2.0 * std::f64::consts::PI * freq * DT * t as f64;
    std::array::from_fn(|j| (amp * (w + phases[j]).sin()).clamp(-1.0, 1.0) as f32)
}

/// The action of `ep` at step `t` (0-based); `rng` is the episode's random stream.
pub fn action(ep: &Episode, t: u32, rng: &mut SplitMix64) -> Result<[f32; 8]> {
    let p = &ep.params;
    let bad = || Error::Config(format!("fixture: bad parameters for family {}: {p:?}", ep.family));
    Ok(match ep.family.as_str() {
        "zero" => [0.0; 8],
        "random" => std::array::from_fn(|_| rng.uniform() as f32),
        "sine" => {
            let ph = gait_phases(p.pattern.as_deref().ok_or_else(bad)?).ok_or_else(bad)?;
            sine_action(&ph, p.freq.ok_or_else(bad)?, p.amp.ok_or_else(bad)?, t as usize)
        }
        "pulse" => {
            let (j, v, len) = (p.joint.ok_or_else(bad)?, p.value.ok_or_else(bad)?, p.len.ok_or_else(bad)?);
            if j >= 8 {
                return Err(bad());
            }
            let mut a = [0.0; 8];
            if t < len {
                a[j] = v as f32;
            }
            a
        }
        "const" => {
            let (h, k) = (p.hips.ok_or_else(bad)?, p.ankles.ok_or_else(bad)?);
            std::array::from_fn(|j| if j % 2 == 0 { h as f32 } else { k as f32 })
        }
        _ => return Err(bad()),
    })
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 }
}

fn std(v: &[f64]) -> f64 {
    let m = mean(v);
    if v.is_empty() {
        0.0
    } else {
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt()
    }
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Replays `ep`'s actions in hebb's ant (built from `cfg`, Gym reward, no paper protocol) from
/// start seed `seed` and computes the episode's statistics.
pub fn run_episode(cfg: &AntConfig, ep: &Episode, seed: u64) -> Result<EpisodeStats> {
    let mut cfg = cfg.clone();
    cfg.paper_fitness = false;
    let mut env = AntEnv::new(cfg)?;
    let mut obs = vec![0.0; env.obs_dim()];
    env.reset(seed, &mut obs);
    let start = env.body().readout().parts_xy;
    let mut rng = SplitMix64::new(ep.params.action_seed.unwrap_or(0));
    let (mut zs, mut rolls, mut pitches) = (Vec::new(), Vec::new(), Vec::new());
    let (mut qs, mut qds, mut contacts) = (Vec::new(), Vec::new(), Vec::new());
    let mut terms = [0.0f64; 4];
    let mut s = EpisodeStats::default();
    let mut steps = 0;
    for t in 0..super::MAX_STEPS {
        let a = action(ep, t, &mut rng)?;
        let step = env.step(Action::Continuous(&a), &mut obs);
        steps += 1;
        let r = env.body().readout();
        let z = r.torso_pos[2] as f64;
        let [roll, pitch, _] = rpy(r.torso_quat);
        zs.push(z);
        rolls.push(roll.abs() as f64);
        pitches.push(pitch.abs() as f64);
        qs.push(r.q.map(f64::from));
        qds.push(r.qd.map(|v| v.abs() as f64));
        contacts.push(r.feet_on_floor.map(|c| if c { 1.0 } else { 0.0 }));
        let tm = env.terms();
        for (acc, v) in terms.iter_mut().zip([tm.alive, tm.progress, tm.electricity, tm.joints_at_limit]) {
            *acc += v as f64;
        }
        if Z_AT.contains(&steps) {
            s.z_at.insert(steps.to_string(), round4(z));
        }
        if steps % SERIES_EVERY == 0 {
            s.z_series.push(round4(z));
        }
        if step.terminated || step.truncated {
            break;
        }
    }
    let end = env.body().readout().parts_xy;
    let column = |rows: &[[f64; 8]], j: usize| rows.iter().map(|r| r[j]).collect::<Vec<_>>();
    s.alive = steps;
    s.z_mean = round4(mean(&zs));
    s.roll = round4(mean(&rolls));
    s.pitch = round4(mean(&pitches));
    s.dx = round4(end[0] - start[0]);
    s.dy = round4(end[1] - start[1]);
    s.q_mean = (0..8).map(|j| round4(mean(&column(&qs, j)))).collect();
    s.q_std = (0..8).map(|j| round4(std(&column(&qs, j)))).collect();
    s.qd_abs = (0..8).map(|j| round4(mean(&column(&qds, j)))).collect();
    s.contact = (0..4).map(|k| round4(mean(&contacts.iter().map(|c| c[k]).collect::<Vec<_>>()))).collect();
    s.terms = terms.iter().map(|&v| round4(v)).collect();
    Ok(s)
}

/// A scalar statistic of an episode, by name (see [`STATS`]); `None` where the episode has no
/// value (a height at a step it did not reach).
pub fn stat(s: &EpisodeStats, name: &str) -> Option<f64> {
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let hips = |v: &[f64]| v.iter().step_by(2).sum::<f64>() / 4.0;
    let ankles = |v: &[f64]| v.iter().skip(1).step_by(2).sum::<f64>() / 4.0;
    Some(match name {
        "alive" => s.alive as f64,
        "survives" => f64::from(u8::from(s.alive >= super::MAX_STEPS)),
        "z_mean" => s.z_mean,
        "z@50" => *s.z_at.get("50")?,
        "z@100" => *s.z_at.get("100")?,
        "z@500" => *s.z_at.get("500")?,
        "roll" => s.roll,
        "pitch" => s.pitch,
        "distance" => s.dx.hypot(s.dy),
        "hip_std" => hips(&s.q_std),
        "ankle_std" => ankles(&s.q_std),
        "hip_speed" => hips(&s.qd_abs),
        "ankle_speed" => ankles(&s.qd_abs),
        "contact" => sum(&s.contact) / 4.0,
        "alive_sum" => *s.terms.first()?,
        "progress_sum" => *s.terms.get(1)?,
        "electricity_per_step" => *s.terms.get(2)? / s.alive.max(1) as f64,
        "limits_per_step" => *s.terms.get(3)? / s.alive.max(1) as f64,
        _ => return None,
    })
}

/// The statistics [`compare`] reports, with the smallest difference that counts (the spread
/// floor: below it a difference is measurement noise, e.g. a group whose pybullet seeds all agree).
pub const STATS: &[(&str, f64)] = &[
    ("alive", 10.0),
    ("survives", 0.1),
    ("z_mean", 0.01),
    ("z@50", 0.01),
    ("z@100", 0.01),
    ("z@500", 0.01),
    ("roll", 0.02),
    ("pitch", 0.02),
    ("distance", 0.1),
    ("hip_std", 0.02),
    ("ankle_std", 0.02),
    ("hip_speed", 0.1),
    ("ankle_speed", 0.1),
    ("contact", 0.05),
    ("progress_sum", 5.0),
    ("electricity_per_step", 0.01),
    ("limits_per_step", 0.02),
];

/// One statistic of one group, pybullet beside hebb.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The episode group.
    pub group: String,
    /// The statistic.
    pub stat: &'static str,
    /// Episodes with a value (pybullet, hebb).
    pub n: (usize, usize),
    /// pybullet's mean and standard deviation over its episodes.
    pub pybullet: (f64, f64),
    /// hebb's mean and standard deviation.
    pub hebb: (f64, f64),
    /// The tolerance: pybullet's seed-to-seed spread, at least the statistic's floor.
    pub tolerance: f64,
}

impl Row {
    /// Whether hebb's mean lies within pybullet's spread of pybullet's mean.
    pub fn within(&self) -> bool {
        match self.n {
            (0, 0) => true,
            (0, _) | (_, 0) => false,
            _ => (self.hebb.0 - self.pybullet.0).abs() <= self.tolerance,
        }
    }
}

/// Runs every fixture episode's actions in hebb from start seeds
/// `seed·seeds_per_episode .. (seed + 1)·seeds_per_episode` (so hebb's sample of a group has
/// `seeds_per_episode` × pybullet's size, and different episodes of a group get different seeds,
/// as in pybullet). Episodes run in parallel on the current rayon pool; the result does not
/// depend on the thread count.
pub fn replay(
    cfg: &AntConfig,
    fixture: &Fixture,
    seeds_per_episode: u64,
) -> Result<Vec<(Episode, Vec<EpisodeStats>)>> {
    use rayon::prelude::*;
    fixture
        .episodes
        .par_iter()
        .map(|ep| {
            let base = ep.seed * seeds_per_episode;
            let runs =
                (0..seeds_per_episode).map(|k| run_episode(cfg, ep, base + k)).collect::<Result<Vec<_>>>()?;
            Ok((ep.clone(), runs))
        })
        .collect()
}

/// Groups the replayed episodes and sets each statistic of [`STATS`] side by side.
pub fn compare(replayed: &[(Episode, Vec<EpisodeStats>)]) -> Vec<Row> {
    let mut groups: BTreeMap<String, (Vec<&EpisodeStats>, Vec<&EpisodeStats>)> = BTreeMap::new();
    for (ep, runs) in replayed {
        let g = groups.entry(ep.group()).or_default();
        g.0.push(&ep.result);
        g.1.extend(runs.iter());
    }
    let mut rows = Vec::new();
    for (group, (pb, hb)) in &groups {
        for &(name, floor) in STATS {
            let p: Vec<f64> = pb.iter().filter_map(|s| stat(s, name)).collect();
            let h: Vec<f64> = hb.iter().filter_map(|s| stat(s, name)).collect();
            if p.is_empty() && h.is_empty() {
                continue;
            }
            rows.push(Row {
                group: group.clone(),
                stat: name,
                n: (p.len(), h.len()),
                pybullet: (mean(&p), std(&p)),
                hebb: (mean(&h), std(&h)),
                tolerance: std(&p).max(floor),
            });
        }
    }
    rows
}

/// One statistic pooled over every episode of a family (all its groups together), pybullet
/// beside hebb: `(family, statistic, pybullet mean, hebb mean)`.
pub fn pooled(replayed: &[(Episode, Vec<EpisodeStats>)], name: &str) -> Vec<(String, f64, f64)> {
    let mut fam: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (ep, runs) in replayed {
        let f = fam.entry(ep.family.clone()).or_default();
        f.0.extend(stat(&ep.result, name));
        f.1.extend(runs.iter().filter_map(|s| stat(s, name)));
    }
    fam.into_iter()
        .filter(|(_, (p, h))| !p.is_empty() && !h.is_empty())
        .map(|(f, (p, h))| (f, mean(&p), mean(&h)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_stream() {
        // The first outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let u = SplitMix64::new(7).uniform();
        assert!((-1.0..1.0).contains(&u));
    }

    #[test]
    fn gait_ankles_lag_their_hips_by_a_quarter_period() {
        let p = gait_phases("trot").unwrap();
        assert!((p[0] - p[1] - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        assert!((p[2] - std::f64::consts::PI).abs() < 1e-12);
        assert!(gait_phases("gallop").is_none());
    }
}
