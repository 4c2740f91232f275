//! Gymnasium's `CartPole-v1`: the published dynamics (semi-implicit Euler off: explicit
//! Euler, τ = 0.02 s), termination at |x| > 2.4 or |θ| > 12°, reward +1 per step, truncation
//! at 500 steps, initial state U(−0.05, 0.05)⁴. State in f64 as Gymnasium keeps it.

use rand::RngExt;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Action, Env, Space, Step};

const GRAVITY: f64 = 9.8;
const MASS_CART: f64 = 1.0;
const MASS_POLE: f64 = 0.1;
const TOTAL_MASS: f64 = MASS_CART + MASS_POLE;
const HALF_LENGTH: f64 = 0.5;
const POLEMASS_LENGTH: f64 = MASS_POLE * HALF_LENGTH;
const FORCE_MAG: f64 = 10.0;
const TAU: f64 = 0.02;
const THETA_THRESHOLD: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
const X_THRESHOLD: f64 = 2.4;
/// Episode length limit of `CartPole-v1`.
pub const MAX_STEPS: u32 = 500;

/// The cart-pole.
#[derive(Debug, Clone, Default)]
pub struct CartPole {
    state: [f64; 4],
    steps: u32,
    done: bool,
}

impl CartPole {
    /// A cart-pole; call [`Env::reset`] before stepping.
    pub fn new() -> Self {
        Self::default()
    }

    /// The state `[x, ẋ, θ, θ̇]`.
    pub fn state(&self) -> [f64; 4] {
        self.state
    }

    fn write_obs(&self, obs: &mut [f32]) {
        for (o, s) in obs.iter_mut().zip(self.state) {
            *o = s as f32;
        }
    }
}

