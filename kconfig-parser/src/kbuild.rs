//! The environment kbuild gives `scripts/kconfig/conf`, computed without running make.
//!
//! `make O=DIR ARCH=... xxxconfig` derives and exports variables in the top-level Makefile,
//! `arch/$(SRCARCH)/Makefile`, `scripts/Makefile.clang` and `scripts/kconfig/Makefile`; conf, and
//! every `$(shell,...)` it runs, sees them. Kconfig reads them as `$(srctree)`, `$(CC)`,
//! `$(CLANG_FLAGS)`, `$(SUBARCH)`, ... and conf itself reads `KCONFIG_CONFIG`,
//! `KCONFIG_DEFCONFIG_LIST`, `KCONFIG_WERROR`, ...
//!
//! # What make really exports (found by experiment, Linux 6.1.192 and 6.12.117, GNU make 4.3)
//!
//! The experiment: build conf in a scratch `O=` dir, replace it with a script that dumps `env`,
//! argv and cwd, and run `make O=... [ARCH=...] allnoconfig` for many arches and overrides
//! (`kbuild/tests.rs` repeats it against the trees found by `scripts/kernel-tree.sh`: every
//! arch of the tree, plus overrides: cmdline/env CC, CROSS_COMPILE, LLVM=1, LLVM_IAS=0, W=, ...).
//!
//! - conf runs with cwd = the objtree (the `O=` dir), as `conf -s --allnoconfig Kconfig` (`-s`
//!   from `make -s`); `Kconfig` is relative and found through `$srctree`.
//! - Exported and reproduced here: `srctree` (absolute: ktailor always acts as an `O=` build),
//!   `objtree=.`, `VPATH=$srctree`, `building_out_of_srctree=1`, `abs_srctree` (6.1 only),
//!   `VERSION PATCHLEVEL SUBLEVEL KERNELVERSION`, `KERNELRELEASE` (empty: a fresh objtree has
//!   no `include/config/kernel.release`), `ARCH` (as given, e.g. `x86_64`), `SRCARCH` (`x86`),
//!   `CROSS_COMPILE`, the tools `CC LD AR NM OBJCOPY OBJDUMP READELF STRIP CPP HOSTCC HOSTCXX
//!   HOSTRUSTC HOSTPKG_CONFIG RUSTC RUSTDOC RUSTFMT BINDGEN CARGO(6.1) PAHOLE PERL PYTHON3 ...`,
//!   `CC_VERSION_TEXT`, `RUSTC_VERSION_TEXT` (6.12), `CLANG_FLAGS` (only when `CC` is clang),
//!   `KBUILD_DEFCONFIG`, `KBUILD_KCONFIG`, `KCONFIG_CONFIG`, `KCONFIG_DEFCONFIG_LIST`,
//!   `KBUILD_EXTRA_WARN` and the `KCONFIG_WARN_UNKNOWN_SYMBOLS`/`KCONFIG_WERROR` it implies
//!   (6.12), `CONFIG_SHELL=sh`, `LC_COLLATE=C`, `LC_NUMERIC=C`, `RUSTC_BOOTSTRAP=1`,
//!   `CLIPPY_CONF_DIR` (6.12); for `ARCH=um` also `SUBARCH` and `HEADER_ARCH` (and `OS` in 6.1).
//! - Removed from the inherited environment: `LC_ALL`, `GREP_OPTIONS` (top Makefile `unexport`)
//!   and `CONFIG_` (`scripts/kconfig/Makefile`).
//! - Not reproduced (no Kconfig file, and no script Kconfig runs, reads them): the compiler flag
//!   variables the arch Makefiles build (`KBUILD_CFLAGS`, `KBUILD_AFLAGS`, `KBUILD_CPPFLAGS`,
//!   `LINUXINCLUDE`, `CHECKFLAGS`, `REALMODE_CFLAGS`, `RETPOLINE_*`, `rust_common_flags`, ...),
//!   `UTS_MACHINE`, `BITS`, um's `LDS_*`/`USER_CFLAGS`, parisc's `CROSS32CC`, and make's own
//!   plumbing (`MAKEFLAGS`, `MAKELEVEL`, `O`, `obj`, `quiet`, `Q`, `KBUILD_VERBOSE`, `abs_objtree`,
//!   `sub_make_done`, ...). [`NOT_REPRODUCED`] lists them.
//! - Per arch: `ARCH=x86`/`x86_64`/`i386` all give `SRCARCH=x86`; `KBUILD_DEFCONFIG` is
//!   `i386_defconfig` only for `ARCH=i386` (or `ARCH=x86` on an i?86 host); no `ARCH` gives
//!   `ARCH=$(SUBARCH)` (`x86` on x86_64); `ARCH=um` exports `SUBARCH=x86 HEADER_ARCH=x86` and
//!   `KBUILD_DEFCONFIG=x86_64_defconfig`; `ARCH=sparc64` gives `SRCARCH=sparc`; `ARCH=arc`
//!   picks `CROSS_COMPILE` itself (first `arc-linux-`, ... whose gcc is in `PATH`).
//!   `KCONFIG_DEFCONFIG_LIST` always starts with `/lib/modules/$(uname -r)/.config
//!   /etc/kernel-config /boot/config-$(uname -r)`, even for a foreign arch: `cross_compiling`,
//!   which would drop them, is defined by no Makefile of these trees.
//! - Overrides follow make's rules: a variable on make's command line ([`KbuildOptions::make_vars`])
//!   beats the Makefile and is exported as given; the process environment only counts where the
//!   Makefile does not assign: `CC=clang` in the environment is ignored (`CC` stays `gcc`), as is
//!   `HOSTCC` and `SUBARCH`, while `ARCH`, `CROSS_COMPILE`, `LLVM`, `LLVM_IAS`, `KCONFIG_CONFIG` and
//!   `KBUILD_EXTRA_WARN` from the environment are honoured. A variable from the environment that
//!   the Makefile assigns is exported with the Makefile's value (e.g. `CLANG_FLAGS` becomes empty
//!   when `CC` is gcc).
//! - 6.1 vs 6.12: 6.12 adds `RUSTC_VERSION_TEXT`, `CLIPPY_CONF_DIR`, `KBUILD_EXTRA_WARN` (and W=),
//!   two more `-Werror=` in `CLANG_FLAGS`, drops `CARGO`, `abs_srctree`, `abs_objtree`, and maps
//!   an `arm64` uname to `SUBARCH=arm64`; 6.1's `Makefile.clang` derives `--target=` from
//!   `CROSS_COMPILE` when set, 6.12's always from its per-arch table. Which variables exist is read
//!   from the tree's own Makefiles, so other releases follow their own lists.
//!
//! # Without forking
//!
//! `uname -m/-r/-s` are read from `uname(2)`, which is all uname(1) does. The commands make
//! itself runs (`$(CC) --version`, `$(RUSTC) --version`, powerpc's `$(NM) --help` probe) go
//! through a [`ShellRunner`](crate::shell::ShellRunner) with make's post-processing, cached
//! like Kconfig's `$(shell,...)` when [`KbuildOptions::cache`] says where: keyed by the
//! environment, and valid only while the programs they run are the same files (a compiler
//! upgrade re-runs them). A warm load therefore starts no process.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

