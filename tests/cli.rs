//! The command line as a coordinator meets it: settings, the calendar, help, the demo.

mod common;

use common::{TestDb, path, stderr};

#[test]
fn an_unknown_setting_is_named_with_its_file() {
    let db = TestDb::sqlite();
    let file = db.file("district.toml", "[defaults]\nanual_target = 180\n");
    let error = db.fails(&["--config", path(&file), "config", "show"]);
    assert!(
        error.contains("unknown setting `defaults.anual_target`"),
        "{error}"
    );
    assert!(error.contains(path(&file)), "{error}");

    let file = db.file("bad.toml", "[records]\nlock_after_days = \"thirty\"\n");
    let error = db.fails(&["--config", path(&file), "config", "show"]);
    assert!(
        error.contains("bad value for `records.lock_after_days`") && error.contains(path(&file)),
        "{error}"
    );

    let output = db.run_with_env(
        &["config", "show"],
        &[("SONGJIAO_DEFAULTS_VISITS_PER_WEEK", "two")],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("SONGJIAO_DEFAULTS_VISITS_PER_WEEK"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn config_show_layers_file_and_environment_and_hides_secrets() {
    let db = TestDb::sqlite();
    let file = db.file(
        "district.toml",
        "locale = \"en\"\n[defaults]\nannual_target = 180\n[smtp]\npassword = \"in-a-file\"\n",
    );
    let output = db.run_with_env(
        &["--config", path(&file), "config", "show"],
        &[
            ("SONGJIAO_DEFAULTS_ANNUAL_TARGET", "200"),
            ("SONGJIAO_SMTP_PASSWORD", "hunter2"),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = String::from_utf8(output.stdout).unwrap();
    assert!(shown.contains("locale = \"en\""), "{shown}");
    assert!(shown.contains("annual_target = 200"), "{shown}");
    assert!(shown.contains("password = \"****\""), "{shown}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("in-a-file"),
        "{shown}"
    );
}

#[test]
fn calendar_show_gives_teaching_days_and_warns_of_provisional_dates() {
    let db = TestDb::sqlite();
    let calendar = db.json(&[
        "calendar",
        "show",
        "--year",
        "2025-2026",
        "--format",
        "json",
    ]);
    assert_eq!(calendar["year"], "2025-2026");
    assert_eq!(calendar["terms"][0]["start"], "2025-09-01");
    let days: Vec<&str> = calendar["teaching_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(days[0], "2025-09-01");
    assert!(
        days.contains(&"2025-09-28"),
        "a make-up Sunday is a teaching day"
    );
    assert!(!days.contains(&"2025-10-08"), "National Day holiday");
    assert!(calendar["teaching_weeks"].as_u64().unwrap() >= 36);
    assert_eq!(calendar["provisional"], serde_json::json!([]));

    let output = db.run(&["calendar", "show", "--year", "2026-2027"]);
    assert!(output.status.success());
    let warnings = stderr(&output);
    assert!(
        warnings.contains("提醒：春节（2027-02-05 至 2027-02-13）是暂定的"),
        "{warnings}"
    );
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(
        table.contains("国庆节调休上班")
            && table.contains("2026-10-10")
            && table.contains("按周三课表"),
        "{table}"
    );

    let error = db.fails(&["calendar", "show", "--year", "2031-2032"]);
    assert!(
        error.contains("no school calendar for 2031-2032"),
        "{error}"
    );
}

#[test]
fn as_of_sets_today() {
    let db = TestDb::sqlite();
    let calendar = db.json(&[
        "--as-of",
        "2026-03-10",
        "calendar",
        "show",
        "--format",
        "json",
    ]);
    assert_eq!(calendar["year"], "2025-2026");
    let output = db.run_with_env(
        &["calendar", "show", "--format", "json"],
        &[("SONGJIAO_NOW", "2026-10-01")],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["year"], "2026-2027");
    let error = db.fails(&["--as-of", "tomorrow", "calendar", "show"]);
    assert!(
        error.contains("--as-of `tomorrow` is not a date"),
        "{error}"
    );
}

#[test]
fn every_command_explains_itself_with_an_example() {
    let db = TestDb::sqlite();
    let commands: &[&[&str]] = &[
        &["init"],
        &["demo"],
        &["config", "show"],
        &["calendar", "show"],
        &["teacher", "add"],
        &["teacher", "list"],
        &["teacher", "show"],
        &["teacher", "leave", "add"],
        &["student", "add"],
        &["student", "list"],
        &["student", "show"],
        &["student", "pause"],
        &["plan", "set"],
        &["plan", "show"],
        &["plan", "history"],
        &["import"],
        &["plan-week"],
        &["solve"],
        &["visit", "record"],
        &["visit", "list"],
        &["progress"],
        &["ledger"],
        &["export"],
        &["simulate"],
        &["outbox", "list"],
        &["outbox", "send"],
        &["outbox", "retry"],
        &["run-job"],
        &["supervisor", "add"],
        &["supervisor", "list"],
        &["alert", "list"],
        &["alert", "ack"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let help = db.ok(&args);
        assert!(
            help.contains("Example"),
            "{command:?} --help has no example:\n{help}"
        );
    }
}

#[test]
fn the_demo_builds_a_district_in_its_own_database() {
    let db = TestDb::sqlite();
    let dir = db.dir.path().join("demo");
    let output = db.ok(&["--as-of", "2026-11-30", "demo", "--dir", path(&dir)]);
    assert!(
        output.contains("导入 9 条教师") && output.contains("导入 30 条学生"),
        "{output}"
    );
    assert!(output.contains("导入 30 条计划"), "{output}");
    // It plans the year's first week and shows each teacher's visits.
    assert!(output.contains("2026-W36（2026-2027 学年）"), "{output}");
    assert!(output.contains("T01 王芳 —"), "{output}");
    assert!(output.contains("需要的 56 次送教排上了 55 次"), "{output}");
    assert!(output.contains("没能排上"), "{output}");
    // The schedules and the supervisors' alerts land in the demo's mail folder.
    assert!(output.contains("封邮件写入"), "{output}");
    let mail = std::fs::read_dir(dir.join("mail")).expect("the demo's mail folder");
    assert!(mail.count() > 9, "a schedule for each teacher, and alerts");
    // Then four weeks are recorded, and S005, whose family was away, is behind.
    assert!(output.contains("记录了 4 周送教之后的进度"), "{output}");
    let (_, progress) = output
        .split_once("记录了 4 周送教之后的进度")
        .expect("the progress table");
    let s005 = progress
        .lines()
        .find(|l| l.starts_with("S005"))
        .expect("S005 in the progress table");
    assert!(s005.contains("落后"), "{s005}");
    // The supervisors' alert email, sent the same morning, gives the same figures.
    let cells: Vec<&str> = s005.split_whitespace().collect();
    let (name, delivered, expected) = (cells[1], cells[3], cells[5]);
    let alert = std::fs::read_dir(dir.join("mail"))
        .unwrap()
        .flatten()
        .map(|e| common::mail::date_subject_text(&std::fs::read_to_string(e.path()).unwrap()))
        .find(|text| text.contains("送教进度提醒") && text.contains(name))
        .expect("an alert email names S005");
    assert!(
        alert.contains(&format!("已完成 {delivered} 课时，应完成 {expected} 课时")),
        "table: {s005}\nemail: {alert}"
    );
    let demo = TestDb::sqlite_at(&dir.join("songjiao.db"));
    let plans = demo.json(&[
        "plan",
        "show",
        "S001",
        "--year",
        "2026-2027",
        "--format",
        "json",
    ]);
    assert_eq!(plans["target"], 216);
    let week = demo.json(&[
        "--as-of",
        "2026-08-28",
        "plan-week",
        "--week",
        "2026-W36",
        "--format",
        "json",
    ]);
    assert_eq!(week["changes"]["added"], 0, "the demo's week was written");
    assert_eq!(week["changes"]["cancelled"], 0);
    assert_eq!(week["visits"].as_array().unwrap().len(), 55);
    assert!(
        dir.join("students.csv").exists(),
        "the demo leaves its spreadsheets as templates"
    );
    // A second run starts afresh rather than failing on the first one's data.
    db.ok(&["--as-of", "2026-11-30", "demo", "--dir", path(&dir)]);
}

/// `songjiao ARGS…` run in `dir`, with no database from the environment.
fn songjiao_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_songjiao"))
        .current_dir(dir)
        .env_remove("SONGJIAO_DATABASE_URL")
        .env("SONGJIAO_NOW", common::TEST_NOW)
        .args(args)
        .output()
        .expect("run songjiao")
}

/// A URL with a scheme songjiao does not know is refused, naming the ones it
/// knows, and creates nothing (it once made a SQLite file named `mysql:`).
#[test]
fn an_unknown_database_scheme_is_refused_and_creates_nothing() {
    let db = TestDb::sqlite();
    let output = songjiao_in(db.dir.path(), &["--database", "mysql://x", "init"]);
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(
        error.contains("sqlite://")
            && error.contains("postgres://")
            && error.contains("postgresql://"),
        "{error}"
    );
    let left: Vec<_> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .flatten()
        .collect();
    assert!(left.is_empty(), "nothing is created: {left:?}");
}

/// A PostgreSQL server that is not there is named with its address, at once, not
/// as a pool that timed out.
#[test]
fn a_postgres_server_that_refuses_is_named() {
    let port = common::mail::free_port();
    let db = TestDb::sqlite();
    let url = format!("postgres://postgres@127.0.0.1:{port}/songjiao");
    let output = songjiao_in(db.dir.path(), &["--database", &url, "init"]);
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(
        error.contains(&format!("cannot reach PostgreSQL at 127.0.0.1:{port}"))
            && error.contains("connection refused"),
        "{error}"
    );
}

/// A database that does not exist on a running server is named once, with
/// `createdb` as the hint.
#[test]
#[cfg_attr(
    not(songjiao_postgres_tests),
    ignore = "set SONGJIAO_TEST_POSTGRES_URL (and build again) to run on PostgreSQL"
)]
fn a_missing_postgres_database_is_named_with_createdb() {
    let admin = std::env::var("SONGJIAO_TEST_POSTGRES_URL")
        .expect("SONGJIAO_TEST_POSTGRES_URL was set when the tests were built");
    let base = admin
        .rsplit_once('/')
        .map_or(admin.clone(), |(b, _)| b.to_string());
    let db = TestDb::sqlite();
    let url = format!("{base}/no_such_district");
    let output = songjiao_in(db.dir.path(), &["--database", &url, "init"]);
    assert!(!output.status.success());
    let error = stderr(&output);
    assert!(
        error.contains("has no database `no_such_district`") && error.contains("createdb"),
        "{error}"
    );
    assert_eq!(
        error.matches("no_such_district").count(),
        2,
        "named once, in the hint once: {error}"
    );
}
