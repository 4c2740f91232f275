//! hebb-core in a robot's own control loop on an STM32F4DISCOVERY: SysTick at [`RATE_HZ`], the
//! simulated sensors of `hebb_mcu::signal` (replace `sense` with your ADC/IMU reads), one `step`
//! per tick, the first four actions as PWM duty cycles on TIM4 (PD12–PD15, the board's LEDs:
//! watch them breathe), and every [`REPORT_EVERY`]th action on USART2 as a `hebb_core::wire`
//! `Action` frame. Cycles from sensor read to actuator write come from the DWT cycle counter
//! (logged with the `defmt` feature).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedded_hal::pwm::SetDutyCycle;
use hebb_core::wire::{ErrorCode, Floats, Reply};
use hebb_mcu::board::stm32f4::{self, CORE_HZ};
use hebb_mcu::control::{self, ControlConfig, Robot};
use hebb_mcu::server::send;
use hebb_mcu::timing::{DwtClock, StepClock};
use stm32f4xx_hal::pac::TIM4;
use stm32f4xx_hal::timer::ErasedChannel;

/// Control rate, Hz (the quadruped's 28-128-64-8 step is ≈ 134,400 instructions).
const RATE_HZ: u32 = 1000;
/// Telemetry: one action in this many goes out on the UART (a 8-float frame takes ≈ 4 ms at
/// 115200 baud, longer than a 1 kHz period).
const REPORT_EVERY: u32 = 100;
const WEIGHT_SEED: u64 = 7;

struct Discovery {
    uart: stm32f4::Uart,
    pwm: [ErasedChannel<TIM4>; 4],
    clock: DwtClock,
    t0: u32,
    /// Cycles from the last sensor read to its actuator write.
    pub cycles: u32,
}

impl Robot for Discovery {
    fn sense(&mut self, t: u32, obs: &mut [f32]) {
        self.t0 = self.clock.now();
        hebb_mcu::signal::observation(t, obs);
    }
    fn act(&mut self, t: u32, action: &[f32]) {
        for (ch, &a) in self.pwm.iter_mut().zip(action) {
            let max = ch.max_duty_cycle();
            let _ = ch.set_duty_cycle(hebb_mcu::signal::duty(a, max));
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
        for ch in &mut self.pwm {
            let _ = ch.set_duty_cycle_fully_off();
        }
        if t.is_multiple_of(REPORT_EVERY) {
            send(&mut self.uart, &Reply::Error { code: ErrorCode::Core, detail: t });
        }
    }
}

#[entry]
fn main() -> ! {
    hebb_mcu::stack::paint();
    let Some(mut board) = stm32f4::init() else { hebb_mcu::halt() };
    let clock = DwtClock::start(&mut board.dcb, board.dwt);
    let mut robot = Discovery { uart: board.uart, pwm: board.pwm, clock, t0: 0, cycles: 0 };
    let cfg = ControlConfig { core_hz: CORE_HZ, rate_hz: RATE_HZ, weight_seed: WEIGHT_SEED };
    control::run(board.syst, cfg, &mut robot)
}
