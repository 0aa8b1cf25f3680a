//! What a relocation refers to, said in terms that survive recompilation. gas points
//! relocations against local symbols at the section symbol plus an offset; those are mapped
//! back to the symbol defined at that offset, and string literals to their contents.

use crate::correlate::Keys;
use crate::elf::{Machine, Object, Reloc, SymKind, SHF_STRINGS};

/// `R_X86_64_PLT32`.
pub const R_X86_64_PLT32: u32 = 4;
/// `R_X86_64_PC32`.
pub const R_X86_64_PC32: u32 = 2;

/// `R_AARCH64_ABS64`.
pub const R_AARCH64_ABS64: u32 = 257;

/// What x86_64's PC-relative relocations add to reach their target: the addend carries `-4`
/// for the distance from the end of the 4-byte field to the next instruction, which is not
/// part of the target. arm64's addends are the target offset itself.
fn pc_bias(machine: Machine, kind: u32) -> i64 {
    match (machine, kind) {
        (Machine::X86_64, 2 | 4 | 9 | 41 | 42) => 4,
        _ => 0,
    }
}

/// How many bytes the relocation patches (masked out before comparing code). On arm64 an
/// instruction relocation patches bits of its 4-byte instruction, which is masked whole.
pub fn width(machine: Machine, kind: u32) -> usize {
    match (machine, kind) {
        (Machine::X86_64, 1 | 24) => 8,
        (Machine::Aarch64, 257 | 260) => 8,
        (Machine::Aarch64, 259 | 262) => 2,
        _ => 4,
    }
}

/// The symbol a relocation refers to and the addend relative to it; a section-symbol
/// reference is mapped to the function or object defined at the target offset.
pub fn resolve_target(obj: &Object, r: &Reloc) -> Option<(usize, i64)> {
    let sym = obj.symbols.get(r.symbol)?;
    if sym.kind != SymKind::Section {
        return Some((r.symbol, r.addend));
    }
    let sec = sym.section?;
    let eff = r.addend + pc_bias(obj.machine, r.kind);
    let at = obj.symbol_at(sec, u64::try_from(eff).ok()?)?;
    let value = i64::try_from(obj.symbols[at].value).ok()?;
    Some((at, r.addend - value))
}

/// A NUL-terminated string at `offset` in a section, if the section holds strings.
fn string_at(obj: &Object, section: usize, offset: i64) -> Option<String> {
    let sec = obj.sections.get(section)?;
    if sec.flags & SHF_STRINGS == 0 && !sec.name.starts_with(".rodata.str") {
        return None;
    }
    let start = usize::try_from(offset).ok()?;
    let rest = sec.data.get(start..)?;
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// A description of the relocation's target and type that is equal between the original and
/// patched objects exactly when the relocation means the same thing in both.
pub fn describe(obj: &Object, keys: &Keys, r: &Reloc) -> String {
    let Some(sym) = obj.symbols.get(r.symbol) else {
        return format!("?{}", r.symbol);
    };
    // String literals are referred to through the section symbol or a local `.LCn` label.
    if sym.kind == SymKind::Section || (sym.kind == SymKind::Other && sym.local) {
        if let Some(sec) = sym.section {
            let eff = r.addend + pc_bias(obj.machine, r.kind);
            let base = i64::try_from(sym.value).unwrap_or(0);
            if let Some(s) = string_at(obj, sec, base + eff) {
                return format!("type {} -> string {s:?} {:+}", r.kind, r.addend - eff);
            }
        }
    }
    match resolve_target(obj, r) {
        Some((t, add)) => {
            let key = keys.keys.get(t).cloned().flatten().unwrap_or_default();
            format!("type {} -> {key} {add:+}", r.kind)
        }
        None => {
            let key = keys
                .keys
                .get(r.symbol)
                .cloned()
                .flatten()
                .unwrap_or_default();
            format!("type {} -> {key} {:+}", r.kind, r.addend)
        }
    }
}
