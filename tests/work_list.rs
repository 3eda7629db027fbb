//! The coordinators' and supervisors' pages over the real HTTP server (issue 37):
//! the home as a work list, the most urgent first, each item with its action
//! (plan the week, acknowledge several alerts with a follow-up day, mark who got
//! worse as seen); exceptions read from the visits; the week planned from a
//! preview that is applied only as shown; the audit paged, filtered and
//! exported; the teachers' load; the menu, the messages after an action, the
//! right page for what is not there, and a forgotten password.

mod common;

use common::web::*;
use common::{TestDb, runtime};

fn rows(db: &TestDb, query: &str) -> Vec<String> {
    std::thread::scope(|s| s.spawn(|| db.sql_rows(query)).join().unwrap())
}

fn post(
    server: &Server,
    session: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    client()
        .post(format!("{}{path}", server.base))
        .header("cookie", format!("songjiao_session={session}"))
        .header("origin", &server.base)
        .form(form)
}

/// A page read with the message an action left (its `songjiao_done` cookie).
async fn page_after(
    server: &Server,
    session: &str,
    done: &reqwest::Response,
    path: &str,
) -> String {
    let said = done.headers()["set-cookie"].to_str().unwrap();
    let said = said.split(';').next().unwrap();
    client()
        .get(format!("{}{path}", server.base))
        .header("cookie", format!("songjiao_session={session}; {said}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn set_clock(server: &Server, at: &str) {
    *server.clock.lock().unwrap() = at.parse().unwrap();
}

/// The value of a page's hidden field.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let from = page.find(&marker).unwrap() + marker.len();
    page[from..from + page[from..].find('"').unwrap()].to_string()
}

/// S001's first three visits (two of the week of 11-30, one of 12-07) missed
/// because nobody was home; check-pace read on Thursday 12-10 evening.
fn three_misses_in_a_row(db: &TestDb) {
    district(db);
    db.ok(&[
        "--as-of",
        "2026-12-04T16:00:00+08:00",
        "plan-week",
        "--week",
        "2026-W50",
    ]);
    let visits = rows(
        db,
        "SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE p.student_id = 'S001' AND v.status = 'planned' ORDER BY v.day LIMIT 3",
    );
    assert_eq!(visits.len(), 3);
    for visit in &visits {
        db.ok(&[
            "--as-of",
            "2026-12-10T20:00:00+08:00",
            "visit",
            "record",
            visit,
            "--outcome",
            "missed",
            "--reason",
            "family_unavailable",
        ]);
    }
    db.ok(&[
        "--as-of",
        "2026-12-10T21:00:00+08:00",
        "run-job",
        "check-pace",
    ]);
}

fn the_home_is_a_work_list_with_an_action_for_each_item(db: &TestDb) {
    three_misses_in_a_row(db);
    let settings = settings_for(db);
    let alert = |student: &str| {
        rows(
            db,
            &format!(
                "SELECT CAST(a.id AS TEXT) FROM alerts a JOIN plans p ON p.id = a.plan_id
                 WHERE p.student_id = '{student}' AND a.resolved_at IS NULL"
            ),
        )[0]
        .clone()
    };
    let (s001, s002, s003) = (alert("S001"), alert("S002"), alert("S003"));
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        // Saturday: the coming week is late to plan (the daemon plans on Friday).
        set_clock(&server, "2026-12-12T02:00:00Z");
        let center = log_in(&server, "center@example.org").await;
        let home = page(&server, &center, "/").await;
        let at = |text: &str| {
            home.find(text)
                .unwrap_or_else(|| panic!("{text} on the work list: {home}"))
        };
        assert!(
            at("第16周（12月14日–18日）") < at("待处理的预警"),
            "the unplanned week comes first"
        );
        assert!(home.contains("href=\"/weeks/2026-W51\">去排课"), "{home}");
        // Exceptions, from the visits: three misses for one reason.
        assert!(
            home.contains("连续 3 次没有送成，都是因为家长不在家"),
            "{home}"
        );
        // Alerts grouped by school and teacher, each with its gap; the status
        // words order themselves, each explained.
        assert!(home.contains("城关小学 · 送教教师 王芳"), "{home}");
        assert!(
            home.contains("差 ") && home.contains(" 课时</span>"),
            "{home}"
        );
        assert!(
            home.contains("照常每周送教已达不到目标，必须加排补课")
                || home.contains("比进度少一次送教以上"),
            "{home}"
        );
        assert!(!home.contains("有风险"), "the retired word: {home}");
        // Who got worse (never looked before: the last week), until marked seen.
        assert!(
            home.contains("进度变差的学生") && home.contains("最近一周内"),
            "{home}"
        );
        let seen = post(&server, &center, "/work/seen", &[])
            .send()
            .await
            .unwrap();
        assert_eq!(seen.status(), 303);
        let after = page_after(&server, &center, &seen, "/").await;
        assert!(
            after.contains("已标为看过") && !after.contains("进度变差的学生"),
            "{after}"
        );

        // Several alerts at once, with one note and a follow-up day.
        let ack = |form: Vec<(&'static str, String)>| {
            let form: Vec<(&str, String)> = form;
            client()
                .post(format!("{}/alerts/ack", server.base))
                .header("cookie", format!("songjiao_session={center}"))
                .header("origin", &server.base)
                .form(&form)
                .send()
        };
        let nothing = ack(vec![("note", "已联系".into())]).await.unwrap();
        assert_eq!(nothing.status(), 422, "no alert ticked");
        let no_note = ack(vec![("alert", s001.clone()), ("note", " ".into())])
            .await
            .unwrap();
        assert_eq!(no_note.status(), 422);
        let bad_day = ack(vec![
            ("alert", s001.clone()),
            ("note", "已联系".into()),
            ("follow_up_on", "12月14日".into()),
        ])
        .await
        .unwrap();
        assert_eq!(bad_day.status(), 422);
        let one_missing = ack(vec![
            ("alert", s001.clone()),
            ("alert", "999999".into()),
            ("note", "已联系".into()),
        ])
        .await
        .unwrap();
        assert_eq!(one_missing.status(), 404);
        let acknowledged = || {
            rows(
                db,
                "SELECT CAST(COUNT(*) AS TEXT) FROM alerts WHERE acknowledged_at IS NOT NULL",
            )
        };
        assert_eq!(acknowledged(), ["0"], "all or none");
        let done = ack(vec![
            ("alert", s001.clone()),
            ("alert", s002.clone()),
            ("note", "已电话联系家长，约好补课".into()),
            ("follow_up_on", "2026-12-14".into()),
        ])
        .await
        .unwrap();
        assert_eq!(done.status(), 303);
        assert_eq!(
            done.headers()["location"],
            "/",
            "back to the top, where the message is"
        );
        let said = page_after(&server, &center, &done, "/").await;
        assert!(said.contains("已确认 2 条预警"), "{said}");
        assert!(
            said.contains("已确认、正在跟进的预警 2 条")
                && said.contains("已电话联系家长，约好补课")
                && said.contains("跟进日期 2026-12-14")
                && said.contains(&format!("value=\"{s003}\"")),
            "the two wait for their day, the third is still to handle: {said}"
        );
        let follow_up = rows(
            db,
            &format!("SELECT CAST(follow_up_on AS TEXT) FROM alerts WHERE id = {s001}"),
        );
        assert_eq!(follow_up, ["2026-12-14"]);
        // Shown once: the next page does not say it again.
        let again = page(&server, &center, "/").await;
        assert!(!again.contains("已确认 2 条预警"), "{again}");
        // Their day come, they are back on the list, marked.
        set_clock(&server, "2026-12-14T01:00:00Z");
        let center = log_in(&server, "center@example.org").await;
        let monday = page(&server, &center, "/").await;
        assert!(
            monday.contains("到期跟进 2026-12-14") && monday.contains(&format!("value=\"{s001}\"")),
            "{monday}"
        );

        // A school's supervisor: their school only, 本校情况, no reminders to send.
        let dongshan = log_in(&server, "dongshan@example.org").await;
        let theirs = page(&server, &dongshan, "/").await;
        assert!(
            theirs.contains("本校情况")
                && !theirs.contains("李小明")
                && !theirs.contains("发送记录提醒"),
            "{theirs}"
        );
        server.stop().await;
    });
}

