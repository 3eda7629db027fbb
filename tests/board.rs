//! The week's board over the real HTTP server: each reader sees their schools'
//! teachers; coordinators move or cancel a visit by hand with a reason, and a
//! visit moved by hand stays where it was put when the week is planned again
//! (from the page: a dry run first, then applied on confirmation).

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

/// The import page's check of `sheet` (a CSV) as `kind`, with one more of
/// the form's fields.
async fn check_sheet(
    server: &Server,
    session: &str,
    kind: &'static str,
    (name, value): (&'static str, &'static str),
    sheet: &'static str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind)
        .text(name, value);
    client()
        .post(format!("{}/imports/check", server.base))
        .header("cookie", format!("songjiao_session={session}"))
        .header("origin", &server.base)
        .multipart(form.part(
            "file",
            reqwest::multipart::Part::bytes(sheet.as_bytes()).file_name("表.csv"),
        ))
        .send()
        .await
        .unwrap()
}

/// The value of a page's hidden field.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let from = page.find(&marker).unwrap() + marker.len();
    page[from..from + page[from..].find('"').unwrap()].to_string()
}

fn a_visit_moved_by_hand_stays_where_it_was_put(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let wednesday = rows(
        db,
        "SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE p.student_id = 'S001' AND v.day = '2026-12-02' AND v.status = 'planned'",
    )[0]
    .clone();
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        let board = page(&server, &center, "/weeks/2026-W49").await;
        // Planned already: offered as planning again, with what that does.
        for shown in ["排课表", "第14周（11月30日–12月4日）", "王芳", "李娜", "赵敏", "李小明", "张子涵", "重新排课", "已记录的和手动调整过的送教不变"] {
            assert!(board.contains(shown), "{shown} on the district's board: {board}");
        }

        // One school's teachers, picked from the district's board.
        let one = page(&server, &center, "/weeks/2026-W49?school=%E4%B8%9C%E5%B1%B1%E5%B0%8F%E5%AD%A6").await;
        assert!(one.contains("赵敏") && !one.contains("王芳"), "{one}");
        // One school's coordinator: that school's teachers; no planning of the district.
        let chengguan = log_in(&server, "chengguan@example.org").await;
        let theirs = page(&server, &chengguan, "/weeks/2026-W49").await;
        assert!(theirs.contains("王芳") && !theirs.contains("赵敏"), "{theirs}");
        assert!(theirs.contains("/move\"") && !theirs.contains("重新排课"));
        let refused = post(&server, &chengguan, "/weeks/2026-W49/plan", &[]).send().await.unwrap();
        assert_eq!(refused.status(), 403);
        // A supervisor reads their school's board, and changes nothing.
        let dongshan = log_in(&server, "dongshan@example.org").await;
        let read_only = page(&server, &dongshan, "/weeks/2026-W49").await;
        assert!(read_only.contains("赵敏") && !read_only.contains("王芳"), "{read_only}");
        assert!(!read_only.contains("/move\""));
        let move_to_friday = [
            ("teacher", "T01"),
            ("day", "2026-12-04"),
            ("slot", "AM"),
            ("reason", "家长周三要带孩子复诊"),
        ];
        let response = post(&server, &dongshan, &format!("/visits/{wednesday}/move"), &move_to_friday)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "a supervisor moves no visit");

        // Moved by hand, with the reason.
        let response = post(&server, &chengguan, &format!("/visits/{wednesday}/move"), &move_to_friday)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/weeks/2026-W49");
        let visit = |id: &str| {
            rows(
                db,
                &format!(
                    "SELECT teacher_id || ' ' || CAST(day AS TEXT) || ' ' || slot || ' ' || status || ' '
                        || CAST(sequence AS TEXT) || ' ' || hand_reason FROM visits WHERE id = {id}"
                ),
            )[0]
            .clone()
        };
        assert_eq!(visit(&wednesday), "T01 2026-12-04 AM planned 1 家长周三要带孩子复诊");
        let board = page(&server, &chengguan, "/weeks/2026-W49").await;
        assert!(board.contains("手动"), "the board marks it: {board}");

        // Planning the week again from the page: a dry run, then on confirmation.
        let preview = post(&server, &center, "/weeks/2026-W49/plan", &[]).send().await.unwrap();
        assert_eq!(preview.status(), 200);
        let preview = preview.text().await.unwrap();
        assert!(preview.contains("排课预览") && preview.contains("确认排课"), "{preview}");
        let seen = hidden(&preview, "seen");
        let planned = post(&server, &center, "/weeks/2026-W49/plan", &[("confirm", "1"), ("seen", &seen)])
            .send()
            .await
            .unwrap();
        assert_eq!(planned.status(), 303);
        assert_eq!(planned.headers()["location"], "/weeks/2026-W49");
        let said = planned.headers()["set-cookie"].to_str().unwrap();
        assert!(said.starts_with("songjiao_done=planned."), "{said}");
        assert_eq!(
            visit(&wednesday),
            "T01 2026-12-04 AM planned 1 家长周三要带孩子复诊",
            "planning again leaves it where it was put"
        );

        // Into a slot the teacher already has: refused, told why.
        let other = rows(
            db,
            "SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
             WHERE p.student_id = 'S002' AND v.status = 'planned' AND v.day > '2026-11-30' ORDER BY v.day",
        )[0]
        .clone();
        let clash = [("teacher", "T01"), ("day", "2026-12-04"), ("slot", "AM"), ("reason", "试试")];
        let response = post(&server, &chengguan, &format!("/visits/{other}/move"), &clash)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("无法调整"));

        // Cancelled by hand, with the reason.
        let response = post(&server, &chengguan, &format!("/visits/{other}/cancel"), &[("reason", "家长住院陪护")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert!(visit(&other).contains("cancelled"), "{}", visit(&other));
        server.stop().await;
    });
}

