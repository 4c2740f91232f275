//! Helpers shared by the cross-crate tests in `tests/tests/`.

use hebb_core::rulefile::{self, Encoding, Extras, Header};
use std::path::{Path, PathBuf};

use hebb_core::{Activation, CoeffLayout, Plasticity, RuleKind, Shape};
use rand_core::{Rng, SeedableRng};
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
    untrained_rule_file_with(shape, seed, rule, normalize, output, encoding, Beyond::default())
}

/// The options beyond the paper of a rule file from [`untrained_rule_file_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Beyond {
    /// Coefficients per synapse (the paper's), per neuron, or shared rules through an index.
    pub layout: CoeffLayout,
    /// Number of shared rules (`CoeffLayout::Shared` only; ignored otherwise).
    pub n_rules: usize,
    /// Update interval and averaging window (the default: the paper's per-step update).
    pub plasticity: Plasticity,
}

/// [`untrained_rule_file`] with the options beyond the paper: the coefficients (`0.1 · N(0, 1)`
/// from `seed`) in `beyond.layout` — for shared rules `beyond.n_rules` rules and a
/// deterministic per-synapse index (uniform over the rules, from `seed`) stored after them —
/// and `beyond.plasticity` in the header extension (`rulefile::encode_with`). With
/// `Beyond::default()` the bytes are [`untrained_rule_file`]'s.
pub fn untrained_rule_file_with(
    shape: Shape,
    seed: u64,
    rule: RuleKind,
    normalize: bool,
    output: Activation,
    encoding: Encoding,
    beyond: Beyond,
) -> Vec<u8> {
    let n_coefficients = match beyond.layout {
        CoeffLayout::Shared => beyond.n_rules * rule.n_coeffs(),
        layout => layout.n_coefficients(rule, &shape),
    };
    let header = Header {
        rule: rule.code(),
        layout: beyond.layout.code(),
        sizes: shape,
        normalize,
        output: output as u8,
        encoding,
        n_coefficients: u32::try_from(n_coefficients).expect("a test-sized rule table"),
        ..Header::untrained_ant(seed)
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut coeffs = vec![0.0f32; n_coefficients];
    hebb_core::init::fill_normal(&mut rng, 0.1, &mut coeffs);
    let index: Vec<u16> = if beyond.layout == CoeffLayout::Shared {
        let k = u64::try_from(beyond.n_rules).expect("at most 65,536 rules");
        (0..shape.n_synapses())
            .map(|_| u16::try_from(rng.next_u64() % k).expect("a rule index below 65,536"))
            .collect()
    } else {
        Vec::new()
    };
    let extras = Extras { plasticity: beyond.plasticity };
    let mut out = vec![0u8; rulefile::encoded_len_with(&header, &extras).expect("a valid test header")];
    let len = rulefile::encode_with(&header, &extras, &coeffs, &index, &[], &[], &mut out)
        .expect("a valid test rule");
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
