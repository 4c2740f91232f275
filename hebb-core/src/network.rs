//! The plastic network: any depth (1 to [`MAX_LAYERS`](crate::MAX_LAYERS) plastic layers),
//! any layer sizes, one step implementation over whatever holds its buffers.
//!
//! [`Network<W, A>`] keeps its weights in `W` and its activity in `A`, both anything that
//! derefs to `[f32]`:
//!
//! * [`FixedNetwork<NW, NA>`] — `[f32; NW]` and `[f32; NA]` arrays: no heap, sizes fixed at
//!   compile time, can live in a `static` (what the firmware runs; [`AntNet`] and [`CarHead`]
//!   are the paper's two);
//! * [`NetworkMut<'a>`] — `&mut [f32]` buffers the caller provides (an arena, a `static mut`);
//! * `Network<Vec<f32>, Vec<f32>>` — for a caller with a heap (the trainer).
//!
//! All of them run the same [`Network::step`].

use core::mem::MaybeUninit;

use rand_core::Rng;

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::{self, WeightInit};
use crate::kernel::{self, Kernel, LayerIo};
use crate::shape::{IntoShape, Shape, n_synapses};
use crate::table::{CoeffLayout, Coefficients, RuleTable};
use crate::window::ActivityWindow;

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
    /// The quadruped's network: `tanh` output, no normalisation. On [`Kernel::Portable`] (a
    /// `const` cannot detect the CPU): call [`Config::with_best_kernel`] for the fastest kernel
    /// — AVX2 on x86_64, [`Kernel::Vfp`] on a Cortex-M4F (≈ 2.3× faster there), same bits.
    pub const ANT: Config = Config { output: Activation::Tanh, normalize: false, kernel: Kernel::Portable };
    /// The car's Hebbian head: raw output, per-layer normalisation. On [`Kernel::Portable`], as
    /// [`Config::ANT`].
    pub const CAR: Config =
        Config { output: Activation::Identity, normalize: true, kernel: Kernel::Portable };

    /// This configuration with the fastest kernel the CPU supports.
    pub fn with_best_kernel(self) -> Config {
        Config { kernel: Kernel::best(), ..self }
    }
}

/// A plastic network `sizes[0] → sizes[1] → … → sizes[L]`, no biases, `tanh` on hidden layers.
///
/// Weights (`W`, [`n_synapses`](Shape::n_synapses) floats: the layers' `[n_out][n_in]` matrices
/// concatenated, which is also the interchange layout) and activity (`A`,
/// [`n_activity`](Shape::n_activity) floats: every layer's output, in order) are owned by the
/// storage types; coefficients are borrowed per step through a [`RuleTable`].
#[derive(Clone)]
pub struct Network<W, A> {
    w: W,
    act: A,
    shape: Shape,
    config: Config,
}

/// A network in fixed-size arrays: no heap, can live in a `static`. `NW` must be the shape's
/// synapse count and `NA` its activity count (checked on construction).
pub type FixedNetwork<const NW: usize, const NA: usize> = Network<[f32; NW], [f32; NA]>;

/// A network on buffers the caller provides.
pub type NetworkMut<'a> = Network<&'a mut [f32], &'a mut [f32]>;

/// The quadruped network of the paper: 28 → 128 → 64 → 8 (12,288 synapses).
pub type AntNet = FixedNetwork<{ n_synapses(&ANT_SIZES) }, { 128 + 64 + 8 }>;
/// The car's Hebbian head: 648 → 128 → 64 → 3 (91,328 synapses).
pub type CarHead = FixedNetwork<{ n_synapses(&CAR_SIZES) }, { 128 + 64 + 3 }>;

const ANT_SIZES: [usize; 4] = [28, 128, 64, 8];
const CAR_SIZES: [usize; 4] = [648, 128, 64, 3];

