//! The observation the reference feeds its CNN: the 96×96 state frame resized to 84×84 by
//! OpenCV's INTER_AREA (`ResizeObservation(84)`), bit for bit, then scaled to [0, 1]
//! (`ScaledFloatFrame`), channel-major.

use super::scene::{FRAME_LEN, OBS_LEN, OBS_SIDE, STATE_H, STATE_W};

/// Bytes of one frame row.
const ROW_BYTES: usize = STATE_W * 3;

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
    use crate::env::car::render::tests::{draw, scene, world};

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
