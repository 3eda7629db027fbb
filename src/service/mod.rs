//! The use cases: one function per thing a person or a job does, called by every
//! door (the command line, the daemon, later the web pages and the JSON API). Each
//! owns its transaction, audit rows and outbox rows, and answers in data terms: a
//! typed result, or a [`ServiceError`] that each door words for its reader.
//!
//! Use cases move here from `jobs/`, `import/`, `reports/` and the command
//! handlers one by one (docs/architecture.md, "Where this is going").

pub mod alerts;
pub mod check_pace;
pub mod digest;
pub mod people;
pub mod plan_week;
pub mod plans;
pub mod progress;
pub mod remind_unrecorded;
pub mod simulate;
pub mod visits;

use std::fmt;

use crate::store::StoreError;

/// Who acts: recorded in audit rows. Logins will give it a role and a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
}

impl Actor {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }

    /// The actor as audit rows record it.
    pub fn audit(&self) -> crate::store::Actor {
        crate::store::Actor(self.name.clone())
    }
}

/// One thing wrong with the input: the field, the value given, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub value: Option<String>,
    pub reason: String,
}

impl Problem {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            value: None,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// What went wrong, in data terms: no command-line or HTTP wording below the doors.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("there is no {what} {id}")]
    NotFound { what: &'static str, id: String },
    #[error("{what} conflicts with {with}")]
    Conflict { what: String, with: String },
    #[error("{}", problems_text(.0))]
    Invalid(Vec<Problem>),
    /// A record older than the lock needs a reason (and, with logins, a coordinator).
    #[error("{what} is locked: {reason}")]
    Locked { what: String, reason: String },
    #[error("not allowed: {0}")]
    Forbidden(String),
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

impl ServiceError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        ServiceError::Invalid(vec![Problem::new(field, reason)])
    }
}
