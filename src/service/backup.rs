//! The nightly `backup` job: a copy of the database into `backup.dir`, named by
//! the time it was scheduled for, keeping the newest `backup.keep` copies.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::store::Store;
use crate::store::backup;
pub use crate::store::backup::BackupError;

const PREFIX: &str = "songjiao-";

/// The extension of a backup of this store: a SQLite file, or a pg_dump file.
fn extension(store: &Store) -> &'static str {
    match store {
        Store::Sqlite(..) => "db",
        Store::Postgres(_) => "pgdump",
    }
}

/// Writes the copy for `scheduled_for` and removes the copies past `backup.keep`;
/// answers what it did in a line.
pub async fn nightly(
    store: &Store,
    settings: &Settings,
    scheduled_for: DateTime<Utc>,
) -> Result<String, BackupError> {
    let dir = &settings.backup_dir();
    std::fs::create_dir_all(dir).map_err(|source| BackupError::Write {
        path: dir.clone(),
        source,
    })?;
    let local = scheduled_for.with_timezone(&settings.time_zone);
    let ext = extension(store);
    let file = dir.join(format!("{PREFIX}{}.{ext}", local.format("%Y-%m-%d-%H%M")));
    backup::backup(store, &settings.database.url, &file).await?;
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let removed = remove_old_copies(dir, ext, settings.backup.keep as usize)?;
    Ok(format!(
        "Backup written to {} ({:.1} MB); {removed} older cop{} removed.",
        file.display(),
        size as f64 / 1_048_576.0,
        if removed == 1 { "y" } else { "ies" }
    ))
}

/// Removes the job's oldest copies (their names sort by time) beyond `keep`; other
/// files in the folder are left alone.
fn remove_old_copies(dir: &std::path::Path, ext: &str, keep: usize) -> Result<usize, BackupError> {
    let read_error = |source| BackupError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let suffix = format!(".{ext}");
    let mut copies: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_error)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(&suffix))
        })
        .collect();
    copies.sort();
    let surplus = copies.len().saturating_sub(keep);
    for old in &copies[..surplus] {
        std::fs::remove_file(old).map_err(|source| BackupError::Write {
            path: old.clone(),
            source,
        })?;
    }
    Ok(surplus)
}

/// A consistent copy of the database in `file` (the command line's `backup`):
/// an admin's to make, as it holds every child's record.
pub async fn copy(
    store: &Store,
    actor: &super::Actor,
    url: &str,
    file: &std::path::Path,
) -> Result<(), BackupError> {
    if !actor.role.is_admin() {
        return Err(BackupError::Refused(
            "a copy of the database is the admins'".into(),
        ));
    }
    backup::backup(store, url, file).await
}

/// Puts a copy back in place of the database `settings` names, before anyone
/// can use it (the command line's `restore`).
pub async fn restore(
    settings: &crate::config::DatabaseSettings,
    file: &std::path::Path,
) -> Result<(), BackupError> {
    backup::restore(settings, file).await
}
