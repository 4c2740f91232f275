//! The three-layer plastic network, sized by const generics.

use core::mem::MaybeUninit;

use rand_core::Rng;

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::{self, WeightInit};
use crate::kernel::{self, Kernel, LayerIo};
use crate::rule::RuleKind;
use crate::table::{Coefficients, RuleTable, Sizes};

/// How a network computes, apart from its sizes and its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Config {
    /// Activation of the output layer (hidden layers are always `tanh`). The Hebbian update of
    /// the last layer sees the output *after* this activation.
    pub output: Activation,
    /// Divide each layer's weights by its max |w| after every Hebbian update (every
    /// environment of the paper except the quadruped).
    pub normalize: bool,
    /// Inner-loop implementation. All kernels give bit-identical results.
    pub kernel: Kernel,
}

impl Config {
    /// The quadruped's network: `tanh` output, no normalisation.
    pub const ANT: Config = Config { output: Activation::Tanh, normalize: false, kernel: Kernel::Portable };
    /// The car's Hebbian head: raw output, per-layer normalisation.
    pub const CAR: Config =
        Config { output: Activation::Identity, normalize: true, kernel: Kernel::Portable };

    /// This configuration with the fastest kernel the CPU supports.
    pub fn with_best_kernel(self) -> Config {
        Config { kernel: Kernel::best(), ..self }
    }
}

/// A plastic network `I → H1 → H2 → O`, no biases, `tanh` on hidden layers.
///
/// Weights and activations are owned (fixed-size arrays, no heap: a network can live in a
/// `static`); coefficients are borrowed per step through a [`RuleTable`].
#[derive(Clone)]
pub struct Network<const I: usize, const H1: usize, const H2: usize, const O: usize> {
    w1: [[f32; I]; H1],
    w2: [[f32; H1]; H2],
    w3: [[f32; H2]; O],
    h1: [f32; H1],
    h2: [f32; H2],
    out: [f32; O],
    config: Config,
}

/// The quadruped network of the paper: 28 → 128 → 64 → 8 (12,288 synapses).
pub type AntNet = Network<28, 128, 64, 8>;
/// The car's Hebbian head: 648 → 128 → 64 → 3 (91,328 synapses).
pub type CarHead = Network<648, 128, 64, 3>;

impl<const I: usize, const H1: usize, const H2: usize, const O: usize> Network<I, H1, H2, O> {
    /// `[I, H1, H2, O]`.
    pub const SIZES: Sizes = [I, H1, H2, O];
    /// Number of synapses (= number of weights).
    pub const N_SYNAPSES: usize = I * H1 + H1 * H2 + H2 * O;

    /// A network with all weights zero. Call one of the `reset_*` methods before an episode.
    pub const fn new(config: Config) -> Self {
        const { assert!(I > 0 && H1 > 0 && H2 > 0 && O > 0, "layer sizes must be non-zero") };
        Network {
            w1: [[0.0; I]; H1],
            w2: [[0.0; H1]; H2],
            w3: [[0.0; H2]; O],
            h1: [0.0; H1],
            h2: [0.0; H2],
            out: [0.0; O],
            config,
        }
    }

