//! gym 0.17's `car_dynamics.py` `Car` on rapier2d: a hull and four wheels on revolute joints,
//! with the reference's own tyre model (wheel spin, slip forces, friction limit) applied as
//! external forces at the wheel centres.
//!
//! What is modelled, as the reference builds it (Box2D units, SIZE = 0.02):
//! * Hull: the four polygons `HULL_POLY1..4`, density 1 (≈ 7.06 mass units, centre of mass off
//!   the body origin as Box2D computes it); wheels: boxes 0.56 × 1.08, density 0.1, at
//!   `WHEELPOS`. Zero gravity, no damping. The car parts never collide with each other or with
//!   anything else (the tiles are sensors), so the bodies carry no colliders at all: their mass
//!   properties are set directly from the polygons.
//! * Joints: one rapier *multibody* (reduced coordinates): the hull is the free root (3 DoF) and
//!   each wheel hangs on a revolute DoF with limits ±0.4 rad and a velocity motor of maximal
//!   torque 180·900·SIZE². Chosen over impulse joints because the pin constraints are then exact,
//!   which is what Box2D's `Step(1/50, 180, 60)` (180 velocity and 60 position iterations)
//!   converges to; the remaining constraints (motor, limit) are stiff rows of rapier's solver
//!   (motor damping factor 1e6, i.e. rigid up to 0.02 %; limits with rapier's stiff joint
//!   defaults), solved like Box2D in one step per 1/50 s (no substeps) with 10 Gauss–Seidel
//!   iterations: with exact pins only these few rows remain, and 60 iterations give the same
//!   episodes (scripted-driver returns equal to 0.1) at 1.4× the cost.
//! * Velocities are read from the multibody's generalized velocities: rapier refreshes the
//!   bodies' own velocity fields only at the start of the next step (they lag one step behind
//!   the positions). rapier 0.36 also ignores the angle of a 2-D free root's starting pose; the
//!   constructor sets it explicitly.
//! * Steering: each step the motor speed is `sign(s − angle)·min(50·|s − angle|, 3)`; front wheels
//!   aim at the steering input, rear ones at 0. Gas drives the rear wheels and rises by at most
//!   0.1 per step; brake ≥ 0.9 locks a wheel's spin, a lighter brake slows it by 15·b rad/s.
//! * Tyres: per step and wheel, the spin ω gains `dt·ENGINE_POWER·gas/I/(|ω| + 5)`, the slip
//!   forces are `(ω·r − v_forward, −v_side) × 205000·SIZE²`, clipped to the friction limit
//!   `FRICTION_LIMIT·(1 if the wheel touches a road tile else 0.6)`, ω loses `dt·f·r/I`, and the
//!   force is applied at the wheel centre for the following world step.
//! * Speed cap: Box2D moves no body by more than `b2_maxTranslation` = 2 units per step, which is
//!   what bounds the car's top speed (100 units/s at 50 Hz; the engine has no drag). After each
//!   step the hull's linear velocity is scaled down to that bound when it exceeds it.
//!
//! Differences from Box2D, all small: rapier's multibody keeps the wheel pins exact where Box2D's
//! iterative joints leave a tiny residual error; Box2D clamps the velocity of every body before
//! integrating positions, here only the hull's (root) velocity after the step (the wheels move
//! with it), so a step that crosses the cap moves the car up to one step's velocity gain
//! (≈ 0.005 units) further; Box2D's `b2_maxRotation` (π/2 per step) is not applied (the car
//! never spins that fast).

use rapier2d::prelude::*;

use super::scene::Poly;
use super::sign;

