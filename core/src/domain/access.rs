//! Who may see what: the roles, their scopes, and the rules that follow from them
//! (docs/architecture.md, "People, roles and what each may see"). Pure.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::student::coded;

coded!(
    /// What a person does in the district, and so what they may see and change.
    Role, "role" {
    Admin = "admin" ["管理员"],
    Coordinator = "coordinator" ["特教专干", "专干", "协调员"],
    Teacher = "teacher" ["教师", "送教教师"],
    Supervisor = "supervisor" ["督导"],
});

/// Whose children an account may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Every school of the district.
    District,
    /// The students of these schools.
    Schools { schools: Vec<String> },
    /// The students whose current plan names this teacher (responsible or backup).
    Teacher { teacher_id: String },
}

impl Scope {
    /// An account's scope as it is given: a teacher's account names its teacher;
    /// others name schools, or none for the whole district.
    pub fn of_account(role: Role, teacher: Option<String>, schools: Vec<String>) -> Scope {
        match (role, teacher) {
            (_, Some(teacher_id)) => Scope::Teacher { teacher_id },
            // Refused by the accounts' check, which says a teacher needs a teacher.
            (Role::Teacher, None) => Scope::Schools { schools },
            _ if schools.is_empty() => Scope::District,
            _ => Scope::Schools { schools },
        }
    }
}

impl Scope {
    /// Whether the scope holds this school's children: the district does, a
    /// school scope when it names it; a teacher's holds children, not schools.
    pub fn covers_school(&self, school: &str) -> bool {
        match self {
            Scope::District => true,
            Scope::Schools { schools } => schools.iter().any(|s| s == school),
            Scope::Teacher { .. } => false,
        }
    }

    /// Whether the scope holds a child of `school`; `taught` says whether the
    /// child's current plan names the scope's teacher (responsible or backup).
    pub fn covers_student(&self, school: &str, taught: impl FnOnce(&str) -> bool) -> bool {
        match self {
            Scope::Teacher { teacher_id } => taught(teacher_id),
            _ => self.covers_school(school),
        }
    }

    /// Whether the scope holds a visit of a child of `school` made by `teacher`.
    pub fn covers_visit(&self, school: &str, teacher: &str) -> bool {
        self.covers_student(school, |mine| mine == teacher)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::District => f.write_str("district"),
            Scope::Schools { schools } => write!(f, "schools: {}", schools.join(", ")),
            Scope::Teacher { teacher_id } => write!(f, "teacher {teacher_id}"),
        }
    }
}

impl Role {
    /// The guardian's phone, the address and the diagnosis: for the people who
    /// visit or keep the record, not for supervisors (PIPL: the least that does
    /// the job).
    pub fn sees_contact_and_diagnosis(self) -> bool {
        !matches!(self, Role::Supervisor)
    }

    /// What a visit's record says of the family and the child beyond the figures:
    /// the guardian's name who confirmed it, the teacher's free-text note and the
    /// child's responses. Supervisors see outcomes, periods, reasons and what was
    /// taught per goal, not these.
    pub fn sees_visit_details(self) -> bool {
        !matches!(self, Role::Supervisor)
    }

    /// Accounts, settings and every school.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    /// Registers people, revises plans, moves visits by hand and decides
    /// leave, in the schools of its scope.
    pub fn keeps_registers(self) -> bool {
        matches!(self, Role::Coordinator | Role::Admin)
    }

    /// Records a visit (a supervisor reads records, never makes them).
    pub fn may_record(self) -> bool {
        self != Role::Supervisor
    }

    /// The scope an account of this role must have, checked when it is made.
    pub fn check_scope(self, scope: &Scope) -> Result<(), crate::reason::Reason> {
        use crate::reason::Reason;
        match (self, scope) {
            (Role::Admin, Scope::District) => Ok(()),
            (Role::Admin, _) => Err(Reason::AdminSeesDistrict),
            (Role::Teacher, Scope::Teacher { .. }) => Ok(()),
            (Role::Teacher, _) => Err(Reason::TeacherAccountNeedsTeacher),
            (Role::Coordinator | Role::Supervisor, Scope::Teacher { .. }) => {
                Err(Reason::RoleCoversSchools { role: self })
            }
            (_, Scope::Schools { schools }) if schools.is_empty() => Err(Reason::NameASchool),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_in_chinese_and_english() {
        assert_eq!("督导".parse::<Role>(), Ok(Role::Supervisor));
        assert_eq!("Teacher".parse::<Role>(), Ok(Role::Teacher));
        assert!("principal".parse::<Role>().is_err());
    }

    #[test]
    fn each_role_has_its_kind_of_scope() {
        let teacher = Scope::Teacher {
            teacher_id: "T01".into(),
        };
        let schools = Scope::Schools {
            schools: vec!["城关小学".into()],
        };
        assert!(Role::Teacher.check_scope(&teacher).is_ok());
        assert!(Role::Teacher.check_scope(&Scope::District).is_err());
        assert!(Role::Supervisor.check_scope(&schools).is_ok());
        assert!(Role::Supervisor.check_scope(&teacher).is_err());
        assert!(Role::Admin.check_scope(&schools).is_err());
        assert!(
            Role::Coordinator
                .check_scope(&Scope::Schools { schools: vec![] })
                .is_err()
        );
        assert!(!Role::Supervisor.sees_contact_and_diagnosis());
        assert!(Role::Teacher.sees_contact_and_diagnosis());
    }

    #[test]
    fn a_scope_covers_its_schools_or_its_teachers_children() {
        let school = Scope::Schools {
            schools: vec!["城关小学".into()],
        };
        let teacher = Scope::Teacher {
            teacher_id: "T01".into(),
        };
        assert!(Scope::District.covers_school("东关小学"));
        assert!(school.covers_school("城关小学") && !school.covers_school("东关小学"));
        assert!(!teacher.covers_school("城关小学"));
        assert!(teacher.covers_student("城关小学", |t| t == "T01"));
        assert!(!teacher.covers_student("城关小学", |t| t == "T02"));
        assert!(school.covers_student("城关小学", |_| false));
        assert!(
            teacher.covers_visit("东关小学", "T01") && !teacher.covers_visit("东关小学", "T02")
        );
        assert!(!school.covers_visit("东关小学", "T01"));
        assert!(Role::Coordinator.keeps_registers() && Role::Admin.keeps_registers());
        assert!(!Role::Supervisor.keeps_registers() && !Role::Teacher.keeps_registers());
        assert!(!Role::Supervisor.may_record() && Role::Teacher.may_record());
    }
}
