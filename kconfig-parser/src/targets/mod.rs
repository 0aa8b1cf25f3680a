//! The configuration targets of scripts/kconfig/conf.c (`main`) and scripts/kconfig/Makefile:
//! olddefconfig, defconfig, savedefconfig, allnoconfig, allyesconfig, allmodconfig,
//! alldefconfig, randconfig, listnewconfig, yes2modconfig/mod2yesconfig/mod2noconfig, and
//! tinyconfig (allnoconfig with `kernel/configs/tiny-base.config`, merge_config.sh of the
//! tiny.config fragments, olddefconfig).
//!
//! A target runs against a [`Model`] with a [`ConfEnv`] (conf's working directory and
//! environment). It returns what conf writes (the .config text, the savedefconfig text) and
//! what it prints, so callers can write files or compare with the real conf. Each step starts
//! from a fresh [`Config`], as each conf process does.

mod allconfig;
mod fragment;
mod merge;
mod newconfig;
pub mod rand;
mod set;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

pub use allconfig::{conf_rewrite_tristates, conf_set_all_new_symbols, DefMode, Probability};
pub use merge::{merge_config, Merged};
pub use newconfig::check_conf;
pub use set::{apply_setting, SetFailure, Setting};

use crate::confdata::{self, AutoconfDeps, ConfEnv, ConfError};
use crate::eval::{Config, EvalPlan, Tristate};
use crate::expr_simplify::KernelVersion;
use crate::model::Model;
use crate::preprocess::Output;
use rand::GlibcRand;

/// Why a target could not run.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Not a target ktailor knows.
    #[error("unknown target '{0}': expected one of {list}", list = Target::NAMES.join(", "))]
    UnknownTarget(String),
    /// `KCONFIG_PROBABILITY` is not `N`, `N:N` or `N:N:N` with values 0..=100.
    #[error("KCONFIG_PROBABILITY: Numerical result out of range ('{0}')")]
    Probability(String),
    /// `make NAME.config` with no such fragment for the architecture (make stops).
    #[error("{0} fragment does not exist on this architecture (no kernel/configs/{0} or arch/{1}/configs/{0})")]
    NoFragment(String, String),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Conf(#[from] ConfError),
}

/// A configuration target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `olddefconfig`: the input (`KCONFIG_CONFIG`), new symbols at their defaults.
    OldDefConfig,
    /// `defconfig`/`%_defconfig`: `conf --defconfig=FILE`.
    DefConfig(String),
    /// `savedefconfig`: `conf --savedefconfig=FILE` (make passes `defconfig`).
    SaveDefConfig(String),
    AllNoConfig,
    AllYesConfig,
    AllModConfig,
    AllDefConfig,
    /// `randconfig` (seeded by `KCONFIG_SEED`).
    RandConfig,
    /// `listnewconfig`: prints the new symbols, writes nothing.
    ListNewConfig,
    Yes2ModConfig,
    Mod2YesConfig,
    Mod2NoConfig,
    /// `tinyconfig` (three steps, as scripts/kconfig/Makefile runs them).
    TinyConfig,
    /// `NAME.config` (`%.config`): merge_config.sh of kernel/configs/NAME and
    /// arch/$SRCARCH/configs/NAME into the configuration, then olddefconfig.
    Fragment(String),
}

impl Target {
    /// The target names, as make knows them.
    pub const NAMES: &'static [&'static str] = &[
        "olddefconfig",
        "defconfig",
        "savedefconfig",
        "allnoconfig",
        "allyesconfig",
        "allmodconfig",
        "alldefconfig",
        "randconfig",
        "listnewconfig",
        "yes2modconfig",
        "mod2yesconfig",
        "mod2noconfig",
        "tinyconfig",
    ];

    /// The name make knows the target by.
    pub fn name(&self) -> &'static str {
        match self {
            Target::OldDefConfig => "olddefconfig",
            Target::DefConfig(_) => "defconfig",
            Target::SaveDefConfig(_) => "savedefconfig",
            Target::AllNoConfig => "allnoconfig",
            Target::AllYesConfig => "allyesconfig",
            Target::AllModConfig => "allmodconfig",
            Target::AllDefConfig => "alldefconfig",
            Target::RandConfig => "randconfig",
            Target::ListNewConfig => "listnewconfig",
            Target::Yes2ModConfig => "yes2modconfig",
            Target::Mod2YesConfig => "mod2yesconfig",
            Target::Mod2NoConfig => "mod2noconfig",
            Target::TinyConfig => "tinyconfig",
            Target::Fragment(_) => "%.config",
        }
    }
}

