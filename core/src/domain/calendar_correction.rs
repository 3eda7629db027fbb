//! Correcting one entry of a school year's calendar: a holiday announced after
//! the file was written, a make-up workday moved, a term that starts later. The
//! change is checked field by field, so that the person correcting it is told
//! which field is wrong, and gives the whole corrected calendar.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use super::calendar::{Holiday, MakeUpWorkday, SchoolCalendar, Term};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Term,
    Holiday,
    MakeUp,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Term => "term",
            Self::Holiday => "holiday",
            Self::MakeUp => "make-up",
        }
    }
}

/// Which entry: the `at`-th of its kind, or a new one. Written `holiday:3` or
/// `holiday:new` in forms and links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryRef {
    pub kind: EntryKind,
    pub at: Option<usize>,
}

impl EntryRef {
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, at) = text.split_once(':')?;
        let kind = match kind {
            "term" => EntryKind::Term,
            "holiday" => EntryKind::Holiday,
            "make-up" => EntryKind::MakeUp,
            _ => return None,
        };
        let at = match at {
            "new" => None,
            number => Some(number.parse().ok()?),
        };
        Some(Self { kind, at })
    }
}

impl std::fmt::Display for EntryRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some(at) => write!(f, "{}:{at}", self.kind.as_str()),
            None => write!(f, "{}:new", self.kind.as_str()),
        }
    }
}

/// An entry's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Entry {
    Term(Term),
    Holiday(Holiday),
    MakeUp(MakeUpWorkday),
}

impl Entry {
    fn kind(&self) -> EntryKind {
        match self {
            Self::Term(_) => EntryKind::Term,
            Self::Holiday(_) => EntryKind::Holiday,
            Self::MakeUp(_) => EntryKind::MakeUp,
        }
    }
}

/// What is wrong with a correction, and so which field the form marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    NoSuchEntry,
    /// A year keeps its terms: their dates are corrected, not removed.
    TermsStay,
    NameMissing,
    EndsBeforeStart,
    OutsideYear,
    OverlapsTerm,
    NotAWeekend,
    FollowsWeekend,
    InsideHoliday,
    SameDayTwice,
    /// The corrected calendar fails a check the fields do not cover.
    Other(String),
}

impl Problem {
    /// The form's field the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NameMissing => "name",
            Self::EndsBeforeStart => "end",
            Self::FollowsWeekend => "follows",
            Self::OutsideYear
            | Self::OverlapsTerm
            | Self::NotAWeekend
            | Self::InsideHoliday
            | Self::SameDayTwice => "start",
            Self::NoSuchEntry | Self::TermsStay | Self::Other(_) => "entry",
        }
    }
}

/// The entry `entry` refers to, if it exists.
pub fn entry(calendar: &SchoolCalendar, entry: EntryRef) -> Option<Entry> {
    let at = entry.at?;
    match entry.kind {
        EntryKind::Term => calendar.terms.get(at).cloned().map(Entry::Term),
        EntryKind::Holiday => calendar.holidays.get(at).cloned().map(Entry::Holiday),
        EntryKind::MakeUp => calendar
            .make_up_workdays
            .get(at)
            .cloned()
            .map(Entry::MakeUp),
    }
}

