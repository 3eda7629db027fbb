//! What goes out about a child: views chosen by who reads them, never the stored
//! row itself. A child's data is sensitive personal information (PIPL art. 28):
//! each reader gets the least that does their job.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::slot::WeeklySlot;
use crate::domain::student::{Disability, Gender, StudentStatus};
use crate::store::people::Student;

/// Everything held about a child, for the people who keep the record (the
/// district's coordinators and the command line on the server).
#[derive(Debug, Clone, Serialize)]
pub struct StudentRecord {
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

/// Who the child is and where they learn, no more: for supervisors, emails,
/// group chats and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudentSummary {
    pub student_id: String,
    pub name: String,
    pub school: String,
    pub status: StudentStatus,
}

impl From<&Student> for StudentRecord {
    fn from(s: &Student) -> Self {
        StudentRecord {
            student_id: s.student_id.clone(),
            name: s.name.clone(),
            gender: s.gender,
            birth_date: s.birth_date,
            disability: s.disability,
            guardian_name: s.guardian_name.clone(),
            guardian_phone: s.guardian_phone.clone(),
            address: s.address.clone(),
            school: s.school.clone(),
            available: s.available.clone(),
            status: s.status,
        }
    }
}

/// A student as the register's list shows them to the district's office: every
/// column the students sheet reads, in its order and under its headers, so that
/// a list exported, edited in Excel or WPS and imported back changes only what
/// was edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudentRegisterRow {
    pub student_id: String,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub disability: Option<Disability>,
    pub disability_grade: Option<u8>,
    pub diagnosis: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
    pub address: Option<String>,
    pub school: String,
    pub available: Vec<WeeklySlot>,
    pub status: StudentStatus,
}

impl From<&Student> for StudentRegisterRow {
    fn from(s: &Student) -> Self {
        StudentRegisterRow {
            student_id: s.student_id.clone(),
            name: s.name.clone(),
            gender: s.gender,
            birth_date: s.birth_date,
            disability: s.disability,
            disability_grade: s.disability_grade,
            diagnosis: s.diagnosis.clone(),
            guardian_name: s.guardian_name.clone(),
            guardian_phone: s.guardian_phone.clone(),
            address: s.address.clone(),
            school: s.school.clone(),
            available: s.available.clone(),
            status: s.status,
        }
    }
}

impl From<&Student> for StudentSummary {
    fn from(s: &Student) -> Self {
        StudentSummary {
            student_id: s.student_id.clone(),
            name: s.name.clone(),
            school: s.school.clone(),
            status: s.status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_carries_no_sensitive_detail() {
        let student = Student {
            student_id: "S001".into(),
            name: "李小明".into(),
            gender: Some(Gender::Male),
            birth_date: NaiveDate::from_ymd_opt(2015, 3, 2),
            disability: Some(Disability::Intellectual),
            disability_grade: None,
            diagnosis: None,
            guardian_name: Some("李强".into()),
            guardian_phone: Some("13800138000".into()),
            address: Some("城关镇幸福路1号".into()),
            school: "城关小学".into(),
            available: Vec::new(),
            status: StudentStatus::Active,
        };
        let summary = serde_json::to_string(&StudentSummary::from(&student)).unwrap();
        for secret in ["13800138000", "幸福路", "intellectual", "李强", "2015"] {
            assert!(!summary.contains(secret), "{summary}");
        }
        let record = serde_json::to_string(&StudentRecord::from(&student)).unwrap();
        assert!(record.contains("13800138000") && record.contains("intellectual"));
    }
}
