//! Writing the livepatch object: the changed and new functions of a patched object, with
//! everything they need and nothing else, written with the `object` crate.
//!
//! What goes in: the sections of the changed and new functions; the sections they refer to that
//! the running kernel does not already have (string literals, anonymous constants, new static
//! data, per-call-site statics such as `__warned`); and the entries of the special sections
//! ([`crate::special`]) that belong to those functions.
//!
//! What stays a reference: every other symbol. A global symbol that vmlinux exports stays a
//! normal undefined symbol, which the module loader resolves. Anything else (a static function
//! of the same file, a non-exported global) becomes an undefined weak symbol named
//! `.klp.sym.<objname>.<name>,<sympos>`; [`crate::klp::finalize`] turns those and their
//! relocations into livepatch symbols and `.klp.rela` sections once kbuild has linked the
//! module (modpost ignores weak undefined symbols, and the linker keeps them as they are).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use object::write::SymbolSection;
use object::write::{Object as Writer, Relocation, SectionId, Symbol as OutSymbol, SymbolId};
use object::{
    Architecture, BinaryFormat, Endianness, RelocationFlags, SectionFlags, SectionKind,
    SymbolFlags, SymbolKind, SymbolScope,
};

use crate::correlate::{base_name, counterparts, is_special_static, Keys};
use crate::diff::Report;
use crate::elf::{Object, SymKind, SHF_STRINGS};
use crate::reference::resolve_target;
use crate::special;
use crate::symbols::{Exports, SymbolMap};

const SHT_NOBITS: u32 = 8;
const SHF_MERGE: u64 = 0x10;
const SHF_INFO_LINK: u64 = 0x40;
const SHF_GROUP: u64 = 0x200;

/// The kernel the livepatch is for: the object patched (`vmlinux` or a module's name), its
/// symbol table and what it exports.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// `vmlinux`, or the name of the module the object belongs to.
    pub objname: &'a str,
    /// The target kernel's symbols, in kallsyms order.
    pub symbols: &'a SymbolMap,
    /// The symbols vmlinux exports to modules.
    pub exports: &'a Exports,
}

/// One function the livepatch replaces: a `struct klp_func`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KlpFunc {
    /// The function's name in the running kernel.
    pub old_name: String,
    /// Its position among same-named symbols (0: unique).
    pub old_sympos: u64,
    /// The global symbol in the livepatch object that is the new version.
    pub new_symbol: String,
}

/// The livepatch object and what the module's C part must say about it.
#[derive(Debug, Clone)]
pub struct PatchObject {
    /// The ELF relocatable object.
    pub bytes: Vec<u8>,
    /// The functions to replace.
    pub funcs: Vec<KlpFunc>,
    /// The names of the sections carried (patched object's names).
    pub sections: Vec<String>,
    /// The livepatch symbols referred to (`.klp.sym.…`).
    pub klp_symbols: Vec<String>,
    /// The exported symbols referred to through normal relocations.
    pub exported_symbols: Vec<String>,
}

/// Why a livepatch object cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A referenced symbol cannot be located in the target kernel.
    #[error("{object}: {symbol} (referenced from {from}): {msg}")]
    Symbol {
        /// The patched object.
        object: String,
        /// The symbol.
        symbol: String,
        /// The section referring to it.
        from: String,
        /// Why.
        msg: String,
    },
    /// A special section does not have the layout of the target kernel.
    #[error("{object}: special section {section}: {msg}")]
    Layout {
        /// The patched object.
        object: String,
        /// The section.
        section: String,
        /// Why.
        msg: String,
    },
    /// The ELF writer failed.
    #[error("writing the livepatch object: {0}")]
    Write(String),
    /// An object of an architecture livepatch objects are not written for.
    #[error("{0}: livepatch objects are written for x86_64 only (the special-section layouts are x86_64's)")]
    Architecture(String),
}

/// What a relocation in a carried section points at, once classified.
#[derive(Debug, Clone, PartialEq)]
enum Ref {
    /// A carried section, section-relative.
    Section(usize, i64),
    /// A symbol defined in a carried section.
    Symbol(usize, i64),
    /// A symbol of the running kernel.
    External {
        name: String,
        local: bool,
        addend: i64,
    },
}

struct Extractor<'a> {
    orig: &'a Object,
    patched: &'a Object,
    target: Target<'a>,
    /// Patched symbol → original symbol.
    counterpart: HashMap<usize, usize>,
    /// Patched function symbols carried whole.
    funcs: BTreeSet<usize>,
    /// Sections carried whole.
    included: BTreeSet<usize>,
    neighbours: HashSet<&'a str>,
}

