//! The rule-file format: what gets flashed onto a robot.
//!
//! ```text
//! offset  size  content
//! 0       4     magic "HEBB"
//! 4       2     format version, u16 little-endian (currently 1)
//! 6       2     header length H, u16 little-endian
//! 8       H     header, postcard-encoded [`Header`]
//! 8+H     0..3  zero padding to a multiple of 4 bytes
//! P       4·n   coefficients, f32 little-endian, in-memory layout (see `table`)
//! …       4·m   CNN weights (if any), f32 little-endian
//! end-4   4     CRC-32 (ISO-HDLC, as zlib/PNG) of every byte before it
//! ```
//!
//! Decoding needs no heap: [`RuleFile::parse`] checks magic, version, header, lengths and CRC
//! and then hands out the coefficients as a borrowed `&[f32]` straight from the input bytes
//! (zero-copy) when the input is 4-byte aligned on a little-endian target, or copies them into
//! a caller buffer otherwise ([`RuleFile::copy_coefficients`]).

use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::WeightInit;
use crate::kernel::Kernel;
use crate::network::{Config, shape_mismatch};
use crate::rule::RuleKind;
use crate::table::{RuleTable, Sizes, n_coefficients};

/// The four magic bytes.
pub const MAGIC: [u8; 4] = *b"HEBB";
/// The format version this build writes and reads.
pub const VERSION: u16 = 1;
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

/// Encoding of the coefficient payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// IEEE-754 single precision, little-endian.
    F32,
}

/// Everything about a rule file except its payload.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Header<'a> {
    /// Rule code ([`RuleKind::code`]).
    pub rule: u8,
    /// Layer sizes `[input, hidden 1, hidden 2, output]`.
    pub sizes: [u32; 4],
    /// Output-layer activation code ([`Activation`]).
    pub output: u8,
    /// How outputs become actions.
    pub action_map: ActionMap,
    /// Per-layer max-|w| normalisation after each update.
    pub normalize: bool,
    /// Weight initialisation code ([`WeightInit`]).
    pub init: u8,
    /// Coefficient encoding.
    pub encoding: Encoding,
    /// Number of coefficients in the payload.
    pub n_coefficients: u32,
    /// Number of CNN weights after the coefficients (0 for none).
    pub n_cnn_weights: u32,
    /// Number of coevolved initial weights after the CNN weights (0 for none).
    pub n_init_weights: u32,
    /// Environment the rule was trained on.
    pub env: &'a str,
    /// Comma-separated morphologies it was trained on (empty if not applicable).
    pub morphologies: &'a str,
    /// Training seed.
    pub seed: u64,
    /// Generations trained.
    pub generations: u32,
}

impl Header<'static> {
    /// The header of an *untrained* quadruped rule (ABCD_lr, 28-128-64-8, `tanh` output, no
    /// normalisation, U(−0.1, 0.1) initial weights), labelled `env: "untrained-placeholder"` and
    /// `generations: 0` — for tests and firmware bring-up that need a rule file independent of
    /// any training run.
    pub fn untrained_ant(seed: u64) -> Self {
        let rule = RuleKind::ABCDLr;
        Header {
            rule: rule.code(),
            sizes: crate::AntNet::SIZES.map(|s| s as u32),
            output: Activation::Tanh as u8,
            action_map: ActionMap::Direct,
            normalize: false,
            init: WeightInit::Uniform as u8,
            encoding: Encoding::F32,
            n_coefficients: n_coefficients(rule, crate::AntNet::SIZES) as u32,
            n_cnn_weights: 0,
            n_init_weights: 0,
            env: "untrained-placeholder",
            morphologies: "",
            seed,
            generations: 0,
        }
    }
}

impl Header<'_> {
    /// The rule.
    pub fn rule_kind(&self) -> Result<RuleKind> {
        RuleKind::from_code(self.rule)
    }

    /// Layer sizes as `usize`.
    pub fn sizes(&self) -> Sizes {
        self.sizes.map(|v| v as usize)
    }

    /// Output activation.
    pub fn output_activation(&self) -> Result<Activation> {
        Activation::from_code(self.output).ok_or(Error::InvalidField("output"))
    }

    /// The network configuration the rule was trained with — output activation and weight
    /// normalisation — on the portable kernel (see [`Config::with_best_kernel`]).
    pub fn config(&self) -> Result<Config> {
        Ok(Config { output: self.output_activation()?, normalize: self.normalize, kernel: Kernel::Portable })
    }

    /// Weight initialisation.
    pub fn weight_init(&self) -> Result<WeightInit> {
        match self.init {
            0 => Ok(WeightInit::Uniform),
            1 => Ok(WeightInit::Normal),
            2 => Ok(WeightInit::Coevolve),
            _ => Err(Error::InvalidField("init")),
        }
    }

    fn payload_floats(&self) -> usize {
        self.n_coefficients as usize + self.n_cnn_weights as usize + self.n_init_weights as usize
    }

    fn validate(&self) -> Result<()> {
        let rule = self.rule_kind()?;
        self.output_activation()?;
        self.weight_init()?;
        if self.sizes.contains(&0) {
            return Err(Error::InvalidField("sizes"));
        }
        // Guard the multiplication against absurd sizes before computing the expected count.
        if self.sizes.iter().any(|&s| s > 1 << 16) {
            return Err(Error::InvalidField("sizes"));
        }
        let expected = n_coefficients(rule, self.sizes());
        if self.n_coefficients as usize != expected {
            return Err(Error::Length {
                what: "rule file coefficients",
                expected,
                got: self.n_coefficients as usize,
            });
        }
        Ok(())
    }
}

