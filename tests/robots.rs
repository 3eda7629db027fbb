//! DingTalk and WeCom group robots beside email, against local stand-ins for the
//! two platforms (tests/common/robots.rs): alerts, digests and escalations reach
//! the groups signed, within size and pace, with no personal details; a robot
//! that is down, too fast or hanging gets every message once when it recovers;
//! a refusal names the setting to fix and never shows a secret.

mod common;

use std::sync::Arc;

use common::robots::{Kind, Mode, Platform};
use common::{TestDb, path};

const PUBLIC_URL: &str = "https://songjiao.example.org";

/// `count` children of 城关小学 behind since 2 November, each with a planted
/// diagnosis, address and guardian phone that no group may see.
fn children_behind(db: &TestDb, count: usize) {
    db.ok(&["init"]);
    db.import("teachers", common::TEACHERS);
    let mut students =
        String::from("student_id,name,school,available,diagnosis,address,guardian_phone\n");
    let mut plans = String::from("student_id,school_year,teacher_id,start_date\n");
    for i in 1..=count {
        let name = if i == 1 {
            "王小明".to_string()
        } else {
            format!("欧阳学生{i}")
        };
        students.push_str(&format!(
            "S{i:03},{name},城关小学,Mon-AM Tue-AM,孤独症谱系障碍,城关镇幸福路{i}号,1380013{i:04}\n"
        ));
        plans.push_str(&format!("S{i:03},2026-2027,T0{},2026-11-02\n", 1 + i % 2));
    }
    db.import("students", &students);
    db.import("plans", &plans);
}

/// The configuration: mail into the test's folder, the public address, and the
/// configured groups (TOML of `[[notify.group]]` blocks).
fn config(db: &TestDb, groups: &str) -> String {
    let file = db.file(
        "robots.toml",
        format!(
            "[mail]\ndir = \"{}\"\n[web]\npublic_url = \"{PUBLIC_URL}\"\n[notify]\nrobot_timeout_seconds = 1\nrobot_hosts = [\"127.0.0.1\"]\n{groups}",
            path(&db.dir.path().join("mail"))
        ),
    );
    path(&file).to_string()
}

fn add_supervisor(db: &TestDb, robots: &[&str]) {
    let mut args = vec![
        "supervisor",
        "add",
        "--name",
        "赵督导",
        "--email",
        "zhao@example.org",
        "--school",
        "城关小学",
    ];
    args.extend_from_slice(robots);
    db.ok(&args);
}

/// The supervisor of 城关小学 with a signed DingTalk robot and a WeCom robot.
fn supervisor_with_robots(db: &TestDb, dingtalk: &str, secret: &str, wecom: &str) {
    add_supervisor(
        db,
        &[
            "--dingtalk-webhook",
            dingtalk,
            "--dingtalk-secret",
            secret,
            "--wecom-webhook",
            wecom,
        ],
    );
}

fn run(db: &TestDb, config: &str, as_of: &str, args: &[&str]) -> String {
    let mut all = vec!["--config", config, "--as-of", as_of];
    all.extend_from_slice(args);
    db.ok(&all)
}

fn outbox(db: &TestDb) -> Vec<serde_json::Value> {
    db.json(&["outbox", "list", "--format", "json"])
        .as_array()
        .expect("a list")
        .clone()
}

fn robot_rows(db: &TestDb) -> Vec<serde_json::Value> {
    outbox(db)
        .into_iter()
        .filter(|m| m["channel"] != "email")
        .collect()
}

/// Nothing a group sees names a child in full or holds their health, home or phone.
fn assert_no_personal_details(platforms: &[&Arc<Platform>]) {
    for platform in platforms {
        for m in platform.received() {
            for private in ["孤独症", "幸福路", "138001", "王小明", "欧阳学生"] {
                assert!(
                    !m.text.contains(private) && !m.title.contains(private),
                    "`{private}` in a group message: {}",
                    m.text
                );
            }
        }
    }
}

