//! `livepatch build`: from a source patch to a livepatch module for one exact kernel.
//!
//! Steps ([`STEPS`]): prepare (or reuse) the build directory; compile the touched objects from
//! the pristine source; apply the patch to the shadow tree and compile them again; diff each
//! pair and stop on refusals; write a livepatch object per pair; link the module with kbuild
//! against the target's headers; turn its livepatch references into the livepatch ELF ABI, write
//! the output and check it.

mod kbuild;
mod module_source;
mod patchfile;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use kbuild::LIVEPATCH_KCFLAGS;
pub use patchfile::{touched_files, PatchFiles};

use crate::check::check;
use crate::diff::{diff, Outcome, Refusal};
use crate::elf::Object;
use crate::extract::{extract, KlpFunc, Target};
use crate::klp::finalize;
use crate::symbols::{Exports, SymbolMap};

/// The steps of a build, as a progress bar shows them.
pub const STEPS: &[&str] = &[
    "prepare the build directory",
    "compile the original objects",
    "apply the patch and compile the patched objects",
    "diff the objects",
    "write the livepatch objects",
    "build the module with kbuild",
    "write the livepatch ELF sections and check the module",
];

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The kernel source tree (never modified).
    pub tree: PathBuf,
    /// The target kernel's config.
    pub config: PathBuf,
    /// The fix, as a unified diff against `tree`.
    pub patch: PathBuf,
    /// The target's kernel headers (the directory `make -C` builds modules in).
    pub headers: PathBuf,
    /// The target's symbol table (System.map or a copy of /proc/kallsyms).
    pub system_map: PathBuf,
    /// The module's name (also its /sys/kernel/livepatch/ directory).
    pub name: String,
    /// Where the module goes.
    pub output: PathBuf,
    /// Where build directories are kept between builds.
    pub cache: PathBuf,
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    /// The functions the module replaces.
    pub funcs: Vec<KlpFunc>,
    /// New functions it carries.
    pub new_functions: Vec<String>,
    /// Livepatch symbols it refers to.
    pub klp_symbols: Vec<String>,
    /// Whether the build directory had to be prepared.
    pub cold: bool,
    /// Time spent in each step.
    pub timings: Vec<(&'static str, Duration)>,
    /// The build directory used.
    pub build_dir: PathBuf,
    /// The original and patched objects compiled, as kept in the build's work directory.
    pub objects: Vec<(PathBuf, PathBuf)>,
}