impl Target {
    /// The target `make NAME` runs in `tree` for an architecture, as scripts/kconfig/Makefile
    /// maps it: `defconfig` reads `arch/$SRCARCH/configs/$KBUILD_DEFCONFIG` (or, when there is
    /// no such file, runs the target `$KBUILD_DEFCONFIG`), `*_defconfig` reads
    /// `arch/$SRCARCH/configs/NAME`, and the others are conf's modes.
    pub fn from_make(
        name: &str,
        tree: &std::path::Path,
        srcarch: &str,
        kbuild_defconfig: &str,
    ) -> Result<Target, TargetError> {
        let file = |n: &str| format!("arch/{srcarch}/configs/{n}");
        if name == "defconfig" {
            if tree.join(file(kbuild_defconfig)).is_file() || kbuild_defconfig == "defconfig" {
                return Ok(Target::DefConfig(file(kbuild_defconfig)));
            }
            return Target::from_make(kbuild_defconfig, tree, srcarch, "defconfig");
        }
        if name.ends_with("_defconfig") {
            return Ok(Target::DefConfig(file(name)));
        }
        if name.ends_with(".config") {
            return Ok(Target::Fragment(name.to_string()));
        }
        name.parse()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = TargetError;
    /// A make target name. `defconfig` reads `arch/$SRCARCH/configs/defconfig` here; give the
    /// file with [`Target::DefConfig`] for another one. `savedefconfig` writes `defconfig`.
    fn from_str(s: &str) -> Result<Self, TargetError> {
        Ok(match s {
            "olddefconfig" => Target::OldDefConfig,
            "defconfig" => Target::DefConfig(String::new()),
            "savedefconfig" => Target::SaveDefConfig("defconfig".into()),
            "allnoconfig" => Target::AllNoConfig,
            "allyesconfig" => Target::AllYesConfig,
            "allmodconfig" => Target::AllModConfig,
            "alldefconfig" => Target::AllDefConfig,
            "randconfig" => Target::RandConfig,
            "listnewconfig" => Target::ListNewConfig,
            "yes2modconfig" => Target::Yes2ModConfig,
            "mod2yesconfig" => Target::Mod2YesConfig,
            "mod2noconfig" => Target::Mod2NoConfig,
            "tinyconfig" => Target::TinyConfig,
            other => return Err(TargetError::UnknownTarget(other.to_string())),
        })
    }
}

/// How to run a target beyond conf's environment.
#[derive(Clone, Debug, Default)]
pub struct TargetOptions {
    /// Values to set after the target computed its configuration, before writing
    /// (`ktailor config --set`).
    pub settings: Vec<Setting>,
    /// Also write include/config/auto.conf and friends when auto.conf is missing, as conf
    /// does (`conf_write_autoconf(0)`); `Some(true)` always (as syncconfig).
    pub autoconf: Option<bool>,
    /// What auto.conf.cmd lists.
    pub autoconf_deps: AutoconfDeps,
    /// What conf prints while parsing the tree ([`crate::loader::LoadedTree::messages`]): put
    /// at the start of each conf run's output (tinyconfig runs conf twice).
    pub parse_messages: Vec<Output>,
    /// The model's compiled expressions ([`EvalPlan::new`]), to share between runs on one
    /// model; built for each run when missing.
    pub plan: Option<Arc<EvalPlan>>,
}

/// What a target produced.
#[derive(Clone, Debug, Default)]
pub struct TargetRun {
    /// The configuration written to `KCONFIG_CONFIG` (None when the target writes none).
    pub config: Option<String>,
    /// The savedefconfig output.
    pub defconfig: Option<String>,
    /// What conf (and merge_config.sh) printed on stdout and stderr, in order.
    pub messages: Vec<Output>,
    /// conf's exit status (0 on success).
    pub exit_code: i32,
    /// `--set` values that could not take effect, with the reason.
    pub set_failures: Vec<SetFailure>,
    /// Symbols the input assigned that the tree does not define.
    pub unknown_symbols: Vec<String>,
}

impl TargetRun {
    /// Everything printed on stdout.
    pub fn stdout(&self) -> String {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Output::Stdout(s) => Some(s.as_str()),
                Output::Stderr(_) => None,
            })
            .collect()
    }

    /// Everything printed on stderr.
    pub fn stderr(&self) -> String {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Output::Stderr(s) => Some(s.as_str()),
                Output::Stdout(_) => None,
            })
            .collect()
    }
}

