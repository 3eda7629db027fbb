//! Teachers' weekly schedules through the outbox, delivered by the file transport:
//! queued in the planning transaction, an update only for teachers whose visits
//! changed, a calendar file that a calendar library reads, nothing sent twice.

mod common;

use std::path::Path;

use common::{TestDb, district, path};

fn mail_config(db: &TestDb) -> std::path::PathBuf {
    let dir = db.dir.path().join("mail");
    db.file(
        "mail.toml",
        format!("[mail]\ntransport = \"file\"\ndir = \"{}\"\n", path(&dir)),
    )
}

fn messages(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("an .eml file"))
        .collect()
}

/// Reads an .eml with Python's email and icalendar packages: subject, text, and
/// per calendar part its METHOD and each event's UID, SEQUENCE and DTSTAMP count.
fn parse(eml: &str) -> serde_json::Value {
    let script = r#"
import email, json, sys
from email import policy
import icalendar
msg = email.message_from_string(sys.stdin.read(), policy=policy.default)
out = {"subject": str(msg["subject"]), "message_id": str(msg["message-id"]), "text": "", "html": False, "calendars": []}
for part in msg.walk():
    ct = part.get_content_type()
    if ct == "text/plain":
        out["text"] = part.get_content()
    elif ct == "text/html":
        out["html"] = True
    elif ct == "text/calendar":
        cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        events = [{"uid": str(e["UID"]), "sequence": int(e["SEQUENCE"]),
                   "dtstamps": len(e.property_items()) and sum(1 for k, _ in e.property_items() if k == "DTSTAMP"),
                   "status": str(e.get("STATUS"))}
                  for e in cal.walk("VEVENT")]
        out["calendars"].append({"method": str(cal["METHOD"]), "content_method": part.get_param("method"), "events": events})
print(json.dumps(out))
"#;
    serde_json::from_str(&common::mail::python(script, eml)).unwrap()
}

fn schedules_go_out_once_and_updates_only_to_teachers_with_changes(db: &TestDb) {
    district(db);
    let config = mail_config(db);
    let config = path(&config);
    let mail = db.dir.path().join("mail");
    db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
    ]);
    let queued = db.json(&["outbox", "list", "--format", "json"]);
    assert_eq!(
        queued.as_array().unwrap().len(),
        2,
        "one email per teacher: {queued:#}"
    );
    // Planning the same week again changes nothing and queues nothing.
    db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
    ]);
    assert_eq!(
        db.json(&["outbox", "list", "--format", "json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let sent = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27",
        "run-job",
        "drain-outbox",
    ]);
    assert!(sent.contains("2 sent"), "{sent}");
    let again = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-27",
        "outbox",
        "send",
    ]);
    assert!(again.contains("已发送 0，"), "nothing goes twice: {again}");
    let first = messages(&mail);
    assert_eq!(first.len(), 2);
    let t01 = parse(first.iter().find(|m| m.contains("To: wangfang@")).unwrap());
    assert_eq!(
        t01["subject"],
        "第14周（11月30日–12月4日） 送教安排（王芳）"
    );
    assert!(t01["text"].as_str().unwrap().contains("李小明"), "{t01:#}");
    assert!(t01["html"].as_bool().unwrap());
    // Each visit leads to its record page (login required, no token in the link).
    let text = t01["text"].as_str().unwrap();
    let links = text.matches("/visits/").count();
    assert!(links >= 1 && text.contains("/record"), "{text}");
    assert!(
        !t01["text"].as_str().unwrap().contains("张子涵"),
        "nothing of another teacher's students"
    );
    let calendar = &t01["calendars"][0];
    assert_eq!(calendar["method"], "REQUEST");
    assert_eq!(calendar["content_method"], "REQUEST", "{calendar}");
    for event in calendar["events"].as_array().unwrap() {
        assert_eq!(event["dtstamps"], 1, "{event}");
        assert_eq!(event["sequence"], 0);
    }
    let uids: Vec<String> = calendar["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uid"].as_str().unwrap().to_string())
        .collect();

    // T01 goes on leave from Wednesday: T01 and the backup T02 get an update; the
    // moved visits keep their UIDs with SEQUENCE raised.
    db.ok(&[
        "teacher",
        "leave",
        "add",
        "T01",
        "--from",
        "2026-12-02",
        "--to",
        "2026-12-04",
    ]);
    db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-28",
        "plan-week",
        "--week",
        "2026-W49",
    ]);
    db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-11-28",
        "outbox",
        "send",
    ]);
    let updates: Vec<serde_json::Value> = messages(&mail)[2..].iter().map(|m| parse(m)).collect();
    assert!(!updates.is_empty());
    let raised: Vec<&serde_json::Value> = updates
        .iter()
        .flat_map(|m| m["calendars"].as_array().unwrap())
        .flat_map(|c| c["events"].as_array().unwrap())
        .filter(|e| uids.contains(&e["uid"].as_str().unwrap().to_string()) && e["sequence"] == 1)
        .collect();
    assert!(
        !raised.is_empty(),
        "a moved or cancelled visit keeps its UID: {updates:?}"
    );
    let cancels: Vec<&serde_json::Value> = updates
        .iter()
        .flat_map(|m| m["calendars"].as_array().unwrap())
        .filter(|c| c["method"] == "CANCEL")
        .collect();
    assert!(
        !cancels.is_empty(),
        "S002 has no backup: visits cancelled: {updates:?}"
    );
    for calendar in cancels {
        assert_eq!(calendar["content_method"], "CANCEL");
        for event in calendar["events"].as_array().unwrap() {
            assert_eq!(event["status"], "CANCELLED");
            assert!(uids.contains(&event["uid"].as_str().unwrap().to_string()));
        }
    }
    assert!(
        updates
            .iter()
            .all(|m| m["subject"].as_str().unwrap().contains("有变动")),
        "{updates:?}"
    );
}

