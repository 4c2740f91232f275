//! The rule-file format: what gets flashed onto a robot.
//!
//! ```text
//! offset  size  content
//! 0       4     magic "HEBB"
//! 4       2     format version, u16 little-endian (2; version 1 files are still read)
//! 6       2     header length H, u16 little-endian
//! 8       H     header, postcard-encoded [`Header`]
//! 8+H     0..3  zero padding to a multiple of 4 bytes
//! P       4·n   coefficients, f32 little-endian, in-memory layout (see `table`) —
//!               or, with `Encoding::F16`, 2·n bytes of IEEE half precision, zero-padded to 4
//! …       2·s   shared rules only: the rule index of each of the s synapses, u16
//!               little-endian, zero-padded to 4
//! …       4·m   CNN weights (if any), f32 little-endian
//! …       4·k   coevolved initial weights (if any), f32 little-endian
//! end-4   4     CRC-32 (ISO-HDLC, as zlib/PNG) of every byte before it
//! ```
//!
//! **Version 2** (written by this build) carries the whole network in its header: the layer
//! list of any depth ([`Header::sizes`], a [`Shape`](crate::Shape)), the output activation,
//! normalisation, the rule and its coefficient layout ([`CoeffLayout`]), the front end
//! ([`FrontEnd`]: the car's CNN or none) and the coefficient encoding; the header block may end
//! with [`Extras`], options beyond the paper (the Hebbian-attractor update interval and
//! averaging window), left out when they are the default. **Version 1** headers (three plastic
//! layers, per-synapse coefficients, the front end implied by the CNN weight count) are read
//! into the same [`Header`].
//!
//! Decoding needs no heap: [`RuleFile::parse`] checks magic, version, header, lengths and CRC
//! and then hands out the coefficients as a borrowed `&[f32]` straight from the input bytes
//! (zero-copy) when the input is 4-byte aligned on a little-endian target, or copies them into
//! a caller buffer otherwise ([`RuleFile::copy_coefficients`]).
//!
//! **Half-precision coefficients** ([`Encoding::F16`]) halve the flash a rule takes and the
//! coefficient traffic of a step. The rule such a file describes is its coefficients widened to
//! `f32` (exact); every kernel computes exactly that, the Cortex-M4F one converting as it loads
//! (see `README.md` for the error rounding to half precision adds to actions). Coefficients
//! outside the finite half-precision range are refused when writing, and non-finite values when
//! reading. Non-finite `f32` values are refused when writing too; a file holding some anyway
//! still parses, and [`RuleFile::non_finite_values`] counts them for readers to flag.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::shape::IntoShape;
use crate::table::{CoeffLayout, Coefficients, RuleTable, widen_f16};

mod header;
mod write;

use header::HeaderV1;
pub use header::{Extras, Header};
pub use write::{encode, encode_with, encoded_len, encoded_len_with, to_f16};

/// The four magic bytes.
pub const MAGIC: [u8; 4] = *b"HEBB";
/// The format version this build writes.
pub const VERSION: u16 = 2;
/// The oldest format version this build reads.
pub const OLDEST_VERSION: u16 = 1;
const PREFIX: usize = 8;
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// How the network's outputs become actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActionMap {
    /// The output layer's activity is the action (clipped to the action box by the caller).
    Direct,
    /// `[tanh(o0), sigmoid(o1), sigmoid(o2)]` (car racing).
    Car,
    /// `argmax` over the outputs (discrete actions).
    Argmax,
}

/// What turns the raw observation into the network's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum FrontEnd {
    /// The observation is the network's input.
    #[default]
    None,
    /// The car's fixed convolutional network ([`crate::cnn`]); its
    /// [`N_WEIGHTS`](crate::cnn::N_WEIGHTS) weights follow the coefficients.
    CarCnn,
}

/// Encoding of the coefficient payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// IEEE-754 single precision, little-endian.
    F32,
    /// IEEE-754 half precision (binary16), little-endian: half the size, about 3 significant
    /// digits (relative rounding error ≤ 2⁻¹¹ for |c| ≥ 6.1e-5).
    F16,
}

impl Encoding {
    /// Bytes per coefficient.
    pub const fn bytes(self) -> usize {
        match self {
            Encoding::F32 => 4,
            Encoding::F16 => 2,
        }
    }
}

const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// A parsed, CRC-checked rule file borrowing its input bytes.
#[derive(Debug, Clone, Copy)]
pub struct RuleFile<'a> {
    header: Header<'a>,
    extras: Extras,
    payload: &'a [u8],
}