fn a_sheet_is_checked_then_imported_all_or_nothing(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let students = |db: &TestDb| rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM students")[0].clone();
    let before = students(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        assert!(
            page(&server, &center, "/imports")
                .await
                .contains("导入表格")
        );
        let chengguan = log_in(&server, "chengguan@example.org").await;
        assert_eq!(
            get(&server, Some(&chengguan), "/imports").await.status(),
            403
        );
        let upload = |text: &'static str| {
            client()
                .post(format!("{}/imports/check", server.base))
                .header("cookie", format!("songjiao_session={center}"))
                .header("origin", &server.base)
                .multipart(
                    reqwest::multipart::Form::new()
                        .text("kind", "students")
                        .part(
                            "file",
                            reqwest::multipart::Part::bytes(text.as_bytes()).file_name("学生.csv"),
                        ),
                )
                .send()
        };
        // Each kind's template: the Chinese headers, an example row; it imports back.
        for kind in ["teachers", "students", "plans", "visits", "supervisors"] {
            let response = get(
                &server,
                Some(&center),
                &format!("/imports/template/{kind}.xlsx"),
            )
            .await;
            assert_eq!(response.status(), 200, "{kind}");
            let bytes = response.bytes().await.unwrap();
            let sheet = songjiao::import::sheet::parse("t.xlsx", &bytes).unwrap();
            assert!(
                sheet.headers.iter().any(|h| h == "姓名" || h == "学生编号"),
                "{kind}: {:?}",
                sheet.headers
            );
            assert_eq!(sheet.rows.len(), 1, "{kind}: an example row");
        }
        let template = get(&server, Some(&center), "/imports/template/students.xlsx")
            .await
            .bytes()
            .await
            .unwrap();
        let checked = client()
            .post(format!("{}/imports/check", server.base))
            .header("cookie", format!("songjiao_session={center}"))
            .header("origin", &server.base)
            .multipart(
                reqwest::multipart::Form::new()
                    .text("kind", "students")
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(template.to_vec())
                            .file_name("students.xlsx"),
                    ),
            )
            .send()
            .await
            .unwrap();
        let text = checked.text().await.unwrap();
        assert!(
            text.contains("检查通过"),
            "the students template imports back: {text}"
        );
        // A sheet with a bad row: the problems as a table, nothing written.
        let bad =
            "学生编号,姓名,学校,可送教时段\nS101,陈晨,城关小学,Mon-AM\nS102,,城关小学,Mon-AM\n";
        let response = upload(bad).await.unwrap();
        assert_eq!(response.status(), 422);
        let refused = response.text().await.unwrap();
        assert!(
            refused.contains("没有导入任何一行") && refused.contains("<td>3</td>"),
            "{refused}"
        );
        assert_eq!(students(db), before);
        // The sheet corrected: checked (nothing written yet), then imported.
        let good =
            "学生编号,姓名,学校,可送教时段\nS101,陈晨,城关小学,Mon-AM\nS102,刘洋,城关小学,Mon-AM\n";
        let checked = upload(good).await.unwrap().text().await.unwrap();
        assert!(
            checked.contains("检查通过") && checked.contains("新增 2"),
            "{checked}"
        );
        assert_eq!(students(db), before, "a check writes nothing");
        let hidden = |name: &str| hidden(&checked, name);
        let response = post(
            &server,
            &center,
            "/imports/apply",
            &[
                ("kind", &hidden("kind")),
                ("name", &hidden("name")),
                ("content", &hidden("content")),
            ],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("已导入"));
        assert_eq!(
            students(db).parse::<i64>().unwrap(),
            before.parse::<i64>().unwrap() + 2
        );
        server.stop().await;
    });
}

