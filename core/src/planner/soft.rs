//! The soft goals once coverage and the backup teacher's visits are settled: fewest
//! visits on consecutive days, then most of last week's slots.
//!
//! The children are first split into groups that share no teacher-day (after the
//! minimum-cost flow has priced out every visit no optimal schedule makes, most
//! groups are one teacher's few children). Each group is searched exactly: a
//! depth-first branch and bound over each child's days, bounded by what every child
//! could get alone and by what each priority's count leaves the children still to
//! come. A group whose search does not finish within its budget (a district's
//! tangle of shared backup teachers) is improved by a local search that re-solves,
//! exactly, one teacher's children at a time with everyone else held; a group small
//! enough is then searched again from that better schedule, with nodes the week
//! keeps spare for it (on 61,000 generated school weeks, all but 2 finished).
//! Every move is a complete re-solve of its children under the whole lexicographic
//! cost, so no move ever loses a visit, a kept planned visit or a responsible
//! teacher's visit. A budget counts search nodes, never the clock: the same week
//! gives the same schedule on any machine.

/// What a schedule costs, compared in order: planned visits moved, visits by the
/// backup teacher, pairs of visits on consecutive days, visits off last week's slots.
pub(super) type Cost = [i64; 4];

const CONSECUTIVE: usize = 2;
const PREVIOUS: usize = 3;
/// A group of at most this many children is searched exactly.
const EXACT_CHILDREN: usize = 200;
/// Search nodes for one group's exact search, and for one local-search move.
const EXACT_BUDGET: usize = 100_000;
/// Search nodes a week shares out, in the groups' order, to finish the searches
/// that ran out of their own: a tenth of a second or so at most. Most school
/// weeks that need it finish with a few hundred thousand; the rare one that does
/// not finish with 5 million did not with 20 either.
const SPARE_BUDGET: usize = 5_000_000;
const MOVE_BUDGET: usize = 2_000;
const MOVE_CHILDREN: usize = 8;
/// In a tangle larger than this (a district's over-full week), each child is
/// re-solved alone: enough moves to matter, few enough to stay within seconds.
const CROWD: usize = 5_000;

/// One way to make one of a child's visits.
pub(super) struct Choice {
    /// The day's place in date order.
    pub day: usize,
    pub cell: usize,
    pub teacher_day: usize,
    pub cost: Cost,
}

pub(super) struct Student {
    pub level: usize,
    pub needed: usize,
    /// The ways an optimal schedule may visit this child.
    pub choices: Vec<Choice>,
    /// The choices made, by index.
    pub chosen: Vec<usize>,
}

pub(super) struct Week {
    pub days: usize,
    /// Whether the day at each place in date order is followed by the next calendar day.
    pub followed: Vec<bool>,
    pub cells: usize,
    /// Each teacher-day's daily limit.
    pub limits: Vec<u32>,
    pub levels: usize,
}

/// Which soft goals are proven at their optimum.
pub(super) struct Proof {
    pub consecutive: bool,
    pub previous: bool,
}

fn add(a: Cost, b: Cost) -> Cost {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
}

/// What a child's chosen visits cost.
pub(super) fn cost_of(week: &Week, child: &Student, picks: &[usize]) -> Cost {
    // A child has one visit a day, so a pair is a day whose next day is picked
    // too: a few picks compared pairwise, with nothing to sort or allocate.
    let day = |k: usize| child.choices[k].day;
    let pairs = picks
        .iter()
        .filter(|&&a| week.followed[day(a)] && picks.iter().any(|&b| day(b) == day(a) + 1))
        .count();
    let mut cost = [0, 0, pairs as i64, 0];
    for &k in picks {
        cost = add(cost, child.choices[k].cost);
    }
    cost
}

/// Who uses which teacher-slot and how many visits each teacher-day holds.
#[derive(Clone)]
struct Board {
    used: Vec<bool>,
    load: Vec<u32>,
}

impl Board {
    fn mark(&mut self, choice: &Choice, on: bool) {
        self.used[choice.cell] = on;
        if on {
            self.load[choice.teacher_day] += 1;
        } else {
            self.load[choice.teacher_day] -= 1;
        }
    }

