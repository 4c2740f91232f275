//! COBS framing: the encoder, the decoder, the writer that encodes a message (and its CRC) as
//! it goes, and the reader that cuts a byte stream into frames.

use super::{CRC, ErrorCode, Floats};

/// Writes a message straight into its COBS encoding in `out`, with the CRC computed on the
/// way; reports overflow instead of panicking.
pub(super) struct Writer<'a> {
    out: &'a mut [u8],
    /// Where the current block's code byte goes.
    code_at: usize,
    /// Next output position.
    at: usize,
    code: u8,
    crc: crc::Digest<'static, u32>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(out: &'a mut [u8]) -> Self {
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

    pub(super) fn put(&mut self, bytes: &[u8]) -> Result<(), ErrorCode> {
        self.crc.update(bytes);
        self.raw(bytes)
    }

    pub(super) fn floats(&mut self, v: Floats<'_>) -> Result<(), ErrorCode> {
        for x in v.iter() {
            self.put(&x.to_le_bytes())?;
        }
        Ok(())
    }

    /// Appends the CRC, closes the last block and writes the delimiter; returns the length.
    pub(super) fn seal(mut self) -> Result<usize, ErrorCode> {
        let crc = core::mem::replace(&mut self.crc, CRC.digest()).finalize().to_le_bytes();
        self.raw(&crc)?;
        self.set(self.code_at, self.code)?;
        self.set(self.at, 0)?;
        Ok(self.at + 1)
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
