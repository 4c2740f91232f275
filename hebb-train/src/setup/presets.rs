//! The paper's settings as ready-made configurations (`hebb train --preset`).

use super::config::default_hidden;
use super::{RuleOptions, TrainConfig};
use crate::es::EsConfig;

/// The name of the built-in car-racing environment (pixels through the CNN front end).
pub const CAR_ENV: &str = "car-racing";

/// The paper's car-racing setting (docs/method.md and docs/environments.md): CarRacing-v0 with the paper's scoring (early
/// stop after more than 20 steps of negative reward), the CNN front end evolved with the rules,
/// ABCD_lr head from U(−0.1, 0.1) weights with per-layer normalisation, population 200,
/// 300 generations, lr 0.2, σ 0.1.
pub fn car_preset() -> TrainConfig {
    TrainConfig {
        env: CAR_ENV.into(),
        variants: vec![],
        paper_fitness: true,
        rule: "ABCD_lr".into(),
        init: "uni".into(),
        static_weights: false,
        normalize: None,
        es: EsConfig { pop: 200, ..EsConfig::default() },
        generations: 300,
        episodes: 1,
        seed: 1,
        checkpoint_every: 5,
        hidden: default_hidden(),
        external: None,
        options: RuleOptions::default(),
    }
}

/// The car preset on a budget for a 2-core machine: population 64, 100 generations
/// (≈ 1/9 of the paper's episodes).
pub fn car_short_preset() -> TrainConfig {
    TrainConfig { es: EsConfig { pop: 64, ..car_preset().es }, generations: 100, ..car_preset() }
}

/// The paper's quadruped setting (docs/method.md and docs/environments.md): AntBulletEnv as pybullet simulates it, trained
/// on the standard and damaged-right morphologies with the paper's fitness protocol,
/// population 500, 500 generations, lr 0.2, σ 0.1, ABCD_lr from U(−0.1, 0.1) weights.
pub fn ant_preset() -> TrainConfig {
    TrainConfig {
        env: "ant-bullet".into(),
        variants: vec!["standard".into(), "damaged-right".into()],
        paper_fitness: true,
        rule: "ABCD_lr".into(),
        init: "uni".into(),
        static_weights: false,
        normalize: None,
        es: EsConfig { pop: 500, ..EsConfig::default() },
        generations: 500,
        episodes: 1,
        seed: 1,
        checkpoint_every: 5,
        hidden: default_hidden(),
        external: None,
        options: RuleOptions::default(),
    }
}

/// The quadruped preset on a budget that fits a 2-core machine in well under an hour: the
/// paper's everything, but population 128 and 200 generations (≈ 1/10 of the paper's episodes).
pub fn ant_short_preset() -> TrainConfig {
    TrainConfig { es: EsConfig { pop: 128, ..ant_preset().es }, generations: 200, ..ant_preset() }
}
