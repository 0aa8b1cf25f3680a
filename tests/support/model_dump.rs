//! ktailor's side of tests/finalize_oracle.rs: a finalised [`Model`] written in the format
//! tests/support/kconfig_dump.c writes for the kernel's own conf after `conf_parse`.
//!
//! Both sides print the named symbols sorted by name (type, flags of interest, dir_dep, rev_dep,
//! implied, properties in list order), then the menu tree depth first. Expressions are
//! s-expressions: `A`, `"const"`, `(! e)`, `(&& l r)`, `(|| l r)`, `(= A B)`, `(range A B)`,
//! `(list A B)`, `-` for none; an anonymous choice is `<choice@FILE:LINE>` after its menu entry.

#![allow(dead_code)]

use std::fmt::Write;

use kconfig_parser::depcheck::prop_get_type_name;
use kconfig_parser::expr::Expr;
use kconfig_parser::model::{
    flags, MenuId, Model, PropId, PropKind, SymbolId, SYM_MOD, SYM_NO, SYM_YES,
};

/// What the tree's scripts/kconfig/expr.h has: the C harness is compiled with one `-D` per
/// feature, and the Rust dump follows the same switches.
#[derive(Clone, Copy, Debug, Default)]
pub struct Features {
    /// `const char *filename` in struct menu/property (6.9+), instead of `struct file *`.
    pub filename: bool,
    /// E_LIST (up to 6.10).
    pub e_list: bool,
    /// P_SYMBOL and P_CHOICE (up to 6.10).
    pub p_symbol: bool,
    /// menu->choice_members (6.11+).
    pub choice_members: bool,
    /// `for_all_symbols(i, sym)` (up to 6.8).
    pub forall_2: bool,
    /// sym->menus (6.9+).
    pub sym_menus: bool,
    /// SYMBOL_CHOICE, SYMBOL_CHOICEVAL, SYMBOL_OPTIONAL, SYMBOL_NO_WRITE (up to 6.10).
    pub choice_flags: bool,
}

impl Features {
    /// The features of a tree, from the text of its scripts/kconfig/expr.h.
    pub fn from_expr_h(text: &str) -> Features {
        Features {
            filename: text.contains("const char *filename;"),
            e_list: text.contains("E_LIST"),
            p_symbol: text.contains("P_SYMBOL"),
            choice_members: text.contains("choice_members;"),
            forall_2: text.contains("for_all_symbols(i, sym)"),
            sym_menus: text.contains("struct list_head menus;"),
            choice_flags: text.contains("#define SYMBOL_CHOICE "),
        }
    }

    /// The `-D` options of the C harness.
    pub fn cflags(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, flag) in [
            (self.filename, "-DKT_FILENAME"),
            (self.e_list, "-DKT_HAS_E_LIST"),
            (self.p_symbol, "-DKT_HAS_P_SYMBOL"),
            (self.choice_members, "-DKT_CHOICE_MEMBERS"),
            (self.forall_2, "-DKT_FORALL_2"),
            (self.sym_menus, "-DKT_SYM_MENUS"),
        ] {
            if on {
                v.push(flag);
            }
        }
        v
    }

    /// `KT_FLAGS` of the C harness.
    fn flag_mask(&self) -> u32 {
        let base = flags::CONST | flags::CHECK | flags::CHECKED | flags::WARNED;
        if self.choice_flags {
            base | flags::CHOICE | flags::CHOICEVAL | flags::OPTIONAL | flags::NO_WRITE
        } else {
            base
        }
    }
}

struct Dumper<'a> {
    m: &'a Model,
    f: Features,
    out: String,
}

fn pstr(out: &mut String, s: &str) {
    out.push('"');
    for &c in s.as_bytes() {
        match c {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(c as char);
            }
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            c if !(0x20..0x7f).contains(&c) => {
                let _ = write!(out, "\\x{c:02x}");
            }
            c => out.push(c as char),
        }
    }
    out.push('"');
}

