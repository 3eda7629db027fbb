//! The check-pace job: every plan's status against its alert state; supervisors
//! told in one email each per run, in the transaction that changes the alerts.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::domain::alert::{Decision, OpenAlert, decide};
use crate::domain::calendar::SchoolYear;
use crate::domain::exception::{self, Exceptions};
use crate::notify::group::{GroupAlert, GroupStudent, RobotOwner, robot_owners};
use crate::notify::mail::{AlertChange, AlertGroup, AlertMail, StudentFigures};
use crate::service::Actor;
use crate::service::ServiceError;
use crate::service::progress::{ProgressRow, progress};
use crate::service::simulate;
use crate::store::Store;
use crate::store::alerts::{self, Supervisor};
use crate::store::outbox::{self, NewMessage};
use crate::store::readings::{self, NewReading};
use crate::store::visits;

#[derive(Debug, Default, Serialize)]
pub struct CheckReport {
    pub opened: usize,
    pub raised: usize,
    pub lowered: usize,
    pub reminded: usize,
    pub recovered: usize,
    pub emails: usize,
    /// Messages queued for group robots (DingTalk, WeCom).
    pub group_posts: usize,
    /// Alerts that opened or changed with no supervisor to tell: the operators
    /// were told instead (when there are any).
    pub nobody_told: usize,
    /// Plans whose year's end was projected after the reading.
    pub projected: usize,
}

/// Something a supervisor is told about one child.
struct Notice<'a> {
    decision: Decision,
    row: &'a ProgressRow,
}

fn change(decision: Decision) -> Option<AlertChange> {
    match decision {
        Decision::Raise(_) => Some(AlertChange::Worse),
        Decision::Open(_) => Some(AlertChange::New),
        Decision::Remind => Some(AlertChange::Still),
        Decision::Recover => Some(AlertChange::Recovered),
        Decision::Nothing | Decision::Lower(_) => None,
    }
}

/// A child as supervisors see them in an alert: name, school, status and figures.
pub(crate) fn figures(r: &ProgressRow) -> StudentFigures<'_> {
    StudentFigures {
        student_id: &r.student_id,
        name: &r.name,
        school: &r.school,
        status: r.status,
        delivered: r.delivered,
        pending: r.pending,
        expected: r.expected,
        target: r.target,
        since: None,
    }
}

/// One recipient's message, the worst news first (no diagnosis, address or
/// phone: those stay behind the login).
fn message(
    recipient: &Supervisor,
    notices: &[&Notice],
    to_operators: bool,
    settings: &Settings,
    now: DateTime<Utc>,
) -> NewMessage {
    let mut groups: BTreeMap<AlertChange, Vec<StudentFigures>> = BTreeMap::new();
    for notice in notices {
        if let Some(change) = change(notice.decision) {
            groups.entry(change).or_default().push(figures(notice.row));
        }
    }
    let mail = AlertMail {
        name: &recipient.name,
        count: notices.len(),
        groups: groups
            .into_iter()
            .map(|(change, children)| AlertGroup { change, children })
            .collect(),
        to_operators,
        link: &settings.web.public_url,
    }
    .render(settings.locale);
    NewMessage {
        idempotency_key: format!("pace:{}:{}", recipient.id, now.format("%Y%m%dT%H%M%S%.6fZ")),
        kind: if to_operators { "operator" } else { "alert" },
        channel: crate::store::outbox::Channel::Email,
        recipient: recipient.email.clone(),
        subject: mail.subject,
        body_text: mail.text,
        body_html: mail.html,
        attachments: Vec::new(),
    }
}

/// A robot owner's copy: short names, no diagnosis, address or phone, split
/// to each platform's size.
fn group_messages(
    owner: &RobotOwner,
    notices: &[&Notice],
    settings: &Settings,
    now: DateTime<Utc>,
) -> Vec<NewMessage> {
    let link = settings.web.public_url.as_str();
    let mut children: Vec<(AlertChange, GroupStudent)> = notices
        .iter()
        .filter_map(|n| {
            let child = GroupStudent::new(&figures(n.row), link);
            Some((change(n.decision)?, child))
        })
        .collect();
    children.sort_by_key(|(change, _)| *change);
    let key = format!("pace:{}", now.format("%Y%m%dT%H%M%S%.6fZ"));
    owner.messages("alert", &key, |limit| {
        GroupAlert::render(children.len(), &children, link, settings.locale, limit)
    })
}

