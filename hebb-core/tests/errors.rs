//! Bad input gives typed errors, never a panic, and never changes state.

mod common;

use common::Xs;
use hebb_core::{
    AntNet, Config, Error, Network, RuleKind, RuleTable, WeightInit, interchange, n_coefficients,
};
use rand_core::SeedableRng;

#[test]
fn wrong_table_length() {
    let data = vec![0.0; 10];
    let e = RuleTable::new(RuleKind::ABCDLr, AntNet::SIZES, &data).unwrap_err();
    assert_eq!(e, Error::Length { what: "coefficient table", expected: 61_440, got: 10 });
    assert!(e.to_string().contains("61440"));
}

#[test]
fn wrong_rule_for_table() {
    let data = vec![0.0; n_coefficients(RuleKind::ABCD, AntNet::SIZES)];
    let e =
        RuleTable::with_expected_rule(RuleKind::ABCDLr, RuleKind::ABCD, AntNet::SIZES, &data).unwrap_err();
    assert_eq!(e, Error::RuleMismatch { expected: RuleKind::ABCDLr, got: RuleKind::ABCD });
}

#[test]
fn table_for_other_sizes_is_rejected() {
    let sizes = [4, 128, 64, 2];
    let data = vec![0.0; n_coefficients(RuleKind::A, sizes)];
    let table = RuleTable::new(RuleKind::A, sizes, &data).unwrap();
    let mut net = Box::new(AntNet::new(Config::ANT));
    assert!(matches!(net.step(&table, &[0.0; 28]), Err(Error::ShapeMismatch { .. })));
}

#[test]
fn non_finite_observation_is_rejected_and_state_kept() {
    let rule = RuleKind::ABCDLr;
    let mut rng = Xs(3);
    let data = rng.vec(n_coefficients(rule, AntNet::SIZES), 0.2);
    let table = RuleTable::new(rule, AntNet::SIZES, &data).unwrap();
    let mut net = Box::new(AntNet::new(Config::ANT));
    net.reset_weights(WeightInit::Uniform, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1)).unwrap();
    net.step(&table, &[0.3; 28]).unwrap();
    let before = net.clone();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut obs = [0.1; 28];
        obs[17] = bad;
        assert_eq!(net.step(&table, &obs).unwrap_err(), Error::NonFiniteObservation { index: 17 });
        assert_eq!(net.forward(&obs).unwrap_err(), Error::NonFiniteObservation { index: 17 });
    }
    for l in 0..3 {
        assert_eq!(net.weights()[l], before.weights()[l]);
    }
    assert_eq!(net.output(), before.output());
}

#[test]
fn weight_lengths_and_coevolve_init() {
    let mut net = Network::<2, 3, 3, 1>::new(Config::ANT);
    assert!(matches!(net.set_weights(&[0.0; 4]), Err(Error::Length { .. })));
    assert!(matches!(net.export_weights(&mut [0.0; 40]), Err(Error::Length { .. })));
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    assert!(net.reset_weights(WeightInit::Coevolve, &mut rng).is_err());
}

#[test]
fn interchange_roundtrip_and_layout() {
    let sizes = [3, 4, 2, 1];
    let rule = RuleKind::ABCDLr;
    let n = n_coefficients(rule, sizes);
    let x: Vec<f32> = (0..n).map(|v| v as f32).collect();
    let mut m = vec![0.0; n];
    interchange::coeffs_from_interchange(rule, sizes, &x, &mut m).unwrap();
    // Layer 0: synapse (i=2 → j=1) has interchange index 2·4+1 = 9; coefficient k=3 sits at
    // 9·5+3 = 48 there, and at 3·(4·3) + 1·3 + 2 = 41 in memory.
    assert_eq!(m[41], 48.0);
    let mut back = vec![0.0; n];
    interchange::coeffs_to_interchange(rule, sizes, &m, &mut back).unwrap();
    assert_eq!(back, x);
    assert!(interchange::coeffs_to_interchange(rule, sizes, &m[1..], &mut back).is_err());
}

#[test]
fn rule_names_parse() {
    for r in RuleKind::ALL {
        assert_eq!(r.name().parse::<RuleKind>().unwrap(), r);
        assert_eq!(RuleKind::from_code(r.code()).unwrap(), r);
    }
    assert_eq!("abcd-lr".parse::<RuleKind>().unwrap(), RuleKind::ABCDLr);
    assert!("ABCDE".parse::<RuleKind>().is_err());
    assert_eq!(RuleKind::from_code(9), Err(Error::UnknownRule(9)));
}
