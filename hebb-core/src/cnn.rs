//! The fixed convolutional front end of the car agent (docs/method.md, Networks), `no_std` and heap-free.
//!
//! input 3×84×84 → conv 6@3×3 stride 1 → tanh → maxpool 2×2 → conv 8@5×5 stride 2 → tanh →
//! maxpool 2×2 → flatten 8×9×9 = 648. No biases. The weights (1,362) are borrowed.
//!
//! Layouts: the input is `[channel][row][column]` (C, H, W) with row 0 at the top of the image;
//! the reference feeds (C, W, H), i.e. transposed — a transposed image gives the reference's
//! features. Conv weights are PyTorch's `[out][in][ky][kx]`, conv 1 first. The output is
//! flattened `[channel][row][column]`.
//!
//! Because `tanh` is monotone (tested in [`crate::activation`]), `maxpool(tanh(x)) =
//! tanh(maxpool(x))`; we pool first, which computes 4× fewer `tanh`s and gives the same bits.

use crate::activation::tanh_slice;
use crate::error::{Error, Result};

/// Input channels, height and width.
pub const IN_C: usize = 3;
/// Input side (84).
pub const IN_SIDE: usize = 84;
/// Number of input values (3·84·84).
pub const IN_LEN: usize = IN_C * IN_SIDE * IN_SIDE;
const C1: usize = 6;
const K1: usize = 3;
const S1: usize = (IN_SIDE - K1).div_ceil(2); // 41 after pooling 82×82
const C2: usize = 8;
const K2: usize = 5;
const S2: usize = ((S1 - K2) / 2).div_ceil(2); // 19 → 9 after pooling
/// Conv-1 weights (6·3·3·3 = 162).
pub const N_W1: usize = C1 * IN_C * K1 * K1;
/// Conv-2 weights (8·6·5·5 = 1,200).
pub const N_W2: usize = C2 * C1 * K2 * K2;
/// All conv weights (1,362).
pub const N_WEIGHTS: usize = N_W1 + N_W2;
/// Length of the feature vector (8·9·9 = 648).
pub const OUT_LEN: usize = C2 * S2 * S2;

/// Width of a conv-1 output row (82).
const W1: usize = IN_SIDE - K1 + 1;
/// A pooled conv-1 row is stored as its 21 even and 20 odd columns. Conv 2 computes the 18
/// columns of an output row that the pooling uses (2·9) as 24 (three 8-lane vectors; the last 6 are never
/// read), so the stored half-rows are zero-padded to the widest read, 2 + 24.
const W2_PAD: usize = 24;
const HALF_PAD: usize = (K2 - 1) / 2 + W2_PAD;

/// Scratch space and output of the front end (≈ 54 KB).
///
/// Speed: the convolutions run over chunks of output rows held in registers (two rows at a time),
/// so the compiler vectorises them across pixels while each pixel still sums its taps in the
/// reference order (input channel, kernel row, kernel column; no FMA), and `tanh` runs
/// vectorised over each pooled row ([`tanh_slice`], the same bits as [`crate::activation::tanh`])
/// — the output equals the naive per-pixel loop bit for bit (tested). The pooled
/// conv-1 maps are stored with even and odd columns split, which turns conv 2's stride-2 reads
/// into contiguous ones. On x86_64 CPUs with AVX2 the same code is compiled a second time with
/// AVX2 enabled and chosen at run time (same operations, same order, same bits).
#[derive(Clone)]
pub struct Cnn {
    even: [[[f32; HALF_PAD]; S1]; C1],
    odd: [[[f32; HALF_PAD]; S1]; C1],
    out: [f32; OUT_LEN],
}

impl Default for Cnn {
    fn default() -> Self {
        Self::new()
    }
}

impl Cnn {
    /// Zeroed scratch.
    pub const fn new() -> Self {
        // Columns past the 21 even / 20 odd ones stay zero: only conv 2's discarded lanes read
        // them.
        Cnn { even: [[[0.0; HALF_PAD]; S1]; C1], odd: [[[0.0; HALF_PAD]; S1]; C1], out: [0.0; OUT_LEN] }
    }

    /// Computes the 648 features of an 84×84 RGB image with values in [0, 1].
    pub fn forward(&mut self, weights: &[f32], image: &[f32]) -> Result<&[f32; OUT_LEN]> {
        if weights.len() != N_WEIGHTS {
            return Err(Error::Length { what: "CNN weights", expected: N_WEIGHTS, got: weights.len() });
        }
        let image: &[f32; IN_LEN] = image.try_into().map_err(|_| Error::Length {
            what: "CNN input",
            expected: IN_LEN,
            got: image.len(),
        })?;
        #[cfg(target_arch = "x86_64")]
        if crate::Kernel::Avx2.is_supported() {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { self.forward_avx2(weights, image) };
            return Ok(&self.out);
        }
        self.forward_impl(weights, image);
        Ok(&self.out)
    }