fn alerts_and_digests_reach_every_robot_signed_and_without_personal_details(db: &TestDb) {
    children_behind(db, 3);
    let own_dingtalk = Platform::start(Kind::DingTalk, Some("SECsupervisor"), None);
    let own_wecom = Platform::start(Kind::WeCom, None, None);
    let school_group = Platform::start(Kind::DingTalk, None, Some("特教工作群"));
    let district_group = Platform::start(Kind::WeCom, None, None);
    supervisor_with_robots(
        db,
        &own_dingtalk.webhook(),
        "SECsupervisor",
        &own_wecom.webhook(),
    );
    let config = config(
        db,
        &format!(
            "[[notify.group]]\nschool = \"城关小学\"\ndingtalk_webhook = \"{}\"\nkeyword = \"特教工作群\"\n\
             [[notify.group]]\nwecom_webhook = \"{}\"\n",
            school_group.webhook(),
            district_group.webhook()
        ),
    );

    let checked = run(db, &config, "2026-12-05", &["run-job", "check-pace"]);
    assert!(
        checked.contains("3 opened")
            && checked.contains("1 email(s) queued")
            && checked.contains("3 group robot message(s) queued"),
        "the supervisor's email and two robots, and the school's group: {checked}"
    );
    // Lists and logs show who owns a robot, never its token or secret.
    let listed = db.ok(&["outbox", "list", "--format", "json"]);
    let supervisors = db.ok(&["supervisor", "list", "--format", "json"]);
    for shown in [&listed, &supervisors, &checked] {
        for secret in [&own_dingtalk.token, &own_wecom.token, &school_group.token] {
            assert!(!shown.contains(secret.as_str()), "a token shown: {shown}");
        }
        assert!(
            !shown.contains("SECsupervisor"),
            "the secret shown: {shown}"
        );
    }
    let supervisor = &serde_json::from_str::<serde_json::Value>(&supervisors).unwrap()[0];
    assert_eq!(supervisor["dingtalk_secret"], "****");
    assert!(
        supervisor["dingtalk_webhook"]
            .as_str()
            .unwrap()
            .ends_with("access_token=****"),
        "{supervisor}"
    );
    let mut recipients: Vec<String> = robot_rows(db)
        .iter()
        .map(|m| format!("{} {}", m["channel"], m["recipient"]))
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        [
            "\"dingtalk\" \"group:城关小学\"",
            "\"dingtalk\" \"supervisor:zhao@example.org\"",
            "\"wecom\" \"supervisor:zhao@example.org\""
        ]
    );

    let sent = run(db, &config, "2026-12-05", &["outbox", "send"]);
    assert!(sent.contains("已发送 4，"), "{sent}");
    for platform in [&own_dingtalk, &own_wecom, &school_group] {
        let received = platform.received();
        assert_eq!(received.len(), 1, "{:?}", platform.refusals());
        let text = &received[0].text;
        assert!(
            received[0].title.contains("送教进度预警：3 名学生"),
            "{text}"
        );
        // Family name and initial, school, status, figures, and a link to log in.
        for shown in [
            "王X.",
            "欧阳X.",
            "城关小学",
            "新出现进度问题",
            "应完成",
            "年度目标 171",
            &format!("({PUBLIC_URL}/students/S001)"),
        ] {
            assert!(text.contains(shown), "`{shown}` missing: {text}");
        }
    }
    assert!(school_group.received()[0].text.contains("特教工作群"));
    assert!(
        district_group.received().is_empty(),
        "new alerts of a school with its own supervisor stay with the school"
    );

    // Monday's digest: every owner hears of the children they follow.
    let digest = run(db, &config, "2026-12-07", &["run-job", "digest"]);
    assert!(
        digest.contains("1 email(s) queued") && digest.contains("4 group robot message(s)"),
        "{digest}"
    );
    run(db, &config, "2026-12-07", &["outbox", "send"]);
    let weekly = district_group.received();
    assert_eq!(weekly.len(), 1);
    assert!(
        weekly[0].text.contains("送教周报") && weekly[0].text.contains("3 名学生"),
        "{}",
        weekly[0].text
    );
    assert_eq!(school_group.received().len(), 2);
    assert_no_personal_details(&[&own_dingtalk, &own_wecom, &school_group, &district_group]);
}

on_both_databases!(alerts_and_digests_reach_every_robot_signed_and_without_personal_details);

