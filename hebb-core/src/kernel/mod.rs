//! The inner loops: one generic implementation of a layer step (forward row, Hebbian update,
//! max-|w| normalisation), instantiated per rule and per lane type.
//!
//! The AVX2 kernel works on eight `f32` lanes (`__m256`); the portable kernel ([`scalar`]) one
//! synapse at a time; the Cortex-M4F kernel ([`vfp`]) is the portable one with its bulk in VFP
//! assembly. All perform the same IEEE operations (no fused multiply-add) in the same order —
//! eight interleaved partial sums per row, the same horizontal-sum tree, the same tail
//! handling — so they are **bit-identical** to each other.

// The lane-generic row-block kernel below is instantiated only by the AVX2 lanes; on other
// targets (the Cortex-M) only the scalar portable kernel exists.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use crate::activation::Activation;
use crate::rule::{RuleFn, RuleKind, with_rule};
use crate::table::Coefficients;

#[cfg(target_arch = "x86_64")]
mod avx2;
mod block;
mod lanes;
mod scalar;
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod vfp;

use crate::cpu::avx2_available;
#[cfg(target_arch = "x86_64")]
pub(crate) use block::{dispatch, update_span_lanes};
pub(crate) use lanes::Lanes;
pub(crate) use scalar::One;

/// Which implementation of the inner loops a network uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Kernel {
    /// Plain scalar Rust; runs on every target, the reference the other kernels equal bit for
    /// bit. The firmware (`hebb-mcu`) runs [`Kernel::Vfp`], ≈ 2.3× faster on a Cortex-M4F.
    #[default]
    Portable = 0,
    /// x86_64 AVX2, bit-identical to [`Kernel::Portable`]. Only selectable where the CPU has
    /// AVX2 (see [`Kernel::best`]).
    Avx2 = 1,
    /// Cortex-M4F (ARM hard-float targets such as `thumbv7em-none-eabihf`): the forward pass
    /// and the ABCD_lr update in hand-scheduled VFP assembly (block loads and stores), the rest
    /// as [`Kernel::Portable`]; bit-identical to it. Only selectable on those targets.
    Vfp = 2,
}

impl Kernel {
    /// The fastest kernel this CPU supports, detected at run time (CPUID; no `std` needed).
    pub fn best() -> Kernel {
        if Kernel::Avx2.is_supported() {
            Kernel::Avx2
        } else if Kernel::Vfp.is_supported() {
            Kernel::Vfp
        } else {
            Kernel::Portable
        }
    }

    /// Whether this CPU can run the kernel.
    pub fn is_supported(self) -> bool {
        match self {
            Kernel::Portable => true,
            Kernel::Avx2 => avx2_available(),
            Kernel::Vfp => cfg!(all(target_arch = "arm", target_abi = "eabihf")),
        }
    }
}

/// One layer's buffers for a step. Lengths are checked by [`layer_step`]; the kernels rely
/// on them. `C` is how the coefficients come: [`Coefficients`] into `layer_step`, a slice of
/// `f32` or of `f16` bit patterns (`u16`) into the kernels.
pub(crate) struct LayerIo<'a, C = &'a [f32]> {
    /// Weights `[n_out][n_in]`, row-major.
    pub w: &'a mut [f32],
    /// Coefficient planes `[n_coeffs][n_out][n_in]`, or empty when not plastic.
    pub c: C,
    /// Presynaptic activity, `n_in`.
    pub pre: &'a [f32],
    /// Postsynaptic activity (output of the layer), `n_out`.
    pub post: &'a mut [f32],
}

impl LayerIo<'_, Coefficients<'_>> {
    fn check(&self, rule: Option<RuleKind>) -> bool {
        let n_in = self.pre.len();
        let n_out = self.post.len();
        let n_c = rule.map_or(0, |r| r.n_coeffs());
        n_in > 0 && self.w.len() == n_in * n_out && (rule.is_none() || self.c.len() == n_c * n_in * n_out)
    }
}

