//! `conf_write_autoconf`: the files the build reads — include/config/auto.conf,
//! include/generated/autoconf.h and include/generated/rustc_cfg — plus auto.conf.cmd and the
//! `include/config/SYMBOL` timestamps of the symbols whose value changed.

use std::fs;

use super::read::conf_read_simple;
use super::write::{escape_string_value, print_symbol, write_heading, OutputN};
use super::{ConfEnv, ConfError};
use crate::eval::{Config, DefSlot, Tristate};
use crate::model::{flags, SymbolId, SymbolType};

/// The three files `conf_write_autoconf` writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutoconfFiles {
    /// include/config/auto.conf (`KCONFIG_AUTOCONFIG`)
    pub auto_conf: String,
    /// include/generated/autoconf.h (`KCONFIG_AUTOHEADER`)
    pub autoconf_h: String,
    /// include/generated/rustc_cfg (`KCONFIG_RUSTCCFG`)
    pub rustc_cfg: String,
}

/// What the parse recorded for include/config/auto.conf.cmd: the Kconfig files read, in the
/// order they were first read, and the environment variables Kconfig referenced.
#[derive(Clone, Debug, Default)]
pub struct AutoconfDeps {
    pub files: Vec<String>,
    pub env_used: Vec<(String, String)>,
}

impl AutoconfDeps {
    /// What a loaded tree read: its Kconfig files in order and the environment it used.
    pub fn from_loaded(tree: &crate::loader::LoadedTree) -> Self {
        AutoconfDeps {
            files: tree.model.files.iter().map(|f| f.name.clone()).collect(),
            env_used: tree.env_used.clone(),
        }
    }
}

/// `print_symbol_for_c`: one `#define` of autoconf.h.
fn print_symbol_for_c(cfg: &Config<'_>, out: &mut String, s: SymbolId) {
    let sym = cfg.model().sym(s);
    if sym.ty == SymbolType::Unknown {
        return;
    }
    let name = sym.name.as_deref().unwrap_or("(null)");
    let mut val = cfg.sym_get_string_value(s).to_string();
    let mut suffix = "";
    let mut prefix = "";
    match sym.ty {
        SymbolType::Bool | SymbolType::Tristate => match val.as_bytes().first() {
            Some(b'n') => return,
            Some(b'm') => {
                suffix = "_MODULE";
                val = "1".into();
            }
            _ => val = "1".into(),
        },
        SymbolType::Hex => prefix = hex_prefix(&val),
        SymbolType::String => val = escape_string_value(&val),
        _ => {}
    }
    out.push_str(&format!(
        "#define {}{name}{suffix} {prefix}{val}\n",
        cfg.config_prefix
    ));
}

/// `0x` unless the value has it already.
fn hex_prefix(val: &str) -> &'static str {
    let b = val.as_bytes();
    if b.first() != Some(&b'0') || !matches!(b.get(1), Some(b'x' | b'X')) {
        "0x"
    } else {
        ""
    }
}

/// `print_symbol_for_rustccfg`: the `--cfg` lines of rustc_cfg.
fn print_symbol_for_rustccfg(cfg: &Config<'_>, out: &mut String, s: SymbolId) {
    let sym = cfg.model().sym(s);
    if sym.ty == SymbolType::Unknown {
        return;
    }
    let name = sym.name.as_deref().unwrap_or("(null)");
    let prefix = &cfg.config_prefix;
    let val = cfg.sym_get_string_value(s);
    let mut val_prefix = "";
    match sym.ty {
        SymbolType::Bool | SymbolType::Tristate => {
            if val.starts_with('n') {
                return;
            }
            out.push_str(&format!("--cfg={prefix}{name}\n"));
        }
        SymbolType::Hex => val_prefix = hex_prefix(val),
        _ => {}
    }
    let escaped = escape_string_value(&format!("{val_prefix}{val}"));
    out.push_str(&format!("--cfg={prefix}{name}={escaped}\n"));
}

/// The symbols `__conf_write_autoconf` lists: written ones with a name, in table order.
fn written_symbols(cfg: &Config<'_>) -> Vec<SymbolId> {
    cfg.table_order()
        .iter()
        .copied()
        .filter(|s| cfg.flags(*s) & flags::WRITE != 0 && cfg.model().sym(*s).name.is_some())
        .collect()
}

/// The texts of the three files, from values already computed (call after `conf_write`, or
/// after computing every symbol).
pub fn autoconf_text(cfg: &Config<'_>) -> AutoconfFiles {
    let syms = written_symbols(cfg);
    let mut files = AutoconfFiles::default();
    write_heading(cfg, &mut files.autoconf_h, (" *", "/*", " */"));
    for &s in &syms {
        print_symbol_for_c(cfg, &mut files.autoconf_h, s);
    }
    for &s in &syms {
        print_symbol_for_rustccfg(cfg, &mut files.rustc_cfg, s);
    }
    write_heading(cfg, &mut files.auto_conf, ("#", "#", "#"));
    for &s in &syms {
        print_symbol(cfg, &mut files.auto_conf, s, OutputN::None, false);
    }
    files
}

