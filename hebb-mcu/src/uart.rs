//! Polled USART1 of the STM32F405 (QEMU's `netduinoplus2` connects it to the first `-serial`).
//!
//! Only the registers the control loop needs: status (RXNE, TXE), data, control 1 (UE, TE, RE).
//! Under QEMU the baud rate is not modelled, so BRR is left at its reset value; on real
//! hardware clock and pin setup (RCC, GPIO alternate functions, BRR) would go in [`Usart1::new`].

use core::ptr::{read_volatile, write_volatile};

const BASE: usize = 0x4001_1000;
const SR: *mut u32 = BASE as *mut u32;
const DR: *mut u32 = (BASE + 0x04) as *mut u32;
const CR1: *mut u32 = (BASE + 0x0C) as *mut u32;

const SR_RXNE: u32 = 1 << 5;
const SR_TXE: u32 = 1 << 7;
const CR1_UE: u32 = 1 << 13;
const CR1_TE: u32 = 1 << 3;
const CR1_RE: u32 = 1 << 2;

/// The one USART the firmware talks through. Not `Clone`: one owner.
pub struct Usart1(());

impl Usart1 {
    /// Enables the USART (transmitter and receiver). Call once.
    pub fn new() -> Self {
        // SAFETY: CR1 is USART1's memory-mapped control register on the STM32F405; this is
        // the only code touching USART1 and runs before any other access.
        unsafe { write_volatile(CR1, CR1_UE | CR1_TE | CR1_RE) };
        Usart1(())
    }

    /// Waits for and returns the next received byte.
    pub fn read(&mut self) -> u8 {
        // SAFETY: SR and DR are USART1's status and data registers; `&mut self` serialises
        // access. Reading DR clears RXNE, which is the intended side effect.
        unsafe {
            while read_volatile(SR) & SR_RXNE == 0 {}
            read_volatile(DR) as u8
        }
    }

    /// Sends `bytes`, waiting for the transmit register before each.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            // SAFETY: as in `read`; writing DR starts the transmission of one byte.
            unsafe {
                while read_volatile(SR) & SR_TXE == 0 {}
                write_volatile(DR, u32::from(b));
            }
        }
    }
}