/// A plans sheet revising a plan, in the page's two steps: the check says each
/// change field by field and refuses the revision without a reason; with one,
/// the confirmation carries it and the revision is recorded with it.
fn a_plans_sheet_on_the_page_shows_each_change_and_asks_its_reason(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        const SHEET: &str = "学生编号,学年,送教教师\nS002,2026-2027,T01\n";
        let check = |reason: &'static str| {
            check_sheet(&server, &center, "plans", ("reason", reason), SHEET)
        };
        let refused = check("").await;
        assert_eq!(refused.status(), 422);
        let refused = refused.text().await.unwrap();
        assert!(
            refused.contains("修订原因") && refused.contains("<td>2</td>"),
            "{refused}"
        );
        let checked = check("李娜老师接手").await.text().await.unwrap();
        assert!(
            checked.contains("第 2 行 S002 王欣怡 2026-2027")
                && checked.contains("教师编号 T02 → T01"),
            "{checked}"
        );
        let hidden = |name: &str| hidden(&checked, name);
        assert_eq!(hidden("reason"), "李娜老师接手");
        let response = post(
            &server,
            &center,
            "/imports/apply",
            &[
                ("kind", &hidden("kind")),
                ("name", &hidden("name")),
                ("content", &hidden("content")),
                ("reason", &hidden("reason")),
            ],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("已导入"));
        server.stop().await;
    });
    let history = db.ok(&["plan", "history", "S002", "--format", "csv"]);
    assert!(history.contains("李娜老师接手"), "{history}");
}

/// A header of the office's own is refused with its likely meaning, then read
/// once the page is told what it means; the meaning travels to the confirmation.
fn a_header_of_the_offices_own_is_confirmed_on_the_page(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        const SHEET: &str = "学生编号,姓名,学校,可上门时间\nS050,陈一,城关小学,周一、周三上午\n";
        let check = |columns: &'static str| {
            check_sheet(&server, &center, "students", ("columns", columns), SHEET)
        };
        let refused = check("").await;
        assert_eq!(refused.status(), 422);
        let refused = refused.text().await.unwrap();
        assert!(
            refused.contains("表头对应") && refused.contains("可上门时间"),
            "{refused}"
        );
        let checked = check("可上门时间=可上门时段").await.text().await.unwrap();
        assert!(checked.contains("新增 1"), "{checked}");
        let hidden = |name: &str| hidden(&checked, name);
        let response = post(
            &server,
            &center,
            "/imports/apply",
            &[
                ("kind", &hidden("kind")),
                ("name", &hidden("name")),
                ("content", &hidden("content")),
                ("columns", &hidden("columns")),
            ],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        server.stop().await;
    });
    let shown = db.ok(&["student", "show", "S050"]);
    assert!(
        shown.contains("周一上午 周三上午"),
        "both mornings: {shown}"
    );
}