/// Why the kbuild environment of a tree could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum KbuildError {
    /// A file of the tree could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The top Makefile does not say which release the tree is.
    #[error("{path}:{line}: {message} (is this the top directory of a Linux source tree?)")]
    Version {
        /// The Makefile.
        path: PathBuf,
        /// 1-based line, or 0 when the variable is missing altogether.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// `ARCH` names no architecture of the tree.
    #[error("unknown ARCH '{arch}': {tree} has no arch/{srcarch}/Kconfig; valid ARCH values are: {}", valid.join(", "))]
    UnknownArch {
        /// ARCH as given.
        arch: String,
        /// SRCARCH derived from it.
        srcarch: String,
        /// The tree.
        tree: PathBuf,
        /// The architectures of the tree, and the aliases the Makefile maps onto them.
        valid: Vec<String>,
    },
    /// A command the Makefiles run (`$(CC) --version`, ...) could not be run or its answer not
    /// be cached.
    #[error("running the kbuild Makefiles' $(shell ...) commands: {0}")]
    Shell(#[from] crate::shell::ShellError),
    /// `scripts/Makefile.clang` has no `--target=` for this architecture (make stops here too).
    #[error("CC is clang but {makefile} has no CLANG_TARGET_FLAGS_{srcarch}; set CROSS_COMPILE or use gcc")]
    ClangTarget {
        /// `scripts/Makefile.clang` of the tree.
        makefile: PathBuf,
        /// The architecture lacking a target.
        srcarch: String,
    },
}

/// The release of a tree, from `VERSION`, `PATCHLEVEL`, `SUBLEVEL` and `EXTRAVERSION` of its
/// top Makefile. Kconfig semantics are chosen by it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KernelVersion {
    /// `VERSION`, e.g. 6.
    pub version: u32,
    /// `PATCHLEVEL`, e.g. 12.
    pub patchlevel: u32,
    /// `SUBLEVEL`, e.g. 117.
    pub sublevel: u32,
    /// `EXTRAVERSION`, e.g. `-rc3`, usually empty.
    pub extraversion: String,
}

