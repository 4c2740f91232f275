//! The Python bindings (`hebb._hebb`). The Python package wraps these in Gymnasium classes and
//! the training driver (python/hebb/).

use std::path::PathBuf;
use std::str::FromStr;

use hebb_core::rulefile::{ActionMap, Encoding, FrontEnd, Header, RuleFile};
use hebb_core::{
    Activation, CoeffLayout, Config, HeapNetwork, Kernel, RuleKind, RuleTable, Shape, WeightInit,
};
use hebb_train::env::{Env, Space};
use hebb_train::es::{EsConfig, EsState, ParamInit};
use hebb_train::export::AlignedBytes;
use hebb_train::run::{Checkpoint, RunDir};
use hebb_train::setup::TrainConfig;
use hebb_train::train::CandidateResult;
use hebb_train::{Error, Setup};
use numpy::ndarray::IxDyn;
use numpy::{
    PyArray1, PyArray2, PyArrayDyn, PyArrayMethods, PyReadonlyArray1, PyReadonlyArrayDyn, PyReadwriteArray1,
    PyReadwriteArrayDyn, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::agent::{Act, Agent};
use crate::vecenv::{self, Actions, Out, VecEnv};

fn err(e: Error) -> PyErr {
    match e {
        Error::Io { .. } => PyOSError::new_err(e.to_string()),
        Error::Interrupted { .. } => PyKeyboardInterrupt::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

fn core_err(e: hebb_core::Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn value_err(m: impl Into<String>) -> PyErr {
    PyValueError::new_err(m.into())
}

/// A 1-D float32 view of `a`, with a clear error for a non-contiguous array.
fn slice_of<'a>(a: &'a PyReadonlyArrayDyn<'_, f32>, what: &str) -> PyResult<&'a [f32]> {
    a.as_slice().map_err(|_| value_err(format!("{what} must be a C-contiguous float32 array")))
}

fn parse_rule(name: &str) -> PyResult<RuleKind> {
    RuleKind::from_str(name).map_err(|_| {
        value_err(format!("unknown rule `{name}` (one of: {})", RuleKind::ALL.map(|r| r.name()).join(", ")))
    })
}

fn parse_activation(name: &str) -> PyResult<Activation> {
    match name {
        "tanh" => Ok(Activation::Tanh),
        "identity" | "linear" | "none" => Ok(Activation::Identity),
        _ => Err(value_err(format!("unknown output activation `{name}` (tanh, identity)"))),
    }
}

fn activation_name(a: Activation) -> &'static str {
    match a {
        Activation::Tanh => "tanh",
        Activation::Identity => "identity",
    }
}

fn init_name(i: WeightInit) -> &'static str {
    match i {
        WeightInit::Uniform => "uni",
        WeightInit::Normal => "normal",
        WeightInit::Coevolve => "coevolve",
    }
}

fn shape_of(sizes: &[usize]) -> PyResult<Shape> {
    Shape::new(sizes).map_err(|e| value_err(format!("network sizes {sizes:?}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Environments

/// The observation shape of an environment: 3×84×84 pixels for one whose task feeds the car's
/// CNN ([`hebb_train::env::FrontEnd::CarCnn`]), a flat vector otherwise.
fn obs_shape(env: &dyn Env) -> Vec<usize> {
    if env.task().front_end == hebb_train::env::FrontEnd::CarCnn && env.obs_dim() == hebb_core::cnn::IN_LEN {
        vec![hebb_core::cnn::IN_C, hebb_core::cnn::IN_SIDE, hebb_core::cnn::IN_SIDE]
    } else {
        vec![env.obs_dim()]
    }
}

/// One built-in environment (`hebb_train::env::make`), stepped from Python.
#[pyclass(module = "hebb._hebb")]
struct RawEnv {
    env: std::sync::Mutex<Box<dyn Env>>,
    shape: Vec<usize>,
    space: Space,
    frame: Vec<u8>,
    act: Vec<f32>,
}

impl RawEnv {
    fn env(&mut self) -> &mut Box<dyn Env> {
        // A poisoned lock only means a panic elsewhere; the environment itself is still whole.
        self.env.get_mut().unwrap_or_else(|p| p.into_inner())
    }
}

#[pymethods]
impl RawEnv {
    #[new]
    #[pyo3(signature = (name, variant=None, paper_fitness=false))]
    fn new(name: &str, variant: Option<&str>, paper_fitness: bool) -> PyResult<Self> {
        let env = vecenv::make(name, variant, paper_fitness).map_err(err)?;
        Ok(RawEnv {
            shape: obs_shape(env.as_ref()),
            space: env.action_space(),
            env: std::sync::Mutex::new(env),
            frame: Vec::new(),
            act: Vec::new(),
        })
    }

    /// The observation shape.
    #[getter]
    fn obs_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    /// Number of discrete actions, or None for a continuous box.
    #[getter]
    fn n_actions(&self) -> Option<usize> {
        n_actions(&self.space)
    }

    /// Lower and upper bounds of the action box (None for discrete actions).
    #[getter]
    fn action_bounds(&self) -> Option<(Vec<f32>, Vec<f32>)> {
        action_bounds(&self.space)
    }

    /// Resets from `seed` and returns the first observation (a new float32 array the
    /// environment writes into directly).
    fn reset<'py>(&mut self, py: Python<'py>, seed: u64) -> Bound<'py, PyArrayDyn<f32>> {
        let obs = PyArrayDyn::<f32>::zeros(py, IxDyn(&self.shape), false);
        {
            let mut rw = obs.readwrite();
            let o = rw.as_slice_mut().expect("a new array is contiguous");
            self.env().reset(seed, o);
        }
        obs
    }

    /// One step: an int for discrete actions, a float32 array (clipped to the box) for
    /// continuous ones. Returns `(obs, reward, terminated, truncated)`.
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyArrayDyn<f32>>, f64, bool, bool)> {
        let obs = PyArrayDyn::<f32>::zeros(py, IxDyn(&self.shape), false);
        let st = {
            let mut rw = obs.readwrite();
            let o = rw.as_slice_mut().expect("a new array is contiguous");
            match &self.space {
                Space::Discrete(n) => {
                    let a: i64 = action.extract().map_err(|_| value_err("the action must be an integer"))?;
                    if a < 0 || a as u64 >= *n as u64 {
                        return Err(value_err(format!("action {a} outside 0..{n}")));
                    }
                    let n = a as usize;
                    self.env().step(hebb_train::env::Action::Discrete(n), o)
                }
                Space::Box { low, high } => {
                    let a: PyReadonlyArray1<'_, f32> =
                        action.extract().map_err(|_| value_err("the action must be a 1-D float32 array"))?;
                    let a = a.as_slice().map_err(|_| value_err("the action must be contiguous"))?;
                    if a.len() != low.len() {
                        return Err(value_err(format!(
                            "action has {} values, expected {}",
                            a.len(),
                            low.len()
                        )));
                    }
                    if a.iter().any(|v| !v.is_finite()) {
                        return Err(value_err("the action holds NaN or an infinity"));
                    }
                    let mut act = std::mem::take(&mut self.act);
                    act.clear();
                    act.extend(a.iter().zip(low.iter().zip(high)).map(|(&v, (&l, &h))| v.clamp(l, h)));
                    let st = self.env().step(hebb_train::env::Action::Continuous(&act), o);
                    self.act = act;
                    st
                }
            }
        };
        Ok((obs, st.reward as f64, st.terminated, st.truncated))
    }

    /// The current state drawn as an `(height, width, 3)` uint8 array, or None where the
    /// environment cannot be drawn.
    fn render<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArrayDyn<u8>>>> {
        let mut frame = std::mem::take(&mut self.frame);
        let wh = self.env().draw(&mut frame);
        let out = match wh {
            Some([w, h]) if frame.len() == w * h * 3 => {
                Some(PyArray1::from_slice(py, &frame).reshape(IxDyn(&[h, w, 3]))?)
            }
            _ => None,
        };
        self.frame = frame;
        Ok(out)
    }

    /// Benchmark helper: seconds per step of `steps` steps taken inside Rust (no Python in
    /// the loop) with a fixed action (`action` for discrete spaces, `value` in every component
    /// of a box), resetting from seed 0 when an episode ends.
    #[pyo3(signature = (steps, action=0, value=0.0))]
    fn rust_step_seconds(&mut self, py: Python<'_>, steps: usize, action: usize, value: f32) -> f64 {
        let n = self.shape.iter().product();
        let act = match &self.space {
            Space::Discrete(_) => None,
            Space::Box { low, high } => {
                Some(low.iter().zip(high).map(|(&l, &h)| value.clamp(l, h)).collect::<Vec<_>>())
            }
        };
        let env = self.env.get_mut().unwrap_or_else(|p| p.into_inner());
        py.detach(|| {
            let mut obs = vec![0.0f32; n];
            env.reset(0, &mut obs);
            let t = std::time::Instant::now();
            for _ in 0..steps {
                let a = match &act {
                    None => hebb_train::env::Action::Discrete(action),
                    Some(a) => hebb_train::env::Action::Continuous(a),
                };
                if env.step(a, &mut obs).done() {
                    env.reset(0, &mut obs);
                }
            }
            t.elapsed().as_secs_f64() / steps.max(1) as f64
        })
    }

    /// World position of the body the task moves, where there is one.
    fn body_position(&mut self) -> Option<[f32; 3]> {
        self.env().body_position()
    }
}

/// `n` built-in environments stepped together across threads.
#[pyclass(module = "hebb._hebb")]
struct RawVecEnv {
    inner: std::sync::Mutex<VecEnv>,
    shape: Vec<usize>,
    space: Space,
}

#[pymethods]
impl RawVecEnv {
    #[new]
    #[pyo3(signature = (name, n, variant=None, paper_fitness=false, threads=0))]
    fn new(
        name: &str,
        n: usize,
        variant: Option<&str>,
        paper_fitness: bool,
        threads: usize,
    ) -> PyResult<Self> {
        let one = vecenv::make(name, variant, paper_fitness).map_err(err)?;
        let inner = VecEnv::new(name, variant, paper_fitness, n, threads).map_err(err)?;
        Ok(RawVecEnv {
            shape: obs_shape(one.as_ref()),
            space: inner.action_space().clone(),
            inner: inner.into(),
        })
    }

    #[getter]
    fn obs_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    #[getter]
    fn n_actions(&self) -> Option<usize> {
        n_actions(&self.space)
    }

    #[getter]
    fn action_bounds(&self) -> Option<(Vec<f32>, Vec<f32>)> {
        action_bounds(&self.space)
    }

    /// Resets every environment (environment `i` from `seed + i`) into `obs` (`n × obs`).
    fn reset(&mut self, py: Python<'_>, seed: u64, mut obs: PyReadwriteArrayDyn<'_, f32>) -> PyResult<()> {
        let o = obs.as_slice_mut().map_err(|_| value_err("obs must be contiguous"))?;
        let inner = self.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        py.detach(|| inner.reset(seed, o)).map_err(err)
    }

    /// Steps every environment; writes into the given arrays. `actions`: int64 `(n,)` for
    /// discrete spaces, float32 `(n, action_dim)` for boxes.
    fn step(
        &mut self,
        py: Python<'_>,
        actions: &Bound<'_, PyAny>,
        mut obs: PyReadwriteArrayDyn<'_, f32>,
        mut reward: PyReadwriteArray1<'_, f64>,
        mut terminated: PyReadwriteArray1<'_, bool>,
        mut truncated: PyReadwriteArray1<'_, bool>,
    ) -> PyResult<()> {
        let contiguous = |what: &str| value_err(format!("{what} must be a contiguous array"));
        let out = Out {
            obs: obs.as_slice_mut().map_err(|_| contiguous("obs"))?,
            reward: reward.as_slice_mut().map_err(|_| contiguous("reward"))?,
            terminated: terminated.as_slice_mut().map_err(|_| contiguous("terminated"))?,
            truncated: truncated.as_slice_mut().map_err(|_| contiguous("truncated"))?,
        };
        let inner = self.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        match &self.space {
            Space::Discrete(_) => {
                let a: PyReadonlyArrayDyn<'_, i64> =
                    actions.extract().map_err(|_| value_err("actions must be an int64 array"))?;
                let a = a.as_slice().map_err(|_| contiguous("actions"))?;
                py.detach(|| inner.step(Actions::Discrete(a), out)).map_err(err)
            }
            Space::Box { .. } => {
                let a: PyReadonlyArrayDyn<'_, f32> =
                    actions.extract().map_err(|_| value_err("actions must be a float32 array"))?;
                let a = a.as_slice().map_err(|_| contiguous("actions"))?;
                py.detach(|| inner.step(Actions::Continuous(a), out)).map_err(err)
            }
        }
    }
}

/// The built-in environments: `[(name, description)]`.
#[pyfunction]
fn builtin_envs() -> Vec<(&'static str, &'static str)> {
    hebb_train::env::ENVS.to_vec()
}

// ---------------------------------------------------------------------------------------------
// Rule files

/// A rule file (`.hebb`): a rule, its coefficients and how to run them.
#[pyclass(module = "hebb._hebb", frozen)]
struct Rule {
    bytes: AlignedBytes,
}

impl Rule {
    fn file(&self) -> RuleFile<'_> {
        // Checked when the object was made.
        RuleFile::parse(self.bytes.bytes()).expect("parsed when made")
    }

    fn from_bytes(b: &[u8]) -> PyResult<Self> {
        let bytes = AlignedBytes::new(b);
        let f =
            RuleFile::parse(bytes.bytes()).map_err(|e| value_err(format!("not a valid rule file: {e}")))?;
        f.coefficients().map(|_| ()).or_else(|_| f.coefficient_view().map(|_| ())).map_err(core_err)?;
        Ok(Rule { bytes })
    }
}

#[pymethods]
impl Rule {
    /// Builds a rule file from coefficients in the in-memory (structure-of-arrays) layout, or
    /// in the reference's interchange layout with `interchange=True`.
    #[new]
    #[pyo3(signature = (rule, sizes, coefficients, *, interchange=false, output="identity", normalize=true,
                        init="uni", action_map="argmax", env="", morphologies="", seed=0, generations=0,
                        init_weights=None, cnn_weights=None, f16=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        rule: &str,
        sizes: Vec<usize>,
        coefficients: PyReadonlyArrayDyn<'_, f32>,
        interchange: bool,
        output: &str,
        normalize: bool,
        init: &str,
        action_map: &str,
        env: &str,
        morphologies: &str,
        seed: u64,
        generations: u32,
        init_weights: Option<PyReadonlyArrayDyn<'_, f32>>,
        cnn_weights: Option<PyReadonlyArrayDyn<'_, f32>>,
        f16: bool,
    ) -> PyResult<Self> {
        let kind = parse_rule(rule)?;
        let shape = shape_of(&sizes)?;
        let c = slice_of(&coefficients, "coefficients")?;
        let n = shape.n_coefficients(kind);
        if c.len() != n {
            return Err(value_err(format!(
                "rule {} on a {shape} network has {n} coefficients, got {}",
                kind.name(),
                c.len()
            )));
        }
        if c.iter().any(|v| !v.is_finite()) {
            return Err(value_err("coefficients hold NaN or an infinity"));
        }
        let mut mem = c.to_vec();
        if interchange {
            hebb_core::interchange::coeffs_from_interchange(kind, shape, c, &mut mem).map_err(core_err)?;
        }
        let init = hebb_train::setup::parse_init(init).map_err(err)?;
        let iw = match &init_weights {
            Some(a) => slice_of(a, "init_weights")?.to_vec(),
            None => vec![],
        };
        if (init == WeightInit::Coevolve) == iw.is_empty() {
            return Err(value_err("init='coevolve' goes with init_weights (one per synapse), and only it"));
        }
        if !iw.is_empty() && iw.len() != shape.n_synapses() {
            return Err(value_err(format!(
                "init_weights: {} values, expected {}",
                iw.len(),
                shape.n_synapses()
            )));
        }
        let cnn = match &cnn_weights {
            Some(a) => slice_of(a, "cnn_weights")?.to_vec(),
            None => vec![],
        };
        if !cnn.is_empty()
            && (cnn.len() != hebb_core::cnn::N_WEIGHTS || shape.input() != hebb_core::cnn::OUT_LEN)
        {
            return Err(value_err(format!(
                "cnn_weights: the car's CNN has {} weights and feeds a {}-input network; got {} weights, {} inputs",
                hebb_core::cnn::N_WEIGHTS,
                hebb_core::cnn::OUT_LEN,
                cnn.len(),
                shape.input()
            )));
        }
        if iw.iter().chain(&cnn).any(|v| !v.is_finite()) {
            return Err(value_err("weights hold NaN or an infinity"));
        }
        let action_map = match action_map {
            "argmax" => ActionMap::Argmax,
            "direct" => ActionMap::Direct,
            "car" => ActionMap::Car,
            _ => return Err(value_err(format!("unknown action_map `{action_map}` (argmax, direct, car)"))),
        };
        let header = Header {
            rule: kind.code(),
            layout: CoeffLayout::PerSynapse.code(),
            sizes: shape,
            output: parse_activation(output)? as u8,
            action_map,
            normalize,
            init: init as u8,
            encoding: if f16 { Encoding::F16 } else { Encoding::F32 },
            front_end: if cnn.is_empty() { FrontEnd::None } else { FrontEnd::CarCnn },
            n_coefficients: n as u32,
            n_cnn_weights: cnn.len() as u32,
            n_init_weights: iw.len() as u32,
            env,
            morphologies,
            seed,
            generations,
        };
        let mut buf = vec![0u8; hebb_core::rulefile::encoded_len(&header).map_err(core_err)?];
        let len = hebb_core::rulefile::encode(&header, &mem, &cnn, &iw, &mut buf).map_err(core_err)?;
        buf.truncate(len);
        Rule::from_bytes(&buf)
    }

    /// Parses the bytes of a rule file.
    #[staticmethod]
    fn from_bytes_(data: &[u8]) -> PyResult<Self> {
        Rule::from_bytes(data)
    }

    /// The file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.bytes.bytes())
    }

    /// Writes the rule file atomically.
    fn save(&self, path: PathBuf) -> PyResult<()> {
        hebb_train::fsio::write_atomic(&path, self.bytes.bytes()).map_err(err)
    }

    #[getter]
    fn rule(&self) -> PyResult<&'static str> {
        Ok(self.file().header().rule_kind().map_err(core_err)?.name())
    }

    #[getter]
    fn sizes(&self) -> Vec<usize> {
        self.file().header().sizes().iter().copied().collect()
    }

    /// The coefficients (in-memory layout, widened to float32 for a half-precision file).
    #[getter]
    fn coefficients<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let f = self.file();
        let mut c = vec![0.0f32; f.header().n_coefficients as usize];
        f.copy_coefficients(&mut c).map_err(core_err)?;
        Ok(PyArray1::from_vec(py, c))
    }

    /// The coefficients in the reference's interchange layout.
    fn interchange_coefficients<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let f = self.file();
        let h = f.header();
        let mut c = vec![0.0f32; h.n_coefficients as usize];
        f.copy_coefficients(&mut c).map_err(core_err)?;
        if h.coeff_layout().map_err(core_err)? != CoeffLayout::PerSynapse {
            return Err(value_err("only per-synapse rules have an interchange layout"));
        }
        let mut x = vec![0.0f32; c.len()];
        hebb_core::interchange::coeffs_to_interchange(
            h.rule_kind().map_err(core_err)?,
            h.sizes(),
            &c,
            &mut x,
        )
        .map_err(core_err)?;
        Ok(PyArray1::from_vec(py, x))
    }

    #[getter]
    fn cnn_weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        Ok(PyArray1::from_slice(py, self.file().cnn_weights().map_err(core_err)?))
    }

    #[getter]
    fn init_weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        Ok(PyArray1::from_slice(py, self.file().init_weights().map_err(core_err)?))
    }

    #[getter]
    fn output(&self) -> PyResult<&'static str> {
        Ok(activation_name(self.file().header().output_activation().map_err(core_err)?))
    }

    #[getter]
    fn normalize(&self) -> bool {
        self.file().header().normalize
    }

    #[getter]
    fn init(&self) -> PyResult<&'static str> {
        Ok(init_name(self.file().header().weight_init().map_err(core_err)?))
    }

    #[getter]
    fn action_map(&self) -> &'static str {
        match self.file().header().action_map {
            ActionMap::Argmax => "argmax",
            ActionMap::Direct => "direct",
            ActionMap::Car => "car",
        }
    }

    #[getter]
    fn env(&self) -> String {
        self.file().header().env.to_string()
    }

    #[getter]
    fn morphologies(&self) -> String {
        self.file().header().morphologies.to_string()
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.file().header().seed
    }

    #[getter]
    fn generations(&self) -> u32 {
        self.file().header().generations
    }

    #[getter]
    fn f16(&self) -> bool {
        self.file().header().encoding == Encoding::F16
    }

    fn __repr__(&self) -> String {
        let h = *self.file().header();
        format!(
            "Rule({}, sizes={}, env={:?}, generations={})",
            h.rule_kind().map(|r| r.name()).unwrap_or("?"),
            h.sizes(),
            h.env,
            h.generations
        )
    }
}

