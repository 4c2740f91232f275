//! CarRacing-v0 (gym 0.17, Box2D) on rapier2d with a software renderer (docs/environments.md, Car racing).
//!
//! * [`track`]: the procedural track, its tiles and kerbs, and the wheel-on-tile test.
//! * [`dynamics`]: the car (hull, wheels, steering motors, tyre model) on a rapier2d multibody.
//! * [`render`]: the 96×96 state render and the 84×84 preprocessing the paper feeds its CNN.
//! * [`scene`]: what the world hands the renderer.
//!
//! One step, in the reference's order: steer(−a₀), gas(a₁), brake(a₂); `Car.step(1/50)` (motor
//! speeds, wheel spins, tyre forces, using the tile contacts found at the previous step); the
//! world step, which first updates the tile contacts at the current pose (Box2D's `Collide` runs
//! before its solver: a tile touched by a wheel for the first time earns 1000/N, any car part
//! touching a tile turns its colour to the plain road grey) and then integrates; t += 1/50; the
//! render. The reward is −0.1 per step plus the tiles earned; all tiles visited terminates; a hull
//! origin outside ±PLAYFIELD terminates with a step reward of exactly −100; 1000 steps truncate
//! (gym's `TimeLimit`). `reset` performs the reference's action-less first step, whose tile
//! rewards are paid out with the first real step.
//!
//! Non-finite action components are treated as 0. A [`Action::Discrete`] action, or missing
//! components, count as 0 too (the action space is a box).
//!
//! With the paper's protocol ([`CarRacing::new`]`(true)`), an episode is also truncated after
//! more than 20 consecutive steps with negative reward.

pub mod dynamics;
pub mod preprocess;
pub mod render;
pub mod scene;
pub mod track;

use dynamics::Car;
use render::Renderer;
use scene::{FRAME_LEN, OBS_LEN, PLAYFIELD, Poly, Scene};
use track::{Track, TrackPoint};

use super::{Action, Env, Space, Step};
use crate::error::Result;

/// numpy's `sign`: 1, −1, or 0 at 0 (and at NaN), for the `f32` physics and the `f64` track.
pub(crate) fn sign<T: PartialOrd + Default + From<i8>>(v: T) -> T {
    let zero = T::default();
    if v > zero {
        T::from(1)
    } else if v < zero {
        T::from(-1)
    } else {
        zero
    }
}

/// Simulation steps per second (`FPS`).
pub const FPS: f32 = 50.0;
/// Episode length limit (gym's registration: `max_episode_steps=1000`).
pub const MAX_STEPS: u32 = 1000;
/// The paper's early stop: more than this many consecutive negative-reward steps truncate.
pub const NEG_STREAK_LIMIT: u32 = 20;
/// Reward per step.
const STEP_PENALTY: f64 = 0.1;
/// Step reward for leaving the playfield.
const OFF_PLAYFIELD_REWARD: f64 = -100.0;

/// CarRacing-v0.
#[derive(Debug)]
pub struct CarRacing {
    paper_protocol: bool,
    track: Track,
    car: Car,
    renderer: Renderer,
    frame: Box<[u8; FRAME_LEN]>,
    /// Observation scratch for callers whose `obs` is not exactly [`OBS_LEN`] long.
    obs_scratch: Box<[f32; OBS_LEN]>,
    car_polys: Vec<Poly>,
    visited: Vec<bool>,
    /// Tiles already turned plain grey by a contact.
    recoloured: Vec<bool>,
    tiles_visited: usize,
    reward: f64,
    prev_reward: f64,
    t: f32,
    steps: u32,
    neg_streak: u32,
}

impl CarRacing {
    /// The environment; `paper_protocol` adds the paper's early stop. Call [`Env::reset`] (or
    /// [`CarRacing::reset_with_track`]) before stepping.
    pub fn new(paper_protocol: bool) -> CarRacing {
        let track = Track::generate(0);
        let [_, beta, x, y] = track.points()[0];
        CarRacing {
            paper_protocol,
            car: Car::new(beta as f32, x as f32, y as f32),
            visited: vec![false; track.len()],
            recoloured: vec![false; track.len()],
            track,
            renderer: Renderer::new(),
            frame: Box::new([0; FRAME_LEN]),
            obs_scratch: Box::new([0.0; OBS_LEN]),
            car_polys: Vec::with_capacity(16),
            tiles_visited: 0,
            reward: 0.0,
            prev_reward: 0.0,
            t: 0.0,
            steps: 0,
            neg_streak: 0,
        }
    }

    /// Whether the paper's early stop is on.
    pub fn paper_protocol(&self) -> bool {
        self.paper_protocol
    }

