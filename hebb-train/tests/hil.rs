//! Hardware in the loop, end to end: `hebb hil` builds the firmware with the shipped rule,
//! boots it in QEMU, lets it drive the simulated quadruped over the emulated UART, and checks
//! the robot moves exactly as in the desktop-only run (every action bit-identical).

use std::process::Command;

#[path = "support/firmware_tools.rs"]
mod firmware_tools;

#[test]
fn short_hil_episode_matches_desktop() {
    if !firmware_tools::require("hil") {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_hebb"))
        .args(["hil", "--steps", "80", "--seed", "3", "--morphology", "damaged-left"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hebb hil failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("every action identical, bit for bit"), "{stdout}");
    // Both runs report the same distance.
    let moved: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split("x moved ").nth(1))
        .map(|r| r.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(moved.len(), 2, "{stdout}");
    assert_eq!(moved[0], moved[1], "{stdout}");
}
