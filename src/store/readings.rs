//! What the daemon last read of each plan's pace (and projected for the year's
//! end), and each week's planning report: the pages read these, fast, instead
//! of working a district's year out on every request.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{StoreResult, Tx};
use crate::args;
use crate::domain::pace::Status;
use crate::store::people::Which;

/// A plan's pace as check-pace read it.
#[derive(Debug, Clone)]
pub struct NewReading {
    pub plan_id: i64,
    pub status: Status,
    pub delivered: u32,
    pub pending: u32,
    pub expected: u32,
    pub target: u32,
}

/// Keeps each plan's reading; `status_since` moves only when the status changes.
pub async fn save(tx: &mut Tx, readings: &[NewReading]) -> StoreResult<()> {
    let now = tx.now;
    let rows = readings
        .iter()
        .map(|r| {
            args![
                r.plan_id,
                r.status.as_str(),
                r.delivered,
                r.pending,
                r.expected,
                r.target,
                now,
                now
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO plan_readings (plan_id, status, delivered, pending, expected, target, status_since, read_at)",
        8,
        rows,
        "ON CONFLICT (plan_id) DO UPDATE SET
            status_since = CASE WHEN plan_readings.status = excluded.status
                                THEN plan_readings.status_since ELSE excluded.status_since END,
            status = excluded.status, delivered = excluded.delivered, pending = excluded.pending,
            expected = excluded.expected, target = excluded.target, read_at = excluded.read_at",
    )
    .await
}

/// The periods each plan is projected to have at the year's end.
pub async fn save_projections(tx: &mut Tx, projected: &[(i64, u32)]) -> StoreResult<()> {
    let now = tx.now;
    for (plan_id, periods) in projected {
        tx.execute(
            "UPDATE plan_readings SET projected = $2, projected_at = $3 WHERE plan_id = $1",
            args![*plan_id, *periods, now],
        )
        .await?;
    }
    Ok(())
}

/// A plan's reading with the child and the teacher it concerns.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Reading {
    pub plan_id: i64,
    pub student_id: String,
    pub name: String,
    pub school: String,
    pub teacher_id: String,
    pub status: Status,
    pub delivered: i64,
    pub pending: i64,
    pub expected: i64,
    pub target: i64,
    pub status_since: DateTime<Utc>,
    pub read_at: DateTime<Utc>,
    pub projected: Option<i64>,
}

/// The readings of a school year's active plans.
/// The readings of the year's active plans of the children `which` selects.
pub async fn of_year(
    tx: &mut Tx,
    school_year: &str,
    which: Which<'_>,
) -> StoreResult<Vec<Reading>> {
    let (children, mut values) = which.condition(2);
    values.insert(0, school_year.into());
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT r.plan_id, p.student_id, s.name, sc.name AS school, p.teacher_id, r.status,
                    r.delivered, r.pending, r.expected, r.target, r.status_since, r.read_at,
                    r.projected
             FROM plan_readings r
             JOIN plans p ON p.id = r.plan_id
             JOIN students s ON s.id = p.student_id
             JOIN schools sc ON sc.id = s.school_id
             WHERE p.school_year = $1 AND p.status = 'active' AND {children}
             ORDER BY sc.name, s.name"
        )),
        values,
    )
    .await
}

/// Keeps a week's planning report (JSON), replacing the one before.
pub async fn save_week_report(tx: &mut Tx, week: &str, report: &str) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "INSERT INTO week_reports (week, report, planned_at) VALUES ($1, $2, $3)
         ON CONFLICT (week) DO UPDATE SET report = excluded.report, planned_at = excluded.planned_at",
        args![week, report, now],
    )
    .await?;
    Ok(())
}

/// A week's last planning report, with when it was made.
pub async fn week_report(tx: &mut Tx, week: &str) -> StoreResult<Option<(String, DateTime<Utc>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        report: String,
        planned_at: DateTime<Utc>,
    }
    let row: Option<Row> = tx
        .fetch_optional(
            "SELECT report, planned_at FROM week_reports WHERE week = $1",
            args![week],
        )
        .await?;
    Ok(row.map(|r| (r.report, r.planned_at)))
}

/// Visits nobody recorded whose day is before `before`, of the children in
/// `schools` (None: every school): (visit id, day, slot, student, name, school, teacher).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Unrecorded {
    pub visit_id: i64,
    pub day: NaiveDate,
    pub slot: String,
    pub student_id: String,
    pub name: String,
    pub school: String,
    pub teacher_id: String,
}

pub async fn unrecorded_before(
    tx: &mut Tx,
    school_year: &str,
    before: NaiveDate,
    which: Which<'_>,
) -> StoreResult<Vec<Unrecorded>> {
    let (children, mut values) = which.condition(3);
    values.splice(0..0, args![school_year, before]);
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT v.id AS visit_id, v.day, v.slot, p.student_id, s.name, sc.name AS school,
                    v.teacher_id
             FROM visits v
             JOIN plans p ON p.id = v.plan_id
             JOIN students s ON s.id = p.student_id
             JOIN schools sc ON sc.id = s.school_id
             WHERE p.school_year = $1 AND v.status = 'planned' AND v.outcome IS NULL
                   AND v.day < $2 AND {children}
             ORDER BY v.day, v.slot"
        )),
        values,
    )
    .await
}

/// The periods a plan is projected to have at the year's end, if projected.
pub async fn projected(tx: &mut Tx, plan_id: i64) -> StoreResult<Option<i64>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        projected: Option<i64>,
    }
    let row: Option<Row> = tx
        .fetch_optional(
            "SELECT projected FROM plan_readings WHERE plan_id = $1",
            args![plan_id],
        )
        .await?;
    Ok(row.and_then(|r| r.projected))
}
