//! Profile files, good and bad: what parses, and what each mistake's message says and where.

use super::*;

const GOOD: &str = r#"# a comment
name = "nvme-box"
kind = "hardware"
description = "a box with an NVMe disk"
arches = ["x86_64", "arm64"]
include = ["base"]

[[require]]
symbol = "BLK_DEV_NVME"
level = "ym"
root = true
reason = "The root disk is NVMe."
source = "https://example.org/nvme"

[[require]]
one_of = ["OVERLAY_FS", "BTRFS_FS"]
level = "ym"
reason = "Some storage driver."
source = "docs"

[[require]]
symbol = "X86_MCE"
level = "y"
recommended = true
reason = "Machine checks."
source = "arch/x86/Kconfig"
arches = ["x86_64"]

[[require]]
symbol = "DEVMEM"
level = "n"
reason = "No /dev/mem."
source = "kspp"
"#;

/// The message of a profile that fails to parse.
fn error(text: &str) -> String {
    match parse_profile(text, "dir/p.toml") {
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => e.to_string(),
    }
}

/// GOOD with `from` replaced by `to`.
fn variant(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from} not in GOOD");
    GOOD.replacen(from, to, 1)
}

#[test]
fn a_good_profile_parses_into_the_model() {
    let p = parse_profile(GOOD, "p.toml").expect("parses");
    assert_eq!(p.name, "nvme-box");
    assert_eq!(p.kind, ProfileKind::Hardware);
    assert_eq!(p.arches, ["x86_64", "arm64"]);
    assert_eq!(p.include, ["base"]);
    assert_eq!(p.requires.len(), 4);
    let nvme = &p.requires[0];
    assert_eq!(nvme.symbols, ["BLK_DEV_NVME"]);
    assert_eq!(nvme.level, Level::YOrM);
    assert!(nvme.root && !nvme.recommended);
    assert_eq!(nvme.profile, "nvme-box");
    assert!(nvme.arches.is_empty());
    assert_eq!(p.requires[1].symbols, ["OVERLAY_FS", "BTRFS_FS"]);
    assert_eq!(p.requires[2].arches, ["x86_64"]);
    assert!(p.requires[2].recommended);
    assert!(p.requires[2].applies_to("x86_64") && !p.requires[2].applies_to("arm64"));
    assert_eq!(p.requires[3].level, Level::Off);
}

#[test]
fn arches_include_and_flags_default_when_left_out() {
    let p = parse_profile(
        "name = \"w\"\nkind = \"workload\"\ndescription = \"d\"\n[[require]]\nsymbol = \"NET\"\nlevel = \"n\"\nreason = \"r\"\nsource = \"s\"\n",
        "w.toml",
    )
    .expect("parses");
    assert!(p.arches.is_empty() && p.include.is_empty());
    assert!(!p.requires[0].root && !p.requires[0].recommended);
}

#[test]
fn unknown_keys_are_rejected_where_they_are() {
    let e = error(&variant("recommended = true", "recomended = true"));
    assert!(
        e.starts_with("dir/p.toml:24:1: unknown field `recomended`"),
        "{e}"
    );
    assert!(e.contains("hint: a profile has name, kind"), "{e}");
    let e = error(&variant("include = [\"base\"]", "includes = [\"base\"]"));
    assert!(
        e.starts_with("dir/p.toml:6:1: unknown field `includes`"),
        "{e}"
    );
}

#[test]
fn a_bad_level_names_the_levels() {
    let e = error(&variant("level = \"ym\"\nroot", "level = \"yes\"\nroot"));
    assert!(
        e.starts_with("dir/p.toml:10:9: unknown variant `yes`"),
        "{e}"
    );
    assert!(e.contains("\"ym\" (built in or module)"), "{e}");
}

#[test]
fn a_bad_kind_names_the_kinds() {
    let e = error(&variant("kind = \"hardware\"", "kind = \"machine\""));
    assert!(
        e.starts_with("dir/p.toml:3:8: unknown variant `machine`"),
        "{e}"
    );
    assert!(e.contains("\"workload\""), "{e}");
}

#[test]
fn a_requirement_needs_a_symbol() {
    let e = error(&variant("symbol = \"BLK_DEV_NVME\"\n", ""));
    assert!(
        e.starts_with("dir/p.toml:8:1: a requirement has neither symbol nor one_of"),
        "{e}"
    );
    let e = error(&variant(
        "symbol = \"BLK_DEV_NVME\"\n",
        "symbol = \"BLK_DEV_NVME\"\none_of = [\"A\", \"B\"]\n",
    ));
    assert!(
        e.starts_with("dir/p.toml:10:10: a requirement has both"),
        "{e}"
    );
    let e = error(&variant(
        "one_of = [\"OVERLAY_FS\", \"BTRFS_FS\"]",
        "one_of = [\"OVERLAY_FS\"]",
    ));
    assert!(
        e.starts_with("dir/p.toml:16:10: one_of lists 1 symbol(s)"),
        "{e}"
    );
}

