//! Plans (一人一案), their revisions and goals.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Arg, StoreError, StoreResult, Tx, audit, is_unique_violation};
use crate::args;
use crate::domain::calendar::SchoolYear;
use crate::domain::plan::PlanTerms;
use crate::store::people::Which;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Goal {
    pub goal_id: i64,
    pub text: String,
}

/// A plan as it stands now: its current revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub plan_id: i64,
    pub student_id: String,
    pub school_year: String,
    pub status: String,
    pub revision: i64,
    #[serde(flatten)]
    pub terms: PlanTerms,
    pub goal_ids: Vec<i64>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Revision {
    pub plan_id: i64,
    pub school_year: String,
    pub revision: i64,
    pub teacher_id: String,
    pub backup_teacher_id: Option<String>,
    pub visits_per_week: i64,
    pub periods_per_visit: i64,
    pub annual_target: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// The goals' texts, stored as a JSON array.
    pub goals: StoredGoals,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

/// A revision's goals, kept as a JSON array of texts; one that does not read as
/// such is an error, never an empty list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StoredGoals(pub Vec<String>);

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: i64,
    student_id: String,
    school_year: String,
    status: String,
    revision: i64,
    teacher_id: String,
    backup_teacher_id: Option<String>,
    visits_per_week: i64,
    periods_per_visit: i64,
    annual_target: i64,
    start_date: NaiveDate,
    end_date: NaiveDate,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct GoalRow {
    id: i64,
    plan_id: i64,
    text: String,
}

/// Refusal of a second active plan for the same student and year (一人一案).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "student {student_id} already has {} for {school_year} (one student, one plan)",
        plan_id.map_or("a plan".to_string(), |id| format!("plan #{id}"))
    )]
    AlreadyExists {
        student_id: String,
        school_year: String,
        /// None when another writer created it at the same moment.
        plan_id: Option<i64>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn plan_from_row(row: PlanRow, goals: Vec<GoalRow>) -> Plan {
    Plan {
        plan_id: row.id,
        student_id: row.student_id,
        school_year: row.school_year,
        status: row.status,
        revision: row.revision,
        terms: PlanTerms {
            teacher_id: row.teacher_id,
            backup_teacher_id: row.backup_teacher_id,
            visits_per_week: row.visits_per_week as u32,
            periods_per_visit: row.periods_per_visit as u32,
            annual_target: row.annual_target as u32,
            start_date: row.start_date,
            end_date: row.end_date,
            goals: goals.iter().map(|g| g.text.clone()).collect(),
        },
        goal_ids: goals.iter().map(|g| g.id).collect(),
        updated_at: row.updated_at,
    }
}

/// The active plans of a school year (or of every year), optionally of one student.
pub async fn active_plans<'a>(
    tx: &mut Tx,
    year: Option<SchoolYear>,
    students: impl Into<Which<'a>>,
) -> StoreResult<Vec<Plan>> {
    let students = students.into();
    let (of_students, more) = students.owned_by("student_id", "students", 2);
    let mut filter = args![year.map(|y| y.to_string())];
    filter.extend(more);
    let rows: Vec<PlanRow> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT id, student_id, school_year, status, revision, teacher_id, backup_teacher_id,
                        visits_per_week, periods_per_visit, annual_target, start_date, end_date, updated_at
                 FROM plans WHERE status = 'active' AND ($1 IS NULL OR school_year = $1)
                 AND {of_students} ORDER BY student_id, school_year"
            )),
            filter.clone(),
        )
        .await?;
    let (of_students, _) = students.owned_by("p.student_id", "students", 2);
    let goals: Vec<GoalRow> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT g.id, g.plan_id, g.text FROM plan_goals g JOIN plans p ON p.id = g.plan_id
                 WHERE p.status = 'active' AND ($1 IS NULL OR p.school_year = $1) AND {of_students}
                   AND g.removed_in_revision IS NULL ORDER BY g.plan_id, g.position"
            )),
            filter,
        )
        .await?;
    let mut goals_by_plan: HashMap<i64, Vec<GoalRow>> = HashMap::new();
    for goal in goals {
        goals_by_plan.entry(goal.plan_id).or_default().push(goal);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let goals = goals_by_plan.remove(&row.id).unwrap_or_default();
            plan_from_row(row, goals)
        })
        .collect())
}

/// Whose plan `plan_id` is, and of which school year.
pub async fn plan_owner(tx: &mut Tx, plan_id: i64) -> StoreResult<Option<(String, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        student_id: String,
        school_year: String,
    }
    let row: Option<Row> = tx
        .fetch_optional(
            "SELECT student_id, school_year FROM plans WHERE id = $1",
            args![plan_id],
        )
        .await?;
    Ok(row.map(|r| (r.student_id, r.school_year)))
}

