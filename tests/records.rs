//! Recording visits, progress, the ledger, exports and the what-if, through the real
//! binary on SQLite and on PostgreSQL; and a whole school year replayed week by week.

mod common;

use common::{TestDb, district, path};
use serde_json::Value;

fn plan_w49(db: &TestDb) -> Value {
    district(db);
    db.json(&[
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
        "--format",
        "json",
    ])
}

fn visits_of(db: &TestDb, student: &str) -> Vec<Value> {
    db.json(&["visit", "list", "--student", student, "--format", "json"])
        .as_array()
        .expect("rows")
        .clone()
}

fn first_visit(db: &TestDb, student: &str) -> (String, String) {
    let visit = &visits_of(db, student)[0];
    (
        visit["visit_id"].to_string(),
        visit["day"].as_str().unwrap().to_string(),
    )
}

fn recording_follows_the_rules(db: &TestDb) {
    plan_w49(db);
    let (id, _) = first_visit(db, "S001");
    let record = |as_of: &str, extra: &[&str]| {
        let mut args = vec!["--as-of", as_of, "visit", "record", id.as_str()];
        args.extend_from_slice(extra);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let fails = |args: Vec<String>, expected: &str| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let error = db.fails(&args);
        assert!(error.contains(expected), "{args:?}: {error}");
    };
    fails(
        record("2026-11-27", &["--outcome", "completed"]),
        "还没有开始",
    );
    let after = "2026-12-05";
    fails(
        record(after, &["--outcome", "partial"]),
        "课时：部分完成的送教要填课时",
    );
    fails(
        record(after, &["--outcome", "completed", "--periods", "4"]),
        "超过方案每次 3 课时",
    );
    fails(
        record(after, &["--outcome", "missed"]),
        "原因：未完成的送教要写原因",
    );
    fails(
        record(after, &["--outcome", "missed", "--reason", "lost"]),
        "“lost”不是有效的原因",
    );
    fails(
        record(after, &["--outcome", "completed", "--goal", "999:x"]),
        "目标 999 不是 S001 送教方案中的目标",
    );
    fails(
        record(after, &["--outcome", "completed", "--goal", "abc"]),
        "应写成 目标编号:内容",
    );
    fails(
        vec![
            "--as-of".into(),
            after.into(),
            "visit".into(),
            "record".into(),
            "99999".into(),
            "--outcome".into(),
            "completed".into(),
        ],
        "找不到送教 99999",
    );
    assert!(
        visits_of(db, "S001")[0]["outcome"].is_null(),
        "a refused record changes nothing"
    );

    let plan = db.json(&["plan", "show", "S001", "--format", "json"]);
    let goal = format!("{}:能点数到8", plan["goal_ids"][0]);
    let args = record(
        after,
        &[
            "--outcome",
            "completed",
            "--goal",
            &goal,
            "--guardian-confirmed",
            "李建国",
            "--mode",
            "remote",
        ],
    );
    db.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let visit = &visits_of(db, "S001")[0];
    assert_eq!(visit["outcome"], "completed");
    assert_eq!(visit["periods"], 3, "completed gives the plan's periods");
    assert_eq!(visit["mode"], "remote");
    for field in [
        "visit_id",
        "student_id",
        "teacher_id",
        "day",
        "slot",
        "outcome",
        "periods",
        "mode",
        "reason",
    ] {
        assert!(visit.get(field).is_some(), "visit list rows carry {field}");
    }

    // More than 30 days later the record is locked: a change needs a reason and
    // leaves the old and new values in the audit log.
    let late = "2027-01-20";
    fails(
        record(late, &["--outcome", "partial", "--periods", "2"]),
        "已锁定",
    );
    db.ok(&record(
        late,
        &[
            "--outcome",
            "partial",
            "--periods",
            "2",
            "--reason",
            "家长更正",
        ],
    )
    .iter()
    .map(String::as_str)
    .collect::<Vec<_>>());
    assert_eq!(visits_of(db, "S001")[0]["periods"], 2);
    assert_eq!(
        db.sql(&format!(
            "UPDATE audit_log SET actor = actor WHERE entity = 'visit' AND entity_id = '{}' \
             AND action = 'record' AND detail LIKE '%家长更正%' AND detail LIKE '%\"old\"%completed%'",
            id.trim_matches('"')
        )),
        1
    );
}

