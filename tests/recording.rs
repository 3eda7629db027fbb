//! Recording a visit from the phone, over the real HTTP server: the multipart
//! form with a signature, a photo (its location removed) and the phone's
//! location; a record sent twice stored once; a record made on an older state
//! of the visit refused as a change, not stored over it; files only for those
//! who may see the child; files that are not images, or too large, refused with
//! a clear message and nothing changed; the rules of the command line.

mod common;

use chrono::{Duration, NaiveDate};
use common::web::*;
use common::{TestDb, runtime};
use reqwest::multipart::{Form, Part};

const PHOTO: &[u8] = include_bytes!("fixtures/photo-with-location.jpg");
const SIGNATURE: &[u8] = include_bytes!("fixtures/signature.png");

/// The first column of a query's rows, from a thread of its own (the test's
/// runtime is busy).
fn rows(db: &TestDb, query: &str) -> Vec<String> {
    std::thread::scope(|s| s.spawn(|| db.sql_rows(query)).join().unwrap())
}

/// S001's visits of the week, first to last: (id, day).
fn visits_of_s001(db: &TestDb) -> Vec<(i64, NaiveDate)> {
    rows(
        db,
        "SELECT CAST(v.id AS TEXT) || ' ' || CAST(v.day AS TEXT) FROM visits v
         JOIN plans p ON p.id = v.plan_id
         WHERE p.student_id = 'S001' AND v.status = 'planned' ORDER BY v.day",
    )
    .into_iter()
    .map(|row| {
        let (id, day) = row.split_once(' ').unwrap();
        (id.parse().unwrap(), day.parse().unwrap())
    })
    .collect()
}

fn goal_of_s001(db: &TestDb) -> i64 {
    rows(
        db,
        "SELECT CAST(g.id AS TEXT) FROM plan_goals g JOIN plans p ON p.id = g.plan_id
         WHERE p.student_id = 'S001'",
    )[0]
    .parse()
    .unwrap()
}

