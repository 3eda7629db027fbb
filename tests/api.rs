//! The JSON API over the real HTTP server, on both databases: personal tokens
//! (made on the command line and on /account, revoked, stopped with their
//! account), who may call what, problems for bad requests (nothing changed),
//! versions (`ETag`/`If-Match`) and `Idempotency-Key` under two clients at once,
//! cursor pages, and the OpenAPI document against the routes that answer.

mod common;

use common::api::*;
use common::web::*;
use common::{TestDb, runtime};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn every_role_reads_and_changes_only_what_it_may(db: &TestDb) {
    district(db);
    db.ok(&["--as-of", "2026-11-30", "run-job", "check-pace"]);
    let settings = settings_for(db);
    let monday = week_visit(db, "S001", "2026-11-30");
    let (s001_plan, s003_plan) = (plan_of(db, "S001"), plan_of(db, "S003"));
    let s003_alert = alert_of(db, "S003");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let tokens: Vec<(&str, String)> = ["admin", "center", "chengguan", "t01", "dongshan"]
            .into_iter()
            .map(|who| (who, token(db, &format!("{who}@example.org"))))
            .collect();
        let token_of = |who: &str| tokens.iter().find(|(w, _)| *w == who).unwrap().1.clone();

        // What each reads: (path, [admin, center, chengguan, t01, dongshan]).
        let reads: Vec<(String, [u16; 5])> = vec![
            ("/api/v1/students".into(), [200; 5]),
            ("/api/v1/students/S001".into(), [200, 200, 200, 200, 404]),
            ("/api/v1/students/S003".into(), [200, 200, 404, 404, 200]),
            ("/api/v1/teachers".into(), [200, 200, 200, 403, 403]),
            (format!("/api/v1/plans/{s001_plan}"), [200, 200, 200, 200, 404]),
            (format!("/api/v1/plans/{s003_plan}/history"), [200, 200, 404, 404, 200]),
            ("/api/v1/progress".into(), [200; 5]),
            ("/api/v1/weeks/2026-W49/visits".into(), [200; 5]),
            (format!("/api/v1/visits/{monday}"), [200, 200, 200, 200, 404]),
            ("/api/v1/alerts".into(), [200, 200, 200, 403, 200]),
            ("/api/v1/calendar/2026-2027".into(), [200; 5]),
            ("/api/v1/visits?student=S001".into(), [200; 5]),
            ("/api/v1/accounts".into(), [200, 403, 403, 403, 403]),
            ("/api/v1/students/S001/ledger.xlsx".into(), [200, 200, 200, 200, 404]),
            ("/api/v1/weeks/2026-W49/board".into(), [200, 200, 200, 403, 200]),
            ("/api/v1/exports/year.xlsx".into(), [200, 200, 200, 403, 200]),
            ("/api/v1/exports/year.xlsx?school=%E4%B8%9C%E5%B1%B1%E5%B0%8F%E5%AD%A6".into(), [200, 200, 404, 403, 200]),
            ("/api/v1/openapi.json".into(), [200; 5]),
        ];
        for (path, expected) in &reads {
            for ((who, token), status) in tokens.iter().zip(expected) {
                let response = api.call(reqwest::Method::GET, path, Some(token)).send().await.unwrap();
                assert_eq!(response.status().as_u16(), *status, "{who} GET {path}");
                if *status >= 400 {
                    assert!(is_problem(&response), "{who} GET {path}: a problem");
                }
            }
            if path != "/api/v1/openapi.json" {
                let anonymous = api.call(reqwest::Method::GET, path, None).send().await.unwrap();
                assert_eq!(anonymous.status(), 401, "GET {path} without a token");
                assert!(anonymous.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
            }
        }

        // Each sees their own: the lists are scoped like the pages.
        let ids = |page: &Value, field: &str| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|i| i[field].as_str().unwrap().to_string()).collect()
        };
        let (_, theirs) = api.get("/api/v1/students", &token_of("chengguan")).await;
        assert_eq!(ids(&theirs, "student_id"), ["S001", "S002"]);
        let (_, theirs) = api.get("/api/v1/students", &token_of("dongshan")).await;
        assert_eq!(ids(&theirs, "student_id"), ["S003"]);
        let (_, mine) = api.get("/api/v1/weeks/2026-W49/visits", &token_of("t01")).await;
        assert!(mine["items"].as_array().unwrap().iter().all(|v| v["teacher_id"] == "T01"), "{mine}");
        let (_, alerts) = api.get("/api/v1/alerts", &token_of("dongshan")).await;
        assert!(alerts["items"].as_array().unwrap().iter().all(|a| a["school"] == "东山小学"), "{alerts}");
        let (_, progress) = api.get("/api/v1/progress", &token_of("center")).await;
        assert_eq!(progress["items"].as_array().unwrap().len(), 3);
        assert_eq!(progress["schools"].as_array().unwrap().len(), 2, "{progress}");
        // A supervisor sees no contact details; the child's teacher does.
        let (_, s003) = api.get("/api/v1/students/S003", &token_of("dongshan")).await;
        assert!(s003.get("guardian_phone").is_none(), "{s003}");
        let (_, s001) = api.get("/api/v1/students/S001", &token_of("t01")).await;
        assert_eq!(s001["guardian_phone"], "13800138001");

        // Changes: a supervisor acknowledges their school's alert, not another's.
        let ack = |who: &str, alert: &str| {
            api.call(reqwest::Method::POST, &format!("/api/v1/alerts/{alert}/ack"), Some(&token_of(who)))
                .json(&json!({ "note": "已联系学校，下周补课" }))
                .send()
        };
        assert_eq!(ack("chengguan", &s003_alert).await.unwrap().status(), 404);
        assert_eq!(ack("dongshan", &s003_alert).await.unwrap().status(), 204);
        let acknowledged = rows(db, &format!("SELECT acknowledged_by || ' ' || ack_note FROM alerts WHERE id = {s003_alert}"));
        assert_eq!(acknowledged, ["user:dongshan@example.org 已联系学校，下周补课"]);
        // Only the child's teacher or their coordinators record; supervisors never.
        let record = |who: &str| {
            api.call(reqwest::Method::POST, &format!("/api/v1/visits/{monday}/record"), Some(&token_of(who)))
                .json(&json!({ "outcome": "completed" }))
                .send()
        };
        assert_eq!(record("dongshan").await.unwrap().status(), 404);
        let recorded = record("t01").await.unwrap();
        assert_eq!(recorded.status(), 200);
        let body: Value = recorded.json().await.unwrap();
        assert_eq!((body["outcome"].as_str(), body["periods"].as_i64()), (Some("completed"), Some(3)));
        // Plans are revised by coordinators of the child's school.
        let revise = |who: &str| {
            api.call(reqwest::Method::PUT, &format!("/api/v1/plans/{s001_plan}"), Some(&token_of(who)))
                .json(&json!({ "goals": ["认识数字", "能写自己的名字"], "reason": "期中评估" }))
                .send()
        };
        assert_eq!(revise("t01").await.unwrap().status(), 403);
        assert_eq!(revise("dongshan").await.unwrap().status(), 404);
        assert_eq!(revise("chengguan").await.unwrap().status(), 200);
        // Planning the week is district-wide: the dry run by default, nothing written.
        let visits_before = rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM visits")[0].clone();
        for (who, status) in [("chengguan", 403), ("dongshan", 403), ("t01", 403), ("center", 200)] {
            let response = api.call(reqwest::Method::POST, "/api/v1/weeks/2026-W50/plan", Some(&token_of(who))).send().await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{who} plans");
            if status == 200 {
                let preview: Value = response.json().await.unwrap();
                assert_eq!(preview["dry_run"], true);
                assert_eq!(preview["added"].as_u64(), Some(preview["visits"].as_array().unwrap().len() as u64), "{preview}");
            }
        }
        assert_eq!(rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM visits")[0], visits_before, "a dry run writes nothing");
        // A second plan of the year is refused, naming the plan that exists (一人一案).
        let second = api.call(reqwest::Method::POST, "/api/v1/plans", Some(&token_of("center")))
            .json(&json!({ "student_id": "S001", "teacher_id": "T02" }))
            .send().await.unwrap();
        assert_eq!(second.status(), 409);
        let none_for_supervisors = api.call(reqwest::Method::POST, "/api/v1/plans", Some(&token_of("dongshan")))
            .json(&json!({ "student_id": "S003", "teacher_id": "T03" }))
            .send().await.unwrap();
        assert_eq!(none_for_supervisors.status(), 403);
        // Imports are the district's coordinators'.
        let sheet = "student_id,name,school\nS004,周小雨,城关小学\n";
        let import = |who: &str| {
            api.call(reqwest::Method::POST, "/api/v1/imports/students?dry_run=true", Some(&token_of(who)))
                .header("content-type", "text/csv")
                .body(sheet)
                .send()
        };
        assert_eq!(import("chengguan").await.unwrap().status(), 403);
        let checked: Value = import("center").await.unwrap().json().await.unwrap();
        assert_eq!((checked["dry_run"].as_bool(), checked["created"].as_u64()), (Some(true), Some(1)));
        assert!(rows(db, "SELECT id FROM students WHERE id = 'S004'").is_empty(), "a dry run writes nothing");

        // Accounts are the admins': made with an invitation, disabled and enabled.
        let invite = json!({ "email": "t03@example.org", "name": "赵敏", "role": "teacher", "teacher_id": "T03" });
        let add = |who: &str| api.call(reqwest::Method::POST, "/api/v1/accounts", Some(&token_of(who))).json(&invite).send();
        assert_eq!(add("center").await.unwrap().status(), 403);
        assert_eq!(add("admin").await.unwrap().status(), 201);
        assert_eq!(add("admin").await.unwrap().status(), 409, "one account an email");
        assert_eq!(rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE recipient = 't03@example.org' AND kind = 'account'"), ["1"], "the invitation");
        let state = |who: &str, disabled: bool| {
            api.call(reqwest::Method::PUT, "/api/v1/accounts/t03@example.org/state", Some(&token_of(who)))
                .json(&json!({ "disabled": disabled }))
                .send()
        };
        assert_eq!(state("center", true).await.unwrap().status(), 403);
        assert_eq!(state("admin", true).await.unwrap().status(), 204);
        assert_eq!(rows(db, "SELECT email FROM accounts WHERE disabled_at IS NOT NULL"), ["t03@example.org"]);
        assert_eq!(state("admin", false).await.unwrap().status(), 204);
        // A disabled account's token stops at once; a revoked token too.
        let t01 = token_of("t01");
        assert_eq!(api.get("/api/v1/students", &t01).await.0, 200);
        std::thread::scope(|s| s.spawn(|| db.ok(&["user", "disable", "t01@example.org"])).join().unwrap());
        assert_eq!(api.get("/api/v1/students", &t01).await.0, 401);
        let listed = std::thread::scope(|s| s.spawn(|| db.ok(&["user", "tokens", "center@example.org"])).join().unwrap());
        assert!(listed.contains("测试"), "{listed}");
        let center_token_id = rows(db, "SELECT CAST(t.id AS TEXT) FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE a.email = 'center@example.org'")[0].clone();
        std::thread::scope(|s| s.spawn(|| db.ok(&["user", "revoke-token", "center@example.org", &center_token_id])).join().unwrap());
        assert_eq!(api.get("/api/v1/students", &token_of("center")).await.0, 401);
        assert!(
            rows(db, "SELECT token_hash FROM api_tokens").iter().all(|hash| tokens.iter().all(|(_, t)| !hash.contains(t.as_str()))),
            "only hashes are kept"
        );
        server.stop().await;
    });
}

