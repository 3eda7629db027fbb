//! What a coordinator should look into beyond pace (issue 37's exceptions): the
//! same reason given three times in a row, weeks without a delivered visit, and
//! records the guardian did not confirm. Read from a plan's recent visits by
//! check-pace, kept beside its reading, shown on the coordinator's work list.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::visit::{MissReason, Outcome};

/// The misses in a row, for the same reason, that make an exception.
pub const MISSES_IN_ROW: u32 = 3;
/// The days without a delivered visit (while visits were planned) that make one.
pub const DAYS_WITHOUT_DELIVERY: i64 = 21;
/// How far back the recent visits are read: the longest of the above.
pub const LOOK_BACK_DAYS: i64 = 28;

/// One planned visit of the last [`LOOK_BACK_DAYS`], before today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentVisit {
    pub day: NaiveDate,
    /// None: not recorded yet.
    pub outcome: Option<Outcome>,
    pub reason: Option<MissReason>,
    pub guardian_confirmed: bool,
}

/// A plan's exceptions; the default is none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Exceptions {
    /// The latest recorded visits missed in a row for one reason (0 below
    /// [`MISSES_IN_ROW`]).
    pub misses_in_row: u32,
    pub miss_reason: Option<MissReason>,
    /// Days since the last delivered visit, when [`DAYS_WITHOUT_DELIVERY`] or more
    /// passed with visits planned and none delivered (0 otherwise); at most
    /// [`LOOK_BACK_DAYS`], which reads "at least that long".
    pub days_without_delivery: u32,
    /// Delivered visits recorded without the guardian's confirmation.
    pub unconfirmed: u32,
}

impl Exceptions {
    pub fn any(&self) -> bool {
        self.misses_in_row > 0 || self.days_without_delivery > 0 || self.unconfirmed > 0
    }

    /// Reads a plan's visits of the last [`LOOK_BACK_DAYS`] before `today`
    /// (`started`: the plan's first day, or the child's return from a pause, so a
    /// plan begun last week is not "three weeks without a visit").
    pub fn of(visits: &[RecentVisit], today: NaiveDate, started: NaiveDate) -> Self {
        let mut visits: Vec<&RecentVisit> = visits.iter().filter(|v| v.day < today).collect();
        visits.sort_by_key(|v| v.day);
        let recorded: Vec<&&RecentVisit> = visits.iter().filter(|v| v.outcome.is_some()).collect();
        let (mut in_row, mut reason) = (0, None);
        for visit in recorded.iter().rev() {
            let missed = visit.outcome.is_some_and(|o| !o.delivers());
            if !missed || visit.reason.is_none() || (in_row > 0 && visit.reason != reason) {
                break;
            }
            reason = visit.reason;
            in_row += 1;
        }
        let window = today - Duration::days(DAYS_WITHOUT_DELIVERY);
        let last_delivered = visits
            .iter()
            .filter(|v| v.outcome.is_some_and(Outcome::delivers))
            .map(|v| v.day)
            .max();
        let owed_in_window = visits.iter().any(|v| v.day >= window);
        let days_without_delivery = match last_delivered {
            _ if started > window || !owed_in_window => 0,
            Some(day) if day >= window => 0,
            Some(day) => (today - day).num_days() as u32,
            // None in the whole look-back: at least that long.
            None => (today - started).num_days().min(LOOK_BACK_DAYS) as u32,
        };
        Exceptions {
            misses_in_row: if in_row >= MISSES_IN_ROW { in_row } else { 0 },
            miss_reason: (in_row >= MISSES_IN_ROW).then_some(reason).flatten(),
            days_without_delivery,
            unconfirmed: visits
                .iter()
                .filter(|v| v.outcome.is_some_and(Outcome::delivers) && !v.guardian_confirmed)
                .count() as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn missed(d: u32, reason: MissReason) -> RecentVisit {
        RecentVisit {
            day: day(d),
            outcome: Some(Outcome::Missed),
            reason: Some(reason),
            guardian_confirmed: false,
        }
    }

    fn done(d: u32, confirmed: bool) -> RecentVisit {
        RecentVisit {
            day: day(d),
            outcome: Some(Outcome::Completed),
            reason: None,
            guardian_confirmed: confirmed,
        }
    }

    #[test]
    fn three_misses_for_one_reason_in_a_row_are_an_exception_two_are_not() {
        use MissReason::*;
        let visits = [
            done(2, true),
            missed(5, FamilyUnavailable),
            missed(9, FamilyUnavailable),
            missed(12, FamilyUnavailable),
        ];
        let seen = Exceptions::of(&visits, day(13), day(1));
        assert_eq!(
            (seen.misses_in_row, seen.miss_reason),
            (3, Some(FamilyUnavailable))
        );
        let mixed = [
            done(2, true),
            missed(5, StudentIll),
            missed(9, FamilyUnavailable),
            missed(12, FamilyUnavailable),
        ];
        let seen = Exceptions::of(&mixed, day(13), day(1));
        assert_eq!((seen.misses_in_row, seen.miss_reason), (0, None));
    }

    #[test]
    fn weeks_without_a_delivered_visit_count_only_while_visits_were_planned() {
        use MissReason::*;
        let visits = [
            done(2, true),
            missed(9, StudentIll),
            missed(16, Weather),
            missed(26, Other),
        ];
        assert_eq!(
            Exceptions::of(&visits, day(27), day(1)).days_without_delivery,
            25
        );
        // A plan begun in the window is not yet three weeks without a visit.
        assert_eq!(
            Exceptions::of(&visits, day(27), day(10)).days_without_delivery,
            0
        );
        // Nothing planned in the window (a holiday): no exception.
        assert_eq!(
            Exceptions::of(&[done(2, true)], day(27), day(1)).days_without_delivery,
            0
        );
        let unconfirmed = [done(2, false), done(5, true), done(9, false)];
        assert_eq!(Exceptions::of(&unconfirmed, day(10), day(1)).unconfirmed, 2);
        assert!(!Exceptions::of(&[done(9, true)], day(10), day(1)).any());
    }
}
