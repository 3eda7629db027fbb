//! Staffing advice: when a week cannot give every child its visits, where the
//! bottleneck is (the minimum cut of the planning flow: the half-days that are full,
//! the families with too few half-days in common with their teacher) and the
//! smallest additions that would place every visit.
//!
//! The additions are found greedily and proven by solving again: each one is the
//! addition that places the most visits once the earlier ones are made, counted by
//! the planner itself on the part of the district it touches. Pure.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use chrono::NaiveDate;
use serde::Serialize;

use super::{DaySlot, Goals, Problem, Schedule, StudentNeed, TeacherOffer, solve_for};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    /// A teacher offers these half-days too.
    TeacherHalfDays,
    /// A teacher with free half-days becomes these children's backup.
    BackupTeacher,
    /// The family is also available on these half-days.
    FamilyHalfDays,
}

/// One addition that would place more visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    pub kind: AdviceKind,
    pub teachers: Vec<String>,
    /// The children the change is about: whose plan gets the backup teacher, or
    /// whose family is asked. Empty for a teacher's half-days.
    pub changed_for: Vec<String>,
    /// The children whose missing visits it places.
    pub students: Vec<String>,
    pub half_days: Vec<DaySlot>,
    /// Visits it places that could not be placed without it (after the advice
    /// listed before it).
    pub visits: u64,
}