#[test]
fn config_prefixes_and_values_get_a_hint() {
    let e = error(&variant("\"BLK_DEV_NVME\"", "\"CONFIG_BLK_DEV_NVME\""));
    assert!(
        e.starts_with("dir/p.toml:9:10: symbol 'CONFIG_BLK_DEV_NVME' carries the CONFIG_ prefix"),
        "{e}"
    );
    assert!(e.contains("hint: write \"BLK_DEV_NVME\""), "{e}");
    let e = error(&variant("\"BTRFS_FS\"", "\"CONFIG_BTRFS_FS\""));
    assert!(e.starts_with("dir/p.toml:16:25:"), "{e}");
    let e = error(&variant("\"BLK_DEV_NVME\"", "\"BLK_DEV_NVME=y\""));
    assert!(e.contains("put the value in level (\"y\")"), "{e}");
    let e = error(&variant("\"BLK_DEV_NVME\"", "\"blk dev\""));
    assert!(e.contains("'blk dev' is not a Kconfig symbol name"), "{e}");
}

#[test]
fn architectures_are_kbuild_names() {
    let e = error(&variant(
        "[\"x86_64\", \"arm64\"]",
        "[\"x86_64\", \"aarch64\"]",
    ));
    assert!(
        e.starts_with("dir/p.toml:5:21: unknown architecture 'aarch64'"),
        "{e}"
    );
    assert!(e.contains("kbuild calls it 'arm64'"), "{e}");
    let e = error(&variant(
        "arches = [\"x86_64\"]\n",
        "arches = [\"riscv\"]\n",
    ));
    assert!(
        e.contains("architecture 'riscv' is not one of the profile's (x86_64, arm64)"),
        "{e}"
    );
    let e = error(&variant("arches = [\"x86_64\", \"arm64\"]\n", ""));
    assert!(
        e.contains("hardware profile 'nvme-box' does not say which architectures"),
        "{e}"
    );
}

#[test]
fn contradictions_and_empty_fields_are_rejected() {
    let e = error(&variant("level = \"n\"", "level = \"n\"\nroot = true"));
    assert!(
        e.contains("DEVMEM is marked root but asked to be off"),
        "{e}"
    );
    let e = error(&variant(
        "recommended = true",
        "recommended = true\nroot = true",
    ));
    assert!(
        e.contains("X86_MCE is marked both root and recommended"),
        "{e}"
    );
    let e = error(&variant("reason = \"No /dev/mem.\"", "reason = \" \""));
    assert!(e.contains("the reason of DEVMEM is empty"), "{e}");
    let e = error(&variant("source = \"kspp\"", "source = \"\""));
    assert!(e.contains("the source of DEVMEM is empty"), "{e}");
    let e = error(&variant(
        "description = \"a box with an NVMe disk\"",
        "description = \"\"",
    ));
    assert!(
        e.starts_with("dir/p.toml:4:15: the description is empty"),
        "{e}"
    );
}

#[test]
fn names_and_includes_are_checked() {
    let e = error(&variant("name = \"nvme-box\"", "name = \"NVMe Box\""));
    assert!(
        e.starts_with("dir/p.toml:2:8: 'NVMe Box' is not a valid profile name"),
        "{e}"
    );
    let e = error(&variant("include = [\"base\"]", "include = [\"nvme-box\"]"));
    assert!(e.contains("profile 'nvme-box' includes itself"), "{e}");
    let e = error(&variant(
        "include = [\"base\"]",
        "include = [\"base\", \"base\"]",
    ));
    assert!(
        e.starts_with("dir/p.toml:6:20: 'base' is included twice"),
        "{e}"
    );
    let e = match parse_named(GOOD, "profiles/other.toml", Some("other")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a built-in file must be named after its profile"),
    };
    assert!(
        e.contains("the profile in other.toml is named 'nvme-box'"),
        "{e}"
    );
}

#[test]
fn the_same_requirement_twice_is_rejected() {
    let twice = format!(
        "{GOOD}\n[[require]]\nsymbol = \"DEVMEM\"\nlevel = \"n\"\nreason = \"again\"\nsource = \"s\"\n"
    );
    let e = error(&twice);
    assert!(e.contains("DEVMEM is already required at line 29"), "{e}");
    // The same symbol for different architectures is two statements, not one.
    let split = variant(
        "level = \"n\"\nreason = \"No /dev/mem.\"\nsource = \"kspp\"\n",
        "level = \"n\"\nreason = \"No /dev/mem.\"\nsource = \"kspp\"\narches = [\"arm64\"]\n\n[[require]]\nsymbol = \"DEVMEM\"\nlevel = \"y\"\nreason = \"x86 needs it\"\nsource = \"s\"\narches = [\"x86_64\"]\n",
    );
    assert_eq!(
        parse_profile(&split, "p.toml")
            .expect("parses")
            .requires
            .len(),
        5
    );
}

#[test]
fn broken_toml_points_at_the_break() {
    let e = error(&variant(
        "level = \"y\"\nrecommended",
        "level = \"y\nrecommended",
    ));
    assert!(e.starts_with("dir/p.toml:23:"), "{e}");
    let e = error("name = \"x\"\nkind = \"workload\"\n");
    assert!(e.contains("missing field `description`"), "{e}");
}

#[test]
fn files_that_cannot_be_read_say_which() {
    let e = load_profile_file(Path::new("/nonexistent/dir/p.toml"))
        .expect_err("no such file")
        .to_string();
    assert!(
        e.starts_with("cannot read profile file /nonexistent/dir/p.toml:"),
        "{e}"
    );
}
