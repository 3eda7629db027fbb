//! Shortfall alerts (README, "Email", shortfall alerts): an alert is a state per plan, not an
//! event. Pure: the time is a parameter.

use chrono::{DateTime, Duration, Utc};

use super::pace::Status;

/// An open alert as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    pub severity: Status,
    pub last_notified_at: DateTime<Utc>,
    /// A supervisor's acknowledgement silences reminders until the severity rises.
    pub acknowledged: bool,
}

/// What a pace check does with one plan's alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Nothing,
    /// Status left on_track: open an alert and tell the school's supervisors.
    Open(Status),
    /// Severity rose: tell at once, and the district's supervisors too.
    Raise(Status),
    /// Severity fell but the child is not on track yet: noted, nobody told.
    Lower(Status),
    /// Still open after the repeat interval, not acknowledged.
    Remind,
    /// Back on track: one note, and the alert closes.
    Recover,
}

pub fn decide(
    alert: Option<&OpenAlert>,
    status: Status,
    now: DateTime<Utc>,
    repeat_interval: Duration,
) -> Decision {
    match alert {
        None if status == Status::OnTrack => Decision::Nothing,
        None => Decision::Open(status),
        Some(_) if status == Status::OnTrack => Decision::Recover,
        Some(open) if status > open.severity => Decision::Raise(status),
        Some(open) if status < open.severity => Decision::Lower(status),
        Some(open) if !open.acknowledged && now - open.last_notified_at >= repeat_interval => {
            Decision::Remind
        }
        Some(_) => Decision::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(severity: Status, days_ago: i64, acknowledged: bool, now: DateTime<Utc>) -> OpenAlert {
        OpenAlert {
            severity,
            last_notified_at: now - Duration::days(days_ago),
            acknowledged,
        }
    }

    #[test]
    fn an_alert_opens_reminds_rises_and_recovers() {
        let now: DateTime<Utc> = "2026-11-30T01:00:00Z".parse().expect("a time");
        let week = Duration::days(7);
        assert_eq!(decide(None, Status::OnTrack, now, week), Decision::Nothing);
        assert_eq!(
            decide(None, Status::Behind, now, week),
            Decision::Open(Status::Behind)
        );
        let behind = open(Status::Behind, 3, false, now);
        assert_eq!(
            decide(Some(&behind), Status::Behind, now, week),
            Decision::Nothing
        );
        let stale = open(Status::Behind, 7, false, now);
        assert_eq!(
            decide(Some(&stale), Status::Behind, now, week),
            Decision::Remind
        );
        let silenced = open(Status::Behind, 30, true, now);
        assert_eq!(
            decide(Some(&silenced), Status::Behind, now, week),
            Decision::Nothing
        );
        assert_eq!(
            decide(Some(&silenced), Status::AtRisk, now, week),
            Decision::Raise(Status::AtRisk),
            "a rise speaks even when acknowledged"
        );
        let risk = open(Status::AtRisk, 1, false, now);
        assert_eq!(
            decide(Some(&risk), Status::Behind, now, week),
            Decision::Lower(Status::Behind)
        );
        assert_eq!(
            decide(Some(&risk), Status::OnTrack, now, week),
            Decision::Recover
        );
    }
}