/// A robot down, then hanging, then "too fast" (even a week on): its messages
/// wait, are never given up, and each arrives once when it answers again.
#[test]
fn a_robot_down_hanging_or_too_fast_gets_each_message_once_when_it_recovers() {
    let db = TestDb::sqlite();
    children_behind(&db, 2);
    let dingtalk = Platform::start(Kind::DingTalk, Some("SECs"), None);
    let wecom = Platform::start(Kind::WeCom, None, None);
    supervisor_with_robots(&db, &dingtalk.webhook(), "SECs", &wecom.webhook());
    let config = config(&db, "");
    run(
        &db,
        &config,
        "2026-12-05T02:00:00Z",
        &["run-job", "check-pace"],
    );
    let send = |as_of: &str| run(&db, &config, as_of, &["outbox", "send"]);
    let errors = || -> Vec<String> {
        robot_rows(&db)
            .iter()
            .map(|m| format!("{} {}", m["status"], m["last_error"]))
            .collect()
    };

    for platform in [&dingtalk, &wecom] {
        platform.set_mode(Mode::Down);
    }
    let down = send("2026-12-05T02:00:00Z");
    assert!(
        down.contains("已发送 1，") && down.contains("待重试 2"),
        "{down}"
    );
    assert!(errors().iter().all(|e| e.contains("503")), "{:?}", errors());

    for platform in [&dingtalk, &wecom] {
        platform.set_mode(Mode::Hang);
    }
    let hanging = send("2026-12-05T03:00:00Z");
    assert!(hanging.contains("待重试 2"), "{hanging}");
    assert!(
        errors().iter().all(|e| e.contains("no answer in time")),
        "{:?}",
        errors()
    );

    for platform in [&dingtalk, &wecom] {
        platform.set_mode(Mode::TooFast);
    }
    for as_of in ["2026-12-05T04:00:00Z", "2026-12-12T04:00:00Z"] {
        let held = send(as_of);
        assert!(
            held.contains("待重试 2") && held.contains("已放弃 0"),
            "{held}"
        );
    }
    let rows = robot_rows(&db);
    assert!(
        rows.iter()
            .all(|m| m["status"] == "queued" && m["attempts"] == 2),
        "held back is not a try, and not a reason to give up: {rows:#?}"
    );

    for platform in [&dingtalk, &wecom] {
        platform.set_mode(Mode::Up);
    }
    let recovered = send("2026-12-12T05:00:00Z");
    assert!(recovered.contains("已发送 2，"), "{recovered}");
    let again = send("2026-12-13T05:00:00Z");
    assert!(again.contains("已发送 0，"), "{again}");
    assert_eq!(dingtalk.received().len(), 1);
    assert_eq!(wecom.received().len(), 1);
}

/// A wrong secret, a missing keyword and a removed robot: each refusal names the
/// setting to fix, shows no secret, and the fixed setting applies to what waits.
#[test]
fn a_refusal_names_the_setting_to_fix_and_never_the_secret() {
    let db = TestDb::sqlite();
    children_behind(&db, 1);
    let dingtalk = Platform::start(Kind::DingTalk, Some("SECright"), None);
    let group = Platform::start(Kind::DingTalk, None, Some("特教工作群"));
    let wecom = Platform::start(Kind::WeCom, None, None);
    let removed = wecom.webhook().replace(&wecom.token, "removed-robot");
    supervisor_with_robots(&db, &dingtalk.webhook(), "SECwrong", &removed);
    let school_group = format!(
        "[[notify.group]]\nschool = \"城关小学\"\ndingtalk_webhook = \"{}\"\n",
        group.webhook()
    );
    let first = config(&db, &school_group);
    run(&db, &first, "2026-12-05", &["run-job", "check-pace"]);
    run(&db, &first, "2026-12-05", &["outbox", "send"]);
    let listed = db.ok(&["outbox", "list", "--format", "json"]);
    for (fix, said) in [
        ("supervisor zhao@example.org: --dingtalk-secret", "310000"),
        ("notify.group[城关小学].keyword", "keywords not in content"),
        ("supervisor zhao@example.org: --wecom-webhook", "93000"),
    ] {
        assert!(
            robot_rows(&db).iter().any(|m| {
                let error = m["last_error"].as_str().unwrap_or_default();
                error.contains(fix) && error.contains(said)
            }),
            "no error names {fix}: {listed}"
        );
    }
    for secret in [
        "SECwrong",
        "removed-robot",
        dingtalk.token.as_str(),
        group.token.as_str(),
    ] {
        assert!(!listed.contains(secret), "`{secret}` shown: {listed}");
    }

    add_supervisor(
        &db,
        &[
            "--dingtalk-secret",
            "SECright",
            "--wecom-webhook",
            &wecom.webhook(),
        ],
    );
    let fixed = config(&db, &format!("{school_group}keyword = \"特教工作群\"\n"));
    let sent = run(&db, &fixed, "2026-12-05T12:00:00Z", &["outbox", "send"]);
    assert!(sent.contains("已发送 3，"), "{sent}");
    for platform in [&dingtalk, &group, &wecom] {
        assert_eq!(platform.received().len(), 1);
    }
}

