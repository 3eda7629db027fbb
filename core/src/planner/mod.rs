//! The weekly planner (pure): a planning problem in, a schedule out.
//!
//! Coverage comes first and is exact: visits are a flow from students through
//! student-days (one visit a day) and teacher-slots (one home at a time) to
//! teacher-days (the daily limit). Priorities are served from the most urgent down;
//! an augmenting path never takes a visit from a student already served, so each
//! level's count is the maximum given the levels above it. Before each level's
//! maximum flow, visits are pre-placed greedily by the soft goals, so the flow only
//! changes what it must.
//!
//! Then, with every level's count held (each level's flow is fixed on its own arc
//! from the source), a minimum-cost flow keeps as many already planned visits as
//! possible and, after that, makes the fewest visits by a backup teacher: both are
//! costs on the visit arcs, so this is exact. Its potentials price out every visit
//! no such optimal schedule makes, and the rest, days apart and last week's slots,
//! is searched among what remains ([`soft`]).

pub mod advice;
mod cores;
mod flow;
mod parts;
pub mod problem;
mod soft;
pub mod week;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use flow::{FlowGraph, Mode};
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
    /// `why` in English, for programs reading `solve` and the API.
    pub reason: String,
    /// Why, as a value each door words in its reader's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Shortfall>,
}

/// Why a child could not get all their visits, in terms a coordinator acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shortfall {
    /// The family offers no half-day on this week's teaching days.
    FamilyHasNoSlot,
    /// No half-day this week suits both the family and the teachers.
    NoCommonSlot {
        teacher: String,
        backup: Option<String>,
    },
    /// Only `days` days have a half-day that suits both; one visit a day.
    TooFewDays {
        days: usize,
        teacher: String,
        backup: Option<String>,
    },
    /// The half-days that suit the family are taken by the teachers' other
    /// visits, or their daily limit is reached.
    SlotsTaken {
        teacher: String,
        backup: Option<String>,
    },
}

impl Shortfall {
    pub fn english(&self) -> String {
        let teachers = |teacher: &str, backup: &Option<String>| match backup {
            Some(backup) => format!("teacher {teacher} or backup {backup}"),
            None => format!("teacher {teacher} (no backup teacher)"),
        };
        match self {
            Shortfall::FamilyHasNoSlot => {
                "the family has no available slot on this week's teaching days".into()
            }
            Shortfall::NoCommonSlot { teacher, backup } => format!(
                "no slot this week suits both the family and {}",
                teachers(teacher, backup)
            ),
            Shortfall::TooFewDays {
                days,
                teacher,
                backup,
            } => format!(
                "only {days} day(s) this week have a slot that suits both the family and {}; a child gets at most one visit a day",
                teachers(teacher, backup)
            ),
            Shortfall::SlotsTaken { teacher, backup } => format!(
                "the slots that suit the family are taken by other students' visits of {}, or their daily limit is reached",
                teachers(teacher, backup)
            ),
        }
    }

    /// In Chinese, each teacher by `name` (王芳).
    pub fn chinese(&self, name: impl Fn(&str) -> String) -> String {
        let teachers = |teacher: &str, backup: &Option<String>| match backup {
            Some(backup) => format!("{}老师或备用教师{}", name(teacher), name(backup)),
            None => format!("{}老师（没有备用教师）", name(teacher)),
        };
        match self {
            Shortfall::FamilyHasNoSlot => "家长在本周的教学日没有可送教的时段".into(),
            Shortfall::NoCommonSlot { teacher, backup } => {
                format!("本周没有家长和{}都可以的时段", teachers(teacher, backup))
            }
            Shortfall::TooFewDays {
                days,
                teacher,
                backup,
            } => format!(
                "本周只有 {days} 天有家长和{}都可以的时段；每个孩子每天最多送教一次",
                teachers(teacher, backup)
            ),
            Shortfall::SlotsTaken { teacher, backup } => format!(
                "家长可以的时段已被{}的其他送教占用，或已达每天送教上限",
                teachers(teacher, backup)
            ),
        }
    }
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

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub visits_needed: u64,
    pub visits_placed: u64,
    pub by_priority: Vec<PriorityStats>,
    /// Visits already planned for the week (a re-plan) that stay where they were.
    pub planned_visits_kept: u64,
    pub backup_teacher_visits: u64,
    pub consecutive_day_pairs: u64,
    pub previous_slots_kept: u64,
    /// Which of the counts above are proven the best possible, each with the goals
    /// before it held (coverage always is: `by_priority`).
    pub optimal: Optimal,
}

/// Whether each soft goal's count is proven optimal, in the order they are served.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Optimal {
    pub planned_visits_kept: bool,
    pub backup_teacher_visits: bool,
    pub consecutive_day_pairs: bool,
    pub previous_slots_kept: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub visits: Vec<Visit>,
    pub unplaced: Vec<Unplaced>,
    pub stats: Stats,
}

