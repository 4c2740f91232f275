//! The wire-protocol server on an STM32F4DISCOVERY: `hebb hil --serial /dev/ttyUSB0 --baud
//! 115200` drives it over USART2 (PA2 TX, PA3 RX, see `hebb_mcu::board::stm32f4`). Steps are timed
//! with the DWT cycle counter, so the `Timing` reply's `step_ticks` are core clock cycles.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hebb_mcu::board::stm32f4;
use hebb_mcu::timing::DwtClock;

#[entry]
fn main() -> ! {
    hebb_mcu::stack::paint();
    let Some(mut board) = stm32f4::init() else { hebb_mcu::halt() };
    let clock = DwtClock::start(&mut board.dcb, board.dwt);
    hebb_mcu::server::run(&mut board.uart, clock)
}
