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
//! (`kbuild/tests.rs` repeats it against the tree found by `scripts/kernel-tree.sh`).
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

use std::collections::{BTreeMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
        format!("{}.{}.{}{}", self.version, self.patchlevel, self.sublevel, self.extraversion)
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
    /// The environment make started with.
    base_env: Vec<(OsString, OsString)>,
}

/// Variables that arch Makefiles export or change in ways [`KbuildEnv`] does not reproduce, by
/// SRCARCH: build settings (powerpc's `CPP = $(CC) -E $(KBUILD_CFLAGS)`, parisc's `LIBGCC`,
/// arm's `TEXT_OFFSET`, ...) and um's recipe shell (bash, which rewrites `BASH` and `SHELL`).
/// No Kconfig file reads them.
pub const NOT_REPRODUCED_FOR_ARCH: &[(&str, &str)] = &[
    ("arm", "GZFLAGS"), ("arm", "MMUEXT"), ("arm", "TEXT_OFFSET"),
    ("microblaze", "CPU_MAJOR"), ("microblaze", "CPU_MINOR"), ("microblaze", "CPU_REV"),
    ("microblaze", "CPU_VER"), ("microblaze", "DTB"), ("nios2", "MMU"), ("parisc", "LIBGCC"),
    ("powerpc", "CPP"), ("sh", "ld_bfd"), ("um", "BASH"), ("um", "SHELL"),
];

/// Variables conf sees that [`KbuildEnv`] does not reproduce: compiler flags and other values
/// built by the arch Makefiles, which no Kconfig file and no script run from Kconfig reads, and
/// make's own plumbing. (`kbuild/tests.rs` checks that everything else matches make.)
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
    "LDS_ELF_FORMAT", "LD_BFD", "CROSS32CC", "BITS", "UTS_MACHINE", "RCS_FIND_IGNORE",
    "LIBS_Y", "CC_FLAGS_MARCH", "KBUILD_AFLAGS_DECOMPRESSOR", "KBUILD_CFLAGS_DECOMPRESSOR",
    "RCS_TAR_IGNORE",
    // make's plumbing, and the shell running the recipe.
    "MAKE", "MAKEFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MFLAGS", "O", "obj", "quiet", "Q",
    "KBUILD_VERBOSE", "abs_objtree", "sub_make_done", "PWD", "OLDPWD", "SHLVL", "_",
];

impl KbuildEnv {
    /// The environment of `make O=DIR [ARCH=arch] xxxconfig` run from this process.
    /// `arch` acts as `ARCH=` on make's command line; `None` means kbuild's default
    /// (`ARCH` from the environment, else `SUBARCH` from `uname -m`).
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
        let base_env = opts.env.clone().unwrap_or_else(|| std::env::vars_os().collect());
        let files = TreeFiles::read(&tree)?;
        let host = Host::default();
        let mut d = Derivation {
            tree: &tree,
            files: &files,
            host: &host,
            cmdline: opts.make_vars.iter().cloned().collect(),
            env: base_env
                .iter()
                .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
                .collect(),
            out: Vec::new(),
        };
        if let Some(arch) = &opts.arch {
            d.cmdline.insert("ARCH".to_string(), arch.clone());
        }
        let (arch, srcarch) = d.derive(&version)?;
        let vars = std::mem::take(&mut d.out);
        drop(d);
        let unset = files.unexported();
        Ok(KbuildEnv {
            tree,
            arch,
            srcarch,
            version,
            vars,
            unset,
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
            "CC", "LD", "AR", "NM", "OBJCOPY", "OBJDUMP", "READELF", "STRIP", "HOSTCC", "HOSTCXX",
            "RUSTC", "BINDGEN", "PAHOLE", "PYTHON3", "PERL", "HOSTPKG_CONFIG",
        ];
        TOOLS.iter().filter_map(|t| self.get(t)).filter(|v| !v.is_empty()).collect()
    }
}

/// The few tree files whose contents steer the derivation.
struct TreeFiles {
    makefile: String,
    subarch_include: String,
    makefile_clang: Option<String>,
    makefile_clang_path: PathBuf,
    kconfig_makefile: String,
    /// Names exported by the top Makefile for config targets.
    exported: HashSet<String>,
    /// `ARCH` alias -> `SRCARCH`, from the top Makefile.
    srcarch_aliases: Vec<(String, String)>,
}

