//! `n` built-in environments stepped together: one call steps all of them across threads and
//! writes observations, rewards and flags into caller buffers (numpy arrays in the Python
//! package), resetting finished environments on the following step as Gymnasium's vector
//! environments do (`autoreset_mode = NEXT_STEP`).

use hebb_train::env::{self, Action, Env, Space};
use hebb_train::es::derive_seed;
use hebb_train::{Error, Result};
use rayon::prelude::*;

struct Slot {
    env: Box<dyn Env>,
    /// The episode ended on the last step: the next step resets instead.
    pending_reset: bool,
    /// Episodes started since the last explicit reset (seeds the automatic resets).
    episodes: u64,
}

/// The actions of one batch step.
#[derive(Debug, Clone, Copy)]
pub enum Actions<'a> {
    /// One discrete action per environment.
    Discrete(&'a [i64]),
    /// `n × action_dim` continuous actions, row-major.
    Continuous(&'a [f32]),
}

/// Output buffers of one batch step.
pub struct Out<'a> {
    /// `n × obs_dim` observations.
    pub obs: &'a mut [f32],
    /// `n` rewards.
    pub reward: &'a mut [f64],
    /// `n` termination flags.
    pub terminated: &'a mut [bool],
    /// `n` truncation flags.
    pub truncated: &'a mut [bool],
}

/// `n` copies of one built-in environment.
pub struct VecEnv {
    slots: Vec<Slot>,
    obs_dim: usize,
    space: Space,
    seed: u64,
    pool: rayon::ThreadPool,
}

impl VecEnv {
    /// `n` environments `name` (variant `variant`), stepped on `threads` threads (0: all cores).
    pub fn new(
        name: &str,
        variant: Option<&str>,
        paper_fitness: bool,
        n: usize,
        threads: usize,
    ) -> Result<Self> {
        hebb_train::setup::check_count("the number of environments", n, 65_536)?;
        hebb_train::setup::check_threads(threads)?;
        let slots = (0..n)
            .map(|_| Ok(Slot { env: make(name, variant, paper_fitness)?, pending_reset: false, episodes: 0 }))
            .collect::<Result<Vec<_>>>()?;
        let (obs_dim, space) = (slots[0].env.obs_dim(), slots[0].env.action_space());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::System { what: "thread pool", msg: e.to_string() })?;
        Ok(VecEnv { slots, obs_dim, space, seed: 0, pool })
    }

    /// Number of environments.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Always false (there is at least one environment).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Observation length of one environment.
    pub fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    /// The action space of one environment.
    pub fn action_space(&self) -> &Space {
        &self.space
    }

    /// Resets every environment: environment `i` from seed `seed + i`; writes `n × obs_dim`
    /// observations.
    pub fn reset(&mut self, seed: u64, obs: &mut [f32]) -> Result<()> {
        self.check_len("observation", obs.len(), self.slots.len() * self.obs_dim)?;
        self.seed = seed;
        let d = self.obs_dim;
        self.pool.install(|| {
            self.slots.par_iter_mut().zip(obs.par_chunks_mut(d)).enumerate().for_each(|(i, (s, o))| {
                s.env.reset(seed.wrapping_add(i as u64), o);
                s.pending_reset = false;
                s.episodes = 0;
            })
        });
        Ok(())
    }

    /// Steps every environment with its action (continuous actions are clipped to the box);
    /// an environment whose episode ended on the previous step is reset instead (reward 0,
    /// flags false), from a seed derived from the last reset's seed, its index and its episode
    /// count.
    pub fn step(&mut self, actions: Actions<'_>, out: Out<'_>) -> Result<()> {
        let n = self.slots.len();
        let d = self.obs_dim;
        self.check_len("observation", out.obs.len(), n * d)?;
        for (what, len) in [
            ("reward", out.reward.len()),
            ("terminated", out.terminated.len()),
            ("truncated", out.truncated.len()),
        ] {
            self.check_len(what, len, n)?;
        }
        let (low, high, a_dim): (&[f32], &[f32], usize) = match (&self.space, actions) {
            (Space::Discrete(k), Actions::Discrete(a)) => {
                self.check_len("action", a.len(), n)?;
                if let Some(bad) = a.iter().find(|&&v| v < 0 || v as u64 >= *k as u64) {
                    return Err(Error::Action { msg: format!("discrete action {bad} outside 0..{k}") });
                }
                (&[], &[], 1)
            }
            (Space::Box { low, high }, Actions::Continuous(a)) => {
                self.check_len("action", a.len(), n * low.len())?;
                if a.iter().any(|v| !v.is_finite()) {
                    return Err(Error::Action {
                        msg: "actions must be finite (got NaN or an infinity)".into(),
                    });
                }
                (low, high, low.len())
            }
            (Space::Discrete(_), _) => {
                return Err(Error::Action { msg: "this environment takes integer actions".into() });
            }
            (Space::Box { .. }, _) => {
                return Err(Error::Action { msg: "this environment takes float32 actions".into() });
            }
        };
        let seed = self.seed;
        let Out { obs, reward, terminated, truncated } = out;
        self.pool.install(|| {
            self.slots
                .par_iter_mut()
                .zip(obs.par_chunks_mut(d))
                .zip(reward.par_iter_mut())
                .zip(terminated.par_iter_mut())
                .zip(truncated.par_iter_mut())
                .enumerate()
                .for_each(|(i, ((((s, o), r), te), tr))| {
                    if s.pending_reset {
                        s.episodes += 1;
                        s.env.reset(derive_seed(seed, &[0x7ec, i as u64, s.episodes]), o);
                        s.pending_reset = false;
                        (*r, *te, *tr) = (0.0, false, false);
                        return;
                    }
                    let mut buf = [0.0f32; 16];
                    let mut heap;
                    let action = match actions {
                        Actions::Discrete(a) => Action::Discrete(a[i] as usize),
                        Actions::Continuous(a) => {
                            let src = &a[i * a_dim..(i + 1) * a_dim];
                            let dst: &mut [f32] = if a_dim <= buf.len() {
                                &mut buf[..a_dim]
                            } else {
                                heap = vec![0.0f32; a_dim];
                                &mut heap
                            };
                            for (k, (x, v)) in dst.iter_mut().zip(src).enumerate() {
                                *x = v.clamp(low[k], high[k]);
                            }
                            Action::Continuous(dst)
                        }
                    };
                    let st = s.env.step(action, o);
                    (*r, *te, *tr) = (st.reward as f64, st.terminated, st.truncated);
                    s.pending_reset = st.done();
                })
        });
        Ok(())
    }

    fn check_len(&self, what: &str, got: usize, expected: usize) -> Result<()> {
        if got != expected {
            return Err(Error::WrongLength { what: format!("{what} buffer"), got, expected });
        }
        Ok(())
    }
}

/// Builds one built-in environment (the paper's fitness protocol where asked: quadruped, car).
pub fn make(name: &str, variant: Option<&str>, paper_fitness: bool) -> Result<Box<dyn Env>> {
    if !paper_fitness {
        return env::make(name, variant);
    }
    let cfg = hebb_train::TrainConfig {
        env: name.into(),
        variants: variant.map(|v| vec![v.to_string()]).unwrap_or_default(),
        paper_fitness: true,
        ..Default::default()
    };
    hebb_train::Setup::new(cfg)?.make_env(variant)
}
