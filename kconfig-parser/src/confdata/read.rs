//! `conf_read_simple` and `conf_read`: reading a .config (or defconfig, or auto.conf) into a
//! `def[]` slot, with every warning conf prints.

use std::sync::Arc;

use super::{conf_message, ConfEnv, ConfError};
use crate::eval::{expr_or, Config, DefSlot, Tristate, Val};
use crate::model::{flags, SymbolId, SymbolType};

/// What a read found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadResult {
    /// The file that was read, as conf names it in messages; `None` when none was found (C
    /// returns 1).
    pub name: Option<String>,
    /// Names assigned in the file that the tree does not define, in order (conf warns about
    /// them only with `KCONFIG_WARN_UNKNOWN_SYMBOLS`).
    pub unknown_symbols: Vec<String>,
}

impl ReadResult {
    /// Whether a file was read.
    pub fn found(&self) -> bool {
        self.name.is_some()
    }
}

/// The position `conf_warning` prints.
struct Reader<'a> {
    filename: &'a str,
    lineno: usize,
}

impl Reader<'_> {
    /// `conf_warning`
    fn warn(&self, cfg: &mut Config<'_>, msg: &str) {
        cfg.stderr(format!(
            "{}:{}:warning: {}\n",
            self.filename, self.lineno, msg
        ));
        cfg.conf_warnings += 1;
    }
}

/// `conf_read_simple(name, def)`: reads a configuration file into slot `def`. With no name,
/// reads `KCONFIG_CONFIG` (default `.config`), else the first file of
/// `KCONFIG_DEFCONFIG_LIST` that exists ("using defaults found in ...").
pub fn conf_read_simple(
    cfg: &mut Config<'_>,
    env: &ConfEnv,
    name: Option<&str>,
    def: DefSlot,
) -> Result<ReadResult, ConfError> {
    let (name, data) = match name {
        Some(n) => (n.to_string(), env.zconf_fopen(n)?),
        None => {
            let n = env.configname().to_string();
            match env.zconf_fopen(&n)? {
                Some(d) => (n, Some(d)),
                None => {
                    cfg.conf_set_changed(true);
                    let mut found = (n, None);
                    if let Some(list) = env.get("KCONFIG_DEFCONFIG_LIST") {
                        for cand in list
                            .split(|c: char| c.is_ascii_whitespace() || c == '\x0b' || c == '\x0c')
                        {
                            if cand.is_empty() {
                                continue;
                            }
                            if let Some(d) = env.zconf_fopen(cand)? {
                                conf_message(cfg, env, &format!("using defaults found in {cand}"));
                                found = (cand.to_string(), Some(d));
                                break;
                            }
                        }
                    }
                    found
                }
            }
        }
    };
    let Some(data) = data else {
        return Ok(ReadResult::default());
    };
    let warn_unknown = env.get("KCONFIG_WARN_UNKNOWN_SYMBOLS").is_some();
    let unknown = conf_read_text(cfg, &name, &data, def, warn_unknown);
    Ok(ReadResult {
        name: Some(name),
        unknown_symbols: unknown,
    })
}

