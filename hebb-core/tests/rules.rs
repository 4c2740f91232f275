//! Hand-computed cases for every rule of the family, and the network step against the naive
//! scalar reference of docs/method.md, Rules.

mod common;

use common::{Xs, close, net, reference_step, split_layers, to_memory};
use hebb_core::{Activation, Coefficients, Config, Kernel, RuleKind, RuleTable, n_coefficients, widen_f16};

/// (rule, coefficients, pre, post, expected Δw), worked out by hand.
const CASES: &[(RuleKind, &[f32], f32, f32, f32)] = &[
    // 2·0.5·(−1) = −1
    (RuleKind::A, &[2.0], 0.5, -1.0, -1.0),
    // 2·0.5·(−1) + 0.25 = −0.75
    (RuleKind::AD, &[2.0, 0.25], 0.5, -1.0, -0.75),
    // 0.5·(2·0.5·(−1) + 0.25) = −0.375
    (RuleKind::ADLr, &[2.0, 0.25, 0.5], 0.5, -1.0, -0.375),
    // 1·0.5·2 + 3·0.5 + (−1)·2 = 1 + 1.5 − 2 = 0.5
    (RuleKind::ABC, &[1.0, 3.0, -1.0], 0.5, 2.0, 0.5),
    // 0.1·0.5 = 0.05
    (RuleKind::ABCLr, &[1.0, 3.0, -1.0, 0.1], 0.5, 2.0, 0.05),
    // 0.5 + 4 = 4.5
    (RuleKind::ABCD, &[1.0, 3.0, -1.0, 4.0], 0.5, 2.0, 4.5),
    // η=0.5: 0.5·(0.5 + (−0.25)) = 0.125
    (RuleKind::ABCDLr, &[1.0, 3.0, -1.0, 0.5, -0.25], 0.5, 2.0, 0.125),
    // 0.5·0.5 + (−0.25) = 0
    (RuleKind::ABCDLrDOut, &[1.0, 3.0, -1.0, 0.5, -0.25], 0.5, 2.0, 0.0),
    // 0.5·(0.5 − 0.25) + 2 = 2.125
    (RuleKind::ABCDLrDInAndOut, &[1.0, 3.0, -1.0, 0.5, -0.25, 2.0], 0.5, 2.0, 2.125),
];

#[test]
fn hand_computed_deltas() {
    assert_eq!(CASES.len(), RuleKind::ALL.len());
    for &(rule, c, pre, post, want) in CASES {
        assert_eq!(c.len(), rule.n_coeffs(), "{rule}");
        assert_eq!(rule.delta(c, pre, post), want, "{rule}");
    }
}

/// The same hand-computed cases, run through a whole (tiny) network: 1 → 1 → 1 → 1 with
/// identity-like conditions. Layer 1 sees pre = observation and post = tanh(w·obs); we check
/// the first layer's new weight against the hand formula with those activities.
#[test]
fn hand_computed_through_network() {
    for &(rule, c, pre, _, _) in CASES {
        let n = rule.n_coeffs();
        // Same coefficients on all three synapses.
        let coeffs: Vec<f32> = (0..3).flat_map(|_| c.iter().copied()).collect();
        let mem = to_memory(rule, &[1, 1, 1, 1], &coeffs);
        assert_eq!(mem.len(), 3 * n);
        let table = RuleTable::new(rule, [1, 1, 1, 1], &mem).unwrap();
        let mut net = net(&[1, 1, 1, 1], Config::ANT);
        net.set_weights(&[0.5, 0.5, 0.5]).unwrap();
        net.step(&table, &[pre]).unwrap();
        let post = hebb_core::activation::tanh(0.5 * pre);
        let want = 0.5 + rule.delta(c, pre, post);
        assert_eq!(net.weights()[0], want, "{rule}");
    }
}

fn run_against_reference(sizes: &[usize], config: Config, seed: u64) {
    for rule in RuleKind::ALL {
        let mut rng = Xs(seed + rule.code() as u64);
        let cx = rng.vec(n_coefficients(rule, sizes), 0.3);
        let mem = to_memory(rule, sizes, &cx);
        let table = RuleTable::new(rule, sizes, &mem).unwrap();
        let w0 = rng.vec(hebb_core::n_synapses(sizes), 0.1);
        let mut refw = split_layers(sizes, &w0);
        let mut net = net(sizes, config);
        net.set_weights(&w0).unwrap();
        for t in 0..5 {
            let obs: Vec<f32> = rng.vec(sizes[0], 2.0);
            let want = reference_step(rule, sizes, &mut refw, &cx, &obs, config.output, config.normalize);
            let got = net.step(&table, &obs).unwrap().to_vec();
            for (g, w) in got.iter().zip(&want) {
                assert!(close(*g, *w, 1e-5), "{sizes:?} {rule} step {t}: output {g} vs {w}");
            }
            for (l, (gl, refl)) in split_layers(sizes, net.weights()).iter().zip(&refw).enumerate() {
                for (g, w) in gl.iter().zip(refl) {
                    assert!(close(*g, *w, 1e-5), "{sizes:?} {rule} step {t} layer {l}: weight {g} vs {w}");
                }
            }
        }
    }
}

#[test]
fn ant_sizes_match_reference_every_rule() {
    run_against_reference(&[28, 128, 64, 8], Config::ANT, 1);
}

#[test]
fn odd_sizes_with_normalisation_match_reference() {
    run_against_reference(&[13, 7, 9, 3], Config::CAR, 2);
    run_against_reference(&[4, 17, 5, 2], Config { normalize: false, ..Config::CAR }, 3);
}

