//! Board support: one module per board, compiled only with its cargo feature, so one board's
//! HAL never compiles into another board's program. Each brings up the clock tree and the UART
//! and hands out the byte stream the [`crate::server`] speaks on, the clock for
//! [`crate::timing`] and the core clock frequency for [`crate::control`].

#[cfg(feature = "board-qemu")]
pub mod qemu;

#[cfg(feature = "board-stm32f4")]
pub mod stm32f4;

#[cfg(feature = "board-nrf52840")]
pub mod nrf52840;