fn importing_visits_is_all_or_nothing(db: &TestDb) {
    plan_w49(db);
    let (_, day1) = first_visit(db, "S001");
    let (_, day3) = first_visit(db, "S003");
    let bad = format!(
        "student_id,date,slot,outcome,periods,reason,mode,note\n\
         S001,{day1},AM,completed,,,,\n\
         S003,{day3},AM,missed,,lost,,\n\
         S009,{day1},AM,completed,,,,\n"
    );
    let file = db.file("visits.csv", bad);
    let error = db.fails(&[
        "--as-of",
        "2026-12-05",
        "import",
        path(&file),
        "--kind",
        "visits",
    ]);
    assert!(
        error.contains("第 3 行，“原因”列：“lost”不是有效的原因"),
        "{error}"
    );
    assert!(error.contains("第 4 行，“学生编号”列"), "{error}");
    assert!(error.contains("没有导入任何内容"), "{error}");
    assert!(visits_of(db, "S001")[0]["outcome"].is_null());

    // S002 also had a visit on Saturday 5 December that was never planned: a
    // weekend day, kept (and marked) because the import is told to.
    let good = format!(
        "学生编号,日期,时段,结果,课时,原因,方式,备注\n\
         S001,{day1},AM,完成,,,,\n\
         S003,{day3},AM,missed,,生病,,发烧\n\
         S002,2026-12-05,上午,partial,2,,线上,补课\n"
    );
    let file = db.file("visits.csv", good);
    let output = db.ok(&[
        "--as-of",
        "2026-12-05",
        "import",
        path(&file),
        "--kind",
        "visits",
        "--allow-off-days",
    ]);
    assert!(output.contains("新增 1，更新 2"), "{output}");
    assert_eq!(visits_of(db, "S001")[0]["outcome"], "completed");
    assert_eq!(visits_of(db, "S003")[0]["reason"], "student_ill");
    let extra = visits_of(db, "S002")
        .into_iter()
        .find(|v| v["day"] == "2026-12-05")
        .expect("the unplanned visit was added");
    assert_eq!(
        (extra["periods"].clone(), extra["mode"].clone()),
        (2.into(), "remote".into())
    );

    // The same sheet again changes nothing and leaves no trace; one row changed
    // is the one update.
    let audit_rows = || db.sql("UPDATE audit_log SET actor = actor WHERE entity = 'visit'");
    let before = audit_rows();
    let import = |file: &std::path::Path, as_of: &str| {
        db.ok(&["--as-of", as_of, "import", path(file), "--kind", "visits"])
    };
    let again = import(&file, "2026-12-06");
    assert!(again.contains("新增 0，更新 0，不变 3"), "{again}");
    assert_eq!(audit_rows(), before);
    // A month later the records are locked; the same sheet is still no change.
    let locked = import(&file, "2027-01-20");
    assert!(locked.contains("不变 3"), "{locked}");
    let changed = format!(
        "学生编号,日期,时段,结果,课时,原因,方式,备注\n\
         S001,{day1},AM,partial,2,,,\n\
         S003,{day3},AM,missed,,生病,,发烧\n"
    );
    let output = import(&db.file("visits.csv", changed), "2026-12-06");
    assert!(output.contains("新增 0，更新 1，不变 1"), "{output}");
    assert_eq!(audit_rows(), before + 1);
    assert_eq!(visits_of(db, "S001")[0]["periods"], 2);
}

