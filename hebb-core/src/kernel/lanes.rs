//! The lane abstraction: what the generic row-block kernel needs from a SIMD type.

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
