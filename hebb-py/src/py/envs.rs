//! Environments: one built-in environment, or `n` stepped together across threads.

use hebb_train::env::{Env, Space};
use numpy::ndarray::IxDyn;
use numpy::{
    PyArray1, PyArrayDyn, PyArrayMethods, PyReadonlyArray1, PyReadonlyArrayDyn, PyReadwriteArray1,
    PyReadwriteArrayDyn,
};
use pyo3::prelude::*;

use super::{action_bounds, err, n_actions, value_err};
use crate::vecenv::{self, Actions, Out, VecEnv};

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
pub(super) struct RawEnv {
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
pub(super) struct RawVecEnv {
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
pub(super) fn builtin_envs() -> Vec<(&'static str, &'static str)> {
    hebb_train::env::ENVS.to_vec()
}
