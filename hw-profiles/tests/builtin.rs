//! The built-in data as a whole: every profile loads and resolves for its architectures, the
//! include chains flatten in order, and the instance catalog points at profiles that exist.

use std::collections::BTreeMap;

use hw_profiles::instance::{self, Platform};
use hw_profiles::{builtin, names_for, renames, Level, ProfileKind, ProfileSet};

/// The architectures ktailor builds for; a profile without arches applies to both.
const ARCHES: &[&str] = &["x86_64", "arm64"];

fn arches_of(p: &hw_profiles::Profile) -> Vec<String> {
    if p.arches.is_empty() {
        ARCHES.iter().map(|a| a.to_string()).collect()
    } else {
        p.arches.clone()
    }
}

#[test]
fn every_builtin_profile_parses_and_resolves_for_its_arches() {
    let profiles = builtin().expect("built-in profiles parse");
    let set = ProfileSet::builtin().expect("built-in set loads");
    assert_eq!(set.names().len(), profiles.len());
    let mut counts = BTreeMap::new();
    for p in &profiles {
        assert!(!p.requires.is_empty(), "{} states no requirement", p.name);
        if p.kind == ProfileKind::Hardware {
            assert!(!p.arches.is_empty(), "{} names no arch", p.name);
        }
        for arch in arches_of(p) {
            let reqs = set
                .resolve(std::slice::from_ref(&p.name), &arch)
                .unwrap_or_else(|e| panic!("{} for {arch}: {e}", p.name));
            assert!(
                !reqs.is_empty(),
                "{} resolves to nothing for {arch}",
                p.name
            );
            for r in &reqs {
                assert!(
                    r.applies_to(&arch),
                    "{} leaks {:?} into {arch}",
                    p.name,
                    r.symbols
                );
                assert!(
                    set.get(&r.profile).is_some(),
                    "{}: unknown stating profile",
                    p.name
                );
            }
            counts.insert(format!("{} ({arch})", p.name), reqs.len());
        }
    }
    eprintln!("requirements after includes: {counts:#?}");
}

#[test]
fn every_hardware_profile_combines_with_every_workload_for_its_arch() {
    let set = ProfileSet::builtin().expect("built-in set loads");
    let hardware: Vec<_> = set
        .iter()
        .filter(|p| p.kind == ProfileKind::Hardware)
        .collect();
    let workloads: Vec<_> = set
        .iter()
        .filter(|p| p.kind == ProfileKind::Workload)
        .collect();
    assert_eq!((hardware.len(), workloads.len()), (8, 5));
    for h in &hardware {
        for arch in &h.arches {
            for w in workloads.iter().filter(|w| w.supports(arch)) {
                let reqs = set
                    .resolve(&[h.name.clone(), w.name.clone()], arch)
                    .unwrap_or_else(|e| panic!("{} + {} for {arch}: {e}", h.name, w.name));
                // Hardware comes first, then the workload and its includes.
                let first_workload = reqs
                    .iter()
                    .position(|r| r.profile != h.name && !h.include.contains(&r.profile));
                if let Some(i) = first_workload {
                    assert!(
                        reqs[i..].iter().all(|r| r.profile != h.name),
                        "{} + {}: hardware requirements after workload ones",
                        h.name,
                        w.name
                    );
                }
            }
        }
    }
}

#[test]
fn workload_includes_flatten_base_first() {
    let set = ProfileSet::builtin().expect("built-in set loads");
    let reqs = set
        .resolve(&["kubernetes-node".to_string()], "arm64")
        .expect("resolves");
    let order: Vec<&str> = reqs.iter().map(|r| r.profile.as_str()).collect();
    let rank = |p: &str| match p {
        "minimal-server" => 0,
        "container-host" => 1,
        "kubernetes-node" => 2,
        other => panic!("unexpected profile {other}"),
    };
    assert!(
        order.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{order:?}"
    );
    assert!(order.contains(&"minimal-server") && order.contains(&"container-host"));
    let metal = set
        .resolve(&["ec2-metal-x86_64".to_string()], "x86_64")
        .expect("resolves");
    assert_eq!(
        metal.first().map(|r| r.profile.as_str()),
        Some("ec2-nitro-x86_64")
    );
    assert_eq!(
        metal.last().map(|r| r.profile.as_str()),
        Some("ec2-metal-x86_64")
    );
}

