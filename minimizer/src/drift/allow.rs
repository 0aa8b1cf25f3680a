//! The allowlist: reviewed drift that CI should not fail on. A TOML file of rules, each a
//! symbol (or a glob over names), optionally the values it was reviewed for, and the reason it
//! was approved:
//!
//! ```toml
//! [[allow]]
//! symbol = "CC_VERSION_TEXT"   # a name or a glob (`*`, `?`), without CONFIG_
//! reason = "the toolchain moves with the release"
//!
//! [[allow]]
//! symbol = "DEBUG_INFO_*"
//! kind = "added"               # optional: added, removed or changed
//! old = "absent"               # optional: OLD's value, or a list of them
//! new = ["y", "n"]             # optional: NEW's value(s)
//! reason = "BTF is wanted from 6.12 on (review #123)"
//! ```
//!
//! Values are written as the .config holds them (`y`, `m`, `n` for "is not set", `0x1000`,
//! `"text"` with its quotes) and may be globs; `absent` means the file has no line for the
//! symbol. The first rule that matches a change approves it.

use std::path::{Path, PathBuf};

use super::{Approval, ChangeKind, Report};

/// Why an allowlist could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AllowError {
    /// The file could not be read.
    #[error("allowlist {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("allowlist {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A rule is incomplete or wrong.
    #[error("allowlist {}: rule {index} (symbol \"{symbol}\"): {message}", path.display())]
    Rule {
        /// The file.
        path: PathBuf,
        /// The rule's position (1-based).
        index: usize,
        /// Its symbol pattern.
        symbol: String,
        /// What is wrong.
        message: String,
    },
}

/// One value or several.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
enum Values {
    One(String),
    Many(Vec<String>),
}

impl Values {
    fn list(&self) -> Vec<String> {
        match self {
            Values::One(v) => vec![v.clone()],
            Values::Many(v) => v.clone(),
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    symbol: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    old: Option<Values>,
    #[serde(default)]
    new: Option<Values>,
    #[serde(default)]
    reason: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    allow: Vec<RawRule>,
}

/// One approval rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The symbol name or glob, without `CONFIG_`.
    pub symbol: String,
    /// The kind of change it approves (`None`: any).
    pub kind: Option<ChangeKind>,
    /// OLD's values it approves (`None`: any).
    pub old: Option<Vec<String>>,
    /// NEW's values it approves (`None`: any).
    pub new: Option<Vec<String>>,
    /// Why it was approved.
    pub reason: String,
}

/// A parsed allowlist.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowlist {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
}

/// Whether `text` matches the glob `pat` (`*`: any run of characters, `?`: one character).
pub fn glob_match(pat: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pat.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether a value (`None`: absent) is among the approved ones.
fn value_matches(approved: &Option<Vec<String>>, value: &Option<String>) -> bool {
    let Some(list) = approved else {
        return true;
    };
    list.iter().any(|pat| match value {
        None => pat == "absent",
        Some(v) => pat != "absent" && glob_match(pat, v),
    })
}

impl Allowlist {
    /// Parses the text of an allowlist; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, AllowError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| AllowError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut rules = Vec::new();
        for (i, r) in raw.allow.into_iter().enumerate() {
            let symbol = r
                .symbol
                .strip_prefix("CONFIG_")
                .unwrap_or(&r.symbol)
                .to_string();
            let bad = |message: String| AllowError::Rule {
                path: path.to_path_buf(),
                index: i + 1,
                symbol: symbol.clone(),
                message,
            };
            if symbol.is_empty() {
                return Err(bad("the symbol is empty".into()));
            }
            if r.reason.trim().is_empty() {
                return Err(bad(
                    "no reason: say why the change was approved (reason = \"...\")".into(),
                ));
            }
            let kind = match r.kind.as_deref() {
                None => None,
                Some(k) => Some(k.parse::<ChangeKind>().map_err(bad)?),
            };
            rules.push(Rule {
                symbol,
                kind,
                old: r.old.map(|v| v.list()),
                new: r.new.map(|v| v.list()),
                reason: r.reason.trim().to_string(),
            });
        }
        Ok(Allowlist { rules })
    }

    /// Reads and parses an allowlist file.
    pub fn read(path: &Path) -> Result<Self, AllowError> {
        let text = std::fs::read_to_string(path).map_err(|source| AllowError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Marks each change the first matching rule approves, and lists the rules that approved
    /// nothing in [`Report::unused_rules`].
    pub fn apply(&self, report: &mut Report) {
        let mut used = vec![false; self.rules.len()];
        for c in &mut report.changes {
            let hit = self.rules.iter().position(|r| {
                glob_match(&r.symbol, &c.symbol)
                    && r.kind.is_none_or(|k| k == c.kind)
                    && value_matches(&r.old, &c.old)
                    && value_matches(&r.new, &c.new)
            });
            c.approved = hit.map(|i| {
                used[i] = true;
                Approval {
                    rule: self.rules[i].symbol.clone(),
                    reason: self.rules[i].reason.clone(),
                }
            });
        }
        report.unused_rules = self
            .rules
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(r, _)| r.symbol.clone())
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("DEBUG_*", "DEBUG_INFO"));
        assert!(glob_match("*", ""));
        assert!(glob_match("A?C", "ABC"));
        assert!(!glob_match("A?C", "AC"));
        assert!(glob_match("*_FS", "EXT4_FS"));
        assert!(!glob_match("*_FS", "EXT4_FS_SECURITY"));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("DEBUG", "DEBUG_INFO"));
    }

    #[test]
    fn parses_rules_and_refuses_rules_without_a_reason() {
        let p = Path::new("allow.toml");
        let a = Allowlist::parse(
            "[[allow]]\nsymbol = \"CONFIG_A*\"\nnew = [\"y\", \"absent\"]\nkind = \"added\"\n\
             reason = \"ok\"\n",
            p,
        )
        .expect("parses");
        assert_eq!(a.rules[0].symbol, "A*");
        assert_eq!(a.rules[0].kind, Some(ChangeKind::Added));
        assert_eq!(a.rules[0].new, Some(vec!["y".into(), "absent".into()]));
        let e = Allowlist::parse("[[allow]]\nsymbol = \"A\"\n", p).unwrap_err();
        assert!(
            e.to_string().contains("rule 1 (symbol \"A\"): no reason"),
            "{e}"
        );
        let e = Allowlist::parse(
            "[[allow]]\nsymbol = \"A\"\nreason = \"x\"\nkind = \"gone\"\n",
            p,
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown change kind 'gone'"), "{e}");
        let e = Allowlist::parse("[[allow]]\nsymbl = \"A\"\n", p).unwrap_err();
        assert!(e.to_string().starts_with("allowlist allow.toml: "), "{e}");
    }

    #[test]
    fn values_match_absent_and_globs() {
        assert!(value_matches(&None, &None));
        assert!(value_matches(&Some(vec!["absent".into()]), &None));
        assert!(!value_matches(
            &Some(vec!["absent".into()]),
            &Some("y".into())
        ));
        assert!(value_matches(
            &Some(vec!["\"gcc*".into()]),
            &Some("\"gcc 12\"".into())
        ));
        assert!(!value_matches(&Some(vec!["*".into()]), &None));
    }
}
