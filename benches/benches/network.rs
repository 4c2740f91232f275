//! Network step (forward pass + Hebbian update) for the ant and the car head, for the cheapest
//! rule (A), the paper's (ABCD_lr) and the dearest (ABCD_lr_D_in_and_out), on each kernel.
//! Throughput is reported in synapse-updates per second (elements = synapses).

use criterion::{BenchmarkId, Criterion, Throughput};
use hebb_benches::random_vec;
use hebb_core::{Config, Kernel, Network, RuleKind, RuleTable, n_coefficients};
use std::hint::black_box;

fn bench_net<const I: usize, const H1: usize, const H2: usize, const O: usize>(
    c: &mut Criterion,
    name: &str,
    config: Config,
) {
    let mut g = c.benchmark_group(format!("network/{name}"));
    g.throughput(Throughput::Elements(Network::<I, H1, H2, O>::N_SYNAPSES as u64));
    let sizes = Network::<I, H1, H2, O>::SIZES;
    for rule in [RuleKind::A, RuleKind::ABCDLr, RuleKind::ABCDLrDInAndOut] {
        let coeffs = random_vec(1, n_coefficients(rule, &sizes), 0.05);
        let table = RuleTable::new(rule, sizes, &coeffs).unwrap();
        for kernel in [Kernel::Portable, Kernel::Avx2] {
            if !kernel.is_supported() {
                continue;
            }
            let mut net = Box::new(Network::<I, H1, H2, O>::new(Config { kernel, ..config }));
            net.set_weights(&random_vec(2, Network::<I, H1, H2, O>::N_SYNAPSES, 0.1)).unwrap();
            let obs: [f32; I] = random_vec(3, I, 1.0).try_into().unwrap();
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
    bench_net::<28, 128, 64, 8>(c, "ant", Config::ANT);
    bench_net::<648, 128, 64, 3>(c, "car_head", Config::CAR);
    memory_floor(c);
}

/// The memory traffic of one ABCD_lr ant step and nothing else: per 8 synapses, five
/// coefficient vectors and the weights loaded, one vector add each, the weights stored. No
/// kernel can step faster than this on the machine (the real step also reads `pre` and the
/// weights once more for the forward pass, from L1).
fn memory_floor(c: &mut Criterion) {
    #[cfg(target_arch = "x86_64")]
    {
        use hebb_core::AntNet;
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
