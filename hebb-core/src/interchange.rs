//! Conversion between the in-memory coefficient layout (structure-of-arrays, see
//! [`RuleTable`](crate::RuleTable)) and the interchange layout (docs/method.md, Rules), in which the Python reference
//! stores its coefficients: layers concatenated; inside a layer synapse (i → j) has index
//! `i·n_out + j` (presynaptic-major) and holds its `n_coeffs` values contiguously.

use crate::error::{Error, Result};
use crate::rule::RuleKind;
use crate::shape::{IntoShape, Shape, layer_span};

fn check(rule: RuleKind, sizes: impl IntoShape, a: usize, b: usize) -> Result<Shape> {
    let shape = sizes.into_shape()?;
    let expected = shape.n_coefficients(rule);
    for got in [a, b] {
        if got != expected {
            return Err(Error::Length { what: "coefficient table", expected, got });
        }
    }
    Ok(shape)
}

/// Visits every (interchange index, in-memory index) pair.
fn for_each_pair(rule: RuleKind, sizes: &Shape, mut f: impl FnMut(usize, usize)) {
    let n = rule.n_coeffs();
    for l in 0..sizes.depth() {
        let (start, _) = layer_span(sizes, l, n);
        let (n_in, n_out) = (sizes[l], sizes[l + 1]);
        let plane = n_in * n_out;
        for i in 0..n_in {
            for j in 0..n_out {
                for k in 0..n {
                    f(start + (i * n_out + j) * n + k, start + k * plane + j * n_in + i);
                }
            }
        }
    }
}

/// Converts interchange-layout coefficients `src` into the in-memory layout `dst`.
pub fn coeffs_from_interchange(
    rule: RuleKind,
    sizes: impl IntoShape,
    src: &[f32],
    dst: &mut [f32],
) -> Result<()> {
    let shape = check(rule, sizes, src.len(), dst.len())?;
    for_each_pair(rule, &shape, |x, m| dst[m] = src[x]);
    Ok(())
}

/// Converts in-memory coefficients `src` into the interchange layout `dst`.
pub fn coeffs_to_interchange(
    rule: RuleKind,
    sizes: impl IntoShape,
    src: &[f32],
    dst: &mut [f32],
) -> Result<()> {
    let shape = check(rule, sizes, src.len(), dst.len())?;
    for_each_pair(rule, &shape, |x, m| dst[x] = src[m]);
    Ok(())
}