fn the_week_is_planned_from_a_preview_applied_as_shown(db: &TestDb) {
    district(db);
    // 赵敏 on leave the whole week: 张子涵 (no backup) cannot be placed.
    db.ok(&[
        "teacher",
        "leave",
        "add",
        "T03",
        "--from",
        "2026-12-07",
        "--to",
        "2026-12-11",
        "--reason",
        "培训",
    ]);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        set_clock(&server, "2026-12-04T08:00:00Z");
        let center = log_in(&server, "center@example.org").await;
        let board = page(&server, &center, "/weeks/2026-W50").await;
        assert!(
            board.contains("第15周（12月7日–11日）") && board.contains("排这一周的课") && board.contains("先看预览"),
            "{board}"
        );
        // A preview is read (GET): going back to it, or reloading it, plans nothing.
        let preview = get(&server, Some(&center), "/weeks/2026-W50/plan").await;
        assert_eq!(preview.status(), 200);
        let preview = preview.text().await.unwrap();
        for shown in [
            "排课预览（尚未保存）",
            "change-added",
            "本周未能安排的送教",
            "张子涵",
            "赵敏老师",
            "人手建议",
            "增设备用教师：王芳（张子涵）",
            "12月8日周二上午",
        ] {
            assert!(preview.contains(shown), "{shown} in the preview: {preview}");
        }
        assert!(!preview.contains("no slot"), "no English: {preview}");
        let planned = || {
            rows(
                db,
                "SELECT CAST(COUNT(*) AS TEXT) FROM visits WHERE day >= '2026-12-07' AND day <= '2026-12-11'",
            )
        };
        assert_eq!(planned(), ["0"], "a preview writes nothing");
        // Confirmed against another preview: shown again, nothing written.
        let stale = post(&server, &center, "/weeks/2026-W50/plan", &[("confirm", "1"), ("seen", "0000")])
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200);
        let stale = stale.text().await.unwrap();
        assert!(stale.contains("预览之后情况有了变化"), "{stale}");
        assert_eq!(planned(), ["0"]);
        let seen = hidden(&preview, "seen");
        let done = post(&server, &center, "/weeks/2026-W50/plan", &[("confirm", "1"), ("seen", &seen)])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 303);
        let board = page_after(&server, &center, &done, "/weeks/2026-W50").await;
        assert!(board.contains("已排课") && board.contains("重新排课"), "{board}");
        assert_ne!(planned(), ["0"]);
        // A week gone by is not offered for planning.
        let past = page(&server, &center, "/weeks/2026-W47").await;
        assert!(past.contains("这一周的送教日都已过去") && !past.contains("排这一周的课"), "{past}");
        server.stop().await;
    });
}

