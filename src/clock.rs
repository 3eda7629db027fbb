//! "Now" for a process that runs on: the system clock, or a moment given with
//! `--as-of` (or `SONGJIAO_NOW`) from which time moves on as it really passes, so
//! that a training room, a demo or a test runs the whole server at the moment it
//! chooses: pages, the API, sessions and the jobs alike.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

/// Reads "now". Cheap to clone; shared by the scheduler and every request.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock: the only place a running server reads it.
pub fn system() -> Clock {
    Arc::new(Utc::now)
}

/// `start` now, and later by as much time as has really passed since (measured on
/// the monotonic clock, so a clock changed by hand does not move it).
pub fn running_from(start: DateTime<Utc>) -> Clock {
    let origin = Instant::now();
    Arc::new(move || {
        start + chrono::Duration::from_std(origin.elapsed()).unwrap_or(chrono::Duration::zero())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_given_a_moment_starts_there_and_moves_on() {
        let start: DateTime<Utc> = "2026-09-01T01:00:00Z".parse().expect("a time");
        let clock = running_from(start);
        let first = clock();
        assert!(first >= start && first - start < chrono::Duration::seconds(5));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(clock() > first, "time passes from the given moment");
    }
}
