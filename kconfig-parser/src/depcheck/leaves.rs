//! The symbols of every expression `sym_check_deps` walks, read once, up front.
//!
//! `sym_check_expr_deps` calls `sym_check_deps` on each symbol of an expression, left to right,
//! and stops at the first that closes a cycle. When a call returns none, the symbol is done
//! (SYMBOL_CHECKED without SYMBOL_CHECK) and stays done, so a second call on it in the same
//! expression returns none at once and changes nothing: only the first appearance of each symbol
//! matters. [`Leaves`] keeps exactly those, per expression, in a flat array.
//!
//! The check visits symbols in hash (or menu) order, jumping all over the expression trees; the
//! trees are read here in the order they sit in the model, in parallel, and the check then walks
//! short arrays instead of trees.

use rayon::prelude::*;

use crate::expr::Expr;
use crate::expr_simplify::{ExprType, KernelVersion};
use crate::model::{Model, PropId, PropKind, SymbolId};

/// An entry that is not a symbol: a node `sym_check_expr_deps` cannot check (it prints "Oops!
/// How to check %d?"); the low bits hold the C value of its type.
pub(super) const OOPS: u32 = 1 << 31;

/// Which expression of a symbol.
#[derive(Clone, Copy)]
pub(super) enum SymExpr {
    DirDep = 0,
    RevDep = 1,
    Implied = 2,
}

/// For each expression the check walks, the symbols it names in order of first appearance (and
/// [`OOPS`] entries where it has nodes that cannot be checked).
pub(super) struct Leaves {
    nsym: usize,
    /// Where each expression's entries start in `entries`: three per symbol (dir_dep, rev_dep,
    /// implied), then two per property (visibility, and the value of a default).
    offsets: Vec<u32>,
    entries: Vec<u32>,
}

/// The expression with index `i` (see [`Leaves::offsets`]).
fn expr_at(m: &Model, nsym: usize, i: usize) -> Option<&Expr> {
    if i < 3 * nsym {
        let s = m.sym(SymbolId((i / 3) as u32));
        match i % 3 {
            0 => s.dir_dep.as_ref(),
            1 => s.rev_dep.as_ref(),
            _ => s.implied.as_ref(),
        }
    } else {
        let j = i - 3 * nsym;
        let p = m.prop(PropId((j / 2) as u32));
        if j % 2 == 0 {
            p.visible.as_ref()
        } else if p.kind == PropKind::Default {
            p.expr.as_ref()
        } else {
            None
        }
    }
}

/// Appends the symbols of `e` not yet marked with `tag` in `seen`, left to right.
fn collect(e: &Expr, v: KernelVersion, seen: &mut [u32], tag: u32, out: &mut Vec<u32>) {
    let mut sym = |s: SymbolId, out: &mut Vec<u32>| {
        if seen[s.index()] != tag {
            seen[s.index()] = tag;
            out.push(s.0);
        }
    };
    match e {
        Expr::Or(l, r) | Expr::And(l, r) => {
            collect(l, v, seen, tag, out);
            collect(r, v, seen, tag, out);
        }
        Expr::Not(c) => collect(c, v, seen, tag, out),
        Expr::Cmp(_, a, b) => {
            sym(*a, out);
            sym(*b, out);
        }
        Expr::Symbol(s) => sym(*s, out),
        other => out.push(OOPS | ExprType::of(other).c_value(v) as u32),
    }
}

impl Leaves {
    /// Reads every expression of the model.
    pub(super) fn build(m: &Model, v: KernelVersion) -> Leaves {
        let nsym = m.symbols.len();
        let total = 3 * nsym + 2 * m.props.len();
        let chunk = total.div_ceil(4 * rayon::current_num_threads().max(1)).max(1024);
        let parts: Vec<(Vec<u32>, Vec<u32>)> = (0..total.div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let (lo, hi) = (c * chunk, ((c + 1) * chunk).min(total));
                let mut seen = vec![0u32; nsym];
                let mut entries = Vec::with_capacity(hi - lo);
                let mut ends = Vec::with_capacity(hi - lo);
                for i in lo..hi {
                    if let Some(e) = expr_at(m, nsym, i) {
                        collect(e, v, &mut seen, (i - lo + 1) as u32, &mut entries);
                    }
                    ends.push(entries.len() as u32);
                }
                (entries, ends)
            })
            .collect();
        let mut offsets = Vec::with_capacity(total + 1);
        offsets.push(0);
        let mut entries = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
        for (part, ends) in &parts {
            let base = entries.len() as u32;
            offsets.extend(ends.iter().map(|e| base + e));
            entries.extend_from_slice(part);
        }
        Leaves {
            nsym,
            offsets,
            entries,
        }
    }

    fn at(&self, i: usize) -> &[u32] {
        &self.entries[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// The entries of a symbol's dir_dep, rev_dep or implied.
    pub(super) fn sym(&self, s: SymbolId, which: SymExpr) -> &[u32] {
        self.at(3 * s.index() + which as usize)
    }

    /// The entries of a property's visibility.
    pub(super) fn visible(&self, p: PropId) -> &[u32] {
        self.at(3 * self.nsym + 2 * p.index())
    }

    /// The entries of the value of a default.
    pub(super) fn default_value(&self, p: PropId) -> &[u32] {
        self.at(3 * self.nsym + 2 * p.index() + 1)
    }
}
