//! Why one symbol drifted: the typed causes a drift report gives for each change, and the
//! sentence each one reads as. The JSON report carries both (`causes` and `reasons`).

use std::fmt;

/// A symbol whose value differs between the two sides of a comparison.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ValueChange {
    /// The symbol, without `CONFIG_`.
    pub symbol: String,
    /// Its value before (`None`: the tree does not define it).
    pub old: Option<String>,
    /// Its value after.
    pub new: Option<String>,
}

impl fmt::Display for ValueChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = |v: &Option<String>| v.clone().unwrap_or_else(|| "(undefined)".into());
        write!(f, "{} {} -> {}", self.symbol, v(&self.old), v(&self.new))
    }
}

/// One cause of a change. `old`/`new` name the two sides being compared (OLD and NEW, or
/// what olddefconfig makes of OLD and NEW); tree labels are kernel releases (`6.1.192`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "cause", rename_all = "kebab-case")]
pub enum Cause {
    /// OLD's line is not what its own tree computes when it reads OLD (a hand-edited or stale
    /// line, or a value that comes from the build environment).
    OldNotComputed {
        /// The tree.
        tree: String,
        /// The file's value (`None`: the file has no line for the symbol).
        line: Option<String>,
        /// What the tree computes (`None`: it does not write the symbol).
        computed: Option<String>,
        /// How it computes it.
        how: String,
    },
    /// NEW's line is not what its tree computes when it reads NEW.
    NewNotComputed {
        /// The tree.
        tree: String,
        /// The file's value (`None`: the file has no line for the symbol).
        line: Option<String>,
        /// What the tree computes.
        computed: Option<String>,
        /// How it computes it.
        how: String,
    },
    /// NEW changes the symbol itself: olddefconfig of OLD on the new tree gives `carried`.
    EditedInNew {
        /// The new tree.
        tree: String,
        /// What olddefconfig of OLD writes for the symbol (`None`: nothing).
        carried: Option<String>,
    },
    /// The user's value (`def[S_DEF_USER]`) differs and decides the new value.
    SetByUser {
        /// The user's value before (`None`: none was given).
        old: Option<String>,
        /// The user's value after.
        new: Option<String>,
    },
    /// The symbol is defined by neither tree.
    NotDefined {
        /// The tree.
        tree: String,
    },
    /// The new tree no longer defines the symbol.
    RemovedFromTree {
        /// The new tree.
        tree: String,
    },
    /// The symbol is renamed in the new tree.
    Renamed {
        /// The new name.
        to: String,
        /// What the two definitions share.
        evidence: String,
    },
    /// The symbol is the new name of one the old tree defines.
    RenamedFrom {
        /// The old name.
        from: String,
        /// What the two definitions share.
        evidence: String,
    },
    /// The symbol is new in the new tree; `how` says where its value comes from.
    NewSymbol {
        /// The new tree.
        tree: String,
        /// How its value is computed there.
        how: String,
    },
    /// The default that applies changed.
    DefaultChanged {
        /// The default before (or "no default applies").
        old: String,
        /// The default after.
        new: String,
    },
    /// The same default evaluates differently because symbols it reads changed.
    DefaultInputChanged {
        /// The default.
        default: String,
        /// Its value before and after.
        old: String,
        /// Its value after.
        new: String,
        /// The symbols it reads whose values changed.
        changes: Vec<ValueChange>,
    },
    /// The direct dependencies changed value.
    DependencyChanged {
        /// The dependency before, as written (`None`: none).
        old: Option<String>,
        /// The dependency after, as written.
        new: Option<String>,
        /// The dependency after, with the value of each symbol.
        now: Option<String>,
        /// The `&&` terms the new dependency has and the old one had not.
        added_terms: Vec<String>,
        /// The `&&` terms the old dependency had and the new one has not.
        removed_terms: Vec<String>,
        /// Its value before.
        old_value: String,
        /// Its value after.
        new_value: String,
        /// The symbols it reads whose values changed.
        changes: Vec<ValueChange>,
    },
    /// No prompt is visible any more: the user's value no longer applies.
    PromptHidden {
        /// The prompts' conditions, with values.
        prompts: Vec<String>,
        /// How the value is computed now.
        now: String,
    },
    /// A prompt became visible: the user's value applies.
    PromptShown {
        /// The prompts' conditions, with values.
        prompts: Vec<String>,
        /// How the value is decided now.
        now: String,
    },
    /// The new definition has no prompt: the user cannot set the symbol.
    PromptRemoved {
        /// How the value is computed now.
        now: String,
    },
    /// The new definition has a prompt: the user's value applies.
    PromptAdded {
        /// How the value is decided now.
        now: String,
    },
    /// The symbol is no longer a member of a choice.
    ChoiceLeft {
        /// The choice's prompt.
        choice: String,
        /// How the value is computed now.
        now: String,
    },
    /// The symbol became a member of a choice.
    ChoiceJoined {
        /// The choice's prompt.
        choice: String,
        /// How the choice decides now.
        now: String,
    },
    /// Newly selected (or selected at a new value).
    NewlySelected {
        /// The selecting symbol.
        by: String,
        /// The value this symbol's terms gave before (`None`: none applied).
        before: Option<String>,
        /// The select term with values, and where it is.
        term: String,
    },
    /// A select that applied no longer does.
    NoLongerSelected {
        /// The symbol that selected it.
        by: String,
        /// The term as it was.
        was: String,
    },
    /// Newly implied.
    NewlyImplied {
        /// The implying symbol.
        by: String,
        /// The value this symbol's terms gave before (`None`: none applied).
        before: Option<String>,
        /// The imply term with values.
        term: String,
    },
    /// An imply that applied no longer does.
    NoLongerImplied {
        /// The implying symbol.
        by: String,
        /// The term as it was.
        was: String,
    },
    /// The choice the symbol is a member of picks another member.
    ChoiceSwitched {
        /// The choice's prompt.
        choice: String,
        /// The member picked before.
        old: Option<String>,
        /// The member picked after.
        new: Option<String>,
        /// Whether the user picked the new one (else the choice's default).
        by_user: bool,
    },
    /// The symbol's type changed.
    TypeChanged {
        /// The type before.
        old: String,
        /// The type after.
        new: String,
    },
    /// The active `range` clamped the value.
    Clamped {
        /// The range (`[min max]`).
        range: String,
    },
    /// How each side computes the value, when nothing more specific changed.
    Computed {
        /// How the value was computed before.
        old: String,
        /// How it is computed after.
        new: String,
    },
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "nothing".into())
}

