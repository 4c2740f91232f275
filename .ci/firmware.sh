#!/usr/bin/env bash
# Firmware CI: builds hebb-mcu for thumbv7em-none-eabihf (release, with its link-time no-panic
# check), prints its flash/RAM use, and runs the desktop<->firmware bit-parity test under QEMU.
# Needs: qemu-system-arm (apt-get install -y qemu-system-arm) and the target
# (rustup target add thumbv7em-none-eabihf).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v qemu-system-arm >/dev/null; then
    echo "firmware: qemu-system-arm not found; install it with: apt-get install -y qemu-system-arm" >&2
    exit 1
fi

echo "== hebb-mcu: release build (default rule hebb-mcu/rules/ant.hebb, no-panic link check)"
# The firmware has its own target directory and flags: don't inherit the host's.
(cd hebb-mcu && env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo build --release --locked)

elf=hebb-mcu/target/thumbv7em-none-eabihf/release/hebb-mcu
size_tool=""
for t in llvm-size rust-size arm-none-eabi-size; do
    if command -v "$t" >/dev/null; then size_tool=$t; break; fi
done
if [ -n "$size_tool" ]; then
    echo "== flash/RAM ($size_tool; flash = text + data, static RAM = data + bss)"
    "$size_tool" "$elf"
else
    echo "== flash/RAM: no size tool (llvm-size, rust-size or arm-none-eabi-size) found; skipped"
fi

echo "== desktop <-> firmware parity under QEMU"
cargo test -p hebb-tests --test firmware -- --nocapture
