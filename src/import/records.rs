//! The spreadsheet columns of each kind, their Chinese aliases, and turning a row
//! into a record. `teacher add` and `student add` use the same rules.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use crate::config::PlanDefaults;
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::domain::disability;
use crate::domain::plan::PlanTerms;
use crate::domain::slot::{SlotTable, parse_weekly_slots};
use crate::domain::student::{StudentStatus, check_email, check_id, check_phone};
use crate::domain::visit::{Mode, Outcome};
use crate::reason::Reason;
use crate::store::alerts::Robots;
use crate::store::people::{Student, Teacher};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Teachers,
    Students,
    Plans,
    /// Visit outcomes from the teachers' paper sheets.
    Visits,
    /// Supervisors (督导): school empty for the whole district.
    Supervisors,
}

pub struct Column {
    pub name: &'static str,
    pub required: bool,
    /// Other headers accepted for this column, as coordinators write them.
    pub aliases: &'static [&'static str],
}

const fn col(name: &'static str, required: bool, aliases: &'static [&'static str]) -> Column {
    Column {
        name,
        required,
        aliases,
    }
}

pub const TEACHER_COLUMNS: &[Column] = &[
    col(
        "teacher_id",
        true,
        &["教师编号", "教师工号", "工号", "教师ID"],
    ),
    col("name", true, &["姓名", "教师姓名"]),
    col(
        "email",
        false,
        &["邮箱", "电子邮箱", "电子邮件", "email地址"],
    ),
    col(
        "phone",
        false,
        &["电话", "手机", "手机号", "手机号码", "联系电话", "教师电话"],
    ),
    col("school", true, &["学校", "所在学校", "单位"]),
    col("available", false, &["可用时段", "可送教时段", "空闲时段"]),
    col(
        "max_visits_per_day",
        false,
        &["每日最多送教次数", "每天最多次数", "每日最多次数"],
    ),
];

pub const STUDENT_COLUMNS: &[Column] = &[
    col(
        "student_id",
        true,
        &["学生编号", "学籍号", "学号", "学生ID"],
    ),
    col("name", true, &["姓名", "学生姓名"]),
    col("gender", false, &["性别"]),
    col("birth_date", false, &["出生日期", "生日"]),
    col(
        "disability",
        false,
        &["残疾类别", "残疾类型", "残疾类别及等级", "障碍类型"],
    ),
    col("disability_grade", false, &["残疾等级"]),
    col("diagnosis", false, &["诊断", "诊断名称", "医学诊断"]),
    col(
        "guardian_name",
        false,
        &["监护人", "监护人姓名", "家长姓名"],
    ),
    col(
        "guardian_phone",
        false,
        &["监护人电话", "联系电话", "家长电话"],
    ),
    col("address", false, &["家庭住址", "住址", "地址"]),
    col("school", true, &["学校", "学籍学校", "就读学校"]),
    col(
        "available",
        false,
        &["可上门时段", "家庭可用时段", "可用时段", "可送教时段"],
    ),
    col("status", false, &["状态"]),
];

pub const PLAN_COLUMNS: &[Column] = &[
    col(
        "student_id",
        true,
        &["学生编号", "学籍号", "学号", "学生ID"],
    ),
    col("school_year", true, &["学年"]),
    col("teacher_id", true, &["送教教师", "负责教师", "教师编号"]),
    col(
        "backup_teacher_id",
        false,
        &["备用教师", "后备教师", "备岗教师"],
    ),
    col("visits_per_week", false, &["每周次数", "每周送教次数"]),
    col("periods_per_visit", false, &["每次课时", "每次课时数"]),
    col(
        "annual_target",
        false,
        &["年度目标课时", "全年目标课时", "目标课时"],
    ),
    col("start_date", false, &["开始日期"]),
    col("end_date", false, &["结束日期"]),
    col("goals", false, &["目标", "教学目标", "个别化目标"]),
    col(
        "revision_reason",
        false,
        &["修订原因", "修改原因", "变更原因"],
    ),
];

pub const VISIT_COLUMNS: &[Column] = &[
    col(
        "student_id",
        true,
        &["学生编号", "学籍号", "学号", "学生ID"],
    ),
    col("date", true, &["日期", "送教日期"]),
    col("slot", true, &["时段", "节次"]),
    col("outcome", true, &["结果", "送教结果", "完成情况"]),
    col("periods", false, &["课时", "课时数"]),
    col("reason", false, &["原因", "缺课原因"]),
    col("mode", false, &["方式", "送教方式"]),
    col("note", false, &["备注", "记录"]),
    col("teacher_id", false, &["送教教师", "教师编号", "教师"]),
];

pub const SUPERVISOR_COLUMNS: &[Column] = &[
    col("name", true, &["姓名", "督导姓名"]),
    col("email", true, &["邮箱", "电子邮箱", "电子邮件"]),
    col("school", false, &["学校", "负责学校"]),
    col(
        "dingtalk_webhook",
        false,
        &["钉钉机器人", "钉钉机器人地址", "钉钉webhook", "钉钉Webhook"],
    ),
    col(
        "dingtalk_secret",
        false,
        &["钉钉加签", "钉钉密钥", "加签密钥", "钉钉加签密钥"],
    ),
    col(
        "wecom_webhook",
        false,
        &[
            "企业微信机器人",
            "企微机器人",
            "企业微信机器人地址",
            "企业微信webhook",
        ],
    ),
];

impl Kind {
    /// What a sheet of this kind holds, in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Teachers => "教师",
            Kind::Students => "学生",
            Kind::Plans => "送教方案",
            Kind::Visits => "送教记录",
            Kind::Supervisors => "督导",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Supervisors => SUPERVISOR_COLUMNS,
            Kind::Teachers => TEACHER_COLUMNS,
            Kind::Students => STUDENT_COLUMNS,
            Kind::Plans => PLAN_COLUMNS,
            Kind::Visits => VISIT_COLUMNS,
        }
    }
}

