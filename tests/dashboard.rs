//! The coordinators' and supervisors' home, over the real HTTP server: the
//! district (or a supervisor's schools only) at a glance from what the daemon's
//! check-pace and plan-week last kept, and alerts acknowledged there.

mod common;

use common::web::*;
use common::{TestDb, runtime};

fn rows(db: &TestDb, query: &str) -> Vec<String> {
    std::thread::scope(|s| s.spawn(|| db.sql_rows(query)).join().unwrap())
}

fn the_dashboard_shows_each_reader_their_schools_and_takes_acknowledgements(db: &TestDb) {
    district(db);
    // Nothing recorded since September: every child is behind or worse.
    let checked = db.ok(&["--as-of", "2026-11-30", "run-job", "check-pace"]);
    assert!(checked.contains("opened"), "{checked}");
    let projected = rows(
        db,
        "SELECT CAST(COUNT(projected) AS TEXT) FROM plan_readings",
    );
    assert_eq!(projected, ["3"], "each plan projected to the year's end");
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        let home = page(&server, &center, "/").await;
        for shown in [
            "<title>待办 · 送教上门平台</title>",
            "城关小学",
            "东山小学",
            "李小明",
            "张子涵",
            "<svg class=\"bar-chart\"",
            "待处理的预警",
            "确认所选预警",
            "严重落后",
            "课时</span>",
        ] {
            assert!(
                home.contains(shown),
                "{shown} on the district's page: {home}"
            );
        }
        assert!(!home.contains("还没有排课"), "the week was planned: {home}");
        // The operators' matters are on their own page, for admins.
        for operations in ["发送失败的邮件", "定时任务"] {
            assert!(!home.contains(operations), "{operations} on the work list");
        }
        assert_eq!(
            get(&server, Some(&center), "/operations").await.status(),
            403
        );
        let admin = log_in(&server, "admin@example.org").await;
        let operations = page(&server, &admin, "/operations").await;
        assert!(
            operations.contains("发送失败的邮件") && operations.contains("定时任务"),
            "{operations}"
        );
        let listed = page(&server, &center, "/students").await;
        assert!(listed.contains("王欣怡"), "{listed}");
        // Searched by name or id, filtered by school and status.
        let found = page(&server, &center, "/students?q=%E5%B0%8F%E6%98%8E").await;
        assert!(
            found.contains("李小明") && !found.contains("王欣怡"),
            "{found}"
        );
        let by_school = page(
            &server,
            &center,
            "/students?school=%E4%B8%9C%E5%B1%B1%E5%B0%8F%E5%AD%A6",
        )
        .await;
        assert!(
            by_school.contains("张子涵") && !by_school.contains("李小明"),
            "{by_school}"
        );
        // The plans' list too: each child's teacher and periods, filtered by teacher.
        assert!(
            listed.contains("王芳") && listed.contains("/ 216"),
            "{listed}"
        );
        let by_teacher = page(&server, &center, "/students?teacher=T02").await;
        assert!(
            by_teacher.contains("王欣怡") && !by_teacher.contains("李小明"),
            "{by_teacher}"
        );
        let on_track = page(&server, &center, "/students?status=on_track").await;
        assert!(
            !on_track.contains("李小明") && on_track.contains("0 / 3"),
            "{on_track}"
        );
        // A child's page draws the year: expected line, delivered, target, projection.
        let child = page(&server, &center, "/students/S001").await;
        for drawn in [
            "<svg class=\"pace-chart\"",
            "<polyline class=\"expected\"",
            "<polyline class=\"delivered\"",
            "<line class=\"target\"",
            "<line class=\"projection\"",
            "9月",
            "预计学年末",
            "课时账目",
            "已安排课时",
            "送教记录",
            "方案修订记录",
            "下载课时台账",
        ] {
            assert!(
                child.contains(drawn),
                "{drawn} on the child's page: {child}"
            );
        }
        assert!(
            child.contains("<title>李小明 · 送教上门平台</title>"),
            "a plain title"
        );
        // The ledger downloads as a workbook, for those who may see the child.
        let response = get(&server, Some(&center), "/students/S001/ledger.xlsx").await;
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(content_type.contains("spreadsheetml"), "{content_type}");
        assert!(
            response.bytes().await.unwrap().starts_with(b"PK"),
            "an xlsx (zip) file"
        );
        let exported = rows(
            db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM access_log WHERE what = 'ledger export'",
        );
        assert_eq!(exported, ["1"], "the export is in the access log");

        // A supervisor of one school: that school only, nothing of operations.
        let dongshan = log_in(&server, "dongshan@example.org").await;
        let theirs = page(&server, &dongshan, "/").await;
        assert!(
            theirs.contains("张子涵") && theirs.contains("东山小学"),
            "{theirs}"
        );
        for hidden in ["李小明", "王欣怡", "城关小学", "发送失败的邮件", "定时任务"]
        {
            assert!(
                !theirs.contains(hidden),
                "{hidden} shown to 东山's supervisor"
            );
        }
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
        let acknowledge = |session: &str, id: &str| {
            client()
                .post(format!("{}/alerts/{id}/ack", server.base))
                .header("cookie", format!("songjiao_session={session}"))
                .header("origin", &server.base)
                .form(&[("note", "已联系家长，下周补课")])
                .send()
        };
        // Another school's alert is not theirs to see.
        let response = acknowledge(&dongshan, &alert("S001")).await.unwrap();
        assert_eq!(response.status(), 404);
        let response = get(&server, Some(&dongshan), "/students/S001/ledger.xlsx").await;
        assert_eq!(response.status(), 404, "another school's ledger");
        let response = acknowledge(&dongshan, &alert("S003")).await.unwrap();
        assert_eq!(response.status(), 303);
        let acknowledged = rows(
            db,
            &format!(
                "SELECT acknowledged_by || ' ' || ack_note FROM alerts WHERE id = {}",
                alert("S003")
            ),
        );
        assert_eq!(
            acknowledged,
            ["user:dongshan@example.org 已联系家长，下周补课"]
        );
        // The year's workbook: the schools one may see, who exported it inside.
        let exports = page(&server, &center, "/exports").await;
        assert!(
            exports.contains("城关小学") && exports.contains("东山小学"),
            "{exports}"
        );
        let response = get(&server, Some(&center), "/exports/year.xlsx").await;
        assert_eq!(response.status(), 200);
        let workbook = response.bytes().await.unwrap();
        let sheet = songjiao::import::sheet::parse("year.xlsx", &workbook).unwrap();
        assert!(
            sheet.titles.iter().any(|h| h.contains("导出：center")),
            "the title row above the header names who exported it: {:?}",
            sheet.titles
        );
        let logged = rows(
            db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM access_log WHERE what = 'year export'",
        );
        assert_eq!(logged, ["3"], "each child exported is in the access log");
        let other_school = get(
            &server,
            Some(&dongshan),
            "/exports/year.xlsx?school=%E5%9F%8E%E5%85%B3%E5%B0%8F%E5%AD%A6",
        )
        .await;
        assert_eq!(other_school.status(), 404, "another school's workbook");
        // The school calendar, a year of months.
        let calendar = page(&server, &dongshan, "/school-calendar").await;
        for shown in [
            "校历",
            "2026-2027",
            "2026-10",
            "国庆节",
            "调休上班",
            "尚未正式公布",
        ] {
            assert!(calendar.contains(shown), "{shown}: {calendar}");
        }
        // The audit: reads and changes of a child, for the district's keepers only.
        let audit = page(&server, &center, "/audit?student=S001").await;
        let reads = page(&server, &center, "/audit?student=S001&kind=reads").await;
        assert!(
            reads.contains("操作记录") && reads.contains("课时账目导出"),
            "{reads}"
        );
        assert!(
            reads.contains("学生页（含联系方式和诊断）")
                && !reads.contains("student page with contact"),
            "{reads}"
        );
        assert!(
            audit.contains("新增送教方案") && audit.contains("命令行（"),
            "the plan's creation among the changes, by the command line: {audit}"
        );
        let theirs_only = page(&server, &center, "/audit?person=DONGSHAN@example.org").await;
        assert!(
            theirs_only.contains("确认预警")
                && theirs_only.contains("· dongshan</span>")
                && theirs_only.contains("备注：已联系家长，下周补课")
                && !theirs_only.contains("· center"),
            "a person by name, an action and its change in words: {theirs_only}"
        );
        assert_eq!(get(&server, Some(&dongshan), "/audit").await.status(), 403);
        let after = page(&server, &dongshan, "/").await;
        assert!(
            after.contains("已确认、正在跟进的预警 1 条")
                && after.contains("已联系家长，下周补课")
                && !after.contains("name=\"alert\""),
            "acknowledged, it leaves the list: {after}"
        );
        server.stop().await;
    });
}

