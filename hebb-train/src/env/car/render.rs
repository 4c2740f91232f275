//! Software renderer of CarRacing-v0's 96×96 state (gym 0.17, `render("state_pixels")`), and the
//! observation preprocessing the reference applies to it (`ResizeObservation(84)` +
//! `ScaledFloatFrame`).
//!
//! # What gym draws, and how this file reproduces it
//!
//! gym sets a `rendering.Transform` (translate, rotate, scale, in that `glTranslatef`/`glRotatef`/
//! `glScalef` order) so that a world point `p` lands in the 1000×800 *window* at
//! `(W/2, H/4) + zoom·R(angle)·(p − car)`, with `zoom = 0.1·SCALE·max(1 − t, 0) + ZOOM·SCALE·
//! min(t, 1)` and `angle = −hull.angle`, or `atan2(v.x, v.y)` once `|v| > 0.5`. For the state
//! it then calls `glViewport(0, 0, 96, 96)` but keeps the window's projection (pyglet's
//! `glOrtho(0, 1000, 0, 800)`), so the whole 1000×800 window is squeezed into 96×96:
//! `x_px = x_win·96/1000`, `y_px = y_win·96/800` (y up; flipped here so row 0 is the top). The
//! car therefore sits at (48, 72) in the frame and a world unit is 0.096·zoom pixels wide and
//! 0.12·zoom pixels tall. The HUD (`render_indicators(WINDOW_W, WINDOW_H)`) is drawn in window
//! units with the same squeeze: its black strip is 5·H/40 = 100 window units = the bottom
//! 12 rows.
//!
//! Draw order, as gym's: clear (black: the state path never sets `glClearColor`, so GL's default
//! (0, 0, 0) shows outside the playfield), the grass quad over ±PLAYFIELD, the lighter squares,
//! the road quads and kerbs, the car's polygons, the HUD strip, its bars and the score.
//!
//! Filling is aliased, as gym's OpenGL fill without multisampling: a pixel takes a polygon's
//! colour when its centre lies inside, with the top-left rule on edges (left and top edges
//! inclusive, right and bottom exclusive), so quads that share an edge neither overlap nor leave a
//! gap. Colours convert as OpenGL's float → 8-bit conversion does: `round(c·255)`
//! (`0.9 → 229`, `0.41 → 105`, the byte values gym's frames carry).
//!
//! # Approximations
//!
//! * The score: gym draws `"%04i" % reward` with a 36-pt pyglet font, anti-aliased and squeezed
//!   like the rest, which comes out as a ≈ 12×4-pixel white smudge at the bottom left. Here it
//!   is a 3×5 bitmap font, white, characters 4 pixels apart starting at column 1, rows 87–91:
//!   same place and size to within a pixel or two, but crisp instead of blended.
//! * Edge pixels: a GPU's exact rasterisation differs from this one by at most the pixels whose
//!   centres lie within float rounding of an edge.

use super::scene::{
    FRAME_LEN, PLAYFIELD, Poly, Rgb, SCALE, STATE_H, STATE_W, Scene, WINDOW_H, WINDOW_W, ZOOM,
};

/// Grass, `render_road`'s playfield quad (0.4, 0.8, 0.4).
pub const GRASS: [u8; 3] = [102, 204, 102];
/// The lighter grass squares (0.4, 0.9, 0.4).
pub const GRASS_LIGHT: [u8; 3] = [102, 229, 102];
/// What shows outside the playfield (GL's default clear colour: the state path never sets one).
pub const CLEAR: [u8; 3] = [0, 0, 0];
/// Rows of the HUD strip at the bottom of the frame (5·H/40 window units, squeezed).
pub const HUD_ROWS: usize = 12;

/// Frame pixels per window unit, horizontally.
const PX_X: f32 = STATE_W as f32 / WINDOW_W;
/// Frame pixels per window unit, vertically.
const PX_Y: f32 = STATE_H as f32 / WINDOW_H;
/// Where the car sits in the frame (window (W/2, H/4), squeezed, y flipped).
const CAR_FX: f32 = 0.5 * STATE_W as f32;
/// See [`CAR_FX`].
const CAR_FY: f32 = STATE_H as f32 - 0.25 * STATE_H as f32;
/// Bytes of one frame row.
const ROW_BYTES: usize = STATE_W * 3;

/// Converts a [0, 1] colour to bytes as OpenGL does (`round(c·255)`, clamped).
pub fn color_bytes(c: Rgb) -> [u8; 3] {
    c.map(|v| (f64::from(v.clamp(0.0, 1.0)) * 255.0).round() as u8)
}