/// A row of a visits sheet, checked cell by cell.
#[derive(Debug, Clone)]
pub struct VisitInput {
    pub line: usize,
    pub student_id: String,
    pub day: NaiveDate,
    pub slot: String,
    pub outcome: Outcome,
    pub periods: Option<u32>,
    pub reason: Option<String>,
    pub mode: Option<Mode>,
    pub note: Option<String>,
    /// Who went, when the sheet says: a backup's visit is booked to the backup.
    pub teacher_id: Option<String>,
}

/// A visits sheet's row; a date without its year (`9月10日`, `9/10`) is read
/// within `year`, the school year the sheet is imported in.
pub fn visit(fields: &mut Fields, slots: &SlotTable, year: SchoolYear) -> Option<VisitInput> {
    let student_id = fields.parse_required("student_id", check_id);
    let day = fields.parse_required("date", |t| parse_day_in(t, year));
    let slot = fields.parse_required("slot", |t| {
        slots
            .resolve(t)
            .map(|s| s.name.clone())
            .ok_or_else(|| Reason::NotASlot {
                text: t.to_string(),
                slots: slots.names().iter().map(ToString::to_string).collect(),
            })
    });
    let outcome = fields.parse_required("outcome", str::parse::<Outcome>);
    let periods = fields.parse("periods", |t| count(t, 0, 8));
    let mode = fields.parse("mode", str::parse::<Mode>);
    Some(VisitInput {
        line: fields.line(),
        student_id: student_id?,
        day: day?,
        slot: slot?,
        outcome: outcome?,
        periods,
        reason: fields.text("reason"),
        mode,
        note: fields.text("note"),
        teacher_id: fields.text("teacher_id"),
    })
}

/// A disability cell whose words we do not know: read as the diagnosis of the
/// category "other", and shown to the person importing, with its line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnknownDisability {
    pub line: usize,
    pub words: String,
}

impl UnknownDisability {
    pub fn text(&self, chinese: bool) -> String {
        if chinese {
            format!(
                "第 {} 行，残疾类别：“{}”不是已知的残疾类别或诊断，已作为诊断保存，类别记为“其他”。可用的写法：{}",
                self.line,
                self.words,
                disability::accepted_words(true)
            )
        } else {
            format!(
                "line {}, column disability: `{}` is no category or diagnosis we know: kept as the diagnosis, counted as other (we know {})",
                self.line,
                self.words,
                disability::accepted_words(false)
            )
        }
    }
}

/// A problem with one cell (or, for column "-", a whole row or the file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    pub line: usize,
    pub column: String,
    pub reason: Reason,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.reason
        )
    }
}

/// One row's values by column name, collecting every error rather than stopping at the first.
pub struct Fields<'a> {
    line: usize,
    values: HashMap<&'static str, &'a str>,
    pub errors: Vec<CellError>,
    /// What was read but a person should look at (an unknown disability word).
    pub warnings: Vec<UnknownDisability>,
}

/// Columns whose text may run over several lines; every other column (names,
/// addresses, phones, ids) is one line.
const MULTI_LINE_COLUMNS: [&str; 3] = ["note", "goals", "diagnosis"];

