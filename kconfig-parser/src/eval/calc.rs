//! Computing values: `expr_calc_value`, `sym_calc_visibility` and `sym_calc_value` (symbol.c,
//! expr.c), with the helpers they use for defaults, ranges and the unmet-dependency warning.

use super::cnum::{is_xdigit, strtoll, strtoull};
use super::eflags::NEED_SET_CHOICE_VALUES;
use std::sync::Arc;

use super::plan::Node;
use super::{expr_and, expr_not, expr_or, Config, SymValue, Tristate, Val};
use crate::expr::{CmpOp, Expr};
use crate::expr_print::{expr_gstr_print, expr_gstr_print_revdep, Gstr};
use crate::model::{flags, PropId, PropKind, SymbolId, SymbolType};

/// `enum string_value_kind` with the parsed value (`union string_value`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Signed(i64),
    Unsigned(u64),
}

/// `expr_parse_string`: how a comparison reads a value of a symbol of type `ty`.
fn expr_parse_string(s: &str, ty: SymbolType) -> Kind {
    let b = s.as_bytes();
    let (kind, end, overflow) = match ty {
        SymbolType::Bool | SymbolType::Tristate => {
            return Kind::Signed(match s {
                "n" => 0,
                "m" => 1,
                "y" => 2,
                _ => -1,
            })
        }
        SymbolType::Int => {
            let p = strtoll(b, 10);
            (Kind::Signed(p.value), p.end, p.overflow)
        }
        SymbolType::Hex => {
            let p = strtoull(b, 16);
            (Kind::Unsigned(p.value), p.end, p.overflow)
        }
        _ => {
            let p = strtoll(b, 0);
            (Kind::Signed(p.value), p.end, p.overflow)
        }
    };
    // `!errno && !*tail && tail > str && isxdigit(tail[-1])`
    if !overflow && end == b.len() && end > 0 && is_xdigit(b[end - 1]) {
        kind
    } else {
        Kind::String
    }
}

