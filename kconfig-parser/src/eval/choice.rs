//! Choices. Before 6.11 a choice is a symbol whose value (`curr.val`) points to the chosen
//! member (`sym_calc_choice(sym)`, `sym_choice_default(sym)`, `set_all_choice_values`); from
//! 6.11 a choice is computed from its menu and the priority order of its members
//! (`sym_calc_choice(menu)`, `sym_choice_default(menu)`, `choice_set_value`).

use super::eflags::NEED_SET_CHOICE_VALUES;
use super::{Config, Tristate, Val};
use crate::model::{flags, MenuId, SymbolId};

impl Config<'_> {
    /// `sym_choice_default` (6.1): the first visible default of the choice, else its first
    /// visible member.
    pub fn sym_choice_default_61(&mut self, cs: SymbolId) -> Option<SymbolId> {
        let plan = std::sync::Arc::clone(&self.plan);
        for &p in plan.defaults.of(cs) {
            let vis = self.calc_node(self.plan.prop_visible[p.index()]);
            self.prop_vis[p.index()] = vis;
            if vis == Tristate::No {
                continue;
            }
            if let Some(def_sym) = self.prop_get_symbol(p) {
                if self.syms[def_sym.index()].visible != Tristate::No {
                    return Some(def_sym);
                }
            }
        }
        self.choice_list(cs)
            .iter()
            .copied()
            .find(|s| self.syms[s.index()].visible != Tristate::No)
    }

    /// `sym_calc_choice` (6.1): the chosen member of a choice whose value is `y`.
    pub(crate) fn sym_calc_choice_61(&mut self, cs: SymbolId) -> Option<SymbolId> {
        // First calculate all choice values' visibilities.
        let mut fl = self.flags(cs);
        for &member in self.choice_list(cs) {
            self.sym_calc_visibility(member);
            if self.syms[member.index()].visible != Tristate::No {
                fl &= self.flags(member);
            }
        }
        self.sflags[cs.index()] &= fl | !flags::DEF_USER;

        // Is the user choice visible?
        if let Val::Sym(def_sym) = self.syms[cs.index()].def[0].val {
            if self.syms[def_sym.index()].visible != Tristate::No {
                return Some(def_sym);
            }
        }
        let def_sym = self.sym_choice_default_61(cs);
        if def_sym.is_none() {
            // No choice? Reset the tristate value.
            self.syms[cs.index()].curr.tri = Tristate::No;
        }
        def_sym
    }

    /// `set_all_choice_values` (6.1, confdata.c): members without a user value become `n`, and
    /// the choice is recomputed on its next use.
    pub(crate) fn set_all_choice_values(&mut self, cs: SymbolId) {
        for &member in self.choice_list(cs) {
            if !self.sym_has_value(member) {
                self.syms[member.index()].def[0].tri = Tristate::No;
            }
        }
        self.set_flags(cs, flags::DEF_USER);
        self.clear_flags(cs, flags::VALID | NEED_SET_CHOICE_VALUES);
    }

    /// `sym_choice_default` (6.11+): the first visible default of the choice, else the first
    /// visible entry of the choice menu.
    pub fn sym_choice_default(&mut self, choice: MenuId) -> Option<SymbolId> {
        let m = self.model;
        let cs = m.menu(choice).sym?;
        let plan = std::sync::Arc::clone(&self.plan);
        for &p in plan.defaults.of(cs) {
            let vis = self.calc_node(self.plan.prop_visible[p.index()]);
            self.prop_vis[p.index()] = vis;
            if vis == Tristate::No {
                continue;
            }
            if let Some(def_sym) = self.prop_get_symbol(p) {
                if self.syms[def_sym.index()].visible != Tristate::No {
                    return Some(def_sym);
                }
            }
        }
        self.menu_sub_entries(choice)
            .filter_map(|menu| m.menu(menu).sym)
            .find(|s| self.syms[s.index()].visible != Tristate::No)
    }

    /// `sym_calc_choice` (6.11+): picks the member that is `y` and sets every visible member's
    /// value, in the priority order of `choice_members`.
    pub fn sym_calc_choice(&mut self, choice: MenuId) -> Option<SymbolId> {
        let m = self.model;
        let members = self.choice_members(choice).to_vec();
        let mut res = None;
        // The first visible symbol with the user value 'y'.
        for &s in &members {
            self.sym_calc_visibility(s);
            if self.syms[s.index()].visible == Tristate::No {
                continue;
            }
            if self.sym_has_value(s) && self.syms[s.index()].def[0].tri == Tristate::Yes {
                res = Some(s);
                break;
            }
        }
        // Else the default, unless it was explicitly set to 'n'.
        if res.is_none() {
            res = self.sym_choice_default(choice);
            if let Some(r) = res {
                if self.sym_has_value(r) && self.syms[r.index()].def[0].tri == Tristate::No {
                    res = None;
                }
            }
        }
        // Else the first visible symbol without a user value.
        if res.is_none() {
            res = self
                .menu_sub_entries(choice)
                .filter_map(|menu| m.menu(menu).sym)
                .find(|s| self.syms[s.index()].visible != Tristate::No && !self.sym_has_value(*s));
        }
        // Else the least prioritised 'n'.
        if res.is_none() {
            res = members
                .iter()
                .rev()
                .copied()
                .find(|s| self.syms[s.index()].visible != Tristate::No);
        }
        let entries: Vec<SymbolId> = self
            .menu_sub_entries(choice)
            .filter_map(|menu| m.menu(menu).sym)
            .collect();
        for s in entries {
            if self.syms[s.index()].visible == Tristate::No {
                continue;
            }
            let val = if Some(s) == res {
                Tristate::Yes
            } else {
                Tristate::No
            };
            self.syms[s.index()].curr.tri = val;
            self.set_flags(s, flags::VALID | flags::WRITE);
        }
        res
    }

    /// `choice_set_value` (6.11+): the user picks `sym` in the choice; every visible member gets
    /// a user value and moves to the head of the priority list.
    pub fn choice_set_value(&mut self, choice: MenuId, sym: SymbolId) {
        let m = self.model;
        let mut changed = false;
        let entries: Vec<SymbolId> = self
            .menu_sub_entries(choice)
            .filter_map(|menu| m.menu(menu).sym)
            .collect();
        for s in entries {
            if self.syms[s.index()].visible == Tristate::No {
                continue;
            }
            let val = if s == sym {
                Tristate::Yes
            } else {
                Tristate::No
            };
            if self.syms[s.index()].curr.tri != val {
                changed = true;
            }
            self.syms[s.index()].def[0].tri = val;
            self.set_flags(s, flags::DEF_USER);
            self.move_to_head(choice, s);
        }
        if changed {
            self.sym_clear_all_valid();
        }
    }

    /// `list_move(&sym->choice_link, &choice->choice_members)`.
    pub(crate) fn move_to_head(&mut self, choice: MenuId, s: SymbolId) {
        let list = self.choice_members_mut(choice);
        if let Some(i) = list.iter().position(|x| *x == s) {
            list.remove(i);
            list.insert(0, s);
        }
    }

    /// `list_move_tail(&sym->choice_link, &choice->choice_members)`.
    pub(crate) fn move_to_tail(&mut self, choice: MenuId, s: SymbolId) {
        let list = self.choice_members_mut(choice);
        if let Some(i) = list.iter().position(|x| *x == s) {
            list.remove(i);
            list.push(s);
        }
    }
}
