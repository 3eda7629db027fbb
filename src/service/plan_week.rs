//! The plan-week job: loads the week from the database, plans it with the pure
//! planner and writes the changes in one transaction.

use crate::reason::Reason;
use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, IsoWeek, NaiveDate, Utc, Weekday};
use serde::Serialize;

use crate::config::Settings;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::pace::Tally;
use crate::domain::student::StudentStatus;
use crate::domain::visit::Outcome;
use crate::notify::schedule::{self, ScheduledVisit, TeacherWeek};
use crate::planner::advice::advise;
use crate::planner::week::{Change, ExistingVisit, Need, PlanSetup, Week, WeekPlan, WeekTeacher};
use crate::planner::{self, Schedule, Stats, Unplaced};
use crate::service::Actor;
use crate::service::ServiceError;
use crate::service::progress::{Moment, tallies};
use crate::store::outbox::{self, NewMessage};
use crate::store::visits::{self, VisitRow};
use crate::store::{Store, Tx, audit, people, plans, readings};

/// The week's names and the planner's words a door shows.
pub use crate::planner::DaySlot;
pub use crate::planner::advice::{AdviceKind, Staffing};
pub use crate::planner::week::{format_week, monday_of, parse_week};
/// `songjiao solve`: the planner on a week given as JSON, nothing stored.
pub use crate::planner::{Problem, solve as solve_problem};

