//! Bring your own robot: train a Hebbian controller for a two-link arm that hebb does not know
//! (`arm.rs`, on rapier2d) through the library API, from random weights, and compare it with
//! the random rule it started from.
//!
//! ```text
//! cargo run --release -p hebb-train --example reacher [RUN_DIR]
//! ```

mod arm;

use std::path::PathBuf;

use hebb_train::env::EnvFactory;
use hebb_train::es::{EsConfig, EsState};
use hebb_train::eval::evaluate;
use hebb_train::train::{RunOptions, train_with};
use hebb_train::{Error, Setup, TrainConfig};

/// The arm's factory: one environment per variant; this robot has no variants.
pub fn reacher() -> EnvFactory {
    EnvFactory::new("reacher", |variant| match variant {
        None => Ok(Box::new(arm::Reacher::new())),
        Some(v) => Err(Error::NoVariant { env: "reacher".into(), variant: v.into() }),
    })
}

/// The training budget: ABCD_lr from U(−0.1, 0.1) weights in a small 8-32-16-2 network,
/// population 64, 80 generations at the paper's learning rate 0.2 (about 10 s on two cores).
pub fn config() -> TrainConfig {
    TrainConfig {
        hidden: vec![32, 16],
        generations: 80,
        es: EsConfig { pop: 64, lr: 0.2, ..EsConfig::default() },
        ..TrainConfig::default()
    }
}

/// Episodes of the before/after evaluation.
const EPISODES: usize = 50;

fn main() -> hebb_train::Result<()> {
    let dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("runs/reacher-example"), PathBuf::from);
    let setup = Setup::with_env(config(), reacher())?;
    println!(
        "training {} ({} network, {} evolved parameters) in {}",
        setup.cfg.env,
        setup.sizes,
        setup.dim,
        dir.display()
    );
    let start = EsState::new(setup.dim, setup.n_penalized, &setup.cfg.es, setup.cfg.seed).params;
    let opts = RunOptions { progress: true, ..RunOptions::default() };
    let summary = train_with(&dir, setup.clone(), opts)?;
    let (before, after) = (
        &evaluate(&setup, &start, EPISODES, 12345, 0)?[0],
        &evaluate(&setup, &summary.state.params, EPISODES, 12345, 0)?[0],
    );
    println!(
        "mean return over {EPISODES} episodes: random rule {:.1} ± {:.1}, trained {:.1} ± {:.1}",
        before.mean(),
        before.std(),
        after.mean(),
        after.std()
    );
    Ok(())
}
