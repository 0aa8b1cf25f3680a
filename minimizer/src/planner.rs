//! What must change for a symbol to reach a value: the routes Kconfig offers (a visible prompt
//! the user sets, a default whose condition holds, a `select` from another symbol), and the
//! dependency expressions each route needs, turned into goals on other symbols.
//!
//! The planner reads values from a computed [`Config`]: a goal says "raise this symbol to at
//! least y/m" or "keep it at most n/m". Where an `||` offers alternatives it picks the one
//! with the fewest symbols to change, looking a few levels down (with the base config's values
//! preferred when pruning). The solver applies the goals, recomputes, and asks again, so an
//! estimate that was wrong costs another round, never a wrong answer.

use rustc_hash::FxHashMap;

use kconfig_parser::eval::{Config, Tristate};
use kconfig_parser::expr::{CmpOp, Expr};
use kconfig_parser::expr_print::{expr_gstr_print, Gstr};
use kconfig_parser::model::{
    Model, PropId, PropKind, SymbolId, SymbolType, SYM_MOD, SYM_NO, SYM_YES,
};

/// What a goal asks of a symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Want {
    /// At least this value (m or y).
    AtLeast(Tristate),
    /// At most this value (n or m).
    AtMost(Tristate),
}

impl Want {
    /// Whether a value meets the goal.
    pub fn met_by(self, v: Tristate) -> bool {
        match self {
            Want::AtLeast(w) => v >= w,
            Want::AtMost(w) => v <= w,
        }
    }
}

/// How a symbol is to reach its goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// The user sets it through its prompt, which needs the prompt's dependencies.
    Prompt,
    /// A default gives it the value once the default's condition holds.
    Default,
    /// Another symbol selects it.
    Select,
    /// The user sets it to n (or m) through its prompt.
    Lower,
}

/// A step of a plan: a goal on a symbol and the dependency it comes from.
#[derive(Clone, Debug)]
pub struct Step {
    pub sym: SymbolId,
    pub want: Want,
}

/// The routes to raise or lower one symbol, each with the goals it needs.
#[derive(Clone, Debug)]
pub struct Plan {
    pub route: Route,
    /// Goals on other symbols (the symbol's own user value is set by the solver for
    /// [`Route::Prompt`] and [`Route::Lower`]).
    pub steps: Vec<Step>,
}

/// Prefers some symbols over others where an `||` offers a choice (the prune mode's base).
pub trait Preference {
    /// A cost below 1.0 for symbols the caller would rather turn on.
    fn cost(&self, s: SymbolId) -> f64;
}

/// Every symbol costs the same.
pub struct Uniform;

impl Preference for Uniform {
    fn cost(&self, _: SymbolId) -> f64 {
        1.0
    }
}

/// Plans goals against one computed configuration.
pub struct Planner<'c, 'm, P: Preference> {
    pub cfg: &'c mut Config<'m>,
    pub pref: &'c P,
    /// Whether tristate symbols may be modules (MODULES is or will be on).
    pub modules: bool,
    memo: FxHashMap<(SymbolId, Want), f64>,
    /// Symbols whose plan is being estimated (a cycle costs infinity).
    active: Vec<SymbolId>,
}

/// How far down [`Planner::estimate`] looks.
const DEPTH: u32 = 4;

impl<'c, 'm, P: Preference> Planner<'c, 'm, P> {
    /// A planner over a configuration.
    pub fn new(cfg: &'c mut Config<'m>, pref: &'c P, modules: bool) -> Self {
        Planner {
            cfg,
            pref,
            modules,
            memo: FxHashMap::default(),
            active: Vec::new(),
        }
    }

    /// The current value of a symbol.
    pub fn value(&mut self, s: SymbolId) -> Tristate {
        self.cfg.sym_calc_value(s);
        self.cfg.sym_get_tristate_value(s)
    }

    /// The level a goal really needs: a bool at m is a bool at y, and without modules every
    /// tristate goal is y.
    fn normalize(&self, s: SymbolId, want: Want) -> Want {
        match want {
            Want::AtLeast(Tristate::Mod)
                if !self.modules || self.cfg.model().sym(s).ty != SymbolType::Tristate =>
            {
                Want::AtLeast(Tristate::Yes)
            }
            w => w,
        }
    }

    /// The routes that give `s` the value `want`, cheapest first; empty when there is none.
    pub fn routes(&mut self, s: SymbolId, want: Want) -> Vec<(f64, Plan)> {
        let want = self.normalize(s, want);
        let mut costed: Vec<(f64, Plan)> = self
            .alternatives(s, want)
            .into_iter()
            .map(|p| (self.plan_cost(&p), p))
            .filter(|(c, _)| c.is_finite())
            .collect();
        costed.sort_by(|a, b| a.0.total_cmp(&b.0));
        costed
    }

