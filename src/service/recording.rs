//! Recording a visit at the door, from the teacher's phone: the form and what it
//! sends. The rules are those of [`super::visits::record_in`], plus what a phone
//! brings: files (checked by [`super::photos`]), a key made on the phone so that
//! a record sent twice is stored once, and the state of the visit the phone saw,
//! so that a record made offline never silently overwrites a change made
//! meanwhile (a coordinator's record, a move).
//!
//! Who may record: the visit's teacher, and coordinators and admins whose scope
//! holds the child; a teacher cannot change a locked record (a coordinator can,
//! with a reason). Anyone else is told the visit does not exist.

use crate::reason::Reason;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::photos::{CleanImage, MAX_PHOTOS};
use super::visits::{RecordRules, record_in, visit_for_record};
use super::{Actor, ServiceError, audit};
use crate::config::Settings;
use crate::domain::access::{Role, Scope};
use crate::domain::calendar::SchoolYear;
use crate::domain::visit::VisitStatus;
use crate::store::access_log::ChainKey;
use crate::store::visit_files::{self, FileBytes, FileKind, VisitFile};
use crate::store::visits::{self, RecordInput, VisitForRecord};
use crate::store::{Store, Tx, people, plans};

/// The state of a visit a phone saw when it opened the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub record_version: i64,
    pub sequence: i64,
}

impl Seen {
    pub fn of(visit: &VisitForRecord) -> Self {
        Seen {
            record_version: visit.record_version,
            sequence: visit.sequence,
        }
    }
}

/// One of the plan's goals with what the record says of it.
#[derive(Debug, Clone, Serialize)]
pub struct FormGoal {
    pub goal_id: i64,
    pub text: String,
    pub taught: String,
    pub response: String,
}

/// Everything the record form shows.
#[derive(Debug, Clone)]
pub struct RecordForm {
    pub visit: VisitForRecord,
    pub student_name: String,
    pub slot_start: Option<NaiveTime>,
    pub slot_end: Option<NaiveTime>,
    pub goals: Vec<FormGoal>,
    pub files: Vec<VisitFile>,
    /// The slot has begun: a record may be made.
    pub begun: bool,
    /// Older than the lock: only a coordinator changes it.
    pub locked: bool,
    /// Whether this actor may record now.
    pub editable: bool,
}

/// What the phone sends.
#[derive(Debug, Clone)]
pub struct Submission {
    /// Made on the phone, one per record.
    pub key: Option<String>,
    /// The visit as the phone saw it; None: whatever it is now.
    pub seen: Option<Seen>,
    pub input: RecordInput,
    /// A new drawn signature replaces the one before.
    pub signature: Option<CleanImage>,
    pub photos: Vec<CleanImage>,
    /// Files of the record to take out (ids).
    pub remove_files: Vec<i64>,
}

impl Submission {
    /// A hash of everything the submission would write: the same record sent
    /// again has the same one.
    fn fingerprint(&self) -> String {
        let files: Vec<String> = self
            .signature
            .iter()
            .chain(&self.photos)
            .map(CleanImage::sha256)
            .collect();
        let said = format!("{:?}|{files:?}|{:?}", self.input, self.remove_files);
        super::secrets::secret_hash_bytes(said.as_bytes())
    }
}

/// What became of a submission.
#[derive(Debug, Clone)]
pub enum Submitted {
    Stored {
        record_version: i64,
        day: NaiveDate,
        /// The record as this submission wrote it, read in its transaction.
        written: Box<RecordForm>,
    },
    /// The key was seen before: nothing stored again.
    Repeated { record_version: i64, day: NaiveDate },
    /// The visit changed since the phone saw it: nothing stored; here it is now.
    Changed(Box<VisitForRecord>),
}

fn not_found(visit_id: i64) -> ServiceError {
    ServiceError::NotFound {
        what: "visit",
        id: visit_id.to_string(),
    }
}

