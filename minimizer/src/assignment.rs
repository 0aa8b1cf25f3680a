//! The values the minimizer chooses, and the configuration they make.
//!
//! A minimized configuration is described by the few values the solver sets; every other
//! bool and tristate symbol is left at `n` where the user could set it, exactly as
//! `KCONFIG_ALLCONFIG=FRAGMENT make allnoconfig` does (tinyconfig works the same way). The
//! configuration is therefore reproducible with the kernel's own tools from the fragment alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use kconfig_parser::confdata::{
    conf_read, conf_read_text, config_text, escape_string_value, ConfEnv,
};
use kconfig_parser::eval::{Config, DefSlot, EvalPlan, Tristate};
use kconfig_parser::expr_simplify::KernelVersion;
use kconfig_parser::model::{Model, SymbolId, SymbolType};
use kconfig_parser::targets::rand::GlibcRand;
use kconfig_parser::targets::{conf_set_all_new_symbols, DefMode, Probability};

/// One value the solver sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A bool or tristate value.
    Tri(Tristate),
    /// The text of an int, hex or string symbol (as a .config holds it, unescaped).
    Text(String),
}

/// The user values of a configuration: what the fragment given to allnoconfig holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
    values: BTreeMap<SymbolId, Value>,
}

impl Assignment {
    /// The value set for a symbol, if any.
    pub fn get(&self, s: SymbolId) -> Option<&Value> {
        self.values.get(&s)
    }

    /// The tristate value set for a symbol, if any.
    pub fn tri(&self, s: SymbolId) -> Option<Tristate> {
        match self.values.get(&s) {
            Some(Value::Tri(t)) => Some(*t),
            _ => None,
        }
    }

    /// Sets a value; returns whether it changed anything.
    pub fn set(&mut self, s: SymbolId, v: Value) -> bool {
        self.values.insert(s, v.clone()) != Some(v)
    }

    /// Forgets the value of a symbol (it goes back to allnoconfig's `n`).
    pub fn remove(&mut self, s: SymbolId) -> Option<Value> {
        self.values.remove(&s)
    }

    /// Every value set, by symbol id.
    pub fn iter(&self) -> impl Iterator<Item = (SymbolId, &Value)> {
        self.values.iter().map(|(s, v)| (*s, v))
    }

    /// How many values are set.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no value is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The fragment, as a `.config` excerpt (`CONFIG_X=y`, `# CONFIG_Y is not set`), in
    /// symbol-name order: what `KCONFIG_ALLCONFIG` is given to reproduce the result.
    pub fn fragment(&self, m: &Model, prefix: &str) -> String {
        let mut lines: Vec<(String, String)> = Vec::new();
        for (s, v) in &self.values {
            let Some(name) = m.sym(*s).name.as_deref() else {
                continue;
            };
            let line = match v {
                Value::Tri(Tristate::No) => format!("# {prefix}{name} is not set\n"),
                Value::Tri(Tristate::Mod) => format!("{prefix}{name}=m\n"),
                Value::Tri(Tristate::Yes) => format!("{prefix}{name}=y\n"),
                Value::Text(t) => match m.sym(*s).ty {
                    SymbolType::String => {
                        format!("{prefix}{name}={}\n", escape_string_value(t))
                    }
                    _ => format!("{prefix}{name}={t}\n"),
                },
            };
            lines.push((name.to_string(), line));
        }
        lines.sort();
        lines.into_iter().map(|(_, l)| l).collect()
    }
}

/// Builds configurations of one model from assignments.
#[derive(Clone)]
pub struct Evaluator<'m> {
    model: &'m Model,
    version: KernelVersion,
    plan: Arc<EvalPlan>,
    /// Where unset symbols come from: None for allnoconfig's `n`; else a `.config` whose
    /// values the assignment overrides, the rest taking defaults as olddefconfig gives them.
    base: Option<Arc<Vec<u8>>>,
}

impl<'m> Evaluator<'m> {
    /// An evaluator for a model of the given release (the release picks the rules).
    pub fn new(model: &'m Model, version: KernelVersion) -> Self {
        Evaluator {
            model,
            version,
            plan: Arc::new(EvalPlan::new(model)),
            base: None,
        }
    }

    /// An evaluator whose configurations start from an existing `.config` (olddefconfig of
    /// it, with the assignment's values read after its own), for questions about that config.
    pub fn with_base(model: &'m Model, version: KernelVersion, base: Vec<u8>) -> Self {
        Evaluator {
            base: Some(Arc::new(base)),
            ..Self::new(model, version)
        }
    }

    /// The model.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// The release.
    pub fn version(&self) -> KernelVersion {
        self.version
    }

    /// A configuration in the state conf_parse leaves, sharing the compiled expressions.
    pub fn fresh(&self) -> Config<'m> {
        Config::with_plan(self.model, self.version, self.plan.clone())
    }

    /// The configuration of an assignment: conf's `--allnoconfig` with the assignment as
    /// `KCONFIG_ALLCONFIG` (read into the user values, then every other bool and tristate
    /// symbol set to `n`, then choices settled); with a base, olddefconfig of the base with
    /// the assignment read after it. Values are computed lazily on access.
    pub fn config(&self, a: &Assignment) -> Config<'m> {
        let mut cfg = self.fresh();
        let text = a.fragment(self.model, "CONFIG_");
        if let Some(base) = &self.base {
            // A later assignment of a symbol overrides an earlier one, as in conf_read.
            let mut all = base.to_vec();
            all.push(b'\n');
            all.extend_from_slice(text.as_bytes());
            return self.read(&all);
        }
        conf_read_text(
            &mut cfg,
            "<minimizer>",
            text.as_bytes(),
            DefSlot::User,
            false,
        );
        let mut rng = GlibcRand::new(1);
        conf_set_all_new_symbols(&mut cfg, DefMode::No, Probability::default(), &mut rng);
        cfg
    }

    /// A configuration file as conf's `conf_read` reads it (then olddefconfig would write it):
    /// the file, MODULES computed first, then every symbol in conf's order.
    pub fn read(&self, text: &[u8]) -> Config<'m> {
        let mut cfg = self.fresh();
        let mut env = ConfEnv::new("/", std::iter::empty());
        env.in_memory = true;
        let name = "/ktailor-minimizer/input.config";
        env.overlay.insert(name.into(), text.to_vec());
        // The file is in memory: reading it cannot fail.
        let _ = conf_read(&mut cfg, &env, Some(name));
        cfg
    }

    /// The `.config` text of an assignment, byte for byte what conf writes for it.
    pub fn config_text(&self, a: &Assignment) -> String {
        let mut cfg = self.config(a);
        config_text(&mut cfg)
    }
}

/// The computed tristate value of a symbol.
pub fn tri(cfg: &mut Config<'_>, s: SymbolId) -> Tristate {
    cfg.sym_calc_value(s);
    cfg.sym_get_tristate_value(s)
}
