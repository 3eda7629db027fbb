//! The district at a glance, for coordinators, supervisors and admins, scoped to
//! the schools they may see: the children by status per school, those behind or
//! worse (since when, the figures, the year's end as projected), the week's
//! visits that could not be placed and the staffing advice, visits unrecorded
//! past the grace, and the open alerts. It reads what the daemon last computed
//! (`store::readings`: check-pace's reading and projection, plan-week's report),
//! so it costs a few queries, never a district's year worked out again.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, IsoWeek, Utc};
use serde::Serialize;

use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::access::Role;
use crate::domain::calendar::SchoolYear;
use crate::domain::pace::Status;
use crate::store::alerts::StudentAlert;
use crate::store::outbox::{self, FailedMessage};
use crate::store::readings::{self, Reading, Unrecorded};
use crate::store::{Store, alerts};

/// One school's children by status and its periods against the expected.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SchoolRow {
    pub school: String,
    pub on_track: usize,
    pub behind: usize,
    pub at_risk: usize,
    pub unreachable: usize,
    pub delivered: i64,
    pub expected: i64,
    pub target: i64,
}

impl SchoolRow {
    pub fn children(&self) -> usize {
        self.on_track + self.behind + self.at_risk + self.unreachable
    }

    /// The bar's parts: each status with where it starts and its width, in
    /// percent of the school's children.
    pub fn segments(&self) -> Vec<(Status, f64, f64)> {
        let total = self.children().max(1) as f64;
        let mut x = 0.0;
        [
            (Status::OnTrack, self.on_track),
            (Status::Behind, self.behind),
            (Status::AtRisk, self.at_risk),
            (Status::Unreachable, self.unreachable),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(status, n)| {
            let width = n as f64 * 100.0 / total;
            let part = (status, x, width);
            x += width;
            part
        })
        .collect()
    }

    /// The share of children in `status`, in percent, for the bar.
    pub fn share(&self, status: &Status) -> usize {
        let count = match status {
            Status::OnTrack => self.on_track,
            Status::Behind => self.behind,
            Status::AtRisk => self.at_risk,
            Status::Unreachable => self.unreachable,
        };
        (count * 100).checked_div(self.children()).unwrap_or(0)
    }
}

/// A child the week could not give all their visits.
#[derive(Debug, Clone, Serialize)]
pub struct UnplacedStudent {
    pub student_id: String,
    pub name: String,
    pub missing: u64,
    pub reason: String,
}

/// One addition the planner advised, as words can show it.
#[derive(Debug, Clone, Serialize)]
pub struct AdviceLine {
    /// `teacher_half_days`, `backup_teacher` or `family_half_days`.
    pub kind: String,
    pub teachers: Vec<String>,
    pub changed_for: Vec<String>,
    pub half_days: Vec<String>,
    pub visits: u64,
}

/// An open alert with its child.
#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    pub id: i64,
    pub student_id: String,
    pub name: String,
    pub school: String,
    pub severity: Status,
    pub opened_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub ack_note: Option<String>,
}

/// A list on the page shows at most this many (the worst first); the page says
/// how many more there are.
pub const SHOWN: usize = 100;

