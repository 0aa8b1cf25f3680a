//! Why a symbol has its value in an evaluated configuration: its provenance.
//!
//! `sym_calc_value` (symbol.c) decides a bool or tristate value from, in order: the user's
//! value (`def[S_DEF_USER]`) when a prompt is visible, else the first active `default` raised by
//! `imply` and limited by the direct dependencies; then `select` raises the result. Strings and
//! numbers take the user's value when visible, else the active default, then the `range`
//! clamps it. A choice member is `y` when its choice picks it. [`provenance`] records each of
//! these inputs as the evaluator saw them, with the value of every symbol an expression names
//! (printed as conf prints "unmet direct dependencies": `A [=y] && B [=n]`), and names the
//! input that decided the value ([`Source`]). `ktailor drift` compares two provenances to
//! explain a change; `ktailor explain` prints one.

use kconfig_parser::eval::{tri_str, Config, Tristate, Val};
use kconfig_parser::expr::Expr;
use kconfig_parser::expr_print::{expr_gstr_print, expr_to_string, Gstr};
use kconfig_parser::model::{flags, Model, PropId, PropKind, SymbolId, SymbolType};

/// What decided a symbol's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The tree has no `config` entry for the symbol.
    Undefined,
    /// The user's value (from the .config read), within what the prompts allow.
    User,
    /// A choice picked (or did not pick) this member.
    Choice,
    /// A `select` forced the value up.
    Selected,
    /// An `imply` raised the default.
    Implied,
    /// The first active `default`.
    Default,
    /// Nothing: no usable user value, no active default, no select (`n`, or empty).
    NoValue,
}

impl Source {
    /// Whether the user decided the value (as opposed to the tree computing it).
    pub fn is_user(self) -> bool {
        self == Source::User
    }

    /// A short phrase: "set by the user", "selected", ...
    pub fn phrase(self) -> &'static str {
        match self {
            Source::Undefined => "not defined by the tree",
            Source::User => "set by the user",
            Source::Choice => "decided by its choice",
            Source::Selected => "selected",
            Source::Implied => "implied",
            Source::Default => "computed from its default",
            Source::NoValue => "computed: no value applies",
        }
    }
}

/// A tristate as `n`, `m` or `y`.
fn ser_tri<S: serde::Serializer>(t: &Tristate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tri_str(*t))
}

/// An expression as the evaluator saw it: printed with the value of each symbol, its value,
/// and the values of the symbols it names (for comparing two configurations).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Condition {
    /// The expression as conf prints it (`A && (B || !C)`).
    pub expr: String,
    /// The expression with values, as conf's "unmet direct dependencies" warning prints it.
    pub with_values: String,
    /// The expression's tristate value.
    #[serde(serialize_with = "ser_tri")]
    pub value: Tristate,
    /// Each typed, non-constant symbol it names, with its value (`sym_get_string_value`).
    pub symbols: Vec<(String, String)>,
}

/// One prompt of the symbol, and whether it is visible.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Prompt {
    /// The prompt's text.
    pub text: String,
    /// Its condition (`prop->visible`, menu dependencies included); `None` is always visible.
    pub condition: Option<Condition>,
    /// The prompt's visibility (`prop->visible.tri`).
    #[serde(serialize_with = "ser_tri")]
    pub visible: Tristate,
}

/// One `select` or `imply` of the symbol by another.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reverse {
    /// The symbol that selects or implies.
    pub by: String,
    /// The property's condition (the selector's dependencies and the `if`).
    pub condition: Option<Condition>,
    /// The term's value: the selector's value limited by the condition.
    #[serde(serialize_with = "ser_tri")]
    pub value: Tristate,
    /// Where the `select`/`imply` line is (`file:line`).
    pub location: Option<String>,
}

/// The default property that applies.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DefaultUsed {
    /// The default's expression as written (`y`, `FOO`, `"text"`, `0x1000`).
    pub expr: String,
    /// What it evaluates to (a tristate, or the text of the symbol it names).
    pub value: String,
    /// The typed symbols its expression names, with their values.
    pub reads: Vec<(String, String)>,
    /// Its `if` condition (with inherited dependencies); `None` when unconditional.
    pub condition: Option<Condition>,
    /// `file:line` of the `default` line.
    pub location: String,
}

/// How a choice decided.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChoiceInfo {
    /// The choice's prompt (or name).
    pub prompt: String,
    /// The member that is `y`, if any.
    pub chosen: Option<String>,
    /// Whether the user picked it (else the choice's default or first visible member).
    pub by_user: bool,
}

