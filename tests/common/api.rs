//! Helpers of the API's tests: tokens made as an admin does, calls with them,
//! and the district's ids put into documented paths.

use reqwest::StatusCode;
use serde_json::Value;

use super::TestDb;
use super::web::{Server, client};

/// Rows of a query, from a thread of its own (the test's runtime is busy).
pub fn rows(db: &TestDb, query: &str) -> Vec<String> {
    std::thread::scope(|s| s.spawn(|| db.sql_rows(query)).join().unwrap())
}

/// The server's OpenAPI document.
pub async fn openapi(server: &Server) -> Value {
    client()
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Runs a statement, from a thread of its own.
pub fn execute(db: &TestDb, statement: &str) -> u64 {
    std::thread::scope(|s| s.spawn(|| db.sql(statement)).join().unwrap())
}

/// A token for `email`, made as an admin does on the command line.
pub fn token(db: &TestDb, email: &str) -> String {
    let output = std::thread::scope(|s| {
        s.spawn(|| db.run(&["user", "token", email, "--label", "测试"]))
            .join()
            .unwrap()
    });
    assert!(output.status.success(), "{}", super::stderr(&output));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

pub struct Api<'a> {
    pub server: &'a Server,
}

impl Api<'_> {
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = client().request(method, format!("{}{path}", self.server.base));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let response = self
            .call(reqwest::Method::GET, path, Some(token))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

pub fn is_problem(response: &reqwest::Response) -> bool {
    response.headers()["content-type"] == "application/problem+json"
}

pub fn week_visit(db: &TestDb, student: &str, day: &str) -> String {
    rows(
        db,
        &format!(
            "SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
             WHERE p.student_id = '{student}' AND v.day = '{day}' AND v.status = 'planned'"
        ),
    )[0]
    .clone()
}

/// A documented path with the district's ids in its placeholders.
pub fn concrete(path: &str, plan: &str, visit: &str) -> String {
    path.replace("{student_id}", "S001")
        .replace("{teacher_id}", "T01")
        .replace("{plan_id}", plan)
        .replace("{visit_id}", visit)
        .replace("{iso_week}", "2026-W49")
        .replace("{alert_id}", "1")
        .replace("{kind}", "students")
        .replace("{school_year}", "2026-2027")
        .replace("{email}", "t01@example.org")
        .replace("{pause_id}", "1")
        .replace("{leave_id}", "1")
        .replace("{action}", "end")
        .replace("{decision}", "approve")
        .replace("{message_id}", "1")
        .replace("{file_id}", "1")
}

/// The id of a child's alert (check-pace has run).
pub fn alert_of(db: &TestDb, student: &str) -> String {
    rows(
        db,
        &format!(
            "SELECT CAST(a.id AS TEXT) FROM alerts a JOIN plans p ON p.id = a.plan_id
             WHERE p.student_id = '{student}'"
        ),
    )[0]
    .clone()
}

pub fn plan_of(db: &TestDb, student: &str) -> String {
    rows(
        db,
        &format!("SELECT CAST(id AS TEXT) FROM plans WHERE student_id = '{student}'"),
    )[0]
    .clone()
}
