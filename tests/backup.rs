//! Backups taken while visits are recorded, restored into an empty database; the
//! nightly backup job and its rotation; a child's data exported for a guardian and
//! anonymised after the retention years. Real binary, SQLite and PostgreSQL.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::{TestDb, district, path};
use songjiao::domain::visit::Outcome;
use songjiao::service::Actor;
use songjiao::store::Store;
use songjiao::store::visits::{RecordDetails, RecordInput};

fn settings(url: &str) -> songjiao::config::Settings {
    let mut settings = songjiao::config::Settings::defaults();
    settings.calendar.dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/calendar").into();
    settings.database.url = url.to_string();
    settings
}

/// Week 49 planned and its visit ids.
fn planned_week(db: &TestDb) -> Vec<i64> {
    district(db);
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    db.json(&["visit", "list", "--format", "json"])
        .as_array()
        .expect("rows")
        .iter()
        .map(|v| v["visit_id"].as_i64().expect("an id"))
        .collect()
}

/// A fresh empty database of the same kind as `db`.
fn empty_like(db: &TestDb) -> TestDb {
    if db.is_postgres() {
        TestDb::postgres().expect("PostgreSQL is configured")
    } else {
        TestDb::sqlite()
    }
}

/// The record version each visit has in a database.
fn versions(db: &TestDb) -> HashMap<i64, i64> {
    db.sql_rows("SELECT CAST(id AS TEXT) || ' ' || CAST(record_version AS TEXT) FROM visits")
        .iter()
        .map(|row| {
            let (id, version) = row.split_once(' ').expect("id version");
            (id.parse().expect("id"), version.parse().expect("version"))
        })
        .collect()
}

