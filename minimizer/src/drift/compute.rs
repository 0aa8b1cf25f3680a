//! Computing a drift: the configurations evaluated on their trees (each read as conf reads a
//! .config), NEW computed by olddefconfig when it is not given, and each change explained.
//!
//! Three configurations can be involved: OLD on the old tree (`old`), OLD on the new tree
//! (`carried`: the state olddefconfig writes NEW from) and NEW on the new tree (`new`). A
//! change NEW makes itself (its line differs from what olddefconfig makes of OLD) is explained
//! by comparing `carried` with `new`; a change the upgrade makes, by comparing `old` with
//! `carried`. On one tree, `carried` is `old`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kconfig_parser::confdata::{conf_read, ConfEnv};
use kconfig_parser::eval::{Config, EvalPlan};
use kconfig_parser::expr_simplify::KernelVersion;
use kconfig_parser::loader::{LoadOptions, LoadedTree};
use kconfig_parser::targets::{run_target, Target, TargetOptions};

use super::cause::Cause;
use super::check::{belongs, same_arch, tree_label};
use super::definition::{definition_diff, Sources};
use super::diff::diff;
use super::explain::{describe, explain, Sides};
use super::rename::Renames;
use super::{Change, ConfigFile, DriftError, Report, SideInfo};
use crate::why::{provenance, Provenance};

/// A loaded tree and its compiled expressions, shared by every configuration evaluated on it.
pub struct Tree<'t> {
    /// The tree.
    pub loaded: &'t LoadedTree,
    /// The model's expressions, compiled once ([`EvalPlan`]).
    pub plan: Arc<EvalPlan>,
}

/// Where the in-memory conf runs keep their files (nothing is written there).
fn scratch_cwd() -> PathBuf {
    std::env::temp_dir().join("ktailor-drift-in-memory")
}

impl<'t> Tree<'t> {
    /// Wraps a loaded tree, compiling its expressions.
    pub fn new(loaded: &'t LoadedTree) -> Self {
        Tree {
            loaded,
            plan: Arc::new(EvalPlan::new(&loaded.model)),
        }
    }

    fn version(&self) -> KernelVersion {
        let v = &self.loaded.env.version;
        (v.version, v.patchlevel)
    }

    fn release(&self) -> String {
        self.loaded.env.version.kernelversion()
    }

    /// conf's context, holding `c` in memory as `name`: nothing is read from or written to
    /// the configuration's own file.
    fn conf_env(&self, name: &str, c: &ConfigFile) -> ConfEnv {
        let mut env = ConfEnv::from_kbuild(&self.loaded.env, scratch_cwd());
        env.in_memory = true;
        env.set("KCONFIG_CONFIG", name);
        let path = env.path(name);
        env.overlay.insert(path, c.bytes.clone());
        env
    }

    /// `c` read as conf reads a .config (`conf_read`), every symbol computed.
    pub fn read(&self, c: &ConfigFile) -> Result<Config<'t>, DriftError> {
        let env = self.conf_env("drift.config", c);
        let mut cfg = Config::with_plan(&self.loaded.model, self.version(), Arc::clone(&self.plan));
        conf_read(&mut cfg, &env, Some("drift.config"))?;
        Ok(cfg)
    }

    /// What `make olddefconfig` writes for `c` on this tree, run in memory.
    pub fn olddefconfig(&self, c: &ConfigFile) -> Result<String, DriftError> {
        let mut env = self.conf_env(".config", c);
        let opts = TargetOptions {
            plan: Some(Arc::clone(&self.plan)),
            ..Default::default()
        };
        let run = run_target(
            &self.loaded.model,
            self.version(),
            &mut env,
            &Target::OldDefConfig,
            &opts,
        )
        .map_err(|source| DriftError::Target {
            config: c.label.clone(),
            tree: tree_label(self.loaded),
            source,
        })?;
        match run.config {
            Some(text) if run.exit_code == 0 => Ok(text),
            _ => Err(DriftError::OldDefConfig {
                config: c.label.clone(),
                tree: tree_label(self.loaded),
                code: run.exit_code,
                stderr: run.stderr(),
            }),
        }
    }

    fn side(&self, config: Option<&ConfigFile>, computed: bool) -> SideInfo {
        SideInfo {
            config: config.map(|c| c.label.clone()),
            tree: self.loaded.env.tree.display().to_string(),
            release: self.release(),
            arch: self.loaded.env.arch.clone(),
            computed,
        }
    }
}

