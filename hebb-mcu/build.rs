//! Places the rule file in the firmware and generates the network's types from its header.
//!
//! The path comes from `HEBB_RULE` (relative paths are relative to this crate's directory,
//! `hebb-mcu/`), default `rules/ant.hebb`. The file is checked here with the same decoder the
//! firmware uses, so a corrupt rule file fails the build with a clear message instead of a
//! firmware that answers `NoRule`. Its header's layer list (any depth) becomes
//! `$OUT_DIR/shape.rs`: the sizes, the fixed-size network type (`hebb_core::FixedNetwork`
//! sized for them, in a `static`), the wire buffers' lengths, and the rule's plasticity from the
//! header extension (`PLASTICITY`, and `WINDOW_LEN`, the floats of its activity window: 0 for
//! the paper's per-step update, so no RAM is spent on it). A rule whose network does not
//! fit the chip (flash for the rule file and the code, RAM for the weights, window, buffers and stack)
//! fails the build with one line giving what it needs and what the chip has.
//!
//! The board comes from the one `board-*` cargo feature that is on (`board-qemu`, the default;
//! `board-stm32f4`; `board-nrf52840`); its linker memory map is `memory/<board>.x`, whose
//! `FLASH` and `RAM` lengths are the budget the rule is checked against.

use std::path::PathBuf;

use hebb_core::rulefile::RuleFile;
use hebb_core::wire;

/// Flash for the code and constants besides the rule file: every board program measures
/// 119–123 KiB (`llvm-size`, `.text` minus the rule file, with `rules/ant.hebb`), so 160 KiB
/// leaves room for a larger header's instantiations and defmt without passing a rule the linker
/// would then refuse with a less helpful message.
const CODE_BYTES: usize = 160 * 1024;
/// RAM besides the network and the wire buffers: stack (measured peak under 2 KiB) and data.
const STACK_BYTES: usize = 16 * 1024;

fn fail(msg: String) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1);
}

/// The boards: cargo feature, memory map file under `memory/`, the chip's name for messages.
const BOARDS: [(&str, &str, &str); 3] = [
    ("BOARD_QEMU", "qemu-netduinoplus2.x", "STM32F405 (QEMU netduinoplus2)"),
    ("BOARD_STM32F4", "stm32f407vg.x", "STM32F407VG (STM32F4DISCOVERY)"),
    ("BOARD_NRF52840", "nrf52840.x", "nRF52840"),
];

/// The `LENGTH` of memory region `region` in a cortex-m-rt `memory.x` (`K`/`M` suffixes).
fn region_length(memory_x: &str, region: &str) -> Option<usize> {
    let line = memory_x.lines().find(|l| l.trim_start().starts_with(region))?;
    let len = line.split("LENGTH").nth(1)?.trim_start().strip_prefix('=')?.trim();
    let len = len.trim_end_matches(|c: char| c == ',' || c.is_whitespace());
    let (digits, scale) = match len.as_bytes().last()? {
        b'K' => (&len[..len.len() - 1], 1024),
        b'M' => (&len[..len.len() - 1], 1024 * 1024),
        _ => (len, 1),
    };
    let n = if let Some(hex) = digits.strip_prefix("0x") {
        usize::from_str_radix(hex, 16).ok()?
    } else {
        digits.parse().ok()?
    };
    Some(n * scale)
}

