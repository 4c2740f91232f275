//! The one error type of hebb-train.

use std::path::PathBuf;

/// Everything that can go wrong while training, evaluating or exporting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error from the core runtime (shapes, rule files, non-finite observations…).
    #[error(transparent)]
    Core(#[from] hebb_core::Error),
    /// An environment name that is not registered.
    #[error("unknown environment `{name}` (known: {known})")]
    UnknownEnv {
        /// The name asked for.
        name: String,
        /// The registered names.
        known: String,
    },
    /// A variant (morphology) the environment does not have.
    #[error("environment `{env}` has no variant `{variant}`")]
    NoVariant {
        /// The environment.
        env: String,
        /// The variant asked for.
        variant: String,
    },
    /// `paper_fitness` asked of an environment without a fitness protocol of its own.
    #[error(
        "environment `{env}` has no fitness protocol of its own (the paper's is defined for the \
         quadruped and the car); train it with --paper-fitness false (config.json: paper_fitness)"
    )]
    NoFitnessProtocol {
        /// The environment.
        env: String,
    },
    /// A name that is not one of the accepted ones, with its command-line flag and `config.json`
    /// field.
    #[error("unknown {what} `{value}` for {flag} (config.json `{field}`): expected {expected}")]
    BadValue {
        /// What the value names (`rule`, `weight init`).
        what: &'static str,
        /// The command-line flag (`--rule`).
        flag: &'static str,
        /// The `config.json` field (`rule`).
        field: &'static str,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A network of the wrong shape.
    #[error("{what} holds a {has} network; {needed_by} needs {expected}")]
    ShapeMismatch {
        /// What holds the network (a rule file, a checkpoint).
        what: String,
        /// Its layer sizes (`28-128-64-8`).
        has: String,
        /// The sizes needed.
        expected: String,
        /// Who needs them.
        needed_by: String,
    },
    /// A number outside its range, named by its command-line flag (and `config.json` field).
    #[error("{flag}{} must be {expected}, got {got}", field.map_or(String::new(), |f| format!(" ({f})")))]
    OutOfRange {
        /// The command-line flag (`--pop`).
        flag: String,
        /// The `config.json` field (`es.pop`), where there is one.
        field: Option<&'static str>,
        /// What is accepted.
        expected: String,
        /// The value given.
        got: String,
    },
    /// `hebb train` into a directory that already holds a run.
    #[error("{} already holds a run; use `hebb train --resume {}` or another --out", dir.display(), dir.display())]
    RunExists {
        /// The directory.
        dir: PathBuf,
    },
    /// A path that should be a run directory and is not.
    #[error("{} is not a run directory", path.display())]
    NotARunDir {
        /// The path.
        path: PathBuf,
    },
    /// A generation budget below what the run has already done.
    #[error("--gens {gens} is below the {done} generations {} has already done", dir.display())]
    BudgetBelowDone {
        /// The budget asked for.
        gens: u32,
        /// Generations done.
        done: u32,
        /// The run directory.
        dir: PathBuf,
    },
    /// Serialising a checkpoint, configuration or log failed.
    #[error("encoding the {what}: {msg}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's message.
        msg: String,
    },
    /// The firmware in the loop (QEMU, the UART link, its replies) failed.
    #[error("{0}")]
    Firmware(String),
    /// A bad combination of options.
    #[error("{0}")]
    Config(String),
    /// A file or directory problem, with the path.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A run directory or checkpoint that cannot be read.
    #[error("{path}: {msg}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        msg: String,
    },
    /// Plotting failed.
    #[error("plot {path}: {msg}")]
    Plot {
        /// The output file.
        path: PathBuf,
        /// The plotting backend's message.
        msg: String,
    },
    /// Training stopped on SIGINT or SIGTERM after writing its checkpoint.
    #[error(
        "interrupted by {} at generation {generation}; checkpoint written, continue with: hebb train --resume {}",
        crate::signal::name(*signal),
        dir.display()
    )]
    Interrupted {
        /// The signal number.
        signal: i32,
        /// Generations completed (those in the checkpoint).
        generation: u32,
        /// The run directory.
        dir: PathBuf,
    },
    /// An ES update produced non-finite parameters; the run stopped without saving them.
    #[error(
        "the run diverged: generation {generation}'s update made {bad} of {total} parameters \
         non-finite (NaN or infinite); try a smaller --lr or --sigma. The last good checkpoint \
         (generation {kept}) is kept"
    )]
    Diverged {
        /// The generation whose update diverged.
        generation: u32,
        /// Non-finite parameters after it.
        bad: usize,
        /// Parameters in all.
        total: usize,
        /// The generation of the checkpoint left on disk.
        kept: u32,
    },
}

/// `Result` with hebb-train's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