/// A supervisors' sheet on the page: a school that is not one is refused in
/// the check, naming the line; a good one is shown, then makes the accounts
/// that hear of their schools.
fn a_supervisors_sheet_on_the_page_makes_their_accounts(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        let refused = check_sheet(
            &server,
            &center,
            "supervisors",
            ("reason", ""),
            "姓名,邮箱,学校\n钱督导,qian@example.org,城关小学\n孙督导,sun@example.org,火星小学\n",
        )
        .await;
        assert_eq!(refused.status(), 422);
        let refused = refused.text().await.unwrap();
        assert!(
            refused.contains("火星小学") && refused.contains("<td>3</td>"),
            "{refused}"
        );
        let checked = check_sheet(
            &server,
            &center,
            "supervisors",
            ("reason", ""),
            "姓名,邮箱,学校\n钱督导,qian@example.org,城关小学\n",
        )
        .await
        .text()
        .await
        .unwrap();
        let hidden = |name: &str| hidden(&checked, name);
        let response = post(
            &server,
            &center,
            "/imports/apply",
            &[
                ("kind", &hidden("kind")),
                ("name", &hidden("name")),
                ("content", &hidden("content")),
            ],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("已导入"));
        server.stop().await;
    });
    let listed = db.json(&["supervisor", "list", "--format", "json"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["email"] == "qian@example.org" && s["school"] == "城关小学"),
        "{listed}"
    );
    let users = db.ok(&["user", "list", "--format", "json"]);
    assert!(users.contains("qian@example.org"), "{users}");
}

on_both_databases!(
    a_supervisors_sheet_on_the_page_makes_their_accounts,
    a_visit_moved_by_hand_stays_where_it_was_put,
    a_sheet_is_checked_then_imported_all_or_nothing,
    a_plans_sheet_on_the_page_shows_each_change_and_asks_its_reason,
    a_header_of_the_offices_own_is_confirmed_on_the_page,
    a_plan_is_revised_in_the_browser_with_each_problem_by_its_field,
    a_childs_and_a_teachers_details_are_edited_in_the_browser,
    a_calendar_entry_corrected_on_the_page_is_what_every_process_plans_with,
    a_year_without_a_calendar_and_a_form_sent_too_late_are_told_in_words,
);