impl Config<'_> {
    /// `expr_calc_value`: the tristate value of an expression; a missing one is `y`.
    pub fn expr_calc_value(&mut self, e: Option<&Expr>) -> Tristate {
        let Some(e) = e else {
            return Tristate::Yes;
        };
        match e {
            Expr::Symbol(s) => {
                self.sym_calc_value(*s);
                self.sym_get_tristate_value(*s)
            }
            Expr::And(l, r) => {
                let a = self.expr_calc_value(Some(l));
                let b = self.expr_calc_value(Some(r));
                expr_and(a, b)
            }
            Expr::Or(l, r) => {
                let a = self.expr_calc_value(Some(l));
                let b = self.expr_calc_value(Some(r));
                expr_or(a, b)
            }
            Expr::Not(c) => {
                let a = self.expr_calc_value(Some(c));
                expr_not(a)
            }
            Expr::Cmp(op, l, r) => self.calc_compare(*op, *l, *r),
            // "expr_calc_value: %d?" (never reached by a parsed tree).
            Expr::Range(..) | Expr::List(_) => Tristate::No,
        }
    }

    /// `expr_calc_value` of a node of the plan, cached until a symbol loses SYMBOL_VALID (6.12's
    /// `e->val_is_valid`). A value computed while the cache was invalidated is not kept.
    pub(crate) fn calc_node(&mut self, n: Option<u32>) -> Tristate {
        let Some(n) = n else {
            return Tristate::Yes;
        };
        let i = n as usize;
        if self.node_epoch[i] == self.epoch {
            return self.node_val[i];
        }
        let epoch = self.epoch;
        let v = match self.plan.nodes[i] {
            Node::Sym(s) => {
                self.sym_calc_value(s);
                self.sym_get_tristate_value(s)
            }
            Node::Not(c) => expr_not(self.calc_node(Some(c))),
            Node::And(a, b) => {
                let a = self.calc_node(Some(a));
                let b = self.calc_node(Some(b));
                expr_and(a, b)
            }
            Node::Or(a, b) => {
                let a = self.calc_node(Some(a));
                let b = self.calc_node(Some(b));
                expr_or(a, b)
            }
            Node::Cmp(op, l, r) => self.calc_compare(op, l, r),
            Node::Other => Tristate::No,
        };
        if self.epoch == epoch {
            self.node_val[i] = v;
            self.node_epoch[i] = epoch;
        }
        v
    }

    /// The comparison half of `expr_calc_value`.
    fn calc_compare(&mut self, op: CmpOp, l: SymbolId, r: SymbolId) -> Tristate {
        self.sym_calc_value(l);
        self.sym_calc_value(r);
        self.compare_values(op, l, r)
    }

    /// Compares the current values of two computed symbols as `expr_calc_value` does: as
    /// strings when both are strings or either does not parse, else as numbers.
    fn compare_values(&self, op: CmpOp, l: SymbolId, r: SymbolId) -> Tristate {
        use std::cmp::Ordering::*;
        let m = self.model;
        let (tl, tr) = (m.sym(l).ty, m.sym(r).ty);
        let s1 = self.sym_get_string_value(l);
        let s2 = self.sym_get_string_value(r);
        let (mut k1, mut k2) = (Kind::String, Kind::String);
        if tl != SymbolType::String || tr != SymbolType::String {
            k1 = expr_parse_string(s1, tl);
            k2 = expr_parse_string(s2, tr);
        }
        // `union string_value`: reading `.u` of a signed value reinterprets its bits.
        let as_u = |k: Kind| match k {
            Kind::Unsigned(u) => u,
            Kind::Signed(s) => s as u64,
            Kind::String => 0,
        };
        let ord = match (k1, k2) {
            (Kind::String, _) | (_, Kind::String) => s1.as_bytes().cmp(s2.as_bytes()),
            (Kind::Unsigned(_), _) | (_, Kind::Unsigned(_)) => as_u(k1).cmp(&as_u(k2)),
            (Kind::Signed(a), Kind::Signed(b)) => a.cmp(&b),
        };
        let t = match op {
            CmpOp::Equal => ord == Equal,
            CmpOp::Unequal => ord != Equal,
            CmpOp::GreaterEqual => ord != Less,
            CmpOp::Greater => ord == Greater,
            CmpOp::LessEqual => ord != Greater,
            CmpOp::Less => ord == Less,
        };
        if t {
            Tristate::Yes
        } else {
            Tristate::No
        }
    }

    /// `sym_calc_visibility`: `visible` from the prompts, and the `tri` of `dir_dep`, `rev_dep`
    /// and `implied` (not for choice values).
    pub fn sym_calc_visibility(&mut self, s: SymbolId) {
        let m = self.model;
        let sym = m.sym(s);
        let mut tri = Tristate::No;
        let choice_sym = if !self.new_choices && self.sym_is_choice_value(s) {
            self.choice_symbol_of(s)
        } else {
            None
        };
        let plan = Arc::clone(&self.plan);
        for &p in plan.prompts.of(s) {
            let mut vis = self.calc_node(self.plan.prop_visible[p.index()]);
            // Tristate choice values with visibility 'mod' are not visible if the
            // corresponding choice's value is 'yes' (6.1).
            if let Some(cs) = choice_sym {
                if sym.ty == SymbolType::Tristate
                    && vis == Tristate::Mod
                    && self.sym_get_tristate_value(cs) == Tristate::Yes
                {
                    vis = Tristate::No;
                }
            }
            self.prop_vis[p.index()] = vis;
            tri = expr_or(tri, vis);
        }
        if tri == Tristate::Mod
            && (sym.ty != SymbolType::Tristate || self.modules_val == Tristate::No)
        {
            tri = Tristate::Yes;
        }
        self.syms[s.index()].visible = tri;
        if self.sym_is_choice_value(s) {
            return;
        }
        let mut tri = Tristate::Yes;
        if sym.dir_dep.is_some() {
            tri = self.calc_node(self.plan.dir_dep[s.index()]);
        }
        if tri == Tristate::Mod && self.sym_get_type(s) == SymbolType::Bool {
            tri = Tristate::Yes;
        }
        self.syms[s.index()].dir_dep = tri;
        let mut tri = Tristate::No;
        if sym.rev_dep.is_some() {
            tri = self.calc_node(self.plan.rev_dep[s.index()]);
        }
        if tri == Tristate::Mod && self.sym_get_type(s) == SymbolType::Bool {
            tri = Tristate::Yes;
        }
        self.syms[s.index()].rev_dep = tri;
        let mut tri = Tristate::No;
        if sym.implied.is_some() {
            tri = self.calc_node(self.plan.implied[s.index()]);
        }
        if tri == Tristate::Mod && self.sym_get_type(s) == SymbolType::Bool {
            tri = Tristate::Yes;
        }
        self.syms[s.index()].implied = tri;
    }

    /// The first property of `kind` whose condition is not `n` (computing `prop->visible.tri`
    /// of each one tried): `sym_get_default_prop` and `sym_get_range_prop`.
    fn first_active_prop(&mut self, s: SymbolId, kind: PropKind) -> Option<PropId> {
        let plan = Arc::clone(&self.plan);
        let list = match kind {
            PropKind::Range => plan.ranges.of(s),
            _ => plan.defaults.of(s),
        };
        for &p in list {
            let vis = self.calc_node(self.plan.prop_visible[p.index()]);
            self.prop_vis[p.index()] = vis;
            if vis != Tristate::No {
                return Some(p);
            }
        }
        None
    }

    /// `sym_get_default_prop`
    pub fn sym_get_default_prop(&mut self, s: SymbolId) -> Option<PropId> {
        self.first_active_prop(s, PropKind::Default)
    }

    /// `sym_get_range_prop`
    pub fn sym_get_range_prop(&mut self, s: SymbolId) -> Option<PropId> {
        self.first_active_prop(s, PropKind::Range)
    }

    /// The two bounds of a range property.
    pub(crate) fn range_bounds(&self, p: PropId) -> Option<(SymbolId, SymbolId)> {
        match self.model.prop(p).expr {
            Some(Expr::Range(a, b)) => Some((a, b)),
            _ => None,
        }
    }

    /// `sym_get_range_val`: a bound's value, read in its own type's base.
    pub(crate) fn sym_get_range_val(&mut self, s: SymbolId, base: u32) -> i64 {
        self.sym_calc_value(s);
        let base = match self.model.sym(s).ty {
            SymbolType::Int => 10,
            SymbolType::Hex => 16,
            _ => base,
        };
        let v = self.val_str(&self.syms[s.index()].curr.val);
        strtoll(v.as_bytes(), base).value
    }

    /// `sym_validate_range`: an int or hex value outside its active range becomes the bound
    /// it passed.
    fn sym_validate_range(&mut self, s: SymbolId) {
        let base = match self.model.sym(s).ty {
            SymbolType::Int => 10,
            SymbolType::Hex => 16,
            _ => return,
        };
        let Some(p) = self.sym_get_range_prop(s) else {
            return;
        };
        let Some((lo, hi)) = self.range_bounds(p) else {
            return;
        };
        let val = strtoll(
            self.val_str(&self.syms[s.index()].curr.val).as_bytes(),
            base,
        )
        .value;
        let mut range_sym = lo;
        let val2 = self.sym_get_range_val(lo, base);
        if val >= val2 {
            range_sym = hi;
            let val2 = self.sym_get_range_val(hi, base);
            if val <= val2 {
                return;
            }
        }
        self.syms[s.index()].curr.val = self.syms[range_sym.index()].curr.val.clone();
    }

    /// `sym_warn_unmet_dep`: conf's "unmet direct dependencies" warning on stderr.
    fn sym_warn_unmet_dep(&mut self, s: SymbolId) {
        let m = self.model;
        let sym = m.sym(s);
        let st = &self.syms[s.index()];
        let mut gs = Gstr::new();
        gs.s.push_str(&format!(
            "\nWARNING: unmet direct dependencies detected for {}\n",
            sym.name.as_deref().unwrap_or("(null)")
        ));
        gs.s.push_str(&format!(
            "  Depends on [{}]: ",
            if st.dir_dep == Tristate::Mod {
                'm'
            } else {
                'n'
            }
        ));
        {
            let this = &*self;
            let value = |x: SymbolId| this.sym_get_string_value(x).to_string();
            expr_gstr_print(m, sym.dir_dep.as_ref(), &mut gs, &value);
        }
        gs.s.push('\n');
        for (t, title) in [
            (Tristate::Yes, "  Selected by [y]:\n"),
            (Tristate::Mod, "  Selected by [m]:\n"),
        ] {
            // expr_calc_value on terms of rev_dep: their symbols are computed already (the
            // whole rev_dep was), so a read-only evaluation gives the same answer.
            let this = &*self;
            let value = |x: SymbolId| this.sym_get_string_value(x).to_string();
            let calc = |e: &Expr| this.peek_expr_value(e);
            expr_gstr_print_revdep(m, sym.rev_dep.as_ref(), &mut gs, t, title, &value, &calc);
        }
        self.stderr(gs.s);
        self.sym_warnings += 1;
    }

    /// `expr_calc_value` over symbols that are all computed already: no state changes.
    pub(crate) fn peek_expr_value(&self, e: &Expr) -> Tristate {
        match e {
            Expr::Symbol(s) => self.sym_get_tristate_value(*s),
            Expr::And(l, r) => expr_and(self.peek_expr_value(l), self.peek_expr_value(r)),
            Expr::Or(l, r) => expr_or(self.peek_expr_value(l), self.peek_expr_value(r)),
            Expr::Not(c) => expr_not(self.peek_expr_value(c)),
            Expr::Cmp(op, l, r) => self.compare_values(*op, *l, *r),
            Expr::Range(..) | Expr::List(_) => Tristate::No,
        }
    }

    /// `sym_calc_value`: computes `curr`, `visible` and SYMBOL_WRITE of a symbol, unless it is
    /// valid already.
    pub fn sym_calc_value(&mut self, s: SymbolId) {
        if self.flags(s) & flags::VALID != 0 {
            return;
        }
        let m = self.model;
        let sym = m.sym(s);
        if !self.new_choices
            && self.sym_is_choice_value(s)
            && self.flags(s) & NEED_SET_CHOICE_VALUES != 0
        {
            self.clear_flags(s, NEED_SET_CHOICE_VALUES);
            if let Some(cs) = self.choice_symbol_of(s) {
                self.sym_calc_value(cs);
            }
        }
        self.set_flags(s, flags::VALID);
        let oldval = self.syms[s.index()].curr.clone();
        let mut newval = match sym.ty {
            SymbolType::Int | SymbolType::Hex | SymbolType::String => {
                let v = match (self.new_choices, sym.ty) {
                    (true, SymbolType::Int) => "0",
                    (true, SymbolType::Hex) => "0x0",
                    _ => "",
                };
                SymValue {
                    val: Val::Static(v),
                    tri: Tristate::No,
                }
            }
            SymbolType::Bool | SymbolType::Tristate => SymValue {
                val: Val::Static("n"),
                tri: Tristate::No,
            },
            SymbolType::Unknown => {
                let st = &mut self.syms[s.index()];
                st.curr.val = Val::Name(s);
                st.curr.tri = Tristate::No;
                return;
            }
        };
        self.clear_flags(s, flags::WRITE);
        self.sym_calc_visibility(s);
        if self.syms[s.index()].visible != Tristate::No {
            self.set_flags(s, flags::WRITE);
        }
        // Set the default in case of a recursive call.
        self.syms[s.index()].curr = newval.clone();

        match self.sym_get_type(s) {
            SymbolType::Bool | SymbolType::Tristate => {
                let visible = self.syms[s.index()].visible;
                if self.new_choices && self.sym_get_choice_menu(s).is_some() {
                    if let Some(menu) = self.sym_get_choice_menu(s) {
                        self.sym_calc_choice(menu);
                    }
                    newval.tri = self.syms[s.index()].curr.tri;
                } else if !self.new_choices
                    && self.sym_is_choice_value(s)
                    && visible == Tristate::Yes
                {
                    let chosen = self
                        .choice_symbol_of(s)
                        .map(|cs| matches!(self.syms[cs.index()].curr.val, Val::Sym(x) if x == s))
                        .unwrap_or(false);
                    newval.tri = if chosen { Tristate::Yes } else { Tristate::No };
                } else {
                    newval.tri = self.calc_tristate(s, visible);
                }
                if newval.tri == Tristate::Mod && self.sym_get_type(s) == SymbolType::Bool {
                    newval.tri = Tristate::Yes;
                }
            }
            SymbolType::String | SymbolType::Hex | SymbolType::Int => {
                let st = &self.syms[s.index()];
                if st.visible != Tristate::No && self.sym_has_value(s) {
                    newval.val = st.def[0].val.clone();
                } else if let Some(p) = self.sym_get_default_prop(s) {
                    if let Some(ds) = self.prop_get_symbol(p) {
                        self.set_flags(s, flags::WRITE);
                        self.sym_calc_value(ds);
                        newval.val = self.syms[ds.index()].curr.val.clone();
                    }
                }
            }
            SymbolType::Unknown => {}
        }

        let is_choice = self.sym_is_choice(s);
        let yes = newval.tri == Tristate::Yes;
        self.syms[s.index()].curr = newval;
        if !self.new_choices && is_choice && yes {
            let chosen = self.sym_calc_choice_61(s);
            self.syms[s.index()].curr.val = chosen.map(Val::Sym).unwrap_or(Val::Null);
        }
        self.sym_validate_range(s);

        let curr = &self.syms[s.index()].curr;
        if !(curr.tri == oldval.tri && curr.val.same(&oldval.val)) {
            self.set_flags(s, flags::CHANGED);
            if self.model.modules_sym == s {
                self.modules_val = self.syms[s.index()].curr.tri;
            }
        }

        if self.new_choices {
            if is_choice {
                self.clear_flags(s, flags::WRITE);
            }
            return;
        }
        if is_choice {
            let write = self.flags(s) & flags::WRITE != 0;
            for &c in self.choice_list(s) {
                if write && self.syms[c.index()].visible != Tristate::No {
                    self.set_flags(c, flags::WRITE);
                }
            }
        }
        if self.flags(s) & flags::NO_WRITE != 0 {
            self.clear_flags(s, flags::WRITE);
        }
        if self.flags(s) & NEED_SET_CHOICE_VALUES != 0 {
            self.set_all_choice_values(s);
        }
    }

    /// The bool/tristate branch of `sym_calc_value` for a symbol that is not a visible choice
    /// value: the user value if visible, else the default, `imply` and `select`.
    fn calc_tristate(&mut self, s: SymbolId, visible: Tristate) -> Tristate {
        let mut tri = Tristate::No;
        let user = visible != Tristate::No && self.sym_has_value(s);
        if user {
            tri = expr_and(self.syms[s.index()].def[0].tri, visible);
        } else {
            if self.syms[s.index()].rev_dep != Tristate::No {
                self.set_flags(s, flags::WRITE);
            }
            if !self.sym_is_choice(s) {
                if let Some(p) = self.sym_get_default_prop(s) {
                    let v = self.calc_node(self.plan.prop_expr[p.index()]);
                    tri = expr_and(v, self.prop_vis[p.index()]);
                    if tri != Tristate::No {
                        self.set_flags(s, flags::WRITE);
                    }
                }
                let st = &self.syms[s.index()];
                if st.implied != Tristate::No {
                    let (implied, dir_dep) = (st.implied, st.dir_dep);
                    self.set_flags(s, flags::WRITE);
                    tri = expr_or(tri, implied);
                    tri = expr_and(tri, dir_dep);
                }
            }
        }
        // calc_newval:
        let st = &self.syms[s.index()];
        let (dir_dep, rev_dep) = (st.dir_dep, st.rev_dep);
        if dir_dep < rev_dep {
            self.sym_warn_unmet_dep(s);
        }
        expr_or(tri, rev_dep)
    }
}
