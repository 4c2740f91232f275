//! `hebb train`: the options, presets and configuration banner, and the run itself (one
//! process, or across the ranks of an MPI job).

use std::path::{Path, PathBuf};

use clap::Args;
use hebb_train::es::ParamInit;
use hebb_train::run::{RunDir, files};
use hebb_train::train::{RunOptions, resume, train_new};
use hebb_train::{Error, Result, Setup, TrainConfig};

use crate::MpiRef;

/// `--help` text ending in the built-in default (what plain `hebb train` uses; a `--preset`
/// sets its own, and the configuration printed at the start of a run is the effective one).
fn dflt(text: &str, value: impl std::fmt::Display) -> String {
    format!("{text} [default: {value}, or the preset's]")
}

fn quickstart() -> TrainConfig {
    TrainConfig::default()
}

#[derive(Args)]
pub struct TrainArgs {
    /// Hyper-parameters for a task: `cartpole` (the quickstart), `ant` (the paper's quadruped
    /// setting), `ant-short` (the quadruped on a budget for a 2-core machine), `car` (the paper's
    /// car racing), `car-short` (car racing on a 2-core budget). Options given with it override
    /// the preset's values [default: cartpole]
    #[arg(long)]
    preset: Option<String>,
    #[arg(long, help = dflt("Environment (see `hebb envs`)", quickstart().env))]
    env: Option<String>,
    #[arg(long, help = dflt(
        "Rule: A, AD, AD_lr, ABC, ABC_lr, ABCD, ABCD_lr, ABCD_lr_D_out, ABCD_lr_D_in_and_out",
        quickstart().rule
    ))]
    rule: Option<String>,
    #[arg(long, help = dflt("Initial weights at every episode: uni (U(−0.1, 0.1)), normal, coevolve", quickstart().init))]
    init: Option<String>,
    /// The static-weight baseline (weights evolved directly, no plasticity) [default: off]
    #[arg(long = "static")]
    static_weights: bool,
    #[arg(long, help = dflt("Population size (even)", quickstart().es.pop))]
    pop: Option<usize>,
    #[arg(long, help = dflt("Generations", quickstart().generations))]
    gens: Option<u32>,
    #[arg(long, help = dflt("Initial noise σ", quickstart().es.sigma))]
    sigma: Option<f64>,
    #[arg(long, help = dflt("Initial learning rate", quickstart().es.lr))]
    lr: Option<f64>,
    #[arg(long, help = dflt("Learning-rate decay per generation", quickstart().es.lr_decay))]
    lr_decay: Option<f64>,
    #[arg(long, help = dflt("σ decay per generation", quickstart().es.sigma_decay))]
    sigma_decay: Option<f64>,
    #[arg(long, help = dflt("Weight-decay coefficient of the −wd·mean(θ²) fitness penalty", quickstart().es.weight_decay))]
    weight_decay: Option<f64>,
    #[arg(long, value_enum, help = dflt("Initialisation of the evolved parameters", "uniform"))]
    param_init: Option<ParamInit>,
    #[arg(long, help = dflt("Episodes per candidate (fitness = mean)", quickstart().episodes))]
    episodes: Option<usize>,
    /// Comma-separated environment variants (morphologies, see `hebb envs`); fitness = mean
    /// over them [default: the environment's default, or the preset's]
    #[arg(long, value_delimiter = ',')]
    morphologies: Option<Vec<String>>,
    #[arg(long, help = dflt(
        "The paper's fitness protocol: quadruped (burn-in, progress only, early stop) and car \
         (early stop after more than 20 steps of negative reward)",
        quickstart().paper_fitness
    ))]
    paper_fitness: Option<bool>,
    /// Normalise weights after each update [default: on, except for the quadruped]
    #[arg(long)]
    normalize: Option<bool>,
    /// Hidden layer sizes, comma-separated, any number of layers [default: the paper's 128,64].
    /// The network is observation → hidden… → action.
    #[arg(long, value_delimiter = ',')]
    hidden: Option<Vec<usize>>,
    /// Beyond the paper (Hebbian attractors): the Hebbian update only on every K-th control
    /// step [default: 1, every step; Dittrich et al. use 4]
    #[arg(long, value_name = "K")]
    hebb_every: Option<u16>,
    /// Beyond the paper (Hebbian attractors): the update sees the pre- and postsynaptic
    /// activities averaged over the last M steps [default: 1, no averaging; Dittrich et al.
    /// use 10]
    #[arg(long, value_name = "M")]
    avg_window: Option<u16>,
    /// Beyond the paper: `synapse` (the paper: every synapse its own coefficients) or `neuron`
    /// (every neuron its own; a synapse uses the mean of its two neurons', about 50× fewer
    /// parameters) [default: synapse]
    #[arg(long, value_name = "SCOPE")]
    rule_scope: Option<String>,
    /// Beyond the paper (Evolve & Merge): every N generations, cluster the rules with
    /// k-means, halving their number down to --merge-k [default: off]
    #[arg(long, value_name = "N", requires = "merge_k")]
    merge_every: Option<u32>,
    /// The number of rules the merges end at (with --merge-every)
    #[arg(long, value_name = "K", requires = "merge_every")]
    merge_k: Option<usize>,
    #[arg(long, help = dflt("Run seed", quickstart().seed))]
    seed: Option<u64>,
    /// Worker threads (0: all cores). The result does not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Run directory [default: runs/ENV-MODE-seedSEED, made unique]
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, help = dflt("Checkpoint every N generations", quickstart().checkpoint_every))]
    checkpoint_every: Option<u32>,
    /// Stop after N generations in total (resume later with --resume) [default: run to --gens]
    #[arg(long)]
    stop_after: Option<u32>,
    /// Print one line every N generations: generation, mean/max/min return, σ, lr, steps/s,
    /// ETA (0: none) [default: 1 when stdout is not a terminal, else 0 (the progress bar)]
    #[arg(long)]
    print_every: Option<u32>,
    /// Continue the run in this directory from its checkpoint (--gens raises its budget).
    #[arg(long, conflicts_with_all = [
        "preset", "env", "rule", "init", "static_weights", "pop", "seed", "out",
        "hebb_every", "avg_window", "rule_scope", "merge_every", "merge_k",
    ])]
    resume: Option<PathBuf>,
    /// No progress bar and no configuration banner (lines from --print-every still print).
    #[arg(long)]
    quiet: bool,
    /// Under mpirun: how candidates are shared between ranks.
    #[cfg(feature = "mpi")]
    #[arg(long, value_enum, default_value_t)]
    balance: hebb_train::train::mpi::Balance,
}