pub async fn run(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<CheckReport, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let calendar = settings
        .calendar(SchoolYear::containing(today))
        .map_err(ServiceError::Settings)?;
    let repeat = Duration::days(i64::from(settings.alerts.repeat_interval_days));
    // Each plan's pace is worked out from a snapshot, while teachers go on
    // recording; the alerts are decided in the write transaction from the alerts
    // as they are then (one acknowledged meanwhile stays acknowledged).
    let mut read = store.snapshot().await?;
    let rows = progress(&mut read, settings, &calendar, now).await?;
    let recent = visits::recent_by_plan(
        &mut read,
        today - Duration::days(exception::LOOK_BACK_DAYS),
        today - Duration::days(1),
    )
    .await?;
    read.rollback().await?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let open: BTreeMap<i64, alerts::AlertRow> = alerts::list(&mut tx, true)
        .await?
        .into_iter()
        .map(|a| (a.plan_id, a))
        .collect();
    let mut report = CheckReport::default();
    let mut notices = Vec::new();
    for row in &rows {
        let alert = open.get(&row.plan_id);
        let state = alert.map(|a| OpenAlert {
            severity: a.severity,
            last_notified_at: a.last_notified_at,
            acknowledged: a.acknowledged_at.is_some(),
        });
        let decision = decide(state.as_ref(), row.status, now, repeat);
        match (decision, alert) {
            (Decision::Nothing, _) => continue,
            (Decision::Open(status), _) => {
                alerts::open(&mut tx, row.plan_id, status).await?;
                report.opened += 1;
            }
            (Decision::Raise(status), Some(a)) => {
                alerts::set_severity(&mut tx, a.id, status, true).await?;
                report.raised += 1;
            }
            (Decision::Lower(status), Some(a)) => {
                alerts::set_severity(&mut tx, a.id, status, false).await?;
                report.lowered += 1;
                continue;
            }
            (Decision::Remind, Some(a)) => {
                alerts::reminded(&mut tx, a.id).await?;
                report.reminded += 1;
            }
            (Decision::Recover, Some(a)) => {
                alerts::resolve(&mut tx, a.id).await?;
                report.recovered += 1;
            }
            (_, None) => continue,
        }
        notices.push(Notice { decision, row });
    }

    // Each child's news goes to the school's supervisors; a rise also goes to the
    // district's, and so does everything for a school that has no supervisor.
    // A configured group robot follows its school (or the district) the same way.
    let supervisors = alerts::supervisors(&mut tx).await?;
    let owners = robot_owners(&supervisors, settings);
    let followers = supervisors
        .iter()
        .map(|s| (s.id.as_str(), s.schools.as_deref()))
        .chain(
            owners
                .iter()
                .filter(|o| o.group)
                .map(|o| (o.recipient.as_str(), o.schools.as_deref())),
        );
    let mut by_recipient: BTreeMap<&str, Vec<&Notice>> = BTreeMap::new();
    for (recipient, follows) in followers {
        for notice in &notices {
            let school = notice.row.school.as_str();
            let has_school_supervisor = supervisors
                .iter()
                .any(|s| s.schools.is_some() && s.follows(school));
            let own_school = follows.is_some() && alerts::follows(follows, school);
            let district = follows.is_none()
                && (matches!(notice.decision, Decision::Raise(_)) || !has_school_supervisor);
            if own_school || district {
                by_recipient.entry(recipient).or_default().push(notice);
            }
        }
    }
    let mut messages: Vec<NewMessage> = supervisors
        .iter()
        .filter_map(|s| {
            let mine = by_recipient.get(s.id.as_str())?;
            Some(message(s, mine, false, settings, now))
        })
        .collect();
    for owner in &owners {
        if let Some(mine) = by_recipient.get(owner.recipient.as_str()) {
            messages.extend(group_messages(owner, mine, settings, now));
        }
    }
    // An alert nobody hears of is a child silently losing the year: the operators
    // are told, and `alert list` shows it until a supervisor hears of it.
    let told: std::collections::HashSet<i64> = by_recipient
        .values()
        .flatten()
        .map(|n| n.row.plan_id)
        .collect();
    let untold: Vec<&Notice> = notices
        .iter()
        .filter(|n| !told.contains(&n.row.plan_id) && !matches!(n.decision, Decision::Recover))
        .collect();
    for notice in &notices {
        if !matches!(notice.decision, Decision::Recover) {
            let nobody = !told.contains(&notice.row.plan_id);
            alerts::set_nobody_told(&mut tx, notice.row.plan_id, nobody).await?;
        }
    }
    report.nobody_told = untold.len();
    if !untold.is_empty() {
        tracing::warn!(
            alerts = untold.len(),
            "alerts with no supervisor to tell: register one (supervisor add) for their schools or the district"
        );
        messages.extend(settings.mail.operators.iter().map(|operator| {
            let recipient = Supervisor {
                id: format!("operator:{operator}"),
                name: operator.clone(),
                email: operator.clone(),
                schools: None,
                robots: Default::default(),
            };
            message(&recipient, &untold, true, settings, now)
        }));
    }
    let (posts, emails) = outbox::by_channel(messages);
    report.emails = outbox::enqueue(&mut tx, emails).await?;
    report.group_posts = outbox::enqueue(&mut tx, posts).await?;
    let readings: Vec<NewReading> = rows
        .iter()
        .map(|r| NewReading {
            plan_id: r.plan_id,
            status: r.status,
            delivered: r.delivered,
            pending: r.pending,
            expected: r.expected,
            target: r.target,
            exceptions: recent
                .get(&r.plan_id)
                .map(|visits| Exceptions::of(visits, today, r.start_date))
                .unwrap_or_default(),
        })
        .collect();
    tx.commit().await?;
    // Each plan's reading stands alone (a reading of one plan is never read
    // against another's): written in parts, so that a teacher recording at the
    // door does not wait for the district's 10,000.
    for part in readings.chunks(READINGS_PER_WRITE) {
        let mut tx = store.write(&actor.audit(), now).await?;
        readings::save(&mut tx, part).await?;
        tx.commit().await?;
    }
    // The alerts are out; the projection to the year's end is a second step
    // that never holds them back.
    match project_year_end(store, settings, actor, now, &calendar).await {
        Ok(plans) => report.projected = plans,
        Err(error) => tracing::warn!(%error, "the projection to the year's end failed"),
    }
    Ok(report)
}

