//! The controller side of an episode: a `hebb-core` network of the sizes an environment needs,
//! behind a size-erased trait, and the mapping from network outputs to actions (docs/method.md, Networks).

use hebb_core::{Activation, Config, Kernel, Network, RuleTable, Sizes};

use crate::env::{Action, Space};
use crate::error::{Error, Result};

/// Hidden layer sizes of every network (docs/method.md, Networks: `obs → 128 → 64 → actions`).
pub const HIDDEN: [usize; 2] = [128, 64];

/// A `hebb-core` [`Network`] with its sizes erased, so one trainer serves every environment.
/// There is no second implementation: every call goes straight to the core's `step`/`forward`.
pub trait PlasticNet: Send {
    /// `[input, hidden 1, hidden 2, output]`.
    fn sizes(&self) -> Sizes;
    /// Forward + Hebbian update; returns the output layer's activity.
    fn step(&mut self, rules: &RuleTable<'_>, obs: &[f32]) -> Result<&[f32]>;
    /// Forward only (static weights).
    fn forward(&mut self, obs: &[f32]) -> Result<&[f32]>;
    /// Sets all weights (interchange layout).
    fn set_weights(&mut self, w: &[f32]) -> Result<()>;
    /// Draws initial weights.
    fn reset_weights(&mut self, init: hebb_core::WeightInit, rng: &mut dyn rand_core::Rng) -> Result<()>;
    /// The three weight matrices.
    fn weights(&self) -> [&[f32]; 3];
}

fn as_array<const N: usize>(obs: &[f32]) -> Result<&[f32; N]> {
    obs.try_into().map_err(|_| {
        Error::Core(hebb_core::Error::Length { what: "observation", expected: N, got: obs.len() })
    })
}

impl<const I: usize, const H1: usize, const H2: usize, const O: usize> PlasticNet for Network<I, H1, H2, O> {
    fn sizes(&self) -> Sizes {
        Self::SIZES
    }
    fn step(&mut self, rules: &RuleTable<'_>, obs: &[f32]) -> Result<&[f32]> {
        Ok(Network::step(self, rules, as_array(obs)?)?)
    }
    fn forward(&mut self, obs: &[f32]) -> Result<&[f32]> {
        Ok(Network::forward(self, as_array(obs)?)?)
    }
    fn set_weights(&mut self, w: &[f32]) -> Result<()> {
        Ok(Network::set_weights(self, w)?)
    }
    fn reset_weights(&mut self, init: hebb_core::WeightInit, rng: &mut dyn rand_core::Rng) -> Result<()> {
        Ok(Network::reset_weights(self, init, rng)?)
    }
    fn weights(&self) -> [&[f32]; 3] {
        Network::weights(self)
    }
}

fn boxed<const I: usize, const O: usize>(config: Config) -> Box<dyn PlasticNet> {
    let mut b = Box::<Network<I, 128, 64, O>>::new_uninit();
    Network::init_in_place(&mut b, config);
    // SAFETY: `init_in_place` initialised every field of the allocation.
    let b: Box<Network<I, 128, 64, O>> = unsafe { b.assume_init() };
    b
}

/// The (observation, action) sizes for which a network is compiled in, with what uses them.
pub const SUPPORTED: &[(usize, usize, &str)] =
    &[(4, 2, "cartpole"), (3, 1, "pendulum"), (28, 8, "quadruped"), (648, 3, "car racing head")];

/// Builds the `n_in → 128 → 64 → n_out` network for an environment. Sizes are fixed at compile
/// time in `hebb-core`; the shapes of the built-in environments are instantiated here.
pub fn make_net(n_in: usize, n_out: usize, config: Config) -> Result<Box<dyn PlasticNet>> {
    Ok(match (n_in, n_out) {
        (4, 2) => boxed::<4, 2>(config),
        (3, 1) => boxed::<3, 1>(config),
        (28, 8) => boxed::<28, 8>(config),
        (648, 3) => boxed::<648, 3>(config),
        _ => {
            return Err(Error::Config(format!(
                "no network compiled for {n_in} observations and {n_out} outputs (supported: {})",
                SUPPORTED.iter().map(|(i, o, w)| format!("{i}→{o} {w}")).collect::<Vec<_>>().join(", ")
            )));
        }
    })
}

/// How network outputs become actions, and what the network's output layer computes.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionMapping {
    /// `argmax` over raw outputs (discrete spaces; the Hebbian rule sees raw outputs).
    Argmax,
    /// `tanh` outputs clipped to the box (continuous spaces; the rule sees the tanh'd outputs).
    TanhClip {
        /// Lower bounds.
        low: Vec<f32>,
        /// Upper bounds.
        high: Vec<f32>,
    },
    /// `[tanh(o0), sigmoid(o1), sigmoid(o2)]` of raw outputs (car racing).
    Car,
}

impl ActionMapping {
    /// The paper's mapping for an action space.
    pub fn for_space(space: &Space) -> Self {
        match space {
            Space::Discrete(_) => ActionMapping::Argmax,
            Space::Box { low, high } => ActionMapping::TanhClip { low: low.clone(), high: high.clone() },
        }
    }

    /// Activation of the network's output layer under this mapping.
    pub fn output_activation(&self) -> Activation {
        match self {
            ActionMapping::TanhClip { .. } => Activation::Tanh,
            ActionMapping::Argmax | ActionMapping::Car => Activation::Identity,
        }
    }

    /// Maps outputs to an action, using `buf` for continuous values.
    pub fn map<'a>(&self, out: &[f32], buf: &'a mut Vec<f32>) -> Action<'a> {
        match self {
            ActionMapping::Argmax => {
                // First maximum, as numpy's argmax; NaN never wins.
                let mut best = 0;
                for (i, &v) in out.iter().enumerate() {
                    if v > out[best] {
                        best = i;
                    }
                }
                Action::Discrete(best)
            }
            ActionMapping::TanhClip { low, high } => {
                buf.clear();
                buf.extend(out.iter().zip(low.iter().zip(high)).map(|(&o, (&l, &h))| o.clamp(l, h)));
                Action::Continuous(buf)
            }
            ActionMapping::Car => {
                buf.clear();
                if let Ok(raw) = <&[f32; 3]>::try_from(out) {
                    buf.extend(hebb_core::activation::car_action(raw));
                }
                Action::Continuous(buf)
            }
        }
    }
}

/// The network configuration for an environment: output activation from the mapping,
/// normalisation for every environment except the quadruped (docs/method.md, Rules), fastest kernel.
pub fn net_config(mapping: &ActionMapping, normalize: bool, kernel: Kernel) -> Config {
    Config { output: mapping.output_activation(), normalize, kernel }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_and_clip() {
        let mut buf = Vec::new();
        assert_eq!(ActionMapping::Argmax.map(&[0.1, 0.3, 0.3], &mut buf), Action::Discrete(1));
        let m = ActionMapping::TanhClip { low: vec![-0.5], high: vec![2.0] };
        assert_eq!(m.map(&[-0.9], &mut buf), Action::Continuous(&[-0.5]));
        let car = ActionMapping::Car.map(&[0.0, 0.0, 0.0], &mut buf);
        assert_eq!(car, Action::Continuous(&[0.0, 0.5, 0.5]));
    }

    #[test]
    fn unsupported_shape_is_a_clear_error() {
        let e = make_net(5, 5, Config::ANT).err().unwrap().to_string();
        assert!(e.contains("5 observations") && e.contains("cartpole"), "{e}");
        let net = make_net(4, 2, Config::ANT).unwrap();
        assert_eq!(net.sizes(), [4, 128, 64, 2]);
    }
}
