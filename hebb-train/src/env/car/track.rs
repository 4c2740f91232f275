//! The procedural race track of gym 0.17's `car_racing.py` (`_create_track`), its road tiles and
//! kerbs, and the wheel-on-tile overlap test that replaces Box2D's sensor contacts.
//!
//! Generation follows the reference step by step, in `f64` as Python computes it: 12 checkpoints
//! on a morphed circle, a path traced from (1.5·TRACK_RAD, 0) that turns at most
//! [`TRACK_TURN_RATE`] per [`TRACK_DETAIL_STEP`] towards the next checkpoint for up to five laps,
//! one lap cut out between two passes through the start angle, and a failure (the caller retries
//! with the same random stream) when the cut lap does not glue together. The random numbers come
//! from our own generator (`Xoshiro256PlusPlus`), so the tracks have the reference's distribution
//! but not numpy's exact tracks.
//!
//! Tile contact: Box2D reports a wheel touching a tile sensor when the two polygons, each
//! inflated by Box2D's polygon skin radius (0.01), overlap. [`Tile::touches`] computes the same
//! predicate exactly (separating-axis test, then the polygon distance against 2 × 0.01) on the
//! convex hull of the tile quad, which is the shape Box2D builds from the four vertices. Tiles
//! are scanned with an axis-aligned bounding-box prefilter (a few hundred comparisons per
//! polygon, about a microsecond).

use rand::RngExt;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::scene::{Poly, Rgb, SCALE};
use super::sign;
use crate::error::{Error, Result};

/// Number of checkpoints of the morphed circle (`CHECKPOINTS`).
pub const CHECKPOINTS: usize = 12;
/// Radius of the circle the track morphs (`TRACK_RAD`).
pub const TRACK_RAD: f64 = 900.0 / SCALE as f64;
/// Length of one road tile along the track (`TRACK_DETAIL_STEP`).
pub const TRACK_DETAIL_STEP: f64 = 21.0 / SCALE as f64;
/// Largest turn per tile, radians (`TRACK_TURN_RATE`).
pub const TRACK_TURN_RATE: f64 = 0.31;
/// Half the road width (`TRACK_WIDTH`).
pub const TRACK_WIDTH: f64 = 40.0 / SCALE as f64;
/// Kerb width (`BORDER`).
pub const BORDER: f64 = 8.0 / SCALE as f64;
/// Consecutive sharp same-sign turns that earn a kerb (`BORDER_MIN_COUNT`).
pub const BORDER_MIN_COUNT: usize = 4;
/// Road colour before the `0.01·(i % 3)` stripe (`ROAD_COLOR`).
pub const ROAD_COLOR: Rgb = [0.4, 0.4, 0.4];
/// Attempts of the tracing loop before it gives up on a lap (`no_freeze`).
const NO_FREEZE: usize = 2500;
/// Box2D's polygon skin radius (`b2_polygonRadius = 2·b2_linearSlop`); two polygons touch when
/// their cores are closer than twice this.
pub const POLYGON_RADIUS: f32 = 0.01;
/// Track attempts [`Track::generate`] makes before it falls back to a circle (the reference
/// retries forever; no seed we have tried needs more than a handful).
const MAX_ATTEMPTS: usize = 1000;

/// One traced point of the track: `(alpha, beta, x, y)` as the reference stores it — polar angle
/// of the point, road heading angle (the road runs along `(−sin β, cos β)`), position.
pub type TrackPoint = [f64; 4];

/// A road tile's collision shape: the convex hull of its quad, with its bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tile {
    /// Hull vertices, counter-clockwise; the first `n` are used.
    pub v: [[f32; 2]; 4],
    /// Number of hull vertices (3 or 4).
    pub n: usize,
    /// Bounding box `[min_x, min_y, max_x, max_y]`.
    pub aabb: [f32; 4],
}

impl Tile {
    fn new(quad: &[[f32; 2]; 4]) -> Tile {
        let mut v = [[0.0; 2]; 4];
        let n = convex_hull(quad, &mut v);
        let mut aabb = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
        for p in &v[..n] {
            aabb = [aabb[0].min(p[0]), aabb[1].min(p[1]), aabb[2].max(p[0]), aabb[3].max(p[1])];
        }
        Tile { v, n, aabb }
    }

    /// The hull vertices.
    pub fn vertices(&self) -> &[[f32; 2]] {
        &self.v[..self.n]
    }

