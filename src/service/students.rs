//! The children a person may see, and a child's page: scoped by the actor's role
//! and scope here, once, for every door. A child outside the scope is "not
//! found", the same answer as a child who does not exist. Every read of a
//! child's page leaves an access-log row.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::people::StudentSummary;
use super::progress::{Moment, ProgressRow, progress, student_progress};
use super::{Actor, ServiceError, audit};
use crate::config::Settings;
use crate::domain::access::{Role, Scope};
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::pace::{ChartWeek, Status};
use crate::domain::student::Disability;
use crate::domain::visit::Accounts;
use crate::store::people::{self, Absence, Student, Which};
use crate::store::plans::{self, Plan, Revision};
use crate::store::visit_files::{self, VisitFile};
use crate::store::visits::LedgerVisit;
use crate::store::{Store, Tx, readings, visits};

/// Who the actor may see.
struct Visible {
    scope: Scope,
    /// For a teacher listing their children: the students whose current plan
    /// names them.
    taught: BTreeSet<String>,
}

impl Visible {
    /// For a list: works out a teacher's children once.
    async fn of(tx: &mut Tx, actor: &Actor, year: SchoolYear) -> Result<Self, ServiceError> {
        let taught = match &actor.scope {
            Scope::Teacher { teacher_id } => plans::students_taught_by(tx, teacher_id, year)
                .await?
                .into_iter()
                .collect(),
            _ => BTreeSet::new(),
        };
        Ok(Visible {
            scope: actor.scope.clone(),
            taught,
        })
    }

    fn sees(&self, student: &Student) -> bool {
        self.sees_child(&student.student_id, &student.school)
    }

    fn sees_child(&self, student_id: &str, school: &str) -> bool {
        self.scope
            .covers_student(school, |_| self.taught.contains(student_id))
    }
}

/// Whether the actor may see one student, whose current plan (if any) is given.
pub(crate) fn sees_one(actor: &Actor, student: &Student, plan: Option<&Plan>) -> bool {
    actor.scope.covers_student(&student.school, |teacher_id| {
        plan.is_some_and(|p| {
            p.terms.teacher_id == teacher_id
                || p.terms.backup_teacher_id.as_deref() == Some(teacher_id)
        })
    })
}

/// Up to this many children, a list reads each one's pace alone.
const FEW: usize = 50;

/// A child in a list: who, where, and how their year goes.
#[derive(Debug, Clone, Serialize)]
pub struct ListedStudent {
    #[serde(flatten)]
    pub student: StudentSummary,
    /// None: no plan this school year.
    pub plan: Option<ListedPlan>,
}

/// What a list of children is searched and filtered by; an empty field keeps all.
#[derive(Debug, Clone, Copy, Default)]
pub struct StudentMatch<'a> {
    /// Part of a name or an id.
    pub text: &'a str,
    pub school: &'a str,
    /// A pace status code (`behind`…), or `none` for no plan.
    pub pace: &'a str,
    /// The plan's teacher (id).
    pub teacher: &'a str,
}

impl ListedStudent {
    pub fn matches(&self, search: &StudentMatch) -> bool {
        let text = search.text.trim().to_lowercase();
        (text.is_empty()
            || self.student.name.to_lowercase().contains(&text)
            || self.student.student_id.to_lowercase().contains(&text))
            && (search.school.is_empty() || self.student.school == search.school)
            && (search.pace.is_empty()
                || self.plan.as_ref().map_or("none", |p| p.status.as_str()) == search.pace)
            && (search.teacher.is_empty()
                || self
                    .plan
                    .as_ref()
                    .is_some_and(|p| p.teacher_id == search.teacher))
    }
}

/// A child's plan of the year in the children's list.
#[derive(Debug, Clone, Serialize)]
pub struct ListedPlan {
    pub status: Status,
    pub teacher_id: String,
    pub teacher_name: String,
    pub delivered: u32,
    pub pending: u32,
    pub expected: u32,
    pub target: u32,
}

impl ListedPlan {
    /// Periods short of the expected line (delivered and pending counted).
    pub fn gap(&self) -> u32 {
        self.expected.saturating_sub(self.delivered + self.pending)
    }
}

impl From<super::progress::ProgressRow> for ListedPlan {
    fn from(row: super::progress::ProgressRow) -> Self {
        Self {
            status: row.status,
            teacher_id: row.teacher_id,
            teacher_name: String::new(),
            delivered: row.delivered,
            pending: row.pending,
            expected: row.expected,
            target: row.target,
        }
    }
}