/// Loads a tree for `arch` (`None`: the host's), after checking that it is one.
pub fn load_tree(dir: &Path, arch: Option<&str>, no_cache: bool) -> Result<LoadedTree, DriftError> {
    if !dir.is_dir() {
        return Err(DriftError::TreeMissing(dir.to_path_buf()));
    }
    if !dir.join("Kconfig").is_file() || !dir.join("Makefile").is_file() {
        return Err(DriftError::NotATree(dir.to_path_buf()));
    }
    let opts = LoadOptions {
        arch: arch.map(str::to_string),
        no_cache,
        cache_dir: None,
        no_model_cache: false,
    };
    kconfig_parser::loader::load_tree(dir, &opts).map_err(|source| DriftError::Load {
        path: dir.to_path_buf(),
        source: Box::new(source),
    })
}

/// The provenance of a symbol by name (undefined when the tree does not define it).
fn prov(cfg: &mut Config<'_>, name: &str) -> Provenance {
    match cfg.model().find(name) {
        Some(s) => provenance(cfg, s),
        None => Provenance::undefined(name),
    }
}

/// Which configurations take part (boxed: a configuration is large).
enum Mode<'t> {
    /// One tree: OLD and NEW on it.
    OneTree { new: Box<Config<'t>> },
    /// Two trees, NEW computed: OLD on A, OLD on B.
    Upgrade { carried: Box<Config<'t>> },
    /// Two trees, NEW given: OLD on A, OLD on B, NEW on B.
    Both {
        carried: Box<Config<'t>>,
        new: Box<Config<'t>>,
    },
}

/// Compares OLD (on `old_tree`) with NEW (on `new_tree`); when NEW is `None`, it is what
/// olddefconfig makes of OLD on `new_tree`. The inputs are only read.
pub fn drift<'t>(
    old_tree: &Tree<'t>,
    new_tree: &Tree<'t>,
    old: &ConfigFile,
    new: Option<&ConfigFile>,
) -> Result<Report, DriftError> {
    belongs(old, old_tree.loaded)?;
    if let Some(n) = new {
        same_arch(old, n)?;
        belongs(n, new_tree.loaded)?;
    }
    let one_tree = old_tree.loaded.env.tree == new_tree.loaded.env.tree
        && old_tree.loaded.env.arch == new_tree.loaded.env.arch;
    let computed;
    let new_file = match new {
        Some(n) => n.clone(),
        None => {
            let text = new_tree.olddefconfig(old)?;
            computed = ConfigFile::parse("olddefconfig", text.into_bytes());
            computed
        }
    };
    let mut before = old_tree.read(old)?;
    let mut mode = match (one_tree, new.is_some()) {
        (true, _) => Mode::OneTree {
            new: Box::new(new_tree.read(&new_file)?),
        },
        (false, false) => Mode::Upgrade {
            carried: Box::new(new_tree.read(old)?),
        },
        (false, true) => Mode::Both {
            carried: Box::new(new_tree.read(old)?),
            new: Box::new(new_tree.read(&new_file)?),
        },
    };
    let (rel_a, rel_b) = (old_tree.release(), new_tree.release());
    let mut renames: Option<Renames> = None;
    let mut renamed_from: Option<Renames> = None;
    let mut src_a = Sources::new(&old_tree.loaded.env.tree);
    let mut src_b = Sources::new(&new_tree.loaded.env.tree);
    let mut changes = Vec::new();
    for d in diff(&old.values, &new_file.values) {
        let name = d.symbol.as_str();
        let pa = prov(&mut before, name);
        let mut causes = Vec::new();
        if pa.defined() && d.old != pa.config_value() {
            causes.push(Cause::OldNotComputed {
                tree: rel_a.clone(),
                line: d.old.clone(),
                computed: pa.config_value(),
                how: describe(&pa),
            });
        }
        let after = match &mut mode {
            Mode::Upgrade { carried } => {
                let px = prov(carried, name);
                let mut sides = Sides {
                    before: &mut before,
                    after: carried,
                    after_tree: &rel_b,
                };
                causes.extend(explain(&mut sides, &pa, &px));
                px
            }
            Mode::OneTree { new } => {
                let pb = prov(new, name);
                not_computed(&d.new, &pb, &rel_b, &mut causes);
                let mut sides = Sides {
                    before: &mut before,
                    after: new,
                    after_tree: &rel_b,
                };
                causes.extend(explain(&mut sides, &pa, &pb));
                pb
            }
            Mode::Both { carried, new } => {
                let px = prov(carried, name);
                let pb = prov(new, name);
                not_computed(&d.new, &pb, &rel_b, &mut causes);
                let carried_value = px.config_value();
                if d.new != carried_value {
                    causes.push(Cause::EditedInNew {
                        tree: rel_b.clone(),
                        carried: carried_value,
                    });
                    let mut sides = Sides {
                        before: carried,
                        after: new,
                        after_tree: &rel_b,
                    };
                    causes.extend(explain(&mut sides, &px, &pb));
                } else {
                    let mut sides = Sides {
                        before: &mut before,
                        after: carried,
                        after_tree: &rel_b,
                    };
                    causes.extend(explain(&mut sides, &pa, &px));
                }
                pb
            }
        };
        let model_a = &old_tree.loaded.model;
        let model_b = &new_tree.loaded.model;
        if causes
            .iter()
            .any(|c| matches!(c, Cause::RemovedFromTree { .. }))
        {
            let r = renames.get_or_insert_with(|| Renames::new(model_a, model_b));
            if let Some((to, evidence)) = r.find(model_a, name) {
                causes.push(Cause::Renamed { to, evidence });
            }
        }
        if causes.iter().any(|c| matches!(c, Cause::NewSymbol { .. })) {
            let r = renamed_from.get_or_insert_with(|| Renames::new(model_b, model_a));
            if let Some((from, evidence)) = r.find(model_b, name) {
                causes.push(Cause::RenamedFrom { from, evidence });
            }
        }
        let mut definition = None;
        if !one_tree && pa.defined() && after.defined() {
            if let (Some(a), Some(b)) = (
                src_a.definition(model_a, name),
                src_b.definition(model_b, name),
            ) {
                definition = definition_diff(&a, &b, &rel_a, &rel_b);
            }
        }
        if causes.is_empty() {
            causes.push(Cause::Computed {
                old: describe(&pa),
                new: describe(&after),
            });
        }
        changes.push(Change {
            symbol: d.symbol,
            old: d.old,
            new: d.new,
            kind: d.kind,
            reasons: causes.iter().map(ToString::to_string).collect(),
            causes,
            old_source: pa.defined().then_some(pa.source),
            new_source: after.defined().then_some(after.source),
            definition_diff: definition,
            approved: None,
        });
    }
    Ok(Report {
        old: old_tree.side(Some(old), false),
        new: new_tree.side(new, new.is_none()),
        changes,
        unused_rules: Vec::new(),
    })
}

/// NEW's line differs from what its tree computes from NEW.
fn not_computed(line: &Option<String>, p: &Provenance, tree: &str, causes: &mut Vec<Cause>) {
    if p.defined() && *line != p.config_value() {
        causes.push(Cause::NewNotComputed {
            tree: tree.to_string(),
            line: line.clone(),
            computed: p.config_value(),
            how: describe(p),
        });
    }
}