fn is_string_section(obj: &Object, sec: usize) -> bool {
    obj.sections
        .get(sec)
        .is_some_and(|s| s.flags & SHF_STRINGS != 0 || s.name.starts_with(".rodata.str"))
}

impl<'a> Extractor<'a> {
    fn new(orig: &'a Object, patched: &'a Object, report: &Report, target: Target<'a>) -> Self {
        let okeys = Keys::of(orig);
        let pkeys = Keys::of(patched);
        let counterpart = counterparts(orig, &okeys, patched, &pkeys);
        let wanted: HashSet<&str> = report
            .changed_functions
            .iter()
            .chain(&report.new_functions)
            .map(String::as_str)
            .collect();
        let funcs: BTreeSet<usize> = patched
            .symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.kind == SymKind::Func && s.section.is_some() && wanted.contains(s.name.as_str())
            })
            .map(|(i, _)| i)
            .collect();
        let neighbours = orig
            .symbols
            .iter()
            .filter(|s| matches!(s.kind, SymKind::Func | SymKind::Object) && s.section.is_some())
            .map(|s| s.name.as_str())
            .collect();
        Extractor {
            orig,
            patched,
            target,
            counterpart,
            funcs,
            included: BTreeSet::new(),
            neighbours,
        }
    }

    fn object_name(&self) -> String {
        self.patched.path.display().to_string()
    }

    /// Classifies a reference to the named symbol `i` of the patched object.
    fn classify_named(&self, i: usize, addend: i64) -> (Ref, Option<usize>) {
        let sym = &self.patched.symbols[i];
        let Some(sec) = sym.section else {
            return (
                Ref::External {
                    name: sym.name.clone(),
                    local: sym.local,
                    addend,
                },
                None,
            );
        };
        let carried = || (Ref::Symbol(i, addend), Some(sec));
        match sym.kind {
            SymKind::Func if self.funcs.contains(&i) => carried(),
            SymKind::Func | SymKind::Object => {
                let fresh = is_special_static(&base_name(&sym.name))
                    || is_string_section(self.patched, sec);
                match self.counterpart.get(&i) {
                    Some(&o) if !fresh => {
                        let osym = &self.orig.symbols[o];
                        (
                            Ref::External {
                                name: osym.name.clone(),
                                local: osym.local,
                                addend,
                            },
                            None,
                        )
                    }
                    _ => carried(),
                }
            }
            _ => carried(),
        }
    }

    /// Classifies a relocation of section `sec`; the second value is a section that must be
    /// carried for the reference to hold.
    fn classify(&self, r: &crate::elf::Reloc) -> (Ref, Option<usize>) {
        let sym = &self.patched.symbols[r.symbol];
        if sym.kind != SymKind::Section {
            return self.classify_named(r.symbol, r.addend);
        }
        let Some(tsec) = sym.section else {
            return (
                Ref::External {
                    name: sym.name.clone(),
                    local: sym.local,
                    addend: r.addend,
                },
                None,
            );
        };
        if !is_string_section(self.patched, tsec) {
            if let Some((named, add)) = resolve_target(self.patched, r) {
                if named != r.symbol {
                    return self.classify_named(named, add);
                }
            }
        }
        (Ref::Section(tsec, r.addend), Some(tsec))
    }

    /// Carries `start` and everything its relocations need, transitively.
    fn close_over(&mut self, start: impl IntoIterator<Item = usize>) -> Result<(), ExtractError> {
        let mut queue: VecDeque<usize> = start.into_iter().collect();
        while let Some(s) = queue.pop_front() {
            if !self.included.insert(s) {
                continue;
            }
            let sec = &self.patched.sections[s];
            for r in &sec.relocs {
                if let (_, Some(need)) = self.classify(r) {
                    let name = &self.patched.sections[need].name;
                    if special::dropped(name) {
                        return Err(ExtractError::Symbol {
                            object: self.object_name(),
                            symbol: name.clone(),
                            from: sec.name.clone(),
                            msg: "a carried function refers to a section a livepatch module cannot carry".into(),
                        });
                    }
                    if !self.included.contains(&need) {
                        queue.push_back(need);
                    }
                }
            }
        }
        Ok(())
    }

    /// For each special section present: the indices of the entries to keep (those of the
    /// carried functions).
    fn special_entries(&self) -> Result<BTreeMap<usize, Vec<u64>>, ExtractError> {
        let func_sections: HashSet<usize> = self
            .funcs
            .iter()
            .filter_map(|&f| self.patched.symbols[f].section)
            .collect();
        special::entries_of(self.patched, &func_sections).map_err(|(section, msg)| {
            ExtractError::Layout {
                object: self.object_name(),
                section,
                msg,
            }
        })
    }

    fn external_symbol(
        &self,
        name: &str,
        local: bool,
        from: &str,
    ) -> Result<(String, bool), ExtractError> {
        if !local && self.target.exports.exported(name) {
            return Ok((name.to_string(), false));
        }
        let pos = self
            .target
            .symbols
            .sympos(name, &self.neighbours)
            .map_err(|msg| ExtractError::Symbol {
                object: self.object_name(),
                symbol: name.to_string(),
                from: from.to_string(),
                msg,
            })?;
        Ok((
            format!(".klp.sym.{}.{name},{pos}", self.target.objname),
            true,
        ))
    }
}

