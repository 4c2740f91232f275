//! The evaluation side of an MPI run: how a rank's threads take candidates (chunks handed out
//! by rank 0, or a fixed share), and the all-gather of every candidate's result.

use super::*;

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

/// The ranks' [`PopulationEvaluator`]: each generation's candidates shared out (dynamically or
/// statically), then every result all-gathered.
pub(super) struct MpiEvaluator<'a> {
    pub(super) mpi: &'a Mpi,
    pub(super) pool: rayon::ThreadPool,
    pub(super) all_threads: Vec<usize>,
    pub(super) balance: Balance,
    pub(super) chunk_divisor: usize,
    pub(super) stats: MpiStats,
    pub(super) last_exchange: Option<Instant>,
    pub(super) last_exchange_s: f64,
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
                outs.map_err(|_| Error::Mpi { generation: None, msg: "an evaluation thread panicked".into() })
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
                Some(e) => Error::Mpi { generation: Some(g), msg: e.to_string() },
                None => Error::Mpi {
                    generation: Some(g),
                    msg: format!(
                        "rank(s) {failed:?} failed to evaluate their candidates (their message is above)"
                    ),
                },
            });
        }
        if let Some(i) = seen.iter().position(|&c| c != 1) {
            self.mpi.collective_failure.set(true);
            return Err(Error::Mpi {
                generation: Some(g),
                msg: format!("candidate {i} was evaluated {} times (ranks out of step?)", seen[i]),
            });
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
            return Err(Error::Mpi {
                generation: None,
                msg: format!(
                    "rank {r}'s ES state differs from rank 0's after generation {} (different binaries or \
                     floating-point behaviour across nodes?)",
                    state.generation
                ),
            });
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