fn progress_ledger_and_exports(db: &TestDb) {
    plan_w49(db);
    let (id, _) = first_visit(db, "S001");
    db.ok(&[
        "--as-of",
        "2026-12-05",
        "visit",
        "record",
        &id,
        "--outcome",
        "completed",
    ]);
    let rows = db.json(&["--as-of", "2026-12-05", "progress", "--format", "json"]);
    let s001 = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["student_id"] == "S001")
        .unwrap();
    for field in [
        "student_id",
        "plan_id",
        "school_year",
        "target",
        "delivered",
        "expected",
        "capacity",
        "status",
        "visits_completed",
        "visits_missed",
        "visits_unrecorded",
    ] {
        assert!(s001.get(field).is_some(), "progress rows carry {field}");
    }
    assert_eq!(s001["delivered"], 3);
    assert_eq!(s001["visits_completed"], 1);
    assert!(s001["visits_unrecorded"].as_u64().unwrap() >= 1);
    let behind = db.json(&[
        "--as-of",
        "2026-12-05",
        "progress",
        "--status",
        "behind,at_risk,unreachable",
        "--format",
        "json",
    ]);
    assert!(
        behind
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] != "on_track")
    );
    let error = db.fails(&["progress", "--status", "late"]);
    assert!(error.contains("`late` is not a status"), "{error}");

    let ledger = db.ok(&["--as-of", "2026-12-05", "ledger", "S001"]);
    assert!(ledger.contains("账目平衡。"), "{ledger}");
    assert!(ledger.contains("仍欠"), "{ledger}");
    let csv = db.ok(&["--as-of", "2026-12-05", "ledger", "S001", "--format", "csv"]);
    assert!(csv.contains("送教记录") && csv.contains("完成"), "{csv}");

    let workbook = db.dir.path().join("ledger.xlsx");
    db.ok(&[
        "--as-of",
        "2026-12-05",
        "ledger",
        "S001",
        "--format",
        "xlsx",
        "--out",
        path(&workbook),
    ]);
    use calamine::Reader;
    let book: calamine::Xlsx<_> = calamine::open_workbook(&workbook).expect("an xlsx file");
    assert_eq!(book.sheet_names(), ["送教方案", "送教记录", "课时账目"]);

    let export = db.dir.path().join("year.xlsx");
    db.ok(&[
        "--as-of",
        "2026-12-05",
        "export",
        "--year",
        "2026-2027",
        "--out",
        path(&export),
    ]);
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&export).expect("an xlsx file");
    assert_eq!(book.sheet_names(), ["汇总", "城关小学"]);
    let summary = book.worksheet_range("汇总").expect("the summary sheet");
    assert_eq!(summary.height(), 4, "a header and three plans");
    let folder = db.dir.path().join("year");
    db.ok(&[
        "--as-of",
        "2026-12-05",
        "export",
        "--format",
        "csv",
        "--out",
        path(&folder),
    ]);
    assert!(folder.join("汇总.csv").exists() && folder.join("城关小学.csv").exists());
    // A school's sheet speaks the visits import's columns: its recorded rows import
    // back, unchanged.
    let school = std::fs::read_to_string(folder.join("城关小学.csv")).unwrap();
    let header = school.lines().next().unwrap();
    assert!(
        header.contains("学生编号,日期,时段,教师编号,结果,课时,方式,原因,备注"),
        "{header}"
    );
    let recorded: Vec<&str> = school.lines().filter(|l| l.contains(",完成,")).collect();
    assert_eq!(recorded.len(), 1, "{school}");
    let again = db.file("again.csv", format!("{header}\n{}\n", recorded.join("\n")));
    let output = db.ok(&[
        "--as-of",
        "2026-12-06",
        "import",
        path(&again),
        "--kind",
        "visits",
    ]);
    assert!(output.contains("新增 0，更新 0，不变 1"), "{output}");
    // Files Excel and WPS open right: UTF-8 with its byte-order mark, or GBK when asked.
    let summary = std::fs::read(folder.join("汇总.csv")).unwrap();
    assert!(summary.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    let gbk_folder = db.dir.path().join("year-gbk");
    db.ok(&[
        "--as-of",
        "2026-12-05",
        "export",
        "--format",
        "csv",
        "--encoding",
        "gbk",
        "--out",
        path(&gbk_folder),
    ]);
    let bytes = std::fs::read(gbk_folder.join("汇总.csv")).unwrap();
    let (text, _, malformed) = encoding_rs::GBK.decode(&bytes);
    assert!(!malformed && text.contains("李小明"), "{text}");
    assert!(std::str::from_utf8(&bytes).is_err(), "GBK, not UTF-8");
    let ledger = db.ok(&["--as-of", "2026-12-05", "ledger", "S001", "--format", "csv"]);
    assert!(ledger.starts_with('\u{feff}'), "{ledger}");
    // The workbooks keep their header row in sight.
    let mut sheets = zip::ZipArchive::new(std::fs::File::open(&export).unwrap()).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut sheets.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(
        sheet.contains("state=\"frozen\"") && sheet.contains("<col "),
        "{sheet}"
    );
}