fn preset(name: &str) -> Result<TrainConfig> {
    match name {
        "cartpole" => Ok(TrainConfig::default()),
        "ant" => Ok(hebb_train::setup::ant_preset()),
        "ant-short" => Ok(hebb_train::setup::ant_short_preset()),
        "car" => Ok(hebb_train::setup::car_preset()),
        "car-short" => Ok(hebb_train::setup::car_short_preset()),
        _ => Err(Error::Unknown {
            what: "preset",
            name: name.to_string(),
            known: "cartpole, ant, ant-short, car, car-short".into(),
        }),
    }
}

fn build_config(a: &TrainArgs) -> Result<TrainConfig> {
    let mut c = match &a.preset {
        Some(p) => preset(p)?,
        None => TrainConfig::default(),
    };
    if let Some(v) = &a.env {
        c.env = v.clone();
    }
    if let Some(v) = &a.rule {
        c.rule = v.clone();
    }
    if let Some(v) = &a.init {
        c.init = v.clone();
    }
    c.static_weights |= a.static_weights;
    if let Some(v) = a.pop {
        c.es.pop = v;
    }
    if let Some(v) = a.gens {
        c.generations = v;
    }
    if let Some(v) = a.sigma {
        c.es.sigma = v;
    }
    if let Some(v) = a.lr {
        c.es.lr = v;
    }
    if let Some(v) = a.lr_decay {
        c.es.lr_decay = v;
    }
    if let Some(v) = a.sigma_decay {
        c.es.sigma_decay = v;
    }
    if let Some(v) = a.weight_decay {
        c.es.weight_decay = v;
    }
    if let Some(v) = a.param_init {
        c.es.init = v;
    }
    if let Some(v) = a.episodes {
        c.episodes = v;
    }
    if let Some(v) = &a.morphologies {
        c.variants = v.clone();
    }
    if let Some(v) = a.paper_fitness {
        c.paper_fitness = v;
    }
    if a.normalize.is_some() {
        c.normalize = a.normalize;
    }
    if let Some(v) = &a.hidden {
        c.hidden = v.clone();
    }
    if let Some(v) = a.seed {
        c.seed = v;
    }
    if let Some(v) = a.hebb_every {
        c.options.hebb_every = v;
    }
    if let Some(v) = a.avg_window {
        c.options.avg_window = v;
    }
    if let Some(v) = &a.rule_scope {
        c.options.scope = v.parse()?;
    }
    if let (Some(every), Some(k)) = (a.merge_every, a.merge_k) {
        c.options.merge = Some(hebb_train::setup::Merge { every, k });
    }
    if let Some(v) = a.checkpoint_every {
        c.checkpoint_every = v;
    }
    Ok(c)
}

