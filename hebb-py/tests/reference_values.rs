//! Reference values computed by hebb's Rust code (hebb-core's network, hebb-train's ES), kept
//! in `tests/data/reference.json`. This test recomputes them and compares with the file; the
//! Python tests (`tests/test_network_es.py`) check that the Python package reproduces the same
//! file bit for bit. `HEBB_BLESS=1 cargo test -p hebb-py --test reference_values` rewrites it.

use hebb_core::{Activation, Config, HeapNetwork, Kernel, RuleKind, RuleTable, WeightInit};
use hebb_train::es::{EsConfig, EsState};
use rand_core::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{Value, json};

/// An `f64` as the hex string of its bits (JSON numbers do not round-trip every `f64`).
fn hex(v: f64) -> String {
    format!("{:016x}", v.to_bits())
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// FNV-1a over the values' bit patterns (little-endian bytes).
fn fnv(v: &[f32]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for x in v {
        for b in x.to_bits().to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn normals(seed: u64, n: usize, scale: f32) -> Vec<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let x: f64 = StandardNormal.sample(&mut rng);
            scale * x as f32
        })
        .collect()
}

fn network_case(rule: RuleKind, sizes: &[usize], output: Activation, normalize: bool, seed: u64) -> Value {
    let shape = hebb_core::Shape::new(sizes).unwrap();
    let coeffs = normals(seed, shape.n_coefficients(rule), 0.1);
    let mut net =
        HeapNetwork::with_shape(shape, Config { output, normalize, kernel: Kernel::best() }).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed + 1);
    net.reset_weights(WeightInit::Uniform, &mut rng).unwrap();
    let table = RuleTable::new(rule, shape, &coeffs).unwrap();
    let obs = normals(seed + 2, 6 * sizes[0], 1.0);
    let outputs: Vec<Vec<u32>> = obs.chunks(sizes[0]).map(|o| bits(net.step(&table, o).unwrap())).collect();
    let activations: Vec<Vec<u32>> = (0..shape.depth()).map(|l| bits(net.activity(l).unwrap())).collect();
    json!({
        "rule": rule.name(),
        "sizes": sizes,
        "output": match output { Activation::Tanh => "tanh", Activation::Identity => "identity" },
        "normalize": normalize,
        "weight_seed": seed + 1,
        "coefficients": bits(&coeffs),
        "observations": bits(&obs),
        "outputs": outputs,
        "weights": bits(net.weights()),
        "activations": activations,
    })
}

fn es_case(dim: usize, n_penalized: usize, cfg: EsConfig, seed: u64, full: bool) -> Value {
    let mut s = EsState::new(dim, n_penalized, &cfg, seed);
    let mut gens = vec![];
    for g in 0..3u32 {
        let mut cands = vec![0.0f32; cfg.pop * dim];
        for (i, c) in cands.chunks_mut(dim).enumerate() {
            s.candidate(i, c);
        }
        // A fitness that depends on the candidates, ties included (pairs of equal returns).
        let returns: Vec<f64> = cands
            .chunks(dim)
            .enumerate()
            .map(|(i, c)| {
                if i % 3 == 2 {
                    1.0
                } else {
                    -(c.iter().map(|v| (v - 0.5) * (v - 0.5)).sum::<f32>() as f64) + g as f64
                }
            })
            .collect();
        let fitness: Vec<f64> =
            returns.iter().zip(cands.chunks(dim)).map(|(r, c)| r + s.penalty(c, cfg.weight_decay)).collect();
        s.update(&fitness, &cfg);
        gens.push(json!({
            "candidates_fnv": fnv(&cands),
            "candidates": if full { json!(bits(&cands)) } else { Value::Null },
            "returns": returns.iter().map(|&r| hex(r)).collect::<Vec<_>>(),
            "mean_fnv": fnv(&s.params),
            "mean": if full { json!(bits(&s.params)) } else { Value::Null },
            "lr": hex(s.lr),
            "sigma": hex(s.sigma),
        }));
    }
    json!({
        "dim": dim,
        "n_penalized": n_penalized,
        "pop": cfg.pop,
        "lr": hex(cfg.lr),
        "sigma": hex(cfg.sigma),
        "weight_decay": hex(cfg.weight_decay),
        "init": match cfg.init { hebb_train::es::ParamInit::Normal => "normal", hebb_train::es::ParamInit::Uniform => "uniform" },
        "seed": seed,
        "generations": gens,
    })
}

fn reference() -> Value {
    use hebb_train::es::ParamInit;
    json!({
        "note": "computed by hebb-py/tests/reference_values.rs (hebb-core network, hebb-train ES); floats as IEEE-754 bit patterns",
        "networks": [
            network_case(RuleKind::ABCDLr, &[5, 7, 3], Activation::Tanh, false, 11),
            network_case(RuleKind::ABC, &[4, 6, 5, 2], Activation::Identity, true, 21),
            network_case(RuleKind::ABCDLrDInAndOut, &[3, 4, 2], Activation::Tanh, true, 31),
        ],
        "es": [
            es_case(37, 20, EsConfig { pop: 6, lr: 0.1, sigma: 0.05, ..EsConfig::default() }, 9, true),
            es_case(
                hebb_train::es::BLOCK + 123,
                100,
                EsConfig { pop: 10, init: ParamInit::Uniform, ..EsConfig::default() },
                4,
                false,
            ),
        ],
    })
}

#[test]
fn reference_file_matches_the_rust_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference.json");
    let now = reference();
    if std::env::var_os("HEBB_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&now).unwrap() + "\n";
        hebb_train::fsio::write_atomic(&path, text.as_bytes()).unwrap();
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (write it with HEBB_BLESS=1)", path.display()));
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved, now, "{} is stale: the Rust code now computes other values", path.display());
}