/// The checked shape of constant sizes (a compile-time error if they are not a valid shape).
const fn const_shape(sizes: &[usize]) -> Shape {
    match Shape::new(sizes) {
        Ok(s) => s,
        Err(_) => panic!("invalid constant network shape"),
    }
}

impl AntNet {
    /// `[28, 128, 64, 8]`.
    pub const SIZES: [usize; 4] = ANT_SIZES;
    /// The shape, 28-128-64-8.
    pub const SHAPE: Shape = const_shape(&ANT_SIZES);
    /// Number of synapses (= number of weights).
    pub const N_SYNAPSES: usize = n_synapses(&ANT_SIZES);

    /// The network with all weights zero.
    pub const fn new(config: Config) -> Self {
        match Self::fixed(&ANT_SIZES, config) {
            Ok(n) => n,
            Err(_) => panic!("AntNet sizes"), // evaluated at compile time for the consts above
        }
    }
}

impl CarHead {
    /// `[648, 128, 64, 3]`.
    pub const SIZES: [usize; 4] = CAR_SIZES;
    /// The shape, 648-128-64-3.
    pub const SHAPE: Shape = const_shape(&CAR_SIZES);
    /// Number of synapses (= number of weights).
    pub const N_SYNAPSES: usize = n_synapses(&CAR_SIZES);

    /// The network with all weights zero (370 KB of weights: on the desktop, prefer
    /// [`init_in_place`](Network::init_in_place) in a `Box::new_uninit()`).
    pub const fn new(config: Config) -> Self {
        match Self::fixed(&CAR_SIZES, config) {
            Ok(n) => n,
            Err(_) => panic!("CarHead sizes"),
        }
    }
}

impl<const NW: usize, const NA: usize> FixedNetwork<NW, NA> {
    /// A fixed-size network with all weights zero, for these layer sizes; `const`, so it can
    /// initialise a `static`. Fails if `NW`/`NA` are not the shape's synapse and activity
    /// counts.
    pub const fn fixed(sizes: &[usize], config: Config) -> Result<Self> {
        let shape = match Shape::new(sizes) {
            Ok(s) => s,
            Err(e) => return Err(e),
        };
        if shape.n_synapses() != NW {
            return Err(Error::Length {
                what: "fixed network weights",
                expected: shape.n_synapses(),
                got: NW,
            });
        }
        if shape.n_activity() != NA {
            return Err(Error::Length {
                what: "fixed network activity",
                expected: shape.n_activity(),
                got: NA,
            });
        }
        Ok(Network { w: [0.0; NW], act: [0.0; NA], shape, config })
    }

    /// Initialises a fixed-size network in place (all weights zero), for networks too large to
    /// build on the stack (the car head's weights take 370 KB), e.g. in a `Box::new_uninit()`
    /// or a `static MaybeUninit`.
    pub fn init_in_place(
        slot: &mut MaybeUninit<Self>,
        sizes: impl IntoShape,
        config: Config,
    ) -> Result<&mut Self> {
        let shape = sizes.into_shape()?;
        check_len("fixed network weights", shape.n_synapses(), NW)?;
        check_len("fixed network activity", shape.n_activity(), NA)?;
        let p = slot.as_mut_ptr();
        // SAFETY: every field is written before the reference is created: the f32 arrays are
        // plain data for which all-zero bytes are 0.0 (written with `write_bytes`), and `shape`
        // and `config` are written with `write`.
        unsafe {
            core::ptr::addr_of_mut!((*p).w).write_bytes(0, 1);
            core::ptr::addr_of_mut!((*p).act).write_bytes(0, 1);
            core::ptr::addr_of_mut!((*p).shape).write(shape);
            core::ptr::addr_of_mut!((*p).config).write(config);
            Ok(slot.assume_init_mut())
        }
    }
}

