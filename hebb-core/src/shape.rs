//! Network shapes: the list of layer sizes `[input, hidden…, output]` of a plastic network of
//! any depth (1 to [`MAX_LAYERS`] plastic layers).

use core::fmt;
use core::ops::Deref;

use crate::error::{Error, Result};
use crate::rule::RuleKind;

/// The most plastic layers a network (and a rule file) may have.
pub const MAX_LAYERS: usize = 8;

/// The largest layer a network (and a rule file) may have, which keeps every count of
/// synapses and coefficients far inside `u32`.
pub const MAX_LAYER_SIZE: usize = 1 << 16;

/// Layer sizes `[input, hidden…, output]`: at least two entries (one plastic layer), at most
/// `MAX_LAYERS + 1`, each in `1..=MAX_LAYER_SIZE`. `Copy`, no heap; dereferences to
/// `&[usize]`, and displays as `4-32-16-8-2`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    len: usize,
    sizes: [usize; MAX_LAYERS + 1],
}

impl Shape {
    /// The shape with these layer sizes, checked.
    pub const fn new(sizes: &[usize]) -> Result<Shape> {
        if sizes.len() < 2 || sizes.len() > MAX_LAYERS + 1 {
            return Err(Error::InvalidField("layers: a network has 1 to 8 plastic layers"));
        }
        let mut s = [0; MAX_LAYERS + 1];
        let mut k = 0;
        while k < sizes.len() {
            if sizes[k] == 0 || sizes[k] > MAX_LAYER_SIZE {
                return Err(Error::InvalidField("layers: every size must be in 1..=65536"));
            }
            s[k] = sizes[k];
            k += 1;
        }
        Ok(Shape { len: sizes.len(), sizes: s })
    }

    /// The layer sizes.
    pub const fn as_slice(&self) -> &[usize] {
        // `len ≤ MAX_LAYERS + 1` always; the checked form keeps every path panic-free.
        match self.sizes.split_at_checked(self.len) {
            Some((s, _)) => s,
            None => &self.sizes,
        }
    }

    /// Number of plastic layers (weight matrices).
    pub const fn depth(&self) -> usize {
        self.len - 1
    }

    /// Input size.
    pub const fn input(&self) -> usize {
        self.sizes[0]
    }

    /// Output size.
    pub const fn output(&self) -> usize {
        match self.as_slice().last() {
            Some(&o) => o,
            None => 0,
        }
    }

    /// Number of synapses (= weights).
    pub const fn n_synapses(&self) -> usize {
        n_synapses(self.as_slice())
    }

    /// Number of neurons, inputs included (the length of a per-neuron coefficient plane).
    pub const fn n_neurons(&self) -> usize {
        self.input().saturating_add(self.n_activity())
    }

    /// Activity values a network of this shape keeps: every plastic layer's output.
    pub const fn n_activity(&self) -> usize {
        let s = self.as_slice();
        let mut n = 0;
        let mut k = 1;
        while k < s.len() {
            n += s[k];
            k += 1;
        }
        n
    }

    /// Coefficients `rule` needs per synapse for this shape.
    pub const fn n_coefficients(&self, rule: RuleKind) -> usize {
        rule.n_coeffs() * self.n_synapses()
    }
}

impl Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        self.as_slice()
    }
}

impl<const N: usize> PartialEq<[usize; N]> for Shape {
    fn eq(&self, o: &[usize; N]) -> bool {
        self.as_slice() == o
    }
}

impl PartialEq<[usize]> for Shape {
    fn eq(&self, o: &[usize]) -> bool {
        self.as_slice() == o
    }
}

impl fmt::Display for Shape {
    /// `4-32-16-8-2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, s) in self.iter().enumerate() {
            if k > 0 {
                f.write_str("-")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shape({self})")
    }
}

