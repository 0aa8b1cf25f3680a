//! What `sym_check_sym_deps` walks for each symbol, read from the model once, up front.
//!
//! For each symbol, `sym_check_sym_deps` walks its dir_dep, rev_dep and implied, then the
//! visibility of each of its properties (but choices, selects and implies) and the value of each
//! default, with the entry of the dependency stack saying which (for the message of a cycle).
//! `sym_check_expr_deps` calls `sym_check_deps` on each symbol of an expression, left to right,
//! and stops at the first that closes a cycle. When such a call returns none the symbol is done
//! (SYMBOL_CHECKED without SYMBOL_CHECK) and stays done, so a second call on it in the same
//! expression returns none at once and changes nothing: only the first appearance of each symbol
//! in an expression matters.
//!
//! A [`Plan`] holds, per symbol, those walks as [`Item`]s over flat arrays of first appearances,
//! and what the check asks about the symbol (its choice). The check visits symbols in hash (or
//! menu) order, jumping all over the model; the plan reads the model in the order it is laid out,
//! in parallel, and the check then walks short arrays instead of trees.

use rayon::prelude::*;

use super::{choice_of, is_choice, StackExpr};
use crate::expr::Expr;
use crate::expr_simplify::{ExprType, KernelVersion};
use crate::model::{Model, PropId, PropKind, SymbolId};

/// An entry that is not a symbol: a node `sym_check_expr_deps` cannot check (it prints "Oops!
/// How to check %d?"); the low bits hold the C value of its type.
pub(super) const OOPS: u32 = 1 << 31;

const NONE: u32 = u32::MAX;

/// One expression `sym_check_sym_deps` walks: the dependency stack entry's `expr` and `prop`
/// while it does, and its entries.
#[derive(Clone, Copy, Debug)]
pub(super) struct Item {
    pub expr: StackExpr,
    pub prop: Option<PropId>,
    start: u32,
    end: u32,
}

/// The walks of every symbol, in parts of `chunk` symbols read in parallel.
pub(super) struct Plan {
    chunk: usize,
    parts: Vec<Part>,
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

/// The plan of the symbols `lo..hi`.
struct Part {
    items: Vec<Item>,
    /// Where each symbol's items end, in `items`.
    ends: Vec<u32>,
    entries: Vec<u32>,
    /// The choice of each choice value, or NONE.
    choice: Vec<u32>,
    /// Whether each symbol is a choice (`sym_is_choice`).
    is_choice: Vec<bool>,
}

fn plan_part(m: &Model, v: KernelVersion, lo: usize, hi: usize) -> Part {
    let mut part = Part {
        items: Vec::with_capacity(4 * (hi - lo)),
        ends: Vec::with_capacity(hi - lo),
        entries: Vec::with_capacity(8 * (hi - lo)),
        choice: Vec::with_capacity(hi - lo),
        is_choice: Vec::with_capacity(hi - lo),
    };
    let mut seen = vec![0u32; m.symbols.len()];
    let mut tag = 0;
    let mut add = |part: &mut Part, expr: StackExpr, prop: Option<PropId>, e: Option<&Expr>| {
        let Some(e) = e else { return };
        tag += 1;
        let start = part.entries.len() as u32;
        collect(e, v, &mut seen, tag, &mut part.entries);
        let end = part.entries.len() as u32;
        // An empty walk sets the stack entry and finds nothing: it can be left out.
        if end > start {
            part.items.push(Item {
                expr,
                prop,
                start,
                end,
            });
        }
    };
    for i in lo..hi {
        let id = SymbolId(i as u32);
        let sym = m.sym(id);
        add(&mut part, StackExpr::DirDep, None, sym.dir_dep.as_ref());
        add(&mut part, StackExpr::RevDep, None, sym.rev_dep.as_ref());
        add(&mut part, StackExpr::Implied, None, sym.implied.as_ref());
        let choice = is_choice(m, v, id);
        for &p in &sym.props {
            let prop = m.prop(p);
            // P_CHOICE is skipped up to 6.10; it and P_SYMBOL do not exist afterwards.
            let absent = super::has_menu_choices(v) && prop.kind == PropKind::Symbol;
            if absent
                || matches!(
                    prop.kind,
                    PropKind::Choice | PropKind::Select | PropKind::Imply
                )
            {
                continue;
            }
            add(&mut part, StackExpr::None, Some(p), prop.visible.as_ref());
            if prop.kind == PropKind::Default && !choice {
                add(&mut part, StackExpr::PropExpr, Some(p), prop.expr.as_ref());
            }
        }
        part.ends.push(part.items.len() as u32);
        part.choice.push(choice_of(m, v, id).map_or(NONE, |c| c.0));
        part.is_choice.push(choice);
    }
    part
}

impl Plan {
    /// Reads the walks of every symbol of the model.
    pub(super) fn new(m: &Model, v: KernelVersion) -> Plan {
        let n = m.symbols.len();
        let chunk = n.div_ceil(4 * rayon::current_num_threads().max(1)).max(256);
        let parts = (0..n.div_ceil(chunk))
            .into_par_iter()
            .map(|c| plan_part(m, v, c * chunk, ((c + 1) * chunk).min(n)))
            .collect();
        Plan { chunk, parts }
    }

    fn part(&self, sym: SymbolId) -> (&Part, usize) {
        let i = sym.index();
        (&self.parts[i / self.chunk], i % self.chunk)
    }

    /// The walks of `sym_check_sym_deps` for a symbol, in order, and where their entries are.
    pub(super) fn items(&self, sym: SymbolId) -> (&[Item], Entries<'_>) {
        let (part, i) = self.part(sym);
        let start = if i == 0 { 0 } else { part.ends[i - 1] };
        let items = &part.items[start as usize..part.ends[i] as usize];
        (items, Entries(&part.entries))
    }

    /// The choice of a choice value.
    pub(super) fn choice_of(&self, sym: SymbolId) -> Option<SymbolId> {
        let (part, i) = self.part(sym);
        let c = part.choice[i];
        (c != NONE).then_some(SymbolId(c))
    }

    /// `sym_is_choice`
    pub(super) fn is_choice(&self, sym: SymbolId) -> bool {
        let (part, i) = self.part(sym);
        part.is_choice[i]
    }
}

/// The entries the [`Item`]s of a symbol point into.
#[derive(Clone, Copy)]
pub(super) struct Entries<'p>(&'p [u32]);

impl<'p> Entries<'p> {
    /// The symbols (and [`OOPS`] entries) of one walk.
    pub(super) fn of(self, item: &Item) -> &'p [u32] {
        &self.0[item.start as usize..item.end as usize]
    }
}
