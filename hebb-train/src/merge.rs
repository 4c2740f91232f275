//! Evolve & Merge (Pedersen & Risi, GECCO 2021): at intervals during evolution the run's
//! current rules — one per synapse at first — are clustered with k-means, and from then on
//! every synapse of a cluster follows the cluster's centroid. The ES goes on over the
//! centroids, so each merge shrinks the evolved vector.
//!
//! Our choices where the paper leaves room (docs/method.md, "Beyond the paper"): a merge runs
//! after every [`Merge::every`] generations and halves the number of rules, never below
//! [`Merge::k`]; the points clustered are the rules' coefficient vectors, each weighted by the
//! number of synapses following it; k-means++ seeding from the run seed and the generation,
//! then Lloyd iterations (at most [`MAX_ITERATIONS`]) in `f64`, sequentially, so every
//! process of a run computes the same merge; clusters left empty are dropped.

use rand::RngExt;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};
use crate::es::{EsState, derive_seed};
use crate::setup::{Merge, Setup, SharedRules};

/// Lloyd iterations at most per merge (they stop earlier when no assignment changes).
pub const MAX_ITERATIONS: usize = 30;

/// The seed tag of a merge's k-means++ draws.
const TAG_MERGE: u64 = 0x3e47;

/// The number of rules a run holds under `setup` (per synapse: one per synapse).
pub fn n_rules(setup: &Setup) -> usize {
    match &setup.shared {
        Some(s) => s.n_rules,
        None => setup.sizes.n_synapses(),
    }
}

/// Whether a merge is due after `generations_done` generations (a multiple of
/// [`Merge::every`], before the last generation), and to how many rules.
pub fn due(setup: &Setup, generations_done: u32) -> Option<usize> {
    let m: Merge = setup.cfg.options.merge?;
    // Never after the last generation: the merged rules get generations to adapt.
    if generations_done == 0
        || generations_done >= setup.cfg.generations
        || !generations_done.is_multiple_of(m.every)
    {
        return None;
    }
    let now = n_rules(setup);
    (now > m.k).then(|| now.div_ceil(2).max(m.k))
}

/// The outcome of a merge.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The setup after the merge (shared layout).
    pub setup: Setup,
    /// Rules before the merge.
    pub before: usize,
    /// Within-cluster sum of squared distances over synapses, after the last iteration.
    pub inertia: f64,
    /// Lloyd iterations run.
    pub iterations: usize,
}

/// Merges the rules of `state`'s mean into at most `target` rules: rewrites `state.params`
/// (the rule block becomes the centroids; CNN and initial weights are kept) and
/// `state.n_penalized`, and returns the setup of the merged run.
pub fn merge(setup: &Setup, state: &mut EsState, target: usize) -> Result<Merged> {
    let parts = setup.split(&state.params)?;
    let nc = setup.rule.n_coeffs();
    let n_syn = setup.sizes.n_synapses();
    // The current rules as points, with the synapses that follow each.
    let (points, synapse_rule) = current_rules(setup, parts.head)?;
    let n = points.len() / nc;
    let mut weight = vec![0.0f64; n];
    for &r in &synapse_rule {
        weight[r] += 1.0;
    }
    let seed = derive_seed(setup.cfg.seed, &[TAG_MERGE, state.generation as u64]);
    let (centroids, assign, inertia, iterations) = kmeans(&points, &weight, nc, target, seed);
    // Drop empty clusters and renumber.
    let k = centroids.len() / nc;
    let mut used = vec![false; k];
    for (&a, &w) in assign.iter().zip(&weight) {
        if w > 0.0 {
            used[a] = true;
        }
    }
    let mut renumber = vec![u16::MAX; k];
    let mut kept = Vec::new();
    for c in 0..k {
        if used[c] {
            renumber[c] = u16::try_from(kept.len()).map_err(|_| Error::OutOfRange {
                flag: "the merge target".into(),
                field: None,
                expected: format!("at most {} rules", hebb_core::MAX_SHARED_RULES),
                got: target.to_string(),
            })?;
            kept.push(c);
        }
    }
    let n_rules = kept.len();
    // Planes [n_coeffs][n_rules] (the shared layout).
    let mut head = vec![0.0f32; nc * n_rules];
    for (new, &c) in kept.iter().enumerate() {
        for j in 0..nc {
            head[j * n_rules + new] = centroids[c * nc + j] as f32;
        }
    }
    let index: Vec<u16> = (0..n_syn).map(|s| renumber[assign[synapse_rule[s]]]).collect();
    let rest = [parts.cnn, parts.init].concat();
    let merged = setup.with_shared(SharedRules { n_rules, index })?;
    state.params = [head, rest].concat();
    state.n_penalized = merged.n_penalized;
    Ok(Merged { setup: merged, before: n, inertia, iterations })
}

