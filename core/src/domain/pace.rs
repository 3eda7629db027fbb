//! Pace and status (docs/architecture.md, "The rules"): where a plan stands against its
//! target at a moment, and how many visits it asks for in a week. Pure: the moment
//! is a parameter.
//!
//! Two rules keep the figures honest, so that an alert is a claim on evidence:
//! - a visit whose slot has not ended is never owed, and one that ended but is not
//!   recorded yet is `pending` (neither delivered nor missed) for `record_grace_days`;
//! - `expected` moves a whole plan week at a time, so neither the time of day nor the
//!   day of the week a family is visited makes a child look behind.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, IsoWeek, NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::calendar::SchoolCalendar;
use super::visit::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTrack,
    Behind,
    AtRisk,
    Unreachable,
}

impl Status {
    /// The word a Chinese reader sees (`--status` and the pages read it too).
    pub fn zh(self) -> &'static str {
        match self {
            Status::OnTrack => "按计划",
            Status::Behind => "稍有落后",
            Status::AtRisk => "严重落后",
            Status::Unreachable => "无法完成",
        }
    }

    /// The one line beside the word that says what it means (README, "Pace").
    pub fn explain_zh(self) -> &'static str {
        match self {
            Status::OnTrack => "已上课时跟得上进度（差距不到一次送教）",
            Status::Behind => "比进度少一次送教以上，照常每周送教仍能在学年末达到目标",
            Status::AtRisk => "照常每周送教已达不到目标，必须加排补课",
            Status::Unreachable => "每周排满补课，学年末也达不到目标课时",
        }
    }

    pub fn explain_en(self) -> &'static str {
        match self {
            Status::OnTrack => "keeping up with the expected periods (less than one visit behind)",
            Status::Behind => {
                "more than one visit behind; the regular visits still reach the target"
            }
            Status::AtRisk => "the regular visits no longer reach the target: make-ups are needed",
            Status::Unreachable => {
                "even a full week of make-ups every week cannot reach the target"
            }
        }
    }

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
        .find(|s| s.as_str() == text || s.zh() == text)
        // The words before 稍有落后 and 严重落后, still typed by habit.
        .or(match text {
            "落后" => Some(Status::Behind),
            "有风险" => Some(Status::AtRisk),
            _ => None,
        })
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What became of one planned visit, seen at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitState {
    /// Its slot has not ended: never owed yet.
    Upcoming,
    /// Its slot ended, it is not recorded, and the recording grace has not passed.
    Pending,
    /// Recorded as completed or partial, with the periods given.
    Delivered(u32),
    /// Recorded as missed or cancelled, or unrecorded past the grace.
    NotDelivered,
}

impl VisitState {
    /// `ends_at` is the end of the visit's slot and `now` the moment, both in the
    /// district's zone.
    pub fn of(
        outcome: Option<Outcome>,
        periods: u32,
        ends_at: NaiveDateTime,
        now: NaiveDateTime,
        grace: Duration,
    ) -> Self {
        match outcome {
            Some(outcome) if outcome.delivers() => VisitState::Delivered(periods),
            Some(_) => VisitState::NotDelivered,
            None if now < ends_at => VisitState::Upcoming,
            None if now < ends_at + grace => VisitState::Pending,
            None => VisitState::NotDelivered,
        }
    }
}

/// A plan's visits added up at a moment, in periods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub delivered: u32,
    pub pending: u32,
    /// Planned, slot not ended.
    pub upcoming: u32,
    /// Planned periods of the visits whose fate is known (recorded, or unrecorded
    /// past the grace): what the child's delivered rate is measured on.
    pub settled: u32,
    /// Visits delivered or pending in the ISO week of the moment: they use up that
    /// week's room.
    pub visits_this_week: u32,
}

impl Tally {
    /// Adds one visit planned for `planned_periods`.
    pub fn add(&mut self, state: VisitState, planned_periods: u32, in_this_week: bool) {
        match state {
            VisitState::Upcoming => self.upcoming += planned_periods,
            VisitState::Pending => self.pending += planned_periods,
            VisitState::Delivered(periods) => {
                self.delivered += periods;
                self.settled += planned_periods.max(periods);
            }
            VisitState::NotDelivered => self.settled += planned_periods,
        }
        if in_this_week && matches!(state, VisitState::Pending | VisitState::Delivered(_)) {
            self.visits_this_week += 1;
        }
    }

