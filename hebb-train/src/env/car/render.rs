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
    FRAME_LEN, OBS_LEN, OBS_SIDE, PLAYFIELD, Poly, Rgb, SCALE, STATE_H, STATE_W, Scene, WINDOW_H, WINDOW_W,
    ZOOM,
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

// ---------------------------------------------------------------------------------------------
// Preprocessing: OpenCV INTER_AREA 96 → 84, then /255, channel-major.

/// Source pixels of one period of the 96 → 84 area resize (the destination box is 8/7 source
/// pixels wide, so 8 source pixels make 7 outputs, and the pattern repeats).
const BLOCK_IN: usize = STATE_W / gcd(STATE_W, OBS_SIDE);
/// Output pixels of one period.
const BLOCK_OUT: usize = OBS_SIDE / gcd(STATE_W, OBS_SIDE);
const fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The source taps of one output of a period: source pixel `block start + si[t]` with weight
/// `w[t] / BLOCK_IN` (unused taps: weight 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Taps {
    si: [usize; 3],
    w: [u16; 3],
}

/// The area weights, exactly: measured in 1/BLOCK_OUT of a source pixel, output j of a period
/// covers [j·BLOCK_IN, (j + 1)·BLOCK_IN) and source pixel i covers [i·BLOCK_OUT, (i + 1)·BLOCK_OUT),
/// so the overlap is an integer and OpenCV's weight (overlap / box width) is overlap/BLOCK_IN.
/// A test checks these against OpenCV's own `computeResizeAreaTab`.
const PERIOD: [Taps; BLOCK_OUT] = {
    const { assert!(STATE_W == STATE_H && STATE_W < 2 * OBS_SIDE && STATE_W >= OBS_SIDE) };
    const { assert!(OBS_SIDE.is_multiple_of(BLOCK_OUT) && (BLOCK_IN * BLOCK_IN).is_power_of_two()) };
    let mut out = [Taps { si: [0; 3], w: [0; 3] }; BLOCK_OUT];
    let mut j = 0;
    while j < BLOCK_OUT {
        let (lo, hi) = (j * BLOCK_IN, (j + 1) * BLOCK_IN);
        let mut k = 0;
        let mut i = 0;
        while i < BLOCK_IN {
            let (a, b) = (i * BLOCK_OUT, (i + 1) * BLOCK_OUT);
            let (l, h) = (if a > lo { a } else { lo }, if b < hi { b } else { hi });
            if h > l {
                out[j].si[k] = i;
                out[j].w[k] = (h - l) as u16;
                k += 1;
            }
            i += 1;
        }
        // Unused taps read the first source again with weight 0.
        while k < 3 {
            out[j].si[k] = out[j].si[0];
            k += 1;
        }
        j += 1;
    }
    out
};

