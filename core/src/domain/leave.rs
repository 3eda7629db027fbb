//! A teacher's own leave request (请假): asked by the teacher, counted for
//! planning once a coordinator approves it.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::student::coded;

coded!(
    /// Leave a coordinator enters is approved as it is made.
    LeaveStatus, "leave status" {
    Requested = "requested" ["待批准"],
    Approved = "approved" ["已批准"],
    Declined = "declined" ["未批准"],
});

/// The rules of a request; errors name the field (`to`, `reason`). A teacher
/// may ask for leave that began up to a week ago (ill since Monday), not for
/// leave that is over.
pub fn check_request(
    from: NaiveDate,
    to: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<(), (&'static str, String)> {
    if to < from {
        return Err((
            "to",
            format!("the last day {to} is before the first {from}"),
        ));
    }
    if to < today || (today - from).num_days() > 7 {
        return Err((
            "from",
            format!(
                "leave from {from} to {to} is over or began more than a week ago (today is {today}): ask a coordinator to enter it"
            ),
        ));
    }
    if reason.trim().is_empty() {
        return Err(("reason", "give a reason for the leave".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn a_request_has_its_days_in_order_a_future_and_a_reason() {
        assert!(check_request(day(7), day(11), "培训", day(1)).is_ok());
        assert!(check_request(day(1), day(2), "生病", day(2)).is_ok());
        assert_eq!(
            check_request(day(11), day(7), "培训", day(1))
                .unwrap_err()
                .0,
            "to"
        );
        assert_eq!(
            check_request(day(1), day(2), "生病", day(3)).unwrap_err().0,
            "from"
        );
        assert_eq!(
            check_request(day(7), day(8), " ", day(1)).unwrap_err().0,
            "reason"
        );
    }
}