    /// Whether the convex polygon `poly` (counter-clockwise), whose bounding box is `aabb`,
    /// touches this tile as Box2D's sensor test decides (cores closer than 2·[`POLYGON_RADIUS`]).
    pub fn touches(&self, poly: &[[f32; 2]], aabb: &[f32; 4]) -> bool {
        let m = 2.0 * POLYGON_RADIUS;
        if aabb[0] > self.aabb[2] + m
            || aabb[2] < self.aabb[0] - m
            || aabb[1] > self.aabb[3] + m
            || aabb[3] < self.aabb[1] - m
        {
            return false;
        }
        polygons_touch(self.vertices(), poly, m)
    }
}

/// Bounding box `[min_x, min_y, max_x, max_y]` of a point set.
pub fn aabb_of(points: &[[f32; 2]]) -> [f32; 4] {
    let mut b = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
    for p in points {
        b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
    }
    b
}

/// Whether two convex counter-clockwise polygons are closer than `margin` (or overlap).
fn polygons_touch(a: &[[f32; 2]], b: &[[f32; 2]], margin: f32) -> bool {
    if !separated(a, b) && !separated(b, a) {
        return true;
    }
    // Disjoint: the distance between convex polygons is attained between a vertex of one and an
    // edge of the other.
    let m2 = margin * margin;
    vertex_edge_closer(a, b, m2) || vertex_edge_closer(b, a, m2)
}

/// Whether an edge normal of `a` separates `b` from `a` (strictly).
fn separated(a: &[[f32; 2]], b: &[[f32; 2]]) -> bool {
    let n = a.len();
    for i in 0..n {
        let p = a[i];
        let q = a[(i + 1) % n];
        // Outward normal of a counter-clockwise polygon's edge p → q.
        let (nx, ny) = (q[1] - p[1], p[0] - q[0]);
        let min_b = b.iter().map(|v| nx * (v[0] - p[0]) + ny * (v[1] - p[1])).fold(f32::INFINITY, f32::min);
        if min_b > 0.0 {
            return true;
        }
    }
    false
}

