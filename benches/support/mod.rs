//! What the benchmarks share: finding the kernel trees.

use std::path::PathBuf;
use std::process::Command;

/// The unpacked tree of a kernel release, provisioned by scripts/kernel-tree.sh.
pub fn tree(version: &str) -> PathBuf {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/kernel-tree.sh");
    let out = Command::new(script)
        .arg(version)
        .output()
        .expect("run scripts/kernel-tree.sh");
    assert!(
        out.status.success(),
        "scripts/kernel-tree.sh {version} failed"
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}