fn a_token_is_made_and_revoked_on_the_account_page(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let session = log_in(&server, "center@example.org").await;
        let made = client()
            .post(format!("{}/account/tokens", server.base))
            .header("cookie", format!("songjiao_session={session}"))
            .header("origin", &server.base)
            .form(&[("label", "省平台同步"), ("expires_days", "90")])
            .send()
            .await
            .unwrap();
        assert_eq!(made.status(), 200);
        let page = made.text().await.unwrap();
        let token = page
            .split("id=\"new-token\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert!(
            token.starts_with("sjt_") && page.contains("只显示这一次"),
            "{page}"
        );
        let api = Api { server: &server };
        let (status, students) = api.get("/api/v1/students", &token).await;
        assert_eq!(status, 200);
        assert_eq!(students["items"].as_array().unwrap().len(), 3);
        let again = common::web::page(&server, &session, "/account").await;
        assert!(
            again.contains("省平台同步") && !again.contains(&token),
            "listed by label, never shown again"
        );
        assert!(again.contains("最近使用"), "its last use: {again}");
        let id = rows(db, "SELECT CAST(id AS TEXT) FROM api_tokens")[0].clone();
        let revoked = client()
            .post(format!("{}/account/tokens/{id}/revoke", server.base))
            .header("cookie", format!("songjiao_session={session}"))
            .header("origin", &server.base)
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 303);
        assert_eq!(api.get("/api/v1/students", &token).await.0, 401);
        server.stop().await;
    });
}

