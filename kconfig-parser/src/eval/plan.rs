//! The model's expressions, hash-consed into one DAG for evaluation (as 6.12's `expr_lookup`
//! does in C), so that values can be cached per node.
//!
//! `menu_finalize` copies each menu's dependencies into every property below it, so a tree's
//! ~560,000 expression nodes hold only ~50,000 distinct ones. 6.12 evaluates each distinct node
//! once until `expr_invalidate_all`; [`crate::eval::Config`] does the same for every release:
//! a node's cached value stays valid until a symbol loses SYMBOL_VALID. Within that window a
//! valid symbol's value is final (the dependency check rules out the recursion that would see a
//! temporary one), so before 6.12 the cache only saves work.

use rustc_hash::FxHashMap;

use crate::expr::{CmpOp, Expr};
use crate::model::{Model, SymbolId};

/// A node of the evaluation DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Sym(SymbolId),
    Not(u32),
    And(u32, u32),
    Or(u32, u32),
    Cmp(CmpOp, SymbolId, SymbolId),
    /// E_RANGE / E_LIST: `expr_calc_value` answers `n` ("expr_calc_value: %d?").
    Other,
}

/// The compiled expressions of one model. Build it once per loaded tree and share it between
/// configurations ([`crate::eval::Config::with_plan`]).
#[derive(Debug)]
pub struct EvalPlan {
    pub(crate) nodes: Vec<Node>,
    pub(crate) prop_visible: Vec<Option<u32>>,
    pub(crate) prop_expr: Vec<Option<u32>>,
    pub(crate) dir_dep: Vec<Option<u32>>,
    pub(crate) rev_dep: Vec<Option<u32>>,
    pub(crate) implied: Vec<Option<u32>>,
    pub(crate) menu_visibility: Vec<Option<u32>>,
    /// The sizes of the model it was built from, to catch a plan used with another model.
    shape: (usize, usize, usize),
}

struct Builder {
    nodes: Vec<Node>,
    index: FxHashMap<Node, u32>,
}

impl Builder {
    fn node(&mut self, n: Node) -> u32 {
        if let Some(&i) = self.index.get(&n) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.nodes.push(n);
        self.index.insert(n, i);
        i
    }

    fn expr(&mut self, e: &Expr) -> u32 {
        let n = match e {
            Expr::Symbol(s) => Node::Sym(*s),
            Expr::Not(c) => {
                let c = self.expr(c);
                Node::Not(c)
            }
            Expr::And(a, b) => {
                let (a, b) = (self.expr(a), self.expr(b));
                Node::And(a, b)
            }
            Expr::Or(a, b) => {
                let (a, b) = (self.expr(a), self.expr(b));
                Node::Or(a, b)
            }
            Expr::Cmp(op, a, b) => Node::Cmp(*op, *a, *b),
            Expr::Range(..) | Expr::List(_) => Node::Other,
        };
        self.node(n)
    }

    fn opt(&mut self, e: Option<&Expr>) -> Option<u32> {
        e.map(|e| self.expr(e))
    }
}

impl EvalPlan {
    /// Compiles every expression of the model.
    pub fn new(m: &Model) -> Self {
        let mut b = Builder {
            nodes: Vec::with_capacity(64 * 1024),
            index: FxHashMap::default(),
        };
        let prop_visible = m.props.iter().map(|p| b.opt(p.visible.as_ref())).collect();
        let prop_expr = m.props.iter().map(|p| b.opt(p.expr.as_ref())).collect();
        let dir_dep = m
            .symbols
            .iter()
            .map(|s| b.opt(s.dir_dep.as_ref()))
            .collect();
        let rev_dep = m
            .symbols
            .iter()
            .map(|s| b.opt(s.rev_dep.as_ref()))
            .collect();
        let implied = m
            .symbols
            .iter()
            .map(|s| b.opt(s.implied.as_ref()))
            .collect();
        let menu_visibility = m
            .menus
            .iter()
            .map(|x| b.opt(x.visibility.as_ref()))
            .collect();
        EvalPlan {
            nodes: b.nodes,
            prop_visible,
            prop_expr,
            dir_dep,
            rev_dep,
            implied,
            menu_visibility,
            shape: shape(m),
        }
    }

    /// Whether the plan was built from a model of this shape.
    pub fn fits(&self, m: &Model) -> bool {
        self.shape == shape(m)
    }

    /// The number of distinct expression nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the model has no expressions at all.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

fn shape(m: &Model) -> (usize, usize, usize) {
    (m.symbols.len(), m.props.len(), m.menus.len())
}
