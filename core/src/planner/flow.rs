//! Dinic's maximum flow, able to continue from a given flow (the planner pre-places
//! visits greedily, then proves and completes coverage), and a minimum-cost flow by
//! the primal-dual method: Dijkstra on reduced costs (from both ends) finds how far
//! the sink is, then a maximum flow on the arcs of zero reduced cost sends all that
//! goes that far.
//! The planner's costs are small (a backup teacher's visit costs 1), so a handful of
//! phases finish a district's week.
//!
//! Edges are added first, then [`FlowGraph::freeze`] lays them out by node in flat
//! arrays: a district week has millions of arcs, and following linked lists through
//! them costs a cache miss per arc. Each phase labels its level graph from the end
//! with fewer open arcs, which on a crowded week is the sink: it cut a 100,000-student
//! week's flow from 0.9 s to 0.07 s.
//!
//! On a large graph the searches over the whole of it share the work with a
//! second core: a labelling search splits each wide layer in two, and a pricing
//! runs its two Dijkstra searches at once. Both give the answer one core gives,
//! step for step, so a plan never depends on the machine.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use super::cores::{joined, two_cores};

/// From what size a search is worth a second core: below it, starting a thread
/// costs more than it saves.
#[derive(Debug, Clone, Copy)]
struct TwoCoresFrom {
    /// Nodes in the graph, for the two searches of a pricing.
    graph: usize,
    /// Nodes in a layer of a labelling search.
    layer: usize,
}

impl Default for TwoCoresFrom {
    fn default() -> Self {
        Self {
            graph: 50_000,
            layer: 4_096,
        }
    }
}

/// Which nodes a search has seen, a bit each, marked safely from two threads.
struct Seen(Vec<AtomicU64>);

impl Seen {
    fn new(nodes: usize) -> Self {
        Self((0..nodes.div_ceil(64)).map(|_| AtomicU64::new(0)).collect())
    }

    fn has(&self, node: usize) -> bool {
        self.0[node / 64].load(Relaxed) & (1 << (node % 64)) != 0
    }

    /// Marks the node seen; whether it was not before.
    fn claim(&self, node: usize) -> bool {
        let bit = 1 << (node % 64);
        self.0[node / 64].fetch_or(bit, Relaxed) & bit == 0
    }
}

/// An edge as [`FlowGraph::add_edge`] returned it.
pub type EdgeId = usize;

#[derive(Default)]
pub struct FlowGraph {
    nodes: usize,
    // While building: arcs in the order added (edge k is arcs 2k and 2k+1).
    from: Vec<u32>,
    // After freezing: arcs grouped by node, `start[n]..start[n+1]`.
    start: Vec<u32>,
    to: Vec<u32>,
    cap: Vec<i32>,
    /// An arc's capacity and its reverse's together (what one leaves, the other
    /// has): a search walking arcs backwards learns the reverse's room from the
    /// arc at hand instead of a cache miss at the reverse.
    pair_cap: Vec<i32>,
    cost: Vec<i64>,
    rev: Vec<u32>,
    /// Where each added arc ended up.
    position: Vec<u32>,
    level: Vec<i32>,
    cursor: Vec<u32>,
    /// Node potentials of the minimum-cost flow; every open arc's reduced cost
    /// (`cost + potential[from] - potential[to]`) is kept non-negative.
    potential: Vec<i64>,
    /// Which arcs with room a search may use.
    mode: Mode,
    two_cores_from: TwoCoresFrom,
}

/// Which arcs with room count as open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    All,
    /// Only arcs that cost nothing (or give a cost back): a flow of what is free.
    Costless,
    /// Only arcs of zero reduced cost: a primal-dual phase.
    Tight,
}

impl FlowGraph {
    pub fn new(nodes: usize) -> Self {
        Self {
            nodes,
            ..Self::default()
        }
    }

    pub fn add_node(&mut self) -> usize {
        self.nodes += 1;
        self.nodes - 1
    }

    /// Adds an edge and its reverse. Arcs out of a node are tried in the order added.
    pub fn add_edge(&mut self, from: usize, to: usize, capacity: i32) -> EdgeId {
        self.add_costed_edge(from, to, capacity, 0)
    }