/// One visit of the planned week.
#[derive(Debug, Clone, Serialize)]
pub struct WeekVisit {
    /// None in a dry run for a visit not yet written.
    pub visit_id: Option<i64>,
    pub student: String,
    pub teacher: String,
    pub day: NaiveDate,
    pub slot: String,
    /// `added`, `moved`, `kept`, or `fixed` (on a day already past, or recorded).
    pub change: &'static str,
    pub outcome: Option<Outcome>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangeCounts {
    pub added: usize,
    pub moved: usize,
    pub cancelled: usize,
    pub kept: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeekReport {
    pub week: String,
    pub school_year: String,
    /// The days planned (teaching days after today).
    pub days: Vec<NaiveDate>,
    /// Why nothing was planned, when nothing could be.
    pub nothing_to_plan: Option<Reason>,
    pub dry_run: bool,
    pub visits: Vec<WeekVisit>,
    pub unplaced: Vec<Unplaced>,
    /// Where the week is short of teachers or family time, and what would fix it:
    /// `bottleneck`, `advice`, `still_unplaced`, `groups_not_advised`.
    #[serde(flatten)]
    pub staffing: Staffing,
    pub stats: Stats,
    pub changes: ChangeCounts,
    /// Teachers without email whose changed week nobody could be sent to pass
    /// on (no coordinator for their school, no operators): by name.
    pub schedules_not_sent: Vec<String>,
    /// Each plan's pace at the start of the week and what it asked for.
    pub plans: Vec<Need>,
    /// The problem the planner solved.
    #[serde(skip)]
    pub problem: Problem,
}

/// The school year a week belongs to: the year of its Thursday, as ISO weeks go.
pub fn school_year_of(week: IsoWeek) -> SchoolYear {
    let thursday = NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Thu)
        .expect("an IsoWeek always has a Thursday");
    SchoolYear::containing(thursday)
}

/// The ISO week after the one holding `today`.
pub fn coming_week(today: NaiveDate) -> IsoWeek {
    (today + Duration::days(7)).iso_week()
}

/// How often a week planned from a snapshot is planned again when what it was
/// planned from changed before it could be written. Then it is planned inside
/// the write transaction, which nothing can change under, so that it finishes.
const SNAPSHOT_TRIES: usize = 3;

/// About the most changes one write of a week carries. SQLite has one writer at
/// a time, and a teacher recording at the door waits for it: 1,500 visits with
/// their teachers' emails are written in about 100 ms, where a district's whole
/// week (22,500 visits, 2,500 emails) took 1.5 s.
const CHANGES_PER_WRITE: usize = 1_500;

/// Plans a week. The district is read from a snapshot and the week solved on a
/// blocking thread, while teachers go on recording; the changes are written in
/// short transactions, each first checking that nothing they were planned from
/// changed meanwhile (its teachers' visits of the week, and any person, plan,
/// leave, pause or calendar), as recording checks the version it saw. A record
/// of an earlier week made meanwhile is no conflict: the week is planned from the
/// pace as it stood at the snapshot, a moment before.
///
/// Each write holds the changes of some teachers (a visit moved from one teacher
/// to another joins both) with those teachers' emails, so that a change and the
/// email it causes are committed together; the week's report comes with the last.
/// A run stopped between two writes (a crash, or a change found meanwhile) leaves
/// some teachers' weeks written and told, none half: planning again keeps those
/// visits and tells only the teachers whose week changes.
pub async fn run(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    week: IsoWeek,
    dry_run: bool,
) -> Result<WeekReport, ServiceError> {
    if !super::week_board::may_plan(actor) {
        return Err(ServiceError::Forbidden("planning is district-wide".into()));
    }
    let year = school_year_of(week);
    let calendar = super::calendar_for(settings, year, "week")?;
    let context = Context {
        settings,
        calendar: &calendar,
        week,
        now,
    };
    for _ in 0..SNAPSHOT_TRIES {
        let mut read = store.snapshot().await?;
        let mark = audit::planning_changes(&mut read).await?;
        let district = load_district(&mut read, settings, &calendar).await?;
        let (loaded, seen) =
            load_week(&mut read, settings, &calendar, &district, week, now).await?;
        read.rollback().await?;
        let planned = solve_aside(&loaded).await?;
        if dry_run {
            return Ok(context.report(&loaded, planned, None, true));
        }
        let parts = in_parts(&planned.changes, &teachers_of(&loaded), CHANGES_PER_WRITE);
        let last = parts.len() - 1;
        let mut written = Written::default();
        let mut stale = false;
        for (at, part) in parts.iter().enumerate() {
            let mut tx = store.write(&actor.audit(), now).await?;
            // Several servers may share the database: one writes a week at a time.
            tx.lock("plan-week").await?;
            if changed_meanwhile(&mut tx, week, mark, &seen, &part.teachers).await? {
                tx.rollback().await?;
                stale = true;
                break;
            }
            let one = context
                .write(&mut tx, &district, &loaded, &part.changes)
                .await?;
            written.add(one);
            if at == last {
                context.keep_report(&mut tx, &planned).await?;
            }
            tx.commit().await?;
        }
        if !stale {
            return Ok(context.report(&loaded, planned, Some(written), false));
        }
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    tx.lock("plan-week").await?;
    let district = load_district(&mut tx, settings, &calendar).await?;
    let (loaded, _) = load_week(&mut tx, settings, &calendar, &district, week, now).await?;
    let planned = solve_aside(&loaded).await?;
    let written = context
        .write(&mut tx, &district, &loaded, &planned.changes)
        .await?;
    context.keep_report(&mut tx, &planned).await?;
    tx.commit().await?;
    Ok(context.report(&loaded, planned, Some(written), false))
}

/// Some teachers' changes of a week, written together.
struct Part {
    teachers: Vec<String>,
    changes: Vec<Change>,
}

/// Each stored visit's teacher, by visit id.
fn teachers_of<'w>(week: &'w Week<'_>) -> HashMap<i64, &'w str> {
    week.plans
        .iter()
        .flat_map(|p| &p.visits)
        .chain(&week.orphans)
        .map(|v| (v.visit_id, v.teacher.as_str()))
        .collect()
}

/// The week's changes in parts of about `limit`, each holding
/// every change of its teachers: a move joins the teacher it leaves and the one
/// it goes to, and a kept visit stays with its teacher's changes (it makes her
/// email an update). Never empty: a week without changes still keeps its report.
fn in_parts(changes: &[Change], teacher_of: &HashMap<i64, &str>, limit: usize) -> Vec<Part> {
    // Teachers joined by the changes, as sets (union-find over their names).
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn root(parent: &mut [usize], mut at: usize) -> usize {
        while parent[at] != at {
            parent[at] = parent[parent[at]];
            at = parent[at];
        }
        at
    }
    fn touched<'a>(change: &'a Change, teacher_of: &HashMap<i64, &'a str>) -> Vec<&'a str> {
        let old = |id: &i64| teacher_of.get(id).copied();
        match change {
            Change::Add { teacher, .. } => vec![teacher.as_str()],
            Change::Move {
                visit_id, teacher, ..
            } => std::iter::once(teacher.as_str())
                .chain(old(visit_id))
                .collect(),
            Change::Cancel { visit_id } | Change::Keep { visit_id } => {
                old(visit_id).into_iter().collect()
            }
        }
    }
    let mut first_of = Vec::with_capacity(changes.len());
    for change in changes {
        let ids: Vec<usize> = touched(change, teacher_of)
            .into_iter()
            .map(|teacher| {
                *index.entry(teacher).or_insert_with(|| {
                    parent.push(parent.len());
                    parent.len() - 1
                })
            })
            .collect();
        for pair in ids.windows(2) {
            let (a, b) = (root(&mut parent, pair[0]), root(&mut parent, pair[1]));
            parent[a] = b;
        }
        first_of.push(ids.first().copied());
    }
    // Each change's set, the sets numbered in the order they first appear.
    let mut set_at: HashMap<usize, usize> = HashMap::new();
    let mut sizes: Vec<usize> = Vec::new();
    let set_of: Vec<usize> = first_of
        .into_iter()
        .map(|first| {
            let key = first.map_or(usize::MAX, |id| root(&mut parent, id));
            let at = *set_at.entry(key).or_insert_with(|| {
                sizes.push(0);
                sizes.len() - 1
            });
            sizes[at] += 1;
            at
        })
        .collect();
    // Whole sets into parts of about `limit`.
    let mut part_of_set = Vec::with_capacity(sizes.len());
    let mut parts: Vec<Part> = Vec::new();
    let mut filled = 0;
    for size in sizes {
        if parts.is_empty() || (filled > 0 && filled + size > limit) {
            parts.push(Part {
                teachers: Vec::new(),
                changes: Vec::new(),
            });
            filled = 0;
        }
        filled += size;
        part_of_set.push(parts.len() - 1);
    }
    // The changes keep their order within a part (a small district's week is
    // one part, written as it always was).
    for (change, set) in changes.iter().zip(&set_of) {
        parts[part_of_set[*set]].changes.push(change.clone());
    }
    for (teacher, id) in &index {
        if let Some(set) = set_at.get(&root(&mut parent, *id)) {
            parts[part_of_set[*set]].teachers.push(teacher.to_string());
        }
    }
    if parts.is_empty() {
        parts.push(Part {
            teachers: Vec::new(),
            changes: Vec::new(),
        });
    }
    parts
}

/// What a run plans for.
struct Context<'a> {
    settings: &'a Settings,
    calendar: &'a SchoolCalendar,
    week: IsoWeek,
    now: DateTime<Utc>,
}

/// A week solved: the problem, the schedule, the staffing advice and the
/// changes to the stored week.
struct Planned {
    problem: crate::planner::week::WeekProblem,
    schedule: Schedule,
    staffing: Staffing,
    changes: Vec<Change>,
}

/// What writing a week did.
#[derive(Default)]
struct Written {
    applied: visits::Applied,
    schedules_not_sent: Vec<String>,
}

impl Written {
    fn add(&mut self, part: Written) {
        let (mine, theirs) = (&mut self.applied, part.applied);
        mine.added.extend(theirs.added);
        mine.moved += theirs.moved;
        mine.cancelled += theirs.cancelled;
        mine.kept += theirs.kept;
        self.schedules_not_sent.extend(part.schedules_not_sent);
    }
}

/// Solves the week on a blocking thread: seconds of CPU for a district, which
/// the server's other requests do not wait for.
async fn solve_aside(loaded: &Week<'_>) -> Result<Planned, ServiceError> {
    let problem = loaded.problem();
    let (problem, schedule, staffing) = tokio::task::spawn_blocking(move || {
        let schedule = planner::solve(&problem.problem)?;
        let staffing = advise(&problem.problem, &schedule);
        Ok::<_, crate::planner::ProblemError>((problem, schedule, staffing))
    })
    .await
    // A panic in the planner is a bug: raise it here as if it ran inline.
    .unwrap_or_else(|joined| std::panic::resume_unwind(joined.into_panic()))?;
    let changes = loaded.changes(&schedule);
    Ok(Planned {
        problem,
        schedule,
        staffing,
        changes,
    })
}

/// Whether what some teachers' week was planned from changed since the
/// snapshot that read it: their visits of the week (moved, cancelled, recorded,
/// added), or a person, their times, a plan, leave, a pause, a school or the
/// calendar (the audit log's count of those, `mark`, taken in the snapshot).
/// Each teacher's visits are written once, by one part, so what earlier parts
/// wrote is no change for a later one.
async fn changed_meanwhile(
    tx: &mut Tx,
    week: IsoWeek,
    mark: i64,
    seen: &[VisitRow],
    teachers: &[String],
) -> Result<bool, ServiceError> {
    if audit::planning_changes(tx).await? != mark {
        return Ok(true);
    }
    let monday = monday_of(week);
    let days = (monday, monday + Duration::days(6));
    let now_there = visits::planned_between_of(tx, days, teachers).await?;
    let theirs: std::collections::HashSet<&str> = teachers.iter().map(String::as_str).collect();
    let seen_there: Vec<&VisitRow> = seen
        .iter()
        .filter(|row| theirs.contains(row.teacher_id.as_str()))
        .collect();
    Ok(now_there.len() != seen_there.len()
        || now_there
            .iter()
            .zip(seen_there)
            .any(|(now, then)| now != then))
}

impl Context<'_> {
    /// Writes some teachers' changes and their emails.
    async fn write(
        &self,
        tx: &mut Tx,
        district: &District,
        loaded: &Week<'_>,
        changes: &[Change],
    ) -> Result<Written, ServiceError> {
        let applied = visits::apply(tx, changes).await?;
        let (messages, schedules_not_sent) =
            schedules(tx, self.settings, district, loaded, changes, self.now).await?;
        outbox::enqueue(tx, messages).await?;
        Ok(Written {
            applied,
            schedules_not_sent,
        })
    }

