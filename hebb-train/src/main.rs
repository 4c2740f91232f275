//! `hebb`: train, evaluate, export and inspect evolved Hebbian controllers. Each subcommand
//! lives in its own module under `cli/`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hebb_train::{Error, Result};

mod cli;

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
    Train(Box<cli::train::TrainArgs>),
    /// Evaluate a run (or a bare rule file) over many episodes; prints mean ± std per variant.
    Eval(cli::eval::EvalArgs),
    /// Write a run's rule as a flashable rule file.
    Export(cli::export::ExportArgs),
    /// Describe a rule file (or a run directory's `rule.hebb`): header, sizes, coefficient
    /// statistics.
    Inspect(cli::inspect::InspectArgs),
    /// Plot the learning curves of one or more runs in one figure (mean with a ±std band, and
    /// the min–max range), e.g. a Hebbian run against its static baseline.
    Plot(cli::plot::PlotArgs),
    /// Hardware in the loop: the desktop quadruped driven by the firmware in QEMU over its UART,
    /// then the same episode on the desktop alone; prints both distances and whether every
    /// action matched bit for bit.
    Hil(cli::hil::HilArgs),
    /// Render one evaluation episode of a run (or a rule file) as an animated GIF (car racing:
    /// the agent's own 96×96 view, upscaled; the quadruped: a simple oblique projection
    /// following the torso; CartPole and Pendulum: simple 2-D drawings).
    Render(cli::render::RenderArgs),
    /// List the environments, their variants (morphologies) and the morphology file format.
    Envs,
}

#[cfg(feature = "mpi")]
type MpiRef<'a> = Option<&'a hebb_train::train::mpi::Mpi>;
#[cfg(not(feature = "mpi"))]
type MpiRef<'a> = Option<&'a std::convert::Infallible>;

fn run(cli: Cli, mpi: MpiRef<'_>) -> Result<()> {
    match cli.cmd {
        Cmd::Train(a) => cli::train::run(a, mpi),
        Cmd::Eval(a) => cli::eval::run(a),
        Cmd::Export(a) => cli::export::run(a),
        Cmd::Inspect(a) => cli::inspect::run(a),
        Cmd::Plot(a) => cli::plot::run(a),
        Cmd::Hil(a) => cli::hil::run(a),
        Cmd::Render(a) => cli::render::run(a),
        Cmd::Envs => {
            cli::envs::run();
            Ok(())
        }
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