fn bad_requests_are_problems_in_the_readers_language_and_change_nothing(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let plan = plan_of(db, "S001");
    let monday = week_visit(db, "S001", "2026-11-30");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let center = token(db, "center@example.org");
        let revisions = || rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM plan_revisions")[0].clone();
        let before = revisions();
        let put = |body: &'static str, content_type: &'static str| {
            api.call(
                reqwest::Method::PUT,
                &format!("/api/v1/plans/{plan}"),
                Some(&center),
            )
            .header("content-type", content_type)
            .body(body)
            .send()
        };
        let cases = [
            (put("{\"reason\": ", "application/json"), 400, "malformed"),
            (
                put(
                    "{\"reason\": \"x\", \"visits_per_week\": \"two\"}",
                    "application/json",
                ),
                422,
                "invalid",
            ),
            (
                put(
                    "{\"reason\": \"x\", \"colour\": \"blue\"}",
                    "application/json",
                ),
                422,
                "invalid",
            ),
            (put("{\"goals\": []}", "application/json"), 422, "invalid"),
            (
                put("reason=x", "application/x-www-form-urlencoded"),
                415,
                "unsupported-media-type",
            ),
            (
                put(
                    "{\"reason\": \"x\", \"visits_per_week\": 9}",
                    "application/json",
                ),
                422,
                "invalid",
            ),
        ];
        for (request, status, kind) in cases {
            let response = request.await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{kind}");
            assert!(is_problem(&response));
            let problem: Value = response.json().await.unwrap();
            assert_eq!(
                problem["type"],
                format!("/api/v1/docs#problem-{kind}"),
                "{problem}"
            );
            assert_eq!(problem["status"], status);
        }
        let unknown: Value = put(
            "{\"reason\": \"x\", \"colour\": \"blue\"}",
            "application/json",
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert!(
            unknown["errors"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("colour"),
            "{unknown}"
        );
        let wrong_type: Value = put(
            "{\"reason\": \"x\", \"visits_per_week\": \"two\"}",
            "application/json",
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(
            wrong_type["errors"][0]["field"], "visits_per_week",
            "{wrong_type}"
        );
        // Too large a body: 413. A plan's limit is a JSON body's; a record has
        // room for its photos, not for words.
        let plan = plan_of(db, "S001");
        let big = "x".repeat(300 * 1024);
        for (method, path, body) in [
            (
                reqwest::Method::PUT,
                format!("/api/v1/plans/{plan}"),
                format!("{{\"reason\": \"{big}\"}}"),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/visits/{monday}/record"),
                format!("{{\"outcome\": \"completed\", \"note\": \"{big}\"}}"),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/visits/{monday}/record"),
                format!(
                    "{{\"outcome\": \"completed\", \"photos\": [\"{}\"]}}",
                    "A".repeat(22 * 1024 * 1024)
                ),
            ),
        ] {
            let response = api
                .call(method.clone(), &path, Some(&center))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 413, "{method} {path}");
            assert!(is_problem(&response));
        }
        // A NUL in a filter matches nothing (and never reaches the database).
        let (status, none) = api
            .get("/api/v1/weeks/2026-W49/visits?teacher=T01%00", &center)
            .await;
        assert_eq!(
            (status, none["items"].as_array().unwrap().len()),
            (StatusCode::OK, 0),
            "{none}"
        );
        // A NUL character in a text field: refused by its field (PostgreSQL cannot store one).
        let nul = put("{\"reason\": \"x\\u0000y\"}", "application/json")
            .await
            .unwrap();
        assert_eq!(nul.status(), 422);
        let nul: Value = nul.json().await.unwrap();
        assert_eq!(nul["errors"][0]["field"], "reason", "{nul}");
        let sheet = api
            .call(
                reqwest::Method::POST,
                "/api/v1/imports/students?dry_run=false",
                Some(&center),
            )
            .header("content-type", "text/csv")
            .body("student_id,name,school\nS004,周\0小雨,城关小学\n")
            .send()
            .await
            .unwrap();
        assert_eq!(sheet.status(), 422);
        // A field's reason speaks the reader's language too.
        let bad_date = |language: &'static str| {
            api.call(
                reqwest::Method::POST,
                "/api/v1/imports/students?dry_run=true",
                Some(&center),
            )
            .header("content-type", "text/csv")
            .header("accept-language", language)
            .body("student_id,name,school,birth_date\nS004,周小雨,城关小学,2016-02-30\n")
            .send()
        };
        let zh: Value = bad_date("zh-CN").await.unwrap().json().await.unwrap();
        assert_eq!(
            zh["errors"][0]["reason"], "“2016-02-30”不是日期，请写成 2026-09-01 这样",
            "{zh}"
        );
        let en: Value = bad_date("en").await.unwrap().json().await.unwrap();
        assert_eq!(
            en["errors"][0]["reason"], "`2016-02-30` is not a date like 2026-09-01",
            "{en}"
        );
        // The pages too: a form with %00 is refused before any handler.
        let session = log_in(&server, "center@example.org").await;
        let page_form = client()
            .post(format!("{}/students/S001/pauses", server.base))
            .header("cookie", format!("songjiao_session={session}"))
            .header("origin", &server.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("from=2026-12-01&to=2026-12-02&reason=a%00b")
            .send()
            .await
            .unwrap();
        assert_eq!(page_form.status(), 400);
        assert!(rows(db, "SELECT id FROM student_pauses").is_empty());
        assert_eq!(revisions(), before, "no refused request changed a plan");
        assert!(
            rows(
                db,
                &format!("SELECT outcome FROM visits WHERE id = {monday} AND outcome IS NOT NULL")
            )
            .is_empty()
        );
        // The reader's language: Chinese by default (the district's), English when asked.
        let chinese: Value = api
            .call(reqwest::Method::GET, "/api/v1/students/S999", Some(&center))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(chinese["title"], "找不到");
        assert!(
            chinese["detail"].as_str().unwrap().contains("学生 S999"),
            "{chinese}"
        );
        let english: Value = api
            .call(reqwest::Method::GET, "/api/v1/students/S999", Some(&center))
            .header("accept-language", "en-GB,en;q=0.9")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(english["title"], "Not found");
        assert_eq!(
            english["detail"],
            "there is no student S999 that you may see"
        );
        // Paths and queries that do not parse, unknown paths: problems, not pages.
        for (path, status) in [
            ("/api/v1/plans/abc", 404),
            ("/api/v1/weeks/2026-W99/visits", 404),
            ("/api/v1/students?limit=0", 422),
            ("/api/v1/students?limit=many", 422),
            ("/api/v1/students?colour=blue", 422),
            ("/api/v1/nothing-here", 404),
            ("/api/v1/students/S%0001", 404),
        ] {
            let response = api
                .call(reqwest::Method::GET, path, Some(&center))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), status, "{path}");
            assert!(is_problem(&response), "{path}");
        }
        server.stop().await;
    });
}

