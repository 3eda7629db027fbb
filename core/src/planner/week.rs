//! Planning one school week from what the district has recorded (pure): the week's
//! problem from calendar, plans, availability, absences and pace; then, from the
//! schedule, which visits to keep, move, cancel or add.
//!
//! Visits on days up to `today`, every recorded visit and every visit moved by
//! hand are fixed: planning never changes the past, nor a coordinator's choice.
//! Only the days after `today` are planned.

use std::collections::HashMap;

use chrono::{Datelike, IsoWeek, NaiveDate, Weekday};
use serde::Serialize;

use super::{CurrentVisit, DaySlot, PreviousSlot, Problem, Schedule, StudentNeed, TeacherOffer};
use crate::domain::calendar::SchoolCalendar;
pub use crate::domain::leave::Away;
use crate::domain::pace::{Pace, PlanDays, Rhythm, Tally, visits_wanted};
use crate::domain::slot::WeeklySlot;
pub use crate::domain::visit::Change;
use crate::domain::visit::Outcome;

#[derive(Debug, Clone)]
pub struct WeekTeacher {
    pub id: String,
    pub max_visits_per_day: u32,
    pub available: Vec<WeeklySlot>,
    /// Leave.
    pub away: Vec<Away>,
}

/// A visit already in the database for the week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingVisit {
    pub visit_id: i64,
    pub teacher: String,
    pub day: NaiveDate,
    pub slot: String,
    /// None while unrecorded.
    pub outcome: Option<Outcome>,
    /// Moved by hand by a coordinator: planning leaves it where it was put.
    pub pinned: bool,
}

/// A plan with everything planning needs that does not change from week to week.
#[derive(Debug, Clone)]
pub struct PlanSetup {
    pub plan_id: i64,
    pub student_id: String,
    pub teacher: String,
    pub backup_teacher: Option<String>,
    pub rhythm: Rhythm,
    /// The plan's teaching days (its dates, pauses taken out).
    pub days: PlanDays,
    pub family: Vec<WeeklySlot>,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// A plan in one week.
pub struct WeekPlan<'a> {
    pub setup: &'a PlanSetup,
    /// The plan's visits before the week starts, as planning sees them.
    pub before: Tally,
    /// This week's planned visits.
    pub visits: Vec<ExistingVisit>,
    /// Last week's visits: weekday and slot.
    pub last_week: Vec<(Weekday, String)>,
}

pub struct Week<'a> {
    pub calendar: &'a SchoolCalendar,
    pub week: IsoWeek,
    pub today: NaiveDate,
    pub slots: Vec<String>,
    /// Plans aim to reach their target this many of their weeks before they end.
    pub finish_margin_weeks: u32,
    pub teachers: &'a [WeekTeacher],
    pub plans: Vec<WeekPlan<'a>>,
    /// The week's visits of plans no longer planned (ended, student left): the
    /// past ones stay and hold their slots, the coming ones are cancelled.
    pub orphans: Vec<ExistingVisit>,
}

/// What one plan asks of the week.
#[derive(Debug, Clone, Serialize)]
pub struct Need {
    pub plan_id: i64,
    pub student_id: String,
    pub pace: Pace,
    /// Visits the plan asks for this week (pace, capped by the days it can use).
    pub visits_wanted: u32,
    /// Of those, already made or fixed (days up to today, or recorded).
    pub visits_fixed: u32,
    pub priority: i64,
}

pub struct WeekProblem {
    pub problem: Problem,
    pub needs: Vec<Need>,
}

/// The Monday of an ISO week.
pub fn monday_of(week: IsoWeek) -> NaiveDate {
    NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Mon)
        .expect("an IsoWeek always has a Monday")
}

/// A fixed visit counts towards the week unless it was recorded as not made.
fn counts(visit: &ExistingVisit) -> bool {
    visit.outcome.is_none_or(Outcome::delivers)
}

