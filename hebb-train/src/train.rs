//! The training loop: evaluate the population in parallel, update, log, checkpoint, plot.

use std::path::Path;
use std::time::Instant;

use hebb_core::rulefile::Encoding;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::env::EnvFactory;
use crate::episode::Worker;
use crate::error::{Error, Result};
use crate::es::{EsState, derive_seed};
use crate::export;
use crate::merge;
use crate::plot;
use crate::run::{Checkpoint, LogRow, RunDir, files};
use crate::setup::{Setup, TrainConfig, pool};

/// How to run (not part of the result: any thread count gives the same bits).
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Show a progress bar.
    pub progress: bool,
    /// Stop after this many generations in total (resumable), even if the config has more.
    pub stop_after: Option<u32>,
    /// Print one line every this many generations (0: none): generation, mean/max/min return,
    /// σ, lr, environment steps per second, ETA.
    pub print_every: u32,
}

/// The line `--print-every` prints for `row` (generation `row.generation` of `total`), with
/// the time the generation took and the estimated time to the end.
pub fn progress_line(row: &LogRow, total: u32, gen_s: f64, gen_steps: u64, eta_s: f64) -> String {
    let cut = match row.aborted {
        0 => String::new(),
        n => format!("  ({n} episodes cut short by a non-finite observation)"),
    };
    format!(
        "gen {:>w$}/{total}  mean {:>9.2}  max {:>9.2}  min {:>9.2}  σ {:.4}  lr {:.4}  {:>8.0} steps/s  ETA {}{cut}",
        row.generation + 1,
        row.mean,
        row.max,
        row.min,
        row.sigma,
        row.lr,
        gen_steps as f64 / gen_s.max(1e-9),
        format_duration(eta_s),
        w = total.to_string().len(),
    )
}

/// `1h02m`, `3m05s`, `12s`.
pub fn format_duration(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// What a finished (or stopped) training call reports.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Generations completed in total.
    pub generations: u32,
    /// The final ES state.
    pub state: EsState,
    /// The log.
    pub log: Vec<LogRow>,
}

/// Seed of episode `e` of variant `v` for mirrored pair `k` in generation `g`.
pub fn episode_seed(seed: u64, g: u32, k: usize, v: usize, e: usize) -> u64 {
    derive_seed(seed, &[3, g as u64, k as u64, v as u64, e as u64])
}

/// One candidate's evaluation: mean return over variants and episodes, weight-decay penalty,
/// environment steps taken. Its fitness is `ret + penalty`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CandidateResult {
    /// Mean episode return.
    pub ret: f64,
    /// The `−wd·mean(θ²)` penalty.
    pub penalty: f64,
    /// Environment steps.
    pub steps: u64,
    /// Episodes cut short by a non-finite observation.
    pub aborted: u32,
}

/// Evaluates candidate `i` of `state`'s current generation with `worker`: every variant, every
/// episode, with the run's episode seeds. Any process evaluating `i` gets the same bits.
pub fn evaluate_candidate(
    setup: &Setup,
    state: &EsState,
    worker: &mut Worker,
    i: usize,
) -> Result<CandidateResult> {
    let cfg = &setup.cfg;
    let variants = setup.variants().len();
    state.candidate(i, &mut worker.params);
    let penalty = state.penalty(&worker.params, cfg.es.weight_decay);
    let (mut total, mut steps, mut aborted) = (0.0, 0u64, 0u32);
    for v in 0..variants {
        for e in 0..cfg.episodes {
            let ep = worker.episode(
                setup,
                None,
                v,
                episode_seed(cfg.seed, state.generation, i / 2, v, e),
                None,
            )?;
            total += ep.ret;
            steps += ep.steps as u64;
            aborted += ep.aborted as u32;
        }
    }
    Ok(CandidateResult { ret: total / (variants * cfg.episodes) as f64, penalty, steps, aborted })
}

/// Where a generation's population is evaluated: in this process ([`LocalEvaluator`]) or
/// across MPI ranks (`train::mpi`, feature `mpi`). Every process of a run calls the same
/// methods in the same order with the same state.
pub trait PopulationEvaluator {
    /// Fills `out[i]` with [`evaluate_candidate`]'s result for every candidate `i` of the
    /// current generation of `state` (`out.len()` is the population size).
    fn evaluate(&mut self, setup: &Setup, state: &EsState, out: &mut [CandidateResult]) -> Result<()>;
    /// The thread pool the ES update runs in.
    fn pool(&self) -> &rayon::ThreadPool;
    /// Whether this process writes the run's files and shows progress (rank 0 under MPI).
    fn is_leader(&self) -> bool {
        true
    }
    /// Called on every process after each checkpoint (after the leader has written it).
    fn checkpointed(&mut self, _state: &EsState) -> Result<()> {
        Ok(())
    }
}

