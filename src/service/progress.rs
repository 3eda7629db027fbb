//! Every plan's pace at a moment: delivered, pending, expected, capacity, status.
//! The one place that reads a plan's visits for pace; progress, plan show, the
//! ledger, the alerts, the digest and plan-week all go through it.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::pace::{Pace, PlanDays, Rhythm, Status, Tally, VisitState};
use crate::planner::week::monday_of;
use crate::service::ServiceError;
use crate::store::people::Which;
use crate::store::{Store, Tx, people, plans, visits};

#[derive(Debug, Clone, Serialize)]
pub struct ProgressRow {
    pub student_id: String,
    pub plan_id: i64,
    pub school_year: String,
    pub target: u32,
    pub delivered: u32,
    /// Slot over, not recorded yet, within the recording grace.
    pub pending: u32,
    pub expected: u32,
    pub capacity: u32,
    pub status: Status,
    pub visits_completed: u32,
    pub visits_missed: u32,
    pub visits_unrecorded: u32,
    pub name: String,
    pub school: String,
    pub teacher_id: String,
    pub start_date: NaiveDate,
}

/// The moment pace is read at, in the district's zone, with what it needs to tell
/// a visit's state.
pub struct Moment {
    pub now: NaiveDateTime,
    pub grace: Duration,
    pub slots: crate::domain::slot::SlotTable,
}

impl Moment {
    pub fn new(settings: &Settings, now: DateTime<Utc>) -> Result<Self, ServiceError> {
        Ok(Self {
            now: now.with_timezone(&settings.time_zone).naive_local(),
            grace: Duration::days(i64::from(settings.records.record_grace_days)),
            slots: settings.slot_table().map_err(ServiceError::Settings)?,
        })
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date()
    }

    /// The first day not yet over (see `SlotTable::open_from`).
    pub fn open_from(&self) -> NaiveDate {
        self.slots.open_from(self.now)
    }

    /// Visits before this day are over and past the grace, so the database can sum
    /// them; from it on they are looked at one by one.
    pub fn recent_from(&self) -> NaiveDate {
        (self.today() - self.grace - Duration::days(1)).min(monday_of(self.open_from().iso_week()))
    }
}

/// Each plan's visits of `year` on days up to `until`, added up at the moment.
/// `periods_per_visit` names the plans wanted (and what an unrecorded visit of
/// each would deliver).
pub async fn tallies(
    tx: &mut Tx,
    year: SchoolYear,
    moment: &Moment,
    until: NaiveDate,
    periods_per_visit: &HashMap<i64, u32>,
) -> Result<HashMap<i64, Tally>, ServiceError> {
    let counts = visits::year_counts(tx, year, until, moment.recent_from(), None).await?;
    let mut tallies = settled_tallies(&counts, periods_per_visit);
    add_recent(tx, moment, until, periods_per_visit, None, &mut tallies).await?;
    Ok(tallies)
}

/// The visits summed by the database (all settled: over and past the grace).
fn settled_tallies(
    counts: &HashMap<i64, visits::YearCounts>,
    periods_per_visit: &HashMap<i64, u32>,
) -> HashMap<i64, Tally> {
    counts
        .iter()
        .filter_map(|(&plan_id, c)| {
            let periods = periods_per_visit.get(&plan_id)?;
            let delivered = c.delivered_before.max(0) as u32;
            let planned = c.visits_before.max(0) as u32;
            Some((
                plan_id,
                Tally {
                    delivered,
                    settled: (planned * periods).max(delivered),
                    ..Tally::default()
                },
            ))
        })
        .collect()
}

/// Adds the visits from the moment's `recent_from` to `until`, one by one: their
/// state depends on the time of their slot and on the grace.
async fn add_recent(
    tx: &mut Tx,
    moment: &Moment,
    until: NaiveDate,
    periods_per_visit: &HashMap<i64, u32>,
    student_id: Option<&str>,
    tallies: &mut HashMap<i64, Tally>,
) -> Result<(), ServiceError> {
    let this_week = moment.open_from().iso_week();
    let recent_from = moment.recent_from();
    if until < recent_from {
        return Ok(());
    }
    let recent = match student_id {
        None => visits::planned_between(tx, recent_from, until).await?,
        Some(student) => {
            let filter = visits::VisitFilter {
                from: Some(recent_from),
                to: Some(until),
                student_id: Some(student.to_string()),
                ..Default::default()
            };
            visits::list(tx, &filter).await?
        }
    };
    for visit in recent {
        let Some(&periods) = periods_per_visit.get(&visit.plan_id) else {
            continue;
        };
        let state = VisitState::of(
            visit.outcome,
            visit.periods.unwrap_or(0).max(0) as u32,
            moment.slots.ends_at(visit.day, &visit.slot),
            moment.now,
            moment.grace,
        );
        tallies.entry(visit.plan_id).or_default().add(
            state,
            periods,
            visit.day.iso_week() == this_week,
        );
    }
    Ok(())
}

