//! Test helpers: a fresh database per test (a SQLite file, or a PostgreSQL database
//! when SONGJIAO_TEST_POSTGRES_URL is set), and the real `songjiao` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use tempfile::TempDir;

pub mod api;
pub mod mail;
pub mod robots;
pub mod web;

pub struct TestDb {
    pub url: String,
    pub dir: TempDir,
    postgres: Option<(String, String)>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("songjiao.db").display());
        Self {
            url,
            dir,
            postgres: None,
        }
    }

    /// An existing SQLite database file, e.g. the demo's.
    pub fn sqlite_at(file: &Path) -> Self {
        Self {
            url: format!("sqlite://{}", file.display()),
            dir: tempfile::tempdir().expect("a temporary folder"),
            postgres: None,
        }
    }

    /// A new, empty PostgreSQL database; None (the test is skipped) without the variable.
    pub fn postgres() -> Option<Self> {
        let admin_url = std::env::var("SONGJIAO_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let name = format!(
            "songjiao_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        runtime().block_on(async {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to SONGJIAO_TEST_POSTGRES_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create a test database");
        });
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base.to_string())
            .unwrap_or(admin_url.clone());
        let url = format!("{base}/{name}");
        Some(Self {
            url,
            dir: tempfile::tempdir().expect("a temporary folder"),
            postgres: Some((admin_url, name)),
        })
    }

    /// `songjiao --database URL` from the crate's folder (so config/calendar is
    /// found), at the tests' time ([`TEST_NOW`]) unless `--as-of` or
    /// `SONGJIAO_NOW` says otherwise: no test reads the machine's clock.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_songjiao"));
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("SONGJIAO_NOW", TEST_NOW)
            .env_remove("SONGJIAO_DATABASE_URL")
            .env("SONGJIAO_ACTOR", "test")
            // The nightly backup writes beside the test's database, never into the repository.
            .env("SONGJIAO_BACKUP_DIR", self.dir.path().join("backups"))
            .args(["--database", &self.url]);
        command
    }

    /// Runs `songjiao --database URL ARGS…` (see [`TestDb::command`]).
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command();
        command.args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().expect("run songjiao")
    }

    /// Starts `songjiao --database URL ARGS…` (a `serve`) in the background (see
    /// [`Running::start`]).
    pub fn spawn(&self, args: &[&str], log: Option<&Path>) -> Running {
        Running::start(self.command().args(args), log)
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "songjiao {args:?} failed:\n{}",
            stderr(&output)
        );
        String::from_utf8(output.stdout).expect("stdout is UTF-8")
    }

    /// Runs and expects failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            !output.status.success(),
            "songjiao {args:?} should have failed:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        stderr(&output)
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).expect("the output is JSON")
    }

    /// Writes a file into the test's folder and returns its path.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write a test file");
        path
    }

    /// Writes `text` as a CSV file and imports it as `kind`; expects success.
    pub fn import(&self, kind: &str, text: &str) -> String {
        let file = self.file(&format!("{kind}.csv"), text);
        self.ok(&["import", path(&file), "--kind", kind])
    }

    /// Imports as of a day (a plan without a start date made during its year
    /// starts on the day it is made).
    pub fn import_as_of(&self, as_of: &str, kind: &str, text: &str) -> String {
        let file = self.file(&format!("{kind}.csv"), text);
        self.ok(&["--as-of", as_of, "import", path(&file), "--kind", kind])
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            runtime().block_on(async {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                }
            });
        }
    }
}

/// "Now" for every process a test starts, unless the test says otherwise: a
/// Monday of the autumn term, 09:00 in the configured zone.
pub const TEST_NOW: &str = "2026-11-30T09:00:00+08:00";

/// A process started by a test; killed (SIGKILL) and reaped when dropped, so a
/// failing test leaves no server running.
pub struct Running(pub std::process::Child);

impl Running {
    /// Starts `command` with its output into `log` (a file, not a pipe nobody
    /// reads) or nowhere; it is stopped when the guard is dropped, also when the
    /// test fails.
    pub fn start(command: &mut Command, log: Option<&Path>) -> Self {
        let (stdout, stderr) = match log {
            Some(file) => {
                let file = std::fs::File::create(file).expect("create the log file");
                let copy = file.try_clone().expect("share the log file");
                (Stdio::from(file), Stdio::from(copy))
            }
            None => (Stdio::null(), Stdio::null()),
        };
        let child = command
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("start songjiao");
        Running(child)
    }

    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// SIGTERM, then its exit status (SIGKILL after `patience`).
    pub fn terminate(&mut self, patience: std::time::Duration) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + patience;
        loop {
            if let Some(status) = self.0.try_wait().expect("wait for the process") {
                return status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.0.kill();
                return self.0.wait().expect("wait for the process");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Declares each named test function twice: on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&$crate::common::TestDb::sqlite());
            })*
        }
        mod postgres {
            $(#[test]
            #[cfg_attr(
                not(songjiao_postgres_tests),
                ignore = "set SONGJIAO_TEST_POSTGRES_URL (and build again) to run on PostgreSQL"
            )]
            fn $name() {
                super::$name(&$crate::common::TestDb::postgres().expect(
                    "SONGJIAO_TEST_POSTGRES_URL was set when the tests were built; set it to run them",
                ));
            })*
        }
    };
}

