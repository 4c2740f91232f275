//! Fuzz the rule-file decoder (format versions 1 and 2): no input may panic it, and an
//! accepted file must yield consistent views, re-encode (as version 2) to the same header and
//! coefficients, and — for networks small enough — step a network of the header's shape (any
//! depth). `cargo +nightly fuzz run rulefile` (from hebb-core/).
#![no_main]

use hebb_core::rulefile::{self, RuleFile};
use hebb_core::{Config, NetworkMut};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = RuleFile::parse(data) {
        let h = *f.header();
        let n = h.n_coefficients as usize;
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
        let _ = f.rule_table(h.sizes());
        let (Ok(cnn), Ok(init)) = (f.cnn_weights(), f.init_weights()) else { return };
        // Re-encoded as version 2: the same header and coefficients.
        let mut out = vec![0u8; rulefile::encoded_len(&h).expect("accepted header has a length")];
        if let Ok(len) = rulefile::encode(&h, &buf, cnn, init, &mut out) {
            let g = RuleFile::parse(&out[..len]).expect("re-encoded file parses");
            assert_eq!(g.header(), &h);
            let mut back = vec![0.0f32; n];
            g.copy_coefficients(&mut back).unwrap();
            assert!(buf.iter().zip(&back).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        // A network of the header's shape steps on the table (small networks only).
        let shape = h.sizes();
        if shape.n_synapses() <= 4096
            && let (Ok(table), Ok(config)) = (hebb_core::RuleTable::new(h.rule_kind().unwrap(), shape, &buf), h.config())
        {
            let (mut w, mut a) = (vec![0.01f32; shape.n_synapses()], vec![0.0f32; shape.n_activity()]);
            let mut net = NetworkMut::on_buffers(shape, config, &mut w, &mut a).unwrap();
            let obs = vec![0.5f32; shape.input()];
            let _ = net.step(&table, &obs);
        }
    }
});
