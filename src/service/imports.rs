//! Loading the spreadsheets districts keep: all or nothing, every problem named
//! by line and column. One bad row imports no row.

use crate::reason::Reason;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Actor, Problem, ServiceError};
use crate::config::Settings;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::plan::PlanTerms;
use crate::import::records::{self, CellError, Fields, Kind};
use crate::import::{map_headers, sheet};
use crate::store::people::{self, Change};
use crate::store::visits::{self, RecordDetails, RecordInput};
use crate::store::{Store, Tx, plans, tokens};

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Headers that name no column of this kind; their cells were not read.
    pub ignored_columns: Vec<String>,
    /// What a person should know about the rows written, one line each.
    pub notes: Vec<String>,
    /// The same in Chinese.
    #[serde(default)]
    pub notes_zh: Vec<String>,
    /// Cells read but worth a look (an unknown disability word), by line.
    #[serde(default)]
    pub warnings: Vec<records::UnknownDisability>,
    /// Each field a row changes on a record already stored, before → after.
    #[serde(default)]
    pub changes: Vec<FieldChange>,
    /// What the rows leave that will not work well (a child the planner cannot
    /// place), by line: shown before confirming.
    #[serde(default)]
    pub cautions: Vec<Caution>,
}

/// One field of a stored record a row changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub line: usize,
    /// The record: `S0005 王浩`, or a plan's `S0005 2026-2027`.
    pub record: String,
    pub column: String,
    pub before: String,
    pub after: String,
}

impl FieldChange {
    /// `监护人电话 13800000001 → 13900000002` in the reader's words (codes as
    /// words, an empty value as （空）).
    pub fn text(&self, speech: &crate::speech::Speech) -> String {
        let word = |value: &str| {
            if value.is_empty() {
                return if speech.chinese {
                    "（空）".to_string()
                } else {
                    "(empty)".to_string()
                };
            }
            if self.column == "available" {
                return value
                    .split_whitespace()
                    .map(|slot| speech.cell("available", &serde_json::json!(slot)))
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            speech.cell(&self.column, &serde_json::json!(value))
        };
        format!(
            "{} {} → {}",
            speech.header(&self.column),
            word(&self.before),
            word(&self.after)
        )
    }
}

/// A row that imports but leaves something that will not work well.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caution {
    pub line: usize,
    pub en: String,
    pub zh: String,
}

impl Caution {
    pub fn text(&self, chinese: bool) -> String {
        if chinese {
            format!("第 {} 行：{}", self.line, self.zh)
        } else {
            format!("line {}: {}", self.line, self.en)
        }
    }
}

/// "S001 starts 2026-11-30: target pro-rated to 148 periods (of 216)", for a plan
/// that does not cover its whole year; None for one that does.
pub fn starts_note(
    student_id: &str,
    terms: &PlanTerms,
    calendar: &SchoolCalendar,
    prorate: bool,
) -> Option<Reason> {
    let target = terms.target(calendar, prorate);
    (target != terms.annual_target).then(|| Reason::ProRated {
        student: student_id.to_string(),
        start: terms.start_date,
        target,
        full: terms.annual_target,
    })
}

impl ImportReport {
    fn count(&mut self, change: Change) {
        match change {
            Change::Created => self.created += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

/// A file as it arrives (from a disk, a form or a request body): its name says
/// whether it is CSV or a workbook.
pub struct Upload<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// Why the plans a sheet revises change, for rows without a 修订原因 cell.
    pub reason: Option<&'a str>,
    /// Headers the person confirmed mean a column (`可上门时间` → `可用时段`).
    pub confirmed: &'a [(String, String)],
    /// A visits sheet's record on a day no visit should happen (a holiday, a
    /// weekend that is no make-up workday, outside the plan): kept and marked,
    /// instead of refused.
    pub allow_off_days: bool,
}

impl<'a> Upload<'a> {
    pub fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        Upload {
            name,
            bytes,
            reason: None,
            confirmed: &[],
            allow_off_days: false,
        }
    }
}

/// Imports write the district's registers: for the district's coordinators and admins.
pub fn may_import(actor: &Actor) -> bool {
    use crate::domain::access::Scope;
    actor.role.keeps_registers() && actor.scope == Scope::District
}

/// Checks every row and, unless `dry_run`, writes them all in one transaction;
/// one bad row writes nothing and every problem is listed.
pub async fn import(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: Kind,
    upload: Upload<'_>,
    dry_run: bool,
) -> Result<ImportReport, ServiceError> {
    import_once(store, settings, actor, now, kind, upload, dry_run, None).await
}

/// An import request sent with an Idempotency-Key: its answer is kept with the
/// rows it wrote, so that the same request sent again gets it and writes nothing.
pub struct Once<'a> {
    pub account_id: i64,
    pub key: &'a str,
    /// What identifies the request (method, path, a hash of the body).
    pub request: &'a str,
}

