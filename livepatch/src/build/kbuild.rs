//! Driving kbuild: a prepared out-of-tree build directory for the target's config, compiling
//! single objects in it from the pristine or the patched source, and linking the livepatch
//! module against the target's headers.
//!
//! The source tree is never written to. The build directory compiles from a shadow tree (a
//! farm of symbolic links to the source tree, `cp -as`), and the patched build replaces only
//! the links of the touched files with patched copies, restoring them afterwards; so the one
//! prepared `O=` directory serves both builds and is reused by the next.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::BuildError;

/// Flags a livepatch build compiles with: one section per function and per data object, so
/// that the diff and the extraction work function by function.
pub const LIVEPATCH_KCFLAGS: &str = "-ffunction-sections -fdata-sections";

/// The compiler the target kernel was built with, from its config's `CONFIG_CC_VERSION_TEXT`
/// (`gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0` names `gcc-12`), checked to be installed and to
/// print exactly that version: code compiled by another compiler may not match the running
/// kernel's, and kbuild's modules must match it too.
pub fn target_compiler(config: &Path) -> Result<String, BuildError> {
    let text = fs::read_to_string(config).map_err(|e| BuildError::io(config, e))?;
    let (line, version) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.strip_prefix("CONFIG_CC_VERSION_TEXT=").map(|v| (i + 1, v)))
        .ok_or_else(|| BuildError::Input {
            path: config.to_path_buf(),
            line: None,
            msg: "no CONFIG_CC_VERSION_TEXT: not a config a kernel was built from (Linux 4.18 or later)".into(),
        })?;
    let version = version.trim_matches('"');
    let cc = version.split_whitespace().next().unwrap_or("");
    if cc.is_empty() || cc.contains("clang") {
        return Err(BuildError::Input {
            path: config.to_path_buf(),
            line: Some(line),
            msg: format!("compiler {version:?}: ktailor builds livepatches with gcc only"),
        });
    }
    let out = Command::new(cc)
        .arg("--version")
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| BuildError::Input {
            path: config.to_path_buf(),
            line: Some(line),
            msg: format!(
                "the kernel was built with {version:?}, but {cc} cannot be run ({e}); install it"
            ),
        })?;
    let found = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .replace('#', "");
    if found != version {
        return Err(BuildError::Input {
            path: config.to_path_buf(),
            line: Some(line),
            msg: format!(
                "the kernel was built with {version:?} but {cc} here is {found:?}; a livepatch must be compiled by the kernel's own compiler"
            ),
        });
    }
    Ok(cc.to_string())
}

/// A prepared build directory: `src` (the link farm) and `obj` (kbuild's `O=`).
#[derive(Debug, Clone)]
pub struct BuildDir {
    /// The pristine source tree.
    pub tree: PathBuf,
    /// The link farm kbuild compiles from.
    pub src: PathBuf,
    /// The `O=` directory.
    pub obj: PathBuf,
    /// Where this build's logs go.
    pub logs: PathBuf,
    /// The compiler (`CC=`), the target kernel's own.
    pub cc: String,
}

/// Runs a command, logging its output to `log`; on failure the error quotes the log's tail.
pub fn run_logged(cmd: &mut Command, what: &str, log: &Path) -> Result<(), BuildError> {
    let file = fs::File::create(log).map_err(|e| BuildError::io(log, e))?;
    let err = file.try_clone().map_err(|e| BuildError::io(log, e))?;
    let status = cmd
        .stdout(file)
        .stderr(err)
        .status()
        .map_err(|e| BuildError::Command {
            what: what.to_string(),
            log: log.to_path_buf(),
            tail: format!("cannot start {:?}: {e}", cmd.get_program()),
        })?;
    if status.success() {
        return Ok(());
    }
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(25)..].join("\n");
    Err(BuildError::Command {
        what: what.to_string(),
        log: log.to_path_buf(),
        tail,
    })
}

fn jobs() -> String {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .to_string()
}

