//! A teacher's own leave request (请假): asked by the teacher, counted for
//! planning once a coordinator approves it.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::slot::WeeklySlot;
use super::student::coded;
use crate::reason::Reason;

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
) -> Result<(), (&'static str, Reason)> {
    if to < from {
        return Err((
            "to",
            Reason::LastDayBeforeFirst {
                first: from,
                last: to,
            },
        ));
    }
    if to < today || (today - from).num_days() > 7 {
        return Err(("from", Reason::LeaveTooLate { from, to, today }));
    }
    if reason.trim().is_empty() {
        return Err(("reason", Reason::LeaveNeedsReason));
    }
    Ok(())
}

/// A teacher's leave as planning counts it: whole days from `from` to `to`
/// (both included), or only the half-days `slots` names on those days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Away {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Empty: the whole days.
    pub slots: Vec<WeeklySlot>,
}

impl Away {
    /// The same half-day (`slot`) of each day from `from` to `to`: a half-day's
    /// leave, or mornings only for a week.
    pub fn each_day(from: NaiveDate, to: NaiveDate, slot: &str) -> Vec<WeeklySlot> {
        from.iter_days()
            .take_while(|day| *day <= to)
            .take(7)
            .map(|day| WeeklySlot {
                weekday: day.weekday(),
                slot: slot.to_string(),
            })
            .collect()
    }

    /// Whether the teacher is away on `day` in `slot`.
    pub fn covers(&self, day: NaiveDate, slot: &str) -> bool {
        self.from <= day
            && day <= self.to
            && (self.slots.is_empty()
                || self
                    .slots
                    .iter()
                    .any(|w| w.weekday == day.weekday() && w.slot == slot))
    }

    /// Whether two leaves share a half-day: then one would have to be ended
    /// to end the other.
    pub fn overlaps(&self, other: &Away) -> bool {
        if other.from > self.to || self.from > other.to {
            return false;
        }
        if self.slots.is_empty() || other.slots.is_empty() {
            return true;
        }
        let (from, to) = (self.from.max(other.from), self.to.min(other.to));
        from.iter_days().take_while(|day| *day <= to).any(|day| {
            self.slots
                .iter()
                .any(|w| self.covers(day, &w.slot) && other.covers(day, &w.slot))
        })
    }

    /// Half-days must fall on the leave's days, or the leave would cover nothing.
    pub fn check(&self) -> Result<(), (&'static str, Reason)> {
        if self.to < self.from {
            return Err((
                "to",
                Reason::LastDayBeforeFirst {
                    first: self.from,
                    last: self.to,
                },
            ));
        }
        let days: Vec<chrono::Weekday> = self
            .from
            .iter_days()
            .take_while(|day| *day <= self.to)
            .take(7)
            .map(|day| day.weekday())
            .collect();
        match self.slots.iter().find(|w| !days.contains(&w.weekday)) {
            Some(w) => Err((
                "slot",
                Reason::HalfDayNotAmongDays {
                    slot: w.clone(),
                    from: self.from,
                    to: self.to,
                },
            )),
            None => Ok(()),
        }
    }
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

    fn half_days(from: u32, to: u32, slots: &[(chrono::Weekday, &str)]) -> Away {
        Away {
            from: day(from),
            to: day(to),
            slots: slots
                .iter()
                .map(|&(weekday, slot)| WeeklySlot {
                    weekday,
                    slot: slot.into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_half_day_leave_covers_its_half_days_only() {
        use chrono::Weekday::{Thu, Wed};
        // 2026-12-09 is a Wednesday.
        let afternoon = half_days(9, 9, &[(Wed, "PM")]);
        assert!(afternoon.covers(day(9), "PM"));
        assert!(!afternoon.covers(day(9), "AM"));
        assert!(!afternoon.covers(day(16), "PM"));
        assert!(afternoon.check().is_ok());
        assert_eq!(
            half_days(9, 9, &[(Thu, "PM")]).check().unwrap_err().0,
            "slot"
        );
        // The morning of the same day is another leave; the whole day is not.
        assert!(!afternoon.overlaps(&half_days(9, 9, &[(Wed, "AM")])));
        assert!(afternoon.overlaps(&half_days(7, 11, &[])));
        assert!(afternoon.overlaps(&half_days(1, 31, &[(Wed, "PM")])));
        assert!(!afternoon.overlaps(&half_days(10, 31, &[])));
    }
}
