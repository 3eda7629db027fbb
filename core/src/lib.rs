//! songjiao's pure core: the domain's rules and the weekly planner. Plain data in,
//! plain data out: no clock, no database, no network. Its own crate so that it is
//! built optimised even in the test profile (the planner's searches are most of
//! the suite's time otherwise), and so that nothing here can reach for tokio or sqlx.

pub mod domain;
pub mod planner;
pub mod reason;
