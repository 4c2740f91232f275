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
        let coeffs = random_vec(1, n_coefficients(rule, sizes), 0.05);
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
}
