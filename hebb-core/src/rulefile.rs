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
//! list of any depth ([`Header::sizes`], a [`Shape`]), the output activation, normalisation,
//! the rule and its coefficient layout ([`CoeffLayout`]), the front end ([`FrontEnd`]: the
//! car's CNN or none) and the coefficient encoding; the header block may end with [`Extras`],
//! options beyond the paper (the Hebbian-attractor update interval and averaging window),
//! left out when they are the default. **Version 1** headers (three plastic
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

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::WeightInit;
use crate::kernel::Kernel;
use crate::network::Config;
use crate::rule::RuleKind;
use crate::shape::{IntoShape, Shape};
use crate::table::{CoeffLayout, Coefficients, RuleTable, widen_f16};
use crate::window::Plasticity;

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

/// Everything about a rule file except its payload (the version 2 header; version 1 files
/// are read into it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Header<'a> {
    /// Rule code ([`RuleKind::code`]).
    pub rule: u8,
    /// Coefficient layout code ([`CoeffLayout::code`]).
    pub layout: u8,
    /// Layer sizes `[input, hidden…, output]`, any depth.
    pub sizes: Shape,
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
    /// What computes the network's input from the observation.
    pub front_end: FrontEnd,
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

/// The version 1 header: three plastic layers, per-synapse coefficients.
#[derive(Deserialize)]
struct HeaderV1<'a> {
    rule: u8,
    sizes: [u32; 4],
    output: u8,
    action_map: ActionMap,
    normalize: bool,
    init: u8,
    encoding: Encoding,
    n_coefficients: u32,
    n_cnn_weights: u32,
    n_init_weights: u32,
    env: &'a str,
    morphologies: &'a str,
    seed: u64,
    generations: u32,
}

impl<'a> HeaderV1<'a> {
    fn upgrade(self) -> Result<Header<'a>> {
        let sizes = self.sizes.map(|v| v as usize);
        Ok(Header {
            rule: self.rule,
            layout: CoeffLayout::PerSynapse.code(),
            sizes: Shape::new(&sizes).map_err(|_| Error::InvalidField("sizes"))?,
            output: self.output,
            action_map: self.action_map,
            normalize: self.normalize,
            init: self.init,
            encoding: self.encoding,
            front_end: if self.n_cnn_weights > 0 { FrontEnd::CarCnn } else { FrontEnd::None },
            n_coefficients: self.n_coefficients,
            n_cnn_weights: self.n_cnn_weights,
            n_init_weights: self.n_init_weights,
            env: self.env,
            morphologies: self.morphologies,
            seed: self.seed,
            generations: self.generations,
        })
    }
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
            layout: CoeffLayout::PerSynapse.code(),
            sizes: crate::AntNet::SHAPE,
            output: Activation::Tanh as u8,
            action_map: ActionMap::Direct,
            normalize: false,
            init: WeightInit::Uniform as u8,
            encoding: Encoding::F32,
            front_end: FrontEnd::None,
            n_coefficients: crate::AntNet::SHAPE.n_coefficients(rule) as u32,
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

    /// Layer sizes.
    pub fn sizes(&self) -> Shape {
        self.sizes
    }

    /// The coefficient layout.
    pub fn coeff_layout(&self) -> Result<CoeffLayout> {
        CoeffLayout::from_code(self.layout)
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

    /// Bytes of the coefficient block (padded to a multiple of 4); saturates on absurd
    /// counts, which [`payload_bytes`](Self::payload_bytes) then refuses.
    fn coefficient_bytes(&self) -> usize {
        (self.n_coefficients as usize).saturating_mul(self.encoding.bytes()).saturating_add(3) & !3
    }

    /// Bytes of the shared-rule index after the coefficients (padded to a multiple of 4; 0
    /// unless the layout is [`CoeffLayout::Shared`]).
    fn index_bytes(&self) -> usize {
        if self.layout == CoeffLayout::Shared as u8 { pad4(2 * self.sizes.n_synapses()) } else { 0 }
    }

    /// Bytes of the whole payload.
    fn payload_bytes(&self) -> Option<usize> {
        let floats = (self.n_cnn_weights as usize).checked_add(self.n_init_weights as usize)?;
        let coefficients =
            (self.n_coefficients as usize).checked_mul(self.encoding.bytes())?.checked_add(3)? & !3;
        floats.checked_mul(4)?.checked_add(coefficients)?.checked_add(self.index_bytes())
    }

    fn validate(&self) -> Result<()> {
        let rule = self.rule_kind()?;
        self.output_activation()?;
        self.weight_init()?;
        let layout = self.coeff_layout()?;
        // Sizes are checked by `Shape` (1..=65536 each, at most 8 plastic layers), so the counts
        // below cannot overflow.
        // The front end and its weights go together (their count is the trainer's to check).
        match (self.front_end, self.n_cnn_weights) {
            (FrontEnd::None, 0) => {}
            (FrontEnd::CarCnn, 1..) => {}
            _ => return Err(Error::InvalidField("front_end")),
        }
        layout.check_count(rule, &self.sizes, self.n_coefficients as usize).map_err(|e| match e {
            Error::Length { expected, got, .. } => {
                Error::Length { what: "rule file coefficients", expected, got }
            }
            e => e,
        })
    }
}

/// What a version 2 file may carry after its [`Header`], inside the header block: options
/// beyond the paper. A file without them (every file written before they existed) reads as
/// the default, the paper's per-step update; a writer leaves them out when they are the
/// default, so such files are byte for byte what earlier builds wrote. (Earlier builds read a
/// file with extras as if they were absent.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Extras {
    /// How often the Hebbian update runs and over how many steps it averages
    /// ([`Plasticity`]).
    pub plasticity: Plasticity,
}

