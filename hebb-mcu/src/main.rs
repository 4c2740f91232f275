//! hebb-mcu: the hebb-core plastic network in a UART control loop on a Cortex-M4F
//! (STM32F405, run under QEMU's `netduinoplus2`).
//!
//! The rule file is placed in flash at build time (see `build.rs`) and read zero-copy; the
//! network's weights live in a `static` in RAM; there is no heap. Frames are those of
//! `hebb_core::frame`: the loop decodes a request, runs it, and always answers — a bad frame
//! or a failed step gets an error reply and the loop goes on.
//!
//! No panic path: in release builds the panic handler calls a function that does not exist,
//! so the link fails if the optimiser cannot prove every panic unreachable (see the README).
#![no_std]
#![no_main]

mod rule;
mod stack;
mod timing;
mod uart;

use core::mem::MaybeUninit;

use cortex_m_rt::entry;
use hebb_core::frame::{self, ErrorCode, FrameReader, MAX_ENCODED, Reply, Request, Timing};
use hebb_core::{AntNet, Config, Error, Kernel, RuleTable, WeightInit};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::timing::Clock;
use crate::uart::Usart1;

/// The network: 12,288 weights and the activations, in `.bss` (zeroed by the runtime, then
/// initialised in place by `main`).
static mut NET: MaybeUninit<AntNet> = MaybeUninit::uninit();

/// What the loop needs besides the network.
struct Controller {
    table: Result<RuleTable<'static>, Error>,
    init: WeightInit,
    init_weights: &'static [f32],
    clock: Clock,
    last_step_ticks: u32,
    calibration: (u32, u32),
}

impl Controller {
    fn handle(&mut self, net: &mut AntNet, req: Request) -> Reply {
        let table = match &self.table {
            Ok(t) => t,
            Err(e) if !matches!(req, Request::Timing) => {
                return Reply::Error { code: ErrorCode::NoRule, detail: frame::core_error_number(e) };
            }
            Err(_) => return self.timing(),
        };
        match req {
            Request::Reset { seed } => {
                let done = match self.init {
                    WeightInit::Coevolve => net.set_weights(self.init_weights),
                    init => net.reset_weights(init, &mut Xoshiro256PlusPlus::seed_from_u64(seed)),
                };
                match done {
                    Ok(()) => Reply::ResetDone { seed },
                    Err(e) => error_reply(&e),
                }
            }
            Request::Step { obs } => {
                let t0 = self.clock.now();
                let result = net.step(table, &obs).copied();
                self.last_step_ticks = self.clock.since(t0);
                match result {
                    Ok(action) => Reply::Action(action),
                    Err(e) => error_reply(&e),
                }
            }
            Request::Timing => self.timing(),
        }
    }

    fn timing(&self) -> Reply {
        let (calib_ticks, calib_instructions) = self.calibration;
        Reply::Timing(Timing {
            step_ticks: self.last_step_ticks,
            calib_ticks,
            calib_instructions,
            stack_peak_bytes: stack::peak_bytes(),
        })
    }
}

fn error_reply(e: &Error) -> Reply {
    let (code, detail) = ErrorCode::from_core(e);
    Reply::Error { code, detail }
}

fn send(uart: &mut Usart1, reply: &Reply) {
    let mut buf = [0u8; MAX_ENCODED];
    match reply.encode(&mut buf) {
        Ok(n) => uart.write(buf.get(..n).unwrap_or(&[])),
        // Every reply fits MAX_ENCODED; should that ever break, say so on the wire.
        Err(code) => {
            if let Ok(n) = (Reply::Error { code, detail: 0 }).encode(&mut buf) {
                uart.write(buf.get(..n).unwrap_or(&[]));
            }
        }
    }
}

#[entry]
fn main() -> ! {
    stack::paint();
    let net_ptr = &raw mut NET;
    // SAFETY: the pointer is valid and aligned (a static); `main` is entered once and never
    // returns, and no interrupt handler touches NET, so this is the only reference to it for
    // the life of the program.
    let slot = unsafe { &mut *net_ptr };
    let loaded = rule::load();
    // Without a valid rule every request but Timing is answered NoRule; the network is still
    // initialised so its memory is defined.
    let config = loaded.as_ref().map_or(Config::ANT, |l| l.config);
    let config = if cfg!(feature = "portable-kernel") {
        Config { kernel: Kernel::Portable, ..config }
    } else {
        config
    };
    let net = AntNet::init_in_place(slot, config);

    // SAFETY: the only use of the core peripherals in the program; SYST is moved into Clock.
    let core = unsafe { cortex_m::Peripherals::steal() };
    let clock = Clock::start(core.SYST);
    let calibration = clock.calibrate();

    let mut uart = Usart1::new();
    let rule_status = match &loaded {
        Ok(_) => 0,
        Err(e) => u8::try_from(frame::core_error_number(e)).unwrap_or(u8::MAX),
    };
    let (table, init, init_weights) = match loaded {
        Ok(l) => (Ok(l.table), l.init, l.init_weights),
        Err(e) => (Err(e), WeightInit::Uniform, &[][..]),
    };
    let mut ctl = Controller { table, init, init_weights, clock, last_step_ticks: 0, calibration };

    // A leading delimiter resynchronises a host that saw boot noise.
    uart.write(&[0]);
    send(&mut uart, &Reply::Ready { rule_status, n_synapses: AntNet::N_SYNAPSES as u32 });

    let mut reader = FrameReader::<MAX_ENCODED>::new();
    loop {
        let byte = uart.read();
        let Some(frame) = reader.push(byte) else { continue };
        let reply = match frame.and_then(Request::decode) {
            Ok(req) => ctl.handle(net, req),
            Err(code) => Reply::Error { code, detail: 0 },
        };
        send(&mut uart, &reply);
    }
}

/// Release builds (unless the `panic-halt` feature is on): no panic may be reachable. This handler calls a symbol that is defined
/// nowhere, so if any panic survives optimisation the link fails with
/// `undefined symbol: hebb_mcu_panic_is_reachable`.
#[cfg(not(any(debug_assertions, feature = "panic-halt")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        fn hebb_mcu_panic_is_reachable() -> !;
    }
    // SAFETY: never executed in a linked release binary: the symbol does not exist, so the
    // link only succeeds when this handler is unreachable and has been removed.
    unsafe { hebb_mcu_panic_is_reachable() }
}

/// Debug builds (which keep overflow and bounds checks) and the `panic-halt` feature (to locate
/// a reachable panic with llvm-objdump when the link check fails): a panic halts the core.
#[cfg(any(debug_assertions, feature = "panic-halt"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        cortex_m::asm::bkpt();
    }
}
