//! Distributed evolution over MPI (feature `mpi`): `mpirun -np N hebb train …` runs one ES
//! across N processes.
//!
//! - Every rank holds the same [`EsState`]. Each generation the ranks evaluate the population
//!   between them (rayon inside a rank), then all-gather `(index, return, penalty, steps)` for
//!   every candidate: 32 bytes per candidate, O(population) per generation. Every rank then
//!   applies the same [`EsState::update`], rebuilding the noise from seeds, so no parameter
//!   vector is ever sent (the starting checkpoint is broadcast once, at start-up).
//! - The result is bit-identical to the single-process run for any number of ranks and
//!   threads: a candidate's evaluation depends only on its index and the state, and the update
//!   sees the same fitness vector in the same order.
//! - Balancing ([`Balance::Dynamic`](crate::train::mpi::Balance::Dynamic), the default): rank 0 hands out chunks of candidate
//!   indices on request (guided self-scheduling: a chunk is the remaining candidates divided by
//!   twice the number of threads, at least one), so ranks whose episodes stop early take more,
//!   with few requests early and single candidates at the end. [`Balance::Static`](crate::train::mpi::Balance::Static)
//!   gives each rank a fixed contiguous share (kept for comparison).
//! - Rank 0 alone writes files (atomically) and prints. A failure on one rank is reported to
//!   all at the next exchange and ends the run everywhere; a rank that dies makes the MPI
//!   launcher end the job, and rank 0 says how to `--resume` (at start-up, and again if it is
//!   sent SIGTERM).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mpi::Count;
use mpi::datatype::PartitionMut;
use mpi::environment::{Threading, Universe};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use rayon::prelude::*;

use super::{
    CandidateResult, PopulationEvaluator, Prepared, RunOptions, Summary, evaluate_candidate, prepare_new,
    prepare_resume, train_prepared,
};
use crate::episode::Worker;
use crate::error::{Error, Result};
use crate::es::EsState;
use crate::run::{Checkpoint, RunDir};
use crate::setup::pool;

#[path = "mpi/evaluator.rs"]
mod evaluator;
use crate::setup::{Setup, TrainConfig};
use evaluator::MpiEvaluator;

/// How the population is shared between ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Balance {
    /// Rank 0 hands out shrinking chunks of candidates on request (dynamic load balancing).
    #[default]
    Dynamic,
    /// Each rank evaluates a fixed contiguous share of the population.
    Static,
}

/// What to train.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one Job per process: boxing the config buys nothing
pub enum Job {
    /// A new run in `dir` (which must not hold one).
    New {
        /// The run directory.
        dir: PathBuf,
        /// Its configuration.
        cfg: TrainConfig,
    },
    /// Continue the run in `dir` from its checkpoint.
    Resume {
        /// The run directory.
        dir: PathBuf,
        /// A new generation budget.
        generations: Option<u32>,
    },
}

/// Measured figures of a distributed run (kept by every rank, printed by rank 0).
#[derive(Debug, Clone, Default)]
pub struct MpiStats {
    /// Ranks.
    pub ranks: usize,
    /// Evaluation threads on each rank.
    pub threads: Vec<usize>,
    /// A dynamically handed-out chunk is the remaining candidates divided by this (twice the
    /// total thread count), at least one.
    pub chunk_divisor: usize,
    /// The balancing used.
    pub balance: Balance,
    /// Generations run by this call.
    pub generations: u32,
    /// Seconds from the start of each evaluation to the end of its exchange, summed.
    pub eval_s: f64,
    /// Thread-seconds spent evaluating candidates, summed over all ranks.
    pub busy_thread_s: f64,
    /// Thread-seconds available (threads × evaluation wall time), summed over all ranks.
    pub capacity_thread_s: f64,
    /// Seconds rank 0 spent in the all-gathers (including waiting for the slowest rank).
    pub exchange_s: f64,
    /// Seconds in the all-gather of the last rank to arrive, summed over generations after
    /// the first: the exchange itself, without waiting.
    pub comm_s: f64,
    /// Thread-seconds ranks other than 0 waited for chunk replies, summed.
    pub request_wait_s: f64,
    /// Chunk requests served by rank 0, summed.
    pub requests: u64,
    /// Seconds between an exchange and the next evaluation (the ES update, logging,
    /// checkpoints), summed.
    pub update_s: f64,
    /// Payload bytes all-gathered (the array every rank assembles), summed.
    pub gathered_bytes: u64,
    /// Payload bytes of chunk requests and replies, summed.
    pub request_bytes: u64,
}

