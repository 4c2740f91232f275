//! The 28-value observation and the reward terms of pybullet's `AntBulletEnv-v0`
//! (`WalkerBase.calc_state` and `WalkerBaseBulletEnv.step`), as pure functions.
//!
//! Observation, clipped to ±5 (non-finite entries are written as 0; the environment ends the
//! episode when that happens, as pybullet sets `done` on a non-finite state):
//! `[z − z0, sin θ, cos θ, 0.3·vx, 0.3·vy, 0.3·vz, roll, pitch]`, with θ = angle to the target
//! minus yaw and the torso velocity rotated by −yaw; then per joint `2·(q − mid)/(hi − lo)` and
//! `0.1·q̇` interleaved; then four foot-contact flags.

use super::body::Readout;

/// Length of the observation.
pub const OBS_DIM: usize = 28;
/// Observation clip.
pub const OBS_CLIP: f32 = 5.0;
/// The walk target (x, y).
pub const TARGET: [f64; 2] = [1000.0, 0.0];
/// pybullet's `scene.dt`, the divisor of the potential.
pub const SCENE_DT: f64 = 0.0165;
/// `electricity_cost` of `WalkerBaseBulletEnv`.
pub const ELECTRICITY_COST: f32 = -2.0;
/// `stall_torque_cost`.
pub const STALL_TORQUE_COST: f32 = -0.1;
/// `joints_at_limit_cost`.
pub const JOINTS_AT_LIMIT_COST: f32 = -0.1;
/// The ant dies when the torso centre is at or below this height (its sphere scrapes the floor).
pub const ALIVE_Z: f32 = 0.26;

/// Roll, pitch, yaw of a quaternion `[x, y, z, w]` (Bullet's `getEulerFromQuaternion`:
/// R = Rz(yaw)·Ry(pitch)·Rx(roll)).
pub fn rpy([x, y, z, w]: [f32; 4]) -> [f32; 3] {
    let roll = (2.0 * (w * x + y * z)).atan2(1.0 - 2.0 * (x * x + y * y));
    let pitch = (2.0 * (w * y - z * x)).clamp(-1.0, 1.0).asin();
    let yaw = (2.0 * (w * z + x * y)).atan2(1.0 - 2.0 * (y * y + z * z));
    [roll, pitch, yaw]
}

/// A joint angle scaled so that its range maps to [−1, 1].
pub fn normalised_angle(q: f32, [lo, hi]: [f32; 2]) -> f32 {
    2.0 * (q - 0.5 * (lo + hi)) / (hi - lo)
}

/// `−distance(body_xy, target) / dt`.
pub fn potential(xy: [f64; 2]) -> f64 {
    -(TARGET[0] - xy[0]).hypot(TARGET[1] - xy[1]) / SCENE_DT
}

/// Writes the observation; `contacts` are the flags to report (pybullet reports those of the
/// previous step, see the environment). Returns whether every raw value was finite.
pub fn write(r: &Readout, z0: f32, ranges: &[[f32; 2]; 8], contacts: [f32; 4], out: &mut [f32]) -> bool {
    let [roll, pitch, yaw] = rpy(r.torso_quat);
    let theta = (TARGET[1] - r.parts_xy[1]).atan2(TARGET[0] - r.parts_xy[0]) as f32 - yaw;
    let (sy, cy) = (-yaw).sin_cos();
    let [vx, vy, vz] = r.torso_vel;
    let (rvx, rvy) = (cy * vx - sy * vy, sy * vx + cy * vy);
    let head = [r.torso_pos[2] - z0, theta.sin(), theta.cos(), 0.3 * rvx, 0.3 * rvy, 0.3 * vz, roll, pitch];
    out[..8].copy_from_slice(&head);
    for j in 0..8 {
        out[8 + 2 * j] = normalised_angle(r.q[j], ranges[j]);
        out[9 + 2 * j] = 0.1 * r.qd[j];
    }
    out[24..28].copy_from_slice(&contacts);
    let mut finite = true;
    for o in out[..OBS_DIM].iter_mut() {
        if o.is_finite() {
            *o = o.clamp(-OBS_CLIP, OBS_CLIP);
        } else {
            finite = false;
            *o = 0.0;
        }
    }
    finite
}

/// `+1` while the torso centre is above [`ALIVE_Z`], else `−1`.
pub fn alive(z: f32) -> f32 {
    if z > ALIVE_Z { 1.0 } else { -1.0 }
}

