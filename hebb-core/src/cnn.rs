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
/// Conv-2 taps per output channel (6·5·5 = 150).
const T2: usize = C1 * K2 * K2;

/// Scratch space and output of the front end (≈ 46 KB).
///
/// Speed: conv 1 runs over chunks of output rows held in registers (two rows at a time), so the
/// compiler vectorises it across pixels; conv 2 runs across its 8 output channels (one vector
/// lane each, the weights transposed to `[tap][channel]`), the four conv pixels of a pooling
/// window accumulated together — every lane useful, where columns would fill 18 of 24. Each
/// output still sums its taps in the reference order (input channel, kernel row, kernel column;
/// no FMA), and `tanh` runs vectorised ([`tanh_slice`], the same bits as
/// [`crate::activation::tanh`]) — the output equals the naive per-pixel loop bit for bit
/// (tested). On x86_64 the same code is compiled twice more and chosen at run time: with AVX2,
/// and with AVX-512 (F and VL), where conv 1's chunks are 48 columns wide instead of 16 (more
/// independent sums in flight in the wider, more numerous registers) — same operations, same
/// order, same bits.
#[derive(Clone)]
pub struct Cnn {
    /// The pooled conv-1 maps, after tanh.
    p1: [[[f32; S1]; S1]; C1],
    /// Conv-2 weights transposed to `[tap][output channel]`.
    wt: [[f32; C2]; T2],
    out: [f32; OUT_LEN],
}

/// Which build of the front end's loops runs (all give the same bits; [`Cnn::forward`] picks
/// the fastest the CPU has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CnnIsa {
    /// Plain Rust, compiled for the target's baseline.
    Portable,
    /// x86_64 with AVX2.
    Avx2,
    /// x86_64 with AVX-512 F and VL (conv 1 in 48-column chunks).
    Avx512,
}

impl CnnIsa {
    /// Whether this CPU can run the build (CPUID; no `std` needed).
    pub fn is_supported(self) -> bool {
        match self {
            CnnIsa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            CnnIsa::Avx2 => crate::Kernel::Avx2.is_supported(),
            #[cfg(target_arch = "x86_64")]
            CnnIsa::Avx512 => crate::cpu::avx512_available(),
            #[cfg(not(target_arch = "x86_64"))]
            CnnIsa::Avx2 | CnnIsa::Avx512 => false,
        }
    }

    /// The fastest build this CPU supports.
    pub fn best() -> CnnIsa {
        [CnnIsa::Avx512, CnnIsa::Avx2].into_iter().find(|i| i.is_supported()).unwrap_or(CnnIsa::Portable)
    }
}

impl Default for Cnn {
    fn default() -> Self {
        Self::new()
    }
}

impl Cnn {
    /// Zeroed scratch.
    pub const fn new() -> Self {
        Cnn { p1: [[[0.0; S1]; S1]; C1], wt: [[0.0; C2]; T2], out: [0.0; OUT_LEN] }
    }

    /// Computes the 648 features of an 84×84 RGB image with values in [0, 1].
    pub fn forward(&mut self, weights: &[f32], image: &[f32]) -> Result<&[f32; OUT_LEN]> {
        let (weights, image) = check(weights, image)?;
        self.run(CnnIsa::best(), weights, image);
        Ok(&self.out)
    }

    /// [`Cnn::forward`] on the build `isa`, or where this CPU lacks it on the fastest it has
    /// below it (AVX-512 → AVX2 → portable): for benchmarks and tests of each build.
    pub fn forward_with(&mut self, isa: CnnIsa, weights: &[f32], image: &[f32]) -> Result<&[f32; OUT_LEN]> {
        let (weights, image) = check(weights, image)?;
        let isa = [isa, CnnIsa::Avx2, CnnIsa::Portable]
            .into_iter()
            .find(|i| *i as u8 <= isa as u8 && i.is_supported())
            .unwrap_or(CnnIsa::Portable);
        self.run(isa, weights, image);
        Ok(&self.out)
    }

    /// Runs the build `isa`, which must be supported.
    fn run(&mut self, isa: CnnIsa, weights: &[f32], image: &[f32; IN_LEN]) {
        match isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: callers pass a supported build only: the CPU has AVX-512 F and VL and the
            // OS saves their registers.
            CnnIsa::Avx512 => unsafe { self.forward_avx512(weights, image) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: callers pass a supported build only: the CPU has AVX2.
            CnnIsa::Avx2 => unsafe { self.forward_avx2(weights, image) },
            _ => self.forward_impl::<false>(weights, image),
        }
    }