    /// What could not be placed and why, and the advice, for the pages.
    async fn keep_report(&self, tx: &mut Tx, planned: &Planned) -> Result<(), ServiceError> {
        let kept = serde_json::json!({
            "unplaced": &planned.schedule.unplaced,
            "staffing": &planned.staffing,
            "stats": &planned.schedule.stats,
        });
        readings::save_week_report(tx, &format_week(self.week), &kept.to_string()).await?;
        tx.refresh_statistics().await?;
        Ok(())
    }

    fn report(
        &self,
        loaded: &Week<'_>,
        planned: Planned,
        written: Option<Written>,
        dry_run: bool,
    ) -> WeekReport {
        let Planned {
            problem,
            schedule,
            staffing,
            changes,
        } = planned;
        let (applied, schedules_not_sent) = match written {
            Some(w) => (Some(w.applied), w.schedules_not_sent),
            None => (None, Vec::new()),
        };
        let mut counts = ChangeCounts::default();
        let mut report_visits = Vec::new();
        let plan_of: HashMap<i64, &WeekPlan> =
            loaded.plans.iter().map(|p| (p.setup.plan_id, p)).collect();
        for change in &changes {
            let (visit_id, plan, teacher, day, slot, kind) = match change {
                Change::Cancel { .. } => {
                    counts.cancelled += 1;
                    continue;
                }
                Change::Keep { visit_id } => {
                    counts.kept += 1;
                    let (plan, visit) = find_visit(&loaded.plans, *visit_id);
                    let (teacher, day, slot) =
                        (visit.teacher.clone(), visit.day, visit.slot.clone());
                    (Some(*visit_id), plan, teacher, day, slot, "kept")
                }
                Change::Move {
                    visit_id,
                    teacher,
                    day,
                    slot,
                } => {
                    counts.moved += 1;
                    let (plan, _) = find_visit(&loaded.plans, *visit_id);
                    (
                        Some(*visit_id),
                        plan,
                        teacher.clone(),
                        *day,
                        slot.clone(),
                        "moved",
                    )
                }
                Change::Add {
                    plan_id,
                    teacher,
                    day,
                    slot,
                } => {
                    counts.added += 1;
                    let id = applied
                        .as_ref()
                        .and_then(|a| a.added.get(&(*plan_id, *day)).copied());
                    (
                        id,
                        plan_of[plan_id],
                        teacher.clone(),
                        *day,
                        slot.clone(),
                        "added",
                    )
                }
            };
            report_visits.push(WeekVisit {
                visit_id,
                student: plan.setup.student_id.clone(),
                teacher,
                day,
                slot,
                change: kind,
                outcome: None,
            });
        }
        for plan in &loaded.plans {
            for visit in plan.visits.iter().filter(|v| loaded.is_fixed(v)) {
                report_visits.push(WeekVisit {
                    visit_id: Some(visit.visit_id),
                    student: plan.setup.student_id.clone(),
                    teacher: visit.teacher.clone(),
                    day: visit.day,
                    slot: visit.slot.clone(),
                    change: "fixed",
                    outcome: visit.outcome,
                });
            }
        }
        report_visits.sort_by(|a, b| {
            (a.day, &a.slot, &a.teacher, &a.student).cmp(&(b.day, &b.slot, &b.teacher, &b.student))
        });
        let today = self
            .now
            .with_timezone(&self.settings.time_zone)
            .date_naive();
        let nothing_to_plan =
            why_nothing_to_plan(self.calendar, self.week, &problem.problem.days, today);
        WeekReport {
            week: format_week(self.week),
            school_year: self.calendar.year.to_string(),
            days: problem.problem.days.clone(),
            nothing_to_plan,
            dry_run,
            visits: report_visits,
            unplaced: schedule.unplaced,
            staffing,
            stats: schedule.stats,
            changes: counts,
            schedules_not_sent,
            plans: problem.needs,
            problem: problem.problem,
        }
    }
}

