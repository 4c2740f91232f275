//! CarRacing-v0 (gym 0.17, Box2D) on rapier2d with a software renderer (SPEC §6).

pub mod render;
pub mod scene;
