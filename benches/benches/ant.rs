//! The quadruped environment alone: env steps per second on one core (one thread, no policy),
//! with seeded uniform random actions in [−1, 1], for `ant-bullet` and `ant`, in the tuned
//! settings (one 16.5 ms pipeline step of 4 internal substeps) and pybullet's own stepping
//! (4 × 4.125 ms). Episodes that end are reset, the reset (a rebuild) counting as part of the
//! run, as in training.

use criterion::{Criterion, Throughput};
use hebb_train::env::ant::body::SimParams;
use hebb_train::env::ant::{AntConfig, AntEnv, Morphology, Variant};
use hebb_train::env::{Action, Env};
use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

const STEPS: u64 = 1000;

fn run(env: &mut AntEnv, rng: &mut Xoshiro256PlusPlus, seed: &mut u64, obs: &mut [f32; 28]) -> f32 {
    let mut total = 0.0;
    for _ in 0..STEPS {
        let a: [f32; 8] = std::array::from_fn(|_| (rng.next_u32() as f32 / u32::MAX as f32) * 2.0 - 1.0);
        let s = env.step(Action::Continuous(&a), obs);
        total += s.reward;
        if s.done() {
            *seed += 1;
            env.reset(*seed, obs);
        }
    }
    total
}

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ant");
    g.sample_size(20);
    g.throughput(Throughput::Elements(STEPS));
    for (variant, vname) in [(Variant::Bullet, "ant-bullet"), (Variant::Mjcf, "ant")] {
        for (sim, sname) in [(SimParams::default(), "tuned"), (SimParams::reference(), "4x4.125ms")] {
            let cfg = AntConfig { variant, morphology: Morphology::standard(), paper_fitness: false, sim };
            let mut env = AntEnv::new(cfg).expect("standard morphology");
            let mut obs = [0.0; 28];
            let mut seed = 0;
            env.reset(seed, &mut obs);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
            g.bench_function(format!("{vname}_{sname}_steps"), |b| {
                b.iter(|| black_box(run(&mut env, &mut rng, &mut seed, &mut obs)))
            });
        }
    }
    g.finish();
}