/// The `load:` part of `conf_read_simple`: parses the bytes of a configuration file named
/// `filename` (for messages) into slot `def`. Returns the unknown symbols it named.
pub fn conf_read_text(
    cfg: &mut Config<'_>,
    filename: &str,
    data: &[u8],
    def: DefSlot,
    warn_unknown: bool,
) -> Vec<String> {
    let new = cfg.new_choices();
    let mut rd = Reader {
        filename,
        lineno: 0,
    };
    cfg.conf_warnings = 0;
    let def_flag = def.flag();
    let d = def as usize;
    for i in cfg.table_symbols() {
        let s = SymbolId(i);
        if new {
            cfg.clear_flags(s, def_flag);
        } else {
            cfg.set_flags(s, flags::CHANGED);
            cfg.clear_flags(s, def_flag | flags::VALID);
            if cfg.flags(s) & flags::CHOICE != 0 {
                cfg.set_flags(s, def_flag);
            }
        }
        cfg.state_mut(s).def[d] = Default::default();
    }
    if new && def == DefSlot::User {
        for i in cfg.table_symbols() {
            cfg.clear_flags(SymbolId(i), flags::VALID);
        }
    }
    if !new || def == DefSlot::User {
        cfg.invalidate_exprs();
    }

    let prefix = cfg.config_prefix.clone();
    let mut unknown = Vec::new();
    for raw in lines(data) {
        rd.lineno += 1;
        // C strings end at the first NUL.
        let line = raw.iter().position(|b| *b == 0).map_or(raw, |i| &raw[..i]);
        let Some((name, val)) = parse_line(cfg, &rd, line, &prefix, new) else {
            continue;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        let val = String::from_utf8_lossy(&val).into_owned();
        let Some(sym) = cfg.sym_find(&name) else {
            if def != DefSlot::Auto {
                if warn_unknown {
                    rd.warn(cfg, &format!("unknown symbol: {name}"));
                }
                cfg.conf_set_changed(true);
            }
            unknown.push(name);
            continue;
        };
        if cfg.flags(sym) & def_flag != 0 {
            let n = sym_name(cfg, sym);
            rd.warn(cfg, &format!("override: reassigning to symbol {n}"));
        }
        if conf_set_sym_val(cfg, &rd, sym, def, &val) {
            continue;
        }
        if new {
            if def != DefSlot::User {
                continue;
            }
            // A choice member given in the input gets the highest priority; of conflicting
            // assignments the last one wins.
            if let Some(choice) = cfg.sym_get_choice_menu(sym) {
                cfg.move_to_head(choice, sym);
            }
        } else if cfg.sym_is_choice_value(sym) {
            let Some(cs) = cfg.choice_symbol_of(sym) else {
                continue;
            };
            let tri = cfg.state(sym).def[d].tri;
            match tri {
                Tristate::No => {}
                Tristate::Mod => {
                    if cfg.state(cs).def[d].tri == Tristate::Yes {
                        let n = sym_name(cfg, sym);
                        rd.warn(cfg, &format!("{n} creates inconsistent choice state"));
                        cfg.clear_flags(cs, def_flag);
                    }
                }
                Tristate::Yes => {
                    if cfg.state(cs).def[d].tri != Tristate::No {
                        let n = sym_name(cfg, sym);
                        rd.warn(cfg, &format!("override: {n} changes choice state"));
                    }
                    cfg.state_mut(cs).def[d].val = Val::Sym(sym);
                }
            }
            let st = cfg.state_mut(cs);
            st.def[d].tri = expr_or(st.def[d].tri, tri);
        }
    }
    unknown
}

/// `%s` of `sym->name`.
fn sym_name(cfg: &Config<'_>, s: SymbolId) -> String {
    cfg.model()
        .sym(s)
        .name
        .clone()
        .unwrap_or_else(|| "(null)".into())
}

/// The lines of a file as `getline` returns them, each with its newline.
fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split_inclusive(|b| *b == b'\n')
}

/// One line of the loop of `conf_read_simple`: the symbol name and value it assigns, or
/// `None` for comments, blank lines and garbage (warning about garbage).
fn parse_line<'l>(
    cfg: &mut Config<'_>,
    rd: &Reader<'_>,
    line: &'l [u8],
    prefix: &str,
    new: bool,
) -> Option<(&'l [u8], Vec<u8>)> {
    let pre = prefix.as_bytes();
    // 6.12 strips the newline, then a carriage return before it (`getline_stripped`).
    let stripped = if new {
        match line.strip_suffix(b"\n") {
            Some(l) => l.strip_suffix(b"\r").unwrap_or(l),
            None => line,
        }
    } else {
        line
    };
    if new && stripped.is_empty() {
        return None;
    }
    if line.first() == Some(&b'#') {
        if line.get(1) != Some(&b' ') {
            return None;
        }
        let p = if new { &stripped[2..] } else { &line[2..] };
        let rest = p.strip_prefix(pre)?;
        let sp = rest.iter().position(|b| *b == b' ')?;
        let after = &rest[sp + 1..];
        let not_set = if new {
            after == b"is not set"
        } else {
            after.starts_with(b"is not set")
        };
        if !not_set {
            return None;
        }
        return Some((&rest[..sp], b"n".to_vec()));
    }
    if let Some(rest) = (if new { stripped } else { line }).strip_prefix(pre) {
        let Some(eq) = rest.iter().position(|b| *b == b'=') else {
            if new {
                rd.warn(
                    cfg,
                    &format!("unexpected data: {}", String::from_utf8_lossy(stripped)),
                );
            }
            return None;
        };
        let mut val = &rest[eq + 1..];
        if !new {
            if let Some(nl) = val.iter().position(|b| *b == b'\n') {
                val = &val[..nl];
                if let Some(v) = val.strip_suffix(b"\r") {
                    val = v;
                }
            }
        }
        return Some((&rest[..eq], val.to_vec()));
    }
    if new {
        rd.warn(
            cfg,
            &format!("unexpected data: {}", String::from_utf8_lossy(stripped)),
        );
    } else if !matches!(line.first(), Some(b'\r' | b'\n')) {
        let end = line
            .iter()
            .position(|b| *b == b'\r' || *b == b'\n')
            .unwrap_or(line.len());
        rd.warn(
            cfg,
            &format!("unexpected data: {}", String::from_utf8_lossy(&line[..end])),
        );
    }
    None
}

