//! Kconfig expressions: compact trees over symbol ids, as `struct expr` in scripts/kconfig/expr.h.
//!
//! The variants mirror the C `enum expr_type` one to one so that the simplification passes
//! (`expr_transform`, `expr_eliminate_dups`, ...) can be ported function by function.

use crate::model::SymbolId;

/// The comparison operators of `symbol OP symbol` (E_EQUAL, E_UNEQUAL, E_LTH, E_LEQ, E_GTH, E_GEQ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CmpOp {
    Equal,
    Unequal,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

impl CmpOp {
    /// The operator as Kconfig writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Equal => "=",
            CmpOp::Unequal => "!=",
            CmpOp::Less => "<",
            CmpOp::LessEqual => "<=",
            CmpOp::Greater => ">",
            CmpOp::GreaterEqual => ">=",
        }
    }
}

/// A Kconfig expression. `None` in C (a NULL `struct expr *`) is `Option<Expr>` here.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Expr {
    /// E_SYMBOL: a symbol (constant or not).
    Symbol(SymbolId),
    /// E_NOT
    Not(Box<Expr>),
    /// E_AND
    And(Box<Expr>, Box<Expr>),
    /// E_OR
    Or(Box<Expr>, Box<Expr>),
    /// E_EQUAL, E_UNEQUAL, E_LTH, ...: both sides are symbols.
    Cmp(CmpOp, SymbolId, SymbolId),
    /// E_RANGE: the two bounds of a `range` property.
    Range(SymbolId, SymbolId),
    /// E_LIST: the members of a choice, in order (the P_CHOICE property of a choice symbol).
    List(Vec<SymbolId>),
}

impl Expr {
    /// `expr_alloc_and`: `a && b`, where a missing side leaves the other unchanged.
    pub fn and(a: Option<Expr>, b: Option<Expr>) -> Option<Expr> {
        match (a, b) {
            (None, b) => b,
            (a, None) => a,
            (Some(a), Some(b)) => Some(Expr::And(Box::new(a), Box::new(b))),
        }
    }

    /// `expr_alloc_or`: `a || b`, where a missing side leaves the other unchanged.
    pub fn or(a: Option<Expr>, b: Option<Expr>) -> Option<Expr> {
        match (a, b) {
            (None, b) => b,
            (a, None) => a,
            (Some(a), Some(b)) => Some(Expr::Or(Box::new(a), Box::new(b))),
        }
    }

    /// Calls `f` on every symbol the expression mentions, left to right.
    pub fn for_each_symbol(&self, f: &mut impl FnMut(SymbolId)) {
        match self {
            Expr::Symbol(s) => f(*s),
            Expr::Not(e) => e.for_each_symbol(f),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.for_each_symbol(f);
                b.for_each_symbol(f);
            }
            Expr::Cmp(_, a, b) | Expr::Range(a, b) => {
                f(*a);
                f(*b);
            }
            Expr::List(l) => l.iter().copied().for_each(f),
        }
    }

    /// The symbols the expression mentions, in order of first appearance, without duplicates.
    pub fn symbols(&self) -> Vec<SymbolId> {
        let mut out = Vec::new();
        self.for_each_symbol(&mut |s| {
            if !out.contains(&s) {
                out.push(s)
            }
        });
        out
    }
}