    /// An edge whose every unit of flow costs `cost` (for [`FlowGraph::min_cost_flow`]).
    pub fn add_costed_edge(&mut self, from: usize, to: usize, capacity: i32, cost: i64) -> EdgeId {
        debug_assert!(self.start.is_empty(), "edges are added before freezing");
        let id = self.from.len() / 2;
        self.from.extend([from as u32, to as u32]);
        self.to.extend([to as u32, from as u32]);
        self.cap.extend([capacity, 0]);
        self.cost.extend([cost, -cost]);
        id
    }

    /// Lays the arcs out by node; no edge can be added afterwards.
    pub fn freeze(&mut self) {
        let arcs = self.from.len();
        let mut start = vec![0u32; self.nodes + 1];
        for &f in &self.from {
            start[f as usize + 1] += 1;
        }
        for n in 0..self.nodes {
            start[n + 1] += start[n];
        }
        let mut fill = start.clone();
        let mut position = vec![0u32; arcs];
        for (arc, &f) in self.from.iter().enumerate() {
            position[arc] = fill[f as usize];
            fill[f as usize] += 1;
        }
        let (mut to, mut cap, mut rev) = (vec![0u32; arcs], vec![0i32; arcs], vec![0u32; arcs]);
        let mut cost = vec![0i64; arcs];
        for arc in 0..arcs {
            let p = position[arc] as usize;
            to[p] = self.to[arc];
            cap[p] = self.cap[arc];
            cost[p] = self.cost[arc];
            rev[p] = position[arc ^ 1];
        }
        self.from = Vec::new();
        (self.start, self.to, self.cap, self.rev, self.position) = (start, to, cap, rev, position);
        self.pair_cap = (0..arcs)
            .map(|p| self.cap[p] + self.cap[self.rev[p] as usize])
            .collect();
        self.cost = cost;
        self.potential = vec![0; self.nodes];
    }

    fn arc(&self, edge: EdgeId) -> usize {
        self.position[2 * edge] as usize
    }

    pub fn flow(&self, edge: EdgeId) -> i32 {
        self.cap[self.rev[self.arc(edge)] as usize]
    }

    pub fn residual(&self, edge: EdgeId) -> i32 {
        self.cap[self.arc(edge)]
    }

    pub fn set_capacity(&mut self, edge: EdgeId, capacity: i32) {
        let arc = self.arc(edge);
        self.cap[arc] = capacity - self.flow(edge);
        self.pair_cap[arc] = capacity;
        self.pair_cap[self.rev[arc] as usize] = capacity;
    }

    /// Sends `amount` along an edge (for a pre-placed flow).
    pub fn push(&mut self, edge: EdgeId, amount: i32) {
        let arc = self.arc(edge);
        self.push_arc(arc, amount);
    }

    fn push_arc(&mut self, arc: usize, amount: i32) {
        self.cap[arc] -= amount;
        self.cap[self.rev[arc] as usize] += amount;
    }

    /// Pushes as much as every arc of an augmenting path has room for; returns it.
    fn push_along(&mut self, path: &[usize]) -> i32 {
        let amount = path.iter().map(|&a| self.cap[a]).min().unwrap_or(0);
        for &arc in path {
            self.push_arc(arc, amount);
        }
        amount
    }

    pub fn cost(&self, edge: EdgeId) -> i64 {
        self.cost[self.arc(edge)]
    }

    /// The edge's cost less what the potentials say its ends are worth: after
    /// [`FlowGraph::min_cost_flow`], an unused edge with a positive reduced cost is
    /// unused in every minimum-cost flow (complementary slackness).
    pub fn reduced_cost(&self, edge: EdgeId) -> i64 {
        let arc = self.arc(edge);
        let from = self.to[self.rev[arc] as usize] as usize;
        self.cost[arc] + self.potential[from] - self.potential[self.to[arc] as usize]
    }

    /// Whether the search may use an arc: it has room and suits the mode.
    /// Whether the search may use the reverse of `arc`, an arc out of `node`: the
    /// way from its head back to `node`.
    fn open_back(&self, arc: usize, node: usize) -> bool {
        self.pair_cap[arc] > self.cap[arc]
            && match self.mode {
                Mode::All => true,
                Mode::Costless => self.cost[arc] >= 0,
                Mode::Tight => {
                    self.potential[self.to[arc] as usize] == self.cost[arc] + self.potential[node]
                }
            }
    }

