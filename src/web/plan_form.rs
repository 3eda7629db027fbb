//! Setting or revising a child's plan in the browser (`/students/{id}/plan`):
//! the one-plan rule and every other refusal shown next to its field.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{Extensions, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;

use super::App;
use super::flash::done_to;
use super::page::{SignedIn, UserBar, bar, failed, peer, render};
use super::words::{Words, words};
use crate::service::plans::{self, SetPlan};
use crate::service::registry::Teacher;
use crate::service::students::{self, ReadFrom};
use crate::service::{Actor, ServiceError, registry};

/// The form's fields, as shown and as sent.
#[derive(Deserialize, Default, Clone)]
pub struct PlanFields {
    #[serde(default)]
    teacher: String,
    #[serde(default)]
    backup: String,
    #[serde(default)]
    visits_per_week: String,
    #[serde(default)]
    periods_per_visit: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    goals: String,
    #[serde(default)]
    reason: String,
    /// The plan's revision the form was filled from (hidden).
    #[serde(default)]
    revision: String,
}

#[derive(Template)]
#[template(path = "web/plan_form.html")]
struct PlanPage {
    t: &'static Words,
    user: Option<UserBar>,
    student_id: String,
    student_name: String,
    revise: bool,
    teachers: Vec<Teacher>,
    fields: PlanFields,
    /// (field, reason): shown next to the field; "" for the form as a whole.
    problems: Vec<(String, String)>,
}

impl PlanPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, reason)| reason.as_str())
    }
}

async fn page(
    app: &App,
    actor: &Actor,
    student_id: &str,
    address: &str,
    sent: Option<PlanFields>,
    problems: Vec<(String, String)>,
) -> Response {
    let t = words(app.settings.locale);
    if !matches!(
        actor.role,
        crate::domain::access::Role::Coordinator | crate::domain::access::Role::Admin
    ) {
        let error = ServiceError::NotFound {
            what: "student",
            id: student_id.to_string(),
        };
        return failed(app, bar(actor), error);
    }
    let from = ReadFrom { address };
    let child = match students::student_page(
        &app.store,
        &app.settings,
        actor,
        app.now(),
        student_id,
        from,
    )
    .await
    {
        Ok(child) => child,
        Err(error) => return failed(app, bar(actor), error),
    };
    let teachers = match registry::teachers(&app.store, actor, None).await {
        Ok(teachers) => teachers,
        Err(error) => return failed(app, bar(actor), error),
    };
    let fields = sent.unwrap_or_else(|| match &child.plan {
        Some(plan) => {
            let terms = &plan.terms;
            PlanFields {
                teacher: terms.teacher_id.clone(),
                backup: terms.backup_teacher_id.clone().unwrap_or_default(),
                visits_per_week: terms.visits_per_week.to_string(),
                periods_per_visit: terms.periods_per_visit.to_string(),
                target: terms.annual_target.to_string(),
                start: terms.start_date.to_string(),
                end: terms.end_date.to_string(),
                goals: terms.goals.join("\n"),
                reason: String::new(),
                revision: plan.revision.to_string(),
            }
        }
        None => PlanFields::default(),
    });
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &PlanPage {
            t,
            user: bar(actor),
            student_id: child.student.student_id.clone(),
            student_name: child.student.name.clone(),
            revise: child.plan.is_some(),
            teachers,
            fields,
            problems,
        },
    )
}

pub async fn form(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(student_id): Path<String>,
    extensions: Extensions,
) -> Response {
    page(
        &app,
        &actor,
        &student_id,
        &peer(&extensions),
        None,
        Vec::new(),
    )
    .await
}

/// A number field: None when empty, the field's problem when not a number.
fn number(text: &str, field: &str, problems: &mut Vec<(String, String)>) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse().map_or_else(
        |_| {
            problems.push((field.into(), format!("`{text}` is not a whole number")));
            None
        },
        Some,
    )
}

fn day(text: &str, field: &str, problems: &mut Vec<(String, String)>) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_or_else(
        |_| {
            problems.push((
                field.into(),
                format!("`{text}` is not a date like 2026-09-01"),
            ));
            None
        },
        Some,
    )
}

pub async fn save(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Path(student_id): Path<String>,
    extensions: Extensions,
    Form(fields): Form<PlanFields>,
) -> Response {
    let address = peer(&extensions);
    let mut problems = Vec::new();
    let filled = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let input = SetPlan {
        student_id: student_id.clone(),
        year: None,
        revise: false,
        teacher: filled(&fields.teacher),
        backup: filled(&fields.backup),
        no_backup: fields.backup.trim().is_empty(),
        visits_per_week: number(&fields.visits_per_week, "visits_per_week", &mut problems),
        periods_per_visit: number(
            &fields.periods_per_visit,
            "periods_per_visit",
            &mut problems,
        ),
        target: number(&fields.target, "annual_target", &mut problems),
        start: day(&fields.start, "start_date", &mut problems),
        end: day(&fields.end, "end_date", &mut problems),
        goals: fields
            .goals
            .lines()
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(String::from)
            .collect(),
        reason: fields.reason.trim().to_string(),
        seen_revision: fields.revision.trim().parse().ok(),
    };
    if !problems.is_empty() {
        return page(&app, &actor, &student_id, &address, Some(fields), problems).await;
    }
    // A plan is revised when the child has one this year; else it is created.
    let existing =
        match plans::has_plan(&app.store, &app.settings, &actor, app.now(), &student_id).await {
            Ok(existing) => existing,
            Err(error) => return failed(&app, bar(&actor), error),
        };
    let input = SetPlan {
        revise: existing,
        ..input
    };
    if existing && input.reason.is_empty() {
        let t = words(app.settings.locale);
        let problems = vec![("reason".to_string(), t.board.reason_needed.to_string())];
        return page(&app, &actor, &student_id, &address, Some(fields), problems).await;
    }
    match plans::set_plan(&app.store, &app.settings, &actor, app.now(), input).await {
        Ok(_) => done_to(&format!("/students/{student_id}"), "saved", 1),
        Err(ServiceError::Invalid(found)) => {
            let chinese = app.settings.locale == crate::config::Locale::ZhCn;
            let problems = found
                .into_iter()
                .map(|p| (p.field, p.reason.say(chinese)))
                .collect();
            page(&app, &actor, &student_id, &address, Some(fields), problems).await
        }
        Err(ServiceError::NotFound {
            what: "teacher",
            id,
        }) => {
            let problems = vec![(
                "teacher_id".to_string(),
                format!("there is no teacher {id}"),
            )];
            page(&app, &actor, &student_id, &address, Some(fields), problems).await
        }
        // Revised by someone else meanwhile: the plan as it is now, to change again.
        Err(ServiceError::Stale { now, .. }) => {
            let t = words(app.settings.locale);
            let problems = vec![(String::new(), format!("{} {now}", t.board.plan_changed))];
            page(&app, &actor, &student_id, &address, None, problems).await
        }
        Err(error @ ServiceError::Conflict { .. }) => {
            let problems = vec![(String::new(), error.to_string())];
            page(&app, &actor, &student_id, &address, Some(fields), problems).await
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}
