//! `ktailor minimize` end to end on the real 6.1 tree: the result is a fixed point of the
//! tree's own olddefconfig, meets every requirement of its profiles (read from the profiles,
//! checked on the written .config), is far smaller than Debian's cloud config, and is locally
//! minimal: lowering any single enabled option, as a user would by editing the .config and
//! running olddefconfig, either does not take effect or breaks a requirement.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use hw_profiles::{Level, ProfileSet, Requirement};
use kconfig_parser::confdata::ConfEnv;
use kconfig_parser::eval::EvalPlan;
use kconfig_parser::loader::{load_tree, LoadOptions, LoadedTree};
use kconfig_parser::targets::{run_target, Target, TargetOptions};
use rayon::prelude::*;
use std::sync::Arc;

/// `NAME -> value` for every `CONFIG_NAME=value` line.
fn values(config: &str) -> BTreeMap<String, String> {
    config
        .lines()
        .filter_map(|l| l.strip_prefix("CONFIG_"))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn enabled_count(config: &str) -> usize {
    values(config)
        .values()
        .filter(|v| *v == "y" || *v == "m")
        .count()
}

struct Run {
    config: String,
    fragment: String,
    stdout: String,
}

fn minimize(tree: &Path, args: &[&str]) -> Run {
    let dir = support::scratch_dir("minimize");
    let out = dir.0.join("min.config");
    let frag = dir.0.join("min.fragment");
    let o = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .arg("minimize")
        .arg("--tree")
        .arg(tree)
        .args(args)
        .arg("--output")
        .arg(&out)
        .arg("--fragment")
        .arg(&frag)
        .output()
        .expect("run ktailor minimize");
    assert!(
        o.status.success(),
        "ktailor minimize {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    Run {
        config: std::fs::read_to_string(&out).expect("read the minimized config"),
        fragment: std::fs::read_to_string(&frag).expect("read the fragment"),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
    }
}

/// Whether a requirement holds in a config, judged from its text; None when the tree has
/// none of its symbols.
fn holds(req: &Requirement, tree: &LoadedTree, vals: &BTreeMap<String, String>) -> Option<bool> {
    let present: Vec<String> = req
        .symbols
        .iter()
        .filter_map(|n| {
            hw_profiles::names_for(n)
                .into_iter()
                .find(|n| tree.model.find(n).is_some())
        })
        .collect();
    if present.is_empty() {
        return None;
    }
    let v = |n: &str| vals.get(n).map(String::as_str).unwrap_or("n");
    Some(match req.level {
        Level::Off => present.iter().all(|n| v(n) == "n"),
        Level::Y => present.iter().any(|n| v(n) == "y"),
        Level::YOrM if req.root => present.iter().any(|n| v(n) == "y"),
        Level::YOrM => present.iter().any(|n| v(n) == "y" || v(n) == "m"),
    })
}

fn load(tree: &Path, arch: &str) -> LoadedTree {
    load_tree(
        tree,
        &LoadOptions {
            arch: Some(arch.into()),
            ..Default::default()
        },
    )
    .expect("load the tree")
}

/// olddefconfig of a config text with ktailor's conf (byte-identical to the tree's, as the
/// conformance tests show).
fn olddefconfig(tree: &LoadedTree, plan: &Arc<EvalPlan>, config: &str) -> String {
    let cwd = std::env::temp_dir();
    let mut env = ConfEnv::from_kbuild(&tree.env, &cwd);
    env.in_memory = true;
    let path = cwd.join(format!("ktailor-minimality-{}.config", std::process::id()));
    env.set("KCONFIG_CONFIG", &path.to_string_lossy());
    env.overlay.insert(path, config.as_bytes().to_vec());
    let opts = TargetOptions {
        plan: Some(plan.clone()),
        ..Default::default()
    };
    let version = (tree.env.version.version, tree.env.version.patchlevel);
    run_target(&tree.model, version, &mut env, &Target::OldDefConfig, &opts)
        .expect("olddefconfig")
        .config
        .expect("a config")
}

/// Every enabled option that a user can lower (the lowering survives olddefconfig) must break
/// a requirement when lowered. Returns how many lowerings took effect.
fn assert_locally_minimal(tree: &LoadedTree, config: &str, reqs: &[Requirement]) -> usize {
    let plan = Arc::new(EvalPlan::new(&tree.model));
    let vals = values(config);
    let modules = vals.get("MODULES").map(String::as_str) == Some("y");
    let mut tries: Vec<(String, &str)> = Vec::new();
    for (k, v) in &vals {
        if v == "y" {
            tries.push((k.clone(), "n"));
            if modules {
                tries.push((k.clone(), "m"));
            }
        } else if v == "m" {
            tries.push((k.clone(), "n"));
        }
    }
    let results: Vec<(String, &str, bool, Vec<String>)> = tries
        .par_iter()
        .map(|(k, to)| {
            let line = format!("CONFIG_{k}={}", vals[k]);
            let new = if *to == "n" {
                format!("# CONFIG_{k} is not set")
            } else {
                format!("CONFIG_{k}={to}")
            };
            let edited: String = config
                .lines()
                .map(|l| if l == line { new.as_str() } else { l })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n";
            let after = values(&olddefconfig(tree, &plan, &edited));
            let took = after.get(k).map(String::as_str).unwrap_or("n") == *to;
            let broken: Vec<String> = reqs
                .iter()
                .filter(|r| holds(r, tree, &vals) == Some(true))
                .filter(|r| holds(r, tree, &after) == Some(false))
                .map(|r| r.symbols.join("|"))
                .collect();
            (k.clone(), *to, took, broken)
        })
        .collect();
    let mut effective = 0;
    let mut not_minimal = Vec::new();
    for (k, to, took, broken) in results {
        if !took {
            continue;
        }
        effective += 1;
        if broken.is_empty() {
            not_minimal.push(format!("{k}={} -> {to}", vals[&k]));
        }
    }
    assert!(
        not_minimal.is_empty(),
        "these options can be lowered without breaking any requirement: {not_minimal:?}"
    );
    effective
}

/// What every container-host result must show.
fn check_container_host(instance: &str, arch: &str, console: &str) {
    let tree_dir = support::tree("6.1");
    let run = minimize(
        &tree_dir,
        &["--instance-type", instance, "--workload", "container-host"],
    );
    let config = &run.config;
    // Valid: the tree's own olddefconfig changes nothing.
    let dir = support::scratch_dir("minimize-oracle");
    let oracle = support::conf_steps(
        &tree_dir,
        arch,
        &dir.0.join(".config"),
        Some(config.as_bytes()),
        &["olddefconfig"],
        &[],
        false,
    );
    assert_eq!(oracle.status, [0]);
    let after = oracle.config.expect("conf wrote a config");
    assert!(
        after == *config,
        "not a fixed point of the tree's olddefconfig:\n{}",
        support::first_difference(config, &after)
    );
    // Reproducible with the tree's own tools: KCONFIG_ALLCONFIG=fragment make allnoconfig.
    let frag = dir.0.join("fragment");
    std::fs::write(&frag, &run.fragment).expect("write the fragment");
    let frag_s = frag.to_string_lossy().into_owned();
    let allno = support::conf_steps(
        &tree_dir,
        arch,
        &dir.0.join(".config"),
        None,
        &["allnoconfig"],
        &[("KCONFIG_ALLCONFIG", frag_s.as_str())],
        false,
    );
    assert_eq!(allno.status, [0], "{}", allno.stderr);
    let allno = allno.config.expect("conf wrote a config");
    assert!(
        allno == *config,
        "allnoconfig of the fragment differs:\n{}",
        support::first_difference(config, &allno)
    );
    assert!(run.fragment.lines().count() < 400, "{}", run.fragment);
    let vals = values(config);
    // The root disk and the console are built in; the network driver may be a module.
    for sym in ["BLK_DEV_NVME", console] {
        assert_eq!(
            vals.get(sym).map(String::as_str),
            Some("y"),
            "{sym} is not built in"
        );
    }
    let ena = vals.get("ENA_ETHERNET").map(String::as_str);
    assert!(matches!(ena, Some("y" | "m")), "ENA_ETHERNET={ena:?}");
    // Every requirement of the profiles, read from the profiles themselves.
    let tree = load(&tree_dir, arch);
    let hw = hw_profiles::instance::lookup(instance).expect("known instance type");
    let set = ProfileSet::builtin().expect("built-in profiles");
    let reqs = set
        .resolve(
            &[
                hw.hardware_profile.to_string(),
                "container-host".to_string(),
            ],
            arch,
        )
        .expect("resolve profiles");
    let docker: Vec<&Requirement> = reqs
        .iter()
        .filter(|r| r.profile == "container-host" && !r.recommended)
        .collect();
    assert!(
        docker.len() >= 20,
        "container-host states only {} required options",
        docker.len()
    );
    let mut unmet = Vec::new();
    for r in reqs.iter().filter(|r| !r.recommended) {
        if holds(r, &tree, &vals) == Some(false) {
            unmet.push(format!("{} ({})", r.symbols.join("|"), r.profile));
        }
    }
    assert!(unmet.is_empty(), "requirements not met: {unmet:?}");
    // Far below Debian's cloud flavour.
    let debian = String::from_utf8(support::debian_config("cloud-amd64")).expect("utf-8");
    let (ours, theirs) = (enabled_count(config), enabled_count(&debian));
    assert!(
        ours * 3 < theirs,
        "{ours} options enabled, Debian cloud-amd64 has {theirs}"
    );
    assert!(
        run.stdout.contains(&format!("{ours} options enabled")),
        "{}",
        run.stdout
    );
    // Recommended requirements the result meets count as requirements too.
    let lowered = assert_locally_minimal(&tree, config, &reqs);
    assert!(
        lowered > 10,
        "only {lowered} lowerings took effect: the check tested nothing"
    );
}

#[test]
fn m7i_large_container_host_is_valid_complete_small_and_locally_minimal() {
    check_container_host("m7i.large", "x86_64", "SERIAL_8250_CONSOLE");
}

#[test]
fn c7g_large_container_host_is_valid_complete_small_and_locally_minimal() {
    check_container_host("c7g.large", "arm64", "SERIAL_8250_CONSOLE");
}

#[test]
fn prune_mode_keeps_only_what_is_needed_from_debians_config() {
    let tree_dir = support::tree("6.1");
    let dir = support::scratch_dir("prune");
    let base = dir.0.join("cloud.config");
    let debian = support::debian_config("cloud-amd64");
    std::fs::write(&base, &debian).expect("write the base");
    let run = minimize(
        &tree_dir,
        &[
            "--instance-type",
            "m7i.large",
            "--workload",
            "container-host",
            "--base",
            base.to_str().expect("utf-8 path"),
        ],
    );
    let oracle = support::conf_steps(
        &tree_dir,
        "x86_64",
        &dir.0.join(".config"),
        Some(run.config.as_bytes()),
        &["olddefconfig"],
        &[],
        false,
    );
    assert_eq!(oracle.config.as_deref(), Some(run.config.as_str()));
    let (ours, theirs) = (
        enabled_count(&run.config),
        enabled_count(&String::from_utf8_lossy(&debian)),
    );
    assert!(ours * 3 < theirs, "{ours} vs base {theirs}");
    assert!(
        run.stdout.contains(&format!("base {}: ", base.display())),
        "{}",
        run.stdout
    );
    // Debian's choices survive where the result shows them: its preemption model.
    let vals = values(&run.config);
    assert_eq!(vals.get("PREEMPT_VOLUNTARY").map(String::as_str), Some("y"));
}

#[test]
fn conflicting_requirements_name_the_conflict_and_write_nothing() {
    let tree_dir = support::tree("6.1");
    let dir = support::scratch_dir("conflict");
    let profile = dir.0.join("no-net.toml");
    std::fs::write(
        &profile,
        r#"name = "no-net"
kind = "workload"
description = "a workload that forbids networking"
[[require]]
symbol = "NET"
level = "n"
reason = "air-gapped"
source = "test"
"#,
    )
    .expect("write the profile");
    let out = dir.0.join("out.config");
    std::fs::write(&out, "old contents\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .arg("minimize")
        .arg("--tree")
        .arg(&tree_dir)
        .args(["--instance-type", "m7i.large", "--workload", "no-net"])
        .arg("--profile-file")
        .arg(&profile)
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run ktailor");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot all be met"), "{err}");
    assert!(err.contains("ENA_ETHERNET"), "{err}");
    assert!(err.contains("NET"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&out).expect("read"),
        "old contents\n",
        "a failed run must leave the output untouched"
    );
}

