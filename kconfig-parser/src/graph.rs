//! The dependency graph of a finalised model (petgraph): one node per non-constant symbol and
//! typed edges for what each symbol's value is computed from.
//!
//! An edge `A -> B` always reads "A's value or visibility involves B":
//! `DependsOn` (B is in A's direct dependencies, inherited menu and `if` conditions included),
//! `Selects` / `Implies` (A selects or implies B: B's value involves A, which the reverse
//! queries show as "selected by"), `DefaultFrom` (B appears in a default of A or its condition),
//! `VisibleIf` (B appears in the condition of A's prompt, `visible if` included) and
//! `RangeFrom` (B bounds A's range or conditions it).

use std::collections::VecDeque;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::expr::Expr;
use crate::model::{Model, PropKind, SymbolId};

/// The kind of a dependency edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    DependsOn,
    Selects,
    Implies,
    DefaultFrom,
    VisibleIf,
    RangeFrom,
}

impl EdgeKind {
    /// How the edge reads from its source.
    pub fn forward(self) -> &'static str {
        match self {
            EdgeKind::DependsOn => "depends on",
            EdgeKind::Selects => "selects",
            EdgeKind::Implies => "implies",
            EdgeKind::DefaultFrom => "default reads",
            EdgeKind::VisibleIf => "prompt visible if",
            EdgeKind::RangeFrom => "range reads",
        }
    }

    /// How the edge reads from its target.
    pub fn backward(self) -> &'static str {
        match self {
            EdgeKind::DependsOn => "is a dependency of",
            EdgeKind::Selects => "is selected by",
            EdgeKind::Implies => "is implied by",
            EdgeKind::DefaultFrom => "is read by the default of",
            EdgeKind::VisibleIf => "controls the prompt of",
            EdgeKind::RangeFrom => "bounds the range of",
        }
    }
}

/// Which way to walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walk {
    /// What the symbol depends on (outgoing edges).
    Dependencies,
    /// What depends on the symbol (incoming edges).
    Dependents,
}

/// One edge found by a walk.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    /// Distance from the start symbol (1 for its direct edges).
    pub depth: usize,
    pub from: SymbolId,
    pub to: SymbolId,
    pub kind: EdgeKind,
}

/// The dependency graph.
pub struct DepGraph {
    pub graph: DiGraph<SymbolId, EdgeKind>,
    node_of: Vec<Option<NodeIndex>>,
}

impl DepGraph {
    /// Builds the graph of a finalised model.
    pub fn build(m: &Model) -> Self {
        let mut g = DepGraph {
            graph: DiGraph::with_capacity(m.symbols.len(), m.props.len()),
            node_of: vec![None; m.symbols.len()],
        };
        for (i, s) in m.symbols.iter().enumerate() {
            if s.is_const() || s.menus.is_empty() {
                continue;
            }
            let id = SymbolId(i as u32);
            let mut deps: Vec<SymbolId> = Vec::new();
            if let Some(d) = &s.dir_dep {
                deps = non_const(m, d);
                for &b in &deps {
                    g.add(id, b, EdgeKind::DependsOn);
                }
            }
            for &p in &s.props {
                let prop = m.prop(p);
                let (kind, mut targets) = match prop.kind {
                    PropKind::Select | PropKind::Imply => {
                        let kind = if prop.kind == PropKind::Select {
                            EdgeKind::Selects
                        } else {
                            EdgeKind::Implies
                        };
                        if let Some(Expr::Symbol(t)) = &prop.expr {
                            g.add(id, *t, kind);
                        }
                        continue;
                    }
                    PropKind::Default => (
                        EdgeKind::DefaultFrom,
                        prop.expr
                            .as_ref()
                            .map(|e| non_const(m, e))
                            .unwrap_or_default(),
                    ),
                    PropKind::Prompt => (EdgeKind::VisibleIf, Vec::new()),
                    PropKind::Range => (
                        EdgeKind::RangeFrom,
                        prop.expr
                            .as_ref()
                            .map(|e| non_const(m, e))
                            .unwrap_or_default(),
                    ),
                    _ => continue,
                };
                if let Some(v) = &prop.visible {
                    for b in non_const(m, v) {
                        if !deps.contains(&b) && !targets.contains(&b) {
                            targets.push(b);
                        }
                    }
                }
                for b in targets {
                    if b != id {
                        g.add(id, b, kind);
                    }
                }
            }
        }
        g
    }

