//! `hebb inspect` names the options beyond the paper that a rule file carries: the
//! neuron-centric and shared coefficient layouts and the Hebbian-attractor window.

use std::process::Command;

use hebb_core::rulefile::{self, Extras, Header};
use hebb_core::{CoeffLayout, Plasticity, RuleKind, Shape};

fn write(
    dir: &std::path::Path,
    name: &str,
    h: &Header<'_>,
    extras: &Extras,
    index: &[u16],
) -> std::path::PathBuf {
    let coeffs = vec![0.01f32; h.n_coefficients as usize];
    let mut out = vec![0u8; rulefile::encoded_len_with(h, extras).unwrap()];
    let n = rulefile::encode_with(h, extras, &coeffs, index, &[], &[], &mut out).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, &out[..n]).unwrap();
    path
}

fn inspect(path: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hebb")).arg("inspect").arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn inspect_names_layouts_and_the_attractor_window() {
    let dir = tempfile::tempdir().unwrap();
    let shape = Shape::new(&[4, 8, 2]).unwrap();
    let rule = RuleKind::ABCDLr;
    let base = Header {
        rule: rule.code(),
        sizes: shape,
        n_coefficients: shape.n_coefficients(rule) as u32,
        ..Header::untrained_ant(1)
    };
    let plain = inspect(&write(dir.path(), "plain.hebb", &base, &Extras::default(), &[]));
    assert!(plain.contains("5 coefficients per synapse"), "{plain}");
    assert!(!plain.contains("plasticity"), "{plain}");

    let per_neuron = Header {
        layout: CoeffLayout::PerNeuron.code(),
        n_coefficients: (5 * shape.n_neurons()) as u32,
        ..base
    };
    let window = Extras { plasticity: Plasticity::ATTRACTOR };
    let s = inspect(&write(dir.path(), "neuron.hebb", &per_neuron, &window, &[]));
    assert!(s.contains("5 coefficients per neuron: neuron-centric"), "{s}");
    assert!(s.contains("update every 4 steps, on activities averaged over 10 steps"), "{s}");
    assert!(s.contains("coefficients   70 "), "{s}");

    let shared = Header { layout: CoeffLayout::Shared.code(), n_coefficients: 5 * 3, ..base };
    let index: Vec<u16> = (0..shape.n_synapses()).map(|i| (i % 3) as u16).collect();
    let s = inspect(&write(dir.path(), "shared.hebb", &shared, &Extras::default(), &index));
    assert!(s.contains("3 shared rules of 5 coefficients, a rule index per synapse"), "{s}");
}
