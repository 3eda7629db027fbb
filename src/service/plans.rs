//! Setting a student's plan for a school year (一人一案): create it, or revise it
//! into a new revision, history kept.

use crate::reason::Reason;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Actor, Problem, ServiceError};
use crate::config::Settings;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::pace::Status;
use crate::domain::plan::{PlanTerms, default_dates};
use crate::store::{Store, people, plans};

pub use crate::store::plans::Plan;

/// What a person asks of a plan; what is not given keeps the plan's value, or for a
/// new plan the district's default.
#[derive(Debug, Clone, Default)]
pub struct SetPlan {
    pub student_id: String,
    pub year: Option<SchoolYear>,
    /// Change the existing plan (a new revision) rather than create one.
    pub revise: bool,
    pub teacher: Option<String>,
    pub backup: Option<String>,
    pub no_backup: bool,
    pub visits_per_week: Option<u32>,
    pub periods_per_visit: Option<u32>,
    pub target: Option<u32>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// Replaces the goals when not empty.
    pub goals: Vec<String>,
    pub reason: String,
    /// The plan's revision the person saw (a form, an API's If-Match): a plan
    /// revised since is not revised again over it.
    pub seen_revision: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanSet {
    Created {
        plan_id: i64,
        year: SchoolYear,
        terms: PlanTerms,
        /// The periods owed, pro-rated when the plan does not cover its year.
        target: u32,
    },
    Revised {
        plan_id: i64,
        year: SchoolYear,
        revision: i64,
    },
    Unchanged {
        plan_id: i64,
        year: SchoolYear,
    },
}

pub async fn set_plan(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    input: SetPlan,
) -> Result<PlanSet, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let year = input.year.unwrap_or_else(|| SchoolYear::containing(today));
    let defaults = &settings.defaults;
    let calendar = super::calendar_for(settings, year, "year")?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let student = &input.student_id;
    // Plans are set by coordinators and admins whose scope holds the child's
    // school; anyone else is told the child does not exist.
    let kept = people::student(&mut tx, student)
        .await?
        .is_some_and(|s| actor.keeps_school(&s.school));
    if !kept {
        return Err(ServiceError::NotFound {
            what: "student",
            id: student.clone(),
        });
    }
    let existing = plans::active_plan(&mut tx, student, year).await?;
    if let (Some(plan), Some(seen)) = (&existing, input.seen_revision)
        && plan.revision != seen
    {
        return Err(ServiceError::Stale {
            what: format!("plan #{}", plan.plan_id),
            seen,
            now: plan.revision,
        });
    }
    let base = match (&existing, input.revise) {
        (Some(plan), true) => plan.terms.clone(),
        (Some(plan), false) => {
            return Err(ServiceError::Conflict(Reason::PlanExists {
                student: student.clone(),
                year: year.to_string(),
                plan: Some(plan.plan_id),
            }));
        }
        (None, true) => {
            return Err(ServiceError::NotFound {
                what: "plan to revise",
                id: format!("of {student} for {year}"),
            });
        }
        (None, false) => {
            let teacher = input
                .teacher
                .clone()
                .ok_or_else(|| ServiceError::invalid("teacher_id", Reason::NeededForNewPlan))?;
            let (start, end) = default_dates(&calendar, today)
                .ok_or_else(|| ServiceError::invalid("year", Reason::YearHasNoTeachingDay))?;
            PlanTerms {
                teacher_id: teacher,
                backup_teacher_id: None,
                visits_per_week: defaults.visits_per_week,
                periods_per_visit: defaults.periods_per_visit,
                annual_target: defaults.annual_target,
                start_date: start,
                end_date: end,
                goals: Vec::new(),
            }
        }
    };
    let terms = PlanTerms {
        teacher_id: input.teacher.clone().unwrap_or(base.teacher_id),
        backup_teacher_id: if input.no_backup {
            None
        } else {
            input.backup.clone().or(base.backup_teacher_id)
        },
        visits_per_week: input.visits_per_week.unwrap_or(base.visits_per_week),
        periods_per_visit: input.periods_per_visit.unwrap_or(base.periods_per_visit),
        annual_target: input.target.unwrap_or(base.annual_target),
        start_date: input.start.unwrap_or(base.start_date),
        end_date: input.end.unwrap_or(base.end_date),
        goals: if input.goals.is_empty() {
            base.goals
        } else {
            input.goals.clone()
        },
    };
    terms
        .check(&calendar, defaults.max_visits_per_week)
        .map_err(|(field, reason)| ServiceError::Invalid(vec![Problem::new(field, reason)]))?;
    for teacher in std::iter::once(&terms.teacher_id).chain(&terms.backup_teacher_id) {
        if people::teacher(&mut tx, teacher).await?.is_none() {
            return Err(ServiceError::NotFound {
                what: "teacher",
                id: teacher.clone(),
            });
        }
    }
    // 一人一案: a plan's change is a revision, and a revision says why.
    if let Some(plan) = &existing
        && plan.terms != terms
        && input.reason.trim().is_empty()
    {
        return Err(ServiceError::invalid("reason", Reason::RevisionNeedsReason));
    }
    let set = match existing {
        Some(plan) => match plans::revise_plan(&mut tx, &plan, &terms, &input.reason).await? {
            plans::Revised::Revised => PlanSet::Revised {
                plan_id: plan.plan_id,
                year,
                revision: plan.revision + 1,
            },
            plans::Revised::Unchanged => PlanSet::Unchanged {
                plan_id: plan.plan_id,
                year,
            },
            plans::Revised::Stale => return Err(super::imports::stale_plan(&plan)),
        },
        None => {
            let plan_id = plans::create_plan(&mut tx, student, year, &terms, &input.reason).await?;
            PlanSet::Created {
                plan_id,
                year,
                target: terms.target(&calendar, defaults.prorate_target),
                terms,
            }
        }
    };
    tx.commit().await?;
    Ok(set)
}

