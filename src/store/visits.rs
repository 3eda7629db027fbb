//! Visits: planned in a week, later recorded.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use super::{StoreResult, Tx, audit, codes, only_if};
use crate::args;
use crate::domain::calendar::SchoolYear;
use crate::domain::visit::{Change, MissReason, Mode, Outcome, VisitStatus};
use crate::store::people::Which;

/// A planned visit with what has been recorded of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VisitRow {
    pub visit_id: i64,
    pub plan_id: i64,
    pub student_id: String,
    pub teacher_id: String,
    pub day: NaiveDate,
    pub slot: String,
    pub outcome: Option<Outcome>,
    pub periods: Option<i64>,
    pub mode: Mode,
    pub reason: Option<MissReason>,
    pub sequence: i64,
    /// Moved by hand: planning leaves it where it was put.
    pub pinned: bool,
}

/// The columns of a [`VisitRow`].
const VISIT_ROWS: &str =
    "SELECT v.id AS visit_id, v.plan_id, p.student_id, v.teacher_id, v.day, v.slot,
        v.outcome, v.periods, v.mode, v.reason, v.sequence, v.pinned
     FROM visits v JOIN plans p ON p.id = v.plan_id";

/// The planned (not cancelled) visits from `from` to `to`, both included.
pub async fn planned_between(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<VisitRow>> {
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "{VISIT_ROWS} WHERE v.status = 'planned' AND v.day >= $1 AND v.day <= $2
             ORDER BY v.day, v.slot, v.teacher_id"
        )),
        args![from, to],
    )
    .await
}

/// The planned visits from `from` to `to` (both included) with what the work
/// list's exceptions read of them, by plan.
pub async fn recent_by_plan(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<HashMap<i64, Vec<crate::domain::exception::RecentVisit>>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        plan_id: i64,
        day: NaiveDate,
        outcome: Option<Outcome>,
        reason: Option<MissReason>,
        confirmed: bool,
    }
    let rows: Vec<Row> = tx
        .fetch_all(
            "SELECT plan_id, day, outcome, reason,
                    (guardian_confirmed_by IS NOT NULL) AS confirmed
             FROM visits WHERE status = 'planned' AND day >= $1 AND day <= $2",
            args![from, to],
        )
        .await?;
    let mut by_plan: HashMap<i64, Vec<_>> = HashMap::new();
    for row in rows {
        by_plan
            .entry(row.plan_id)
            .or_default()
            .push(crate::domain::exception::RecentVisit {
                day: row.day,
                outcome: row.outcome,
                reason: row.reason,
                guardian_confirmed: row.confirmed,
            });
    }
    Ok(by_plan)
}

/// [`planned_between`], for these teachers only.
pub async fn planned_between_of(
    tx: &mut Tx,
    (from, to): (NaiveDate, NaiveDate),
    teachers: &[String],
) -> StoreResult<Vec<VisitRow>> {
    if teachers.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (3..3 + teachers.len()).map(|n| format!("${n}")).collect();
    let mut values = args![from, to];
    values.extend(teachers.iter().map(|t| super::Arg::from(t.as_str())));
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "{VISIT_ROWS} WHERE v.status = 'planned' AND v.day >= $1 AND v.day <= $2
               AND v.teacher_id IN ({})
             ORDER BY v.day, v.slot, v.teacher_id",
            marks.join(", ")
        )),
        values,
    )
    .await
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

/// A visit with what recording it needs to know.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VisitForRecord {
    pub visit_id: i64,
    pub plan_id: i64,
    pub student_id: String,
    pub teacher_id: String,
    pub day: NaiveDate,
    pub slot: String,
    pub status: VisitStatus,
    pub outcome: Option<Outcome>,
    pub periods: Option<i64>,
    pub mode: Mode,
    pub reason: Option<MissReason>,
    pub note: Option<String>,
    pub periods_per_visit: i64,
    /// Raised by every move or cancellation (calendar files rely on it).
    pub sequence: i64,
    /// Raised by every record: what a phone saw when it made its record offline.
    pub record_version: i64,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub family_practice: Option<String>,
    pub guardian_confirmed_by: Option<String>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

