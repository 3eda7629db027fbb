//! Every plan's pace on a day: delivered against expected, capacity, status.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::args;
use crate::config::Settings;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::pace::{Pace, PlanDays, Rhythm, Status};
use crate::store::{StoreResult, Tx, people, plans};

#[derive(Debug, Clone, Serialize)]
pub struct ProgressRow {
    pub student_id: String,
    pub plan_id: i64,
    pub school_year: String,
    pub target: u32,
    pub delivered: u32,
    pub expected: u32,
    pub capacity: u32,
    pub status: Status,
    pub visits_completed: u32,
    pub visits_missed: u32,
    pub visits_unrecorded: u32,
    pub name: String,
    pub school: String,
    pub teacher_id: String,
}

#[derive(sqlx::FromRow, Default)]
struct Tally {
    plan_id: i64,
    delivered: i64,
    completed: i64,
    missed: i64,
    unrecorded: i64,
}

/// Each active plan of `year` as of the end of `today`: visits recorded today count
/// as delivered, and today counts as elapsed.
pub async fn progress(
    tx: &mut Tx,
    settings: &Settings,
    calendar: &SchoolCalendar,
    today: NaiveDate,
) -> StoreResult<Vec<ProgressRow>> {
    let year: SchoolYear = calendar.year;
    let tallies: Vec<Tally> = tx
        .fetch_all(
            "SELECT v.plan_id,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.day <= $2
                                            AND v.outcome IN ('completed', 'partial')
                                      THEN v.periods ELSE 0 END), 0) AS BIGINT) AS delivered,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.outcome = 'completed'
                                      THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.outcome = 'missed'
                                      THEN 1 ELSE 0 END), 0) AS BIGINT) AS missed,
                    CAST(COALESCE(SUM(CASE WHEN v.status = 'planned' AND v.outcome IS NULL
                                            AND v.day < $2
                                      THEN 1 ELSE 0 END), 0) AS BIGINT) AS unrecorded
             FROM visits v JOIN plans p ON p.id = v.plan_id
             -- The visit's status is tested in the sums, not here: a filter on it
             -- lets PostgreSQL pick the partial slot index and scan it once per plan
             -- when its statistics are stale (after a bulk import).
             WHERE p.school_year = $1 AND p.status = 'active'
             GROUP BY v.plan_id",
            args![year.to_string(), today],
        )
        .await?;
    let mut tallies: HashMap<i64, Tally> = tallies.into_iter().map(|t| (t.plan_id, t)).collect();
    let students: HashMap<String, people::Student> = people::students(tx, None)
        .await?
        .into_iter()
        .map(|s| (s.student_id.clone(), s))
        .collect();
    let pauses = people::ranges_by_person(people::student_pauses(tx, None).await?);
    let defaults = &settings.defaults;
    let mut rows = Vec::new();
    for plan in plans::active_plans(tx, Some(year), None).await? {
        let terms = &plan.terms;
        let tally = tallies.remove(&plan.plan_id).unwrap_or_default();
        let paused = pauses.get(&plan.student_id).map_or(&[][..], Vec::as_slice);
        let days = PlanDays::new(calendar, terms.start_date, terms.end_date, paused);
        let rhythm = Rhythm {
            target: terms.target(calendar, defaults.prorate_target),
            visits_per_week: terms.visits_per_week,
            periods_per_visit: terms.periods_per_visit,
            max_visits_per_week: defaults.max_visits_per_week,
        };
        let delivered = tally.delivered.max(0) as u32;
        let pace = Pace::on(&days, rhythm, delivered, today + Duration::days(1));
        let student = students.get(&plan.student_id);
        rows.push(ProgressRow {
            student_id: plan.student_id.clone(),
            plan_id: plan.plan_id,
            school_year: plan.school_year.clone(),
            target: pace.target,
            delivered,
            expected: pace.expected,
            capacity: pace.capacity,
            status: pace.status,
            visits_completed: tally.completed as u32,
            visits_missed: tally.missed as u32,
            visits_unrecorded: tally.unrecorded as u32,
            name: student.map(|s| s.name.clone()).unwrap_or_default(),
            school: student.map(|s| s.school.clone()).unwrap_or_default(),
            teacher_id: terms.teacher_id.clone(),
        });
    }
    Ok(rows)
}
