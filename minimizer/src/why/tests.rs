//! Unit tests of provenance, on small Kconfig models under both choice rules.

use super::*;
use crate::drift::testkit::{config, model, sym};
use kconfig_parser::expr_simplify::KernelVersion;

const KCONFIG: &str = r#"
config MODULES
	bool "modules"
	modules
config A
	bool "A"
config B
	tristate "B"
	depends on A
config C
	bool
	default y if A
config D
	tristate
	select E
config E
	tristate "E"
config F
	bool "F"
	imply G
config G
	bool "G"
choice
	prompt "Pick"
	default P1
config P1
	bool "one"
config P2
	bool "two"
endchoice
"#;

fn check(v: KernelVersion) {
    let m = model(KCONFIG, v);
    let mut cfg = config(
        &m,
        v,
        "CONFIG_MODULES=y\nCONFIG_A=y\nCONFIG_B=m\nCONFIG_D=y\nCONFIG_F=y\n# CONFIG_G is not set\nCONFIG_P2=y\n",
    );
    let b = provenance(&mut cfg, sym(&m, "B"));
    assert_eq!((b.value.as_str(), b.source), ("m", Source::User));
    assert_eq!(b.user.as_deref(), Some("m"));
    let dep = b.depends.as_ref().expect("depends");
    assert_eq!(dep.with_values, "A [=y]");
    assert_eq!(dep.symbols, [("A".to_string(), "y".to_string())]);

    let c = provenance(&mut cfg, sym(&m, "C"));
    assert_eq!((c.value.as_str(), c.source), ("y", Source::Default));
    let d = c.default.as_ref().expect("default");
    assert_eq!((d.expr.as_str(), d.value.as_str()), ("y", "y"));
    assert_eq!(
        d.condition.as_ref().map(|c| c.with_values.as_str()),
        Some("A [=y]")
    );
    assert_eq!(d.location, "Kconfig:12");
    assert!(c.prompts.is_empty());

    // D is not visible: no user value is kept, its value is n; E is visible but nothing
    // selects it at y: D=n.
    let e = provenance(&mut cfg, sym(&m, "E"));
    assert_eq!(e.source, Source::NoValue);

    let g = provenance(&mut cfg, sym(&m, "G"));
    assert_eq!((g.value.as_str(), g.source), ("n", Source::User));
    assert_eq!(g.implied_by.len(), 1);
    assert_eq!(g.implied_by[0].by, "F");

    let p = provenance(&mut cfg, sym(&m, "P2"));
    assert_eq!((p.value.as_str(), p.source), ("y", Source::Choice));
    let ch = p.choice.as_ref().expect("choice");
    assert_eq!(
        (ch.prompt.as_str(), ch.chosen.as_deref(), ch.by_user),
        ("Pick", Some("P2"), true)
    );
    let text = p.to_string();
    assert!(
        text.contains("choice \"Pick\" picks P2 (the user's pick)"),
        "{text}"
    );
    assert!(text.contains("user value: y (used)"), "{text}");

    let missing = provenance(&mut cfg, m.find("y").expect("y"));
    assert!(!missing.defined());
}

#[test]
fn provenance_on_the_6_1_rules() {
    check((6, 1));
}

#[test]
fn provenance_on_the_6_12_rules() {
    check((6, 12));
}

#[test]
fn a_select_decides_over_the_user() {
    let v = (6, 12);
    let m = model(
        "config MODULES\n\tbool \"m\"\n\tmodules\nconfig S\n\tbool \"S\"\n\tselect T if U\n\
         config U\n\tbool \"U\"\nconfig T\n\tbool \"T\"\n",
        v,
    );
    let mut cfg = config(&m, v, "CONFIG_S=y\nCONFIG_U=y\n# CONFIG_T is not set\n");
    let t = provenance(&mut cfg, sym(&m, "T"));
    assert_eq!((t.value.as_str(), t.source), ("y", Source::Selected));
    assert_eq!(t.selected_by.len(), 1);
    let r = &t.selected_by[0];
    assert_eq!(r.by, "S");
    assert_eq!(
        r.condition.as_ref().map(|c| c.with_values.as_str()),
        Some("U [=y]")
    );
    assert_eq!(r.location.as_deref(), Some("Kconfig:6"));
    assert_eq!(t.user.as_deref(), Some("n"));
    assert_eq!(t.config_value().as_deref(), Some("y"));
    let text = t.to_string();
    assert!(text.starts_with("T=y (bool, selected)\n"), "{text}");
    assert!(
        text.contains("  selected by S if U [=y] (= y) at Kconfig:6\n"),
        "{text}"
    );
}
