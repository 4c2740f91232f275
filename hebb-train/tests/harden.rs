//! The `hebb` binary against bad values, divergence, full disks, interrupted starts and resumes,
//! signals, stale temporary files, closed pipes and odd paths: each refusal is one clear line
//! and a non-zero exit, and nothing is left half-written.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hebb_train::run::{Checkpoint, RunDir};

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

fn hebb_cmd(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hebb"));
    c.args(args).current_dir(cwd);
    c
}

/// Runs `hebb`: exit code (`None`: killed by a signal), stdout, stderr.
fn hebb(args: &[&str], cwd: &Path) -> (Option<i32>, String, String) {
    let o = hebb_cmd(args, cwd).output().unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

/// Fails unless `args` is refused with one line on stderr containing every one of `want`.
fn refused(args: &[&str], cwd: &Path, want: &[&str]) -> String {
    let (code, _, err) = hebb(args, cwd);
    assert!(code.is_some_and(|c| c != 0), "{args:?} exited {code:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    for w in want {
        assert!(err.contains(w), "{args:?}: want `{w}` in: {err}");
    }
    err
}

fn train(dir: &Path, out: &str, extra: &[&str]) {
    let mut args = vec!["train", "--gens", "3", "--pop", "4", "--quiet", "--out", out];
    args.extend_from_slice(extra);
    let (code, _, err) = hebb(&args, dir);
    assert_eq!(code, Some(0), "{err}");
}

fn generation(run: &Path) -> u32 {
    RunDir::open(run).unwrap().load_checkpoint().unwrap().state.generation
}

/// Temporary files of atomic writes left anywhere under `dir`.
fn temps(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(temps(&p));
        } else if p.file_name().unwrap().to_string_lossy().contains(".tmp") {
            out.push(p);
        }
    }
    out
}

/// Item 1 and 3 and 11: out-of-domain values, huge sizes and absurd thread counts are refused
/// before anything is created, naming the flag and the allowed range.
#[test]
fn out_of_domain_values_are_refused_before_anything_is_created() {
    let d = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (&["--lr-decay", "nan"], &["--lr-decay", "(0, 1]", "NaN"]),
        (&["--lr", "inf"], &["--lr", "finite", "inf"]),
        (&["--sigma", "inf"], &["--sigma", "finite"]),
        (&["--sigma", "0"], &["--sigma", "> 0"]),
        (&["--weight-decay", "nan"], &["--weight-decay", "≥ 0"]),
        (&["--sigma-decay=-1"], &["--sigma-decay", "(0, 1]", "-1"]),
        (&["--lr-decay", "1.5"], &["--lr-decay", "(0, 1]"]),
        (&["--pop", "18446744073709551614"], &["--pop", "at most 1000000"]),
        (&["--pop", "1000000000000"], &["--pop", "at most 1000000"]),
        (&["--episodes", "0"], &["--episodes", "between 1 and"]),
        (&["--episodes", "18446744073709551615"], &["--episodes", "between 1 and"]),
        (&["--checkpoint-every", "0"], &["--checkpoint-every"]),
        (&["--threads", "100000"], &["--threads", "between 0", "1024"]),
    ];
    for (extra, want) in cases {
        let mut args = vec!["train", "--gens", "2", "--out", "r"];
        if !extra.contains(&"--pop") {
            args.extend_from_slice(&["--pop", "4"]);
        }
        args.extend_from_slice(extra);
        let t = Instant::now();
        refused(&args, d.path(), want);
        assert!(t.elapsed() < Duration::from_secs(20), "{extra:?} took {:?}", t.elapsed());
        assert!(!d.path().join("r").exists(), "{extra:?} created the run directory");
    }
    // Evaluation and export sizes too, on a real run.
    train(d.path(), "ok", &[]);
    refused(
        &["eval", "ok", "--episodes", "18446744073709551615"],
        d.path(),
        &["--episodes", "between 1 and"],
    );
    refused(&["eval", "ok", "--episodes", "0"], d.path(), &["--episodes"]);
    refused(&["eval", "ok", "--threads", "100000"], d.path(), &["--threads"]);
    // Item 12: the f16 check names its own flag.
    refused(
        &["export", "ok", "--f16", "--check-episodes", "0", "--out", "h.hebb"],
        d.path(),
        &["--check-episodes", "between 1 and"],
    );
    assert!(!d.path().join("h.hebb").exists());
}

