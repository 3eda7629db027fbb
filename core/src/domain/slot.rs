//! Slots: the named parts of a teaching day a visit can fill, and the weekly
//! availability of a teacher or a family written with them (`Mon-AM 周二下午`).

use std::fmt;

use crate::reason::Reason;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub name: String,
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Other words accepted for this slot in spreadsheets, e.g. 上午.
    pub aliases: Vec<String>,
}

/// The district's slots, in the order of the day. The one place that knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotTable {
    slots: Vec<Slot>,
}

impl SlotTable {
    pub fn new(slots: Vec<Slot>) -> Result<Self, String> {
        if slots.is_empty() {
            return Err("at least one slot is needed".into());
        }
        for (i, slot) in slots.iter().enumerate() {
            if slot.name.is_empty() || slot.name.contains(char::is_whitespace) {
                return Err(format!("slot name `{}` must be one word", slot.name));
            }
            if slot.start >= slot.end {
                return Err(format!("slot {} must start before it ends", slot.name));
            }
            for other in &slots[..i] {
                let words = |s: &Slot| {
                    std::iter::once(s.name.to_lowercase())
                        .chain(s.aliases.iter().map(|a| a.to_lowercase()))
                        .collect::<Vec<_>>()
                };
                if let Some(clash) = words(slot).iter().find(|w| words(other).contains(w)) {
                    return Err(format!("`{clash}` names two slots"));
                }
                if slot.start < other.end && other.start < slot.end {
                    return Err(format!("slots {} and {} overlap", other.name, slot.name));
                }
            }
        }
        let mut slots = slots;
        slots.sort_by_key(|s| s.start);
        Ok(Self { slots })
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn names(&self) -> Vec<&str> {
        self.slots.iter().map(|s| s.name.as_str()).collect()
    }

    /// The slot's canonical name for a name or alias, any case.
    pub fn resolve(&self, word: &str) -> Option<&Slot> {
        let word = word.trim();
        self.slots.iter().find(|s| {
            s.name.eq_ignore_ascii_case(word)
                || s.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
        })
    }

    /// How a page names a slot: in Chinese, its first alias written in Chinese
    /// (上午 for AM), else its name.
    pub fn label(&self, name: &str, chinese: bool) -> String {
        let is_chinese =
            |word: &&String| word.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        self.get(name)
            .filter(|_| chinese)
            .and_then(|slot| slot.aliases.iter().find(is_chinese))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    pub fn get(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// When a visit in `slot` on `day` begins; a slot no longer configured begins
    /// with the day.
    pub fn begins_at(&self, day: NaiveDate, slot: &str) -> NaiveDateTime {
        match self.get(slot) {
            Some(slot) => day.and_time(slot.start),
            None => day.and_time(NaiveTime::MIN),
        }
    }

    /// When a visit in `slot` on `day` ends; a slot no longer configured ends with
    /// the day.
    pub fn ends_at(&self, day: NaiveDate, slot: &str) -> NaiveDateTime {
        match self.get(slot) {
            Some(slot) => day.and_time(slot.end),
            None => day.and_time(NaiveTime::MIN) + chrono::Duration::days(1),
        }
    }

    /// The first day whose slots have not all ended at `now`: today until the day's
    /// last slot is over, then tomorrow. Pace counts the days before it as past.
    pub fn open_from(&self, now: NaiveDateTime) -> NaiveDate {
        let last_end = self
            .slots
            .iter()
            .map(|s| s.end)
            .max()
            .unwrap_or(NaiveTime::MIN);
        if now.time() >= last_end {
            now.date() + chrono::Duration::days(1)
        } else {
            now.date()
        }
    }
}

/// A slot on a weekday, e.g. Monday morning: the unit of weekly availability.
/// Written and shown as `Mon-AM`, the form spreadsheets use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WeeklySlot {
    pub weekday: Weekday,
    pub slot: String,
}

impl Serialize for WeeklySlot {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads the form it is written in (`Wed-PM`); the slot is not checked
/// against the configured ones.
impl std::str::FromStr for WeeklySlot {
    type Err = Reason;

    fn from_str(text: &str) -> Result<Self, Reason> {
        let (day, slot) = text
            .trim()
            .split_once('-')
            .ok_or_else(|| Reason::NotAHalfDay {
                text: text.to_string(),
            })?;
        let weekday = parse_weekday(day).ok_or_else(|| Reason::NotAWeekdayIn {
            day: day.to_string(),
            text: text.to_string(),
        })?;
        Ok(WeeklySlot {
            weekday,
            slot: slot.to_string(),
        })
    }
}

impl fmt::Display for WeeklySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", weekday_name(self.weekday), self.slot)
    }
}

/// Monday first, as ISO 8601 numbers weekdays.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub fn weekday_name(weekday: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][weekday.num_days_from_monday() as usize]
}

