//! nRF52840-DK (PCA10056) on `nrf52840-hal`: the 64 MHz external crystal (HFXO) started,
//! UARTE0 on P0.06 (TX) / P0.08 (RX) — the pins the DK routes to its J-Link's virtual COM port,
//! so the board shows up as `/dev/ttyACM0` on the probe's USB cable — at 115200 baud 8N1, and
//! PWM0's four channels on P0.13–P0.16 (the DK's LEDs 1–4, active low) at 1 kHz.
//!
//! Not tested on hardware (no board was available): it builds, links with the no-panic check,
//! and uses the HAL's documented API; the same library code runs under QEMU in CI.

use cortex_m::peripheral::{DCB, DWT, SYST};
use nrf52840_hal::clocks::Clocks;
use nrf52840_hal::gpio::{Level, p0};
use nrf52840_hal::pac::{self, PWM0, UARTE0};
use nrf52840_hal::pwm::{self, Pwm};
use nrf52840_hal::uarte::{Baudrate, Parity, Pins, Uarte, UarteRx, UarteTx};

#[cfg(feature = "defmt")]
use defmt_rtt as _;

/// The core clock.
pub const CORE_HZ: u32 = 64_000_000;
/// The UART's baud rate (`hebb hil --serial /dev/ttyACM0 --baud 115200`).
pub const BAUD: u32 = 115_200;

/// The board's peripherals the programs use.
pub struct Board {
    /// UARTE0 as one `embedded_io` byte stream.
    pub uart: Uart,
    /// PWM0: channels 0–3 on P0.13–P0.16, duty 0 of [`Pwm::max_duty`].
    pub pwm: Pwm<PWM0>,
    /// SysTick (the control-rate timer of the control loop).
    pub syst: SYST,
    /// The debug control block (to enable the cycle counter).
    pub dcb: DCB,
    /// The data watchpoint and trace unit (its cycle counter times steps).
    pub dwt: DWT,
}

/// UARTE0's halves joined into one byte stream.
pub type Uart = crate::Duplex<UarteRx<UARTE0>, UarteTx<UARTE0>>;

/// Brings up the crystal, UARTE0 and PWM0. `None` if called twice or the HAL refuses.
pub fn init() -> Option<Board> {
    let p = pac::Peripherals::take()?;
    let cp = cortex_m::Peripherals::take()?;
    // Keep the HFXO running for the life of the program (the UART's baud rate needs it).
    let _clocks = Clocks::new(p.CLOCK).enable_ext_hfosc();
    let port0 = p0::Parts::new(p.P0);
    let pins = Pins {
        txd: port0.p0_06.into_push_pull_output(Level::High).degrade(),
        rxd: port0.p0_08.into_floating_input().degrade(),
        cts: None,
        rts: None,
    };
    let uarte = Uarte::new(p.UARTE0, pins, Parity::EXCLUDED, Baudrate::BAUD115200);
    // EasyDMA buffers in RAM, one per direction.
    let tx_buf = cortex_m::singleton!(: [u8; 64] = [0; 64])?;
    let rx_buf = cortex_m::singleton!(: [u8; 1] = [0; 1])?;
    let (tx, rx) = uarte.split(tx_buf, rx_buf).ok()?;

    let pwm = Pwm::new(p.PWM0);
    pwm.set_period(nrf52840_hal::time::U32Ext::hz(1000u32));
    pwm.set_output_pin(pwm::Channel::C0, port0.p0_13.into_push_pull_output(Level::High).degrade());
    pwm.set_output_pin(pwm::Channel::C1, port0.p0_14.into_push_pull_output(Level::High).degrade());
    pwm.set_output_pin(pwm::Channel::C2, port0.p0_15.into_push_pull_output(Level::High).degrade());
    pwm.set_output_pin(pwm::Channel::C3, port0.p0_16.into_push_pull_output(Level::High).degrade());
    pwm.enable();
    Some(Board { uart: crate::Duplex { rx, tx }, pwm, syst: cp.SYST, dcb: cp.DCB, dwt: cp.DWT })
}
