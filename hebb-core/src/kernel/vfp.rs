//! The Cortex-M4F kernel (ARMv7E-M with the FPv4-SP unit, `thumbv7em-none-eabihf`): a layer's
//! forward pass and its ABCD_lr update as two loops of hand-scheduled VFP assembly over all
//! rows; the activations, the other rules and normalisation are the portable code of
//! [`super::scalar`].
//!
//! **Same bits.** Each synapse goes through exactly the IEEE operations of the portable kernel,
//! in the same order. The forward pass keeps the eight partial sums in `s16–s23` (lane `k` sums
//! the inputs `i ≡ k mod 8`) and reduces them with the same tree; the update is
//! `w + c3·((((c0·pre)·post + c1·pre) + c2·post) + c4)`. `vmla.f32` is the FPv4-SP's *chained*
//! multiply-accumulate — the product is rounded before the addition — so it is a `vmul`
//! followed by a `vadd`, bit for bit (the fused form is `vfma`, never used here). All forward
//! passes of a layer run before its updates: a row's dot product reads only its own weights,
//! which no other row's update touches, so the order changes nothing. The firmware's parity test
//! (`tests/tests/firmware.rs`) checks every action bit against the desktop kernels.
//!
//! **Why assembly.** What the M4 counts is instructions, and compiled Rust spends most of them
//! on single `vldr`/`vstr` (VFP loads have no register-offset form, and LLVM does not merge
//! them) and on per-row bookkeeping. Here every load and store is a `vldmia`/`vstmia` of four or
//! eight registers with write-back, and the pointers run on from one row to the next (rows and
//! coefficient planes are contiguous), so an ABCD_lr synapse costs 6 arithmetic instructions
//! plus ¼ of the 8 block transfers of its group of four, and a forward synapse one `vmla` plus
//! ¼ of a transfer.
//!
//! **Half precision.** With an `f16` table the same loop loads each plane's four coefficients as
//! two words and widens them with `vcvtb`/`vcvtt` (exact), so it computes exactly what the
//! widened `f32` table gives; the portable update widens with `vcvtb` too.
//!
//! Layers whose input count is not a multiple of 4 take the portable kernel.

use core::arch::asm;

use super::scalar::{self, Coef};
use super::{LayerIo, W};
use crate::activation::Activation;
use crate::rule::RuleFn;
use crate::rule::RuleKind;

/// What `vldmia` zeroes the eight partial sums from. (Float operands in registers need the
/// `vfp2` target feature, which the single-precision M4F target does not have; register
/// clobbers do not, so values travel through memory or core registers.)
static ZERO: [f32; W] = [0.0; W];

/// # Safety
/// `io` lengths must have been checked.
#[inline(always)]
pub(crate) unsafe fn step<R: RuleFn, const NORM: bool, T: Coef>(io: LayerIo<'_, &[T]>, act: Activation) {
    let n_in = io.pre.len();
    let n_out = io.post.len();
    if !n_in.is_multiple_of(4) || n_out == 0 {
        // SAFETY: forwarded.
        return unsafe { scalar::step::<R, NORM, T>(io, act) };
    }
    let w = io.w.as_mut_ptr();
    let pre = io.pre.as_ptr();
    // SAFETY: lengths checked by the caller: n_out rows of n_in weights, n_in inputs, n_out
    // outputs; n_in is a non-zero multiple of 4 and n_out > 0.
    unsafe { forward(w, pre, io.post.as_mut_ptr(), n_in, n_out) };
    activate(io.post, act);
    if R::N == 0 {
        return;
    }
    let plane = n_in * n_out;
    let c = io.c.as_ptr();
    let post = io.post.as_ptr();
    // Block loads need word alignment: f32 planes always have it; f16 planes when the table
    // starts on a word and a plane has an even length (rows of n_in ≡ 0 mod 4 halves then keep it).
    let aligned = !T::F16 || (c as usize).is_multiple_of(4) && plane.is_multiple_of(2);
    // SAFETY: (both branches) R::N planes of n_out·n_in coefficients, checked by the caller.
    unsafe {
        if !NORM && matches!(R::KIND, Some(RuleKind::ABCDLr)) && aligned {
            update_abcd_lr(w, c.cast(), plane * size_of::<T>(), T::F16, pre, post, n_in);
        } else {
            let mut wmax = [0.0f32; W];
            for j in 0..n_out {
                let row = w.add(j * n_in);
                scalar::update_row::<R, NORM, T>(
                    row,
                    c.add(j * n_in),
                    plane,
                    pre,
                    *post.add(j),
                    n_in,
                    &mut wmax,
                );
            }
            if NORM {
                scalar::normalize(w, plane, &wmax);
            }
        }
    }
}

