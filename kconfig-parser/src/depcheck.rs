//! The recursive-dependency check that ends `conf_parse`: `sym_check_deps` and its helpers in
//! scripts/kconfig/symbol.c, with their exact messages.
//!
//! Which cycle is reported, and from which symbol it is told, depends on the order in which conf
//! visits the symbols: up to 6.10 the buckets of its symbol hash table ([`symbol_hash_order`]);
//! from the 6.11 choice rewrite on, the menu tree in depth-first order, which also checks each
//! choice member's sanity (`choice_check_sanity`).
//!
//! The expressions the check walks are read once, up front and in parallel, into a plan of the
//! symbols each one names (`depcheck/plan.rs`); the check itself then runs over short arrays.

use crate::expr::Expr;
use crate::expr_simplify::KernelVersion;
use crate::model::{flags, MenuId, Model, PropId, PropKind, SymbolId};

mod plan;
use plan::Plan;

/// Whether the release has the choices of the 6.11 rewrite (choices found through the menu
/// tree, `sym_get_choice_menu`), with the dependency check and messages that came with them.
/// Verified against 6.1 and 6.12.
pub fn has_menu_choices(v: KernelVersion) -> bool {
    v >= (6, 11)
}

/// `SYMBOL_HASHSIZE`: 9973 buckets in 6.1, 1 << 14 in the generic hash table of 6.12 (the
/// release between is assumed to switch with the choice rewrite).
fn symbol_hashsize(v: KernelVersion) -> u32 {
    if has_menu_choices(v) {
        1 << 14
    } else {
        9973
    }
}

/// `strhash` / `hash_str`: 32-bit FNV-1 over the name's bytes, read as (signed) `char`.
pub fn strhash(name: &str) -> u32 {
    name.bytes().fold(2166136261u32, |hash, b| {
        (hash ^ (b as i8 as i32 as u32)).wrapping_mul(0x01000193)
    })
}

/// The order of `for_all_symbols`: bucket by bucket, each bucket newest symbol first (symbols are
/// prepended as `sym_lookup` creates them). Anonymous choices hash to bucket 0; `y`, `m`, `n` and
/// the empty symbol are not in the table. The order within a bucket is the order of the symbol
/// ids, so it is faithful when the parser creates symbols in `sym_lookup`'s order.
pub fn symbol_hash_order(m: &Model, v: KernelVersion) -> Vec<SymbolId> {
    let size = symbol_hashsize(v) as usize;
    let ids = 4..m.symbols.len() as u32;
    let buckets: Vec<u32> = ids
        .clone()
        .map(|i| {
            m.symbols[i as usize]
                .name
                .as_deref()
                .map_or(0, |n| strhash(n) % size as u32)
        })
        .collect();
    // A counting sort by bucket; newest first within a bucket.
    let mut start = vec![0usize; size + 1];
    for &b in &buckets {
        start[b as usize + 1] += 1;
    }
    for i in 1..=size {
        start[i] += start[i - 1];
    }
    let mut order = vec![SymbolId(0); buckets.len()];
    for (i, &b) in ids.zip(&buckets).rev() {
        order[start[b as usize]] = SymbolId(i);
        start[b as usize] += 1;
    }
    order
}

/// `menu_next`: the next menu node after `menu` in depth-first order, without leaving `root`.
pub fn menu_next(m: &Model, menu: MenuId, root: MenuId) -> Option<MenuId> {
    if let Some(child) = m.menu(menu).list {
        return Some(child);
    }
    let mut menu = menu;
    while menu != root && m.menu(menu).next.is_none() {
        menu = m.menu(menu).parent?;
    }
    if menu == root {
        return None;
    }
    m.menu(menu).next
}

/// `menu_for_each_sub_entry`: every node below `root`, depth first.
fn sub_entries(m: &Model, root: MenuId) -> impl Iterator<Item = MenuId> + '_ {
    std::iter::successors(menu_next(m, root, root), move |&cur| {
        menu_next(m, cur, root)
    })
}

/// `sym_get_choice_menu` (6.11 and later): the choice block a symbol is a member of, found from
/// its first menu entry with a prompt up to the nearest entry with a symbol.
pub fn sym_get_choice_menu(m: &Model, sym: SymbolId) -> Option<MenuId> {
    let mut menu = *m
        .sym(sym)
        .menus
        .iter()
        .find(|&&mi| m.menu(mi).prompt.is_some())?;
    loop {
        menu = m.menu(menu).parent?;
        if m.menu(menu).sym.is_some() {
            break;
        }
    }
    let s = m.menu(menu).sym?;
    m.sym(s).is_choice().then_some(menu)
}

/// `prop_get_symbol`: the symbol of an E_SYMBOL property expression.
fn prop_get_symbol(m: &Model, prop: PropId) -> Option<SymbolId> {
    match m.prop(prop).expr {
        Some(Expr::Symbol(s)) => Some(s),
        _ => None,
    }
}

