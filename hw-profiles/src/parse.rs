//! Reading one profile file: TOML into a raw structure that keeps every value's position, then
//! checks that turn it into a [`Profile`] or an error naming the file, line and column.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::arch;
use crate::error::{Location, ProfileError};
use crate::model::{Level, Profile, ProfileKind, Requirement};

/// A profile file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: Spanned<String>,
    kind: Spanned<ProfileKind>,
    description: Spanned<String>,
    #[serde(default)]
    arches: Vec<Spanned<String>>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    require: Vec<Spanned<RawRequirement>>,
}

/// One `[[require]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    symbol: Option<Spanned<String>>,
    one_of: Option<Spanned<Vec<Spanned<String>>>>,
    level: Spanned<Level>,
    #[serde(default)]
    recommended: bool,
    #[serde(default)]
    root: bool,
    reason: Spanned<String>,
    source: Spanned<String>,
    #[serde(default)]
    arches: Vec<Spanned<String>>,
}

/// Parses the text of a profile file. `origin` names the file in error messages.
pub fn parse_profile(text: &str, origin: &str) -> Result<Profile, ProfileError> {
    parse_named(text, origin, None)
}

/// Reads and parses a profile file of the user's (`--profile-file`).
pub fn load_profile_file(path: &Path) -> Result<Profile, ProfileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_profile(&text, &path.display().to_string())
}

/// Parses a profile whose name must be `expected` when given (a built-in file's stem).
pub(crate) fn parse_named(
    text: &str,
    origin: &str,
    expected: Option<&str>,
) -> Result<Profile, ProfileError> {
    let raw: RawProfile = toml::from_str(text).map_err(|e| syntax_error(origin, text, &e))?;
    let check = Checker { origin, text };
    check.profile(raw, expected)
}

/// Turns a TOML or serde error into one with a position and, for common mistakes, a hint.
pub(crate) fn syntax_error(origin: &str, text: &str, e: &toml::de::Error) -> ProfileError {
    let location = match e.span() {
        Some(span) => Location::at(origin, text, span.start),
        None => Location::file(origin),
    };
    let message = e.message().trim().to_string();
    let hint = if message.contains("unknown variant") && message.contains("`ym`") {
        Some("level is \"y\" (built in), \"ym\" (built in or module) or \"n\" (off)".to_string())
    } else if message.contains("unknown variant") && message.contains("`hardware`") {
        Some("kind is \"hardware\" (a machine) or \"workload\" (what runs on it)".to_string())
    } else if message.contains("unknown field") {
        Some(
            "a profile has name, kind, description, arches, include and [[require]] tables; \
             a requirement has symbol or one_of, level, recommended, root, reason, source and arches"
                .to_string(),
        )
    } else {
        None
    };
    ProfileError::Syntax {
        location,
        message,
        hint,
    }
}

