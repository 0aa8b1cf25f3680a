//! `menu_finalize` (scripts/kconfig/menu.c): propagates dependencies down the menu tree,
//! builds the reverse dependencies of `select` and `imply`, creates the automatic submenus of
//! symbols that others depend on, flattens `if` blocks, and checks each symbol's properties.
//!
//! Both the 6.1 form (choices with P_CHOICE lists, tristate choices, `optional`) and the 6.11+
//! form (`_menu_finalize(parent, inside_choice)`, bool-only choices) are ported; the
//! [`KernelVersion`] picks one.

use crate::expr::{CmpOp, Expr};
use crate::expr_simplify::{
    expr_contains_symbol, expr_depends_symbol, expr_eliminate_dups, expr_eliminate_dups_and,
    expr_eliminate_eq, expr_is_yes, expr_tests_bool_for_m, expr_trans_compare, expr_transform,
    KernelVersion,
};
use crate::model::{
    flags, MenuId, Model, PropId, PropKind, SymbolId, SymbolType, SYM_MOD, SYM_NO, SYM_YES,
};
use crate::preprocess::Output;

/// The shape of a property's expression, as `sym_check_prop` looks at it.
#[derive(Clone, Copy)]
enum PropExpr {
    Symbol(SymbolId),
    Range(SymbolId, SymbolId),
    Other,
}

/// The state `menu_finalize` needs besides the model.
struct Finalizer<'m> {
    m: &'m mut Model,
    v: KernelVersion,
    new_choices: bool,
    /// What conf prints while finalising (warnings on stderr, notes of expr_transform on stdout).
    messages: Vec<Output>,
}

/// Runs `menu_finalize` over the whole tree; returns what conf prints meanwhile.
pub fn menu_finalize(m: &mut Model, v: KernelVersion) -> Vec<Output> {
    let mut f = Finalizer {
        m,
        v,
        new_choices: v >= (6, 11),
        messages: Vec::new(),
    };
    let root = f.m.root;
    f.finalize(root, false);
    f.messages
}

/// `sym_string_valid` (symbol.c): whether `s` is a valid value for a symbol of type `ty`.
pub fn string_valid(ty: SymbolType, s: &str) -> bool {
    let b = s.as_bytes();
    match ty {
        SymbolType::String => true,
        SymbolType::Int => {
            let mut i = 0;
            if b.first() == Some(&b'-') {
                i = 1;
            }
            match b.get(i) {
                Some(c) if c.is_ascii_digit() => {
                    if *c == b'0' && i + 1 < b.len() {
                        return false;
                    }
                    b[i + 1..].iter().all(|c| c.is_ascii_digit())
                }
                _ => false,
            }
        }
        SymbolType::Hex => {
            let rest = if b.len() >= 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') {
                &b[2..]
            } else {
                b
            };
            !rest.is_empty() && rest.iter().all(|c| c.is_ascii_hexdigit())
        }
        SymbolType::Bool | SymbolType::Tristate => {
            matches!(b.first(), Some(b'y' | b'Y' | b'm' | b'M' | b'n' | b'N'))
        }
        SymbolType::Unknown => false,
    }
}

/// `rewrite_m`: `m` becomes `m && MODULES`, so that it is `n` without modules. In place, as in
/// C.
fn rewrite_m(mut e: Option<Expr>, modules: SymbolId) -> Option<Expr> {
    fn rw(e: &mut Expr, modules: SymbolId) {
        match e {
            Expr::Not(c) => rw(c, modules),
            Expr::Or(a, b) | Expr::And(a, b) => {
                rw(a, modules);
                rw(b, modules);
            }
            Expr::Symbol(s) if *s == SYM_MOD => {
                *e = Expr::And(
                    Box::new(Expr::Symbol(SYM_MOD)),
                    Box::new(Expr::Symbol(modules)),
                );
            }
            _ => {}
        }
    }
    if let Some(e) = e.as_mut() {
        rw(e, modules);
    }
    e
}

