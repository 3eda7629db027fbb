//! Recording what happened at a visit.

use crate::reason::Reason;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::slot::SlotTable;
use crate::domain::visit::{self as rules, MissReason, Mode, Outcome, RecordRequest, VisitStatus};
use crate::store::visits::{self, RecordWrite};
pub use crate::store::visits::{RecordInput, VisitFilter, VisitForRecord};
use crate::store::{Store, Tx};

/// What a door gives to record a visit and to choose visits.
pub use crate::store::visits::{GoalNote, Location, RecordDetails};

/// A visit as a list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ListedVisit {
    pub visit_id: i64,
    pub student_id: String,
    pub teacher_id: String,
    pub day: NaiveDate,
    pub slot: String,
    pub outcome: Option<Outcome>,
    pub periods: Option<i64>,
    pub mode: Mode,
    pub reason: Option<MissReason>,
}

impl From<visits::VisitRow> for ListedVisit {
    fn from(v: visits::VisitRow) -> Self {
        ListedVisit {
            visit_id: v.visit_id,
            student_id: v.student_id,
            teacher_id: v.teacher_id,
            day: v.day,
            slot: v.slot,
            outcome: v.outcome,
            periods: v.periods,
            mode: v.mode,
            reason: v.reason,
        }
    }
}

/// A visit in a list, with its child's name and school.
#[derive(Debug, Clone, Serialize)]
pub struct SeenVisit {
    #[serde(flatten)]
    pub visit: ListedVisit,
    pub name: String,
    pub school: String,
}

/// The planned visits a filter selects that the actor sees: a teacher their own,
/// a school's coordinator or supervisor their schools', the district all.
pub async fn list(
    store: &Store,
    actor: &Actor,
    filter: &VisitFilter,
) -> Result<Vec<SeenVisit>, ServiceError> {
    use crate::domain::access::Scope;
    // A teacher's own visits are asked of the database, not picked from the district's.
    let mut filter = filter.clone();
    if let Scope::Teacher { teacher_id } = &actor.scope {
        if filter.teacher_id.as_ref().is_some_and(|t| t != teacher_id) {
            return Ok(Vec::new());
        }
        filter.teacher_id = Some(teacher_id.clone());
    }
    let mut tx = store.read().await?;
    let rows = visits::list_with_children(&mut tx, &filter).await?;
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .filter(|row| actor.scope.covers_visit(&row.school, &row.visit.teacher_id))
        .map(|row| SeenVisit {
            visit: ListedVisit::from(row.visit),
            name: row.name,
            school: row.school,
        })
        .collect())
}

/// The moment a record is made and the rules that depend on it.
#[derive(Debug, Clone)]
pub struct RecordRules {
    /// Local time in the district.
    pub now: NaiveDateTime,
    pub slots: SlotTable,
    pub lock_after_days: u32,
}

impl RecordRules {
    pub fn new(settings: &Settings, now: DateTime<Utc>) -> Result<Self, ServiceError> {
        Ok(RecordRules {
            now: now.with_timezone(&settings.time_zone).naive_local(),
            slots: settings.slot_table().map_err(ServiceError::Settings)?,
            lock_after_days: settings.records.lock_after_days,
        })
    }

    pub fn is_locked(&self, visit: &VisitForRecord) -> bool {
        rules::is_locked(
            visit.day,
            visit.outcome.is_some(),
            self.now.date(),
            self.lock_after_days,
        )
    }
}

/// Records a visit in its own transaction; answers the visit as recorded.
pub async fn record(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    visit_id: i64,
    input: RecordInput,
) -> Result<VisitForRecord, ServiceError> {
    let rules = RecordRules::new(settings, now)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let visit = visit_for_record(&mut tx, visit_id).await?;
    record_in(&mut tx, &visit, input, &rules).await?;
    let recorded = visit_for_record(&mut tx, visit_id).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// The visit, or "not found".
pub(crate) async fn visit_for_record(
    tx: &mut Tx,
    visit_id: i64,
) -> Result<VisitForRecord, ServiceError> {
    visits::visit_for_record(tx, visit_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            what: "visit",
            id: visit_id.to_string(),
        })
}

/// Records a visit inside the caller's transaction (an import records many in
/// one), by the rules of `domain::visit`: no record of a visit whose slot has not
/// begun, the periods within the plan, a reason code for a miss, a reason to
/// change a locked record, the times in order; goal notes only for the plan's
/// goals.
pub async fn record_in(
    tx: &mut Tx,
    visit: &VisitForRecord,
    input: RecordInput,
    record_rules: &RecordRules,
) -> Result<(), ServiceError> {
    if !input.details.goal_notes.is_empty() {
        let goals = visits::active_goals(tx, visit.plan_id).await?;
        for note in &input.details.goal_notes {
            if !goals.iter().any(|(id, _)| *id == note.goal_id) {
                let ids: Vec<String> = goals.iter().map(|(id, _)| id.to_string()).collect();
                return Err(ServiceError::invalid(
                    "goal",
                    Reason::NotAGoal {
                        goal: note.goal_id.to_string(),
                        student: visit.student_id.clone(),
                        goals: ids,
                    },
                ));
            }
        }
    }
    let write = checked_write(visit, input, record_rules)?;
    visits::record(tx, visit, &write).await?;
    Ok(())
}

/// The write a record makes, checked by every rule that needs no database. Writing
/// again exactly what is stored needs no reason, even on a locked record.
pub(crate) fn checked_write(
    visit: &VisitForRecord,
    input: RecordInput,
    record_rules: &RecordRules,
) -> Result<RecordWrite, ServiceError> {
    if visit.status != VisitStatus::Planned {
        return Err(ServiceError::invalid(
            "visit",
            Reason::CancelledWhenReplanned {
                visit: visit.visit_id,
            },
        ));
    }
    let needs_code = matches!(input.outcome, Outcome::Missed | Outcome::Cancelled);
    let reason_given = input.reason.is_some();
    let code = match (&input.reason, needs_code) {
        (Some(text), true) => Some(
            text.parse::<MissReason>()
                .map_err(|e| ServiceError::invalid("reason", e))?,
        ),
        _ => None,
    };
    let checked = rules::check_record(
        &RecordRequest {
            outcome: input.outcome,
            periods: input.periods,
            reason: code,
        },
        visit.periods_per_visit as u32,
        record_rules.slots.begins_at(visit.day, &visit.slot),
        record_rules.now,
    )
    .map_err(|(field, reason)| ServiceError::invalid(field, reason))?;
    if let Some((start, end)) = input.details.times {
        rules::check_times(Some(start), Some(end))
            .map_err(|(field, reason)| ServiceError::invalid(field, reason))?;
    }
    let write = RecordWrite {
        outcome: checked.outcome,
        periods: checked.periods,
        reason: checked.reason,
        mode: input.mode.unwrap_or(visit.mode),
        details: input.details,
        change_reason: if needs_code { None } else { input.reason },
    };
    if record_rules.is_locked(visit) && !reason_given && !write.repeats(visit) {
        let days = record_rules.lock_after_days;
        return Err(ServiceError::Locked(Reason::RecordLocked {
            day: visit.day,
            days,
        }));
    }
    Ok(write)
}
