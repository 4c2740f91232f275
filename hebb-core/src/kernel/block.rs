//! The lane-generic row-block kernel: a layer step (forward rows in blocks, their Hebbian
//! updates while the rows are in L1, max-|w| normalisation) on any [`Lanes`] type, and the
//! span update of the update-only pass. Instantiated by the AVX2 lanes.

use super::{Lanes, LayerIo, W};
use crate::activation::Activation;
use crate::rule::{RuleFn, RuleKind, with_rule};

/// [`super::span_update`] on lanes `L`.
///
/// # Safety
/// `L` must be supported by the CPU; `pre` as long as `row`, and `c` covering
/// `(n_coeffs − 1)·plane + row.len()` floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn update_span_lanes<L: Lanes>(
    row: &mut [f32],
    c: &[f32],
    plane: usize,
    pre: &[f32],
    post: f32,
    rule: RuleKind,
    norm: bool,
    wmax: &mut [f32; W],
) {
    let n_in = row.len();
    let full = n_in / W * W;
    // SAFETY: forwarded from the caller; `wmax` holds eight floats.
    unsafe {
        let mut m = L::load(wmax.as_ptr());
        macro_rules! s {
            ($r:ty) => {
                if <$r as RuleFn>::N > 0 {
                    update_row_lanes::<L, $r>(
                        row.as_mut_ptr(),
                        c.as_ptr(),
                        plane,
                        pre.as_ptr(),
                        post,
                        full,
                        n_in - full,
                        norm.then_some(&mut m),
                    )
                }
            };
        }
        with_rule!(Some(rule), s);
        m.store(wmax.as_mut_ptr());
    }
}

/// Selects the rule-specialised instantiation. Inlined into each lane type's entry point so the
/// target features of that entry point apply.
///
/// # Safety
/// `L` must be supported by the CPU; `io` lengths must have been checked.
#[inline(always)]
pub(crate) unsafe fn dispatch<L: Lanes>(
    io: LayerIo<'_>,
    act: Activation,
    rule: Option<RuleKind>,
    normalize: bool,
) {
    macro_rules! s {
        ($r:ty) => {
            // SAFETY: forwarded from the caller.
            unsafe { step::<L, $r>(io, act, normalize) }
        };
    }
    with_rule!(rule, s)
}

/// Pointers and sizes of one layer step, shared by the row-block helpers.
struct Ctx<'a> {
    w: *mut f32,
    c: *const f32,
    pre: *const f32,
    post: &'a mut [f32],
    n_in: usize,
    plane: usize,
    full: usize,
    tail: usize,
    act: Activation,
    normalize: bool,
}

/// # Safety
/// `L` must be supported by the CPU; `io` lengths must have been checked.
#[inline(always)]
unsafe fn step<L: Lanes, R: RuleFn>(io: LayerIo<'_>, act: Activation, normalize: bool) {
    let n_in = io.pre.len();
    let n_out = io.post.len();
    let full = n_in / W * W;
    let mut ctx = Ctx {
        w: io.w.as_mut_ptr(),
        c: io.c.as_ptr(),
        pre: io.pre.as_ptr(),
        post: io.post,
        n_in,
        plane: n_in * n_out,
        full,
        tail: n_in - full,
        act,
        normalize: normalize && R::N > 0,
    };
    // SAFETY: the caller guarantees the CPU supports `L`.
    let mut wmax = unsafe { L::zero() };
    // Rows are processed in blocks: the block's dot products run interleaved (independent
    // dependency chains sharing each `pre` load), then their activations, then their updates
    // while the rows are still in L1. Each row's own sum is formed in the same order whatever
    // the block size, so the block size never changes the bits.
    let mut j = 0;
    // SAFETY: forwarded from the caller; every row index passed is < n_out.
    unsafe {
        if L::ROW_BLOCK >= 4 {
            while j + 4 <= n_out {
                rows::<L, R, 4>(&mut ctx, j, &mut wmax);
                j += 4;
            }
        }
        while j < n_out {
            rows::<L, R, 1>(&mut ctx, j, &mut wmax);
            j += 1;
        }
        if ctx.normalize {
            normalize_layer::<L>(&ctx, n_out, wmax.hmax());
        }
    }
}

