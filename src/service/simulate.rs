//! The capacity what-if: the rest of the school year replayed week by week in
//! memory, with the real planner and pace rules and visits missed at random. The
//! database is only read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, IsoWeek, NaiveDate};
use serde::Serialize;

use super::ServiceError;
use super::plan_week::{District, WeekVisits, load_district};
use crate::config::Settings;
use crate::domain::calendar::SchoolCalendar;
use crate::domain::pace::{Pace, Status, Tally, VisitState};
use crate::domain::slot::WeeklySlot;
use crate::domain::visit::Outcome;
use crate::planner::advice::{Advice, AdviceKind, advise_for};
use crate::planner::week::{Change, ExistingVisit, monday_of};
use crate::planner::{self, ProblemError};
use crate::store::people::Which;
use crate::store::{Store, visits};

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The simulation starts after this day; what is recorded up to it stands.
    pub from: NaiveDate,
    pub miss_rate: f64,
    pub seed: u64,
    /// Work out, week by week, what would have placed the visits that could not be
    /// placed (staffing advice), and add it up for the year.
    pub advise: bool,
    /// Each child's visits are missed at the rate of their own last
    /// [`OWN_RECORD`] recorded visits (when they have at least
    /// [`OWN_RECORD_FROM`]), not `miss_rate`: a family away for weeks projects to
    /// what its record gives, not to the district's habits.
    pub own_record: bool,
}

/// How many of a child's latest recorded visits their own rate is read from.
pub const OWN_RECORD: usize = 8;
/// The fewest recorded visits a child's own rate is read from.
pub const OWN_RECORD_FROM: usize = 4;

