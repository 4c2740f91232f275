//! Conversion between the in-memory coefficient layout (structure-of-arrays, see
//! [`RuleTable`](crate::RuleTable)) and the interchange layout (docs/method.md, Rules), in which the Python reference
//! stores its coefficients: layers concatenated; inside a layer synapse (i → j) has index
//! `i·n_out + j` (presynaptic-major) and holds its `n_coeffs` values contiguously.

use crate::error::{Error, Result};
use crate::rule::RuleKind;
use crate::table::{Sizes, layer_span, n_coefficients};

fn check(rule: RuleKind, sizes: Sizes, a: usize, b: usize) -> Result<()> {
    let expected = n_coefficients(rule, sizes);
    for got in [a, b] {
        if got != expected {
            return Err(Error::Length { what: "coefficient table", expected, got });
        }
    }
    Ok(())
}

/// Visits every (interchange index, in-memory index) pair.
fn for_each_pair(rule: RuleKind, sizes: Sizes, mut f: impl FnMut(usize, usize)) {
    let n = rule.n_coeffs();
    for l in 0..3 {
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
pub fn coeffs_from_interchange(rule: RuleKind, sizes: Sizes, src: &[f32], dst: &mut [f32]) -> Result<()> {
    check(rule, sizes, src.len(), dst.len())?;
    for_each_pair(rule, sizes, |x, m| dst[m] = src[x]);
    Ok(())
}

/// Converts in-memory coefficients `src` into the interchange layout `dst`.
pub fn coeffs_to_interchange(rule: RuleKind, sizes: Sizes, src: &[f32], dst: &mut [f32]) -> Result<()> {
    check(rule, sizes, src.len(), dst.len())?;
    for_each_pair(rule, sizes, |x, m| dst[x] = src[m]);
    Ok(())
}
