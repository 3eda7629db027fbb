//! Recording what happened at a visit.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::visit::{self as rules, MissReason, Mode, Outcome, RecordRequest, VisitStatus};
use crate::store::visits::{self, RecordInput, RecordWrite, VisitFilter, VisitForRecord};
use crate::store::{Store, Tx};

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

/// The planned visits a filter selects, by day, slot and teacher.
pub async fn list(store: &Store, filter: &VisitFilter) -> Result<Vec<ListedVisit>, ServiceError> {
    let mut tx = store.read().await?;
    let rows = visits::list(&mut tx, filter).await?;
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .map(|v| ListedVisit {
            visit_id: v.visit_id,
            student_id: v.student_id,
            teacher_id: v.teacher_id,
            day: v.day,
            slot: v.slot,
            outcome: v.outcome,
            periods: v.periods,
            mode: v.mode,
            reason: v.reason,
        })
        .collect())
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
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let mut tx = store.write(&actor.audit(), now).await?;
    let visit = visits::visit_for_record(&mut tx, visit_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            what: "visit",
            id: visit_id.to_string(),
        })?;
    record_in(
        &mut tx,
        &visit,
        input,
        today,
        settings.records.lock_after_days,
    )
    .await?;
    let recorded = visits::visit_for_record(&mut tx, visit_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            what: "visit",
            id: visit_id.to_string(),
        })?;
    tx.commit().await?;
    Ok(recorded)
}

/// Records a visit inside the caller's transaction (an import records many in
/// one), by the rules of `domain::visit`: no record of a visit that has not begun,
/// the periods within the plan, a reason code for a miss, a reason to change a
/// locked record; goal notes only for the plan's goals.
pub async fn record_in(
    tx: &mut Tx,
    visit: &VisitForRecord,
    input: RecordInput,
    today: NaiveDate,
    lock_after_days: u32,
) -> Result<(), ServiceError> {
    if visit.status != VisitStatus::Planned {
        return Err(ServiceError::invalid(
            "visit",
            format!(
                "visit {} was cancelled when its week was planned again",
                visit.visit_id
            ),
        ));
    }
    let needs_code = matches!(input.outcome, Outcome::Missed | Outcome::Cancelled);
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
        visit.day,
        today,
    )
    .map_err(|(field, reason)| ServiceError::invalid(field, reason))?;
    if rules::is_locked(visit.day, visit.outcome.is_some(), today, lock_after_days)
        && input.reason.is_none()
    {
        return Err(ServiceError::Locked {
            what: format!("the record of {}", visit.day),
            reason: format!("older than {lock_after_days} days, a change needs a reason"),
        });
    }
    if !input.goal_notes.is_empty() {
        let goals = visits::active_goal_ids(tx, visit.plan_id).await?;
        for (goal_id, _) in &input.goal_notes {
            if !goals.contains(goal_id) {
                let ids: Vec<String> = goals.iter().map(ToString::to_string).collect();
                return Err(ServiceError::invalid(
                    "goal",
                    format!(
                        "goal {goal_id} is not a goal of {}'s plan (its goals: {})",
                        visit.student_id,
                        ids.join(", ")
                    ),
                ));
            }
        }
    }
    let mode = input.mode.unwrap_or(visit.mode);
    let write = RecordWrite {
        outcome: checked.outcome,
        periods: checked.periods,
        reason: checked.reason,
        mode,
        note: input.note,
        goal_notes: input.goal_notes,
        guardian_confirmed_by: input.guardian_confirmed_by,
        change_reason: if needs_code { None } else { input.reason },
    };
    visits::record(tx, visit, &write).await?;
    Ok(())
}
