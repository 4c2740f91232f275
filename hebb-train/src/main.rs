//! `hebb`: train, evaluate, export and inspect evolved Hebbian controllers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use hebb_core::rulefile::Encoding;
use hebb_train::es::ParamInit;
use hebb_train::run::{RunDir, files};
use hebb_train::train::{RunOptions, resume, train_new};
use hebb_train::{Error, Result, Setup, TrainConfig, env, eval, export};

#[derive(Parser)]
#[command(name = "hebb", version, about = "Evolved Hebbian plasticity: train, evaluate, export, inspect")]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Evolve rules (or static weights) with OpenAI-ES; with no options, a short CartPole run.
    Train(Box<TrainArgs>),
    /// Evaluate a run's rule over many episodes; prints mean ± std per variant.
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
    /// Describe a rule file: header, sizes, coefficient statistics.
    Inspect {
        /// The rule file.
        file: PathBuf,
    },
    /// Hardware in the loop: the desktop quadruped driven by the firmware in QEMU over its UART,
    /// then the same episode on the desktop alone; prints both distances and whether every
    /// action matched bit for bit.
    Hil(HilArgs),
    /// Render one evaluation episode of a run as an animated GIF (car racing: the agent's own
    /// 96×96 view, upscaled; the quadruped: a simple oblique projection following the torso).
    Render(RenderArgs),
    /// List the environments.
    Envs,
}

#[derive(Args)]
struct RenderArgs {
    /// The run directory.
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
}

#[derive(Args)]
struct TrainArgs {
    /// Hyper-parameters for a task: `cartpole` (the quickstart), `ant` (the paper's quadruped
    /// setting), `ant-short` (the quadruped on a budget for a 2-core machine), `car` (the paper's
    /// car racing), `car-short` (car racing on a 2-core budget).
    #[arg(long)]
    preset: Option<String>,
    /// Environment (see `hebb envs`).
    #[arg(long)]
    env: Option<String>,
    /// Rule: A, AD, AD_lr, ABC, ABC_lr, ABCD, ABCD_lr, ABCD_lr_D_out, ABCD_lr_D_in_and_out.
    #[arg(long)]
    rule: Option<String>,
    /// Initial weights: uni, normal, coevolve.
    #[arg(long)]
    init: Option<String>,
    /// The static-weight baseline (weights evolved directly, no plasticity).
    #[arg(long = "static")]
    static_weights: bool,
    /// Population size (even).
    #[arg(long)]
    pop: Option<usize>,
    /// Generations.
    #[arg(long)]
    gens: Option<u32>,
    /// Initial noise σ.
    #[arg(long)]
    sigma: Option<f64>,
    /// Initial learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Learning-rate decay per generation.
    #[arg(long)]
    lr_decay: Option<f64>,
    /// σ decay per generation.
    #[arg(long)]
    sigma_decay: Option<f64>,
    /// Weight-decay coefficient of the fitness penalty.
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Parameter initialisation.
    #[arg(long, value_enum)]
    param_init: Option<ParamInit>,
    /// Episodes per candidate (fitness = mean).
    #[arg(long)]
    episodes: Option<usize>,
    /// Comma-separated environment variants (morphologies); fitness = mean over them.
    #[arg(long, value_delimiter = ',')]
    morphologies: Option<Vec<String>>,
    /// The paper's fitness protocol: quadruped (burn-in, progress only, early stop) and car
    /// (early stop after more than 20 steps of negative reward).
    #[arg(long)]
    paper_fitness: Option<bool>,
    /// Normalise weights after each update (default: on except for the quadruped).
    #[arg(long)]
    normalize: Option<bool>,
    /// Hidden layer sizes, comma-separated, any number of layers (default: the paper's 128,64).
    /// The network is observation → hidden… → action.
    #[arg(long, value_delimiter = ',')]
    hidden: Option<Vec<usize>>,
    /// Run seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Run directory (default: runs/ENV-MODE-seedSEED, made unique).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Checkpoint every N generations.
    #[arg(long)]
    checkpoint_every: Option<u32>,
    /// Stop after N generations in total (resume later with --resume).
    #[arg(long)]
    stop_after: Option<u32>,
    /// Continue the run in this directory from its checkpoint (--gens raises its budget).
    #[arg(long, conflicts_with_all = ["preset", "env", "rule", "init", "static_weights", "pop", "seed", "out"])]
    resume: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Under mpirun: how candidates are shared between ranks.
    #[cfg(feature = "mpi")]
    #[arg(long, value_enum, default_value_t)]
    balance: hebb_train::train::mpi::Balance,
}

