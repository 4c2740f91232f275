//! The controller side of an episode: a `hebb-core` network of the sizes an environment needs,
//! behind a size-erased trait, and the mapping from network outputs to actions (docs/method.md, Networks).

use hebb_core::{Activation, Config, HeapNetwork, HeapWindow, Kernel, RuleTable, Shape};

use crate::env::{Action, Actions, Space};
use crate::error::{Error, Result};

/// The paper's hidden layers (`obs → 128 → 64 → actions`), the default of `--hidden`.
pub const HIDDEN: [usize; 2] = [128, 64];

/// A plastic network as the trainer sees it. There is no second implementation: the one type
/// is `hebb-core`'s [`HeapNetwork`] (any depth, any sizes), and every call goes straight to
/// the core's `step`/`forward`.
pub trait PlasticNet: Send {
    /// `[input, hidden…, output]`.
    fn sizes(&self) -> &Shape;
    /// Forward + Hebbian update; returns the output layer's activity.
    fn step(&mut self, rules: &RuleTable<'_>, obs: &[f32]) -> Result<&[f32]>;
    /// Forward + Hebbian update under the Hebbian-attractor options `window` carries (update
    /// every k-th step on activities averaged over the window).
    fn step_windowed(
        &mut self,
        rules: &RuleTable<'_>,
        obs: &[f32],
        window: &mut HeapWindow,
    ) -> Result<&[f32]>;
    /// Forward only (static weights).
    fn forward(&mut self, obs: &[f32]) -> Result<&[f32]>;
    /// Sets all weights (interchange layout).
    fn set_weights(&mut self, w: &[f32]) -> Result<()>;
    /// Draws initial weights.
    fn reset_weights(&mut self, init: hebb_core::WeightInit, rng: &mut dyn rand_core::Rng) -> Result<()>;
    /// The weight matrices, one per plastic layer.
    fn weights(&self) -> Vec<&[f32]>;
}

impl PlasticNet for HeapNetwork {
    fn sizes(&self) -> &Shape {
        self.shape()
    }
    fn step(&mut self, rules: &RuleTable<'_>, obs: &[f32]) -> Result<&[f32]> {
        Ok(HeapNetwork::step(self, rules, obs)?)
    }
    fn step_windowed(
        &mut self,
        rules: &RuleTable<'_>,
        obs: &[f32],
        window: &mut HeapWindow,
    ) -> Result<&[f32]> {
        Ok(HeapNetwork::step_windowed(self, rules, obs, window)?)
    }
    fn forward(&mut self, obs: &[f32]) -> Result<&[f32]> {
        Ok(HeapNetwork::forward(self, obs)?)
    }
    fn set_weights(&mut self, w: &[f32]) -> Result<()> {
        Ok(HeapNetwork::set_weights(self, w)?)
    }
    fn reset_weights(&mut self, init: hebb_core::WeightInit, rng: &mut dyn rand_core::Rng) -> Result<()> {
        Ok(HeapNetwork::reset_weights(self, init, rng)?)
    }
    fn weights(&self) -> Vec<&[f32]> {
        (0..self.shape().depth()).filter_map(|l| self.layer_weights(l)).collect()
    }
}

/// The layer list `n_in → hidden… → n_out`, checked (1 to 8 plastic layers, sizes 1..=65536).
pub fn shape(n_in: usize, hidden: &[usize], n_out: usize) -> Result<Shape> {
    let sizes: Vec<usize> = std::iter::once(n_in).chain(hidden.iter().copied()).chain([n_out]).collect();
    Shape::new(&sizes).map_err(|source| Error::Network {
        sizes: sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("-"),
        source,
    })
}

/// Builds the network of `shape` (any depth and sizes).
pub fn make_net(shape: &Shape, config: Config) -> Result<Box<dyn PlasticNet>> {
    Ok(Box::new(HeapNetwork::with_shape(shape, config)?))
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
    /// The mapping a task declares for its action space. The car's mapping needs a 3-dimensional
    /// box (steer, gas, brake).
    pub fn for_task(actions: Actions, space: &Space) -> Result<Self> {
        match actions {
            Actions::FromSpace => Ok(ActionMapping::for_space(space)),
            Actions::Car if matches!(space, Space::Box { low, .. } if low.len() == 3) => {
                Ok(ActionMapping::Car)
            }
            Actions::Car => Err(Error::Config(format!(
                "the car's action mapping needs a 3-dimensional box (steer, gas, brake), not {space:?}"
            ))),
        }
    }

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
    fn any_shape_builds_and_bad_shapes_are_clear_errors() {
        let net = make_net(&shape(4, &HIDDEN, 2).unwrap(), Config::ANT).unwrap();
        assert_eq!(*net.sizes(), [4, 128, 64, 2]);
        let net = make_net(&shape(5, &[32, 16, 8], 3).unwrap(), Config::ANT).unwrap();
        assert_eq!(net.sizes().to_string(), "5-32-16-8-3");
        assert_eq!(net.weights().len(), 4);
        let e = shape(4, &[32, 0], 2).unwrap_err().to_string();
        assert!(e.contains("4-32-0-2"), "{e}");
        assert!(shape(4, &[1; 8], 2).is_err());
    }
}
