//! Hardware in the loop: the desktop quadruped simulation with its controller inside the
//! `hebb-mcu` firmware, booted in QEMU (`netduinoplus2`) and connected through the emulated
//! UART (QEMU's serial on the child's stdin/stdout) — or flashed on a real board behind a serial
//! port (`hebb hil --serial`, [`crate::hil_transport`]) — speaking the wire protocol of
//! [`hebb_core::wire`]. The firmware runs the same `hebb-core` step as the desktop, so the
//! robot must walk exactly as far as in the desktop-only run with the same seed.

use std::path::{Path, PathBuf};
use std::process::Command;

use hebb_core::rulefile::RuleFile;
use hebb_core::wire::{ErrorCode, Floats, Request, Timing};

/// Observation length of the quadruped `hebb hil` drives.
pub const OBS_LEN: usize = 28;
/// Action length of the quadruped.
pub const ACTION_LEN: usize = 8;

/// A reply from the firmware, owned (the wire's [`hebb_core::wire::Reply`] borrows its
/// decoding buffer).
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Sent once at boot.
    Ready {
        /// 0 if the flashed rule file loaded.
        rule_status: u8,
        /// Number of plastic synapses of the network.
        n_synapses: u32,
    },
    /// A reset was applied.
    ResetDone {
        /// The seed used.
        seed: u64,
    },
    /// The action of a step.
    Action(Vec<f32>),
    /// Step timing.
    Timing(Timing),
    /// The request could not be decoded or executed.
    Error {
        /// What went wrong.
        code: ErrorCode,
        /// Code-specific detail.
        detail: u32,
    },
}

impl From<hebb_core::wire::Reply<'_>> for Reply {
    fn from(r: hebb_core::wire::Reply<'_>) -> Reply {
        use hebb_core::wire::Reply as W;
        match r {
            W::Ready { rule_status, n_synapses } => Reply::Ready { rule_status, n_synapses },
            W::ResetDone { seed } => Reply::ResetDone { seed },
            W::Action(a) => Reply::Action(a.iter().collect()),
            W::Timing(t) => Reply::Timing(t),
            W::Error { code, detail } => Reply::Error { code, detail },
        }
    }
}

use crate::env::{Action, Env};
use crate::episode::{Controller, Policy, drive};
use crate::error::{Error, Result};

pub use crate::hil_transport::{Mcu, REPLY_TIMEOUT};

/// The workspace's `hebb-mcu` directory (as built from source).
pub fn mcu_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../hebb-mcu")
}

/// Builds the emulated board's wire-protocol server with `rule` flashed in (see
/// [`build_program`]) and returns the ELF's path.
pub fn build_firmware(rule: &Path) -> Result<PathBuf> {
    build_program(rule, "qemu-netduinoplus2")
}

/// Builds the firmware program `bin` (`cargo build --release --bin BIN` in `hebb-mcu` with
/// `HEBB_RULE`) and returns the ELF's path. Cargo features of the firmware can be passed in
/// `HEBB_MCU_FEATURES` (e.g. `portable-kernel`, to measure the plain-Rust kernel).
pub fn build_program(rule: &Path, bin: &str) -> Result<PathBuf> {
    let mcu = mcu_dir();
    let rule = std::fs::canonicalize(rule).map_err(|e| Error::io(rule, e))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&mcu).args(["build", "--release", "--quiet", "--bin", bin]).env("HEBB_RULE", &rule);
    if let Some(f) = std::env::var_os("HEBB_MCU_FEATURES").filter(|f| !f.is_empty()) {
        cmd.arg("--features").arg(f);
    }
    // The firmware has its own target directory and flags; don't inherit the host build's.
    for var in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    cmd.env("CARGO_TARGET_DIR", mcu.join("target"));
    let out =
        cmd.output().map_err(|e| Error::Firmware(format!("cannot run cargo to build hebb-mcu: {e}")))?;
    if !out.status.success() {
        return Err(Error::Firmware(format!(
            "building the firmware (cd {} && HEBB_RULE={} cargo build --release --bin {bin}) failed:\n{}",
            mcu.display(),
            rule.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(mcu.join("target/thumbv7em-none-eabihf/release").join(bin))
}

/// One hardware-in-the-loop episode.
#[derive(Debug, Clone, PartialEq)]
pub struct HilEpisode {
    /// Sum of rewards.
    pub ret: f64,
    /// Steps taken.
    pub steps: u32,
    /// Torso x position after each step.
    pub x: Vec<f32>,
    /// The actions the firmware sent, step by step.
    pub actions: Vec<[f32; ACTION_LEN]>,
}

/// Runs one episode of `env` with the firmware as controller: `Reset{weight_seed}`, then per
/// step the observation goes out over the UART and the action comes back.
pub fn run_episode(
    mcu: &mut Mcu,
    env: &mut dyn Env,
    env_seed: u64,
    weight_seed: u64,
    max_steps: u32,
) -> Result<HilEpisode> {
    if env.obs_dim() != OBS_LEN || env.action_space().n_outputs() != ACTION_LEN {
        return Err(Error::Firmware(format!(
            "the firmware controls a {OBS_LEN}→{ACTION_LEN} network; `{}` has {} observations and {} actions",
            env.name(),
            env.obs_dim(),
            env.action_space().n_outputs()
        )));
    }
    match mcu.request(&Request::Reset { seed: weight_seed })? {
        Reply::ResetDone { seed } if seed == weight_seed => {}
        other => return Err(Error::Firmware(format!("reset: unexpected reply {other:?}"))),
    }
    let mut fw = Firmware { mcu, action: [0.0; ACTION_LEN], t: 0 };
    record(env, &mut fw, env_seed, max_steps, |c| c.action)
}

/// The firmware as an episode controller.
struct Firmware<'m> {
    mcu: &'m mut Mcu,
    action: [f32; ACTION_LEN],
    t: u32,
}

impl Controller for Firmware<'_> {
    fn act(&mut self, obs: &[f32]) -> Result<Option<Action<'_>>> {
        let t = self.t;
        self.t += 1;
        self.action = match self.mcu.request(&Request::Step { obs: Floats::new(obs) })? {
            Reply::Action(a) => <[f32; ACTION_LEN]>::try_from(a.as_slice()).map_err(|_| {
                Error::Firmware(format!("step {t}: the firmware sent {} actions, not {ACTION_LEN}", a.len()))
            })?,
            other => return Err(Error::Firmware(format!("step {t}: firmware replied {other:?}"))),
        };
        Ok(Some(Action::Continuous(&self.action)))
    }
}

