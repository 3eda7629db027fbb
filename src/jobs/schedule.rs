//! Job schedules: standard 5-field crontab lines, read in the configured time zone.
//! Pure: the time is a parameter.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// A parsed schedule.
#[derive(Debug, Clone)]
pub struct Schedule(cron::Schedule);

const DAYS: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

/// Crontab numbers weekdays 0–7 from Sunday; the cron crate 1–7 from Sunday. Names
/// mean the same to both, so numbers become names (step values stay numbers).
fn weekday_names(field: &str) -> String {
    let name = |part: &str| match part.parse::<usize>() {
        Ok(n) if n < DAYS.len() => DAYS[n].to_string(),
        _ => part.to_string(),
    };
    field
        .split(',')
        .map(|item| {
            let (base, step) = match item.split_once('/') {
                Some((base, step)) => (base, Some(step)),
                None => (item, None),
            };
            let base = match base.split_once('-') {
                Some((from, to)) => format!("{}-{}", name(from), name(to)),
                None => name(base),
            };
            match step {
                Some(step) => format!("{base}/{step}"),
                None => base,
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

impl Schedule {
    /// Reads a crontab line; empty means the job is disabled (None). The error says
    /// what is wrong in words, for an error that names the job.
    pub fn parse(line: &str) -> Result<Option<Self>, String> {
        let line = line.trim();
        if line.is_empty() {
            return Ok(None);
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "`{line}` has {} fields; a schedule has 5: minute hour day-of-month month day-of-week, e.g. \"0 15 * * FRI\"",
                fields.len()
            ));
        }
        let with_seconds = format!(
            "0 {} {} {} {} {}",
            fields[0],
            fields[1],
            fields[2],
            fields[3],
            weekday_names(fields[4])
        );
        cron::Schedule::from_str(&with_seconds)
            .map(|s| Some(Schedule(s)))
            .map_err(|e| format!("`{line}` is not a schedule: {e}"))
    }

    /// The first time after `after`.
    pub fn next_after(&self, after: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        self.0
            .after(&after.with_timezone(&zone))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The latest time at or before `now`, looking back at most `window`: the one
    /// run a job owes after downtime (never one per missed tick).
    pub fn latest_within(
        &self,
        now: DateTime<Utc>,
        window: Duration,
        zone: Tz,
    ) -> Option<DateTime<Utc>> {
        let start = (now - window - Duration::seconds(1)).with_timezone(&zone);
        self.0
            .after(&start)
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t <= now)
            .last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn friday_afternoon_in_shanghai() {
        let zone = chrono_tz::Asia::Shanghai;
        for line in ["0 15 * * FRI", "0 15 * * 5", "0 15 * * 5-5"] {
            let schedule = Schedule::parse(line).unwrap().unwrap();
            // Wednesday 25 November 2026: next is Friday 27th, 15:00 local (07:00 UTC).
            let next = schedule.next_after(shanghai(2026, 11, 25, 10, 0), zone);
            assert_eq!(next, Some(shanghai(2026, 11, 27, 15, 0)), "{line}");
        }
        let sunday = Schedule::parse("0 9 * * 0").unwrap().unwrap();
        assert_eq!(
            sunday.next_after(shanghai(2026, 11, 25, 10, 0), zone),
            Some(shanghai(2026, 11, 29, 9, 0))
        );
    }

    #[test]
    fn after_downtime_only_the_latest_missed_time_is_owed() {
        let zone = chrono_tz::Asia::Shanghai;
        let daily = Schedule::parse("0 7 * * *").unwrap().unwrap();
        let now = shanghai(2026, 12, 3, 10, 0);
        assert_eq!(
            daily.latest_within(now, Duration::hours(24), zone),
            Some(shanghai(2026, 12, 3, 7, 0))
        );
        // Down since Monday: still only this morning's run, and none beyond the window.
        assert_eq!(
            daily.latest_within(shanghai(2026, 12, 3, 6, 0), Duration::hours(12), zone),
            None
        );
    }

    #[test]
    fn empty_disables_and_a_bad_line_says_why() {
        assert!(Schedule::parse("  ").unwrap().is_none());
        assert!(
            Schedule::parse("0 15 * FRI")
                .unwrap_err()
                .contains("has 4 fields")
        );
        assert!(
            Schedule::parse("0 25 * * *")
                .unwrap_err()
                .contains("not a schedule")
        );
    }
}

/// Every job's schedule from the settings, in the order the daemon runs them; an
/// error names the job's key.
pub fn from_settings(
    jobs: &crate::config::JobSettings,
) -> Result<Vec<(&'static str, Option<Schedule>)>, String> {
    [
        ("plan_week", &jobs.plan_week),
        ("check_pace", &jobs.check_pace),
        ("digest", &jobs.digest),
        ("remind_unrecorded", &jobs.remind_unrecorded),
        ("drain_outbox", &jobs.drain_outbox),
        ("prune_access_log", &jobs.prune_access_log),
        ("backup", &jobs.backup),
        ("retention", &jobs.retention),
    ]
    .into_iter()
    .map(|(name, line)| {
        Schedule::parse(line)
            .map(|schedule| (name, schedule))
            .map_err(|e| format!("jobs.{name}: {e}"))
    })
    .collect()
}

#[cfg(test)]
mod settings_tests {
    #[test]
    fn the_defaults_parse_and_a_bad_one_names_its_job() {
        let mut settings = crate::config::Settings::defaults();
        let jobs = super::from_settings(&settings.jobs).unwrap();
        assert!(jobs.iter().all(|(_, s)| s.is_some()));
        settings.jobs.digest = "every monday".into();
        let error = super::from_settings(&settings.jobs).unwrap_err();
        assert!(error.starts_with("jobs.digest: "), "{error}");
    }
}
