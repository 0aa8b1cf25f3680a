//! Reading the tree's Makefiles, and the few make and shell primitives the derivation needs.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::KbuildError;

/// The few tree files whose contents steer the derivation.
pub(super) struct TreeFiles {
    pub(super) makefile: String,
    pub(super) subarch_include: String,
    pub(super) makefile_clang: Option<String>,
    pub(super) makefile_clang_path: PathBuf,
    pub(super) kconfig_makefile: String,
    /// Names exported by the top Makefile for config targets.
    pub(super) exported: HashSet<String>,
    /// `ARCH` alias -> `SRCARCH`, from the top Makefile.
    pub(super) srcarch_aliases: Vec<(String, String)>,
}

impl TreeFiles {
    pub(super) fn read(tree: &Path) -> Result<Self, KbuildError> {
        let makefile = read(&tree.join("Makefile"))?;
        let subarch_include =
            read_optional(&tree.join("scripts/subarch.include"))?.unwrap_or_default();
        let makefile_clang_path = tree.join("scripts/Makefile.clang");
        let makefile_clang = read_optional(&makefile_clang_path)?;
        let kconfig_makefile = read(&tree.join("scripts/kconfig/Makefile"))?;
        let exported = exported_names(&makefile);
        let srcarch_aliases = srcarch_aliases(&makefile);
        Ok(TreeFiles {
            makefile,
            subarch_include,
            makefile_clang,
            makefile_clang_path,
            kconfig_makefile,
            exported,
            srcarch_aliases,
        })
    }

    /// Variables removed from the inherited environment (`unexport` at column 0).
    pub(super) fn unexported(&self) -> Vec<String> {
        let mut names = Vec::new();
        for text in [&self.makefile, &self.kconfig_makefile] {
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("unexport ") {
                    names.extend(rest.split_whitespace().map(str::to_string));
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

/// `NAME = value`, `NAME := value` or `NAME ?= value` at column 0.
pub(super) fn make_assignment(line: &str) -> Option<(&str, &str)> {
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let (name, rest) = line.split_at(end);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    let value = rest
        .strip_prefix(":=")
        .or_else(|| rest.strip_prefix("?="))
        .or_else(|| rest.strip_prefix('='))?;
    Some((name, value.trim()))
}

/// Names the top Makefile exports to config targets: `export` lines at column 0 before the
/// build-only half (`else #!config-build`), continuation lines joined.
pub(super) fn exported_names(makefile: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut logical = String::new();
    let mut in_config_build = false;
    for line in makefile.lines() {
        if !logical.is_empty() || line.starts_with("export ") {
            logical.push_str(line.trim_end_matches('\\'));
            logical.push(' ');
            if line.ends_with('\\') {
                continue;
            }
            let rest = &logical["export ".len()..];
            for word in rest.split_whitespace() {
                if word.contains('=') || word == ":=" || word == "?=" {
                    break;
                }
                names.insert(word.to_string());
            }
            logical.clear();
            continue;
        }
        if line.starts_with("ifdef config-build") {
            in_config_build = true;
        } else if in_config_build && line.starts_with("else") {
            break;
        }
    }
    names
}

/// Whether a line `export ... WORD ...` (column 0) names `word`.
pub(super) fn exports_word(makefile: &str, word: &str) -> bool {
    makefile.lines().any(|l| {
        l.strip_prefix("export ").is_some_and(|rest| {
            rest.split_whitespace()
                .take_while(|w| !w.contains('='))
                .any(|w| w == word)
        })
    })
}

/// `ifeq ($(ARCH),ALIAS)` followed by `SRCARCH := DIR` in the top Makefile.
pub(super) fn srcarch_aliases(makefile: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for line in makefile.lines() {
        let t = line.trim();
        if let Some(alias) = t
            .strip_prefix("ifeq ($(ARCH),")
            .and_then(|r| r.strip_suffix(')'))
        {
            pending = Some(alias.trim().to_string());
        } else if let Some(alias) = pending.take() {
            if let Some((name, value)) = make_assignment(t) {
                if name == "SRCARCH" && !value.contains('$') {
                    out.push((alias, value.to_string()));
                }
            }
        }
    }
    if out.is_empty() {
        // Trees before the aliases moved (none in 5.10+), as a fallback.
        for (a, s) in [
            ("i386", "x86"),
            ("x86_64", "x86"),
            ("sparc32", "sparc"),
            ("sparc64", "sparc"),
            ("parisc64", "parisc"),
            ("sh64", "sh"),
            ("tilepro", "tile"),
            ("tilegx", "tile"),
        ] {
            out.push((a.to_string(), s.to_string()));
        }
    }
    out
}

/// make's `$(notdir ...)` of one word.
pub(super) fn notdir(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The first executable `name` in `path` (`command -v`), or `name` itself if it holds a `/`.
pub(crate) fn find_in_path(name: &str, path: &str, cwd: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        fs::metadata(p)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let p = cwd.join(name);
        return executable(&p).then_some(p);
    }
    path.split(':')
        .map(|dir| {
            if dir.is_empty() {
                cwd.join(name)
            } else {
                cwd.join(dir).join(name)
            }
        })
        .find(|p| executable(p))
}

pub(super) fn read(path: &Path) -> Result<String, KbuildError> {
    fs::read_to_string(path).map_err(|source| KbuildError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub(super) fn read_optional(path: &Path) -> Result<Option<String>, KbuildError> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KbuildError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}
