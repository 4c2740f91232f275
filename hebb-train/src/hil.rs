//! Hardware in the loop: a desktop simulation (the quadruped by default; any environment whose
//! rule file the firmware runs — CartPole, a deeper network, …) with its controller inside the
//! `hebb-mcu` firmware, booted in QEMU (`netduinoplus2`) and connected through the emulated
//! UART (QEMU's serial on the child's stdin/stdout) — or flashed on a real board behind a serial
//! port (`hebb hil --serial`, [`crate::hil_transport`]) — speaking the wire protocol of
//! [`hebb_core::wire`]. The firmware runs the same `hebb-core` step as the desktop, so the
//! robot must walk exactly as far as in the desktop-only run with the same seed.

use std::path::{Path, PathBuf};
use std::process::Command;

use hebb_core::rulefile::RuleFile;
use hebb_core::wire::{ErrorCode, Floats, Request, Timing};

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
use crate::policy::ActionMapping;

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
    /// The body's x position after each step (NaN for an environment without a body position).
    pub x: Vec<f32>,
    /// The network's outputs, step by step (the firmware's replies; on the desktop, the
    /// outputs before they are mapped to an action).
    pub outputs: Vec<Vec<f32>>,
}

/// Runs one episode of `env` with the firmware as controller: `Reset{weight_seed}`, then per
/// step the observation goes out over the UART and the network's outputs come back, mapped to
/// an action as training maps them. `rule` is the rule file the firmware was built with (its
/// header gives the network's shape and the action mapping).
pub fn run_episode(
    mcu: &mut Mcu,
    rule: &[u8],
    env: &mut dyn Env,
    env_seed: u64,
    weight_seed: u64,
    max_steps: u32,
) -> Result<HilEpisode> {
    let (_, setup) = firmware_agent(rule, env)?;
    match mcu.request(&Request::Reset { seed: weight_seed })? {
        Reply::ResetDone { seed } if seed == weight_seed => {}
        other => return Err(Error::Firmware(format!("reset: unexpected reply {other:?}"))),
    }
    let n_out = setup.sizes.output();
    let mut fw = Firmware { mcu, mapping: &setup.mapping, n_out, outputs: Vec::new(), buf: Vec::new(), t: 0 };
    record(env, &mut fw, env_seed, max_steps, |c| c.outputs.clone())
}

/// Checks that the firmware can control `env` with `rule` (see [`run_episode`]), before any
/// firmware is built: one line where it cannot.
pub fn check_controls(rule: &[u8], env: &dyn Env) -> Result<()> {
    firmware_agent(rule, env).map(|_| ())
}

/// The setup of `rule` for `env`, refused with one line where the firmware cannot control
/// `env` with it: a CNN front end (the firmware runs the plastic network only) or a network
/// whose input or output size is not the environment's.
fn firmware_agent(rule: &[u8], env: &dyn Env) -> Result<(crate::eval::Agent, crate::Setup)> {
    let agent = crate::eval::agent_from_rule(rule, Some(env.name()))?;
    let setup = agent.setup()?;
    if setup.n_cnn > 0 {
        return Err(Error::Firmware(format!(
            "`{}` needs a CNN front end, which the firmware does not run (it runs the plastic network only)",
            env.name()
        )));
    }
    let (n_in, n_out) = (env.obs_dim(), env.action_space().n_outputs());
    if setup.sizes.input() != n_in || setup.sizes.output() != n_out {
        return Err(Error::Firmware(format!(
            "the rule's network is {}; `{}` needs {n_in} inputs and {n_out} outputs",
            setup.sizes,
            env.name()
        )));
    }
    Ok((agent, setup))
}

/// The firmware as an episode controller.
struct Firmware<'m> {
    mcu: &'m mut Mcu,
    mapping: &'m ActionMapping,
    n_out: usize,
    /// The last outputs the firmware sent.
    outputs: Vec<f32>,
    buf: Vec<f32>,
    t: u32,
}

impl Controller for Firmware<'_> {
    fn act(&mut self, obs: &[f32]) -> Result<Option<Action<'_>>> {
        let t = self.t;
        self.t += 1;
        self.outputs = match self.mcu.request(&Request::Step { obs: Floats::new(obs) })? {
            Reply::Action(a) if a.len() == self.n_out => a,
            Reply::Action(a) => {
                return Err(Error::Firmware(format!(
                    "step {t}: the firmware sent {} outputs, not {}",
                    a.len(),
                    self.n_out
                )));
            }
            other => return Err(Error::Firmware(format!("step {t}: firmware replied {other:?}"))),
        };
        Ok(Some(self.mapping.map(&self.outputs, &mut self.buf)))
    }
}

/// One episode through the shared driver ([`crate::episode::drive`]), recording the body's x
/// and the network's outputs (`last_outputs` of the controller) after each step.
fn record<C: Controller>(
    env: &mut dyn Env,
    ctl: &mut C,
    env_seed: u64,
    max_steps: u32,
    last_outputs: impl Fn(&C) -> Vec<f32>,
) -> Result<HilEpisode> {
    let mut obs = vec![0.0f32; env.obs_dim()];
    let (mut x, mut outputs) = (Vec::new(), Vec::new());
    let ep = drive(env, ctl, env_seed, &mut obs, max_steps, |_, env, c, _| {
        outputs.push(last_outputs(c));
        x.push(env.body_position().map_or(f32::NAN, |p| p[0]));
    })?;
    if ep.aborted {
        return Err(Error::Firmware(format!("step {}: the observation is not finite", ep.steps)));
    }
    Ok(HilEpisode { ret: ep.ret, steps: ep.steps, x, outputs })
}

/// Checks that `bytes` is a rule file (any shape: whether its network fits the chip is checked
/// when the firmware is built).
pub fn check_rule(bytes: &[u8]) -> Result<()> {
    let aligned = crate::rule_io::AlignedBytes::new(bytes);
    RuleFile::parse(aligned.bytes())?;
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
    let (agent, setup) = firmware_agent(rule, env)?;
    let mut net = setup.make_net()?;
    let mut act = Vec::new();
    let mut policy = Recording {
        policy: Policy::new(&setup, &agent.params, net.as_mut(), None, &mut act, weight_seed)?,
        last: Vec::new(),
    };
    record(env, &mut policy, env_seed, max_steps, |c| c.last.clone())
}

/// A policy that keeps the network's last outputs.
struct Recording<'a> {
    policy: Policy<'a>,
    last: Vec<f32>,
}

impl Controller for Recording<'_> {
    fn act(&mut self, obs: &[f32]) -> Result<Option<Action<'_>>> {
        let last = &mut self.last;
        self.policy.act_with(obs, |o| {
            last.clear();
            last.extend_from_slice(o);
        })
    }
}