impl KernelVersion {
    /// Reads the version block at the top of `tree/Makefile`.
    pub fn from_tree(tree: &Path) -> Result<Self, KbuildError> {
        let path = tree.join("Makefile");
        let text = read(&path)?;
        Self::parse(&text, &path)
    }

    fn parse(text: &str, path: &Path) -> Result<Self, KbuildError> {
        let mut found: [Option<(usize, String)>; 4] = Default::default();
        const NAMES: [&str; 4] = ["VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"];
        // The block is the first lines of the file; stop at NAME, which follows it.
        for (i, line) in text.lines().enumerate().take(64) {
            let Some((name, value)) = make_assignment(line) else {
                continue;
            };
            if name == "NAME" {
                break;
            }
            if let Some(slot) = NAMES.iter().position(|n| *n == name) {
                found[slot].get_or_insert((i + 1, value.to_string()));
            }
        }
        let number = |slot: usize| -> Result<u32, KbuildError> {
            match &found[slot] {
                Some((line, v)) => v.parse().map_err(|_| KbuildError::Version {
                    path: path.to_path_buf(),
                    line: *line,
                    message: format!("{} = '{v}' is not a number", NAMES[slot]),
                }),
                None => Err(KbuildError::Version {
                    path: path.to_path_buf(),
                    line: 0,
                    message: format!("no {} assignment in the first lines", NAMES[slot]),
                }),
            }
        };
        Ok(KernelVersion {
            version: number(0)?,
            patchlevel: number(1)?,
            sublevel: number(2)?,
            extraversion: found[3].take().map(|(_, v)| v).unwrap_or_default(),
        })
    }

    /// `KERNELVERSION` as the top Makefile computes it: `6.1.192`, `6.12.0-rc3`, ...
    pub fn kernelversion(&self) -> String {
        format!(
            "{}.{}.{}{}",
            self.version, self.patchlevel, self.sublevel, self.extraversion
        )
    }

    /// Whether this release is `major.minor` or newer (sublevel ignored).
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.version, self.patchlevel) >= (major, minor)
    }
}

/// How kbuild was invoked, beyond the tree: what `make ARCH=... VAR=value` and the environment say.
#[derive(Debug, Clone, Default)]
pub struct KbuildOptions {
    /// `ARCH=` on make's command line; `None` leaves it to the environment, then to `SUBARCH`.
    pub arch: Option<String>,
    /// Other command-line assignments, e.g. `("LLVM", "1")`, `("CC", "clang")`,
    /// `("CROSS_COMPILE", "aarch64-linux-gnu-")`. They override the Makefiles and are exported.
    pub make_vars: Vec<(String, String)>,
    /// The environment make starts with; `None` means this process's environment.
    pub env: Option<Vec<(OsString, OsString)>>,
    /// Where the answers of the commands the Makefiles run (`$(CC) --version`, `$(RUSTC)
    /// --version`, ...) are cached, next to those of Kconfig's `$(shell,...)` and validated the
    /// same way (see [`crate::shell`]); `None` runs them every time.
    pub cache: Option<crate::shell::CacheMode>,
}

/// The environment of conf for one tree and architecture.
#[derive(Debug, Clone)]
pub struct KbuildEnv {
    /// srctree (absolute, canonical).
    pub tree: PathBuf,
    /// ARCH as given (x86_64, i386, x86, arm64, um, ...) or kbuild's default (SUBARCH).
    pub arch: String,
    /// SRCARCH as the Makefile derives it: the directory under `arch/`.
    pub srcarch: String,
    /// The release of the tree.
    pub version: KernelVersion,
    /// Variables make exports to conf, in addition to the inherited process environment, in a
    /// stable order.
    pub vars: Vec<(String, String)>,
    /// Inherited variables make removes from conf's environment (`unexport`).
    pub unset: Vec<String>,
    /// Problems met on the way that did not stop it (an ignored corrupt cache file, a
    /// `/dev/null` put back), for the CLI to print. [`crate::loader::load_tree`] adds those of
    /// its `$(shell,...)` runner.
    pub warnings: Vec<String>,
    /// The environment make started with.
    base_env: Vec<(OsString, OsString)>,
}

