//! The evolution strategy (OpenAI-ES, as hebb-train runs it).

use std::path::PathBuf;

use hebb_train::es::{EsConfig, EsState, ParamInit};
use hebb_train::run::Checkpoint;
use hebb_train::setup::TrainConfig;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArrayDyn};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

use super::{err, value_err};

fn parse_param_init(s: &str) -> PyResult<ParamInit> {
    match s {
        "normal" => Ok(ParamInit::Normal),
        "uniform" | "uni" => Ok(ParamInit::Uniform),
        _ => Err(value_err(format!("unknown parameter init `{s}` (normal, uniform)"))),
    }
}

/// OpenAI-ES with mirrored sampling and seed-regenerated noise (hebb-train's `es`).
#[pyclass(module = "hebb._hebb")]
pub(super) struct ES {
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
pub(super) fn derive_seed(seed: u64, path: Vec<u64>) -> u64 {
    hebb_train::es::derive_seed(seed, &path)
}