/// The board and the calendar of a year the district has no calendar for say
/// so (never an empty server error); a form sent after the session ended comes
/// back, after logging in, to the page that held it, told it was not saved.
fn a_year_without_a_calendar_and_a_form_sent_too_late_are_told_in_words(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        for path in ["/weeks/2027-W31", "/school-calendar?year=2027-2028"] {
            let answer = get(&server, Some(&center), path).await;
            assert_eq!(answer.status(), 404, "{path}");
            let text = answer.text().await.unwrap();
            assert!(text.contains("还没有这一学年的校历"), "{path}: {text}");
        }

        // The alert's note, sent with a session that has ended.
        let ended = "0".repeat(64);
        let from_the_home_page = post(&server, &ended, "/alerts/1/ack", &[("note", "已联系家长")])
            .header("referer", format!("{}/?week=2026-W49", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(from_the_home_page.status(), 303);
        let location = from_the_home_page.headers()["location"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(location, "/login?next=/%3Fweek%3D2026-W49&unsaved=1");
        // A browser that does not say where the form was: home.
        let unsaid = post(&server, &ended, "/alerts/1/ack", &[("note", "已联系家长")])
            .send()
            .await
            .unwrap();
        assert_eq!(unsaid.headers()["location"], "/login?next=/&unsaved=1");
        let login = get(&server, None, &location).await.text().await.unwrap();
        assert!(login.contains("刚才提交的内容没有保存"), "{login}");
        assert!(login.contains("/?week=2026-W49"), "{login}");

        // On Wednesday, Monday's visits nobody recorded are the teachers' to
        // record, not a coordinator's to move; Thursday's may still move.
        server.advance(chrono::Duration::days(2));
        let center = log_in(&server, "center@example.org").await;
        let board = page(&server, &center, "/weeks/2026-W49").await;
        let on = |day: &str| {
            rows(
                db,
                &format!(
                    "SELECT CAST(id AS TEXT) FROM visits WHERE day = '{day}' AND status = 'planned'"
                ),
            )
        };
        let (monday, thursday) = (on("2026-11-30"), on("2026-12-03"));
        assert!(!monday.is_empty() && !thursday.is_empty());
        for id in &monday {
            assert!(!board.contains(&format!("/visits/{id}/move")), "{board}");
        }
        assert!(board.contains("待记录"), "{board}");
        for id in &thursday {
            assert!(board.contains(&format!("/visits/{id}/move")), "{board}");
        }
        server.stop().await;
    });
}

fn a_plan_is_revised_in_the_browser_with_each_problem_by_its_field(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let chengguan = log_in(&server, "chengguan@example.org").await;
        let form = page(&server, &chengguan, "/students/S001/plan").await;
        assert!(form.contains("修订方案") && form.contains("认识数字"), "{form}");
        let revision = |visits: &'static str, reason: &'static str| {
            post(
                &server,
                &chengguan,
                "/students/S001/plan",
                &[
                    ("teacher", "T01"),
                    ("backup", "T02"),
                    ("visits_per_week", visits),
                    ("periods_per_visit", "3"),
                    ("target", "216"),
                    ("start", "2026-09-01"),
                    ("end", "2027-07-02"),
                    ("goals", "认识数字\n能数到二十"),
                    ("reason", reason),
                ],
            )
            .send()
        };
        let response = revision("0", "家长要求").await.unwrap();
        assert_eq!(response.status(), 422);
        let refused = response.text().await.unwrap();
        assert!(refused.contains("field-problem"), "the problem by its field: {refused}");
        let response = revision("3", "").await.unwrap();
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("修订方案需要填写原因"));
        let response = revision("3", "家长要求增加一次").await.unwrap();
        assert_eq!(response.status(), 303);
        let plan = rows(
            db,
            "SELECT CAST(r.revision AS TEXT) || ' ' || CAST(r.visits_per_week AS TEXT) || ' ' || r.reason
             FROM plan_revisions r JOIN plans p ON p.id = r.plan_id
             WHERE p.student_id = 'S001' ORDER BY r.revision DESC",
        );
        assert_eq!(plan[0], "2 3 家长要求增加一次", "{plan:?}");
        // Not a supervisor's to change, nor another school's coordinator's.
        let dongshan = log_in(&server, "dongshan@example.org").await;
        assert_eq!(get(&server, Some(&dongshan), "/students/S003/plan").await.status(), 404);
        let response = post(&server, &dongshan, "/students/S003/plan", &[("visits_per_week", "3")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        assert_eq!(get(&server, Some(&chengguan), "/students/S003/plan").await.status(), 404);
        server.stop().await;
    });
}