/// The first [`SHOWN`] of a list and how many it had.
#[derive(Debug, Clone)]
pub struct Shortlist<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> Shortlist<T> {
    fn of(mut items: Vec<T>) -> Self {
        let total = items.len();
        items.truncate(SHOWN);
        Shortlist { items, total }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many are not shown.
    pub fn more(&self) -> usize {
        self.total - self.items.len()
    }
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    /// When check-pace last read the plans (None: it has not run yet).
    pub read_at: Option<DateTime<Utc>>,
    pub schools: Vec<SchoolRow>,
    /// Behind or worse, the worst first, then the longest so.
    pub behind: Shortlist<Reading>,
    pub week: IsoWeek,
    pub week_planned_at: Option<DateTime<Utc>>,
    pub unplaced: Shortlist<UnplacedStudent>,
    pub advice: Vec<AdviceLine>,
    pub unrecorded: Shortlist<Unrecorded>,
    pub alerts: Shortlist<AlertLine>,
    /// For coordinators and admins: messages that failed or were given up.
    pub failed_messages: Option<Vec<FailedMessage>>,
}

fn texts(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other
                        .as_object()
                        .map(|o| {
                            o.values()
                                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_else(|| other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a week's planning report says could not be placed (why, in the
/// settings' language, teachers by name), and the advice, for the children
/// `name_of` knows (those the reader may see).
/// Every teacher's name by id, for words that name them.
pub(crate) async fn teacher_names(
    tx: &mut crate::store::Tx,
) -> Result<HashMap<String, String>, ServiceError> {
    Ok(crate::store::people::teachers(tx, None)
        .await?
        .into_iter()
        .map(|t| (t.teacher_id, t.name))
        .collect())
}

pub(crate) fn shortfall(
    report: &str,
    name_of: impl Fn(&str) -> Option<String>,
    (chinese, teachers): (bool, &HashMap<String, String>),
) -> (Vec<UnplacedStudent>, Vec<AdviceLine>) {
    let teacher = |id: &str| teachers.get(id).cloned().unwrap_or_else(|| id.to_string());
    let why = |u: &serde_json::Value| {
        let english = u["reason"].as_str().unwrap_or_default();
        match serde_json::from_value::<crate::planner::Shortfall>(u["why"].clone()) {
            Ok(why) if chinese => why.chinese(teacher),
            Ok(why) => why.english(),
            // A week planned before reasons were values kept only the
            // English sentence: under zh-CN it is not shown half-translated.
            Err(_) if chinese => "（这一周排课较早，没有记下原因；重新排课后可见）".to_string(),
            Err(_) => english.to_string(),
        }
    };
    let report: serde_json::Value = serde_json::from_str(report).unwrap_or_default();
    let unplaced = report["unplaced"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| {
            let student = u["student"].as_str()?;
            Some(UnplacedStudent {
                student_id: student.to_string(),
                name: name_of(student)?,
                missing: u["missing"].as_u64().unwrap_or(0),
                reason: why(u),
            })
        })
        .collect();
    let advice = report["advice"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| texts(&a["students"]).iter().any(|s| name_of(s).is_some()))
        .map(|a| AdviceLine {
            kind: a["kind"].as_str().unwrap_or_default().to_string(),
            teachers: texts(&a["teachers"]),
            changed_for: texts(&a["changed_for"]),
            half_days: texts(&a["half_days"]),
            visits: a["visits"].as_u64().unwrap_or(0),
        })
        .collect();
    (unplaced, advice)
}

pub async fn dashboard(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Dashboard, ServiceError> {
    if actor.role == Role::Teacher {
        return Err(ServiceError::Forbidden(
            "a teacher's home is their week".into(),
        ));
    }
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let year = SchoolYear::containing(today).to_string();
    let week = today.iso_week();
    let mut tx = store.read().await?;
    let readings: Vec<Reading> = readings::of_year(&mut tx, &year, actor.schools_seen()).await?;
    let report = readings::week_report(&mut tx, &crate::planner::week::format_week(week)).await?;
    let grace = Duration::days(i64::from(settings.records.record_grace_days));
    let unrecorded: Vec<Unrecorded> =
        readings::unrecorded_before(&mut tx, &year, today - grace, actor.schools_seen()).await?;
    let open_alerts = alerts::of_children(&mut tx, true, actor.schools_seen()).await?;
    let failed_messages = if actor.role.keeps_registers() {
        Some(outbox::failed(&mut tx).await?)
    } else {
        None
    };
    let teachers = teacher_names(&mut tx).await?;
    tx.rollback().await?;

    let mut schools: BTreeMap<String, SchoolRow> = BTreeMap::new();
    for r in &readings {
        let row = schools
            .entry(r.school.clone())
            .or_insert_with(|| SchoolRow {
                school: r.school.clone(),
                ..Default::default()
            });
        match r.status {
            Status::OnTrack => row.on_track += 1,
            Status::Behind => row.behind += 1,
            Status::AtRisk => row.at_risk += 1,
            Status::Unreachable => row.unreachable += 1,
        }
        row.delivered += r.delivered;
        row.expected += r.expected;
        row.target += r.target;
    }
    let by_plan: HashMap<i64, &Reading> = readings.iter().map(|r| (r.plan_id, r)).collect();
    let by_student: HashMap<&str, &Reading> = readings
        .iter()
        .map(|r| (r.student_id.as_str(), r))
        .collect();
    let mut alerts: Vec<AlertLine> = open_alerts
        .into_iter()
        // An alert of a plan no longer active is not shown.
        .filter(|a| by_plan.contains_key(&a.alert.plan_id))
        .map(
            |StudentAlert {
                 alert,
                 name,
                 school,
             }| AlertLine {
                id: alert.id,
                student_id: alert.student_id,
                name,
                school,
                severity: alert.severity,
                opened_at: alert.opened_at,
                acknowledged_at: alert.acknowledged_at,
                ack_note: alert.ack_note,
            },
        )
        .collect();
    // Those nobody acknowledged first, the worst first.
    alerts.sort_by(|a, b| {
        (a.acknowledged_at.is_some(), b.severity, a.opened_at).cmp(&(
            b.acknowledged_at.is_some(),
            a.severity,
            b.opened_at,
        ))
    });
    let (unplaced, advice, week_planned_at) = match report {
        Some((text, planned_at)) => {
            let chinese = settings.locale == crate::config::Locale::ZhCn;
            let (unplaced, advice) = shortfall(
                &text,
                |student| by_student.get(student).map(|r| r.name.clone()),
                (chinese, &teachers),
            );
            (unplaced, advice, Some(planned_at))
        }
        None => (Vec::new(), Vec::new(), None),
    };
    let mut behind: Vec<Reading> = readings
        .iter()
        .filter(|r| r.status != Status::OnTrack)
        .cloned()
        .collect();
    behind.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then(a.status_since.cmp(&b.status_since))
            .then(a.name.cmp(&b.name))
    });
    Ok(Dashboard {
        read_at: readings.iter().map(|r| r.read_at).max(),
        schools: schools.into_values().collect(),
        behind: Shortlist::of(behind),
        week,
        week_planned_at,
        unplaced: Shortlist::of(unplaced),
        advice,
        unrecorded: Shortlist::of(unrecorded),
        alerts: Shortlist::of(alerts),
        failed_messages,
    })
}