/// 300 children behind: the supervisor's WeCom robot gets the list in parts of
/// at most 4,096 bytes, DingTalk's in fewer, every child exactly once in each,
/// the parts in order, and never more than 19 posts a minute to one robot. (The
/// 20th post's wait for its turn is tested on a paused clock, in notify/robot.rs,
/// rather than over a real minute here.)
#[test]
fn a_long_list_is_split_to_each_platforms_size_and_sent_at_its_pace() {
    let db = TestDb::sqlite();
    children_behind(&db, 300);
    let dingtalk = Platform::start(Kind::DingTalk, Some("SECs"), None);
    let wecom = Platform::start(Kind::WeCom, None, None);
    supervisor_with_robots(&db, &dingtalk.webhook(), "SECs", &wecom.webhook());
    let config = config(&db, "");
    let checked = run(&db, &config, "2026-12-05", &["run-job", "check-pace"]);
    assert!(checked.contains("300 opened"), "{checked}");
    let sent = run(&db, &config, "2026-12-05", &["outbox", "send"]);
    assert!(
        sent.contains("待重试 0") && sent.contains("已放弃 0"),
        "{sent}"
    );
    let (ding, we) = (dingtalk.received(), wecom.received());
    assert!(
        (5..20).contains(&we.len()),
        "a list this long takes several WeCom parts: {}",
        we.len()
    );
    assert!(ding.len() > 1 && ding.len() < we.len(), "{}", ding.len());
    for (platform, messages) in [(&dingtalk, &ding), (&wecom, &we)] {
        assert!(platform.refusals().is_empty(), "{:?}", platform.refusals());
        assert!(
            platform.busiest_minute() <= 19,
            "{}",
            platform.busiest_minute()
        );
        let total = messages.len();
        for (i, m) in messages.iter().enumerate() {
            assert!(
                m.title.contains(&format!("（第 {}/{total} 条）", i + 1)),
                "in order: {}",
                m.title
            );
        }
        let all: String = messages.iter().map(|m| m.text.as_str()).collect();
        for i in 1..=300 {
            assert_eq!(
                all.matches(&format!("/students/S{i:03})")).count(),
                1,
                "S{i:03} once"
            );
        }
    }
    assert!(we.iter().all(|m| m.text.len() <= 4096));
    assert_no_personal_details(&[&dingtalk, &wecom]);
}

/// Robot settings are checked where they are typed: a bad webhook in the config
/// names its key, a sheet with one bad row imports none, and a masked value
/// pasted back from a list is refused.
#[test]
fn robot_settings_are_checked_where_they_are_typed() {
    let db = TestDb::sqlite();
    db.ok(&["init"]);
    db.import("teachers", common::TEACHERS);
    let bad = db.file(
        "bad.toml",
        "[[notify.group]]\nschool = \"城关小学\"\ndingtalk_webhook = \"oapi.dingtalk.com/robot\"\n",
    );
    let error = db.fails(&["--config", path(&bad), "supervisor", "list"]);
    assert!(
        error.contains("notify.group") && error.contains("城关小学"),
        "{error}"
    );
    let unknown = db.file(
        "unknown.toml",
        "[[notify.group]]\nwecom_webhook = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\"\ntoken = \"x\"\n",
    );
    let error = db.fails(&["--config", path(&unknown), "supervisor", "list"]);
    assert!(error.contains("token"), "{error}");

    let sheet = "姓名,邮箱,学校,钉钉机器人,钉钉加签,企业微信机器人\n\
                 赵督导,zhao@example.org,城关小学,https://oapi.dingtalk.com/robot/send?access_token=abc,SECabc,\n\
                 钱督导,qian@example.org,,not a webhook,,\n";
    let file = db.file("supervisors.csv", sheet);
    let error = db.fails(&["import", path(&file), "--kind", "supervisors"]);
    assert!(
        error.contains('3') && error.contains("钉钉机器人"),
        "names the line and the column: {error}"
    );
    assert_eq!(
        db.json(&["supervisor", "list", "--format", "json"]),
        serde_json::json!([])
    );
    let file = db.file("supervisors.csv", sheet.replace("not a webhook", ""));
    db.ok(&["import", path(&file), "--kind", "supervisors"]);
    let listed = db.ok(&["supervisor", "list", "--format", "json"]);
    assert!(
        listed.contains("access_token=****") && !listed.contains("abc"),
        "{listed}"
    );

    let pasted = db.fails(&[
        "supervisor",
        "add",
        "--name",
        "赵督导",
        "--email",
        "zhao@example.org",
        "--dingtalk-webhook",
        "https://oapi.dingtalk.com/robot/send?access_token=****",
    ]);
    assert!(
        pasted.contains("dingtalk-webhook") && pasted.contains("****"),
        "{pasted}"
    );
}

