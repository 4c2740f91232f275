//! Framing of the control loop between a host and the firmware (`hebb-mcu`), shared by both.
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
//! | `0x02` | host → MCU | [`Request::Step`] | 28 × f32 observation |
//! | `0x03` | host → MCU | [`Request::Timing`] | — |
//! | `0x80` | MCU → host | [`Reply::Ready`] | rule status u8, synapse count u32 |
//! | `0x81` | MCU → host | [`Reply::ResetDone`] | seed, u64 |
//! | `0x82` | MCU → host | [`Reply::Action`] | 8 × f32 action |
//! | `0x83` | MCU → host | [`Reply::Timing`] | four u32 (see [`Timing`]) |
//! | `0xEE` | MCU → host | [`Reply::Error`] | [`ErrorCode`] u8, detail u32 |
//!
//! Everything here is heap-free and panic-free: malformed input of any kind is reported as an
//! [`ErrorCode`], never a panic, so the firmware can answer it and keep running.

use core::fmt;

use crate::error::Error;

/// Observation length of a [`Request::Step`] (the quadruped network's input).
pub const OBS_LEN: usize = 28;
/// Action length of a [`Reply::Action`] (the quadruped network's output).
pub const ACTION_LEN: usize = 8;
/// Largest unencoded message: a step request (kind, 28 floats, CRC).
pub const MAX_RAW: usize = 1 + 4 * OBS_LEN + 4;
/// Largest encoded message including its `0x00` delimiter: COBS adds one byte per 254 and one
/// more.
pub const MAX_ENCODED: usize = MAX_RAW + MAX_RAW / 254 + 1 + 1;

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

/// Host → MCU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Request {
    /// Draw fresh initial weights from `Xoshiro256PlusPlus::seed_from_u64(seed)` (the rule file's
    /// initialisation, `U(-0.1, 0.1)` for the quadruped) and clear the activations.
    Reset {
        /// RNG seed.
        seed: u64,
    },
    /// One control step: forward pass and Hebbian update on this observation.
    Step {
        /// The observation.
        obs: [f32; OBS_LEN],
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
pub enum Reply {
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
    /// The action of a [`Request::Step`].
    Action([f32; ACTION_LEN]),
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

/// Writes payload bytes into a fixed buffer; reports overflow instead of panicking.
struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), ErrorCode> {
        let end = self.len.checked_add(bytes.len()).ok_or(ErrorCode::Overflow)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(ErrorCode::Overflow)?;
        for (d, s) in dst.iter_mut().zip(bytes) {
            *d = *s;
        }
        self.len = end;
        Ok(())
    }

    fn floats(&mut self, v: &[f32]) -> Result<(), ErrorCode> {
        for x in v {
            self.put(&x.to_le_bytes())?;
        }
        Ok(())
    }
}

/// Adds the CRC to the raw message in `raw[..len]`, COBS-encodes it into `out` and appends the
/// delimiter. Returns the number of bytes written.
fn seal(raw: &mut [u8; MAX_RAW], len: usize, out: &mut [u8]) -> Result<usize, ErrorCode> {
    let body = raw.get(..len).ok_or(ErrorCode::Overflow)?;
    let crc = CRC.checksum(body).to_le_bytes();
    let mut w = Writer { buf: raw, len };
    w.put(&crc)?;
    let total = w.len;
    let msg = raw.get(..total).ok_or(ErrorCode::Overflow)?;
    let n = cobs_encode(msg, out)?;
    *out.get_mut(n).ok_or(ErrorCode::Overflow)? = 0;
    Ok(n + 1)
}

