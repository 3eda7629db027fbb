//! A teacher's private calendar feed: a phone subscribes to a URL holding a
//! random token and keeps the teacher's visits up to date, with the same UIDs
//! and SEQUENCE as the emailed calendar files. A calendar is kept by a vendor,
//! so the feed carries less than the schedule email: the time, the child's
//! family name and given-name initial, and the address; no goals, no diagnosis.

use chrono::{DateTime, Duration, Utc};

use super::secrets::{new_secret, secret_hash};
use super::{Actor, ServiceError, audit};
use crate::config::Settings;
use crate::domain::access::Scope;
use crate::notify::ics::{self, Method};
use crate::notify::schedule::{ScheduledVisit, event};
use crate::store::accounts;
use crate::store::people;
use crate::store::visits::{self, VisitFilter};
use crate::store::{Store, Tx};

/// How far the feed reaches: the weeks behind and ahead of today.
const WEEKS_BEHIND: i64 = 4;
const WEEKS_AHEAD: i64 = 8;

/// "李小明" → "李小*": the family name and the given name's first character.
pub fn short_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 | 2 => format!("{}*", chars[0]),
        _ => format!("{}{}*", chars[0], chars[1]),
    }
}

fn own_account(actor: &Actor) -> Result<i64, ServiceError> {
    match (&actor.scope, actor.account_id) {
        (Scope::Teacher { .. }, Some(id)) => Ok(id),
        _ => Err(ServiceError::Forbidden(
            "a calendar feed is a teacher's own visits".into(),
        )),
    }
}

/// A new feed URL for the teacher (any earlier one stops working); shown once.
pub async fn renew(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let account_id = own_account(actor)?;
    let token = new_secret();
    let mut tx = store.write(&actor.audit(), now).await?;
    accounts::renew_feed(&mut tx, account_id, &secret_hash(&token)).await?;
    tx.commit().await?;
    Ok(format!(
        "{}/calendar/{token}.ics",
        settings.web.public_url.trim_end_matches('/')
    ))
}

/// Stops the teacher's feed.
pub async fn revoke(store: &Store, actor: &Actor, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let account_id = own_account(actor)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    accounts::revoke_feed(&mut tx, account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the teacher has a feed in use.
pub async fn has_feed(store: &Store, actor: &Actor) -> Result<bool, ServiceError> {
    let Ok(account_id) = own_account(actor) else {
        return Ok(false);
    };
    let mut tx = store.read().await?;
    let has = accounts::has_feed(&mut tx, account_id).await?;
    tx.rollback().await?;
    Ok(has)
}

/// The feed a token opens, as an iCalendar text; "not found" for a token that
/// is unknown, revoked, or whose account is disabled or no teacher's.
pub async fn feed(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
    token: &str,
    address: &str,
) -> Result<String, ServiceError> {
    let not_found = || ServiceError::NotFound {
        what: "calendar feed",
        id: "(unknown or revoked)".into(),
    };
    let mut tx = audit::logged_read(store, &Actor::new("calendar feed"), now).await?;
    let account = match accounts::feed_account(&mut tx, &secret_hash(token)).await? {
        Some(id) => accounts::by_id(&mut tx, id).await?,
        None => None,
    };
    let account = account
        .filter(|a| a.disabled_at.is_none())
        .ok_or_else(not_found)?;
    let actor = super::accounts::actor_of(&account);
    let Scope::Teacher { teacher_id } = &actor.scope else {
        return Err(not_found());
    };
    let events = events(&mut tx, settings, teacher_id, now, &actor, address).await?;
    tx.commit().await?;
    Ok(ics::calendar(
        Method::Publish,
        settings.time_zone,
        now,
        &events,
    ))
}

async fn events(
    tx: &mut Tx,
    settings: &Settings,
    teacher_id: &str,
    now: DateTime<Utc>,
    actor: &Actor,
    address: &str,
) -> Result<Vec<ics::Event>, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let slots = settings.slot_table().map_err(ServiceError::Settings)?;
    let key = audit::chain_key(settings)?;
    let planned = visits::list(
        tx,
        &VisitFilter {
            from: Some(today - Duration::weeks(WEEKS_BEHIND)),
            to: Some(today + Duration::weeks(WEEKS_AHEAD)),
            teacher_id: Some(teacher_id.to_string()),
            ..Default::default()
        },
    )
    .await?;
    let mut children = std::collections::HashMap::new();
    let mut events = Vec::new();
    for visit in planned {
        let Some(slot) = slots.get(&visit.slot) else {
            continue;
        };
        if !children.contains_key(&visit.student_id) {
            let student = people::student(tx, &visit.student_id).await?;
            audit::record_read(tx, &key, actor, &visit.student_id, "calendar feed", address)
                .await?;
            children.insert(visit.student_id.clone(), student);
        }
        let student = children.get(&visit.student_id).and_then(Option::as_ref);
        events.push(event(
            &ScheduledVisit {
                visit_id: visit.visit_id,
                sequence: visit.sequence,
                day: visit.day,
                slot: visit.slot.clone(),
                start: slot.start,
                end: slot.end,
                student_name: short_name(student.map_or(&visit.student_id, |s| &s.name)),
                address: student.and_then(|s| s.address.clone()).unwrap_or_default(),
                goals: Vec::new(),
            },
            settings.locale,
        ));
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn a_feed_names_a_child_by_family_name_and_initial() {
        assert_eq!(short_name("李小明"), "李小*");
        assert_eq!(short_name("王芳"), "王*");
        assert_eq!(short_name("欧阳娜娜"), "欧阳*");
    }
}
