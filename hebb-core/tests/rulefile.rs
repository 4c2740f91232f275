//! Rule files: round trip, every corruption a typed error, no panic on any bytes.

use hebb_core::rulefile::{self, ActionMap, Encoding, FrontEnd, Header, RuleFile};
use hebb_core::{AntNet, Coefficients, Error, RuleKind, Shape, n_coefficients, widen_f16};
use proptest::prelude::*;

fn header(n_cnn: u32) -> Header<'static> {
    Header {
        rule: RuleKind::ABCDLr.code(),
        layout: 0,
        sizes: AntNet::SHAPE,
        output: 0,
        action_map: ActionMap::Direct,
        normalize: false,
        init: 0,
        encoding: Encoding::F32,
        front_end: if n_cnn > 0 { FrontEnd::CarCnn } else { FrontEnd::None },
        n_coefficients: n_coefficients(RuleKind::ABCDLr, &AntNet::SIZES) as u32,
        n_cnn_weights: n_cnn,
        n_init_weights: 0,
        env: "ant-bullet",
        morphologies: "standard,damaged-right",
        seed: 42,
        generations: 100,
    }
}

/// An encoded file in a 4-byte-aligned buffer.
fn encoded(n_cnn: u32) -> (Vec<u32>, usize) {
    encoded_as(header(n_cnn))
}

/// The test coefficients: `i · 1e-3`.
fn test_coefficients(n: u32) -> Vec<f32> {
    (0..n).map(|v| v as f32 * 1e-3).collect()
}

fn encoded_as(h: Header<'_>) -> (Vec<u32>, usize) {
    let n_cnn = h.n_cnn_weights;
    let coeffs = test_coefficients(h.n_coefficients);
    let cnn: Vec<f32> = (0..n_cnn).map(|v| -(v as f32)).collect();
    let len = rulefile::encoded_len(&h).unwrap();
    let mut words = vec![0u32; len.div_ceil(4)];
    let buf: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    assert_eq!(rulefile::encode(&h, &coeffs, &cnn, &[], buf).unwrap(), len);
    (words, len)
}

#[test]
fn roundtrip_zero_copy() {
    let (words, len) = encoded(5);
    let bytes = &bytemuck::cast_slice::<u32, u8>(&words)[..len];
    let f = RuleFile::parse(bytes).unwrap();
    assert_eq!(f.header(), &header(5));
    let table = f.rule_table(AntNet::SIZES).unwrap();
    assert_eq!(table.rule(), RuleKind::ABCDLr);
    let Coefficients::F32(data) = table.data() else { panic!("an f32 file gives an f32 table") };
    assert_eq!(data[1000], 1.0);
    // Zero-copy: the slice points into the input.
    assert!(bytes.as_ptr_range().contains(&(data.as_ptr() as *const u8)));
    assert_eq!(f.cnn_weights().unwrap(), &[0.0, -1.0, -2.0, -3.0, -4.0]);
    assert!(f.init_weights().unwrap().is_empty());
    // Misaligned input: the zero-copy view refuses, the copying path works.
    let mut shifted = vec![0u8; len + 1];
    shifted[1..].copy_from_slice(bytes);
    let g = RuleFile::parse(&shifted[1..]).unwrap();
    assert_eq!(g.coefficients().unwrap_err(), Error::Misaligned);
    let mut out = vec![0.0; header(0).n_coefficients as usize];
    g.copy_coefficients(&mut out).unwrap();
    assert_eq!(out, data);
}

