//! The weekly planner (pure): a planning problem in, a schedule out.
//!
//! Coverage comes first and is exact: visits are a flow from students through
//! student-days (one visit a day) and teacher-slots (one home at a time) to
//! teacher-days (the daily limit). Priorities are served from the most urgent down;
//! an augmenting path never takes a visit from a student already served, so each
//! level's count is the maximum given the levels above it. Before each level's
//! maximum flow, visits are pre-placed greedily by the soft goals (responsible
//! teacher, days apart, last week's slots), so the flow only changes what it must.

pub mod advice;
mod flow;
pub mod problem;
pub mod week;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use flow::FlowGraph;
pub use problem::{
    CurrentVisit, DaySlot, PreviousSlot, Problem, ProblemError, StudentNeed, TeacherOffer,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visit {
    pub student: String,
    pub teacher: String,
    pub day: NaiveDate,
    pub slot: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unplaced {
    pub student: String,
    pub missing: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriorityStats {
    pub priority: i64,
    pub students: usize,
    pub needed: u64,
    pub placed: u64,
    /// The most visits this priority can get once every more urgent one has its
    /// most: the maximum flow, so `placed` equals it.
    pub maximum: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub visits_needed: u64,
    pub visits_placed: u64,
    pub by_priority: Vec<PriorityStats>,
    pub backup_teacher_visits: u64,
    pub consecutive_day_pairs: u64,
    pub previous_slots_kept: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub visits: Vec<Visit>,
    pub unplaced: Vec<Unplaced>,
    pub stats: Stats,
}

/// One way to place a visit: a student-day → teacher-slot edge and the path around it.
struct Candidate {
    day: u8,
    slot: u8,
    backup: bool,
    previous: bool,
    /// The student's visit is already planned here (a re-plan).
    current: bool,
    /// Another student's visit is already planned in this teacher-slot.
    held_by_other: bool,
    teacher: u32,
    edge: u32,
    student_day_edge: u32,
    slot_edge: u32,
    day_edge: u32,
}

/// Solves a checked problem. Deterministic: the same problem gives the same schedule.
pub fn solve(problem: &Problem) -> Result<Schedule, ProblemError> {
    let index = problem.index()?;
    let (days, slots, teachers) = (
        problem.days.len(),
        problem.slots.len(),
        problem.teachers.len(),
    );
    // Nodes 0 and 1 are the source and sink, 2.. the students; the rest come as needed.
    let mut graph = FlowGraph::new(2 + problem.students.len());
    let (source, sink) = (0, 1);
    let mut teacher_slot_node: Vec<Option<(usize, usize)>> = vec![None; teachers * days * slots];
    let mut teacher_day_node: Vec<Option<(usize, usize)>> = vec![None; teachers * days];
    let teacher_ids: HashMap<&str, usize> = problem
        .teachers
        .iter()
        .enumerate()
        .map(|(t, teacher)| (teacher.id.as_str(), t))
        .collect();
    let day_ids: HashMap<NaiveDate, usize> = problem
        .days
        .iter()
        .enumerate()
        .map(|(d, day)| (*day, d))
        .collect();
    let slot_ids: HashMap<&str, usize> = problem
        .slots
        .iter()
        .enumerate()
        .map(|(s, slot)| (slot.as_str(), s))
        .collect();
    // Who already holds each teacher-slot (a re-plan), and each student's own.
    let mut holder: HashMap<usize, usize> = HashMap::new();
    let current: Vec<Vec<usize>> = problem
        .students
        .iter()
        .enumerate()
        .map(|(i, student)| {
            let mine: Vec<usize> = student
                .current
                .iter()
                .filter_map(|visit| {
                    let t = *teacher_ids.get(visit.teacher.as_str())?;
                    let d = *day_ids.get(&visit.day)?;
                    let s = *slot_ids.get(visit.slot.as_str())?;
                    Some((t * days + d) * slots + s)
                })
                .collect();
            for &cell in &mine {
                holder.entry(cell).or_insert(i);
            }
            mine
        })
        .collect();

    // Every student's source edge exists from the start, closed (capacity 0) until
    // the student's priority level is served.
    let source_edges: Vec<usize> = (0..problem.students.len())
        .map(|i| graph.add_edge(source, i + 2, 0))
        .collect();
    // Candidates of each student, preferred first.
    let mut candidates: Vec<Vec<Candidate>> = Vec::with_capacity(problem.students.len());
    for (i, student) in problem.students.iter().enumerate() {
        let node = i + 2;
        let mut mine = Vec::new();
        let mut student_day_nodes: Vec<Option<(usize, usize)>> = vec![None; days];
        let helpers = [
            (index.student_teacher[i], false),
            (index.student_backup[i], true),
        ];
        for &(d, s) in &index.student_available[i] {
            for &(teacher, backup) in &helpers {
                let Some(t) = teacher else { continue };
                if !index.teacher_available[(t * days + d) * slots + s] {
                    continue;
                }
                let (student_day, student_day_edge) =
                    *student_day_nodes[d].get_or_insert_with(|| {
                        let n = graph.add_node();
                        (n, graph.add_edge(node, n, 1))
                    });
                let (day_node, day_edge) =
                    *teacher_day_node[t * days + d].get_or_insert_with(|| {
                        let n = graph.add_node();
                        (
                            n,
                            graph.add_edge(n, sink, problem.teachers[t].max_visits_per_day as i32),
                        )
                    });
                let (slot_node, slot_edge) = *teacher_slot_node[(t * days + d) * slots + s]
                    .get_or_insert_with(|| {
                        let n = graph.add_node();
                        (n, graph.add_edge(n, day_node, 1))
                    });
                let previous = student
                    .previous
                    .iter()
                    .any(|p| p.weekday == problem.days[d].weekday() && p.slot == problem.slots[s]);
                let cell = (t * days + d) * slots + s;
                let edge = graph.add_edge(student_day, slot_node, 1);
                mine.push(Candidate {
                    day: d as u8,
                    slot: s as u8,
                    backup,
                    previous,
                    current: current[i].contains(&cell),
                    held_by_other: holder.get(&cell).is_some_and(|&j| j != i),
                    teacher: t as u32,
                    edge: edge as u32,
                    student_day_edge: student_day_edge as u32,
                    slot_edge: slot_edge as u32,
                    day_edge: day_edge as u32,
                });
            }
        }
        candidates.push(mine);
    }

    graph.freeze();

    // Most urgent first; within a level, the least flexible first.
    let mut levels: BTreeMap<std::cmp::Reverse<i64>, Vec<usize>> = BTreeMap::new();
    for (i, student) in problem.students.iter().enumerate() {
        levels
            .entry(std::cmp::Reverse(student.priority))
            .or_default()
            .push(i);
    }
    let mut by_priority = Vec::new();
    for (std::cmp::Reverse(priority), mut members) in levels {
        members.sort_by_cached_key(|&i| (distinct_days(&candidates[i]), &problem.students[i].id));
        for &i in &members {
            graph.set_capacity(source_edges[i], problem.students[i].visits_needed as i32);
        }
        for &i in &members {
            place_greedily(&mut graph, source_edges[i], &candidates[i], &problem.days);
        }
        graph.max_flow(source, sink);
        let placed: u64 = members
            .iter()
            .map(|&i| graph.flow(source_edges[i]) as u64)
            .sum();
        by_priority.push(PriorityStats {
            priority,
            students: members.len(),
            needed: members
                .iter()
                .map(|&i| u64::from(problem.students[i].visits_needed))
                .sum(),
            placed,
            maximum: placed,
        });
    }

    for mine in &candidates {
        improve(&mut graph, mine, &problem.days);
    }

    // Visits in order of day, slot, teacher and student as the problem lists them.
    let mut placed: Vec<(NaiveDate, u8, u32, u32)> = Vec::new();
    let mut unplaced = Vec::new();
    let mut stats = Stats {
        visits_needed: 0,
        visits_placed: 0,
        by_priority,
        backup_teacher_visits: 0,
        consecutive_day_pairs: 0,
        previous_slots_kept: 0,
    };
    for (i, student) in problem.students.iter().enumerate() {
        let mut mine: Vec<&Candidate> = candidates[i]
            .iter()
            .filter(|c| graph.flow(c.edge as usize) > 0)
            .collect();
        mine.sort_by_key(|c| (c.day, c.slot));
        for pair in mine.windows(2) {
            if (problem.days[pair[1].day as usize] - problem.days[pair[0].day as usize]).num_days()
                == 1
            {
                stats.consecutive_day_pairs += 1;
            }
        }
        for c in &mine {
            stats.backup_teacher_visits += u64::from(c.backup);
            stats.previous_slots_kept += u64::from(c.previous);
            placed.push((problem.days[c.day as usize], c.slot, c.teacher, i as u32));
        }
        stats.visits_needed += u64::from(student.visits_needed);
        stats.visits_placed += mine.len() as u64;
        let missing = student.visits_needed.saturating_sub(mine.len() as u32);
        if missing > 0 {
            unplaced.push(Unplaced {
                student: student.id.clone(),
                missing,
                reason: reason(problem, &index, i, &candidates[i]),
            });
        }
    }
    placed.sort_unstable();
    let visits = placed
        .into_iter()
        .map(|(day, slot, teacher, student)| Visit {
            student: problem.students[student as usize].id.clone(),
            teacher: problem.teachers[teacher as usize].id.clone(),
            day,
            slot: problem.slots[slot as usize].clone(),
        })
        .collect();
    Ok(Schedule {
        visits,
        unplaced,
        stats,
    })
}

fn distinct_days(candidates: &[Candidate]) -> usize {
    let mut days: Vec<u8> = candidates.iter().map(|c| c.day).collect();
    days.dedup();
    days.len()
}

/// Places a student's visits one by one where the soft goals like them best,
/// using only what is still free.
fn place_greedily(
    graph: &mut FlowGraph,
    source_edge: usize,
    candidates: &[Candidate],
    days: &[NaiveDate],
) {
    let mut chosen: Vec<usize> = Vec::new();
    while graph.residual(source_edge) > 0 {
        let best = candidates
            .iter()
            .filter(|c| {
                [c.edge, c.student_day_edge, c.slot_edge, c.day_edge]
                    .iter()
                    .all(|&e| graph.residual(e as usize) > 0)
            })
            .min_by_key(|c| {
                let next_to_chosen = chosen
                    .iter()
                    .any(|&d| (days[d] - days[c.day as usize]).num_days().abs() == 1);
                (
                    !c.current,
                    c.held_by_other,
                    c.backup,
                    next_to_chosen,
                    !c.previous,
                    c.day,
                    c.slot,
                )
            });
        let Some(c) = best else { break };
        graph.push(source_edge, 1);
        send(graph, c, 1);
        chosen.push(c.day as usize);
    }
}

/// Sends (1) or takes back (-1) a visit along a candidate's path.
fn send(graph: &mut FlowGraph, c: &Candidate, amount: i32) {
    for edge in [c.student_day_edge, c.edge, c.slot_edge, c.day_edge] {
        graph.push(edge as usize, amount);
    }
}

/// After coverage is fixed, moves single visits to free places the soft goals like
/// better: keeping an already planned visit, then the responsible teacher, then days
/// apart, then last week's slots. A move never changes how many visits anyone has.
fn improve(graph: &mut FlowGraph, candidates: &[Candidate], days: &[NaiveDate]) {
    let placed_days = |graph: &FlowGraph, except: usize| -> Vec<NaiveDate> {
        candidates
            .iter()
            .enumerate()
            .filter(|&(k, c)| k != except && graph.flow(c.edge as usize) > 0)
            .map(|(_, c)| days[c.day as usize])
            .collect()
    };
    let score = |c: &Candidate, others: &[NaiveDate]| {
        let day = days[c.day as usize];
        let next_to_other = others.iter().any(|&o| (o - day).num_days().abs() == 1);
        (!c.current, c.backup, next_to_other, !c.previous)
    };
    // Each move strictly improves one visit's score, so this ends; the bound keeps
    // it short on large weeks.
    for _ in 0..candidates.len() {
        let mut moved = false;
        for (k, placed) in candidates.iter().enumerate() {
            if graph.flow(placed.edge as usize) == 0 {
                continue;
            }
            let others = placed_days(graph, k);
            let better = candidates.iter().filter(|c| {
                graph.residual(c.edge as usize) > 0
                    && graph.residual(c.slot_edge as usize) > 0
                    && graph.residual(c.day_edge as usize) > 0
                    && (c.day == placed.day || graph.residual(c.student_day_edge as usize) > 0)
                    && score(c, &others) < score(placed, &others)
            });
            if let Some(c) = better.min_by_key(|c| (score(c, &others), c.day, c.slot)) {
                send(graph, placed, -1);
                send(graph, c, 1);
                moved = true;
                break;
            }
        }
        if !moved {
            break;
        }
    }
}

/// Why a student could not get all their visits, in words a coordinator can act on.
fn reason(problem: &Problem, index: &problem::Index, i: usize, candidates: &[Candidate]) -> String {
    let student = &problem.students[i];
    let teachers = match &student.backup_teacher {
        Some(backup) => format!("teacher {} or backup {backup}", student.teacher),
        None => format!("teacher {} (no backup teacher)", student.teacher),
    };
    if index.student_available[i].is_empty() {
        return "the family has no available slot on this week's teaching days".into();
    }
    if candidates.is_empty() {
        return format!("no slot this week suits both the family and {teachers}");
    }
    let days = distinct_days(candidates);
    if (days as u32) < student.visits_needed {
        return format!(
            "only {days} day(s) this week have a slot that suits both the family and {teachers}; a child gets at most one visit a day"
        );
    }
    format!(
        "the slots that suit the family are taken by other students' visits of {teachers}, or their daily limit is reached"
    )
}
