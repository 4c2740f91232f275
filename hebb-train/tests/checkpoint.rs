//! The checkpoint decoder: every field validated on reading, no panic on any input (a
//! proptest over mutated checkpoints whose CRC is recomputed, so the mutations reach the
//! decoder proper), and the committed checkpoints still read.

use hebb_train::Setup;
use hebb_train::es::EsState;
use hebb_train::run::{Checkpoint, RunDir};
use proptest::prelude::*;

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

fn sample() -> Checkpoint {
    Checkpoint {
        state: EsState {
            params: vec![0.5, -1.25, 3.0, 0.0],
            n_penalized: 2,
            lr: 0.05,
            sigma: 0.1,
            generation: 3,
            seed: 7,
        },
        env_steps: 1234,
        wall_s: 2.5,
        shared: None,
    }
}

/// `body` (everything before the CRC) with a freshly computed CRC appended.
fn with_crc(mut body: Vec<u8>) -> Vec<u8> {
    let crc = CRC.checksum(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    body
}

/// A checkpoint's bytes without validation, as a careless writer would produce them.
fn raw(ck: &Checkpoint) -> Vec<u8> {
    let mut body = b"HEBBCKPT".to_vec();
    body.extend_from_slice(&1u32.to_le_bytes());
    // Version 1's body: the state and the two totals.
    body.extend_from_slice(&postcard::to_stdvec(&(&ck.state, ck.env_steps, ck.wall_s)).unwrap());
    with_crc(body)
}

#[test]
fn round_trip() {
    let ck = sample();
    let bytes = ck.encode().unwrap();
    assert_eq!(bytes, raw(&ck));
    assert_eq!(Checkpoint::decode(&bytes).unwrap(), ck);
}

/// A merged run's checkpoint (version 2) carries its shared rules; one without them stays a
/// version 1 file, which earlier builds read.
#[test]
fn shared_rules_round_trip_as_version_2() {
    let mut ck = sample();
    assert_eq!(u32::from_le_bytes(ck.encode().unwrap()[8..12].try_into().unwrap()), 1);
    ck.shared = Some(hebb_train::setup::SharedRules { n_rules: 2, index: vec![0, 1, 1, 0, 1] });
    let bytes = ck.encode().unwrap();
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 2);
    assert_eq!(Checkpoint::decode(&bytes).unwrap(), ck);
    // Truncated or flipped, it is refused like any other.
    let mut bad = bytes.clone();
    bad[20] ^= 1;
    assert!(Checkpoint::decode(&bad).is_err());
    assert!(Checkpoint::decode(&bytes[..bytes.len() - 3]).is_err());
}

#[test]
fn every_field_is_validated() {
    type Spoil = Box<dyn Fn(&mut Checkpoint)>;
    let cases: Vec<(Spoil, &str)> = vec![
        (Box::new(|c| c.state.params[1] = f32::NAN), "not finite"),
        (Box::new(|c| c.state.params[3] = f32::INFINITY), "not finite"),
        (Box::new(|c| c.state.params.clear()), "no parameters"),
        (Box::new(|c| c.state.n_penalized = 5), "penalised block"),
        (Box::new(|c| c.state.sigma = f64::NAN), "σ"),
        (Box::new(|c| c.state.sigma = -0.1), "σ"),
        (Box::new(|c| c.state.lr = f64::INFINITY), "learning rate"),
        (Box::new(|c| c.state.lr = 0.0), "learning rate"),
        (Box::new(|c| c.wall_s = f64::NAN), "wall time"),
        (Box::new(|c| c.wall_s = -1.0), "wall time"),
    ];
    for (i, (spoil, want)) in cases.iter().enumerate() {
        let mut ck = sample();
        spoil(&mut ck);
        let err = Checkpoint::decode(&raw(&ck)).unwrap_err();
        assert!(err.contains(want), "case {i}: {err}");
    }
    // Trailing bytes after a valid body, CRC recomputed.
    let mut body = raw(&sample());
    body.truncate(body.len() - 4);
    body.extend_from_slice(&[0, 0, 0]);
    let err = Checkpoint::decode(&with_crc(body)).unwrap_err();
    assert!(err.contains("3 unexpected bytes"), "{err}");
    // Envelope: magic, CRC, version.
    assert!(Checkpoint::decode(b"HEBBCKP").unwrap_err().contains("not a hebb checkpoint"));
    let mut bad_crc = raw(&sample());
    *bad_crc.last_mut().unwrap() ^= 1;
    assert!(Checkpoint::decode(&bad_crc).unwrap_err().contains("CRC"));
    let mut body = raw(&sample());
    body.truncate(body.len() - 4);
    body[8] = 3;
    assert!(Checkpoint::decode(&with_crc(body.clone())).unwrap_err().contains("version 3"));
    // A version 1 body labelled version 2 lacks the shared-rules field: refused, not misread.
    body[8] = 2;
    assert!(Checkpoint::decode(&with_crc(body)).is_err());
}

