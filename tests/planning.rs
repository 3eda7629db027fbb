//! `plan-week` on a real database: the week's visits from plans, calendar, leave and
//! pace; re-planning changes only what must change. On SQLite and on PostgreSQL.

mod common;

use std::collections::{HashMap, HashSet};

use common::{TEACHERS, TestDb, district};
use serde_json::Value;

fn plan_week(db: &TestDb, as_of: &str, week: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "--as-of",
        as_of,
        "plan-week",
        "--week",
        week,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    db.json(&args)
}

fn visits_of<'a>(report: &'a Value, student: &str) -> Vec<&'a Value> {
    report["visits"]
        .as_array()
        .expect("visits")
        .iter()
        .filter(|v| v["student"] == student)
        .collect()
}

fn days_of(report: &Value, student: &str) -> Vec<String> {
    visits_of(report, student)
        .iter()
        .map(|v| v["day"].as_str().expect("day").to_string())
        .collect()
}

fn ids(report: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = report["visits"]
        .as_array()
        .expect("visits")
        .iter()
        .map(|v| v["visit_id"].as_i64().expect("a written visit has an id"))
        .collect();
    ids.sort();
    ids
}

fn plan_of<'a>(report: &'a Value, student: &str) -> &'a Value {
    report["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["student_id"] == student)
        .expect("the student's plan")
}

/// No teacher in two homes at once, no child twice a day.
fn assert_hard_rules(report: &Value) {
    let mut teacher_slots = HashSet::new();
    let mut student_days = HashSet::new();
    for visit in report["visits"].as_array().expect("visits") {
        assert!(
            teacher_slots.insert((
                visit["teacher"].clone(),
                visit["day"].clone(),
                visit["slot"].clone()
            )),
            "teacher double-booked: {visit}"
        );
        assert!(
            student_days.insert((visit["student"].clone(), visit["day"].clone())),
            "two visits a day: {visit}"
        );
    }
}

fn a_week_is_planned_and_planning_again_changes_nothing(db: &TestDb) {
    district(db);
    let report = plan_week(db, "2026-11-27", "2026-W49", &[]);
    assert_hard_rules(&report);
    assert_eq!(report["week"], "2026-W49");
    assert_eq!(report["days"].as_array().unwrap().len(), 5);
    assert!(
        report["unplaced"].as_array().unwrap().is_empty(),
        "{report:#}"
    );

    // Two visits, in the family's slots, on days apart where the family allows it.
    let s001 = days_of(&report, "S001");
    assert_eq!(s001.len(), 2, "{report:#}");
    let family: HashSet<(&str, &str)> = [
        ("2026-11-30", "AM"),
        ("2026-12-02", "AM"),
        ("2026-12-03", "PM"),
        ("2026-12-04", "AM"),
    ]
    .into();
    for visit in visits_of(&report, "S001") {
        let cell = (
            visit["day"].as_str().unwrap(),
            visit["slot"].as_str().unwrap(),
        );
        assert!(
            family.contains(&cell),
            "{visit} is not in the family's slots"
        );
        assert_eq!(
            visit["teacher"], "T01",
            "the responsible teacher comes first"
        );
    }
    let (a, b) = (
        chrono::NaiveDate::parse_from_str(&s001[0], "%Y-%m-%d").unwrap(),
        chrono::NaiveDate::parse_from_str(&s001[1], "%Y-%m-%d").unwrap(),
    );
    assert!(
        (b - a).num_days().abs() > 1,
        "visits on consecutive days: {s001:?}"
    );

    // The child two visits behind gets a third visit, and is served first.
    let behind = plan_of(&report, "S002");
    assert_eq!(behind["visits_wanted"], 3, "{behind:#}");
    assert!(behind["priority"].as_i64().unwrap() >= 2, "{behind:#}");
    assert_eq!(days_of(&report, "S002").len(), 3);
    assert_eq!(plan_of(&report, "S001")["visits_wanted"], 2);
    assert_eq!(days_of(&report, "S003").len(), 2);
    assert_eq!(report["changes"]["added"], 7);

    // Again: nothing is duplicated or moved.
    let again = plan_week(db, "2026-11-27", "2026-W49", &[]);
    assert_eq!(again["changes"]["added"], 0);
    assert_eq!(again["changes"]["moved"], 0);
    assert_eq!(again["changes"]["cancelled"], 0);
    assert_eq!(again["changes"]["kept"], 7);
    assert_eq!(ids(&again), ids(&report));
    assert_eq!(
        db.sql("UPDATE visits SET note = note WHERE status = 'planned'"),
        7,
        "seven visits in the database"
    );
}