/// The visit's teacher, and coordinators and admins who see the child.
async fn check_may_record(
    tx: &mut Tx,
    actor: &Actor,
    visit: &VisitForRecord,
) -> Result<(), ServiceError> {
    let allowed = actor.role.may_record()
        && match &actor.scope {
            Scope::Teacher { teacher_id } => &visit.teacher_id == teacher_id,
            scope => people::student(tx, &visit.student_id)
                .await?
                .is_some_and(|s| scope.covers_school(&s.school)),
        };
    if allowed {
        Ok(())
    } else {
        Err(not_found(visit.visit_id))
    }
}

/// The record's photos and signature: for those who may record the visit and
/// for the child's teachers, never for supervisors.
async fn check_may_see_files(
    tx: &mut Tx,
    actor: &Actor,
    visit: &VisitForRecord,
) -> Result<(), ServiceError> {
    if !actor.role.sees_contact_and_diagnosis() {
        return Err(not_found(visit.visit_id));
    }
    if let Scope::Teacher { teacher_id } = &actor.scope
        && &visit.teacher_id != teacher_id
    {
        let teaches = plans::active_plan(tx, &visit.student_id, SchoolYear::containing(visit.day))
            .await?
            .is_some_and(|p| {
                &p.terms.teacher_id == teacher_id
                    || p.terms.backup_teacher_id.as_ref() == Some(teacher_id)
            });
        return if teaches {
            Ok(())
        } else {
            Err(not_found(visit.visit_id))
        };
    }
    check_may_record(tx, actor, visit).await
}

/// The form for recording `visit_id`, filled with what is recorded already.
pub async fn form(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    visit_id: i64,
    address: &str,
) -> Result<RecordForm, ServiceError> {
    let rules = RecordRules::new(settings, now)?;
    let mut tx = audit::logged_read(store, actor, now).await?;
    let key = audit::chain_key(settings)?;
    let form = form_in(&mut tx, &rules, &key, actor, visit_id, address).await?;
    tx.commit().await?;
    Ok(form)
}

