//! `hebb eval`: mean ± std per variant over many episodes, optionally the weight plots of one
//! traced episode per variant.

use std::path::PathBuf;

use clap::Args;
use hebb_train::setup::{MAX_EPISODES, check_count};
use hebb_train::{Error, Result, eval};

#[derive(Args)]
pub struct EvalArgs {
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

/// Runs `hebb eval`.
pub fn run(a: EvalArgs) -> Result<()> {
    check_count("--episodes", a.episodes, MAX_EPISODES)?;
    hebb_train::setup::check_threads(a.threads)?;
    let agent = eval::load_agent(&a.run, a.env.as_deref())?;
    let mut cfg = agent.cfg.clone();
    if let Some(m) = a.morphologies {
        cfg.variants = m;
    }
    if a.plain {
        cfg.paper_fitness = false;
    }
    let setup = agent.setup_for(cfg)?;
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
        return Err(Error::Conflict {
            option: "--out",
            with: "--plot-weights",
            why: "--out is the directory of --plot-weights' figures; add --plot-weights".into(),
        });
    }
    Ok(())
}