fn simulating_changes_nothing_and_repeats_with_a_seed(db: &TestDb) {
    plan_w49(db);
    let count = || db.sql("UPDATE visits SET note = note");
    let before = count();
    let args = [
        "--as-of",
        "2026-11-27",
        "simulate",
        "--miss-rate",
        "0.2",
        "--seed",
        "7",
        "--format",
        "json",
    ];
    let first = db.json(&args);
    assert_eq!(first, db.json(&args), "the same seed gives the same year");
    assert_eq!(count(), before, "the database is not changed");
    let totals = &first["totals"];
    assert_eq!(totals["students"], 3);
    assert!(totals["visits_missed"].as_u64().unwrap() > 0);
    let none_missed = db.json(&[
        "--as-of",
        "2026-11-27",
        "simulate",
        "--miss-rate",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(none_missed["totals"]["visits_missed"], 0);
    assert!(
        none_missed["totals"]["reaching_target"].as_u64().unwrap()
            >= totals["reaching_target"].as_u64().unwrap()
    );
    let table = db.ok(&["--as-of", "2026-11-27", "simulate"]);
    assert!(table.contains("名达到目标"), "{table}");
    let error = db.fails(&["simulate", "--miss-rate", "1.5"]);
    assert!(error.contains("--miss-rate 1.5"), "{error}");
}

/// 2026-2027 from the first Friday to the last: each Friday the coming week is
/// planned; the next Saturday the week's outcomes are imported. S002's family is
/// away for six weeks in October and November (missed, family_unavailable).
fn a_school_year_replayed_week_by_week(db: &TestDb) {
    db.ok(&["init"]);
    db.import(
        "teachers",
        "teacher_id,name,email,school,available\n\
         T01,王芳,t01@example.org,城关小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM\n",
    );
    db.import(
        "students",
        "student_id,name,school,available\n\
         S001,李小明,城关小学,Mon-AM Tue-AM Wed-AM Thu-AM Fri-AM\n\
         S002,王欣怡,城关小学,Mon-PM Tue-PM Wed-PM Thu-PM Fri-PM\n",
    );
    db.import_as_of(
        "2026-08-20",
        "plans",
        "student_id,school_year,teacher_id\nS001,2026-2027,T01\nS002,2026-2027,T01\n",
    );
    let away = |day: &str| ("2026-10-12"..="2026-11-20").contains(&day);
    let mut friday = chrono::NaiveDate::from_ymd_opt(2026, 8, 28).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2027, 7, 2).unwrap();
    let mut weeks_planned = 0;
    let mut s002_got_a_third_visit = false;
    let mut s002_fell_behind = false;
    while friday < last {
        let as_of = friday.to_string();
        let week = db.json(&["--as-of", &as_of, "plan-week", "--format", "json"]);
        let visits = week["visits"].as_array().unwrap();
        if !visits.is_empty() {
            weeks_planned += 1;
        }
        let s002_visits = visits.iter().filter(|v| v["student"] == "S002").count();
        s002_got_a_third_visit |= s002_visits == 3;
        let mut sheet = String::from("student_id,date,slot,outcome,periods,reason,mode,note\n");
        for visit in visits {
            let day = visit["day"].as_str().unwrap();
            let outcome = if visit["student"] == "S002" && away(day) {
                "missed,,family_unavailable"
            } else {
                "completed,,"
            };
            sheet.push_str(&format!(
                "{},{day},{},{outcome},,\n",
                visit["student"].as_str().unwrap(),
                visit["slot"].as_str().unwrap()
            ));
        }
        // Recorded on the Sunday: a make-up Saturday may have visits (2026-10-10).
        let sunday = (friday + chrono::Duration::days(9)).to_string();
        if !visits.is_empty() {
            let file = db.file("week.csv", &sheet);
            db.ok(&[
                "--as-of",
                &sunday,
                "import",
                path(&file),
                "--kind",
                "visits",
            ]);
        }
        let progress = db.json(&["--as-of", &sunday, "progress", "--format", "json"]);
        let s002 = progress
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["student_id"] == "S002")
            .unwrap()
            .clone();
        s002_fell_behind |= s002["status"] != "on_track";
        friday += chrono::Duration::days(7);
    }
    assert!(weeks_planned >= 38, "{weeks_planned} weeks planned");
    assert!(s002_fell_behind, "six missed weeks put S002 behind");
    assert!(s002_got_a_third_visit, "S002 was given make-up visits");

    let end = db.json(&["--as-of", "2027-07-05", "progress", "--format", "json"]);
    let s001 = &end[0];
    assert_eq!(s001["student_id"], "S001");
    assert!(
        s001["delivered"].as_u64().unwrap() >= 216,
        "a child whose every visit happened reaches the target: {s001}"
    );
    assert_eq!(s001["visits_unrecorded"], 0);
    let ledger = db.ok(&["--as-of", "2027-07-05", "ledger", "S002"]);
    assert!(ledger.contains("未完成：家长不在家"), "{ledger}");
    assert!(ledger.contains("账目平衡。"), "{ledger}");
}

