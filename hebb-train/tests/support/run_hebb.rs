//! Runs the `hebb` binary this crate builds, for the integration tests that drive the CLI.

use std::path::Path;
use std::process::Command;

/// Runs `hebb ARGS` in `cwd`: (succeeded, stdout, stderr).
pub fn hebb(args: &[&str], cwd: &Path) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hebb")).args(args).current_dir(cwd).output().unwrap();
    (o.status.success(), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}