fn a_childs_and_a_teachers_details_are_edited_in_the_browser(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let chengguan = log_in(&server, "chengguan@example.org").await;
        let form = page(&server, &chengguan, "/students/S001/edit").await;
        assert!(
            form.contains("幸福路") && form.contains(r#"value="Mon-AM" checked"#),
            "{form}"
        );
        let edit = |fields: Vec<(&'static str, &'static str)>| {
            post(&server, &chengguan, "/students/S001/edit", &fields).send()
        };
        let mut fields = vec![
            ("name", "李小明"),
            ("school", "城关小学"),
            ("gender", "male"),
            ("birth_date", "2016-05-01"),
            ("disability", "intellectual"),
            ("guardian_name", "李强"),
            ("guardian_phone", "13900139000"),
            ("address", "城关镇幸福路1号"),
            ("status", "active"),
            ("available", "Mon-AM"),
            ("available", "Tue-PM"),
        ];
        let response = edit(fields.clone()).await.unwrap();
        assert_eq!(response.status(), 303);
        let again = page(&server, &chengguan, "/students/S001/edit").await;
        assert!(
            again.contains("13900139000") && again.contains(r#"value="Tue-PM" checked"#),
            "{again}"
        );
        assert!(
            !again.contains(r#"value="Wed-AM" checked"#),
            "untapped half-days are cleared"
        );
        // A bad date: told next to the field, nothing changed.
        fields[3] = ("birth_date", "2016-13-01");
        let response = edit(fields.clone()).await.unwrap();
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("field-problem"));
        // Not into another school.
        fields[3] = ("birth_date", "2016-05-01");
        fields[1] = ("school", "东山小学");
        let response = edit(fields).await.unwrap();
        assert_eq!(response.status(), 422);
        let dongshan = log_in(&server, "dongshan@example.org").await;
        assert_eq!(
            get(&server, Some(&dongshan), "/students/S003/edit")
                .await
                .status(),
            403
        );

        // Teachers: searched, scoped, edited.
        let center = log_in(&server, "center@example.org").await;
        let found = page(&server, &center, "/teachers?q=%E7%8E%8B").await;
        assert!(found.contains("王芳") && !found.contains("李娜"), "{found}");
        let theirs = page(&server, &chengguan, "/teachers").await;
        assert!(
            theirs.contains("王芳") && !theirs.contains("赵敏"),
            "{theirs}"
        );
        // Another school's teacher is not theirs to open either.
        assert_eq!(
            get(&server, Some(&chengguan), "/teachers/T03/edit")
                .await
                .status(),
            404
        );
        let response = post(
            &server,
            &center,
            "/teachers/T01/edit",
            &[
                ("name", "王芳"),
                ("email", "t01@example.org"),
                ("school", "城关小学"),
                ("max_visits_per_day", "3"),
                ("available", "Mon-AM"),
                ("available", "Mon-PM"),
            ],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 303);
        let stored = rows(
            db,
            "SELECT CAST(max_visits_per_day AS TEXT) FROM staff WHERE id = 'T01'",
        );
        assert_eq!(stored, ["3"]);

        // A new child, registered in a form; the same id again is told, not stored twice.
        let new_child = [
            ("student_id", "S010"),
            ("name", "陈晨"),
            ("school", "城关小学"),
            ("guardian_phone", "13700137000"),
            ("status", "active"),
            ("available", "Wed-PM"),
        ];
        let response = post(&server, &chengguan, "/students/new", &new_child).send().await.unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/students/S010");
        let again = post(&server, &chengguan, "/students/new", &new_child).send().await.unwrap();
        assert_eq!(again.status(), 422);
        let other_school = [("student_id", "S011"), ("name", "刘洋"), ("school", "东山小学")];
        let refused = post(&server, &chengguan, "/students/new", &other_school).send().await.unwrap();
        assert_eq!(refused.status(), 422, "not into a school one does not keep");
        let teacher = [
            ("teacher_id", "T09"),
            ("name", "周静"),
            ("email", "zhoujing@example.org"),
            ("school", "城关小学"),
            ("available", "Mon-AM"),
        ];
        let response = post(&server, &center, "/teachers/new", &teacher).send().await.unwrap();
        assert_eq!(response.status(), 303);
        let registered = rows(db, "SELECT name FROM students WHERE id = 'S010' UNION ALL SELECT name FROM staff WHERE id = 'T09'");
        assert_eq!(registered, ["陈晨", "周静"]);

        // Pauses: added, ended today, removed when entered by mistake.
        let pause = |from: &'static str, to: &'static str| {
            post(&server, &chengguan, "/students/S001/pauses", &[("from", from), ("to", to), ("reason", "住院")]).send()
        };
        assert_eq!(pause("2026-11-23", "2026-12-18").await.unwrap().status(), 303);
        assert_eq!(pause("2027-01-04", "2027-01-08").await.unwrap().status(), 303);
        let refused = pause("2026-12-18", "2026-12-01").await.unwrap();
        assert_eq!(refused.headers()["location"], "/students/S001/edit?absence_problem=1#absences");
        let ids = rows(db, "SELECT CAST(id AS TEXT) FROM student_pauses WHERE student_id = 'S001' ORDER BY start_date");
        assert_eq!(ids.len(), 2, "{ids:?}");
        let response = post(&server, &chengguan, &format!("/students/S001/pauses/{}/end", ids[0]), &[]).send().await.unwrap();
        assert_eq!(response.status(), 303);
        let response = post(&server, &chengguan, &format!("/students/S001/pauses/{}/remove", ids[1]), &[]).send().await.unwrap();
        assert_eq!(response.status(), 303);
        let left = rows(db, "SELECT CAST(end_date AS TEXT) FROM student_pauses WHERE student_id = 'S001'");
        assert_eq!(left, ["2026-11-30"], "ended today; the other removed");
        // A teacher's leave, entered by a coordinator: approved as it is made.
        let response = post(&server, &center, "/teachers/T01/leave", &[("from", "2026-12-14"), ("to", "2026-12-15"), ("reason", "培训")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let leave = page(&server, &center, "/teachers/T01/edit").await;
        assert!(leave.contains("2026-12-14") && leave.contains("培训"), "{leave}");
        let refused = post(&server, &dongshan, "/teachers/T01/leave", &[("from", "2026-12-14"), ("to", "2026-12-15")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "not a supervisor's");
        server.stop().await;
    });
}

fn a_calendar_entry_corrected_on_the_page_is_what_every_process_plans_with(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let visits_on = |day: &str| {
        rows(db, &format!("SELECT CAST(COUNT(*) AS TEXT) FROM visits WHERE day = '{day}' AND status = 'planned'"))[0]
            .clone()
    };
    assert_eq!(visits_on("2026-12-02"), "1", "S001 on Wednesday morning");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        let calendar = page(&server, &center, "/school-calendar?year=2026-2027").await;
        assert!(calendar.contains("清明节*") && calendar.contains("添加节假日"), "{calendar}");

        // Readers read: a school's coordinator and a supervisor get no form, change nothing.
        let chengguan = log_in(&server, "chengguan@example.org").await;
        let dongshan = log_in(&server, "dongshan@example.org").await;
        for session in [&chengguan, &dongshan] {
            let read = page(&server, session, "/school-calendar?year=2026-2027").await;
            assert!(read.contains("清明节") && !read.contains("entry?at="), "{read}");
            let form = get(&server, Some(session), "/school-calendar/2026-2027/entry?at=holiday:new").await;
            assert_eq!(form.status(), 403);
            let refused = post(&server, session, "/school-calendar/2026-2027/entry?at=holiday:new",
                &[("name", "停课"), ("start", "2026-12-02"), ("end", "2026-12-02"), ("reason", "暴雪")])
                .send().await.unwrap();
            assert_eq!(refused.status(), 403);
        }

        // A wrong field is told beside it, and nothing is kept.
        let weekday = post(&server, &center, "/school-calendar/2026-2027/entry?at=make-up:new",
            &[("start", "2026-12-09"), ("follows", "0"), ("reason", "补课")])
            .send().await.unwrap();
        assert_eq!(weekday.status(), 422);
        let weekday = weekday.text().await.unwrap();
        assert!(weekday.contains("调休上班日只能是星期六或星期日"), "{weekday}");
        let no_reason = post(&server, &center, "/school-calendar/2026-2027/entry?at=holiday:new",
            &[("name", "停课"), ("start", "2026-12-02"), ("end", "2026-12-02"), ("reason", " ")])
            .send().await.unwrap();
        assert_eq!(no_reason.status(), 422);
        assert!(no_reason.text().await.unwrap().contains("请填写修改原因"));
        assert!(rows(db, "SELECT school_year FROM calendar_corrections").is_empty());

        // A day without school announced: added with its reason, audited.
        let added = post(&server, &center, "/school-calendar/2026-2027/entry?at=holiday:new",
            &[("name", "暴雪停课"), ("start", "2026-12-02"), ("end", "2026-12-02"), ("reason", "县教育局通知12月2日停课")])
            .send().await.unwrap();
        assert_eq!(added.status(), 303);
        assert_eq!(added.headers()["location"], "/school-calendar?year=2026-2027&saved=1");
        let audit = rows(db, "SELECT action || ' ' || entity_id || ' ' || detail FROM audit_log WHERE entity = 'calendar'");
        assert_eq!(audit.len(), 1, "{audit:?}");
        assert!(audit[0].starts_with("add 2026-2027") && audit[0].contains("县教育局通知12月2日停课"), "{audit:?}");

        // The visit planned that day is shown, with its week to plan again.
        let calendar = page(&server, &center, "/school-calendar?year=2026-2027&saved=1").await;
        assert!(calendar.contains("校历已修改") && calendar.contains("暴雪停课"), "{calendar}");
        assert!(calendar.contains("已不是教学日") && calendar.contains("/weeks/2026-W49"), "{calendar}");
        assert!(calendar.contains("center@example.org"), "who corrected it: {calendar}");

        // A provisional holiday confirmed with the dates the notice gives.
        let row = &calendar[calendar.find("清明节*").unwrap()..];
        let link = &row[row.find("entry?at=").unwrap() + "entry?at=".len()..];
        let qingming = link[..link.find('"').unwrap()].to_string();
        assert!(qingming.starts_with("holiday:"), "{qingming}");
        let form = page(&server, &center, &format!("/school-calendar/2026-2027/entry?at={qingming}")).await;
        assert!(form.contains("2027-04-03") && form.contains("checked"), "provisional, ticked: {form}");
        let confirmed = post(&server, &center, &format!("/school-calendar/2026-2027/entry?at={qingming}"),
            &[("name", "清明节"), ("start", "2027-04-03"), ("end", "2027-04-06"), ("reason", "国务院办公厅2027年放假通知")])
            .send().await.unwrap();
        assert_eq!(confirmed.status(), 303);

        // Planning the week again from the board takes the closed day out.
        let preview = post(&server, &center, "/weeks/2026-W49/plan", &[]).send().await.unwrap().text().await.unwrap();
        let seen = hidden(&preview, "seen");
        let planned = post(&server, &center, "/weeks/2026-W49/plan", &[("confirm", "1"), ("seen", &seen)]).send().await.unwrap();
        assert_eq!(planned.status(), 303);
        assert_eq!(visits_on("2026-12-02"), "0");
        let calendar = page(&server, &center, "/school-calendar?year=2026-2027").await;
        assert!(!calendar.contains("已不是教学日"), "nothing stranded now: {calendar}");
        server.stop().await;
    });

    // Another process (the command line) plans with the corrected calendar.
    let output = db.run(&[
        "calendar",
        "show",
        "--year",
        "2026-2027",
        "--format",
        "json",
    ]);
    assert!(output.status.success());
    assert!(
        common::stderr(&output).contains("已在页面上更正"),
        "{}",
        common::stderr(&output)
    );
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let holidays = shown["holidays"].as_array().unwrap();
    assert!(
        holidays
            .iter()
            .any(|h| h["name"] == "暴雪停课" && h["start"] == "2026-12-02"),
        "{holidays:?}"
    );
    assert!(
        holidays.iter().any(|h| h["name"] == "清明节"
            && h["end"] == "2027-04-06"
            && h["provisional"] == false),
        "{holidays:?}"
    );
    let teaching: Vec<&str> = shown["teaching_days"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert!(!teaching.contains(&"2026-12-02") && !teaching.contains(&"2027-04-06"));
    assert!(teaching.contains(&"2026-12-03"));
}
