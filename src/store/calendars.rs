//! School calendars corrected on the pages: each year's whole corrected calendar,
//! which replaces the year's file for every process.

use chrono::{DateTime, NaiveDate, Utc};

use super::{StoreResult, Tx};
use crate::args;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredCalendar {
    pub school_year: String,
    /// The calendar in its file's form (TOML).
    pub body: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

pub async fn all(tx: &mut Tx) -> StoreResult<Vec<StoredCalendar>> {
    tx.fetch_all(
        "SELECT school_year, body, changed_by, changed_at FROM calendar_corrections ORDER BY school_year",
        args![],
    )
    .await
}

pub async fn of_year(tx: &mut Tx, school_year: &str) -> StoreResult<Option<StoredCalendar>> {
    tx.fetch_optional(
        "SELECT school_year, body, changed_by, changed_at FROM calendar_corrections WHERE school_year = $1",
        args![school_year],
    )
    .await
}

/// Keeps the year's corrected calendar, replacing the one before.
pub async fn save(tx: &mut Tx, school_year: &str, body: &str) -> StoreResult<()> {
    let (now, actor) = (tx.now, tx.actor.0.clone());
    tx.execute(
        "INSERT INTO calendar_corrections (school_year, body, changed_by, changed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (school_year) DO UPDATE SET body = excluded.body,
             changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        args![school_year, body, actor, now],
    )
    .await?;
    Ok(())
}

/// The days from `from` to `to` with planned visits on them, and how many.
pub async fn planned_days(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<(NaiveDate, i64)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        day: NaiveDate,
        visits: i64,
    }
    let rows: Vec<Row> = tx
        .fetch_all(
            "SELECT day, COUNT(*) AS visits FROM visits
             WHERE status = 'planned' AND day BETWEEN $1 AND $2 GROUP BY day ORDER BY day",
            args![from, to],
        )
        .await?;
    Ok(rows.into_iter().map(|r| (r.day, r.visits)).collect())
}
