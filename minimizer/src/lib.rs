//! The minimizer: from hardware and workload requirements, the smallest valid configuration
//! of a tree that meets them, with a reason for every option that stays on; and config drift.
//!
//! Data flow: profiles → [`requirements::resolve`] → [`solve::solve`] (goals planned on the
//! dependency expressions, recomputed with the kernel's semantics each round) →
//! [`minimality::minimize`] (no single user-settable option can be lowered) → the `.config`
//! conf writes for the result ([`assignment::Evaluator::config_text`]) and a
//! [`report::Report`].

pub mod assignment;
pub mod drift;
pub mod explain;
pub mod fleet;
pub mod minimality;
pub mod planner;
pub mod reasons;
pub mod report;
pub mod requirements;
pub mod selection;
pub mod solve;
pub mod why;

use std::time::Instant;

use rustc_hash::FxHashSet;

use hw_profiles::Requirement;
use kconfig_parser::eval::{Config, Tristate};
use kconfig_parser::expr_simplify::KernelVersion;
use kconfig_parser::model::{Model, SymbolId, SymbolType};

use assignment::{tri, Assignment, Evaluator, Value};
use planner::{Preference, Uniform};
use requirements::{ModulesPolicy, Policy, Resolved};
use solve::{Cause, Solution, SolveError};

/// How to minimize.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub policy: Policy,
    /// Prune mode: the base configuration (`.config` text) and its name; the result keeps
    /// only what the requirements need, preferring what the base has on.
    pub base: Option<(String, Vec<u8>)>,
}

/// The result of a minimize run.
pub struct Minimized {
    /// The `.config`, as conf writes it.
    pub config: String,
    /// The values the solver set: `KCONFIG_ALLCONFIG=FRAGMENT make allnoconfig` reproduces
    /// the result with the tree's own tools.
    pub fragment: String,
    pub report: report::Report,
}

/// Prefers what the base configuration has on.
struct BasePreference {
    on: FxHashSet<SymbolId>,
}

impl Preference for BasePreference {
    fn cost(&self, s: SymbolId) -> f64 {
        if self.on.contains(&s) {
            0.5
        } else {
            1.0
        }
    }
}

/// Adds the base's choice members and int/hex/string values to a solution where the result
/// shows them, keeping them only when every requirement still holds.
fn carry_base_values(
    ev: &Evaluator<'_>,
    base: &mut Config<'_>,
    reqs: &[Resolved],
    sol: &mut Solution,
) {
    let m = ev.model();
    let mut cfg = ev.config(&sol.assign);
    let mut extra = sol.assign.clone();
    let mut added = Vec::new();
    for i in 0..m.symbols.len() as u32 {
        let s = SymbolId(i);
        let sym = m.sym(s);
        if sym.name.is_none() || sym.is_const() || sol.assign.get(s).is_some() {
            continue;
        }
        cfg.sym_calc_value(s);
        if cfg.state(s).visible == Tristate::No {
            continue;
        }
        match sym.ty {
            SymbolType::Int | SymbolType::Hex | SymbolType::String => {
                let v = base.sym_get_string_value(s).to_string();
                if base.flags(s) & kconfig_parser::model::flags::DEF_USER != 0
                    && v != cfg.sym_get_string_value(s)
                {
                    extra.set(s, Value::Text(v));
                    added.push(s);
                }
            }
            SymbolType::Bool | SymbolType::Tristate
                if cfg.sym_is_choice_value(s) && tri(base, s) == Tristate::Yes =>
            {
                extra.set(s, Value::Tri(Tristate::Yes));
                added.push(s);
            }
            _ => {}
        }
    }
    let mut check = ev.config(&extra);
    if reqs
        .iter()
        .all(|r| !solve::is_met(&mut cfg, r) || solve::is_met(&mut check, r))
    {
        sol.assign = extra;
        for s in added {
            sol.causes.insert(s, Cause::Base);
        }
    }
}

/// Minimizes a tree's configuration for requirements.
pub fn minimize(
    model: &Model,
    version: KernelVersion,
    requirements: &[Requirement],
    opts: &Options,
) -> Result<Minimized, SolveError> {
    let t0 = Instant::now();
    let ev = Evaluator::new(model, version);
    let reqs = requirements::resolve(model, requirements, opts.policy);
    let mut base_cfg = opts.base.as_ref().map(|(_, text)| ev.read(text));
    let t_setup = t0.elapsed();
    let t = Instant::now();
    let mut sol = match &mut base_cfg {
        Some(base) => {
            let on: FxHashSet<SymbolId> = (0..model.symbols.len() as u32)
                .map(SymbolId)
                .filter(|&s| base.sym_get_tristate_value(s) > Tristate::No)
                .collect();
            let pref = BasePreference { on };
            solve::solve(&ev, &reqs, opts.policy, &pref, Assignment::default())?
        }
        None => solve::solve(&ev, &reqs, opts.policy, &Uniform, Assignment::default())?,
    };
    if let Some(base) = &mut base_cfg {
        carry_base_values(&ev, base, &reqs, &mut sol);
    }
    let t_solve = t.elapsed();
    let t = Instant::now();
    let influence = minimality::Influence::new(model);
    let mut pinned: FxHashSet<SymbolId> = FxHashSet::default();
    if opts.policy.modules == ModulesPolicy::Prefer || opts.policy.modules == ModulesPolicy::None {
        pinned.insert(model.modules_sym);
    }
    let modules_allowed = opts.policy.modules != ModulesPolicy::None;
    let (config, assign, stats) = minimality::minimize(
        &ev,
        &influence,
        &reqs,
        sol.assign.clone(),
        modules_allowed,
        &pinned,
    );
    sol.assign = assign;
    let t_min = t.elapsed();
    let t = Instant::now();
    let mut cfg = ev.read(config.as_bytes());
    let symbols = reasons::reasons(&mut cfg, &sol.causes, &reqs);
    let fragment = sol.assign.fragment(model, "CONFIG_");
    let report = report::Report::build(report::ReportInput {
        cfg: &mut cfg,
        reqs: &reqs,
        sol: &sol,
        symbols,
        stats,
        base: base_cfg.as_mut(),
        policy: opts.policy,
        timings: report::Timings {
            setup_ms: t_setup.as_secs_f64() * 1e3,
            solve_ms: t_solve.as_secs_f64() * 1e3,
            minimality_ms: t_min.as_secs_f64() * 1e3,
            output_ms: t.elapsed().as_secs_f64() * 1e3,
        },
    });
    Ok(Minimized {
        config,
        fragment,
        report,
    })
}
