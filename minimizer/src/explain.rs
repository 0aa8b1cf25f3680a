//! `ktailor explain`: why a symbol has its value in a configuration ([`crate::why`]), and what
//! it would take to change it: the values to set (planned by the solver against that very
//! configuration) and everything else the change turns on or off.

use kconfig_parser::eval::{tri_str, Tristate};
use kconfig_parser::expr_simplify::KernelVersion;
use kconfig_parser::model::{Model, SymbolId, SymbolType};

use crate::assignment::{tri, Assignment, Evaluator, Value};
use crate::planner::{Uniform, Want};
use crate::requirements::{ModulesPolicy, Policy, Resolved};
use crate::why::{provenance, Provenance};

/// What changing the symbol would take.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Change {
    /// The value aimed at (`y`, or `n` for a symbol that is on).
    pub to: String,
    /// Whether it can be done.
    pub possible: bool,
    /// The values to set, `NAME=value`, or why it cannot be done.
    pub set: Vec<String>,
    /// Why not, when it cannot.
    pub blocked_by: Option<String>,
    /// Other symbols the change turns on or changes (`NAME=value`).
    pub turns_on: Vec<String>,
    /// Other symbols the change turns off.
    pub turns_off: Vec<String>,
}

/// The answer of `ktailor explain`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Explanation {
    pub provenance: Provenance,
    /// For a bool or tristate symbol: what turning it on (or off) would take.
    pub change: Option<Change>,
}

/// Explains `name` in the configuration `config` (the text of a .config) of a model.
pub fn explain(model: &Model, version: KernelVersion, config: &[u8], name: &str) -> Explanation {
    let ev = Evaluator::with_base(model, version, config.to_vec());
    let mut cfg = ev.config(&Assignment::default());
    let name = name.strip_prefix("CONFIG_").unwrap_or(name);
    let Some(s) = model
        .find(name)
        .filter(|s| model.sym(*s).ty != SymbolType::Unknown)
    else {
        return Explanation {
            provenance: Provenance::undefined(name),
            change: None,
        };
    };
    let prov = provenance(&mut cfg, s);
    let change = matches!(model.sym(s).ty, SymbolType::Bool | SymbolType::Tristate)
        .then(|| plan_change(&ev, s));
    Explanation {
        provenance: prov,
        change,
    }
}

/// What turning `s` on (when off) or off (when on) takes, found by the solver against the
/// configuration itself.
fn plan_change(ev: &Evaluator<'_>, s: SymbolId) -> Change {
    let m = ev.model();
    let mut before = ev.config(&Assignment::default());
    let now = tri(&mut before, s);
    let want = if now == Tristate::No {
        Want::AtLeast(Tristate::Yes)
    } else {
        Want::AtMost(Tristate::No)
    };
    let name = m.sym(s).name.clone().unwrap_or_default();
    let req = Resolved {
        req: hw_profiles::Requirement {
            symbols: vec![name.clone()],
            level: if now == Tristate::No {
                hw_profiles::Level::Y
            } else {
                hw_profiles::Level::Off
            },
            recommended: false,
            root: false,
            reason: "explain".into(),
            source: String::new(),
            arches: Vec::new(),
            profile: "explain".into(),
        },
        syms: vec![s],
        names: vec![name],
        missing: Vec::new(),
        want,
        met: want,
    };
    let policy = Policy {
        modules: ModulesPolicy::Allowed,
        initramfs: false,
    };
    let to = if now == Tristate::No { "y" } else { "n" }.to_string();
    match crate::solve::solve(
        ev,
        std::slice::from_ref(&req),
        policy,
        &Uniform,
        Assignment::default(),
    ) {
        Err(e) => Change {
            to,
            possible: false,
            set: Vec::new(),
            blocked_by: Some(
                e.to_string()
                    .lines()
                    .skip(1)
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            turns_on: Vec::new(),
            turns_off: Vec::new(),
        },
        Ok(sol) => {
            let mut after = ev.config(&sol.assign);
            let set = sol
                .assign
                .iter()
                .filter_map(|(x, v)| {
                    let n = m.sym(x).name.as_ref()?;
                    Some(match v {
                        Value::Tri(t) => format!("{n}={}", tri_str(*t)),
                        Value::Text(t) => format!("{n}={t}"),
                    })
                })
                .collect();
            let (mut on, mut off) = (Vec::new(), Vec::new());
            for i in 0..m.symbols.len() as u32 {
                let x = SymbolId(i);
                let sym = m.sym(x);
                let Some(n) = &sym.name else { continue };
                if x == s
                    || sym.is_const()
                    || !matches!(sym.ty, SymbolType::Bool | SymbolType::Tristate)
                    || sol.assign.get(x).is_some()
                {
                    continue;
                }
                let (a, b) = (tri(&mut before, x), tri(&mut after, x));
                if a == b {
                    continue;
                }
                if b == Tristate::No {
                    off.push(n.clone());
                } else {
                    on.push(format!("{n}={}", tri_str(b)));
                }
            }
            on.sort();
            off.sort();
            Change {
                to,
                possible: true,
                set,
                blocked_by: None,
                turns_on: on,
                turns_off: off,
            }
        }
    }
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.provenance)?;
        let Some(c) = &self.change else {
            return Ok(());
        };
        writeln!(f)?;
        if !c.possible {
            return writeln!(
                f,
                "To make it {}: not possible here: {}",
                c.to,
                c.blocked_by.as_deref().unwrap_or("no route")
            );
        }
        writeln!(f, "To make it {}: set {}", c.to, c.set.join(" "))?;
        if !c.turns_on.is_empty() {
            writeln!(
                f,
                "  which also turns on ({}): {}",
                c.turns_on.len(),
                c.turns_on.join(" ")
            )?;
        }
        if !c.turns_off.is_empty() {
            writeln!(
                f,
                "  which also turns off ({}): {}",
                c.turns_off.len(),
                c.turns_off.join(" ")
            )?;
        }
        Ok(())
    }
}