/// `prop_get_type_name`
pub fn prop_get_type_name(kind: Option<PropKind>) -> &'static str {
    match kind {
        Some(PropKind::Prompt) => "prompt",
        Some(PropKind::Comment) => "comment",
        Some(PropKind::Menu) => "menu",
        Some(PropKind::Default) => "default",
        Some(PropKind::Choice) => "choice",
        Some(PropKind::Select) => "select",
        Some(PropKind::Imply) => "imply",
        Some(PropKind::Range) => "range",
        Some(PropKind::Symbol) => "symbol",
        None => "unknown",
    }
}

/// What the dep_stack entry's `expr` points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StackExpr {
    None,
    DirDep,
    RevDep,
    Implied,
    /// `&prop->expr` of the entry's property (a default value).
    PropExpr,
}

/// `struct dep_stack`
#[derive(Clone, Copy, Debug)]
struct DepStack {
    sym: SymbolId,
    prop: Option<PropId>,
    expr: StackExpr,
}

/// What `conf_parse`'s check found: the text conf writes to stderr, one entry per message, and
/// the number of errors it counts (`yynerrs`); conf exits with status 1 when that is not 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepCheck {
    pub messages: Vec<String>,
    pub errors: usize,
}

impl DepCheck {
    /// Everything conf writes to stderr, in order.
    pub fn stderr(&self) -> String {
        self.messages.concat()
    }
}

/// `sym_is_choice`: 6.11 and later test for a symbol without a name.
fn is_choice(m: &Model, v: KernelVersion, sym: SymbolId) -> bool {
    if has_menu_choices(v) {
        m.sym(sym).name.is_none()
    } else {
        m.sym(sym).is_choice()
    }
}

/// The choice symbol of a choice value (`prop_get_symbol(sym_get_choice_prop(sym))`, or
/// `sym_get_choice_menu(sym)->sym`), when `sym` is one.
fn choice_of(m: &Model, v: KernelVersion, sym: SymbolId) -> Option<SymbolId> {
    if has_menu_choices(v) {
        m.menu(sym_get_choice_menu(m, sym)?).sym
    } else if m.sym(sym).is_choice_value() {
        prop_get_symbol(m, m.choice_prop(sym)?)
    } else {
        None
    }
}

struct Checker<'a> {
    m: &'a Model,
    /// What to walk for each symbol.
    plan: &'a Plan,
    v: KernelVersion,
    /// The symbols' flags, where SYMBOL_CHECK and SYMBOL_CHECKED are set and cleared.
    flags: Vec<u32>,
    /// `check_top` and the entries below it.
    stack: Vec<DepStack>,
    messages: Vec<String>,
}

/// The recursive-dependency check of `conf_parse`, run after `menu_finalize`: the messages conf
/// writes to stderr, one per error; none when the tree has no cycle. See
/// [`check_recursive_deps_report`].
pub fn check_recursive_deps(m: &mut Model, v: KernelVersion) -> Vec<String> {
    check_recursive_deps_report(m, v).messages
}

/// The recursive-dependency check of `conf_parse`, run after `menu_finalize`: every symbol is
/// checked (`sym_check_deps`) and each cycle found is reported as conf reports it, with conf's
/// count of errors. Leaves SYMBOL_CHECKED set on the symbols checked, as conf does.
pub fn check_recursive_deps_report(m: &mut Model, v: KernelVersion) -> DepCheck {
    let model: &Model = m;
    // The hash order (up to 6.10) is computed while the plan is read.
    let (plan, order) = rayon::join(
        || Plan::new(model, v),
        || (!has_menu_choices(v)).then(|| symbol_hash_order(model, v)),
    );
    let mut c = Checker {
        m: model,
        plan: &plan,
        v,
        flags: model.symbols.iter().map(|s| s.flags).collect(),
        stack: Vec::new(),
        messages: Vec::new(),
    };
    let mut errors = 0;
    if has_menu_choices(v) {
        // menu_for_each_entry(menu): the symbols in menu order, then each choice's members.
        let root = model.root;
        for menu in sub_entries(model, root) {
            let Some(sym) = model.menu(menu).sym else {
                continue;
            };
            if c.sym_check_deps(sym).is_some() {
                errors += 1;
            }
            if c.is_choice(sym) {
                for child in sub_entries(model, menu) {
                    if model.menu(child).sym.is_some() && !c.choice_check_sanity(child) {
                        errors += 1;
                    }
                }
            }
        }
    } else {
        for sym in order.unwrap_or_default() {
            if c.sym_check_deps(sym).is_some() {
                errors += 1;
            }
        }
    }
    let (new_flags, messages) = (c.flags, c.messages);
    for (s, f) in m.symbols.iter_mut().zip(new_flags) {
        s.flags = f;
    }
    DepCheck { messages, errors }
}

impl<'a> Checker<'a> {
    fn is_choice(&self, sym: SymbolId) -> bool {
        self.plan.is_choice(sym)
    }

    fn is_choice_value(&self, sym: SymbolId) -> bool {
        self.m.sym(sym).is_choice_value()
    }