fn supervisors_get_one_email_per_run_and_nothing_private(db: &TestDb) {
    db.ok(&["init"]);
    db.import("teachers", common::TEACHERS);
    // A diagnosis, a phone number and an address planted on every child.
    let students: String = common::STUDENTS
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                "student_id,name,school,available,disability,guardian_phone,address\n".to_string()
            } else {
                format!("{line},孤独症,13800138000,城关镇秘密路9号\n")
            }
        })
        .collect();
    db.import("students", &students);
    db.import("plans", common::PLANS);
    db.ok(&[
        "supervisor",
        "add",
        "--name",
        "赵督导",
        "--email",
        "zhao@example.org",
        "--school",
        "城关小学",
    ]);
    let bad = db.file(
        "bad.csv",
        "name,email,school\n区特教中心,center-at-example.org,\n",
    );
    let error = db.fails(&["import", path(&bad), "--kind", "supervisors"]);
    assert!(error.contains("第 2 行，“邮箱”列"), "{error}");
    let sheet = "姓名,邮箱,学校\n区特教中心,center@example.org,\n";
    db.import("supervisors", sheet);
    // The same sheet again: unchanged, and no audit row.
    let audit_rows = || db.sql("UPDATE audit_log SET actor = actor");
    let before = audit_rows();
    let again = db.import("supervisors", sheet);
    assert!(again.contains("新增 0，更新 0，不变 1"), "{again}");
    assert_eq!(audit_rows(), before);
    let listed = db.json(&["supervisor", "list", "--format", "json"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        listed[0]["school"].is_null(),
        "the district's supervisor: {listed}"
    );
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let queued_schedules = db
        .json(&["outbox", "list", "--format", "json"])
        .as_array()
        .unwrap()
        .len();

    // Nothing recorded a week after the week's last visit (the recording grace):
    // the visits count as not delivered, and all three children are behind; the
    // school's supervisor gets one email naming them, the district none.
    let pending = db.ok(&["--as-of", "2026-12-05", "run-job", "check-pace"]);
    assert!(
        pending.contains("0 opened"),
        "unrecorded visits within the grace are pending, not missed: {pending}"
    );
    let run = db.ok(&["--as-of", "2026-12-12", "run-job", "check-pace"]);
    assert!(
        run.contains("3 opened") && run.contains("1 email(s) queued"),
        "{run}"
    );
    let same_run = db.ok(&["--as-of", "2026-12-12", "run-job", "check-pace"]);
    assert!(
        same_run.contains("already ran"),
        "a run happens once: {same_run}"
    );
    let again = db.ok(&["--as-of", "2026-12-12T06:00:00Z", "run-job", "check-pace"]);
    assert!(
        again.contains("0 email(s) queued"),
        "an open alert is told once: {again}"
    );
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    let alerts: Vec<&serde_json::Value> = outbox
        .as_array()
        .unwrap()
        .iter()
        .skip(queued_schedules)
        .collect();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["recipient"], "zhao@example.org");

    let config = mail_config(db);
    db.ok(&[
        "--config",
        path(&config),
        "--as-of",
        "2026-12-12",
        "outbox",
        "send",
    ]);
    let mail = db.dir.path().join("mail");
    let sent = messages(&mail);
    let supervisor_mail = sent.iter().find(|m| m.contains("To: zhao@")).unwrap();
    let parsed = parse(supervisor_mail);
    let text = parsed["text"].as_str().unwrap();
    for name in ["李小明", "王欣怡", "张子涵"] {
        assert!(text.contains(name), "{text}");
    }
    for secret in ["孤独症", "13800138000", "秘密路"] {
        assert!(
            !text.contains(secret),
            "a supervisor email carries {secret}: {text}"
        );
        assert!(!supervisor_mail.contains(secret));
    }

    // A week later, still nothing: S002, whose plan began a week earlier, can no
    // longer reach its target (worse: the district hears too); S003 is reminded;
    // S001's alert, acknowledged, is not.
    let open = db.json(&["alert", "list", "--format", "json"]);
    let s001 = open
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["student_id"] == "S001")
        .unwrap()["id"]
        .to_string();
    db.ok(&["alert", "ack", &s001, "--note", "已与家长沟通"]);
    let later = db.ok(&["--as-of", "2026-12-19", "run-job", "check-pace"]);
    assert!(
        later.contains("1 worse")
            && later.contains("1 reminded")
            && later.contains("2 email(s) queued"),
        "{later}"
    );
    let recipients = |skip: usize| -> Vec<String> {
        db.json(&["outbox", "list", "--format", "json"])
            .as_array()
            .unwrap()
            .iter()
            .skip(skip)
            .map(|m| m["recipient"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        recipients(queued_schedules + 1),
        ["center@example.org", "zhao@example.org"]
    );
    // By January the others cannot reach the term's target either: a rise, told
    // to the district as well, acknowledged or not.
    let worse = db.ok(&["--as-of", "2027-01-04", "run-job", "check-pace"]);
    assert!(worse.contains("2 worse"), "{worse}");
    assert_eq!(
        recipients(queued_schedules + 3),
        ["center@example.org", "zhao@example.org"]
    );
    // Monday's digest: each supervisor's students, counted, and who needs attention.
    let digest = db.ok(&["--as-of", "2027-01-04T00:00:00Z", "run-job", "digest"]);
    assert!(digest.contains("2 email(s) queued"), "{digest}");
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    let digests: Vec<&serde_json::Value> = outbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "digest")
        .collect();
    assert_eq!(digests.len(), 2);
    assert!(digests.iter().all(|m| {
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("送教周报：3 名学生")
    }));
    let error = db.fails(&["alert", "ack", "999"]);
    assert!(error.contains("找不到未关闭的预警 999"), "{error}");
}