/// Whether `name` is a valid profile name: lowercase letters, digits, `-` and `_`.
pub(crate) fn is_profile_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Whether `name` can be a Kconfig symbol name.
pub(crate) fn is_symbol_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The checks, with what they need to point into the file.
struct Checker<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    fn invalid(&self, span: Range<usize>, message: String, hint: Option<&str>) -> ProfileError {
        ProfileError::Invalid {
            location: Location::at(self.origin, self.text, span.start),
            message,
            hint: hint.map(str::to_string),
        }
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        Location::at(self.origin, self.text, span.start)
            .position
            .map_or(0, |(line, _)| line)
    }

    fn profile(&self, raw: RawProfile, expected: Option<&str>) -> Result<Profile, ProfileError> {
        let name = raw.name.get_ref();
        if !is_profile_name(name) {
            return Err(self.invalid(
                raw.name.span(),
                format!("'{name}' is not a valid profile name"),
                Some("use lowercase letters, digits, '-' and '_', for example \"my-workload\""),
            ));
        }
        if let Some(expected) = expected {
            if name != expected {
                return Err(self.invalid(
                    raw.name.span(),
                    format!("the profile in {expected}.toml is named '{name}'"),
                    Some("a built-in profile's name must be its file name without .toml"),
                ));
            }
        }
        let kind = *raw.kind.get_ref();
        if raw.description.get_ref().trim().is_empty() {
            return Err(self.invalid(
                raw.description.span(),
                "the description is empty".into(),
                Some("say in one line what the profile is for"),
            ));
        }
        let arches = self.arches(&raw.arches, None)?;
        if kind == ProfileKind::Hardware && arches.is_empty() {
            return Err(self.invalid(
                raw.kind.span(),
                format!("hardware profile '{name}' does not say which architectures it is for"),
                Some("add arches = [\"x86_64\"] or arches = [\"arm64\"]"),
            ));
        }
        let mut include: Vec<String> = Vec::new();
        for inc in &raw.include {
            let i = inc.get_ref();
            if !is_profile_name(i) {
                return Err(self.invalid(
                    inc.span(),
                    format!("'{i}' is not a valid profile name"),
                    Some("include lists profile names, for example include = [\"minimal-server\"]"),
                ));
            }
            if i == name {
                return Err(self.invalid(
                    inc.span(),
                    format!("profile '{name}' includes itself"),
                    Some("remove it from include"),
                ));
            }
            if include.contains(i) {
                return Err(self.invalid(
                    inc.span(),
                    format!("'{i}' is included twice"),
                    Some("remove one of them"),
                ));
            }
            include.push(i.clone());
        }
        let mut requires: Vec<Requirement> = Vec::new();
        let mut spans: Vec<Range<usize>> = Vec::new();
        for r in &raw.require {
            let req = self.requirement(r, name, &arches)?;
            if let Some(k) = requires.iter().position(|p| same_statement(p, &req)) {
                return Err(self.invalid(
                    r.span(),
                    format!(
                        "{} is already required at line {}",
                        req.symbols.join(" | "),
                        self.line_of(&spans[k])
                    ),
                    Some("merge the two requirements, or restrict them to different arches"),
                ));
            }
            spans.push(r.span());
            requires.push(req);
        }
        Ok(Profile {
            name: name.clone(),
            kind,
            description: raw.description.get_ref().trim().to_string(),
            arches,
            include,
            requires,
        })
    }

    /// Architecture lists, checked against kbuild's names and, for a requirement, against the
    /// profile's own list.
    fn arches(
        &self,
        raw: &[Spanned<String>],
        profile: Option<&[String]>,
    ) -> Result<Vec<String>, ProfileError> {
        let mut out: Vec<String> = Vec::new();
        for a in raw {
            let name = a.get_ref();
            if !arch::is_known(name) {
                let hint = arch::hint(name)
                    .unwrap_or_else(|| "use kbuild's ARCH names, such as x86_64 or arm64".into());
                return Err(self.invalid(
                    a.span(),
                    format!("unknown architecture '{name}'"),
                    Some(&hint),
                ));
            }
            if let Some(allowed) = profile.filter(|p| !p.is_empty()) {
                if !allowed.contains(name) {
                    return Err(self.invalid(
                        a.span(),
                        format!(
                            "architecture '{name}' is not one of the profile's ({})",
                            allowed.join(", ")
                        ),
                        Some("a requirement can only narrow the profile's arches"),
                    ));
                }
            }
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        Ok(out)
    }

    fn requirement(
        &self,
        raw: &Spanned<RawRequirement>,
        profile: &str,
        profile_arches: &[String],
    ) -> Result<Requirement, ProfileError> {
        let r = raw.get_ref();
        let symbols = match (&r.symbol, &r.one_of) {
            (Some(_), Some(one_of)) => {
                return Err(self.invalid(
                    one_of.span(),
                    "a requirement has both symbol and one_of".into(),
                    Some("use symbol for one symbol, one_of for alternatives, not both"),
                ))
            }
            (None, None) => {
                return Err(self.invalid(
                    raw.span(),
                    "a requirement has neither symbol nor one_of".into(),
                    Some("add symbol = \"NAME\" (without CONFIG_), or one_of = [\"A\", \"B\"]"),
                ))
            }
            (Some(symbol), None) => vec![self.symbol(symbol)?],
            (None, Some(one_of)) => {
                let list = one_of.get_ref();
                if list.len() < 2 {
                    return Err(self.invalid(
                        one_of.span(),
                        format!("one_of lists {} symbol(s)", list.len()),
                        Some("one_of is for two or more alternatives; use symbol for one"),
                    ));
                }
                let mut symbols: Vec<String> = Vec::new();
                for s in list {
                    let name = self.symbol(s)?;
                    if symbols.contains(&name) {
                        return Err(self.invalid(
                            s.span(),
                            format!("{name} is listed twice in one_of"),
                            Some("remove one of them"),
                        ));
                    }
                    symbols.push(name);
                }
                symbols
            }
        };
        let level = *r.level.get_ref();
        if r.root && level == Level::Off {
            return Err(self.invalid(
                r.level.span(),
                format!("{} is marked root but asked to be off", symbols.join(" | ")),
                Some("root means needed to mount the root filesystem or reach the console; use level \"y\" or \"ym\", or drop root"),
            ));
        }
        if r.root && r.recommended {
            return Err(self.invalid(
                raw.span(),
                format!(
                    "{} is marked both root and recommended",
                    symbols.join(" | ")
                ),
                Some("a root requirement is never optional; drop one of the two"),
            ));
        }
        for (field, value) in [("reason", &r.reason), ("source", &r.source)] {
            if value.get_ref().trim().is_empty() {
                return Err(self.invalid(
                    value.span(),
                    format!("the {field} of {} is empty", symbols.join(" | ")),
                    Some(if field == "reason" {
                        "say in one sentence why the kernel needs this"
                    } else {
                        "give the URL or kernel document the requirement comes from"
                    }),
                ));
            }
        }
        let arches = self.arches(&r.arches, Some(profile_arches))?;
        Ok(Requirement {
            symbols,
            level,
            recommended: r.recommended,
            root: r.root,
            reason: r.reason.get_ref().trim().to_string(),
            source: r.source.get_ref().trim().to_string(),
            arches,
            profile: profile.to_string(),
        })
    }

    fn symbol(&self, raw: &Spanned<String>) -> Result<String, ProfileError> {
        let name = raw.get_ref();
        if let Some(bare) = name.strip_prefix("CONFIG_") {
            return Err(self.invalid(
                raw.span(),
                format!("symbol '{name}' carries the CONFIG_ prefix"),
                Some(&format!(
                    "write \"{bare}\": profiles name Kconfig symbols without CONFIG_"
                )),
            ));
        }
        if let Some((sym, value)) = name.split_once('=') {
            return Err(self.invalid(
                raw.span(),
                format!("symbol '{name}' includes a value"),
                Some(&format!(
                    "write symbol = \"{}\" and put the value in level (\"{}\")",
                    sym.trim(),
                    value.trim()
                )),
            ));
        }
        if !is_symbol_name(name) {
            return Err(self.invalid(
                raw.span(),
                format!("'{name}' is not a Kconfig symbol name"),
                Some("symbol names are letters, digits and '_', such as \"ENA_ETHERNET\""),
            ));
        }
        Ok(name.clone())
    }
}

/// Whether two requirements of one profile say the same thing for some architecture.
fn same_statement(a: &Requirement, b: &Requirement) -> bool {
    let mut x = a.symbols.clone();
    let mut y = b.symbols.clone();
    x.sort();
    y.sort();
    x == y
        && (a.arches.is_empty()
            || b.arches.is_empty()
            || a.arches.iter().any(|arch| b.arches.contains(arch)))
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
