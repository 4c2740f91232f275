//! Rule files from runs: export and inspection.

use std::path::Path;

use hebb_core::Activation;
use hebb_core::rulefile::{self, ActionMap, Encoding, Header, RuleFile};

use crate::error::{Error, Result};
use crate::es::EsState;
use crate::policy::ActionMapping;
use crate::run::write_atomic;
use crate::setup::Setup;

/// Encodes the run's current rule (the ES mean) as a rule file.
pub fn rule_file_bytes(setup: &Setup, state: &EsState) -> Result<Vec<u8>> {
    if setup.cfg.static_weights {
        return Err(Error::Config("a static-weight run has no plasticity rule to export".into()));
    }
    let parts = setup.split(&state.params)?;
    let (coeffs, cnn, init) = (parts.head, parts.cnn, parts.init);
    let morph = setup.cfg.variants.join(",");
    let header = Header {
        rule: setup.rule.code(),
        sizes: setup.sizes.map(|s| s as u32),
        output: setup.mapping.output_activation() as u8,
        action_map: match setup.mapping {
            ActionMapping::Argmax => ActionMap::Argmax,
            ActionMapping::TanhClip { .. } => ActionMap::Direct,
            ActionMapping::Car => ActionMap::Car,
        },
        normalize: setup.normalize,
        init: setup.init as u8,
        encoding: Encoding::F32,
        n_coefficients: coeffs.len() as u32,
        n_cnn_weights: cnn.len() as u32,
        n_init_weights: init.len() as u32,
        env: &setup.cfg.env,
        morphologies: &morph,
        seed: setup.cfg.seed,
        generations: state.generation,
    };
    let mut buf = vec![0u8; rulefile::encoded_len(&header)?];
    let n = rulefile::encode(&header, coeffs, cnn, init, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// Writes the rule file atomically.
pub fn write_rule_file(setup: &Setup, state: &EsState, path: &Path) -> Result<()> {
    write_atomic(path, &rule_file_bytes(setup, state)?)
}

/// Reads a rule file into memory, copying it into 4-byte-aligned storage so the zero-copy views
/// work, and checks it.
pub fn read_rule_file(path: &Path) -> Result<AlignedBytes> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let a = AlignedBytes::new(&bytes);
    RuleFile::parse(a.bytes())
        .map_err(|e| Error::Corrupt { path: path.to_path_buf(), msg: e.to_string() })?;
    Ok(a)
}

/// Bytes stored in `u32`s, hence 4-byte aligned.
#[derive(Debug, Clone)]
pub struct AlignedBytes {
    words: Vec<u32>,
    len: usize,
}

impl AlignedBytes {
    /// Copies `b`.
    pub fn new(b: &[u8]) -> Self {
        let mut words = vec![0u32; b.len().div_ceil(4)];
        for (w, c) in words.iter_mut().zip(b.chunks(4)) {
            let mut x = [0u8; 4];
            x[..c.len()].copy_from_slice(c);
            *w = u32::from_ne_bytes(x);
        }
        AlignedBytes { words, len: b.len() }
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: a `u32` slice viewed as bytes: same allocation, 4× the length, no padding;
        // `len` ≤ 4·words.len() by construction.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr() as *const u8, self.len) }
    }
}

/// A human-readable description of a rule file (`hebb inspect`).
pub fn describe(path: &Path) -> Result<String> {
    let a = read_rule_file(path)?;
    let f = RuleFile::parse(a.bytes())?;
    let h = f.header();
    let coeffs = f.coefficients()?;
    let n = coeffs.len() as f64;
    let mean = coeffs.iter().map(|&v| v as f64).sum::<f64>() / n.max(1.0);
    let std = (coeffs.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n.max(1.0)).sqrt();
    let (lo, hi) = coeffs.iter().fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let s = h.sizes;
    let rule = h.rule_kind()?;
    let mut out = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "file           {} ({} bytes, CRC ok, format v{})",
        path.display(),
        a.bytes().len(),
        rulefile::VERSION
    );
    let _ = writeln!(out, "rule           {rule} ({} coefficients per synapse)", rule.n_coeffs());
    let _ = writeln!(
        out,
        "network        {}-{}-{}-{} ({} synapses)",
        s[0],
        s[1],
        s[2],
        s[3],
        hebb_core::n_synapses(h.sizes())
    );
    let out_act = match h.output_activation()? {
        Activation::Tanh => "tanh",
        Activation::Identity => "raw",
    };
    let _ =
        writeln!(out, "output         {out_act}, action map {:?}, normalise {}", h.action_map, h.normalize);
    let _ = writeln!(out, "initial w      {:?}", h.weight_init()?);
    let _ = writeln!(
        out,
        "coefficients   {} ({:?}), mean {mean:.4}, std {std:.4}, min {lo:.4}, max {hi:.4}",
        coeffs.len(),
        h.encoding
    );
    if h.n_cnn_weights > 0 {
        let _ = writeln!(out, "CNN weights    {}", h.n_cnn_weights);
    }
    if h.n_init_weights > 0 {
        let _ = writeln!(out, "init weights   {}", h.n_init_weights);
    }
    let _ = writeln!(
        out,
        "trained on     {} {} (seed {}, {} generations)",
        h.env, h.morphologies, h.seed, h.generations
    );
    Ok(out)
}