/// [`import`], once per key: imports run one at a time, and a key seen before
/// answers as the first time (another request with the key is refused).
#[allow(clippy::too_many_arguments)]
pub async fn import_once(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: Kind,
    upload: Upload<'_>,
    dry_run: bool,
    once: Option<Once<'_>>,
) -> Result<ImportReport, ServiceError> {
    if !may_import(actor) {
        return Err(ServiceError::Forbidden(
            "imports are the district's coordinators'".into(),
        ));
    }
    let sheet = sheet::parse(upload.name, upload.bytes)
        .map_err(|reason| ServiceError::invalid("file", reason))?;
    let mut tx = store.write(&actor.audit(), now).await?;
    // Two imports at once would race on the same new rows: one after the other.
    tx.lock("import").await?;
    if let Some(once) = &once
        && let Some(kept) = tokens::answer(&mut tx, once.account_id, once.key).await?
    {
        tx.rollback().await?;
        if kept.request != once.request {
            return Err(ServiceError::invalid(
                "Idempotency-Key",
                Reason::KeyUsedForAnotherRequest,
            ));
        }
        return serde_json::from_str(&kept.body).map_err(|e| {
            ServiceError::Settings(format!("a kept import answer cannot be read: {e}"))
        });
    }
    let report = match write_sheet(&mut tx, &sheet, &upload, kind, settings).await {
        Ok(report) => report,
        Err(error) => {
            tx.rollback().await?;
            return Err(error);
        }
    };
    if dry_run {
        tx.rollback().await?;
    } else {
        if let Some(once) = &once {
            let body = serde_json::to_string(&report).unwrap_or_default();
            tokens::keep_answer(&mut tx, once.account_id, once.key, once.request, 200, &body)
                .await?;
        }
        tx.refresh_statistics().await?;
        tx.commit().await?;
    }
    Ok(report)
}

/// Every bad cell, by line and column.
/// A plan revised by someone else while this was being written.
pub(super) fn stale_plan(plan: &plans::Plan) -> ServiceError {
    ServiceError::Stale {
        what: format!("plan #{}", plan.plan_id),
        seen: plan.revision,
        now: plan.revision + 1,
    }
}

fn invalid(cells: Vec<CellError>) -> ServiceError {
    ServiceError::Invalid(
        cells
            .into_iter()
            .map(|cell| Problem {
                field: cell.column,
                line: Some(cell.line),
                reason: cell.reason,
            })
            .collect(),
    )
}

/// Checks and writes a sheet in `tx`; `source` names it in the plans' history.
/// The caller commits (or, for a dry run, rolls back); on any error nothing
/// must be committed.
/// The registered teachers and students a sheet of them may change, by id, and
/// the active plans a plans sheet may revise, by `student year` (each empty for
/// the other sheets).
struct Registered {
    teachers: HashMap<String, people::Teacher>,
    students: HashMap<String, people::Student>,
    plans: HashMap<String, plans::Plan>,
    /// Students' names, to name a plan's child in the changes.
    names: HashMap<String, String>,
    /// Students' schools, to see a plan's teacher is of the child's school.
    student_schools: HashMap<String, String>,
    /// The schools registered, to point out a name close to one of them.
    schools: std::collections::BTreeSet<String>,
    /// Teachers' accounts' emails: a supervisors' sheet may not name them.
    teacher_accounts: std::collections::BTreeSet<String>,
    /// Coordinators' and admins' accounts by email, with their scope: a
    /// supervisors' sheet may make them hear alerts, not change their schools.
    keepers: HashMap<String, (crate::domain::access::Role, crate::domain::access::Scope)>,
    /// The supervisors' robots as a list shows them (masked), by email: a sheet
    /// read back from `supervisor list` keeps them.
    masked_robots: HashMap<String, serde_json::Value>,
}

impl Registered {
    async fn read(tx: &mut Tx, kind: Kind) -> Result<Self, ServiceError> {
        let teachers = match kind {
            Kind::Teachers | Kind::Plans | Kind::Visits => people::teachers(tx, None).await?,
            _ => Vec::new(),
        };
        let students = match kind {
            Kind::Students | Kind::Plans => people::students(tx, None).await?,
            _ => Vec::new(),
        };
        let plans = match kind {
            Kind::Plans => plans::active_plans(tx, None, None).await?,
            _ => Vec::new(),
        };
        let schools = match kind {
            Kind::Teachers | Kind::Students | Kind::Supervisors => people::school_names(tx).await?,
            _ => Default::default(),
        };
        let accounts = match kind {
            Kind::Supervisors => crate::store::accounts::list(tx).await?,
            _ => Vec::new(),
        };
        let teacher_accounts = accounts
            .iter()
            .filter(|a| a.role == crate::domain::access::Role::Teacher)
            .map(|a| a.email.clone())
            .collect();
        let keepers = accounts
            .iter()
            .filter(|a| a.role.keeps_registers())
            .map(|a| (a.email.clone(), (a.role, a.scope.clone())))
            .collect();
        let masked_robots = match kind {
            Kind::Supervisors => crate::store::alerts::supervisors(tx)
                .await?
                .into_iter()
                .map(|s| (s.email, serde_json::to_value(&s.robots).unwrap_or_default()))
                .collect(),
            _ => HashMap::new(),
        };
        Ok(Registered {
            schools,
            teacher_accounts,
            keepers,
            masked_robots,
            student_schools: students
                .iter()
                .map(|s| (s.student_id.clone(), s.school.clone()))
                .collect(),
            teachers: teachers
                .into_iter()
                .map(|t| (t.teacher_id.clone(), t))
                .collect(),
            names: students
                .iter()
                .map(|s| (s.student_id.clone(), s.name.clone()))
                .collect(),
            students: match kind {
                Kind::Students => students
                    .into_iter()
                    .map(|s| (s.student_id.clone(), s))
                    .collect(),
                _ => HashMap::new(),
            },
            plans: plans
                .into_iter()
                .map(|p| (format!("{} {}", p.student_id, p.school_year), p))
                .collect(),
        })
    }

