//! Shared helpers for hebb-core's tests: a deliberately naive scalar reference of docs/method.md, Rules.
#![allow(dead_code)]

use hebb_core::{Activation, RuleKind, interchange};

pub struct Xs(pub u64);
impl Xs {
    pub fn f(&mut self) -> f32 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 40) as f32) / 16_777_216.0 * 2.0 - 1.0
    }
    pub fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.f() * scale).collect()
    }
}

/// Forward pass of the whole network, then the Hebbian update of every layer using the
/// interchange-layout coefficients, exactly as docs/method.md, Rules (and the reference's numba loops) state
/// it, for any depth. Weights are `[n_out][n_in]` per layer.
pub fn reference_step(
    rule: RuleKind,
    sizes: &[usize],
    weights: &mut [Vec<f32>],
    coeffs_x: &[f32],
    obs: &[f32],
    output: Activation,
    normalize: bool,
) -> Vec<f32> {
    let depth = sizes.len() - 1;
    let mut acts: Vec<Vec<f32>> = vec![obs.to_vec()];
    for l in 0..depth {
        let (n_in, n_out) = (sizes[l], sizes[l + 1]);
        let act = if l + 1 == depth { output } else { Activation::Tanh };
        let pre = acts[l].clone();
        let post: Vec<f32> = (0..n_out)
            .map(|j| act.apply((0..n_in).map(|i| weights[l][j * n_in + i] * pre[i]).sum::<f32>()))
            .collect();
        acts.push(post);
    }
    let n = rule.n_coeffs();
    let mut base = 0;
    for l in 0..depth {
        let (n_in, n_out) = (sizes[l], sizes[l + 1]);
        for i in 0..n_in {
            for j in 0..n_out {
                let c = &coeffs_x[base + (i * n_out + j) * n..][..n];
                weights[l][j * n_in + i] += rule.delta(c, acts[l][i], acts[l + 1][j]);
            }
        }
        if normalize {
            let m = weights[l].iter().fold(0.0f32, |m, w| m.max(w.abs()));
            if m > 0.0 {
                weights[l].iter_mut().for_each(|w| *w /= m);
            }
        }
        base += n_in * n_out * n;
    }
    acts[depth].clone()
}

/// A heap-backed network of these sizes.
pub fn net(sizes: &[usize], config: hebb_core::Config) -> hebb_core::HeapNetwork {
    hebb_core::HeapNetwork::with_shape(sizes, config).unwrap()
}

/// Splits concatenated weights into per-layer vectors.
pub fn split_layers(sizes: &[usize], w: &[f32]) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    let mut at = 0;
    for l in 0..sizes.len() - 1 {
        let n = sizes[l] * sizes[l + 1];
        out.push(w[at..at + n].to_vec());
        at += n;
    }
    out
}

/// Interchange coefficients → in-memory layout.
pub fn to_memory(rule: RuleKind, sizes: &[usize], x: &[f32]) -> Vec<f32> {
    let mut m = vec![0.0; x.len()];
    interchange::coeffs_from_interchange(rule, sizes, x, &mut m).unwrap();
    m
}

/// Relative closeness with an absolute floor for values near zero.
pub fn close(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}
