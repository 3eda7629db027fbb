//! The demo district's school year, lived up to now as the daemon and the people
//! would: the daemon's jobs at their scheduled times (each run claimed in
//! `job_runs`, so the first `serve` afterwards owes none of them), teachers
//! recording each evening, a few days late now and then, one family away for
//! weeks, one teacher on leave with the backups covering, and supervisors
//! acknowledging some of the alerts they get.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use super::district::{self, AWAY};
use crate::config::Settings;
use crate::domain::calendar::SchoolCalendar;
use crate::domain::visit::{MissReason, Outcome};
use crate::jobs::{Job, run_once};
use crate::service::Store;
use crate::service::registry::AbsenceKind;
use crate::service::registry::{self, NewAbsence};
use crate::service::visits::{RecordDetails, RecordInput, VisitFilter};
use crate::service::{Actor, alerts, visits};

/// Who acts in the demo's year.
pub struct People {
    /// The daemon's jobs.
    pub daemon: Actor,
    pub coordinator: Actor,
    /// The supervisor of the second school.
    pub supervisor: Actor,
    /// Each teacher by teacher id: they record their own visits.
    pub teachers: HashMap<String, Actor>,
}

/// What the year held, for the demo's account of it.
#[derive(Debug, Default)]
pub struct Lived {
    pub visits_recorded: usize,
    pub recorded_late: usize,
    pub alerts_acknowledged: usize,
    /// The teacher on leave and the days, when the year was long enough for it.
    pub leave: Option<(String, NaiveDate, NaiveDate)>,
}

/// How many weeks before now the family of the child in real trouble went away.
const AWAY_WEEKS: i64 = 6;
/// The teacher who takes a week of leave: T04, at the first school, whose
/// children's backups cover it.
const ON_LEAVE: usize = 3;

/// One thing that happens at a moment of the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The coordinator enters a teacher's leave before the week is planned.
    Leave { from: NaiveDate },
    /// A daemon job at its scheduled time.
    Job(usize),
    /// Teachers record, in the evening, what they have not recorded yet.
    Evening(NaiveDate),
}

/// Local time on a day, in UTC.
pub fn at(settings: &Settings, day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let local = day
        .and_hms_opt(hour, minute, 0)
        .expect("a valid time of day");
    settings
        .time_zone
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

/// A number from 0 to 99 drawn from `key`, the same on every run: the demo's
/// chance, so that the same day gives the same district.
fn draw(key: u64) -> u64 {
    // SplitMix64's finaliser.
    let mut z = key.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % 100
}

/// The teacher who records once a week, on Tuesday evenings (within the grace
/// the rules give, though the daemon reminds her and, past five days, tells the
/// coordinator): T06.
const RECORDS_WEEKLY: usize = 5;

/// The evening a visit is recorded: most the same evening, some two to four days
/// later, and the weekly recorder's on the Tuesday on or after it.
fn recorded_on(visit_id: i64, teacher_id: &str, day: NaiveDate) -> NaiveDate {
    if teacher_id == district::teacher_id(RECORDS_WEEKLY) {
        let to_tuesday = (7 + 1 - i64::from(day.weekday().num_days_from_monday())) % 7;
        return day + Duration::days(to_tuesday);
    }
    let late = match draw(visit_id as u64 * 3 + 1) {
        0..=5 => 2,
        6..=9 => 3,
        10..=11 => 4,
        _ => 0,
    };
    day + Duration::days(late)
}

/// Children in trouble in the weeks before now: the child, why their visits did
/// not happen, from how many weeks before now until how many, the share of the
/// visits missed (in %), and the teacher's note.
const TROUBLE: [(&str, MissReason, i64, i64, u64, &str); 4] = [
    (
        AWAY,
        MissReason::FamilyUnavailable,
        AWAY_WEEKS,
        0,
        100,
        "家长外出务工，带孩子去了外地，电话联系不上",
    ),
    (
        "S011",
        MissReason::StudentHospitalised,
        4,
        1,
        100,
        "孩子肺炎住院",
    ),
    (
        "S018",
        MissReason::FamilyUnavailable,
        6,
        0,
        70,
        "家长白天打工，家里没人",
    ),
    (
        "S023",
        MissReason::StudentIll,
        3,
        0,
        100,
        "孩子感冒发烧，在家休养",
    ),
];

/// What happened at a visit on `day`, the trouble placed in the weeks before
/// `reference`.
fn outcome(visit_id: i64, student_id: &str, day: NaiveDate, reference: NaiveDate) -> RecordInput {
    let chance = draw(visit_id as u64 * 7 + 2);
    let trouble = TROUBLE.iter().find(|(child, _, from, to, rate, _)| {
        *child == student_id
            && day >= reference - Duration::weeks(*from)
            && day < reference - Duration::weeks(*to)
            && chance < *rate
    });
    let (outcome, periods, reason, note) = match trouble {
        Some((_, reason, _, _, _, note)) => (Outcome::Missed, None, Some(*reason), Some(*note)),
        None => match chance {
            0..=4 => (
                Outcome::Missed,
                None,
                Some(MissReason::StudentIll),
                Some("孩子发烧，家长提前打电话说明"),
            ),
            5 => (
                Outcome::Missed,
                None,
                Some(MissReason::Weather),
                Some("暴雨，路不通"),
            ),
            6..=8 => (
                Outcome::Partial,
                Some(2),
                None,
                Some("孩子情绪不稳定，提前结束"),
            ),
            _ => (Outcome::Completed, None, None, None),
        },
    };
    RecordInput {
        outcome,
        periods,
        reason: reason.map(|r| r.code().to_string()),
        mode: None,
        details: RecordDetails {
            note: note.map(String::from),
            ..RecordDetails::default()
        },
    }
}

/// The days from `from` to `until`, both included.
fn days(from: NaiveDate, until: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= until)
}

