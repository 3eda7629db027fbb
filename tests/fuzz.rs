//! The running server fuzzed from its own OpenAPI document with schemathesis
//! (installed from PyPI by .ci/test), every check on (the examples, coverage and
//! fuzzing phases): no 5xx, every answer in
//! the document's schemas, statuses and content types, unsupported methods 405,
//! bad input refused, valid input accepted. The business rules' refusals the
//! document lists (a stale version 412, a locked record 423, a rule broken 422)
//! are expected answers to schema-valid requests on the operations that state
//! them: see the configuration written below.

mod common;

use std::process::Command;

use common::web::*;
use common::{TestDb, runtime};

fn rows(db: &TestDb, query: &str) -> Vec<String> {
    std::thread::scope(|s| s.spawn(|| db.sql_rows(query)).join().unwrap())
}

fn the_api_holds_to_its_document_under_fuzzing(db: &TestDb) {
    district(db);
    db.ok(&["--as-of", "2026-11-30", "run-job", "check-pace"]);
    let mut settings = settings_for(db);
    // The fuzzer sends thousands of requests a minute from one token.
    settings.web.api_requests_per_minute = 1_000_000;
    let one = |query: &str| rows(db, query)[0].clone();
    let plan = one("SELECT CAST(id AS TEXT) FROM plans WHERE student_id = 'S001'");
    let visit = one(
        "SELECT CAST(v.id AS TEXT) FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE p.student_id = 'S001' AND v.day = '2026-11-30'",
    );
    let alert = one("SELECT CAST(MIN(id) AS TEXT) FROM alerts");
    let config = db.file(
        "schemathesis.toml",
        format!(
            r#"
[parameters]
"path.student_id" = "S001"
"path.plan_id" = {plan}
"path.visit_id" = {visit}
"path.alert_id" = {alert}
"path.iso_week" = "2026-W49"
"path.kind" = "students"
"path.school_year" = "2026-2027"
"path.email" = "t01@example.org"

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409"]

# A record: over a stale version (412), locked (423), against a rule such as a
# slot not begun or a reason a miss needs (422).
[[operations]]
include-path-regex = "/record$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "412", "422", "423"]

# A plan: over a stale version (412), against the plan rules (dates in the year, visits a week…).
[[operations]]
include-path-regex = "^/api/v1/plans"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "412", "422"]

# A sheet: its problems by line and column (422).
[[operations]]
include-path-regex = "^/api/v1/imports/"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "415", "422"]

# People, as a sheet's row: the sheet's rules by field (422, as an import says them),
# an account's email and scope checked, leave's and pauses' dates, a calendar
# correction's rules (422);
# a visit moved or cancelled by hand: a clash or a missing reason (409, 422).
[[operations]]
include-path-regex = "^/api/v1/(students|teachers|accounts|leave|calendar)|/(move|cancel)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# The what-if: a day of a school year without a calendar (422).
[[operations]]
include-path-regex = "/simulate$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "422"]

# An acknowledgement: the alert may have been acknowledged by an earlier example (404).
[[operations]]
include-path-regex = "/ack$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"#
        ),
    );
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let token = std::thread::scope(|s| {
            s.spawn(|| db.ok(&["user", "token", "admin@example.org", "--label", "fuzz"]))
                .join()
                .unwrap()
        })
        .trim()
        .to_string();
        let document = format!("{}/api/v1/openapi.json", server.base);
        // Its cache of past crashes stays in the test's folder, not the repository.
        let workdir = config
            .parent()
            .expect("the config is in the test's folder")
            .to_path_buf();
        let output = tokio::task::spawn_blocking(move || {
            Command::new("schemathesis")
                .current_dir(&workdir)
                .args(["--config-file", common::path(&config), "run", &document])
                .args(["-H", &format!("Authorization: Bearer {token}")])
                .args([
                    "--checks",
                    "all",
                    "--max-examples",
                    "40",
                    "--workers",
                    "2",
                    "--seed",
                    "20261130",
                ])
                // The coverage phase sends each field's edge and wrong-typed values
                // (a hypothesis older than 6.170 tripped CPython 3.11's "AST
                // constructor recursion depth mismatch" building them; .ci/test
                // installs a newer one).
                .args(["--phases", "examples,coverage,fuzzing", "--no-color"])
                .output()
                .expect(
                    "schemathesis runs (.ci/test installs it from PyPI: pip install schemathesis)",
                )
        })
        .await
        .unwrap();
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "schemathesis found problems:\n{report}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        println!("{report}");
        let tested = report
            .lines()
            .find_map(|line| line.trim().strip_prefix("Tested: "))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
        assert!(tested >= 20, "every operation fuzzed: {report}");
        server.stop().await;
    });
}

on_both_databases!(the_api_holds_to_its_document_under_fuzzing);
