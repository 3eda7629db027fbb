//! Imports in the browser (`/imports`): a sheet is checked first (the dry run:
//! rows new, updated and unchanged, columns not read, or every problem by line
//! and column, exactly as the command line reports them); nothing is written
//! until the coordinator confirms, and then all or nothing. The checked file
//! travels back with the confirmation (base64 in the form), so the server keeps
//! nothing between the two steps, and it is checked again when applied.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use serde::Deserialize;

use super::App;
use super::page::{SignedIn, UserBar, bar, failed, render};
use super::words::{Words, words};
use crate::config::Locale;
use crate::import::records::Kind;
use crate::service::imports::{self, ImportReport, Upload};
use crate::service::{Actor, Problem, ServiceError};

/// The largest sheet the page takes.
pub const MAX_SHEET_BYTES: usize = 20 * 1024 * 1024;

const KINDS: [(Kind, &str); 5] = [
    (Kind::Teachers, "teachers"),
    (Kind::Students, "students"),
    (Kind::Plans, "plans"),
    (Kind::Visits, "visits"),
    (Kind::Supervisors, "supervisors"),
];

fn kind_of(code: &str) -> Option<Kind> {
    KINDS.iter().find(|(_, c)| *c == code).map(|(k, _)| *k)
}

/// One refused cell as the page lists it.
struct ProblemLine {
    line: Option<usize>,
    field: String,
    reason: String,
}

impl ProblemLine {
    fn of(problem: Problem, chinese: bool) -> Self {
        let field = if chinese {
            crate::speech::Speech::chinese().header(&problem.field)
        } else {
            problem.field
        };
        ProblemLine {
            line: problem.line,
            field,
            reason: problem.reason.say(chinese),
        }
    }
}

/// What the page shows after a check or an import.
enum Outcome {
    Checked {
        report: ImportReport,
        /// The file, to send back with the confirmation.
        name: String,
        content: String,
        /// What the coordinator said with the sheet, sent back too.
        options: SheetOptions,
        /// Each changed record's line: `第 3 行 S0005 王浩`, its changes.
        changes: Vec<(String, Vec<String>)>,
    },
    Imported(ImportReport),
    /// Each problem's line, field and reason, in the page's language.
    Refused(Vec<ProblemLine>),
}

#[derive(Template)]
#[template(path = "web/imports.html")]
struct ImportsPage {
    t: &'static Words,
    user: Option<UserBar>,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    outcome: Option<Outcome>,
}

