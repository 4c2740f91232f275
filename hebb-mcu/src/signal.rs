//! The simulated sensors of the control-loop programs: a deterministic signal generator.
//!
//! Sensor `k` at control step `t` is a triangle wave (period `64 + 16·(k mod 8)` steps,
//! amplitude 1, phase `k`) plus uniform noise in ±0.25 from an integer hash of `(t, k)`; every
//! 97th step one sensor spikes to ±4 so every branch of the activation runs. Integer arithmetic
//! and exact float operations only (integers below 2²⁴ converted to `f32`, products with powers
//! of two, one rounded sum), so the desktop computes the same bits: the control-loop test
//! (`tests/tests/firmware_control.rs`) includes this very file.
//!
//! On a robot, replace it with the sensor reads (ADC, IMU, encoders), scaled as in training.

/// Fills `obs` with the simulated sensor values of control step `t`.
pub fn observation(t: u32, obs: &mut [f32]) {
    for (k, o) in obs.iter_mut().enumerate() {
        let k = k as u32;
        let period = 64 + 16 * (k % 8);
        let phase = t.wrapping_add(k) % period;
        // Triangle in [-1, 1]: 4·|phase/period − 1/2| − 1, from integers: exact up to one rounding.
        let half = period / 2;
        let dist = phase.abs_diff(half); // 0 ..= half
        let tri = (4 * dist) as f32 / period as f32 - 1.0;
        let noise = (hash(t, k) >> 8) as f32 * (1.0 / 16_777_216.0) - 0.5; // [-0.5, 0.5)
        let spike = if t.wrapping_add(3 * k).is_multiple_of(97) { 4.0 } else { 1.0 };
        *o = spike * (tri + 0.5 * noise);
    }
}

/// A 32-bit integer hash of `(t, k)` (the "lowbias32" mixer).
fn hash(t: u32, k: u32) -> u32 {
    let mut x = t.wrapping_mul(0x9E37_79B9) ^ k.wrapping_mul(0x85EB_CA6B) ^ 0x2545_F491;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7FEB_352D);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846C_A68B);
    x ^= x >> 16;
    x
}

/// The PWM duty cycle of an action in [-1, 1] (clamped; NaN gives 0) for a timer whose full
/// scale is `max`: −1 → 0, +1 → `max`.
pub fn duty(action: f32, max: u16) -> u16 {
    let a = if action.is_nan() { -1.0 } else { action.clamp(-1.0, 1.0) };
    ((a + 1.0) * 0.5 * f32::from(max)) as u16
}