/// Reads a rule file.
#[pyfunction]
fn load_rule(path: PathBuf) -> PyResult<Rule> {
    let b = std::fs::read(&path).map_err(|e| PyOSError::new_err(format!("{}: {e}", path.display())))?;
    Rule::from_bytes(&b).map_err(|e| value_err(format!("{}: {e}", path.display())))
}

// ---------------------------------------------------------------------------------------------
// The plastic network

/// A plastic network of any depth: forward pass plus Hebbian update per step.
#[pyclass(module = "hebb._hebb")]
struct Network {
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
fn cnn_forward<'py>(
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
fn n_coefficients(rule: &str, sizes: Vec<usize>) -> PyResult<usize> {
    Ok(shape_of(&sizes)?.n_coefficients(parse_rule(rule)?))
}

/// Converts coefficients from the reference's interchange layout to the in-memory one.
#[pyfunction]
fn coeffs_from_interchange<'py>(
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

// ---------------------------------------------------------------------------------------------
// The evolution strategy

fn parse_param_init(s: &str) -> PyResult<ParamInit> {
    match s {
        "normal" => Ok(ParamInit::Normal),
        "uniform" | "uni" => Ok(ParamInit::Uniform),
        _ => Err(value_err(format!("unknown parameter init `{s}` (normal, uniform)"))),
    }
}

/// OpenAI-ES with mirrored sampling and seed-regenerated noise (hebb-train's `es`).
#[pyclass(module = "hebb._hebb")]
struct ES {
    state: EsState,
    cfg: EsConfig,
    /// Penalties of the current generation's candidates, filled by `ask`.
    penalties: Option<(u32, Vec<f64>)>,
}

fn check_es(cfg: &EsConfig, dim: usize) -> PyResult<()> {
    let t = TrainConfig { es: *cfg, ..TrainConfig::default() };
    t.validate().map_err(err)?;
    if dim == 0 {
        return Err(value_err("dim must be ≥ 1"));
    }
    Ok(())
}

#[pymethods]
impl ES {
    #[new]
    #[pyo3(signature = (dim, *, pop=200, lr=0.2, sigma=0.1, lr_decay=0.995, lr_floor=0.001, sigma_decay=0.999,
                        sigma_floor=0.01, weight_decay=0.01, init="normal", seed=1, n_penalized=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        dim: usize,
        pop: usize,
        lr: f64,
        sigma: f64,
        lr_decay: f64,
        lr_floor: f64,
        sigma_decay: f64,
        sigma_floor: f64,
        weight_decay: f64,
        init: &str,
        seed: u64,
        n_penalized: Option<usize>,
    ) -> PyResult<Self> {
        let cfg = EsConfig {
            pop,
            lr,
            sigma,
            lr_decay,
            lr_floor,
            sigma_decay,
            sigma_floor,
            weight_decay,
            init: parse_param_init(init)?,
        };
        check_es(&cfg, dim)?;
        let n_pen = n_penalized.unwrap_or(dim);
        if n_pen > dim {
            return Err(value_err(format!("n_penalized {n_pen} is larger than dim {dim}")));
        }
        Ok(ES { state: EsState::new(dim, n_pen, &cfg, seed), cfg, penalties: None })
    }