#[test]
fn unknown_instance_type_and_profile_are_clear_errors() {
    let tree_dir = support::tree("6.1");
    for (args, want) in [
        (vec!["--instance-type", "zz9.large"], "zz9"),
        (vec!["--profile", "no-such-profile"], "no-such-profile"),
        (
            vec!["--instance-type", "m7i.large", "--modules", "sometimes"],
            "sometimes",
        ),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_ktailor"))
            .arg("minimize")
            .arg("--tree")
            .arg(&tree_dir)
            .args(&args)
            .arg("--output")
            .arg("/nonexistent/dir/never-written")
            .output()
            .expect("run ktailor");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn generate_writes_a_whole_fleet() {
    let tree_dir = support::tree("6.1");
    let dir = support::scratch_dir("generate");
    let matrix = dir.0.join("fleet.toml");
    std::fs::write(
        &matrix,
        r#"
[product]
instance_types = ["m7i.large", "c7g.large"]
workloads = [["minimal-server"]]

[[config]]
name = "microvm"
profiles = ["firecracker-x86_64"]
workloads = ["minimal-server"]
modules = "none"
"#,
    )
    .expect("write the matrix");
    let out = dir.0.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .arg("generate")
        .arg("--tree")
        .arg(&tree_dir)
        .arg("--matrix")
        .arg(&matrix)
        .arg("--out-dir")
        .arg(&out)
        .output()
        .expect("run ktailor generate");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("index.json")).expect("index.json"))
            .expect("JSON");
    let names: Vec<&str> = index
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "m7i-large+minimal-server",
            "c7g-large+minimal-server",
            "microvm"
        ]
    );
    let read = |n: &str| std::fs::read_to_string(out.join(format!("{n}.config"))).expect("config");
    let arm = values(&read("c7g-large+minimal-server"));
    assert_eq!(arm.get("ARM64").map(String::as_str), Some("y"));
    let x86 = values(&read("m7i-large+minimal-server"));
    assert_eq!(x86.get("X86_64").map(String::as_str), Some("y"));
    let fc = values(&read("microvm"));
    assert_eq!(fc.get("VIRTIO_BLK").map(String::as_str), Some("y"));
    assert_ne!(fc.get("MODULES").map(String::as_str), Some("y"));
    for n in &names {
        assert!(
            out.join(format!("{n}.report.json")).is_file(),
            "{n}: no report"
        );
    }
}