/// The extension's wire form (postcard, after the header).
#[derive(Serialize, Deserialize)]
struct ExtrasV1 {
    every: u16,
    window: u16,
}

impl Extras {
    fn is_default(&self) -> bool {
        *self == Extras::default()
    }

    fn wire(&self) -> ExtrasV1 {
        ExtrasV1 { every: self.plasticity.every, window: self.plasticity.window }
    }

    fn decode(rest: &[u8]) -> Result<Extras> {
        if rest.is_empty() {
            return Ok(Extras::default());
        }
        let bad = Error::InvalidField("header extension");
        let (e, tail) = postcard::take_from_bytes::<ExtrasV1>(rest).map_err(|_| bad)?;
        if !tail.is_empty() {
            return Err(bad);
        }
        let plasticity = Plasticity::new(e.every, e.window)?;
        Ok(Extras { plasticity })
    }

    fn validate(&self) -> Result<()> {
        Plasticity::new(self.plasticity.every, self.plasticity.window).map(|_| ())
    }

    fn size(&self) -> Result<usize> {
        if self.is_default() {
            return Ok(0);
        }
        postcard::experimental::serialized_size(&self.wire())
            .map_err(|_| Error::InvalidField("header extension"))
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

/// `c` rounded to half precision (nearest, ties to even), or an error if it is not finite
/// there (|c| ≥ 65520, or NaN).
pub fn to_f16(c: f32) -> Result<u16> {
    let h = half::f16::from_f32(c).to_bits();
    if h & 0x7c00 == 0x7c00 {
        return Err(Error::InvalidField("coefficients (outside the f16 range)"));
    }
    Ok(h)
}

/// Number of bytes [`encode`] writes for this header.
pub fn encoded_len(header: &Header<'_>) -> Result<usize> {
    encoded_len_with(header, &Extras::default())
}

/// Number of bytes [`encode_with`] writes for this header and these extras.
pub fn encoded_len_with(header: &Header<'_>, extras: &Extras) -> Result<usize> {
    let hlen = postcard::experimental::serialized_size(header).map_err(|_| Error::InvalidField("header"))?;
    let payload = header.payload_bytes().ok_or(Error::InvalidField("lengths"))?;
    Ok(pad4(PREFIX + hlen + extras.size()?) + payload + 4)
}

/// Writes a rule file into `out` (at least [`encoded_len`] bytes) and returns its length.
/// `cnn` and `init` may be empty; their lengths must match the header. The coefficients are
/// stored in the header's encoding (rounded to nearest for [`Encoding::F16`], which refuses
/// values outside its finite range).
pub fn encode(
    header: &Header<'_>,
    coefficients: &[f32],
    cnn: &[f32],
    init: &[f32],
    out: &mut [u8],
) -> Result<usize> {
    encode_with(header, &Extras::default(), coefficients, &[], cnn, init, out)
}

/// [`encode`] with [`Extras`] (written after the header; nothing when they are the default)
/// and, for a [`CoeffLayout::Shared`] header, the per-synapse rule index (written after the
/// coefficients; empty for other layouts). `out` must hold at least [`encoded_len_with`]
/// bytes.
pub fn encode_with(
    header: &Header<'_>,
    extras: &Extras,
    coefficients: &[f32],
    index: &[u16],
    cnn: &[f32],
    init: &[f32],
    out: &mut [u8],
) -> Result<usize> {
    extras.validate()?;
    if header.layout == CoeffLayout::Shared as u8 {
        // The same checks as a table: one index per synapse, each naming a rule of the table.
        let rule = header.rule_kind()?;
        RuleTable::shared(rule, header.sizes, Coefficients::F32(coefficients), index)?;
    } else if !index.is_empty() {
        return Err(Error::InvalidField("a shared-rule index for a layout without one"));
    }
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
    if coefficients.iter().chain(cnn).chain(init).any(|v| !v.is_finite()) {
        return Err(Error::InvalidField("coefficients or weights (NaN or infinite)"));
    }
    let total = encoded_len_with(header, extras)?;
    if out.len() < total {
        return Err(Error::Length { what: "output buffer", expected: total, got: out.len() });
    }
    let out = &mut out[..total];
    out.fill(0);
    out[..4].copy_from_slice(&MAGIC);
    out[4..6].copy_from_slice(&VERSION.to_le_bytes());
    let mut hlen =
        postcard::to_slice(header, &mut out[PREFIX..]).map_err(|_| Error::InvalidField("header"))?.len();
    if !extras.is_default() {
        let at = PREFIX + hlen;
        hlen += postcard::to_slice(&extras.wire(), &mut out[at..])
            .map_err(|_| Error::InvalidField("header extension"))?
            .len();
    }
    let hlen16 = u16::try_from(hlen).map_err(|_| Error::InvalidField("header"))?;
    out[6..8].copy_from_slice(&hlen16.to_le_bytes());
    let mut pos = pad4(PREFIX + hlen);
    match header.encoding {
        Encoding::F32 => {
            for v in coefficients {
                out[pos..pos + 4].copy_from_slice(&v.to_le_bytes());
                pos += 4;
            }
        }
        Encoding::F16 => {
            for &v in coefficients {
                out[pos..pos + 2].copy_from_slice(&to_f16(v)?.to_le_bytes());
                pos += 2;
            }
            pos = pad4(pos);
        }
    }
    for v in index {
        out[pos..pos + 2].copy_from_slice(&v.to_le_bytes());
        pos += 2;
    }
    pos = pad4(pos);
    for v in cnn.iter().chain(init) {
        out[pos..pos + 4].copy_from_slice(&v.to_le_bytes());
        pos += 4;
    }
    let crc = CRC.checksum(&out[..pos]);
    out[pos..pos + 4].copy_from_slice(&crc.to_le_bytes());
    Ok(pos + 4)
}
