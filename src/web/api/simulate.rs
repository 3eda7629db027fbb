//! The capacity what-if (`songjiao simulate`): the rest of the school year
//! replayed in memory with the real planner and visits missed at random. Nothing
//! is written.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, Caller};
use super::problem::{ApiError, Problem};
use crate::service::simulate::{self, Options, SimulationReport};
use crate::web::App;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIf {
    /// What is recorded up to this day stands; the weeks after it are replayed.
    /// Default: today. Its school year is the one replayed.
    pub from: Option<NaiveDate>,
    /// The share of planned visits that do not happen, 0 to 1 (default 0.1).
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub miss_rate: Option<f64>,
    /// The same seed gives the same year (default 1).
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    pub seed: Option<u32>,
    /// Also work out the half-days or backup teachers the missing visits needed.
    #[serde(default)]
    pub advise: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Simulation {
    pub school_year: String,
    pub from: NaiveDate,
    pub miss_rate: f64,
    pub seed: u64,
    pub weeks: u32,
    pub children: usize,
    pub children_reaching_target: usize,
    pub visits_asked: u64,
    pub visits_placed: u64,
    pub visits_missed: u64,
    pub visits_completed: u64,
    /// Each child's plan at the year's end, by student id.
    pub plans: Vec<ProjectedPlan>,
    /// Each teacher's visits over the replayed weeks.
    pub teachers: Vec<TeacherVisits>,
    /// With `advise`: the additions that would have placed the missing visits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<Vec<Addition>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectedPlan {
    pub student_id: String,
    pub plan_id: i64,
    pub target: u32,
    pub delivered_so_far: u32,
    pub projected: u32,
    /// on_track, behind, at_risk or unreachable, at the year's end.
    pub status: String,
    pub reaches_target: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeacherVisits {
    pub teacher_id: String,
    pub visits: u32,
    pub per_week: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Addition {
    /// teacher_half_days, backup_teacher or family_half_days.
    pub kind: String,
    pub teachers: Vec<String>,
    pub changed_for: Vec<String>,
    pub children: Vec<String>,
    /// Weekly half-days (`Tue-PM`), the most often needed first.
    pub half_days: Vec<String>,
    pub half_days_a_week: u32,
    pub weeks: u32,
    pub visits: u64,
}

impl From<SimulationReport> for Simulation {
    fn from(report: SimulationReport) -> Self {
        let totals = report.totals;
        Simulation {
            school_year: report.school_year,
            from: report.from,
            miss_rate: report.miss_rate,
            seed: report.seed,
            weeks: totals.weeks,
            children: totals.students,
            children_reaching_target: totals.reaching_target,
            visits_asked: totals.visits_asked,
            visits_placed: totals.visits_placed,
            visits_missed: totals.visits_missed,
            visits_completed: totals.visits_completed,
            plans: report
                .students
                .into_iter()
                .map(|s| ProjectedPlan {
                    student_id: s.student_id,
                    plan_id: s.plan_id,
                    target: s.target,
                    delivered_so_far: s.delivered_so_far,
                    projected: s.projected,
                    status: s.status.as_str().to_string(),
                    reaches_target: s.reaches_target,
                })
                .collect(),
            teachers: report
                .teachers
                .into_iter()
                .map(|t| TeacherVisits {
                    teacher_id: t.teacher_id,
                    visits: t.visits,
                    per_week: t.per_week,
                })
                .collect(),
            advice: report.advice.map(|advice| {
                advice
                    .into_iter()
                    .map(|a| Addition {
                        kind: serde_json::to_value(a.kind)
                            .ok()
                            .and_then(|kind| kind.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        teachers: a.teachers,
                        changed_for: a.changed_for,
                        children: a.students,
                        half_days: a.half_days,
                        half_days_a_week: a.half_days_a_week,
                        weeks: a.weeks,
                        visits: a.visits,
                    })
                    .collect()
            }),
        }
    }
}

/// "With our teachers and this miss rate, does every child reach the target?"
/// (admins and the district's coordinators; one replay runs at a time).
#[utoipa::path(
    post,
    path = "/api/v1/simulate",
    tag = "weeks",
    request_body = WhatIf,
    responses(
        (status = 200, body = Simulation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "A miss rate outside 0 to 1, or a day of a school year without a calendar"),
    )
)]
pub async fn simulate(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiJson(what_if): ApiJson<WhatIf>,
) -> Result<Json<Simulation>, ApiError> {
    let miss_rate = what_if.miss_rate.unwrap_or(0.1);
    if !(0.0..=1.0).contains(&miss_rate) {
        return Err(ApiError::invalid(
            "miss_rate",
            "miss_rate is a share from 0 to 1 (0.1: one visit in ten is missed)",
            "miss_rate 是 0 到 1 之间的比例（0.1 表示十次中缺一次）",
        ));
    }
    let from = what_if.from.unwrap_or_else(|| {
        app.now()
            .with_timezone(&app.settings.time_zone)
            .date_naive()
    });
    let report = simulate::replay(
        &app.store,
        &app.settings,
        &caller.actor,
        Options {
            from,
            miss_rate,
            seed: u64::from(what_if.seed.unwrap_or(1)),
            advise: what_if.advise,
            own_record: false,
        },
    )
    .await?;
    Ok(Json(report.into()))
}
