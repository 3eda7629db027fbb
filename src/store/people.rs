//! Schools, teachers, students, their weekly availability, leaves and pauses.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use serde::Serialize;

use super::{StoreResult, Tx, audit, only_if};
use crate::args;
use crate::domain::leave::LeaveStatus;
use crate::domain::slot::{WeeklySlot, format_weekly_slots};
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
    /// None: a teacher without email, whose week goes to their coordinators
    /// to pass on (README, "Teachers without email").
    pub email: Option<String>,
    /// Normalised (`check_phone`).
    pub phone: Option<String>,
    pub school: String,
    pub available: Vec<WeeklySlot>,
    /// None: the configured default.
    pub max_visits_per_day: Option<u32>,
}

/// A student as stored, with everything held about them. It is not serialised:
/// what goes out is a view (`service::people`) chosen for its reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub student_id: String,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub disability: Option<Disability>,
    /// 1 to 4, from the disability certificate.
    pub disability_grade: Option<u8>,
    /// The sheet's words when they name a diagnosis: personal data, never shown
    /// to supervisors.
    pub diagnosis: Option<String>,
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
    /// For leave of some half-days only: they, as availability is written
    /// (`Wed-PM`); empty for whole days (and for every pause).
    pub slots: String,
}

impl Absence {
    /// The half-days it covers on its days; empty: the whole days.
    pub fn weekly_slots(&self) -> Vec<WeeklySlot> {
        self.slots
            .split_whitespace()
            .filter_map(|code| code.parse().ok())
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct TeacherRow {
    id: String,
    name: String,
    email: String,
    phone: Option<String>,
    school: Option<String>,
    max_visits_per_day: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct StudentRow {
    id: String,
    name: String,
    gender: Option<Gender>,
    birth_date: Option<NaiveDate>,
    disability: Option<Disability>,
    disability_grade: Option<i64>,
    diagnosis: Option<String>,
    guardian_name: Option<String>,
    guardian_phone: Option<String>,
    address: Option<String>,
    school: String,
    status: StudentStatus,
}

#[derive(sqlx::FromRow)]
struct AvailabilityRow {
    owner: String,
    weekday: i64,
    slot: String,
}

fn iso_weekday(weekday: Weekday) -> i64 {
    i64::from(weekday.number_from_monday())
}

/// The weekly slots of `table`'s owners (`owner_column`), or of one of them.
async fn availability(
    tx: &mut Tx,
    table: &str,
    owner_column: &str,
    people: &str,
    which: Which<'_>,
) -> StoreResult<HashMap<String, Vec<WeeklySlot>>> {
    let (condition, args) = which.owned_by(owner_column, people, 1);
    let rows: Vec<AvailabilityRow> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT {owner_column} AS owner, weekday, slot FROM {table}
                 WHERE {condition} ORDER BY {owner_column}, weekday, slot"
            )),
            args,
        )
        .await?;
    let mut by_owner: HashMap<String, Vec<WeeklySlot>> = HashMap::new();
    for row in rows {
        let weekday = crate::domain::slot::WEEKDAYS[(row.weekday.clamp(1, 7) - 1) as usize];
        by_owner.entry(row.owner).or_default().push(WeeklySlot {
            weekday,
            slot: row.slot,
        });
    }
    Ok(by_owner)
}

/// Which people a read returns, chosen in SQL: everyone, one by id, or those of
/// some schools (what a reader's scope lets them see).
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    Everyone,
    One(&'a str),
    OfSchools(&'a [String]),
}

impl<'a> From<Option<&'a str>> for Which<'a> {
    fn from(only: Option<&'a str>) -> Self {
        only.map_or(Which::Everyone, Which::One)
    }
}

