//! Editing a child's and a teacher's details in the browser (`/students/{id}/edit`,
//! `/teachers/{id}/edit`), availability as a week of half-days to tap; and the
//! teachers' list with search. The rules are the spreadsheet's: a form is read
//! as a row of the sheet, and a refusal is shown next to its field.

use std::collections::BTreeSet;
use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Weekday;
use serde::Deserialize;

use super::App;
use super::flash::done_to;
use super::page::{SignedIn, UserBar, bar, failed, render};
use super::words::{Words, words};
use crate::domain::slot::format_weekly_slots;
use crate::domain::student::{Disability, Gender, StudentStatus};
use crate::service::registry::{self, Changes};
use crate::service::registry::{Absence, Teacher};
use crate::service::{Actor, ServiceError};

/// How a field is typed in.
pub enum Input {
    Text,
    Date,
    /// (value, label) choices; "" for none.
    Choice(Vec<(String, String)>),
}

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub input: Input,
    pub problem: Option<String>,
}

#[derive(Template)]
#[template(path = "web/person_form.html")]
struct PersonPage {
    t: &'static Words,
    user: Option<UserBar>,
    title: String,
    back: String,
    action: String,
    fields: Vec<Field>,
    /// The half-days of the week: (weekday label, [(value like Mon-AM, slot label)]).
    grid: Vec<(&'static str, Vec<(String, String)>)>,
    available: BTreeSet<String>,
    available_problem: Option<String>,
    problem: Option<String>,
    /// The person's pauses (a child) or approved leave (a teacher), with a
    /// leave's half-days in words (empty: whole days).
    absences: Vec<(Absence, String)>,
    /// A teacher's leave form: whole days or a half (empty for a child).
    half_days: Vec<(String, String)>,
    absences_title: &'static str,
    /// Where the absences' forms post: `/students/S001/pauses`.
    absence_base: String,
}

impl PersonPage {
    fn ticked(&self, half_day: &str) -> bool {
        self.available.contains(half_day)
    }
}

/// The week's half-days to tap, Monday to Friday.
fn week_grid(app: &App, t: &'static Words) -> Vec<(&'static str, Vec<(String, String)>)> {
    let Ok(slots) = app.settings.slot_table() else {
        return Vec::new();
    };
    let chinese = t.lang == "zh-CN";
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .into_iter()
    .map(|day| {
        let code = day.to_string();
        let cells = slots
            .names()
            .into_iter()
            .map(|slot| (format!("{code}-{slot}"), slots.label(slot, chinese)))
            .collect();
        (t.weekdays[day.num_days_from_monday() as usize], cells)
    })
    .collect()
}

fn choices<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> Vec<(String, String)> {
    std::iter::once((String::new(), "—".to_string()))
        .chain(all.iter().map(|v| (code(*v).to_string(), label(*v))))
        .collect()
}

fn student_fields(t: &'static Words, values: &Changes) -> Vec<Field> {
    let b = t.board;
    let value = |name: &str| values.get(name).cloned().unwrap_or_default();
    let field = |name: &'static str, label: &'static str, input: Input| Field {
        name,
        label,
        value: value(name),
        input,
        problem: None,
    };
    vec![
        field("name", b.student_name, Input::Text),
        field("school", t.school, Input::Text),
        field(
            "gender",
            b.gender,
            Input::Choice(choices(Gender::ALL, Gender::code, |g| {
                b.genders[usize::from(g == Gender::Male)].to_string()
            })),
        ),
        field("birth_date", b.birth_date, Input::Date),
        field(
            "disability",
            t.disability,
            Input::Choice(choices(Disability::ALL, Disability::code, |d| {
                t.disability(&d).to_string()
            })),
        ),
        field("guardian_name", t.guardian, Input::Text),
        field("guardian_phone", t.phone, Input::Text),
        field("address", t.address, Input::Text),
        field(
            "status",
            b.student_status,
            Input::Choice(
                StudentStatus::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.code().to_string(), b.student_statuses[i].to_string()))
                    .collect(),
            ),
        ),
    ]
}

fn teacher_fields(t: &'static Words, values: &Changes) -> Vec<Field> {
    let b = t.board;
    let value = |name: &str| values.get(name).cloned().unwrap_or_default();
    let field = |name: &'static str, label: &'static str| Field {
        name,
        label,
        value: value(name),
        input: Input::Text,
        problem: None,
    };
    vec![
        field("name", b.student_name),
        field("email", t.email),
        field("phone", t.phone),
        field("school", t.school),
        field("max_visits_per_day", b.max_per_day),
    ]
}

