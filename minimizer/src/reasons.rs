//! Why each enabled symbol of a minimized configuration is on: the requirement that names it,
//! the chain of dependencies that leads to one, the symbols that select or imply it, or the
//! default it takes because the user cannot change it.

use rustc_hash::FxHashMap;

use kconfig_parser::eval::{tri_str, Config, Tristate};
use kconfig_parser::expr::Expr;
use kconfig_parser::model::SymbolId;

use crate::assignment::tri;
use crate::planner::{describe, prompts, Route};
use crate::requirements::Resolved;
use crate::solve::Cause;

/// One enabled symbol and why it is on.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SymbolReason {
    /// The name, without CONFIG_.
    pub symbol: String,
    /// `y` or `m`.
    pub value: String,
    /// Why, most direct first; each is a sentence.
    pub reasons: Vec<String>,
}

/// The terms of an `||` chain whose value is at least m, by their first symbol: for `rev_dep`
/// (`A && cond || B`) these are the active selectors.
pub fn active_terms(cfg: &mut Config<'_>, e: Option<&Expr>) -> Vec<SymbolId> {
    let mut out = Vec::new();
    let mut terms: Vec<&Expr> = Vec::new();
    if let Some(e) = e {
        split_or(e, &mut terms);
    }
    for t in terms {
        if cfg.expr_calc_value(Some(t)) == Tristate::No {
            continue;
        }
        if let Some(s) = first_symbol(t) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

fn split_or<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Or(a, b) => {
            split_or(a, out);
            split_or(b, out);
        }
        other => out.push(other),
    }
}

fn first_symbol(e: &Expr) -> Option<SymbolId> {
    match e {
        Expr::Symbol(s) => Some(*s),
        Expr::And(a, _) => first_symbol(a),
        _ => None,
    }
}

fn name_of(cfg: &Config<'_>, s: SymbolId) -> String {
    cfg.model()
        .sym(s)
        .name
        .clone()
        .unwrap_or_else(|| "<choice>".into())
}

/// The chain of causes from a symbol up to the requirement it serves:
/// `needed by NVME_CORE ← needed by BLK_DEV_NVME ← required by ec2-nitro-x86_64`.
fn chain(
    cfg: &mut Config<'_>,
    causes: &FxHashMap<SymbolId, Cause>,
    reqs: &[Resolved],
    s: SymbolId,
) -> Option<String> {
    let mut parts = Vec::new();
    let mut cur = s;
    for _ in 0..32 {
        match causes.get(&cur)? {
            Cause::Requirement(i) => {
                if parts.is_empty() {
                    return None; // said by the requirement reason itself
                }
                parts.push(format!("required by {}", reqs[*i].req.profile));
                break;
            }
            Cause::NeededBy(parent, route) => {
                let p = name_of(cfg, *parent);
                let text = match route {
                    Route::Prompt => {
                        let m = cfg.model();
                        let vis = prompts(m, *parent)
                            .next()
                            .and_then(|q| m.prop(q).visible.as_ref());
                        format!("{p} depends on it ({})", describe(cfg, vis))
                    }
                    Route::Default => format!("the default of {p} needs it"),
                    Route::Select => format!("it selects {p}"),
                    Route::Lower => format!("{p} must stay off"),
                };
                parts.push(text);
                cur = *parent;
            }
            Cause::Policy => {
                parts.push("the modules policy".into());
                break;
            }
            Cause::Base => {
                parts.push("kept from the base configuration".into());
                break;
            }
        }
    }
    Some(parts.join(" ← "))
}

/// The reasons of every enabled (y or m) symbol of a configuration, in name order.
pub fn reasons(
    cfg: &mut Config<'_>,
    causes: &FxHashMap<SymbolId, Cause>,
    reqs: &[Resolved],
) -> Vec<SymbolReason> {
    let m = cfg.model();
    let mut by_sym: FxHashMap<SymbolId, Vec<usize>> = FxHashMap::default();
    for (i, r) in reqs.iter().enumerate() {
        for &s in &r.syms {
            by_sym.entry(s).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for i in 0..m.symbols.len() as u32 {
        let s = SymbolId(i);
        let sym = m.sym(s);
        let Some(name) = sym.name.clone() else {
            continue;
        };
        if sym.is_const() || sym.menus.is_empty() {
            continue;
        }
        let v = tri(cfg, s);
        if v == Tristate::No || cfg.flags(s) & kconfig_parser::model::flags::WRITE == 0 {
            continue;
        }
        let mut rs = Vec::new();
        for &ri in by_sym.get(&s).map(Vec::as_slice).unwrap_or(&[]) {
            let r = &reqs[ri].req;
            rs.push(format!(
                "required by {}: {} [{}]",
                r.profile, r.reason, r.source
            ));
        }
        if let Some(c) = chain(cfg, causes, reqs, s) {
            rs.push(format!("needed: {c}"));
        }
        let st = cfg.state(s).clone();
        if st.rev_dep > Tristate::No {
            let sel: Vec<String> = active_terms(cfg, sym.rev_dep.as_ref())
                .into_iter()
                .map(|x| format!("{} [={}]", name_of(cfg, x), tri_str(tri(cfg, x))))
                .collect();
            rs.push(format!("selected by {}", sel.join(", ")));
        }
        if st.implied > Tristate::No {
            let imp: Vec<String> = active_terms(cfg, sym.implied.as_ref())
                .into_iter()
                .map(|x| name_of(cfg, x))
                .collect();
            rs.push(format!("implied by {}", imp.join(", ")));
        }
        if cfg.sym_is_choice_value(s) {
            rs.push("the member chosen in its choice".into());
        }
        let has_prompt = prompts(m, s).next().is_some();
        if rs.is_empty() || (st.rev_dep == Tristate::No && st.visible == Tristate::No) {
            if !has_prompt {
                rs.push(format!(
                    "default {}: no prompt, so not user-changeable",
                    tri_str(v)
                ));
            } else if st.visible == Tristate::No {
                let vis: Vec<String> = prompts(m, s)
                    .map(|p| describe(cfg, m.prop(p).visible.as_ref()))
                    .collect();
                rs.push(format!(
                    "default {}: its prompt is hidden (depends on {}), so not user-changeable",
                    tri_str(v),
                    vis.join(" || ")
                ));
            } else if rs.is_empty() {
                rs.push("set in the base configuration".into());
            }
        }
        out.push(SymbolReason {
            symbol: name,
            value: tri_str(v).to_string(),
            reasons: rs,
        });
    }
    out.sort_by(|a, b| a.symbol.cmp(&b.symbol));
    out
}
