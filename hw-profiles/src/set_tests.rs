//! Resolving selections: include order, diamonds, cycles, unknown names, architectures.

use super::*;
use crate::parse_profile;

/// A workload profile with the given includes, arches and one requirement per symbol; a
/// symbol written `NAME@arch` applies to that arch only.
fn profile(name: &str, include: &[&str], arches: &[&str], symbols: &[&str]) -> Profile {
    let list = |v: &[&str]| {
        v.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "name = \"{name}\"\nkind = \"workload\"\ndescription = \"test {name}\"\narches = [{}]\ninclude = [{}]\n",
        list(arches),
        list(include)
    );
    for s in symbols {
        let (sym, only) = match s.split_once('@') {
            Some((sym, a)) => (sym, format!("arches = [\"{a}\"]\n")),
            None => (*s, String::new()),
        };
        text.push_str(&format!(
            "[[require]]\nsymbol = \"{sym}\"\nlevel = \"y\"\nreason = \"r\"\nsource = \"s\"\n{only}"
        ));
    }
    parse_profile(&text, &format!("{name}.toml")).expect("test profile parses")
}

fn set(profiles: Vec<Profile>) -> ProfileSet {
    let mut s = ProfileSet::new();
    for p in profiles {
        s.add(p).expect("unique names");
    }
    s
}

/// (symbol, stating profile) of a resolution.
fn flat(reqs: &[Requirement]) -> Vec<(String, String)> {
    reqs.iter()
        .map(|r| (r.symbols.join("|"), r.profile.clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn includes_come_first_in_order_and_each_requirement_names_its_profile() {
    let s = set(vec![
        profile("base", &[], &[], &["A", "B"]),
        profile("net", &["base"], &[], &["C"]),
        profile("extra", &[], &[], &["D"]),
        profile("top", &["net", "extra"], &[], &["E"]),
    ]);
    let got = s.resolve(&["top".into()], "x86_64").expect("resolves");
    assert_eq!(
        flat(&got),
        pairs(&[
            ("A", "base"),
            ("B", "base"),
            ("C", "net"),
            ("D", "extra"),
            ("E", "top"),
        ])
    );
}

#[test]
fn a_profile_reached_twice_is_flattened_once_where_first_reached() {
    let s = set(vec![
        profile("base", &[], &[], &["A"]),
        profile("left", &["base"], &[], &["L"]),
        profile("right", &["base"], &[], &["R"]),
    ]);
    let got = s
        .resolve(&["left".into(), "right".into(), "base".into()], "arm64")
        .expect("resolves");
    assert_eq!(
        flat(&got),
        pairs(&[("A", "base"), ("L", "left"), ("R", "right")])
    );
}

#[test]
fn requirements_for_other_arches_are_left_out() {
    let s = set(vec![profile(
        "p",
        &[],
        &[],
        &["ALL", "X86@x86_64", "ARM@arm64"],
    )]);
    let x86 = s.resolve(&["p".into()], "x86_64").expect("resolves");
    assert_eq!(flat(&x86), pairs(&[("ALL", "p"), ("X86", "p")]));
    let arm = s.resolve(&["p".into()], "arm64").expect("resolves");
    assert_eq!(flat(&arm), pairs(&[("ALL", "p"), ("ARM", "p")]));
}

#[test]
fn cycles_are_reported_with_the_whole_cycle() {
    let s = set(vec![
        profile("entry", &["a"], &[], &[]),
        profile("a", &["b"], &[], &["A"]),
        profile("b", &["c"], &[], &["B"]),
        profile("c", &["a"], &[], &["C"]),
    ]);
    let e = s
        .resolve(&["entry".into()], "x86_64")
        .expect_err("a cycle")
        .to_string();
    assert_eq!(
        e,
        "profiles include each other in a cycle: a -> b -> c -> a; remove one of these includes"
    );
}

#[test]
fn unknown_names_and_includes_list_the_known_ones() {
    let s = set(vec![
        profile("minimal-server", &[], &[], &["A"]),
        profile("broken", &["minimal-sever"], &[], &["B"]),
    ]);
    let e = s
        .resolve(&["minimal-servr".into()], "x86_64")
        .expect_err("unknown")
        .to_string();
    assert_eq!(
        e,
        "unknown profile 'minimal-servr' (did you mean minimal-server?); known profiles: broken, minimal-server"
    );
    let e = s
        .resolve(&["broken".into()], "x86_64")
        .expect_err("unknown include")
        .to_string();
    assert_eq!(
        e,
        "profile 'broken' includes 'minimal-sever', which is not a known profile (did you mean minimal-server?); known profiles: broken, minimal-server"
    );
}

#[test]
fn a_profile_for_another_arch_is_an_error_that_says_how_it_was_reached() {
    let s = set(vec![
        profile("arm-only", &[], &["arm64"], &["A"]),
        profile("wrapper", &["arm-only"], &[], &["W"]),
    ]);
    let e = s
        .resolve(&["wrapper".into()], "x86_64")
        .expect_err("wrong arch")
        .to_string();
    assert_eq!(
        e,
        "profile 'arm-only' (included by wrapper) is for arm64, not for x86_64"
    );
    assert!(s.resolve(&["wrapper".into()], "arm64").is_ok());
    let e = s
        .resolve(&["wrapper".into()], "aarch64")
        .expect_err("not a kbuild arch")
        .to_string();
    assert!(
        e.contains("unknown architecture 'aarch64' (kbuild calls it 'arm64')"),
        "{e}"
    );
}

#[test]
fn names_are_unique_and_listed_in_order() {
    let mut s = set(vec![
        profile("b", &[], &[], &[]),
        profile("a", &[], &[], &[]),
    ]);
    assert_eq!(s.names(), ["a", "b"]);
    assert_eq!(
        s.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let e = s
        .add(profile("a", &[], &[], &["X"]))
        .expect_err("duplicate")
        .to_string();
    assert_eq!(
        e,
        "a profile named 'a' is already defined (added earlier); give the new one another name"
    );
    assert!(s.get("a").is_some_and(|p| p.requires.is_empty()));
    assert!(s.resolve(&[], "x86_64").expect("nothing to do").is_empty());
}

#[test]
fn user_profiles_cannot_shadow_builtin_ones() {
    let mut s = ProfileSet::builtin().expect("built-in profiles load");
    let e = s
        .add(profile("hardened", &[], &[], &["X"]))
        .expect_err("shadowing")
        .to_string();
    assert!(
        e.contains("'hardened' is already defined (built in)"),
        "{e}"
    );
    s.add(profile("my-workload", &["hardened"], &[], &["X"]))
        .expect("a new name is fine");
    let got = s
        .resolve(&["my-workload".into()], "x86_64")
        .expect("resolves");
    assert_eq!(got.last().map(|r| r.profile.as_str()), Some("my-workload"));
    assert!(got.iter().any(|r| r.profile == "hardened"));
}
