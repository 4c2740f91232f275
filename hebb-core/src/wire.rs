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

use crate::error::Error;

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

/// What went wrong with a frame or a request. Sent back in [`Reply::Error`] and returned by the
/// decoders.
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

/// A stable number for each `hebb-core` [`Error`] variant (1-based, in declaration order), for
/// the detail word of an error reply.
pub fn core_error_number(e: &Error) -> u32 {
    match e {
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

/// Writes a message straight into its COBS encoding in `out`, with the CRC computed on the
/// way; reports overflow instead of panicking.
struct Writer<'a> {
    out: &'a mut [u8],
    /// Where the current block's code byte goes.
    code_at: usize,
    /// Next output position.
    at: usize,
    code: u8,
    crc: crc::Digest<'static, u32>,
}

impl<'a> Writer<'a> {
    fn new(out: &'a mut [u8]) -> Self {
        Writer { out, code_at: 0, at: 1, code: 1, crc: CRC.digest() }
    }

    fn set(&mut self, at: usize, v: u8) -> Result<(), ErrorCode> {
        *self.out.get_mut(at).ok_or(ErrorCode::Overflow)? = v;
        Ok(())
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<(), ErrorCode> {
        for &b in bytes {
            if b == 0 {
                self.set(self.code_at, self.code)?;
                self.code_at = self.at;
                self.at += 1;
                self.code = 1;
            } else {
                self.set(self.at, b)?;
                self.at += 1;
                self.code += 1;
                if self.code == 0xFF {
                    self.set(self.code_at, self.code)?;
                    self.code_at = self.at;
                    self.at += 1;
                    self.code = 1;
                }
            }
        }
        Ok(())
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), ErrorCode> {
        self.crc.update(bytes);
        self.raw(bytes)
    }

    fn floats(&mut self, v: Floats<'_>) -> Result<(), ErrorCode> {
        for x in v.iter() {
            self.put(&x.to_le_bytes())?;
        }
        Ok(())
    }

    /// Appends the CRC, closes the last block and writes the delimiter; returns the length.
    fn seal(mut self) -> Result<usize, ErrorCode> {
        let crc = core::mem::replace(&mut self.crc, CRC.digest()).finalize().to_le_bytes();
        self.raw(&crc)?;
        self.set(self.code_at, self.code)?;
        self.set(self.at, 0)?;
        Ok(self.at + 1)
    }
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

/// COBS-encodes `src` into `dst` (no delimiter); returns the encoded length.
pub fn cobs_encode(src: &[u8], dst: &mut [u8]) -> Result<usize, ErrorCode> {
    fn put(dst: &mut [u8], at: usize, v: u8) -> Result<(), ErrorCode> {
        *dst.get_mut(at).ok_or(ErrorCode::Overflow)? = v;
        Ok(())
    }
    let mut code_at = 0;
    let mut out = 1;
    let mut code: u8 = 1;
    for &b in src {
        if b == 0 {
            put(dst, code_at, code)?;
            code_at = out;
            out += 1;
            code = 1;
        } else {
            put(dst, out, b)?;
            out += 1;
            code += 1;
            if code == 0xFF {
                put(dst, code_at, code)?;
                code_at = out;
                out += 1;
                code = 1;
            }
        }
    }
    put(dst, code_at, code)?;
    Ok(out)
}

/// Decodes a COBS frame (without its delimiter) into `dst`; returns the decoded length.
pub fn cobs_decode(src: &[u8], dst: &mut [u8]) -> Result<usize, ErrorCode> {
    let mut out = 0;
    let mut rest = src;
    while let Some((&code, tail)) = rest.split_first() {
        if code == 0 {
            return Err(ErrorCode::Cobs);
        }
        let run = usize::from(code - 1);
        let (block, tail) = tail.split_at_checked(run).ok_or(ErrorCode::Cobs)?;
        let end = out + run;
        let d = dst.get_mut(out..end).ok_or(ErrorCode::Overflow)?;
        for (d, &s) in d.iter_mut().zip(block) {
            if s == 0 {
                return Err(ErrorCode::Cobs);
            }
            *d = s;
        }
        out = end;
        rest = tail;
        if code != 0xFF && !rest.is_empty() {
            *dst.get_mut(out).ok_or(ErrorCode::Overflow)? = 0;
            out += 1;
        }
    }
    Ok(out)
}

/// Collects bytes from a stream into delimiter-terminated frames, in a fixed buffer of `N`
/// bytes. Empty frames (two delimiters in a row) are skipped, so a sender may send a `0x00`
/// first to resynchronise.
#[derive(Debug, Clone)]
pub struct FrameReader<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Default for FrameReader<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> FrameReader<N> {
    /// An empty reader.
    pub const fn new() -> Self {
        FrameReader { buf: [0; N], len: 0, overflow: false }
    }

    /// Feeds one byte. At a delimiter that ends a non-empty frame, returns the frame (without
    /// the delimiter), or [`ErrorCode::Overflow`] if it did not fit (its bytes are dropped).
    pub fn push(&mut self, byte: u8) -> Option<Result<&[u8], ErrorCode>> {
        if byte != 0 {
            match self.buf.get_mut(self.len) {
                Some(slot) => {
                    *slot = byte;
                    self.len += 1;
                }
                None => self.overflow = true,
            }
            return None;
        }
        let (n, overflow) = (self.len, self.overflow);
        self.len = 0;
        self.overflow = false;
        if overflow {
            return Some(Err(ErrorCode::Overflow));
        }
        if n == 0 {
            return None;
        }
        Some(self.buf.get(..n).ok_or(ErrorCode::Overflow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_of(encoded: &[u8]) -> &[u8] {
        assert_eq!(encoded.last(), Some(&0));
        &encoded[..encoded.len() - 1]
    }

    const OBS_LEN: usize = 28;
    const MAX_RAW: usize = max_raw(OBS_LEN);
    const MAX_ENCODED: usize = max_encoded(OBS_LEN);

    #[test]
    fn requests_round_trip() {
        let mut obs = [0.0f32; OBS_LEN];
        for (k, o) in obs.iter_mut().enumerate() {
            *o = (k as f32 - 13.5) * 0.37;
        }
        obs[3] = -0.0;
        obs[4] = 0.0; // zero bytes must survive COBS
        for req in [
            Request::Reset { seed: 0 },
            Request::Reset { seed: u64::MAX },
            Request::Step { obs: Floats::new(&obs) },
            Request::Step { obs: Floats::new(&obs[..3]) },
            Request::Timing,
        ] {
            let mut buf = [0u8; MAX_ENCODED];
            let n = req.encode(&mut buf).unwrap();
            assert!(!buf[..n - 1].contains(&0), "COBS output contains a zero");
            let mut scratch = [0u8; MAX_RAW];
            let back = Request::decode(frame_of(&buf[..n]), &mut scratch).unwrap();
            assert_eq!(req, back);
        }
        // A long observation (the car head's 648 floats: COBS blocks of 254) round-trips too.
        let long: std::vec::Vec<f32> = (0..648).map(|i| if i % 3 == 0 { 0.0 } else { i as f32 }).collect();
        let mut buf = std::vec![0u8; max_encoded(648)];
        let n = Request::Step { obs: Floats::new(&long) }.encode(&mut buf).unwrap();
        assert!(n <= max_encoded(648));
        let mut scratch = std::vec![0u8; max_raw(648)];
        let Request::Step { obs } = Request::decode(frame_of(&buf[..n]), &mut scratch).unwrap() else {
            panic!("not a step")
        };
        let mut back = std::vec![0.0; 648];
        obs.copy_to(&mut back).unwrap();
        assert_eq!(back, long);
        assert_eq!(obs.copy_to(&mut [0.0; 3]), Err(ErrorCode::Length));
    }

    #[test]
    fn replies_round_trip() {
        let replies = [
            Reply::Ready { rule_status: 0, n_synapses: 12_288 },
            Reply::ResetDone { seed: 42 },
            Reply::Action(Floats::new(&[0.5, -0.25, 0.0, 1.0, -1.0, 1e-30, 3.0, -7.5])),
            Reply::Timing(Timing {
                step_ticks: 1,
                calib_ticks: 2,
                calib_instructions: 3,
                stack_peak_bytes: 4,
            }),
            Reply::Error { code: ErrorCode::Crc, detail: 0xdead_beef },
        ];
        for r in replies {
            let mut buf = [0u8; MAX_ENCODED];
            let n = r.encode(&mut buf).unwrap();
            let mut scratch = [0u8; MAX_RAW];
            assert_eq!(Reply::decode(frame_of(&buf[..n]), &mut scratch).unwrap(), r);
        }
    }

    #[test]
    fn corruption_is_detected() {
        let mut buf = [0u8; MAX_ENCODED];
        let n = Request::Step { obs: Floats::new(&[0.125; OBS_LEN]) }.encode(&mut buf).unwrap();
        let mut s = [0u8; MAX_RAW];
        for i in 0..n - 1 {
            for flip in [1u8, 0x80] {
                let mut f = buf;
                f[i] ^= flip;
                if f[i] == 0 {
                    continue; // would split the frame; covered by the reader test
                }
                assert!(Request::decode(&f[..n - 1], &mut s).is_err(), "flip {flip:#x} at {i} not detected");
            }
        }
        assert_eq!(Request::decode(&[], &mut s), Err(ErrorCode::TooShort));
        assert_eq!(Request::decode(&[0x02, 0x01], &mut s), Err(ErrorCode::TooShort));
        assert_eq!(Request::decode(&[0x05, 1, 2], &mut s), Err(ErrorCode::Cobs));
        // A frame longer than the scratch buffer is an overflow, not a panic.
        assert_eq!(Request::decode(&buf[..n - 1], &mut [0u8; 8]), Err(ErrorCode::Overflow));
    }

    #[test]
    fn wrong_kind_and_length_are_reported() {
        let mut out = [0u8; MAX_ENCODED];
        // A reply is not a request.
        let n = Reply::ResetDone { seed: 1 }.encode(&mut out).unwrap();
        let mut s = [0u8; MAX_RAW];
        assert_eq!(Request::decode(&out[..n - 1], &mut s), Err(ErrorCode::UnknownKind));
        // A reset with a 4-byte seed.
        let mut w = Writer::new(&mut out);
        w.put(&[K_RESET, 1, 2, 3, 4]).unwrap();
        let n = w.seal().unwrap();
        assert_eq!(Request::decode(&out[..n - 1], &mut s), Err(ErrorCode::Length));
        // A step whose payload is not whole floats.
        let mut w = Writer::new(&mut out);
        w.put(&[K_STEP, 1, 2, 3]).unwrap();
        let n = w.seal().unwrap();
        assert_eq!(Request::decode(&out[..n - 1], &mut s), Err(ErrorCode::Length));
    }

    #[test]
    fn cobs_handles_long_runs() {
        for len in [0usize, 1, 253, 254, 255, 300, 508] {
            let src: std::vec::Vec<u8> =
                (0..len).map(|i| if i % 97 == 5 { 0 } else { (i % 251 + 1) as u8 }).collect();
            let mut enc = [0u8; 600];
            let n = cobs_encode(&src, &mut enc).unwrap();
            assert!(!enc[..n].contains(&0));
            let mut dec = [0u8; 600];
            let m = cobs_decode(&enc[..n], &mut dec).unwrap();
            assert_eq!(&dec[..m], &src[..]);
        }
        let mut small = [0u8; 3];
        assert_eq!(cobs_encode(&[1, 2, 3, 4], &mut small), Err(ErrorCode::Overflow));
    }

    #[test]
    fn reader_splits_frames_and_reports_overflow() {
        let mut r = FrameReader::<8>::new();
        let mut got = std::vec::Vec::new();
        for &b in &[0u8, 1, 2, 0, 0, 3, 0] {
            if let Some(f) = r.push(b) {
                got.push(f.unwrap().to_vec());
            }
        }
        assert_eq!(got, [std::vec![1, 2], std::vec![3]]);
        for b in 1..=20u8 {
            assert!(r.push(b).is_none());
        }
        assert_eq!(r.push(0), Some(Err(ErrorCode::Overflow)));
        // The reader recovers.
        assert!(r.push(7).is_none());
        assert_eq!(r.push(0), Some(Ok(&[7u8][..])));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for _ in 0..20_000 {
            let mut b = [0u8; 130];
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 130) as usize;
            for (k, x) in b.iter_mut().enumerate() {
                *x = (state >> (k % 8 * 8)) as u8 ^ k as u8;
            }
            // Random bytes pass COBS and a CRC-32 with probability < 2^-32 per case.
            let mut s = [0u8; MAX_RAW];
            assert!(Request::decode(&b[..len], &mut s).is_err());
            assert!(Reply::decode(&b[..len], &mut s).is_err());
        }
    }
}
