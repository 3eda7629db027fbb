//! Visit records (README, "Recording visits"): what happened at a planned visit, the
//! rules a record must follow, and a plan's accounts, which always balance.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::student::coded;
use crate::reason::Reason;

coded!(Outcome, "visit outcome" {
    Completed = "completed" ["完成", "已完成"],
    Partial = "partial" ["部分完成"],
    Missed = "missed" ["未完成", "缺课"],
    Cancelled = "cancelled" ["取消", "已取消"],
});

coded!(
    /// Who or what made a visit not happen.
    MissReason, "reason code" {
    StudentIll = "student_ill" ["学生生病", "生病"],
    FamilyUnavailable = "family_unavailable" ["家长不在家", "家长不在", "家庭原因"],
    StudentHospitalised = "student_hospitalised" ["住院"],
    TeacherUnavailable = "teacher_unavailable" ["教师原因", "教师请假"],
    Weather = "weather" ["天气"],
    SchoolEvent = "school_event" ["学校活动"],
    Other = "other" ["其他"],
});

coded!(
    /// A planned visit stays planned; re-planning its week may cancel it.
    VisitStatus, "visit status" {
    Planned = "planned" ["已安排"],
    Cancelled = "cancelled" ["已取消"],
});

coded!(Mode, "visit mode" {
    Home = "home" ["上门", "入户"],
    Remote = "remote" ["线上", "远程", "视频"],
});

impl Outcome {
    /// Completed and partial visits deliver periods; the one place that says so.
    pub fn delivers(self) -> bool {
        matches!(self, Outcome::Completed | Outcome::Partial)
    }
}

/// What planning a week does to one visit: the planner decides, the store writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Keep {
        visit_id: i64,
    },
    Move {
        visit_id: i64,
        teacher: String,
        day: NaiveDate,
        slot: String,
    },
    Cancel {
        visit_id: i64,
    },
    Add {
        plan_id: i64,
        teacher: String,
        day: NaiveDate,
        slot: String,
    },
}

/// A record as asked for, before the rules are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRequest {
    pub outcome: Outcome,
    pub periods: Option<u32>,
    pub reason: Option<MissReason>,
}

/// A checked record: periods always set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedRecord {
    pub outcome: Outcome,
    pub periods: u32,
    pub reason: Option<MissReason>,
}

/// The rules of a record; errors name the field (`periods`, `reason`, `date`).
/// A visit is recorded once its slot has begun (`begins`, local time).
pub fn check_record(
    request: &RecordRequest,
    periods_per_visit: u32,
    begins: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<CheckedRecord, (&'static str, Reason)> {
    if begins > now {
        return Err((
            "date",
            Reason::NotBegunYet {
                day: begins.date(),
                begins: begins.format("%H:%M").to_string(),
                now: now.format("%Y-%m-%d %H:%M").to_string(),
            },
        ));
    }
    let most = periods_per_visit.saturating_sub(1);
    let periods = match (request.outcome, request.periods) {
        (Outcome::Completed, None) => periods_per_visit,
        (Outcome::Completed, Some(p)) if p == periods_per_visit => p,
        (Outcome::Completed, Some(p)) if p < periods_per_visit => {
            return Err((
                "periods",
                Reason::FewerThanPlan {
                    periods: p,
                    plan: periods_per_visit,
                },
            ));
        }
        (Outcome::Partial, None) => {
            return Err(("periods", Reason::PartialNeedsPeriods { most }));
        }
        (Outcome::Partial, Some(p)) if p == 0 || p >= periods_per_visit => {
            return Err((
                "periods",
                Reason::PartialOutOfRange {
                    most,
                    plan: periods_per_visit,
                    given: p,
                },
            ));
        }
        (Outcome::Missed | Outcome::Cancelled, Some(p)) if p > 0 => {
            return Err((
                "periods",
                Reason::NoPeriodsWhen {
                    outcome: request.outcome,
                    given: p,
                },
            ));
        }
        (Outcome::Missed | Outcome::Cancelled, _) => 0,
        (_, Some(p)) if p > periods_per_visit => {
            return Err((
                "periods",
                Reason::MoreThanPlan {
                    periods: p,
                    plan: periods_per_visit,
                },
            ));
        }
        (_, Some(p)) => p,
    };
    let needs_reason = matches!(request.outcome, Outcome::Missed | Outcome::Cancelled);
    if needs_reason && request.reason.is_none() {
        return Err((
            "reason",
            Reason::NeedsReasonCode {
                outcome: request.outcome,
            },
        ));
    }
    Ok(CheckedRecord {
        outcome: request.outcome,
        periods,
        reason: if needs_reason { request.reason } else { None },
    })
}

/// A record of a visit more than `lock_after_days` ago is locked: changing it needs a
/// stated reason and leaves an audit row (README, "Recording visits").
pub fn is_locked(
    day: NaiveDate,
    already_recorded: bool,
    today: NaiveDate,
    lock_after_days: u32,
) -> bool {
    already_recorded && (today - day).num_days() > i64::from(lock_after_days)
}

/// When the visit really began and ended, as the teacher says: both or neither,
/// the end after the beginning.
pub fn check_times(
    started: Option<NaiveTime>,
    ended: Option<NaiveTime>,
) -> Result<Option<(NaiveTime, NaiveTime)>, (&'static str, Reason)> {
    match (started, ended) {
        (None, None) => Ok(None),
        (Some(start), Some(end)) if start < end => Ok(Some((start, end))),
        (Some(start), Some(end)) => Err((
            "ended_at",
            Reason::EndsBeforeBegins {
                end: end.format("%H:%M").to_string(),
                start: start.format("%H:%M").to_string(),
            },
        )),
        (None, Some(_)) => Err(("started_at", Reason::GiveStartToo)),
        (Some(_), None) => Err(("ended_at", Reason::GiveEndToo)),
    }
}

/// A visit as the accounts see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountedVisit {
    pub day: NaiveDate,
    pub outcome: Option<Outcome>,
    pub periods: u32,
    pub reason: Option<MissReason>,
}

