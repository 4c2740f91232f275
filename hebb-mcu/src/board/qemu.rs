//! QEMU's `netduinoplus2` (an emulated STM32F405): polled USART1, connected by QEMU to its first
//! `-serial`, and SysTick counting virtual time (with `-icount shift=0`, instructions).
//!
//! Raw registers on purpose: QEMU models no clock tree, no GPIO alternate functions and no baud
//! rate, so the only registers the emulated USART needs are status (RXNE, TXE), data and control
//! 1 (UE, TE, RE). The real STM32F4 board ([`super::stm32f4`], feature `board-stm32f4`) brings up
//! the clock tree, the pins and the baud rate with `stm32f4xx-hal` instead.

use core::convert::Infallible;
use core::ptr::{read_volatile, write_volatile};

use cortex_m::peripheral::SYST;

/// The core clock SysTick counts (QEMU models the STM32F405 at 168 MHz).
pub const CORE_HZ: u32 = 168_000_000;

const BASE: usize = 0x4001_1000;
const SR: *mut u32 = BASE as *mut u32;
const DR: *mut u32 = (BASE + 0x04) as *mut u32;
const CR1: *mut u32 = (BASE + 0x0C) as *mut u32;

const SR_RXNE: u32 = 1 << 5;
const SR_TXE: u32 = 1 << 7;
const CR1_UE: u32 = 1 << 13;
const CR1_TE: u32 = 1 << 3;
const CR1_RE: u32 = 1 << 2;

/// The emulated board's peripherals the programs use.
pub struct Board {
    /// USART1, on QEMU's first `-serial`.
    pub uart: Usart1,
    /// SysTick (the step clock of the server, the control-rate timer of the control loop).
    pub syst: SYST,
}

/// Takes the peripherals and enables USART1. `None` if called twice.
pub fn init() -> Option<Board> {
    let core = cortex_m::Peripherals::take()?;
    Some(Board { uart: Usart1::new(), syst: core.SYST })
}

/// USART1, polled. Not `Clone`: one owner.
pub struct Usart1(());

impl Usart1 {
    fn new() -> Self {
        // SAFETY: CR1 is USART1's memory-mapped control register on the STM32F405; this is
        // the only code touching USART1 and runs before any other access.
        unsafe { write_volatile(CR1, CR1_UE | CR1_TE | CR1_RE) };
        Usart1(())
    }
}

impl embedded_io::ErrorType for Usart1 {
    type Error = Infallible;
}

impl embedded_io::Read for Usart1 {
    /// Waits for one byte (reads one at a time, like a real UART's data register).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let Some(first) = buf.first_mut() else { return Ok(0) };
        // SAFETY: SR and DR are USART1's status and data registers; `&mut self` serialises
        // access. Reading DR clears RXNE, which is the intended side effect.
        unsafe {
            while read_volatile(SR) & SR_RXNE == 0 {}
            *first = read_volatile(DR) as u8;
        }
        Ok(1)
    }
}

impl embedded_io::Write for Usart1 {
    /// Sends all of `bytes`, waiting for the transmit register before each.
    fn write(&mut self, bytes: &[u8]) -> Result<usize, Infallible> {
        for &b in bytes {
            // SAFETY: as in `read`; writing DR starts the transmission of one byte.
            unsafe {
                while read_volatile(SR) & SR_TXE == 0 {}
                write_volatile(DR, u32::from(b));
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}
