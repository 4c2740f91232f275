//! # hebb-core
//!
//! The plastic-network runtime of hebb: everything that runs on a robot. `#![no_std]`, no
//! heap.
//!
//! * [`RuleKind`] — the nine per-synapse learning rules of the family, each defined once.
//! * [`Network`] — a plastic network of any depth (1 to [`MAX_LAYERS`] plastic layers) and any
//!   layer sizes ([`Shape`]), on fixed-size arrays ([`FixedNetwork`]: no heap, can live in a
//!   `static`; [`AntNet`] and [`CarHead`] are the paper's two), on caller buffers
//!   ([`NetworkMut`]) or, with the `alloc` feature, on `Vec`s (`HeapNetwork`). One
//!   [`Network::step`] for all: the forward pass plus the Hebbian update; the coefficients are
//!   borrowed through a [`RuleTable`].
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
//! let coeffs = vec![0.01f32; hebb_core::n_coefficients(rule, &AntNet::SIZES)];
//! let table = RuleTable::new(rule, AntNet::SIZES, &coeffs)?;
//! let mut net = Box::new(AntNet::new(Config::ANT.with_best_kernel()));
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
//! net.reset_weights(WeightInit::Uniform, &mut rng)?;
//! let action = net.step(&table, &[0.1; 28])?;
//! assert!(action.iter().all(|a| a.abs() <= 1.0));
//!
//! // Any depth, on buffers the caller provides (here four plastic layers).
//! let shape = hebb_core::Shape::new(&[4, 32, 16, 8, 2])?;
//! let (mut w, mut act) = (vec![0.0; shape.n_synapses()], vec![0.0; shape.n_activity()]);
//! let coeffs = vec![0.01f32; shape.n_coefficients(rule)];
//! let table = RuleTable::new(rule, shape, &coeffs)?;
//! let mut net = hebb_core::NetworkMut::on_buffers(shape, Config::ANT, &mut w, &mut act)?;
//! net.reset_weights(WeightInit::Uniform, &mut rng)?;
//! assert_eq!(net.step(&table, &[0.1; 4])?.len(), 2);
//! # Ok::<(), hebb_core::Error>(())
//! ```
#![no_std]
#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod activation;
pub mod cnn;
mod cpu;
mod error;
pub mod init;
pub mod interchange;
mod kernel;
mod network;
mod rule;
pub mod rulefile;
mod shape;
mod table;
mod window;
pub mod wire;

pub use activation::Activation;
pub use error::{Error, Result};
pub use init::WeightInit;
pub use kernel::Kernel;
#[cfg(feature = "alloc")]
pub use network::HeapNetwork;
pub use network::{AntNet, CarHead, Config, FixedNetwork, Network, NetworkMut};
pub use rule::RuleKind;
pub use shape::{IntoShape, Layers, MAX_LAYER_SIZE, MAX_LAYERS, Shape, n_coefficients, n_synapses};
pub use table::{CoeffLayout, Coefficients, MAX_SHARED_RULES, RuleTable, widen_f16};
#[cfg(feature = "alloc")]
pub use window::HeapWindow;
pub use window::{ActivityWindow, Plasticity};
