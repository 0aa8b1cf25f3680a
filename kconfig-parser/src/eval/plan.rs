//! The model's expressions, hash-consed into one DAG for evaluation (as 6.12's `expr_lookup`
//! does in C), so that values can be cached per node.
//!
//! `menu_finalize` copies each menu's dependencies into every property below it, so a tree's
//! ~560,000 expression nodes hold only ~50,000 distinct ones. 6.12 evaluates each distinct node
//! once until `expr_invalidate_all`; [`crate::eval::Config`] does the same for every release:
//! a node's cached value stays valid until a symbol loses SYMBOL_VALID. Within that window a
//! valid symbol's value is final (the dependency check rules out the recursion that would see a
//! temporary one), so before 6.12 the cache only saves work.

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::expr::{CmpOp, Expr};
use crate::expr_simplify::KernelVersion;
use crate::model::{Model, PropId, PropKind, SymbolId};

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
    /// Per symbol, its prompts (`for_all_prompts`: properties with a text), defaults and
    /// ranges, in order, so that evaluation does not scan long property lists (a symbol with
    /// a hundred `select`s has two or three of these).
    pub(crate) prompts: PropLists,
    pub(crate) defaults: PropLists,
    pub(crate) ranges: PropLists,
    /// The sizes of the model it was built from, to catch a plan used with another model.
    shape: (usize, usize, usize),
    /// What depends on the release's rules, computed once per release asked for.
    versions: Mutex<Vec<(KernelVersion, Arc<VersionData>)>>,
}

/// The parts of a configuration's initial state that depend only on the model and the
/// release's rules.
#[derive(Debug)]
pub(crate) struct VersionData {
    /// The order of `for_all_symbols`.
    pub(crate) table_order: Arc<Vec<SymbolId>>,
    /// 6.1: the choice symbol of each choice value; 6.11+: the choice menu of each member.
    pub(crate) choice_of: Vec<Option<u32>>,
    /// 6.1: named choices, which `sym_find` finds too.
    pub(crate) named_choices: FxHashMap<String, SymbolId>,
    /// 6.11+: each choice menu's members in parse order.
    pub(crate) choice_members: FxHashMap<u32, Vec<SymbolId>>,
}

impl VersionData {
    fn new(model: &Model, version: KernelVersion) -> Self {
        let new_choices = version >= (6, 11);
        let mut d = VersionData {
            table_order: Arc::new(crate::depcheck::symbol_hash_order(model, version)),
            choice_of: vec![None; model.symbols.len()],
            named_choices: FxHashMap::default(),
            choice_members: FxHashMap::default(),
        };
        if new_choices {
            for (i, m) in model.menus.iter().enumerate() {
                if !m.choice_members.is_empty() {
                    d.choice_members.insert(i as u32, m.choice_members.clone());
                }
            }
            for (i, slot) in d.choice_of.iter_mut().enumerate() {
                *slot = super::sym_get_choice_menu(model, SymbolId(i as u32)).map(|m| m.0);
            }
        } else {
            for (i, slot) in d.choice_of.iter_mut().enumerate() {
                if let Some(p) = model.choice_prop(SymbolId(i as u32)) {
                    if let Some(Expr::Symbol(c)) = &model.prop(p).expr {
                        *slot = Some(c.0);
                    }
                }
            }
            for (i, s) in model.symbols.iter().enumerate() {
                if let (true, Some(n)) = (s.is_choice(), s.name.as_deref()) {
                    d.named_choices.insert(n.to_string(), SymbolId(i as u32));
                }
            }
        }
        d
    }
}

/// One list of properties per symbol, flattened.
#[derive(Debug, Default)]
pub(crate) struct PropLists {
    start: Vec<u32>,
    props: Vec<PropId>,
}

impl PropLists {
    fn build(m: &Model, keep: impl Fn(&crate::model::Property) -> bool) -> Self {
        let mut l = PropLists {
            start: Vec::with_capacity(m.symbols.len() + 1),
            props: Vec::new(),
        };
        for s in &m.symbols {
            l.start.push(l.props.len() as u32);
            l.props
                .extend(s.props.iter().copied().filter(|p| keep(m.prop(*p))));
        }
        l.start.push(l.props.len() as u32);
        l
    }

    /// The properties of one symbol.
    pub(crate) fn of(&self, s: SymbolId) -> &[PropId] {
        let (a, b) = (self.start[s.index()], self.start[s.index() + 1]);
        &self.props[a as usize..b as usize]
    }
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
            prompts: PropLists::build(m, |p| p.text.is_some()),
            defaults: PropLists::build(m, |p| p.kind == PropKind::Default),
            ranges: PropLists::build(m, |p| p.kind == PropKind::Range),
            nodes: b.nodes,
            prop_visible,
            prop_expr,
            dir_dep,
            rev_dep,
            implied,
            menu_visibility,
            shape: shape(m),
            versions: Mutex::new(Vec::new()),
        }
    }

    /// The release-dependent initial state, computed on first use.
    pub(crate) fn version_data(&self, m: &Model, v: KernelVersion) -> Arc<VersionData> {
        let mut cache = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, d)) = cache.iter().find(|(cv, _)| *cv == v) {
            return Arc::clone(d);
        }
        let d = Arc::new(VersionData::new(m, v));
        cache.push((v, Arc::clone(&d)));
        d
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
