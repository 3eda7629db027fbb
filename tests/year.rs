//! The year in a test: the daemon's scheduler driven through the 2026-2027 school
//! year with an injected clock (jumping from one scheduled time to the next), the
//! real job code, and a real SMTP server. Teachers record their visits each Sunday;
//! S002's family is away for six weeks in September and October; the daemon is down for a
//! weekend in March.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use common::TestDb;
use common::mail::{SmtpServer, date_subject_text, free_port};
use songjiao::config::{MailTransport, Settings, SmtpSecurity};
use songjiao::daemon::{next_wake, run_due, scheduled_jobs};
use songjiao::domain::pace::{Pace, PlanDays, Rhythm, Status, Tally};
use songjiao::domain::visit::Outcome;
use songjiao::service::progress::progress;
use songjiao::service::visits::RecordRules;
use songjiao::store::visits::{self, RecordInput};
use songjiao::store::{Actor, Store};

/// The six weeks S002's family is away, from Monday 14 September: two weeks into
/// the year, when the child is on the expected line. (A child visited twice every
/// week runs ahead of the line, which counts teaching days: 80 visits at that rhythm
/// for 72 owed. One who is ahead is told of when it is more than one visit behind,
/// which can be a week later than its second missed visit.)
fn away(day: NaiveDate) -> bool {
    (NaiveDate::from_ymd_opt(2026, 9, 14).unwrap()..=NaiveDate::from_ymd_opt(2026, 10, 25).unwrap())
        .contains(&day)
}

