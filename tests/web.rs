//! The web pages behind logins, on the real HTTP server (port 0) with a hand-set
//! clock: who sees which child, what each role sees of them, sessions and their
//! cookie, requests from other sites, the security headers, and the access log.

mod common;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use common::web::*;
use common::{TestDb, runtime};
use songjiao::domain::access::Role;
use songjiao::service::Actor;
use songjiao::service::accounts::{self, NewUser};
use songjiao::store::Store;

fn every_role_sees_only_the_children_in_its_scope(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        // (account, path) -> status. A child out of scope is "not found", like one
        // that does not exist.
        let table: &[(&str, &str, u16)] = &[
            ("admin@example.org", "/students/S001", 200),
            ("admin@example.org", "/students/S003", 200),
            ("center@example.org", "/students/S001", 200),
            ("center@example.org", "/students/S003", 200),
            ("chengguan@example.org", "/students/S002", 200),
            ("chengguan@example.org", "/students/S003", 404),
            ("t01@example.org", "/students/S001", 200),
            ("t01@example.org", "/students/S002", 404),
            ("t01@example.org", "/students/S003", 404),
            ("t02@example.org", "/students/S001", 200), // the backup teacher
            ("t02@example.org", "/students/S002", 200),
            ("t02@example.org", "/students/S003", 404),
            ("dongshan@example.org", "/students/S003", 200),
            ("dongshan@example.org", "/students/S001", 404),
        ];
        let mut sessions = HashMap::new();
        for (email, _, _) in accounts() {
            sessions.insert(email, log_in(&server, email).await);
        }
        for (email, path, expected) in table {
            let response = get(&server, Some(&sessions[email]), path).await;
            assert_eq!(response.status().as_u16(), *expected, "{email} GET {path}");
        }
        for (email, _, _) in accounts() {
            for path in ["/", "/account", "/students/S404"] {
                let response = get(&server, Some(&sessions[email]), path).await;
                let expected = if path == "/students/S404" { 404 } else { 200 };
                assert_eq!(response.status().as_u16(), expected, "{email} GET {path}");
            }
        }
        // A teacher's home is their week: only their own visits.
        let home = page(&server, &sessions["t01@example.org"], "/").await;
        assert!(home.contains("李小明") && !home.contains("王欣怡") && !home.contains("张子涵"));
        // A teacher sees how to reach the family; a supervisor never does.
        let teacher = page(&server, &sessions["t01@example.org"], "/students/S001").await;
        assert!(
            teacher.contains("tel:13800138001") && teacher.contains("幸福路"),
            "{teacher}"
        );
        let supervisor = page(&server, &sessions["dongshan@example.org"], "/students/S003").await;
        assert!(
            supervisor.contains("张子涵") && supervisor.contains("握笔"),
            "{supervisor}"
        );
        for secret in ["13800138003", "河滨路", "张伟", "physical", "肢体"] {
            assert!(
                !supervisor.contains(secret),
                "{secret} shown to a supervisor"
            );
        }
        // Without a session every page sends to the login page, and says nothing.
        for path in ["/", "/account", "/students/S001"] {
            let response = get(&server, None, path).await;
            assert_eq!(response.status(), 303, "{path}");
            let location = response.headers()["location"].to_str().unwrap().to_string();
            assert!(location.starts_with("/login?next="), "{location}");
        }
        // Every successful read of a child's page left an access-log row.
        let mut tx = server.store.read().await.unwrap();
        let rows = songjiao::store::access_log::list(&mut tx, &Default::default())
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let reads = table.iter().filter(|(_, _, status)| *status == 200).count() + 2;
        let page_rows = rows.iter().filter(|r| r.what.starts_with("student page"));
        assert_eq!(page_rows.count(), reads);
        // A teacher's week shows their children's contact details: logged too.
        assert!(rows.iter().any(|r| r.account == "t01@example.org"
            && r.what == "teacher's week"
            && r.student_id == "S001"));
        assert!(rows.iter().any(|r| r.account == "dongshan@example.org"
            && r.role == "supervisor"
            && r.student_id == "S003"
            && r.what == "student page"
            && r.address == "127.0.0.1"));
        server.stop().await;
    });
}