/// How much of the objective to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goals {
    /// Everything, in order: coverage, then the soft goals.
    All,
    /// Coverage per priority only, the soft goals as a greedy pass leaves them: for
    /// what-if questions that only count visits (the staffing advice).
    Coverage,
}

/// From how many students (or visits) a plan's per-student work is shared with
/// a second core: below it, starting a thread costs more than it saves.
const TWO_CORES_FROM_STUDENTS: usize = 20_000;

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

impl Candidate {
    fn path(&self) -> [usize; 4] {
        [
            self.student_day_edge as usize,
            self.edge as usize,
            self.slot_edge as usize,
            self.day_edge as usize,
        ]
    }
}

/// A student's own edges from the source: through the priority level, then their own.
#[derive(Clone, Copy)]
struct Supply {
    level_edge: usize,
    student_edge: usize,
}

/// Solves a checked problem, every goal. Deterministic: the same problem gives the
/// same schedule.
pub fn solve(problem: &Problem) -> Result<Schedule, ProblemError> {
    solve_for(problem, Goals::All)
}

pub fn solve_for(problem: &Problem, goals: Goals) -> Result<Schedule, ProblemError> {
    let index = problem.index()?;
    let split = parts::split(problem, &index);
    if split.len() <= 1 {
        return Ok(solve_checked(problem, &index, goals).schedule);
    }
    let from = if problem.students.len() < TWO_CORES_FROM_STUDENTS {
        usize::MAX
    } else {
        2
    };
    let parts = cores::map_in_halves(split.len(), from, |k| {
        parts::part(problem, &index, &split[k])
    });
    Ok(parts::merge(&parts, side_by_side(&parts, goals)?))
}

/// Plans independent parts on the machine's cores, the largest first; the
/// schedules come back in the parts' order, whichever finished first.
fn side_by_side(parts: &[parts::Part], goals: Goals) -> Result<Vec<Planned>, ProblemError> {
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(parts[k].problem.students.len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<std::sync::Mutex<Option<Result<Planned, ProblemError>>>> =
        parts.iter().map(|_| Default::default()).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(parts.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(&k) =
                    order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    let problem = &parts[k].problem;
                    let planned = problem
                        .index()
                        .map(|index| solve_checked(problem, &index, goals));
                    *done[k].lock().unwrap_or_else(|e| e.into_inner()) = Some(planned);
                }
            });
        }
    });
    done.into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every part is planned before the scope ends")
        })
        .collect()
}

/// A visit's day, and its slot, teacher and student by their places in the
/// problem's lists: the order visits are listed in.
type VisitKey = (NaiveDate, u8, u32, u32);

/// A schedule, with where each visit and each child short of visits sits in its
/// problem's lists: parts are put together without looking names up.
struct Planned {
    schedule: Schedule,
    visit_keys: Vec<VisitKey>,
    unplaced_students: Vec<u32>,
}

