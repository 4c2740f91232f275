//! The host ↔ microcontroller wire protocol: the framing of the control loop between a host
//! and the firmware (`hebb-mcu`), shared by both. Observation and action lengths are the
//! network's (the rule file's first and last layer sizes): a message carries as many floats
//! as it has, and buffers are sized with [`max_raw`] / [`max_encoded`] for the network.
//!
//! Every message is
//!
//! ```text
//! kind u8 · payload · CRC-32 (ISO-HDLC, little-endian) of kind and payload
//! ```
//!
//! COBS-encoded (so it contains no zero byte) and terminated by one `0x00`. Floats travel as
//! their IEEE-754 bit patterns, little-endian, so a NaN or a `-0.0` arrives unchanged.
//!
//! | kind | direction | message | payload |
//! |---|---|---|---|
//! | `0x01` | host → MCU | [`Request::Reset`] | seed, u64 |
//! | `0x02` | host → MCU | [`Request::Step`] | f32 observation (the network's input size) |
//! | `0x03` | host → MCU | [`Request::Timing`] | — |
//! | `0x80` | MCU → host | [`Reply::Ready`] | rule status u8, synapse count u32 |
//! | `0x81` | MCU → host | [`Reply::ResetDone`] | seed, u64 |
//! | `0x82` | MCU → host | [`Reply::Action`] | f32 action (the network's output size) |
//! | `0x83` | MCU → host | [`Reply::Timing`] | four u32 (see [`Timing`]) |
//! | `0xEE` | MCU → host | [`Reply::Error`] | [`ErrorCode`] u8, detail u32 |
//!
//! Everything here is heap-free and panic-free: malformed input of any kind is reported as an
//! [`ErrorCode`], never a panic, so the firmware can answer it and keep running. The error
//! codes are defined next to the error type, [`ErrorCode`], and `hebb-core` errors travel as
//! [`core_error_number`].

use core::fmt;

mod cobs;
mod code;

use cobs::Writer;
pub use cobs::{FrameReader, cobs_decode, cobs_encode};
pub use code::{ErrorCode, core_error_number};

/// Largest unencoded message of a link whose observations and actions have at most
/// `max_floats` floats: kind, payload, CRC (at least the 16-byte timing reply's).
pub const fn max_raw(max_floats: usize) -> usize {
    let floats = 4 * max_floats;
    1 + if floats > 16 { floats } else { 16 } + 4
}

/// Largest encoded message including its `0x00` delimiter, for [`max_raw`]`(max_floats)`:
/// COBS adds one byte per 254 and one more.
pub const fn max_encoded(max_floats: usize) -> usize {
    let raw = max_raw(max_floats);
    raw + raw / 254 + 1 + 1
}

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

const K_RESET: u8 = 0x01;
const K_STEP: u8 = 0x02;
const K_TIMING: u8 = 0x03;
const K_READY: u8 = 0x80;
const K_RESET_DONE: u8 = 0x81;
const K_ACTION: u8 = 0x82;
const K_TIMING_REPLY: u8 = 0x83;
const K_ERROR: u8 = 0xEE;

/// A message's floats: either values to send, or the received little-endian bytes (read in
/// place, any alignment). Equality compares bit patterns, so a NaN equals itself.
#[derive(Clone, Copy)]
pub struct Floats<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    Values(&'a [f32]),
    Bytes(&'a [u8]),
}

impl<'a> Floats<'a> {
    /// Floats to send.
    pub const fn new(values: &'a [f32]) -> Self {
        Floats(Repr::Values(values))
    }

    /// The little-endian bytes of a received payload (a multiple of 4 long).
    fn from_bytes(b: &'a [u8]) -> Result<Self, ErrorCode> {
        if !b.len().is_multiple_of(4) {
            return Err(ErrorCode::Length);
        }
        Ok(Floats(Repr::Bytes(b)))
    }

    /// Number of floats.
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Values(v) => v.len(),
            Repr::Bytes(b) => b.len() / 4,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Float `i`.
    pub fn get(&self, i: usize) -> Option<f32> {
        match self.0 {
            Repr::Values(v) => v.get(i).copied(),
            Repr::Bytes(b) => match *b.get(4 * i..4 * i + 4)? {
                [a, b, c, d] => Some(f32::from_le_bytes([a, b, c, d])),
                _ => None,
            },
        }
    }

    /// The floats in order.
    pub fn iter(&self) -> impl Iterator<Item = f32> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.get(i).unwrap_or(f32::NAN))
    }

    /// Copies the floats into `dst`, which must have exactly [`len`](Self::len) entries
    /// ([`ErrorCode::Length`] otherwise).
    pub fn copy_to(&self, dst: &mut [f32]) -> Result<(), ErrorCode> {
        if dst.len() != self.len() {
            return Err(ErrorCode::Length);
        }
        for (d, v) in dst.iter_mut().zip(self.iter()) {
            *d = v;
        }
        Ok(())
    }
}