fn a_dry_run_writes_nothing(db: &TestDb) {
    district(db);
    let report = plan_week(db, "2026-11-27", "2026-W49", &["--dry-run"]);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["changes"]["added"], 7);
    assert!(report["visits"][0]["visit_id"].is_null());
    let again = plan_week(db, "2026-11-27", "2026-W49", &["--dry-run"]);
    assert_eq!(again["changes"]["added"], 7);
    assert_eq!(db.sql("UPDATE visits SET note = note"), 0);
    let table = db.ok(&["--as-of", "2026-11-27", "plan-week", "--dry-run"]);
    assert!(
        table.contains("2026-W49"),
        "the coming week by default: {table}"
    );
    assert!(table.contains("T01 王芳"), "{table}");
    assert!(table.contains("试运行：没有写入任何内容"), "{table}");
}

/// 2026-W41: the National Day holiday takes Monday to Wednesday; Saturday 10 October
/// is a make-up workday on Wednesday's timetable.
fn a_holiday_week_with_a_make_up_saturday(db: &TestDb) {
    db.ok(&["init"]);
    db.import("teachers", TEACHERS);
    db.import(
        "students",
        "student_id,name,school,available\nS001,李小明,城关小学,Wed-AM Fri-AM\n",
    );
    db.import(
        "plans",
        "student_id,school_year,teacher_id,start_date\nS001,2026-2027,T01,2026-10-08\n",
    );
    let report = plan_week(db, "2026-10-02", "2026-W41", &[]);
    assert_eq!(
        report["days"],
        serde_json::json!(["2026-10-08", "2026-10-09", "2026-10-10"]),
        "three teaching days, the make-up Saturday among them"
    );
    assert_eq!(
        days_of(&report, "S001"),
        ["2026-10-09", "2026-10-10"],
        "Friday, and Saturday on Wednesday's timetable: {report:#}"
    );
}

fn a_week_outside_every_term_plans_nothing_and_says_so(db: &TestDb) {
    district(db);
    let report = plan_week(db, "2026-07-20", "2026-W32", &[]);
    assert!(report["visits"].as_array().unwrap().is_empty());
    let why = report["nothing_to_plan"].as_str().expect("a reason");
    assert!(why.contains("outside every term"), "{why}");
    let table = db.ok(&["--as-of", "2026-07-20", "plan-week", "--week", "2026-W32"]);
    assert!(table.contains("学年的任何学期内：不安排送教"), "{table}");
    let error = db.fails(&["plan-week", "--week", "someday"]);
    assert!(
        error.contains("2026-W49") && error.contains("本周"),
        "{error}"
    );
}