const VISIT_FOR_RECORD: &str =
    "SELECT v.id AS visit_id, v.plan_id, p.student_id, v.teacher_id, v.day, v.slot,
        v.status, v.outcome, v.periods, v.mode, v.reason, v.note, p.periods_per_visit,
        v.sequence, v.record_version, v.started_at, v.ended_at, v.family_practice,
        v.guardian_confirmed_by, v.recorded_by, v.recorded_at, v.latitude, v.longitude
     FROM visits v JOIN plans p ON p.id = v.plan_id";

pub async fn visit_for_record(tx: &mut Tx, visit_id: i64) -> StoreResult<Option<VisitForRecord>> {
    tx.fetch_optional(
        sqlx::AssertSqlSafe(format!("{VISIT_FOR_RECORD} WHERE v.id = $1")),
        args![visit_id],
    )
    .await
}

/// The planned visit of a plan on a day, if any.
pub async fn planned_visit_on(
    tx: &mut Tx,
    plan_id: i64,
    day: NaiveDate,
) -> StoreResult<Option<VisitForRecord>> {
    tx.fetch_optional(
        sqlx::AssertSqlSafe(format!(
            "{VISIT_FOR_RECORD} WHERE v.plan_id = $1 AND v.day = $2 AND v.status = 'planned'"
        )),
        args![plan_id, day],
    )
    .await
}

/// Every planned visit on a day (an import of records looks each row up here).
pub async fn planned_visits_on(tx: &mut Tx, day: NaiveDate) -> StoreResult<Vec<VisitForRecord>> {
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "{VISIT_FOR_RECORD} WHERE v.day = $1 AND v.status = 'planned'"
        )),
        args![day],
    )
    .await
}

/// What a record writes.
#[derive(Debug, Clone)]
pub struct RecordWrite {
    pub outcome: Outcome,
    pub periods: u32,
    pub reason: Option<MissReason>,
    pub mode: Mode,
    pub details: RecordDetails,
    /// Why a locked record was changed.
    pub change_reason: Option<String>,
}

impl RecordWrite {
    /// True when writing this would change nothing the visit holds: an import of
    /// the same sheet again is "unchanged" and leaves no audit row.
    pub fn repeats(&self, visit: &VisitForRecord) -> bool {
        let details = &self.details;
        visit.outcome == Some(self.outcome)
            && visit.periods == Some(i64::from(self.periods))
            && visit.reason == self.reason
            && visit.mode == self.mode
            && details
                .note
                .as_ref()
                .is_none_or(|n| visit.note.as_ref() == Some(n))
            && details.goal_notes.is_empty()
            && details.guardian_confirmed_by.is_none()
            && details.times.is_none()
            && details.family_practice.is_none()
            && details.location.is_none()
    }
}

/// Writes the records of an import: the outcome, periods, reason, mode and note of
/// each visit in a few statements, each with its audit row.
/// What a record from a sheet wrote, for its audit row.
fn written(write: &RecordWrite) -> serde_json::Value {
    serde_json::json!({
        "outcome": write.outcome.code(), "periods": write.periods,
        "reason": write.reason.map(|r| r.code()), "mode": write.mode.code(),
        "note": write.details.note,
    })
}