#[test]
fn profiles_for_one_arch_refuse_the_other() {
    let set = ProfileSet::builtin().expect("built-in set loads");
    for (name, wrong) in [
        ("ec2-graviton-arm64", "x86_64"),
        ("ec2-metal-arm64", "x86_64"),
        ("ec2-nitro-x86_64", "arm64"),
        ("livepatchable", "arm64"),
    ] {
        let e = set
            .resolve(&[name.to_string()], wrong)
            .expect_err("wrong arch")
            .to_string();
        assert!(e.contains(&format!("not for {wrong}")), "{e}");
    }
}

#[test]
fn root_requirements_are_hard_and_on() {
    for p in builtin().expect("parse") {
        for r in &p.requires {
            if r.root {
                assert!(
                    !r.recommended && r.level != Level::Off,
                    "{}: {:?}",
                    p.name,
                    r.symbols
                );
            }
            assert!(
                r.source.starts_with("https://") || r.source.contains('/'),
                "{}: {:?} cites '{}', neither a URL nor a kernel document",
                p.name,
                r.symbols,
                r.source
            );
        }
    }
}

#[test]
fn every_hardware_profile_boots_to_a_console_and_a_root_disk() {
    for p in builtin()
        .expect("parse")
        .iter()
        .filter(|p| p.kind == ProfileKind::Hardware)
    {
        let set = ProfileSet::builtin().expect("set");
        for arch in &p.arches {
            let reqs = set
                .resolve(std::slice::from_ref(&p.name), arch)
                .expect("resolves");
            let roots: Vec<&str> = reqs
                .iter()
                .filter(|r| r.root)
                .flat_map(|r| r.symbols.iter().map(String::as_str))
                .collect();
            assert!(
                roots.contains(&"SERIAL_8250_CONSOLE"),
                "{} has no console: {roots:?}",
                p.name
            );
            let disk = ["BLK_DEV_NVME", "VIRTIO_BLK", "XEN_BLKDEV_FRONTEND"];
            assert!(
                roots.iter().any(|s| disk.contains(s)),
                "{} has no root disk: {roots:?}",
                p.name
            );
        }
    }
}

#[test]
fn instance_types_resolve_to_builtin_hardware_profiles_of_their_arch() {
    let set = ProfileSet::builtin().expect("built-in set loads");
    for f in instance::families().expect("catalog parses") {
        let mut sizes = vec!["large"];
        if f.metal {
            sizes.push("metal");
        }
        for size in sizes {
            let name = format!("{}.{size}", f.name);
            let t = instance::lookup(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let hw = set
                .get(t.hardware_profile)
                .unwrap_or_else(|| panic!("{name}: no profile {}", t.hardware_profile));
            assert_eq!(hw.kind, ProfileKind::Hardware);
            assert!(
                hw.arches.iter().any(|a| a == t.arch),
                "{name} is {} but {} is for {:?}",
                t.arch,
                hw.name,
                hw.arches
            );
            assert_eq!(t.platform == Platform::Metal, size == "metal", "{name}");
        }
    }
}

#[test]
fn the_brief_examples_resolve() {
    for (name, arch, profile) in [
        ("m7i.large", "x86_64", "ec2-nitro-x86_64"),
        ("c7g.large", "arm64", "ec2-graviton-arm64"),
        ("m5.metal", "x86_64", "ec2-metal-x86_64"),
        ("m4.xlarge", "x86_64", "ec2-xen-x86_64"),
        ("t2.micro", "x86_64", "ec2-xen-x86_64"),
        ("c6gn.16xlarge", "arm64", "ec2-graviton-arm64"),
        ("a1.medium", "arm64", "ec2-graviton-arm64"),
        ("c7g.metal", "arm64", "ec2-metal-arm64"),
    ] {
        let t = instance::lookup(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((t.arch, t.hardware_profile), (arch, profile), "{name}");
    }
}

#[test]
fn renamed_symbols_in_profiles_reach_their_other_names() {
    let table = renames().expect("renames parse");
    assert!(table.len() >= 10);
    let all: Vec<String> = builtin()
        .expect("parse")
        .iter()
        .flat_map(|p| p.requires.iter().flat_map(|r| r.symbols.clone()))
        .collect();
    for r in table {
        let used = all.contains(&r.old) || all.contains(&r.new);
        assert!(used, "rename {} -> {} touches no requirement", r.old, r.new);
        assert_eq!(names_for(&r.old)[0], r.old);
        assert!(names_for(&r.old).contains(&r.new));
        assert!(names_for(&r.new).contains(&r.old));
    }
}