impl Week<'_> {
    pub fn is_fixed(&self, visit: &ExistingVisit) -> bool {
        visit.pinned || visit.outcome.is_some() || visit.day <= self.today
    }

    /// The week's teaching days still open to planning, with their timetable weekday.
    pub fn open_days(&self) -> Vec<(NaiveDate, Weekday)> {
        self.calendar
            .week(self.week)
            .into_iter()
            .filter(|&(day, _)| day > self.today)
            .collect()
    }

    pub fn problem(&self) -> WeekProblem {
        let open = self.open_days();
        let monday = monday_of(self.week);
        let cell = |day: NaiveDate, slot: &str| DaySlot {
            day,
            slot: slot.to_string(),
        };
        // A slot a fixed visit holds is not offered again.
        let mut fixed_cells: HashMap<&str, Vec<(NaiveDate, &str)>> = HashMap::new();
        let all_visits = self.plans.iter().flat_map(|p| &p.visits);
        for visit in all_visits.chain(&self.orphans).filter(|v| self.is_fixed(v)) {
            fixed_cells
                .entry(visit.teacher.as_str())
                .or_default()
                .push((visit.day, visit.slot.as_str()));
        }
        let teachers = self
            .teachers
            .iter()
            .map(|teacher| {
                let fixed = fixed_cells.get(teacher.id.as_str());
                let mut available = Vec::new();
                for &(day, weekday) in &open {
                    for slot in &self.slots {
                        if teacher.away.iter().any(|away| away.covers(day, slot)) {
                            continue;
                        }
                        let offered = teacher
                            .available
                            .iter()
                            .any(|w| w.weekday == weekday && &w.slot == slot);
                        let taken = fixed.is_some_and(|f| f.contains(&(day, slot.as_str())));
                        if offered && !taken {
                            available.push(cell(day, slot));
                        }
                    }
                }
                TeacherOffer {
                    id: teacher.id.clone(),
                    max_visits_per_day: teacher.max_visits_per_day,
                    available,
                }
            })
            .collect();

        let mut students = Vec::new();
        let mut needs = Vec::new();
        for plan in &self.plans {
            let rhythm = plan.setup.rhythm;
            let plan_days = plan.setup.days.in_week(self.week);
            // By Monday the visits before the week will have happened or not: those
            // still to come count as pending, as they will on Monday.
            let by_monday = Tally {
                pending: plan.before.pending + plan.before.upcoming,
                upcoming: 0,
                visits_this_week: 0,
                ..plan.before
            };
            let pace = Pace::at(&plan.setup.days, rhythm, &by_monday, monday);
            let visits_wanted = visits_wanted(
                &plan.setup.days,
                rhythm,
                &plan.before,
                self.week,
                self.finish_margin_weeks,
            );
            let fixed: Vec<&ExistingVisit> =
                plan.visits.iter().filter(|v| self.is_fixed(v)).collect();
            let visits_fixed = fixed.iter().filter(|v| counts(v)).count() as u32;
            let priority = i64::from(pace.visits_behind(rhythm.periods_per_visit));
            let visits_needed = visits_wanted.saturating_sub(visits_fixed);
            needs.push(Need {
                plan_id: plan.setup.plan_id,
                student_id: plan.setup.student_id.clone(),
                pace,
                visits_wanted,
                visits_fixed,
                priority,
            });
            if visits_needed == 0 {
                continue;
            }
            let mut available = Vec::new();
            for &(day, weekday) in &open {
                if !plan_days.contains(&day) || fixed.iter().any(|v| v.day == day) {
                    continue;
                }
                for slot in &self.slots {
                    if plan
                        .setup
                        .family
                        .iter()
                        .any(|w| w.weekday == weekday && &w.slot == slot)
                    {
                        available.push(cell(day, slot));
                    }
                }
            }
            students.push(StudentNeed {
                id: plan.setup.student_id.clone(),
                teacher: plan.setup.teacher.clone(),
                backup_teacher: plan.setup.backup_teacher.clone(),
                visits_needed,
                priority,
                available,
                previous: plan
                    .last_week
                    .iter()
                    .map(|(weekday, slot)| PreviousSlot {
                        weekday: *weekday,
                        slot: slot.clone(),
                    })
                    .collect(),
                current: plan
                    .visits
                    .iter()
                    .filter(|v| !self.is_fixed(v))
                    .map(|v| CurrentVisit {
                        teacher: v.teacher.clone(),
                        day: v.day,
                        slot: v.slot.clone(),
                    })
                    .collect(),
            });
        }
        WeekProblem {
            problem: Problem {
                week: format_week(self.week),
                days: open.iter().map(|&(day, _)| day).collect(),
                slots: self.slots.clone(),
                teachers,
                students,
            },
            needs,
        }
    }

    /// What to write so that the database holds `schedule`: visits that stay where
    /// they are untouched, a changed visit moved (it keeps its id, so a teacher's
    /// calendar updates the same event), the rest cancelled or added.
    pub fn changes(&self, schedule: &Schedule) -> Vec<Change> {
        let mut wanted: HashMap<&str, Vec<&super::Visit>> = HashMap::new();
        for visit in &schedule.visits {
            wanted
                .entry(visit.student.as_str())
                .or_default()
                .push(visit);
        }
        let mut changes: Vec<Change> = self
            .orphans
            .iter()
            .filter(|v| !self.is_fixed(v))
            .map(|v| Change::Cancel {
                visit_id: v.visit_id,
            })
            .collect();
        for plan in &self.plans {
            let mut new: Vec<&super::Visit> = wanted
                .remove(plan.setup.student_id.as_str())
                .unwrap_or_default();
            let mut old: Vec<&ExistingVisit> = Vec::new();
            for visit in plan.visits.iter().filter(|v| !self.is_fixed(v)) {
                let same = new.iter().position(|n| {
                    n.teacher == visit.teacher && n.day == visit.day && n.slot == visit.slot
                });
                match same {
                    Some(k) => {
                        new.remove(k);
                        changes.push(Change::Keep {
                            visit_id: visit.visit_id,
                        });
                    }
                    None => old.push(visit),
                }
            }
            let mut new = new.into_iter();
            for visit in old {
                changes.push(match new.next() {
                    Some(to) => Change::Move {
                        visit_id: visit.visit_id,
                        teacher: to.teacher.clone(),
                        day: to.day,
                        slot: to.slot.clone(),
                    },
                    None => Change::Cancel {
                        visit_id: visit.visit_id,
                    },
                });
            }
            for to in new {
                changes.push(Change::Add {
                    plan_id: plan.setup.plan_id,
                    teacher: to.teacher.clone(),
                    day: to.day,
                    slot: to.slot.clone(),
                });
            }
        }
        changes
    }
}

/// `2026-W49`.
pub fn format_week(week: IsoWeek) -> String {
    format!("{}-W{:02}", week.year(), week.week())
}

/// Reads `2026-W49` (or `2026-w49`).
pub fn parse_week(text: &str) -> Option<IsoWeek> {
    let (year, week) = text.trim().split_once(['W', 'w'])?;
    let year: i32 = year.strip_suffix('-').unwrap_or(year).parse().ok()?;
    let week: u32 = week.parse().ok()?;
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|d| d.iso_week())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_read_and_write_as_iso() {
        let week = parse_week("2026-W49").unwrap();
        assert_eq!(format_week(week), "2026-W49");
        assert_eq!(
            monday_of(week),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(parse_week("2026-w01").map(format_week).unwrap(), "2026-W01");
        assert!(parse_week("2026-W54").is_none());
        assert!(parse_week("next week").is_none());
    }
}
