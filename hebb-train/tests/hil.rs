//! Hardware in the loop, end to end: `hebb hil` builds the firmware with the shipped rule,
//! boots it in QEMU, lets it drive the simulated quadruped over the emulated UART, and checks
//! the robot moves exactly as in the desktop-only run (every action bit-identical) — and the
//! same for a CartPole rule of another shape, trained and exported here.

use std::process::Command;

#[path = "support/firmware_tools.rs"]
mod firmware_tools;
#[path = "support/run_hebb.rs"]
mod run_hebb;

#[test]
fn short_hil_episode_matches_desktop() {
    if !firmware_tools::require("hil") {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(["hil", "--steps", "80", "--seed", "3", "--morphology", "damaged-left"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hebb hil failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("every action identical, bit for bit"), "{stdout}");
    // Both runs report the same distance.
    let moved: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split("x moved ").nth(1))
        .map(|r| r.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(moved.len(), 2, "{stdout}");
    assert_eq!(moved[0], moved[1], "{stdout}");
}

/// Any shape, end to end as a user would go: `hebb train --env cartpole --hidden 32,16,8
/// --gens 30` (a 4-32-16-8-2 network), `hebb export`, then `hebb hil --rule` builds the firmware
/// from that file (its network type generated from the header), boots it in QEMU and lets it
/// balance the desktop pole: every output bit-identical to the desktop run, and the trained
/// rule keeps the pole up on the firmware (CartPole's 500-step cap). A rule of the wrong shape
/// for the environment is one clear line.
#[test]
fn trained_deep_cartpole_rule_balances_on_the_firmware() {
    if !firmware_tools::require("hil, trained CartPole rule") {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let hebb = |args: &[&str]| run_hebb::hebb(args, d.path());
    let (ok, _, err) =
        hebb(&["train", "--env", "cartpole", "--hidden", "32,16,8", "--gens", "30", "--out", "r", "--quiet"]);
    assert!(ok, "{err}");
    let (ok, _, err) = hebb(&["export", "r", "--out", "cartpole.hebb"]);
    assert!(ok, "{err}");
    let (ok, out, err) = hebb(&["inspect", "cartpole.hebb"]);
    assert!(ok && out.contains("4-32-16-8-2"), "{out}{err}");
    // Seed 1 (the 500-step episode training's evaluation measured as ≥ 475 in the CLI test).
    let (ok, out, err) = hebb(&["hil", "--rule", "cartpole.hebb", "--steps", "500", "--seed", "1"]);
    assert!(ok, "hebb hil failed:\n{out}\n{err}");
    eprintln!("{out}");
    assert!(out.contains("every action identical, bit for bit"), "{out}");
    assert!(out.starts_with("cartpole seed 1,"), "{out}");
    // Both runs report the same return; the pole stays up long on the firmware.
    let returns: Vec<f64> = out
        .lines()
        .filter_map(|l| l.split("return ").nth(1))
        .map(|r| r.split([' ', ',']).next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(returns.len(), 2, "{out}");
    assert_eq!(returns[0], returns[1], "{out}");
    assert!(
        returns[0] >= 475.0,
        "the trained 4-32-16-8-2 rule balanced only {} steps on the firmware: {out}",
        returns[0]
    );
    // The quadruped cannot be driven by a CartPole rule: refused before any build.
    let (ok, _, err) = hebb(&["hil", "--rule", "cartpole.hebb", "--env", "ant-bullet", "--steps", "5"]);
    assert!(
        !ok && err.contains("holds a 4-32-16-8-2 network") && err.contains("`ant-bullet` needs 28-"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// The real-serial path: the firmware in QEMU behind a pseudo-terminal pair (`-serial pty`, the
/// slave side a tty like a board's `/dev/ttyACM0`), driven by `hebb hil --serial PTY --baud N`
/// through the `serialport` crate — contact by `Timing` (the board booted before the port was
/// opened, so its `Ready` went nowhere), then the same protocol and the same bit-identical
/// episode as the QEMU stdio path.
#[cfg(unix)]
#[test]
fn serial_hil_over_a_pty_matches_desktop() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    if !firmware_tools::require("serial hil") {
        return;
    }
    let rule = hebb_train::hil::mcu_dir().join("rules/ant.hebb");
    let elf = hebb_train::hil::build_firmware(&rule).unwrap_or_else(|e| panic!("{e}"));
    let mut qemu = Command::new("qemu-system-arm")
        .args(["-machine", "netduinoplus2", "-display", "none", "-monitor", "none", "-serial", "pty"])
        .args(["-icount", "shift=0", "-kernel"])
        .arg(&elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start qemu-system-arm");
    // QEMU names the pty on stdout: "char device redirected to /dev/pts/N (label serial0)".
    let mut stdout = BufReader::new(qemu.stdout.take().unwrap());
    let mut line = String::new();
    let pty = loop {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let _ = qemu.kill();
            panic!("QEMU exited without naming its pty");
        }
        if let Some(rest) = line.split("redirected to ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in stdout.lines() {});
    let out = Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(["hil", "--serial", &pty, "--baud", "115200", "--steps", "60", "--seed", "3"])
        .output()
        .unwrap();
    let _ = qemu.kill();
    let _ = qemu.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hebb hil --serial {pty} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("every action identical, bit for bit"), "{stdout}");
    assert!(stdout.contains("60 steps"), "{stdout}");
}

/// A serial port that does not exist: a one-line error naming it.
#[test]
fn serial_hil_names_a_missing_port() {
    let out = Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(["hil", "--serial", "/dev/hebb-no-such-port", "--steps", "5"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("/dev/hebb-no-such-port") && stderr.contains("cannot open serial port"),
        "{stderr}"
    );
}

/// `hil`'s desktop reference runs the rule as training and evaluation do (the one episode
/// driver), initial weights included: with `--init coevolve` it starts from the weights the rule
/// file carries, as the firmware's `Reset` does — it used to draw uniform weights whatever the
/// file said. No QEMU needed.
#[test]
fn desktop_reference_honours_the_rules_initial_weights() {
    use hebb_train::episode::{Worker, weight_seed};
    use hebb_train::es::{EsState, derive_seed};
    use hebb_train::{Setup, TrainConfig};
    for init in ["coevolve", "normal", "uni"] {
        let cfg = TrainConfig {
            env: "ant-bullet".into(),
            variants: vec!["standard".into()],
            init: init.into(),
            ..TrainConfig::default()
        };
        let setup = Setup::new(cfg).unwrap();
        // A random rule (and random co-evolved weights): the ES's starting point, nudged so the
        // coefficients are not all of one sign pattern.
        let mut state = EsState::new(setup.dim, setup.n_penalized, &setup.cfg.es, 11);
        state.params.iter_mut().for_each(|p| *p *= 0.5);
        let bytes =
            hebb_train::export::rule_file_bytes(&setup, &state, hebb_core::rulefile::Encoding::F32).unwrap();
        let seed = derive_seed(5, &[1]);
        let mut worker = Worker::new(&setup).unwrap();
        let expected = worker.episode(&setup, Some(&state.params), 0, seed, None).unwrap();
        let mut env = setup.make_env(Some("standard")).unwrap();
        let d =
            hebb_train::hil::desktop_episode(&bytes, env.as_mut(), seed, weight_seed(seed), 1000).unwrap();
        assert_eq!((d.steps, d.ret.to_bits()), (expected.steps, expected.ret.to_bits()), "{init}");
        // Another weight seed: the same episode for co-evolved weights (they come from the
        // file), another for drawn ones.
        let mut env = setup.make_env(Some("standard")).unwrap();
        let other = hebb_train::hil::desktop_episode(&bytes, env.as_mut(), seed, weight_seed(seed + 1), 1000)
            .unwrap();
        assert_eq!(other.outputs == d.outputs, init == "coevolve", "{init}");
    }
}