/// Lives the year from `from` (the district set up) to `now`, calling `progress`
/// after each step with the steps done and to do.
pub async fn live(
    store: &Store,
    settings: &Settings,
    calendar: &SchoolCalendar,
    people: &People,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64, u64, NaiveDate),
) -> anyhow::Result<Lived> {
    let zone = settings.time_zone;
    // Trouble and leave happen in the weeks before now, or before the year's end
    // when the demo is run in the summer holiday.
    let today = now.with_timezone(&zone).date_naive();
    let reference = today.min(
        calendar
            .teaching_span()
            .map_or(NaiveDate::MAX, |(_, last)| last + Duration::days(1)),
    );
    let jobs: Vec<(Job, crate::jobs::schedule::Schedule)> = crate::daemon::scheduled_jobs(settings)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .filter(|(job, _)| {
            matches!(
                job,
                Job::PlanWeek | Job::CheckPace | Job::Digest | Job::RemindUnrecorded
            )
        })
        .collect();
    let mut events: Vec<(DateTime<Utc>, Event)> = Vec::new();
    for (index, (_, schedule)) in jobs.iter().enumerate() {
        let mut tick = schedule.next_after(from, zone);
        while let Some(time) = tick.filter(|t| *t <= now) {
            events.push((time, Event::Job(index)));
            tick = schedule.next_after(time, zone);
        }
    }
    let first_day = from.with_timezone(&zone).date_naive();
    for day in days(first_day, today) {
        let evening = at(settings, day, 20, 0);
        if evening <= now {
            events.push((evening, Event::Evening(day)));
        }
    }
    let leave = leave_week(calendar, reference);
    if let Some((leave_from, _)) = leave {
        // Entered on the Wednesday before, ahead of Friday's planning.
        let entered = at(settings, leave_from - Duration::days(5), 10, 0);
        if entered > from && entered <= now {
            events.push((entered, Event::Leave { from: leave_from }));
        }
    }
    events.sort();

    let mut lived = Lived::default();
    let total = events.len() as u64;
    for (done, (time, event)) in events.into_iter().enumerate() {
        match event {
            Event::Job(index) => {
                let job = jobs[index].0;
                run_once(store, settings, &people.daemon, job, time, time).await?;
                if job == Job::CheckPace {
                    lived.alerts_acknowledged +=
                        acknowledge_some(store, people, time + Duration::hours(3)).await?;
                }
                // The outbox drains within the minute, into the demo's mail folder.
                let drained = time + Duration::minutes(1);
                run_once(
                    store,
                    settings,
                    &people.daemon,
                    Job::DrainOutbox,
                    drained,
                    drained,
                )
                .await?;
            }
            Event::Evening(day) => {
                let (recorded, late) =
                    record_evening(store, settings, people, day, time, reference).await?;
                lived.visits_recorded += recorded;
                lived.recorded_late += late;
            }
            Event::Leave { from } => {
                let to = from + Duration::days(4);
                let teacher = district::teacher_id(ON_LEAVE);
                registry::add_absence(
                    store,
                    &people.coordinator,
                    time,
                    &NewAbsence {
                        slots: Vec::new(),
                        kind: AbsenceKind::TeacherLeave,
                        person_id: teacher.clone(),
                        from,
                        to,
                        reason: "参加市级送教培训".into(),
                    },
                )
                .await?;
                lived.leave = Some((teacher, from, to));
            }
        }
        progress(
            done as u64 + 1,
            total,
            time.with_timezone(&zone).date_naive(),
        );
    }
    Ok(lived)
}

