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
