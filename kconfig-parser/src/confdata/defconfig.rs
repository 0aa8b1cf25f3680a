//! `conf_write_defconfig`: the minimal configuration savedefconfig writes, with every value
//! that equals its default left out.

use super::write::{print_symbol, OutputN};
use super::{ConfEnv, ConfError};
use crate::eval::{Config, Tristate};
use crate::model::{flags, MenuId, SymbolType};

/// The text `conf_write_defconfig` writes.
pub fn defconfig_text(cfg: &mut Config<'_>) -> String {
    let m = cfg.model();
    let new = cfg.new_choices();
    let mut out = String::with_capacity(16 * 1024);
    cfg.sym_clear_all_valid();
    // Traverse all menus to find all relevant symbols (6.1: the loop of conf_write_defconfig;
    // 6.11+: menu_for_each_entry; they visit the same entries in the same order).
    let mut cur: Option<MenuId> = m.menu(m.root).list;
    while let Some(menu) = cur {
        match m.menu(menu).sym {
            None => {
                // 6.1 asks for the menu's visibility (for its side effects only).
                if !new {
                    cfg.menu_is_visible(menu);
                }
            }
            Some(s) if !cfg.sym_is_choice(s) => print_if_not_default(cfg, &mut out, s, new),
            Some(_) => {}
        }
        cur = crate::eval::menu_next(m, menu, Some(m.root));
    }
    out
}

/// The body of the loop for one symbol: skip it if it is not written, cannot be changed, is at
/// its default, or is the default member of its choice.
fn print_if_not_default(
    cfg: &mut Config<'_>,
    out: &mut String,
    s: crate::model::SymbolId,
    new: bool,
) {
    cfg.sym_calc_value(s);
    if cfg.flags(s) & flags::WRITE == 0 {
        return;
    }
    cfg.clear_flags(s, flags::WRITE);
    if !cfg.sym_is_changeable(s) {
        return;
    }
    let default = cfg.sym_get_string_default(s);
    if cfg.sym_get_string_value(s) == default {
        return;
    }
    if new {
        if let Some(choice) = cfg.sym_get_choice_menu(s) {
            let ds = cfg.sym_choice_default(choice);
            if ds == Some(s) && cfg.sym_get_tristate_value(s) == Tristate::Yes {
                return;
            }
        }
    } else if cfg.sym_is_choice_value(s) {
        // A choice value equal to the choice's default is skipped, if it is a bool set to y
        // and the choice is not optional.
        if let Some(cs) = cfg.choice_symbol_of(s) {
            let ds = cfg.sym_choice_default_61(cs);
            if !cfg.sym_is_optional(cs)
                && ds == Some(s)
                && cfg.model().sym(s).ty == SymbolType::Bool
                && cfg.sym_get_tristate_value(s) == Tristate::Yes
            {
                return;
            }
        }
    }
    print_symbol(cfg, out, s, OutputN::AsUnset, true);
}

/// `conf_write_defconfig(filename)`: writes the minimal configuration (atomically).
pub fn conf_write_defconfig(
    cfg: &mut Config<'_>,
    env: &mut ConfEnv,
    filename: &str,
) -> Result<String, ConfError> {
    let text = defconfig_text(cfg);
    let path = env.path(filename);
    env.write_file(&path, text.as_bytes())?;
    Ok(text)
}