    /// The current generation's candidates, `(pop, dim)` float32, regenerated from the seed.
    fn ask<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyArray2<f32>> {
        let (pop, dim) = (self.cfg.pop, self.state.params.len());
        let out = PyArray2::<f32>::zeros(py, [pop, dim], false);
        let wd = self.cfg.weight_decay;
        let pens = {
            let mut rw = out.readwrite();
            let buf = rw.as_slice_mut().expect("a new array is contiguous");
            let state = &self.state;
            py.detach(|| {
                buf.par_chunks_mut(dim)
                    .enumerate()
                    .map(|(i, c)| {
                        state.candidate(i, c);
                        state.penalty(c, wd)
                    })
                    .collect::<Vec<f64>>()
            })
        };
        self.penalties = Some((self.state.generation, pens));
        out
    }

    /// Candidate `i` of the current generation.
    fn candidate<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyArray1<f32>>> {
        if i >= self.cfg.pop {
            return Err(value_err(format!("candidate {i} outside 0..{}", self.cfg.pop)));
        }
        let mut c = vec![0.0f32; self.state.params.len()];
        self.state.candidate(i, &mut c);
        Ok(PyArray1::from_vec(py, c))
    }

    /// Updates the mean from the candidates' returns (`pop` values, in `ask` order). The
    /// weight-decay penalty `−wd·mean(θ²)` of each candidate is added first, as the trainer
    /// does.
    fn tell(&mut self, py: Python<'_>, returns: PyReadonlyArrayDyn<'_, f64>) -> PyResult<()> {
        let r = returns.as_slice().map_err(|_| value_err("returns must be a contiguous float64 array"))?;
        if r.len() != self.cfg.pop {
            return Err(value_err(format!("{} returns for a population of {}", r.len(), self.cfg.pop)));
        }
        if let Some(i) = r.iter().position(|v| !v.is_finite()) {
            return Err(value_err(format!("return {i} is {} (must be finite)", r[i])));
        }
        let pens = match self.penalties.take() {
            Some((g, p)) if g == self.state.generation => p,
            _ => {
                let state = &self.state;
                let wd = self.cfg.weight_decay;
                py.detach(|| {
                    (0..self.cfg.pop)
                        .into_par_iter()
                        .map_init(
                            || vec![0.0f32; state.params.len()],
                            |c, i| {
                                state.candidate(i, c);
                                state.penalty(c, wd)
                            },
                        )
                        .collect()
                })
            }
        };
        let fitness: Vec<f64> = r.iter().zip(&pens).map(|(a, b)| a + b).collect();
        let mut next = self.state.clone();
        let cfg = self.cfg;
        py.detach(|| next.update(&fitness, &cfg));
        let bad = next.params.iter().filter(|v| !v.is_finite()).count();
        if bad > 0 {
            return Err(value_err(format!(
                "the update made {bad} of {} parameters non-finite; the state is unchanged (try a smaller lr or sigma)",
                next.params.len()
            )));
        }
        self.state = next;
        Ok(())
    }

