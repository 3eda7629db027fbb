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
    assert!(error.contains("还没有 2031-2032 学年的校历"), "{error}");
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
    assert!(error.contains("--as-of “tomorrow”不是日期"), "{error}");
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

/// The demo run on a Monday morning of the autumn term, as a newcomer would:
/// the district is alive on that day.
#[test]
fn the_demo_is_alive_on_the_day_it_is_run() {
    let db = TestDb::sqlite();
    let dir = db.dir.path().join("demo");
    let monday = "2026-12-07T10:00:00+08:00";
    let output = db.ok(&["--as-of", monday, "demo", "--dir", path(&dir)]);
    for imported in [
        "导入 9 条教师",
        "导入 30 条学生",
        "导入 30 条送教方案",
        "导入 2 条督导",
    ] {
        assert!(output.contains(imported), "{imported}: {output}");
    }
    // The spreadsheets are kept as a district keeps them: Chinese headers.
    let students = std::fs::read_to_string(dir.join("students.csv")).unwrap();
    assert!(students.starts_with("学生编号,姓名,性别"), "{students}");
    let plans = std::fs::read_to_string(dir.join("plans.csv")).unwrap();
    assert!(
        plans.starts_with("学生编号,学年,送教教师,备用教师"),
        "{plans}"
    );

    // It lived the term up to now: every week planned, a teacher's leave covered.
    assert!(output.contains("共 15 周"), "{output}");
    assert!(output.contains("刘洋11月23日至27日请假"), "{output}");
    // This week is planned, with visits today and earlier ones still to record.
    let week = output
        .lines()
        .find(|l| l.starts_with("第15周（12月7日–11日）的送教"))
        .unwrap_or_else(|| panic!("this week's visits: {output}"));
    let count = |after: &str| -> usize {
        let rest = week.split(after).nth(1).unwrap();
        rest[..rest.find(' ').unwrap()].parse().unwrap()
    };
    assert!(count("今天 ") > 0, "{week}");
    assert!(count("还有 ") > 0, "{week}");
    assert!(output.contains("T01 王芳：周一"), "{output}");

    // A handful of children behind, each with why; the family away is the worst.
    let behind = output.split("今天没跟上进度的孩子").nth(1).unwrap();
    let s005 = behind.lines().find(|l| l.starts_with("S005")).unwrap();
    assert!(
        s005.contains("严重落后") || s005.contains("无法完成"),
        "{s005}"
    );
    assert!(s005.ends_with("家长不在家"), "{s005}");
    assert!(
        behind.lines().filter(|l| l.starts_with('S')).count() >= 3,
        "{behind}"
    );

    // Alerts went out, some were acknowledged, and the mail is in the folder.
    let demo = TestDb::sqlite_at(&dir.join("songjiao.db"));
    let alerts = demo.json(&[
        "--as-of", monday, "alert", "list", "--all", "--format", "json",
    ]);
    let alerts = alerts.as_array().unwrap();
    assert!(
        alerts.iter().any(|a| a["acknowledged_at"].is_string()),
        "{alerts:?}"
    );
    assert!(
        alerts
            .iter()
            .any(|a| a["student_id"] == "S005" && a["resolved_at"].is_null())
    );
    let mail = dir.join("mail");
    let written = std::fs::read_dir(&mail).unwrap().count();
    assert!(written > 100, "{written} emails");

    // Every command it prints works as printed (the test's binary stands in
    // for `cargo run --`), and the week it sends the teacher to has her visits.
    let run = format!(
        "cargo run -- --database sqlite://{}",
        path(&dir.join("songjiao.db"))
    );
    let printed: Vec<&str> = output
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&format!("{run} ")))
        .collect();
    assert!(printed.len() >= 5, "{output}");
    for command in &printed {
        let args: Vec<&str> = command.split_whitespace().collect();
        demo.ok(&[&["--as-of", monday][..], &args].concat());
    }
    let link = output.split("?week=").nth(1).unwrap();
    let week_id = link
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('）');
    let hers = demo.json(&[
        "--as-of",
        monday,
        "visit",
        "list",
        "--week",
        week_id,
        "--teacher",
        "T01",
        "--format",
        "json",
    ]);
    assert!(!hers.as_array().unwrap().is_empty(), "{week_id}");

    // The first `serve` on the demo's database owes nothing: no flood of mail.
    let minute_later = "2026-12-07T10:01:00+08:00";
    let served = demo.run_with_env(
        &["--as-of", minute_later, "serve", "--once"],
        &[("SONGJIAO_MAIL_DIR", path(&mail))],
    );
    assert!(served.status.success(), "{}", common::stderr(&served));
    let said = String::from_utf8_lossy(&served.stdout);
    for job in [
        "plan_week",
        "check_pace",
        "digest",
        "remind_unrecorded",
        "backup",
    ] {
        assert!(
            !said.contains(&format!("{job} (")),
            "{job} was owed: {said}"
        );
    }
    assert_eq!(std::fs::read_dir(&mail).unwrap().count(), written, "{said}");
    // Its nightly backup went beside its database.
    assert!(dir.join("backups").read_dir().unwrap().count() > 0);

    // A second run starts afresh rather than failing on the first one's data.
    db.ok(&["--as-of", monday, "demo", "--dir", path(&dir)]);
}

/// In the summer holiday the demo lives the year just ended, and sends the
/// teacher to its last week, not to an empty one.
#[test]
fn in_the_summer_the_demo_shows_the_year_just_ended() {
    let db = TestDb::sqlite();
    let dir = db.dir.path().join("demo");
    let output = db.ok(&[
        "--as-of",
        "2027-08-20T10:00:00+08:00",
        "demo",
        "--dir",
        path(&dir),
    ]);
    assert!(output.contains("2026-2027 学年"), "{output}");
    assert!(output.contains("共 40 周"), "{output}");
    assert!(output.contains("?week=2027-W26"), "{output}");
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
        error.contains(&format!("连不上 127.0.0.1:{port} 的 PostgreSQL"))
            && error.contains("连接被拒绝"),
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
        error.contains("没有数据库 `no_such_district`") && error.contains("createdb"),
        "{error}"
    );
    assert_eq!(
        error.matches("no_such_district").count(),
        2,
        "named once, in the hint once: {error}"
    );
}