/// Why a build stopped.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// An input is missing or wrong.
    #[error("{}{}: {msg}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Input {
        /// The input file or directory.
        path: PathBuf,
        /// The line, where one applies.
        line: Option<usize>,
        /// What is wrong and what to do.
        msg: String,
    },
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// An external command (make, patch) failed.
    #[error("{what} failed (log: {}):\n{tail}", log.display())]
    Command {
        /// What was being done.
        what: String,
        /// The full log.
        log: PathBuf,
        /// The end of it.
        tail: String,
    },
    /// The change cannot be livepatched.
    #[error("the change cannot be livepatched:\n{}", refusals.iter().map(|(o, r)| format!("  {o}: {} in {}: {}", r.symbol, r.section, r.reason)).collect::<Vec<_>>().join("\n"))]
    Refused {
        /// Per object, what was refused.
        refusals: Vec<(String, Refusal)>,
    },
    /// The patch changes no function.
    #[error("the patch changes no function of {}: nothing to livepatch", objects.join(", "))]
    NoChange {
        /// The objects compared.
        objects: Vec<String>,
    },
    /// Reading an object failed.
    #[error(transparent)]
    Object(#[from] crate::LivepatchError),
    /// Writing the livepatch object failed.
    #[error(transparent)]
    Extract(#[from] crate::extract::ExtractError),
    /// Reading the target's symbols failed.
    #[error(transparent)]
    Symbols(#[from] crate::symbols::SymbolsError),
    /// Turning the module into a livepatch module failed.
    #[error("{}: {source}", path.display())]
    Finalize {
        /// The kbuild-linked module.
        path: PathBuf,
        /// Why.
        source: crate::klp::FinalizeError,
    },
    /// The module ktailor wrote does not pass its own check (a bug in ktailor).
    #[error("the built module fails the livepatch ABI check (a ktailor bug; please report):\n{0}")]
    Check(String),
}

impl BuildError {
    fn io(path: &Path, source: std::io::Error) -> BuildError {
        BuildError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Turns a name into a module name: `[a-z0-9_]`, at most 55 bytes.
pub fn module_name(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s.truncate(55);
    s
}

fn need_dir(path: &Path, what: &str, marker: &str) -> Result<(), BuildError> {
    if path.join(marker).is_file() {
        Ok(())
    } else {
        Err(BuildError::Input {
            path: path.to_path_buf(),
            line: None,
            msg: format!("not {what} (no {marker})"),
        })
    }
}

fn need_file(path: &Path, what: &str) -> Result<(), BuildError> {
    if path.is_file() {
        Ok(())
    } else {
        Err(BuildError::Input {
            path: path.to_path_buf(),
            line: None,
            msg: format!("{what} not found"),
        })
    }
}

/// The build directory for a tree and config: one per pair, so a warm build reuses it.
fn build_root(cache: &Path, tree: &Path, config: &[u8], cc: &str) -> PathBuf {
    let mut h = blake3::Hasher::new();
    h.update(tree.as_os_str().as_encoded_bytes());
    h.update(b"\0");
    h.update(config);
    h.update(LIVEPATCH_KCFLAGS.as_bytes());
    h.update(cc.as_bytes());
    let hex = h.finalize().to_hex();
    cache.join("livepatch-build").join(&hex.as_str()[..16])
}

/// Holds an exclusive lock on the build directory for the build's duration.
struct DirLock {
    _file: fs::File,
}

impl DirLock {
    fn take(root: &Path) -> Result<DirLock, BuildError> {
        use std::os::fd::AsRawFd;
        fs::create_dir_all(root).map_err(|e| BuildError::io(root, e))?;
        let path = root.join(".lock");
        let f = fs::File::create(&path).map_err(|e| BuildError::io(&path, e))?;
        // SAFETY: flock on a file descriptor we own; released when the file is closed.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(BuildError::io(&path, std::io::Error::last_os_error()));
        }
        Ok(DirLock { _file: f })
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory, so that `path` is
/// either the old file or the whole new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    fs::write(&tmp, bytes).map_err(|e| BuildError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        BuildError::io(path, e)
    })
}

/// Builds the livepatch module; `progress(step)` is called as each of [`STEPS`] begins.
pub fn build(
    req: &BuildRequest,
    mut progress: impl FnMut(usize),
) -> Result<BuildSummary, BuildError> {
    need_dir(&req.tree, "a kernel source tree", "Makefile")?;
    need_dir(&req.tree, "a kernel source tree", "Kconfig")?;
    need_file(&req.config, "the target's config")?;
    need_dir(&req.headers, "a kernel headers directory", "Module.symvers")?;
    let symbols = SymbolMap::read(&req.system_map)?;
    let exports = Exports::read(&req.headers.join("Module.symvers"))?;
    let patch_text = fs::read_to_string(&req.patch).map_err(|e| BuildError::io(&req.patch, e))?;
    let PatchFiles { files, strip } = touched_files(&req.patch, &patch_text, &req.tree)?;
    if req.name.is_empty() || module_name(&req.name) != req.name {
        return Err(BuildError::Input {
            path: req.patch.clone(),
            line: None,
            msg: format!(
                "module name {:?} must be lower-case letters, digits and _ (at most 55)",
                req.name
            ),
        });
    }
    let config = fs::read(&req.config).map_err(|e| BuildError::io(&req.config, e))?;
    let cc = kbuild::target_compiler(&req.config)?;
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |timings: &mut Vec<(&'static str, Duration)>, step: usize| {
        timings.push((STEPS[step], clock.elapsed()));
        clock = Instant::now();
    };

    progress(0);
    let root = build_root(&req.cache, &req.tree, &config, &cc);
    let _lock = DirLock::take(&root)?;
    let work = root.join("work").join(&req.name);
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| BuildError::io(&work, e))?;
    let (dir, cold) =
        kbuild::BuildDir::prepare(&root, &req.tree, &req.config, &cc, &work.join("logs"))?;
    dir.restore(&files)?;
    lap(&mut timings, 0);

    progress(1);
    let originals = dir.compile(&files, &work.join("orig"), "original")?;
    lap(&mut timings, 1);

    progress(2);
    dir.apply(&req.patch, &files, strip)?;
    let patched = dir.compile(&files, &work.join("patched"), "patched");
    dir.restore(&files)?;
    let patched = patched?;
    lap(&mut timings, 2);

    progress(3);
    let mut pairs = Vec::new();
    let mut refusals = Vec::new();
    for (o, p) in originals.iter().zip(&patched) {
        let (orig, new) = (Object::read(o)?, Object::read(p)?);
        let report = diff(&orig, &new);
        let label = p
            .strip_prefix(work.join("patched"))
            .unwrap_or(p)
            .display()
            .to_string();
        match report.outcome() {
            Outcome::Refused => {
                refusals.extend(report.refusals.iter().map(|r| (label.clone(), r.clone())))
            }
            Outcome::Patchable => pairs.push((orig, new, report)),
            Outcome::NoChange => {}
        }
    }
    if !refusals.is_empty() {
        return Err(BuildError::Refused { refusals });
    }
    if pairs.is_empty() {
        return Err(BuildError::NoChange {
            objects: files
                .iter()
                .map(|f| f.with_extension("o").display().to_string())
                .collect(),
        });
    }
    lap(&mut timings, 3);

    progress(4);
    let module_dir = work.join("module");
    fs::create_dir_all(&module_dir).map_err(|e| BuildError::io(&module_dir, e))?;
    let target = Target {
        objname: "vmlinux",
        symbols: &symbols,
        exports: &exports,
    };
    let mut funcs = Vec::new();
    let mut new_functions = Vec::new();
    let mut klp_symbols = Vec::new();
    let mut object_names = Vec::new();
    for (i, (orig, new, report)) in pairs.iter().enumerate() {
        let out = extract(orig, new, report, target, i)?;
        let name = format!("ktailor-patch-{i}.o");
        let path = module_dir.join(&name);
        fs::write(&path, &out.bytes).map_err(|e| BuildError::io(&path, e))?;
        // modpost reads symbol versions from each object's .cmd file.
        let cmd = module_dir.join(format!(".{name}.cmd"));
        fs::write(
            &cmd,
            format!("savedcmd_{name} := ktailor livepatch build\n"),
        )
        .map_err(|e| BuildError::io(&cmd, e))?;
        funcs.extend(out.funcs);
        new_functions.extend(report.new_functions.iter().cloned());
        klp_symbols.extend(out.klp_symbols);
        object_names.push(name);
    }
    if funcs.is_empty() {
        return Err(BuildError::NoChange {
            objects: files
                .iter()
                .map(|f| f.with_extension("o").display().to_string())
                .collect(),
        });
    }
    let description = format!(
        "ktailor livepatch {} from {}",
        req.name,
        req.patch
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("a patch")
    );
    let main_c = module_dir.join("livepatch-main.c");
    fs::write(&main_c, module_source::main_c(&description, &funcs))
        .map_err(|e| BuildError::io(&main_c, e))?;
    let kbuild_file = module_dir.join("Kbuild");
    fs::write(
        &kbuild_file,
        module_source::kbuild(&req.name, &object_names),
    )
    .map_err(|e| BuildError::io(&kbuild_file, e))?;
    lap(&mut timings, 4);

    progress(5);
    kbuild::build_module(
        &req.headers,
        &module_dir,
        &cc,
        &work.join("logs").join("module.log"),
    )?;
    lap(&mut timings, 5);

    progress(6);
    let ko = module_dir.join(format!("{}.ko", req.name));
    let linked = fs::read(&ko).map_err(|e| BuildError::io(&ko, e))?;
    let bytes = finalize(&linked).map_err(|source| BuildError::Finalize {
        path: ko.clone(),
        source,
    })?;
    let verdict = check(&bytes);
    if !verdict.problems.is_empty() {
        return Err(BuildError::Check(
            verdict
                .problems
                .iter()
                .map(|p| format!("  {}: {}", p.place, p.reason))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    write_atomically(&req.output, &bytes)?;
    lap(&mut timings, 6);
    Ok(BuildSummary {
        funcs,
        new_functions,
        klp_symbols,
        cold,
        timings,
        build_dir: root,
        objects: originals.into_iter().zip(patched).collect(),
    })
}