/// The current rules as `f64` points (`n_coeffs` values each) and the rule of every synapse.
fn current_rules(setup: &Setup, head: &[f32]) -> Result<(Vec<f64>, Vec<usize>)> {
    let nc = setup.rule.n_coeffs();
    match &setup.shared {
        Some(s) => {
            let k = s.n_rules;
            if head.len() != k * nc {
                return Err(Error::WrongLength {
                    what: format!("the shared rule block of {k} rules"),
                    got: head.len(),
                    expected: k * nc,
                });
            }
            let points = (0..k).flat_map(|r| (0..nc).map(move |j| head[j * k + r] as f64)).collect();
            Ok((points, s.index.iter().map(|&i| usize::from(i)).collect()))
        }
        None => {
            // Per synapse, structure-of-arrays per layer: coefficient j of synapse s of a
            // layer with `m` synapses at `start + j·m + s`.
            let sizes = setup.sizes.as_slice();
            let mut points = Vec::with_capacity(head.len());
            let mut start = 0;
            for l in 0..sizes.len() - 1 {
                let m = sizes[l] * sizes[l + 1];
                let block = head.get(start..start + nc * m).ok_or_else(|| Error::WrongLength {
                    what: "the rule block".into(),
                    got: head.len(),
                    expected: nc * setup.sizes.n_synapses(),
                })?;
                for s in 0..m {
                    points.extend((0..nc).map(|j| block[j * m + s] as f64));
                }
                start += nc * m;
            }
            let n = points.len() / nc;
            Ok((points, (0..n).collect()))
        }
    }
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Weighted k-means of `points` (`dim` values each) into at most `k` clusters: k-means++
/// seeding (fewer centres when fewer distinct points), then Lloyd iterations. Returns the
/// centroids, every point's cluster, the weighted inertia and the iterations run.
fn kmeans(
    points: &[f64],
    weight: &[f64],
    dim: usize,
    k: usize,
    seed: u64,
) -> (Vec<f64>, Vec<usize>, f64, usize) {
    let n = weight.len();
    let p = |i: usize| &points[i * dim..(i + 1) * dim];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // k-means++: the first centre by weight, each next one with probability ∝ w·d².
    let mut centres: Vec<f64> = Vec::with_capacity(k * dim);
    let total_w: f64 = weight.iter().sum();
    let mut pick = rng.random::<f64>() * total_w;
    let mut first = 0;
    for (i, &w) in weight.iter().enumerate() {
        if pick < w {
            first = i;
            break;
        }
        pick -= w;
    }
    centres.extend_from_slice(p(first));
    let mut d2: Vec<f64> = (0..n).map(|i| dist2(p(i), p(first))).collect();
    let mut assign = vec![0usize; n];
    while centres.len() / dim < k {
        let mass: f64 = d2.iter().zip(weight).map(|(d, w)| d * w).sum();
        if mass <= 0.0 {
            break; // every point sits on a centre
        }
        let mut pick = rng.random::<f64>() * mass;
        let mut next = n - 1;
        for i in 0..n {
            let m = d2[i] * weight[i];
            if pick < m {
                next = i;
                break;
            }
            pick -= m;
        }
        let c = centres.len() / dim;
        centres.extend_from_slice(p(next));
        for i in 0..n {
            let d = dist2(p(i), p(next));
            if d < d2[i] {
                d2[i] = d;
                assign[i] = c;
            }
        }
    }
    let k = centres.len() / dim;
    let mut iterations = 0;
    loop {
        // Update: weighted means (a cluster left empty keeps its centre, and is dropped later).
        let mut sum = vec![0.0f64; k * dim];
        let mut mass = vec![0.0f64; k];
        for i in 0..n {
            let c = assign[i];
            mass[c] += weight[i];
            for (s, &x) in sum[c * dim..(c + 1) * dim].iter_mut().zip(p(i)) {
                *s += weight[i] * x;
            }
        }
        for c in 0..k {
            if mass[c] > 0.0 {
                for j in 0..dim {
                    centres[c * dim + j] = sum[c * dim + j] / mass[c];
                }
            }
        }
        if iterations == MAX_ITERATIONS {
            break;
        }
        iterations += 1;
        // Assignment: nearest centre (first of equals).
        let mut changed = false;
        for (i, a) in assign.iter_mut().enumerate() {
            let mut best = (f64::INFINITY, 0);
            for (c, centre) in centres.chunks_exact(dim).enumerate() {
                let d = dist2(p(i), centre);
                if d < best.0 {
                    best = (d, c);
                }
            }
            if best.1 != *a {
                *a = best.1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let inertia =
        (0..n).map(|i| weight[i] * dist2(p(i), &centres[assign[i] * dim..(assign[i] + 1) * dim])).sum();
    (centres, assign, inertia, iterations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmeans_finds_separated_groups() {
        // Three tight groups of 2-d points.
        let mut pts = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)] {
            for d in [-0.1, 0.0, 0.1] {
                pts.extend([cx + d, cy - d]);
            }
        }
        let w = vec![1.0; 9];
        let (c, a, inertia, _) = kmeans(&pts, &w, 2, 3, 7);
        assert_eq!(c.len(), 6);
        // Points of a group share a cluster, groups differ.
        for g in 0..3 {
            assert!(a[3 * g] == a[3 * g + 1] && a[3 * g + 1] == a[3 * g + 2], "{a:?}");
        }
        assert!(a[0] != a[3] && a[3] != a[6] && a[0] != a[6]);
        assert!(inertia < 0.2, "{inertia}");
        // Same seed, same result.
        assert_eq!(kmeans(&pts, &w, 2, 3, 7).1, a);
    }

    #[test]
    fn fewer_distinct_points_than_clusters() {
        let pts = vec![1.0, 1.0, 1.0, 1.0, 2.0, 2.0];
        let (c, a, inertia, _) = kmeans(&pts, &[1.0; 3], 2, 3, 1);
        assert_eq!(c.len() / 2, 2);
        assert_eq!(a[0], a[1]);
        assert_ne!(a[0], a[2]);
        assert_eq!(inertia, 0.0);
    }
}
