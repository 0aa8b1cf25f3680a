//! `conf_write`: the .config text, and writing it as conf does (temporary file, `.old` backup,
//! "No change" detection).

use std::fs;
use std::path::Path;

use super::{conf_message, make_parent_dir, tmp_name, ConfEnv, ConfError};
use crate::eval::menu_get_prompt;
use crate::eval::Config;
use crate::model::{flags, MenuId, PropKind, SymbolId, SymbolType};

/// How `conf_write` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file was written (the previous one, if any, renamed to `NAME.old`).
    Written,
    /// The file already had this content and was left alone ("No change to ...").
    Unchanged,
}

/// `escape_string_value`: the value in double quotes, with `"` and `\` escaped.
pub fn escape_string_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The `output_n` argument of `__print_symbol`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputN {
    /// `CONFIG_X=n`
    N,
    /// `# CONFIG_X is not set`
    AsUnset,
    /// nothing
    None,
}

/// `__print_symbol`: one symbol as a .config, auto.conf or listnewconfig line.
pub(crate) fn print_symbol(
    cfg: &Config<'_>,
    out: &mut String,
    s: SymbolId,
    output_n: OutputN,
    escape: bool,
) {
    let sym = cfg.model().sym(s);
    if sym.ty == SymbolType::Unknown {
        return;
    }
    let name = sym.name.as_deref().unwrap_or("(null)");
    let val = cfg.sym_get_string_value(s);
    let prefix = &cfg.config_prefix;
    if matches!(sym.ty, SymbolType::Bool | SymbolType::Tristate)
        && output_n != OutputN::N
        && val.starts_with('n')
    {
        if output_n == OutputN::AsUnset {
            out.push_str(&format!("# {prefix}{name} is not set\n"));
        }
        return;
    }
    if sym.ty == SymbolType::String && escape {
        out.push_str(&format!("{prefix}{name}={}\n", escape_string_value(val)));
    } else {
        out.push_str(&format!("{prefix}{name}={val}\n"));
    }
}

/// `conf_write_heading` with a comment style (decoration, prefix, postfix).
pub(crate) fn write_heading(cfg: &Config<'_>, out: &mut String, style: (&str, &str, &str)) {
    let (decoration, prefix, postfix) = style;
    let m = cfg.model();
    let title = menu_get_prompt(m, m.root).unwrap_or("");
    out.push_str(&format!("{prefix}\n"));
    out.push_str(&format!(
        "{decoration} Automatically generated file; DO NOT EDIT.\n"
    ));
    out.push_str(&format!("{decoration} {title}\n"));
    out.push_str(&format!("{postfix}\n"));
}

/// The text `conf_write` writes, computing values as it goes (which prints conf's warnings in
/// the order conf prints them).
pub fn config_text(cfg: &mut Config<'_>) -> String {
    let m = cfg.model();
    let mut out = String::with_capacity(256 * 1024);
    write_heading(cfg, &mut out, ("#", "#", "#"));
    if !cfg.conf_get_changed() {
        cfg.sym_clear_all_valid();
    }
    let mut need_newline = false;
    let mut cur: Option<MenuId> = m.menu(m.root).list;
    'walk: while let Some(menu) = cur {
        let mm = m.menu(menu);
        match mm.sym {
            None => {
                if cfg.menu_is_visible(menu) {
                    let text = menu_get_prompt(m, menu).unwrap_or("(null)");
                    out.push_str(&format!("\n#\n# {text}\n#\n"));
                    need_newline = false;
                }
            }
            Some(s) if !cfg.sym_is_choice(s) && cfg.flags(s) & flags::WRITTEN == 0 => {
                cfg.sym_calc_value(s);
                if cfg.flags(s) & flags::WRITE != 0 {
                    if need_newline {
                        out.push('\n');
                        need_newline = false;
                    }
                    cfg.set_flags(s, flags::WRITTEN);
                    print_symbol(cfg, &mut out, s, OutputN::AsUnset, true);
                }
            }
            Some(_) => {}
        }
        if let Some(l) = mm.list {
            cur = Some(l);
            continue;
        }
        let mut menu = menu;
        loop {
            // end_check:
            let mm = m.menu(menu);
            if mm.sym.is_none() && cfg.menu_is_visible(menu) && menu != m.root {
                if let Some(p) = mm.prompt {
                    if m.prop(p).kind == PropKind::Menu {
                        let text = menu_get_prompt(m, menu).unwrap_or("(null)");
                        out.push_str(&format!("# end of {text}\n"));
                        need_newline = true;
                    }
                }
            }
            if let Some(n) = mm.next {
                cur = Some(n);
                continue 'walk;
            }
            match mm.parent {
                Some(p) => menu = p,
                None => break 'walk,
            }
        }
    }
    for i in cfg.table_symbols() {
        cfg.clear_flags(SymbolId(i), flags::WRITTEN);
    }
    out
}

/// `print_symbol_for_listconfig`: `CONFIG_X=value` (also for `n`), as listnewconfig prints.
pub fn print_listconfig(cfg: &Config<'_>, out: &mut String, s: SymbolId) {
    print_symbol(cfg, out, s, OutputN::N, true);
}

/// `conf_write(name)`: writes the configuration to `name` (default `KCONFIG_CONFIG`, else
/// `.config`); an identical existing file is left untouched ("No change to ..."), else the
/// previous one is kept as `NAME.old` and the new one is renamed into place from a temporary
/// file. With `KCONFIG_OVERWRITECONFIG` set, writes in place.
pub fn conf_write(
    cfg: &mut Config<'_>,
    env: &mut ConfEnv,
    name: Option<&str>,
) -> Result<WriteOutcome, ConfError> {
    let name = name.unwrap_or_else(|| env.configname()).to_string();
    if name.is_empty() {
        cfg.stderr("config name is empty\n".into());
        return Err(ConfError::EmptyName);
    }
    let path = env.path(&name);
    if !env.in_memory && path.is_dir() {
        cfg.stderr(format!("{name}: Is a directory\n"));
        return Err(ConfError::IsDirectory(name));
    }
    let text = config_text(cfg);
    let overwrite = env
        .get("KCONFIG_OVERWRITECONFIG")
        .is_some_and(|v| !v.is_empty());
    if env.in_memory {
        env.write_file(&path, text.as_bytes())?;
    } else if overwrite {
        make_parent_dir(&path)?;
        fs::write(&path, text.as_bytes()).map_err(|e| ConfError::io(&path, e))?;
    } else {
        make_parent_dir(&path)?;
        if fs::read(&path).ok().as_deref() == Some(text.as_bytes()) {
            conf_message(cfg, env, &format!("No change to {name}"));
            cfg.conf_set_changed(false);
            return Ok(WriteOutcome::Unchanged);
        }
        let tmp = tmp_name(&path);
        fs::write(&tmp, text.as_bytes()).map_err(|e| ConfError::io(&tmp, e))?;
        let mut old = path.as_os_str().to_os_string();
        old.push(".old");
        let _ = fs::rename(&path, Path::new(&old));
        if let Err(e) = fs::rename(&tmp, &path) {
            let _ = fs::remove_file(&tmp);
            return Err(ConfError::io(&path, e));
        }
    }
    conf_message(cfg, env, &format!("configuration written to {name}"));
    cfg.conf_set_changed(false);
    Ok(WriteOutcome::Written)
}
