//! The Kconfig model: symbols, properties and the menu tree, held in arenas and addressed by ids.
//!
//! The shapes follow scripts/kconfig/lkc.h and expr.h (`struct symbol`, `struct property`,
//! `struct menu`) so that the parser's actions (`menu_add_entry`, `menu_add_prop`, ...) and
//! `menu_finalize` can be mirrored one to one. Pointers become ids; linked lists stay linked lists
//! where the C code relinks them (the menu tree), and become `Vec`s where it only appends.

use rustc_hash::FxHashMap;

use crate::expr::Expr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        pub struct $name(pub u32);
        impl $name {
            /// The index of this id in its arena.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A symbol in [`Model::symbols`].
    SymbolId
);
id_type!(
    /// A menu node in [`Model::menus`].
    MenuId
);
id_type!(
    /// A property in [`Model::props`].
    PropId
);
id_type!(
    /// A Kconfig file in [`Model::files`].
    FileId
);

/// `enum symbol_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SymbolType {
    Unknown,
    Bool,
    Tristate,
    Int,
    Hex,
    String,
}

impl SymbolType {
    /// `sym_type_name`: the name conf prints in its messages.
    pub fn name(self) -> &'static str {
        match self {
            SymbolType::Unknown => "unknown",
            SymbolType::Bool => "bool",
            SymbolType::Tristate => "tristate",
            SymbolType::Int => "integer",
            SymbolType::Hex => "hex",
            SymbolType::String => "string",
        }
    }

    /// The keyword that declares the type in a Kconfig file.
    pub fn keyword(self) -> &'static str {
        match self {
            SymbolType::Int => "int",
            other => other.name(),
        }
    }
}

/// Symbol flags, the subset of `SYMBOL_*` in expr.h that the model needs.
pub mod flags {
    /// SYMBOL_CONST: a constant (`"foo"`, `y`, `m`, `n`).
    pub const CONST: u32 = 0x0001;
    /// SYMBOL_CHECK: set while checking for recursive dependencies.
    pub const CHECK: u32 = 0x0008;
    /// SYMBOL_CHOICE: the symbol of a `choice` block.
    pub const CHOICE: u32 = 0x0010;
    /// SYMBOL_CHOICEVAL: a member of a choice.
    pub const CHOICEVAL: u32 = 0x0020;
    /// SYMBOL_VALID: the cached value is up to date (evaluator).
    pub const VALID: u32 = 0x0080;
    /// SYMBOL_OPTIONAL: may be n even when visible (all configs; choices marked `optional`).
    pub const OPTIONAL: u32 = 0x0100;
    /// SYMBOL_WRITE: to be written to .config (evaluator).
    pub const WRITE: u32 = 0x0200;
    /// SYMBOL_CHANGED (evaluator).
    pub const CHANGED: u32 = 0x0400;
    /// SYMBOL_WRITTEN (conf_write).
    pub const WRITTEN: u32 = 0x0800;
    /// SYMBOL_NO_WRITE: never written (choice symbols).
    pub const NO_WRITE: u32 = 0x1000;
    /// SYMBOL_CHECKED: recursive-dependency check done.
    pub const CHECKED: u32 = 0x2000;
    /// SYMBOL_WARNED: menu_finalize has checked this symbol's properties.
    pub const WARNED: u32 = 0x8000;
    /// SYMBOL_DEF_USER: the user (a .config) gave a value.
    pub const DEF_USER: u32 = 0x10000;
    /// SYMBOL_DEF_AUTO
    pub const DEF_AUTO: u32 = 0x20000;
    /// SYMBOL_ALLNOCONFIG_Y: `option allnoconfig_y` (before 5.15).
    pub const ALLNOCONFIG_Y: u32 = 0x200000;
    /// SYMBOL_TRANS: a `transitional` symbol (7.0 and later).
    pub const TRANSITIONAL: u32 = 0x400000;
}

