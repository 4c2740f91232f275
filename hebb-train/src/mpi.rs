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
use crate::setup::{Setup, TrainConfig};

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
            .ok_or_else(|| Error::Config("MPI was already initialised".into()))?;
        if provided < Threading::Serialized {
            return Err(Error::Config(format!(
                "the MPI library offers only {provided:?} threading; hebb needs MPI_THREAD_SERIALIZED"
            )));
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
                Ok(_) => Err(Error::Config("rank 0 could not start the run".into())),
            };
        }
        let leader = leader?;
        let encode = |p: &Prepared| -> Result<[Vec<u8>; 3]> {
            Ok([
                p.run.path.to_string_lossy().into_owned().into_bytes(),
                serde_json::to_vec(&p.setup.cfg).map_err(|e| Error::Config(e.to_string()))?,
                postcard::to_stdvec(&p.checkpoint).map_err(|e| Error::Config(e.to_string()))?,
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
                let cfg: TrainConfig =
                    serde_json::from_slice(&cfg).map_err(|e| Error::Config(e.to_string()))?;
                let checkpoint: Checkpoint =
                    postcard::from_bytes(&ck).map_err(|e| Error::Config(format!("checkpoint: {e}")))?;
                let path = PathBuf::from(String::from_utf8_lossy(&dir).into_owned());
                Ok(Prepared { run: RunDir { path }, setup: Setup::new(cfg)?, checkpoint, log: vec![] })
            })(),
        };
        if let Err(e) = &built {
            eprintln!("hebb (rank {}): error: {e}", self.rank);
        }
        if !self.agree(built.is_ok()) {
            self.collective_failure.set(true);
            return Err(built
                .err()
                .unwrap_or_else(|| Error::Config("another rank could not start the run".into())));
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
            return Err(Error::Config(format!(
                "population {} is too large for MPI runs",
                p.setup.cfg.es.pop
            )));
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
            Err(e) if self.is_leader() && !self.collective_failure.get() => Err(Error::Config(format!(
                "{e}\nthe run's files are whole; {}",
                resume_hint(self.size, &dir)
            ))),
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

/// What one evaluation thread did in a generation.
#[derive(Default)]
struct ThreadOut {
    results: Vec<(usize, CandidateResult)>,
    busy_s: f64,
    wait_s: f64,
    error: Option<String>,
}

/// Evaluates on every thread of `pool`, each taking chunks `(start, len)` from `next` until it
/// says `None`.
fn run_dynamic(
    pool: &rayon::ThreadPool,
    setup: &Setup,
    state: &EsState,
    next: &(dyn Fn() -> Option<(usize, usize)> + Sync),
) -> Vec<ThreadOut> {
    pool.broadcast(|_| {
        let mut out = ThreadOut::default();
        let mut worker = Worker::new(setup).map_err(|e| out.error = Some(e.to_string())).ok();
        loop {
            let t = Instant::now();
            let Some((start, len)) = next() else { break };
            out.wait_s += t.elapsed().as_secs_f64();
            for i in start..start + len {
                // After a failure, keep taking chunks (so the dispatcher finishes) but skip them:
                // the run ends at the exchange anyway.
                let (Some(w), None) = (worker.as_mut(), &out.error) else { continue };
                let t = Instant::now();
                match evaluate_candidate(setup, state, w, i) {
                    Ok(r) => out.results.push((i, r)),
                    Err(e) => out.error = Some(format!("candidate {i}: {e}")),
                }
                out.busy_s += t.elapsed().as_secs_f64();
            }
        }
        if worker.is_none() {
            out.error.get_or_insert_with(|| "cannot build a worker".into());
        }
        out
    })
}

struct MpiEvaluator<'a> {
    mpi: &'a Mpi,
    pool: rayon::ThreadPool,
    all_threads: Vec<usize>,
    balance: Balance,
    chunk_divisor: usize,
    stats: MpiStats,
    last_exchange: Option<Instant>,
    last_exchange_s: f64,
}

