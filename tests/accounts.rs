//! Accounts and logins: who may log in, for how long, and what a failed login
//! costs; the access log that no one can quietly change. Time is injected: the
//! tests check expiry and lockout without waiting.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestDb, runtime};
use songjiao::config::Settings;
use songjiao::service::Actor;
use songjiao::service::accounts::{self, Client, LoginRefused};
use songjiao::store::Store;

fn settings_for(db: &TestDb) -> Settings {
    let mut settings = Settings::defaults();
    settings.database.url = db.url.clone();
    settings.mail.dir = db.dir.path().join("mail");
    settings
}

fn client() -> Client {
    Client {
        address: "192.0.2.7".into(),
        user_agent: "test".into(),
    }
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

const PASSWORD: &str = "correct horse battery";

/// A district with a teacher, an admin who logs in with a password and a teacher
/// invited by email.
fn district(db: &TestDb) {
    db.ok(&["init"]);
    db.import(
        "teachers",
        "teacher_id,name,email,school\nT01,王芳,wf@example.org,城关小学\n",
    );
    let output = db
        .command()
        .args([
            "user",
            "add",
            "admin@example.org",
            "--name",
            "张主任",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(format!("{PASSWORD}\n").as_bytes())?;
            child.wait_with_output()
        })
        .expect("run songjiao");
    assert!(output.status.success(), "{}", common::stderr(&output));
}

fn users_are_managed_from_the_command_line(db: &TestDb) {
    district(db);
    let said = db.ok(&[
        "user",
        "add",
        "wf@example.org",
        "--name",
        "王芳",
        "--role",
        "teacher",
        "--teacher",
        "T01",
    ]);
    assert!(said.contains("设置密码的链接"), "{said}");
    let outbox = db.ok(&["outbox", "list", "--format", "json"]);
    assert!(
        outbox.contains("wf@example.org") && outbox.contains("请设置您的密码"),
        "{outbox}"
    );
    for (args, expected) in [
        (
            vec!["--role", "teacher", "--teacher", "T09"],
            "T09 不是已登记的教师",
        ),
        (
            vec!["--role", "supervisor", "--school", "火星小学"],
            "“火星小学”不是本区登记的学校",
        ),
        (vec!["--role", "teacher"], "教师账号要关联一位已登记的教师"),
        (vec!["--role", "principal"], "“principal”不是有效的角色"),
    ] {
        let mut command = vec!["user", "add", "x@example.org", "--name", "某某"];
        command.extend(args);
        let error = db.fails(&command);
        assert!(error.contains(expected), "{command:?}: {error}");
    }
    let error = db.fails(&[
        "user",
        "add",
        "WF@example.org",
        "--name",
        "王芳",
        "--role",
        "admin",
    ]);
    assert!(error.contains("已有账号"), "{error}");

    let users = db.json(&["user", "list", "--format", "json"]);
    let states: Vec<(&str, &str)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["email"].as_str().unwrap(), u["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("admin@example.org", "enabled"),
            ("wf@example.org", "invited")
        ]
    );
    assert!(!db.ok(&["user", "list"]).contains("argon2"));
    db.ok(&["user", "disable", "wf@example.org"]);
    assert!(db.ok(&["user", "list"]).contains("已停用"));
    db.ok(&["user", "enable", "wf@example.org"]);
    let error = db.fails(&["user", "disable", "nobody@example.org"]);
    assert!(error.contains("找不到账号 nobody@example.org"), "{error}");
}

