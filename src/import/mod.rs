//! `songjiao import`: teachers, students and plans from the spreadsheets districts
//! keep. All or nothing: one bad row imports no row, and every bad cell is listed.

pub mod records;
pub mod sheet;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::config::Settings;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::plan::PlanTerms;
use crate::service::ServiceError;
use crate::store::people::{self, Change};
use crate::store::visits::{self, RecordInput};
use crate::store::{Tx, plans};
use records::{CellError, Column, Fields, Kind};

#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Headers that name no column of this kind; their cells were not read.
    pub ignored_columns: Vec<String>,
    /// What a person should know about the rows written, one line each.
    pub notes: Vec<String>,
}

/// "S001 starts 2026-11-30: target pro-rated to 148 periods (of 216)", for a plan
/// that does not cover its whole year; None for one that does.
pub fn starts_note(
    student_id: &str,
    terms: &PlanTerms,
    calendar: &SchoolCalendar,
    prorate: bool,
) -> Option<String> {
    let target = terms.target(calendar, prorate);
    (target != terms.annual_target).then(|| {
        format!(
            "{student_id} starts {}: target pro-rated to {target} periods (of {})",
            terms.start_date, terms.annual_target
        )
    })
}

impl ImportReport {
    fn count(&mut self, change: Change) {
        match change {
            Change::Created => self.created += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} problem(s) found; nothing was imported:\n{}", .0.len(), list(.0))]
    Invalid(Vec<CellError>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn list(errors: &[CellError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl From<crate::store::StoreError> for ImportError {
    fn from(e: crate::store::StoreError) -> Self {
        ImportError::Other(e.into())
    }
}

/// The column each header names (None: not read), and the headers not read.
type HeaderColumns = (Vec<Option<&'static str>>, Vec<String>);

/// Which column each header names: a column's name or one of its aliases, any case.
fn map_headers(
    headers: &[String],
    columns: &'static [Column],
) -> Result<HeaderColumns, Vec<CellError>> {
    let mut mapped = Vec::new();
    let mut ignored = Vec::new();
    let mut errors = Vec::new();
    let header_error = |column: &str, reason: String| CellError {
        line: 1,
        column: column.to_string(),
        reason,
    };
    for header in headers {
        let word = header.trim();
        let column = columns.iter().find(|c| {
            c.name.eq_ignore_ascii_case(word)
                || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
        });
        match column {
            Some(c) if mapped.contains(&Some(c.name)) => errors.push(header_error(
                c.name,
                format!("header `{word}` names column {} a second time", c.name),
            )),
            Some(c) => mapped.push(Some(c.name)),
            None => {
                mapped.push(None);
                if !word.is_empty() {
                    ignored.push(word.to_string());
                }
            }
        }
    }
    for column in columns
        .iter()
        .filter(|c| c.required && !mapped.contains(&Some(c.name)))
    {
        let also = if column.aliases.is_empty() {
            String::new()
        } else {
            format!(" (or {})", column.aliases.join(", "))
        };
        errors.push(header_error(
            column.name,
            format!("the header row has no column {}{also}", column.name),
        ));
    }
    if errors.is_empty() {
        Ok((mapped, ignored))
    } else {
        Err(errors)
    }
}

/// Reads, checks and writes `path` in `tx`. The caller commits (or, for a dry run,
/// rolls back); on any error nothing must be committed.
pub async fn import(
    tx: &mut Tx,
    path: &Path,
    kind: Kind,
    settings: &Settings,
) -> Result<ImportReport, ImportError> {
    let sheet = sheet::read(path)?;
    let (mapped, ignored_columns) =
        map_headers(&sheet.headers, kind.columns()).map_err(ImportError::Invalid)?;
    let slots = settings.slot_table().map_err(anyhow::Error::msg)?;
    let today = tx.now.with_timezone(&settings.time_zone).date_naive();
    // Each year's calendar is read once, not once per row.
    let mut calendars: HashMap<SchoolYear, Result<Arc<SchoolCalendar>, String>> = HashMap::new();
    let mut calendar = |year: SchoolYear| {
        calendars
            .entry(year)
            .or_insert_with(|| settings.calendar(year).map(Arc::new))
            .clone()
    };

    let mut errors = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut teachers = Vec::new();
    let mut students = Vec::new();
    let mut plan_inputs = Vec::new();
    let mut visit_inputs = Vec::new();
    let mut supervisor_inputs = Vec::new();
    for row in &sheet.rows {
        let values = mapped
            .iter()
            .zip(&row.cells)
            .filter_map(|(c, v)| c.map(|c| (c, v.as_str())))
            .collect();
        let mut fields = Fields::new(row.line, values);
        let key = match kind {
            Kind::Teachers => records::teacher(&mut fields, &slots).map(|t| {
                let key = t.teacher_id.clone();
                teachers.push(t);
                ("teacher_id", key)
            }),
            Kind::Students => records::student(&mut fields, &slots).map(|s| {
                let key = s.student_id.clone();
                students.push(s);
                ("student_id", key)
            }),
            Kind::Plans => records::plan(&mut fields, &settings.defaults, &mut calendar, today)
                .map(|p| {
                    let key = format!("{} {}", p.student_id, p.school_year);
                    plan_inputs.push(p);
                    ("student_id", key)
                }),
            Kind::Supervisors => records::supervisor(&mut fields).map(|s| {
                let key = s.email.to_lowercase();
                supervisor_inputs.push(s);
                ("email", key)
            }),
            Kind::Visits => records::visit(&mut fields, &slots).map(|v| {
                let key = format!("{} {}", v.student_id, v.day);
                visit_inputs.push(v);
                ("date", key)
            }),
        };
        errors.append(&mut fields.errors);
        if let Some((column, key)) = key
            && let Some(first) = first_seen.insert(key.clone(), row.line)
        {
            errors.push(CellError {
                line: row.line,
                column: column.into(),
                reason: format!("{key} appears a second time (first on line {first})"),
            });
        }
    }

    if kind == Kind::Plans {
        check_plan_references(tx, &plan_inputs, &mut errors).await?;
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(ImportError::Invalid(errors));
    }

    let mut report = ImportReport {
        rows: sheet.rows.len(),
        ignored_columns,
        ..Default::default()
    };
    match kind {
        Kind::Teachers => {
            let existing: HashMap<String, people::Teacher> = people::teachers(tx, None)
                .await?
                .into_iter()
                .map(|t| (t.teacher_id.clone(), t))
                .collect();
            people::save_teachers(tx, &teachers, &existing)
                .await?
                .into_iter()
                .for_each(|c| report.count(c));
        }
        Kind::Students => {
            let existing: HashMap<String, people::Student> = people::students(tx, None)
                .await?
                .into_iter()
                .map(|s| (s.student_id.clone(), s))
                .collect();
            people::save_students(tx, &students, &existing)
                .await?
                .into_iter()
                .for_each(|c| report.count(c));
        }
        Kind::Plans => {
            let mut existing: HashMap<(String, String), plans::Plan> =
                plans::active_plans(tx, None, None)
                    .await?
                    .into_iter()
                    .map(|p| ((p.student_id.clone(), p.school_year.clone()), p))
                    .collect();
            let reason = format!("import {}", path.display());
            let mut new_plans = Vec::new();
            for input in &plan_inputs {
                let key = (input.student_id.clone(), input.school_year.to_string());
                let change = match existing.remove(&key) {
                    Some(plan) => {
                        let terms = PlanTerms {
                            start_date: if input.start_given {
                                input.terms.start_date
                            } else {
                                plan.terms.start_date
                            },
                            ..input.terms.clone()
                        };
                        if plans::revise_plan(tx, &plan, &terms, &reason).await? {
                            Change::Updated
                        } else {
                            Change::Unchanged
                        }
                    }
                    None => {
                        if let Ok(calendar) = calendar(input.school_year)
                            && let Some(note) = starts_note(
                                &input.student_id,
                                &input.terms,
                                &calendar,
                                settings.defaults.prorate_target,
                            )
                        {
                            report.notes.push(note);
                        }
                        new_plans.push(plans::NewPlan {
                            student_id: input.student_id.clone(),
                            school_year: input.school_year,
                            terms: input.terms.clone(),
                        });
                        Change::Created
                    }
                };
                report.count(change);
            }
            plans::create_plans(tx, &new_plans, &reason)
                .await
                .map_err(anyhow::Error::from)?;
        }
        Kind::Visits => record_visits(tx, &visit_inputs, settings, &mut report).await?,
        Kind::Supervisors => {
            let known: std::collections::HashSet<String> = crate::store::alerts::supervisors(tx)
                .await?
                .into_iter()
                .map(|s| s.email.to_lowercase())
                .collect();
            for input in &supervisor_inputs {
                crate::store::alerts::save_supervisor(
                    tx,
                    &input.name,
                    &input.email,
                    input.school.as_deref(),
                )
                .await?;
                report.count(if known.contains(&input.email.to_lowercase()) {
                    Change::Updated
                } else {
                    Change::Created
                });
            }
        }
    }
    Ok(report)
}

/// Records each row on its planned visit (the student's visit that day), or on a
/// visit added as unplanned; every rule of `visit record` applies to every row.
async fn record_visits(
    tx: &mut Tx,
    inputs: &[records::VisitInput],
    settings: &Settings,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let today = tx.now.with_timezone(&settings.time_zone).date_naive();
    let mut errors = Vec::new();
    for input in inputs {
        let mut error = |column: &str, reason: String| {
            errors.push(CellError {
                line: input.line,
                column: column.into(),
                reason,
            })
        };
        let year = SchoolYear::containing(input.day);
        let Some(plan) = plans::active_plan(tx, &input.student_id, year).await? else {
            error(
                "student_id",
                format!("{} has no active plan for {year}", input.student_id),
            );
            continue;
        };
        let visit = match visits::planned_visit_on(tx, plan.plan_id, input.day).await? {
            Some(visit) => {
                report.updated += 1;
                visit
            }
            None if input.day > today => {
                error(
                    "date",
                    format!("{} has not happened yet (today is {today})", input.day),
                );
                continue;
            }
            None => {
                let teacher = &plan.terms.teacher_id;
                if visits::teacher_busy(tx, teacher, input.day, &input.slot).await? {
                    error(
                        "slot",
                        format!(
                            "teacher {teacher} already has another visit on {} {}",
                            input.day, input.slot
                        ),
                    );
                    continue;
                }
                let id = visits::add_unplanned(tx, plan.plan_id, teacher, input.day, &input.slot)
                    .await?;
                report.created += 1;
                visits::visit_for_record(tx, id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("visit {id} vanished while importing"))?
            }
        };
        let record = RecordInput {
            outcome: input.outcome,
            periods: input.periods,
            reason: input.reason.clone(),
            mode: input.mode,
            note: input.note.clone(),
            goal_notes: Vec::new(),
            guardian_confirmed_by: None,
        };
        match crate::service::visits::record_in(
            tx,
            &visit,
            record,
            today,
            settings.records.lock_after_days,
        )
        .await
        {
            Ok(()) => {}
            Err(ServiceError::Invalid(problems)) => {
                for problem in problems {
                    let column = if problem.field == "visit" {
                        "date"
                    } else {
                        problem.field
                    };
                    error(column, problem.reason);
                }
            }
            Err(ServiceError::Locked { what, reason }) => error(
                "reason",
                format!("{what} is locked ({reason}): give the reason in the reason column"),
            ),
            Err(ServiceError::Storage(e)) => return Err(e.into()),
            Err(other) => return Err(anyhow::Error::from(other).into()),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Invalid(errors))
    }
}

/// A plan must name a registered student and registered teachers.
async fn check_plan_references(
    tx: &mut Tx,
    inputs: &[records::PlanInput],
    errors: &mut Vec<CellError>,
) -> Result<(), ImportError> {
    let teacher_ids = people::registered_ids(tx, people::Registered::Teachers).await?;
    let student_ids = people::registered_ids(tx, people::Registered::Students).await?;
    for input in inputs {
        let mut missing = |column: &str, id: &str, what: &str| {
            errors.push(CellError {
                line: input.line,
                column: column.into(),
                reason: format!("no {what} {id} is registered (import the {what}s first)"),
            })
        };
        if !student_ids.contains(&input.student_id) {
            missing("student_id", &input.student_id, "student");
        }
        if !teacher_ids.contains(&input.terms.teacher_id) {
            missing("teacher_id", &input.terms.teacher_id, "teacher");
        }
        if let Some(backup) = &input.terms.backup_teacher_id
            && !teacher_ids.contains(backup)
        {
            missing("backup_teacher_id", backup, "teacher");
        }
    }
    Ok(())
}
