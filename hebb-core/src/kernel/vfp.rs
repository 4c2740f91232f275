//! The Cortex-M4F kernel (ARMv7E-M with the FPv4-SP unit, `thumbv7em-none-eabihf`): the bulk
//! of the forward pass and of the ABCD_lr update in hand-scheduled VFP assembly, everything else
//! (tails, reduction tree, activation, the other rules, normalisation) in the portable code of
//! [`super::scalar`], through its [`Assist`] hooks.
//!
//! **Same bits.** Each synapse goes through exactly the IEEE operations of the portable kernel,
//! in the same order: the eight partial sums of the forward pass are the eight registers
//! `s16–s23` (lane `k` sums the inputs `i ≡ k mod 8`), and the update is
//! `w + c3·((((c0·pre)·post + c1·pre) + c2·post) + c4)`. `vmla.f32` is the FPv4-SP's
//! *chained* multiply-accumulate — the product is rounded before the addition — so it is a
//! `vmul` followed by a `vadd`, bit for bit (the fused form is `vfma`, never used here). The
//! half chunk of the forward pass leaves lanes 4–7 alone where the portable kernel adds
//! `0·0 = +0.0` to them: a partial sum starts at `+0.0` and can never become `−0.0` (a sum is
//! `−0.0` only when both addends are), so adding `+0.0` never changes it. The firmware's parity
//! test (`tests/tests/firmware.rs`) checks every action bit against the desktop kernels.
//!
//! **Why assembly.** What the M4 counts is instructions, and compiled Rust spends most of them
//! on single `vldr`/`vstr` (VFP loads have no register-offset form and LLVM does not merge them).
//! Here every load and store is a `vldmia`/`vstmia` of four or eight registers with write-back,
//! so an ABCD_lr synapse costs 6 arithmetic instructions plus ¼ of the 8 block transfers of its
//! group of four, and a forward synapse 1 `vmla` plus ¼ of a transfer.

use core::arch::asm;

use super::W;
use super::rules::RuleFn;
use super::scalar::Assist;
use crate::rule::RuleKind;

/// The assembly hooks.
pub(crate) struct Vfp;

