//! The livepatch ELF ABI (Documentation/livepatch/module-elf-format.rst) and the last step of
//! a build: turning a kbuild-linked module whose livepatch references are still weak undefined
//! `.klp.sym.*` symbols into a livepatch module.
//!
//! [`finalize`] marks every `.klp.sym.<obj>.<name>,<pos>` symbol `SHN_LIVEPATCH` (and global),
//! and moves the relocations against them out of each `.rela<sec>` into a
//! `.klp.rela.<obj>.<sec>` section flagged `SHF_ALLOC | SHF_RELA_LIVEPATCH` whose `sh_info` is
//! `<sec>` and `sh_link` the symbol table. It rewrites the module with `object`'s ELF builder,
//! which keeps every other section, symbol and relocation as kbuild wrote them.

use std::collections::{BTreeMap, HashSet};

use object::build::elf::{Builder, SectionData};
use object::build::Id;
use object::elf;

/// `SHF_RELA_LIVEPATCH`: a relocation section the livepatch core applies, not the loader.
pub const SHF_RELA_LIVEPATCH: u64 = 0x0010_0000;
/// `SHN_LIVEPATCH`: the section index of a symbol the livepatch core resolves.
pub const SHN_LIVEPATCH: u16 = 0xff20;
/// Prefix of livepatch symbol names.
pub const KLP_SYM_PREFIX: &str = ".klp.sym.";
/// Prefix of livepatch relocation section names.
pub const KLP_RELA_PREFIX: &str = ".klp.rela.";

/// The object part of a livepatch symbol name `.klp.sym.<obj>.<name>,<pos>`.
pub fn klp_symbol_object(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(KLP_SYM_PREFIX)?;
    rest.split_once('.').map(|(obj, _)| obj)
}

/// Why a module could not be finalized.
#[derive(Debug, thiserror::Error)]
pub enum FinalizeError {
    /// The module is not an ELF object the builder can read.
    #[error("{0}")]
    Elf(String),
    /// A livepatch symbol's name does not say which object it belongs to.
    #[error("livepatch symbol {0:?} has no object name (.klp.sym.<obj>.<name>,<pos>)")]
    BadSymbol(String),
    /// One relocation section refers to livepatch symbols of two objects.
    #[error("relocation section {section} refers to livepatch symbols of both {a} and {b}; a .klp.rela section belongs to one object")]
    MixedObjects {
        /// The section.
        section: String,
        /// One object.
        a: String,
        /// The other.
        b: String,
    },
}

/// Rewrites a kbuild-linked module into a livepatch module (see the module documentation).
pub fn finalize(module: &[u8]) -> Result<Vec<u8>, FinalizeError> {
    let mut b = Builder::read(module).map_err(|e| FinalizeError::Elf(e.to_string()))?;
    let mut klp_syms = HashSet::new();
    let mut sym_object = BTreeMap::new();
    for sym in b.symbols.iter_mut() {
        let name = String::from_utf8_lossy(&sym.name).into_owned();
        if !name.starts_with(KLP_SYM_PREFIX) {
            continue;
        }
        let obj = klp_symbol_object(&name)
            .ok_or_else(|| FinalizeError::BadSymbol(name.clone()))?
            .to_string();
        sym.section = None;
        sym.st_shndx = SHN_LIVEPATCH;
        let st_type = sym.st_type();
        sym.set_st_info(elf::STB_GLOBAL, st_type);
        klp_syms.insert(sym.id().index());
        sym_object.insert(sym.id().index(), obj);
    }
    let Some(symtab) = b
        .sections
        .iter()
        .find(|s| matches!(s.data, SectionData::Symbol))
        .map(|s| s.id())
    else {
        return Err(FinalizeError::Elf("the module has no symbol table".into()));
    };
    let mut moves = Vec::new();
    for sec in b.sections.iter_mut() {
        let SectionData::Relocation(relocs) = &mut sec.data else {
            continue;
        };
        if sec.sh_flags & SHF_RELA_LIVEPATCH != 0 {
            continue;
        }
        let (klp, rest): (Vec<_>, Vec<_>) = relocs
            .iter()
            .partition(|r| r.symbol.is_some_and(|s| klp_syms.contains(&s.index())));
        if klp.is_empty() {
            continue;
        }
        *relocs = rest;
        let empty = relocs.is_empty();
        if empty {
            sec.delete = true;
        }
        let Some(target) = sec.sh_info_section else {
            return Err(FinalizeError::Elf(format!(
                "relocation section {} does not say which section it applies to",
                String::from_utf8_lossy(&sec.name)
            )));
        };
        moves.push((String::from_utf8_lossy(&sec.name).into_owned(), target, klp));
    }
    for (rela_name, target, relocs) in moves {
        let mut objects: Vec<&String> = relocs
            .iter()
            .filter_map(|r| r.symbol.and_then(|s| sym_object.get(&s.index())))
            .collect();
        objects.sort();
        objects.dedup();
        if objects.len() > 1 {
            return Err(FinalizeError::MixedObjects {
                section: rela_name,
                a: objects[0].clone(),
                b: objects[1].clone(),
            });
        }
        let obj = objects[0].clone();
        let target_name = String::from_utf8_lossy(&b.sections.get(target).name).into_owned();
        let sec = b.sections.add();
        sec.name = format!("{KLP_RELA_PREFIX}{obj}.{target_name}")
            .into_bytes()
            .into();
        sec.sh_type = elf::SHT_RELA;
        sec.sh_flags = u64::from(elf::SHF_ALLOC) | SHF_RELA_LIVEPATCH;
        sec.sh_addralign = 8;
        sec.sh_entsize = 24;
        sec.sh_link_section = Some(symtab);
        sec.sh_info_section = Some(target);
        sec.data = SectionData::Relocation(relocs);
    }
    let mut out = Vec::new();
    b.write(&mut out)
        .map_err(|e| FinalizeError::Elf(e.to_string()))?;
    Ok(out)
}