fn a_password_is_set_once_through_its_link(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        let admin = Actor::new("test");
        let now = at("2026-11-30T01:00:00Z");
        accounts::add_user(
            &store,
            &settings,
            &admin,
            now,
            accounts::NewUser {
                email: "wf@example.org".into(),
                name: "王芳".into(),
                role: songjiao::domain::access::Role::Teacher,
                scope: songjiao::domain::access::Scope::Teacher {
                    teacher_id: "T01".into(),
                },
                password: None,
            },
        )
        .await
        .unwrap();
        // The link is in the queued email, its secret sealed under the key kept
        // outside the database (opened as the email is sent); only its hash is
        // in the accounts.
        let mut tx = store.read().await.unwrap();
        let queued = songjiao::store::outbox::list(&mut tx, None).await.unwrap();
        tx.rollback().await.unwrap();
        let body = &queued.last().unwrap().body_text;
        let token = body
            .split("/password/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a link in the invitation")
            .to_string();
        assert!(token.starts_with("v1:"), "sealed while queued: {token}");
        let keys = songjiao::sealed::Keys::of(&settings).unwrap();
        let token = keys.open(&token).unwrap();
        assert_eq!(token.len(), 64);

        let refused = accounts::login(
            &store,
            &settings,
            now,
            "wf@example.org",
            PASSWORD.into(),
            &client(),
        )
        .await
        .unwrap();
        assert_eq!(refused.unwrap_err(), LoginRefused::Wrong, "no password yet");
        let short = accounts::set_password_by_link(&store, &settings, now, &token, "short".into())
            .await
            .unwrap_err();
        assert!(short.to_string().contains("at least 10"), "{short}");
        // Three days and an hour later the link no longer works.
        let late = now + Duration::hours(73);
        assert!(
            accounts::set_password_by_link(&store, &settings, late, &token, PASSWORD.into())
                .await
                .is_err()
        );
        let email = accounts::set_password_by_link(&store, &settings, now, &token, PASSWORD.into())
            .await
            .unwrap();
        assert_eq!(email, "wf@example.org");
        assert!(
            accounts::set_password_by_link(&store, &settings, now, &token, PASSWORD.into())
                .await
                .is_err(),
            "a link works once"
        );
        let login = accounts::login(
            &store,
            &settings,
            now,
            "WF@example.org",
            PASSWORD.into(),
            &client(),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(login.actor.role, songjiao::domain::access::Role::Teacher);
        store.close().await;
    });
}

fn sessions_end_when_idle_at_their_lifetime_and_on_disable(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        let login_at = |now| {
            let (store, settings) = (&store, &settings);
            async move {
                accounts::login(
                    store,
                    settings,
                    now,
                    "admin@example.org",
                    PASSWORD.into(),
                    &client(),
                )
                .await
                .unwrap()
                .unwrap()
            }
        };
        let alive = |id: String, now| {
            let (store, settings) = (&store, &settings);
            async move {
                accounts::session_actor(store, settings, now, &id)
                    .await
                    .unwrap()
                    .is_some()
            }
        };
        let t0 = at("2026-11-30T01:00:00Z");
        let first = login_at(t0).await;
        let second = login_at(t0).await;
        assert_ne!(
            first.session_id, second.session_id,
            "a new id at every login"
        );

        // Idle: 29 minutes between requests keeps it; 31 ends it.
        let mut now = t0;
        for _ in 0..4 {
            now += Duration::minutes(29);
            assert!(alive(first.session_id.clone(), now).await);
        }
        assert!(
            !alive(second.session_id.clone(), now).await,
            "idle since t0"
        );
        assert!(
            !alive(second.session_id.clone(), t0).await,
            "ended stays ended"
        );
        // Absolute: kept busy, it still ends 12 hours after the login.
        while now < t0 + Duration::hours(12) - Duration::minutes(20) {
            now += Duration::minutes(20);
            assert!(alive(first.session_id.clone(), now).await);
        }
        assert!(!alive(first.session_id.clone(), t0 + Duration::hours(12)).await);

        // Disabling an account ends its sessions at once.
        let third = login_at(t0).await;
        assert!(alive(third.session_id.clone(), t0).await);
        accounts::set_disabled(&store, &Actor::new("test"), t0, "admin@example.org", true)
            .await
            .unwrap();
        assert!(!alive(third.session_id.clone(), t0).await);
        let refused = accounts::login(
            &store,
            &settings,
            t0,
            "admin@example.org",
            PASSWORD.into(),
            &client(),
        )
        .await
        .unwrap();
        assert!(refused.is_err());
        store.close().await;
    });
}

