//! Why something was refused, as a value: each reason the rules, the sheets and the
//! services give is a variant with its arguments, and this file is the one catalogue
//! that words it, in English (`Display`: programs, logs and tests read it) and in
//! Chinese (`chinese`: people under zh-CN read it). Both are exhaustive matches, so
//! a reason without its Chinese does not build.

use std::fmt;

use chrono::NaiveDate;

use crate::domain::access::Role;
use crate::domain::leave::LeaveStatus;
use crate::domain::slot::{WeeklySlot, weekday_name_zh};
use crate::domain::student::{Disability, Gender, StaffRole, StudentStatus};
use crate::domain::visit::{MissReason, Mode, Outcome, VisitStatus};

/// How to make a file the import reads, in the words of Excel's and WPS's menus.
const SAVE_AS: &str = "open it in Excel or WPS and choose 另存为 (Save As) → Excel 工作簿 (*.xlsx), or CSV UTF-8 (逗号分隔)";
const SAVE_AS_ZH: &str =
    "请在 Excel 或 WPS 中打开，选择“另存为” → Excel 工作簿 (*.xlsx)，或 CSV UTF-8（逗号分隔）";

/// The lists of codes a cell or a flag may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Gender,
    Disability,
    StudentStatus,
    Role,
    StaffRole,
    Outcome,
    MissReason,
    Mode,
    LeaveStatus,
    VisitStatus,
}

impl CodeKind {
    fn english(self) -> &'static str {
        match self {
            CodeKind::Gender => "gender",
            CodeKind::Disability => "disability category",
            CodeKind::StudentStatus => "student status",
            CodeKind::Role | CodeKind::StaffRole => "role",
            CodeKind::Outcome => "visit outcome",
            CodeKind::MissReason => "reason code",
            CodeKind::Mode => "visit mode",
            CodeKind::LeaveStatus => "leave status",
            CodeKind::VisitStatus => "visit status",
        }
    }

    fn chinese(self) -> &'static str {
        match self {
            CodeKind::Gender => "性别",
            CodeKind::Disability => "残疾类别",
            CodeKind::StudentStatus => "学生状态",
            CodeKind::Role | CodeKind::StaffRole => "角色",
            CodeKind::Outcome => "送教结果",
            CodeKind::MissReason => "原因",
            CodeKind::Mode => "送教方式",
            CodeKind::LeaveStatus => "请假状态",
            CodeKind::VisitStatus => "送教状态",
        }
    }

    /// The codes, or their words in Chinese, joined as each language lists.
    fn words(self, chinese: bool) -> String {
        fn list<T: Copy>(
            all: &[T],
            code: fn(T) -> &'static str,
            zh: fn(T) -> &'static str,
            chinese: bool,
        ) -> String {
            let words: Vec<&str> = all
                .iter()
                .map(|v| if chinese { zh(*v) } else { code(*v) })
                .collect();
            words.join(if chinese { "、" } else { ", " })
        }
        match self {
            CodeKind::Gender => list(Gender::ALL, Gender::code, Gender::zh, chinese),
            CodeKind::Disability => {
                list(Disability::ALL, Disability::code, Disability::zh, chinese)
            }
            CodeKind::StudentStatus => list(
                StudentStatus::ALL,
                StudentStatus::code,
                StudentStatus::zh,
                chinese,
            ),
            CodeKind::Role => list(Role::ALL, Role::code, Role::zh, chinese),
            CodeKind::StaffRole => list(StaffRole::ALL, StaffRole::code, StaffRole::zh, chinese),
            CodeKind::Outcome => list(Outcome::ALL, Outcome::code, Outcome::zh, chinese),
            CodeKind::MissReason => {
                list(MissReason::ALL, MissReason::code, MissReason::zh, chinese)
            }
            CodeKind::Mode => list(Mode::ALL, Mode::code, Mode::zh, chinese),
            CodeKind::LeaveStatus => list(
                LeaveStatus::ALL,
                LeaveStatus::code,
                LeaveStatus::zh,
                chinese,
            ),
            CodeKind::VisitStatus => list(
                VisitStatus::ALL,
                VisitStatus::code,
                VisitStatus::zh,
                chinese,
            ),
        }
    }
}

