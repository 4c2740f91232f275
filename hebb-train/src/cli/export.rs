//! `hebb export`: a run's rule as a flashable rule file, optionally in half precision with the
//! measured cost.

use std::path::PathBuf;

use clap::Args;
use hebb_core::rulefile::Encoding;
use hebb_train::run::RunDir;
use hebb_train::setup::{MAX_EPISODES, check_count};
use hebb_train::{Result, Setup, export};

#[derive(Args)]
pub struct ExportArgs {
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
}

/// Runs `hebb export`.
pub fn run(a: ExportArgs) -> Result<()> {
    let ExportArgs { run, out, f16, check_episodes, threads } = a;
    if f16 {
        check_count("--check-episodes", check_episodes, MAX_EPISODES)?;
        hebb_train::setup::check_threads(threads)?;
    }
    let dir = RunDir::open(&run)?;
    let mut setup = Setup::new(dir.load_config()?)?;
    let ck = dir.load_checkpoint_for(&mut setup)?;
    let encoding = if f16 { Encoding::F16 } else { Encoding::F32 };
    if f16 {
        let r = export::f16_report(&setup, &ck.state.params, check_episodes, setup.cfg.seed, threads)?;
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
    println!("wrote {} ({bytes} bytes, {encoding:?}, generation {})", out.display(), ck.state.generation);
    Ok(())
}