    fn place(&mut self, child: &Student, on: bool) {
        for &k in &child.chosen {
            self.mark(&child.choices[k], on);
        }
    }

    fn free(&self, choice: &Choice, limits: &[u32]) -> bool {
        !self.used[choice.cell] && self.load[choice.teacher_day] < limits[choice.teacher_day]
    }
}

/// Improves the children's chosen visits; returns what is proven.
pub(super) fn optimise(week: &Week, children: &mut [Student]) -> Proof {
    let mut board = Board {
        used: vec![false; week.cells],
        load: vec![0; week.limits.len()],
    };
    for child in children.iter() {
        board.place(child, true);
    }
    let mut proof = Proof {
        consecutive: true,
        previous: true,
    };
    let mut spare = SPARE_BUDGET;
    for group in groups(week, children) {
        let searched = group.len() <= EXACT_CHILDREN;
        let mut outcome = if searched {
            search(week, children, &mut board, &group, EXACT_BUDGET)
        } else {
            bound_only(week, children, &board, &group)
        };
        if outcome.complete {
            continue;
        }
        improve_locally(week, children, &mut board, &group);
        if searched && spare > 0 {
            // Again from the local search's schedule, which prunes far more.
            outcome = search(week, children, &mut board, &group, spare);
            spare -= outcome.nodes.min(spare);
            if outcome.complete {
                continue;
            }
        }
        let cost = group.iter().fold([0; 4], |sum, &i| {
            add(sum, cost_of(week, &children[i], &children[i].chosen))
        });
        // Proven when the search's bound is met, or when a goal is at its own
        // floor: the goals before it are the flow's exact ones and nothing makes
        // fewer.
        let floor = if searched {
            unsearched(week, children, &board, &group).floor()
        } else {
            [0, 0]
        };
        let consecutive =
            cost[..=CONSECUTIVE] == outcome.bound[..=CONSECUTIVE] || cost[CONSECUTIVE] == floor[0];
        proof.consecutive &= consecutive;
        proof.previous &= consecutive && (cost == outcome.bound || cost[PREVIOUS] == floor[1]);
    }
    proof
}

/// Children who share no teacher-day with anyone outside their group.
fn groups(week: &Week, children: &[Student]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..children.len() + week.limits.len()).collect();
    fn root(parent: &mut [usize], mut node: usize) -> usize {
        while parent[node] != node {
            parent[node] = parent[parent[node]];
            node = parent[node];
        }
        node
    }
    for (i, child) in children.iter().enumerate() {
        for choice in &child.choices {
            let (a, b) = (
                root(&mut parent, i),
                root(&mut parent, children.len() + choice.teacher_day),
            );
            parent[a] = b;
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, child) in children.iter().enumerate() {
        if !child.choices.is_empty() {
            by_root.entry(root(&mut parent, i)).or_default().push(i);
        }
    }
    by_root.into_values().collect()
}

/// Re-solves, a few children at a time with everyone else held, each child who
/// could do better alone together with the children holding the teacher-days it
/// could use. One pass: on a district of schools a second one took 60% more time
/// for under 1% fewer consecutive-day pairs.
fn improve_locally(week: &Week, children: &mut [Student], board: &mut Board, group: &[usize]) {
    if group.len() > CROWD {
        for &i in group {
            resolve_alone(week, &mut children[i], board);
        }
        return;
    }
    let mut on_teacher_day: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for &i in group {
        for choice in &children[i].choices {
            let sharing = on_teacher_day.entry(choice.teacher_day).or_default();
            if sharing.last() != Some(&i) {
                sharing.push(i);
            }
        }
    }
    for &i in group {
        if !could_do_better_alone(week, &children[i]) {
            continue;
        }
        let mut part = vec![i];
        // Those holding a visit there first: they are the ones in the way.
        let mut others: Vec<(bool, usize)> = Vec::new();
        for choice in &children[i].choices {
            for &j in &on_teacher_day[&choice.teacher_day] {
                let holds = children[j]
                    .chosen
                    .iter()
                    .any(|&k| children[j].choices[k].teacher_day == choice.teacher_day);
                others.push((!holds, j));
            }
        }
        others.sort_unstable();
        for (_, j) in others {
            if part.len() == MOVE_CHILDREN {
                break;
            }
            if !part.contains(&j) {
                part.push(j);
            }
        }
        search(week, children, board, &part, MOVE_BUDGET);
    }
}