    fn choice_of(&self, sym: SymbolId) -> Option<SymbolId> {
        self.plan.choice_of(sym)
    }

    /// The members of a choice: the E_LIST of its P_CHOICE property (6.1), or the symbols of
    /// the entries below its menu (6.11 and later).
    fn choice_members(&self, choice: SymbolId) -> Vec<SymbolId> {
        if has_menu_choices(self.v) {
            let Some(&menu) = self.m.sym(choice).menus.first() else {
                return Vec::new();
            };
            sub_entries(self.m, menu)
                .filter_map(|mi| self.m.menu(mi).sym)
                .collect()
        } else {
            match self
                .m
                .choice_prop(choice)
                .and_then(|p| self.m.prop(p).expr.as_ref())
            {
                Some(Expr::List(members)) => members.clone(),
                _ => Vec::new(),
            }
        }
    }

    fn name(&self, sym: SymbolId) -> &str {
        self.m.sym(sym).display_name()
    }

    /// `%s` of `sym->name` where the C code does not guard a NULL name (glibc prints "(null)").
    fn raw_name(&self, sym: SymbolId) -> &str {
        self.m.sym(sym).name.as_deref().unwrap_or("(null)")
    }

    /// `dep_stack_insert`
    fn push(&mut self, sym: SymbolId) -> usize {
        self.stack.push(DepStack {
            sym,
            prop: None,
            expr: StackExpr::None,
        });
        self.stack.len() - 1
    }

    /// `dep_stack_remove`
    fn pop(&mut self) {
        self.stack.pop();
    }

    /// `prop->file->name`:`prop->lineno`
    fn prop_loc(&self, prop: Option<PropId>) -> String {
        match prop {
            Some(p) => {
                let p = self.m.prop(p);
                format!("{}:{}", self.m.file_name(p.file), p.line)
            }
            // conf would dereference NULL: a symbol on a cycle always has a property.
            None => "(null):0".to_string(),
        }
    }

    fn menu_loc(&self, menu: MenuId) -> String {
        let menu = self.m.menu(menu);
        format!("{}:{}", self.m.file_name(menu.file), menu.line)
    }

    /// `sym_check_print_recursive`
    fn sym_check_print_recursive(&mut self, mut last_sym: SymbolId) {
        let mut cv_pushed = false;
        if let Some(choice) = self.choice_of(last_sym) {
            self.push(last_sym);
            cv_pushed = true;
            last_sym = choice;
        }
        let Some(start) = self.stack.iter().rposition(|e| e.sym == last_sym) else {
            self.messages
                .push("unexpected recursive dependency error\n".to_string());
            // As in C, the choice value's entry stays on the stack.
            return;
        };
        let mut out = String::new();
        for i in start..self.stack.len() {
            let entry = self.stack[i];
            let sym = entry.sym;
            let next_sym = self.stack.get(i + 1).map_or(last_sym, |e| e.sym);
            if has_menu_choices(self.v) {
                self.print_entry_v611(&mut out, entry, next_sym, sym == last_sym);
            } else {
                self.print_entry_v61(&mut out, entry, next_sym, sym == last_sym);
            }
        }
        out.push_str(
            "For a resolution refer to Documentation/kbuild/kconfig-language.rst\n\
             subsection \"Kconfig recursive dependency limitations\"\n\n",
        );
        self.messages.push(out);
        if cv_pushed {
            self.pop();
        }
    }

    /// One line of the cycle, up to 6.10: each prefixed with the location of the property (or
    /// of the menu entry, for choices and their values).
    fn print_entry_v61(&self, out: &mut String, entry: DepStack, next_sym: SymbolId, first: bool) {
        let (sym, m) = (entry.sym, self.m);
        let mut prop = entry.prop.or_else(|| m.sym(sym).props.first().copied());
        let mut menu = None;
        if m.sym(sym).is_choice() || self.is_choice_value(sym) {
            // "for choice values find the menu entry": the first property's.
            prop = m.sym(sym).props.first().copied();
            menu = prop.map(|p| m.prop(p).menu);
        }
        let loc = self.prop_loc(prop);
        if first {
            out.push_str(&format!("{loc}:error: recursive dependency detected!\n"));
        }
        let (name, next) = (self.name(sym), self.name(next_sym));
        let menu_loc = || menu.map_or_else(|| "(null):0".to_string(), |mi| self.menu_loc(mi));
        let kind = prop.map(|p| m.prop(p).kind);
        let line = if m.sym(sym).is_choice() {
            format!("{}:\tchoice {name} contains symbol {next}\n", menu_loc())
        } else if self.is_choice_value(sym) {
            format!("{}:\tsymbol {name} is part of choice {next}\n", menu_loc())
        } else {
            match entry.expr {
                StackExpr::DirDep => format!("{loc}:\tsymbol {name} depends on {next}\n"),
                StackExpr::RevDep => format!("{loc}:\tsymbol {name} is selected by {next}\n"),
                StackExpr::Implied => format!("{loc}:\tsymbol {name} is implied by {next}\n"),
                StackExpr::PropExpr => format!(
                    "{loc}:\tsymbol {name} {} value contains {next}\n",
                    prop_get_type_name(kind)
                ),
                StackExpr::None => format!(
                    "{loc}:\tsymbol {name} {} is visible depending on {next}\n",
                    prop_get_type_name(kind)
                ),
            }
        };
        out.push_str(&line);
    }