    fn node(&mut self, s: SymbolId) -> NodeIndex {
        if let Some(n) = self.node_of[s.index()] {
            return n;
        }
        let n = self.graph.add_node(s);
        self.node_of[s.index()] = Some(n);
        n
    }

    fn add(&mut self, a: SymbolId, b: SymbolId, kind: EdgeKind) {
        let (na, nb) = (self.node(a), self.node(b));
        if !self
            .graph
            .edges_connecting(na, nb)
            .any(|e| *e.weight() == kind)
        {
            self.graph.add_edge(na, nb, kind);
        }
    }

    /// The direct edges of a symbol, in one direction: (other symbol, kind).
    pub fn direct(&self, s: SymbolId, walk: Walk) -> Vec<(SymbolId, EdgeKind)> {
        let Some(n) = self.node_of.get(s.index()).copied().flatten() else {
            return Vec::new();
        };
        let dir = match walk {
            Walk::Dependencies => Direction::Outgoing,
            Walk::Dependents => Direction::Incoming,
        };
        let mut out: Vec<(SymbolId, EdgeKind)> = self
            .graph
            .edges_directed(n, dir)
            .map(|e| {
                let other = if dir == Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                };
                (self.graph[other], *e.weight())
            })
            .collect();
        out.sort();
        out
    }

    /// Breadth-first walk from `s` up to `depth` edges away; each symbol is expanded once.
    pub fn walk(&self, s: SymbolId, walk: Walk, depth: usize) -> Vec<Step> {
        let mut seen = vec![false; self.node_of.len()];
        seen[s.index()] = true;
        let mut queue = VecDeque::from([(s, 0usize)]);
        let mut steps = Vec::new();
        while let Some((cur, d)) = queue.pop_front() {
            if d >= depth {
                continue;
            }
            for (other, kind) in self.direct(cur, walk) {
                let (from, to) = match walk {
                    Walk::Dependencies => (cur, other),
                    Walk::Dependents => (other, cur),
                };
                steps.push(Step {
                    depth: d + 1,
                    from,
                    to,
                    kind,
                });
                if !seen[other.index()] {
                    seen[other.index()] = true;
                    queue.push_back((other, d + 1));
                }
            }
        }
        steps
    }

    /// The number of symbols and edges.
    pub fn size(&self) -> (usize, usize) {
        (self.graph.node_count(), self.graph.edge_count())
    }
}

/// The non-constant symbols of an expression, in order, without duplicates.
fn non_const(m: &Model, e: &Expr) -> Vec<SymbolId> {
    e.symbols()
        .into_iter()
        .filter(|s| !m.sym(*s).is_const())
        .collect()
}

/// Renders the edges of a walk in Graphviz dot.
pub fn to_dot(m: &Model, start: SymbolId, steps: &[Step]) -> String {
    let name = |s: SymbolId| m.sym(s).display_name().to_string();
    let mut out =
        String::from("digraph kconfig {\n  rankdir=LR;\n  node [shape=box, fontname=monospace];\n");
    out.push_str(&format!("  \"{}\" [style=bold];\n", name(start)));
    for st in steps {
        let style = match st.kind {
            EdgeKind::DependsOn => "solid",
            EdgeKind::Selects => "bold",
            EdgeKind::Implies => "dashed",
            EdgeKind::DefaultFrom | EdgeKind::RangeFrom => "dotted",
            EdgeKind::VisibleIf => "dashed",
        };
        out.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}\", style={}];\n",
            name(st.from),
            name(st.to),
            st.kind.forward(),
            style
        ));
    }
    out.push_str("}\n");
    out
}