impl Finalizer<'_> {
    fn transform(&mut self, e: Option<Expr>) -> Option<Expr> {
        let mut out = String::new();
        let r = expr_transform(self.m, self.v, e, &mut out);
        if !out.is_empty() {
            self.messages.push(Output::Stdout(out));
        }
        r
    }

    fn dups(&self, e: Option<Expr>) -> Option<Expr> {
        expr_eliminate_dups(self.m, self.v, e)
    }

    fn warn_menu(&mut self, menu: MenuId, msg: &str) {
        let mm = self.m.menu(menu);
        let t = format!(
            "{}:{}:warning: {}\n",
            self.m.file_name(mm.file),
            mm.line,
            msg
        );
        self.messages.push(Output::Stderr(t));
    }

    fn warn_prop(&mut self, prop: crate::model::PropId, msg: &str) {
        let p = self.m.prop(prop);
        let t = format!("{}:{}:warning: {}\n", self.m.file_name(p.file), p.line, msg);
        self.messages.push(Output::Stderr(t));
    }

    /// `menu_set_type` on an arbitrary entry (used for choice types in 6.1).
    fn set_type(&mut self, menu: MenuId, ty: SymbolType) {
        let Some(s) = self.m.menu(menu).sym else {
            return;
        };
        let cur = self.m.sym(s).ty;
        if cur == ty {
            return;
        }
        if cur == SymbolType::Unknown {
            self.m.sym_mut(s).ty = ty;
            return;
        }
        let msg = format!(
            "ignoring type redefinition of '{}' from '{}' to '{}'",
            self.m.sym(s).display_name(),
            cur.name(),
            ty.name()
        );
        self.warn_menu(menu, &msg);
    }

    /// The `basedep` of automatic submenu creation below `parent`: the visibility of its prompt
    /// as `!= n`, transformed and without duplicates.
    fn submenu_basedep(&mut self, parent: MenuId) -> Option<Expr> {
        let vis = self
            .m
            .menu(parent)
            .prompt
            .and_then(|p| self.m.prop(p).visible.as_ref());
        let basedep = expr_trans_compare(vis, CmpOp::Unequal, SYM_NO);
        let basedep = self.transform(basedep);
        self.dups(basedep)
    }

    fn children(&self, menu: MenuId) -> Vec<MenuId> {
        self.m.children(menu).collect()
    }

    /// `menu_finalize` (6.1) / `_menu_finalize` (6.11+).
    fn finalize(&mut self, parent: MenuId, inside_choice: bool) {
        let sym = self.m.menu(parent).sym;
        let is_choice = sym.map(|s| self.m.sym(s).is_choice()).unwrap_or(false);
        let modules = self.m.modules_sym;

        if self.m.menu(parent).list.is_some() {
            // The parent's dependency is taken out while its children are rewritten, and put
            // back afterwards.
            let (parentdep, restore_parentdep) = if is_choice && !self.new_choices {
                let s = sym.unwrap_or(SYM_NO);
                if self.m.sym(s).ty == SymbolType::Unknown {
                    // Find the first choice value to find out the choice type.
                    for c in self.children(parent) {
                        if let Some(cs) = self.m.menu(c).sym {
                            let t = self.m.sym(cs).ty;
                            if t != SymbolType::Unknown {
                                self.set_type(parent, t);
                                break;
                            }
                        }
                    }
                }
                let choice_ty = self.m.sym(s).ty;
                for c in self.children(parent) {
                    if let Some(cs) = self.m.menu(c).sym {
                        if self.m.sym(cs).ty == SymbolType::Unknown {
                            self.set_type(c, choice_ty);
                        }
                    }
                }
                (Some(Expr::Symbol(s)), false)
            } else {
                (self.m.menu_mut(parent).dep.take(), true)
            };

            // The list does not change in this loop. `parentdep` is an `expr_eliminate_dups`
            // result (the parent's own dependency, computed by this loop one level up, or the
            // choice symbol), as `expr_eliminate_dups_and` requires.
            let mut cur = self.m.menu(parent).list;
            while let Some(menu) = cur {
                cur = self.m.menu(menu).next;
                let dep = self.m.menu_mut(menu).dep.take();
                let dep = self.transform(rewrite_m(dep, modules));
                let basedep = expr_eliminate_dups_and(self.m, self.v, parentdep.as_ref(), dep);

                // Every property of the symbol, or the prompt of a menu or comment.
                let (owner, nprops) = match self.m.menu(menu).sym {
                    Some(s) => (Some(s), self.m.sym(s).props.len()),
                    None => (None, usize::from(self.m.menu(menu).prompt.is_some())),
                };
                for i in 0..nprops {
                    let p = match owner {
                        Some(s) => self.m.sym(s).props[i],
                        None => self.m.menu(menu).prompt.unwrap_or(PropId(0)),
                    };
                    if self.m.prop(p).menu != menu {
                        continue;
                    }
                    let vis = self.m.prop_mut(p).visible.take();
                    let vis = self.transform(rewrite_m(vis, modules));
                    let dep = expr_eliminate_dups_and(self.m, self.v, basedep.as_ref(), vis);
                    let prop = self.m.prop(p);
                    if let (PropKind::Select | PropKind::Imply, Some(Expr::Symbol(es))) =
                        (prop.kind, &prop.expr)
                    {
                        let (kind, es) = (prop.kind, *es);
                        let me = owner.unwrap_or(SYM_NO);
                        let term = Expr::and(Some(Expr::Symbol(me)), dep.clone());
                        let target = self.m.sym_mut(es);
                        let slot = if kind == PropKind::Select {
                            &mut target.rev_dep
                        } else {
                            &mut target.implied
                        };
                        *slot = Expr::or(slot.take(), term);
                    }
                    self.m.prop_mut(p).visible = dep;
                }
                self.m.menu_mut(menu).dep = basedep;
            }
            if restore_parentdep {
                self.m.menu_mut(parent).dep = parentdep;
            }

            // Walk the list as it changes: automatic submenu creation moves later siblings
            // under an earlier one, and those must not be finalised twice.
            let mut cur = self.m.menu(parent).list;
            while let Some(menu) = cur {
                self.finalize(menu, is_choice);
                cur = self.m.menu(menu).next;
            }
        } else if let Some(s) = sym.filter(|_| !(self.new_choices && inside_choice)) {
            // Automatic submenu creation. `basedep` is only needed when a following entry
            // mentions the symbol without depending on it outright, so it is computed then,
            // unless computing it prints a note (it then comes first, as in C).
            let vis = self
                .m
                .menu(parent)
                .prompt
                .and_then(|p| self.m.prop(p).visible.as_ref());
            let mut basedep = None;
            if expr_tests_bool_for_m(self.m, vis) {
                basedep = Some(self.submenu_basedep(parent));
            }
            let mut last_menu: Option<MenuId> = None;
            let mut cur = self.m.menu(parent).next;
            while let Some(menu) = cur {
                let dep = match self.m.menu(menu).prompt {
                    Some(p) => self.m.prop(p).visible.as_ref(),
                    None => self.m.menu(menu).dep.as_ref(),
                };
                if !expr_contains_symbol(dep, s) {
                    break;
                }
                if !expr_depends_symbol(dep, s) {
                    let dep = expr_trans_compare(dep, CmpOp::Unequal, SYM_NO);
                    if basedep.is_none() {
                        basedep = Some(self.submenu_basedep(parent));
                    }
                    let dep = self.transform(dep);
                    let mut dep = self.dups(dep);
                    let mut dep2 = basedep.clone().flatten();
                    expr_eliminate_eq(self.m, self.v, &mut dep, &mut dep2);
                    if !expr_is_yes(dep2.as_ref()) {
                        break;
                    }
                }
                self.finalize(menu, false);
                self.m.menu_mut(menu).parent = Some(parent);
                last_menu = Some(menu);
                cur = self.m.menu(menu).next;
            }
            if let Some(last) = last_menu {
                let first = self.m.menu(parent).next;
                let after = self.m.menu(last).next;
                self.m.menu_mut(parent).list = first;
                self.m.menu_mut(parent).next = after;
                self.m.menu_mut(last).next = None;
            }
            let pdep = self.m.menu(parent).dep.clone();
            let old = self.m.sym_mut(s).dir_dep.take();
            self.m.sym_mut(s).dir_dep = Expr::or(old, pdep);
        }

        let mut cur = self.m.menu(parent).list;
        while let Some(menu) = cur {
            if is_choice && !self.new_choices {
                self.choice_value(parent, menu);
            }
            // Flatten 'if' blocks and undo submenus below promptless entries.
            let has_text = self
                .m
                .menu(menu)
                .prompt
                .map(|p| self.m.prop(p).text.is_some())
                .unwrap_or(false);
            if self.m.menu(menu).list.is_some() && !has_text {
                let mut last = self.m.menu(menu).list.unwrap_or(menu);
                loop {
                    self.m.menu_mut(last).parent = Some(parent);
                    match self.m.menu(last).next {
                        Some(n) => last = n,
                        None => break,
                    }
                }
                let next = self.m.menu(menu).next;
                self.m.menu_mut(last).next = next;
                let list = self.m.menu_mut(menu).list.take();
                self.m.menu_mut(menu).next = list;
            }
            cur = self.m.menu(menu).next;
        }

        if let Some(s) = sym {
            if self.m.sym(s).flags & flags::WARNED == 0 {
                if self.m.sym(s).ty == SymbolType::Unknown {
                    self.warn_menu(parent, "config symbol defined without type");
                }
                if !self.new_choices
                    && self.m.sym(s).is_choice()
                    && self.m.menu(parent).prompt.is_none()
                {
                    self.warn_menu(parent, "choice must have a prompt");
                }
                self.check_prop(s);
                self.m.sym_mut(s).flags |= flags::WARNED;
            }
        }

        // Non-optional choices get a reverse dependency of '<visibility> && m' (6.1).
        if !self.new_choices {
            if let Some(s) = sym {
                if !self.m.sym(s).is_optional() {
                    if let Some(p) = self.m.menu(parent).prompt {
                        let vis = self.m.prop(p).visible.clone();
                        let term = Expr::and(vis, Some(Expr::Symbol(SYM_MOD)));
                        let old = self.m.sym_mut(s).rev_dep.take();
                        self.m.sym_mut(s).rev_dep = Expr::or(old, term);
                    }
                }
            }
        }
    }

    /// The part of 6.1's `menu_finalize` that marks a choice's members.
    fn choice_value(&mut self, parent: MenuId, menu: MenuId) {
        let Some(choice) = self.m.menu(parent).sym else {
            return;
        };
        let Some(ms) = self.m.menu(menu).sym else {
            return;
        };
        if self.m.sym(ms).is_choice_value() {
            return;
        }
        self.m.sym_mut(ms).flags |= flags::CHOICEVAL;
        if self.m.menu(menu).prompt.is_none() {
            self.warn_menu(menu, "choice value must have a prompt");
        }
        for p in self.m.sym(ms).props.clone() {
            let prop = self.m.prop(p);
            if prop.kind == PropKind::Default {
                self.warn_prop(p, "defaults for choice values not supported");
            }
            let prop = self.m.prop(p);
            if prop.menu == menu {
                continue;
            }
            if prop.kind == PropKind::Prompt {
                let pm = self.m.menu(prop.menu).parent;
                let psym = pm.and_then(|pm| self.m.menu(pm).sym);
                if psym != Some(choice) {
                    self.warn_prop(p, "choice value used outside its choice group");
                }
            }
        }
        if self.m.sym(choice).ty == SymbolType::Tristate
            && self.m.sym(ms).ty != SymbolType::Tristate
        {
            let basedep = Expr::Cmp(CmpOp::Equal, choice, SYM_YES);
            let d = self.m.menu_mut(menu).dep.take();
            self.m.menu_mut(menu).dep = Expr::and(Some(basedep.clone()), d);
            for p in self.m.sym(ms).props.clone() {
                if self.m.prop(p).menu != menu {
                    continue;
                }
                let v = self.m.prop_mut(p).visible.take();
                self.m.prop_mut(p).visible = Expr::and(Some(basedep.clone()), v);
            }
        }
        // menu_add_symbol(P_CHOICE, sym, NULL) on the member, and append it to the choice's list.
        self.m.push_prop(crate::model::Property {
            kind: PropKind::Choice,
            text: None,
            expr: Some(Expr::Symbol(choice)),
            visible: None,
            menu,
            file: self.m.menu(menu).file,
            line: self.m.menu(menu).line,
        });
        let cp = self.m.props_of(choice, PropKind::Choice).next();
        if let Some(cp) = cp {
            match &mut self.m.prop_mut(cp).expr {
                Some(Expr::List(l)) => l.push(ms),
                e => *e = Some(Expr::List(vec![ms])),
            }
        }
    }

    /// The choice a member belongs to: `sym_get_choice_prop` (6.1) / `sym_get_choice_menu` (6.11+).
    fn choice_of(&self, s: SymbolId) -> Option<SymbolId> {
        if !self.new_choices {
            let p = self.m.props_of(s, PropKind::Choice).next()?;
            match &self.m.prop(p).expr {
                Some(Expr::Symbol(c)) => Some(*c),
                _ => None,
            }
        } else {
            let first = self
                .m
                .sym(s)
                .menus
                .iter()
                .copied()
                .find(|m| self.m.menu(*m).prompt.is_some())?;
            let mut cur = self.m.menu(first).parent;
            while let Some(c) = cur {
                if self.m.menu(c).sym.is_some() {
                    break;
                }
                cur = self.m.menu(c).parent;
            }
            let cs = self.m.menu(cur?).sym?;
            self.m.sym(cs).is_choice().then_some(cs)
        }
    }

    /// `sym_check_prop`
    fn check_prop(&mut self, s: SymbolId) {
        let validate_number = |m: &Model, sym: SymbolId, sym2: SymbolId| {
            let t2 = m.sym(sym2).ty;
            t2 == SymbolType::Int
                || t2 == SymbolType::Hex
                || (t2 == SymbolType::Unknown
                    && string_valid(m.sym(sym).ty, m.sym(sym2).name.as_deref().unwrap_or("")))
        };
        for i in 0..self.m.sym(s).props.len() {
            let p = self.m.sym(s).props[i];
            let ty = self.m.sym(s).ty;
            let name = |m: &Model| m.sym(s).display_name().to_string();
            let prop = self.m.prop(p);
            // Only the shape of the expression matters here; the rest is not copied.
            let expr = match prop.expr {
                Some(Expr::Symbol(a)) => PropExpr::Symbol(a),
                Some(Expr::Range(a, b)) => PropExpr::Range(a, b),
                _ => PropExpr::Other,
            };
            match prop.kind {
                PropKind::Default => {
                    let single = matches!(expr, PropExpr::Symbol(_));
                    if matches!(ty, SymbolType::String | SymbolType::Int | SymbolType::Hex)
                        && !single
                    {
                        let msg = format!(
                            "default for config symbol '{}' must be a single symbol",
                            name(self.m)
                        );
                        self.warn_prop(p, &msg);
                    }
                    let PropExpr::Symbol(sym2) = expr else {
                        continue;
                    };
                    if matches!(ty, SymbolType::Hex | SymbolType::Int)
                        && !validate_number(self.m, s, sym2)
                    {
                        let msg = format!("'{}': number is invalid", name(self.m));
                        self.warn_prop(p, &msg);
                    }
                    if self.m.sym(s).is_choice() && self.choice_of(sym2) != Some(s) {
                        let n2 = self.m.sym(sym2).display_name().to_string();
                        self.warn_prop(
                            p,
                            &format!("choice default symbol '{n2}' is not contained in the choice"),
                        );
                    }
                }
                PropKind::Select | PropKind::Imply => {
                    let use_ = if prop.kind == PropKind::Select {
                        "select"
                    } else {
                        "imply"
                    };
                    let PropExpr::Symbol(sym2) = expr else {
                        continue;
                    };
                    let t2 = self.m.sym(sym2).ty;
                    if ty != SymbolType::Bool && ty != SymbolType::Tristate {
                        let msg = format!(
                            "config symbol '{}' uses {use_}, but is not bool or tristate",
                            name(self.m)
                        );
                        self.warn_prop(p, &msg);
                    } else if !matches!(
                        t2,
                        SymbolType::Unknown | SymbolType::Bool | SymbolType::Tristate
                    ) {
                        let n2 = self.m.sym(sym2).display_name().to_string();
                        self.warn_prop(
                            p,
                            &format!("'{n2}' has wrong type. '{use_}' only accept arguments of bool and tristate type"),
                        );
                    }
                }
                PropKind::Range => {
                    if ty != SymbolType::Int && ty != SymbolType::Hex {
                        self.warn_prop(p, "range is only allowed for int or hex symbols");
                    }
                    if let PropExpr::Range(a, b) = expr {
                        if !validate_number(self.m, s, a) || !validate_number(self.m, s, b) {
                            self.warn_prop(p, "range is invalid");
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