/// Evaluates the whole population in this process with rayon.
pub struct LocalEvaluator {
    pool: rayon::ThreadPool,
}

impl LocalEvaluator {
    /// A rayon pool of `threads` threads (0: all cores).
    pub fn new(threads: usize) -> Result<Self> {
        Ok(LocalEvaluator { pool: pool(threads)? })
    }
}

impl PopulationEvaluator for LocalEvaluator {
    fn evaluate(&mut self, setup: &Setup, state: &EsState, out: &mut [CandidateResult]) -> Result<()> {
        let results: Vec<Result<CandidateResult>> = self.pool.install(|| {
            (0..out.len())
                .into_par_iter()
                .map_init(
                    || Worker::new(setup),
                    |worker, i| {
                        // SIGINT/SIGTERM: abandon the generation at a candidate boundary.
                        if let Some(signal) = crate::signal::requested() {
                            return Err(Error::Interrupted {
                                signal,
                                generation: state.generation,
                                dir: Default::default(),
                            });
                        }
                        let w = worker.as_mut().map_err(|e| Error::Worker { msg: e.to_string() })?;
                        evaluate_candidate(setup, state, w, i)
                    },
                )
                .collect()
        });
        for (o, r) in out.iter_mut().zip(results) {
            *o = r?;
        }
        Ok(())
    }

    fn pool(&self) -> &rayon::ThreadPool {
        &self.pool
    }
}

/// A run ready to train: its directory, setup, starting checkpoint and log so far.
pub struct Prepared {
    /// The run directory.
    pub run: RunDir,
    /// The setup built from its configuration.
    pub setup: Setup,
    /// The state to continue from.
    pub checkpoint: Checkpoint,
    /// Log rows of the generations before the checkpoint.
    pub log: Vec<LogRow>,
}

/// Creates a new run in `dir` (which must not hold one): initial checkpoint, empty log, and the
/// config last, so that a start that fails half-way (a full disk) leaves no run behind — the
/// files it wrote are removed again, and the directory too if it made it.
pub fn prepare_new(dir: &Path, cfg: TrainConfig) -> Result<Prepared> {
    // Every value is checked before anything is created.
    prepare_setup(dir, Setup::new(cfg)?)
}

/// [`prepare_new`] for a setup already built (for instance with a user's environment,
/// [`Setup::with_env`]).
pub fn prepare_setup(dir: &Path, setup: Setup) -> Result<Prepared> {
    let existed = dir.exists();
    let run = RunDir::create(dir)?;
    crate::fsio::remove_stale_temps(dir)?;
    let state = EsState::new(setup.dim, setup.n_penalized, &setup.cfg.es, setup.cfg.seed);
    let checkpoint = Checkpoint::new(state, 0, 0.0);
    let written = run
        .save_checkpoint(&checkpoint)
        .and_then(|()| run.save_log(&[]))
        .and_then(|()| run.save_config(&setup.cfg));
    if let Err(e) = written {
        for f in [files::CONFIG, files::LOG, files::CHECKPOINT] {
            let _ = std::fs::remove_file(run.file(f));
        }
        if !existed {
            let _ = std::fs::remove_dir(dir);
        }
        return Err(e);
    }
    Ok(Prepared { run, setup, checkpoint, log: vec![] })
}

/// Opens the run in `dir` to continue it from its checkpoint, optionally changing the
/// generation budget. Everything is checked first (config, checkpoint against it, a budget not
/// below the generations done); the new budget is saved to the config last.
pub fn prepare_resume(dir: &Path, generations: Option<u32>) -> Result<Prepared> {
    prepare_resume_with(dir, generations, None)
}

/// [`prepare_resume`] for a run of the environments `env` builds (`None`: the built-in its
/// configuration names). `env`'s name must be the run's.
pub fn prepare_resume_with(
    dir: &Path,
    generations: Option<u32>,
    env: Option<&EnvFactory>,
) -> Result<Prepared> {
    let run = RunDir::open(dir)?;
    let mut cfg = run.load_config_with(env)?;
    let ck = run.load_checkpoint()?;
    if let Some(g) = generations {
        if g < ck.state.generation {
            return Err(Error::BudgetBelowDone {
                gens: g,
                done: ck.state.generation,
                dir: dir.to_path_buf(),
            });
        }
        cfg.generations = g;
    }
    let mut setup = match env {
        None => Setup::new(cfg)?,
        Some(f) => Setup::with_env(cfg, f.clone())?,
    };
    ck.apply_to(&mut setup)
        .map_err(|e| Error::Corrupt { path: run.file(files::CHECKPOINT), msg: e.to_string() })?;
    ck.check_against(&setup, setup.cfg.generations)
        .map_err(|msg| Error::Corrupt { path: run.file(files::CHECKPOINT), msg })?;
    // Generations after the checkpoint were lost with the interruption: drop their rows.
    let mut log = run.load_log()?;
    log.retain(|r| r.generation < ck.state.generation);
    crate::fsio::remove_stale_temps(dir)?;
    if generations.is_some() {
        run.save_config(&setup.cfg)?;
    }
    Ok(Prepared { run, setup, checkpoint: ck, log })
}