/// A completed record as the page's script sends it.
fn completed(goal: i64, key: &str, seen: (i64, i64)) -> Form {
    Form::new()
        .text("key", key.to_string())
        .text("seen_version", seen.0.to_string())
        .text("seen_sequence", seen.1.to_string())
        .text("outcome", "completed")
        .text("periods", "3")
        .text("mode", "home")
        .text("started_at", "08:40")
        .text("ended_at", "10:50")
        .text(format!("goal_{goal}_taught"), "数 1 到 10，用积木")
        .text(format!("goal_{goal}_response"), "能数到 8，注意力 15 分钟")
        .text("family_practice", "晚饭前一起数碗筷")
        .text("note", "状态很好")
        .text("guardian_name", "李强")
        .text("latitude", "39.9042")
        .text("longitude", "116.4074")
        .text("accuracy", "25")
        .part(
            "signature",
            Part::bytes(SIGNATURE).file_name("signature.png"),
        )
        .part(
            "photo",
            Part::bytes(PHOTO)
                .file_name("IMG_0001.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
}

async fn send(server: &Server, session: &str, visit: i64, form: Form) -> (u16, serde_json::Value) {
    let response = client()
        .post(format!("{}/visits/{visit}/record", server.base))
        .header("cookie", format!("songjiao_session={session}"))
        .header("accept", "application/json")
        .header("origin", &server.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

fn a_teacher_records_a_visit_with_a_signature_and_a_photo(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let visits = visits_of_s001(db);
    let goal = goal_of_s001(db);
    let (first, first_day) = visits[0];
    let (later, _) = visits[1];
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        // At 09:00 on the day of S001's first visit (its morning slot has begun).
        server.advance(Duration::days((first_day - now().date_naive()).num_days()));
        let t01 = log_in(&server, "t01@example.org").await;
        let form = page(&server, &t01, &format!("/visits/{first}/record")).await;
        assert!(form.contains("李小明") && form.contains("认识数字"), "{form}");
        assert!(form.contains("学生生病") && form.contains("部分完成"), "reasons in Chinese");
        assert!(form.contains(r#"value="08:30""#), "the slot's time by default");

        let (status, body) = send(&server, &t01, first, completed(goal, "phone-key-1", (0, 0))).await;
        assert_eq!((status, body["result"].as_str()), (200, Some("stored")), "{body}");
        let stored = rows(
            db,
            &format!(
                "SELECT outcome || '|' || CAST(periods AS TEXT) || '|' || started_at || '|' || ended_at
                   || '|' || family_practice || '|' || guardian_confirmed_by
                   || '|' || CAST(record_version AS TEXT) || '|' || CAST(ROUND(latitude) AS TEXT)
                 FROM visits WHERE id = {first}"
            ),
        );
        assert!(
            stored[0].starts_with("completed|3|08:40|10:50|晚饭前一起数碗筷|李强|1|40"),
            "{stored:?}"
        );
        let notes = rows(
            db,
            &format!("SELECT text || '|' || response FROM visit_goal_notes WHERE visit_id = {first}"),
        );
        assert_eq!(notes, ["数 1 到 10，用积木|能数到 8，注意力 15 分钟"]);
        let files = rows(
            db,
            &format!("SELECT kind || ' ' || CAST(id AS TEXT) FROM visit_files WHERE visit_id = {first} ORDER BY id"),
        );
        assert_eq!(files.len(), 2, "{files:?}");
        let photo_id = files[1].strip_prefix("photo ").expect("a photo").to_string();

        // The same record sent again (the phone did not hear the answer): stored once.
        let (status, body) = send(&server, &t01, first, completed(goal, "phone-key-1", (0, 0))).await;
        assert_eq!((status, body["result"].as_str()), (200, Some("repeated")), "{body}");
        let count = |sql: String| rows(db, &sql)[0].clone();
        assert_eq!(count(format!("SELECT CAST(record_version AS TEXT) FROM visits WHERE id = {first}")), "1");
        assert_eq!(count(format!("SELECT CAST(COUNT(*) AS TEXT) FROM visit_files WHERE visit_id = {first}")), "2");
        assert_eq!(count("SELECT CAST(COUNT(*) AS TEXT) FROM record_submissions".into()), "1");

        // A record made on the visit as it was before: refused as a change.
        let (status, body) = send(&server, &t01, first, completed(goal, "phone-key-2", (0, 0))).await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["current"]["outcome"], "完成");
        assert_eq!(body["current"]["seen"]["record_version"], 1);
        assert_eq!(count(format!("SELECT CAST(record_version AS TEXT) FROM visits WHERE id = {first}")), "1");

        // The photo, without its location, for those who may see the child.
        let photo_path = format!("/visits/{first}/files/{photo_id}");
        let response = get(&server, Some(&t01), &photo_path).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        let bytes = response.bytes().await.unwrap();
        let jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes.clone()).unwrap();
        assert_eq!(jpeg.dimensions(), Some((320, 240)), "the picture itself is kept");
        assert!(
            img_parts::ImageEXIF::exif(&jpeg).is_none(),
            "no EXIF left (its GPS position and the phone's make)"
        );
        assert!(!bytes.windows(9).any(|w| w == b"TestPhone"));
        for (email, status) in [
            ("t02@example.org", 200),       // S001's backup teacher
            ("chengguan@example.org", 200), // the school's coordinator
            ("dongshan@example.org", 404),  // a supervisor: never a child's photo
        ] {
            let session = log_in(&server, email).await;
            let response = get(&server, Some(&session), &photo_path).await;
            assert_eq!(response.status(), status, "{email}");
        }

        // Another teacher: the visit does not exist for them.
        let t02 = log_in(&server, "t02@example.org").await;
        let response = get(&server, Some(&t02), &format!("/visits/{first}/record")).await;
        assert_eq!(response.status(), 404);
        let (status, _) = send(&server, &t02, first, completed(goal, "t02-key", (1, 0))).await;
        assert_eq!(status, 404);

        // A visit whose slot has not begun.
        let (status, body) = send(&server, &t01, later, completed(goal, "early", (0, 0))).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["problems"][0].as_str().unwrap().contains("还没有开始"), "{body}");

        // Files that are not photos, or too large: refused, nothing changed.
        let big = vec![0xFFu8; 10 * 1024 * 1024];
        for (bytes, name, words) in [
            (big, "big.jpg", "照片太大"),
            (b"shopping list: rice, eggs".to_vec(), "list.jpg", "不是照片"),
        ] {
            let form = completed(goal, &format!("file-{name}"), (1, 0))
                .part("photo", Part::bytes(bytes).file_name(name));
            let (status, body) = send(&server, &t01, first, form).await;
            assert_eq!(status, 422, "{name}: {body}");
            let problems = body["problems"].to_string();
            assert!(problems.contains(words) && problems.contains(name), "{problems}");
        }
        assert_eq!(count(format!("SELECT CAST(record_version AS TEXT) FROM visits WHERE id = {first}")), "1");

        // The rules of the command line: a missed visit needs a reason.
        let missed = Form::new().text("outcome", "missed").text("key", "missed-1");
        let (status, body) = send(&server, &t01, first, missed).await;
        assert_eq!(status, 422);
        assert!(body["problems"].to_string().contains("请选择原因"), "{body}");

        // Without the page's script the form comes back with what was typed and why.
        let response = client()
            .post(format!("{}/visits/{first}/record", server.base))
            .header("cookie", format!("songjiao_session={t01}"))
            .header("origin", &server.base)
            .multipart(Form::new().text("outcome", "missed").text("note", "敲门无人应答"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        let refused = response.text().await.unwrap();
        assert!(refused.contains("请选择原因") && refused.contains("敲门无人应答"), "{refused}");

        // A correction by the teacher, without the page's script: the week follows.
        let correction = completed(goal, "fix-1", (1, 0))
            .text("remove_file", photo_id.clone());
        let response = client()
            .post(format!("{}/visits/{first}/record", server.base))
            .header("cookie", format!("songjiao_session={t01}"))
            .header("origin", &server.base)
            .multipart(correction)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let week = first_day.format("%G-W%V").to_string();
        assert_eq!(
            response.headers()["location"],
            format!("/?week={week}#visit-{first}").as_str()
        );
        assert_eq!(get(&server, Some(&t01), &photo_path).await.status(), 404, "removed");
        let week_page = page(&server, &t01, &format!("/?week={week}")).await;
        assert!(week_page.contains("已记录"), "{week_page}");

        // Locked after 30 days: the teacher cannot change it any more.
        server.advance(Duration::days(40));
        let t01 = log_in(&server, "t01@example.org").await;
        let (status, body) = send(&server, &t01, first, completed(goal, "late", (2, 0))).await;
        assert_eq!(status, 423, "{body}");
        assert!(body["problems"].to_string().contains("特教专干"), "{body}");
        server.stop().await;
    });
}

fn a_record_holds_at_most_three_photos(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    let visits = visits_of_s001(db);
    let goal = goal_of_s001(db);
    let (first, first_day) = visits[0];
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        server.advance(Duration::days((first_day - now().date_naive()).num_days()));
        let t01 = log_in(&server, "t01@example.org").await;
        let mut form = completed(goal, "four", (0, 0));
        for i in 0..3 {
            form = form.part(
                "photo",
                Part::bytes(PHOTO).file_name(format!("more-{i}.jpg")),
            );
        }
        let (status, body) = send(&server, &t01, first, form).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["problems"].to_string().contains("最多 3 张"), "{body}");
        let files = rows(db, "SELECT CAST(COUNT(*) AS TEXT) FROM visit_files");
        assert_eq!(files, ["0"], "nothing kept of a refused record");
        server.stop().await;
    });
}