/// The world → frame mapping of one frame: `frame = car_px + m·(p − car)`, frame y down.
#[derive(Debug, Clone, Copy)]
struct View {
    car: [f32; 2],
    m: [[f32; 2]; 2],
    /// World-space bounding box of the visible frame: min x, min y, max x, max y.
    bbox: [f32; 4],
}

impl View {
    fn new(scene: &Scene<'_>) -> Self {
        let t = scene.t;
        let zoom = 0.1 * SCALE * (1.0 - t).max(0.0) + ZOOM * SCALE * t.min(1.0);
        let [vx, vy] = scene.car_vel;
        let angle = if (vx * vx + vy * vy).sqrt() > 0.5 { vx.atan2(vy) } else { -scene.car_angle };
        let (s, c) = angle.sin_cos();
        // Window: (W/2, H/4) + zoom·R(angle)·d; frame: x·PX_X, H_px − y·PX_Y.
        let (zx, zy) = (zoom * PX_X, zoom * PX_Y);
        let m = [[zx * c, -zx * s], [-zy * s, -zy * c]];
        // Inverse of m = diag(zx, −zy)·R(angle): R(−angle)·diag(1/zx, −1/zy).
        let (ix, iy) = (1.0 / zx.max(1e-12), -1.0 / zy.max(1e-12));
        let mut bbox = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
        for (fx, fy) in
            [(0.0, 0.0), (STATE_W as f32, 0.0), (0.0, STATE_H as f32), (STATE_W as f32, STATE_H as f32)]
        {
            let (u, v) = ((fx - CAR_FX) * ix, (fy - CAR_FY) * iy);
            let wx = scene.car_pos[0] + c * u + s * v;
            let wy = scene.car_pos[1] - s * u + c * v;
            bbox = [bbox[0].min(wx), bbox[1].min(wy), bbox[2].max(wx), bbox[3].max(wy)];
        }
        // A little slack for rounding at the frame's edge.
        let slack = 1.0 * ix.abs().max(iy.abs());
        View {
            car: scene.car_pos,
            m,
            bbox: [bbox[0] - slack, bbox[1] - slack, bbox[2] + slack, bbox[3] + slack],
        }
    }

    #[inline]
    fn project(&self, p: [f32; 2]) -> [f32; 2] {
        let (dx, dy) = (p[0] - self.car[0], p[1] - self.car[1]);
        [CAR_FX + self.m[0][0] * dx + self.m[0][1] * dy, CAR_FY + self.m[1][0] * dx + self.m[1][1] * dy]
    }

    /// Whether a world-space box (min x, min y, max x, max y) can touch the frame.
    #[inline]
    fn sees(&self, b: [f32; 4]) -> bool {
        b[0] <= self.bbox[2] && b[2] >= self.bbox[0] && b[1] <= self.bbox[3] && b[3] >= self.bbox[1]
    }
}

/// Reusable renderer state: the scanline scratch and a row of the last fill colour. Rendering
/// allocates nothing.
#[derive(Debug, Clone)]
pub struct Renderer {
    /// Left end of each row's span of the polygon being filled (frame x).
    xmin: [f32; STATE_H],
    /// Right end, see `xmin`.
    xmax: [f32; STATE_H],
    /// One frame row of `line_rgb`, copied into spans.
    line: [u8; ROW_BYTES],
    /// The colour `line` holds.
    line_rgb: [u8; 3],
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    /// A renderer.
    pub fn new() -> Self {
        Renderer { xmin: [0.0; STATE_H], xmax: [0.0; STATE_H], line: [0; ROW_BYTES], line_rgb: [0; 3] }
    }

    /// Renders `scene` into `frame` (96×96 RGB, row-major, top row first), as gym 0.17's
    /// `render("state_pixels")` does (see the module docs).
    pub fn render(&mut self, scene: &Scene<'_>, frame: &mut [u8; FRAME_LEN]) {
        let view = View::new(scene);
        frame.fill(0);
        self.render_road(&view, scene, frame);
        for poly in scene.car {
            self.world_poly(&view, poly, frame);
        }
        self.render_indicators(scene, frame);
    }

