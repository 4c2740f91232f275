//! Rule files: round trip, every corruption a typed error, no panic on any bytes.

use hebb_core::rulefile::{self, ActionMap, Encoding, Header, RuleFile};
use hebb_core::{AntNet, Error, RuleKind, n_coefficients};
use proptest::prelude::*;

fn header(n_cnn: u32) -> Header<'static> {
    Header {
        rule: RuleKind::ABCDLr.code(),
        sizes: [28, 128, 64, 8],
        output: 0,
        action_map: ActionMap::Direct,
        normalize: false,
        init: 0,
        encoding: Encoding::F32,
        n_coefficients: n_coefficients(RuleKind::ABCDLr, AntNet::SIZES) as u32,
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
    let h = header(n_cnn);
    let coeffs: Vec<f32> = (0..h.n_coefficients).map(|v| v as f32 * 1e-3).collect();
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
    assert_eq!(table.data()[1000], 1.0);
    // Zero-copy: the slice points into the input.
    assert!(bytes.as_ptr_range().contains(&(table.data().as_ptr() as *const u8)));
    assert_eq!(f.cnn_weights().unwrap(), &[0.0, -1.0, -2.0, -3.0, -4.0]);
    assert!(f.init_weights().unwrap().is_empty());
    // Misaligned input: the zero-copy view refuses, the copying path works.
    let mut shifted = vec![0u8; len + 1];
    shifted[1..].copy_from_slice(bytes);
    let g = RuleFile::parse(&shifted[1..]).unwrap();
    assert_eq!(g.coefficients().unwrap_err(), Error::Misaligned);
    let mut out = vec![0.0; header(0).n_coefficients as usize];
    g.copy_coefficients(&mut out).unwrap();
    assert_eq!(out, table.data());
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
        let mut with_magic = b"HEBB\x01\x00".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = RuleFile::parse(&with_magic);
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
