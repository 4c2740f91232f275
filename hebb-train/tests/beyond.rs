//! The options beyond the paper, end to end in the trainer: Hebbian-attractor updates
//! (`--hebb-every`, `--avg-window`), neuron-centric coefficients (`--rule-scope neuron`) and
//! Evolve & Merge (`--merge-every`, `--merge-k`) — parameter counts, the rule files they
//! export, evaluation from those files, determinism and resume across a merge.

#![allow(clippy::needless_range_loop)] // index arithmetic on planes reads clearer as loops

use hebb_core::CoeffLayout;
use hebb_core::rulefile::RuleFile;
use hebb_train::es::{EsConfig, EsState};
use hebb_train::eval::{evaluate, load_agent};
use hebb_train::run::{RunDir, files};
use hebb_train::setup::{Merge, RuleOptions, RuleScope};
use hebb_train::train::{RunOptions, resume, train_new};
use hebb_train::{Setup, TrainConfig, merge};

fn opts(threads: usize, stop_after: Option<u32>) -> RunOptions {
    RunOptions { threads, progress: false, stop_after, print_every: 0 }
}

fn cfg(options: RuleOptions, generations: u32) -> TrainConfig {
    TrainConfig {
        generations,
        es: EsConfig { pop: 16, ..TrainConfig::default().es },
        checkpoint_every: 2,
        options,
        ..TrainConfig::default()
    }
}

fn merging(every: u32, k: usize) -> RuleOptions {
    RuleOptions { merge: Some(Merge { every, k }), ..RuleOptions::default() }
}

/// Mean return over 8 episodes of what `path` (a run directory or a rule file) holds.
fn eval_path(path: &std::path::Path) -> f64 {
    let agent = load_agent(path, None).unwrap();
    let setup = agent.setup().unwrap();
    evaluate(&setup, &agent.params, 8, 99, 1).unwrap()[0].mean()
}

fn rule_file(dir: &std::path::Path) -> Vec<u8> {
    std::fs::read(dir.join(files::RULE)).unwrap()
}

#[test]
fn merging_halves_the_rules_down_to_k_and_the_rule_file_carries_them() {
    let d = tempfile::tempdir().unwrap();
    // 4-128-64-2: 8,832 synapses. Merges after generations 2, 4, 6 (none after the last, 7):
    // 8,832 → 4,416 → 2,208 → 1,500.
    let s = train_new(d.path(), cfg(merging(2, 1500), 7), opts(0, None)).unwrap();
    let run = RunDir::open(d.path()).unwrap();
    let ck = run.load_checkpoint().unwrap();
    let shared = ck.shared.as_ref().expect("a merged run's checkpoint holds its rules");
    assert!(shared.n_rules <= 1500 && shared.n_rules > 1400, "{} rules", shared.n_rules);
    assert_eq!(shared.index.len(), 8832);
    assert_eq!(ck.state.params.len(), 5 * shared.n_rules);
    assert_eq!(ck.state.n_penalized, 5 * shared.n_rules);
    assert_eq!(s.state.params, ck.state.params);

    let bytes = rule_file(d.path());
    let f = RuleFile::parse(&bytes).unwrap();
    assert_eq!(f.header().coeff_layout().unwrap(), CoeffLayout::Shared);
    assert_eq!(f.header().n_coefficients as usize, 5 * shared.n_rules);
    assert_eq!(f.shared_index().unwrap(), &shared.index[..]);
    // The rule file and the run directory are the same agent.
    assert_eq!(eval_path(&d.path().join(files::RULE)), eval_path(d.path()));
}

#[test]
fn a_merged_run_resumes_to_the_same_bits_on_any_thread_count() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let c = cfg(merging(2, 2000), 6);
    let straight = train_new(a.path(), c.clone(), opts(1, None)).unwrap();
    // Stop after the first merge's checkpoint, resume on two threads.
    train_new(b.path(), c, opts(2, Some(3))).unwrap();
    let mid = RunDir::open(b.path()).unwrap().load_checkpoint().unwrap();
    assert_eq!(mid.state.generation, 3);
    assert!(mid.shared.is_some(), "the checkpoint after generation 2's merge holds the shared rules");
    let resumed = resume(b.path(), None, opts(2, None)).unwrap();
    assert_eq!(straight.state, resumed.state);
    assert_eq!(rule_file(a.path()), rule_file(b.path()));
}

#[test]
fn a_merge_recovers_the_rules_it_was_built_from() {
    // Every synapse of a 4-4-2 network follows one of three distinct rules (plus a little
    // noise): merging to three rules finds those groups and their means.
    let c = TrainConfig {
        env: "cartpole".into(),
        hidden: vec![4],
        options: merging(1, 3),
        ..TrainConfig::default()
    };
    let setup = Setup::new(c).unwrap();
    assert_eq!(setup.sizes.n_synapses(), 4 * 4 + 4 * 2);
    let protos = [[1.0f32, 0.0, 0.0, 0.5, 0.1], [-1.0, 1.0, 0.0, -0.5, 0.2], [0.0, -1.0, 1.0, 0.0, 0.3]];
    let group = |s: usize| (s * 7) % 3;
    // Per-synapse structure-of-arrays: layer blocks of 5 planes of [n_out][n_in].
    let mut params = Vec::new();
    for (start, m) in [(0usize, 16usize), (16, 8)] {
        for k in 0..5 {
            for s in 0..m {
                let noise = ((start + s) as f32 * 0.37).sin() * 1e-3;
                params.push(protos[group(start + s)][k] + noise);
            }
        }
    }
    let mut state = EsState::new(setup.dim, setup.n_penalized, &setup.cfg.es, 1);
    state.params = params;
    let target = merge::due(&setup, 1).unwrap();
    assert_eq!(target, 12, "the first merge halves 24 rules");
    let m = merge::merge(&setup, &mut state, 3).unwrap();
    let shared = m.setup.shared.as_ref().unwrap();
    assert_eq!(shared.n_rules, 3);
    // Synapses of one group share a rule, different groups do not.
    for s in 0..24 {
        for t in 0..24 {
            assert_eq!(group(s) == group(t), shared.index[s] == shared.index[t], "synapses {s} and {t}");
        }
    }
    // Each rule is its group's prototype (to the noise), in planes [5][3].
    for s in 0..24 {
        let r = shared.index[s] as usize;
        for k in 0..5 {
            let v = state.params[k * 3 + r];
            assert!((v - protos[group(s)][k]).abs() < 2e-3, "rule {r} coefficient {k}: {v}");
        }
    }
    assert!(m.inertia < 1e-4, "{}", m.inertia);
}