/// The minimum cut around the children who could not get their visits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Bottleneck {
    /// Teachers whose half-days these children could use are all taken.
    pub full_half_days: Vec<TeacherHalfDays>,
    /// Teachers who reached their daily limit on days these children could use.
    pub full_days: Vec<TeacherDays>,
    /// Children whose family shares fewer days with their teachers than the visits
    /// they need (a child gets one visit a day).
    pub few_common_days: Vec<FewCommonDays>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeacherHalfDays {
    pub teacher: String,
    pub half_days: Vec<DaySlot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeacherDays {
    pub teacher: String,
    pub days: Vec<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FewCommonDays {
    pub student: String,
    pub common_days: u32,
    pub visits_needed: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Staffing {
    pub bottleneck: Bottleneck,
    pub advice: Vec<Advice>,
    /// Visits still unplaced after every addition advised (none found would help,
    /// or their part of the district was not advised on).
    pub still_unplaced: u64,
    /// Parts of the district short of teachers beyond the most urgent ones advised.
    pub groups_not_advised: usize,
}

/// At most this many additions are looked for in one part of the district: more
/// would be a reorganisation, not advice.
const MOST_ADDITIONS: usize = 24;
/// Backup teachers tried for one child: those with the most free half-days it can use.
const BACKUP_CANDIDATES: usize = 3;
/// The most teachers advised on together.
const MOST_TEACHERS: usize = 3;
/// The most groups of teachers advised on in one week, the most urgent first.
const MOST_GROUPS: usize = 60;

pub fn advise(problem: &Problem, schedule: &Schedule) -> Staffing {
    advise_for(problem, schedule, |_| true)
}

/// Advice for the missing visits of the children `wanted` picks (the year's
/// simulation asks only for those of children behind pace: a third visit missing
/// for a child on pace is no staffing problem).
pub fn advise_for(
    problem: &Problem,
    schedule: &Schedule,
    wanted: impl Fn(&StudentNeed) -> bool,
) -> Staffing {
    let district = District::new(problem, schedule, wanted);
    if district.missing.is_empty() {
        return Staffing::default();
    }
    let mut staffing = Staffing {
        bottleneck: district.bottleneck(),
        ..Staffing::default()
    };
    let mut groups = district.groups();
    // The most urgent shortfalls first; past MOST_GROUPS a week needs a new
    // staffing plan more than a list, and the count says how much is left.
    let by_teacher = district.urgency_by_teacher();
    let urgency = |group: &BTreeSet<&str>| {
        group
            .iter()
            .filter_map(|t| by_teacher.get(t))
            .fold((i64::MIN, 0), |(p, m), &(priority, missing)| {
                (p.max(priority), m + missing)
            })
    };
    groups.sort_by_cached_key(|group| {
        let (priority, missing) = urgency(group);
        (
            std::cmp::Reverse(priority),
            std::cmp::Reverse(missing),
            group.clone(),
        )
    });
    for (k, group) in groups.iter().enumerate() {
        if k >= MOST_GROUPS {
            staffing.still_unplaced += urgency(group).1;
            staffing.groups_not_advised += 1;
            continue;
        }
        let (advice, left) = district.additions(group);
        staffing.advice.extend(advice);
        staffing.still_unplaced += left;
    }
    staffing.advice = merge(staffing.advice);
    staffing
}

/// The week as placed, indexed for the questions advice asks.
struct District<'a> {
    problem: &'a Problem,
    teachers: HashMap<&'a str, &'a TeacherOffer>,
    /// Cells (teacher, day, slot) taken, and by whom.
    taken: HashMap<(&'a str, NaiveDate, &'a str), &'a str>,
    /// Each student's placed visits: (teacher, day, slot).
    placed: HashMap<&'a str, Vec<(&'a str, NaiveDate, &'a str)>>,
    /// Visits per teacher and day.
    per_day: HashMap<(&'a str, NaiveDate), u32>,
    /// The children a teacher visits on a day.
    day_holders: HashMap<(&'a str, NaiveDate), Vec<&'a str>>,
    missing: BTreeMap<&'a str, u32>,
    students: HashMap<&'a str, &'a StudentNeed>,
    /// Each teacher's half-days still free (offered, not taken, day not full).
    free: BTreeMap<&'a str, Vec<DaySlot>>,
    /// Who is free in each half-day.
    free_in: HashMap<&'a DaySlot, Vec<&'a str>>,
    /// The children (their index in the problem) each teacher teaches or backs up.
    taught_by: HashMap<&'a str, Vec<usize>>,
}

impl<'a> District<'a> {
    fn new(
        problem: &'a Problem,
        schedule: &'a Schedule,
        wanted: impl Fn(&StudentNeed) -> bool,
    ) -> Self {
        let students: HashMap<&'a str, &'a StudentNeed> = problem
            .students
            .iter()
            .map(|s| (s.id.as_str(), s))
            .collect();
        let mut district = District {
            problem,
            teachers: problem
                .teachers
                .iter()
                .map(|t| (t.id.as_str(), t))
                .collect(),
            taken: HashMap::new(),
            placed: HashMap::new(),
            per_day: HashMap::new(),
            day_holders: HashMap::new(),
            missing: schedule
                .unplaced
                .iter()
                .filter(|u| students.get(u.student.as_str()).is_some_and(|s| wanted(s)))
                .map(|u| (u.student.as_str(), u.missing))
                .collect(),
            students,
            free: BTreeMap::new(),
            free_in: HashMap::new(),
            taught_by: HashMap::new(),
        };
        for (i, student) in problem.students.iter().enumerate() {
            for teacher in helpers(student) {
                district.taught_by.entry(teacher).or_default().push(i);
            }
        }
        district.index_placed(schedule);
        for teacher in &problem.teachers {
            for c in &teacher.available {
                let key = (teacher.id.as_str(), c.day, c.slot.as_str());
                if !district.taken.contains_key(&key) && !district.day_full(&teacher.id, c.day) {
                    district
                        .free
                        .entry(&teacher.id)
                        .or_default()
                        .push(c.clone());
                    district.free_in.entry(c).or_default().push(&teacher.id);
                }
            }
        }
        district
    }

    fn index_placed(&mut self, schedule: &'a Schedule) {
        for visit in &schedule.visits {
            let cell = (visit.teacher.as_str(), visit.day, visit.slot.as_str());
            self.taken.insert(cell, visit.student.as_str());
            self.placed
                .entry(visit.student.as_str())
                .or_default()
                .push(cell);
            *self
                .per_day
                .entry((visit.teacher.as_str(), visit.day))
                .or_default() += 1;
            self.day_holders
                .entry((visit.teacher.as_str(), visit.day))
                .or_default()
                .push(visit.student.as_str());
        }
    }

    fn offers(&self, teacher: &str, day: NaiveDate, slot: &str) -> bool {
        self.teachers
            .get(teacher)
            .is_some_and(|t| t.available.iter().any(|c| c.day == day && c.slot == slot))
    }

    /// The cut, found as the flow's residual graph is: from each child missing
    /// visits, every half-day it could use with one of its teachers; a taken
    /// half-day leads on to the child holding it (who might move), a free one on a
    /// full day to that day's children. What is reached and full is the bottleneck.
    fn bottleneck(&self) -> Bottleneck {
        let mut seen: HashSet<&str> = self.missing.keys().copied().collect();
        let mut queue: VecDeque<&str> = self.missing.keys().copied().collect();
        let mut full_cells: BTreeMap<&str, BTreeSet<(NaiveDate, &str)>> = BTreeMap::new();
        let mut full_days: BTreeMap<&str, BTreeSet<NaiveDate>> = BTreeMap::new();
        while let Some(id) = queue.pop_front() {
            let Some(student) = self.students.get(id) else {
                continue;
            };
            for cell in &student.available {
                for teacher in helpers(student) {
                    if !self.offers(teacher, cell.day, &cell.slot) {
                        continue;
                    }
                    let key = (teacher, cell.day, cell.slot.as_str());
                    let holders: Vec<&str> = match self.taken.get(&key) {
                        Some(&holder) if holder == id => continue,
                        Some(&holder) => {
                            full_cells
                                .entry(teacher)
                                .or_default()
                                .insert((cell.day, cell.slot.as_str()));
                            vec![holder]
                        }
                        None if self.day_full(teacher, cell.day) => {
                            full_days.entry(teacher).or_default().insert(cell.day);
                            self.day_holders
                                .get(&(teacher, cell.day))
                                .cloned()
                                .unwrap_or_default()
                        }
                        None => Vec::new(),
                    };
                    for holder in holders {
                        if seen.insert(holder) {
                            queue.push_back(holder);
                        }
                    }
                }
            }
        }
        let few_common_days = self
            .missing
            .keys()
            .filter_map(|&id| {
                let student = self.students.get(id)?;
                let days: BTreeSet<NaiveDate> = student
                    .available
                    .iter()
                    .filter(|c| helpers(student).any(|t| self.offers(t, c.day, &c.slot)))
                    .map(|c| c.day)
                    .collect();
                (days.len() < student.visits_needed as usize).then(|| FewCommonDays {
                    student: id.to_string(),
                    common_days: days.len() as u32,
                    visits_needed: student.visits_needed,
                })
            })
            .collect();
        Bottleneck {
            full_half_days: full_cells
                .into_iter()
                .map(|(teacher, cells)| TeacherHalfDays {
                    teacher: teacher.to_string(),
                    half_days: cells.into_iter().map(|(d, s)| cell(d, s)).collect(),
                })
                .collect(),
            full_days: full_days
                .into_iter()
                .map(|(teacher, days)| TeacherDays {
                    teacher: teacher.to_string(),
                    days: days.into_iter().collect(),
                })
                .collect(),
            few_common_days,
        }
    }

    /// Per teacher: the highest priority among the children missing visits it
    /// teaches or backs up, and how many visits they miss.
    fn urgency_by_teacher(&self) -> HashMap<&'a str, (i64, u64)> {
        let mut by_teacher: HashMap<&'a str, (i64, u64)> = HashMap::new();
        for (&id, &missing) in &self.missing {
            let Some(student) = self.students.get(id) else {
                continue;
            };
            for teacher in helpers(student) {
                let entry = by_teacher.entry(teacher).or_insert((i64::MIN, 0));
                *entry = (entry.0.max(student.priority), entry.1 + u64::from(missing));
            }
        }
        by_teacher
    }

    fn day_full(&self, teacher: &str, day: NaiveDate) -> bool {
        let limit = self
            .teachers
            .get(teacher)
            .map_or(0, |t| t.max_visits_per_day);
        self.per_day.get(&(teacher, day)).copied().unwrap_or(0) >= limit
    }

    /// Teachers linked by the children missing visits: each group is advised on
    /// its own (its children compete for the same teachers). Backups can chain a
    /// whole district together, so a group stops growing at a few teachers; groups
    /// that would have merged past that are advised side by side.
    fn groups(&self) -> Vec<BTreeSet<&'a str>> {
        let mut groups: Vec<BTreeSet<&'a str>> = Vec::new();
        let mut group_of: HashMap<&'a str, usize> = HashMap::new();
        for &id in self.missing.keys() {
            let Some(student) = self.students.get(id) else {
                continue;
            };
            let mine: BTreeSet<&'a str> = helpers(student).collect();
            let joined: BTreeSet<usize> = mine
                .iter()
                .filter_map(|t| group_of.get(t).copied())
                .collect();
            let mut merged = mine.clone();
            for &g in &joined {
                merged.extend(groups[g].iter().copied());
            }
            if merged.len() <= MOST_TEACHERS {
                let target = joined.first().copied().unwrap_or(groups.len());
                if target == groups.len() {
                    groups.push(BTreeSet::new());
                }
                for &g in joined.iter().skip(1) {
                    groups[g].clear();
                }
                for &teacher in &merged {
                    group_of.insert(teacher, target);
                }
                groups[target] = merged;
            } else if !joined.iter().any(|&g| mine.is_subset(&groups[g])) {
                for &teacher in &mine {
                    group_of.entry(teacher).or_insert(groups.len());
                }
                groups.push(mine);
            }
        }
        groups.retain(|g| !g.is_empty());
        groups.sort();
        groups
    }

    /// The part of the week a group of teachers can change: their half-days and
    /// every child one of them teaches. A child's visits with a teacher outside
    /// the group stay where they are (their days are not offered again).
    fn part(&self, group: &BTreeSet<&str>) -> Problem {
        let teachers: Vec<TeacherOffer> = group
            .iter()
            .filter_map(|t| self.teachers.get(t).map(|&offer| offer.clone()))
            .collect();
        // The group's children, in the problem's order (the planner is deterministic
        // in it), each once.
        let mut mine: Vec<usize> = group
            .iter()
            .flat_map(|t| self.taught_by.get(t).into_iter().flatten().copied())
            .collect();
        mine.sort_unstable();
        mine.dedup();
        let mut students = Vec::new();
        for student in mine.into_iter().map(|i| &self.problem.students[i]) {
            let inside: Vec<&str> = helpers(student).filter(|t| group.contains(t)).collect();
            let Some(&first) = inside.first() else {
                continue;
            };
            let outside: Vec<NaiveDate> = self
                .placed
                .get(student.id.as_str())
                .into_iter()
                .flatten()
                .filter(|(t, _, _)| !group.contains(t))
                .map(|&(_, d, _)| d)
                .collect();
            let needed = student.visits_needed.saturating_sub(outside.len() as u32);
            if needed == 0 {
                continue;
            }
            students.push(StudentNeed {
                id: student.id.clone(),
                teacher: first.to_string(),
                backup_teacher: inside.get(1).map(|t| t.to_string()),
                visits_needed: needed,
                priority: student.priority,
                available: student
                    .available
                    .iter()
                    .filter(|c| !outside.contains(&c.day))
                    .cloned()
                    .collect(),
                previous: Vec::new(),
                current: Vec::new(),
            });
        }
        Problem {
            week: self.problem.week.clone(),
            days: self.problem.days.clone(),
            slots: self.problem.slots.clone(),
            teachers,
            students,
        }
    }

    /// The additions for one group, each the one that places the most visits
    /// after the ones before it; and the visits still unplaced after them.
    fn additions(&self, group: &BTreeSet<&str>) -> (Vec<Advice>, u64) {
        let mut part = self.part(group);
        let wanted_left = |missing: &BTreeMap<String, u32>| -> u64 {
            missing
                .iter()
                .filter(|(id, _)| self.missing.contains_key(id.as_str()))
                .map(|(_, &m)| u64::from(m))
                .sum()
        };
        let (mut schedule, mut short) = missing_in(&part);
        let mut left = wanted_left(&short);
        let mut advice = Vec::new();
        while left > 0 && advice.len() < MOST_ADDITIONS {
            let trial = |candidate: &Addition| {
                let mut trial = part.clone();
                candidate.apply(&mut trial);
                let (schedule, after) = missing_in(&trial);
                (left.saturating_sub(wanted_left(&after)), (schedule, after))
            };
            let candidates = self.candidates(&part, &schedule, &short);
            // A backup can place several visits; one more half-day places one at
            // most (it adds one place to the flow), so the first that places one
            // is as good as any, and the preferred kind comes first: a teacher's
            // half-day before a backup before asking a family.
            let mut best: Option<(u64, &Addition, Planned)> = None;
            for candidate in candidates
                .iter()
                .filter(|c| matches!(c, Addition::Backup { .. }))
            {
                let (gain, after) = trial(candidate);
                if gain > best.as_ref().map_or(0, |b| b.0) {
                    best = Some((gain, candidate, after));
                }
            }
            if best.as_ref().is_none_or(|b| b.0 <= 1) {
                let single = |kind: fn(&Addition) -> bool| {
                    candidates.iter().filter(|c| kind(c)).find_map(|candidate| {
                        let (gain, after) = trial(candidate);
                        (gain > 0).then_some((gain, candidate, after))
                    })
                };
                let found = single(|c| matches!(c, Addition::TeacherHalfDay { .. }));
                if found.is_some() {
                    best = found;
                } else if best.is_none() {
                    best = single(|c| matches!(c, Addition::FamilyHalfDay { .. }));
                }
            }
            let Some((gain, candidate, (planned, after))) = best else {
                break;
            };
            // Named for the children whose missing visits it places, whoever moves.
            let helped: Vec<String> = short
                .iter()
                .filter(|(id, m)| {
                    self.missing.contains_key(id.as_str())
                        && after.get(*id).copied().unwrap_or(0) < **m
                })
                .map(|(id, _)| id.clone())
                .collect();
            candidate.apply(&mut part);
            advice.push(candidate.advice(gain, helped));
            left -= gain;
            (schedule, short) = (planned, after);
        }
        (advice, left)
    }

    /// Every single addition that could help a child of the part who misses visits:
    /// for that child, and for every child whose visits it could take over (the
    /// residual graph's reach), since moving one of those elsewhere frees a place.
    fn candidates(
        &self,
        part: &Problem,
        schedule: &Schedule,
        short: &BTreeMap<String, u32>,
    ) -> Vec<Addition> {
        let holder: HashMap<(&str, NaiveDate, &str), &str> = schedule
            .visits
            .iter()
            .map(|v| {
                (
                    (v.teacher.as_str(), v.day, v.slot.as_str()),
                    v.student.as_str(),
                )
            })
            .collect();
        let by_id: HashMap<&str, &StudentNeed> =
            part.students.iter().map(|s| (s.id.as_str(), s)).collect();
        let mut reached: BTreeSet<&str> = short
            .keys()
            .map(String::as_str)
            .filter(|id| self.missing.contains_key(id))
            .collect();
        let mut queue: VecDeque<&str> = reached.iter().copied().collect();
        while let Some(id) = queue.pop_front() {
            let Some(student) = by_id.get(id) else {
                continue;
            };
            for c in &student.available {
                for teacher in helpers(student) {
                    if let Some(&other) = holder.get(&(teacher, c.day, c.slot.as_str()))
                        && reached.insert(other)
                    {
                        queue.push_back(other);
                    }
                }
            }
        }
        let offers = |teacher: &str, c: &DaySlot| {
            part.teachers
                .iter()
                .any(|t| t.id == teacher && t.available.contains(c))
        };
        let mut additions = BTreeSet::new();
        for student in reached.iter().filter_map(|id| by_id.get(id)) {
            for c in &student.available {
                for teacher in helpers(student) {
                    if !offers(teacher, c) {
                        additions.insert(Addition::TeacherHalfDay {
                            teacher: teacher.to_string(),
                            cell: c.clone(),
                            student: student.id.clone(),
                        });
                    }
                }
            }
            for teacher in helpers(student) {
                for c in part
                    .teachers
                    .iter()
                    .filter(|t| t.id == teacher)
                    .flat_map(|t| &t.available)
                {
                    if !student.available.contains(c) {
                        additions.insert(Addition::FamilyHalfDay {
                            student: student.id.clone(),
                            cell: c.clone(),
                        });
                    }
                }
            }
            if student.backup_teacher.is_none() {
                for (teacher, free) in self.backup_candidates(student, part) {
                    additions.insert(Addition::Backup {
                        teacher,
                        free,
                        student: student.id.clone(),
                    });
                }
            }
        }
        additions.into_iter().collect()
    }

    /// Teachers outside the part with half-days free in the week that the child's
    /// family could use: the most such half-days first.
    fn backup_candidates(
        &self,
        student: &StudentNeed,
        part: &Problem,
    ) -> Vec<(String, Vec<DaySlot>)> {
        let mut usable: HashMap<&str, usize> = HashMap::new();
        for c in &student.available {
            for &teacher in self.free_in.get(c).into_iter().flatten() {
                if !part.teachers.iter().any(|p| p.id == teacher) {
                    *usable.entry(teacher).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(usize, &str)> = usable.into_iter().map(|(t, n)| (n, t)).collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let mut found: Vec<(String, Vec<DaySlot>)> = ranked
            .into_iter()
            .take(BACKUP_CANDIDATES)
            .map(|(_, t)| (t.to_string(), self.free.get(t).cloned().unwrap_or_default()))
            .collect();
        found.sort();
        found
    }
}

/// One change to the week that advice may suggest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Addition {
    TeacherHalfDay {
        teacher: String,
        cell: DaySlot,
        student: String,
    },
    Backup {
        teacher: String,
        /// The teacher's free half-days of the week.
        free: Vec<DaySlot>,
        student: String,
    },
    FamilyHalfDay {
        student: String,
        cell: DaySlot,
    },
}

impl Addition {
    fn apply(&self, part: &mut Problem) {
        match self {
            Addition::TeacherHalfDay { teacher, cell, .. } => {
                if let Some(t) = part.teachers.iter_mut().find(|t| &t.id == teacher) {
                    t.available.push(cell.clone());
                }
            }
            Addition::Backup {
                teacher,
                free,
                student,
            } => {
                if !part.teachers.iter().any(|t| &t.id == teacher) {
                    part.teachers.push(TeacherOffer {
                        id: teacher.clone(),
                        // Only what this teacher has free: their other visits stay.
                        max_visits_per_day: 1,
                        available: free.clone(),
                    });
                }
                if let Some(s) = part.students.iter_mut().find(|s| &s.id == student) {
                    s.backup_teacher = Some(teacher.clone());
                }
            }
            Addition::FamilyHalfDay { student, cell } => {
                if let Some(s) = part.students.iter_mut().find(|s| &s.id == student) {
                    s.available.push(cell.clone());
                }
            }
        }
    }

    /// The advice for this addition; `helped` are the children whose missing
    /// visits it places.
    fn advice(&self, visits: u64, helped: Vec<String>) -> Advice {
        match self {
            Addition::TeacherHalfDay { teacher, cell, .. } => Advice {
                kind: AdviceKind::TeacherHalfDays,
                teachers: vec![teacher.clone()],
                changed_for: Vec::new(),
                students: helped,
                half_days: vec![cell.clone()],
                visits,
            },
            Addition::Backup {
                teacher, student, ..
            } => Advice {
                kind: AdviceKind::BackupTeacher,
                teachers: vec![teacher.clone()],
                changed_for: vec![student.clone()],
                students: helped,
                half_days: Vec::new(),
                visits,
            },
            Addition::FamilyHalfDay { student, cell } => Advice {
                kind: AdviceKind::FamilyHalfDays,
                teachers: Vec::new(),
                changed_for: vec![student.clone()],
                students: helped,
                half_days: vec![cell.clone()],
                visits,
            },
        }
    }
}

/// A child's teacher and backup.
fn helpers(student: &StudentNeed) -> impl Iterator<Item = &str> {
    std::iter::once(student.teacher.as_str()).chain(student.backup_teacher.as_deref())
}

fn cell(day: NaiveDate, slot: &str) -> DaySlot {
    DaySlot {
        day,
        slot: slot.to_string(),
    }
}

/// A part planned, and the visits each of its children still misses.
type Planned = (Schedule, BTreeMap<String, u32>);

fn missing_in(part: &Problem) -> Planned {
    let schedule = solve_for(part, Goals::Coverage).unwrap_or_else(|_| empty(part));
    let missing = schedule
        .unplaced
        .iter()
        .map(|u| (u.student.clone(), u.missing))
        .collect();
    (schedule, missing)
}

fn empty(part: &Problem) -> Schedule {
    Schedule {
        visits: Vec::new(),
        unplaced: part
            .students
            .iter()
            .map(|s| super::Unplaced {
                student: s.id.clone(),
                missing: s.visits_needed,
                reason: String::new(),
                why: None,
            })
            .collect(),
        stats: super::Stats {
            visits_needed: 0,
            visits_placed: 0,
            ..Default::default()
        },
    }
}

/// One line per teacher (or child) and kind: "T04: Tue PM, Thu AM".
fn merge(advice: Vec<Advice>) -> Vec<Advice> {
    let mut merged: Vec<Advice> = Vec::new();
    for item in advice {
        let same = merged.iter_mut().find(|m| {
            m.kind == item.kind
                && match item.kind {
                    AdviceKind::FamilyHalfDays => m.changed_for == item.changed_for,
                    _ => m.teachers == item.teachers,
                }
        });
        match same {
            Some(m) => {
                m.visits += item.visits;
                for (mine, theirs) in [
                    (&mut m.students, item.students),
                    (&mut m.changed_for, item.changed_for),
                ] {
                    for s in theirs {
                        if !mine.contains(&s) {
                            mine.push(s);
                        }
                    }
                }
                m.half_days.extend(item.half_days);
                m.half_days
                    .sort_by(|a, b| (a.day, &a.slot).cmp(&(b.day, &b.slot)));
            }
            None => merged.push(item),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::solve;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29 + d)
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(2026, 12, d - 1).expect("a day of the week"))
    }

    fn cells(list: &[(u32, &str)]) -> Vec<DaySlot> {
        list.iter().map(|&(d, s)| cell(day(d), s)).collect()
    }

    fn student(id: &str, teacher: &str, available: &[(u32, &str)]) -> StudentNeed {
        StudentNeed {
            id: id.into(),
            teacher: teacher.into(),
            backup_teacher: None,
            visits_needed: 2,
            priority: 0,
            available: cells(available),
            previous: Vec::new(),
            current: Vec::new(),
        }
    }

    /// Worked by hand. T1 offers Monday and Wednesday mornings; S1 and S2 both need
    /// two visits from T1, so two cannot be placed. S2's family is also free on
    /// Tuesday and Thursday afternoons, when T2 (who teaches only S3, on Monday and
    /// Wednesday afternoons) is free. One change places both missing visits: T2 as
    /// S2's backup (S2 moves to T2's afternoons, S1 takes T1's mornings). Adding
    /// T1 half-days would need two.
    fn district() -> Problem {
        let mut s2 = student(
            "S2",
            "T1",
            &[(1, "AM"), (3, "AM"), (5, "AM"), (2, "PM"), (4, "PM")],
        );
        s2.priority = 1;
        Problem {
            week: "2026-W49".into(),
            days: (1..=5).map(day).collect(),
            slots: vec!["AM".into(), "PM".into()],
            teachers: vec![
                TeacherOffer {
                    id: "T1".into(),
                    max_visits_per_day: 2,
                    available: cells(&[(1, "AM"), (3, "AM")]),
                },
                TeacherOffer {
                    id: "T2".into(),
                    max_visits_per_day: 2,
                    available: cells(&[(1, "PM"), (2, "PM"), (3, "PM"), (4, "PM")]),
                },
            ],
            students: vec![
                student("S1", "T1", &[(1, "AM"), (3, "AM"), (5, "AM")]),
                s2,
                student("S3", "T2", &[(1, "PM"), (3, "PM")]),
            ],
        }
    }

    #[test]
    fn a_backup_teacher_with_free_afternoons_places_both_missing_visits() {
        let problem = district();
        let schedule = solve(&problem).unwrap();
        assert_eq!(schedule.stats.visits_placed, 4);
        let staffing = advise(&problem, &schedule);
        assert_eq!(
            staffing.bottleneck.full_half_days,
            [TeacherHalfDays {
                teacher: "T1".into(),
                half_days: cells(&[(1, "AM"), (3, "AM")]),
            }]
        );
        assert_eq!(
            staffing.advice,
            [Advice {
                kind: AdviceKind::BackupTeacher,
                teachers: vec!["T2".into()],
                changed_for: vec!["S2".into()],
                students: vec!["S1".into()],
                half_days: Vec::new(),
                visits: 2,
            }]
        );
        assert_eq!(staffing.still_unplaced, 0);
        // Doing what it says places every visit.
        let mut fixed = problem.clone();
        fixed.students[1].backup_teacher = Some("T2".into());
        assert_eq!(solve(&fixed).unwrap().stats.visits_placed, 6);
    }

    #[test]
    fn a_family_with_one_day_is_named_and_more_half_days_of_the_teacher_advised() {
        let mut problem = district();
        problem.teachers.truncate(1);
        problem.students = vec![student("S1", "T1", &[(1, "AM"), (5, "AM")])];
        let schedule = solve(&problem).unwrap();
        let staffing = advise(&problem, &schedule);
        assert_eq!(
            staffing.bottleneck.few_common_days,
            [FewCommonDays {
                student: "S1".into(),
                common_days: 1,
                visits_needed: 2,
            }]
        );
        assert_eq!(
            staffing.advice,
            [Advice {
                kind: AdviceKind::TeacherHalfDays,
                teachers: vec!["T1".into()],
                changed_for: Vec::new(),
                students: vec!["S1".into()],
                half_days: cells(&[(5, "AM")]),
                visits: 1,
            }]
        );
        let mut fixed = problem.clone();
        fixed.teachers[0].available.push(cell(day(5), "AM"));
        assert_eq!(solve(&fixed).unwrap().stats.visits_placed, 2);
    }

    #[test]
    fn a_week_with_every_visit_placed_needs_no_advice() {
        let mut problem = district();
        problem.students.remove(1);
        let schedule = solve(&problem).unwrap();
        assert_eq!(advise(&problem, &schedule), Staffing::default());
    }
}