/// Starts a new run in `dir` (which must not hold one).
pub fn train_new(dir: &Path, cfg: TrainConfig, opts: RunOptions) -> Result<Summary> {
    // The thread count is checked (and the pool built) before anything is written.
    let mut evaluator = LocalEvaluator::new(opts.threads)?;
    let p = prepare_new(dir, cfg)?;
    train_prepared(p, opts, &mut evaluator)
}

/// Starts a new run of `setup` in `dir` (which must not hold one): the library's way to train
/// a user's own environment (see [`Setup::with_env`] and [`EnvFactory`]).
pub fn train_with(dir: &Path, setup: Setup, opts: RunOptions) -> Result<Summary> {
    let mut evaluator = LocalEvaluator::new(opts.threads)?;
    let p = prepare_setup(dir, setup)?;
    train_prepared(p, opts, &mut evaluator)
}

/// Continues the run of the environments `env` builds in `dir` from its checkpoint, optionally
/// raising the generation budget.
pub fn resume_with(
    dir: &Path,
    env: &EnvFactory,
    generations: Option<u32>,
    opts: RunOptions,
) -> Result<Summary> {
    let mut evaluator = LocalEvaluator::new(opts.threads)?;
    let p = prepare_resume_with(dir, generations, Some(env))?;
    train_prepared(p, opts, &mut evaluator)
}

/// Continues the run in `dir` from its checkpoint, optionally raising the generation budget.
pub fn resume(dir: &Path, generations: Option<u32>, opts: RunOptions) -> Result<Summary> {
    let mut evaluator = LocalEvaluator::new(opts.threads)?;
    let p = prepare_resume(dir, generations)?;
    train_prepared(p, opts, &mut evaluator)
}

/// Trains a prepared run to its end (or `opts.stop_after`), evaluating with `evaluator`. Only a
/// leader writes files and shows progress; the others compute the same states.
pub fn train_prepared(
    p: Prepared,
    opts: RunOptions,
    evaluator: &mut dyn PopulationEvaluator,
) -> Result<Summary> {
    train_loop(&p.run, p.setup, p.checkpoint, p.log, opts, evaluator)
}

