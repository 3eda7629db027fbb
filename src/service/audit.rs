//! The access log (every read of a child's details, who read it and from where)
//! and, for the audit page, the changes beside the reads.

use chrono::{DateTime, Utc};

use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::access::{Role, Scope};
use crate::notify::mail::AccessAnchorMail;
use crate::store::access_log::{self, Access, AccessFilter, Anchor, ChainKey};
pub use crate::store::access_log::{AccessRow, Verdict};
pub use crate::store::audit::AuditRow;
use crate::store::audit::ChangeFilter;
use crate::store::outbox::{self, Channel, NewMessage};
use crate::store::{Store, Tx};

/// The access log's chain key, derived from the secrets key (kept outside the
/// database), and the one before a rotation.
pub fn chain_key(settings: &Settings) -> Result<ChainKey, ServiceError> {
    let keys = crate::sealed::Keys::of(settings).map_err(ServiceError::Settings)?;
    let (current, previous) = keys.derived("songjiao access log chain v1");
    Ok(ChainKey::new(current, previous))
}

/// How long a page that reads a child's details waits for another writer to
/// finish before it answers "busy" (its access-log row needs the write lock).
pub const READ_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The transaction of a page that reads a child's details and logs the read.
pub async fn logged_read(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Tx, ServiceError> {
    Ok(store.write_briefly(&actor.audit(), now, READ_WAIT).await?)
}

/// Records that `actor` read `what` of a student, in the caller's transaction.
pub async fn record_read(
    tx: &mut Tx,
    key: &ChainKey,
    actor: &Actor,
    student_id: &str,
    what: &str,
    address: &str,
) -> Result<(), ServiceError> {
    let account = actor.name.strip_prefix("user:").unwrap_or(&actor.name);
    access_log::append(
        tx,
        key,
        &Access {
            account,
            role: actor.role.code(),
            student_id,
            what,
            address,
        },
    )
    .await?;
    Ok(())
}

/// Which reads to list.
#[derive(Debug, Clone, Default)]
pub struct AccessQuery {
    pub student_id: Option<String>,
    /// An account's email.
    pub account: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

fn require_admin(actor: &Actor) -> Result<(), ServiceError> {
    actor.admins_only("only an admin reads the access log")
}

/// The audit page is for admins and the district's coordinators: it names every
/// school's children.
fn require_district_keeper(actor: &Actor) -> Result<(), ServiceError> {
    match (actor.role, &actor.scope) {
        (Role::Admin, _) | (Role::Coordinator, Scope::District) => Ok(()),
        _ => Err(ServiceError::Forbidden(
            "the audit is for admins and the district's coordinators".into(),
        )),
    }
}

/// What the audit page asks for: a child, a person (an account's email), days.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub student_id: Option<String>,
    pub account: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only changes to this kind of thing (`student`, `plan`, `visit`…).
    pub entity: Option<String>,
    /// Rows of each kind skipped, the newest first.
    pub offset: usize,
}

/// At most this many rows of each kind, the newest.
pub const AUDIT_ROWS: usize = 500;
/// At most this many rows of a kind in the audit's sheet.
pub const SHEET_ROWS: usize = 50_000;

/// A page of reads and changes a query selects, and how many there are.
pub struct AuditPage {
    pub reads: Vec<AccessRow>,
    pub reads_total: usize,
    pub changes: Vec<AuditRow>,
    pub changes_total: usize,
    /// A visit's or plan's child and day or year, by (entity, id).
    pub subjects: std::collections::HashMap<(String, String), String>,
    /// Teachers' names by id, for the changes that name a teacher.
    pub teachers: std::collections::HashMap<String, String>,
    /// The read children's names by id.
    pub student_names: std::collections::HashMap<String, String>,
}

/// Reads (the access log) and changes (the audit log) a query selects, newest
/// first: `rows` of each from the query's offset.
pub async fn audit_page(
    store: &Store,
    actor: &Actor,
    query: &AuditQuery,
    rows: usize,
) -> Result<AuditPage, ServiceError> {
    require_district_keeper(actor)?;
    let mut tx = store.read().await?;
    // A child typed by name is found by it.
    let student_id = match &query.student_id {
        Some(typed) => Some(
            crate::store::audit::student_typed(&mut tx, typed)
                .await?
                .unwrap_or_else(|| typed.clone()),
        ),
        None => None,
    };
    let mut reads = access_log::list(
        &mut tx,
        &AccessFilter {
            student_id: student_id.clone(),
            account: query.account.clone(),
            since: query.since,
        },
    )
    .await?;
    reads.retain(|r| query.until.is_none_or(|until| r.at < until));
    let reads_total = reads.len();
    let reads: Vec<AccessRow> = reads
        .into_iter()
        .rev()
        .skip(query.offset)
        .take(rows)
        .collect();
    let filter = ChangeFilter {
        student_id,
        actor: query.account.as_ref().map(|email| format!("user:{email}")),
        since: query.since,
        until: query.until,
        entity: query.entity.clone(),
    };
    let changes =
        crate::store::audit::list(&mut tx, &filter, (rows as i64, query.offset as i64)).await?;
    let changes_total = crate::store::audit::count(&mut tx, &filter).await? as usize;
    let subjects = crate::store::audit::subjects(&mut tx, &changes).await?;
    let read_ids: Vec<&str> = reads.iter().map(|r| r.student_id.as_str()).collect();
    let student_names = crate::store::audit::student_names(&mut tx, &read_ids).await?;
    let teachers = crate::store::people::teachers(&mut tx, None)
        .await?
        .into_iter()
        .map(|t| (t.teacher_id, t.name))
        .collect();
    tx.rollback().await?;
    Ok(AuditPage {
        reads,
        reads_total,
        changes,
        changes_total,
        subjects,
        teachers,
        student_names,
    })
}

pub async fn access_list(
    store: &Store,
    actor: &Actor,
    query: &AccessQuery,
) -> Result<Vec<AccessRow>, ServiceError> {
    require_admin(actor)?;
    let mut tx = store.read().await?;
    let rows = access_log::list(
        &mut tx,
        &AccessFilter {
            student_id: query.student_id.clone(),
            account: query.account.clone(),
            since: query.since,
        },
    )
    .await?;
    tx.rollback().await?;
    Ok(rows)
}

/// The anchors file: one line a night, beside the backups, so that a copy of the
/// log's end is kept outside the database.
pub fn anchors_file(settings: &Settings) -> std::path::PathBuf {
    settings.backup_dir().join("access-log-anchors.txt")
}

/// Written to the anchors file when the chain is written again under a new key:
/// the anchors before it name hashes that are no longer.
const RECHAINED: &str = "rechained";

/// The anchors kept since the chain was last written again; a line that cannot
/// be read is named.
fn read_anchors(settings: &Settings) -> Result<Vec<Anchor>, ServiceError> {
    let file = anchors_file(settings);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ServiceError::Settings(format!(
                "cannot read {}: {e}",
                file.display()
            )));
        }
    };
    let mut anchors = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.starts_with(RECHAINED) {
            anchors.clear();
        } else if !line.trim().is_empty() {
            anchors.push(Anchor::parse(line).ok_or_else(|| {
                ServiceError::Settings(format!(
                    "{} line {}: not an anchor (`TIME rows=N last=ID head=HASH`)",
                    file.display(),
                    number + 1
                ))
            })?);
        }
    }
    Ok(anchors)
}