/// Five wrong passwords from one address stop that email from that address for
/// 15 minutes counted from the first of them, not its owner elsewhere; failures
/// older than 15 minutes no longer count (no lock for one more later), the same
/// for an email with no account; the owner is told by email, once.
fn five_failures_stop_an_address_not_the_owner(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let elsewhere = Client {
        address: "198.51.100.20".into(),
        user_agent: "test".into(),
    };
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        let try_login = |email: &'static str, password: &'static str, now, from: &Client| {
            let (store, settings, from) = (&store, &settings, from.clone());
            async move {
                accounts::login(store, settings, now, email, password.into(), &from)
                    .await
                    .unwrap()
                    .map(|_| ())
            }
        };
        let t0 = at("2026-11-30T01:00:00Z");
        let attacker = client();
        for minute in 0..4 {
            assert_eq!(
                try_login(
                    "admin@example.org",
                    "wrong password",
                    t0 + Duration::minutes(minute),
                    &attacker
                )
                .await,
                Err(LoginRefused::Wrong)
            );
        }
        let locked = try_login(
            "admin@example.org",
            "wrong password",
            t0 + Duration::minutes(4),
            &attacker,
        )
        .await;
        assert_eq!(
            locked,
            Err(LoginRefused::Locked {
                until: t0 + Duration::minutes(15)
            }),
            "locked until the first failure is 15 minutes old"
        );
        // From that address even the right password is refused meanwhile...
        assert!(matches!(
            try_login(
                "admin@example.org",
                PASSWORD,
                t0 + Duration::minutes(14),
                &attacker
            )
            .await,
            Err(LoginRefused::Locked { .. })
        ));
        // ...while the owner, elsewhere, logs in.
        assert_eq!(
            try_login(
                "admin@example.org",
                PASSWORD,
                t0 + Duration::minutes(5),
                &elsewhere
            )
            .await,
            Ok(())
        );
        // Failures older than 15 minutes no longer count: at +16 three remain
        // (+2, +3, +4), so one more wrong try is only wrong.
        assert_eq!(
            try_login(
                "admin@example.org",
                "wrong password",
                t0 + Duration::minutes(16),
                &attacker
            )
            .await,
            Err(LoginRefused::Wrong)
        );
        // An email with no account gets the same answers: four failures, a wait,
        // one more is only wrong; five at once stop it.
        for _ in 0..4 {
            assert_eq!(
                try_login("nobody@example.org", "wrong password", t0, &attacker).await,
                Err(LoginRefused::Wrong)
            );
        }
        assert_eq!(
            try_login(
                "nobody@example.org",
                "wrong password",
                t0 + Duration::minutes(16),
                &attacker
            )
            .await,
            Err(LoginRefused::Wrong)
        );
        for _ in 0..3 {
            try_login(
                "nobody@example.org",
                "wrong password",
                t0 + Duration::minutes(16),
                &attacker,
            )
            .await
            .unwrap_err();
        }
        assert!(matches!(
            try_login(
                "nobody@example.org",
                "wrong password",
                t0 + Duration::minutes(16),
                &attacker
            )
            .await,
            Err(LoginRefused::Locked { .. })
        ));
        store.close().await;
    });
    let told = db.sql_rows(
        "SELECT subject || ' ' || body_text FROM outbox WHERE recipient = 'admin@example.org'",
    );
    assert_eq!(told.len(), 1, "the owner is told once: {told:?}");
    assert!(
        told[0].contains("多次用错误的密码") && told[0].contains("192.0.2.7"),
        "{}",
        told[0]
    );
}

/// A coordinator reads each child's page, one second apart.
async fn read_children(store: &Store, settings: &Settings, children: &[&str]) {
    for (i, student) in children.iter().enumerate() {
        let now = at("2026-11-30T01:00:00Z") + Duration::seconds(i as i64);
        read_at(store, settings, now, student).await;
    }
}