fn find_visit<'p, 'a>(
    plans: &'p [WeekPlan<'a>],
    visit_id: i64,
) -> (&'p WeekPlan<'a>, &'p ExistingVisit) {
    plans
        .iter()
        .find_map(|p| {
            p.visits
                .iter()
                .find(|v| v.visit_id == visit_id)
                .map(|v| (p, v))
        })
        .expect("a kept or moved visit is one of the week's plans' visits")
}

fn why_nothing_to_plan(
    calendar: &SchoolCalendar,
    week: IsoWeek,
    open_days: &[NaiveDate],
    today: NaiveDate,
) -> Option<Reason> {
    if !open_days.is_empty() {
        return None;
    }
    let name = format_week(week);
    let monday = monday_of(week);
    let days: Vec<NaiveDate> = (0..7).map(|d| monday + Duration::days(d)).collect();
    Some(if !days.iter().any(|&d| calendar.in_term(d)) {
        Reason::WeekOutsideTerms {
            week: name,
            start: days[0],
            end: days[6],
            year: calendar.year.to_string(),
        }
    } else if calendar.week(week).is_empty() {
        Reason::WeekHasNoTeachingDay { week: name }
    } else {
        Reason::WeekIsPast { week: name, today }
    })
}

/// The district as the planner sees it for a school year: teachers with their
/// leave, and the active plans of active students.
#[derive(Clone)]
pub struct District {
    pub teachers: Vec<WeekTeacher>,
    pub plans: Vec<PlanSetup>,
    pub slots: Vec<String>,
    pub finish_margin_weeks: u32,
    /// Who is who, for the teachers' emails: teachers and students by id, each
    /// plan's goals.
    pub staff: HashMap<String, people::Teacher>,
    pub students: HashMap<String, people::Student>,
    pub goals: HashMap<i64, Vec<String>>,
}

