//! Changing values: `sym_set_tristate_value`, `sym_set_string_value`, the range checks they
//! make, `sym_clear_all_valid`, and `sym_get_string_default` (what savedefconfig compares with).

use std::sync::Arc;

use super::cnum::strtoll;
use super::{expr_and, expr_or, tri_str, Config, Tristate, Val};
use crate::finalize::string_valid;
use crate::model::{flags, SymbolId, SymbolType};

impl Config<'_> {
    /// `sym_clear_all_valid`: every value will be recomputed; the modules symbol first.
    pub fn sym_clear_all_valid(&mut self) {
        for i in self.table_symbols() {
            self.sflags[i as usize] &= !flags::VALID;
        }
        self.invalidate_exprs();
        self.conf_set_changed(true);
        let modules = self.model.modules_sym;
        self.sym_calc_value(modules);
    }

    /// `sym_tristate_within_range`: whether the user may set `val`.
    pub fn sym_tristate_within_range(&self, s: SymbolId, val: Tristate) -> bool {
        let ty = self.sym_get_type(s);
        let st = &self.syms[s.index()];
        if st.visible == Tristate::No {
            return false;
        }
        if ty != SymbolType::Bool && ty != SymbolType::Tristate {
            return false;
        }
        if ty == SymbolType::Bool && val == Tristate::Mod {
            return false;
        }
        if st.visible <= st.rev_dep {
            return false;
        }
        if !self.new_choices && self.sym_is_choice_value(s) && st.visible == Tristate::Yes {
            return val == Tristate::Yes;
        }
        val >= st.rev_dep && val <= st.visible
    }

    /// `sym_set_tristate_value`: sets the user value of a bool or tristate symbol, if it is
    /// within range; recomputes everything when the value changes.
    pub fn sym_set_tristate_value(&mut self, s: SymbolId, val: Tristate) -> bool {
        let oldval = self.sym_get_tristate_value(s);
        if self.new_choices {
            if !self.sym_tristate_within_range(s, val) {
                return false;
            }
            if self.sflags[s.index()] & flags::DEF_USER == 0
                || self.syms[s.index()].def[0].tri != val
            {
                self.syms[s.index()].def[0].tri = val;
                self.sflags[s.index()] |= flags::DEF_USER;
            }
            if oldval != val {
                self.sym_clear_all_valid();
            }
            return true;
        }
        if oldval != val && !self.sym_tristate_within_range(s, val) {
            return false;
        }
        self.set_flags(s, flags::DEF_USER | flags::CHANGED);
        // Setting a choice value also resets the new flag of the choice symbol and all other
        // choice values.
        if self.sym_is_choice_value(s) && val == Tristate::Yes {
            if let Some(cs) = self.choice_symbol_of(s) {
                self.syms[cs.index()].def[0].val = Val::Sym(s);
                self.set_flags(cs, flags::DEF_USER);
                for &member in self.choice_list(cs) {
                    if self.syms[member.index()].visible != Tristate::No {
                        self.sflags[member.index()] |= flags::DEF_USER;
                    }
                }
            }
        }
        self.syms[s.index()].def[0].tri = val;
        if oldval != val {
            self.sym_clear_all_valid();
        }
        true
    }

    /// `sym_string_valid`: whether `s` is a valid value for the symbol's type.
    pub fn sym_string_valid(&self, s: SymbolId, val: &str) -> bool {
        string_valid(self.model.sym(s).ty, val)
    }

    /// `sym_string_within_range`: valid and within the active range (for int and hex), or a
    /// tristate the user may set.
    pub fn sym_string_within_range(&mut self, s: SymbolId, val: &str) -> bool {
        let ty = self.model.sym(s).ty;
        match ty {
            SymbolType::String => self.sym_string_valid(s, val),
            SymbolType::Int | SymbolType::Hex => {
                if !self.sym_string_valid(s, val) {
                    return false;
                }
                let Some(p) = self.sym_get_range_prop(s) else {
                    return true;
                };
                let Some((lo, hi)) = self.range_bounds(p) else {
                    return true;
                };
                let base = if ty == SymbolType::Int { 10 } else { 16 };
                let v = strtoll(val.as_bytes(), base).value;
                v >= self.sym_get_range_val(lo, base) && v <= self.sym_get_range_val(hi, base)
            }
            SymbolType::Bool | SymbolType::Tristate => match val.as_bytes().first() {
                Some(b'y' | b'Y') => self.sym_tristate_within_range(s, Tristate::Yes),
                Some(b'm' | b'M') => self.sym_tristate_within_range(s, Tristate::Mod),
                Some(b'n' | b'N') => self.sym_tristate_within_range(s, Tristate::No),
                _ => false,
            },
            SymbolType::Unknown => false,
        }
    }

    /// `sym_set_string_value`: sets the user value from text (`y`/`m`/`n` for bool and
    /// tristate; hex values get a `0x` prefix), if valid and within range.
    pub fn sym_set_string_value(&mut self, s: SymbolId, newval: &str) -> bool {
        match self.model.sym(s).ty {
            SymbolType::Bool | SymbolType::Tristate => {
                return match newval.as_bytes().first() {
                    Some(b'y' | b'Y') => self.sym_set_tristate_value(s, Tristate::Yes),
                    Some(b'm' | b'M') => self.sym_set_tristate_value(s, Tristate::Mod),
                    Some(b'n' | b'N') => self.sym_set_tristate_value(s, Tristate::No),
                    _ => false,
                };
            }
            _ => {}
        }
        if !self.sym_string_within_range(s, newval) {
            return false;
        }
        self.set_flags(s, flags::DEF_USER);
        let b = newval.as_bytes();
        let is_hex = self.model.sym(s).ty == SymbolType::Hex;
        let val: Arc<str> =
            if is_hex && (b.first() != Some(&b'0') || !matches!(b.get(1), Some(b'x' | b'X'))) {
                format!("0x{newval}").into()
            } else {
                let old = &self.syms[s.index()].def[0].val;
                if !matches!(old, Val::Null) && self.val_str(old) == newval {
                    return true;
                }
                newval.into()
            };
        self.syms[s.index()].def[0].val = Val::Str(val);
        self.sym_clear_all_valid();
        true
    }

    /// `sym_get_string_default`: the value the symbol would have without a user value (what
    /// savedefconfig leaves out).
    pub fn sym_get_string_default(&mut self, s: SymbolId) -> String {
        let ty = self.model.sym(s).ty;
        self.sym_calc_visibility(s);
        let modules = self.model.modules_sym;
        self.sym_calc_value(modules);
        let mut val = Tristate::No;
        let mut str_val = String::new();
        if let Some(p) = self.sym_get_default_prop(s) {
            match ty {
                SymbolType::Bool | SymbolType::Tristate => {
                    // The visibility may limit the value from yes to mod.
                    let v = self.calc_node(self.plan.prop_expr[p.index()]);
                    val = expr_and(v, self.prop_vis[p.index()]);
                }
                _ => {
                    if let Some(ds) = self.prop_get_symbol(p) {
                        self.sym_calc_value(ds);
                        str_val = self.val_str(&self.syms[ds.index()].curr.val).to_string();
                    }
                }
            }
        }
        // Handle select statements.
        val = expr_or(val, self.syms[s.index()].rev_dep);
        // Transpose mod to yes if modules are not enabled.
        if val == Tristate::Mod
            && !self.sym_is_choice_value(s)
            && self.sym_get_tristate_value(modules) == Tristate::No
        {
            val = Tristate::Yes;
        }
        // Transpose mod to yes if the type is bool.
        if ty == SymbolType::Bool && val == Tristate::Mod {
            val = Tristate::Yes;
        }
        // Adjust the default value if this symbol is implied by another.
        let implied = self.syms[s.index()].implied;
        if val < implied {
            val = implied;
        }
        match ty {
            SymbolType::Bool | SymbolType::Tristate => tri_str(val).to_string(),
            SymbolType::Int if self.new_choices && str_val.is_empty() => "0".to_string(),
            SymbolType::Hex if self.new_choices && str_val.is_empty() => "0x0".to_string(),
            SymbolType::Int | SymbolType::Hex | SymbolType::String => str_val,
            SymbolType::Unknown => String::new(),
        }
    }
}