impl Which<'_> {
    /// The condition on a people table aliased `s`, joined to `schools sc`, with
    /// its values numbered from `$first`.
    pub(crate) fn condition(self, first: usize) -> (String, Vec<super::Arg>) {
        match self {
            Which::Everyone => ("1 = 1".into(), Vec::new()),
            Which::One(id) => (format!("s.id = ${first}"), args![id]),
            Which::OfSchools([]) => ("1 = 0".into(), Vec::new()),
            Which::OfSchools(schools) => {
                let marks: Vec<String> = (first..first + schools.len())
                    .map(|n| format!("${n}"))
                    .collect();
                (
                    format!("sc.name IN ({})", marks.join(", ")),
                    schools
                        .iter()
                        .map(|s| super::Arg::from(s.as_str()))
                        .collect(),
                )
            }
        }
    }

    /// The condition on a column holding the id of a person of table `people`
    /// (`students` or `staff`), with its values numbered from `$first`.
    pub(crate) fn owned_by(
        self,
        column: &str,
        people: &str,
        first: usize,
    ) -> (String, Vec<super::Arg>) {
        match self {
            Which::Everyone => ("1 = 1".into(), Vec::new()),
            Which::One(id) => (format!("{column} = ${first}"), args![id]),
            Which::OfSchools(_) => {
                let (of_schools, args) = self.condition(first);
                (
                    format!(
                        "{column} IN (SELECT s.id FROM {people} s
                         LEFT JOIN schools sc ON sc.id = s.school_id WHERE {of_schools})"
                    ),
                    args,
                )
            }
        }
    }
}

/// The schools' ids by name, creating those mentioned for the first time.
/// The names of the district's schools.
pub async fn school_names(tx: &mut Tx) -> StoreResult<std::collections::BTreeSet<String>> {
    #[derive(sqlx::FromRow)]
    struct School {
        name: String,
    }
    let rows: Vec<School> = tx.fetch_all("SELECT name FROM schools", args![]).await?;
    Ok(rows.into_iter().map(|s| s.name).collect())
}

pub async fn school_ids<'a>(
    tx: &mut Tx,
    names: impl IntoIterator<Item = &'a str>,
) -> StoreResult<HashMap<String, i64>> {
    #[derive(sqlx::FromRow)]
    struct School {
        id: i64,
        name: String,
    }
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    let rows = names.into_iter().map(|n| args![n]).collect();
    let schools: Vec<School> = tx
        .insert_many_returning(
            "INSERT INTO schools (name)",
            1,
            rows,
            "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id, name",
        )
        .await?;
    Ok(schools.into_iter().map(|s| (s.name, s.id)).collect())
}

/// Who is registered, for reference checks that need no more than existence.
#[derive(Debug, Clone, Copy)]
pub enum Registered {
    Teachers,
    Students,
}

pub async fn registered_ids(tx: &mut Tx, who: Registered) -> StoreResult<HashSet<String>> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: String,
    }
    let sql = match who {
        Registered::Teachers => "SELECT id FROM staff WHERE role = 'teacher'",
        Registered::Students => "SELECT id FROM students",
    };
    let rows: Vec<Id> = tx.fetch_all(sql, args![]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The coordinators' email addresses.
pub async fn coordinator_emails(tx: &mut Tx) -> StoreResult<Vec<String>> {
    #[derive(sqlx::FromRow)]
    struct Email {
        email: String,
    }
    let rows: Vec<Email> = tx
        .fetch_all(
            "SELECT email FROM staff WHERE role = 'coordinator' ORDER BY id",
            args![],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.email).collect())
}

/// Every teacher's name by id, without the rest of their record (a page that
/// only names teachers; a district has thousands).
pub async fn teacher_names(tx: &mut Tx) -> StoreResult<HashMap<String, String>> {
    #[derive(sqlx::FromRow)]
    struct Named {
        id: String,
        name: String,
    }
    let named: Vec<Named> = tx
        .fetch_all(
            "SELECT id, name FROM staff WHERE role = 'teacher'",
            crate::args![],
        )
        .await?;
    Ok(named.into_iter().map(|n| (n.id, n.name)).collect())
}

pub async fn teachers<'a>(tx: &mut Tx, which: impl Into<Which<'a>>) -> StoreResult<Vec<Teacher>> {
    let which = which.into();
    let (condition, args) = which.condition(1);
    let rows: Vec<TeacherRow> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT s.id, s.name, s.email, s.phone, sc.name AS school, s.max_visits_per_day
                 FROM staff s LEFT JOIN schools sc ON sc.id = s.school_id
                 WHERE s.role = 'teacher' AND {condition} ORDER BY s.id"
            )),
            args,
        )
        .await?;
    let mut slots = availability(tx, "teacher_availability", "teacher_id", "staff", which).await?;
    Ok(rows
        .into_iter()
        .map(|r| Teacher {
            available: slots.remove(&r.id).unwrap_or_default(),
            teacher_id: r.id,
            name: r.name,
            email: Some(r.email).filter(|e| !e.is_empty()),
            phone: r.phone,
            school: r.school.unwrap_or_default(),
            max_visits_per_day: r.max_visits_per_day.map(|n| n as u32),
        })
        .collect())
}