/// Mid-week, after Monday's visits were recorded, T01 goes on leave from Wednesday:
/// the recorded visits stay, S001's visits move to the backup teacher (same visit
/// ids), S002 (no backup) loses what cannot be made and is told why.
fn replanning_after_a_visit_was_recorded(db: &TestDb) {
    district(db);
    let first = plan_week(db, "2026-11-27", "2026-W49", &[]);
    let before: HashMap<i64, Value> = first["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["visit_id"].as_i64().unwrap(), v.clone()))
        .collect();
    let recorded = db.sql(
        "UPDATE visits SET outcome = 'completed', periods = 3, recorded_by = 'test' WHERE day = '2026-11-30'",
    );
    assert!(recorded > 0, "some visits fall on Monday: {first:#}");
    db.ok(&[
        "teacher",
        "leave",
        "add",
        "T01",
        "--from",
        "2026-12-02",
        "--to",
        "2026-12-04",
        "--reason",
        "培训",
    ]);

    let report = plan_week(db, "2026-12-01", "2026-W49", &[]);
    assert_hard_rules(&report);
    assert_eq!(
        report["days"],
        serde_json::json!(["2026-12-02", "2026-12-03", "2026-12-04"])
    );
    for visit in report["visits"].as_array().unwrap() {
        let id = visit["visit_id"].as_i64().unwrap();
        if visit["day"].as_str().unwrap() <= "2026-12-01" {
            assert_eq!(visit["change"], "fixed", "{visit}");
            assert_eq!(visit["teacher"], before[&id]["teacher"]);
            assert_eq!(visit["day"], before[&id]["day"]);
        } else {
            assert_ne!(visit["teacher"], "T01", "T01 is on leave: {visit}");
        }
    }
    // Every visit S001 had is still there: the ones on T01's leave moved to T02.
    let s001 = visits_of(&report, "S001");
    assert_eq!(s001.len(), 2, "{report:#}");
    for visit in &s001 {
        let id = visit["visit_id"].as_i64().unwrap();
        assert!(
            before.contains_key(&id),
            "S001's visits keep their ids: {visit}"
        );
    }
    assert!(
        report["changes"]["moved"].as_u64().unwrap() >= 1,
        "{report:#}"
    );
    assert_eq!(report["changes"]["added"], 0, "{report:#}");
    let s002_unplaced = report["unplaced"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["student"] == "S002")
        .expect("S002 cannot have all its visits");
    assert!(
        s002_unplaced["reason"].as_str().unwrap().contains("T01"),
        "{s002_unplaced}"
    );
    // The recorded visit is untouched.
    assert_eq!(
        db.sql("UPDATE visits SET note = note WHERE outcome = 'completed' AND status = 'planned'"),
        recorded
    );
    // And once more: stable.
    let again = plan_week(db, "2026-12-01", "2026-W49", &[]);
    assert_eq!(again["changes"]["moved"], 0);
    assert_eq!(again["changes"]["added"], 0);
    assert_eq!(again["changes"]["cancelled"], 0);
}

/// A plan that starts on Wednesday and one that ends on Wednesday get only their days.
fn plans_starting_or_ending_inside_the_week_get_only_their_days(db: &TestDb) {
    db.ok(&["init"]);
    db.import("teachers", TEACHERS);
    db.import(
        "students",
        "student_id,name,school,available
         S001,李小明,城关小学,Mon-AM Tue-AM Wed-AM Thu-AM Fri-AM
         S002,王欣怡,城关小学,Mon-PM Tue-PM Wed-PM Thu-PM Fri-PM
",
    );
    db.import(
        "plans",
        "student_id,school_year,teacher_id,start_date,end_date
         S001,2026-2027,T01,2026-12-02,
         S002,2026-2027,T02,2026-09-01,2026-12-02
",
    );
    let report = plan_week(db, "2026-11-27", "2026-W49", &[]);
    for day in days_of(&report, "S001") {
        assert!(
            day.as_str() >= "2026-12-02",
            "S001 starts on Wednesday: {day}"
        );
    }
    for day in days_of(&report, "S002") {
        assert!(
            day.as_str() <= "2026-12-02",
            "S002 ends on Wednesday: {day}"
        );
    }
    assert_eq!(days_of(&report, "S001").len(), 2);
    assert!(!days_of(&report, "S002").is_empty());
}

/// `serve --once` at Friday 15:05: plan-week (Friday 15:00), this morning's
/// check-pace, last evening's reminders and the outbox run, each once; again at the
/// same time, nothing; after a weekend of downtime, only what is still owed, once.
fn the_scheduler_runs_each_job_once_and_catches_up_once(db: &TestDb) {
    district(db);
    let mail = db.dir.path().join("mail");
    let config = db.file(
        "serve.toml",
        format!(
            "[mail]\ntransport = \"file\"\ndir = \"{}\"\n",
            common::path(&mail)
        ),
    );
    let config = common::path(&config);
    let friday = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27T07:05:00Z",
        "serve",
        "--once",
    ]);
    for job in [
        "plan_week",
        "check_pace",
        "remind_unrecorded",
        "drain_outbox",
    ] {
        assert_eq!(friday.matches(job).count(), 1, "{job} once: {friday}");
    }
    assert!(friday.contains("Week 2026-W49"), "{friday}");
    let again = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27T07:05:00Z",
        "serve",
        "--once",
    ]);
    assert!(again.trim().is_empty(), "nothing twice: {again}");
    // Down from Friday evening to Monday 11:00: the week has started, so plan-week
    // is no longer owed; this morning's check-pace runs once, not once per day.
    let monday = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-30T03:00:00Z",
        "serve",
        "--once",
    ]);
    assert!(!monday.contains("plan_week"), "{monday}");
    assert_eq!(monday.matches("check_pace").count(), 1, "{monday}");
    assert!(
        monday.contains("2026-11-29T23:00:00"),
        "today's 07:00 run: {monday}"
    );
    // A failed run is recorded and the operators are told; nothing else changes.
    let ops = db.file("ops.toml", "[mail]\noperators = [\"ops@example.org\"]\n");
    let error = db.fails(&[
        "--config",
        common::path(&ops),
        "--as-of",
        "2028-09-01",
        "run-job",
        "plan-week",
    ]);
    assert!(error.contains("还没有 2028-2029 学年的校历"), "{error}");
    let outbox = db.json(&["outbox", "list", "--status", "queued", "--format", "json"]);
    let notice = outbox
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["recipient"] == "ops@example.org")
        .expect("the operators are told");
    assert_eq!(notice["subject"], "songjiao: job plan_week failed");
    let bad = db.file("bad.toml", "[jobs]\ncheck_pace = \"every day\"\n");
    let error = db.fails(&["--config", common::path(&bad), "serve", "--once"]);
    assert!(error.contains("jobs.check_pace"), "{error}");
}