pub async fn load_district(
    tx: &mut Tx,
    settings: &Settings,
    calendar: &SchoolCalendar,
) -> Result<District, ServiceError> {
    let defaults = &settings.defaults;
    let mut leaves: HashMap<String, Vec<crate::domain::leave::Away>> = HashMap::new();
    for leave in people::teacher_leaves(tx, None).await? {
        leaves
            .entry(leave.person_id.clone())
            .or_default()
            .push(super::registry::away(&leave));
    }
    let staff: HashMap<String, people::Teacher> = people::teachers(tx, None)
        .await?
        .into_iter()
        .map(|t| (t.teacher_id.clone(), t))
        .collect();
    let mut teachers: Vec<WeekTeacher> = staff
        .values()
        .map(|t| WeekTeacher {
            away: leaves.remove(&t.teacher_id).unwrap_or_default(),
            max_visits_per_day: t.max_visits_per_day.unwrap_or(defaults.max_visits_per_day),
            id: t.teacher_id.clone(),
            available: t.available.clone(),
        })
        .collect();
    teachers.sort_by(|a, b| a.id.cmp(&b.id));
    let students: HashMap<String, people::Student> = people::students(tx, None)
        .await?
        .into_iter()
        .map(|s| (s.student_id.clone(), s))
        .collect();
    let pauses = people::ranges_by_person(people::student_pauses(tx, None).await?);
    let mut plans = Vec::new();
    let mut goals = HashMap::new();
    for plan in plans::active_plans(tx, Some(calendar.year), None).await? {
        let terms = &plan.terms;
        goals.insert(plan.plan_id, terms.goals.clone());
        let Some(student) = students.get(&plan.student_id) else {
            continue;
        };
        if student.status != StudentStatus::Active {
            continue;
        }
        let paused = pauses.get(&plan.student_id).map_or(&[][..], Vec::as_slice);
        plans.push(PlanSetup {
            plan_id: plan.plan_id,
            student_id: plan.student_id.clone(),
            teacher: terms.teacher_id.clone(),
            backup_teacher: terms.backup_teacher_id.clone(),
            rhythm: terms.rhythm(
                calendar,
                defaults.prorate_target,
                defaults.max_visits_per_week,
            ),
            days: terms.days(calendar, paused),
            family: student.available.clone(),
            start: terms.start_date,
            end: terms.end_date,
        });
    }
    Ok(District {
        teachers,
        plans,
        slots: settings.slots.iter().map(|s| s.name.clone()).collect(),
        finish_margin_weeks: defaults.finish_margin_weeks,
        staff,
        students,
        goals,
    })
}

