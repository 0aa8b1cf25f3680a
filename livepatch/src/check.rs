//! `livepatch check`: validates the livepatch ABI of a module (.ko) the way the kernel will
//! use it (kernel/module/main.c, kernel/livepatch/core.c), and explains every problem.

use std::path::Path;

use goblin::elf::{header, section_header, Elf};

use crate::klp::{KLP_RELA_PREFIX, KLP_SYM_PREFIX, SHF_RELA_LIVEPATCH, SHN_LIVEPATCH};

/// `MODULE_NAME_LEN - 1` as livepatch parses it (`%55[^.]`).
const MAX_OBJNAME: usize = 55;
/// `KSYM_NAME_LEN - 1` (`%511[^,]`).
const MAX_SYMNAME: usize = 511;

/// One problem found in a module.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Where: a section or symbol name, or `module`.
    pub place: String,
    /// What is wrong and what the kernel would do about it.
    pub reason: String,
}

/// What a check found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CheckReport {
    /// The module's name from `.modinfo`.
    pub name: Option<String>,
    /// Livepatch relocation sections found.
    pub klp_rela_sections: usize,
    /// Livepatch symbols found.
    pub klp_symbols: usize,
    /// Problems; empty when the module is a valid livepatch module.
    pub problems: Vec<Problem>,
}

/// Parses `.klp.sym.<obj>.<name>,<pos>` into its parts.
fn parse_klp_symbol(name: &str) -> Result<(&str, &str, u64), String> {
    let rest = name
        .strip_prefix(KLP_SYM_PREFIX)
        .ok_or("does not start with .klp.sym.")?;
    let (obj, rest) = rest
        .split_once('.')
        .ok_or("has no object name (.klp.sym.<obj>.<name>,<pos>)")?;
    let (sym, pos) = rest
        .rsplit_once(',')
        .ok_or("has no ,<sympos> after the symbol name")?;
    if obj.is_empty() || obj.len() > MAX_OBJNAME {
        return Err(format!(
            "object name {obj:?} is empty or longer than {MAX_OBJNAME} bytes"
        ));
    }
    if sym.is_empty() || sym.len() > MAX_SYMNAME || sym.contains(',') {
        return Err(format!(
            "symbol name {sym:?} is empty, longer than {MAX_SYMNAME} bytes or contains a comma"
        ));
    }
    let pos = pos
        .parse::<u64>()
        .map_err(|_| format!("sympos {pos:?} is not a decimal number"))?;
    Ok((obj, sym, pos))
}

/// The `key=value` strings of `.modinfo`.
fn modinfo(elf: &Elf, bytes: &[u8]) -> Option<Vec<String>> {
    let sh = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".modinfo"))?;
    let data = bytes.get(sh.sh_offset as usize..(sh.sh_offset + sh.sh_size) as usize)?;
    Some(
        data.split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
    )
}

