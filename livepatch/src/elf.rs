//! Reading a relocatable x86_64 ELF object into owned sections, symbols, relocations and
//! section groups. Headers are checked by hand before goblin parses, so that a truncated or
//! foreign file gets a precise message rather than a parser's.

use std::path::{Path, PathBuf};

use goblin::elf::{header, section_header, sym, Elf};

use crate::error::LivepatchError;

/// `SHT_GROUP`: a section group (COMDAT).
pub const SHT_GROUP: u32 = 17;
/// `SHF_STRINGS`: a section of NUL-terminated strings.
pub const SHF_STRINGS: u64 = 0x20;

/// The architectures whose objects are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Machine {
    /// `EM_X86_64`.
    X86_64,
    /// `EM_AARCH64`.
    Aarch64,
}

/// One relocation (RELA) applied to a section.
#[derive(Debug, Clone)]
pub struct Reloc {
    /// Where in the section the relocation applies.
    pub offset: u64,
    /// The relocation type (`R_X86_64_*`, `R_AARCH64_*`).
    pub kind: u32,
    /// Index into [`Object::symbols`].
    pub symbol: usize,
    /// The addend.
    pub addend: i64,
}

/// One section, with its bytes and the relocations against it.
#[derive(Debug, Clone)]
pub struct Section {
    /// The section's name.
    pub name: String,
    /// `sh_type`.
    pub kind: u32,
    /// `sh_flags`.
    pub flags: u64,
    /// `sh_size` (NOBITS sections have a size but no bytes).
    pub size: u64,
    /// `sh_addralign`.
    pub align: u64,
    /// `sh_entsize`.
    pub entsize: u64,
    /// The bytes (empty for NOBITS).
    pub data: Vec<u8>,
    /// RELA relocations applying to this section, sorted by offset.
    pub relocs: Vec<Reloc>,
    /// For a section group: the indices of its member sections.
    pub group_members: Vec<usize>,
    /// For a section group: the index of its signature symbol.
    pub group_signature: Option<usize>,
}

/// What a symbol names (`STT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymKind {
    /// `STT_FUNC`.
    Func,
    /// `STT_OBJECT`.
    Object,
    /// `STT_SECTION`.
    Section,
    /// `STT_FILE`.
    File,
    /// Anything else (`STT_NOTYPE`, ...).
    Other,
}

/// One symbol-table entry.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// The name (for a section symbol, the section's name).
    pub name: String,
    /// What it names.
    pub kind: SymKind,
    /// Whether it is `STB_LOCAL`.
    pub local: bool,
    /// The section it is defined in; `None` when undefined, absolute or common.
    pub section: Option<usize>,
    /// `st_value`: the offset within its section.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
}

