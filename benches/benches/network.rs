//! Network step (forward pass + Hebbian update) for the ant and the car head, for the cheapest
//! rule (A), the paper's (ABCD_lr) and the dearest (ABCD_lr_D_in_and_out), on each kernel.
//! Throughput is reported in synapse-updates per second (elements = synapses).

use criterion::{BenchmarkId, Criterion, Throughput};
use hebb_benches::random_vec;
use hebb_core::{AntNet, CarHead, Config, FixedNetwork, Kernel, RuleKind, RuleTable, n_coefficients};
use std::hint::black_box;

/// The fixed-size (heap-free, firmware) form of the network, as before any-depth networks.
fn bench_net<const NW: usize, const NA: usize>(
    c: &mut Criterion,
    name: &str,
    sizes: &[usize],
    config: Config,
) {
    let mut g = c.benchmark_group(format!("network/{name}"));
    g.throughput(Throughput::Elements(NW as u64));
    for rule in [RuleKind::A, RuleKind::ABCDLr, RuleKind::ABCDLrDInAndOut] {
        let coeffs = random_vec(1, n_coefficients(rule, sizes), 0.05);
        let table = RuleTable::new(rule, sizes, &coeffs).unwrap();
        for kernel in [Kernel::Portable, Kernel::Avx2] {
            if !kernel.is_supported() {
                continue;
            }
            let mut slot = Box::new(std::mem::MaybeUninit::<FixedNetwork<NW, NA>>::uninit());
            let net = FixedNetwork::init_in_place(&mut slot, sizes, Config { kernel, ..config }).unwrap();
            net.set_weights(&random_vec(2, NW, 0.1)).unwrap();
            let obs = random_vec(3, sizes[0], 1.0);
            g.bench_function(BenchmarkId::new(format!("{rule}"), format!("{kernel:?}")), |b| {
                b.iter(|| {
                    let out = net.step(&table, black_box(&obs)).unwrap();
                    black_box(out[0]);
                })
            });
        }
    }
    g.finish();
}

pub fn bench(c: &mut Criterion) {
    bench_net::<{ AntNet::N_SYNAPSES }, 200>(c, "ant", &AntNet::SIZES, Config::ANT);
    bench_net::<{ CarHead::N_SYNAPSES }, 195>(c, "car_head", &CarHead::SIZES, Config::CAR);
    memory_floor(c);
    beyond_the_paper(c);
}

/// The options beyond the paper on the quadruped network, ABCD_lr, best kernel, each against
/// the paper's step in the same group (`network/ant_options/…`): neuron-centric coefficients
/// (1,140 instead of 61,440; the update runs as its own pass after the forward pass), and
/// the attractor window (update every 4th step on activities averaged over 10 — the cost
/// per step, averaged over the 4-step cycle, since one iteration is one control step).
fn beyond_the_paper(c: &mut Criterion) {
    use hebb_core::{CoeffLayout, Coefficients, HeapNetwork, HeapWindow, Plasticity};
    let sizes = &AntNet::SIZES;
    let rule = RuleKind::ABCDLr;
    let shape = AntNet::SHAPE;
    let config = Config::ANT.with_best_kernel();
    let per_synapse = random_vec(1, n_coefficients(rule, sizes), 0.05);
    let per_neuron = random_vec(1, rule.n_coeffs() * shape.n_neurons(), 0.05);
    let ts = RuleTable::new(rule, sizes, &per_synapse).unwrap();
    let tn =
        RuleTable::with_layout(rule, CoeffLayout::PerNeuron, sizes, Coefficients::F32(&per_neuron)).unwrap();
    let obs = random_vec(3, sizes[0], 1.0);
    let w0 = random_vec(2, AntNet::N_SYNAPSES, 0.1);
    let mut g = c.benchmark_group("network/ant_options");
    g.throughput(Throughput::Elements(AntNet::N_SYNAPSES as u64));
    let cases: [(&str, &RuleTable<'_>, Plasticity); 4] = [
        ("per_synapse", &ts, Plasticity::PAPER),
        ("per_neuron", &tn, Plasticity::PAPER),
        ("per_synapse_attractor_k4_m10", &ts, Plasticity::ATTRACTOR),
        ("per_neuron_attractor_k4_m10", &tn, Plasticity::ATTRACTOR),
    ];
    for (name, table, p) in cases {
        let mut net = HeapNetwork::with_shape(sizes, config).unwrap();
        net.set_weights(&w0).unwrap();
        let mut win = HeapWindow::for_shape(p, &shape).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| {
                let out = net.step_windowed(table, black_box(&obs), &mut win).unwrap();
                black_box(out[0]);
            })
        });
    }
    g.finish();
}

/// The memory traffic of one ABCD_lr ant step and nothing else: per 8 synapses, five
/// coefficient vectors and the weights loaded, one vector add each, the weights stored. No
/// kernel can step faster than this on the machine (the real step also reads `pre` and the
/// weights once more for the forward pass, from L1).
fn memory_floor(c: &mut Criterion) {
    #[cfg(target_arch = "x86_64")]
    {
        if !Kernel::Avx2.is_supported() {
            return;
        }
        let n = AntNet::N_SYNAPSES;
        let coeffs = random_vec(1, 5 * n, 0.05);
        let mut w = random_vec(2, n, 0.1);
        let mut g = c.benchmark_group("network/ant");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("memory_floor_ABCD_lr", |b| {
            // SAFETY: AVX2 is available (checked above); the buffers have the lengths assumed.
            b.iter(|| unsafe { stream5(black_box(&coeffs), black_box(&mut w)) })
        });
        g.finish();
    }
}

/// `w[i] += c0[i] + c1[i] + c2[i] + c3[i] + c4[i]` over the five planes of `c`, 8 lanes at a time.
///
/// # Safety
/// AVX2; `c.len() == 5 · w.len()`, `w.len()` a multiple of 8.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn stream5(c: &[f32], w: &mut [f32]) {
    use std::arch::x86_64::*;
    let n = w.len();
    let (c, w) = (c.as_ptr(), w.as_mut_ptr());
    let mut i = 0;
    while i < n {
        // SAFETY: i + 8 ≤ n, and plane k covers k·n..(k+1)·n of c.
        unsafe {
            let mut s = _mm256_loadu_ps(w.add(i));
            for k in 0..5 {
                s = _mm256_add_ps(s, _mm256_loadu_ps(c.add(k * n + i)));
            }
            _mm256_storeu_ps(w.add(i), s);
        }
        i += 8;
    }
}