impl Assist for Vfp {
    #[inline(always)]
    unsafe fn dot(row: *const f32, pre: *const f32, n_in: usize, acc: &mut [f32; W]) -> usize {
        let n8 = n_in / W;
        let half = n_in % W >= 4;
        if n8 == 0 && !half {
            return 0;
        }
        // SAFETY: reads `row[..8·n8 (+4)]` and `pre[..8·n8 (+4)]`, within the `n_in` floats the
        // caller guarantees, and reads and writes the eight sums of `acc`; writes only the
        // declared registers. (The sums travel through memory: float operands need the `vfp2`
        // target feature, which the single-precision M4F target lacks; clobbers do not.)
        unsafe {
            asm!(
                "vldmia {acc}, {{s16-s23}}",
                "cmp {n8}, #0",
                "beq 3f",
                "2:",
                "vldmia {w}!, {{s0-s7}}",
                "vldmia {p}!, {{s8-s15}}",
                "vmla.f32 s16, s0, s8",
                "vmla.f32 s17, s1, s9",
                "vmla.f32 s18, s2, s10",
                "vmla.f32 s19, s3, s11",
                "vmla.f32 s20, s4, s12",
                "vmla.f32 s21, s5, s13",
                "vmla.f32 s22, s6, s14",
                "vmla.f32 s23, s7, s15",
                "subs {n8}, {n8}, #1",
                "bne 2b",
                "3:",
                "cmp {half}, #0",
                "beq 4f",
                "vldmia {w}!, {{s0-s3}}",
                "vldmia {p}!, {{s8-s11}}",
                "vmla.f32 s16, s0, s8",
                "vmla.f32 s17, s1, s9",
                "vmla.f32 s18, s2, s10",
                "vmla.f32 s19, s3, s11",
                "4:",
                "vstmia {acc}, {{s16-s23}}",
                acc = in(reg) acc.as_mut_ptr(),
                w = inout(reg) row => _,
                p = inout(reg) pre => _,
                n8 = inout(reg) n8 => _,
                half = in(reg) half as u32,
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
        n8 * W + if half { 4 } else { 0 }
    }

    #[inline(always)]
    unsafe fn update<R: RuleFn, const NORM: bool>(
        row: *mut f32,
        crow: *const f32,
        plane: usize,
        pre: *const f32,
        post: f32,
        n_in: usize,
    ) -> usize {
        if NORM || !matches!(R::KIND, Some(RuleKind::ABCDLr)) {
            return 0;
        }
        let groups = n_in / 4;
        if groups == 0 {
            return 0;
        }
        // SAFETY: five coefficient planes (ABCD_lr), each readable for n_in floats from crow.
        let c = unsafe { [0, 1, 2, 3, 4].map(|k| crow.add(k * plane)) };
        // Registers: s0–s3 pre, s4–s7 the rule's sum, s8–s11 c1 then c3, s12–s15 c2 then w,
        // s16–s19 c4, s20 post. Groups of four synapses; pairs of groups per loop turn, an odd
        // group first. `lsrs` leaves C = the odd bit and Z = (no pairs); VFP arithmetic and
        // transfers do not touch the APSR flags.
        macro_rules! abcd_lr {
            ($($group:literal),*) => {
                asm!(
                    "vmov s20, {post}",
                    "lsrs {n}, {n}, #1",
                    "bcc 2f",
                    $($group,)*
                    "2:",
                    "beq 4f",
                    "3:",
                    $($group,)*
                    $($group,)*
                    "subs {n}, {n}, #1",
                    "bne 3b",
                    "4:",
                    n = inout(reg) groups => _,
                    p = inout(reg) pre => _,
                    w = inout(reg) row => _,
                    c0 = inout(reg) c[0] => _,
                    c1 = inout(reg) c[1] => _,
                    c2 = inout(reg) c[2] => _,
                    c3 = inout(reg) c[3] => _,
                    c4 = inout(reg) c[4] => _,
                    post = in(reg) post.to_bits(),
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
        // SAFETY: reads pre, the five planes and the row for 4·groups ≤ n_in floats and writes
        // the same span of the row; only the declared registers are written.
        unsafe {
            abcd_lr!(
                "vldmia {p}!, {{s0-s3}}",
                "vldmia {c0}!, {{s4-s7}}",
                "vldmia {c1}!, {{s8-s11}}",
                "vldmia {c2}!, {{s12-s15}}",
                "vldmia {c4}!, {{s16-s19}}",
                // t = c0·pre
                "vmul.f32 s4, s4, s0",
                "vmul.f32 s5, s5, s1",
                "vmul.f32 s6, s6, s2",
                "vmul.f32 s7, s7, s3",
                // t = t·post
                "vmul.f32 s4, s4, s20",
                "vmul.f32 s5, s5, s20",
                "vmul.f32 s6, s6, s20",
                "vmul.f32 s7, s7, s20",
                // t = t + c1·pre
                "vmla.f32 s4, s8, s0",
                "vmla.f32 s5, s9, s1",
                "vmla.f32 s6, s10, s2",
                "vmla.f32 s7, s11, s3",
                // t = t + c2·post
                "vmla.f32 s4, s12, s20",
                "vmla.f32 s5, s13, s20",
                "vmla.f32 s6, s14, s20",
                "vmla.f32 s7, s15, s20",
                // t = t + c4
                "vadd.f32 s4, s4, s16",
                "vadd.f32 s5, s5, s17",
                "vadd.f32 s6, s6, s18",
                "vadd.f32 s7, s7, s19",
                // w = w + c3·t
                "vldmia {c3}!, {{s8-s11}}",
                "vldmia {w}, {{s12-s15}}",
                "vmla.f32 s12, s8, s4",
                "vmla.f32 s13, s9, s5",
                "vmla.f32 s14, s10, s6",
                "vmla.f32 s15, s11, s7",
                "vstmia {w}!, {{s12-s15}}"
            );
        }
        groups * 4
    }
}
