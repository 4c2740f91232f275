//! The wire-protocol server on an nRF52840-DK: `hebb hil --serial /dev/ttyACM0 --baud
//! 115200` drives it over UARTE0 (the J-Link virtual COM port, see `hebb_mcu::board::nrf52840`). Steps are timed
//! with the DWT cycle counter, so the `Timing` reply's `step_ticks` are core clock cycles.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hebb_mcu::board::nrf52840;
use hebb_mcu::timing::DwtClock;

#[entry]
fn main() -> ! {
    hebb_mcu::stack::paint();
    let Some(mut board) = nrf52840::init() else { hebb_mcu::halt() };
    let clock = DwtClock::start(&mut board.dcb, board.dwt);
    hebb_mcu::server::run(&mut board.uart, clock)
}
