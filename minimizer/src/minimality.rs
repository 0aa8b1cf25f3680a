//! Local minimality: no single user-settable option of the result can be lowered (y→m, m→n,
//! y→n) without breaking a requirement.
//!
//! Each candidate is tested on a copy of the computed configuration with the one value lowered
//! as the user would lower it (`sym_set_tristate_value`); only the requirements' symbols are
//! recomputed (the evaluator is lazy), and candidates whose change cannot reach any
//! requirement in the dependency graph are lowered without a test. Candidates are tested in
//! parallel; lowerings found together are applied together when that still meets every
//! requirement, else one at a time.

use rayon::prelude::*;
use rustc_hash::FxHashSet;

use kconfig_parser::eval::{Config, Tristate};
use kconfig_parser::model::{Model, SymbolId, SymbolType};

use crate::assignment::{tri, Assignment, Evaluator, Value};
use crate::requirements::Resolved;
use crate::solve::is_met;

/// One way to lower a symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lowering {
    pub sym: SymbolId,
    pub from: Tristate,
    pub to: Tristate,
}

/// The user-settable options of a configuration that are on and could be lowered by the user:
/// a visible prompt, a value above what `select` forces, not a choice member.
pub fn candidates(cfg: &mut Config<'_>, modules: bool) -> Vec<Lowering> {
    let m = cfg.model();
    let mut out = Vec::new();
    for i in 0..m.symbols.len() as u32 {
        let s = SymbolId(i);
        let sym = m.sym(s);
        if sym.name.is_none() || !matches!(sym.ty, SymbolType::Bool | SymbolType::Tristate) {
            continue;
        }
        if cfg.sym_is_choice(s) || cfg.sym_is_choice_value(s) {
            continue;
        }
        let v = tri(cfg, s);
        if v == Tristate::No {
            continue;
        }
        let st = cfg.state(s);
        let (visible, rev) = (st.visible, st.rev_dep);
        if visible == Tristate::No {
            continue;
        }
        for to in [Tristate::No, Tristate::Mod] {
            if to >= v || to < rev {
                continue;
            }
            if to == Tristate::Mod && (!modules || cfg.sym_get_type(s) != SymbolType::Tristate) {
                continue;
            }
            out.push(Lowering {
                sym: s,
                from: v,
                to,
            });
        }
    }
    out
}

/// Whether every requirement met in `base` stays met with `low` applied.
fn keeps(base: &Config<'_>, reqs: &[&Resolved], lows: &[Lowering]) -> bool {
    let mut cfg = base.clone();
    for l in lows {
        if !cfg.sym_set_tristate_value(l.sym, l.to) {
            return false;
        }
    }
    for l in lows {
        if tri(&mut cfg, l.sym) != l.to {
            return false;
        }
    }
    reqs.iter().all(|r| is_met(&mut cfg, r))
}

/// Which symbols read each symbol's value: a symbol's value is a function of the symbols in
/// its `dir_dep`, `rev_dep` (selectors and their conditions), `implied`, and the expressions
/// and conditions of its properties (prompts, defaults, ranges, choice lists).
pub struct Influence {
    readers: Vec<Vec<SymbolId>>,
}

impl Influence {
    /// Builds the reader lists of a model.
    pub fn new(m: &Model) -> Self {
        let mut readers: Vec<Vec<SymbolId>> = vec![Vec::new(); m.symbols.len()];
        for (i, sym) in m.symbols.iter().enumerate() {
            let x = SymbolId(i as u32);
            let mut read: Vec<SymbolId> = Vec::new();
            for e in [&sym.dir_dep, &sym.rev_dep, &sym.implied]
                .into_iter()
                .flatten()
            {
                read.extend(e.symbols());
            }
            for p in &sym.props {
                let prop = m.prop(*p);
                for e in [&prop.expr, &prop.visible].into_iter().flatten() {
                    read.extend(e.symbols());
                }
            }
            read.sort();
            read.dedup();
            for r in read {
                if r != x && !m.sym(r).is_const() {
                    readers[r.index()].push(x);
                }
            }
        }
        Influence { readers }
    }

    /// Whether a change of `s` can reach any of `targets` (including `s` itself).
    pub fn reaches(&self, s: SymbolId, targets: &FxHashSet<SymbolId>) -> bool {
        let mut seen = vec![false; self.readers.len()];
        let mut stack = vec![s];
        seen[s.index()] = true;
        while let Some(cur) = stack.pop() {
            if targets.contains(&cur) {
                return true;
            }
            for &r in &self.readers[cur.index()] {
                if !seen[r.index()] {
                    seen[r.index()] = true;
                    stack.push(r);
                }
            }
        }
        false
    }
}

/// What the minimality pass did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct MinimalityStats {
    /// Lowerings tested against the requirements.
    pub tested: usize,
    /// Lowerings applied without a test: the change reaches no requirement.
    pub unreachable: usize,
    /// Lowerings applied in all.
    pub lowered: usize,
    /// Passes until no candidate could be lowered.
    pub passes: usize,
}

