//! Step timing, calibrated against a loop of known instruction count.
//!
//! Two clocks:
//!
//! * [`SysTickClock`], for QEMU: under `-icount shift=0` each instruction advances virtual time
//!   by exactly 1 ns and SysTick counts virtual time, so ticks are proportional to instructions
//!   executed and the calibration loop gives the ratio — a deterministic instruction count, the
//!   figure CI reports.
//! * [`DwtClock`], for real hardware: the DWT cycle counter (`CYCCNT`) counts core clock cycles,
//!   32 bits wide (25 s at 168 MHz). QEMU does not implement it (it reads 0 there). The
//!   `Timing` reply's `step_ticks` are then the cycles of the last step, and the calibration
//!   loop's cycles per instruction tell flash wait states and pipeline stalls apart from the
//!   instruction count.

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{DCB, DWT, SYST};

/// Iterations of the calibration loop (two instructions each: `subs`, `bne`).
const CALIB_ITERATIONS: u32 = 100_000;

/// A free-running counter that times a control step.
pub trait StepClock {
    /// The current count.
    fn now(&self) -> u32;
    /// Counts elapsed since `start` (an earlier [`StepClock::now`]).
    fn since(&self, start: u32) -> u32;
    /// Runs the calibration loop; returns (counts, instructions).
    fn calibrate(&self) -> (u32, u32) {
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

const SYST_MASK: u32 = 0x00FF_FFFF;

/// A free-running 24-bit SysTick (QEMU's clock: it counts virtual time).
pub struct SysTickClock {
    syst: SYST,
}

impl SysTickClock {
    /// Starts SysTick from the core clock, counting down from 2²⁴ − 1, no interrupt.
    pub fn start(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(SYST_MASK);
        syst.clear_current();
        syst.disable_interrupt();
        syst.enable_counter();
        SysTickClock { syst }
    }
}

impl StepClock for SysTickClock {
    #[inline(always)]
    fn now(&self) -> u32 {
        let _ = &self.syst;
        SYST::get_current()
    }

    /// Valid for spans under 2²⁴ ticks (counts down).
    #[inline(always)]
    fn since(&self, start: u32) -> u32 {
        start.wrapping_sub(self.now()) & SYST_MASK
    }
}

/// The DWT cycle counter (real hardware: core clock cycles).
pub struct DwtClock {
    _dwt: DWT,
}

impl DwtClock {
    /// Enables the trace unit and starts the cycle counter.
    pub fn start(dcb: &mut DCB, mut dwt: DWT) -> Self {
        dcb.enable_trace();
        dwt.enable_cycle_counter();
        DwtClock { _dwt: dwt }
    }
}

impl StepClock for DwtClock {
    #[inline(always)]
    fn now(&self) -> u32 {
        DWT::cycle_count()
    }

    #[inline(always)]
    fn since(&self, start: u32) -> u32 {
        self.now().wrapping_sub(start)
    }
}
