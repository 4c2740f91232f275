//! The `hebb` binary end to end: bad input gives one clear line and a non-zero exit, and
//! nothing is overwritten.

use hebb_core::rulefile::{Encoding, RuleFile};

#[path = "support/run_hebb.rs"]
mod run_hebb;
use run_hebb::hebb;

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

#[test]
fn bare_hebb_prints_help_and_fails() {
    let d = tempfile::tempdir().unwrap();
    let (ok, out, err) = hebb(&[], d.path());
    assert!(!ok, "bare `hebb` succeeded");
    let text = format!("{out}{err}");
    assert!(text.contains("Usage:") && text.contains("train") && text.contains("eval"), "{text}");
    // It started nothing.
    assert!(!d.path().join("runs").exists());
}

#[test]
fn train_help_shows_the_defaults_of_plain_hebb_train() {
    let d = tempfile::tempdir().unwrap();
    let (ok, out, _) = hebb(&["train", "--help"], d.path());
    assert!(ok);
    let c = hebb_train::TrainConfig::default();
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    for (flag, value) in [
        ("--pop", c.es.pop.to_string()),
        ("--gens", c.generations.to_string()),
        ("--lr", c.es.lr.to_string()),
        ("--sigma", c.es.sigma.to_string()),
        ("--seed", c.seed.to_string()),
        ("--rule", c.rule.clone()),
        ("--env", c.env.clone()),
        ("--checkpoint-every", c.checkpoint_every.to_string()),
    ] {
        let at = flat.find(&format!("{flag} <")).unwrap_or_else(|| panic!("no {flag} in {out}"));
        let next = flat[at + 2..].find(" --").map_or(flat.len(), |i| at + 2 + i);
        assert!(flat[at..next].contains(&format!("[default: {value}")), "{flag}: {}", &flat[at..next]);
    }
    assert!(flat.contains("--print-every") && flat.contains("not a terminal"), "{out}");
    // Every subcommand's options show their defaults.
    let (ok, out, _) = hebb(&["eval", "--help"], d.path());
    assert!(ok && out.contains("[default: 100]") && out.contains("[default: 12345]"), "{out}");
}

#[test]
fn training_prints_its_configuration_a_line_per_generation_and_an_exact_summary() {
    let d = tempfile::tempdir().unwrap();
    // stdout is a pipe here: one line per generation by default.
    let (ok, out, err) =
        hebb(&["train", "--gens", "4", "--pop", "8", "--out", "r", "--lr", "0.07"], d.path());
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("new run in r"), "{out}");
    assert!(out.contains("pop 8, generations 4, lr 0.07") && out.contains("σ 0.1"), "{out}");
    assert!(out.contains("network 4-128-64-2") && out.contains("Hebbian ABCD_lr"), "{out}");
    let gens: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("gen ")).collect();
    assert_eq!(gens.len(), 4, "{out}");
    for (i, l) in gens.iter().enumerate() {
        assert!(l.starts_with(&format!("gen {}/4 ", i + 1)), "{l}");
        for part in ["mean", "max", "min", "σ", "lr", "steps/s", "ETA"] {
            assert!(l.contains(part), "{part} missing in {l}");
        }
    }
    assert!(out.contains("done: 4 of 4 generations (log.csv rows 0–3); generation 3:"), "{out}");
    for f in ["config.json", "log.csv", "checkpoint.bin", "fitness.png", "fitness.svg", "rule.hebb"] {
        assert!(lines.iter().any(|l| l.trim() == f), "{f} not listed: {out}");
    }
    let log = std::fs::read_to_string(d.path().join("r/log.csv")).unwrap();
    assert_eq!(log.lines().count(), 5, "{log}");
    assert!(log.lines().last().unwrap().starts_with("3,"), "{log}");
    // --print-every 2: generations 2 and 4; --quiet drops the banner but keeps the lines.
    let (ok, out, err) = hebb(
        &["train", "--gens", "4", "--pop", "8", "--out", "q", "--print-every", "2", "--quiet"],
        d.path(),
    );
    assert!(ok, "{err}");
    let gens: Vec<&str> = out.lines().filter(|l| l.starts_with("gen ")).collect();
    assert!(gens.len() == 2 && gens[0].starts_with("gen 2/4") && gens[1].starts_with("gen 4/4"), "{out}");
    assert!(!out.contains("new run in"), "{out}");
    // Resuming prints where it resumes and the budget it runs to.
    let (ok, out, err) = hebb(&["train", "--resume", "q", "--gens", "6", "--print-every", "0"], d.path());
    assert!(ok, "{err}");
    assert!(out.contains("resuming q at generation 4") && out.contains("generations 6"), "{out}");
    assert!(out.contains("done: 6 of 6 generations (log.csv rows 0–5)"), "{out}");
}

