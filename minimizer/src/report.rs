//! The minimize report: counts, every requirement with its status, every enabled symbol with
//! its reasons, and the difference from the base configuration; as JSON or Markdown.

use std::fmt::Write as _;

use kconfig_parser::eval::{tri_str, Config, Tristate};
use kconfig_parser::model::{SymbolId, SymbolType};

use crate::assignment::tri;
use crate::minimality::MinimalityStats;
use crate::reasons::SymbolReason;
use crate::requirements::{Policy, Resolved};
use crate::solve::Solution;

/// Time spent in each phase, in milliseconds.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Timings {
    pub setup_ms: f64,
    pub solve_ms: f64,
    pub minimality_ms: f64,
    pub output_ms: f64,
}

/// The enabled options of the result (and of the base).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counts {
    /// Symbols at y or m.
    pub enabled: usize,
    pub builtin: usize,
    pub modules: usize,
    /// Values the solver set (the fragment's lines).
    pub solver_set: usize,
    /// Enabled symbols of the base configuration (prune mode).
    pub base_enabled: Option<usize>,
}

/// One requirement and whether the result meets it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RequirementStatus {
    pub symbols: Vec<String>,
    pub level: String,
    pub recommended: bool,
    pub profile: String,
    pub reason: String,
    pub source: String,
    /// `met`, `unmet` (recommended only) or `not in this tree`.
    pub status: String,
    /// What blocks an unmet requirement, or the names missing from the tree.
    pub note: Option<String>,
}

/// How the result differs from the base configuration.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct BaseDiff {
    /// On in the result, off in the base: `NAME=value`.
    pub added: Vec<String>,
    /// On in the base, off in the result.
    pub removed: Vec<String>,
    /// On in both with another value: `NAME base→result`.
    pub changed: Vec<String>,
}

/// The report of a minimize run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub policy: Policy,
    pub counts: Counts,
    pub requirements: Vec<RequirementStatus>,
    pub symbols: Vec<SymbolReason>,
    pub base_diff: Option<BaseDiff>,
    pub minimality: MinimalityStats,
    pub solver_rounds: usize,
    pub timings: Timings,
}

/// What [`Report::build`] reads.
pub struct ReportInput<'a, 'c, 'm> {
    pub cfg: &'a mut Config<'m>,
    pub reqs: &'a [Resolved],
    pub sol: &'a Solution,
    pub symbols: Vec<SymbolReason>,
    pub stats: MinimalityStats,
    pub base: Option<&'c mut Config<'m>>,
    pub policy: Policy,
    pub timings: Timings,
}

fn level_text(r: &Resolved) -> String {
    match r.req.level {
        hw_profiles::Level::Y => "y",
        hw_profiles::Level::YOrM => "y or m",
        hw_profiles::Level::Off => "n",
    }
    .to_string()
}

