//! hebb-core in a robot's own control loop on an nRF52840-DK: SysTick at [`RATE_HZ`], the
//! simulated sensors of `hebb_mcu::signal` (replace `sense` with your SAADC/IMU reads), one
//! `step` per tick, the first four actions as PWM duty cycles on PWM0 (P0.13–P0.16, the DK's
//! LEDs), and every [`REPORT_EVERY`]th action on UARTE0 (the J-Link virtual COM port) as a
//! `hebb_core::wire` `Action` frame. Cycles from sensor read to actuator write come from the DWT
//! cycle counter (logged with the `defmt` feature).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hebb_core::wire::{ErrorCode, Floats, Reply};
use hebb_mcu::board::nrf52840::{self, CORE_HZ};
use hebb_mcu::control::{self, ControlConfig, Robot};
use hebb_mcu::server::send;
use hebb_mcu::timing::{DwtClock, StepClock};
use nrf52840_hal::pac::PWM0;
use nrf52840_hal::pwm::{Channel, Pwm};

/// Control rate, Hz: the quadruped's step (≈ 134,400 instructions) takes over 2 ms at 64 MHz.
const RATE_HZ: u32 = 250;
/// Telemetry: one action in this many goes out on the UART.
const REPORT_EVERY: u32 = 25;
const WEIGHT_SEED: u64 = 7;

struct Dk {
    uart: nrf52840::Uart,
    pwm: Pwm<PWM0>,
    clock: DwtClock,
    t0: u32,
    cycles: u32,
}

const CHANNELS: [Channel; 4] = [Channel::C0, Channel::C1, Channel::C2, Channel::C3];

impl Robot for Dk {
    fn sense(&mut self, t: u32, obs: &mut [f32]) {
        self.t0 = self.clock.now();
        hebb_mcu::signal::observation(t, obs);
    }
    fn act(&mut self, t: u32, action: &[f32]) {
        let max = self.pwm.max_duty();
        for (&ch, &a) in CHANNELS.iter().zip(action) {
            self.pwm.set_duty_on(ch, hebb_mcu::signal::duty(a, max));
        }
        self.cycles = self.clock.since(self.t0);
        if t.is_multiple_of(REPORT_EVERY) {
            send(&mut self.uart, &Reply::Action(Floats::new(action)));
            #[cfg(feature = "defmt")]
            defmt::info!(
                "step {}: {} cycles, {} overruns",
                t,
                self.cycles,
                control::OVERRUNS.load(core::sync::atomic::Ordering::Relaxed)
            );
        }
    }
    fn fault(&mut self, t: u32) {
        for &ch in &CHANNELS {
            self.pwm.set_duty_on(ch, 0);
        }
        if t.is_multiple_of(REPORT_EVERY) {
            send(&mut self.uart, &Reply::Error { code: ErrorCode::Core, detail: t });
        }
    }
}

#[entry]
fn main() -> ! {
    hebb_mcu::stack::paint();
    let Some(mut board) = nrf52840::init() else { hebb_mcu::halt() };
    let clock = DwtClock::start(&mut board.dcb, board.dwt);
    let mut robot = Dk { uart: board.uart, pwm: board.pwm, clock, t0: 0, cycles: 0 };
    let cfg = ControlConfig { core_hz: CORE_HZ, rate_hz: RATE_HZ, weight_seed: WEIGHT_SEED };
    control::run(board.syst, cfg, &mut robot)
}