pub async fn record_many(tx: &mut Tx, writes: &[(VisitForRecord, RecordWrite)]) -> StoreResult<()> {
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let rows = writes
        .iter()
        .map(|(visit, write)| {
            args![
                visit.visit_id,
                write.outcome.code(),
                i64::from(write.periods),
                write.reason.map(|r| r.code()),
                write.mode.code(),
                write.details.note.clone(),
                actor.clone(),
                now,
            ]
        })
        .collect();
    tx.update_many(
        "WITH v (id, outcome, periods, reason, mode, note, actor, at) AS (",
        8,
        rows,
        ") UPDATE visits SET outcome = v.outcome, periods = v.periods, reason = v.reason,
               mode = v.mode, note = COALESCE(v.note, visits.note),
               recorded_by = v.actor, recorded_at = v.at, updated_at = v.at,
               record_version = visits.record_version + 1
           FROM v WHERE visits.id = v.id",
    )
    .await?;
    let entries = writes
        .iter()
        .map(|(visit, write)| audit::Entry {
            action: "record",
            entity: "visit",
            entity_id: visit.visit_id.to_string(),
            detail: serde_json::json!({
                "old": {
                    "outcome": visit.outcome, "periods": visit.periods, "reason": visit.reason,
                    "mode": visit.mode, "note": visit.note,
                },
                "new": written(write),
                "change_reason": write.change_reason,
            }),
        })
        .collect();
    audit::record_many(tx, entries).await
}

/// Writes a record over `visit`, raising its record version, with an audit row
/// holding the old and new values. A detail not given keeps what was there; an
/// empty text clears it.
pub async fn record(tx: &mut Tx, visit: &VisitForRecord, write: &RecordWrite) -> StoreResult<()> {
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let details = &write.details;
    let guardian_at = details.guardian_confirmed_by.as_ref().map(|_| now);
    let time = |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string());
    let location = details.location.as_ref();
    tx.execute(
        "UPDATE visits SET outcome = $2, periods = $3, reason = $4, mode = $5,
                note = COALESCE($6, note),
                guardian_confirmed_by = COALESCE($7, guardian_confirmed_by),
                guardian_confirmed_at = COALESCE($8, guardian_confirmed_at),
                recorded_by = $9, recorded_at = $10, updated_at = $10,
                started_at = COALESCE($11, started_at), ended_at = COALESCE($12, ended_at),
                family_practice = COALESCE($13, family_practice),
                latitude = COALESCE($14, latitude), longitude = COALESCE($15, longitude),
                location_accuracy_m = COALESCE($16, location_accuracy_m),
                record_version = record_version + 1
         WHERE id = $1",
        args![
            visit.visit_id,
            write.outcome.code(),
            i64::from(write.periods),
            write.reason.map(|r| r.code()),
            write.mode.code(),
            details.note.clone(),
            details.guardian_confirmed_by.clone(),
            guardian_at,
            actor,
            now,
            time(details.times.map(|t| t.0)),
            time(details.times.map(|t| t.1)),
            details.family_practice.clone(),
            location.map(|l| l.latitude),
            location.map(|l| l.longitude),
            location.and_then(|l| l.accuracy_m)
        ],
    )
    .await?;
    for note in &details.goal_notes {
        if note.taught.trim().is_empty()
            && note.response.as_deref().is_none_or(|r| r.trim().is_empty())
        {
            tx.execute(
                "DELETE FROM visit_goal_notes WHERE visit_id = $1 AND goal_id = $2",
                args![visit.visit_id, note.goal_id],
            )
            .await?;
            continue;
        }
        tx.execute(
            "INSERT INTO visit_goal_notes (visit_id, goal_id, text, response) VALUES ($1, $2, $3, $4)
             ON CONFLICT (visit_id, goal_id) DO UPDATE SET text = excluded.text, response = excluded.response",
            args![visit.visit_id, note.goal_id, note.taught.as_str(), note.response.clone()],
        )
        .await?;
    }
    let detail = serde_json::json!({
        "old": {
            "outcome": visit.outcome, "periods": visit.periods, "reason": visit.reason,
            "mode": visit.mode, "note": visit.note,
            "started_at": visit.started_at, "ended_at": visit.ended_at,
            "family_practice": visit.family_practice,
        },
        "new": {
            "outcome": write.outcome.code(), "periods": write.periods,
            "reason": write.reason.map(|r| r.code()), "mode": write.mode.code(), "note": details.note,
            "started_at": time(details.times.map(|t| t.0)), "ended_at": time(details.times.map(|t| t.1)),
            "family_practice": details.family_practice,
            "located": location.is_some(),
        },
        "change_reason": write.change_reason,
    });
    audit::record(tx, "record", "visit", &visit.visit_id.to_string(), detail).await
}

