//! SIGINT and SIGTERM during training (`hebb train`): the first signal asks the training loop to
//! stop — it abandons the generation in progress at the next candidate boundary (or finishes
//! it if the population is already evaluated), writes the checkpoint and log, and returns
//! [`Error::Interrupted`](crate::Error::Interrupted) with the command that resumes; a second
//! signal exits at once (status 128 + the signal number).

use std::sync::atomic::{AtomicI32, Ordering};

static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The signal that asked training to stop, if one has arrived since [`install`].
pub fn requested() -> Option<i32> {
    match RECEIVED.load(Ordering::Relaxed) {
        0 => None,
        s => Some(s),
    }
}

/// The conventional name of a signal number.
pub fn name(signal: i32) -> String {
    match signal {
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        s => format!("signal {s}"),
    }
}

/// Installs the handler for SIGINT and SIGTERM (once per process; later calls do nothing).
#[cfg(unix)]
pub fn install() -> crate::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    let mut result = Ok(());
    INSTALLED.call_once(|| {
        let mut signals = match Signals::new([SIGINT, SIGTERM]) {
            Ok(s) => s,
            Err(e) => {
                result =
                    Err(crate::Error::System { what: "installing the signal handler", msg: e.to_string() });
                return;
            }
        };
        std::thread::spawn(move || {
            for sig in signals.forever() {
                if RECEIVED.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                    eprintln!(
                        "\nhebb: {} received: stopping after the current candidates and writing the \
                         checkpoint (send it again to exit at once)",
                        name(sig)
                    );
                } else {
                    eprintln!("\nhebb: second signal ({}): exiting at once", name(sig));
                    std::process::exit(128 + sig);
                }
            }
        });
    });
    result
}

/// Installs the handler for SIGINT and SIGTERM (a no-op where there are no such signals).
#[cfg(not(unix))]
pub fn install() -> crate::Result<()> {
    Ok(())
}

/// Restores the default action of SIGPIPE, so that writing to a closed pipe
/// (`hebb inspect FILE | head -1`) ends the process quietly as it does other Unix tools,
/// instead of failing the write (Rust ignores SIGPIPE, and `println!` panics on the error).
pub fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_DFL has no memory-safety preconditions;
    // done once at start-up, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