/// A plan's accounts on a day, in periods. Every scheduled period is exactly one of
/// delivered, partial shortfall, missed (by reason), cancelled, unrecorded or to come;
/// and the target is delivered plus still owed (beyond target when more was delivered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accounts {
    pub target: u32,
    pub scheduled: u32,
    pub delivered: u32,
    /// The periods a partial visit did not give.
    pub partial_shortfall: u32,
    pub missed: BTreeMap<String, u32>,
    pub cancelled: u32,
    /// Visits of past days nobody recorded: not delivered.
    pub unrecorded: u32,
    /// Visits from today on, not yet recorded.
    pub to_come: u32,
    pub still_owed: u32,
    pub beyond_target: u32,
}

impl Accounts {
    pub fn new(
        target: u32,
        periods_per_visit: u32,
        visits: &[AccountedVisit],
        today: NaiveDate,
    ) -> Self {
        let mut accounts = Accounts {
            target,
            scheduled: 0,
            delivered: 0,
            partial_shortfall: 0,
            missed: BTreeMap::new(),
            cancelled: 0,
            unrecorded: 0,
            to_come: 0,
            still_owed: 0,
            beyond_target: 0,
        };
        for visit in visits {
            accounts.scheduled += periods_per_visit;
            match visit.outcome {
                Some(Outcome::Completed | Outcome::Partial) => {
                    let periods = visit.periods.min(periods_per_visit);
                    accounts.delivered += periods;
                    accounts.partial_shortfall += periods_per_visit - periods;
                }
                Some(Outcome::Missed) => {
                    let reason = visit.reason.map_or("other", MissReason::code);
                    *accounts.missed.entry(reason.to_string()).or_default() += periods_per_visit;
                }
                Some(Outcome::Cancelled) => accounts.cancelled += periods_per_visit,
                None if visit.day < today => accounts.unrecorded += periods_per_visit,
                None => accounts.to_come += periods_per_visit,
            }
        }
        accounts.still_owed = target.saturating_sub(accounts.delivered);
        accounts.beyond_target = accounts.delivered.saturating_sub(target);
        accounts
    }

