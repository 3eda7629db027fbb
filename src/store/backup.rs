//! A consistent copy of the database while the daemon runs, and a copy restored
//! into an empty database.
//!
//! SQLite: `VACUUM INTO` reads one snapshot (WAL mode lets writers go on) into a
//! new file, written beside the target and renamed into place, so a file with the
//! backup's name is always whole. PostgreSQL: `pg_dump --format=custom` (one
//! snapshot too), restored with `pg_restore`; both are PostgreSQL's own client
//! tools, found on the PATH.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use super::Store;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The one asking may not.
    #[error("{0}")]
    Refused(String),
    #[error("{0} already exists: choose a new file name (a backup never overwrites a file)")]
    Exists(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{tool} is not installed: it comes with PostgreSQL's client tools (Debian/Ubuntu: `apt-get install postgresql-client`; its version must be the server's or newer), or use the server's own backups"
    )]
    NoTool { tool: &'static str },
    #[error("{tool} failed: {message}")]
    Tool { tool: &'static str, message: String },
    #[error("{0} is not a songjiao backup of a SQLite database: {1}")]
    NotSqliteBackup(PathBuf, String),
    #[error(
        "{0} is not a backup made by `songjiao backup` on PostgreSQL (a pg_dump custom-format file)"
    )]
    NotPostgresBackup(PathBuf),
    #[error("the restored database fails SQLite's integrity check: {0}")]
    Damaged(String),
    #[error(
        "the database {0} is not empty: restore into a new database (a new SQLite path, or `createdb` a new PostgreSQL database) and point --database at it"
    )]
    NotEmpty(String),
    #[error(transparent)]
    Store(#[from] super::StoreError),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl BackupError {
    /// The failure in Chinese: the catalogue's words for what a person can mend.
    pub fn chinese(&self) -> String {
        use crate::reason::Reason;
        let path = |p: &PathBuf| p.display().to_string();
        match self {
            BackupError::Refused(_) => "您的角色不允许做备份或恢复".into(),
            BackupError::Exists(file) => Reason::BackupFileExists { path: path(file) }.chinese(),
            BackupError::Write { path: file, source } => {
                format!("无法写入 {}：{source}", path(file))
            }
            BackupError::Read { path: file, source } => {
                format!("无法读取 {}：{source}", path(file))
            }
            BackupError::NoTool { tool } => Reason::ToolMissing {
                tool: tool.to_string(),
            }
            .chinese(),
            BackupError::Tool { tool, message } => format!("{tool} 执行失败：{message}"),
            BackupError::NotSqliteBackup(file, detail) => Reason::NotASqliteBackup {
                path: path(file),
                detail: detail.clone(),
            }
            .chinese(),
            BackupError::NotPostgresBackup(file) => {
                Reason::NotAPostgresBackup { path: path(file) }.chinese()
            }
            BackupError::Damaged(detail) => Reason::IntegrityCheckFailed {
                detail: detail.clone(),
            }
            .chinese(),
            BackupError::NotEmpty(database) => Reason::DatabaseNotEmpty {
                database: database.clone(),
            }
            .chinese(),
            BackupError::Store(e) => format!("数据库出错：{e}"),
            BackupError::Sqlx(e) => format!("数据库出错：{e}"),
        }
    }
}

/// Writes a consistent copy of the database at `url` (the store's) to `file`.
pub async fn backup(store: &Store, url: &str, file: &Path) -> Result<(), BackupError> {
    if file.exists() {
        return Err(BackupError::Exists(file.to_path_buf()));
    }
    let partial = partial_path(file);
    let _ = std::fs::remove_file(&partial);
    match store {
        Store::Sqlite(pool, _) => {
            sqlx::query("VACUUM INTO ?")
                .bind(partial.to_string_lossy().into_owned())
                .execute(pool)
                .await?;
        }
        Store::Postgres(_) => {
            run_tool(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    &format!("--file={}", partial.display()),
                    &format!("--dbname={url}"),
                ],
            )
            .await?;
        }
    }
    crate::private_file::restrict(&partial).map_err(|source| BackupError::Write {
        path: partial.clone(),
        source,
    })?;
    std::fs::rename(&partial, file).map_err(|source| BackupError::Write {
        path: file.to_path_buf(),
        source,
    })
}

/// What a restored database holds.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Restored {
    pub students: i64,
    pub plans: i64,
    pub visits: i64,
    pub recorded_visits: i64,
}

