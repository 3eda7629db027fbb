//! Schools, teachers, students, their weekly availability, leaves and pauses.

use std::collections::HashMap;

use chrono::{NaiveDate, Weekday};
use serde::Serialize;

use super::{audit, StoreResult, Tx};
use crate::args;
use crate::domain::slot::WeeklySlot;
use crate::domain::student::{Disability, Gender, StudentStatus};

/// What a change to a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Teacher {
    pub teacher_id: String,
    pub name: String,
    pub email: String,
    pub school: String,
    pub available: Vec<WeeklySlot>,
    /// None: the configured default.
    pub max_visits_per_day: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Student {
    pub student_id: String,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub disability: Option<Disability>,
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
    pub address: Option<String>,
    pub school: String,
    pub available: Vec<WeeklySlot>,
    pub status: StudentStatus,
}

/// A date range when a teacher or a student cannot have visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Absence {
    pub id: i64,
    pub person_id: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reason: String,
}

#[derive(sqlx::FromRow)]
struct TeacherRow {
    id: String,
    name: String,
    email: String,
    school: Option<String>,
    max_visits_per_day: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct StudentRow {
    id: String,
    name: String,
    gender: Option<String>,
    birth_date: Option<NaiveDate>,
    disability: Option<String>,
    guardian_name: Option<String>,
    guardian_phone: Option<String>,
    address: Option<String>,
    school: String,
    status: String,
}

#[derive(sqlx::FromRow)]
struct AvailabilityRow {
    owner: String,
    weekday: i64,
    slot: String,
}

const WEEKDAYS: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

fn iso_weekday(weekday: Weekday) -> i64 {
    i64::from(weekday.number_from_monday())
}

async fn availability(tx: &mut Tx, sql: &'static str, owner: Option<&str>) -> StoreResult<HashMap<String, Vec<WeeklySlot>>> {
    let rows: Vec<AvailabilityRow> = tx.fetch_all(sql, args![owner]).await?;
    let mut by_owner: HashMap<String, Vec<WeeklySlot>> = HashMap::new();
    for row in rows {
        let weekday = WEEKDAYS[(row.weekday.clamp(1, 7) - 1) as usize];
        by_owner.entry(row.owner).or_default().push(WeeklySlot { weekday, slot: row.slot });
    }
    Ok(by_owner)
}

/// The school's id, creating it on first mention.
pub async fn school_id(tx: &mut Tx, name: &str) -> StoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let row: Id = tx
        .fetch_one(
            "INSERT INTO schools (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
            args![name],
        )
        .await?;
    Ok(row.id)
}

pub async fn teachers(tx: &mut Tx, only: Option<&str>) -> StoreResult<Vec<Teacher>> {
    let rows: Vec<TeacherRow> = tx
        .fetch_all(
            "SELECT s.id, s.name, s.email, sc.name AS school, s.max_visits_per_day
             FROM staff s LEFT JOIN schools sc ON sc.id = s.school_id
             WHERE s.role = 'teacher' AND ($1 IS NULL OR s.id = $1) ORDER BY s.id",
            args![only],
        )
        .await?;
    let mut slots = availability(
        tx,
        "SELECT teacher_id AS owner, weekday, slot FROM teacher_availability
         WHERE ($1 IS NULL OR teacher_id = $1) ORDER BY teacher_id, weekday, slot",
        only,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Teacher {
            available: slots.remove(&r.id).unwrap_or_default(),
            teacher_id: r.id,
            name: r.name,
            email: r.email,
            school: r.school.unwrap_or_default(),
            max_visits_per_day: r.max_visits_per_day.map(|n| n as u32),
        })
        .collect())
}

pub async fn teacher(tx: &mut Tx, id: &str) -> StoreResult<Option<Teacher>> {
    Ok(teachers(tx, Some(id)).await?.pop())
}

/// Creates or updates a teacher; unchanged data writes nothing.
pub async fn save_teacher(tx: &mut Tx, teacher: &Teacher, existing: Option<&Teacher>) -> StoreResult<Change> {
    if existing == Some(teacher) {
        return Ok(Change::Unchanged);
    }
    let school = school_id(tx, &teacher.school).await?;
    let now = tx.now;
    tx.execute(
        "INSERT INTO staff (id, name, email, role, school_id, max_visits_per_day, created_at, updated_at)
         VALUES ($1, $2, $3, 'teacher', $4, $5, $6, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, school_id = excluded.school_id,
             max_visits_per_day = excluded.max_visits_per_day, updated_at = excluded.updated_at",
        args![&teacher.teacher_id, &teacher.name, &teacher.email, school, teacher.max_visits_per_day, now],
    )
    .await?;
    if existing.map(|e| &e.available) != Some(&teacher.available) {
        tx.execute("DELETE FROM teacher_availability WHERE teacher_id = $1", args![&teacher.teacher_id]).await?;
        for slot in &teacher.available {
            tx.execute(
                "INSERT INTO teacher_availability (teacher_id, weekday, slot) VALUES ($1, $2, $3)",
                args![&teacher.teacher_id, iso_weekday(slot.weekday), &slot.slot],
            )
            .await?;
        }
    }
    let change = if existing.is_some() { Change::Updated } else { Change::Created };
    let detail = serde_json::json!({ "old": existing, "new": teacher });
    let action = if existing.is_some() { "update" } else { "create" };
    audit::record(tx, action, "teacher", &teacher.teacher_id, detail).await?;
    Ok(change)
}

pub async fn students(tx: &mut Tx, only: Option<&str>) -> StoreResult<Vec<Student>> {
    let rows: Vec<StudentRow> = tx
        .fetch_all(
            "SELECT s.id, s.name, s.gender, s.birth_date, s.disability, s.guardian_name, s.guardian_phone,
                    s.address, sc.name AS school, s.status
             FROM students s JOIN schools sc ON sc.id = s.school_id
             WHERE ($1 IS NULL OR s.id = $1) ORDER BY s.id",
            args![only],
        )
        .await?;
    let mut slots = availability(
        tx,
        "SELECT student_id AS owner, weekday, slot FROM family_availability
         WHERE ($1 IS NULL OR student_id = $1) ORDER BY student_id, weekday, slot",
        only,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Student {
            available: slots.remove(&r.id).unwrap_or_default(),
            student_id: r.id,
            name: r.name,
            gender: r.gender.and_then(|g| g.parse().ok()),
            birth_date: r.birth_date,
            disability: r.disability.and_then(|d| d.parse().ok()),
            guardian_name: r.guardian_name,
            guardian_phone: r.guardian_phone,
            address: r.address,
            school: r.school,
            status: r.status.parse().unwrap_or(StudentStatus::Active),
        })
        .collect())
}