    /// Starts an episode on the track through `points` (see [`Track::from_points`]) and writes
    /// the first observation.
    pub fn reset_with_track(&mut self, points: &[TrackPoint], obs: &mut [f32]) -> Result<()> {
        let track = Track::from_points(points)?;
        self.start(track, obs);
        Ok(())
    }

    /// Starts an episode on `track` with the car at its first point (as the reference places it)
    /// and writes the first observation.
    pub fn reset_on(&mut self, track: Track, obs: &mut [f32]) {
        self.start(track, obs);
    }

    /// Starts an episode on `track` with the car placed at (`x`, `y`) heading `angle` instead of
    /// at the start line (for tests and scripted scenarios).
    pub fn reset_at(&mut self, track: Track, angle: f32, x: f32, y: f32, obs: &mut [f32]) {
        self.start_at(track, angle, x, y, obs);
    }

    fn start(&mut self, track: Track, obs: &mut [f32]) {
        let [_, beta, x, y] = track.points()[0];
        self.start_at(track, beta as f32, x as f32, y as f32, obs);
    }

    fn start_at(&mut self, mut track: Track, angle: f32, x: f32, y: f32, obs: &mut [f32]) {
        track.reset_colours();
        self.visited.clear();
        self.visited.resize(track.len(), false);
        self.recoloured.clear();
        self.recoloured.resize(track.len(), false);
        self.track = track;
        self.car = Car::new(angle, x, y);
        self.tiles_visited = 0;
        self.reward = 0.0;
        self.prev_reward = 0.0;
        self.t = 0.0;
        self.steps = 0;
        self.neg_streak = 0;
        // The reference's `reset` ends with `self._step(None)`: physics and render, no reward.
        self.advance();
        self.observe(obs);
    }

    /// `Car.step`, the contact pass and the world step, t += 1/50, and the render.
    fn advance(&mut self) {
        let dt = 1.0 / FPS;
        self.car.step(dt);
        self.update_contacts();
        self.car.world_step();
        self.t += dt;
        self.car_polys.clear();
        self.car.draw(&mut self.car_polys);
        let [vx, vy] = self.car.velocity();
        let scene = Scene {
            // Tiles and kerbs interleaved in the reference's order (the renderer draws `road`
            // first, then `kerbs`).
            road: self.track.draw_list(),
            kerbs: &[],
            car: &self.car_polys,
            car_pos: self.car.position(),
            car_angle: self.car.angle(),
            car_vel: [vx, vy],
            angular_velocity: self.car.angular_velocity(),
            wheel_omega: self.car.wheel_omegas(),
            steer_angle: self.car.joint_angles()[0],
            t: self.t,
            score: self.reward as f32,
        };
        self.renderer.render(&scene, &mut self.frame);
    }

    /// Box2D's contact update at the current pose: wheels on tiles (friction, rewards) and the
    /// colour reset of every tile a car part touches.
    fn update_contacts(&mut self) {
        let per_tile = 1000.0 / self.track.len() as f64;
        let mut on_road = [false; 4];
        for (k, road) in on_road.iter_mut().enumerate() {
            let wheel = self.car.wheel_vertices(k);
            let bb = track::aabb_of(&wheel);
            for (i, tile) in self.track.tiles().iter().enumerate() {
                if tile.touches(&wheel, &bb) {
                    *road = true;
                    self.recoloured[i] = true;
                    if !self.visited[i] {
                        self.visited[i] = true;
                        self.reward += per_tile;
                        self.tiles_visited += 1;
                    }
                }
            }
        }
        self.car.set_on_road(on_road);
        // The hull's sensor contacts only recolour tiles; skip the tiles already recoloured.
        let hull: [([[f32; 2]; 8], usize); 4] = std::array::from_fn(|k| self.car.hull_vertices(k));
        let boxes = hull.map(|(v, n)| track::aabb_of(&v[..n]));
        let all = [
            boxes.iter().map(|b| b[0]).fold(f32::INFINITY, f32::min) - 0.1,
            boxes.iter().map(|b| b[1]).fold(f32::INFINITY, f32::min) - 0.1,
            boxes.iter().map(|b| b[2]).fold(f32::NEG_INFINITY, f32::max) + 0.1,
            boxes.iter().map(|b| b[3]).fold(f32::NEG_INFINITY, f32::max) + 0.1,
        ];
        for (i, tile) in self.track.tiles().iter().enumerate() {
            if self.recoloured[i] {
                continue;
            }
            if tile.aabb[0] > all[2]
                || tile.aabb[2] < all[0]
                || tile.aabb[1] > all[3]
                || tile.aabb[3] < all[1]
            {
                continue;
            }
            if hull.iter().zip(&boxes).any(|((v, n), b)| tile.touches(&v[..*n], b)) {
                self.recoloured[i] = true;
            }
        }
        for i in 0..self.recoloured.len() {
            if self.recoloured[i] {
                self.track.touch_colour(i);
            }
        }
    }

