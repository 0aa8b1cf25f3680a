//! `ktailor config --set SYMBOL=VALUE`: setting a value as a user would in menuconfig
//! (`sym_set_string_value`), and saying why when it cannot take effect.

use std::fmt;
use std::str::FromStr;

use crate::eval::{tri_str, Config, Tristate};
use crate::expr_print::{expr_gstr_print, Gstr};
use crate::model::{SymbolId, SymbolType};

/// One `SYMBOL=VALUE` (the `CONFIG_` prefix is optional; strings may be quoted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    pub value: String,
}

impl FromStr for Setting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, value) = s.split_once('=').ok_or_else(|| {
            format!("'{s}': expected SYMBOL=VALUE, e.g. CONFIG_FOO=y or FOO=\"text\"")
        })?;
        let name = name.trim();
        let name = name.strip_prefix("CONFIG_").unwrap_or(name);
        if name.is_empty() {
            return Err(format!("'{s}': the symbol name is empty"));
        }
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Ok(Setting {
            name: name.to_string(),
            value: value.to_string(),
        })
    }
}

/// A `--set` that did not take effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetFailure {
    pub name: String,
    pub value: String,
    /// Why, in words, with the dependencies and their current values.
    pub reason: String,
}

impl fmt::Display for SetFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot set {}={}: {}",
            self.name, self.value, self.reason
        )
    }
}

/// An expression with the values of its symbols, as conf's warnings print it.
fn with_values(cfg: &Config<'_>, e: Option<&crate::expr::Expr>) -> String {
    let mut gs = Gstr::new();
    let value = |s: SymbolId| cfg.sym_get_string_value(s).to_string();
    expr_gstr_print(cfg.model(), e, &mut gs, &value);
    gs.s
}

/// Why `sym_set_string_value` refused a value.
fn explain(cfg: &mut Config<'_>, s: SymbolId, value: &str) -> String {
    let m = cfg.model();
    let sym = m.sym(s);
    let st = cfg.state(s).clone();
    match sym.ty {
        SymbolType::Unknown => {
            "the symbol has no type (it is only referenced, never defined)".into()
        }
        SymbolType::Bool | SymbolType::Tristate => {
            let want = match value.as_bytes().first() {
                Some(b'y' | b'Y') => Tristate::Yes,
                Some(b'm' | b'M') => Tristate::Mod,
                Some(b'n' | b'N') => Tristate::No,
                _ => return format!("'{value}' is not y, m or n"),
            };
            if st.visible == Tristate::No {
                let deps: Vec<String> = sym
                    .props
                    .iter()
                    .filter(|p| m.prop(**p).text.is_some())
                    .map(|p| with_values(cfg, m.prop(*p).visible.as_ref()))
                    .collect();
                if deps.is_empty() {
                    return "it has no prompt, so only defaults and select set it".into();
                }
                return format!(
                    "its prompt is not visible: depends on {}",
                    deps.join(" || ")
                );
            }
            if cfg.sym_get_type(s) == SymbolType::Bool && want == Tristate::Mod {
                return if sym.ty == SymbolType::Tristate {
                    "modules are disabled (MODULES=n), so it can only be y or n".into()
                } else {
                    "it is a bool: only y or n".into()
                };
            }
            if st.visible <= st.rev_dep || want < st.rev_dep {
                return format!(
                    "it is selected (at least {}) by: {}",
                    tri_str(st.rev_dep),
                    with_values(cfg, sym.rev_dep.as_ref())
                );
            }
            if want > st.visible {
                return format!("its dependencies limit it to {}", tri_str(st.visible));
            }
            "the value is out of range".into()
        }
        SymbolType::Int | SymbolType::Hex | SymbolType::String => {
            if !cfg.sym_string_valid(s, value) {
                return format!("'{value}' is not a valid {} value", sym.ty.name());
            }
            if let Some(p) = cfg.sym_get_range_prop(s) {
                let e = m.prop(p).expr.as_ref();
                return format!("'{value}' is outside the range {}", with_values(cfg, e));
            }
            "the value is not accepted".into()
        }
    }
}

/// Sets one value as the user (`sym_set_string_value`); when it does not take effect (refused,
/// or computed to something else), says why.
pub fn apply_setting(cfg: &mut Config<'_>, setting: &Setting) -> Result<(), SetFailure> {
    let fail = |reason: String| SetFailure {
        name: setting.name.clone(),
        value: setting.value.clone(),
        reason,
    };
    let Some(s) = cfg
        .model()
        .find(&setting.name)
        .filter(|s| !cfg.model().sym(*s).menus.is_empty())
    else {
        return Err(fail("the tree has no such symbol".into()));
    };
    cfg.sym_calc_value(s);
    // 6.11+: picking a choice member goes through the choice (`sym_toggle_tristate_value`).
    if let Some(choice) = cfg.sym_get_choice_menu(s) {
        if matches!(setting.value.as_bytes().first(), Some(b'y' | b'Y'))
            && cfg.state(s).visible != Tristate::No
        {
            cfg.choice_set_value(choice, s);
            cfg.sym_calc_value(s);
            if cfg.sym_get_tristate_value(s) == Tristate::Yes {
                return Ok(());
            }
            return Err(fail("the choice did not pick it".into()));
        }
    }
    if !cfg.sym_set_string_value(s, &setting.value) {
        let reason = explain(cfg, s, &setting.value);
        return Err(fail(reason));
    }
    cfg.sym_calc_value(s);
    let got = cfg.sym_get_string_value(s).to_string();
    let ty = cfg.model().sym(s).ty;
    let want = match ty {
        SymbolType::Bool | SymbolType::Tristate => setting.value.to_ascii_lowercase(),
        SymbolType::Hex if !setting.value.to_ascii_lowercase().starts_with("0x") => {
            format!("0x{}", setting.value)
        }
        _ => setting.value.clone(),
    };
    if got != want {
        return Err(fail(format!(
            "it was set, but its value is computed as {got}"
        )));
    }
    Ok(())
}
