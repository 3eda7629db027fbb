//! The school calendar as a year of month grids (`/school-calendar`): teaching
//! days, holidays, make-up workdays (with the weekday whose timetable they
//! follow), the days outside the terms; entries not yet announced officially
//! are marked provisional. Read from the calendar files the daemon plans with.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

use super::App;
use super::pages::{UserBar, bar, failed, render, signed_in};
use super::words::{Words, words};
use crate::domain::calendar::{SchoolCalendar, SchoolYear};
use crate::service::ServiceError;

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
}

pub async fn show(
    State(app): State<Arc<App>>,
    Query(query): Query<CalendarQuery>,
    headers: HeaderMap,
) -> Response {
    let (actor, _) = match signed_in(&app, &headers, "/school-calendar").await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let today = app
        .now()
        .with_timezone(&app.settings.time_zone)
        .date_naive();
    let year = query
        .year
        .as_deref()
        .and_then(|y| y.split('-').next()?.parse::<i32>().ok())
        .map_or_else(|| SchoolYear::containing(today), SchoolYear::starting);
    let calendar = match app.settings.calendar(year) {
        Ok(calendar) => calendar,
        Err(reason) => return failed(&app, bar(&actor), ServiceError::Settings(reason)),
    };
    render(
        StatusCode::OK,
        &CalendarPage {
            t: words(app.settings.locale),
            user: bar(&actor),
            year: year.to_string(),
            previous: SchoolYear::starting(year.first_day().year() - 1).to_string(),
            next: SchoolYear::starting(year.first_day().year() + 1).to_string(),
            teaching_days: calendar.teaching_days().len(),
            months: months(&calendar),
        },
    )
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