fn two_editors_at_once_one_is_told_and_nothing_is_lost(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let plan = plan_of(db, "S001");
    let monday = week_visit(db, "S001", "2026-11-30");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let (center, chengguan) = (token(db, "center@example.org"), token(db, "chengguan@example.org"));
        let read = api.call(reqwest::Method::GET, &format!("/api/v1/plans/{plan}"), Some(&center)).send().await.unwrap();
        let etag = read.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(etag, format!("\"plan-{plan}-r1\""));
        // Two coordinators revise the version both read, at once: one is told.
        let revise = |token: &str, goal: &'static str| {
            api.call(reqwest::Method::PUT, &format!("/api/v1/plans/{plan}"), Some(token))
                .header("if-match", &etag)
                .json(&json!({ "goals": [goal], "reason": "期中评估" }))
                .send()
        };
        let (first, second) = tokio::join!(revise(&center, "认识数字 1-20"), revise(&chengguan, "认识钟表"));
        let mut statuses = [first.unwrap().status().as_u16(), second.unwrap().status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 412]);
        assert_eq!(rows(db, &format!("SELECT CAST(revision AS TEXT) FROM plans WHERE id = {plan}")), ["2"]);
        assert_eq!(rows(db, &format!("SELECT CAST(COUNT(*) AS TEXT) FROM plan_revisions WHERE plan_id = {plan}")), ["2"]);
        // The one told reads it again and changes it over the new version.
        let (_, now) = api.get(&format!("/api/v1/plans/{plan}"), &chengguan).await;
        assert_eq!(now["revision"], 2);
        let again = api.call(reqwest::Method::PUT, &format!("/api/v1/plans/{plan}"), Some(&chengguan))
            .header("if-match", format!("\"plan-{plan}-r2\""))
            .json(&json!({ "goals": [now["goals"][0]["text"].as_str().unwrap(), "认识钟表"], "reason": "补充目标" }))
            .send().await.unwrap();
        assert_eq!(again.status(), 200);
        assert_eq!(again.headers()["etag"], format!("\"plan-{plan}-r3\"").as_str());

        // The same record sent twice at once with one Idempotency-Key: stored once.
        let record = || {
            api.call(reqwest::Method::POST, &format!("/api/v1/visits/{monday}/record"), Some(&center))
                .header("idempotency-key", "2f1c7a52-rec-1")
                .json(&json!({ "outcome": "completed", "note": "认识了 1 到 10" }))
                .send()
        };
        let (a, b) = tokio::join!(record(), record());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
        assert_eq!(a.headers()["etag"], b.headers()["etag"]);
        assert_eq!(rows(db, &format!("SELECT CAST(record_version AS TEXT) FROM visits WHERE id = {monday}")), ["1"]);
        assert_eq!(rows(db, &format!("SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE entity = 'visit' AND entity_id = '{monday}' AND action = 'record'")), ["1"]);
        // A record over a version no longer current: 412, the record kept.
        let stale = api.call(reqwest::Method::POST, &format!("/api/v1/visits/{monday}/record"), Some(&center))
            .header("if-match", format!("\"visit-{monday}-0.0\""))
            .json(&json!({ "outcome": "missed", "reason": "child_ill" }))
            .send().await.unwrap();
        assert_eq!(stale.status(), 412);
        assert_eq!(rows(db, &format!("SELECT outcome FROM visits WHERE id = {monday}")), ["completed"]);

        // An import sent twice with its key answers twice the same, and writes once.
        let sheet = "student_id,name,school\nS004,周小雨,城关小学\n";
        let import = |key: &'static str, body: &'static str| {
            api.call(reqwest::Method::POST, "/api/v1/imports/students?dry_run=false", Some(&center))
                .header("content-type", "text/csv")
                .header("idempotency-key", key)
                .body(body)
                .send()
        };
        let (a, b) = tokio::join!(import("imp-1", sheet), import("imp-1", sheet));
        let (a, b): (Value, Value) = (a.unwrap().json().await.unwrap(), b.unwrap().json().await.unwrap());
        assert_eq!(a, b);
        assert_eq!(a["created"], 1, "{a}");
        assert_eq!(rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM students WHERE id = 'S004'"), ["1"]);
        let reused = import("imp-1", "student_id,name,school\nS005,吴小北,城关小学\n").await.unwrap();
        assert_eq!(reused.status(), 422);
        assert!(is_problem(&reused));
        assert!(rows(db, "SELECT id FROM students WHERE id = 'S005'").is_empty());
        // The imported child's plan, made by the API: 201 with its address and version.
        let made = api.call(reqwest::Method::POST, "/api/v1/plans", Some(&center))
            .json(&json!({ "student_id": "S004", "teacher_id": "T02", "goals": ["认识颜色"] }))
            .send().await.unwrap();
        assert_eq!(made.status(), 201);
        let location = made.headers()["location"].to_str().unwrap().to_string();
        assert!(made.headers()["etag"].to_str().unwrap().ends_with("-r1\""));
        let (status, plan) = api.get(&location, &center).await;
        assert_eq!((status, plan["student_id"].as_str(), plan["goals"][0]["text"].as_str()), (StatusCode::OK, Some("S004"), Some("认识颜色")));
        server.stop().await;
    });
}

