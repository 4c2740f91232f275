//! The error codes of the wire protocol, and the numbers `hebb-core` errors travel as.

use core::fmt;

use crate::error::Error;

/// What went wrong with a frame or a request. Sent back in
/// [`Reply::Error`](super::Reply::Error) and returned by the decoders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ErrorCode {
    /// The bytes are not valid COBS.
    Cobs = 1,
    /// Fewer bytes than a kind and a CRC.
    TooShort = 2,
    /// The CRC does not match the content.
    Crc = 3,
    /// The kind byte is not one this side understands.
    UnknownKind = 4,
    /// The payload length does not fit the kind.
    Length = 5,
    /// The frame is longer than the receive buffer (or an output buffer is too small).
    Overflow = 6,
    /// A step's observation holds a NaN or an infinity; `detail` is its index. The network is
    /// unchanged.
    NonFiniteObservation = 7,
    /// The firmware has no usable rule (its flashed rule file failed to load); `detail` is
    /// [`core_error_number`] of the reason.
    NoRule = 8,
    /// Another `hebb-core` error; `detail` is [`core_error_number`].
    Core = 9,
}

impl ErrorCode {
    /// The code for a byte value, if it is one.
    pub const fn from_u8(v: u8) -> Option<ErrorCode> {
        Some(match v {
            1 => ErrorCode::Cobs,
            2 => ErrorCode::TooShort,
            3 => ErrorCode::Crc,
            4 => ErrorCode::UnknownKind,
            5 => ErrorCode::Length,
            6 => ErrorCode::Overflow,
            7 => ErrorCode::NonFiniteObservation,
            8 => ErrorCode::NoRule,
            9 => ErrorCode::Core,
            _ => return None,
        })
    }

    /// The code and detail word reporting a `hebb-core` error from a step.
    pub fn from_core(e: &Error) -> (ErrorCode, u32) {
        match *e {
            Error::NonFiniteObservation { index } => {
                (ErrorCode::NonFiniteObservation, u32::try_from(index).unwrap_or(u32::MAX))
            }
            ref other => (ErrorCode::Core, core_error_number(other)),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorCode::Cobs => "frame is not valid COBS",
            ErrorCode::TooShort => "frame is shorter than a kind byte and a CRC",
            ErrorCode::Crc => "frame CRC mismatch",
            ErrorCode::UnknownKind => "unknown message kind",
            ErrorCode::Length => "payload length does not fit the message kind",
            ErrorCode::Overflow => "frame does not fit the buffer",
            ErrorCode::NonFiniteObservation => "observation is not finite",
            ErrorCode::NoRule => "no usable rule file in the firmware",
            ErrorCode::Core => "hebb-core error",
        })
    }
}

impl core::error::Error for ErrorCode {}

/// The number a `hebb-core` [`Error`] travels as in the detail word of an error reply:
/// [`Error::number`], which is defined next to the error type so that a new variant gets its
/// number where it is declared.
pub fn core_error_number(e: &Error) -> u32 {
    e.number()
}