/// The children the actor may see, by school and name.
pub async fn visible_students(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<ListedStudent>, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let year = SchoolYear::containing(today);
    let calendar = settings.calendar(year).map_err(ServiceError::Settings)?;
    let mut tx = store.read().await?;
    let visible = Visible::of(&mut tx, actor, year).await?;
    let students: Vec<Student> = people::students(&mut tx, None)
        .await?
        .into_iter()
        .filter(|s| visible.sees(s))
        .collect();
    // A teacher's few children are read one by one; a school's or district's at once.
    let mut plans: std::collections::HashMap<String, ListedPlan> = if students.len() <= FEW {
        let mut plans = std::collections::HashMap::new();
        for student in &students {
            if let Some(row) =
                student_progress(&mut tx, settings, &calendar, now, &student.student_id).await?
            {
                plans.insert(row.student_id.clone(), row.into());
            }
        }
        plans
    } else {
        progress(&mut tx, settings, &calendar, now)
            .await?
            .into_iter()
            .map(|row| (row.student_id.clone(), row.into()))
            .collect()
    };
    let names: std::collections::HashMap<String, String> = people::teachers(&mut tx, None)
        .await?
        .into_iter()
        .map(|t| (t.teacher_id, t.name))
        .collect();
    for plan in plans.values_mut() {
        plan.teacher_name = names.get(&plan.teacher_id).cloned().unwrap_or_default();
    }
    tx.rollback().await?;
    let mut listed: Vec<ListedStudent> = students
        .iter()
        .map(|s| ListedStudent {
            student: StudentSummary::from(s),
            plan: plans.remove(&s.student_id),
        })
        .collect();
    listed.sort_by(|a, b| {
        (&a.student.school, &a.student.name).cmp(&(&b.student.school, &b.student.name))
    });
    Ok(listed)
}

/// Each active plan of the year at `now` of the children the actor sees.
pub async fn visible_progress(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<ProgressRow>, ServiceError> {
    let year = SchoolYear::containing(now.with_timezone(&settings.time_zone).date_naive());
    let calendar = settings.calendar(year).map_err(ServiceError::Settings)?;
    let mut tx = store.read().await?;
    let visible = Visible::of(&mut tx, actor, year).await?;
    let rows = progress(&mut tx, settings, &calendar, now).await?;
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .filter(|row| visible.sees_child(&row.student_id, &row.school))
        .collect())
}

/// How to reach the family, and the diagnosis: for the roles that visit or keep
/// the record, never for supervisors.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub guardian_name: Option<String>,
    pub guardian_phone: Option<String>,
    pub address: Option<String>,
    pub disability: Option<Disability>,
    pub disability_grade: Option<u8>,
    pub diagnosis: Option<String>,
}

/// A child's page.
#[derive(Debug, Clone, Serialize)]
pub struct StudentPage {
    #[serde(flatten)]
    pub student: StudentSummary,
    pub contact: Option<Contact>,
    pub plan: Option<Plan>,
    /// The plan's teacher and backup, by name.
    pub teacher_name: Option<String>,
    pub backup_name: Option<String>,
    /// Every teacher's name by id: the visits and revisions name them so.
    pub teacher_names: std::collections::HashMap<String, String>,
    pub pace: Option<ProgressRow>,
    /// The plan's year: its chart, revisions, visits and accounts.
    pub year: Option<PlanYear>,
}

/// A plan's year as a child's page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanYear {
    pub chart: PaceChart,
    /// Every revision: who changed what, when, why.
    pub revisions: Vec<Revision>,
    /// Every visit (not cancelled by re-planning), latest first, with its record.
    pub visits: Vec<LedgerVisit>,
    /// The files of each visit's record, for those who may see them.
    pub files: BTreeMap<i64, Vec<VisitFile>>,
    /// scheduled = delivered + missed by reason + cancelled + unrecorded + to come.
    pub accounts: Accounts,
    pub pauses: Vec<Absence>,
    /// The teacher's approved leave.
    pub leave: Vec<Absence>,
}

/// What a child's pace chart draws, in periods.
#[derive(Debug, Clone, Serialize)]
pub struct PaceChart {
    pub weeks: Vec<ChartWeek>,
    pub target: u32,
    /// The year's end as check-pace last projected it.
    pub projected: Option<u32>,
}

async fn plan_year(
    tx: &mut Tx,
    settings: &Settings,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
    plan: &Plan,
    reader: Role,
) -> Result<PlanYear, ServiceError> {
    let pauses = people::student_pauses(tx, Some(&plan.student_id)).await?;
    let paused: Vec<(NaiveDate, NaiveDate)> =
        pauses.iter().map(|p| (p.start_date, p.end_date)).collect();
    let days = plan.terms.days(calendar, &paused);
    let target = plan
        .terms
        .rhythm(
            calendar,
            settings.defaults.prorate_target,
            settings.defaults.max_visits_per_week,
        )
        .target;
    let mut visits =
        visits::ledger_visits(tx, calendar.year, Some(plan.plan_id), Which::Everyone).await?;
    let delivered: Vec<(NaiveDate, u32)> = visits
        .iter()
        .filter(|v| v.outcome.is_some_and(|o| o.delivers()))
        .map(|v| (v.day, v.periods.unwrap_or(0).max(0) as u32))
        .collect();
    let moment = Moment::new(settings, now)?;
    let accounts = super::reports::accounts(
        target,
        plan.terms.periods_per_visit,
        &visits,
        moment.today(),
    );
    if !reader.sees_visit_details() {
        visits = visits
            .into_iter()
            .map(LedgerVisit::without_details)
            .collect();
    }
    let files = if reader.sees_contact_and_diagnosis() {
        visit_files::of_plan(tx, plan.plan_id).await?
    } else {
        BTreeMap::new()
    };
    visits.reverse();
    Ok(PlanYear {
        chart: PaceChart {
            weeks: days.chart(target, &delivered, moment.open_from()),
            target,
            projected: readings::projected(tx, plan.plan_id)
                .await?
                .map(|p| p.max(0) as u32),
        },
        revisions: plans::history(tx, &plan.student_id)
            .await?
            .into_iter()
            .filter(|r| r.plan_id == plan.plan_id)
            .collect(),
        visits,
        files,
        accounts,
        pauses,
        leave: people::teacher_leaves(tx, Some(&plan.terms.teacher_id)).await?,
    })
}