impl BuildDir {
    /// Finds or makes the build directory under `root` for `tree` and `config`; the second
    /// value says whether it had to be prepared (a cold build).
    pub fn prepare(
        root: &Path,
        tree: &Path,
        config: &Path,
        cc: &str,
        logs: &Path,
    ) -> Result<(BuildDir, bool), BuildError> {
        let src = root.join("src");
        let obj = root.join("obj");
        fs::create_dir_all(root).map_err(|e| BuildError::io(root, e))?;
        fs::create_dir_all(logs).map_err(|e| BuildError::io(logs, e))?;
        let dir = BuildDir {
            tree: tree.to_path_buf(),
            src,
            obj,
            logs: logs.to_path_buf(),
            cc: cc.to_string(),
        };
        if !root.join(".ktailor-farm").exists() {
            let partial = root.join("src.partial");
            let _ = fs::remove_dir_all(&partial);
            let _ = fs::remove_dir_all(&dir.src);
            run_logged(
                Command::new("cp").arg("-as").arg(tree).arg(&partial),
                "linking the shadow source tree (cp -as)",
                &logs.join("farm.log"),
            )?;
            fs::rename(&partial, &dir.src).map_err(|e| BuildError::io(&dir.src, e))?;
            fs::write(root.join(".ktailor-farm"), tree.display().to_string())
                .map_err(|e| BuildError::io(root, e))?;
        }
        let marker = root.join(".ktailor-prepared");
        if marker.exists() {
            return Ok((dir, false));
        }
        let _ = fs::remove_dir_all(&dir.obj);
        fs::create_dir_all(&dir.obj).map_err(|e| BuildError::io(&dir.obj, e))?;
        fs::copy(config, dir.obj.join(".config")).map_err(|e| BuildError::io(config, e))?;
        run_logged(
            dir.make().arg("olddefconfig"),
            "make olddefconfig with the target's config",
            &logs.join("olddefconfig.log"),
        )?;
        run_logged(
            dir.make().arg(format!("-j{}", jobs())).arg("prepare"),
            "make prepare (the build directory)",
            &logs.join("prepare.log"),
        )?;
        fs::write(&marker, "").map_err(|e| BuildError::io(&marker, e))?;
        Ok((dir, true))
    }

    /// `make -C src O=obj KCFLAGS=…`.
    fn make(&self) -> Command {
        let mut c = Command::new("make");
        c.arg("-C")
            .arg(&self.src)
            .arg(format!("O={}", self.obj.display()))
            .arg(format!("CC={}", self.cc))
            .arg(format!("KCFLAGS={LIVEPATCH_KCFLAGS}"))
            .env_remove("KCONFIG_CONFIG")
            .env_remove("ARCH");
        c
    }

    /// Points every touched file of the farm back at the pristine tree.
    pub fn restore(&self, files: &[PathBuf]) -> Result<(), BuildError> {
        for f in files {
            let link = self.src.join(f);
            let _ = fs::remove_file(&link);
            std::os::unix::fs::symlink(self.tree.join(f), &link)
                .map_err(|e| BuildError::io(&link, e))?;
        }
        Ok(())
    }

    /// Applies `patch` to copies of the touched files in the farm.
    pub fn apply(&self, patch: &Path, files: &[PathBuf], strip: usize) -> Result<(), BuildError> {
        let absolute = fs::canonicalize(patch).map_err(|e| BuildError::io(patch, e))?;
        for f in files {
            let link = self.src.join(f);
            let _ = fs::remove_file(&link);
            fs::copy(self.tree.join(f), &link).map_err(|e| BuildError::io(&link, e))?;
        }
        let result = run_logged(
            Command::new("patch")
                .arg(format!("-p{strip}"))
                .args([
                    "--batch",
                    "--forward",
                    "--no-backup-if-mismatch",
                    "-r",
                    "-",
                    "-d",
                ])
                .arg(&self.src)
                .arg("-i")
                .arg(&absolute),
            &format!("applying {}", patch.display()),
            &self.logs.join("patch.log"),
        );
        if result.is_err() {
            self.restore(files)?;
        }
        result.map_err(|e| match e {
            BuildError::Command { tail, .. } => BuildError::Input {
                path: patch.to_path_buf(),
                line: None,
                msg: format!("does not apply to {}:\n{tail}", self.tree.display()),
            },
            other => other,
        })
    }

    /// Compiles the objects of `files` and copies them to `into` (same relative paths).
    pub fn compile(
        &self,
        files: &[PathBuf],
        into: &Path,
        label: &str,
    ) -> Result<Vec<PathBuf>, BuildError> {
        let objects: Vec<PathBuf> = files.iter().map(|f| f.with_extension("o")).collect();
        for o in &objects {
            let _ = fs::remove_file(self.obj.join(o));
        }
        let mut make = self.make();
        make.arg(format!("-j{}", jobs()));
        for o in &objects {
            make.arg(o);
        }
        run_logged(
            &mut make,
            &format!("compiling the {label} objects"),
            &self.logs.join(format!("compile-{label}.log")),
        )?;
        let mut out = Vec::new();
        for o in &objects {
            let dest = into.join(o);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
            }
            fs::copy(self.obj.join(o), &dest).map_err(|e| BuildError::io(&self.obj.join(o), e))?;
            out.push(dest);
        }
        Ok(out)
    }
}

/// Links the module in `dir` (a Kbuild file, its C part and the livepatch objects) against the
/// target's headers with kbuild.
pub fn build_module(headers: &Path, dir: &Path, cc: &str, log: &Path) -> Result<(), BuildError> {
    run_logged(
        Command::new("make")
            .arg("-C")
            .arg(headers)
            .arg(format!("CC={cc}"))
            .arg(format!("M={}", dir.display()))
            .arg(format!("-j{}", jobs()))
            .arg("modules")
            .env_remove("KCFLAGS")
            .env_remove("KCONFIG_CONFIG"),
        "building the module with kbuild against the target's headers",
        log,
    )
}