/// Checks the module at `path`; an unreadable or non-ELF file is a single problem.
pub fn check_file(path: &Path) -> Result<CheckReport, crate::LivepatchError> {
    let bytes = std::fs::read(path).map_err(|source| crate::LivepatchError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Reuse the object reader's header checks for precise messages on bad files.
    crate::elf::Object::parse(path, &bytes)?;
    Ok(check(&bytes))
}

/// Checks a module's bytes.
pub fn check(bytes: &[u8]) -> CheckReport {
    let mut report = CheckReport::default();
    let mut problem = |place: &str, reason: String| {
        report.problems.push(Problem {
            place: place.to_string(),
            reason,
        })
    };
    let elf = match Elf::parse(bytes) {
        Ok(e) => e,
        Err(e) => {
            problem("module", format!("not a readable ELF object: {e}"));
            return report;
        }
    };
    if elf.header.e_type != header::ET_REL {
        problem(
            "module",
            "a kernel module is a relocatable object (ET_REL)".into(),
        );
    }
    let sec_name = |i: usize| -> String {
        elf.section_headers
            .get(i)
            .and_then(|s| elf.shdr_strtab.get_at(s.sh_name))
            .unwrap_or("")
            .to_string()
    };
    let info = modinfo(&elf, bytes);
    let mut name = None;
    match &info {
        None => problem(
            ".modinfo",
            "missing: the module has no .modinfo section".into(),
        ),
        Some(items) => {
            name = items
                .iter()
                .find_map(|s| s.strip_prefix("name=").map(str::to_string));
            if !items.iter().any(|s| s == "livepatch=Y") {
                problem(".modinfo", "no livepatch=Y: the kernel will not mark the module as a livepatch (MODULE_INFO(livepatch, \"Y\")), and klp_enable_patch() refuses it".into());
            }
            if !items
                .iter()
                .any(|s| s.starts_with("license=GPL") || s.starts_with("license=Dual"))
            {
                problem(".modinfo", "no GPL-compatible license: klp_enable_patch and the symbols a livepatch uses are GPL-only".into());
            }
        }
    }
    if !elf
        .section_headers
        .iter()
        .any(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".gnu.linkonce.this_module"))
    {
        problem(
            ".gnu.linkonce.this_module",
            "missing: not a module kbuild linked (no struct module)".into(),
        );
    }
    report.name = name;
    let symtab_index = elf
        .section_headers
        .iter()
        .position(|s| s.sh_type == section_header::SHT_SYMTAB);
    // Symbols.
    let mut klp_sym_index = vec![false; elf.syms.len()];
    for (i, sym) in elf.syms.iter().enumerate() {
        let sname = elf.strtab.get_at(sym.st_name).unwrap_or("");
        let named_klp = sname.starts_with(KLP_SYM_PREFIX);
        let marked = sym.st_shndx == usize::from(SHN_LIVEPATCH);
        if named_klp || marked {
            report.klp_symbols += 1;
        }
        if marked {
            klp_sym_index[i] = true;
            if let Err(why) = parse_klp_symbol(sname) {
                problem(sname, format!("livepatch symbol (SHN_LIVEPATCH) whose name {why}; the kernel expects .klp.sym.<obj>.<name>,<pos>"));
            }
        } else if named_klp {
            problem(sname, format!("named like a livepatch symbol but its section index is {:#x}, not SHN_LIVEPATCH (0xff20): the module loader will try to resolve it as an ordinary symbol and fail", sym.st_shndx));
        }
    }
    // Relocation sections.
    for (i, sh) in elf.section_headers.iter().enumerate() {
        let name = sec_name(i);
        let livepatch_flag = sh.sh_flags & SHF_RELA_LIVEPATCH != 0;
        let named = name.starts_with(KLP_RELA_PREFIX);
        if !named && !livepatch_flag {
            if sh.sh_type == section_header::SHT_RELA {
                if let Some((_, relocs)) = elf.shdr_relocs.iter().find(|(idx, _)| *idx == i) {
                    if let Some(r) = relocs
                        .iter()
                        .find(|r| klp_sym_index.get(r.r_sym) == Some(&true))
                    {
                        let sname = elf
                            .syms
                            .get(r.r_sym)
                            .and_then(|s| elf.strtab.get_at(s.st_name))
                            .unwrap_or("");
                        problem(&name, format!("an ordinary relocation section refers to livepatch symbol {sname}: the loader would apply it with address 0; it belongs in a .klp.rela section"));
                    }
                }
            }
            continue;
        }
        report.klp_rela_sections += 1;
        if !named {
            problem(
                &name,
                "has SHF_RELA_LIVEPATCH but its name does not start with .klp.rela.".into(),
            );
            continue;
        }
        let rest = &name[KLP_RELA_PREFIX.len()..];
        let objname = rest.split('.').next().unwrap_or("");
        if objname.is_empty() || objname.len() > MAX_OBJNAME {
            problem(&name, format!("object name {objname:?} is empty or longer than {MAX_OBJNAME} bytes; the name must be .klp.rela.<obj>.<section>"));
        }
        if !livepatch_flag {
            problem(&name, "missing the SHF_RELA_LIVEPATCH flag (0x100000): the module loader would apply it at load time, before livepatch resolves its symbols".into());
        }
        if sh.sh_flags & u64::from(section_header::SHF_ALLOC) == 0 {
            problem(&name, "missing SHF_ALLOC: the loader would discard it, and livepatch could not apply it later".into());
        }
        if sh.sh_type != section_header::SHT_RELA {
            problem(
                &name,
                format!(
                    "type {} is not SHT_RELA",
                    section_header::sht_to_str(sh.sh_type)
                ),
            );
        }
        if Some(sh.sh_link as usize) != symtab_index {
            problem(
                &name,
                format!(
                    "sh_link is {} but the symbol table is section {}",
                    sh.sh_link,
                    symtab_index.map_or("missing".into(), |x| x.to_string())
                ),
            );
        }
        let target = sh.sh_info as usize;
        if target == 0 || target >= elf.section_headers.len() {
            problem(
                &name,
                format!("sh_info {target} does not name a section to relocate"),
            );
        } else {
            let t = &elf.section_headers[target];
            let tname = sec_name(target);
            if !rest.ends_with(tname.trim_start_matches('.')) {
                problem(&name, format!("applies to section {tname} (sh_info {target}), which its name does not say"));
            }
            if t.sh_flags & u64::from(section_header::SHF_ALLOC) == 0 {
                problem(
                    &name,
                    format!("applies to {tname}, which is not SHF_ALLOC: the kernel skips it"),
                );
            }
        }
        if sh.sh_entsize != 24 {
            problem(
                &name,
                format!("sh_entsize {} is not 24 (Elf64_Rela)", sh.sh_entsize),
            );
        }
        if let Some((_, relocs)) = elf.shdr_relocs.iter().find(|(idx, _)| *idx == i) {
            for r in relocs.iter() {
                let sym = elf.syms.get(r.r_sym);
                let sname = sym.and_then(|s| elf.strtab.get_at(s.st_name)).unwrap_or("");
                if klp_sym_index.get(r.r_sym) != Some(&true) {
                    problem(&name, format!("relocation at {:#x} refers to {sname:?}, which is not a livepatch symbol (SHN_LIVEPATCH); klp_resolve_symbols() fails with -EINVAL", r.r_offset));
                    continue;
                }
                if let Ok((sobj, _, _)) = parse_klp_symbol(sname) {
                    if objname != "vmlinux" && sobj == "vmlinux" {
                        problem(&name, format!("a module-specific section refers to vmlinux symbol {sname}; the kernel refuses that (use an ordinary relocation for exported symbols)"));
                    }
                }
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_livepatch_symbol_names() {
        assert_eq!(
            parse_klp_symbol(".klp.sym.vmlinux.show_stat,2"),
            Ok(("vmlinux", "show_stat", 2))
        );
        assert_eq!(
            parse_klp_symbol(".klp.sym.vmlinux.foo.isra.0,0"),
            Ok(("vmlinux", "foo.isra.0", 0))
        );
        assert!(parse_klp_symbol(".klp.sym.vmlinux.foo").is_err());
        assert!(parse_klp_symbol(".klp.sym.vmlinux.foo,x").is_err());
        assert!(parse_klp_symbol(".klp.sym..foo,0").is_err());
    }

    #[test]
    fn garbage_is_one_problem() {
        let r = check(b"not an elf at all");
        assert_eq!(r.problems.len(), 1);
    }
}
