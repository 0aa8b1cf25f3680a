//! The Makefile logic itself: which variables kbuild exports to conf, and their values.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::arch::{arch_defconfig, cross_prefix_candidates, subarch_of_machine};
use super::makefile::{
    exports_word, find_in_path, make_assignment, notdir, read_optional, TreeFiles,
};
use super::{KbuildEnv, KbuildError, KernelVersion};
use crate::shell::ShellRunner;

/// Facts about the machine make runs on, looked up once, without a fork.
#[derive(Default)]
pub(super) struct Host {
    uname: std::sync::OnceLock<Uname>,
}

/// What `uname -s`, `uname -r` and `uname -m` print: the fields of `uname(2)`, which is all
/// uname(1) calls (so the personality, e.g. `linux32`'s `i686`, and the UTS namespace apply).
pub(super) struct Uname {
    pub(super) sysname: String,
    pub(super) release: String,
    pub(super) machine: String,
}

impl Uname {
    /// `uname(2)`; should it ever fail, the kernel's copies under `/proc/sys/kernel`.
    pub(super) fn get() -> Uname {
        // SAFETY: utsname is plain bytes, zeroed is a valid value; uname writes NUL-terminated
        // fields into the buffer it is given.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        if unsafe { libc::uname(&mut u) } == 0 {
            let field = |f: &[libc::c_char]| {
                let bytes: Vec<u8> = f
                    .iter()
                    .take_while(|&&c| c != 0)
                    .map(|&c| c as u8)
                    .collect();
                String::from_utf8_lossy(&bytes).into_owned()
            };
            return Uname {
                sysname: field(&u.sysname),
                release: field(&u.release),
                machine: field(&u.machine),
            };
        }
        let proc = |name: &str| {
            fs::read_to_string(format!("/proc/sys/kernel/{name}"))
                .map(|s| s.trim_end().to_string())
                .unwrap_or_default()
        };
        Uname {
            sysname: proc("ostype"),
            release: proc("osrelease"),
            machine: proc("arch"),
        }
    }
}

impl Host {
    fn uname(&self) -> &Uname {
        self.uname.get_or_init(Uname::get)
    }

    /// `uname -m`.
    pub(super) fn machine(&self) -> &str {
        &self.uname().machine
    }

    /// `uname -r`.
    pub(super) fn release(&self) -> &str {
        &self.uname().release
    }

    /// `uname -s`.
    pub(super) fn sysname(&self) -> &str {
        &self.uname().sysname
    }
}

/// The top Makefile settings later steps need.
struct TopLevel {
    clippy: String,
    extra_warn: String,
}

/// The architecture chosen, and its Makefile's text.
struct ArchChoice {
    arch: String,
    srcarch: String,
    subarch: String,
    makefile: String,
}

