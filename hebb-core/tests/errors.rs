//! Bad input gives typed errors, never a panic, and never changes state.

mod common;

use common::Xs;
use hebb_core::{
    AntNet, Config, Error, FixedNetwork, Network, NetworkMut, RuleKind, RuleTable, Shape, WeightInit,
    interchange, n_coefficients,
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
    let data = vec![0.0; n_coefficients(RuleKind::ABCD, &AntNet::SIZES)];
    let e =
        RuleTable::with_expected_rule(RuleKind::ABCDLr, RuleKind::ABCD, AntNet::SIZES, &data).unwrap_err();
    assert_eq!(e, Error::RuleMismatch { expected: RuleKind::ABCDLr, got: RuleKind::ABCD });
}

#[test]
fn table_for_other_sizes_is_rejected() {
    let sizes = [4, 128, 64, 2];
    let data = vec![0.0; n_coefficients(RuleKind::A, &sizes)];
    let table = RuleTable::new(RuleKind::A, sizes, &data).unwrap();
    let mut net = Box::new(AntNet::new(Config::ANT));
    assert!(matches!(net.step(&table, &[0.0; 28]), Err(Error::ShapeMismatch { .. })));
}

#[test]
fn non_finite_observation_is_rejected_and_state_kept() {
    let rule = RuleKind::ABCDLr;
    let mut rng = Xs(3);
    let data = rng.vec(n_coefficients(rule, &AntNet::SIZES), 0.2);
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
    assert_eq!(net.weights(), before.weights());
    assert_eq!(net.output(), before.output());
    // The wrong observation length is an error too, not a panic.
    assert!(matches!(net.step(&table, &[0.1; 27]), Err(Error::Length { what: "observation", .. })));
}

#[test]
fn weight_lengths_and_coevolve_init() {
    let mut net = hebb_core::HeapNetwork::with_shape([2, 3, 3, 1], Config::ANT).unwrap();
    assert!(matches!(net.set_weights(&[0.0; 4]), Err(Error::Length { .. })));
    assert!(matches!(net.export_weights(&mut [0.0; 40]), Err(Error::Length { .. })));
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    assert!(net.reset_weights(WeightInit::Coevolve, &mut rng).is_err());
}

#[test]
fn interchange_roundtrip_and_layout() {
    let sizes = [3, 4, 2, 1];
    let rule = RuleKind::ABCDLr;
    let n = n_coefficients(rule, &sizes);
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

/// Shapes: 1 to 8 plastic layers of 1 to 65536 neurons; anything else is a clear error, and
/// storage of the wrong size is refused by every constructor.
#[test]
fn shapes_and_storage_are_checked() {
    assert!(Shape::new(&[3]).is_err());
    assert!(Shape::new(&[3, 0, 2]).is_err());
    assert!(Shape::new(&[1; 10]).is_err());
    assert!(Shape::new(&[1; 9]).is_ok());
    assert!(Shape::new(&[70_000, 2]).is_err());
    assert_eq!(Shape::new(&[4, 32, 16, 8, 2]).unwrap().to_string(), "4-32-16-8-2");
    let mut w = [0.0; 10];
    let mut a = [0.0; 5];
    assert!(NetworkMut::on_buffers([2, 3, 2], Config::ANT, &mut w, &mut a).is_err());
    let mut w = [0.0; 12];
    assert!(NetworkMut::on_buffers([2, 3, 2], Config::ANT, &mut w, &mut a).is_ok());
    assert!(FixedNetwork::<12, 5>::fixed(&[2, 3, 2], Config::ANT).is_ok());
    assert!(FixedNetwork::<12, 6>::fixed(&[2, 3, 2], Config::ANT).is_err());
    assert!(Network::from_parts([2, 3, 2], Config::ANT, vec![0.0; 11], vec![0.0; 5]).is_err());
    let e = RuleTable::new(RuleKind::A, [2, 3, 2], &[0.0; 12])
        .and_then(|t| AntNet::new(Config::ANT).step(&t, &[0.0; 28]).map(|_| ()))
        .unwrap_err();
    assert_eq!(e.to_string(), "rule is for a 2-3-2 network, this one is 28-128-64-8");
}

/// A fixed-size network lives in a `static` (no heap, sizes known at compile time).
#[test]
fn fixed_network_in_a_static() {
    static NET: std::sync::Mutex<FixedNetwork<12, 5>> =
        std::sync::Mutex::new(match FixedNetwork::fixed(&[2, 3, 2], Config::ANT) {
            Ok(n) => n,
            Err(_) => panic!("sizes"),
        });
    let data = [0.01; 12];
    let table = RuleTable::new(RuleKind::A, [2, 3, 2], &data).unwrap();
    let mut net = NET.lock().unwrap();
    net.set_weights(&[0.1; 12]).unwrap();
    assert_eq!(net.step(&table, &[1.0, -1.0]).unwrap().len(), 2);
}
