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
use crate::notify::group::{GroupDigest, robot_owners};
use crate::notify::mail::{DigestMail, StudentFigures};
use crate::service::Actor;
use crate::service::ServiceError;
use crate::service::progress::{ProgressRow, progress};
use crate::store::outbox::{self, NewMessage};
use crate::store::{Store, alerts, visits};

#[derive(Debug, Default, Serialize)]
pub struct DigestReport {
    pub emails: usize,
    /// Messages queued for group robots (DingTalk, WeCom).
    pub group_posts: usize,
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
    let supervisors = alerts::supervisors(&mut tx).await?;
    let follows = |schools: Option<&[String]>| {
        rows.iter()
            .filter(|r| alerts::follows(schools, &r.school))
            .collect::<Vec<_>>()
    };
    let since_day = |plan_id: i64| {
        since
            .get(&plan_id)
            .map(|t| t.with_timezone(&settings.time_zone).date_naive())
    };
    // What a recipient's digest says of the children they follow (the closure's
    // type is spelled out: its result borrows the rows it is given).
    fn rows_to_digest<'r, F: Fn(&[&'r ProgressRow]) -> DigestMail<'r>>(f: F) -> F {
        f
    }
    let summary = rows_to_digest(|mine| {
        let count = |status: Status| mine.iter().filter(|r| r.status == status).count();
        let (planned, delivered) = mine.iter().fold((0, 0), |(p, d), r| {
            let t = week.get(&r.plan_id);
            (
                p + t.map_or(0, |t| t.planned),
                d + t.map_or(0, |t| t.delivered),
            )
        });
        DigestMail {
            name: "",
            students: mine.len(),
            on_track: count(Status::OnTrack),
            behind: count(Status::Behind),
            at_risk: count(Status::AtRisk),
            unreachable: count(Status::Unreachable),
            from,
            to,
            delivered,
            planned,
            needing: mine
                .iter()
                .filter(|r| r.status != Status::OnTrack)
                .map(|r| StudentFigures {
                    since: since_day(r.plan_id),
                    ..figures(r)
                })
                .collect(),
            link: &settings.web.public_url,
        }
    });
    for owner in robot_owners(&supervisors, settings) {
        let mine = follows(owner.schools.as_deref());
        if mine.is_empty() {
            continue;
        }
        let label = owner
            .schools
            .as_ref()
            .map(|s| s.join(alerts::SCHOOL_SEPARATOR));
        let digest = GroupDigest::of(&summary(&mine), label.as_deref());
        messages.extend(
            owner.messages("digest", &format!("digest:{stamp}"), |limit| {
                digest.render_split(settings.locale, limit)
            }),
        );
    }
    for supervisor in &supervisors {
        let mine = follows(supervisor.schools.as_deref());
        if mine.is_empty() {
            continue;
        }
        let mail = DigestMail {
            name: &supervisor.name,
            ..summary(&mine)
        }
        .render(settings.locale);
        messages.push(NewMessage {
            idempotency_key: format!("digest:{}:{stamp}", supervisor.id),
            kind: "digest",
            channel: crate::store::outbox::Channel::Email,
            recipient: supervisor.email.clone(),
            subject: mail.subject,
            body_text: mail.text,
            body_html: mail.html,
            attachments: Vec::new(),
        });
    }
    let (posts, emails) = outbox::by_channel(messages);
    let emails = outbox::enqueue(&mut tx, emails).await?;
    let group_posts = outbox::enqueue(&mut tx, posts).await?;
    tx.commit().await?;
    Ok(DigestReport {
        emails,
        group_posts,
    })
}