    /// The current mean parameters (a copy).
    #[getter]
    fn mean<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.state.params)
    }

    #[getter]
    fn lr(&self) -> f64 {
        self.state.lr
    }

    #[getter]
    fn sigma(&self) -> f64 {
        self.state.sigma
    }

    #[getter]
    fn generation(&self) -> u32 {
        self.state.generation
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.state.seed
    }

    #[getter]
    fn pop(&self) -> usize {
        self.cfg.pop
    }

    #[getter]
    fn dim(&self) -> usize {
        self.state.params.len()
    }

    #[getter]
    fn n_penalized(&self) -> usize {
        self.state.n_penalized
    }

    /// The state as checkpoint bytes (hebb's `checkpoint.bin` format).
    fn state_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let ck = Checkpoint::new(self.state.clone(), 0, 0.0);
        Ok(PyBytes::new(py, &ck.encode().map_err(err)?))
    }

    /// Writes the state as a checkpoint file (the format of a run's `checkpoint.bin`).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        let ck = Checkpoint::new(self.state.clone(), 0, 0.0);
        hebb_train::fsio::write_atomic(&path, &ck.encode().map_err(err)?).map_err(err)
    }

    /// Continues from a checkpoint file (an `ES.save` file or a run's `checkpoint.bin`), with
    /// this ES's hyper-parameters; the dimension and seed must match.
    fn load(&mut self, path: PathBuf) -> PyResult<()> {
        let b = std::fs::read(&path).map_err(|e| PyOSError::new_err(format!("{}: {e}", path.display())))?;
        let ck = Checkpoint::decode(&b).map_err(|m| value_err(format!("{}: {m}", path.display())))?;
        if ck.state.params.len() != self.state.params.len() {
            return Err(value_err(format!(
                "{}: {} parameters, this ES has {}",
                path.display(),
                ck.state.params.len(),
                self.state.params.len()
            )));
        }
        if ck.state.seed != self.state.seed {
            return Err(value_err(format!(
                "{}: seed {}, this ES has {}",
                path.display(),
                ck.state.seed,
                self.state.seed
            )));
        }
        self.state = ck.state;
        self.penalties = None;
        Ok(())
    }
}

