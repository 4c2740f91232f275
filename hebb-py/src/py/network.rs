//! The plastic network, the car's CNN front end and the coefficient layouts.

use hebb_core::rulefile::FrontEnd;
use hebb_core::{Activation, CoeffLayout, Config, HeapNetwork, Kernel, RuleKind, RuleTable, WeightInit};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyList;
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::rule::Rule;
use super::{activation_name, core_err, err, parse_activation, parse_rule, shape_of, slice_of, value_err};

/// A plastic network of any depth: forward pass plus Hebbian update per step.
#[pyclass(module = "hebb._hebb")]
pub(super) struct Network {
    net: HeapNetwork,
    rule: RuleKind,
    coeffs: Vec<f32>,
    init: WeightInit,
}

fn obs_slice<'a>(obs: &'a PyReadonlyArrayDyn<'_, f32>, n: usize) -> PyResult<&'a [f32]> {
    let o = slice_of(obs, "obs")?;
    if o.len() != n {
        return Err(value_err(format!("observation has {} values, the network takes {n}", o.len())));
    }
    Ok(o)
}

#[pymethods]
impl Network {
    #[new]
    #[pyo3(signature = (sizes, rule, coefficients=None, *, output=None, normalize=None, init=None, seed=0))]
    fn new(
        sizes: Vec<usize>,
        rule: &Bound<'_, PyAny>,
        coefficients: Option<PyReadonlyArrayDyn<'_, f32>>,
        output: Option<&str>,
        normalize: Option<bool>,
        init: Option<&str>,
        seed: u64,
    ) -> PyResult<Self> {
        let shape = shape_of(&sizes)?;
        let (kind, coeffs, file_cfg, file_init, file_w) = if let Ok(r) = rule.cast::<Rule>() {
            if coefficients.is_some() {
                return Err(value_err("coefficients come from the rule file; pass one or the other"));
            }
            let r = r.get();
            let f = r.file();
            f.expect_sizes(shape).map_err(core_err)?;
            let h = f.header();
            if h.front_end != FrontEnd::None {
                return Err(value_err(
                    "this rule file has a CNN front end; hebb.Network runs the plastic head only",
                ));
            }
            // Not yet here: the options beyond the paper (the trainer, the CLI and the firmware
            // run them).
            if h.coeff_layout().map_err(core_err)? != CoeffLayout::PerSynapse
                || !f.extras().plasticity.is_plain()
            {
                return Err(value_err(
                    "this rule file uses options beyond the paper (per-neuron or shared coefficients, or an \
                     update window); hebb.Network runs per-synapse rules updated every step — evaluate it \
                     with `hebb eval`",
                ));
            }
            let mut c = vec![0.0f32; h.n_coefficients as usize];
            f.copy_coefficients(&mut c).map_err(core_err)?;
            let w = f.init_weights().map_err(core_err)?.to_vec();
            (
                h.rule_kind().map_err(core_err)?,
                c,
                Some(h.config().map_err(core_err)?),
                Some(h.weight_init().map_err(core_err)?),
                w,
            )
        } else if let Ok(name) = rule.extract::<String>() {
            let kind = parse_rule(&name)?;
            let n = shape.n_coefficients(kind);
            let c = match &coefficients {
                Some(a) => slice_of(a, "coefficients")?.to_vec(),
                None => return Err(value_err(format!("rule `{name}` needs coefficients ({n} values)"))),
            };
            if c.len() != n {
                return Err(value_err(format!(
                    "rule {} on a {shape} network has {n} coefficients, got {}",
                    kind.name(),
                    c.len()
                )));
            }
            (kind, c, None, None, vec![])
        } else {
            return Err(value_err(
                "rule must be a hebb.Rule (from hebb.load_rule) or a rule name such as 'ABCD_lr'",
            ));
        };
        if coeffs.iter().any(|v| !v.is_finite()) {
            return Err(value_err("coefficients hold NaN or an infinity"));
        }
        let output = match (output, file_cfg) {
            (Some(o), _) => parse_activation(o)?,
            (None, Some(c)) => c.output,
            (None, None) => Activation::Identity,
        };
        let normalize = normalize.or(file_cfg.map(|c| c.normalize)).unwrap_or(true);
        let init = match (init, file_init) {
            (Some(i), _) => hebb_train::setup::parse_init(i).map_err(err)?,
            (None, Some(i)) => i,
            (None, None) => WeightInit::Uniform,
        };
        let config = Config { output, normalize, kernel: Kernel::best() };
        let mut net = HeapNetwork::with_shape(shape, config).map_err(core_err)?;
        if init == WeightInit::Coevolve {
            if file_w.is_empty() {
                return Err(value_err("init='coevolve' needs initial weights: set them with set_weights"));
            }
            net.set_weights(&file_w).map_err(core_err)?;
        } else {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            net.reset_weights(init, &mut rng).map_err(core_err)?;
        }
        Ok(Network { net, rule: kind, coeffs, init })
    }

