//! Run-time CPU feature detection without `std`, for code compiled for several instruction sets
//! and chosen at run time (the CNN front end's AVX-512 build; the kernels' AVX2 check is
//! [`crate::Kernel::is_supported`]).

/// Whether the CPU has AVX-512 F and VL and the operating system saves the registers they use
/// (XCR0's SSE, AVX, opmask and both upper-ZMM bits). Cached after the first call.
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx512_available() -> bool {
    use core::sync::atomic::{AtomicU8, Ordering};
    static CACHE: AtomicU8 = AtomicU8::new(0); // 0 unknown, 1 no, 2 yes
    match CACHE.load(Ordering::Relaxed) {
        1 => return false,
        2 => return true,
        _ => {}
    }
    let yes = detect_avx512();
    CACHE.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
    yes
}

#[cfg(target_arch = "x86_64")]
fn detect_avx512() -> bool {
    use core::arch::x86_64::{__cpuid, __cpuid_count, _xgetbv};
    let leaf1 = __cpuid(1);
    if leaf1.ecx & (1 << 27) == 0 {
        return false; // no OSXSAVE: XGETBV is not available
    }
    // SAFETY: OSXSAVE is set, so XGETBV is available and enabled by the OS.
    let xcr0 = unsafe { _xgetbv(0) };
    // SSE (1), AVX (2), opmask (5), ZMM_Hi256 (6), Hi16_ZMM (7).
    const STATE: u64 = 0b1110_0110;
    if xcr0 & STATE != STATE {
        return false;
    }
    // Leaf 7 is queried only if the CPU reports it: EBX bit 16 AVX512F, bit 31 AVX512VL.
    let max_leaf = __cpuid(0).eax;
    max_leaf >= 7 && {
        let ebx = __cpuid_count(7, 0).ebx;
        ebx & (1 << 16) != 0 && ebx & (1 << 31) != 0
    }
}
