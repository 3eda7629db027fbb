//! The school calendar as a year of month grids (`/school-calendar`): teaching
//! days, holidays, make-up workdays (with the weekday whose timetable they
//! follow), the days outside the terms; entries not yet announced officially
//! are marked provisional. The district's coordinators and admins correct an
//! entry (`/school-calendar/{year}/entry`), with a reason the audit keeps.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

use super::App;
use super::page::{SignedIn, UserBar, bar, failed, render};
use super::words::{Words, words};
use crate::domain::calendar::{Holiday, MakeUpWorkday, SchoolCalendar, SchoolYear, Term};
use crate::domain::calendar_correction::{self, Entry, EntryKind, EntryRef};
use crate::service::plan_week::format_week;
use crate::service::school_calendar::{self, Correction};
use crate::service::{Actor, ServiceError};

/// What a day of the grid is.
pub enum DayKind {
    Teaching,
    Holiday {
        name: String,
        provisional: bool,
    },
    MakeUp {
        name: String,
        follows: usize,
        provisional: bool,
    },
    NoSchool,
}

pub struct Day {
    pub date: NaiveDate,
    pub kind: DayKind,
}

pub struct Month {
    pub year: i32,
    pub month: u32,
    /// Weeks from Monday; None outside the month.
    pub weeks: Vec<[Option<Day>; 7]>,
}

fn kind(calendar: &SchoolCalendar, date: NaiveDate) -> DayKind {
    if let Some(w) = calendar.make_up_workday(date) {
        return DayKind::MakeUp {
            name: w.name.clone(),
            follows: w.follows.num_days_from_monday() as usize,
            provisional: w.provisional,
        };
    }
    if let Some(h) = calendar.holiday_on(date) {
        return DayKind::Holiday {
            name: h.name.clone(),
            provisional: h.provisional,
        };
    }
    if calendar.is_teaching_day(date) {
        DayKind::Teaching
    } else {
        DayKind::NoSchool
    }
}

/// The school year's months, from its first day (1 August) to its last.
pub fn months(calendar: &SchoolCalendar) -> Vec<Month> {
    let first = calendar.year.first_day();
    (0..12)
        .map(|i| {
            let start = first
                .checked_add_months(chrono::Months::new(i))
                .unwrap_or(first);
            let start = start.with_day(1).unwrap_or(start);
            let next = start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(start);
            let mut weeks = Vec::new();
            let mut week: [Option<Day>; 7] = Default::default();
            let mut day = start;
            while day < next {
                let at = day.weekday().num_days_from_monday() as usize;
                week[at] = Some(Day {
                    date: day,
                    kind: kind(calendar, day),
                });
                if at == 6 {
                    weeks.push(std::mem::take(&mut week));
                }
                day += Duration::days(1);
            }
            if week.iter().any(Option::is_some) {
                weeks.push(week);
            }
            Month {
                year: start.year(),
                month: start.month(),
                weeks,
            }
        })
        .collect()
}

/// One entry of the calendar in the entries' table.
pub struct EntryRow {
    pub at: String,
    pub kind: &'static str,
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The weekday a make-up workday follows.
    pub follows: Option<usize>,
    pub provisional: bool,
}

fn entry_rows(t: &Words, calendar: &SchoolCalendar) -> Vec<EntryRow> {
    let at = |kind, i| EntryRef { kind, at: Some(i) }.to_string();
    let terms = calendar.terms.iter().enumerate().map(|(i, term)| EntryRow {
        at: at(EntryKind::Term, i),
        kind: t.calendar.kind(EntryKind::Term),
        name: term.name.clone(),
        start: term.start,
        end: term.end,
        follows: None,
        provisional: false,
    });
    let holidays = calendar.holidays.iter().enumerate().map(|(i, h)| EntryRow {
        at: at(EntryKind::Holiday, i),
        kind: t.calendar.kind(EntryKind::Holiday),
        name: h.name.clone(),
        start: h.start,
        end: h.end,
        follows: None,
        provisional: h.provisional,
    });
    let make_ups = calendar
        .make_up_workdays
        .iter()
        .enumerate()
        .map(|(i, day)| EntryRow {
            at: at(EntryKind::MakeUp, i),
            kind: t.calendar.kind(EntryKind::MakeUp),
            name: day.name.clone(),
            start: day.date,
            end: day.date,
            follows: Some(day.follows.num_days_from_monday() as usize),
            provisional: day.provisional,
        });
    let mut rows: Vec<EntryRow> = terms.chain(holidays).chain(make_ups).collect();
    rows.sort_by_key(|row| row.start);
    rows
}

