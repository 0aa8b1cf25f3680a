//! `check_conf` (conf.c) for listnewconfig: the visible, changeable symbols the input did not
//! set.

use crate::confdata::print_listconfig;
use crate::eval::{Config, Tristate};
use crate::model::MenuId;

/// `check_conf(menu)` in listnewconfig mode: appends a `CONFIG_X=value` line to `out` for each
/// new symbol, depth first.
pub fn check_conf(cfg: &mut Config<'_>, menu: MenuId, out: &mut String) {
    if !cfg.menu_is_visible(menu) {
        return;
    }
    let m = cfg.model();
    if let Some(s) = m.menu(menu).sym {
        let new_sym = !cfg.sym_has_value(s)
            && (cfg.sym_is_changeable(s)
                || (!cfg.new_choices()
                    && cfg.sym_is_choice(s)
                    && cfg.sym_get_tristate_value(s) == Tristate::Yes));
        if new_sym && m.sym(s).name.is_some() {
            print_listconfig(cfg, out, s);
        }
    }
    let mut child = m.menu(menu).list;
    while let Some(c) = child {
        check_conf(cfg, c, out);
        child = m.menu(c).next;
    }
}
