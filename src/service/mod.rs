//! The use cases: one function per thing a person or a job does, called by every
//! door (the command line, the daemon, later the web pages and the JSON API). Each
//! owns its transaction, audit rows and outbox rows, and answers in data terms: a
//! typed result, or a [`ServiceError`] that each door words for its reader.
//!
//! Use cases move here from `jobs/`, `import/`, `reports/` and the command
//! handlers one by one (docs/architecture.md, "Where this is going").

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod backup;
pub mod calendar_feed;
pub mod check_pace;
pub mod dashboard;
pub mod digest;
pub mod imports;
pub mod job_runs;
pub mod leave;
pub mod my_week;
pub mod outbox;
pub mod people;
pub mod photos;
pub mod plan_week;
pub mod plans;
pub mod privacy;
pub mod progress;
pub mod recording;
pub mod registry;
pub mod remind_unrecorded;
pub mod reports;
pub mod school_calendar;
pub mod second_factor;
pub mod secrets;
pub mod simulate;
pub mod students;
pub mod teacher_loads;
pub mod tokens;
pub mod visits;
pub mod week_board;

use std::fmt;

pub use crate::reason::Reason;

use crate::domain::access::{Role, Scope};

/// The database a door opens and hands to the services, and whether a failure
/// of it is only another writer holding it.
pub use crate::store::{Store, StoreError, is_busy};

/// Who acts, with their role and scope; recorded in audit rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// As audit rows record it: `cli:USER`, `user:EMAIL`, a job's name.
    pub name: String,
    /// As pages greet them: the account's name.
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// The account behind a login; None for the command line and the daemon.
    pub account_id: Option<i64>,
}

impl Actor {
    /// The command line and the daemon: they run on the server, as a local admin.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            display_name: name.clone(),
            name,
            role: Role::Admin,
            scope: Scope::District,
            account_id: None,
        }
    }

    /// Whether the actor sees the children of `school`.
    pub fn sees_school(&self, school: &str) -> bool {
        self.scope.covers_school(school)
    }

    /// The children (and teachers) of the schools the actor sees, for a store
    /// read to select in SQL; a teacher's scope holds no school.
    pub fn schools_seen(&self) -> crate::store::people::Which<'_> {
        use crate::domain::access::Scope;
        use crate::store::people::Which;
        match &self.scope {
            Scope::District => Which::Everyone,
            Scope::Schools { schools } => Which::OfSchools(schools),
            Scope::Teacher { .. } => Which::OfSchools(&[]),
        }
    }

    /// Whether the actor keeps the registers of `school` (people, plans, the
    /// board's moves, leave): coordinators and admins whose scope holds it.
    pub fn keeps_school(&self, school: &str) -> bool {
        self.role.keeps_registers() && self.scope.covers_school(school)
    }

    /// What only an admin may do: anyone else is refused, told whose it is.
    pub(crate) fn admins_only(&self, whose: &str) -> Result<(), ServiceError> {
        if self.role.is_admin() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(whose.into()))
        }
    }

    /// The actor as audit rows record it.
    pub fn audit(&self) -> crate::store::Actor {
        crate::store::Actor(self.name.clone())
    }
}

/// One thing wrong with the input: the field (a sheet's column), the line of a
/// sheet when it came from one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub line: Option<usize>,
    pub reason: Reason,
}

impl Problem {
    pub fn new(field: impl Into<String>, reason: Reason) -> Self {
        Self {
            field: field.into(),
            line: None,
            reason,
        }
    }
}

