//! hebb-core inside a robot's own control loop: no host, the rule in flash.
//!
//! SysTick interrupts at the control rate; each interrupt wakes the loop, which reads the
//! sensors, runs one `step` (forward pass and Hebbian update of every synapse) and writes the
//! actuators. The heavy work stays out of the interrupt handler (it only counts ticks), so a
//! step that overruns its period delays the next one instead of nesting, and is counted in
//! [`OVERRUNS`].
//!
//! The weights start from the rule file's initialisation (`U(-0.1, 0.1)` drawn from
//! [`ControlConfig::weight_seed`], or the coevolved weights in the file) — what a `Reset{seed}`
//! request does in the [`crate::server`]. A rule with the Hebbian-attractor options updates
//! every `k`-th step on the activities averaged over its window ([`crate::Plastic::step`]).

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;

use crate::shape::IN;
use crate::{Plastic, rule};

/// SysTick interrupts since the loop started.
static TICKS: AtomicU32 = AtomicU32::new(0);
/// Control periods in which the previous step had not finished (inspect with a debugger, or
/// see the `defmt` log).
pub static OVERRUNS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    // A load and a store: the loop only reads TICKS, and this handler does not nest with itself.
    TICKS.store(TICKS.load(Ordering::Relaxed).wrapping_add(1), Ordering::Release);
}

/// What the control loop needs to know about the board.
#[derive(Clone, Copy, Debug)]
pub struct ControlConfig {
    /// The core clock SysTick counts, Hz.
    pub core_hz: u32,
    /// The control rate, Hz (at most `core_hz / 2`, and slow enough for one step per period).
    pub rate_hz: u32,
    /// Seed of the initial weights.
    pub weight_seed: u64,
}

/// The robot's side of the loop.
pub trait Robot {
    /// Fills `obs` with the sensor values of control step `t`.
    fn sense(&mut self, t: u32, obs: &mut [f32]);
    /// Applies the network's action of control step `t` (e.g. as PWM duty cycles).
    fn act(&mut self, t: u32, action: &[f32]);
    /// Called instead of [`Robot::act`] when there is no action: no valid rule in flash, or a
    /// step that `hebb-core` rejected (a non-finite sensor value; the network is unchanged).
    /// The actuators should go to a safe state.
    fn fault(&mut self, t: u32);
}

/// Runs the control loop forever. Call [`crate::stack::paint`] first if you want the stack figure.
pub fn run<R: Robot>(mut syst: SYST, cfg: ControlConfig, robot: &mut R) -> ! {
    let loaded = rule::load();
    let config = loaded.as_ref().map_or(hebb_core::Config::ANT.with_best_kernel(), |l| l.config);
    let net = Plastic::take(config);
    let ready = match (&loaded, net) {
        (Ok(l), Some(mut net)) => {
            net.reset(l.init, l.init_weights, cfg.weight_seed).ok().map(|()| (net, &l.table))
        }
        _ => None,
    };

    let reload = (cfg.core_hz / cfg.rate_hz.max(1)).clamp(2, 0x0100_0000) - 1;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(reload);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();

    let mut obs = [0.0f32; IN];
    let mut seen = TICKS.load(Ordering::Acquire);
    let mut t: u32 = 0;
    let mut ready = ready;
    loop {
        // Sleep until the next control tick.
        let now = loop {
            let now = TICKS.load(Ordering::Acquire);
            if now != seen {
                break now;
            }
            cortex_m::asm::wfi();
        };
        if now.wrapping_sub(seen) > 1 {
            OVERRUNS.fetch_add(now.wrapping_sub(seen) - 1, Ordering::Relaxed);
        }
        seen = now;

        robot.sense(t, &mut obs);
        match &mut ready {
            Some((net, table)) => match net.step(table, &obs) {
                Ok(action) => robot.act(t, action),
                Err(_) => robot.fault(t),
            },
            None => robot.fault(t),
        }
        t = t.wrapping_add(1);
    }
}