fn the_audit_is_paged_filtered_and_exported(db: &TestDb) {
    district(db);
    let mut sheet = String::from("student_id,name,school,available\n");
    for n in 0..120 {
        sheet.push_str(&format!("S{:03},学生{n},城关小学,Mon-AM\n", 100 + n));
    }
    db.import("students", &sheet);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        let first = page(&server, &center, "/audit").await;
        let entries = |page: &str| page.matches("<li><span><strong>").count();
        assert_eq!(entries(&first), 100, "a hundred a page");
        assert!(
            first.contains("第 1/2 页") && first.contains("page=2"),
            "{first}"
        );
        let second = page(&server, &center, "/audit?page=2").await;
        assert!(
            second.contains("第 2/2 页") && entries(&second) > 20,
            "{second}"
        );
        // Filtered by kind: a plan's creation as 字段：值 in words.
        let plans = page(&server, &center, "/audit?kind=plan").await;
        assert!(
            plans.contains("新增送教方案 李小明 2026-2027")
                && plans.contains("送教教师：王芳；备用教师：李娜；每周次数：2")
                && !plans.contains("新增学生"),
            "{plans}"
        );
        let students = page(&server, &center, "/audit?kind=student&student=S001").await;
        assert!(
            students.contains("新增学生") && entries(&students) == 1,
            "{students}"
        );
        // A child and a person found by name as well; a child read, by name.
        let by_name = page(
            &server,
            &center,
            "/audit?kind=plan&student=%E6%9D%8E%E5%B0%8F%E6%98%8E",
        )
        .await;
        assert!(
            by_name.contains("新增送教方案 李小明") && entries(&by_name) == 1,
            "{by_name}"
        );
        page(&server, &center, "/students/S002").await;
        let reads = page(&server, &center, "/audit?kind=reads&person=center").await;
        assert!(
            reads.contains(">王欣怡</a>") && !reads.contains(">S002</a>"),
            "{reads}"
        );
        // The same as a sheet: every row the filters select.
        let response = get(&server, Some(&center), "/audit.xlsx?kind=student").await;
        assert_eq!(response.status(), 200);
        let workbook = response.bytes().await.unwrap();
        let sheet = songjiao::import::sheet::parse("audit.xlsx", &workbook).unwrap();
        assert!(sheet.rows.len() >= 123, "{} rows", sheet.rows.len());
        let dongshan = log_in(&server, "dongshan@example.org").await;
        assert_eq!(
            get(&server, Some(&dongshan), "/audit.xlsx").await.status(),
            403
        );
        server.stop().await;
    });
}