/// Visits around a week, by plan.
pub struct WeekVisits {
    /// The visits before the week, added up by plan.
    pub before: HashMap<i64, Tally>,
    pub this_week: HashMap<i64, Vec<ExistingVisit>>,
    pub last_week: HashMap<i64, Vec<ExistingVisit>>,
}

impl District {
    /// The week to plan: the plans that cover it, and what was already there.
    pub fn week<'c>(
        &'c self,
        calendar: &'c SchoolCalendar,
        week: IsoWeek,
        today: NaiveDate,
        mut visits: WeekVisits,
    ) -> Week<'c> {
        let monday = monday_of(week);
        let sunday = monday + Duration::days(6);
        let plans = self
            .plans
            .iter()
            .filter(|p| p.start <= sunday && p.end >= monday)
            .map(|plan| WeekPlan {
                setup: plan,
                before: visits
                    .before
                    .get(&plan.plan_id)
                    .copied()
                    .unwrap_or_default(),
                visits: visits.this_week.remove(&plan.plan_id).unwrap_or_default(),
                last_week: visits
                    .last_week
                    .remove(&plan.plan_id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| (v.day.weekday(), v.slot))
                    .collect(),
            })
            .collect();
        Week {
            calendar,
            week,
            today,
            slots: self.slots.clone(),
            finish_margin_weeks: self.finish_margin_weeks,
            teachers: &self.teachers,
            plans,
            orphans: visits.this_week.into_values().flatten().collect(),
        }
    }
}