/// A coordinator moves a visit by hand: it keeps its id, raises its sequence
/// (calendar updates rely on both) and stays where it was put when the week is
/// planned again. False when the teacher already has a visit in that slot.
pub async fn move_by_hand(
    tx: &mut Tx,
    visit_id: i64,
    teacher_id: &str,
    day: NaiveDate,
    slot: &str,
    reason: &str,
) -> StoreResult<bool> {
    // The visit itself is not in its own way: moving it where it is changes nothing.
    if teacher_busy(tx, teacher_id, day, slot, Some(visit_id)).await? {
        return Ok(false);
    }
    let now = tx.now;
    tx.execute(
        "UPDATE visits SET teacher_id = $2, day = $3, slot = $4, sequence = sequence + 1,
                pinned = $5, hand_reason = $6, updated_at = $7
         WHERE id = $1",
        args![visit_id, teacher_id, day, slot, true, reason, now],
    )
    .await?;
    let detail = serde_json::json!({
        "teacher": teacher_id, "day": day, "slot": slot, "reason": reason,
    });
    audit::record(tx, "move_by_hand", "visit", &visit_id.to_string(), detail).await?;
    Ok(true)
}

/// A coordinator cancels a visit by hand, with the reason.
pub async fn cancel_by_hand(tx: &mut Tx, visit_id: i64, reason: &str) -> StoreResult<()> {
    let now = tx.now;
    tx.execute(
        "UPDATE visits SET status = 'cancelled', sequence = sequence + 1, hand_reason = $2,
                updated_at = $3
         WHERE id = $1",
        args![visit_id, reason, now],
    )
    .await?;
    let detail = serde_json::json!({ "reason": reason });
    audit::record(tx, "cancel_by_hand", "visit", &visit_id.to_string(), detail).await
}

/// Adds a visit made without being planned (recorded from a paper sheet).
/// A visit nobody planned, to add from a record on paper.
pub struct Unplanned<'a> {
    pub plan_id: i64,
    pub teacher_id: &'a str,
    pub day: NaiveDate,
    pub slot: &'a str,
    /// Why no visit should have been that day, when it was kept anyway.
    pub off_day: Option<&'a str>,
}

/// Adds many visits nobody planned, each with its record, in as few statements
/// as the databases allow (a term of paper records is tens of thousands), each
/// with its audit rows: added (why it is off, when kept anyway), then recorded.
pub async fn add_recorded_many(
    tx: &mut Tx,
    visits: &[(Unplanned<'_>, RecordWrite)],
) -> StoreResult<()> {
    #[derive(sqlx::FromRow)]
    struct Added {
        id: i64,
        plan_id: i64,
        day: NaiveDate,
    }
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let rows = visits
        .iter()
        .map(|(v, write)| {
            args![
                v.plan_id,
                v.teacher_id.to_string(),
                v.day,
                v.slot.to_string(),
                true,
                write.outcome.code(),
                i64::from(write.periods),
                write.reason.map(|r| r.code()),
                write.mode.code(),
                write.details.note.clone(),
                actor.clone(),
                now,
                1_i64,
                now,
                now,
            ]
        })
        .collect();
    let added: Vec<Added> = tx
        .insert_many_returning(
            "INSERT INTO visits (plan_id, teacher_id, day, slot, unplanned, outcome, periods,
                 reason, mode, note, recorded_by, recorded_at, record_version, created_at, updated_at)",
            15,
            rows,
            "RETURNING id, plan_id, day",
        )
        .await?;
    // A plan has at most one visit a day, so (plan, day) names each new visit.
    let by_plan_day: HashMap<(i64, NaiveDate), &(Unplanned, RecordWrite)> =
        visits.iter().map(|v| ((v.0.plan_id, v.0.day), v)).collect();
    let mut entries = Vec::with_capacity(2 * added.len());
    for row in added {
        let Some((v, write)) = by_plan_day.get(&(row.plan_id, row.day)) else {
            continue;
        };
        entries.push(audit::Entry {
            action: "add_unplanned",
            entity: "visit",
            entity_id: row.id.to_string(),
            detail: serde_json::json!({
                "plan": v.plan_id, "teacher": v.teacher_id, "day": v.day, "slot": v.slot,
                "off_day": v.off_day,
            }),
        });
        entries.push(audit::Entry {
            action: "record",
            entity: "visit",
            entity_id: row.id.to_string(),
            detail: serde_json::json!({ "new": written(write) }),
        });
    }
    audit::record_many(tx, entries).await
}

/// Which visits `visit list` shows.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub teacher_id: Option<String>,
    pub student_id: Option<String>,
    /// Only visits up to this day that nobody recorded.
    pub unrecorded_by: Option<NaiveDate>,
}