/// Whether the child's visits cost more than the same number could cost with
/// nobody else in the way.
fn could_do_better_alone(week: &Week, child: &Student) -> bool {
    let cheapest: Vec<Option<Cost>> = cheapest_each_day(week, child, |_| true)
        .iter()
        .map(|k| k.map(|k| child.choices[k].cost))
        .collect();
    let size = child.chosen.len();
    let best = alone(week, &cheapest, size)[0][size][0];
    best.is_some_and(|best| best < cost_of(week, child, &child.chosen))
}

/// Each day's cheapest of the child's choices that `usable` lets through (the
/// first of equals), by index.
fn cheapest_each_day(
    week: &Week,
    child: &Student,
    usable: impl Fn(&Choice) -> bool,
) -> Vec<Option<usize>> {
    let mut pick: Vec<Option<usize>> = vec![None; week.days];
    for (k, choice) in child.choices.iter().enumerate() {
        if usable(choice)
            && pick[choice.day].is_none_or(|best| choice.cost < child.choices[best].cost)
        {
            pick[choice.day] = Some(k);
        }
    }
    pick
}

/// Re-solves one child with everyone else held, keeping its number of visits.
/// Its days do not interact (one visit a day, and choices on different days
/// share no teacher-day), so the cheapest free choice of each day and the table
/// of what the days from each one on cost give the optimum without a search
/// (on a district's tangle of 100,000 children, a fifth of the time). The child
/// moves only to a schedule that costs strictly less.
fn resolve_alone(week: &Week, child: &mut Student, board: &mut Board) {
    board.place(child, false);
    let pick = cheapest_each_day(week, child, |choice| board.free(choice, &week.limits));
    let cheapest: Vec<Option<Cost>> = pick
        .iter()
        .map(|k| k.map(|k| child.choices[k].cost))
        .collect();
    let count = child.chosen.len();
    let table = alone(week, &cheapest, count);
    if table[0][count][0].is_some_and(|best| best < cost_of(week, child, &child.chosen)) {
        // Day by day, take the day's choice wherever taking it is on a best way.
        let (mut left, mut linked) = (count, false);
        child.chosen.clear();
        for (d, (&k, &cost)) in pick.iter().zip(&cheapest).enumerate() {
            let here = table[d][left][usize::from(linked)];
            let pair = i64::from(linked && d > 0 && week.followed[d - 1]);
            let take = match (left, k, cost) {
                (1.., Some(k), Some(cost)) => table[d + 1][left - 1][1]
                    .is_some_and(|after| Some(add(add(cost, after), [0, 0, pair, 0])) == here)
                    .then_some(k),
                _ => None,
            };
            if let Some(k) = take {
                child.chosen.push(k);
                left -= 1;
            }
            linked = take.is_some();
        }
    }
    board.place(child, true);
}

struct Outcome {
    /// The search saw every schedule that could beat the one it kept.
    complete: bool,
    /// No schedule of these children, the others held, costs less.
    bound: Cost,
    /// Search nodes used.
    nodes: usize,
}

/// The group's children with their own visits taken off the board: what a
/// bound of the group is computed on.
fn unsearched<'a>(
    week: &'a Week,
    children: &'a [Student],
    board: &Board,
    group: &[usize],
) -> Search<'a> {
    let mut board = board.clone();
    for &i in group {
        board.place(&children[i], false);
    }
    Search::new(week, children, &board, group, 0)
}