/// Where a read came from, for the access log.
pub struct ReadFrom<'a> {
    pub address: &'a str,
}

/// The student and their plan of the year, if the actor may see them; else
/// "not found", as for a child who does not exist.
async fn seen_student(
    tx: &mut Tx,
    actor: &Actor,
    student_id: &str,
    year: SchoolYear,
) -> Result<(Student, Option<Plan>), ServiceError> {
    let not_found = || ServiceError::NotFound {
        what: "student",
        id: student_id.to_string(),
    };
    let student = people::student(tx, student_id)
        .await?
        .ok_or_else(not_found)?;
    let plan = plans::active_plan(tx, student_id, year).await?;
    if !sees_one(actor, &student, plan.as_ref()) {
        return Err(not_found());
    }
    Ok((student, plan))
}

/// A child's page, if the actor may see the child; the read is logged.
pub async fn student_page(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    student_id: &str,
    from: ReadFrom<'_>,
) -> Result<StudentPage, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let year = SchoolYear::containing(today);
    let calendar = settings.calendar(year).map_err(ServiceError::Settings)?;
    let mut tx = audit::logged_read(store, actor, now).await?;
    let (student, plan) = seen_student(&mut tx, actor, student_id, year).await?;
    let mut teacher_name = None;
    let mut backup_name = None;
    if let Some(plan) = &plan {
        teacher_name = people::teacher(&mut tx, &plan.terms.teacher_id)
            .await?
            .map(|t| t.name);
        if let Some(backup) = &plan.terms.backup_teacher_id {
            backup_name = people::teacher(&mut tx, backup).await?.map(|t| t.name);
        }
    }
    let pace = student_progress(&mut tx, settings, &calendar, now, student_id).await?;
    let plan_year = match &plan {
        Some(plan) => Some(plan_year(&mut tx, settings, &calendar, now, plan, actor.role).await?),
        None => None,
    };
    // The few teachers the child's visits and revisions name (a district has
    // thousands).
    let mut named: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    if let Some(year) = &plan_year {
        named.extend(year.visits.iter().map(|v| v.teacher_id.as_str()));
        for r in &year.revisions {
            named.insert(&r.teacher_id);
            named.extend(r.backup_teacher_id.as_deref());
        }
    }
    let mut teacher_names = std::collections::HashMap::new();
    for id in named {
        if let Some(teacher) = people::teacher(&mut tx, id).await? {
            teacher_names.insert(teacher.teacher_id, teacher.name);
        }
    }
    let contact = actor.role.sees_contact_and_diagnosis().then(|| Contact {
        guardian_name: student.guardian_name.clone(),
        guardian_phone: student.guardian_phone.clone(),
        address: student.address.clone(),
        disability: student.disability,
        disability_grade: student.disability_grade,
        diagnosis: student.diagnosis.clone(),
    });
    let what = if contact.is_some() {
        "student page with contact and diagnosis"
    } else {
        "student page"
    };
    audit::record_read(
        &mut tx,
        &audit::chain_key(settings)?,
        actor,
        student_id,
        what,
        from.address,
    )
    .await?;
    tx.commit().await?;
    Ok(StudentPage {
        student: StudentSummary::from(&student),
        contact,
        plan,
        teacher_name,
        backup_name,
        teacher_names,
        pace,
        year: plan_year,
    })
}

/// A child's ledger for download, if the actor may see the child; the export is
/// written to the access log.
pub async fn ledger(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    student_id: &str,
    from: ReadFrom<'_>,
) -> Result<super::reports::Ledger, ServiceError> {
    let today = now.with_timezone(&settings.time_zone).date_naive();
    let year = SchoolYear::containing(today);
    let calendar = settings.calendar(year).map_err(ServiceError::Settings)?;
    let mut tx = audit::logged_read(store, actor, now).await?;
    seen_student(&mut tx, actor, student_id, year).await?;
    audit::record_read(
        &mut tx,
        &audit::chain_key(settings)?,
        actor,
        student_id,
        "ledger export",
        from.address,
    )
    .await?;
    tx.commit().await?;
    let mut ledger =
        super::reports::ledger(store, settings, actor, &calendar, student_id, now).await?;
    if !actor.role.sees_visit_details() {
        ledger.visits = ledger
            .visits
            .into_iter()
            .map(LedgerVisit::without_details)
            .collect();
    }
    Ok(ledger)
}
