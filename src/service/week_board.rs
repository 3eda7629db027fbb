//! The week's board: every visit of a week as a grid, teachers by days and
//! half-days, with the child, the state and what changed since it was planned;
//! the visits that could not be placed and why. Coordinators (and admins) move
//! or cancel one visit by hand with a reason; a visit moved by hand stays where
//! it was put when the week is planned again (`planner::week`, `pinned`).
//! Supervisors see their schools' board, read-only.

use crate::reason::Reason;
use std::collections::HashMap;

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, Utc};
use serde::Serialize;

use super::dashboard::{UnplacedStudent, shortfall};
use super::my_week::VisitState;
use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::domain::access::{Role, Scope};
use crate::domain::calendar::SchoolYear;
use crate::planner::week::{format_week, monday_of};
use crate::store::visits::{self, VisitFilter};
use crate::store::{Store, Tx, people, readings};

/// One visit in a cell of the board.
#[derive(Debug, Clone, Serialize)]
pub struct BoardVisit {
    pub visit_id: i64,
    pub student_id: String,
    pub name: String,
    pub state: VisitState,
    /// Moved by hand (it stays where it was put).
    pub pinned: bool,
    /// Moved since it was first planned (by planning again or by hand).
    pub moved: bool,
    /// Its day is over and nobody recorded it: the teacher's to record, not to
    /// move.
    pub to_record: bool,
    /// Not recorded and not past: a coordinator may still move it.
    pub movable: bool,
    /// In a planning preview: what planning would do to it (`added`, `moved`,
    /// `cancelled`; None: kept as it is).
    pub change: Option<&'static str>,
}

/// A teacher's row: one cell per day and slot, in the board's order.
#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    pub teacher_id: String,
    pub name: String,
    pub school: String,
    pub cells: Vec<Option<BoardVisit>>,
}

#[derive(Debug, Clone)]
pub struct Board {
    pub week: IsoWeek,
    /// The week's teaching days.
    pub days: Vec<NaiveDate>,
    pub slots: Vec<String>,
    /// The slots as the reader's language names them.
    pub slot_labels: Vec<String>,
    /// The schools the reader may pick from, and the one shown (None: all).
    pub schools: Vec<String>,
    pub school: Option<String>,
    pub rows: Vec<BoardRow>,
    pub visits: usize,
    pub unplaced: Vec<UnplacedStudent>,
    /// The staffing advice of the week's planning (or of the preview).
    pub advice: Vec<super::dashboard::AdviceLine>,
    pub planned_at: Option<DateTime<Utc>>,
    /// Every teaching day of the week is over: nothing is left to plan.
    pub past: bool,
    /// Coordinators and admins may move and cancel here.
    pub may_change: bool,
    /// Planning is district-wide: for the district's coordinators and admins.
    pub may_plan: bool,
}

/// Coordinators and admins change the board; the rest read it.
fn may_change(actor: &Actor) -> bool {
    actor.role.keeps_registers()
}

/// A role that never moves or cancels visits is told so before anything is read.
fn require_changer(actor: &Actor) -> Result<(), ServiceError> {
    if may_change(actor) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "visits are moved and cancelled by coordinators and admins".into(),
        ))
    }
}

/// Planning the week plans the whole district.
pub fn may_plan(actor: &Actor) -> bool {
    may_change(actor) && actor.scope == Scope::District
}