fn sessions_change_at_login_end_at_logout_and_when_idle(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let first = log_in(&server, "t01@example.org").await;
        let second = log_in(&server, "t01@example.org").await;
        assert_ne!(first, second);
        assert_eq!(get(&server, Some(&first), "/").await.status(), 200);
        // 31 minutes without a request: the session is over.
        server.advance(Duration::minutes(31));
        assert_eq!(get(&server, Some(&first), "/").await.status(), 303);
        let third = log_in(&server, "t01@example.org").await;
        let response = client()
            .post(format!("{}/logout", server.base))
            .header("cookie", format!("songjiao_session={third}"))
            .header("origin", server.base.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert!(
            response.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        assert_eq!(get(&server, Some(&third), "/").await.status(), 303);
        // A wrong password: the login page again, with the reason, and no cookie.
        let refused = client()
            .post(format!("{}/login", server.base))
            .form(&[
                ("username", "t01@example.org"),
                ("password", "not it at all"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        assert!(refused.headers().get("set-cookie").is_none());
        assert!(refused.text().await.unwrap().contains("邮箱或密码不正确"));
        server.stop().await;
    });
}

fn requests_from_other_sites_change_nothing_and_every_page_has_the_headers(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let session = log_in(&server, "admin@example.org").await;
        for (name, value) in [
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ] {
            let response = client()
                .post(format!("{}/logout", server.base))
                .header("cookie", format!("songjiao_session={session}"))
                .header(name, value)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{name}: {value}");
        }
        assert_eq!(
            get(&server, Some(&session), "/").await.status(),
            200,
            "still logged in"
        );
        let login = client()
            .post(format!("{}/login", server.base))
            .header("sec-fetch-site", "cross-site")
            .form(&[("username", "admin@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 403, "no login from another site");

        for (path, with_session) in [
            ("/login", false),
            ("/", true),
            ("/account", true),
            ("/students/S001", true),
            ("/students/S404", true),
            ("/nowhere", false),
            ("/healthz", false),
        ] {
            let response = get(&server, with_session.then_some(session.as_str()), path).await;
            let headers = response.headers();
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
                "{path}: {csp}"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
            assert_eq!(
                headers["cache-control"], "no-store",
                "{path}: kept by no cache"
            );
        }
        let api = client()
            .get(format!("{}/api/v1/students", server.base))
            .bearer_auth(common::api::token(db, "center@example.org"))
            .send()
            .await
            .unwrap();
        assert_eq!(api.headers()["cache-control"], "no-store", "the API too");
        server.stop().await;
    });
}

fn a_password_set_by_link_logs_in(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        accounts::reset(
            &server.store,
            &settings,
            &Actor::new("test"),
            now(),
            "t01@example.org",
        )
        .await
        .unwrap();
        let mut tx = server.store.read().await.unwrap();
        let queued = songjiao::store::outbox::list(&mut tx, None).await.unwrap();
        tx.rollback().await.unwrap();
        let body = &queued.last().unwrap().body_text;
        let token = body
            .split("/password/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap();
        let token = songjiao::sealed::Keys::of(&settings)
            .unwrap()
            .open(token)
            .unwrap();
        assert_eq!(
            get(&server, None, &format!("/password/{token}"))
                .await
                .status(),
            200
        );
        let set = client()
            .post(format!("{}/password/{token}", server.base))
            .header("origin", server.base.clone())
            .form(&[("password", "a brand new passphrase")])
            .send()
            .await
            .unwrap();
        assert_eq!(set.status(), 200);
        assert_eq!(
            get(&server, None, &format!("/password/{token}"))
                .await
                .status(),
            404,
            "a link works once"
        );
        let response = client()
            .post(format!("{}/login", server.base))
            .form(&[
                ("username", "t01@example.org"),
                ("password", "a brand new passphrase"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        server.stop().await;
    });
}

/// The value of `name` in a cookie set by the response.
fn cookie_of(response: &reqwest::Response) -> Option<String> {
    let header = response.headers().get("set-cookie")?.to_str().ok()?;
    let (_, value) = header.split(';').next()?.split_once('=')?;
    Some(value.to_string())
}

fn code_at(secret: &str, at: DateTime<Utc>) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).unwrap();
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name("test")
        .build()
        .unwrap()
        .generate(at.timestamp() as u64)
        .to_string()
}

fn a_second_factor_is_set_up_then_asked_at_every_login(db: &TestDb) {
    district(db);
    let mut settings = settings_for(db);
    settings.security.require_totp_for = vec![Role::Coordinator];
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let post = |path: &str, session: &str, form: Vec<(&str, String)>| {
            client()
                .post(format!("{}{path}", server.base))
                .header("cookie", format!("songjiao_session={session}"))
                .header("origin", server.base.clone())
                .form(&form)
                .send()
        };
        // A coordinator must set one up before anything else.
        let coordinator = log_in(&server, "center@example.org").await;
        let response = get(&server, Some(&coordinator), "/students/S001").await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/account");
        let account = get(&server, Some(&coordinator), "/account")
            .await
            .text()
            .await
            .unwrap();
        assert!(account.contains("您的角色要求启用两步验证"), "{account}");

        let session = log_in(&server, "t01@example.org").await;
        assert_eq!(
            get(&server, Some(&session), "/").await.status(),
            200,
            "optional for teachers"
        );
        let enrolment = page(&server, &session, "/account/totp").await;
        assert!(
            enrolment.contains("<svg") && !enrolment.contains("<?xml"),
            "an inline QR code"
        );
        let secret = enrolment
            .split("<code class=\"secret\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap()
            .to_string();
        let again = page(&server, &session, "/account/totp").await;
        assert!(
            again.contains(&secret),
            "the enrolment under way is shown again"
        );
        let wrong = post(
            "/account/totp/confirm",
            &session,
            vec![("code", "000000".into())],
        )
        .await
        .unwrap();
        assert_eq!(wrong.status(), 422);
        let t0 = now();
        let confirmed = post(
            "/account/totp/confirm",
            &session,
            vec![("code", code_at(&secret, t0))],
        )
        .await
        .unwrap();
        assert_eq!(confirmed.status(), 200);
        let page = confirmed.text().await.unwrap();
        let recovery: Vec<String> = page
            .split("<li><code>")
            .skip(1)
            .filter_map(|rest| rest.split('<').next())
            .map(str::to_string)
            .collect();
        assert_eq!(recovery.len(), 10, "{page}");

        // The password alone opens nothing now.
        let response = client()
            .post(format!("{}/login", server.base))
            .form(&[
                ("username", "t01@example.org"),
                ("password", PASSWORD),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let waiting = cookie_of(&response).unwrap();
        assert!(response.text().await.unwrap().contains("输入验证码"));
        assert_eq!(get(&server, Some(&waiting), "/").await.status(), 303);
        // The code used to confirm does not work twice; the next one does.
        let reused = post(
            "/login/code",
            &waiting,
            vec![("code", code_at(&secret, t0))],
        )
        .await
        .unwrap();
        assert_eq!(reused.status(), 401);
        server.advance(Duration::seconds(30));
        let good = post(
            "/login/code",
            &waiting,
            vec![
                ("code", code_at(&secret, t0 + Duration::seconds(30))),
                ("next", "/".into()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(good.status(), 303);
        let opened = cookie_of(&good).unwrap();
        assert_ne!(opened, waiting, "a new session id once the code is right");
        assert_eq!(get(&server, Some(&opened), "/").await.status(), 200);
        assert_eq!(get(&server, Some(&waiting), "/").await.status(), 303);

        // A recovery code works once.
        for expected in [303, 401] {
            let response = client()
                .post(format!("{}/login", server.base))
                .form(&[("username", "t01@example.org"), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            let waiting = cookie_of(&response).unwrap();
            let answer = post("/login/code", &waiting, vec![("code", recovery[0].clone())])
                .await
                .unwrap();
            assert_eq!(answer.status(), expected);
        }
        server.stop().await;
    });
}

/// The real `serve`, logging at debug level: logins (good and bad), a password
/// set by link and pages read leave no password, session id or link token in
/// its logs.
fn no_secret_reaches_the_logs(db: &TestDb) {
    use std::io::Read;
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        for (email, role, scope) in accounts().into_iter().take(4) {
            accounts::add_user(
                &store,
                &settings,
                &Actor::new("test"),
                now(),
                NewUser {
                    email: email.into(),
                    name: email.into(),
                    role,
                    scope,
                    password: Some(PASSWORD.into()),
                },
            )
            .await
            .unwrap();
        }
        store.close().await;
    });
    let port = common::mail::free_port();
    let config = db.file(
        "serve.toml",
        format!(
            "[mail]\ndir = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n",
            common::path(&db.dir.path().join("mail"))
        ),
    );
    // Into a file, not a pipe: a debug log fills a pipe nobody reads yet.
    let log_file = db.dir.path().join("serve.log");
    // The server runs at the tests' time, so the reset link made below at `now()`
    // is still valid when it is used through the server.
    let mut daemon = common::Running::start(
        db.command()
            .env("RUST_LOG", "debug")
            .args(["--as-of", &now().to_rfc3339()])
            .args(["--config", common::path(&config), "serve"]),
        Some(&log_file),
    );
    let base = format!("http://127.0.0.1:{port}");
    let secrets = runtime().block_on(async {
        for _ in 0..100 {
            if client().get(format!("{base}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let mut secrets = vec![PASSWORD.to_string(), "a wrong password tried".to_string()];
        let login = client()
            .post(format!("{base}/login"))
            .form(&[("username", "t01@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303);
        let session = cookie_of(&login).unwrap();
        let page = client()
            .get(format!("{base}/students/S001"))
            .header("cookie", format!("songjiao_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        secrets.push(session);
        let wrong = client()
            .post(format!("{base}/login"))
            .form(&[
                ("username", "center@example.org"),
                ("password", "a wrong password tried"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        // A reset's link, used through the server.
        let store = Store::open(&settings.database, false).await.unwrap();
        accounts::reset(
            &store,
            &settings,
            &Actor::new("test"),
            now(),
            "center@example.org",
        )
        .await
        .unwrap();
        let mut tx = store.read().await.unwrap();
        let queued = songjiao::store::outbox::list(&mut tx, None).await.unwrap();
        tx.rollback().await.unwrap();
        store.close().await;
        let token = queued
            .last()
            .unwrap()
            .body_text
            .split("/password/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .to_string();
        let token = songjiao::sealed::Keys::of(&settings)
            .unwrap()
            .open(&token)
            .unwrap();
        let set = client()
            .post(format!("{base}/password/{token}"))
            .form(&[("password", "another long passphrase")])
            .send()
            .await
            .unwrap();
        assert_eq!(set.status(), 200);
        secrets.push(token);
        secrets.push("another long passphrase".into());
        secrets
    });
    daemon.terminate(std::time::Duration::from_secs(20));
    let mut logs = String::new();
    std::fs::File::open(&log_file)
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("/login") && logs.contains("/password/…"),
        "the requests are logged:\n{logs}"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "`{secret}` is in the logs:\n{logs}"
        );
    }
}

/// `serve --as-of` runs the whole server at that moment: a login works, the
/// teacher's week is the week of that day, and the jobs' next runs count from it.
fn serve_as_of_runs_the_pages_and_the_jobs_at_that_moment(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        let (email, role, scope) = accounts()
            .into_iter()
            .find(|(_, role, _)| *role == Role::Teacher)
            .unwrap();
        let user = NewUser {
            email: email.into(),
            name: "王芳".into(),
            role,
            scope,
            password: Some(PASSWORD.into()),
        };
        accounts::add_user(&store, &settings, &Actor::new("test"), now(), user)
            .await
            .unwrap();
        store.close().await;
    });
    let port = common::mail::free_port();
    let config = db.file(
        "serve.toml",
        format!(
            "[mail]\ndir = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n",
            common::path(&db.dir.path().join("mail"))
        ),
    );
    // A Tuesday in October, neither the tests' usual day nor the machine's.
    let _server = db.spawn(
        &[
            "--as-of",
            "2026-10-20T10:00:00+08:00",
            "--config",
            common::path(&config),
            "serve",
        ],
        None,
    );
    let base = format!("http://127.0.0.1:{port}");
    runtime().block_on(async {
        let mut health = None;
        for _ in 0..100 {
            if let Ok(answer) = client().get(format!("{base}/healthz")).send().await {
                health = Some(answer.json::<serde_json::Value>().await.unwrap());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let health = health.expect("serve answers");
        let check_pace = health["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["job"] == "check_pace")
            .unwrap();
        assert_eq!(check_pace["next_run"], "2026-10-20T23:00:00Z", "{health}");
        let login = client()
            .post(format!("{base}/login"))
            .form(&[("username", "t01@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303, "a login works at that moment");
        let session = cookie_of(&login).unwrap();
        let page = client()
            .get(format!("{base}/"))
            .header("cookie", format!("songjiao_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let text = page.text().await.unwrap();
        assert!(
            text.contains("10月19日 – 10月25日"),
            "the week of 20 October: {text}"
        );
        assert!(text.contains("10月20日 周二 · 今天"), "{text}");
    });
}

fn the_account_page_ends_other_sessions_and_changes_the_password(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let post = |path: String, session: String, form: Vec<(&'static str, &'static str)>| {
            client()
                .post(format!("{}{path}", server.base))
                .header("cookie", format!("songjiao_session={session}"))
                .header("origin", server.base.clone())
                .form(&form)
                .send()
        };
        let here = log_in(&server, "t01@example.org").await;
        let elsewhere = log_in(&server, "t01@example.org").await;
        let page = get(&server, Some(&here), "/account")
            .await
            .text()
            .await
            .unwrap();
        let handles: Vec<&str> = page
            .split("/account/sessions/")
            .skip(1)
            .filter_map(|rest| rest.split('/').next())
            .collect();
        assert_eq!(handles.len(), 1, "the other session can be ended: {page}");
        let ended = post(
            format!("/account/sessions/{}/end", handles[0]),
            here.clone(),
            vec![],
        )
        .await
        .unwrap();
        assert_eq!(ended.status(), 303);
        assert_eq!(get(&server, Some(&elsewhere), "/").await.status(), 303);
        assert_eq!(get(&server, Some(&here), "/").await.status(), 200);

        let wrong = post(
            "/account/password".into(),
            here.clone(),
            vec![
                ("current_password", "not my password"),
                ("new_password", "a fresh passphrase"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(wrong.status(), 422);
        let short = post(
            "/account/password".into(),
            here.clone(),
            vec![("current_password", PASSWORD), ("new_password", "short")],
        )
        .await
        .unwrap();
        assert_eq!(short.status(), 422);
        let changed = post(
            "/account/password".into(),
            here.clone(),
            vec![
                ("current_password", PASSWORD),
                ("new_password", "a fresh passphrase"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(changed.status(), 200);
        assert!(changed.text().await.unwrap().contains("密码已修改"));
        let old = client()
            .post(format!("{}/login", server.base))
            .form(&[("username", "t01@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), 401);
        let new = client()
            .post(format!("{}/login", server.base))
            .form(&[
                ("username", "t01@example.org"),
                ("password", "a fresh passphrase"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(new.status(), 303);
        server.stop().await;
    });
}

const READ_FEED: &str = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.read())
assert str(cal["METHOD"]) == "PUBLISH"
for e in cal.walk("VEVENT"):
    print(e["UID"], int(e["SEQUENCE"]), e["SUMMARY"], e["LOCATION"], e["DTSTART"].dt.isoformat())
"#;

/// The events of a feed: UID -> (SEQUENCE, summary, location, start).
fn read_feed(text: &str) -> HashMap<String, (i64, String)> {
    common::mail::python(READ_FEED, text)
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            Some((
                parts.next()?.to_string(),
                (parts.next()?.parse().ok()?, parts.next()?.to_string()),
            ))
        })
        .collect()
}

fn a_teachers_calendar_feed_follows_moved_visits(db: &TestDb) {
    district(db);
    db.ok(&["--as-of", "2026-12-04", "plan-week", "--week", "2026-W50"]);
    let settings = settings_for(db);
    let (url, first) = runtime().block_on(async {
        let server = Server::start(&settings).await;
        let session = log_in(&server, "t01@example.org").await;
        let page = client()
            .post(format!("{}/account/calendar", server.base))
            .header("cookie", format!("songjiao_session={session}"))
            .header("origin", server.base.clone())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = page
            .split("/calendar/")
            .nth(1)
            .and_then(|rest| rest.split(".ics").next())
            .expect("a feed address on the page")
            .to_string();
        let url = format!("{}/calendar/{token}.ics", server.base);
        let response = client().get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
        let text = response.text().await.unwrap();
        for secret in ["李小明", "13800138001", "智力", "认识数字"] {
            assert!(!text.contains(secret), "{secret} in the feed:\n{text}");
        }
        assert!(text.contains("李小*") && text.contains("幸福路"), "{text}");
        let wrong = client()
            .get(format!("{}/calendar/{}.ics", server.base, "0".repeat(64)))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 404);
        server.stop().await;
        (url, read_feed(&text))
    });
    assert!(!first.is_empty());

    // The family can no longer do Wednesday mornings: next week's visits move.
    db.ok(&[
        "student",
        "edit",
        "S001",
        "--available",
        "Mon-AM Tue-PM Thu-PM",
    ]);
    db.ok(&["--as-of", "2026-12-04", "plan-week", "--week", "2026-W50"]);
    let second = runtime().block_on(async {
        let server = Server::start_again(&settings).await;
        let path = url.split_once("/calendar/").unwrap().1;
        let text = client()
            .get(format!("{}/calendar/{path}", server.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        server.stop().await;
        read_feed(&text)
    });
    let moved: Vec<_> = first
        .iter()
        .filter_map(|(uid, (sequence, rest))| {
            let (later, later_rest) = second.get(uid)?;
            (later_rest != rest).then_some((uid, *sequence, *later))
        })
        .collect();
    assert!(!moved.is_empty(), "a visit moved: {first:?} {second:?}");
    for (uid, before, after) in moved {
        assert!(after > before, "{uid}: SEQUENCE {before} then {after}");
    }
}

on_both_databases!(
    every_role_sees_only_the_children_in_its_scope,
    sessions_change_at_login_end_at_logout_and_when_idle,
    requests_from_other_sites_change_nothing_and_every_page_has_the_headers,
    a_password_set_by_link_logs_in,
    a_second_factor_is_set_up_then_asked_at_every_login,
    no_secret_reaches_the_logs,
    serve_as_of_runs_the_pages_and_the_jobs_at_that_moment,
    the_account_page_ends_other_sessions_and_changes_the_password,
    a_teachers_calendar_feed_follows_moved_visits,
);