const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// A parsed, CRC-checked rule file borrowing its input bytes.
#[derive(Debug, Clone, Copy)]
pub struct RuleFile<'a> {
    header: Header<'a>,
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
        if version != VERSION {
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
        let header: Header<'a> =
            postcard::from_bytes(&bytes[PREFIX..PREFIX + hlen]).map_err(|_| Error::InvalidField("header"))?;
        header.validate()?;
        let payload = &bytes[start..body_end];
        let want = header.payload_floats().checked_mul(4).ok_or(Error::InvalidField("lengths"))?;
        if payload.len() != want {
            return if payload.len() < want {
                Err(Error::Truncated)
            } else {
                Err(Error::InvalidField("lengths"))
            };
        }
        Ok(RuleFile { header, payload })
    }

    /// The header.
    pub fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// Checks that the file is for a network of sizes `sizes`.
    pub fn expect_sizes(&self, sizes: Sizes) -> Result<()> {
        if self.header.sizes() != sizes {
            return Err(shape_mismatch(sizes, self.header.sizes()));
        }
        Ok(())
    }

    fn floats(&self, from: usize, n: usize) -> Result<&'a [f32]> {
        if cfg!(target_endian = "big") {
            return Err(Error::Misaligned);
        }
        bytemuck::try_cast_slice(&self.payload[from * 4..(from + n) * 4]).map_err(|_| Error::Misaligned)
    }

    /// Zero-copy view of the coefficients (little-endian targets, 4-byte aligned input).
    pub fn coefficients(&self) -> Result<&'a [f32]> {
        self.floats(0, self.header.n_coefficients as usize)
    }

    /// Zero-copy [`RuleTable`] for a network of sizes `sizes`.
    pub fn rule_table(&self, sizes: Sizes) -> Result<RuleTable<'a>> {
        self.expect_sizes(sizes)?;
        RuleTable::new(self.header.rule_kind()?, sizes, self.coefficients()?)
    }

    /// Zero-copy view of the CNN weights (empty if none).
    pub fn cnn_weights(&self) -> Result<&'a [f32]> {
        self.floats(self.header.n_coefficients as usize, self.header.n_cnn_weights as usize)
    }

    /// Zero-copy view of the coevolved initial weights (empty if none).
    pub fn init_weights(&self) -> Result<&'a [f32]> {
        let from = self.header.n_coefficients as usize + self.header.n_cnn_weights as usize;
        self.floats(from, self.header.n_init_weights as usize)
    }

    /// Copies the coefficients into `dst` (any alignment, any endianness).
    pub fn copy_coefficients(&self, dst: &mut [f32]) -> Result<()> {
        let n = self.header.n_coefficients as usize;
        if dst.len() != n {
            return Err(Error::Length { what: "coefficient buffer", expected: n, got: dst.len() });
        }
        for (d, b) in dst.iter_mut().zip(self.payload.chunks_exact(4)) {
            *d = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        Ok(())
    }
}

/// Number of bytes [`encode`] writes for this header.
pub fn encoded_len(header: &Header<'_>) -> Result<usize> {
    let hlen = postcard::experimental::serialized_size(header).map_err(|_| Error::InvalidField("header"))?;
    Ok(pad4(PREFIX + hlen) + 4 * header.payload_floats() + 4)
}

/// Writes a rule file into `out` (at least [`encoded_len`] bytes) and returns its length.
/// `cnn` and `init` may be empty; their lengths must match the header.
pub fn encode(
    header: &Header<'_>,
    coefficients: &[f32],
    cnn: &[f32],
    init: &[f32],
    out: &mut [u8],
) -> Result<usize> {
    header.validate()?;
    let checks = [
        ("coefficients", header.n_coefficients, coefficients.len()),
        ("CNN weights", header.n_cnn_weights, cnn.len()),
        ("initial weights", header.n_init_weights, init.len()),
    ];
    for (what, expected, got) in checks {
        if expected as usize != got {
            return Err(Error::Length { what, expected: expected as usize, got });
        }
    }
    let total = encoded_len(header)?;
    if out.len() < total {
        return Err(Error::Length { what: "output buffer", expected: total, got: out.len() });
    }
    let out = &mut out[..total];
    out.fill(0);
    out[..4].copy_from_slice(&MAGIC);
    out[4..6].copy_from_slice(&VERSION.to_le_bytes());
    let hlen =
        postcard::to_slice(header, &mut out[PREFIX..]).map_err(|_| Error::InvalidField("header"))?.len();
    let hlen16 = u16::try_from(hlen).map_err(|_| Error::InvalidField("header"))?;
    out[6..8].copy_from_slice(&hlen16.to_le_bytes());
    let mut pos = pad4(PREFIX + hlen);
    for v in coefficients.iter().chain(cnn).chain(init) {
        out[pos..pos + 4].copy_from_slice(&v.to_le_bytes());
        pos += 4;
    }
    let crc = CRC.checksum(&out[..pos]);
    out[pos..pos + 4].copy_from_slice(&crc.to_le_bytes());
    Ok(pos + 4)
}
