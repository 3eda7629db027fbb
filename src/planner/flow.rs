//! Dinic's maximum flow on an explicit graph, able to continue from a given flow
//! (the planner pre-places visits greedily, then proves and completes coverage).

use std::collections::VecDeque;

pub struct FlowGraph {
    head: Vec<u32>,
    next: Vec<u32>,
    to: Vec<u32>,
    cap: Vec<i32>,
    level: Vec<i32>,
    cursor: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl FlowGraph {
    pub fn new(nodes: usize) -> Self {
        Self { head: vec![NONE; nodes], next: Vec::new(), to: Vec::new(), cap: Vec::new(), level: Vec::new(), cursor: Vec::new() }
    }

    pub fn add_node(&mut self) -> usize {
        self.head.push(NONE);
        self.head.len() - 1
    }

    /// Adds an edge and its reverse; returns the edge's id. Edges out of a node are
    /// tried in the reverse order of adding, so add the preferred ones last.
    pub fn add_edge(&mut self, from: usize, to: usize, capacity: i32) -> usize {
        let id = self.to.len();
        for (a, b, c) in [(from, to, capacity), (to, from, 0)] {
            self.to.push(b as u32);
            self.cap.push(c);
            self.next.push(self.head[a]);
            self.head[a] = self.to.len() as u32 - 1;
        }
        id
    }

    pub fn flow(&self, edge: usize) -> i32 {
        self.cap[edge ^ 1]
    }

    pub fn residual(&self, edge: usize) -> i32 {
        self.cap[edge]
    }

    /// Sends `amount` along an edge (for a pre-placed flow).
    pub fn push(&mut self, edge: usize, amount: i32) {
        self.cap[edge] -= amount;
        self.cap[edge ^ 1] += amount;
    }

    /// Augments the current flow to a maximum; returns how much was added.
    pub fn max_flow(&mut self, source: usize, sink: usize) -> i64 {
        let mut added = 0i64;
        while self.bfs(source, sink) {
            self.cursor = self.head.clone();
            loop {
                let pushed = self.dfs(source, sink, i32::MAX);
                if pushed == 0 {
                    break;
                }
                added += i64::from(pushed);
            }
        }
        added
    }

    fn bfs(&mut self, source: usize, sink: usize) -> bool {
        self.level = vec![-1; self.head.len()];
        self.level[source] = 0;
        let mut queue = VecDeque::from([source as u32]);
        while let Some(node) = queue.pop_front() {
            let mut edge = self.head[node as usize];
            while edge != NONE {
                let e = edge as usize;
                let to = self.to[e] as usize;
                if self.cap[e] > 0 && self.level[to] < 0 {
                    self.level[to] = self.level[node as usize] + 1;
                    queue.push_back(to as u32);
                }
                edge = self.next[e];
            }
        }
        self.level[sink] >= 0
    }

    /// One blocking-flow path, iterative to survive deep graphs.
    fn dfs(&mut self, source: usize, sink: usize, limit: i32) -> i32 {
        let mut path: Vec<usize> = Vec::new();
        let mut node = source;
        loop {
            if node == sink {
                let amount = path.iter().map(|&e| self.cap[e]).min().unwrap_or(limit).min(limit);
                for &e in &path {
                    self.push(e, amount);
                }
                return amount;
            }
            let mut advanced = false;
            while self.cursor[node] != NONE {
                let e = self.cursor[node] as usize;
                let to = self.to[e] as usize;
                if self.cap[e] > 0 && self.level[to] == self.level[node] + 1 {
                    path.push(e);
                    node = to;
                    advanced = true;
                    break;
                }
                self.cursor[node] = self.next[e];
            }
            if !advanced {
                // Dead end: retreat and never try this node again in this phase.
                self.level[node] = -1;
                match path.pop() {
                    Some(e) => {
                        node = self.to[e ^ 1] as usize;
                        self.cursor[node] = self.next[self.cursor[node] as usize];
                    }
                    None => return 0,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_textbook_network_reaches_its_maximum() {
        let mut g = FlowGraph::new(6);
        for (a, b, c) in [(0, 1, 10), (0, 2, 10), (1, 2, 2), (1, 3, 4), (1, 4, 8), (2, 4, 9), (4, 3, 6), (3, 5, 10), (4, 5, 10)] {
            g.add_edge(a, b, c);
        }
        assert_eq!(g.max_flow(0, 5), 19);
        assert_eq!(g.max_flow(0, 5), 0, "a maximum flow has no augmenting path");
    }
}