/// The record form as `tx` sees it: after a write, the version it wrote.
async fn form_in(
    tx: &mut Tx,
    rules: &RecordRules,
    key: &ChainKey,
    actor: &Actor,
    visit_id: i64,
    address: &str,
) -> Result<RecordForm, ServiceError> {
    let visit = visit_for_record(tx, visit_id).await?;
    check_may_record(tx, actor, &visit).await?;
    let student_name = people::student(tx, &visit.student_id)
        .await?
        .map_or_else(|| visit.student_id.clone(), |s| s.name);
    let notes = visits::goal_notes(tx, visit_id).await?;
    let goals = visits::active_goals(tx, visit.plan_id)
        .await?
        .into_iter()
        .map(|(goal_id, text)| {
            let note = notes.iter().find(|n| n.goal_id == goal_id);
            FormGoal {
                goal_id,
                text,
                taught: note.map(|n| n.taught.clone()).unwrap_or_default(),
                response: note.and_then(|n| n.response.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let files = visit_files::list(tx, visit_id).await?;
    audit::record_read(tx, key, actor, &visit.student_id, "record form", address).await?;
    let slot = rules.slots.get(&visit.slot);
    let begun = rules.slots.begins_at(visit.day, &visit.slot) <= rules.now;
    let locked = rules.is_locked(&visit);
    let editable =
        visit.status == VisitStatus::Planned && begun && !(locked && actor.role == Role::Teacher);
    Ok(RecordForm {
        slot_start: slot.map(|s| s.start),
        slot_end: slot.map(|s| s.end),
        visit,
        student_name,
        goals,
        files,
        begun,
        locked,
        editable,
    })
}

/// Records what the phone sent, in one transaction with its files and its key.
pub async fn submit(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    visit_id: i64,
    submission: Submission,
    address: &str,
) -> Result<Submitted, ServiceError> {
    let rules = RecordRules::new(settings, now)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let visit = visit_for_record(&mut tx, visit_id).await?;
    check_may_record(&mut tx, actor, &visit).await?;
    if let Some(key) = &submission.key {
        if key.is_empty() || key.len() > 100 {
            return Err(ServiceError::invalid("key", Reason::RecordKeyLength));
        }
        let fingerprint = submission.fingerprint();
        if !visit_files::claim_submission(&mut tx, key, visit_id, &fingerprint).await? {
            let earlier = visit_files::submission(&mut tx, key).await?;
            tx.rollback().await?;
            return match earlier {
                Some(earlier)
                    if earlier.visit_id == visit_id
                        && earlier
                            .fingerprint
                            .as_ref()
                            .is_some_and(|f| *f != fingerprint) =>
                {
                    Err(ServiceError::invalid(
                        "key",
                        Reason::KeyUsedForAnotherRecord,
                    ))
                }
                Some(earlier) if earlier.visit_id == visit_id => Ok(Submitted::Repeated {
                    record_version: earlier.record_version,
                    day: visit.day,
                }),
                _ => Err(ServiceError::invalid("key", Reason::KeyUsedForAnotherVisit)),
            };
        }
    }
    if submission.seen.is_some_and(|seen| seen != Seen::of(&visit)) {
        tx.rollback().await?;
        return Ok(Submitted::Changed(Box::new(visit)));
    }
    if actor.role == Role::Teacher && rules.is_locked(&visit) {
        return Err(ServiceError::Locked(Reason::LockedForTeachers {
            day: visit.day,
            days: rules.lock_after_days,
        }));
    }
    record_in(&mut tx, &visit, submission.input, &rules).await?;
    store_files(
        &mut tx,
        visit_id,
        submission.signature,
        submission.photos,
        &submission.remove_files,
    )
    .await?;
    let written = form_in(
        &mut tx,
        &rules,
        &audit::chain_key(settings)?,
        actor,
        visit_id,
        address,
    )
    .await?;
    let record_version = written.visit.record_version;
    if let Some(key) = &submission.key {
        visit_files::complete_submission(&mut tx, key, record_version).await?;
    }
    tx.commit().await?;
    Ok(Submitted::Stored {
        record_version,
        day: visit.day,
        written: Box::new(written),
    })
}

async fn store_files(
    tx: &mut Tx,
    visit_id: i64,
    signature: Option<CleanImage>,
    photos: Vec<CleanImage>,
    remove: &[i64],
) -> Result<(), ServiceError> {
    for file_id in remove {
        visit_files::remove(tx, visit_id, *file_id).await?;
    }
    let kept = visit_files::list(tx, visit_id).await?;
    if let Some(signature) = signature {
        for old in kept.iter().filter(|f| f.kind == FileKind::Signature.code()) {
            visit_files::remove(tx, visit_id, old.id).await?;
        }
        let sha256 = signature.sha256();
        let content_type = signature.content_type();
        visit_files::add(
            tx,
            visit_id,
            FileKind::Signature,
            content_type,
            signature.into_bytes(),
            &sha256,
        )
        .await?;
    }
    let photos_kept = kept
        .iter()
        .filter(|f| f.kind == FileKind::Photo.code())
        .count();
    if photos_kept + photos.len() > MAX_PHOTOS {
        return Err(ServiceError::invalid(
            "photos",
            Reason::TooManyPhotos {
                most: MAX_PHOTOS,
                kept: photos_kept,
                sent: photos.len(),
            },
        ));
    }
    for photo in photos {
        let sha256 = photo.sha256();
        let content_type = photo.content_type();
        visit_files::add(
            tx,
            visit_id,
            FileKind::Photo,
            content_type,
            photo.into_bytes(),
            &sha256,
        )
        .await?;
    }
    Ok(())
}

/// A file of a visit's record, for those who may see it; each read leaves an
/// access-log row.
pub async fn file(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    visit_id: i64,
    file_id: i64,
    address: &str,
) -> Result<FileBytes, ServiceError> {
    let mut tx = audit::logged_read(store, actor, now).await?;
    let visit = visit_for_record(&mut tx, visit_id).await?;
    check_may_see_files(&mut tx, actor, &visit).await?;
    let file = visit_files::bytes(&mut tx, visit_id, file_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            what: "file",
            id: file_id.to_string(),
        })?;
    audit::record_read(
        &mut tx,
        &audit::chain_key(settings)?,
        actor,
        &visit.student_id,
        "record file",
        address,
    )
    .await?;
    tx.commit().await?;
    Ok(file)
}