    /// Forward pass and Hebbian update; returns the output layer's activity.
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        obs: PyReadonlyArrayDyn<'_, f32>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let o = obs_slice(&obs, self.net.shape().input())?;
        let coeffs = std::mem::take(&mut self.coeffs);
        let r = RuleTable::new(self.rule, *self.net.shape(), &coeffs)
            .map_err(core_err)
            .and_then(|t| self.net.step(&t, o).map(|out| PyArray1::from_slice(py, out)).map_err(core_err));
        self.coeffs = coeffs;
        r
    }

    /// Forward pass only (no plasticity).
    fn forward<'py>(
        &mut self,
        py: Python<'py>,
        obs: PyReadonlyArrayDyn<'_, f32>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let o = obs_slice(&obs, self.net.shape().input())?;
        Ok(PyArray1::from_slice(py, self.net.forward(o).map_err(core_err)?))
    }

    /// Draws new initial weights from `seed` (Xoshiro256++), as the rule's init says (or
    /// `init`: 'uni' U(−0.1, 0.1), 'normal').
    #[pyo3(signature = (seed, init=None))]
    fn reset_weights(&mut self, seed: u64, init: Option<&str>) -> PyResult<()> {
        let init = match init {
            Some(i) => hebb_train::setup::parse_init(i).map_err(err)?,
            None => self.init,
        };
        if init == WeightInit::Coevolve {
            return Err(value_err("co-evolved weights are set with set_weights"));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        self.net.reset_weights(init, &mut rng).map_err(core_err)
    }

    /// Sets all weights: one flat array (layers concatenated) or a list of `(n_out, n_in)`
    /// matrices.
    fn set_weights(&mut self, weights: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut flat = Vec::with_capacity(self.net.n_synapses());
        if let Ok(a) = weights.extract::<PyReadonlyArrayDyn<'_, f32>>() {
            flat.extend_from_slice(slice_of(&a, "weights")?);
        } else if let Ok(l) = weights.cast::<PyList>() {
            let shape = *self.net.shape();
            if l.len() != shape.depth() {
                return Err(value_err(format!("{} matrices for {} layers", l.len(), shape.depth())));
            }
            for (i, m) in l.iter().enumerate() {
                let a: PyReadonlyArrayDyn<'_, f32> =
                    m.extract().map_err(|_| value_err("each weight matrix must be a float32 array"))?;
                if a.shape() != [shape[i + 1], shape[i]] {
                    return Err(value_err(format!(
                        "layer {i}: matrix of shape {:?}, expected ({}, {})",
                        a.shape(),
                        shape[i + 1],
                        shape[i]
                    )));
                }
                flat.extend_from_slice(slice_of(&a, "weights")?);
            }
        } else {
            return Err(value_err("weights must be a float32 array or a list of float32 matrices"));
        }
        if flat.iter().any(|v| !v.is_finite()) {
            return Err(value_err("weights hold NaN or an infinity"));
        }
        self.net.set_weights(&flat).map_err(core_err)
    }

    /// The weight matrices, one `(n_out, n_in)` float32 array per plastic layer (copies).
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyArray2<f32>>>> {
        let s = *self.net.shape();
        (0..s.depth())
            .map(|l| {
                let w = self.net.layer_weights(l).unwrap_or(&[]);
                PyArray1::from_slice(py, w).reshape([s[l + 1], s[l]])
            })
            .collect()
    }

    /// Every layer's output after the last step (the last is the network's output).
    #[getter]
    fn activations<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f32>>> {
        (0..self.net.shape().depth())
            .map(|l| PyArray1::from_slice(py, self.net.activity(l).unwrap_or(&[])))
            .collect()
    }

    /// The coefficients (in-memory layout).
    #[getter]
    fn coefficients<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.coeffs)
    }

    #[getter]
    fn sizes(&self) -> Vec<usize> {
        self.net.shape().iter().copied().collect()
    }

    #[getter]
    fn rule(&self) -> &'static str {
        self.rule.name()
    }

    #[getter]
    fn output(&self) -> &'static str {
        activation_name(self.net.config().output)
    }

    #[getter]
    fn normalize(&self) -> bool {
        self.net.config().normalize
    }

    fn __repr__(&self) -> String {
        format!("Network({}, rule={})", self.net.shape(), self.rule.name())
    }
}

/// The car's CNN front end: the 648 features of a 3×84×84 image (`[channel][row][column]`).
#[pyfunction]
pub(super) fn cnn_forward<'py>(
    py: Python<'py>,
    weights: PyReadonlyArrayDyn<'_, f32>,
    image: PyReadonlyArrayDyn<'_, f32>,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let (w, x) = (slice_of(&weights, "weights")?, slice_of(&image, "image")?);
    let mut cnn = Box::new(hebb_core::cnn::Cnn::new());
    Ok(PyArray1::from_slice(py, &cnn.forward(w, x).map_err(core_err)?[..]))
}

/// Number of coefficients of `rule` on a network of `sizes`.
#[pyfunction]
pub(super) fn n_coefficients(rule: &str, sizes: Vec<usize>) -> PyResult<usize> {
    Ok(shape_of(&sizes)?.n_coefficients(parse_rule(rule)?))
}

/// Converts coefficients from the reference's interchange layout to the in-memory one.
#[pyfunction]
pub(super) fn coeffs_from_interchange<'py>(
    py: Python<'py>,
    rule: &str,
    sizes: Vec<usize>,
    coefficients: PyReadonlyArrayDyn<'_, f32>,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let (kind, shape) = (parse_rule(rule)?, shape_of(&sizes)?);
    let c = slice_of(&coefficients, "coefficients")?;
    let mut out = vec![0.0f32; c.len()];
    hebb_core::interchange::coeffs_from_interchange(kind, shape, c, &mut out).map_err(core_err)?;
    Ok(PyArray1::from_vec(py, out))
}
