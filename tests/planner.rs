//! The weekly planner: hard rules never broken, coverage per priority provably
//! maximal (checked by exhaustive search on small problems), and the classic traps.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use songjiao::planner::{
    DaySlot, Goals, PreviousSlot, Problem, Schedule, StudentNeed, TeacherOffer, solve, solve_for,
};

fn day(n: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap() + chrono::Duration::days(n as i64)
}

fn slots_of(cells: &[(usize, usize)]) -> Vec<DaySlot> {
    cells
        .iter()
        .map(|&(d, s)| DaySlot {
            day: day(d),
            slot: ["AM", "PM"][s].into(),
        })
        .collect()
}

fn teacher(id: &str, per_day: u32, cells: &[(usize, usize)]) -> TeacherOffer {
    TeacherOffer {
        id: id.into(),
        max_visits_per_day: per_day,
        available: slots_of(cells),
    }
}

fn student(
    id: &str,
    teacher: &str,
    backup: Option<&str>,
    needed: u32,
    priority: i64,
    cells: &[(usize, usize)],
) -> StudentNeed {
    StudentNeed {
        id: id.into(),
        teacher: teacher.into(),
        backup_teacher: backup.map(str::to_string),
        visits_needed: needed,
        priority,
        available: slots_of(cells),
        previous: vec![],
        current: vec![],
    }
}

fn problem(days: usize, teachers: Vec<TeacherOffer>, students: Vec<StudentNeed>) -> Problem {
    Problem {
        week: "2026-W49".into(),
        days: (0..days).map(day).collect(),
        slots: vec!["AM".into(), "PM".into()],
        teachers,
        students,
    }
}

/// Every hard rule of the planner (README, "How planning decides"), checked on a schedule.
fn assert_hard_rules(problem: &Problem, schedule: &Schedule) {
    let mut teacher_slots = HashSet::new();
    let mut teacher_days: HashMap<(&str, NaiveDate), u32> = HashMap::new();
    let mut student_days = HashSet::new();
    let mut student_visits: HashMap<&str, u32> = HashMap::new();
    for v in &schedule.visits {
        let s = problem
            .students
            .iter()
            .find(|s| s.id == v.student)
            .expect("a known student");
        let t = problem
            .teachers
            .iter()
            .find(|t| t.id == v.teacher)
            .expect("a known teacher");
        assert!(
            v.teacher == s.teacher || Some(&v.teacher) == s.backup_teacher.as_ref(),
            "{v:?}: not the student's teacher"
        );
        let cell = DaySlot {
            day: v.day,
            slot: v.slot.clone(),
        };
        assert!(
            s.available.contains(&cell) && t.available.contains(&cell),
            "{v:?}: a slot not available to both"
        );
        assert!(
            teacher_slots.insert((v.teacher.as_str(), v.day, v.slot.as_str())),
            "{v:?}: teacher double-booked"
        );
        let per_day = teacher_days.entry((v.teacher.as_str(), v.day)).or_default();
        *per_day += 1;
        assert!(
            *per_day <= t.max_visits_per_day,
            "{v:?}: over the teacher's daily limit"
        );
        assert!(
            student_days.insert((v.student.as_str(), v.day)),
            "{v:?}: two visits a day"
        );
        let count = student_visits.entry(v.student.as_str()).or_default();
        *count += 1;
        assert!(*count <= s.visits_needed, "{v:?}: more visits than needed");
    }
    let missing: u32 = schedule.unplaced.iter().map(|u| u.missing).sum();
    let needed: u32 = problem.students.iter().map(|s| s.visits_needed).sum();
    assert_eq!(
        schedule.visits.len() as u32 + missing,
        needed,
        "placed + unplaced = needed"
    );
}

/// A visit on one day: the slot's index and the teacher; None for no visit.
type DayChoice<'a> = Option<(usize, &'a str)>;
/// For each student and day, the choices open.
type Options<'a> = Vec<Vec<Vec<DayChoice<'a>>>>;

/// The best schedule's figures by trying every schedule: the placed count per
/// priority (most urgent first), then planned visits kept, backup teacher's visits,
/// consecutive-day pairs and last week's slots kept, each the best with the ones
/// before it held (DESIGN.md's order).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Best {
    placed: Vec<u64>,
    kept: u64,
    backup: u64,
    consecutive: u64,
    previous: u64,
}