#[test]
fn eval_takes_a_run_directory_or_a_bare_rule_file() {
    let d = tempfile::tempdir().unwrap();
    let (ok, _, err) = hebb(&["train", "--gens", "3", "--pop", "8", "--out", "r", "--quiet"], d.path());
    assert!(ok, "{err}");
    let (ok, from_run, err) = hebb(&["eval", "r", "--episodes", "4"], d.path());
    assert!(ok, "{err}");
    let (ok, from_file, err) = hebb(&["eval", "r/rule.hebb", "--episodes", "4"], d.path());
    assert!(ok, "{err}");
    // The same rule, the same episodes: the same numbers.
    assert_eq!(from_run, from_file);
    assert!(from_file.contains("cartpole after 3 generations"), "{from_file}");
    // A copy of the rule file elsewhere, with the environment named explicitly.
    std::fs::copy(d.path().join("r/rule.hebb"), d.path().join("cp.hebb")).unwrap();
    let (ok, out, err) = hebb(&["eval", "cp.hebb", "--env", "cartpole", "--episodes", "4"], d.path());
    assert!(ok && out == from_run, "{err}{out}");
    // A rule file whose header names no known environment needs --env.
    let header = hebb_core::rulefile::Header::untrained_ant(7);
    let coeffs = vec![0.01f32; header.n_coefficients as usize];
    let mut bytes = vec![0u8; hebb_core::rulefile::encoded_len(&header).unwrap()];
    let n = hebb_core::rulefile::encode(&header, &coeffs, &[], &[], &mut bytes).unwrap();
    std::fs::write(d.path().join("ant.hebb"), &bytes[..n]).unwrap();
    let (ok, _, err) = hebb(&["eval", "ant.hebb", "--episodes", "1"], d.path());
    assert!(!ok && err.contains("pass --env") && err.trim().lines().count() == 1, "{err}");
    let (ok, out, err) =
        hebb(&["eval", "ant.hebb", "--env", "ant-bullet", "--episodes", "1", "--threads", "1"], d.path());
    assert!(ok && out.contains("ant-bullet after 0 generations") && out.contains(" ± "), "{err}{out}");
    // The wrong network for the environment is refused.
    let (ok, _, err) = hebb(&["eval", "ant.hebb", "--env", "cartpole", "--episodes", "1"], d.path());
    assert!(!ok && err.contains("network"), "{err}");
}

#[test]
fn eval_plots_go_where_out_says_and_say_what_they_show() {
    let d = tempfile::tempdir().unwrap();
    let (ok, _, err) = hebb(&["train", "--gens", "2", "--pop", "8", "--out", "r", "--quiet"], d.path());
    assert!(ok, "{err}");
    let (ok, out, err) = hebb(
        &["eval", "r", "--episodes", "2", "--plot-weights", "--plot-steps", "50", "--out", "figs"],
        d.path(),
    );
    assert!(ok, "{err}");
    for f in ["weights", "weight_change", "cumulative_return"] {
        for ext in ["png", "svg"] {
            let p = d.path().join(format!("figs/default/{f}.{ext}"));
            assert!(p.is_file(), "{} missing: {out}", p.display());
        }
    }
    assert!(!d.path().join("r/eval").exists(), "wrote into the run directory");
    assert!(!d.path().join("figs/default/distance.png").exists());
    // The weight legend explains its labels.
    let svg = std::fs::read_to_string(d.path().join("figs/default/weights.svg")).unwrap();
    assert!(svg.contains("synapse (layer, input / output unit)") && svg.contains("layer 1, in "), "legend");
    // --out without --plot-weights means nothing: refused.
    let (ok, _, err) = hebb(&["eval", "r", "--episodes", "1", "--out", "x"], d.path());
    assert!(!ok && err.contains("--plot-weights"), "{err}");
}

#[test]
fn inspect_takes_a_run_directory() {
    let d = tempfile::tempdir().unwrap();
    let (ok, _, err) = hebb(&["train", "--gens", "1", "--pop", "4", "--out", "r", "--quiet"], d.path());
    assert!(ok, "{err}");
    let (ok, dir, err) = hebb(&["inspect", "r"], d.path());
    assert!(ok, "{err}");
    let (_, file, _) = hebb(&["inspect", "r/rule.hebb"], d.path());
    assert_eq!(dir, file);
    let (ok, _, err) =
        hebb(&["train", "--gens", "1", "--pop", "4", "--out", "s", "--static", "--quiet"], d.path());
    assert!(ok, "{err}");
    let (ok, _, err) = hebb(&["inspect", "s"], d.path());
    assert!(!ok && err.contains("holds no rule.hebb") && err.trim().lines().count() == 1, "{err}");
}

#[test]
fn render_draws_cartpole_and_pendulum() {
    let d = tempfile::tempdir().unwrap();
    for env in ["cartpole", "pendulum"] {
        let (ok, _, err) =
            hebb(&["train", "--env", env, "--gens", "1", "--pop", "4", "--out", env, "--quiet"], d.path());
        assert!(ok, "{err}");
        let gif = format!("{env}.gif");
        let (ok, out, err) = hebb(&["render", env, "--out", &gif, "--steps", "30", "--scale", "1"], d.path());
        assert!(ok, "{env}: {err}");
        assert!(out.contains("30 frames") || out.contains(" frames; episode"), "{out}");
        let bytes = std::fs::read(d.path().join(&gif)).unwrap();
        assert!(bytes.starts_with(b"GIF89a") && bytes.len() > 500, "{env}: {} bytes", bytes.len());
    }
}