    fn open(&self, arc: usize, from: usize) -> bool {
        self.cap[arc] > 0
            && match self.mode {
                Mode::All => true,
                Mode::Costless => self.cost[arc] <= 0,
                Mode::Tight => {
                    self.cost[arc] + self.potential[from] == self.potential[self.to[arc] as usize]
                }
            }
    }

    /// Augments the current flow to a maximum of least cost. The current flow must
    /// leave no open arc of negative reduced cost under the current potentials (true
    /// of a flow on zero-cost arcs with zero potentials); then the result costs the
    /// least of all flows of its value.
    ///
    /// Each phase prices the graph by two Dijkstra searches, from the source and
    /// back from the sink, a node of each in turn, and keeps whichever reaches the
    /// other end first. On a district's week one side is often a tenth of the
    /// other, and which one changes from phase to phase: half a million nodes lie
    /// at reduced distance 0 from the children still short when the last phase
    /// could not route them on, while only the few teacher-days with room are near
    /// the sink; after the next phase it is the other way round.
    pub fn min_cost_flow(&mut self, source: usize, sink: usize) {
        let mut forward = Dijkstra::new(self.nodes, false);
        let mut backward = Dijkstra::new(self.nodes, true);
        // Labels carried over from the last phase (none before the first, and
        // none after a phase that sent nothing, which with sound labels cannot
        // happen, so that a mistake costs time and never loops).
        let mut carried = false;
        loop {
            forward.restart(source);
            backward.restart(sink);
            let finished = match self.search_both(&mut forward, &mut backward, source, sink) {
                None => return,
                Some(false) => &forward,
                Some(true) => &backward,
            };
            let far = finished.distance[if finished.backwards { source } else { sink }];
            // From the source, only nodes nearer than the sink move relative to the
            // sink, so only their labels need working out again (see
            // `label_near`); the first phase and a phase priced from the sink
            // label every node.
            let near: Option<Vec<u32>> = (!finished.backwards && carried)
                .then(|| {
                    finished
                        .reached
                        .iter()
                        .copied()
                        .filter(|&n| finished.distance[n as usize] < far)
                        .collect()
                })
                // Most of the graph is labelled faster afresh, on two cores.
                .filter(|near: &Vec<u32>| near.len() < self.nodes / 4);
            // Nodes beyond the far end are all at least as far: their potentials
            // move by the whole distance, which keeps reduced costs non-negative.
            for (potential, &d) in self.potential.iter_mut().zip(&finished.distance) {
                *potential += if finished.backwards {
                    far - d.min(far)
                } else {
                    d.min(far)
                };
            }
            carried = self.max_flow_relabelling(source, sink, Mode::Tight, near.as_deref()) > 0;
        }
    }

    /// Runs the search from the source and the one back from the sink, a node of
    /// each in turn, until one reaches the other end: whether it was the one from
    /// the sink, or None when the ends are not connected. On a large graph the two
    /// run on two cores at once; each counts its steps, and the one that would
    /// have finished first taking turns wins (the one from the source on a tie), so
    /// the answer does not depend on which thread ran faster.
    fn search_both(
        &self,
        forward: &mut Dijkstra,
        backward: &mut Dijkstra,
        source: usize,
        sink: usize,
    ) -> Option<bool> {
        if self.nodes < self.two_cores_from.graph || !two_cores() {
            loop {
                match forward.step(self, sink) {
                    Some(true) => return Some(false),
                    None => return None,
                    Some(false) => {}
                }
                match backward.step(self, source) {
                    Some(true) => return Some(true),
                    None => return None,
                    Some(false) => {}
                }
            }
        }
        // The step each side finished at; 0 once one found the ends unconnected.
        let finished_at = [AtomicUsize::new(usize::MAX), AtomicUsize::new(usize::MAX)];
        let run = |search: &mut Dijkstra, target: usize, side: usize| -> Option<usize> {
            let mut step = 0;
            loop {
                step += 1;
                let other = finished_at[1 - side].load(Relaxed);
                // At the same step, the forward side (0) is the one that wins.
                if step > other || (side == 1 && step == other) {
                    return Some(usize::MAX);
                }
                match search.step(self, target) {
                    Some(true) => {
                        finished_at[side].store(step, Relaxed);
                        return Some(step);
                    }
                    None => {
                        finished_at[side].store(0, Relaxed);
                        return None;
                    }
                    Some(false) => {}
                }
            }
        };
        let (ahead, behind) = std::thread::scope(|scope| {
            let behind = scope.spawn(|| run(backward, source, 1));
            (run(forward, sink, 0), joined(behind))
        });
        Some(behind? < ahead?)
    }

