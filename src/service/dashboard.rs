//! The work list, the home of coordinators, supervisors and admins, scoped to
//! the schools they may see: weeks nobody planned, children not placed, visits
//! unrecorded past the grace, open alerts by school and teacher (and those
//! acknowledged and followed), who got worse since the reader's last look,
//! leave waiting, exceptions, and the figures per school. It reads what the
//! daemon last computed (`store::readings`: check-pace's reading, exceptions
//! and projection; plan-week's report), so it costs a few queries, never a
//! district's year worked out again.

use std::collections::{BTreeMap, HashMap};
use std::ops::Not;

use chrono::{DateTime, Datelike, Duration, IsoWeek, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::access::Role;
use crate::domain::calendar::SchoolYear;
use crate::domain::pace::Status;
use crate::service::leave::LeaveView;
use crate::store::Store;
use crate::store::outbox;
use crate::store::readings::{self, Reading, Unrecorded};

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

    /// How many children are in `status`.
    pub fn count(&self, status: &Status) -> usize {
        match status {
            Status::OnTrack => self.on_track,
            Status::Behind => self.behind,
            Status::AtRisk => self.at_risk,
            Status::Unreachable => self.unreachable,
        }
    }

    /// The share of children in `status`, in percent, for the bar.
    pub fn share(&self, status: &Status) -> usize {
        (self.count(status) * 100)
            .checked_div(self.children())
            .unwrap_or(0)
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

/// An alert on the work list: open and not acknowledged, or acknowledged with
/// its follow-up day come.
#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    pub id: i64,
    pub student_id: String,
    pub name: String,
    pub school: String,
    pub teacher: String,
    pub severity: Status,
    /// The day the child's trouble began (the alert opened).
    pub opened_at: DateTime<Utc>,
    /// Periods short of the expected line.
    pub gap: i64,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it, as audit rows name people (`user:EMAIL`).
    pub acknowledged_by: Option<String>,
    pub ack_note: Option<String>,
    /// The day set to look again (on the list: today or before).
    pub follow_up_on: Option<NaiveDate>,
}

/// The alerts of one school and teacher, as the work list groups them.
#[derive(Debug, Clone)]
pub struct AlertGroup {
    pub school: String,
    pub teacher: String,
    pub alerts: Vec<AlertLine>,
}

/// One teacher's visits unrecorded past the grace.
#[derive(Debug, Clone)]
pub struct TeacherUnrecorded {
    pub teacher: String,
    pub visits: Vec<Unrecorded>,
}

/// Delivered visits of the last four weeks recorded without the guardian's
/// confirmation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unconfirmed {
    pub records: i64,
    pub children: usize,
}

/// An open alert as the work list reads it with its plan's reading.
struct OpenAlert {
    id: i64,
    plan_id: i64,
    severity: Status,
    opened_at: DateTime<Utc>,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<String>,
    ack_note: Option<String>,
    follow_up_on: Option<NaiveDate>,
}

/// A work list's lists show this many a page.
pub const PAGE: usize = 8;

/// One page of a list, and where it stands in the whole.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// From 1.
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

impl<T> Paged<T> {
    /// Page `page` (from 1; past the end: the last) of `items`, [`PAGE`] a page.
    pub fn of(items: Vec<T>, page: usize) -> Self {
        let total = items.len();
        let pages = total.div_ceil(PAGE).max(1);
        let page = page.clamp(1, pages);
        let items = items
            .into_iter()
            .skip((page - 1) * PAGE)
            .take(PAGE)
            .collect();
        Paged {
            items,
            page,
            pages,
            total,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The same page with each item made into another.
    fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            pages: self.pages,
            total: self.total,
        }
    }
}