/// The calendar with `at` set to `new` (added when `at` is a new entry), or
/// removed when `new` is None.
pub fn correct(
    calendar: &SchoolCalendar,
    at: EntryRef,
    new: Option<Entry>,
) -> Result<SchoolCalendar, Problem> {
    if at.at.is_some() && entry(calendar, at).is_none() {
        return Err(Problem::NoSuchEntry);
    }
    if new.as_ref().is_some_and(|new| new.kind() != at.kind) {
        return Err(Problem::NoSuchEntry);
    }
    let mut terms = calendar.terms.clone();
    let mut holidays = calendar.holidays.clone();
    let mut make_ups = calendar.make_up_workdays.clone();
    match (at.kind, at.at) {
        (EntryKind::Term, Some(i)) => {
            terms.remove(i);
        }
        (EntryKind::Holiday, Some(i)) => {
            holidays.remove(i);
        }
        (EntryKind::MakeUp, Some(i)) => {
            make_ups.remove(i);
        }
        (_, None) => {}
    }
    let year = calendar.year;
    let in_year = |from: NaiveDate, to: NaiveDate| year.contains(from) && year.contains(to);
    match new {
        None if at.kind == EntryKind::Term => return Err(Problem::TermsStay),
        None if at.at.is_none() => return Err(Problem::NoSuchEntry),
        None => {}
        Some(Entry::Term(term)) => {
            check_span(term.start, term.end, &in_year)?;
            if terms
                .iter()
                .any(|other| other.start <= term.end && term.start <= other.end)
            {
                return Err(Problem::OverlapsTerm);
            }
            terms.push(term);
        }
        Some(Entry::Holiday(holiday)) => {
            if holiday.name.trim().is_empty() {
                return Err(Problem::NameMissing);
            }
            check_span(holiday.start, holiday.end, &in_year)?;
            if make_ups
                .iter()
                .any(|day| holiday.start <= day.date && day.date <= holiday.end)
            {
                return Err(Problem::InsideHoliday);
            }
            holidays.push(holiday);
        }
        Some(Entry::MakeUp(day)) => {
            if !in_year(day.date, day.date) {
                return Err(Problem::OutsideYear);
            }
            if !matches!(day.date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(Problem::NotAWeekend);
            }
            if matches!(day.follows, Weekday::Sat | Weekday::Sun) {
                return Err(Problem::FollowsWeekend);
            }
            if holidays
                .iter()
                .any(|h| h.start <= day.date && day.date <= h.end)
            {
                return Err(Problem::InsideHoliday);
            }
            if make_ups.iter().any(|other| other.date == day.date) {
                return Err(Problem::SameDayTwice);
            }
            make_ups.push(day);
        }
    }
    terms.sort_by_key(|t| t.start);
    holidays.sort_by_key(|h| h.start);
    make_ups.sort_by_key(|d| d.date);
    SchoolCalendar::new(year, terms, holidays, make_ups).map_err(Problem::Other)
}

