//! Reading a source patch (unified diff, as `git diff` or `diff -u` writes it): which files of
//! the tree it touches, and at which `-p` level it applies.

use std::path::{Path, PathBuf};

use super::BuildError;

/// The files a patch touches, relative to the tree, and the `-p` level that makes them so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchFiles {
    /// Tree-relative paths, in the order the patch names them.
    pub files: Vec<PathBuf>,
    /// The number of leading path components `patch -p` strips.
    pub strip: usize,
}

/// Reads the `+++` headers of `patch` and checks them against `tree`: every file must exist
/// (a livepatch replaces functions of files the kernel was built from) and be a C source file
/// (a header change reaches every object that includes it, which this build does not follow).
pub fn touched_files(patch: &Path, text: &str, tree: &Path) -> Result<PatchFiles, BuildError> {
    let bad = |line: usize, msg: String| BuildError::Input {
        path: patch.to_path_buf(),
        line: Some(line),
        msg,
    };
    let mut raw = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("+++ ") else {
            continue;
        };
        let path = rest.split('\t').next().unwrap_or("").trim();
        if path == "/dev/null" {
            return Err(bad(
                i + 1,
                "the patch deletes a file; a livepatch can only change functions of existing files"
                    .into(),
            ));
        }
        if path.is_empty() {
            return Err(bad(i + 1, "a +++ line names no file".into()));
        }
        raw.push((i + 1, path.to_string()));
    }
    if raw.is_empty() {
        return Err(BuildError::Input {
            path: patch.to_path_buf(),
            line: None,
            msg: "no file headers (+++ lines) found; give a unified diff (git diff, diff -u)"
                .into(),
        });
    }
    let strip_of = |p: &str, n: usize| -> PathBuf { p.split('/').skip(n).collect() };
    let strip = [1usize, 0]
        .into_iter()
        .find(|&n| raw.iter().all(|(_, p)| tree.join(strip_of(p, n)).is_file()))
        .ok_or_else(|| {
            let (line, p) = &raw[0];
            bad(
                *line,
                format!(
                    "{p} is not a file of the tree {} (tried with and without its first path component)",
                    tree.display()
                ),
            )
        })?;
    let mut files = Vec::new();
    for (line, p) in &raw {
        let f = strip_of(p, strip);
        if f.extension().and_then(|e| e.to_str()) != Some("c") {
            return Err(bad(
                *line,
                format!(
                    "{} is not a C source file; ktailor builds livepatches from changes to .c files (a header change reaches every object that includes it)",
                    f.display()
                ),
            ));
        }
        if !files.contains(&f) {
            files.push(f);
        }
    }
    Ok(PatchFiles { files, strip })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ktailor-patchfile-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("fs/proc")).unwrap();
        std::fs::write(dir.join("fs/proc/cmdline.c"), "x").unwrap();
        std::fs::write(dir.join("fs/proc/internal.h"), "x").unwrap();
        dir
    }

    #[test]
    fn finds_files_and_strip_level() {
        let t = tree();
        let git = "--- a/fs/proc/cmdline.c\n+++ b/fs/proc/cmdline.c\n@@ -1 +1 @@\n-x\n+y\n";
        let got = touched_files(Path::new("p"), git, &t).unwrap();
        assert_eq!(got.files, vec![PathBuf::from("fs/proc/cmdline.c")]);
        assert_eq!(got.strip, 1);
        let plain = "--- fs/proc/cmdline.c\n+++ fs/proc/cmdline.c\t2024-01-01\n";
        assert_eq!(touched_files(Path::new("p"), plain, &t).unwrap().strip, 0);
    }

    #[test]
    fn refuses_headers_missing_files_and_deletions() {
        let t = tree();
        let h = "+++ b/fs/proc/internal.h\n";
        let e = touched_files(Path::new("fix.patch"), h, &t)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("fix.patch:1: fs/proc/internal.h is not a C source file"),
            "{e}"
        );
        let missing = "+++ b/fs/proc/nothere.c\n";
        assert!(touched_files(Path::new("p"), missing, &t).is_err());
        let del = "--- a/fs/proc/cmdline.c\n+++ /dev/null\n";
        assert!(touched_files(Path::new("p"), del, &t)
            .unwrap_err()
            .to_string()
            .contains("deletes"));
        assert!(touched_files(Path::new("p"), "hello\n", &t).is_err());
    }
}
