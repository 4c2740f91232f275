//! Writes a deterministic, **untrained** ABCD_lr rule file for the quadruped network
//! (28 → 128 → 64 → 8): every coefficient is `0.1 · N(0, 1)` drawn from
//! `Xoshiro256PlusPlus::seed_from_u64(seed)`. It is a placeholder for firmware builds and
//! parity tests until a trained quadruped rule exists; its header says
//! `env: "untrained-placeholder"`.
//!
//! ```text
//! cargo run -p hebb-core --example make_rule -- --seed 1 --out hebb-mcu/rules/ant.hebb
//! ```

use std::process::ExitCode;

use hebb_core::rulefile::{self, Header};
use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

const USAGE: &str = "usage: make_rule --seed N --out FILE";

fn parse_args() -> Result<(u64, String), String> {
    let mut seed = None;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => {
                let v = args.next().ok_or("--seed needs a value")?;
                seed = Some(v.parse::<u64>().map_err(|e| format!("--seed {v}: {e}"))?);
            }
            "--out" => out = Some(args.next().ok_or("--out needs a value")?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`; {USAGE}")),
        }
    }
    Ok((seed.ok_or(USAGE)?, out.ok_or(USAGE)?))
}

/// The placeholder rule file's bytes for `seed`.
fn placeholder(seed: u64) -> Result<Vec<u8>, hebb_core::Error> {
    let header = Header::untrained_ant(seed);
    let mut coeffs = vec![0.0f32; header.n_coefficients as usize];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    hebb_core::init::fill_normal(&mut rng, 0.1, &mut coeffs);
    let mut out = vec![0u8; rulefile::encoded_len(&header)?];
    let len = rulefile::encode(&header, &coeffs, &[], &[], &mut out)?;
    out.truncate(len);
    Ok(out)
}

fn main() -> ExitCode {
    let (seed, path) = match parse_args() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("make_rule: {e}");
            return ExitCode::from(2);
        }
    };
    let bytes = match placeholder(seed) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("make_rule: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&path, &bytes) {
        eprintln!("make_rule: cannot write {path}: {e}");
        return ExitCode::FAILURE;
    }
    println!("wrote {path}: {} bytes, untrained ABCD_lr placeholder, seed {seed}", bytes.len());
    ExitCode::SUCCESS
}
