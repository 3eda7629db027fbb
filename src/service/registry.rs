//! Who is in the district: teachers, students, their leave and pauses, and the
//! supervisors told when a child falls behind. The doors parse what people type
//! (flags, forms, sheet rows) with `import::records`; these functions check the
//! rest and write, each in its own transaction with its audit rows.

use crate::reason::{AbsenceLine, Reason};
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::people::StudentRecord;
use super::{Actor, Problem, ServiceError};
use crate::config::Settings;
use crate::domain::calendar::SchoolYear;
use crate::domain::leave::Away;
use crate::domain::slot::{WeeklySlot, format_weekly_slots};
use crate::domain::student::{StudentStatus, check_email};
use crate::import::records::{self, CellError, Fields};
use crate::store::alerts::{self, Robots, Supervisor};
use crate::store::people::{self, Student};
use crate::store::{Store, plans};

pub use crate::store::people::{Absence, AbsenceKind, Teacher};

fn not_found(what: &'static str, id: &str) -> ServiceError {
    ServiceError::NotFound {
        what,
        id: id.to_string(),
    }
}

/// Registers a new teacher; one already registered is a conflict (their details
/// change through a sheet row with the same id).
pub async fn register_teacher(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    teacher: &Teacher,
) -> Result<(), ServiceError> {
    require_keeper(actor)?;
    kept_school(actor, &teacher.school)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    if people::teacher(&mut tx, &teacher.teacher_id)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(Reason::AlreadyRegistered {
            what: "teacher",
            id: teacher.teacher_id.clone(),
        }));
    }
    people::save_teachers(&mut tx, std::slice::from_ref(teacher), &HashMap::new()).await?;
    tx.commit().await?;
    Ok(())
}