    /// A teacher's id for a cell that holds an id, or a name only one teacher
    /// has; a name several share is refused naming them.
    fn teacher_id<'s>(&'s self, cell: &'s str) -> Result<&'s str, Reason> {
        let cell = cell.trim();
        if cell.is_empty() || self.teachers.contains_key(cell) {
            return Ok(cell);
        }
        let mut named: Vec<&people::Teacher> =
            self.teachers.values().filter(|t| t.name == cell).collect();
        named.sort_by(|a, b| a.teacher_id.cmp(&b.teacher_id));
        match named.as_slice() {
            [] => Ok(cell),
            [one] => Ok(&one.teacher_id),
            several => Err(Reason::TeacherNameAmbiguous {
                name: cell.to_string(),
                ids: several
                    .iter()
                    .map(|t| format!("{} {}", t.teacher_id, t.school))
                    .collect(),
            }),
        }
    }

    /// Each one as the cells of a sheet would hold it, by its key.
    fn as_text(&self) -> HashMap<String, Vec<(&'static str, String)>> {
        let teachers = self
            .teachers
            .iter()
            .map(|(id, t)| (id.clone(), super::registry::teacher_as_text(t)));
        let students = self
            .students
            .iter()
            .map(|(id, s)| (id.clone(), super::registry::student_as_text(s)));
        let plans = self
            .plans
            .iter()
            .map(|(key, p)| (key.clone(), records::plan_as_text(&p.terms)));
        teachers.chain(students).chain(plans).collect()
    }

    /// A school not registered whose name is close to one that is (城关一小 for
    /// 城关镇第一小学): most likely the same school written another way.
    fn unknown_school(&self, line: usize, school: &str) -> Option<Caution> {
        if self.schools.contains(school) {
            return None;
        }
        let meant = crate::store::schools::likely_meant(school, &self.schools)?;
        Some(Caution {
            line,
            en: format!(
                "school `{school}` is not registered, but `{meant}` is: if they are one school, write `{meant}` (or merge them afterwards: songjiao school merge {school} {meant})"
            ),
            zh: format!(
                "学校“{school}”没有登记，已登记的有“{meant}”：如果是同一所学校，请写成“{meant}”（或导入后合并：songjiao school merge {school} {meant}）"
            ),
        })
    }

    /// What keeps a supervisors' row from being saved: a school not registered
    /// (they would hear of nobody), or the email of a teacher's account.
    fn supervisor_problems(&self, line: usize, input: &records::SupervisorInput) -> Vec<CellError> {
        let unknown = input
            .schools
            .iter()
            .flatten()
            .filter(|school| !self.schools.contains(*school))
            .map(|school| CellError {
                line,
                column: "school".into(),
                reason: super::registry::not_a_school(school, &self.schools),
            });
        let email = input.email.to_lowercase();
        let refused = if self.teacher_accounts.contains(&email) {
            Some(crate::store::alerts::SupervisorSaved::TeacherAccount)
        } else {
            let scope = input.scope();
            self.keepers
                .get(&email)
                .filter(|(_, theirs)| *theirs != scope)
                .map(|(role, theirs)| {
                    crate::store::alerts::SupervisorSaved::NotItsScope(*role, theirs.clone())
                })
        };
        let refusal = refused
            .and_then(|r| r.refusal(&email))
            .map(|(column, reason)| CellError {
                line,
                column: column.into(),
                reason,
            });
        unknown.chain(refusal).collect()
    }

    /// A robot's cell as `supervisor list` shows it (masked): what is set stays.
    fn keep_masked_robots(&self, values: &mut HashMap<&'static str, &str>) {
        let Some(email) = values.get("email").map(|e| e.trim().to_lowercase()) else {
            return;
        };
        let Some(shown) = self.masked_robots.get(&email) else {
            return;
        };
        for column in ["dingtalk_webhook", "dingtalk_secret", "wecom_webhook"] {
            if let Some(cell) = values.get(column)
                && cell.contains(crate::config::MASK)
                && shown[column].as_str() == Some(cell.trim())
            {
                values.insert(column, "");
            }
        }
    }

