//! Step-by-step comparison with pybullet from the very same start state.
//!
//! [`super::fidelity`] compares distributions over seeds, because contact-rich trajectories
//! diverge chaotically. Before the first contact they do not: `tools/pybullet/ant_landing.py`
//! records pybullet's trajectories under a periodic gait together with the initial joint angles
//! pybullet drew, and [`replay`] starts hebb's body from exactly those angles, so the fall onto the
//! legs and the landing can be compared step by step (the `ant_landing` example prints both; the
//! `ant_pybullet` test holds the fall to pybullet's).

use serde::Deserialize;

use super::body::{AntBody, Physics, SimParams};
use super::fidelity::{gait_phases, sine_action};
use super::morphology::Morphology;
use super::obs::rpy;
use super::{START_Z, TORQUE_SCALE};
use crate::error::{Error, Result};

/// A recording by `tools/pybullet/ant_landing.py`.
#[derive(Debug, Clone, Deserialize)]
pub struct LandingFixture {
    /// Gait pattern (`trot`, `bound`, `pronk`, `walk`).
    pub pattern: String,
    /// Gait frequency (Hz).
    pub freq: f64,
    /// Gait amplitude (action units).
    pub amp: f64,
    /// Whether pybullet ran a copy of the ant with unit ankle axes.
    #[serde(default)]
    pub unit_axes: bool,
    /// One recording per start seed.
    pub seeds: Vec<Trajectory>,
}

/// pybullet's trajectory from one start seed; per step, after the step.
#[derive(Debug, Clone, Deserialize)]
pub struct Trajectory {
    /// The initial joint angles (joint order).
    pub q0: Vec<f64>,
    /// Torso height (m).
    pub z: Vec<f64>,
    /// Torso roll and pitch (rad).
    pub rp: Vec<[f64; 2]>,
    /// Joint angles (rad).
    pub q: Vec<[f64; 8]>,
    /// Each lower leg's lowest point above the floor (m; negative inside it).
    pub low: Vec<[f64; 4]>,
    /// Foot contact flags (0 or 1).
    pub contact: Vec<[f64; 4]>,
}

/// hebb's state after one step, in the fixture's terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepState {
    /// Torso height (m).
    pub z: f64,
    /// Torso roll and pitch (rad).
    pub rp: [f64; 2],
    /// Joint angles (rad).
    pub q: [f64; 8],
    /// Each lower leg's lowest point above the floor (m).
    pub low: [f64; 4],
    /// Foot contact flags.
    pub contact: [bool; 4],
}

impl LandingFixture {
    /// Reads a recording and checks that its arrays agree in length.
    pub fn load(path: &std::path::Path) -> Result<LandingFixture> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let corrupt = |msg: String| Error::Corrupt { path: path.into(), msg };
        let fx: LandingFixture =
            serde_json::from_str(&text).map_err(|e| corrupt(format!("not an ant landing recording: {e}")))?;
        if gait_phases(&fx.pattern).is_none() {
            return Err(corrupt(format!("unknown gait pattern {:?}", fx.pattern)));
        }
        for (i, t) in fx.seeds.iter().enumerate() {
            let n = t.z.len();
            if t.q0.len() != 8
                || [t.rp.len(), t.q.len(), t.low.len(), t.contact.len()].iter().any(|&m| m != n)
            {
                return Err(corrupt(format!("seed {i}: arrays of different lengths")));
            }
        }
        Ok(fx)
    }

    /// The gait's actions at step `t` (0-based), as the recorder computed them.
    pub fn action(&self, t: usize) -> [f32; 8] {
        sine_action(&gait_phases(&self.pattern).unwrap_or([0.0; 8]), self.freq, self.amp, t)
    }
}

/// Runs hebb's `ant-bullet` body (standard morphology, stepping `sim`) from the trajectory's
/// initial joint angles under the fixture's gait, for as many steps as the trajectory has.
pub fn replay(fx: &LandingFixture, traj: &Trajectory, sim: SimParams) -> Vec<StepState> {
    let q: [f32; 8] = std::array::from_fn(|j| traj.q0.get(j).copied().unwrap_or(0.0) as f32);
    let mut body = AntBody::new(&Morphology::standard(), q, START_Z, Physics::Pybullet, sim);
    (0..traj.z.len())
        .map(|t| {
            body.step(fx.action(t).map(|a| TORQUE_SCALE * a));
            let r = body.readout();
            let [roll, pitch, _] = rpy(r.torso_quat);
            StepState {
                z: f64::from(r.torso_pos[2]),
                rp: [f64::from(roll), f64::from(pitch)],
                q: r.q.map(f64::from),
                low: std::array::from_fn(|k| f64::from(body.foot_low(k))),
                contact: r.feet_on_floor,
            }
        })
        .collect()
}
