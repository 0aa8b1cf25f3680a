//! Instance types: the examples the CLI documents, and the mistakes people make.

use super::*;

fn ok(name: &str) -> InstanceType {
    lookup(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn err(name: &str) -> String {
    match lookup(name) {
        Ok(t) => panic!("{name} resolved to {t:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_catalog_parses_and_names_each_family_once() {
    let all = families().expect("catalog parses");
    assert!(all.len() > 100, "{} families", all.len());
    for f in all {
        assert_eq!(
            all.iter().filter(|g| g.name == f.name).count(),
            1,
            "{}",
            f.name
        );
    }
}

#[test]
fn virtualized_nitro_types() {
    let t = ok("m7i.large");
    assert_eq!((t.family.as_str(), t.size.as_str()), ("m7i", "large"));
    assert_eq!((t.arch, t.platform), ("x86_64", Platform::Nitro));
    assert_eq!(t.hardware_profile, "ec2-nitro-x86_64");
    let t = ok("c7g.large");
    assert_eq!(
        (t.arch, t.platform, t.hardware_profile),
        ("arm64", Platform::Nitro, "ec2-graviton-arm64")
    );
    let t = ok("c6gn.16xlarge");
    assert_eq!(
        (t.arch, t.hardware_profile),
        ("arm64", "ec2-graviton-arm64")
    );
    let t = ok("a1.medium");
    assert_eq!((t.arch, t.platform), ("arm64", Platform::Nitro));
    let t = ok("u7i-12tb.224xlarge");
    assert_eq!((t.family.as_str(), t.arch), ("u7i-12tb", "x86_64"));
    assert_eq!(ok("m7i-flex.2xlarge").platform, Platform::Nitro);
}

#[test]
fn xen_types() {
    for name in [
        "m4.xlarge",
        "t2.micro",
        "c4.8xlarge",
        "r4.16xlarge",
        "i3.large",
        "p3.2xlarge",
        "x1e.xlarge",
    ] {
        let t = ok(name);
        assert_eq!(
            (t.arch, t.platform, t.hardware_profile),
            ("x86_64", Platform::Xen, "ec2-xen-x86_64"),
            "{name}"
        );
    }
    // The network-optimized P3 is a Nitro family of its own.
    assert_eq!(ok("p3dn.24xlarge").platform, Platform::Nitro);
}

#[test]
fn metal_sizes_map_to_the_metal_profiles() {
    let t = ok("m5.metal");
    assert_eq!(
        (t.arch, t.platform, t.hardware_profile),
        ("x86_64", Platform::Metal, "ec2-metal-x86_64")
    );
    let t = ok("c7g.metal");
    assert_eq!(
        (t.arch, t.platform, t.hardware_profile),
        ("arm64", Platform::Metal, "ec2-metal-arm64")
    );
    let t = ok("m7i.metal-24xl");
    assert_eq!(
        (t.size.as_str(), t.platform),
        ("metal-24xl", Platform::Metal)
    );
    // i3 runs on Xen, except its bare-metal size, which is on Nitro.
    assert_eq!(ok("i3.metal").platform, Platform::Metal);
    assert_eq!(ok("i3.xlarge").platform, Platform::Xen);
}

#[test]
fn case_and_blanks_do_not_matter() {
    assert_eq!(ok("  M7I.Large ").name, "m7i.large");
}

#[test]
fn malformed_names_say_what_form_is_expected() {
    let e = err("m7i");
    assert_eq!(e, "'m7i' is not an EC2 instance type: there is no '.' between family and size; write FAMILY.SIZE, such as m7i.large or c7g.metal");
    assert!(err("").contains("it is empty"));
    assert!(err(".large").contains("the family is missing"));
    assert!(err("m7i.").contains("the size is missing"));
}

#[test]
fn unknown_families_list_near_ones() {
    let e = err("m7.large");
    assert!(
        e.starts_with(
            "unknown EC2 instance family 'm7' in 'm7.large' (near: m7a, m7g, m7i, m7gd, m7i-flex"
        ),
        "{e}"
    );
    let e = err("zz9.large");
    assert!(
        e.starts_with("unknown EC2 instance family 'zz9' in 'zz9.large'; the catalog"),
        "{e}"
    );
    let e = err("c7q.large");
    assert!(e.contains("near: c7a, c7g, c7i"), "{e}");
}

#[test]
fn sizes_are_checked() {
    let e = err("m7i.huge");
    assert!(
        e.starts_with("'m7i.huge': 'huge' is not an instance size"),
        "{e}"
    );
    assert!(err("m5.large.x").contains("'large.x' is not an instance size"));
    assert_eq!(
        err("m4.metal"),
        "'m4.metal': m4 is a Xen-based family without bare-metal sizes"
    );
    assert_eq!(err("t3.metal"), "'t3.metal': t3 has no bare-metal sizes");
}

#[test]
fn bad_catalogs_say_where() {
    let e = parse_catalog(
        "[[family]]\nname = \"m9\"\narch = \"amd64\"\nplatform = \"nitro\"\n",
        "c.toml",
    )
    .expect_err("bad arch")
    .to_string();
    assert_eq!(e, "c.toml:3:8: arch 'amd64' is neither x86_64 nor arm64");
    let e = parse_catalog(
        "[[family]]\nname = \"m9\"\narch = \"x86_64\"\nplatform = \"kvm\"\n",
        "c.toml",
    )
    .expect_err("bad platform")
    .to_string();
    assert!(e.starts_with("c.toml:4:12: unknown variant `kvm`"), "{e}");
    let twice = "[[family]]\nname = \"m9\"\narch = \"x86_64\"\nplatform = \"nitro\"\n";
    let e = parse_catalog(&format!("{twice}{twice}"), "c.toml")
        .expect_err("twice")
        .to_string();
    assert_eq!(e, "c.toml:6:8: family 'm9' is listed twice");
}