impl Best {
    /// Larger is better.
    fn key(
        &self,
    ) -> (
        Vec<u64>,
        u64,
        std::cmp::Reverse<u64>,
        std::cmp::Reverse<u64>,
        u64,
    ) {
        (
            self.placed.clone(),
            self.kept,
            std::cmp::Reverse(self.backup),
            std::cmp::Reverse(self.consecutive),
            self.previous,
        )
    }

    fn of(schedule: &Schedule) -> Best {
        Best {
            placed: schedule
                .stats
                .by_priority
                .iter()
                .map(|p| p.placed)
                .collect(),
            kept: schedule.stats.planned_visits_kept,
            backup: schedule.stats.backup_teacher_visits,
            consecutive: schedule.stats.consecutive_day_pairs,
            previous: schedule.stats.previous_slots_kept,
        }
    }
}

fn exhaustive_best(problem: &Problem) -> Best {
    let priorities: Vec<i64> = {
        let mut p: Vec<i64> = problem.students.iter().map(|s| s.priority).collect();
        p.sort_unstable_by(|a, b| b.cmp(a));
        p.dedup();
        p
    };
    // Each student: for each day, no visit or one (slot, teacher) option.
    let options: Options = problem
        .students
        .iter()
        .map(|s| {
            problem
                .days
                .iter()
                .map(|&d| {
                    let mut choices = vec![None];
                    for (k, slot) in problem.slots.iter().enumerate() {
                        let cell = DaySlot {
                            day: d,
                            slot: slot.clone(),
                        };
                        for t in std::iter::once(&s.teacher).chain(&s.backup_teacher) {
                            let teacher = problem.teachers.iter().find(|x| &x.id == t).unwrap();
                            if s.available.contains(&cell) && teacher.available.contains(&cell) {
                                choices.push(Some((k, t.as_str())));
                            }
                        }
                    }
                    choices
                })
                .collect()
        })
        .collect();
    let mut best = None;
    let mut current: Vec<Vec<DayChoice>> =
        vec![vec![None; problem.days.len()]; problem.students.len()];
    search(
        problem,
        &options,
        &priorities,
        0,
        0,
        &mut current,
        &mut best,
    );
    best.expect("the empty schedule at least")
}

/// What a complete schedule scores.
fn score(problem: &Problem, priorities: &[i64], schedule: &[Vec<DayChoice>]) -> Best {
    let mut best = Best {
        placed: vec![0; priorities.len()],
        kept: 0,
        backup: 0,
        consecutive: 0,
        previous: 0,
    };
    for (s, row) in problem.students.iter().zip(schedule) {
        let placed = row.iter().filter(|c| c.is_some()).count() as u64;
        best.placed[priorities.iter().position(|p| *p == s.priority).unwrap()] += placed;
        for (d, cell) in row.iter().enumerate() {
            let Some((slot, teacher)) = cell else {
                continue;
            };
            let (day, slot) = (problem.days[d], &problem.slots[*slot]);
            best.kept += u64::from(
                s.current
                    .iter()
                    .any(|c| c.teacher == *teacher && c.day == day && c.slot == *slot),
            );
            best.backup += u64::from(*teacher != s.teacher);
            best.previous += u64::from(
                s.previous
                    .iter()
                    .any(|p| p.weekday == day.weekday() && p.slot == *slot),
            );
            if d > 0 && row[d - 1].is_some() {
                best.consecutive += 1;
            }
        }
    }
    best
}

fn search<'a>(
    problem: &Problem,
    options: &Options<'a>,
    priorities: &[i64],
    student: usize,
    d: usize,
    current: &mut Vec<Vec<DayChoice<'a>>>,
    best: &mut Option<Best>,
) {
    if student == problem.students.len() {
        let found = score(problem, priorities, current);
        if best.as_ref().is_none_or(|b| found.key() > b.key()) {
            *best = Some(found);
        }
        return;
    }
    let (next_student, next_day) = if d + 1 == problem.days.len() {
        (student + 1, 0)
    } else {
        (student, d + 1)
    };
    for choice in &options[student][d] {
        current[student][d] = *choice;
        if feasible(problem, current, student) {
            search(
                problem,
                options,
                priorities,
                next_student,
                next_day,
                current,
                best,
            );
        }
    }
    current[student][d] = None;
}