#[test]
fn half_precision_roundtrip() {
    let h = Header { encoding: Encoding::F16, ..header(5) };
    let (words, len) = encoded_as(h);
    let (_, len32) = encoded(5);
    // Half the coefficient bytes.
    assert_eq!(len32 - len, 2 * h.n_coefficients as usize);
    let bytes = &bytemuck::cast_slice::<u32, u8>(&words)[..len];
    let f = RuleFile::parse(bytes).unwrap();
    assert_eq!(f.header(), &h);
    let want: Vec<f32> =
        test_coefficients(h.n_coefficients).iter().map(|&c| half::f16::from_f32(c).to_f32()).collect();
    // Zero-copy half-precision view, in the file.
    let table = f.rule_table(AntNet::SIZES).unwrap();
    let Coefficients::F16(halves) = table.data() else { panic!("an f16 file gives an f16 table") };
    assert!(bytes.as_ptr_range().contains(&(halves.as_ptr() as *const u8)));
    assert!(halves.iter().zip(&want).all(|(&h, &w)| widen_f16(h).to_bits() == w.to_bits()));
    assert_eq!(table.data().get(1000), Some(want[1000]));
    // Widened copies; the f32 view is refused with a clear error.
    let mut out = vec![0.0; want.len()];
    f.copy_coefficients(&mut out).unwrap();
    assert_eq!(out, want);
    assert_eq!(f.coefficients().unwrap_err(), Error::InvalidField("encoding"));
    // Rounding error of the test values: relative ≤ 2^-11 above the subnormal range.
    let exact = test_coefficients(h.n_coefficients);
    assert!(exact.iter().zip(&want).all(|(a, b)| (a - b).abs() <= a.abs() * 2f32.powi(-11) + 1e-7));
    // The f32 payload after the coefficients is intact.
    assert_eq!(f.cnn_weights().unwrap(), &[0.0, -1.0, -2.0, -3.0, -4.0]);
    // Misaligned input: the zero-copy view refuses, the copying path works.
    let mut shifted = vec![0u8; len + 1];
    shifted[1..].copy_from_slice(bytes);
    let g = RuleFile::parse(&shifted[1..]).unwrap();
    assert_eq!(g.rule_table(AntNet::SIZES).unwrap_err(), Error::Misaligned);
    g.copy_coefficients(&mut out).unwrap();
    assert_eq!(out, want);
}

#[test]
fn half_precision_refuses_what_it_cannot_hold() {
    let h = Header { encoding: Encoding::F16, ..header(0) };
    let mut coeffs = test_coefficients(h.n_coefficients);
    coeffs[7] = 70_000.0; // above the largest f16, 65504
    let mut buf = vec![0u8; rulefile::encoded_len(&h).unwrap()];
    assert!(matches!(rulefile::encode(&h, &coeffs, &[], &[], &mut buf), Err(Error::InvalidField(_))));
    coeffs[7] = f32::NAN;
    assert!(matches!(rulefile::encode(&h, &coeffs, &[], &[], &mut buf), Err(Error::InvalidField(_))));
    // An infinity smuggled into a file with a valid CRC is refused on reading.
    let (words, len) = encoded_as(h);
    let mut b = bytemuck::cast_slice::<u32, u8>(&words)[..len].to_vec();
    let start = b.len() - 4 - 2 * h.n_coefficients as usize;
    b[start + 20..start + 22].copy_from_slice(&0x7c00u16.to_le_bytes());
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&b[..len - 4]);
    b[len - 4..].copy_from_slice(&crc.to_le_bytes());
    assert!(matches!(RuleFile::parse(&b).unwrap_err(), Error::InvalidField(_)));
}

#[test]
fn non_finite_f32_values_are_refused_on_writing_and_counted_on_reading() {
    let h = header(3);
    let mut coeffs = test_coefficients(h.n_coefficients);
    let cnn = [1.0f32, 2.0, 3.0];
    let mut buf = vec![0u8; rulefile::encoded_len(&h).unwrap()];
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        coeffs[11] = bad;
        assert!(matches!(rulefile::encode(&h, &coeffs, &cnn, &[], &mut buf), Err(Error::InvalidField(_))));
        coeffs[11] = 0.0;
        let cnn_bad = [1.0, bad, 3.0];
        assert!(matches!(
            rulefile::encode(&h, &coeffs, &cnn_bad, &[], &mut buf),
            Err(Error::InvalidField(_))
        ));
    }
    // A file written by other means: NaN in a coefficient and a CNN weight, valid CRC. It
    // parses (the format has no rule against it), and the reader can tell.
    let (words, len) = encoded(3);
    let mut b = bytemuck::cast_slice::<u32, u8>(&words)[..len].to_vec();
    assert_eq!(RuleFile::parse(&b).unwrap().non_finite_values(), 0);
    let payload = len - 4 - 4 * (h.n_coefficients as usize + 3);
    b[payload + 8..payload + 12].copy_from_slice(&f32::NAN.to_le_bytes());
    b[len - 8..len - 4].copy_from_slice(&f32::INFINITY.to_le_bytes());
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&b[..len - 4]);
    b[len - 4..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(RuleFile::parse(&b).unwrap().non_finite_values(), 2);
}