/// The lower bound of a group too large to search whole, as [`Search::new`]
/// finds it but without its tables: only each day's cheapest free choice counts.
fn bound_only(week: &Week, children: &[Student], board: &Board, group: &[usize]) -> Outcome {
    let mut board = board.clone();
    for &i in group {
        board.place(&children[i], false);
    }
    let minima: Vec<Vec<Option<Cost>>> = group
        .iter()
        .map(|&i| {
            let child = &children[i];
            cheapest_each_day(week, child, |choice| board.free(choice, &week.limits))
                .iter()
                .map(|k| k.map(|k| child.choices[k].cost))
                .collect()
        })
        .collect();
    let counts = counts(week, children, group, |p| {
        minima[p].iter().flatten().count()
    });
    let bound = minima
        .iter()
        .enumerate()
        .fold([0; 4], |sum, (p, cheapest)| {
            let table = alone(week, cheapest, counts.largest[p]);
            add(sum, least(&table, counts.smallest[p], counts.largest[p]))
        });
    Outcome {
        complete: false,
        bound,
        nodes: 0,
    }
}

/// How many visits the members (in order) make between them.
struct Counts {
    /// Each level's visits now, which every schedule keeps.
    target: Vec<i64>,
    /// The fewest each member may make: what the others of its level could not
    /// make up.
    smallest: Vec<usize>,
    /// The most: what it needs, if it has as many free days.
    largest: Vec<usize>,
}

fn counts(
    week: &Week,
    children: &[Student],
    members: &[usize],
    free_days: impl Fn(usize) -> usize,
) -> Counts {
    let mut target = vec![0i64; week.levels];
    let mut largest = Vec::with_capacity(members.len());
    let mut spare = vec![0i64; week.levels];
    for (p, &i) in members.iter().enumerate() {
        let child = &children[i];
        target[child.level] += child.chosen.len() as i64;
        largest.push(child.needed.min(free_days(p)));
        spare[child.level] += largest[p] as i64;
    }
    for level in 0..week.levels {
        spare[level] -= target[level];
    }
    let smallest = members
        .iter()
        .enumerate()
        .map(|(p, &i)| largest[p].saturating_sub(spare[children[i].level].max(0) as usize))
        .collect();
    Counts {
        target,
        smallest,
        largest,
    }
}

/// Finds the best schedule of `members` with everyone else held and keeps it.
fn search(
    week: &Week,
    children: &mut [Student],
    board: &mut Board,
    members: &[usize],
    budget: usize,
) -> Outcome {
    for &i in members {
        board.place(&children[i], false);
    }
    let current = members.iter().fold([0; 4], |sum, &i| {
        add(sum, cost_of(week, &children[i], &children[i].chosen))
    });
    let mut search = Search::new(week, children, board, members, budget);
    search.best = current;
    let bound = search.rest[0];
    if bound < current {
        search.visit(board, 0, 0, 0, false, [0; 4]);
    }
    let (complete, nodes) = (!search.aborted, search.nodes);
    let (order, best) = (search.order, search.best_picks);
    for (i, picked) in order.into_iter().zip(best.into_iter().flatten()) {
        children[i].chosen = picked;
    }
    for &i in members {
        board.place(&children[i], true);
    }
    Outcome {
        complete,
        bound,
        nodes,
    }
}

/// A branch and bound over the members' days, in date order, one child at a time.
struct Search<'a> {
    week: &'a Week,
    children: &'a [Student],
    /// The members, least free first.
    order: Vec<usize>,
    /// For each member and day, the choices free of everyone else, cheapest first.
    by_day: Vec<Vec<Vec<usize>>>,
    smallest: Vec<usize>,
    largest: Vec<usize>,
    /// `cheapest[p][d][k][linked]`: the least a member could pay for `k` visits on
    /// days `d..`, alone, when `linked` says day `d - 1` has a visit.
    cheapest: Vec<Table>,
    /// The least the members after each one could pay, alone.
    rest: Vec<Cost>,
    /// As `cheapest` and `rest`, counting only days apart and last week's slots:
    /// what bounds the search when the goals before them are settled.
    routine: Vec<Table>,
    /// `level_rest[p][l][v]`: the least the members of level `l` from `p` on pay in
    /// days apart and last week's slots ([`routine_key`]) for exactly `v` visits
    /// between them, each as its own days allow: what the level's count leaves the
    /// children after `p` to share.
    level_rest: Vec<Vec<Vec<Option<i64>>>>,
    /// Visits each level must get (as many as now), and the most the members from
    /// each one on could take.
    target: Vec<i64>,
    room: Vec<Vec<i64>>,
    placed: Vec<i64>,
    picks: Vec<Vec<usize>>,
    best: Cost,
    best_picks: Option<Vec<Vec<usize>>>,
    nodes: usize,
    budget: usize,
    aborted: bool,
}