/// Why a cell's text is refused for the characters in it, if it is: no control
/// character at all in a one-line column (a line break in a name or an address
/// breaks every list, email and file it reaches), and none but line breaks and
/// tabs in a multi-line one.
fn control_characters(column: &str, text: &str) -> Option<Reason> {
    let multi_line = MULTI_LINE_COLUMNS.contains(&column);
    text.chars()
        .any(|c| c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t')))
        .then_some(if multi_line {
            Reason::ControlCharacter
        } else {
            Reason::LineBreak
        })
}

impl<'a> Fields<'a> {
    pub fn new(line: usize, values: HashMap<&'static str, &'a str>) -> Self {
        let mut fields = Self {
            line,
            values,
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        let mut refused: Vec<(&'static str, Reason)> = fields
            .values
            .iter()
            .filter_map(|(column, text)| Some((*column, control_characters(column, text)?)))
            .collect();
        refused.sort_by_key(|(column, _)| *column);
        for (column, reason) in refused {
            fields.error(column, reason);
        }
        fields
    }

    fn error(&mut self, column: &str, reason: Reason) {
        self.errors.push(CellError {
            line: self.line,
            column: column.to_string(),
            reason,
        });
    }

    /// The cell's text, None when empty or absent.
    pub fn text(&self, column: &'static str) -> Option<String> {
        self.values
            .get(column)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    pub fn required(&mut self, column: &'static str) -> String {
        self.text(column).unwrap_or_else(|| {
            self.error(column, Reason::EmptyButRequired);
            String::new()
        })
    }

    /// Parses the cell when it is filled; None when empty or bad (bad is recorded).
    pub fn parse<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, Reason>,
    ) -> Option<T> {
        let text = self.text(column)?;
        match parse(&text) {
            Ok(value) => Some(value),
            Err(reason) => {
                self.error(column, reason);
                None
            }
        }
    }

    pub fn parse_required<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, Reason>,
    ) -> Option<T> {
        if self.text(column).is_none() {
            self.required(column);
            return None;
        }
        self.parse(column, parse)
    }

    pub fn line(&self) -> usize {
        self.line
    }
}

/// Reads dates as written in Chinese offices: 2026-09-01, 2026/9/1, 2026.9.1, 2026年9月1日.
pub fn parse_day(text: &str) -> Result<NaiveDate, Reason> {
    let normalized: String = text
        .trim()
        .trim_end_matches('日')
        .chars()
        .map(|c| {
            if matches!(c, '/' | '.' | '年' | '月') {
                '-'
            } else {
                c
            }
        })
        .collect();
    NaiveDate::parse_from_str(&normalized, "%Y-%m-%d").map_err(|_| Reason::NotADate {
        text: text.to_string(),
    })
}

/// [`parse_day`], or a month and day without the year (`9月10日`, `9/10`,
/// `9-10`), which is the day of that date falling within `year` (August starts it).
pub fn parse_day_in(text: &str, year: SchoolYear) -> Result<NaiveDate, Reason> {
    if let Ok(day) = parse_day(text) {
        return Ok(day);
    }
    let normalized = text
        .trim()
        .trim_end_matches(['日', '号'])
        .replace(['月', '/', '.'], "-");
    let month_day = normalized
        .split_once('-')
        .and_then(|(m, d)| Some((m.trim().parse::<u32>().ok()?, d.trim().parse::<u32>().ok()?)));
    month_day
        .and_then(|(month, day)| {
            let first = year.first_day();
            let calendar_year = if month >= 8 {
                first.year()
            } else {
                first.year() + 1
            };
            NaiveDate::from_ymd_opt(calendar_year, month, day)
        })
        .ok_or_else(|| Reason::NotADate {
            text: text.to_string(),
        })
}

fn count(text: &str, min: u32, max: u32) -> Result<u32, Reason> {
    match text.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Reason::NotAWholeNumber {
            text: text.to_string(),
            min: i64::from(min),
            max: i64::from(max),
        }),
    }
}

fn text_limit(max: usize) -> impl Fn(&str) -> Result<String, Reason> {
    move |text: &str| {
        if text.chars().count() > max {
            Err(Reason::TooLong { max })
        } else {
            Ok(text.to_string())
        }
    }
}

