//! ktailor's configuration targets write what the tree's own conf writes, byte for byte, and
//! print the same warnings: all{no,yes,mod,def}config for five architectures, tinyconfig and
//! the defconfig (followed by savedefconfig) of x86_64 and arm64, and olddefconfig (then
//! savedefconfig) of Debian's cloud-amd64 configuration, on the 6.1 and 6.12 trees.
//!
//! Every expectation comes from running the tree's own conf (through make, as a user would)
//! at test time, in a private copy of the tree's O= directory.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use kconfig_parser::confdata::{AutoconfDeps, ConfEnv};
use kconfig_parser::eval::EvalPlan;
use kconfig_parser::loader::{load_tree, LoadOptions, LoadedTree};
use kconfig_parser::targets::{run_target, Target, TargetOptions};
use rayon::prelude::*;

/// The architectures checked (ARCH= values).
const ARCHES: &[&str] = &["x86_64", "arm64", "riscv", "s390", "powerpc"];

/// One comparison: a sequence of make targets on an optional input configuration.
struct Case {
    arch: &'static str,
    name: String,
    targets: Vec<&'static str>,
    input: Option<Vec<u8>>,
    /// Start without include/config/auto.conf, so that conf writes it, autoconf.h, rustc_cfg,
    /// auto.conf.cmd and the include/config/SYMBOL stamps; compare those too.
    autoconf: bool,
}

/// What a side (conf or ktailor) produced.
#[derive(Debug, Default)]
struct Outcome {
    config: Option<String>,
    defconfig: Option<String>,
    stdout: String,
    stderr: String,
    /// The files under include/ (autoconf cases).
    include: BTreeMap<String, String>,
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for &arch in ARCHES {
        for t in [
            "allnoconfig",
            "allyesconfig",
            "allmodconfig",
            "alldefconfig",
        ] {
            v.push(Case {
                arch,
                name: t.into(),
                targets: vec![t],
                input: None,
                autoconf: false,
            });
        }
    }
    for arch in ["x86_64", "arm64"] {
        v.push(Case {
            arch,
            name: "tinyconfig".into(),
            targets: vec!["tinyconfig"],
            input: None,
            autoconf: false,
        });
        v.push(Case {
            arch,
            name: "defconfig+savedefconfig".into(),
            targets: vec!["defconfig", "savedefconfig"],
            input: None,
            autoconf: false,
        });
    }
    v.push(Case {
        arch: "x86_64",
        name: "defconfig in a fresh objtree (auto.conf, autoconf.h, rustc_cfg)".into(),
        targets: vec!["defconfig"],
        input: None,
        autoconf: true,
    });
    v.push(Case {
        arch: "x86_64",
        name: "olddefconfig(debian cloud-amd64)+savedefconfig".into(),
        targets: vec!["olddefconfig", "savedefconfig"],
        input: Some(support::debian_config("cloud-amd64")),
        autoconf: false,
    });
    v
}

/// ktailor's side: each make target is one conf run, so each step starts from a fresh
/// evaluation and prints the parse messages again.
fn ours(
    tree: &Path,
    loaded: &LoadedTree,
    plan: &Arc<EvalPlan>,
    case: &Case,
    config: &Path,
) -> Outcome {
    let v = (loaded.env.version.version, loaded.env.version.patchlevel);
    // conf runs in the objtree; an autoconf case needs one without auto.conf.
    let cwd = if case.autoconf {
        Path::new("/nonexistent/ktailor-fresh-objtree").to_path_buf()
    } else {
        support::objtree(tree)
    };
    let mut env = ConfEnv::from_kbuild(&loaded.env, &cwd);
    env.in_memory = true;
    env.set("KCONFIG_CONFIG", &config.to_string_lossy());
    if let Some(data) = &case.input {
        env.overlay.insert(config.to_path_buf(), data.clone());
    }
    let kbuild_defconfig = loaded
        .env
        .get("KBUILD_DEFCONFIG")
        .unwrap_or_else(|| "defconfig".into());
    let mut out = Outcome::default();
    let opts = TargetOptions {
        parse_messages: loaded.messages.clone(),
        autoconf: case.autoconf.then_some(false),
        autoconf_deps: AutoconfDeps::from_loaded(loaded),
        plan: Some(plan.clone()),
        ..TargetOptions::default()
    };
    for name in &case.targets {
        let target = Target::from_make(name, tree, &loaded.env.srcarch, &kbuild_defconfig)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let run = run_target(&loaded.model, v, &mut env, &target, &opts)
            .unwrap_or_else(|e| panic!("{} {name}: {e}", case.arch));
        out.stdout.push_str(&run.stdout());
        out.stderr.push_str(&run.stderr());
        if run.defconfig.is_some() {
            out.defconfig = run.defconfig;
        }
    }
    out.config = env
        .overlay
        .get(config)
        .map(|b| String::from_utf8_lossy(b).into_owned());
    if case.autoconf {
        for (p, data) in &env.overlay {
            if let Ok(rel) = p.strip_prefix(&cwd) {
                out.include.insert(
                    rel.display().to_string(),
                    String::from_utf8_lossy(data).into_owned(),
                );
            }
        }
    }
    out
}

