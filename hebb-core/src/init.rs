//! Weight initialisation from any `rand_core` RNG, identical on every target.

use rand_core::Rng;

/// How a network's weights are set at the start of every episode (docs/method.md, Rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum WeightInit {
    /// U(−0.1, 0.1) — the paper's default.
    #[default]
    Uniform = 0,
    /// N(0, 0.024).
    Normal = 1,
    /// Initial weights evolved by the ES alongside the rules and supplied by the caller.
    Coevolve = 2,
}

/// Standard deviation of [`WeightInit::Normal`].
pub const NORMAL_STD: f32 = 0.024;
/// Half-width of [`WeightInit::Uniform`].
pub const UNIFORM_HALF_WIDTH: f32 = 0.1;

/// A uniform `f32` in [0, 1) from the top 24 bits of a `u32` (exact, no rounding).
#[inline]
pub fn unit_f32<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    (rng.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// Fills `out` with U(lo, hi).
pub fn fill_uniform<R: Rng + ?Sized>(rng: &mut R, lo: f32, hi: f32, out: &mut [f32]) {
    let span = hi - lo;
    for w in out {
        *w = lo + span * unit_f32(rng);
    }
}

/// Fills `out` with N(0, std²) by the Box–Muller transform (libm's pure-Rust `logf`, `sqrtf`,
/// `sincosf`, so the bits are the same on every target).
pub fn fill_normal<R: Rng + ?Sized>(rng: &mut R, std: f32, out: &mut [f32]) {
    let mut chunks = out.chunks_mut(2);
    for pair in &mut chunks {
        // u1 in (0, 1] so that ln(u1) is finite.
        let u1 = 1.0 - unit_f32(rng);
        let u2 = unit_f32(rng);
        let r = libm::sqrtf(-2.0 * libm::logf(u1));
        let (s, c) = libm::sincosf(core::f32::consts::TAU * u2);
        pair[0] = std * r * c;
        if pair.len() > 1 {
            pair[1] = std * r * s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn uniform_range_and_moments() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut v = [0.0f32; 20_000];
        fill_uniform(&mut rng, -0.1, 0.1, &mut v);
        assert!(v.iter().all(|&x| (-0.1..0.1).contains(&x)));
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / v.len() as f32;
        assert!(mean.abs() < 0.003, "mean {mean}");
        // Var of U(-a, a) = a²/3.
        assert!((var - 0.01 / 3.0).abs() < 2e-4, "var {var}");
    }

    #[test]
    fn normal_moments() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let mut v = [0.0f32; 20_001];
        fill_normal(&mut rng, NORMAL_STD, &mut v);
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        let std = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / v.len() as f32).sqrt();
        assert!(mean.abs() < 0.001, "mean {mean}");
        assert!((std - NORMAL_STD).abs() < 0.0008, "std {std}");
        assert!(v.iter().all(|x| x.is_finite()));
    }
}
