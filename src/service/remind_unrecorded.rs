//! The remind-unrecorded job: a visit still unrecorded `unrecorded_after_hours`
//! after its slot reminds its teacher; after `escalate_after_days` the
//! coordinators are told (the operators when the district has no coordinator).
//! One email per person per run; each visit is reminded once and escalated once.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::config::{Locale, Settings};
use crate::store::outbox::{self, NewMessage};
use crate::store::visits::{self, Told, Unrecorded};
use crate::store::{Actor, Store, people};

#[derive(Debug, Default, Serialize)]
pub struct ReminderReport {
    pub teacher_emails: usize,
    pub coordinator_emails: usize,
    pub visits_reminded: usize,
    pub visits_escalated: usize,
}

fn list_lines(
    visits: &[&Unrecorded],
    names: &BTreeMap<String, String>,
    with_teacher: bool,
) -> String {
    visits
        .iter()
        .map(|v| {
            let student = names.get(&v.student_id).unwrap_or(&v.student_id);
            let teacher = if with_teacher {
                format!(" ({})", v.teacher_id)
            } else {
                String::new()
            };
            format!(
                "- #{} {} {} {student}{teacher}\n",
                v.visit_id, v.day, v.slot
            )
        })
        .collect()
}

pub async fn run(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<ReminderReport> {
    let zone = settings.time_zone;
    let records = &settings.records;
    let today = now.with_timezone(&zone).date_naive();
    let mut tx = store.write(actor, now).await?;
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
    let names: BTreeMap<String, String> = people::students(&mut tx, None)
        .await?
        .into_iter()
        .map(|s| (s.student_id, s.name))
        .collect();
    let teachers: BTreeMap<String, people::Teacher> = people::teachers(&mut tx, None)
        .await?
        .into_iter()
        .map(|t| (t.teacher_id.clone(), t))
        .collect();
    let zh = settings.locale == Locale::ZhCn;
    let stamp = now.format("%Y%m%dT%H%M%S%.6fZ");
    let mut messages = Vec::new();
    let mut report = ReminderReport::default();
    for (teacher_id, visits) in &to_remind {
        let Some(teacher) = teachers.get(teacher_id) else {
            continue;
        };
        let (subject, intro) = if zh {
            (
                format!("请记录送教情况：{} 次未记录", visits.len()),
                format!(
                    "{}老师您好：以下送教还没有记录，请尽快补录（songjiao visit record）：\n\n",
                    teacher.name
                ),
            )
        } else {
            (
                format!("Please record {} visit(s)", visits.len()),
                format!(
                    "Dear {}, these visits are not recorded yet (songjiao visit record):\n\n",
                    teacher.name
                ),
            )
        };
        messages.push(NewMessage {
            idempotency_key: format!("unrecorded:{teacher_id}:{stamp}"),
            kind: "reminder",
            recipient: teacher.email.clone(),
            subject,
            body_text: format!("{intro}{}", list_lines(visits, &names, false)),
            body_html: None,
            attachments: Vec::new(),
        });
        report.teacher_emails += 1;
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
        let days = records.escalate_after_days;
        let (subject, intro) = if zh {
            (
                format!("{} 次送教超过 {days} 天未记录", to_escalate.len()),
                format!("以下送教超过 {days} 天仍未记录，请与教师核实：\n\n"),
            )
        } else {
            (
                format!(
                    "{} visit(s) unrecorded for over {days} days",
                    to_escalate.len()
                ),
                format!(
                    "These visits are still unrecorded after {days} days; please check with the teachers:\n\n"
                ),
            )
        };
        for recipient in recipients {
            messages.push(NewMessage {
                idempotency_key: format!("unrecorded-escalated:{recipient}:{stamp}"),
                kind: "reminder",
                recipient,
                subject: subject.clone(),
                body_text: format!("{intro}{}", list_lines(&to_escalate, &names, true)),
                body_html: None,
                attachments: Vec::new(),
            });
            report.coordinator_emails += 1;
        }
        report.visits_escalated = to_escalate.len();
        let ids: Vec<i64> = to_escalate.iter().map(|v| v.visit_id).collect();
        visits::mark_told(&mut tx, Told::Coordinators, &ids).await?;
    }
    outbox::enqueue(&mut tx, messages).await?;
    tx.commit().await?;
    Ok(report)
}
