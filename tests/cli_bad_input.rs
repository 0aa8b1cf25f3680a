//! Bad input gets a clear, located error from the CLI, never a panic: syntax errors, a missing
//! `source` file, an unterminated block, a macro that recurses forever, a `$(shell)` that fails,
//! an unknown architecture, a tree that is not a tree.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A small tree: the real 6.1 Makefiles (kbuild reads them) and our own Kconfig files.
fn fake_tree(name: &str, kconfig: &str) -> PathBuf {
    let real = support::tree("6.1");
    let dir = std::env::temp_dir().join(format!("ktailor-bad-input-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("arch/x86")).unwrap();
    std::fs::create_dir_all(dir.join("scripts/kconfig")).unwrap();
    std::fs::copy(real.join("Makefile"), dir.join("Makefile")).unwrap();
    std::fs::copy(
        real.join("scripts/kconfig/Makefile"),
        dir.join("scripts/kconfig/Makefile"),
    )
    .unwrap();
    std::fs::write(dir.join("arch/x86/Kconfig"), "config X86\n\tdef_bool y\n").unwrap();
    std::fs::write(dir.join("Kconfig"), kconfig).unwrap();
    dir
}

fn ktailor(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .args(args)
        .output()
        .expect("run ktailor");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn parse(tree: &Path) -> (i32, String, String) {
    ktailor(&[
        "parse",
        "--tree",
        tree.to_str().unwrap(),
        "--arch",
        "x86_64",
        "--no-cache",
    ])
}

fn assert_located_error(name: &str, kconfig: &str, expected: &[&str]) {
    let tree = fake_tree(name, kconfig);
    let (code, _out, err) = parse(&tree);
    assert_ne!(code, 0, "{name}: expected failure, stderr:\n{err}");
    assert!(!err.contains("panicked"), "{name}: panic:\n{err}");
    for e in expected {
        assert!(err.contains(e), "{name}: stderr lacks {e:?}:\n{err}");
    }
    let _ = std::fs::remove_dir_all(&tree);
}

#[test]
fn syntax_error_names_file_line_column_shows_the_line_and_what_was_expected() {
    assert_located_error(
        "syntax",
        "source \"arch/$(SRCARCH)/Kconfig\"\nconfig A\n\tbool \"a\"\n\tdepends on X86 &&\n",
        &[
            "Kconfig:4:19: error: syntax error: unexpected end of line",
            " 4 | \tdepends on X86 &&",
            "expected a symbol or a quoted string",
        ],
    );
    assert_located_error(
        "unknown-statement",
        "confg A\n",
        &["Kconfig:1:1: error: unknown statement \"confg\""],
    );
}

#[test]
fn missing_source_file() {
    assert_located_error(
        "missing-source",
        "source \"nope/Kconfig\"\n",
        &[
            "Kconfig:1:1: error: can't open file \"nope/Kconfig\"",
            "relative to the top of the tree",
        ],
    );
}

#[test]
fn unterminated_block() {
    assert_located_error(
        "unterminated",
        "menu \"m\"\nconfig A\n\tbool \"a\"\n",
        &["Kconfig:1:1: error: missing end statement", "add 'endmenu'"],
    );
}

#[test]
fn macro_that_recurses_forever() {
    assert_located_error(
        "recursive-macro",
        "x = $(x)\nconfig A\n\tbool \"$(x)\"\n",
        &[
            "Kconfig:3:",
            "Recursive variable 'x' references itself (eventually)",
        ],
    );
    assert_located_error(
        "deep-macro",
        "f = $(f,$(1))\nconfig A\n\tbool \"$(f,a)\"\n",
        &["Too deep recursive expansion"],
    );
}

#[test]
fn failing_shell_command_is_explained() {
    assert_located_error(
        "failing-shell",
        "config A\n\tbool \"a\"\n\tdefault $(shell,exit 3)\n",
        &["Kconfig:3:", "`$(shell,exit 3)` expanded to nothing"],
    );
}

#[test]
fn unknown_arch_and_missing_tree() {
    let tree = fake_tree("arch", "config A\n\tbool \"a\"\n");
    let (code, _, err) = ktailor(&[
        "parse",
        "--tree",
        tree.to_str().unwrap(),
        "--arch",
        "sparc42",
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("unknown ARCH 'sparc42'") && err.contains("x86_64"),
        "{err}"
    );
    let (code, _, err) = ktailor(&["parse", "--tree", "/nonexistent/linux"]);
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent/linux"), "{err}");
    let _ = std::fs::remove_dir_all(&tree);
}

#[test]
fn a_good_small_tree_loads_and_graph_answers() {
    let tree = fake_tree("good", "source \"arch/$(SRCARCH)/Kconfig\"\nconfig A\n\tbool \"a\"\n\tdepends on X86\n\tselect B\nconfig B\n\tbool\n");
    let (code, out, err) = parse(&tree);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("symbols:   3 (3 bool)"), "{out}");
    let (code, out, err) = ktailor(&[
        "graph",
        "--tree",
        tree.to_str().unwrap(),
        "--arch",
        "x86_64",
        "--symbol",
        "B",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["dependents"][0]["from"], "A");
    assert_eq!(v["dependents"][0]["kind"], "selects");
    let _ = std::fs::remove_dir_all(&tree);
}
