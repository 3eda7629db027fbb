//! RFC 5545 calendar files for teachers' phones: one VEVENT per visit with a stable
//! UID, SEQUENCE raised on every change, METHOD:CANCEL for dropped visits. Lines end
//! in CRLF and are folded at 75 octets without splitting a UTF-8 character.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// New or changed events.
    Request,
    /// Events that no longer take place.
    Cancel,
    /// A calendar a phone subscribes to (a feed), not an invitation.
    Publish,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub uid: String,
    pub sequence: i64,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub summary: String,
    pub location: String,
    pub description: String,
}

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (§3.1): continuation lines start with a space.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        // The first line holds 75 octets; continuations 74 after their space.
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// A calendar of `events` whose times are local to `zone`. They are written in UTC:
/// a TZID would need a VTIMEZONE definition in the file, and UTC every client reads.
pub fn calendar(method: Method, zone: Tz, stamp: DateTime<Utc>, events: &[Event]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//songjiao//送教上门//ZH".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("METHOD:{}", method.as_str()),
    ];
    let utc = |t: &NaiveDateTime| {
        let at = t
            .and_local_timezone(zone)
            .earliest()
            .map_or_else(|| t.and_utc(), |local| local.with_timezone(&Utc));
        at.format("%Y%m%dT%H%M%SZ").to_string()
    };
    for event in events {
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", event.uid),
            format!("DTSTAMP:{}", stamp.format("%Y%m%dT%H%M%SZ")),
            format!("SEQUENCE:{}", event.sequence),
            format!("DTSTART:{}", utc(&event.start)),
            format!("DTEND:{}", utc(&event.end)),
            format!("SUMMARY:{}", text(&event.summary)),
            format!("LOCATION:{}", text(&event.location)),
            format!("DESCRIPTION:{}", text(&event.description)),
            format!(
                "STATUS:{}",
                match method {
                    Method::Request | Method::Publish => "CONFIRMED",
                    Method::Cancel => "CANCELLED",
                }
            ),
            "END:VEVENT".into(),
        ]);
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn event() -> Event {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        Event {
            uid: "visit-118@songjiao".into(),
            sequence: 2,
            start: day.and_hms_opt(8, 30, 0).unwrap(),
            end: day.and_hms_opt(11, 0, 0).unwrap(),
            summary: "送教上门：李小明".into(),
            location: "城关镇幸福路3号, 2单元".into(),
            description: "目标：认识数字1-10并能点数；能独立穿脱外套；能用完整句子表达需求；练习握笔，描写自己的名字".into(),
        }
    }

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets_on_character_boundaries() {
        let stamp: DateTime<Utc> = "2026-11-27T07:00:00Z".parse().expect("a time");
        let ics = calendar(
            Method::Request,
            chrono_tz::Asia::Shanghai,
            stamp,
            &[event()],
        );
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
            assert!(!line.contains('\n'));
        }
        // Unfolding gives back the description whole.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:目标：认识数字1-10并能点数；能独立穿脱外套"));
        assert!(unfolded.contains("LOCATION:城关镇幸福路3号\\, 2单元"));
        assert!(
            unfolded.contains("DTSTART:20261130T003000Z"),
            "08:30 in Shanghai"
        );
        assert_eq!(unfolded.matches("UID:").count(), 1);
        assert_eq!(unfolded.matches("DTSTAMP:").count(), 1);
    }

    #[test]
    fn a_cancelled_visit_says_so() {
        let ics = calendar(
            Method::Cancel,
            chrono_tz::Asia::Shanghai,
            "2026-11-27T07:00:00Z".parse().expect("a time"),
            &[event()],
        );
        assert!(ics.contains("METHOD:CANCEL\r\n"));
        assert!(ics.contains("STATUS:CANCELLED\r\n"));
        assert!(ics.contains("SEQUENCE:2\r\n"));
    }
}
