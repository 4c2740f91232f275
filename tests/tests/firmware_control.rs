//! hebb-core in a robot's own control loop, under QEMU: builds the emulated board's control-loop
//! program (`hebb-mcu/src/bin/qemu-netduinoplus2-control.rs`) with a rule file generated here,
//! boots it, and checks that every action it produces — SysTick at 1 kHz, the simulated sensors
//! of `hebb-mcu/src/signal.rs`, one `step` per tick, no host in the loop; the board only
//! reports each action on its UART — equals, bit for bit, the desktop network fed the same
//! sensor values (that very file is compiled into this test) — for the paper's update and for
//! shared rules with the Hebbian-attractor update.
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` target (see `firmware_tools`).

use std::path::{Path, PathBuf};

use hebb_core::rulefile::{Encoding, RuleFile};
use hebb_core::{
    Activation, AntNet, CoeffLayout, Config, HeapNetwork, HeapWindow, Kernel, Plasticity, RuleKind, Shape,
    WeightInit,
};
use hebb_train::hil::{self, Reply};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

#[path = "../../hebb-train/tests/support/firmware_tools.rs"]
mod firmware_tools;

/// The firmware's simulated sensors, the same source file.
#[path = "../../hebb-mcu/src/signal.rs"]
mod signal;

/// The control-loop program's weight seed (`WEIGHT_SEED` in its source).
const WEIGHT_SEED: u64 = 7;
const STEPS: u32 = 300;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn bits(a: &[f32]) -> Vec<u32> {
    a.iter().map(|x| x.to_bits()).collect()
}

/// Builds and boots the control-loop program with `bytes` as its rule and checks its first
/// `STEPS` actions against the desktop on every kernel the CPU has.
fn control_loop(name: &str, bytes: &[u8]) {
    let path = hebb_tests::cached_rule_file(&repo_root().join("hebb-mcu/target/control"), name, bytes);
    // The file's own table (its layout and encoding, zero-copy from 4-byte aligned storage, as in
    // the firmware's flash) and its plasticity: a window when the rule has one.
    let aligned = hebb_train::export::AlignedBytes::new(bytes);
    let file = RuleFile::parse(aligned.bytes()).unwrap();
    let table = file.table().unwrap();
    let shape = file.header().sizes;
    let config = file.header().config().unwrap();
    let plasticity = file.extras().plasticity;
    let mut nets: Vec<(Kernel, HeapNetwork, Option<HeapWindow>)> = [Kernel::Portable, Kernel::Avx2]
        .into_iter()
        .filter(|k| k.is_supported())
        .map(|k| {
            let mut net = HeapNetwork::with_shape(shape, Config { kernel: k, ..config }).unwrap();
            net.reset_weights(WeightInit::Uniform, &mut Xoshiro256PlusPlus::seed_from_u64(WEIGHT_SEED))
                .unwrap();
            let window = (!plasticity.is_plain()).then(|| HeapWindow::for_shape(plasticity, &shape).unwrap());
            (k, net, window)
        })
        .collect();

    let elf = hil::build_program(&path, "qemu-netduinoplus2-control").unwrap_or_else(|e| panic!("{e}"));
    // The program talks from its first tick on; its first frame is the first action.
    let (mut mcu, mut reply) = hil::Mcu::boot(&elf).unwrap_or_else(|e| panic!("{e}"));
    let mut obs = vec![0.0f32; shape.input()];
    let mut moved = 0.0f64;
    for t in 0..STEPS {
        if t > 0 {
            reply = mcu.recv("control step").unwrap_or_else(|e| panic!("{e}"));
        }
        let Reply::Action(got) = &reply else {
            panic!("control step {t}: expected an action, got {reply:?}")
        };
        signal::observation(t, &mut obs);
        for (kernel, net, window) in &mut nets {
            let want = match window {
                Some(window) => net.step_windowed(&table, &obs, window).unwrap(),
                None => net.step(&table, &obs).unwrap(),
            };
            assert_eq!(
                bits(got),
                bits(want),
                "control step {t}: firmware {got:?} differs from desktop {kernel:?} {want:?}"
            );
        }
        moved += got.iter().map(|a| f64::from(a.abs())).sum::<f64>();
    }
    // Not a constant output: the loop really ran the network on changing sensors.
    assert!(moved > 0.0, "every action was zero");
    eprintln!(
        "control loop ({name}, {shape}, {:?} layout, {plasticity:?}): {STEPS} steps at 1 kHz, every action \
         bit-identical to desktop kernels {:?}",
        table.layout(),
        nets.iter().map(|n| n.0).collect::<Vec<_>>()
    );
}

#[test]
fn control_loop_matches_desktop_bit_for_bit() {
    if !firmware_tools::require("firmware control loop") {
        return;
    }
    // The quadruped's network and rule (the assembly update).
    let ant = hebb_tests::untrained_rule_file(
        AntNet::SHAPE,
        0x5EED_0C01,
        RuleKind::ABCDLr,
        false,
        Activation::Tanh,
        Encoding::F32,
    );
    control_loop("ant-abcd-lr", &ant);
    // A deeper network with normalisation and raw outputs, half-precision coefficients.
    let deep = Shape::new(&[6, 32, 16, 3]).unwrap();
    let deep = hebb_tests::untrained_rule_file(
        deep,
        0x5EED_0C02,
        RuleKind::ABC,
        true,
        Activation::Identity,
        Encoding::F16,
    );
    control_loop("deep-abc-norm-f16", &deep);
    // The options beyond the paper: shared rules (384, through a per-synapse index) with the
    // Hebbian-attractor update (every 4th step, on activities averaged over 10 steps).
    let beyond =
        hebb_tests::Beyond { layout: CoeffLayout::Shared, n_rules: 384, plasticity: Plasticity::ATTRACTOR };
    let shared = hebb_tests::untrained_rule_file_with(
        AntNet::SHAPE,
        0x5EED_0C03,
        RuleKind::ABCDLr,
        false,
        Activation::Tanh,
        Encoding::F32,
        beyond,
    );
    control_loop("ant-shared-384-attractor", &shared);
}

/// The duty-cycle mapping the real boards' control loops use (`signal::duty`).
#[test]
fn duty_cycle_mapping() {
    assert_eq!(signal::duty(-1.0, 1000), 0);
    assert_eq!(signal::duty(1.0, 1000), 1000);
    assert_eq!(signal::duty(0.0, 1000), 500);
    assert_eq!(signal::duty(7.5, 1000), 1000, "clamped above");
    assert_eq!(signal::duty(-3.0, 1000), 0, "clamped below");
    assert_eq!(signal::duty(f32::NAN, 1000), 0, "NaN is off");
    assert_eq!(signal::duty(0.5, u16::MAX), 49151);
}

/// The simulated sensors are deterministic, bounded and not constant.
#[test]
fn simulated_sensors() {
    let (mut a, mut b) = (vec![0.0f32; 28], vec![0.0f32; 28]);
    signal::observation(123, &mut a);
    signal::observation(123, &mut b);
    assert_eq!(bits(&a), bits(&b));
    let mut distinct = std::collections::BTreeSet::new();
    for t in 0..1000 {
        signal::observation(t, &mut a);
        for &x in &a {
            assert!(x.is_finite() && x.abs() <= 6.0, "sensor value {x} at step {t}");
            distinct.insert(x.to_bits());
        }
    }
    assert!(distinct.len() > 10_000, "only {} distinct sensor values", distinct.len());
}