    /// One line of the cycle, 6.11 and later: no locations, except the choice block's.
    fn print_entry_v611(&self, out: &mut String, entry: DepStack, next_sym: SymbolId, first: bool) {
        let sym = entry.sym;
        let kind = entry.prop.map(|p| self.m.prop(p).kind);
        if first {
            out.push_str("error: recursive dependency detected!\n");
        }
        let (name, raw, next) = (self.name(sym), self.raw_name(sym), self.raw_name(next_sym));
        let line = if self.is_choice(next_sym) {
            let loc = self
                .m
                .sym(next_sym)
                .menus
                .first()
                .map_or_else(|| "(null):0".to_string(), |&mi| self.menu_loc(mi));
            format!("\tsymbol {name} is part of choice block at {loc}\n")
        } else {
            match entry.expr {
                StackExpr::DirDep => format!("\tsymbol {name} depends on {next}\n"),
                StackExpr::RevDep => format!("\tsymbol {raw} is selected by {next}\n"),
                StackExpr::Implied => format!("\tsymbol {raw} is implied by {next}\n"),
                StackExpr::PropExpr => format!(
                    "\tsymbol {name} {} value contains {next}\n",
                    prop_get_type_name(kind)
                ),
                StackExpr::None => format!(
                    "\tsymbol {name} {} is visible depending on {next}\n",
                    prop_get_type_name(kind)
                ),
            }
        };
        out.push_str(&line);
    }

    /// `sym_check_expr_deps`: the first symbol of an expression that closes a cycle, from the
    /// expression's entries in the [`Plan`].
    fn sym_check_expr_deps(&mut self, entries: &[u32]) -> Option<SymbolId> {
        for &entry in entries {
            if entry & plan::OOPS != 0 {
                let t = entry & !plan::OOPS;
                self.messages.push(format!("Oops! How to check {t}?\n"));
                continue;
            }
            if let Some(s) = self.check_leaf(SymbolId(entry)) {
                return Some(s);
            }
        }
        None
    }

    /// `sym_check_deps` of a symbol an expression names.
    #[inline]
    fn check_leaf(&mut self, sym: SymbolId) -> Option<SymbolId> {
        if self.flags[sym.index()] & (flags::CHECK | flags::CHECKED) == flags::CHECKED {
            return None;
        }
        self.sym_check_deps(sym)
    }

    /// `sym_check_sym_deps`: the symbol's dependencies, reverse dependencies, implications,
    /// property conditions and default values (the walks of its [`Plan`] items).
    fn sym_check_sym_deps(&mut self, sym: SymbolId) -> Option<SymbolId> {
        let (items, entries) = self.plan.items(sym);
        let top = self.push(sym);
        let mut sym2 = None;
        for item in items {
            self.stack[top].expr = item.expr;
            self.stack[top].prop = item.prop;
            sym2 = self.sym_check_expr_deps(entries.of(item));
            if sym2.is_some() {
                break;
            }
        }
        self.pop();
        sym2
    }

    /// `sym_check_choice_deps`: a choice and all its members as one node.
    fn sym_check_choice_deps(&mut self, choice: SymbolId) -> Option<SymbolId> {
        const CHECK_BOTH: u32 = flags::CHECK | flags::CHECKED;
        self.push(choice);
        let members = self.choice_members(choice);
        for &s in &members {
            self.flags[s.index()] |= CHECK_BOTH;
        }
        self.flags[choice.index()] |= CHECK_BOTH;
        let mut sym2 = self.sym_check_sym_deps(choice);
        self.flags[choice.index()] &= !flags::CHECK;
        if sym2.is_none() {
            for &s in &members {
                sym2 = self.sym_check_sym_deps(s);
                if sym2.is_some() {
                    break;
                }
            }
        }
        for &s in &members {
            self.flags[s.index()] &= !flags::CHECK;
        }
        if let Some(s2) = sym2 {
            let same_choice = if has_menu_choices(self.v) {
                let own = self.m.sym(choice).menus.first().copied();
                own.is_some() && sym_get_choice_menu(self.m, s2) == own
            } else {
                self.is_choice_value(s2) && self.choice_of(s2) == Some(choice)
            };
            if same_choice {
                sym2 = Some(choice);
            }
        }
        self.pop();
        sym2
    }