fn feasible(problem: &Problem, current: &[Vec<DayChoice>], student: usize) -> bool {
    let count = current[student].iter().filter(|c| c.is_some()).count() as u32;
    if count > problem.students[student].visits_needed {
        return false;
    }
    let mut slots = HashSet::new();
    let mut per_day: HashMap<(&str, usize), u32> = HashMap::new();
    for row in current {
        for (d, cell) in row.iter().enumerate() {
            if let Some((s, t)) = cell {
                if !slots.insert((*t, d, *s)) {
                    return false;
                }
                let n = per_day.entry((*t, d)).or_default();
                *n += 1;
                if *n
                    > problem
                        .teachers
                        .iter()
                        .find(|x| x.id == *t)
                        .unwrap()
                        .max_visits_per_day
                {
                    return false;
                }
            }
        }
    }
    true
}

/// The size of the weeks a property test draws.
#[derive(Clone)]
struct Shape {
    days: usize,
    /// How many half-days a teacher or a family offers.
    cells: std::ops::Range<usize>,
    teachers: std::ops::Range<usize>,
    students: std::ops::Range<usize>,
    needed: std::ops::Range<u32>,
}

/// A random week: teachers and families with their half-days, backups, three
/// priorities, visits already planned (a re-plan; some no longer valid) and
/// last week's slots.
fn random_week(shape: Shape) -> impl Strategy<Value = Problem> {
    let days = shape.days;
    let most_teachers = shape.teachers.end;
    let cells = proptest::collection::vec((0..days, 0usize..2), shape.cells);
    let teachers = proptest::collection::vec((1u32..3, cells.clone()), shape.teachers);
    let students = proptest::collection::vec(
        (
            0..most_teachers,
            proptest::option::of(0..most_teachers),
            shape.needed,
            0i64..3,
            cells.clone(),
            proptest::collection::vec((0..most_teachers, 0..days, 0usize..2), 0..3),
            proptest::collection::vec((0..days, 0usize..2), 0..3),
        ),
        shape.students,
    );
    (teachers, students).prop_map(move |(teachers, students)| {
        let teachers: Vec<TeacherOffer> = teachers
            .iter()
            .enumerate()
            .map(|(t, (per_day, cells))| teacher(&format!("t{t}"), *per_day, cells))
            .collect();
        let count = teachers.len();
        let students = students
            .iter()
            .enumerate()
            .map(
                |(i, (t, backup, needed, priority, cells, planned, previous))| {
                    let backup = backup.map(|b| format!("t{}", b % count));
                    let mut need = student(
                        &format!("s{i}"),
                        &format!("t{}", t % count),
                        backup.as_deref(),
                        *needed,
                        *priority,
                        cells,
                    );
                    // A planned visit may name a teacher who is gone.
                    need.current = planned
                        .iter()
                        .map(|&(t, d, s)| current(&format!("t{t}"), d, s))
                        .collect();
                    need.previous = previous
                        .iter()
                        .map(|&(d, s)| PreviousSlot {
                            weekday: day(d).weekday(),
                            slot: ["AM", "PM"][s].into(),
                        })
                        .collect();
                    need
                },
            )
            .collect();
        problem(days, teachers, students)
    })
}

