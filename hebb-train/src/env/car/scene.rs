//! The contract between the car-racing world (track + physics, `mod.rs`, `track.rs`,
//! `dynamics.rs`) and the software renderer (`render.rs`): everything the renderer needs, in
//! world units (Box2D coordinates, y up), and the constants of gym 0.17's `car_racing.py` that
//! both sides use.

/// Box2D world units per gym "pixel" (`SCALE`).
pub const SCALE: f32 = 6.0;
/// Half the side of the playfield; leaving it ends the episode with −100 (`PLAYFIELD`).
pub const PLAYFIELD: f32 = 2000.0 / SCALE;
/// Camera zoom (`ZOOM`).
pub const ZOOM: f32 = 2.7;
/// The window the reference projects into before its viewport squeezes it to 96×96.
pub const WINDOW_W: f32 = 1000.0;
/// See [`WINDOW_W`].
pub const WINDOW_H: f32 = 800.0;
/// Width of the rendered state (`STATE_W`).
pub const STATE_W: usize = 96;
/// Height of the rendered state (`STATE_H`).
pub const STATE_H: usize = 96;
/// Bytes of one rendered RGB frame (row-major, top row first, `[r, g, b]` per pixel).
pub const FRAME_LEN: usize = STATE_W * STATE_H * 3;
/// Side of the observation the agent sees after resizing (docs/environments.md, Car racing).
pub const OBS_SIDE: usize = 84;
/// Length of the observation: 3×84×84, channel-major (C, H, W), values in [0, 1].
pub const OBS_LEN: usize = 3 * OBS_SIDE * OBS_SIDE;

/// An RGB colour with components in [0, 1], as gym's OpenGL calls take them.
pub type Rgb = [f32; 3];

/// A convex polygon of up to 8 vertices in world coordinates, with its fill colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Poly {
    /// Vertices; only the first `n` are used.
    pub v: [[f32; 2]; 8],
    /// Number of vertices (3..=8).
    pub n: usize,
    /// Fill colour.
    pub color: Rgb,
}

impl Poly {
    /// A polygon from a vertex list (at most 8 vertices are kept).
    pub fn new(vertices: &[[f32; 2]], color: Rgb) -> Self {
        let mut v = [[0.0; 2]; 8];
        let n = vertices.len().min(8);
        v[..n].copy_from_slice(&vertices[..n]);
        Poly { v, n, color }
    }

    /// The used vertices.
    pub fn vertices(&self) -> &[[f32; 2]] {
        &self.v[..self.n]
    }
}

/// One frame's worth of world state for the renderer.
#[derive(Debug, Clone, Copy)]
pub struct Scene<'a> {
    /// Road tiles in track order (each a quad), in gym's colours (`ROAD_COLOR` + 0.01·(i % 3)).
    pub road: &'a [Poly],
    /// Red and white kerbs.
    pub kerbs: &'a [Poly],
    /// The car, drawn in this order: wheels (black), wheel stripes, hull polygons (red).
    pub car: &'a [Poly],
    /// Hull position (camera follows it).
    pub car_pos: [f32; 2],
    /// Hull angle, radians.
    pub car_angle: f32,
    /// Hull linear velocity (the camera turns with it above 0.5 units/s, as gym's does).
    pub car_vel: [f32; 2],
    /// Hull angular velocity (gyro bar).
    pub angular_velocity: f32,
    /// Angular speed of each wheel, front-left, front-right, rear-left, rear-right (ABS bars).
    pub wheel_omega: [f32; 4],
    /// Steering joint angle of the front-left wheel (steering bar).
    pub steer_angle: f32,
    /// Seconds since reset (the zoom-in of the first second).
    pub t: f32,
    /// Score so far (gym's `self.reward`), drawn as four digits.
    pub score: f32,
}
