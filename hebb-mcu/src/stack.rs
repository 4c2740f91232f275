//! Stack high-water mark by painting: at boot the free stack below the current stack pointer is
//! filled with a pattern; later, the first overwritten word from the bottom tells how deep the
//! stack has ever reached.

use core::ptr::{read_volatile, write_volatile};

const PAINT: u32 = 0x5AC3_5AC3;
/// Bytes below the stack pointer left unpainted (the painting loop's own frame).
const GUARD: usize = 64;

unsafe extern "C" {
    /// Lowest address the stack may grow to (end of `.bss`/`.uninit`), from cortex-m-rt.
    static _stack_end: u32;
    /// Initial stack pointer (top of RAM), from cortex-m-rt.
    static _stack_start: u32;
}

fn bounds() -> (usize, usize) {
    (&raw const _stack_end as usize, &raw const _stack_start as usize)
}

/// Fills the unused stack with the pattern. Call once, early, with interrupts off.
#[inline(never)]
pub fn paint() {
    let (lo, _) = bounds();
    let sp = cortex_m::register::msp::read() as usize;
    let mut p = lo;
    while p + GUARD < sp {
        // SAFETY: [lo, sp - GUARD) is RAM reserved for the stack (cortex-m-rt's linker script)
        // that no live frame uses yet: it lies below the current stack pointer and its guard,
        // and no interrupt is enabled.
        unsafe { write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// Deepest stack use since boot, in bytes.
pub fn peak_bytes() -> u32 {
    let (lo, hi) = bounds();
    let mut p = lo;
    // SAFETY: reads of word-aligned RAM addresses inside the stack region [lo, hi).
    while p < hi && unsafe { read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    u32::try_from(hi - p).unwrap_or(u32::MAX)
}