fn a_week_is_named_by_a_day_in_it_or_as_this_and_next(db: &TestDb) {
    district(db);
    // Friday 2026-11-27: 下周 is 2026-W49, as is any day in it; 本周 is W48.
    let by_iso = plan_week(db, "2026-11-27", "2026-W49", &["--dry-run"]);
    for said in ["下周", "next", "2026-12-01", "2026/12/3", "2026年12月6日"] {
        let report = plan_week(db, "2026-11-27", said, &["--dry-run"]);
        assert_eq!(report["week"], by_iso["week"], "{said}");
    }
    assert_eq!(
        plan_week(db, "2026-11-27", "本周", &["--dry-run"])["week"],
        "2026-W48"
    );
    let refused = db.fails(&["plan-week", "--week", "tomorrow"]);
    assert!(
        refused.contains("2026-12-01") && refused.contains("本周"),
        "{refused}"
    );
    // The list shows the child's name and the weekday beside the ids.
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "下周"]);
    let listed = db.ok(&["--as-of", "2026-11-30", "visit", "list", "--week", "本周"]);
    assert!(
        listed.contains("李小明") && listed.contains("周一"),
        "{listed}"
    );
    let rows = db.json(&[
        "--as-of",
        "2026-11-30",
        "visit",
        "list",
        "--week",
        "2026-12-02",
        "--format",
        "json",
    ]);
    let first = &rows.as_array().unwrap()[0];
    assert!(
        first["name"].is_string() && first["weekday"].is_string(),
        "{first}"
    );
}