impl<'a> Search<'a> {
    fn new(
        week: &'a Week,
        children: &'a [Student],
        board: &Board,
        members: &[usize],
        budget: usize,
    ) -> Self {
        let mut free: Vec<Vec<Vec<usize>>> = members
            .iter()
            .map(|&i| {
                let child = &children[i];
                let mut by_day = vec![Vec::new(); week.days];
                for (k, choice) in child.choices.iter().enumerate() {
                    if board.free(choice, &week.limits) {
                        by_day[choice.day].push(k);
                    }
                }
                for day in &mut by_day {
                    day.sort_by_key(|&k| child.choices[k].cost);
                }
                by_day
            })
            .collect();
        let mut order: Vec<usize> = (0..members.len()).collect();
        order.sort_by_key(|&p| (free[p].iter().map(Vec::len).sum::<usize>(), members[p]));
        let by_day: Vec<Vec<Vec<usize>>> = order
            .iter()
            .map(|&p| std::mem::take(&mut free[p]))
            .collect();
        let order: Vec<usize> = order.iter().map(|&p| members[p]).collect();

        let Counts {
            target,
            smallest,
            largest,
        } = counts(week, children, &order, |p| {
            by_day[p].iter().filter(|d| !d.is_empty()).count()
        });
        let mut room = vec![vec![0i64; week.levels]; order.len() + 1];
        for p in (0..order.len()).rev() {
            room[p] = room[p + 1].clone();
            room[p][children[order[p]].level] += largest[p] as i64;
        }

        let mut cheapest = Vec::with_capacity(order.len());
        let mut routine = Vec::with_capacity(order.len());
        let mut own = Vec::with_capacity(order.len());
        for (p, &i) in order.iter().enumerate() {
            let child = &children[i];
            let routine_minima =
                day_minima(&by_day[p], |k| [0, 0, 0, child.choices[k].cost[PREVIOUS]]);
            routine.push(alone(week, &routine_minima, largest[p]));
            let minima = day_minima(&by_day[p], |k| child.choices[k].cost);
            let table = alone(week, &minima, largest[p]);
            own.push(least(&table, smallest[p], largest[p]));
            cheapest.push(table);
        }
        let mut rest = vec![[0; 4]; order.len() + 1];
        for p in (0..order.len()).rev() {
            rest[p] = add(rest[p + 1], own[p]);
        }
        let mut after: Vec<Vec<Option<i64>>> = target
            .iter()
            .map(|&t| {
                let mut none = vec![None; t as usize + 1];
                none[0] = Some(0);
                none
            })
            .collect();
        let mut level_rest = vec![after.clone()];
        for p in (0..order.len()).rev() {
            let level = children[order[p]].level;
            let mut shared = vec![None; after[level].len()];
            share(&mut shared, &after[level], smallest[p]..=largest[p], |k| {
                routine[p][0][k][0].map(routine_key)
            });
            after[level] = shared;
            level_rest.push(after.clone());
        }
        level_rest.reverse();
        let placed = vec![0; week.levels];
        Search {
            week,
            children,
            picks: vec![Vec::new(); order.len()],
            order,
            by_day,
            smallest,
            largest,
            cheapest,
            rest,
            routine,
            level_rest,
            target,
            room,
            placed,
            best: [i64::MAX; 4],
            best_picks: None,
            nodes: 0,
            budget,
            aborted: false,
        }
    }