    /// A plan giving a child a teacher (or backup) of another school.
    fn teacher_of_another_school(&self, line: usize, plan: &records::PlanInput) -> Vec<Caution> {
        let Some(school) = self.student_schools.get(&plan.student_id) else {
            return Vec::new();
        };
        [
            Some(&plan.terms.teacher_id),
            plan.terms.backup_teacher_id.as_ref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(|id| self.teachers.get(id))
        .filter(|teacher| teacher.school != *school)
        .map(|teacher| Caution {
            line,
            en: format!(
                "{} ({school}) gets {} {} of another school ({})",
                plan.student_id, teacher.teacher_id, teacher.name, teacher.school
            ),
            zh: format!(
                "{}（{school}）的教师 {} {} 是另一所学校（{}）的",
                plan.student_id, teacher.teacher_id, teacher.name, teacher.school
            ),
        })
        .collect()
    }

    /// How a change names the record: `S0005 王浩`, a plan `S0005 王浩 2026-2027`.
    fn label(&self, kind: Kind, key: &str) -> String {
        let id = key.split(' ').next().unwrap_or(key);
        let name = match kind {
            Kind::Teachers => self.teachers.get(key).map(|t| t.name.as_str()),
            Kind::Students => self.students.get(key).map(|s| s.name.as_str()),
            _ => self.names.get(id).map(String::as_str),
        };
        match (kind, name) {
            (Kind::Plans, Some(name)) => format!("{id} {name} {}", &key[id.len()..].trim()),
            (_, Some(name)) => format!("{id} {name}"),
            _ => key.to_string(),
        }
    }
}

/// The key a row's record is stored under: its id, or a plan's `student year`.
fn row_key(kind: Kind, values: &HashMap<&'static str, &str>) -> Option<String> {
    match kind {
        Kind::Teachers => values.get("teacher_id").map(|id| id.trim().to_string()),
        Kind::Students => values.get("student_id").map(|id| id.trim().to_string()),
        Kind::Plans => {
            let year: SchoolYear = values.get("school_year")?.trim().parse().ok()?;
            Some(format!("{} {year}", values.get("student_id")?.trim()))
        }
        _ => None,
    }
}

/// A sheet of teachers, students or plans never loses what it does not say: for
/// a stored record, a column the sheet lacks or a cell left empty keeps what is
/// stored; `无` or `-` in a cell clears that field.
fn keep_what_the_row_leaves_out<'a>(
    values: &mut HashMap<&'static str, &'a str>,
    stored: Option<&'a Vec<(&'static str, String)>>,
) {
    for (column, text) in stored.into_iter().flatten() {
        if values.get(column).is_none_or(|cell| cell.trim().is_empty()) {
            values.insert(column, text.as_str());
        }
    }
    for value in values.values_mut() {
        if matches!(value.trim(), "无" | "-") {
            *value = "";
        }
    }
}