pub async fn teacher(tx: &mut Tx, id: &str) -> StoreResult<Option<Teacher>> {
    Ok(teachers(tx, Some(id)).await?.pop())
}

/// What saving a record changes, and the audit detail of it.
fn classify<T: PartialEq>(new: &T, old: Option<&T>) -> Change {
    match old {
        None => Change::Created,
        Some(old) if old == new => Change::Unchanged,
        Some(_) => Change::Updated,
    }
}

/// What saving each record would change, and the records that change.
fn classify_all<'a, T: PartialEq>(
    records: &'a [T],
    existing: &HashMap<String, T>,
    id: impl Fn(&T) -> &String,
) -> (Vec<Change>, Vec<&'a T>) {
    let changes: Vec<Change> = records
        .iter()
        .map(|r| classify(r, existing.get(id(r))))
        .collect();
    let changed = records
        .iter()
        .zip(&changes)
        .filter(|(_, c)| **c != Change::Unchanged)
        .map(|(r, _)| r)
        .collect();
    (changes, changed)
}

/// Replaces the weekly availability of the records whose availability changed.
async fn replace_availability(
    tx: &mut Tx,
    delete: &'static str,
    insert: &'static str,
    changed: Vec<(&str, &[WeeklySlot], bool)>,
) -> StoreResult<()> {
    let mut rows = Vec::new();
    for (owner, slots, existed) in changed {
        if existed {
            tx.execute(delete, args![owner]).await?;
        }
        rows.extend(
            slots
                .iter()
                .map(|s| args![owner, iso_weekday(s.weekday), &s.slot]),
        );
    }
    tx.insert_many(insert, 3, rows, "").await
}

/// Creates or updates teachers (`existing` holds the stored ones by id); unchanged
/// records write nothing. Returns what happened to each, in order.
pub async fn save_teachers(
    tx: &mut Tx,
    teachers: &[Teacher],
    existing: &HashMap<String, Teacher>,
) -> StoreResult<Vec<Change>> {
    let (changes, changed) = classify_all(teachers, existing, |t| &t.teacher_id);
    if changed.is_empty() {
        return Ok(changes);
    }
    let schools = school_ids(tx, changed.iter().map(|t| t.school.as_str())).await?;
    let now = tx.now;
    let rows = changed
        .iter()
        .map(|t| {
            args![
                &t.teacher_id,
                &t.name,
                t.email.as_deref().unwrap_or_default(),
                t.phone.as_deref(),
                "teacher",
                schools[&t.school],
                t.max_visits_per_day,
                now,
                now
            ]
        })
        .collect();
    // A teacher without email is stored with an empty one (the column predates them).
    tx.insert_many(
        "INSERT INTO staff (id, name, email, phone, role, school_id, max_visits_per_day, created_at, updated_at)",
        9,
        rows,
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, phone = excluded.phone,
             school_id = excluded.school_id, max_visits_per_day = excluded.max_visits_per_day,
             updated_at = excluded.updated_at",
    )
    .await?;
    let availability = changed
        .iter()
        .map(|t| (t, existing.get(&t.teacher_id)))
        .filter(|(t, old)| old.map(|o| &o.available) != Some(&t.available))
        .map(|(t, old)| (t.teacher_id.as_str(), t.available.as_slice(), old.is_some()))
        .collect();
    replace_availability(
        tx,
        "DELETE FROM teacher_availability WHERE teacher_id = $1",
        "INSERT INTO teacher_availability (teacher_id, weekday, slot)",
        availability,
    )
    .await?;
    let entries = changed
        .iter()
        .map(|t| {
            let old = existing.get(&t.teacher_id);
            audit::Entry {
                action: if old.is_some() { "update" } else { "create" },
                entity: "teacher",
                entity_id: t.teacher_id.clone(),
                detail: serde_json::json!({ "old": old, "new": t }),
            }
        })
        .collect();
    audit::record_many(tx, entries).await?;
    Ok(changes)
}

