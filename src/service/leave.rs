//! A teacher's own leave (请假): the teacher asks, the coordinators of their
//! school hear of it by email (through the outbox, in the same transaction), and
//! planning counts it once a coordinator approves it; the teacher hears the
//! answer the same way. Leave a coordinator enters (`teacher leave add`) is
//! approved as it is made.

use crate::reason::Reason;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::access::{Role, Scope};
use crate::domain::leave::{self, LeaveStatus};
use crate::domain::slot::WeeklySlot;
use crate::notify::mail::{LeaveDecidedMail, LeaveRequestMail};
use crate::speech::Speech;
use crate::store::outbox::{self, NewMessage};
use crate::store::people::{self, LeaveRequest, Teacher, Which};
use crate::store::{Store, Tx, accounts};

/// What a teacher asks for.
#[derive(Debug, Clone)]
pub struct NewLeave {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Half-days only; empty: whole days.
    pub slots: Vec<WeeklySlot>,
    pub reason: String,
}

/// A request as the pages list it.
#[derive(Debug, Clone, Serialize)]
pub struct LeaveView {
    #[serde(flatten)]
    pub request: LeaveRequest,
    pub teacher_name: String,
    pub school: String,
}

fn own_teacher(actor: &Actor) -> Result<&str, ServiceError> {
    match &actor.scope {
        Scope::Teacher { teacher_id } => Ok(teacher_id),
        _ => Err(ServiceError::Forbidden(
            "only a teacher asks for their own leave".into(),
        )),
    }
}

/// Whether the actor decides on this teacher's leave.
fn decides_for(actor: &Actor, teacher: &Teacher) -> bool {
    actor.keeps_school(&teacher.school)
}

/// Who hears of a teacher's request (or, for a teacher without email, their
/// week, to pass on): the coordinators whose scope holds the teacher's school
/// (accounts and registered staff), else the operators, so that nothing waits
/// unseen.
pub(super) async fn deciders(
    tx: &mut Tx,
    settings: &Settings,
    teacher: &Teacher,
) -> Result<Vec<String>, ServiceError> {
    let mut emails: Vec<String> = accounts::list(tx)
        .await?
        .into_iter()
        .filter(|a| a.role == Role::Coordinator && a.disabled_at.is_none())
        .filter(|a| a.scope.covers_school(&teacher.school))
        .map(|a| a.email)
        .collect();
    emails.extend(people::coordinator_emails(tx).await?);
    emails.sort();
    emails.dedup();
    if emails.is_empty() {
        emails = settings.mail.operators.clone();
    }
    Ok(emails)
}

/// A teacher asks for leave; answers its id.
pub async fn request(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    new: &NewLeave,
) -> Result<i64, ServiceError> {
    let teacher_id = own_teacher(actor)?;
    let today = now.with_timezone(&settings.time_zone).date_naive();
    leave::check_request(new.from, new.to, &new.reason, today)
        .and_then(|()| {
            leave::Away {
                from: new.from,
                to: new.to,
                slots: new.slots.clone(),
            }
            .check()
        })
        .map_err(|(field, reason)| ServiceError::invalid(field, reason))?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let teacher =
        people::teacher(&mut tx, teacher_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                what: "teacher",
                id: teacher_id.to_string(),
            })?;
    let reason = new.reason.trim();
    let id =
        people::request_leave(&mut tx, teacher_id, (new.from, new.to), &new.slots, reason).await?;
    let mail = LeaveRequestMail {
        teacher: &teacher.name,
        school: &teacher.school,
        from: new.from,
        to: new.to,
        half_days: &Speech::of(settings).weekly_slots(&new.slots),
        reason,
        link: &settings.web.public_url,
    }
    .render(settings.locale);
    let messages = deciders(&mut tx, settings, &teacher)
        .await?
        .into_iter()
        .map(|recipient| NewMessage {
            idempotency_key: format!("leave-request:{id}:{recipient}"),
            kind: "leave",
            channel: crate::store::outbox::Channel::Email,
            recipient,
            subject: mail.subject.clone(),
            body_text: mail.text.clone(),
            body_html: None,
            attachments: Vec::new(),
        })
        .collect();
    outbox::enqueue(&mut tx, messages).await?;
    tx.commit().await?;
    Ok(id)
}

/// The leave the actor sees: a teacher their own; a coordinator or admin their
/// schools' teachers' (`waiting` only: the requests still to decide).
pub async fn requests(
    store: &Store,
    actor: &Actor,
    waiting: bool,
) -> Result<Vec<LeaveView>, ServiceError> {
    let mut tx = store.read().await?;
    let status = waiting.then_some(LeaveStatus::Requested);
    let (rows, teachers) = match &actor.scope {
        Scope::Teacher { teacher_id } => (
            people::leave_requests(&mut tx, Some(teacher_id), status).await?,
            people::teachers(&mut tx, Which::One(teacher_id)).await?,
        ),
        Scope::Schools { schools } if actor.role.keeps_registers() => (
            people::leave_requests(&mut tx, None, status).await?,
            people::teachers(&mut tx, Which::OfSchools(schools)).await?,
        ),
        Scope::District if actor.role.keeps_registers() => (
            people::leave_requests(&mut tx, None, status).await?,
            people::teachers(&mut tx, Which::Everyone).await?,
        ),
        _ => {
            return Err(ServiceError::Forbidden(
                "leave is for teachers and coordinators".into(),
            ));
        }
    };
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .filter_map(|request| {
            let teacher = teachers
                .iter()
                .find(|t| t.teacher_id == request.teacher_id)?;
            let own = matches!(&actor.scope, Scope::Teacher { .. });
            (own || decides_for(actor, teacher)).then(|| LeaveView {
                teacher_name: teacher.name.clone(),
                school: teacher.school.clone(),
                request,
            })
        })
        .collect())
}

/// A coordinator approves (planning counts it from now) or declines a request;
/// the teacher is told.
pub async fn decide(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    approve: bool,
) -> Result<LeaveRequest, ServiceError> {
    let not_found = || ServiceError::NotFound {
        what: "leave request",
        id: id.to_string(),
    };
    if !actor.role.keeps_registers() {
        return Err(ServiceError::Forbidden(
            "leave is decided by the teacher's coordinators".into(),
        ));
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    let request = people::leave_requests(&mut tx, None, None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(not_found)?;
    let teacher = people::teacher(&mut tx, &request.teacher_id)
        .await?
        .ok_or_else(not_found)?;
    if !decides_for(actor, &teacher) {
        return Err(not_found());
    }
    let status = if approve {
        LeaveStatus::Approved
    } else {
        LeaveStatus::Declined
    };
    if !people::decide_leave(&mut tx, id, status).await? {
        return Err(ServiceError::Conflict(Reason::LeaveDecided {
            id,
            status: request.status,
        }));
    }
    let mail = LeaveDecidedMail {
        name: &teacher.name,
        from: request.start_date,
        to: request.end_date,
        half_days: &Speech::of(settings).stored_slots(&request.slots),
        approved: approve,
        link: &settings.web.public_url,
    }
    .render(settings.locale);
    // A teacher without email reads the answer on the leave page.
    let told = teacher.email.iter().map(|email| NewMessage {
        idempotency_key: format!("leave-decided:{id}"),
        kind: "leave",
        channel: crate::store::outbox::Channel::Email,
        recipient: email.clone(),
        subject: mail.subject.clone(),
        body_text: mail.text.clone(),
        body_html: None,
        attachments: Vec::new(),
    });
    outbox::enqueue(&mut tx, told.collect()).await?;
    let decided = people::leave_requests(&mut tx, Some(&teacher.teacher_id), None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(decided)
}