/// Scale of the car's drawing units (`SIZE`).
pub const SIZE: f32 = 0.02;
/// Engine power (`ENGINE_POWER`).
pub const ENGINE_POWER: f32 = 100_000_000.0 * SIZE * SIZE;
/// Wheel moment of inertia used by the spin model (`WHEEL_MOMENT_OF_INERTIA`).
pub const WHEEL_MOMENT_OF_INERTIA: f32 = 4000.0 * SIZE * SIZE;
/// Largest tyre force on the road (`FRICTION_LIMIT`); 0.6 of it on grass.
pub const FRICTION_LIMIT: f32 = 1_000_000.0 * SIZE * SIZE;
/// Wheel radius in drawing units (`WHEEL_R`).
pub const WHEEL_R: f32 = 27.0;
/// Wheel half-width in drawing units (`WHEEL_W`).
pub const WHEEL_W: f32 = 14.0;
/// Wheel positions in drawing units: front-left, front-right, rear-left, rear-right.
pub const WHEELPOS: [[f32; 2]; 4] = [[-55.0, 80.0], [55.0, 80.0], [-55.0, -82.0], [55.0, -82.0]];
/// Hull polygons in drawing units.
pub const HULL_POLY1: [[f32; 2]; 4] = [[-60.0, 130.0], [60.0, 130.0], [60.0, 110.0], [-60.0, 110.0]];
/// See [`HULL_POLY1`].
pub const HULL_POLY2: [[f32; 2]; 4] = [[-15.0, 120.0], [15.0, 120.0], [20.0, 20.0], [-20.0, 20.0]];
/// See [`HULL_POLY1`].
pub const HULL_POLY3: [[f32; 2]; 8] = [
    [25.0, 20.0],
    [50.0, -10.0],
    [50.0, -40.0],
    [20.0, -90.0],
    [-20.0, -90.0],
    [-50.0, -40.0],
    [-50.0, -10.0],
    [-25.0, 20.0],
];
/// See [`HULL_POLY1`].
pub const HULL_POLY4: [[f32; 2]; 4] = [[-50.0, -120.0], [50.0, -120.0], [50.0, -90.0], [-50.0, -90.0]];
/// Hull colour.
pub const HULL_COLOR: [f32; 3] = [0.8, 0.0, 0.0];
/// Wheel colour (`WHEEL_COLOR`).
pub const WHEEL_COLOR: [f32; 3] = [0.0, 0.0, 0.0];
/// Colour of the wheel's rotating stripe (`WHEEL_WHITE`).
pub const WHEEL_WHITE: [f32; 3] = [0.3, 0.3, 0.3];
/// Largest steering-motor torque (`maxMotorTorque`).
pub const MAX_MOTOR_TORQUE: f32 = 180.0 * 900.0 * SIZE * SIZE;
/// Steering joint range (rad).
pub const STEER_LIMIT: f32 = 0.4;
/// Tyre slip stiffness (the reference's "random coefficient" 205000·SIZE²).
pub const SLIP_GAIN: f32 = 205_000.0 * SIZE * SIZE;
/// Box2D's `b2_maxTranslation`: no body moves further in one step.
pub const MAX_TRANSLATION: f32 = 2.0;
/// Brake deceleration of the spin at full brake below the lock threshold (rad/s per step).
const BRAKE_FORCE: f32 = 15.0;
/// Velocity-motor damping factor: large, for a rigid motor like Box2D's.
const MOTOR_FACTOR: f32 = 1.0e6;

/// Box2D-frame wheel box in drawing units (`WHEEL_POLY`), counter-clockwise.
const WHEEL_POLY: [[f32; 2]; 4] =
    [[-WHEEL_W, -WHEEL_R], [WHEEL_W, -WHEEL_R], [WHEEL_W, WHEEL_R], [-WHEEL_W, WHEEL_R]];

/// One polygon in body coordinates, counter-clockwise.
#[derive(Debug, Clone, Copy)]
struct LocalPoly {
    v: [Vector; 8],
    n: usize,
}

impl LocalPoly {
    fn scaled(pts: &[[f32; 2]]) -> LocalPoly {
        let mut v = [Vector::ZERO; 8];
        let n = pts.len().min(8);
        for (d, p) in v.iter_mut().zip(pts) {
            *d = Vector::new(p[0] * SIZE, p[1] * SIZE);
        }
        // Counter-clockwise, as Box2D stores polygon vertices.
        let area: f32 = (0..n).map(|i| v[i].perp_dot(v[(i + 1) % n])).sum();
        if area < 0.0 {
            v[..n].reverse();
        }
        LocalPoly { v, n }
    }