/// A day that lost its teaching but keeps planned visits, with its week's board.
pub struct Stranded {
    pub day: NaiveDate,
    pub visits: i64,
    pub week: String,
}

#[derive(Template)]
#[template(path = "web/school_calendar.html")]
struct CalendarPage {
    t: &'static Words,
    user: Option<UserBar>,
    year: String,
    previous: String,
    next: String,
    months: Vec<Month>,
    teaching_days: usize,
    entries: Vec<EntryRow>,
    may_correct: bool,
    corrected: Option<String>,
    stranded: Vec<Stranded>,
    saved: bool,
}

impl CalendarPage {
    /// A weekday's one-letter name for a narrow column: 一 for 周一, M for Mon.
    fn initial(&self, weekday: &str) -> String {
        let chars: Vec<char> = weekday.chars().collect();
        let at = if self.t.lang == "zh-CN" {
            chars.len().saturating_sub(1)
        } else {
            0
        };
        chars.get(at).map(char::to_string).unwrap_or_default()
    }
}

#[derive(Deserialize)]
pub struct CalendarQuery {
    year: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

fn school_year(text: &str) -> Option<SchoolYear> {
    text.split('-')
        .next()?
        .parse::<i32>()
        .ok()
        .map(SchoolYear::starting)
}

pub async fn show(
    State(app): State<Arc<App>>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<CalendarQuery>,
) -> Response {
    let today = app
        .now()
        .with_timezone(&app.settings.time_zone)
        .date_naive();
    let year = query
        .year
        .as_deref()
        .and_then(school_year)
        .unwrap_or_else(|| SchoolYear::containing(today));
    let view = match school_calendar::year(&app.store, &app.settings, &actor, year).await {
        Ok(view) => view,
        Err(error) => return failed(&app, bar(&actor), error),
    };
    let t = words(app.settings.locale);
    let zone = app.settings.time_zone;
    let calendar = &view.calendar;
    render(
        StatusCode::OK,
        &CalendarPage {
            t,
            user: bar(&actor),
            year: year.to_string(),
            previous: SchoolYear::starting(year.first_day().year() - 1).to_string(),
            next: SchoolYear::starting(year.first_day().year() + 1).to_string(),
            teaching_days: calendar.teaching_days().len(),
            months: months(calendar),
            entries: entry_rows(t, calendar),
            may_correct: school_calendar::may_correct(&actor),
            corrected: view.corrected.map(|c| {
                format!(
                    "{} {} {}",
                    c.by.strip_prefix("user:").unwrap_or(&c.by),
                    c.at.with_timezone(&zone).format("%Y-%m-%d %H:%M"),
                    t.calendar.file_not_read
                )
            }),
            stranded: view
                .stranded
                .into_iter()
                .map(|(day, visits)| Stranded {
                    day,
                    visits,
                    week: format_week(day.iso_week()),
                })
                .collect(),
            saved: query.saved.is_some(),
        },
    )
}

/// The correction form of one entry, with what was typed and its problem.
#[derive(Template)]
#[template(path = "web/calendar_entry.html")]
struct EntryPage {
    t: &'static Words,
    user: Option<UserBar>,
    year: String,
    at: String,
    kind: EntryKind,
    is_new: bool,
    fields: EntryFields,
    problem: Option<(String, &'static str)>,
}

impl EntryPage {
    /// The problem's text when it belongs to `field`.
    fn problem_at(&self, field: &str) -> Option<&str> {
        self.problem
            .as_ref()
            .filter(|(_, at)| *at == field)
            .map(|(text, _)| text.as_str())
    }

