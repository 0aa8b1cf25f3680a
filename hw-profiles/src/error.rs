//! What can go wrong with profiles: a file that does not parse or does not make sense, a profile
//! set that cannot be resolved. Every message names the file and, when the problem is in a file,
//! the line and column, says what was expected, and what to do.

use std::fmt;
use std::path::PathBuf;

/// A place in a profile file: the file and, when known, the 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file (or embedded file) the text came from.
    pub origin: String,
    /// 1-based line and column (in characters), when the problem has a position.
    pub position: Option<(usize, usize)>,
}

impl Location {
    /// The location of byte `offset` in `text`, which came from `origin`.
    pub(crate) fn at(origin: &str, text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Location {
            origin: origin.to_string(),
            position: Some((line, column)),
        }
    }

    /// A location without a position: the whole file.
    pub(crate) fn file(origin: &str) -> Self {
        Location {
            origin: origin.to_string(),
            position: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}", self.origin),
            None => write!(f, "{}", self.origin),
        }
    }
}

/// Why a profile could not be loaded, or a set of profiles not resolved.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file is not valid TOML, or does not have the shape of a profile (unknown key, missing
    /// key, wrong type, unknown level).
    #[error("{location}: {message}{}", hint_suffix(.hint))]
    Syntax {
        /// Where the parser stopped.
        location: Location,
        /// What the parser expected.
        message: String,
        /// What to write instead, for common mistakes.
        hint: Option<String>,
    },
    /// The file parses but says something that cannot be right (a requirement without a symbol,
    /// a CONFIG_ prefix, an unknown architecture, ...).
    #[error("{location}: {message}{}", hint_suffix(.hint))]
    Invalid {
        /// The value at fault.
        location: Location,
        /// What is wrong with it.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// A profile file could not be read.
    #[error("cannot read profile file {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// Two profiles with the same name.
    #[error(
        "a profile named '{name}' is already defined ({existing}); give the new one another name"
    )]
    Duplicate {
        /// The name both profiles have.
        name: String,
        /// Where the first one came from ("built in", "added earlier").
        existing: String,
    },
    /// A profile name that no profile has.
    #[error("unknown profile '{name}'{}; known profiles: {}", near_suffix(.near), .known.join(", "))]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// Known names close to it.
        near: Vec<String>,
        /// Every known name.
        known: Vec<String>,
    },
    /// A profile includes a profile that does not exist.
    #[error("profile '{profile}' includes '{include}', which is not a known profile{}; known profiles: {}", near_suffix(.near), .known.join(", "))]
    UnknownInclude {
        /// The including profile.
        profile: String,
        /// The name it includes.
        include: String,
        /// Known names close to it.
        near: Vec<String>,
        /// Every known name.
        known: Vec<String>,
    },
    /// Profiles that include each other.
    #[error("profiles include each other in a cycle: {}; remove one of these includes", .cycle.join(" -> "))]
    IncludeCycle {
        /// The profiles around the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A profile that does not apply to the architecture asked for.
    #[error("profile '{profile}'{} is for {}, not for {arch}", via_suffix(.via), .arches.join(", "))]
    ArchMismatch {
        /// The profile.
        profile: String,
        /// The profiles whose includes led to this one, outermost first.
        via: Vec<String>,
        /// The architecture asked for.
        arch: String,
        /// The architectures the profile is for.
        arches: Vec<String>,
    },
    /// An architecture name kbuild does not know.
    #[error("unknown architecture '{arch}'{}; use a kbuild ARCH name such as x86_64 or arm64", hint_paren(.hint))]
    UnknownArch {
        /// The name given.
        arch: String,
        /// The kbuild name, when the given one is a common alias.
        hint: Option<String>,
    },
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!("\n  hint: {h}"))
        .unwrap_or_default()
}

fn hint_paren(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
}

fn near_suffix(near: &[String]) -> String {
    if near.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", near.join(" or "))
    }
}

fn via_suffix(via: &[String]) -> String {
    if via.is_empty() {
        String::new()
    } else {
        format!(" (included by {})", via.join(" -> "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        let l = Location::at("f.toml", text, text.find('=').unwrap());
        assert_eq!(l.to_string(), "f.toml:1:3");
        let second = text.find("\"x\"").unwrap();
        assert_eq!(
            Location::at("f.toml", text, second).to_string(),
            "f.toml:2:6"
        );
        assert_eq!(Location::file("f.toml").to_string(), "f.toml");
    }

    #[test]
    fn messages_carry_hints_and_suggestions() {
        let e = ProfileError::UnknownProfile {
            name: "minimal-sever".into(),
            near: vec!["minimal-server".into()],
            known: vec!["hardened".into(), "minimal-server".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown profile 'minimal-sever' (did you mean minimal-server?); known profiles: hardened, minimal-server"
        );
        let e = ProfileError::Invalid {
            location: Location::at("p.toml", "x", 0),
            message: "bad".into(),
            hint: Some("fix it".into()),
        };
        assert_eq!(e.to_string(), "p.toml:1:1: bad\n  hint: fix it");
    }
}