/// The week to plan for the district: its visits and what came before them.
/// Also the week's visits as stored, for `changed_meanwhile`.
async fn load_week<'c>(
    tx: &mut Tx,
    settings: &Settings,
    calendar: &'c SchoolCalendar,
    district: &'c District,
    week: IsoWeek,
    now: DateTime<Utc>,
) -> Result<(Week<'c>, Vec<VisitRow>), ServiceError> {
    let monday = monday_of(week);
    let sunday = monday + Duration::days(6);
    let moment = Moment::new(settings, now)?;
    let periods: HashMap<i64, u32> = district
        .plans
        .iter()
        .map(|p| (p.plan_id, p.rhythm.periods_per_visit))
        .collect();
    let today = moment.today();
    let this_week = visits::planned_between(tx, monday, sunday).await?;
    let visits = WeekVisits {
        before: tallies(
            tx,
            calendar.year,
            &moment,
            monday - Duration::days(1),
            &periods,
        )
        .await?,
        this_week: by_plan(this_week.clone()),
        last_week: by_plan(
            visits::planned_between(tx, monday - Duration::days(7), monday - Duration::days(1))
                .await?,
        ),
    };
    Ok((district.week(calendar, week, today, visits), this_week))
}

fn by_plan(rows: Vec<VisitRow>) -> HashMap<i64, Vec<ExistingVisit>> {
    let mut map: HashMap<i64, Vec<ExistingVisit>> = HashMap::new();
    for row in rows {
        map.entry(row.plan_id).or_default().push(ExistingVisit {
            visit_id: row.visit_id,
            teacher: row.teacher_id,
            day: row.day,
            slot: row.slot,
            outcome: row.outcome,
            pinned: row.pinned,
        });
    }
    map
}

