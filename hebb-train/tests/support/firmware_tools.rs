//! What the firmware tests need on the host: `qemu-system-arm` and the `thumbv7em-none-eabihf`
//! Rust target. Shared (by `#[path]`) between `hebb-train/tests/hil.rs` and
//! `tests/tests/firmware.rs`.
//!
//! [`require`] installs what is missing where it can: the target with `rustup target add`, QEMU
//! with `apt-get` when running as root on a Debian-like system (under a file lock, so test
//! binaries running at the same time do not race). Where it cannot, the test is skipped with a
//! loud message saying how to install the tool — unless `HEBB_REQUIRE_FIRMWARE_TOOLS=1` (set by
//! CI), which turns every skip into a failure. `HEBB_SKIP_QEMU=1` skips without trying to
//! install anything (also refused under `HEBB_REQUIRE_FIRMWARE_TOOLS=1`).

use std::process::{Command, Stdio};

const TARGET: &str = "thumbv7em-none-eabihf";
const HOW_QEMU: &str = "install QEMU's ARM system emulator: `apt-get install -y qemu-system-arm` \
     (Debian/Ubuntu, as root), `dnf install qemu-system-arm` (Fedora), `brew install qemu` (macOS)";

fn env_is(name: &str) -> bool {
    std::env::var(name).as_deref() == Ok("1")
}

fn qemu_available() -> bool {
    Command::new("qemu-system-arm").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn target_installed() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == TARGET))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `cmd` with its output on the test's stderr; `Err` with a description when it fails.
fn run(cmd: &mut Command) -> Result<(), String> {
    let what = format!("{cmd:?}");
    match cmd.stdout(Stdio::null()).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{what} exited with {s}")),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// `apt-get install qemu-system-arm`, serialised across processes by a lock file.
fn install_qemu() -> Result<(), String> {
    if !cfg!(target_os = "linux") || !is_root() {
        return Err("not running as root on Linux, so it cannot be installed here".into());
    }
    if Command::new("apt-get").arg("--version").output().is_err() {
        return Err("no apt-get on this system".into());
    }
    let lock_path = std::env::temp_dir().join("hebb-install-qemu.lock");
    let lock = std::fs::File::create(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    lock.lock().map_err(|e| format!("locking {}: {e}", lock_path.display()))?;
    // Another test binary may have installed it while this one waited.
    if qemu_available() {
        return Ok(());
    }
    eprintln!("firmware tests: qemu-system-arm not found; installing it with apt-get (as root) …");
    let apt = |args: &[&str]| {
        let mut c = Command::new("apt-get");
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "qemu-system-arm"])?;
    if qemu_available() { Ok(()) } else { Err("apt-get ran but qemu-system-arm is still not found".into()) }
}

fn install_target() -> Result<(), String> {
    eprintln!("firmware tests: Rust target {TARGET} not installed; running `rustup target add {TARGET}` …");
    run(Command::new("rustup").args(["target", "add", TARGET]))
}

/// Makes sure QEMU and the Cortex-M4F target are there (installing them where possible).
/// Returns `false` when the test named `test` must be skipped (it has then said so loudly);
/// panics instead of skipping under `HEBB_REQUIRE_FIRMWARE_TOOLS=1`.
pub fn require(test: &str) -> bool {
    let required = env_is("HEBB_REQUIRE_FIRMWARE_TOOLS");
    let skip = |why: String| -> bool {
        if required {
            panic!("{test}: {why} (HEBB_REQUIRE_FIRMWARE_TOOLS=1: the firmware tools are required)");
        }
        let bar = "=".repeat(78);
        eprintln!("\n{bar}\nSKIPPED {test}: {why}\n{bar}\n");
        false
    };
    if env_is("HEBB_SKIP_QEMU") {
        return skip("HEBB_SKIP_QEMU=1 is set".into());
    }
    if !qemu_available()
        && let Err(e) = install_qemu()
    {
        return skip(format!("qemu-system-arm is not installed and {e}; to run this test, {HOW_QEMU}"));
    }
    if !target_installed()
        && let Err(e) = install_target()
    {
        return skip(format!(
            "the Rust target {TARGET} is missing and could not be installed ({e}); \
                 install it with `rustup target add {TARGET}`"
        ));
    }
    true
}