pub async fn active_plan(
    tx: &mut Tx,
    student_id: &str,
    year: SchoolYear,
) -> StoreResult<Option<Plan>> {
    Ok(active_plans(tx, Some(year), Some(student_id)).await?.pop())
}

/// A plan to create.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub student_id: String,
    pub school_year: SchoolYear,
    pub terms: PlanTerms,
}

/// Creates the year's plan as revision 1. A second active plan for the same student
/// and year is refused, by this check and, under a race, by the database's unique index.
pub async fn create_plan(
    tx: &mut Tx,
    student_id: &str,
    year: SchoolYear,
    terms: &PlanTerms,
    reason: &str,
) -> Result<i64, PlanError> {
    if let Some(existing) = active_plan(tx, student_id, year).await? {
        return Err(already_exists(student_id, year, Some(existing.plan_id)));
    }
    let plan = NewPlan {
        student_id: student_id.to_string(),
        school_year: year,
        terms: terms.clone(),
    };
    let ids = create_plans(tx, std::slice::from_ref(&plan), reason).await?;
    Ok(ids[0])
}

/// Creates many plans at once (an import), each as revision 1; returns their ids in
/// order. The caller has checked that none exists; the unique index still guards.
pub async fn create_plans(
    tx: &mut Tx,
    new: &[NewPlan],
    reason: &str,
) -> Result<Vec<i64>, PlanError> {
    #[derive(sqlx::FromRow)]
    struct Created {
        id: i64,
        student_id: String,
        school_year: String,
    }
    let now = tx.now;
    let rows = new
        .iter()
        .map(|p| {
            let mut row = args![&p.student_id, p.school_year.to_string(), "active", 1i64];
            row.extend(terms_args(&p.terms));
            row.extend(args![now, now]);
            row
        })
        .collect();
    let inserted: Result<Vec<Created>, StoreError> = tx
        .insert_many_returning(
            "INSERT INTO plans (student_id, school_year, status, revision, teacher_id, backup_teacher_id,
                 visits_per_week, periods_per_visit, annual_target, start_date, end_date, created_at, updated_at)",
            13,
            rows,
            "RETURNING id, student_id, school_year",
        )
        .await;
    let created = match inserted {
        Ok(created) => created,
        Err(e) if is_unique_violation(&e) => {
            let first = &new[0];
            return Err(already_exists(&first.student_id, first.school_year, None));
        }
        Err(e) => return Err(e.into()),
    };
    let ids: HashMap<(String, String), i64> = created
        .into_iter()
        .map(|c| ((c.student_id, c.school_year), c.id))
        .collect();
    let ids: Vec<i64> = new
        .iter()
        .map(|p| ids[&(p.student_id.clone(), p.school_year.to_string())])
        .collect();
    let goals = new
        .iter()
        .zip(&ids)
        .flat_map(|(p, id)| {
            p.terms
                .goals
                .iter()
                .enumerate()
                .map(move |(i, g)| args![*id, i as i64, g, 1i64])
        })
        .collect();
    tx.insert_many(
        "INSERT INTO plan_goals (plan_id, position, text, added_in_revision)",
        4,
        goals,
        "",
    )
    .await?;
    let revisions = new
        .iter()
        .zip(&ids)
        .map(|(p, id)| (*id, 1, &p.terms))
        .collect();
    write_revisions(tx, revisions, reason).await?;
    let entries = new
        .iter()
        .zip(&ids)
        .map(|(p, id)| audit::Entry {
            action: "create",
            entity: "plan",
            entity_id: id.to_string(),
            detail: serde_json::json!({ "student_id": p.student_id, "school_year": p.school_year.to_string(), "new": p.terms }),
        })
        .collect();
    audit::record_many(tx, entries).await?;
    Ok(ids)
}

/// A revision's columns, in the order every plans and plan_revisions statement
/// lists them: teacher_id, backup_teacher_id, visits_per_week, periods_per_visit,
/// annual_target, start_date, end_date.
fn terms_args(t: &PlanTerms) -> Vec<Arg> {
    args![
        &t.teacher_id,
        t.backup_teacher_id.clone(),
        t.visits_per_week,
        t.periods_per_visit,
        t.annual_target,
        t.start_date,
        t.end_date,
    ]
}

fn already_exists(student_id: &str, year: SchoolYear, plan_id: Option<i64>) -> PlanError {
    PlanError::AlreadyExists {
        student_id: student_id.to_string(),
        school_year: year.to_string(),
        plan_id,
    }
}

