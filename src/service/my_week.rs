//! A teacher's week, as their phone shows it at the door: each visit with the
//! time, the child, where to go, whom to call, what to teach and what happened
//! last time; and the visits they have not recorded yet.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, IsoWeek, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use super::{Actor, ServiceError, audit};
use crate::config::Settings;
use crate::domain::access::Scope;
use crate::domain::calendar::SchoolYear;
use crate::domain::visit::{MissReason, Outcome};
use crate::planner::week::monday_of;
use crate::store::people::{self, Student};
use crate::store::plans;
use crate::store::visits::{self, VisitFilter, VisitRow};
use crate::store::{Store, Tx};

/// What became of a visit, as the teacher sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitState {
    Planned,
    Recorded,
    Missed,
    Cancelled,
}

impl VisitState {
    pub fn code(self) -> &'static str {
        match self {
            VisitState::Planned => "planned",
            VisitState::Recorded => "recorded",
            VisitState::Missed => "missed",
            VisitState::Cancelled => "cancelled",
        }
    }

    pub fn of(outcome: Option<Outcome>) -> Self {
        match outcome {
            None => VisitState::Planned,
            Some(Outcome::Completed | Outcome::Partial) => VisitState::Recorded,
            Some(Outcome::Missed) => VisitState::Missed,
            Some(Outcome::Cancelled) => VisitState::Cancelled,
        }
    }
}

/// One visit on the teacher's phone.
#[derive(Debug, Clone, Serialize)]
pub struct WeekVisit {
    pub visit_id: i64,
    pub day: NaiveDate,
    pub slot: String,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    pub student_id: String,
    pub student_name: String,
    pub address: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
    pub goals: Vec<String>,
    /// What the last recorded visit before this one noted.
    pub last_note: Option<String>,
    pub state: VisitState,
    pub reason: Option<MissReason>,
    /// Its slot is over and nobody recorded it.
    pub unrecorded: bool,
    /// Its slot has begun: it can be recorded (or its record corrected).
    pub recordable: bool,
}

/// One day of the week with its visits.
#[derive(Debug, Clone, Serialize)]
pub struct WeekDay {
    pub day: NaiveDate,
    pub today: bool,
    pub visits: Vec<WeekVisit>,
}

#[derive(Debug, Clone)]
pub struct MyWeek {
    pub week: IsoWeek,
    pub previous: IsoWeek,
    pub next: IsoWeek,
    /// Today first when the week holds it, then the days after, then those before.
    pub days: Vec<WeekDay>,
    /// Every visit of theirs whose slot is over and that nobody recorded, oldest first.
    pub unrecorded: Vec<WeekVisit>,
}

fn teacher_of(actor: &Actor) -> Result<&str, ServiceError> {
    match &actor.scope {
        Scope::Teacher { teacher_id } => Ok(teacher_id),
        _ => Err(ServiceError::Forbidden(
            "the week page is a teacher's own visits".into(),
        )),
    }
}

/// The teacher's visits of `week` (their coming visits when None: this week).
pub async fn my_week(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    week: Option<IsoWeek>,
    address: &str,
) -> Result<MyWeek, ServiceError> {
    let teacher_id = teacher_of(actor)?.to_string();
    let local = now.with_timezone(&settings.time_zone).naive_local();
    let today = local.date();
    let week = week.unwrap_or_else(|| today.iso_week());
    let monday = monday_of(week);
    let slots = settings.slot_table().map_err(ServiceError::Settings)?;
    let mut tx = audit::logged_read(store, actor, now).await?;
    let this_week = visits::list(
        &mut tx,
        &VisitFilter {
            from: Some(monday),
            to: Some(monday + Duration::days(6)),
            teacher_id: Some(teacher_id.clone()),
            ..Default::default()
        },
    )
    .await?;
    let unrecorded = visits::list(
        &mut tx,
        &VisitFilter {
            teacher_id: Some(teacher_id.clone()),
            unrecorded_by: Some(today),
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter(|v| slots.ends_at(v.day, &v.slot) <= local)
    .collect::<Vec<_>>();
    let mut children = Students::default();
    let mut shown = Vec::new();
    for visit in this_week.iter().chain(&unrecorded) {
        shown.push(children.visit(&mut tx, visit, &slots, local).await?);
    }
    let key = audit::chain_key(settings)?;
    for student_id in children.students.keys() {
        audit::record_read(&mut tx, &key, actor, student_id, "teacher's week", address).await?;
    }
    tx.commit().await?;
    let (week_visits, unrecorded) = shown.split_at(this_week.len());
    let mut days: Vec<WeekDay> = (0..7)
        .map(|i| monday + Duration::days(i))
        .map(|day| WeekDay {
            day,
            today: day == today,
            visits: week_visits
                .iter()
                .filter(|v| v.day == day)
                .cloned()
                .collect(),
        })
        .filter(|d| !d.visits.is_empty() || d.today || d.day.weekday().num_days_from_monday() < 5)
        .collect();
    // Today first, then what is still to come, then what is past.
    days.sort_by_key(|d| (d.day < today, d.day));
    Ok(MyWeek {
        week,
        previous: (monday - Duration::days(7)).iso_week(),
        next: (monday + Duration::days(7)).iso_week(),
        days,
        unrecorded: unrecorded.to_vec(),
    })
}

/// The children of the week, each read once.
#[derive(Default)]
struct Students {
    students: HashMap<String, Option<Student>>,
    goals: HashMap<i64, Vec<String>>,
}

impl Students {
    async fn visit(
        &mut self,
        tx: &mut Tx,
        visit: &VisitRow,
        slots: &crate::domain::slot::SlotTable,
        now: chrono::NaiveDateTime,
    ) -> Result<WeekVisit, ServiceError> {
        if let std::collections::hash_map::Entry::Vacant(entry) =
            self.students.entry(visit.student_id.clone())
        {
            entry.insert(people::student(tx, &visit.student_id).await?);
        }
        if let std::collections::hash_map::Entry::Vacant(entry) = self.goals.entry(visit.plan_id) {
            let year = SchoolYear::containing(visit.day);
            let goals = plans::active_plan(tx, &visit.student_id, year)
                .await?
                .filter(|p| p.plan_id == visit.plan_id)
                .map(|p| p.terms.goals)
                .unwrap_or_default();
            entry.insert(goals);
        }
        let student = self
            .students
            .get(&visit.student_id)
            .and_then(Option::as_ref);
        let slot = slots.get(&visit.slot);
        Ok(WeekVisit {
            visit_id: visit.visit_id,
            day: visit.day,
            slot: visit.slot.clone(),
            start: slot.map(|s| s.start),
            end: slot.map(|s| s.end),
            student_id: visit.student_id.clone(),
            student_name: student.map_or_else(|| visit.student_id.clone(), |s| s.name.clone()),
            address: student.and_then(|s| s.address.clone()),
            guardian_name: student.and_then(|s| s.guardian_name.clone()),
            guardian_phone: student.and_then(|s| s.guardian_phone.clone()),
            goals: self.goals.get(&visit.plan_id).cloned().unwrap_or_default(),
            last_note: visits::last_note(tx, visit.plan_id, visit.day).await?,
            state: VisitState::of(visit.outcome),
            reason: visit.reason,
            unrecorded: visit.outcome.is_none() && slots.ends_at(visit.day, &visit.slot) <= now,
            recordable: slots.begins_at(visit.day, &visit.slot) <= now,
        })
    }
}
