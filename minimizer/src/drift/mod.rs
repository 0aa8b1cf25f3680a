//! Config drift: what changed between two kernel configurations, and why.
//!
//! Two cases share one computation: two configurations of one tree (a build against another),
//! and a release upgrade, where one configuration is carried from tree A to tree B (the second
//! configuration is what olddefconfig makes of it on B, computed with the tree's conf targets
//! when it is not given). The set of changes is the set scripts/diffconfig prints
//! ([`diff`]); each change gets its causes from the Kconfig model ([`explain`]): the user's
//! value, a symbol removed or renamed, a new symbol and its default, a default that changed, a
//! dependency that changed (which symbol, to what value), a new select or imply, a choice that
//! switched. A symbol whose definition differs between the trees carries the diff of the two
//! definitions. Reports render as text (grouped as diffconfig groups), JSON (a stable schema,
//! `ktailor-drift/1`) and Markdown; an allowlist ([`allow`]) approves reviewed changes so that
//! CI fails only on unreviewed drift.

pub mod allow;
pub mod cause;
mod check;
mod compute;
pub mod configfile;
mod definition;
pub mod diff;
mod explain;
mod rename;
pub mod render;
#[cfg(test)]
pub(crate) mod testkit;

use std::path::PathBuf;

pub use cause::{Cause, ValueChange};
pub use compute::{drift, load_tree, Tree};
pub use configfile::ConfigFile;
pub use definition::definition_diff;
pub use diff::ChangeKind;
pub use explain::describe;

use crate::why::Source;

/// The version of the JSON schema ([`render::json`]); bumped on any incompatible change.
pub const SCHEMA: &str = "ktailor-drift/1";

/// Why a drift could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// The tree's directory does not exist.
    #[error("tree {}: no such directory", .0.display())]
    TreeMissing(PathBuf),
    /// The directory is not a Linux source tree.
    #[error("{}: not a Linux source tree (no Kconfig and Makefile at its top)", .0.display())]
    NotATree(PathBuf),
    /// The tree could not be loaded.
    #[error("loading {}: {source}", path.display())]
    Load {
        /// The tree.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<kconfig_parser::loader::LoadError>,
    },
    /// The file holds no configuration at all.
    #[error("{0}: not a kernel configuration (no CONFIG_ line)")]
    NotAConfig(String),
    /// The two configurations are for different architectures.
    #[error("{old} and {new} are configurations for different architectures: {old} is for {old_arch}, {new} for {new_arch}")]
    ArchMismatch {
        /// OLD's name.
        old: String,
        /// OLD's architecture.
        old_arch: String,
        /// NEW's name.
        new: String,
        /// NEW's architecture.
        new_arch: String,
    },
    /// A configuration is for another architecture than the tree was loaded for.
    #[error("{config} is a configuration for {config_arch}, but {tree} was loaded for ARCH={tree_arch}; pass --arch {config_arch}")]
    WrongArch {
        /// The configuration.
        config: String,
        /// Its architecture.
        config_arch: String,
        /// The tree.
        tree: String,
        /// The tree's ARCH.
        tree_arch: String,
    },
    /// A configuration was written for another release than the tree's.
    #[error("{config} does not belong to the tree: it was written for Linux {config_release}, but {tree} is Linux {tree_release} (to compare releases, give each tree with --old-tree and --new-tree)")]
    WrongRelease {
        /// The configuration.
        config: String,
        /// The release its header names.
        config_release: String,
        /// The tree.
        tree: String,
        /// The tree's release.
        tree_release: String,
    },
    /// Most of the symbols a configuration sets are unknown to the tree.
    #[error("{config} does not belong to {tree}: {unknown} of the {total} symbols it sets are not defined there (for example {examples})")]
    NotOfTree {
        /// The configuration.
        config: String,
        /// The tree.
        tree: String,
        /// How many symbols are unknown.
        unknown: usize,
        /// How many it sets.
        total: usize,
        /// A few of the unknown names.
        examples: String,
    },
    /// Reading a configuration failed.
    #[error(transparent)]
    Conf(#[from] kconfig_parser::confdata::ConfError),
    /// Running olddefconfig failed.
    #[error("olddefconfig of {config} on {tree}: {source}")]
    Target {
        /// The configuration.
        config: String,
        /// The tree.
        tree: String,
        /// Why.
        #[source]
        source: kconfig_parser::targets::TargetError,
    },
    /// olddefconfig wrote nothing.
    #[error("olddefconfig of {config} on {tree} failed (exit status {code}): {stderr}")]
    OldDefConfig {
        /// The configuration.
        config: String,
        /// The tree.
        tree: String,
        /// conf's exit status.
        code: i32,
        /// What conf printed on stderr.
        stderr: String,
    },
}

/// One side of a drift: a configuration and the tree it was evaluated on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SideInfo {
    /// The configuration file (`None` for NEW when it was computed).
    pub config: Option<String>,
    /// The tree's directory.
    pub tree: String,
    /// The tree's release (`6.1.192`).
    pub release: String,
    /// kbuild's ARCH.
    pub arch: String,
    /// Whether the configuration was computed (olddefconfig of OLD) rather than read.
    pub computed: bool,
}

/// An allowlist rule that approved a change.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Approval {
    /// The rule's symbol pattern.
    pub rule: String,
    /// Why the change was approved.
    pub reason: String,
}

/// One changed symbol.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// The symbol, without `CONFIG_`.
    pub symbol: String,
    /// Its value in OLD as the file holds it (`n` for "is not set"; strings quoted), or
    /// `None` when OLD has no line for it.
    pub old: Option<String>,
    /// Its value in NEW.
    pub new: Option<String>,
    /// Removed, changed or added.
    pub kind: ChangeKind,
    /// The causes, as sentences (one per cause, in the same order).
    pub reasons: Vec<String>,
    /// The causes, typed.
    pub causes: Vec<Cause>,
    /// What decides the value on OLD's side (`None`: OLD's tree does not define it).
    pub old_source: Option<Source>,
    /// What decides the value on NEW's side.
    pub new_source: Option<Source>,
    /// The unified diff of the symbol's Kconfig definitions, when the trees differ on it.
    pub definition_diff: Option<String>,
    /// The allowlist rule that approved the change, if any.
    pub approved: Option<Approval>,
}

/// A drift report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// OLD.
    pub old: SideInfo,
    /// NEW.
    pub new: SideInfo,
    /// Every change, grouped as diffconfig groups them: removed, changed, added, each by name.
    pub changes: Vec<Change>,
    /// Allowlist rules that approved nothing (stale approvals).
    pub unused_rules: Vec<String>,
}

/// How many changes of each kind, and how many are approved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Symbols only in NEW.
    pub added: usize,
    /// Symbols only in OLD.
    pub removed: usize,
    /// Symbols whose value changed.
    pub changed: usize,
    /// Changes an allowlist rule approved.
    pub approved: usize,
    /// Changes no rule approved, of the kinds that fail (`--fail-on`).
    pub unapproved: usize,
}

impl Report {
    /// The counts, with `fail_on` the kinds of change that count as unapproved drift.
    pub fn summary(&self, fail_on: &[ChangeKind]) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.kind {
                ChangeKind::Added => s.added += 1,
                ChangeKind::Removed => s.removed += 1,
                ChangeKind::Changed => s.changed += 1,
            }
            if c.approved.is_some() {
                s.approved += 1;
            } else if fail_on.contains(&c.kind) {
                s.unapproved += 1;
            }
        }
        s
    }
}