/// Plans a checked problem (or part) whole.
fn solve_checked(problem: &Problem, index: &problem::Index, goals: Goals) -> Planned {
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
    // A visit costs 1 by the backup teacher and, in a re-plan, more than every
    // backup visit together when it is not where it was planned: kept visits first.
    let moved_cost: i64 = if holder.is_empty() {
        0
    } else {
        problem
            .students
            .iter()
            .map(|s| i64::from(s.visits_needed))
            .sum::<i64>()
            + 1
    };

    // Most urgent first. Every level's edge from the source exists from the start,
    // closed (capacity 0) until the level is served.
    let mut levels: BTreeMap<std::cmp::Reverse<i64>, Vec<usize>> = BTreeMap::new();
    for (i, student) in problem.students.iter().enumerate() {
        levels
            .entry(std::cmp::Reverse(student.priority))
            .or_default()
            .push(i);
    }
    let mut level_of = vec![0usize; problem.students.len()];
    let mut level_edges = Vec::with_capacity(levels.len());
    for (l, members) in levels.values().enumerate() {
        let node = graph.add_node();
        level_edges.push(graph.add_edge(source, node, 0));
        for &i in members {
            level_of[i] = l;
        }
    }
    let supplies: Vec<Supply> = problem
        .students
        .iter()
        .enumerate()
        .map(|(i, student)| {
            let level_edge = level_edges[level_of[i]];
            let level_node = 2 + problem.students.len() + level_of[i];
            Supply {
                level_edge,
                student_edge: graph.add_edge(level_node, i + 2, student.visits_needed as i32),
            }
        })
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
                let is_current = current[i].contains(&cell);
                let cost = if is_current { 0 } else { moved_cost } + i64::from(backup);
                let edge = graph.add_costed_edge(student_day, slot_node, 1, cost);
                mine.push(Candidate {
                    day: d as u8,
                    slot: s as u8,
                    backup,
                    previous,
                    current: is_current,
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

    let mut by_priority = Vec::new();
    for (l, (std::cmp::Reverse(priority), mut members)) in levels.into_iter().enumerate() {
        members.sort_by_cached_key(|&i| (distinct_days(&candidates[i]), &problem.students[i].id));
        let needed: u64 = members
            .iter()
            .map(|&i| u64::from(problem.students[i].visits_needed))
            .sum();
        graph.set_capacity(level_edges[l], needed as i32);
        // What costs nothing first (the responsible teacher, a planned visit kept),
        // then the rest: the exact pass below has little left to mend.
        for mode in [Mode::Costless, Mode::All] {
            for &i in &members {
                place_greedily(&mut graph, supplies[i], &candidates[i], &problem.days, mode);
            }
            graph.max_flow_in(source, sink, mode);
        }
        let placed = graph.flow(level_edges[l]);
        // The level's count is now held: no later path may take from it.
        graph.set_capacity(level_edges[l], placed);
        by_priority.push(PriorityStats {
            priority,
            students: members.len(),
            needed,
            placed: placed as u64,
            maximum: placed as u64,
        });
    }

    let (chosen, optimal) = match goals {
        Goals::All => {
            keep_and_prefer_the_responsible_teacher(&mut graph, &supplies, &candidates);
            let (chosen, proof) = spread_and_keep_routines(problem, &graph, &candidates, &level_of);
            let optimal = Optimal {
                planned_visits_kept: true,
                backup_teacher_visits: true,
                consecutive_day_pairs: proof.consecutive,
                previous_slots_kept: proof.previous,
            };
            (chosen, optimal)
        }
        Goals::Coverage => {
            let chosen = candidates
                .iter()
                .map(|mine| {
                    (0..mine.len())
                        .filter(|&k| graph.flow(mine[k].edge as usize) > 0)
                        .collect()
                })
                .collect();
            let optimal = Optimal {
                planned_visits_kept: false,
                backup_teacher_visits: false,
                consecutive_day_pairs: false,
                previous_slots_kept: false,
            };
            (chosen, optimal)
        }
    };

    // Visits in order of day, slot, teacher and student as the problem lists them.
    let mut placed: Vec<VisitKey> = Vec::new();
    let mut unplaced = Vec::new();
    let mut unplaced_students = Vec::new();
    let mut stats = Stats {
        visits_needed: 0,
        visits_placed: 0,
        by_priority,
        planned_visits_kept: 0,
        backup_teacher_visits: 0,
        consecutive_day_pairs: 0,
        previous_slots_kept: 0,
        optimal,
    };
    for (i, student) in problem.students.iter().enumerate() {
        let mut mine: Vec<&Candidate> = chosen[i].iter().map(|&k| &candidates[i][k]).collect();
        mine.sort_by_key(|c| problem.days[c.day as usize]);
        for pair in mine.windows(2) {
            if (problem.days[pair[1].day as usize] - problem.days[pair[0].day as usize]).num_days()
                == 1
            {
                stats.consecutive_day_pairs += 1;
            }
        }
        for c in &mine {
            stats.planned_visits_kept += u64::from(c.current);
            stats.backup_teacher_visits += u64::from(c.backup);
            stats.previous_slots_kept += u64::from(c.previous);
            placed.push((problem.days[c.day as usize], c.slot, c.teacher, i as u32));
        }
        stats.visits_needed += u64::from(student.visits_needed);
        stats.visits_placed += mine.len() as u64;
        let missing = student.visits_needed.saturating_sub(mine.len() as u32);
        if missing > 0 {
            unplaced_students.push(i as u32);
            let why = shortfall(problem, index, i, &candidates[i]);
            unplaced.push(Unplaced {
                student: student.id.clone(),
                missing,
                reason: why.english(),
                why: Some(why),
            });
        }
    }
    placed.sort_unstable();
    let visits = cores::map_in_halves(placed.len(), TWO_CORES_FROM_STUDENTS, |k| {
        let (day, slot, teacher, student) = placed[k];
        Visit {
            student: problem.students[student as usize].id.clone(),
            teacher: problem.teachers[teacher as usize].id.clone(),
            day,
            slot: problem.slots[slot as usize].clone(),
        }
    });
    Planned {
        schedule: Schedule {
            visits,
            unplaced,
            stats,
        },
        visit_keys: placed,
        unplaced_students,
    }
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
    supply: Supply,
    candidates: &[Candidate],
    days: &[NaiveDate],
    mode: Mode,
) {
    let mut chosen: Vec<usize> = Vec::new();
    while graph.residual(supply.student_edge) > 0 && graph.residual(supply.level_edge) > 0 {
        let best = candidates
            .iter()
            .filter(|c| mode == Mode::All || graph.cost(c.edge as usize) == 0)
            .filter(|c| c.path().iter().all(|&e| graph.residual(e) > 0))
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
        graph.push(supply.level_edge, 1);
        graph.push(supply.student_edge, 1);
        send(graph, c, 1);
        chosen.push(c.day as usize);
    }
}

/// Sends (1) or takes back (-1) a visit along a candidate's path.
fn send(graph: &mut FlowGraph, c: &Candidate, amount: i32) {
    for edge in c.path() {
        graph.push(edge, amount);
    }
}

/// With every level's count held: the most planned visits kept, then the fewest
/// by a backup teacher, exactly. Every visit that costs something is taken back
/// (what stays costs nothing, so zero potentials price it right), and the least
/// costly way to give the levels their counts again is found.
fn keep_and_prefer_the_responsible_teacher(
    graph: &mut FlowGraph,
    supplies: &[Supply],
    candidates: &[Vec<Candidate>],
) {
    for (supply, mine) in supplies.iter().zip(candidates) {
        for c in mine {
            if graph.flow(c.edge as usize) > 0 && graph.cost(c.edge as usize) > 0 {
                send(graph, c, -1);
                graph.push(supply.student_edge, -1);
                graph.push(supply.level_edge, -1);
            }
        }
    }
    graph.min_cost_flow(0, 1);
}

/// Days apart, then last week's slots, among the schedules the flow proved best
/// so far: each student's chosen candidates, and what is proven.
fn spread_and_keep_routines(
    problem: &Problem,
    graph: &FlowGraph,
    candidates: &[Vec<Candidate>],
    level_of: &[usize],
) -> (Vec<Vec<usize>>, soft::Proof) {
    let days = problem.days.len();
    let mut by_date: Vec<usize> = (0..days).collect();
    by_date.sort_by_key(|&d| problem.days[d]);
    let mut place = vec![0usize; days];
    for (p, &d) in by_date.iter().enumerate() {
        place[d] = p;
    }
    let week = soft::Week {
        days,
        followed: by_date
            .windows(2)
            .map(|w| (problem.days[w[1]] - problem.days[w[0]]).num_days() == 1)
            .chain([false])
            .collect(),
        cells: problem.teachers.len() * days * problem.slots.len(),
        limits: problem
            .teachers
            .iter()
            .flat_map(|t| std::iter::repeat_n(t.max_visits_per_day, days))
            .collect(),
        levels: level_of.iter().max().map_or(0, |l| l + 1),
    };
    // Each child's choices, and the candidate each one is.
    let (mut children, candidate_of): (Vec<soft::Student>, Vec<Vec<usize>>) =
        cores::map_in_halves(candidates.len(), TWO_CORES_FROM_STUDENTS, |i| {
            let mut choices = Vec::new();
            let mut chosen = Vec::new();
            let mut kept = Vec::new();
            for (k, c) in candidates[i].iter().enumerate() {
                let used = graph.flow(c.edge as usize) > 0;
                // An edge priced above zero carries nothing in any optimal flow.
                if !used && c.path().iter().any(|&e| graph.reduced_cost(e) > 0) {
                    continue;
                }
                if used {
                    chosen.push(choices.len());
                }
                kept.push(k);
                let t = c.teacher as usize;
                let d = c.day as usize;
                choices.push(soft::Choice {
                    day: place[d],
                    cell: (t * days + d) * problem.slots.len() + c.slot as usize,
                    teacher_day: t * days + d,
                    cost: [
                        i64::from(!c.current),
                        i64::from(c.backup),
                        0,
                        i64::from(!c.previous),
                    ],
                });
            }
            let child = soft::Student {
                level: level_of[i],
                needed: problem.students[i].visits_needed as usize,
                choices,
                chosen,
            };
            (child, kept)
        })
        .into_iter()
        .unzip();
    let proof = soft::optimise(&week, &mut children);
    let chosen = children
        .iter()
        .zip(&candidate_of)
        .map(|(child, kept)| child.chosen.iter().map(|&k| kept[k]).collect())
        .collect();
    (chosen, proof)
}

/// Why a student could not get all their visits.
fn shortfall(
    problem: &Problem,
    index: &problem::Index,
    i: usize,
    candidates: &[Candidate],
) -> Shortfall {
    let student = &problem.students[i];
    let (teacher, backup) = (student.teacher.clone(), student.backup_teacher.clone());
    if index.student_available[i].is_empty() {
        return Shortfall::FamilyHasNoSlot;
    }
    if candidates.is_empty() {
        return Shortfall::NoCommonSlot { teacher, backup };
    }
    let days = distinct_days(candidates);
    if (days as u32) < student.visits_needed {
        return Shortfall::TooFewDays {
            days,
            teacher,
            backup,
        };
    }
    Shortfall::SlotsTaken { teacher, backup }
}