/// Item 1 and 12: a config.json with a non-finite or out-of-range value gives an error naming
/// the file (and the field), for every command that reads it.
#[test]
fn bad_config_json_names_the_file() {
    let d = tempfile::tempdir().unwrap();
    train(d.path(), "r", &[]);
    let cfg_path = d.path().join("r/config.json");
    let good = std::fs::read_to_string(&cfg_path).unwrap();
    for (from, to, want) in [
        ("\"lr_decay\": 0.995", "\"lr_decay\": null", "invalid type: null"),
        ("\"lr_decay\": 0.995", "\"lr_decay\": 2.0", "es.lr_decay"),
        ("\"pop\": 4", "\"pop\": 1000000000000", "es.pop"),
        ("\"env\": \"cartpole\"", "\"env\": \"marsrover\"", "marsrover"),
    ] {
        assert!(good.contains(from), "{from} not in {good}");
        std::fs::write(&cfg_path, good.replace(from, to)).unwrap();
        for cmd in [
            &["eval", "r", "--episodes", "1"][..],
            &["export", "r", "--out", "x.hebb"],
            &["train", "--resume", "r", "--gens", "5"],
        ] {
            refused(cmd, d.path(), &["config.json", want]);
        }
    }
}

/// Item 2: a diverging update stops the run with a clear error and keeps the last good
/// checkpoint, which evaluates; no rule file is written.
#[test]
fn divergence_stops_the_run_and_keeps_the_last_checkpoint() {
    let d = tempfile::tempdir().unwrap();
    refused(
        &["train", "--env", "pendulum", "--gens", "3", "--pop", "8", "--lr", "1e39", "--out", "b", "--quiet"],
        d.path(),
        &["diverged", "generation 0", "checkpoint (generation 0) is kept"],
    );
    assert_eq!(generation(&d.path().join("b")), 0);
    assert!(!d.path().join("b/rule.hebb").exists());
    let (code, out, err) = hebb(&["eval", "b", "--episodes", "1"], d.path());
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("after 0 generations"), "{out}");
}

/// Item 2: a rule file holding NaN coefficients (written by hand, with a valid CRC) is flagged
/// by `hebb inspect`: the statistics skip them, a line counts them, the exit is non-zero.
#[test]
fn inspect_flags_non_finite_coefficients() {
    let d = tempfile::tempdir().unwrap();
    train(d.path(), "r", &[]);
    let mut bytes = std::fs::read(d.path().join("r/rule.hebb")).unwrap();
    let (code, out, _) = hebb(&["inspect", "r/rule.hebb"], d.path());
    assert!(code == Some(0) && !out.contains("NOT FINITE"), "{out}");
    // The payload ends just before the CRC: spoil the last two coefficients (no CNN, no
    // initial weights in this run).
    let end = bytes.len() - 4;
    bytes[end - 8..end - 4].copy_from_slice(&f32::NAN.to_le_bytes());
    bytes[end - 4..end].copy_from_slice(&f32::INFINITY.to_le_bytes());
    let crc = CRC.checksum(&bytes[..end]);
    bytes[end..].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(d.path().join("nan.hebb"), &bytes).unwrap();
    let (code, out, err) = hebb(&["inspect", "nan.hebb"], d.path());
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("NOT FINITE     2 values"), "{out}");
    let stats = out.lines().find(|l| l.starts_with("coefficients")).unwrap();
    assert!(!stats.contains("NaN") && !stats.contains("inf"), "statistics include non-finite values: {out}");
    assert!(err.contains("nan.hebb") && err.contains("2 values are NaN or infinite"), "{err}");
}

