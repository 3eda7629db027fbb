//! Storage on SQLite (the embedded default) and PostgreSQL, behind one small API.
//!
//! sqlx's `Any` driver cannot carry dates, so each query is written once in portable
//! SQL (`$1` placeholders, `RETURNING`, `ON CONFLICT`) and run through [`Tx`], which
//! binds [`Arg`]s to whichever of the two pools the URL chose at start.

pub mod access_log;
pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod backup;
pub mod calendars;
pub mod codes;
pub mod job_runs;
pub mod outbox;
pub mod people;
pub mod plans;
pub mod privacy;
pub mod readings;
pub mod schools;
pub mod tokens;
pub mod visit_files;
pub mod visits;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{FromRow, PgPool, Postgres, SqlSafeStr, Sqlite, SqlitePool};

use crate::config::DatabaseSettings;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error(
        "`{0}` is not a database URL songjiao can use: write sqlite://PATH (the embedded default), or postgres://USER:PASSWORD@HOST:PORT/DATABASE (postgresql:// works too)"
    )]
    UnknownScheme(String),
    #[error("cannot reach PostgreSQL at {at}: {reason}")]
    Unreachable { at: String, reason: String },
    #[error(
        "PostgreSQL at {at} has no database `{database}`: create it (as a user who may), e.g. `createdb -h {host} -p {port} -U {user} {database}`"
    )]
    NoDatabase {
        at: String,
        host: String,
        port: u16,
        user: String,
        database: String,
    },
    #[error("cannot create or upgrade the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database {0} is not set up yet (it has no schema)")]
    NotInitialised(String),
    #[error("the database {0} has an older schema than this program")]
    Outdated(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The database, chosen once from the URL scheme.
#[derive(Clone)]
pub enum Store {
    /// The pool, and the turn its writers take ([`WriterTurn`]).
    Sqlite(SqlitePool, WriterTurn),
    Postgres(PgPool),
}

/// `column = $n` when a value is given, so that an index serves it; else `$n IS
/// NULL`, true for the NULL bound. Either way the query binds the same values.
/// (`($n IS NULL OR column = $n)` reads every row: SQLite uses no index for it.)
pub(crate) fn only_if(given: bool, column: &str, n: usize) -> String {
    if given {
        format!("{column} = ${n}")
    } else {
        format!("${n} IS NULL")
    }
}

/// One bound value of a query.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
    Bool(bool),
    Float(Option<f64>),
    Bytes(Vec<u8>),
}

macro_rules! arg_from {
    ($($ty:ty => $variant:ident($convert:expr)),+ $(,)?) => {
        $(impl From<$ty> for Arg {
            fn from(value: $ty) -> Self {
                Arg::$variant($convert(value))
            }
        })+
    };
}

arg_from! {
    &str => Text(|v: &str| Some(v.to_string())),
    String => Text(Some),
    &String => Text(|v: &String| Some(v.clone())),
    Option<String> => Text(|v| v),
    Option<&str> => Text(|v: Option<&str>| v.map(str::to_string)),
    i64 => Int(Some),
    u32 => Int(|v| Some(i64::from(v))),
    Option<i64> => Int(|v| v),
    Option<u32> => Int(|v: Option<u32>| v.map(i64::from)),
    NaiveDate => Date(Some),
    Option<NaiveDate> => Date(|v| v),
    DateTime<Utc> => Time(Some),
    Option<DateTime<Utc>> => Time(|v| v),
    bool => Bool(|v| v),
    Option<f64> => Float(|v| v),
    Vec<u8> => Bytes(|v| v),
}

/// `args![a, b, c]`: the values of a query's `$1, $2, $3`.
#[macro_export]
macro_rules! args {
    ($($value:expr),* $(,)?) => { vec![$($crate::store::Arg::from($value)),*] };
}

