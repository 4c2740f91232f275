//! Gymnasium's `Pendulum-v1`: θ̈ = 3g/(2l)·sin θ + 3/(ml²)·u, g = 10, m = l = 1, dt = 0.05,
//! |u| ≤ 2, |θ̇| ≤ 8; reward −(θ_n² + 0.1·θ̇² + 0.001·u²) with θ_n the angle normalised to
//! [−π, π); observation `[cos θ, sin θ, θ̇]`; initial θ ~ U(−π, π), θ̇ ~ U(−1, 1); truncation
//! at 200 steps, no termination.

use std::f64::consts::PI;

use rand::RngExt;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Action, Env, Space, Step};

const MAX_SPEED: f64 = 8.0;
const MAX_TORQUE: f64 = 2.0;
const DT: f64 = 0.05;
const G: f64 = 10.0;
const M: f64 = 1.0;
const L: f64 = 1.0;
/// Episode length of `Pendulum-v1`.
pub const MAX_STEPS: u32 = 200;

/// The inverted pendulum swing-up.
#[derive(Debug, Clone, Default)]
pub struct Pendulum {
    th: f64,
    thdot: f64,
    steps: u32,
    /// The last torque applied (clipped), for drawing.
    last_u: f64,
}

/// `((x + π) mod 2π) − π` with a non-negative modulo, as Gymnasium's `angle_normalize`.
fn angle_normalize(x: f64) -> f64 {
    (x + PI).rem_euclid(2.0 * PI) - PI
}

impl Pendulum {
    /// A pendulum; call [`Env::reset`] before stepping.
    pub fn new() -> Self {
        Self::default()
    }

    fn write_obs(&self, obs: &mut [f32]) {
        obs[0] = self.th.cos() as f32;
        obs[1] = self.th.sin() as f32;
        obs[2] = self.thdot as f32;
    }
}

impl Env for Pendulum {
    fn name(&self) -> &str {
        "pendulum"
    }
    fn obs_dim(&self) -> usize {
        3
    }
    fn action_space(&self) -> Space {
        Space::Box { low: vec![-MAX_TORQUE as f32], high: vec![MAX_TORQUE as f32] }
    }
    fn reset(&mut self, seed: u64, obs: &mut [f32]) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        self.th = rng.random_range(-PI..PI);
        self.thdot = rng.random_range(-1.0..1.0);
        self.steps = 0;
        self.last_u = 0.0;
        self.write_obs(obs);
    }
    fn step(&mut self, action: Action<'_>, obs: &mut [f32]) -> Step {
        let u = match action {
            Action::Continuous(a) => a.first().copied().unwrap_or(0.0) as f64,
            Action::Discrete(_) => 0.0,
        };
        let u = if u.is_finite() { u.clamp(-MAX_TORQUE, MAX_TORQUE) } else { 0.0 };
        let cost = angle_normalize(self.th).powi(2) + 0.1 * self.thdot.powi(2) + 0.001 * u * u;
        let thdot = self.thdot + (3.0 * G / (2.0 * L) * self.th.sin() + 3.0 / (M * L * L) * u) * DT;
        self.thdot = thdot.clamp(-MAX_SPEED, MAX_SPEED);
        self.th += self.thdot * DT;
        self.steps += 1;
        self.last_u = u;
        self.write_obs(obs);
        Step { reward: -cost as f32, terminated: false, truncated: self.steps >= MAX_STEPS }
    }
    /// A 160×160 front view: the 1 m rod from its pivot (θ = 0 upright, θ > 0 counter-clockwise,
    /// as Gymnasium draws it), and the last torque as a bar from the centre (right: u > 0).
    fn draw(&self, rgb: &mut Vec<u8>) -> Option<[usize; 2]> {
        const S: usize = 160;
        let mut c = super::canvas::Canvas::new(rgb, S, S, [255, 255, 255]);
        let pivot = [S as f64 / 2.0, S as f64 / 2.0 - 4.0];
        let len = 0.42 * S as f64 * L;
        let tip = [pivot[0] - len * self.th.sin(), pivot[1] - len * self.th.cos()];
        c.segment(pivot, tip, 6.0, [204, 77, 77]);
        c.disc(pivot, 3.0, [0, 0, 0]);
        let bar = self.last_u / MAX_TORQUE * (S as f64 / 2.0 - 8.0);
        let y = S as f64 - 10.0;
        c.rect([pivot[0], y - 3.0], [pivot[0] + bar, y + 3.0], [0, 114, 178]);
        c.rect([pivot[0], y - 6.0], [pivot[0], y + 6.0], [0, 0, 0]);
        Some(c.size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_rod_where_the_angle_says() {
        let mut p = Pendulum::new();
        let mut rgb = Vec::new();
        let red = |rgb: &[u8], x: usize, y: usize| rgb[(y * 160 + x) * 3..][..3] == [204, 77, 77];
        // Upright: rod above the pivot (76); hanging: below.
        assert_eq!(p.draw(&mut rgb), Some([160, 160]));
        assert!(red(&rgb, 80, 40) && !red(&rgb, 80, 115));
        p.th = PI;
        p.draw(&mut rgb);
        assert!(red(&rgb, 80, 115) && !red(&rgb, 80, 40));
        // θ = π/2 points left (counter-clockwise from upright).
        p.th = PI / 2.0;
        p.draw(&mut rgb);
        assert!(red(&rgb, 40, 76) && !red(&rgb, 120, 76));
    }

    #[test]
    fn angle_normalize_matches_python() {
        assert!((angle_normalize(3.0 * PI / 2.0) - (-PI / 2.0)).abs() < 1e-12);
        assert!((angle_normalize(-3.0 * PI / 2.0) - (PI / 2.0)).abs() < 1e-12);
        assert_eq!(angle_normalize(0.0), 0.0);
    }

    #[test]
    fn hanging_still_costs_pi_squared_and_upright_costs_nothing() {
        let mut p = Pendulum::new();
        let mut o = [0.0; 3];
        p.th = PI;
        let s = p.step(Action::Continuous(&[0.0]), &mut o);
        assert!((s.reward as f64 + PI * PI).abs() < 1e-5);
        p.th = 0.0;
        p.thdot = 0.0;
        let s = p.step(Action::Continuous(&[0.0]), &mut o);
        assert_eq!(s.reward, 0.0);
        assert_eq!(o, [1.0, 0.0, 0.0]);
    }

    #[test]
    fn truncates_at_200() {
        let mut p = Pendulum::new();
        let mut o = [0.0; 3];
        p.reset(1, &mut o);
        for t in 1..=MAX_STEPS {
            let s = p.step(Action::Continuous(&[5.0]), &mut o);
            assert_eq!(s.truncated, t == MAX_STEPS);
            assert!(o[2].abs() <= 8.0);
        }
    }
}