    /// `sym_check_deps`: None when no cycle runs through `sym`.
    fn sym_check_deps(&mut self, sym: SymbolId) -> Option<SymbolId> {
        let f = self.flags[sym.index()];
        if f & flags::CHECK != 0 {
            self.sym_check_print_recursive(sym);
            return Some(sym);
        }
        if f & flags::CHECKED != 0 {
            return None;
        }
        if let Some(choice) = self.choice_of(sym) {
            // For choice groups start the check with the choice symbol.
            self.push(sym);
            let sym2 = self.sym_check_deps(choice);
            self.pop();
            sym2
        } else if self.is_choice(sym) {
            self.sym_check_choice_deps(sym)
        } else {
            self.flags[sym.index()] |= flags::CHECK | flags::CHECKED;
            let sym2 = self.sym_check_sym_deps(sym);
            self.flags[sym.index()] &= !flags::CHECK;
            sym2
        }
    }

    /// `choice_check_sanity` (6.11 and later): no defaults on choice members, and no prompt
    /// outside the choice block. False when an error was printed.
    fn choice_check_sanity(&mut self, menu: MenuId) -> bool {
        let m = self.m;
        let Some(sym) = m.menu(menu).sym else {
            return true;
        };
        let mut ok = true;
        for &p in &m.sym(sym).props {
            let prop = m.prop(p);
            let loc = self.prop_loc(Some(p));
            if prop.kind == PropKind::Default {
                self.messages.push(format!(
                    "{loc}: error: defaults for choice values not supported\n"
                ));
                ok = false;
            }
            if prop.menu != menu
                && prop.kind == PropKind::Prompt
                && m.menu(prop.menu).parent != m.menu(menu).parent
            {
                self.messages.push(format!(
                    "{loc}: error: choice value has a prompt outside its choice group\n"
                ));
                ok = false;
            }
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    //! The models below are what the kernel's own conf holds after `menu_finalize` for small
    //! Kconfig files (dumped by a program linked against the tree's kconfig objects), and the
    //! expected texts are what that conf (`conf --allnoconfig Kconfig`, 6.1 and 6.12 builds)
    //! printed on stderr for the same files.
    use super::*;
    use crate::expr_simplify::sexpr;
    use crate::model::{File, FileId, Menu, MenuKind, Property, SymbolType};

    const V61: KernelVersion = (6, 1);
    const V612: KernelVersion = (6, 12);

    const FOOTER: &str = "For a resolution refer to Documentation/kbuild/kconfig-language.rst\n\
                          subsection \"Kconfig recursive dependency limitations\"\n\n";

    /// Builds a finalised model the way the parser and `menu_finalize` leave it.
    struct Tree {
        m: Model,
        parent: MenuId,
        last: Option<MenuId>,
    }

    impl Tree {
        /// `names` in the order `sym_lookup` first saw them (`<choice>` for an anonymous one).
        fn new(names: &[&str]) -> Tree {
            let mut m = Model::new();
            m.files.push(File {
                name: "Kconfig".into(),
                included_from: None,
            });
            for n in names {
                match *n {
                    "<choice>" => m.lookup_choice(None),
                    n if n.starts_with('"') => m.lookup_const(n.trim_matches('"')),
                    n => m.lookup(n),
                };
            }
            let root = m.root;
            Tree {
                m,
                parent: root,
                last: None,
            }
        }

        fn sym(&mut self, name: &str) -> SymbolId {
            match sexpr::parse(&mut self.m, name) {
                Some(Expr::Symbol(s)) => s,
                other => panic!("not a symbol: {other:?}"),
            }
        }

        fn e(&mut self, s: &str) -> Option<Expr> {
            sexpr::parse(&mut self.m, s)
        }

        /// `menu_add_entry`: a config (or choice) entry at `line`, with its P_SYMBOL property.
        fn entry(&mut self, name: &str, ty: SymbolType, line: u32) -> MenuId {
            let sym = self.sym(name);
            self.m.sym_mut(sym).ty = ty;
            let menu = self.m.push_menu(Menu {
                kind: MenuKind::Config,
                next: None,
                parent: Some(self.parent),
                list: None,
                sym: Some(sym),
                prompt: None,
                visibility: None,
                dep: None,
                help: None,
                file: FileId(0),
                line,
                flags: 0,
                choice_members: Vec::new(),
            });
            match self.last {
                Some(prev) => self.m.menu_mut(prev).next = Some(menu),
                None => self.m.menu_mut(self.parent).list = Some(menu),
            }
            self.last = Some(menu);
            self.m.sym_mut(sym).menus.push(menu);
            let e = Some(Expr::Symbol(sym));
            self.prop_e(menu, PropKind::Symbol, line, e, None);
            menu
        }

        /// Makes the entries that follow children of `menu` (`menu_add_menu`).
        fn enter(&mut self, menu: MenuId) {
            self.parent = menu;
            self.last = None;
        }

        /// `menu_end_menu`
        fn leave(&mut self) {
            self.last = Some(self.parent);
            self.parent = self.m.menu(self.parent).parent.unwrap();
        }

        fn prop(&mut self, menu: MenuId, kind: PropKind, line: u32, expr: &str, vis: &str) {
            let (e, v) = (self.e(expr), self.e(vis));
            self.prop_e(menu, kind, line, e, v);
        }

        fn prop_e(
            &mut self,
            menu: MenuId,
            kind: PropKind,
            line: u32,
            e: Option<Expr>,
            v: Option<Expr>,
        ) {
            let file = FileId(0);
            let p = self.m.push_prop(Property {
                kind,
                text: None,
                expr: e,
                visible: v,
                menu,
                file,
                line,
            });
            if kind == PropKind::Prompt {
                self.m.menu_mut(menu).prompt = Some(p);
            }
        }

        /// Sets the visibility of the entry's P_SYMBOL property (6.1 copies the dependencies).
        fn symbol_visible(&mut self, menu: MenuId, vis: &str) {
            let sym = self.m.menu(menu).sym.unwrap();
            let p = self
                .m
                .props_of(sym, PropKind::Symbol)
                .find(|&p| self.m.prop(p).menu == menu);
            self.m.prop_mut(p.unwrap()).visible = self.e(vis);
        }

        fn deps(&mut self, name: &str, dir: &str, rev: &str, implied: &str) {
            let s = self.sym(name);
            let (d, r, i) = (self.e(dir), self.e(rev), self.e(implied));
            let sym = self.m.sym_mut(s);
            (sym.dir_dep, sym.rev_dep, sym.implied) = (d, r, i);
        }

        /// A `config NAME` entry with a prompt on the next line, both depending on `dep`.
        fn config(&mut self, name: &str, ty: SymbolType, line: u32, dep: &str) -> MenuId {
            let menu = self.entry(name, ty, line);
            self.symbol_visible(menu, dep);
            self.prop(menu, PropKind::Prompt, line + 1, "-", dep);
            self.deps(name, dep, "-", "-");
            menu
        }

        fn check(mut self, v: KernelVersion) -> DepCheck {
            check_recursive_deps_report(&mut self.m, v)
        }
    }

    /// config A / bool "a" / depends on B; config B / bool "b" / depends on A
    fn two_configs_depending_on_each_other() -> Tree {
        let mut t = Tree::new(&["A", "B"]);
        t.config("A", SymbolType::Bool, 1, "B");
        t.config("B", SymbolType::Bool, 5, "A");
        t
    }

    #[test]
    fn depends_on_cycle_6_1_starts_from_the_first_hash_bucket() {
        let r = two_configs_depending_on_each_other().check(V61);
        let expected = format!(
            "Kconfig:5:error: recursive dependency detected!\n\
             Kconfig:5:\tsymbol B depends on A\n\
             Kconfig:1:\tsymbol A depends on B\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        assert_eq!(r.errors, 1);
    }

    #[test]
    fn depends_on_cycle_6_12_starts_from_the_first_menu_entry() {
        let r = two_configs_depending_on_each_other().check(V612);
        let expected = format!(
            "error: recursive dependency detected!\n\
             \tsymbol A depends on B\n\
             \tsymbol B depends on A\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        assert_eq!(r.errors, 1);
    }

    /// The check walks each symbol of an expression once ([`plan`]): naming a symbol twice, or
    /// another symbol first, changes neither the message nor the count.
    #[test]
    fn a_symbol_named_twice_is_checked_once() {
        for v in [V61, V612] {
            let plain = two_configs_depending_on_each_other().check(v);
            let mut t = Tree::new(&["A", "B", "C"]);
            t.config("A", SymbolType::Bool, 1, "(&& C (&& B (|| B C)))");
            t.config("B", SymbolType::Bool, 5, "(|| A (! A))");
            t.config("C", SymbolType::Bool, 9, "-");
            assert_eq!(t.check(v), plain, "{v:?}");
        }
    }

    #[test]
    fn checked_flags_are_left_as_conf_leaves_them() {
        let mut t = two_configs_depending_on_each_other();
        check_recursive_deps(&mut t.m, V61);
        for name in ["A", "B"] {
            let f = t.m.sym(t.m.find(name).unwrap()).flags;
            assert_eq!(
                f & (flags::CHECK | flags::CHECKED),
                flags::CHECKED,
                "{name}"
            );
        }
    }

    /// A selects B; B's prompt is visible if C; C defaults to A and depends on B;
    /// P implies Q, which defaults to P and depends on !P.
    fn select_and_prompt_condition(v: KernelVersion) -> Tree {
        use SymbolType::{Bool, Tristate};
        let mut t = Tree::new(&["A", "B", "C", "P", "Q"]);
        let a = t.config("A", Bool, 1, "-");
        t.prop(a, PropKind::Select, 3, "B", "-");
        let b = t.entry("B", Bool, 5);
        t.prop(b, PropKind::Prompt, 6, "-", "C");
        t.deps("B", "-", "A", "-");
        let c = t.entry("C", Bool, 8);
        t.symbol_visible(c, "B");
        t.prop(c, PropKind::Default, 10, "A", "B");
        t.deps("C", "B", "-", "-");
        let p = t.config("P", Tristate, 13, "-");
        t.prop(p, PropKind::Imply, 15, "Q", "-");
        let q = t.entry("Q", Tristate, 17);
        t.symbol_visible(q, "(! P)");
        t.prop(q, PropKind::Default, 19, "P", "(! P)");
        t.deps("Q", "(! P)", "-", "P");
        let _ = v;
        t
    }

    #[test]
    fn prompt_condition_cycle() {
        let r = select_and_prompt_condition(V61).check(V61);
        let expected = format!(
            "Kconfig:6:error: recursive dependency detected!\n\
             Kconfig:6:\tsymbol B prompt is visible depending on C\n\
             Kconfig:8:\tsymbol C depends on B\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        let r = select_and_prompt_condition(V612).check(V612);
        let expected = format!(
            "error: recursive dependency detected!\n\
             \tsymbol B prompt is visible depending on C\n\
             \tsymbol C depends on B\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        assert_eq!(r.errors, 1);
    }

    /// choice / prompt "pick" / config X / config Y depends on Z / endchoice;
    /// config Z depends on X.
    fn choice_cycle(v: KernelVersion) -> Tree {
        let mut t = Tree::new(&["<choice>", "X", "Y", "Z"]);
        let ch = t.entry("<choice>", SymbolType::Bool, 1);
        t.prop(ch, PropKind::Prompt, 2, "-", "-");
        t.enter(ch);
        let x = t.entry("X", SymbolType::Bool, 4);
        let y = t.entry("Y", SymbolType::Bool, 7);
        t.leave();
        t.config("Z", SymbolType::Bool, 13, "X");
        if v == V61 {
            // menu_finalize: the members depend on the choice and point back at it.
            t.prop(ch, PropKind::Choice, 1, "-", "-");
            t.m.props.last_mut().unwrap().expr = Some(Expr::List(vec![t.sym("X"), t.sym("Y")]));
            t.deps("<choice>", "-", "m", "-");
            for (menu, name, line, dep) in [(x, "X", 4, "<choice>"), (y, "Y", 7, "(&& <choice> Z)")]
            {
                t.symbol_visible(menu, dep);
                t.prop(menu, PropKind::Prompt, line + 1, "-", dep);
                t.prop(menu, PropKind::Choice, 16, "<choice>", "-");
                t.deps(name, dep, "-", "-");
                let s = t.sym(name);
                t.m.sym_mut(s).flags |= flags::CHOICEVAL;
            }
        } else {
            t.prop(x, PropKind::Prompt, 5, "-", "-");
            t.prop(y, PropKind::Prompt, 8, "-", "Z");
        }
        t
    }

    #[test]
    fn choice_cycle_6_1() {
        let r = choice_cycle(V61).check(V61);
        let expected = format!(
            "Kconfig:1:error: recursive dependency detected!\n\
             Kconfig:1:\tchoice <choice> contains symbol Y\n\
             Kconfig:7:\tsymbol Y is part of choice Z\n\
             Kconfig:13:\tsymbol Z depends on X\n\
             Kconfig:4:\tsymbol X is part of choice <choice>\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        assert_eq!(r.errors, 1);
    }

    #[test]
    fn choice_cycle_6_12() {
        let r = choice_cycle(V612).check(V612);
        let expected = format!(
            "error: recursive dependency detected!\n\
             \tsymbol <choice> unknown is visible depending on Y\n\
             \tsymbol Y prompt is visible depending on Z\n\
             \tsymbol Z depends on X\n\
             \tsymbol X is part of choice block at Kconfig:1\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        assert_eq!(r.errors, 1);
    }

    /// config M int range 0 N; config N int default M if K; config K bool depends on N > 3
    fn default_condition_cycle() -> Tree {
        let mut t = Tree::new(&["M", "0", "N", "K", "3"]);
        let m = t.config("M", SymbolType::Int, 1, "-");
        t.prop(m, PropKind::Range, 3, "(range 0 N)", "-");
        let n = t.config("N", SymbolType::Int, 5, "-");
        t.prop(n, PropKind::Default, 7, "M", "K");
        t.config("K", SymbolType::Bool, 9, "(> N 3)");
        t
    }

    #[test]
    fn default_condition_cycle_both_versions() {
        let r = default_condition_cycle().check(V61);
        let expected = format!(
            "Kconfig:9:error: recursive dependency detected!\n\
             Kconfig:9:\tsymbol K depends on N\n\
             Kconfig:7:\tsymbol N default is visible depending on K\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        let r = default_condition_cycle().check(V612);
        let expected = format!(
            "error: recursive dependency detected!\n\
             \tsymbol N default is visible depending on K\n\
             \tsymbol K depends on N\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
    }

    /// Two cycles (FOO/BAR by `depends on`, S1/S2 by a default value and its condition), an
    /// entry depending on one of them, and a select chain without a cycle.
    fn two_cycles() -> Tree {
        use SymbolType::{Bool, String, Tristate};
        let mut t = Tree::new(&[
            "FOO", "BAR", "ALPHA", "BETA", "GAMMA", "ENTRY", "S1", "\"x\"", "S2",
        ]);
        t.config("FOO", Bool, 1, "BAR");
        t.config("BAR", Bool, 5, "FOO");
        let a = t.config("ALPHA", Tristate, 9, "-");
        t.prop(a, PropKind::Select, 11, "BETA", "-");
        t.config("BETA", Tristate, 13, "GAMMA");
        t.deps("BETA", "GAMMA", "ALPHA", "-");
        let g = t.entry("GAMMA", Tristate, 17);
        t.prop(g, PropKind::Default, 19, "ALPHA", "-");
        t.config("ENTRY", Bool, 21, "(|| FOO ALPHA)");
        let s1 = t.config("S1", String, 25, "-");
        t.prop(s1, PropKind::Default, 27, "\"x\"", "(= S2 y)");
        let s2 = t.config("S2", String, 29, "-");
        t.prop(s2, PropKind::Default, 31, "S1", "-");
        t
    }

    #[test]
    fn two_cycles_are_two_errors_in_visiting_order() {
        let r = two_cycles().check(V61);
        let expected = format!(
            "Kconfig:1:error: recursive dependency detected!\n\
             Kconfig:1:\tsymbol FOO depends on BAR\n\
             Kconfig:5:\tsymbol BAR depends on FOO\n{FOOTER}\
             Kconfig:27:error: recursive dependency detected!\n\
             Kconfig:27:\tsymbol S1 default is visible depending on S2\n\
             Kconfig:31:\tsymbol S2 default value contains S1\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        assert_eq!(r.errors, 2);
        let r = two_cycles().check(V612);
        let expected = format!(
            "error: recursive dependency detected!\n\
             \tsymbol FOO depends on BAR\n\
             \tsymbol BAR depends on FOO\n{FOOTER}\
             error: recursive dependency detected!\n\
             \tsymbol S1 default is visible depending on S2\n\
             \tsymbol S2 default value contains S1\n{FOOTER}"
        );
        assert_eq!(r.stderr(), expected);
        assert_eq!(r.errors, 2);
    }

    #[test]
    fn hash_order_is_conf_for_all_symbols_order() {
        // The order conf 6.1 and 6.12 walk their symbol tables for this tree (dumped).
        let t = two_cycles();
        let names = |v| {
            symbol_hash_order(&t.m, v)
                .into_iter()
                .map(|s| t.m.sym(s).name.clone().unwrap())
                .collect::<Vec<_>>()
        };
        let v61 = [
            "BETA", "ALPHA", "GAMMA", "FOO", "BAR", "S1", "S2", "ENTRY", "x",
        ];
        assert_eq!(names(V61), v61);
        let v612 = [
            "S2", "ALPHA", "GAMMA", "S1", "x", "BETA", "FOO", "ENTRY", "BAR",
        ];
        assert_eq!(names(V612), v612);
    }

    #[test]
    fn strhash_is_fnv1() {
        assert_eq!(strhash(""), 2166136261);
        assert_eq!(strhash("A") % 9973, 3066);
        assert_eq!(strhash("BAR") & 16383, 11386);
    }

    /// choice / prompt / config X default y / config Y / endchoice; config Y / prompt "outside"
    #[test]
    fn choice_sanity_errors_6_12() {
        let mut t = Tree::new(&["<choice>", "X", "Y"]);
        let ch = t.entry("<choice>", SymbolType::Bool, 1);
        t.prop(ch, PropKind::Prompt, 2, "-", "-");
        t.enter(ch);
        let x = t.entry("X", SymbolType::Bool, 4);
        t.prop(x, PropKind::Prompt, 5, "-", "-");
        t.prop(x, PropKind::Default, 6, "y", "-");
        let y = t.entry("Y", SymbolType::Bool, 8);
        t.prop(y, PropKind::Prompt, 9, "-", "-");
        t.leave();
        let y2 = t.entry("Y", SymbolType::Bool, 13);
        t.prop(y2, PropKind::Prompt, 14, "-", "-");
        let r = t.check(V612);
        let expected = "Kconfig:6: error: defaults for choice values not supported\n\
                        Kconfig:14: error: choice value has a prompt outside its choice group\n";
        assert_eq!(r.stderr(), expected);
        assert_eq!(r.errors, 2);
    }

    #[test]
    fn no_cycle_no_message() {
        let mut t = Tree::new(&["A", "B"]);
        t.config("A", SymbolType::Bool, 1, "B");
        t.config("B", SymbolType::Bool, 5, "-");
        assert!(check_recursive_deps(&mut t.m, V61).is_empty());
        let mut t = Tree::new(&["A", "B"]);
        t.config("A", SymbolType::Bool, 1, "B");
        t.config("B", SymbolType::Bool, 5, "-");
        assert!(check_recursive_deps(&mut t.m, V612).is_empty());
    }
}