    fn vertices(&self) -> &[Vector] {
        &self.v[..self.n]
    }
}

/// State of one wheel besides its body.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wheel {
    /// Gas, 0..1 (rear wheels only).
    pub gas: f32,
    /// Brake, as given.
    pub brake: f32,
    /// Steering target (front wheels; 0 for the rear ones).
    pub steer: f32,
    /// Drawing phase of the stripe (rad).
    pub phase: f32,
    /// Spin (rad/s).
    pub omega: f32,
    /// Whether the wheel touches a road tile (set by the environment's contact pass).
    pub on_road: bool,
}

/// The car.
pub struct Car {
    world: PhysicsWorld,
    hull: RigidBodyHandle,
    wheel_bodies: [RigidBodyHandle; 4],
    link_ids: [usize; 4],
    mb: MultibodyIndex,
    hull_polys: [LocalPoly; 4],
    wheel_poly: LocalPoly,
    wheels: [Wheel; 4],
    fuel_spent: f32,
}

impl std::fmt::Debug for Car {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Car").field("wheels", &self.wheels).field("fuel_spent", &self.fuel_spent).finish()
    }
}

impl Car {
    /// A car at rest with its hull origin at (`x`, `y`) and heading `angle` (the car faces
    /// `(−sin angle, cos angle)`), as `Car(world, init_angle, init_x, init_y)`.
    pub fn new(angle: f32, x: f32, y: f32) -> Car {
        let mut world = PhysicsWorld::new();
        world.gravity = Vector::ZERO;
        let ip = &mut world.integration_parameters;
        ip.dt = 1.0 / 50.0;
        ip.num_solver_iterations = 1;
        ip.num_internal_pgs_iterations = 10;

        let hull_polys =
            [&HULL_POLY1[..], &HULL_POLY2[..], &HULL_POLY3[..], &HULL_POLY4[..]].map(LocalPoly::scaled);
        let wheel_poly = LocalPoly::scaled(&WHEEL_POLY);
        let mut hull_mass = MassProperties::from_convex_polygon(1.0, hull_polys[0].vertices());
        for p in &hull_polys[1..] {
            hull_mass += MassProperties::from_convex_polygon(1.0, p.vertices());
        }
        let wheel_mass = MassProperties::from_convex_polygon(0.1, wheel_poly.vertices());

        let pose = Pose::new(Vector::new(x, y), angle);
        let body = |p: Pose, m: MassProperties| {
            RigidBodyBuilder::dynamic().pose(p).additional_mass_properties(m).can_sleep(false)
        };
        let hull = world.insert_body(body(pose, hull_mass));
        let mut wheel_bodies = [hull; 4];
        for (wb, wp) in wheel_bodies.iter_mut().zip(WHEELPOS) {
            let local = Vector::new(wp[0] * SIZE, wp[1] * SIZE);
            let wpose = Pose::new(pose.transform_point(local), angle);
            *wb = world.insert_body(body(wpose, wheel_mass));
            let joint = RevoluteJointBuilder::new()
                .local_anchor1(local)
                .local_anchor2(Vector::ZERO)
                .limits([-STEER_LIMIT, STEER_LIMIT])
                .motor_velocity(0.0, MOTOR_FACTOR)
                .motor_max_force(MAX_MOTOR_TORQUE)
                .contacts_enabled(false);
            world.insert_multibody_joint(hull, *wb, joint).expect("a tree never makes a cycle");
        }
        // Apply the mass properties now (rapier would at the first step), so that the
        // multibody's kinematics below see the right centres of mass.
        for h in std::iter::once(hull).chain(wheel_bodies) {
            let colliders = &world.colliders;
            world.bodies[h].recompute_mass_properties_from_colliders(colliders);
        }
        let id =
            |h: RigidBodyHandle| *world.multibody_joints.rigid_body_link(h).expect("every body is a link");
        let mb = id(hull).multibody;
        let link_ids = wheel_bodies.map(|h| id(h).id);
        let multibody = world.multibody_joints.get_multibody_mut(mb).expect("just built");
        multibody.forward_kinematics(&world.bodies, true);
        // rapier 0.36 takes only the translation of a 2-D free root from its body (the angle
        // coordinate stays 0 and overwrites the rotation at the first step): set the angle.
        multibody.root_mut().joint.apply_displacement(&[0.0, 0.0, angle]);
        multibody.forward_kinematics(&world.bodies, false);
        multibody.update_rigid_bodies(&mut world.bodies, true);
        // Box2D has no damping; rapier gives each angular DoF 0.1 by default.
        multibody.damping_mut().fill(0.0);

        Car {
            world,
            hull,
            wheel_bodies,
            link_ids,
            mb,
            hull_polys,
            wheel_poly,
            wheels: [Wheel::default(); 4],
            fuel_spent: 0.0,
        }
    }

