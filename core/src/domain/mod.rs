//! Types and rules of home teaching. Pure: no clock, no I/O, no database.

pub mod access;
pub mod alert;
pub mod calendar;
pub mod calendar_correction;
pub mod disability;
pub mod exception;
pub mod leave;
pub mod pace;
pub mod plan;
pub mod slot;
#[cfg(feature = "sqlx")]
mod stored;
pub mod student;
pub mod visit;
