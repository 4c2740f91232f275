//! The portable kernel: the same IEEE operations in the same order as the 8-lane AVX2 kernel,
//! one synapse at a time — eight partial sums per row in the forward pass (lane `k` sums the
//! inputs `i ≡ k mod 8`, tail lanes add `0·0`), the same reduction tree, the same rule
//! expressions. This is what the Cortex-M4F runs: no 8-lane temporaries to spill, one base
//! pointer per coefficient plane and immediate offsets (VFP loads have no register-offset
//! form). Measured there at 25.9 instructions per synapse for an ABCD_lr ant step, against 44
//! for the 8-lane formulation.

use super::{Lanes, LayerIo, W};
use crate::activation::Activation;
use crate::rule::{RuleFn, RuleKind};

/// One `f32` lane: the portable kernel's, and the scalar [`RuleKind::delta`]'s.
#[derive(Clone, Copy)]
pub(crate) struct One(f32);

impl One {
    pub(crate) const ZERO: One = One(0.0);
    #[inline(always)]
    pub(crate) const fn new(x: f32) -> One {
        One(x)
    }
    #[inline(always)]
    pub(crate) const fn get(self) -> f32 {
        self.0
    }
}

/// How a coefficient is stored: `f32`, or `f16` bit patterns widened (exactly) as they are read.
pub(crate) trait Coef: Copy {
    /// Whether this is the half-precision encoding.
    #[cfg_attr(not(all(target_arch = "arm", target_abi = "eabihf")), allow(dead_code))]
    const F16: bool;
    fn widen(self) -> f32;
}

impl Coef for f32 {
    const F16: bool = false;
    #[inline(always)]
    fn widen(self) -> f32 {
        self
    }
}

impl Coef for u16 {
    const F16: bool = true;
    #[inline(always)]
    fn widen(self) -> f32 {
        crate::table::widen_f16(self)
    }
}

#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