/// The WHERE and ORDER BY of a [`VisitFilter`], and its arguments.
fn filtered(filter: &VisitFilter) -> (String, Vec<super::Arg>) {
    let clause = format!(
        "WHERE v.status = 'planned'
           AND ($1 IS NULL OR v.day >= $1) AND ($2 IS NULL OR v.day <= $2)
           AND {} AND {}
           AND ($5 IS NULL OR (v.outcome IS NULL AND v.day <= $5))
         ORDER BY v.day, v.slot, v.teacher_id, p.student_id",
        only_if(filter.teacher_id.is_some(), "v.teacher_id", 3),
        only_if(filter.student_id.is_some(), "p.student_id", 4)
    );
    let args = args![
        filter.from,
        filter.to,
        filter.teacher_id.clone(),
        filter.student_id.clone(),
        filter.unrecorded_by
    ];
    (clause, args)
}

pub async fn list(tx: &mut Tx, filter: &VisitFilter) -> StoreResult<Vec<VisitRow>> {
    let (clause, args) = filtered(filter);
    tx.fetch_all(sqlx::AssertSqlSafe(format!("{VISIT_ROWS} {clause}")), args)
        .await
}

/// A visit with its child's name and school.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StudentVisit {
    #[sqlx(flatten)]
    pub visit: VisitRow,
    pub name: String,
    pub school: String,
}

/// [`list`] with each child's name and school, in one query.
pub async fn list_with_children(
    tx: &mut Tx,
    filter: &VisitFilter,
) -> StoreResult<Vec<StudentVisit>> {
    let (clause, args) = filtered(filter);
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT v.id AS visit_id, v.plan_id, p.student_id, v.teacher_id, v.day, v.slot,
                    v.outcome, v.periods, v.mode, v.reason, v.sequence, v.pinned,
                    s.name, sc.name AS school
             FROM visits v JOIN plans p ON p.id = v.plan_id
             JOIN students s ON s.id = p.student_id JOIN schools sc ON sc.id = s.school_id
             {clause}"
        )),
        args,
    )
    .await
}

/// The note of the plan's last recorded visit before `day`, if it had one.
pub async fn last_note(tx: &mut Tx, plan_id: i64, day: NaiveDate) -> StoreResult<Option<String>> {
    #[derive(sqlx::FromRow)]
    struct Note {
        note: Option<String>,
    }
    let note: Option<Note> = tx
        .fetch_optional(
            "SELECT note FROM visits
             WHERE plan_id = $1 AND day < $2 AND status = 'planned' AND outcome IS NOT NULL
             ORDER BY day DESC, id DESC LIMIT 1",
            args![plan_id, day],
        )
        .await?;
    Ok(note.and_then(|n| n.note).filter(|n| !n.trim().is_empty()))
}

/// What the person recording says happened.
#[derive(Debug, Clone)]
pub struct RecordInput {
    pub outcome: Outcome,
    pub periods: Option<u32>,
    /// A reason code for a missed or cancelled visit; for a locked record, why it changes.
    pub reason: Option<String>,
    pub mode: Option<Mode>,
    pub details: RecordDetails,
}