fn lists_page_with_a_cursor_in_a_stable_order(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let center = token(db, "center@example.org");
        let mut seen = Vec::new();
        let mut path = "/api/v1/weeks/2026-W49/visits?limit=2".to_string();
        loop {
            let (status, page) = api.get(&path, &center).await;
            assert_eq!(status, 200, "{page}");
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|v| v["visit_id"].as_i64().unwrap()));
            for visit in items {
                assert!(visit["day"].as_str().unwrap().starts_with("2026-"), "ISO 8601 days");
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/weeks/2026-W49/visits?limit=2&cursor={cursor}"),
                None => break,
            }
        }
        let all = rows(db, "SELECT CAST(id AS TEXT) FROM visits WHERE status = 'planned' AND day BETWEEN '2026-11-30' AND '2026-12-06' ORDER BY id");
        assert_eq!(seen.iter().map(ToString::to_string).collect::<Vec<_>>(), all, "every visit once, by id");
        assert!(seen.len() > 2, "more than one page");
        let (_, plan) = api.get(&format!("/api/v1/plans/{}", plan_of(db, "S001")), &center).await;
        assert!(plan["updated_at"].as_str().unwrap().ends_with('Z'), "times with their offset: {plan}");
        server.stop().await;
    });
}

/// Every documented operation answers (never the API's "no such path"), and
/// every route the API serves is documented.
fn the_document_and_the_routes_agree(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let plan = plan_of(db, "S001");
    let visit = week_visit(db, "S001", "2026-11-30");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let center = token(db, "center@example.org");
        let document: Value = openapi(&server).await;
        assert!(
            document["openapi"].as_str().unwrap().starts_with("3.1"),
            "{}",
            document["openapi"]
        );
        let paths = document["paths"].as_object().unwrap();
        for required in [
            "/api/v1/students",
            "/api/v1/students/{student_id}",
            "/api/v1/plans/{plan_id}",
            "/api/v1/progress",
            "/api/v1/weeks/{iso_week}/visits",
            "/api/v1/visits/{visit_id}/record",
            "/api/v1/alerts",
            "/api/v1/alerts/{alert_id}/ack",
            "/api/v1/imports/{kind}",
        ] {
            assert!(paths.contains_key(required), "{required} is documented");
        }
        assert!(paths["/api/v1/plans/{plan_id}"].get("put").is_some());
        let mut operations = 0;
        for (path, item) in paths {
            let concrete = concrete(path, &plan, &visit);
            for method in item.as_object().unwrap().keys() {
                operations += 1;
                let method: reqwest::Method = method.to_uppercase().parse().unwrap();
                let response = api
                    .call(method.clone(), &concrete, Some(&center))
                    .send()
                    .await
                    .unwrap();
                assert_ne!(response.status(), 405, "{method} {concrete}");
                if response.status() == 404 {
                    let problem: Value = response.json().await.unwrap();
                    assert!(
                        !problem["detail"]
                            .as_str()
                            .unwrap_or_default()
                            .contains("接口路径"),
                        "{method} {concrete} is routed"
                    );
                }
            }
        }
        assert!(operations >= 15, "{operations}");
        // The other direction: the API's routes are registered with their document
        // (one list builds both); a path outside it is the API's not-found.
        let response = api
            .call(reqwest::Method::DELETE, "/api/v1/students", Some(&center))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(response.status().as_u16(), 404 | 405),
            "{}",
            response.status()
        );
        assert!(is_problem(&response));
        // The documentation page, drawn by the server from the document.
        let docs = client()
            .get(format!("{}/api/v1/docs", server.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            docs.contains("PUT /api/v1/plans/{plan_id}") && docs.contains("problem-stale"),
            "{docs}"
        );
        assert!(!docs.contains("<script"), "no script, nothing fetched");
        server.stop().await;
    });
}

fn people_are_registered_and_visits_moved_by_hand_through_the_api(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let wednesday = week_visit(db, "S001", "2026-12-02");
    let other = week_visit(db, "S002", "2026-12-01");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let (chengguan, dongshan) = (token(db, "chengguan@example.org"), token(db, "dongshan@example.org"));
        let post = |path: &str, token: &str, body: Value| {
            api.call(reqwest::Method::POST, path, Some(token)).json(&body).send()
        };
        // A child registered as a sheet's row is: the same columns and rules.
        let made = post("/api/v1/students", &chengguan, json!({
            "student_id": "S010", "name": "陈小乐", "school": "城关小学", "gender": "女",
            "disability": "智力残疾", "available": "Mon-AM Wed-PM"
        })).await.unwrap();
        assert_eq!(made.status(), 201);
        assert_eq!(made.headers()["location"], "/api/v1/students/S010");
        let bad = post("/api/v1/students", &chengguan, json!({
            "student_id": "S011", "name": "王", "school": "城关小学", "gender": "不详", "available": "Mon-XX"
        })).await.unwrap();
        assert_eq!(bad.status(), 422);
        let bad: Value = bad.json().await.unwrap();
        let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"gender") && fields.contains(&"available"), "{bad}");
        let elsewhere = post("/api/v1/students", &chengguan, json!({ "student_id": "S012", "name": "李", "school": "东山小学" })).await.unwrap();
        assert_eq!(elsewhere.status(), 422, "not one of their schools");
        assert!(rows(db, "SELECT id FROM students WHERE id IN ('S011', 'S012')").is_empty());
        let edited = api.call(reqwest::Method::PATCH, "/api/v1/students/S010", Some(&chengguan))
            .json(&json!({ "guardian_phone": "13900139000" })).send().await.unwrap();
        assert_eq!(edited.status(), 204);
        assert_eq!(rows(db, "SELECT guardian_phone FROM students WHERE id = 'S010'"), ["13900139000"]);
        let not_theirs = api.call(reqwest::Method::PATCH, "/api/v1/students/S003", Some(&chengguan))
            .json(&json!({ "address": "某处" })).send().await.unwrap();
        assert_eq!(not_theirs.status(), 404);
        // A teacher, registered, read and edited.
        let made = post("/api/v1/teachers", &chengguan, json!({
            "teacher_id": "T09", "name": "孙老师", "email": "t09@example.org", "school": "城关小学", "available": "Tue-AM Thu-AM"
        })).await.unwrap();
        assert_eq!(made.status(), 201);
        let (status, teacher) = api.get("/api/v1/teachers/T09", &chengguan).await;
        assert_eq!((status, teacher["available"].as_array().unwrap().len()), (StatusCode::OK, 2), "{teacher}");
        assert_eq!(api.get("/api/v1/teachers/T09", &dongshan).await.0, 403, "a supervisor keeps no register");
        let edited = api.call(reqwest::Method::PATCH, "/api/v1/teachers/T09", Some(&chengguan))
            .json(&json!({ "max_visits_per_day": "3" })).send().await.unwrap();
        assert_eq!(edited.status(), 204);
        // A visit moved by hand, with its reason; a clash refused; a cancel.
        let moved = post(&format!("/api/v1/visits/{wednesday}/move"), &chengguan, json!({
            "teacher_id": "T01", "day": "2026-12-04", "slot": "AM", "reason": "家长周三复诊"
        })).await.unwrap();
        assert_eq!(moved.status(), 204);
        assert_eq!(rows(db, &format!("SELECT CAST(day AS TEXT) FROM visits WHERE id = {wednesday} AND pinned = TRUE")), ["2026-12-04"]);
        let clash = post(&format!("/api/v1/visits/{other}/move"), &chengguan, json!({
            "teacher_id": "T01", "day": "2026-12-04", "slot": "AM", "reason": "试试"
        })).await.unwrap();
        assert!(matches!(clash.status().as_u16(), 409 | 422), "{}", clash.status());
        assert!(is_problem(&clash));
        assert_eq!(post(&format!("/api/v1/visits/{other}/cancel"), &dongshan, json!({ "reason": "x" })).await.unwrap().status(), 403);
        let cancelled = post(&format!("/api/v1/visits/{other}/cancel"), &chengguan, json!({ "reason": "家长要求本周停课" })).await.unwrap();
        assert_eq!(cancelled.status(), 204);
        assert_eq!(rows(db, &format!("SELECT status FROM visits WHERE id = {other}")), ["cancelled"]);
        server.stop().await;
    });
}