fn vertex_edge_closer(a: &[[f32; 2]], b: &[[f32; 2]], m2: f32) -> bool {
    let n = b.len();
    for v in a {
        for i in 0..n {
            let p = b[i];
            let q = b[(i + 1) % n];
            let (ex, ey) = (q[0] - p[0], q[1] - p[1]);
            let (wx, wy) = (v[0] - p[0], v[1] - p[1]);
            let len2 = ex * ex + ey * ey;
            let t = if len2 > 0.0 { ((wx * ex + wy * ey) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let (dx, dy) = (wx - t * ex, wy - t * ey);
            if dx * dx + dy * dy < m2 {
                return true;
            }
        }
    }
    false
}

/// Convex hull of four points, counter-clockwise (Andrew's monotone chain), as Box2D's
/// `b2PolygonShape::Set` reduces a vertex list; returns the number of hull vertices.
fn convex_hull(pts: &[[f32; 2]; 4], out: &mut [[f32; 2]; 4]) -> usize {
    let mut p = *pts;
    p.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let cross =
        |o: [f32; 2], a: [f32; 2], b: [f32; 2]| (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    let mut h = [[0.0f32; 2]; 8];
    let mut k = 0;
    for &q in &p {
        while k >= 2 && cross(h[k - 2], h[k - 1], q) <= 0.0 {
            k -= 1;
        }
        h[k] = q;
        k += 1;
    }
    let lower = k + 1;
    for &q in p.iter().rev().skip(1) {
        while k >= lower && cross(h[k - 2], h[k - 1], q) <= 0.0 {
            k -= 1;
        }
        h[k] = q;
        k += 1;
    }
    let n = (k - 1).min(4);
    out[..n].copy_from_slice(&h[..n]);
    n
}

/// A closed track: traced points, road tiles (render quads and contact hulls) and kerbs.
#[derive(Debug, Clone)]
pub struct Track {
    points: Vec<TrackPoint>,
    road: Vec<Poly>,
    kerbs: Vec<Poly>,
    /// Road tiles and kerbs interleaved in the reference's drawing order (`road_poly`: each
    /// tile, then its kerb if it has one), so a kerb covers the tiles before it only.
    draw: Vec<Poly>,
    /// Index in `draw` of each tile.
    slot: Vec<usize>,
    tiles: Vec<Tile>,
    centres: Vec<[f32; 2]>,
}

impl Track {
    /// The track of `seed`: attempts [`Track::try_generate`] with one random stream until a lap
    /// closes, as the reference's `reset` does. After 1000 failed attempts (never seen) it falls
    /// back to the circle of radius 1.5·TRACK_RAD so that it cannot loop forever.
    pub fn generate(seed: u64) -> Track {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        for _ in 0..MAX_ATTEMPTS {
            if let Some(points) = Self::try_generate(&mut rng) {
                return Self::build(points);
            }
        }
        Self::build(circle_points())
    }

    /// One attempt of `_create_track` with the random stream `rng`: the traced points of the cut
    /// lap, or `None` where the reference returns `False`.
    pub fn try_generate(rng: &mut Xoshiro256PlusPlus) -> Option<Vec<TrackPoint>> {
        use std::f64::consts::PI;
        let n_cp = CHECKPOINTS as f64;
        let mut checkpoints = [[0.0f64; 3]; CHECKPOINTS];
        let mut start_alpha = 0.0;
        for (c, cp) in checkpoints.iter_mut().enumerate() {
            let cf = c as f64;
            let mut alpha = 2.0 * PI * cf / n_cp + rng.random_range(0.0..2.0 * PI / n_cp);
            let mut rad = rng.random_range(TRACK_RAD / 3.0..TRACK_RAD);
            if c == 0 {
                alpha = 0.0;
                rad = 1.5 * TRACK_RAD;
            }
            if c == CHECKPOINTS - 1 {
                alpha = 2.0 * PI * cf / n_cp;
                start_alpha = 2.0 * PI * (-0.5) / n_cp;
                rad = 1.5 * TRACK_RAD;
            }
            *cp = [alpha, rad * alpha.cos(), rad * alpha.sin()];
        }

        // Trace from checkpoint to checkpoint.
        let (mut x, mut y, mut beta) = (1.5 * TRACK_RAD, 0.0f64, 0.0f64);
        let mut dest_i = 0usize;
        let mut laps = 0;
        let mut track: Vec<TrackPoint> = Vec::with_capacity(NO_FREEZE);
        let mut no_freeze = NO_FREEZE;
        let mut visited_other_side = false;
        loop {
            let mut alpha = y.atan2(x);
            if visited_other_side && alpha > 0.0 {
                laps += 1;
                visited_other_side = false;
            }
            if alpha < 0.0 {
                visited_other_side = true;
                alpha += 2.0 * PI;
            }
            let (dest_x, dest_y) = loop {
                let mut found = None;
                loop {
                    let [dest_alpha, dx, dy] = checkpoints[dest_i % CHECKPOINTS];
                    if alpha <= dest_alpha {
                        found = Some((dx, dy));
                        break;
                    }
                    dest_i += 1;
                    if dest_i.is_multiple_of(CHECKPOINTS) {
                        break;
                    }
                }
                if let Some(d) = found {
                    break d;
                }
                alpha -= 2.0 * PI;
            };
            let (r1x, r1y) = (beta.cos(), beta.sin());
            let (p1x, p1y) = (-r1y, r1x);
            let (dest_dx, dest_dy) = (dest_x - x, dest_y - y);
            let mut proj = r1x * dest_dx + r1y * dest_dy;
            while beta - alpha > 1.5 * PI {
                beta -= 2.0 * PI;
            }
            while beta - alpha < -1.5 * PI {
                beta += 2.0 * PI;
            }
            let prev_beta = beta;
            proj *= SCALE as f64;
            if proj > 0.3 {
                beta -= TRACK_TURN_RATE.min((0.001 * proj).abs());
            }
            if proj < -0.3 {
                beta += TRACK_TURN_RATE.min((0.001 * proj).abs());
            }
            x += p1x * TRACK_DETAIL_STEP;
            y += p1y * TRACK_DETAIL_STEP;
            track.push([alpha, prev_beta * 0.5 + beta * 0.5, x, y]);
            if laps > 4 {
                break;
            }
            no_freeze -= 1;
            if no_freeze == 0 {
                break;
            }
        }

        // Find the closed loop i1..i2: the last full lap.
        let (mut i1, mut i2) = (None, None);
        let mut i = track.len();
        loop {
            if i <= 1 {
                return None;
            }
            i -= 1;
            let through_start = track[i][0] > start_alpha && track[i - 1][0] <= start_alpha;
            if through_start && i2.is_none() {
                i2 = Some(i);
            } else if through_start && i1.is_none() {
                i1 = Some(i);
                break;
            }
        }
        let (i1, i2) = (i1?, i2?);
        if i2 < i1 + 4 {
            return None;
        }
        let track = track[i1..i2 - 1].to_vec();

        let first_beta = track[0][1];
        let (fx, fy) = (first_beta.cos(), first_beta.sin());
        let last = track[track.len() - 1];
        let glue = ((fx * (track[0][2] - last[2])).powi(2) + (fy * (track[0][3] - last[3])).powi(2)).sqrt();
        if glue > TRACK_DETAIL_STEP {
            return None;
        }
        Some(track)
    }

    /// A track through explicit points `(alpha, beta, x, y)` (a replay, or a test course), with
    /// tiles and kerbs built exactly as for a generated one. Needs at least 3 finite points.
    pub fn from_points(points: &[TrackPoint]) -> Result<Track> {
        if points.len() < 3 {
            return Err(Error::Config(format!("a track needs at least 3 points, got {}", points.len())));
        }
        if points.iter().flatten().any(|v| !v.is_finite()) {
            return Err(Error::Config("track points must be finite".into()));
        }
        Ok(Self::build(points.to_vec()))
    }

    fn build(points: Vec<TrackPoint>) -> Track {
        let n = points.len();
        // Python's negative indexing.
        let at = |i: isize| points[i.rem_euclid(n as isize) as usize];

        // Red-white border on hard turns.
        let mut border = vec![false; n];
        for (i, b) in border.iter_mut().enumerate() {
            let i = i as isize;
            let mut good = true;
            let mut oneside = 0.0f64;
            for neg in 0..BORDER_MIN_COUNT as isize {
                let beta1 = at(i - neg)[1];
                let beta2 = at(i - neg - 1)[1];
                good &= (beta1 - beta2).abs() > TRACK_TURN_RATE * 0.2;
                oneside += sign(beta1 - beta2);
            }
            good &= oneside.abs() == BORDER_MIN_COUNT as f64;
            *b = good;
        }
        // In place, as the reference does (a wrapped mark can spread once more).
        for i in 0..n as isize {
            for neg in 0..BORDER_MIN_COUNT as isize {
                let j = (i - neg).rem_euclid(n as isize) as usize;
                border[j] |= border[i as usize];
            }
        }

        let w = TRACK_WIDTH;
        let p32 = |x: f64, y: f64| [x as f32, y as f32];
        let mut road = Vec::with_capacity(n);
        let mut kerbs = Vec::new();
        let mut draw = Vec::with_capacity(n);
        let mut slot = Vec::with_capacity(n);
        let mut tiles = Vec::with_capacity(n);
        let mut centres = Vec::with_capacity(n);
        for i in 0..n {
            let [_, beta1, x1, y1] = points[i];
            let [_, beta2, x2, y2] = at(i as isize - 1);
            let (c1, s1, c2, s2) = (beta1.cos(), beta1.sin(), beta2.cos(), beta2.sin());
            let quad = [
                p32(x1 - w * c1, y1 - w * s1),
                p32(x1 + w * c1, y1 + w * s1),
                p32(x2 + w * c2, y2 + w * s2),
                p32(x2 - w * c2, y2 - w * s2),
            ];
            let c = 0.01 * (i % 3) as f32;
            road.push(Poly::new(&quad, [ROAD_COLOR[0] + c, ROAD_COLOR[1] + c, ROAD_COLOR[2] + c]));
            slot.push(draw.len());
            draw.push(road[i]);
            tiles.push(Tile::new(&quad));
            centres.push(p32(x1, y1));
            if border[i] {
                let side = sign(beta2 - beta1);
                if side == 0.0 {
                    // The reference emits a zero-area quad here, which draws nothing.
                    continue;
                }
                let (a, b) = (side * w, side * (w + BORDER));
                let kerb = [
                    p32(x1 + a * c1, y1 + a * s1),
                    p32(x1 + b * c1, y1 + b * s1),
                    p32(x2 + b * c2, y2 + b * s2),
                    p32(x2 + a * c2, y2 + a * s2),
                ];
                let colour = if i % 2 == 0 { [1.0, 1.0, 1.0] } else { [1.0, 0.0, 0.0] };
                kerbs.push(Poly::new(&kerb, colour));
                draw.push(Poly::new(&kerb, colour));
            }
        }
        Track { points, road, kerbs, draw, slot, tiles, centres }
    }

    /// Number of road tiles (`len(self.track)`).
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Always false: a track has at least 3 tiles.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The traced points `(alpha, beta, x, y)`; tile `i` spans points `i − 1` → `i`.
    pub fn points(&self) -> &[TrackPoint] {
        &self.points
    }

    /// Road-centre point of each tile (its leading edge's centre, `track[i][2:4]`).
    pub fn centres(&self) -> &[[f32; 2]] {
        &self.centres
    }

    /// Road quads in track order, in their current colours.
    pub fn road(&self) -> &[Poly] {
        &self.road
    }

    /// Kerb quads.
    pub fn kerbs(&self) -> &[Poly] {
        &self.kerbs
    }

    /// Tiles and kerbs in the reference's drawing order, in their current colours.
    pub fn draw_list(&self) -> &[Poly] {
        &self.draw
    }

    /// Contact shapes of the tiles, in track order.
    pub fn tiles(&self) -> &[Tile] {
        &self.tiles
    }

    /// Sets tile `i` to the plain road colour, as the reference's contact listener does on every
    /// contact begin/end with any car part (its render list shares the colour list).
    pub fn touch_colour(&mut self, i: usize) {
        if let Some(p) = self.road.get_mut(i) {
            p.color = ROAD_COLOR;
            self.draw[self.slot[i]].color = ROAD_COLOR;
        }
    }

    /// Restores every tile's striped colour (`ROAD_COLOR + 0.01·(i % 3)`).
    pub fn reset_colours(&mut self) {
        for (i, p) in self.road.iter_mut().enumerate() {
            let c = 0.01 * (i % 3) as f32;
            p.color = [ROAD_COLOR[0] + c, ROAD_COLOR[1] + c, ROAD_COLOR[2] + c];
            self.draw[self.slot[i]].color = p.color;
        }
    }
}

/// A counter-clockwise circle of radius 1.5·TRACK_RAD (the fallback of [`Track::generate`]).
fn circle_points() -> Vec<TrackPoint> {
    let r = 1.5 * TRACK_RAD;
    let n = (2.0 * std::f64::consts::PI * r / TRACK_DETAIL_STEP).round() as usize;
    (0..n)
        .map(|i| {
            let a = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            [a, a, r * a.cos(), r * a.sin()]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_and_touch() {
        let quad = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        let t = Tile::new(&[quad[0], quad[2], quad[1], quad[3]]);
        assert_eq!(t.n, 4);
        let sq = |x: f32, y: f32| [[x, y], [x + 0.5, y], [x + 0.5, y + 0.5], [x, y + 0.5]];
        for (p, want) in [
            (sq(0.2, 0.2), true),
            (sq(1.019, 0.2), true),
            (sq(1.021, 0.2), false),
            (sq(1.01, 1.01), true),
            (sq(1.015, 1.015), false),
            (sq(-3.0, 0.0), false),
        ] {
            assert_eq!(t.touches(&p, &aabb_of(&p)), want, "{p:?}");
        }
    }

    #[test]
    fn draw_list_interleaves_kerbs_in_reference_order() {
        let mut t = Track::generate(3);
        assert!(!t.kerbs().is_empty(), "seed 3 should have kerbs");
        assert_eq!(t.draw_list().len(), t.road().len() + t.kerbs().len());
        // Each tile is followed by its kerbs (if any) before the next tile.
        for i in 0..t.len() {
            assert_eq!(t.draw_list()[t.slot[i]], t.road()[i]);
            let next = t.slot.get(i + 1).copied().unwrap_or(t.draw_list().len());
            assert!(next - t.slot[i] <= 2);
        }
        t.touch_colour(1);
        assert_eq!(t.draw_list()[t.slot[1]].color, ROAD_COLOR);
        t.reset_colours();
        assert_eq!(t.draw_list()[t.slot[1]].color, t.road()[1].color);
        assert_ne!(t.road()[1].color, ROAD_COLOR);
    }

    #[test]
    fn circle_track_has_no_kerbs() {
        let t = Track::build(circle_points());
        assert!(t.kerbs().is_empty());
        assert_eq!(t.road().len(), t.len());
    }
}