    fn kind_name(&self) -> &'static str {
        self.t.calendar.kind(self.kind)
    }
}

/// The form's fields as typed (dates as `YYYY-MM-DD`, `follows` 0 for Monday).
#[derive(Deserialize, Default)]
pub struct EntryFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    follows: String,
    #[serde(default)]
    provisional: Option<String>,
    #[serde(default)]
    reason: String,
    /// Present when the remove button sent the form.
    #[serde(default)]
    remove: Option<String>,
}

impl EntryFields {
    fn of(entry: &Entry) -> Self {
        let (name, start, end, follows, provisional) = match entry {
            Entry::Term(t) => (t.name.clone(), t.start, t.end, None, false),
            Entry::Holiday(h) => (h.name.clone(), h.start, h.end, None, h.provisional),
            Entry::MakeUp(d) => (
                d.name.clone(),
                d.date,
                d.date,
                Some(d.follows),
                d.provisional,
            ),
        };
        Self {
            name,
            start: start.to_string(),
            end: end.to_string(),
            follows: follows
                .map(|w| w.num_days_from_monday().to_string())
                .unwrap_or_default(),
            provisional: provisional.then(|| "on".to_string()),
            reason: String::new(),
            remove: None,
        }
    }

    fn ticked(&self) -> bool {
        self.provisional.is_some()
    }

    /// The entry the fields describe, or the field that cannot be read.
    fn entry(&self, kind: EntryKind) -> Result<Entry, &'static str> {
        let date = |text: &str, field| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| field)
        };
        let name = self.name.trim().to_string();
        let provisional = self.provisional.is_some();
        Ok(match kind {
            EntryKind::Term => Entry::Term(Term {
                name,
                start: date(&self.start, "start")?,
                end: date(&self.end, "end")?,
            }),
            EntryKind::Holiday => Entry::Holiday(Holiday {
                name,
                start: date(&self.start, "start")?,
                end: date(&self.end, "end")?,
                provisional,
            }),
            EntryKind::MakeUp => Entry::MakeUp(MakeUpWorkday {
                date: date(&self.start, "start")?,
                follows: self
                    .follows
                    .parse::<u8>()
                    .ok()
                    .and_then(|n| Weekday::try_from(n).ok())
                    .ok_or("follows")?,
                name,
                provisional,
            }),
        })
    }
}

#[derive(Deserialize)]
pub struct EntryQuery {
    at: String,
}

/// The correctors' way in; others read the calendar, never this form.
async fn corrector(
    app: &App,
    signed: SignedIn,
    year: &str,
    at: &str,
) -> Result<(Actor, SchoolYear, EntryRef), Response> {
    let actor = signed.actor;
    let not_found = || {
        failed(
            app,
            bar(&actor),
            ServiceError::NotFound {
                what: "calendar entry",
                id: at.to_string(),
            },
        )
    };
    if !school_calendar::may_correct(&actor) {
        return Err(failed(
            app,
            bar(&actor),
            ServiceError::Forbidden("the calendar is the district's".into()),
        ));
    }
    let (Some(year), Some(at)) = (school_year(year), EntryRef::parse(at)) else {
        return Err(not_found());
    };
    Ok((actor, year, at))
}

