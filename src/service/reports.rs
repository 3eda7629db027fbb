//! A student's year as a ledger whose accounts balance, and the whole year for
//! export: read in one transaction each, formatted by `reports/`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::ServiceError;
use super::people::StudentRecord;
use super::progress::{ProgressRow, progress_of_children, student_progress};
use crate::config::Settings;
use crate::domain::calendar::SchoolCalendar;
use crate::domain::visit::{AccountedVisit, Accounts};
use crate::store::people::Which;
use crate::store::plans::{self, Plan, Revision};
use crate::store::visits;
pub use crate::store::visits::LedgerVisit;
use crate::store::{Store, people};

/// A student's year: the plan and its revisions, every visit, and the accounts.
pub struct Ledger {
    pub student: StudentRecord,
    pub plan: Plan,
    pub target: u32,
    pub revisions: Vec<Revision>,
    pub visits: Vec<LedgerVisit>,
    pub accounts: Accounts,
    /// The plan's pace at the moment of the ledger, as `progress` reads it.
    pub pace: ProgressRow,
}

pub fn accounts(
    target: u32,
    periods_per_visit: u32,
    visits: &[LedgerVisit],
    today: NaiveDate,
) -> Accounts {
    let accounted: Vec<AccountedVisit> = visits
        .iter()
        .map(|v| AccountedVisit {
            day: v.day,
            outcome: v.outcome,
            periods: v.periods.unwrap_or(0).max(0) as u32,
            reason: v.reason,
        })
        .collect();
    Accounts::new(target, periods_per_visit, &accounted, today)
}

/// A child's ledger of the calendar's year, for those who see the child.
pub async fn ledger(
    store: &Store,
    settings: &Settings,
    actor: &super::Actor,
    calendar: &SchoolCalendar,
    student_id: &str,
    now: DateTime<Utc>,
) -> Result<Ledger, ServiceError> {
    let mut tx = store.read().await?;
    let tx = &mut tx;
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let student = people::student(tx, student_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            what: "student",
            id: student_id.to_string(),
        })?;
    let year = calendar.year;
    let plan = plans::active_plan(tx, student_id, year)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            what: "plan",
            id: format!("of {student_id} for {year}"),
        })?;
    if !super::students::sees_one(actor, &student, Some(&plan)) {
        return Err(ServiceError::not_found("student", student_id));
    }
    let revisions = plans::history(tx, student_id)
        .await?
        .into_iter()
        .filter(|r| r.plan_id == plan.plan_id)
        .collect();
    let visits = visits::ledger_visits(tx, year, Some(plan.plan_id), Which::Everyone).await?;
    let target = plan
        .terms
        .target(calendar, settings.defaults.prorate_target);
    let accounts = accounts(target, plan.terms.periods_per_visit, &visits, today);
    let pace = student_progress(tx, settings, calendar, now, student_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            what: "plan",
            id: format!("of {student_id} for {year}"),
        })?;
    Ok(Ledger {
        student: StudentRecord::from(&student),
        plan,
        target,
        revisions,
        visits,
        accounts,
        pace,
    })
}

/// The whole year: progress per plan, and every visit grouped by school.
pub struct YearExport {
    pub progress: Vec<ProgressRow>,
    pub accounts: BTreeMap<i64, Accounts>,
    pub by_school: BTreeMap<String, Vec<LedgerVisit>>,
    /// Who exported it and when, written inside the file (None: the command line's
    /// own file on the server).
    pub stamp: Option<String>,
}

/// The schools whose year the actor may export.
pub async fn export_schools(
    store: &Store,
    actor: &super::Actor,
) -> Result<Vec<String>, ServiceError> {
    let mut tx = store.read().await?;
    let mut schools: Vec<String> = people::students(&mut tx, actor.schools_seen())
        .await?
        .into_iter()
        .map(|s| s.school)
        .collect();
    tx.rollback().await?;
    schools.sort();
    schools.dedup();
    Ok(schools)
}