pub fn teacher(fields: &mut Fields, slots: &SlotTable) -> Option<Teacher> {
    let teacher_id = fields.parse_required("teacher_id", check_id);
    let name = fields.parse_required("name", text_limit(100));
    let email = fields.parse("email", check_email);
    let phone = fields.parse("phone", check_phone);
    let school = fields.parse_required("school", text_limit(200));
    let available = fields
        .parse("available", |t| parse_weekly_slots(t, slots))
        .unwrap_or_default();
    let max_visits_per_day = fields.parse("max_visits_per_day", |t| count(t, 1, 8));
    if !fields.errors.is_empty() {
        return None;
    }
    Some(Teacher {
        teacher_id: teacher_id?,
        name: name?,
        email,
        phone,
        school: school?,
        available,
        max_visits_per_day,
    })
}

pub fn student(fields: &mut Fields, slots: &SlotTable) -> Option<Student> {
    let student_id = fields.parse_required("student_id", check_id);
    let name = fields.parse_required("name", text_limit(100));
    let gender = fields.parse("gender", str::parse);
    let birth_date = fields.parse("birth_date", parse_day);
    let reading = fields
        .text("disability")
        .and_then(|text| disability::read(&text));
    if let Some(reading) = reading.as_ref().filter(|r| r.unknown) {
        fields.warnings.push(UnknownDisability {
            line: fields.line,
            words: reading.diagnosis.clone().unwrap_or_default(),
        });
    }
    let grade = fields
        .parse("disability_grade", disability::read_grade)
        .or(reading.as_ref().and_then(|r| r.grade));
    let diagnosis = fields
        .parse("diagnosis", text_limit(200))
        .or(reading.as_ref().and_then(|r| r.diagnosis.clone()));
    let guardian_name = fields.parse("guardian_name", text_limit(100));
    let guardian_phone = fields.parse("guardian_phone", check_phone);
    let address = fields.parse("address", text_limit(300));
    let school = fields.parse_required("school", text_limit(200));
    let available = fields
        .parse("available", |t| parse_weekly_slots(t, slots))
        .unwrap_or_default();
    let status = fields
        .parse("status", str::parse)
        .unwrap_or(StudentStatus::Active);
    if !fields.errors.is_empty() {
        return None;
    }
    Some(Student {
        student_id: student_id?,
        name: name?,
        gender,
        birth_date,
        disability: reading.map(|r| r.category),
        disability_grade: grade,
        diagnosis,
        guardian_name,
        guardian_phone,
        address,
        school: school?,
        available,
        status,
    })
}

/// A plan row, its empty cells filled from the defaults and the year's calendar.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub line: usize,
    /// Why the plan changes (a 修订原因 cell), for a revision.
    pub reason: Option<String>,
    pub student_id: String,
    pub school_year: SchoolYear,
    pub terms: PlanTerms,
    /// The sheet gave a start date; without one an existing plan keeps its own.
    pub start_given: bool,
}

/// A plan's terms as the cells of a plans sheet would hold them.
pub fn plan_as_text(terms: &PlanTerms) -> Vec<(&'static str, String)> {
    vec![
        ("teacher_id", terms.teacher_id.clone()),
        (
            "backup_teacher_id",
            terms.backup_teacher_id.clone().unwrap_or_default(),
        ),
        ("visits_per_week", terms.visits_per_week.to_string()),
        ("periods_per_visit", terms.periods_per_visit.to_string()),
        ("annual_target", terms.annual_target.to_string()),
        ("start_date", terms.start_date.to_string()),
        ("end_date", terms.end_date.to_string()),
        ("goals", terms.goals.join("；")),
    ]
}

/// The plan fields whose change is a revision under 一人一案 and needs a reason.
pub const REVISED_PLAN_FIELDS: [&str; 6] = [
    "teacher_id",
    "backup_teacher_id",
    "visits_per_week",
    "periods_per_visit",
    "annual_target",
    "goals",
];