fn each_token_has_its_own_rate(db: &TestDb) {
    district(db);
    let mut settings = settings_for(db);
    settings.web.api_requests_per_minute = 3;
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let (first, second) = (
            token(db, "center@example.org"),
            token(db, "chengguan@example.org"),
        );
        for _ in 0..3 {
            assert_eq!(api.get("/api/v1/students", &first).await.0, 200);
        }
        let limited = api
            .call(reqwest::Method::GET, "/api/v1/students", Some(&first))
            .send()
            .await
            .unwrap();
        assert_eq!(limited.status(), 429);
        assert!(is_problem(&limited));
        let wait: u64 = limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(
            api.get("/api/v1/students", &second).await.0,
            200,
            "another token keeps its own rate"
        );
        server.stop().await;
    });
}

fn absences_leave_the_outbox_and_the_calendar_through_the_api(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let (admin, center, chengguan, t01) = (
            token(db, "admin@example.org"),
            token(db, "center@example.org"),
            token(db, "chengguan@example.org"),
            token(db, "t01@example.org"),
        );
        let post = |path: &str, token: &str, body: Value| {
            api.call(reqwest::Method::POST, path, Some(token)).json(&body).send()
        };
        let status = |response: reqwest::Response| response.status().as_u16();
        // A child's pause: added, ended, removed.
        let pause = json!({ "from": "2026-12-07", "to": "2026-12-18", "reason": "住院" });
        assert_eq!(status(post("/api/v1/students/S001/pauses", &t01, pause.clone()).await.unwrap()), 403);
        assert_eq!(status(post("/api/v1/students/S001/pauses", &chengguan, pause).await.unwrap()), 204);
        // A second pause over the same days is refused, naming the first.
        let overlapping = post("/api/v1/students/S001/pauses", &chengguan, json!({ "from": "2026-12-14", "to": "2026-12-21" })).await.unwrap();
        assert_eq!(overlapping.status(), 422);
        let problem: Value = overlapping.json().await.unwrap();
        assert!(problem["errors"][0]["reason"].as_str().unwrap().contains("#1 2026-12-07 至 2026-12-18"), "{problem}");
        assert_eq!(rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM student_pauses"), ["1"]);
        let id = rows(db, "SELECT CAST(id AS TEXT) FROM student_pauses WHERE student_id = 'S001'")[0].clone();
        assert_eq!(status(post(&format!("/api/v1/students/S001/pauses/{id}/pause"), &chengguan, json!({})).await.unwrap()), 404);
        assert_eq!(status(post(&format!("/api/v1/students/S001/pauses/{id}/remove"), &chengguan, json!({})).await.unwrap()), 204);
        assert!(rows(db, "SELECT id FROM student_pauses").is_empty());
        // A teacher's leave entered by a coordinator; a teacher's own request, approved.
        let leave = json!({ "from": "2026-12-14", "to": "2026-12-15", "reason": "培训" });
        assert_eq!(status(post("/api/v1/teachers/T01/leave", &chengguan, leave.clone()).await.unwrap()), 204);
        let asked = json!({ "from": "2026-12-21", "to": "2026-12-22", "reason": "家中有事" });
        assert_eq!(status(post("/api/v1/leave", &t01, asked.clone()).await.unwrap()), 201);
        assert_eq!(status(post("/api/v1/leave", &chengguan, asked).await.unwrap()), 403, "only a teacher asks");
        let (_, waiting) = api.get("/api/v1/leave?waiting=true", &chengguan).await;
        let waiting = waiting.as_array().unwrap();
        assert_eq!(waiting.len(), 1, "{waiting:?}");
        let leave_id = waiting[0]["leave_id"].as_i64().unwrap();
        assert_eq!(status(post(&format!("/api/v1/leave/{leave_id}/approve"), &t01, json!({})).await.unwrap()), 403);
        assert_eq!(status(post(&format!("/api/v1/leave/{leave_id}/approve"), &chengguan, json!({})).await.unwrap()), 204);
        let (_, mine) = api.get("/api/v1/leave", &t01).await;
        assert!(mine.as_array().unwrap().iter().any(|l| l["status"] == "approved"), "{mine}");
        // The outbox is the admins'.
        let (code, messages) = api.get("/api/v1/outbox", &admin).await;
        assert_eq!(code, 200);
        assert!(!messages.as_array().unwrap().is_empty(), "the week's schedules and the leave's answer");
        assert_eq!(api.get("/api/v1/outbox", &center).await.0, 403);
        assert_eq!(status(post("/api/v1/outbox/999999/retry", &admin, json!({})).await.unwrap()), 404);
        // The calendar corrected, with its reason; a wrong field named, in the reader's language.
        let snow = json!({ "entry": "holiday:new", "name": "暴雪停课", "start": "2026-12-02", "end": "2026-12-02", "reason": "县教育局通知" });
        assert_eq!(status(post("/api/v1/calendar/2026-2027/entries", &chengguan, snow.clone()).await.unwrap()), 403);
        let corrected = post("/api/v1/calendar/2026-2027/entries", &center, snow).await.unwrap();
        assert_eq!(corrected.status(), 200);
        let calendar: Value = corrected.json().await.unwrap();
        assert!(!calendar["teaching_days"].as_array().unwrap().iter().any(|d| d == "2026-12-02"), "{calendar}");
        assert_eq!(calendar["corrected_by"], "user:center@example.org");
        let weekday = post("/api/v1/calendar/2026-2027/entries", &center, json!({
            "entry": "make-up:new", "start": "2026-12-09", "follows": "Mon", "reason": "补课"
        })).await.unwrap();
        assert_eq!(weekday.status(), 422);
        let problem: Value = weekday.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "start");
        assert!(problem["detail"].as_str().unwrap().contains("星期六或星期日"), "{problem}");
        server.stop().await;
    });
}