/// COBS-decodes `frame` and checks its CRC; returns the kind and the payload.
fn open<'b>(frame: &[u8], raw: &'b mut [u8; MAX_RAW]) -> Result<(u8, &'b [u8]), ErrorCode> {
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

fn read_floats<const N: usize>(b: &[u8]) -> Result<[f32; N], ErrorCode> {
    if b.len() != 4 * N {
        return Err(ErrorCode::Length);
    }
    let mut out = [0.0f32; N];
    for (o, c) in out.iter_mut().zip(b.chunks_exact(4)) {
        *o = f32::from_bits(read_u32(c)?);
    }
    Ok(out)
}

impl Request {
    /// Encodes the request into `out` (at least [`MAX_ENCODED`] bytes is always enough),
    /// delimiter included; returns the number of bytes written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, ErrorCode> {
        let mut raw = [0u8; MAX_RAW];
        let mut w = Writer { buf: &mut raw, len: 0 };
        match self {
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
        let len = w.len;
        seal(&mut raw, len, out)
    }

    /// Decodes one frame (the bytes between two delimiters, without them).
    pub fn decode(frame: &[u8]) -> Result<Request, ErrorCode> {
        let mut raw = [0u8; MAX_RAW];
        let (kind, p) = open(frame, &mut raw)?;
        match kind {
            K_RESET => Ok(Request::Reset { seed: read_u64(p)? }),
            K_STEP => Ok(Request::Step { obs: read_floats(p)? }),
            K_TIMING if p.is_empty() => Ok(Request::Timing),
            K_TIMING => Err(ErrorCode::Length),
            _ => Err(ErrorCode::UnknownKind),
        }
    }
}

impl Reply {
    /// Encodes the reply into `out` (at least [`MAX_ENCODED`] bytes is always enough),
    /// delimiter included; returns the number of bytes written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, ErrorCode> {
        let mut raw = [0u8; MAX_RAW];
        let mut w = Writer { buf: &mut raw, len: 0 };
        match self {
            Reply::Ready { rule_status, n_synapses } => {
                w.put(&[K_READY, *rule_status])?;
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
                w.put(&[K_ERROR, *code as u8])?;
                w.put(&detail.to_le_bytes())?;
            }
        }
        let len = w.len;
        seal(&mut raw, len, out)
    }

    /// Decodes one frame (the bytes between two delimiters, without them).
    pub fn decode(frame: &[u8]) -> Result<Reply, ErrorCode> {
        let mut raw = [0u8; MAX_RAW];
        let (kind, p) = open(frame, &mut raw)?;
        match (kind, p) {
            (K_READY, [status, rest @ ..]) => {
                Ok(Reply::Ready { rule_status: *status, n_synapses: read_u32(rest)? })
            }
            (K_RESET_DONE, _) => Ok(Reply::ResetDone { seed: read_u64(p)? }),
            (K_ACTION, _) => Ok(Reply::Action(read_floats(p)?)),
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
            Request::Step { obs },
            Request::Timing,
        ] {
            let mut buf = [0u8; MAX_ENCODED];
            let n = req.encode(&mut buf).unwrap();
            assert!(!buf[..n - 1].contains(&0), "COBS output contains a zero");
            let back = Request::decode(frame_of(&buf[..n])).unwrap();
            match (req, back) {
                (Request::Step { obs: a }, Request::Step { obs: b }) => {
                    assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits))
                }
                (a, b) => assert_eq!(a, b),
            }
        }
    }

    #[test]
    fn replies_round_trip() {
        let replies = [
            Reply::Ready { rule_status: 0, n_synapses: 12_288 },
            Reply::ResetDone { seed: 42 },
            Reply::Action([0.5, -0.25, 0.0, 1.0, -1.0, 1e-30, 3.0, -7.5]),
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
            assert_eq!(Reply::decode(frame_of(&buf[..n])).unwrap(), r);
        }
    }

    #[test]
    fn corruption_is_detected() {
        let mut buf = [0u8; MAX_ENCODED];
        let n = Request::Step { obs: [0.125; OBS_LEN] }.encode(&mut buf).unwrap();
        for i in 0..n - 1 {
            for flip in [1u8, 0x80] {
                let mut f = buf;
                f[i] ^= flip;
                if f[i] == 0 {
                    continue; // would split the frame; covered by the reader test
                }
                assert!(Request::decode(&f[..n - 1]).is_err(), "flip {flip:#x} at {i} not detected");
            }
        }
        assert_eq!(Request::decode(&[]), Err(ErrorCode::TooShort));
        assert_eq!(Request::decode(&[0x02, 0x01]), Err(ErrorCode::TooShort));
        assert_eq!(Request::decode(&[0x05, 1, 2]), Err(ErrorCode::Cobs));
    }

    #[test]
    fn wrong_kind_and_length_are_reported() {
        let mut out = [0u8; MAX_ENCODED];
        // A reply is not a request.
        let n = Reply::ResetDone { seed: 1 }.encode(&mut out).unwrap();
        assert_eq!(Request::decode(&out[..n - 1]), Err(ErrorCode::UnknownKind));
        // A reset with a 4-byte seed.
        let mut raw = [0u8; MAX_RAW];
        raw[0] = K_RESET;
        let n = seal(&mut raw, 5, &mut out).unwrap();
        assert_eq!(Request::decode(&out[..n - 1]), Err(ErrorCode::Length));
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
            assert!(Request::decode(&b[..len]).is_err());
            assert!(Reply::decode(&b[..len]).is_err());
        }
    }
}