impl<'a> NetworkMut<'a> {
    /// A network on caller buffers: `weights` of [`n_synapses`](Shape::n_synapses) floats and
    /// `activity` of [`n_activity`](Shape::n_activity) floats (their contents are kept: set
    /// the weights with [`set_weights`](Network::set_weights) or a `reset_*` method).
    pub fn on_buffers(
        sizes: impl IntoShape,
        config: Config,
        weights: &'a mut [f32],
        activity: &'a mut [f32],
    ) -> Result<Self> {
        Network::from_parts(sizes, config, weights, activity)
    }
}

/// A network on `Vec` storage (feature `alloc`).
#[cfg(feature = "alloc")]
pub type HeapNetwork = Network<alloc::vec::Vec<f32>, alloc::vec::Vec<f32>>;

#[cfg(feature = "alloc")]
impl HeapNetwork {
    /// A heap-backed network of these sizes, all weights zero.
    pub fn with_shape(sizes: impl IntoShape, config: Config) -> Result<Self> {
        let shape = sizes.into_shape()?;
        let (w, a) = (alloc::vec![0.0; shape.n_synapses()], alloc::vec![0.0; shape.n_activity()]);
        Network::from_parts(shape, config, w, a)
    }
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected != got {
        return Err(Error::Length { what, expected, got });
    }
    Ok(())
}