    /// After the potentials of `near` nodes alone moved down relative to the
    /// sink's, works out their labels again from everyone else's. An arc from
    /// another node into a near one is no longer tight, so the others' paths to
    /// the sink are as they were and their labels still hold; a near node's label
    /// is one more than the least label it has a tight arc to, found nearest
    /// first. On a district's week this spares half of the phases a labelling of
    /// half a million nodes.
    fn label_near(&mut self, near: &[u32], holding: &mut [u32]) {
        let unreachable = self.nodes as i32;
        let mut is_near = vec![false; self.nodes];
        for &n in near {
            is_near[n as usize] = true;
        }
        let mut waiting: BTreeMap<i32, Vec<u32>> = BTreeMap::new();
        for &n in near {
            let node = n as usize;
            let lowest = (self.start[node] as usize..self.start[node + 1] as usize)
                .filter(|&arc| !is_near[self.to[arc] as usize] && self.open(arc, node))
                .map(|arc| self.level[self.to[arc] as usize].saturating_add(1))
                .fold(unreachable, i32::min);
            self.level[node] = lowest;
            if lowest < unreachable {
                waiting.entry(lowest).or_default().push(n);
            }
        }
        while let Some((label, nodes)) = waiting.pop_first() {
            for n in nodes {
                let node = n as usize;
                if self.level[node] != label {
                    continue;
                }
                for arc in self.start[node] as usize..self.start[node + 1] as usize {
                    let prev = self.to[arc] as usize;
                    if is_near[prev] && self.level[prev] > label + 1 && self.open_back(arc, node) {
                        self.level[prev] = label + 1;
                        waiting.entry(label + 1).or_default().push(prev as u32);
                    }
                }
            }
        }
        self.count_labels(holding);
    }

    /// Augments the current flow to a maximum along the arcs the mode opens by
    /// shortest augmenting paths whose distance labels are mended as arcs fill
    /// (a node is relabelled when its admissible arcs run out), instead of being
    /// recomputed for every path length as Dinic's method does. A primal-dual phase
    /// on a district's week sends a few hundred visits along paths of 8 to 34 arcs:
    /// Dinic's relabelled half a million nodes for each length; this cut the exact
    /// pass from 8 s to 1.5 s. A label nobody holds any more (a gap) proves no path
    /// is left; after as many relabels as an eighth of the nodes, the labels are
    /// recomputed exactly, which ends a phase with no gap quickly (every half was
    /// 0.5 s slower on the district). Returns how much was added.
    /// `near`: the nodes whose labels alone need working out again, those of the
    /// last search holding for the rest (see [`FlowGraph::label_near`]); with
    /// none given, every node is labelled afresh.
    pub fn max_flow_relabelling(
        &mut self,
        source: usize,
        sink: usize,
        mode: Mode,
        near: Option<&[u32]>,
    ) -> i64 {
        self.mode = mode;
        let unreachable = self.nodes as i32;
        let mut holding = vec![0u32; self.nodes + 1];
        match near {
            Some(near) => self.label_near(near, &mut holding),
            None => self.label_distances_to(source, sink, &mut holding),
        }
        let mut relabelled = 0usize;
        let mut added = 0i64;
        let mut path: Vec<usize> = Vec::new();
        let mut node = source;
        while self.level[source] < unreachable {
            if node == sink {
                added += i64::from(self.push_along(&path));
                // On from the tail of the first arc the path filled.
                let keep = path.iter().position(|&a| self.cap[a] == 0).unwrap_or(0);
                node = self.to[self.rev[path[keep]] as usize] as usize;
                path.truncate(keep);
                continue;
            }
            let end = self.start[node + 1];
            let mut advanced = false;
            while self.cursor[node] < end {
                let arc = self.cursor[node] as usize;
                let to = self.to[arc] as usize;
                if self.level[node] == self.level[to] + 1 && self.open(arc, node) {
                    path.push(arc);
                    node = to;
                    advanced = true;
                    break;
                }
                self.cursor[node] += 1;
            }
            if advanced {
                continue;
            }
            relabelled += 1;
            if relabelled > self.nodes / 8 {
                relabelled = 0;
                self.label_distances_to(source, sink, &mut holding);
                path.clear();
                node = source;
                continue;
            }
            let lowest = (self.start[node] as usize..end as usize)
                .filter(|&arc| self.open(arc, node))
                .map(|arc| self.level[self.to[arc] as usize] + 1)
                .fold(unreachable, i32::min);
            let old = self.level[node] as usize;
            holding[old] -= 1;
            // Every path from the source passes each label below its own, and this
            // node's (below the source's, or the source's own before it rose) is
            // held by nobody now.
            if holding[old] == 0 {
                break;
            }
            self.level[node] = lowest;
            holding[lowest as usize] += 1;
            self.cursor[node] = self.start[node];
            if let Some(arc) = path.pop() {
                node = self.to[self.rev[arc] as usize] as usize;
            }
        }
        self.mode = Mode::All;
        added
    }