fn append_to_anchors(settings: &Settings, line: &str) -> Result<(), ServiceError> {
    use std::io::Write;
    let file = anchors_file(settings);
    let written = file
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&file)
        })
        .and_then(|mut f| writeln!(f, "{line}").and_then(|()| f.sync_all()));
    written.map_err(|e| ServiceError::Settings(format!("cannot write {}: {e}", file.display())))
}

/// The log's end now, appended to the anchors file (the nightly backup job).
pub async fn keep_anchor(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Anchor, ServiceError> {
    let mut tx = store.read().await?;
    let anchor = access_log::anchor(&mut tx, now).await?;
    tx.rollback().await?;
    append_to_anchors(settings, &anchor.line())?;
    Ok(anchor)
}

/// The log's end now, mailed to the operators (`mail.operators`) once a week
/// with the digest; answers how many were queued.
pub async fn mail_anchor(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let operators = &settings.mail.operators;
    if operators.is_empty() {
        return Ok(0);
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    let anchor = access_log::anchor(&mut tx, now).await?;
    let at = now
        .with_timezone(&settings.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let line = anchor.line();
    let mail = AccessAnchorMail {
        at: &at,
        rows: anchor.rows,
        last_id: anchor.last_id,
        hash: &anchor.hash,
        line: &line,
    }
    .render(settings.locale);
    let messages = operators
        .iter()
        .map(|operator| NewMessage {
            idempotency_key: format!("access-anchor:{}:{operator}", now.format("%G-W%V")),
            kind: "operator",
            channel: Channel::Email,
            recipient: operator.clone(),
            subject: mail.subject.clone(),
            body_text: mail.text.clone(),
            body_html: None,
            attachments: Vec::new(),
        })
        .collect();
    outbox::enqueue(&mut tx, messages).await?;
    tx.commit().await?;
    Ok(operators.len())
}

/// Walks the chain under its key, then checks it against the anchors kept
/// outside the database: intact, or the first row altered or removed.
pub async fn verify(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Verdict, ServiceError> {
    require_admin(actor)?;
    let key = chain_key(settings)?;
    let anchors = read_anchors(settings)?;
    let prunable_before =
        now - chrono::Duration::days(i64::from(settings.security.access_log_days));
    let mut tx = store.read().await?;
    let verdict = access_log::verify(&mut tx, &key, &anchors, prunable_before).await?;
    tx.rollback().await?;
    Ok(verdict)
}

/// Writes the chain again under the current key (after a rotation, `user
/// rekey`; `unkeyed`: once, when `init` upgrades a database whose chain was not
/// keyed), after checking it holds; an anchor line marks the new chain.
pub async fn rechain(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    unkeyed: bool,
) -> Result<Verdict, ServiceError> {
    let key = chain_key(settings)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let verdict = access_log::rechain(&mut tx, &key, unkeyed).await?;
    if !matches!(verdict, Verdict::Intact { .. }) {
        tx.rollback().await?;
        return Ok(verdict);
    }
    let anchor = access_log::anchor(&mut tx, now).await?;
    tx.commit().await?;
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    append_to_anchors(settings, &format!("{RECHAINED} {at}"))?;
    append_to_anchors(settings, &anchor.line())?;
    Ok(verdict)
}

/// Removes the reads older than `security.access_log_days` (a daemon job).
pub async fn prune(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let key = chain_key(settings)?;
    let keep_days = settings.security.access_log_days;
    let mut tx = store.write(&actor.audit(), now).await?;
    let removed = access_log::prune(
        &mut tx,
        &key,
        now - chrono::Duration::days(i64::from(keep_days)),
    )
    .await?;
    tx.commit().await?;
    Ok(removed)
}