impl Dumper<'_> {
    fn menuloc(&mut self, menu: Option<MenuId>) {
        match menu {
            None => self.out.push('-'),
            Some(mi) if mi == self.m.root => self.out.push_str("root"),
            Some(mi) => {
                let mm = self.m.menu(mi);
                let _ = write!(self.out, "@{}:{}", self.m.file_name(mm.file), mm.line);
            }
        }
    }

    fn sym(&mut self, s: SymbolId) {
        let sym = self.m.sym(s);
        if s == SYM_YES {
            self.out.push('y');
        } else if s == SYM_MOD {
            self.out.push('m');
        } else if s == SYM_NO {
            self.out.push('n');
        } else if let Some(name) = &sym.name {
            if sym.is_choice() {
                let _ = write!(self.out, "<choice:{name}>");
            } else if sym.is_const() {
                pstr(&mut self.out, name);
            } else {
                self.out.push_str(name);
            }
        } else {
            self.out.push_str("<choice");
            self.menuloc(sym.menus.first().copied());
            self.out.push('>');
        }
    }

    fn expr(&mut self, e: Option<&Expr>) {
        let Some(e) = e else {
            self.out.push('-');
            return;
        };
        match e {
            Expr::Symbol(s) => self.sym(*s),
            Expr::Not(c) => {
                self.out.push_str("(! ");
                self.expr(Some(c));
                self.out.push(')');
            }
            Expr::And(l, r) | Expr::Or(l, r) => {
                let op = if matches!(e, Expr::And(..)) {
                    "(&& "
                } else {
                    "(|| "
                };
                self.out.push_str(op);
                self.expr(Some(l));
                self.out.push(' ');
                self.expr(Some(r));
                self.out.push(')');
            }
            Expr::Cmp(op, a, b) => {
                let _ = write!(self.out, "({} ", op.as_str());
                self.sym(*a);
                self.out.push(' ');
                self.sym(*b);
                self.out.push(')');
            }
            Expr::Range(a, b) => {
                self.out.push_str("(range ");
                self.sym(*a);
                self.out.push(' ');
                self.sym(*b);
                self.out.push(')');
            }
            Expr::List(l) => {
                self.out.push_str("(list");
                for s in l {
                    self.out.push(' ');
                    self.sym(*s);
                }
                self.out.push(')');
            }
        }
    }

    fn prop(&mut self, owner: Option<SymbolId>, p: PropId) {
        let prop = self.m.prop(p);
        let _ = write!(self.out, "{} ", prop_get_type_name(Some(prop.kind)));
        let member_choice =
            prop.kind == PropKind::Choice && owner.is_some_and(|o| !self.m.sym(o).is_choice());
        if self.f.p_symbol && member_choice {
            self.out.push_str("@?");
        } else {
            let _ = write!(self.out, "@{}:{}", self.m.file_name(prop.file), prop.line);
        }
        self.out.push_str(" menu=");
        self.menuloc(Some(prop.menu));
        if let Some(t) = &prop.text {
            self.out.push_str(" text=");
            pstr(&mut self.out, t);
        }
        self.out.push_str(" expr=");
        self.expr(prop.expr.as_ref());
        self.out.push_str(" vis=");
        self.expr(prop.visible.as_ref());
        self.out.push('\n');
    }

    fn symbol(&mut self, s: SymbolId) {
        let sym = self.m.sym(s);
        self.out.push_str("sym ");
        self.sym(s);
        let _ = writeln!(
            self.out,
            " {} flags=0x{:x}",
            sym.ty.name(),
            sym.flags & self.f.flag_mask()
        );
        for (what, e) in [
            ("dir_dep", &sym.dir_dep),
            ("rev_dep", &sym.rev_dep),
            ("implied", &sym.implied),
        ] {
            let _ = write!(self.out, "  {what} ");
            self.expr(e.as_ref());
            self.out.push('\n');
        }
        if self.f.sym_menus {
            self.out.push_str("  menus");
            for &mi in &sym.menus {
                self.out.push(' ');
                self.menuloc(Some(mi));
            }
            self.out.push('\n');
        }
        for &p in &sym.props {
            let kind = self.m.prop(p).kind;
            if !self.f.p_symbol && matches!(kind, PropKind::Symbol | PropKind::Choice) {
                continue;
            }
            self.out.push_str("  prop ");
            self.prop(Some(s), p);
        }
    }

    fn menu(&mut self, mi: MenuId, depth: usize) {
        let menu = self.m.menu(mi);
        let _ = write!(self.out, "menu {depth} ");
        self.menuloc(Some(mi));
        self.out.push_str(" sym=");
        match menu.sym {
            Some(s) => self.sym(s),
            None => self.out.push('-'),
        }
        self.out.push_str("\n  dep ");
        self.expr(menu.dep.as_ref());
        self.out.push_str("\n  visibility ");
        self.expr(menu.visibility.as_ref());
        self.out.push('\n');
        if let Some(p) = menu.prompt {
            self.out.push_str("  prompt ");
            self.prop(menu.sym, p);
        }
        if let Some(h) = &menu.help {
            self.out.push_str("  help ");
            pstr(&mut self.out, h);
            self.out.push('\n');
        }
        if self.f.choice_members && menu.sym.is_some_and(|s| self.m.sym(s).name.is_none()) {
            self.out.push_str("  members");
            for &s in &menu.choice_members {
                self.out.push(' ');
                self.sym(s);
            }
            self.out.push('\n');
        }
        if let Some(s) = menu.sym.filter(|s| self.m.sym(*s).name.is_none()) {
            self.symbol(s);
        }
        let children: Vec<MenuId> = self.m.children(mi).collect();
        for c in children {
            if self.m.menu(c).parent != Some(mi) {
                self.out.push_str("  child-with-other-parent ");
                self.menuloc(self.m.menu(c).parent);
                self.out.push('\n');
            }
            self.menu(c, depth + 1);
        }
    }
}

/// The dump of a finalised model, as kconfig_dump.c writes conf's.
pub fn dump(m: &Model, f: Features) -> String {
    let mut d = Dumper {
        m,
        f,
        out: String::with_capacity(8 << 20),
    };
    let mut syms: Vec<SymbolId> = (4..m.symbols.len() as u32)
        .map(SymbolId)
        .filter(|&s| m.sym(s).name.is_some())
        .collect();
    syms.sort_by(|&a, &b| {
        let (x, y) = (m.sym(a), m.sym(b));
        x.name
            .as_deref()
            .unwrap_or("")
            .as_bytes()
            .cmp(y.name.as_deref().unwrap_or("").as_bytes())
            .then(x.is_const().cmp(&y.is_const()))
            .then(x.is_choice().cmp(&y.is_choice()))
    });
    d.out.push_str("modules ");
    d.sym(m.modules_sym);
    d.out.push('\n');
    for s in syms {
        d.symbol(s);
    }
    d.menu(m.root, 0);
    d.out
}