/// `hebb_train::es::derive_seed`: a seed derived from a run seed and a path of indices.
#[pyfunction]
fn derive_seed(seed: u64, path: Vec<u64>) -> u64 {
    hebb_train::es::derive_seed(seed, &path)
}

// ---------------------------------------------------------------------------------------------
// Training

/// A run's controller for a caller that steps the environment (a training worker).
#[pyclass(module = "hebb._hebb", name = "Agent", unsendable)]
struct PyAgent {
    agent: Agent,
    state: Option<EsState>,
}

#[pymethods]
impl PyAgent {
    /// The agent of a run configuration (`config.json`'s text).
    #[new]
    fn new(config_json: &str) -> PyResult<Self> {
        let cfg: TrainConfig =
            serde_json::from_str(config_json).map_err(|e| value_err(format!("run configuration: {e}")))?;
        Ok(PyAgent { agent: Agent::new(cfg).map_err(err)?, state: None })
    }

    /// The agent of a run directory with the parameters of its checkpoint (the ES mean).
    #[staticmethod]
    fn from_run(dir: PathBuf) -> PyResult<Self> {
        let run = RunDir::open(&dir).map_err(err)?;
        let cfg = run.load_config().map_err(err)?;
        let mut setup = Setup::new(cfg).map_err(err)?;
        let ck = run.load_checkpoint_for(&mut setup).map_err(err)?;
        let mut agent = Agent::with_setup(setup).map_err(err)?;
        agent.set_params(&ck.state.params).map_err(err)?;
        Ok(PyAgent { agent, state: Some(ck.state) })
    }