pub async fn students<'a>(tx: &mut Tx, which: impl Into<Which<'a>>) -> StoreResult<Vec<Student>> {
    let which = which.into();
    let (condition, args) = which.condition(1);
    let rows: Vec<StudentRow> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT s.id, s.name, s.gender, s.birth_date, s.disability, s.disability_grade,
                        s.diagnosis, s.guardian_name,
                        s.guardian_phone, s.address, sc.name AS school, s.status
                 FROM students s JOIN schools sc ON sc.id = s.school_id
                 WHERE {condition} ORDER BY s.id"
            )),
            args,
        )
        .await?;
    let mut slots =
        availability(tx, "family_availability", "student_id", "students", which).await?;
    Ok(rows
        .into_iter()
        .map(|r| Student {
            available: slots.remove(&r.id).unwrap_or_default(),
            student_id: r.id,
            name: r.name,
            gender: r.gender,
            birth_date: r.birth_date,
            disability: r.disability,
            disability_grade: r.disability_grade.and_then(|g| u8::try_from(g).ok()),
            diagnosis: r.diagnosis,
            guardian_name: r.guardian_name,
            guardian_phone: r.guardian_phone,
            address: r.address,
            school: r.school,
            status: r.status,
        })
        .collect())
}

/// Each student's name and school (or one student's): what a list of plans shows.
pub async fn names_and_schools(
    tx: &mut Tx,
    only: Option<&str>,
) -> StoreResult<HashMap<String, (String, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: String,
        name: String,
        school: String,
    }
    let rows: Vec<Row> = tx
        .fetch_all(
            sqlx::AssertSqlSafe(format!(
                "SELECT s.id, s.name, sc.name AS school
                 FROM students s JOIN schools sc ON sc.id = s.school_id WHERE {}",
                only_if(only.is_some(), "s.id", 1)
            )),
            args![only],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, (r.name, r.school)))
        .collect())
}

pub async fn student(tx: &mut Tx, id: &str) -> StoreResult<Option<Student>> {
    Ok(students(tx, Some(id)).await?.pop())
}

