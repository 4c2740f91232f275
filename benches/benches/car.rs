//! Car racing on one core: the CNN front end; environment steps including rendering and
//! preprocessing (scripted random actions, resets counted); and full agent steps — render,
//! resize, CNN, Hebbian head (ABCD_lr, normalised), action mapping, physics.

use criterion::{Criterion, Throughput};
use hebb_benches::random_vec;
use hebb_core::cnn::{self, Cnn, CnnIsa};
use hebb_core::{CarHead, Config, Kernel, RuleKind, RuleTable, n_coefficients};
use hebb_train::env::car::CarRacing;
use hebb_train::env::car::scene::OBS_LEN;
use hebb_train::env::{Action, Env};
use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

/// Steps per measured iteration of the environment benchmarks.
const STEPS: u64 = 200;

type Head = CarHead;

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("car");
    g.throughput(Throughput::Elements(1));
    let w = random_vec(3, cnn::N_WEIGHTS, 1.0);
    let img: Vec<f32> = random_vec(4, cnn::IN_LEN, 0.5).iter().map(|v| v + 0.5).collect();
    let mut front = Cnn::new();
    g.bench_function("cnn_forward", |b| b.iter(|| black_box(front.forward(&w, &img).map(|o| o[0]))));
    // Each build of the loops this CPU has (`cnn_forward` runs the fastest).
    for isa in [CnnIsa::Portable, CnnIsa::Avx2, CnnIsa::Avx512] {
        if isa.is_supported() {
            g.bench_function(format!("cnn_forward_isa/{isa:?}"), |b| {
                b.iter(|| black_box(front.forward_with(isa, &w, &img).map(|o| o[0])))
            });
        }
    }

    // Environment alone: random steering, some gas, reset when an episode ends.
    g.throughput(Throughput::Elements(STEPS));
    g.sample_size(20);
    let mut env = CarRacing::new(false);
    let mut obs = vec![0.0f32; OBS_LEN];
    let mut seed = 0u64;
    env.reset(seed, &mut obs);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    g.bench_function("env_steps_with_render", |b| {
        b.iter(|| {
            for _ in 0..STEPS {
                let steer = rng.next_u32() as f32 / u32::MAX as f32 * 2.0 - 1.0;
                let s = env.step(Action::Continuous(&[steer, 0.3, 0.0]), &mut obs);
                if s.done() {
                    seed += 1;
                    env.reset(seed, &mut obs);
                }
            }
            black_box(obs[0])
        })
    });

    // The whole agent: what one training step costs.
    let sizes = Head::SIZES;
    let coeffs = random_vec(1, n_coefficients(RuleKind::ABCDLr, &sizes), 0.05);
    let table = RuleTable::new(RuleKind::ABCDLr, sizes, &coeffs).unwrap();
    let mut head = Box::new(Head::new(Config { kernel: Kernel::best(), ..Config::CAR }));
    head.set_weights(&random_vec(2, Head::N_SYNAPSES, 0.1)).unwrap();
    env.reset(seed, &mut obs);
    g.bench_function("agent_steps", |b| {
        b.iter(|| {
            for _ in 0..STEPS {
                let f = front.forward(&w, &obs).unwrap();
                let o = head.step(&table, f).unwrap();
                let a = hebb_core::activation::car_action(&[o[0], o[1], o[2]]);
                let s = env.step(Action::Continuous(&a), &mut obs);
                if s.done() {
                    seed += 1;
                    env.reset(seed, &mut obs);
                }
            }
            black_box(obs[0])
        })
    });
    g.finish();
}
