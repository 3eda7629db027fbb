//! The accounts issue's access table, extended to every operation of the API:
//! each documented operation called by a token of each role, in turn, with the
//! status each must get; every refusal a problem that changes nothing. The table
//! must name every operation the OpenAPI document has, so a new route cannot
//! ship without its row.

mod common;

use std::collections::BTreeSet;

use common::api::*;
use common::web::*;
use common::{TestDb, runtime};
use reqwest::Method;
use serde_json::{Value, json};

/// The callers, in the order each row is tried: the school-bound roles before
/// the district-wide ones, so that a write the first may do is what the later
/// ones find done.
const CALLERS: [&str; 5] = ["dongshan", "t01", "chengguan", "center", "admin"];

enum Body {
    None,
    Json(Value),
    Csv(&'static str),
}

struct Table<'a> {
    db: &'a TestDb,
    api: Api<'a>,
    tokens: Vec<String>,
    /// (METHOD, documented path) of every row.
    covered: BTreeSet<(String, String)>,
    wrong: Vec<String>,
}

impl Table<'_> {
    fn changes(&self) -> Vec<String> {
        rows(
            self.db,
            "SELECT CAST((SELECT COUNT(*) FROM audit_log) AS TEXT) || ' ' || \
                    CAST((SELECT COUNT(*) FROM outbox) AS TEXT)",
        )
    }

    /// Calls `documented` (with `ids` put into its placeholders) as each caller
    /// and compares the statuses with `expected`, in [`CALLERS`]' order.
    async fn row(
        &mut self,
        method: Method,
        documented: &str,
        ids: &[(&str, &str)],
        body: Body,
        expected: [u16; 5],
    ) {
        let path = ids.iter().fold(documented.to_string(), |path, (name, id)| {
            path.replace(&format!("{{{name}}}"), id)
        });
        self.covered
            .insert((method.as_str().to_lowercase(), documented.to_string()));
        let mut got = [0u16; 5];
        let mut details = Vec::new();
        for (i, token) in self.tokens.iter().enumerate() {
            let before = self.changes();
            let request = self.api.call(method.clone(), &path, Some(token));
            let request = match &body {
                Body::None => request,
                Body::Json(value) => request.json(value),
                Body::Csv(text) => request.header("content-type", "text/csv").body(*text),
            };
            let response = request.send().await.unwrap();
            got[i] = response.status().as_u16();
            if got[i] >= 400 {
                if !is_problem(&response) {
                    self.wrong
                        .push(format!("{method} {path} as {}: not a problem", CALLERS[i]));
                }
                let problem: Value = response.json().await.unwrap_or(Value::Null);
                details.push(format!("{}: {}", CALLERS[i], problem["detail"]));
                if self.changes() != before {
                    self.wrong.push(format!(
                        "{method} {path} as {}: refused ({}) yet changed something",
                        CALLERS[i], got[i]
                    ));
                }
            }
        }
        if got != expected {
            self.wrong.push(format!(
                "{method} {path}: expected {expected:?}, got {got:?} ({})\n    {}",
                CALLERS.join(", "),
                details.join("\n    ")
            ));
        }
    }
}