    /// The run configuration as JSON.
    #[getter]
    fn config_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.agent.setup.cfg).map_err(|e| value_err(e.to_string()))
    }

    /// Network sizes.
    #[getter]
    fn sizes(&self) -> Vec<usize> {
        self.agent.setup.sizes.iter().copied().collect()
    }

    /// Length of the evolved vector.
    #[getter]
    fn dim(&self) -> usize {
        self.agent.setup.dim
    }

    /// Observation length the network takes.
    #[getter]
    fn obs_dim(&self) -> usize {
        self.agent.setup.obs_dim
    }

    /// Number of environment variants a candidate is evaluated on.
    #[getter]
    fn n_variants(&self) -> usize {
        self.agent.setup.variants().len()
    }

    /// Generations done by the loaded ES state (0 without one).
    #[getter]
    fn generation(&self) -> u32 {
        self.state.as_ref().map_or(0, |s| s.generation)
    }

    /// The ES state the candidates come from (checkpoint bytes).
    fn load_state(&mut self, data: &[u8]) -> PyResult<()> {
        let ck = Checkpoint::decode(data).map_err(value_err)?;
        self.state = Some(ck.state);
        Ok(())
    }

    /// Loads candidate `i` of the loaded state's generation; returns its penalty.
    fn set_candidate(&mut self, i: usize) -> PyResult<f64> {
        let s = self.state.as_ref().ok_or_else(|| value_err("no ES state loaded"))?;
        if i >= self.agent.setup.cfg.es.pop {
            return Err(value_err(format!("candidate {i} outside 0..{}", self.agent.setup.cfg.es.pop)));
        }
        self.agent.set_candidate(s, i).map_err(err)
    }

    /// Sets the parameter vector.
    fn set_params(&mut self, params: PyReadonlyArrayDyn<'_, f32>) -> PyResult<()> {
        self.agent.set_params(slice_of(&params, "params")?).map_err(err)
    }

    /// The parameter vector.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, self.agent.params())
    }

    /// Seed of episode `e` of variant `v`, candidate `i` in the loaded state's generation.
    fn episode_seed(&self, i: usize, v: usize, e: usize) -> PyResult<u64> {
        let s = self.state.as_ref().ok_or_else(|| value_err("no ES state loaded"))?;
        Ok(hebb_train::train::episode_seed(s.seed, s.generation, i / 2, v, e))
    }

    /// Starts an episode (draws the initial weights from the episode seed).
    fn begin(&mut self, seed: u64) -> PyResult<()> {
        self.agent.begin(seed).map_err(err)
    }

    /// One step on `obs` (float32): an int, a float32 array, or None when the observation is
    /// not finite (the trainer cuts the episode there).
    fn act<'py>(
        &mut self,
        py: Python<'py>,
        obs: PyReadonlyArrayDyn<'_, f32>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let o = slice_of(&obs, "obs")?;
        Ok(match self.agent.act(o).map_err(err)? {
            Act::Discrete(a) => Some(a.into_pyobject(py)?.into_any()),
            Act::Continuous(a) => Some(PyArray1::from_slice(py, a).into_any()),
            Act::Aborted => None,
        })
    }

    /// The network's weight matrices after the last step.
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f32>>> {
        self.agent.net().weights().into_iter().map(|w| PyArray1::from_slice(py, w)).collect()
    }
}