#[derive(Args)]
struct EvalArgs {
    /// The run directory.
    run: PathBuf,
    /// Episodes per variant.
    #[arg(long, default_value_t = 100)]
    episodes: usize,
    /// Evaluation seed (independent of the training seeds).
    #[arg(long, default_value_t = 12345)]
    seed: u64,
    /// Variants to evaluate on (default: those trained on); may include unseen ones.
    #[arg(long, value_delimiter = ',')]
    morphologies: Option<Vec<String>>,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Also trace one episode per variant and plot its weights over time, their change per
    /// step (the weight attractor) and the distance walked, into RUN/eval/.
    #[arg(long)]
    plot_weights: bool,
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

fn report_run(dir: &Path, s: &hebb_train::train::Summary, total: u32) {
    if let Some(last) = s.log.last() {
        println!(
            "generation {}/{}: mean {:.2}, max {:.2} ({} env steps, {:.1} s)",
            s.generations, total, last.mean, last.max, last.env_steps, last.wall_s
        );
    }
    println!("run directory: {}", dir.display());
    for f in [files::PLOT_PNG, files::PLOT_SVG, files::LOG, files::CHECKPOINT, files::RULE] {
        if dir.join(f).exists() {
            println!("  {f}");
        }
    }
    if s.generations < total {
        println!("stopped early; continue with: hebb train --resume {}", dir.display());
    }
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

fn run(cli: Cli, mpi: MpiRef<'_>) -> Result<()> {
    // No subcommand: the built-in default training run.
    let cmd = match cli.cmd {
        Some(c) => c,
        None => Cli::try_parse_from(["hebb", "train"])
            .ok()
            .and_then(|c| c.cmd)
            .ok_or_else(|| Error::Config("internal: default command".into()))?,
    };
    match cmd {
        Cmd::Train(a) => {
            let opts = RunOptions { threads: a.threads, progress: !a.quiet, stop_after: a.stop_after };
            #[cfg(feature = "mpi")]
            if let Some(m) = mpi {
                return train_mpi(m, &a, opts);
            }
            #[cfg(not(feature = "mpi"))]
            let _ = mpi;
            if let Some(dir) = &a.resume {
                let s = resume(dir, a.gens, opts)?;
                let total = RunDir::open(dir)?.load_config()?.generations;
                report_run(dir, &s, total);
                return Ok(());
            }
            let cfg = build_config(&a)?;
            let dir = a.out.clone().unwrap_or_else(|| default_out(&cfg));
            let total = cfg.generations;
            let s = train_new(&dir, cfg, opts)?;
            report_run(&dir, &s, total);
            Ok(())
        }
        Cmd::Eval(a) => {
            let run = RunDir::open(&a.run)?;
            let mut cfg = run.load_config()?;
            if let Some(m) = a.morphologies {
                cfg.variants = m;
            }
            if a.plain {
                cfg.paper_fitness = false;
            }
            let setup = Setup::new(cfg)?;
            let ck = run.load_checkpoint()?;
            let res = eval::evaluate(&setup, &ck.state.params, a.episodes, a.seed, a.threads)?;
            println!(
                "{} after {} generations, {} episodes per variant (seed {}):",
                setup.cfg.env, ck.state.generation, a.episodes, a.seed
            );
            for r in &res {
                println!(
                    "  {:<16} {:>10.2} ± {:<8.2} (mean length {:.0} steps)",
                    r.variant,
                    r.mean(),
                    r.std(),
                    r.mean_steps
                );
            }
            if a.plot_weights {
                for (v, r) in res.iter().enumerate() {
                    let dir = a.run.join("eval").join(&r.variant);
                    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                    let tr = eval::trace_episode(&setup, &ck.state.params, v, a.seed, a.plot_steps)?;
                    let title = format!("{} {}", setup.cfg.env, r.variant);
                    for p in hebb_train::plot::episode_plots(&tr, &dir, &title)? {
                        println!("  wrote {}", p.display());
                    }
                }
            }
            Ok(())
        }
        Cmd::Export { run, out, f16, check_episodes, threads } => {
            let dir = RunDir::open(&run)?;
            let setup = Setup::new(dir.load_config()?)?;
            let ck = dir.load_checkpoint()?;
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
            print!("{}", export::describe(&file)?);
            Ok(())
        }
        Cmd::Hil(a) => hil(a),
        Cmd::Render(a) => {
            let run = RunDir::open(&a.run)?;
            let mut cfg = run.load_config()?;
            if let Some(m) = a.morphology {
                cfg.variants = vec![m];
            }
            let setup = Setup::new(cfg)?;
            let ck = run.load_checkpoint()?;
            // Frames at 50 Hz; GIF delays are in hundredths of a second (at least 2 in practice).
            let delay = (2 * a.every).clamp(2, u16::MAX as u32) as u16;
            let mut gif = hebb_train::video::GifWriter::new(a.scale, delay)?;
            let ep = eval::render_episode(&setup, &ck.state.params, 0, a.seed, a.steps, a.every, &mut gif)?;
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
            for (n, d) in env::ENVS {
                println!("{n:<14} {d}");
            }
            Ok(())
        }
    }
}

fn hil(a: HilArgs) -> Result<()> {
    use hebb_train::hil;
    let rule = a.rule.clone().unwrap_or_else(|| hil::mcu_dir().join("rules/ant.hebb"));
    let bytes = std::fs::read(&rule).map_err(|e| Error::io(&rule, e))?;
    hil::check_rule(&bytes).map_err(|e| Error::Corrupt { path: rule.clone(), msg: e.to_string() })?;
    let elf = match &a.firmware {
        Some(p) => p.clone(),
        None => {
            eprintln!("building the firmware with {} …", rule.display());
            hil::build_firmware(&rule)?
        }
    };
    let (mut mcu, ready) = hil::Mcu::boot(&elf)?;
    if !matches!(ready, hebb_train::hil::Reply::Ready { rule_status: 0, .. }) {
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
        "  firmware in the loop: {} steps, return {:.2}, x moved {:+.4} m ({:.0} steps/s over the emulated UART)",
        h.steps,
        h.ret,
        dist(&h),
        h.steps as f64 / hil_s
    );
    println!("  desktop only:         {} steps, return {:.2}, x moved {:+.4} m", d.steps, d.ret, dist(&d));
    let bits = |e: &hil::HilEpisode| e.actions.iter().flatten().map(|v| v.to_bits()).collect::<Vec<_>>();
    if bits(&h) == bits(&d) && h.steps == d.steps {
        println!("  every action identical, bit for bit");
        Ok(())
    } else {
        Err(Error::Config("firmware and desktop actions differ".into()))
    }
}

fn main() -> ExitCode {
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
            ExitCode::FAILURE
        }
    }
}
