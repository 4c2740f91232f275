//! # hebb-core
//!
//! The plastic-network runtime of hebb: everything that runs on a robot. `#![no_std]`, no
//! heap, fixed sizes through const generics.
//!
//! * [`RuleKind`] — the nine per-synapse learning rules of the family (SPEC §3).
//! * [`Network`] — a three-layer `I → H1 → H2 → O` plastic network; [`AntNet`] and
//!   [`CarHead`] are the paper's two presets. [`Network::step`] is the forward pass plus the
//!   Hebbian update; the coefficients are borrowed through a [`RuleTable`].
//! * [`activation`] — `tanh`/`sigmoid` that give the same bits on every target.
//! * [`Kernel`] — portable, AVX2 and Cortex-M4F (VFP assembly) inner loops, bit-identical to
//!   each other.
//! * [`cnn`] — the car's fixed convolutional front end.
//! * [`interchange`] — conversion to and from the reference's coefficient layout.
//! * [`rulefile`] — the versioned, CRC-protected rule-file format and its heap-free decoder.
//!
//! ```
//! use hebb_core::{AntNet, Config, RuleKind, RuleTable, WeightInit};
//! use rand_core::SeedableRng;
//!
//! let rule = RuleKind::ABCDLr;
//! let coeffs = vec![0.01f32; hebb_core::n_coefficients(rule, AntNet::SIZES)];
//! let table = RuleTable::new(rule, AntNet::SIZES, &coeffs)?;
//! let mut net = Box::new(AntNet::new(Config::ANT.with_best_kernel()));
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
//! net.reset_weights(WeightInit::Uniform, &mut rng)?;
//! let action = net.step(&table, &[0.1; 28])?;
//! assert!(action.iter().all(|a| a.abs() <= 1.0));
//! # Ok::<(), hebb_core::Error>(())
//! ```
#![no_std]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

pub mod activation;
pub mod cnn;
mod error;
pub mod frame;
pub mod init;
pub mod interchange;
mod kernel;
mod network;
mod rule;
pub mod rulefile;
mod shape;
mod table;

pub use activation::Activation;
pub use error::{Error, Result};
pub use init::WeightInit;
pub use kernel::Kernel;
pub use network::{AntNet, CarHead, Config, FixedNetwork, Network, NetworkMut};
pub use rule::RuleKind;
pub use shape::{IntoShape, MAX_LAYER_SIZE, MAX_LAYERS, Shape, n_coefficients, n_synapses};
pub use table::{CoeffLayout, Coefficients, RuleTable, widen_f16};