/// Splits a goals cell: one goal per line, or separated by `;`, `；` or `|`.
pub fn split_goals(text: &str) -> Vec<String> {
    text.split(['\n', ';', '；', '|'])
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn plan(
    fields: &mut Fields,
    defaults: &PlanDefaults,
    calendar: &mut impl FnMut(SchoolYear) -> Result<Arc<SchoolCalendar>, Reason>,
    today: NaiveDate,
) -> Option<PlanInput> {
    let student_id = fields.parse_required("student_id", check_id);
    let year: Option<SchoolYear> = fields.parse_required("school_year", str::parse);
    let teacher_id = fields.parse_required("teacher_id", check_id);
    let backup_teacher_id = fields.parse("backup_teacher_id", check_id);
    let visits_per_week = fields.parse("visits_per_week", |t| {
        count(t, 1, defaults.max_visits_per_week)
    });
    let periods_per_visit = fields.parse("periods_per_visit", |t| count(t, 1, 8));
    let annual_target = fields.parse("annual_target", |t| count(t, 1, 2000));
    // A date without its year (9月1日) is read within the plan's school year.
    let within = |t: &str| match year {
        Some(year) => parse_day_in(t, year),
        None => parse_day(t),
    };
    let start_date = fields.parse("start_date", within);
    let end_date = fields.parse("end_date", within);
    let goals = fields
        .text("goals")
        .map(|g| split_goals(&g))
        .unwrap_or_default();
    let year = year?;
    let calendar = match calendar(year) {
        Ok(calendar) => calendar,
        Err(reason) => {
            fields.error("school_year", reason);
            return None;
        }
    };
    if !fields.errors.is_empty() {
        return None;
    }
    let (first, last) = crate::domain::plan::default_dates(&calendar, today)?;
    let terms = PlanTerms {
        teacher_id: teacher_id?,
        backup_teacher_id,
        visits_per_week: visits_per_week.unwrap_or(defaults.visits_per_week),
        periods_per_visit: periods_per_visit.unwrap_or(defaults.periods_per_visit),
        annual_target: annual_target.unwrap_or(defaults.annual_target),
        start_date: start_date.unwrap_or(first),
        end_date: end_date.unwrap_or(last),
        goals,
    };
    if let Err((column, reason)) = terms.check(&calendar, defaults.max_visits_per_week) {
        fields.error(column, reason);
        return None;
    }
    Some(PlanInput {
        line: fields.line(),
        reason: fields.text("revision_reason"),
        student_id: student_id?,
        school_year: year,
        start_given: start_date.is_some(),
        terms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_in_every_office_style() {
        let expected = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        for text in ["2026-09-01", "2026/9/1", "2026.9.1", "2026年9月1日"] {
            assert_eq!(parse_day(text), Ok(expected), "{text}");
        }
        assert!(parse_day("2026-02-30").is_err());
        let year = SchoolYear::starting(2026);
        assert_eq!(
            parse_day_in("9月10日", year),
            Ok(NaiveDate::from_ymd_opt(2026, 9, 10).unwrap())
        );
        assert_eq!(
            parse_day_in("3/5", year),
            Ok(NaiveDate::from_ymd_opt(2027, 3, 5).unwrap())
        );
        assert!(parse_day_in("13月1日", year).is_err());
    }

    #[test]
    fn every_error_of_a_row_is_reported() {
        let slots = crate::config::Settings::defaults().slot_table().unwrap();
        let values = HashMap::from([
            ("teacher_id", "T1"),
            ("email", "nope"),
            ("available", "Mon-EVE"),
        ]);
        let mut fields = Fields::new(7, values);
        assert!(teacher(&mut fields, &slots).is_none());
        let columns: Vec<&str> = fields.errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["name", "email", "school", "available"]);
        assert!(fields.errors.iter().all(|e| e.line == 7));
    }

    #[test]
    fn goals_split_on_lines_and_semicolons() {
        assert_eq!(
            split_goals("认识数字1-10；能自己穿衣\n 练习握笔 "),
            ["认识数字1-10", "能自己穿衣", "练习握笔"]
        );
    }
}

/// A supervisor row: name, email, the schools (None: the district) and robots.
#[derive(Debug, Clone)]
pub struct SupervisorInput {
    pub line: usize,
    pub name: String,
    pub email: String,
    pub schools: Option<Vec<String>>,
    pub robots: Robots,
}

pub fn supervisor(fields: &mut Fields) -> Option<SupervisorInput> {
    let name = fields.required("name");
    let email = fields.parse_required("email", check_email);
    let mut robot = |column, secret| {
        fields
            .parse(column, |text| Robots::parse_setting(text, secret))
            .flatten()
    };
    let robots = Robots {
        dingtalk_webhook: robot("dingtalk_webhook", false),
        dingtalk_secret: robot("dingtalk_secret", true),
        wecom_webhook: robot("wecom_webhook", false),
    };
    Some(SupervisorInput {
        line: fields.line(),
        name,
        email: email?,
        schools: fields.text("school").map(|cell| split_schools(&cell)),
        robots,
    })
}

impl SupervisorInput {
    /// Whose children they hear of: the schools given, or the district.
    pub fn scope(&self) -> crate::domain::access::Scope {
        crate::domain::access::Scope::of_account(
            crate::domain::access::Role::Supervisor,
            None,
            self.schools.clone().unwrap_or_default(),
        )
    }
}

/// Several schools in one cell: `城关小学、东关小学` (or with commas or semicolons).
pub fn split_schools(cell: &str) -> Vec<String> {
    cell.split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