fn small_problem() -> impl Strategy<Value = Problem> {
    random_week(Shape {
        days: 3,
        cells: 0..5,
        teachers: 1..3,
        students: 1..4,
        needed: 0..3,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_hard_rule_is_ever_broken(problem in small_problem()) {
        let schedule = solve(&problem).unwrap();
        assert_hard_rules(&problem, &schedule);
        prop_assert_eq!(solve(&problem).unwrap(), schedule, "the same problem gives the same schedule");
    }

    #[test]
    fn coverage_and_every_soft_goal_are_the_exhaustive_optimum(problem in small_problem()) {
        let schedule = solve(&problem).unwrap();
        prop_assert_eq!(Best::of(&schedule), exhaustive_best(&problem));
        for level in &schedule.stats.by_priority {
            prop_assert_eq!(level.placed, level.maximum);
        }
        let optimal = &schedule.stats.optimal;
        prop_assert!(
            optimal.planned_visits_kept && optimal.backup_teacher_visits
                && optimal.consecutive_day_pairs && optimal.previous_slots_kept,
            "a small week is proven optimal: {:?}", optimal
        );
    }
}

/// A school's week: up to 8 teachers and 30 children over five days, with backups,
/// competing priorities, re-plans and last week's slots.
fn medium_problem() -> impl Strategy<Value = Problem> {
    random_week(Shape {
        days: 5,
        cells: 0..8,
        teachers: 2..8,
        students: 5..30,
        needed: 1..4,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_soft_goals_never_cost_a_visit_or_break_a_rule(problem in medium_problem()) {
        let schedule = solve(&problem).unwrap();
        assert_hard_rules(&problem, &schedule);
        let coverage = solve_for(&problem, Goals::Coverage).unwrap();
        prop_assert_eq!(&schedule.stats.by_priority, &coverage.stats.by_priority);
        let optimal = &schedule.stats.optimal;
        prop_assert!(
            optimal.planned_visits_kept && optimal.backup_teacher_visits,
            "a school's week has its kept visits and backup count proven: {:?}", optimal
        );
        prop_assert!(
            schedule.stats.backup_teacher_visits <= coverage.stats.backup_teacher_visits
                || schedule.stats.planned_visits_kept > coverage.stats.planned_visits_kept,
            "the exact pass never needs more backup visits than the greedy one"
        );
    }
}

/// The same 1,000 school weeks on every run: whether a week's search finishes is a
/// fact about that week, so a fixed draw makes this a guard against a weaker
/// bound, not a test that fails on the rare week no budget finishes.
#[test]
fn nearly_every_school_sized_week_has_every_soft_goal_proven() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        rng_seed: proptest::test_runner::RngSeed::Fixed(17),
        ..ProptestConfig::default()
    });
    let strategy = medium_problem();
    let unproven = (0..1_000)
        .filter(|_| {
            let problem =
                proptest::strategy::ValueTree::current(&strategy.new_tree(&mut runner).unwrap());
            let optimal = solve(&problem).unwrap().stats.optimal;
            assert!(optimal.planned_visits_kept && optimal.backup_teacher_visits);
            !(optimal.consecutive_day_pairs && optimal.previous_slots_kept)
        })
        .count();
    // Random draws find the rare week whose search no budget finishes (about 1 in
    // 20,000 now, 1 in 400 before the search's level bound); these have none.
    assert_eq!(unproven, 0, "{unproven} of 1,000 school weeks not proven");
}

#[test]
fn a_swap_between_two_children_saves_a_backup_visit() {
    // Both children can be seen by t1 on Monday morning; "a" could also be seen on
    // Tuesday, "b" otherwise only by its backup t2. Seen in the order listed, "a"
    // takes Monday and "b" gets the backup; the swap needs no backup at all.
    let p = problem(
        3,
        vec![
            teacher("t1", 1, &[(0, 0), (1, 0)]),
            teacher("t2", 1, &[(0, 0), (2, 0)]),
        ],
        vec![
            student("a", "t1", None, 1, 0, &[(0, 0), (1, 0)]),
            student("b", "t1", Some("t2"), 1, 0, &[(0, 0), (2, 0)]),
        ],
    );
    let schedule = solve(&p).unwrap();
    assert_hard_rules(&p, &schedule);
    assert_eq!(schedule.stats.visits_placed, 2);
    assert_eq!(
        schedule.stats.backup_teacher_visits, 0,
        "{:?}",
        schedule.visits
    );
    assert!(schedule.stats.optimal.backup_teacher_visits);
}

#[test]
fn a_third_visit_sits_on_wednesday_when_another_child_can_move() {
    // "s" needs three visits Monday to Friday; "u" one, on Wednesday or Thursday;
    // their teacher makes one visit a day. With "u" on Wednesday, "s" must take two
    // days in a row; with "u" on Thursday, "s" gets Monday, Wednesday and Friday.
    let all: Vec<(usize, usize)> = (0..5).map(|d| (d, 0)).collect();
    let p = problem(
        5,
        vec![teacher("t", 1, &all)],
        vec![
            student("s", "t", None, 3, 0, &all),
            student("u", "t", None, 1, 0, &[(2, 0), (3, 0)]),
        ],
    );
    let schedule = solve(&p).unwrap();
    assert_hard_rules(&p, &schedule);
    let days_of = |id: &str| -> Vec<NaiveDate> {
        schedule
            .visits
            .iter()
            .filter(|v| v.student == id)
            .map(|v| v.day)
            .collect()
    };
    assert_eq!(days_of("s"), vec![day(0), day(2), day(4)]);
    assert_eq!(days_of("u"), vec![day(3)]);
    assert_eq!(schedule.stats.consecutive_day_pairs, 0);
    assert!(schedule.stats.optimal.consecutive_day_pairs);
}

#[test]
fn a_flexible_student_does_not_take_the_only_slot_of_an_inflexible_one() {
    // "a" (listed first, same priority) could take Monday AM; "b" has only Monday AM.
    let p = problem(
        2,
        vec![teacher("t", 1, &[(0, 0), (1, 0)])],
        vec![
            student("a", "t", None, 1, 0, &[(0, 0), (1, 0)]),
            student("b", "t", None, 1, 0, &[(0, 0)]),
        ],
    );
    let schedule = solve(&p).unwrap();
    assert_eq!(schedule.visits.len(), 2, "{schedule:?}");
    assert!(schedule.unplaced.is_empty());
}

#[test]
fn a_backup_teacher_is_used_when_needed_and_only_then() {
    // t1 can make one visit on Monday; two students need a visit then; t2 backs up "b".
    let p = problem(
        1,
        vec![
            teacher("t1", 1, &[(0, 0), (0, 1)]),
            teacher("t2", 1, &[(0, 1)]),
        ],
        vec![
            student("a", "t1", None, 1, 0, &[(0, 1)]),
            student("b", "t1", Some("t2"), 1, 0, &[(0, 0), (0, 1)]),
        ],
    );
    let schedule = solve(&p).unwrap();
    assert_eq!(schedule.visits.len(), 2, "{schedule:?}");
    assert_eq!(schedule.stats.backup_teacher_visits, 1);

    let alone = problem(1, p.teachers.clone(), vec![p.students[1].clone()]);
    let schedule = solve(&alone).unwrap();
    assert_eq!(
        schedule.visits[0].teacher, "t1",
        "the responsible teacher when free"
    );
}

#[test]
fn the_most_urgent_child_is_served_first() {
    let p = problem(
        1,
        vec![teacher("t", 1, &[(0, 0)])],
        vec![
            student("calm", "t", None, 1, 0, &[(0, 0)]),
            student("behind", "t", None, 1, 5, &[(0, 0)]),
        ],
    );
    let schedule = solve(&p).unwrap();
    assert_eq!(schedule.visits[0].student, "behind");
    assert_eq!(schedule.unplaced[0].student, "calm");
    assert!(
        schedule.unplaced[0]
            .reason
            .contains("taken by other students"),
        "{}",
        schedule.unplaced[0].reason
    );
}

#[test]
fn visits_are_spread_apart_and_keep_last_weeks_slots() {
    let all: Vec<(usize, usize)> = (0..5).flat_map(|d| [(d, 0), (d, 1)]).collect();
    let mut s = student("s", "t", None, 2, 0, &all);
    s.previous = vec![PreviousSlot {
        weekday: chrono::Weekday::Tue,
        slot: "PM".into(),
    }];
    let schedule = solve(&problem(5, vec![teacher("t", 2, &all)], vec![s])).unwrap();
    let days: Vec<NaiveDate> = schedule.visits.iter().map(|v| v.day).collect();
    assert_eq!(schedule.stats.consecutive_day_pairs, 0, "{days:?}");
    assert!(
        schedule
            .visits
            .iter()
            .any(|v| v.day.weekday() == chrono::Weekday::Tue && v.slot == "PM"),
        "{:?}",
        schedule.visits
    );
}

#[test]
fn why_a_visit_could_not_be_placed_is_said_plainly() {
    let p = problem(
        3,
        vec![teacher("t", 2, &[(0, 0), (1, 1)])],
        vec![
            student("nothing", "t", None, 2, 0, &[]),
            student("mismatch", "t", None, 2, 0, &[(2, 0)]),
            student("one-day", "t", None, 2, 0, &[(0, 0)]),
        ],
    );
    let reasons: BTreeMap<String, String> = solve(&p)
        .unwrap()
        .unplaced
        .into_iter()
        .map(|u| (u.student, u.reason))
        .collect();
    assert!(
        reasons["nothing"].contains("the family has no available slot"),
        "{reasons:?}"
    );
    assert!(
        reasons["mismatch"].contains("no slot this week suits both the family and teacher t"),
        "{reasons:?}"
    );
    assert!(reasons["one-day"].contains("only 1 day(s)"), "{reasons:?}");
}

#[test]
fn a_malformed_problem_names_the_field() {
    let unknown_teacher = Problem::from_json(r#"{"week":"W","days":["2026-11-30"],"slots":["AM"],"teachers":[],"students":[{"id":"s","teacher":"x","visits_needed":2,"available":[]}]}"#).unwrap();
    let error = solve(&unknown_teacher).unwrap_err();
    assert_eq!(error.field, "students[0].teacher");
    let error = Problem::from_json(
        r#"{"week":"W","days":["2026-13-30"],"slots":[],"teachers":[],"students":[]}"#,
    )
    .unwrap_err();
    assert_eq!(error.field, "days[0]");
    // Availability dates are read by a quicker path; what it cannot read, chrono
    // reads or refuses, naming the field all the same.
    let with_day = |day: &str| {
        Problem::from_json(&format!(
            r#"{{"week":"W","days":["2026-11-30"],"slots":["AM"],"teachers":[{{"id":"t","max_visits_per_day":2,"available":[{{"day":"{day}","slot":"AM"}}]}}],"students":[]}}"#
        ))
    };
    assert_eq!(
        with_day("2026-11-30").unwrap().teachers[0].available[0].day,
        day(0)
    );
    for bad in ["2026-02-30", "2026-1-300", "年6-11-30", "", "2026-11-3O"] {
        let error = with_day(bad).unwrap_err();
        assert_eq!(error.field, "teachers[0].available[0].day", "{bad}");
    }
    let error = Problem::from_json(r#"{"week":"W","days":[],"slots":[],"teachers":[{"id":"t","max_visits_per_day":"two","available":[]}],"students":[]}"#).unwrap_err();
    assert_eq!(error.field, "teachers[0].max_visits_per_day");
}

fn current(teacher: &str, d: usize, s: usize) -> songjiao::planner::CurrentVisit {
    songjiao::planner::CurrentVisit {
        teacher: teacher.into(),
        day: day(d),
        slot: ["AM", "PM"][s].into(),
    }
}

#[test]
fn visits_already_planned_are_kept_unless_a_more_urgent_child_needs_the_slot() {
    // "a" was planned on Tuesday PM, not where the soft goals would put it today
    // (Monday AM): it stays on Tuesday.
    let mut a = student("a", "t", None, 1, 0, &[(0, 0), (1, 1)]);
    a.current = vec![current("t", 1, 1)];
    let p = problem(2, vec![teacher("t", 2, &[(0, 0), (1, 1)])], vec![a.clone()]);
    let schedule = solve(&p).unwrap();
    assert_eq!(schedule.visits[0].day, day(1), "{schedule:?}");

    // A child behind pace whose only slot is Tuesday PM takes it; "a" moves, and
    // nobody loses a visit.
    let urgent = student("b", "t", None, 1, 3, &[(1, 1)]);
    let p = problem(2, vec![teacher("t", 2, &[(0, 0), (1, 1)])], vec![a, urgent]);
    let schedule = solve(&p).unwrap();
    assert_hard_rules(&p, &schedule);
    let day_of = |id: &str| {
        schedule
            .visits
            .iter()
            .find(|v| v.student == id)
            .map(|v| v.day)
    };
    assert_eq!(day_of("b"), Some(day(1)));
    assert_eq!(day_of("a"), Some(day(0)));
}

#[test]
fn a_planned_visit_that_no_longer_fits_is_not_kept() {
    // The teacher is no longer free on Tuesday: the old visit cannot stay.
    let mut a = student("a", "t", None, 1, 0, &[(0, 0), (1, 1)]);
    a.current = vec![current("t", 1, 1), current("nobody", 0, 0)];
    let p = problem(2, vec![teacher("t", 2, &[(0, 0)])], vec![a]);
    let schedule = solve(&p).unwrap();
    assert_eq!(schedule.visits.len(), 1);
    assert_eq!(schedule.visits[0].day, day(0));
}

/// A school of `students` children and a fifth as many teachers, backups among
/// colleagues: a part of a district that shares no teacher with the rest.
fn school(name: &str, students: usize, seed: usize) -> (Vec<TeacherOffer>, Vec<StudentNeed>) {
    let teachers = students / 5;
    let cell = |k: usize| ((k * 7 + seed) % 5, (k * 3 + seed) % 2);
    let offers = (0..teachers)
        .map(|t| {
            let cells: Vec<(usize, usize)> = (0..10)
                .filter(|k| !(k + t + seed).is_multiple_of(4))
                .map(cell)
                .collect();
            teacher(&format!("{name}-T{t}"), 2, &cells)
        })
        .collect();
    let needs = (0..students)
        .map(|i| {
            let t = (i * 7 + seed) % teachers;
            let cells: Vec<(usize, usize)> = (0..4).map(|k| cell(i * 5 + k * 3)).collect();
            let mut need = student(
                &format!("{name}-S{i}"),
                &format!("{name}-T{t}"),
                Some(&format!("{name}-T{}", (t + 1 + i % 3) % teachers)),
                2 + u32::from(i % 10 == 0),
                i64::from(i % 10 == 0),
                &cells,
            );
            need.previous = vec![PreviousSlot {
                weekday: day(cell(i).0).weekday(),
                slot: ["AM", "PM"][cell(i).1].into(),
            }];
            need
        })
        .collect();
    (offers, needs)
}

/// Two schools that share no teacher are planned apart (and side by side): the
/// district's schedule is each school's own, put together in the week's order,
/// and its counts are theirs added.
#[test]
fn schools_that_share_no_teacher_are_planned_apart_and_put_together() {
    let (north_teachers, north_students) = school("N", 2_500, 1);
    let (south_teachers, south_students) = school("S", 2_500, 2);
    let north = problem(5, north_teachers.clone(), north_students.clone());
    let south = problem(5, south_teachers.clone(), south_students.clone());
    // Interleaved, as a district's sheets would list them.
    let mut teachers = Vec::new();
    for (n, s) in north_teachers.into_iter().zip(south_teachers) {
        teachers.extend([n, s]);
    }
    let mut students = Vec::new();
    for (n, s) in north_students.into_iter().zip(south_students) {
        students.extend([s, n]);
    }
    let district = problem(5, teachers, students);
    let whole = solve(&district).unwrap();
    assert_hard_rules(&district, &whole);
    let (north, south) = (solve(&north).unwrap(), solve(&south).unwrap());
    let key = |v: &songjiao::planner::Visit| {
        (v.student.clone(), v.teacher.clone(), v.day, v.slot.clone())
    };
    let mut apart: Vec<_> = north.visits.iter().chain(&south.visits).map(key).collect();
    let mut together: Vec<_> = whole.visits.iter().map(key).collect();
    apart.sort();
    together.sort();
    assert_eq!(together, apart);
    let (n, s, w) = (&north.stats, &south.stats, &whole.stats);
    assert_eq!(w.visits_placed, n.visits_placed + s.visits_placed);
    assert_eq!(
        w.backup_teacher_visits,
        n.backup_teacher_visits + s.backup_teacher_visits
    );
    assert_eq!(
        w.consecutive_day_pairs,
        n.consecutive_day_pairs + s.consecutive_day_pairs
    );
    assert_eq!(
        w.previous_slots_kept,
        n.previous_slots_kept + s.previous_slots_kept
    );
    assert_eq!(
        w.optimal.backup_teacher_visits,
        n.optimal.backup_teacher_visits && s.optimal.backup_teacher_visits
    );
    for level in &w.by_priority {
        let of = |stats: &songjiao::planner::Stats| {
            stats
                .by_priority
                .iter()
                .find(|l| l.priority == level.priority)
                .map_or(0, |l| l.placed)
        };
        assert_eq!(level.placed, of(n) + of(s), "priority {}", level.priority);
    }
    assert_eq!(w.by_priority[0].priority, 1, "the most urgent first");
    assert_eq!(
        whole.unplaced.len(),
        north.unplaced.len() + south.unplaced.len()
    );
    // In the week's order: day, slot, then teacher and child as the district lists them.
    let teacher_at: HashMap<&str, usize> = district
        .teachers
        .iter()
        .enumerate()
        .map(|(k, t)| (t.id.as_str(), k))
        .collect();
    let student_at: HashMap<&str, usize> = district
        .students
        .iter()
        .enumerate()
        .map(|(k, s)| (s.id.as_str(), k))
        .collect();
    let order: Vec<_> = whole
        .visits
        .iter()
        .map(|v| {
            (
                v.day,
                v.slot.clone(),
                teacher_at[v.teacher.as_str()],
                student_at[v.student.as_str()],
            )
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "visits in the week's order"
    );
    let unplaced: Vec<usize> = whole
        .unplaced
        .iter()
        .map(|u| student_at[u.student.as_str()])
        .collect();
    assert!(unplaced.windows(2).all(|w| w[0] < w[1]));
}
