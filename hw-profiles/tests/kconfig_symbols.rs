//! The built-in profiles against real kernel trees: every requirement names a symbol the 6.1
//! tree defines for the profile's architecture, the rename table matches what 6.1 and 6.12
//! actually call things, and the kernel documents the profiles cite exist.
//!
//! The trees come from `scripts/kernel-tree.sh VERSION` (Debian's linux-source package, unpacked
//! under `$KTAILOR_CACHE`, default `~/.cache/ktailor`), as for the workspace's other tests. With
//! `CI=true` a tree that cannot be provisioned fails the test; elsewhere the test says loudly
//! that it did not run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use hw_profiles::{builtin, names_for, renames};

/// The unpacked tree of a release, or None (outside CI) when it cannot be provisioned.
fn tree(version: &str) -> Option<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kernel-tree.sh");
    let out = Command::new(&script).arg(version).output();
    let failure = match out {
        Ok(o) if o.status.success() => {
            let path = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            if path.join("Kconfig").is_file() {
                return Some(path);
            }
            format!(
                "{} printed {}, which has no Kconfig",
                script.display(),
                path.display()
            )
        }
        Ok(o) => format!(
            "{} {version} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => format!("cannot run {}: {e}", script.display()),
    };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{failure}");
    }
    eprintln!("NOT RUN: no Linux {version} tree ({failure}); run scripts/kernel-tree.sh {version}");
    None
}

/// Where each Kconfig symbol is defined: symbol → files (relative to the tree) with a
/// `config NAME` or `menuconfig NAME` line.
struct Symbols(BTreeMap<String, Vec<String>>);

impl Symbols {
    fn scan(tree: &Path) -> Self {
        let mut defs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut stack = vec![tree.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                let rel = path
                    .strip_prefix(tree)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                if path.is_dir() {
                    // Kconfig's own test inputs and the docs define symbols no kernel has.
                    if !matches!(
                        rel.as_str(),
                        "scripts/kconfig/tests" | "Documentation" | ".git"
                    ) {
                        stack.push(path);
                    }
                    continue;
                }
                if !e.file_name().to_string_lossy().starts_with("Kconfig") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                for line in text.lines() {
                    let mut words = line.split_whitespace();
                    if matches!(words.next(), Some("config" | "menuconfig")) {
                        if let (Some(name), None) = (words.next(), words.next()) {
                            defs.entry(name.to_string()).or_default().push(rel.clone());
                        }
                    }
                }
            }
        }
        Symbols(defs)
    }

    /// Whether `symbol` is defined for kbuild architecture `arch`: in a common Kconfig file or
    /// under that architecture's arch/ directory.
    fn defines(&self, symbol: &str, arch: &str) -> bool {
        let srcarch = match arch {
            "x86_64" | "i386" => "x86",
            other => other,
        };
        self.0.get(symbol).is_some_and(|files| {
            files.iter().any(|f| match f.strip_prefix("arch/") {
                Some(rest) => !rest.contains('/') || rest.starts_with(&format!("{srcarch}/")),
                None => true,
            })
        })
    }
}

/// (profile, arch, symbol) for every symbol of every built-in requirement.
fn requirement_symbols() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for p in builtin().expect("built-in profiles parse") {
        let arches = if p.arches.is_empty() {
            vec!["x86_64".to_string(), "arm64".to_string()]
        } else {
            p.arches.clone()
        };
        for r in &p.requires {
            for arch in arches.iter().filter(|a| r.applies_to(a)) {
                for s in &r.symbols {
                    out.push((p.name.clone(), arch.clone(), s.clone()));
                }
            }
        }
    }
    out
}

/// Requirement symbols that Linux removed by 6.12 without a successor: a requirement on them is
/// met trivially (level "n") or cannot be met there. Kept explicit so new drift shows up here.
const REMOVED_BY_6_12: &[&str] = &[
    "ACPI_CUSTOM_METHOD",
    "SECURITY_SELINUX_DISABLE",
    "SYSFS_DEPRECATED",
];