#[test]
fn neuron_centric_rules_evolve_five_coefficients_per_neuron() {
    let d = tempfile::tempdir().unwrap();
    let o = RuleOptions { scope: RuleScope::Neuron, ..RuleOptions::default() };
    let c = cfg(o, 3);
    let setup = Setup::new(c.clone()).unwrap();
    // 4 + 128 + 64 + 2 neurons, 5 coefficients each (ABCD_lr).
    assert_eq!(setup.dim, 5 * 198);
    assert_eq!(setup.layout, CoeffLayout::PerNeuron);
    train_new(d.path(), c, opts(0, None)).unwrap();
    let bytes = rule_file(d.path());
    let f = RuleFile::parse(&bytes).unwrap();
    assert_eq!(f.header().coeff_layout().unwrap(), CoeffLayout::PerNeuron);
    assert_eq!(f.header().n_coefficients, 990);
    assert_eq!(eval_path(&d.path().join(files::RULE)), eval_path(d.path()));
}

#[test]
fn attractor_updates_change_the_dynamics_and_travel_in_the_rule_file() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let o = RuleOptions { hebb_every: 4, avg_window: 10, ..RuleOptions::default() };
    let plain = train_new(a.path(), cfg(RuleOptions::default(), 3), opts(0, None)).unwrap();
    let attr = train_new(b.path(), cfg(o, 3), opts(0, None)).unwrap();
    // Same seed and layout, other dynamics: the returns (and so the ES steps) differ.
    assert_eq!(plain.state.params.len(), attr.state.params.len());
    assert_ne!(plain.log[0].mean, attr.log[0].mean);
    let bytes = rule_file(b.path());
    let p = RuleFile::parse(&bytes).unwrap().extras().plasticity;
    assert_eq!((p.every, p.window), (4, 10));
    assert_eq!(eval_path(&b.path().join(files::RULE)), eval_path(b.path()));
}

#[test]
fn options_that_do_not_fit_are_refused_with_the_flag_named() {
    let bad = |o: RuleOptions, static_weights: bool| {
        Setup::new(TrainConfig { options: o, static_weights, ..TrainConfig::default() })
            .unwrap_err()
            .to_string()
    };
    let e = bad(RuleOptions { hebb_every: 0, ..RuleOptions::default() }, false);
    assert!(e.contains("--hebb-every"), "{e}");
    let e = bad(RuleOptions { hebb_every: 4, ..RuleOptions::default() }, true);
    assert!(e.contains("--static"), "{e}");
    let e = bad(RuleOptions { scope: RuleScope::Neuron, ..merging(5, 10) }, false);
    assert!(e.contains("--rule-scope neuron"), "{e}");
    let e = bad(merging(0, 10), false);
    assert!(e.contains("--merge-every"), "{e}");
    let e = bad(merging(5, 0), false);
    assert!(e.contains("--merge-k"), "{e}");
    // A configuration without options (every run saved before they existed) reads as the
    // paper's, and one with the paper's options writes none.
    let json = serde_json::to_string(&TrainConfig::default()).unwrap();
    assert!(!json.contains("options"), "{json}");
    let back: TrainConfig = serde_json::from_str(&json).unwrap();
    assert!(back.options.is_paper());
}

#[test]
fn settling_sees_frozen_and_drifting_weights() {
    // Pendulum: every episode lasts 200 steps.
    let c = TrainConfig { env: "pendulum".into(), normalize: Some(false), ..TrainConfig::default() };
    let setup = Setup::new(c).unwrap();
    // All coefficients zero: no weight ever changes, settled from the first measured step.
    let zero = vec![0.0f32; setup.dim];
    let s = hebb_train::eval::settling(&setup, &zero, 0, 1, 20, 0.01).unwrap();
    assert_eq!(s.last_change, 0.0);
    assert_eq!((s.steps, s.settled_at), (200, Some(20)), "{s:?}");
    // A constant drift (D = 1 with learning rate 1, everything else 0): every weight grows by
    // one per step: over 20 steps, 20 against about t, above 1 % for all 200 steps.
    let mut drift = zero.clone();
    let n = setup.sizes.n_synapses();
    // ABCD_lr planes per layer: A, B, C, D, lr — set D and lr of every synapse.
    let sizes = setup.sizes.as_slice().to_vec();
    let mut start = 0;
    for l in 0..sizes.len() - 1 {
        let m = sizes[l] * sizes[l + 1];
        for s in 0..m {
            drift[start + 3 * m + s] = 1.0;
            drift[start + 4 * m + s] = 1.0;
        }
        start += 5 * m;
    }
    assert_eq!(start, 5 * n);
    let s = hebb_train::eval::settling(&setup, &drift, 0, 1, 20, 0.01).unwrap();
    assert!(s.last_change > 0.05 && s.settled_at.is_none(), "{s:?}");
}
