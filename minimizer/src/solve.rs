//! The solver: from allnoconfig (every user-settable option off), set the fewest values that
//! meet every requirement, recomputing with the kernel's semantics after each round of goals.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap, FxHashSet};

use kconfig_parser::eval::{Config, Tristate};
use kconfig_parser::model::{SymbolId, SymbolType, SYM_NO};

use crate::assignment::{tri, Assignment, Evaluator, Value};
use crate::planner::{describe, prompts, Planner, Preference, Route, Want};
use crate::requirements::{ModulesPolicy, Policy, Resolved};

/// Why the solver set or raised a symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A requirement names it (index into the resolved requirements).
    Requirement(usize),
    /// Another symbol the solver needed depends on it (or selects it, or its default needs it).
    NeededBy(SymbolId, Route),
    /// The modules policy.
    Policy,
    /// Kept from the base configuration (prune mode): a choice or a value.
    Base,
}

/// A requirement the solver could not meet, and why.
#[derive(Clone, Debug)]
pub struct Unmet {
    /// Index into the resolved requirements.
    pub index: usize,
    /// What stands in the way, with the values of the symbols involved.
    pub blocking: String,
}

/// Why solving failed.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// Requirements that cannot all be met.
    #[error("{}", unmet_text(.0))]
    Unsatisfiable(Vec<(String, String)>),
}

fn unmet_text(v: &[(String, String)]) -> String {
    let mut s = String::from("the requirements cannot all be met:");
    for (label, why) in v {
        s.push_str(&format!("\n  {label}: {why}"));
    }
    s
}

/// What the solver produced.
#[derive(Clone, Debug)]
pub struct Solution {
    pub assign: Assignment,
    pub causes: FxHashMap<SymbolId, Cause>,
    /// Recommended requirements left unmet.
    pub unmet_recommended: Vec<Unmet>,
    /// Rounds of planning and recomputing.
    pub rounds: usize,
}

const MAX_ROUNDS: usize = 40;

/// Whether a requirement holds in a configuration.
pub fn is_met(cfg: &mut Config<'_>, r: &Resolved) -> bool {
    if r.is_absent() {
        return true;
    }
    match r.met {
        Want::AtMost(_) => r.syms.iter().all(|&s| r.met.met_by(tri(cfg, s))),
        Want::AtLeast(_) => r.syms.iter().any(|&s| r.met.met_by(tri(cfg, s))),
    }
}

/// Solves the requirements from `start` (empty for a config from scratch).
pub fn solve<P: Preference + Sync>(
    ev: &Evaluator<'_>,
    reqs: &[Resolved],
    policy: Policy,
    pref: &P,
    start: Assignment,
) -> Result<Solution, SolveError> {
    let m = ev.model();
    let mut assign = start;
    let mut causes: FxHashMap<SymbolId, Cause> = FxHashMap::default();
    let modules = m.modules_sym != SYM_NO;
    match policy.modules {
        ModulesPolicy::None if modules => {
            assign.set(m.modules_sym, Value::Tri(Tristate::No));
            causes.insert(m.modules_sym, Cause::Policy);
        }
        ModulesPolicy::Prefer if modules => {
            assign.set(m.modules_sym, Value::Tri(Tristate::Yes));
            causes.insert(m.modules_sym, Cause::Policy);
        }
        _ => {}
    }
    // Symbols a requirement pins: no other goal may move them the other way.
    let mut pinned: FxHashMap<SymbolId, Want> = FxHashMap::default();
    for r in reqs.iter().filter(|r| !r.req.recommended) {
        if let Want::AtMost(_) = r.want {
            for &s in &r.syms {
                pinned.insert(s, r.want);
            }
        }
    }
    if policy.modules == ModulesPolicy::None && modules {
        pinned.insert(m.modules_sym, Want::AtMost(Tristate::No));
    }
    let mut rounds = 0;
    let mut blocked: FxHashMap<usize, String> = FxHashMap::default();
    loop {
        rounds += 1;
        let mut cfg = ev.config(&assign);
        let unmet: Vec<usize> = (0..reqs.len())
            .filter(|&i| !is_met(&mut cfg, &reqs[i]))
            .collect();
        if unmet.is_empty() || rounds > MAX_ROUNDS {
            break;
        }
        let modules_on = modules && tri(&mut cfg, m.modules_sym) == Tristate::Yes
            || policy.modules == ModulesPolicy::Prefer;
        let mut planner = Planner::new(&mut cfg, pref, modules_on);
        let mut queue: VecDeque<(SymbolId, Want, Cause, usize)> = VecDeque::new();
        for &i in &unmet {
            let r = &reqs[i];
            match r.want {
                Want::AtMost(_) => {
                    for &s in &r.syms {
                        queue.push_back((s, r.want, Cause::Requirement(i), i));
                    }
                }
                Want::AtLeast(_) => {
                    // One of several: the cheapest.
                    let best = r
                        .syms
                        .iter()
                        .copied()
                        .map(|s| (planner.estimate(s, r.want, 4), s))
                        .min_by(|a, b| a.0.total_cmp(&b.0));
                    if let Some((_, s)) = best {
                        queue.push_back((s, r.want, Cause::Requirement(i), i));
                    }
                }
            }
        }
        let mut seen: FxHashSet<(SymbolId, Want)> = FxHashSet::default();
        let mut changed = false;
        while let Some((s, want, cause, origin)) = queue.pop_front() {
            if !seen.insert((s, want)) {
                continue;
            }
            if let Some(pin) = pinned.get(&s) {
                if *pin != want && !matches!(cause, Cause::Requirement(_)) {
                    blocked.entry(origin).or_insert_with(|| {
                        format!(
                            "needs {} {}, which a requirement keeps off",
                            name(&planner, s),
                            want_text(want)
                        )
                    });
                    continue;
                }
            }
            if want.met_by(planner.value(s)) {
                continue;
            }
            let routes = planner.routes(s, want);
            let Some((_, plan)) = routes.into_iter().next() else {
                let why = cannot_text(&mut planner, s, want);
                blocked.entry(origin).or_insert(why);
                continue;
            };
            match (plan.route.clone(), want) {
                (Route::Prompt, Want::AtLeast(w)) => {
                    let sym = m.sym(s);
                    let w = if sym.ty == SymbolType::Tristate && planner.modules {
                        w
                    } else {
                        Tristate::Yes
                    };
                    if assign.tri(s).is_none_or(|old| old < w) {
                        changed |= assign.set(s, Value::Tri(w));
                    }
                }
                (Route::Lower, Want::AtMost(w)) => {
                    let has_prompt = prompts(m, s).next().is_some();
                    if has_prompt || assign.get(s).is_some() {
                        changed |= assign.set(s, Value::Tri(w));
                    }
                }
                _ => {}
            }
            causes.entry(s).or_insert(cause.clone());
            for st in plan.steps {
                queue.push_back((
                    st.sym,
                    st.want,
                    Cause::NeededBy(s, plan.route.clone()),
                    origin,
                ));
            }
        }
        if !changed {
            break;
        }
    }
    let mut cfg = ev.config(&assign);
    let mut hard = Vec::new();
    let mut unmet_recommended = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        if is_met(&mut cfg, r) {
            continue;
        }
        let blocking = blocked
            .get(&i)
            .cloned()
            .unwrap_or_else(|| explain_unmet(&mut cfg, r));
        if r.req.recommended {
            unmet_recommended.push(Unmet { index: i, blocking });
        } else {
            hard.push((r.label(), blocking));
        }
    }
    if !hard.is_empty() {
        return Err(SolveError::Unsatisfiable(hard));
    }
    Ok(Solution {
        assign,
        causes,
        unmet_recommended,
        rounds,
    })
}