    /// Initialises a network in place (all weights zero), for networks too large to build on
    /// the stack (the car head's weights take 370 KB), e.g. in a `Box::new_uninit()`.
    pub fn init_in_place(slot: &mut MaybeUninit<Self>, config: Config) -> &mut Self {
        const { assert!(I > 0 && H1 > 0 && H2 > 0 && O > 0, "layer sizes must be non-zero") };
        let p = slot.as_mut_ptr();
        // SAFETY: every field is written before the reference is created: the f32 arrays are
        // plain data for which all-zero bytes are 0.0, and `config` is written with `write`.
        unsafe {
            core::ptr::write_bytes(p as *mut u8, 0, core::mem::size_of::<Self>());
            core::ptr::addr_of_mut!((*p).config).write(config);
            slot.assume_init_mut()
        }
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Selects the inner-loop kernel; a kernel the CPU lacks falls back to the portable one.
    pub fn set_kernel(&mut self, kernel: Kernel) {
        self.config.kernel = if kernel.is_supported() { kernel } else { Kernel::Portable };
    }

    /// One control step: forward pass and Hebbian update (in the order of docs/method.md, Rules), then the
    /// optional normalisation. Returns the output layer's activity (the action for `tanh`
    /// outputs; raw outputs otherwise).
    ///
    /// A non-finite observation is rejected with [`Error::NonFiniteObservation`] and leaves the
    /// network unchanged; a table for other sizes is rejected with [`Error::ShapeMismatch`].
    pub fn step(&mut self, rules: &RuleTable<'_>, obs: &[f32; I]) -> Result<&[f32; O]> {
        self.run(Some(rules), obs)
    }

    /// Forward pass only, weights fixed (the static-weight baseline).
    pub fn forward(&mut self, obs: &[f32; I]) -> Result<&[f32; O]> {
        self.run(None, obs)
    }

    fn run(&mut self, rules: Option<&RuleTable<'_>>, obs: &[f32; I]) -> Result<&[f32; O]> {
        if let Some(index) = obs.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFiniteObservation { index });
        }
        if let Some(t) = rules
            && t.sizes() != Self::SIZES
        {
            return Err(shape_mismatch(Self::SIZES, t.sizes()));
        }
        let rule: Option<RuleKind> = rules.map(|t| t.rule());
        let c = |l: usize| rules.map_or(Coefficients::F32(&[]), |t| t.layer(l));
        let Config { output, normalize, kernel } = self.config;
        let ok = kernel::layer_step(
            kernel,
            LayerIo { w: self.w1.as_flattened_mut(), c: c(0), pre: obs, post: &mut self.h1 },
            Activation::Tanh,
            rule,
            normalize,
        ) && kernel::layer_step(
            kernel,
            LayerIo { w: self.w2.as_flattened_mut(), c: c(1), pre: &self.h1, post: &mut self.h2 },
            Activation::Tanh,
            rule,
            normalize,
        ) && kernel::layer_step(
            kernel,
            LayerIo { w: self.w3.as_flattened_mut(), c: c(2), pre: &self.h2, post: &mut self.out },
            output,
            rule,
            normalize,
        );
        if !ok {
            // Unreachable for a validated table; reported rather than panicking.
            return Err(Error::Length { what: "layer buffers", expected: Self::N_SYNAPSES, got: 0 });
        }
        Ok(&self.out)
    }

    /// Draws fresh initial weights (`Uniform` or `Normal`) and clears the activations. For
    /// `Coevolve` use [`set_weights`](Self::set_weights): it is rejected here.
    pub fn reset_weights<R: Rng + ?Sized>(&mut self, init: WeightInit, rng: &mut R) -> Result<()> {
        for w in self.weights_mut() {
            match init {
                WeightInit::Uniform => {
                    init::fill_uniform(rng, -init::UNIFORM_HALF_WIDTH, init::UNIFORM_HALF_WIDTH, w)
                }
                WeightInit::Normal => init::fill_normal(rng, init::NORMAL_STD, w),
                WeightInit::Coevolve => {
                    return Err(Error::InvalidField("init: coevolved weights must be supplied"));
                }
            }
        }
        self.clear_activity();
        Ok(())
    }

    /// Sets all weights from the interchange layout (layers concatenated, each `[n_out][n_in]`
    /// row-major — also the in-memory layout) and clears the activations.
    pub fn set_weights(&mut self, w: &[f32]) -> Result<()> {
        if w.len() != Self::N_SYNAPSES {
            return Err(Error::Length { what: "weights", expected: Self::N_SYNAPSES, got: w.len() });
        }
        let mut rest = w;
        for dst in self.weights_mut() {
            let (head, tail) = rest.split_at(dst.len());
            dst.copy_from_slice(head);
            rest = tail;
        }
        self.clear_activity();
        Ok(())
    }

    /// Copies all weights out in the interchange layout.
    pub fn export_weights(&self, out: &mut [f32]) -> Result<()> {
        if out.len() != Self::N_SYNAPSES {
            return Err(Error::Length { what: "weights", expected: Self::N_SYNAPSES, got: out.len() });
        }
        let mut rest = out;
        for src in self.weights() {
            let (head, tail) = rest.split_at_mut(src.len());
            head.copy_from_slice(src);
            rest = tail;
        }
        Ok(())
    }

    /// The three weight matrices, flattened `[n_out][n_in]`.
    pub fn weights(&self) -> [&[f32]; 3] {
        [self.w1.as_flattened(), self.w2.as_flattened(), self.w3.as_flattened()]
    }

    /// The three weight matrices, flattened and mutable.
    pub fn weights_mut(&mut self) -> [&mut [f32]; 3] {
        [self.w1.as_flattened_mut(), self.w2.as_flattened_mut(), self.w3.as_flattened_mut()]
    }

    /// Activity of the first hidden layer after the last step.
    pub fn hidden1(&self) -> &[f32; H1] {
        &self.h1
    }

    /// Activity of the second hidden layer after the last step.
    pub fn hidden2(&self) -> &[f32; H2] {
        &self.h2
    }

    /// Output of the last step.
    pub fn output(&self) -> &[f32; O] {
        &self.out
    }

    fn clear_activity(&mut self) {
        self.h1 = [0.0; H1];
        self.h2 = [0.0; H2];
        self.out = [0.0; O];
    }
}

pub(crate) fn shape_mismatch(expected: Sizes, got: Sizes) -> Error {
    let c = |s: Sizes| s.map(|v| u32::try_from(v).unwrap_or(u32::MAX));
    Error::ShapeMismatch { expected: c(expected), got: c(got) }
}