/// Which page of each list the reader asked for (1 when not).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Pages {
    #[serde(default)]
    pub unrecorded: usize,
    #[serde(default)]
    pub worse: usize,
    #[serde(default)]
    pub alerts: usize,
    #[serde(default)]
    pub exceptions: usize,
    #[serde(default)]
    pub schools: usize,
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    /// When check-pace last read the plans (None: it has not run yet).
    pub read_at: Option<DateTime<Utc>>,
    pub schools: Vec<SchoolRow>,
    pub week: IsoWeek,
    /// This week and the next when they have teaching days and nobody planned
    /// them: the first thing to do.
    pub to_plan: Vec<IsoWeek>,
    pub week_planned_at: Option<DateTime<Utc>>,
    pub unplaced: Vec<UnplacedStudent>,
    pub advice: Vec<AdviceLine>,
    /// Visits past the grace nobody recorded, by teacher.
    pub unrecorded: Paged<TeacherUnrecorded>,
    pub unrecorded_visits: usize,
    /// Children whose status got worse since the reader last marked the list
    /// seen (or in the last week, before they ever did), the worst first.
    pub worse: Paged<Reading>,
    pub looked_at: Option<DateTime<Utc>>,
    /// Alerts to act on, by school and teacher, the worst first in each.
    pub alerts: Paged<AlertGroup>,
    pub alerts_to_act: usize,
    /// Acknowledged alerts waiting for their follow-up day (or none set), the
    /// nearest day first.
    pub alerts_followed: Vec<AlertLine>,
    /// Leave waiting for the reader's decision (None: not theirs to decide).
    pub leave: Option<Vec<LeaveView>>,
    /// Children with an exception (misses in a row, weeks without a visit, a
    /// year's end projected short of the target even while on pace), the
    /// longest without a visit first.
    pub exceptions: Paged<Reading>,
    pub unconfirmed: Unconfirmed,
    /// For coordinators and admins: how many messages failed or were given up
    /// (the operations page lists them).
    pub failed_messages: Option<usize>,
}

/// Without a last look, changes of the last this many days are new.
const FIRST_LOOK_DAYS: i64 = 7;

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
    Ok(crate::store::people::teacher_names(tx).await?)
}