    fn observe(&mut self, obs: &mut [f32]) {
        match <&mut [f32; OBS_LEN]>::try_from(&mut *obs) {
            Ok(o) => preprocess::preprocess(&self.frame, o),
            Err(_) => {
                preprocess::preprocess(&self.frame, &mut self.obs_scratch);
                let n = obs.len().min(OBS_LEN);
                obs[..n].copy_from_slice(&self.obs_scratch[..n]);
            }
        }
    }

    /// The last rendered 96×96 RGB frame.
    pub fn frame(&self) -> &[u8; FRAME_LEN] {
        &self.frame
    }

    /// The current track.
    pub fn track(&self) -> &Track {
        &self.track
    }

    /// The car (privileged state: pose, velocities, wheels).
    pub fn car(&self) -> &Car {
        &self.car
    }

    /// Hull origin position.
    pub fn car_position(&self) -> [f32; 2] {
        self.car.position()
    }

    /// Hull angle (rad); the car faces `(−sin a, cos a)`.
    pub fn car_angle(&self) -> f32 {
        self.car.angle()
    }

    /// Hull linear velocity.
    pub fn car_velocity(&self) -> [f32; 2] {
        self.car.velocity()
    }

    /// Number of distinct tiles touched by a wheel so far.
    pub fn tiles_visited(&self) -> usize {
        self.tiles_visited
    }

    /// Which tiles have been visited, in track order.
    pub fn visited(&self) -> &[bool] {
        &self.visited
    }

    /// The reference's `self.reward`: the episode's total reward so far, excluding the −100 of
    /// leaving the playfield (which replaces that step's reward).
    pub fn total_reward(&self) -> f64 {
        self.reward
    }

    /// Seconds simulated since reset (including the reset's own step).
    pub fn time(&self) -> f32 {
        self.t
    }

    /// Steps taken since reset.
    pub fn steps(&self) -> u32 {
        self.steps
    }
}

impl Env for CarRacing {
    fn name(&self) -> &str {
        "car-racing"
    }

    /// Pixels through the CNN front end, the car's action squashing, and the paper's early
    /// stop as its fitness protocol.
    fn task(&self) -> crate::env::Task {
        use crate::env::{Actions, FrontEnd, Task};
        Task { front_end: FrontEnd::CarCnn, actions: Actions::Car, normalize: true, fitness_protocol: true }
    }

    fn obs_dim(&self) -> usize {
        OBS_LEN
    }

    fn action_space(&self) -> Space {
        Space::Box { low: vec![-1.0, 0.0, 0.0], high: vec![1.0, 1.0, 1.0] }
    }

    fn reset(&mut self, seed: u64, obs: &mut [f32]) {
        self.start(Track::generate(seed), obs);
    }

    fn step(&mut self, action: Action<'_>, obs: &mut [f32]) -> Step {
        let a = match action {
            Action::Continuous(a) => a,
            Action::Discrete(_) => &[],
        };
        let get = |i: usize| a.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
        self.car.steer(-get(0));
        self.car.gas(get(1));
        self.car.brake(get(2));
        self.advance();
        self.observe(obs);
        self.steps += 1;

        self.reward -= STEP_PENALTY;
        self.car.take_fuel_spent();
        let mut step_reward = self.reward - self.prev_reward;
        self.prev_reward = self.reward;
        let mut terminated = self.tiles_visited == self.track.len();
        let [x, y] = self.car.position();
        if x.abs() > PLAYFIELD || y.abs() > PLAYFIELD {
            terminated = true;
            step_reward = OFF_PLAYFIELD_REWARD;
        }
        if step_reward < 0.0 {
            self.neg_streak += 1;
        } else {
            self.neg_streak = 0;
        }
        let early_stop = self.paper_protocol && self.neg_streak > NEG_STREAK_LIMIT;
        let truncated = !terminated && (self.steps >= MAX_STEPS || early_stop);
        Step { reward: step_reward as f32, terminated, truncated }
    }

    fn body_position(&self) -> Option<[f32; 3]> {
        let [x, y] = self.car.position();
        Some([x, y, 0.0])
    }

    fn draw(&self, rgb: &mut Vec<u8>) -> Option<[usize; 2]> {
        rgb.clear();
        rgb.extend_from_slice(&self.frame[..]);
        Some([scene::STATE_W, scene::STATE_H])
    }
}
