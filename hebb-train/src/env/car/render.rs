//! Software renderer of CarRacing-v0's 96×96 state. STUB: being written; fills grass only.

use super::scene::{FRAME_LEN, OBS_LEN, Scene};

/// Reusable renderer state (scratch buffers).
#[derive(Debug, Clone, Default)]
pub struct Renderer {}

impl Renderer {
    /// A renderer.
    pub fn new() -> Self {
        Renderer {}
    }

    /// Renders `scene` into `frame` (96×96 RGB, row-major, top row first).
    pub fn render(&mut self, scene: &Scene<'_>, frame: &mut [u8; FRAME_LEN]) {
        let _ = scene;
        for px in frame.chunks_exact_mut(3) {
            px.copy_from_slice(&[102, 204, 102]);
        }
    }
}

/// Resizes a 96×96 RGB frame to 84×84 with area interpolation (OpenCV's `INTER_AREA`) and
/// scales it to [0, 1], channel-major (3, 84, 84).
pub fn preprocess(frame: &[u8; FRAME_LEN], obs: &mut [f32; OBS_LEN]) {
    let _ = frame;
    obs.fill(0.0);
}
