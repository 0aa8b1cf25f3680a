//! Profile requirements resolved against one tree: symbol names (and their renames) looked up
//! in the model, levels turned into goals under the modules policy.

use hw_profiles::{Level, Requirement};
use kconfig_parser::eval::Tristate;
use kconfig_parser::model::{Model, SymbolId, SymbolType};

use crate::planner::Want;

/// Whether the result may build drivers as modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModulesPolicy {
    /// No loadable modules: MODULES is off and every required driver is built in.
    None,
    /// Modules are allowed, but requirements are met by building in (the smallest set).
    Allowed,
    /// MODULES is on and every requirement that accepts a module gets one.
    Prefer,
}

impl std::str::FromStr for ModulesPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(ModulesPolicy::None),
            "allowed" => Ok(ModulesPolicy::Allowed),
            "prefer" => Ok(ModulesPolicy::Prefer),
            _ => Err(format!(
                "unknown modules policy '{s}': expected none, allowed or prefer"
            )),
        }
    }
}

/// How requirements become goals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Policy {
    pub modules: ModulesPolicy,
    /// The root filesystem's drivers may be modules (an initramfs loads them).
    pub initramfs: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            modules: ModulesPolicy::Allowed,
            initramfs: false,
        }
    }
}

/// A requirement as it applies to one tree.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub req: Requirement,
    /// The symbols of the tree that can meet it (any one suffices).
    pub syms: Vec<SymbolId>,
    /// The names of the tree for them (a rename may differ from the profile's name).
    pub names: Vec<String>,
    /// The names the tree does not define (under any known name).
    pub missing: Vec<String>,
    /// What the solver aims for (y, or m under `--modules prefer`).
    pub want: Want,
    /// What counts as met (m is enough for a `y or m` requirement off the root path).
    pub met: Want,
}

impl Resolved {
    /// Whether the requirement cannot apply to this tree at all.
    pub fn is_absent(&self) -> bool {
        self.syms.is_empty()
    }

    /// A one-line description: `ENA_ETHERNET=y (ec2-nitro-x86_64)`.
    pub fn label(&self) -> String {
        let level = match self.req.level {
            Level::Y => "y",
            Level::YOrM => "y or m",
            Level::Off => "n",
        };
        let names = if self.names.is_empty() {
            self.req.symbols.join(" | ")
        } else {
            self.names.join(" | ")
        };
        format!("{names}={level} ({})", self.req.profile)
    }
}

/// Resolves requirements against a model. Symbols the tree does not define are reported in
/// `missing` (a profile written for another release or arch); none is an error here.
pub fn resolve(m: &Model, reqs: &[Requirement], policy: Policy) -> Vec<Resolved> {
    reqs.iter()
        .map(|r| {
            let mut syms = Vec::new();
            let mut names = Vec::new();
            let mut missing = Vec::new();
            for name in &r.symbols {
                let found = hw_profiles::names_for(name).into_iter().find_map(|n| {
                    m.find(&n)
                        .filter(|s| m.sym(*s).ty != SymbolType::Unknown)
                        .map(|s| (s, n))
                });
                match found {
                    Some((s, n)) => {
                        syms.push(s);
                        names.push(n);
                    }
                    None => missing.push(name.clone()),
                }
            }
            let module_ok = match r.level {
                Level::YOrM => !r.root || policy.initramfs,
                _ => false,
            };
            let met = match r.level {
                Level::Off => Want::AtMost(Tristate::No),
                Level::YOrM if module_ok => Want::AtLeast(Tristate::Mod),
                _ => Want::AtLeast(Tristate::Yes),
            };
            let want = match r.level {
                Level::Off => Want::AtMost(Tristate::No),
                Level::YOrM if module_ok && policy.modules == ModulesPolicy::Prefer => {
                    Want::AtLeast(Tristate::Mod)
                }
                _ => Want::AtLeast(Tristate::Yes),
            };
            Resolved {
                req: r.clone(),
                syms,
                names,
                missing,
                want,
                met,
            }
        })
        .collect()
}
