//! The options beyond the paper: neuron-centric coefficients ([`CoeffLayout::PerNeuron`]) and
//! the Hebbian-attractor window ([`Plasticity`]: update every k-th step on activities averaged
//! over M steps). Each is checked bit for bit against an independent statement of its
//! definition, on every kernel this CPU has, for every rule, depths 1 to 5 and odd sizes.

mod common;

use common::{Xs, net};
use hebb_core::{
    ActivityWindow, CoeffLayout, Coefficients, Config, HeapWindow, Kernel, Plasticity, RuleKind, RuleTable,
    Shape, n_coefficients, n_synapses,
};

const SHAPES: [&[usize]; 6] =
    [&[5, 3], &[9, 13, 2], &[4, 32, 16, 8, 2], &[3, 17, 1, 11, 7], &[21, 15, 9, 33, 5, 1], &[70, 66, 3]];

fn kernels() -> Vec<Kernel> {
    [Kernel::Portable, Kernel::Avx2].into_iter().filter(|k| k.is_supported()).collect()
}

fn configs() -> [Config; 2] {
    [Config::ANT, Config::CAR]
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// The per-synapse table a per-neuron table stands for: coefficient k of synapse (i → j) of
/// layer l is `(c[k][pre_l + i] + c[k][post_l + j]) · 0.5`, written in the per-synapse memory
/// layout (`k` planes of `[n_out][n_in]` per layer).
fn expand_per_neuron(rule: RuleKind, sizes: &[usize], c: &[f32]) -> Vec<f32> {
    let n = rule.n_coeffs();
    let neurons: usize = sizes.iter().sum();
    let mut out = Vec::new();
    let mut first = 0;
    for l in 0..sizes.len() - 1 {
        let (n_in, n_out) = (sizes[l], sizes[l + 1]);
        let (pre, post) = (first, first + n_in);
        for k in 0..n {
            for j in 0..n_out {
                for i in 0..n_in {
                    out.push((c[k * neurons + pre + i] + c[k * neurons + post + j]) * 0.5);
                }
            }
        }
        first += n_in;
    }
    out
}

#[test]
fn per_neuron_table_sizes() {
    // The quadruped's network: 61,440 ABCD_lr coefficients per synapse, 1,140 per neuron.
    let s = Shape::new(&[28, 128, 64, 8]).unwrap();
    assert_eq!(CoeffLayout::PerSynapse.n_coefficients(RuleKind::ABCDLr, &s), 61_440);
    assert_eq!(CoeffLayout::PerNeuron.n_coefficients(RuleKind::ABCDLr, &s), 5 * 228);
    let c = vec![0.0f32; 5 * 228];
    assert!(
        RuleTable::with_layout(RuleKind::ABCDLr, CoeffLayout::PerNeuron, s, Coefficients::F32(&c)).is_ok()
    );
    let err = RuleTable::with_layout(RuleKind::ABCDLr, CoeffLayout::PerNeuron, s, Coefficients::F32(&c[1..]));
    assert!(err.is_err(), "a per-neuron table one value short must be refused");
    assert_eq!(CoeffLayout::from_code(1).unwrap(), CoeffLayout::PerNeuron);
}

/// A network on a per-neuron table computes, bit for bit, what it computes on the expanded
/// per-synapse table (which runs the fused step): outputs at every step and all weights.
#[test]
fn per_neuron_equals_its_expanded_per_synapse_table() {
    for (s, sizes) in SHAPES.iter().enumerate() {
        for rule in RuleKind::ALL {
            let mut rng = Xs(700 + 10 * s as u64 + u64::from(rule.code()));
            let neurons: usize = sizes.iter().sum();
            let c = rng.vec(rule.n_coeffs() * neurons, 0.4);
            let expanded = expand_per_neuron(rule, sizes, &c);
            assert_eq!(expanded.len(), n_coefficients(rule, sizes));
            let per_neuron =
                RuleTable::with_layout(rule, CoeffLayout::PerNeuron, *sizes, Coefficients::F32(&c)).unwrap();
            let per_synapse = RuleTable::new(rule, *sizes, &expanded).unwrap();
            let w0 = rng.vec(n_synapses(sizes), 0.1);
            let obs: Vec<Vec<f32>> = (0..12).map(|_| rng.vec(sizes[0], 2.5)).collect();
            for config in configs() {
                for kernel in kernels() {
                    let config = Config { kernel, ..config };
                    let (mut a, mut b) = (net(sizes, config), net(sizes, config));
                    a.set_weights(&w0).unwrap();
                    b.set_weights(&w0).unwrap();
                    for (t, o) in obs.iter().enumerate() {
                        let ya = bits(a.step(&per_neuron, o).unwrap());
                        let yb = bits(b.step(&per_synapse, o).unwrap());
                        assert_eq!(
                            ya, yb,
                            "{sizes:?} {rule} {kernel:?} normalize {} step {t}",
                            config.normalize
                        );
                    }
                    assert_eq!(bits(a.weights()), bits(b.weights()), "{sizes:?} {rule} {kernel:?} weights");
                }
            }
        }
    }
}

/// Half-precision per-neuron tables compute what their widened f32 tables compute.
#[test]
fn per_neuron_half_precision_equals_widened() {
    let sizes: &[usize] = &[9, 13, 2];
    let rule = RuleKind::ABCDLr;
    let mut rng = Xs(5);
    let c: Vec<f32> = rng.vec(rule.n_coeffs() * 24, 0.4);
    let h: Vec<u16> = c.iter().map(|&x| half::f16::from_f32(x).to_bits()).collect();
    let widened: Vec<f32> = h.iter().map(|&x| hebb_core::widen_f16(x)).collect();
    let t16 = RuleTable::with_layout(rule, CoeffLayout::PerNeuron, sizes, Coefficients::F16(&h)).unwrap();
    let t32 =
        RuleTable::with_layout(rule, CoeffLayout::PerNeuron, sizes, Coefficients::F32(&widened)).unwrap();
    let w0 = rng.vec(n_synapses(sizes), 0.1);
    let (mut a, mut b) = (net(sizes, Config::CAR), net(sizes, Config::CAR));
    a.set_weights(&w0).unwrap();
    b.set_weights(&w0).unwrap();
    for _ in 0..10 {
        let o = rng.vec(9, 2.0);
        assert_eq!(bits(a.step(&t16, &o).unwrap()), bits(b.step(&t32, &o).unwrap()));
    }
    assert_eq!(bits(a.weights()), bits(b.weights()));
}

/// The window's definition, stated independently: forward pass with the weights as they are;
/// record input and outputs; on steps t ≡ 0 (mod every) average the last min(t+1, window)
/// records (summed oldest slot first… in slot order, starting from slot 0's value), apply
/// `w += Δ(c, mean_pre, mean_post)` to every synapse with the scalar rule expression, then
/// divide each layer by its max |w| if normalising.
struct Reference {
    sizes: Vec<usize>,
    window: usize,
    every: u64,
    slots: Vec<Vec<f32>>,
    next: usize,
    t: u64,
}

impl Reference {
    fn step(
        &mut self,
        net: &mut hebb_core::HeapNetwork,
        rule: RuleKind,
        coeffs: &[f32],
        normalize: bool,
        obs: &[f32],
    ) -> Vec<f32> {
        let y = net.forward(obs).unwrap().to_vec();
        let mut rec = obs.to_vec();
        for l in 0..self.sizes.len() - 1 {
            rec.extend_from_slice(net.activity(l).unwrap());
        }
        if self.slots.len() < self.window {
            self.slots.push(rec);
        } else {
            self.slots[self.next] = rec;
        }
        self.next = (self.next + 1) % self.window;
        let due = self.t.is_multiple_of(self.every);
        self.t += 1;
        if !due {
            return y;
        }
        let width = self.slots[0].len();
        let mean: Vec<f32> = (0..width)
            .map(|i| {
                let mut s = self.slots[0][i];
                for slot in &self.slots[1..] {
                    s += slot[i];
                }
                s / self.slots.len() as f32
            })
            .collect();
        let n = rule.n_coeffs();
        let w = net.weights_mut();
        let (mut wat, mut cat, mut first) = (0, 0, 0);
        for l in 0..self.sizes.len() - 1 {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let plane = n_in * n_out;
            let (pre, post) = (&mean[first..first + n_in], &mean[first + n_in..first + n_in + n_out]);
            let layer = &mut w[wat..wat + plane];
            for j in 0..n_out {
                for i in 0..n_in {
                    let c: Vec<f32> = (0..n).map(|k| coeffs[cat + k * plane + j * n_in + i]).collect();
                    layer[j * n_in + i] += rule.delta(&c, pre[i], post[j]);
                }
            }
            if normalize {
                let m = layer.iter().fold(0.0f32, |m, w| if w.abs() > m { w.abs() } else { m });
                if m > 0.0 && m.is_finite() {
                    layer.iter_mut().for_each(|w| *w /= m);
                }
            }
            wat += plane;
            cat += n * plane;
            first += n_in;
        }
        y
    }
}

#[test]
fn window_matches_its_definition() {
    let settings = [(4, 10), (1, 3), (3, 1), (2, 2), (5, 7)];
    for (s, sizes) in SHAPES.iter().enumerate() {
        for rule in RuleKind::ALL {
            for (q, &(every, window)) in settings.iter().enumerate() {
                let mut rng = Xs(900 + 100 * s as u64 + 10 * q as u64 + u64::from(rule.code()));
                let coeffs = rng.vec(n_coefficients(rule, sizes), 0.3);
                let table = RuleTable::new(rule, *sizes, &coeffs).unwrap();
                let w0 = rng.vec(n_synapses(sizes), 0.1);
                let obs: Vec<Vec<f32>> = (0..23).map(|_| rng.vec(sizes[0], 2.0)).collect();
                let p = Plasticity::new(every, window).unwrap();
                for config in configs() {
                    for kernel in kernels() {
                        let config = Config { kernel, ..config };
                        let shape = Shape::new(sizes).unwrap();
                        let mut win = HeapWindow::for_shape(p, &shape).unwrap();
                        let (mut a, mut b) = (net(sizes, config), net(sizes, config));
                        a.set_weights(&w0).unwrap();
                        b.set_weights(&w0).unwrap();
                        let mut r = Reference {
                            sizes: sizes.to_vec(),
                            window: window.into(),
                            every: every.into(),
                            slots: vec![],
                            next: 0,
                            t: 0,
                        };
                        for (t, o) in obs.iter().enumerate() {
                            let label = format!("{sizes:?} {rule} k={every} M={window} {kernel:?} step {t}");
                            let ya = bits(a.step_windowed(&table, o, &mut win).unwrap());
                            let yb = bits(&r.step(&mut b, rule, &coeffs, config.normalize, o));
                            assert_eq!(ya, yb, "{label}: outputs");
                            assert_eq!(bits(a.weights()), bits(b.weights()), "{label}: weights");
                        }
                        assert_eq!(win.steps(), obs.len() as u64);
                    }
                }
            }
        }
    }
}

/// `every = window = 1` is the paper's step, bit for bit; and a window works with a
/// per-neuron table too (the two options combine).
#[test]
fn plain_window_is_the_plain_step_and_options_combine() {
    let sizes: &[usize] = &[4, 32, 16, 8, 2];
    let shape = Shape::new(sizes).unwrap();
    let rule = RuleKind::ABCDLr;
    let mut rng = Xs(31);
    let coeffs = rng.vec(n_coefficients(rule, sizes), 0.3);
    let table = RuleTable::new(rule, sizes, &coeffs).unwrap();
    let w0 = rng.vec(n_synapses(sizes), 0.1);
    let mut win = HeapWindow::for_shape(Plasticity::PAPER, &shape).unwrap();
    let (mut a, mut b) = (net(sizes, Config::CAR), net(sizes, Config::CAR));
    a.set_weights(&w0).unwrap();
    b.set_weights(&w0).unwrap();
    for _ in 0..15 {
        let o = rng.vec(4, 2.0);
        assert_eq!(bits(a.step_windowed(&table, &o, &mut win).unwrap()), bits(b.step(&table, &o).unwrap()));
    }
    assert_eq!(bits(a.weights()), bits(b.weights()));

    // Per-neuron + window: the same as the expanded per-synapse table + window.
    let c = rng.vec(rule.n_coeffs() * shape.n_neurons(), 0.3);
    let expanded = expand_per_neuron(rule, sizes, &c);
    let pn = RuleTable::with_layout(rule, CoeffLayout::PerNeuron, sizes, Coefficients::F32(&c)).unwrap();
    let ps = RuleTable::new(rule, sizes, &expanded).unwrap();
    let p = Plasticity::ATTRACTOR;
    let (mut wa, mut wb) =
        (HeapWindow::for_shape(p, &shape).unwrap(), HeapWindow::for_shape(p, &shape).unwrap());
    a.set_weights(&w0).unwrap();
    b.set_weights(&w0).unwrap();
    for _ in 0..30 {
        let o = rng.vec(4, 2.0);
        let ya = bits(a.step_windowed(&pn, &o, &mut wa).unwrap());
        let yb = bits(b.step_windowed(&ps, &o, &mut wb).unwrap());
        assert_eq!(ya, yb);
    }
    assert_eq!(bits(a.weights()), bits(b.weights()));
}

/// Weights change only on update steps, and a reset restarts the schedule.
#[test]
fn updates_happen_only_every_kth_step() {
    let sizes: &[usize] = &[3, 5, 2];
    let shape = Shape::new(sizes).unwrap();
    let rule = RuleKind::ABCDLr;
    let mut rng = Xs(8);
    let coeffs = rng.vec(n_coefficients(rule, sizes), 0.5);
    let table = RuleTable::new(rule, sizes, &coeffs).unwrap();
    let mut n = net(sizes, Config::ANT);
    n.set_weights(&rng.vec(n_synapses(sizes), 0.1)).unwrap();
    let mut win = HeapWindow::for_shape(Plasticity::new(3, 2).unwrap(), &shape).unwrap();
    let mut changed = vec![];
    for _ in 0..9 {
        let before = n.weights().to_vec();
        n.step_windowed(&table, &rng.vec(3, 1.0), &mut win).unwrap();
        changed.push(before != n.weights());
    }
    assert_eq!(changed, [true, false, false, true, false, false, true, false, false]);
    win.reset();
    assert_eq!(win.steps(), 0);
    let before = n.weights().to_vec();
    n.step_windowed(&table, &rng.vec(3, 1.0), &mut win).unwrap();
    assert_ne!(before, n.weights(), "the first step after a reset updates");
}

#[test]
fn bad_window_input_is_an_error() {
    let shape = Shape::new(&[3, 5, 2]).unwrap();
    assert!(Plasticity::new(0, 4).is_err());
    assert!(Plasticity::new(4, 0).is_err());
    let p = Plasticity::ATTRACTOR;
    assert_eq!(p.buffer_len(&shape), 11 * 10);
    assert!(ActivityWindow::on_buffer(p, &shape, vec![0.0; 109]).is_err());
    // A zero interval smuggled in through the public fields is refused too.
    assert!(ActivityWindow::on_buffer(Plasticity { every: 0, window: 1 }, &shape, vec![0.0; 20]).is_err());
    // A window for another shape is refused by the step, and the network is left unchanged.
    let other = Shape::new(&[3, 6, 2]).unwrap();
    let mut win = HeapWindow::for_shape(p, &other).unwrap();
    let rule = RuleKind::ABCDLr;
    let coeffs = vec![0.1; n_coefficients(rule, &[3, 5, 2])];
    let table = RuleTable::new(rule, [3, 5, 2], &coeffs).unwrap();
    let mut n = net(&[3, 5, 2], Config::ANT);
    n.set_weights(&[0.05; 25]).unwrap();
    assert!(n.step_windowed(&table, &[0.1, 0.2, 0.3], &mut win).is_err());
    assert!(n.weights().iter().all(|&w| w == 0.05));
    // So is a table for other sizes.
    let mut win = HeapWindow::for_shape(p, &shape).unwrap();
    let c2 = vec![0.1; n_coefficients(rule, &[3, 6, 2])];
    let t2 = RuleTable::new(rule, [3, 6, 2], &c2).unwrap();
    assert!(n.step_windowed(&t2, &[0.1, 0.2, 0.3], &mut win).is_err());
}

/// The per-synapse table a shared table stands for: synapse s takes rule `index[s]`.
fn expand_shared(rule: RuleKind, sizes: &[usize], rules: &[f32], index: &[u16]) -> Vec<f32> {
    let (n, k) = (rule.n_coeffs(), rules.len() / rule.n_coeffs());
    let mut out = Vec::new();
    let mut at = 0;
    for l in 0..sizes.len() - 1 {
        let plane = sizes[l] * sizes[l + 1];
        for c in 0..n {
            for s in 0..plane {
                out.push(rules[c * k + usize::from(index[at + s])]);
            }
        }
        at += plane;
    }
    out
}

/// A network on a shared table computes, bit for bit, what it computes on the expanded
/// per-synapse table, per step and with the attractor window.
#[test]
fn shared_rules_equal_their_expanded_per_synapse_table() {
    for (s, sizes) in SHAPES.iter().enumerate() {
        for rule in RuleKind::ALL {
            let mut rng = Xs(1300 + 10 * s as u64 + u64::from(rule.code()));
            let k = 1 + (s * 5 + usize::from(rule.code())) % 40;
            let rules = rng.vec(rule.n_coeffs() * k, 0.4);
            let index: Vec<u16> = (0..n_synapses(sizes))
                .map(|_| ((rng.f() + 1.0) * 0.5 * k as f32) as u16 % k as u16)
                .collect();
            let expanded = expand_shared(rule, sizes, &rules, &index);
            let shared = RuleTable::shared(rule, *sizes, Coefficients::F32(&rules), &index).unwrap();
            assert_eq!(shared.n_rules(), k);
            let per_synapse = RuleTable::new(rule, *sizes, &expanded).unwrap();
            let w0 = rng.vec(n_synapses(sizes), 0.1);
            let obs: Vec<Vec<f32>> = (0..12).map(|_| rng.vec(sizes[0], 2.5)).collect();
            let shape = Shape::new(sizes).unwrap();
            for p in [Plasticity::PAPER, Plasticity::ATTRACTOR] {
                for config in configs() {
                    for kernel in kernels() {
                        let config = Config { kernel, ..config };
                        let (mut a, mut b) = (net(sizes, config), net(sizes, config));
                        a.set_weights(&w0).unwrap();
                        b.set_weights(&w0).unwrap();
                        let mut wa = HeapWindow::for_shape(p, &shape).unwrap();
                        let mut wb = HeapWindow::for_shape(p, &shape).unwrap();
                        for (t, o) in obs.iter().enumerate() {
                            let ya = bits(a.step_windowed(&shared, o, &mut wa).unwrap());
                            let yb = bits(b.step_windowed(&per_synapse, o, &mut wb).unwrap());
                            assert_eq!(ya, yb, "{sizes:?} {rule} {kernel:?} {p:?} step {t}");
                        }
                        assert_eq!(
                            bits(a.weights()),
                            bits(b.weights()),
                            "{sizes:?} {rule} {kernel:?} weights"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn shared_table_checks() {
    let sizes = [3, 4, 2];
    let rule = RuleKind::ABCD;
    let rules = vec![0.1; 4 * 3];
    let mut index = vec![0u16; 20];
    assert!(RuleTable::shared(rule, sizes, Coefficients::F32(&rules), &index).is_ok());
    index[19] = 3;
    assert!(
        RuleTable::shared(rule, sizes, Coefficients::F32(&rules), &index).is_err(),
        "index past the table"
    );
    assert!(RuleTable::shared(rule, sizes, Coefficients::F32(&rules), &index[..19]).is_err(), "short index");
    assert!(
        RuleTable::shared(rule, sizes, Coefficients::F32(&rules[..11]), &[0; 20]).is_err(),
        "partial rule"
    );
    assert!(RuleTable::shared(rule, sizes, Coefficients::F32(&[]), &[0; 20]).is_err(), "no rule");
    assert!(
        RuleTable::with_layout(rule, CoeffLayout::Shared, sizes, Coefficients::F32(&rules)).is_err(),
        "a shared table needs its index"
    );
}
