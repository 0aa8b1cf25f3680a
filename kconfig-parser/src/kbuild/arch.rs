//! What the arch Makefiles decide at config time: `SUBARCH`, the cross-compiler prefix they look
//! for, and `KBUILD_DEFCONFIG`. Each mirrors the `arch/*/Makefile` lines it names.

use super::derive::Host;
use super::makefile::make_assignment;

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
pub(super) fn cross_prefix_candidates(
    srcarch: &str,
    arch: &str,
    subarch: &str,
    cross_compiling: bool,
    arch_makefile: &str,
) -> Vec<String> {
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
        "m68k" if guarded && cross_compiling => {
            list(&["m68k-linux-gnu-", "m68k-linux-", "m68k-unknown-linux-gnu-"])
        }
        "mips" if guarded && cross_compiling => {
            list(&["-linux-", "-linux-gnu-", "-unknown-linux-gnu-"])
        }
        "sh" if guarded && cross_compiling => {
            list(&["sh-linux-", "sh-linux-gnu-", "sh-unknown-linux-gnu-"])
        }
        "parisc" if guarded && cross_compiling => {
            let arches: &[&str] = if arch == "parisc64" {
                &["hppa64"]
            } else {
                &["hppa", "hppa2.0", "hppa1.1"]
            };
            product(
                arches,
                &["linux", "linux-gnu", "unknown-linux-gnu", "suse-linux"],
            )
        }
        "powerpc" if guarded && cross_compiling => product(
            &["powerpc", "powerpc64", "powerpc64le"],
            &["linux", "linux-gnu", "unknown-linux-gnu"],
        ),
        _ => Vec::new(),
    }
}

/// `KBUILD_DEFCONFIG` as `arch/$(SRCARCH)/Makefile` sets it, or `None` where it does not.
pub(super) fn arch_defconfig(
    srcarch: &str,
    arch: &str,
    subarch: &str,
    host: &Host,
    arch_makefile: &str,
) -> Option<String> {
    let conditional = match srcarch {
        "x86" if arch == "x86" => {
            // ifeq ($(shell uname -m | sed -e 's/i.86/i386/'),i386)
            let m = host.machine().as_bytes();
            let i386 = m.len() == 4 && m[0] == b'i' && &m[2..] == b"86";
            Some(if i386 {
                "i386_defconfig".to_string()
            } else {
                "x86_64_defconfig".to_string()
            })
        }
        "x86" => Some(format!("{arch}_defconfig")),
        "sparc" => Some(
            if arch == "sparc64" {
                "sparc64_defconfig"
            } else {
                "sparc32_defconfig"
            }
            .to_string(),
        ),
        "parisc" => Some(
            if arch == "parisc64" {
                "generic-64bit_defconfig"
            } else {
                "generic-32bit_defconfig"
            }
            .to_string(),
        ),
        "um" if subarch == "x86" => Some(
            if host.machine() == "x86_64" {
                "x86_64_defconfig"
            } else {
                "i386_defconfig"
            }
            .to_string(),
        ),
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
            Some(format!(
                "{}_defconfig",
                if m.starts_with("ppc") { m } else { &fallback }
            ))
        }
        _ => None,
    };
    if conditional.is_some() {
        return conditional;
    }
    arch_makefile.lines().find_map(|line| {
        let (name, value) = make_assignment(line)?;
        (name == "KBUILD_DEFCONFIG" && !value.is_empty() && !value.contains('$'))
            .then(|| value.to_string())
    })
}