/// Runs one target. `version` is the tree's release (it picks the rules); `env` is conf's
/// context (use [`ConfEnv::from_kbuild`] for what make gives conf). With `env.in_memory`,
/// nothing is written to disk (inputs are still read from it).
pub fn run_target(
    model: &Model,
    version: KernelVersion,
    env: &mut ConfEnv,
    target: &Target,
    opts: &TargetOptions,
) -> Result<TargetRun, TargetError> {
    if matches!(target, Target::TinyConfig | Target::Fragment(_)) {
        let mut opts = opts.clone();
        opts.plan
            .get_or_insert_with(|| Arc::new(EvalPlan::new(model)));
        return match target {
            Target::Fragment(name) => fragment::run_fragment(model, version, env, name, &opts),
            _ => fragment::run_tinyconfig(model, version, env, &opts),
        };
    }
    let mut run = TargetRun {
        messages: opts.parse_messages.clone(),
        ..TargetRun::default()
    };
    let plan = opts
        .plan
        .clone()
        .unwrap_or_else(|| Arc::new(EvalPlan::new(model)));
    let mut cfg = Config::with_plan(model, version, plan);
    if let Some(p) = env.get("CONFIG_") {
        cfg.config_prefix = p.to_string();
    }
    let code = conf_main(&mut cfg, env, target, opts, &mut run)?;
    run.exit_code = code;
    run.messages.extend(cfg.take_messages());
    Ok(run)
}

/// `set_randconfig_seed`: `KCONFIG_SEED` (any C integer syntax), else one derived from the
/// time; printed as conf prints it.
fn randconfig_seed(cfg: &mut Config<'_>, env: &ConfEnv) -> u32 {
    let parsed = env
        .get("KCONFIG_SEED")
        .filter(|s| !s.is_empty())
        .and_then(|s| {
            let p = crate::eval::cnum::strtoll(s.as_bytes(), 0);
            (p.end == s.len()).then_some(p.value as u32)
        });
    let seed = parsed.unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        ((now.as_secs() as u32).wrapping_add(1)).wrapping_mul(now.subsec_micros().wrapping_add(1))
    });
    cfg.stdout(format!("KCONFIG_SEED=0x{seed:X}\n"));
    seed
}