/// A relocatable object file.
#[derive(Debug, Clone)]
pub struct Object {
    /// Where it was read from (for messages).
    pub path: PathBuf,
    /// The architecture.
    pub machine: Machine,
    /// The sections, indexed as in the file.
    pub sections: Vec<Section>,
    /// The symbols, indexed as in `.symtab`.
    pub symbols: Vec<Symbol>,
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    b.get(o..o + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .unwrap_or(0)
}

fn u64_at(b: &[u8], o: usize) -> u64 {
    b.get(o..o + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0)
}

/// Checks the ELF header by hand: magic, class, byte order, type, machine, and that the
/// section header table lies within the file.
fn check_header(path: &Path, b: &[u8]) -> Result<Machine, LivepatchError> {
    let p = || path.to_path_buf();
    if b.len() < 4 || &b[..4] != b"\x7fELF" {
        return Err(LivepatchError::NotElf { path: p() });
    }
    if b.len() < 64 {
        return Err(LivepatchError::Truncated {
            path: p(),
            what: "the ELF header".into(),
            len: b.len(),
        });
    }
    if b[4] != header::ELFCLASS64 {
        return Err(LivepatchError::Unsupported {
            path: p(),
            what: format!("ELF class {} (not ELFCLASS64)", b[4]),
        });
    }
    if b[5] != header::ELFDATA2LSB {
        return Err(LivepatchError::Unsupported {
            path: p(),
            what: "big-endian byte order".into(),
        });
    }
    let e_type = u16_at(b, 16);
    if e_type != header::ET_REL {
        return Err(LivepatchError::NotRelocatable {
            path: p(),
            kind: header::et_to_str(e_type).to_string(),
        });
    }
    let machine = match u16_at(b, 18) {
        header::EM_X86_64 => Machine::X86_64,
        header::EM_AARCH64 => Machine::Aarch64,
        other => {
            return Err(LivepatchError::Unsupported {
                path: p(),
                what: format!("machine {}", header::machine_to_str(other)),
            })
        }
    };
    let shoff = u64_at(b, 40);
    let shentsize = u64::from(u16_at(b, 58));
    let shnum = u64::from(u16_at(b, 60));
    let end = shoff.saturating_add(shentsize.saturating_mul(shnum));
    if end > b.len() as u64 {
        return Err(LivepatchError::Truncated {
            path: p(),
            what: "the section header table".into(),
            len: b.len(),
        });
    }
    Ok(machine)
}

impl Object {
    /// Reads and parses the object at `path`.
    pub fn read(path: &Path) -> Result<Object, LivepatchError> {
        let bytes = std::fs::read(path).map_err(|source| LivepatchError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Object::parse(path, &bytes)
    }

    /// Parses an object from its bytes; `path` is only used in messages.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Object, LivepatchError> {
        let machine = check_header(path, bytes)?;
        let elf = Elf::parse(bytes).map_err(|e| LivepatchError::Malformed {
            path: path.to_path_buf(),
            msg: e.to_string(),
        })?;
        let mut sections = Vec::with_capacity(elf.section_headers.len());
        for sh in &elf.section_headers {
            let name = elf.shdr_strtab.get_at(sh.sh_name).unwrap_or("").to_string();
            let data = if sh.sh_type == section_header::SHT_NOBITS {
                Vec::new()
            } else {
                let start = usize::try_from(sh.sh_offset).unwrap_or(usize::MAX);
                let len = usize::try_from(sh.sh_size).unwrap_or(usize::MAX);
                match start.checked_add(len).and_then(|end| bytes.get(start..end)) {
                    Some(d) => d.to_vec(),
                    None => {
                        return Err(LivepatchError::Truncated {
                            path: path.to_path_buf(),
                            what: format!("section {name}"),
                            len: bytes.len(),
                        })
                    }
                }
            };
            sections.push(Section {
                name,
                kind: sh.sh_type,
                flags: sh.sh_flags,
                size: sh.sh_size,
                align: sh.sh_addralign,
                entsize: sh.sh_entsize,
                data,
                relocs: Vec::new(),
                group_members: Vec::new(),
                group_signature: None,
            });
        }
        let symbols: Vec<Symbol> = elf
            .syms
            .iter()
            .map(|s| {
                let section = if s.st_shndx == 0 || s.st_shndx >= 0xff00 {
                    None
                } else {
                    Some(s.st_shndx)
                };
                let kind = match s.st_type() {
                    sym::STT_FUNC => SymKind::Func,
                    sym::STT_OBJECT => SymKind::Object,
                    sym::STT_SECTION => SymKind::Section,
                    sym::STT_FILE => SymKind::File,
                    _ => SymKind::Other,
                };
                let mut name = elf.strtab.get_at(s.st_name).unwrap_or("").to_string();
                if kind == SymKind::Section {
                    if let Some(sec) = section.and_then(|i| sections.get(i)) {
                        name = sec.name.clone();
                    }
                }
                Symbol {
                    name,
                    kind,
                    local: s.st_bind() == sym::STB_LOCAL,
                    section,
                    value: s.st_value,
                    size: s.st_size,
                }
            })
            .collect();
        for (idx, relocs) in &elf.shdr_relocs {
            let Some(target) = elf.section_headers.get(*idx).map(|sh| sh.sh_info as usize) else {
                continue;
            };
            let mut list: Vec<Reloc> = relocs
                .iter()
                .map(|r| Reloc {
                    offset: r.r_offset,
                    kind: r.r_type,
                    symbol: r.r_sym,
                    addend: r.r_addend.unwrap_or(0),
                })
                .collect();
            if list.iter().any(|r| r.symbol >= symbols.len()) {
                return Err(LivepatchError::Malformed {
                    path: path.to_path_buf(),
                    msg: format!(
                        "a relocation in section {idx} names a symbol past the symbol table"
                    ),
                });
            }
            list.sort_by_key(|r| r.offset);
            if let Some(sec) = sections.get_mut(target) {
                sec.relocs.extend(list);
            }
        }
        for (i, sh) in elf.section_headers.iter().enumerate() {
            if sh.sh_type != SHT_GROUP {
                continue;
            }
            let words: Vec<usize> = sections[i]
                .data
                .chunks_exact(4)
                .skip(1)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
                .collect();
            sections[i].group_members = words;
            sections[i].group_signature = Some(sh.sh_info as usize).filter(|&s| s < symbols.len());
        }
        Ok(Object {
            path: path.to_path_buf(),
            machine,
            sections,
            symbols,
        })
    }

    /// The defined symbol (function or object) in `section` that covers `offset`, if any.
    pub fn symbol_at(&self, section: usize, offset: u64) -> Option<usize> {
        self.symbols.iter().position(|s| {
            s.section == Some(section)
                && matches!(s.kind, SymKind::Func | SymKind::Object)
                && offset >= s.value
                && (offset < s.value + s.size || (s.size == 0 && offset == s.value))
        })
    }
}