/// `enum prop_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PropKind {
    /// P_PROMPT: `prompt "text" [if expr]` or a prompt after a type.
    Prompt,
    /// P_COMMENT: the text of a `comment` entry.
    Comment,
    /// P_MENU: the text of a `menu` entry, `mainmenu`, or a menuconfig's prompt.
    Menu,
    /// P_DEFAULT: `default expr [if expr]`.
    Default,
    /// P_CHOICE: on a choice symbol, the list of its members; on a member, its choice.
    Choice,
    /// P_SELECT: `select SYM [if expr]`.
    Select,
    /// P_IMPLY: `imply SYM [if expr]`.
    Imply,
    /// P_RANGE: `range A B [if expr]`.
    Range,
    /// P_SYMBOL: where the symbol is defined (one per `config` entry).
    Symbol,
}

/// `struct property`: one property of a symbol (or the prompt of a menu/comment).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Property {
    pub kind: PropKind,
    /// The prompt text for Prompt, Comment and Menu.
    pub text: Option<String>,
    /// The property's expression (default value, selected symbol, range, choice list).
    pub expr: Option<Expr>,
    /// `prop->visible.expr`: the `if` condition, after menu_finalize the full dependency.
    pub visible: Option<Expr>,
    /// The menu entry the property was written in.
    pub menu: MenuId,
    pub file: FileId,
    pub line: u32,
}

/// `struct symbol`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Symbol {
    /// None for anonymous choices.
    pub name: Option<String>,
    pub ty: SymbolType,
    pub flags: u32,
    /// All properties of the symbol, in definition order (`sym->prop`).
    pub props: Vec<PropId>,
    /// `dir_dep`: the union of the dependencies of all its definitions.
    pub dir_dep: Option<Expr>,
    /// `rev_dep`: who selects it, and when.
    pub rev_dep: Option<Expr>,
    /// `implied`: who implies it, and when.
    pub implied: Option<Expr>,
    /// The menu entries that define it.
    pub menus: Vec<MenuId>,
    /// 6.11 and later: the choice whose member list holds this symbol (`choice_link`).
    pub choice_link: Option<MenuId>,
}

impl Symbol {
    fn new(name: Option<String>, flags: u32) -> Self {
        Symbol {
            name,
            ty: SymbolType::Unknown,
            flags,
            props: Vec::new(),
            dir_dep: None,
            rev_dep: None,
            implied: None,
            menus: Vec::new(),
            choice_link: None,
        }
    }

    /// `sym_is_choice`
    pub fn is_choice(&self) -> bool {
        self.flags & flags::CHOICE != 0
    }

    /// `sym_is_choice_value`
    pub fn is_choice_value(&self) -> bool {
        self.flags & flags::CHOICEVAL != 0
    }

    /// `sym_is_optional`
    pub fn is_optional(&self) -> bool {
        self.flags & flags::OPTIONAL != 0
    }

    /// Whether the symbol is a constant (`y`, `"foo"`, ...).
    pub fn is_const(&self) -> bool {
        self.flags & flags::CONST != 0
    }

    /// The name, or `<choice>` as conf prints anonymous choices.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("<choice>")
    }
}

/// What statement created a menu node. C keeps this implicit; it is explicit here for the
/// commands that print the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MenuKind {
    Root,
    Config,
    MenuConfig,
    Choice,
    Menu,
    Comment,
    If,
}

/// `struct menu`: one node of the menu tree.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Menu {
    pub kind: MenuKind,
    pub next: Option<MenuId>,
    pub parent: Option<MenuId>,
    /// The first child.
    pub list: Option<MenuId>,
    pub sym: Option<SymbolId>,
    pub prompt: Option<PropId>,
    /// `visible if` of a menu.
    pub visibility: Option<Expr>,
    /// `depends on` (and, after menu_finalize, the inherited dependencies).
    pub dep: Option<Expr>,
    pub help: Option<String>,
    pub file: FileId,
    pub line: u32,
    /// MENU_CHANGED / MENU_ROOT, used by front ends.
    pub flags: u32,
    /// 6.11 and later: the members of a choice, in order (`choice_members`).
    pub choice_members: Vec<SymbolId>,
}

/// A Kconfig file that was read, `struct file`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct File {
    /// The name as the `source` statement gave it (relative to srctree), as conf prints it.
    pub name: String,
    /// The file and line of the `source` statement that read it.
    pub included_from: Option<(FileId, u32)>,
}