    /// `render_road`: grass, lighter squares, road tiles, kerbs.
    fn render_road(&mut self, view: &View, scene: &Scene<'_>, frame: &mut [u8; FRAME_LEN]) {
        let p = PLAYFIELD;
        let field = [[-p, p], [p, p], [p, -p], [-p, -p]];
        self.world_quad(view, &field, GRASS, frame);
        // The squares: x, y in range(-20, 20, 2), each [k·x, k·x + k] × [k·y, k·y + k].
        let k = PLAYFIELD / 20.0;
        let lo = |v: f32| ((v / k).floor().max(-20.0) as i32).div_euclid(2) * 2;
        let hi = |v: f32| (v / k).floor().min(18.0) as i32;
        let (x0, x1) = (lo(view.bbox[0]), hi(view.bbox[2]));
        let (y0, y1) = (lo(view.bbox[1]), hi(view.bbox[3]));
        for x in (x0.max(-20)..=x1).step_by(2) {
            for y in (y0.max(-20)..=y1).step_by(2) {
                let (fx, fy) = (k * x as f32, k * y as f32);
                let sq = [[fx + k, fy], [fx, fy], [fx, fy + k], [fx + k, fy + k]];
                self.world_quad(view, &sq, GRASS_LIGHT, frame);
            }
        }
        for poly in scene.road.iter().chain(scene.kerbs) {
            self.world_poly(view, poly, frame);
        }
    }

    fn world_quad(&mut self, view: &View, q: &[[f32; 2]; 4], rgb: [u8; 3], frame: &mut [u8; FRAME_LEN]) {
        if !view.sees(bbox(q)) {
            return;
        }
        let pts = q.map(|p| view.project(p));
        self.fill(&pts, rgb, frame);
    }

    fn world_poly(&mut self, view: &View, poly: &Poly, frame: &mut [u8; FRAME_LEN]) {
        let v = poly.vertices();
        if v.len() < 3 || !view.sees(bbox(v)) {
            return;
        }
        let mut pts = [[0.0; 2]; 8];
        for (d, &p) in pts.iter_mut().zip(v) {
            *d = view.project(p);
        }
        self.fill(&pts[..v.len()], color_bytes(poly.color), frame);
    }

    /// `render_indicators(WINDOW_W, WINDOW_H)`, in window units squeezed to the frame.
    fn render_indicators(&mut self, scene: &Scene<'_>, frame: &mut [u8; FRAME_LEN]) {
        let (w, h) = (WINDOW_W, WINDOW_H / 40.0);
        let s = WINDOW_W / 40.0;
        self.window_rect(0.0, 0.0, w, 5.0 * h, [0, 0, 0], frame);
        let [vx, vy] = scene.car_vel;
        let true_speed = (vx * vx + vy * vy).sqrt();
        let mut vertical = |r: &mut Self, place: f32, val: f32, rgb: Rgb| {
            r.window_rect(place * s, h, (place + 1.0) * s, h + h * val, color_bytes(rgb), frame);
        };
        vertical(self, 5.0, 0.02 * true_speed, [1.0, 1.0, 1.0]);
        let om = scene.wheel_omega;
        vertical(self, 7.0, 0.01 * om[0], [0.0, 0.0, 1.0]);
        vertical(self, 8.0, 0.01 * om[1], [0.0, 0.0, 1.0]);
        vertical(self, 9.0, 0.01 * om[2], [0.2, 0.0, 1.0]);
        vertical(self, 10.0, 0.01 * om[3], [0.2, 0.0, 1.0]);
        let mut horiz = |r: &mut Self, place: f32, val: f32, rgb: Rgb| {
            r.window_rect(place * s, 2.0 * h, (place + val) * s, 4.0 * h, color_bytes(rgb), frame);
        };
        horiz(self, 20.0, -10.0 * scene.steer_angle, [0.0, 1.0, 0.0]);
        horiz(self, 30.0, -0.8 * scene.angular_velocity, [1.0, 0.0, 0.0]);
        draw_score(scene.score, frame);
    }