/// Calls `$m::step` (the portable kernel or one with its signature) specialised per rule (the
/// rule table's one dispatch, [`with_rule!`]) and per normalisation.
macro_rules! by_rule {
    ($m:ident, $io:expr, $act:expr, $rule:expr, $normalize:expr) => {{
        macro_rules! s {
            ($r:ty) => {
                if $normalize && <$r as RuleFn>::N > 0 {
                    $m::step::<$r, true, _>($io, $act)
                } else {
                    $m::step::<$r, false, _>($io, $act)
                }
            };
        }
        with_rule!($rule, s)
    }};
}

/// Runs one layer: for each output row, the forward dot product and activation, then (if
/// `rule` is given) the Hebbian update of that row, then (if `normalize`) divides the layer's
/// weights by their max |w|. Returns `false` (and does nothing) if the buffer lengths disagree.
pub(crate) fn layer_step(
    kernel: Kernel,
    io: LayerIo<'_, Coefficients<'_>>,
    act: Activation,
    rule: Option<RuleKind>,
    normalize: bool,
) -> bool {
    if !io.check(rule) {
        return false;
    }
    let LayerIo { w, c, pre, post } = io;
    match c {
        Coefficients::F32(c) => {
            let io = LayerIo { w, c, pre, post };
            match kernel {
                #[cfg(target_arch = "x86_64")]
                Kernel::Avx2 if avx2_available() => {
                    // SAFETY: AVX2 is available on this CPU (checked just above) and the buffer
                    // lengths were checked by `io.check`.
                    unsafe { avx2::layer_step(io, act, rule, normalize) }
                }
                // SAFETY: the FPv4-SP unit is part of every hard-float ARM target this is
                // compiled for; lengths were checked.
                #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
                Kernel::Vfp => unsafe { by_rule!(vfp, io, act, rule, normalize) },
                // SAFETY: the portable kernel needs no CPU feature; lengths were checked.
                _ => unsafe { by_rule!(scalar, io, act, rule, normalize) },
            }
        }
        // Half-precision tables: the portable kernel widens each coefficient as it reads it
        // (the AVX2 kernel takes it too: on the desktop, rule files are widened once on load);
        // the Cortex-M4F kernel converts in its assembly loop.
        Coefficients::F16(c) => {
            let io = LayerIo { w, c, pre, post };
            match kernel {
                // SAFETY: as above.
                #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
                Kernel::Vfp => unsafe { by_rule!(vfp, io, act, rule, normalize) },
                // SAFETY: as above.
                _ => unsafe { by_rule!(scalar, io, act, rule, normalize) },
            }
        }
    }
    true
}

/// Where one layer's coefficients come from in an update-only pass ([`layer_update`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum LayerCoeffs<'a> {
    /// Per-synapse planes `[n_coeffs][n_out][n_in]` (the layer's block of a
    /// [`CoeffLayout::PerSynapse`](crate::table::CoeffLayout::PerSynapse) table).
    PerSynapse(Coefficients<'a>),
    /// Per-neuron planes `[n_coeffs][stride]` of the whole network
    /// ([`CoeffLayout::PerNeuron`](crate::table::CoeffLayout::PerNeuron)); this layer's
    /// presynaptic neurons start at index `pre`, its postsynaptic ones at `post`. Synapse
    /// (i → j) takes coefficient `k` as `(c[k][pre + i] + c[k][post + j]) · 0.5`.
    PerNeuron {
        /// The whole table.
        c: Coefficients<'a>,
        /// Neurons in the network (the length of a plane).
        stride: usize,
        /// First presynaptic neuron of the layer.
        pre: usize,
        /// First postsynaptic neuron of the layer.
        post: usize,
    },
    /// Shared rules ([`CoeffLayout::Shared`](crate::table::CoeffLayout::Shared)): planes
    /// `[n_coeffs][n_rules]`, and this layer's rule index per synapse (`[n_out][n_in]`).
    Shared {
        /// The rules.
        c: Coefficients<'a>,
        /// Rules in the table (the length of a plane).
        n_rules: usize,
        /// The layer's per-synapse rule indices.
        index: &'a [u16],
    },
}