fn unrecorded_visits_remind_the_teacher_once_then_the_coordinator(db: &TestDb) {
    district(db);
    let config = db.file("ops.toml", "[mail]\noperators = [\"ops@example.org\"]\n");
    let config = path(&config);
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let skip = db
        .json(&["outbox", "list", "--format", "json"])
        .as_array()
        .unwrap()
        .len();
    let list = |skip: usize| -> Vec<serde_json::Value> {
        db.json(&["outbox", "list", "--format", "json"])
            .as_array()
            .unwrap()[skip..]
            .to_vec()
    };
    // Thursday 09:00: Monday's visits ended more than 48 hours ago.
    let thursday = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-12-03",
        "run-job",
        "remind-unrecorded",
    ]);
    assert!(!thursday.starts_with("Reminders: 0 visit"), "{thursday}");
    let reminders = list(skip);
    assert!(
        reminders.iter().all(|m| m["kind"] == "reminder"),
        "{reminders:?}"
    );
    assert!(
        reminders
            .iter()
            .all(|m| m["recipient"] != "ops@example.org")
    );
    let again = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-12-03T02:00:00Z",
        "run-job",
        "remind-unrecorded",
    ]);
    assert!(
        again.starts_with("Reminders: 0 visit(s)"),
        "each visit once: {again}"
    );
    // A week later Monday's visits are escalated; with no coordinator registered,
    // the operators are told.
    let later = db.ok(&[
        "--config",
        config,
        "--as-of",
        "2026-12-07",
        "run-job",
        "remind-unrecorded",
    ]);
    assert!(later.contains("escalated in 1 email(s)"), "{later}");
    assert!(
        list(skip)
            .iter()
            .any(|m| m["recipient"] == "ops@example.org"),
        "{later}"
    );
}