impl MpiEvaluator<'_> {
    /// This rank's share of the generation (rank 0 also serves the chunk requests).
    fn evaluate_local(&mut self, setup: &Setup, state: &EsState, pop: usize) -> Result<Vec<ThreadOut>> {
        let (rank, size, g) = (self.mpi.rank, self.mpi.size, state.generation as u64);
        let divisor = self.chunk_divisor;
        // Guided self-scheduling: the chunk size is a function of where it starts.
        let chunk_at = move |start: usize| ((pop - start) / divisor).max(1);
        match self.balance {
            Balance::Static => {
                let (lo, hi) = (rank * pop / size, (rank + 1) * pop / size);
                let outs: Vec<(usize, std::result::Result<CandidateResult, String>, f64)> =
                    self.pool.install(|| {
                        (lo..hi)
                            .into_par_iter()
                            .map_init(
                                || Worker::new(setup).map_err(|e| e.to_string()),
                                |w, i| {
                                    let t = Instant::now();
                                    let r = match w {
                                        Ok(w) => evaluate_candidate(setup, state, w, i)
                                            .map_err(|e| format!("candidate {i}: {e}")),
                                        Err(e) => Err(e.clone()),
                                    };
                                    (i, r, t.elapsed().as_secs_f64())
                                },
                            )
                            .collect()
                    });
                let mut out = ThreadOut::default();
                for (i, r, s) in outs {
                    out.busy_s += s;
                    match r {
                        Ok(r) => out.results.push((i, r)),
                        Err(e) => {
                            out.error.get_or_insert(e);
                        }
                    }
                }
                Ok(vec![out])
            }
            Balance::Dynamic if rank == 0 => {
                let next_index = AtomicUsize::new(0);
                let next = || {
                    next_index
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                            (s < pop).then(|| s + chunk_at(s))
                        })
                        .ok()
                        .map(|s| (s, chunk_at(s)))
                };
                let remote: usize = self.all_threads[1..].iter().sum();
                let world = &self.mpi.world;
                let mut served = 0u64;
                let pool = &self.pool;
                let outs = std::thread::scope(|s| {
                    let local = s.spawn(|| run_dynamic(pool, setup, state, &next));
                    let mut done = 0;
                    while done < remote {
                        let Some(status) = world.any_process().immediate_probe_with_tag(TAG_REQUEST) else {
                            std::thread::sleep(Duration::from_micros(20));
                            continue;
                        };
                        let from = world.process_at_rank(status.source_rank());
                        let (req_g, _) = from.receive_with_tag::<u64>(TAG_REQUEST);
                        let reply = if req_g != g {
                            // A rank out of step: tell it to stop; the exchange fails below.
                            DONE - 1
                        } else {
                            // Start in the low 32 bits, length in the high ones.
                            next().map_or(DONE, |(s, n)| s as u64 | (n as u64) << 32)
                        };
                        if reply >= DONE - 1 {
                            done += 1;
                        }
                        served += 1;
                        from.send_with_tag(&reply, TAG_REPLY);
                    }
                    local.join()
                });
                self.stats.request_bytes += served * 16;
                self.stats.requests += served;
                outs.map_err(|_| Error::Config("an evaluation thread panicked".into()))
            }
            Balance::Dynamic => {
                let lock = Mutex::new(());
                let next = || {
                    // One request in flight per rank (MPI_THREAD_SERIALIZED).
                    let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                    let world = SimpleCommunicator::world();
                    let root = world.process_at_rank(0);
                    root.send_with_tag(&g, TAG_REQUEST);
                    let (reply, _) = root.receive_with_tag::<u64>(TAG_REPLY);
                    (reply < DONE - 1).then_some(((reply & 0xffff_ffff) as usize, (reply >> 32) as usize))
                };
                Ok(run_dynamic(&self.pool, setup, state, &next))
            }
        }
    }

    /// All-gathers every rank's results into `out`; fails on every rank if any rank failed.
    fn exchange(&mut self, g: u32, outs: Vec<ThreadOut>, out: &mut [CandidateResult]) -> Result<()> {
        let (rank, world) = (self.mpi.rank, &self.mpi.world);
        let mut send: Vec<u64> = Vec::with_capacity(REC_LEN * (out.len() / self.mpi.size + 2));
        let (mut busy, mut wait) = (0.0, 0.0);
        let mut local_error = None;
        for o in outs {
            busy += o.busy_s;
            if rank > 0 {
                wait += o.wait_s;
            }
            for (i, r) in o.results {
                // The index word carries the count of cut-short episodes in its high half (at
                // most episodes × variants < 2^26, so never REC_STATS or REC_ERROR).
                let index = (i as u64) | ((r.aborted as u64) << 32);
                send.extend_from_slice(&[index, r.ret.to_bits(), r.penalty.to_bits(), r.steps]);
            }
            if local_error.is_none() {
                local_error = o.error;
            }
        }
        // This rank's time in the previous generation's all-gather (negative: none yet).
        send.extend_from_slice(&[REC_STATS, busy.to_bits(), wait.to_bits(), self.last_exchange_s.to_bits()]);
        if let Some(e) = &local_error {
            eprintln!("hebb (rank {rank}): error in generation {g}: {e}");
            send.extend_from_slice(&[REC_ERROR, rank as u64, 0, 0]);
        }
        let t = Instant::now();
        let mut counts = vec![0 as Count; self.mpi.size];
        world.all_gather_into(&(send.len() as Count), &mut counts[..]);
        let displs: Vec<Count> = counts
            .iter()
            .scan(0, |acc, &c| {
                let d = *acc;
                *acc += c;
                Some(d)
            })
            .collect();
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        let mut all = vec![0u64; total];
        {
            let mut part = PartitionMut::new(&mut all[..], counts, &displs[..]);
            world.all_gather_varcount_into(&send[..], &mut part);
        }
        self.last_exchange_s = t.elapsed().as_secs_f64();
        self.stats.exchange_s += self.last_exchange_s;
        self.stats.gathered_bytes += (total * 8 + self.mpi.size * 4) as u64;
        let mut seen = vec![0u32; out.len()];
        let mut failed = vec![];
        let mut last_comm = f64::INFINITY;
        for rec in all.chunks_exact(REC_LEN) {
            match rec[0] {
                REC_STATS => {
                    self.stats.busy_thread_s += f64::from_bits(rec[1]);
                    self.stats.request_wait_s += f64::from_bits(rec[2]);
                    last_comm = last_comm.min(f64::from_bits(rec[3]));
                }
                REC_ERROR => failed.push(rec[1]),
                word => {
                    let (i, aborted) = ((word & 0xffff_ffff) as usize, (word >> 32) as u32);
                    if let Some(o) = out.get_mut(i) {
                        *o = CandidateResult {
                            ret: f64::from_bits(rec[1]),
                            penalty: f64::from_bits(rec[2]),
                            steps: rec[3],
                            aborted,
                        };
                        seen[i] += 1;
                    }
                }
            }
        }
        if last_comm >= 0.0 && last_comm.is_finite() {
            self.stats.comm_s += last_comm;
        }
        if !failed.is_empty() {
            self.mpi.collective_failure.set(true);
            return Err(match local_error {
                Some(e) => Error::Config(format!("generation {g}: {e}")),
                None => Error::Config(format!(
                    "generation {g}: rank(s) {failed:?} failed to evaluate their candidates (their message is above)"
                )),
            });
        }
        if let Some(i) = seen.iter().position(|&c| c != 1) {
            self.mpi.collective_failure.set(true);
            return Err(Error::Config(format!(
                "generation {g}: candidate {i} was evaluated {} times (ranks out of step?)",
                seen[i]
            )));
        }
        Ok(())
    }
}

