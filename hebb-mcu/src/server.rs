//! The wire protocol server: a host sends `Reset`, `Step{obs}` and `Timing` requests
//! (`hebb_core::wire`, COBS frames with a CRC) over any byte stream, and gets `ResetDone`,
//! `Action` and `Timing` replies. This is what `hebb hil` drives, over QEMU's emulated UART or a
//! real serial port. The loop always answers: a bad frame or a failed step gets an error reply
//! and the loop goes on.

use embedded_io::{Read, Write};
use hebb_core::wire::{self, ErrorCode, Floats, FrameReader, Reply, Request, Timing};
use hebb_core::{Config, Error, RuleTable, WeightInit};

use crate::shape::{IN, MAX_ENCODED, MAX_RAW, N_SYNAPSES};
use crate::timing::StepClock;
use crate::{Plastic, rule, stack, write_all};

/// What the loop needs besides the network.
struct Controller<C> {
    table: Result<RuleTable<'static>, Error>,
    init: WeightInit,
    init_weights: &'static [f32],
    clock: C,
    last_step_ticks: u32,
    calibration: (u32, u32),
}

impl<C: StepClock> Controller<C> {
    fn handle<'n>(&mut self, net: &'n mut Plastic, req: Request<'_>) -> Reply<'n> {
        let table = match &self.table {
            Ok(t) => t,
            Err(e) if !matches!(req, Request::Timing) => {
                return Reply::Error { code: ErrorCode::NoRule, detail: wire::core_error_number(e) };
            }
            Err(_) => return self.timing(),
        };
        match req {
            Request::Reset { seed } => {
                // Weights, activations and the activity window (a new episode).
                match net.reset(self.init, self.init_weights, seed) {
                    Ok(()) => Reply::ResetDone { seed },
                    Err(e) => error_reply(&e),
                }
            }
            Request::Step { obs } => {
                let mut x = [0.0f32; IN];
                if obs.copy_to(&mut x).is_err() {
                    let got = u32::try_from(obs.len()).unwrap_or(u32::MAX);
                    return Reply::Error { code: ErrorCode::Length, detail: got };
                }
                let t0 = self.clock.now();
                let result = net.step(table, &x);
                self.last_step_ticks = self.clock.since(t0);
                match result {
                    Ok(action) => Reply::Action(Floats::new(action)),
                    Err(e) => error_reply(&e),
                }
            }
            Request::Timing => self.timing(),
        }
    }

    fn timing(&self) -> Reply<'static> {
        let (calib_ticks, calib_instructions) = self.calibration;
        Reply::Timing(Timing {
            step_ticks: self.last_step_ticks,
            calib_ticks,
            calib_instructions,
            stack_peak_bytes: stack::peak_bytes(),
        })
    }
}

fn error_reply(e: &Error) -> Reply<'static> {
    let (code, detail) = ErrorCode::from_core(e);
    Reply::Error { code, detail }
}

/// Encodes `reply` and writes it to `tx`.
pub fn send<W: Write>(tx: &mut W, reply: &Reply<'_>) {
    let mut buf = [0u8; MAX_ENCODED];
    match reply.encode(&mut buf) {
        Ok(n) => write_all(tx, buf.get(..n).unwrap_or(&[])),
        // Every reply fits MAX_ENCODED; should that ever break, say so on the wire.
        Err(code) => {
            if let Ok(n) = (Reply::Error { code, detail: 0 }).encode(&mut buf) {
                write_all(tx, buf.get(..n).unwrap_or(&[]));
            }
        }
    }
}

/// Loads the flashed rule, announces itself (`0x00`, then `Ready{rule_status, n_synapses}`) and
/// serves requests from `io` forever (a UART: reads a frame, then answers it), timing each step
/// with `clock`. A UART split in halves can be joined with [`crate::Duplex`].
///
/// Call [`crate::stack::paint`] first (at the top of `main`) for the stack figure of `Timing`.
/// A receive error (framing, overrun, noise on a real line) drops that byte; the frame's CRC
/// then fails and the host gets an error reply for it.
pub fn run<T: Read + Write, C: StepClock>(io: &mut T, clock: C) -> ! {
    let loaded = rule::load();
    // Without a valid rule every request but Timing is answered NoRule; the network is still
    // initialised so its memory is defined.
    let config = loaded.as_ref().map_or(Config::ANT.with_best_kernel(), |l| l.config);
    let Some(mut net) = Plastic::take(config) else {
        // Unreachable (this is the only taker, and build.rs sized `Net` and the window for the
        // rule): say so on the wire rather than panic.
        loop {
            send(io, &Reply::Error { code: ErrorCode::Core, detail: 0 });
            let _ = io.read(&mut [0u8; 1]);
        }
    };
    let calibration = clock.calibrate();
    let rule_status = match &loaded {
        Ok(_) => 0,
        Err(e) => u8::try_from(wire::core_error_number(e)).unwrap_or(u8::MAX),
    };
    let (table, init, init_weights) = match loaded {
        Ok(l) => (Ok(l.table), l.init, l.init_weights),
        Err(e) => (Err(e), WeightInit::Uniform, &[][..]),
    };
    let mut ctl = Controller { table, init, init_weights, clock, last_step_ticks: 0, calibration };

    // A leading delimiter resynchronises a host that saw boot noise.
    write_all(io, &[0]);
    send(io, &Reply::Ready { rule_status, n_synapses: N_SYNAPSES as u32 });

    let mut reader = FrameReader::<MAX_ENCODED>::new();
    let mut scratch = [0u8; MAX_RAW];
    let mut byte = [0u8; 1];
    loop {
        match io.read(&mut byte) {
            Ok(1) => {}
            _ => continue,
        }
        let Some(frame) = reader.push(byte[0]) else { continue };
        let reply = match frame.and_then(|f| Request::decode(f, &mut scratch)) {
            Ok(req) => ctl.handle(&mut net, req),
            Err(code) => Reply::Error { code, detail: 0 },
        };
        send(io, &reply);
    }
}