/// Everything that went into one symbol's value in one configuration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    /// The symbol's name (without `CONFIG_`).
    pub name: String,
    /// Its declared type.
    pub ty: SymbolType,
    /// Its value (`sym_get_string_value`).
    pub value: String,
    /// Whether conf writes it to .config (SYMBOL_WRITE).
    pub written: bool,
    /// What decided the value.
    pub source: Source,
    /// The user's value, when the configuration read gave one (used or not).
    pub user: Option<String>,
    /// The upper bound the prompts allow (`sym->visible`).
    #[serde(serialize_with = "ser_tri")]
    pub visible: Tristate,
    /// The prompts.
    pub prompts: Vec<Prompt>,
    /// The direct dependencies (`dir_dep`), if any.
    pub depends: Option<Condition>,
    /// The `select`s of this symbol whose term is not `n`.
    pub selected_by: Vec<Reverse>,
    /// The `imply`s of this symbol whose term is not `n`.
    pub implied_by: Vec<Reverse>,
    /// The first active default, whether or not it decided the value.
    pub default: Option<DefaultUsed>,
    /// The choice this symbol is a member of.
    pub choice: Option<ChoiceInfo>,
    /// The active `range`, when it changed the value (`[min max]`).
    pub clamped_by: Option<String>,
    /// Where the symbol is defined (`file:line`, one per definition).
    pub locations: Vec<String>,
}

impl Provenance {
    /// The provenance of a name the tree does not define.
    pub fn undefined(name: &str) -> Self {
        Provenance {
            name: name.to_string(),
            ty: SymbolType::Unknown,
            value: String::new(),
            written: false,
            source: Source::Undefined,
            user: None,
            visible: Tristate::No,
            prompts: Vec::new(),
            depends: None,
            selected_by: Vec::new(),
            implied_by: Vec::new(),
            default: None,
            choice: None,
            clamped_by: None,
            locations: Vec::new(),
        }
    }

    /// Whether the tree defines the symbol.
    pub fn defined(&self) -> bool {
        self.source != Source::Undefined
    }

    /// The value as a .config line would hold it, or `None` when conf does not write the
    /// symbol. `n` stands for `# CONFIG_X is not set`, as scripts/diffconfig reads it; strings
    /// are quoted and escaped.
    pub fn config_value(&self) -> Option<String> {
        if !self.written {
            return None;
        }
        Some(match self.ty {
            SymbolType::String => kconfig_parser::confdata::escape_string_value(&self.value),
            _ => self.value.clone(),
        })
    }
}

/// `file:line`
fn location(m: &Model, file: kconfig_parser::model::FileId, line: u32) -> String {
    format!("{}:{line}", m.file_name(file))
}

/// An expression with the values of a configuration.
pub fn condition(cfg: &mut Config<'_>, e: &Expr) -> Condition {
    let m = cfg.model();
    let value = cfg.expr_calc_value(Some(e));
    let mut gs = Gstr::new();
    let snapshot = &*cfg;
    let val = |s: SymbolId| snapshot.sym_get_string_value(s).to_string();
    expr_gstr_print(m, Some(e), &mut gs, &val);
    let symbols = symbol_values(snapshot, e);
    Condition {
        expr: expr_to_string(m, Some(e)),
        with_values: gs.s,
        value,
        symbols,
    }
}

/// The typed, named, non-constant symbols an expression names, with their current values.
fn symbol_values(cfg: &Config<'_>, e: &Expr) -> Vec<(String, String)> {
    let m = cfg.model();
    e.symbols()
        .into_iter()
        .filter(|s| {
            let sym = m.sym(*s);
            !sym.is_const() && sym.ty != SymbolType::Unknown && sym.name.is_some()
        })
        .map(|s| {
            (
                m.sym(s).display_name().to_string(),
                cfg.sym_get_string_value(s).to_string(),
            )
        })
        .collect()
}

/// The terms of a reverse dependency (`rev_dep`, `implied`): menu_finalize builds it as
/// `A && depA || B && depB ...`, one term per `select`/`imply`, the selector first.
fn reverse_terms(e: &Expr, out: &mut Vec<(SymbolId, Option<Expr>)>) {
    match e {
        Expr::Or(a, b) => {
            reverse_terms(a, out);
            reverse_terms(b, out);
        }
        Expr::And(a, b) => match a.as_ref() {
            Expr::Symbol(s) => out.push((*s, Some(b.as_ref().clone()))),
            _ => {
                // Not a shape menu_finalize writes; keep the term whole.
                let mut first = Vec::new();
                a.for_each_symbol(&mut |s| first.push(s));
                if let Some(s) = first.first() {
                    out.push((*s, Some(e.clone())));
                }
            }
        },
        Expr::Symbol(s) => out.push((*s, None)),
        other => {
            let mut syms = Vec::new();
            other.for_each_symbol(&mut |s| syms.push(s));
            if let Some(s) = syms.first() {
                out.push((*s, Some(other.clone())));
            }
        }
    }
}