/// Creates or updates students, like [`save_teachers`]. The audit rows name the
/// fields that changed but never copy personal details (phone, address) into the log.
pub async fn save_students(
    tx: &mut Tx,
    students: &[Student],
    existing: &HashMap<String, Student>,
) -> StoreResult<Vec<Change>> {
    let (changes, changed) = classify_all(students, existing, |s| &s.student_id);
    if changed.is_empty() {
        return Ok(changes);
    }
    let schools = school_ids(tx, changed.iter().map(|s| s.school.as_str())).await?;
    let now = tx.now;
    let rows = changed
        .iter()
        .map(|s| {
            args![
                &s.student_id,
                &s.name,
                s.gender.map(|g| g.code()),
                s.birth_date,
                s.disability.map(|d| d.code()),
                s.disability_grade.map(i64::from),
                s.diagnosis.clone(),
                s.guardian_name.clone(),
                s.guardian_phone.clone(),
                s.address.clone(),
                schools[&s.school],
                s.status.code(),
                now,
                now,
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO students (id, name, gender, birth_date, disability, disability_grade, diagnosis,
                               guardian_name, guardian_phone, address,
                               school_id, status, created_at, updated_at)",
        14,
        rows,
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, gender = excluded.gender,
             birth_date = excluded.birth_date, disability = excluded.disability,
             disability_grade = excluded.disability_grade, diagnosis = excluded.diagnosis,
             guardian_name = excluded.guardian_name, guardian_phone = excluded.guardian_phone,
             address = excluded.address, school_id = excluded.school_id, status = excluded.status,
             updated_at = excluded.updated_at",
    )
    .await?;
    let availability = changed
        .iter()
        .map(|s| (s, existing.get(&s.student_id)))
        .filter(|(s, old)| old.map(|o| &o.available) != Some(&s.available))
        .map(|(s, old)| (s.student_id.as_str(), s.available.as_slice(), old.is_some()))
        .collect();
    replace_availability(
        tx,
        "DELETE FROM family_availability WHERE student_id = $1",
        "INSERT INTO family_availability (student_id, weekday, slot)",
        availability,
    )
    .await?;
    let entries = changed
        .iter()
        .map(|s| {
            let (action, detail) = match existing.get(&s.student_id) {
                None => (
                    "create",
                    serde_json::json!({ "name": s.name, "school": s.school }),
                ),
                Some(old) => (
                    "update",
                    serde_json::json!({ "changed": changed_student_fields(old, s) }),
                ),
            };
            audit::Entry {
                action,
                entity: "student",
                entity_id: s.student_id.clone(),
                detail,
            }
        })
        .collect();
    audit::record_many(tx, entries).await?;
    Ok(changes)
}

fn changed_student_fields(old: &Student, new: &Student) -> Vec<&'static str> {
    [
        ("name", old.name != new.name),
        ("gender", old.gender != new.gender),
        ("birth_date", old.birth_date != new.birth_date),
        ("disability", old.disability != new.disability),
        (
            "disability_grade",
            old.disability_grade != new.disability_grade,
        ),
        ("diagnosis", old.diagnosis != new.diagnosis),
        ("guardian_name", old.guardian_name != new.guardian_name),
        ("guardian_phone", old.guardian_phone != new.guardian_phone),
        ("address", old.address != new.address),
        ("school", old.school != new.school),
        ("available", old.available != new.available),
        ("status", old.status != new.status),
        ("student_id", old.student_id != new.student_id),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect()
}

/// A date range when someone cannot have visits: a teacher's leave or a student's pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsenceKind {
    TeacherLeave,
    StudentPause,
}

/// Records an absence of `person` from `start` to `end`, both included (a
/// leave only in `slots` on those days when some are given).
pub async fn add_absence(
    tx: &mut Tx,
    kind: AbsenceKind,
    person: &str,
    (start, end): (NaiveDate, NaiveDate),
    slots: &[WeeklySlot],
    reason: &str,
) -> StoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let (sql, entity) = match kind {
        AbsenceKind::TeacherLeave => (
            "INSERT INTO teacher_leaves (teacher_id, start_date, end_date, reason, created_at, slots)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            "teacher_leave",
        ),
        AbsenceKind::StudentPause => (
            "INSERT INTO student_pauses (student_id, start_date, end_date, reason, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            "student_pause",
        ),
    };
    let now = tx.now;
    let slots = format_weekly_slots(slots);
    let mut args = args![person, start, end, reason, now];
    if kind == AbsenceKind::TeacherLeave {
        args.push(slots.as_str().into());
    }
    let row: Id = tx.fetch_one(sql, args).await?;
    let mut detail =
        serde_json::json!({ "person": person, "start": start, "end": end, "reason": reason });
    if !slots.is_empty() {
        detail["slots"] = slots.into();
    }
    audit::record(tx, "create", entity, &row.id.to_string(), detail).await?;
    Ok(row.id)
}

fn absence_table(kind: AbsenceKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        AbsenceKind::TeacherLeave => ("teacher_leaves", "teacher_id", "teacher_leave"),
        AbsenceKind::StudentPause => ("student_pauses", "student_id", "student_pause"),
    }
}

/// Ends an absence of `person` on `last_day` (a pause the family ends early);
/// false when there is no such absence or it ends before then already.
pub async fn end_absence(
    tx: &mut Tx,
    kind: AbsenceKind,
    person: &str,
    id: i64,
    last_day: NaiveDate,
) -> StoreResult<bool> {
    let (table, column, entity) = absence_table(kind);
    let changed = tx
        .execute(
            sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET end_date = $3
                 WHERE id = $1 AND {column} = $2 AND start_date <= $3 AND end_date > $3"
            )),
            args![id, person, last_day],
        )
        .await?;
    if changed > 0 {
        let detail = serde_json::json!({ "person": person, "end": last_day });
        audit::record(tx, "end", entity, &id.to_string(), detail).await?;
    }
    Ok(changed > 0)
}