    /// The fewest consecutive-day pairs and, apart, the fewest visits off last
    /// week's slots any schedule of the members makes: each level's visits
    /// shared out among its members every way, each child as apart (or as
    /// routine) as its own days allow.
    fn floor(&self) -> [i64; 2] {
        let mut fewest = vec![[vec![Some(0i64)], vec![Some(0i64)]]; self.week.levels];
        for (p, &i) in self.order.iter().enumerate() {
            let child = &self.children[i];
            let by_day = &self.by_day[p];
            let apart = alone(self.week, &day_minima(by_day, |_| [0; 4]), self.largest[p]);
            let off = alone(
                self.week,
                &day_minima(by_day, |k| [child.choices[k].cost[PREVIOUS], 0, 0, 0]),
                self.largest[p],
            );
            let counts = self.smallest[p]..=self.largest[p];
            let within = self.target[child.level] as usize;
            let [pairs, routine] = &mut fewest[child.level];
            let mut next = vec![None; (pairs.len() + counts.end()).min(within + 1)];
            share(&mut next, pairs, counts.clone(), |k| {
                apart[0][k][0].map(|c| c[CONSECUTIVE])
            });
            *pairs = next;
            let mut next = vec![None; (routine.len() + counts.end()).min(within + 1)];
            share(&mut next, routine, counts, |k| off[0][k][0].map(|c| c[0]));
            *routine = next;
        }
        fewest
            .iter()
            .enumerate()
            .fold([0, 0], |[a, b], (l, [pairs, routine])| {
                let at = |dp: &Vec<Option<i64>>| {
                    dp.get(self.target[l] as usize)
                        .copied()
                        .flatten()
                        .unwrap_or(0)
                };
                [a + at(pairs), b + at(routine)]
            })
    }

    /// Member `p`, day `d`, with `count` visits so far and `linked` when day `d - 1`
    /// has one; `cost` is what the schedule so far costs.
    fn visit(
        &mut self,
        board: &mut Board,
        p: usize,
        d: usize,
        count: usize,
        linked: bool,
        cost: Cost,
    ) {
        self.nodes += 1;
        if self.nodes > self.budget {
            self.aborted = true;
            return;
        }
        if p == self.order.len() {
            if self.placed == self.target && cost < self.best {
                self.best = cost;
                self.best_picks = Some(self.picks.clone());
            }
            return;
        }
        if d == 0
            && (0..self.week.levels).any(|l| {
                self.placed[l] > self.target[l] || self.placed[l] + self.room[p][l] < self.target[l]
            })
        {
            return;
        }
        if d == self.week.days {
            if count >= self.smallest[p] {
                self.visit(board, p + 1, 0, 0, false, cost);
            }
            return;
        }
        let own = (self.smallest[p].saturating_sub(count)..=self.largest[p] - count)
            .filter_map(|k| self.cheapest[p][d][k][usize::from(linked)])
            .min();
        match own {
            Some(own) if add(add(cost, own), self.rest[p + 1]) < self.best => {}
            _ => return,
        }
        // Nothing beats the flow's planned visits kept and backup visits, so a
        // better schedule must make fewer pairs, or as few and keep more of last
        // week's slots, with every level's count met exactly.
        let child = &self.children[self.order[p]];
        let after = &self.level_rest[p + 1];
        let left = |level: usize, more: usize| {
            let v = self.target[level] - self.placed[level] - more as i64;
            usize::try_from(v)
                .ok()
                .and_then(|v| after[level].get(v).copied().flatten())
        };
        let others = (0..self.week.levels)
            .filter(|&l| l != child.level)
            .try_fold(0, |sum, l| Some(sum + left(l, 0)?));
        let routine = (self.smallest[p].saturating_sub(count)..=self.largest[p] - count)
            .filter_map(|k| {
                let own = self.routine[p][d][k][usize::from(linked)]?;
                Some(routine_key(own) + left(child.level, k)? + others?)
            })
            .min();
        match routine {
            Some(least) if routine_key(cost) + least < routine_key(self.best) => {}
            _ => return,
        }
        if count < self.largest[p] {
            let pair = i64::from(linked && self.week.followed[d - 1]);
            for n in 0..self.by_day[p][d].len() {
                let k = self.by_day[p][d][n];
                let choice = &child.choices[k];
                if !board.free(choice, &self.week.limits) {
                    continue;
                }
                board.mark(choice, true);
                self.placed[child.level] += 1;
                self.picks[p].push(k);
                let step = add(choice.cost, [0, 0, pair, 0]);
                self.visit(board, p, d + 1, count + 1, true, add(cost, step));
                self.picks[p].pop();
                self.placed[child.level] -= 1;
                board.mark(choice, false);
                if self.aborted {
                    return;
                }
            }
        }
        self.visit(board, p, d + 1, count, false, cost);
    }
}

