//! The evaluator: one configuration of a [`Model`], computed as scripts/kconfig/symbol.c does.
//!
//! The model is immutable and shared; a [`Config`] holds what C keeps in the mutable fields of
//! `struct symbol` and `struct property` (`curr`, `def[]`, `visible`, the `tri` of `dir_dep`,
//! `rev_dep` and `implied`, `prop->visible.tri`, the evaluator's flags) and the globals of
//! symbol.c (`modules_val`, `sym_warnings`, `conf_changed`). Evaluation is lazy and cached by
//! the `SYMBOL_VALID` flag exactly as in C, because the order in which symbols are first
//! computed decides the order of conf's warnings. Expression values are cached per node of
//! the model's hash-consed expression DAG ([`EvalPlan`], as 6.12 does) until a symbol loses
//! SYMBOL_VALID; share one plan between the configurations of a model.
//!
//! Both the 6.1 rules (choices as symbols with `P_CHOICE` lists, tristate choices, `optional`,
//! `SYMBOL_NEED_SET_CHOICE_VALUES`) and the 6.11+ rules (`sym_calc_choice` over the choice
//! menu's member list, bool-only choices) are ported; [`Config::new`] picks them from the
//! release. Each function names its C counterpart.

mod calc;
mod choice;
pub mod cnum;
mod menu;
mod plan;
mod set;

pub use menu::{menu_get_prompt, menu_next, sub_entries, SubEntries};
pub use plan::EvalPlan;

use std::sync::Arc;

use crate::expr::Expr;
pub use crate::expr_print::Tristate;
use crate::expr_simplify::KernelVersion;
use crate::model::{
    flags, MenuId, Model, PropId, SymbolId, SymbolType, SYM_EMPTY, SYM_MOD, SYM_NO, SYM_YES,
};
use crate::preprocess::Output;

/// The evaluator's own symbol flags, beyond those of [`crate::model::flags`].
pub mod eflags {
    /// SYMBOL_NEED_SET_CHOICE_VALUES (6.1): choice values must be set before this symbol.
    pub const NEED_SET_CHOICE_VALUES: u32 = 0x10_0000;
}

/// Which `def[]` slot a value is read into (`S_DEF_USER`, `S_DEF_AUTO`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefSlot {
    /// S_DEF_USER: the .config or defconfig being read.
    User = 0,
    /// S_DEF_AUTO: include/config/auto.conf, to find which symbols changed.
    Auto = 1,
    /// S_DEF_DEF3
    Def3 = 2,
    /// S_DEF_DEF4
    Def4 = 3,
}

impl DefSlot {
    /// `SYMBOL_DEF << def`: the flag that says the slot holds a value.
    pub fn flag(self) -> u32 {
        flags::DEF_USER << (self as u32)
    }
}

