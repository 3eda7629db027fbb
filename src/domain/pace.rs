//! Pace and status (DESIGN.md, "Pace and status"): where a plan stands against its
//! target on a given day, and how many visits it asks for in a week. Pure: the day is
//! a parameter.

use std::collections::BTreeMap;

use chrono::{Datelike, IsoWeek, NaiveDate};
use serde::Serialize;

use super::calendar::SchoolCalendar;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTrack,
    Behind,
    AtRisk,
    Unreachable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTrack => "on_track",
            Status::Behind => "behind",
            Status::AtRisk => "at_risk",
            Status::Unreachable => "unreachable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Status::OnTrack,
            Status::Behind,
            Status::AtRisk,
            Status::Unreachable,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The teaching days a plan can use: its dates, minus the days the student was
/// paused (a pause does not count against the family), grouped by ISO week.
#[derive(Debug, Clone)]
pub struct PlanDays {
    weeks: BTreeMap<IsoWeek, Vec<NaiveDate>>,
    total: usize,
}

impl PlanDays {
    pub fn new(
        calendar: &SchoolCalendar,
        start: NaiveDate,
        end: NaiveDate,
        paused: &[(NaiveDate, NaiveDate)],
    ) -> Self {
        let mut weeks: BTreeMap<IsoWeek, Vec<NaiveDate>> = BTreeMap::new();
        let mut total = 0;
        for day in calendar.teaching_days_between(start, end) {
            if paused.iter().any(|&(from, to)| from <= day && day <= to) {
                continue;
            }
            weeks.entry(day.iso_week()).or_default().push(day);
            total += 1;
        }
        Self { weeks, total }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// The plan's days before `day`.
    pub fn elapsed(&self, day: NaiveDate) -> usize {
        self.weeks.values().flatten().filter(|&&d| d < day).count()
    }

    /// The plan's days of one ISO week.
    pub fn in_week(&self, week: IsoWeek) -> &[NaiveDate] {
        self.weeks.get(&week).map_or(&[], Vec::as_slice)
    }

    /// From `day` on, how many days each remaining week holds.
    fn remaining_weeks(&self, day: NaiveDate) -> impl Iterator<Item = usize> + '_ {
        self.weeks
            .values()
            .map(move |days| days.iter().filter(|&&d| d >= day).count())
            .filter(|&n| n > 0)
    }
}

/// What a plan asks for, in the numbers pace needs.
#[derive(Debug, Clone, Copy)]
pub struct Rhythm {
    pub target: u32,
    pub visits_per_week: u32,
    pub periods_per_visit: u32,
    pub max_visits_per_week: u32,
}

/// A plan's standing on a day, all in periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pace {
    pub target: u32,
    pub delivered: u32,
    pub expected: u32,
    pub capacity: u32,
    /// Teaching weeks of the plan from the day on, this week included.
    pub remaining_weeks: u32,
    pub status: Status,
}

impl Pace {
    /// `delivered` counts completed and partial visits before `day`. `expected` is
    /// the target times the share of the plan's days elapsed before `day`.
    /// `capacity` counts every remaining week at `max_visits_per_week` visits, but
    /// never more visits than the week has days (one visit a day); the regular
    /// rhythm of `at_risk` is counted the same way.
    pub fn on(days: &PlanDays, rhythm: Rhythm, delivered: u32, day: NaiveDate) -> Self {
        let expected = if days.total() == 0 {
            rhythm.target
        } else {
            (u64::from(rhythm.target) * days.elapsed(day) as u64 / days.total() as u64) as u32
        };
        let max = rhythm.max_visits_per_week.max(rhythm.visits_per_week) as usize;
        let (mut weeks, mut capacity, mut regular) = (0u32, 0u32, 0u32);
        for week_days in days.remaining_weeks(day) {
            weeks += 1;
            capacity += (week_days.min(max) as u32) * rhythm.periods_per_visit;
            regular +=
                (week_days.min(rhythm.visits_per_week as usize) as u32) * rhythm.periods_per_visit;
        }
        let status = if delivered + capacity < rhythm.target {
            Status::Unreachable
        } else if delivered + regular < rhythm.target {
            Status::AtRisk
        } else if delivered + rhythm.periods_per_visit < expected {
            Status::Behind
        } else {
            Status::OnTrack
        };
        Pace {
            target: rhythm.target,
            delivered,
            expected,
            capacity,
            remaining_weeks: weeks,
            status,
        }
    }

