//! Writing rule files: [`encode`], [`encode_with`] and their lengths.

use super::{CRC, Encoding, Extras, Header, MAGIC, PREFIX, VERSION, pad4};
use crate::error::{Error, Result};
use crate::table::{CoeffLayout, Coefficients, RuleTable};

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