/// Registers a new student; one already registered is a conflict.
pub async fn register_student(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    student: &Student,
) -> Result<(), ServiceError> {
    require_keeper(actor)?;
    kept_school(actor, &student.school)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    if people::student(&mut tx, &student.student_id)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(Reason::AlreadyRegistered {
            what: "student",
            id: student.student_id.clone(),
        }));
    }
    people::save_students(&mut tx, std::slice::from_ref(student), &HashMap::new()).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes to a registered person, as text by column name (`guardian_phone`,
/// `available`, …), the way a form or flags give them; each column given replaces
/// the stored value, an empty one clears it. Checked by the sheet's rules.
pub type Changes = BTreeMap<&'static str, String>;

/// Turns cell errors into the service's problems.
fn invalid(errors: Vec<CellError>) -> ServiceError {
    ServiceError::Invalid(
        errors
            .into_iter()
            .map(|e| Problem::new(e.column, e.reason))
            .collect(),
    )
}

/// Applies `changes` over `stored` (both as text by column) and reads the result
/// with the sheet's rules for that kind of row.
fn merged<T>(
    stored: Vec<(&'static str, String)>,
    changes: &Changes,
    read: impl FnOnce(&mut Fields<'_>) -> Option<T>,
) -> Result<T, ServiceError> {
    let mut text: HashMap<&'static str, String> = stored.into_iter().collect();
    text.extend(
        changes
            .iter()
            .map(|(column, value)| (*column, value.clone())),
    );
    let values = text
        .iter()
        .map(|(column, value)| (*column, value.as_str()))
        .collect();
    let mut fields = Fields::new(0, values);
    let read = read(&mut fields);
    read.ok_or_else(|| invalid(fields.errors))
}

/// A registered teacher as the cells of a sheet would hold it.
pub(super) fn teacher_as_text(stored: &Teacher) -> Vec<(&'static str, String)> {
    vec![
        ("teacher_id", stored.teacher_id.clone()),
        ("name", stored.name.clone()),
        ("email", stored.email.clone().unwrap_or_default()),
        ("phone", stored.phone.clone().unwrap_or_default()),
        ("school", stored.school.clone()),
        ("available", format_weekly_slots(&stored.available)),
        (
            "max_visits_per_day",
            stored
                .max_visits_per_day
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ),
    ]
}

/// A registered student as the cells of a sheet would hold it.
pub(super) fn student_as_text(stored: &Student) -> Vec<(&'static str, String)> {
    let text_of = |value: Option<String>| value.unwrap_or_default();
    vec![
        ("student_id", stored.student_id.clone()),
        ("name", stored.name.clone()),
        ("school", stored.school.clone()),
        ("gender", text_of(stored.gender.map(|g| g.code().into()))),
        (
            "birth_date",
            text_of(stored.birth_date.map(|d| d.to_string())),
        ),
        (
            "disability",
            text_of(stored.disability.map(|d| d.code().into())),
        ),
        (
            "disability_grade",
            text_of(stored.disability_grade.map(|g| g.to_string())),
        ),
        ("diagnosis", text_of(stored.diagnosis.clone())),
        ("guardian_name", text_of(stored.guardian_name.clone())),
        ("guardian_phone", text_of(stored.guardian_phone.clone())),
        ("address", text_of(stored.address.clone())),
        ("available", format_weekly_slots(&stored.available)),
        ("status", stored.status.code().into()),
    ]
}

/// Changes a registered teacher's details (an id cannot change).
pub async fn edit_teacher(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    teacher_id: &str,
    changes: &Changes,
) -> Result<Teacher, ServiceError> {
    if changes.contains_key("teacher_id") {
        return Err(ServiceError::invalid(
            "teacher_id",
            Reason::IdCannotChange { what: "teacher" },
        ));
    }
    require_keeper(actor)?;
    let slots = settings.slot_table().map_err(ServiceError::Settings)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let stored = people::teacher(&mut tx, teacher_id)
        .await?
        .filter(|t| actor.keeps_school(&t.school))
        .ok_or_else(|| not_found("teacher", teacher_id))?;
    check_school(actor, changes)?;
    let teacher = merged(teacher_as_text(&stored), changes, |fields| {
        records::teacher(fields, &slots)
    })?;
    let existing = HashMap::from([(stored.teacher_id.clone(), stored)]);
    people::save_teachers(&mut tx, std::slice::from_ref(&teacher), &existing).await?;
    tx.commit().await?;
    Ok(teacher)
}

/// Guardians' phones stored before they were normalised (`138 0931 5566`) as
/// an import keeps them now (`13809315566`): how many changed, and the students
/// whose phone is not one, left as they are for a person to correct.
pub async fn normalise_phones(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(usize, Vec<String>), ServiceError> {
    let mut tx = store.write(&actor.audit(), now).await?;
    let students = people::students(&mut tx, None).await?;
    let mut normalised = Vec::new();
    let mut unreadable = Vec::new();
    for student in &students {
        let Some(phone) = &student.guardian_phone else {
            continue;
        };
        match crate::domain::student::check_phone(phone) {
            Ok(number) if &number != phone => normalised.push(Student {
                guardian_phone: Some(number),
                ..student.clone()
            }),
            Ok(_) => {}
            Err(_) => unreadable.push(student.student_id.clone()),
        }
    }
    let existing: HashMap<String, Student> = students
        .into_iter()
        .map(|s| (s.student_id.clone(), s))
        .collect();
    people::save_students(&mut tx, &normalised, &existing).await?;
    tx.commit().await?;
    Ok((normalised.len(), unreadable))
}

/// Changes a registered student's details (an id cannot change); the audit row
/// names the fields that changed, never their personal values.
pub async fn edit_student(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    student_id: &str,
    changes: &Changes,
) -> Result<Student, ServiceError> {
    if changes.contains_key("student_id") {
        return Err(ServiceError::invalid(
            "student_id",
            Reason::IdCannotChange { what: "student" },
        ));
    }
    require_keeper(actor)?;
    let slots = settings.slot_table().map_err(ServiceError::Settings)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let stored = people::student(&mut tx, student_id)
        .await?
        .filter(|s| actor.keeps_school(&s.school))
        .ok_or_else(|| not_found("student", student_id))?;
    check_school(actor, changes)?;
    let student = merged(student_as_text(&stored), changes, |fields| {
        records::student(fields, &slots)
    })?;
    let existing = HashMap::from([(stored.student_id.clone(), stored)]);
    people::save_students(&mut tx, std::slice::from_ref(&student), &existing).await?;
    tx.commit().await?;
    Ok(student)
}

/// A child or a teacher, for what applies to both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonKind {
    Student,
    Teacher,
}

/// Registers a new child or teacher from a form's fields (read as a sheet's
/// row), in a school the actor keeps.
pub async fn register_from_form(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: PersonKind,
    changes: &Changes,
) -> Result<String, ServiceError> {
    // Refused before the fields are read; the school is checked where it is saved.
    require_keeper(actor)?;
    check_school(actor, changes)?;
    let slots = settings.slot_table().map_err(ServiceError::Settings)?;
    match kind {
        PersonKind::Student => {
            let student = merged(Vec::new(), changes, |fields| {
                records::student(fields, &slots)
            })?;
            register_student(store, actor, now, &student).await?;
            Ok(student.student_id)
        }
        PersonKind::Teacher => {
            let teacher = merged(Vec::new(), changes, |fields| {
                records::teacher(fields, &slots)
            })?;
            register_teacher(store, actor, now, &teacher).await?;
            Ok(teacher.teacher_id)
        }
    }
}

/// The registers are kept by coordinators and admins; other roles are refused
/// as such, before anything is looked up.
fn require_keeper(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role.keeps_registers() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "children and teachers are registered by coordinators and admins".into(),
        ))
    }
}