#[test]
fn envs_lists_variants_the_morphology_format_and_a_working_example() {
    let d = tempfile::tempdir().unwrap();
    let (ok, out, _) = hebb(&["envs"], d.path());
    assert!(ok);
    for want in [
        "cartpole",
        "car-racing",
        "damaged-left",
        "damaged-right",
        "hip_mount",
        "ankle_range_deg",
        "flashable",
    ] {
        assert!(out.contains(want), "{want} missing: {out}");
    }
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/examples/long-front-legs.json");
    for line in std::fs::read_to_string(example).unwrap().lines() {
        assert!(out.contains(line), "example line {line:?} not shown");
    }
    // The example is a valid morphology, and it changes the body.
    let env = hebb_train::env::make("ant-bullet", Some(example)).unwrap();
    drop(env);
    let m = hebb_train::env::ant::Morphology::resolve(example).unwrap();
    assert_ne!(m.legs, hebb_train::env::ant::Morphology::standard().legs);
}

#[test]
fn plot_overlays_runs_with_labels() {
    let d = tempfile::tempdir().unwrap();
    for (out, extra) in [("h", None), ("s", Some("--static"))] {
        let mut args = vec!["train", "--gens", "3", "--pop", "4", "--out", out, "--quiet"];
        args.extend(extra);
        let (ok, _, err) = hebb(&args, d.path());
        assert!(ok, "{err}");
    }
    let (ok, out, err) =
        hebb(&["plot", "h", "s", "--labels", "Hebbian,static", "--out", "cmp.svg"], d.path());
    assert!(ok && out.contains("wrote cmp.svg"), "{err}");
    let svg = std::fs::read_to_string(d.path().join("cmp.svg")).unwrap();
    assert!(svg.contains("Hebbian: mean") && svg.contains("static: mean"), "legend");
    // Default labels: the directory names; a log file works as well as its run directory.
    let (ok, _, err) = hebb(&["plot", "h", "s/log.csv", "--out", "cmp2.png"], d.path());
    assert!(ok, "{err}");
    assert!(std::fs::read(d.path().join("cmp2.png")).unwrap().starts_with(b"\x89PNG"));
    // One run: the figure training draws, titled from its configuration.
    let (ok, _, err) = hebb(&["plot", "h", "--out", "one.svg"], d.path());
    assert!(ok, "{err}");
    let svg = std::fs::read_to_string(d.path().join("one.svg")).unwrap();
    assert!(svg.contains("mean ± 1 std") && !svg.contains("h: mean"), "{svg}");
    assert!(svg.contains("cartpole — Hebbian ABCD_lr (uni weights), pop 4"), "{svg}");
    assert_eq!(svg, std::fs::read_to_string(d.path().join("h/fitness.svg")).unwrap());
    let (ok, _, err) = hebb(&["plot", "h", "s", "--labels", "one", "--out", "x.png"], d.path());
    assert!(!ok && err.contains("--labels has 1 labels for 2 runs"), "{err}");
    let (ok, _, err) = hebb(&["plot", "nowhere", "--out", "x.png"], d.path());
    assert!(!ok && err.contains("nowhere") && err.trim().lines().count() == 1, "{err}");
}

/// `hebb train --env cartpole --hidden 32,16,8 --gens 30` learns CartPole with a four-layer
/// network (mean return ≥ 475 over 20 evaluation episodes), and `hebb inspect` shows its layer
/// list.
///
/// The default seed 1, as the README writes the command. Measured (mean over 100 evaluation
/// episodes): seeds 1–8 give 500, 500, 500, 465, 500, 500, 500, 500 with the quickstart's
/// U(−1, 1) rule coefficients (with the paper's N(0, 1), seed 1 stayed at 17: see
/// `TrainConfig::default`).
#[test]
fn deep_hidden_layers_learn_cartpole() {
    let d = tempfile::tempdir().unwrap();
    let args = ["train", "--env", "cartpole", "--hidden", "32,16,8", "--gens", "30", "--out", "r", "--quiet"];
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
    // The bare rule file evaluates to the same numbers (its header carries the layer list).
    let (ok, from_file, err) = hebb(&["eval", "r/rule.hebb", "--episodes", "20"], d.path());
    assert!(ok && from_file == out, "{err}{from_file}");
    // Bad hidden lists are one clear line.
    let (ok, _, err) = hebb(&["train", "--hidden", "32,0", "--out", "bad"], d.path());
    assert!(!ok && err.trim().lines().count() == 1 && err.contains("4-32-0-2"), "{err}");
}