#[test]
fn corruptions_are_typed_errors() {
    let (words, len) = encoded(0);
    let good = bytemuck::cast_slice::<u32, u8>(&words)[..len].to_vec();
    let mut b = good.clone();
    b[0] = b'X';
    assert_eq!(RuleFile::parse(&b).unwrap_err(), Error::BadMagic);
    let mut b = good.clone();
    b[4] = 9;
    assert_eq!(RuleFile::parse(&b).unwrap_err(), Error::UnsupportedVersion(9));
    let mut b = good.clone();
    b[5000] ^= 0x40;
    assert!(matches!(RuleFile::parse(&b).unwrap_err(), Error::CrcMismatch { .. }));
    assert!(matches!(
        RuleFile::parse(&good[..len - 100]).unwrap_err(),
        Error::CrcMismatch { .. } | Error::Truncated
    ));
    assert_eq!(RuleFile::parse(&good[..6]).unwrap_err(), Error::Truncated);
    assert_eq!(RuleFile::parse(&[]).unwrap_err(), Error::Truncated);
    let f = RuleFile::parse(&good).unwrap();
    assert!(matches!(f.rule_table([4, 128, 64, 2]).unwrap_err(), Error::ShapeMismatch { .. }));
}

#[test]
fn encode_rejects_inconsistent_header() {
    let mut h = header(0);
    h.n_coefficients -= 1;
    let mut buf = vec![0u8; 300_000];
    assert!(matches!(rulefile::encode(&h, &[0.0; 3], &[], &[], &mut buf), Err(Error::Length { .. })));
    let h = header(0);
    assert!(matches!(rulefile::encode(&h, &[0.0; 3], &[], &[], &mut buf), Err(Error::Length { .. })));
    let mut h = header(0);
    h.rule = 77;
    assert_eq!(rulefile::encode(&h, &[], &[], &[], &mut buf).unwrap_err(), Error::UnknownRule(77));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary bytes never panic the decoder.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = RuleFile::parse(&bytes);
        for version in [b"HEBB\x01\x00", b"HEBB\x02\x00"] {
            let mut with_magic = version.to_vec();
            with_magic.extend_from_slice(&bytes);
            let _ = RuleFile::parse(&with_magic);
        }
    }

    /// Mutations of the header and lengths of a valid file (either encoding), with the CRC
    /// made valid again so the decoder goes past it, never panic; an accepted file still gives
    /// coefficients of the declared count.
    #[test]
    fn mutated_headers_with_valid_crc_never_panic(
        pos in 0usize..120,
        val in any::<u8>(),
        f16 in any::<bool>(),
    ) {
        let enc = if f16 { Encoding::F16 } else { Encoding::F32 };
        let (words, len) = encoded_as(Header { encoding: enc, ..header(3) });
        let mut b = bytemuck::cast_slice::<u32, u8>(&words)[..len].to_vec();
        b[pos] = val;
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&b[..len - 4]);
        b[len - 4..].copy_from_slice(&crc.to_le_bytes());
        if let Ok(f) = RuleFile::parse(&b) {
            let n = f.header().n_coefficients as usize;
            let mut out = vec![0.0; n];
            prop_assert!(f.copy_coefficients(&mut out).is_ok());
            let _ = f.rule_table(f.header().sizes());
            let _ = f.cnn_weights();
            let _ = f.init_weights();
        }
    }

    /// Version 2 headers of any depth round-trip, and mutations of them with a valid CRC never
    /// panic; an accepted file's table has the declared size.
    #[test]
    fn any_depth_headers_roundtrip_and_mutations_never_panic(
        sizes in proptest::collection::vec(1usize..40, 2..=9),
        rule in 0u8..9,
        pos in 0usize..80,
        val in any::<u8>(),
        f16 in any::<bool>(),
    ) {
        let rule_kind = RuleKind::from_code(rule).unwrap();
        let shape = Shape::new(&sizes).unwrap();
        let h = Header {
            rule,
            sizes: shape,
            encoding: if f16 { Encoding::F16 } else { Encoding::F32 },
            n_coefficients: shape.n_coefficients(rule_kind) as u32,
            ..header(0)
        };
        let (words, len) = encoded_as(h);
        let mut b = bytemuck::cast_slice::<u32, u8>(&words)[..len].to_vec();
        let f = RuleFile::parse(&b).unwrap();
        prop_assert_eq!(f.header(), &h);
        prop_assert_eq!(*f.table().unwrap().shape(), shape);
        let p = pos % (len - 4);
        b[p] = val;
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&b[..len - 4]);
        b[len - 4..].copy_from_slice(&crc.to_le_bytes());
        if let Ok(f) = RuleFile::parse(&b) {
            let n = f.header().n_coefficients as usize;
            let mut out = vec![0.0; n];
            prop_assert!(f.copy_coefficients(&mut out).is_ok());
            if let Ok(t) = f.table() {
                prop_assert_eq!(t.data().len(), f.header().sizes.n_coefficients(t.rule()));
            }
        }
    }

    /// Mutations of a valid file never panic, and any accepted file still yields a table of
    /// the declared size.
    #[test]
    fn mutated_files_never_panic(pos in 0usize..245_900, val in any::<u8>(), cut in 0usize..300) {
        let (words, len) = encoded(0);
        let mut b = bytemuck::cast_slice::<u32, u8>(&words)[..len].to_vec();
        let p = pos % len;
        b[p] = val;
        b.truncate(len - cut.min(len));
        if let Ok(f) = RuleFile::parse(&b) {
            let n = f.header().n_coefficients as usize;
            let mut out = vec![0.0; n];
            prop_assert!(f.copy_coefficients(&mut out).is_ok());
        }
    }
}

