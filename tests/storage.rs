//! The database itself keeps the rules: one active plan per student and year,
//! an audit row for every change, and SQLite writers that wait instead of failing.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::{TestDb, runtime};
use songjiao::args;
use songjiao::config::Settings;
use songjiao::store::{Actor, Store, audit};

fn open(db: &TestDb) -> Store {
    let mut settings = Settings::defaults();
    settings.database.url = db.url.clone();
    runtime().block_on(async {
        let store = Store::open(&settings.database, true).await.unwrap();
        store.migrate().await.unwrap();
        store
    })
}

fn seed(db: &TestDb) {
    db.ok(&["init"]);
    db.import(
        "teachers",
        "teacher_id,name,email,school\nT01,王芳,wf@example.org,城关小学\n",
    );
    db.import("students", "student_id,name,school\nS001,李小明,城关小学\n");
    db.ok(&[
        "plan",
        "set",
        "S001",
        "--year",
        "2026-2027",
        "--teacher",
        "T01",
    ]);
}

fn a_raw_insert_of_a_second_active_plan_fails(db: &TestDb) {
    seed(db);
    let store = open(db);
    runtime().block_on(async {
        let now = Utc::now();
        let day = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let insert = "INSERT INTO plans (student_id, school_year, status, revision, teacher_id, visits_per_week,
                          periods_per_visit, annual_target, start_date, end_date, created_at, updated_at)
                      VALUES ('S001', '2026-2027', $1, 1, 'T01', 2, 3, 216, $2, $2, $3, $3)";
        let mut tx = store.write(&Actor("test".into()), now).await.unwrap();
        let error = tx.execute(insert, args!["active", day, now]).await.unwrap_err();
        assert!(songjiao::store::is_unique_violation(&error), "{error}");
        tx.rollback().await.unwrap();

        // A closed plan of the same year is history, not a second plan.
        let mut tx = store.write(&Actor("test".into()), now).await.unwrap();
        tx.execute(insert, args!["closed", day, now]).await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    });
}

fn every_change_leaves_an_audit_row(db: &TestDb) {
    seed(db);
    db.ok(&[
        "plan",
        "set",
        "S001",
        "--year",
        "2026-2027",
        "--revise",
        "--target",
        "200",
        "--reason",
        "医嘱减量",
    ]);
    db.ok(&[
        "student",
        "pause",
        "S001",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-05",
    ]);
    let store = open(db);
    runtime().block_on(async {
        let mut tx = store.read().await.unwrap();
        let teacher = audit::for_entity(&mut tx, "teacher", "T01").await.unwrap();
        assert_eq!(teacher.len(), 1);
        assert_eq!(
            (teacher[0].action.as_str(), teacher[0].actor.as_str()),
            ("create", "cli:test")
        );
        let student = audit::for_entity(&mut tx, "student", "S001").await.unwrap();
        assert_eq!(student.len(), 1);
        assert!(!student[0].detail.contains("李小明") || student[0].action == "create");
        let plan = audit::for_entity(&mut tx, "plan", "1").await.unwrap();
        let actions: Vec<&str> = plan.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["create", "revise"]);
        assert!(
            plan[1].detail.contains("\"annual_target\":216")
                && plan[1].detail.contains("\"annual_target\":200")
        );
        let pause = audit::for_entity(&mut tx, "student_pause", "1")
            .await
            .unwrap();
        assert_eq!(pause.len(), 1);
        tx.rollback().await.unwrap();
        store.close().await;
    });
}

on_both_databases!(
    a_raw_insert_of_a_second_active_plan_fails,
    every_change_leaves_an_audit_row
);

/// Eight writers holding their transactions open at once: on SQLite each waits for
/// the write lock (BEGIN IMMEDIATE + busy timeout) and none fails with "database is locked".
#[test]
fn concurrent_sqlite_writers_wait_instead_of_failing() {
    let db = TestDb::sqlite();
    db.ok(&["init"]);
    let mut settings = Settings::defaults();
    settings.database.url = db.url.clone();
    settings.database.max_connections = 8;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap();
        let mut writers = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let mut tx = store.write(&Actor(format!("writer{i}")), now).await?;
                // Read first, then write after a pause: the pattern that fails with
                // "database is locked" under a deferred BEGIN.
                songjiao::store::people::teachers(&mut tx, None).await?;
                tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                let name = format!("学校{i}");
                songjiao::store::people::school_ids(&mut tx, [name.as_str()]).await?;
                tx.commit().await
            }));
        }
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        store.close().await;
    });
}
