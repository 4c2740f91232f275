//! Borrowed coefficient tables.
//!
//! In memory a network's coefficients are structure-of-arrays: layers in order; inside a layer
//! with `n_in` inputs and `n_out` outputs, `n_coeffs` planes of `[n_out][n_in]` (row-major, the
//! same layout as the weights). So coefficient `k` of synapse (i → j) of a layer sits at
//! `k·n_out·n_in + j·n_in + i` from the layer's start. The interchange layout (docs/method.md, Rules) is
//! converted to and from this one by [`crate::interchange`].

use crate::error::{Error, Result};
use crate::kernel::LayerCoeffs;
use crate::rule::RuleKind;
use crate::shape::{IntoShape, Shape, layer_span};

/// How a table's coefficients map onto synapses. A table carries its layout, and the kernels
/// receive each layer's coefficients from [`RuleTable::layer`]; so a new layout (one rule per
/// neuron, a shared rule per group of synapses through an index, …) is added here and in the
/// kernels, without touching the code that steps a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
#[non_exhaustive]
pub enum CoeffLayout {
    /// Every synapse has its own `n_coeffs` coefficients (the paper's rules), stored
    /// structure-of-arrays per layer (see [`RuleTable`]).
    #[default]
    PerSynapse = 0,
    /// Neuron-centric (Ferigo, Cunegatti & Iacca, GECCO 2024): every *neuron* of the network —
    /// inputs, hidden and outputs — has its own `n_coeffs` coefficients, stored as `n_coeffs`
    /// planes of one value per neuron (neurons numbered layer by layer, inputs first). The
    /// synapse i → j uses, for each coefficient, the mean of its two neurons' values,
    /// `(c_i + c_j) · 0.5`. The quadruped's 61,440 ABCD_lr coefficients become 1,140.
    PerNeuron = 1,
    /// Shared rules (Evolve & Merge, Pedersen & Risi, GECCO 2021): a table of `K` rules, each
    /// `n_coeffs` coefficients (stored as `n_coeffs` planes of `K` values), and for every
    /// synapse the index of the rule it follows (one `u16` per synapse, in the weights'
    /// layout). Built with [`RuleTable::shared`]; `K` is the table's length over `n_coeffs`.
    Shared = 2,
}

impl CoeffLayout {
    /// Checks that `n` coefficients fit this layout for this rule and shape: exactly
    /// [`n_coefficients`](Self::n_coefficients), or, for shared rules, a whole number of rules
    /// between 1 and 65,536.
    pub fn check_count(self, rule: RuleKind, shape: &Shape, n: usize) -> Result<()> {
        let expected = match self {
            CoeffLayout::Shared => {
                let k = rule.n_coeffs();
                if n > 0 && n.is_multiple_of(k) && n / k <= MAX_SHARED_RULES {
                    return Ok(());
                }
                k
            }
            _ => self.n_coefficients(rule, shape),
        };
        if n != expected {
            return Err(Error::Length { what: "coefficient table", expected, got: n });
        }
        Ok(())
    }

    /// The layout with file code `code`.
    pub const fn from_code(code: u8) -> Result<Self> {
        match code {
            0 => Ok(CoeffLayout::PerSynapse),
            1 => Ok(CoeffLayout::PerNeuron),
            2 => Ok(CoeffLayout::Shared),
            _ => Err(Error::InvalidField("coefficient layout")),
        }
    }

    /// The file code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Number of coefficients a rule needs for a network of this shape in this layout (for
    /// [`Shared`](Self::Shared), which holds as many rules as it likes, 0: see
    /// [`check_count`](Self::check_count)).
    pub const fn n_coefficients(self, rule: RuleKind, shape: &Shape) -> usize {
        match self {
            CoeffLayout::Shared => 0,
            CoeffLayout::PerSynapse => shape.n_coefficients(rule),
            CoeffLayout::PerNeuron => rule.n_coeffs().saturating_mul(shape.n_neurons()),
        }
    }
}

/// The most rules a [`CoeffLayout::Shared`] table holds (a synapse's index is a `u16`).
pub const MAX_SHARED_RULES: usize = 1 << 16;

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

    /// Everything from `start` on, or an empty table of the same encoding if out of range.
    pub(crate) fn offset(&self, start: usize) -> Coefficients<'a> {
        match *self {
            Coefficients::F32(c) => Coefficients::F32(c.get(start..).unwrap_or(&[])),
            Coefficients::F16(c) => Coefficients::F16(c.get(start..).unwrap_or(&[])),
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
/// so a table that exists is always the right size for its shape.
///
/// Layout ([`CoeffLayout::PerSynapse`], structure-of-arrays): layers in order; inside a layer
/// with `n_in` inputs and `n_out` outputs, `n_coeffs` planes of `[n_out][n_in]` (row-major,
/// the weights' own layout), so coefficient `k` of synapse (i → j) sits at
/// `k·n_out·n_in + j·n_in + i` from the layer's start. [`crate::interchange`] converts from
/// and to the reference's layout.
#[derive(Debug, Clone, Copy)]
pub struct RuleTable<'a> {
    rule: RuleKind,
    layout: CoeffLayout,
    shape: Shape,
    data: Coefficients<'a>,
    /// Per-synapse rule indices ([`CoeffLayout::Shared`]; empty otherwise).
    index: &'a [u16],
}

