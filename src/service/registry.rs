//! Who is in the district: teachers, students, their leave and pauses, and the
//! supervisors told when a child falls behind. The doors parse what people type
//! (flags, forms, sheet rows) with `import::records`; these functions check the
//! rest and write, each in its own transaction with its audit rows.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::people::StudentRecord;
use super::{Actor, ServiceError};
use crate::domain::calendar::SchoolYear;
use crate::domain::student::{StudentStatus, check_email};
use crate::store::alerts::{self, Supervisor};
use crate::store::people::{self, Absence, AbsenceKind, Student, Teacher};
use crate::store::{Store, plans};

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
    let mut tx = store.write(&actor.audit(), now).await?;
    if people::teacher(&mut tx, &teacher.teacher_id)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict {
            what: format!("a new teacher {}", teacher.teacher_id),
            with: format!("the registered teacher {}", teacher.teacher_id),
        });
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
    let mut tx = store.write(&actor.audit(), now).await?;
    if people::student(&mut tx, &student.student_id)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict {
            what: format!("a new student {}", student.student_id),
            with: format!("the registered student {}", student.student_id),
        });
    }
    people::save_students(&mut tx, std::slice::from_ref(student), &HashMap::new()).await?;
    tx.commit().await?;
    Ok(())
}

/// A teacher's leave or a student's pause: no visits from `from` to `to`, both included.
#[derive(Debug, Clone)]
pub struct NewAbsence {
    pub kind: AbsenceKind,
    pub person_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
}

pub async fn add_absence(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    absence: &NewAbsence,
) -> Result<(), ServiceError> {
    if absence.from > absence.to {
        return Err(ServiceError::invalid(
            "to",
            format!("{} is before the first day {}", absence.to, absence.from),
        ));
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    let id = absence.person_id.as_str();
    let known = match absence.kind {
        AbsenceKind::TeacherLeave => people::teacher(&mut tx, id).await?.is_some(),
        AbsenceKind::StudentPause => people::student(&mut tx, id).await?.is_some(),
    };
    if !known {
        return Err(match absence.kind {
            AbsenceKind::TeacherLeave => not_found("teacher", id),
            AbsenceKind::StudentPause => not_found("student", id),
        });
    }
    people::add_absence(
        &mut tx,
        absence.kind,
        id,
        absence.from,
        absence.to,
        &absence.reason,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everyone's name by id: teachers, then students (for tables that show names).
pub async fn names(
    store: &Store,
) -> Result<(HashMap<String, String>, HashMap<String, String>), ServiceError> {
    let mut tx = store.read().await?;
    let teachers = people::teachers(&mut tx, None)
        .await?
        .into_iter()
        .map(|t| (t.teacher_id, t.name))
        .collect();
    let students = people::students(&mut tx, None)
        .await?
        .into_iter()
        .map(|s| (s.student_id, s.name))
        .collect();
    tx.rollback().await?;
    Ok((teachers, students))
}

pub async fn teachers(store: &Store, school: Option<&str>) -> Result<Vec<Teacher>, ServiceError> {
    let mut tx = store.read().await?;
    let mut teachers = people::teachers(&mut tx, None).await?;
    tx.rollback().await?;
    teachers.retain(|t| school.is_none_or(|s| t.school == s));
    Ok(teachers)
}

/// A teacher with their leave.
#[derive(Debug, Clone, Serialize)]
pub struct TeacherDetail {
    #[serde(flatten)]
    pub teacher: Teacher,
    pub leave: Vec<Absence>,
}

pub async fn teacher(store: &Store, teacher_id: &str) -> Result<TeacherDetail, ServiceError> {
    let mut tx = store.read().await?;
    let teacher = people::teacher(&mut tx, teacher_id)
        .await?
        .ok_or_else(|| not_found("teacher", teacher_id))?;
    let leave = people::teacher_leaves(&mut tx, Some(teacher_id)).await?;
    tx.rollback().await?;
    Ok(TeacherDetail { teacher, leave })
}

pub async fn students(
    store: &Store,
    school: Option<&str>,
    status: Option<StudentStatus>,
) -> Result<Vec<StudentRecord>, ServiceError> {
    let mut tx = store.read().await?;
    let students = people::students(&mut tx, None).await?;
    tx.rollback().await?;
    Ok(students
        .iter()
        .filter(|s| school.is_none_or(|x| s.school == x) && status.is_none_or(|x| s.status == x))
        .map(StudentRecord::from)
        .collect())
}

/// A student's record, pauses and the plan of a school year.
#[derive(Debug, Clone)]
pub struct StudentDetail {
    pub student: StudentRecord,
    pub pauses: Vec<Absence>,
    pub plan: Option<plans::Plan>,
}

pub async fn student(
    store: &Store,
    student_id: &str,
    year: SchoolYear,
) -> Result<StudentDetail, ServiceError> {
    let mut tx = store.read().await?;
    let student = people::student(&mut tx, student_id)
        .await?
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

/// Someone told about the children of one school, or of the whole district.
#[derive(Debug, Clone)]
pub struct NewSupervisor {
    pub name: String,
    pub email: String,
    pub school: Option<String>,
}

/// Registers a supervisor, or updates the one with the same email.
pub async fn add_supervisor(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    supervisor: &NewSupervisor,
) -> Result<String, ServiceError> {
    let email = check_email(&supervisor.email).map_err(|e| ServiceError::invalid("email", e))?;
    let name = supervisor.name.trim();
    if name.is_empty() {
        return Err(ServiceError::invalid("name", "a supervisor needs a name"));
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    alerts::save_supervisor(&mut tx, name, &email, supervisor.school.as_deref()).await?;
    tx.commit().await?;
    Ok(email)
}

pub async fn supervisors(store: &Store) -> Result<Vec<Supervisor>, ServiceError> {
    let mut tx = store.read().await?;
    let rows = alerts::supervisors(&mut tx).await?;
    tx.rollback().await?;
    Ok(rows)
}