impl TreeFiles {
    fn read(tree: &Path) -> Result<Self, KbuildError> {
        let makefile = read(&tree.join("Makefile"))?;
        let subarch_include = read_optional(&tree.join("scripts/subarch.include"))?.unwrap_or_default();
        let makefile_clang_path = tree.join("scripts/Makefile.clang");
        let makefile_clang = read_optional(&makefile_clang_path)?;
        let kconfig_makefile = read(&tree.join("scripts/kconfig/Makefile"))?;
        let exported = exported_names(&makefile);
        let srcarch_aliases = srcarch_aliases(&makefile);
        Ok(TreeFiles {
            makefile,
            subarch_include,
            makefile_clang,
            makefile_clang_path,
            kconfig_makefile,
            exported,
            srcarch_aliases,
        })
    }

    /// Variables removed from the inherited environment (`unexport` at column 0).
    fn unexported(&self) -> Vec<String> {
        let mut names = Vec::new();
        for text in [&self.makefile, &self.kconfig_makefile] {
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("unexport ") {
                    names.extend(rest.split_whitespace().map(str::to_string));
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

/// Facts about the machine make runs on, each looked up once.
#[derive(Default)]
struct Host {
    machine: std::sync::OnceLock<String>,
    release: std::sync::OnceLock<String>,
}

impl Host {
    /// `uname -m`.
    fn machine(&self) -> &str {
        self.machine.get_or_init(|| command_line(&["uname", "-m"]))
    }

    /// `uname -r` (the kernel's own copy, without a fork).
    fn release(&self) -> &str {
        self.release.get_or_init(|| match fs::read_to_string("/proc/sys/kernel/osrelease") {
            Ok(s) => s.trim_end().to_string(),
            Err(_) => command_line(&["uname", "-r"]),
        })
    }
}

/// One run of the Makefile logic: the inputs, and the exported variables in order.
struct Derivation<'a> {
    tree: &'a Path,
    files: &'a TreeFiles,
    host: &'a Host,
    cmdline: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    out: Vec<(String, String)>,
}

impl Derivation<'_> {
    /// A variable the Makefile assigns with `=`/`:=`: the command line wins, else `value`.
    fn assigned(&self, name: &str, value: impl FnOnce() -> String) -> String {
        self.cmdline.get(name).cloned().unwrap_or_else(value)
    }

    /// A variable the Makefile does not assign (or assigns with `?=`): command line, then
    /// environment, then `default`.
    fn inherited(&self, name: &str, default: &str) -> String {
        self.cmdline
            .get(name)
            .or_else(|| self.env.get(name))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    fn export(&mut self, name: &str, value: String) {
        match self.out.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.out.push((name.to_string(), value)),
        }
    }

    /// Exports `name` if this tree's top Makefile exports it.
    fn export_if_top(&mut self, name: &str, value: String) {
        if self.files.exported.contains(name) {
            self.export(name, value);
        }
    }

    fn derive(&mut self, version: &KernelVersion) -> Result<(String, String), KbuildError> {
        let srctree = self.tree.to_string_lossy().into_owned();

        // Top Makefile: where things are.
        self.export_if_top("abs_srctree", srctree.clone());
        self.export_if_top("building_out_of_srctree", "1".into());
        self.export_if_top("srctree", srctree.clone());
        self.export_if_top("objtree", ".".into());
        self.export_if_top("VPATH", srctree.clone());
        self.export_if_top("LC_COLLATE", "C".into());
        self.export_if_top("LC_NUMERIC", "C".into());
        self.export_if_top("VERSION", version.version.to_string());
        self.export_if_top("PATCHLEVEL", version.patchlevel.to_string());
        self.export_if_top("SUBLEVEL", version.sublevel.to_string());
        self.export_if_top("KERNELVERSION", version.kernelversion());
        self.export_if_top("KERNELRELEASE", String::new());
        let checksrc = match self.cmdline.get("C") {
            Some(c) => c.clone(),
            None => self.inherited("KBUILD_CHECKSRC", "0"),
        };
        self.export_if_top("KBUILD_CHECKSRC", if checksrc.is_empty() { "0".into() } else { checksrc });
        let clippy = match self.cmdline.get("CLIPPY") {
            Some(c) => c.clone(),
            None => self.inherited("KBUILD_CLIPPY", ""),
        };
        self.export_if_top("KBUILD_CLIPPY", clippy.clone());
        let extmod = match self.cmdline.get("M") {
            Some(m) => m.clone(),
            None => self.inherited("KBUILD_EXTMOD", ""),
        };
        self.export_if_top("KBUILD_EXTMOD", extmod);
        let extra_warn = match self.cmdline.get("W") {
            Some(w) => w.clone(),
            None => self
                .cmdline
                .get("KBUILD_EXTRA_WARN")
                .or_else(|| self.env.get("KBUILD_EXTRA_WARN"))
                .or_else(|| self.env.get("KBUILD_ENABLE_EXTRA_GCC_CHECKS"))
                .cloned()
                .unwrap_or_default(),
        };
        self.export_if_top("KBUILD_EXTRA_WARN", extra_warn.clone());

        // scripts/subarch.include, then `ARCH ?= $(SUBARCH)` and the SRCARCH aliases.
        let arm64_kept = self.files.subarch_include.contains("/^arm64$$/!");
        let subarch = self.assigned("SUBARCH", || subarch_of_machine(self.host.machine(), arm64_kept));
        let arch = match self.cmdline.get("ARCH").or_else(|| self.env.get("ARCH")) {
            Some(a) => a.clone(),
            None => subarch.clone(),
        };
        let srcarch = self.assigned("SRCARCH", || {
            self.files
                .srcarch_aliases
                .iter()
                .find(|(alias, _)| *alias == arch)
                .map(|(_, s)| s.clone())
                .unwrap_or_else(|| arch.clone())
        });
        let arch_makefile_path = self.tree.join("arch").join(&srcarch).join("Makefile");
        if srcarch.is_empty()
            || srcarch.contains('/')
            || !self.tree.join("arch").join(&srcarch).join("Kconfig").is_file()
        {
            let mut valid = KbuildEnv::arches(self.tree)?;
            valid.extend(
                self.files
                    .srcarch_aliases
                    .iter()
                    .filter(|(_, s)| valid.contains(s))
                    .map(|(a, _)| a.clone())
                    .collect::<Vec<_>>(),
            );
            valid.sort();
            valid.dedup();
            return Err(KbuildError::UnknownArch {
                arch,
                srcarch,
                tree: self.tree.to_path_buf(),
                valid,
            });
        }
        let arch_makefile = read_optional(&arch_makefile_path)?.unwrap_or_default();
        self.export_if_top("ARCH", arch.clone());
        self.export_if_top("SRCARCH", srcarch.clone());

        self.export_if_top("KCONFIG_CONFIG", self.inherited("KCONFIG_CONFIG", ".config"));
        self.export_if_top("CONFIG_SHELL", self.assigned("CONFIG_SHELL", || "sh".into()));

        // CROSS_COMPILE: from the user, else some arch Makefiles look for a cross gcc.
        let cross_compiling = !self.inherited("cross_compiling", "").is_empty();
        let mut cross = self.inherited("CROSS_COMPILE", "");
        if cross.is_empty() && !self.cmdline.contains_key("CROSS_COMPILE") {
            let prefixes = cross_prefix_candidates(&srcarch, &arch, &subarch, cross_compiling, &arch_makefile);
            let path = self.env.get("PATH").cloned().unwrap_or_default();
            if let Some(p) = prefixes.iter().find(|p| find_in_path(&format!("{p}gcc"), &path, self.tree).is_some()) {
                cross = p.clone();
            }
        }

        // Tools.
        let llvm = self.inherited("LLVM", "");
        let (llvm_prefix, llvm_suffix) = if llvm.ends_with('/') {
            (llvm.clone(), String::new())
        } else if llvm.starts_with('-') {
            (String::new(), llvm.clone())
        } else {
            (String::new(), String::new())
        };
        let llvm_tool = |t: &str| format!("{llvm_prefix}{t}{llvm_suffix}");
        let (hostcc, hostcxx) = if llvm.is_empty() {
            ("gcc".to_string(), "g++".to_string())
        } else {
            (llvm_tool("clang"), llvm_tool("clang++"))
        };
        let binutils: [(&str, &str, &str); 8] = [
            ("CC", "clang", "gcc"),
            ("LD", "ld.lld", "ld"),
            ("AR", "llvm-ar", "ar"),
            ("NM", "llvm-nm", "nm"),
            ("OBJCOPY", "llvm-objcopy", "objcopy"),
            ("OBJDUMP", "llvm-objdump", "objdump"),
            ("READELF", "llvm-readelf", "readelf"),
            ("STRIP", "llvm-strip", "strip"),
        ];
        let mut tools: Vec<(&str, String)> = Vec::new();
        for (name, llvm_name, gnu_name) in binutils {
            let value = self.assigned(name, || {
                if llvm.is_empty() {
                    format!("{cross}{gnu_name}")
                } else {
                    llvm_tool(llvm_name)
                }
            });
            tools.push((name, value));
        }
        // Arch Makefiles that adjust NM at config time (`NM := $(NM) ...`).
        if !self.cmdline.contains_key("NM") {
            let nm = &mut tools[3].1;
            match srcarch.as_str() {
                "alpha" if arch_makefile.contains("NM := $(NM) -B") => nm.push_str(" -B"),
                "ia64" if arch_makefile.contains("NM := $(CROSS_COMPILE)nm -B") => *nm = format!("{cross}nm -B"),
                "powerpc" if arch_makefile.contains("NM\t\t:= $(NM) --synthetic") => {
                    let probe = format!("if {nm} --help 2>&1 | grep -- '--synthetic' > /dev/null; then echo y; else echo n; fi");
                    if make_shell(&probe, &self.env_pairs()) == "y" {
                        nm.push_str(" --synthetic");
                    }
                }
                _ => {}
            }
        }
        let cc = tools[0].1.clone();
        tools.push(("CPP", self.assigned("CPP", || format!("{cc} -E"))));
        tools.push(("HOSTCC", self.assigned("HOSTCC", || hostcc.clone())));
        tools.push(("HOSTCXX", self.assigned("HOSTCXX", || hostcxx.clone())));
        for (name, default) in [
            ("HOSTRUSTC", "rustc"),
            ("HOSTPKG_CONFIG", "pkg-config"),
            ("RUSTC", "rustc"),
            ("RUSTDOC", "rustdoc"),
            ("RUSTFMT", "rustfmt"),
            ("BINDGEN", "bindgen"),
            ("CARGO", "cargo"),
            ("PAHOLE", "pahole"),
            ("LEX", "flex"),
            ("YACC", "bison"),
            ("AWK", "awk"),
            ("INSTALLKERNEL", "installkernel"),
            ("PERL", "perl"),
            ("PYTHON3", "python3"),
            ("CHECK", "sparse"),
            ("BASH", "bash"),
            ("KGZIP", "gzip"),
            ("KBZIP2", "bzip2"),
            ("KLZOP", "lzop"),
            ("LZMA", "lzma"),
            ("LZ4", "lz4"),
            ("XZ", "xz"),
            ("ZSTD", "zstd"),
        ] {
            tools.push((name, self.assigned(name, || default.to_string())));
        }
        tools.push((
            "RESOLVE_BTFIDS",
            self.assigned("RESOLVE_BTFIDS", || "./tools/bpf/resolve_btfids/resolve_btfids".into()),
        ));
        let rustc = self.assigned("RUSTC", || "rustc".into());
        let clippy_driver = self.assigned("CLIPPY_DRIVER", || "clippy-driver".into());
        let (or_clippy, quiet) = if clippy == "1" {
            (clippy_driver, "CLIPPY")
        } else {
            (rustc.clone(), "RUSTC")
        };
        tools.push(("RUSTC_OR_CLIPPY", self.assigned("RUSTC_OR_CLIPPY", || or_clippy)));
        tools.push(("RUSTC_OR_CLIPPY_QUIET", self.assigned("RUSTC_OR_CLIPPY_QUIET", || quiet.into())));
        tools.push(("RUSTC_BOOTSTRAP", self.assigned("RUSTC_BOOTSTRAP", || "1".into())));
        tools.push(("CLIPPY_CONF_DIR", self.assigned("CLIPPY_CONF_DIR", || srctree.clone())));
        self.export_if_top("CROSS_COMPILE", cross.clone());
        for (name, value) in tools {
            self.export_if_top(name, value);
        }

        // Version texts, computed by running the tools as make does.
        let path_env = self.env_pairs();
        let cc_version_cmd = format!("LC_ALL=C {cc} --version 2>/dev/null | head -n 1");
        let rustc_version_cmd = format!("{rustc} --version 2>/dev/null");
        let wants_rustc = self.files.makefile.contains("RUSTC_VERSION_TEXT =");
        let (cc_text, rustc_text) = std::thread::scope(|s| {
            let r = wants_rustc.then(|| s.spawn(|| make_shell(&rustc_version_cmd, &path_env)));
            let c = make_shell(&cc_version_cmd, &path_env);
            (c, r.map(|h| h.join().unwrap_or_default()))
        });
        let cc_text = self.assigned("CC_VERSION_TEXT", || cc_text.replace('#', ""));
        if let Some(t) = rustc_text {
            let t = self.assigned("RUSTC_VERSION_TEXT", || t.replace('#', ""));
            self.export_if_top("RUSTC_VERSION_TEXT", t);
        }
        self.export_if_top("CC_VERSION_TEXT", cc_text.clone());

        // scripts/Makefile.clang, included when CC_VERSION_TEXT mentions clang.
        if cc_text.contains("clang") {
            let flags = self.clang_flags(&srcarch, &subarch, &cross)?;
            self.export("CLANG_FLAGS", self.assigned("CLANG_FLAGS", || flags));
        } else if self.env.contains_key("CLANG_FLAGS") || self.cmdline.contains_key("CLANG_FLAGS") {
            // `CLANG_FLAGS :=` in the top Makefile; exported because it came from outside.
            self.export("CLANG_FLAGS", self.assigned("CLANG_FLAGS", String::new));
        }

        // arch/um/Makefile exports the host architecture it runs on.
        if srcarch == "um" {
            let header_arch = if matches!(subarch.as_str(), "x86" | "x86_64" | "i386") {
                "x86".to_string()
            } else {
                subarch.clone()
            };
            if exports_word(&arch_makefile, "HEADER_ARCH") {
                self.export("HEADER_ARCH", self.assigned("HEADER_ARCH", || header_arch));
            }
            if exports_word(&arch_makefile, "SUBARCH") {
                self.export("SUBARCH", subarch.clone());
            }
            if exports_word(&arch_makefile, "OS") {
                let os = fs::read_to_string("/proc/sys/kernel/ostype")
                    .map(|s| s.trim_end().to_string())
                    .unwrap_or_else(|_| command_line(&["uname", "-s"]));
                self.export("OS", self.assigned("OS", || os));
            }
        }

        // KBUILD_DEFCONFIG (arch Makefile, else scripts/kconfig/Makefile's `defconfig`).
        let defconfig = self.assigned("KBUILD_DEFCONFIG", || {
            arch_defconfig(&srcarch, &arch, &subarch, self.host, &arch_makefile)
                .unwrap_or_else(|| self.inherited("KBUILD_DEFCONFIG", "defconfig"))
        });
        let defconfig = if defconfig.is_empty() { "defconfig".to_string() } else { defconfig };
        self.export_if_top("KBUILD_DEFCONFIG", defconfig.clone());
        self.export_if_top("KBUILD_KCONFIG", self.inherited("KBUILD_KCONFIG", ""));

        // scripts/kconfig/Makefile.
        let kmake = &self.files.kconfig_makefile;
        if kmake.contains("export KCONFIG_DEFCONFIG_LIST") {
            let mut list = Vec::new();
            if !cross_compiling {
                let release = self.host.release();
                list.push(format!("/lib/modules/{release}/.config"));
                list.push("/etc/kernel-config".to_string());
                list.push(format!("/boot/config-{release}"));
            }
            list.push(format!("arch/{srcarch}/configs/{defconfig}"));
            let list = self.assigned("KCONFIG_DEFCONFIG_LIST", || list.join(" "));
            self.export("KCONFIG_DEFCONFIG_LIST", list);
        }
        if kmake.contains("export KCONFIG_WARN_UNKNOWN_SYMBOLS=1") && extra_warn.contains('c') {
            self.export("KCONFIG_WARN_UNKNOWN_SYMBOLS", "1".into());
        }
        if kmake.contains("export KCONFIG_WERROR=1") && extra_warn.contains('e') {
            self.export("KCONFIG_WERROR", "1".into());
        }

        // Command-line variables are exported as given, whatever the Makefiles say.
        let cmdline: Vec<(String, String)> = self.cmdline.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (k, v) in cmdline {
            self.export(&k, v);
        }
        Ok((arch, srcarch))
    }

    /// The environment make's own `$(shell ...)` runs with.
    fn env_pairs(&self) -> Vec<(String, String)> {
        self.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// `CLANG_FLAGS` as `scripts/Makefile.clang` of the tree builds it.
    fn clang_flags(&self, srcarch: &str, subarch: &str, cross: &str) -> Result<String, KbuildError> {
        let text = self.files.makefile_clang.as_deref().unwrap_or_default();
        let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
        for line in text.lines() {
            if let Some((name, value)) = make_assignment(line) {
                if let Some(arch) = name.strip_prefix("CLANG_TARGET_FLAGS_") {
                    targets.insert(arch, value);
                }
            }
        }
        let lookup = |a: &str| targets.get(a).filter(|v| !v.contains('$')).map(|v| v.to_string());
        let table = if srcarch == "um" { lookup(subarch) } else { lookup(srcarch) };
        let mut flags = Vec::new();
        if text.contains("$(CROSS_COMPILE:%-=%)") && !cross.is_empty() {
            // 6.1: --target=$(notdir $(CROSS_COMPILE:%-=%))
            let triple = cross.strip_suffix('-').unwrap_or(cross);
            flags.push(format!("--target={}", notdir(triple)));
        } else {
            match table {
                Some(t) => flags.push(format!("--target={t}")),
                None => {
                    return Err(KbuildError::ClangTarget {
                        makefile: self.files.makefile_clang_path.clone(),
                        srcarch: srcarch.to_string(),
                    })
                }
            }
        }
        if self.inherited("LLVM_IAS", "") == "0" {
            flags.push("-fno-integrated-as".into());
            let path = self.env.get("PATH").cloned().unwrap_or_default();
            let dir = find_in_path(&format!("{cross}elfedit"), &path, self.tree)
                .and_then(|p| p.parent().map(|d| format!("{}/", d.display())))
                .unwrap_or_default();
            flags.push(format!("--prefix={dir}{}", notdir(cross)));
        } else {
            flags.push("-fintegrated-as".into());
        }
        // The unconditional `CLANG_FLAGS += -W...` lines at the end of the file.
        let mut depth = 0usize;
        for line in text.lines() {
            let t = line.trim_start();
            if t.starts_with("ifeq") || t.starts_with("ifneq") || t.starts_with("ifdef") || t.starts_with("ifndef") {
                depth += 1;
            } else if t.starts_with("endif") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 {
                if let Some(rest) = line.strip_prefix("CLANG_FLAGS") {
                    if let Some(v) = rest.trim_start().strip_prefix("+=") {
                        let v = v.trim();
                        if !v.contains('$') && !v.is_empty() {
                            flags.push(v.to_string());
                        }
                    }
                }
            }
        }
        Ok(flags.join(" "))
    }
}

/// `SUBARCH` from `uname -m`, as the sed script of `scripts/subarch.include` maps it.
/// `arm64_kept`: the 6.12+ script leaves an `arm64` machine alone instead of mapping it to arm.
pub fn subarch_of_machine(machine: &str, arm64_kept: bool) -> String {
    // Each `-e s/RE/REPL/` replaces the first match of RE in the line; `.*` runs to the end.
    let mut m = machine.to_string();
    let sub = |m: &mut String, matcher: &dyn Fn(&str) -> Option<(usize, usize)>, repl: &str| {
        if let Some((start, end)) = matcher(m) {
            m.replace_range(start..end, repl);
        }
    };
    let literal = |pat: &'static str| move |s: &str| s.find(pat).map(|i| (i, i + pat.len()));
    let prefix_to_end = |pat: &'static str| move |s: &str| s.find(pat).map(|i| (i, s.len()));
    // s/i.86/x86/
    sub(
        &mut m,
        &|s: &str| {
            let b = s.as_bytes();
            (0..b.len().saturating_sub(3))
                .find(|&i| b[i] == b'i' && &b[i + 2..i + 4] == b"86")
                .map(|i| (i, i + 4))
        },
        "x86",
    );
    sub(&mut m, &literal("x86_64"), "x86");
    sub(&mut m, &literal("sun4u"), "sparc64");
    if !(arm64_kept && m == "arm64") {
        sub(&mut m, &prefix_to_end("arm"), "arm");
    }
    sub(&mut m, &literal("sa110"), "arm");
    sub(&mut m, &literal("s390x"), "s390");
    sub(&mut m, &prefix_to_end("ppc"), "powerpc");
    sub(&mut m, &prefix_to_end("mips"), "mips");
    // s/sh[234].*/sh/
    sub(
        &mut m,
        &|s: &str| {
            let b = s.as_bytes();
            (0..b.len().saturating_sub(2))
                .find(|&i| &b[i..i + 2] == b"sh" && matches!(b[i + 2], b'2' | b'3' | b'4'))
                .map(|i| (i, s.len()))
        },
        "sh",
    );
    sub(&mut m, &prefix_to_end("aarch64"), "arm64");
    sub(&mut m, &prefix_to_end("riscv"), "riscv");
    sub(&mut m, &prefix_to_end("loongarch"), "loongarch");
    m
}

/// The prefixes an arch Makefile tries with `cc-cross-prefix` when `CROSS_COMPILE` is empty, in
/// order. `tool-archpref` is empty at config time (it depends on `CONFIG_64BIT`).
fn cross_prefix_candidates(srcarch: &str, arch: &str, subarch: &str, cross_compiling: bool, arch_makefile: &str) -> Vec<String> {
    if !arch_makefile.contains("cc-cross-prefix") {
        return Vec::new();
    }
    let guarded = arch_makefile.contains("ifdef cross_compiling");
    let product = |arches: &[&str], suffixes: &[&str]| -> Vec<String> {
        arches
            .iter()
            .flat_map(|a| suffixes.iter().map(move |s| format!("{a}-{s}-")))
            .collect()
    };
    let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match srcarch {
        "arc" => list(&["arc-linux-", "arceb-linux-", "arc-linux-gnu-"]),
        "loongarch" if subarch != arch => list(&["-linux-", "-linux-gnu-", "-unknown-linux-gnu-"]),
        "m68k" if guarded && cross_compiling => list(&["m68k-linux-gnu-", "m68k-linux-", "m68k-unknown-linux-gnu-"]),
        "mips" if guarded && cross_compiling => list(&["-linux-", "-linux-gnu-", "-unknown-linux-gnu-"]),
        "sh" if guarded && cross_compiling => list(&["sh-linux-", "sh-linux-gnu-", "sh-unknown-linux-gnu-"]),
        "parisc" if guarded && cross_compiling => {
            let arches: &[&str] = if arch == "parisc64" { &["hppa64"] } else { &["hppa", "hppa2.0", "hppa1.1"] };
            product(arches, &["linux", "linux-gnu", "unknown-linux-gnu", "suse-linux"])
        }
        "powerpc" if guarded && cross_compiling => product(
            &["powerpc", "powerpc64", "powerpc64le"],
            &["linux", "linux-gnu", "unknown-linux-gnu"],
        ),
        _ => Vec::new(),
    }
}

/// `KBUILD_DEFCONFIG` as `arch/$(SRCARCH)/Makefile` sets it, or `None` where it does not.
fn arch_defconfig(srcarch: &str, arch: &str, subarch: &str, host: &Host, arch_makefile: &str) -> Option<String> {
    let conditional = match srcarch {
        "x86" if arch == "x86" => {
            // ifeq ($(shell uname -m | sed -e 's/i.86/i386/'),i386)
            let m = host.machine().as_bytes();
            let i386 = m.len() == 4 && m[0] == b'i' && &m[2..] == b"86";
            Some(if i386 { "i386_defconfig".to_string() } else { "x86_64_defconfig".to_string() })
        }
        "x86" => Some(format!("{arch}_defconfig")),
        "sparc" => Some(if arch == "sparc64" { "sparc64_defconfig" } else { "sparc32_defconfig" }.to_string()),
        "parisc" => Some(if arch == "parisc64" { "generic-64bit_defconfig" } else { "generic-32bit_defconfig" }.to_string()),
        "um" if subarch == "x86" => Some(if host.machine() == "x86_64" { "x86_64_defconfig" } else { "i386_defconfig" }.to_string()),
        "um" => Some(format!("{subarch}_defconfig")),
        "powerpc" => {
            // KBUILD_DEFCONFIG := $(if $(filter ppc%,$(uname)),$(uname),FALLBACK)_defconfig
            let fallback = arch_makefile
                .split("$(uname)),$(uname),")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
                .unwrap_or("ppc64le")
                .to_string();
            let m = host.machine();
            Some(format!("{}_defconfig", if m.starts_with("ppc") { m } else { &fallback }))
        }
        _ => None,
    };
    if conditional.is_some() {
        return conditional;
    }
    arch_makefile.lines().find_map(|line| {
        let (name, value) = make_assignment(line)?;
        (name == "KBUILD_DEFCONFIG" && !value.is_empty() && !value.contains('$')).then(|| value.to_string())
    })
}

/// `NAME = value`, `NAME := value` or `NAME ?= value` at column 0.
fn make_assignment(line: &str) -> Option<(&str, &str)> {
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let (name, rest) = line.split_at(end);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    let value = rest
        .strip_prefix(":=")
        .or_else(|| rest.strip_prefix("?="))
        .or_else(|| rest.strip_prefix('='))?;
    Some((name, value.trim()))
}

/// Names the top Makefile exports to config targets: `export` lines at column 0 before the
/// build-only half (`else #!config-build`), continuation lines joined.
fn exported_names(makefile: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut logical = String::new();
    let mut in_config_build = false;
    for line in makefile.lines() {
        if !logical.is_empty() || line.starts_with("export ") {
            logical.push_str(line.trim_end_matches('\\'));
            logical.push(' ');
            if line.ends_with('\\') {
                continue;
            }
            let rest = &logical["export ".len()..];
            for word in rest.split_whitespace() {
                if word.contains('=') || word == ":=" || word == "?=" {
                    break;
                }
                names.insert(word.to_string());
            }
            logical.clear();
            continue;
        }
        if line.starts_with("ifdef config-build") {
            in_config_build = true;
        } else if in_config_build && line.starts_with("else") {
            break;
        }
    }
    names
}

/// Whether a line `export ... WORD ...` (column 0) names `word`.
fn exports_word(makefile: &str, word: &str) -> bool {
    makefile.lines().any(|l| {
        l.strip_prefix("export ")
            .is_some_and(|rest| rest.split_whitespace().take_while(|w| !w.contains('=')).any(|w| w == word))
    })
}

/// `ifeq ($(ARCH),ALIAS)` followed by `SRCARCH := DIR` in the top Makefile.
fn srcarch_aliases(makefile: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for line in makefile.lines() {
        let t = line.trim();
        if let Some(alias) = t.strip_prefix("ifeq ($(ARCH),").and_then(|r| r.strip_suffix(')')) {
            pending = Some(alias.trim().to_string());
        } else if let Some(alias) = pending.take() {
            if let Some((name, value)) = make_assignment(t) {
                if name == "SRCARCH" && !value.contains('$') {
                    out.push((alias, value.to_string()));
                }
            }
        }
    }
    if out.is_empty() {
        // Trees before the aliases moved (none in 5.10+), as a fallback.
        for (a, s) in [("i386", "x86"), ("x86_64", "x86"), ("sparc32", "sparc"), ("sparc64", "sparc"), ("parisc64", "parisc"), ("sh64", "sh"), ("tilepro", "tile"), ("tilegx", "tile")] {
            out.push((a.to_string(), s.to_string()));
        }
    }
    out
}

/// make's `$(notdir ...)` of one word.
fn notdir(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The first executable `name` in `path` (`command -v`), or `name` itself if it holds a `/`.
pub(crate) fn find_in_path(name: &str, path: &str, cwd: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false);
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let p = cwd.join(name);
        return executable(&p).then_some(p);
    }
    path.split(':')
        .map(|dir| if dir.is_empty() { cwd.join(name) } else { cwd.join(dir).join(name) })
        .find(|p| executable(p))
}

/// make's `$(shell CMD)`: `/bin/sh -c`, newlines folded to spaces, trailing newlines dropped.
fn make_shell(cmd: &str, env: &[(String, String)]) -> String {
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match out {
        Ok(out) => {
            let s = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
            s.trim_end_matches('\n').replace('\n', " ")
        }
        Err(_) => String::new(),
    }
}

/// The first line a command prints, or empty.
fn command_line(argv: &[&str]) -> String {
    Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim_end().to_string())
        .unwrap_or_default()
}

fn read(path: &Path) -> Result<String, KbuildError> {
    fs::read_to_string(path).map_err(|source| KbuildError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_optional(path: &Path) -> Result<Option<String>, KbuildError> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KbuildError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests;