impl MpiStats {
    /// Share of the ranks' thread time not spent evaluating candidates.
    pub fn idle_fraction(&self) -> f64 {
        if self.capacity_thread_s > 0.0 { 1.0 - self.busy_thread_s / self.capacity_thread_s } else { 0.0 }
    }
}

impl std::fmt::Display for MpiStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = self.generations.max(1) as f64;
        let per_min =
            if self.eval_s + self.update_s > 0.0 { 60.0 * g / (self.eval_s + self.update_s) } else { 0.0 };
        writeln!(
            f,
            "MPI: {} ranks × {:?} threads, {:?} balance (chunks: remaining/{}), {} generations, {:.1} generations/min",
            self.ranks, self.threads, self.balance, self.chunk_divisor, self.generations, per_min
        )?;
        writeln!(
            f,
            "  per generation: evaluation {:.4} s (of which rank 0 in all-gathers {:.4} s), update and bookkeeping {:.4} s",
            self.eval_s / g,
            self.exchange_s / g,
            self.update_s / g
        )?;
        writeln!(
            f,
            "  idle: {:.1}% of evaluation thread time; bytes per generation: {:.0} all-gathered + {:.0} in chunk requests",
            100.0 * self.idle_fraction(),
            self.gathered_bytes as f64 / g,
            self.request_bytes as f64 / g
        )?;
        writeln!(
            f,
            "  all-gather of the last rank to arrive: {:.1} µs per generation; chunk request round trip: {:.1} µs ({} requests)",
            1e6 * self.comm_s / (g - 1.0).max(1.0),
            1e6 * self.request_wait_s / (self.requests.max(1) as f64),
            self.requests
        )
    }
}

/// The outcome of [`Mpi::train`].
#[derive(Debug, Clone)]
pub struct MpiRun {
    /// The run directory (as rank 0 chose it).
    pub dir: PathBuf,
    /// The training summary (the same state on every rank; the log is complete on rank 0).
    pub summary: Summary,
    /// The run's generation budget.
    pub total_generations: u32,
    /// Measured figures.
    pub stats: MpiStats,
}

/// The MPI environment of a `hebb` process started by an MPI launcher.
pub struct Mpi {
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
    collective_failure: std::cell::Cell<bool>,
    // Finalises MPI when dropped: declared last, so it is dropped last.
    _universe: Universe,
}

const TAG_REQUEST: mpi::Tag = 11;
const TAG_REPLY: mpi::Tag = 12;
const DONE: u64 = u64::MAX;
const REC_STATS: u64 = u64::MAX;
const REC_ERROR: u64 = u64::MAX - 1;
const REC_LEN: usize = 4;

/// Whether an MPI launcher (Open MPI's mpirun, MPICH/Intel hydra, PMIx launchers such as
/// `srun --mpi=pmix`) started this process.
pub fn launched_by_mpi() -> bool {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

/// Ranks on this node, as the launcher tells it (1 if it does not).
fn local_ranks() -> usize {
    ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1)
}