impl PartialEq for Floats<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().zip(o.iter()).all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl fmt::Debug for Floats<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Host → MCU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Request<'a> {
    /// Draw fresh initial weights from `Xoshiro256PlusPlus::seed_from_u64(seed)` (the rule file's
    /// initialisation, `U(-0.1, 0.1)` for the quadruped) and clear the activations.
    Reset {
        /// RNG seed.
        seed: u64,
    },
    /// One control step: forward pass and Hebbian update on this observation.
    Step {
        /// The observation (the network's input size).
        obs: Floats<'a>,
    },
    /// Ask for the duration of the last step ([`Reply::Timing`]).
    Timing,
}

/// Step timing as measured by the firmware with SysTick.
///
/// Under QEMU with `-icount shift=0` every instruction advances virtual time by exactly 1 ns,
/// and SysTick counts virtual time, so `step_ticks · calib_instructions / calib_ticks` is the
/// instruction count of the step (the calibration loop has a known instruction count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// SysTick ticks spent in the last `Network::step` call.
    pub step_ticks: u32,
    /// SysTick ticks spent in the calibration loop.
    pub calib_ticks: u32,
    /// Instructions the calibration loop executes.
    pub calib_instructions: u32,
    /// Deepest stack use since boot, in bytes (stack painting), or 0 if not measured.
    pub stack_peak_bytes: u32,
}

/// MCU → host.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reply<'a> {
    /// Sent once at boot.
    Ready {
        /// 0 if the flashed rule file loaded; otherwise [`core_error_number`] of the reason.
        rule_status: u8,
        /// Number of plastic synapses of the network.
        n_synapses: u32,
    },
    /// A [`Request::Reset`] was applied.
    ResetDone {
        /// The seed used.
        seed: u64,
    },
    /// The action of a [`Request::Step`] (the network's output size).
    Action(Floats<'a>),
    /// Answer to [`Request::Timing`].
    Timing(Timing),
    /// The request could not be decoded or executed; the loop goes on.
    Error {
        /// What went wrong.
        code: ErrorCode,
        /// Code-specific detail (an index, a `hebb-core` error number) or 0.
        detail: u32,
    },
}

/// COBS-decodes `frame` into `raw` and checks its CRC; returns the kind and the payload.
fn open<'b>(frame: &[u8], raw: &'b mut [u8]) -> Result<(u8, &'b [u8]), ErrorCode> {
    let n = cobs_decode(frame, raw)?;
    if n < 5 {
        return Err(ErrorCode::TooShort);
    }
    let msg = raw.get(..n).ok_or(ErrorCode::Overflow)?;
    let (body, crc) = msg.split_at_checked(n - 4).ok_or(ErrorCode::TooShort)?;
    let &[c0, c1, c2, c3] = crc else { return Err(ErrorCode::TooShort) };
    if CRC.checksum(body) != u32::from_le_bytes([c0, c1, c2, c3]) {
        return Err(ErrorCode::Crc);
    }
    let (&kind, payload) = body.split_first().ok_or(ErrorCode::TooShort)?;
    Ok((kind, payload))
}

fn read_u32(b: &[u8]) -> Result<u32, ErrorCode> {
    match *b {
        [a, b, c, d] => Ok(u32::from_le_bytes([a, b, c, d])),
        _ => Err(ErrorCode::Length),
    }
}

fn read_u64(b: &[u8]) -> Result<u64, ErrorCode> {
    match *b {
        [a, b, c, d, e, f, g, h] => Ok(u64::from_le_bytes([a, b, c, d, e, f, g, h])),
        _ => Err(ErrorCode::Length),
    }
}