/// Lanes per vector (and interleaved partial sums per row) in every kernel.
const W: usize = 8;

/// Synapses whose per-neuron coefficients are expanded at a time (a multiple of the lane
/// width, so the spans line up with the lanes of a whole row; 1.5 KB of stack).
const SPAN: usize = 64;

/// The Hebbian update of one layer with *given* activities — `pre` (`n_in`) and `post`
/// (`n_out`), e.g. averaged over a window — instead of the forward pass's own: for every row
/// `j`, `w[j][i] += Δ(c, pre[i], post[j])`, then (if `normalize`) the layer is divided by its
/// max |w|. Every synapse sees the same IEEE operations as in [`layer_step`], so with the step's
/// own activities this gives the fused step's bits, on every kernel. Returns `false` (and does
/// nothing) if the lengths disagree.
pub(crate) fn layer_update(
    kernel: Kernel,
    rule: RuleKind,
    normalize: bool,
    w: &mut [f32],
    coeffs: LayerCoeffs<'_>,
    pre: &[f32],
    post: &[f32],
) -> bool {
    let (n_in, n_out, n) = (pre.len(), post.len(), rule.n_coeffs());
    if n_in == 0 || n == 0 || w.len() != n_in * n_out {
        return false;
    }
    let mut wmax = [0.0f32; W];
    match coeffs {
        LayerCoeffs::PerSynapse(c) => {
            let plane = n_in * n_out;
            if c.len() != n * plane {
                return false;
            }
            for ((j, row), &y) in w.chunks_exact_mut(n_in).enumerate().zip(post) {
                span_update(kernel, rule, normalize, row, c.offset(j * n_in), plane, pre, y, &mut wmax);
            }
        }
        LayerCoeffs::PerNeuron { c, stride, pre: p0, post: q0 } => {
            if p0 + n_in > stride || q0 + n_out > stride || c.len() != n * stride {
                return false;
            }
            let mut scratch = [0.0f32; RuleKind::MAX_COEFFS * SPAN];
            for ((j, row), &y) in w.chunks_exact_mut(n_in).enumerate().zip(post) {
                for (s, (rs, ps)) in row.chunks_mut(SPAN).zip(pre.chunks(SPAN)).enumerate() {
                    let i0 = p0 + s * SPAN;
                    for k in 0..n {
                        let (base, len) = (k * stride, rs.len());
                        let Some(dst) = scratch.get_mut(k * SPAN..k * SPAN + len) else { return false };
                        let ok = match c {
                            Coefficients::F32(c) => expand(dst, c, base + i0, base + q0 + j),
                            Coefficients::F16(c) => expand(dst, c, base + i0, base + q0 + j),
                        };
                        if !ok {
                            return false;
                        }
                    }
                    let sc = Coefficients::F32(&scratch);
                    span_update(kernel, rule, normalize, rs, sc, SPAN, ps, y, &mut wmax);
                }
            }
        }
        LayerCoeffs::Shared { c, n_rules, index } => {
            if index.len() != w.len() || c.len() != n * n_rules {
                return false;
            }
            let mut scratch = [0.0f32; RuleKind::MAX_COEFFS * SPAN];
            for ((row, ix), &y) in w.chunks_exact_mut(n_in).zip(index.chunks_exact(n_in)).zip(post) {
                for (rs, (ps, is)) in row.chunks_mut(SPAN).zip(pre.chunks(SPAN).zip(ix.chunks(SPAN))) {
                    for k in 0..n {
                        let Some(dst) = scratch.get_mut(k * SPAN..k * SPAN + rs.len()) else { return false };
                        let ok = match c {
                            Coefficients::F32(c) => gather(dst, c, k * n_rules, is),
                            Coefficients::F16(c) => gather(dst, c, k * n_rules, is),
                        };
                        if !ok {
                            return false;
                        }
                    }
                    let sc = Coefficients::F32(&scratch);
                    span_update(kernel, rule, normalize, rs, sc, SPAN, ps, y, &mut wmax);
                }
            }
        }
    }
    if normalize {
        // SAFETY: `w` is writable for its length.
        unsafe { scalar::normalize(w.as_mut_ptr(), w.len(), &wmax) };
    }
    true
}