    /// Labels every node with its distance to the sink over open arcs, a layer at a
    /// time, counts how many hold each label, and starts every node's search at its
    /// first arc. Only nodes as near as the source are needed: the rest are
    /// labelled one beyond it, which no path can undercut (a quarter less labelling
    /// on a district); when the source cannot reach the sink, nodes that cannot are
    /// labelled with the node count.
    fn label_distances_to(&mut self, source: usize, sink: usize, holding: &mut [u32]) {
        let unreachable = self.nodes as i32;
        self.level.clear();
        self.level.resize(self.nodes, unreachable);
        if let Some(depth) = self.label_layers(sink, source, true) {
            for label in &mut self.level {
                *label = (*label).min(depth + 1);
            }
        }
        self.count_labels(holding);
    }

    /// Labels the nodes with their distance from `from` (to it, `backwards`), a
    /// layer at a time, up to the layer that holds `to`; that layer's distance,
    /// or None when `to` cannot be reached. Nodes further on keep their labels.
    fn label_layers(&mut self, from: usize, to: usize, backwards: bool) -> Option<i32> {
        let seen = Seen::new(self.nodes);
        seen.claim(from);
        let mut layer = vec![from as u32];
        let mut depth = 0;
        while !layer.is_empty() {
            for &node in &layer {
                self.level[node as usize] = depth;
            }
            if seen.has(to) {
                return Some(depth);
            }
            layer = self.next_layer(&layer, &seen, backwards);
            depth += 1;
        }
        None
    }

    /// The nodes not seen yet one open arc from the layer (into it, `backwards`),
    /// each now seen. A wide layer is searched in two halves on two cores: the
    /// layers, so the labels, are the same whichever core sees a node first (the
    /// order within a layer is not, and nothing depends on it).
    fn next_layer(&self, layer: &[u32], seen: &Seen, backwards: bool) -> Vec<u32> {
        let search = |part: &[u32]| {
            let mut found = Vec::new();
            for &node in part {
                let node = node as usize;
                for arc in self.start[node] as usize..self.start[node + 1] as usize {
                    let next = self.to[arc] as usize;
                    let open = if backwards {
                        self.open_back(arc, node)
                    } else {
                        self.open(arc, node)
                    };
                    if !seen.has(next) && open && seen.claim(next) {
                        found.push(next as u32);
                    }
                }
            }
            found
        };
        if layer.len() < self.two_cores_from.layer || !two_cores() {
            return search(layer);
        }
        let (first, second) = layer.split_at(layer.len() / 2);
        std::thread::scope(|scope| {
            let other = scope.spawn(|| search(second));
            let mut found = search(first);
            found.extend(joined(other));
            found
        })
    }

    /// Counts how many nodes hold each label and starts every node's search at
    /// its first arc.
    fn count_labels(&mut self, holding: &mut [u32]) {
        holding.fill(0);
        for &label in &self.level {
            holding[label as usize] += 1;
        }
        self.cursor.clear();
        self.cursor.extend_from_slice(&self.start[..self.nodes]);
    }

    /// Augments the current flow to a maximum along the arcs the mode opens;
    /// returns how much was added.
    pub fn max_flow_in(&mut self, source: usize, sink: usize, mode: Mode) -> i64 {
        self.mode = mode;
        let mut added = 0i64;
        while let Some(step) = self.bfs(source, sink) {
            self.cursor = self.start[..self.nodes].to_vec();
            loop {
                let pushed = self.augment(source, sink, step);
                if pushed == 0 {
                    break;
                }
                added += i64::from(pushed);
            }
        }
        self.mode = Mode::All;
        added
    }

