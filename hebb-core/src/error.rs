//! Error types of the core. Small, `Copy`, and precise about what was wrong.

use core::fmt;

use crate::rule::RuleKind;
use crate::shape::Layers;

/// Everything that can go wrong in `hebb-core`. Library code returns these; it never panics on
/// bad input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// A coefficient (or weight) table has the wrong number of elements.
    Length {
        /// What was being checked.
        what: &'static str,
        /// The number of elements the network needs.
        expected: usize,
        /// The number of elements supplied.
        got: usize,
    },
    /// A coefficient table was made for a different rule than the one requested.
    RuleMismatch {
        /// The rule the caller expected.
        expected: RuleKind,
        /// The rule the table holds.
        got: RuleKind,
    },
    /// A rule code or name that is not one of the nine rules of the family.
    UnknownRule(u8),
    /// An observation entry is NaN or infinite. The step was rejected and the network state
    /// (weights, activations) is unchanged.
    NonFiniteObservation {
        /// Index of the first offending entry.
        index: usize,
    },
    /// A rule file does not start with the `HEBB` magic.
    BadMagic,
    /// A rule file has a format version this build cannot read.
    UnsupportedVersion(u16),
    /// A rule table or file is for a network of other sizes than the one it is used with.
    ShapeMismatch {
        /// The layer sizes the receiving network has.
        expected: Layers,
        /// The layer sizes the table or file declares.
        got: Layers,
    },
    /// The input ended before the declared content.
    Truncated,
    /// The CRC-32 over the file does not match the stored one.
    CrcMismatch {
        /// The CRC stored in the file.
        stored: u32,
        /// The CRC computed over the bytes.
        computed: u32,
    },
    /// A header field holds a value outside its allowed set.
    InvalidField(&'static str),
    /// The coefficient payload is not aligned for a zero-copy view.
    Misaligned,
}

impl Error {
    /// A stable number for each variant (1-based, in declaration order; never reused): how the
    /// error travels over the host ↔ MCU wire protocol, as the detail word of a
    /// [`crate::wire::ErrorCode::Core`] or [`crate::wire::ErrorCode::NoRule`] reply.
    pub const fn number(&self) -> u32 {
        match self {
            Error::Length { .. } => 1,
            Error::RuleMismatch { .. } => 2,
            Error::UnknownRule(_) => 3,
            Error::NonFiniteObservation { .. } => 4,
            Error::BadMagic => 5,
            Error::UnsupportedVersion(_) => 6,
            Error::ShapeMismatch { .. } => 7,
            Error::Truncated => 8,
            Error::CrcMismatch { .. } => 9,
            Error::InvalidField(_) => 10,
            Error::Misaligned => 11,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Length { what, expected, got } => {
                write!(f, "{what}: expected {expected} elements, got {got}")
            }
            Error::RuleMismatch { expected, got } => {
                write!(f, "coefficient table is for rule {got}, expected rule {expected}")
            }
            Error::UnknownRule(code) => write!(f, "unknown rule code {code}"),
            Error::NonFiniteObservation { index } => {
                write!(f, "observation[{index}] is not finite; step rejected, state unchanged")
            }
            Error::BadMagic => f.write_str("not a hebb rule file (bad magic)"),
            Error::UnsupportedVersion(v) => write!(f, "unsupported rule-file format version {v}"),
            Error::ShapeMismatch { expected, got } => {
                write!(f, "rule is for a {got} network, this one is {expected}")
            }
            Error::Truncated => f.write_str("input is truncated"),
            Error::CrcMismatch { stored, computed } => write!(
                f,
                "CRC mismatch: file says {stored:#010x}, contents give {computed:#010x} (corrupt file)"
            ),
            Error::InvalidField(name) => write!(f, "invalid value in header field `{name}`"),
            Error::Misaligned => f.write_str("coefficient payload is not 4-byte aligned"),
        }
    }
}

impl core::error::Error for Error {}

/// `Result` with the core [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::Error;

    /// The wire numbers are 1, 2, … in declaration order, one per variant.
    #[test]
    fn wire_numbers_are_distinct_and_in_order() {
        let all = [
            Error::Length { what: "x", expected: 1, got: 2 },
            Error::RuleMismatch { expected: crate::RuleKind::A, got: crate::RuleKind::ABCDLr },
            Error::UnknownRule(99),
            Error::NonFiniteObservation { index: 3 },
            Error::BadMagic,
            Error::UnsupportedVersion(9),
            Error::ShapeMismatch { expected: crate::AntNet::SHAPE.into(), got: crate::CarHead::SHAPE.into() },
            Error::Truncated,
            Error::CrcMismatch { stored: 1, computed: 2 },
            Error::InvalidField("f"),
            Error::Misaligned,
        ];
        let numbers: [u32; 11] = core::array::from_fn(|i| all[i].number());
        assert_eq!(numbers, core::array::from_fn(|i| i as u32 + 1));
        assert_eq!(crate::wire::core_error_number(&Error::Misaligned), 11);
    }
}
