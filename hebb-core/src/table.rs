//! Borrowed coefficient tables.
//!
//! In memory a network's coefficients are structure-of-arrays: layers in order; inside a layer
//! with `n_in` inputs and `n_out` outputs, `n_coeffs` planes of `[n_out][n_in]` (row-major, the
//! same layout as the weights). So coefficient `k` of synapse (i → j) of a layer sits at
//! `k·n_out·n_in + j·n_in + i` from the layer's start. The interchange layout (docs/method.md, Rules) is
//! converted to and from this one by [`crate::interchange`].

use crate::error::{Error, Result};
use crate::rule::RuleKind;

/// Layer sizes of a three-layer network: `[input, hidden 1, hidden 2, output]`.
pub type Sizes = [usize; 4];

/// Number of synapses of a network with these sizes.
pub const fn n_synapses(s: Sizes) -> usize {
    s[0] * s[1] + s[1] * s[2] + s[2] * s[3]
}

/// Number of coefficients a rule needs for a network with these sizes.
pub const fn n_coefficients(rule: RuleKind, s: Sizes) -> usize {
    rule.n_coeffs() * n_synapses(s)
}

/// A table's coefficients and how they are stored.
#[derive(Debug, Clone, Copy)]
pub enum Coefficients<'a> {
    /// Single precision.
    F32(&'a [f32]),
    /// IEEE-754 half-precision bit patterns (rule files with
    /// [`Encoding::F16`](crate::rulefile::Encoding::F16)). Each value widens exactly to `f32`,
    /// and a network on such a table computes exactly what it computes on the widened `f32`
    /// table, on every kernel.
    F16(&'a [u16]),
}

impl<'a> Coefficients<'a> {
    /// Number of coefficients.
    pub fn len(&self) -> usize {
        match self {
            Coefficients::F32(c) => c.len(),
            Coefficients::F16(c) => c.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Coefficient `i` as `f32` (widened exactly from `f16`).
    pub fn get(&self, i: usize) -> Option<f32> {
        match self {
            Coefficients::F32(c) => c.get(i).copied(),
            Coefficients::F16(c) => c.get(i).map(|&h| widen_f16(h)),
        }
    }

    /// `start..start + len`, or an empty table of the same encoding if out of range.
    fn range(&self, start: usize, len: usize) -> Coefficients<'a> {
        match *self {
            Coefficients::F32(c) => Coefficients::F32(c.get(start..start + len).unwrap_or(&[])),
            Coefficients::F16(c) => Coefficients::F16(c.get(start..start + len).unwrap_or(&[])),
        }
    }
}

/// The `f32` value of an IEEE-754 half-precision bit pattern (exact; the payload of a NaN is
/// unspecified).
#[inline(always)]
pub fn widen_f16(h: u16) -> f32 {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    {
        // The FPU's own conversion (one `vcvtb`), exact like the software one, which costs
        // about a hundred instructions on the Cortex-M4.
        let out: u32;
        // SAFETY: register moves and one conversion; only s0 is written, declared.
        unsafe {
            core::arch::asm!(
                "vmov s0, {h}",
                "vcvtb.f32.f16 s0, s0",
                "vmov {out}, s0",
                h = in(reg) u32::from(h),
                out = lateout(reg) out,
                out("s0") _,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        f32::from_bits(out)
    }
    #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
    {
        half::f16::from_bits(h).to_f32()
    }
}

/// A rule and its coefficients for a network of given sizes, borrowed from wherever they live
/// (flash on a microcontroller, a heap allocation on desktop). Construction checks the length,
/// so a table that exists is always the right size for its sizes.
///
/// Layout (structure-of-arrays): layers in order; inside a layer with `n_in` inputs and `n_out`
/// outputs, `n_coeffs` planes of `[n_out][n_in]` (row-major, the weights' own layout), so
/// coefficient `k` of synapse (i → j) sits at `k·n_out·n_in + j·n_in + i` from the layer's
/// start. [`crate::interchange`] converts from and to the reference's layout.
#[derive(Debug, Clone, Copy)]
pub struct RuleTable<'a> {
    rule: RuleKind,
    sizes: Sizes,
    data: Coefficients<'a>,
}

impl<'a> RuleTable<'a> {
    /// Wraps `data` (structure-of-arrays layout, see the module docs).
    pub fn new(rule: RuleKind, sizes: Sizes, data: &'a [f32]) -> Result<Self> {
        Self::from_coefficients(rule, sizes, Coefficients::F32(data))
    }

    /// Wraps coefficients in either encoding (structure-of-arrays layout).
    pub fn from_coefficients(rule: RuleKind, sizes: Sizes, data: Coefficients<'a>) -> Result<Self> {
        let expected = n_coefficients(rule, sizes);
        if data.len() != expected {
            return Err(Error::Length { what: "coefficient table", expected, got: data.len() });
        }
        Ok(RuleTable { rule, sizes, data })
    }

    /// Like [`new`](Self::new), but also checks the rule is the one the caller expects.
    pub fn with_expected_rule(
        expected: RuleKind,
        got: RuleKind,
        sizes: Sizes,
        data: &'a [f32],
    ) -> Result<Self> {
        if expected != got {
            return Err(Error::RuleMismatch { expected, got });
        }
        Self::new(got, sizes, data)
    }

    /// The rule.
    pub fn rule(&self) -> RuleKind {
        self.rule
    }

    /// The network sizes the table is for.
    pub fn sizes(&self) -> Sizes {
        self.sizes
    }

    /// All coefficients.
    pub fn data(&self) -> Coefficients<'a> {
        self.data
    }

    /// The coefficient planes of layer `l` (0, 1 or 2).
    pub fn layer(&self, l: usize) -> Coefficients<'a> {
        let (start, len) = layer_span(self.sizes, l, self.rule.n_coeffs());
        // A checked range rather than indexing: the length was checked in `new`, but the
        // optimiser cannot see that, and the firmware links with a no-panic check. An empty
        // slice is rejected by the kernel's own length check.
        self.data.range(start, len)
    }
}

/// Start and length of layer `l`'s block in a per-synapse table with `per` values per synapse.
pub(crate) const fn layer_span(s: Sizes, l: usize, per: usize) -> (usize, usize) {
    let mut start = 0;
    let mut k = 0;
    while k < l {
        start += s[k] * s[k + 1] * per;
        k += 1;
    }
    (start, s[l] * s[l + 1] * per)
}