/// 周一 … 周日.
pub fn weekday_name_zh(weekday: Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [weekday.num_days_from_monday() as usize]
}

/// Reads `Mon`, `Monday`, `周一`, `星期一`, `礼拜一` (and 日/天 for Sunday).
pub fn parse_weekday(word: &str) -> Option<Weekday> {
    split_weekday(word.trim()).and_then(|(day, rest)| rest.is_empty().then_some(day))
}

/// Splits a leading weekday off `text`, returning it and the rest.
fn split_weekday(text: &str) -> Option<(Weekday, &str)> {
    const CHINESE: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    let lower = text.to_ascii_lowercase();
    for (i, day) in WEEKDAYS.iter().enumerate() {
        let english_short = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"][i];
        let english_long = &[
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ][i];
        let mut names: Vec<String> = vec![english_long.to_string(), english_short.to_string()];
        for prefix in ["周", "星期", "礼拜"] {
            names.push(format!("{prefix}{}", CHINESE[i]));
            if i == 6 {
                names.push(format!("{prefix}天"));
            }
        }
        for name in names {
            if lower.starts_with(&name) {
                return Some((*day, &text[name.len()..]));
            }
        }
    }
    None
}

/// Reads a list of weekday slots such as `Mon-AM Tue-PM Thu-AM` or `周一上午、周二下午`,
/// and as offices write them: `周二全天` (or `周二` alone), `每天下午` (each
/// weekday), `除周三下午外均可` (every weekday slot but those). Separators:
/// spaces, commas, 、 and semicolons. Duplicates are dropped.
pub fn parse_weekly_slots(text: &str, slots: &SlotTable) -> Result<Vec<WeeklySlot>, Reason> {
    let text = text.trim();
    let every = |days: &[Weekday]| -> Vec<WeeklySlot> {
        days.iter()
            .flat_map(|day| {
                slots.slots().iter().map(|slot| WeeklySlot {
                    weekday: *day,
                    slot: slot.name.clone(),
                })
            })
            .collect()
    };
    let weekdays = &WEEKDAYS[..5];
    // 除周三下午外均可: the week's slots but those named.
    if let Some(inner) = text.strip_prefix('除') {
        let inner = ["以外", "外"]
            .iter()
            .find_map(|end| inner.split_once(end).map(|(named, _)| named))
            .ok_or_else(|| Reason::WriteAsExcept {
                text: text.to_string(),
            })?;
        let but = parse_weekly_slots(inner, slots)?;
        let found: Vec<WeeklySlot> = every(weekdays)
            .into_iter()
            .filter(|w| !but.contains(w))
            .collect();
        return Ok(found);
    }
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；' | '/'))
        .filter(|t| !t.is_empty())
        .collect();
    // A weekday alone takes the slot of the next one that names its own
    // (`周一、周三上午` is both mornings); with none after it, the whole day.
    fn slot_of(token: &str) -> Option<&str> {
        split_weekday(token)
            .map(|(_, rest)| rest.trim_start_matches(['-', ':', '：', '_']))
            .filter(|rest| !rest.is_empty())
    }
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let token = *token;
        let shared = slot_of(token)
            .is_none()
            .then(|| tokens[i + 1..].iter().find_map(|next| slot_of(next)))
            .flatten();
        let every_day = ["每天", "每日", "工作日", "周一至周五", "周一到周五"]
            .iter()
            .find_map(|prefix| token.strip_prefix(prefix));
        let (days, rest): (Vec<Weekday>, &str) = match every_day {
            Some(rest) => (weekdays.to_vec(), rest),
            None => {
                let (weekday, rest) =
                    split_weekday(token).ok_or_else(|| Reason::NotAWeekdayAndSlot {
                        token: token.to_string(),
                    })?;
                (vec![weekday], rest)
            }
        };
        let slot_word = match shared {
            Some(slot) if every_day.is_none() => slot,
            _ => rest.trim_start_matches(['-', ':', '：', '_']),
        };
        let named: Vec<&Slot> = if matches!(slot_word, "" | "全天" | "整天" | "都可以" | "均可")
        {
            slots.slots().iter().collect()
        } else {
            vec![
                slots
                    .resolve(slot_word)
                    .ok_or_else(|| Reason::UnknownSlot {
                        token: token.to_string(),
                        slot: slot_word.to_string(),
                        slots: slots.names().iter().map(ToString::to_string).collect(),
                    })?,
            ]
        };
        for day in &days {
            for slot in &named {
                let entry = WeeklySlot {
                    weekday: *day,
                    slot: slot.name.clone(),
                };
                if !found.contains(&entry) {
                    found.push(entry);
                }
            }
        }
    }
    found.sort_by_key(|w| {
        (
            w.weekday.num_days_from_monday(),
            slots.slots().iter().position(|s| s.name == w.slot),
        )
    });
    Ok(found)
}