/// A person's stored details as the form's text, and their absences, for an
/// actor who keeps their school.
async fn stored(
    app: &App,
    actor: &Actor,
    kind: Kind,
    id: &str,
) -> Result<(Changes, Vec<Absence>), ServiceError> {
    let mut values = Changes::new();
    let absences;
    match kind {
        Kind::Student => {
            let year = crate::domain::calendar::SchoolYear::containing(
                app.now()
                    .with_timezone(&app.settings.time_zone)
                    .date_naive(),
            );
            let detail = registry::student(&app.store, actor, id, year).await?;
            absences = detail.pauses;
            let s = detail.student;
            values.insert("name", s.name);
            values.insert("school", s.school);
            values.insert(
                "gender",
                s.gender.map(|g| g.code().to_string()).unwrap_or_default(),
            );
            values.insert(
                "birth_date",
                s.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            );
            values.insert(
                "disability",
                s.disability
                    .map(|d| d.code().to_string())
                    .unwrap_or_default(),
            );
            values.insert("guardian_name", s.guardian_name.unwrap_or_default());
            values.insert("guardian_phone", s.guardian_phone.unwrap_or_default());
            values.insert("address", s.address.unwrap_or_default());
            values.insert("status", s.status.code().to_string());
            values.insert("available", format_weekly_slots(&s.available));
        }
        Kind::Teacher => {
            let detail = registry::teacher(&app.store, actor, id).await?;
            absences = detail.leave;
            let t: Teacher = detail.teacher;
            values.insert("name", t.name);
            values.insert("email", t.email.unwrap_or_default());
            values.insert("phone", t.phone.unwrap_or_default());
            values.insert("school", t.school);
            values.insert(
                "max_visits_per_day",
                t.max_visits_per_day
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            );
            values.insert("available", format_weekly_slots(&t.available));
        }
    }
    Ok((values, absences))
}

use crate::service::registry::PersonKind as Kind;

fn page(
    app: &App,
    actor: &Actor,
    kind: Kind,
    id: &str,
    (values, absences): (&Changes, Vec<Absence>),
    problems: Vec<(String, String)>,
) -> Response {
    let t = words(app.settings.locale);
    let (absences_title, absence_base) = match kind {
        Kind::Student => (t.board.pauses_title, format!("/students/{id}/pauses")),
        Kind::Teacher => (t.board.leave_title, format!("/teachers/{id}/leave")),
    };
    // Named as people know them: by name (the id only while it has none).
    let known = values
        .get("name")
        .filter(|n| !n.is_empty())
        .map_or(id, String::as_str);
    let (mut fields, title, back, action) = match kind {
        Kind::Student => (
            student_fields(t, values),
            format!("{} · {known}", t.board.edit_student),
            format!("/students/{id}"),
            format!("/students/{id}/edit"),
        ),
        Kind::Teacher => (
            teacher_fields(t, values),
            format!("{} · {known}", t.board.edit_teacher),
            "/teachers".to_string(),
            format!("/teachers/{id}/edit"),
        ),
    };
    let (problem, available_problem, status) = place(&mut fields, problems);
    let available = values
        .get("available")
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    render(
        status,
        &PersonPage {
            t,
            user: bar(actor),
            title,
            back,
            action,
            fields,
            grid: week_grid(app, t),
            available,
            available_problem,
            problem,
            absences: absences
                .into_iter()
                .map(|a| {
                    let half_days = super::leave::half_days_words(app, t, &a.slots);
                    (a, half_days)
                })
                .collect(),
            half_days: match kind {
                Kind::Teacher => super::leave::half_day_choices(app, t),
                Kind::Student => Vec::new(),
            },
            absences_title,
            absence_base,
        },
    )
}

/// Each problem's field and its reason in the page's language.
fn in_words(app: &App, problems: Vec<crate::service::Problem>) -> Vec<(String, String)> {
    problems
        .into_iter()
        .map(|p| {
            (
                p.field,
                super::words::reason(app.settings.locale, &p.reason),
            )
        })
        .collect()
}

