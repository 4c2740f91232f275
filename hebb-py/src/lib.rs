//! # hebb-py
//!
//! The `hebb` Python package (built with maturin, `--features python`): hebb's environments as
//! Gymnasium environments, the plastic network, the evolution strategy and training on any
//! Gymnasium environment. The Python-free parts live here as plain Rust, so `cargo test`,
//! clippy and rustdoc cover them without a Python interpreter:
//!
//! * [`agent`] — a run's controller stepped one observation at a time by a caller that owns the
//!   environment, giving the trainer's own bits;
//! * [`vecenv`] — `n` built-in environments stepped together across threads;
//! * [`train`] — the trainer's loop with the population evaluated by a callback.
#![deny(missing_docs)]

pub mod agent;
pub mod train;
pub mod vecenv;

#[cfg(feature = "python")]
mod py;
