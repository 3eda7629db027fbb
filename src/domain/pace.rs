//! Turning pace into work: how many visits a plan asks for in a week.

/// DESIGN.md, "Pace and status": each week a plan asks for
/// `clamp(ceil(still_needed / periods_per_visit / remaining_weeks), visits_per_week, max_visits_per_week)`.
/// A plan already at its target still asks for its regular rhythm (the lower bound);
/// with no week left it asks for the most allowed.
pub fn weekly_visits(
    still_needed: u32,
    periods_per_visit: u32,
    remaining_weeks: u32,
    visits_per_week: u32,
    max_visits_per_week: u32,
) -> u32 {
    let max = max_visits_per_week.max(visits_per_week);
    if remaining_weeks == 0 {
        return max;
    }
    let per_week = u64::from(remaining_weeks) * u64::from(periods_per_visit.max(1));
    let wanted = u64::from(still_needed).div_ceil(per_week);
    wanted.clamp(u64::from(visits_per_week), u64::from(max)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_on_pace_keeps_two_visits_a_week() {
        // 216 periods over 36 weeks of 3-period visits: exactly 2 a week.
        assert_eq!(weekly_visits(216, 3, 36, 2, 3), 2);
        assert_eq!(weekly_visits(0, 3, 10, 2, 3), 2);
    }

    #[test]
    fn a_child_two_visits_behind_gets_a_third_visit() {
        // 20 weeks left, 120 periods would be on pace; two visits (6 periods) behind.
        assert_eq!(weekly_visits(126, 3, 20, 2, 3), 3);
    }

    #[test]
    fn make_ups_never_exceed_the_weekly_maximum() {
        assert_eq!(weekly_visits(200, 3, 5, 2, 3), 3);
        assert_eq!(weekly_visits(10, 3, 0, 2, 3), 3);
    }
}
