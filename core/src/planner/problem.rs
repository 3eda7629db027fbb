//! The planning problem file (v1), README "The planning problem file".

use std::collections::HashMap;

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// The ISO week, e.g. 2026-W49; informative.
    pub week: String,
    /// The week's teaching days.
    pub days: Vec<NaiveDate>,
    pub slots: Vec<String>,
    pub teachers: Vec<TeacherOffer>,
    pub students: Vec<StudentNeed>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaySlot {
    #[serde(deserialize_with = "iso_day")]
    pub day: NaiveDate,
    pub slot: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherOffer {
    pub id: String,
    pub max_visits_per_day: u32,
    pub available: Vec<DaySlot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousSlot {
    #[serde(with = "crate::domain::slot::weekday_short")]
    pub weekday: Weekday,
    pub slot: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudentNeed {
    pub id: String,
    pub teacher: String,
    #[serde(default)]
    pub backup_teacher: Option<String>,
    pub visits_needed: u32,
    /// Larger is more urgent: how far behind pace.
    #[serde(default)]
    pub priority: i64,
    pub available: Vec<DaySlot>,
    #[serde(default)]
    pub previous: Vec<PreviousSlot>,
    /// Visits already planned for this week (when a week is planned again): each is
    /// kept unless a more urgent visit needs its slot. One that no longer fits (its
    /// day, slot or teacher is gone) is simply not kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub current: Vec<CurrentVisit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentVisit {
    pub teacher: String,
    pub day: NaiveDate,
    pub slot: String,
}

/// A date written `2026-11-30`, read without chrono's general parser: a
/// district's week holds half a million of them, and that parser took a fifth
/// of reading the file. Anything else goes to chrono, and so do its errors.
fn iso_day<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    struct IsoDay;
    impl serde::de::Visitor<'_> for IsoDay {
        type Value = NaiveDate;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a date like 2026-11-30")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<NaiveDate, E> {
            let bytes = text.as_bytes();
            let number = |range: std::ops::Range<usize>| {
                bytes[range].iter().try_fold(0u32, |n, &b| {
                    b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
                })
            };
            let quick = (bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-')
                .then(|| {
                    let year = i32::try_from(number(0..4)?).ok()?;
                    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
                })
                .flatten();
            match quick {
                Some(day) => Ok(day),
                None => text.parse().map_err(E::custom),
            }
        }
    }
    deserializer.deserialize_str(IsoDay)
}

/// A problem that cannot be solved as written: the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {reason}")]
pub struct ProblemError {
    pub field: String,
    pub reason: String,
}

/// The problem with names turned into indices.
pub(crate) struct Index {
    pub teacher_available: Vec<bool>,
    pub student_available: Vec<Vec<(usize, usize)>>,
    pub student_teacher: Vec<Option<usize>>,
    pub student_backup: Vec<Option<usize>>,
}

fn error(field: String, reason: impl Into<String>) -> ProblemError {
    ProblemError {
        field,
        reason: reason.into(),
    }
}

impl Problem {
    /// Reads a problem file's text; errors name the field (`days[0]`). References
    /// between fields (a student's teacher) are checked by [`super::solve`].
    pub fn from_json(text: &str) -> Result<Self, ProblemError> {
        // Tracking the path of every value costs a third of the time on a district's
        // week, so the path is only traced again when the file has an error.
        if let Ok(problem) = serde_json::from_str(text) {
            return Ok(problem);
        }
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let problem: Problem =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
                let path = e.path().to_string();
                let field = if path == "." {
                    "(file)".to_string()
                } else {
                    path
                };
                error(field, e.into_inner().to_string())
            })?;
        Ok(problem)
    }

    pub(crate) fn index(&self) -> Result<Index, ProblemError> {
        // A week has a handful of days and slots: a scan beats hashing them.
        let day_index = |day: &NaiveDate| self.days.iter().position(|d| d == day);
        let slot_index = |slot: &str| self.slots.iter().position(|s| s == slot);
        let days: HashMap<NaiveDate, usize> =
            self.days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        if days.len() != self.days.len() {
            return Err(error("days".into(), "a day is listed twice"));
        }
        let slots: HashMap<&str, usize> = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        if slots.len() != self.slots.len() {
            return Err(error("slots".into(), "a slot is listed twice"));
        }
        // The field is named only for an error: a district's week has half a
        // million entries, and formatting each name took a tenth of its index.
        let day_slot =
            |field: &dyn Fn() -> String, entry: &DaySlot| -> Result<(usize, usize), ProblemError> {
                let d = day_index(&entry.day).ok_or_else(|| {
                    error(
                        format!("{}.day", field()),
                        format!("{} is not one of the week's days", entry.day),
                    )
                })?;
                let s = slot_index(&entry.slot).ok_or_else(|| {
                    error(
                        format!("{}.slot", field()),
                        format!("`{}` is not one of the slots", entry.slot),
                    )
                })?;
                Ok((d, s))
            };
        let mut teacher_ids = HashMap::new();
        let mut teacher_available =
            vec![false; self.teachers.len() * self.days.len() * self.slots.len()];
        for (t, teacher) in self.teachers.iter().enumerate() {
            if teacher_ids.insert(teacher.id.as_str(), t).is_some() {
                return Err(error(
                    format!("teachers[{t}].id"),
                    format!("teacher {} is listed twice", teacher.id),
                ));
            }
            for (k, entry) in teacher.available.iter().enumerate() {
                let (d, s) = day_slot(&|| format!("teachers[{t}].available[{k}]"), entry)?;
                teacher_available[(t * self.days.len() + d) * self.slots.len() + s] = true;
            }
        }
        // Each student's references are checked on two cores; the errors are
        // then taken in the students' order, as one core would find them.
        let checked =
            super::cores::map_in_halves(self.students.len(), super::TWO_CORES_FROM_STUDENTS, |i| {
                let student = &self.students[i];
                let teacher = |field: &str, id: &str| {
                    teacher_ids.get(id).copied().ok_or_else(|| {
                        error(
                            format!("students[{i}].{field}"),
                            format!("no teacher `{id}` in `teachers`"),
                        )
                    })
                };
                let own = teacher("teacher", &student.teacher)?;
                let backup = match &student.backup_teacher {
                    Some(id) if id == &student.teacher => None,
                    Some(id) => Some(teacher("backup_teacher", id)?),
                    None => None,
                };
                let mut available = Vec::with_capacity(student.available.len());
                for (k, entry) in student.available.iter().enumerate() {
                    available.push(day_slot(
                        &|| format!("students[{i}].available[{k}]"),
                        entry,
                    )?);
                }
                available.sort_unstable();
                available.dedup();
                for (k, previous) in student.previous.iter().enumerate() {
                    if slot_index(&previous.slot).is_none() {
                        return Err(error(
                            format!("students[{i}].previous[{k}].slot"),
                            format!("`{}` is not one of the slots", previous.slot),
                        ));
                    }
                }
                Ok((own, backup, available))
            });
        let mut student_ids = HashMap::new();
        let mut index = Index {
            teacher_available,
            student_available: Vec::with_capacity(self.students.len()),
            student_teacher: Vec::with_capacity(self.students.len()),
            student_backup: Vec::with_capacity(self.students.len()),
        };
        for (i, (student, checked)) in self.students.iter().zip(checked).enumerate() {
            if student_ids.insert(student.id.as_str(), i).is_some() {
                return Err(error(
                    format!("students[{i}].id"),
                    format!("student {} is listed twice", student.id),
                ));
            }
            let (own, backup, available) = checked?;
            index.student_teacher.push(Some(own));
            index.student_backup.push(backup);
            index.student_available.push(available);
        }
        Ok(index)
    }
}