/// A planner's half-day (`{"day": "2026-12-08", "slot": "AM"}`) as people
/// read it: 12月8日周二上午.
fn half_day_words(half_day: &serde_json::Value, chinese: bool) -> String {
    let (day, slot) = (
        half_day["day"].as_str().unwrap_or_default(),
        half_day["slot"].as_str().unwrap_or_default(),
    );
    match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(date) if chinese => {
            const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
            format!(
                "{}月{}日{}{}",
                date.month(),
                date.day(),
                WEEKDAYS[date.weekday().num_days_from_monday() as usize],
                crate::reason::slot_zh(slot)
            )
        }
        _ => format!("{day} {slot}"),
    }
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
    // Only the parts read: a district's report also holds every plan's need.
    #[derive(Deserialize, Default)]
    struct Parts {
        #[serde(default)]
        unplaced: serde_json::Value,
        #[serde(default)]
        advice: serde_json::Value,
    }
    let parts: Parts = serde_json::from_str(report).unwrap_or_default();
    let report = serde_json::json!({ "unplaced": parts.unplaced, "advice": parts.advice });
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
            teachers: texts(&a["teachers"]).iter().map(|id| teacher(id)).collect(),
            changed_for: texts(&a["changed_for"])
                .into_iter()
                .filter_map(|student| name_of(&student))
                .collect(),
            half_days: a["half_days"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|half_day| half_day_words(half_day, chinese))
                .collect(),
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
    pages: Pages,
) -> Result<Dashboard, ServiceError> {
    if actor.role == Role::Teacher {
        return Err(ServiceError::Forbidden(
            "a teacher's home is their week".into(),
        ));
    }
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let school_year = SchoolYear::containing(today);
    let year = school_year.to_string();
    let week = today.iso_week();
    let next_week = (today + Duration::days(7)).iso_week();
    let format = crate::planner::week::format_week;
    let grace = Duration::days(i64::from(settings.records.record_grace_days));
    // Two reads at once, each in its own transaction (a district's readings
    // are 10,000 rows): the page waits for the longer only.
    let read_readings = async {
        let mut tx = store.read().await?;
        let rows = readings::of_year_with_alerts(&mut tx, &year, actor.schools_seen()).await?;
        tx.rollback().await?;
        Ok::<_, ServiceError>(rows)
    };
    let read_rest = async {
        let mut tx = store.read().await?;
        let report = readings::week_report(&mut tx, &format(week)).await?;
        let next_planned = readings::week_planned_at(&mut tx, &format(next_week))
            .await?
            .is_some();
        let unrecorded: Vec<Unrecorded> =
            readings::unrecorded_before(&mut tx, &year, today - grace, actor.schools_seen())
                .await?;
        let leave_waiting = !crate::store::people::leave_requests(
            &mut tx,
            None,
            Some(crate::domain::leave::LeaveStatus::Requested),
        )
        .await?
        .is_empty();
        let failed_messages = if actor.role.keeps_registers() {
            Some(outbox::failed(&mut tx).await?.len())
        } else {
            None
        };
        let looked_at = readings::last_look(&mut tx, &actor.name).await?;
        let teachers = teacher_names(&mut tx).await?;
        tx.rollback().await?;
        Ok::<_, ServiceError>((
            report,
            next_planned,
            unrecorded,
            leave_waiting,
            failed_messages,
            looked_at,
            teachers,
        ))
    };
    let (
        rows,
        (report, next_planned, unrecorded, leave_waiting, failed_messages, looked_at, teachers),
    ) = tokio::try_join!(read_readings, read_rest)?;
    let mut open_alerts = Vec::new();
    let mut readings: Vec<Reading> = Vec::with_capacity(rows.len());
    for row in rows {
        if let (Some(id), Some(severity), Some(opened_at)) =
            (row.alert_id, row.severity, row.opened_at)
        {
            open_alerts.push(OpenAlert {
                id,
                plan_id: row.reading.plan_id,
                severity,
                opened_at,
                acknowledged_at: row.acknowledged_at,
                acknowledged_by: row.acknowledged_by,
                ack_note: row.ack_note,
                follow_up_on: row.follow_up_on,
            });
        }
        readings.push(row.reading);
    }
    let leave = match (actor.role.keeps_registers(), leave_waiting) {
        (true, true) => Some(super::leave::requests(store, actor, true).await?),
        (true, false) => Some(Vec::new()),
        (false, _) => None,
    };
    let teacher = |id: &str| teachers.get(id).cloned().unwrap_or_else(|| id.to_string());

    // A week is to plan when it has teaching days left and children with plans.
    let has_teaching_days = |week: IsoWeek| {
        let monday = crate::planner::week::monday_of(week);
        let from = monday.max(today);
        settings
            .calendar(SchoolYear::containing(from))
            .is_ok_and(|calendar| {
                calendar
                    .teaching_days_between(from, monday + Duration::days(6))
                    .is_empty()
                    .not()
            })
    };
    let mut to_plan = Vec::new();
    if !readings.is_empty() {
        if report.is_none() && has_teaching_days(week) {
            to_plan.push(week);
        }
        // The daemon plans the coming week on Friday afternoon (README,
        // "Planning a week"): before the weekend an unplanned next week is only
        // not planned yet; from Saturday on, it is late.
        let weekend = today.weekday().number_from_monday() >= 6;
        if weekend && !next_planned && has_teaching_days(next_week) {
            to_plan.push(next_week);
        }
    }

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

    let followed =
        |a: &OpenAlert| a.acknowledged_at.is_some() && a.follow_up_on.is_none_or(|day| day > today);
    let (waiting, to_act): (Vec<OpenAlert>, Vec<OpenAlert>) =
        open_alerts.into_iter().partition(followed);
    let line = |alert: OpenAlert| {
        let reading = by_plan.get(&alert.plan_id)?;
        Some(AlertLine {
            id: alert.id,
            student_id: reading.student_id.clone(),
            name: reading.name.clone(),
            school: reading.school.clone(),
            teacher: teacher(&reading.teacher_id),
            severity: alert.severity,
            opened_at: alert.opened_at,
            gap: reading.gap(),
            acknowledged_at: alert.acknowledged_at,
            acknowledged_by: alert.acknowledged_by,
            ack_note: alert.ack_note,
            follow_up_on: alert.follow_up_on,
        })
    };
    // An alert of a plan no longer active is not shown.
    let mut alerts_followed: Vec<AlertLine> = waiting.into_iter().filter_map(&line).collect();
    alerts_followed.sort_by_key(|a| (a.follow_up_on.is_none(), a.follow_up_on, a.opened_at));
    let mut alert_lines: Vec<AlertLine> = to_act.into_iter().filter_map(&line).collect();
    // By school and teacher; in each, the worst and the widest gap first.
    alert_lines.sort_by(|a, b| {
        (&a.school, &a.teacher, b.severity, b.gap, &a.name)
            .cmp(&(&b.school, &b.teacher, a.severity, a.gap, &b.name))
    });
    let alerts_to_act = alert_lines.len();
    let alerts = {
        let page = Paged::of(alert_lines, pages.alerts);
        let mut groups: Vec<AlertGroup> = Vec::new();
        for line in page.items {
            match groups.last_mut() {
                Some(g) if g.school == line.school && g.teacher == line.teacher => {
                    g.alerts.push(line)
                }
                _ => groups.push(AlertGroup {
                    school: line.school.clone(),
                    teacher: line.teacher.clone(),
                    alerts: vec![line],
                }),
            }
        }
        Paged {
            items: groups,
            page: page.page,
            pages: page.pages,
            total: page.total,
        }
    };

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

    let since = looked_at.unwrap_or(now - Duration::days(FIRST_LOOK_DAYS));
    // Sorted by reference: only a page's items are copied (a district has 10,000).
    let mut worse: Vec<&Reading> = readings
        .iter()
        .filter(|r| r.got_worse() && r.status_since > since)
        .collect();
    worse.sort_by(|a, b| (b.status, b.gap(), &a.name).cmp(&(a.status, a.gap(), &b.name)));

    let mut exceptions: Vec<&Reading> = readings
        .iter()
        .filter(|r| r.misses_in_row > 0 || r.days_without_delivery > 0 || r.projected_short())
        .collect();
    exceptions.sort_by(|a, b| {
        (b.days_without_delivery, b.misses_in_row, &a.name).cmp(&(
            a.days_without_delivery,
            a.misses_in_row,
            &b.name,
        ))
    });
    // Records without the guardian's confirmation are said as one line: a
    // district that does not ask for it would otherwise list every child.
    let unconfirmed = Unconfirmed {
        records: readings.iter().map(|r| r.unconfirmed).sum(),
        children: readings.iter().filter(|r| r.unconfirmed > 0).count(),
    };

    let unrecorded_visits = unrecorded.len();
    let mut by_teacher: BTreeMap<String, Vec<Unrecorded>> = BTreeMap::new();
    for visit in unrecorded {
        by_teacher
            .entry(teacher(&visit.teacher_id))
            .or_default()
            .push(visit);
    }
    let mut by_teacher: Vec<TeacherUnrecorded> = by_teacher
        .into_iter()
        .map(|(teacher, visits)| TeacherUnrecorded { teacher, visits })
        .collect();
    by_teacher.sort_by_key(|t| std::cmp::Reverse(t.visits.len()));

    Ok(Dashboard {
        read_at: readings.iter().map(|r| r.read_at).max(),
        schools: schools.into_values().collect(),
        week,
        to_plan,
        week_planned_at,
        unplaced,
        advice,
        unrecorded: Paged::of(by_teacher, pages.unrecorded),
        unrecorded_visits,
        worse: Paged::of(worse, pages.worse).map(Reading::clone),
        looked_at,
        alerts,
        alerts_to_act,
        alerts_followed,
        leave,
        exceptions: Paged::of(exceptions, pages.exceptions).map(Reading::clone),
        unconfirmed,
        failed_messages,
    })
}

/// The reader has seen the children who got worse: the list starts again from now.
pub async fn mark_seen(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut tx = store.write(&actor.audit(), now).await?;
    readings::set_last_look(&mut tx, &actor.name).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_shown_a_page_at_a_time() {
        let items: Vec<u32> = (1..=20).collect();
        let first = Paged::of(items.clone(), 0);
        assert_eq!((first.page, first.pages, first.total), (1, 3, 20));
        assert_eq!(first.items, (1..=8).collect::<Vec<_>>());
        let last = Paged::of(items.clone(), 9);
        assert_eq!((last.page, last.items), (3, vec![17, 18, 19, 20]));
        let none = Paged::of(Vec::<u32>::new(), 2);
        assert!(none.is_empty() && none.pages == 1 && none.items.is_empty());
    }
}