/// Whether the student has a plan in the school year of `now`.
pub async fn has_plan(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    student_id: &str,
) -> Result<bool, ServiceError> {
    let year = SchoolYear::containing(now.with_timezone(&settings.time_zone).date_naive());
    let mut tx = store.read().await?;
    seen_student(&mut tx, actor, student_id).await?;
    let plan = plans::active_plan(&mut tx, student_id, year).await?;
    tx.rollback().await?;
    Ok(plan.is_some())
}

/// A plan with where it stands, as a coordinator reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    #[serde(flatten)]
    pub plan: plans::Plan,
    pub student_name: String,
    /// Periods owed after pro-rating for a plan shorter than the year.
    pub target: u32,
    pub teaching_days: usize,
    /// Where the plan stands now, as `progress` reads it.
    pub delivered: u32,
    pub pending: u32,
    pub expected: u32,
    pub status: Status,
}

/// A student's plan of the calendar's year and its pace at `now`.
pub async fn show(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
    student_id: &str,
) -> Result<PlanView, ServiceError> {
    let year = calendar.year;
    let no_plan = || ServiceError::NotFound {
        what: "plan",
        id: format!("of {student_id} for {year}"),
    };
    let mut tx = store.read().await?;
    let student = seen_student(&mut tx, actor, student_id).await?;
    let plan = plans::active_plan(&mut tx, student_id, year)
        .await?
        .ok_or_else(no_plan)?;
    let pace = super::progress::student_progress(&mut tx, settings, calendar, now, student_id)
        .await?
        .ok_or_else(no_plan)?;
    tx.rollback().await?;
    Ok(PlanView {
        delivered: pace.delivered,
        pending: pace.pending,
        expected: pace.expected,
        status: pace.status,
        target: plan
            .terms
            .target(calendar, settings.defaults.prorate_target),
        teaching_days: calendar
            .teaching_days_between(plan.terms.start_date, plan.terms.end_date)
            .len(),
        student_name: student.name,
        plan,
    })
}

/// Every active plan of a school year.
pub async fn year_plans(
    store: &Store,
    actor: &Actor,
    year: SchoolYear,
) -> Result<Vec<plans::Plan>, ServiceError> {
    let mut tx = store.read().await?;
    let rows = plans::active_plans(&mut tx, Some(year), actor.schools_seen()).await?;
    tx.rollback().await?;
    Ok(rows)
}

/// Every revision of a student's plans, oldest first, with who changed what and why.
pub async fn history(
    store: &Store,
    actor: &Actor,
    student_id: &str,
) -> Result<Vec<plans::Revision>, ServiceError> {
    let mut tx = store.read().await?;
    seen_student(&mut tx, actor, student_id).await?;
    let revisions = plans::history(&mut tx, student_id).await?;
    tx.rollback().await?;
    Ok(revisions)
}

/// One active plan by its id, for someone who may see its child; for anyone
/// else, and for a plan that ended, "not found".
pub async fn plan(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    plan_id: i64,
) -> Result<PlanView, ServiceError> {
    let not_found = || ServiceError::NotFound {
        what: "plan",
        id: plan_id.to_string(),
    };
    let mut tx = store.read().await?;
    let (student_id, year) = plans::plan_owner(&mut tx, plan_id)
        .await?
        .ok_or_else(not_found)?;
    let year: SchoolYear = year
        .parse()
        .map_err(|reason: Reason| ServiceError::Settings(reason.to_string()))?;
    let student = people::student(&mut tx, &student_id)
        .await?
        .ok_or_else(not_found)?;
    let plan = plans::active_plan(&mut tx, &student_id, year)
        .await?
        .filter(|p| p.plan_id == plan_id)
        .ok_or_else(not_found)?;
    if !super::students::sees_one(actor, &student, Some(&plan)) {
        return Err(not_found());
    }
    tx.rollback().await?;
    let calendar = settings.calendar(year).map_err(ServiceError::Settings)?;
    show(store, settings, actor, &calendar, now, &student_id).await
}

/// A child the actor sees; anyone else is told the child does not exist.
async fn seen_student(
    tx: &mut crate::store::Tx,
    actor: &Actor,
    student_id: &str,
) -> Result<people::Student, ServiceError> {
    let student = people::student(tx, student_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("student", student_id))?;
    // A teacher sees the children whose plan names them.
    let plans = match actor.scope {
        crate::domain::access::Scope::Teacher { .. } => {
            plans::active_plans(tx, None, people::Which::One(student_id)).await?
        }
        _ => Vec::new(),
    };
    let seen = super::students::sees_one(actor, &student, None)
        || plans
            .iter()
            .any(|plan| super::students::sees_one(actor, &student, Some(plan)));
    if seen {
        Ok(student)
    } else {
        Err(ServiceError::not_found("student", student_id))
    }
}