/// Every documented operation behind a token, called with no token, a revoked
/// token and an expired one: 401 each time, nothing done.
fn every_route_refuses_a_missing_revoked_or_expired_token(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let plan = plan_of(db, "S001");
    let visit = week_visit(db, "S001", "2026-11-30");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let revoked = token(db, "center@example.org");
        let id = rows(db, "SELECT CAST(id AS TEXT) FROM api_tokens")[0].clone();
        std::thread::scope(|s| {
            s.spawn(|| db.ok(&["user", "revoke-token", "center@example.org", &id]))
                .join()
                .unwrap()
        });
        let expiring = std::thread::scope(|s| {
            s.spawn(|| {
                // Made at the server's time: a day from the real clock would
                // outlast the server's two days once the calendar passes them.
                db.ok(&[
                    "--as-of",
                    &common::web::now().to_rfc3339(),
                    "user",
                    "token",
                    "center@example.org",
                    "--label",
                    "一天",
                    "--expires-days",
                    "1",
                ])
            })
            .join()
            .unwrap()
        })
        .trim()
        .to_string();
        assert_eq!(
            api.get("/api/v1/students", &expiring).await.0,
            200,
            "valid today"
        );
        server.advance(chrono::Duration::days(2));
        let document: Value = openapi(&server).await;
        let audit_rows = || rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log")[0].clone();
        let before = audit_rows();
        let mut checked = 0;
        for (path, item) in document["paths"].as_object().unwrap() {
            let concrete = concrete(path, &plan, &visit);
            for (method, operation) in item.as_object().unwrap() {
                if operation.get("security").is_some() {
                    continue; // the documentation's own pages
                }
                let method: reqwest::Method = method.to_uppercase().parse().unwrap();
                for (who, token) in [
                    ("no", None),
                    ("a revoked", Some(revoked.as_str())),
                    ("an expired", Some(expiring.as_str())),
                ] {
                    let response = api
                        .call(method.clone(), &concrete, token)
                        .header("content-type", "application/json")
                        .body("{}")
                        .send()
                        .await
                        .unwrap();
                    let status = response.status();
                    let problem = is_problem(&response);
                    let text = response.text().await.unwrap_or_default();
                    assert_eq!(status, 401, "{method} {concrete} with {who} token: {text}");
                    assert!(problem);
                }
                checked += 1;
            }
        }
        assert!(checked >= 40, "{checked} operations");
        assert_eq!(audit_rows(), before, "nothing done");
        server.stop().await;
    });
}

fn a_record_carries_its_signature_and_photos(db: &TestDb) {
    use base64::Engine;
    const PHOTO: &[u8] = include_bytes!("fixtures/photo-with-location.jpg");
    const SIGNATURE: &[u8] = include_bytes!("fixtures/signature.png");
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    district(db);
    let settings = settings_for(db);
    let monday = week_visit(db, "S001", "2026-11-30");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let (t01, dongshan) = (
            token(db, "t01@example.org"),
            token(db, "dongshan@example.org"),
        );
        let record = |body: Value, etag: Option<String>| {
            let request = api
                .call(
                    reqwest::Method::POST,
                    &format!("/api/v1/visits/{monday}/record"),
                    Some(&t01),
                )
                .json(&body);
            match etag {
                Some(etag) => request.header("if-match", etag),
                None => request,
            }
            .send()
        };
        // A photo that is not one: refused by its place in the list, nothing stored.
        let refused = record(
            json!({ "outcome": "completed", "photos": [encode(b"a shopping list")] }),
            None,
        )
        .await
        .unwrap();
        assert_eq!(refused.status(), 422);
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "photos[0]", "{problem}");
        assert_eq!(
            rows(
                db,
                &format!(
                    "SELECT CAST(COUNT(*) AS TEXT) FROM visit_files WHERE visit_id = {monday}"
                )
            ),
            ["0"]
        );
        assert!(
            rows(
                db,
                &format!("SELECT outcome FROM visits WHERE id = {monday} AND outcome IS NOT NULL")
            )
            .is_empty()
        );

        // The signature as base64, the photo as a data URL, as a phone app sends them.
        let stored = record(
            json!({
                "outcome": "completed",
                "guardian_confirmed_by": "李强",
                "signature": encode(SIGNATURE),
                "photos": [format!("data:image/jpeg;base64,{}", encode(PHOTO))],
            }),
            None,
        )
        .await
        .unwrap();
        assert_eq!(stored.status(), 200);
        let etag = stored.headers()["etag"].to_str().unwrap().to_string();
        let visit: Value = stored.json().await.unwrap();
        let files = visit["files"].as_array().unwrap();
        let kinds: Vec<&str> = files.iter().map(|f| f["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds.len(), 2, "{visit}");
        assert!(
            kinds.contains(&"signature") && kinds.contains(&"photo"),
            "{kinds:?}"
        );
        let photo = files.iter().find(|f| f["kind"] == "photo").unwrap();
        let href = photo["href"].as_str().unwrap();

        // Read back by the child's teacher: the picture without its location;
        // the read is in the access log with where it came from.
        let read = api
            .call(reqwest::Method::GET, href, Some(&t01))
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 200);
        assert_eq!(read.headers()["content-type"], "image/jpeg");
        let bytes = read.bytes().await.unwrap();
        let jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes).unwrap();
        assert!(
            img_parts::ImageEXIF::exif(&jpeg).is_none(),
            "no location kept"
        );
        assert_eq!(
            rows(
                db,
                "SELECT what || ' ' || address FROM access_log WHERE what = 'record file'"
            ),
            ["record file 127.0.0.1"]
        );
        // Not by a supervisor of another school.
        let elsewhere = api
            .call(reqwest::Method::GET, href, Some(&dongshan))
            .send()
            .await
            .unwrap();
        assert_eq!(elsewhere.status(), 404);
        assert!(is_problem(&elsewhere));

        // The photo taken out again, over the version read.
        let removed = record(
            json!({ "outcome": "completed", "remove_files": [photo["file_id"]] }),
            Some(etag),
        )
        .await
        .unwrap();
        assert_eq!(removed.status(), 200);
        let visit: Value = removed.json().await.unwrap();
        assert_eq!(visit["files"].as_array().unwrap().len(), 1, "{visit}");
        assert_eq!(visit["files"][0]["kind"], "signature");
        server.stop().await;
    });
}