fn every_page_has_its_menu_its_words_and_its_way_out(db: &TestDb) {
    district(db);
    // 王芳's Monday visit made; 赵敏's missed.
    for (student, outcome) in [("S001", "completed"), ("S003", "missed")] {
        let monday = rows(
            db,
            &format!(
                "SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
                 WHERE p.student_id = '{student}' AND v.day = '2026-11-30'"
            ),
        );
        let mut record = vec![
            "--as-of",
            "2026-11-30T20:00:00+08:00",
            "visit",
            "record",
            &monday[0],
            "--outcome",
            outcome,
        ];
        if outcome == "missed" {
            record.extend(["--reason", "student_ill"]);
        }
        db.ok(&record);
    }
    db.ok(&["--as-of", "2026-11-30", "run-job", "check-pace"]);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        set_clock(&server, "2026-12-01T02:00:00Z");
        let center = log_in(&server, "center@example.org").await;
        let dongshan = log_in(&server, "dongshan@example.org").await;
        let teacher = log_in(&server, "t01@example.org").await;
        let menu = |page: &str| {
            let from = page.find("<nav class=\"menu\"").expect("a menu");
            page[from..from + page[from..].find("</nav>").unwrap()].to_string()
        };
        let theirs = menu(&page(&server, &center, "/students").await);
        for item in [
            "待办",
            "学生",
            "教师",
            "排课表",
            "请假",
            "校历",
            "导入表格",
            "导出",
            "操作记录",
            "我的账号",
        ] {
            assert!(theirs.contains(&format!(">{item}</a>")), "{item}: {theirs}");
        }
        assert!(!theirs.contains("运行情况"), "operations are the admins'");
        let hers = menu(&page(&server, &teacher, "/account").await);
        assert!(
            hers.contains(">我的送教</a>")
                && hers.contains(">我的学生</a>")
                && !hers.contains("操作记录"),
            "{hers}"
        );
        // Titles as the menu names the page, for each reader.
        assert!(
            page(&server, &center, "/students")
                .await
                .contains("<title>学生 · ")
        );
        let school = page(&server, &dongshan, "/students").await;
        assert!(
            school.contains("<title>本校学生 · ") && school.contains("差距（课时）"),
            "{school}"
        );
        assert!(
            page(&server, &teacher, "/students")
                .await
                .contains("<title>我的学生 · ")
        );
        // Sorted by the gap, the widest first.
        let by_gap = page(&server, &center, "/students?sort=gap").await;
        assert!(by_gap.contains("sort=gap"), "{by_gap}");
        // Not found, not allowed: each its own page and title, with the menu.
        let nowhere = get(&server, Some(&center), "/nowhere").await;
        assert_eq!(nowhere.status(), 404);
        let nowhere = nowhere.text().await.unwrap();
        assert!(
            nowhere.contains("<title>找不到 · ")
                && nowhere.contains("找不到这个页面")
                && nowhere.contains("<nav class=\"menu\"")
                && !nowhere.contains("学生，"),
            "{nowhere}"
        );
        let not_yours = get(&server, Some(&teacher), "/audit").await;
        assert_eq!(not_yours.status(), 403);
        assert!(
            not_yours
                .text()
                .await
                .unwrap()
                .contains("<title>无权查看 · ")
        );
        // A child's pause asks for the pause's reason, not leave's.
        let edit = page(&server, &center, "/students/S001/edit").await;
        assert!(
            edit.contains("暂停原因") && !edit.contains("请假原因"),
            "{edit}"
        );
        // The teachers' load and completion, and the term's trend.
        let teachers = page(&server, &center, "/teachers").await;
        for shown in [
            "负责学生",
            "本周送教",
            "本周空闲时段",
            "本学期完成率",
            "<svg class=\"pace-chart\"",
            "王芳",
        ] {
            assert!(teachers.contains(shown), "{shown}: {teachers}");
        }
        let row = |name: &str| {
            let from = teachers.find(&format!(">{name}</a>")).expect(name);
            teachers[from..from + teachers[from..].find("</tr>").unwrap()].to_string()
        };
        assert!(row("王芳").contains("<td>100%</td>"), "{}", row("王芳"));
        assert!(row("赵敏").contains("<td>0%</td>"), "{}", row("赵敏"));
        // A favicon, from the binary.
        let icon = get(&server, None, "/assets/icon.svg").await;
        assert_eq!(icon.status(), 200);
        assert_eq!(icon.headers()["content-type"], "image/svg+xml");
        assert!(page(&server, &center, "/").await.contains("rel=\"icon\""));
        server.stop().await;
    });
}

