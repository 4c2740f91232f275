//! The lane abstraction and its portable implementation.

/// Eight `f32` lanes. Implementations must perform exactly the IEEE operation named, lane by
/// lane, so that all implementations produce the same bits.
pub(crate) trait Lanes: Copy {
    /// How many rows the kernel processes together (1 or 4). Never changes the result.
    const ROW_BLOCK: usize;
    fn zero() -> Self;
    fn splat(x: f32) -> Self;
    /// # Safety
    /// `p..p+8` must be readable.
    unsafe fn load(p: *const f32) -> Self;
    /// Loads the first `n` (< 8) lanes; the others are zero.
    /// # Safety
    /// `p..p+n` must be readable.
    unsafe fn load_n(p: *const f32, n: usize) -> Self;
    /// # Safety
    /// `p..p+8` must be writable.
    unsafe fn store(self, p: *mut f32);
    /// Stores the first `n` (< 8) lanes.
    /// # Safety
    /// `p..p+n` must be writable.
    unsafe fn store_n(self, p: *mut f32, n: usize);
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    /// `max(self, |o|)` lane-wise (`self` holds non-negative values).
    fn abs_max(self, o: Self) -> Self;
    /// `((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))`.
    fn hsum(self) -> f32;
    /// Maximum over the lanes.
    fn hmax(self) -> f32;
}

#[derive(Clone, Copy)]
pub(crate) struct Portable([f32; 8]);

#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    // Same semantics as x86 `maxps(a, b)`: returns `b` unless `a > b`.
    if a > b { a } else { b }
}

impl Lanes for Portable {
    // One row at a time: eight accumulators fit the Cortex-M4F's register file.
    const ROW_BLOCK: usize = 1;
    #[inline(always)]
    fn zero() -> Self {
        Portable([0.0; 8])
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Portable([x; 8])
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable floats.
        Portable(unsafe { core::ptr::read_unaligned(p as *const [f32; 8]) })
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> Self {
        let mut v = [0.0; 8];
        // SAFETY: the caller guarantees n readable floats; n < 8.
        unsafe { core::ptr::copy_nonoverlapping(p, v.as_mut_ptr(), n) };
        Portable(v)
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 8 writable floats.
        unsafe { core::ptr::write_unaligned(p as *mut [f32; 8], self.0) }
    }
    #[inline(always)]
    unsafe fn store_n(self, p: *mut f32, n: usize) {
        // SAFETY: the caller guarantees n writable floats; n < 8.
        unsafe { core::ptr::copy_nonoverlapping(self.0.as_ptr(), p, n) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Portable(core::array::from_fn(|k| self.0[k] + o.0[k]))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Portable(core::array::from_fn(|k| self.0[k] * o.0[k]))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Portable(core::array::from_fn(|k| self.0[k] / o.0[k]))
    }
    #[inline(always)]
    fn abs_max(self, o: Self) -> Self {
        Portable(core::array::from_fn(|k| max(self.0[k], f32::from_bits(o.0[k].to_bits() & 0x7fff_ffff))))
    }
    #[inline(always)]
    fn hsum(self) -> f32 {
        let l = self.0;
        ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
    }
    #[inline(always)]
    fn hmax(self) -> f32 {
        let l = self.0;
        max(max(max(l[0], l[4]), max(l[2], l[6])), max(max(l[1], l[5]), max(l[3], l[7])))
    }
}