/// The week a teacher is on leave: Monday to Friday of the latest full teaching
/// week (no holiday in it) two to five weeks before this one, after the year's
/// first week.
fn leave_week(calendar: &SchoolCalendar, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let (first, _) = calendar.teaching_span()?;
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    (2..=5)
        .map(|weeks| this_monday - Duration::weeks(weeks))
        .filter(|monday| *monday > first + Duration::days(7))
        .map(|monday| (monday, monday + Duration::days(4)))
        .find(|(monday, friday)| calendar.teaching_days_between(*monday, *friday).len() == 5)
}

/// Each teacher records, at `time` on `day`, the visits they have not recorded yet
/// and mean to record by tonight; answers how many, and how many of them late.
async fn record_evening(
    store: &Store,
    settings: &Settings,
    people: &People,
    day: NaiveDate,
    time: DateTime<Utc>,
    reference: NaiveDate,
) -> anyhow::Result<(usize, usize)> {
    let waiting = visits::list(
        store,
        &people.coordinator,
        &VisitFilter {
            unrecorded_by: Some(day),
            ..VisitFilter::default()
        },
    )
    .await?;
    let (mut recorded, mut late) = (0, 0);
    for seen in waiting {
        let visit = seen.visit;
        if recorded_on(visit.visit_id, &visit.teacher_id, visit.day) > day {
            continue;
        }
        let Some(teacher) = people.teachers.get(&visit.teacher_id) else {
            continue;
        };
        let input = outcome(visit.visit_id, &visit.student_id, visit.day, reference);
        visits::record(store, settings, teacher, time, visit.visit_id, input).await?;
        recorded += 1;
        if visit.day < day {
            late += 1;
        }
    }
    Ok((recorded, late))
}

/// Supervisors acknowledge the alerts of about half the children a day after they
/// open (never the child in real trouble: that alert stays for everyone to see);
/// answers how many.
async fn acknowledge_some(
    store: &Store,
    people: &People,
    time: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut acknowledged = 0;
    for alert in alerts::list(store, &people.coordinator, true).await? {
        let alert = alert.alert;
        let number: usize = alert.student_id[1..].parse().unwrap_or(0);
        let old_enough = alert.opened_at + Duration::days(1) <= time;
        if alert.acknowledged_at.is_some()
            || !old_enough
            || alert.student_id == AWAY
            || number.is_multiple_of(2)
        {
            continue;
        }
        let by = if number > 0 && district::school_of(number - 1) == district::SCHOOLS[1] {
            &people.supervisor
        } else {
            &people.coordinator
        };
        alerts::acknowledge(store, by, time, alert.id, "已电话联系家长，约好补课").await?;
        acknowledged += 1;
    }
    Ok(acknowledged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_visits_are_recorded_the_same_evening_and_some_late() {
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).expect("a day");
        let late = (0..1000)
            .filter(|id| recorded_on(*id, "T01", monday) > monday)
            .count();
        assert!((80..=160).contains(&late), "{late} of 1000 late");
        let weekly = district::teacher_id(RECORDS_WEEKLY);
        for offset in 0..7 {
            let day = monday + Duration::days(offset);
            let on = recorded_on(1, &weekly, day);
            assert_eq!(on.weekday(), chrono::Weekday::Tue, "{day}");
            assert!(on >= day && on < day + Duration::days(7));
        }
    }
}