/// The recording use case answers in data terms, whatever door calls it: a visit
/// that does not exist is not found, a bad field is named, an old record is locked.
fn the_recording_service_answers_in_data_terms(db: &TestDb) {
    use songjiao::domain::visit::Outcome;
    use songjiao::service::{Actor, ServiceError, visits};
    use songjiao::store::visits::RecordInput;
    plan_w49(db);
    let (id, day) = first_visit(db, "S001");
    let id: i64 = id.parse().unwrap();
    let mut settings = songjiao::config::Settings::defaults();
    settings.database.url = db.url.clone();
    let input = |outcome, periods| RecordInput {
        outcome,
        periods,
        reason: None,
        mode: None,
        details: Default::default(),
    };
    let at = |date: &str| -> chrono::DateTime<chrono::Utc> {
        format!("{date}T12:00:00Z").parse().unwrap()
    };
    let actor = Actor::new("test");
    common::runtime().block_on(async {
        let store = songjiao::store::Store::open(&settings.database, false)
            .await
            .unwrap();
        let record = |visit, record, when| {
            visits::record(&store, &settings, &actor, at(when), visit, record)
        };
        match record(id + 100_000, input(Outcome::Completed, None), "2026-12-05").await {
            Err(ServiceError::NotFound {
                what: "visit",
                id: missing,
            }) => {
                assert_eq!(missing, (id + 100_000).to_string())
            }
            other => panic!("not found expected: {other:?}"),
        }
        match record(id, input(Outcome::Completed, Some(9)), "2026-12-05").await {
            Err(ServiceError::Invalid(problems)) => {
                assert_eq!(problems[0].field, "periods", "{problems:?}")
            }
            other => panic!("invalid periods expected: {other:?}"),
        }
        match record(id, input(Outcome::Completed, None), "2026-11-28").await {
            Err(ServiceError::Invalid(problems)) => {
                assert_eq!(problems[0].field, "date", "{problems:?}")
            }
            other => panic!("a visit not yet made cannot be recorded: {other:?}"),
        }
        let recorded = record(id, input(Outcome::Completed, None), "2026-12-05")
            .await
            .unwrap();
        assert_eq!(
            (recorded.outcome, recorded.day.to_string()),
            (Some(Outcome::Completed), day)
        );
        match record(id, input(Outcome::Partial, Some(2)), "2027-02-01").await {
            Err(ServiceError::Locked { .. }) => {}
            other => panic!("a month later the record is locked: {other:?}"),
        }
        store.close().await;
    });
}

on_both_databases!(
    the_recording_service_answers_in_data_terms,
    recording_follows_the_rules,
    importing_visits_is_all_or_nothing,
    progress_ledger_and_exports,
    simulating_changes_nothing_and_repeats_with_a_seed,
    a_school_year_replayed_week_by_week,
);