fn a_backup_taken_while_visits_are_recorded_restores_whole(db: &TestDb) {
    let visit_ids = planned_week(db);
    assert!(visit_ids.len() >= 4, "{visit_ids:?}");
    // A teacher's phone keeps recording while the backup runs: each commit is
    // noted with the record version it made.
    let committed: Arc<Mutex<Vec<(i64, i64)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let recorder = {
        let (committed, stop, url) = (committed.clone(), stop.clone(), db.url.clone());
        std::thread::spawn(move || {
            common::runtime().block_on(async {
                let settings = settings(&url);
                let store = Store::open(&settings.database, false).await.expect("open");
                let actor = Actor::new("phone");
                let saturday: chrono::DateTime<chrono::Utc> =
                    "2026-12-05T12:00:00Z".parse().expect("a time");
                let mut n = 0usize;
                while !stop.load(Ordering::SeqCst) {
                    let visit_id = visit_ids[n % visit_ids.len()];
                    let (outcome, periods) = if n.is_multiple_of(2) {
                        (Outcome::Completed, None)
                    } else {
                        (Outcome::Partial, Some(2))
                    };
                    let input = RecordInput {
                        outcome,
                        periods,
                        reason: None,
                        mode: None,
                        details: RecordDetails::default(),
                    };
                    let recorded = songjiao::service::visits::record(
                        &store, &settings, &actor, saturday, visit_id, input,
                    )
                    .await
                    .expect("a record");
                    committed
                        .lock()
                        .expect("the list")
                        .push((visit_id, recorded.record_version));
                    n += 1;
                }
                store.close().await;
            })
        })
    };
    let wait_for = |count: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while committed.lock().expect("the list").len() < count {
            assert!(
                !recorder.is_finished() && std::time::Instant::now() < deadline,
                "the recorder stopped or stalled after {} records",
                committed.lock().expect("the list").len()
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    };
    wait_for(20);
    let before: Vec<(i64, i64)> = committed.lock().expect("the list").clone();
    let file = db.dir.path().join("backup.copy");
    let output = db.ok(&["backup", path(&file)]);
    assert!(output.contains("备份已写入"), "{output}");
    let during = committed.lock().expect("the list").len() - before.len();
    wait_for(before.len() + during + 10);
    stop.store(true, Ordering::SeqCst);
    recorder.join().expect("the recorder ends");

    // The same name again is refused: a backup never overwrites a file.
    let error = db.fails(&["backup", path(&file)]);
    assert!(error.contains("已存在"), "{error}");

    let restored = empty_like(db);
    let output = restored.ok(&["restore", path(&file)]);
    assert!(output.contains("完整性检查通过"), "{output}");
    let held = versions(&restored);
    for (visit_id, version) in &before {
        assert!(
            held.get(visit_id).is_some_and(|v| v >= version),
            "visit {visit_id} was committed at version {version} before the backup began; the copy has {:?}",
            held.get(visit_id)
        );
    }
    // The copy is a database songjiao works on, not a dump to read.
    let visits = restored.json(&["visit", "list", "--format", "json"]);
    assert_eq!(visits.as_array().map(Vec::len), Some(held.len()));
    // Restoring over a database that holds data is refused.
    let error = restored.fails(&["restore", path(&file)]);
    assert!(error.contains("不是空的"), "{error}");
    // A file that is no backup says so.
    let junk = db.file("junk.db", "student_id,name\n");
    let error = empty_like(db).fails(&["restore", path(&junk)]);
    assert!(error.contains("不是"), "{error}");
}

fn the_nightly_backup_keeps_its_newest_copies(db: &TestDb) {
    district(db);
    let dir = db.dir.path().join("backups");
    let config = db.file(
        "backup.toml",
        format!("[backup]\ndir = \"{}\"\nkeep = 2\n", dir.display()),
    );
    let other = dir.join("notes.txt");
    std::fs::create_dir_all(&dir).expect("the folder");
    std::fs::write(&other, "kept: not a backup").expect("a file");
    for day in ["2026-11-28", "2026-11-29", "2026-11-30"] {
        let output = db.ok(&[
            "--config",
            path(&config),
            "--as-of",
            &format!("{day}T02:30:00+08:00"),
            "run-job",
            "backup",
        ]);
        assert!(output.contains("Backup written to"), "{output}");
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let ext = if db.is_postgres() { "pgdump" } else { "db" };
    assert_eq!(
        names,
        vec![
            // Each night's end of the access log, kept however many copies go.
            "access-log-anchors.txt".to_string(),
            "notes.txt".to_string(),
            format!("songjiao-2026-11-29-0230.{ext}"),
            format!("songjiao-2026-11-30-0230.{ext}"),
        ]
    );
    let anchors = std::fs::read_to_string(dir.join("access-log-anchors.txt")).unwrap();
    assert!(
        anchors.lines().all(|line| line.contains(" rows=")),
        "{anchors}"
    );
}

fn a_childs_data_is_exported_and_anonymised_after_retention(db: &TestDb) {
    let visit_ids = planned_week(db);
    db.ok(&[
        "--as-of",
        "2026-12-05",
        "visit",
        "record",
        &visit_ids[0].to_string(),
        "--outcome",
        "completed",
        "--note",
        "认识了数字1到5",
    ]);
    let student = db.json(&["visit", "list", "--format", "json"])[0]["student_id"]
        .as_str()
        .expect("a student")
        .to_string();
    db.ok(&[
        "student",
        "edit",
        &student,
        "--guardian-phone",
        "13912345678",
        "--address",
        "城关镇幸福路3号",
    ]);
    let file = db.dir.path().join("export.json");
    let output = db.run(&["student", "export", &student, "--out", path(&file)]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let export: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("the file")).expect("JSON");
    assert_eq!(export["student"]["guardian_phone"], "13912345678");
    assert!(
        !export["plan_revisions"]
            .as_array()
            .expect("revisions")
            .is_empty()
    );
    let visits = export["visits"].as_array().expect("visits");
    assert!(
        visits.iter().any(|v| v["note"] == "认识了数字1到5"),
        "{visits:?}"
    );
    assert!(!export["changes"].as_array().expect("changes").is_empty());
    assert!(export["access_log"].is_array());
    let audit = |action: &str| {
        db.sql(&format!(
            "UPDATE audit_log SET actor = actor WHERE action = '{action}' AND entity_id = '{student}'"
        ))
    };
    assert_eq!(audit("export"), 1);
    let error = db.fails(&["student", "export", "S999"]);
    assert!(error.contains("S999"), "{error}");

    // The child leaves at the end of the year; three years on, the retention job
    // takes the personal details out and keeps the figures.
    db.ok(&[
        "--as-of",
        "2027-07-10",
        "student",
        "edit",
        &student,
        "--status",
        "left",
    ]);
    let delivered = |db: &TestDb| {
        db.sql_rows(&format!(
            "SELECT CAST(SUM(periods) AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
             WHERE p.student_id = '{student}'"
        ))
    };
    let periods = delivered(db);
    let too_soon = db.ok(&["--as-of", "2030-07-01", "run-job", "retention"]);
    assert!(too_soon.contains("0 child"), "{too_soon}");
    let done = db.ok(&["--as-of", "2030-07-11", "run-job", "retention"]);
    assert!(done.contains("1 child"), "{done}");
    let after = db.json(&["student", "export", &student]);
    assert_eq!(after["student"]["name"], "已匿名");
    assert!(after["student"]["guardian_phone"].is_null());
    assert!(after["student"]["address"].is_null());
    let text = after.to_string();
    for personal in ["13912345678", "城关镇幸福路3号", "认识了数字1到5"] {
        assert!(!text.contains(personal), "{personal} is still held: {text}");
    }
    assert_eq!(delivered(db), periods);
    assert_eq!(audit("anonymise"), 1);
    let again = db.ok(&["--as-of", "2030-07-12", "run-job", "retention"]);
    assert!(again.contains("0 child"), "{again}");
}

on_both_databases!(
    a_backup_taken_while_visits_are_recorded_restores_whole,
    the_nightly_backup_keeps_its_newest_copies,
    a_childs_data_is_exported_and_anonymised_after_retention,
);