/// Applies the activation in place (one copy for all instantiations).
#[inline(never)]
fn activate(post: &mut [f32], act: Activation) {
    for y in post {
        *y = act.apply(*y);
    }
}

/// One group of eight inputs of the forward pass: `s16+k += w[k]·pre[k]`.
macro_rules! dot8 {
    () => {
        concat!(
            "vldmia {w}!, {{s0-s7}}\n",
            "vldmia {p}!, {{s8-s15}}\n",
            "vmla.f32 s16, s0, s8\n",
            "vmla.f32 s17, s1, s9\n",
            "vmla.f32 s18, s2, s10\n",
            "vmla.f32 s19, s3, s11\n",
            "vmla.f32 s20, s4, s12\n",
            "vmla.f32 s21, s5, s13\n",
            "vmla.f32 s22, s6, s14\n",
            "vmla.f32 s23, s7, s15\n",
        )
    };
}

/// Writes each row's dot product `Σ w[j][i]·pre[i]` (eight partial sums, the portable
/// reduction tree) to `out[j]`.
///
/// # Safety
/// `w` readable for `n_out·n_in` floats, `pre` for `n_in`, `out` writable for `n_out`;
/// `n_in` a non-zero multiple of 4, `n_out > 0`.
// One copy for every rule's instantiation (a call per layer).
#[inline(never)]
unsafe fn forward(w: *const f32, pre: *const f32, out: *mut f32, n_in: usize, n_out: usize) {
    let n8 = n_in / W;
    let half = u32::from(!n_in.is_multiple_of(W)); // then exactly 4 inputs are left
    // SAFETY: reads n_out rows of n_in weights (the pointer runs on from row to row), n_in
    // inputs per row and ZERO; writes n_out sums; only the declared registers change.
    unsafe {
        asm!(
            "2:",
            "vldmia {z}, {{s16-s23}}",
            "mov {p}, {pre}",
            // Pairs of groups of eight, an odd group first: `lsrs` leaves C = the odd bit and
            // Z = (no pairs); VFP arithmetic and transfers do not touch the APSR flags.
            "lsrs {k}, {n8}, #1",
            "bcc 3f",
            dot8!(),
            "3:",
            "beq 5f",
            "4:",
            dot8!(),
            dot8!(),
            "subs {k}, {k}, #1",
            "bne 4b",
            "5:",
            "cmp {half}, #0",
            "beq 6f",
            "vldmia {w}!, {{s0-s3}}",
            "vldmia {p}!, {{s8-s11}}",
            "vmla.f32 s16, s0, s8",
            "vmla.f32 s17, s1, s9",
            "vmla.f32 s18, s2, s10",
            "vmla.f32 s19, s3, s11",
            "6:",
            // ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))
            "vadd.f32 s0, s16, s20",
            "vadd.f32 s1, s18, s22",
            "vadd.f32 s2, s17, s21",
            "vadd.f32 s3, s19, s23",
            "vadd.f32 s0, s0, s1",
            "vadd.f32 s2, s2, s3",
            "vadd.f32 s0, s0, s2",
            "vstmia {out}!, {{s0}}",
            "subs {rows}, {rows}, #1",
            "bne 2b",
            z = in(reg) ZERO.as_ptr(),
            pre = in(reg) pre,
            n8 = in(reg) n8,
            half = in(reg) half,
            w = inout(reg) w => _,
            out = inout(reg) out => _,
            rows = inout(reg) n_out => _,
            p = out(reg) _,
            k = out(reg) _,
            out("s0") _,
            out("s1") _,
            out("s2") _,
            out("s3") _,
            out("s4") _,
            out("s5") _,
            out("s6") _,
            out("s7") _,
            out("s8") _,
            out("s9") _,
            out("s10") _,
            out("s11") _,
            out("s12") _,
            out("s13") _,
            out("s14") _,
            out("s15") _,
            out("s16") _,
            out("s17") _,
            out("s18") _,
            out("s19") _,
            out("s20") _,
            out("s21") _,
            out("s22") _,
            out("s23") _,
            options(nostack),
        );
    }
}