/// A leave or a pause an overlap names: its number, days, half-days and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceLine {
    pub id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub slots: Vec<WeeklySlot>,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    // A file that cannot be read as a sheet at all.
    CellPastLimits {
        cell: String,
        rows: u32,
        columns: u32,
    },
    WorkbookTooLarge {
        megabytes: u64,
    },
    WorkbookTooManyCells {
        cells: u64,
    },
    WorkbookDamaged,
    WorkbookHasNoSheet,
    SheetUnreadable {
        detail: String,
    },
    FileIsWebPage,
    FileMisnamed {
        extension: String,
    },
    FileIsUtf16,
    FileNotText {
        big5: bool,
    },
    FileEmpty,
    CsvUnreadable {
        detail: String,
    },
    CalendarBroken {
        detail: String,
    },
    NulInHeading,
    NulInCell {
        line: usize,
    },
    // The headers of a sheet.
    NoColumn {
        column: String,
        aliases: Vec<String>,
    },
    HeaderTwice {
        header: String,
        column: String,
    },
    HeaderCloseTo {
        header: String,
        likely: String,
    },
    // A value.
    Empty,
    EmptyButRequired,
    LineBreak,
    ControlCharacter,
    TooLong {
        max: usize,
    },
    NotADate {
        text: String,
    },
    NotAWholeNumber {
        text: String,
        min: i64,
        max: i64,
    },
    NotAPhone {
        text: String,
    },
    NotAnEmail {
        text: String,
    },
    NotAnId {
        text: String,
    },
    NotACode {
        text: String,
        kind: CodeKind,
    },
    NotADisabilityGrade {
        text: String,
    },
    NotASchoolYear {
        text: String,
    },
    NotAWeekday {
        text: String,
    },
    NotAHalfDay {
        text: String,
    },
    NotAWeekdayIn {
        day: String,
        text: String,
    },
    NotAWeekdayAndSlot {
        token: String,
    },
    WriteAsExcept {
        text: String,
    },
    UnknownSlot {
        token: String,
        slot: String,
        slots: Vec<String>,
    },
    NotASlot {
        text: String,
        slots: Vec<String>,
    },
    MustBeFrom {
        min: i64,
        max: i64,
    },
    AtLeastOne,
    // Plans.
    BackupIsTheTeacher,
    OutsideYear {
        date: NaiveDate,
        year: String,
    },
    EndBeforeStart {
        end: NaiveDate,
        start: NaiveDate,
    },
    PlanCoversNoTeachingDay,
    PlanRevisionNeedsReason {
        student: String,
        year: String,
        fields: Vec<String>,
    },
    ProRated {
        student: String,
        start: NaiveDate,
        target: u32,
        full: u32,
    },
    NeitherTeacherNorBackup {
        teacher: String,
        student: String,
    },
    TeacherNameAmbiguous {
        name: String,
        ids: Vec<String>,
    },
    NotAGoal {
        goal: String,
        student: String,
        goals: Vec<String>,
    },
    NoActivePlan {
        student: String,
        year: String,
    },
    OutsidePlan {
        date: NaiveDate,
        student: String,
        start: NaiveDate,
        end: NaiveDate,
    },
    // The calendar.
    Holiday {
        date: NaiveDate,
        name: String,
    },
    WeekendDay {
        date: NaiveDate,
    },
    OutsideTerms {
        date: NaiveDate,
    },
    OffDay(Box<Reason>),
    WeekOutsideTerms {
        week: String,
        start: NaiveDate,
        end: NaiveDate,
        year: String,
    },
    WeekHasNoTeachingDay {
        week: String,
    },
    WeekIsPast {
        week: String,
        today: NaiveDate,
    },
    // Leave and pauses.
    LastDayBeforeFirst {
        first: NaiveDate,
        last: NaiveDate,
    },
    LeaveTooLate {
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    },
    LeaveNeedsReason,
    HalfDayNotAmongDays {
        slot: WeeklySlot,
        from: NaiveDate,
        to: NaiveDate,
    },
    Overlaps {
        from: NaiveDate,
        to: NaiveDate,
        others: Vec<AbsenceLine>,
    },
    // Visits and their records.
    NotBegunYet {
        day: NaiveDate,
        begins: String,
        now: String,
    },
    FewerThanPlan {
        periods: u32,
        plan: u32,
    },
    PartialNeedsPeriods {
        most: u32,
    },
    PartialOutOfRange {
        most: u32,
        plan: u32,
        given: u32,
    },
    NoPeriodsWhen {
        outcome: Outcome,
        given: u32,
    },
    MoreThanPlan {
        periods: u32,
        plan: u32,
    },
    NeedsReasonCode {
        outcome: Outcome,
    },
    EndsBeforeBegins {
        end: String,
        start: String,
    },
    GiveStartToo,
    GiveEndToo,
    NotHappenedYet {
        day: NaiveDate,
        today: NaiveDate,
    },
    TeacherBusy {
        teacher: String,
        day: NaiveDate,
        slot: String,
    },
    LockedGiveReason {
        day: NaiveDate,
        days: u32,
    },
    LockedForTeachers {
        day: NaiveDate,
        days: u32,
    },
    PastVisitNotMoved,
    CancelledWhenReplanned {
        visit: i64,
    },
    AppearsTwice {
        key: String,
        first_line: usize,
    },
    // People, schools and accounts.
    NotRegisteredImportFirst {
        what: &'static str,
        id: String,
    },
    NotRegisteredSee {
        what: &'static str,
        id: String,
        command: &'static str,
    },
    NoSuchSee {
        what: &'static str,
        id: String,
        command: &'static str,
    },
    NoOpenAlert {
        id: String,
    },
    NotASchoolDidYouMean {
        text: String,
        meant: String,
    },
    NotASchool {
        text: String,
    },
    TeacherAccountAsSupervisor {
        email: String,
    },
    AccountHearsOwnScope {
        email: String,
        role: Role,
        schools: Vec<String>,
    },
    // Refusals of the services.
    AlreadyRegistered {
        what: &'static str,
        id: String,
    },
    PlanExists {
        student: String,
        year: String,
        plan: Option<i64>,
    },
    AccountExists {
        email: String,
    },
    SchoolNameTaken {
        old: String,
        new: String,
    },
    LeaveDecided {
        id: i64,
        status: LeaveStatus,
    },
    VisitMoveClash {
        visit: i64,
        teacher: String,
        day: NaiveDate,
        slot: String,
    },
    SecondFactorInUse,
    NoSecondFactorBeingSetUp,
    RecordLocked {
        day: NaiveDate,
        days: u32,
    },
    SayWhyMoved,
    SayWhyCancelled,
    NotATeachingDayToCome {
        day: NaiveDate,
    },
    NoTeacherInYourSchools {
        teacher: String,
    },
    WrongSecondFactorCode,
    NeededForNewPlan,
    YearHasNoTeachingDay,
    IdCannotChange {
        what: &'static str,
    },
    NotYourSchool {
        school: String,
    },
    PauseIsWholeDays,
    NameNeeded {
        what: &'static str,
    },
    SchoolNameTooLong,
    NotAStatus {
        text: String,
        statuses: Vec<String>,
    },
    RecordKeyLength,
    KeyUsedForAnotherRecord,
    KeyUsedForAnotherVisit,
    KeyUsedForAnotherRequest,
    TooManyPhotos {
        most: usize,
        kept: usize,
        sent: usize,
    },
    CorrectionNeedsReason,
    TokenLabel {
        most: usize,
    },
    TokenAtLeastOneDay,
    PasswordTooShort {
        min: usize,
        length: usize,
    },
    PasswordTooPlain {
        classes: usize,
    },
    PasswordUnusable,
    WrongCurrentPassword,
    NotARegisteredTeacher {
        teacher: String,
    },
    RevisionNeedsReason,
    NoCalendar {
        year: String,
    },
    HiddenValue,
    NotAWebAddress {
        shown: String,
    },
    NotHttps {
        shown: String,
    },
    AdminSeesDistrict,
    TeacherAccountNeedsTeacher,
    RoleCoversSchools {
        role: Role,
    },
    NameASchool,
    // Backups.
    BackupFileExists {
        path: String,
    },
    DatabaseNotEmpty {
        database: String,
    },
    IntegrityCheckFailed {
        detail: String,
    },
    NotASqliteBackup {
        path: String,
        detail: String,
    },
    NotAPostgresBackup {
        path: String,
    },
    ToolMissing {
        tool: String,
    },
}

impl std::error::Error for Reason {}