pub async fn student(tx: &mut Tx, id: &str) -> StoreResult<Option<Student>> {
    Ok(students(tx, Some(id)).await?.pop())
}

/// Creates or updates a student; unchanged data writes nothing. The audit row
/// names the fields that changed but never copies personal details into the log.
pub async fn save_student(tx: &mut Tx, student: &Student, existing: Option<&Student>) -> StoreResult<Change> {
    if existing == Some(student) {
        return Ok(Change::Unchanged);
    }
    let school = school_id(tx, &student.school).await?;
    let now = tx.now;
    let s = student;
    tx.execute(
        "INSERT INTO students (id, name, gender, birth_date, disability, guardian_name, guardian_phone, address,
                               school_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, gender = excluded.gender,
             birth_date = excluded.birth_date, disability = excluded.disability,
             guardian_name = excluded.guardian_name, guardian_phone = excluded.guardian_phone,
             address = excluded.address, school_id = excluded.school_id, status = excluded.status,
             updated_at = excluded.updated_at",
        args![
            &s.student_id,
            &s.name,
            s.gender.map(|g| g.code()),
            s.birth_date,
            s.disability.map(|d| d.code()),
            s.guardian_name.clone(),
            s.guardian_phone.clone(),
            s.address.clone(),
            school,
            s.status.code(),
            now,
        ],
    )
    .await?;
    if existing.map(|e| &e.available) != Some(&s.available) {
        tx.execute("DELETE FROM family_availability WHERE student_id = $1", args![&s.student_id]).await?;
        for slot in &s.available {
            tx.execute(
                "INSERT INTO family_availability (student_id, weekday, slot) VALUES ($1, $2, $3)",
                args![&s.student_id, iso_weekday(slot.weekday), &slot.slot],
            )
            .await?;
        }
    }
    let (action, detail) = match existing {
        None => ("create", serde_json::json!({ "name": s.name, "school": s.school })),
        Some(old) => ("update", serde_json::json!({ "changed": changed_student_fields(old, s) })),
    };
    audit::record(tx, action, "student", &s.student_id, detail).await?;
    Ok(if existing.is_some() { Change::Updated } else { Change::Created })
}

fn changed_student_fields(old: &Student, new: &Student) -> Vec<&'static str> {
    let old = serde_json::to_value(old).unwrap_or_default();
    let new = serde_json::to_value(new).unwrap_or_default();
    const FIELDS: [&str; 11] = [
        "name", "gender", "birth_date", "disability", "guardian_name", "guardian_phone", "address", "school",
        "available", "status", "student_id",
    ];
    FIELDS.into_iter().filter(|f| old.get(f) != new.get(f)).collect()
}

pub async fn add_teacher_leave(tx: &mut Tx, teacher_id: &str, start: NaiveDate, end: NaiveDate, reason: &str) -> StoreResult<i64> {
    add_absence(tx, "INSERT INTO teacher_leaves (teacher_id, start_date, end_date, reason, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id", "teacher_leave", teacher_id, start, end, reason).await
}

pub async fn add_student_pause(tx: &mut Tx, student_id: &str, start: NaiveDate, end: NaiveDate, reason: &str) -> StoreResult<i64> {
    add_absence(tx, "INSERT INTO student_pauses (student_id, start_date, end_date, reason, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id", "student_pause", student_id, start, end, reason).await
}

async fn add_absence(
    tx: &mut Tx,
    sql: &'static str,
    entity: &str,
    person: &str,
    start: NaiveDate,
    end: NaiveDate,
    reason: &str,
) -> StoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let now = tx.now;
    let row: Id = tx.fetch_one(sql, args![person, start, end, reason, now]).await?;
    let detail = serde_json::json!({ "person": person, "start": start, "end": end, "reason": reason });
    audit::record(tx, "create", entity, &row.id.to_string(), detail).await?;
    Ok(row.id)
}

pub async fn teacher_leaves(tx: &mut Tx, teacher_id: Option<&str>) -> StoreResult<Vec<Absence>> {
    tx.fetch_all(
        "SELECT id, teacher_id AS person_id, start_date, end_date, reason FROM teacher_leaves
         WHERE ($1 IS NULL OR teacher_id = $1) ORDER BY start_date, id",
        args![teacher_id],
    )
    .await
}

pub async fn student_pauses(tx: &mut Tx, student_id: Option<&str>) -> StoreResult<Vec<Absence>> {
    tx.fetch_all(
        "SELECT id, student_id AS person_id, start_date, end_date, reason FROM student_pauses
         WHERE ($1 IS NULL OR student_id = $1) ORDER BY start_date, id",
        args![student_id],
    )
    .await
}