/// Depths 1 to 5 with odd sizes against the naive reference, with and without normalisation.
#[test]
fn any_depth_matches_reference_every_rule() {
    for (k, sizes) in DEPTHS.iter().enumerate() {
        run_against_reference(sizes, Config::CAR, 40 + k as u64);
        run_against_reference(sizes, Config::ANT, 50 + k as u64);
    }
}

/// Shapes of depth 1 to 5, odd sizes (tails of every length against the 8 lanes).
const DEPTHS: [&[usize]; 6] =
    [&[5, 3], &[9, 13, 2], &[4, 32, 16, 8, 2], &[3, 17, 1, 11, 7], &[21, 15, 9, 33, 5, 1], &[1, 1]];

/// Two networks from weights `w0`, each with its configuration and table, fed the same `steps`
/// random observations: every output and, at the end, every weight must have the same bits.
fn assert_lockstep(
    sizes: &[usize],
    a: (Config, &RuleTable<'_>),
    b: (Config, &RuleTable<'_>),
    w0: &[f32],
    rng: &mut Xs,
    steps: usize,
    label: &str,
) {
    let mut na = net(sizes, a.0);
    let mut nb = net(sizes, b.0);
    na.set_weights(w0).unwrap();
    nb.set_weights(w0).unwrap();
    for _ in 0..steps {
        let obs = rng.vec(sizes[0], 3.0);
        let oa: Vec<u32> = na.step(a.1, &obs).unwrap().iter().map(|x| x.to_bits()).collect();
        let ob: Vec<u32> = nb.step(b.1, &obs).unwrap().iter().map(|x| x.to_bits()).collect();
        assert_eq!(oa, ob, "{label}");
    }
    let (wa, wb) = (na.weights(), nb.weights());
    assert!(wa.iter().zip(wb).all(|(x, y)| x.to_bits() == y.to_bits()), "{label} weights");
}

/// The AVX2 kernel is bit-identical to the portable one (which is what the firmware runs).
#[test]
fn kernels_bit_identical_every_rule() {
    if !Kernel::Avx2.is_supported() {
        eprintln!("AVX2 not available: only the portable kernel exists here");
        return;
    }
    fn check(sizes: &[usize], config: Config) {
        for rule in RuleKind::ALL {
            let mut rng = Xs(99 + rule.code() as u64);
            let mem = rng.vec(n_coefficients(rule, sizes), 0.5);
            let table = RuleTable::new(rule, sizes, &mem).unwrap();
            let w0 = rng.vec(hebb_core::n_synapses(sizes), 0.1);
            let a = (Config { kernel: Kernel::Portable, ..config }, &table);
            let b = (Config { kernel: Kernel::Avx2, ..config }, &table);
            assert_lockstep(sizes, a, b, &w0, &mut rng, 20, &format!("{sizes:?} {rule}"));
        }
    }
    check(&[28, 128, 64, 8], Config::ANT);
    check(&[11, 9, 7, 5], Config::CAR);
    check(&[3, 1, 8, 1], Config::ANT);
    // Depths 1 to 5, odd sizes, with and without normalisation and both output activations.
    for sizes in DEPTHS {
        check(sizes, Config::ANT);
        check(sizes, Config::CAR);
    }
}

/// A half-precision table computes exactly what its widened `f32` table computes, on every
/// kernel this CPU has, for every rule, with and without normalisation.
#[test]
fn half_precision_tables_equal_their_widened_f32_tables() {
    fn check(sizes: &[usize], config: Config) {
        for rule in RuleKind::ALL {
            let mut rng = Xs(7 + rule.code() as u64);
            let exact = rng.vec(n_coefficients(rule, sizes), 0.5);
            let halves: Vec<u16> = exact.iter().map(|&c| half::f16::from_f32(c).to_bits()).collect();
            let widened: Vec<f32> = halves.iter().map(|&h| widen_f16(h)).collect();
            let t16 = RuleTable::from_coefficients(rule, sizes, Coefficients::F16(&halves)).unwrap();
            let t32 = RuleTable::new(rule, sizes, &widened).unwrap();
            let w0 = rng.vec(hebb_core::n_synapses(sizes), 0.1);
            let kernels = [Kernel::Portable, Kernel::Avx2].into_iter().filter(|k| k.is_supported());
            for kernel in kernels {
                let (a, b) = ((Config { kernel, ..config }, &t16), (Config { kernel, ..config }, &t32));
                assert_lockstep(sizes, a, b, &w0, &mut rng, 10, &format!("{rule} {kernel:?}"));
            }
        }
    }
    check(&[28, 128, 64, 8], Config::ANT);
    check(&[11, 9, 7, 5], Config::CAR);
    check(&[4, 32, 16, 8, 2], Config::CAR);
}

#[test]
fn static_forward_leaves_weights() {
    let mut rng = Xs(5);
    let w0 = rng.vec(hebb_core::n_synapses(&[4, 8, 8, 2]), 0.1);
    let mut net = net(&[4, 8, 8, 2], Config { output: Activation::Identity, ..Config::ANT });
    net.set_weights(&w0).unwrap();
    let a = net.forward(&[1.0, -1.0, 0.5, 0.0]).unwrap().to_vec();
    let b = net.forward(&[1.0, -1.0, 0.5, 0.0]).unwrap().to_vec();
    assert_eq!(a, b);
    let mut w = vec![0.0; w0.len()];
    net.export_weights(&mut w).unwrap();
    assert_eq!(w, w0);
}
