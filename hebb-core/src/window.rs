//! Hebbian-attractor options (Dittrich, van Diggelen & Floreano, ICRA 2026): the Hebbian
//! update only every *k*-th control step, with the pre- and postsynaptic activities averaged
//! over the last *M* steps. Together with per-layer max-|w| normalisation
//! ([`Config::normalize`](crate::Config)) they turn the weights into fixed-point or
//! limit-cycle attractors instead of drifting ones; the authors use *k* = 4 and *M* = 10.
//!
//! [`ActivityWindow`] holds the recorded activities in a buffer the caller provides (a
//! `[f32; N]` array in a `static` on a microcontroller, a `Vec` on the desktop), so the
//! option needs no heap. [`Network::step_windowed`](crate::Network::step_windowed) runs it.

use crate::error::{Error, Result};
use crate::shape::Shape;

/// How often the Hebbian update runs and over how many steps it averages. The default
/// (`every = 1, window = 1`) is the paper's: every step, on the step's own activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Plasticity {
    /// Update on every `every`-th step (the first step of an episode included); ≥ 1.
    pub every: u16,
    /// Average the activities of the last `window` steps (fewer at the start of an episode);
    /// ≥ 1.
    pub window: u16,
}

impl Default for Plasticity {
    fn default() -> Self {
        Plasticity::PAPER
    }
}

impl Plasticity {
    /// Every step, no averaging (Najarro & Risi).
    pub const PAPER: Plasticity = Plasticity { every: 1, window: 1 };
    /// The attractor setting of Dittrich et al.: every 4th step, averaged over 10.
    pub const ATTRACTOR: Plasticity = Plasticity { every: 4, window: 10 };

    /// Checked constructor: both must be at least 1.
    pub const fn new(every: u16, window: u16) -> Result<Plasticity> {
        if every == 0 {
            return Err(Error::InvalidField("plasticity: update interval (every) must be ≥ 1"));
        }
        if window == 0 {
            return Err(Error::InvalidField("plasticity: averaging window must be ≥ 1"));
        }
        Ok(Plasticity { every, window })
    }

    /// Whether this is the plain per-step update (no window needed).
    pub const fn is_plain(self) -> bool {
        self.every == 1 && self.window == 1
    }

    /// Floats an [`ActivityWindow`] needs for a network of this shape: `window + 1` rows
    /// (the recorded steps and their mean) of [`Shape::n_neurons`] values.
    pub const fn buffer_len(self, shape: &Shape) -> usize {
        (self.window as usize + 1).saturating_mul(shape.n_neurons())
    }
}

/// The activities of a network's last [`Plasticity::window`] steps — input and every layer's
/// output — and a step counter, on a caller-provided buffer of
/// [`Plasticity::buffer_len`] floats.
#[derive(Debug, Clone)]
pub struct ActivityWindow<B> {
    buf: B,
    plasticity: Plasticity,
    /// Values per recorded step (the network's neuron count).
    width: usize,
    /// Steps since the last reset.
    t: u64,
    /// Recorded steps (≤ window).
    filled: usize,
    /// Slot the next step goes to.
    next: usize,
}

/// A window on a `Vec` (feature `alloc`).
#[cfg(feature = "alloc")]
pub type HeapWindow = ActivityWindow<alloc::vec::Vec<f32>>;

#[cfg(feature = "alloc")]
impl HeapWindow {
    /// A heap-backed window for a network of this shape.
    pub fn for_shape(plasticity: Plasticity, shape: &Shape) -> Result<Self> {
        ActivityWindow::on_buffer(plasticity, shape, alloc::vec![0.0; plasticity.buffer_len(shape)])
    }
}

impl<B: AsRef<[f32]> + AsMut<[f32]>> ActivityWindow<B> {
    /// A window for a network of `shape` on `buf`, which must hold exactly
    /// [`plasticity.buffer_len(shape)`](Plasticity::buffer_len) floats.
    pub fn on_buffer(plasticity: Plasticity, shape: &Shape, buf: B) -> Result<Self> {
        let plasticity = Plasticity::new(plasticity.every, plasticity.window)?;
        let expected = plasticity.buffer_len(shape);
        if buf.as_ref().len() != expected {
            return Err(Error::Length { what: "activity window", expected, got: buf.as_ref().len() });
        }
        Ok(ActivityWindow { buf, plasticity, width: shape.n_neurons(), t: 0, filled: 0, next: 0 })
    }

    /// The options.
    pub fn plasticity(&self) -> Plasticity {
        self.plasticity
    }

    /// Steps since the last reset.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// Forgets the recorded activities and restarts the step count (with every episode).
    pub fn reset(&mut self) {
        self.t = 0;
        self.filled = 0;
        self.next = 0;
    }

    pub(crate) fn check_shape(&self, shape: &Shape) -> Result<()> {
        if self.width != shape.n_neurons() {
            return Err(Error::Length {
                what: "activity window width",
                expected: shape.n_neurons(),
                got: self.width,
            });
        }
        Ok(())
    }

    /// Counts a step without recording it (the plain setting).
    pub(crate) fn tick(&mut self) {
        self.t = self.t.wrapping_add(1);
    }

    /// Records one step's activities (`input`, then every layer's output in `act`) and counts
    /// the step; returns whether the update is due at this step.
    pub(crate) fn record(&mut self, input: &[f32], act: &[f32]) -> bool {
        let (w, slot) = (self.width, self.next);
        if let Some(row) = self.buf.as_mut().get_mut(slot * w..(slot + 1) * w) {
            let (a, b) = row.split_at_mut(input.len().min(w));
            for (d, s) in a.iter_mut().zip(input) {
                *d = *s;
            }
            for (d, s) in b.iter_mut().zip(act) {
                *d = *s;
            }
        }
        let m = usize::from(self.plasticity.window);
        self.next = if slot + 1 >= m { 0 } else { slot + 1 };
        self.filled = (self.filled + 1).min(m);
        // (`checked_rem`: `every` ≥ 1 by construction, and the firmware links without panics.)
        let due = self.t.checked_rem(u64::from(self.plasticity.every)) == Some(0);
        self.t = self.t.wrapping_add(1);
        due
    }

    /// The mean of the recorded steps, split into the input and the layers' outputs. Each value
    /// is summed over the recorded slots in slot order, starting from the first slot's value
    /// (so a window of one gives the step's own values, signs of zeros included), then divided
    /// by the number of slots.
    pub(crate) fn mean(&mut self, n_input: usize) -> (&[f32], &[f32]) {
        let (w, filled) = (self.width, self.filled.max(1));
        let m = usize::from(self.plasticity.window);
        let buf = self.buf.as_mut();
        let (slots, mean) = buf.split_at_mut((m * w).min(buf.len()));
        for (i, out) in mean.iter_mut().enumerate().take(w) {
            let mut s = slots.get(i).copied().unwrap_or(0.0);
            for k in 1..filled {
                s += slots.get(k * w + i).copied().unwrap_or(0.0);
            }
            *out = s / filled as f32;
        }
        mean.split_at(n_input.min(mean.len()))
    }
}