    /// Every route Kconfig offers `s` to meet a (normalized) goal, with the goals each needs.
    fn alternatives(&mut self, s: SymbolId, want: Want) -> Vec<Plan> {
        let m = self.cfg.model();
        let sym = m.sym(s);
        let mut out = Vec::new();
        match want {
            Want::AtLeast(w) => {
                let prompts: Vec<_> = prompts(m, s).collect();
                for p in &prompts {
                    if let Some(mut steps) = self.need(m.prop(*p).visible.as_ref(), w) {
                        if w == Tristate::Mod && m.modules_sym != SYM_NO {
                            steps.push(Step {
                                sym: m.modules_sym,
                                want: Want::AtLeast(Tristate::Yes),
                            });
                        }
                        out.push(Plan {
                            route: Route::Prompt,
                            steps,
                        });
                    }
                }
                // A default applies when no prompt is visible: only worth planning when no
                // prompt is visible now.
                let prompt_visible = self.cfg.state(s).visible > Tristate::No;
                if !prompt_visible && sym.ty != SymbolType::Unknown {
                    for p in sym.props.iter().copied() {
                        let prop = m.prop(p);
                        if prop.kind != PropKind::Default {
                            continue;
                        }
                        let value = self.need(prop.expr.as_ref(), w);
                        let cond = self.need(prop.visible.as_ref(), w);
                        if let (Some(mut a), Some(b)) = (value, cond) {
                            a.extend(b);
                            out.push(Plan {
                                route: Route::Default,
                                steps: a,
                            });
                        }
                        // Only the first default whose condition holds counts; later ones are
                        // still alternatives when the earlier condition can stay false.
                    }
                }
                if let Some(steps) = self.need(sym.rev_dep.as_ref(), w) {
                    if sym.rev_dep.is_some() {
                        out.push(Plan {
                            route: Route::Select,
                            steps,
                        });
                    }
                }
            }
            Want::AtMost(w) => {
                // Held up by select: every active selector must go down. (No rev_dep means
                // nothing selects it; expr_calc_value would read a missing expression as y.)
                let rev = match &sym.rev_dep {
                    Some(e) => self.cfg.expr_calc_value(Some(e)),
                    None => Tristate::No,
                };
                let mut steps = Vec::new();
                if rev > w {
                    match self.lower(sym.rev_dep.as_ref(), w) {
                        Some(s) => steps = s,
                        None => return Vec::new(),
                    }
                }
                out.push(Plan {
                    route: Route::Lower,
                    steps,
                });
            }
        }
        out
    }

    fn plan_cost(&mut self, p: &Plan) -> f64 {
        let mut c = 0.0;
        for st in &p.steps {
            c += self.estimate(st.sym, st.want, DEPTH);
            if !c.is_finite() {
                break;
            }
        }
        c
    }

    /// A guess at how many symbols must change for `s` to meet `want` (0 when it does;
    /// infinity when it cannot), looking `depth` levels down.
    pub fn estimate(&mut self, s: SymbolId, want: Want, depth: u32) -> f64 {
        if want.met_by(self.value(s)) {
            return 0.0;
        }
        if s == SYM_YES || s == SYM_MOD || s == SYM_NO {
            return f64::INFINITY;
        }
        if self.active.contains(&s) {
            return f64::INFINITY;
        }
        let own = self.pref.cost(s);
        if depth == 0 {
            return own;
        }
        if let Some(c) = self.memo.get(&(s, want)) {
            return *c;
        }
        self.active.push(s);
        let want = self.normalize(s, want);
        let best = {
            let alts: Vec<Vec<Step>> = self
                .alternatives(s, want)
                .into_iter()
                .map(|p| p.steps)
                .collect();
            let mut best = f64::INFINITY;
            for alt in alts {
                let mut c = own;
                for st in &alt {
                    c += self.estimate(st.sym, st.want, depth - 1);
                    if c >= best {
                        break;
                    }
                }
                best = best.min(c);
            }
            best
        };
        self.active.pop();
        self.memo.insert((s, want), best);
        best
    }

    /// Goals that make `e` evaluate to at least `want`; `None` when it cannot (a constant
    /// `n`, or a comparison of values the solver does not set).
    pub fn need(&mut self, e: Option<&Expr>, want: Tristate) -> Option<Vec<Step>> {
        let Some(e) = e else {
            return Some(Vec::new());
        };
        if self.cfg.expr_calc_value(Some(e)) >= want {
            return Some(Vec::new());
        }
        match e {
            Expr::Symbol(s) => self.raise_sym(*s, want),
            Expr::Not(a) => self.lower(Some(a), not(want)),
            Expr::And(a, b) => {
                let mut x = self.need(Some(a), want)?;
                x.extend(self.need(Some(b), want)?);
                Some(x)
            }
            Expr::Or(a, b) => {
                let x = self.need(Some(a), want);
                let y = self.need(Some(b), want);
                self.cheaper(x, y)
            }
            Expr::Cmp(op, a, b) => self.need_cmp(*op, *a, *b, true),
            Expr::Range(..) | Expr::List(_) => None,
        }
    }