/// "OLD's line is not what TREE computes from OLD ...".
fn not_computed(
    f: &mut fmt::Formatter<'_>,
    side: &str,
    tree: &str,
    line: &Option<String>,
    computed: &Option<String>,
    how: &str,
) -> fmt::Result {
    let computes = match computed {
        Some(v) => format!("computes {v}"),
        None => "writes no line for it".into(),
    };
    match line {
        Some(l) => write!(
            f,
            "{side} holds {l}, but {tree} {computes} from {side} ({how})"
        ),
        None => write!(
            f,
            "{side} has no line for it, but {tree} {computes} from {side} ({how})"
        ),
    }
}

fn list(changes: &[ValueChange]) -> String {
    changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::OldNotComputed {
                tree,
                line,
                computed,
                how,
            } => not_computed(f, "OLD", tree, line, computed, how),
            Cause::NewNotComputed {
                tree,
                line,
                computed,
                how,
            } => not_computed(f, "NEW", tree, line, computed, how),
            Cause::EditedInNew { tree, carried } => write!(
                f,
                "NEW sets it: olddefconfig of OLD on {tree} writes {}",
                opt(carried)
            ),
            Cause::SetByUser { old, new } => match (old, new) {
                (Some(o), Some(n)) => write!(f, "set by the user: {n} (was {o})"),
                (None, Some(n)) => write!(f, "set by the user: {n} (no user value before)"),
                (Some(o), None) => write!(f, "no user value any more (was {o})"),
                (None, None) => write!(f, "no user value"),
            },
            Cause::NotDefined { tree } => write!(f, "{tree} does not define it"),
            Cause::RemovedFromTree { tree } => {
                write!(f, "removed from the tree: {tree} no longer defines it")
            }
            Cause::Renamed { to, evidence } => write!(f, "renamed to {to} ({evidence})"),
            Cause::RenamedFrom { from, evidence } => {
                write!(f, "renamed from {from} ({evidence})")
            }
            Cause::NewSymbol { tree, how } => write!(f, "new symbol in {tree}: {how}"),
            Cause::DefaultChanged { old, new } => {
                write!(f, "default changed: was {old}; now {new}")
            }
            Cause::DefaultInputChanged {
                default,
                old,
                new,
                changes,
            } => {
                write!(f, "its default {default} gave {old}, now gives {new}")?;
                if !changes.is_empty() {
                    write!(f, ": {}", list(changes))?;
                }
                Ok(())
            }
            Cause::DependencyChanged {
                old,
                new,
                now,
                added_terms,
                removed_terms,
                old_value,
                new_value,
                changes,
            } => {
                write!(f, "dependency changed ({old_value} -> {new_value})")?;
                if !changes.is_empty() {
                    write!(f, ": {}", list(changes))?;
                }
                if old != new {
                    match (added_terms.is_empty(), removed_terms.is_empty()) {
                        (false, _) | (_, false) => {
                            if !added_terms.is_empty() {
                                write!(f, "; now also depends on {}", added_terms.join(", "))?;
                            }
                            if !removed_terms.is_empty() {
                                write!(f, "; no longer depends on {}", removed_terms.join(", "))?;
                            }
                        }
                        (true, true) => write!(f, "; was {}", opt(old))?,
                    }
                }
                match now {
                    Some(n) => write!(f, "; depends on {n}"),
                    None => write!(f, "; no dependencies now"),
                }
            }
            Cause::PromptHidden { prompts, now } => write!(
                f,
                "its prompt is hidden ({}): the user's value no longer applies; now {now}",
                prompts.join("; ")
            ),
            Cause::PromptShown { prompts, now } => write!(
                f,
                "its prompt is visible now ({}); now {now}",
                prompts.join("; ")
            ),
            Cause::PromptRemoved { now } => write!(
                f,
                "its prompt was removed: the user can no longer set it; now {now}"
            ),
            Cause::PromptAdded { now } => write!(f, "it has a prompt now; now {now}"),
            Cause::ChoiceLeft { choice, now } => {
                write!(f, "no longer a member of choice \"{choice}\"; now {now}")
            }
            Cause::ChoiceJoined { choice, now } => {
                write!(f, "now a member of choice \"{choice}\": {now}")
            }
            Cause::NewlySelected {
                term, before: None, ..
            } => write!(f, "newly selected by {term}"),
            Cause::NewlySelected {
                term,
                before: Some(v),
                ..
            } => write!(f, "selected at another value (was {v}) by {term}"),
            Cause::NoLongerSelected { was, .. } => write!(f, "no longer selected by {was}"),
            Cause::NewlyImplied {
                term, before: None, ..
            } => write!(f, "newly implied by {term}"),
            Cause::NewlyImplied {
                term,
                before: Some(v),
                ..
            } => write!(f, "implied at another value (was {v}) by {term}"),
            Cause::NoLongerImplied { was, .. } => write!(f, "no longer implied by {was}"),
            Cause::ChoiceSwitched {
                choice,
                old,
                new,
                by_user,
            } => write!(
                f,
                "choice \"{choice}\" switched from {} to {}{}",
                opt(old),
                opt(new),
                match (new, by_user) {
                    (None, _) => " (no member is visible)",
                    (Some(_), true) => " (the user's pick)",
                    (Some(_), false) => " (its default)",
                }
            ),
            Cause::TypeChanged { old, new } => write!(f, "type changed from {old} to {new}"),
            Cause::Clamped { range } => write!(f, "clamped to its range {range}"),
            Cause::Computed { old, new } => write!(f, "computed: was {old}; now {new}"),
        }
    }
}
