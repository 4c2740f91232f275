//! The renderer's tests: pixel expectations of gym's drawing, the HUD, the view and the fill
//! rule.

use super::*;

use crate::env::car::dynamics::{
    HULL_COLOR, HULL_POLY1, HULL_POLY2, HULL_POLY3, HULL_POLY4, SIZE, WHEEL_COLOR, WHEEL_R, WHEEL_W, WHEELPOS,
};

const HULL_RGB: [u8; 3] = [204, 0, 0];

/// A world to render: a straight north-south road of 300 tiles through the origin, kerbs on
/// a stretch of it, and the car (4 black wheels, then the red hull) as car_dynamics places
/// it, everything rotated by `world_rot` about `pivot`, the car's heading additionally by
/// `heading`.
pub(crate) struct World {
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

pub(crate) fn world(pos: [f32; 2], vel: [f32; 2], world_rot: f32, pivot: [f32; 2], heading: f32) -> World {
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

pub(crate) fn scene(w: &World, t: f32) -> Scene<'_> {
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

pub(crate) fn draw(s: &Scene<'_>) -> Box<[u8; FRAME_LEN]> {
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