#[test]
fn every_requirement_symbol_exists_in_6_1_for_its_arch() {
    let Some(t61) = tree("6.1") else { return };
    let syms = Symbols::scan(&t61);
    assert!(
        syms.0.len() > 10_000,
        "only {} symbols found in {}",
        syms.0.len(),
        t61.display()
    );
    let missing: Vec<String> = requirement_symbols()
        .into_iter()
        .filter(|(_, arch, s)| !syms.defines(s, arch))
        .map(|(p, arch, s)| format!("{p}: {s} ({arch})"))
        .collect();
    assert!(
        missing.is_empty(),
        "not defined in Linux 6.1:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn requirement_symbols_reach_6_12_through_renames_or_are_known_removals() {
    let Some(t612) = tree("6.12") else { return };
    let syms = Symbols::scan(&t612);
    let mut renamed: BTreeSet<String> = BTreeSet::new();
    let mut gone: BTreeSet<String> = BTreeSet::new();
    for (_, arch, s) in requirement_symbols() {
        if syms.defines(&s, &arch) {
            continue;
        }
        match names_for(&s).iter().find(|n| syms.defines(n, &arch)) {
            Some(n) => renamed.insert(format!("{s} -> {n}")),
            None => gone.insert(s),
        };
    }
    eprintln!("renamed by 6.12: {renamed:?}");
    let expected: BTreeSet<String> = REMOVED_BY_6_12.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        gone, expected,
        "symbols missing in Linux 6.12 without a known rename"
    );
}

#[test]
fn renames_match_the_trees() {
    let (Some(t61), Some(t612)) = (tree("6.1"), tree("6.12")) else {
        return;
    };
    let (s61, s612) = (Symbols::scan(&t61), Symbols::scan(&t612));
    let anywhere = |s: &Symbols, name: &str| ["x86_64", "arm64"].iter().any(|a| s.defines(name, a));
    let release = |v: &str| -> (u32, u32) {
        let (a, b) = v.split_once('.').expect("MAJOR.MINOR");
        (a.parse().expect("major"), b.parse().expect("minor"))
    };
    for r in renames().expect("renames parse") {
        let since = release(&r.since);
        assert!(
            anywhere(&s612, &r.new),
            "{}: {} is not in 6.12",
            r.old,
            r.new
        );
        assert!(
            !anywhere(&s612, &r.old),
            "{} is still in 6.12: not renamed yet?",
            r.old
        );
        if since > (6, 1) {
            assert!(
                anywhere(&s61, &r.old),
                "{} -> {} since {}: 6.1 should have the old name",
                r.old,
                r.new,
                r.since
            );
            assert!(
                !anywhere(&s61, &r.new),
                "{} -> {} since {}: 6.1 already has the new name",
                r.old,
                r.new,
                r.since
            );
        } else {
            assert!(
                anywhere(&s61, &r.new),
                "{} -> {} since {}: 6.1 lacks the new name",
                r.old,
                r.new,
                r.since
            );
        }
    }
}

#[test]
fn cited_kernel_documents_exist() {
    let (Some(t61), Some(t612)) = (tree("6.1"), tree("6.12")) else {
        return;
    };
    let mut missing = Vec::new();
    let mut checked = 0;
    let mut cite = |who: String, source: &str| {
        let first = source.split_whitespace().next().unwrap_or("");
        if first.starts_with("http") || !first.contains('/') {
            return;
        }
        checked += 1;
        if !t61.join(first).exists() && !t612.join(first).exists() {
            missing.push(format!("{who}: {first}"));
        }
    };
    for p in builtin().expect("parse") {
        for r in &p.requires {
            cite(format!("{} {}", p.name, r.symbols.join("|")), &r.source);
        }
    }
    for r in renames().expect("renames parse") {
        cite(format!("rename {}", r.old), &r.source);
    }
    assert!(checked > 50, "only {checked} kernel documents cited");
    assert!(
        missing.is_empty(),
        "cited files in neither tree:\n  {}",
        missing.join("\n  ")
    );
}