#[test]
fn checked_against_the_run() {
    let setup =
        Setup::new(hebb_train::TrainConfig { generations: 5, seed: 7, ..Default::default() }).unwrap();
    let good = EsState::new(setup.dim, setup.n_penalized, &setup.cfg.es, 7);
    let ck = Checkpoint::new(good, 0, 0.0);
    assert_eq!(ck.check_against(&setup, 5), Ok(()));
    let mut c = ck.clone();
    c.state.generation = 6;
    assert!(c.check_against(&setup, 5).unwrap_err().contains("more than the budget of 5"));
    let mut c = ck.clone();
    c.state.params.pop();
    assert!(c.check_against(&setup, 5).unwrap_err().contains("parameters"));
    let mut c = ck.clone();
    c.state.n_penalized -= 1;
    assert!(c.check_against(&setup, 5).unwrap_err().contains("penalised block"));
    let mut c = ck;
    c.state.seed = 8;
    assert!(c.check_against(&setup, 5).unwrap_err().contains("seed"));
}

/// The committed runs still load in full: config, setup, checkpoint checked against it.
#[test]
fn committed_checkpoints_still_read() {
    let results = concat!(env!("CARGO_MANIFEST_DIR"), "/../results");
    let mut n = 0;
    for entry in std::fs::read_dir(results).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("checkpoint.bin").exists() {
            continue;
        }
        let run = RunDir::open(&dir).unwrap();
        let mut setup = Setup::new(run.load_config().unwrap()).unwrap();
        let ck = run.load_checkpoint_for(&mut setup).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert_eq!(ck.state.params.len(), setup.dim);
        n += 1;
    }
    assert!(n >= 4, "only {n} committed runs found");
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn checkpoint() -> impl Strategy<Value = Checkpoint> {
    (
        prop::collection::vec(-1e3f32..1e3, 1..40),
        any::<usize>(),
        1e-6f64..10.0,
        1e-6f64..10.0,
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        0.0f64..1e6,
    )
        .prop_map(|(params, np, lr, sigma, generation, seed, env_steps, wall_s)| Checkpoint {
            state: n_penalized_fix(params, np, lr, sigma, generation, seed),
            env_steps,
            wall_s,
            shared: None,
        })
}

fn n_penalized_fix(params: Vec<f32>, np: usize, lr: f64, sigma: f64, generation: u32, seed: u64) -> EsState {
    let n_penalized = np % (params.len() + 1);
    EsState { params, n_penalized, lr, sigma, generation, seed }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any mutation of a valid checkpoint, CRC recomputed: the decoder does not panic, and what
    /// it accepts passes every check and re-encodes to the same checkpoint.
    #[test]
    fn mutated_checkpoints_never_panic_and_accepted_ones_are_valid(
        ck in checkpoint(),
        muts in prop::collection::vec(mutation(), 1..6),
    ) {
        let good = ck.encode().unwrap();
        prop_assert_eq!(&Checkpoint::decode(&good).unwrap(), &ck);
        let mut body = good[..good.len() - 4].to_vec();
        for m in muts {
            let n = body.len();
            match m {
                Mutation::Flip(i, b) if n > 0 => body[i % n] ^= b,
                Mutation::Set(i, b) if n > 0 => body[i % n] = b,
                Mutation::Insert(i, b) => body.insert(i % (n + 1), b),
                Mutation::Delete(i) if n > 0 => {
                    body.remove(i % n);
                }
                Mutation::Truncate(i) => body.truncate(i % (n + 1)),
                _ => {}
            }
        }
        let bytes = with_crc(body);
        if let Ok(got) = Checkpoint::decode(&bytes) {
            prop_assert!(got.validate().is_ok());
            let s = &got.state;
            prop_assert!(!s.params.is_empty() && s.params.iter().all(|v| v.is_finite()));
            prop_assert!(s.n_penalized <= s.params.len());
            prop_assert!(s.lr.is_finite() && s.lr > 0.0 && s.sigma.is_finite() && s.sigma > 0.0);
            prop_assert!(got.wall_s.is_finite() && got.wall_s >= 0.0);
            // The value survives a round trip (the bytes need not be canonical: postcard
            // accepts over-long varints, found by the fuzzer).
            prop_assert_eq!(Checkpoint::decode(&got.encode().unwrap()), Ok(got));
        }
    }
}
