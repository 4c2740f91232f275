//! Rule files (`.hebb`): reading one, its header and its rule.

use std::path::PathBuf;

use hebb_core::rulefile::{ActionMap, Encoding, FrontEnd, Header, RuleFile};
use hebb_core::{CoeffLayout, WeightInit};
use hebb_train::export::AlignedBytes;
use numpy::{PyArray1, PyReadonlyArrayDyn};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::{
    activation_name, core_err, err, init_name, parse_activation, parse_rule, shape_of, slice_of, value_err,
};

/// A rule file (`.hebb`): a rule, its coefficients and how to run them.
#[pyclass(module = "hebb._hebb", frozen)]
pub(super) struct Rule {
    bytes: AlignedBytes,
}

impl Rule {
    pub(super) fn file(&self) -> RuleFile<'_> {
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
pub(super) fn load_rule(path: PathBuf) -> PyResult<Rule> {
    let b = std::fs::read(&path).map_err(|e| PyOSError::new_err(format!("{}: {e}", path.display())))?;
    Rule::from_bytes(&b).map_err(|e| value_err(format!("{}: {e}", path.display())))
}