impl PopulationEvaluator for MpiEvaluator<'_> {
    fn evaluate(&mut self, setup: &Setup, state: &EsState, out: &mut [CandidateResult]) -> Result<()> {
        let t0 = Instant::now();
        if let Some(t) = self.last_exchange {
            self.stats.update_s += t0.duration_since(t).as_secs_f64();
        }
        let outs = self.evaluate_local(setup, state, out.len())?;
        self.exchange(state.generation, outs, out)?;
        let now = Instant::now();
        let wall = now.duration_since(t0).as_secs_f64();
        self.stats.eval_s += wall;
        self.stats.capacity_thread_s += wall * self.all_threads.iter().sum::<usize>() as f64;
        self.stats.generations += 1;
        self.last_exchange = Some(now);
        Ok(())
    }

    fn pool(&self) -> &rayon::ThreadPool {
        &self.pool
    }

    fn is_leader(&self) -> bool {
        self.mpi.is_leader()
    }

    /// Checks that every rank holds the same state (same binary, same arithmetic).
    fn checkpointed(&mut self, state: &EsState) -> Result<()> {
        let h = state_hash(state);
        let mut all = vec![0u64; self.mpi.size];
        self.mpi.world.all_gather_into(&h, &mut all[..]);
        if let Some(r) = all.iter().position(|&x| x != all[0]) {
            self.mpi.collective_failure.set(true);
            return Err(Error::Config(format!(
                "rank {r}'s ES state differs from rank 0's after generation {} (different binaries or \
                 floating-point behaviour across nodes?)",
                state.generation
            )));
        }
        Ok(())
    }
}

/// FNV-1a over the bits of everything an update changes.
fn state_hash(s: &EsState) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |v: u64| {
        for b in v.to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    };
    eat(s.generation as u64);
    eat(s.lr.to_bits());
    eat(s.sigma.to_bits());
    for p in &s.params {
        eat(p.to_bits() as u64);
    }
    h
}