/// A robot refusing for five days is given up like an email: the operators are
/// told by email which setting to fix, with no token in it.
#[test]
fn a_robot_refusing_for_five_days_is_given_up_and_the_operators_told() {
    let db = TestDb::sqlite();
    children_behind(&db, 1);
    let wecom = Platform::start(Kind::WeCom, None, None);
    let removed = wecom.webhook().replace(&wecom.token, "removed-robot");
    add_supervisor(&db, &["--wecom-webhook", &removed]);
    let config = config(&db, "");
    let config = db.file(
        "ops.toml",
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("[mail]\n", "[mail]\noperators = [\"ops@example.org\"]\n"),
    );
    let config = path(&config);
    run(&db, config, "2026-12-05", &["run-job", "check-pace"]);
    let first = run(&db, config, "2026-12-05", &["outbox", "send"]);
    assert!(first.contains("待重试 1"), "{first}");
    let later = run(&db, config, "2026-12-10T12:00:00Z", &["outbox", "send"]);
    assert!(later.contains("已放弃 1"), "{later}");
    let mail = std::fs::read_dir(db.dir.path().join("mail"))
        .unwrap()
        .flatten()
        .map(|f| std::fs::read_to_string(f.path()).unwrap())
        .find(|m| m.contains("To: ops@example.org"))
        .expect("the operators are told");
    let text = common::mail::date_subject_text(&mail);
    assert!(
        text.contains("supervisor:zhao@example.org") && text.contains("--wecom-webhook"),
        "{text}"
    );
    assert!(!mail.contains("removed-robot"), "{mail}");
}

/// A webhook at a host that is neither DingTalk's nor WeCom's (a server inside
/// the district's network) is never posted to unless an operator lists it in
/// `notify.robot_hosts`: the message fails naming the setting; a group in the
/// config pointing there is refused at start.
#[test]
fn robots_are_posted_only_at_the_platforms_or_listed_hosts() {
    let db = TestDb::sqlite();
    children_behind(&db, 2);
    let inside = Platform::start(Kind::WeCom, None, None);
    add_supervisor(&db, &["--wecom-webhook", &inside.webhook()]);
    let unlisted = db.file(
        "unlisted.toml",
        format!(
            "[mail]\ndir = \"{}\"\n[notify]\nrobot_timeout_seconds = 1\n",
            path(&db.dir.path().join("mail"))
        ),
    );
    let unlisted = path(&unlisted);
    run(&db, unlisted, "2026-12-05", &["run-job", "check-pace"]);
    run(&db, unlisted, "2026-12-05", &["outbox", "send"]);
    assert!(
        inside.received().is_empty(),
        "nothing posted inside the network"
    );
    let failures =
        db.sql_rows("SELECT COALESCE(last_error, '') FROM outbox WHERE channel = 'wecom'");
    assert!(
        !failures.is_empty() && failures.iter().all(|e| e.contains("notify.robot_hosts")),
        "{failures:?}"
    );
    let group = db.file(
        "group.toml",
        format!(
            "[[notify.group]]\nwecom_webhook = \"{}\"\n",
            inside.webhook()
        ),
    );
    let error = db.fails(&["--config", path(&group), "supervisor", "list"]);
    assert!(
        error.contains("notify.group") && error.contains("notify.robot_hosts"),
        "{error}"
    );
}
