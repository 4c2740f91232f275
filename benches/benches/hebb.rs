//! All criterion benchmarks of hebb, one module per subject. `cargo bench -p hebb-benches`;
//! a subject alone with e.g. `cargo bench -p hebb-benches -- network`.

use criterion::{criterion_group, criterion_main};

mod ant;
mod car;
mod es;
mod network;

criterion_group!(benches, network::bench, es::bench, ant::bench, car::bench);
criterion_main!(benches);