/// `head VALUES ($1, $2), ($3, $4) … tail`, split to stay under the databases'
/// limits on bound values (SQLite 32,766 a statement, PostgreSQL 65,535).
/// SQLite gets anonymous `?` placeholders: it looks each `$N` name up in a list
/// while parsing, which turns a statement of thousands of values quadratic.
fn multi_row_statements(
    head: &str,
    width: usize,
    rows: Vec<Vec<Arg>>,
    tail: &str,
    numbered: bool,
) -> Vec<(sqlx::AssertSqlSafe<String>, Vec<Arg>)> {
    const MAX_VALUES: usize = 30_000;
    let per_statement = (MAX_VALUES / width.max(1)).max(1);
    let mut statements = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(per_statement).collect();
        let tuples: Vec<String> = (0..chunk.len())
            .map(|r| {
                let placeholders: Vec<String> = (1..=width)
                    .map(|c| {
                        if numbered {
                            format!("${}", r * width + c)
                        } else {
                            "?".to_string()
                        }
                    })
                    .collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        // Built only from static fragments and numbered placeholders: values are bound.
        let sql = sqlx::AssertSqlSafe(format!("{head} VALUES {} {tail}", tuples.join(", ")));
        debug_assert!(chunk.iter().all(|row| row.len() == width));
        statements.push((sql, chunk.into_iter().flatten().collect()));
    }
    statements
}

/// Who makes a change, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

/// SQLite lets one transaction write at a time, and one that finds the database
/// taken sleeps and tries again, a little longer each time (up to 100 ms): a
/// writer that comes straight back, as the parts of a district's week do, can
/// keep a teacher's record waiting for all of them (1.3 s). This process's
/// writers queue for their turn here instead, first come first served; a writer
/// in another process (a command run beside the daemon) still waits as SQLite does.
pub type WriterTurn = std::sync::Arc<tokio::sync::Mutex<()>>;

/// A transaction on either database, with who acts and when, for audit rows.
pub struct Tx {
    inner: TxInner,
    pub actor: Actor,
    pub now: DateTime<Utc>,
    /// A SQLite writer's turn, held until the transaction ends (declared last:
    /// dropped after the transaction).
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// A row type readable from both databases.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Text(v) => query.bind(v),
                Arg::Int(v) => query.bind(v),
                Arg::Date(v) => query.bind(v),
                Arg::Time(v) => query.bind(v),
                Arg::Bool(v) => query.bind(v),
                Arg::Float(v) => query.bind(v),
                Arg::Bytes(v) => query.bind(v),
            };
        }
        query
    }};
}