fn every_operation_answers_each_role_as_its_table_says(db: &TestDb) {
    district(db);
    db.ok(&["--as-of", "2026-11-30", "run-job", "check-pace"]);
    let settings = settings_for(db);
    let monday = week_visit(db, "S001", "2026-11-30");
    let wednesday = week_visit(db, "S001", "2026-12-02");
    let s002_thursday = week_visit(db, "S002", "2026-12-03");
    let (s001_plan, s003_plan) = (plan_of(db, "S001"), plan_of(db, "S003"));
    let s003_alert = alert_of(db, "S003");
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let tokens = CALLERS
            .iter()
            .map(|who| token(db, &format!("{who}@example.org")))
            .collect();
        let mut t = Table {
            db,
            api: Api { server: &server },
            tokens,
            covered: BTreeSet::new(),
            wrong: Vec::new(),
        };
        use Body::{Csv, Json, None as Empty};
        use Method as M;
        let s001 = [("student_id", "S001")];
        let s003 = [("student_id", "S003")];

        // Reads. Columns: supervisor of 东山小学, teacher T01, coordinator of
        // 城关小学, the district's coordinator, admin.
        t.row(M::GET, "/api/v1/me", &[], Empty, [200; 5]).await;
        t.row(M::GET, "/api/v1/students", &[], Empty, [200; 5]).await;
        t.row(M::GET, "/api/v1/students/{student_id}", &s001, Empty, [404, 200, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/students/{student_id}", &s003, Empty, [200, 404, 404, 200, 200]).await;
        t.row(M::GET, "/api/v1/teachers", &[], Empty, [403, 403, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/teachers/{teacher_id}", &[("teacher_id", "T01")], Empty, [403, 403, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/teachers/{teacher_id}", &[("teacher_id", "T03")], Empty, [403, 403, 404, 200, 200]).await;
        t.row(M::GET, "/api/v1/plans/{plan_id}", &[("plan_id", &s001_plan)], Empty, [404, 200, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/plans/{plan_id}/history", &[("plan_id", &s003_plan)], Empty, [200, 404, 404, 200, 200]).await;
        t.row(M::GET, "/api/v1/progress", &[], Empty, [200; 5]).await;
        t.row(M::GET, "/api/v1/summary", &[], Empty, [200, 403, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/alerts", &[], Empty, [200, 403, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/weeks/{iso_week}/visits", &[("iso_week", "2026-W49")], Empty, [200; 5]).await;
        t.row(M::GET, "/api/v1/weeks/{iso_week}/board", &[("iso_week", "2026-W49")], Empty, [200, 403, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/visits", &[], Empty, [200; 5]).await;
        t.row(M::GET, "/api/v1/visits/{visit_id}", &[("visit_id", &monday)], Empty, [404, 200, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/calendar/{school_year}", &[("school_year", "2026-2027")], Empty, [200; 5]).await;
        t.row(M::GET, "/api/v1/students/{student_id}/ledger.xlsx", &s001, Empty, [404, 200, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/exports/year.xlsx", &[], Empty, [200, 403, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/leave", &[], Empty, [403, 200, 200, 200, 200]).await;
        t.row(M::GET, "/api/v1/outbox", &[], Empty, [403, 403, 403, 403, 200]).await;
        t.row(M::GET, "/api/v1/accounts", &[], Empty, [403, 403, 403, 403, 200]).await;
        t.row(M::GET, "/api/v1/audit", &[], Empty, [403, 403, 403, 200, 200]).await;
        t.row(M::GET, "/api/v1/access-log", &[], Empty, [403, 403, 403, 403, 200]).await;
        t.row(M::GET, "/api/v1/access-log/verify", &[], Empty, [403, 403, 403, 403, 200]).await;
        t.row(M::GET, "/api/v1/openapi.json", &[], Empty, [200; 5]).await;
        t.row(M::GET, "/api/v1/docs", &[], Empty, [200; 5]).await;

        // The registers: a school's coordinators register its children and
        // teachers; once there, registering again conflicts, editing is the same.
        let s004 = [("student_id", "S004")];
        let child = json!({ "student_id": "S004", "name": "周小雨", "school": "城关小学", "available": "Mon-AM Thu-AM" });
        t.row(M::POST, "/api/v1/students", &[], Json(child), [403, 403, 201, 409, 409]).await;
        t.row(M::PATCH, "/api/v1/students/{student_id}", &s004, Json(json!({ "guardian_phone": "13800138004" })), [403, 403, 204, 204, 204]).await;
        let teacher = json!({ "teacher_id": "T04", "name": "陈静", "email": "t04@example.org", "school": "城关小学", "available": "Mon-AM Thu-AM" });
        t.row(M::POST, "/api/v1/teachers", &[], Json(teacher), [403, 403, 201, 409, 409]).await;
        t.row(M::PATCH, "/api/v1/teachers/{teacher_id}", &[("teacher_id", "T04")], Json(json!({ "max_visits_per_day": "2" })), [403, 403, 204, 204, 204]).await;

        // Plans: made and revised by the child's school's coordinators.
        let plan = json!({ "student_id": "S004", "teacher_id": "T04" });
        t.row(M::POST, "/api/v1/plans", &[], Json(plan), [403, 403, 201, 409, 409]).await;
        let revision = json!({ "goals": ["认识数字", "能写自己的名字"], "reason": "期中评估" });
        t.row(M::PUT, "/api/v1/plans/{plan_id}", &[("plan_id", &s001_plan)], Json(revision), [404, 403, 200, 200, 200]).await;

        // Pauses and leave, added and ended by coordinators; the same days again
        // overlap the first (422).
        let pause = json!({ "from": "2027-03-01", "to": "2027-03-05", "reason": "住院" });
        t.row(M::POST, "/api/v1/students/{student_id}/pauses", &s001, Json(pause), [403, 403, 204, 422, 422]).await;
        let pause_id = rows(db, "SELECT CAST(MAX(id) AS TEXT) FROM student_pauses")[0].clone();
        t.row(M::POST, "/api/v1/students/{student_id}/pauses/{pause_id}/{action}", &[("student_id", "S001"), ("pause_id", &pause_id), ("action", "remove")], Empty, [403, 403, 204, 404, 404]).await;
        let leave = json!({ "from": "2027-03-08", "to": "2027-03-09", "reason": "培训" });
        t.row(M::POST, "/api/v1/teachers/{teacher_id}/leave", &[("teacher_id", "T01")], Json(leave), [403, 403, 204, 422, 422]).await;
        let leave_id = rows(db, "SELECT CAST(MAX(id) AS TEXT) FROM teacher_leaves")[0].clone();
        t.row(M::POST, "/api/v1/teachers/{teacher_id}/leave/{leave_id}/{action}", &[("teacher_id", "T01"), ("leave_id", &leave_id), ("action", "remove")], Empty, [403, 403, 204, 404, 404]).await;
        // A teacher asks for leave; their school's coordinators decide.
        let ask = json!({ "from": "2027-04-06", "to": "2027-04-06", "reason": "家中有事" });
        t.row(M::POST, "/api/v1/leave", &[], Json(ask), [403, 201, 403, 403, 403]).await;
        let request = rows(db, "SELECT CAST(MAX(id) AS TEXT) FROM teacher_leaves")[0].clone();
        t.row(M::POST, "/api/v1/leave/{leave_id}/{decision}", &[("leave_id", &request), ("decision", "approve")], Empty, [403, 403, 204, 409, 409]).await;

        // Alerts: acknowledged by whoever sees the child (not teachers), again with a new note.
        let note = json!({ "note": "已联系学校，下周补课" });
        t.row(M::POST, "/api/v1/alerts/{alert_id}/ack", &[("alert_id", &s003_alert)], Json(note), [204, 403, 404, 204, 204]).await;

        // Visits: recorded by the child's teacher or coordinators; moved and
        // cancelled by the coordinators.
        use base64::Engine;
        let signature = base64::engine::general_purpose::STANDARD.encode(include_bytes!("fixtures/signature.png"));
        let completed = json!({ "outcome": "completed", "signature": signature });
        t.row(M::POST, "/api/v1/visits/{visit_id}/record", &[("visit_id", &monday)], Json(completed), [404, 200, 200, 200, 200]).await;
        let file = rows(db, "SELECT CAST(MAX(id) AS TEXT) FROM visit_files")[0].clone();
        t.row(M::GET, "/api/v1/visits/{visit_id}/files/{file_id}", &[("visit_id", &monday), ("file_id", &file)], Empty, [404, 200, 200, 200, 200]).await;
        let moved = json!({ "teacher_id": "T01", "day": "2026-12-02", "slot": "PM", "reason": "家长请求" });
        t.row(M::POST, "/api/v1/visits/{visit_id}/move", &[("visit_id", &wednesday)], Json(moved), [403, 403, 204, 204, 204]).await;
        let cancelled = json!({ "reason": "孩子住院" });
        t.row(M::POST, "/api/v1/visits/{visit_id}/cancel", &[("visit_id", &s002_thursday)], Json(cancelled), [403, 403, 204, 204, 204]).await;

        // The district's: planning a week, imports, the calendar, the what-if.
        t.row(M::POST, "/api/v1/weeks/{iso_week}/plan", &[("iso_week", "2026-W50")], Empty, [403, 403, 403, 200, 200]).await;
        t.row(M::POST, "/api/v1/imports/{kind}?dry_run=true", &[("kind", "students")], Csv("student_id,name,school\nS005,吴悦,东山小学\n"), [403, 403, 403, 200, 200]).await;
        let snow = json!({ "entry": "holiday:new", "name": "雪灾停课", "start": "2026-12-14", "end": "2026-12-14", "reason": "县教育局通知" });
        t.row(M::POST, "/api/v1/calendar/{school_year}/entries", &[("school_year", "2026-2027")], Json(snow), [403, 403, 403, 200, 200]).await;
        t.row(M::POST, "/api/v1/simulate", &[], Json(json!({ "miss_rate": 0.2, "seed": 7 })), [403, 403, 403, 200, 200]).await;

        // A message that failed, queued again by an admin (the outbox is theirs).
        execute(db, "UPDATE outbox SET status = 'dead', last_error = 'mailbox full' WHERE id = (SELECT MIN(id) FROM outbox)");
        let message = rows(db, "SELECT CAST(MIN(id) AS TEXT) FROM outbox")[0].clone();
        t.row(M::POST, "/api/v1/outbox/{message_id}/retry", &[("message_id", &message)], Empty, [403, 403, 403, 403, 204]).await;

        // Accounts are the admins'.
        let invite = json!({ "email": "t03@example.org", "name": "赵敏", "role": "teacher", "teacher_id": "T03" });
        t.row(M::POST, "/api/v1/accounts", &[], Json(invite), [403, 403, 403, 403, 201]).await;
        let t03 = [("email", "t03@example.org")];
        t.row(M::PUT, "/api/v1/accounts/{email}/scope", &t03, Json(json!({ "teacher_id": "T03" })), [403, 403, 403, 403, 204]).await;
        t.row(M::POST, "/api/v1/accounts/{email}/reset", &t03, Empty, [403, 403, 403, 403, 202]).await;
        t.row(M::PUT, "/api/v1/accounts/{email}/state", &t03, Json(json!({ "disabled": true })), [403, 403, 403, 403, 204]).await;

        // Every documented operation has its row.
        let document: Value = openapi(&server).await;
        let documented: BTreeSet<(String, String)> = document["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(|method| (method.clone(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let covered: BTreeSet<(String, String)> = t
            .covered
            .iter()
            .map(|(method, path)| (method.clone(), path.split('?').next().unwrap().to_string()))
            .collect();
        let missing: Vec<_> = documented.difference(&covered).collect();
        assert!(missing.is_empty(), "operations without a row: {missing:?}");
        assert!(t.wrong.is_empty(), "\n{}", t.wrong.join("\n"));
        server.stop().await;
    });
}

on_both_databases!(every_operation_answers_each_role_as_its_table_says);