// SAFETY: plain `f32` arithmetic, the IEEE operations named; no CPU feature is needed, so the
// constructors' contract holds everywhere.
unsafe impl Lanes for One {
    const ROW_BLOCK: usize = 1;
    #[inline(always)]
    unsafe fn zero() -> Self {
        One(0.0)
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        One(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees `p` is readable.
        One(unsafe { *p })
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> Self {
        // SAFETY: the caller guarantees `p..p+n` is readable; `p` is read only if `n > 0`.
        if n > 0 { One(unsafe { *p }) } else { One(0.0) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees `p` is writable.
        unsafe { *p = self.0 }
    }
    #[inline(always)]
    unsafe fn store_n(self, p: *mut f32, n: usize) {
        if n > 0 {
            // SAFETY: the caller guarantees `p..p+n` is writable, and `n > 0`.
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

/// The forward dot product of one row: eight partial sums (lane `k` sums the inputs
/// `i ≡ k mod 8`), then the fixed reduction tree.
///
/// The lane kernels add `0·0 = +0.0` to the lanes past the tail; that is left out here because
/// it never changes a bit: a partial sum starts at `+0.0` and cannot become `−0.0` (an IEEE sum
/// is `−0.0` only when both addends are), and `x + (+0.0) = x` for every other `x`.
///
/// # Safety
/// `row` and `pre` must be readable for `n_in` floats.
#[cfg_attr(target_arch = "arm", inline(never))]
#[cfg_attr(not(target_arch = "arm"), inline(always))]
pub(crate) unsafe fn dot(row: *const f32, pre: *const f32, n_in: usize) -> f32 {
    let full = n_in / W * W;
    let mut acc = [0.0f32; W];
    // SAFETY: every index is < n_in.
    unsafe {
        let mut i = 0;
        while i < full {
            for (k, a) in acc.iter_mut().enumerate() {
                *a += *row.add(i + k) * *pre.add(i + k);
            }
            i += W;
        }
        for (k, a) in acc.iter_mut().enumerate().take(n_in - full) {
            *a += *row.add(full + k) * *pre.add(full + k);
        }
    }
    reduce(&acc)
}

/// The reduction tree of the lane kernels: `((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))`.
#[inline(always)]
fn reduce(l: &[f32; W]) -> f32 {
    ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

/// The Hebbian update of one row with rule `R` and postsynaptic activity `post`; with `NORM`,
/// folds the new |w| into `wmax` (lane `i mod 8`).
///
/// # Safety
/// `row` must be writable and `pre` readable for `n_in` floats, and `crow + k·plane` readable
/// for `n_in` floats for every coefficient plane `k < R::N`.
// Not inlined on the Cortex-M: one copy per instantiation, shared by the portable and the VFP
// kernels, keeps the firmware small (a call per row costs nothing measurable).
#[cfg_attr(target_arch = "arm", inline(never))]
#[cfg_attr(not(target_arch = "arm"), inline(always))]
pub(crate) unsafe fn update_row<R: RuleFn, const NORM: bool, T: Coef>(
    row: *mut f32,
    crow: *const T,
    plane: usize,
    pre: *const f32,
    post: f32,
    n_in: usize,
    wmax: &mut [f32; W],
) {
    let post = One(post);
    // SAFETY: every offset is < n_in within the row and each plane.
    unsafe {
        // Chunks of W synapses: one base pointer per plane per chunk, then immediate offsets
        // (VFP loads have no register-offset form).
        let mut i = 0;
        while i < n_in {
            let n = if i + W <= n_in { W } else { n_in - i };
            let cb: [*const T; RuleKind::MAX_COEFFS] = core::array::from_fn(|k| crow.add(k * plane + i));
            let pb = pre.add(i);
            let wb = row.add(i);
            let syn = |l: usize, wmax: &mut [f32; W]| {
                let mut cv = [One(0.0); RuleKind::MAX_COEFFS];
                for (v, p) in cv.iter_mut().zip(cb.iter()).take(R::N) {
                    *v = One((*p.add(l)).widen());
                }
                let nw = *wb.add(l) + R::delta(&cv, One(*pb.add(l)), post).0;
                *wb.add(l) = nw;
                if NORM && let Some(m) = wmax.get_mut(l) {
                    *m = max(*m, f32::from_bits(nw.to_bits() & 0x7fff_ffff));
                }
            };
            if n == W {
                for l in 0..W {
                    syn(l, wmax);
                }
            } else {
                for l in 0..n {
                    syn(l, wmax);
                }
            }
            i += W;
        }
    }
    let tail = n_in % W;
    if NORM && tail > 0 {
        // The lane kernels see zeros in the lanes past the tail.
        for m in &mut wmax[tail..] {
            *m = max(*m, 0.0);
        }
    }
}

/// Divides the layer's `len` weights by their max |w| (the reduction of `wmax`). A layer of
/// all-zero (or non-finite) weights is left as it is rather than turned into NaN.
///
/// # Safety
/// `w` must be writable for `len` floats.
#[cfg_attr(target_arch = "arm", inline(never))]
#[cfg_attr(not(target_arch = "arm"), inline(always))]
pub(crate) unsafe fn normalize(w: *mut f32, len: usize, wmax: &[f32; W]) {
    let l = wmax;
    let m = max(max(max(l[0], l[4]), max(l[2], l[6])), max(max(l[1], l[5]), max(l[3], l[7])));
    if m > 0.0 && m.is_finite() {
        for k in 0..len {
            // SAFETY: k < len.
            unsafe { *w.add(k) /= m };
        }
    }
}

/// # Safety
/// `io` lengths must have been checked.
#[inline(always)]
pub(crate) unsafe fn step<R: RuleFn, const NORM: bool, T: Coef>(io: LayerIo<'_, &[T]>, act: Activation) {
    let n_in = io.pre.len();
    let n_out = io.post.len();
    let plane = n_in * n_out;
    let w = io.w.as_mut_ptr();
    let c = io.c.as_ptr();
    let pre = io.pre.as_ptr();
    let mut wmax = [0.0f32; W];
    // SAFETY: offsets stay inside rows of the checked buffers.
    unsafe {
        for j in 0..n_out {
            let row = w.add(j * n_in);
            let y = act.apply(dot(row, pre, n_in));
            *io.post.as_mut_ptr().add(j) = y;
            if R::N > 0 {
                update_row::<R, NORM, T>(row, c.add(j * n_in), plane, pre, y, n_in, &mut wmax);
            }
        }
        if NORM && R::N > 0 {
            normalize(w, n_out * n_in, &wmax);
        }
    }
}