/// Resizes a 96×96 RGB frame to 84×84 with area interpolation and scales it to [0, 1],
/// channel-major (3, 84, 84), row 0 at the top: `obs[c·84·84 + y·84 + x]`.
///
/// This is the reference's `gym.wrappers.ResizeObservation(env, 84)` (`cv2.resize(…,
/// interpolation=cv2.INTER_AREA)` on the uint8 frame, which gives a byte image again) followed
/// by `ScaledFloatFrame` (`astype(float32) / 255`). OpenCV's non-integer area resize weights
/// each source pixel by its fractional overlap with the destination box
/// (`computeResizeAreaTab`), sums in f32 and rounds half to even (`saturate_cast<uchar>`). For
/// 96 → 84 every weight is a multiple of 1/8, so OpenCV's f32 sums are exact; this function
/// computes the same sums in integers (in 1/64ths) and rounds them the same way, so its result
/// is bit-identical to OpenCV's, ties included.
pub fn preprocess(frame: &[u8; FRAME_LEN], obs: &mut [f32; OBS_LEN]) {
    const PLANE: usize = OBS_SIDE * OBS_SIDE;
    const SHIFT: u32 = (BLOCK_IN * BLOCK_IN).trailing_zeros();
    const HALF_MINUS_ONE: u16 = (BLOCK_IN * BLOCK_IN / 2 - 1) as u16;
    const { assert!(255 * BLOCK_IN * BLOCK_IN + BLOCK_IN * BLOCK_IN <= u16::MAX as usize) };
    // One output row resized vertically only (Σ w_y·S, interleaved RGB), then horizontally
    // (Σ w_x·col, planar), in 1/BLOCK_IN resp. 1/BLOCK_IN² units.
    let mut col = [0u16; ROW_BYTES];
    let mut acc = [[0u16; OBS_SIDE]; 3];
    for dy in 0..OBS_SIDE {
        let (q, ty) = (dy / BLOCK_OUT, &PERIOD[dy % BLOCK_OUT]);
        let row = |t: usize| {
            let sy = q * BLOCK_IN + ty.si[t];
            &frame[sy * ROW_BYTES..(sy + 1) * ROW_BYTES]
        };
        let (s0, s1, s2) = (row(0), row(1), row(2));
        let [w0, w1, w2] = ty.w;
        for (((c, &a), &b), &d) in col.iter_mut().zip(s0).zip(s1).zip(s2) {
            *c = w0 * u16::from(a) + w1 * u16::from(b) + w2 * u16::from(d);
        }
        // Horizontally, period by period, with constant taps the compiler unrolls.
        let [ar, ag, ab] = &mut acc;
        let outs = ar
            .chunks_exact_mut(BLOCK_OUT)
            .zip(ag.chunks_exact_mut(BLOCK_OUT))
            .zip(ab.chunks_exact_mut(BLOCK_OUT));
        for (blk, ((r, g), b)) in col.chunks_exact(BLOCK_IN * 3).zip(outs) {
            for (j, t) in PERIOD.iter().enumerate() {
                let px = |ch: usize| {
                    t.w[0] * blk[t.si[0] * 3 + ch]
                        + t.w[1] * blk[t.si[1] * 3 + ch]
                        + t.w[2] * blk[t.si[2] * 3 + ch]
                };
                r[j] = px(0);
                g[j] = px(1);
                b[j] = px(2);
            }
        }
        // Round half to even (+ half − 1 + parity of the truncated quotient), then /255 in f32.
        for (ch, a) in acc.iter().enumerate() {
            let o = &mut obs[ch * PLANE + dy * OBS_SIDE..ch * PLANE + (dy + 1) * OBS_SIDE];
            for (o, &v) in o.iter_mut().zip(a) {
                let q = (v + HALF_MINUS_ONE + ((v >> SHIFT) & 1)) >> SHIFT;
                *o = f32::from(q) / 255.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::env::car::dynamics::{
        HULL_COLOR, HULL_POLY1, HULL_POLY2, HULL_POLY3, HULL_POLY4, SIZE, WHEEL_COLOR, WHEEL_R, WHEEL_W,
        WHEELPOS,
    };

    const HULL_RGB: [u8; 3] = [204, 0, 0];

    /// A world to render: a straight north-south road of 300 tiles through the origin, kerbs on
    /// a stretch of it, and the car (4 black wheels, then the red hull) as car_dynamics places
    /// it, everything rotated by `world_rot` about `pivot`, the car's heading additionally by
    /// `heading`.
    struct World {
        road: Vec<Poly>,
        kerbs: Vec<Poly>,
        car: Vec<Poly>,
        pos: [f32; 2],
        angle: f32,
        vel: [f32; 2],
    }

    fn rot(p: [f32; 2], a: f32, about: [f32; 2]) -> [f32; 2] {
        let (s, c) = a.sin_cos();
        let (dx, dy) = (p[0] - about[0], p[1] - about[1]);
        [about[0] + c * dx - s * dy, about[1] + s * dx + c * dy]
    }

    fn world(pos: [f32; 2], vel: [f32; 2], world_rot: f32, pivot: [f32; 2], heading: f32) -> World {
        let half = 40.0 / SCALE;
        let step = 21.0 / SCALE;
        let tile = |x0: f32, x1: f32, y0: f32, y1: f32, color: Rgb| {
            let q = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(|p| rot(p, world_rot, pivot));
            Poly::new(&q, color)
        };
        let mut road = Vec::new();
        let mut kerbs = Vec::new();
        for i in 0..300 {
            let y = -150.0 * step + i as f32 * step;
            let c = 0.4 + 0.01 * (i % 3) as f32;
            road.push(tile(-half, half, y, y + step, [c, c, c]));
            if (140..160).contains(&i) {
                let col = if i % 2 == 0 { [1.0, 1.0, 1.0] } else { [1.0, 0.0, 0.0] };
                kerbs.push(tile(half, half + 12.0 / SCALE, y, y + step, col));
            }
        }
        let place = |v: [f32; 2]| rot(rot([pos[0] + v[0], pos[1] + v[1]], heading, pos), world_rot, pivot);
        let mut car = Vec::new();
        for w in WHEELPOS {
            let (r, hw) = (WHEEL_R * SIZE, WHEEL_W * SIZE);
            let c = [w[0] * SIZE, w[1] * SIZE];
            let q = [[-hw, r], [hw, r], [hw, -r], [-hw, -r]].map(|d| place([c[0] + d[0], c[1] + d[1]]));
            car.push(Poly::new(&q, WHEEL_COLOR));
        }
        let hull: [&[[f32; 2]]; 4] = [&HULL_POLY1, &HULL_POLY2, &HULL_POLY3, &HULL_POLY4];
        for h in hull {
            let mut v = [[0.0; 2]; 8];
            for (d, s) in v.iter_mut().zip(h) {
                *d = place([s[0] * SIZE, s[1] * SIZE]);
            }
            car.push(Poly::new(&v[..h.len()], HULL_COLOR));
        }
        World {
            road,
            kerbs,
            car,
            pos: rot(pos, world_rot, pivot),
            angle: heading + world_rot,
            vel: rot(vel, world_rot, [0.0, 0.0]),
        }
    }

    fn scene(w: &World, t: f32) -> Scene<'_> {
        Scene {
            road: &w.road,
            kerbs: &w.kerbs,
            car: &w.car,
            car_pos: w.pos,
            car_angle: w.angle,
            car_vel: w.vel,
            angular_velocity: 0.0,
            wheel_omega: [0.0; 4],
            steer_angle: 0.0,
            t,
            score: 0.0,
        }
    }

    fn draw(s: &Scene<'_>) -> Box<[u8; FRAME_LEN]> {
        let mut f = Box::new([7u8; FRAME_LEN]);
        Renderer::new().render(s, &mut f);
        f
    }

    fn px(f: &[u8; FRAME_LEN], x: usize, y: usize) -> [u8; 3] {
        let o = (y * STATE_W + x) * 3;
        [f[o], f[o + 1], f[o + 2]]
    }

    fn count(
        f: &[u8; FRAME_LEN],
        rgb: [u8; 3],
        rows: core::ops::Range<usize>,
        cols: core::ops::Range<usize>,
    ) -> usize {
        rows.flat_map(|y| cols.clone().map(move |x| (x, y))).filter(|&(x, y)| px(f, x, y) == rgb).count()
    }

    const ROADS: [[u8; 3]; 3] = [[102, 102, 102], [105, 105, 105], [107, 107, 107]];

    #[test]
    fn colours_are_gyms_bytes() {
        assert_eq!(color_bytes([0.4, 0.8, 0.4]), GRASS);
        assert_eq!(color_bytes([0.4, 0.9, 0.4]), GRASS_LIGHT);
        for (i, want) in ROADS.iter().enumerate() {
            let c = 0.4 + 0.01 * i as f32;
            assert_eq!(color_bytes([c, c, c]), *want);
        }
        assert_eq!(color_bytes([0.8, 0.0, 0.0]), HULL_RGB);
        assert_eq!(color_bytes([0.2, 0.0, 1.0]), [51, 0, 255]);
    }

    #[test]
    fn scene_at_rest_pixel_by_pixel_expectations() {
        let w = world([0.0, 0.0], [0.0, 0.0], 0.0, [0.0, 0.0], 0.0);
        let f = draw(&scene(&w, 1.0));
        // zoom 16.2: 1 world unit = 1.5552 px across, 1.944 px down; car at (48, 72).
        let (ux, uy) = (16.2 * 0.096, 16.2 * 0.12);
        // Hull: x in ±1.2, y in [−2.4, 2.6] → columns 46..=49, rows 67..=76.
        let red = count(&f, HULL_RGB, 0..96, 0..96);
        assert_eq!(red, count(&f, HULL_RGB, 66..78, 45..51), "red outside the car");
        assert!(red >= 25, "{red} red pixels");
        assert_eq!(px(&f, 47, 72), HULL_RGB);
        assert_eq!(px(&f, 48, 67), HULL_RGB);
        assert_eq!(px(&f, 47, 76), HULL_RGB);
        // Front-left wheel at (−1.1, 1.6), ±0.28 × ±0.54: column 46, rows 68–69, black.
        assert_eq!(px(&f, 46, 68), [0, 0, 0]);
        assert_eq!(px(&f, 46, 69), [0, 0, 0]);
        // Road: |x| < 6.67 world → frame x in 48 ± 10.4 (columns 38..=57) above the HUD.
        for y in [2, 30, 60, 83] {
            for x in [38, 44, 52, 57] {
                if (44..52).contains(&x) && (66..78).contains(&y) {
                    continue;
                }
                assert!(ROADS.contains(&px(&f, x, y)), "({x}, {y}) = {:?}", px(&f, x, y));
            }
            assert!(!ROADS.contains(&px(&f, 37, y)) && !ROADS.contains(&px(&f, 58, y)));
        }
        // Kerbs (white/red) to the right of the road, at 6.67..8.67 world → columns 58..=61.
        let kerb = px(&f, 59, 72);
        assert!(kerb == [255, 255, 255] || kerb == [255, 0, 0], "{kerb:?}");
        // Grass: the shade follows the world-fixed square grid.
        let k = PLAYFIELD / 20.0;
        for (x, y) in [(3, 5), (20, 40), (30, 80), (70, 10), (90, 50), (65, 83)] {
            let wx = (x as f32 + 0.5 - 48.0) / ux;
            let wy = (72.0 - (y as f32 + 0.5)) / uy;
            let light =
                ((wx / k).floor() as i32).rem_euclid(2) == 0 && ((wy / k).floor() as i32).rem_euclid(2) == 0;
            let kerb_zone = (x as f32 + 0.5 - 48.0).abs() < 14.0;
            if !kerb_zone {
                assert_eq!(px(&f, x, y), if light { GRASS_LIGHT } else { GRASS }, "({x}, {y})");
            }
        }
        assert!(count(&f, GRASS, 0..84, 0..96) > 300);
        assert!(count(&f, GRASS_LIGHT, 0..84, 0..96) > 300);
    }

    #[test]
    fn hud_is_black_but_for_bars_and_score() {
        let w = world([0.0, 0.0], [0.0, 0.0], 0.0, [0.0, 0.0], 0.0);
        let f = draw(&scene(&w, 1.0));
        let score_cols = SCORE_LEFT..SCORE_LEFT + 15;
        let score_rows = SCORE_TOP..SCORE_TOP + 5;
        for y in 96 - HUD_ROWS..96 {
            for x in 0..96 {
                if !(score_rows.contains(&y) && score_cols.contains(&x)) {
                    assert_eq!(px(&f, x, y), [0, 0, 0], "({x}, {y})");
                }
            }
        }
        // Row 83 is the scene, not the HUD; "0000" in white.
        assert_ne!(px(&f, 30, 83), [0, 0, 0]);
        assert_eq!(count(&f, [255, 255, 255], score_rows, score_cols), 4 * 12);
    }

    #[test]
    fn bars_grow_with_their_quantities() {
        let w = world([0.0, 0.0], [0.0, 0.0], 0.0, [0.0, 0.0], 0.0);
        let hud = |f: &[u8; FRAME_LEN], rgb, cols| count(f, rgb, 0..96, cols);
        let mut prev = [0usize; 6];
        for (i, m) in [0.0f32, 1.0, 2.0, 3.0].into_iter().enumerate() {
            // Each bar's `val` is m.
            let mut s = scene(&w, 1.0);
            s.car_vel = [0.0, 50.0 * m];
            s.wheel_omega = [100.0 * m; 4];
            s.steer_angle = -0.1 * m;
            s.angular_velocity = -1.25 * m;
            let f = draw(&s);
            let counts = [
                hud(&f, [255, 255, 255], 12..14), // speed: x in [125, 150) window → cols 12, 13
                hud(&f, [0, 0, 255], 17..19),     // wheel 0: [175, 200) → cols 17, 18
                hud(&f, [0, 0, 255], 19..21),     // wheel 1: [200, 225) → cols 19, 20
                hud(&f, [51, 0, 255], 22..26),    // wheels 2, 3: cols 22–23, 24–25
                hud(&f, [0, 255, 0], 48..96),     // steering from x = 500 → col 48
                hud(&f, [255, 0, 0], 72..96),     // gyro from x = 750 → col 72
            ];
            if i == 0 {
                // Only the score's white: no bar at zero.
                assert_eq!(&counts[1..], &[0; 5]);
            } else {
                for (j, (&c, &p)) in counts.iter().zip(&prev).enumerate() {
                    assert!(c > p, "bar {j} did not grow at ×{m}: {c} ≤ {p}");
                }
            }
            prev = counts;
        }
        // Exact geometry of one bar: speed 25 → val 0.5 → window y from 20 to 30 →
        // frame y from 93.6 up to 92.4 → rows 92 and 93 (centres 92.5, 93.5); columns 12, 13.
        let mut s = scene(&w, 1.0);
        s.car_vel = [25.0, 0.0];
        s.score = 0.0;
        let f = draw(&s);
        assert_eq!(px(&f, 12, 92), [255, 255, 255]);
        assert_eq!(px(&f, 13, 92), [255, 255, 255]);
        assert_eq!(px(&f, 12, 93), [255, 255, 255]);
        assert_eq!(px(&f, 14, 92), [0, 0, 0]);
        assert_eq!(px(&f, 11, 92), [0, 0, 0]);
        assert_eq!(px(&f, 12, 94), [0, 0, 0]);
        assert_eq!(px(&f, 12, 91), [0, 0, 0]);
        // Horizontal bars span window y 40..80 → frame rows 86..=90; negative values go left.
        s.steer_angle = 0.1; // val −1 → x from 475 to 500 → columns 46, 47
        let f = draw(&s);
        assert_eq!(count(&f, [0, 255, 0], 0..96, 0..96), 2 * 5);
        assert_eq!(count(&f, [0, 255, 0], 86..91, 46..48), 2 * 5);
    }

    /// Grass of either shade counts as one class: the squares are fixed in the world.
    fn classes(f: &[u8; FRAME_LEN]) -> Vec<[u8; 3]> {
        f.chunks_exact(3)
            .map(|p| if [p[0], p[1], p[2]] == GRASS_LIGHT { GRASS } else { [p[0], p[1], p[2]] })
            .collect()
    }

    fn differing(a: &[u8; FRAME_LEN], b: &[u8; FRAME_LEN]) -> usize {
        classes(a).iter().zip(classes(b).iter()).filter(|(x, y)| x != y).count()
    }

    #[test]
    fn view_turns_with_the_car() {
        let pos = [3.0, 20.0];
        for vel in [[0.0, 0.0], [4.0, 9.0]] {
            let base = world(pos, vel, 0.0, [0.0, 0.0], 0.3);
            let a = draw(&scene(&base, 1.0));
            for phi in [0.7f32, -2.0, 3.0] {
                let turned = world(pos, vel, phi, [11.0, -5.0], 0.3);
                let b = draw(&scene(&turned, 1.0));
                let d = differing(&a, &b);
                // Only pixels whose centre is within float rounding of an edge may differ.
                assert!(d <= 6, "world rotated by {phi} (vel {vel:?}): {d} pixels differ");
            }
        }
        // Turning only the car (at rest, so the camera follows its heading) turns the road.
        let base = world(pos, [0.0, 0.0], 0.0, [0.0, 0.0], 0.0);
        let a = draw(&scene(&base, 1.0));
        let headed = world(pos, [0.0, 0.0], 0.0, [0.0, 0.0], 0.5);
        let b = draw(&scene(&headed, 1.0));
        assert!(differing(&a, &b) > 500, "{}", differing(&a, &b));
        // … and the car itself still points up: the same hull pixels.
        assert_eq!(count(&a, HULL_RGB, 0..96, 0..96), count(&b, HULL_RGB, 0..96, 0..96));
    }

    #[test]
    fn zoom_in_over_the_first_second() {
        let w = world([0.0, 0.0], [0.0, 0.0], 0.0, [0.0, 0.0], 0.0);
        let wide = draw(&scene(&w, 0.0));
        let close = draw(&scene(&w, 1.0));
        let later = draw(&scene(&w, 7.5));
        assert_eq!(close, later, "zoom is constant after t = 1");
        // t = 0: zoom 0.6, the ±333 playfield spans ±19.2 columns and ±24 rows around (48, 72):
        // black around it.
        assert_eq!(px(&wide, 5, 5), CLEAR);
        assert_eq!(px(&wide, 90, 40), CLEAR);
        assert_eq!(px(&wide, 28, 60), CLEAR); // x = 28.5 < 48 − 19.2
        assert_ne!(px(&wide, 30, 60), CLEAR);
        assert!(count(&wide, CLEAR, 0..84, 0..96) > 4000);
        // At t = 1 the only black above the HUD is the car's wheels.
        assert_eq!(count(&close, CLEAR, 0..84, 0..96), count(&close, CLEAR, 66..78, 44..52));
        // The 13.3-wide road is about 1 px wide at t = 0, 21 px at t = 1.
        let road = |f: &[u8; FRAME_LEN]| (0..96).filter(|&x| ROADS.contains(&px(f, x, 60))).count();
        assert!(road(&wide) <= 2, "{}", road(&wide));
        assert!((19..=22).contains(&road(&close)), "{}", road(&close));
        // Halfway: zoom = 0.3 + 8.1 = 8.4.
        let mid = draw(&scene(&w, 0.5));
        assert!((9..=12).contains(&road(&mid)), "{}", road(&mid));
    }

    #[test]
    fn ceil_clamped_is_ceil() {
        for v in [-3.0f32, -0.5, -0.0, 0.0, 0.25, 1.0, 1.0001, 47.5, 95.9, 96.0, 96.5, 1e9, f32::NAN] {
            let want = if v.is_nan() { 0.0 } else { v.ceil().clamp(0.0, 96.0) };
            assert_eq!(ceil_clamped(v, 96), want as usize, "{v}");
        }
    }

    #[test]
    fn score_text_follows_percent_04i() {
        let mut b = [0u8; 12];
        let s = |v: f32, b: &mut [u8; 12]| {
            let n = score_glyphs(v, b);
            b[..n].iter().map(|&g| if g == MINUS { '-' } else { (b'0' + g) as char }).collect::<String>()
        };
        assert_eq!(s(0.0, &mut b), "0000");
        assert_eq!(s(-0.5, &mut b), "0000");
        assert_eq!(s(-5.3, &mut b), "-005");
        assert_eq!(s(912.9, &mut b), "0912");
        assert_eq!(s(-1234.0, &mut b), "-1234");
        assert_eq!(s(12345.6, &mut b), "12345");
    }

    #[test]
    fn fill_shares_edges_without_overlap_or_gap() {
        // Two triangles of a square split on the diagonal cover each pixel exactly once.
        let mut r = Renderer::new();
        let mut f = Box::new([0u8; FRAME_LEN]);
        let (a, b, c, d) = ([10.3, 10.7], [40.2, 12.1], [38.9, 50.5], [9.1, 47.6]);
        r.fill(&[a, b, c], [1, 0, 0], &mut f);
        let mut g = Box::new([0u8; FRAME_LEN]);
        r.fill(&[a, c, d], [2, 0, 0], &mut g);
        let mut q = Box::new([0u8; FRAME_LEN]);
        r.fill(&[a, b, c, d], [3, 0, 0], &mut q);
        for i in (0..FRAME_LEN).step_by(3) {
            let (in_f, in_g, in_q) = (f[i] != 0, g[i] != 0, q[i] != 0);
            assert!(!(in_f && in_g), "pixel {} in both triangles", i / 3);
            assert_eq!(in_f || in_g, in_q, "pixel {}", i / 3);
        }
        assert!(q.iter().filter(|&&v| v == 3).count() > 900);
    }

    /// OpenCV's INTER_AREA as the plain formula: each output pixel is the overlap-weighted mean
    /// of the source pixels its box [d·s, (d + 1)·s) covers, s = 96/84 = 8/7. Lengths are
    /// counted in sevenths, so every overlap is a small integer and the f64 arithmetic is exact.
    fn naive_area(frame: &[u8; FRAME_LEN]) -> Vec<f64> {
        let overlap = |d: usize, i: usize| {
            let (lo, hi) = (8 * d as i64, 8 * (d as i64 + 1));
            (hi.min(7 * i as i64 + 7) - lo.max(7 * i as i64)).max(0) as f64
        };
        let mut out = vec![0.0; OBS_LEN];
        for ch in 0..3 {
            for dy in 0..OBS_SIDE {
                for dx in 0..OBS_SIDE {
                    let mut acc = 0.0;
                    for sy in 0..STATE_H {
                        let wy = overlap(dy, sy);
                        if wy == 0.0 {
                            continue;
                        }
                        for sx in 0..STATE_W {
                            let wx = overlap(dx, sx);
                            acc += wy * wx * f64::from(frame[(sy * STATE_W + sx) * 3 + ch]);
                        }
                    }
                    out[ch * OBS_SIDE * OBS_SIDE + dy * OBS_SIDE + dx] = acc / 64.0;
                }
            }
        }
        out
    }

    fn noise_frame(seed: u64) -> Box<[u8; FRAME_LEN]> {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut f = Box::new([0u8; FRAME_LEN]);
        for v in f.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *v = (x >> 24) as u8;
        }
        f
    }

    /// OpenCV's `computeResizeAreaTab` (imgproc/src/resize.cpp) for `ssize → dsize`, one tap
    /// list per destination coordinate: (source index, f32 weight).
    fn opencv_area_tab(ssize: usize, dsize: usize) -> Vec<Vec<(usize, f32)>> {
        let scale = 1.0 / (dsize as f64 / ssize as f64);
        let mut out = Vec::new();
        for dx in 0..dsize {
            let mut taps = Vec::new();
            let fsx1 = dx as f64 * scale;
            let fsx2 = fsx1 + scale;
            let cell = scale.min(ssize as f64 - fsx1);
            let sx2 = (fsx2.floor() as i64).min(ssize as i64 - 1);
            let sx1 = (fsx1.ceil() as i64).min(sx2);
            if sx1 as f64 - fsx1 > 1e-3 {
                taps.push(((sx1 - 1) as usize, ((sx1 as f64 - fsx1) / cell) as f32));
            }
            for sx in sx1..sx2 {
                taps.push((sx as usize, (1.0 / cell) as f32));
            }
            if fsx2 - sx2 as f64 > 1e-3 {
                taps.push((sx2 as usize, ((fsx2 - sx2 as f64).min(1.0).min(cell) / cell) as f32));
            }
            out.push(taps);
        }
        out
    }

    #[test]
    fn period_taps_are_opencvs_weights_exactly() {
        let cv = opencv_area_tab(STATE_W, OBS_SIDE);
        assert_eq!((BLOCK_IN, BLOCK_OUT), (8, 7));
        for (d, taps) in cv.iter().enumerate() {
            let (q, j) = (d / BLOCK_OUT, d % BLOCK_OUT);
            let p = &PERIOD[j];
            let used: Vec<(usize, f32)> = (0..3)
                .filter(|&t| p.w[t] != 0)
                .map(|t| (q * BLOCK_IN + p.si[t], f32::from(p.w[t]) / BLOCK_IN as f32))
                .collect();
            // Same source pixels, and OpenCV's f32 weights are exactly k/8.
            assert_eq!(&used, taps, "output {d}");
            let sum: f32 = taps.iter().map(|t| t.1).sum();
            assert_eq!(sum, 1.0, "output {d}");
        }
    }

    #[test]
    fn preprocess_matches_the_area_formula() {
        let mut obs = Box::new([0f32; OBS_LEN]);
        let mut ties = 0;
        for seed in 0..3 {
            let f = noise_frame(seed);
            preprocess(&f, &mut obs);
            let want = naive_area(&f);
            for (i, (&got, &w)) in obs.iter().zip(&want).enumerate() {
                // Rounded half to even, like saturate_cast<uchar>; f32 sums are exact here.
                assert_eq!(got, w.round_ties_even() as f32 / 255.0, "{i}: {} vs {w}", got * 255.0);
                ties += usize::from(w.fract() == 0.5);
            }
        }
        // The noise does exercise ties (the mean is k/64, so about 1 in 64 outputs).
        assert!(ties > 100, "{ties}");
        // A rendered frame too.
        let w = world([0.0, 0.0], [1.0, 8.0], 0.0, [0.0, 0.0], 0.0);
        let f = draw(&scene(&w, 1.0));
        preprocess(&f, &mut obs);
        let want = naive_area(&f);
        for (&got, &w) in obs.iter().zip(&want) {
            assert_eq!(got, w.round_ties_even() as f32 / 255.0);
        }
    }

    #[test]
    fn preprocess_constant_and_layout() {
        let mut obs = Box::new([0f32; OBS_LEN]);
        for v in [0u8, 1, 102, 127, 204, 229, 254, 255] {
            let f = Box::new([v; FRAME_LEN]);
            preprocess(&f, &mut obs);
            assert!(obs.iter().all(|&o| o == f32::from(v) / 255.0), "constant {v}");
        }
        // Channel-major, row 0 at the top: a red top-left quadrant and a blue bottom edge.
        let mut f = Box::new([0u8; FRAME_LEN]);
        for y in 0..96 {
            for x in 0..96 {
                let o = (y * 96 + x) * 3;
                if x < 48 && y < 48 {
                    f[o] = 255;
                }
                if y >= 90 {
                    f[o + 2] = 255;
                }
            }
        }
        preprocess(&f, &mut obs);
        let at = |c: usize, y: usize, x: usize| obs[c * OBS_SIDE * OBS_SIDE + y * OBS_SIDE + x];
        assert_eq!(at(0, 0, 0), 1.0);
        assert_eq!(at(0, 40, 40), 1.0);
        assert_eq!(at(0, 0, 83), 0.0);
        assert_eq!(at(0, 83, 0), 0.0);
        assert_eq!(at(2, 83, 40), 1.0);
        assert_eq!(at(2, 0, 40), 0.0);
        assert_eq!(at(1, 40, 40), 0.0);
    }
}
