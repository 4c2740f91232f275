//! A simple picture of the quadruped for `hebb render`: an oblique projection from the side
//! (walking direction +x to the right), the camera following the torso, a ground grid fixed to
//! the world so the motion shows, legs as thick segments and the torso as a disc.

use super::body::AntBody;

/// Frame width in pixels.
pub const WIDTH: usize = 160;
/// Frame height in pixels.
pub const HEIGHT: usize = 120;
/// Pixels per metre.
const SCALE: f32 = 36.0;
const SKY: [u8; 3] = [200, 220, 240];
const GROUND: [u8; 3] = [225, 215, 190];
const GRID: [u8; 3] = [150, 140, 120];
const LEG: [u8; 3] = [200, 120, 30];
const FAR_LEG: [u8; 3] = [150, 90, 25];
const TORSO: [u8; 3] = [230, 150, 40];

/// Screen position of a world point, the camera centred on `c` (oblique: depth `y` shifts the
/// point up and right).
fn project(p: [f32; 3], c: [f32; 3]) -> [f32; 2] {
    let (dx, dy) = (p[0] - c[0], p[1] - c[1]);
    [WIDTH as f32 / 2.0 + (dx + 0.35 * dy) * SCALE, HEIGHT as f32 * 0.7 - (p[2] + 0.3 * dy) * SCALE]
}

struct Canvas<'a>(&'a mut [u8]);

impl Canvas<'_> {
    fn put(&mut self, x: i32, y: i32, c: [u8; 3]) {
        if (0..WIDTH as i32).contains(&x) && (0..HEIGHT as i32).contains(&y) {
            let i = (y as usize * WIDTH + x as usize) * 3;
            self.0[i..i + 3].copy_from_slice(&c);
        }
    }

    fn disc(&mut self, p: [f32; 2], r: f32, c: [u8; 3]) {
        let ri = r.ceil() as i32;
        let (cx, cy) = (p[0].round() as i32, p[1].round() as i32);
        for y in -ri..=ri {
            for x in -ri..=ri {
                if ((x * x + y * y) as f32) <= r * r {
                    self.put(cx + x, cy + y, c);
                }
            }
        }
    }

    /// A segment of half-thickness `r`, drawn as discs along it.
    fn segment(&mut self, a: [f32; 2], b: [f32; 2], r: f32, c: [u8; 3]) {
        let n = ((b[0] - a[0]).abs().max((b[1] - a[1]).abs()).ceil() as usize).clamp(1, 4 * WIDTH);
        for k in 0..=n {
            let t = k as f32 / n as f32;
            self.disc([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])], r, c);
        }
    }
}

/// Draws the ant into `rgb` ([`WIDTH`] × [`HEIGHT`] RGB) and returns `[WIDTH, HEIGHT]`.
pub fn draw(body: &AntBody, rgb: &mut Vec<u8>) -> [usize; 2] {
    rgb.clear();
    rgb.resize(WIDTH * HEIGHT * 3, 0);
    let r = body.readout();
    let c = r.torso_pos;
    let mut cv = Canvas(rgb);
    // Sky above the horizon of the ground plane at depth +3 m, ground below it.
    let horizon = project([c[0], c[1] + 3.0, 0.0], c)[1].max(0.0) as usize;
    for y in 0..HEIGHT {
        let col = if y < horizon { SKY } else { GROUND };
        for x in 0..WIDTH {
            cv.put(x as i32, y as i32, col);
        }
    }
    // Grid lines every 0.5 m in x (fixed to the world), across depths −3..3 m.
    let x0 = ((c[0] - 4.0) / 0.5).floor() as i32;
    for k in x0..x0 + 17 {
        let x = k as f32 * 0.5;
        let a = project([x, c[1] - 3.0, 0.0], c);
        let b = project([x, c[1] + 3.0, 0.0], c);
        cv.segment(a, b, 0.3, GRID);
    }
    for d in [-1.0f32, 0.0, 1.0] {
        let a = project([c[0] - 4.0, c[1] + d, 0.0], c);
        let b = project([c[0] + 4.0, c[1] + d, 0.0], c);
        cv.segment(a, b, 0.3, GRID);
    }
    // Far legs (larger y) first, then the torso, then the near legs.
    let legs = body.skeleton();
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by(|&a, &b| legs[b][2][1].total_cmp(&legs[a][2][1]));
    let torso = project(c, c);
    for (n, &k) in order.iter().enumerate() {
        let far = n < 2;
        if !far && n == 2 {
            cv.disc(torso, 0.25 * SCALE, TORSO);
        }
        let col = if far { FAR_LEG } else { LEG };
        let [hip, ankle, tip] = legs[k].map(|p| project(p, c));
        cv.segment(torso, hip, 2.0, col);
        cv.segment(hip, ankle, 2.0, col);
        cv.segment(ankle, tip, 2.0, col);
    }
    [WIDTH, HEIGHT]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_ant_and_the_ground_moves_under_it() {
        let mut env = crate::env::make("ant-bullet", None).unwrap();
        let mut obs = vec![0.0; env.obs_dim()];
        env.reset(1, &mut obs);
        let mut a = Vec::new();
        assert_eq!(env.draw(&mut a), Some([WIDTH, HEIGHT]));
        assert_eq!(a.len(), WIDTH * HEIGHT * 3);
        // The torso colour is at the centre of the picture (the camera follows the torso).
        let c = env.body_position().unwrap();
        let [x, y] = project(c, c);
        assert_eq!(x, WIDTH as f32 / 2.0);
        // The torso disc (radius 9 px) around that point, partly under the near legs.
        let (cx, cy) = (WIDTH as i32 / 2, y.round() as i32);
        let mut torso = 0;
        for py in cy - 9..=cy + 9 {
            for px in cx - 9..=cx + 9 {
                let i = (py as usize * WIDTH + px as usize) * 3;
                torso += usize::from(a[i..i + 3] == TORSO);
            }
        }
        assert!(torso > 80, "{torso} torso pixels near the centre");
        assert_eq!(a.chunks(3).filter(|p| *p == TORSO).count(), torso, "torso pixels elsewhere");
        let n_leg = a.chunks(3).filter(|p| *p == LEG || *p == FAR_LEG).count();
        assert!(n_leg > 50, "{n_leg} leg pixels");
        // After some steps the picture changes.
        for _ in 0..30 {
            env.step(crate::env::Action::Continuous(&[0.5; 8]), &mut obs);
        }
        let mut b = Vec::new();
        env.draw(&mut b);
        assert_ne!(a, b);
    }
}