impl Mpi {
    /// Initialises MPI when an MPI launcher started this process; `None` otherwise (the plain
    /// single-process path is used then).
    pub fn from_launcher() -> Result<Option<Mpi>> {
        if !launched_by_mpi() {
            return Ok(None);
        }
        let (universe, provided) = mpi::initialize_with_threading(Threading::Serialized)
            .ok_or_else(|| Error::Mpi { generation: None, msg: "MPI was already initialised".into() })?;
        if provided < Threading::Serialized {
            return Err(Error::Mpi {
                generation: None,
                msg: format!(
                    "the MPI library offers only {provided:?} threading; hebb needs MPI_THREAD_SERIALIZED"
                ),
            });
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        Ok(Some(Mpi { _universe: universe, world, rank, size, collective_failure: false.into() }))
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Number of ranks.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Rank 0: the one that writes files and prints.
    pub fn is_leader(&self) -> bool {
        self.rank == 0
    }

    /// Whether the last error of [`Mpi::train`] was seen by every rank (each returns it and the
    /// job can end normally); otherwise the caller should [`Mpi::abort`], or the other ranks
    /// would wait for it forever.
    pub fn failure_was_collective(&self) -> bool {
        self.collective_failure.get()
    }

    /// Ends every rank of the job (MPI_Abort).
    pub fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }

    /// All ranks learn whether all of them are `ok`.
    fn agree(&self, ok: bool) -> bool {
        let mut all = vec![0u8; self.size];
        self.world.all_gather_into(&(ok as u8), &mut all[..]);
        all.iter().all(|&v| v == 1)
    }

    /// Rank 0's bytes on every rank.
    fn broadcast_bytes(&self, data: Option<Vec<u8>>) -> Vec<u8> {
        let root = self.world.process_at_rank(0);
        let mut len = data.as_ref().map_or(0u64, |d| d.len() as u64);
        root.broadcast_into(&mut len);
        let mut buf = data.unwrap_or_else(|| vec![0u8; len as usize]);
        if len > 0 {
            root.broadcast_into(&mut buf[..]);
        }
        buf
    }

    /// Rank 0 creates or opens the run and broadcasts its configuration and checkpoint; every
    /// rank builds the same [`Prepared`].
    fn start(&self, job: Job) -> Result<Prepared> {
        let leader = if self.is_leader() {
            match job {
                Job::New { dir, cfg } => prepare_new(&dir, cfg),
                Job::Resume { dir, generations } => prepare_resume(&dir, generations),
            }
            .map(Some)
        } else {
            Ok(None)
        };
        let leader_ok = leader.is_ok();
        if !self.agree(leader_ok) {
            self.collective_failure.set(true);
            return match leader {
                Err(e) => Err(e),
                Ok(_) => Err(Error::Mpi { generation: None, msg: "rank 0 could not start the run".into() }),
            };
        }
        let leader = leader?;
        let encode = |p: &Prepared| -> Result<[Vec<u8>; 3]> {
            Ok([
                p.run.path.to_string_lossy().into_owned().into_bytes(),
                serde_json::to_vec(&p.setup.cfg)
                    .map_err(|e| Error::Encode { what: "configuration", msg: e.to_string() })?,
                postcard::to_stdvec(&p.checkpoint)
                    .map_err(|e| Error::Encode { what: "checkpoint", msg: e.to_string() })?,
            ])
        };
        let parts = leader.as_ref().map(encode).transpose()?;
        let mut parts = parts.map(|p| p.map(Some)).unwrap_or([None, None, None]);
        let dir = self.broadcast_bytes(parts[0].take());
        let cfg = self.broadcast_bytes(parts[1].take());
        let ck = self.broadcast_bytes(parts[2].take());
        let built = match leader {
            Some(p) => Ok(p),
            None => (|| {
                let cfg: TrainConfig = serde_json::from_slice(&cfg).map_err(|e| Error::Mpi {
                    generation: None,
                    msg: format!("the configuration from rank 0: {e}"),
                })?;
                let checkpoint: Checkpoint = postcard::from_bytes(&ck).map_err(|e| Error::Mpi {
                    generation: None,
                    msg: format!("the checkpoint from rank 0: {e}"),
                })?;
                let path = PathBuf::from(String::from_utf8_lossy(&dir).into_owned());
                let mut setup = Setup::new(cfg)?;
                checkpoint.apply_to(&mut setup)?;
                Ok(Prepared { run: RunDir { path }, setup, checkpoint, log: vec![] })
            })(),
        };
        if let Err(e) = &built {
            eprintln!("hebb (rank {}): error: {e}", self.rank);
        }
        if !self.agree(built.is_ok()) {
            self.collective_failure.set(true);
            return Err(built.err().unwrap_or_else(|| Error::Mpi {
                generation: None,
                msg: "another rank could not start the run".into(),
            }));
        }
        built
    }

    /// Trains `job` across all ranks (every rank calls this with the same arguments).
    /// `opts.threads` is per rank (0: this node's cores divided by its ranks).
    pub fn train(&self, job: Job, opts: RunOptions, balance: Balance) -> Result<MpiRun> {
        self.collective_failure.set(false);
        let p = self.start(job)?;
        if p.setup.cfg.es.pop > u32::MAX as usize {
            // Chunk replies pack start and length into 32 bits each; every rank sees the same
            // configuration, so every rank fails here.
            self.collective_failure.set(true);
            return Err(Error::Population {
                got: p.setup.cfg.es.pop,
                expected: format!("at most {} for MPI runs", u32::MAX),
            });
        }
        let threads = if opts.threads > 0 {
            opts.threads
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get()) / local_ranks()
        }
        .max(1);
        let pool = pool(threads)?;
        let mut all_threads = vec![0u64; self.size];
        self.world.all_gather_into(&(threads as u64), &mut all_threads[..]);
        let all_threads: Vec<usize> = all_threads.iter().map(|&t| t as usize).collect();
        let total_threads: usize = all_threads.iter().sum();
        let chunk_divisor = 2 * total_threads;
        let dir = p.run.path.clone();
        let total_generations = p.setup.cfg.generations;
        if self.is_leader() {
            let hint = resume_hint(self.size, &dir);
            println!(
                "MPI: {} ranks × {:?} threads, {:?} balance; run directory {}; if a rank dies the launcher ends the job: {hint}",
                self.size,
                all_threads,
                balance,
                dir.display()
            );
            install_sigterm_message(format!(
                "\nhebb (rank 0): the MPI job was ended before the run finished (a rank died or was killed). Every file in {} is whole; {hint}\n",
                dir.display()
            ));
        }
        let stats = MpiStats {
            ranks: self.size,
            threads: all_threads.clone(),
            chunk_divisor,
            balance,
            ..MpiStats::default()
        };
        let mut ev = MpiEvaluator {
            mpi: self,
            pool,
            all_threads,
            balance,
            chunk_divisor,
            stats,
            last_exchange: None,
            last_exchange_s: -1.0,
        };
        let res = train_prepared(p, RunOptions { threads, ..opts }, &mut ev);
        match res {
            Ok(summary) => Ok(MpiRun { dir, summary, total_generations, stats: ev.stats }),
            Err(e) if self.is_leader() && !self.collective_failure.get() => {
                Err(Error::MpiStopped { source: Box::new(e), hint: resume_hint(self.size, &dir) })
            }
            Err(e) => Err(e),
        }
    }
}