/// Version 1 files — every rule shipped with the firmware and every committed training result
/// — are still read, into the version 2 header (three plastic layers, per-synapse
/// coefficients, the CNN front end where there are CNN weights).
#[test]
fn version_1_files_are_still_read() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(root.join("hebb-mcu/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hebb"))
        .collect();
    for d in std::fs::read_dir(root.join("results")).unwrap() {
        let p = d.unwrap().path().join("rule.hebb");
        if p.exists() {
            files.push(p);
        }
    }
    let mut version_1 = 0;
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        // Runs finished since version 2 write version 2 files; they must parse, and are
        // covered by the version 2 tests.
        if u16::from_le_bytes([bytes[4], bytes[5]]) != 1 {
            let mut words = vec![0u32; bytes.len().div_ceil(4)];
            bytemuck::cast_slice_mut::<u32, u8>(&mut words)[..bytes.len()].copy_from_slice(&bytes);
            RuleFile::parse(&bytemuck::cast_slice::<u32, u8>(&words)[..bytes.len()])
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            continue;
        }
        version_1 += 1;
        let mut words = vec![0u32; bytes.len().div_ceil(4)];
        bytemuck::cast_slice_mut::<u32, u8>(&mut words)[..bytes.len()].copy_from_slice(&bytes);
        let f = RuleFile::parse(&bytemuck::cast_slice::<u32, u8>(&words)[..bytes.len()])
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let h = f.header();
        assert_eq!(h.sizes.depth(), 3, "{}", p.display());
        assert!(
            h.sizes == AntNet::SIZES || h.sizes == hebb_core::CarHead::SIZES,
            "{}: {}",
            p.display(),
            h.sizes
        );
        assert_eq!(h.coeff_layout().unwrap(), hebb_core::CoeffLayout::PerSynapse);
        assert_eq!(h.front_end == FrontEnd::CarCnn, h.n_cnn_weights > 0, "{}", p.display());
        let t = f.table().unwrap();
        assert_eq!(t.data().len(), h.n_coefficients as usize);
        // Re-encoded as version 2, the same header and coefficients come back.
        let mut c = vec![0.0; h.n_coefficients as usize];
        f.copy_coefficients(&mut c).unwrap();
        let cnn = f.cnn_weights().unwrap();
        let init = f.init_weights().unwrap();
        let mut out = vec![0u8; rulefile::encoded_len(h).unwrap()];
        let n = rulefile::encode(h, &c, cnn, init, &mut out).unwrap();
        assert_eq!(u16::from_le_bytes([out[4], out[5]]), rulefile::VERSION);
        let g = RuleFile::parse(&out[..n]).unwrap();
        assert_eq!(g.header(), h);
        let mut c2 = vec![0.0; c.len()];
        g.copy_coefficients(&mut c2).unwrap();
        assert!(c.iter().zip(&c2).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
    assert!(version_1 >= 4, "expected the shipped and committed version 1 rule files, found {version_1}");
}

