//! The Python bindings (`hebb._hebb`). The Python package wraps these in Gymnasium classes and
//! the training driver (python/hebb/).

use std::str::FromStr;

use hebb_core::{Activation, RuleKind, Shape, WeightInit};
use hebb_train::Error;
use hebb_train::env::Space;
use numpy::PyReadonlyArrayDyn;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;

mod envs;
mod es;
mod network;
mod rule;
mod training;

use envs::{RawEnv, RawVecEnv, builtin_envs};
use es::{ES, derive_seed};
use network::{Network, cnn_forward, coeffs_from_interchange, n_coefficients};
use rule::{Rule, load_rule};
use training::{PyAgent, check_config, default_config, run_title, train_run};

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