impl Tx {
    pub async fn execute(&mut self, sql: impl SqlSafeStr, args: Vec<Arg>) -> StoreResult<u64> {
        let sql = sql.into_sql_str();
        Ok(match &mut self.inner {
            TxInner::Sqlite(tx) => bind_args!(sqlx::query(sql), args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            TxInner::Postgres(tx) => bind_args!(sqlx::query(sql), args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_all<T: Row>(
        &mut self,
        sql: impl SqlSafeStr,
        args: Vec<Arg>,
    ) -> StoreResult<Vec<T>> {
        let sql = sql.into_sql_str();
        Ok(match &mut self.inner {
            TxInner::Sqlite(tx) => {
                bind_args!(sqlx::query_as(sql), args)
                    .fetch_all(&mut **tx)
                    .await?
            }
            TxInner::Postgres(tx) => {
                bind_args!(sqlx::query_as(sql), args)
                    .fetch_all(&mut **tx)
                    .await?
            }
        })
    }

    pub async fn fetch_optional<T: Row>(
        &mut self,
        sql: impl SqlSafeStr,
        args: Vec<Arg>,
    ) -> StoreResult<Option<T>> {
        let sql = sql.into_sql_str();
        Ok(match &mut self.inner {
            TxInner::Sqlite(tx) => {
                bind_args!(sqlx::query_as(sql), args)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            TxInner::Postgres(tx) => {
                bind_args!(sqlx::query_as(sql), args)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        })
    }

    pub async fn fetch_one<T: Row>(
        &mut self,
        sql: impl SqlSafeStr,
        args: Vec<Arg>,
    ) -> StoreResult<T> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::Sqlx(sqlx::Error::RowNotFound))
    }

    /// Inserts many rows with as few statements as the databases' limits on bound
    /// values allow. `head` is `INSERT INTO t (a, b)`; every row has `width` values.
    /// `tail` may hold an `ON CONFLICT …` clause.
    pub async fn insert_many(
        &mut self,
        head: &'static str,
        width: usize,
        rows: Vec<Vec<Arg>>,
        tail: &'static str,
    ) -> StoreResult<()> {
        for (sql, args) in multi_row_statements(head, width, rows, tail, self.is_postgres()) {
            self.execute(sql, args).await?;
        }
        Ok(())
    }

    /// Updates many rows in as few statements: `head` opens a common table
    /// expression, e.g. `WITH v (id, a) AS (`, whose rows are `rows`; `tail` closes
    /// it and updates from it, e.g. `) UPDATE t SET a = v.a FROM v WHERE t.id = v.id`.
    /// (SQLite takes `UPDATE … FROM` since 3.33; PostgreSQL types each column by
    /// the bound values, so nothing needs a cast.)
    pub async fn update_many(
        &mut self,
        head: &'static str,
        width: usize,
        rows: Vec<Vec<Arg>>,
        tail: &'static str,
    ) -> StoreResult<()> {
        self.insert_many(head, width, rows, tail).await
    }

    /// [`Tx::insert_many`] with a `RETURNING …` clause; returns every returned row.
    pub async fn insert_many_returning<T: Row>(
        &mut self,
        head: &'static str,
        width: usize,
        rows: Vec<Vec<Arg>>,
        returning: &'static str,
    ) -> StoreResult<Vec<T>> {
        let mut returned = Vec::new();
        for (sql, args) in multi_row_statements(head, width, rows, returning, self.is_postgres()) {
            returned.extend(self.fetch_all::<T>(sql, args).await?);
        }
        Ok(returned)
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> StoreResult<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.rollback().await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// Waits until no other transaction holds the lock `name`, then holds it until
    /// this one ends: several servers may share one PostgreSQL (on SQLite a write
    /// transaction is already alone).
    pub async fn lock(&mut self, name: &str) -> StoreResult<()> {
        if self.is_postgres() {
            self.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                args![format!("songjiao:{name}")],
            )
            .await?;
        }
        Ok(())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.inner, TxInner::Postgres(_))
    }

    /// After a bulk write on PostgreSQL, refreshes the statistics its planner
    /// relies on: with stale ones it scanned the whole partial slot index once per
    /// plan (minutes instead of a second on a year of visits). SQLite needs none.
    pub async fn refresh_statistics(&mut self) -> StoreResult<()> {
        if self.is_postgres() {
            self.execute("ANALYZE visits, plans, plan_goals", vec![])
                .await?;
        }
        Ok(())
    }
}

/// How often SQLite's write-ahead log is copied back into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(2);

/// Copies SQLite's write-ahead log back into the database every few seconds,
/// on a connection of its own. Left to SQLite, the commit that takes the log past
/// 1,000 pages does it, and while a long read holds part of the log (planning a
/// district's week reads a snapshot for a second) every commit tries again: a
/// teacher's one-row record waited 0.8 s so. A passive checkpoint waits for no
/// reader and no writer. The last connection to close checkpoints what is left.
fn checkpoint_aside(pool: sqlx::SqlitePool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(%error, "copying SQLite's write-ahead log into the database failed");
            }
        }
    });
}

/// How long to wait for a PostgreSQL server to answer before saying it cannot be
/// reached (the pool's own wait, for a busy server, is much longer).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One connection first, so that a server that is down, or a database that does
/// not exist, is named plainly and at once rather than as a pool timing out.
async fn check_postgres(options: &PgConnectOptions) -> StoreResult<()> {
    use sqlx::Connection;
    let at = format!("{}:{}", options.get_host(), options.get_port());
    let connection =
        tokio::time::timeout(CONNECT_TIMEOUT, sqlx::PgConnection::connect_with(options))
            .await
            .map_err(|_| StoreError::Unreachable {
                at: at.clone(),
                reason: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            })?;
    match connection {
        Ok(connection) => {
            connection.close().await.ok();
            Ok(())
        }
        Err(sqlx::Error::Io(e)) => Err(StoreError::Unreachable {
            reason: if e.kind() == std::io::ErrorKind::ConnectionRefused {
                "connection refused (is the server running, and on this port?)".into()
            } else {
                e.to_string()
            },
            at,
        }),
        // 3D000: invalid_catalog_name, the database does not exist.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => {
            Err(StoreError::NoDatabase {
                at,
                host: options.get_host().to_string(),
                port: options.get_port(),
                user: options.get_username().to_string(),
                database: options.get_database().unwrap_or_default().to_string(),
            })
        }
        Err(e) => Err(StoreError::Unreachable {
            at,
            reason: e.to_string(),
        }),
    }
}