impl<'a> RuleTable<'a> {
    /// Wraps `data` (per-synapse, structure-of-arrays layout, see above).
    pub fn new(rule: RuleKind, sizes: impl IntoShape, data: &'a [f32]) -> Result<Self> {
        Self::from_coefficients(rule, sizes, Coefficients::F32(data))
    }

    /// Wraps per-synapse coefficients in either encoding.
    pub fn from_coefficients(rule: RuleKind, sizes: impl IntoShape, data: Coefficients<'a>) -> Result<Self> {
        Self::with_layout(rule, CoeffLayout::PerSynapse, sizes, data)
    }

    /// Wraps coefficients in the given layout and either encoding.
    pub fn with_layout(
        rule: RuleKind,
        layout: CoeffLayout,
        sizes: impl IntoShape,
        data: Coefficients<'a>,
    ) -> Result<Self> {
        let shape = sizes.into_shape()?;
        if layout == CoeffLayout::Shared {
            return Err(Error::InvalidField("shared rules need their synapse index: RuleTable::shared"));
        }
        layout.check_count(rule, &shape, data.len())?;
        Ok(RuleTable { rule, layout, shape, data, index: &[] })
    }

    /// Shared rules ([`CoeffLayout::Shared`]): `rules` holds `K` rules as `n_coeffs` planes of
    /// `K` values, `index` one rule index (< `K`) per synapse, in the weights' layout.
    pub fn shared(
        rule: RuleKind,
        sizes: impl IntoShape,
        rules: Coefficients<'a>,
        index: &'a [u16],
    ) -> Result<Self> {
        let shape = sizes.into_shape()?;
        CoeffLayout::Shared.check_count(rule, &shape, rules.len())?;
        let k = rules.len() / rule.n_coeffs();
        if index.len() != shape.n_synapses() {
            return Err(Error::Length {
                what: "shared rule index",
                expected: shape.n_synapses(),
                got: index.len(),
            });
        }
        if index.iter().any(|&i| usize::from(i) >= k) {
            return Err(Error::InvalidField("shared rule index (a synapse names a rule past the table)"));
        }
        Ok(RuleTable { rule, layout: CoeffLayout::Shared, shape, data: rules, index })
    }

    /// Number of rules of a [`CoeffLayout::Shared`] table (0 for other layouts).
    pub fn n_rules(&self) -> usize {
        if self.layout == CoeffLayout::Shared { self.data.len() / self.rule.n_coeffs() } else { 0 }
    }

    /// The per-synapse rule indices of a [`CoeffLayout::Shared`] table (empty otherwise).
    pub fn index(&self) -> &'a [u16] {
        self.index
    }

    /// Like [`new`](Self::new), but also checks the rule is the one the caller expects.
    pub fn with_expected_rule(
        expected: RuleKind,
        got: RuleKind,
        sizes: impl IntoShape,
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

    /// The coefficient layout.
    pub fn layout(&self) -> CoeffLayout {
        self.layout
    }

    /// The network shape the table is for.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The layer sizes the table is for (the same as [`shape`](Self::shape)).
    pub fn sizes(&self) -> &[usize] {
        &self.shape
    }

    /// All coefficients.
    pub fn data(&self) -> Coefficients<'a> {
        self.data
    }

    /// The coefficients of plastic layer `l` of a [`CoeffLayout::PerSynapse`] table (its
    /// `n_coeffs` planes); empty past the last layer and for other layouts (whose layers share
    /// coefficients across layers: the network expands them as it updates).
    pub fn layer(&self, l: usize) -> Coefficients<'a> {
        if l >= self.shape.depth() {
            return self.data.range(0, 0);
        }
        match self.layout {
            CoeffLayout::PerNeuron | CoeffLayout::Shared => self.data.range(0, 0),
            CoeffLayout::PerSynapse => {
                let (start, len) = layer_span(&self.shape, l, self.rule.n_coeffs());
                // A checked range rather than indexing: the length was checked in `new`, but
                // the optimiser cannot see that, and the firmware links with a no-panic check.
                // An empty slice is rejected by the kernel's own length check.
                self.data.range(start, len)
            }
        }
    }

    /// Where plastic layer `l`'s coefficients are, for the update-only pass.
    pub(crate) fn layer_coeffs(&self, l: usize) -> LayerCoeffs<'a> {
        match self.layout {
            CoeffLayout::PerSynapse => LayerCoeffs::PerSynapse(self.layer(l)),
            CoeffLayout::PerNeuron => {
                let pre: usize = self.shape.iter().take(l).sum();
                let post = pre + self.shape.get(l).copied().unwrap_or(0);
                LayerCoeffs::PerNeuron { c: self.data, stride: self.shape.n_neurons(), pre, post }
            }
            CoeffLayout::Shared => {
                let (start, len) = layer_span(&self.shape, l, 1);
                let index = self.index.get(start..start + len).unwrap_or(&[]);
                LayerCoeffs::Shared { c: self.data, n_rules: self.n_rules(), index }
            }
        }
    }
}
