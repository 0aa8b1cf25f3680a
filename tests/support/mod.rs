//! Finding the real components the integration tests use.
//!
//! Kernel trees come from `scripts/kernel-tree.sh VERSION` (Debian's linux-source package,
//! unpacked under `$KTAILOR_CACHE`, default `~/.cache/ktailor`), which also builds the tree's own
//! `scripts/kconfig/conf`. A test that cannot get a tree fails: it never skips.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The unpacked tree of a kernel release (6.1, 6.12), provisioned on demand.
pub fn tree(version: &str) -> PathBuf {
    let out = Command::new(repo().join("scripts/kernel-tree.sh"))
        .arg(version)
        .output()
        .expect("run scripts/kernel-tree.sh");
    assert!(
        out.status.success(),
        "scripts/kernel-tree.sh {version} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// The O= build directory next to a tree, where its own conf was built.
pub fn objtree(tree: &Path) -> PathBuf {
    PathBuf::from(format!("{}.obj", tree.display()))
}

/// The architectures of a tree (arch/*/Kconfig).
pub fn arches(tree: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(tree.join("arch"))
        .expect("read arch/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Kconfig").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// What the tree's own conf writes and prints for `make ARCH=arch TARGET` (the oracle).
pub struct ConfRun {
    pub config: String,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the tree's own conf through kbuild (`make O=... ARCH=... TARGET`), writing the
/// configuration to a scratch file.
pub fn conf(tree: &Path, arch: &str, target: &str) -> ConfRun {
    let scratch = std::env::temp_dir().join(format!(
        "ktailor-oracle-{}-{}-{arch}-{target}",
        std::process::id(),
        tree.file_name().unwrap().to_string_lossy()
    ));
    let out = Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(tree)
        .arg(format!("O={}", objtree(tree).display()))
        .arg(format!("ARCH={arch}"))
        .arg(target)
        .env("KCONFIG_CONFIG", &scratch)
        .output()
        .expect("run make");
    assert!(
        out.status.success(),
        "make ARCH={arch} {target} failed in {}:\n{}",
        tree.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let config = std::fs::read_to_string(&scratch).expect("read conf's output");
    let _ = std::fs::remove_file(&scratch);
    let _ = std::fs::remove_file(format!("{}.old", scratch.display()));
    ConfRun {
        config,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A directory of its own under the system's temp dir, removed when dropped.
pub struct ScratchDir(pub PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A new empty scratch directory whose name contains `tag`.
pub fn scratch_dir(tag: &str) -> ScratchDir {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ktailor-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    ScratchDir(dir)
}

/// A private copy of a tree's O= directory (it holds the built conf, a few hundred KB), so
/// that oracle runs in parallel neither race on the files conf writes there (savedefconfig's
/// `defconfig`, auto.conf) nor change the shared one. Files that vanish while copying (other
/// runs' temporaries) are skipped.
pub fn private_objtree(tree: &Path) -> ScratchDir {
    let dir = scratch_dir("obj");
    let _ = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", objtree(tree).display()))
        .arg(&dir.0)
        .stderr(std::process::Stdio::null())
        .status();
    for leftover in ["defconfig", ".config.old"] {
        let _ = std::fs::remove_file(dir.0.join(leftover));
    }
    assert!(
        dir.0.join("scripts/kconfig/conf").is_file(),
        "no built conf in {}",
        objtree(tree).display()
    );
    dir
}

/// What the tree's own conf left after a sequence of make targets.
pub struct ConfSteps {
    /// The file at KCONFIG_CONFIG after the last step.
    pub config: Option<String>,
    /// `defconfig` in the objtree (written by savedefconfig).
    pub defconfig: Option<String>,
    pub stdout: String,
    pub stderr: String,
    /// The exit status of each step.
    pub status: Vec<i32>,
    /// With `fresh_include`: the files under include/ afterwards (auto.conf, autoconf.h,
    /// rustc_cfg, auto.conf.cmd and the include/config/SYMBOL stamps), by relative path.
    pub include: std::collections::BTreeMap<String, String>,
}

/// The files under `dir/include`, by path relative to `dir`.
fn include_files(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.join("include")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let (Ok(rel), Ok(data)) = (p.strip_prefix(dir), std::fs::read(&p)) {
                out.insert(
                    rel.display().to_string(),
                    String::from_utf8_lossy(&data).into_owned(),
                );
            }
        }
    }
    out
}

/// Runs `make -s O=<private copy> ARCH=arch TARGET` for each target in turn with
/// `KCONFIG_CONFIG=config` (which is first filled with `input`, if given) and the extra
/// environment `env`: the oracle for a target run on an input configuration. With
/// `fresh_include`, the copy starts without include/config and include/generated, so conf
/// writes auto.conf and friends (`conf_write_autoconf`), and they are returned.
pub fn conf_steps(
    tree: &Path,
    arch: &str,
    config: &Path,
    input: Option<&[u8]>,
    targets: &[&str],
    env: &[(&str, &str)],
    fresh_include: bool,
) -> ConfSteps {
    let obj = private_objtree(tree);
    if fresh_include {
        let _ = std::fs::remove_dir_all(obj.0.join("include"));
    }
    let _ = std::fs::remove_file(config);
    if let Some(data) = input {
        std::fs::write(config, data).expect("write the input configuration");
    }
    let mut run = ConfSteps {
        config: None,
        defconfig: None,
        stdout: String::new(),
        stderr: String::new(),
        status: Vec::new(),
        include: Default::default(),
    };
    for target in targets {
        let mut cmd = Command::new("make");
        cmd.arg("-s")
            .arg("-C")
            .arg(tree)
            .arg(format!("O={}", obj.0.display()))
            .arg(format!("ARCH={arch}"))
            .arg(target)
            .env("KCONFIG_CONFIG", config);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run make");
        run.stdout.push_str(&String::from_utf8_lossy(&out.stdout));
        run.stderr.push_str(&String::from_utf8_lossy(&out.stderr));
        run.status.push(out.status.code().unwrap_or(-1));
    }
    run.config = std::fs::read(config)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    run.defconfig = std::fs::read(obj.0.join("defconfig"))
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    if fresh_include {
        run.include = include_files(&obj.0);
    }
    let _ = std::fs::remove_file(config);
    let _ = std::fs::remove_file(format!("{}.old", config.display()));
    run
}

/// A Debian kernel configuration of linux-config-6.1 (`cloud-amd64`, `amd64`), installing the
/// package when it is missing.
pub fn debian_config(flavour: &str) -> Vec<u8> {
    let path = PathBuf::from(format!(
        "/usr/src/linux-config-6.1/config.amd64_none_{flavour}.xz"
    ));
    if !path.is_file() {
        let status = Command::new("sh")
            .arg("-c")
            .arg(
                "apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                 linux-config-6.1 xz-utils >&2",
            )
            .status()
            .expect("run apt-get");
        assert!(status.success(), "cannot install linux-config-6.1");
    }
    let out = Command::new("xz")
        .arg("-dc")
        .arg(&path)
        .output()
        .expect("run xz");
    assert!(out.status.success(), "xz -dc {} failed", path.display());
    out.stdout
}

/// The first lines where two texts differ, for a failure message.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let i = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = i.saturating_sub(2);
    let show = |v: &[&str]| -> String {
        v.iter()
            .enumerate()
            .skip(from)
            .take(6)
            .map(|(n, l)| format!("    {:>5}: {l}\n", n + 1))
            .collect()
    };
    format!(
        "first difference at line {} ({} vs {} lines)\n  conf:\n{}  ktailor:\n{}",
        i + 1,
        e.len(),
        a.len(),
        show(&e),
        show(&a)
    )
}

/// The real kernel livepatches are built for: Debian's cloud-amd64 kernel of the linux-source-6.1
/// version, from `scripts/livepatch-target.sh` (which installs what it needs and reads the
/// kernel's kallsyms by booting it once in QEMU).
pub struct LivepatchTarget {
    pub config: PathBuf,
    pub headers: PathBuf,
    pub kallsyms: PathBuf,
    pub vmlinuz: PathBuf,
}

/// Provisions the livepatch target; fails (never skips) when it cannot.
pub fn livepatch_target() -> LivepatchTarget {
    let out = Command::new(repo().join("scripts/livepatch-target.sh"))
        .output()
        .expect("run scripts/livepatch-target.sh");
    assert!(
        out.status.success(),
        "scripts/livepatch-target.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |key: &str| -> PathBuf {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("livepatch-target.sh printed no {key}"))
    };
    LivepatchTarget {
        config: get("CONFIG"),
        headers: get("HEADERS"),
        kallsyms: get("KALLSYMS"),
        vmlinuz: get("VMLINUZ"),
    }
}
