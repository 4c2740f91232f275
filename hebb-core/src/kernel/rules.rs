//! Each rule as a function over lanes, in the reference's evaluation order (see
//! [`RuleKind::delta`](crate::RuleKind::delta), which is the scalar statement of the same
//! expressions and is tested against these).

use super::Lanes;
use crate::rule::RuleKind;

pub(crate) trait RuleFn {
    /// Coefficients per synapse (0: not plastic).
    const N: usize;
    /// The rule this is (`None`: not plastic), so a kernel can pick a hand-written loop (only
    /// the Cortex-M4F kernel has one).
    #[cfg_attr(not(all(target_arch = "arm", target_abi = "eabihf")), allow(dead_code))]
    const KIND: Option<RuleKind>;
    fn delta<L: Lanes>(c: &[L; 6], pre: L, post: L) -> L;
}

macro_rules! rule {
    ($name:ident, $kind:expr, $n:expr, |$c:ident, $pre:ident, $post:ident| $body:expr) => {
        #[allow(clippy::upper_case_acronyms)]
        pub(crate) struct $name;
        impl RuleFn for $name {
            const N: usize = $n;
            const KIND: Option<RuleKind> = $kind;
            #[inline(always)]
            fn delta<L: Lanes>($c: &[L; 6], $pre: L, $post: L) -> L {
                $body
            }
        }
    };
}

rule!(NoRule, None, 0, |_c, _pre, _post| L::zero());
// c0·pre·post
rule!(RA, Some(RuleKind::A), 1, |c, pre, post| c[0].mul(pre).mul(post));
// c0·pre·post + c1
rule!(RAD, Some(RuleKind::AD), 2, |c, pre, post| c[0].mul(pre).mul(post).add(c[1]));
// c2·(c0·pre·post + c1)
rule!(RADLr, Some(RuleKind::ADLr), 3, |c, pre, post| c[2].mul(c[0].mul(pre).mul(post).add(c[1])));
// c0·pre·post + c1·pre + c2·post
rule!(RABC, Some(RuleKind::ABC), 3, |c, pre, post| abc(c, pre, post));
// c3·(c0·pre·post + c1·pre + c2·post)
rule!(RABCLr, Some(RuleKind::ABCLr), 4, |c, pre, post| c[3].mul(abc(c, pre, post)));
// c0·pre·post + c1·pre + c2·post + c3
rule!(RABCD, Some(RuleKind::ABCD), 4, |c, pre, post| abc(c, pre, post).add(c[3]));
// c3·(c0·pre·post + c1·pre + c2·post + c4)
rule!(RABCDLr, Some(RuleKind::ABCDLr), 5, |c, pre, post| c[3].mul(abc(c, pre, post).add(c[4])));
// c3·(c0·pre·post + c1·pre + c2·post) + c4
rule!(RABCDLrDOut, Some(RuleKind::ABCDLrDOut), 5, |c, pre, post| c[3].mul(abc(c, pre, post)).add(c[4]));
// c3·(c0·pre·post + c1·pre + c2·post + c4) + c5
rule!(RABCDLrDInAndOut, Some(RuleKind::ABCDLrDInAndOut), 6, |c, pre, post| c[3]
    .mul(abc(c, pre, post).add(c[4]))
    .add(c[5]));

/// `((c0·pre)·post + c1·pre) + c2·post`
#[inline(always)]
fn abc<L: Lanes>(c: &[L; 6], pre: L, post: L) -> L {
    c[0].mul(pre).mul(post).add(c[1].mul(pre)).add(c[2].mul(post))
}
