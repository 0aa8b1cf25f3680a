//! Special sections: tables the kernel walks at boot or module load, with one fixed-size entry
//! per site in the code (a bug site, an exception fixup, an alternative, a return thunk...). A
//! livepatch module keeps the entries that belong to the functions it carries and drops the
//! rest; the entry sizes are those of x86_64 Linux 6.1 (kbuild's objtool sets `sh_entsize` on
//! the sections it writes, and that wins where present).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::elf::{Object, Section};

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

/// The size of one entry of `sec`: objtool's `sh_entsize` where it set one, else the table's.
pub fn entry_size(sec: &Section, sp: &SpecialSection) -> u64 {
    if sec.entsize > 0 {
        sec.entsize
    } else {
        sp.entry_size
    }
}

/// For each special section of `obj`: the indices of the entries with a relocation into one of
/// `carried` (sections), in order. A section parallel to another keeps the same indices. The
/// error names the section whose layout is not the expected one.
pub fn entries_of(
    obj: &Object,
    carried: &HashSet<usize>,
) -> Result<BTreeMap<usize, Vec<u64>>, (String, String)> {
    let mut kept: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let specials: Vec<(usize, &SpecialSection)> = obj
        .sections
        .iter()
        .enumerate()
        .filter_map(|(i, s)| lookup(&s.name).map(|sp| (i, sp)))
        .collect();
    for &(i, sp) in &specials {
        let sec = &obj.sections[i];
        let size = entry_size(sec, sp);
        if size == 0 || !sec.size.is_multiple_of(size) {
            return Err((
                sec.name.clone(),
                format!(
                    "{} bytes is not a whole number of {size}-byte entries; the object was built \
                     for a different kernel version than the one ktailor knows (6.1)",
                    sec.size
                ),
            ));
        }
        by_name.insert(sp.name, i);
        if sp.parallel_to.is_some() {
            continue;
        }
        let entries: BTreeSet<u64> = sec
            .relocs
            .iter()
            .filter(|r| {
                obj.symbols
                    .get(r.symbol)
                    .and_then(|s| s.section)
                    .is_some_and(|t| carried.contains(&t))
            })
            .map(|r| r.offset / size)
            .collect();
        if !entries.is_empty() {
            kept.insert(i, entries.into_iter().collect());
        }
    }
    for &(i, sp) in &specials {
        let Some(&leader) = sp.parallel_to.and_then(|n| by_name.get(n)) else {
            continue;
        };
        let Some(entries) = kept.get(&leader).cloned() else {
            continue;
        };
        let (a, b) = (&obj.sections[i], &obj.sections[leader]);
        let na = a.size / entry_size(a, sp);
        let nb = b.size / entry_size(b, lookup(&b.name).unwrap_or(sp));
        if na != nb {
            return Err((
                a.name.clone(),
                format!("{na} entries but {} has {nb}", b.name),
            ));
        }
        kept.insert(i, entries);
    }
    Ok(kept)
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
