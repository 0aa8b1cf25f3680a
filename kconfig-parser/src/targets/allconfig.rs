//! `conf_set_all_new_symbols` (conf.c): the values allnoconfig, allyesconfig, allmodconfig,
//! alldefconfig, defconfig and randconfig give the symbols the input left unset, and
//! `conf_rewrite_tristates` for yes2modconfig and friends.

use super::rand::GlibcRand;
use super::TargetError;
use crate::eval::eflags::NEED_SET_CHOICE_VALUES;
use crate::eval::{Config, Tristate, Val};
use crate::model::{flags, MenuId, SymbolId, SymbolType};

/// `enum conf_def_mode`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefMode {
    Default,
    Yes,
    Mod,
    No,
    Random,
}

/// The probabilities of randconfig, in percent (`KCONFIG_PROBABILITY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probability {
    /// bool = y
    pub pby: i32,
    /// tristate = y
    pub pty: i32,
    /// tristate = m
    pub ptm: i32,
}

impl Default for Probability {
    fn default() -> Self {
        Probability {
            pby: 50,
            pty: 33,
            ptm: 33,
        }
    }
}

impl Probability {
    /// Parses `KCONFIG_PROBABILITY` as conf does: `y`, `y:m` (tristate) or `b:y:m`.
    pub fn parse(env: Option<&str>) -> Result<Self, TargetError> {
        let mut p = Probability::default();
        let Some(env) = env else {
            return Ok(p);
        };
        let bad = || TargetError::Probability(env.to_string());
        let mut vals = Vec::new();
        let mut rest = env;
        while !rest.is_empty() && vals.len() < 3 {
            let digits_end = strtol_end(rest);
            let v: i64 = if digits_end == 0 {
                0
            } else {
                rest[..digits_end].trim_start().parse().unwrap_or(-1)
            };
            if !(0..=100).contains(&v) {
                return Err(bad());
            }
            vals.push(v as i32);
            rest = &rest[digits_end..];
            // Without progress (no digits, no ':') C reads 0 until it has three values.
            if let Some(r) = rest.strip_prefix(':') {
                rest = r;
            }
        }
        match vals.as_slice() {
            [a] => {
                p.pby = *a;
                p.ptm = p.pby / 2;
                p.pty = p.pby - p.ptm;
            }
            [a, b] => {
                p.pty = *a;
                p.ptm = *b;
                p.pby = p.pty + p.ptm;
            }
            [a, b, c, ..] => {
                p.pby = *a;
                p.pty = *b;
                p.ptm = *c;
            }
            [] => {}
        }
        if p.pty + p.ptm > 100 {
            return Err(bad());
        }
        Ok(p)
    }
}

/// Where `strtol(s, &end, 10)` stops.
fn strtol_end(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i] == b' ' || (b'\t'..=b'\r').contains(&b[i])) {
        i += 1;
    }
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        0
    } else {
        i
    }
}

/// The random value of one bool or tristate symbol.
fn random_tristate(rng: &mut GlibcRand, p: Probability, ty: SymbolType) -> Tristate {
    let cnt = rng.next_i31() % 100;
    if ty == SymbolType::Tristate {
        if cnt < p.pty {
            Tristate::Yes
        } else if cnt < p.pty + p.ptm {
            Tristate::Mod
        } else {
            Tristate::No
        }
    } else if cnt < p.pby {
        Tristate::Yes
    } else {
        Tristate::No
    }
}

/// `randomize_choice_values` (6.1): a choice set to `y` gets one random member.
fn randomize_choice_values_61(cfg: &mut Config<'_>, rng: &mut GlibcRand, cs: SymbolId) -> bool {
    if cfg.sym_get_tristate_value(cs) != Tristate::Yes {
        return false;
    }
    let list = cfg.choice_list(cs);
    if list.is_empty() {
        return false;
    }
    let def = rng.next_i31() as usize % list.len();
    for (i, &s) in list.iter().enumerate() {
        if i == def {
            cfg.state_mut(s).def[0].tri = Tristate::Yes;
            cfg.state_mut(cs).def[0].val = Val::Sym(s);
        } else {
            cfg.state_mut(s).def[0].tri = Tristate::No;
        }
        cfg.set_flags(s, flags::DEF_USER);
        cfg.clear_flags(s, flags::VALID);
    }
    cfg.set_flags(cs, flags::DEF_USER);
    cfg.clear_flags(cs, flags::VALID);
    true
}