/// Which namespace a name is looked up in (`sym_lookup` flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Namespace {
    Normal = 0,
    Const = 1,
    Choice = 2,
}

/// The fixed ids of the constant symbols that always exist.
pub const SYM_YES: SymbolId = SymbolId(0);
pub const SYM_MOD: SymbolId = SymbolId(1);
pub const SYM_NO: SymbolId = SymbolId(2);
pub const SYM_EMPTY: SymbolId = SymbolId(3);

/// The model of a whole Kconfig tree for one architecture.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Model {
    pub symbols: Vec<Symbol>,
    pub props: Vec<Property>,
    pub menus: Vec<Menu>,
    pub files: Vec<File>,
    /// The root menu (`rootmenu`).
    pub root: MenuId,
    /// The symbol marked `modules` (`modules_sym`); `n` when there is none.
    pub modules_sym: SymbolId,
    /// The symbol marked `option defconfig_list` (before 5.15).
    pub defconfig_list: Option<SymbolId>,
    /// Name to symbol, one map per namespace (normal, const, choice).
    names: [FxHashMap<String, SymbolId>; 3],
}

impl Default for Model {
    fn default() -> Self {
        Self::new()
    }
}

impl Model {
    /// An empty model with the constant symbols y, m, n and "" and the root menu.
    pub fn new() -> Self {
        let mut m = Model {
            symbols: Vec::with_capacity(20_000),
            props: Vec::with_capacity(60_000),
            menus: Vec::with_capacity(25_000),
            files: Vec::new(),
            root: MenuId(0),
            modules_sym: SYM_NO,
            defconfig_list: None,
            names: Default::default(),
        };
        for (name, ty) in [
            ("y", SymbolType::Tristate),
            ("m", SymbolType::Tristate),
            ("n", SymbolType::Tristate),
            ("", SymbolType::Unknown),
        ] {
            let mut s = Symbol::new(Some(name.to_string()), flags::CONST);
            s.ty = ty;
            if !name.is_empty() {
                s.flags |= flags::VALID;
            }
            m.symbols.push(s);
        }
        m.menus.push(Menu {
            kind: MenuKind::Root,
            next: None,
            parent: None,
            list: None,
            sym: None,
            prompt: None,
            visibility: None,
            dep: None,
            help: None,
            file: FileId(0),
            line: 0,
            flags: 0,
            choice_members: Vec::new(),
        });
        m
    }

    /// `sym_lookup(name, 0)`: the non-constant symbol of that name, created if new.
    /// `y`, `m` and `n` are always the constants.
    pub fn lookup(&mut self, name: &str) -> SymbolId {
        self.lookup_in(name, Namespace::Normal)
    }

    /// `sym_lookup(name, SYMBOL_CONST)`: a quoted constant.
    pub fn lookup_const(&mut self, name: &str) -> SymbolId {
        self.lookup_in(name, Namespace::Const)
    }

    /// `sym_lookup(name, SYMBOL_CHOICE)`: a choice symbol; `None` makes a new anonymous one.
    pub fn lookup_choice(&mut self, name: Option<&str>) -> SymbolId {
        match name {
            Some(n) => self.lookup_in(n, Namespace::Choice),
            None => self.push_symbol(Symbol::new(None, flags::CHOICE)),
        }
    }

    fn lookup_in(&mut self, name: &str, ns: Namespace) -> SymbolId {
        match name {
            "y" => return SYM_YES,
            "m" => return SYM_MOD,
            "n" => return SYM_NO,
            _ => {}
        }
        if let Some(id) = self.names[ns as usize].get(name) {
            return *id;
        }
        let fl = match ns {
            Namespace::Normal => 0,
            Namespace::Const => flags::CONST,
            Namespace::Choice => flags::CHOICE,
        };
        let id = self.push_symbol(Symbol::new(Some(name.to_string()), fl));
        self.names[ns as usize].insert(name.to_string(), id);
        id
    }

    fn push_symbol(&mut self, s: Symbol) -> SymbolId {
        let id = SymbolId(self.symbols.len() as u32);
        self.symbols.push(s);
        id
    }

