//! Change detection between an original and a patched object, and the refusals for changes
//! a livepatch cannot carry. Code is compared with relocation fields masked out, and the
//! relocations themselves by what they refer to (see [`crate::reference`]), so that code that
//! only moved compares equal.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::correlate::{base_name, counterparts, is_numbered_local, is_special_static, Keys};
use crate::elf::{Machine, Object, SymKind, Symbol, SHF_STRINGS, SHT_GROUP};
use crate::reference::{
    describe, resolve_target, width, R_AARCH64_ABS64, R_X86_64_PC32, R_X86_64_PLT32,
};

/// A change that cannot be livepatched, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The symbol (or section group signature) concerned.
    pub symbol: String,
    /// The section it lives in.
    pub section: String,
    /// Why the change cannot be patched.
    pub reason: String,
}

/// What differs between the two objects.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Functions present in both whose code or references changed (patched names).
    pub changed_functions: Vec<String>,
    /// Functions only in the patched object.
    pub new_functions: Vec<String>,
    /// The sections of the patched object a livepatch module would include.
    pub included_sections: Vec<String>,
    /// Changes that cannot be livepatched.
    pub refusals: Vec<Refusal>,
}

/// The verdict on a diff, as the CLI's exit status reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something changed and a livepatch can carry all of it.
    Patchable,
    /// Something changed that a livepatch cannot carry.
    Refused,
    /// Nothing that matters changed.
    NoChange,
}

impl Report {
    /// The verdict.
    pub fn outcome(&self) -> Outcome {
        if !self.refusals.is_empty() {
            Outcome::Refused
        } else if self.changed_functions.is_empty() && self.new_functions.is_empty() {
            Outcome::NoChange
        } else {
            Outcome::Patchable
        }
    }
}

/// Sections that are regenerated or carry no program semantics, and are never compared.
fn ignored_section(name: &str) -> bool {
    matches!(
        name,
        "__mcount_loc"
            | "__patchable_function_entries"
            | ".eh_frame"
            | ".comment"
            | ".symtab"
            | ".strtab"
            | ".shstrtab"
            | ".group"
    ) || name.starts_with(".note")
        || name.starts_with(".debug")
        || name.starts_with(".rela")
        || name.is_empty()
}

/// The comparable content of a symbol's bytes: the bytes with relocated fields zeroed, and
/// the relocations described relative to the symbol's start.
#[derive(Debug, PartialEq, Eq)]
struct Body {
    size: u64,
    bytes: Vec<u8>,
    relocs: Vec<(u64, String)>,
}

/// The body of the byte range `[start, start+size)` of a section.
fn body_of(obj: &Object, keys: &Keys, section: usize, start: u64, size: u64) -> Body {
    let Some(sec) = obj.sections.get(section) else {
        return Body {
            size,
            bytes: Vec::new(),
            relocs: Vec::new(),
        };
    };
    let lo = usize::try_from(start)
        .unwrap_or(usize::MAX)
        .min(sec.data.len());
    let hi = usize::try_from(start.saturating_add(size))
        .unwrap_or(usize::MAX)
        .min(sec.data.len());
    let mut bytes = sec.data[lo..hi.max(lo)].to_vec();
    let mut relocs = Vec::new();
    for r in &sec.relocs {
        if r.offset < start || r.offset >= start.saturating_add(size) {
            continue;
        }
        let rel = r.offset - start;
        let from = usize::try_from(rel).unwrap_or(usize::MAX).min(bytes.len());
        let to = from
            .saturating_add(width(obj.machine, r.kind))
            .min(bytes.len());
        bytes[from..to].fill(0);
        relocs.push((rel, describe(obj, keys, r)));
    }
    Body {
        size,
        bytes,
        relocs,
    }
}

/// Kernel functions that macros call with `__LINE__` as an argument (might_sleep, WARN without
/// `__bug_table`, lockdep's RCU checks): a patch that only moves code changes those constants.
const LINE_MACRO_CALLEES: &[&str] = &[
    "__might_sleep",
    "___might_sleep",
    "__might_resched",
    "__might_fault",
    "__cant_sleep",
    "__cant_migrate",
    "warn_slowpath_fmt",
    "__warn_printk",
    "lockdep_rcu_suspicious",
];

