//! Training with the population evaluated by a callback (the Python package evaluates it in
//! worker processes that step Gymnasium environments), through hebb-train's own training loop:
//! the same ES, log, checkpoints, plots and rule file as `hebb train`.

use std::path::Path;

use hebb_train::es::EsState;
use hebb_train::setup::{Setup, TrainConfig};
use hebb_train::train::{self, CandidateResult, PopulationEvaluator, RunOptions, Summary};
use hebb_train::{Error, Result};

/// Evaluates each generation with `F`; runs the ES update on its own thread pool.
pub struct CallbackEvaluator<F> {
    pool: rayon::ThreadPool,
    f: F,
}

impl<F> CallbackEvaluator<F>
where
    F: FnMut(&Setup, &EsState, &mut [CandidateResult]) -> Result<()>,
{
    /// `threads` threads for the ES update (0: all cores).
    pub fn new(threads: usize, f: F) -> Result<Self> {
        hebb_train::setup::check_threads(threads)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::System { what: "thread pool", msg: e.to_string() })?;
        Ok(CallbackEvaluator { pool, f })
    }
}

impl<F> PopulationEvaluator for CallbackEvaluator<F>
where
    F: FnMut(&Setup, &EsState, &mut [CandidateResult]) -> Result<()>,
{
    fn evaluate(&mut self, setup: &Setup, state: &EsState, out: &mut [CandidateResult]) -> Result<()> {
        (self.f)(setup, state, out)
    }

    fn pool(&self) -> &rayon::ThreadPool {
        &self.pool
    }
}

/// A candidate's result from the summed returns of its episodes (every variant, every
/// episode), as `hebb_train::train::evaluate_candidate` computes it.
pub fn candidate_result(
    setup: &Setup,
    total: f64,
    steps: u64,
    aborted: u32,
    penalty: f64,
) -> CandidateResult {
    let n = setup.variants().len() * setup.cfg.episodes;
    CandidateResult { ret: total / n as f64, penalty, steps, aborted }
}

/// Starts a new run in `dir` (`resume == false`, which must hold none) or continues the one
/// there, up to `stop_after` generations in total where given.
pub fn run(
    dir: &Path,
    cfg: TrainConfig,
    resume: bool,
    stop_after: Option<u32>,
    evaluator: &mut dyn PopulationEvaluator,
) -> Result<Summary> {
    let p = if resume {
        let p = train::prepare_resume(dir, Some(cfg.generations))?;
        let mut old = p.setup.cfg.clone();
        old.generations = cfg.generations;
        if old != cfg {
            return Err(Error::Conflict {
                option: "resume",
                with: "another configuration",
                why: format!(
                    "{} holds a run with another configuration; resume it with the same settings \
                     (only the number of generations may change)",
                    dir.display()
                ),
            });
        }
        p
    } else {
        train::prepare_new(dir, cfg)?
    };
    let opts = RunOptions { threads: 0, progress: false, stop_after, print_every: 0 };
    train::train_prepared(p, opts, evaluator)
}