/// Restores `file` into the empty database at `url`: a SQLite file that does not
/// exist yet (or holds no table), or a PostgreSQL database without tables.
pub async fn restore(
    settings: &crate::config::DatabaseSettings,
    file: &Path,
) -> Result<(), BackupError> {
    let url = settings.url.as_str();
    let mut header = [0u8; 16];
    {
        use std::io::Read;
        let mut opened = std::fs::File::open(file).map_err(|source| BackupError::Read {
            path: file.to_path_buf(),
            source,
        })?;
        let _ = opened.read(&mut header);
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        if !header.starts_with(b"PGDMP") {
            return Err(BackupError::NotPostgresBackup(file.to_path_buf()));
        }
        refuse_unless_empty(settings).await?;
        return run_tool(
            "pg_restore",
            &[
                "--no-owner",
                "--exit-on-error",
                &format!("--dbname={url}"),
                &file.to_string_lossy(),
            ],
        )
        .await;
    }
    if !header.starts_with(b"SQLite format 3\0") {
        return Err(BackupError::NotSqliteBackup(
            file.to_path_buf(),
            "not a SQLite file".into(),
        ));
    }
    check_sqlite_file(file).await?;
    let target = SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_path_buf();
    if target.exists() {
        refuse_unless_empty(settings).await?;
        for leftover in [
            target.clone(),
            suffixed(&target, "-wal"),
            suffixed(&target, "-shm"),
        ] {
            let _ = std::fs::remove_file(leftover);
        }
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| BackupError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let partial = partial_path(&target);
    let write_error = |source| BackupError::Write {
        path: target.clone(),
        source,
    };
    std::fs::copy(file, &partial).map_err(write_error)?;
    std::fs::rename(&partial, &target).map_err(write_error)
}

/// A restore goes only where no data would be lost: a database without tables.
async fn refuse_unless_empty(
    settings: &crate::config::DatabaseSettings,
) -> Result<(), BackupError> {
    let store = Store::open(settings, false).await?;
    let tables = store.table_count().await;
    store.close().await;
    if tables? == 0 {
        Ok(())
    } else {
        Err(BackupError::NotEmpty(crate::config::url_without_password(
            &settings.url,
        )))
    }
}

/// SQLite's own integrity check of a database file, and the mark of songjiao's
/// schema in it.
pub async fn check_sqlite_file(file: &Path) -> Result<(), BackupError> {
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    let not_backup = |reason: String| BackupError::NotSqliteBackup(file.to_path_buf(), reason);
    let mut connection = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| not_backup(e.to_string()))?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .map_err(|e| not_backup(e.to_string()))?;
    if verdict != "ok" {
        return Err(not_backup(verdict));
    }
    let marked: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut connection)
        .await;
    connection.close().await?;
    match marked {
        Ok(n) if n > 0 => Ok(()),
        _ => Err(not_backup("it has no songjiao schema".into())),
    }
}

impl Store {
    /// How many tables the database holds (0: a new, empty database).
    pub async fn table_count(&self) -> Result<i64, sqlx::Error> {
        match self {
            Store::Sqlite(pool, _) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
                    .fetch_one(pool)
                    .await
            }
            Store::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                )
                .fetch_one(pool)
                .await
            }
        }
    }

    /// The figures `songjiao restore` shows, and the integrity check SQLite keeps.
    pub async fn restored(&self) -> Result<Restored, BackupError> {
        if let Store::Sqlite(pool, _) = self {
            let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(pool)
                .await?;
            if verdict != "ok" {
                return Err(BackupError::Damaged(verdict));
            }
        }
        let mut tx = self.read().await?;
        let counts: Restored = tx
            .fetch_one(
                "SELECT (SELECT COUNT(*) FROM students) AS students,
                        (SELECT COUNT(*) FROM plans) AS plans,
                        (SELECT COUNT(*) FROM visits) AS visits,
                        (SELECT COUNT(*) FROM visits WHERE outcome IS NOT NULL) AS recorded_visits",
                vec![],
            )
            .await?;
        tx.rollback().await?;
        Ok(counts)
    }
}

async fn run_tool(tool: &'static str, args: &[&str]) -> Result<(), BackupError> {
    let output = tokio::process::Command::new(tool)
        .args(args)
        .output()
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => BackupError::NoTool { tool },
            _ => BackupError::Tool {
                tool,
                message: e.to_string(),
            },
        })?;
    if output.status.success() {
        return Ok(());
    }
    let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
    Err(BackupError::Tool { tool, message })
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn partial_path(file: &Path) -> PathBuf {
    suffixed(file, ".partial")
}
