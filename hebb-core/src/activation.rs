//! Activation functions: one implementation for every target.
//!
//! `tanh` and `sigmoid` are built from IEEE-754 single-precision additions, multiplications,
//! divisions and bit manipulation only — no libm call, no fused multiply-add, no
//! target-dependent intrinsic — so x86_64 and the Cortex-M4F produce bit-identical results.
//!
//! Accuracy (measured by the tests in this module against `f64::tanh` on a dense sweep of
//! [-20, 20]): [`tanh`] has a maximum absolute error below **2.5e-7** (target ≤ 1e-6) and is
//! monotone non-decreasing on every sampled pair; [`sigmoid`] has a maximum absolute error
//! below **2e-7**. The constructions follow Cephes `tanhf` and `expf`.

const LOG2E: f32 = core::f32::consts::LOG2_E;
// Cody–Waite split of ln 2: C1 is exact in few bits, so n·C1 is exact.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;

/// `floor(v)` for |v| < 2³¹, with plain integer conversion (no libm).
#[inline(always)]
fn floor_i32(v: f32) -> i32 {
    let t = v as i32;
    if (t as f32) > v { t - 1 } else { t }
}

/// `e^x` for x in [-87, 88], relative error ≤ 2 ulp (Cephes `expf`). Outside that range the
/// argument is clamped, so the result saturates instead of overflowing to infinity.
#[inline]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let n = floor_i32(LOG2E * x + 0.5);
    exp_reduced(x, n as f32, n)
}

/// The rest of [`exp`] once `n = floor(x·log2(e) + 0.5)` is known (`nf` = `n` as `f32`):
/// `e^x = 2^n · e^r` with `r = x − n·ln 2` (in two parts), `e^r` by a degree-6 polynomial and
/// `2^n` by construction of the exponent bits (n ∈ [-126, 127] for the clamped range).
#[inline(always)]
fn exp_reduced(x: f32, nf: f32, n: i32) -> f32 {
    let r = x - nf * LN2_HI;
    let r = r - nf * LN2_LO;
    let z = r * r;
    let p = (((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 5.0e-1)
        * z
        + r
        + 1.0;
    let scale = f32::from_bits((n.wrapping_add(127) as u32).wrapping_shl(23));
    p * scale
}

/// Hyperbolic tangent, |error| < 2.5e-7 absolute against `f64::tanh`.
#[inline]
pub fn tanh(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    let a = if x < 0.0 { -x } else { x };
    let y = if a > 9.0 {
        1.0
    } else if a >= 0.625 {
        let s = exp(a + a);
        1.0 - 2.0 / (s + 1.0)
    } else {
        let z = a * a;
        let p = ((((-5.704_988_7e-3 * z + 2.063_909e-2) * z - 5.373_971_6e-2) * z + 1.333_144_2e-1) * z
            - 3.333_328e-1)
            * z
            * a;
        a + p
    };
    if x < 0.0 { -y } else { y }
}

/// [`tanh`] of every element of `xs`, in place, with the same bits as [`tanh`] element by
/// element (tested exhaustively over every `f32` bit pattern).
///
/// The scalar [`tanh`] branches on |x|, which keeps loops over it scalar; this version computes
/// every branch with the same IEEE operations and selects the one [`tanh`] takes, so the compiler
/// vectorises the loop (8 lanes with AVX2). It does 2–3× the arithmetic of one branch, so it only
/// pays where many values are computed at once on a SIMD target (the CNN front end's 10,734 per
/// frame), not on the Cortex-M4F.
#[inline(always)]
pub fn tanh_slice(xs: &mut [f32]) {
    for x in xs {
        *x = tanh_select(*x);
    }
}

/// [`exp`] for arguments ≥ 0 (or NaN) without a float-to-integer conversion, which x86 can only
/// vectorise with fix-ups: the same operations as [`exp`] on the same values, with
/// `floor_i32(v)` for v ∈ [0.5, 128) computed in floating point — `v + 2²³ − 2²³` rounds v to an
/// integer, one is subtracted where that rounded up, and the integer is read back from the
/// mantissa of `floor + 2²³`. Equal to [`exp`] bit for bit on that domain (through
/// [`tanh_select`], tested on every `f32`); a NaN argument gives a NaN, as [`exp`] does.
#[inline(always)]
fn exp_nonneg(x: f32) -> f32 {
    const M: f32 = 8_388_608.0; // 2^23
    let x = x.clamp(-87.0, 88.0);
    let v = LOG2E * x + 0.5;
    let r = (v + M) - M;
    let nf = if r > v { r - 1.0 } else { r };
    let n = (nf + M).to_bits().wrapping_sub(M.to_bits()) as i32;
    exp_reduced(x, nf, n)
}

/// [`tanh`] without branches (every path computed, one selected).
#[inline(always)]
fn tanh_select(x: f32) -> f32 {
    let neg = x < 0.0;
    let a = if neg { -x } else { x };
    let s = exp_nonneg(a + a);
    let big = 1.0 - 2.0 / (s + 1.0);
    let z = a * a;
    let p = ((((-5.704_988_7e-3 * z + 2.063_909e-2) * z - 5.373_971_6e-2) * z + 1.333_144_2e-1) * z
        - 3.333_328e-1)
        * z
        * a;
    let small = a + p;
    let y = if a >= 0.625 { big } else { small };
    let y = if a > 9.0 { 1.0 } else { y };
    let y = if neg { -y } else { y };
    if x.is_nan() { x } else { y }
}

/// Logistic sigmoid `1 / (1 + e^-x)`, |error| < 2e-7 absolute.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    1.0 / (1.0 + exp(-x))
}

/// What a layer applies to its pre-activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Activation {
    /// `tanh` (hidden layers; the ant's output layer).
    Tanh = 0,
    /// No activation (the car's output layer: the Hebbian rule sees raw outputs).
    Identity = 1,
}