/// `runs/<env>-<mode>-seed<seed>`, with `-2`, `-3`, … appended if taken.
fn default_out(c: &TrainConfig) -> PathBuf {
    let mode = if c.static_weights { "static".to_string() } else { c.rule.clone() };
    let base = format!("runs/{}-{}-seed{}", c.env, mode, c.seed);
    let mut p = PathBuf::from(&base);
    let mut n = 2;
    while p.exists() {
        p = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    p
}

/// The end-of-run summary: exactly which generations ran, the last one's statistics, and
/// every file of the run directory.
fn report_run(dir: &Path, s: &hebb_train::train::Summary, total: u32) {
    if let Some(last) = s.log.last() {
        println!(
            "done: {} of {} generations (log.csv rows 0–{}); generation {}: mean {:.2}, max {:.2}, min {:.2}; \
             {} env steps, {:.1} s in all",
            s.generations,
            total,
            last.generation,
            last.generation,
            last.mean,
            last.max,
            last.min,
            last.env_steps,
            last.wall_s
        );
    }
    println!("run directory: {}", dir.display());
    for f in [files::CONFIG, files::LOG, files::CHECKPOINT, files::PLOT_PNG, files::PLOT_SVG, files::RULE] {
        if dir.join(f).exists() {
            println!("  {f}");
        }
    }
    let cut: u64 = s.log.iter().map(|r| r.aborted).sum();
    if cut > 0 {
        println!("  {cut} episodes were cut short by a non-finite observation (log.csv, column `aborted`)");
    }
    if s.generations < total {
        println!("stopped early; continue with: hebb train --resume {}", dir.display());
    }
}

/// The effective configuration, printed at the start of a run.
fn print_config(setup: &Setup, dir: &Path, threads: usize, resumed_at: Option<u32>) {
    let c = &setup.cfg;
    let e = &c.es;
    let mode = if c.static_weights {
        "static weights (no plasticity)".to_string()
    } else {
        format!("Hebbian {}, initial weights {}", setup.rule, c.init)
    };
    let variants = if c.variants.is_empty() { "default".to_string() } else { c.variants.join(", ") };
    let threads =
        if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    match resumed_at {
        Some(g) => println!("resuming {} at generation {g}", dir.display()),
        None => println!("new run in {}", dir.display()),
    }
    println!("  env {} (variants: {variants}; paper fitness {}), {mode}", c.env, c.paper_fitness);
    println!("  network {}, normalise {}, {} evolved parameters", setup.sizes, setup.normalize, setup.dim);
    let o = &c.options;
    if !o.is_paper() {
        let scope = match o.scope {
            hebb_train::setup::RuleScope::Synapse => "per synapse",
            hebb_train::setup::RuleScope::Neuron => "per neuron",
        };
        let merge = match (o.merge, &setup.shared) {
            (None, _) => "no merging".to_string(),
            (Some(m), None) => format!("merge every {} generations down to {} rules", m.every, m.k),
            (Some(m), Some(s)) => {
                format!("merge every {} generations down to {} rules ({} now)", m.every, m.k, s.n_rules)
            }
        };
        println!(
            "  beyond the paper: Hebbian update every {} step(s) over a {}-step window, coefficients {scope}, {merge}",
            o.hebb_every, o.avg_window
        );
    }
    println!(
        "  ES: pop {}, generations {}, lr {} (×{}/gen, floor {}), σ {} (×{}/gen, floor {}), weight decay {}, \
         parameters {:?}, {} episode(s) per candidate",
        e.pop,
        c.generations,
        e.lr,
        e.lr_decay,
        e.lr_floor,
        e.sigma,
        e.sigma_decay,
        e.sigma_floor,
        e.weight_decay,
        e.init,
        c.episodes
    );
    println!("  seed {}, checkpoint every {} generations, {threads} thread(s)", c.seed, c.checkpoint_every);
}

/// `hebb train` across the ranks of an MPI job; rank 0 alone prints.
#[cfg(feature = "mpi")]
fn train_mpi(m: &hebb_train::train::mpi::Mpi, a: &TrainArgs, opts: RunOptions) -> Result<()> {
    use hebb_train::train::mpi::Job;
    let job = match &a.resume {
        Some(dir) => Job::Resume { dir: dir.clone(), generations: a.gens },
        None => {
            let cfg = build_config(a)?;
            // Only rank 0's choice counts: it is broadcast with the configuration.
            let dir = a.out.clone().unwrap_or_else(|| default_out(&cfg));
            Job::New { dir, cfg }
        }
    };
    let r = m.train(job, opts, a.balance)?;
    if m.is_leader() {
        report_run(&r.dir, &r.summary, r.total_generations);
        print!("{}", r.stats);
    }
    Ok(())
}

/// `--print-every`'s default: a line per generation when stdout is not a terminal (a log file,
/// a pipe), where the progress bar does not show.
fn print_every(a: &TrainArgs) -> u32 {
    use std::io::IsTerminal;
    a.print_every.unwrap_or(if std::io::stdout().is_terminal() { 0 } else { 1 })
}

/// Runs `hebb train`.
pub fn run(a: Box<TrainArgs>, mpi: MpiRef<'_>) -> Result<()> {
    let opts = RunOptions {
        threads: a.threads,
        progress: !a.quiet,
        stop_after: a.stop_after,
        print_every: print_every(&a),
    };
    #[cfg(feature = "mpi")]
    if let Some(m) = mpi {
        return train_mpi(m, &a, opts);
    }
    #[cfg(not(feature = "mpi"))]
    let _ = mpi;
    hebb_train::setup::check_threads(a.threads)?;
    // Ctrl-C and SIGTERM stop at a checkpoint (one process: under MPI the launcher
    // forwards signals to every rank, which would have to agree on where to stop).
    hebb_train::signal::install()?;
    if let Some(dir) = &a.resume {
        let run = RunDir::open(dir)?;
        let mut cfg = run.load_config()?;
        if let Some(g) = a.gens {
            cfg.generations = g;
        }
        let total = cfg.generations;
        if !a.quiet {
            let ck = run.load_checkpoint()?;
            let mut setup = Setup::new(cfg)?;
            ck.apply_to(&mut setup)?;
            print_config(&setup, dir, a.threads, Some(ck.state.generation));
        }
        let s = resume(dir, a.gens, opts)?;
        report_run(dir, &s, total);
        return Ok(());
    }
    let cfg = build_config(&a)?;
    let dir = a.out.clone().unwrap_or_else(|| default_out(&cfg));
    let total = cfg.generations;
    if !a.quiet {
        print_config(&Setup::new(cfg.clone())?, &dir, a.threads, None);
    }
    let s = train_new(&dir, cfg, opts)?;
    report_run(&dir, &s, total);
    Ok(())
}