/// Makes `terms` the plan's next revision, keeping the old one in the history.
/// Returns false (and writes nothing) when nothing changes.
pub async fn revise_plan(
    tx: &mut Tx,
    plan: &Plan,
    terms: &PlanTerms,
    reason: &str,
) -> StoreResult<Revised> {
    if &plan.terms == terms {
        return Ok(Revised::Unchanged);
    }
    let revision = plan.revision + 1;
    let now = tx.now;
    // Only over the revision read: two editors at once, the second is told.
    let changed = tx
        .execute(
            "UPDATE plans SET revision = $2, teacher_id = $3, backup_teacher_id = $4, visits_per_week = $5,
             periods_per_visit = $6, annual_target = $7, start_date = $8, end_date = $9, updated_at = $10
         WHERE id = $1 AND revision = $11",
            [
                args![plan.plan_id, revision],
                terms_args(terms),
                args![now, plan.revision],
            ]
            .concat(),
        )
        .await?;
    if changed == 0 {
        return Ok(Revised::Stale);
    }
    let current: Vec<Goal> = plan
        .goal_ids
        .iter()
        .zip(&plan.terms.goals)
        .map(|(id, text)| Goal {
            goal_id: *id,
            text: text.clone(),
        })
        .collect();
    replace_goals(tx, plan.plan_id, revision, &current, &terms.goals).await?;
    write_revisions(tx, vec![(plan.plan_id, revision, terms)], reason).await?;
    let detail = serde_json::json!({ "revision": revision, "old": plan.terms, "new": terms, "reason": reason });
    audit::record(tx, "revise", "plan", &plan.plan_id.to_string(), detail).await?;
    Ok(Revised::Revised)
}

/// What revising a plan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revised {
    Revised,
    /// The terms asked are the plan's already.
    Unchanged,
    /// Another revision was written after this one was read: nothing written.
    Stale,
}

/// A goal whose text stays keeps its id (visit notes refer to it); others are
/// retired or added.
async fn replace_goals(
    tx: &mut Tx,
    plan_id: i64,
    revision: i64,
    current: &[Goal],
    wanted: &[String],
) -> StoreResult<()> {
    for goal in current.iter().filter(|g| !wanted.contains(&g.text)) {
        tx.execute(
            "UPDATE plan_goals SET removed_in_revision = $2 WHERE id = $1",
            args![goal.goal_id, revision],
        )
        .await?;
    }
    for (position, text) in wanted.iter().enumerate() {
        let position = position as i64;
        match current.iter().find(|g| &g.text == text) {
            Some(goal) => {
                tx.execute(
                    "UPDATE plan_goals SET position = $2 WHERE id = $1",
                    args![goal.goal_id, position],
                )
                .await?;
            }
            None => {
                tx.execute(
                    "INSERT INTO plan_goals (plan_id, position, text, added_in_revision) VALUES ($1, $2, $3, $4)",
                    args![plan_id, position, text, revision],
                )
                .await?;
            }
        }
    }
    Ok(())
}

async fn write_revisions(
    tx: &mut Tx,
    revisions: Vec<(i64, i64, &PlanTerms)>,
    reason: &str,
) -> StoreResult<()> {
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let rows = revisions
        .into_iter()
        .map(|(plan_id, revision, t)| {
            let goals = serde_json::to_string(&t.goals).unwrap_or_else(|_| "[]".into());
            [
                args![plan_id, revision],
                terms_args(t),
                args![goals, reason, actor.clone(), now],
            ]
            .concat()
        })
        .collect();
    tx.insert_many(
        "INSERT INTO plan_revisions (plan_id, revision, teacher_id, backup_teacher_id, visits_per_week,
             periods_per_visit, annual_target, start_date, end_date, goals, reason, changed_by, changed_at)",
        13,
        rows,
        "",
    )
    .await
}

/// The students whose active plan of `year` names the teacher, responsible or backup.
pub async fn students_taught_by(
    tx: &mut Tx,
    teacher_id: &str,
    year: SchoolYear,
) -> StoreResult<Vec<String>> {
    #[derive(sqlx::FromRow)]
    struct Taught {
        student_id: String,
    }
    let rows: Vec<Taught> = tx
        .fetch_all(
            "SELECT student_id FROM plans
             WHERE school_year = $1 AND status = 'active'
               AND (teacher_id = $2 OR backup_teacher_id = $2)",
            args![year.to_string(), teacher_id.to_string()],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.student_id).collect())
}

/// Every revision of every plan of a student, oldest first.
pub async fn history(tx: &mut Tx, student_id: &str) -> StoreResult<Vec<Revision>> {
    tx.fetch_all(
        "SELECT r.plan_id, p.school_year, r.revision, r.teacher_id, r.backup_teacher_id, r.visits_per_week,
                r.periods_per_visit, r.annual_target, r.start_date, r.end_date, r.goals, r.reason,
                r.changed_by, r.changed_at
         FROM plan_revisions r JOIN plans p ON p.id = r.plan_id
         WHERE p.student_id = $1 ORDER BY p.school_year, r.plan_id, r.revision",
        args![student_id],
    )
    .await
}