    /// Steering target `s` (the reference's `steer`; the env passes `−action[0]`).
    pub fn steer(&mut self, s: f32) {
        self.wheels[0].steer = s;
        self.wheels[1].steer = s;
    }

    /// Gas, clipped to [0, 1]; rises by at most 0.1 per call, falls at once (rear wheels).
    pub fn gas(&mut self, gas: f32) {
        let gas = gas.clamp(0.0, 1.0);
        for w in &mut self.wheels[2..4] {
            let diff = (gas - w.gas).min(0.1);
            w.gas += diff;
        }
    }

    /// Brake on all wheels; ≥ 0.9 locks them.
    pub fn brake(&mut self, b: f32) {
        for w in &mut self.wheels {
            w.brake = b;
        }
    }

    /// The reference's `Car.step(dt)`: sets the steering motors, integrates the wheel spins and
    /// applies the tyre forces for the next world step.
    pub fn step(&mut self, dt: f32) {
        let angles = self.joint_angles();
        let vels: [Vector; 4] = std::array::from_fn(|k| self.wheel_velocity(k));
        let multibody = self.world.multibody_joints.get_multibody_mut(self.mb).expect("the car's multibody");
        for (k, w) in self.wheels.iter_mut().enumerate() {
            let d = w.steer - angles[k];
            let speed = sign(d) * (50.0 * d.abs()).min(3.0);
            if let Some(link) = multibody.link_mut(self.link_ids[k]) {
                link.joint.data.set_motor_velocity(JointAxis::AngX, speed, MOTOR_FACTOR);
            }

            let friction_limit = FRICTION_LIMIT * if w.on_road { 1.0 } else { 0.6 };
            let body = &mut self.world.bodies[self.wheel_bodies[k]];
            let rot = body.rotation();
            let forw = rot.transform_vector(Vector::Y);
            let side = rot.transform_vector(Vector::X);
            let v = vels[k];
            let vf = forw.dot(v);
            let vs = side.dot(v);

            w.omega += dt * ENGINE_POWER * w.gas / WHEEL_MOMENT_OF_INERTIA / (w.omega.abs() + 5.0);
            self.fuel_spent += dt * ENGINE_POWER * w.gas;
            if w.brake >= 0.9 {
                w.omega = 0.0;
            } else if w.brake > 0.0 {
                let dir = -sign(w.omega);
                let val = (BRAKE_FORCE * w.brake).min(w.omega.abs());
                w.omega += dir * val;
            }
            w.phase += w.omega * dt;

            let wheel_rad = WHEEL_R * SIZE;
            let vr = w.omega * wheel_rad;
            let mut f_force = (-vf + vr) * SLIP_GAIN;
            let mut p_force = -vs * SLIP_GAIN;
            let force = (f_force * f_force + p_force * p_force).sqrt();
            if force > friction_limit {
                f_force *= friction_limit / force;
                p_force *= friction_limit / force;
            }
            w.omega -= dt * f_force * wheel_rad / WHEEL_MOMENT_OF_INERTIA;

            body.reset_forces(false);
            body.add_force(side * p_force + forw * f_force, false);
        }
    }

