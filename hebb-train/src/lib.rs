//! # hebb-train
//!
//! Everything that runs on a desktop: the evolution strategy ([`es`]), the environments
//! ([`env`](mod@env)), episodes and evaluation, run directories with checkpoints, logs and plots
//! ([`run`], [`plot`]), rule-file export ([`export`]) and the `hebb` command-line tool.
#![deny(missing_docs)]

pub mod env;
pub mod episode;
pub mod error;
pub mod es;
pub mod eval;
pub mod export;
pub mod fsio;
pub mod hil;
pub mod hil_transport;
pub mod merge;
pub mod plot;
pub mod policy;
pub mod rule_io;
pub mod run;
pub mod setup;
pub mod signal;
pub mod train;
pub mod video;

pub use error::{Error, Result};
pub use setup::{Setup, TrainConfig};