/// The rest of a record: none of it is needed, each kept when not given.
#[derive(Debug, Clone, Default)]
pub struct RecordDetails {
    pub note: Option<String>,
    pub goal_notes: Vec<GoalNote>,
    pub guardian_confirmed_by: Option<String>,
    /// When the visit really began and ended (local time).
    pub times: Option<(NaiveTime, NaiveTime)>,
    /// What the family was shown to practise.
    pub family_practice: Option<String>,
    /// Where the phone was, when the teacher allowed it.
    pub location: Option<Location>,
}

/// What was taught towards one of the plan's goals, and how the child responded.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalNote {
    pub goal_id: i64,
    pub taught: String,
    pub response: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: Option<f64>,
}

/// A plan's current goals with their ids, in order.
pub async fn active_goals(tx: &mut Tx, plan_id: i64) -> StoreResult<Vec<(i64, String)>> {
    #[derive(sqlx::FromRow)]
    struct Goal {
        id: i64,
        text: String,
    }
    let goals: Vec<Goal> = tx
        .fetch_all(
            "SELECT id, text FROM plan_goals WHERE plan_id = $1 AND removed_in_revision IS NULL
             ORDER BY position, id",
            args![plan_id],
        )
        .await?;
    Ok(goals.into_iter().map(|g| (g.id, g.text)).collect())
}

/// What a visit's record says of each goal.
pub async fn goal_notes(tx: &mut Tx, visit_id: i64) -> StoreResult<Vec<GoalNote>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        goal_id: i64,
        text: String,
        response: Option<String>,
    }
    let rows: Vec<Row> = tx
        .fetch_all(
            "SELECT goal_id, text, response FROM visit_goal_notes WHERE visit_id = $1",
            args![visit_id],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| GoalNote {
            goal_id: r.goal_id,
            taught: r.text,
            response: r.response,
        })
        .collect())
}

/// A visit as the ledger and the export show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LedgerVisit {
    pub visit_id: i64,
    pub plan_id: i64,
    pub student_id: String,
    pub day: NaiveDate,
    pub slot: String,
    pub teacher_id: String,
    pub outcome: Option<Outcome>,
    pub periods: Option<i64>,
    pub mode: Mode,
    pub reason: Option<MissReason>,
    pub note: Option<String>,
    /// `GOAL_ID: text`, and ` → response` when the child's response was noted.
    #[sqlx(skip)]
    pub goal_notes: Vec<String>,
    pub guardian_confirmed_by: Option<String>,
    pub guardian_confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub unplanned: bool,
}

#[derive(sqlx::FromRow)]
struct LedgerNote {
    visit_id: i64,
    goal_id: i64,
    text: String,
    response: Option<String>,
}

impl LedgerVisit {
    /// The record as a supervisor reads it: no guardian's name, no free-text note,
    /// no child's responses (what was taught per goal stays).
    pub fn without_details(mut self) -> Self {
        self.note = None;
        self.guardian_confirmed_by = None;
        self.guardian_confirmed_at = None;
        self.goal_notes = self
            .goal_notes
            .into_iter()
            .map(|line| match line.split_once(RESPONSE_MARK) {
                Some((taught, _)) => taught.to_string(),
                None => line,
            })
            .collect();
        self
    }
}

/// Between a goal note's text and the child's response. A teacher's text cannot
/// hold it: the mark is taken out of the text when the line is made.
const RESPONSE_MARK: &str = " → ";