/// Forward pass, activation and Hebbian update of rows `j0..j0 + B`.
///
/// # Safety
/// `j0 + B ≤ n_out`; the pointers in `ctx` cover the lengths checked by [`LayerIo::check`].
#[inline(always)]
unsafe fn rows<L: Lanes, R: RuleFn, const B: usize>(ctx: &mut Ctx<'_>, j0: usize, wmax: &mut L) {
    let Ctx { w, c, pre, n_in, plane, full, tail, act, normalize, .. } = *ctx;
    // SAFETY: (whole block) every offset below stays inside row j0 + b < n_out of a buffer of
    // n_out·n_in weights or R::N planes of n_out·n_in coefficients; `load_n`/`store_n` touch only
    // the first `tail` lanes.
    unsafe {
        // Forward: per row, eight interleaved partial sums, then a fixed reduction tree.
        let mut acc = [L::zero(); B];
        let mut i = 0;
        while i < full {
            let p = L::load(pre.add(i));
            for (b, a) in acc.iter_mut().enumerate() {
                *a = a.add(L::load(w.add((j0 + b) * n_in + i)).mul(p));
            }
            i += W;
        }
        if tail > 0 {
            let p = L::load_n(pre.add(full), tail);
            for (b, a) in acc.iter_mut().enumerate() {
                *a = a.add(L::load_n(w.add((j0 + b) * n_in + full), tail).mul(p));
            }
        }
        let mut ys = [0.0f32; B];
        for b in 0..B {
            ys[b] = act.apply(acc[b].hsum());
            ctx.post[j0 + b] = ys[b];
        }
        if R::N == 0 {
            return;
        }
        // Hebbian update of each row; `y` is what the rule sees as `post`.
        for (b, &y) in ys.iter().enumerate() {
            update_row_lanes::<L, R>(
                w.add((j0 + b) * n_in),
                c.add((j0 + b) * n_in),
                plane,
                pre,
                y,
                full,
                tail,
                normalize.then_some(&mut *wmax),
            );
        }
    }
}

/// The Hebbian update of one row (or a span of one) with rule `R`: `row[i] += Δ(c[k·plane + i],
/// pre[i], post)` for `i < full + tail` (`full` a multiple of 8, `tail` < 8); folds the new
/// |w| into `wmax` where given. The fused step and the update-only pass both run this.
///
/// # Safety
/// `L` must be supported by the CPU; `row` writable and `pre` readable for `full + tail`
/// floats; `crow + k·plane` readable for `full + tail` floats for every plane `k < R::N`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn update_row_lanes<L: Lanes, R: RuleFn>(
    row: *mut f32,
    crow: *const f32,
    plane: usize,
    pre: *const f32,
    post: f32,
    full: usize,
    tail: usize,
    mut wmax: Option<&mut L>,
) {
    // SAFETY: forwarded from the caller; every offset is < full + tail within the row, `pre`
    // and each plane; `load_n`/`store_n` touch only the first `tail` lanes.
    unsafe {
        let post = L::splat(post);
        let mut i = 0;
        while i < full {
            let mut cv = [L::zero(); RuleKind::MAX_COEFFS];
            for (k, v) in cv.iter_mut().enumerate().take(R::N) {
                *v = L::load(crow.add(k * plane + i));
            }
            let nw = L::load(row.add(i)).add(R::delta(&cv, L::load(pre.add(i)), post));
            nw.store(row.add(i));
            if let Some(m) = wmax.as_deref_mut() {
                *m = m.abs_max(nw);
            }
            i += W;
        }
        if tail > 0 {
            let mut cv = [L::zero(); RuleKind::MAX_COEFFS];
            for (k, v) in cv.iter_mut().enumerate().take(R::N) {
                *v = L::load_n(crow.add(k * plane + full), tail);
            }
            let pv = L::load_n(pre.add(full), tail);
            let nw = L::load_n(row.add(full), tail).add(R::delta(&cv, pv, post));
            nw.store_n(row.add(full), tail);
            if let Some(m) = wmax {
                // Lanes past the tail hold junk deltas: take the stored lanes only.
                *m = m.abs_max(L::load_n(row.add(full), tail));
            }
        }
    }
}

/// Divides a layer's weights by `m`, its max |w|. A layer of all-zero (or non-finite) weights is
/// left as it is rather than turned into NaN.
///
/// # Safety
/// `ctx.w` covers `n_out · n_in` weights.
#[inline(always)]
unsafe fn normalize_layer<L: Lanes>(ctx: &Ctx<'_>, n_out: usize, m: f32) {
    if !(m > 0.0 && m.is_finite()) {
        return;
    }
    let total = n_out * ctx.n_in;
    let fullt = total / W * W;
    let w = ctx.w;
    // SAFETY: the caller guarantees the CPU supports `L`; offsets < total, the weight buffer's
    // length.
    unsafe {
        let d = L::splat(m);
        let mut i = 0;
        while i < fullt {
            L::load(w.add(i)).div(d).store(w.add(i));
            i += W;
        }
        if total > fullt {
            let n = total - fullt;
            L::load_n(w.add(fullt), n).div(d).store_n(w.add(fullt), n);
        }
    }
}
