//! Desktop ↔ firmware parity: builds `hebb-mcu` with a rule file generated here, boots it in
//! QEMU (`netduinoplus2`, USART1 on stdio), drives it through the wire protocol of
//! `hebb_core::wire`, and checks that every action equals, bit for bit, the desktop network of
//! the rule file's shape on the portable kernel (and on AVX2 where the CPU has it) fed the same
//! observations — for the quadruped's 28-128-64-8, CartPole's 4-128-64-2 and a four-layer
//! 4-32-16-8-2 network (the firmware's network type is generated from the rule file), and for
//! the options beyond the paper on the quadruped's network (per-neuron coefficients, shared
//! rules, the Hebbian-attractor window), the desktop running the file's own table and window.
//! Corrupted, oversized and non-finite requests must each get an error reply and leave the
//! loop running with the network unchanged. The build-time fit check is tested against the
//! emulated board's and the real boards' memory maps (`hebb-mcu/memory/*.x`).
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` target; the test installs them
//! where it can, and otherwise skips loudly saying how (see `firmware_tools`; CI sets
//! `HEBB_REQUIRE_FIRMWARE_TOOLS=1`, which makes a skip a failure).

use std::path::{Path, PathBuf};

use hebb_core::rulefile::{Encoding, RuleFile};
use hebb_core::wire::{ErrorCode, Floats, Request, Timing};
use hebb_core::{
    Activation, AntNet, CoeffLayout, Config, HeapNetwork, HeapWindow, Kernel, Plasticity, RuleKind,
    RuleTable, Shape, WeightInit,
};
use hebb_tests::Beyond;
use hebb_train::hil::{self, Reply};

#[path = "../../hebb-train/tests/support/firmware_tools.rs"]
mod firmware_tools;

/// Big enough for any request of the shapes tested here.
const MAX_ENCODED: usize = hebb_core::wire::max_encoded(64);
use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Seed of the rule file generated for this test (not the shipped placeholder's, so the
/// `HEBB_RULE` path is exercised).
const RULE_SEED: u64 = 0x5EED_0006;
const STEPS: usize = 240;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// An untrained rule file for the ant network: coefficients 0.1·N(0, 1) from `seed`, with the
/// given rule, normalisation, output activation and coefficient encoding.
fn rule_file(seed: u64, rule: RuleKind, normalize: bool, output: Activation, encoding: Encoding) -> Vec<u8> {
    hebb_tests::untrained_rule_file(AntNet::SHAPE, seed, rule, normalize, output, encoding)
}

/// Held while a test builds the emulated board's firmware and uses its ELF: every build writes
/// the same file (`hebb-mcu/target/thumbv7em-none-eabihf/release/qemu-netduinoplus2`), and the
/// tests of this file run in parallel.
static FIRMWARE_ELF: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock_firmware_elf() -> std::sync::MutexGuard<'static, ()> {
    // A test that failed while holding it leaves nothing half-done that the next one reads.
    FIRMWARE_ELF.lock().unwrap_or_else(|e| e.into_inner())
}

/// Builds the firmware with `rule`, explaining a failed no-panic link check.
fn build_firmware(rule: &Path) -> PathBuf {
    match hil::build_firmware(rule) {
        Ok(elf) => elf,
        Err(e) if e.to_string().contains("hebb_mcu_panic_is_reachable") => panic!(
            "the firmware's no-panic link check failed: some panic is reachable in the release build. \
             Locate it with `cd hebb-mcu && cargo build --release --features panic-halt` and llvm-objdump \
             (hebb-mcu/README.md, \"No panic path\"). {e}"
        ),
        Err(e) => panic!("{e}"),
    }
}

/// The firmware in QEMU (hebb-train's hardware-in-the-loop driver), failing the test on any
/// transport error.
struct Mcu(hil::Mcu);

impl Mcu {
    fn recv(&mut self, what: &str) -> Reply {
        self.0.recv(what).unwrap_or_else(|e| panic!("{e}"))
    }
    fn send_raw(&mut self, bytes: &[u8]) {
        self.0.send_raw(bytes).unwrap_or_else(|e| panic!("{e}"))
    }
    fn request(&mut self, req: &Request<'_>) -> Reply {
        self.0.request(req).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Observation `t` of the recorded sequence: smooth signals plus noise, with occasional large
/// values so every branch of `tanh` is exercised.
fn observation(rng: &mut Xoshiro256PlusPlus, t: usize, n: usize) -> Vec<f32> {
    (0..n)
        .map(|k| {
            let phase = t as f32 * 0.05 * (1 + k % 5) as f32 + k as f32;
            let noise = (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            let spike = if (t + k).is_multiple_of(37) { 6.0 } else { 1.0 };
            spike * (phase.sin() + 0.3 * noise)
        })
        .collect()
}

fn bits(a: &[f32]) -> Vec<u32> {
    a.iter().map(|x| x.to_bits()).collect()
}

/// One desktop network and, for a rule with the Hebbian-attractor options, its activity window.
struct DeskNet {
    kernel: Kernel,
    net: HeapNetwork,
    window: Option<HeapWindow>,
}

impl DeskNet {
    /// What the firmware's `Plastic::step` does: `step_windowed` with a window, `step` without.
    fn step(&mut self, table: &RuleTable<'_>, obs: &[f32]) -> hebb_core::Result<&[f32]> {
        match &mut self.window {
            Some(window) => self.net.step_windowed(table, obs, window),
            None => self.net.step(table, obs),
        }
    }
}

/// The desktop reference: one network per kernel the CPU supports.
struct Desktop {
    nets: Vec<DeskNet>,
}

impl Desktop {
    fn new(shape: Shape, config: Config, plasticity: Plasticity) -> Desktop {
        let nets = [Kernel::Portable, Kernel::Avx2]
            .into_iter()
            .filter(|k| k.is_supported())
            .map(|kernel| DeskNet {
                kernel,
                net: HeapNetwork::with_shape(shape, Config { kernel, ..config }).unwrap(),
                window: (!plasticity.is_plain()).then(|| HeapWindow::for_shape(plasticity, &shape).unwrap()),
            })
            .collect();
        Desktop { nets }
    }

    /// A new episode: fresh weights, and the window emptied (as the firmware's `Reset` does).
    fn reset(&mut self, seed: u64) {
        for d in &mut self.nets {
            d.net.reset_weights(WeightInit::Uniform, &mut Xoshiro256PlusPlus::seed_from_u64(seed)).unwrap();
            if let Some(window) = &mut d.window {
                window.reset();
            }
        }
    }

    /// Steps every network and checks they agree with each other and with `mcu`.
    fn check(&mut self, table: &RuleTable<'_>, obs: &[f32], mcu: &Reply, t: usize) {
        let Reply::Action(got) = mcu else { panic!("step {t}: expected an action, got {mcu:?}") };
        for d in &mut self.nets {
            let kernel = d.kernel;
            let want = d.step(table, obs).unwrap().to_vec();
            assert_eq!(
                bits(got),
                bits(&want),
                "step {t}: firmware action {got:?} differs from desktop {kernel:?} {want:?}"
            );
        }
    }

    fn weights_equal(&self) -> bool {
        let w0 = bits(self.nets[0].net.weights());
        self.nets.iter().all(|d| bits(d.net.weights()) == w0)
    }
}

#[test]
fn firmware_matches_desktop_bit_for_bit() {
    if !firmware_tools::require("firmware parity") {
        return;
    }
    // One after the other: both builds write the same firmware ELF.
    // ABCD_lr without normalisation: the quadruped's configuration, the kernel's assembly update.
    let per_synapse = parity(
        "abcd-lr",
        &rule_file(RULE_SEED, RuleKind::ABCDLr, false, Activation::Tanh, Encoding::F32),
        true,
    );
    // The firmware picks the M4's assembly kernel by default (10.97 instructions per synapse;
    // the portable kernel takes ≈ 25): a slide back to the portable one fails here.
    assert!(
        per_synapse <= 12.0,
        "the quadruped's ABCD_lr step takes {per_synapse:.2} instructions per synapse on the M4, over the budget of 12"
    );
    // The same with half-precision coefficients, converted in the firmware's assembly loop; the
    // desktop runs the widened f32 table.
    parity(
        "abcd-lr-f16",
        &rule_file(RULE_SEED, RuleKind::ABCDLr, false, Activation::Tanh, Encoding::F16),
        false,
    );
    // ABC with normalisation and raw outputs: the assembly forward pass with the portable
    // update and normalisation, and the header's configuration honoured by the firmware.
    let abc = rule_file(RULE_SEED + 1, RuleKind::ABC, true, Activation::Identity, Encoding::F32);
    parity("abc-norm", &abc, false);
    // And in half precision: the portable update widening with the FPU's `vcvtb`.
    let abc = rule_file(RULE_SEED + 1, RuleKind::ABC, true, Activation::Identity, Encoding::F16);
    parity("abc-norm-f16", &abc, false);
    // Other shapes: the firmware's network type is generated from the rule file's header.
    // CartPole's 4-128-64-2 (raw outputs, normalised, as `hebb train --env cartpole` exports).
    let cartpole = Shape::new(&[4, 128, 64, 2]).unwrap();
    let bytes = hebb_tests::untrained_rule_file(
        cartpole,
        RULE_SEED + 2,
        RuleKind::ABCDLr,
        true,
        Activation::Identity,
        Encoding::F32,
    );
    parity("cartpole-4-128-64-2", &bytes, true);
    // A four-layer network (`hebb train --hidden 32,16,8`), unnormalised (the assembly update)
    // and normalised.
    let deep = Shape::new(&[4, 32, 16, 8, 2]).unwrap();
    let bytes = hebb_tests::untrained_rule_file(
        deep,
        RULE_SEED + 3,
        RuleKind::ABCDLr,
        false,
        Activation::Tanh,
        Encoding::F32,
    );
    parity("deep-4-32-16-8-2", &bytes, true);
    let bytes = hebb_tests::untrained_rule_file(
        deep,
        RULE_SEED + 4,
        RuleKind::ABCDLrDInAndOut,
        true,
        Activation::Identity,
        Encoding::F16,
    );
    parity("deep-4-32-16-8-2-norm-f16", &bytes, false);
}

/// The options beyond the paper, on the quadruped's 28-128-64-8 ABCD_lr network: per-neuron
/// coefficients, shared rules through a per-synapse index, the Hebbian-attractor update (every
/// 4th step on activities averaged over 10) and shared rules with the attractor update — each
/// bit-identical to the desktop running the file's own table (and window) on every kernel.
#[test]
fn firmware_options_beyond_the_paper_match_desktop() {
    if !firmware_tools::require("firmware parity, options beyond the paper") {
        return;
    }
    let ant = |seed: u64, beyond: Beyond| {
        hebb_tests::untrained_rule_file_with(
            AntNet::SHAPE,
            seed,
            RuleKind::ABCDLr,
            false,
            Activation::Tanh,
            Encoding::F32,
            beyond,
        )
    };
    let per_neuron = Beyond { layout: CoeffLayout::PerNeuron, ..Beyond::default() };
    let shared = Beyond { layout: CoeffLayout::Shared, n_rules: 384, ..Beyond::default() };
    let attractor = Beyond { plasticity: Plasticity::ATTRACTOR, ..Beyond::default() };
    parity("ant-per-neuron", &ant(RULE_SEED + 10, per_neuron), true);
    parity("ant-shared-384", &ant(RULE_SEED + 11, shared), true);
    parity("ant-attractor-k4-m10", &ant(RULE_SEED + 12, attractor), true);
    let both = Beyond { plasticity: Plasticity::ATTRACTOR, ..shared };
    parity("ant-shared-384-attractor", &ant(RULE_SEED + 13, both), true);
    // Half-precision per-neuron coefficients (widened as they are expanded) with the window.
    let bytes = hebb_tests::untrained_rule_file_with(
        AntNet::SHAPE,
        RULE_SEED + 14,
        RuleKind::ABCDLr,
        false,
        Activation::Tanh,
        Encoding::F16,
        Beyond { plasticity: Plasticity::ATTRACTOR, ..per_neuron },
    );
    parity("ant-per-neuron-f16-attractor", &bytes, true);
}

/// A rule whose network does not fit the chip fails the firmware build with one line giving
/// what it needs and what the chip has (the car head's 365 KiB of weights against 128 KiB RAM).
#[test]
fn firmware_build_refuses_a_rule_that_does_not_fit() {
    let big = Shape::new(&[300, 128, 64, 3]).unwrap();
    let bytes = hebb_tests::untrained_rule_file(
        big,
        RULE_SEED,
        RuleKind::A,
        true,
        Activation::Identity,
        Encoding::F32,
    );
    let dir = repo_root().join("hebb-mcu/target/parity");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("too-big.hebb");
    std::fs::write(&path, &bytes).unwrap();
    let e = {
        let _elf = lock_firmware_elf();
        hil::build_firmware(&path).expect_err("a 300-128-64-3 network cannot fit 128 KiB of RAM").to_string()
    };
    let line = fit_message(&e);
    assert!(
        line.contains("300-128-64-3") && line.contains("KiB RAM") && line.contains("128 KiB RAM"),
        "{line}"
    );
}

/// The build-time fit check counts the attractor window's RAM: a 28-256-64-8 network fits the
/// emulated board's 128 KiB with the paper's update (build.rs counts 112 KiB: weights,
/// activity, wire buffers, stack), but not with a window of `M = 20` steps, another
/// `21 · 356 neurons · 4 B = 29,904 B`: 141 KiB, which the build refuses with one line.
#[test]
fn firmware_build_counts_the_window_in_ram() {
    if !firmware_tools::require("firmware fit check with a window") {
        return;
    }
    let shape = Shape::new(&[28, 256, 64, 8]).unwrap();
    let rule = |plasticity| {
        let beyond = Beyond { plasticity, ..Beyond::default() };
        hebb_tests::untrained_rule_file_with(
            shape,
            RULE_SEED,
            RuleKind::ABCDLr,
            false,
            Activation::Tanh,
            Encoding::F16,
            beyond,
        )
    };
    let dir = repo_root().join("hebb-mcu/target/parity");
    let plain = hebb_tests::cached_rule_file(&dir, "window-plain", &rule(Plasticity::PAPER));
    let windowed =
        hebb_tests::cached_rule_file(&dir, "window-too-big", &rule(Plasticity::new(4, 20).unwrap()));
    let e = {
        let _elf = lock_firmware_elf();
        // The paper's update: it fits, the build succeeds.
        build_firmware(&plain);
        hil::build_firmware(&windowed).expect_err("the window does not fit 128 KiB of RAM").to_string()
    };
    let line = fit_message(&e);
    assert!(
        line.contains("28-256-64-8") && line.contains("141 KiB RAM") && line.contains("128 KiB RAM"),
        "{line}"
    );
}

/// The line of a refused firmware build that says the network does not fit.
fn fit_message(build_error: &str) -> &str {
    build_error
        .lines()
        .find(|l| l.contains("does not fit"))
        .unwrap_or_else(|| panic!("no fit message in: {build_error}"))
}

/// Builds the firmware with `bytes` as its rule, drives it for `STEPS` steps (with bad requests
/// in between if `bad_requests`) and checks every action against the desktop kernels.
/// Returns the instructions per synapse of the last step.
fn parity(name: &str, bytes: &[u8], bad_requests: bool) -> f64 {
    // Rule file: written only when its content changes, so the firmware build stays cached.
    let rule_path = hebb_tests::cached_rule_file(&repo_root().join("hebb-mcu/target/parity"), name, bytes);
    // The file's own table, as the firmware reads it (zero-copy: the bytes copied to 4-byte
    // aligned storage, as the firmware's flash copy is aligned): its layout (per synapse, per
    // neuron, shared with the index), its encoding (f32 or f16) and its plasticity.
    let aligned = hebb_train::export::AlignedBytes::new(bytes);
    let file = RuleFile::parse(aligned.bytes()).unwrap();
    let table = file.table().unwrap();
    let shape = file.header().sizes;
    let plasticity = file.extras().plasticity;

    let (sections, mcu, ready) = {
        let _elf = lock_firmware_elf();
        let elf = build_firmware(&rule_path);
        let sections = elf_sections(&elf);
        let (mcu, ready) = hil::Mcu::boot(&elf).unwrap_or_else(|e| panic!("{e}"));
        (sections, mcu, ready)
    };
    let mut mcu = Mcu(mcu);
    let mut desk = Desktop::new(shape, file.header().config().unwrap(), plasticity);
    eprintln!(
        "firmware parity ({name}: {:?} layout, {} rules, {plasticity:?}) against desktop kernels {:?}",
        table.layout(),
        table.n_rules(),
        desk.nets.iter().map(|d| d.kernel).collect::<Vec<_>>()
    );
    match ready {
        Reply::Ready { rule_status: 0, n_synapses } => assert_eq!(n_synapses as usize, shape.n_synapses()),
        other => panic!("boot: expected Ready with a loaded rule, got {other:?}"),
    }

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
    let mut seed = 1234u64;
    assert_eq!(mcu.request(&Request::Reset { seed }), Reply::ResetDone { seed });
    desk.reset(seed);
    let mut errors_seen = 0;
    for t in 0..STEPS {
        let obs = observation(&mut rng, t, shape.input());
        match t {
            _ if !bad_requests => {}
            // A corrupted step frame: one flipped bit in the payload.
            60 => {
                let mut buf = [0u8; MAX_ENCODED];
                let n = Request::Step { obs: Floats::new(&obs) }.encode(&mut buf).unwrap();
                let i = (1..n - 1).find(|&i| buf[i] != 0x01 && i > n / 2).unwrap();
                buf[i] ^= 0x01;
                mcu.send_raw(&buf[..n]);
                match mcu.recv("corrupted frame") {
                    Reply::Error { code: ErrorCode::Crc | ErrorCode::Cobs, .. } => errors_seen += 1,
                    other => panic!("corrupted frame: expected a CRC/COBS error reply, got {other:?}"),
                }
            }
            // Too short, then too long for the receive buffer.
            90 => {
                mcu.send_raw(&[0x03, 0x02, 0x05, 0x00]);
                match mcu.recv("short frame") {
                    Reply::Error { code: ErrorCode::TooShort, .. } => errors_seen += 1,
                    other => panic!("short frame: expected TooShort, got {other:?}"),
                }
                let mut long = vec![0x55u8; 3 * MAX_ENCODED];
                long.push(0);
                mcu.send_raw(&long);
                match mcu.recv("oversized frame") {
                    Reply::Error { code: ErrorCode::Overflow, .. } => errors_seen += 1,
                    other => panic!("oversized frame: expected Overflow, got {other:?}"),
                }
            }
            // A NaN observation: rejected, network unchanged on both sides.
            120 => {
                let mut bad = obs.clone();
                let at = 17 % bad.len();
                bad[at] = f32::NAN;
                match mcu.request(&Request::Step { obs: Floats::new(&bad) }) {
                    Reply::Error { code: ErrorCode::NonFiniteObservation, detail }
                        if detail as usize == at =>
                    {
                        errors_seen += 1
                    }
                    other => panic!("NaN observation: expected NonFiniteObservation at {at}, got {other:?}"),
                }
                // An observation of the wrong length: refused, network unchanged.
                match mcu.request(&Request::Step { obs: Floats::new(&bad[1..]) }) {
                    Reply::Error { code: ErrorCode::Length, .. } => errors_seen += 1,
                    other => panic!("short observation: expected a Length error, got {other:?}"),
                }
                for d in &mut desk.nets {
                    assert!(d.step(&table, &bad).is_err());
                }
            }
            // A second episode: fresh weights from another seed.
            150 => {
                seed = 0xFFFF_FFFF_0000_0001;
                assert_eq!(mcu.request(&Request::Reset { seed }), Reply::ResetDone { seed });
                desk.reset(seed);
            }
            _ => {}
        }
        let reply = mcu.request(&Request::Step { obs: Floats::new(&obs) });
        desk.check(&table, &obs, &reply, t);
    }
    if bad_requests {
        assert_eq!(errors_seen, 5, "every bad request must have been answered with an error");
    }
    // The step's cost: the last step's, and with the Hebbian-attractor options the steps of one
    // whole update cycle (`every` steps, one of which updates), each checked as well.
    let mut timings = vec![step_timing(&mut mcu)];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(100);
    for t in STEPS..STEPS + usize::from(plasticity.every) - 1 {
        let obs = observation(&mut rng, t, shape.input());
        let reply = mcu.request(&Request::Step { obs: Floats::new(&obs) });
        desk.check(&table, &obs, &reply, t);
        timings.push(step_timing(&mut mcu));
    }
    assert!(desk.weights_equal(), "desktop kernels diverged in their weights");
    let steps = STEPS + timings.len() - 1;
    let (calib_ticks, calib_instructions) = (timings[0].calib_ticks, timings[0].calib_instructions);
    let instructions = |t: &Timing| t.step_ticks as f64 * calib_instructions as f64 / calib_ticks as f64;
    let per_step: Vec<f64> = timings.iter().map(instructions).collect();
    let (last, max, mean) = (
        per_step[0],
        per_step.iter().copied().fold(0.0, f64::max),
        per_step.iter().sum::<f64>() / per_step.len() as f64,
    );
    let stack = timings.iter().map(|t| t.stack_peak_bytes).max().unwrap_or(0);
    let n = shape.n_synapses() as f64;
    eprintln!(
        "firmware ({name}, {shape}): {steps} steps bit-identical; last step {} SysTick ticks ≈ {last:.0} instructions \
         = {:.2} per synapse (calibration {calib_instructions} instructions / {calib_ticks} ticks); peak stack {stack} bytes",
        timings[0].step_ticks,
        last / n
    );
    if timings.len() > 1 {
        eprintln!(
            "firmware ({name}): over one update cycle of {} steps: the updating step ≈ {max:.0} instructions = {:.2} per \
             synapse, mean ≈ {mean:.0} = {:.2} per synapse per step",
            timings.len(),
            max / n,
            mean / n
        );
    }
    let size = |name: &str| sections.iter().find(|(n, _)| n == name).map_or(0, |s| s.1);
    let (text, rodata, data, bss) = (size(".text"), size(".rodata"), size(".data"), size(".bss"));
    assert!(
        rodata >= bytes.len() as u64,
        "the rule file ({} bytes) is not in .rodata ({rodata})",
        bytes.len()
    );
    eprintln!(
        "FIGURES | {name} | {shape} | {:?} | {} | every {} window {} | rule file {} B | .text+.rodata {} B (code and \
         constants {} B) | .data+.bss {} B | instructions per synapse: last step {:.2}, updating step {:.2}, mean {:.2} | stack {stack} B",
        table.layout(),
        table.n_rules(),
        plasticity.every,
        plasticity.window,
        bytes.len(),
        text + rodata,
        text + rodata - bytes.len() as u64,
        data + bss,
        last / n,
        max / n,
        mean / n,
    );
    last / n
}

/// The `Timing` reply after a step, checked for a running clock and a painted stack.
fn step_timing(mcu: &mut Mcu) -> Timing {
    let Reply::Timing(timing) = mcu.request(&Request::Timing) else {
        panic!("timing request: expected a Timing reply")
    };
    let Timing { step_ticks, calib_ticks, stack_peak_bytes, .. } = timing;
    assert!(stack_peak_bytes > 0, "stack painting reported no stack use");
    assert!(
        step_ticks > 0 && calib_ticks > 0,
        "SysTick did not run (step {step_ticks}, calibration {calib_ticks})"
    );
    timing
}

/// The named sections of a 32-bit little-endian ELF file and their sizes in bytes (from the
/// section headers), for the firmware's flash and RAM figures.
fn elf_sections(elf: &Path) -> Vec<(String, u64)> {
    let f = std::fs::read(elf).unwrap_or_else(|e| panic!("{}: {e}", elf.display()));
    let u16_at = |o: usize| u16::from_le_bytes([f[o], f[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes([f[o], f[o + 1], f[o + 2], f[o + 3]]) as usize;
    assert_eq!(&f[..5], b"\x7fELF\x01", "{}: not a 32-bit ELF file", elf.display());
    let (shoff, shentsize, shnum, shstrndx) = (u32_at(0x20), u16_at(0x2E), u16_at(0x30), u16_at(0x32));
    let header = |i: usize| shoff + i * shentsize;
    let names = u32_at(header(shstrndx) + 16);
    (0..shnum)
        .map(|i| {
            let h = header(i);
            let at = names + u32_at(h);
            let end = f[at..].iter().position(|&b| b == 0).map_or(f.len(), |p| at + p);
            (String::from_utf8_lossy(&f[at..end]).into_owned(), u32_at(h + 20) as u64)
        })
        .collect()
}

/// Each board's build checks the rule against its own memory map (`hebb-mcu/memory/*.x`): a
/// 28-256-128-8 network (40,960 synapses, ≈ 178 KiB of RAM) is refused for the STM32F4DISCOVERY's
/// 128 KiB with one line naming the board, and builds for the nRF52840's 256 KiB.
#[test]
fn board_memory_maps_bound_the_network() {
    if !firmware_tools::require("board memory maps") {
        return;
    }
    let shape = Shape::new(&[28, 256, 128, 8]).unwrap();
    // The rule files, each written only when its content changes (the builds stay cached).
    let dir = repo_root().join("hebb-mcu/target/parity");
    let rule = |name: &str, kind, encoding| {
        let bytes =
            hebb_tests::untrained_rule_file(shape, RULE_SEED, kind, false, Activation::Tanh, encoding);
        hebb_tests::cached_rule_file(&dir, name, &bytes)
    };
    let build = |feature: &str, bin: &str, rule: &std::path::Path| {
        let mut cmd = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.current_dir(repo_root().join("hebb-mcu"))
            .args([
                "build",
                "--release",
                "--quiet",
                "--no-default-features",
                "--features",
                feature,
                "--bin",
                bin,
            ])
            .env("HEBB_RULE", rule);
        for var in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
            cmd.env_remove(var);
        }
        cmd.output().unwrap()
    };
    // A build that must succeed, and one that must be refused: its one-line fit message.
    let built = |out: std::process::Output, what: &str| {
        assert!(out.status.success(), "{what} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    };
    let refused = |out: std::process::Output, why: &str| {
        assert!(!out.status.success(), "{why}");
        fit_message(&String::from_utf8_lossy(&out.stderr)).to_owned()
    };

    // RAM: the f16 network needs 178 KiB.
    let path = rule("wide-28-256-128-8", RuleKind::ABCDLr, Encoding::F16);
    let line = refused(
        build("board-stm32f4", "stm32f4discovery", &path),
        "the 28-256-128-8 network cannot fit 128 KiB of RAM",
    );
    assert!(
        line.contains("28-256-128-8")
            && line.contains("STM32F407VG")
            && line.contains("178 KiB RAM")
            && line.contains("128 KiB RAM (memory/stm32f407vg.x)"),
        "{line}"
    );
    built(build("board-nrf52840", "nrf52840dk", &path), "nRF52840 build");
    eprintln!("28-256-128-8 f16: refused for the STM32F4DISCOVERY ({line}), built for the nRF52840-DK");

    // Flash. The same network in f32 (819 KB of rule file) fits the nRF52840's 1 MiB with the
    // 160 KiB build.rs reserves for the code, and links: the estimate is not too small. With six
    // coefficients per synapse (983 KB) it does not fit, and the build says so in one line
    // instead of failing in the linker.
    let fits = rule("wide-28-256-128-8-f32", RuleKind::ABCDLr, Encoding::F32);
    built(build("board-nrf52840", "nrf52840dk", &fits), "nRF52840 build of the f32 rule");
    let too_big = rule("wide-28-256-128-8-d-in-out-f32", RuleKind::ABCDLrDInAndOut, Encoding::F32);
    let line = refused(
        build("board-nrf52840", "nrf52840dk", &too_big),
        "a 983 KB rule file plus the code cannot fit 1 MiB of flash",
    );
    assert!(
        line.contains("28-256-128-8")
            && line.contains("nRF52840")
            && line.contains("1121 KiB flash")
            && line.contains("1024 KiB flash"),
        "{line}"
    );
    eprintln!("28-256-128-8 f32: ABCD_lr built for the nRF52840-DK, ABCD_lr_D_in_and_out refused ({line})");
}