/// `dst[t] = (c[pre + t] + c[post]) · 0.5`: per-neuron coefficients expanded to synapses.
/// `false` if out of range.
#[inline(always)]
fn expand<T: scalar::Coef>(dst: &mut [f32], c: &[T], pre: usize, post: usize) -> bool {
    let (Some(p), Some(q)) = (c.get(pre..pre + dst.len()), c.get(post)) else { return false };
    let q = q.widen();
    for (d, p) in dst.iter_mut().zip(p) {
        *d = (p.widen() + q) * 0.5;
    }
    true
}

/// `dst[t] = c[base + index[t]]`: shared rules gathered for their synapses. `false` if an
/// index is out of range.
#[inline(always)]
fn gather<T: scalar::Coef>(dst: &mut [f32], c: &[T], base: usize, index: &[u16]) -> bool {
    for (d, &i) in dst.iter_mut().zip(index) {
        let Some(v) = c.get(base + usize::from(i)) else { return false };
        *d = v.widen();
    }
    true
}

/// One row span of an update-only pass: `row[i] += Δ(c[k·plane + i], pre[i], post)`; folds
/// the new |w| into `wmax` (by lane `i mod 8`) when `norm`. Spans too short for their planes
/// are skipped (the callers size them).
#[allow(clippy::too_many_arguments)]
fn span_update(
    kernel: Kernel,
    rule: RuleKind,
    norm: bool,
    row: &mut [f32],
    c: Coefficients<'_>,
    plane: usize,
    pre: &[f32],
    post: f32,
    wmax: &mut [f32; W],
) {
    #[cfg(not(target_arch = "x86_64"))]
    let _ = kernel; // only x86_64 has a second kernel for this pass
    let n_in = row.len();
    let need = (rule.n_coeffs() - 1) * plane + n_in;
    if pre.len() != n_in || c.len() < need {
        return;
    }
    macro_rules! portable {
        ($c:expr) => {{
            macro_rules! s {
                ($r:ty) => {
                    if <$r as RuleFn>::N > 0 {
                        // SAFETY: lengths checked above: the row, `pre` and every plane cover
                        // `n_in` floats.
                        unsafe { portable_row::<$r, _>(norm, row, $c, plane, pre, post, wmax) }
                    }
                };
            }
            with_rule!(Some(rule), s)
        }};
    }
    match c {
        #[cfg(target_arch = "x86_64")]
        Coefficients::F32(c) if kernel == Kernel::Avx2 && avx2_available() => {
            // SAFETY: AVX2 is available (checked just above); lengths checked above.
            unsafe { avx2::update_span(row, c, plane, pre, post, rule, norm, wmax) }
        }
        Coefficients::F32(c) => portable!(c),
        Coefficients::F16(c) => portable!(c),
    }
}

/// [`scalar::update_row`] with the normalisation flag as a run-time choice.
///
/// # Safety
/// `pre` as long as `row`; `c` covering `(R::N − 1)·plane + row.len()` values.
#[inline(always)]
unsafe fn portable_row<R: RuleFn, T: scalar::Coef>(
    norm: bool,
    row: &mut [f32],
    c: &[T],
    plane: usize,
    pre: &[f32],
    post: f32,
    wmax: &mut [f32; W],
) {
    let (r, c, p, n) = (row.as_mut_ptr(), c.as_ptr(), pre.as_ptr(), row.len());
    // SAFETY: forwarded from the caller.
    unsafe {
        if norm {
            scalar::update_row::<R, true, T>(r, c, plane, p, post, n, wmax)
        } else {
            scalar::update_row::<R, false, T>(r, c, plane, p, post, n, wmax)
        }
    }
}