#[test]
fn explain_says_why_and_its_plan_to_change_a_value_works() {
    let tree_dir = support::tree("6.1");
    let run = minimize(
        &tree_dir,
        &[
            "--instance-type",
            "m7i.large",
            "--workload",
            "minimal-server",
        ],
    );
    let dir = support::scratch_dir("explain");
    let cfg = dir.0.join("min.config");
    std::fs::write(&cfg, &run.config).expect("write");
    let explain = |sym: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_ktailor"))
            .args(["explain", sym, "--arch", "x86_64", "--json", "--tree"])
            .arg(&tree_dir)
            .arg("--config")
            .arg(&cfg)
            .output()
            .expect("run ktailor explain");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("JSON")
    };
    // An option that is off: the plan to turn it on, applied with olddefconfig, turns it on.
    let ex = explain("BRIDGE_NETFILTER");
    assert_eq!(ex["provenance"]["value"], "n");
    let change = &ex["change"];
    assert_eq!(change["possible"], true, "{ex}");
    let set: Vec<String> = change["set"]
        .as_array()
        .expect("set")
        .iter()
        .map(|v| v.as_str().expect("str").to_string())
        .collect();
    assert!(set.iter().any(|s| s == "BRIDGE=y"), "{set:?}");
    let out = dir.0.join("after.config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ktailor"));
    cmd.args(["config", "olddefconfig", "--arch", "x86_64", "--tree"])
        .arg(&tree_dir)
        .arg("--input")
        .arg(&cfg)
        .arg("--output")
        .arg(&out);
    for s in &set {
        cmd.arg("--set").arg(s);
    }
    let o = cmd.output().expect("run ktailor config");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = values(&std::fs::read_to_string(&out).expect("read"));
    assert_eq!(after.get("BRIDGE_NETFILTER").map(String::as_str), Some("y"));
    for on in change["turns_on"].as_array().expect("turns_on") {
        let (k, v) = on
            .as_str()
            .expect("str")
            .split_once('=')
            .expect("NAME=value");
        assert_eq!(after.get(k).map(String::as_str), Some(v), "{k}");
    }
    // An option that is on because something selects it names the selector.
    let ex = explain("CRC16");
    let by: Vec<&str> = ex["provenance"]["selected_by"]
        .as_array()
        .expect("selected_by")
        .iter()
        .map(|r| r["by"].as_str().expect("by"))
        .collect();
    assert!(by.contains(&"EXT4_FS"), "{ex}");
    // A name the tree does not have is an error.
    let o = Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .args([
            "explain",
            "NO_SUCH_SYMBOL_AT_ALL",
            "--arch",
            "x86_64",
            "--tree",
        ])
        .arg(&tree_dir)
        .arg("--config")
        .arg(&cfg)
        .output()
        .expect("run ktailor explain");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such symbol"));
}