/// Whether the actor keeps the person's school; else not found, as for a
/// person who does not exist.
async fn kept_person(
    tx: &mut crate::store::Tx,
    actor: &Actor,
    kind: PersonKind,
    person: &str,
) -> Result<(), ServiceError> {
    let school = match kind {
        PersonKind::Teacher => people::teacher(tx, person).await?.map(|t| t.school),
        PersonKind::Student => people::student(tx, person).await?.map(|s| s.school),
    };
    match school {
        Some(school) if actor.keeps_school(&school) => Ok(()),
        _ => Err(match kind {
            PersonKind::Teacher => not_found("teacher", person),
            PersonKind::Student => not_found("student", person),
        }),
    }
}

/// A school a form names must be one the actor keeps.
fn check_school(actor: &Actor, changes: &Changes) -> Result<(), ServiceError> {
    changes
        .get("school")
        .map_or(Ok(()), |school| kept_school(actor, school))
}

/// A person's school (none given is no school) must be one the actor keeps.
fn kept_school(actor: &Actor, school: &str) -> Result<(), ServiceError> {
    if school.is_empty() || actor.keeps_school(school) {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "school",
            Reason::NotYourSchool {
                school: school.to_string(),
            },
        ))
    }
}

/// The one school a register read is narrowed to, when one is asked for:
/// nothing when the actor does not see it.
fn schools_read(actor: &Actor, school: Option<&str>) -> Option<Vec<String>> {
    school.map(|school| {
        Some(school.to_string())
            .filter(|s| actor.sees_school(s))
            .into_iter()
            .collect()
    })
}

/// The actor's schools, or the one school asked for (`schools_read`).
fn which<'a>(actor: &'a Actor, asked: &'a Option<Vec<String>>) -> people::Which<'a> {
    asked
        .as_deref()
        .map_or(actor.schools_seen(), people::Which::OfSchools)
}

/// The registers are read by coordinators, admins and supervisors; a teacher
/// sees their own children through their plans, not the registers.
fn register_reader(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role == crate::domain::access::Role::Teacher {
        Err(ServiceError::Forbidden(
            "the registers of children and teachers".into(),
        ))
    } else {
        Ok(())
    }
}

impl From<AbsenceKind> for PersonKind {
    fn from(kind: AbsenceKind) -> Self {
        match kind {
            AbsenceKind::TeacherLeave => PersonKind::Teacher,
            AbsenceKind::StudentPause => PersonKind::Student,
        }
    }
}

/// One pause or leave of a person.
#[derive(Debug, Clone, Copy)]
pub struct AbsenceRef<'a> {
    pub kind: AbsenceKind,
    pub person: &'a str,
    pub id: i64,
}

/// Ends a running pause or leave with today as its last day, or removes one
/// entered by mistake.
pub async fn end_or_remove_absence(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    absence: AbsenceRef<'_>,
    remove: bool,
) -> Result<(), ServiceError> {
    let AbsenceRef { kind, person, id } = absence;
    require_keeper(actor)?;
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let mut tx = store.write(&actor.audit(), now).await?;
    kept_person(&mut tx, actor, kind.into(), person).await?;
    let done = if remove {
        people::remove_absence(&mut tx, kind, person, id).await?
    } else {
        people::end_absence(&mut tx, kind, person, id, today).await?
    };
    if !done {
        return Err(ServiceError::NotFound {
            what: "pause or leave still running",
            id: id.to_string(),
        });
    }
    tx.commit().await?;
    Ok(())
}