    /// `sym_find`: the non-constant symbol of that name, if the tree mentions it.
    pub fn find(&self, name: &str) -> Option<SymbolId> {
        match name {
            "y" => return Some(SYM_YES),
            "m" => return Some(SYM_MOD),
            "n" => return Some(SYM_NO),
            _ => {}
        }
        self.names[Namespace::Normal as usize].get(name).copied()
    }

    pub fn sym(&self, id: SymbolId) -> &Symbol {
        &self.symbols[id.index()]
    }

    pub fn sym_mut(&mut self, id: SymbolId) -> &mut Symbol {
        &mut self.symbols[id.index()]
    }

    pub fn prop(&self, id: PropId) -> &Property {
        &self.props[id.index()]
    }

    pub fn prop_mut(&mut self, id: PropId) -> &mut Property {
        &mut self.props[id.index()]
    }

    pub fn menu(&self, id: MenuId) -> &Menu {
        &self.menus[id.index()]
    }

    pub fn menu_mut(&mut self, id: MenuId) -> &mut Menu {
        &mut self.menus[id.index()]
    }

    /// The name of a file, as conf prints it.
    pub fn file_name(&self, id: FileId) -> &str {
        &self.files[id.index()].name
    }

    /// Appends a new menu node; linking it into the tree is the caller's job.
    pub fn push_menu(&mut self, menu: Menu) -> MenuId {
        let id = MenuId(self.menus.len() as u32);
        self.menus.push(menu);
        id
    }

    /// Appends a property and, when the menu entry has a symbol, adds it to that symbol's
    /// property list (`menu_add_prop`).
    pub fn push_prop(&mut self, prop: Property) -> PropId {
        let id = PropId(self.props.len() as u32);
        let sym = self.menus[prop.menu.index()].sym;
        self.props.push(prop);
        if let Some(s) = sym {
            self.symbols[s.index()].props.push(id);
        }
        id
    }

    /// The children of a menu node, in order.
    pub fn children(&self, id: MenuId) -> MenuChildren<'_> {
        MenuChildren {
            model: self,
            next: self.menu(id).list,
        }
    }

    /// The children of a menu node given by reference (see [`Model::children`]).
    pub fn children_of(&self, menu: &Menu) -> MenuChildren<'_> {
        MenuChildren {
            model: self,
            next: menu.list,
        }
    }

    /// The properties of a symbol of one kind, in order.
    pub fn props_of(&self, sym: SymbolId, kind: PropKind) -> impl Iterator<Item = PropId> + '_ {
        self.sym(sym)
            .props
            .iter()
            .copied()
            .filter(move |p| self.prop(*p).kind == kind)
    }

    /// The prompts of a symbol: `prompt` (and type) prompts, and the prompt of a `menuconfig`
    /// entry, which the parser turns into P_MENU as parser.y does.
    pub fn prompts_of(&self, sym: SymbolId) -> impl Iterator<Item = PropId> + '_ {
        self.sym(sym)
            .props
            .iter()
            .copied()
            .filter(move |p| matches!(self.prop(*p).kind, PropKind::Prompt | PropKind::Menu))
    }

    /// `sym_get_choice_prop`: the P_CHOICE property of a choice or choice value.
    pub fn choice_prop(&self, sym: SymbolId) -> Option<PropId> {
        self.props_of(sym, PropKind::Choice).next()
    }

    /// The symbols defined with a type, excluding constants and choices (what conf writes about).
    pub fn config_symbols(&self) -> impl Iterator<Item = SymbolId> + '_ {
        self.symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| s.flags & (flags::CONST | flags::CHOICE) == 0 && !s.menus.is_empty())
            .map(|(i, _)| SymbolId(i as u32))
    }

    /// The number of non-constant, non-choice symbols that have at least one definition.
    pub fn defined_symbol_count(&self) -> usize {
        self.config_symbols().count()
    }
}

/// Iterator over the children of a menu node.
pub struct MenuChildren<'a> {
    model: &'a Model,
    next: Option<MenuId>,
}

impl Iterator for MenuChildren<'_> {
    type Item = MenuId;
    fn next(&mut self) -> Option<MenuId> {
        let cur = self.next?;
        self.next = self.model.menu(cur).next;
        Some(cur)
    }
}