/// A version 2 header carries a five-layer network, raw outputs and normalisation.
#[test]
fn version_2_carries_any_depth() {
    let shape = Shape::new(&[4, 32, 16, 8, 2]).unwrap();
    let h = Header {
        sizes: shape,
        output: 1,
        normalize: true,
        n_coefficients: shape.n_coefficients(RuleKind::ABCDLr) as u32,
        ..header(0)
    };
    let (words, len) = encoded_as(h);
    let f = RuleFile::parse(&bytemuck::cast_slice::<u32, u8>(&words)[..len]).unwrap();
    assert_eq!(f.header(), &h);
    assert_eq!(f.header().sizes.to_string(), "4-32-16-8-2");
    assert_eq!(f.table().unwrap().data().len(), 5 * (4 * 32 + 32 * 16 + 16 * 8 + 8 * 2));
    assert!(matches!(f.rule_table(AntNet::SIZES), Err(Error::ShapeMismatch { .. })));
}

/// Encodes `h` with `extras` into an aligned buffer.
fn encoded_with(h: Header<'_>, extras: rulefile::Extras) -> (Vec<u32>, usize) {
    let coeffs = test_coefficients(h.n_coefficients);
    let len = rulefile::encoded_len_with(&h, &extras).unwrap();
    let mut words = vec![0u32; len.div_ceil(4)];
    let buf: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    assert_eq!(rulefile::encode_with(&h, &extras, &coeffs, &[], &[], &[], buf).unwrap(), len);
    (words, len)
}

/// Recomputes the CRC of a patched file.
fn fix_crc(bytes: &mut [u8]) {
    let n = bytes.len() - 4;
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&bytes[..n]);
    bytes[n..].copy_from_slice(&crc.to_le_bytes());
}

/// The options beyond the paper travel in the file: the attractor window in the header's
/// extension, the neuron-centric layout in the layout code; files without them are byte for
/// byte what `encode` writes, and read as the plain per-step update.
#[test]
fn extras_and_per_neuron_layout_roundtrip() {
    use hebb_core::{CoeffLayout, Plasticity};
    let plain = rulefile::Extras::default();
    let (a, la) = encoded(0);
    let (b, lb) = encoded_with(header(0), plain);
    assert_eq!(&bytemuck::cast_slice::<u32, u8>(&a)[..la], &bytemuck::cast_slice::<u32, u8>(&b)[..lb]);
    let f = RuleFile::parse(&bytemuck::cast_slice::<u32, u8>(&a)[..la]).unwrap();
    assert_eq!(f.extras().plasticity, Plasticity::PAPER);

    let shape = Shape::new(&[4, 32, 16, 8, 2]).unwrap();
    let h = Header {
        layout: CoeffLayout::PerNeuron.code(),
        sizes: shape,
        n_coefficients: (RuleKind::ABCDLr.n_coeffs() * shape.n_neurons()) as u32,
        ..header(0)
    };
    let extras = rulefile::Extras { plasticity: Plasticity::new(4, 10).unwrap() };
    let (w, len) = encoded_with(h, extras);
    let bytes = &bytemuck::cast_slice::<u32, u8>(&w)[..len];
    let f = RuleFile::parse(bytes).unwrap();
    assert_eq!(f.header(), &h);
    assert_eq!(f.extras(), extras);
    let t = f.table().unwrap();
    assert_eq!(t.layout(), CoeffLayout::PerNeuron);
    assert_eq!(t.data().len(), 5 * 62);

    // A per-neuron header with a per-synapse count is refused on writing.
    let wrong = Header { n_coefficients: n_coefficients(RuleKind::ABCDLr, &shape) as u32, ..h };
    assert!(rulefile::encoded_len_with(&wrong, &extras).is_ok());
    let mut buf = vec![0u8; 1 << 20];
    assert!(
        rulefile::encode_with(
            &wrong,
            &extras,
            &test_coefficients(wrong.n_coefficients),
            &[],
            &[],
            &[],
            &mut buf
        )
        .is_err()
    );
    // So is an update interval of zero.
    let zero = rulefile::Extras { plasticity: Plasticity { every: 0, window: 3 } };
    assert!(
        rulefile::encode_with(&h, &zero, &test_coefficients(h.n_coefficients), &[], &[], &[], &mut buf)
            .is_err()
    );
}