/// A shape in compact form (`u32` sizes), as errors carry it: small enough that every
/// `Result` of the core stays small.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Layers {
    len: u8,
    sizes: [u32; MAX_LAYERS + 1],
}

impl Layers {
    /// The layer sizes.
    pub fn as_slice(&self) -> &[u32] {
        self.sizes.get(..usize::from(self.len)).unwrap_or(&self.sizes)
    }
}

impl From<Shape> for Layers {
    fn from(s: Shape) -> Layers {
        let mut sizes = [0u32; MAX_LAYERS + 1];
        for (d, &v) in sizes.iter_mut().zip(s.iter()) {
            // Sizes are at most MAX_LAYER_SIZE, so this never saturates.
            *d = u32::try_from(v).unwrap_or(u32::MAX);
        }
        Layers { len: s.len as u8, sizes }
    }
}

impl fmt::Display for Layers {
    /// `4-32-16-8-2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, s) in self.as_slice().iter().enumerate() {
            if k > 0 {
                f.write_str("-")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Layers({self})")
    }
}

/// Anything that names a shape: a [`Shape`], or layer sizes as an array or a slice.
pub trait IntoShape {
    /// The checked shape.
    fn into_shape(self) -> Result<Shape>;
}

impl IntoShape for Shape {
    fn into_shape(self) -> Result<Shape> {
        Ok(self)
    }
}
impl IntoShape for &Shape {
    fn into_shape(self) -> Result<Shape> {
        Ok(*self)
    }
}
impl IntoShape for &[usize] {
    fn into_shape(self) -> Result<Shape> {
        Shape::new(self)
    }
}
impl<const N: usize> IntoShape for [usize; N] {
    fn into_shape(self) -> Result<Shape> {
        Shape::new(&self)
    }
}
impl<const N: usize> IntoShape for &[usize; N] {
    fn into_shape(self) -> Result<Shape> {
        Shape::new(self)
    }
}

/// Number of synapses of a network with these layer sizes (saturating).
pub const fn n_synapses(s: &[usize]) -> usize {
    let mut n: usize = 0;
    let mut k = 0;
    while k + 1 < s.len() {
        n = n.saturating_add(s[k].saturating_mul(s[k + 1]));
        k += 1;
    }
    n
}

/// Number of coefficients a rule needs for a network with these layer sizes (saturating).
pub const fn n_coefficients(rule: RuleKind, s: &[usize]) -> usize {
    rule.n_coeffs().saturating_mul(n_synapses(s))
}

/// Start and length of layer `l`'s block in a per-synapse table with `per` values per synapse.
/// Past the last layer: `(total, 0)`.
pub(crate) const fn layer_span(s: &[usize], l: usize, per: usize) -> (usize, usize) {
    let mut start = 0;
    let mut k = 0;
    // (`k < len` is spelled out beside `k + 1 < len` so the optimiser sees both indices in
    // bounds: the firmware links with a no-panic check.)
    while k < l && k < s.len() && k + 1 < s.len() {
        start += s[k] * s[k + 1] * per;
        k += 1;
    }
    if l < s.len() && l + 1 < s.len() { (start, s[l] * s[l + 1] * per) } else { (start, 0) }
}

impl serde::Serialize for Shape {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len))?;
        for &v in self.iter() {
            seq.serialize_element(&(v as u32))?;
        }
        seq.end()
    }
}

impl<'de> serde::Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Shape, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of 2 to 9 layer sizes")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> core::result::Result<Shape, A::Error> {
                let mut s = [0usize; MAX_LAYERS + 1];
                let mut n = 0;
                while let Some(v) = a.next_element::<u32>()? {
                    if n == s.len() {
                        return Err(serde::de::Error::custom("too many layers"));
                    }
                    s[n] = v as usize;
                    n += 1;
                }
                Shape::new(&s[..n]).map_err(|_| serde::de::Error::custom("invalid layer sizes"))
            }
        }
        d.deserialize_seq(V)
    }
}
