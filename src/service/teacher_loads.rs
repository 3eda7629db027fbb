//! The teachers' load and completion, for the teachers page: each teacher's
//! children, this week's visits and free half-days, the share of this term's
//! visits delivered, their leave; and the term's periods delivered against the
//! expected, week by week, for the schools the reader sees.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::calendar::SchoolYear;
use crate::domain::pace::ChartWeek;
use crate::planner::week::monday_of;
use crate::store::{Store, people, plans};

#[derive(Debug, Clone)]
pub struct TeacherLoad {
    pub teacher_id: String,
    pub name: String,
    pub school: String,
    /// The children whose plan names them as the teacher, by name.
    pub children: Vec<String>,
    /// Visits planned this week (recorded or not).
    pub week_visits: u32,
    /// Half-days of this week's teaching days they are available and have no visit.
    pub free_half_days: u32,
    /// This term's visits so far whose fate is known, and of those delivered.
    pub term_settled: u32,
    pub term_delivered: u32,
    /// Leave running today or starting later, the nearest first.
    pub leave: Option<(NaiveDate, NaiveDate)>,
}

impl TeacherLoad {
    /// The share of this term's settled visits delivered, in percent.
    pub fn completion(&self) -> Option<u32> {
        (self.term_settled > 0).then(|| self.term_delivered * 100 / self.term_settled)
    }
}

pub struct Loads {
    pub teachers: Vec<TeacherLoad>,
    /// The term so far, week by week: periods delivered and expected by each
    /// week's end, summed from the term's start.
    pub trend: Vec<ChartWeek>,
    /// Periods the whole term expects.
    pub term_expected: u32,
}

/// A visit past its day counts as settled once recorded or past the grace.
pub async fn loads(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Loads, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let year = SchoolYear::containing(today);
    let calendar = super::calendar_for(settings, year, "year")?;
    let term = calendar
        .terms
        .iter()
        .rfind(|t| t.start <= today)
        .map_or((year.first_day(), year.last_day()), |t| (t.start, t.end));
    let grace = Duration::days(i64::from(settings.records.record_grace_days));
    let week_start = monday_of(today.iso_week());
    let week_days = calendar.teaching_days_between(week_start, week_start + Duration::days(6));
    let slots = settings.slot_table().map_err(ServiceError::Settings)?;

    let mut tx = store.read().await?;
    let teachers: Vec<people::Teacher> = people::teachers(&mut tx, None)
        .await?
        .into_iter()
        .filter(|t| actor.sees_school(&t.school))
        .collect();
    let active = plans::active_plans(&mut tx, Some(year), actor.schools_seen()).await?;
    let names = people::names_and_schools(&mut tx, None).await?;
    let leaves = people::ranges_by_person(people::teacher_leaves(&mut tx, None).await?);
    let visits = crate::store::visits::planned_between(
        &mut tx,
        term.0.min(week_start),
        today.max(week_start + Duration::days(6)),
    )
    .await?;
    tx.rollback().await?;

    let in_scope: HashMap<i64, &plans::Plan> = active.iter().map(|p| (p.plan_id, p)).collect();
    let mut by_teacher: HashMap<&str, TeacherLoad> = teachers
        .iter()
        .map(|t| {
            let leave = leaves
                .get(&t.teacher_id)
                .into_iter()
                .flatten()
                .filter(|(_, end)| *end >= today)
                .min()
                .copied();
            (
                t.teacher_id.as_str(),
                TeacherLoad {
                    teacher_id: t.teacher_id.clone(),
                    name: t.name.clone(),
                    school: t.school.clone(),
                    children: Vec::new(),
                    week_visits: 0,
                    free_half_days: 0,
                    term_settled: 0,
                    term_delivered: 0,
                    leave,
                },
            )
        })
        .collect();
    for plan in &active {
        if let Some(load) = by_teacher.get_mut(plan.terms.teacher_id.as_str()) {
            let name = names
                .get(&plan.student_id)
                .map_or_else(|| plan.student_id.clone(), |(name, _)| name.clone());
            load.children.push(name);
        }
    }
    let mut busy: HashMap<&str, Vec<(NaiveDate, &str)>> = HashMap::new();
    // Periods delivered in each week of the term, of the plans the reader sees.
    let mut delivered_by_week: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for visit in &visits {
        if visit.day >= week_start && visit.day < week_start + Duration::days(7) {
            busy.entry(visit.teacher_id.as_str())
                .or_default()
                .push((visit.day, visit.slot.as_str()));
            if let Some(load) = by_teacher.get_mut(visit.teacher_id.as_str()) {
                load.week_visits += 1;
            }
        }
        let settled = visit.outcome.is_some() || visit.day + grace < today;
        if visit.day < today && settled {
            let delivered = visit.outcome.is_some_and(|o| o.delivers());
            if let Some(load) = by_teacher.get_mut(visit.teacher_id.as_str()) {
                load.term_settled += 1;
                load.term_delivered += u32::from(delivered);
            }
            if delivered && in_scope.contains_key(&visit.plan_id) {
                *delivered_by_week
                    .entry(monday_of(visit.day.iso_week()))
                    .or_default() += visit.periods.unwrap_or(0).max(0) as u32;
            }
        }
    }
    for teacher in &teachers {
        let Some(load) = by_teacher.get_mut(teacher.teacher_id.as_str()) else {
            continue;
        };
        let taken = busy.get(teacher.teacher_id.as_str());
        let on_leave = |day: NaiveDate| {
            leaves
                .get(&teacher.teacher_id)
                .is_some_and(|ranges| ranges.iter().any(|&(from, to)| from <= day && day <= to))
        };
        load.free_half_days = week_days
            .iter()
            .filter(|&&day| day >= today && !on_leave(day))
            .flat_map(|&day| {
                teacher
                    .available
                    .iter()
                    .filter(move |s| s.weekday == day.weekday())
                    .map(move |s| (day, s.slot.as_str()))
            })
            .filter(|(day, slot)| {
                slots.names().contains(slot)
                    && !taken.is_some_and(|t| t.iter().any(|(d, s)| d == day && s == slot))
            })
            .count() as u32;
    }

    // What the term expects each week: each plan's regular visits, never more
    // than the week's teaching days within its dates.
    let (mut trend, mut expected_sum, mut delivered_sum) = (Vec::new(), 0u32, 0u32);
    let mut term_expected = 0u32;
    let mut monday = monday_of(term.0.iso_week());
    while monday <= term.1 {
        let days = calendar
            .teaching_days_between(monday.max(term.0), (monday + Duration::days(6)).min(term.1));
        let expected: u32 = active
            .iter()
            .map(|p| {
                let open = days
                    .iter()
                    .filter(|&&d| p.terms.start_date <= d && d <= p.terms.end_date)
                    .count() as u32;
                open.min(p.terms.visits_per_week) * p.terms.periods_per_visit
            })
            .sum();
        term_expected += expected;
        if let (Some(&first_day), Some(&last_day), true) =
            (days.first(), days.last(), monday <= today)
        {
            expected_sum += expected;
            delivered_sum += delivered_by_week.get(&monday).copied().unwrap_or(0);
            trend.push(ChartWeek {
                first_day,
                last_day,
                expected: expected_sum,
                delivered: Some(delivered_sum),
            });
        }
        monday += Duration::days(7);
    }
    let mut teachers: Vec<TeacherLoad> = by_teacher.into_values().collect();
    teachers.sort_by(|a, b| (&a.school, &a.name).cmp(&(&b.school, &b.name)));
    Ok(Loads {
        teachers,
        trend,
        term_expected,
    })
}