/// Item 4, without a full disk: a directory left by a start that never wrote its first
/// checkpoint (only config.json, as older versions left it) counts as empty for a new start,
/// and `--resume` says what happened.
#[test]
fn half_created_run_is_recognised_as_empty() {
    let d = tempfile::tempdir().unwrap();
    train(d.path(), "r", &[]);
    std::fs::remove_file(d.path().join("r/checkpoint.bin")).unwrap();
    refused(
        &["train", "--resume", "r"],
        d.path(),
        &["checkpoint.bin", "never wrote its first checkpoint", "--out r"],
    );
    train(d.path(), "r", &[]);
    assert_eq!(generation(&d.path().join("r")), 3);
    // A complete run is still refused.
    refused(&["train", "--out", "r", "--quiet"], d.path(), &["already holds a run"]);
}

/// Item 6: a failed resume leaves config.json as it was; a budget below the generations done
/// is an error.
#[test]
fn failed_resume_leaves_the_config_alone() {
    let d = tempfile::tempdir().unwrap();
    train(d.path(), "r", &[]);
    let cfg = || std::fs::read(d.path().join("r/config.json")).unwrap();
    let before = cfg();
    refused(&["train", "--resume", "r", "--gens", "1"], d.path(), &["--gens 1", "below the 3 generations"]);
    assert_eq!(cfg(), before);
    // A corrupt checkpoint: refused, config untouched.
    let ck = d.path().join("r/checkpoint.bin");
    let mut bytes = std::fs::read(&ck).unwrap();
    bytes[20] ^= 0xff;
    std::fs::write(&ck, &bytes).unwrap();
    refused(&["train", "--resume", "r", "--gens", "10"], d.path(), &["checkpoint.bin", "CRC"]);
    assert_eq!(cfg(), before);
    // Equal to the generations done: nothing to do, accepted.
    bytes[20] ^= 0xff;
    std::fs::write(&ck, &bytes).unwrap();
    let (code, _, err) = hebb(&["train", "--resume", "r", "--gens", "3", "--quiet"], d.path());
    assert_eq!(code, Some(0), "{err}");
}

/// Item 12: hand-made checkpoints with a valid CRC but a generation beyond the budget, NaN σ
/// or trailing bytes are refused by every command that reads them.
#[test]
fn hand_made_checkpoints_are_validated() {
    let d = tempfile::tempdir().unwrap();
    train(d.path(), "r", &[]);
    let run = RunDir::open(&d.path().join("r")).unwrap();
    let good = run.load_checkpoint().unwrap();
    let write = |ck: &Checkpoint, trailing: &[u8]| {
        let mut body = b"HEBBCKPT".to_vec();
        body.extend_from_slice(&1u32.to_le_bytes());
        // Version 1's body: the state and the two totals (no shared rules).
        body.extend_from_slice(&postcard::to_stdvec(&(&ck.state, ck.env_steps, ck.wall_s)).unwrap());
        body.extend_from_slice(trailing);
        let crc = CRC.checksum(&body);
        body.extend_from_slice(&crc.to_le_bytes());
        std::fs::write(run.file("checkpoint.bin"), body).unwrap();
    };
    let mut over = good.clone();
    over.state.generation = 99;
    let mut nan = good.clone();
    nan.state.sigma = f64::NAN;
    let mut long = good.clone();
    long.state.n_penalized = long.state.params.len() + 10;
    for (ck, trailing, want) in [
        (&over, &[][..], "more than the budget of 3"),
        (&nan, &[], "σ NaN"),
        (&long, &[], "penalised block"),
        (&good, &[1, 2], "2 unexpected bytes"),
    ] {
        write(ck, trailing);
        for cmd in [
            &["eval", "r", "--episodes", "1"][..],
            &["export", "r", "--out", "x.hebb"],
            &["train", "--resume", "r"],
        ] {
            refused(cmd, d.path(), &["checkpoint.bin", want]);
        }
    }
}

/// Item 8: stale temporary files of killed writers are removed on resume (and start).
#[test]
fn stale_temp_files_are_removed() {
    let d = tempfile::tempdir().unwrap();
    train(d.path(), "r", &[]);
    // Process ids above the kernel's ceiling (2^22): never running.
    for n in [".checkpoint.bin.4999991.tmp", ".log.csv.4999992.tmp", ".fitness.4999993.tmp.svg"] {
        std::fs::write(d.path().join("r").join(n), b"partial").unwrap();
    }
    assert_eq!(temps(d.path()).len(), 3);
    let (code, _, err) = hebb(&["train", "--resume", "r", "--gens", "4", "--quiet"], d.path());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(temps(d.path()), Vec::<PathBuf>::new());
}

