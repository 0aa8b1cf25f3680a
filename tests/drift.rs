//! `ktailor drift` on real inputs: Debian's 6.1 cloud-amd64 and amd64 configurations on the
//! 6.1 tree (the change set must be what the tree's own scripts/diffconfig prints), the
//! cloud-amd64 configuration carried from 6.1 to 6.12 (NEW must be what the 6.12 tree's own
//! conf makes of it, and every change must be explained), the allowlist and exit status, and
//! the refusals of bad input.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn ktailor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ktailor"))
        .args(args)
        .output()
        .expect("run ktailor")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A Debian configuration written into `dir`.
fn debian(dir: &Path, flavour: &str) -> PathBuf {
    let p = dir.join(format!("{flavour}.config"));
    std::fs::write(&p, support::debian_config(flavour)).expect("write the config");
    p
}

/// The tree's own scripts/diffconfig (the oracle of the change set).
fn diffconfig(tree: &Path, old: &Path, new: &Path) -> String {
    let out = Command::new("python3")
        .arg(tree.join("scripts/diffconfig"))
        .arg(old)
        .arg(new)
        .output()
        .expect("run python3 scripts/diffconfig");
    assert!(out.status.success(), "diffconfig failed: {}", stderr(&out));
    stdout(&out)
}

/// The report's changes as diffconfig prints them.
fn as_diffconfig(report: &Value) -> String {
    let mut out = String::new();
    for c in report["changes"].as_array().expect("changes") {
        let sym = c["symbol"].as_str().expect("symbol");
        let v = |k: &str| c[k].as_str().unwrap_or_default().to_string();
        match c["kind"].as_str() {
            Some("removed") => out.push_str(&format!("-{sym} {}\n", v("old"))),
            Some("added") => out.push_str(&format!("+{sym} {}\n", v("new"))),
            Some("changed") => out.push_str(&format!(" {sym} {} -> {}\n", v("old"), v("new"))),
            other => panic!("unknown kind {other:?}"),
        }
    }
    out
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
}

/// Every change has as many reasons as typed causes, and at least one.
fn assert_every_change_explained(report: &Value) {
    for c in report["changes"].as_array().expect("changes") {
        let reasons = c["reasons"].as_array().expect("reasons");
        let causes = c["causes"].as_array().expect("causes");
        assert!(!reasons.is_empty(), "no reason for {c}");
        assert_eq!(reasons.len(), causes.len(), "{c}");
        for r in reasons {
            assert!(!r.as_str().unwrap_or_default().is_empty(), "{c}");
        }
    }
}

/// The causes of one symbol's change.
fn causes_of<'r>(report: &'r Value, symbol: &str) -> Vec<&'r Value> {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["symbol"] == symbol)
        .unwrap_or_else(|| panic!("no change for {symbol}"))["causes"]
        .as_array()
        .expect("causes")
        .iter()
        .collect()
}

/// The contents and modification time of a file, to check that a run left it alone.
fn fingerprint(p: &Path) -> (Vec<u8>, std::time::SystemTime) {
    let meta = std::fs::metadata(p).expect("stat");
    (
        std::fs::read(p).expect("read"),
        meta.modified().expect("mtime"),
    )
}