    /// Labels the nodes of the level graph, searching from whichever end has fewer
    /// ways in: from the source when few children still miss visits, from the sink
    /// when few teachers still have time (a crowded week), which labels far fewer
    /// nodes. Returns the step along a path (+1 from the source, -1 towards the
    /// sink), or None when no augmenting path is left.
    fn bfs(&mut self, source: usize, sink: usize) -> Option<i32> {
        let open = |graph: &Self, node: usize, backwards: bool| {
            (graph.start[node] as usize..graph.start[node + 1] as usize)
                .filter(|&arc| {
                    if backwards {
                        graph.open_back(arc, node)
                    } else {
                        graph.open(arc, node)
                    }
                })
                .count()
        };
        // The source's own arcs lead to a few gathering nodes (the planner's
        // priority levels): what counts is how many ways lead on from them.
        let ahead: usize = (self.start[source] as usize..self.start[source + 1] as usize)
            .filter(|&arc| self.open(arc, source))
            .map(|arc| open(self, self.to[arc] as usize, false))
            .sum();
        let backwards = open(self, sink, true) < ahead;
        let (from, to) = if backwards {
            (sink, source)
        } else {
            (source, sink)
        };
        self.level.clear();
        self.level.resize(self.nodes, -1);
        // Nodes beyond the far end's distance lie on no shortest path.
        self.label_layers(from, to, backwards)
            .map(|_| if backwards { -1 } else { 1 })
    }

    /// Finds one shortest augmenting path and pushes along it; iterative, so deep
    /// graphs cannot overflow the stack. Dead ends are cut off for the phase.
    fn augment(&mut self, source: usize, sink: usize, step: i32) -> i32 {
        let mut path: Vec<usize> = Vec::new();
        let mut node = source;
        loop {
            if node == sink {
                return self.push_along(&path);
            }
            let end = self.start[node + 1];
            let mut advanced = false;
            let next = self.level[node] + step;
            while self.cursor[node] < end {
                let arc = self.cursor[node] as usize;
                let to = self.to[arc] as usize;
                if self.level[to] == next && self.open(arc, node) {
                    path.push(arc);
                    node = to;
                    advanced = true;
                    break;
                }
                self.cursor[node] += 1;
            }
            if !advanced {
                self.level[node] = -1;
                match path.pop() {
                    Some(arc) => {
                        node = self.to[self.rev[arc] as usize] as usize;
                        self.cursor[node] += 1;
                    }
                    None => return 0,
                }
            }
        }
    }
}

/// One end's Dijkstra search over reduced costs, a node at a time. Reduced costs
/// are a few small integers shared by many arcs: nodes wait in one bucket per
/// distance, and an arc of reduced cost zero keeps its node in the bucket at hand
/// (three times faster than a binary heap on a district).
struct Dijkstra {
    /// From the sink along arcs into each node: distances are to the sink.
    backwards: bool,
    distance: Vec<i64>,
    settled: Vec<bool>,
    /// The nodes given a distance, the only ones a restart must clear: one
    /// side often reaches a few thousand of half a million.
    reached: Vec<u32>,
    /// The distance of the bucket at hand, and its nodes.
    at: i64,
    nodes: Vec<u32>,
    buckets: BTreeMap<i64, Vec<u32>>,
}

impl Dijkstra {
    fn new(nodes: usize, backwards: bool) -> Self {
        Self {
            backwards,
            distance: vec![i64::MAX; nodes],
            settled: vec![false; nodes],
            reached: Vec::new(),
            at: 0,
            nodes: Vec::new(),
            buckets: BTreeMap::new(),
        }
    }

    fn restart(&mut self, from: usize) {
        for node in self.reached.drain(..) {
            self.distance[node as usize] = i64::MAX;
            self.settled[node as usize] = false;
        }
        self.reached.push(from as u32);
        self.distance[from] = 0;
        self.at = 0;
        self.nodes = vec![from as u32];
        self.buckets.clear();
    }