/// Item 5, injected: a plot that cannot be written (its name taken by a directory) is a warning;
/// the run completes, everything else is written, and no temporary file is left.
#[test]
fn failed_plot_is_a_warning() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("r/fitness.svg")).unwrap();
    let (code, out, err) = hebb(
        &["train", "--gens", "4", "--pop", "4", "--checkpoint-every", "2", "--out", "r", "--quiet"],
        d.path(),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("warning: ") && err.contains("fitness.svg"), "{err}");
    assert!(out.contains("done: 4 of 4 generations"), "{out}");
    assert!(d.path().join("r/rule.hebb").is_file() && d.path().join("r/fitness.png").is_file());
    assert_eq!(temps(d.path()), Vec::<PathBuf>::new());
}

/// A small tmpfs at a fresh mount point, unmounted on drop; `None` (said loudly) where it
/// cannot be mounted (not root, no tmpfs).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn new(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("SKIPPED: cannot mount a {size} tmpfs here (needs root); full-disk case not run");
            return None;
        }
        Some(Tmpfs { dir })
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Whether `p` is a whole file of its kind: checkpoints decode, configs and logs parse, plots
/// end as their formats end.
fn assert_whole(p: &Path) {
    let bytes = std::fs::read(p).unwrap();
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    match name.as_str() {
        "checkpoint.bin" => {
            Checkpoint::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
        "config.json" => {
            serde_json::from_slice::<hebb_train::TrainConfig>(&bytes).unwrap();
        }
        "log.csv" => {
            RunDir { path: p.parent().unwrap().to_path_buf() }.load_log().unwrap();
        }
        "rule.hebb" => {
            hebb_train::export::read_rule_file(p).unwrap();
        }
        n if n.ends_with(".svg") => {
            assert!(
                String::from_utf8_lossy(&bytes).trim_end().ends_with("</svg>"),
                "{} truncated",
                p.display()
            )
        }
        n if n.ends_with(".png") => {
            assert!(bytes.ends_with(&[0xae, 0x42, 0x60, 0x82]), "{} truncated", p.display())
        }
        _ => {}
    }
}

/// Item 4 on a full disk: when the first checkpoint cannot be written, nothing of the run is
/// left, a rerun gives the same disk error (not "already holds a run"), and `--resume` says there
/// is no run.
#[test]
fn full_disk_at_the_first_checkpoint_leaves_no_run() {
    // The CartPole checkpoint is about 180 kB: it cannot be written into 100 kB.
    let Some(m) = Tmpfs::new("100k") else { return };
    for _ in 0..2 {
        refused(
            &["train", "--gens", "2", "--pop", "4", "--out", "run", "--quiet"],
            m.path(),
            &["No space left"],
        );
        assert!(!m.path().join("run").exists(), "the failed start left its directory");
    }
    refused(&["train", "--resume", "run"], m.path(), &["not a run directory"]);
    // An existing empty directory is kept, and stays empty.
    std::fs::create_dir(m.path().join("kept")).unwrap();
    refused(
        &["train", "--gens", "2", "--pop", "4", "--out", "kept", "--quiet"],
        m.path(),
        &["No space left"],
    );
    assert_eq!(std::fs::read_dir(m.path().join("kept")).unwrap().count(), 0);
}

/// Item 5 on a full disk: whatever the disk allows, every file left is whole, no temporary
/// file remains, plots failing are warnings, and a failure is one line with a non-zero exit.
#[test]
fn full_disk_during_training_leaves_only_whole_files() {
    let Some(m) = Tmpfs::new("400k") else { return };
    let (code, _, err) = hebb(
        &["train", "--gens", "12", "--pop", "8", "--checkpoint-every", "2", "--out", "run", "--quiet"],
        m.path(),
    );
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    if code != Some(0) {
        assert_eq!(errors.len(), 1, "{err}");
        assert!(errors[0].contains("No space left"), "{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    // The disk did fill: either a write failed (the error above) or a plot was skipped.
    assert!(code != Some(0) || err.contains("warning: plot"), "the disk was never full: {err}");
    assert_eq!(temps(m.path()), Vec::<PathBuf>::new());
    for e in std::fs::read_dir(m.path().join("run")).unwrap() {
        assert_whole(&e.unwrap().path());
    }
    // The last checkpoint that was written resumes (on a disk with room).
    let g = generation(&m.path().join("run"));
    assert!(g >= 2, "no checkpoint after generation 0");
    let d = tempfile::tempdir().unwrap();
    for f in ["config.json", "checkpoint.bin", "log.csv"] {
        std::fs::copy(m.path().join("run").join(f), d.path().join(f)).unwrap();
    }
    let (code, _, err) =
        hebb(&["train", "--resume", d.path().to_str().unwrap(), "--gens", "13", "--quiet"], d.path());
    assert_eq!(code, Some(0), "{err}");
}

fn kill(pid: u32, signal: &str) {
    let ok = Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status().unwrap();
    assert!(ok.success());
}

/// Waits for `child` (at most `limit`), returning its exit code and stderr.
fn wait(mut child: std::process::Child, limit: Duration) -> (Option<i32>, String) {
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into())
}

/// Starts a long CartPole run in `dir/r` and waits until it has trained a while.
fn long_run(dir: &Path) -> std::process::Child {
    let child = hebb_cmd(
        &["train", "--gens", "100000", "--pop", "8", "--checkpoint-every", "100000", "--out", "r", "--quiet"],
        dir,
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let t = Instant::now();
    while !dir.join("r/config.json").exists() && t.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1500));
    child
}

/// Item 7: SIGINT and SIGTERM write the checkpoint (with the generations trained since the last
/// one), print how to resume, and exit 128 + the signal; the run then resumes.
#[test]
fn signals_write_the_checkpoint_and_exit_non_zero() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let d = tempfile::tempdir().unwrap();
        let child = long_run(d.path());
        let pid = child.id();
        kill(pid, signal);
        let (got, err) = wait(child, Duration::from_secs(30));
        assert_eq!(got, Some(code), "SIG{signal}: {err}");
        assert!(err.contains(&format!("interrupted by SIG{signal}")), "{err}");
        assert!(err.contains("continue with: hebb train --resume r"), "{err}");
        let g = generation(&d.path().join("r"));
        assert!(g > 0, "SIG{signal}: the generations since the start were lost");
        let log = RunDir::open(&d.path().join("r")).unwrap().load_log().unwrap();
        assert_eq!(log.len(), g as usize, "log rows and checkpoint disagree");
        let budget = (g + 2).to_string();
        let (c, _, e) = hebb(&["train", "--resume", "r", "--gens", &budget, "--quiet"], d.path());
        assert_eq!(c, Some(0), "{e}");
        assert_eq!(generation(&d.path().join("r")), g + 2);
    }
}