/// The C identifier for the new version of `name` in the object numbered `object`.
fn alias(object: usize, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("__ktailor_new_{object}_{clean}")
}

/// Writes the livepatch object for one original/patched pair that [`crate::diff`] found
/// patchable. `index` numbers the object within the module (it makes the aliases unique).
pub fn extract(
    orig: &Object,
    patched: &Object,
    report: &Report,
    target: Target<'_>,
    index: usize,
) -> Result<PatchObject, ExtractError> {
    if patched.machine != crate::elf::Machine::X86_64 {
        return Err(ExtractError::Architecture(
            patched.path.display().to_string(),
        ));
    }
    let mut ex = Extractor::new(orig, patched, report, target);
    let starts: Vec<usize> = ex
        .funcs
        .iter()
        .filter_map(|&f| patched.symbols[f].section)
        .collect();
    ex.close_over(starts)?;
    let specials = ex.special_entries()?;
    let mut extra = Vec::new();
    for (&s, entries) in &specials {
        let sec = &patched.sections[s];
        let size = special::entry_size(sec, special::lookup(&sec.name).expect("special"));
        for r in &sec.relocs {
            if entries.binary_search(&(r.offset / size)).is_ok() {
                if let (_, Some(need)) = ex.classify(r) {
                    extra.push(need);
                }
            }
        }
    }
    ex.close_over(extra)?;

    let mut out = Writer::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    let mut section_ids: HashMap<usize, SectionId> = HashMap::new();
    let mut carried_names = Vec::new();
    for &s in &ex.included {
        let sec = &patched.sections[s];
        let strings = sec.flags & SHF_STRINGS != 0;
        let kind = if sec.kind == SHT_NOBITS {
            SectionKind::UninitializedData
        } else if strings && sec.flags & 0x2 != 0 {
            SectionKind::ReadOnlyString
        } else {
            SectionKind::Elf(sec.kind)
        };
        let id = out.add_section(Vec::new(), sec.name.as_bytes().to_vec(), kind);
        let mut flags = sec.flags & !(SHF_GROUP | SHF_INFO_LINK);
        if !strings {
            flags &= !SHF_MERGE;
        }
        out.section_mut(id).flags = SectionFlags::Elf { sh_flags: flags };
        let align = sec.align.max(1);
        if sec.kind == SHT_NOBITS {
            out.append_section_bss(id, sec.size, align);
        } else {
            out.set_section_data(id, sec.data.clone(), align);
        }
        section_ids.insert(s, id);
        carried_names.push(sec.name.clone());
    }
    // Special sections: only the kept entries, packed.
    let mut special_ids: HashMap<usize, (SectionId, u64)> = HashMap::new();
    for (&s, entries) in &specials {
        let sec = &patched.sections[s];
        let size = special::entry_size(sec, special::lookup(&sec.name).expect("special"));
        let mut data = Vec::with_capacity(entries.len() * size as usize);
        for &e in entries {
            let (lo, hi) = ((e * size) as usize, ((e + 1) * size) as usize);
            data.extend_from_slice(sec.data.get(lo..hi).unwrap_or_default());
        }
        let id = out.add_section(
            Vec::new(),
            sec.name.as_bytes().to_vec(),
            SectionKind::Elf(sec.kind),
        );
        out.section_mut(id).flags = SectionFlags::Elf {
            sh_flags: sec.flags & !(SHF_GROUP | SHF_INFO_LINK | SHF_MERGE),
        };
        out.set_section_data(id, data, sec.align.max(1));
        special_ids.insert(s, (id, size));
        carried_names.push(sec.name.clone());
    }

    // Symbols defined in carried sections keep their names but become local; the functions
    // the module's klp_func entries point at get a global alias.
    let mut symbol_ids: HashMap<usize, SymbolId> = HashMap::new();
    for (i, sym) in patched.symbols.iter().enumerate() {
        let Some(&sid) = sym.section.and_then(|s| section_ids.get(&s)) else {
            continue;
        };
        if sym.name.is_empty()
            || !matches!(sym.kind, SymKind::Func | SymKind::Object | SymKind::Other)
        {
            continue;
        }
        let kind = match sym.kind {
            SymKind::Func => SymbolKind::Text,
            SymKind::Object => SymbolKind::Data,
            _ => SymbolKind::Unknown,
        };
        let id = out.add_symbol(OutSymbol {
            name: sym.name.as_bytes().to_vec(),
            value: sym.value,
            size: sym.size,
            kind,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(sid),
            flags: SymbolFlags::None,
        });
        symbol_ids.insert(i, id);
    }
    let mut funcs = Vec::new();
    for &f in &ex.funcs {
        let sym = &patched.symbols[f];
        if !report.changed_functions.contains(&sym.name) || base_name(&sym.name).ends_with(".cold")
        {
            continue;
        }
        let Some(&o) = ex.counterpart.get(&f) else {
            continue;
        };
        let old_name = orig.symbols[o].name.clone();
        let old_sympos = target
            .symbols
            .sympos(&old_name, &ex.neighbours)
            .map_err(|msg| ExtractError::Symbol {
                object: ex.object_name(),
                symbol: old_name.clone(),
                from: "the list of functions to replace".into(),
                msg,
            })?;
        let new_symbol = alias(index, &sym.name);
        let sid = section_ids[&sym.section.expect("carried function has a section")];
        out.add_symbol(OutSymbol {
            name: new_symbol.as_bytes().to_vec(),
            value: sym.value,
            size: sym.size,
            kind: SymbolKind::Text,
            scope: SymbolScope::Dynamic,
            weak: false,
            section: SymbolSection::Section(sid),
            flags: SymbolFlags::None,
        });
        funcs.push(KlpFunc {
            old_name,
            old_sympos,
            new_symbol,
        });
    }

    let mut externals: BTreeMap<String, SymbolId> = BTreeMap::new();
    let mut klp_symbols = BTreeSet::new();
    let mut exported_symbols = BTreeSet::new();
    let mut relocate = |out: &mut Writer,
                        into: SectionId,
                        offset: u64,
                        r: &crate::elf::Reloc,
                        from: &str|
     -> Result<(), ExtractError> {
        let (symbol, addend) = match ex.classify(r).0 {
            Ref::Section(t, add) => (out.section_symbol(section_ids[&t]), add),
            Ref::Symbol(i, add) => match symbol_ids.get(&i) {
                Some(&id) => (id, add),
                None => (
                    out.section_symbol(section_ids[&patched.symbols[i].section.expect("defined")]),
                    add + patched.symbols[i].value as i64,
                ),
            },
            Ref::External {
                name,
                local,
                addend,
            } => {
                let (ext, klp) = ex.external_symbol(&name, local, from)?;
                if klp {
                    klp_symbols.insert(ext.clone());
                } else {
                    exported_symbols.insert(ext.clone());
                }
                let id = *externals.entry(ext.clone()).or_insert_with(|| {
                    out.add_symbol(OutSymbol {
                        name: ext.into_bytes(),
                        value: 0,
                        size: 0,
                        kind: SymbolKind::Unknown,
                        scope: SymbolScope::Dynamic,
                        weak: klp,
                        section: SymbolSection::Undefined,
                        flags: SymbolFlags::None,
                    })
                });
                (id, addend)
            }
        };
        out.add_relocation(
            into,
            Relocation {
                offset,
                symbol,
                addend,
                flags: RelocationFlags::Elf { r_type: r.kind },
            },
        )
        .map_err(|e| ExtractError::Write(e.to_string()))
    };
    for &s in &ex.included {
        let sec = &patched.sections[s];
        for r in &sec.relocs {
            relocate(&mut out, section_ids[&s], r.offset, r, &sec.name)?;
        }
    }
    for (&s, entries) in &specials {
        let sec = &patched.sections[s];
        let (id, size) = special_ids[&s];
        for r in &sec.relocs {
            if let Ok(pos) = entries.binary_search(&(r.offset / size)) {
                let offset = pos as u64 * size + r.offset % size;
                relocate(&mut out, id, offset, r, &sec.name)?;
            }
        }
    }
    let bytes = out
        .write()
        .map_err(|e| ExtractError::Write(e.to_string()))?;
    Ok(PatchObject {
        bytes,
        funcs,
        sections: carried_names,
        klp_symbols: klp_symbols.into_iter().collect(),
        exported_symbols: exported_symbols.into_iter().collect(),
    })
}
