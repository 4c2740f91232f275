//! AVX2 lanes. Every operation is the same IEEE single-precision operation as the portable
//! lanes (no FMA), so results are bit-identical.

use core::arch::x86_64::*;

use super::{Lanes, LayerIo};
use crate::activation::Activation;
use crate::rule::RuleKind;

#[derive(Clone, Copy)]
pub(crate) struct Avx2(__m256);

/// A lane mask of the first `n` lanes.
///
/// # Safety
/// The CPU must support AVX2.
#[inline(always)]
unsafe fn mask(n: usize) -> __m256i {
    // SAFETY: the caller guarantees AVX2.
    unsafe { _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)) }
}

// SAFETY: every operation is the same IEEE single-precision operation as the portable lanes
// (no FMA). The field is private to this module and only the `unsafe` constructors make an
// `Avx2`, so a value exists only where the CPU's AVX2 was asserted (they are reached only
// through `layer_step` below, called after run-time detection); that makes the AVX
// instructions of the safe methods on values sound.
unsafe impl Lanes for Avx2 {
    const ROW_BLOCK: usize = 4;
    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller guarantees AVX2.
        Avx2(unsafe { _mm256_setzero_ps() })
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: the caller guarantees AVX2.
        Avx2(unsafe { _mm256_set1_ps(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees AVX2 and that `p..p+8` is readable.
        Avx2(unsafe { _mm256_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> Self {
        // SAFETY: the caller guarantees AVX2 and that `p..p+n` is readable; masked-off lanes
        // are not accessed.
        Avx2(unsafe { _mm256_maskload_ps(p, mask(n)) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: `self` exists, so AVX2 is present; the caller guarantees `p..p+8` is writable.
        unsafe { _mm256_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn store_n(self, p: *mut f32, n: usize) {
        // SAFETY: as `store`, for `p..p+n`; masked-off lanes are not accessed.
        unsafe { _mm256_maskstore_ps(p, mask(n), self.0) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: `self` exists, so AVX2 is present (see the impl's safety comment).
        Avx2(unsafe { _mm256_add_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        // SAFETY: `self` exists, so AVX2 is present.
        Avx2(unsafe { _mm256_mul_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // SAFETY: `self` exists, so AVX2 is present.
        Avx2(unsafe { _mm256_div_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn abs_max(self, o: Self) -> Self {
        // SAFETY: `self` exists, so AVX2 is present.
        unsafe {
            let abs = _mm256_and_ps(o.0, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff)));
            // maxps(a, b) returns b unless a > b: the portable `max(self, |o|)`.
            Avx2(_mm256_max_ps(self.0, abs))
        }
    }
    #[inline(always)]
    fn hsum(self) -> f32 {
        // SAFETY: `self` exists, so AVX2 is present.
        unsafe {
            let lo = _mm256_castps256_ps128(self.0);
            let hi = _mm256_extractf128_ps(self.0, 1);
            let s = _mm_add_ps(lo, hi); // [l0+l4, l1+l5, l2+l6, l3+l7]
            let s2 = _mm_add_ps(s, _mm_movehl_ps(s, s)); // [(l0+l4)+(l2+l6), (l1+l5)+(l3+l7), ..]
            let s3 = _mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1));
            _mm_cvtss_f32(s3)
        }
    }
    #[inline(always)]
    fn hmax(self) -> f32 {
        let mut l = [0.0f32; 8];
        // SAFETY: `self` exists, so AVX2 is present; `l` holds eight floats.
        unsafe { _mm256_storeu_ps(l.as_mut_ptr(), self.0) };
        let max = |a: f32, b: f32| if a > b { a } else { b };
        max(max(max(l[0], l[4]), max(l[2], l[6])), max(max(l[1], l[5]), max(l[3], l[7])))
    }
}

/// # Safety
/// The CPU must support AVX2; `io` lengths must have been checked.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn layer_step(io: LayerIo<'_>, act: Activation, rule: Option<RuleKind>, normalize: bool) {
    // SAFETY: forwarded from the caller.
    unsafe { super::dispatch::<Avx2>(io, act, rule, normalize) }
}

/// # Safety
/// The CPU must support AVX2; the lengths as [`super::update_span_lanes`] needs them.
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn update_span(
    row: &mut [f32],
    c: &[f32],
    plane: usize,
    pre: &[f32],
    post: f32,
    rule: RuleKind,
    norm: bool,
    wmax: &mut [f32; super::W],
) {
    // SAFETY: forwarded from the caller.
    unsafe { super::update_span_lanes::<Avx2>(row, c, plane, pre, post, rule, norm, wmax) }
}