/// The year's workbook for the pages: every school the actor may see, or one of
/// them; each child exported leaves an access-log row, and the file names who
/// exported it and when.
pub async fn export_for(
    store: &Store,
    settings: &Settings,
    actor: &super::Actor,
    now: DateTime<Utc>,
    school: Option<&str>,
    address: &str,
) -> Result<YearExport, ServiceError> {
    refuse_teachers(actor)?;
    let one: Vec<String> = school.map(str::to_string).into_iter().collect();
    let which = match school {
        Some(school) if !actor.sees_school(school) => {
            return Err(ServiceError::not_found("school", school));
        }
        Some(_) => Which::OfSchools(&one),
        None => actor.schools_seen(),
    };
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let calendar = settings
        .calendar(crate::domain::calendar::SchoolYear::containing(today))
        .map_err(ServiceError::Settings)?;
    let mut export = export_of(store, settings, &calendar, now, which).await?;
    if !actor.role.sees_visit_details() {
        for visits in export.by_school.values_mut() {
            *visits = std::mem::take(visits)
                .into_iter()
                .map(crate::store::visits::LedgerVisit::without_details)
                .collect();
        }
    }
    let mut tx = super::audit::logged_read(store, actor, now).await?;
    let key = super::audit::chain_key(settings)?;
    for row in &export.progress {
        super::audit::record_read(
            &mut tx,
            &key,
            actor,
            &row.student_id,
            "year export",
            address,
        )
        .await?;
    }
    tx.commit().await?;
    let local = now
        .with_timezone(&settings.time_zone)
        .format("%Y-%m-%d %H:%M");
    export.stamp = Some(format!("{} ({}) {local}", actor.display_name, actor.name));
    Ok(export)
}

/// The calendar's year of every school the actor sees, as the command line
/// writes it to files.
pub async fn year_export(
    store: &Store,
    settings: &Settings,
    actor: &super::Actor,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
) -> Result<YearExport, ServiceError> {
    refuse_teachers(actor)?;
    export_of(store, settings, calendar, now, actor.schools_seen()).await
}

fn refuse_teachers(actor: &super::Actor) -> Result<(), ServiceError> {
    if actor.role == crate::domain::access::Role::Teacher {
        return Err(ServiceError::Forbidden(
            "exports are for coordinators and supervisors".into(),
        ));
    }
    Ok(())
}

/// The year of the children `which` selects, read in one transaction.
async fn export_of(
    store: &Store,
    settings: &Settings,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
    which: Which<'_>,
) -> Result<YearExport, ServiceError> {
    let mut tx = store.read().await?;
    let tx = &mut tx;
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let progress = progress_of_children(tx, settings, calendar, now, which).await?;
    let plans = plans::active_plans(tx, Some(calendar.year), which).await?;
    let visits = visits::ledger_visits(tx, calendar.year, None, which).await?;
    let school_of: BTreeMap<&str, &str> = progress
        .iter()
        .map(|p| (p.student_id.as_str(), p.school.as_str()))
        .collect();
    let mut by_plan: BTreeMap<i64, Vec<LedgerVisit>> = BTreeMap::new();
    let mut by_school: BTreeMap<String, Vec<LedgerVisit>> = BTreeMap::new();
    for visit in visits {
        let school = school_of
            .get(visit.student_id.as_str())
            .copied()
            .unwrap_or("")
            .to_string();
        by_plan
            .entry(visit.plan_id)
            .or_default()
            .push(visit.clone());
        by_school.entry(school).or_default().push(visit);
    }
    let accounts = plans
        .iter()
        .map(|plan| {
            let target = plan
                .terms
                .target(calendar, settings.defaults.prorate_target);
            let mine = by_plan.get(&plan.plan_id).map_or(&[][..], Vec::as_slice);
            (
                plan.plan_id,
                accounts(target, plan.terms.periods_per_visit, mine, today),
            )
        })
        .collect();
    Ok(YearExport {
        progress,
        accounts,
        by_school,
        stamp: None,
    })
}