fn page(app: &App, actor: &Actor, kind: &str, outcome: Option<Outcome>) -> Response {
    let t = words(app.settings.locale);
    let status = match &outcome {
        Some(Outcome::Refused(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    render(
        status,
        &ImportsPage {
            t,
            user: bar(actor),
            kinds: KINDS
                .iter()
                .zip(t.board.import_kinds)
                .map(|((_, code), label)| (*code, label))
                .collect(),
            kind: kind.to_string(),
            outcome,
        },
    )
}

async fn signed_importer(app: &App, signed: SignedIn) -> Result<Actor, Response> {
    let actor = signed.actor;
    if !imports::may_import(&actor) {
        return Err(failed(
            app,
            bar(&actor),
            ServiceError::Forbidden("imports are the district's coordinators'".into()),
        ));
    }
    Ok(actor)
}

pub async fn show(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    match signed_importer(&app, signed).await {
        Ok(actor) => page(&app, &actor, "students", None),
        Err(response) => response,
    }
}

/// What the coordinator says with a sheet: why the plans it revises change,
/// which column a header of their own means (`可上门时间=可上门时段`, one a line),
/// and whether records on days no visit should happen are kept (marked).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SheetOptions {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    columns: String,
    #[serde(default)]
    allow_off_days: String,
}

impl SheetOptions {
    fn confirmed(&self) -> Vec<(String, String)> {
        self.columns
            .lines()
            .filter_map(|line| line.split_once(['=', '＝']))
            .map(|(said, meant)| (said.trim().to_string(), meant.trim().to_string()))
            .filter(|(said, meant)| !said.is_empty() && !meant.is_empty())
            .collect()
    }

    fn allows_off_days(&self) -> bool {
        !self.allow_off_days.is_empty()
    }
}

async fn run(
    app: &App,
    actor: &Actor,
    kind: Kind,
    (name, bytes): (&str, &[u8]),
    options: &SheetOptions,
    dry_run: bool,
) -> Result<ImportReport, Response> {
    let confirmed = options.confirmed();
    let upload = Upload {
        reason: Some(options.reason.trim()).filter(|r| !r.is_empty()),
        confirmed: &confirmed,
        allow_off_days: options.allows_off_days(),
        ..Upload::new(name, bytes)
    };
    match imports::import(
        &app.store,
        &app.settings,
        actor,
        app.now(),
        kind,
        upload,
        dry_run,
    )
    .await
    {
        Ok(report) => Ok(report),
        Err(ServiceError::Invalid(problems)) => Err(page(
            app,
            actor,
            KINDS
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or("", |(_, c)| c),
            Some(Outcome::Refused(
                problems
                    .into_iter()
                    .map(|p| ProblemLine::of(p, app.settings.locale == Locale::ZhCn))
                    .collect(),
            )),
        )),
        Err(error) => Err(failed(app, bar(actor), error)),
    }
}

/// A sheet's template to fill in (`/imports/template/students.xlsx`).
pub async fn template(
    State(app): State<Arc<App>>,
    axum::extract::Path(file): axum::extract::Path<String>,
    signed: SignedIn,
) -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let actor = match signed_importer(&app, signed).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let Some(kind) = file.strip_suffix(".xlsx").and_then(kind_of) else {
        return failed(
            &app,
            bar(&actor),
            ServiceError::NotFound {
                what: "template",
                id: file,
            },
        );
    };
    match crate::reports::xlsx::import_template(kind) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (header::CONTENT_DISPOSITION, super::attachment(&file)),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "a template did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The first step: the sheet checked, nothing written.
pub async fn check(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    mut multipart: Multipart,
) -> Response {
    let actor = match signed_importer(&app, signed).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let (mut kind, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    let mut options = SheetOptions::default();
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            Some("reason") => options.reason = field.text().await.unwrap_or_default(),
            Some("columns") => options.columns = field.text().await.unwrap_or_default(),
            Some("allow_off_days") => {
                options.allow_off_days = field.text().await.unwrap_or_default()
            }
            Some("file") => {
                name = field.file_name().unwrap_or("sheet.csv").to_string();
                bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            }
            _ => {}
        }
    }
    let Some(chosen) = kind_of(&kind) else {
        return page(&app, &actor, "students", None);
    };
    match run(&app, &actor, chosen, (&name, &bytes), &options, true).await {
        Ok(report) => {
            let content = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let changes = changes_by_row(&app, &report);
            let mut report = report;
            if app.settings.locale == Locale::ZhCn {
                report.notes = std::mem::take(&mut report.notes_zh);
            }
            page(
                &app,
                &actor,
                &kind,
                Some(Outcome::Checked {
                    report,
                    name,
                    content,
                    options,
                    changes,
                }),
            )
        }
        Err(response) => response,
    }
}

/// The changes of a check, a row's fields together, in the district's words.
fn changes_by_row(app: &App, report: &ImportReport) -> Vec<(String, Vec<String>)> {
    let chinese = app.settings.locale == Locale::ZhCn;
    let speech = crate::speech::Speech::in_language(&app.settings, chinese);
    let mut rows: Vec<(usize, String, Vec<String>)> = Vec::new();
    for change in &report.changes {
        match rows.last_mut() {
            Some((line, _, fields)) if *line == change.line => fields.push(change.text(&speech)),
            _ => rows.push((
                change.line,
                change.record.clone(),
                vec![change.text(&speech)],
            )),
        }
    }
    rows.into_iter()
        .map(|(line, record, fields)| {
            let row = if chinese {
                format!("第 {line} 行 {record}")
            } else {
                format!("line {line} {record}")
            };
            (row, fields)
        })
        .collect()
}

#[derive(Deserialize)]
pub struct Confirmed {
    kind: String,
    name: String,
    content: String,
    #[serde(flatten)]
    options: SheetOptions,
}

/// The second step: the same sheet, checked again and written, all or nothing.
pub async fn apply(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Form(form): Form<Confirmed>,
) -> Response {
    let actor = match signed_importer(&app, signed).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let (Some(kind), Ok(bytes)) = (
        kind_of(&form.kind),
        base64::engine::general_purpose::STANDARD.decode(form.content.as_bytes()),
    ) else {
        return page(&app, &actor, "students", None);
    };
    match run(
        &app,
        &actor,
        kind,
        (&form.name, &bytes),
        &form.options,
        false,
    )
    .await
    {
        Ok(report) => page(&app, &actor, &form.kind, Some(Outcome::Imported(report))),
        Err(response) => response,
    }
}
