//! `hebb`: train, evaluate, export and inspect evolved Hebbian controllers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use hebb_core::rulefile::Encoding;
use hebb_train::es::ParamInit;
use hebb_train::run::{RunDir, files};
use hebb_train::setup::{MAX_EPISODES, check_count};
use hebb_train::train::{RunOptions, resume, train_new};
use hebb_train::{Error, Result, Setup, TrainConfig, env, eval, export};

#[derive(Parser)]
#[command(
    name = "hebb",
    version,
    about = "Evolved Hebbian plasticity: train, evaluate, export, inspect",
    after_help = "Start with `hebb train` (a short CartPole run) and `hebb train --help`.",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Evolve rules (or static weights) with OpenAI-ES; with no options, a short CartPole run.
    Train(Box<TrainArgs>),
    /// Evaluate a run (or a bare rule file) over many episodes; prints mean ± std per variant.
    Eval(EvalArgs),
    /// Write a run's rule as a flashable rule file.
    Export {
        /// The run directory.
        run: PathBuf,
        /// Output file.
        #[arg(long, default_value = "rule.hebb")]
        out: PathBuf,
        /// Store the coefficients in half precision (half the flash); measures and prints what
        /// that costs: output error on one episode, mean return over `--check-episodes`.
        #[arg(long)]
        f16: bool,
        /// Episodes of the return comparison for `--f16`.
        #[arg(long, default_value_t = 5)]
        check_episodes: usize,
        /// Threads for `--f16`'s comparison (0: all cores).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Describe a rule file (or a run directory's `rule.hebb`): header, sizes, coefficient
    /// statistics.
    Inspect {
        /// The rule file, or a run directory.
        file: PathBuf,
    },
    /// Plot the learning curves of one or more runs in one figure (mean with a ±std band, and
    /// the min–max range), e.g. a Hebbian run against its static baseline.
    Plot(PlotArgs),
    /// Hardware in the loop: the desktop quadruped driven by the firmware in QEMU over its UART,
    /// then the same episode on the desktop alone; prints both distances and whether every
    /// action matched bit for bit.
    Hil(HilArgs),
    /// Render one evaluation episode of a run (or a rule file) as an animated GIF (car racing:
    /// the agent's own 96×96 view, upscaled; the quadruped: a simple oblique projection
    /// following the torso; CartPole and Pendulum: simple 2-D drawings).
    Render(RenderArgs),
    /// List the environments, their variants (morphologies) and the morphology file format.
    Envs,
}

#[derive(Args)]
struct PlotArgs {
    /// Run directories (each with a `log.csv`) or log files.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Output figure (`.png` or `.svg`).
    #[arg(long, default_value = "fitness.png")]
    out: PathBuf,
    /// Comma-separated legend labels, one per run [default: each run's directory name; for a
    /// single run, the figure `hebb train` draws]
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// Figure title [default: the run's configuration for a single run, else none]
    #[arg(long)]
    title: Option<String>,
}

#[derive(Args)]
struct RenderArgs {
    /// The run directory, or a rule file.
    run: PathBuf,
    /// Output GIF.
    #[arg(long, default_value = "episode.gif")]
    out: PathBuf,
    /// Episode seed.
    #[arg(long, default_value_t = 12345)]
    seed: u64,
    /// Variant (morphology) to render; default: the first trained on.
    #[arg(long)]
    morphology: Option<String>,
    /// Upscaling factor of each frame.
    #[arg(long, default_value_t = 4)]
    scale: usize,
    /// Keep every N-th frame (1: all 50 per simulated second).
    #[arg(long, default_value_t = 1)]
    every: u32,
    /// Maximum steps rendered.
    #[arg(long, default_value_t = 1000)]
    steps: u32,
}

#[derive(Args)]
struct HilArgs {
    /// The rule file to flash (default: the firmware's shipped rule).
    #[arg(long)]
    rule: Option<PathBuf>,
    /// Morphology of the simulated ant.
    #[arg(long, default_value = "standard")]
    morphology: String,
    /// Environment (`ant-bullet` or `ant`).
    #[arg(long, default_value = "ant-bullet")]
    env: String,
    /// Episode seed (initial state) and weight seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Maximum steps.
    #[arg(long, default_value_t = 1000)]
    steps: u32,
    /// A prebuilt firmware ELF (it must hold the same rule); default: build hebb-mcu with it.
    #[arg(long)]
    firmware: Option<PathBuf>,
    /// Drive a real board on this serial port (e.g. /dev/ttyACM0), flashed with the same rule, instead of QEMU.
    #[arg(long)]
    serial: Option<PathBuf>,
    /// Baud rate of `--serial` (8N1, no flow control).
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
}