impl<'a> RuleFile<'a> {
    /// Parses and checks `bytes`: magic, version, header, declared lengths, CRC.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < 4 {
            return Err(Error::Truncated);
        }
        if bytes[..4] != MAGIC {
            return Err(Error::BadMagic);
        }
        if bytes.len() < PREFIX + 4 {
            return Err(Error::Truncated);
        }
        let version = u16::from_le_bytes([bytes[4], bytes[5]]);
        if !(OLDEST_VERSION..=VERSION).contains(&version) {
            return Err(Error::UnsupportedVersion(version));
        }
        let hlen = u16::from_le_bytes([bytes[6], bytes[7]]) as usize;
        let body_end = bytes.len() - 4;
        let start = pad4(PREFIX + hlen);
        if start > body_end {
            return Err(Error::Truncated);
        }
        let stored = u32::from_le_bytes([
            bytes[body_end],
            bytes[body_end + 1],
            bytes[body_end + 2],
            bytes[body_end + 3],
        ]);
        let computed = CRC.checksum(&bytes[..body_end]);
        if stored != computed {
            return Err(Error::CrcMismatch { stored, computed });
        }
        let raw = &bytes[PREFIX..PREFIX + hlen];
        let mut extras = Extras::default();
        let header: Header<'a> = if version == 1 {
            postcard::from_bytes::<HeaderV1<'a>>(raw).map_err(|_| Error::InvalidField("header"))?.upgrade()?
        } else {
            let (h, rest) = postcard::take_from_bytes(raw).map_err(|_| Error::InvalidField("header"))?;
            extras = Extras::decode(rest)?;
            h
        };
        header.validate()?;
        let payload = &bytes[start..body_end];
        let want = header.payload_bytes().ok_or(Error::InvalidField("lengths"))?;
        if payload.len() != want {
            return if payload.len() < want {
                Err(Error::Truncated)
            } else {
                Err(Error::InvalidField("lengths"))
            };
        }
        let file = RuleFile { header, extras, payload };
        if header.layout == CoeffLayout::Shared as u8 {
            let k = header.n_coefficients as usize / header.rule_kind()?.n_coeffs();
            let from = header.coefficient_bytes();
            let n = header.sizes.n_synapses();
            let ix = payload.get(from..from + 2 * n).ok_or(Error::Truncated)?;
            if ix.as_chunks::<2>().0.iter().any(|&b| usize::from(u16::from_le_bytes(b)) >= k) {
                return Err(Error::InvalidField("shared rule index (a synapse names a rule past the table)"));
            }
        }
        if header.encoding == Encoding::F16 && file.halves().any(|h| h & 0x7c00 == 0x7c00) {
            return Err(Error::InvalidField("coefficients (f16 infinity or NaN)"));
        }
        Ok(file)
    }

    /// The header.
    pub fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// What the file carries after its header (defaults for files without it).
    pub fn extras(&self) -> Extras {
        self.extras
    }

    /// Checks that the file is for a network of sizes `sizes`.
    pub fn expect_sizes(&self, sizes: impl IntoShape) -> Result<()> {
        let sizes = sizes.into_shape()?;
        if self.header.sizes != sizes {
            return Err(Error::ShapeMismatch { expected: sizes.into(), got: self.header.sizes.into() });
        }
        Ok(())
    }

    /// `n` f32 values starting `from_bytes` into the payload, zero-copy.
    fn floats(&self, from_bytes: usize, n: usize) -> Result<&'a [f32]> {
        if cfg!(target_endian = "big") {
            return Err(Error::Misaligned);
        }
        let bytes = self.payload.get(from_bytes..from_bytes + 4 * n).ok_or(Error::Truncated)?;
        bytemuck::try_cast_slice(bytes).map_err(|_| Error::Misaligned)
    }

    /// The half-precision coefficients' bit patterns, read byte-wise (any alignment).
    fn halves(&self) -> impl Iterator<Item = u16> + 'a {
        let n = if self.header.encoding == Encoding::F16 { self.header.n_coefficients as usize } else { 0 };
        self.payload.as_chunks::<2>().0.iter().take(n).map(|&b| u16::from_le_bytes(b))
    }

    /// Zero-copy view of `f32` coefficients (little-endian targets, 4-byte aligned input). A
    /// half-precision file gives [`Error::InvalidField`]`("encoding")`: use
    /// [`rule_table`](Self::rule_table) or [`copy_coefficients`](Self::copy_coefficients).
    pub fn coefficients(&self) -> Result<&'a [f32]> {
        if self.header.encoding != Encoding::F32 {
            return Err(Error::InvalidField("encoding"));
        }
        self.floats(0, self.header.n_coefficients as usize)
    }

    /// Zero-copy view of the coefficients in their stored encoding (little-endian targets,
    /// input aligned for it).
    pub fn coefficient_view(&self) -> Result<Coefficients<'a>> {
        match self.header.encoding {
            Encoding::F32 => self.coefficients().map(Coefficients::F32),
            Encoding::F16 => {
                if cfg!(target_endian = "big") {
                    return Err(Error::Misaligned);
                }
                let n = self.header.n_coefficients as usize;
                let bytes = self.payload.get(..2 * n).ok_or(Error::Truncated)?;
                bytemuck::try_cast_slice(bytes).map(Coefficients::F16).map_err(|_| Error::Misaligned)
            }
        }
    }

    /// Zero-copy [`RuleTable`] for a network of sizes `sizes`, in the stored encoding.
    pub fn rule_table(&self, sizes: impl IntoShape) -> Result<RuleTable<'a>> {
        self.expect_sizes(sizes)?;
        self.table()
    }

    /// Zero-copy [`RuleTable`] for the network the header describes, in the stored encoding.
    pub fn table(&self) -> Result<RuleTable<'a>> {
        let h = &self.header;
        match h.coeff_layout()? {
            CoeffLayout::Shared => {
                RuleTable::shared(h.rule_kind()?, h.sizes, self.coefficient_view()?, self.shared_index()?)
            }
            layout => RuleTable::with_layout(h.rule_kind()?, layout, h.sizes, self.coefficient_view()?),
        }
    }

    /// Zero-copy view of the per-synapse rule indices of a [`CoeffLayout::Shared`] file (empty
    /// for other layouts; little-endian targets, input aligned to 2).
    pub fn shared_index(&self) -> Result<&'a [u16]> {
        if self.header.index_bytes() == 0 {
            return Ok(&[]);
        }
        if cfg!(target_endian = "big") {
            return Err(Error::Misaligned);
        }
        let from = self.header.coefficient_bytes();
        let n = self.header.sizes.n_synapses();
        let bytes = self.payload.get(from..from + 2 * n).ok_or(Error::Truncated)?;
        bytemuck::try_cast_slice(bytes).map_err(|_| Error::Misaligned)
    }

    /// Zero-copy view of the CNN weights (empty if none).
    pub fn cnn_weights(&self) -> Result<&'a [f32]> {
        self.floats(
            self.header.coefficient_bytes() + self.header.index_bytes(),
            self.header.n_cnn_weights as usize,
        )
    }

    /// Zero-copy view of the coevolved initial weights (empty if none).
    pub fn init_weights(&self) -> Result<&'a [f32]> {
        let from = self.header.coefficient_bytes()
            + self.header.index_bytes()
            + 4 * self.header.n_cnn_weights as usize;
        self.floats(from, self.header.n_init_weights as usize)
    }

    /// How many stored values — coefficients, CNN weights, initial weights — are NaN or
    /// infinite (any alignment). [`encode`] refuses to write such a file, but one written by
    /// other means still parses: a reader flags a non-zero count (a diverged rule).
    pub fn non_finite_values(&self) -> usize {
        let coefficient_bytes = self.header.coefficient_bytes();
        let f32s =
            |b: &[u8]| b.as_chunks::<4>().0.iter().filter(|&&c| !f32::from_le_bytes(c).is_finite()).count();
        let head = match self.header.encoding {
            Encoding::F32 => self.payload.get(..coefficient_bytes).map_or(0, f32s),
            Encoding::F16 => self.halves().filter(|h| h & 0x7c00 == 0x7c00).count(),
        };
        head + self.payload.get(coefficient_bytes..).map_or(0, f32s)
    }

    /// Copies the coefficients into `dst` as `f32` (half precision widened exactly; any
    /// alignment, any endianness).
    pub fn copy_coefficients(&self, dst: &mut [f32]) -> Result<()> {
        let n = self.header.n_coefficients as usize;
        if dst.len() != n {
            return Err(Error::Length { what: "coefficient buffer", expected: n, got: dst.len() });
        }
        match self.header.encoding {
            Encoding::F32 => {
                for (d, b) in dst.iter_mut().zip(self.payload.chunks_exact(4)) {
                    *d = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            Encoding::F16 => {
                for (d, h) in dst.iter_mut().zip(self.halves()) {
                    *d = widen_f16(h);
                }
            }
        }
        Ok(())
    }
}
