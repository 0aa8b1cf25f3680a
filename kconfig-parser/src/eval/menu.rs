//! The parts of menu.c that depend on values: `menu_is_visible`, and the traversals
//! (`menu_next`, `menu_for_each_sub_entry`) that conf's loops use.

use super::{Config, Tristate};
use crate::model::{flags, MenuId, Model};

/// `menu_next`: the next entry of a depth-first walk of the tree below `root` (`None` for the
/// whole tree).
pub fn menu_next(m: &Model, menu: MenuId, root: Option<MenuId>) -> Option<MenuId> {
    if let Some(l) = m.menu(menu).list {
        return Some(l);
    }
    let mut cur = menu;
    while Some(cur) != root && m.menu(cur).next.is_none() {
        cur = m.menu(cur).parent?;
    }
    if Some(cur) == root {
        return None;
    }
    m.menu(cur).next
}

/// The entries below a menu, depth first (`menu_for_each_sub_entry`).
pub struct SubEntries<'m> {
    model: &'m Model,
    root: MenuId,
    next: Option<MenuId>,
}

impl Iterator for SubEntries<'_> {
    type Item = MenuId;
    fn next(&mut self) -> Option<MenuId> {
        let cur = self.next?;
        self.next = menu_next(self.model, cur, Some(self.root));
        Some(cur)
    }
}

/// `menu_for_each_sub_entry(menu, root)`.
pub fn sub_entries(m: &Model, root: MenuId) -> SubEntries<'_> {
    SubEntries {
        model: m,
        root,
        next: menu_next(m, root, Some(root)),
    }
}

/// `menu_get_prompt`: the prompt text, else the symbol's name.
pub fn menu_get_prompt(m: &Model, menu: MenuId) -> Option<&str> {
    let mm = m.menu(menu);
    if let Some(p) = mm.prompt {
        return m.prop(p).text.as_deref();
    }
    mm.sym.and_then(|s| m.sym(s).name.as_deref())
}

impl<'m> Config<'m> {
    /// `menu_for_each_sub_entry(menu, root)` over this configuration's model.
    pub fn menu_sub_entries(&self, root: MenuId) -> SubEntries<'m> {
        sub_entries(self.model, root)
    }

    /// `menu_is_visible`: whether a menu entry would be shown. A symbol whose own prompt is
    /// hidden counts as visible when one of its children is (and, in 6.1, that marks the symbol
    /// as having a user value — a side effect of the C code that changes later results).
    pub fn menu_is_visible(&mut self, menu: MenuId) -> bool {
        let m = self.model;
        let mm = m.menu(menu);
        let Some(prompt) = mm.prompt else {
            return false;
        };
        if mm.visibility.is_some()
            && self.calc_node(self.plan.menu_visibility[menu.index()]) == Tristate::No
        {
            return false;
        }
        let visible = match mm.sym {
            Some(s) => {
                self.sym_calc_value(s);
                self.prop_vis[prompt.index()]
            }
            None => {
                let v = self.calc_node(self.plan.prop_visible[prompt.index()]);
                self.prop_vis[prompt.index()] = v;
                v
            }
        };
        if visible != Tristate::No {
            return true;
        }
        let Some(s) = mm.sym else {
            return false;
        };
        if self.sym_get_tristate_value(s) == Tristate::No {
            return false;
        }
        let mut child = mm.list;
        while let Some(c) = child {
            if self.menu_is_visible(c) {
                if !self.new_choices {
                    self.set_flags(s, flags::DEF_USER);
                }
                return true;
            }
            child = m.menu(c).next;
        }
        false
    }
}