/// `conf_set_sym_val`: stores one value; true (C: 1) when it was invalid.
fn conf_set_sym_val(
    cfg: &mut Config<'_>,
    rd: &Reader<'_>,
    sym: SymbolId,
    def: DefSlot,
    p: &str,
) -> bool {
    let d = def as usize;
    let def_flag = def.flag();
    let ty = cfg.model().sym(sym).ty;
    let invalid = |cfg: &mut Config<'_>, p: &str| {
        if def != DefSlot::Auto {
            let n = sym_name(cfg, sym);
            rd.warn(cfg, &format!("symbol value '{p}' invalid for {n}"));
        }
        true
    };
    match ty {
        SymbolType::Tristate | SymbolType::Bool => {
            let tri = match p.as_bytes().first() {
                Some(b'm') if ty == SymbolType::Tristate => Tristate::Mod,
                Some(b'y') => Tristate::Yes,
                Some(b'n') => Tristate::No,
                _ => return invalid(cfg, p),
            };
            cfg.state_mut(sym).def[d].tri = tri;
            cfg.set_flags(sym, def_flag);
            false
        }
        SymbolType::String | SymbolType::Int | SymbolType::Hex => {
            let mut value = p.to_string();
            // No escaping for S_DEF_AUTO (include/config/auto.conf).
            if ty == SymbolType::String && def != DefSlot::Auto {
                let Some(body) = p.strip_prefix('"') else {
                    return false;
                };
                match unescape(body) {
                    Some(v) => value = v,
                    None => {
                        rd.warn(cfg, "invalid string found");
                        return true;
                    }
                }
            }
            if cfg.sym_string_valid(sym, &value) {
                cfg.state_mut(sym).def[d].val = Val::Str(Arc::from(value.as_str()));
                cfg.set_flags(sym, def_flag);
                false
            } else {
                invalid(cfg, &value)
            }
        }
        SymbolType::Unknown => false,
    }
}

/// The string after the opening quote, unescaped up to the closing quote; `None` when there
/// is no closing quote. A backslash takes the next character literally.
fn unescape(body: &str) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next() {
                Some(n) => out.push(n),
                // memmove of the trailing backslash leaves nothing to search.
                None => return None,
            },
            c => out.push(c),
        }
    }
    None
}

/// `conf_read(name)`: reads a configuration as the user's (`S_DEF_USER`), computes every
/// symbol, and works out whether the result differs from what was read (`conf_get_changed`).
/// `Ok(result)` with no name when there was nothing to read.
pub fn conf_read(
    cfg: &mut Config<'_>,
    env: &ConfEnv,
    name: Option<&str>,
) -> Result<ReadResult, ConfError> {
    cfg.conf_set_changed(false);
    let res = conf_read_simple(cfg, env, name, DefSlot::User)?;
    let modules = cfg.model().modules_sym;
    cfg.sym_calc_value(modules);
    if !res.found() {
        return Ok(res);
    }
    let new = cfg.new_choices();
    let order = cfg.table_order();
    let mut unsaved = 0usize;
    for &s in order.iter() {
        cfg.sym_calc_value(s);
        if cfg.sym_is_choice(s) || (!new && cfg.flags(s) & flags::NO_WRITE != 0) {
            continue;
        }
        let has = cfg.sym_has_value(s);
        let write = cfg.flags(s) & flags::WRITE != 0;
        if has && write {
            let st = cfg.state(s);
            let same = match cfg.model().sym(s).ty {
                SymbolType::Bool | SymbolType::Tristate => st.def[0].tri == st.curr.tri,
                _ => cfg.val_str(&st.curr.val) == cfg.val_str(&st.def[0].val),
            };
            if same {
                continue;
            }
        } else if !has && !write {
            continue;
        }
        if new {
            cfg.conf_set_changed(true);
        } else {
            unsaved += 1;
        }
    }
    if !new {
        for &s in order.iter() {
            if !cfg.sym_has_value(s) || cfg.sym_is_choice_value(s) {
                continue;
            }
            // Reset values of generated symbols, so they appear as new if they become visible.
            if cfg.state(s).visible == Tristate::No && unsaved == 0 {
                cfg.clear_flags(s, flags::DEF_USER);
            }
            if matches!(
                cfg.model().sym(s).ty,
                SymbolType::String | SymbolType::Int | SymbolType::Hex
            ) {
                // Reset a string value if it is out of range.
                let v = cfg.val_str(&cfg.state(s).def[0].val).to_string();
                if !cfg.sym_string_within_range(s, &v) {
                    cfg.clear_flags(s, flags::VALID | flags::DEF_USER);
                    unsaved += 1;
                }
            }
        }
    }
    if cfg.conf_warnings > 0 || unsaved > 0 {
        cfg.conf_set_changed(true);
    }
    Ok(res)
}
