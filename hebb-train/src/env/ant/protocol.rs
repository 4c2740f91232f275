//! The paper's fitness protocol for the bullet quadruped (Najarro & Risi's `fitness_functions.py`):
//! 40 zero-action burn-in steps (done by the environment's `reset`), then reward = progress only,
//! and after policy step `t` (0-based) the episode stops once `t > 200` and either the
//! environment's own `done` is set or more than 30 consecutive steps had negative progress —
//! consecutive negatives are only counted from `t > 200` on, and an early `done` (the ant-bullet
//! ant is on the floor within the burn-in) does not stop the episode before then.

/// Zero-action steps before the first observation.
pub const BURN_IN: u32 = 40;
/// Policy steps before the early-stop rules apply (`t > MIN_STEPS`).
pub const MIN_STEPS: u32 = 200;
/// Consecutive negative-progress steps tolerated (`> MAX_NEGATIVE` stops).
pub const MAX_NEGATIVE: u32 = 30;

/// Early-stop state of one episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaperStop {
    t: u32,
    negative: u32,
}

impl PaperStop {
    /// A fresh episode (after burn-in).
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one policy step's progress and the environment's `done`; returns whether the
    /// episode stops here.
    pub fn after_step(&mut self, progress: f32, env_done: bool) -> bool {
        let stop = if self.t > MIN_STEPS {
            self.negative = if progress < 0.0 { self.negative + 1 } else { 0 };
            env_done || self.negative > MAX_NEGATIVE
        } else {
            false
        };
        self.t += 1;
        stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(progress: impl Fn(u32) -> f32, done: impl Fn(u32) -> bool) -> u32 {
        let mut s = PaperStop::new();
        (0..10_000).find(|&t| s.after_step(progress(t), done(t))).map_or(u32::MAX, |t| t + 1)
    }

    #[test]
    fn done_only_counts_after_step_200() {
        assert_eq!(run(|_| 1.0, |_| true), 202);
        assert_eq!(run(|_| 1.0, |t| t == 500), 501);
        assert_eq!(run(|_| 1.0, |_| false), u32::MAX);
    }

    #[test]
    fn thirty_one_negative_steps_after_200_stop() {
        // Negative from the start: counting begins at t = 201, the 31st negative is t = 231.
        assert_eq!(run(|_| -1.0, |_| false), 232);
        // A positive step resets the count.
        assert_eq!(run(|t| if t == 220 { 1.0 } else { -1.0 }, |_| false), 252);
        // Zero progress is not negative.
        assert_eq!(run(|_| 0.0, |_| false), u32::MAX);
    }
}