impl Store {
    /// Opens the database named by the settings' URL; with `create`, a missing
    /// SQLite file (and its folder) is created. Does not touch the schema: see
    /// [`Store::migrate`].
    pub async fn open(settings: &DatabaseSettings, create: bool) -> StoreResult<Self> {
        let url = settings.url.as_str();
        let open_error = |source| StoreError::Open {
            url: crate::config::url_without_password(url),
            source,
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(open_error)?;
            check_postgres(&options).await?;
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(Duration::from_secs(settings.busy_timeout_seconds))
                .connect_with(options)
                .await
                .map_err(open_error)?;
            return Ok(Store::Postgres(pool));
        }
        if !url.starts_with("sqlite:") {
            return Err(StoreError::UnknownScheme(
                crate::config::url_without_password(url),
            ));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(open_error)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(settings.busy_timeout_seconds))
            .foreign_keys(true)
            // The log is copied back aside (`checkpoint_aside`), not by a commit.
            .pragma("wal_autocheckpoint", "0");
        if !create && !options.get_filename().exists() {
            return Err(StoreError::NotInitialised(url.to_string()));
        }
        if let Some(parent) = options.get_filename().parent()
            && create
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| open_error(sqlx::Error::Io(e)))?;
        }
        // A new database is its owner's only; SQLite gives its -wal and -shm
        // files the database's mode.
        if create && !options.get_filename().exists() {
            crate::private_file::write(options.get_filename(), b"")
                .map_err(|e| open_error(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(Duration::from_secs(settings.busy_timeout_seconds))
            .connect_with(options)
            .await
            .map_err(open_error)?;
        checkpoint_aside(pool.clone());
        Ok(Store::Sqlite(pool, WriterTurn::default()))
    }

    fn migrator(&self) -> Migrator {
        match self {
            Store::Sqlite(..) => sqlx::migrate!("migrations/sqlite"),
            Store::Postgres(_) => sqlx::migrate!("migrations/postgres"),
        }
    }

    /// Creates or upgrades the schema; running it again changes nothing. On
    /// PostgreSQL sqlx holds an advisory lock meanwhile, so daemons starting
    /// together do not race.
    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = self.migrator();
        match self {
            Store::Sqlite(pool, _) => migrator.run(pool).await?,
            Store::Postgres(pool) => migrator.run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database's schema already has migration `version` (false for
    /// a database not set up yet).
    pub async fn has_migration(&self, version: i64) -> StoreResult<bool> {
        #[derive(sqlx::FromRow)]
        struct Applied {
            applied: i64,
        }
        let mut tx = self.read().await?;
        let applied: Result<Applied, _> = tx
            .fetch_one(
                "SELECT COUNT(*) AS applied FROM _sqlx_migrations WHERE version = $1 AND success",
                args![version],
            )
            .await;
        tx.rollback().await.ok();
        Ok(applied.is_ok_and(|row| row.applied > 0))
    }

    /// Refuses a database that `init` has not set up, or not for this version.
    pub async fn check_schema(&self) -> StoreResult<()> {
        #[derive(sqlx::FromRow)]
        struct Applied {
            applied: i64,
        }
        let expected = self.migrator().iter().count() as i64;
        let url = match self {
            Store::Sqlite(pool, _) => pool.connect_options().get_filename().display().to_string(),
            Store::Postgres(pool) => pool
                .connect_options()
                .get_database()
                .unwrap_or("")
                .to_string(),
        };
        let mut tx = self.read().await?;
        let applied: Result<Applied, _> = tx
            .fetch_one(
                "SELECT COUNT(*) AS applied FROM _sqlx_migrations WHERE success",
                args![],
            )
            .await;
        match applied {
            Err(_) => Err(StoreError::NotInitialised(url)),
            Ok(row) if row.applied < expected => Err(StoreError::Outdated(url)),
            Ok(_) => Ok(()),
        }
    }

    /// A transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a second writer waits for the busy timeout instead of
    /// failing with "database is locked" when it tries to upgrade a read lock.
    pub async fn write(&self, actor: &Actor, now: DateTime<Utc>) -> StoreResult<Tx> {
        let inner = match self {
            Store::Sqlite(pool, turn) => {
                let mine = turn.clone().lock_owned().await;
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                (TxInner::Sqlite(tx), Some(mine))
            }
            Store::Postgres(pool) => (TxInner::Postgres(pool.begin().await?), None),
        };
        let (inner, turn) = inner;
        Ok(Tx {
            inner,
            actor: actor.clone(),
            now,
            _turn: turn,
        })
    }

    /// A transaction that will write, for a page that only reads but must write
    /// its access-log row: it waits at most `wait` for another writer (a long
    /// import, a job in another process) and then fails with a busy error the
    /// page answers at once (503), instead of the whole busy timeout.
    pub async fn write_briefly(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        wait: Duration,
    ) -> StoreResult<Tx> {
        #[derive(sqlx::FromRow)]
        struct Timeout {
            timeout: i64,
        }
        let Store::Sqlite(pool, turn) = self else {
            return self.write(actor, now).await;
        };
        // This process's writers first; past `wait`, SQLite's own wait decides.
        let mine = tokio::time::timeout(wait, turn.clone().lock_owned())
            .await
            .ok();
        let mut tx = Tx {
            inner: TxInner::Sqlite(pool.begin().await?),
            actor: actor.clone(),
            now,
            _turn: mine,
        };
        let usual: Timeout = tx.fetch_one("PRAGMA busy_timeout", args![]).await?;
        tx.execute(
            sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {}", wait.as_millis())),
            args![],
        )
        .await?;
        // The first write takes the write lock, waiting at most `wait`; any write
        // statement does, even one that changes no row.
        let locked = tx
            .execute("UPDATE access_log_head SET id = id WHERE id = 1", args![])
            .await;
        tx.execute(
            sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {}", usual.timeout)),
            args![],
        )
        .await?;
        locked?;
        Ok(tx)
    }

    /// A transaction that only reads one consistent view of the data for as long
    /// as it lasts (on PostgreSQL, repeatable read; SQLite's WAL gives every
    /// reading transaction its snapshot), without holding back any writer.
    pub async fn snapshot(&self) -> StoreResult<Tx> {
        let inner = match self {
            Store::Sqlite(pool, _) => TxInner::Sqlite(pool.begin().await?),
            Store::Postgres(pool) => TxInner::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        };
        Ok(Tx {
            inner,
            actor: Actor("reader".into()),
            now: DateTime::<Utc>::MIN_UTC,
            _turn: None,
        })
    }

    /// A transaction that only reads: one consistent view of the data.
    pub async fn read(&self) -> StoreResult<Tx> {
        let inner = match self {
            Store::Sqlite(pool, _) => TxInner::Sqlite(pool.begin().await?),
            Store::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            actor: Actor("reader".into()),
            now: DateTime::<Utc>::MIN_UTC,
            _turn: None,
        })
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool, _) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

/// Whether an error is another writer holding the database (SQLite's
/// SQLITE_BUSY after its wait, PostgreSQL's lock timeout): try again shortly.
pub fn is_busy(error: &StoreError) -> bool {
    match error {
        StoreError::Sqlx(sqlx::Error::Database(e)) => {
            let code = e.code();
            let code = code.as_deref().unwrap_or_default();
            // SQLite's primary code 5 (SQLITE_BUSY) and its extended codes.
            code.parse::<i32>().is_ok_and(|c| c & 0xff == 5) || code == "55P03"
        }
        _ => false,
    }
}

/// Whether an error is a unique-constraint violation, the one database error a
/// user's input can cause and that callers turn into a message.
pub fn is_unique_violation(error: &StoreError) -> bool {
    match error {
        StoreError::Sqlx(sqlx::Error::Database(e)) => {
            e.kind() == sqlx::error::ErrorKind::UniqueViolation
        }
        _ => false,
    }
}
