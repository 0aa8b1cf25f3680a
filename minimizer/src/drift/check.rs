//! Refusing inputs that cannot be compared: a file that is no configuration, configurations
//! of two architectures, a configuration written for another architecture or release than
//! the tree, or one whose symbols the tree mostly does not know.

use kconfig_parser::loader::LoadedTree;

use super::configfile::srcarch_of;
use super::{ConfigFile, DriftError};

/// The share of a configuration's symbols a tree must define for it to belong there; a
/// release upgrade removes a few percent of the symbols, another tree most of them.
const MIN_KNOWN_PERCENT: usize = 50;

/// The tree as messages name it.
pub(crate) fn tree_label(t: &LoadedTree) -> String {
    format!(
        "{} (Linux {}, ARCH={})",
        t.env.tree.display(),
        t.env.version.kernelversion(),
        t.env.arch
    )
}

/// OLD and NEW are for the same architecture (when their headers say).
pub(crate) fn same_arch(old: &ConfigFile, new: &ConfigFile) -> Result<(), DriftError> {
    if let (Some(a), Some(b)) = (old.arch(), new.arch()) {
        if a != b {
            return Err(DriftError::ArchMismatch {
                old: old.label.clone(),
                old_arch: a,
                new: new.label.clone(),
                new_arch: b,
            });
        }
    }
    Ok(())
}

/// The configuration belongs to the tree: same architecture and release as its header says,
/// and most of the symbols it sets are defined there.
pub(crate) fn belongs(c: &ConfigFile, t: &LoadedTree) -> Result<(), DriftError> {
    if c.values.is_empty() {
        return Err(DriftError::NotAConfig(c.label.clone()));
    }
    if let Some(h) = &c.header {
        let arch = c.arch().unwrap_or_else(|| h.arch.clone());
        // A tree loaded for a sub-architecture (x86_64, i386) must match it; one loaded for
        // the source architecture (x86) takes either.
        let arch_ok = srcarch_of(&arch) == t.env.srcarch
            && (t.env.arch == t.env.srcarch || arch == t.env.srcarch || arch == t.env.arch);
        if !arch_ok {
            return Err(DriftError::WrongArch {
                config: c.label.clone(),
                config_arch: arch,
                tree: tree_label(t),
                tree_arch: t.env.arch.clone(),
            });
        }
        let v = &t.env.version;
        if let Some(mm) = h.major_minor() {
            if mm != (v.version, v.patchlevel) {
                return Err(DriftError::WrongRelease {
                    config: c.label.clone(),
                    config_release: h.version.clone(),
                    tree: t.env.tree.display().to_string(),
                    tree_release: v.kernelversion(),
                });
            }
        }
    }
    let m = &t.model;
    let mut unknown: Vec<&str> = c
        .values
        .keys()
        .filter(|n| m.find(n).is_none_or(|s| m.sym(s).menus.is_empty()))
        .map(String::as_str)
        .collect();
    let total = c.values.len();
    if (total - unknown.len()) * 100 < total * MIN_KNOWN_PERCENT {
        unknown.sort_unstable();
        return Err(DriftError::NotOfTree {
            config: c.label.clone(),
            tree: tree_label(t),
            unknown: unknown.len(),
            total,
            examples: unknown
                .iter()
                .take(5)
                .map(|n| format!("CONFIG_{n}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}
