use super::*;
use crate::shell::testutil::{kernel_tree, write_script, TempDir};
use std::collections::BTreeMap;
use std::process::Command;

#[test]
fn version_block_parses_and_formats_like_make() {
    let text = "# SPDX\nVERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION = -rc3\nNAME = Baby Opossum Posse\n";
    let v = KernelVersion::parse(text, Path::new("Makefile")).unwrap();
    assert_eq!(
        (v.version, v.patchlevel, v.sublevel, v.extraversion.as_str()),
        (6, 12, 0, "-rc3")
    );
    assert_eq!(v.kernelversion(), "6.12.0-rc3");
    assert!(v.at_least(6, 12) && v.at_least(5, 10) && v.at_least(6, 1));
    assert!(!v.at_least(6, 13) && !v.at_least(7, 0));

    let bad = "VERSION = 6\nPATCHLEVEL = x\nSUBLEVEL = 1\n";
    let err = KernelVersion::parse(bad, Path::new("/t/Makefile"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/t/Makefile:2") && err.contains("PATCHLEVEL"),
        "{err}"
    );
    let missing = "VERSION = 6\nPATCHLEVEL = 1\nNAME = x\nSUBLEVEL = 1\n";
    let err = KernelVersion::parse(missing, Path::new("M"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("SUBLEVEL"), "{err}");
}

/// `subarch_of_machine` against the sed scripts of scripts/subarch.include (6.1 and 6.12).
#[test]
fn subarch_mapping_matches_the_sed_script() {
    let sed_61 =
        "sed -e s/i.86/x86/ -e s/x86_64/x86/ -e s/sun4u/sparc64/ -e s/arm.*/arm/ -e s/sa110/arm/ \
                  -e s/s390x/s390/ -e s/ppc.*/powerpc/ -e s/mips.*/mips/ -e s/sh[234].*/sh/ \
                  -e s/aarch64.*/arm64/ -e s/riscv.*/riscv/ -e s/loongarch.*/loongarch/";
    let sed_612 = sed_61.replace("-e s/arm.*/arm/", "-e '/^arm64$/!s/arm.*/arm/'");
    let machines = [
        "x86_64",
        "i386",
        "i686",
        "i586",
        "aarch64",
        "aarch64_be",
        "arm64",
        "armv7l",
        "armv8l",
        "sa110",
        "s390x",
        "s390",
        "ppc64le",
        "ppc64",
        "ppc",
        "mips64",
        "mipsel",
        "sh4",
        "sh2a",
        "sh",
        "riscv64",
        "riscv32",
        "loongarch64",
        "sun4u",
        "sparc64",
        "alpha",
        "m68k",
        "ia64",
        "parisc64",
        "xtensa",
    ];
    for (sed, arm64_kept) in [(sed_61.to_string(), false), (sed_612, true)] {
        for m in machines {
            let out = Command::new("/bin/sh")
                .arg("-c")
                .arg(format!("echo {m} | {sed}"))
                .output()
                .expect("run sed");
            let want = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert_eq!(
                subarch_of_machine(m, arm64_kept),
                want,
                "machine {m}, arm64 kept {arm64_kept}"
            );
        }
    }
}

#[test]
fn host_facts_are_what_uname_prints() {
    let u = derive::Uname::get();
    for (flag, ours) in [("-s", &u.sysname), ("-r", &u.release), ("-m", &u.machine)] {
        let out = Command::new("uname").arg(flag).output().expect("run uname");
        let theirs = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
        assert_eq!(ours, &theirs, "uname {flag}");
    }
}

/// A tree with just enough files for the derivation, in a temporary directory.
fn mini_tree(dir: &Path) {
    let files = [
        ("Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 7\nEXTRAVERSION =\nNAME = Test\n\
unexport LC_ALL\nexport LC_COLLATE LC_NUMERIC\nexport building_out_of_srctree srctree objtree VPATH\n\
export VERSION PATCHLEVEL SUBLEVEL KERNELRELEASE KERNELVERSION\n\
ifeq ($(ARCH),x86_64)\n        SRCARCH := x86\nendif\n\
export ARCH SRCARCH CONFIG_SHELL HOSTCC CROSS_COMPILE LD CC\n\
export CPP AR NM\n\
ifdef config-build\nexport KBUILD_DEFCONFIG KBUILD_KCONFIG CC_VERSION_TEXT\nelse #!config-build\n\
export NOT_FOR_CONFIG\nendif\n"),
        ("scripts/subarch.include", "SUBARCH := $(shell uname -m | sed -e s/x86_64/x86/)\n"),
        ("scripts/kconfig/Makefile", "export KCONFIG_DEFCONFIG_LIST :=\nunexport CONFIG_\n"),
        ("arch/x86/Kconfig", ""),
        ("arch/x86/Makefile", ""),
        ("arch/arm64/Kconfig", ""),
        ("arch/arm64/Makefile", "KBUILD_DEFCONFIG := defconfig\n"),
    ];
    for (name, text) in files {
        let p = dir.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

fn base_env_with(path_prefix: &Path, extra: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    let path = format!(
        "{}:{}",
        path_prefix.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut env: Vec<(OsString, OsString)> = vec![
        ("PATH".into(), path.into()),
        ("HOME".into(), "/nonexistent".into()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v))),
    );
    env
}

#[test]
fn unknown_arch_names_the_valid_ones() {
    let t = TempDir::new("kbuild-arch");
    mini_tree(t.path());
    let err = KbuildEnv::new(t.path(), Some("vax")).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, KbuildError::UnknownArch { .. }), "{msg}");
    assert!(
        msg.contains("'vax'") && msg.contains("arch/vax/Kconfig"),
        "{msg}"
    );
    assert!(msg.contains("arm64, x86, x86_64"), "{msg}");
    assert_eq!(KbuildEnv::arches(t.path()).unwrap(), ["arm64", "x86"]);
}

#[test]
fn overrides_follow_makes_precedence() {
    let t = TempDir::new("kbuild-over");
    mini_tree(t.path());
    let bin = t.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    // '#' is removed and only the first line counts, as in the top Makefile.
    write_script(
        &bin.join("kt-fake-cc"),
        "echo 'kt-fake-cc (#1 build) 9.9'; echo second line",
    );
    let env = base_env_with(
        &bin,
        &[
            ("CC", "clang-from-env"),
            ("LC_ALL", "C"),
            ("CONFIG_", "x"),
            ("KEEP_ME", "1"),
        ],
    );

    // CC from the environment is overridden by the Makefile's `CC = $(CROSS_COMPILE)gcc`.
    let opts = KbuildOptions {
        arch: Some("x86_64".into()),
        make_vars: vec![],
        env: Some(env.clone()),
        cache: None,
    };
    let k = KbuildEnv::with_options(t.path(), &opts).unwrap();
    assert_eq!((k.arch.as_str(), k.srcarch.as_str()), ("x86_64", "x86"));
    assert_eq!(k.get("CC").as_deref(), Some("gcc"));
    assert_eq!(k.get("CPP").as_deref(), Some("gcc -E"));
    assert_eq!(k.get("KERNELVERSION").as_deref(), Some("6.1.7"));
    assert_eq!(k.get("KEEP_ME").as_deref(), Some("1"));
    assert_eq!(k.get("LC_ALL"), None, "unexport LC_ALL");
    assert_eq!(k.get("CONFIG_"), None, "unexport CONFIG_");
    assert_eq!(k.get("NOT_FOR_CONFIG"), None, "build-only export");
    let child: BTreeMap<_, _> = k.child_env().into_iter().collect();
    assert!(!child.contains_key(OsStr::new("LC_ALL")));
    assert_eq!(
        child
            .get(OsStr::new("SRCARCH"))
            .map(|v| v.to_str().unwrap()),
        Some("x86")
    );
    let list = k.get("KCONFIG_DEFCONFIG_LIST").unwrap();
    assert!(
        list.contains(" /etc/kernel-config /boot/config-")
            && list.ends_with(" arch/x86/configs/x86_64_defconfig"),
        "{list}"
    );

    // On the command line, CC wins and drives CPP and CC_VERSION_TEXT; CROSS_COMPILE from the
    // environment applies to the other tools.
    let env2 = base_env_with(
        &bin,
        &[("CROSS_COMPILE", "aarch64-linux-gnu-"), ("ARCH", "arm64")],
    );
    let opts = KbuildOptions {
        arch: None,
        make_vars: vec![("CC".into(), "kt-fake-cc".into())],
        env: Some(env2),
        cache: None,
    };
    let k = KbuildEnv::with_options(t.path(), &opts).unwrap();
    assert_eq!(k.arch, "arm64", "ARCH from the environment");
    assert_eq!(k.get("CC").as_deref(), Some("kt-fake-cc"));
    assert_eq!(k.get("CPP").as_deref(), Some("kt-fake-cc -E"));
    assert_eq!(k.get("LD").as_deref(), Some("aarch64-linux-gnu-ld"));
    assert_eq!(
        k.get("CC_VERSION_TEXT").as_deref(),
        Some("kt-fake-cc (1 build) 9.9")
    );
    assert_eq!(k.get("KBUILD_DEFCONFIG").as_deref(), Some("defconfig"));
    let list = k.get("KCONFIG_DEFCONFIG_LIST").unwrap();
    assert!(
        list.starts_with("/lib/modules/") && list.ends_with(" arch/arm64/configs/defconfig"),
        "{list}"
    );
}

// ---------------------------------------------------------------------------------------------
// Against make itself.

/// A copy of the tree's O= directory whose conf is replaced by a script that dumps its
/// environment, so that `make ... allnoconfig` shows what conf would see.
struct MakeProbe {
    tree: PathBuf,
    dir: TempDir,
    dump: PathBuf,
}

const DUMPER: &str = "env -0 > \"$KPROBE_OUT\"\nexit 0";

impl MakeProbe {
    fn new(tree: &Path) -> MakeProbe {
        let dir = TempDir::new("kbuild-probe");
        let obj = PathBuf::from(format!("{}.obj", tree.display()));
        let status = Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", obj.display()))
            .arg(dir.path().join("obj"))
            .status()
            .expect("run cp");
        assert!(status.success(), "copying {} failed", obj.display());
        let probe = MakeProbe {
            tree: tree.to_path_buf(),
            dump: dir.path().join("env.dump"),
            dir,
        };
        probe.install_dumper();
        probe
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("obj/scripts/kconfig/conf")
    }

    fn install_dumper(&self) {
        let _ = fs::remove_file(self.conf());
        write_script(&self.conf(), DUMPER);
    }

    /// The environment conf gets from `make O=... [ARCH=] VARS allnoconfig` under `env`.
    fn run(
        &self,
        arch: Option<&str>,
        make_vars: &[(String, String)],
        env: &[(OsString, OsString)],
    ) -> BTreeMap<String, String> {
        for attempt in 0..2 {
            let _ = fs::remove_file(&self.dump);
            let mut cmd = Command::new("make");
            cmd.arg("-s")
                .arg("-C")
                .arg(&self.tree)
                .arg(format!("O={}", self.dir.path().join("obj").display()));
            if let Some(a) = arch {
                cmd.arg(format!("ARCH={a}"));
            }
            for (k, v) in make_vars {
                cmd.arg(format!("{k}={v}"));
            }
            let out = cmd
                .arg("allnoconfig")
                .env_clear()
                .envs(env.iter().map(|(k, v)| (k, v)))
                .env("KPROBE_OUT", &self.dump)
                .output()
                .expect("run make");
            let rebuilt = !fs::read_to_string(self.conf())
                .unwrap_or_default()
                .contains("KPROBE_OUT");
            if rebuilt && attempt == 0 {
                // A changed HOSTCC rebuilt conf: put the dumper back and ask again.
                self.install_dumper();
                continue;
            }
            assert!(
                out.status.success(),
                "make failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let raw = fs::read(&self.dump).expect("conf dumped its environment");
            return raw
                .split(|&b| b == 0)
                .filter(|item| !item.is_empty())
                .filter_map(|item| {
                    let s = String::from_utf8_lossy(item);
                    s.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect();
        }
        unreachable!("conf rebuilt twice")
    }
}

/// Differences between conf's environment under make and [`KbuildEnv::child_env`], ignoring
/// [`NOT_REPRODUCED`].
fn compare(made: &BTreeMap<String, String>, ours: &KbuildEnv) -> Vec<String> {
    let mine: BTreeMap<String, String> = ours
        .child_env()
        .into_iter()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let mut keys: Vec<&String> = made.keys().chain(mine.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut diffs = Vec::new();
    for k in keys {
        if NOT_REPRODUCED.contains(&k.as_str()) || k == "KPROBE_OUT" {
            continue;
        }
        if NOT_REPRODUCED_FOR_ARCH.contains(&(ours.srcarch.as_str(), k.as_str())) {
            continue;
        }
        if made.get(k) != mine.get(k) {
            diffs.push(format!(
                "{k}: make {:?}, ktailor {:?}",
                made.get(k),
                mine.get(k)
            ));
        }
    }
    diffs
}

struct Scenario {
    name: &'static str,
    arch: Option<&'static str>,
    make_vars: &'static [(&'static str, &'static str)],
    env: &'static [(&'static str, &'static str)],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "default arch",
        arch: None,
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "x86",
        arch: Some("x86"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "x86_64",
        arch: Some("x86_64"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "i386",
        arch: Some("i386"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "arm64",
        arch: Some("arm64"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "um",
        arch: Some("um"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "um on i386",
        arch: Some("um"),
        make_vars: &[("SUBARCH", "i386")],
        env: &[("SUBARCH", "ignored")],
    },
    Scenario {
        name: "sparc64",
        arch: Some("sparc64"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "riscv",
        arch: Some("riscv"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "powerpc",
        arch: Some("powerpc"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "parisc64",
        arch: Some("parisc64"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "alpha",
        arch: Some("alpha"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "s390",
        arch: Some("s390"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "loongarch",
        arch: Some("loongarch"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "arc finds its cross gcc",
        arch: Some("arc"),
        make_vars: &[],
        env: &[],
    },
    Scenario {
        name: "ARCH and CROSS_COMPILE from env",
        arch: None,
        make_vars: &[],
        env: &[("ARCH", "arm64"), ("CROSS_COMPILE", "aarch64-linux-gnu-")],
    },
    Scenario {
        name: "CC on the command line",
        arch: Some("x86_64"),
        make_vars: &[("CC", "kt-fake-cc")],
        env: &[],
    },
    Scenario {
        name: "LLVM=1",
        arch: Some("x86_64"),
        make_vars: &[("LLVM", "1"), ("HOSTCC", "gcc")],
        env: &[],
    },
    Scenario {
        name: "LLVM from env, arm64",
        arch: Some("arm64"),
        make_vars: &[("HOSTCC", "gcc")],
        env: &[("LLVM", "1")],
    },
    Scenario {
        name: "LLVM_IAS=0 with CROSS_COMPILE",
        arch: Some("arm64"),
        make_vars: &[
            ("LLVM", "1"),
            ("LLVM_IAS", "0"),
            ("CROSS_COMPILE", "aarch64-linux-gnu-"),
            ("HOSTCC", "gcc"),
        ],
        env: &[],
    },
    Scenario {
        name: "W=ce",
        arch: Some("x86_64"),
        make_vars: &[("W", "ce")],
        env: &[],
    },
    Scenario {
        name: "KBUILD_EXTRA_WARN from env",
        arch: Some("x86_64"),
        make_vars: &[],
        env: &[("KBUILD_EXTRA_WARN", "e")],
    },
    Scenario {
        name: "CLANG_FLAGS from env with gcc",
        arch: Some("x86_64"),
        make_vars: &[],
        env: &[("CLANG_FLAGS", "-bogus")],
    },
    Scenario {
        name: "KCONFIG_CONFIG from env",
        arch: Some("arm64"),
        make_vars: &[],
        env: &[("KCONFIG_CONFIG", "my.config")],
    },
];

/// Fake tools: a clang that says so and compiles with gcc, LLVM binutils, an arc cross gcc, and
/// a compiler whose version line holds a '#'.
fn fake_tools(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    write_script(&dir.join("clang"), "case \"$1\" in --version) echo 'Debian clang version 99.0.0 (#fake)'; echo 'Target: x'; exit 0;; esac\nexec gcc \"$@\"");
    for t in [
        "clang++",
        "ld.lld",
        "llvm-ar",
        "llvm-nm",
        "llvm-objcopy",
        "llvm-objdump",
        "llvm-readelf",
        "llvm-strip",
    ] {
        write_script(&dir.join(t), "exit 0");
    }
    write_script(
        &dir.join("arc-linux-gcc"),
        "echo 'arc-linux-gcc (fake) 1.0'",
    );
    write_script(
        &dir.join("kt-fake-cc"),
        "echo 'kt-fake-cc (#42) 9.9.9'; echo 'more'",
    );
}

fn matches_make(version: &str) {
    let Some(tree) = kernel_tree(version) else {
        return;
    };
    let probe = MakeProbe::new(&tree);
    let bin = probe.dir.path().join("fakebin");
    fake_tools(&bin);
    let mut failures = Vec::new();
    // Every architecture of the tree with its defaults, then the scenarios above.
    let arches: Vec<&'static str> = KbuildEnv::arches(&tree)
        .unwrap()
        .into_iter()
        .map(|a| &*Box::leak(a.into_boxed_str()))
        .collect();
    let every_arch: Vec<Scenario> = arches
        .iter()
        .map(|a| Scenario {
            name: a,
            arch: Some(a),
            make_vars: &[],
            env: &[],
        })
        .collect();
    for s in every_arch.iter().chain(SCENARIOS) {
        // Variables make must drop or override: they prove the unexport/override rules.
        let mut extra: Vec<(&str, &str)> = vec![
            ("LC_ALL", "C"),
            ("CONFIG_", "leak"),
            ("CC", "env-cc-is-ignored"),
            ("HOSTCC", "env-hostcc-is-ignored"),
        ];
        extra.extend(s.env.iter().copied());
        let env = base_env_with(&bin, &extra);
        let make_vars: Vec<(String, String)> = s
            .make_vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let made = probe.run(s.arch, &make_vars, &env);
        let opts = KbuildOptions {
            arch: s.arch.map(str::to_string),
            make_vars: make_vars.clone(),
            env: Some(env),
            cache: None,
        };
        let ours = match KbuildEnv::with_options(&tree, &opts) {
            Ok(k) => k,
            Err(e) => {
                failures.push(format!("{version} {}: {e}", s.name));
                continue;
            }
        };
        // Quick sanity on the variables Kconfig reads.
        for v in [
            "srctree",
            "ARCH",
            "SRCARCH",
            "CC",
            "LD",
            "CC_VERSION_TEXT",
            "KERNELVERSION",
            "KCONFIG_DEFCONFIG_LIST",
        ] {
            if !made.contains_key(v) {
                failures.push(format!("{version} {}: make did not export {v}", s.name));
            }
        }
        for d in compare(&made, &ours) {
            failures.push(format!("{version} {}: {d}", s.name));
        }
    }
    assert!(
        failures.is_empty(),
        "KbuildEnv differs from make:\n{}",
        failures.join("\n")
    );
}

#[test]
fn matches_make_linux_6_1() {
    matches_make("6.1");
}

#[test]
fn matches_make_linux_6_12() {
    matches_make("6.12");
}

#[test]
fn real_trees_parse() {
    for version in ["6.1", "6.12"] {
        let Some(tree) = kernel_tree(version) else {
            continue;
        };
        let v = KernelVersion::from_tree(&tree).unwrap();
        assert_eq!(format!("{}.{}", v.version, v.patchlevel), version);
        let arches = KbuildEnv::arches(&tree).unwrap();
        for a in ["arm64", "x86", "um", "riscv"] {
            assert!(
                arches.iter().any(|x| x == a),
                "{version}: {a} in {arches:?}"
            );
        }
        let files = TreeFiles::read(&tree).unwrap();
        for (alias, src) in [
            ("i386", "x86"),
            ("x86_64", "x86"),
            ("sparc64", "sparc"),
            ("parisc64", "parisc"),
            ("sh64", "sh"),
        ] {
            assert!(
                files
                    .srcarch_aliases
                    .contains(&(alias.to_string(), src.to_string())),
                "{version}: {alias}"
            );
        }
        assert!(files.exported.contains("CC_VERSION_TEXT") && files.exported.contains("srctree"));
        assert!(
            !files.exported.contains("KBUILD_IMAGE"),
            "build-only export leaked"
        );
        assert_eq!(files.unexported(), ["CONFIG_", "GREP_OPTIONS", "LC_ALL"]);
    }
}
