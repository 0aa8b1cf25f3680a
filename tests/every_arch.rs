//! Every architecture of the 6.1 and 6.12 trees loads without error, prints no warning the
//! tree's own conf would not print, and knows every symbol conf writes for allnoconfig,
//! allyesconfig and allmodconfig, with a type that fits the value conf wrote.

mod support;

use std::sync::Mutex;

use kconfig_parser::loader::{load_tree, LoadOptions};
use kconfig_parser::model::SymbolType;
use kconfig_parser::preprocess::Output;
use rayon::prelude::*;

/// Whether a value conf wrote fits a symbol type.
fn value_fits(ty: SymbolType, value: Option<&str>) -> bool {
    match value {
        None => matches!(ty, SymbolType::Bool | SymbolType::Tristate),
        Some("y") => matches!(ty, SymbolType::Bool | SymbolType::Tristate),
        Some("m") => ty == SymbolType::Tristate,
        Some(v) if v.starts_with('"') => ty == SymbolType::String,
        Some(v) if v.starts_with("0x") || v.starts_with("0X") => ty == SymbolType::Hex,
        Some(v) => {
            let digits = v.strip_prefix('-').unwrap_or(v);
            !digits.is_empty()
                && (digits.bytes().all(|c| c.is_ascii_digit())
                    && matches!(ty, SymbolType::Int | SymbolType::Hex)
                    || digits.bytes().all(|c| c.is_ascii_hexdigit()) && ty == SymbolType::Hex)
        }
    }
}

/// `CONFIG_X=v` or `# CONFIG_X is not set` lines of a .config.
fn assignments(config: &str) -> Vec<(&str, Option<&str>)> {
    config
        .lines()
        .filter_map(|l| {
            if let Some(rest) = l.strip_prefix("# CONFIG_") {
                return rest.strip_suffix(" is not set").map(|n| (n, None));
            }
            let rest = l.strip_prefix("CONFIG_")?;
            let (n, v) = rest.split_once('=')?;
            Some((n, Some(v)))
        })
        .collect()
}

fn check_tree(version: &str) {
    let tree = support::tree(version);
    let arches = support::arches(&tree);
    assert!(
        arches.len() >= 20,
        "{}: only {} arches",
        tree.display(),
        arches.len()
    );
    let failures = Mutex::new(Vec::<String>::new());
    let checked = Mutex::new(0usize);
    arches.par_iter().for_each(|arch| {
        let loaded = match load_tree(&tree, &LoadOptions { arch: Some(arch.clone()), ..Default::default() }) {
            Ok(t) => t,
            Err(e) => {
                failures.lock().unwrap().push(format!("{version} {arch}: load failed: {e}"));
                return;
            }
        };
        let m = &loaded.model;
        for target in ["allnoconfig", "allyesconfig", "allmodconfig"] {
            let run = support::conf(&tree, arch, target);
            if target == "allnoconfig" {
                for msg in &loaded.messages {
                    if let Output::Stderr(w) = msg {
                        if !run.stderr.contains(w.as_str()) {
                            failures.lock().unwrap().push(format!("{version} {arch}: ktailor warns {w:?} but conf does not"));
                        }
                    }
                }
            }
            for (name, value) in assignments(&run.config) {
                *checked.lock().unwrap() += 1;
                match m.find(name).filter(|s| !m.sym(*s).menus.is_empty()) {
                    None => failures.lock().unwrap().push(format!("{version} {arch} {target}: conf writes {name}, ktailor does not know it")),
                    Some(s) => {
                        let ty = m.sym(s).ty;
                        if !value_fits(ty, value) {
                            failures.lock().unwrap().push(format!(
                                "{version} {arch} {target}: {name} is {} in ktailor, conf wrote {value:?}",
                                ty.name()
                            ));
                        }
                    }
                }
            }
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        *checked.lock().unwrap() > 100_000,
        "too few assignments checked"
    );
}

#[test]
fn linux_6_1_every_arch_loads_and_knows_conf_symbols() {
    check_tree("6.1");
}

#[test]
fn linux_6_12_every_arch_loads_and_knows_conf_symbols() {
    check_tree("6.12");
}
