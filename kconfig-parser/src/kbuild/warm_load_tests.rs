//! A warm [`load_tree`] starts no process: neither kbuild's derivation (`uname`, `$(CC)
//! --version`, `$(RUSTC) --version`) nor Kconfig's `$(shell,...)`.
//!
//! Each load runs in a fresh child process (this test binary, running only
//! [`warm_load_child`]) whose `PATH` starts with wrappers for `gcc`, `rustc`, `uname` and `sh`
//! that append their name to a counter file and exec the real tool; `CC` resolves to the
//! wrapper. The child also reports `getrusage(RUSAGE_CHILDREN)` around the load, which counts
//! every process it started and waited for, whatever its name or path (`/bin/sh` included).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::makefile::find_in_path;
use crate::loader::{load_tree, LoadOptions};
use crate::shell::testutil::{write_script, TempDir};

/// Set for the child process: the directory holding the fake tree, the cache and the report.
const CHILD_VAR: &str = "KTAILOR_TEST_WARM_LOAD_DIR";

/// A 6.12-like tree whose Kconfig reads the version texts and runs a few commands.
pub(crate) fn fake_tree(dir: &Path) {
    let files = [
        (
            "Makefile",
            "VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 1\nEXTRAVERSION =\nNAME = Test\n\
unexport LC_ALL\nexport LC_COLLATE LC_NUMERIC\nexport building_out_of_srctree srctree objtree VPATH\n\
export VERSION PATCHLEVEL SUBLEVEL KERNELRELEASE KERNELVERSION\n\
ifeq ($(ARCH),x86_64)\n        SRCARCH := x86\nendif\n\
export ARCH SRCARCH CONFIG_SHELL HOSTCC CROSS_COMPILE LD CC RUSTC\n\
CC_VERSION_TEXT = $(subst $(pound),,$(shell LC_ALL=C $(CC) --version 2>/dev/null | head -n 1))\n\
RUSTC_VERSION_TEXT = $(subst $(pound),,$(shell $(RUSTC) --version 2>/dev/null))\n\
ifdef config-build\nexport KBUILD_DEFCONFIG KBUILD_KCONFIG CC_VERSION_TEXT RUSTC_VERSION_TEXT\n\
else #!config-build\nendif\n",
        ),
        (
            "scripts/subarch.include",
            "SUBARCH := $(shell uname -m | sed -e s/x86_64/x86/)\n",
        ),
        (
            "scripts/kconfig/Makefile",
            "export KCONFIG_DEFCONFIG_LIST :=\nunexport CONFIG_\n",
        ),
        (
            "Kconfig",
            "mainmenu \"Fake $(ARCH)\"\n\
if-success = $(shell,{ $(1); } >/dev/null 2>&1 && echo \"$(2)\" || echo \"$(3)\")\n\
success = $(if-success,$(1),y,n)\n\
config CC_VERSION_TEXT\n\tstring\n\tdefault \"$(CC_VERSION_TEXT)\"\n\
config RUSTC_VERSION_TEXT\n\tstring\n\tdefault \"$(RUSTC_VERSION_TEXT)\"\n\
$(info,CC_CAN_COMPILE=$(success,$(CC) -Werror -c -x c /dev/null -o /dev/null))\n\
$(info,HOST_OS=$(shell,uname -s))\n\
$(info,RUSTC_SAYS=$(shell,$(RUSTC) --version))\n\
source \"arch/$(SRCARCH)/Kconfig\"\n",
        ),
        ("arch/x86/Kconfig", "config X86\n\tdef_bool y\n"),
        ("arch/x86/Makefile", ""),
    ];
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Wrappers that count their runs in `counter`, then run the real tool (or, where this
/// machine has none, print a plausible version line).
fn counting_wrappers(bin: &Path, counter: &Path) {
    std::fs::create_dir_all(bin).unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    for tool in ["gcc", "rustc", "uname", "sh"] {
        let count = format!("echo {tool} >> '{}'", counter.display());
        let run = match find_in_path(tool, &path, Path::new("/")) {
            Some(real) => format!("exec '{}' \"$@\"", real.display()),
            None => format!("echo '{tool} (fake) 1.0'"),
        };
        write_script(&bin.join(tool), &format!("{count}\n{run}"));
    }
}

fn counted(counter: &Path) -> Vec<String> {
    std::fs::read_to_string(counter)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs [`warm_load_child`] in a new process; returns its report (`key=value` lines).
fn load_in_child(dir: &Path, path: &str) -> Vec<(String, String)> {
    let exe = std::env::current_exe().expect("the test binary");
    let out = Command::new(exe)
        .args([
            "--exact",
            "kbuild::warm_load_tests::warm_load_child",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, dir)
        .env("PATH", path)
        .output()
        .expect("run the test binary");
    assert!(
        out.status.success(),
        "child load failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(dir.join("report")).expect("the child's report");
    std::fs::remove_file(dir.join("report")).unwrap();
    report
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get<'a>(report: &'a [(String, String)], key: &str) -> &'a str {
    report
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in {report:?}"))
}

#[test]
fn warm_load_forks_nothing() {
    let t = TempDir::new("warm-load");
    fake_tree(&t.path().join("tree"));
    let (bin, counter) = (t.path().join("bin"), t.path().join("counter"));
    counting_wrappers(&bin, &counter);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let cold = load_in_child(t.path(), &path);
    let after_cold = counted(&counter);
    // CC is the wrapper: the cold load ran it (CC_VERSION_TEXT, cc-option), and rustc, uname.
    for (tool, at_least) in [("gcc", 2), ("rustc", 2), ("uname", 1)] {
        assert!(
            after_cold.iter().filter(|c| *c == tool).count() >= at_least,
            "the cold load never ran the {tool} wrapper: {after_cold:?}"
        );
    }
    assert!(get(&cold, "CC").ends_with("gcc"), "{cold:?}");
    assert_ne!(get(&cold, "children_waited"), "0", "{cold:?}");
    assert_ne!(get(&cold, "CC_VERSION_TEXT"), "");

    let warm = load_in_child(t.path(), &path);
    eprintln!("cold load: {cold:?}\nwarm load: {warm:?}\nwrapped runs: {after_cold:?}");
    assert_eq!(
        counted(&counter),
        after_cold,
        "the warm load ran a wrapped tool"
    );
    assert_eq!(
        get(&warm, "children_waited"),
        "0",
        "the warm load started processes: {warm:?}"
    );
    assert_eq!(get(&cold, "model_cache"), "miss");
    assert_eq!(get(&warm, "commands_run"), "0");
    // The whole model came from the model cache: nothing was parsed.
    assert_eq!(get(&warm, "model_cache"), "hit", "{warm:?}");
    assert_eq!(get(&warm, "rounds"), "0");
    assert_eq!(get(&warm, "warnings"), "0", "{warm:?}");

    // Without the model cache, the parse itself is answered from the shell cache.
    std::fs::remove_dir_all(t.path().join("cache").join("models")).unwrap();
    let reparsed = load_in_child(t.path(), &path);
    assert_eq!(
        counted(&counter),
        after_cold,
        "the reparse ran a wrapped tool"
    );
    assert_eq!(get(&reparsed, "children_waited"), "0", "{reparsed:?}");
    assert_eq!(get(&reparsed, "model_cache"), "miss");
    assert_eq!(get(&reparsed, "rounds"), "1");
    assert_eq!(get(&reparsed, "commands_run"), "0");
    // The same answers, cached.
    for key in [
        "CC_VERSION_TEXT",
        "RUSTC_VERSION_TEXT",
        "HOST_OS",
        "RUSTC_SAYS",
        "CC_CAN_COMPILE",
        "KCONFIG_DEFCONFIG_LIST",
    ] {
        assert_eq!(get(&warm, key), get(&cold, key), "{key}");
        assert_eq!(get(&reparsed, key), get(&cold, key), "{key}");
    }

    // A compiler upgrade (the file CC runs changes) invalidates the cached version text.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let real = find_in_path(
        "gcc",
        &std::env::var("PATH").unwrap_or_default(),
        Path::new("/"),
    )
    .map(|p| format!("exec '{}' \"$@\"", p.display()))
    .unwrap_or_default();
    write_script(
        &bin.join("gcc"),
        &format!(
            "echo gcc >> '{}'\ncase \"$1\" in --version) echo 'gcc (upgraded) 99.1'; exit 0;; esac\n{real}",
            counter.display()
        ),
    );
    let upgraded = load_in_child(t.path(), &path);
    assert_eq!(get(&upgraded, "CC_VERSION_TEXT"), "gcc (upgraded) 99.1");
    // The cached model was made with the old compiler's answers: not used.
    assert_eq!(get(&upgraded, "model_cache"), "miss", "{upgraded:?}");
    assert!(counted(&counter).len() > after_cold.len());
}

/// `getrusage(RUSAGE_CHILDREN)`: what this process's terminated and waited-for children used.
/// Any child adds page faults; all zero means none ran.
fn children_usage() -> [i64; 5] {
    // SAFETY: rusage is plain data; getrusage fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    assert_eq!(rc, 0, "getrusage");
    [
        ru.ru_minflt,
        ru.ru_majflt,
        ru.ru_nvcsw,
        ru.ru_utime.tv_sec * 1_000_000 + ru.ru_utime.tv_usec,
        ru.ru_stime.tv_sec * 1_000_000 + ru.ru_stime.tv_usec,
    ]
}

/// The load itself, in the child process [`warm_load_forks_nothing`] starts.
#[test]
#[ignore = "run by warm_load_forks_nothing, in a child process with a wrapped PATH"]
fn warm_load_child() {
    let Some(dir) = std::env::var_os(CHILD_VAR).map(PathBuf::from) else {
        return;
    };
    let before = children_usage();
    let loaded = load_tree(
        &dir.join("tree"),
        &LoadOptions {
            arch: Some("x86_64".into()),
            no_cache: false,
            cache_dir: Some(dir.join("cache")),
            no_model_cache: false,
        },
    )
    .expect("load the fake tree");
    let after = children_usage();
    let waited = before != after;
    let mut report = vec![
        (
            "children_waited",
            if waited { "1" } else { "0" }.to_string(),
        ),
        ("commands_run", loaded.stats.commands_run.to_string()),
        ("rounds", loaded.stats.rounds.to_string()),
        (
            "model_cache",
            format!("{:?}", loaded.stats.model_cache).to_lowercase(),
        ),
        ("warnings", loaded.env.warnings.len().to_string()),
        ("all_warnings", loaded.env.warnings.join(" | ")),
    ];
    for var in [
        "CC",
        "CC_VERSION_TEXT",
        "RUSTC_VERSION_TEXT",
        "KCONFIG_DEFCONFIG_LIST",
    ] {
        report.push((var, loaded.env.get(var).unwrap_or_default()));
    }
    let mut text: String = report.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    // The $(info,NAME=answer) lines of the Kconfig file.
    for msg in &loaded.messages {
        if let crate::preprocess::Output::Stdout(line) = msg {
            text.push_str(line.trim_end());
            text.push('\n');
        }
    }
    std::fs::write(dir.join("report"), text).expect("write the report");
}