    /// The share of planned periods that were delivered, smoothed with two visits'
    /// worth of full delivery (so that one early miss does not read as "misses half")
    /// and never below one half (a plan asks for at most `max_visits_per_week` anyway).
    pub fn delivered_rate(&self, periods_per_visit: u32) -> f64 {
        let prior = f64::from(2 * periods_per_visit.max(1));
        let rate = (f64::from(self.delivered) + prior) / (f64::from(self.settled) + prior);
        rate.clamp(0.5, 1.0)
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

    /// The days of the plan weeks wholly before `open_from`: a week counts only once
    /// its last day is over.
    pub fn elapsed_whole_weeks(&self, open_from: NaiveDate) -> usize {
        self.weeks
            .values()
            .take_while(|days| days.last().is_some_and(|&last| last < open_from))
            .map(Vec::len)
            .sum()
    }

    /// The plan's days of one ISO week.
    pub fn in_week(&self, week: IsoWeek) -> &[NaiveDate] {
        self.weeks.get(&week).map_or(&[], Vec::as_slice)
    }

    /// From `day` on, each remaining week with how many of its days are left.
    pub fn weeks_from(&self, day: NaiveDate) -> impl Iterator<Item = (IsoWeek, u32)> + '_ {
        self.weeks
            .iter()
            .map(move |(week, days)| (*week, days.iter().filter(|&&d| d >= day).count() as u32))
            .filter(|&(_, n)| n > 0)
    }
}

/// One week of a plan's year for its chart, in periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartWeek {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Expected by the week's end: the pace formula's line.
    pub expected: u32,
    /// Delivered by the week's end; None for a week not begun.
    pub delivered: Option<u32>,
}

impl PlanDays {
    /// The plan's weeks with the periods expected by the end of each (as
    /// [`Pace::at`] counts them) and those delivered by then (`delivered`: the
    /// periods of each delivered visit, by day), for the weeks begun by `open_from`.
    pub fn chart(
        &self,
        target: u32,
        delivered: &[(NaiveDate, u32)],
        open_from: NaiveDate,
    ) -> Vec<ChartWeek> {
        let mut deliveries = delivered.to_vec();
        deliveries.sort();
        let mut next = deliveries.iter().peekable();
        let (mut elapsed, mut sum) = (0u64, 0u32);
        let total = self.total.max(1) as u64;
        self.weeks
            .values()
            .filter_map(|days| {
                let (&first_day, &last_day) = (days.first()?, days.last()?);
                elapsed += days.len() as u64;
                while let Some((_, periods)) = next.next_if(|(day, _)| *day <= last_day) {
                    sum += periods;
                }
                Some(ChartWeek {
                    first_day,
                    last_day,
                    expected: (u64::from(target) * elapsed / total) as u32,
                    delivered: (first_day <= open_from).then_some(sum),
                })
            })
            .collect()
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

/// A plan's standing at a moment, all in periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pace {
    pub target: u32,
    pub delivered: u32,
    pub pending: u32,
    pub expected: u32,
    pub capacity: u32,
    /// Teaching weeks of the plan from the moment on, its week included.
    pub remaining_weeks: u32,
    pub status: Status,
}

impl Pace {
    /// The one pace formula. `open_from` is the first day whose slots have not all
    /// ended (today, or tomorrow once today's last slot is over): the days before it
    /// are past. `tally` counts the plan's visits at the same moment.
    ///
    /// `capacity` counts every remaining week at `max_visits_per_week` visits, never
    /// more than the week has days left (one visit a day) and, for the moment's own
    /// week, less the visits it already had; the regular rhythm of `at_risk` is
    /// counted the same way.
    pub fn at(days: &PlanDays, rhythm: Rhythm, tally: &Tally, open_from: NaiveDate) -> Self {
        let expected = if days.total() == 0 {
            rhythm.target
        } else {
            (u64::from(rhythm.target) * days.elapsed_whole_weeks(open_from) as u64
                / days.total() as u64) as u32
        };
        let max = rhythm.max_visits_per_week.max(rhythm.visits_per_week);
        let this_week = open_from.iso_week();
        let (mut weeks, mut capacity, mut regular) = (0u32, 0u32, 0u32);
        for (week, open_days) in days.weeks_from(open_from) {
            let had = if week == this_week {
                tally.visits_this_week
            } else {
                0
            };
            weeks += 1;
            capacity += open_days.min(max.saturating_sub(had)) * rhythm.periods_per_visit;
            regular += open_days.min(rhythm.visits_per_week.saturating_sub(had))
                * rhythm.periods_per_visit;
        }
        let counted = tally.delivered + tally.pending;
        let status = if counted + capacity < rhythm.target {
            Status::Unreachable
        } else if counted + regular < rhythm.target {
            Status::AtRisk
        } else if i64::from(counted) < i64::from(expected) - i64::from(rhythm.periods_per_visit) {
            Status::Behind
        } else {
            Status::OnTrack
        };
        Pace {
            target: rhythm.target,
            delivered: tally.delivered,
            pending: tally.pending,
            expected,
            capacity,
            remaining_weeks: weeks,
            status,
        }
    }

