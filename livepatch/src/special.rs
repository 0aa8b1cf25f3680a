//! Special sections: tables the kernel walks at boot or module load, with one fixed-size entry
//! per site in the code (a bug site, an exception fixup, an alternative, a return thunk...). A
//! livepatch module keeps the entries that belong to the functions it carries and drops the
//! rest; the entry sizes are those of x86_64 Linux 6.1 (kbuild's objtool sets `sh_entsize` on
//! the sections it writes, and that wins where present).

/// A special section and the size of one of its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialSection {
    /// The section's name.
    pub name: &'static str,
    /// Bytes per entry for x86_64 Linux 6.1.
    pub entry_size: u64,
    /// A section without relocations whose entries parallel another section's (`.orc_unwind`
    /// follows `.orc_unwind_ip` entry for entry).
    pub parallel_to: Option<&'static str>,
}

const fn table(name: &'static str, entry_size: u64) -> SpecialSection {
    SpecialSection {
        name,
        entry_size,
        parallel_to: None,
    }
}

/// The special sections of x86_64 Linux 6.1, with `struct` sizes from its headers:
/// `bug_entry` (relative pointers, verbose), `exception_table_entry`, `alt_instr`,
/// `jump_entry`, `static_call_site`, `orc_entry`, `paravirt_patch_site`.
pub const X86_64_6_1: &[SpecialSection] = &[
    table("__bug_table", 12),
    table("__ex_table", 12),
    table(".altinstructions", 12),
    table("__jump_table", 16),
    table(".static_call_sites", 8),
    table(".retpoline_sites", 4),
    table(".return_sites", 4),
    table(".call_sites", 4),
    table(".ibt_endbr_seal", 4),
    table(".orc_unwind_ip", 4),
    SpecialSection {
        name: ".orc_unwind",
        entry_size: 6,
        parallel_to: Some(".orc_unwind_ip"),
    },
    table(".parainstructions", 16),
    table(".smp_locks", 4),
];

/// Sections never carried into a livepatch module: regenerated, objtool-only annotations, or
/// debugging data.
pub fn dropped(name: &str) -> bool {
    name.starts_with(".discard")
        || name.starts_with(".debug")
        || name.starts_with(".note")
        || name.starts_with(".init")
        || name.starts_with(".exit")
        || matches!(
            name,
            "__mcount_loc"
                | "__patchable_function_entries"
                | ".comment"
                | ".eh_frame"
                | ".BTF"
                | ".BTF.ext"
                | ".modinfo"
                | "__ksymtab_strings"
        )
        || name.starts_with("__ksymtab")
        || name.starts_with("__kcrctab")
        || name.starts_with(".initcall")
}

/// The special section called `name`, if it is one.
pub fn lookup(name: &str) -> Option<&'static SpecialSection> {
    X86_64_6_1.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_tables_and_what_to_drop() {
        assert_eq!(lookup("__ex_table").map(|s| s.entry_size), Some(12));
        assert_eq!(
            lookup(".orc_unwind").and_then(|s| s.parallel_to),
            Some(".orc_unwind_ip")
        );
        assert!(lookup(".text.foo").is_none());
        assert!(dropped("__mcount_loc"));
        assert!(dropped(".discard.addressable"));
        assert!(!dropped(".rodata.str1.1"));
    }
}