    /// Settles the nearest node; whether `target`'s distance is now known, or
    /// None when nothing is left, so `target` cannot be reached.
    fn step(&mut self, graph: &FlowGraph, target: usize) -> Option<bool> {
        let node = loop {
            match self.nodes.pop() {
                Some(node) => {
                    let node = node as usize;
                    if !self.settled[node] && self.distance[node] == self.at {
                        break node;
                    }
                }
                None => (self.at, self.nodes) = self.buckets.pop_first()?,
            }
        };
        // Nothing waiting is nearer than the bucket at hand.
        if self.distance[target] <= self.at {
            return Some(true);
        }
        self.settled[node] = true;
        let here = graph.potential[node];
        for arc in graph.start[node] as usize..graph.start[node + 1] as usize {
            let next = graph.to[arc] as usize;
            let reduced = if self.backwards {
                // The arc next → node, the reverse of this one.
                if graph.pair_cap[arc] <= graph.cap[arc] {
                    continue;
                }
                graph.potential[next] - graph.cost[arc] - here
            } else {
                if graph.cap[arc] <= 0 {
                    continue;
                }
                graph.cost[arc] + here - graph.potential[next]
            };
            debug_assert!(reduced >= 0, "a negative reduced cost");
            let d = self.at + reduced;
            if d < self.distance[next] {
                if self.distance[next] == i64::MAX {
                    self.reached.push(next as u32);
                }
                self.distance[next] = d;
                if reduced == 0 {
                    self.nodes.push(next as u32);
                } else {
                    self.buckets.entry(d).or_default().push(next as u32);
                }
            }
        }
        Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_textbook_network_reaches_its_maximum() {
        let mut g = FlowGraph::new(6);
        for (a, b, c) in [
            (0, 1, 10),
            (0, 2, 10),
            (1, 2, 2),
            (1, 3, 4),
            (1, 4, 8),
            (2, 4, 9),
            (4, 3, 6),
            (3, 5, 10),
            (4, 5, 10),
        ] {
            g.add_edge(a, b, c);
        }
        g.freeze();
        assert_eq!(g.max_flow_in(0, 5, Mode::All), 19);
        assert_eq!(
            g.max_flow_in(0, 5, Mode::All),
            0,
            "a maximum flow has no augmenting path"
        );
    }

    /// A deterministic pseudo-random number below the bound asked, each call.
    fn draws(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |below| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % below
        }
    }

    #[test]
    fn relabelling_finds_the_same_maximum_as_dinic_on_random_networks() {
        let mut draw = draws(7u64);
        for _ in 0..2_000 {
            let (nodes, edges) = random_network(&mut draw, 12, 40, 4, 1);
            let (mut dinic, _) = network(nodes, &edges);
            let (mut relabelling, _) = network(nodes, &edges);
            let most = dinic.max_flow_in(0, 1, Mode::All);
            assert_eq!(
                relabelling.max_flow_relabelling(0, 1, Mode::All, None),
                most,
                "{edges:?}"
            );
            assert_eq!(relabelling.max_flow_in(0, 1, Mode::All), 0, "{edges:?}");
        }
    }

    /// An edge as the random networks draw it: from, to, capacity, cost.
    type Drawn = (usize, usize, i32, i64);

    /// A random network of 2 nodes (the source 0 and the sink 1) and up to
    /// `more_nodes` more, with up to `most_edges` edges, capacities below
    /// `capacity` and costs below `cost`.
    fn random_network(
        draw: &mut impl FnMut(u64) -> u64,
        more_nodes: u64,
        most_edges: u64,
        capacity: u64,
        cost: u64,
    ) -> (usize, Vec<Drawn>) {
        let nodes = 2 + draw(more_nodes) as usize;
        let edges = (0..draw(most_edges))
            .map(|_| {
                (
                    draw(nodes as u64) as usize,
                    draw(nodes as u64) as usize,
                    draw(capacity) as i32,
                    draw(cost) as i64,
                )
            })
            .filter(|(a, b, ..)| a != b)
            .collect();
        (nodes, edges)
    }

    /// The network laid out, and its edges' ids in the order drawn.
    fn network(nodes: usize, edges: &[Drawn]) -> (FlowGraph, Vec<EdgeId>) {
        let mut g = FlowGraph::new(nodes);
        let ids = edges
            .iter()
            .map(|&(a, b, c, w)| g.add_costed_edge(a, b, c, w))
            .collect();
        g.freeze();
        (g, ids)
    }