/// `--help` text ending in the built-in default (what plain `hebb train` uses; a `--preset`
/// sets its own, and the configuration printed at the start of a run is the effective one).
fn dflt(text: &str, value: impl std::fmt::Display) -> String {
    format!("{text} [default: {value}, or the preset's]")
}

fn quickstart() -> TrainConfig {
    TrainConfig::default()
}

#[derive(Args)]
struct TrainArgs {
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
    #[arg(long, value_enum, help = dflt("Initialisation of the evolved parameters", "normal"))]
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
    #[arg(long, conflicts_with_all = ["preset", "env", "rule", "init", "static_weights", "pop", "seed", "out"])]
    resume: Option<PathBuf>,
    /// No progress bar and no configuration banner (lines from --print-every still print).
    #[arg(long)]
    quiet: bool,
    /// Under mpirun: how candidates are shared between ranks.
    #[cfg(feature = "mpi")]
    #[arg(long, value_enum, default_value_t)]
    balance: hebb_train::train::mpi::Balance,
}

#[derive(Args)]
struct EvalArgs {
    /// A run directory, or a bare rule file (`.hebb`; static-weight runs have none).
    run: PathBuf,
    /// Environment, for a rule file whose header does not name one [default: the header's]
    #[arg(long)]
    env: Option<String>,
    /// Episodes per variant.
    #[arg(long, default_value_t = 100)]
    episodes: usize,
    /// Evaluation seed (independent of the training seeds).
    #[arg(long, default_value_t = 12345)]
    seed: u64,
    /// Variants to evaluate on (may include unseen ones) [default: those trained on]
    #[arg(long, value_delimiter = ',')]
    morphologies: Option<Vec<String>>,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Also trace one episode per variant and plot its weights over time, their change per
    /// step (the weight attractor) and the distance walked (or the cumulative return).
    #[arg(long)]
    plot_weights: bool,
    /// Directory for --plot-weights' figures, one sub-directory per variant [default: RUN/eval,
    /// or ./eval for a rule file]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Steps traced by --plot-weights.
    #[arg(long, default_value_t = 300)]
    plot_steps: u32,
    /// Score with the environment's own rewards and episode ends instead of the paper's fitness
    /// protocol the run trained with (car: full episodes, no early stop).
    #[arg(long)]
    plain: bool,
}