fn main() {
    println!("cargo:rerun-if-env-changed=HEBB_RULE");
    println!("cargo:rerun-if-changed=memory");
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let on: Vec<_> =
        BOARDS.iter().filter(|(f, _, _)| std::env::var_os(format!("CARGO_FEATURE_{f}")).is_some()).collect();
    let &&(_, map, chip) = match on.as_slice() {
        [one] => one,
        [] => fail("no board: enable one of the features board-qemu (the default), board-stm32f4, board-nrf52840".into()),
        _ => fail(
            "more than one board feature is on; build a real board with --no-default-features --features board-…"
                .into(),
        ),
    };
    // memory.x next to link.x (cortex-m-rt's linker script INCLUDEs it); the board's map is the
    // budget of the fit check below.
    let memory_x = std::fs::read_to_string(manifest.join("memory").join(map))
        .unwrap_or_else(|e| fail(format!("cannot read memory/{map}: {e}")));
    let (Some(flash_bytes), Some(ram_bytes)) =
        (region_length(&memory_x, "FLASH"), region_length(&memory_x, "RAM"))
    else {
        fail(format!("memory/{map}: no FLASH or RAM region with a LENGTH"))
    };
    write_if_changed(&out.join("memory.x"), memory_x.as_bytes());
    if std::env::var_os("CARGO_FEATURE_DEFMT").is_some() {
        if std::env::var_os("CARGO_FEATURE_BOARD_QEMU").is_some() {
            fail(
                "the defmt feature logs over RTT through a debug probe: real boards only (QEMU has none)"
                    .into(),
            );
        }
        // defmt's linker script, for its log strings.
        println!("cargo:rustc-link-arg=-Tdefmt.x");
    }
    println!("cargo:rustc-link-search={}", out.display());

    let rule = match std::env::var_os("HEBB_RULE") {
        Some(p) if !p.is_empty() => manifest.join(p),
        _ => manifest.join("rules/ant.hebb"),
    };
    println!("cargo:rerun-if-changed={}", rule.display());
    let bytes = std::fs::read(&rule)
        .unwrap_or_else(|e| fail(format!("HEBB_RULE: cannot read {}: {e}", rule.display())));
    // Copy into u32 storage so the zero-copy decoder sees aligned bytes here too.
    let mut words = vec![0u32; bytes.len().div_ceil(4)];
    let aligned: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    aligned[..bytes.len()].copy_from_slice(&bytes);
    let file = RuleFile::parse(&aligned[..bytes.len()])
        .unwrap_or_else(|e| fail(format!("HEBB_RULE: {} is not a valid rule file: {e}", rule.display())));
    let h = file.header();
    if let Err(e) = file.table() {
        fail(format!("HEBB_RULE: {}: {e}", rule.display()));
    }
    if h.n_cnn_weights > 0 {
        fail(format!(
            "HEBB_RULE: {} has a CNN front end ({} weights); the firmware runs networks on raw observations only",
            rule.display(),
            h.n_cnn_weights
        ));
    }
    let shape = h.sizes;
    let (n_w, n_a) = (shape.n_synapses(), shape.n_activity());
    let max_floats = shape.input().max(shape.output());
    // The Hebbian-attractor options (update every k-th step on activities averaged over M): an
    // activity window of `window_len` floats in RAM; none for the paper's per-step update.
    let plasticity = file.extras().plasticity;
    let window_len = if plasticity.is_plain() { 0 } else { plasticity.buffer_len(&shape) };

    // What the network needs on the chip (a shared-rule index is part of the rule file, in flash).
    let flash = CODE_BYTES + bytes.len();
    let ram = 4 * (n_w + n_a + shape.input() + window_len)
        + wire::max_encoded(max_floats) * 2
        + wire::max_raw(max_floats)
        + STACK_BYTES;
    if flash > flash_bytes || ram > ram_bytes {
        fail(format!(
            "HEBB_RULE: the {shape} network of {} does not fit the {chip}: it needs {} KiB flash and {} KiB RAM, the chip has {} KiB flash and {} KiB RAM (memory/{map})",
            rule.display(),
            flash.div_ceil(1024),
            ram.div_ceil(1024),
            flash_bytes / 1024,
            ram_bytes / 1024
        ));
    }

    let sizes: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    let generated = format!(
        "// Generated by build.rs from the header of {rule} — do not edit.\n\
         /// Layer sizes of the rule file's network ({shape}).\n\
         pub const SIZES: [usize; {len}] = [{sizes}];\n\
         /// Observation length.\n\
         pub const IN: usize = {input};\n\
         /// Number of synapses (= weights).\n\
         pub const N_SYNAPSES: usize = {n_w};\n\
         /// The network: weights and activity in fixed-size arrays.\n\
         pub type Net = hebb_core::FixedNetwork<{n_w}, {n_a}>;\n\
         /// Encoded length of the largest message of the link.\n\
         pub const MAX_ENCODED: usize = hebb_core::wire::max_encoded({max_floats});\n\
         /// Decoded length of the largest message of the link.\n\
         pub const MAX_RAW: usize = hebb_core::wire::max_raw({max_floats});\n\
         /// The rule's plasticity: Hebbian update every `every`-th step on the activities\n\
         /// averaged over the last `window` steps (`every = window = 1`: the paper's update).\n\
         pub const PLASTICITY: hebb_core::Plasticity = hebb_core::Plasticity {{ every: {every}, window: {window} }};\n\
         /// Floats of the activity window (`Plasticity::buffer_len`); 0 for the paper's update.\n\
         pub const WINDOW_LEN: usize = {window_len};\n",
        rule = rule.display(),
        len = sizes.len(),
        sizes = sizes.join(", "),
        input = shape.input(),
        every = plasticity.every,
        window = plasticity.window,
    );
    write_if_changed(&out.join("shape.rs"), generated.as_bytes());
    write_if_changed(&out.join("rule.hebb"), &bytes);
}

fn write_if_changed(path: &std::path::Path, bytes: &[u8]) {
    if std::fs::read(path).ok().as_deref() != Some(bytes) {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).expect("write to OUT_DIR");
        std::fs::rename(&tmp, path).expect("rename in OUT_DIR");
    }
}