/// The `val` pointer of a `struct symbol_value`: a string for int, hex and string symbols, the
/// chosen member for a 6.1 choice, the name for untyped symbols, or NULL.
#[derive(Clone, Debug, Default)]
pub enum Val {
    /// NULL
    #[default]
    Null,
    /// A string literal of symbol.c (`"n"`, `"0x0"`, ...).
    Static(&'static str),
    /// `sym->name` of that symbol (constants and untyped symbols evaluate to their name).
    Name(SymbolId),
    /// A string read from a file or set by the user.
    Str(Arc<str>),
    /// The chosen member of a 6.1 choice (`sym->curr.val` is a `struct symbol *` there).
    Sym(SymbolId),
}

impl Val {
    /// Pointer equality, as the `memcmp` of two `struct symbol_value`s compares.
    fn same(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Null, Val::Null) => true,
            (Val::Static(a), Val::Static(b)) => a.as_ptr() == b.as_ptr(),
            (Val::Name(a), Val::Name(b)) | (Val::Sym(a), Val::Sym(b)) => a == b,
            (Val::Str(a), Val::Str(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// `struct symbol_value`.
#[derive(Clone, Debug)]
pub struct SymValue {
    pub val: Val,
    pub tri: Tristate,
}

impl Default for SymValue {
    /// All zero, as `xmalloc` + `memset` leave a new symbol: `{ NULL, no }`.
    fn default() -> Self {
        SymValue {
            val: Val::Null,
            tri: Tristate::No,
        }
    }
}

/// The per-configuration part of `struct symbol`.
#[derive(Clone, Debug)]
pub struct SymState {
    /// `curr`: the computed value.
    pub curr: SymValue,
    /// `def[S_DEF_COUNT]`: values from outside (the .config, auto.conf, ...).
    pub def: [SymValue; 4],
    /// `visible`: the upper bound the prompts allow.
    pub visible: Tristate,
    /// `dir_dep.tri`
    pub dir_dep: Tristate,
    /// `rev_dep.tri`
    pub rev_dep: Tristate,
    /// `implied.tri`
    pub implied: Tristate,
}

/// One configuration of a model: the state conf's symbol.c and confdata.c keep in globals.
#[derive(Clone)]
pub struct Config<'m> {
    model: &'m Model,
    version: KernelVersion,
    /// 6.11 and later: choices are computed by `sym_calc_choice(menu)`.
    new_choices: bool,
    syms: Vec<SymState>,
    /// `sym->flags`: the model's flags plus the evaluator's (VALID, WRITE, DEF_USER, ...),
    /// apart from the rest of the state so that the hot SYMBOL_VALID test stays in cache.
    sflags: Vec<u32>,
    /// `prop->visible.tri` of every property.
    prop_vis: Vec<Tristate>,
    /// `modules_val`: the value of the modules symbol when it was last computed.
    modules_val: Tristate,
    /// `sym_warnings`: how many "unmet direct dependencies" warnings were printed.
    sym_warnings: usize,
    /// `conf_changed`
    changed: bool,
    /// `conf_warnings` (confdata.c): warnings of the last `conf_read_simple`.
    pub(crate) conf_warnings: usize,
    /// 6.11+: the members of each choice menu in priority order (`choice->choice_members`,
    /// reordered by `conf_read_simple` and `randconfig`), by menu.
    choice_members: rustc_hash::FxHashMap<u32, Vec<SymbolId>>,
    /// The release-dependent parts of the initial state: `for_all_symbols` order (conf's hash
    /// table: `conf_read` computes symbols in it, so unmet-dependency warnings come out in it,
    /// and auto.conf lists them in it), each symbol's choice, named choices.
    data: Arc<plan::VersionData>,
    /// What conf printed, in order.
    messages: Vec<Output>,
    /// `CONFIG_` (the `CONFIG_` environment variable of conf, which kbuild unexports).
    pub config_prefix: String,
    /// The model's expressions as a DAG, and the cached value of each node: valid when its
    /// epoch is the current one ([`Config::invalidate_exprs`] starts a new one).
    plan: Arc<EvalPlan>,
    node_val: Vec<Tristate>,
    node_epoch: Vec<u32>,
    epoch: u32,
}

impl Default for SymState {
    fn default() -> Self {
        SymState {
            curr: SymValue::default(),
            def: Default::default(),
            visible: Tristate::No,
            dir_dep: Tristate::No,
            rev_dep: Tristate::No,
            implied: Tristate::No,
        }
    }
}

impl<'m> Config<'m> {
    /// A configuration in the state `conf_parse` leaves: nothing computed, no values read.
    /// `version` is the tree's release (major, minor), which picks the rules. Compiles the
    /// model's expressions; use [`Config::with_plan`] to share that work between configurations.
    pub fn new(model: &'m Model, version: KernelVersion) -> Self {
        Self::with_plan(model, version, Arc::new(EvalPlan::new(model)))
    }

    /// [`Config::new`] with the model's expressions compiled already (a plan built from another
    /// model is ignored and rebuilt).
    pub fn with_plan(model: &'m Model, version: KernelVersion, plan: Arc<EvalPlan>) -> Self {
        let plan = if plan.fits(model) {
            plan
        } else {
            Arc::new(EvalPlan::new(model))
        };
        let nodes = plan.len();
        let new_choices = version >= (6, 11);
        let mut syms: Vec<SymState> = vec![SymState::default(); model.symbols.len()];
        let mut sflags: Vec<u32> = model
            .symbols
            .iter()
            .map(|s| s.flags & !(flags::VALID | flags::WRITE | flags::CHANGED | flags::WRITTEN))
            .collect();
        for (id, name, tri) in [
            (SYM_YES, "y", Tristate::Yes),
            (SYM_MOD, "m", Tristate::Mod),
            (SYM_NO, "n", Tristate::No),
            (SYM_EMPTY, "", Tristate::No),
        ] {
            let s = &mut syms[id.index()];
            s.curr = SymValue {
                val: Val::Static(name),
                tri,
            };
            sflags[id.index()] |= flags::VALID;
        }
        let data = plan.version_data(model, version);
        Config {
            model,
            version,
            new_choices,
            syms,
            sflags,
            prop_vis: vec![Tristate::No; model.props.len()],
            modules_val: Tristate::No,
            sym_warnings: 0,
            // conf_parse ends with conf_set_changed(true).
            changed: true,
            conf_warnings: 0,
            choice_members: data.choice_members.clone(),
            data,
            messages: Vec::new(),
            config_prefix: "CONFIG_".to_string(),
            plan,
            node_val: vec![Tristate::No; nodes],
            node_epoch: vec![0; nodes],
            epoch: 1,
        }
    }

    /// Forgets every cached expression value (`expr_invalidate_all`): called whenever a symbol
    /// loses SYMBOL_VALID, so that no value computed before is reused.
    pub(crate) fn invalidate_exprs(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.node_epoch.iter_mut().for_each(|e| *e = 0);
            self.epoch = 1;
        }
    }

    /// `sym_find`: the symbol of a name, as conf_read_simple looks names up. Before 6.11 a
    /// named choice is found too; of two symbols of one name the newer (first in its hash
    /// bucket) wins.
    pub fn sym_find(&self, name: &str) -> Option<SymbolId> {
        let normal = self.model.find(name);
        match (normal, self.data.named_choices.get(name).copied()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The model this configuration is of.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// The release whose rules are followed.
    pub fn version(&self) -> KernelVersion {
        self.version
    }

    /// Whether the 6.11+ choice rules apply.
    pub fn new_choices(&self) -> bool {
        self.new_choices
    }

    /// The state of one symbol.
    pub fn state(&self, s: SymbolId) -> &SymState {
        &self.syms[s.index()]
    }

    pub(crate) fn state_mut(&mut self, s: SymbolId) -> &mut SymState {
        &mut self.syms[s.index()]
    }

    /// The symbol's flags (model and evaluator flags).
    pub fn flags(&self, s: SymbolId) -> u32 {
        self.sflags[s.index()]
    }

    pub(crate) fn set_flags(&mut self, s: SymbolId, f: u32) {
        self.sflags[s.index()] |= f;
    }

    pub(crate) fn clear_flags(&mut self, s: SymbolId, f: u32) {
        self.sflags[s.index()] &= !f;
        if f & flags::VALID != 0 {
            self.invalidate_exprs();
        }
    }

    /// `prop->visible.tri`: the visibility last computed for a property.
    pub fn prop_visible(&self, p: PropId) -> Tristate {
        self.prop_vis[p.index()]
    }

    /// Every symbol of conf's hash table, in `for_all_symbols` order.
    pub fn table_order(&self) -> Arc<Vec<SymbolId>> {
        Arc::clone(&self.data.table_order)
    }

    /// What conf would have printed so far, in order.
    pub fn messages(&self) -> &[Output] {
        &self.messages
    }

    /// Takes what conf would have printed so far.
    pub fn take_messages(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.messages)
    }

    /// Prints to conf's stderr.
    pub(crate) fn stderr(&mut self, text: String) {
        match self.messages.last_mut() {
            Some(Output::Stderr(s)) => s.push_str(&text),
            _ => self.messages.push(Output::Stderr(text)),
        }
    }

    /// Prints to conf's stdout.
    pub(crate) fn stdout(&mut self, text: String) {
        match self.messages.last_mut() {
            Some(Output::Stdout(s)) => s.push_str(&text),
            _ => self.messages.push(Output::Stdout(text)),
        }
    }

    /// `sym_dep_errors`'s count: how many unmet-dependency warnings were printed.
    pub fn sym_warnings(&self) -> usize {
        self.sym_warnings
    }

    /// `conf_errors`: warnings of the last read, and `KCONFIG_WERROR` makes them errors.
    pub fn conf_warnings(&self) -> usize {
        self.conf_warnings
    }

    /// `conf_get_changed`
    pub fn conf_get_changed(&self) -> bool {
        self.changed
    }

    /// `conf_set_changed`
    pub fn conf_set_changed(&mut self, val: bool) {
        self.changed = val;
    }

    /// `sym_is_choice`
    pub fn sym_is_choice(&self, s: SymbolId) -> bool {
        self.flags(s) & flags::CHOICE != 0
    }

    /// `sym_is_choice_value`: 6.1 reads SYMBOL_CHOICEVAL; 6.11+ whether the symbol is on a
    /// choice's member list (`choice_link`).
    pub fn sym_is_choice_value(&self, s: SymbolId) -> bool {
        if self.new_choices {
            self.model.sym(s).choice_link.is_some()
        } else {
            self.flags(s) & flags::CHOICEVAL != 0
        }
    }

    /// `sym_is_optional` (6.1)
    pub fn sym_is_optional(&self, s: SymbolId) -> bool {
        self.flags(s) & flags::OPTIONAL != 0
    }

    /// `sym_has_value`: the user gave a value (SYMBOL_DEF_USER).
    pub fn sym_has_value(&self, s: SymbolId) -> bool {
        self.flags(s) & flags::DEF_USER != 0
    }

    /// `sym_get_tristate_value`
    pub fn sym_get_tristate_value(&self, s: SymbolId) -> Tristate {
        self.syms[s.index()].curr.tri
    }

    /// 6.1: the choice symbol of a choice value (`prop_get_symbol(sym_get_choice_prop(sym))`).
    pub fn choice_symbol_of(&self, s: SymbolId) -> Option<SymbolId> {
        if self.new_choices {
            let menu = self.data.choice_of[s.index()]?;
            self.model.menu(MenuId(menu)).sym
        } else {
            self.data.choice_of[s.index()].map(SymbolId)
        }
    }

    /// 6.11+: `sym_get_choice_menu`, the choice menu a member belongs to.
    pub fn sym_get_choice_menu(&self, s: SymbolId) -> Option<MenuId> {
        if self.new_choices {
            self.data.choice_of[s.index()].map(MenuId)
        } else {
            None
        }
    }

    /// 6.11+: a choice's members in their current priority order.
    pub fn choice_members(&self, choice: MenuId) -> &[SymbolId] {
        self.choice_members
            .get(&choice.0)
            .map_or(&[], Vec::as_slice)
    }

    pub(crate) fn choice_members_mut(&mut self, choice: MenuId) -> &mut Vec<SymbolId> {
        self.choice_members.entry(choice.0).or_default()
    }

    /// 6.1: the members of a choice symbol, from its `P_CHOICE` list.
    pub fn choice_list(&self, cs: SymbolId) -> &'m [SymbolId] {
        let m = self.model;
        match m.choice_prop(cs).and_then(|p| m.prop(p).expr.as_ref()) {
            Some(Expr::List(l)) => l,
            _ => &[],
        }
    }

    /// The text of a value, as the C string it points to.
    pub fn val_str<'a>(&'a self, v: &'a Val) -> &'a str {
        match v {
            Val::Null => "",
            Val::Static(s) => s,
            Val::Name(id) | Val::Sym(id) => self.model.sym(*id).name.as_deref().unwrap_or(""),
            Val::Str(s) => s,
        }
    }

    /// `sym_get_string_value`: `n`/`m`/`y` for bool and tristate symbols, else `curr.val`.
    pub fn sym_get_string_value(&self, s: SymbolId) -> &str {
        match self.model.sym(s).ty {
            SymbolType::Bool | SymbolType::Tristate => tri_str(self.sym_get_tristate_value(s)),
            _ => self.val_str(&self.syms[s.index()].curr.val),
        }
    }

    /// `sym_get_type`: the type, with tristate read as bool when modules are off (and, in 6.1,
    /// for a choice value visible as `y`).
    pub fn sym_get_type(&self, s: SymbolId) -> SymbolType {
        let ty = self.model.sym(s).ty;
        if ty == SymbolType::Tristate {
            if !self.new_choices
                && self.sym_is_choice_value(s)
                && self.syms[s.index()].visible == Tristate::Yes
            {
                return SymbolType::Bool;
            }
            if self.modules_val == Tristate::No {
                return SymbolType::Bool;
            }
        }
        ty
    }

    /// `sym_is_changeable`: the user can change the value (6.11+: and it is not a choice).
    pub fn sym_is_changeable(&self, s: SymbolId) -> bool {
        if self.new_choices && self.sym_is_choice(s) {
            return false;
        }
        let st = &self.syms[s.index()];
        st.visible > st.rev_dep
    }

    /// `prop_get_symbol`: the symbol of a property whose expression is a single symbol.
    pub fn prop_get_symbol(&self, p: PropId) -> Option<SymbolId> {
        match &self.model.prop(p).expr {
            Some(Expr::Symbol(s)) => Some(*s),
            _ => None,
        }
    }

    /// Every symbol of the table, to clear or set flags on (`for_all_symbols` without order).
    pub(crate) fn table_symbols(&self) -> std::ops::Range<u32> {
        FIRST_TABLE_SYMBOL..self.model.symbols.len() as u32
    }
}

/// The first symbol id in conf's hash table (after `y`, `m`, `n` and `""`, which are not).
pub const FIRST_TABLE_SYMBOL: u32 = 4;

/// The C string of a tristate.
pub fn tri_str(t: Tristate) -> &'static str {
    match t {
        Tristate::No => "n",
        Tristate::Mod => "m",
        Tristate::Yes => "y",
    }
}

/// `EXPR_OR`
pub fn expr_or(a: Tristate, b: Tristate) -> Tristate {
    a.max(b)
}

/// `EXPR_AND`
pub fn expr_and(a: Tristate, b: Tristate) -> Tristate {
    a.min(b)
}

/// `EXPR_NOT`
pub fn expr_not(a: Tristate) -> Tristate {
    match a {
        Tristate::No => Tristate::Yes,
        Tristate::Mod => Tristate::Mod,
        Tristate::Yes => Tristate::No,
    }
}

/// `sym_get_choice_menu` (6.11+): the menu of the choice a symbol is a member of, found from
/// the first of its menu entries that has a prompt.
pub(crate) fn sym_get_choice_menu(m: &Model, s: SymbolId) -> Option<MenuId> {
    let first = m
        .sym(s)
        .menus
        .iter()
        .copied()
        .find(|menu| m.menu(*menu).prompt.is_some())?;
    let mut cur = m.menu(first).parent;
    while let Some(c) = cur {
        if m.menu(c).sym.is_some() {
            break;
        }
        cur = m.menu(c).parent;
    }
    let c = cur?;
    let cs = m.menu(c).sym?;
    m.sym(cs).is_choice().then_some(c)
}

pub mod testkit;
#[cfg(test)]
mod tests;
