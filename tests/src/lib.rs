//! Helpers shared by the cross-crate tests in `tests/tests/`.

use hebb_core::rulefile::{self, Encoding, Header};
use std::path::{Path, PathBuf};

use hebb_core::{Activation, RuleKind, Shape};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A deterministic *untrained* rule file (coefficients `0.1 · N(0, 1)` from `seed`) for a
/// network of `shape` with the given rule, normalisation, output activation and coefficient
/// encoding — for firmware tests that must not depend on a training run.
pub fn untrained_rule_file(
    shape: Shape,
    seed: u64,
    rule: RuleKind,
    normalize: bool,
    output: Activation,
    encoding: Encoding,
) -> Vec<u8> {
    let header = Header {
        rule: rule.code(),
        sizes: shape,
        normalize,
        output: output as u8,
        encoding,
        n_coefficients: shape.n_coefficients(rule) as u32,
        ..Header::untrained_ant(seed)
    };
    let mut coeffs = vec![0.0f32; header.n_coefficients as usize];
    hebb_core::init::fill_normal(&mut Xoshiro256PlusPlus::seed_from_u64(seed), 0.1, &mut coeffs);
    let mut out = vec![0u8; rulefile::encoded_len(&header).expect("a valid test header")];
    let len = rulefile::encode(&header, &coeffs, &[], &[], &mut out).expect("a valid test rule");
    out.truncate(len);
    out
}

/// Writes `bytes` to `dir/name.hebb` (creating `dir`) unless the file already holds them, so a
/// firmware build keyed on the file stays cached; returns the path.
pub fn cached_rule_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create the rule directory");
    let path = dir.join(format!("{name}.hebb"));
    if std::fs::read(&path).ok().as_deref() != Some(bytes) {
        std::fs::write(&path, bytes).expect("write the rule file");
    }
    path
}
