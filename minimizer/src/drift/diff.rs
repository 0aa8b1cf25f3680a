//! The set of changes between two configurations, as scripts/diffconfig computes it: names
//! only in the first (removed), names whose values differ (changed), names only in the second
//! (added), each group sorted by name.

use std::collections::HashMap;

/// How a symbol's line changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// In OLD only (diffconfig's `-NAME value`).
    Removed,
    /// In both, with different values (` NAME old -> new`).
    Changed,
    /// In NEW only (`+NAME value`).
    Added,
}

impl ChangeKind {
    /// The name used in JSON, `--fail-on` and the allowlist.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Added => "added",
        }
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "removed" => Ok(ChangeKind::Removed),
            "changed" => Ok(ChangeKind::Changed),
            "added" => Ok(ChangeKind::Added),
            other => Err(format!(
                "unknown change kind '{other}': expected added, removed or changed"
            )),
        }
    }
}

/// One line of diffconfig's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delta {
    /// The symbol, without `CONFIG_`.
    pub symbol: String,
    /// The value in OLD (`n` for "is not set"), `None` when OLD has no line for it.
    pub old: Option<String>,
    /// The value in NEW, `None` when NEW has no line for it.
    pub new: Option<String>,
    /// Which group it is in.
    pub kind: ChangeKind,
}

/// diffconfig's `show_diff`: removed, then changed, then added, each sorted by name.
pub fn diff(old: &HashMap<String, String>, new: &HashMap<String, String>) -> Vec<Delta> {
    let mut out: Vec<Delta> = Vec::new();
    for (name, ov) in old {
        match new.get(name) {
            None => out.push(Delta {
                symbol: name.clone(),
                old: Some(ov.clone()),
                new: None,
                kind: ChangeKind::Removed,
            }),
            Some(nv) if nv != ov => out.push(Delta {
                symbol: name.clone(),
                old: Some(ov.clone()),
                new: Some(nv.clone()),
                kind: ChangeKind::Changed,
            }),
            Some(_) => {}
        }
    }
    for (name, nv) in new {
        if !old.contains_key(name) {
            out.push(Delta {
                symbol: name.clone(),
                old: None,
                new: Some(nv.clone()),
                kind: ChangeKind::Added,
            });
        }
    }
    out.sort_by(|a, b| (a.kind, &a.symbol).cmp(&(b.kind, &b.symbol)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn groups_and_sorts_as_diffconfig() {
        let old = map(&[("B", "y"), ("A", "n"), ("C", "1"), ("Z", "y")]);
        let new = map(&[("B", "m"), ("C", "1"), ("D", "y"), ("AA", "y")]);
        let d = diff(&old, &new);
        let lines: Vec<String> = d
            .iter()
            .map(|c| format!("{:?} {} {:?} {:?}", c.kind, c.symbol, c.old, c.new))
            .collect();
        assert_eq!(
            lines,
            [
                "Removed A Some(\"n\") None",
                "Removed Z Some(\"y\") None",
                "Changed B Some(\"y\") Some(\"m\")",
                "Added AA None Some(\"y\")",
                "Added D None Some(\"y\")",
            ]
        );
    }
}
