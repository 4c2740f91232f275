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
