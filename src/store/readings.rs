//! What the daemon last read of each plan's pace (and projected for the year's
//! end), and each week's planning report: the pages read these, fast, instead
//! of working a district's year out on every request.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{StoreResult, Tx};
use crate::args;
use crate::domain::exception::Exceptions;
use crate::domain::pace::Status;
use crate::domain::visit::MissReason;
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
    pub exceptions: Exceptions,
}

/// Keeps each plan's reading; `status_since` moves only when the status changes,
/// and `previous_status` keeps the one before.
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
                now,
                r.exceptions.misses_in_row,
                r.exceptions.miss_reason.map(MissReason::code),
                r.exceptions.days_without_delivery,
                r.exceptions.unconfirmed
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO plan_readings (plan_id, status, delivered, pending, expected, target, status_since, read_at,
                                    misses_in_row, miss_reason, days_without_delivery, unconfirmed)",
        12,
        rows,
        "ON CONFLICT (plan_id) DO UPDATE SET
            status_since = CASE WHEN plan_readings.status = excluded.status
                                THEN plan_readings.status_since ELSE excluded.status_since END,
            previous_status = CASE WHEN plan_readings.status = excluded.status
                                THEN plan_readings.previous_status ELSE plan_readings.status END,
            misses_in_row = excluded.misses_in_row, miss_reason = excluded.miss_reason,
            days_without_delivery = excluded.days_without_delivery,
            unconfirmed = excluded.unconfirmed,
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
    /// The status before this one (None: it has had only this one).
    pub previous_status: Option<Status>,
    pub misses_in_row: i64,
    pub miss_reason: Option<MissReason>,
    pub days_without_delivery: i64,
    pub unconfirmed: i64,
}

impl Reading {
    /// Periods short of the expected line (delivered and pending counted).
    pub fn gap(&self) -> i64 {
        (self.expected - self.delivered - self.pending).max(0)
    }

    /// Its own record projects the year's end short of the target.
    pub fn projected_short(&self) -> bool {
        self.projected.is_some_and(|p| p < self.target)
    }

    /// Its status is worse than the one before.
    pub fn got_worse(&self) -> bool {
        self.status > self.previous_status.unwrap_or(Status::OnTrack)
    }
}

/// The columns of a [`Reading`], from [`READINGS_OF_PLANS`].
const READING_COLUMNS: &str =
    "r.plan_id, p.student_id, s.name, sc.name AS school, p.teacher_id, r.status, r.delivered,
     r.pending, r.expected, r.target, r.status_since, r.read_at, r.projected, r.previous_status,
     r.misses_in_row, r.miss_reason, r.days_without_delivery, r.unconfirmed";

/// Each reading with its plan, child and school.
const READINGS_OF_PLANS: &str = "plan_readings r
     JOIN plans p ON p.id = r.plan_id
     JOIN students s ON s.id = p.student_id
     JOIN schools sc ON sc.id = s.school_id";

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
            "SELECT {READING_COLUMNS} FROM {READINGS_OF_PLANS}
             WHERE p.school_year = $1 AND p.status = 'active' AND {children}
             ORDER BY sc.name, s.name"
        )),
        values,
    )
    .await
}

/// A plan's reading with its open alert, if any: the work list's one read of
/// a district (a second 10,000-row read of the alerts cost it a third of its time).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReadingAlert {
    #[sqlx(flatten)]
    pub reading: Reading,
    pub alert_id: Option<i64>,
    pub severity: Option<Status>,
    pub opened_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub ack_note: Option<String>,
    pub follow_up_on: Option<NaiveDate>,
}

/// [`of_year`] with each plan's open alert, in no particular order.
pub async fn of_year_with_alerts(
    tx: &mut Tx,
    school_year: &str,
    which: Which<'_>,
) -> StoreResult<Vec<ReadingAlert>> {
    let (children, mut values) = which.condition(2);
    values.insert(0, school_year.into());
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT {READING_COLUMNS}, a.id AS alert_id, a.severity, a.opened_at, a.acknowledged_at,
                    a.acknowledged_by, a.ack_note, a.follow_up_on
             FROM {READINGS_OF_PLANS}
             LEFT JOIN alerts a ON a.plan_id = r.plan_id AND a.resolved_at IS NULL
             WHERE p.school_year = $1 AND p.status = 'active' AND {children}"
        )),
        values,
    )
    .await
}

/// When the account last marked its work list seen.
pub async fn last_look(tx: &mut Tx, account: &str) -> StoreResult<Option<DateTime<Utc>>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        looked_at: DateTime<Utc>,
    }
    let row: Option<Row> = tx
        .fetch_optional(
            "SELECT looked_at FROM work_list_looks WHERE account = $1",
            args![account],
        )
        .await?;
    Ok(row.map(|r| r.looked_at))
}

/// The account has seen its work list now.
pub async fn set_last_look(tx: &mut Tx, account: &str) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "INSERT INTO work_list_looks (account, looked_at) VALUES ($1, $2)
         ON CONFLICT (account) DO UPDATE SET looked_at = excluded.looked_at",
        args![account, now],
    )
    .await?;
    Ok(())
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

/// When a week was last planned, if it was (without reading its report,
/// which for a district is large).
pub async fn week_planned_at(tx: &mut Tx, week: &str) -> StoreResult<Option<DateTime<Utc>>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        planned_at: DateTime<Utc>,
    }
    let row: Option<Row> = tx
        .fetch_optional(
            "SELECT planned_at FROM week_reports WHERE week = $1",
            args![week],
        )
        .await?;
    Ok(row.map(|r| r.planned_at))
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