/// Each refusal by its field (the half-days' apart, the rest above the form),
/// and the answer's status.
fn place(
    fields: &mut [Field],
    problems: Vec<(String, String)>,
) -> (Option<String>, Option<String>, StatusCode) {
    let (mut problem, mut available_problem, mut any) = (None, None, false);
    for (field, reason) in problems {
        any = true;
        match fields.iter_mut().find(|f| f.name == field) {
            Some(f) => f.problem = Some(reason),
            None if field == "available" => available_problem = Some(reason),
            None => problem = Some(reason),
        }
    }
    let status = if any {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (problem, available_problem, status)
}

/// A form for a new person: their id first, the rest empty.
fn new_page(
    app: &App,
    actor: &Actor,
    kind: Kind,
    values: &Changes,
    problems: Vec<(String, String)>,
) -> Response {
    let t = words(app.settings.locale);
    let (id_field, id_label, mut fields, title, back, action) = match kind {
        Kind::Student => (
            "student_id",
            t.board.student_id,
            student_fields(t, values),
            t.board.new_student,
            "/students",
            "/students/new",
        ),
        Kind::Teacher => (
            "teacher_id",
            t.board.teacher_id,
            teacher_fields(t, values),
            t.board.new_teacher,
            "/teachers",
            "/teachers/new",
        ),
    };
    fields.insert(
        0,
        Field {
            name: id_field,
            label: id_label,
            value: values.get(id_field).cloned().unwrap_or_default(),
            input: Input::Text,
            problem: None,
        },
    );
    let (problem, available_problem, status) = place(&mut fields, problems);
    render(
        status,
        &PersonPage {
            t,
            user: bar(actor),
            title: title.to_string(),
            back: back.to_string(),
            action: action.to_string(),
            fields,
            grid: week_grid(app, t),
            available: values
                .get("available")
                .map(|a| a.split_whitespace().map(String::from).collect())
                .unwrap_or_default(),
            available_problem,
            problem,
            absences: Vec::new(),
            half_days: Vec::new(),
            absences_title: "",
            absence_base: String::new(),
        },
    )
}

async fn new_form(app: Arc<App>, signed: SignedIn, kind: Kind) -> Response {
    let _here = match kind {
        Kind::Student => "/students/new",
        Kind::Teacher => "/teachers/new",
    };
    let actor = signed.actor;
    if !matches!(
        actor.role,
        crate::domain::access::Role::Coordinator | crate::domain::access::Role::Admin
    ) {
        return failed(
            &app,
            bar(&actor),
            ServiceError::Forbidden("registers are the coordinators'".into()),
        );
    }
    new_page(&app, &actor, kind, &Changes::new(), Vec::new())
}

async fn register(app: Arc<App>, signed: SignedIn, kind: Kind, body: Bytes) -> Response {
    let _here = match kind {
        Kind::Student => "/students/new",
        Kind::Teacher => "/teachers/new",
    };
    let actor = signed.actor;
    let names: &[&'static str] = match kind {
        Kind::Student => &[
            "student_id",
            "name",
            "school",
            "gender",
            "birth_date",
            "disability",
            "guardian_name",
            "guardian_phone",
            "address",
            "status",
        ],
        Kind::Teacher => &[
            "teacher_id",
            "name",
            "email",
            "phone",
            "school",
            "max_visits_per_day",
        ],
    };
    let changes = changes_from(&body, names);
    match registry::register_from_form(&app.store, &app.settings, &actor, app.now(), kind, &changes)
        .await
    {
        Ok(id) => match kind {
            Kind::Student => done_to(&format!("/students/{id}"), "saved", 1),
            Kind::Teacher => done_to("/teachers", "saved", 1),
        },
        Err(ServiceError::Invalid(problems)) => {
            let problems = in_words(&app, problems);
            new_page(&app, &actor, kind, &changes, problems)
        }
        Err(error @ ServiceError::Conflict { .. }) => new_page(
            &app,
            &actor,
            kind,
            &changes,
            vec![(String::new(), error.to_string())],
        ),
        Err(error) => failed(&app, bar(&actor), error),
    }
}

pub async fn new_student(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    new_form(app, signed, Kind::Student).await
}

pub async fn register_student(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    body: Bytes,
) -> Response {
    register(app, signed, Kind::Student, body).await
}

pub async fn new_teacher(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    new_form(app, signed, Kind::Teacher).await
}

pub async fn register_teacher(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    body: Bytes,
) -> Response {
    register(app, signed, Kind::Teacher, body).await
}

/// After a pause or leave was refused: its dates were not in order.
#[derive(Deserialize)]
pub struct FormQuery {
    absence_problem: Option<String>,
}

async fn show(
    app: Arc<App>,
    signed: SignedIn,
    kind: Kind,
    id: String,
    query: FormQuery,
) -> Response {
    let _here = match kind {
        Kind::Student => format!("/students/{id}/edit"),
        Kind::Teacher => format!("/teachers/{id}/edit"),
    };
    let actor = signed.actor;
    match stored(&app, &actor, kind, &id).await {
        Ok((values, absences)) => {
            let problems = query
                .absence_problem
                .map(|_| {
                    (
                        String::new(),
                        words(app.settings.locale)
                            .record
                            .leave_dates_rule
                            .to_string(),
                    )
                })
                .into_iter()
                .collect();
            page(&app, &actor, kind, &id, (&values, absences), problems)
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

/// The form's fields as changes: every field given, the half-days ticked.
fn changes_from(body: &[u8], names: &[&'static str]) -> Changes {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut changes = Changes::new();
    for name in names {
        if let Some((_, value)) = pairs.iter().find(|(k, _)| k == name) {
            changes.insert(name, value.trim().to_string());
        }
    }
    let ticked: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "available")
        .map(|(_, v)| v.as_str())
        .collect();
    changes.insert("available", ticked.join(" "));
    changes
}

async fn save(app: Arc<App>, signed: SignedIn, kind: Kind, id: String, body: Bytes) -> Response {
    let _here = match kind {
        Kind::Student => format!("/students/{id}/edit"),
        Kind::Teacher => format!("/teachers/{id}/edit"),
    };
    let actor = signed.actor;
    let now = app.now();
    let (result, changes, done) = match kind {
        Kind::Student => {
            let names = [
                "name",
                "school",
                "gender",
                "birth_date",
                "disability",
                "guardian_name",
                "guardian_phone",
                "address",
                "status",
            ];
            let changes = changes_from(&body, &names);
            let result =
                registry::edit_student(&app.store, &app.settings, &actor, now, &id, &changes)
                    .await
                    .map(|_| ());
            (result, changes, format!("/students/{id}"))
        }
        Kind::Teacher => {
            let names = ["name", "email", "phone", "school", "max_visits_per_day"];
            let changes = changes_from(&body, &names);
            let result =
                registry::edit_teacher(&app.store, &app.settings, &actor, now, &id, &changes)
                    .await
                    .map(|_| ());
            (result, changes, "/teachers".to_string())
        }
    };
    match result {
        Ok(()) => done_to(&done, "saved", 1),
        Err(ServiceError::Invalid(problems)) => {
            let problems = in_words(&app, problems);
            let absences = stored(&app, &actor, kind, &id)
                .await
                .map(|(_, a)| a)
                .unwrap_or_default();
            page(&app, &actor, kind, &id, (&changes, absences), problems)
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

pub async fn student_form(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<FormQuery>,
    signed: SignedIn,
) -> Response {
    show(app, signed, Kind::Student, id, query).await
}

pub async fn student_save(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    signed: SignedIn,
    body: Bytes,
) -> Response {
    save(app, signed, Kind::Student, id, body).await
}

pub async fn teacher_form(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<FormQuery>,
    signed: SignedIn,
) -> Response {
    show(app, signed, Kind::Teacher, id, query).await
}

pub async fn teacher_save(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    signed: SignedIn,
    body: Bytes,
) -> Response {
    save(app, signed, Kind::Teacher, id, body).await
}

#[derive(Template)]
#[template(path = "web/teachers.html")]
struct TeachersPage {
    t: &'static Words,
    user: Option<UserBar>,
    teachers: Vec<crate::service::teacher_loads::TeacherLoad>,
    total: usize,
    q: String,
    may_edit: bool,
    /// The term so far, delivered against expected, as SVG.
    trend: String,
}

#[derive(Deserialize)]
pub struct TeacherSearch {
    #[serde(default)]
    q: String,
}

/// The teachers of the schools one may see, searched by name, id or school.
pub async fn teachers(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(search): Query<TeacherSearch>,
) -> Response {
    // The register says who may see whom (a teacher is refused here).
    if let Err(error) = registry::teachers(&app.store, &actor, None).await {
        return failed(&app, bar(&actor), error);
    }
    let loads =
        match crate::service::teacher_loads::loads(&app.store, &app.settings, &actor, app.now())
            .await
        {
            Ok(loads) => loads,
            Err(error) => return failed(&app, bar(&actor), error),
        };
    let total = loads.teachers.len();
    let q = search.q.trim().to_lowercase();
    let teachers = loads
        .teachers
        .into_iter()
        .filter(|t| {
            q.is_empty()
                || t.name.to_lowercase().contains(&q)
                || t.teacher_id.to_lowercase().contains(&q)
                || t.school.to_lowercase().contains(&q)
        })
        .collect();
    let t = words(app.settings.locale);
    let trend = super::chart::pace_svg(
        &crate::service::students::PaceChart {
            weeks: loads.trend,
            target: loads.term_expected,
            projected: None,
        },
        t,
    );
    render(
        StatusCode::OK,
        &TeachersPage {
            t,
            user: bar(&actor),
            teachers,
            total,
            q: search.q,
            may_edit: actor.role.keeps_registers(),
            trend,
        },
    )
}