fn a_child_back_on_track_gets_one_recovery_note(db: &TestDb) {
    district(db);
    db.ok(&[
        "supervisor",
        "add",
        "--name",
        "赵督导",
        "--email",
        "zhao@example.org",
    ]);
    let week = db.json(&[
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
        "--format",
        "json",
    ]);
    // A district whose teachers record the same day: a one-day grace, so by
    // Monday the week's unrecorded visits count as not delivered.
    let same_day = db.file("grace.toml", "[records]\nrecord_grace_days = 1\n");
    let check = |as_of: &str| {
        db.ok(&[
            "--config",
            path(&same_day),
            "--as-of",
            as_of,
            "run-job",
            "check-pace",
        ])
    };
    let opened = check("2026-12-07");
    assert!(opened.contains("3 opened"), "{opened}");
    // The paper sheets come in: every visit of the week was made.
    let mut sheet = String::from("student_id,date,slot,outcome\n");
    for visit in week["visits"].as_array().unwrap() {
        sheet.push_str(&format!(
            "{},{},{},completed\n",
            visit["student"].as_str().unwrap(),
            visit["day"].as_str().unwrap(),
            visit["slot"].as_str().unwrap()
        ));
    }
    let file = db.file("week.csv", sheet);
    db.ok(&[
        "--as-of",
        "2026-12-07",
        "import",
        path(&file),
        "--kind",
        "visits",
    ]);
    let recovered = check("2026-12-07T04:00:00Z");
    assert!(
        recovered.contains("3 recovered") && recovered.contains("1 email(s) queued"),
        "{recovered}"
    );
    let again = check("2026-12-07T05:00:00Z");
    assert!(again.contains("0 email(s) queued"), "one note: {again}");
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    let last = outbox.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "alert");
    let config = mail_config(db);
    db.ok(&[
        "--config",
        path(&config),
        "--as-of",
        "2026-12-07T05:00:00Z",
        "outbox",
        "send",
    ]);
    let note = messages(&db.dir.path().join("mail")).pop().unwrap();
    let text = parse(&note)["text"].as_str().unwrap().to_string();
    assert!(
        text.contains("已恢复正常") && text.contains("王欣怡"),
        "{text}"
    );
    assert!(
        db.json(&["alert", "list", "--format", "json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

fn thirty_children_behind_make_one_email_for_their_supervisor(db: &TestDb) {
    db.ok(&["init"]);
    db.import("teachers", common::TEACHERS);
    let mut students = String::from("student_id,name,school,available\n");
    let mut plans = String::from("student_id,school_year,teacher_id,start_date\n");
    for i in 1..=30 {
        students.push_str(&format!("S{i:03},学生{i},城关小学,Mon-AM Tue-AM\n"));
        plans.push_str(&format!("S{i:03},2026-2027,T0{},2026-11-02\n", 1 + i % 2));
    }
    db.import("students", &students);
    db.import("plans", &plans);
    db.ok(&[
        "supervisor",
        "add",
        "--name",
        "赵督导",
        "--email",
        "zhao@example.org",
        "--school",
        "城关小学",
    ]);
    let run = db.ok(&["--as-of", "2026-12-05", "run-job", "check-pace"]);
    assert!(
        run.contains("30 opened") && run.contains("1 email(s) queued"),
        "{run}"
    );
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    assert_eq!(outbox[0]["subject"], "送教进度预警：30 名学生");
}

/// No supervisor is registered: an alert that opens is told to the operators, and
/// `alert list` says "nobody told" until a supervisor hears of it.
fn an_alert_with_nobody_to_tell_goes_to_the_operators(db: &TestDb) {
    district(db);
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let config = db.file(
        "ops.toml",
        "[records]\nrecord_grace_days = 1\n\n[mail]\noperators = [\"ops@example.org\"]\n",
    );
    let check = |as_of: &str| {
        db.ok(&[
            "--config",
            path(&config),
            "--as-of",
            as_of,
            "run-job",
            "check-pace",
        ])
    };
    let run = check("2026-12-07");
    assert!(run.contains("3 opened"), "{run}");
    assert!(
        run.contains("3 alert(s) had no supervisor to tell; the operators were told"),
        "{run}"
    );
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    let to_ops: Vec<_> = outbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["recipient"] == "ops@example.org")
        .collect();
    assert_eq!(to_ops.len(), 1, "{outbox:#}");
    assert!(
        to_ops[0]["subject"].as_str().unwrap().contains("无人接收"),
        "{to_ops:?}"
    );
    let listed = db.ok(&["alert", "list"]);
    assert_eq!(listed.matches("nobody told").count(), 3, "{listed}");
    // A supervisor is registered; the next reminder reaches them.
    db.ok(&[
        "supervisor",
        "add",
        "--name",
        "赵督导",
        "--email",
        "zhao@example.org",
    ]);
    let later = check("2026-12-14");
    assert!(
        later.contains("reminded") && !later.contains("no supervisor"),
        "{later}"
    );
    let listed = db.ok(&["alert", "list"]);
    assert!(!listed.contains("nobody told"), "{listed}");
    // Without operators either, the run says so.
    let bare = db.file("bare.toml", "[records]\nrecord_grace_days = 1\n");
    db.ok(&["user", "disable", "zhao@example.org"]);
    let alone = db.ok(&[
        "--config",
        path(&bare),
        "--as-of",
        "2026-12-21",
        "run-job",
        "check-pace",
    ]);
    assert!(alone.contains("no mail.operators are set"), "{alone}");
}

/// One notion of 督导: an account with the supervisor role hears of its schools'
/// children (alerts and digests); `supervisor add` on a coordinator's account
/// makes it hear of its own scope's; a teacher's account is refused; a disabled
/// account hears nothing more. One list: `supervisor list` shows each of them.
fn supervisor_accounts_hear_of_their_schools(db: &TestDb) {
    district(db);
    db.ok(&[
        "teacher",
        "add",
        "--id",
        "T03",
        "--name",
        "赵敏",
        "--email",
        "zm@example.org",
        "--school",
        "东关小学",
        "--available",
        "周一上午",
    ]);
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    // Every child of the district is at 城关小学.
    for (email, name, school) in [
        ("east@example.org", "东关督导", "东关小学"),
        ("town@example.org", "城关督导", "城关小学"),
    ] {
        db.ok(&[
            "user",
            "add",
            email,
            "--name",
            name,
            "--role",
            "supervisor",
            "--school",
            school,
        ]);
    }
    db.ok(&[
        "user",
        "add",
        "office@example.org",
        "--name",
        "教育局",
        "--role",
        "coordinator",
    ]);
    let error = db.fails(&[
        "supervisor",
        "add",
        "--name",
        "教育局",
        "--email",
        "office@example.org",
        "--school",
        "东关小学",
    ]);
    assert!(
        error.contains("user scope"),
        "a coordinator's schools are its account's: {error}"
    );
    let told = db.ok(&[
        "supervisor",
        "add",
        "--name",
        "教育局",
        "--email",
        "office@example.org",
    ]);
    assert!(
        told.contains("特教专干账号") && told.contains("全区学生"),
        "{told}"
    );
    db.ok(&[
        "user",
        "add",
        "wf@example.org",
        "--name",
        "王芳",
        "--role",
        "teacher",
        "--teacher",
        "T01",
    ]);
    let error = db.fails(&[
        "supervisor",
        "add",
        "--name",
        "王芳",
        "--email",
        "wf@example.org",
    ]);
    assert!(
        error.contains("是教师的账号：督导要用自己的邮箱"),
        "{error}"
    );
    let error = db.fails(&[
        "supervisor",
        "add",
        "--name",
        "钱",
        "--email",
        "qian@example.org",
        "--school",
        "火星小学",
    ]);
    assert!(error.contains("“火星小学”不是本区登记的学校"), "{error}");

    // A sheet: one supervisor of two schools; a school that is not one is refused.
    let sheet = "姓名,邮箱,学校\n钱督导,qian@example.org,城关小学、东关小学\n孙督导,sun@example.org,火星小学\n";
    let error = db.fails(&[
        "import",
        path(&db.file("s.csv", sheet)),
        "--kind",
        "supervisors",
    ]);
    assert!(
        error.contains("第 3 行") && error.contains("火星小学"),
        "{error}"
    );
    db.import(
        "supervisors",
        &sheet.replace("孙督导,sun@example.org,火星小学\n", ""),
    );
    let exported = db.ok(&["supervisor", "list", "--format", "csv"]);
    assert!(
        exported.contains("钱督导,qian@example.org,东关小学、城关小学"),
        "{exported}"
    );
    let again = db.import("supervisors", &exported);
    assert!(again.contains("更新 0"), "{again}");
    // A robot set later keeps the schools; an email in any case is the same account.
    db.ok(&[
        "supervisor",
        "add",
        "--name",
        "钱督导",
        "--email",
        "Qian@Example.org",
        "--wecom-webhook",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
    ]);
    let qian = || {
        let listed = db.json(&["supervisor", "list", "--format", "json"]);
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["email"] == "qian@example.org")
            .unwrap()
            .clone()
    };
    assert_eq!(qian()["school"], "东关小学、城关小学");
    // The list, its robot masked as lists show it, reads back unchanged; an edited
    // cell is shown before it is imported.
    let exported = db.ok(&["supervisor", "list", "--format", "csv"]);
    assert!(exported.contains("key=****"), "{exported}");
    let again = db.import("supervisors", &exported);
    assert!(again.contains("更新 0"), "{again}");
    let edited = db.file(
        "edited.csv",
        exported.replace(
            "qian@example.org,东关小学、城关小学",
            "qian@example.org,城关小学",
        ),
    );
    let shown = db.ok(&[
        "import",
        path(&edited),
        "--kind",
        "supervisors",
        "--dry-run",
    ]);
    assert!(
        shown.contains("学校 东关小学、城关小学 → 城关小学"),
        "{shown}"
    );
    assert!(
        qian()["wecom_webhook"]
            .as_str()
            .unwrap()
            .contains("key=****")
    );
    // Every problem of a sheet in one pass: a coordinator's schools, a teacher's email.
    let wrong = db.file(
        "wrong.csv",
        "姓名,邮箱,学校\n教育局,office@example.org,东关小学\n王芳,wf@example.org,\n",
    );
    let error = db.fails(&["import", path(&wrong), "--kind", "supervisors"]);
    assert!(
        error.contains("第 2 行") && error.contains("第 3 行") && error.contains("是教师的账号"),
        "{error}"
    );
    db.ok(&["user", "disable", "qian@example.org"]);

    let listed = db.json(&["supervisor", "list", "--format", "json"]);
    let emails: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["east@example.org", "office@example.org", "town@example.org"]
    );
    assert!(
        listed[1]["school"].is_null(),
        "the coordinator's district: {listed}"
    );

    let config = db.file("grace.toml", "[records]\nrecord_grace_days = 1\n");
    let run = db.ok(&[
        "--config",
        path(&config),
        "--as-of",
        "2026-12-07",
        "run-job",
        "check-pace",
    ]);
    assert!(
        run.contains("3 opened") && !run.contains("no supervisor"),
        "{run}"
    );
    let alerts_to = |outbox: &serde_json::Value, recipient: &str| {
        outbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "alert" && m["recipient"] == recipient)
            .count()
    };
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    assert_eq!(alerts_to(&outbox, "town@example.org"), 1, "{outbox:#}");
    // The district hears of a school's news only when the school has nobody.
    assert_eq!(alerts_to(&outbox, "office@example.org"), 0, "{outbox:#}");
    assert_eq!(alerts_to(&outbox, "east@example.org"), 0, "{outbox:#}");
    db.ok(&["--as-of", "2026-12-07T08:00:00+08:00", "run-job", "digest"]);
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    let digests: Vec<&str> = outbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "digest")
        .map(|m| m["recipient"].as_str().unwrap())
        .collect();
    assert!(
        digests.contains(&"town@example.org")
            && digests.contains(&"office@example.org")
            && !digests.contains(&"east@example.org"),
        "{digests:?}"
    );

    // Gone: a disabled account hears nothing more.
    db.ok(&["user", "disable", "town@example.org"]);
    let listed = db.ok(&["supervisor", "list"]);
    assert!(!listed.contains("town@example.org"), "{listed}");
}