/// One email per teacher whose visits this run added, moved or cancelled, written
/// in the planning transaction (README, "Email"); and the names of the teachers
/// without email whose week had nobody to go to.
async fn schedules(
    tx: &mut Tx,
    settings: &Settings,
    district: &District,
    week: &Week<'_>,
    changes: &[Change],
    now: DateTime<Utc>,
) -> Result<(Vec<NewMessage>, Vec<String>), ServiceError> {
    let teacher_of = teachers_of(week);
    let mut changed: std::collections::BTreeMap<String, bool> = Default::default();
    let mut cancelled_ids = Vec::new();
    for change in changes {
        match change {
            Change::Keep { .. } => {}
            Change::Add { teacher, .. } => {
                changed.entry(teacher.clone()).or_insert(false);
            }
            Change::Move {
                visit_id, teacher, ..
            } => {
                changed.insert(teacher.clone(), true);
                if let Some(old) = teacher_of.get(visit_id) {
                    changed.insert(old.to_string(), true);
                }
            }
            Change::Cancel { visit_id } => {
                cancelled_ids.push(*visit_id);
                if let Some(old) = teacher_of.get(visit_id) {
                    changed.insert(old.to_string(), true);
                }
            }
        }
    }
    // A teacher who keeps visits from an earlier run already had a schedule.
    for change in changes {
        if let Change::Keep { visit_id } = change
            && let Some(teacher) = teacher_of.get(visit_id)
            && let Some(update) = changed.get_mut(*teacher)
        {
            *update = true;
        }
    }
    if changed.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let monday = monday_of(week.week);
    let told: Vec<String> = changed.keys().cloned().collect();
    let days = (monday, monday + Duration::days(6));
    let planned = visits::planned_between_of(tx, days, &told).await?;
    let cancelled = visits::rows_by_id(tx, &cancelled_ids).await?;
    let (teachers, students, goals) = (&district.staff, &district.students, &district.goals);
    let scheduled = |row: &VisitRow| {
        let slot = settings.slots.iter().find(|s| s.name == row.slot);
        let student = students.get(&row.student_id);
        ScheduledVisit {
            visit_id: row.visit_id,
            sequence: row.sequence,
            day: row.day,
            slot: row.slot.clone(),
            start: slot.map_or(chrono::NaiveTime::MIN, |s| s.start),
            end: slot.map_or(chrono::NaiveTime::MIN, |s| s.end),
            student_name: student.map_or(row.student_id.clone(), |s| s.name.clone()),
            address: student.and_then(|s| s.address.clone()).unwrap_or_default(),
            goals: goals.get(&row.plan_id).cloned().unwrap_or_default(),
        }
    };
    // Each teacher's rows, grouped once (a district has thousands of teachers).
    let by_teacher = |rows: &[VisitRow]| {
        let mut grouped: HashMap<String, Vec<ScheduledVisit>> = HashMap::new();
        for row in rows {
            grouped
                .entry(row.teacher_id.clone())
                .or_default()
                .push(scheduled(row));
        }
        grouped
    };
    let (mut planned_of, mut cancelled_of) = (by_teacher(&planned), by_teacher(&cancelled));
    let week_name = format_week(week.week);
    let week_title = crate::speech::Speech::of(settings).week(week.calendar, week.week);
    let mut messages = Vec::new();
    let mut not_sent = Vec::new();
    // Who passes a week on, read once per school.
    let mut passers: HashMap<String, Vec<String>> = HashMap::new();
    for (teacher_id, update) in changed {
        let Some(teacher) = teachers.get(&teacher_id) else {
            continue;
        };
        let (recipients, pass_on) = match &teacher.email {
            Some(email) => (vec![email.clone()], false),
            None => {
                if !passers.contains_key(&teacher.school) {
                    let found = super::leave::deciders(tx, settings, teacher).await?;
                    passers.insert(teacher.school.clone(), found);
                }
                (passers[&teacher.school].clone(), true)
            }
        };
        if recipients.is_empty() {
            tracing::warn!(
                teacher = %teacher_id,
                "a teacher without email has no coordinator (and no mail.operators) to pass their week on"
            );
            not_sent.push(teacher.name.clone());
        }
        let visits = planned_of.remove(teacher_id.as_str()).unwrap_or_default();
        let cancelled = cancelled_of.remove(teacher_id.as_str()).unwrap_or_default();
        for email in &recipients {
            messages.push(schedule::message(
                &TeacherWeek {
                    week: &week_name,
                    week_title: &week_title,
                    teacher_id: &teacher_id,
                    teacher_name: &teacher.name,
                    email,
                    pass_on,
                    teacher_phone: teacher.phone.as_deref().unwrap_or_default(),
                    visits: visits.clone(),
                    cancelled: cancelled.clone(),
                    update,
                    link: &settings.web.public_url,
                },
                settings.locale,
                settings.time_zone,
                now,
            ));
        }
    }
    Ok((messages, not_sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(teacher: &str, day: u32) -> Change {
        Change::Add {
            plan_id: i64::from(day),
            teacher: teacher.into(),
            day: NaiveDate::from_ymd_opt(2026, 12, day).unwrap(),
            slot: "AM".into(),
        }
    }

    #[test]
    fn each_teachers_changes_are_written_in_one_part_of_about_the_limit() {
        let stored: HashMap<i64, &str> = HashMap::from([(1, "T1"), (2, "T3"), (3, "T5")]);
        let changes = vec![
            add("T1", 1),
            add("T2", 2),
            add("T3", 3),
            // T1's visit goes to T4: the two are written together.
            Change::Move {
                visit_id: 1,
                teacher: "T4".into(),
                day: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
                slot: "PM".into(),
            },
            add("T4", 5),
            add("T1", 6),
            Change::Cancel { visit_id: 2 },
            Change::Keep { visit_id: 3 },
            add("T5", 7),
        ];
        let parts = in_parts(&changes, &stored, 3);
        let part_of = |teacher: &str| {
            let holding: Vec<usize> = (0..parts.len())
                .filter(|&at| parts[at].teachers.iter().any(|t| t == teacher))
                .collect();
            assert_eq!(holding.len(), 1, "{teacher} is in one part");
            holding[0]
        };
        assert_eq!(part_of("T1"), part_of("T4"));
        let written: usize = parts.iter().map(|p| p.changes.len()).sum();
        assert_eq!(written, changes.len());
        // T1 and T4 share four changes: more than the limit, kept whole.
        assert_eq!(parts[part_of("T1")].changes.len(), 4);
        assert!(parts.iter().all(|p| p.changes.len() <= 4));
        let _ = (part_of("T3"), part_of("T5"));
        assert!(parts.len() >= 2);
        // One part keeps the changes in their order.
        assert_eq!(in_parts(&changes, &stored, 100)[0].changes, changes);
        assert_eq!(
            in_parts(&[], &stored, 3).len(),
            1,
            "a week with no change keeps its report"
        );
    }
}