/// Trains through hebb-train's loop, evaluating each generation with
/// `evaluate(state_bytes, generation) -> [(total_return, steps, aborted, penalty)] * pop`.
/// Returns the number of generations done.
#[pyfunction]
#[pyo3(signature = (out, config_json, resume, evaluate, stop_after=None, threads=0))]
fn train_run(
    py: Python<'_>,
    out: PathBuf,
    config_json: &str,
    resume: bool,
    evaluate: Bound<'_, PyAny>,
    stop_after: Option<u32>,
    threads: usize,
) -> PyResult<u32> {
    let cfg: TrainConfig =
        serde_json::from_str(config_json).map_err(|e| value_err(format!("run configuration: {e}")))?;
    if cfg.options.merge.is_some() {
        // The Python evaluator rebuilds its agents from the configuration, which a merge
        // changes mid-run.
        return Err(value_err(
            "rule merging (options.merge) is not available from Python yet; train with `hebb train --merge-every`",
        ));
    }
    let mut py_err: Option<PyErr> = None;
    let mut ev = crate::train::CallbackEvaluator::new(
        threads,
        |setup: &Setup, state: &EsState, out: &mut [CandidateResult]| {
            let ck = Checkpoint::new(state.clone(), 0, 0.0);
            let bytes = PyBytes::new(py, &ck.encode()?);
            let fail = |e: PyErr, slot: &mut Option<PyErr>| {
                let interrupted = e.is_instance_of::<PyKeyboardInterrupt>(py);
                *slot = Some(e);
                if interrupted {
                    Error::Interrupted { signal: 2, generation: state.generation, dir: PathBuf::new() }
                } else {
                    Error::Config("the Python evaluation failed".into())
                }
            };
            let rows: Vec<(f64, u64, u32, f64)> =
                match evaluate.call1((bytes, state.generation)).and_then(|r| r.extract()) {
                    Ok(r) => r,
                    Err(e) => return Err(fail(e, &mut py_err)),
                };
            if rows.len() != out.len() {
                return Err(Error::WrongLength {
                    what: "the evaluation's list of results".into(),
                    got: rows.len(),
                    expected: out.len(),
                });
            }
            for (o, (total, steps, aborted, penalty)) in out.iter_mut().zip(rows) {
                *o = crate::train::candidate_result(setup, total, steps, aborted, penalty);
            }
            Ok(())
        },
    )
    .map_err(err)?;
    let r = crate::train::run(&out, cfg, resume, stop_after, &mut ev);
    drop(ev);
    match (r, py_err) {
        (Ok(s), _) => Ok(s.generations),
        (Err(e @ Error::Interrupted { .. }), _) => Err(PyKeyboardInterrupt::new_err(format!(
            "{e}; continue with hebb.train(..., out={:?}, resume=True)",
            out.display().to_string()
        ))),
        (Err(_), Some(pe)) => Err(pe),
        (Err(e), None) => Err(err(e)),
    }
}