fn resume_hint(ranks: usize, dir: &std::path::Path) -> String {
    format!(
        "continue from the last checkpoint with `mpirun -np {ranks} hebb train --resume {}`",
        dir.display()
    )
}

static SIGTERM_MESSAGE: OnceLock<Vec<u8>> = OnceLock::new();

unsafe extern "C" {
    fn signal(signum: i32, handler: usize) -> usize;
    fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    fn _exit(status: i32) -> !;
}

extern "C" fn on_sigterm(_: i32) {
    // Only async-signal-safe calls: write(2) and _exit(2).
    if let Some(m) = SIGTERM_MESSAGE.get() {
        // SAFETY: `m` is a live, initialised buffer of `m.len()` bytes.
        unsafe { write(2, m.as_ptr(), m.len()) };
    }
    // SAFETY: _exit is async-signal-safe and ends the process (128 + SIGTERM).
    unsafe { _exit(143) }
}

/// On SIGTERM (how mpirun ends the other ranks when one dies), rank 0 prints `msg` and exits.
fn install_sigterm_message(msg: String) {
    const SIGTERM: i32 = 15;
    if SIGTERM_MESSAGE.set(msg.into_bytes()).is_ok() {
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe { signal(SIGTERM, on_sigterm as extern "C" fn(i32) as usize) };
    }
}