/// Each active plan of the calendar's year at `now`, in a read transaction of its own.
pub async fn year_progress(
    store: &Store,
    settings: &Settings,
    actor: &super::Actor,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
) -> Result<Vec<ProgressRow>, ServiceError> {
    let mut tx = store.read().await?;
    let rows = progress_of_children(&mut tx, settings, calendar, now, actor.schools_seen()).await?;
    tx.rollback().await?;
    Ok(rows)
}

/// Each active plan of the calendar's year at `now`.
pub async fn progress(
    tx: &mut Tx,
    settings: &Settings,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
) -> Result<Vec<ProgressRow>, ServiceError> {
    progress_of(tx, settings, calendar, now, None, Which::Everyone).await
}

/// Each active plan of the calendar's year of the children `which` selects.
pub async fn progress_of_children(
    tx: &mut Tx,
    settings: &Settings,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
    which: Which<'_>,
) -> Result<Vec<ProgressRow>, ServiceError> {
    progress_of(tx, settings, calendar, now, None, which).await
}

/// One student's active plan of the calendar's year at `now`, if there is one.
pub async fn student_progress(
    tx: &mut Tx,
    settings: &Settings,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
    student_id: &str,
) -> Result<Option<ProgressRow>, ServiceError> {
    Ok(progress_of(
        tx,
        settings,
        calendar,
        now,
        Some(student_id),
        Which::One(student_id),
    )
    .await?
    .pop())
}

async fn progress_of(
    tx: &mut Tx,
    settings: &Settings,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
    student_id: Option<&str>,
    plans_of: Which<'_>,
) -> Result<Vec<ProgressRow>, ServiceError> {
    let year: SchoolYear = calendar.year;
    let moment = Moment::new(settings, now)?;
    let today = moment.today();
    // One pass over the year's visits for both the sums and the counts.
    // One student's page reads only what is theirs.
    let year_counts =
        visits::year_counts(tx, year, today, moment.recent_from(), student_id).await?;
    let students = people::names_and_schools(tx, student_id).await?;
    let pauses = people::ranges_by_person(people::student_pauses(tx, student_id).await?);
    let active = plans::active_plans(tx, Some(year), plans_of).await?;
    let periods: HashMap<i64, u32> = active
        .iter()
        .map(|p| (p.plan_id, p.terms.periods_per_visit))
        .collect();
    let mut tallies = settled_tallies(&year_counts, &periods);
    add_recent(tx, &moment, today, &periods, student_id, &mut tallies).await?;
    let mut counts = year_counts;
    let defaults = &settings.defaults;
    let open_from = moment.open_from();
    // Most plans share their dates: their teaching days and target are worked out
    // once per dates, not once per plan (a district has thousands).
    let mut shared_days: HashMap<(NaiveDate, NaiveDate), PlanDays> = HashMap::new();
    let mut rhythms: HashMap<(NaiveDate, NaiveDate, u32, u32, u32), Rhythm> = HashMap::new();
    let mut rows = Vec::new();
    for plan in active {
        let terms = &plan.terms;
        let count = counts.remove(&plan.plan_id).unwrap_or_default();
        let paused = pauses.get(&plan.student_id).map_or(&[][..], Vec::as_slice);
        let own_days;
        let days = if paused.is_empty() {
            &*shared_days
                .entry((terms.start_date, terms.end_date))
                .or_insert_with(|| terms.days(calendar, &[]))
        } else {
            own_days = terms.days(calendar, paused);
            &own_days
        };
        let rhythm = *rhythms
            .entry((
                terms.start_date,
                terms.end_date,
                terms.annual_target,
                terms.visits_per_week,
                terms.periods_per_visit,
            ))
            .or_insert_with(|| {
                terms.rhythm(
                    calendar,
                    defaults.prorate_target,
                    defaults.max_visits_per_week,
                )
            });
        let tally = tallies.remove(&plan.plan_id).unwrap_or_default();
        let pace = Pace::at(days, rhythm, &tally, open_from);
        let student = students.get(&plan.student_id);
        rows.push(ProgressRow {
            student_id: plan.student_id.clone(),
            plan_id: plan.plan_id,
            school_year: plan.school_year.clone(),
            target: pace.target,
            delivered: pace.delivered,
            pending: pace.pending,
            expected: pace.expected,
            capacity: pace.capacity,
            status: pace.status,
            visits_completed: count.completed as u32,
            visits_missed: count.missed as u32,
            visits_unrecorded: count.unrecorded as u32,
            name: student.map(|(name, _)| name.clone()).unwrap_or_default(),
            school: student
                .map(|(_, school)| school.clone())
                .unwrap_or_default(),
            teacher_id: terms.teacher_id.clone(),
            start_date: terms.start_date,
        });
    }
    Ok(rows)
}