/// About the most plans' readings one write carries: SQLite has one writer, and
/// a teacher's record waits for it (a district's 10,000 at once held it 0.5 s).
const READINGS_PER_WRITE: usize = 1_000;

/// Replays the rest of the year from today (the planner week by week, visits
/// missed at the rate seen so far) and keeps each plan's projected periods.
async fn project_year_end(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    calendar: &crate::domain::calendar::SchoolCalendar,
) -> Result<usize, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let (district, recorded) = simulate::load(store, settings, actor, calendar).await?;
    let outcomes: Vec<_> = recorded.iter().filter_map(|v| v.outcome).collect();
    let missed = outcomes.iter().filter(|o| !o.delivers()).count();
    // Too few records to say: the rate the district plans for.
    let miss_rate = if outcomes.len() < 20 {
        0.1
    } else {
        missed as f64 / outcomes.len() as f64
    };
    let options = simulate::Options {
        from: today,
        miss_rate,
        seed: 1,
        advise: false,
        own_record: true,
    };
    // Seconds of CPU on a district's year: off the server's threads.
    let calendar = calendar.clone();
    let projection = tokio::task::spawn_blocking(move || {
        simulate::simulate(&calendar, &district, &recorded, options, |_, _| {})
    })
    .await
    // A panic in the replay is a bug: raise it here as if it ran inline.
    .unwrap_or_else(|joined| std::panic::resume_unwind(joined.into_panic()))?;
    let projected: Vec<(i64, u32)> = projection
        .students
        .iter()
        .map(|s| (s.plan_id, s.projected))
        .collect();
    for part in projected.chunks(READINGS_PER_WRITE) {
        let mut tx = store.write(&actor.audit(), now).await?;
        readings::save_projections(&mut tx, part).await?;
        tx.commit().await?;
    }
    Ok(projected.len())
}