/// A teacher's leave or a student's pause: no visits from `from` to `to`, both
/// included (for leave, only in `slots` on those days when some are given).
#[derive(Debug, Clone)]
pub struct NewAbsence {
    pub kind: AbsenceKind,
    pub person_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Half-days of a leave; empty: whole days.
    pub slots: Vec<WeeklySlot>,
    pub reason: String,
}

impl NewAbsence {
    fn away(&self) -> Away {
        Away {
            from: self.from,
            to: self.to,
            slots: self.slots.clone(),
        }
    }
}

/// A form's or the API's half-day (`PM`, 下午) as the half-days of a leave:
/// that half of each of its days; empty: whole days.
pub fn half_days(
    settings: &Settings,
    (from, to): (NaiveDate, NaiveDate),
    half_day: &str,
) -> Result<Vec<WeeklySlot>, ServiceError> {
    let half_day = half_day.trim();
    if half_day.is_empty() {
        return Ok(Vec::new());
    }
    let table = settings.slot_table().map_err(ServiceError::Settings)?;
    let slot = table.resolve(half_day).ok_or_else(|| {
        ServiceError::invalid(
            "half_day",
            Reason::NotASlot {
                text: half_day.to_string(),
                slots: table.names().iter().map(ToString::to_string).collect(),
            },
        )
    })?;
    Ok(Away::each_day(from, to, &slot.name))
}

/// A stored leave or pause as planning counts it.
pub fn away(absence: &Absence) -> Away {
    Away {
        from: absence.start_date,
        to: absence.end_date,
        slots: absence.weekly_slots(),
    }
}