fn check_span(
    start: NaiveDate,
    end: NaiveDate,
    in_year: &impl Fn(NaiveDate, NaiveDate) -> bool,
) -> Result<(), Problem> {
    if end < start {
        return Err(Problem::EndsBeforeStart);
    }
    if !in_year(start, end) {
        return Err(Problem::OutsideYear);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::tests::day;

    fn shipped() -> SchoolCalendar {
        SchoolCalendar::from_toml(include_str!("../../../config/calendar/2026-2027.toml")).unwrap()
    }

    fn holiday_named(calendar: &SchoolCalendar, name: &str) -> EntryRef {
        let at = calendar
            .holidays
            .iter()
            .position(|h| h.name.contains(name))
            .unwrap();
        EntryRef {
            kind: EntryKind::Holiday,
            at: Some(at),
        }
    }

    #[test]
    fn a_provisional_holiday_confirmed_with_other_dates_moves_the_teaching_days() {
        let calendar = shipped();
        let at = holiday_named(&calendar, "清明");
        let Some(Entry::Holiday(old)) = entry(&calendar, at) else {
            panic!("清明 is a holiday")
        };
        assert!(old.provisional);
        let mut new = old.clone();
        new.start = day("2027-04-05");
        new.end = day("2027-04-07");
        new.provisional = false;
        let corrected = correct(&calendar, at, Some(Entry::Holiday(new.clone()))).unwrap();
        assert!(corrected.holidays.contains(&new));
        assert!(!corrected.holidays.contains(&old));
        assert!(!corrected.is_teaching_day(day("2027-04-07")));
        assert_eq!(
            corrected.holidays.len(),
            calendar.holidays.len(),
            "replaced, not added"
        );
        let read_back = SchoolCalendar::from_toml(&corrected.to_toml()).unwrap();
        assert_eq!(read_back, corrected);
    }

    #[test]
    fn each_wrong_field_is_named() {
        let calendar = shipped();
        let new_holiday = |name: &str, start: &str, end: &str| {
            Some(Entry::Holiday(Holiday {
                name: name.into(),
                start: day(start),
                end: day(end),
                provisional: false,
            }))
        };
        let holiday = EntryRef {
            kind: EntryKind::Holiday,
            at: None,
        };
        let problem = |new| correct(&calendar, holiday, new).unwrap_err();
        assert_eq!(
            problem(new_holiday("", "2026-12-01", "2026-12-02")),
            Problem::NameMissing
        );
        assert_eq!(
            problem(new_holiday("校庆", "2026-12-03", "2026-12-01")).field(),
            "end"
        );
        assert_eq!(
            problem(new_holiday("校庆", "2027-08-03", "2027-08-04")),
            Problem::OutsideYear
        );
        let make_up = EntryRef {
            kind: EntryKind::MakeUp,
            at: None,
        };
        let new_make_up = |date: &str, follows| {
            Some(Entry::MakeUp(MakeUpWorkday {
                date: day(date),
                follows,
                name: String::new(),
                provisional: false,
            }))
        };
        let problem = |new| correct(&calendar, make_up, new).unwrap_err();
        assert_eq!(
            problem(new_make_up("2026-12-02", Weekday::Mon)),
            Problem::NotAWeekend
        );
        assert_eq!(
            problem(new_make_up("2026-12-05", Weekday::Sun)).field(),
            "follows"
        );
        assert_eq!(
            problem(new_make_up("2026-10-03", Weekday::Mon)),
            Problem::InsideHoliday
        );
        let added = correct(&calendar, make_up, new_make_up("2026-12-05", Weekday::Fri)).unwrap();
        assert!(added.is_teaching_day(day("2026-12-05")));
        assert_eq!(
            correct(&added, make_up, new_make_up("2026-12-05", Weekday::Mon)).unwrap_err(),
            Problem::SameDayTwice
        );
    }

    #[test]
    fn terms_are_corrected_not_removed_and_never_overlap() {
        let calendar = shipped();
        let first = EntryRef {
            kind: EntryKind::Term,
            at: Some(0),
        };
        assert_eq!(
            correct(&calendar, first, None).unwrap_err(),
            Problem::TermsStay
        );
        let Some(Entry::Term(mut term)) = entry(&calendar, first) else {
            panic!("a first term")
        };
        term.end = calendar.terms[1].start;
        assert_eq!(
            correct(&calendar, first, Some(Entry::Term(term.clone()))).unwrap_err(),
            Problem::OverlapsTerm
        );
        term.start = day("2026-09-07");
        term.end = calendar.terms[0].end;
        let later = correct(&calendar, first, Some(Entry::Term(term))).unwrap();
        assert!(!later.is_teaching_day(day("2026-09-01")));
        assert!(
            later.teaching_days().len() < calendar.teaching_days().len(),
            "a later start has fewer teaching days"
        );
    }

    #[test]
    fn a_holiday_is_removed_and_its_days_teach_again() {
        let calendar = shipped();
        let at = holiday_named(&calendar, "清明");
        let Some(Entry::Holiday(old)) = entry(&calendar, at) else {
            panic!("清明 is a holiday")
        };
        let removed = correct(&calendar, at, None).unwrap();
        assert_eq!(removed.holidays.len(), calendar.holidays.len() - 1);
        let weekdays = |c: &SchoolCalendar| c.teaching_days_between(old.start, old.end).len();
        assert!(weekdays(&removed) > weekdays(&calendar));
        assert_eq!(
            EntryRef::parse(&at.to_string()),
            Some(at),
            "written and read back"
        );
        assert_eq!(EntryRef::parse("holiday:x"), None);
    }
}