pub fn format_weekly_slots(slots: &[WeeklySlot]) -> String {
    slots
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

pub mod weekday_short {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(weekday: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::weekday_name(*weekday))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_weekday(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a weekday like Mon")))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn am_pm() -> SlotTable {
        let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        SlotTable::new(vec![
            Slot {
                name: "AM".into(),
                start: time(8, 30),
                end: time(11, 0),
                aliases: vec!["上午".into()],
            },
            Slot {
                name: "PM".into(),
                start: time(14, 30),
                end: time(17, 0),
                aliases: vec!["下午".into()],
            },
        ])
        .unwrap()
    }

    #[test]
    fn english_and_chinese_availability_read_the_same() {
        let slots = am_pm();
        let english = parse_weekly_slots("Mon-AM Tue-PM thu-am", &slots).unwrap();
        let chinese = parse_weekly_slots("周一上午、星期二下午，礼拜四-上午", &slots).unwrap();
        assert_eq!(english, chinese);
        assert_eq!(format_weekly_slots(&english), "Mon-AM Tue-PM Thu-AM");
    }

    #[test]
    fn availability_as_offices_write_it() {
        let slots = am_pm();
        let read = |text| format_weekly_slots(&parse_weekly_slots(text, &slots).unwrap());
        assert_eq!(read("周二全天"), "Tue-AM Tue-PM");
        assert_eq!(read("周二 周四上午"), "Tue-AM Thu-AM");
        assert_eq!(read("周一、周三上午"), "Mon-AM Wed-AM");
        assert_eq!(read("周四上午 周二"), "Tue-AM Tue-PM Thu-AM");
        assert_eq!(read("每天下午"), "Mon-PM Tue-PM Wed-PM Thu-PM Fri-PM");
        assert_eq!(
            read("除周三下午外均可"),
            "Mon-AM Mon-PM Tue-AM Tue-PM Wed-AM Thu-AM Thu-PM Fri-AM Fri-PM"
        );
        assert_eq!(
            read("除周一、周五以外都可以"),
            "Tue-AM Tue-PM Wed-AM Wed-PM Thu-AM Thu-PM"
        );
        assert!(parse_weekly_slots("除周三下午", &slots).is_err());
    }

    #[test]
    fn an_unknown_slot_says_which_slots_exist() {
        let error = parse_weekly_slots("Mon-EVE", &am_pm()).unwrap_err();
        assert!(
            error.to_string().contains("unknown slot `EVE`")
                && error.to_string().contains("AM, PM"),
            "{error}"
        );
        assert!(parse_weekly_slots("Someday-AM", &am_pm()).is_err());
    }

    #[test]
    fn sunday_has_its_chinese_names() {
        assert_eq!(parse_weekday("周日"), Some(Weekday::Sun));
        assert_eq!(parse_weekday("星期天"), Some(Weekday::Sun));
        assert_eq!(parse_weekday("Wednesday"), Some(Weekday::Wed));
        assert_eq!(parse_weekday("Wed-AM"), None);
    }
}
