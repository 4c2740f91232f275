//! The rule file in flash, placed by `build.rs` from `HEBB_RULE`.

use hebb_core::rulefile::RuleFile;
use hebb_core::{Config, Error, RuleTable, WeightInit};

use crate::shape::{N_SYNAPSES, SIZES};

#[repr(C, align(4))]
struct Aligned<B: ?Sized>(B);

/// The rule file's bytes, 4-byte aligned so the coefficients are read in place (zero-copy).
static RULE_FILE: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/rule.hebb")));

/// A decoded rule: coefficients borrowed from flash.
pub struct Loaded {
    pub table: RuleTable<'static>,
    pub init: WeightInit,
    pub init_weights: &'static [f32],
    /// Output activation and normalisation from the header, on the fastest kernel.
    pub config: Config,
}

/// Parses and checks the flashed rule file (magic, version, CRC, sizes, header fields).
pub fn load() -> Result<Loaded, Error> {
    let file = RuleFile::parse(&RULE_FILE.0)?;
    let table = file.rule_table(SIZES)?;
    let init = file.header().weight_init()?;
    let config = file.header().config()?.with_best_kernel();
    let init_weights = file.init_weights()?;
    if init == WeightInit::Coevolve && init_weights.len() != N_SYNAPSES {
        return Err(Error::Length {
            what: "coevolved initial weights",
            expected: N_SYNAPSES,
            got: init_weights.len(),
        });
    }
    Ok(Loaded { table, init, init_weights, config })
}