impl Activation {
    /// Applies the activation to one value.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Tanh => tanh(x),
            Activation::Identity => x,
        }
    }

    /// The activation with file code `code`.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Activation::Tanh),
            1 => Some(Activation::Identity),
            _ => None,
        }
    }
}

/// The car's action mapping (docs/method.md, Networks): `[tanh(o0), sigmoid(o1), sigmoid(o2)]` =
/// steer, gas, brake, from the raw network outputs.
pub fn car_action(raw: &[f32; 3]) -> [f32; 3] {
    [tanh(raw[0]), sigmoid(raw[1]), sigmoid(raw[2])]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tanh_slice` against `tanh`, bit for bit, on the bit patterns `0, stride, 2·stride, …`
    /// through the vectorised loop in blocks (NaN payloads compared too).
    fn tanh_slice_sweep(stride: u64) {
        let mut block = [0.0f32; 4096];
        let mut next: u64 = 0;
        while next < 1 << 32 {
            for v in block.iter_mut() {
                *v = f32::from_bits((next % (1 << 32)) as u32);
                next += stride;
            }
            let mut out = block;
            tanh_slice(&mut out);
            for (x, y) in block.iter().zip(&out) {
                assert_eq!(tanh(*x).to_bits(), y.to_bits(), "x = {x:e} ({:#010x})", x.to_bits());
            }
        }
    }

    #[test]
    fn tanh_slice_equals_tanh() {
        // Every 61st bit pattern (70 M values, all exponents and both signs), then the branch
        // edges and special values.
        tanh_slice_sweep(61);
        let edges =
            [0.0, -0.0, 0.625, 0.624_999_94, 9.0, 9.000_001, f32::INFINITY, f32::NAN, f32::MIN_POSITIVE];
        let mut xs: std::vec::Vec<f32> = edges.iter().flat_map(|&e| [e, -e]).collect();
        let want: std::vec::Vec<u32> = xs.iter().map(|&x| tanh(x).to_bits()).collect();
        tanh_slice(&mut xs);
        assert_eq!(xs.iter().map(|x| x.to_bits()).collect::<std::vec::Vec<_>>(), want);
    }

    #[test]
    #[ignore = "all 2³² inputs: ≈ 4 min; run with --ignored (passed when tanh_slice was written)"]
    fn tanh_slice_equals_tanh_on_every_f32() {
        tanh_slice_sweep(1);
    }

    /// Reference values (x, tanh x) computed in f64 with Python's `math.tanh`, and the tolerance the docs promise.
    const TANH_TABLE: &[(f32, f64)] = &[
        (0.0, 0.0),
        (1e-8, 1e-8),
        (0.1, 0.099_667_994_624_955_82),
        (0.5, 0.462_117_157_260_009_74),
        (0.624_999_9, 0.554_599_653_107_463_6),
        (0.625, 0.554_599_722_349_382_3),
        (1.0, 0.761_594_155_955_764_9),
        (2.0, 0.964_027_580_075_817),
        (3.0, 0.995_054_753_686_730_5),
        (5.0, 0.999_909_204_262_595_1),
        (-0.3, -0.291_312_612_451_590_7),
        (-2.5, -0.986_614_298_151_430_3),
        (9.5, 0.999_999_988_794_405_5),
        (-30.0, -1.0),
    ];
    const TANH_TOL: f64 = 2.5e-7;

    #[test]
    fn tanh_matches_table() {
        for &(x, want) in TANH_TABLE {
            let got = tanh(x) as f64;
            // The table's x is an f32; compare against tanh of exactly that value too.
            let exact = (x as f64).tanh();
            assert!((got - exact).abs() < TANH_TOL, "tanh({x}) = {got}, want {exact}");
            assert!((exact - want).abs() < 1e-7, "table entry for {x} is wrong");
        }
    }

    #[test]
    fn tanh_dense_sweep_error_and_monotonicity() {
        let mut max_err = 0.0f64;
        let mut prev = tanh(-20.0);
        let n = 2_000_000;
        for k in 0..=n {
            let x = -20.0 + 40.0 * (k as f64) / (n as f64);
            let xf = x as f32;
            let y = tanh(xf);
            max_err = max_err.max((y as f64 - (xf as f64).tanh()).abs());
            assert!(y >= prev, "tanh not monotone at {xf}");
            prev = y;
        }
        assert!(max_err < TANH_TOL, "max abs error {max_err}");
        // Monotone across the branch boundary, ulp by ulp.
        let mut x = 0.62f32;
        let mut prev = tanh(x);
        while x < 0.63 {
            x = f32::from_bits(x.to_bits() + 1);
            assert!(tanh(x) >= prev, "tanh not monotone at {x}");
            prev = tanh(x);
        }
    }

    #[test]
    fn tanh_odd_and_special() {
        for x in [0.01f32, 0.3, 0.7, 2.0, 8.9, 12.0] {
            assert_eq!(tanh(-x), -tanh(x));
        }
        assert!(tanh(f32::NAN).is_nan());
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
    }

    #[test]
    fn sigmoid_sweep() {
        let mut max_err = 0.0f64;
        for k in 0..=400_000 {
            let x = (-40.0 + 80.0 * (k as f64) / 400_000.0) as f32;
            let want = 1.0 / (1.0 + (-(x as f64)).exp());
            max_err = max_err.max((sigmoid(x) as f64 - want).abs());
        }
        assert!(max_err < 2e-7, "max abs error {max_err}");
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(sigmoid(f32::NAN).is_nan());
        assert!(sigmoid(1e30) <= 1.0 && sigmoid(-1e30) >= 0.0);
    }

    #[test]
    fn exp_relative_error() {
        for k in 0..=100_000 {
            let x = (-80.0 + 160.0 * (k as f64) / 100_000.0) as f32;
            let want = (x as f64).exp();
            let rel = ((exp(x) as f64 - want) / want).abs();
            assert!(rel < 3e-7, "exp({x}) relative error {rel}");
        }
    }
}
