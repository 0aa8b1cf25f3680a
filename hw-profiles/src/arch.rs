//! Architecture names as kbuild's `ARCH=` takes them, and the names people write instead.

/// The values `make ARCH=...` accepts in the 6.x trees: the arch/ directories plus kbuild's
/// aliases (x86_64 and i386 for x86, sparc32/sparc64, parisc64).
const KBUILD_ARCHES: &[&str] = &[
    "alpha",
    "arc",
    "arm",
    "arm64",
    "csky",
    "hexagon",
    "i386",
    "ia64",
    "loongarch",
    "m68k",
    "microblaze",
    "mips",
    "nios2",
    "openrisc",
    "parisc",
    "parisc64",
    "powerpc",
    "riscv",
    "s390",
    "sh",
    "sparc",
    "sparc32",
    "sparc64",
    "um",
    "x86",
    "x86_64",
    "xtensa",
];

/// Whether kbuild knows `arch` as an `ARCH=` value.
pub(crate) fn is_known(arch: &str) -> bool {
    KBUILD_ARCHES.contains(&arch)
}

/// What to write instead of a name kbuild does not know, when it is a common alias.
pub(crate) fn hint(arch: &str) -> Option<String> {
    let kbuild = match arch.to_ascii_lowercase().as_str() {
        "amd64" | "x86-64" | "x64" | "intel64" => "x86_64",
        "aarch64" | "armv8" | "arm64e" | "graviton" => "arm64",
        "ppc" | "ppc64" | "ppc64le" | "ppc64el" => "powerpc",
        "riscv64" | "riscv32" => "riscv",
        "s390x" => "s390",
        "x86_32" | "i686" | "i586" => "i386",
        "armhf" | "armel" | "armv7" => "arm",
        "loong64" => "loongarch",
        other if is_known(other) => return Some(format!("kbuild spells it '{other}'")),
        _ => return None,
    };
    Some(format!("kbuild calls it '{kbuild}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kbuild_names_are_known_and_common_aliases_get_a_hint() {
        assert!(is_known("x86_64") && is_known("arm64"));
        assert!(!is_known("aarch64"));
        assert_eq!(hint("aarch64").as_deref(), Some("kbuild calls it 'arm64'"));
        assert_eq!(hint("amd64").as_deref(), Some("kbuild calls it 'x86_64'"));
        assert_eq!(hint("ARM64").as_deref(), Some("kbuild spells it 'arm64'"));
        assert_eq!(hint("vax"), None);
    }
}
