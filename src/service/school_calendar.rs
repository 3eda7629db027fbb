//! The school calendar every process plans and counts pace with: the year's file,
//! or, once a coordinator has corrected an entry on the pages, the corrected
//! calendar kept in the database. Each process reads the corrections when it
//! opens the database and before each daemon job; the process that makes a
//! correction uses it at once.
//!
//! Decision: a correction keeps the whole corrected year, so a later edit of the
//! year's file is no longer read for that year; `calendar show` and the page say
//! so, naming who corrected it and when.

use crate::reason::Reason;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::calendar_correction::{self, Entry, EntryRef, Problem};
use crate::store::{Store, Tx, audit, calendars};

pub use crate::store::calendars::StoredCalendar;

/// The year's calendar as corrected on the pages, with who corrected it last;
/// None while the year's file is what counts.
pub async fn correction(
    store: &Store,
    actor: &Actor,
    year: crate::domain::calendar::SchoolYear,
) -> Result<Option<StoredCalendar>, ServiceError> {
    let _anyone_signed_in_reads_the_calendar = actor;
    let mut tx = store.read().await?;
    let stored = calendars::of_year(&mut tx, &year.to_string()).await?;
    tx.rollback().await?;
    Ok(stored)
}

/// Reads every corrected calendar into `settings`, in place of the years' files.
pub async fn load_corrections(store: &Store, settings: &Settings) -> Result<(), ServiceError> {
    let mut tx = store.read().await?;
    for stored in calendars::all(&mut tx).await? {
        settings.use_calendar(parse(&stored)?);
    }
    Ok(())
}

fn parse(stored: &calendars::StoredCalendar) -> Result<SchoolCalendar, ServiceError> {
    SchoolCalendar::from_toml(&stored.body).map_err(|e| {
        ServiceError::Settings(format!(
            "the school calendar {} as corrected on the pages cannot be read: {e}",
            stored.school_year
        ))
    })
}

/// The calendar is the district's: its coordinators and admins correct it.
pub fn may_correct(actor: &Actor) -> bool {
    super::week_board::may_plan(actor)
}

/// Who last corrected a year's calendar on the pages, and when.
pub struct CorrectedBy {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A year's calendar as the pages show it.
pub struct YearCalendar {
    pub calendar: SchoolCalendar,
    pub corrected: Option<CorrectedBy>,
    /// Days that are not teaching days but have planned visits (after a
    /// correction or a new file): their weeks want planning again. Only for those
    /// who may correct.
    pub stranded: Vec<(NaiveDate, i64)>,
}

pub async fn year(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    year: SchoolYear,
) -> Result<YearCalendar, ServiceError> {
    let calendar = super::calendar_of(settings, year)?;
    let mut tx = store.read().await?;
    let corrected = calendars::of_year(&mut tx, &year.to_string())
        .await?
        .map(|stored| CorrectedBy {
            by: stored.changed_by,
            at: stored.changed_at,
        });
    let stranded = if may_correct(actor) {
        stranded(&mut tx, &calendar).await?
    } else {
        Vec::new()
    };
    Ok(YearCalendar {
        calendar,
        corrected,
        stranded,
    })
}

async fn stranded(
    tx: &mut Tx,
    calendar: &SchoolCalendar,
) -> Result<Vec<(NaiveDate, i64)>, ServiceError> {
    let year = calendar.year;
    Ok(
        calendars::planned_days(tx, year.first_day(), year.last_day())
            .await?
            .into_iter()
            .filter(|(day, _)| !calendar.is_teaching_day(*day))
            .collect(),
    )
}

/// One entry set, added or removed (`entry` None), with the reason the audit keeps.
pub struct Correction {
    pub at: EntryRef,
    pub entry: Option<Entry>,
    pub reason: String,
}

/// Corrects one entry of `year`'s calendar for every process. The entry's own
/// problem (which field is wrong) comes back as `Ok(Err(problem))`, nothing kept.
pub async fn correct(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    year: SchoolYear,
    correction: &Correction,
) -> Result<Result<(), Problem>, ServiceError> {
    if !may_correct(actor) {
        return Err(ServiceError::Forbidden(
            "the school calendar is corrected by the district's coordinators".into(),
        ));
    }
    let reason = correction.reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::invalid(
            "reason",
            Reason::CorrectionNeedsReason,
        ));
    }
    let name = year.to_string();
    let mut tx = store.write(&actor.audit(), now).await?;
    // Two coordinators correcting at once: each starts from the other's result.
    tx.lock(&format!("calendar:{name}")).await?;
    let base = match calendars::of_year(&mut tx, &name).await? {
        Some(stored) => parse(&stored)?,
        None => settings.calendar(year).map_err(ServiceError::Settings)?,
    };
    let corrected =
        match calendar_correction::correct(&base, correction.at, correction.entry.clone()) {
            Ok(corrected) => corrected,
            Err(problem) => return Ok(Err(problem)),
        };
    calendars::save(&mut tx, &name, &corrected.to_toml()).await?;
    let action = match (correction.at.at, &correction.entry) {
        (None, _) => "add",
        (Some(_), None) => "remove",
        (Some(_), Some(_)) => "correct",
    };
    let detail = json!({
        "entry": correction.at.to_string(),
        "old": calendar_correction::entry(&base, correction.at),
        "new": correction.entry,
        "reason": reason,
    });
    audit::record(&mut tx, action, "calendar", &name, detail).await?;
    tx.commit().await?;
    settings.use_calendar(corrected);
    Ok(Ok(()))
}