/// How far after a line-number immediate the call that takes it may be (it loads the other
/// arguments in between).
const LINE_CALL_WINDOW: usize = 48;

/// Whether the two bodies differ only in 32-bit immediates moved into a register
/// (`mov $imm32, %reg`, opcodes `b8`..`bf`, optionally REX.B-prefixed) that a call to one of
/// [`LINE_MACRO_CALLEES`] follows closely: the `__LINE__` arguments of might_sleep() and WARN.
fn only_line_numbers_differ(a: &Body, b: &Body) -> bool {
    if a.size != b.size || a.bytes.len() != b.bytes.len() || a.relocs != b.relocs {
        return false;
    }
    let calls: Vec<usize> = a
        .relocs
        .iter()
        .filter(|(_, d)| {
            LINE_MACRO_CALLEES
                .iter()
                .any(|c| d.contains(&format!("-> {c} ")))
        })
        .filter_map(|(o, _)| usize::try_from(*o).ok())
        .collect();
    if calls.is_empty() {
        return false;
    }
    let (x, y) = (&a.bytes, &b.bytes);
    let mut i = 0;
    let mut differed = false;
    while i < x.len() {
        if x[i] == y[i] {
            i += 1;
            continue;
        }
        // The immediate [start, start + 4) that holds byte i, right after a mov opcode.
        let Some(start) = (i.saturating_sub(3)..=i).find(|&s| {
            s >= 1 && s + 4 <= x.len() && (0xb8..=0xbf).contains(&x[s - 1]) && x[s - 1] == y[s - 1]
        }) else {
            return false;
        };
        let end = start + 4;
        if !calls
            .iter()
            .any(|&c| c >= end && c <= end + LINE_CALL_WINDOW)
        {
            return false;
        }
        differed = true;
        i = end;
    }
    differed
}

fn symbol_body(obj: &Object, keys: &Keys, sym: &Symbol) -> Body {
    match sym.section {
        Some(s) => body_of(obj, keys, s, sym.value, sym.size),
        None => Body {
            size: sym.size,
            bytes: Vec::new(),
            relocs: Vec::new(),
        },
    }
}