/// One episode through the shared driver ([`crate::episode::drive`]), recording the torso's x
/// and the action (`last_action` of the controller) after each step.
fn record<C: Controller>(
    env: &mut dyn Env,
    ctl: &mut C,
    env_seed: u64,
    max_steps: u32,
    last_action: impl Fn(&C) -> [f32; ACTION_LEN],
) -> Result<HilEpisode> {
    let mut obs = vec![0.0f32; env.obs_dim()];
    let (mut x, mut actions) = (Vec::new(), Vec::new());
    let ep = drive(env, ctl, env_seed, &mut obs, max_steps, |_, env, c, _| {
        actions.push(last_action(c));
        x.push(env.body_position().map_or(f32::NAN, |p| p[0]));
    })?;
    if ep.aborted {
        return Err(Error::Firmware(format!("step {}: the observation is not finite", ep.steps)));
    }
    Ok(HilEpisode { ret: ep.ret, steps: ep.steps, x, actions })
}

/// Checks that a rule file fits the firmware's network (the quadruped's 28-128-64-8).
pub fn check_rule(bytes: &[u8]) -> Result<()> {
    let f = RuleFile::parse(bytes)?;
    f.expect_sizes(hebb_core::AntNet::SIZES)?;
    Ok(())
}

/// The same episode on the desktop alone, as training and evaluation run it (the same
/// [`Policy`] and episode driver): the rule file's network and coefficients, the initial weights
/// as the firmware's `Reset` sets them — the co-evolved ones the file carries for
/// `--init coevolve`, else drawn from `weight_seed` with the file's distribution.
pub fn desktop_episode(
    rule: &[u8],
    env: &mut dyn Env,
    env_seed: u64,
    weight_seed: u64,
    max_steps: u32,
) -> Result<HilEpisode> {
    RuleFile::parse(rule)?.expect_sizes(hebb_core::AntNet::SIZES)?;
    let agent = crate::eval::agent_from_rule(rule, Some(env.name()))?;
    let setup = agent.setup()?;
    let mut net = setup.make_net()?;
    let mut cnn = (setup.n_cnn > 0).then(|| Box::new(hebb_core::cnn::Cnn::new()));
    let mut act = Vec::new();
    let mut policy = Recording {
        policy: Policy::new(&setup, &agent.params, net.as_mut(), cnn.as_deref_mut(), &mut act, weight_seed)?,
        last: [0.0; ACTION_LEN],
    };
    record(env, &mut policy, env_seed, max_steps, |c| c.last)
}

/// A policy that keeps its last action.
struct Recording<'a> {
    policy: Policy<'a>,
    last: [f32; ACTION_LEN],
}

impl Controller for Recording<'_> {
    fn act(&mut self, obs: &[f32]) -> Result<Option<Action<'_>>> {
        let a = self.policy.act(obs)?;
        if let Some(Action::Continuous(v)) = &a {
            for (l, x) in self.last.iter_mut().zip(v.iter()) {
                *l = *x;
            }
        }
        Ok(a)
    }
}
