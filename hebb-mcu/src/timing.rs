//! Step timing with SysTick, calibrated against a loop of known instruction count.
//!
//! Under QEMU with `-icount shift=0` each instruction advances virtual time by exactly 1 ns and
//! SysTick counts virtual time, so ticks are proportional to instructions executed and the
//! calibration loop gives the ratio. On hardware the same numbers are cycles (SysTick runs on
//! the core clock) rather than instructions.

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;

const MASK: u32 = 0x00FF_FFFF;
/// Iterations of the calibration loop (two instructions each: `subs`, `bne`).
const CALIB_ITERATIONS: u32 = 100_000;

/// A free-running 24-bit SysTick.
pub struct Clock {
    syst: SYST,
}

impl Clock {
    /// Starts SysTick from the core clock, counting down from 2²⁴ − 1, no interrupt.
    pub fn start(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(MASK);
        syst.clear_current();
        syst.disable_interrupt();
        syst.enable_counter();
        Clock { syst }
    }

    /// The current count (counts down).
    #[inline(always)]
    pub fn now(&self) -> u32 {
        let _ = &self.syst;
        SYST::get_current()
    }

    /// Ticks elapsed since `start` (valid for spans under 2²⁴ ticks).
    #[inline(always)]
    pub fn since(&self, start: u32) -> u32 {
        start.wrapping_sub(self.now()) & MASK
    }

    /// Runs the calibration loop; returns (ticks, instructions).
    pub fn calibrate(&self) -> (u32, u32) {
        let t0 = self.now();
        // SAFETY: a register-only countdown loop: no memory access, no stack use, and the
        // register is declared clobbered (`inout ... => _`).
        unsafe {
            core::arch::asm!(
                "2:",
                "subs {n}, {n}, #1",
                "bne 2b",
                n = inout(reg) CALIB_ITERATIONS => _,
                options(nomem, nostack),
            );
        }
        (self.since(t0), 2 * CALIB_ITERATIONS)
    }
}
