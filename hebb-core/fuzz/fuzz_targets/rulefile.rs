//! Fuzz the rule-file decoder: no input may panic it, and an accepted file must yield
//! consistent views. `cargo +nightly fuzz run rulefile` (from hebb-core/).
#![no_main]

use hebb_core::rulefile::RuleFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = RuleFile::parse(data) {
        let n = f.header().n_coefficients as usize;
        let mut buf = vec![0.0f32; n];
        f.copy_coefficients(&mut buf).expect("accepted file copies its coefficients");
        if let Ok(c) = f.coefficients() {
            assert_eq!(c.len(), n);
        }
        // Either encoding (f32 or f16 bit patterns), zero-copy where aligned.
        if let Ok(v) = f.coefficient_view() {
            assert_eq!(v.len(), n);
            assert!((0..n).all(|i| v.get(i).map(f32::to_bits) == Some(buf[i].to_bits())));
        }
        let _ = f.rule_table(f.header().sizes());
        let _ = f.cnn_weights();
        let _ = f.init_weights();
    }
});
