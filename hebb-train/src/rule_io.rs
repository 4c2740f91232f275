//! Reading rule files from disk into aligned memory: shared by evaluation ([`crate::eval`]) and
//! export/inspection ([`crate::export`]), which re-exports both items.

use std::path::Path;

use hebb_core::rulefile::RuleFile;

use crate::error::{Error, Result};

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