/// `−2·mean(|a·0.1·q̇|) − 0.1·mean(a²)` with the action as given (unclipped, as pybullet).
pub fn electricity(a: &[f32; 8], qd: &[f32; 8]) -> f32 {
    let speed: f32 = a.iter().zip(qd).map(|(a, v)| (a * 0.1 * v).abs()).sum::<f32>() / 8.0;
    let stall: f32 = a.iter().map(|a| a * a).sum::<f32>() / 8.0;
    ELECTRICITY_COST * speed + STALL_TORQUE_COST * stall
}

/// `−0.1 × #joints with |normalised angle| > 0.99`.
pub fn joints_at_limit(q: &[f32; 8], ranges: &[[f32; 2]; 8]) -> f32 {
    let n = q.iter().zip(ranges).filter(|(q, r)| normalised_angle(**q, **r).abs() > 0.99).count();
    JOINTS_AT_LIMIT_COST * n as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpy_inverts_zyx_euler() {
        let (r, p, y) = (0.3f32, -0.2f32, 1.1f32);
        let (cr, sr, cp, sp, cy, sy) = (
            (r / 2.0).cos(),
            (r / 2.0).sin(),
            (p / 2.0).cos(),
            (p / 2.0).sin(),
            (y / 2.0).cos(),
            (y / 2.0).sin(),
        );
        let q = [
            sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy,
            cr * cp * cy + sr * sp * sy,
        ];
        let got = rpy(q);
        for (g, e) in got.iter().zip([r, p, y]) {
            assert!((g - e).abs() < 1e-5, "{got:?}");
        }
    }

    #[test]
    fn ankle_at_zero_is_about_1_86_outside_its_range() {
        let lo = 30f32.to_radians();
        let hi = 100f32.to_radians();
        assert!((normalised_angle(0.0, [lo, hi]) + 1.857).abs() < 1e-3);
        assert!((normalised_angle(0.0, [-hi, -lo]) - 1.857).abs() < 1e-3);
        assert_eq!(normalised_angle(hi, [lo, hi]), 1.0);
    }

    #[test]
    fn observation_layout_rotation_and_clipping() {
        let yaw = std::f32::consts::FRAC_PI_2;
        let r = Readout {
            torso_pos: [0.0, 0.0, 0.7],
            torso_quat: [0.0, 0.0, (yaw / 2.0).sin(), (yaw / 2.0).cos()],
            torso_vel: [1.0, 0.0, 100.0],
            parts_xy: [0.0, 0.0],
            q: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, f32::NAN],
            qd: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            feet_on_floor: [true; 4],
        };
        let ranges = [[-1.0, 1.0]; 8];
        let mut o = [9.0; OBS_DIM];
        let ok = write(&r, 0.75, &ranges, [1.0, 0.0, 1.0, 0.0], &mut o);
        assert!(!ok, "a NaN angle is reported");
        assert!((o[0] + 0.05).abs() < 1e-6);
        // Facing +y with the target at +x: the target is 90° to the right.
        assert!((o[1] + 1.0).abs() < 1e-6 && o[2].abs() < 1e-6, "{:?}", &o[..3]);
        // World vx = 1 seen from a body yawed by 90° is body vy = −1.
        assert!(o[3].abs() < 1e-6 && (o[4] + 0.3).abs() < 1e-6, "{:?}", &o[3..5]);
        assert_eq!(o[5], 5.0, "clipped");
        assert_eq!(&o[8..12], &[0.1, 0.1, 0.2, 0.2]);
        assert_eq!(o[22], 0.0, "NaN written as 0");
        assert_eq!(&o[24..], &[1.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn reward_terms() {
        assert_eq!(alive(0.27), 1.0);
        assert_eq!(alive(0.26), -1.0);
        let a = [1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0];
        let qd = [10.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let e = electricity(&a, &qd);
        assert!((e - (-2.0 * 2.0 / 8.0 - 0.1 * 6.0 / 8.0)).abs() < 1e-6, "{e}");
        let ranges = [[-1.0, 1.0]; 8];
        assert!((joints_at_limit(&[0.995, -1.2, 0.5, 0.0, 0.0, 0.0, 0.0, 0.99], &ranges) + 0.2).abs() < 1e-6);
        assert!((potential([1.0, 0.0]) - potential([0.0, 0.0]) - 1.0 / 0.0165).abs() < 1e-6);
    }
}