/// The active terms of `rev_dep` (select) or `implied` (imply).
fn active_reverse(cfg: &mut Config<'_>, s: SymbolId, kind: PropKind) -> Vec<Reverse> {
    let m = cfg.model();
    let e = match kind {
        PropKind::Select => m.sym(s).rev_dep.as_ref(),
        _ => m.sym(s).implied.as_ref(),
    };
    let Some(e) = e else {
        return Vec::new();
    };
    let mut terms = Vec::new();
    reverse_terms(e, &mut terms);
    let mut out = Vec::new();
    for (by, cond) in terms {
        cfg.sym_calc_value(by);
        let mut value = cfg.sym_get_tristate_value(by);
        let condition = cond.as_ref().map(|c| condition(cfg, c));
        if let Some(c) = &condition {
            value = value.min(c.value);
        }
        if value == Tristate::No {
            continue;
        }
        // The line of the select in the selector's definition.
        let location = m
            .props_of(by, kind)
            .find(|p| matches!(m.prop(*p).expr, Some(Expr::Symbol(t)) if t == s))
            .map(|p| location(m, m.prop(p).file, m.prop(p).line));
        out.push(Reverse {
            by: m.sym(by).display_name().to_string(),
            condition,
            value,
            location,
        });
    }
    out
}

/// The default that applies, with what it evaluates to.
fn active_default(cfg: &mut Config<'_>, s: SymbolId) -> Option<DefaultUsed> {
    let m = cfg.model();
    let p: PropId = cfg.sym_get_default_prop(s)?;
    let prop = m.prop(p);
    let value = match m.sym(s).ty {
        SymbolType::Bool | SymbolType::Tristate => {
            let v = cfg.expr_calc_value(prop.expr.as_ref());
            tri_str(v.min(cfg.prop_visible(p))).to_string()
        }
        _ => match cfg.prop_get_symbol(p) {
            Some(ds) => {
                cfg.sym_calc_value(ds);
                cfg.sym_get_string_value(ds).to_string()
            }
            None => String::new(),
        },
    };
    let condition = prop.visible.as_ref().map(|c| condition(cfg, c));
    let reads = prop
        .expr
        .as_ref()
        .map(|e| symbol_values(cfg, e))
        .unwrap_or_default();
    Some(DefaultUsed {
        expr: expr_to_string(m, prop.expr.as_ref()),
        value,
        reads,
        condition,
        location: location(m, prop.file, prop.line),
    })
}

/// The choice a member belongs to and what it picked (6.1 and 6.11+ rules).
fn choice_info(cfg: &mut Config<'_>, s: SymbolId) -> Option<ChoiceInfo> {
    let m = cfg.model();
    let (choice_sym, members): (SymbolId, Vec<SymbolId>) = if cfg.new_choices() {
        let menu = cfg.sym_get_choice_menu(s)?;
        (m.menu(menu).sym?, m.menu(menu).choice_members.clone())
    } else {
        let cs = cfg.choice_symbol_of(s)?;
        (cs, cfg.choice_list(cs).to_vec())
    };
    cfg.sym_calc_value(choice_sym);
    let mut chosen = None;
    for &member in &members {
        cfg.sym_calc_value(member);
        if cfg.sym_get_tristate_value(member) == Tristate::Yes {
            chosen = Some(member);
            break;
        }
    }
    let by_user = chosen.is_some_and(|c| {
        if cfg.new_choices() {
            cfg.sym_has_value(c) && cfg.state(c).def[0].tri == Tristate::Yes
        } else {
            matches!(cfg.state(choice_sym).def[0].val, Val::Sym(d) if d == c)
        }
    });
    let prompt = m
        .sym(choice_sym)
        .menus
        .iter()
        .find_map(|menu| m.menu(*menu).prompt)
        .and_then(|p| m.prop(p).text.clone())
        .unwrap_or_else(|| m.sym(choice_sym).display_name().to_string());
    Some(ChoiceInfo {
        prompt,
        chosen: chosen.map(|c| m.sym(c).display_name().to_string()),
        by_user,
    })
}