    /// Fills the window-unit rectangle between corners (x0, y0) and (x1, y1) (y up).
    fn window_rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, rgb: [u8; 3], frame: &mut [u8; FRAME_LEN]) {
        let f =
            |x: f32, y: f32| [x * STATE_W as f32 / WINDOW_W, STATE_H as f32 - y * STATE_H as f32 / WINDOW_H];
        let pts = [f(x0, y0), f(x1, y0), f(x1, y1), f(x0, y1)];
        self.fill(&pts, rgb, frame);
    }

    /// Fills the convex polygon `pts` (frame coordinates, x right, y down) with `rgb`: every
    /// pixel whose centre is inside, top-left rule on edges.
    fn fill(&mut self, pts: &[[f32; 2]], rgb: [u8; 3], frame: &mut [u8; FRAME_LEN]) {
        let n = pts.len();
        let (mut ylo, mut yhi, mut xlo, mut xhi) =
            (f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY);
        for p in pts {
            ylo = ylo.min(p[1]);
            yhi = yhi.max(p[1]);
            xlo = xlo.min(p[0]);
            xhi = xhi.max(p[0]);
        }
        // Rows whose centre r + 0.5 lies in [ylo, yhi).
        let r0 = row_start(ylo);
        let r1 = row_start(yhi);
        if r0 >= r1 || xhi < 0.0 || xlo > STATE_W as f32 || !xlo.is_finite() || !xhi.is_finite() {
            return;
        }
        self.xmin[r0..r1].fill(f32::INFINITY);
        self.xmax[r0..r1].fill(f32::NEG_INFINITY);
        for i in 0..n {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            if a[1] == b[1] {
                continue;
            }
            let (t, u) = if a[1] < b[1] { (a, b) } else { (b, a) };
            let (e0, e1) = (row_start(t[1]).max(r0), row_start(u[1]).min(r1));
            let slope = (u[0] - t[0]) / (u[1] - t[1]);
            for r in e0..e1 {
                let x = t[0] + (r as f32 + 0.5 - t[1]) * slope;
                self.xmin[r] = self.xmin[r].min(x);
                self.xmax[r] = self.xmax[r].max(x);
            }
        }
        if self.line_rgb != rgb || self.line[..3] != rgb {
            for px in self.line.chunks_exact_mut(3) {
                px.copy_from_slice(&rgb);
            }
            self.line_rgb = rgb;
        }
        for r in r0..r1 {
            // Columns whose centre c + 0.5 lies in [xmin, xmax).
            let (c0, c1) = (col_start(self.xmin[r]), col_start(self.xmax[r]));
            if c0 < c1 {
                let base = r * ROW_BYTES;
                frame[base + c0 * 3..base + c1 * 3].copy_from_slice(&self.line[c0 * 3..c1 * 3]);
            }
        }
    }
}

/// First row whose centre is at or below frame y (clamped to the frame).
#[inline]
fn row_start(y: f32) -> usize {
    ceil_clamped(y - 0.5, STATE_H)
}

/// First column whose centre is at or right of frame x (clamped to the frame).
#[inline]
fn col_start(x: f32) -> usize {
    ceil_clamped(x - 0.5, STATE_W)
}

/// `ceil(v)` clamped to [0, max] (NaN → 0), without the libm `ceilf` call baseline x86-64
/// makes of `f32::ceil`.
#[inline]
fn ceil_clamped(v: f32, max: usize) -> usize {
    let v = v.clamp(0.0, max as f32);
    let t = v as usize; // truncation = floor for v ≥ 0
    t + usize::from((t as f32) < v)
}

fn bbox(v: &[[f32; 2]]) -> [f32; 4] {
    let mut b = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
    for p in v {
        b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
    }
    b
}

/// 3×5 glyphs, one row per byte, bit 2 = left column: '0'–'9' then '-'.
const FONT: [[u8; 5]; 11] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b001, 0b001, 0b001],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
    [0b000, 0b000, 0b111, 0b000, 0b000],
];
/// Glyph index of '-' in [`FONT`].
const MINUS: u8 = 10;
/// Top row of the score digits.
const SCORE_TOP: usize = 87;
/// Column of the first score character; characters are 4 columns apart.
const SCORE_LEFT: usize = 1;

/// The characters of Python's `"%04i" % score` as [`FONT`] indices, in `buf`; returns how many.
fn score_glyphs(score: f32, buf: &mut [u8; 12]) -> usize {
    // `%i` truncates towards zero; the clamp only guards absurd inputs.
    let v = score.clamp(-1e9, 1e9).trunc() as i64;
    let mut digits = [0u8; 10];
    let (mut m, mut nd) = (v.unsigned_abs(), 0);
    loop {
        digits[nd] = (m % 10) as u8;
        nd += 1;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    // Width 4, zero-padded after the sign.
    let min_digits = if v < 0 { 3 } else { 4 };
    let nd = nd.max(min_digits);
    let mut n = 0;
    if v < 0 {
        buf[0] = MINUS;
        n = 1;
    }
    for i in (0..nd).rev() {
        buf[n] = digits[i];
        n += 1;
    }
    n
}

/// Draws the score label (see the module docs' approximations).
fn draw_score(score: f32, frame: &mut [u8; FRAME_LEN]) {
    let mut glyphs = [0u8; 12];
    let n = score_glyphs(score, &mut glyphs);
    for (i, &g) in glyphs[..n].iter().enumerate() {
        let x0 = SCORE_LEFT + 4 * i;
        for (dy, bits) in FONT[g as usize].iter().enumerate() {
            for dx in 0..3 {
                let x = x0 + dx;
                if bits & (0b100 >> dx) != 0 && x < STATE_W {
                    let o = ((SCORE_TOP + dy) * STATE_W + x) * 3;
                    frame[o..o + 3].copy_from_slice(&[255, 255, 255]);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
