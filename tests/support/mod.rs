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
