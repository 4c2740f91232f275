//! Run-time CPU feature detection without `std` (CPUID for the instruction set, XGETBV for the
//! operating system's saving of the registers it uses), cached after the first call: for code
//! compiled for several instruction sets and chosen at run time (the kernels' AVX2 build, the
//! CNN front end's AVX2 and AVX-512 builds).

/// A detection result cached in `cache` (0 unknown, 1 no, 2 yes), computed by `detect` once.
#[cfg(target_arch = "x86_64")]
fn cached(cache: &core::sync::atomic::AtomicU8, detect: fn() -> bool) -> bool {
    use core::sync::atomic::Ordering;
    match cache.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let yes = detect();
            cache.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
    }
}

/// Whether the CPU has AVX2 and the operating system saves the YMM registers.
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx2_available() -> bool {
    static CACHE: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);
    cached(&CACHE, detect_avx2)
}

/// No AVX2 off x86_64.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn avx2_available() -> bool {
    false
}

/// Whether the CPU has AVX-512 F and VL and the operating system saves the registers they use
/// (XCR0's SSE, AVX, opmask and both upper-ZMM bits).
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx512_available() -> bool {
    static CACHE: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);
    cached(&CACHE, detect_avx512)
}

/// XCR0 if the OS has enabled XGETBV (CPUID's OSXSAVE), else `None`.
#[cfg(target_arch = "x86_64")]
fn xcr0() -> Option<u64> {
    use core::arch::x86_64::{__cpuid, _xgetbv};
    if __cpuid(1).ecx & (1 << 27) == 0 {
        return None;
    }
    // SAFETY: OSXSAVE is set, so XGETBV is available and enabled by the OS.
    Some(unsafe { _xgetbv(0) })
}

/// CPUID leaf 7's EBX (extended features), or 0 where the CPU does not report leaf 7.
#[cfg(target_arch = "x86_64")]
fn leaf7_ebx() -> u32 {
    use core::arch::x86_64::{__cpuid, __cpuid_count};
    if __cpuid(0).eax >= 7 { __cpuid_count(7, 0).ebx } else { 0 }
}

#[cfg(target_arch = "x86_64")]
fn detect_avx2() -> bool {
    let avx = core::arch::x86_64::__cpuid(1).ecx & (1 << 28) != 0;
    // The OS must save XMM and YMM state (XCR0 bits 1 and 2); EBX bit 5 is AVX2.
    avx && xcr0().is_some_and(|x| x & 0b110 == 0b110) && leaf7_ebx() & (1 << 5) != 0
}

#[cfg(target_arch = "x86_64")]
fn detect_avx512() -> bool {
    // SSE (1), AVX (2), opmask (5), ZMM_Hi256 (6), Hi16_ZMM (7).
    const STATE: u64 = 0b1110_0110;
    let ebx = leaf7_ebx();
    // EBX bit 16 AVX512F, bit 31 AVX512VL.
    xcr0().is_some_and(|x| x & STATE == STATE) && ebx & (1 << 16) != 0 && ebx & (1 << 31) != 0
}
