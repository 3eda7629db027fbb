//! A child's data as the law asks (个人信息保护法): `student export` writes
//! everything held about one child for a guardian's request; the `retention` job
//! anonymises the children who left more than `privacy.retention_years` ago.
//! Both leave an audit row.

use chrono::{DateTime, Months, Utc};
use serde::Serialize;

use super::people::StudentRecord;
use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::store::{Store, audit, people, plans, privacy};

/// Everything held about one child, as one JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct StudentExport {
    /// When it was written, and by whom.
    pub exported_at: DateTime<Utc>,
    pub exported_by: String,
    pub student: StudentRecord,
    pub disability_grade: Option<u8>,
    pub diagnosis: Option<String>,
    pub pauses: Vec<people::Absence>,
    /// Every revision of every plan (一人一案), goals included.
    pub plan_revisions: Vec<plans::Revision>,
    #[serde(flatten)]
    pub held: privacy::Held,
}

/// Reads everything held about `student_id` and records that it was exported, in
/// one transaction: the export is in the audit log the moment it exists.
pub async fn export_student(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    student_id: &str,
) -> Result<StudentExport, ServiceError> {
    let mut tx = store.write(&actor.audit(), now).await?;
    let student = people::student(&mut tx, student_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("student", student_id))?;
    let pauses = people::student_pauses(&mut tx, Some(student_id)).await?;
    let plan_revisions = plans::history(&mut tx, student_id).await?;
    let held = privacy::held(&mut tx, student_id).await?;
    let detail = serde_json::json!({
        "visits": held.visits.len(), "files": held.files.len(), "reads": held.access_log.len(),
    });
    audit::record(&mut tx, "export", "student", student_id, detail).await?;
    tx.commit().await?;
    Ok(StudentExport {
        exported_at: now,
        exported_by: actor.name.clone(),
        student: StudentRecord::from(&student),
        disability_grade: student.disability_grade,
        diagnosis: student.diagnosis.clone(),
        pauses,
        plan_revisions,
        held,
    })
}

/// Anonymises every child whose record was set to "left" more than
/// `privacy.retention_years` before `now`; answers how many.
pub async fn anonymise_left(
    store: &Store,
    actor: &Actor,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let years = settings.privacy.retention_years;
    let before = now
        .checked_sub_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut tx = store.write(&actor.audit(), now).await?;
    let left = privacy::left_before(&mut tx, before).await?;
    for student_id in &left {
        privacy::anonymise(&mut tx, student_id, years).await?;
    }
    tx.commit().await?;
    Ok(left.len())
}