/// The provenance of one symbol's value in `cfg` (computing it first if needed).
pub fn provenance(cfg: &mut Config<'_>, s: SymbolId) -> Provenance {
    let m = cfg.model();
    let sym = m.sym(s);
    let name = sym.display_name().to_string();
    if sym.menus.is_empty() || sym.is_const() {
        return Provenance::undefined(&name);
    }
    cfg.sym_calc_value(s);
    let st = cfg.state(s).clone();
    let has_user = cfg.sym_has_value(s);
    let ty = sym.ty;
    let user = has_user.then(|| match ty {
        SymbolType::Bool | SymbolType::Tristate => tri_str(st.def[0].tri).to_string(),
        _ => cfg.val_str(&st.def[0].val).to_string(),
    });
    let mut prompts = Vec::new();
    for p in m.prompts_of(s) {
        let prop = m.prop(p);
        let condition = prop.visible.as_ref().map(|c| condition(cfg, c));
        prompts.push(Prompt {
            text: prop.text.clone().unwrap_or_default(),
            visible: condition.as_ref().map_or(Tristate::Yes, |c| c.value),
            condition,
        });
    }
    let depends = sym.dir_dep.as_ref().map(|e| condition(cfg, e));
    let selected_by = active_reverse(cfg, s, PropKind::Select);
    let implied_by = active_reverse(cfg, s, PropKind::Imply);
    let default = active_default(cfg, s);
    let choice = if cfg.sym_is_choice_value(s) {
        choice_info(cfg, s)
    } else {
        None
    };
    let value = cfg.sym_get_string_value(s).to_string();
    let user_usable = has_user && st.visible != Tristate::No;
    let (source, clamped_by) = match ty {
        SymbolType::Bool | SymbolType::Tristate => (
            tristate_source(&st, user_usable, choice.is_some(), &default, cfg),
            None,
        ),
        _ => {
            let candidate = if user_usable {
                user.clone()
            } else {
                default.as_ref().map(|d| d.value.clone())
            };
            let clamped = match (&candidate, cfg.sym_get_range_prop(s)) {
                (Some(c), Some(r)) if *c != value => {
                    Some(expr_to_string(m, m.prop(r).expr.as_ref()))
                }
                _ => None,
            };
            let source = if user_usable {
                Source::User
            } else if default.is_some() {
                Source::Default
            } else {
                Source::NoValue
            };
            (source, clamped)
        }
    };
    let locations = sym
        .menus
        .iter()
        .map(|menu| location(m, m.menu(*menu).file, m.menu(*menu).line))
        .collect();
    Provenance {
        name,
        ty,
        value,
        written: cfg.flags(s) & flags::WRITE != 0,
        source,
        user,
        visible: st.visible,
        prompts,
        depends,
        selected_by,
        implied_by,
        default,
        choice,
        clamped_by,
        locations,
    }
}

/// Which input of `calc_tristate` (and the choice rules) gave a bool or tristate its value.
fn tristate_source(
    st: &kconfig_parser::eval::SymState,
    user_usable: bool,
    in_choice: bool,
    default: &Option<DefaultUsed>,
    cfg: &Config<'_>,
) -> Source {
    let value = st.curr.tri;
    // 6.1 computes a choice member visible as `y` by the choice; 6.11+ every member.
    if in_choice && (cfg.new_choices() || st.visible == Tristate::Yes) {
        return Source::Choice;
    }
    if st.rev_dep != Tristate::No && st.rev_dep >= value {
        let base = if user_usable {
            st.def[0].tri.min(st.visible)
        } else {
            Tristate::No
        };
        if base < st.rev_dep || !user_usable {
            return Source::Selected;
        }
    }
    if user_usable {
        return Source::User;
    }
    let def = default
        .as_ref()
        .map_or(Tristate::No, |d| match d.value.as_str() {
            "y" => Tristate::Yes,
            "m" => Tristate::Mod,
            _ => Tristate::No,
        });
    if st.implied != Tristate::No && st.implied > def && value != Tristate::No {
        return Source::Implied;
    }
    if def != Tristate::No && value != Tristate::No {
        return Source::Default;
    }
    if default.is_some() && value == Tristate::No {
        // An active default that evaluates to n still decided the value.
        return Source::Default;
    }
    Source::NoValue
}

mod text;
pub use text::{choice_text, default_text, reverse_text};

#[cfg(test)]
mod tests;
