//! Visits: planned in a week, later recorded.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{StoreResult, Tx, audit};
use crate::args;
use crate::domain::calendar::SchoolYear;
use crate::planner::week::Change;

/// A planned visit with what has been recorded of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VisitRow {
    pub visit_id: i64,
    pub plan_id: i64,
    pub student_id: String,
    pub teacher_id: String,
    pub day: NaiveDate,
    pub slot: String,
    pub outcome: Option<String>,
    pub periods: Option<i64>,
    pub mode: String,
    pub reason: Option<String>,
    pub sequence: i64,
}

/// The planned (not cancelled) visits from `from` to `to`, both included.
pub async fn planned_between(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<VisitRow>> {
    tx.fetch_all(
        "SELECT v.id AS visit_id, v.plan_id, p.student_id, v.teacher_id, v.day, v.slot,
                v.outcome, v.periods, v.mode, v.reason, v.sequence
         FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE v.status = 'planned' AND v.day >= $1 AND v.day <= $2
         ORDER BY v.day, v.slot, v.teacher_id",
        args![from, to],
    )
    .await
}

#[derive(sqlx::FromRow)]
struct Delivered {
    plan_id: i64,
    periods: i64,
}

/// Periods of completed and partial visits before `day`, per plan of a school year.
pub async fn delivered_before(
    tx: &mut Tx,
    year: SchoolYear,
    day: NaiveDate,
) -> StoreResult<HashMap<i64, u32>> {
    let rows: Vec<Delivered> = tx
        .fetch_all(
            "SELECT v.plan_id, SUM(v.periods) AS periods
             FROM visits v JOIN plans p ON p.id = v.plan_id
             WHERE p.school_year = $1 AND v.status = 'planned' AND v.day < $2
               AND v.outcome IN ('completed', 'partial')
             GROUP BY v.plan_id",
            args![year.to_string(), day],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.plan_id, r.periods.max(0) as u32))
        .collect())
}

/// What writing a week's changes did.
#[derive(Debug, Default)]
pub struct Applied {
    /// New visits' ids by plan and day.
    pub added: HashMap<(i64, NaiveDate), i64>,
    pub moved: usize,
    pub cancelled: usize,
    pub kept: usize,
}

#[derive(sqlx::FromRow)]
struct Added {
    id: i64,
    plan_id: i64,
    day: NaiveDate,
}

/// Writes a week's changes, each with its audit row. A moved visit keeps its id and
/// raises its sequence (calendar updates rely on both).
pub async fn apply(tx: &mut Tx, changes: &[Change]) -> StoreResult<Applied> {
    let now = tx.now;
    let mut applied = Applied::default();
    let mut audit_entries = Vec::new();
    let entry = |action: &'static str, id: i64, detail: serde_json::Value| audit::Entry {
        action,
        entity: "visit",
        entity_id: id.to_string(),
        detail,
    };
    // Moves first leave their slots, so that two visits may trade places.
    for change in changes {
        match change {
            Change::Move { visit_id, .. } | Change::Cancel { visit_id } => {
                tx.execute(
                    "UPDATE visits SET status = 'cancelled', sequence = sequence + 1, updated_at = $2
                     WHERE id = $1",
                    args![*visit_id, now],
                )
                .await?;
            }
            Change::Keep { .. } | Change::Add { .. } => {}
        }
    }
    let mut additions = Vec::new();
    let mut added_detail = HashMap::new();
    for change in changes {
        match change {
            Change::Keep { .. } => applied.kept += 1,
            Change::Cancel { visit_id } => {
                applied.cancelled += 1;
                audit_entries.push(entry("cancel", *visit_id, serde_json::json!({})));
            }
            Change::Move {
                visit_id,
                teacher,
                day,
                slot,
            } => {
                applied.moved += 1;
                tx.execute(
                    "UPDATE visits SET status = 'planned', teacher_id = $2, day = $3, slot = $4
                     WHERE id = $1",
                    args![*visit_id, teacher.as_str(), *day, slot.as_str()],
                )
                .await?;
                audit_entries.push(entry(
                    "move",
                    *visit_id,
                    serde_json::json!({ "teacher": teacher, "day": day, "slot": slot }),
                ));
            }
            Change::Add {
                plan_id,
                teacher,
                day,
                slot,
            } => {
                additions.push(args![
                    *plan_id,
                    teacher.as_str(),
                    *day,
                    slot.as_str(),
                    now,
                    now
                ]);
                added_detail.insert(
                    (*plan_id, *day),
                    serde_json::json!({ "plan": plan_id, "teacher": teacher, "day": day, "slot": slot }),
                );
            }
        }
    }
    // A plan has at most one visit a day, so (plan, day) names a new visit.
    let added: Vec<Added> = tx
        .insert_many_returning(
            "INSERT INTO visits (plan_id, teacher_id, day, slot, created_at, updated_at)",
            6,
            additions,
            "RETURNING id, plan_id, day",
        )
        .await?;
    for row in added {
        let detail = added_detail
            .remove(&(row.plan_id, row.day))
            .unwrap_or_default();
        audit_entries.push(entry("plan", row.id, detail));
        applied.added.insert((row.plan_id, row.day), row.id);
    }
    audit::record_many(tx, audit_entries).await?;
    Ok(applied)
}