impl Env for CartPole {
    fn name(&self) -> &str {
        "cartpole"
    }
    fn obs_dim(&self) -> usize {
        4
    }
    fn action_space(&self) -> Space {
        Space::Discrete(2)
    }
    fn reset(&mut self, seed: u64, obs: &mut [f32]) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        self.state = std::array::from_fn(|_| rng.random_range(-0.05..0.05));
        self.steps = 0;
        self.done = false;
        self.write_obs(obs);
    }
    fn step(&mut self, action: Action<'_>, obs: &mut [f32]) -> Step {
        if self.done {
            // Stepping a finished episode: nothing moves and nothing is earned (Gymnasium
            // warns and returns reward 0).
            self.write_obs(obs);
            return Step { reward: 0.0, terminated: true, truncated: false };
        }
        let push_right = match action {
            Action::Discrete(a) => a == 1,
            Action::Continuous(a) => a.first().is_some_and(|&v| v > 0.0),
        };
        let [x, x_dot, theta, theta_dot] = self.state;
        let force = if push_right { FORCE_MAG } else { -FORCE_MAG };
        let (sin, cos) = theta.sin_cos();
        let temp = (force + POLEMASS_LENGTH * theta_dot * theta_dot * sin) / TOTAL_MASS;
        let theta_acc =
            (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * cos * cos / TOTAL_MASS));
        let x_acc = temp - POLEMASS_LENGTH * theta_acc * cos / TOTAL_MASS;
        self.state =
            [x + TAU * x_dot, x_dot + TAU * x_acc, theta + TAU * theta_dot, theta_dot + TAU * theta_acc];
        self.steps += 1;
        let [x, _, theta, _] = self.state;
        let terminated = !(-X_THRESHOLD..=X_THRESHOLD).contains(&x)
            || !(-THETA_THRESHOLD..=THETA_THRESHOLD).contains(&theta);
        let truncated = !terminated && self.steps >= MAX_STEPS;
        self.done = terminated || truncated;
        self.write_obs(obs);
        Step { reward: 1.0, terminated, truncated }
    }
    /// A 240×160 side view (±3 m): the track with its ±2.4 m limits, the cart, the 1 m pole.
    fn draw(&self, rgb: &mut Vec<u8>) -> Option<[usize; 2]> {
        const W: usize = 240;
        let scale = 40.0; // pixels per metre: the view spans ±3 m
        let mut c = super::canvas::Canvas::new(rgb, W, 160, [255, 255, 255]);
        let to_px = |x: f64| W as f64 / 2.0 + x * scale;
        let track_y = 120.0;
        c.rect([0.0, track_y], [W as f64, track_y + 1.0], [0, 0, 0]);
        for limit in [-X_THRESHOLD, X_THRESHOLD] {
            c.rect([to_px(limit), track_y - 30.0], [to_px(limit) + 1.0, track_y + 8.0], [213, 94, 0]);
        }
        let [x, _, theta, _] = self.state;
        let (cart_w, cart_h) = (0.4 * scale, 0.24 * scale);
        let top = track_y - cart_h / 2.0 - 4.0;
        c.rect([to_px(x) - cart_w / 2.0, top], [to_px(x) + cart_w / 2.0, top + cart_h], [0, 0, 0]);
        let pivot = [to_px(x), top + 2.0];
        // θ > 0 leans the pole to the right (+x), as Gymnasium draws it.
        let len = 2.0 * HALF_LENGTH * scale;
        let tip = [pivot[0] + len * theta.sin(), pivot[1] - len * theta.cos()];
        c.segment(pivot, tip, 0.04 * scale, [202, 152, 101]);
        c.disc(pivot, 0.03 * scale, [129, 132, 203]);
        Some(c.size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_cart_and_pole_where_the_state_says() {
        let mut e = CartPole::new();
        let mut rgb = Vec::new();
        let px = |rgb: &[u8], x: usize, y: usize| [rgb[(y * 240 + x) * 3], rgb[(y * 240 + x) * 3 + 1]];
        let pole = [202, 152];
        assert_eq!(e.draw(&mut rgb), Some([240, 160]));
        // Upright at x = 0: the pole rises above the centre (pivot at y ≈ 113, 40 px long),
        // the cart is black below it.
        assert_eq!(px(&rgb, 120, 90), pole);
        assert_ne!(px(&rgb, 120, 60), pole);
        assert_eq!(px(&rgb, 120, 116), [0, 0]);
        // Moved to x = +1 m (40 px right), leaning right by 0.2 rad.
        e.state = [1.0, 0.0, 0.2, 0.0];
        e.draw(&mut rgb);
        assert_eq!(px(&rgb, 160, 116), [0, 0]);
        assert_ne!(px(&rgb, 120, 116), [0, 0]);
        // 20 px above the pivot the pole is 20·tan(0.2) ≈ 4 px right of it, not above it.
        assert_eq!(px(&rgb, 164, 93), pole);
        assert_ne!(px(&rgb, 160, 93), pole);
    }

    #[test]
    fn reset_is_seeded_and_small() {
        let (mut a, mut b) = (CartPole::new(), CartPole::new());
        let (mut oa, mut ob) = ([0.0; 4], [0.0; 4]);
        a.reset(3, &mut oa);
        b.reset(3, &mut ob);
        assert_eq!(oa, ob);
        assert!(oa.iter().all(|v| v.abs() < 0.05));
        b.reset(4, &mut ob);
        assert_ne!(oa, ob);
    }

    #[test]
    fn one_step_matches_hand_computation() {
        let mut e = CartPole::new();
        e.state = [0.0; 4];
        let mut o = [0.0; 4];
        e.step(Action::Discrete(1), &mut o);
        // From rest with θ = 0: temp = 10/1.1; θ̈ = −temp / (0.5·(4/3 − 0.1/1.1));
        // ẍ = temp − 0.05·θ̈/1.1. Positions move only next step (explicit Euler).
        let temp = 10.0 / 1.1;
        let th_acc = -temp / (0.5 * (4.0 / 3.0 - 0.1 / 1.1));
        let x_acc = temp - 0.05 * th_acc / 1.1;
        assert_eq!(e.state, [0.0, 0.02 * x_acc, 0.0, 0.02 * th_acc]);
    }

    #[test]
    fn constant_push_fails_and_reward_counts_steps() {
        let mut e = CartPole::new();
        let mut o = [0.0; 4];
        e.reset(0, &mut o);
        let mut total = 0.0;
        let mut n = 0;
        loop {
            let s = e.step(Action::Discrete(0), &mut o);
            total += s.reward;
            n += 1;
            if s.done() {
                assert!(s.terminated);
                break;
            }
        }
        assert_eq!(total, n as f32);
        assert!(n < 30, "a constant push topples the pole quickly, took {n}");
        assert_eq!(e.step(Action::Discrete(0), &mut o).reward, 0.0);
    }
}
