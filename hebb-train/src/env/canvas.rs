//! A tiny RGB raster for the simple 2-D drawings of `hebb render` (CartPole, Pendulum):
//! filled discs, thick segments and rectangles, clipped to the frame.

/// An RGB picture being drawn: `width × height` pixels, row-major, top row first.
pub struct Canvas<'a> {
    rgb: &'a mut Vec<u8>,
    width: usize,
    height: usize,
}

impl<'a> Canvas<'a> {
    /// Replaces `rgb` with a `width × height` frame filled with `background`.
    pub fn new(rgb: &'a mut Vec<u8>, width: usize, height: usize, background: [u8; 3]) -> Self {
        rgb.clear();
        rgb.extend(std::iter::repeat_n(background, width * height).flatten());
        Canvas { rgb, width, height }
    }

    /// `[width, height]`.
    pub fn size(&self) -> [usize; 2] {
        [self.width, self.height]
    }

    fn put(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if (0..self.width as i64).contains(&x) && (0..self.height as i64).contains(&y) {
            let i = (y as usize * self.width + x as usize) * 3;
            self.rgb[i..i + 3].copy_from_slice(&c);
        }
    }

    /// A filled disc of radius `r` pixels centred on `p`.
    pub fn disc(&mut self, p: [f64; 2], r: f64, c: [u8; 3]) {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return;
        }
        let ri = r.ceil() as i64;
        let (cx, cy) = (p[0].round() as i64, p[1].round() as i64);
        for y in -ri..=ri {
            for x in -ri..=ri {
                if ((x * x + y * y) as f64) <= r * r {
                    self.put(cx + x, cy + y, c);
                }
            }
        }
    }

    /// A segment from `a` to `b` of half-thickness `r`, drawn as discs along it.
    pub fn segment(&mut self, a: [f64; 2], b: [f64; 2], r: f64, c: [u8; 3]) {
        let len = (b[0] - a[0]).abs().max((b[1] - a[1]).abs());
        let n = if len.is_finite() { (len.ceil() as usize).clamp(1, 4 * self.width) } else { 1 };
        for k in 0..=n {
            let t = k as f64 / n as f64;
            self.disc([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])], r, c);
        }
    }

    /// A filled axis-aligned rectangle with corners `a` and `b`.
    pub fn rect(&mut self, a: [f64; 2], b: [f64; 2], c: [u8; 3]) {
        if !(a.iter().chain(&b).all(|v| v.is_finite())) {
            return;
        }
        let (x0, x1) = (a[0].min(b[0]).round() as i64, a[0].max(b[0]).round() as i64);
        let (y0, y1) = (a[1].min(b[1]).round() as i64, a[1].max(b[1]).round() as i64);
        for y in y0.max(0)..=y1.min(self.height as i64 - 1) {
            for x in x0.max(0)..=x1.min(self.width as i64 - 1) {
                self.put(x, y, c);
            }
        }
    }
}