fn plans_are_listed_by_school_and_teacher(db: &TestDb) {
    district(db);
    let all = db.json(&["--as-of", "2026-11-30", "plan", "list", "--format", "json"]);
    let plans = all.as_array().unwrap();
    assert!(plans.len() >= 2, "{all}");
    let teacher = plans[0]["teacher_id"].as_str().unwrap().to_string();
    let theirs = db.json(&[
        "--as-of",
        "2026-11-30",
        "plan",
        "list",
        "--teacher",
        &teacher,
        "--format",
        "json",
    ]);
    let theirs = theirs.as_array().unwrap();
    assert!(
        !theirs.is_empty() && theirs.len() < plans.len(),
        "{theirs:?}"
    );
    assert!(
        theirs
            .iter()
            .all(|p| p["teacher_id"] == teacher.as_str() && p["annual_target"].as_u64() > Some(0))
    );
    let table = db.ok(&["--as-of", "2026-11-30", "plan", "list"]);
    assert!(
        table.contains("方案编号") && table.contains(&teacher),
        "{table}"
    );
}

/// Leave of half-days: T01 is away every afternoon of the week, so S002 (only
/// free in the afternoons, no backup) cannot be visited while S001's mornings with
/// T01 stay; the mornings can be taken as another leave, the whole days cannot.
fn a_half_day_leave_keeps_the_other_half(db: &TestDb) {
    district(db);
    let leave = |from: &str, to: &str, slot: &str| {
        let mut args = vec!["teacher", "leave", "add", "T01", "--from", from, "--to", to];
        if !slot.is_empty() {
            args.extend(["--slot", slot]);
        }
        args.extend(["--reason", "培训"]);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| db.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let said = run(leave("2026-11-30", "2026-12-04", "下午"));
    assert!(
        said.contains("周一下午") && said.contains("周五下午"),
        "{said}"
    );
    let report = plan_week(db, "2026-11-27", "2026-W49", &[]);
    assert_hard_rules(&report);
    let visits = report["visits"].as_array().unwrap();
    assert!(
        visits
            .iter()
            .all(|v| !(v["teacher"] == "T01" && v["slot"] == "PM")),
        "T01 has no afternoon visit: {report:#}"
    );
    assert!(
        visits_of(&report, "S001")
            .iter()
            .any(|v| v["teacher"] == "T01" && v["slot"] == "AM"),
        "S001's mornings with T01 stay: {report:#}"
    );
    assert!(visits_of(&report, "S002").is_empty(), "{report:#}");

    // Wednesday morning is free to take as well; the whole Wednesday is not.
    run(leave("2026-12-02", "2026-12-02", "周三上午"));
    let fails = |args: Vec<String>| db.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let error = fails(leave("2026-12-02", "2026-12-02", ""));
    assert!(
        error.contains("#1 2026-11-30 至 2026-12-04 周一下午")
            && error.contains("#2 2026-12-02 至 2026-12-02 周三上午"),
        "names each one in the way, in words: {error}"
    );
    let error = fails(leave("2026-11-30", "2026-12-01", "周三下午"));
    assert!(
        error.contains("周三下午不在 2026-11-30 至 2026-12-01 这几天里"),
        "a half-day outside the days: {error}"
    );
    let teacher = db.json(&["teacher", "show", "T01", "--format", "json"]);
    let shown = teacher["leave"].to_string();
    assert!(
        shown.contains("周三上午") && shown.contains("周一下午"),
        "{shown}"
    );
}

on_both_databases!(
    a_half_day_leave_keeps_the_other_half,
    plans_are_listed_by_school_and_teacher,
    a_week_is_named_by_a_day_in_it_or_as_this_and_next,
    the_scheduler_runs_each_job_once_and_catches_up_once,
    plans_starting_or_ending_inside_the_week_get_only_their_days,
    a_week_is_planned_and_planning_again_changes_nothing,
    a_dry_run_writes_nothing,
    a_holiday_week_with_a_make_up_saturday,
    a_week_outside_every_term_plans_nothing_and_says_so,
    replanning_after_a_visit_was_recorded,
);