impl Report {
    /// Builds the report of a computed result.
    pub fn build(inp: ReportInput<'_, '_, '_>) -> Report {
        let ReportInput {
            cfg,
            reqs,
            sol,
            symbols,
            stats,
            base,
            policy,
            timings,
        } = inp;
        let builtin = symbols.iter().filter(|s| s.value == "y").count();
        let modules = symbols.iter().filter(|s| s.value == "m").count();
        let requirements = reqs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let unmet = sol.unmet_recommended.iter().find(|u| u.index == i);
                let (status, note) = if r.is_absent() {
                    (
                        "not in this tree".to_string(),
                        Some(format!("no symbol {} here", r.missing.join(", "))),
                    )
                } else if let Some(u) = unmet {
                    ("unmet".to_string(), Some(u.blocking.clone()))
                } else {
                    ("met".to_string(), None)
                };
                RequirementStatus {
                    symbols: if r.names.is_empty() {
                        r.req.symbols.clone()
                    } else {
                        r.names.clone()
                    },
                    level: level_text(r),
                    recommended: r.req.recommended,
                    profile: r.req.profile.clone(),
                    reason: r.req.reason.clone(),
                    source: r.req.source.clone(),
                    status,
                    note,
                }
            })
            .collect();
        let mut base_enabled = None;
        let base_diff = base.map(|b| {
            let d = diff_against(cfg, b);
            base_enabled = Some(d.1);
            d.0
        });
        Report {
            policy,
            counts: Counts {
                enabled: builtin + modules,
                builtin,
                modules,
                solver_set: sol.assign.len(),
                base_enabled,
            },
            requirements,
            symbols,
            base_diff,
            minimality: stats,
            solver_rounds: sol.rounds,
            timings,
        }
    }

    /// The report as Markdown (for a pull request or a review).
    pub fn markdown(&self, title: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {title}\n");
        let c = &self.counts;
        let _ = writeln!(
            s,
            "**{}** options enabled ({} built in, {} modules); the solver set {} values.",
            c.enabled, c.builtin, c.modules, c.solver_set
        );
        if let Some(b) = c.base_enabled {
            let _ = writeln!(s, "The base configuration enables {b}.");
        }
        let _ = writeln!(s, "\n## Requirements\n");
        let _ = writeln!(s, "| symbols | level | profile | status | reason |");
        let _ = writeln!(s, "|---|---|---|---|---|");
        for r in &self.requirements {
            let status = match &r.note {
                Some(n) => format!("{}: {}", r.status, n),
                None => r.status.clone(),
            };
            let _ = writeln!(
                s,
                "| {} | {}{} | {} | {} | {} |",
                r.symbols.join(" \\| "),
                r.level,
                if r.recommended { " (recommended)" } else { "" },
                r.profile,
                status.replace('|', "\\|"),
                r.reason.replace('|', "\\|")
            );
        }
        let _ = writeln!(s, "\n## Enabled options\n");
        let _ = writeln!(s, "| option | value | why |");
        let _ = writeln!(s, "|---|---|---|");
        for sym in &self.symbols {
            let _ = writeln!(
                s,
                "| CONFIG_{} | {} | {} |",
                sym.symbol,
                sym.value,
                sym.reasons.join("; ").replace('|', "\\|")
            );
        }
        if let Some(d) = &self.base_diff {
            let _ = writeln!(s, "\n## Against the base\n");
            let _ = writeln!(
                s,
                "{} added, {} removed, {} changed.\n",
                d.added.len(),
                d.removed.len(),
                d.changed.len()
            );
            for (what, list) in [
                ("Added", &d.added),
                ("Removed", &d.removed),
                ("Changed", &d.changed),
            ] {
                if list.is_empty() {
                    continue;
                }
                let _ = writeln!(s, "<details><summary>{what} ({})</summary>\n", list.len());
                for l in list {
                    let _ = writeln!(s, "- `{l}`");
                }
                let _ = writeln!(s, "\n</details>\n");
            }
        }
        s
    }
}

/// The bool/tristate differences between the result and the base, and the base's count of
/// enabled symbols.
fn diff_against(cfg: &mut Config<'_>, base: &mut Config<'_>) -> (BaseDiff, usize) {
    let m = cfg.model();
    let mut d = BaseDiff::default();
    let mut base_on = 0;
    for i in 0..m.symbols.len() as u32 {
        let s = SymbolId(i);
        let sym = m.sym(s);
        let Some(name) = &sym.name else { continue };
        if sym.is_const()
            || sym.menus.is_empty()
            || !matches!(sym.ty, SymbolType::Bool | SymbolType::Tristate)
        {
            continue;
        }
        let (a, b) = (tri(base, s), tri(cfg, s));
        if a > Tristate::No {
            base_on += 1;
        }
        match (a, b) {
            (x, y) if x == y => {}
            (Tristate::No, y) => d.added.push(format!("{name}={}", tri_str(y))),
            (_, Tristate::No) => d.removed.push(name.clone()),
            (x, y) => d
                .changed
                .push(format!("{name} {}→{}", tri_str(x), tri_str(y))),
        }
    }
    d.added.sort();
    d.removed.sort();
    d.changed.sort();
    (d, base_on)
}