fn a_teachers_leave_reaches_the_coordinators_and_counts_once_approved(db: &TestDb) {
    district(db);
    let settings = settings_for(db);
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let t01 = log_in(&server, "t01@example.org").await;
        let send = |form: Vec<(&'static str, &'static str)>| {
            client()
                .post(format!("{}/leave", server.base))
                .header("cookie", format!("songjiao_session={t01}"))
                .header("origin", &server.base)
                .form(&form)
                .send()
        };
        // A leave that ends before it begins: told, nothing kept.
        let response = send(vec![("from", "2026-12-11"), ("to", "2026-12-07"), ("reason", "培训")])
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("结束日期不能早于开始日期"));
        let response = send(vec![("from", "2026-12-07"), ("to", "2026-12-11"), ("reason", "市级培训")])
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/leave?sent=1");
        let mine = page(&server, &t01, "/leave?sent=1").await;
        assert!(mine.contains("等待特教专干批准") && mine.contains("待批准") && mine.contains("市级培训"), "{mine}");

        // The coordinators of the teacher's school hear of it, in the same transaction.
        let told = rows(
            db,
            "SELECT recipient FROM outbox WHERE kind = 'leave' ORDER BY recipient",
        );
        assert_eq!(told, ["center@example.org", "chengguan@example.org"]);
        let body = rows(db, "SELECT body_text FROM outbox WHERE kind = 'leave' LIMIT 1");
        assert!(body[0].contains("王芳") && body[0].contains("2026-12-07") && body[0].contains("/leave"), "{body:?}");

        // Not counted until approved; approved on the command line, then counted.
        let id = rows(db, "SELECT CAST(id AS TEXT) FROM teacher_leaves WHERE status = 'requested'")[0].clone();
        let waiting = db.ok(&["teacher", "leave", "list", "--waiting"]);
        assert!(waiting.contains("市级培训") && waiting.contains("待批准"), "{waiting}");
        let supervisor = log_in(&server, "dongshan@example.org").await;
        assert_ne!(get(&server, Some(&supervisor), "/leave").await.status(), 200);
        let approved = db.ok(&["teacher", "leave", "approve", &id]);
        assert!(approved.contains("已批准"), "{approved}");
        db.ok(&["--as-of", "2026-12-04", "plan-week", "--week", "2026-W50"]);
        let on_leave = rows(
            db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM visits WHERE teacher_id = 'T01' AND status = 'planned'
               AND day >= '2026-12-07' AND day <= '2026-12-11'",
        );
        assert_eq!(on_leave, ["0"], "no visit for T01 while on leave");
        let backup = rows(
            db,
            "SELECT DISTINCT v.teacher_id FROM visits v JOIN plans p ON p.id = v.plan_id
             WHERE p.student_id = 'S001' AND v.status = 'planned' AND v.day >= '2026-12-07' AND v.day <= '2026-12-11'",
        );
        assert_eq!(backup, ["T02"], "S001 taught by the backup teacher that week");
        let told = rows(db, "SELECT recipient FROM outbox WHERE kind = 'leave' AND subject LIKE '%批准%' AND recipient LIKE 't01%'");
        assert_eq!(told, ["t01@example.org"], "the teacher hears the answer");

        // A second request, declined on the coordinator's page.
        send(vec![("from", "2026-12-14"), ("to", "2026-12-14"), ("reason", "家事")])
            .await
            .unwrap();
        let coordinator = log_in(&server, "chengguan@example.org").await;
        let list = page(&server, &coordinator, "/leave").await;
        assert!(list.contains("家事") && list.contains("不批准"), "{list}");
        let id = rows(db, "SELECT CAST(id AS TEXT) FROM teacher_leaves WHERE status = 'requested'")[0].clone();
        let response = client()
            .post(format!("{}/leave/{id}/decline", server.base))
            .header("cookie", format!("songjiao_session={coordinator}"))
            .header("origin", &server.base)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let status = rows(db, &format!("SELECT status FROM teacher_leaves WHERE id = {id}"));
        assert_eq!(status, ["declined"]);

        // Half a day: the afternoon of Wednesday 16 December only.
        let form = page(&server, &t01, "/leave").await;
        assert!(form.contains("全天或半天") && form.contains("下午"), "{form}");
        let response = send(vec![
            ("from", "2026-12-16"),
            ("to", "2026-12-16"),
            ("half_day", "PM"),
            ("reason", "教研活动"),
        ])
        .await
        .unwrap();
        assert_eq!(response.status(), 303);
        let slots = rows(db, "SELECT slots FROM teacher_leaves WHERE status = 'requested'");
        assert_eq!(slots, ["Wed-PM"]);
        let list = page(&server, &coordinator, "/leave").await;
        assert!(list.contains("教研活动") && list.contains("周三下午"), "{list}");
        let asked = rows(db, "SELECT subject FROM outbox WHERE kind = 'leave' AND body_text LIKE '%教研活动%' LIMIT 1");
        assert!(asked[0].contains("（周三下午）"), "{asked:?}");
        server.stop().await;
    });
}

on_both_databases!(
    a_teacher_records_a_visit_with_a_signature_and_a_photo,
    a_record_holds_at_most_three_photos,
    a_teachers_leave_reaches_the_coordinators_and_counts_once_approved,
);
