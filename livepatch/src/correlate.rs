//! Correlation: giving every symbol a key that survives recompilation, so that the original
//! and patched objects can be paired by key. gcc numbers its clones (`foo.isra.0`,
//! `foo.constprop.1`, `foo.part.0`) and static locals (`count.3`) in the order it meets them,
//! so a patch elsewhere in the file renumbers them; clang appends `.llvm.<hash>`; the kernel's
//! `__UNIQUE_ID_` macro appends a counter. The key strips those numbers; a static local is
//! further qualified by the function that first refers to it, as kpatch pairs them.

use std::collections::HashMap;

use crate::elf::{Object, SymKind};
use crate::reference::resolve_target;

/// Suffix words after which gcc appends a clone number.
const CLONE_WORDS: &[&str] = &["isra", "constprop", "part", "cold", "lto_priv", "clone"];

/// Statics the kernel's macros create per call site (lockdep keys, once-only flags, ratelimit
/// states, `__func__`): they are never correlated, a patched function gets its own.
const SPECIAL_STATICS: &[&str] = &[
    "__key",
    "__warned",
    "__already_done",
    "__func__",
    "_rs",
    "__print_once",
    "__done",
];

/// The name with compiler-generated numbers removed: `foo.isra.0` → `foo.isra`,
/// `count.3` → `count`, `f.llvm.123456` → `f`, `__UNIQUE_ID_ddebug12` → `__UNIQUE_ID_ddebug`.
pub fn base_name(name: &str) -> String {
    let mut parts: Vec<&str> = name.split('.').collect();
    if let Some(pos) = parts.iter().position(|p| *p == "llvm") {
        if pos > 0 {
            parts.truncate(pos);
        }
    }
    let mut out: Vec<&str> = Vec::with_capacity(parts.len());
    for (i, p) in parts.iter().enumerate() {
        let numeric = !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit());
        let after_clone = i > 0 && CLONE_WORDS.contains(&parts[i - 1]);
        let last = i + 1 == parts.len() && i > 0;
        if numeric && (after_clone || last) {
            continue;
        }
        out.push(p);
    }
    let mut joined = out.join(".");
    if joined.starts_with("__UNIQUE_ID_") {
        let trimmed = joined.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        joined.truncate(trimmed);
    }
    joined
}

/// Whether a (base) name is one of the per-call-site statics that are always treated as new.
pub fn is_special_static(base: &str) -> bool {
    SPECIAL_STATICS.contains(&base)
}

/// Whether a symbol name carries a compiler-added static-local number (`name.N`).
pub(crate) fn is_numbered_local(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// The correlation key of every symbol of one object (`None` for symbols that take no part:
/// file symbols, unnamed ones).
#[derive(Debug, Clone)]
pub struct Keys {
    /// Indexed like [`Object::symbols`].
    pub keys: Vec<Option<String>>,
}

impl Keys {
    /// Computes the keys of `obj`'s symbols.
    pub fn of(obj: &Object) -> Keys {
        let mut keys: Vec<Option<String>> = obj
            .symbols
            .iter()
            .map(|s| match s.kind {
                SymKind::File => None,
                SymKind::Section => Some(format!("section:{}", base_name(&s.name))),
                _ if s.name.is_empty() => None,
                _ => Some(base_name(&s.name)),
            })
            .collect();
        // A numbered static local is qualified by the first function referring to it.
        let mut owner: HashMap<usize, String> = HashMap::new();
        for (fi, f) in obj.symbols.iter().enumerate() {
            if f.kind != SymKind::Func {
                continue;
            }
            let Some(sec) = f.section.and_then(|i| obj.sections.get(i)) else {
                continue;
            };
            for r in &sec.relocs {
                if r.offset < f.value || r.offset >= f.value + f.size.max(1) {
                    continue;
                }
                if let Some((target, _)) = resolve_target(obj, r) {
                    let t = &obj.symbols[target];
                    if t.kind == SymKind::Object && t.local && is_numbered_local(&t.name) {
                        owner
                            .entry(target)
                            .or_insert_with(|| base_name(&obj.symbols[fi].name));
                    }
                }
            }
        }
        for (target, func) in owner {
            if let Some(Some(k)) = keys.get_mut(target) {
                if !is_special_static(k) {
                    *k = format!("{k}@{func}");
                }
            }
        }
        Keys { keys }
    }

    /// A map from key to symbol index, for looking up counterparts (the first symbol wins).
    pub fn index(&self) -> HashMap<&str, usize> {
        let mut map = HashMap::new();
        for (i, k) in self.keys.iter().enumerate() {
            if let Some(k) = k {
                map.entry(k.as_str()).or_insert(i);
            }
        }
        map
    }
}

/// The pairing of a patched object's symbols with the original's: patched index → original
/// index, for symbols whose keys match, whose kinds agree and whose original is defined.
pub fn counterparts(
    orig: &Object,
    okeys: &Keys,
    patched: &Object,
    pkeys: &Keys,
) -> HashMap<usize, usize> {
    let oindex = okeys.index();
    pkeys
        .keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| {
            let o = *oindex.get(k.as_deref()?)?;
            let (os, ps) = (&orig.symbols[o], &patched.symbols[i]);
            (os.section.is_some() && os.kind == ps.kind).then_some((i, o))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_compiler_numbers() {
        assert_eq!(base_name("foo.isra.0"), "foo.isra");
        assert_eq!(base_name("foo.constprop.12"), "foo.constprop");
        assert_eq!(base_name("foo.part.0.isra.3"), "foo.part.isra");
        assert_eq!(base_name("foo.cold"), "foo.cold");
        assert_eq!(base_name("count.3"), "count");
        assert_eq!(base_name("f.llvm.998877"), "f");
        assert_eq!(base_name("__UNIQUE_ID_ddebug412"), "__UNIQUE_ID_ddebug");
        assert_eq!(base_name("plain"), "plain");
        assert_eq!(base_name(".rodata.str1.1"), ".rodata.str1");
    }

    #[test]
    fn knows_special_statics() {
        assert!(is_special_static(&base_name("__warned.2")));
        assert!(!is_special_static("counter"));
    }
}
