//! The school calendar: terms, statutory holidays and make-up workdays (调休上班日).
//! The one place that decides what a teaching day is.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, IsoWeek, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize};

use super::slot::weekday_name;

/// A school year such as `2026-2027`: from August of its first year to July of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchoolYear {
    first: i32,
}

impl SchoolYear {
    pub fn starting(first: i32) -> Self {
        Self { first }
    }

    /// The school year a date belongs to: August starts the new year.
    pub fn containing(date: NaiveDate) -> Self {
        let first = if date.month() >= 8 {
            date.year()
        } else {
            date.year() - 1
        };
        Self { first }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.first, 8, 1).expect("1 August exists")
    }

    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.first + 1, 7, 31).expect("31 July exists")
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Self::containing(date) == self
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.first + 1)
    }
}

impl FromStr for SchoolYear {
    type Err = crate::reason::Reason;
    fn from_str(text: &str) -> Result<Self, crate::reason::Reason> {
        let bad = || crate::reason::Reason::NotASchoolYear {
            text: text.to_string(),
        };
        let (a, b) = text.trim().split_once('-').ok_or_else(bad)?;
        let first: i32 = a.parse().map_err(|_| bad())?;
        let second: i32 = b.parse().map_err(|_| bad())?;
        if second != first + 1 || !(2000..=2200).contains(&first) {
            return Err(bad());
        }
        Ok(Self { first })
    }
}

impl Serialize for SchoolYear {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SchoolYear {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(deserialize_with = "date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "date")]
    pub end: NaiveDate,
}

/// Days off inside a term: a statutory holiday with the weekend days around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub name: String,
    #[serde(deserialize_with = "date")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "date")]
    pub end: NaiveDate,
    /// Not yet announced officially: entered as the usual pattern.
    #[serde(default)]
    pub provisional: bool,
}

/// A Saturday or Sunday that is a working day, following a weekday's timetable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakeUpWorkday {
    #[serde(deserialize_with = "date")]
    pub date: NaiveDate,
    #[serde(with = "super::slot::weekday_short")]
    pub follows: Weekday,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub provisional: bool,
}

/// A school year's calendar. Read-only once built: its teaching days are worked
/// out once, on first use (pace asks for them for every plan).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolCalendar {
    pub year: SchoolYear,
    pub terms: Vec<Term>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    #[serde(default)]
    pub make_up_workdays: Vec<MakeUpWorkday>,
    #[serde(skip)]
    days: std::sync::OnceLock<Vec<NaiveDate>>,
}

impl PartialEq for SchoolCalendar {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.year,
            &self.terms,
            &self.holidays,
            &self.make_up_workdays,
        ) == (
            &other.year,
            &other.terms,
            &other.holidays,
            &other.make_up_workdays,
        )
    }
}

impl Eq for SchoolCalendar {}

/// An entry of the calendar not yet officially announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionalEntry {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Accepts a TOML date (`2025-09-01`) or the same in quotes.
fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum DateInput {
        Text(String),
        Toml(toml::value::Datetime),
    }
    let text = match DateInput::deserialize(d)? {
        DateInput::Text(text) => text,
        DateInput::Toml(datetime) => datetime.to_string(),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a date like 2026-09-01")))
}