/// Variables that arch Makefiles export or change in ways [`KbuildEnv`] does not reproduce, by
/// SRCARCH: build settings (powerpc's `CPP = $(CC) -E $(KBUILD_CFLAGS)`, parisc's `LIBGCC`,
/// arm's `TEXT_OFFSET`, ...) and um's recipe shell (bash, which rewrites `BASH` and `SHELL`).
/// No Kconfig file reads them.
#[rustfmt::skip]
pub const NOT_REPRODUCED_FOR_ARCH: &[(&str, &str)] = &[
    ("arm", "GZFLAGS"), ("arm", "MMUEXT"), ("arm", "TEXT_OFFSET"), ("microblaze", "CPU_MAJOR"),
    ("microblaze", "CPU_MINOR"), ("microblaze", "CPU_REV"), ("microblaze", "CPU_VER"),
    ("microblaze", "DTB"), ("nios2", "MMU"), ("parisc", "LIBGCC"), ("powerpc", "CPP"),
    ("sh", "ld_bfd"), ("um", "BASH"), ("um", "SHELL"),
];

/// Variables conf sees that [`KbuildEnv`] does not reproduce: compiler flags and other values
/// built by the arch Makefiles, which no Kconfig file and no script run from Kconfig reads, and
/// make's own plumbing. (`kbuild/tests.rs` checks that everything else matches make.)
#[rustfmt::skip]
pub const NOT_REPRODUCED: &[&str] = &[
    // Flags built by the top and arch Makefiles.
    "AFLAGS_KERNEL", "AFLAGS_MODULE", "CFLAGS_KERNEL", "CFLAGS_MODULE", "CHECKFLAGS",
    "KBUILD_AFLAGS", "KBUILD_AFLAGS_KERNEL", "KBUILD_AFLAGS_MODULE", "KBUILD_CFLAGS",
    "KBUILD_CFLAGS_KERNEL", "KBUILD_CFLAGS_MODULE", "KBUILD_CPPFLAGS", "KBUILD_HOSTCFLAGS",
    "KBUILD_HOSTCXXFLAGS", "KBUILD_HOSTLDFLAGS", "KBUILD_HOSTLDLIBS", "KBUILD_HOSTRUSTFLAGS",
    "KBUILD_LDFLAGS", "KBUILD_LDFLAGS_MODULE", "KBUILD_RUSTFLAGS", "KBUILD_RUSTFLAGS_KERNEL",
    "KBUILD_RUSTFLAGS_MODULE", "KBUILD_RUSTFLAGS_OPTION_CHKS", "KBUILD_USERCFLAGS",
    "KBUILD_USERLDFLAGS", "LDFLAGS_MODULE", "LINUXINCLUDE", "NOSTDINC_FLAGS", "OBJCOPYFLAGS",
    "PAHOLE_FLAGS", "REALMODE_CFLAGS", "RETHUNK_CFLAGS", "RETHUNK_RUSTFLAGS", "RETPOLINE_CFLAGS",
    "RETPOLINE_RUSTFLAGS", "RETPOLINE_VDSO_CFLAGS", "RUSTFLAGS_KERNEL", "RUSTFLAGS_MODULE",
    "rust_common_flags", "CC_FLAGS_FPU", "CC_FLAGS_NO_FPU", "USER_CFLAGS", "CFLAGS_NO_HARDENING",
    "CFLAGS_vmlinux", "LDFLAGS_vmlinux", "DEV_NULL_PATH", "LDS_START", "LDS_ELF_ARCH",
    "LDS_ELF_FORMAT", "LD_BFD", "CROSS32CC", "BITS", "UTS_MACHINE", "RCS_FIND_IGNORE", "LIBS_Y",
    "CC_FLAGS_MARCH", "KBUILD_AFLAGS_DECOMPRESSOR", "KBUILD_CFLAGS_DECOMPRESSOR", "RCS_TAR_IGNORE",
    // make's plumbing, and the shell running the recipe.
    "MAKE", "MAKEFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MFLAGS", "O", "obj", "quiet", "Q",
    "KBUILD_VERBOSE", "abs_objtree", "sub_make_done", "MAKE_TERMOUT", "MAKE_TERMERR", "PWD",
    "OLDPWD", "SHLVL", "_",
];

