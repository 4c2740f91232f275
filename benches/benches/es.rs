//! The ES: one update at the car network's size (456,640 parameters, population 200), the
//! cost of materialising one candidate, and whole CartPole episodes per second.

use criterion::{Criterion, Throughput};
use hebb_train::episode::Worker;
use hebb_train::es::{EsConfig, EsState};
use hebb_train::{Setup, TrainConfig};
use std::hint::black_box;

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("es");
    g.sample_size(10);
    let cfg = EsConfig { pop: 200, ..EsConfig::default() };
    let dim = 456_640;
    let fitness: Vec<f64> = (0..cfg.pop).map(|i| ((i * 7919) % 200) as f64).collect();
    let pool = rayon_one_thread();
    g.throughput(Throughput::Elements(dim as u64));
    g.bench_function("update_456640x200_1thread", |b| {
        let mut s = EsState::new(dim, dim, &cfg, 1);
        b.iter(|| {
            pool.install(|| s.update(black_box(&fitness), &cfg));
        })
    });
    g.bench_function("candidate_456640", |b| {
        let s = EsState::new(dim, dim, &cfg, 1);
        let mut out = vec![0.0; dim];
        b.iter(|| s.candidate(black_box(3), &mut out))
    });
    g.finish();

    let mut g = c.benchmark_group("cartpole");
    let setup = Setup::new(TrainConfig::default()).unwrap();
    let params = EsState::new(setup.dim, setup.n_penalized, &setup.cfg.es, 1).params;
    let mut w = Worker::new(&setup).unwrap();
    // Episodes of the untrained mean vary in length: report env steps per second.
    let steps = w.episode(&setup, Some(&params), 0, 5, None).unwrap().steps as u64;
    g.throughput(Throughput::Elements(steps));
    g.bench_function("hebbian_episode_steps", |b| {
        b.iter(|| black_box(w.episode(&setup, Some(&params), 0, 5, None).unwrap().ret))
    });
    g.finish();
}

fn rayon_one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap()
}
