//! A week in independent parts. Children who share no teacher, directly or
//! through a chain of backups, compete for nothing: each connected part is
//! planned on its own, side by side on the machine's cores, and the schedules
//! put together are the whole week's optimum, goal by goal (every goal is a sum
//! over the parts). A district's schools are such parts when backups are
//! colleagues: small graphs, every goal exact.

use std::collections::BTreeMap;

use super::problem::Index;
use super::{Planned, PriorityStats, Problem, Schedule, Stats};

/// A part holds at least this many children, whole components packed together,
/// so that a district of small schools is not planned one school at a time.
const PART_STUDENTS: usize = 2_000;

/// The students (by index, in order) of each part; one part when the week
/// does not split.
pub(super) fn split(problem: &Problem, index: &Index) -> Vec<Vec<usize>> {
    let mut root: Vec<usize> = (0..problem.teachers.len()).collect();
    fn find(root: &mut [usize], mut t: usize) -> usize {
        while root[t] != t {
            root[t] = root[root[t]];
            t = root[t];
        }
        t
    }
    for (teacher, backup) in index.student_teacher.iter().zip(&index.student_backup) {
        if let (Some(a), Some(b)) = (teacher, backup) {
            let (a, b) = (find(&mut root, *a), find(&mut root, *b));
            root[a.max(b)] = a.min(b);
        }
    }
    // Components in the order of their first child.
    let mut component_of_root: BTreeMap<usize, usize> = BTreeMap::new();
    let mut components: Vec<Vec<usize>> = Vec::new();
    for (i, teacher) in index.student_teacher.iter().enumerate() {
        let key = teacher.map_or(usize::MAX, |t| find(&mut root, t));
        let c = *component_of_root.entry(key).or_insert_with(|| {
            components.push(Vec::new());
            components.len() - 1
        });
        components[c].push(i);
    }
    let mut parts: Vec<Vec<usize>> = Vec::new();
    for component in components {
        match parts.last_mut() {
            Some(part) if part.len() < PART_STUDENTS => part.extend(component),
            _ => parts.push(component),
        }
    }
    for part in &mut parts {
        part.sort_unstable();
    }
    parts
}

/// The part of the week some students make: they and their teachers, in the
/// week's order, and where each sits in the week's lists.
pub(super) struct Part {
    pub problem: Problem,
    students: Vec<usize>,
    teachers: Vec<usize>,
}

pub(super) fn part(problem: &Problem, index: &Index, students: &[usize]) -> Part {
    let mut teachers: Vec<usize> = students
        .iter()
        .flat_map(|&i| [index.student_teacher[i], index.student_backup[i]])
        .flatten()
        .collect();
    teachers.sort_unstable();
    teachers.dedup();
    Part {
        problem: Problem {
            week: problem.week.clone(),
            days: problem.days.clone(),
            slots: problem.slots.clone(),
            teachers: teachers
                .iter()
                .map(|&t| problem.teachers[t].clone())
                .collect(),
            students: students
                .iter()
                .map(|&i| problem.students[i].clone())
                .collect(),
        },
        students: students.to_vec(),
        teachers,
    }
}

/// The parts' schedules as one: visits in the week's order (day, slot, teacher,
/// student as the problem lists them), counts added, a goal proven when it is
/// proven in every part.
pub(super) fn merge(parts: &[Part], planned: Vec<Planned>) -> Schedule {
    let mut stats = Stats {
        optimal: super::Optimal {
            planned_visits_kept: true,
            backup_teacher_visits: true,
            consecutive_day_pairs: true,
            previous_slots_kept: true,
        },
        ..Stats::default()
    };
    let mut levels: BTreeMap<std::cmp::Reverse<i64>, PriorityStats> = BTreeMap::new();
    let (mut visits, mut unplaced) = (Vec::new(), Vec::new());
    for (part, planned) in parts.iter().zip(planned) {
        let s = planned.schedule.stats;
        stats.visits_needed += s.visits_needed;
        stats.visits_placed += s.visits_placed;
        stats.planned_visits_kept += s.planned_visits_kept;
        stats.backup_teacher_visits += s.backup_teacher_visits;
        stats.consecutive_day_pairs += s.consecutive_day_pairs;
        stats.previous_slots_kept += s.previous_slots_kept;
        let proven = &mut stats.optimal;
        proven.planned_visits_kept &= s.optimal.planned_visits_kept;
        proven.backup_teacher_visits &= s.optimal.backup_teacher_visits;
        proven.consecutive_day_pairs &= s.optimal.consecutive_day_pairs;
        proven.previous_slots_kept &= s.optimal.previous_slots_kept;
        for level in s.by_priority {
            let merged = levels
                .entry(std::cmp::Reverse(level.priority))
                .or_insert(PriorityStats {
                    priority: level.priority,
                    students: 0,
                    needed: 0,
                    placed: 0,
                    maximum: 0,
                });
            merged.students += level.students;
            merged.needed += level.needed;
            merged.placed += level.placed;
            merged.maximum += level.maximum;
        }
        // Every part has the week's days and slots; its teachers and students are
        // the week's, in the week's order.
        let visit_keys = planned.visit_keys.iter();
        for (visit, &(day, slot, t, i)) in planned.schedule.visits.into_iter().zip(visit_keys) {
            let (t, i) = (part.teachers[t as usize], part.students[i as usize]);
            visits.push(((day, slot, t as u32, i as u32), visit));
        }
        let short = planned.unplaced_students.iter();
        for (child, &i) in planned.schedule.unplaced.into_iter().zip(short) {
            unplaced.push((part.students[i as usize], child));
        }
    }
    stats.by_priority = levels.into_values().collect();
    visits.sort_unstable_by_key(|&(key, _)| key);
    unplaced.sort_unstable_by_key(|&(i, _)| i);
    Schedule {
        visits: visits.into_iter().map(|(_, visit)| visit).collect(),
        unplaced: unplaced.into_iter().map(|(_, child)| child).collect(),
        stats,
    }
}
