//! STM32F4DISCOVERY (STM32F407VG) on `stm32f4xx-hal`: the clock tree from the board's 8 MHz
//! crystal (HSE → PLL → SYSCLK 168 MHz, APB1 42 MHz, APB2 84 MHz, flash wait states set by the
//! HAL), USART2 on PA2 (TX) / PA3 (RX), alternate function 7, at [`BAUD`] 8N1 — wire a 3.3 V
//! USB-serial adapter to them (the Discovery's ST-LINK/V2 has no virtual COM port) — and TIM4's
//! four PWM channels on PD12–PD15 (the board's green, orange, red and blue LEDs) at 1 kHz.
//!
//! Other STM32F405/F407 boards: change the crystal ([`HSE_HZ`]: 12 MHz on the Feather STM32F405,
//! for example), the pins, and the `stm32f4xx-hal` chip feature in Cargo.toml.
//!
//! Not tested on hardware (no board was available): it builds, links with the no-panic check,
//! and uses the HAL's documented API; the same library code runs under QEMU in CI.

use cortex_m::peripheral::{DCB, DWT, SYST};
use embedded_hal_nb::serial::{Read as _, Write as _};
use stm32f4xx_hal::pac::{self, TIM4, USART2};
use stm32f4xx_hal::prelude::*;
use stm32f4xx_hal::rcc::Config;
use stm32f4xx_hal::serial::Serial;
use stm32f4xx_hal::timer::ErasedChannel;

#[cfg(feature = "defmt")]
use defmt_rtt as _;

/// The board's crystal.
pub const HSE_HZ: u32 = 8_000_000;
/// The core clock the PLL is set to.
pub const CORE_HZ: u32 = 168_000_000;
/// The UART's baud rate (`hebb hil --serial /dev/ttyUSB0 --baud 115200`).
pub const BAUD: u32 = 115_200;

/// The board's peripherals the programs use.
pub struct Board {
    /// USART2 (PA2/PA3) as an `embedded_io` byte stream.
    pub uart: Uart,
    /// TIM4's four PWM outputs (PD12–PD15), enabled, duty 0.
    pub pwm: [ErasedChannel<TIM4>; 4],
    /// SysTick (the control-rate timer of the control loop).
    pub syst: SYST,
    /// The debug control block (to enable the cycle counter).
    pub dcb: DCB,
    /// The data watchpoint and trace unit (its cycle counter times steps).
    pub dwt: DWT,
}

/// Brings up the clock tree, USART2 and TIM4. `None` if called twice or if the HAL refuses the
/// configuration.
pub fn init() -> Option<Board> {
    let dp = pac::Peripherals::take()?;
    let cp = cortex_m::Peripherals::take()?;
    let mut rcc =
        dp.RCC.freeze(Config::hse(HSE_HZ.Hz()).sysclk(CORE_HZ.Hz()).pclk1(42.MHz()).pclk2(84.MHz()));
    let gpioa = dp.GPIOA.split(&mut rcc);
    let gpiod = dp.GPIOD.split(&mut rcc);
    let serial = dp.USART2.serial((gpioa.pa2, gpioa.pa3), BAUD.bps(), &mut rcc).ok()?;
    let (_, (c1, c2, c3, c4)) = dp.TIM4.pwm_hz(1.kHz(), &mut rcc);
    let mut pwm = [
        c1.with(gpiod.pd12).erase(),
        c2.with(gpiod.pd13).erase(),
        c3.with(gpiod.pd14).erase(),
        c4.with(gpiod.pd15).erase(),
    ];
    for ch in &mut pwm {
        ch.set_duty(0);
        ch.enable();
    }
    Some(Board { uart: Uart(serial), pwm, syst: cp.SYST, dcb: cp.DCB, dwt: cp.DWT })
}

/// USART2, blocking, as an `embedded_io` stream (the HAL implements `embedded-hal-nb`'s serial
/// traits and `embedded-io` 0.6; the library speaks `embedded-io` 0.7).
pub struct Uart(Serial<USART2>);

impl embedded_io::ErrorType for Uart {
    type Error = embedded_io::ErrorKind;
}

impl embedded_io::Read for Uart {
    /// Waits for one byte. A framing, noise, overrun or parity error is returned as an error.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let Some(first) = buf.first_mut() else { return Ok(0) };
        *first = stm32f4xx_hal::block!(self.0.read()).map_err(|_| embedded_io::ErrorKind::Other)?;
        Ok(1)
    }
}

impl embedded_io::Write for Uart {
    fn write(&mut self, bytes: &[u8]) -> Result<usize, Self::Error> {
        for &b in bytes {
            stm32f4xx_hal::block!(self.0.write(b))
                .map_err(|_: stm32f4xx_hal::serial::Error| embedded_io::ErrorKind::Other)?;
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        stm32f4xx_hal::block!(self.0.flush()).map_err(|_| embedded_io::ErrorKind::Other)
    }
}