    /// Goals that make `e` evaluate to at most `max`.
    pub fn lower(&mut self, e: Option<&Expr>, max: Tristate) -> Option<Vec<Step>> {
        let Some(e) = e else {
            return (max == Tristate::Yes).then(Vec::new);
        };
        if self.cfg.expr_calc_value(Some(e)) <= max {
            return Some(Vec::new());
        }
        match e {
            Expr::Symbol(s) => {
                if *s == SYM_YES || *s == SYM_MOD {
                    return None;
                }
                Some(vec![Step {
                    sym: *s,
                    want: Want::AtMost(max),
                }])
            }
            Expr::Not(a) => self.need(Some(a), not(max)),
            Expr::Or(a, b) => {
                let mut x = self.lower(Some(a), max)?;
                x.extend(self.lower(Some(b), max)?);
                Some(x)
            }
            Expr::And(a, b) => {
                let x = self.lower(Some(a), max);
                let y = self.lower(Some(b), max);
                self.cheaper(x, y)
            }
            Expr::Cmp(op, a, b) => self.need_cmp(*op, *a, *b, false),
            Expr::Range(..) | Expr::List(_) => None,
        }
    }

    /// Of two alternatives (either side of an `||` to raise, of an `&&` to lower), the one
    /// with the fewer changes; the first on a tie.
    fn cheaper(&mut self, x: Option<Vec<Step>>, y: Option<Vec<Step>>) -> Option<Vec<Step>> {
        match (x, y) {
            (Some(x), Some(y)) => {
                let cx = self.steps_cost(&x);
                let cy = self.steps_cost(&y);
                Some(if cy < cx { y } else { x })
            }
            (x, y) => x.or(y),
        }
    }

    fn steps_cost(&mut self, steps: &[Step]) -> f64 {
        steps
            .iter()
            .map(|s| self.estimate(s.sym, s.want, DEPTH - 1))
            .sum()
    }

    fn raise_sym(&mut self, s: SymbolId, want: Tristate) -> Option<Vec<Step>> {
        if s == SYM_YES || (s == SYM_MOD && want <= Tristate::Mod) {
            return Some(Vec::new());
        }
        if s == SYM_NO || s == SYM_MOD {
            return None;
        }
        Some(vec![Step {
            sym: s,
            want: Want::AtLeast(want),
        }])
    }

    /// `a OP b` made true (or false, when `truth` is false) where one side is a tristate
    /// constant; other comparisons are met only as they stand.
    fn need_cmp(&mut self, op: CmpOp, a: SymbolId, b: SymbolId, truth: bool) -> Option<Vec<Step>> {
        let constant = |s: SymbolId| match s {
            SYM_YES => Some(Tristate::Yes),
            SYM_MOD => Some(Tristate::Mod),
            SYM_NO => Some(Tristate::No),
            _ => None,
        };
        let (var, c) = match (constant(a), constant(b)) {
            (None, Some(c)) => (a, c),
            (Some(c), None) => (b, c),
            _ => return None,
        };
        let m = self.cfg.model();
        if !matches!(m.sym(var).ty, SymbolType::Bool | SymbolType::Tristate) {
            return None;
        }
        let op = match (op, truth) {
            (CmpOp::Equal, true) | (CmpOp::Unequal, false) => CmpOp::Equal,
            (CmpOp::Unequal, true) | (CmpOp::Equal, false) => CmpOp::Unequal,
            _ => return None,
        };
        let step = |want| Some(vec![Step { sym: var, want }]);
        match (op, c) {
            (CmpOp::Equal, Tristate::Yes) => step(Want::AtLeast(Tristate::Yes)),
            (CmpOp::Equal, Tristate::No) => step(Want::AtMost(Tristate::No)),
            (CmpOp::Unequal, Tristate::No) => step(Want::AtLeast(Tristate::Mod)),
            (CmpOp::Unequal, Tristate::Yes) => step(Want::AtMost(Tristate::Mod)),
            _ => None,
        }
    }

    /// An expression with the current value of each symbol, as conf prints dependencies.
    pub fn describe(&self, e: Option<&Expr>) -> String {
        describe(self.cfg, e)
    }
}

/// The prompts of a symbol: `prompt`/type prompts, and a `menuconfig`'s prompt (P_MENU).
pub fn prompts(m: &Model, s: SymbolId) -> impl Iterator<Item = PropId> + '_ {
    m.prompts_of(s)
}

/// An expression with the current value of each symbol (`A [=y] && B [=n]`).
pub fn describe(cfg: &Config<'_>, e: Option<&Expr>) -> String {
    let mut gs = Gstr::new();
    let value = |s: SymbolId| cfg.sym_get_string_value(s).to_string();
    expr_gstr_print(cfg.model(), e, &mut gs, &value);
    gs.s
}

fn not(t: Tristate) -> Tristate {
    match t {
        Tristate::Yes => Tristate::No,
        Tristate::Mod => Tristate::Mod,
        Tristate::No => Tristate::Yes,
    }
}