impl TestDb {
    /// Makes the database as a release before migration `version` left it:
    /// the migrations named before it only, to test the upgrade.
    pub fn migrated_before(&self, version: &str) {
        let flavour = if self.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        };
        let before = self.dir.path().join(format!("migrations-before-{version}"));
        std::fs::create_dir_all(&before).unwrap();
        let all = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(flavour);
        for entry in std::fs::read_dir(all).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if name.as_str() < version {
                std::fs::copy(&path, before.join(name)).unwrap();
            }
        }
        runtime().block_on(async {
            use sqlx::Connection;
            let migrator = sqlx::migrate::Migrator::new(before.as_path())
                .await
                .unwrap();
            if self.is_postgres() {
                let mut connection = sqlx::PgConnection::connect(&self.url).await.unwrap();
                migrator.run(&mut connection).await.unwrap();
            } else {
                let options: sqlx::sqlite::SqliteConnectOptions = self.url.parse().unwrap();
                let mut connection =
                    sqlx::SqliteConnection::connect_with(&options.create_if_missing(true))
                        .await
                        .unwrap();
                migrator.run(&mut connection).await.unwrap();
            }
        });
    }

    /// Runs one SQL statement directly on the test database: for what no command
    /// does yet, or to check what the commands wrote.
    pub fn sql(&self, statement: &str) -> u64 {
        runtime().block_on(async {
            use sqlx::Connection;
            let statement = sqlx::AssertSqlSafe(statement.to_string());
            if self.is_postgres() {
                let mut connection = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query(statement)
                    .execute(&mut connection)
                    .await
                    .expect("run SQL")
                    .rows_affected()
            } else {
                let mut connection = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query(statement)
                    .execute(&mut connection)
                    .await
                    .expect("run SQL")
                    .rows_affected()
            }
        })
    }
}

impl TestDb {
    /// The first column of each row a query returns, as text.
    pub fn sql_rows(&self, query: &str) -> Vec<String> {
        runtime().block_on(async {
            use sqlx::{Connection, Row};
            let query = sqlx::AssertSqlSafe(query.to_string());
            if self.is_postgres() {
                let mut connection = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query(query)
                    .fetch_all(&mut connection)
                    .await
                    .expect("run SQL")
                    .iter()
                    .map(|row| row.get::<String, _>(0))
                    .collect()
            } else {
                let mut connection = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query(query)
                    .fetch_all(&mut connection)
                    .await
                    .expect("run SQL")
                    .iter()
                    .map(|row| row.get::<String, _>(0))
                    .collect()
            }
        })
    }
}

/// A small district shared by the planning and records tests.
pub const TEACHERS: &str = "\
teacher_id,name,email,school,available,max_visits_per_day
T01,王芳,wangfang@example.org,城关小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM,2
T02,李娜,lina@example.org,城关小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM,2
";

pub const STUDENTS: &str = "\
student_id,name,school,available
S001,李小明,城关小学,Mon-AM Wed-AM Thu-PM Fri-AM
S002,王欣怡,城关小学,Mon-PM Tue-PM Wed-PM Thu-PM Fri-PM
S003,张子涵,城关小学,Mon-AM Tue-AM
";

/// Plans to the end of the autumn term (8 weeks from 2026-W49, targets pro-rated):
/// on pace, 2 visits a week. S002's plan began a week earlier and nothing was
/// delivered: two visits behind, it now needs 3 a week (domain::pace::visits_wanted).
pub const PLANS: &str = "\
student_id,school_year,teacher_id,backup_teacher_id,start_date,end_date,goals
S001,2026-2027,T01,T02,2026-11-30,2027-01-22,认识数字
S002,2026-2027,T01,,2026-11-23,2027-01-22,能自己穿衣
S003,2026-2027,T02,T01,2026-11-30,2027-01-22,握笔
";

pub fn district(db: &TestDb) {
    db.ok(&["init"]);
    db.import("teachers", TEACHERS);
    db.import("students", STUDENTS);
    db.import("plans", PLANS);
}