    /// [`Cnn::forward_impl`] compiled with AVX2 enabled.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn forward_avx2(&mut self, weights: &[f32], image: &[f32; IN_LEN]) {
        self.forward_impl(weights, image);
    }

    #[inline(always)]
    fn forward_impl(&mut self, weights: &[f32], image: &[f32; IN_LEN]) {
        let (w1, w2) = weights.split_at(N_W1);
        // Conv 1 (stride 1) with 2×2 max-pooling fused: two conv rows at a time, each pooled
        // cell the max of four convolution outputs, then tanh. The 82 outputs of a row are
        // computed in register-held chunks of 16, 16, 16, 16 and 18 (both rows together), each summing
        // its 27 taps in the reference order.
        for co in 0..C1 {
            let wk = &w1[co * IN_C * K1 * K1..(co + 1) * IN_C * K1 * K1];
            for py in 0..S1 {
                let mut acc = [[0.0f32; W1]; 2];
                conv1_chunk::<16>(image, wk, 2 * py, 0, &mut acc);
                conv1_chunk::<16>(image, wk, 2 * py, 16, &mut acc);
                conv1_chunk::<16>(image, wk, 2 * py, 32, &mut acc);
                conv1_chunk::<16>(image, wk, 2 * py, 48, &mut acc);
                conv1_chunk::<18>(image, wk, 2 * py, 64, &mut acc);
                let mut m = [0.0f32; S1];
                for (px, m) in m.iter_mut().enumerate() {
                    *m = pool4(acc[0][2 * px], acc[0][2 * px + 1], acc[1][2 * px], acc[1][2 * px + 1]);
                }
                tanh_slice(&mut m);
                for (px, &t) in m.iter().enumerate() {
                    if px % 2 == 0 {
                        self.even[co][py][px / 2] = t;
                    } else {
                        self.odd[co][py][px / 2] = t;
                    }
                }
            }
        }
        // Conv 2 (stride 2) with 2×2 max-pooling fused (the 19th row/column is dropped by the
        // floor of the pooling, as in PyTorch); its 18 columns computed as 24 (see W2_PAD). Column 2x + kx of the pooled map is
        // even[x + kx/2] for even kx and odd[x + (kx-1)/2] for odd kx. Both conv rows of a
        // pooled row are accumulated together in registers over the 150 taps.
        for co in 0..C2 {
            let wk = &w2[co * C1 * K2 * K2..(co + 1) * C1 * K2 * K2];
            for py in 0..S2 {
                let mut a0 = [0.0f32; W2_PAD];
                let mut a1 = [0.0f32; W2_PAD];
                let (y0, y1) = (4 * py, 4 * py + 2);
                for ci in 0..C1 {
                    for ky in 0..K2 {
                        let (e0, o0) = (&self.even[ci][y0 + ky], &self.odd[ci][y0 + ky]);
                        let (e1, o1) = (&self.even[ci][y1 + ky], &self.odd[ci][y1 + ky]);
                        for kx in 0..K2 {
                            let w = wk[(ci * K2 + ky) * K2 + kx];
                            let (s0, s1) = if kx % 2 == 0 {
                                (&e0[kx / 2..][..W2_PAD], &e1[kx / 2..][..W2_PAD])
                            } else {
                                (&o0[kx / 2..][..W2_PAD], &o1[kx / 2..][..W2_PAD])
                            };
                            for i in 0..W2_PAD {
                                a0[i] += w * s0[i];
                                a1[i] += w * s1[i];
                            }
                        }
                    }
                }
                let mut m = [0.0f32; S2];
                for (px, m) in m.iter_mut().enumerate() {
                    *m = pool4(a0[2 * px], a0[2 * px + 1], a1[2 * px], a1[2 * px + 1]);
                }
                tanh_slice(&mut m);
                self.out[(co * S2 + py) * S2..][..S2].copy_from_slice(&m);
            }
        }
    }
}

