//! The weekly digest: each supervisor's students in one email: how many are on
//! track, behind, at risk or out of reach; last week's periods delivered against
//! planned; who is behind and since when. Names, schools and figures only.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;

use super::check_pace::figures;
use crate::config::Settings;
use crate::domain::calendar::SchoolYear;
use crate::domain::pace::Status;
use crate::notify::mail::{ChildFigures, DigestMail};
use crate::service::Actor;
use crate::service::ServiceError;
use crate::service::progress::progress;
use crate::store::outbox::{self, NewMessage};
use crate::store::{Store, alerts, visits};

#[derive(Debug, Default, Serialize)]
pub struct DigestReport {
    pub emails: usize,
}

pub async fn run(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<DigestReport, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let calendar = settings
        .calendar(SchoolYear::containing(today))
        .map_err(ServiceError::Settings)?;
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let (from, to) = (
        this_monday - Duration::days(7),
        this_monday - Duration::days(1),
    );
    let mut tx = store.write(&actor.audit(), now).await?;
    let rows = progress(&mut tx, settings, &calendar, now).await?;
    let week = visits::tally_between(&mut tx, from, to).await?;
    let since: BTreeMap<i64, DateTime<Utc>> = alerts::list(&mut tx, true)
        .await?
        .into_iter()
        .map(|a| (a.plan_id, a.opened_at))
        .collect();
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
        let needing = mine
            .iter()
            .filter(|r| r.status != Status::OnTrack)
            .map(|r| ChildFigures {
                since: since
                    .get(&r.plan_id)
                    .map(|t| t.with_timezone(&settings.time_zone).date_naive()),
                ..figures(r)
            })
            .collect();
        let mail = DigestMail {
            name: &supervisor.name,
            students: mine.len(),
            on_track: count(Status::OnTrack),
            behind: count(Status::Behind),
            at_risk: count(Status::AtRisk),
            unreachable: count(Status::Unreachable),
            from,
            to,
            delivered,
            planned,
            needing,
            link: &settings.web.public_url,
        }
        .render(settings.locale);
        messages.push(NewMessage {
            idempotency_key: format!("digest:{}:{stamp}", supervisor.id),
            kind: "digest",
            recipient: supervisor.email.clone(),
            subject: mail.subject,
            body_text: mail.text,
            body_html: mail.html,
            attachments: Vec::new(),
        });
    }
    let emails = outbox::enqueue(&mut tx, messages).await?;
    tx.commit().await?;
    Ok(DigestReport { emails })
}