/// A coordinator reads a child's page at `now`.
async fn read_at(store: &Store, settings: &Settings, now: DateTime<Utc>, student: &str) {
    let reader = Actor::new("user:zhao@example.org");
    let key = songjiao::service::audit::chain_key(settings).unwrap();
    let mut tx = store.write(&reader.audit(), now).await.unwrap();
    songjiao::service::audit::record_read(
        &mut tx,
        &key,
        &reader,
        student,
        "student page",
        "192.0.2.7",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A row's hash as the chain had it before it was keyed: plain SHA-256 over
/// the length-prefixed parts, which anyone can compute.
fn unkeyed_hash(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What an intruder who can write the database but has not the key can do:
/// change row `from`'s child and chain every row after it again, as the chain
/// was computed before it was keyed (plain SHA-256), the head moved along.
fn rewrite_the_chain_without_the_key(settings: &Settings, from: i64, student: &str) {
    use songjiao::store::access_log::{self, AccessFilter};
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        let mut tx = store
            .write(&Actor::new("intruder").audit(), at("2026-12-01T00:00:00Z"))
            .await
            .unwrap();
        let rows = access_log::list(&mut tx, &AccessFilter::default())
            .await
            .unwrap();
        let mut prev = String::new();
        for row in rows {
            if row.id < from {
                prev = row.hash;
                continue;
            }
            let student = if row.id == from {
                student
            } else {
                row.student_id.as_str()
            };
            let stamp = row.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let hash = unkeyed_hash(&[
                &prev,
                &stamp,
                &row.account,
                &row.role,
                student,
                &row.what,
                &row.address,
            ]);
            tx.execute(
                "UPDATE access_log SET student_id = $1, prev_hash = $2, hash = $3 WHERE id = $4",
                songjiao::args![student.to_string(), prev.clone(), hash.clone(), row.id],
            )
            .await
            .unwrap();
            prev = hash;
        }
        tx.execute(
            "UPDATE access_log_head SET hash = $1",
            songjiao::args![prev],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    });
}

/// Whoever can write the database, without the key kept outside it, can
/// neither change a row and chain the rest again, nor remove the oldest rows,
/// nor empty the log: the nightly anchor, kept beside the backups, finds that;
/// the operators get the anchor each week too.
fn the_chain_holds_against_whoever_writes_the_database(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        read_children(&store, &settings, &["S001", "S002", "S003", "S004"]).await;
        store.close().await;
    });
    let backup = db.ok(&["run-job", "backup"]);
    assert!(
        backup.contains("Access log anchor:") && backup.contains("rows=4 last=4"),
        "{backup}"
    );
    let anchors =
        std::fs::read_to_string(db.dir.path().join("backups/access-log-anchors.txt")).unwrap();
    assert!(anchors.contains("rows=4 last=4 head="), "{anchors}");
    db.ok(&["audit", "verify"]);
    db.sql("CREATE TABLE saved_log AS SELECT * FROM access_log");
    db.sql("CREATE TABLE saved_head AS SELECT * FROM access_log_head");
    let put_back = || {
        db.sql("DELETE FROM access_log");
        db.sql("INSERT INTO access_log SELECT * FROM saved_log");
        db.sql("DELETE FROM access_log_head");
        db.sql("INSERT INTO access_log_head SELECT * FROM saved_head");
        db.ok(&["audit", "verify"]);
    };

    rewrite_the_chain_without_the_key(&settings, 2, "S009");
    let error = db.fails(&["audit", "verify"]);
    assert!(error.contains("查阅日志第 2 行写入后被修改过"), "{error}");
    put_back();

    db.sql("DELETE FROM access_log WHERE id <= 2");
    let error = db.fails(&["audit", "verify"]);
    assert!(error.contains("第 3 行之前的记录被删除了"), "{error}");
    put_back();

    db.sql("DELETE FROM access_log");
    db.sql("DELETE FROM access_log_head");
    let error = db.fails(&["audit", "verify"]);
    assert!(
        error.contains("查阅日志第 4 行") && error.contains("锚点"),
        "{error}"
    );
    put_back();

    // Each week the operators get the anchor by mail, outside the database.
    let config = db.file("ops.toml", "[mail]\noperators = [\"ops@example.org\"]\n");
    db.ok(&["--config", common::path(&config), "run-job", "digest"]);
    let to_ops = db.sql_rows("SELECT body_text FROM outbox WHERE recipient = 'ops@example.org'");
    assert_eq!(to_ops.len(), 1, "{to_ops:?}");
    let text = &to_ops[0];
    assert!(
        text.contains("rows=4 last=4 head=") && text.contains("songjiao audit verify"),
        "{text}"
    );
}

