//! The check-pace job: every plan's status against its alert state; supervisors
//! told in one email each per run, in the transaction that changes the alerts.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::config::{Locale, Settings};
use crate::domain::alert::{Decision, OpenAlert, decide};
use crate::domain::calendar::SchoolYear;
use crate::domain::pace::Status;
use crate::service::progress::{ProgressRow, progress};
use crate::store::alerts::{self, Supervisor};
use crate::store::outbox::{self, NewMessage};
use crate::store::{Actor, Store};

#[derive(Debug, Default, Serialize)]
pub struct CheckReport {
    pub opened: usize,
    pub raised: usize,
    pub lowered: usize,
    pub reminded: usize,
    pub recovered: usize,
    pub emails: usize,
    /// Alerts that opened or changed with no supervisor to tell: the operators
    /// were told instead (when there are any).
    pub nobody_told: usize,
}

/// Something a supervisor is told about one child.
struct Notice<'a> {
    decision: Decision,
    row: &'a ProgressRow,
}

pub(crate) fn status_words(status: Status, locale: Locale) -> &'static str {
    match (locale, status) {
        (Locale::ZhCn, Status::OnTrack) => "进度正常",
        (Locale::ZhCn, Status::Behind) => "落后",
        (Locale::ZhCn, Status::AtRisk) => "有风险（需补课）",
        (Locale::ZhCn, Status::Unreachable) => "无法完成年度目标",
        (Locale::En, Status::OnTrack) => "on track",
        (Locale::En, Status::Behind) => "behind",
        (Locale::En, Status::AtRisk) => "at risk (needs make-up visits)",
        (Locale::En, Status::Unreachable) => "cannot reach the target",
    }
}

/// A child's line in an alert: name, school, status and figures only.
fn child_line(r: &ProgressRow, locale: Locale) -> String {
    let status = status_words(r.status, locale);
    match locale {
        Locale::ZhCn => {
            let pending = if r.pending > 0 {
                format!("（另有 {} 课时待记录）", r.pending)
            } else {
                String::new()
            };
            format!(
                "{}（{}）：{status}；已完成 {} 课时{pending}，应完成 {} 课时，年度目标 {} 课时",
                r.name, r.school, r.delivered, r.expected, r.target
            )
        }
        Locale::En => {
            let pending = if r.pending > 0 {
                format!(" (and {} not recorded yet)", r.pending)
            } else {
                String::new()
            };
            format!(
                "{} ({}): {status}; {} periods delivered{pending}, {} expected by now, target {}",
                r.name, r.school, r.delivered, r.expected, r.target
            )
        }
    }
}

/// One supervisor's message: name, school, status and figures only (no diagnosis,
/// address or phone: those stay behind the login).
fn message(
    supervisor: &Supervisor,
    notices: &[&Notice],
    locale: Locale,
    now: DateTime<Utc>,
) -> NewMessage {
    let zh = locale == Locale::ZhCn;
    let heading = |d: Decision| match (zh, d) {
        (true, Decision::Open(_)) => "新出现进度问题",
        (true, Decision::Raise(_)) => "情况加重",
        (true, Decision::Remind) => "仍未改善",
        (true, Decision::Recover) => "已恢复正常",
        (false, Decision::Open(_)) => "Newly behind",
        (false, Decision::Raise(_)) => "Getting worse",
        (false, Decision::Remind) => "Still behind",
        (false, Decision::Recover) => "Back on track",
        _ => "",
    };
    let subject = if zh {
        format!("送教进度提醒：{} 名学生", notices.len())
    } else {
        format!("Home teaching progress: {} student(s)", notices.len())
    };
    let mut text = if zh {
        format!("{}您好：\n", supervisor.name)
    } else {
        format!("Dear {},\n", supervisor.name)
    };
    let mut html = format!("<html><body><p>{}</p>", text.trim());
    let order = [
        |d: Decision| matches!(d, Decision::Raise(_)),
        |d: Decision| matches!(d, Decision::Open(_)),
        |d: Decision| matches!(d, Decision::Remind),
        |d: Decision| matches!(d, Decision::Recover),
    ];
    for wanted in order {
        let group: Vec<&&Notice> = notices.iter().filter(|n| wanted(n.decision)).collect();
        let Some(first) = group.first() else { continue };
        text.push_str(&format!("\n{}：\n", heading(first.decision)));
        html.push_str(&format!("<h3>{}</h3><ul>", heading(first.decision)));
        for notice in group {
            let line = child_line(notice.row, locale);
            text.push_str(&format!("- {line}\n"));
            html.push_str(&format!("<li>{}</li>", line.replace('<', "&lt;")));
        }
        html.push_str("</ul>");
    }
    let footer = if zh {
        "详情请登录送教平台查看。"
    } else {
        "Details are behind the login."
    };
    text.push_str(&format!("\n{footer}\n"));
    html.push_str(&format!("<p>{footer}</p></body></html>"));
    NewMessage {
        idempotency_key: format!(
            "pace:{}:{}",
            supervisor.id,
            now.format("%Y%m%dT%H%M%S%.6fZ")
        ),
        kind: "alert",
        recipient: supervisor.email.clone(),
        subject,
        body_text: text,
        body_html: Some(html),
        attachments: Vec::new(),
    }
}

fn nobody_told_subject(count: usize, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => format!("送教进度提醒无人接收：{count} 名学生（请登记督导）"),
        Locale::En => format!(
            "Home teaching alerts with nobody to tell: {count} student(s) (register a supervisor)"
        ),
    }
}

pub async fn run(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<CheckReport> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let calendar = settings
        .calendar(SchoolYear::containing(today))
        .map_err(anyhow::Error::msg)?;
    let repeat = Duration::days(i64::from(settings.alerts.repeat_interval_days));
    let mut tx = store.write(actor, now).await?;
    let rows = progress(&mut tx, settings, &calendar, now).await?;
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
    let supervisors = alerts::supervisors(&mut tx).await?;
    let mut by_supervisor: BTreeMap<&str, Vec<&Notice>> = BTreeMap::new();
    for notice in &notices {
        let school = notice.row.school.as_str();
        let has_school_supervisor = supervisors
            .iter()
            .any(|s| s.school.as_deref() == Some(school));
        for supervisor in &supervisors {
            let own_school = supervisor.school.as_deref() == Some(school);
            let district = supervisor.school.is_none()
                && (matches!(notice.decision, Decision::Raise(_)) || !has_school_supervisor);
            if own_school || district {
                by_supervisor
                    .entry(supervisor.id.as_str())
                    .or_default()
                    .push(notice);
            }
        }
    }
    let mut messages: Vec<NewMessage> = supervisors
        .iter()
        .filter_map(|s| {
            let mine = by_supervisor.get(s.id.as_str())?;
            Some(message(s, mine, settings.locale, now))
        })
        .collect();
    // An alert nobody hears of is a child silently losing the year: the operators
    // are told, and `alert list` shows it until a supervisor hears of it.
    let told: std::collections::HashSet<i64> = by_supervisor
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
                school: None,
            };
            let mut message = message(&recipient, &untold, settings.locale, now);
            message.kind = "operator";
            message.subject = nobody_told_subject(untold.len(), settings.locale);
            message
        }));
    }
    report.emails = outbox::enqueue(&mut tx, messages).await?;
    tx.commit().await?;
    Ok(report)
}