fn before_the_first_check_the_page_says_so(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let admin = log_in(&server, "admin@example.org").await;
        let home = page(&server, &admin, "/").await;
        assert!(home.contains("进度尚未计算"), "{home}");
        server.stop().await;
    });
}

/// Why a child's visits could not be placed reads in Chinese on the week's
/// board and the district's page, each teacher by name (never the planner's
/// English, nor an id).
fn why_a_visit_was_not_placed_reads_in_the_readers_words(db: &TestDb) {
    district(db);
    db.ok(&[
        "teacher",
        "leave",
        "add",
        "T03",
        "--from",
        "2026-11-30",
        "--to",
        "2026-12-04",
        "--reason",
        "培训",
    ]);
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    db.ok(&["--as-of", "2026-11-30", "run-job", "check-pace"]);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        const WHY: &str = "本周没有家长和赵敏老师（没有备用教师）都可以的时段";
        for path in ["/weeks/2026-W49", "/"] {
            let shown = page(&server, &center, path).await;
            assert!(
                shown.contains("张子涵")
                    && shown.contains(WHY)
                    && !shown.contains("no slot this week"),
                "{path}: {shown}"
            );
        }
        // A refusal says what was not found: a teacher, or no page at all.
        let missing = get(&server, Some(&center), "/teachers/T99/edit").await;
        assert_eq!(missing.status(), 404);
        let missing = missing.text().await.unwrap();
        // (The menu names 学生; the message does not.)
        let said = &missing[missing.find("<main").unwrap()..];
        assert!(
            said.contains("找不到该教师") && !said.contains("学生"),
            "{missing}"
        );
        let nowhere = get(&server, Some(&center), "/teachers/T03").await;
        assert_eq!(nowhere.status(), 404);
        assert!(nowhere.text().await.unwrap().contains("找不到这个页面"));
        server.stop().await;
    });
}

on_both_databases!(
    why_a_visit_was_not_placed_reads_in_the_readers_words,
    the_dashboard_shows_each_reader_their_schools_and_takes_acknowledgements,
    before_the_first_check_the_page_says_so,
);