/// The fields whose text differs, stored → read.
fn changed_fields(
    line: usize,
    record: &str,
    stored: &[(&'static str, String)],
    read: &[(&'static str, String)],
) -> Vec<FieldChange> {
    stored
        .iter()
        .filter_map(|(column, before)| {
            let after = read.iter().find(|(c, _)| c == column)?.1.clone();
            (after != *before).then(|| FieldChange {
                line,
                record: record.to_string(),
                column: column.to_string(),
                before: before.clone(),
                after,
            })
        })
        .collect()
}

async fn write_sheet(
    tx: &mut Tx,
    sheet: &sheet::Sheet,
    upload: &Upload<'_>,
    kind: Kind,
    settings: &Settings,
) -> Result<ImportReport, ServiceError> {
    let source = upload.name;
    let (mapped, ignored_columns) = map_headers(
        &sheet.headers,
        kind.columns(),
        sheet.header_line,
        upload.confirmed,
    )
    .map_err(invalid)?;
    let slots = settings.slot_table().map_err(ServiceError::Settings)?;
    let today = tx.now.with_timezone(&settings.time_zone).date_naive();
    // Each year's calendar is read once, not once per row.
    let mut calendars: HashMap<SchoolYear, Result<Arc<SchoolCalendar>, Reason>> = HashMap::new();
    let mut calendar = |year: SchoolYear| {
        calendars
            .entry(year)
            .or_insert_with(|| match settings.calendar_if_any(year) {
                Ok(Some(calendar)) => Ok(Arc::new(calendar)),
                Ok(None) => Err(Reason::NoCalendar {
                    year: year.to_string(),
                }),
                Err(detail) => Err(Reason::CalendarBroken { detail }),
            })
            .clone()
    };

    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut teachers = Vec::new();
    let mut students = Vec::new();
    let mut plan_inputs = Vec::new();
    let mut visit_inputs = Vec::new();
    let mut supervisor_inputs = Vec::new();
    let mut not_recorded = 0;
    let mut changes = Vec::new();
    let mut cautions = Vec::new();
    let existing = Registered::read(tx, kind).await?;
    let registered = existing.as_text();
    for row in &sheet.rows {
        let mut values: HashMap<&'static str, &str> = mapped
            .iter()
            .zip(&row.cells)
            .filter_map(|(c, v)| c.map(|c| (c, v.as_str())))
            .collect();
        // A plans or visits sheet may name a teacher by name.
        if matches!(kind, Kind::Plans | Kind::Visits) {
            for column in ["teacher_id", "backup_teacher_id"] {
                if let Some(cell) = values.get(column).copied() {
                    match existing.teacher_id(cell) {
                        Ok(id) => {
                            values.insert(column, id);
                        }
                        Err(reason) => errors.push(CellError {
                            line: row.line,
                            column: column.into(),
                            reason,
                        }),
                    }
                }
            }
        }
        if kind == Kind::Supervisors {
            existing.keep_masked_robots(&mut values);
        }
        let stored = row_key(kind, &values).and_then(|key| registered.get_key_value(&key));
        keep_what_the_row_leaves_out(&mut values, stored.map(|(_, text)| text));
        // A visits row with nothing recorded (a visit list's planned visits, read
        // back) records nothing: the visit stays as it is.
        let blank = |column: &str| values.get(column).is_none_or(|v| v.trim().is_empty());
        if kind == Kind::Visits
            && ["outcome", "periods", "reason", "note"]
                .iter()
                .all(|c| blank(c))
        {
            not_recorded += 1;
            continue;
        }
        let mut fields = Fields::new(row.line, values);
        let line = row.line;
        let compare = |read: Vec<(&'static str, String)>| match stored {
            Some((key, text)) => changed_fields(line, &existing.label(kind, key), text, &read),
            None => Vec::new(),
        };
        let key = match kind {
            Kind::Teachers => records::teacher(&mut fields, &slots).map(|t| {
                changes.extend(compare(super::registry::teacher_as_text(&t)));
                cautions.extend(existing.unknown_school(line, &t.school));
                if t.available.is_empty() {
                    cautions.push(Caution {
                        line,
                        en: format!("teacher {} has no free half-day: no visit can be planned for them", t.teacher_id),
                        zh: format!("教师 {} {} 没有可送教的时段：排课不会给 TA 安排送教", t.teacher_id, t.name),
                    });
                }
                let key = t.teacher_id.clone();
                teachers.push(t);
                ("teacher_id", key)
            }),
            Kind::Students => records::student(&mut fields, &slots).map(|s| {
                changes.extend(compare(super::registry::student_as_text(&s)));
                cautions.extend(existing.unknown_school(line, &s.school));
                if s.available.is_empty() && s.status == crate::domain::student::StudentStatus::Active {
                    cautions.push(Caution {
                        line,
                        en: format!("{} {} has no time the family can receive a visit: the planner cannot place them", s.student_id, s.name),
                        zh: format!("{} {} 没有家庭可上门的时段：排课无法为 TA 安排送教", s.student_id, s.name),
                    });
                }
                let key = s.student_id.clone();
                students.push(s);
                ("student_id", key)
            }),
            Kind::Plans => records::plan(&mut fields, &settings.defaults, &mut calendar, today)
                .map(|p| {
                    let changed = compare(records::plan_as_text(&p.terms));
                    let revised: Vec<&FieldChange> = changed
                        .iter()
                        .filter(|c| records::REVISED_PLAN_FIELDS.contains(&c.column.as_str()))
                        .collect();
                    let blank = |r: Option<&str>| r.is_none_or(|r| r.trim().is_empty());
                    if !revised.is_empty() && blank(p.reason.as_deref()) && blank(upload.reason) {
                        let fields: Vec<&str> = revised.iter().map(|c| c.column.as_str()).collect();
                        errors.push(CellError {
                            line,
                            column: "revision_reason".into(),
                            reason: Reason::PlanRevisionNeedsReason {
                                student: p.student_id.clone(),
                                year: p.school_year.to_string(),
                                fields: fields.iter().map(ToString::to_string).collect(),
                            },
                        });
                    }
                    changes.extend(changed);
                    cautions.extend(existing.teacher_of_another_school(line, &p));
                    let key = format!("{} {}", p.student_id, p.school_year);
                    plan_inputs.push(p);
                    ("student_id", key)
                }),
            Kind::Supervisors => records::supervisor(&mut fields).map(|s| {
                errors.extend(existing.supervisor_problems(line, &s));
                let key = s.email.to_lowercase();
                supervisor_inputs.push(s);
                ("email", key)
            }),
            Kind::Visits => records::visit(&mut fields, &slots, SchoolYear::containing(today)).map(|v| {
                let key = format!("{} {}", v.student_id, v.day);
                visit_inputs.push(v);
                ("date", key)
            }),
        };
        errors.append(&mut fields.errors);
        warnings.append(&mut fields.warnings);
        if let Some((column, key)) = key
            && let Some(first) = first_seen.insert(key.clone(), row.line)
        {
            errors.push(CellError {
                line: row.line,
                column: column.into(),
                reason: Reason::AppearsTwice {
                    key: key.clone(),
                    first_line: first,
                },
            });
        }
    }

    let mut report = ImportReport {
        rows: sheet.rows.len(),
        unchanged: not_recorded,
        ignored_columns,
        warnings,
        changes,
        cautions,
        ..Default::default()
    };
    // Every problem of the file in one pass: a row's cells, its duplicates, who
    // it names and, for visits, what the records' rules say.
    if kind == Kind::Plans {
        check_plan_references(tx, &plan_inputs, &mut errors).await?;
    }
    if kind == Kind::Visits {
        let allow = upload.allow_off_days;
        record_visits(tx, &visit_inputs, settings, allow, &mut report, &mut errors).await?;
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(invalid(errors));
    }

    match kind {
        Kind::Teachers => {
            people::save_teachers(tx, &teachers, &existing.teachers)
                .await?
                .into_iter()
                .for_each(|c| report.count(c));
        }
        Kind::Students => {
            people::save_students(tx, &students, &existing.students)
                .await?
                .into_iter()
                .for_each(|c| report.count(c));
        }
        Kind::Plans => {
            let mut existing: HashMap<(String, String), plans::Plan> =
                plans::active_plans(tx, None, None)
                    .await?
                    .into_iter()
                    .map(|p| ((p.student_id.clone(), p.school_year.clone()), p))
                    .collect();
            // Kept in the district's language: people read it in the plan's history.
            let chinese = settings.locale == crate::config::Locale::ZhCn;
            let reason = if chinese {
                format!("导入 {source}")
            } else {
                format!("import {source}")
            };
            let mut new_plans = Vec::new();
            for input in &plan_inputs {
                let key = (input.student_id.clone(), input.school_year.to_string());
                let change = match existing.remove(&key) {
                    Some(plan) => {
                        let reason = input.reason.as_deref().or(upload.reason).map_or_else(
                            || reason.clone(),
                            |why| {
                                let why = why.trim();
                                match (why.is_empty(), chinese) {
                                    (true, _) => reason.clone(),
                                    (false, true) => format!("{why}（导入 {source}）"),
                                    (false, false) => format!("{why} (import {source})"),
                                }
                            },
                        );
                        let terms = PlanTerms {
                            start_date: if input.start_given {
                                input.terms.start_date
                            } else {
                                plan.terms.start_date
                            },
                            ..input.terms.clone()
                        };
                        match plans::revise_plan(tx, &plan, &terms, &reason).await? {
                            plans::Revised::Revised => Change::Updated,
                            plans::Revised::Unchanged => Change::Unchanged,
                            plans::Revised::Stale => return Err(stale_plan(&plan)),
                        }
                    }
                    None => {
                        if let Ok(calendar) = calendar(input.school_year)
                            && let Some(note) = starts_note(
                                &input.student_id,
                                &input.terms,
                                &calendar,
                                settings.defaults.prorate_target,
                            )
                        {
                            report.notes.push(note.to_string());
                            report.notes_zh.push(note.chinese());
                        }
                        new_plans.push(plans::NewPlan {
                            student_id: input.student_id.clone(),
                            school_year: input.school_year,
                            terms: input.terms.clone(),
                        });
                        Change::Created
                    }
                };
                report.count(change);
            }
            plans::create_plans(tx, &new_plans, &reason).await?;
        }
        // Written by record_visits above, once every row was found right.
        Kind::Visits => {}
        Kind::Supervisors => {
            let known: HashMap<String, crate::store::alerts::Supervisor> =
                crate::store::alerts::supervisors(tx)
                    .await?
                    .into_iter()
                    .map(|s| (s.email.to_lowercase(), s))
                    .collect();
            // A district's supervisor shows as 全区 in the changes (an empty cell in the sheet).
            let schools = |s: &Option<Vec<String>>| {
                s.as_ref().map_or("全区".to_string(), |s| {
                    s.join(crate::store::alerts::SCHOOL_SEPARATOR)
                })
            };
            for input in &supervisor_inputs {
                let email = input.email.to_lowercase();
                let change = match known.get(&email) {
                    Some(old)
                        if old.name == input.name
                            && old.schools == input.schools
                            && input.robots.is_empty() =>
                    {
                        Change::Unchanged
                    }
                    Some(old) => {
                        let stored = [
                            ("name", old.name.clone()),
                            ("school", schools(&old.schools)),
                        ];
                        let read = [
                            ("name", input.name.clone()),
                            ("school", schools(&input.schools)),
                        ];
                        report.changes.extend(changed_fields(
                            input.line,
                            &format!("{} {email}", old.name),
                            &stored,
                            &read,
                        ));
                        Change::Updated
                    }
                    None => Change::Created,
                };
                if change != Change::Unchanged {
                    let scope = input.scope();
                    let saved = crate::store::alerts::save_supervisor(
                        tx,
                        &input.name,
                        &input.email,
                        Some(&scope),
                        &input.robots,
                    )
                    .await?;
                    if let Some((column, reason)) = saved.refusal(&email) {
                        return Err(invalid(vec![CellError {
                            line: input.line,
                            column: column.into(),
                            reason,
                        }]));
                    }
                }
                report.count(change);
            }
        }
    }
    Ok(report)
}

/// Records each row on its planned visit (the student's visit that day), or on a
/// visit added as unplanned; every rule of `visit record` applies to every row.
/// The plans and each day's planned visits are read once, and the records written
/// together: a week of a district's visits is one import of a second or two.
/// Each row's problems join `errors`; nothing is recorded when there are any.
async fn record_visits(
    tx: &mut Tx,
    inputs: &[records::VisitInput],
    settings: &Settings,
    allow_off_days: bool,
    report: &mut ImportReport,
    errors: &mut Vec<CellError>,
) -> Result<(), ServiceError> {
    let mut calendars: HashMap<SchoolYear, Option<SchoolCalendar>> = HashMap::new();
    let record_rules = super::visits::RecordRules::new(settings, tx.now)?;
    let today = record_rules.now.date();
    let years: BTreeSet<SchoolYear> = inputs
        .iter()
        .map(|i| SchoolYear::containing(i.day))
        .collect();
    let mut active = HashMap::new();
    for year in years {
        for plan in plans::active_plans(tx, Some(year), None).await? {
            active.insert((plan.student_id.clone(), year), plan);
        }
    }
    let days: BTreeSet<NaiveDate> = inputs.iter().map(|i| i.day).collect();
    let mut planned = HashMap::new();
    let mut busy = HashSet::new();
    for day in days {
        for visit in visits::planned_visits_on(tx, day).await? {
            busy.insert((visit.teacher_id.clone(), day, visit.slot.clone()));
            planned.insert((visit.plan_id, day), visit);
        }
    }

    // First every row's visit: the planned one, or one to add; the visits to add
    // go in together, then every record is checked against its visit.
    // Each row with its visit: the planned one, or the one to add (not yet stored).
    let mut found: Vec<(&records::VisitInput, visits::VisitForRecord, bool)> = Vec::new();
    // Why an added visit is off (when kept anyway), by line.
    let mut off_days: HashMap<usize, String> = HashMap::new();

    // Planned visits a record books to another of the child's teachers, by id:
    // the teacher and the sheet's line.
    let mut rebooked: HashMap<i64, (String, usize)> = HashMap::new();
    for input in inputs {
        let mut error = |column: &str, reason: Reason| {
            errors.push(CellError {
                line: input.line,
                column: column.into(),
                reason,
            })
        };
        let year = SchoolYear::containing(input.day);
        let Some(plan) = active.get(&(input.student_id.clone(), year)) else {
            error(
                "student_id",
                Reason::NoActivePlan {
                    student: input.student_id.clone(),
                    year: year.to_string(),
                },
            );
            continue;
        };
        if let Some(visit) = planned.get(&(plan.plan_id, input.day)) {
            let mut visit = visit.clone();
            // The paper says another of the child's teachers went (the backup):
            // the visit is booked to them.
            match named_teacher(plan, input) {
                Ok(Some(named)) if *named != visit.teacher_id => {
                    rebooked.insert(visit.visit_id, (named.clone(), input.line));
                    visit.teacher_id = named.clone();
                }
                Ok(_) => {}
                Err(reason) => {
                    error("teacher_id", reason);
                    continue;
                }
            }
            found.push((input, visit, false));
            continue;
        }
        if input.day > today {
            error(
                "date",
                Reason::NotHappenedYet {
                    day: input.day,
                    today,
                },
            );
            continue;
        }
        let calendar = calendars
            .entry(year)
            .or_insert_with(|| settings.calendar(year).ok());
        let off = off_day(calendar.as_ref(), plan, input.day);
        if let Some(why) = &off {
            if !allow_off_days {
                error("date", Reason::OffDay(Box::new(why.clone())));
                continue;
            }
            report.cautions.push(Caution {
                line: input.line,
                en: format!(
                    "{why}: kept as asked (--allow-off-days) and marked in the record's history"
                ),
                zh: format!(
                    "{}：已按要求保留（--allow-off-days），并在记录的修改历史中注明",
                    why.chinese()
                ),
            });
        }
        let teacher = match named_teacher(plan, input) {
            Ok(named) => named.unwrap_or(&plan.terms.teacher_id),
            Err(reason) => {
                error("teacher_id", reason);
                continue;
            }
        };
        if !busy.insert((teacher.clone(), input.day, input.slot.clone())) {
            error(
                "slot",
                Reason::TeacherBusy {
                    teacher: teacher.clone(),
                    day: input.day,
                    slot: input.slot.clone(),
                },
            );
            continue;
        }
        if let Some(why) = off {
            off_days.insert(input.line, why.chinese());
        }
        let to_add = visits::VisitForRecord {
            visit_id: 0,
            plan_id: plan.plan_id,
            student_id: input.student_id.clone(),
            teacher_id: teacher.clone(),
            day: input.day,
            slot: input.slot.clone(),
            status: crate::domain::visit::VisitStatus::Planned,
            outcome: None,
            periods: None,
            mode: crate::domain::visit::Mode::Home,
            reason: None,
            note: None,
            periods_per_visit: i64::from(plan.terms.periods_per_visit),
            sequence: 0,
            record_version: 0,
            started_at: None,
            ended_at: None,
            family_practice: None,
            guardian_confirmed_by: None,
            recorded_by: None,
            recorded_at: None,
            latitude: None,
            longitude: None,
        };
        found.push((input, to_add, true));
    }
    let mut writes = Vec::new();
    let mut additions = Vec::new();
    for (input, visit, added) in found {
        let mut error = |column: &str, reason: Reason| {
            errors.push(CellError {
                line: input.line,
                column: column.into(),
                reason,
            })
        };
        let record = RecordInput {
            outcome: input.outcome,
            periods: input.periods,
            reason: input.reason.clone(),
            mode: input.mode,
            details: RecordDetails {
                note: input.note.clone(),
                ..Default::default()
            },
        };
        match super::visits::checked_write(&visit, record, &record_rules) {
            Ok(write) if added => additions.push((visit, write, input.line)),
            Ok(write) if write.repeats(&visit) && !rebooked.contains_key(&visit.visit_id) => {
                report.unchanged += 1
            }
            Ok(write) => {
                report.updated += 1;
                writes.push((visit, write));
            }
            Err(ServiceError::Invalid(problems)) => {
                for problem in problems {
                    let column = if problem.field == "visit" {
                        "date"
                    } else {
                        problem.field.as_str()
                    };
                    error(column, problem.reason);
                }
            }
            Err(ServiceError::Locked(_)) => error(
                "reason",
                Reason::LockedGiveReason {
                    day: visit.day,
                    days: record_rules.lock_after_days,
                },
            ),
            Err(other) => return Err(other),
        }
    }
    if errors.is_empty() {
        for (visit, _) in &writes {
            let Some((teacher, line)) = rebooked.get(&visit.visit_id) else {
                continue;
            };
            let why = format!("纸质记录：{teacher} 送教");
            let (id, day, slot) = (visit.visit_id, visit.day, &visit.slot);
            if !visits::move_by_hand(tx, id, teacher, day, slot, &why).await? {
                errors.push(CellError {
                    line: *line,
                    column: "teacher_id".into(),
                    reason: Reason::TeacherBusy {
                        teacher: teacher.clone(),
                        day: visit.day,
                        slot: visit.slot.clone(),
                    },
                });
            }
        }
    }
    if errors.is_empty() {
        visits::record_many(tx, &writes).await?;
        report.created += additions.len();
        let additions: Vec<(visits::Unplanned, visits::RecordWrite)> = additions
            .iter()
            .map(|(visit, write, line)| {
                let unplanned = visits::Unplanned {
                    plan_id: visit.plan_id,
                    teacher_id: &visit.teacher_id,
                    day: visit.day,
                    slot: &visit.slot,
                    off_day: off_days.get(line).map(String::as_str),
                };
                (unplanned, write.clone())
            })
            .collect();
        visits::add_recorded_many(tx, &additions).await?;
    }
    Ok(())
}

/// The teacher a paper record names (送教教师), when it is the plan's teacher
/// or backup; None when it names none.
fn named_teacher<'a>(
    plan: &plans::Plan,
    input: &'a records::VisitInput,
) -> Result<Option<&'a String>, Reason> {
    match &input.teacher_id {
        Some(named)
            if *named != plan.terms.teacher_id
                && plan.terms.backup_teacher_id.as_ref() != Some(named) =>
        {
            Err(Reason::NeitherTeacherNorBackup {
                teacher: named.clone(),
                student: input.student_id.clone(),
            })
        }
        named => Ok(named.as_ref()),
    }
}

/// Why no visit should be on `day` for `plan`: a holiday, a weekend that is no
/// make-up workday, a day outside the terms or the plan.
fn off_day(
    calendar: Option<&SchoolCalendar>,
    plan: &plans::Plan,
    day: NaiveDate,
) -> Option<Reason> {
    use chrono::Datelike;
    let (start, end) = (plan.terms.start_date, plan.terms.end_date);
    if day < start || day > end {
        return Some(Reason::OutsidePlan {
            date: day,
            student: plan.student_id.clone(),
            start,
            end,
        });
    }
    let calendar = calendar?;
    if let Some(holiday) = calendar.holiday_on(day) {
        return Some(Reason::Holiday {
            date: day,
            name: holiday.name.clone(),
        });
    }
    let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
    if weekend && calendar.make_up_workday(day).is_none() {
        return Some(Reason::WeekendDay { date: day });
    }
    (!calendar.in_term(day)).then_some(Reason::OutsideTerms { date: day })
}

/// A plan must name a registered student and registered teachers.
async fn check_plan_references(
    tx: &mut Tx,
    inputs: &[records::PlanInput],
    errors: &mut Vec<CellError>,
) -> Result<(), ServiceError> {
    let teacher_ids = people::registered_ids(tx, people::Registered::Teachers).await?;
    let student_ids = people::registered_ids(tx, people::Registered::Students).await?;
    for input in inputs {
        let mut missing = |column: &str, id: &str, what: &'static str| {
            errors.push(CellError {
                line: input.line,
                column: column.into(),
                reason: Reason::NotRegisteredImportFirst {
                    what,
                    id: id.to_string(),
                },
            })
        };
        if !student_ids.contains(&input.student_id) {
            missing("student_id", &input.student_id, "student");
        }
        if !teacher_ids.contains(&input.terms.teacher_id) {
            missing("teacher_id", &input.terms.teacher_id, "teacher");
        }
        if let Some(backup) = &input.terms.backup_teacher_id
            && !teacher_ids.contains(backup)
        {
            missing("backup_teacher_id", backup, "teacher");
        }
    }
    Ok(())
}