/// Removes an absence entered by mistake; the audit row keeps what it was.
pub async fn remove_absence(
    tx: &mut Tx,
    kind: AbsenceKind,
    person: &str,
    id: i64,
) -> StoreResult<bool> {
    let (table, column, entity) = absence_table(kind);
    let removed = tx
        .execute(
            sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE id = $1 AND {column} = $2"
            )),
            args![id, person],
        )
        .await?;
    if removed > 0 {
        let detail = serde_json::json!({ "person": person });
        audit::record(tx, "remove", entity, &id.to_string(), detail).await?;
    }
    Ok(removed > 0)
}

/// Approved leave: what planning avoids.
pub async fn teacher_leaves(tx: &mut Tx, teacher_id: Option<&str>) -> StoreResult<Vec<Absence>> {
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT id, teacher_id AS person_id, start_date, end_date, reason, slots FROM teacher_leaves
             WHERE status = 'approved' AND {} ORDER BY start_date, id",
            only_if(teacher_id.is_some(), "teacher_id", 1)
        )),
        args![teacher_id],
    )
    .await
}

/// A teacher's leave with how it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LeaveRequest {
    pub id: i64,
    pub teacher_id: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reason: String,
    /// The half-days asked for, as `Absence::slots`; empty: the whole days.
    pub slots: String,
    pub status: LeaveStatus,
    pub requested_by: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A teacher asks for leave; it waits for a coordinator.
pub async fn request_leave(
    tx: &mut Tx,
    teacher_id: &str,
    (start, end): (NaiveDate, NaiveDate),
    slots: &[WeeklySlot],
    reason: &str,
) -> StoreResult<i64> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let slots = format_weekly_slots(slots);
    let row: Id = tx
        .fetch_one(
            "INSERT INTO teacher_leaves (teacher_id, start_date, end_date, reason, created_at, status,
                 requested_by, slots)
             VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7) RETURNING id",
            args![teacher_id, start, end, reason, now, actor, slots.as_str()],
        )
        .await?;
    let detail = serde_json::json!({
        "teacher": teacher_id, "start": start, "end": end, "reason": reason, "slots": slots
    });
    audit::record(tx, "request", "teacher_leave", &row.id.to_string(), detail).await?;
    Ok(row.id)
}

/// Leave by teacher and status, newest first.
pub async fn leave_requests(
    tx: &mut Tx,
    teacher_id: Option<&str>,
    status: Option<LeaveStatus>,
) -> StoreResult<Vec<LeaveRequest>> {
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT id, teacher_id, start_date, end_date, reason, slots, status, requested_by, decided_by,
                    decided_at, created_at
             FROM teacher_leaves WHERE {} AND {} ORDER BY start_date DESC, id DESC",
            only_if(teacher_id.is_some(), "teacher_id", 1),
            only_if(status.is_some(), "status", 2)
        )),
        args![teacher_id, status.map(|s| s.code())],
    )
    .await
}

/// Approves or declines a waiting request; false when it is not waiting.
pub async fn decide_leave(tx: &mut Tx, id: i64, status: LeaveStatus) -> StoreResult<bool> {
    let (now, actor) = (tx.now, tx.actor.0.clone());
    let changed = tx
        .execute(
            "UPDATE teacher_leaves SET status = $2, decided_by = $3, decided_at = $4
             WHERE id = $1 AND status = 'requested'",
            args![id, status.code(), actor, now],
        )
        .await?;
    if changed > 0 {
        let detail = serde_json::json!({ "status": status.code() });
        audit::record(tx, "decide", "teacher_leave", &id.to_string(), detail).await?;
    }
    Ok(changed > 0)
}

pub async fn student_pauses(tx: &mut Tx, student_id: Option<&str>) -> StoreResult<Vec<Absence>> {
    tx.fetch_all(
        sqlx::AssertSqlSafe(format!(
            "SELECT id, student_id AS person_id, start_date, end_date, reason, '' AS slots
             FROM student_pauses
             WHERE {} ORDER BY start_date, id",
            only_if(student_id.is_some(), "student_id", 1)
        )),
        args![student_id],
    )
    .await
}

/// Absences as date ranges by person, for looking days up.
pub fn ranges_by_person(absences: Vec<Absence>) -> HashMap<String, Vec<(NaiveDate, NaiveDate)>> {
    let mut ranges: HashMap<String, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
    for absence in absences {
        ranges
            .entry(absence.person_id)
            .or_default()
            .push((absence.start_date, absence.end_date));
    }
    ranges
}