impl Problem {
    /// The problem in the reader's language: 第 3 行，“原因”列：… under zh-CN.
    pub fn text(&self, chinese: bool) -> String {
        if !chinese {
            return self.to_string();
        }
        let (field, reason) = (
            crate::speech::Speech::chinese().header(&self.field),
            self.reason.chinese(),
        );
        match self.line {
            Some(line) => format!("第 {line} 行，“{field}”列：{reason}"),
            None => format!("{field}：{reason}"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, column {}: {}", self.field, self.reason),
            None => write!(f, "{}: {}", self.field, self.reason),
        }
    }
}

/// What went wrong, in data terms: no command-line or HTTP wording below the doors.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("there is no {what} {id}")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Conflict(Reason),
    #[error("{}", problems_text(.0))]
    Invalid(Vec<Problem>),
    /// A record older than the lock needs a reason (and, with logins, a coordinator).
    #[error("{0}")]
    Locked(Reason),
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The caller saw an older version of what they change: someone changed it
    /// meanwhile; nothing was written.
    #[error("{what} has changed since version {seen}: it is version {now}")]
    Stale { what: String, seen: i64, now: i64 },
    /// The settings lack or spoil what the use case needs (a year's calendar,
    /// the slot table): for whoever keeps the configuration, not the user.
    #[error("{0}")]
    Settings(String),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

fn problems_text(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<sqlx::Error> for ServiceError {
    fn from(error: sqlx::Error) -> Self {
        ServiceError::Storage(StoreError::Sqlx(error))
    }
}

/// A week's problem the planner cannot read (a bug upstream or a bad stored
/// row): the field at fault and why.
impl From<crate::planner::ProblemError> for ServiceError {
    fn from(error: crate::planner::ProblemError) -> Self {
        ServiceError::Settings(format!(
            "the week's problem: {}: {}",
            error.field, error.reason
        ))
    }
}

/// One student, one plan a year: a second plan conflicts with the first.
impl From<crate::store::plans::PlanError> for ServiceError {
    fn from(error: crate::store::plans::PlanError) -> Self {
        use crate::store::plans::PlanError;
        match error {
            PlanError::AlreadyExists {
                student_id,
                school_year,
                plan_id,
            } => ServiceError::Conflict(Reason::PlanExists {
                student: student_id,
                year: school_year.to_string(),
                plan: plan_id,
            }),
            PlanError::Store(e) => e.into(),
        }
    }
}

impl ServiceError {
    /// The error in the reader's language, for a person: each reason through
    /// the catalogue; what only the operators can mend says so.
    pub fn say(&self, chinese: bool) -> String {
        if !chinese {
            return self.to_string();
        }
        match self {
            ServiceError::NotFound { what, id } => {
                format!("找不到{} {id}", crate::reason::thing_zh(what))
            }
            ServiceError::Conflict(reason) => format!("与现有数据冲突：{}", reason.chinese()),
            ServiceError::Invalid(problems) => problems
                .iter()
                .map(|p| p.text(true))
                .collect::<Vec<_>>()
                .join("；"),
            ServiceError::Locked(reason) => reason.chinese(),
            ServiceError::Forbidden(_) => "您的角色或范围不允许此操作".into(),
            ServiceError::Stale { now, .. } => {
                format!("您看到的版本已过期，现在是第 {now} 版：请重新读取后再修改，未做任何更改")
            }
            ServiceError::Settings(text) => format!("设置有误（请运维人员处理）：{text}"),
            ServiceError::Storage(e) if is_busy(e) => {
                "数据库正被其他任务占用：请几秒后再试，未做任何更改".into()
            }
            ServiceError::Storage(e) => format!("数据库出错：{e}"),
        }
    }

    pub fn invalid(field: impl Into<String>, reason: Reason) -> Self {
        ServiceError::Invalid(vec![Problem::new(field, reason)])
    }

    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        ServiceError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

/// The calendar of the year a field names (a plan's year, a replay's first
/// day): a year without one is that field's problem.
pub(crate) fn calendar_for(
    settings: &crate::config::Settings,
    year: crate::domain::calendar::SchoolYear,
    field: &str,
) -> Result<crate::domain::calendar::SchoolCalendar, ServiceError> {
    match settings.calendar_if_any(year) {
        Ok(Some(calendar)) => Ok(calendar),
        Ok(None) => Err(ServiceError::invalid(
            field,
            Reason::NoCalendar {
                year: year.to_string(),
            },
        )),
        Err(detail) => Err(ServiceError::invalid(
            field,
            Reason::CalendarBroken { detail },
        )),
    }
}

/// The calendar of a year someone asked for (a page's year or week): a year the
/// district has no calendar for is not found, as any other thing asked for.
pub(crate) fn calendar_of(
    settings: &crate::config::Settings,
    year: crate::domain::calendar::SchoolYear,
) -> Result<crate::domain::calendar::SchoolCalendar, ServiceError> {
    settings
        .calendar_if_any(year)
        .map_err(ServiceError::Settings)?
        .ok_or_else(|| ServiceError::NotFound {
            what: "school calendar",
            id: year.to_string(),
        })
}
