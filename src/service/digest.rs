//! The weekly digest: each supervisor's students in one email: how many are on
//! track, behind, at risk or out of reach; last week's periods delivered against
//! planned; who is behind and since when. Names, schools and figures only.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;

use super::check_pace::status_words;
use crate::config::{Locale, Settings};
use crate::domain::calendar::SchoolYear;
use crate::domain::pace::Status;
use crate::service::progress::progress;
use crate::store::outbox::{self, NewMessage};
use crate::store::{Actor, Store, alerts, visits};

#[derive(Debug, Default, Serialize)]
pub struct DigestReport {
    pub emails: usize,
}

pub async fn run(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<DigestReport> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let calendar = settings
        .calendar(SchoolYear::containing(today))
        .map_err(anyhow::Error::msg)?;
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let (from, to) = (
        this_monday - Duration::days(7),
        this_monday - Duration::days(1),
    );
    let mut tx = store.write(actor, now).await?;
    let rows = progress(&mut tx, settings, &calendar, now).await?;
    let week = visits::tally_between(&mut tx, from, to).await?;
    let since: BTreeMap<i64, DateTime<Utc>> = alerts::list(&mut tx, true)
        .await?
        .into_iter()
        .map(|a| (a.plan_id, a.opened_at))
        .collect();
    let zh = settings.locale == Locale::ZhCn;
    let stamp = now.format("%Y%m%dT%H%M%S%.6fZ");
    let mut messages = Vec::new();
    for supervisor in alerts::supervisors(&mut tx).await? {
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| supervisor.school.as_ref().is_none_or(|s| s == &r.school))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let count = |status: Status| mine.iter().filter(|r| r.status == status).count();
        let (planned, delivered) = mine.iter().fold((0, 0), |(p, d), r| {
            let t = week.get(&r.plan_id);
            (
                p + t.map_or(0, |t| t.planned),
                d + t.map_or(0, |t| t.delivered),
            )
        });
        let mut text = if zh {
            format!(
                "{}您好：\n\n本周汇总（{} 名学生）：进度正常 {}，落后 {}，有风险 {}，无法完成 {}。\n上周（{from} 至 {to}）完成 {delivered} 课时，计划 {planned} 课时。\n",
                supervisor.name,
                mine.len(),
                count(Status::OnTrack),
                count(Status::Behind),
                count(Status::AtRisk),
                count(Status::Unreachable)
            )
        } else {
            format!(
                "Dear {},\n\nThis week ({} students): {} on track, {} behind, {} at risk, {} cannot reach the target.\nLast week ({from} to {to}): {delivered} periods delivered of {planned} planned.\n",
                supervisor.name,
                mine.len(),
                count(Status::OnTrack),
                count(Status::Behind),
                count(Status::AtRisk),
                count(Status::Unreachable)
            )
        };
        let behind: Vec<_> = mine
            .iter()
            .filter(|r| r.status != Status::OnTrack)
            .collect();
        if !behind.is_empty() {
            text.push_str(if zh {
                "\n需要关注：\n"
            } else {
                "\nNeeding attention:\n"
            });
            for r in behind {
                let since = since
                    .get(&r.plan_id)
                    .map(|t| {
                        t.with_timezone(&settings.time_zone)
                            .date_naive()
                            .to_string()
                    })
                    .unwrap_or_else(|| "-".into());
                text.push_str(&if zh {
                    format!(
                        "- {}（{}）：{}，自 {since} 起；已完成 {}/{} 课时\n",
                        r.name,
                        r.school,
                        status_words(r.status, settings.locale),
                        r.delivered,
                        r.target
                    )
                } else {
                    format!(
                        "- {} ({}): {} since {since}; {} of {} periods\n",
                        r.name,
                        r.school,
                        status_words(r.status, settings.locale),
                        r.delivered,
                        r.target
                    )
                });
            }
        }
        messages.push(NewMessage {
            idempotency_key: format!("digest:{}:{stamp}", supervisor.id),
            kind: "digest",
            recipient: supervisor.email.clone(),
            subject: if zh {
                format!(
                    "送教周报：{} 名学生，{} 名需要关注",
                    mine.len(),
                    mine.len() - count(Status::OnTrack)
                )
            } else {
                format!("Weekly home-teaching summary: {} students", mine.len())
            },
            body_text: text,
            body_html: None,
            attachments: Vec::new(),
        });
    }
    let emails = outbox::enqueue(&mut tx, messages).await?;
    tx.commit().await?;
    Ok(DigestReport { emails })
}