/// Every visit (not cancelled by re-planning) of a school year's active plans, or of
/// one plan, in day order, with their goal notes as `GOAL_ID: text` (`→ response` when the child's
/// response was noted).
/// The year's visits of one plan, or of the active plans of the children
/// `students` selects.
pub async fn ledger_visits(
    tx: &mut Tx,
    year: SchoolYear,
    plan_id: Option<i64>,
    students: Which<'_>,
) -> StoreResult<Vec<LedgerVisit>> {
    let (of_students, more) = students.owned_by("p.student_id", "students", 3);
    let mut filter = args![year.to_string(), plan_id];
    filter.extend(more);
    let mut visits: Vec<LedgerVisit> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT v.id AS visit_id, v.plan_id, p.student_id, v.day, v.slot, v.teacher_id,
                        v.outcome, v.periods, v.mode, v.reason, v.note, v.guardian_confirmed_by,
                        v.guardian_confirmed_at, v.recorded_by, v.recorded_at, v.unplanned
                 FROM visits v JOIN plans p ON p.id = v.plan_id
                 WHERE p.school_year = $1 AND p.status = 'active' AND v.status = 'planned'
                   AND ($2 IS NULL OR v.plan_id = $2) AND {of_students}
                 ORDER BY p.student_id, v.day, v.slot"
            )),
            filter.clone(),
        )
        .await?;
    let notes: Vec<LedgerNote> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT n.visit_id, n.goal_id, n.text, n.response
                 FROM visit_goal_notes n JOIN visits v ON v.id = n.visit_id
                      JOIN plans p ON p.id = v.plan_id
                 WHERE p.school_year = $1 AND ($2 IS NULL OR v.plan_id = $2) AND {of_students}
                 ORDER BY n.visit_id, n.goal_id"
            )),
            filter,
        )
        .await?;
    let mut by_visit: HashMap<i64, Vec<String>> = HashMap::new();
    for note in notes {
        let text = note.text.replace(RESPONSE_MARK, " -> ");
        by_visit.entry(note.visit_id).or_default().push(
            match note.response.filter(|r| !r.trim().is_empty()) {
                Some(response) => format!("{}: {text}{RESPONSE_MARK}{response}", note.goal_id),
                None => format!("{}: {text}", note.goal_id),
            },
        );
    }
    for visit in &mut visits {
        visit.goal_notes = by_visit.remove(&visit.visit_id).unwrap_or_default();
    }
    Ok(visits)
}

/// Whether a teacher already has a planned visit in a slot.
pub async fn teacher_busy(
    tx: &mut Tx,
    teacher_id: &str,
    day: NaiveDate,
    slot: &str,
    other_than: Option<i64>,
) -> StoreResult<bool> {
    #[derive(sqlx::FromRow)]
    struct Count {
        n: i64,
    }
    let count: Count = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM visits
             WHERE teacher_id = $1 AND day = $2 AND slot = $3 AND status = 'planned'
               AND id <> $4",
            args![teacher_id, day, slot, other_than.unwrap_or(0)],
        )
        .await?;
    Ok(count.n > 0)
}

/// Visits by id, whatever their status (a cancelled visit's calendar event).
pub async fn rows_by_id(tx: &mut Tx, ids: &[i64]) -> StoreResult<Vec<VisitRow>> {
    let mut rows = Vec::with_capacity(ids.len());
    for &id in ids {
        let row: Option<VisitRow> = tx
            .fetch_optional(
                sqlx::AssertSqlSafe(format!("{VISIT_ROWS} WHERE v.id = $1")),
                args![id],
            )
            .await?;
        rows.extend(row);
    }
    Ok(rows)
}

/// A planned visit not recorded yet, with its reminder stamps.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unrecorded {
    pub visit_id: i64,
    pub teacher_id: String,
    pub student_id: String,
    pub day: NaiveDate,
    pub slot: String,
    pub reminded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub escalated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Planned visits up to `day` not recorded yet that have not been both reminded
/// and escalated, in day order.
pub async fn unrecorded_until(tx: &mut Tx, day: NaiveDate) -> StoreResult<Vec<Unrecorded>> {
    tx.fetch_all(
        "SELECT v.id AS visit_id, v.teacher_id, p.student_id, v.day, v.slot, v.reminded_at,
                v.escalated_at
         FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE v.status = 'planned' AND v.outcome IS NULL AND v.day <= $1
           AND (v.reminded_at IS NULL OR v.escalated_at IS NULL)
         ORDER BY v.day, v.slot",
        args![day],
    )
    .await
}