impl<'a> Request<'a> {
    /// Encodes the request into `out` ([`max_encoded`]`(n)` bytes are enough for `n` floats),
    /// delimiter included; returns the number of bytes written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, ErrorCode> {
        let mut w = Writer::new(out);
        match *self {
            Request::Reset { seed } => {
                w.put(&[K_RESET])?;
                w.put(&seed.to_le_bytes())?;
            }
            Request::Step { obs } => {
                w.put(&[K_STEP])?;
                w.floats(obs)?;
            }
            Request::Timing => w.put(&[K_TIMING])?,
        }
        w.seal()
    }

    /// Decodes one frame (the bytes between two delimiters, without them), using `scratch`
    /// ([`max_raw`] bytes for the link) for the decoded bytes the request borrows.
    pub fn decode(frame: &[u8], scratch: &'a mut [u8]) -> Result<Request<'a>, ErrorCode> {
        let (kind, p) = open(frame, scratch)?;
        match kind {
            K_RESET => Ok(Request::Reset { seed: read_u64(p)? }),
            K_STEP => Ok(Request::Step { obs: Floats::from_bytes(p)? }),
            K_TIMING if p.is_empty() => Ok(Request::Timing),
            K_TIMING => Err(ErrorCode::Length),
            _ => Err(ErrorCode::UnknownKind),
        }
    }
}

impl<'a> Reply<'a> {
    /// Encodes the reply into `out` ([`max_encoded`]`(n)` bytes are enough for `n` floats),
    /// delimiter included; returns the number of bytes written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, ErrorCode> {
        let mut w = Writer::new(out);
        match *self {
            Reply::Ready { rule_status, n_synapses } => {
                w.put(&[K_READY, rule_status])?;
                w.put(&n_synapses.to_le_bytes())?;
            }
            Reply::ResetDone { seed } => {
                w.put(&[K_RESET_DONE])?;
                w.put(&seed.to_le_bytes())?;
            }
            Reply::Action(a) => {
                w.put(&[K_ACTION])?;
                w.floats(a)?;
            }
            Reply::Timing(t) => {
                w.put(&[K_TIMING_REPLY])?;
                w.put(&t.step_ticks.to_le_bytes())?;
                w.put(&t.calib_ticks.to_le_bytes())?;
                w.put(&t.calib_instructions.to_le_bytes())?;
                w.put(&t.stack_peak_bytes.to_le_bytes())?;
            }
            Reply::Error { code, detail } => {
                w.put(&[K_ERROR, code as u8])?;
                w.put(&detail.to_le_bytes())?;
            }
        }
        w.seal()
    }

    /// Decodes one frame (the bytes between two delimiters, without them), using `scratch`
    /// ([`max_raw`] bytes for the link) for the decoded bytes the reply borrows.
    pub fn decode(frame: &[u8], scratch: &'a mut [u8]) -> Result<Reply<'a>, ErrorCode> {
        let (kind, p) = open(frame, scratch)?;
        match (kind, p) {
            (K_READY, [status, rest @ ..]) => {
                Ok(Reply::Ready { rule_status: *status, n_synapses: read_u32(rest)? })
            }
            (K_RESET_DONE, _) => Ok(Reply::ResetDone { seed: read_u64(p)? }),
            (K_ACTION, _) => Ok(Reply::Action(Floats::from_bytes(p)?)),
            (K_TIMING_REPLY, _) if p.len() == 16 => {
                let word = |k: usize| p.get(4 * k..4 * k + 4).map_or(Err(ErrorCode::Length), read_u32);
                Ok(Reply::Timing(Timing {
                    step_ticks: word(0)?,
                    calib_ticks: word(1)?,
                    calib_instructions: word(2)?,
                    stack_peak_bytes: word(3)?,
                }))
            }
            (K_ERROR, [code, rest @ ..]) => Ok(Reply::Error {
                code: ErrorCode::from_u8(*code).ok_or(ErrorCode::UnknownKind)?,
                detail: read_u32(rest)?,
            }),
            (K_READY | K_TIMING_REPLY | K_ERROR, _) => Err(ErrorCode::Length),
            _ => Err(ErrorCode::UnknownKind),
        }
    }
}

#[cfg(test)]
mod tests;
