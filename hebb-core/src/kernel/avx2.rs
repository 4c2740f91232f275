//! AVX2 lanes. Every operation is the same IEEE single-precision operation as the portable
//! lanes (no FMA), so results are bit-identical.

use core::arch::x86_64::*;

use super::{Lanes, LayerIo};
use crate::activation::Activation;
use crate::rule::RuleKind;

#[derive(Clone, Copy)]
pub(crate) struct Avx2(__m256);

#[inline(always)]
fn mask(n: usize) -> __m256i {
    // SAFETY: only called from AVX2-enabled code (all callers are inlined into
    // `layer_step`, which has `#[target_feature(enable = "avx2")]`).
    unsafe { _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)) }
}

// SAFETY (whole impl): these functions are only reached through `layer_step` below, which is
// compiled with AVX2 enabled and only called after run-time detection.
impl Lanes for Avx2 {
    const ROW_BLOCK: usize = 4;
    #[inline(always)]
    fn zero() -> Self {
        Avx2(unsafe { _mm256_setzero_ps() })
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Avx2(unsafe { _mm256_set1_ps(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        Avx2(unsafe { _mm256_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> Self {
        Avx2(unsafe { _mm256_maskload_ps(p, mask(n)) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { _mm256_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn store_n(self, p: *mut f32, n: usize) {
        unsafe { _mm256_maskstore_ps(p, mask(n), self.0) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_add_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_mul_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Avx2(unsafe { _mm256_div_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn abs_max(self, o: Self) -> Self {
        unsafe {
            let abs = _mm256_and_ps(o.0, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff)));
            // maxps(a, b) returns b unless a > b: the portable `max(self, |o|)`.
            Avx2(_mm256_max_ps(self.0, abs))
        }
    }
    #[inline(always)]
    fn hsum(self) -> f32 {
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