/// Who has been told of an unrecorded visit.
#[derive(Debug, Clone, Copy)]
pub enum Told {
    Teacher,
    Coordinators,
}

/// Stamps the visits as reminded (their teacher told) or escalated, at the
/// transaction's time.
pub async fn mark_told(tx: &mut Tx, told: Told, visit_ids: &[i64]) -> StoreResult<()> {
    let now = tx.now;
    let sql = match told {
        Told::Teacher => "UPDATE visits SET reminded_at = $2 WHERE id = $1",
        Told::Coordinators => "UPDATE visits SET escalated_at = $2 WHERE id = $1",
    };
    for &id in visit_ids {
        tx.execute(sql, args![id, now]).await?;
    }
    Ok(())
}

/// One plan's visits of some days: periods planned (at the plan's periods a visit)
/// and delivered.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct DaysTally {
    pub plan_id: i64,
    pub planned: i64,
    pub delivered: i64,
}

/// Each plan's periods planned and delivered from `from` to `to`, both included.
pub async fn tally_between(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<HashMap<i64, DaysTally>> {
    let rows: Vec<DaysTally> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT v.plan_id,
                    CAST(SUM(p.periods_per_visit) AS BIGINT) AS planned,
                    CAST(SUM(CASE WHEN v.outcome IN {delivering} THEN v.periods ELSE 0 END)
                         AS BIGINT) AS delivered
             FROM visits v JOIN plans p ON p.id = v.plan_id
             WHERE v.status = 'planned' AND v.day >= $1 AND v.day <= $2
             GROUP BY v.plan_id",
                delivering = codes::delivering_sql()
            )),
            args![from, to],
        )
        .await?;
    Ok(rows.into_iter().map(|t| (t.plan_id, t)).collect())
}

/// Each active plan's visits of a school year counted by what became of them, and
/// summed before `settled_before` (periods delivered, visits planned).
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct YearCounts {
    pub plan_id: i64,
    pub completed: i64,
    pub missed: i64,
    /// Planned before `today`, not recorded.
    pub unrecorded: i64,
    pub delivered_before: i64,
    pub visits_before: i64,
}

/// Each active plan of the year (or one student's) counted.
pub async fn year_counts(
    tx: &mut Tx,
    year: SchoolYear,
    today: NaiveDate,
    settled_before: NaiveDate,
    student_id: Option<&str>,
) -> StoreResult<HashMap<i64, YearCounts>> {
    let rows: Vec<YearCounts> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT v.plan_id,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.outcome = 'completed'
                                      THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.outcome = 'missed'
                                      THEN 1 ELSE 0 END), 0) AS BIGINT) AS missed,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.outcome IS NULL
                                            AND v.day < $2
                                      THEN 1 ELSE 0 END), 0) AS BIGINT) AS unrecorded,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.day < $3
                                            AND v.outcome IN {delivering}
                                      THEN v.periods ELSE 0 END), 0) AS BIGINT) AS delivered_before,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.day < $3
                                      THEN 1 ELSE 0 END), 0) AS BIGINT) AS visits_before
             FROM visits v JOIN plans p ON p.id = v.plan_id
             -- The visit's status is tested in the sums, not here: a filter on it
             -- lets PostgreSQL pick the partial slot index and scan it once per plan
             -- when its statistics are stale (after a bulk import).
             WHERE p.school_year = $1 AND p.status = 'active'
               AND {student}
             GROUP BY v.plan_id",
                student = only_if(student_id.is_some(), "p.student_id", 4),
                delivering = codes::delivering_sql()
            )),
            args![
                year.to_string(),
                today,
                settled_before,
                student_id.map(str::to_string)
            ],
        )
        .await?;
    Ok(rows.into_iter().map(|c| (c.plan_id, c)).collect())
}