fn the_disability_column_as_districts_write_it(db: &TestDb) {
    district(db);
    // A real district's sheet: diagnoses, categories with a grade, one word nobody taught us.
    let output = db.import(
        "students",
        "学生编号,姓名,学校,残疾类别\n\
         S101,陈一,东山小学,孤独症谱系障碍\n\
         S102,陈二,东山小学,脑性瘫痪\n\
         S103,陈三,东山小学,脑瘫\n\
         S104,陈四,东山小学,唐氏综合征\n\
         S105,陈五,东山小学,自闭症\n\
         S106,陈六,东山小学,肢体残疾二级\n\
         S107,陈七,东山小学,雷特综合征\n",
    );
    assert!(
        output.contains("提醒: 第 8 行") && output.contains("雷特综合征"),
        "{output}"
    );
    assert_eq!(
        rows(
            db,
            "SELECT id || ' ' || disability || ' ' || COALESCE(diagnosis, '-') || ' ' || COALESCE(CAST(disability_grade AS TEXT), '-') FROM students WHERE id > 'S100' ORDER BY id"
        ),
        [
            "S101 autism 孤独症谱系障碍 -",
            "S102 physical 脑性瘫痪 -",
            "S103 physical 脑瘫 -",
            "S104 intellectual 唐氏综合征 -",
            "S105 autism - -",
            "S106 physical - 2",
            "S107 other 雷特综合征 -",
        ]
    );
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let api = Api { server: &server };
        let (center, dongshan) = (
            token(db, "center@example.org"),
            token(db, "dongshan@example.org"),
        );
        let (_, child) = api.get("/api/v1/students/S102", &center).await;
        assert_eq!(
            (child["disability"].as_str(), child["diagnosis"].as_str()),
            (Some("physical"), Some("脑性瘫痪")),
            "{child}"
        );
        // The diagnosis is personal data: a supervisor reads the child without it.
        let (status, child) = api.get("/api/v1/students/S102", &dongshan).await;
        assert_eq!(status, 200);
        assert!(
            child.get("diagnosis").is_none() && child.get("disability").is_none(),
            "{child}"
        );
        let session = log_in(&server, "center@example.org").await;
        let shown = page(&server, &session, "/students/S106").await;
        assert!(shown.contains("肢体残疾 二级"), "{shown}");
        let supervisor = log_in(&server, "dongshan@example.org").await;
        let shown = page(&server, &supervisor, "/students/S102").await;
        assert!(!shown.contains("脑性瘫痪"), "{shown}");
        // An edit of another field keeps the grade and the diagnosis.
        let edited = api
            .call(
                reqwest::Method::PATCH,
                "/api/v1/students/S102",
                Some(&center),
            )
            .json(&json!({ "guardian_phone": "13800138102" }))
            .send()
            .await
            .unwrap();
        assert_eq!(edited.status(), 204);
        assert_eq!(
            rows(db, "SELECT diagnosis FROM students WHERE id = 'S102'"),
            ["脑性瘫痪"]
        );
        // Through the API, the warning by line in the reader's language.
        let checked: Value = api
            .call(
                reqwest::Method::POST,
                "/api/v1/imports/students?dry_run=true",
                Some(&center),
            )
            .header("content-type", "text/csv")
            .body("学生编号,姓名,学校,残疾类别\nS108,陈八,东山小学,天使综合征\n")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(checked["created"], 1, "{checked}");
        let warning = &checked["warnings"][0];
        assert_eq!(
            (warning["line"].as_u64(), warning["field"].as_str()),
            (Some(2), Some("disability")),
            "{checked}"
        );
        assert!(
            warning["reason"]
                .as_str()
                .unwrap()
                .contains("已作为诊断保存"),
            "{checked}"
        );
        server.stop().await;
    });
}

on_both_databases!(
    the_disability_column_as_districts_write_it,
    a_record_carries_its_signature_and_photos,
    every_route_refuses_a_missing_revoked_or_expired_token,
    absences_leave_the_outbox_and_the_calendar_through_the_api,
    each_token_has_its_own_rate,
    people_are_registered_and_visits_moved_by_hand_through_the_api,
    every_role_reads_and_changes_only_what_it_may,
    a_token_is_made_and_revoked_on_the_account_page,
    bad_requests_are_problems_in_the_readers_language_and_change_nothing,
    two_editors_at_once_one_is_told_and_nothing_is_lost,
    lists_page_with_a_cursor_in_a_stable_order,
    the_document_and_the_routes_agree,
);