/// A corrupt extension (a zero interval, trailing junk) is a typed error, not a default.
#[test]
fn corrupt_extras_are_errors() {
    use hebb_core::Plasticity;
    let extras = rulefile::Extras { plasticity: Plasticity::new(4, 10).unwrap() };
    let (w, len) = encoded_with(header(0), extras);
    let bytes = bytemuck::cast_slice::<u32, u8>(&w)[..len].to_vec();
    let hlen = u16::from_le_bytes([bytes[6], bytes[7]]) as usize;
    // The extension is the header block's last two bytes (two one-byte varints: 4 and 10).
    assert_eq!(&bytes[8 + hlen - 2..8 + hlen], &[4, 10]);
    let mut zero = bytes.clone();
    zero[8 + hlen - 2] = 0;
    fix_crc(&mut zero);
    assert!(matches!(RuleFile::parse(&zero), Err(Error::InvalidField(_))));
    // One byte more in the header block than the extension holds: lengthen the header by one
    // into the zero padding (the header block is followed by padding to a multiple of 4 here).
    assert_ne!((8 + hlen) % 4, 0, "this header is followed by padding");
    let mut junk = bytes.clone();
    junk[6..8].copy_from_slice(&((hlen + 1) as u16).to_le_bytes());
    junk[8 + hlen] = 7;
    fix_crc(&mut junk);
    assert!(matches!(RuleFile::parse(&junk), Err(Error::InvalidField(_))));
}

/// Shared rules: the index travels after the coefficients, the CNN and initial weights after
/// it; a file whose index names a rule past its table is refused.
#[test]
fn shared_rules_roundtrip_and_bad_index() {
    use hebb_core::CoeffLayout;
    let shape = Shape::new(&[5, 7, 3]).unwrap();
    let rule = RuleKind::ABCDLr;
    let k = 6usize;
    let h = Header {
        layout: CoeffLayout::Shared.code(),
        sizes: shape,
        n_coefficients: (rule.n_coeffs() * k) as u32,
        n_init_weights: shape.n_synapses() as u32,
        init: 2,
        ..header(0)
    };
    let coeffs = test_coefficients(h.n_coefficients);
    let index: Vec<u16> = (0..shape.n_synapses()).map(|i| (i * 7 % k) as u16).collect();
    let init: Vec<f32> = (0..shape.n_synapses()).map(|i| i as f32 * -0.5).collect();
    let extras = rulefile::Extras::default();
    let len = rulefile::encoded_len_with(&h, &extras).unwrap();
    let mut words = vec![0u32; len.div_ceil(4)];
    let buf: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    assert_eq!(rulefile::encode_with(&h, &extras, &coeffs, &index, &[], &init, buf).unwrap(), len);
    let bytes = bytemuck::cast_slice::<u32, u8>(&words)[..len].to_vec();
    let f = RuleFile::parse(&bytes).unwrap();
    assert_eq!(f.shared_index().unwrap(), &index[..]);
    assert_eq!(f.init_weights().unwrap(), &init[..]);
    let t = f.table().unwrap();
    assert_eq!((t.layout(), t.n_rules()), (CoeffLayout::Shared, k));
    assert_eq!(t.index(), &index[..]);

    // Writing refuses an index past the table, one of the wrong length, or one for another layout.
    let mut out = vec![0u8; len];
    let mut bad = index.clone();
    bad[3] = k as u16;
    assert!(rulefile::encode_with(&h, &extras, &coeffs, &bad, &[], &init, &mut out).is_err());
    assert!(rulefile::encode_with(&h, &extras, &coeffs, &index[1..], &[], &init, &mut out).is_err());
    let plain = header(0);
    let pc = test_coefficients(plain.n_coefficients);
    let mut big = vec![0u8; rulefile::encoded_len(&plain).unwrap()];
    assert!(rulefile::encode_with(&plain, &extras, &pc, &index, &[], &[], &mut big).is_err());

    // Reading refuses a file whose index names rule k (patched in, CRC recomputed).
    let hlen = u16::from_le_bytes([bytes[6], bytes[7]]) as usize;
    let at = (8 + hlen).div_ceil(4) * 4 + 4 * h.n_coefficients as usize;
    assert_eq!(u16::from_le_bytes([bytes[at], bytes[at + 1]]), index[0]);
    let mut corrupt = bytes.clone();
    corrupt[at..at + 2].copy_from_slice(&(k as u16).to_le_bytes());
    fix_crc(&mut corrupt);
    assert!(matches!(RuleFile::parse(&corrupt), Err(Error::InvalidField(_))));
    // A shared table of a partial rule is refused.
    let odd = Header { n_coefficients: (rule.n_coeffs() * k + 1) as u32, ..h };
    assert!(rulefile::encoded_len_with(&odd, &extras).is_ok());
    assert!(
        rulefile::encode_with(
            &odd,
            &extras,
            &test_coefficients(odd.n_coefficients),
            &index,
            &[],
            &init,
            &mut out
        )
        .is_err()
    );
}
