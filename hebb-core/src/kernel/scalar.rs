//! The portable kernel: the same IEEE operations in the same order as the 8-lane AVX2 kernel,
//! one synapse at a time — eight partial sums per row in the forward pass (lane `k` sums the
//! inputs `i ≡ k mod 8`, tail lanes add `0·0`), the same reduction tree, the same rule
//! expressions. This is what the Cortex-M4F runs: no 8-lane temporaries to spill, one base
//! pointer per coefficient plane and immediate offsets (VFP loads have no register-offset
//! form). Measured there at 25.9 instructions per synapse for an ABCD_lr ant step, against 44
//! for the 8-lane formulation.

use super::rules::RuleFn;
use super::{Lanes, LayerIo, W};
use crate::activation::Activation;

#[derive(Clone, Copy)]
pub(crate) struct One(f32);

#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

impl Lanes for One {
    const ROW_BLOCK: usize = 1;
    #[inline(always)]
    fn zero() -> Self {
        One(0.0)
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        One(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        One(unsafe { *p })
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> Self {
        if n > 0 { One(unsafe { *p }) } else { One(0.0) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { *p = self.0 }
    }
    #[inline(always)]
    unsafe fn store_n(self, p: *mut f32, n: usize) {
        if n > 0 {
            unsafe { *p = self.0 }
        }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        One(self.0 + o.0)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        One(self.0 * o.0)
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        One(self.0 / o.0)
    }
    #[inline(always)]
    fn abs_max(self, o: Self) -> Self {
        One(max(self.0, f32::from_bits(o.0.to_bits() & 0x7fff_ffff)))
    }
    #[inline(always)]
    fn hsum(self) -> f32 {
        self.0
    }
    #[inline(always)]
    fn hmax(self) -> f32 {
        self.0
    }
}

/// Hooks through which a target-specific kernel (the Cortex-M4F assembly of
/// [`super::vfp`]) takes over the bulk of each row, leaving the rest — the tails, the
/// reduction tree, the activation — to the code below, so there is one statement of the
/// semantics. The defaults take over nothing.
pub(crate) trait Assist {
    /// Adds `row[i]·pre[i]` into `acc[i mod 8]`, in increasing `i`, for a prefix of the row
    /// and returns its length: a multiple of 8 not above `n_in / 8 · 8`, or that plus 4 when
    /// `n_in mod 8 ≥ 4` (then lanes 0–3 of the tail are done and lanes 4–7 untouched).
    ///
    /// # Safety
    /// `row` and `pre` must be readable for `n_in` floats.
    #[inline(always)]
    unsafe fn dot(_row: *const f32, _pre: *const f32, _n_in: usize, _acc: &mut [f32; W]) -> usize {
        0
    }

    /// Applies rule `R` to a prefix of the row's synapses exactly as [`step`] would, and
    /// returns its length (0 if it does not handle `R`; always 0 when `NORM`).
    ///
    /// # Safety
    /// `row` must be writable and `pre` readable for `n_in` floats, and `crow + k·plane` readable
    /// for `n_in` floats for every coefficient plane `k < R::N`.
    #[inline(always)]
    unsafe fn update<R: RuleFn, const NORM: bool>(
        _row: *mut f32,
        _crow: *const f32,
        _plane: usize,
        _pre: *const f32,
        _post: f32,
        _n_in: usize,
    ) -> usize {
        0
    }
}

/// Plain Rust throughout.
pub(crate) struct Plain;
impl Assist for Plain {}

/// # Safety
/// `io` lengths must have been checked.
#[inline(always)]
pub(crate) unsafe fn step<R: RuleFn, const NORM: bool, A: Assist>(io: LayerIo<'_>, act: Activation) {
    let normalize = NORM;
    let n_in = io.pre.len();
    let n_out = io.post.len();
    let plane = n_in * n_out;
    let w = io.w.as_mut_ptr();
    let c = io.c.as_ptr();
    let pre = io.pre.as_ptr();
    let full = n_in / W * W;
    let tail = n_in - full;
    let mut wmax = [0.0f32; W];
    // SAFETY: as in the lane kernel: offsets stay inside rows of checked buffers.
    unsafe {
        for j in 0..n_out {
            let row = w.add(j * n_in);
            let mut acc = [0.0f32; W];
            let mut i = A::dot(row, pre, n_in, &mut acc);
            while i < full {
                for (k, a) in acc.iter_mut().enumerate() {
                    *a += *row.add(i + k) * *pre.add(i + k);
                }
                i += W;
            }
            if tail > 0 {
                // Lanes the assist already did (0–3 when it returned full + 4) are skipped.
                for (k, a) in acc.iter_mut().enumerate().skip(i - full) {
                    // Lanes past the tail add 0·0 = +0.0, as the lane kernels do.
                    let p = if k < tail { *row.add(full + k) * *pre.add(full + k) } else { 0.0f32 * 0.0f32 };
                    *a += p;
                }
            }
            let l = acc;
            let y = act.apply(((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7])));
            *io.post.as_mut_ptr().add(j) = y;
            if R::N == 0 {
                continue;
            }
            let post = One(y);
            let crow = c.add(j * n_in);
            // Chunks of W synapses: one base pointer per plane per chunk, then immediate offsets
            // (VFP loads have no register-offset form).
            let mut i = A::update::<R, NORM>(row, crow, plane, pre, y, n_in);
            while i < n_in {
                let n = if i + W <= n_in { W } else { n_in - i };
                let cb: [*const f32; 6] = core::array::from_fn(|k| crow.add(k * plane + i));
                let pb = pre.add(i);
                let wb = row.add(i);
                let syn = |l: usize, wmax: &mut [f32; W]| {
                    let mut cv = [One(0.0); 6];
                    for (v, p) in cv.iter_mut().zip(cb.iter()).take(R::N) {
                        *v = One(*p.add(l));
                    }
                    let nw = *wb.add(l) + R::delta(&cv, One(*pb.add(l)), post).0;
                    *wb.add(l) = nw;
                    if normalize && let Some(m) = wmax.get_mut(l) {
                        *m = max(*m, f32::from_bits(nw.to_bits() & 0x7fff_ffff));
                    }
                };
                if n == W {
                    for l in 0..W {
                        syn(l, &mut wmax);
                    }
                } else {
                    for l in 0..n {
                        syn(l, &mut wmax);
                    }
                }
                i += W;
            }
            if normalize && tail > 0 {
                for m in &mut wmax[tail..] {
                    *m = max(*m, 0.0);
                }
            }
        }
        if normalize && R::N > 0 {
            let l = wmax;
            let m = max(max(max(l[0], l[4]), max(l[2], l[6])), max(max(l[1], l[5]), max(l[3], l[7])));
            if m > 0.0 && m.is_finite() {
                for k in 0..n_out * n_in {
                    *w.add(k) /= m;
                }
            }
        }
    }
}