impl SchoolCalendar {
    /// Reads and checks a calendar file's text.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let calendar: SchoolCalendar = toml::from_str(text).map_err(|e| e.to_string())?;
        calendar.check()?;
        Ok(calendar)
    }

    /// A calendar from its entries, checked as a file is.
    pub fn new(
        year: SchoolYear,
        terms: Vec<Term>,
        holidays: Vec<Holiday>,
        make_up_workdays: Vec<MakeUpWorkday>,
    ) -> Result<Self, String> {
        let calendar = Self {
            year,
            terms,
            holidays,
            make_up_workdays,
            days: std::sync::OnceLock::new(),
        };
        calendar.check()?;
        Ok(calendar)
    }

    /// The calendar in its file's form: what `from_toml` reads back.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a calendar is plain dates, names and flags")
    }

    fn check(&self) -> Result<(), String> {
        let year = self.year;
        if self.terms.is_empty() {
            return Err("a school year needs at least one [[terms]] entry".into());
        }
        for (i, term) in self.terms.iter().enumerate() {
            if term.start > term.end {
                return Err(format!("term {} ends before it starts", i + 1));
            }
            if !year.contains(term.start) || !year.contains(term.end) {
                return Err(format!(
                    "term {} ({} to {}) lies outside the school year {year} (August to July)",
                    i + 1,
                    term.start,
                    term.end
                ));
            }
            if i > 0 && term.start <= self.terms[i - 1].end {
                return Err(format!("term {} starts before term {} ends", i + 1, i));
            }
        }
        for holiday in &self.holidays {
            if holiday.start > holiday.end {
                return Err(format!("holiday {} ends before it starts", holiday.name));
            }
            if !year.contains(holiday.start) || !year.contains(holiday.end) {
                return Err(format!(
                    "holiday {} ({} to {}) lies outside the school year {year}",
                    holiday.name, holiday.start, holiday.end
                ));
            }
        }
        for day in &self.make_up_workdays {
            if !year.contains(day.date) {
                return Err(format!(
                    "make-up workday {} lies outside the school year {year}",
                    day.date
                ));
            }
            if !matches!(day.date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(format!(
                    "make-up workday {} is a {}: only a Saturday or Sunday can be one",
                    day.date,
                    weekday_name(day.date.weekday())
                ));
            }
            if matches!(day.follows, Weekday::Sat | Weekday::Sun) {
                return Err(format!(
                    "make-up workday {} must follow a weekday's timetable (Mon to Fri)",
                    day.date
                ));
            }
            if self.holiday_on(day.date).is_some() {
                return Err(format!(
                    "make-up workday {} falls inside a holiday",
                    day.date
                ));
            }
        }
        Ok(())
    }

    pub fn holiday_on(&self, day: NaiveDate) -> Option<&Holiday> {
        self.holidays
            .iter()
            .find(|h| h.start <= day && day <= h.end)
    }

    pub fn make_up_workday(&self, day: NaiveDate) -> Option<&MakeUpWorkday> {
        self.make_up_workdays.iter().find(|w| w.date == day)
    }

    pub fn in_term(&self, day: NaiveDate) -> bool {
        self.terms.iter().any(|t| t.start <= day && day <= t.end)
    }

    /// The weekday whose timetable (and so whose weekly availability) applies on a
    /// teaching day: its own, or the one a make-up workday follows. None when the
    /// day is not a teaching day.
    pub fn timetable_weekday(&self, day: NaiveDate) -> Option<Weekday> {
        if !self.in_term(day) {
            return None;
        }
        if let Some(workday) = self.make_up_workday(day) {
            return Some(workday.follows);
        }
        let weekday = day.weekday();
        let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
        (!weekend && self.holiday_on(day).is_none()).then_some(weekday)
    }

    pub fn is_teaching_day(&self, day: NaiveDate) -> bool {
        self.timetable_weekday(day).is_some()
    }

    /// Every teaching day of the year, in order.
    pub fn teaching_days(&self) -> Vec<NaiveDate> {
        self.year_days().to_vec()
    }

    /// Teaching days from `from` to `to`, both included.
    pub fn teaching_days_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let days = self.year_days();
        let first = days.partition_point(|&d| d < from);
        let last = days.partition_point(|&d| d <= to);
        days[first..last.max(first)].to_vec()
    }

    fn year_days(&self) -> &[NaiveDate] {
        self.days.get_or_init(|| {
            let mut days = Vec::new();
            for term in &self.terms {
                let mut day = term.start;
                while day <= term.end {
                    if self.is_teaching_day(day) {
                        days.push(day);
                    }
                    day += Duration::days(1);
                }
            }
            // Terms are checked to be in order and apart; sorting keeps the search
            // right for a calendar built by hand.
            days.sort_unstable();
            days
        })
    }

    /// ISO weeks holding at least one teaching day.
    pub fn teaching_weeks(&self) -> usize {
        let mut weeks: Vec<_> = self.teaching_days().iter().map(|d| d.iso_week()).collect();
        weeks.dedup();
        weeks.len()
    }

    /// The teaching days of an ISO week, each with the weekday whose timetable it
    /// follows (a make-up Saturday follows the weekday it was swapped with).
    pub fn week(&self, week: IsoWeek) -> Vec<(NaiveDate, Weekday)> {
        let Some(monday) = NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Mon)
        else {
            return Vec::new();
        };
        (0..7)
            .map(|offset| monday + Duration::days(offset))
            .filter_map(|day| self.timetable_weekday(day).map(|weekday| (day, weekday)))
            .collect()
    }

    /// The week of its term a week is, as schools number them: week 1 holds the
    /// term's first day. None for a week outside every term (a holiday week inside
    /// a term still has its number).
    pub fn term_week(&self, week: IsoWeek) -> Option<u32> {
        let monday = NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Mon)?;
        let sunday = monday + Duration::days(6);
        let term = self
            .terms
            .iter()
            .find(|t| t.start <= sunday && monday <= t.end)?;
        let first = term.start.iso_week();
        let first_monday = NaiveDate::from_isoywd_opt(first.year(), first.week(), Weekday::Mon)?;
        u32::try_from((monday - first_monday).num_days() / 7 + 1).ok()
    }

    /// The year's first and last teaching days: a plan's dates when none are given.
    pub fn teaching_span(&self) -> Option<(NaiveDate, NaiveDate)> {
        let days = self.teaching_days();
        Some((*days.first()?, *days.last()?))
    }

    /// Entries not yet officially announced, which the district should check later.
    pub fn provisional(&self) -> Vec<ProvisionalEntry> {
        let holidays = self
            .holidays
            .iter()
            .filter(|h| h.provisional)
            .map(|h| ProvisionalEntry {
                name: h.name.clone(),
                start: h.start,
                end: h.end,
            });
        let workdays = self
            .make_up_workdays
            .iter()
            .filter(|w| w.provisional)
            .map(|w| ProvisionalEntry {
                name: if w.name.is_empty() {
                    "调休上班日".into()
                } else {
                    w.name.clone()
                },
                start: w.date,
                end: w.date,
            });
        holidays.chain(workdays).collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn shipped(year: &str) -> SchoolCalendar {
        let path = format!(
            "{}/../config/calendar/{year}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        SchoolCalendar::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn school_years_turn_in_august() {
        assert_eq!(
            SchoolYear::containing(day("2026-07-31")).to_string(),
            "2025-2026"
        );
        assert_eq!(
            SchoolYear::containing(day("2026-08-01")).to_string(),
            "2026-2027"
        );
        assert!("2026-2028".parse::<SchoolYear>().is_err());
        assert!("2026".parse::<SchoolYear>().is_err());
    }

    #[test]
    fn weeks_are_numbered_from_each_terms_first_week() {
        let calendar = shipped("2026-2027");
        let week = |d: &str| calendar.term_week(day(d).iso_week());
        // The autumn term begins on Tuesday 1 September 2026.
        assert_eq!(week("2026-09-01"), Some(1));
        assert_eq!(week("2026-08-31"), Some(1));
        assert_eq!(
            week("2026-10-05"),
            Some(6),
            "a holiday week keeps its number"
        );
        assert_eq!(week("2026-12-07"), Some(15));
        assert_eq!(week("2026-08-24"), None, "before the term");
        let spring = calendar.terms[1].start;
        assert_eq!(calendar.term_week(spring.iso_week()), Some(1));
    }

    #[test]
    fn national_day_week_2025_keeps_only_its_make_up_saturday() {
        let calendar = shipped("2025-2026");
        // 国庆、中秋 1–8 October 2025; 28 September (Sun) and 11 October (Sat) are workdays.
        assert!(calendar.is_teaching_day(day("2025-09-28")));
        assert!(calendar.is_teaching_day(day("2025-10-11")));
        assert_eq!(
            calendar.timetable_weekday(day("2025-10-11")),
            Some(Weekday::Wed)
        );
        for d in 1..=8 {
            assert!(!calendar.is_teaching_day(day(&format!("2025-10-0{d}"))));
        }
        assert!(calendar.is_teaching_day(day("2025-10-09")));
        assert!(!calendar.is_teaching_day(day("2025-10-12")));
    }

    #[test]
    fn a_holiday_week_has_three_teaching_days_and_a_make_up_saturday() {
        let calendar = shipped("2025-2026");
        // 2025-W41: Thu 9 and Fri 10 October, and Saturday 11 October on Wednesday's timetable.
        let week = calendar.week(day("2025-10-09").iso_week());
        let days: Vec<(String, Weekday)> = week.iter().map(|(d, w)| (d.to_string(), *w)).collect();
        assert_eq!(
            days,
            [
                ("2025-10-09".into(), Weekday::Thu),
                ("2025-10-10".into(), Weekday::Fri),
                ("2025-10-11".into(), Weekday::Wed)
            ]
        );
        // The week of 1 October keeps Monday and Tuesday; the week before gains Sunday 28 September.
        assert_eq!(calendar.week(day("2025-10-01").iso_week()).len(), 2);
        let before = calendar.week(day("2025-09-22").iso_week());
        assert_eq!(before.len(), 6);
        assert_eq!(before[5], (day("2025-09-28"), Weekday::Tue));
        assert_eq!(calendar.week(day("2025-12-01").iso_week()).len(), 5);
        assert!(
            calendar.week(day("2026-08-03").iso_week()).is_empty(),
            "summer holidays"
        );
    }

    #[test]
    fn a_year_has_about_thirty_eight_teaching_weeks() {
        for year in ["2025-2026", "2026-2027"] {
            let calendar = shipped(year);
            let weeks = calendar.teaching_weeks();
            assert!((36..=42).contains(&weeks), "{year}: {weeks} weeks");
            // 216 periods need 36 weeks of 2 visits × 3 periods.
            assert!(calendar.teaching_days().len() >= 170, "{year}");
        }
    }

    #[test]
    fn only_2027_dates_are_provisional() {
        assert!(shipped("2025-2026").provisional().is_empty());
        let provisional = shipped("2026-2027").provisional();
        assert!(!provisional.is_empty());
        assert!(provisional.iter().all(|p| p.start.year() == 2027));
    }

    #[test]
    fn a_make_up_workday_on_a_weekday_is_refused() {
        let text = r#"
            year = "2026-2027"
            [[terms]]
            start = 2026-09-01
            end = 2027-01-22
            [[make_up_workdays]]
            date = 2026-09-21
            follows = "Mon"
        "#;
        let error = SchoolCalendar::from_toml(text).unwrap_err();
        assert!(error.contains("2026-09-21 is a Mon"), "{error}");
    }

    #[test]
    fn a_term_outside_its_year_is_refused() {
        let text =
            "year = \"2026-2027\"\n[[terms]]\nstart = \"2027-09-01\"\nend = \"2027-12-01\"\n";
        assert!(
            SchoolCalendar::from_toml(text)
                .unwrap_err()
                .contains("outside the school year")
        );
    }
}