    /// The two identities of the ledger (README, "Progress, ledger and exports").
    pub fn balances(&self) -> bool {
        let missed: u32 = self.missed.values().sum();
        self.scheduled
            == self.delivered
                + self.partial_shortfall
                + missed
                + self.cancelled
                + self.unrecorded
                + self.to_come
            && self.target + self.beyond_target == self.delivered + self.still_owed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn at(d: u32) -> NaiveDateTime {
        day(d).and_hms_opt(9, 0, 0).unwrap()
    }

    fn request(
        outcome: Outcome,
        periods: Option<u32>,
        reason: Option<MissReason>,
    ) -> RecordRequest {
        RecordRequest {
            outcome,
            periods,
            reason,
        }
    }

    #[test]
    fn a_completed_visit_delivers_the_plans_periods() {
        let r = check_record(&request(Outcome::Completed, None, None), 3, at(2), at(3)).unwrap();
        assert_eq!(r.periods, 3);
    }

    #[test]
    fn a_visit_is_recorded_once_its_slot_has_begun() {
        let afternoon = day(3).and_hms_opt(14, 30, 0).unwrap();
        let completed = request(Outcome::Completed, None, None);
        let error = check_record(&completed, 3, afternoon, at(3)).unwrap_err();
        assert_eq!(error.0, "date", "{}", error.1);
        assert!(error.1.to_string().contains("14:30"), "{}", error.1);
        let later = day(3).and_hms_opt(14, 35, 0).unwrap();
        assert!(check_record(&completed, 3, afternoon, later).is_ok());
    }

    #[test]
    fn the_times_of_a_visit_come_in_order_and_together() {
        let time = |h| NaiveTime::from_hms_opt(h, 0, 0);
        assert_eq!(check_times(None, None), Ok(None));
        assert!(check_times(time(9), time(11)).is_ok());
        assert_eq!(check_times(time(11), time(9)).unwrap_err().0, "ended_at");
        assert_eq!(check_times(None, time(9)).unwrap_err().0, "started_at");
        assert_eq!(check_times(time(9), None).unwrap_err().0, "ended_at");
    }

    #[test]
    fn records_that_break_the_rules_say_which_field() {
        let cases = [
            (request(Outcome::Completed, None, None), at(4), "date"),
            (request(Outcome::Completed, Some(4), None), at(2), "periods"),
            (request(Outcome::Completed, Some(2), None), at(2), "periods"),
            (request(Outcome::Partial, None, None), at(2), "periods"),
            (request(Outcome::Partial, Some(3), None), at(2), "periods"),
            (request(Outcome::Missed, None, None), at(2), "reason"),
            (
                request(Outcome::Cancelled, Some(1), Some(MissReason::Weather)),
                at(2),
                "periods",
            ),
        ];
        for (req, on, field) in cases {
            let error = check_record(&req, 3, on, at(3)).unwrap_err();
            assert_eq!(error.0, field, "{req:?}: {}", error.1);
        }
        let missed = check_record(
            &request(Outcome::Missed, None, Some(MissReason::StudentIll)),
            3,
            at(2),
            at(3),
        )
        .unwrap();
        assert_eq!(
            (missed.periods, missed.reason),
            (0, Some(MissReason::StudentIll))
        );
    }

    #[test]
    fn codes_read_as_a_teacher_writes_them() {
        assert_eq!("生病".parse::<MissReason>(), Ok(MissReason::StudentIll));
        assert_eq!("线上".parse::<Mode>(), Ok(Mode::Remote));
        assert!(
            "lost"
                .parse::<Outcome>()
                .unwrap_err()
                .to_string()
                .contains("completed, partial")
        );
    }

    fn any_visit() -> impl proptest::strategy::Strategy<Value = AccountedVisit> {
        use proptest::prelude::*;
        (
            1u32..28,
            prop::option::of(prop::sample::select(Outcome::ALL.to_vec())),
            0u32..6,
            prop::option::of(prop::sample::select(MissReason::ALL.to_vec())),
        )
            .prop_map(|(d, outcome, periods, reason)| AccountedVisit {
                day: day(d),
                outcome,
                periods,
                reason,
            })
    }

    proptest::proptest! {
        #[test]
        fn the_accounts_always_balance(
            target in 0u32..300,
            periods_per_visit in 1u32..5,
            visits in proptest::collection::vec(any_visit(), 0..80),
            today in 1u32..28,
        ) {
            let accounts = Accounts::new(target, periods_per_visit, &visits, day(today));
            proptest::prop_assert!(accounts.balances(), "{accounts:?}");
            proptest::prop_assert_eq!(accounts.scheduled, periods_per_visit * visits.len() as u32);
        }
    }
}
