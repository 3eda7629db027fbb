//! The remind-unrecorded job: a visit still unrecorded `unrecorded_after_hours`
//! after its slot reminds its teacher; after `escalate_after_days` the
//! coordinators are told (the operators when the district has no coordinator).
//! One email per person per run; each visit is reminded once and escalated once.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::notify::group::{GroupEscalated, GroupVisit, robot_owners, short_name};
use crate::notify::mail::{EscalatedMail, UnrecordedLine, UnrecordedMail};
use crate::service::Actor;
use crate::service::ServiceError;
use crate::store::outbox::{self, NewMessage};
use crate::store::visits::{self, Told, Unrecorded};
use crate::store::{Store, alerts, people};

#[derive(Debug, Default, Serialize)]
pub struct ReminderReport {
    pub teacher_emails: usize,
    pub coordinator_emails: usize,
    pub visits_reminded: usize,
    pub visits_escalated: usize,
    /// Messages queued for the configured group robots (DingTalk, WeCom).
    pub group_posts: usize,
}

fn lines<'a>(
    visits: &[&'a Unrecorded],
    names: &'a BTreeMap<String, String>,
) -> Vec<UnrecordedLine<'a>> {
    visits
        .iter()
        .map(|v| UnrecordedLine {
            visit_id: v.visit_id,
            day: v.day,
            slot: &v.slot,
            student: names.get(&v.student_id).unwrap_or(&v.student_id),
            teacher: &v.teacher_id,
        })
        .collect()
}

pub async fn run(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReminderReport, ServiceError> {
    let zone = settings.time_zone;
    let records = &settings.records;
    let today = now.with_timezone(&zone).date_naive();
    let mut tx = store.write(&actor.audit(), now).await?;
    let candidates = visits::unrecorded_until(&mut tx, today).await?;
    // A visit is due a reminder this long after its slot ends.
    let slot_end = |v: &Unrecorded| {
        let end = settings
            .slots
            .iter()
            .find(|s| s.name == v.slot)
            .map_or(chrono::NaiveTime::MIN, |s| s.end);
        v.day
            .and_time(end)
            .and_local_timezone(zone)
            .earliest()
            .map_or(now, |t| t.with_timezone(&Utc))
    };
    let remind_after = Duration::hours(i64::from(records.unrecorded_after_hours));
    let escalate_after = Duration::days(i64::from(records.escalate_after_days));
    let mut to_remind: BTreeMap<String, Vec<&Unrecorded>> = BTreeMap::new();
    let mut to_escalate: Vec<&Unrecorded> = Vec::new();
    for visit in &candidates {
        let ended = slot_end(visit);
        if visit.reminded_at.is_none() && now - ended >= remind_after {
            to_remind
                .entry(visit.teacher_id.clone())
                .or_default()
                .push(visit);
        }
        if visit.escalated_at.is_none() && now - ended >= escalate_after {
            to_escalate.push(visit);
        }
    }
    let students = people::students(&mut tx, None).await?;
    let schools: BTreeMap<&str, &str> = students
        .iter()
        .map(|s| (s.student_id.as_str(), s.school.as_str()))
        .collect();
    let names: BTreeMap<String, String> = students
        .iter()
        .map(|s| (s.student_id.clone(), s.name.clone()))
        .collect();
    let teachers: BTreeMap<String, people::Teacher> = people::teachers(&mut tx, None)
        .await?
        .into_iter()
        .map(|t| (t.teacher_id.clone(), t))
        .collect();
    let stamp = now.format("%Y%m%dT%H%M%S%.6fZ");
    let mut messages = Vec::new();
    let mut report = ReminderReport::default();
    for (teacher_id, visits) in &to_remind {
        let Some(teacher) = teachers.get(teacher_id) else {
            continue;
        };
        let mail = UnrecordedMail {
            name: &teacher.name,
            visits: lines(visits, &names),
            link: &settings.web.public_url,
        }
        .render(settings.locale);
        // A teacher without email is not reminded; their coordinators hear of
        // the visits when they are escalated, as for everyone.
        if let Some(email) = &teacher.email {
            messages.push(NewMessage {
                idempotency_key: format!("unrecorded:{teacher_id}:{stamp}"),
                kind: "reminder",
                channel: crate::store::outbox::Channel::Email,
                recipient: email.clone(),
                subject: mail.subject,
                body_text: mail.text,
                body_html: None,
                attachments: Vec::new(),
            });
            report.teacher_emails += 1;
        }
        report.visits_reminded += visits.len();
        let ids: Vec<i64> = visits.iter().map(|v| v.visit_id).collect();
        visits::mark_told(&mut tx, Told::Teacher, &ids).await?;
    }
    if !to_escalate.is_empty() {
        let coordinators = people::coordinator_emails(&mut tx).await?;
        let recipients: Vec<String> = if coordinators.is_empty() {
            settings.mail.operators.clone()
        } else {
            coordinators
        };
        let mail = EscalatedMail {
            days: records.escalate_after_days,
            visits: lines(&to_escalate, &names),
            link: &settings.web.public_url,
        }
        .render(settings.locale);
        for recipient in recipients {
            messages.push(NewMessage {
                idempotency_key: format!("unrecorded-escalated:{recipient}:{stamp}"),
                kind: "reminder",
                channel: crate::store::outbox::Channel::Email,
                recipient,
                subject: mail.subject.clone(),
                body_text: mail.text.clone(),
                body_html: None,
                attachments: Vec::new(),
            });
            report.coordinator_emails += 1;
        }
        // The configured group robots of the visits' schools (and the district's)
        // hear of them too, the child named by family name and initial.
        let supervisors = alerts::supervisors(&mut tx).await?;
        for owner in robot_owners(&supervisors, settings)
            .iter()
            .filter(|o| o.group)
        {
            let visits: Vec<GroupVisit> = to_escalate
                .iter()
                .filter_map(|v| {
                    let school = schools
                        .get(v.student_id.as_str())
                        .copied()
                        .unwrap_or_default();
                    alerts::follows(owner.schools.as_deref(), school).then(|| GroupVisit {
                        day: v.day,
                        slot: v.slot.clone(),
                        student: short_name(names.get(&v.student_id).unwrap_or(&v.student_id)),
                        school: school.to_string(),
                        teacher: v.teacher_id.clone(),
                    })
                })
                .collect();
            if visits.is_empty() {
                continue;
            }
            let news = GroupEscalated {
                count: visits.len(),
                days: records.escalate_after_days,
                part: None,
                visits,
                link: &settings.web.public_url,
            };
            messages.extend(owner.messages(
                "reminder",
                &format!("unrecorded-escalated:{stamp}"),
                |limit| news.render_split(settings.locale, limit),
            ));
        }
        report.visits_escalated = to_escalate.len();
        let ids: Vec<i64> = to_escalate.iter().map(|v| v.visit_id).collect();
        visits::mark_told(&mut tx, Told::Coordinators, &ids).await?;
    }
    let (posts, emails) = outbox::by_channel(messages);
    outbox::enqueue(&mut tx, emails).await?;
    report.group_posts = outbox::enqueue(&mut tx, posts).await?;
    tx.commit().await?;
    Ok(report)
}