pub async fn add_absence(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    absence: &NewAbsence,
) -> Result<(), ServiceError> {
    require_keeper(actor)?;
    if absence.from > absence.to {
        return Err(ServiceError::invalid(
            "to",
            Reason::LastDayBeforeFirst {
                first: absence.from,
                last: absence.to,
            },
        ));
    }
    if absence.kind == AbsenceKind::StudentPause && !absence.slots.is_empty() {
        return Err(ServiceError::invalid("slot", Reason::PauseIsWholeDays));
    }
    absence
        .away()
        .check()
        .map_err(|(field, reason)| ServiceError::invalid(field, reason))?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let id = absence.person_id.as_str();
    kept_person(&mut tx, actor, absence.kind.into(), id).await?;
    // Two pauses (or leaves) over the same days would each have to be ended to
    // end the absence: refused, naming each one in the way by its number.
    let existing = match absence.kind {
        AbsenceKind::TeacherLeave => people::teacher_leaves(&mut tx, Some(id)).await?,
        AbsenceKind::StudentPause => people::student_pauses(&mut tx, Some(id)).await?,
    };
    let in_the_way: Vec<AbsenceLine> = existing
        .iter()
        .filter(|a| away(a).overlaps(&absence.away()))
        .map(|a| AbsenceLine {
            id: a.id,
            from: a.start_date,
            to: a.end_date,
            slots: a.weekly_slots(),
            why: a.reason.clone(),
        })
        .collect();
    if !in_the_way.is_empty() {
        return Err(ServiceError::invalid(
            "from",
            Reason::Overlaps {
                from: absence.from,
                to: absence.to,
                others: in_the_way,
            },
        ));
    }
    people::add_absence(
        &mut tx,
        absence.kind,
        id,
        (absence.from, absence.to),
        &absence.slots,
        &absence.reason,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everyone's name by id: teachers, then students (for tables that show names).
pub async fn names(
    store: &Store,
    actor: &Actor,
) -> Result<(HashMap<String, String>, HashMap<String, String>), ServiceError> {
    register_reader(actor)?;
    let schools = schools_read(actor, None);
    let mut tx = store.read().await?;
    let teachers = people::teachers(&mut tx, which(actor, &schools))
        .await?
        .into_iter()
        .map(|t| (t.teacher_id, t.name))
        .collect();
    let students = people::students(&mut tx, which(actor, &schools))
        .await?
        .into_iter()
        .map(|s| (s.student_id, s.name))
        .collect();
    tx.rollback().await?;
    Ok((teachers, students))
}

/// The teachers of the actor's schools (of `school` alone when given).
pub async fn teachers(
    store: &Store,
    actor: &Actor,
    school: Option<&str>,
) -> Result<Vec<Teacher>, ServiceError> {
    register_reader(actor)?;
    let schools = schools_read(actor, school);
    let mut tx = store.read().await?;
    let teachers = people::teachers(&mut tx, which(actor, &schools)).await?;
    tx.rollback().await?;
    Ok(teachers)
}

/// A teacher with their leave.
#[derive(Debug, Clone, Serialize)]
pub struct TeacherDetail {
    #[serde(flatten)]
    pub teacher: Teacher,
    pub leave: Vec<Absence>,
}

/// A teacher with their leave, for the coordinators of their school.
pub async fn teacher(
    store: &Store,
    actor: &Actor,
    teacher_id: &str,
) -> Result<TeacherDetail, ServiceError> {
    require_keeper(actor)?;
    let mut tx = store.read().await?;
    let teacher = people::teacher(&mut tx, teacher_id)
        .await?
        .filter(|t| actor.keeps_school(&t.school))
        .ok_or_else(|| not_found("teacher", teacher_id))?;
    let leave = people::teacher_leaves(&mut tx, Some(teacher_id)).await?;
    tx.rollback().await?;
    Ok(TeacherDetail { teacher, leave })
}

/// The children of the actor's schools (of `school` alone when given).
pub async fn students(
    store: &Store,
    actor: &Actor,
    school: Option<&str>,
    status: Option<StudentStatus>,
) -> Result<Vec<super::people::StudentRegisterRow>, ServiceError> {
    register_reader(actor)?;
    let schools = schools_read(actor, school);
    let mut tx = store.read().await?;
    let students = people::students(&mut tx, which(actor, &schools)).await?;
    tx.rollback().await?;
    Ok(students
        .iter()
        .filter(|s| status.is_none_or(|x| s.status == x))
        .map(super::people::StudentRegisterRow::from)
        .collect())
}

/// A student's record, pauses and the plan of a school year.
#[derive(Debug, Clone)]
pub struct StudentDetail {
    pub student: StudentRecord,
    pub pauses: Vec<Absence>,
    pub plan: Option<plans::Plan>,
}

/// A child's record, for the coordinators of their school.
pub async fn student(
    store: &Store,
    actor: &Actor,
    student_id: &str,
    year: SchoolYear,
) -> Result<StudentDetail, ServiceError> {
    require_keeper(actor)?;
    let mut tx = store.read().await?;
    let student = people::student(&mut tx, student_id)
        .await?
        .filter(|s| actor.keeps_school(&s.school))
        .ok_or_else(|| not_found("student", student_id))?;
    let pauses = people::student_pauses(&mut tx, Some(student_id)).await?;
    let plan = plans::active_plan(&mut tx, student_id, year).await?;
    tx.rollback().await?;
    Ok(StudentDetail {
        student: StudentRecord::from(&student),
        pauses,
        plan,
    })
}

/// Someone told about the children of some schools, or of the whole district.
#[derive(Debug, Clone)]
pub struct NewSupervisor {
    pub name: String,
    pub email: String,
    /// Empty: the whole district.
    pub schools: Vec<String>,
    /// As typed: empty keeps what is set, `-` removes (`Robots::parse_setting`).
    pub dingtalk_webhook: String,
    pub dingtalk_secret: String,
    pub wecom_webhook: String,
}

/// Why a school a supervisor is given is refused: not registered, with the
/// registered one its name is close to.
pub(super) fn not_a_school(school: &str, known: &std::collections::BTreeSet<String>) -> Reason {
    match crate::store::schools::likely_meant(school, known) {
        Some(meant) => Reason::NotASchoolDidYouMean {
            text: school.to_string(),
            meant: meant.to_string(),
        },
        None => Reason::NotASchool {
            text: school.to_string(),
        },
    }
}

/// Registers a supervisor account, or updates the one with the same email; a
/// coordinator's or admin's account of that email is told of its own scope.
pub async fn add_supervisor(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    supervisor: &NewSupervisor,
) -> Result<(String, alerts::SupervisorSaved), ServiceError> {
    district_keeper(actor)?;
    let email = check_email(&supervisor.email)
        .map_err(|e| ServiceError::invalid("email", e))?
        .to_lowercase();
    let name = supervisor.name.trim();
    if name.is_empty() {
        return Err(ServiceError::invalid(
            "name",
            Reason::NameNeeded { what: "supervisor" },
        ));
    }
    let robot = |field: &'static str, text: &str, secret| {
        Robots::parse_setting(text, secret).map_err(|e| ServiceError::invalid(field, e))
    };
    let robots = Robots {
        dingtalk_webhook: robot("dingtalk-webhook", &supervisor.dingtalk_webhook, false)?,
        dingtalk_secret: robot("dingtalk-secret", &supervisor.dingtalk_secret, true)?,
        wecom_webhook: robot("wecom-webhook", &supervisor.wecom_webhook, false)?,
    };
    let mut tx = store.write(&actor.audit(), now).await?;
    let known = people::school_names(&mut tx).await?;
    if let Some(school) = supervisor.schools.iter().find(|s| !known.contains(*s)) {
        return Err(ServiceError::invalid(
            "school",
            not_a_school(school, &known),
        ));
    }
    // No school given: a registered supervisor keeps theirs (the district for a new one).
    let scope = (!supervisor.schools.is_empty()).then(|| {
        crate::domain::access::Scope::of_account(
            crate::domain::access::Role::Supervisor,
            None,
            supervisor.schools.clone(),
        )
    });
    let saved = alerts::save_supervisor(&mut tx, name, &email, scope.as_ref(), &robots).await?;
    if let Some((field, reason)) = saved.refusal(&email) {
        return Err(ServiceError::invalid(field, reason));
    }
    tx.commit().await?;
    Ok((email, saved))
}

pub async fn supervisors(store: &Store, actor: &Actor) -> Result<Vec<Supervisor>, ServiceError> {
    district_keeper(actor)?;
    let mut tx = store.read().await?;
    let rows = alerts::supervisors(&mut tx).await?;
    tx.rollback().await?;
    Ok(rows)
}

/// The district's schools, with how many teachers and children each has: for
/// the district's coordinators and admins.
pub async fn schools(
    store: &Store,
    actor: &Actor,
) -> Result<Vec<crate::store::schools::SchoolCount>, ServiceError> {
    district_keeper(actor)?;
    let mut tx = store.read().await?;
    let schools = crate::store::schools::list(&mut tx).await?;
    tx.rollback().await?;
    Ok(schools)
}

fn district_keeper(actor: &Actor) -> Result<(), ServiceError> {
    if super::imports::may_import(actor) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "the schools are the district's coordinators'".into(),
        ))
    }
}

