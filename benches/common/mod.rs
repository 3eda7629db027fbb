//! A large generated district as the three spreadsheets a coordinator imports,
//! shared by the benchmarks.
//! Each bench uses part of it.
#![allow(dead_code)]

use std::fmt::Write as _;

use songjiao::import::records::Kind;

/// A district the size the issues name: 10,000 students, one teacher for four.
pub const STUDENTS: usize = 10_000;
const SLOTS: [&str; 10] = [
    "Mon-AM", "Mon-PM", "Tue-AM", "Tue-PM", "Wed-AM", "Wed-PM", "Thu-AM", "Thu-PM", "Fri-AM",
    "Fri-PM",
];

/// `count` of the week's slots, starting at `seed`, every third one (3 and 10 are
/// coprime, so a sequence never repeats a slot).
fn slots(seed: usize, count: usize) -> String {
    (0..count)
        .map(|k| SLOTS[(seed * 7 + k * 3) % SLOTS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A family's slots: five of its teacher's nine, each family of a teacher shifted,
/// so that most but not all visits can be placed with the responsible teacher.
fn family_slots(teacher: usize, nth_of_teacher: usize) -> String {
    (0..5)
        .map(|k| SLOTS[(teacher * 7 + (nth_of_teacher * 2 + k) % 9 * 3) % SLOTS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn district(count: usize) -> [(Kind, String); 3] {
    let teachers_count = (count / 4).max(1);
    let mut teachers = String::from("teacher_id,name,email,school,available,max_visits_per_day\n");
    for t in 0..teachers_count {
        let _ = writeln!(
            teachers,
            "T{t:05},教师{t},t{t}@example.org,第{}学校,{},2",
            t % 200,
            slots(t, 9)
        );
    }
    let mut students = String::from(
        "student_id,name,gender,birth_date,disability,guardian_name,guardian_phone,address,school,available\n",
    );
    let mut plans = String::from(
        "student_id,school_year,teacher_id,backup_teacher_id,visits_per_week,periods_per_visit,annual_target,start_date,end_date,goals\n",
    );
    for s in 0..count {
        let _ = writeln!(
            students,
            "S{s:06},学生{s},{},201{}-0{}-1{},智力残疾,家长{s},1380000{:04},某镇某路{s}号,第{}学校,{}",
            if s % 2 == 0 { "男" } else { "女" },
            s % 10,
            1 + s % 9,
            s % 10,
            s % 10_000,
            s % 200,
            family_slots(s % teachers_count, s / teachers_count)
        );
        let teacher = s % teachers_count;
        let _ = writeln!(
            plans,
            "S{s:06},2026-2027,T{teacher:05},T{:05},,,,,,认识数字；能自己穿衣；能表达需求",
            (teacher + 1) % teachers_count
        );
    }
    [
        (Kind::Teachers, teachers),
        (Kind::Students, students),
        (Kind::Plans, plans),
    ]
}

/// Imports a district of `students` into the database at `url` (a new SQLite file
/// in `dir` when None), through the same code path as `songjiao import`; prints
/// each file's time.
pub async fn import_district(
    dir: &std::path::Path,
    url: Option<&str>,
    students: usize,
) -> anyhow::Result<(songjiao::config::Settings, songjiao::store::Store, f64)> {
    use songjiao::store::Store;
    let mut settings = songjiao::config::Settings::defaults();
    settings.calendar.dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/calendar").into();
    settings.database.url = match url {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    let store = Store::open(&settings.database, true).await?;
    store.migrate().await?;
    let actor = songjiao::service::Actor::new("bench");
    let mut students_and_plans = 0.0;
    for (kind, text) in district(students) {
        let name = format!("{kind:?}.csv");
        std::fs::write(dir.join(&name), &text)?;
        let started = std::time::Instant::now();
        // Set up in August, before the year: plans without dates cover the whole year.
        let august: chrono::DateTime<chrono::Utc> = "2026-08-20T01:00:00Z".parse()?;
        let upload = songjiao::service::imports::Upload::new(&name, text.as_bytes());
        let report = songjiao::service::imports::import(
            &store, &settings, &actor, august, kind, upload, false,
        )
        .await?;
        let seconds = started.elapsed().as_secs_f64();
        if kind != Kind::Teachers {
            students_and_plans += seconds;
        }
        println!(
            "import {kind:?}: {} rows ({} new) in {seconds:.2} s",
            report.rows, report.created
        );
    }
    Ok((settings, store, students_and_plans))
}

/// A new empty PostgreSQL database `songjiao_bench` beside `admin`'s; its URL.
pub async fn fresh_postgres(admin: &str) -> anyhow::Result<String> {
    drop_postgres(admin).await?;
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(admin).await?;
    sqlx::query("CREATE DATABASE songjiao_bench")
        .execute(&mut connection)
        .await?;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    Ok(format!("{base}/songjiao_bench"))
}

/// Runs `measure` (a database's name and URL; None for a SQLite file of its
/// own) on SQLite, then on a fresh PostgreSQL database when
/// `SONGJIAO_TEST_POSTGRES_URL` names a server.
pub async fn on_both_databases<F, Measured>(measure: F) -> anyhow::Result<()>
where
    F: Fn(&'static str, Option<String>) -> Measured,
    Measured: std::future::Future<Output = anyhow::Result<()>>,
{
    measure("SQLite", None).await?;
    if let Ok(admin) = std::env::var("SONGJIAO_TEST_POSTGRES_URL") {
        let url = fresh_postgres(&admin).await?;
        measure("PostgreSQL", Some(url)).await?;
        drop_postgres(&admin).await?;
    } else {
        println!("PostgreSQL: skipped (set SONGJIAO_TEST_POSTGRES_URL to measure it too)");
    }
    Ok(())
}

pub async fn drop_postgres(admin: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(admin).await?;
    sqlx::query("DROP DATABASE IF EXISTS songjiao_bench WITH (FORCE)")
        .execute(&mut connection)
        .await?;
    Ok(())
}

/// `hour`:00 on `day` in the district's zone.
pub fn local_time(
    settings: &songjiao::config::Settings,
    day: chrono::NaiveDate,
    hour: u32,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let local = day.and_hms_opt(hour, 0, 0).expect("a valid time");
    settings
        .time_zone
        .from_local_datetime(&local)
        .single()
        .expect("an unambiguous local time")
        .with_timezone(&chrono::Utc)
}

/// The `p` quantile (0 to 1) of sorted times.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
