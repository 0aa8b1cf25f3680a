//! The profile model: what a profile is and what one requirement says, independent of the TOML
//! it was read from.

use serde::{Deserialize, Serialize};

/// Whether a profile describes a machine or what runs on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// A machine: its buses, disks, NICs, console, firmware (an EC2 platform, Firecracker, QEMU).
    Hardware,
    /// What runs on the machine: init system, containers, livepatching, hardening.
    Workload,
}

/// The value a requirement asks of its symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Level {
    /// `"y"`: built into the kernel.
    #[serde(rename = "y")]
    Y,
    /// `"ym"`: built in or a module. With [`Requirement::root`], built in unless the kernel is
    /// booted with an initramfs that can load the module.
    #[serde(rename = "ym")]
    YOrM,
    /// `"n"`: off.
    #[serde(rename = "n")]
    Off,
}

impl Level {
    /// The level as profile files write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Y => "y",
            Level::YOrM => "ym",
            Level::Off => "n",
        }
    }
}

/// One thing a profile asks of the kernel configuration, with why and where that comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Kconfig symbols without `CONFIG_`: one, or several alternatives of which any one at
    /// `level` satisfies the requirement (`one_of` in the file).
    pub symbols: Vec<String>,
    /// The value asked for.
    pub level: Level,
    /// Soft: enable when the configuration allows it, never fail because of it.
    pub recommended: bool,
    /// Needed to mount the root filesystem or reach the console: must be built in unless the
    /// kernel boots with an initramfs.
    pub root: bool,
    /// Why, in one sentence.
    pub reason: String,
    /// The URL or kernel document the requirement comes from.
    pub source: String,
    /// The kbuild architectures it applies to; empty means all the profile's architectures.
    pub arches: Vec<String>,
    /// The profile that states it (after includes are flattened, not the one that was asked for).
    pub profile: String,
}

impl Requirement {
    /// Whether the requirement applies to kbuild architecture `arch`.
    pub fn applies_to(&self, arch: &str) -> bool {
        self.arches.is_empty() || self.arches.iter().any(|a| a == arch)
    }
}

/// A named set of requirements, possibly built on other profiles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The name profiles and the command line refer to it by.
    pub name: String,
    /// Machine or workload.
    pub kind: ProfileKind,
    /// One line saying what it is for.
    pub description: String,
    /// The kbuild architectures it applies to (`x86_64`, `arm64`); empty means any.
    pub arches: Vec<String>,
    /// Profiles whose requirements this one adds to, in order.
    pub include: Vec<String>,
    /// The requirements the profile itself states, in file order.
    pub requires: Vec<Requirement>,
}

impl Profile {
    /// Whether the profile applies to kbuild architecture `arch`.
    pub fn supports(&self, arch: &str) -> bool {
        self.arches.is_empty() || self.arches.iter().any(|a| a == arch)
    }
}