fn preset(name: &str) -> Result<TrainConfig> {
    match name {
        "cartpole" => Ok(TrainConfig::default()),
        "ant" => Ok(hebb_train::setup::ant_preset()),
        "ant-short" => Ok(hebb_train::setup::ant_short_preset()),
        "car" => Ok(hebb_train::setup::car_preset()),
        "car-short" => Ok(hebb_train::setup::car_short_preset()),
        _ => Err(Error::Config(format!(
            "unknown preset `{name}` (available: cartpole, ant, ant-short, car, car-short)"
        ))),
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
    println!(
        "  network {}-{}-{}-{}, normalise {}, {} evolved parameters",
        setup.sizes[0], setup.sizes[1], setup.sizes[2], setup.sizes[3], setup.normalize, setup.dim
    );
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

#[cfg(feature = "mpi")]
type MpiRef<'a> = Option<&'a hebb_train::train::mpi::Mpi>;
#[cfg(not(feature = "mpi"))]
type MpiRef<'a> = Option<&'a std::convert::Infallible>;

/// `--print-every`'s default: a line per generation when stdout is not a terminal (a log file,
/// a pipe), where the progress bar does not show.
fn print_every(a: &TrainArgs) -> u32 {
    use std::io::IsTerminal;
    a.print_every.unwrap_or(if std::io::stdout().is_terminal() { 0 } else { 1 })
}

fn run(cli: Cli, mpi: MpiRef<'_>) -> Result<()> {
    match cli.cmd {
        Cmd::Train(a) => {
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
                    let at = run.load_checkpoint()?.state.generation;
                    print_config(&Setup::new(cfg)?, dir, a.threads, Some(at));
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
        Cmd::Eval(a) => {
            check_count("--episodes", a.episodes, MAX_EPISODES)?;
            hebb_train::setup::check_threads(a.threads)?;
            let agent = eval::load_agent(&a.run, a.env.as_deref())?;
            let mut cfg = agent.cfg;
            if let Some(m) = a.morphologies {
                cfg.variants = m;
            }
            if a.plain {
                cfg.paper_fitness = false;
            }
            let setup = Setup::new(cfg)?;
            let res = eval::evaluate(&setup, &agent.params, a.episodes, a.seed, a.threads)?;
            println!(
                "{} after {} generations, {} episodes per variant (seed {}):",
                setup.cfg.env, agent.generation, a.episodes, a.seed
            );
            for r in &res {
                println!(
                    "  {:<16} {:>10.2} ± {:<8.2} (mean length {:.0} steps)",
                    r.variant,
                    r.mean(),
                    r.std(),
                    r.mean_steps
                );
                if r.aborted > 0 {
                    println!(
                        "  {:<16} {} of {} episodes cut short by a non-finite observation",
                        "",
                        r.aborted,
                        r.returns.len()
                    );
                }
            }
            if a.plot_weights {
                let out = match &a.out {
                    Some(o) => o.clone(),
                    None if a.run.is_dir() => a.run.join("eval"),
                    None => PathBuf::from("eval"),
                };
                let names = eval::folder_names(res.iter().map(|r| r.variant.as_str()));
                for (v, (r, name)) in res.iter().zip(&names).enumerate() {
                    let dir = out.join(name);
                    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                    let tr = eval::trace_episode(&setup, &agent.params, v, a.seed, a.plot_steps)?;
                    let title = format!("{} {}", setup.cfg.env, r.variant);
                    for p in hebb_train::plot::episode_plots(&tr, &dir, &title)? {
                        println!("  wrote {}", p.display());
                    }
                }
            } else if a.out.is_some() {
                return Err(Error::Config(
                    "--out is the directory of --plot-weights' figures; add --plot-weights".into(),
                ));
            }
            Ok(())
        }
        Cmd::Export { run, out, f16, check_episodes, threads } => {
            if f16 {
                check_count("--check-episodes", check_episodes, MAX_EPISODES)?;
                hebb_train::setup::check_threads(threads)?;
            }
            let dir = RunDir::open(&run)?;
            let setup = Setup::new(dir.load_config()?)?;
            let ck = dir.load_checkpoint_for(&setup)?;
            let encoding = if f16 { Encoding::F16 } else { Encoding::F32 };
            if f16 {
                let r =
                    export::f16_report(&setup, &ck.state.params, check_episodes, setup.cfg.seed, threads)?;
                println!(
                    "half precision: coefficients |Δ| ≤ {:.2e} (|c| ≤ {:.3})",
                    r.max_coefficient_error, r.max_coefficient
                );
                println!(
                    "outputs over one {}-step episode, same observations (max |Δ| first 100 steps / all, mean |Δ|, first step with |Δ| > 0.01):",
                    r.f16.steps
                );
                for (name, d) in [("f16  ", &r.f16), ("1 ulp", &r.ulp)] {
                    let first = d.first_over_1e2.map_or("never".to_string(), |t| t.to_string());
                    println!("  {name}  {:.2e} / {:.2e}, {:.2e}, {first}", d.max_100, d.max, d.mean);
                }
                let [a, b, c] = r.returns;
                println!(
                    "mean return over {} episodes, same seeds: f32 {:.2} ± {:.2}, f16 {:.2} ± {:.2}, 1 ulp {:.2} ± {:.2}",
                    r.episodes, a.mean, a.std, b.mean, b.std, c.mean, c.std
                );
            }
            export::write_rule_file(&setup, &ck.state, &out, encoding)?;
            let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            println!(
                "wrote {} ({bytes} bytes, {encoding:?}, generation {})",
                out.display(),
                ck.state.generation
            );
            Ok(())
        }
        Cmd::Inspect { file } => {
            let file = if file.is_dir() {
                let rule = file.join(files::RULE);
                if !rule.exists() {
                    return Err(Error::Config(format!(
                        "{} holds no {} (static-weight runs have no rule; an unfinished run gets one \
                         with `hebb export {}`)",
                        file.display(),
                        files::RULE,
                        file.display()
                    )));
                }
                rule
            } else {
                file
            };
            print!("{}", export::describe(&file)?);
            export::check_finite(&file)
        }
        Cmd::Plot(a) => {
            let labels = match a.labels {
                Some(l) if l.len() != a.runs.len() => {
                    return Err(Error::Config(format!(
                        "--labels has {} labels for {} runs",
                        l.len(),
                        a.runs.len()
                    )));
                }
                Some(l) => l,
                // One run: the figure training draws (legend "mean", …; title from its config).
                None if a.runs.len() == 1 => vec![String::new()],
                None => a.runs.iter().map(|r| hebb_train::plot::run_label(r)).collect(),
            };
            let mut runs = Vec::new();
            for (path, label) in a.runs.iter().zip(labels) {
                runs.push(hebb_train::plot::RunCurve { label, rows: hebb_train::plot::read_log(path)? });
            }
            let title = match (&a.title, a.runs.as_slice()) {
                (Some(t), _) => t.clone(),
                (None, [one]) if one.is_dir() => RunDir::open(one)
                    .and_then(|r| r.load_config())
                    .map_or(String::new(), |c| hebb_train::plot::run_title(&c)),
                _ => String::new(),
            };
            hebb_train::plot::compare_runs(&runs, &title, &a.out)?;
            println!("wrote {}", a.out.display());
            Ok(())
        }
        Cmd::Hil(a) => hil(a),
        Cmd::Render(a) => {
            let agent = eval::load_agent(&a.run, None)?;
            let mut cfg = agent.cfg;
            if let Some(m) = a.morphology {
                cfg.variants = vec![m];
            }
            let setup = Setup::new(cfg)?;
            // Frames at the environment's rate (50 Hz for most); GIF delays are in hundredths
            // of a second (at least 2 in practice).
            let delay = (2 * a.every).clamp(2, u16::MAX as u32) as u16;
            let mut gif = hebb_train::video::GifWriter::new(a.scale, delay)?;
            let ep = eval::render_episode(&setup, &agent.params, 0, a.seed, a.steps, a.every, &mut gif)?;
            gif.write(&a.out)?;
            println!(
                "wrote {} ({} frames; episode: {} steps, return {:.1})",
                a.out.display(),
                gif.len(),
                ep.steps,
                ep.ret
            );
            Ok(())
        }
        Cmd::Envs => {
            print!("{}", envs_text());
            Ok(())
        }
    }
}

/// What `hebb envs` prints: environments, variants, and the morphology file format.
fn envs_text() -> String {
    use std::fmt::Write as _;
    let mut s = String::from("environments (hebb train --env NAME):\n");
    for (n, d) in env::ENVS {
        let _ = writeln!(s, "  {n:<12} {d}");
    }
    s.push_str("\nvariants of ant-bullet and ant (--morphologies A,B,…; also a path to a .json file):\n");
    for (n, d) in env::ant::MORPHOLOGIES {
        let _ = writeln!(s, "  {n:<14} {d}");
    }
    s.push_str(concat!(
        "\nmorphology files (JSON; every field optional, falling back leg by leg to `base`):\n",
        "  { \"name\": \"…\", \"base\": \"standard\", \"legs\": [leg1, leg2, leg3, leg4] }\n",
        "  legs in the order (+x,+y), (−x,+y), (−x,−y), (+x,−y); each leg may be {} or hold:\n",
        "    hip_mount, upper, lower   segment extents: a length s along the leg's diagonal\n",
        "                              (the standard lower leg is 0.4), or an [x, y] / [x, y, z] vector (m)\n",
        "    radius                    capsule radius (m; standard 0.08)\n",
        "    hip_range_deg, ankle_range_deg   [lo, hi] in degrees\n",
        "    ankle_axis                [x, y, z] hinge axis\n",
        "  a zero-length segment becomes a ball. Example (docs/examples/long-front-legs.json):\n",
    ));
    for l in EXAMPLE_MORPHOLOGY.lines() {
        let _ = writeln!(s, "    {l}");
    }
    s.push_str(concat!(
        "\nflashable (hebb export RUN --out FILE; hebb-mcu runs the 28-128-64-8 quadruped network):\n",
        "  ant-bullet, ant\n",
        "hebb render draws: cartpole, pendulum, ant-bullet, ant, car-racing\n",
    ));
    s
}

/// The example morphology file shipped in `docs/examples/`.
const EXAMPLE_MORPHOLOGY: &str = include_str!("../../docs/examples/long-front-legs.json");

fn hil(a: HilArgs) -> Result<()> {
    use hebb_train::hil;
    let rule = a.rule.clone().unwrap_or_else(|| hil::mcu_dir().join("rules/ant.hebb"));
    let bytes = std::fs::read(&rule).map_err(|e| Error::io(&rule, e))?;
    hil::check_rule(&bytes).map_err(|e| Error::Corrupt { path: rule.clone(), msg: e.to_string() })?;
    let elf = match (&a.firmware, &a.serial) {
        (_, Some(_)) => PathBuf::new(),
        (Some(p), None) => p.clone(),
        (None, None) => {
            eprintln!("building the firmware with {} …", rule.display());
            hil::build_firmware(&rule)?
        }
    };
    let (mut mcu, ready) = match &a.serial {
        Some(port) => hil::Mcu::open_serial(port, a.baud)?,
        None => hil::Mcu::boot(&elf)?,
    };
    if !matches!(ready, hil::Reply::Ready { rule_status: 0, .. } | hil::Reply::Timing(_)) {
        return Err(Error::Config(format!("the firmware did not load its rule: {ready:?}")));
    }
    let weight_seed = hebb_train::es::derive_seed(a.seed, &[0x1417]);
    let mut env = env::make(&a.env, Some(&a.morphology))?;
    let t0 = std::time::Instant::now();
    let h = hil::run_episode(&mut mcu, env.as_mut(), a.seed, weight_seed, a.steps)?;
    let hil_s = t0.elapsed().as_secs_f64();
    let mut env = env::make(&a.env, Some(&a.morphology))?;
    let d = hil::desktop_episode(&bytes, env.as_mut(), a.seed, weight_seed, a.steps)?;
    let dist = |e: &hil::HilEpisode| e.x.last().copied().unwrap_or(0.0) - e.x.first().copied().unwrap_or(0.0);
    println!("{} {} seed {}, rule {}", a.env, a.morphology, a.seed, rule.display());
    println!(
        "  firmware in the loop: {} steps, return {:.2}, x moved {:+.4} m ({:.0} steps/s over the {})",
        h.steps,
        h.ret,
        dist(&h),
        h.steps as f64 / hil_s,
        if a.serial.is_some() { "serial port" } else { "emulated UART" }
    );
    println!("  desktop only:         {} steps, return {:.2}, x moved {:+.4} m", d.steps, d.ret, dist(&d));
    if a.serial.is_some()
        && let Ok(hil::Reply::Timing(t)) = mcu.request(&hebb_core::wire::Request::Timing)
    {
        let ticks = "core clock cycles on a real board (DWT), SysTick ticks under QEMU";
        println!(
            "  the board's last step: {} ({ticks}); peak stack {} bytes",
            t.step_ticks, t.stack_peak_bytes
        );
    }
    let bits = |e: &hil::HilEpisode| e.actions.iter().flatten().map(|v| v.to_bits()).collect::<Vec<_>>();
    if bits(&h) == bits(&d) && h.steps == d.steps {
        println!("  every action identical, bit for bit");
        Ok(())
    } else {
        Err(Error::Config("firmware and desktop actions differ".into()))
    }
}

fn main() -> ExitCode {
    hebb_train::signal::default_sigpipe();
    let cli = Cli::parse();
    // Under an MPI launcher (feature `mpi`), `hebb train` runs one ES across the ranks.
    #[cfg(feature = "mpi")]
    let mpi = match hebb_train::train::mpi::Mpi::from_launcher() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    #[cfg(not(feature = "mpi"))]
    let mpi: Option<std::convert::Infallible> = None;
    match run(cli, mpi.as_ref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[cfg(feature = "mpi")]
            if let Some(m) = &mpi {
                if m.is_leader() {
                    eprintln!("error: {e}");
                }
                if !m.failure_was_collective() {
                    // The other ranks would wait for this one forever.
                    m.abort(1);
                }
                return ExitCode::FAILURE;
            }
            eprintln!("error: {e}");
            match e {
                // 128 + the signal, as a shell reports a process the signal ended.
                Error::Interrupted { signal, .. } => ExitCode::from((128 + signal).clamp(1, 255) as u8),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