fn a_forgotten_password_is_mailed_a_link(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let login = get(&server, None, "/login").await.text().await.unwrap();
        assert!(
            login.contains("href=\"/password/forgot\">忘记密码"),
            "{login}"
        );
        let ask = |email: &'static str| {
            client()
                .post(format!("{}/password/forgot", server.base))
                .header("origin", &server.base)
                .form(&[("email", email)])
                .send()
        };
        let mails = || {
            rows(
                db,
                "SELECT recipient FROM outbox WHERE kind = 'account' ORDER BY id",
            )
        };
        let before = mails().len();
        let asked = ask("T01@example.org").await.unwrap();
        assert_eq!(asked.status(), 200);
        let said = asked.text().await.unwrap();
        assert!(said.contains("设置新密码的邮件已经发出"), "{said}");
        let after = mails();
        assert_eq!(after.len(), before + 1);
        assert_eq!(after.last().unwrap(), "t01@example.org");
        let body = rows(
            db,
            "SELECT body_text FROM outbox WHERE kind = 'account' ORDER BY id DESC LIMIT 1",
        );
        assert!(
            body[0].contains("忘记密码")
                && body[0].contains("原来的密码仍然有效")
                && !body[0].contains("管理员重置"),
            "{body:?}"
        );
        // Asked again at once, or for an email without an account: the same
        // answer, and no mail.
        for email in ["t01@example.org", "nobody@example.org"] {
            let again = ask(email).await.unwrap().text().await.unwrap();
            assert!(again.contains("设置新密码的邮件已经发出"));
        }
        assert_eq!(mails().len(), before + 1);
        // The password still works until a new one is set.
        log_in(&server, "t01@example.org").await;
        server.stop().await;
    });
}

on_both_databases!(
    the_home_is_a_work_list_with_an_action_for_each_item,
    the_week_is_planned_from_a_preview_applied_as_shown,
    the_audit_is_paged_filtered_and_exported,
    every_page_has_its_menu_its_words_and_its_way_out,
    a_forgotten_password_is_mailed_a_link,
);