/// The tree's own conf, through make.
fn theirs(tree: &Path, case: &Case, config: &Path) -> Outcome {
    let run = support::conf_steps(
        tree,
        case.arch,
        config,
        case.input.as_deref(),
        &case.targets,
        &[],
        case.autoconf,
    );
    assert!(
        run.status.iter().all(|s| *s == 0),
        "{} {}: conf failed ({:?}):\n{}",
        case.arch,
        case.name,
        run.status,
        run.stderr
    );
    Outcome {
        config: run.config,
        defconfig: run.defconfig,
        stdout: run.stdout,
        stderr: run.stderr,
        include: run.include,
    }
}

/// The differences between the two sides, empty when identical.
fn compare(expected: &Outcome, actual: &Outcome) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut check = |what: &str, e: Option<&str>, a: Option<&str>| {
        if e != a {
            match (e, a) {
                (Some(e), Some(a)) => {
                    diffs.push(format!("{what}: {}", support::first_difference(e, a)))
                }
                _ => diffs.push(format!(
                    "{what}: conf wrote {}, ktailor {}",
                    e.is_some(),
                    a.is_some()
                )),
            }
        }
    };
    check(
        ".config",
        expected.config.as_deref(),
        actual.config.as_deref(),
    );
    check(
        "savedefconfig",
        expected.defconfig.as_deref(),
        actual.defconfig.as_deref(),
    );
    check("stderr", Some(&expected.stderr), Some(&actual.stderr));
    check("stdout", Some(&expected.stdout), Some(&actual.stdout));
    for (name, e) in &expected.include {
        check(name, Some(e), actual.include.get(name).map(String::as_str));
    }
    for name in actual.include.keys() {
        if !expected.include.contains_key(name) {
            check(name, None, Some(""));
        }
    }
    diffs
}

fn check_tree(version: &str) {
    let tree = support::tree(version);
    let cases = cases();
    let failures = Mutex::new(Vec::<String>::new());
    let identical = Mutex::new(0usize);
    let scratch = support::scratch_dir(&format!("conformance-{version}"));
    ARCHES.par_iter().for_each(|arch| {
        let loaded = match load_tree(
            &tree,
            &LoadOptions {
                arch: Some(arch.to_string()),
                ..Default::default()
            },
        ) {
            Ok(l) => l,
            Err(e) => {
                failures
                    .lock()
                    .unwrap()
                    .push(format!("{version} {arch}: load failed: {e}"));
                return;
            }
        };
        let plan = Arc::new(EvalPlan::new(&loaded.model));
        let mine: Vec<&Case> = cases.iter().filter(|c| c.arch == *arch).collect();
        mine.par_iter().enumerate().for_each(|(i, case)| {
            let config = scratch.0.join(format!("config-{arch}-{i}"));
            let expected = theirs(&tree, case, &config);
            let actual = ours(&tree, &loaded, &plan, case, &config);
            let diffs = compare(&expected, &actual);
            if diffs.is_empty() {
                *identical.lock().unwrap() += 1;
            } else {
                failures.lock().unwrap().push(format!(
                    "{version} {arch} {}:\n{}",
                    case.name,
                    diffs.join("\n")
                ));
            }
        });
    });
    let failures = failures.into_inner().unwrap();
    let identical = identical.into_inner().unwrap();
    eprintln!(
        "conformance {version}: {identical}/{} cases identical",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from the tree's conf:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    assert_eq!(identical, cases.len());
}

#[test]
fn conformance_6_1() {
    check_tree("6.1");
}

#[test]
fn conformance_6_12() {
    check_tree("6.12");
}