fn name<P: Preference>(p: &Planner<'_, '_, P>, s: SymbolId) -> String {
    p.cfg
        .model()
        .sym(s)
        .name
        .clone()
        .unwrap_or_else(|| "<choice>".into())
}

fn want_text(w: Want) -> &'static str {
    match w {
        Want::AtLeast(Tristate::Yes) => "at y",
        Want::AtLeast(_) => "at m or y",
        Want::AtMost(Tristate::No) => "off",
        Want::AtMost(_) => "at most m",
    }
}

/// Why no route gives `s` the value: its prompt's dependencies, its selectors, its defaults.
fn cannot_text<P: Preference>(p: &mut Planner<'_, '_, P>, s: SymbolId, want: Want) -> String {
    let m = p.cfg.model();
    let sym = m.sym(s);
    let n = name(p, s);
    match want {
        Want::AtLeast(_) => {
            let vis: Vec<String> = prompts(m, s)
                .map(|q| p.describe(m.prop(q).visible.as_ref()))
                .collect();
            if vis.is_empty() {
                format!(
                    "{n} has no prompt and nothing can select it here (selected by: {})",
                    if sym.rev_dep.is_some() {
                        p.describe(sym.rev_dep.as_ref())
                    } else {
                        "nothing".into()
                    }
                )
            } else {
                format!("{n} cannot be enabled: depends on {}", vis.join(" || "))
            }
        }
        Want::AtMost(_) => off_text(p.cfg, s),
    }
}

/// Why a symbol stays on: what selects it, or the default it takes without a usable prompt.
fn off_text(cfg: &Config<'_>, s: SymbolId) -> String {
    let m = cfg.model();
    let sym = m.sym(s);
    let n = sym.name.clone().unwrap_or_default();
    match &sym.rev_dep {
        Some(e) if cfg.state(s).rev_dep > Tristate::No => format!(
            "{n} cannot be turned off: selected by {}",
            describe(cfg, Some(e))
        ),
        _ if prompts(m, s).next().is_none() => {
            format!("{n} cannot be turned off: it has no prompt and its default is on")
        }
        _ => format!("{n} cannot be turned off: its prompt is hidden and its default is on"),
    }
}

/// The dependencies of an unmet requirement, with values.
fn explain_unmet(cfg: &mut Config<'_>, r: &Resolved) -> String {
    let m = cfg.model();
    let mut parts = Vec::new();
    for &s in &r.syms {
        let sym = m.sym(s);
        let n = sym.name.clone().unwrap_or_default();
        let v = tri(cfg, s);
        match r.want {
            Want::AtLeast(_) => parts.push(format!(
                "{n}={} (depends on {})",
                kconfig_parser::eval::tri_str(v),
                describe(cfg, sym.dir_dep.as_ref())
            )),
            Want::AtMost(_) => parts.push(format!(
                "{n}={}: {}",
                kconfig_parser::eval::tri_str(v),
                off_text(cfg, s)
            )),
        }
    }
    parts.join("; ")
}