/// Conv-1 outputs `x0 .. x0 + N` of rows `y` and `y + 1`, accumulated in registers over the 27
/// taps (input channel, kernel row, kernel column — the reference order) and stored into `acc`.
#[inline(always)]
fn conv1_chunk<const N: usize>(
    image: &[f32; IN_LEN],
    wk: &[f32],
    y: usize,
    x0: usize,
    acc: &mut [[f32; W1]; 2],
) {
    let mut a0 = [0.0f32; N];
    let mut a1 = [0.0f32; N];
    for ci in 0..IN_C {
        for ky in 0..K1 {
            let r0 = &image[(ci * IN_SIDE + y + ky) * IN_SIDE + x0..][..N + K1 - 1];
            let r1 = &image[(ci * IN_SIDE + y + 1 + ky) * IN_SIDE + x0..][..N + K1 - 1];
            for kx in 0..K1 {
                let w = wk[(ci * K1 + ky) * K1 + kx];
                let (s0, s1) = (&r0[kx..][..N], &r1[kx..][..N]);
                for i in 0..N {
                    a0[i] += w * s0[i];
                    a1[i] += w * s1[i];
                }
            }
        }
    }
    acc[0][x0..x0 + N].copy_from_slice(&a0);
    acc[1][x0..x0 + N].copy_from_slice(&a1);
}

/// The maximum of a 2×2 window, in the order (0,0), (0,1), (1,0), (1,1).
#[inline(always)]
fn pool4(a: f32, b: f32, c: f32, d: f32) -> f32 {
    let mut m = f32::NEG_INFINITY;
    for s in [a, b, c, d] {
        if s > m {
            m = s;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::tanh;
    use std::vec;

    /// Direct, unfused implementation: conv → tanh → pool, as the spec states it.
    fn reference(w: &[f32], img: &[f32]) -> [f32; OUT_LEN] {
        let conv = |inp: &[f32], cin: usize, side: usize, w: &[f32], cout: usize, k: usize, stride: usize| {
            let os = (side - k) / stride + 1;
            let mut o = vec![0.0f32; cout * os * os];
            for co in 0..cout {
                for y in 0..os {
                    for x in 0..os {
                        let mut s = 0.0f32;
                        for ci in 0..cin {
                            for ky in 0..k {
                                for kx in 0..k {
                                    s += w[((co * cin + ci) * k + ky) * k + kx]
                                        * inp[(ci * side + y * stride + ky) * side + x * stride + kx];
                                }
                            }
                        }
                        o[(co * os + y) * os + x] = tanh(s);
                    }
                }
            }
            (o, os)
        };
        let pool = |inp: &[f32], c: usize, side: usize| {
            let os = side / 2;
            let mut o = vec![0.0f32; c * os * os];
            for ch in 0..c {
                for y in 0..os {
                    for x in 0..os {
                        let g = |dy: usize, dx: usize| inp[(ch * side + 2 * y + dy) * side + 2 * x + dx];
                        o[(ch * os + y) * os + x] = g(0, 0).max(g(0, 1)).max(g(1, 0)).max(g(1, 1));
                    }
                }
            }
            (o, os)
        };
        let (a, s) = conv(img, 3, 84, &w[..N_W1], 6, 3, 1);
        let (a, s) = pool(&a, 6, s);
        let (a, s) = conv(&a, 6, s, &w[N_W1..], 8, 5, 2);
        let (a, s) = pool(&a, 8, s);
        assert_eq!(s, 9);
        a.try_into().unwrap()
    }

    #[test]
    fn fused_equals_reference() {
        let mut state = 12345u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 8) as f32 / 16_777_216.0
        };
        let w: std::vec::Vec<f32> = (0..N_WEIGHTS).map(|_| next() * 2.0 - 1.0).collect();
        let img: std::vec::Vec<f32> = (0..IN_LEN).map(|_| next()).collect();
        let mut cnn = Cnn::new();
        let got = *cnn.forward(&w, &img).unwrap();
        let want = reference(&w, &img);
        assert_eq!(got, want);
        // The portable build of the loops, whatever the CPU picks in `forward`.
        let mut portable = Cnn::new();
        portable.forward_impl(&w, img.as_slice().try_into().unwrap());
        assert_eq!(portable.out, want);
        assert_eq!(N_WEIGHTS, 1362);
        assert_eq!(OUT_LEN, 648);
    }

    #[test]
    fn bad_lengths_are_errors() {
        let mut cnn = Cnn::new();
        assert!(matches!(cnn.forward(&[0.0; 3], &[0.0; IN_LEN]), Err(Error::Length { .. })));
        assert!(matches!(cnn.forward(&[0.0; N_WEIGHTS], &[0.0; 5]), Err(Error::Length { .. })));
    }
}