    /// The world step (`world.Step(1/50, …)`), then Box2D's translation cap on the hull.
    pub fn world_step(&mut self) {
        self.world.step();
        let dt = self.world.integration_parameters.dt;
        let (v, _) = self.hull_velocity();
        let max_v = MAX_TRANSLATION / dt;
        let speed = v.length();
        if speed > max_v {
            let k = max_v / speed;
            let multibody =
                self.world.multibody_joints.get_multibody_mut(self.mb).expect("the car's multibody");
            let mut gv = multibody.generalized_velocity_mut();
            gv[0] *= k;
            gv[1] *= k;
        }
    }

    /// The hull's generalized velocity: centre-of-mass velocity and angular velocity. Read from
    /// the multibody: rapier refreshes the bodies' own velocity fields only at the start of the
    /// next step, so they lag by one step.
    fn hull_velocity(&self) -> (Vector, f32) {
        let gv = self.world.multibody_joints[self.mb].generalized_velocity();
        (Vector::new(gv[0], gv[1]), gv[2])
    }

    /// Velocity of wheel `k`'s centre (its centre of mass, on the joint axis).
    fn wheel_velocity(&self, k: usize) -> Vector {
        let (v, w) = self.hull_velocity();
        let hull = &self.world.bodies[self.hull];
        let com = hull.position().transform_point(hull.mass_properties().local_mprops.local_com);
        let r = self.world.bodies[self.wheel_bodies[k]].translation() - com;
        v + w * r.perp()
    }

    /// Steering joint angles (wheel angle relative to the hull), wheel order.
    pub fn joint_angles(&self) -> [f32; 4] {
        let mb = &self.world.multibody_joints[self.mb];
        self.link_ids.map(|id| mb.link(id).map_or(0.0, |l| l.joint.coords()[2]))
    }

    /// Hull origin position.
    pub fn position(&self) -> [f32; 2] {
        let p = self.world.bodies[self.hull].translation();
        [p.x, p.y]
    }

    /// Hull angle (rad; unbounded like Box2D's `body.angle`); the car faces `(−sin a, cos a)`.
    pub fn angle(&self) -> f32 {
        self.world.multibody_joints[self.mb].root().joint.coords()[2]
    }

    /// Hull linear velocity (of its centre of mass, as Box2D's `linearVelocity`).
    pub fn velocity(&self) -> [f32; 2] {
        let (v, _) = self.hull_velocity();
        [v.x, v.y]
    }

    /// Hull angular velocity (rad/s).
    pub fn angular_velocity(&self) -> f32 {
        self.hull_velocity().1
    }

    /// Wheel spins ω (rad/s), wheel order.
    pub fn wheel_omegas(&self) -> [f32; 4] {
        self.wheels.map(|w| w.omega)
    }

    /// The wheels' controller state.
    pub fn wheels(&self) -> &[Wheel; 4] {
        &self.wheels
    }

    /// Marks which wheels touch a road tile (for the next [`Car::step`]'s friction limit).
    pub fn set_on_road(&mut self, on_road: [bool; 4]) {
        for (w, r) in self.wheels.iter_mut().zip(on_road) {
            w.on_road = r;
        }
    }

    /// Energy spent by the engine since the last call (the reference resets it every step).
    pub fn take_fuel_spent(&mut self) -> f32 {
        std::mem::take(&mut self.fuel_spent)
    }

    /// World vertices of wheel `k`'s box, counter-clockwise.
    pub fn wheel_vertices(&self, k: usize) -> [[f32; 2]; 4] {
        let pose = self.world.bodies[self.wheel_bodies[k]].position();
        let mut out = [[0.0; 2]; 4];
        for (o, v) in out.iter_mut().zip(self.wheel_poly.vertices()) {
            let p = pose.transform_point(*v);
            *o = [p.x, p.y];
        }
        out
    }

    /// World vertices of hull polygon `k` (0..4), counter-clockwise, and their count.
    pub fn hull_vertices(&self, k: usize) -> ([[f32; 2]; 8], usize) {
        let pose = self.world.bodies[self.hull].position();
        let lp = &self.hull_polys[k];
        let mut out = [[0.0; 2]; 8];
        for (o, v) in out.iter_mut().zip(lp.vertices()) {
            let p = pose.transform_point(*v);
            *o = [p.x, p.y];
        }
        (out, lp.n)
    }