fn section_name(obj: &Object, sym: &Symbol) -> String {
    sym.section
        .and_then(|i| obj.sections.get(i))
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// Whether ftrace can redirect the function: on x86_64 it starts with `call __fentry__`
/// (gcc -pg -mfentry): its first relocation is a PLT32/PC32 to `__fentry__` at offset 1 (the
/// kernel's -fno-pic), or a GOTPCRELX at offset 2 (`call *__fentry__@GOTPCREL(%rip)`, a
/// PIE-default compiler). On arm64 gcc's -fpatchable-function-entry records the function's
/// entry NOPs in `__patchable_function_entries`.
fn has_patchable_entry(obj: &Object, sym: &Symbol) -> bool {
    match obj.machine {
        Machine::X86_64 => {
            let Some(sec) = sym.section.and_then(|i| obj.sections.get(i)) else {
                return false;
            };
            sec.relocs
                .iter()
                .find(|r| r.offset >= sym.value && r.offset < sym.value + sym.size.max(1))
                .is_some_and(|r| {
                    r.offset - sym.value <= 2
                        && matches!(r.kind, R_X86_64_PLT32 | R_X86_64_PC32 | 9 | 41)
                        && obj
                            .symbols
                            .get(r.symbol)
                            .is_some_and(|t| t.name == "__fentry__")
                })
        }
        Machine::Aarch64 => obj
            .sections
            .iter()
            .filter(|s| s.name == "__patchable_function_entries")
            .flat_map(|s| &s.relocs)
            .filter(|r| r.kind == R_AARCH64_ABS64)
            .any(|r| {
                obj.symbols.get(r.symbol).is_some_and(|t| {
                    let at = i64::try_from(t.value).unwrap_or(0) + r.addend;
                    let start = i64::try_from(sym.value).unwrap_or(0);
                    t.section == sym.section && (start - 8..=start).contains(&at)
                })
            }),
    }
}

/// The numbered static locals (`name.N`) a function refers to: index and base name.
fn static_locals_used(obj: &Object, sym: &Symbol) -> Vec<(usize, String)> {
    let Some(sec) = sym.section.and_then(|i| obj.sections.get(i)) else {
        return Vec::new();
    };
    let mut out: Vec<(usize, String)> = sec
        .relocs
        .iter()
        .filter(|r| r.offset >= sym.value && r.offset < sym.value + sym.size.max(1))
        .filter_map(|r| resolve_target(obj, r))
        .filter(|&(t, _)| {
            let s = &obj.symbols[t];
            s.kind == SymKind::Object && s.local && is_numbered_local(&s.name)
        })
        .map(|(t, _)| (t, base_name(&obj.symbols[t].name)))
        .filter(|(_, b)| !is_special_static(b))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A changed function that stopped referring to a static local the patched object still has:
/// static locals are paired through the functions that use them, so the pairing (and with it
/// the running kernel's state in the variable) would be lost.
fn removed_static_local_reference(
    orig: &Object,
    osym: &Symbol,
    patched: &Object,
    psym: &Symbol,
) -> Option<Refusal> {
    let still_used: BTreeSet<String> = static_locals_used(patched, psym)
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    let defined: BTreeSet<String> = patched
        .symbols
        .iter()
        .filter(|s| s.kind == SymKind::Object && s.local && is_numbered_local(&s.name))
        .map(|s| base_name(&s.name))
        .collect();
    let (t, base) = static_locals_used(orig, osym)
        .into_iter()
        .find(|(_, b)| !still_used.contains(b) && defined.contains(b))?;
    Some(Refusal {
        symbol: orig.symbols[t].name.clone(),
        section: section_name(orig, &orig.symbols[t]),
        reason: format!(
            "removed reference to static local {base}: {} no longer uses it but the object still has it, so it cannot be paired with the running kernel's copy through its users and its state would be lost",
            psym.name
        ),
    })
}

/// Whether a defined symbol takes part in the diff.
fn considered(obj: &Object, sym: &Symbol) -> bool {
    sym.section
        .and_then(|i| obj.sections.get(i))
        .is_some_and(|s| !ignored_section(&s.name))
}

fn is_string_section(obj: &Object, sym: &Symbol) -> bool {
    sym.section
        .and_then(|i| obj.sections.get(i))
        .is_some_and(|s| s.flags & SHF_STRINGS != 0 || s.name.starts_with(".rodata.str"))
}

/// Diffs an original and a patched object built from the same source file.
pub fn diff(orig: &Object, patched: &Object) -> Report {
    let okeys = Keys::of(orig);
    let pkeys = Keys::of(patched);
    let pairs = counterparts(orig, &okeys, patched, &pkeys);
    let counterpart = |i: usize| pairs.get(&i).copied();
    let mut report = Report::default();
    let mut included = BTreeSet::new();
    let mut touched = Vec::new();
    for (i, sym) in patched.symbols.iter().enumerate() {
        if !considered(patched, sym) {
            continue;
        }
        match sym.kind {
            SymKind::Func => {
                let section = section_name(patched, sym);
                let Some(o) = counterpart(i) else {
                    report.new_functions.push(sym.name.clone());
                    touched.push(i);
                    continue;
                };
                let osym = &orig.symbols[o];
                let (ob, pb) = (
                    symbol_body(orig, &okeys, osym),
                    symbol_body(patched, &pkeys, sym),
                );
                if ob == pb || only_line_numbers_differ(&ob, &pb) {
                    continue;
                }
                if section.starts_with(".init.text") || section.starts_with(".init.") {
                    report.refusals.push(Refusal {
                        symbol: sym.name.clone(),
                        section,
                        reason: "changed __init code: init functions have run and been freed; a livepatch cannot replace them".into(),
                    });
                } else if !base_name(&sym.name).ends_with(".cold")
                    && !has_patchable_entry(patched, sym)
                {
                    let what = match patched.machine {
                        Machine::X86_64 => "no __fentry__ call at its entry (built without -pg -mfentry or marked notrace)",
                        Machine::Aarch64 => "no patchable entry in __patchable_function_entries (built without -fpatchable-function-entry or marked notrace)",
                    };
                    report.refusals.push(Refusal {
                        symbol: sym.name.clone(),
                        section,
                        reason: format!(
                            "changed function has {what}, so ftrace cannot redirect it"
                        ),
                    });
                } else if let Some(refusal) =
                    removed_static_local_reference(orig, osym, patched, sym)
                {
                    report.refusals.push(refusal);
                } else {
                    report.changed_functions.push(sym.name.clone());
                    touched.push(i);
                }
            }
            SymKind::Object => {
                if is_string_section(patched, sym) || is_special_static(&base_name(&sym.name)) {
                    continue;
                }
                let Some(o) = counterpart(i) else {
                    continue;
                };
                let osym = &orig.symbols[o];
                let (ob, pb) = (
                    symbol_body(orig, &okeys, osym),
                    symbol_body(patched, &pkeys, sym),
                );
                if ob != pb {
                    let what = if ob.size != pb.size {
                        format!("size changed from {} to {} bytes", ob.size, pb.size)
                    } else {
                        "contents changed".to_string()
                    };
                    report.refusals.push(Refusal {
                        symbol: sym.name.clone(),
                        section: section_name(patched, sym),
                        reason: format!("changed data: {what}; a livepatch replaces code, not the data the running kernel already holds"),
                    });
                }
            }
            _ => {}
        }
    }
    diff_groups(orig, &okeys, patched, &pkeys, &mut report);
    for &i in &touched {
        let sym = &patched.symbols[i];
        included.insert(section_name(patched, sym));
        let Some(sec) = sym.section.and_then(|s| patched.sections.get(s)) else {
            continue;
        };
        for r in sec
            .relocs
            .iter()
            .filter(|r| r.offset >= sym.value && r.offset < sym.value + sym.size.max(1))
        {
            let Some((t, _)) = resolve_target(patched, r).or(Some((r.symbol, 0))) else {
                continue;
            };
            let tsym = &patched.symbols[t];
            let Some(tsec) = tsym.section.and_then(|s| patched.sections.get(s)) else {
                continue;
            };
            let new = tsym.kind == SymKind::Object && counterpart(t).is_none();
            let strings = tsec.flags & SHF_STRINGS != 0 || tsec.name.starts_with(".rodata.str");
            if (new || strings) && !ignored_section(&tsec.name) {
                included.insert(tsec.name.clone());
            }
        }
    }
    report.included_sections = included.into_iter().collect();
    report
}

/// Refuses changed section groups: a group (COMDAT) is shared with other objects at link
/// time, so its members cannot change in one of them.
fn diff_groups(orig: &Object, okeys: &Keys, patched: &Object, pkeys: &Keys, report: &mut Report) {
    let groups = |obj: &Object, keys: &Keys| -> HashMap<String, usize> {
        obj.sections
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == SHT_GROUP)
            .filter_map(|(i, s)| {
                let sig = s.group_signature?;
                Some((keys.keys.get(sig)?.clone()?, i))
            })
            .collect()
    };
    let ogroups = groups(orig, okeys);
    for (sig, pi) in groups(patched, pkeys) {
        let Some(&oi) = ogroups.get(&sig) else {
            continue;
        };
        let members = |obj: &Object, keys: &Keys, g: usize| -> Vec<(String, Body)> {
            obj.sections[g]
                .group_members
                .iter()
                .filter_map(|&m| {
                    let s = obj.sections.get(m)?;
                    if s.name.starts_with(".rela") {
                        return None;
                    }
                    Some((base_name(&s.name), body_of(obj, keys, m, 0, s.size)))
                })
                .collect()
        };
        if members(orig, okeys, oi) != members(patched, pkeys, pi) {
            report.refusals.push(Refusal {
                symbol: sig.clone(),
                section: patched.sections[pi].name.clone(),
                reason: "changed section group: its members are shared (COMDAT) with other objects at link time".into(),
            });
        }
    }
}