/// One run of the Makefile logic: the inputs, and the exported variables in order.
pub(super) struct Derivation<'a> {
    pub(super) tree: &'a Path,
    pub(super) files: &'a TreeFiles,
    pub(super) host: &'a Host,
    /// Runs (or answers from its cache) make's `$(shell ...)`, in the environment make starts
    /// with.
    pub(super) make: &'a ShellRunner,
    pub(super) cmdline: BTreeMap<String, String>,
    pub(super) env: BTreeMap<String, String>,
    pub(super) out: Vec<(String, String)>,
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

    /// Runs the Makefile logic; returns (ARCH, SRCARCH). Mirrors, in order, the top Makefile,
    /// `scripts/subarch.include`, `arch/$(SRCARCH)/Makefile`, `scripts/Makefile.clang` and
    /// `scripts/kconfig/Makefile`.
    pub(super) fn derive(
        &mut self,
        version: &KernelVersion,
    ) -> Result<(String, String), KbuildError> {
        let top = self.top_level(version);
        let a = self.choose_arch()?;
        let cross = self.cross_compile(&a);
        let (cc, rustc) = self.toolchain(&a, &cross, &top.clippy)?;
        let cc_text = self.version_texts(&cc, &rustc)?;
        if cc_text.contains("clang") {
            // scripts/Makefile.clang, included when CC_VERSION_TEXT mentions clang.
            let flags = self.clang_flags(&a.srcarch, &a.subarch, &cross)?;
            self.export("CLANG_FLAGS", self.assigned("CLANG_FLAGS", || flags));
        } else if self.env.contains_key("CLANG_FLAGS") || self.cmdline.contains_key("CLANG_FLAGS") {
            // `CLANG_FLAGS :=` in the top Makefile; exported because it came from outside.
            self.export("CLANG_FLAGS", self.assigned("CLANG_FLAGS", String::new));
        }
        if a.srcarch == "um" {
            self.um_host(&a);
        }
        self.kconfig_makefile(&a, &top.extra_warn);
        // Command-line variables are exported as given, whatever the Makefiles say.
        let cmdline: Vec<(String, String)> = self
            .cmdline
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in cmdline {
            self.export(&k, v);
        }
        Ok((a.arch, a.srcarch))
    }

    /// The top Makefile's settings that depend on neither the arch nor the toolchain.
    fn top_level(&mut self, version: &KernelVersion) -> TopLevel {
        let srctree = self.tree.to_string_lossy().into_owned();
        self.export_if_top("abs_srctree", srctree.clone());
        self.export_if_top("building_out_of_srctree", "1".into());
        self.export_if_top("srctree", srctree.clone());
        self.export_if_top("objtree", ".".into());
        self.export_if_top("VPATH", srctree);
        self.export_if_top("LC_COLLATE", "C".into());
        self.export_if_top("LC_NUMERIC", "C".into());
        self.export_if_top("VERSION", version.version.to_string());
        self.export_if_top("PATCHLEVEL", version.patchlevel.to_string());
        self.export_if_top("SUBLEVEL", version.sublevel.to_string());
        self.export_if_top("KERNELVERSION", version.kernelversion());
        self.export_if_top("KERNELRELEASE", String::new());
        // `ifeq ("$(origin C)", "command line")`, then `KBUILD_CHECKSRC = 0` if unset.
        let checksrc = match self.cmdline.get("C") {
            Some(c) => c.clone(),
            None => self.inherited("KBUILD_CHECKSRC", ""),
        };
        let checksrc = if checksrc.is_empty() {
            "0".to_string()
        } else {
            checksrc
        };
        self.export_if_top("KBUILD_CHECKSRC", checksrc);
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
        // 6.12: `KBUILD_EXTRA_WARN ?= $(KBUILD_ENABLE_EXTRA_GCC_CHECKS)`, W= on the command line.
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
        self.export_if_top(
            "KCONFIG_CONFIG",
            self.inherited("KCONFIG_CONFIG", ".config"),
        );
        self.export_if_top(
            "CONFIG_SHELL",
            self.assigned("CONFIG_SHELL", || "sh".into()),
        );
        TopLevel { clippy, extra_warn }
    }

    /// `scripts/subarch.include`, `ARCH ?= $(SUBARCH)` and the SRCARCH aliases; fails on an
    /// arch the tree does not have.
    fn choose_arch(&mut self) -> Result<ArchChoice, KbuildError> {
        let arm64_kept = self.files.subarch_include.contains("/^arm64$$/!");
        let subarch = self.assigned("SUBARCH", || {
            subarch_of_machine(self.host.machine(), arm64_kept)
        });
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
        let dir = self.tree.join("arch").join(&srcarch);
        if srcarch.is_empty() || srcarch.contains('/') || !dir.join("Kconfig").is_file() {
            let mut valid = KbuildEnv::arches(self.tree)?;
            let aliases: Vec<String> = self
                .files
                .srcarch_aliases
                .iter()
                .filter(|(_, s)| valid.contains(s))
                .map(|(a, _)| a.clone())
                .collect();
            valid.extend(aliases);
            valid.sort();
            valid.dedup();
            return Err(KbuildError::UnknownArch {
                arch,
                srcarch,
                tree: self.tree.to_path_buf(),
                valid,
            });
        }
        let makefile = read_optional(&dir.join("Makefile"))?.unwrap_or_default();
        self.export_if_top("ARCH", arch.clone());
        self.export_if_top("SRCARCH", srcarch.clone());
        Ok(ArchChoice {
            arch,
            srcarch,
            subarch,
            makefile,
        })
    }

    /// Whether `cross_compiling` is set (no Makefile of 5.10+ sets it; a user may).
    fn cross_compiling(&self) -> bool {
        !self.inherited("cross_compiling", "").is_empty()
    }

    /// `CROSS_COMPILE`: from the user, else the prefix some arch Makefiles look for.
    fn cross_compile(&mut self, a: &ArchChoice) -> String {
        let mut cross = self.inherited("CROSS_COMPILE", "");
        if cross.is_empty() && !self.cmdline.contains_key("CROSS_COMPILE") {
            let prefixes = cross_prefix_candidates(
                &a.srcarch,
                &a.arch,
                &a.subarch,
                self.cross_compiling(),
                &a.makefile,
            );
            let path = self.env.get("PATH").cloned().unwrap_or_default();
            if let Some(p) = prefixes
                .iter()
                .find(|p| find_in_path(&format!("{p}gcc"), &path, self.tree).is_some())
            {
                cross = p.clone();
            }
        }
        self.export_if_top("CROSS_COMPILE", cross.clone());
        cross
    }

    /// The tool variables (`CC = $(CROSS_COMPILE)gcc`, the LLVM=1 set, ...); returns (CC, RUSTC).
    fn toolchain(
        &mut self,
        a: &ArchChoice,
        cross: &str,
        clippy: &str,
    ) -> Result<(String, String), KbuildError> {
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
        if !self.cmdline.contains_key("NM") {
            tools[3].1 = self.arch_nm(a, cross, &tools[3].1)?;
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
            (
                "RESOLVE_BTFIDS",
                "./tools/bpf/resolve_btfids/resolve_btfids",
            ),
            ("RUSTC_BOOTSTRAP", "1"),
        ] {
            tools.push((name, self.assigned(name, || default.to_string())));
        }
        let rustc = self.assigned("RUSTC", || "rustc".into());
        let (or_clippy, quiet) = if clippy == "1" {
            (
                self.assigned("CLIPPY_DRIVER", || "clippy-driver".into()),
                "CLIPPY",
            )
        } else {
            (rustc.clone(), "RUSTC")
        };
        tools.push((
            "RUSTC_OR_CLIPPY",
            self.assigned("RUSTC_OR_CLIPPY", || or_clippy),
        ));
        let quiet = self.assigned("RUSTC_OR_CLIPPY_QUIET", || quiet.into());
        tools.push(("RUSTC_OR_CLIPPY_QUIET", quiet));
        let srctree = self.tree.to_string_lossy().into_owned();
        tools.push((
            "CLIPPY_CONF_DIR",
            self.assigned("CLIPPY_CONF_DIR", || srctree),
        ));
        for (name, value) in tools {
            self.export_if_top(name, value);
        }
        Ok((cc, rustc))
    }

    /// `NM` as arch Makefiles adjust it at config time (`NM := $(NM) ...`).
    fn arch_nm(&self, a: &ArchChoice, cross: &str, nm: &str) -> Result<String, KbuildError> {
        Ok(match a.srcarch.as_str() {
            "alpha" if a.makefile.contains("NM := $(NM) -B") => format!("{nm} -B"),
            "ia64" if a.makefile.contains("NM := $(CROSS_COMPILE)nm -B") => {
                format!("{cross}nm -B")
            }
            "powerpc" if a.makefile.contains("NM\t\t:= $(NM) --synthetic") => {
                // new_nm := $(shell if $(NM) --help 2>&1 | grep -- '--synthetic' ...)
                let probe = format!(
                    "if {nm} --help 2>&1 | grep -- '--synthetic' > /dev/null; then echo y; else echo n; fi"
                );
                if self.make_shell(&probe)? == "y" {
                    format!("{nm} --synthetic")
                } else {
                    nm.to_string()
                }
            }
            _ => nm.to_string(),
        })
    }

    /// make's `$(shell CMD)`: its answer, cached or run now.
    fn make_shell(&self, cmd: &str) -> Result<String, KbuildError> {
        Ok(self.make.get_or_run(cmd)?.stdout.clone())
    }

    /// `CC_VERSION_TEXT` (and 6.12's `RUSTC_VERSION_TEXT`), by running the tools as make does;
    /// returns CC_VERSION_TEXT.
    fn version_texts(&mut self, cc: &str, rustc: &str) -> Result<String, KbuildError> {
        let cc_version_cmd = format!("LC_ALL=C {cc} --version 2>/dev/null | head -n 1");
        let rustc_version_cmd = format!("{rustc} --version 2>/dev/null");
        let wants_rustc = self.files.makefile.contains("RUSTC_VERSION_TEXT =");
        let mut cmds = vec![cc_version_cmd.clone()];
        if wants_rustc {
            cmds.push(rustc_version_cmd.clone());
        }
        // Both at once when neither is cached.
        self.make.run_batch(&cmds)?;
        let cc_text = self.make_shell(&cc_version_cmd)?;
        let rustc_text = if wants_rustc {
            Some(self.make_shell(&rustc_version_cmd)?)
        } else {
            None
        };
        // $(subst $(pound),,...)
        let cc_text = self.assigned("CC_VERSION_TEXT", || cc_text.replace('#', ""));
        if let Some(t) = rustc_text {
            let t = self.assigned("RUSTC_VERSION_TEXT", || t.replace('#', ""));
            self.export_if_top("RUSTC_VERSION_TEXT", t);
        }
        self.export_if_top("CC_VERSION_TEXT", cc_text.clone());
        Ok(cc_text)
    }

    /// What arch/um/Makefile exports about the host architecture it runs on.
    fn um_host(&mut self, a: &ArchChoice) {
        let header_arch = if matches!(a.subarch.as_str(), "x86" | "x86_64" | "i386") {
            "x86".to_string()
        } else {
            a.subarch.clone()
        };
        if exports_word(&a.makefile, "HEADER_ARCH") {
            self.export("HEADER_ARCH", self.assigned("HEADER_ARCH", || header_arch));
        }
        if exports_word(&a.makefile, "SUBARCH") {
            self.export("SUBARCH", a.subarch.clone());
        }
        if exports_word(&a.makefile, "OS") {
            let os = self.host.sysname().to_string();
            self.export("OS", self.assigned("OS", || os));
        }
    }

    /// `KBUILD_DEFCONFIG`, `KBUILD_KCONFIG` and what `scripts/kconfig/Makefile` exports.
    fn kconfig_makefile(&mut self, a: &ArchChoice, extra_warn: &str) {
        let defconfig = self.assigned("KBUILD_DEFCONFIG", || {
            arch_defconfig(&a.srcarch, &a.arch, &a.subarch, self.host, &a.makefile)
                .unwrap_or_else(|| self.inherited("KBUILD_DEFCONFIG", ""))
        });
        // scripts/kconfig/Makefile: `ifndef KBUILD_DEFCONFIG KBUILD_DEFCONFIG := defconfig`.
        let defconfig = if defconfig.is_empty() {
            "defconfig".to_string()
        } else {
            defconfig
        };
        self.export_if_top("KBUILD_DEFCONFIG", defconfig.clone());
        self.export_if_top("KBUILD_KCONFIG", self.inherited("KBUILD_KCONFIG", ""));
        let kmake = &self.files.kconfig_makefile;
        if kmake.contains("export KCONFIG_DEFCONFIG_LIST") {
            let mut list = Vec::new();
            if !self.cross_compiling() {
                let release = self.host.release();
                list.push(format!("/lib/modules/{release}/.config"));
                list.push("/etc/kernel-config".to_string());
                list.push(format!("/boot/config-{release}"));
            }
            list.push(format!("arch/{}/configs/{defconfig}", a.srcarch));
            let list = self.assigned("KCONFIG_DEFCONFIG_LIST", || list.join(" "));
            self.export("KCONFIG_DEFCONFIG_LIST", list);
        }
        let kmake = &self.files.kconfig_makefile;
        let warn_unknown = kmake.contains("export KCONFIG_WARN_UNKNOWN_SYMBOLS=1");
        let werror = kmake.contains("export KCONFIG_WERROR=1");
        if warn_unknown && extra_warn.contains('c') {
            self.export("KCONFIG_WARN_UNKNOWN_SYMBOLS", "1".into());
        }
        if werror && extra_warn.contains('e') {
            self.export("KCONFIG_WERROR", "1".into());
        }
    }

    /// `CLANG_FLAGS` as `scripts/Makefile.clang` of the tree builds it.
    fn clang_flags(
        &self,
        srcarch: &str,
        subarch: &str,
        cross: &str,
    ) -> Result<String, KbuildError> {
        let text = self.files.makefile_clang.as_deref().unwrap_or_default();
        let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
        for line in text.lines() {
            if let Some((name, value)) = make_assignment(line) {
                if let Some(arch) = name.strip_prefix("CLANG_TARGET_FLAGS_") {
                    targets.insert(arch, value);
                }
            }
        }
        let lookup = |a: &str| {
            targets
                .get(a)
                .filter(|v| !v.contains('$'))
                .map(|v| v.to_string())
        };
        let table = if srcarch == "um" {
            lookup(subarch)
        } else {
            lookup(srcarch)
        };
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
            if t.starts_with("ifeq")
                || t.starts_with("ifneq")
                || t.starts_with("ifdef")
                || t.starts_with("ifndef")
            {
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