/// The week's board of the schools the actor sees, or of one of them.
pub async fn board(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    week: IsoWeek,
    school: Option<&str>,
    preview: Option<&super::plan_week::WeekReport>,
) -> Result<Board, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    if actor.role == Role::Teacher {
        return Err(ServiceError::Forbidden(
            "the board is the coordinators'".into(),
        ));
    }
    let monday = monday_of(week);
    let calendar = super::calendar_of(
        settings,
        SchoolYear::containing(monday + chrono::Duration::days(3)),
    )?;
    let days: Vec<NaiveDate> = calendar.week(week).into_iter().map(|(d, _)| d).collect();
    let slot_table = settings.slot_table().map_err(ServiceError::Settings)?;
    let slots: Vec<String> = slot_table.names().into_iter().map(String::from).collect();
    let chinese = settings.locale == crate::config::Locale::ZhCn;
    let slot_labels = slots.iter().map(|s| slot_table.label(s, chinese)).collect();
    let mut tx = store.read().await?;
    let everyone = people::teachers(&mut tx, None).await?;
    // A reason may name a backup of another school: by name, as every teacher is.
    let all_names: HashMap<String, String> = everyone
        .iter()
        .map(|t| (t.teacher_id.clone(), t.name.clone()))
        .collect();
    let all_teachers: Vec<people::Teacher> = everyone
        .into_iter()
        .filter(|t| actor.sees_school(&t.school))
        .collect();
    let mut schools: Vec<String> = all_teachers.iter().map(|t| t.school.clone()).collect();
    schools.sort();
    schools.dedup();
    let teachers: Vec<people::Teacher> = all_teachers
        .into_iter()
        .filter(|t| school.is_none_or(|one| t.school == one))
        .collect();
    let students = people::students(&mut tx, None).await?;
    // Children the reader may see (in the school asked for): the only ones the
    // list of visits that could not be placed may name.
    let visible: HashMap<String, String> = students
        .iter()
        .filter(|s| actor.sees_school(&s.school) && school.is_none_or(|one| s.school == one))
        .map(|s| (s.student_id.clone(), s.name.clone()))
        .collect();
    let names: HashMap<String, String> = students
        .into_iter()
        .map(|s| (s.student_id, s.name))
        .collect();
    let week_visits = visits::list(
        &mut tx,
        &VisitFilter {
            from: Some(monday),
            to: Some(monday + chrono::Duration::days(6)),
            ..Default::default()
        },
    )
    .await?;
    let report = readings::week_report(&mut tx, &format_week(week)).await?;
    tx.rollback().await?;

    let cell_of = |day: NaiveDate, slot: &str| {
        let d = days.iter().position(|&x| x == day)?;
        let s = slots.iter().position(|x| x == slot)?;
        Some(d * slots.len() + s)
    };
    let mut rows: Vec<BoardRow> = teachers
        .iter()
        .map(|t| BoardRow {
            teacher_id: t.teacher_id.clone(),
            name: t.name.clone(),
            school: t.school.clone(),
            cells: vec![None; days.len() * slots.len()],
        })
        .collect();
    let row_of: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.teacher_id.clone(), i))
        .collect();
    let name_of = |student: &str| {
        names
            .get(student)
            .cloned()
            .unwrap_or_else(|| student.to_string())
    };
    let mut shown = 0;
    // A preview shows the week as planning would leave it: its visits, and the
    // stored ones it would cancel where nothing takes their place.
    let kept_ids: std::collections::HashSet<i64> = preview
        .map(|p| p.visits.iter().filter_map(|v| v.visit_id).collect())
        .unwrap_or_default();
    for v in &week_visits {
        let cancelled = preview.is_some() && !kept_ids.contains(&v.visit_id);
        if preview.is_some() && !cancelled {
            continue;
        }
        let (Some(&row), Some(cell)) = (row_of.get(&v.teacher_id), cell_of(v.day, &v.slot)) else {
            continue;
        };
        shown += usize::from(!cancelled);
        rows[row].cells[cell] = Some(BoardVisit {
            visit_id: v.visit_id,
            name: name_of(&v.student_id),
            student_id: v.student_id.clone(),
            state: VisitState::of(v.outcome),
            pinned: v.pinned,
            moved: v.sequence > 0,
            // The rule `changeable` holds a move to.
            to_record: v.outcome.is_none() && v.day < today,
            movable: !cancelled && v.outcome.is_none() && v.day >= today,
            change: cancelled.then_some("cancelled"),
        });
    }
    for v in preview.map_or(&[][..], |p| p.visits.as_slice()) {
        let (Some(&row), Some(cell)) = (row_of.get(&v.teacher), cell_of(v.day, &v.slot)) else {
            continue;
        };
        shown += 1;
        let stored = week_visits.iter().find(|s| Some(s.visit_id) == v.visit_id);
        rows[row].cells[cell] = Some(BoardVisit {
            visit_id: v.visit_id.unwrap_or(0),
            name: name_of(&v.student),
            student_id: v.student.clone(),
            state: VisitState::of(v.outcome),
            pinned: stored.is_some_and(|s| s.pinned),
            moved: stored.is_some_and(|s| s.sequence > 0),
            to_record: v.outcome.is_none() && v.day < today,
            movable: false,
            change: match v.change {
                "added" => Some("added"),
                "moved" => Some("moved"),
                _ => None,
            },
        });
    }
    let names: HashMap<String, String> = all_names;
    let preview_text = preview.and_then(|p| serde_json::to_string(p).ok());
    let (unplaced, advice, planned_at) = match (preview_text, report) {
        (Some(text), report) => {
            let (unplaced, advice) = shortfall(
                &text,
                |student| visible.get(student).cloned(),
                (chinese, &names),
            );
            (unplaced, advice, report.map(|(_, at)| at))
        }
        (None, Some((text, at))) => {
            let (unplaced, advice) = shortfall(
                &text,
                |student| visible.get(student).cloned(),
                (chinese, &names),
            );
            (unplaced, advice, Some(at))
        }
        (None, None) => (Vec::new(), Vec::new(), None),
    };
    let past = days.last().is_none_or(|&last| last < today);
    Ok(Board {
        week,
        days,
        slots,
        slot_labels,
        schools,
        school: school.map(str::to_string),
        rows,
        visits: shown,
        unplaced,
        advice,
        planned_at,
        past,
        may_change: may_change(actor),
        may_plan: may_plan(actor),
    })
}