/// `randomize_choice_values` (6.11+): one random member without a user value gets `y`, with
/// the lowest priority (so a member set by KCONFIG_ALLCONFIG wins).
fn randomize_choice_values(cfg: &mut Config<'_>, rng: &mut GlibcRand, choice: MenuId) {
    let m = cfg.model();
    let entries: Vec<SymbolId> = cfg
        .menu_sub_entries(choice)
        .filter_map(|e| m.menu(e).sym)
        .collect();
    let mut cnt = entries.iter().filter(|s| !cfg.sym_has_value(**s)).count() as i32;
    while cnt > 0 {
        let mut x = rng.next_i31() % cnt;
        for &s in &entries {
            if !cfg.sym_has_value(s) {
                x -= 1;
            }
            if x < 0 {
                cfg.state_mut(s).def[0].tri = Tristate::Yes;
                cfg.set_flags(s, flags::DEF_USER);
                cfg.move_to_tail(choice, s);
                break;
            }
        }
        cnt -= 1;
    }
}

/// `conf_set_all_new_symbols(mode)`: gives every bool and tristate symbol without a value the
/// value of the mode, then settles choices. Returns `has_changed` (6.1; randconfig repeats
/// while it is true).
pub fn conf_set_all_new_symbols(
    cfg: &mut Config<'_>,
    mode: DefMode,
    prob: Probability,
    rng: &mut GlibcRand,
) -> bool {
    if cfg.new_choices() {
        set_all_new_symbols_612(cfg, mode, prob, rng);
        return false;
    }
    let order = cfg.table_order();
    let mut has_changed = false;
    for &s in order.iter() {
        if cfg.sym_has_value(s) || cfg.flags(s) & flags::VALID != 0 {
            continue;
        }
        let ty = cfg.model().sym(s).ty;
        if !matches!(cfg.sym_get_type(s), SymbolType::Bool | SymbolType::Tristate) {
            continue;
        }
        has_changed = true;
        let val = match mode {
            DefMode::Yes => Tristate::Yes,
            DefMode::Mod => Tristate::Mod,
            DefMode::No => Tristate::No,
            DefMode::Random => random_tristate(rng, prob, ty),
            DefMode::Default => continue,
        };
        cfg.state_mut(s).def[0].tri = val;
        if !(cfg.sym_is_choice(s) && mode == DefMode::Random) {
            cfg.set_flags(s, flags::DEF_USER);
        }
    }
    cfg.sym_clear_all_valid();

    // A choice whose value is y gets exactly one member set; a choice at m is left alone.
    if mode != DefMode::Random {
        for &s in order.iter() {
            if (cfg.sym_is_choice(s) && !cfg.sym_has_value(s)) || cfg.sym_is_choice_value(s) {
                cfg.set_flags(s, NEED_SET_CHOICE_VALUES);
            }
        }
    }
    for &cs in order.iter() {
        if cfg.sym_has_value(cs) || !cfg.sym_is_choice(cs) {
            continue;
        }
        cfg.sym_calc_value(cs);
        if mode == DefMode::Random {
            has_changed |= randomize_choice_values_61(cfg, rng, cs);
        } else {
            cfg.set_all_choice_values(cs);
            has_changed = true;
        }
    }
    has_changed
}

/// The 6.11+ `conf_set_all_new_symbols`: prompts in menu order, choices left to
/// `sym_calc_choice` (or randomized).
fn set_all_new_symbols_612(
    cfg: &mut Config<'_>,
    mode: DefMode,
    prob: Probability,
    rng: &mut GlibcRand,
) {
    let m = cfg.model();
    let entries: Vec<MenuId> = cfg.menu_sub_entries(m.root).collect();
    for menu in entries {
        let mm = m.menu(menu);
        let Some(s) = mm.sym else {
            continue;
        };
        let ty = m.sym(s).ty;
        if mm.prompt.is_none()
            || cfg.sym_has_value(s)
            || !matches!(ty, SymbolType::Bool | SymbolType::Tristate)
            || cfg.sym_is_choice_value(s)
        {
            continue;
        }
        if cfg.sym_is_choice(s) {
            if mode == DefMode::Random {
                randomize_choice_values(cfg, rng, menu);
            }
            continue;
        }
        let val = match mode {
            DefMode::Yes => Tristate::Yes,
            DefMode::Mod => Tristate::Mod,
            DefMode::No => Tristate::No,
            DefMode::Random => random_tristate(rng, prob, ty),
            DefMode::Default => continue,
        };
        cfg.state_mut(s).def[0].tri = val;
        cfg.set_flags(s, flags::DEF_USER);
    }
    cfg.sym_clear_all_valid();
}

/// `conf_rewrite_tristates(old, new)`: yes2modconfig, mod2yesconfig, mod2noconfig.
pub fn conf_rewrite_tristates(cfg: &mut Config<'_>, old: Tristate, new: Tristate) {
    let order = cfg.table_order();
    for &s in order.iter() {
        if cfg.sym_get_type(s) == SymbolType::Tristate && cfg.state(s).def[0].tri == old {
            cfg.state_mut(s).def[0].tri = new;
        }
    }
    cfg.sym_clear_all_valid();
}
