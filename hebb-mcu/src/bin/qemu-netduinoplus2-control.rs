//! hebb-core in a robot's own control loop, on QEMU's `netduinoplus2`: SysTick at 1 kHz, the
//! simulated sensors of [`hebb_mcu::signal`], one `step` per tick, and — standing in for the PWM
//! outputs the emulated board does not have — each step's action sent on USART1 as a
//! `hebb_core::wire` `Action` frame, so the control-loop test (`tests/tests/firmware_control.rs`)
//! can check it bit for bit against the desktop. No host in the loop: the board only talks.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hebb_core::wire::{ErrorCode, Floats, Reply};
use hebb_mcu::board::qemu::{self, CORE_HZ, Usart1};
use hebb_mcu::control::{self, ControlConfig, Robot};
use hebb_mcu::server::send;

/// Control rate, Hz (virtual time: 1 ms = 10⁶ instructions under `-icount shift=0`).
const RATE_HZ: u32 = 1000;
/// Seed of the initial weights (the test's desktop network uses the same).
const WEIGHT_SEED: u64 = 7;

struct Emulated {
    uart: Usart1,
}

impl Robot for Emulated {
    fn sense(&mut self, t: u32, obs: &mut [f32]) {
        hebb_mcu::signal::observation(t, obs);
    }
    fn act(&mut self, _t: u32, action: &[f32]) {
        send(&mut self.uart, &Reply::Action(Floats::new(action)));
    }
    fn fault(&mut self, t: u32) {
        send(&mut self.uart, &Reply::Error { code: ErrorCode::Core, detail: t });
    }
}

#[entry]
fn main() -> ! {
    hebb_mcu::stack::paint();
    let Some(board) = qemu::init() else { hebb_mcu::halt() };
    let mut robot = Emulated { uart: board.uart };
    hebb_mcu::write_all(&mut robot.uart, &[0]);
    let cfg = ControlConfig { core_hz: CORE_HZ, rate_hz: RATE_HZ, weight_seed: WEIGHT_SEED };
    control::run(board.syst, cfg, &mut robot)
}
