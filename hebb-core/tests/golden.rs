//! Golden outputs: the bits the paper's network shapes produced *before* networks of any depth
//! were introduced (recorded from the three-layer `Network<I, H1, H2, O>` implementation at
//! commit 7aa6805). Every kernel must reproduce them bit for bit, so trained rules, resumed
//! checkpoints and the firmware keep their exact behaviour.
//!
//! For each case: 50 steps from fixed weights (uniform initial weights from a fixed seed),
//! fixed coefficients and fixed observations; the FNV-1a hash of every action's bit pattern,
//! the hash of the final weights' bit patterns, and two raw values (the first output of the
//! last step and the first weight at the end) so a mismatch is readable.
//!
//! `HEBB_GOLDEN_PRINT=1 cargo test -p hebb-core --test golden -- --nocapture` prints the table.

mod common;

use common::Xs;
use hebb_core::{
    Activation, AntNet, CarHead, Config, Kernel, Network, NetworkMut, RuleKind, RuleTable, WeightInit,
    n_coefficients,
};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

const STEPS: usize = 50;

struct Fnv(u64);
impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn f32s(&mut self, xs: &[f32]) {
        for x in xs {
            for b in x.to_bits().to_le_bytes() {
                self.0 ^= u64::from(b);
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
}

/// What one case produced.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Out {
    actions: u64,
    weights: u64,
    last_out0: u32,
    w0: u32,
}

fn inputs(sizes: &[usize], rule: RuleKind, seed: u64) -> (Vec<f32>, Vec<Vec<f32>>) {
    let mut xs = Xs(seed);
    let coeffs = xs.vec(n_coefficients(rule, sizes), 0.1);
    let obs = (0..STEPS)
        .map(|t| {
            let scale = if t % 7 == 3 { 5.0 } else { 1.0 };
            xs.vec(sizes[0], scale)
        })
        .collect();
    (coeffs, obs)
}

/// Runs one case on `net` (any storage).
fn run<W, A>(mut net: Network<W, A>, rule: RuleKind, seed: u64) -> Out
where
    W: AsRef<[f32]> + AsMut<[f32]>,
    A: AsRef<[f32]> + AsMut<[f32]>,
{
    let sizes = *net.shape();
    let (coeffs, obs) = inputs(&sizes, rule, seed);
    let table = RuleTable::new(rule, sizes, &coeffs).unwrap();
    net.reset_weights(WeightInit::Uniform, &mut Xoshiro256PlusPlus::seed_from_u64(seed)).unwrap();
    let mut h = Fnv::new();
    let mut last = 0;
    for o in &obs {
        let out = net.step(&table, o).unwrap();
        h.f32s(out);
        last = out[0].to_bits();
    }
    let mut hw = Fnv::new();
    hw.f32s(net.weights());
    Out { actions: h.0, weights: hw.0, last_out0: last, w0: net.weights()[0].to_bits() }
}

/// Runs a case on the heap-backed runtime form, on caller buffers, and (for the two presets)
/// on the fixed-size form; all must agree.
fn run_all(sizes: &[usize], config: Config, rule: RuleKind, seed: u64) -> Out {
    let shape = hebb_core::Shape::new(sizes).unwrap();
    let vec_net =
        Network::from_parts(shape, config, vec![0.0; shape.n_synapses()], vec![0.0; shape.n_activity()])
            .unwrap();
    let got = run(vec_net, rule, seed);
    let (mut w, mut a) = (vec![0.0; shape.n_synapses()], vec![0.0; shape.n_activity()]);
    let buf_net = NetworkMut::on_buffers(shape, config, &mut w, &mut a).unwrap();
    assert_eq!(run(buf_net, rule, seed), got, "{shape}: caller buffers differ");
    if shape == AntNet::SIZES {
        assert_eq!(run(*Box::new(AntNet::new(config)), rule, seed), got, "AntNet differs");
    }
    if shape == CarHead::SIZES {
        let mut slot = Box::new(std::mem::MaybeUninit::<CarHead>::uninit());
        CarHead::init_in_place(&mut slot, CarHead::SIZES, config).unwrap();
        // SAFETY: `init_in_place` initialised it.
        let net = unsafe { slot.assume_init_ref() }.clone();
        assert_eq!(run(net, rule, seed), got, "CarHead differs");
    }
    got
}

/// (shape, output, normalise) of every case.
const SHAPES: [(&str, Activation, bool); 6] = [
    ("ant", Activation::Tanh, false),
    ("ant", Activation::Tanh, true),
    ("car_head", Activation::Identity, true),
    ("car_head", Activation::Identity, false),
    ("cartpole", Activation::Identity, true),
    ("cartpole", Activation::Tanh, false),
];

const RULES: [RuleKind; 4] = [RuleKind::A, RuleKind::ABC, RuleKind::ABCDLr, RuleKind::ABCDLrDInAndOut];

fn case(shape: &str, config: Config, rule: RuleKind, seed: u64) -> Out {
    match shape {
        "ant" => run_all(&[28, 128, 64, 8], config, rule, seed),
        "car_head" => run_all(&[648, 128, 64, 3], config, rule, seed),
        "cartpole" => run_all(&[4, 128, 64, 2], config, rule, seed),
        _ => unreachable!(),
    }
}

#[rustfmt::skip]
const GOLDEN: &[(&str, &str, bool, &str, Out)] = &[
    ("ant", "tanh", false, "A", Out { actions: 0xaf94b296901be731, weights: 0x3412ba72e8f1d88e, last_out0: 0xbf7f99c4, w0: 0xbe27a2ca }),
    ("ant", "tanh", false, "ABC", Out { actions: 0xffba661093788401, weights: 0xe50ccf789476d325, last_out0: 0x3f7ffeee, w0: 0x3e6196ee }),
    ("ant", "tanh", false, "ABCD_lr", Out { actions: 0xde9ea25549320999, weights: 0x5e67d6b08dce27bb, last_out0: 0x3eb67c67, w0: 0x3da2d0df }),
    ("ant", "tanh", false, "ABCD_lr_D_in_and_out", Out { actions: 0x9c76abef4adf6b88, weights: 0xd425f733ab45ff5c, last_out0: 0xbf7ffb8c, w0: 0xc089b2c0 }),
    ("ant", "tanh", true, "A", Out { actions: 0x1f355cd0a9cb12c3, weights: 0x89c34b1a49c32e66, last_out0: 0x3e922dc6, w0: 0xbd9a6d69 }),
    ("ant", "tanh", true, "ABC", Out { actions: 0x81f723278f2dce16, weights: 0xa585fbd3a501db55, last_out0: 0xbf24eedb, w0: 0xbd99653b }),
    ("ant", "tanh", true, "ABCD_lr", Out { actions: 0x97d1612d3a76596f, weights: 0x71a0ce10076f9ae8, last_out0: 0x3f45df0c, w0: 0xbdf4debe }),
    ("ant", "tanh", true, "ABCD_lr_D_in_and_out", Out { actions: 0xa1ad3283c3308064, weights: 0x463c0c23060fa3c8, last_out0: 0x3f505af4, w0: 0xbee8a1c3 }),
    ("car_head", "identity", true, "A", Out { actions: 0x4780df35699ce979, weights: 0xf35b37dad641d5dc, last_out0: 0xbeaabe78, w0: 0xbd1290c5 }),
    ("car_head", "identity", true, "ABC", Out { actions: 0xc010519d91bb890f, weights: 0x31c1b2fde5484e17, last_out0: 0x3f290cc2, w0: 0xbeca0d9d }),
    ("car_head", "identity", true, "ABCD_lr", Out { actions: 0xc64a422fde93272a, weights: 0xfd23e93c6cd9c580, last_out0: 0x3ed8f638, w0: 0xbebb4ddd }),
    ("car_head", "identity", true, "ABCD_lr_D_in_and_out", Out { actions: 0x016a65a642ac72e3, weights: 0x8946ff53a0cf4874, last_out0: 0xc00390e4, w0: 0xbf4be6ae }),
    ("car_head", "identity", false, "A", Out { actions: 0x162fe0cb15e36f82, weights: 0x3af979be3b48618a, last_out0: 0x3fdcc698, w0: 0x3d872132 }),
    ("car_head", "identity", false, "ABC", Out { actions: 0x378cc1d45e130342, weights: 0xdf83b542f79183d4, last_out0: 0x4256f410, w0: 0x3b852154 }),
    ("car_head", "identity", false, "ABCD_lr", Out { actions: 0xa54e8f8c7a72bd9d, weights: 0x0bd7770555eb6c46, last_out0: 0xbe265b22, w0: 0xbda10ff3 }),
    ("car_head", "identity", false, "ABCD_lr_D_in_and_out", Out { actions: 0x13d9834ad749a5ef, weights: 0x0f1dd2e8455d0651, last_out0: 0x405b20ac, w0: 0x409ce999 }),
    ("cartpole", "identity", true, "A", Out { actions: 0x038479dc867d12bc, weights: 0xa63060e941de33bc, last_out0: 0x3fd93030, w0: 0x3e41a97a }),
    ("cartpole", "identity", true, "ABC", Out { actions: 0x5cf6536c1cb9f1d9, weights: 0x190212ae20418efe, last_out0: 0xbee8a515, w0: 0x3b9e85d2 }),
    ("cartpole", "identity", true, "ABCD_lr", Out { actions: 0x62f0c81a5da70475, weights: 0x4ef16c7b803d00e5, last_out0: 0x3ff79b60, w0: 0x3e079107 }),
    ("cartpole", "identity", true, "ABCD_lr_D_in_and_out", Out { actions: 0x0d9b3929de94bc34, weights: 0x1847bcb30aa361b2, last_out0: 0x3f92275e, w0: 0x3f3133ae }),
    ("cartpole", "tanh", false, "A", Out { actions: 0xc681009c55b5c77b, weights: 0xdb8866d45193710d, last_out0: 0xbf543e32, w0: 0x3bd446f1 }),
    ("cartpole", "tanh", false, "ABC", Out { actions: 0xd17a9b3d98a1ac1e, weights: 0xc4402e982dccb6b5, last_out0: 0x3f7fe9e6, w0: 0x3f6f766a }),
    ("cartpole", "tanh", false, "ABCD_lr", Out { actions: 0xa3cbe4e3f6db9218, weights: 0x7f1edee5ead27682, last_out0: 0xbea5d6bd, w0: 0xbe28ab6a }),
    ("cartpole", "tanh", false, "ABCD_lr_D_in_and_out", Out { actions: 0xddd8edf4fac5466e, weights: 0x9489bf1eddc897a7, last_out0: 0x3f800000, w0: 0xc035d876 }),
];

#[test]
fn paper_shapes_reproduce_the_recorded_bits_on_every_kernel() {
    let print = std::env::var("HEBB_GOLDEN_PRINT").is_ok();
    let mut checked = 0;
    for (si, &(shape, output, normalize)) in SHAPES.iter().enumerate() {
        for (ri, &rule) in RULES.iter().enumerate() {
            let seed = 1000 + 10 * si as u64 + ri as u64;
            let mut first: Option<Out> = None;
            for kernel in [Kernel::Portable, Kernel::Avx2, Kernel::Vfp] {
                if !kernel.is_supported() {
                    continue;
                }
                let got = case(shape, Config { output, normalize, kernel }, rule, seed);
                if let Some(f) = first {
                    assert_eq!(
                        got, f,
                        "{shape} {output:?} norm={normalize} {rule}: {kernel:?} differs from Portable"
                    );
                }
                first = Some(got);
                if print {
                    continue;
                }
                let want = GOLDEN
                    .iter()
                    .find(|g| {
                        g.0 == shape && g.1 == act_name(output) && g.2 == normalize && g.3 == rule.name()
                    })
                    .unwrap_or_else(|| panic!("no golden entry for {shape} {output:?} {normalize} {rule}"))
                    .4;
                assert_eq!(
                    got, want,
                    "{shape} {output:?} norm={normalize} {rule} on {kernel:?}: bits changed"
                );
                checked += 1;
            }
            if print {
                let o = first.unwrap();
                println!(
                    "    (\"{shape}\", \"{}\", {normalize}, \"{}\", Out {{ actions: {:#018x}, weights: {:#018x}, last_out0: {:#010x}, w0: {:#010x} }}),",
                    act_name(output),
                    rule.name(),
                    o.actions,
                    o.weights,
                    o.last_out0,
                    o.w0
                );
            }
        }
    }
    if !print {
        assert_eq!(checked % (SHAPES.len() * RULES.len()), 0);
        assert!(checked >= SHAPES.len() * RULES.len());
    }
}

fn act_name(a: Activation) -> &'static str {
    match a {
        Activation::Tanh => "tanh",
        Activation::Identity => "identity",
    }
}