pub async fn entry_form(
    State(app): State<Arc<App>>,
    Path(year): Path<String>,
    Query(query): Query<EntryQuery>,
    signed: SignedIn,
) -> Response {
    let (actor, year, at) = match corrector(&app, signed, &year, &query.at).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let calendar = match app.settings.calendar(year) {
        Ok(calendar) => calendar,
        Err(reason) => return failed(&app, bar(&actor), ServiceError::Settings(reason)),
    };
    let fields = match (at.at, calendar_correction::entry(&calendar, at)) {
        (None, _) => EntryFields::default(),
        (Some(_), Some(entry)) => EntryFields::of(&entry),
        (Some(_), None) => {
            return failed(
                &app,
                bar(&actor),
                ServiceError::NotFound {
                    what: "calendar entry",
                    id: query.at,
                },
            );
        }
    };
    entry_page(&app, &actor, year, at, fields, None)
}

fn entry_page(
    app: &App,
    actor: &Actor,
    year: SchoolYear,
    at: EntryRef,
    fields: EntryFields,
    problem: Option<(String, &'static str)>,
) -> Response {
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(
        status,
        &EntryPage {
            t: words(app.settings.locale),
            user: bar(actor),
            year: year.to_string(),
            at: at.to_string(),
            kind: at.kind,
            is_new: at.at.is_none(),
            fields,
            problem,
        },
    )
}

pub async fn save_entry(
    State(app): State<Arc<App>>,
    Path(year): Path<String>,
    Query(query): Query<EntryQuery>,
    signed: SignedIn,
    Form(fields): Form<EntryFields>,
) -> Response {
    let (actor, year, at) = match corrector(&app, signed, &year, &query.at).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let t = words(app.settings.locale);
    let entry = if fields.remove.is_some() {
        None
    } else {
        match fields.entry(at.kind) {
            Ok(entry) => Some(entry),
            Err(field) => {
                let text = t.calendar.date_missing.to_string();
                return entry_page(&app, &actor, year, at, fields, Some((text, field)));
            }
        }
    };
    if fields.reason.trim().is_empty() {
        let text = t.calendar.reason_missing.to_string();
        return entry_page(&app, &actor, year, at, fields, Some((text, "reason")));
    }
    let correction = Correction {
        at,
        entry,
        reason: fields.reason.clone(),
    };
    match school_calendar::correct(
        &app.store,
        &app.settings,
        &actor,
        app.now(),
        year,
        &correction,
    )
    .await
    {
        Ok(Ok(())) => {
            Redirect::to(&format!("/school-calendar?year={year}&saved=1")).into_response()
        }
        Ok(Err(problem)) => {
            let text = t.calendar.problem(&problem);
            entry_page(
                &app,
                &actor,
                year,
                at,
                fields,
                Some((text, problem.field())),
            )
        }
        Err(error) => failed(&app, bar(&actor), error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_shows_holidays_make_up_days_and_teaching_days() {
        let calendar =
            SchoolCalendar::from_toml(include_str!("../../config/calendar/2026-2027.toml"))
                .unwrap();
        let months = months(&calendar);
        assert_eq!((months[0].year, months[0].month), (2026, 8));
        assert_eq!((months[11].year, months[11].month), (2027, 7));
        let day = |y, m, d| {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            months
                .iter()
                .flat_map(|m| m.weeks.iter().flatten().flatten())
                .find(|day| day.date == date)
                .map(|day| &day.kind)
                .unwrap()
        };
        assert!(matches!(day(2026, 10, 1), DayKind::Holiday { .. }));
        assert!(matches!(
            day(2026, 10, 10),
            DayKind::MakeUp {
                provisional: false,
                ..
            }
        ));
        assert!(matches!(day(2026, 11, 30), DayKind::Teaching));
        assert!(matches!(day(2026, 11, 29), DayKind::NoSchool));
        assert!(
            matches!(day(2026, 8, 3), DayKind::NoSchool),
            "before the first term"
        );
        let counted = months
            .iter()
            .flat_map(|m| m.weeks.iter().flatten().flatten())
            .filter(|d| matches!(d.kind, DayKind::Teaching | DayKind::MakeUp { .. }))
            .count();
        assert_eq!(counted, calendar.teaching_days().len());
    }
}
