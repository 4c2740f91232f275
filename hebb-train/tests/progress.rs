//! What a run shows while it runs: `log.csv` holds every finished generation (not only those
//! up to the last checkpoint), and the progress line says what the log says.

use hebb_train::es::{EsConfig, EsState};
use hebb_train::run::{LogRow, RunDir};
use hebb_train::train::{
    CandidateResult, LocalEvaluator, PopulationEvaluator, RunOptions, prepare_new, progress_line,
    train_prepared,
};
use hebb_train::{Setup, TrainConfig};

/// Evaluates locally, and before each generation records how many rows `log.csv` holds.
struct Watching {
    inner: LocalEvaluator,
    run: RunDir,
    seen: Vec<(u32, usize)>,
}

impl PopulationEvaluator for Watching {
    fn evaluate(
        &mut self,
        setup: &Setup,
        state: &EsState,
        out: &mut [CandidateResult],
    ) -> hebb_train::Result<()> {
        self.seen.push((state.generation, self.run.load_log()?.len()));
        self.inner.evaluate(setup, state, out)
    }
    fn pool(&self) -> &rayon::ThreadPool {
        self.inner.pool()
    }
}

#[test]
fn the_log_is_written_every_generation_between_checkpoints() {
    let d = tempfile::tempdir().unwrap();
    let cfg = TrainConfig {
        generations: 7,
        checkpoint_every: 100,
        es: EsConfig { pop: 8, ..EsConfig::default() },
        ..TrainConfig::default()
    };
    let p = prepare_new(d.path(), cfg).unwrap();
    let mut ev = Watching { inner: LocalEvaluator::new(1).unwrap(), run: p.run.clone(), seen: vec![] };
    let s = train_prepared(p, RunOptions { threads: 1, ..RunOptions::default() }, &mut ev).unwrap();
    assert_eq!(s.generations, 7);
    // Before generation g, the log holds generations 0..g.
    assert_eq!(ev.seen, (0..7).map(|g| (g, g as usize)).collect::<Vec<_>>());
    let log = RunDir::open(d.path()).unwrap().load_log().unwrap();
    assert_eq!(log, s.log);
}

#[test]
fn the_progress_line_reports_the_generation_done_out_of_the_budget() {
    let row = LogRow {
        generation: 9,
        mean: 123.456,
        max: 500.0,
        min: -3.25,
        std: 1.0,
        lr: 0.05,
        sigma: 0.0991,
        env_steps: 0,
        wall_s: 0.0,
        aborted: 0,
    };
    let l = progress_line(&row, 40, 0.5, 10_000, 95.0);
    assert!(l.starts_with("gen 10/40"), "{l}");
    for part in [
        "mean    123.46",
        "max    500.00",
        "min     -3.25",
        "σ 0.0991",
        "lr 0.0500",
        "20000 steps/s",
        "ETA 1m35s",
    ] {
        assert!(l.contains(part), "{part:?} not in {l:?}");
    }
}