fn train_loop(
    run: &RunDir,
    mut setup: Setup,
    mut ck: Checkpoint,
    mut log: Vec<LogRow>,
    opts: RunOptions,
    evaluator: &mut dyn PopulationEvaluator,
) -> Result<Summary> {
    let cfg = &setup.cfg.clone();
    let leader = evaluator.is_leader();
    let end = opts.stop_after.map_or(cfg.generations, |s| s.min(cfg.generations));
    let title = plot::run_title(cfg);
    let bar = if opts.progress && leader {
        let b = ProgressBar::new(cfg.generations as u64);
        b.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] gen {pos}/{len} {msg} (ETA {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_prefix(cfg.env.clone());
        b.set_position(ck.state.generation as u64);
        b
    } else {
        ProgressBar::hidden()
    };
    let mut fitness = vec![0.0f64; cfg.es.pop];
    let started = Instant::now();
    let first_gen = ck.state.generation;
    // The plot is redrawn at checkpoints and, between them, at most every few seconds.
    let mut last_plot = Instant::now();
    let mut results = vec![CandidateResult::default(); cfg.es.pop];
    // The generation of the checkpoint on disk.
    let mut saved = ck.state.generation;
    // Writes the log and checkpoint of an interrupted run and says how to resume it.
    let interrupted = |ck: &Checkpoint, log: &[LogRow], signal: i32| -> Error {
        bar.abandon();
        if leader && let Err(e) = run.save_log(log).and_then(|()| run.save_checkpoint(ck)) {
            return e;
        }
        Error::Interrupted { signal, generation: ck.state.generation, dir: run.path.clone() }
    };
    while ck.state.generation < end {
        let t0 = Instant::now();
        let g = ck.state.generation;
        match evaluator.evaluate(&setup, &ck.state, &mut results) {
            Ok(()) => {}
            Err(Error::Interrupted { signal, .. }) => return Err(interrupted(&ck, &log, signal)),
            Err(e) => return Err(e),
        }
        let mut returns = Vec::with_capacity(cfg.es.pop);
        let mut aborted = 0u64;
        for (i, r) in results.iter().enumerate() {
            returns.push(r.ret);
            fitness[i] = r.ret + r.penalty;
            ck.env_steps += r.steps;
            aborted += r.aborted as u64;
        }
        let (lr, sigma) = (ck.state.lr, ck.state.sigma);
        evaluator.pool().install(|| ck.state.update(&fitness, &cfg.es));
        let bad = ck.state.params.iter().filter(|v| !v.is_finite()).count();
        if bad > 0 || !(ck.state.lr.is_finite() && ck.state.sigma.is_finite()) {
            bar.abandon();
            return Err(Error::Diverged { generation: g, bad, total: ck.state.params.len(), kept: saved });
        }
        ck.wall_s += t0.elapsed().as_secs_f64();
        let n = returns.len() as f64;
        let mean = returns.iter().sum::<f64>() / n;
        let row = LogRow {
            generation: g,
            mean,
            max: returns.iter().copied().fold(f64::MIN, f64::max),
            min: returns.iter().copied().fold(f64::MAX, f64::min),
            std: (returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n).sqrt(),
            lr,
            sigma,
            env_steps: ck.env_steps,
            wall_s: ck.wall_s,
            aborted,
        };
        let cut = match aborted {
            0 => String::new(),
            n => format!(", {n} episodes cut short by a non-finite observation"),
        };
        bar.set_message(format!("mean {:.1} max {:.1}{cut}", row.mean, row.max));
        bar.inc(1);
        let gen_s = t0.elapsed().as_secs_f64();
        let gen_steps = results.iter().map(|r| r.steps).sum::<u64>();
        if leader && opts.print_every > 0 && (g + 1).is_multiple_of(opts.print_every) {
            let done = (g + 1 - first_gen) as f64;
            let eta = started.elapsed().as_secs_f64() / done * (end - g - 1) as f64;
            let line = progress_line(&row, cfg.generations, gen_s, gen_steps, eta);
            if bar.is_hidden() {
                println!("{line}");
            } else {
                bar.println(line);
            }
        }
        log.push(row);
        let gen_done = ck.state.generation;
        // Evolve & Merge: every process computes the same merge from the same state.
        if let Some(target) = merge::due(&setup, gen_done) {
            let m = merge::merge(&setup, &mut ck.state, target)?;
            if leader && (opts.print_every > 0 || !bar.is_hidden()) {
                let line = format!(
                    "merged {} rules into {} after generation {gen_done} (k-means, {} iterations, inertia {:.3}); {} parameters evolve now",
                    m.before,
                    m.setup.shared.as_ref().map_or(0, |s| s.n_rules),
                    m.iterations,
                    m.inertia,
                    m.setup.dim
                );
                if bar.is_hidden() { println!("{line}") } else { bar.println(line) }
            }
            ck.shared = m.setup.shared.clone();
            setup = m.setup;
        }
        let checkpoint = gen_done.is_multiple_of(cfg.checkpoint_every) || gen_done == end;
        if leader {
            // The log every generation, before the checkpoint: a crash between the two only
            // leaves extra log rows, which resume drops.
            run.save_log(&log)?;
            if checkpoint {
                run.save_checkpoint(&ck)?;
            }
            if checkpoint || last_plot.elapsed().as_secs_f64() > 5.0 {
                // A plot is a view of the log: failing to draw one is not worth the run.
                if let Err(e) =
                    plot::fitness_curve(&log, &title, &run.file(files::PLOT_PNG), &run.file(files::PLOT_SVG))
                {
                    bar.suspend(|| eprintln!("warning: {e} (training goes on)"));
                }
                last_plot = Instant::now();
            }
        }
        if checkpoint {
            saved = gen_done;
            evaluator.checkpointed(&ck.state)?;
        }
        if let Some(signal) = crate::signal::requested()
            && ck.state.generation < end
        {
            return Err(interrupted(&ck, &log, signal));
        }
    }
    bar.finish();
    if leader && ck.state.generation >= cfg.generations && !cfg.static_weights {
        export::write_rule_file(&setup, &ck.state, &run.file(files::RULE), Encoding::F32)?;
    }
    Ok(Summary { generations: ck.state.generation, state: ck.state, log })
}

/// Distributed evolution over MPI (feature `mpi`): `mpirun -np N hebb train …`.
#[cfg(feature = "mpi")]
#[path = "mpi.rs"]
pub mod mpi;