/// `conf_write_autoconf_cmd`: include/config/auto.conf.cmd, the make rules that rerun
/// syncconfig when a Kconfig file or a referenced environment variable changes.
fn autoconf_cmd_text(cfg: &Config<'_>, autoconf_name: &str, deps: &AutoconfDeps) -> String {
    let mut out = String::new();
    if cfg.new_choices() {
        out.push_str(&format!("autoconfig := {autoconf_name}\n"));
        out.push_str("\ndeps_config := \\\n");
        for f in &deps.files {
            out.push_str(&format!("\t{f} \\\n"));
        }
        out.push_str("\n$(autoconfig): $(deps_config)\n$(deps_config): ;\n");
        for (k, v) in &deps.env_used {
            out.push_str(&format!(
                "\nifneq \"$({k})\" \"{v}\"\n$(autoconfig): FORCE\nendif\n"
            ));
        }
    } else {
        out.push_str("deps_config := \\\n");
        // file_list is built by prepending.
        for f in deps.files.iter().rev() {
            out.push_str(&format!("\t{f} \\\n"));
        }
        out.push_str(&format!("\n{autoconf_name}: $(deps_config)\n\n"));
        for (k, v) in &deps.env_used {
            out.push_str(&format!(
                "ifneq \"$({k})\" \"{v}\"\n{autoconf_name}: FORCE\nendif\n"
            ));
        }
        out.push_str("\n$(deps_config): ;\n");
    }
    out
}

/// `conf_touch_deps`: reads the previous auto.conf into `S_DEF_AUTO` and touches
/// `include/config/SYMBOL` for each symbol whose value changed.
fn conf_touch_deps(
    cfg: &mut Config<'_>,
    env: &mut ConfEnv,
    autoconf_name: &str,
) -> Result<(), ConfError> {
    let dir = match autoconf_name.rfind('/') {
        Some(i) => &autoconf_name[..=i],
        None => "",
    };
    let res = conf_read_simple(cfg, env, Some(autoconf_name), DefSlot::Auto)?;
    let mut touch: Vec<String> = res.unknown_symbols;
    let new = cfg.new_choices();
    if !new {
        let modules = cfg.model().modules_sym;
        cfg.sym_calc_value(modules);
    }
    let order = cfg.table_order();
    for &s in order.iter() {
        if !new {
            cfg.sym_calc_value(s);
        }
        let sym = cfg.model().sym(s);
        if new && cfg.sym_is_choice(s) {
            continue;
        }
        if !new && (cfg.flags(s) & flags::NO_WRITE != 0 || sym.name.is_none()) {
            continue;
        }
        let f = cfg.flags(s);
        let st = cfg.state(s);
        if f & flags::WRITE != 0 {
            let is_tri = matches!(sym.ty, SymbolType::Bool | SymbolType::Tristate);
            if f & flags::DEF_AUTO != 0 {
                let same = match sym.ty {
                    SymbolType::Bool | SymbolType::Tristate => st.curr.tri == st.def[1].tri,
                    SymbolType::String | SymbolType::Hex | SymbolType::Int => {
                        cfg.sym_get_string_value(s) == cfg.val_str(&st.def[1].val)
                    }
                    SymbolType::Unknown => false,
                };
                if same {
                    continue;
                }
            } else if is_tri && st.curr.tri == Tristate::No {
                continue;
            }
        } else if f & flags::DEF_AUTO == 0 {
            continue;
        }
        if let Some(n) = &sym.name {
            touch.push(n.clone());
        }
    }
    for name in touch {
        let p = env.path(&format!("{dir}{name}"));
        if env.in_memory {
            env.overlay.insert(p, Vec::new());
            continue;
        }
        super::make_parent_dir(&p)?;
        fs::write(&p, b"").map_err(|e| ConfError::io(&p, e))?;
    }
    Ok(())
}

/// `conf_write_autoconf(overwrite)`: writes auto.conf.cmd, touches the changed symbols'
/// dependency files, then autoconf.h, rustc_cfg and (last, as the build depends on it)
/// auto.conf. Without `overwrite`, does nothing when auto.conf exists (as every target but
/// syncconfig does). Names come from `KCONFIG_AUTOCONFIG`, `KCONFIG_AUTOHEADER` and
/// `KCONFIG_RUSTCCFG`, relative to the working directory.
pub fn conf_write_autoconf(
    cfg: &mut Config<'_>,
    env: &mut ConfEnv,
    overwrite: bool,
    deps: &AutoconfDeps,
) -> Result<bool, ConfError> {
    let autoconf_name = env
        .get("KCONFIG_AUTOCONFIG")
        .unwrap_or("include/config/auto.conf")
        .to_string();
    if !overwrite && env.read_file(&env.path(&autoconf_name))?.is_some() {
        return Ok(false);
    }
    let cmd = autoconf_cmd_text(cfg, &autoconf_name, deps);
    env.write_file(&env.path(&format!("{autoconf_name}.cmd")), cmd.as_bytes())?;
    let order = cfg.table_order();
    if cfg.new_choices() {
        for &s in order.iter() {
            cfg.sym_calc_value(s);
        }
        conf_touch_deps(cfg, env, &autoconf_name)?;
    } else {
        conf_touch_deps(cfg, env, &autoconf_name)?;
        for &s in order.iter() {
            cfg.sym_calc_value(s);
        }
    }
    let files = autoconf_text(cfg);
    let header = env
        .get("KCONFIG_AUTOHEADER")
        .unwrap_or("include/generated/autoconf.h")
        .to_string();
    let rustc = env
        .get("KCONFIG_RUSTCCFG")
        .unwrap_or("include/generated/rustc_cfg")
        .to_string();
    env.write_file(&env.path(&header), files.autoconf_h.as_bytes())?;
    env.write_file(&env.path(&rustc), files.rustc_cfg.as_bytes())?;
    env.write_file(&env.path(&autoconf_name), files.auto_conf.as_bytes())?;
    Ok(true)
}
