//! The individual plan (一人一案): one per student per school year.

use chrono::NaiveDate;
use serde::Serialize;

use super::calendar::SchoolCalendar;
use super::pace::{PlanDays, Rhythm};
use crate::reason::Reason;

/// What a plan says, as one revision of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanTerms {
    pub teacher_id: String,
    pub backup_teacher_id: Option<String>,
    pub visits_per_week: u32,
    pub periods_per_visit: u32,
    pub annual_target: u32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub goals: Vec<String>,
}

/// A new plan's dates when none are given: the year's teaching days, except that a
/// plan created after its year began starts on the day it is created (or the next
/// teaching day), so that it owes its pro-rated share from then and is never
/// behind on its first day (docs/architecture.md, "The rules"). A year already over
/// (a record entered afterwards) keeps its whole span.
pub fn default_dates(
    calendar: &SchoolCalendar,
    today: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    let days = calendar.teaching_days();
    let (first, last) = (*days.first()?, *days.last()?);
    let start = if today > first && today <= last {
        days.into_iter().find(|&d| d >= today).unwrap_or(first)
    } else {
        first
    };
    Some((start, last))
}

impl PlanTerms {
    /// What pace needs of the plan: its (pro-rated) target and weekly rhythm.
    pub fn rhythm(
        &self,
        calendar: &SchoolCalendar,
        prorate: bool,
        max_visits_per_week: u32,
    ) -> Rhythm {
        Rhythm {
            target: self.target(calendar, prorate),
            visits_per_week: self.visits_per_week,
            periods_per_visit: self.periods_per_visit,
            max_visits_per_week,
        }
    }

    /// The teaching days the plan can use, `paused` ranges taken out.
    pub fn days(&self, calendar: &SchoolCalendar, paused: &[(NaiveDate, NaiveDate)]) -> PlanDays {
        PlanDays::new(calendar, self.start_date, self.end_date, paused)
    }

    /// Checks the plan against its year's calendar and the most visits a week allowed.
    /// Returns the field at fault and why.
    pub fn check(
        &self,
        calendar: &SchoolCalendar,
        max_visits_per_week: u32,
    ) -> Result<(), (&'static str, Reason)> {
        let year = calendar.year;
        if self.backup_teacher_id.as_deref() == Some(self.teacher_id.as_str()) {
            return Err(("backup_teacher_id", Reason::BackupIsTheTeacher));
        }
        if self.visits_per_week == 0 || self.visits_per_week > max_visits_per_week {
            return Err((
                "visits_per_week",
                Reason::MustBeFrom {
                    min: 1,
                    max: i64::from(max_visits_per_week),
                },
            ));
        }
        if !(1..=8).contains(&self.periods_per_visit) {
            return Err(("periods_per_visit", Reason::MustBeFrom { min: 1, max: 8 }));
        }
        if self.annual_target == 0 {
            return Err(("annual_target", Reason::AtLeastOne));
        }
        for (field, date) in [("start_date", self.start_date), ("end_date", self.end_date)] {
            if !year.contains(date) {
                return Err((
                    field,
                    Reason::OutsideYear {
                        date,
                        year: year.to_string(),
                    },
                ));
            }
        }
        if self.start_date > self.end_date {
            return Err((
                "end_date",
                Reason::EndBeforeStart {
                    end: self.end_date,
                    start: self.start_date,
                },
            ));
        }
        if calendar
            .teaching_days_between(self.start_date, self.end_date)
            .is_empty()
        {
            return Err(("start_date", Reason::PlanCoversNoTeachingDay));
        }
        Ok(())
    }

    /// The periods this plan owes: the annual target, pro-rated by the share of the
    /// year's teaching days the plan covers when `prorate` is set (docs/architecture.md, "The rules").
    /// Rounded up: a child is never owed less than the share.
    pub fn target(&self, calendar: &SchoolCalendar, prorate: bool) -> u32 {
        if !prorate {
            return self.annual_target;
        }
        let year_days = calendar.teaching_days().len() as u64;
        let plan_days = calendar
            .teaching_days_between(self.start_date, self.end_date)
            .len() as u64;
        if year_days == 0 {
            return self.annual_target;
        }
        (u64::from(self.annual_target) * plan_days).div_ceil(year_days) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::tests::day;

    fn calendar() -> SchoolCalendar {
        let path = format!(
            "{}/../config/calendar/2026-2027.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        SchoolCalendar::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn plan(start: &str, end: &str) -> PlanTerms {
        PlanTerms {
            teacher_id: "T1".into(),
            backup_teacher_id: None,
            visits_per_week: 2,
            periods_per_visit: 3,
            annual_target: 216,
            start_date: day(start),
            end_date: day(end),
            goals: vec![],
        }
    }

    #[test]
    fn a_plan_created_on_a_sunday_in_november_starts_on_monday() {
        let calendar = calendar();
        let (start, end) = default_dates(&calendar, day("2026-11-29")).unwrap();
        assert_eq!((start, end), (day("2026-11-30"), day("2027-07-02")));
        let terms = PlanTerms {
            start_date: start,
            ..plan("2026-09-01", "2027-07-02")
        };
        // 130 of the year's 190 teaching days: 216 × 130 / 190 = 147.8, rounded up.
        assert_eq!(terms.target(&calendar, true), 148);
        // Before the year and after it: the whole year.
        let whole = (day("2026-09-01"), day("2027-07-02"));
        assert_eq!(default_dates(&calendar, day("2026-08-20")), Some(whole));
        assert_eq!(default_dates(&calendar, day("2027-08-20")), Some(whole));
    }

    #[test]
    fn a_full_year_plan_owes_the_full_target() {
        let calendar = calendar();
        let (start, end) = calendar.teaching_span().unwrap();
        let full = PlanTerms {
            start_date: start,
            end_date: end,
            ..plan("2026-09-01", "2027-07-02")
        };
        assert_eq!(full.target(&calendar, true), 216);
    }

    #[test]
    fn a_plan_starting_with_the_spring_term_owes_its_share() {
        let calendar = calendar();
        let spring = plan("2027-02-22", "2027-07-02");
        let share = spring.target(&calendar, true);
        assert!(share > 80 && share < 120, "{share}");
        assert_eq!(spring.target(&calendar, false), 216);
    }

    #[test]
    fn plans_outside_their_year_or_backwards_are_refused() {
        let calendar = calendar();
        assert_eq!(
            plan("2026-09-01", "2027-08-02")
                .check(&calendar, 3)
                .unwrap_err()
                .0,
            "end_date"
        );
        assert_eq!(
            plan("2026-12-01", "2026-11-01")
                .check(&calendar, 3)
                .unwrap_err()
                .0,
            "end_date"
        );
        let mut same = plan("2026-09-01", "2027-07-02");
        same.backup_teacher_id = Some("T1".into());
        assert_eq!(same.check(&calendar, 3).unwrap_err().0, "backup_teacher_id");
    }
}
