//! The wire-protocol server on QEMU's `netduinoplus2` (emulated STM32F405), USART1 on QEMU's
//! first `-serial`: what `hebb hil` and the parity test (`tests/tests/firmware.rs`) drive.
//! Timing from SysTick, which under `-icount shift=0` counts instructions deterministically.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hebb_mcu::board::qemu;
use hebb_mcu::timing::SysTickClock;

#[entry]
fn main() -> ! {
    hebb_mcu::stack::paint();
    let Some(mut board) = qemu::init() else { hebb_mcu::halt() };
    let clock = SysTickClock::start(board.syst);
    hebb_mcu::server::run(&mut board.uart, clock)
}