impl KbuildEnv {
    /// The environment of `make O=DIR [ARCH=arch] xxxconfig` run from this process.
    /// `arch` acts as `ARCH=` on make's command line; `None` means kbuild's default
    /// (`ARCH` from the environment, else `SUBARCH` from `uname -m`). Nothing is cached: the
    /// Makefiles' commands run every time ([`KbuildOptions::cache`] caches them).
    pub fn new(tree: &Path, arch: Option<&str>) -> Result<Self, KbuildError> {
        Self::with_options(
            tree,
            &KbuildOptions {
                arch: arch.map(str::to_string),
                ..KbuildOptions::default()
            },
        )
    }

    /// Like [`KbuildEnv::new`], with make command-line variables and an explicit environment.
    pub fn with_options(tree: &Path, opts: &KbuildOptions) -> Result<Self, KbuildError> {
        let tree = fs::canonicalize(tree).map_err(|source| KbuildError::Io {
            path: tree.to_path_buf(),
            source,
        })?;
        let version = KernelVersion::from_tree(&tree)?;
        let base_env = opts
            .env
            .clone()
            .unwrap_or_else(|| std::env::vars_os().collect());
        let files = TreeFiles::read(&tree)?;
        let host = Host::default();
        let mode = opts
            .cache
            .clone()
            .unwrap_or(crate::shell::CacheMode::MemoryOnly);
        let make = crate::shell::ShellRunner::for_make(&tree, base_env.clone(), mode)?;
        let mut d = Derivation {
            tree: &tree,
            files: &files,
            host: &host,
            make: &make,
            cmdline: opts.make_vars.iter().cloned().collect(),
            env: base_env
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.to_string_lossy().into_owned(),
                    )
                })
                .collect(),
            out: Vec::new(),
        };
        if let Some(arch) = &opts.arch {
            d.cmdline.insert("ARCH".to_string(), arch.clone());
        }
        let (arch, srcarch) = d.derive(&version)?;
        let vars = std::mem::take(&mut d.out);
        drop(d);
        make.save()?;
        let unset = files.unexported();
        Ok(KbuildEnv {
            tree,
            arch,
            srcarch,
            version,
            vars,
            unset,
            warnings: make.warnings(),
            base_env,
        })
    }

    /// getenv as conf would see it: `vars` first, then the process environment (minus `unset`).
    pub fn get(&self, name: &str) -> Option<String> {
        if let Some((_, v)) = self.vars.iter().find(|(k, _)| k == name) {
            return Some(v.clone());
        }
        if self.unset.iter().any(|u| u == name) {
            return None;
        }
        self.base_env
            .iter()
            .rev()
            .find(|(k, _)| k == OsStr::new(name))
            .map(|(_, v)| v.to_string_lossy().into_owned())
    }

    /// The full environment to give a child process, sorted by name: the process environment
    /// without `unset`, overlaid with `vars`.
    pub fn child_env(&self) -> Vec<(OsString, OsString)> {
        let mut env: BTreeMap<OsString, OsString> = self.base_env.iter().cloned().collect();
        for name in &self.unset {
            env.remove(OsStr::new(name));
        }
        for (k, v) in &self.vars {
            env.insert(k.into(), v.into());
        }
        env.into_iter().collect()
    }

    /// All architectures of the tree (directories `arch/*/` that hold a Kconfig), sorted.
    pub fn arches(tree: &Path) -> Result<Vec<String>, KbuildError> {
        let dir = tree.join("arch");
        let io = |source| KbuildError::Io {
            path: dir.clone(),
            source,
        };
        let mut arches = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            if entry.path().join("Kconfig").is_file() {
                if let Some(name) = entry.file_name().to_str() {
                    arches.push(name.to_string());
                }
            }
        }
        arches.sort();
        Ok(arches)
    }

    /// The tool commands kbuild names (`CC`, `LD`, `HOSTCC`, ...), as exported: what a
    /// `$(shell,...)` cache must watch for upgrades.
    pub fn tool_commands(&self) -> Vec<String> {
        const TOOLS: &[&str] = &[
            "CC",
            "LD",
            "AR",
            "NM",
            "OBJCOPY",
            "OBJDUMP",
            "READELF",
            "STRIP",
            "HOSTCC",
            "HOSTCXX",
            "RUSTC",
            "BINDGEN",
            "PAHOLE",
            "PYTHON3",
            "PERL",
            "HOSTPKG_CONFIG",
        ];
        TOOLS
            .iter()
            .filter_map(|t| self.get(t))
            .filter(|v| !v.is_empty())
            .collect()
    }
}

mod arch;
mod derive;
mod makefile;

pub use arch::subarch_of_machine;
use derive::{Derivation, Host};
use makefile::{make_assignment, read, TreeFiles};

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod warm_load_tests;
