//! `hebb plot`: learning curves of one or more runs in one figure.

use std::path::PathBuf;

use clap::Args;
use hebb_train::run::RunDir;
use hebb_train::{Error, Result};

#[derive(Args)]
pub struct PlotArgs {
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

/// Runs `hebb plot`.
pub fn run(a: PlotArgs) -> Result<()> {
    let labels = match a.labels {
        Some(l) if l.len() != a.runs.len() => {
            return Err(Error::Conflict {
                option: "--labels",
                with: "the runs",
                why: format!("--labels has {} labels for {} runs", l.len(), a.runs.len()),
            });
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