    /// How many visits behind pace, the planner's priority: larger is more urgent.
    pub fn visits_behind(&self, periods_per_visit: u32) -> u32 {
        self.expected
            .saturating_sub(self.delivered + self.pending)
            .div_ceil(periods_per_visit.max(1))
    }
}

/// The visits a plan asks for in `week` (README, "Planning a week").
///
/// `before` counts the plan's visits before the week as planning sees them (visits
/// still to come before the week, and those not recorded yet, are expected to happen
/// at the child's delivered rate). The plan aims to reach its target some weeks
/// before it ends (see [`margin_weeks`]), at the rate its visits have actually been
/// delivered: while the regular rhythm of the weeks up to that aim is expected to
/// deliver enough, it asks for `visits_per_week`; when it is not, it asks at once
/// for the make-up visits missing (up to `max_visits_per_week`); once the aim has
/// passed it asks for the most until the target is reached. A plan at its target
/// keeps the weekly mandate. Never more visits than the week has days.
pub fn visits_wanted(
    days: &PlanDays,
    rhythm: Rhythm,
    before: &Tally,
    week: IsoWeek,
    finish_margin_weeks: u32,
) -> u32 {
    let week_days = days.in_week(week).len() as u32;
    let mandate = rhythm.visits_per_week.min(week_days);
    let max = rhythm.max_visits_per_week.max(rhythm.visits_per_week);
    let periods = f64::from(rhythm.periods_per_visit.max(1));
    let rate = before.delivered_rate(rhythm.periods_per_visit);
    let on_the_way = f64::from(before.pending + before.upcoming) * rate;
    let still_needed = f64::from(rhythm.target) - f64::from(before.delivered) - on_the_way;
    if still_needed <= 0.0 {
        return mandate;
    }
    let visits_needed = (still_needed / periods).ceil();
    let Some(monday) = NaiveDate::from_isoywd_opt(week.year(), week.week(), chrono::Weekday::Mon)
    else {
        return mandate;
    };
    let weeks: Vec<u32> = days.weeks_from(monday).map(|(_, n)| n).collect();
    let aim = weeks
        .len()
        .saturating_sub(margin_weeks(days, rhythm, finish_margin_weeks) as usize);
    let extra = if aim == 0 {
        max
    } else {
        let regular = regular_visits(&weeks[..aim], rhythm.visits_per_week) * rate;
        if regular >= visits_needed {
            0
        } else {
            ((visits_needed - regular) / rate).ceil() as u32
        }
    };
    (rhythm.visits_per_week + extra).min(max).min(week_days)
}

/// How many weeks before its end a plan aims to have its target: up to
/// `finish_margin_weeks`, as far as the plan's own regular rhythm over its weeks
/// leaves room. A full year has about four weeks of room (80 regular visits for 72
/// owed); a short plan pro-rated to exactly its weeks has none, and asking it to
/// finish early would put a third visit into most of its weeks with no child
/// behind.
pub fn margin_weeks(days: &PlanDays, rhythm: Rhythm, finish_margin_weeks: u32) -> u32 {
    let weeks: Vec<u32> = days.weeks.values().map(|d| d.len() as u32).collect();
    let owed = f64::from(rhythm.target.div_ceil(rhythm.periods_per_visit.max(1)));
    (0..=finish_margin_weeks.min(weeks.len() as u32))
        .rev()
        .find(|&m| {
            regular_visits(&weeks[..weeks.len() - m as usize], rhythm.visits_per_week) >= owed
        })
        .unwrap_or(0)
}

/// Visits the regular rhythm places in weeks of these many days (one a day at most).
fn regular_visits(weeks: &[u32], visits_per_week: u32) -> f64 {
    weeks
        .iter()
        .map(|&n| f64::from(n.min(visits_per_week)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Worked by hand from config/calendar/2026-2027.toml: 190 teaching days in 40
    // ISO weeks; before Monday 30 November 2026, 60 teaching days have passed and
    // 27 weeks remain, each with at least 3 teaching days.
    fn calendar() -> SchoolCalendar {
        SchoolCalendar::from_toml(include_str!("../../../config/calendar/2026-2027.toml"))
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

    fn delivered(periods: u32) -> Tally {
        Tally {
            delivered: periods,
            settled: periods,
            ..Tally::default()
        }
    }

    #[test]
    fn the_chart_follows_the_pace_formula_week_by_week() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        let on = date(2026, 11, 30);
        let visits = [
            (date(2026, 9, 1), 3),
            (date(2026, 9, 3), 3),
            (date(2026, 11, 30), 3),
        ];
        let weeks = days.chart(216, &visits, on);
        assert_eq!(weeks.len(), 40, "one point a teaching week");
        assert_eq!(weeks.last().map(|w| w.expected), Some(216));
        // The week before 30 November ends the 60 teaching days: the same expected
        // as the pace formula on that Monday.
        let before = weeks.iter().rfind(|w| w.last_day < on).unwrap();
        let pace = Pace::at(&days, rhythm(216), &delivered(6), on);
        assert_eq!(before.expected, pace.expected);
        assert_eq!(before.delivered, Some(6));
        let this_week = weeks.iter().find(|w| w.first_day == on).unwrap();
        assert_eq!(
            this_week.delivered,
            Some(9),
            "the week begun counts what it has"
        );
        assert!(
            weeks
                .iter()
                .filter(|w| w.first_day > on)
                .all(|w| w.delivered.is_none())
        );
        assert!(weeks.windows(2).all(|w| w[0].expected <= w[1].expected));
    }

    #[test]
    fn a_full_year_on_30_november() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        assert_eq!(days.total(), 190);
        let on = date(2026, 11, 30);
        // expected = 216 × 60 / 190 = 68.2 → 68; capacity = 27 weeks × 3 × 3 = 243;
        // the regular rhythm gives 27 × 2 × 3 = 162.
        let pace = Pace::at(&days, rhythm(216), &delivered(102), on);
        assert_eq!(
            (pace.expected, pace.capacity, pace.remaining_weeks),
            (68, 243, 27)
        );
        assert_eq!(pace.status, Status::OnTrack, "102 ≥ 68 − 3");
        assert_eq!(
            Pace::at(&days, rhythm(216), &delivered(60), on).status,
            Status::Behind,
            "60 < 65"
        );
        assert_eq!(
            Pace::at(&days, rhythm(216), &delivered(36), on).status,
            Status::AtRisk,
            "36 + 162 = 198 < 216, but 36 + 243 ≥ 216"
        );
        // 10 May 2027: 151 days passed, 8 weeks left: capacity 72, regular 48.
        let may = date(2027, 5, 10);
        let late = Pace::at(&days, rhythm(216), &delivered(140), may);
        assert_eq!((late.expected, late.capacity), (171, 72));
        assert_eq!(late.status, Status::Unreachable, "140 + 72 = 212 < 216");
        assert_eq!(
            Pace::at(&days, rhythm(216), &delivered(150), may).status,
            Status::AtRisk,
            "150 + 48 < 216 ≤ 150 + 72"
        );
    }

    #[test]
    fn expected_moves_a_whole_week_at_a_time() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        // Every day of the week of 30 November reads the same expected figure as its
        // Monday; the next Monday adds the whole week: 216 × 65 / 190 = 73.
        let monday = date(2026, 11, 30);
        for offset in 0..5 {
            let day = monday + Duration::days(offset);
            assert_eq!(
                Pace::at(&days, rhythm(216), &delivered(0), day).expected,
                68
            );
        }
        // Saturday: the week is over.
        let saturday = monday + Duration::days(5);
        assert_eq!(
            Pace::at(&days, rhythm(216), &delivered(0), saturday).expected,
            73
        );
    }

    #[test]
    fn a_child_visited_on_thursday_is_not_behind_on_wednesday() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        // On Wednesday 2 December the weeks up to 27 November are over: expected 68.
        // 20 visits recorded, and last week's Thursday and Friday visits not yet
        // (their teacher records on Sunday): 60 delivered and 6 pending.
        let tally = Tally {
            delivered: 60,
            settled: 60,
            pending: 6,
            ..Tally::default()
        };
        let wednesday = date(2026, 12, 2);
        let pace = Pace::at(&days, rhythm(216), &tally, wednesday);
        assert_eq!(pace.status, Status::OnTrack, "{pace:?}");
        // Counting only what is recorded would call the child behind: 60 < 68 − 3.
        let without = Pace::at(&days, rhythm(216), &delivered(60), wednesday);
        assert_eq!(without.status, Status::Behind, "{without:?}");
    }