/// Lowers options of the configuration of `assign` until none of its user-settable options can
/// be lowered without breaking one of `reqs` (those met at the start). Lowering is judged as a
/// user does it: edit the option's line of the written `.config` and run olddefconfig (every
/// other visible option keeps the value the file gives it). Returns the final `.config` text
/// and an assignment whose allnoconfig reproduces it ([`fragment_for`]).
pub fn minimize(
    ev: &Evaluator<'_>,
    influence: &Influence,
    reqs: &[Resolved],
    assign: Assignment,
    modules: bool,
    pinned: &FxHashSet<SymbolId>,
) -> (String, Assignment, MinimalityStats) {
    let mut stats = MinimalityStats::default();
    let req_syms: FxHashSet<SymbolId> = reqs.iter().flat_map(|r| r.syms.clone()).collect();
    let mut text = ev.config_text(&assign);
    let mut lowered: Vec<Lowering> = Vec::new();
    loop {
        stats.passes += 1;
        let mut base = ev.read(text.as_bytes());
        let kept: Vec<&Resolved> = reqs.iter().filter(|r| is_met(&mut base, r)).collect();
        let cands: Vec<Lowering> = candidates(&mut base, modules)
            .into_iter()
            .filter(|l| !pinned.contains(&l.sym))
            .collect();
        let (free, tested): (Vec<Lowering>, Vec<Lowering>) = cands
            .into_iter()
            .partition(|l| !influence.reaches(l.sym, &req_syms));
        let ok: Vec<Lowering> = tested
            .par_iter()
            .filter(|l| keeps(&base, &kept, std::slice::from_ref(l)))
            .copied()
            .collect();
        stats.tested += tested.len();
        // Several lowerings of one symbol: the lowest that works.
        let mut chosen: Vec<Lowering> = Vec::new();
        for l in free.iter().chain(ok.iter()) {
            match chosen.iter_mut().find(|c| c.sym == l.sym) {
                Some(c) if l.to < c.to => *c = *l,
                Some(_) => {}
                None => chosen.push(*l),
            }
        }
        stats.unreachable += free.iter().filter(|l| l.to == Tristate::No).count();
        if chosen.is_empty() || stats.passes > 50 {
            break;
        }
        let mut cur = base.clone();
        if keeps(&base, &kept, &chosen) {
            for l in &chosen {
                cur.sym_set_tristate_value(l.sym, l.to);
            }
            lowered.extend(chosen.iter().copied());
        } else {
            // Together they break something: apply them one at a time.
            for l in &chosen {
                if keeps(&cur, &kept, std::slice::from_ref(l)) {
                    cur.sym_set_tristate_value(l.sym, l.to);
                    lowered.push(*l);
                }
            }
        }
        stats.lowered = lowered.len();
        // What the user's olddefconfig writes after the edits.
        text = kconfig_parser::confdata::config_text(&mut cur);
    }
    let mut frag = assign;
    for l in &lowered {
        frag.set(l.sym, Value::Tri(l.to));
    }
    let frag = fragment_for(ev, frag, &text);
    (text, frag, stats)
}

/// `NAME -> value` of the `CONFIG_` lines of a `.config` text (`n` for `is not set`).
fn config_values(text: &str) -> rustc_hash::FxHashMap<&str, &str> {
    let mut out = rustc_hash::FxHashMap::default();
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("CONFIG_") {
            if let Some((k, v)) = rest.split_once('=') {
                out.insert(k, v);
            }
        } else if let Some(rest) = l.strip_prefix("# CONFIG_") {
            if let Some(k) = rest.strip_suffix(" is not set") {
                out.insert(k, "n");
            }
        }
    }
    out
}

/// Extends `frag` until `KCONFIG_ALLCONFIG=frag allnoconfig` writes exactly `target`: each
/// round adds the values allnoconfig still gets wrong.
pub fn fragment_for(ev: &Evaluator<'_>, mut frag: Assignment, target: &str) -> Assignment {
    let m = ev.model();
    let want = config_values(target);
    for _ in 0..16 {
        let got_text = ev.config_text(&frag);
        if got_text == target {
            return frag;
        }
        let got = config_values(&got_text);
        let mut changed = false;
        for (name, v) in &want {
            if got.get(name) == Some(v) {
                continue;
            }
            let Some(s) = m.find(name) else { continue };
            let value = match *v {
                "y" => Value::Tri(Tristate::Yes),
                "m" => Value::Tri(Tristate::Mod),
                "n" => Value::Tri(Tristate::No),
                t => Value::Text(
                    t.strip_prefix('"')
                        .and_then(|t| t.strip_suffix('"'))
                        .map(|t| t.replace("\\\"", "\"").replace("\\\\", "\\"))
                        .unwrap_or_else(|| t.to_string()),
                ),
            };
            changed |= frag.set(s, value);
        }
        if !changed {
            break;
        }
    }
    frag
}