/// `hebb_train::plot::run_title` of a configuration (for progress bars).
#[pyfunction]
fn run_title(config_json: &str) -> PyResult<String> {
    let cfg: TrainConfig = serde_json::from_str(config_json).map_err(|e| value_err(e.to_string()))?;
    Ok(hebb_train::plot::run_title(&cfg))
}

/// The default run configuration (the `hebb train` quickstart) as JSON.
#[pyfunction]
fn default_config() -> PyResult<String> {
    serde_json::to_string(&TrainConfig::default()).map_err(|e| value_err(e.to_string()))
}

/// Checks a run configuration (JSON) the way `hebb train` does; returns `(dim, sizes)`.
#[pyfunction]
fn check_config(config_json: &str) -> PyResult<(usize, Vec<usize>)> {
    let cfg: TrainConfig =
        serde_json::from_str(config_json).map_err(|e| value_err(format!("run configuration: {e}")))?;
    let s = Setup::new(cfg).map_err(err)?;
    Ok((s.dim, s.sizes.iter().copied().collect()))
}

#[pymodule]
fn _hebb(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RawEnv>()?;
    m.add_class::<RawVecEnv>()?;
    m.add_class::<Rule>()?;
    m.add_class::<Network>()?;
    m.add_class::<ES>()?;
    m.add_class::<PyAgent>()?;
    m.add_function(wrap_pyfunction!(builtin_envs, m)?)?;
    m.add_function(wrap_pyfunction!(load_rule, m)?)?;
    m.add_function(wrap_pyfunction!(n_coefficients, m)?)?;
    m.add_function(wrap_pyfunction!(cnn_forward, m)?)?;
    m.add_function(wrap_pyfunction!(coeffs_from_interchange, m)?)?;
    m.add_function(wrap_pyfunction!(derive_seed, m)?)?;
    m.add_function(wrap_pyfunction!(train_run, m)?)?;
    m.add_function(wrap_pyfunction!(run_title, m)?)?;
    m.add_function(wrap_pyfunction!(default_config, m)?)?;
    m.add_function(wrap_pyfunction!(check_config, m)?)?;
    Ok(())
}

/// Number of discrete actions of a space, or `None` for a continuous box.
fn n_actions(space: &Space) -> Option<usize> {
    match space {
        Space::Discrete(n) => Some(*n),
        Space::Box { .. } => None,
    }
}

/// Lower and upper bounds of an action box (`None` for discrete actions).
fn action_bounds(space: &Space) -> Option<(Vec<f32>, Vec<f32>)> {
    match space {
        Space::Discrete(_) => None,
        Space::Box { low, high } => Some((low.clone(), high.clone())),
    }
}