/// Item 7: a second signal exits at once, without waiting for the generation in progress
/// (quadruped candidates take long enough for the second signal to arrive first).
#[test]
fn second_signal_exits_at_once() {
    let d = tempfile::tempdir().unwrap();
    let child = hebb_cmd(
        &[
            "train",
            "--env",
            "ant",
            "--gens",
            "1000",
            "--pop",
            "64",
            // 40 episodes per candidate: even when every episode ends at its 20th step, a
            // candidate takes far longer than the 10 ms between the two signals, so the
            // orderly stop cannot finish in between.
            "--episodes",
            "40",
            "--threads",
            "1",
            "--out",
            "r",
            "--quiet",
        ],
        d.path(),
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let t = Instant::now();
    while !d.path().join("r/config.json").exists() && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pid = child.id();
    kill(pid, "INT");
    // Well inside one candidate, so before the first signal's orderly stop can finish.
    std::thread::sleep(Duration::from_millis(10));
    kill(pid, "INT");
    let (code, err) = wait(child, Duration::from_secs(10));
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("second signal"), "{err}");
    // The checkpoint on disk is whole (the one of generation 0).
    assert_eq!(generation(&d.path().join("r")), 0);
}

/// Item 9: a closed pipe ends the process quietly (SIGPIPE), with no panic message. The pipe's
/// reader is closed before `hebb` starts, so its first write meets a closed pipe whatever the
/// timing.
#[cfg(unix)]
#[test]
fn closed_pipe_is_quiet() {
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::ExitStatusExt;
    let d = tempfile::tempdir().unwrap();
    train(d.path(), "r", &[]);
    let mut fds = [0i32; 2];
    // SAFETY: `pipe` writes two new file descriptors into the two-element array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created by `pipe` and are owned by nothing else.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    let o = hebb_cmd(&["inspect", "r/rule.hebb"], d.path())
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.is_empty(), "{err}");
    assert_ne!(o.status.code(), Some(101), "panicked");
    assert_eq!(o.status.signal(), Some(13), "{:?}", o.status);
}