/// Each plan's share of missed visits among its last [`OWN_RECORD`] recorded
/// up to `until`, for the plans with at least [`OWN_RECORD_FROM`] of them.
fn own_miss_rates(recorded: &[visits::LedgerVisit], until: NaiveDate) -> HashMap<i64, f64> {
    let mut by_plan: HashMap<i64, Vec<(NaiveDate, bool)>> = HashMap::new();
    for visit in recorded.iter().filter(|v| v.day <= until) {
        if let Some(outcome) = visit.outcome {
            by_plan
                .entry(visit.plan_id)
                .or_default()
                .push((visit.day, outcome.delivers()));
        }
    }
    by_plan
        .into_iter()
        .filter(|(_, outcomes)| outcomes.len() >= OWN_RECORD_FROM)
        .map(|(plan, mut outcomes)| {
            outcomes.sort();
            let recent = &outcomes[outcomes.len().saturating_sub(OWN_RECORD)..];
            let missed = recent.iter().filter(|(_, delivered)| !delivered).count();
            (plan, missed as f64 / recent.len() as f64)
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectedStudent {
    pub student_id: String,
    pub plan_id: i64,
    pub target: u32,
    pub delivered_so_far: u32,
    pub projected: u32,
    pub status: Status,
    pub reaches_target: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeacherLoad {
    pub teacher_id: String,
    pub visits: u32,
    pub per_week: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub students: usize,
    pub reaching_target: usize,
    pub weeks: u32,
    pub visits_asked: u64,
    pub visits_placed: u64,
    pub visits_missed: u64,
    pub visits_completed: u64,
    /// Weeks a child had visits planned, and of those the weeks with more than the
    /// plan's regular visits (make-ups).
    pub child_weeks: u64,
    pub child_weeks_with_a_make_up: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimulationReport {
    pub school_year: String,
    pub from: NaiveDate,
    pub miss_rate: f64,
    pub seed: u64,
    pub totals: Totals,
    pub students: Vec<ProjectedStudent>,
    pub teachers: Vec<TeacherLoad>,
    /// With `advise`: the additions that would have placed the year's missing
    /// visits, the most visits first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<Vec<YearAdvice>>,
}

/// One addition over the rest of the year: the weekly half-days (or the backup
/// teacher) that the weeks' advice asked for again and again.
#[derive(Debug, Clone, Serialize)]
pub struct YearAdvice {
    pub kind: AdviceKind,
    pub teachers: Vec<String>,
    pub changed_for: Vec<String>,
    /// Children whose missing visits it would place.
    pub students: Vec<String>,
    /// Weekly half-days (`Tue-PM`), the most often needed first.
    pub half_days: Vec<String>,
    /// The most of them needed in one week.
    pub half_days_a_week: u32,
    /// Weeks in which it would have placed visits.
    pub weeks: u32,
    pub visits: u64,
}

#[derive(Default)]
struct AdviceTally {
    students: BTreeSet<String>,
    half_days: BTreeMap<String, u32>,
    half_days_a_week: u32,
    weeks: u32,
    visits: u64,
}

fn add_week_advice(
    year: &mut BTreeMap<(AdviceKind, Vec<String>, Vec<String>), AdviceTally>,
    calendar: &SchoolCalendar,
    advice: Vec<Advice>,
) {
    for item in advice {
        let tally = year
            .entry((item.kind, item.teachers, item.changed_for))
            .or_default();
        tally.students.extend(item.students);
        for c in &item.half_days {
            // A make-up Saturday is the weekday whose timetable it follows.
            let weekly = WeeklySlot {
                weekday: calendar.timetable_weekday(c.day).unwrap_or(c.day.weekday()),
                slot: c.slot.clone(),
            };
            *tally.half_days.entry(weekly.to_string()).or_default() += 1;
        }
        tally.half_days_a_week = tally.half_days_a_week.max(item.half_days.len() as u32);
        tally.weeks += 1;
        tally.visits += item.visits;
    }
}

fn year_advice(
    year: BTreeMap<(AdviceKind, Vec<String>, Vec<String>), AdviceTally>,
) -> Vec<YearAdvice> {
    let mut advice: Vec<YearAdvice> = year
        .into_iter()
        .map(|((kind, teachers, changed_for), tally)| {
            let mut half_days: Vec<(String, u32)> = tally.half_days.into_iter().collect();
            half_days.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            YearAdvice {
                kind,
                teachers,
                changed_for,
                students: tally.students.into_iter().collect(),
                half_days: half_days.into_iter().map(|(h, _)| h).collect(),
                half_days_a_week: tally.half_days_a_week,
                weeks: tally.weeks,
                visits: tally.visits,
            }
        })
        .collect();
    advice.sort_by(|a, b| b.visits.cmp(&a.visits).then(a.teachers.cmp(&b.teachers)));
    advice
}

/// SplitMix64: a small, well-tested generator; the same seed gives the same year.
struct Random(u64);

impl Random {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug, Clone)]
struct SimVisit {
    id: i64,
    plan_id: i64,
    teacher: String,
    day: NaiveDate,
    slot: String,
    outcome: Option<Outcome>,
    periods: u32,
}

impl SimVisit {
    fn existing(&self) -> ExistingVisit {
        ExistingVisit {
            visit_id: self.id,
            teacher: self.teacher.clone(),
            day: self.day,
            slot: self.slot.clone(),
            outcome: self.outcome,
            pinned: false,
        }
    }

    fn delivered(&self) -> u32 {
        match self.state() {
            VisitState::Delivered(periods) => periods,
            _ => 0,
        }
    }

    /// Everything before a planned week is known in the simulation: recorded, or
    /// decided by the dice.
    fn state(&self) -> VisitState {
        match self.outcome {
            Some(outcome) if outcome.delivers() => VisitState::Delivered(self.periods),
            _ => VisitState::NotDelivered,
        }
    }
}

/// The district and the year's recorded and planned visits, as the simulation
/// starts from them, read in one transaction; the simulation itself touches no
/// database.
/// The district's plans, people and recorded visits, for a replay. It reads
/// every school, so it is for those who plan the district's weeks (admins and
/// the district's coordinators, the command line and the jobs).
pub async fn load(
    store: &Store,
    settings: &Settings,
    actor: &super::Actor,
    calendar: &SchoolCalendar,
) -> Result<(District, Vec<visits::LedgerVisit>), ServiceError> {
    if !super::week_board::may_plan(actor) {
        return Err(ServiceError::Forbidden(
            "the simulation reads the whole district: it is for admins and the district's coordinators"
                .into(),
        ));
    }
    let mut tx = store.read().await?;
    let district = load_district(&mut tx, settings, calendar).await?;
    let visits = visits::ledger_visits(&mut tx, calendar.year, None, Which::Everyone).await?;
    tx.rollback().await?;
    Ok((district, visits))
}

/// The simulation for an account (see `load` for who may run it). The replay is
/// CPU work, run off the async threads.
pub async fn replay(
    store: &Store,
    settings: &Settings,
    actor: &super::Actor,
    options: Options,
) -> Result<SimulationReport, ServiceError> {
    let year = crate::domain::calendar::SchoolYear::containing(options.from);
    // The day is the caller's choice: a year without a calendar is theirs to fix.
    let calendar = super::calendar_for(settings, year, "from")?;
    // One replay at a time: each takes a core for seconds on a district's year.
    static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    let _turn = ONE_AT_A_TIME
        .acquire()
        .await
        .map_err(|_| ServiceError::Settings("the simulation is shut down".into()))?;
    let (district, recorded) = load(store, settings, actor, &calendar).await?;
    let report = tokio::task::spawn_blocking(move || {
        simulate(&calendar, &district, &recorded, options, |_, _| {})
    })
    .await
    // A panic in the replay is a bug: raise it here as if it ran inline.
    .unwrap_or_else(|joined| std::panic::resume_unwind(joined.into_panic()))?;
    Ok(report)
}

/// The teaching weeks still to come after `from` (the week holding `from` included).
pub fn weeks_after(calendar: &SchoolCalendar, from: NaiveDate) -> Vec<IsoWeek> {
    let mut weeks: Vec<IsoWeek> = calendar
        .teaching_days()
        .into_iter()
        .filter(|&d| d > from)
        .map(|d| d.iso_week())
        .collect();
    weeks.dedup();
    weeks
}

/// Replays the weeks after `options.from`; `on_week` is told as each week is done.
pub fn simulate(
    calendar: &SchoolCalendar,
    district: &District,
    recorded: &[visits::LedgerVisit],
    options: Options,
    mut on_week: impl FnMut(usize, usize),
) -> Result<SimulationReport, ProblemError> {
    let mut random = Random(options.seed);
    let own_rates = if options.own_record {
        own_miss_rates(recorded, options.from)
    } else {
        HashMap::new()
    };
    let periods_per_visit: HashMap<i64, u32> = district
        .plans
        .iter()
        .map(|p| (p.plan_id, p.rhythm.periods_per_visit))
        .collect();
    let mut by_week: BTreeMap<IsoWeek, Vec<SimVisit>> = BTreeMap::new();
    for v in recorded {
        by_week.entry(v.day.iso_week()).or_default().push(SimVisit {
            id: v.visit_id,
            plan_id: v.plan_id,
            teacher: v.teacher_id.clone(),
            day: v.day,
            slot: v.slot.clone(),
            outcome: v.outcome,
            periods: v.periods.unwrap_or(0).max(0) as u32,
        });
    }
    let weeks = weeks_after(calendar, options.from);
    let first_monday = weeks.first().map_or(options.from, |w| monday_of(*w));
    let mut before: HashMap<i64, Tally> = HashMap::new();
    let add = |before: &mut HashMap<i64, Tally>, visit: &SimVisit| {
        let periods = periods_per_visit.get(&visit.plan_id).copied().unwrap_or(0);
        before
            .entry(visit.plan_id)
            .or_default()
            .add(visit.state(), periods, false);
    };
    for visit in by_week.values().flatten().filter(|v| v.day < first_monday) {
        add(&mut before, visit);
    }
    let delivered_so_far: HashMap<i64, u32> = {
        let mut so_far = HashMap::new();
        for visit in by_week.values().flatten().filter(|v| v.day <= options.from) {
            *so_far.entry(visit.plan_id).or_default() += visit.delivered();
        }
        so_far
    };

    let mut next_id = -1i64;
    let mut totals = Totals {
        students: district.plans.len(),
        reaching_target: 0,
        weeks: weeks.len() as u32,
        visits_asked: 0,
        visits_placed: 0,
        visits_missed: 0,
        visits_completed: 0,
        child_weeks: 0,
        child_weeks_with_a_make_up: 0,
    };
    let regular: HashMap<i64, u32> = district
        .plans
        .iter()
        .map(|p| (p.plan_id, p.rhythm.visits_per_week))
        .collect();
    let mut load: BTreeMap<String, u32> = BTreeMap::new();
    let mut advice = BTreeMap::new();
    for (done, &week) in weeks.iter().enumerate() {
        let monday = monday_of(week);
        // Planned on the Friday before, as the daemon does; the first week from `from`.
        let today = options.from.max(monday - Duration::days(3));
        let group = |visits: Option<&Vec<SimVisit>>| {
            let mut map: HashMap<i64, Vec<ExistingVisit>> = HashMap::new();
            for v in visits.into_iter().flatten() {
                map.entry(v.plan_id).or_default().push(v.existing());
            }
            map
        };
        let previous = week_before(week);
        let plan = district.week(
            calendar,
            week,
            today,
            WeekVisits {
                before: before.clone(),
                this_week: group(by_week.get(&week)),
                last_week: group(previous.and_then(|p| by_week.get(&p))),
            },
        );
        let problem = plan.problem();
        // How many visits each child gets is all a projection counts: the soft
        // goals (days apart, last week's slots) change no period, and their proof
        // is most of a week's planning time.
        let schedule = planner::solve_for(&problem.problem, planner::Goals::Coverage)?;
        if options.advise && !schedule.unplaced.is_empty() {
            add_week_advice(
                &mut advice,
                calendar,
                // Only what children behind pace miss: a third visit missing for a
                // child on pace is no staffing problem.
                advise_for(&problem.problem, &schedule, |s| s.priority > 0).advice,
            );
        }
        totals.visits_asked += schedule.stats.visits_needed;
        totals.visits_placed += schedule.stats.visits_placed;
        let this_week = by_week.entry(week).or_default();
        for change in plan.changes(&schedule) {
            match change {
                Change::Keep { .. } => {}
                Change::Move {
                    visit_id,
                    teacher,
                    day,
                    slot,
                } => {
                    if let Some(v) = this_week.iter_mut().find(|v| v.id == visit_id) {
                        (v.teacher, v.day, v.slot) = (teacher, day, slot);
                    }
                }
                Change::Cancel { visit_id } => this_week.retain(|v| v.id != visit_id),
                Change::Add {
                    plan_id,
                    teacher,
                    day,
                    slot,
                } => {
                    this_week.push(SimVisit {
                        id: next_id,
                        plan_id,
                        teacher,
                        day,
                        slot,
                        outcome: None,
                        periods: 0,
                    });
                    next_id -= 1;
                }
            }
        }
        // The week happens: each visit still to come is made or missed.
        for visit in this_week.iter_mut() {
            if visit.outcome.is_none() && visit.day > today {
                let miss_rate = own_rates
                    .get(&visit.plan_id)
                    .copied()
                    .unwrap_or(options.miss_rate);
                if random.unit() < miss_rate {
                    visit.outcome = Some(Outcome::Missed);
                    totals.visits_missed += 1;
                } else {
                    visit.outcome = Some(Outcome::Completed);
                    visit.periods = periods_per_visit.get(&visit.plan_id).copied().unwrap_or(0);
                    totals.visits_completed += 1;
                }
                *load.entry(visit.teacher.clone()).or_default() += 1;
            }
        }
        let mut per_plan: HashMap<i64, u32> = HashMap::new();
        for visit in this_week.iter() {
            add(&mut before, visit);
            *per_plan.entry(visit.plan_id).or_default() += 1;
        }
        totals.child_weeks += per_plan.len() as u64;
        totals.child_weeks_with_a_make_up += per_plan
            .iter()
            .filter(|(plan, n)| **n > regular.get(plan).copied().unwrap_or(u32::MAX))
            .count() as u64;
        on_week(done + 1, weeks.len());
    }

    let mut students = Vec::new();
    for plan in &district.plans {
        let tally = before.get(&plan.plan_id).copied().unwrap_or_default();
        let projected = tally.delivered;
        let after_end = plan.end + Duration::days(1);
        let pace = Pace::at(&plan.days, plan.rhythm, &tally, after_end);
        let reaches_target = projected >= pace.target;
        totals.reaching_target += usize::from(reaches_target);
        students.push(ProjectedStudent {
            student_id: plan.student_id.clone(),
            plan_id: plan.plan_id,
            target: pace.target,
            delivered_so_far: delivered_so_far.get(&plan.plan_id).copied().unwrap_or(0),
            projected,
            status: pace.status,
            reaches_target,
        });
    }
    let weeks_count = weeks.len().max(1) as f64;
    let teachers = district
        .teachers
        .iter()
        .map(|t| {
            let visits = load.get(&t.id).copied().unwrap_or(0);
            TeacherLoad {
                teacher_id: t.id.clone(),
                visits,
                per_week: (f64::from(visits) / weeks_count * 10.0).round() / 10.0,
            }
        })
        .collect();
    Ok(SimulationReport {
        school_year: calendar.year.to_string(),
        from: options.from,
        miss_rate: options.miss_rate,
        seed: options.seed,
        totals,
        students,
        teachers,
        advice: options.advise.then(|| year_advice(advice)),
    })
}

fn week_before(week: IsoWeek) -> Option<IsoWeek> {
    monday_of(week)
        .checked_sub_signed(Duration::days(7))
        .map(|d| d.iso_week())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(plan_id: i64, day: u32, outcome: Outcome) -> visits::LedgerVisit {
        visits::LedgerVisit {
            visit_id: i64::from(day),
            plan_id,
            student_id: format!("S{plan_id}"),
            day: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            slot: "AM".into(),
            teacher_id: "T01".into(),
            outcome: Some(outcome),
            periods: Some(if outcome.delivers() { 3 } else { 0 }),
            mode: crate::domain::visit::Mode::Home,
            reason: None,
            note: None,
            goal_notes: Vec::new(),
            guardian_confirmed_by: None,
            guardian_confirmed_at: None,
            recorded_by: None,
            recorded_at: None,
            unplanned: false,
        }
    }

    #[test]
    fn a_child_is_projected_from_their_own_last_visits() {
        use Outcome::*;
        let mut recorded: Vec<_> = (2..6).map(|d| visit(1, d, Completed)).collect();
        // Plan 1: four made long ago, then eleven missed in a row.
        recorded.extend((6..17).map(|d| visit(1, d, Missed)));
        // Plan 2: one missed of the last eight.
        recorded.extend((2..9).map(|d| visit(2, d, Completed)));
        recorded.push(visit(2, 9, Missed));
        // Plan 3: too few records to say.
        recorded.extend((2..5).map(|d| visit(3, d, Missed)));
        let until = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let rates = own_miss_rates(&recorded, until);
        assert_eq!(rates[&1], 1.0, "the last eight all missed");
        assert_eq!(rates[&2], 1.0 / 8.0);
        assert!(
            !rates.contains_key(&3),
            "under four records: the district's rate"
        );
        // Visits after the day the projection starts from are not its record.
        let early = own_miss_rates(&recorded, NaiveDate::from_ymd_opt(2026, 11, 5).unwrap());
        assert_eq!(early[&1], 0.0);
    }
}
