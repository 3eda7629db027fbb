//! songjiao (送教): plans, tracks and guards home-teaching visits for children with
//! disabilities who cannot attend school. See docs/architecture.md for how it is built.

pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod import;
pub mod jobs;
pub mod notify;
pub mod private_file;
pub mod reports;
pub mod sealed;
pub mod service;
pub mod speech;
pub mod store;
pub mod table;
pub mod web;

/// The pure core (its own crate, `core/`): the domain's rules and the planner.
pub use songjiao_core::{domain, planner, reason};