fn renamed(
    outcome: crate::store::schools::Renamed,
    old: &str,
    new: &str,
) -> Result<(), ServiceError> {
    use crate::store::schools::Renamed;
    match outcome {
        Renamed::Done => Ok(()),
        Renamed::Unknown => Err(ServiceError::NotFound {
            what: "school",
            id: format!("{old} / {new}"),
        }),
        Renamed::Taken => Err(ServiceError::Conflict(Reason::SchoolNameTaken {
            old: old.to_string(),
            new: new.to_string(),
        })),
    }
}

/// Gives a school another name (audited).
pub async fn rename_school(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    old: &str,
    new: &str,
) -> Result<(), ServiceError> {
    district_keeper(actor)?;
    let new = new.trim();
    if new.is_empty() || new.chars().count() > 200 || new.chars().any(char::is_control) {
        return Err(ServiceError::invalid("new", Reason::SchoolNameTooLong));
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    let outcome = crate::store::schools::rename(&mut tx, old.trim(), new).await?;
    if outcome == crate::store::schools::Renamed::Done {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    renamed(outcome, old, new)
}

/// Moves everyone of `from` into `into` and removes `from` (audited).
pub async fn merge_schools(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    from: &str,
    into: &str,
) -> Result<(), ServiceError> {
    district_keeper(actor)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let outcome = crate::store::schools::merge(&mut tx, from.trim(), into.trim()).await?;
    if outcome == crate::store::schools::Renamed::Done {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    renamed(outcome, from, into)
}
