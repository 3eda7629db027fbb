//! The jobs the daemon runs on a schedule; each can also be run from the command line.

pub mod check_pace;
pub mod plan_week;
pub mod progress;
pub mod remind_unrecorded;
pub mod simulate;
