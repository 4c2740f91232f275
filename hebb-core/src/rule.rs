//! The rule family (docs/method.md, Rules): nine per-synapse learning rules.
//!
//! Every rule reads the presynaptic activity `pre`, the postsynaptic activity `post` and the
//! synapse's own coefficient vector `c`. The expressions are evaluated in exactly the order
//! written here (left to right, as the reference's numba code does), without fused
//! multiply-adds, so every kernel and every target produces the same bits.

use core::fmt;
use core::str::FromStr;

use crate::error::Error;

/// One of the nine rules of the family. The discriminant is the code used in rule files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RuleKind {
    /// `Δw = c0·pre·post`
    A = 0,
    /// `Δw = c0·pre·post + c1`
    AD = 1,
    /// `Δw = c2·(c0·pre·post + c1)`
    ADLr = 2,
    /// `Δw = c0·pre·post + c1·pre + c2·post`
    ABC = 3,
    /// `Δw = c3·(c0·pre·post + c1·pre + c2·post)`
    ABCLr = 4,
    /// `Δw = c0·pre·post + c1·pre + c2·post + c3`
    ABCD = 5,
    /// `Δw = c3·(c0·pre·post + c1·pre + c2·post + c4)` — the paper's rule.
    ABCDLr = 6,
    /// `Δw = c3·(c0·pre·post + c1·pre + c2·post) + c4`
    ABCDLrDOut = 7,
    /// `Δw = c3·(c0·pre·post + c1·pre + c2·post + c4) + c5`
    ABCDLrDInAndOut = 8,
}

impl RuleKind {
    /// All nine rules, in code order.
    pub const ALL: [RuleKind; 9] = [
        RuleKind::A,
        RuleKind::AD,
        RuleKind::ADLr,
        RuleKind::ABC,
        RuleKind::ABCLr,
        RuleKind::ABCD,
        RuleKind::ABCDLr,
        RuleKind::ABCDLrDOut,
        RuleKind::ABCDLrDInAndOut,
    ];

    /// The most coefficients any rule has per synapse.
    pub const MAX_COEFFS: usize = 6;

    /// Coefficients per synapse.
    pub const fn n_coeffs(self) -> usize {
        match self {
            RuleKind::A => 1,
            RuleKind::AD => 2,
            RuleKind::ADLr | RuleKind::ABC => 3,
            RuleKind::ABCLr | RuleKind::ABCD => 4,
            RuleKind::ABCDLr | RuleKind::ABCDLrDOut => 5,
            RuleKind::ABCDLrDInAndOut => 6,
        }
    }

    /// The name used by the paper's code and by the CLI (`ABCD_lr`, …).
    pub const fn name(self) -> &'static str {
        match self {
            RuleKind::A => "A",
            RuleKind::AD => "AD",
            RuleKind::ADLr => "AD_lr",
            RuleKind::ABC => "ABC",
            RuleKind::ABCLr => "ABC_lr",
            RuleKind::ABCD => "ABCD",
            RuleKind::ABCDLr => "ABCD_lr",
            RuleKind::ABCDLrDOut => "ABCD_lr_D_out",
            RuleKind::ABCDLrDInAndOut => "ABCD_lr_D_in_and_out",
        }
    }

    /// The rule with file code `code`.
    pub const fn from_code(code: u8) -> Result<Self, Error> {
        if (code as usize) < Self::ALL.len() {
            Ok(Self::ALL[code as usize])
        } else {
            Err(Error::UnknownRule(code))
        }
    }

    /// The rule's file code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// `Δw` for one synapse, evaluated in the reference order. `c` must hold at least
    /// [`n_coeffs`](Self::n_coeffs) entries; missing entries read as zero.
    pub fn delta(self, c: &[f32], pre: f32, post: f32) -> f32 {
        let g = |k: usize| c.get(k).copied().unwrap_or(0.0);
        match self {
            RuleKind::A => g(0) * pre * post,
            RuleKind::AD => g(0) * pre * post + g(1),
            RuleKind::ADLr => g(2) * (g(0) * pre * post + g(1)),
            RuleKind::ABC => g(0) * pre * post + g(1) * pre + g(2) * post,
            RuleKind::ABCLr => g(3) * (g(0) * pre * post + g(1) * pre + g(2) * post),
            RuleKind::ABCD => g(0) * pre * post + g(1) * pre + g(2) * post + g(3),
            RuleKind::ABCDLr => g(3) * (g(0) * pre * post + g(1) * pre + g(2) * post + g(4)),
            RuleKind::ABCDLrDOut => g(3) * (g(0) * pre * post + g(1) * pre + g(2) * post) + g(4),
            RuleKind::ABCDLrDInAndOut => g(3) * (g(0) * pre * post + g(1) * pre + g(2) * post + g(4)) + g(5),
        }
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RuleKind {
    type Err = Error;

    /// Parses the paper's names (`ABCD_lr`), case-insensitively; `-` may stand for `_`.
    fn from_str(s: &str) -> Result<Self, Error> {
        for r in Self::ALL {
            let name = r.name();
            if name.len() == s.len()
                && name.bytes().zip(s.bytes()).all(|(a, b)| {
                    let b = if b == b'-' { b'_' } else { b };
                    a.eq_ignore_ascii_case(&b)
                })
            {
                return Ok(r);
            }
        }
        Err(Error::UnknownRule(u8::MAX))
    }
}
