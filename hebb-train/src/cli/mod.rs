//! The subcommands of `hebb`, one module each: its options and what it does.

pub mod envs;
pub mod eval;
pub mod export;
pub mod hil;
pub mod inspect;
pub mod plot;
pub mod render;
pub mod train;
