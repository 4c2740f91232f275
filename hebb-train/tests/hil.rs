//! Hardware in the loop, end to end: `hebb hil` builds the firmware with the shipped rule,
//! boots it in QEMU, lets it drive the simulated quadruped over the emulated UART, and checks
//! the robot moves exactly as in the desktop-only run (every action bit-identical).

use std::process::Command;

#[test]
fn short_hil_episode_matches_desktop() {
    let qemu = Command::new("qemu-system-arm").arg("--version").output().is_ok_and(|o| o.status.success());
    if !qemu {
        if std::env::var("HEBB_SKIP_QEMU").as_deref() == Ok("1") {
            eprintln!("SKIPPED hil: qemu-system-arm not found and HEBB_SKIP_QEMU=1");
            return;
        }
        panic!("qemu-system-arm not found: apt-get install -y qemu-system-arm (or HEBB_SKIP_QEMU=1 to skip)");
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