/// Old reads pruned leave a chain whose start is sealed; pruning every row
/// leaves a log the next read goes on from; both still verify, and the anchor of
/// a pruned row is not taken for a removal.
fn pruning_to_nothing_and_reading_again_still_verifies(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        read_children(&store, &settings, &["S001", "S002"]).await;
        store.close().await;
    });
    db.ok(&["--as-of", "2026-11-30", "run-job", "backup"]);
    db.ok(&["--as-of", "2028-01-10", "run-job", "prune-access-log"]);
    let said = db.ok(&["--as-of", "2028-01-10", "audit", "verify"]);
    assert!(said.contains("查阅日志完整：共 0 行"), "{said}");
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        read_children(&store, &settings, &["S003"]).await;
        store.close().await;
    });
    let said = db.ok(&["--as-of", "2028-01-10", "audit", "verify"]);
    assert!(said.contains("查阅日志完整：共 1 行"), "{said}");
    db.sql("DELETE FROM access_log");
    let error = db.fails(&["--as-of", "2028-01-10", "audit", "verify"]);
    assert!(error.contains("查阅日志的记录全部被删除了"), "{error}");
}

/// A database upgraded from before the chain was keyed: `init` checks the old
/// chain and writes it again under the key, once; it verifies after.
#[test]
fn init_keys_a_chain_written_before_the_key() {
    let db = TestDb::sqlite();
    db.migrated_before("0021");
    runtime().block_on(async {
        use sqlx::Connection;
        let mut connection = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let mut prev = "songjiao-access-log".to_string();
        for (i, student) in ["S001", "S002", "S003"].iter().enumerate() {
            let stamp = format!("2026-11-30T01:00:0{i}.000000Z");
            let hash = unkeyed_hash(&[
                &prev,
                &stamp,
                "zhao@example.org",
                "coordinator",
                student,
                "student page",
                "::1",
            ]);
            let at: DateTime<Utc> = stamp.parse().unwrap();
            sqlx::query(
                "INSERT INTO access_log (at, account, role, student_id, what, address, prev_hash, hash)
                 VALUES ($1, 'zhao@example.org', 'coordinator', $2, 'student page', '::1', $3, $4)",
            )
            .bind(at)
            .bind(*student)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut connection)
            .await
            .unwrap();
            prev = hash;
        }
        sqlx::query("INSERT INTO access_log_head (id, hash) VALUES (1, $1)")
            .bind(&prev)
            .execute(&mut connection)
            .await
            .unwrap();
    });
    db.ok(&["init"]);
    let said = db.ok(&["audit", "verify"]);
    assert!(said.contains("查阅日志完整：共 3 行"), "{said}");
    // Once only: a chain rewritten unkeyed afterwards is not taken in again.
    db.ok(&["init"]);
    db.sql("UPDATE access_log SET hash = 'x' WHERE id = 3");
    db.sql("UPDATE access_log_head SET hash = 'x'");
    db.ok(&["init"]);
    let error = db.fails(&["audit", "verify"]);
    assert!(error.contains("查阅日志第 3 行写入后被修改过"), "{error}");
}

fn the_access_log_finds_a_row_altered_or_removed(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        read_children(&store, &settings, &["S001", "S002", "S003", "S004"]).await;
        store.close().await;
    });
    let said = db.ok(&["audit", "verify"]);
    assert!(said.contains("查阅日志完整：共 4 行"), "{said}");
    let listed = db.ok(&["audit", "list", "--student", "S002", "--format", "csv"]);
    assert!(
        listed.contains("zhao@example.org") && listed.contains("S002"),
        "{listed}"
    );
    assert!(!listed.contains("S003"), "{listed}");

    db.sql("UPDATE access_log SET student_id = 'S009' WHERE id = 2");
    let error = db.fails(&["audit", "verify"]);
    assert!(error.contains("查阅日志第 2 行写入后被修改过"), "{error}");
    db.sql("UPDATE access_log SET student_id = 'S002' WHERE id = 2");
    db.ok(&["audit", "verify"]);
    db.sql("DELETE FROM access_log WHERE id = 3");
    let error = db.fails(&["audit", "verify"]);
    assert!(error.contains("第 4 行之前的记录被删除了"), "{error}");
}

fn the_last_row_removed_is_found_too(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        read_children(&store, &settings, &["S001", "S002"]).await;
        store.close().await;
    });
    db.sql("DELETE FROM access_log WHERE id = 2");
    let error = db.fails(&["audit", "verify"]);
    assert!(error.contains("第 1 行之后的记录被删除了"), "{error}");
}

