//! A teacher's week as an email (text and HTML, zh-CN or en) with a calendar file:
//! only the teacher's own visits, and only what a visit needs (the child's name,
//! address and the plan's goals; never a diagnosis).

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::ics::{self, Event, Method};
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
    pub week: &'a str,
    pub teacher_id: &'a str,
    pub teacher_name: &'a str,
    pub email: &'a str,
    pub visits: Vec<ScheduledVisit>,
    pub cancelled: Vec<ScheduledVisit>,
    /// An update of a schedule already sent.
    pub update: bool,
}

fn weekday_zh(day: NaiveDate) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [day.weekday().num_days_from_monday() as usize]
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn event(visit: &ScheduledVisit, locale: Locale) -> Event {
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
        description: format!("{goals}{}", visit.goals.join("；")),
    }
}

/// The email for one teacher's week; the idempotency key names this planning run.
pub fn message(week: &TeacherWeek, locale: Locale, zone: Tz, now: DateTime<Utc>) -> NewMessage {
    let zh = locale == Locale::ZhCn;
    let subject = match (zh, week.update) {
        (true, false) => format!("{} 送教安排（{}）", week.week, week.teacher_name),
        (true, true) => format!("{} 送教安排有变动（{}）", week.week, week.teacher_name),
        (false, false) => format!("Home visits, {} ({})", week.week, week.teacher_name),
        (false, true) => format!("Home visits changed, {} ({})", week.week, week.teacher_name),
    };
    let line = |v: &ScheduledVisit| {
        let day = if zh {
            format!("{} {}", v.day.format("%m月%d日"), weekday_zh(v.day))
        } else {
            format!("{} {}", weekday_name(v.day.weekday()), v.day)
        };
        format!(
            "{day} {}–{} {}，{}",
            v.start.format("%H:%M"),
            v.end.format("%H:%M"),
            v.student_name,
            v.address
        )
    };
    let mut text = String::new();
    let mut html = String::from("<html><body>");
    let greeting = if zh {
        format!("{}老师您好：", week.teacher_name)
    } else {
        format!("Dear {},", week.teacher_name)
    };
    text.push_str(&format!("{greeting}\n\n"));
    html.push_str(&format!("<p>{}</p>", escape(&greeting)));
    let heading = if zh {
        "本周送教："
    } else {
        "Your visits:"
    };
    text.push_str(&format!("{heading}\n"));
    html.push_str(&format!("<p>{}</p><ul>", escape(heading)));
    for v in &week.visits {
        let goals = v.goals.join("；");
        text.push_str(&format!("- {}\n  {goals}\n", line(v)));
        html.push_str(&format!(
            "<li>{}<br><small>{}</small></li>",
            escape(&line(v)),
            escape(&goals)
        ));
    }
    html.push_str("</ul>");
    if !week.cancelled.is_empty() {
        let heading = if zh { "已取消：" } else { "Cancelled:" };
        text.push_str(&format!("\n{heading}\n"));
        html.push_str(&format!("<p>{}</p><ul>", escape(heading)));
        for v in &week.cancelled {
            text.push_str(&format!("- {}\n", line(v)));
            html.push_str(&format!("<li><s>{}</s></li>", escape(&line(v))));
        }
        html.push_str("</ul>");
    }
    let footer = if zh {
        "附件中的日历文件可直接导入手机日历。送教后请及时记录。"
    } else {
        "The attached calendar file opens in your phone's calendar. Please record each visit after it."
    };
    text.push_str(&format!("\n{footer}\n"));
    html.push_str(&format!("<p>{}</p></body></html>", escape(footer)));

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
        idempotency_key: format!(
            "schedule:{}:{}:{}",
            week.week,
            week.teacher_id,
            now.format("%Y%m%dT%H%M%S%.6fZ")
        ),
        kind: "schedule",
        recipient: week.email.to_string(),
        subject,
        body_text: text,
        body_html: Some(html),
        attachments,
    }
}