/// The ABCD_lr arithmetic of one group of four synapses, once its operands are in registers:
/// s0–s3 pre, s4–s7 c0 (becomes the rule's sum t), s8–s11 c1, s12–s15 c2, s16–s19 c4, s20 post.
/// Leaves `t = (((c0·pre)·post + c1·pre) + c2·post) + c4` in s4–s7; s8–s15 are free after it.
macro_rules! abcd_lr_sum {
    () => {
        concat!(
            // t = c0·pre
            "vmul.f32 s4, s4, s0\n",
            "vmul.f32 s5, s5, s1\n",
            "vmul.f32 s6, s6, s2\n",
            "vmul.f32 s7, s7, s3\n",
            // t = t·post
            "vmul.f32 s4, s4, s20\n",
            "vmul.f32 s5, s5, s20\n",
            "vmul.f32 s6, s6, s20\n",
            "vmul.f32 s7, s7, s20\n",
            // t = t + c1·pre
            "vmla.f32 s4, s8, s0\n",
            "vmla.f32 s5, s9, s1\n",
            "vmla.f32 s6, s10, s2\n",
            "vmla.f32 s7, s11, s3\n",
            // t = t + c2·post
            "vmla.f32 s4, s12, s20\n",
            "vmla.f32 s5, s13, s20\n",
            "vmla.f32 s6, s14, s20\n",
            "vmla.f32 s7, s15, s20\n",
            // t = t + c4
            "vadd.f32 s4, s4, s16\n",
            "vadd.f32 s5, s5, s17\n",
            "vadd.f32 s6, s6, s18\n",
            "vadd.f32 s7, s7, s19\n",
        )
    };
}

/// `w = w + c3·t` for the group, c3 in s8–s11 and t in s4–s7; stores the weights and moves
/// `{w}` on.
macro_rules! abcd_lr_apply {
    () => {
        concat!(
            "vldmia {w}, {{s12-s15}}\n",
            "vmla.f32 s12, s8, s4\n",
            "vmla.f32 s13, s9, s5\n",
            "vmla.f32 s14, s10, s6\n",
            "vmla.f32 s15, s11, s7\n",
            "vstmia {w}!, {{s12-s15}}\n",
        )
    };
}

/// ABCD_lr on one group of four synapses with `f32` coefficient planes: five block loads of
/// the planes and one of `pre`, the arithmetic, c3 loaded into the freed s8–s11, the weights.
macro_rules! abcd_lr4 {
    () => {
        concat!(
            "vldmia {p}!, {{s0-s3}}\n",
            "vldmia {c0}!, {{s4-s7}}\n",
            "vldmia {c1}!, {{s8-s11}}\n",
            "vldmia {c2}!, {{s12-s15}}\n",
            "vldmia {c4}!, {{s16-s19}}\n",
            abcd_lr_sum!(),
            "vldmia {c3}!, {{s8-s11}}\n",
            abcd_lr_apply!(),
        )
    };
}

/// `f16` → `f32` of four coefficients loaded as two words into `$a`, `$b`: widens them in place
/// into `$a, $b, $c, $d` (high half of a word = the later coefficient), exactly.
macro_rules! widen4 {
    ($a:literal, $b:literal, $c:literal, $d:literal) => {
        concat!(
            "vcvtt.f32.f16 ",
            $d,
            ", ",
            $b,
            "\n",
            "vcvtb.f32.f16 ",
            $c,
            ", ",
            $b,
            "\n",
            "vcvtt.f32.f16 ",
            $b,
            ", ",
            $a,
            "\n",
            "vcvtb.f32.f16 ",
            $a,
            ", ",
            $a,
            "\n",
        )
    };
}