    /// [`Cnn::forward_impl`] compiled with AVX2 enabled.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn forward_avx2(&mut self, weights: &[f32], image: &[f32; IN_LEN]) {
        self.forward_impl::<false>(weights, image);
    }

    /// [`Cnn::forward_impl`] compiled with AVX-512 F and VL enabled, with conv 1's wide chunks.
    ///
    /// # Safety
    /// The CPU must support AVX-512 F and VL, and the OS must save their registers.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    unsafe fn forward_avx512(&mut self, weights: &[f32], image: &[f32; IN_LEN]) {
        self.forward_impl::<true>(weights, image);
    }

    /// The front end; `WIDE` cuts conv 1's rows into 48-column chunks (for 512-bit registers),
    /// else into 16-column ones. Both give the same bits: a column computed by two overlapping
    /// chunks gets the same operations in the same order each time.
    #[inline(always)]
    fn forward_impl<const WIDE: bool>(&mut self, weights: &[f32], image: &[f32; IN_LEN]) {
        let (w1, w2) = weights.split_at(N_W1);
        // Conv 1 (stride 1) with 2×2 max-pooling fused: two conv rows at a time, each pooled
        // cell the max of four convolution outputs, then tanh. The 82 outputs of a row are
        // computed in register-held chunks (both rows together), each summing its 27 taps in
        // the reference order: columns 0–47 and 34–81 (wide), or 0–63 in fours of 16 and 58–81;
        // the last chunk overlaps the one before it so that it reads no column past the image's
        // 84th and needs no scalar tail.
        for co in 0..C1 {
            let wk = &w1[co * IN_C * K1 * K1..(co + 1) * IN_C * K1 * K1];
            for py in 0..S1 {
                let mut acc = [[0.0f32; W1]; 2];
                if WIDE {
                    conv1_chunk::<48>(image, wk, 2 * py, 0, &mut acc);
                    conv1_chunk::<48>(image, wk, 2 * py, W1 - 48, &mut acc);
                } else {
                    for x0 in [0, 16, 32, 48] {
                        conv1_chunk::<16>(image, wk, 2 * py, x0, &mut acc);
                    }
                    conv1_chunk::<24>(image, wk, 2 * py, W1 - 24, &mut acc);
                }
                let m = &mut self.p1[co][py];
                for (px, m) in m.iter_mut().enumerate() {
                    *m = pool4(acc[0][2 * px], acc[0][2 * px + 1], acc[1][2 * px], acc[1][2 * px + 1]);
                }
                tanh_slice(m);
            }
        }
        // Conv 2 (stride 2) with 2×2 max-pooling fused (the 19th row/column is dropped by the
        // floor of the pooling, as in PyTorch), across the 8 output channels: per pooled cell,
        // the four conv pixels of its window accumulate over the 150 taps together, each tap's
        // input value times the tap's 8 channel weights. Then tanh over all 648 features.
        for (t, wt) in self.wt.iter_mut().enumerate() {
            for (co, w) in wt.iter_mut().enumerate() {
                *w = w2[co * T2 + t];
            }
        }
        let mut pooled = [[0.0f32; C2]; S2 * S2];
        for (cell, pooled) in pooled.iter_mut().enumerate() {
            let (py, px) = (cell / S2, cell % S2);
            // Conv-2 pixel (2py + dy, 2px + dx) reads pooled-map row 4py + 2dy + ky and column
            // 4px + 2dx + kx.
            let (y, x) = (4 * py, 4 * px);
            let mut a = [[0.0f32; C2]; 4];
            for (ci, p1) in self.p1.iter().enumerate() {
                for ky in 0..K2 {
                    let (r0, r1) = (&p1[y + ky], &p1[y + 2 + ky]);
                    for kx in 0..K2 {
                        let w = &self.wt[(ci * K2 + ky) * K2 + kx];
                        let v = [r0[x + kx], r0[x + 2 + kx], r1[x + kx], r1[x + 2 + kx]];
                        for (a, v) in a.iter_mut().zip(v) {
                            for co in 0..C2 {
                                a[co] += w[co] * v;
                            }
                        }
                    }
                }
            }
            for co in 0..C2 {
                pooled[co] = pool4(a[0][co], a[1][co], a[2][co], a[3][co]);
            }
        }
        for (co, out) in self.out.chunks_exact_mut(S2 * S2).enumerate() {
            for (o, pooled) in out.iter_mut().zip(&pooled) {
                *o = pooled[co];
            }
        }
        tanh_slice(&mut self.out);
    }
}

/// The weights and the image, their lengths checked.
fn check<'a>(weights: &'a [f32], image: &'a [f32]) -> Result<(&'a [f32], &'a [f32; IN_LEN])> {
    if weights.len() != N_WEIGHTS {
        return Err(Error::Length { what: "CNN weights", expected: N_WEIGHTS, got: weights.len() });
    }
    let image = image.try_into().map_err(|_| Error::Length {
        what: "CNN input",
        expected: IN_LEN,
        got: image.len(),
    })?;
    Ok((weights, image))
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
        // Every build of the loops, whatever the CPU picks in `forward`: portable (16-column
        // chunks, and the wide plan too), AVX2 and AVX-512 where the CPU has them.
        let img: &[f32; IN_LEN] = img.as_slice().try_into().unwrap();
        let mut other = Cnn::new();
        other.forward_impl::<false>(&w, img);
        assert_eq!(other.out, want, "portable");
        let mut other = Cnn::new();
        other.forward_impl::<true>(&w, img);
        assert_eq!(other.out, want, "portable, wide chunks");
        for isa in [CnnIsa::Avx2, CnnIsa::Avx512] {
            if isa.is_supported() {
                assert_eq!(Cnn::new().forward_with(isa, &w, img).unwrap(), &want, "{isa:?}");
            } else {
                std::eprintln!("this CPU lacks {isa:?}: that build of the CNN is not tested here");
            }
        }
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
