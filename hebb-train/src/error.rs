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
    /// Two options (or an option and what it is applied to) that cannot be combined; the
    /// message names both and says which to drop or add.
    #[error("{why}")]
    Conflict {
        /// The option refused (`--init coevolve`, `--merge-*`).
        option: &'static str,
        /// What it does not go with (`--static`), or the option it needs.
        with: &'static str,
        /// The whole message: why, and what to change.
        why: String,
    },
    /// A population the ES cannot use (odd, below 2, or too large), named by `--pop` and
    /// `es.pop`.
    #[error("population must be {expected}: --pop (es.pop) got {got}")]
    Population {
        /// The population given.
        got: usize,
        /// What is accepted.
        expected: String,
    },
    /// A slice, vector or buffer of the wrong length.
    #[error("{what} has {got} values, expected {expected}")]
    WrongLength {
        /// What has the wrong length (`parameter vector`, `reward buffer`).
        what: String,
        /// Its length.
        got: usize,
        /// The length needed.
        expected: usize,
    },
    /// Layer sizes the core runtime refuses for a network (a hidden layer of 0 units, too
    /// many layers, a layer too wide).
    #[error(
        "network {sizes}: {source} (hidden layers: at most {}, each 1..={})",
        hebb_core::MAX_LAYERS - 1,
        hebb_core::MAX_LAYER_SIZE
    )]
    Network {
        /// The layer sizes asked for (`4-32-0-2`).
        sizes: String,
        /// The core runtime's reason.
        source: hebb_core::Error,
    },
    /// A name that is not one of the known ones (a preset, an ant morphology).
    #[error("unknown {what} `{name}` (known: {known})")]
    Unknown {
        /// What the name names (`preset`, `ant morphology`).
        what: &'static str,
        /// The name given.
        name: String,
        /// The known names (and other accepted forms).
        known: String,
    },
    /// A quadruped morphology that cannot be used: a morphology file that does not parse, or
    /// legs that are malformed or out of range.
    #[error("{}{msg}", path.as_ref().map_or(String::new(), |p| format!("{}: ", p.display())))]
    Morphology {
        /// The morphology file, where the morphology came from one.
        path: Option<PathBuf>,
        /// The line of the file the problem is on, where known (JSON syntax and type errors).
        line: Option<usize>,
        /// What is wrong.
        msg: String,
    },
    /// The spaces recorded for an environment stepped outside hebb
    /// ([`crate::setup::ExternalEnv`]) that no network can use.
    #[error("external environment: {msg}")]
    External {
        /// What is wrong with them.
        msg: String,
    },
    /// An environment of a run that hebb cannot build itself (it was stepped in Python).
    #[error(
        "environment `{env}` is not built into hebb (the run stepped it in Python); evaluate it \
         from Python with hebb.evaluate"
    )]
    NotBuiltIn {
        /// The environment's name.
        env: String,
    },
    /// A rule file whose header names an environment hebb does not know, with no `--env` to
    /// say which one to use.
    #[error(
        "the rule's header names the environment `{env}`, which hebb does not know; pass --env \
         NAME (see `hebb envs`)"
    )]
    UnknownRuleEnv {
        /// The environment its header names.
        env: String,
    },
    /// An error about what a file holds, with the file's path (a rule file whose header
    /// describes an agent hebb cannot build).
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with its contents.
        source: Box<Error>,
    },
    /// Exporting or quantising the plasticity rule of a run that has none.
    #[error("a static-weight run has no plasticity rule to {to}")]
    NoRule {
        /// What was asked (`export`, `quantise`).
        to: &'static str,
    },
    /// A run directory without a file the command needs.
    #[error("{} holds no {file} ({hint})", dir.display())]
    NoFile {
        /// The directory.
        dir: PathBuf,
        /// The file it lacks (`rule.hebb`, `log.csv`).
        file: &'static str,
        /// Why it may lack it, and what to do.
        hint: String,
    },
    /// An action outside the environment's action space: out of range, not finite, or of the
    /// wrong kind (integer for a box, float for a discrete space).
    #[error("{msg}")]
    Action {
        /// What is wrong with it.
        msg: String,
    },
    /// Drawing frames or encoding the GIF of `hebb render` failed.
    #[error("{msg}")]
    Video {
        /// What went wrong.
        msg: String,
    },
    /// The operating system refused a resource (a thread pool, the signal handler).
    #[error("{what}: {msg}")]
    System {
        /// The resource (`thread pool`, `installing the signal handler`).
        what: &'static str,
        /// The system's message.
        msg: String,
    },
    /// A worker (a network and its environments) that could not be built, reported by every
    /// evaluation thread that needed it: the first failure's message.
    #[error("{msg}")]
    Worker {
        /// The message of the error that stopped the worker.
        msg: String,
    },
    /// A multi-process (MPI) run failed: an MPI library hebb cannot use, a rank that could not
    /// start or evaluate, ranks out of step.
    #[error("{}{msg}", generation.map_or(String::new(), |g| format!("generation {g}: ")))]
    Mpi {
        /// The generation it failed in, where it failed during one.
        generation: Option<u32>,
        /// What went wrong.
        msg: String,
    },
    /// An MPI run that stopped on an error after its last checkpoint was written whole: the
    /// error and how to resume.
    #[error("{source}\nthe run's files are whole; {hint}")]
    MpiStopped {
        /// The error that stopped the run.
        source: Box<Error>,
        /// The command that resumes it.
        hint: String,
    },
    /// A bad input with no variant of its own (a one-off check).
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
    /// A run directory, checkpoint or log that cannot be read, or holds nothing usable.
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
