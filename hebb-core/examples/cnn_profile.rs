//! Runs the car's CNN front end N times on a fixed random image (for instruction-count
//! profiles: `valgrind --tool=callgrind target/release/examples/cnn_profile 50`).
use hebb_core::cnn::{Cnn, IN_LEN, N_WEIGHTS};
fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100);
    let mut x = 12345u32;
    let mut r = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x >> 8) as f32 / 16_777_216.0
    };
    let w: Vec<f32> = (0..N_WEIGHTS).map(|_| r() * 2.0 - 1.0).collect();
    let img: Vec<f32> = (0..IN_LEN).map(|_| r()).collect();
    let mut cnn = Box::new(Cnn::new());
    let mut s = 0.0;
    for _ in 0..n {
        s += cnn.forward(&w, &img).unwrap()[7];
    }
    println!("{s}");
}
