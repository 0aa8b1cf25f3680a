//! `ktailor conformance` against the tree's own conf, on the real 6.1 and 6.12 trees: every
//! arch × {allnoconfig, allyesconfig, allmodconfig, alldefconfig}, tinyconfig for x86 and arm64,
//! each arch's default defconfig (then savedefconfig), and olddefconfig of Debian's cloud-amd64
//! and amd64 configs for 6.1 on x86_64. Every case must be byte-identical, stderr included.
//! (`scripts/conformance-full.sh` runs every defconfig file of every arch.)

mod support;

use std::path::PathBuf;
use std::process::Command;

fn debian_config(flavour: &str) -> PathBuf {
    let src = PathBuf::from(format!(
        "/usr/src/linux-config-6.1/config.amd64_none_{flavour}.xz"
    ));
    assert!(
        src.is_file(),
        "{} is missing: install linux-config-6.1 (.ci/run does)",
        src.display()
    );
    let out = std::env::temp_dir().join(format!(
        "ktailor-debian-{flavour}-{}.config",
        std::process::id()
    ));
    let data = Command::new("xz")
        .arg("-dc")
        .arg(&src)
        .output()
        .expect("run xz");
    assert!(data.status.success(), "xz -dc {} failed", src.display());
    std::fs::write(&out, data.stdout).expect("write the config");
    out
}

fn conformance(version: &str, args: &[&str]) {
    let tree = support::tree(version);
    let out = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .arg("conformance")
        .arg("--tree")
        .arg(&tree)
        .args(args)
        .arg("--json")
        .output()
        .expect("run ktailor conformance");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let cases = v["cases"].as_u64().unwrap_or(0);
    let identical = v["identical"].as_u64().unwrap_or(0);
    let bad: Vec<String> = v["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            !(r["config_identical"] == true
                && r["stderr_identical"] == true
                && r["error"].is_null())
        })
        .map(|r| {
            format!(
                "{}\n{}",
                r["case"],
                r["diff"]
                    .as_array()
                    .map(|d| d
                        .iter()
                        .map(|l| l.as_str().unwrap_or(""))
                        .collect::<Vec<_>>()
                        .join("\n"))
                    .unwrap_or_default()
                    + &r["error"].to_string()
            )
        })
        .collect();
    assert!(cases > 0, "no cases ran");
    assert!(
        bad.is_empty(),
        "{version} {args:?}: {identical}/{cases} identical; differences:\n{}",
        bad.join("\n\n")
    );
    assert!(
        out.status.success(),
        "exit status {:?} although every case is identical",
        out.status
    );
}

#[test]
fn linux_6_1_every_arch_all_targets_and_default_defconfigs() {
    conformance("6.1", &["--arch", "all", "--defconfigs", "default"]);
}

#[test]
fn linux_6_12_every_arch_all_targets_and_default_defconfigs() {
    conformance("6.12", &["--arch", "all", "--defconfigs", "default"]);
}

#[test]
fn debian_6_1_configs_olddefconfig_on_both_trees() {
    let cloud = debian_config("cloud-amd64");
    let amd64 = debian_config("amd64");
    for version in ["6.1", "6.12"] {
        conformance(
            version,
            &[
                "--arch",
                "x86_64",
                "--targets",
                "",
                "--defconfigs",
                "none",
                "--config",
                cloud.to_str().unwrap(),
                "--config",
                amd64.to_str().unwrap(),
            ],
        );
    }
}
