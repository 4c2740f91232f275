//! The lane abstraction: what the generic row-block kernel needs from a SIMD type.

/// Eight `f32` lanes (or one, for the portable kernel).
///
/// # Safety
///
/// An implementation must perform exactly the IEEE operation named, lane by lane, so that all
/// implementations produce the same bits. Its values may only come into existence through the
/// `unsafe` constructors (`zero`, `splat`, `load…`), whose contract is that the CPU supports
/// the instructions the type uses; so holding a value proves the CPU check was done, and the
/// safe operations on values (`add`, `mul`, …) can execute those instructions soundly. (The
/// field of an implementing type must therefore be private to its module.)
pub(crate) unsafe trait Lanes: Copy {
    /// How many rows the kernel processes together (1 or 4). Never changes the result.
    const ROW_BLOCK: usize;
    /// All lanes `+0.0`.
    /// # Safety
    /// The CPU must support the lane type's instructions.
    unsafe fn zero() -> Self;
    /// All lanes `x`.
    /// # Safety
    /// The CPU must support the lane type's instructions.
    unsafe fn splat(x: f32) -> Self;
    /// # Safety
    /// The CPU must support the lane type's instructions; `p..p+8` must be readable.
    unsafe fn load(p: *const f32) -> Self;
    /// Loads the first `n` (< 8) lanes; the others are zero.
    /// # Safety
    /// The CPU must support the lane type's instructions; `p..p+n` must be readable.
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
