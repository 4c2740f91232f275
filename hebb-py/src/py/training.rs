//! Training: a run's controller for a worker that steps the environment, hebb-train's loop
//! with a Python evaluation, and run configurations.

use std::path::PathBuf;

use hebb_train::es::EsState;
use hebb_train::run::{Checkpoint, RunDir};
use hebb_train::setup::TrainConfig;
use hebb_train::train::CandidateResult;
use hebb_train::{Error, Setup};
use numpy::{PyArray1, PyReadonlyArrayDyn};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::{err, slice_of, value_err};
use crate::agent::{Act, Agent};

/// A run's controller for a caller that steps the environment (a training worker).
#[pyclass(module = "hebb._hebb", name = "Agent", unsendable)]
pub(super) struct PyAgent {
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
pub(super) fn train_run(
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
pub(super) fn run_title(config_json: &str) -> PyResult<String> {
    let cfg: TrainConfig = serde_json::from_str(config_json).map_err(|e| value_err(e.to_string()))?;
    Ok(hebb_train::plot::run_title(&cfg))
}

/// The default run configuration (the `hebb train` quickstart) as JSON.
#[pyfunction]
pub(super) fn default_config() -> PyResult<String> {
    serde_json::to_string(&TrainConfig::default()).map_err(|e| value_err(e.to_string()))
}

/// Checks a run configuration (JSON) the way `hebb train` does; returns `(dim, sizes)`.
#[pyfunction]
pub(super) fn check_config(config_json: &str) -> PyResult<(usize, Vec<usize>)> {
    let cfg: TrainConfig =
        serde_json::from_str(config_json).map_err(|e| value_err(format!("run configuration: {e}")))?;
    let s = Setup::new(cfg).map_err(err)?;
    Ok((s.dim, s.sizes.iter().copied().collect()))
}