#[test]
fn cloud_vs_amd64_on_6_1_is_what_diffconfig_reports_and_every_change_is_explained() {
    let tree = support::tree("6.1");
    let dir = support::scratch_dir("drift-debian");
    let (old, new) = (debian(&dir.0, "cloud-amd64"), debian(&dir.0, "amd64"));
    let before = (fingerprint(&old), fingerprint(&new));
    let out = ktailor(&[
        "drift",
        s(&old),
        s(&new),
        "--tree",
        s(&tree),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "drift exits 1: {}",
        stderr(&out)
    );
    assert_eq!(
        (fingerprint(&old), fingerprint(&new)),
        before,
        "inputs untouched"
    );
    let report = json(&out);
    assert_eq!(report["schema"], "ktailor-drift/1");
    let oracle = diffconfig(&tree, &old, &new);
    let ours = as_diffconfig(&report);
    assert!(
        ours == oracle,
        "not what diffconfig reports: {}",
        support::first_difference(&oracle, &ours)
    );
    let n = report["changes"].as_array().map_or(0, Vec::len);
    assert_eq!(n, oracle.lines().count());
    assert_every_change_explained(&report);
    let summary = &report["summary"];
    eprintln!("cloud-amd64 -> amd64 on 6.1: {n} changes ({summary})");
    // A driver Debian's generic flavour builds and the cloud flavour leaves out: the user's.
    assert_eq!(
        causes_of(&report, "60XX_WDT"),
        [&serde_json::json!({"cause": "set-by-user", "old": "n", "new": "m"})]
    );
    // A symbol that appears because a dependency was switched on, then set by the user.
    let c = causes_of(&report, "6LOWPAN_NHC_DEST");
    assert_eq!(c[0]["cause"], "dependency-changed");
    assert_eq!(c[0]["changes"][0]["symbol"], "6LOWPAN_NHC");
    // A symbol without a prompt, changed by a select.
    let c = causes_of(&report, "JBD2");
    assert!(
        c.iter()
            .any(|c| c["cause"] == "newly-selected" && c["by"] == "EXT4_FS"),
        "{c:?}"
    );
    // The text output is grouped as diffconfig prints it, each line followed by its reasons.
    let text = ktailor(&["drift", s(&old), s(&new), "--tree", s(&tree)]);
    let t = stdout(&text);
    assert!(
        !t.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(
        t.contains(" 60XX_WDT n -> m\n      set by the user: m (was n)\n"),
        "{}",
        &t[..t.len().min(2000)]
    );
}

#[test]
fn the_upgrade_of_cloud_amd64_from_6_1_to_6_12_is_explained_change_by_change() {
    let (t61, t612) = (support::tree("6.1"), support::tree("6.12"));
    let dir = support::scratch_dir("drift-upgrade");
    let old = debian(&dir.0, "cloud-amd64");
    let before = fingerprint(&old);
    let out = ktailor(&[
        "drift",
        s(&old),
        "--old-tree",
        s(&t61),
        "--new-tree",
        s(&t612),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(fingerprint(&old), before, "OLD untouched");
    let report = json(&out);
    assert_eq!(report["new"]["computed"], true);
    assert_eq!(
        report["new"]["release"]
            .as_str()
            .map(|r| r.starts_with("6.12.")),
        Some(true)
    );

    // NEW is what the 6.12 tree's own conf makes of OLD, and the change set is diffconfig's.
    let carried = dir.0.join("carried.config");
    let run = support::conf_steps(
        &t612,
        "x86_64",
        &carried,
        Some(&std::fs::read(&old).expect("read OLD")),
        &["olddefconfig"],
        &[],
        false,
    );
    assert_eq!(run.status, [0], "{}", run.stderr);
    std::fs::write(&carried, run.config.expect("olddefconfig wrote")).expect("write");
    let oracle = diffconfig(&t612, &old, &carried);
    let ours = as_diffconfig(&report);
    assert!(
        ours == oracle,
        "not what diffconfig reports: {}",
        support::first_difference(&oracle, &ours)
    );

    // Given explicitly, the same NEW (its header says Linux/x86_64) drifts the same way, and
    // no change is NEW's own: each comes from the upgrade.
    let given = ktailor(&[
        "drift",
        s(&old),
        s(&carried),
        "--old-tree",
        s(&t61),
        "--new-tree",
        s(&t612),
        "--json",
    ]);
    assert_eq!(given.status.code(), Some(1), "{}", stderr(&given));
    let given = json(&given);
    assert_eq!(as_diffconfig(&given), oracle);
    assert_eq!(given["new"]["computed"], false);
    for (a, b) in given["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .zip(report["changes"].as_array().expect("changes"))
    {
        assert_eq!(a["causes"], b["causes"], "{}", a["symbol"]);
    }

    assert_every_change_explained(&report);
    let changes = report["changes"].as_array().expect("changes");
    let mut by_cause = std::collections::BTreeMap::<String, usize>::new();
    for c in changes {
        for cause in c["causes"].as_array().expect("causes") {
            *by_cause
                .entry(cause["cause"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
        // A symbol 6.12 does not define is said to be removed; one 6.1 does not, new.
        if c["new_source"].is_null() && c["kind"] == "removed" {
            assert!(
                c["causes"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|x| x["cause"] == "removed-from-tree")),
                "{c}"
            );
        }
        if c["old_source"].is_null() && c["kind"] == "added" {
            assert_eq!(c["causes"][0]["cause"], "new-symbol", "{c}");
        }
        // The model always says more than "computed".
        assert!(
            c["causes"]
                .as_array()
                .is_some_and(|v| v.iter().all(|x| x["cause"] != "computed")),
            "{c}"
        );
    }
    eprintln!(
        "cloud-amd64 6.1 -> 6.12: {} changes ({}); causes: {by_cause:?}",
        changes.len(),
        report["summary"]
    );
    // The speculation mitigations were renamed in 6.9.
    let c = causes_of(&report, "CPU_SRSO");
    assert!(
        c.iter()
            .any(|c| c["cause"] == "renamed" && c["to"] == "MITIGATION_SRSO"),
        "{c:?}"
    );
    let c = causes_of(&report, "MITIGATION_SRSO");
    assert_eq!(c[0]["cause"], "new-symbol");
    assert!(
        c.iter()
            .any(|c| c["cause"] == "renamed-from" && c["from"] == "CPU_SRSO"),
        "{c:?}"
    );
    // A one-word prompt ("lz4") is no evidence of a rename.
    let c = causes_of(&report, "HIBERNATION_COMP_LZ4");
    assert!(c.iter().all(|c| c["cause"] != "renamed-from"), "{c:?}");
    // A dependency that gained a term, with the definition diff.
    let rtc = changes
        .iter()
        .find(|c| c["symbol"] == "RTC_DRV_BQ4802")
        .expect("RTC_DRV_BQ4802 changes");
    assert_eq!(rtc["causes"][0]["cause"], "dependency-changed");
    assert!(rtc["causes"][0]["added_terms"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t == "HAS_IOPORT")));
    let diff = rtc["definition_diff"].as_str().expect("definition diff");
    assert!(
        diff.contains("-\tdepends on HAS_IOMEM\n+\tdepends on HAS_IOMEM && HAS_IOPORT\n"),
        "{diff}"
    );
    // A new select.
    let c = causes_of(&report, "CPU_IDLE_GOV_HALTPOLL");
    assert!(
        c.iter()
            .any(|c| c["cause"] == "newly-selected" && c["by"] == "HALTPOLL_CPUIDLE"),
        "{c:?}"
    );
    // A choice whose default went away.
    let c = causes_of(&report, "MODULE_COMPRESS_XZ");
    assert!(c.iter().any(|c| c["cause"] == "choice-switched"), "{c:?}");

    // Markdown: a summary and a table of the unapproved changes.
    let md = ktailor(&[
        "drift",
        s(&old),
        "--old-tree",
        s(&t61),
        "--new-tree",
        s(&t612),
        "--format",
        "markdown",
    ]);
    let m = stdout(&md);
    assert!(m.starts_with("### Config drift\n"), "{m}");
    assert!(m.contains("#### Unapproved changes\n\n| | Symbol | Old | New | Why |\n"));
    assert!(
        m.contains("| − | `CPU_SRSO` | `y` | — | removed from the tree"),
        "{m}"
    );
    assert!(
        m.contains("```diff\n--- 6.1."),
        "definition diffs are included"
    );
}

/// OLD and NEW on the 6.1 tree that differ in one line, for the allowlist tests.
fn one_line_drift(dir: &Path) -> (PathBuf, PathBuf) {
    let old = debian(dir, "cloud-amd64");
    let text = String::from_utf8(std::fs::read(&old).expect("read")).expect("utf-8");
    assert!(text.contains("# CONFIG_ACCESSIBILITY is not set\n"));
    let new = dir.join("edited.config");
    std::fs::write(
        &new,
        text.replace(
            "# CONFIG_ACCESSIBILITY is not set\n",
            "CONFIG_ACCESSIBILITY=y\n",
        ),
    )
    .expect("write");
    (old, new)
}

#[test]
fn the_allowlist_approves_reviewed_changes_and_the_exit_status_follows() {
    let tree = support::tree("6.1");
    let dir = support::scratch_dir("drift-allow");
    let (old, new) = one_line_drift(&dir.0);
    let allow = dir.0.join("allow.toml");
    let run = |extra: &[&str]| {
        let mut args = vec!["drift", s(&old), s(&new), "--tree", s(&tree)];
        args.extend_from_slice(extra);
        ktailor(&args)
    };

    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let t = stdout(&out);
    assert!(
        t.contains(" ACCESSIBILITY n -> y\n      set by the user: y (was n)\n"),
        "{t}"
    );
    assert!(t.ends_with("# 1 change: 0 removed, 1 changed, 0 added; 0 approved, 1 unapproved\n"));

    std::fs::write(
        &allow,
        "[[allow]]\nsymbol = \"ACCESS*\"\nold = \"n\"\nnew = [\"y\", \"m\"]\n\
         reason = \"screen readers for the console (review 42)\"\n\n\
         [[allow]]\nsymbol = \"CONFIG_NOT_CHANGED\"\nreason = \"stale\"\n",
    )
    .expect("write");
    let out = run(&["--allow", s(&allow)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let t = stdout(&out);
    assert!(
        t.contains(
            " ACCESSIBILITY n -> y  [approved: screen readers for the console (review 42)]\n"
        ),
        "{t}"
    );
    assert!(
        t.contains("# allowlist rule NOT_CHANGED approved nothing\n"),
        "{t}"
    );
    let j = json(&run(&["--allow", s(&allow), "--json"]));
    assert_eq!(j["summary"]["approved"], 1);
    assert_eq!(j["summary"]["unapproved"], 0);
    assert_eq!(j["changes"][0]["approved"]["rule"], "ACCESS*");
    assert_eq!(j["unused_rules"], serde_json::json!(["NOT_CHANGED"]));

    // A rule for other values approves nothing.
    std::fs::write(
        &allow,
        "[[allow]]\nsymbol = \"ACCESSIBILITY\"\nnew = \"m\"\nreason = \"modules only\"\n",
    )
    .expect("write");
    assert_eq!(run(&["--allow", s(&allow)]).status.code(), Some(1));
    // Only the kinds named in --fail-on fail.
    assert_eq!(run(&["--fail-on", "added,removed"]).status.code(), Some(0));
    assert_eq!(run(&["--fail-on", "changed"]).status.code(), Some(1));
    assert_eq!(run(&["--fail-on", "none"]).status.code(), Some(0));
    let bad = run(&["--fail-on", "moved"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown change kind 'moved'"),
        "{}",
        stderr(&bad)
    );

    // A rule without a reason is refused, naming the file and the rule.
    std::fs::write(&allow, "[[allow]]\nsymbol = \"ACCESSIBILITY\"\n").expect("write");
    let out = run(&["--allow", s(&allow)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("allow.toml: rule 1 (symbol \"ACCESSIBILITY\"): no reason"),
        "{}",
        stderr(&out)
    );
    // No drift at all exits 0.
    let same = ktailor(&["drift", s(&old), s(&old), "--tree", s(&tree)]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_status_2() {
    let (t61, t612) = (support::tree("6.1"), support::tree("6.12"));
    let dir = support::scratch_dir("drift-bad");
    let cloud = debian(&dir.0, "cloud-amd64");
    let check = |args: &[&str], expect: &str| {
        let out = ktailor(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains(expect),
            "{args:?}: expected {expect:?} in {}",
            stderr(&out)
        );
    };
    // Two configurations for different architectures.
    let arm64 = dir.0.join("arm64.config");
    let made = ktailor(&[
        "config",
        "defconfig",
        "--tree",
        s(&t61),
        "--arch",
        "arm64",
        "--output",
        s(&arm64),
    ]);
    assert!(made.status.success(), "{}", stderr(&made));
    check(
        &["drift", s(&cloud), s(&arm64), "--tree", s(&t61)],
        "are configurations for different architectures: ",
    );
    // A configuration for another architecture than the tree was loaded for.
    check(
        &[
            "drift",
            s(&arm64),
            s(&arm64),
            "--tree",
            s(&t61),
            "--arch",
            "x86_64",
        ],
        "is a configuration for arm64, but",
    );
    // A configuration of another release than the tree.
    check(
        &["drift", s(&cloud), s(&cloud), "--tree", s(&t612)],
        "does not belong to the tree: it was written for Linux 6.1.",
    );
    // A configuration whose symbols the tree does not know.
    let junk = dir.0.join("junk.config");
    std::fs::write(
        &junk,
        "CONFIG_NO_SUCH_THING=y\nCONFIG_NOR_THIS=m\nCONFIG_MMU=y\n",
    )
    .expect("write");
    check(
        &["drift", s(&junk), s(&cloud), "--tree", s(&t61)],
        "2 of the 3 symbols it sets are not defined there",
    );
    let empty = dir.0.join("empty.config");
    std::fs::write(&empty, "hello\n").expect("write");
    check(
        &["drift", s(&empty), s(&cloud), "--tree", s(&t61)],
        "not a kernel configuration (no CONFIG_ line)",
    );
    // A missing tree, and a directory that is no tree.
    let missing = dir.0.join("no-such-tree");
    check(
        &["drift", s(&cloud), s(&cloud), "--tree", s(&missing)],
        &format!("tree {}: no such directory", missing.display()),
    );
    check(
        &["drift", s(&cloud), s(&cloud), "--tree", s(&dir.0)],
        "not a Linux source tree",
    );
    // NEW omitted without two trees.
    check(
        &["drift", s(&cloud), "--tree", s(&t61)],
        "NEW is missing: with one tree (--tree), give two configurations",
    );
    // A missing configuration.
    check(
        &[
            "drift",
            s(&dir.0.join("nope.config")),
            s(&cloud),
            "--tree",
            s(&t61),
        ],
        "OLD ",
    );
}