impl<W, A> Network<W, A>
where
    W: AsRef<[f32]> + AsMut<[f32]>,
    A: AsRef<[f32]> + AsMut<[f32]>,
{
    /// A network on any storage (`Vec<f32>`, boxed slices, …) holding exactly the shape's
    /// synapses and activity.
    pub fn from_parts(sizes: impl IntoShape, config: Config, weights: W, activity: A) -> Result<Self> {
        let shape = sizes.into_shape()?;
        check_len("weights", shape.n_synapses(), weights.as_ref().len())?;
        check_len("activity", shape.n_activity(), activity.as_ref().len())?;
        Ok(Network { w: weights, act: activity, shape, config })
    }

    /// The storage back.
    pub fn into_parts(self) -> (W, A) {
        (self.w, self.act)
    }

    /// The layer sizes.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Number of synapses (= number of weights).
    pub fn n_synapses(&self) -> usize {
        self.shape.n_synapses()
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Selects the inner-loop kernel; a kernel the CPU lacks falls back to the portable one.
    pub fn set_kernel(&mut self, kernel: Kernel) {
        self.config.kernel = if kernel.is_supported() { kernel } else { Kernel::Portable };
    }

    /// One control step: forward pass and Hebbian update, layer by layer (for each output row
    /// of a layer its dot product, activation and the update of its weights), then each
    /// layer's optional normalisation. Returns the output layer's activity (the action for
    /// `tanh` outputs; raw outputs otherwise).
    ///
    /// A non-finite observation is rejected with [`Error::NonFiniteObservation`] and leaves the
    /// network unchanged; an observation of the wrong length with [`Error::Length`]; a table
    /// for other sizes with [`Error::ShapeMismatch`].
    ///
    /// With a [`CoeffLayout::PerNeuron`] table the update runs as a pass of its own after the
    /// forward pass (each synapse's coefficients are expanded from its two neurons'); the
    /// per-synapse update of each synapse is the same arithmetic either way.
    pub fn step(&mut self, rules: &RuleTable<'_>, obs: &[f32]) -> Result<&[f32]> {
        if rules.layout() == CoeffLayout::PerSynapse {
            return self.run(Some(rules), obs);
        }
        self.check_table(rules)?;
        self.run(None, obs)?;
        self.update_with(rules, obs, None)?;
        Ok(self.output())
    }

    /// One control step with the Hebbian-attractor options of `window`
    /// ([`Plasticity`](crate::Plasticity)): the forward pass every step; the activities recorded in the window;
    /// and every [`every`](crate::Plasticity::every)-th step (the first step included) the Hebbian
    /// update of all layers with the activities averaged over the window's last
    /// [`window`](crate::Plasticity::window) steps, then each layer's optional normalisation.
    ///
    /// With `every = window = 1` this is exactly [`step`](Self::step), bit for bit. Reset the
    /// window ([`ActivityWindow::reset`]) whenever the weights are reset.
    pub fn step_windowed<B>(
        &mut self,
        rules: &RuleTable<'_>,
        obs: &[f32],
        window: &mut ActivityWindow<B>,
    ) -> Result<&[f32]>
    where
        B: AsRef<[f32]> + AsMut<[f32]>,
    {
        window.check_shape(&self.shape)?;
        if window.plasticity().is_plain() {
            window.tick();
            return self.step(rules, obs);
        }
        self.check_table(rules)?;
        self.run(None, obs)?;
        let due = window.record(obs, self.act.as_ref());
        if due {
            let (input, act) = window.mean(self.shape.input());
            self.update_with(rules, input, Some(act))?;
        }
        Ok(self.output())
    }

    fn check_table(&self, rules: &RuleTable<'_>) -> Result<()> {
        if rules.shape() != &self.shape {
            return Err(Error::ShapeMismatch { expected: self.shape.into(), got: (*rules.shape()).into() });
        }
        Ok(())
    }

    /// The update-only pass over all layers, with `input` as layer 0's presynaptic activity
    /// and `act` (default: the network's own activity) as every layer's output.
    fn update_with(&mut self, rules: &RuleTable<'_>, input: &[f32], act: Option<&[f32]>) -> Result<()> {
        let Network { w, act: own, shape, config } = self;
        let act: &[f32] = act.unwrap_or(own.as_ref());
        let broken = Error::Length { what: "layer buffers", expected: shape.n_synapses(), got: 0 };
        let mut w: &mut [f32] = w.as_mut();
        let mut done: usize = 0;
        for (l, io) in shape.windows(2).enumerate() {
            let &[n_in, n_out] = io else { return Err(broken) };
            let Some((wl, rest)) = w.split_at_mut_checked(n_in * n_out) else { return Err(broken) };
            w = rest;
            let pre =
                if l == 0 { Some(input) } else { done.checked_sub(n_in).and_then(|s| act.get(s..done)) };
            let (Some(pre), Some(post)) = (pre, act.get(done..done + n_out)) else { return Err(broken) };
            let c = rules.layer_coeffs(l);
            if !kernel::layer_update(config.kernel, rules.rule(), config.normalize, wl, c, pre, post) {
                return Err(broken);
            }
            done += n_out;
        }
        Ok(())
    }

    /// Forward pass only, weights fixed (the static-weight baseline).
    pub fn forward(&mut self, obs: &[f32]) -> Result<&[f32]> {
        self.run(None, obs)
    }

    fn run(&mut self, rules: Option<&RuleTable<'_>>, obs: &[f32]) -> Result<&[f32]> {
        let shape = &self.shape;
        check_len("observation", shape.input(), obs.len())?;
        if let Some(index) = obs.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFiniteObservation { index });
        }
        if let Some(t) = rules
            && t.shape() != shape
        {
            return Err(Error::ShapeMismatch { expected: (*shape).into(), got: (*t.shape()).into() });
        }
        let rule = rules.map(|t| t.rule());
        let Config { output, normalize, kernel } = self.config;
        // Unreachable for a network built through its constructors and a validated table;
        // reported rather than panicking.
        let broken = Error::Length { what: "layer buffers", expected: shape.n_synapses(), got: 0 };
        let mut w: &mut [f32] = self.w.as_mut();
        let act: &mut [f32] = self.act.as_mut();
        // Layer `l` reads the previous layer's output (or the observation) and writes its own;
        // `done` is the activity of the layers before it.
        let mut done = 0;
        let depth = shape.depth();
        for (l, io) in shape.windows(2).enumerate() {
            let &[n_in, n_out] = io else { return Err(broken) };
            let Some((wl, rest)) = w.split_at_mut_checked(n_in * n_out) else { return Err(broken) };
            w = rest;
            let Some((before, after)) = act.split_at_mut_checked(done) else { return Err(broken) };
            let pre: &[f32] = if l == 0 {
                obs
            } else {
                match before.get(done.wrapping_sub(n_in)..) {
                    Some(p) => p,
                    None => return Err(broken),
                }
            };
            let Some(post) = after.get_mut(..n_out) else { return Err(broken) };
            let c = rules.map_or(Coefficients::F32(&[]), |t| t.layer(l));
            let a = if l + 1 == depth { output } else { Activation::Tanh };
            if !kernel::layer_step(kernel, LayerIo { w: wl, c, pre, post }, a, rule, normalize) {
                return Err(broken);
            }
            done += n_out;
        }
        Ok(self.output())
    }

    /// Draws fresh initial weights (`Uniform` or `Normal`) and clears the activations. For
    /// `Coevolve` use [`set_weights`](Self::set_weights): it is rejected here.
    pub fn reset_weights<R: Rng + ?Sized>(&mut self, init: WeightInit, rng: &mut R) -> Result<()> {
        // Layer by layer, each `[n_out][n_in]` in order: one pass over all weights.
        let w = self.w.as_mut();
        match init {
            WeightInit::Uniform => {
                init::fill_uniform(rng, -init::UNIFORM_HALF_WIDTH, init::UNIFORM_HALF_WIDTH, w)
            }
            WeightInit::Normal => init::fill_normal(rng, init::NORMAL_STD, w),
            WeightInit::Coevolve => {
                return Err(Error::InvalidField("init: coevolved weights must be supplied"));
            }
        }
        self.clear_activity();
        Ok(())
    }

    /// Sets all weights from the interchange layout (layers concatenated, each `[n_out][n_in]`
    /// row-major — also the in-memory layout) and clears the activations.
    pub fn set_weights(&mut self, w: &[f32]) -> Result<()> {
        let dst = self.w.as_mut();
        check_len("weights", dst.len(), w.len())?;
        dst.copy_from_slice(w);
        self.clear_activity();
        Ok(())
    }

    /// Copies all weights out in the interchange layout.
    pub fn export_weights(&self, out: &mut [f32]) -> Result<()> {
        let src = self.w.as_ref();
        check_len("weights", src.len(), out.len())?;
        out.copy_from_slice(src);
        Ok(())
    }

    /// All weights, layers concatenated, each `[n_out][n_in]` row-major.
    pub fn weights(&self) -> &[f32] {
        self.w.as_ref()
    }

    /// All weights, mutable.
    pub fn weights_mut(&mut self) -> &mut [f32] {
        self.w.as_mut()
    }

    /// The weight matrix of plastic layer `l` (`[n_out][n_in]`), or `None` past the last.
    pub fn layer_weights(&self, l: usize) -> Option<&[f32]> {
        let (start, len) = self.span(l)?;
        self.w.as_ref().get(start..start + len)
    }

    /// The output of plastic layer `l` after the last step (the last one is the output).
    pub fn activity(&self, l: usize) -> Option<&[f32]> {
        if l >= self.shape.depth() {
            return None;
        }
        let start: usize = self.shape.get(1..=l)?.iter().sum();
        self.act.as_ref().get(start..start + *self.shape.get(l + 1)?)
    }

    /// Activity of the first hidden layer after the last step.
    pub fn hidden1(&self) -> &[f32] {
        self.activity(0).unwrap_or(&[])
    }

    /// Output of the last step.
    pub fn output(&self) -> &[f32] {
        let act = self.act.as_ref();
        act.get(act.len().saturating_sub(self.shape.output())..).unwrap_or(&[])
    }

    fn span(&self, l: usize) -> Option<(usize, usize)> {
        if l >= self.shape.depth() {
            return None;
        }
        Some(crate::shape::layer_span(&self.shape, l, 1))
    }

    fn clear_activity(&mut self) {
        self.act.as_mut().fill(0.0);
    }
}