/// `main` of conf.c after `conf_parse`: read the input, set values, write. Returns the exit
/// status.
fn conf_main(
    cfg: &mut Config<'_>,
    env: &mut ConfEnv,
    target: &Target,
    opts: &TargetOptions,
    run: &mut TargetRun,
) -> Result<i32, TargetError> {
    let mut rng = GlibcRand::new(1);
    if *target == Target::RandConfig {
        rng = GlibcRand::new(randconfig_seed(cfg, env));
    }
    match target {
        Target::DefConfig(file) => {
            let res = confdata::conf_read(cfg, env, Some(file))?;
            run.unknown_symbols = res.unknown_symbols;
            if res.name.is_none() {
                cfg.stderr(format!(
                    "***\n*** Can't find default configuration \"{file}\"!\n***\n"
                ));
                return Ok(1);
            }
        }
        Target::SaveDefConfig(_)
        | Target::OldDefConfig
        | Target::ListNewConfig
        | Target::Yes2ModConfig
        | Target::Mod2YesConfig
        | Target::Mod2NoConfig => {
            let res = confdata::conf_read(cfg, env, None)?;
            run.unknown_symbols = res.unknown_symbols;
        }
        _ => {
            if let Some(code) = read_allconfig(cfg, env, target, run)? {
                return Ok(code);
            }
        }
    }
    let werror = env.get("KCONFIG_WERROR").is_some();
    if cfg.conf_warnings() > 0 && werror {
        return Ok(1);
    }
    let prob = Probability::parse(env.get("KCONFIG_PROBABILITY"))?;
    match target {
        Target::AllNoConfig => {
            conf_set_all_new_symbols(cfg, DefMode::No, prob, &mut rng);
        }
        Target::AllYesConfig => {
            conf_set_all_new_symbols(cfg, DefMode::Yes, prob, &mut rng);
        }
        Target::AllModConfig => {
            conf_set_all_new_symbols(cfg, DefMode::Mod, prob, &mut rng);
        }
        Target::AllDefConfig | Target::DefConfig(_) => {
            conf_set_all_new_symbols(cfg, DefMode::Default, prob, &mut rng);
        }
        Target::RandConfig => {
            while conf_set_all_new_symbols(cfg, DefMode::Random, prob, &mut rng) {}
        }
        Target::Yes2ModConfig => conf_rewrite_tristates(cfg, Tristate::Yes, Tristate::Mod),
        Target::Mod2YesConfig => conf_rewrite_tristates(cfg, Tristate::Mod, Tristate::Yes),
        Target::Mod2NoConfig => conf_rewrite_tristates(cfg, Tristate::Mod, Tristate::No),
        Target::ListNewConfig => {
            let mut out = String::new();
            let root = cfg.model().root;
            check_conf(cfg, root, &mut out);
            cfg.stdout(out);
        }
        Target::OldDefConfig
        | Target::SaveDefConfig(_)
        | Target::TinyConfig
        | Target::Fragment(_) => {}
    }
    // A value may only take effect once another one is set (a dependency given after the
    // symbol that needs it): settings that fail are tried again while others succeed.
    let mut pending: Vec<&Setting> = opts.settings.iter().collect();
    loop {
        let mut failed = Vec::new();
        for s in &pending {
            if let Err(f) = apply_setting(cfg, s) {
                failed.push((*s, f));
            }
        }
        if failed.is_empty() || failed.len() == pending.len() {
            run.set_failures.extend(failed.into_iter().map(|(_, f)| f));
            break;
        }
        pending = failed.into_iter().map(|(s, _)| s).collect();
    }
    if cfg.sym_warnings() > 0 && werror {
        return Ok(1);
    }
    match target {
        Target::SaveDefConfig(file) => match confdata::conf_write_defconfig(cfg, env, file) {
            Ok(text) => run.defconfig = Some(text),
            Err(e) => {
                cfg.stderr(format!("n*** Error while saving defconfig to: {file}\n\n"));
                return Err(e.into());
            }
        },
        Target::ListNewConfig => {}
        _ => {
            if let Err(e) = confdata::conf_write(cfg, env, None) {
                cfg.stderr("\n*** Error during writing of the configuration.\n\n".into());
                return Err(e.into());
            }
            let path = env.path(env.configname());
            run.config = env
                .read_file(&path)?
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            if let Some(overwrite) = opts.autoconf {
                confdata::conf_write_autoconf(cfg, env, overwrite, &opts.autoconf_deps)?;
            }
        }
    }
    Ok(0)
}

/// `KCONFIG_ALLCONFIG` for the all*config targets and randconfig: a file of values to keep, or
/// (when set to `1` or empty) `all{no,yes,mod,def,random}.config`, else `all.config`.
/// Returns an exit status when conf stops here.
fn read_allconfig(
    cfg: &mut Config<'_>,
    env: &ConfEnv,
    target: &Target,
    run: &mut TargetRun,
) -> Result<Option<i32>, TargetError> {
    let Some(name) = env.get("KCONFIG_ALLCONFIG").map(str::to_string) else {
        return Ok(None);
    };
    if !name.is_empty() && name != "1" {
        let res = confdata::conf_read_simple(cfg, env, Some(&name), crate::eval::DefSlot::User)?;
        let found = res.found();
        run.unknown_symbols = res.unknown_symbols;
        if !found {
            cfg.stderr(format!("*** Can't read seed configuration \"{name}\"!\n"));
            return Ok(Some(1));
        }
        return Ok(None);
    }
    let name = match target {
        Target::AllNoConfig => "allno.config",
        Target::AllYesConfig => "allyes.config",
        Target::AllModConfig => "allmod.config",
        Target::AllDefConfig => "alldef.config",
        Target::RandConfig => "allrandom.config",
        _ => return Ok(None),
    };
    let mut res = confdata::conf_read_simple(cfg, env, Some(name), crate::eval::DefSlot::User)?;
    if !res.found() {
        res = confdata::conf_read_simple(cfg, env, Some("all.config"), crate::eval::DefSlot::User)?;
    }
    let found = res.found();
    run.unknown_symbols = res.unknown_symbols;
    if !found {
        cfg.stderr(format!(
            "*** KCONFIG_ALLCONFIG set, but no \"{name}\" or \"all.config\" file found\n"
        ));
        return Ok(Some(1));
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
