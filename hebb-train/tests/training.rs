//! Training end to end: learning CartPole (Hebbian and static), Pendulum improvement,
//! determinism across thread counts, exact resume.

use hebb_train::es::EsConfig;
use hebb_train::eval::evaluate;
use hebb_train::run::{RunDir, files};
use hebb_train::train::{RunOptions, resume, train_new};
use hebb_train::{Setup, TrainConfig};

fn opts(threads: usize) -> RunOptions {
    RunOptions { threads, progress: false, stop_after: None, print_every: 0 }
}

fn eval20(cfg: &TrainConfig, params: &[f32]) -> f64 {
    let setup = Setup::new(cfg.clone()).unwrap();
    let r = evaluate(&setup, params, 20, 777, 0).unwrap();
    r[0].mean()
}

#[test]
fn hebbian_cartpole_from_random_weights() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig::default();
    assert_eq!(cfg.rule, "ABCD_lr");
    let s = train_new(dir.path(), cfg.clone(), opts(0)).unwrap();
    let score = eval20(&cfg, &s.state.params);
    assert!(score >= 475.0, "Hebbian CartPole average over 20 episodes: {score}");
    for f in [files::PLOT_PNG, files::PLOT_SVG, files::LOG, files::CHECKPOINT, files::RULE, files::CONFIG] {
        assert!(dir.path().join(f).is_file(), "missing {f}");
    }
    assert_eq!(s.log.len(), cfg.generations as usize);
}

#[test]
fn static_baseline_cartpole() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig { static_weights: true, ..TrainConfig::default() };
    let s = train_new(dir.path(), cfg.clone(), opts(0)).unwrap();
    let score = eval20(&cfg, &s.state.params);
    assert!(score >= 475.0, "static CartPole average over 20 episodes: {score}");
    // Static runs have no rule to export.
    assert!(!dir.path().join(files::RULE).exists());
}

#[test]
fn pendulum_improves() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig {
        env: "pendulum".into(),
        generations: 30,
        episodes: 2,
        es: EsConfig { pop: 48, lr: 0.05, ..EsConfig::default() },
        ..TrainConfig::default()
    };
    let s = train_new(dir.path(), cfg, opts(0)).unwrap();
    let first = s.log[0].mean;
    let best_late = s.log[s.log.len() - 5..].iter().map(|r| r.mean).fold(f64::MIN, f64::max);
    // Returns are negative costs (≈ −1200 for a random swinging pendulum); demand a clear gain.
    assert!(best_late > first + 250.0, "pendulum mean return {first:.1} → {best_late:.1}");
}

fn small_cfg() -> TrainConfig {
    TrainConfig {
        generations: 10,
        es: EsConfig { pop: 16, ..EsConfig::default() },
        checkpoint_every: 3,
        ..TrainConfig::default()
    }
}

#[test]
fn same_seed_same_bits_for_any_thread_count() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cfg = TrainConfig { generations: 6, ..small_cfg() };
    let sa = train_new(a.path(), cfg.clone(), opts(1)).unwrap();
    let sb = train_new(b.path(), cfg, opts(2)).unwrap();
    assert_eq!(sa.state, sb.state);
    let bits =
        |s: &hebb_train::train::Summary| s.state.params.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&sa), bits(&sb));
    assert_eq!(
        std::fs::read(a.path().join(files::RULE)).unwrap(),
        std::fs::read(b.path().join(files::RULE)).unwrap()
    );
}

#[test]
fn ten_generations_equal_five_plus_resumed_five() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let full = train_new(a.path(), small_cfg(), opts(2)).unwrap();
    let half = train_new(b.path(), small_cfg(), RunOptions { stop_after: Some(5), ..opts(2) }).unwrap();
    assert_eq!(half.generations, 5);
    assert!(!b.path().join(files::RULE).exists(), "no final rule before the run is complete");
    let rest = resume(b.path(), None, opts(1)).unwrap();
    assert_eq!(rest.generations, 10);
    assert_eq!(full.state, rest.state);
    let log_a = RunDir::open(a.path()).unwrap().load_log().unwrap();
    let log_b = RunDir::open(b.path()).unwrap().load_log().unwrap();
    assert_eq!(log_a.len(), 10);
    assert_eq!(log_b.len(), 10);
    for (x, y) in log_a.iter().zip(&log_b) {
        assert_eq!((x.generation, x.mean, x.max, x.env_steps), (y.generation, y.mean, y.max, y.env_steps));
    }
}

#[test]
fn corrupt_checkpoint_is_refused_and_kept() {
    let d = tempfile::tempdir().unwrap();
    train_new(d.path(), TrainConfig { generations: 2, ..small_cfg() }, opts(1)).unwrap();
    let p = d.path().join(files::CHECKPOINT);
    let mut bytes = std::fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&p, &bytes).unwrap();
    let e = resume(d.path(), Some(4), opts(1)).unwrap_err().to_string();
    assert!(e.contains("CRC"), "{e}");
    assert_eq!(std::fs::read(&p).unwrap(), bytes, "a refused checkpoint is left as it was");
}