/// Programs read a reason as its English sentence.
impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn join<T: fmt::Display>(items: &[T], separator: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

/// A thing the reasons name (`student`), in Chinese.
pub fn thing_zh(what: &str) -> &str {
    match what {
        "student" => "学生",
        "teacher" => "教师",
        "plan" => "送教方案",
        "visit" => "送教",
        "alert" => "预警",
        "account" => "账号",
        "supervisor" => "督导",
        "leave request" => "请假申请",
        "school" => "学校",
        "plan to revise" => "可修订的送教方案",
        "school calendar" => "校历",
        "calendar entry" => "校历条目",
        "open token" => "有效令牌",
        "file" => "附件",
        other => other,
    }
}

/// A half-day as people say it (周三下午).
fn half_day_zh(slot: &WeeklySlot) -> String {
    format!("{}{}", weekday_name_zh(slot.weekday), slot_zh(&slot.slot))
}

/// The default slots' names as people say them (上午, 下午).
pub fn slot_zh(name: &str) -> &str {
    match name {
        "AM" => "上午",
        "PM" => "下午",
        other => other,
    }
}

fn slots_zh(names: &[String]) -> String {
    names
        .iter()
        .map(|n| slot_zh(n))
        .collect::<Vec<_>>()
        .join("、")
}

fn absence_en(a: &AbsenceLine) -> String {
    let mut one = format!("#{} {} to {}", a.id, a.from, a.to);
    if !a.slots.is_empty() {
        one += &format!(" {}", join(&a.slots, " "));
    }
    if !a.why.is_empty() {
        one += &format!(" ({})", a.why);
    }
    one
}

fn absence_zh(a: &AbsenceLine) -> String {
    let mut one = format!("#{} {} 至 {}", a.id, a.from, a.to);
    if !a.slots.is_empty() {
        one += &format!(
            " {}",
            a.slots
                .iter()
                .map(half_day_zh)
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    if !a.why.is_empty() {
        one += &format!("（{}）", a.why);
    }
    one
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Reason::*;
        match self {
            CellPastLimits {
                cell,
                rows,
                columns,
            } => write!(
                f,
                "cell {cell} holds something, past the {rows} rows and {columns} columns a sheet may use here: delete what is there, or copy the table into a new sheet"
            ),
            WorkbookTooLarge { megabytes } => write!(
                f,
                "the workbook unpacks to more than {megabytes} MB, far more than a register: {SAVE_AS}, keeping only the table"
            ),
            WorkbookTooManyCells { cells } => write!(
                f,
                "the workbook's sheets span more than {cells} cells together: {SAVE_AS}, keeping only the table"
            ),
            WorkbookDamaged => write!(
                f,
                "the workbook is damaged, or of a kind not read here (.xlsx and .xls are): {SAVE_AS}"
            ),
            WorkbookHasNoSheet => f.write_str("the workbook has no sheet"),
            SheetUnreadable { detail } => {
                write!(f, "cannot read the workbook's first sheet: {detail}")
            }
            FileIsWebPage => write!(
                f,
                "the file is a web page, not a workbook (some systems' \"export to Excel\" make these): {SAVE_AS}"
            ),
            FileMisnamed { extension } => write!(
                f,
                "the file is named .{extension} but is not a workbook (it may be damaged, or another kind of file renamed): {SAVE_AS}"
            ),
            FileIsUtf16 => write!(
                f,
                "the file is UTF-16 text (Excel's \"Unicode text\"), which is not read here: {SAVE_AS}"
            ),
            FileNotText { big5 } => write!(
                f,
                "the file is neither UTF-8 nor GBK text{}: {SAVE_AS}",
                if *big5 {
                    " (it reads as Big5, the encoding of traditional characters)"
                } else {
                    ""
                }
            ),
            FileEmpty => f.write_str("the file is empty: it needs a header row"),
            CsvUnreadable { detail } => write!(f, "the CSV cannot be read: {detail}"),
            CalendarBroken { detail } => write!(f, "the school calendar is broken: {detail}"),
            NulInHeading => {
                f.write_str("line 1: a heading holds a NUL character: save the sheet again as text")
            }
            NulInCell { line } => write!(
                f,
                "line {line}: a cell holds a NUL character: save the sheet again as text"
            ),
            NoColumn { column, aliases } if aliases.is_empty() => {
                write!(f, "the header row has no column {column}")
            }
            NoColumn { column, aliases } => write!(
                f,
                "the header row has no column {column} (or {})",
                aliases.join(", ")
            ),
            HeaderTwice { header, column } => {
                write!(f, "header `{header}` names column {column} a second time")
            }
            HeaderCloseTo { header, likely } => write!(
                f,
                "header `{header}` is not one we read, but close to `{likely}`: rename it `{likely}` in the sheet (or confirm with --column {header}={likely}); its cells are not read until then"
            ),
            Empty => f.write_str("is empty"),
            EmptyButRequired => f.write_str("is empty but required"),
            LineBreak => f.write_str(
                "holds a line break, a tab or an invisible control character: keep it on one line",
            ),
            ControlCharacter => {
                f.write_str("holds an invisible control character: type the text again")
            }
            TooLong { max } => write!(f, "is longer than {max} characters"),
            NotADate { text } => write!(f, "`{text}` is not a date like 2026-09-01"),
            NotAWholeNumber { text, min, max } => {
                write!(f, "`{text}` is not a whole number from {min} to {max}")
            }
            NotAPhone { text } => write!(
                f,
                "`{text}` is not a phone number (a mobile of 11 digits, or a landline such as 0931-8123456)"
            ),
            NotAnEmail { text } => write!(f, "`{text}` is not an email address"),
            NotAnId { text } => {
                write!(f, "`{text}` is not an id: one word, at most 64 characters")
            }
            NotACode { text, kind } => write!(
                f,
                "`{text}` is not a {}: use one of {}",
                kind.english(),
                kind.words(false)
            ),
            NotADisabilityGrade { text } => write!(
                f,
                "`{text}` is not a disability grade: write 一级, 二级, 三级 or 四级 (or 1 to 4)"
            ),
            NotASchoolYear { text } => {
                write!(f, "`{text}` is not a school year like 2026-2027")
            }
            NotAWeekday { text } => write!(f, "`{text}` is not a weekday like Mon"),
            NotAHalfDay { text } => write!(f, "`{text}` is not a half-day such as Wed-PM"),
            NotAWeekdayIn { day, text } => write!(f, "`{day}` in `{text}` is not a weekday"),
            NotAWeekdayAndSlot { token } => write!(
                f,
                "`{token}`: expected a weekday and a slot like Mon-AM or 周一上午"
            ),
            WriteAsExcept { text } => write!(f, "`{text}`: write it as 除周三下午外均可"),
            UnknownSlot { token, slot, slots } => write!(
                f,
                "`{token}`: unknown slot `{slot}` (slots are {})",
                slots.join(", ")
            ),
            NotASlot { text, slots } => {
                write!(f, "`{text}` is not a slot: use one of {}", slots.join(", "))
            }
            MustBeFrom { min, max } => write!(f, "must be from {min} to {max}"),
            AtLeastOne => f.write_str("must be at least 1"),
            BackupIsTheTeacher => {
                f.write_str("the backup teacher must be someone else than the responsible teacher")
            }
            OutsideYear { date, year } => write!(f, "{date} is outside the school year {year}"),
            EndBeforeStart { end, start } => write!(f, "{end} is before the start date {start}"),
            PlanCoversNoTeachingDay => f.write_str("the plan covers no teaching day"),
            PlanRevisionNeedsReason {
                student,
                year,
                fields,
            } => write!(
                f,
                "the plan of {student} {year} changes ({}): that is a revision and needs its reason (a revision_reason column, or one --reason for the file)",
                fields.join(", ")
            ),
            ProRated {
                student,
                start,
                target,
                full,
            } => write!(
                f,
                "{student} starts {start}: target pro-rated to {target} periods (of {full})"
            ),
            NeitherTeacherNorBackup { teacher, student } => {
                write!(f, "{teacher} is neither {student}'s teacher nor backup")
            }
            TeacherNameAmbiguous { name, ids } => write!(
                f,
                "`{name}` is the name of {} teachers ({}): write the teacher's id",
                ids.len(),
                ids.join(", ")
            ),
            NotAGoal {
                goal,
                student,
                goals,
            } => write!(
                f,
                "goal {goal} is not a goal of {student}'s plan (its goals: {})",
                goals.join(", ")
            ),
            NoActivePlan { student, year } => write!(f, "{student} has no active plan for {year}"),
            OutsidePlan {
                date,
                student,
                start,
                end,
            } => write!(f, "{date} is outside {student}'s plan ({start} to {end})"),
            Holiday { date, name } => write!(f, "{date} is a holiday ({name})"),
            WeekendDay { date } => write!(f, "{date} is a weekend day and no make-up workday"),
            OutsideTerms { date } => write!(f, "{date} is outside the terms"),
            OffDay(why) => write!(
                f,
                "{why}: no visit can have happened then; check the date (or import with --allow-off-days to keep it, marked)"
            ),
            WeekOutsideTerms {
                week,
                start,
                end,
                year,
            } => write!(
                f,
                "{week} ({start} to {end}) is outside every term of {year}: no visits are planned"
            ),
            WeekHasNoTeachingDay { week } => {
                write!(
                    f,
                    "{week} has no teaching day (holidays): no visits are planned"
                )
            }
            WeekIsPast { week, today } => write!(
                f,
                "{week}'s teaching days are all on or before today ({today}): the past is not re-planned"
            ),
            LastDayBeforeFirst { first, last } => {
                write!(f, "the last day {last} is before the first {first}")
            }
            LeaveTooLate { from, to, today } => write!(
                f,
                "leave from {from} to {to} is over or began more than a week ago (today is {today}): ask a coordinator to enter it"
            ),
            LeaveNeedsReason => f.write_str("give a reason for the leave"),
            HalfDayNotAmongDays { slot, from, to } => {
                write!(f, "{slot} is not among the days from {from} to {to}")
            }
            Overlaps { from, to, others } => write!(
                f,
                "{from} to {to} overlaps {}: change, end or remove it first",
                others.iter().map(absence_en).collect::<Vec<_>>().join("; ")
            ),
            NotBegunYet { day, begins, now } => write!(
                f,
                "the visit on {day} at {begins} has not begun yet (it is now {now}): record it afterwards"
            ),
            FewerThanPlan { periods, plan } => write!(
                f,
                "{periods} is fewer than the plan's {plan} periods a visit: record it as partial"
            ),
            PartialNeedsPeriods { most } => {
                write!(f, "a partial visit needs the periods given (1 to {most})")
            }
            PartialOutOfRange { most, plan, given } => write!(
                f,
                "a partial visit gives 1 to {most} periods (the plan's visit has {plan}); {given} is not"
            ),
            NoPeriodsWhen { outcome, given } => {
                write!(f, "a {outcome} visit delivers no periods; {given} given")
            }
            MoreThanPlan { periods, plan } => {
                write!(
                    f,
                    "{periods} is more than the plan's {plan} periods a visit"
                )
            }
            NeedsReasonCode { outcome } => write!(
                f,
                "a {outcome} visit needs a reason code: {}",
                CodeKind::MissReason.words(false)
            ),
            EndsBeforeBegins { end, start } => {
                write!(f, "the visit cannot end ({end}) before it begins ({start})")
            }
            GiveStartToo => f.write_str("give the time the visit began too"),
            GiveEndToo => f.write_str("give the time the visit ended too"),
            NotHappenedYet { day, today } => {
                write!(f, "{day} has not happened yet (today is {today})")
            }
            TeacherBusy { teacher, day, slot } => {
                write!(
                    f,
                    "teacher {teacher} already has another visit on {day} {slot}"
                )
            }
            LockedGiveReason { day, days } => write!(
                f,
                "the record of {day} is locked (older than {days} days, a change needs a reason): give the reason in the reason column"
            ),
            LockedForTeachers { day, days } => write!(
                f,
                "the record of {day} is locked: older than {days} days: a coordinator can change it"
            ),
            PastVisitNotMoved => {
                f.write_str("a recorded or past visit is not moved: correct its record instead")
            }
            CancelledWhenReplanned { visit } => {
                write!(
                    f,
                    "visit {visit} was cancelled when its week was planned again"
                )
            }
            AppearsTwice { key, first_line } => {
                write!(
                    f,
                    "{key} appears a second time (first on line {first_line})"
                )
            }
            NotRegisteredImportFirst { what, id } => {
                write!(f, "no {what} {id} is registered (import the {what}s first)")
            }
            NotRegisteredSee { what, id, command } => {
                write!(
                    f,
                    "no {what} {id} is registered (see `songjiao {command} list`)"
                )
            }
            NoSuchSee { what, id, command } => {
                write!(f, "there is no {what} {id}: see `songjiao {command} list`")
            }
            NoOpenAlert { id } => {
                write!(f, "there is no open alert {id}: see `songjiao alert list`")
            }
            NotASchoolDidYouMean { text, meant } => write!(
                f,
                "`{text}` is not a school of the district; did you mean `{meant}`?"
            ),
            NotASchool { text } => write!(
                f,
                "`{text}` is not a school of the district (songjiao school list)"
            ),
            TeacherAccountAsSupervisor { email } => write!(
                f,
                "{email} is a teacher's account: a supervisor needs an email of their own"
            ),
            AccountHearsOwnScope {
                email,
                role,
                schools,
            } => write!(
                f,
                "{email} is a {role} account: it hears of its own scope ({}); change that with songjiao user scope",
                if schools.is_empty() {
                    "the whole district".to_string()
                } else {
                    format!("schools: {}", schools.join(", "))
                }
            ),
            AlreadyRegistered { what, id } => write!(
                f,
                "a new {what} {id} conflicts with the registered {what} {id}"
            ),
            PlanExists {
                student,
                year,
                plan,
            } => write!(
                f,
                "a new plan of {student} for {year} conflicts with {}",
                plan.map_or("a plan made at the same moment".to_string(), |id| format!(
                    "plan #{id}"
                ))
            ),
            AccountExists { email } => {
                write!(
                    f,
                    "a new account {email} conflicts with the account {email}"
                )
            }
            SchoolNameTaken { old, new } => write!(
                f,
                "school {new} conflicts with the school of that name (merge {old} into it instead)"
            ),
            LeaveDecided { id, status } => write!(
                f,
                "leave request {id} conflicts with its decision: it is {status} already"
            ),
            VisitMoveClash {
                visit,
                teacher,
                day,
                slot,
            } => write!(
                f,
                "moving visit {visit} conflicts with {teacher}'s other visit on {day} {slot}"
            ),
            SecondFactorInUse => f.write_str("a new second factor conflicts with the one in use"),
            NoSecondFactorBeingSetUp => {
                f.write_str("confirming a second factor conflicts with none being set up")
            }
            RecordLocked { day, days } => write!(
                f,
                "the record of {day} is locked: older than {days} days, a change needs a reason"
            ),
            SayWhyMoved => f.write_str("say why the visit moves"),
            SayWhyCancelled => f.write_str("say why the visit is cancelled"),
            NotATeachingDayToCome { day } => write!(
                f,
                "{day} is not a teaching day of the visit's week still to come"
            ),
            NoTeacherInYourSchools { teacher } => {
                write!(f, "there is no teacher {teacher} in your schools")
            }
            WrongSecondFactorCode => f.write_str("the code is not the one the app shows now"),
            NeededForNewPlan => f.write_str("is needed to create a plan"),
            YearHasNoTeachingDay => f.write_str("has no teaching day"),
            IdCannotChange { what } => write!(f, "a {what}'s id cannot change"),
            NotYourSchool { school } => write!(f, "{school} is not one of your schools"),
            PauseIsWholeDays => {
                f.write_str("a pause is for whole days: half-days are for a teacher's leave")
            }
            NameNeeded { what } => write!(f, "a {what} needs a name"),
            SchoolNameTooLong => {
                f.write_str("a school's name is one line of at most 200 characters")
            }
            NotAStatus { text, statuses } => {
                write!(f, "`{text}` is not one of {}", statuses.join(", "))
            }
            RecordKeyLength => f.write_str("a record's key is 1 to 100 characters"),
            KeyUsedForAnotherRecord => f.write_str(
                "this key was sent with a different record: a new record needs a new key",
            ),
            KeyUsedForAnotherVisit => f.write_str("this key was sent with another visit's record"),
            KeyUsedForAnotherRequest => f.write_str(
                "this key was sent with another request; use a new key for a new request",
            ),
            TooManyPhotos { most, kept, sent } => write!(
                f,
                "a record holds at most {most} photos; it has {kept} and {sent} more were sent"
            ),
            CorrectionNeedsReason => {
                f.write_str("a correction needs its reason (the notice it follows)")
            }
            TokenLabel { most } => write!(
                f,
                "a token's label says what it is for, 1 to {most} characters"
            ),
            TokenAtLeastOneDay => {
                f.write_str("a token lasts at least one day (leave it out for no end)")
            }
            PasswordTooShort { min, length } => write!(
                f,
                "a password needs at least {min} characters (this one has {length})"
            ),
            PasswordTooPlain { classes } => write!(
                f,
                "a password mixes at least {classes} of: lower case, upper case, digits, other characters"
            ),
            PasswordUnusable => f.write_str("this password cannot be used: choose another"),
            WrongCurrentPassword => f.write_str("the current password is not right"),
            NotARegisteredTeacher { teacher } => {
                write!(f, "{teacher} is not a registered teacher")
            }
            RevisionNeedsReason => f.write_str("a plan's revision needs its reason"),
            NoCalendar { year } => write!(f, "there is no school calendar for {year}"),
            HiddenValue => f.write_str(
                "is a hidden value (****) as a list shows it: write the real one, or leave it empty to keep what is set",
            ),
            NotAWebAddress { shown } => write!(f, "`{shown}` is not a web address"),
            NotHttps { shown } => write!(f, "`{shown}` is not an https:// address"),
            AdminSeesDistrict => f.write_str("an admin sees the whole district"),
            TeacherAccountNeedsTeacher => f.write_str(
                "a teacher account is linked to a registered teacher (--teacher T01)",
            ),
            RoleCoversSchools { role } => write!(
                f,
                "a {role} account covers schools (--school) or the whole district, not a teacher"
            ),
            NameASchool => {
                f.write_str("name at least one school, or none for the whole district")
            }
            BackupFileExists { path } => write!(
                f,
                "{path} already exists: choose a new file name (a backup never overwrites a file)"
            ),
            DatabaseNotEmpty { database } => write!(
                f,
                "the database {database} is not empty: restore into a new database (a new SQLite path, or `createdb` a new PostgreSQL database) and point --database at it"
            ),
            IntegrityCheckFailed { detail } => write!(
                f,
                "the restored database fails SQLite's integrity check: {detail}"
            ),
            NotASqliteBackup { path, detail } => {
                write!(
                    f,
                    "{path} is not a songjiao backup of a SQLite database: {detail}"
                )
            }
            NotAPostgresBackup { path } => write!(
                f,
                "{path} is not a backup made by `songjiao backup` on PostgreSQL (a pg_dump custom-format file)"
            ),
            ToolMissing { tool } => write!(
                f,
                "{tool} is not installed: it comes with PostgreSQL's client tools (Debian/Ubuntu: `apt-get install postgresql-client`; its version must be the server's or newer), or use the server's own backups"
            ),
        }
    }
}

impl Reason {
    /// The reason in Chinese, each code and slot in its word.
    pub fn chinese(&self) -> String {
        use Reason::*;
        match self {
            CellPastLimits {
                cell,
                rows,
                columns,
            } => format!(
                "单元格 {cell} 有内容，超出了这里能读的范围（最多 {rows} 行、{columns} 列）：请删除那里的内容，或把表格复制到一张新的工作表"
            ),
            WorkbookTooLarge { megabytes } => format!(
                "这个工作簿解压后超过 {megabytes} MB，远大于一份名册：{SAVE_AS_ZH}，只保留表格本身"
            ),
            WorkbookTooManyCells { cells } => format!(
                "这个工作簿的各工作表合计超过 {cells} 个单元格：{SAVE_AS_ZH}，只保留表格本身"
            ),
            WorkbookDamaged => {
                format!("工作簿已损坏，或不是这里能读的格式（能读 .xlsx 和 .xls）：{SAVE_AS_ZH}")
            }
            WorkbookHasNoSheet => "工作簿里没有工作表".into(),
            SheetUnreadable { .. } => {
                format!("读不出工作簿的第一张工作表，它可能已损坏：{SAVE_AS_ZH}")
            }
            FileIsWebPage => format!(
                "这个文件是网页，不是工作簿（有些系统的“导出到 Excel”会生成这种文件）：{SAVE_AS_ZH}"
            ),
            FileMisnamed { extension } => format!(
                "文件名是 .{extension}，但内容不是工作簿（可能已损坏，或是改了名的其他文件）：{SAVE_AS_ZH}"
            ),
            FileIsUtf16 => format!(
                "这个文件是 UTF-16 文本（Excel 的“Unicode 文本”），这里不能读：{SAVE_AS_ZH}"
            ),
            FileNotText { big5 } => format!(
                "这个文件既不是 UTF-8 也不是 GBK 文本{}：{SAVE_AS_ZH}",
                if *big5 {
                    "（像是繁体字用的 Big5 编码）"
                } else {
                    ""
                }
            ),
            FileEmpty => "文件是空的：第一行应是表头".into(),
            CsvUnreadable { .. } => format!("CSV 文件读不出来，可能已损坏：{SAVE_AS_ZH}"),
            CalendarBroken { detail } => {
                format!("设置里的校历有误（请运维人员处理）：{detail}")
            }
            NulInHeading => "第 1 行：表头里有空字符（NUL）：请把表格重新另存为文本".into(),
            NulInCell { line } => {
                format!("第 {line} 行：有单元格含空字符（NUL）：请把表格重新另存为文本")
            }
            NoColumn { column, aliases } => {
                // The sheets' Chinese headers; the program's own name only
                // for a column that has none.
                let mut names: Vec<&str> = aliases
                    .iter()
                    .map(String::as_str)
                    .filter(|a| !a.is_ascii())
                    .collect();
                if names.is_empty() {
                    names.push(column);
                }
                let first = names.remove(0);
                if names.is_empty() {
                    format!("表头没有“{first}”列")
                } else {
                    format!("表头没有“{first}”列（也可写 {}）", names.join("、"))
                }
            }
            HeaderTwice { header, .. } => format!("表头“{header}”与另一列指的是同一项，请删去一列"),
            HeaderCloseTo { header, likely } => format!(
                "表头“{header}”不认识，可能是“{likely}”：请在表格里把它改成“{likely}”后再导入（或确认：导入页“表头对应”填写 {header}={likely}，命令行加 --column {header}={likely}）；改好之前这一列不会被读取"
            ),
            Empty => "不能为空".into(),
            EmptyButRequired => "必填，不能为空".into(),
            LineBreak => "含有换行、制表符或看不见的控制字符：请写在一行里".into(),
            ControlCharacter => "含有看不见的控制字符：请重新输入这段文字".into(),
            TooLong { max } => format!("超过 {max} 个字"),
            NotADate { text } => format!("“{text}”不是日期，请写成 2026-09-01 这样"),
            NotAWholeNumber { text, min, max } => {
                format!("“{text}”不是 {min} 到 {max} 之间的整数")
            }
            NotAPhone { text } => {
                format!("“{text}”不是电话号码（手机号 11 位，或座机如 0931-8123456）")
            }
            NotAnEmail { text } => format!("“{text}”不是电子邮箱地址"),
            NotAnId { text } => format!("“{text}”不是编号：编号是一个词，最多 64 个字符"),
            NotACode { text, kind } => format!(
                "“{text}”不是有效的{}：可用 {}",
                kind.chinese(),
                kind.words(true)
            ),
            NotADisabilityGrade { text } => {
                format!("“{text}”不是残疾等级：请写 一级、二级、三级、四级（或 1 到 4）")
            }
            NotASchoolYear { text } => format!("“{text}”不是学年，请写成 2026-2027 这样"),
            NotAWeekday { text } => format!("“{text}”不是星期几（如 周一）"),
            NotAHalfDay { text } => format!("“{text}”不是半天时段，请写成 周三下午 这样"),
            NotAWeekdayIn { day, text } => format!("“{text}”中的“{day}”不是星期几"),
            NotAWeekdayAndSlot { token } => format!("“{token}”：应写星期和时段，如 周一上午"),
            WriteAsExcept { text } => format!("“{text}”：请写成“除周三下午外均可”这样"),
            UnknownSlot { token, slot, slots } => format!(
                "“{token}”：没有“{slot}”这个时段（时段有 {}）",
                slots_zh(slots)
            ),
            NotASlot { text, slots } => format!("“{text}”不是时段：可用 {}", slots_zh(slots)),
            MustBeFrom { min, max } => format!("应在 {min} 到 {max} 之间"),
            AtLeastOne => "至少为 1".into(),
            BackupIsTheTeacher => "备用教师不能与送教教师是同一人".into(),
            OutsideYear { date, year } => format!("{date} 不在 {year} 学年内"),
            EndBeforeStart { end, start } => format!("{end} 早于开始日期 {start}"),
            PlanCoversNoTeachingDay => "送教方案期间没有教学日".into(),
            PlanRevisionNeedsReason {
                student,
                year,
                fields,
            } => {
                let fields: Vec<&str> = fields.iter().map(|f| field_zh(f)).collect();
                format!(
                    "{student} 在 {year} 学年的送教方案会改变（{}）：这是送教方案修订，需要写明原因（表格中加“修订原因”一列；或为整份文件给一个原因：导入页填写“修订原因”，命令行加 --reason）",
                    fields.join("、")
                )
            }
            ProRated {
                student,
                start,
                target,
                full,
            } => format!("{student} 从 {start} 开始：目标按比例为 {target} 课时（全年 {full}）"),
            NeitherTeacherNorBackup { teacher, student } => {
                format!("{teacher} 既不是 {student} 的送教教师，也不是备用教师")
            }
            TeacherNameAmbiguous { name, ids } => format!(
                "“{name}”是 {} 位教师的名字（{}）：请写教师编号",
                ids.len(),
                ids.join("、")
            ),
            NotAGoal {
                goal,
                student,
                goals,
            } => format!(
                "目标 {goal} 不是 {student} 送教方案中的目标（方案的目标编号：{}）",
                goals.join("、")
            ),
            NoActivePlan { student, year } => {
                format!("{student} 在 {year} 学年没有有效的送教方案")
            }
            OutsidePlan {
                date,
                student,
                start,
                end,
            } => format!("{date} 不在 {student} 的送教方案期内（{start} 至 {end}）"),
            Holiday { date, name } => format!("{date} 是假期（{name}）"),
            WeekendDay { date } => format!("{date} 是周末，也不是调休上班日"),
            OutsideTerms { date } => format!("{date} 不在学期内"),
            OffDay(why) => format!(
                "{}：那天不可能送教，请核对日期（确要保留：导入页勾选“保留非教学日的记录”，命令行加 --allow-off-days；记录会注明）",
                why.chinese()
            ),
            WeekOutsideTerms {
                week,
                start,
                end,
                year,
            } => format!("{week}（{start} 至 {end}）不在 {year} 学年的任何学期内：不安排送教"),
            WeekHasNoTeachingDay { week } => format!("{week} 没有教学日（假期）：不安排送教"),
            WeekIsPast { week, today } => {
                format!("{week} 的教学日都在今天（{today}）或之前：已过去的不再重排")
            }
            LastDayBeforeFirst { first, last } => {
                format!("最后一天 {last} 早于第一天 {first}")
            }
            LeaveTooLate { from, to, today } => format!(
                "{from} 至 {to} 的请假已经结束，或开始已超过一周（今天是 {today}）：请特教专干录入"
            ),
            LeaveNeedsReason => "请写明请假原因".into(),
            HalfDayNotAmongDays { slot, from, to } => {
                format!("{}不在 {from} 至 {to} 这几天里", half_day_zh(slot))
            }
            Overlaps { from, to, others } => format!(
                "{from} 至 {to} 与已有的 {} 重叠：请先修改、结束或删除它（用前面的编号）",
                others.iter().map(absence_zh).collect::<Vec<_>>().join("；")
            ),
            NotBegunYet { day, begins, now } => {
                format!("{day} {begins} 的送教还没有开始（现在是 {now}）：送教后再记录")
            }
            FewerThanPlan { periods, plan } => {
                format!("{periods} 少于方案每次 {plan} 课时：请记为部分完成")
            }
            PartialNeedsPeriods { most } => format!("部分完成的送教要填课时（1 到 {most}）"),
            PartialOutOfRange { most, plan, given } => {
                format!("部分完成的送教课时应为 1 到 {most}（方案每次 {plan} 课时），{given} 不行")
            }
            NoPeriodsWhen { outcome, given } => {
                format!("{}的送教没有课时，却填了 {given}", outcome.zh())
            }
            MoreThanPlan { periods, plan } => format!("{periods} 超过方案每次 {plan} 课时"),
            NeedsReasonCode { outcome } => format!(
                "{}的送教要写原因：{}",
                outcome.zh(),
                CodeKind::MissReason.words(true)
            ),
            EndsBeforeBegins { end, start } => {
                format!("结束时间（{end}）不能早于开始时间（{start}）")
            }
            GiveStartToo => "请同时填写开始时间".into(),
            GiveEndToo => "请同时填写结束时间".into(),
            NotHappenedYet { day, today } => format!("{day} 还没有到（今天是 {today}）"),
            TeacherBusy { teacher, day, slot } => {
                format!("教师 {teacher} 在 {day} {} 已有其他送教", slot_zh(slot))
            }
            LockedGiveReason { day, days } => {
                format!("{day} 的记录已锁定（超过 {days} 天，修改需要说明原因）：请在“原因”列写明")
            }
            LockedForTeachers { day, days } => {
                format!("{day} 的记录已锁定：超过 {days} 天的记录只有特教专干可以修改")
            }
            PastVisitNotMoved => {
                "已经记录或已经过去的送教不能调动：如有不对，请改正它的记录".into()
            }
            CancelledWhenReplanned { visit } => format!("送教 {visit} 在重新排课时已取消"),
            AppearsTwice { key, first_line } => {
                format!("{key} 重复出现（第一次在第 {first_line} 行）")
            }
            NotRegisteredImportFirst { what, id } => {
                let what = thing_zh(what);
                format!("没有登记{what} {id}（请先导入{what}）")
            }
            NotRegisteredSee { what, id, command } => format!(
                "没有登记{} {id}（见 `songjiao {command} list`）",
                thing_zh(what)
            ),
            NoSuchSee { what, id, command } => {
                format!(
                    "找不到{} {id}：见 `songjiao {command} list`",
                    thing_zh(what)
                )
            }
            NoOpenAlert { id } => format!("找不到未关闭的预警 {id}：见 `songjiao alert list`"),
            NotASchoolDidYouMean { text, meant } => {
                format!("“{text}”不是本区登记的学校；是不是“{meant}”？")
            }
            NotASchool { text } => {
                format!("“{text}”不是本区登记的学校（songjiao school list 可查看已登记的学校）")
            }
            TeacherAccountAsSupervisor { email } => {
                format!("{email} 是教师的账号：督导要用自己的邮箱")
            }
            AccountHearsOwnScope {
                email,
                role,
                schools,
            } => format!(
                "{email} 是{}账号：按账号自己的范围（{}）收到预警，不另设学校；要改范围请用 songjiao user scope",
                role.zh(),
                if schools.is_empty() {
                    "全区".to_string()
                } else {
                    format!("学校：{}", schools.join("、"))
                }
            ),
            AlreadyRegistered { what, id } => {
                format!("已经登记过{} {id}", thing_zh(what))
            }
            PlanExists {
                student,
                year,
                plan,
            } => match plan {
                Some(id) => {
                    format!("{student} 在 {year} 学年已有送教方案（#{id}）：请修订它，不要新建")
                }
                None => format!("{student} 在 {year} 学年的送教方案刚由别人建好：请刷新后修订它"),
            },
            AccountExists { email } => format!("已经有账号 {email}"),
            SchoolNameTaken { old, new } => {
                format!("已有学校叫“{new}”：请把“{old}”合并到它，而不是改名")
            }
            LeaveDecided { status, .. } => format!("这份请假申请已经处理过了（{}）", status.zh()),
            VisitMoveClash {
                teacher, day, slot, ..
            } => format!("教师 {teacher} 在 {day} {} 已有其他送教", slot_zh(slot)),
            SecondFactorInUse => "已经开启了两步验证：要换手机，请先关闭再重新开启".into(),
            NoSecondFactorBeingSetUp => "没有正在设置的两步验证：请重新开始设置".into(),
            RecordLocked { day, days } => {
                format!("{day} 的记录已锁定：超过 {days} 天，修改需要说明原因")
            }
            SayWhyMoved => "请写明调动原因".into(),
            SayWhyCancelled => "请写明取消原因".into(),
            NotATeachingDayToCome { day } => {
                format!("{day} 不是这一周里还没过去的教学日")
            }
            NoTeacherInYourSchools { teacher } => format!("您的学校里没有教师 {teacher}"),
            WrongSecondFactorCode => "验证码不对：请输入验证器 App 现在显示的 6 位数字".into(),
            NeededForNewPlan => "新建送教方案时必填".into(),
            YearHasNoTeachingDay => "这一学年没有教学日".into(),
            IdCannotChange { what } => format!("{}编号不能修改", thing_zh(what)),
            NotYourSchool { school } => format!("{school} 不在您负责的学校中"),
            PauseIsWholeDays => "暂停按整天计：半天的请用教师请假".into(),
            NameNeeded { what } => format!("请填写{}的姓名", thing_zh(what)),
            SchoolNameTooLong => "学校名称要写在一行内，最多 200 个字".into(),
            NotAStatus { text, statuses } => {
                format!("“{text}”不是有效的状态：可用 {}", statuses.join("、"))
            }
            RecordKeyLength => "记录的键应为 1 到 100 个字符".into(),
            KeyUsedForAnotherRecord => "这个键已用于另一条不同的记录：新的记录请用新的键".into(),
            KeyUsedForAnotherVisit => "这个键已用于另一次送教的记录".into(),
            KeyUsedForAnotherRequest => "这个键已用于另一个请求：新的请求请用新的键".into(),
            TooManyPhotos { most, kept, sent } => {
                format!("每条记录最多 {most} 张照片：已有 {kept} 张，又传了 {sent} 张")
            }
            CorrectionNeedsReason => "更正校历要写明原因（依据的通知）".into(),
            TokenLabel { most } => format!("令牌的名称写明用途，1 到 {most} 个字"),
            TokenAtLeastOneDay => "令牌至少有效一天（不填则长期有效）".into(),
            PasswordTooShort { min, length } => {
                format!("密码至少 {min} 个字符（这个有 {length} 个）")
            }
            PasswordTooPlain { classes } => {
                format!("密码至少要包含小写字母、大写字母、数字、其他符号中的 {classes} 种")
            }
            PasswordUnusable => "这个密码不能用：请换一个".into(),
            WrongCurrentPassword => "当前密码不对".into(),
            NotARegisteredTeacher { teacher } => format!("{teacher} 不是已登记的教师"),
            RevisionNeedsReason => "修订送教方案要写明原因".into(),
            NoCalendar { year } => format!("还没有 {year} 学年的校历"),
            HiddenValue => "这是列表里隐藏显示的值（****）：请写真实的值，或留空保持原设置".into(),
            NotAWebAddress { shown } => format!("“{shown}”不是网址"),
            NotHttps { shown } => format!("“{shown}”不是 https:// 开头的网址"),
            AdminSeesDistrict => "管理员的范围是全区".into(),
            TeacherAccountNeedsTeacher => "教师账号要关联一位已登记的教师（--teacher T01）".into(),
            RoleCoversSchools { role } => format!(
                "{}账号的范围是学校（--school）或全区，不能是一位教师",
                role.zh()
            ),
            NameASchool => "请至少写一所学校；不写则为全区".into(),
            BackupFileExists { path } => {
                format!("{path} 已存在：请换一个文件名（备份从不覆盖已有文件）")
            }
            DatabaseNotEmpty { database } => format!(
                "数据库 {database} 不是空的：请恢复到新数据库（新的 SQLite 路径，或用 `createdb` 新建的 PostgreSQL 数据库），再用 --database 指向它"
            ),
            IntegrityCheckFailed { detail } => {
                format!("恢复后的数据库没有通过 SQLite 的完整性检查：{detail}")
            }
            NotASqliteBackup { path, detail } => {
                format!("{path} 不是 songjiao 的 SQLite 备份：{detail}")
            }
            NotAPostgresBackup { path } => format!(
                "{path} 不是 `songjiao backup` 在 PostgreSQL 上做的备份（pg_dump 自定义格式文件）"
            ),
            ToolMissing { tool } => format!(
                "没有安装 {tool}：它属于 PostgreSQL 客户端工具（Debian/Ubuntu：`apt-get install postgresql-client`，版本不低于服务器），或者使用服务器自己的备份"
            ),
        }
    }

    /// The reason in the reader's language.
    pub fn say(&self, chinese: bool) -> String {
        if chinese {
            self.chinese()
        } else {
            self.to_string()
        }
    }
}

/// A column of the sheets and the forms (`student_id`), as its Chinese header.
/// The table lives with the words of the sheets; the core knows the few a
/// reason names.
fn field_zh(field: &str) -> &str {
    match field {
        "teacher_id" => "教师编号",
        "backup_teacher_id" => "备用教师",
        "visits_per_week" => "每周次数",
        "periods_per_visit" => "每次课时",
        "annual_target" => "年度目标课时",
        "start_date" => "开始日期",
        "end_date" => "结束日期",
        "goals" => "目标",
        "status" => "状态",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Words that stay as written under zh-CN: commands, flags, file kinds and
    /// the programs people open.
    const KEPT: &[&str] = &[
        "songjiao",
        "list",
        "alert",
        "school",
        "user",
        "scope",
        "allow",
        "days",
        "teacher",
        "reason",
        "column",
        "database",
        "createdb",
        "apt",
        "get",
        "install",
        "postgresql",
        "client",
        "debian",
        "ubuntu",
        "sqlite",
        "excel",
        "unicode",
        "xlsx",
        "csv",
        "utf",
        "gbk",
        "wps",
        "big",
        "backup",
        "pg_dump",
        "https",
        "null",
    ];

    /// The words of `text` outside “quotes” (what the person wrote) that are
    /// English.
    fn english_words(text: &str) -> Vec<String> {
        let mut unquoted = String::new();
        let mut quoted = false;
        // Flags (`--allow-off-days`) and commands in backticks are typed as shown.
        let mut flag = false;
        for c in text.chars() {
            flag = match c {
                '-' if unquoted.ends_with('-') => true,
                c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => flag,
                _ => false,
            };
            if flag {
                continue;
            }
            match c {
                '“' | '`' if !quoted => quoted = true,
                '”' | '`' => quoted = false,
                c if !quoted => unquoted.push(c),
                _ => {}
            }
        }
        unquoted
            .split(|c: char| {
                !c.is_ascii_alphanumeric() && !matches!(c, '_' | '@' | '.' | '/' | ':')
            })
            .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic() || c == '_'))
            .map(str::to_lowercase)
            .filter(|w| !KEPT.contains(&w.as_str()))
            .collect()
    }

    #[test]
    fn every_kind_of_reason_reads_in_chinese() {
        let examples = vec![
            Reason::CellPastLimits {
                cell: "XFD1048576".into(),
                rows: 300_000,
                columns: 64,
            },
            Reason::WorkbookTooLarge { megabytes: 64 },
            Reason::FileIsWebPage,
            Reason::FileNotText { big5: true },
            Reason::NoColumn {
                column: "student_id".into(),
                aliases: vec!["学生编号".into()],
            },
            Reason::HeaderCloseTo {
                header: "可上门时间".into(),
                likely: "可上门时段".into(),
            },
            Reason::NotACode {
                text: "lost".into(),
                kind: CodeKind::MissReason,
            },
            Reason::NotACode {
                text: "x".into(),
                kind: CodeKind::Gender,
            },
            Reason::UnknownSlot {
                token: "周一晚上".into(),
                slot: "晚上".into(),
                slots: vec!["AM".into(), "PM".into()],
            },
            Reason::PlanRevisionNeedsReason {
                student: "S005".into(),
                year: "2026-2027".into(),
                fields: vec!["teacher_id".into(), "backup_teacher_id".into()],
            },
            Reason::OffDay(Box::new(Reason::Holiday {
                date: day("2026-10-02"),
                name: "国庆节".into(),
            })),
            Reason::Overlaps {
                from: day("2026-12-15"),
                to: day("2026-12-17"),
                others: vec![AbsenceLine {
                    id: 1,
                    from: day("2026-12-16"),
                    to: day("2026-12-16"),
                    slots: vec!["Wed-PM".parse().unwrap()],
                    why: "教研".into(),
                }],
            },
            Reason::NeedsReasonCode {
                outcome: Outcome::Missed,
            },
            Reason::NoPeriodsWhen {
                outcome: Outcome::Cancelled,
                given: 3,
            },
            Reason::TeacherBusy {
                teacher: "T01".into(),
                day: day("2026-12-05"),
                slot: "AM".into(),
            },
            Reason::LockedGiveReason {
                day: day("2026-11-02"),
                days: 30,
            },
            Reason::NotRegisteredImportFirst {
                what: "teacher",
                id: "T09".into(),
            },
            Reason::AccountHearsOwnScope {
                email: "liu@example.org".into(),
                role: Role::Coordinator,
                schools: vec!["城关小学".into()],
            },
            Reason::WeekIsPast {
                week: "2026-W50".into(),
                today: day("2026-12-11"),
            },
            Reason::LeaveDecided {
                id: 3,
                status: LeaveStatus::Approved,
            },
            Reason::PasswordTooPlain { classes: 3 },
            Reason::RoleCoversSchools {
                role: Role::Supervisor,
            },
            Reason::ToolMissing {
                tool: "pg_dump".into(),
            },
            Reason::DatabaseNotEmpty {
                database: "sqlite:///tmp/x.db".into(),
            },
        ];
        for reason in examples {
            let chinese = reason.chinese();
            assert!(
                english_words(&chinese).is_empty(),
                "{reason:?} reads {chinese} ({:?})",
                english_words(&chinese)
            );
            assert_ne!(chinese, reason.to_string());
        }
    }

    #[test]
    fn codes_and_slots_are_shown_as_words() {
        let lost = Reason::NotACode {
            text: "lost".into(),
            kind: CodeKind::MissReason,
        };
        assert!(lost.chinese().contains("家长不在家"), "{}", lost.chinese());
        assert!(lost.to_string().contains("student_ill"), "{lost}");
        let busy = Reason::TeacherBusy {
            teacher: "T01".into(),
            day: day("2026-12-05"),
            slot: "PM".into(),
        };
        assert_eq!(busy.chinese(), "教师 T01 在 2026-12-05 下午 已有其他送教");
        let overlap = Reason::Overlaps {
            from: day("2026-12-15"),
            to: day("2026-12-17"),
            others: vec![AbsenceLine {
                id: 3,
                from: day("2026-12-16"),
                to: day("2026-12-16"),
                slots: vec!["Wed-AM".parse().unwrap()],
                why: String::new(),
            }],
        };
        assert_eq!(
            overlap.chinese(),
            "2026-12-15 至 2026-12-17 与已有的 #3 2026-12-16 至 2026-12-16 周三上午 重叠：请先修改、结束或删除它（用前面的编号）"
        );
        assert_eq!(
            overlap.to_string(),
            "2026-12-15 to 2026-12-17 overlaps #3 2026-12-16 to 2026-12-16 Wed-AM: change, end or remove it first"
        );
    }
}