    #[test]
    fn a_visit_is_pending_from_its_slot_end_until_the_grace_has_passed() {
        let ends = date(2026, 12, 2).and_hms_opt(11, 0, 0).unwrap();
        let grace = Duration::days(7);
        let at = |hours: i64| ends + Duration::hours(hours);
        assert_eq!(
            VisitState::of(None, 3, ends, at(-1), grace),
            VisitState::Upcoming
        );
        assert_eq!(
            VisitState::of(None, 3, ends, at(0), grace),
            VisitState::Pending
        );
        assert_eq!(
            VisitState::of(None, 3, ends, at(7 * 24 - 1), grace),
            VisitState::Pending
        );
        assert_eq!(
            VisitState::of(None, 3, ends, at(7 * 24), grace),
            VisitState::NotDelivered
        );
        assert_eq!(
            VisitState::of(Some(Outcome::Partial), 2, ends, at(-1), grace),
            VisitState::Delivered(2)
        );
        assert_eq!(
            VisitState::of(Some(Outcome::Missed), 0, ends, at(1), grace),
            VisitState::NotDelivered
        );
    }

    #[test]
    fn this_weeks_visits_use_up_its_room() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        let tuesday = date(2026, 12, 1);
        let fresh = Pace::at(&days, rhythm(216), &delivered(66), tuesday);
        let visited = Pace::at(
            &days,
            rhythm(216),
            &Tally {
                visits_this_week: 2,
                ..delivered(66)
            },
            tuesday,
        );
        // Tuesday to Friday leave room for 3 visits, or 1 after two this week.
        assert_eq!(fresh.capacity - visited.capacity, 6);
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
        // The week ends with its make-up Saturday, not on Friday.
        assert_eq!(
            days.elapsed_whole_weeks(date(2026, 10, 10)),
            days.elapsed_whole_weeks(date(2026, 10, 8))
        );
        assert_eq!(
            days.elapsed_whole_weeks(date(2026, 10, 11))
                - days.elapsed_whole_weeks(date(2026, 10, 10)),
            3
        );
        // Weeks of 3 days still hold 3 visits: the capacity from W40 on counts them.
        let pace = Pace::at(&days, rhythm(216), &delivered(0), date(2026, 9, 28));
        let from_w42 = Pace::at(&days, rhythm(216), &delivered(0), date(2026, 10, 12));
        assert_eq!(pace.capacity - from_w42.capacity, 9 + 9);
    }

    #[test]
    fn a_plan_starting_in_november_is_pro_rated_and_on_track_on_its_first_day() {
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
        let first_day = Pace::at(&days, rhythm(target), &Tally::default(), date(2026, 11, 2));
        assert_eq!((first_day.expected, first_day.status), (0, Status::OnTrack));
        // On Tuesday 1 December four whole weeks (20 days) have passed: 171 × 20 / 150 = 22.8 → 22.
        let pace = Pace::at(&days, rhythm(target), &delivered(21), date(2026, 12, 1));
        assert_eq!(pace.expected, 22);
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
        let with_pause = Pace::at(&paused, rhythm(216), &delivered(78), on);
        let without = Pace::at(&full_year(&calendar, &[]), rhythm(216), &delivered(78), on);
        assert_eq!((with_pause.expected, without.expected), (78, 85));
        assert_eq!(with_pause.status, Status::OnTrack);
        assert_eq!(without.status, Status::Behind);
    }

    fn week_of(day: NaiveDate) -> IsoWeek {
        day.iso_week()
    }

    #[test]
    fn a_child_on_pace_keeps_two_visits_a_week() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        // Planning 2026-W49 with 13 weeks of two visits all delivered.
        let before = delivered(13 * 6 - 6);
        assert_eq!(
            visits_wanted(&days, rhythm(216), &before, week_of(date(2026, 11, 30)), 2),
            2
        );
        // At the target: still the weekly mandate.
        let done = delivered(216);
        assert_eq!(
            visits_wanted(&days, rhythm(216), &done, week_of(date(2027, 6, 7)), 2),
            2
        );
    }

    #[test]
    fn a_child_behind_gets_a_make_up_visit_at_once() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        let w49 = week_of(date(2026, 11, 30));
        // 27 weeks left, 25 before the two-week margin: 50 visits at the regular rhythm.
        // 216 − 66 = 150 periods = 50 visits: on the edge, two a week suffice.
        assert_eq!(visits_wanted(&days, rhythm(216), &delivered(66), w49, 2), 2);
        // One visit short: a third visit this week, not at the end of the year.
        assert_eq!(visits_wanted(&days, rhythm(216), &delivered(63), w49, 2), 3);
    }

    #[test]
    fn a_child_who_misses_one_visit_in_five_needs_more_planned() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        let w49 = week_of(date(2026, 11, 30));
        // 75 periods delivered of 90 planned (one in six missed): 141 still needed,
        // 47 visits, but 50 regular visits deliver about 42.
        let missing = Tally {
            delivered: 75,
            settled: 90,
            ..Tally::default()
        };
        assert_eq!(visits_wanted(&days, rhythm(216), &missing, w49, 2), 3);
        // The same 75 periods delivered of 75 planned would not ask for more.
        assert_eq!(visits_wanted(&days, rhythm(216), &delivered(75), w49, 2), 2);
    }

    #[test]
    fn visits_still_to_come_before_the_week_count_as_on_their_way() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        let w49 = week_of(date(2026, 11, 30));
        // Planning on Friday: this week's two visits are not recorded yet.
        let friday = Tally {
            delivered: 60,
            settled: 60,
            pending: 3,
            upcoming: 3,
            ..Tally::default()
        };
        assert_eq!(visits_wanted(&days, rhythm(216), &friday, w49, 2), 2);
    }

    #[test]
    fn make_ups_never_exceed_the_weekly_maximum_or_the_weeks_days() {
        let calendar = calendar();
        let days = full_year(&calendar, &[]);
        let late = week_of(date(2027, 6, 28));
        assert_eq!(
            visits_wanted(&days, rhythm(216), &delivered(100), late, 2),
            3
        );
        // 2026-W40 has three teaching days: a child with nothing delivered after
        // four weeks asks for all three, even where five a week were allowed.
        let w40 = week_of(date(2026, 9, 28));
        let five = Rhythm {
            max_visits_per_week: 5,
            ..rhythm(216)
        };
        assert_eq!(visits_wanted(&days, rhythm(216), &delivered(0), w40, 2), 3);
        assert_eq!(visits_wanted(&days, five, &delivered(0), w40, 2), 3);
    }
}