    /// How many visits behind pace, the planner's priority: larger is more urgent.
    pub fn visits_behind(&self, periods_per_visit: u32) -> u32 {
        self.expected
            .saturating_sub(self.delivered)
            .div_ceil(periods_per_visit.max(1))
    }

    /// The visits the plan asks for in the week starting on the day of this pace.
    pub fn weekly_visits(&self, rhythm: Rhythm) -> u32 {
        weekly_visits(
            self.target.saturating_sub(self.delivered),
            rhythm.periods_per_visit,
            self.remaining_weeks,
            rhythm.visits_per_week,
            rhythm.max_visits_per_week,
        )
    }
}

/// DESIGN.md, "Pace and status": each week a plan asks for
/// `clamp(ceil(still_needed / periods_per_visit / remaining_weeks), visits_per_week, max_visits_per_week)`.
/// A plan already at its target still asks for its regular rhythm (the lower bound);
/// with no week left it asks for the most allowed.
pub fn weekly_visits(
    still_needed: u32,
    periods_per_visit: u32,
    remaining_weeks: u32,
    visits_per_week: u32,
    max_visits_per_week: u32,
) -> u32 {
    let max = max_visits_per_week.max(visits_per_week);
    if remaining_weeks == 0 {
        return max;
    }
    let per_week = u64::from(remaining_weeks) * u64::from(periods_per_visit.max(1));
    let wanted = u64::from(still_needed).div_ceil(per_week);
    wanted.clamp(u64::from(visits_per_week), u64::from(max)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    // Worked by hand from config/calendar/2026-2027.toml: 190 teaching days in 40
    // ISO weeks; before Monday 30 November 2026, 60 teaching days have passed and
    // 27 weeks remain, each with at least 3 teaching days.
    fn calendar() -> SchoolCalendar {
        SchoolCalendar::from_toml(include_str!("../../config/calendar/2026-2027.toml"))
            .expect("the shipped calendar reads")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rhythm(target: u32) -> Rhythm {
        Rhythm {
            target,
            visits_per_week: 2,
            periods_per_visit: 3,
            max_visits_per_week: 3,
        }
    }

    fn full_year(calendar: &SchoolCalendar, paused: &[(NaiveDate, NaiveDate)]) -> PlanDays {
        PlanDays::new(calendar, date(2026, 9, 1), date(2027, 7, 2), paused)
    }

    #[test]
    fn a_full_year_on_30_november() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        assert_eq!(days.total(), 190);
        let on = date(2026, 11, 30);
        // expected = 216 × 60 / 190 = 68.2 → 68; capacity = 27 weeks × 3 × 3 = 243;
        // the regular rhythm gives 27 × 2 × 3 = 162.
        let pace = Pace::on(&days, rhythm(216), 102, on);
        assert_eq!(
            (pace.expected, pace.capacity, pace.remaining_weeks),
            (68, 243, 27)
        );
        assert_eq!(pace.status, Status::OnTrack, "102 ≥ 68 − 3");
        assert_eq!(
            Pace::on(&days, rhythm(216), 60, on).status,
            Status::Behind,
            "60 < 65"
        );
        assert_eq!(
            Pace::on(&days, rhythm(216), 36, on).status,
            Status::AtRisk,
            "36 + 162 = 198 < 216, but 36 + 243 ≥ 216"
        );
        // 10 May 2027: 151 days passed, 8 weeks left: capacity 72, regular 48.
        let may = date(2027, 5, 10);
        let late = Pace::on(&days, rhythm(216), 140, may);
        assert_eq!((late.expected, late.capacity), (171, 72));
        assert_eq!(late.status, Status::Unreachable, "140 + 72 = 212 < 216");
        assert_eq!(
            Pace::on(&days, rhythm(216), 150, may).status,
            Status::AtRisk,
            "150 + 48 < 216 ≤ 150 + 72"
        );
    }

    #[test]
    fn a_holiday_week_with_a_make_up_saturday() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        // National Day: 2026-W41 keeps Thursday 8, Friday 9 and the make-up
        // Saturday 10 October; W40 keeps Monday to Wednesday.
        let w41 = date(2026, 10, 8).iso_week();
        assert_eq!(
            days.in_week(w41),
            [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]
        );
        assert_eq!(days.in_week(date(2026, 9, 28).iso_week()).len(), 3);
        // The Saturday counts as a day that passed.
        assert_eq!(
            days.elapsed(date(2026, 10, 11)) - days.elapsed(date(2026, 10, 10)),
            1
        );
        // Weeks of 3 days still hold 3 visits: the capacity from W40 on counts them.
        let pace = Pace::on(&days, rhythm(216), 0, date(2026, 9, 28));
        let from_w42 = Pace::on(&days, rhythm(216), 0, date(2026, 10, 12));
        assert_eq!(pace.capacity - from_w42.capacity, 9 + 9);
    }

    #[test]
    fn a_plan_starting_in_november_is_pro_rated() {
        let calendar = calendar();
        // 150 of the year's 190 days: 216 × 150 / 190 = 170.5, rounded up to 171.
        let terms = crate::domain::plan::PlanTerms {
            teacher_id: "T01".into(),
            backup_teacher_id: None,
            visits_per_week: 2,
            periods_per_visit: 3,
            annual_target: 216,
            start_date: date(2026, 11, 2),
            end_date: date(2027, 7, 2),
            goals: vec![],
        };
        let target = terms.target(&calendar, true);
        assert_eq!(target, 171);
        let days = PlanDays::new(&calendar, terms.start_date, terms.end_date, &[]);
        assert_eq!(days.total(), 150);
        // On 1 December 21 of its days have passed: 171 × 21 / 150 = 23.9 → 23.
        let pace = Pace::on(&days, rhythm(target), 21, date(2026, 12, 1));
        assert_eq!(pace.expected, 23);
        assert_eq!(pace.status, Status::OnTrack);
    }

    #[test]
    fn a_pause_does_not_count_against_the_family() {
        let calendar = calendar();
        let pause = [(date(2026, 12, 7), date(2026, 12, 18))];
        let paused = full_year(&calendar, &pause);
        // Two paused weeks leave 180 days; on 21 December 65 of them have passed:
        // 216 × 65 / 180 = 78. Without the pause: 216 × 75 / 190 = 85.3 → 85.
        assert_eq!(paused.total(), 180);
        let on = date(2026, 12, 21);
        let with_pause = Pace::on(&paused, rhythm(216), 78, on);
        let without = Pace::on(&full_year(&calendar, &[]), rhythm(216), 78, on);
        assert_eq!((with_pause.expected, without.expected), (78, 85));
        assert_eq!(with_pause.status, Status::OnTrack);
        assert_eq!(without.status, Status::Behind);
    }

    #[test]
    fn a_child_on_pace_keeps_two_visits_a_week() {
        // 216 periods over 36 weeks of 3-period visits: exactly 2 a week.
        assert_eq!(weekly_visits(216, 3, 36, 2, 3), 2);
        assert_eq!(weekly_visits(0, 3, 10, 2, 3), 2);
    }

    #[test]
    fn a_child_two_visits_behind_gets_a_third_visit() {
        // 20 weeks left, 120 periods would be on pace; two visits (6 periods) behind.
        assert_eq!(weekly_visits(126, 3, 20, 2, 3), 3);
    }

    #[test]
    fn make_ups_never_exceed_the_weekly_maximum() {
        assert_eq!(weekly_visits(200, 3, 5, 2, 3), 3);
        assert_eq!(weekly_visits(10, 3, 0, 2, 3), 3);
    }
}
