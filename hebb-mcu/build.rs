//! Places the rule file in the firmware: the path comes from `HEBB_RULE` (relative paths are
//! relative to this crate's directory, `hebb-mcu/`), default `rules/ant.hebb`. The file is
//! checked here with the same decoder the firmware uses, so a corrupt or wrong-shape rule file
//! fails the build with a clear message instead of a firmware that answers `NoRule`.

use std::path::PathBuf;

use hebb_core::AntNet;
use hebb_core::rulefile::RuleFile;

fn main() {
    println!("cargo:rerun-if-env-changed=HEBB_RULE");
    println!("cargo:rerun-if-changed=memory.x");
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    // memory.x next to link.x (cortex-m-rt's linker script INCLUDEs it).
    std::fs::copy(manifest.join("memory.x"), out.join("memory.x")).expect("copy memory.x to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());

    let rule = match std::env::var_os("HEBB_RULE") {
        Some(p) if !p.is_empty() => manifest.join(p),
        _ => manifest.join("rules/ant.hebb"),
    };
    println!("cargo:rerun-if-changed={}", rule.display());
    let bytes =
        std::fs::read(&rule).unwrap_or_else(|e| panic!("HEBB_RULE: cannot read {}: {e}", rule.display()));
    // Copy into u32 storage so the zero-copy decoder sees aligned bytes here too.
    let mut words = vec![0u32; bytes.len().div_ceil(4)];
    let aligned: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    aligned[..bytes.len()].copy_from_slice(&bytes);
    let file = RuleFile::parse(&aligned[..bytes.len()])
        .unwrap_or_else(|e| panic!("HEBB_RULE: {} is not a valid rule file: {e}", rule.display()));
    if let Err(e) = file.rule_table(AntNet::SIZES) {
        panic!("HEBB_RULE: {} does not fit the firmware's 28-128-64-8 network: {e}", rule.display());
    }
    std::fs::write(out.join("rule.hebb"), &bytes).expect("write rule.hebb to OUT_DIR");
}