    /// Appends the car's drawing to `out` in the reference's order: for each wheel its black box
    /// then its grey stripe (when visible), then the four red hull polygons.
    pub fn draw(&self, out: &mut Vec<Poly>) {
        for k in 0..4 {
            out.push(Poly::new(&self.wheel_vertices(k), WHEEL_COLOR));
            let phase = self.wheels[k].phase;
            let (a1, a2) = (phase, phase + 1.2);
            let (s1, s2) = (a1.sin(), a2.sin());
            let (mut c1, mut c2) = (a1.cos(), a2.cos());
            if s1 > 0.0 && s2 > 0.0 {
                continue;
            }
            if s1 > 0.0 {
                c1 = sign(c1);
            }
            if s2 > 0.0 {
                c2 = sign(c2);
            }
            let pose = self.world.bodies[self.wheel_bodies[k]].position();
            let (w, r) = (WHEEL_W * SIZE, WHEEL_R * SIZE);
            let stripe = [[-w, r * c1], [w, r * c1], [w, r * c2], [-w, r * c2]].map(|p| {
                let q = pose.transform_point(Vector::new(p[0], p[1]));
                [q.x, q.y]
            });
            out.push(Poly::new(&stripe, WHEEL_WHITE));
        }
        for k in 0..4 {
            let (v, n) = self.hull_vertices(k);
            out.push(Poly::new(&v[..n], HULL_COLOR));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_mass_matches_box2d() {
        let car = Car::new(0.0, 0.0, 0.0);
        let m = car.world.bodies[car.hull].mass();
        // Areas in drawing units: 2400 + 3500 + 8750 + 3000 = 17650, × SIZE².
        assert!((m - 17650.0 * SIZE * SIZE).abs() < 1e-3, "{m}");
    }

    #[test]
    fn steering_reaches_the_limit_and_rear_wheels_hold() {
        let mut car = Car::new(0.3, 5.0, -2.0);
        assert!((car.angle() - 0.3).abs() < 1e-6);
        car.steer(-1.0);
        for _ in 0..50 {
            car.step(1.0 / 50.0);
            car.world_step();
        }
        let a = car.joint_angles();
        assert!((a[0] + STEER_LIMIT).abs() < 0.01 && (a[1] + STEER_LIMIT).abs() < 0.01, "{a:?}");
        assert!(a[2].abs() < 1e-3 && a[3].abs() < 1e-3, "{a:?}");
        // Standing still: nothing moves.
        let p = car.position();
        assert!((p[0] - 5.0).abs() < 1e-3 && (p[1] + 2.0).abs() < 1e-3, "{p:?}");
        assert!((car.angle() - 0.3).abs() < 1e-4, "{}", car.angle());
        let rot = car.world.bodies[car.hull].rotation().angle();
        assert!((rot - 0.3).abs() < 1e-4, "{rot}");
    }

    #[test]
    fn wheel_velocity_follows_the_hull() {
        let mut car = Car::new(0.0, 0.0, 0.0);
        car.gas(1.0);
        for _ in 0..100 {
            car.gas(1.0);
            car.step(1.0 / 50.0);
            car.world_step();
        }
        let v = car.velocity();
        assert!(v[1] > 5.0 && v[0].abs() < 0.1 * v[1], "{v:?}");
        for k in 0..4 {
            let wv = car.wheel_velocity(k);
            assert!((wv.y - v[1]).abs() < 0.05 * v[1], "{wv:?} vs {v:?}");
        }
        // The generalized velocity is current: the position moved by it over the last step.
        let p0 = car.position();
        car.step(1.0 / 50.0);
        car.world_step();
        let (p1, v1) = (car.position(), car.velocity());
        assert!(((p1[1] - p0[1]) / 0.02 - v1[1]).abs() < 0.01 * v1[1], "{p0:?} {p1:?} {v1:?}");
    }
}