/// A teacher without email (a phone instead): their week goes to the school's
/// coordinators to pass on, marked so; the teacher list carries the phone as the
/// import reads it, normalised.
fn a_teacher_without_email_gets_the_week_through_the_coordinator(db: &TestDb) {
    db.ok(&["init"]);
    let teachers = format!(
        "{}T03,赵敏,,城关小学,Mon-AM Tue-AM Wed-AM Thu-AM Fri-AM,2,138 0931 5566\n",
        common::TEACHERS
            .replace("max_visits_per_day\n", "max_visits_per_day,phone\n")
            .replace(",2\n", ",2,\n")
    );
    db.import("teachers", &teachers);
    db.import("students", common::STUDENTS);
    db.import(
        "plans",
        &common::PLANS.replace("S003,2026-2027,T02,T01", "S003,2026-2027,T03,"),
    );
    // Nobody to pass the week on to: said where it is planned, in the reader's words.
    let planned = db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    assert!(
        planned.contains("赵敏 没有登记邮箱，学校也没有特教专干账号可以转交"),
        "{planned}"
    );
    db.ok(&[
        "user",
        "add",
        "office@example.org",
        "--name",
        "城关专干",
        "--role",
        "coordinator",
        "--school",
        "城关小学",
    ]);
    let listed = db.json(&["teacher", "list", "--format", "json"]);
    let t03 = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["teacher_id"] == "T03")
        .unwrap();
    assert!(t03["email"].is_null(), "{t03}");
    assert_eq!(t03["phone"], "13809315566");
    let csv = db.ok(&["teacher", "list", "--format", "csv"]);
    assert!(
        csv.contains("电话") && csv.contains("T03,赵敏,,13809315566,城关小学"),
        "{csv}"
    );

    // The week changes for both teachers, planned again at the same moment (a
    // fixed --as-of): each change is sent, none taken for the first run's mail.
    for (teacher, from, to) in [
        ("T01", "2026-12-02", "2026-12-04"),
        ("T03", "2026-11-30", "2026-12-01"),
    ] {
        db.ok(&[
            "teacher", "leave", "add", teacher, "--from", from, "--to", to, "--reason", "培训",
        ]);
    }
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    let messages = outbox.as_array().unwrap();
    let to_wangfang = messages
        .iter()
        .filter(|m| m["kind"] == "schedule" && m["recipient"] == "wangfang@example.org")
        .count();
    assert_eq!(to_wangfang, 2, "the first week and its change: {outbox:#}");
    let passed_on: Vec<&serde_json::Value> = messages
        .iter()
        .filter(|m| m["kind"] == "schedule" && m["recipient"] == "office@example.org")
        .collect();
    assert_eq!(passed_on.len(), 1, "{outbox:#}");
    assert_eq!(
        passed_on[0]["subject"],
        "请转交：第14周（11月30日–12月4日） 送教安排有变动（赵敏）"
    );
    let body = db.sql_rows(
        "SELECT body_text FROM outbox WHERE recipient = 'office@example.org' AND kind = 'schedule'",
    );
    assert!(body[0].contains("老师电话：13809315566"), "{body:?}");
    assert!(messages.iter().all(|m| m["recipient"] != ""), "{outbox:#}");
}

on_both_databases!(
    a_teacher_without_email_gets_the_week_through_the_coordinator,
    supervisor_accounts_hear_of_their_schools,
    an_alert_with_nobody_to_tell_goes_to_the_operators,
    schedules_go_out_once_and_updates_only_to_teachers_with_changes,
    supervisors_get_one_email_per_run_and_nothing_private,
    unrecorded_visits_remind_the_teacher_once_then_the_coordinator,
    a_child_back_on_track_gets_one_recovery_note,
    thirty_children_behind_make_one_email_for_their_supervisor,
);

#[test]
fn schedules_speak_english_when_the_locale_says_so() {
    let db = TestDb::sqlite();
    district(&db);
    let config = db.file("en.toml", "locale = \"en\"\n");
    db.ok(&[
        "--config",
        path(&config),
        "--as-of",
        "2026-11-27",
        "plan-week",
        "--week",
        "2026-W49",
    ]);
    let outbox = db.json(&["outbox", "list", "--format", "json"]);
    assert_eq!(
        outbox[0]["subject"],
        "Home visits, week 14 (30 Nov–4 Dec) (王芳)"
    );
}