/// Reads older than `security.access_log_days` are removed; the chain that is
/// left still verifies.
fn old_reads_are_pruned_and_the_rest_still_verifies(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        for (day, student) in [
            ("2025-09-01", "S001"),
            ("2026-09-01", "S002"),
            ("2026-11-01", "S003"),
        ] {
            read_at(&store, &settings, at(&format!("{day}T01:00:00Z")), student).await;
        }
        assert_eq!(settings.security.access_log_days, 400);
        let removed = songjiao::service::audit::prune(
            &store,
            &settings,
            &Actor::new("daemon"),
            at("2026-11-30T01:00:00Z"),
        )
        .await
        .unwrap();
        assert_eq!(removed, 1);
        store.close().await;
    });
    let said = db.ok(&["audit", "verify"]);
    assert!(said.contains("查阅日志完整：共 2 行"), "{said}");
}

/// The supervisors kept beside the accounts before they were one list become
/// accounts as they were: their schools, their robots; a coordinator's account
/// of the same email keeps its role and hears of its own scope.
fn supervisors_kept_apart_become_accounts(db: &TestDb) {
    db.migrated_before("0022");
    let at = "'2026-11-30T01:00:00Z'";
    for statement in [
        "INSERT INTO schools (id, name) VALUES (1, '城关小学'), (2, '东关小学')".to_string(),
        format!(
            "INSERT INTO staff (id, name, email, role, school_id, created_at, updated_at,
                                dingtalk_webhook, dingtalk_secret, wecom_webhook)
             VALUES ('supervisor:zhao@example.org', '赵督导', 'Zhao@example.org', 'supervisor',
                     1, {at}, {at}, 'https://oapi.dingtalk.com/robot/send?access_token=abc',
                     'SECabc', NULL),
                    ('supervisor:center@example.org', '区特教中心', 'center@example.org',
                     'supervisor', NULL, {at}, {at}, NULL, NULL, NULL),
                    ('supervisor:office@example.org', '教育局', 'office@example.org',
                     'supervisor', 2, {at}, {at}, NULL, NULL, NULL)"
        ),
        format!(
            "INSERT INTO accounts (email, name, role, created_at, updated_at)
             VALUES ('office@example.org', '教育局专干', 'coordinator', {at}, {at})"
        ),
    ] {
        db.sql(&statement);
    }
    db.sql(
        "INSERT INTO account_schools (account_id, school_id)
         SELECT id, 1 FROM accounts WHERE email = 'office@example.org'",
    );
    db.ok(&["init"]);
    let listed = db.json(&["supervisor", "list", "--format", "json"]);
    let row = |email: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["email"] == email)
            .unwrap_or_else(|| panic!("{email} in {listed}"))
            .clone()
    };
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
    assert_eq!(row("zhao@example.org")["school"], "城关小学");
    assert!(
        row("zhao@example.org")["dingtalk_webhook"]
            .as_str()
            .unwrap()
            .ends_with("access_token=****")
    );
    assert!(row("center@example.org")["school"].is_null(), "{listed}");
    // The coordinator's account hears of its own school, not the one it was given apart.
    assert_eq!(row("office@example.org")["school"], "城关小学");
    let users = db.json(&["user", "list", "--format", "json"]);
    let role = |email: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .map(|u| (u["role"].clone(), u["state"].clone()))
    };
    assert_eq!(
        role("zhao@example.org"),
        Some(("supervisor".into(), "invited".into()))
    );
    assert_eq!(
        role("office@example.org").map(|r| r.0),
        Some("coordinator".into())
    );
    assert_eq!(
        db.sql("UPDATE staff SET name = name WHERE role = 'supervisor'"),
        0
    );
}

on_both_databases!(
    supervisors_kept_apart_become_accounts,
    old_reads_are_pruned_and_the_rest_still_verifies,
    users_are_managed_from_the_command_line,
    a_password_is_set_once_through_its_link,
    sessions_end_when_idle_at_their_lifetime_and_on_disable,
    five_failures_stop_an_address_not_the_owner,
    the_access_log_finds_a_row_altered_or_removed,
    the_last_row_removed_is_found_too,
    the_chain_holds_against_whoever_writes_the_database,
    pruning_to_nothing_and_reading_again_still_verifies,
);