/// Records every visit of the week ending on `sunday` (S002's as missed while away);
/// returns the days of S002's missed visits.
async fn record_week(
    store: &Store,
    settings: &Settings,
    sunday: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<NaiveDate> {
    let mut missed = Vec::new();
    let actor = Actor("teachers".into());
    let mut tx = store.write(&actor, now).await.unwrap();
    let week = visits::planned_between(&mut tx, sunday - Duration::days(6), sunday)
        .await
        .unwrap();
    for visit in week.into_iter().filter(|v| v.outcome.is_none()) {
        let away = visit.student_id == "S002" && away(visit.day);
        if away {
            missed.push(visit.day);
        }
        let row = visits::visit_for_record(&mut tx, visit.visit_id)
            .await
            .unwrap()
            .unwrap();
        let input = RecordInput {
            outcome: if away {
                Outcome::Missed
            } else {
                Outcome::Completed
            },
            periods: None,
            reason: away.then(|| "family_unavailable".to_string()),
            mode: None,
            details: Default::default(),
        };
        songjiao::service::visits::record_in(
            &mut tx,
            &row,
            input,
            &RecordRules::new(settings, now).unwrap(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    missed
}

fn a_school_year_under_the_daemon(db: &TestDb) {
    db.ok(&["init"]);
    db.import("teachers", common::TEACHERS);
    db.import("students", common::STUDENTS);
    // The whole year: from the first teaching day to the last (set up in August).
    db.import_as_of(
        "2026-08-20",
        "plans",
        "student_id,school_year,teacher_id,backup_teacher_id\n\
         S001,2026-2027,T01,T02\nS002,2026-2027,T01,\nS003,2026-2027,T02,T01\n",
    );
    db.ok(&[
        "supervisor",
        "add",
        "--name",
        "赵督导",
        "--email",
        "zhao@example.org",
    ]);
    let server = SmtpServer::start(free_port(), &db.dir.path().join("received"));

    let mut settings = Settings::defaults();
    settings.database.url = db.url.clone();
    settings.mail.transport = MailTransport::Smtp;
    settings.smtp.host = "127.0.0.1".into();
    settings.smtp.port = server.port;
    settings.smtp.security = SmtpSecurity::None;
    // A copy every Sunday night of the year, the newest three kept.
    settings.jobs.backup = "0 2 * * SUN".into();
    settings.backup.dir = db.dir.path().join("backups");
    settings.backup.keep = 3;
    // Accelerated: the outbox is drained every six hours instead of every minute.
    settings.jobs.drain_outbox = "0 */6 * * *".into();
    let jobs = scheduled_jobs(&settings).unwrap();
    let actor = songjiao::service::Actor::new("daemon");
    let zone = settings.time_zone;
    let down_from: DateTime<Utc> = "2027-03-12T12:00:00Z".parse().unwrap(); // Friday evening
    let down_until: DateTime<Utc> = "2027-03-15T02:00:00Z".parse().unwrap(); // Monday 10:00

    let (runs, behind_since, missed_days, behind_row) = common::runtime().block_on(async {
        let store = Store::open(&settings.database, false).await.unwrap();
        let mut now: DateTime<Utc> = "2026-08-28T00:00:00Z".parse().unwrap();
        let end: DateTime<Utc> = "2027-07-05T00:00:00Z".parse().unwrap();
        let mut runs = Vec::new();
        let mut behind_since: Option<NaiveDate> = None;
        let mut behind_row = None;
        let mut missed_days = Vec::new();
        let calendar = settings
            .calendar(songjiao::domain::calendar::SchoolYear::starting(2026))
            .unwrap();
        while now < end {
            if !(down_from..down_until).contains(&now) {
                for (job, tick, result) in run_due(&store, &settings, &actor, &jobs, now).await {
                    assert!(result.is_ok(), "{job:?} at {tick}: {result:?}");
                    runs.push((job.name(), tick, now));
                    // When did S002 first fall behind after the family went away?
                    let day = tick.with_timezone(&zone).date_naive();
                    if job.name() == "check_pace"
                        && behind_since.is_none()
                        && day >= NaiveDate::from_ymd_opt(2026, 9, 14).unwrap()
                    {
                        let mut tx = store.read().await.unwrap();
                        let rows = progress(&mut tx, &settings, &calendar, tick).await.unwrap();
                        tx.rollback().await.unwrap();
                        if let Some(row) = rows
                            .iter()
                            .find(|r| r.student_id == "S002" && r.status != Status::OnTrack)
                        {
                            behind_since = Some(day);
                            behind_row = Some(row.clone());
                        }
                    }
                }
            }
            // Teachers record the week on Sunday evening.
            let local = now.with_timezone(&zone);
            if local.weekday() == Weekday::Sun && local.time().format("%H").to_string() == "18" {
                missed_days.extend(record_week(&store, &settings, local.date_naive(), now).await);
            }
            let wake = next_wake(&jobs, now, &settings).unwrap();
            let sunday_evening = {
                let date = local.date_naive();
                let days = (7 - date.weekday().num_days_from_sunday()) % 7;
                (date + Duration::days(i64::from(days)))
                    .and_hms_opt(18, 0, 0)
                    .and_then(|t| t.and_local_timezone(zone).earliest())
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap()
            };
            let resume = if (down_from..down_until).contains(&wake) {
                down_until
            } else {
                wake
            };
            now = [resume, sunday_evening]
                .into_iter()
                .filter(|t| *t > now)
                .min()
                .unwrap();
        }
        store.close().await;
        (
            runs,
            behind_since.expect("S002 fell behind"),
            missed_days,
            behind_row.expect("S002's figures when it fell behind"),
        )
    });

    // Every run once; plan-week every Friday (holiday weeks plan nothing).
    let mut seen = BTreeSet::new();
    for (job, tick, _) in &runs {
        assert!(seen.insert((*job, *tick)), "{job} ran twice for {tick}");
    }
    let plan_weeks = runs
        .iter()
        .filter(|(job, _, _)| *job == "plan_week")
        .count();
    assert!(plan_weeks >= 40, "{plan_weeks} plan-week runs");
    // The restart on Monday caught up once: this morning's check-pace, late.
    let caught_up: Vec<_> = runs.iter().filter(|(_, _, at)| *at == down_until).collect();
    assert_eq!(
        caught_up
            .iter()
            .filter(|(job, _, _)| *job == "check_pace")
            .count(),
        1,
        "{caught_up:?}"
    );
    assert!(
        !caught_up.iter().any(|(job, _, _)| *job == "plan_week"),
        "the week had started"
    );

    // What the mail server received.
    let mut schedules: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut alerts = Vec::new();
    for text in server.received() {
        let to = text
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap_or_default()
            .to_string();
        let subject = text
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_string();
        if text.contains("visits.ics") {
            let week = subject
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            *schedules.entry((to, week)).or_default() += 1;
        } else if to.contains("zhao@") {
            alerts.push(text);
        }
    }
    assert!(
        schedules.len() >= 2 * 36,
        "{} weekly schedules",
        schedules.len()
    );
    assert!(
        schedules.values().all(|&n| n == 1),
        "each teacher gets each week's schedule once: {schedules:?}"
    );
    assert!(!alerts.is_empty(), "the supervisor heard about S002");
    let bodies: Vec<String> = alerts.iter().map(|a| date_subject_text(a)).collect();
    // The family was away from Monday 14 September: the alert went out within a
    // week of S002 falling behind (each message's first line is its date).
    let opened = bodies
        .iter()
        .position(|b| {
            b.lines().next().unwrap_or_default() >= "2026-09-14"
                && b.contains("王欣怡")
                && (b.contains("新出现进度问题") || b.contains("情况加重"))
        })
        .expect("S002's alert after the family went away");
    let sent_on: NaiveDate = bodies[opened].lines().next().unwrap().parse().unwrap();
    assert!(
        sent_on >= behind_since && sent_on - behind_since <= Duration::days(7),
        "S002 fell behind on {behind_since}; the alert went out on {sent_on}"
    );
    // Within a week of the second missed visit (the teacher records on Sunday).
    assert!(missed_days.len() >= 10, "six weeks away: {missed_days:?}");
    let second_missed = missed_days[1];
    assert!(
        sent_on - second_missed <= Duration::days(7),
        "the second visit was missed on {second_missed}; the alert went out on {sent_on}"
    );
    // And at least four weeks before the child could no longer reach the target if
    // nothing more were delivered: the year could still be saved.
    let calendar = settings
        .calendar(songjiao::domain::calendar::SchoolYear::starting(2026))
        .unwrap();
    let (start, end) = calendar.teaching_span().unwrap();
    let days = PlanDays::new(&calendar, start, end, &[]);
    let rhythm = Rhythm {
        target: 216,
        visits_per_week: 2,
        periods_per_visit: 3,
        max_visits_per_week: 3,
    };
    let frozen = Tally {
        delivered: behind_row.delivered,
        pending: behind_row.pending,
        ..Tally::default()
    };
    let unreachable_on = (0..400)
        .map(|d| sent_on + Duration::days(d))
        .find(|&day| Pace::at(&days, rhythm, &frozen, day).status == Status::Unreachable)
        .expect("with nothing more delivered the target is out of reach some day");
    assert!(
        unreachable_on - sent_on >= Duration::days(28),
        "alerted on {sent_on}, out of reach from {unreachable_on}"
    );
    assert!(
        bodies[opened..]
            .iter()
            .any(|b| b.contains("已恢复正常") && b.contains("王欣怡")),
        "after make-up visits a recovery note: {bodies:#?}"
    );
}

on_both_databases!(a_school_year_under_the_daemon);