/// A visit a coordinator may change: in their scope, not recorded, not past.
async fn changeable(
    tx: &mut Tx,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    visit_id: i64,
) -> Result<visits::VisitForRecord, ServiceError> {
    let not_found = || ServiceError::NotFound {
        what: "visit",
        id: visit_id.to_string(),
    };
    let visit = visits::visit_for_record(tx, visit_id)
        .await?
        .ok_or_else(not_found)?;
    let student = people::student(tx, &visit.student_id)
        .await?
        .ok_or_else(not_found)?;
    if !may_change(actor) || !actor.sees_school(&student.school) {
        return Err(not_found());
    }
    let today = now.with_timezone(&settings.time_zone).date_naive();
    if visit.outcome.is_some() || visit.day < today {
        return Err(ServiceError::invalid("visit", Reason::PastVisitNotMoved));
    }
    Ok(visit)
}

/// Where a visit may move to: a teacher of the district the actor sees, a
/// teaching day of the same week from today on, a configured slot.
pub struct MoveTo {
    pub teacher_id: String,
    pub day: NaiveDate,
    pub slot: String,
    pub reason: String,
}

/// Moves a visit by hand; it stays where it was put when the week is planned again.
pub async fn move_visit(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    visit_id: i64,
    to: &MoveTo,
) -> Result<(), ServiceError> {
    require_changer(actor)?;
    if to.reason.trim().is_empty() {
        return Err(ServiceError::invalid("reason", Reason::SayWhyMoved));
    }
    let slots = settings.slot_table().map_err(ServiceError::Settings)?;
    if slots.get(&to.slot).is_none() {
        return Err(ServiceError::invalid(
            "slot",
            Reason::NotASlot {
                text: to.slot.clone(),
                slots: slots.names().iter().map(ToString::to_string).collect(),
            },
        ));
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    let visit = changeable(&mut tx, settings, actor, now, visit_id).await?;
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let calendar = settings
        .calendar(SchoolYear::containing(visit.day))
        .map_err(ServiceError::Settings)?;
    let teaching = calendar
        .week(visit.day.iso_week())
        .iter()
        .any(|(d, _)| *d == to.day);
    if to.day.iso_week() != visit.day.iso_week() || to.day < today || !teaching {
        return Err(ServiceError::invalid(
            "day",
            Reason::NotATeachingDayToCome { day: to.day },
        ));
    }
    let teacher = people::teacher(&mut tx, &to.teacher_id).await?;
    if !teacher.is_some_and(|t| actor.sees_school(&t.school)) {
        return Err(ServiceError::invalid(
            "teacher",
            Reason::NoTeacherInYourSchools {
                teacher: to.teacher_id.clone(),
            },
        ));
    }
    let moved = visits::move_by_hand(
        &mut tx,
        visit_id,
        &to.teacher_id,
        to.day,
        &to.slot,
        to.reason.trim(),
    )
    .await?;
    if !moved {
        return Err(ServiceError::Conflict(Reason::VisitMoveClash {
            visit: visit_id,
            teacher: to.teacher_id.clone(),
            day: to.day,
            slot: to.slot.clone(),
        }));
    }
    tx.commit().await?;
    Ok(())
}

/// Cancels a visit by hand, with the reason.
pub async fn cancel_visit(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    visit_id: i64,
    reason: &str,
) -> Result<(), ServiceError> {
    require_changer(actor)?;
    if reason.trim().is_empty() {
        return Err(ServiceError::invalid("reason", Reason::SayWhyCancelled));
    }
    let mut tx = store.write(&actor.audit(), now).await?;
    changeable(&mut tx, settings, actor, now, visit_id).await?;
    visits::cancel_by_hand(&mut tx, visit_id, reason.trim()).await?;
    tx.commit().await?;
    Ok(())
}

/// The visit a move form is about, with the teachers it may go to.
pub struct MoveForm {
    pub visit: visits::VisitForRecord,
    pub name: String,
    pub teachers: Vec<people::Teacher>,
    pub days: Vec<NaiveDate>,
    pub slots: Vec<String>,
}

pub async fn move_form(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    visit_id: i64,
) -> Result<MoveForm, ServiceError> {
    let mut tx = store.read().await?;
    let visit = changeable(&mut tx, settings, actor, now, visit_id).await?;
    let name = people::student(&mut tx, &visit.student_id)
        .await?
        .map_or_else(|| visit.student_id.clone(), |s| s.name);
    let teachers = people::teachers(&mut tx, None)
        .await?
        .into_iter()
        .filter(|t| actor.sees_school(&t.school))
        .collect();
    tx.rollback().await?;
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let calendar = settings
        .calendar(SchoolYear::containing(visit.day))
        .map_err(ServiceError::Settings)?;
    let days = calendar
        .week(visit.day.iso_week())
        .into_iter()
        .map(|(d, _)| d)
        .filter(|d| *d >= today)
        .collect();
    let slots = settings
        .slot_table()
        .map_err(ServiceError::Settings)?
        .names()
        .into_iter()
        .map(String::from)
        .collect();
    Ok(MoveForm {
        visit,
        name,
        teachers,
        days,
        slots,
    })
}
