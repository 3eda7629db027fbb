//! A teacher's week as an email (text and HTML, zh-CN or en) with a calendar file:
//! only the teacher's own visits, and only what a visit needs (the child's name,
//! address and the plan's goals; never a diagnosis).

use askama::Template;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::ics::{self, Event, Method};
use super::mail::mail;
use crate::config::Locale;
use crate::domain::slot::weekday_name;
use crate::store::outbox::{Attachment, NewMessage};

/// One visit as the teacher needs it.
#[derive(Debug, Clone)]
pub struct ScheduledVisit {
    pub visit_id: i64,
    pub sequence: i64,
    pub day: NaiveDate,
    pub slot: String,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub student_name: String,
    pub address: String,
    pub goals: Vec<String>,
}

pub struct TeacherWeek<'a> {
    /// The ISO week (the message's key).
    pub week: &'a str,
    /// The week as schools name it (第15周（12月7日–11日）): its subject.
    pub week_title: &'a str,
    pub teacher_id: &'a str,
    pub teacher_name: &'a str,
    /// Who it goes to: the teacher, or for a teacher without email one of
    /// their coordinators, to pass it on (`pass_on`).
    pub email: &'a str,
    pub pass_on: bool,
    /// The teacher's phone, for whoever passes the week on (empty: none known).
    pub teacher_phone: &'a str,
    pub visits: Vec<ScheduledVisit>,
    pub cancelled: Vec<ScheduledVisit>,
    /// An update of a schedule already sent.
    pub update: bool,
    /// The platform, where visits are recorded.
    pub link: &'a str,
}

impl ScheduledVisit {
    fn weekday_zh(&self) -> &'static str {
        crate::domain::slot::weekday_name_zh(self.day.weekday())
    }

    fn weekday_en(&self) -> &'static str {
        weekday_name(self.day.weekday())
    }
}

pub(crate) fn event(visit: &ScheduledVisit, locale: Locale) -> Event {
    let (summary, goals) = match locale {
        Locale::ZhCn => (
            format!("送教上门：{}", visit.student_name),
            "目标：".to_string(),
        ),
        Locale::En => (
            format!("Home teaching: {}", visit.student_name),
            "Goals: ".to_string(),
        ),
    };
    Event {
        uid: format!("visit-{}@songjiao", visit.visit_id),
        sequence: visit.sequence,
        start: visit.day.and_time(visit.start),
        end: visit.day.and_time(visit.end),
        summary,
        location: if visit.address.is_empty() {
            visit.student_name.clone()
        } else {
            format!("{}, {}", visit.student_name, visit.address)
        },
        description: if visit.goals.is_empty() {
            String::new()
        } else {
            format!("{goals}{}", visit.goals.join("；"))
        },
    }
}

#[derive(Template)]
enum ScheduleText<'a> {
    #[template(path = "mail/zh-CN/schedule.txt")]
    ZhCn { m: &'a TeacherWeek<'a> },
    #[template(path = "mail/en/schedule.txt")]
    En { m: &'a TeacherWeek<'a> },
}

#[derive(Template)]
enum ScheduleHtml<'a> {
    #[template(path = "mail/zh-CN/schedule.html")]
    ZhCn { m: &'a TeacherWeek<'a> },
    #[template(path = "mail/en/schedule.html")]
    En { m: &'a TeacherWeek<'a> },
}

/// The email for one teacher's week; the idempotency key names this planning run.
/// The first 8 bytes of the text's SHA-256, in hex.
fn short_digest(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn message(week: &TeacherWeek, locale: Locale, zone: Tz, now: DateTime<Utc>) -> NewMessage {
    let mail = match locale {
        Locale::ZhCn => mail(
            ScheduleText::ZhCn { m: week }.render(),
            Some(ScheduleHtml::ZhCn { m: week }.render()),
        ),
        Locale::En => mail(
            ScheduleText::En { m: week }.render(),
            Some(ScheduleHtml::En { m: week }.render()),
        ),
    };
    let mut attachments = Vec::new();
    let calendar_file = |method: Method, visits: &[ScheduledVisit], name: &str| Attachment {
        name: name.to_string(),
        content_type: format!("text/calendar; method={}; charset=UTF-8", method.as_str()),
        body: ics::calendar(
            method,
            zone,
            now,
            &visits.iter().map(|v| event(v, locale)).collect::<Vec<_>>(),
        ),
    };
    if !week.visits.is_empty() {
        attachments.push(calendar_file(Method::Request, &week.visits, "visits.ics"));
    }
    if !week.cancelled.is_empty() {
        attachments.push(calendar_file(
            Method::Cancel,
            &week.cancelled,
            "cancelled.ics",
        ));
    }
    NewMessage {
        // What it says is part of its key: two runs at one moment (a fixed
        // --as-of, as training rooms use) that change the week send both.
        idempotency_key: format!(
            "schedule:{}:{}:{}:{}{}",
            week.week,
            week.teacher_id,
            now.format("%Y%m%dT%H%M%S%.6fZ"),
            short_digest(&mail.text),
            if week.pass_on {
                format!(":{}", week.email)
            } else {
                String::new()
            }
        ),
        kind: "schedule",
        channel: crate::store::outbox::Channel::Email,
        recipient: week.email.to_string(),
        subject: mail.subject,
        body_text: mail.text,
        body_html: mail.html,
        attachments,
    }
}