/// Item 10: `--plot-weights` with a morphology given by an absolute path writes into a folder
/// named after the morphology, inside the run's eval folder.
#[test]
fn plot_weights_with_an_absolute_morphology_path() {
    let d = tempfile::tempdir().unwrap();
    let morph = concat!(env!("CARGO_MANIFEST_DIR"), "/morphologies/long-legs.json");
    assert!(Path::new(morph).is_absolute());
    let (code, _, err) =
        hebb(&["train", "--env", "ant", "--gens", "1", "--pop", "2", "--out", "a", "--quiet"], d.path());
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = hebb(
        &["eval", "a", "--episodes", "1", "--morphologies", morph, "--plot-weights", "--plot-steps", "20"],
        d.path(),
    );
    assert_eq!(code, Some(0), "{err}");
    let folder = d.path().join("a/eval/long-legs");
    assert!(folder.join("weights.svg").is_file(), "{out}");
    assert!(Path::new(morph).is_file(), "the morphology file was replaced");
}

/// An evaluator that reports every candidate's return as its index and one episode of
/// candidate 0 as cut short by a non-finite observation.
struct CutShort {
    pool: rayon::ThreadPool,
}

impl hebb_train::train::PopulationEvaluator for CutShort {
    fn evaluate(
        &mut self,
        _: &hebb_train::Setup,
        _: &hebb_train::es::EsState,
        out: &mut [hebb_train::train::CandidateResult],
    ) -> hebb_train::Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            *o = hebb_train::train::CandidateResult {
                ret: i as f64,
                penalty: 0.0,
                steps: 10,
                aborted: (i == 0) as u32,
            };
        }
        Ok(())
    }
    fn pool(&self) -> &rayon::ThreadPool {
        &self.pool
    }
}

/// Item 12: episodes cut short by a non-finite observation are counted per generation in the
/// log (and so in log.csv); logs written before the column existed still read (as 0).
#[test]
fn cut_short_episodes_are_logged() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("r");
    let cfg = hebb_train::TrainConfig {
        generations: 3,
        es: hebb_train::es::EsConfig { pop: 4, ..Default::default() },
        ..Default::default()
    };
    let p = hebb_train::train::prepare_new(&dir, cfg).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let opts = hebb_train::train::RunOptions::default();
    let s = hebb_train::train::train_prepared(p, opts, &mut CutShort { pool }).unwrap();
    assert_eq!(s.log.iter().map(|r| r.aborted).collect::<Vec<_>>(), [1, 1, 1]);
    let run = RunDir::open(&dir).unwrap();
    assert_eq!(run.load_log().unwrap(), s.log);
    let csv = std::fs::read_to_string(run.file("log.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",aborted"), "{csv}");
    // A log of an older version, without the column.
    std::fs::write(
        run.file("log.csv"),
        "generation,mean,max,min,std,lr,sigma,env_steps,wall_s\n0,1.5,3,0,1.1,0.05,0.1,40,0.01\n",
    )
    .unwrap();
    let old = run.load_log().unwrap();
    assert_eq!((old.len(), old[0].aborted, old[0].env_steps), (1, 0, 40));
}