    /// The least cost of a maximum flow by successive shortest paths found by
    /// Bellman-Ford, one unit at a time: slow and plain, to check the fast one.
    fn least_cost_by_bellman_ford(nodes: usize, edges: &[Drawn]) -> (i64, i64) {
        let mut cap: Vec<i32> = edges.iter().flat_map(|&(_, _, c, _)| [c, 0]).collect();
        let ends: Vec<(usize, usize, i64)> = edges
            .iter()
            .flat_map(|&(a, b, _, w)| [(a, b, w), (b, a, -w)])
            .collect();
        let (mut flow, mut cost) = (0, 0);
        loop {
            let mut distance = vec![i64::MAX; nodes];
            let mut via = vec![usize::MAX; nodes];
            distance[0] = 0;
            for _ in 0..nodes {
                for (arc, &(a, b, w)) in ends.iter().enumerate() {
                    if cap[arc] > 0 && distance[a] != i64::MAX && distance[a] + w < distance[b] {
                        distance[b] = distance[a] + w;
                        via[b] = arc;
                    }
                }
            }
            if distance[1] == i64::MAX {
                return (flow, cost);
            }
            let mut node = 1;
            while node != 0 {
                cap[via[node]] -= 1;
                cap[via[node] ^ 1] += 1;
                node = ends[via[node]].0;
            }
            flow += 1;
            cost += distance[1];
        }
    }

    #[test]
    fn a_least_cost_flow_costs_what_bellman_ford_finds_on_random_networks() {
        let mut draw = draws(11u64);
        for _ in 0..2_000 {
            let (nodes, edges) = random_network(&mut draw, 10, 30, 3, 4);
            let (mut g, ids) = network(nodes, &edges);
            g.min_cost_flow(0, 1);
            let out_of_source: i64 = edges
                .iter()
                .zip(&ids)
                .map(|(&(a, b, _, _), &id)| {
                    i64::from(g.flow(id)) * (i64::from(a == 0) - i64::from(b == 0))
                })
                .sum();
            let cost: i64 = edges
                .iter()
                .zip(&ids)
                .map(|(&(.., w), &id)| i64::from(g.flow(id)) * w)
                .sum();
            assert_eq!(
                (out_of_source, cost),
                least_cost_by_bellman_ford(nodes, &edges),
                "{edges:?}"
            );
        }
    }

    #[test]
    fn two_cores_send_the_same_flow_as_one() {
        let mut draw = draws(13u64);
        for _ in 0..500 {
            let (nodes, edges) = random_network(&mut draw, 40, 160, 3, 3);
            let flows = |cores: TwoCoresFrom| {
                let (mut g, ids) = network(nodes, &edges);
                g.two_cores_from = cores;
                g.max_flow_in(0, 1, Mode::Costless);
                g.min_cost_flow(0, 1);
                ids.iter()
                    .map(|&id| (g.flow(id), g.reduced_cost(id)))
                    .collect::<Vec<_>>()
            };
            let always = TwoCoresFrom { graph: 0, layer: 0 };
            assert_eq!(flows(TwoCoresFrom::default()), flows(always), "{edges:?}");
        }
    }

    #[test]
    fn a_least_cost_flow_reroutes_what_a_cheap_path_needs() {
        // Two units from 0 to 3. The cheap way (0-1-3) is taken first by a flow of
        // cost 0 through 1-2 that blocks it; the cheapest maximum costs 1 + 0 = 1.
        let mut g = FlowGraph::new(4);
        let a = g.add_costed_edge(0, 1, 1, 0);
        let b = g.add_costed_edge(0, 2, 1, 0);
        let via = g.add_costed_edge(1, 2, 1, 0);
        let cheap = g.add_costed_edge(1, 3, 1, 0);
        let dear = g.add_costed_edge(2, 3, 1, 1);
        let other = g.add_costed_edge(2, 3, 1, 5);
        g.freeze();
        for edge in [a, via, other] {
            g.push(edge, 1);
        }
        // The starting flow 0-1-2-3 uses the arc of cost 5: take it back first, as
        // the planner does with costly visits, so the rest costs nothing.
        for edge in [a, via, other] {
            g.push(edge, -1);
        }
        g.min_cost_flow(0, 3);
        assert_eq!(g.flow(a) + g.flow(b), 2);
        let cost: i64 = [(cheap, 0), (dear, 1), (other, 5)]
            .iter()
            .map(|&(edge, cost)| i64::from(g.flow(edge)) * cost)
            .sum();
        assert_eq!(cost, 1);
        assert_eq!(g.flow(b), 1);
        assert!(
            g.reduced_cost(other) > 0,
            "an unused dear arc is priced out"
        );
    }
}
