//! Helpers shared by the unit tests of this crate.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A directory under the system temporary directory, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "ktailor-test-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes an executable shell script.
pub(crate) fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod script");
}

/// The Linux tree `version` (e.g. "6.1") through `scripts/kernel-tree.sh`, the one documented
/// place. In CI (`CI=true`) a missing tree is provisioned or the test fails; elsewhere a tree
/// that was never provisioned skips the test with a note (the script would install packages).
pub(crate) fn kernel_tree(version: &str) -> Option<PathBuf> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kernel-tree.sh");
    if !ci {
        let cache = std::env::var_os("KTAILOR_CACHE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/ktailor")));
        let provisioned = cache.is_some_and(|c| {
            let tree = c.join(format!("trees/linux-source-{version}"));
            tree.join(".ktailor-unpacked").is_file()
                && c.join(format!(
                    "trees/linux-source-{version}.obj/scripts/kconfig/conf"
                ))
                .is_file()
        });
        if !provisioned {
            eprintln!("note: skipping: Linux {version} tree not provisioned (run scripts/kernel-tree.sh {version})");
            return None;
        }
    }
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(version)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            Some(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        }
        Ok(o) if ci => panic!(
            "{} {version} failed in CI: {}",
            script.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) if ci => panic!("cannot run {}: {e}", script.display()),
        _ => {
            eprintln!("note: skipping: {} {version} failed", script.display());
            None
        }
    }
}
