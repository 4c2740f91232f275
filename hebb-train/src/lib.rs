//! # hebb-train
//!
//! Everything that runs on a desktop: the evolution strategy, the environments, run
//! directories with checkpoints, logs and plots, and the `hebb` command-line tool.
#![deny(missing_docs)]

pub mod env;
pub mod error;

pub use error::{Error, Result};