/// [`abcd_lr4`] on half-precision coefficient planes: each plane's four coefficients are one
/// two-word block load and four conversions (`vcvtb`/`vcvtt`, exact), then the same arithmetic.
macro_rules! abcd_lr4_f16 {
    () => {
        concat!(
            "vldmia {p}!, {{s0-s3}}\n",
            "vldmia {c0}!, {{s4-s5}}\n",
            "vldmia {c1}!, {{s8-s9}}\n",
            "vldmia {c2}!, {{s12-s13}}\n",
            "vldmia {c4}!, {{s16-s17}}\n",
            widen4!("s4", "s5", "s6", "s7"),
            widen4!("s8", "s9", "s10", "s11"),
            widen4!("s12", "s13", "s14", "s15"),
            widen4!("s16", "s17", "s18", "s19"),
            abcd_lr_sum!(),
            "vldmia {c3}!, {{s8-s9}}\n",
            widen4!("s8", "s9", "s10", "s11"),
            abcd_lr_apply!(),
        )
    };
}

/// The ABCD_lr update of every row, `post[j]` the row's postsynaptic activity; coefficient
/// planes of `plane_bytes` bytes from `c`, `f32` or (`f16`) half precision.
///
/// # Safety
/// `w` writable for `n_out·n_in` floats, five coefficient planes of `n_out·n_in` values from
/// `c`, word-aligned, `pre` readable for `n_in`, `post` for `n_out`; `n_in` a non-zero multiple
/// of 4, `n_out > 0`.
#[inline(always)]
unsafe fn update_abcd_lr(
    w: *mut f32,
    c: *const u8,
    plane_bytes: usize,
    f16: bool,
    pre: *const f32,
    post: *const f32,
    n_in: usize,
) {
    // SAFETY: the five planes, the end of the weights and of the inputs are inside the buffers
    // (the weights have as many entries as a plane).
    let (c, wend, pend) = unsafe {
        let n_w = plane_bytes / if f16 { 2 } else { 4 };
        ([0, 1, 2, 3, 4].map(|k| c.add(k * plane_bytes)), w.add(n_w), pre.add(n_in))
    };
    // Groups of four per row, in pairs; an odd count does one group first. The pointers run on
    // from row to row; `p` restarts at `pre`.
    macro_rules! rows {
        ($group:ident $(, $lead:expr)*) => {
            asm!(
                "2:",
                "vldmia {post}!, {{s20}}",
                "mov {p}, {pre}",
                $($lead,)*
                "3:",
                $group!(),
                $group!(),
                "cmp {p}, {pend}",
                "bne 3b",
                "4:",
                "cmp {w}, {wend}",
                "bne 2b",
                pre = in(reg) pre,
                pend = in(reg) pend,
                wend = in(reg) wend,
                post = inout(reg) post => _,
                w = inout(reg) w => _,
                c0 = inout(reg) c[0] => _,
                c1 = inout(reg) c[1] => _,
                c2 = inout(reg) c[2] => _,
                c3 = inout(reg) c[3] => _,
                c4 = inout(reg) c[4] => _,
                p = out(reg) _,
                out("s0") _,
                out("s1") _,
                out("s2") _,
                out("s3") _,
                out("s4") _,
                out("s5") _,
                out("s6") _,
                out("s7") _,
                out("s8") _,
                out("s9") _,
                out("s10") _,
                out("s11") _,
                out("s12") _,
                out("s13") _,
                out("s14") _,
                out("s15") _,
                out("s16") _,
                out("s17") _,
                out("s18") _,
                out("s19") _,
                out("s20") _,
                options(nostack),
            )
        };
    }
    // SAFETY: reads pre, post and the five planes and reads and writes the weights, each
    // within the spans above; only the declared registers change.
    unsafe {
        let odd = !(n_in / 4).is_multiple_of(2);
        match (f16, odd) {
            (false, true) => rows!(abcd_lr4, abcd_lr4!(), "cmp {p}, {pend}", "beq 4f"),
            (false, false) => rows!(abcd_lr4),
            (true, true) => rows!(abcd_lr4_f16, abcd_lr4_f16!(), "cmp {p}, {pend}", "beq 4f"),
            (true, false) => rows!(abcd_lr4_f16),
        }
    }
}