/// The least a child could pay for each number of visits on each day onwards, with
/// nobody else in the way, given the least each day's choices cost (a child makes
/// one visit a day): the search's bound.
fn alone(week: &Week, cheapest: &[Option<Cost>], largest: usize) -> Table {
    let mut table = Table {
        counts: largest + 1,
        cells: vec![[None; 2]; (largest + 1) * (week.days + 1)],
    };
    table[week.days][0] = [Some([0; 4]); 2];
    for d in (0..week.days).rev() {
        let cheapest = cheapest[d];
        for k in 0..=largest {
            for linked in [false, true] {
                let skip = table[d + 1][k][0];
                let take = match (k, cheapest) {
                    (1.., Some(c)) => table[d + 1][k - 1][1].map(|after| {
                        let pair = i64::from(linked && d > 0 && week.followed[d - 1]);
                        add(add(c, after), [0, 0, pair, 0])
                    }),
                    _ => None,
                };
                table[d][k][usize::from(linked)] = match (skip, take) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
    }
    table
}

/// `table[d][k][linked]`: the least `k` visits on days `d..` cost, when `linked`
/// says day `d - 1` has one. One allocation, not one a day: a district's week
/// makes a table for each of its children, twice.
struct Table {
    counts: usize,
    cells: Vec<[Option<Cost>; 2]>,
}

impl std::ops::Index<usize> for Table {
    type Output = [[Option<Cost>; 2]];

    fn index(&self, day: usize) -> &Self::Output {
        &self.cells[day * self.counts..(day + 1) * self.counts]
    }
}

impl std::ops::IndexMut<usize> for Table {
    fn index_mut(&mut self, day: usize) -> &mut Self::Output {
        &mut self.cells[day * self.counts..(day + 1) * self.counts]
    }
}

/// The least of each day's choices, at `cost`.
fn day_minima(by_day: &[Vec<usize>], cost: impl Fn(usize) -> Cost) -> Vec<Option<Cost>> {
    by_day
        .iter()
        .map(|day| day.iter().map(|&k| cost(k)).min())
        .collect()
}

/// The least a child's table says any count from `smallest` to `largest` costs.
fn least(table: &Table, smallest: usize, largest: usize) -> Cost {
    (smallest..=largest)
        .filter_map(|k| table[0][k][0])
        .min()
        .unwrap_or([0; 4])
}

/// Adds a member to `before` (the least cost of each number of visits), into
/// `next` (as long as the visits it may count): the member makes any count in
/// `counts`, at `cost(count)`.
fn share(
    next: &mut [Option<i64>],
    before: &[Option<i64>],
    counts: std::ops::RangeInclusive<usize>,
    cost: impl Fn(usize) -> Option<i64>,
) {
    for (t, &so_far) in before.iter().enumerate() {
        let Some(so_far) = so_far else { continue };
        for k in counts.clone() {
            let (Some(slot), Some(c)) = (next.get_mut(t + k), cost(k)) else {
                continue;
            };
            *slot = Some(slot.map_or(so_far + c, |best: i64| best.min(so_far + c)));
        }
    }
}

/// Days apart, then last week's slots, as one number that adds and compares as
/// the pair does (a group makes far fewer than 2^32 visits).
fn routine_key(cost: Cost) -> i64 {
    cost[CONSECUTIVE]
        .saturating_mul(1 << 32)
        .saturating_add(cost[PREVIOUS])
}
