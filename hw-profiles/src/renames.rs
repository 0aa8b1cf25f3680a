//! Kconfig symbols renamed between releases (profiles/renames.toml), so a requirement written
//! with one name finds its symbol in a tree that uses the other.

use std::sync::OnceLock;

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Location, ProfileError};
use crate::parse::{is_symbol_name, syntax_error};

const ORIGIN: &str = "hw-profiles/profiles/renames.toml";
const TEXT: &str = include_str!("../profiles/renames.toml");

/// One rename: `old` became `new` in release `since`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rename {
    /// The name before.
    pub old: String,
    /// The name after.
    pub new: String,
    /// The first mainline release with the new name, such as "6.9".
    pub since: String,
    /// Where the rename is documented.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    rename: Vec<RawRename>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRename {
    old: Spanned<String>,
    new: Spanned<String>,
    since: Spanned<String>,
    source: Spanned<String>,
}

/// The rename table, parsed once.
pub fn renames() -> Result<&'static [Rename], ProfileError> {
    static TABLE: OnceLock<Vec<Rename>> = OnceLock::new();
    if let Some(t) = TABLE.get() {
        return Ok(t);
    }
    let parsed = parse_renames(TEXT, ORIGIN)?;
    Ok(TABLE.get_or_init(|| parsed))
}

/// Parses a rename table; `origin` names the file in error messages.
pub(crate) fn parse_renames(text: &str, origin: &str) -> Result<Vec<Rename>, ProfileError> {
    let raw: RawTable = toml::from_str(text).map_err(|e| syntax_error(origin, text, &e))?;
    let invalid =
        |span: std::ops::Range<usize>, message: String, hint: &str| ProfileError::Invalid {
            location: Location::at(origin, text, span.start),
            message,
            hint: Some(hint.to_string()),
        };
    let mut out: Vec<Rename> = Vec::new();
    for r in raw.rename {
        for name in [&r.old, &r.new] {
            if !is_symbol_name(name.get_ref()) || name.get_ref().starts_with("CONFIG_") {
                return Err(invalid(
                    name.span(),
                    format!("'{}' is not a Kconfig symbol name", name.get_ref()),
                    "write symbol names without CONFIG_, such as \"MITIGATION_SLS\"",
                ));
            }
        }
        if r.old.get_ref() == r.new.get_ref() {
            return Err(invalid(
                r.new.span(),
                format!("{} is renamed to itself", r.old.get_ref()),
                "remove the entry",
            ));
        }
        if !is_release(r.since.get_ref()) {
            return Err(invalid(
                r.since.span(),
                format!("'{}' is not a kernel release", r.since.get_ref()),
                "write the release as MAJOR.MINOR, such as \"6.9\"",
            ));
        }
        if r.source.get_ref().trim().is_empty() {
            return Err(invalid(
                r.source.span(),
                format!("the rename of {} has no source", r.old.get_ref()),
                "give the URL or kernel document that records the rename",
            ));
        }
        if out.iter().any(|o| o.old == *r.old.get_ref()) {
            return Err(invalid(
                r.old.span(),
                format!("{} is renamed twice", r.old.get_ref()),
                "keep one entry per old name",
            ));
        }
        out.push(Rename {
            old: r.old.into_inner(),
            new: r.new.into_inner(),
            since: r.since.into_inner(),
            source: r.source.into_inner().trim().to_string(),
        });
    }
    Ok(out)
}

/// Whether `s` is a release number: MAJOR.MINOR.
fn is_release(s: &str) -> bool {
    let mut parts = s.split('.');
    let numeric =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next()) && parts.next().is_none()
}

/// `symbol` and every name it had or has, following renames both ways (a symbol renamed twice
/// gives all three names); `symbol` comes first, then the others in table order.
///
/// The table is embedded and checked by this crate's tests; should it ever fail to parse, only
/// `symbol` itself is returned.
pub fn names_for(symbol: &str) -> Vec<String> {
    let table = renames().unwrap_or(&[]);
    connected(symbol, table)
}

fn connected(symbol: &str, table: &[Rename]) -> Vec<String> {
    let mut names = vec![symbol.to_string()];
    let mut i = 0;
    while i < names.len() {
        let current = names[i].clone();
        for r in table {
            for (from, to) in [(&r.old, &r.new), (&r.new, &r.old)] {
                if *from == current && !names.contains(to) {
                    names.push(to.clone());
                }
            }
        }
        i += 1;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses() {
        let t = renames().expect("renames.toml parses");
        assert!(t
            .iter()
            .any(|r| r.old == "SLS" && r.new == "MITIGATION_SLS" && r.since == "6.9"));
    }

    #[test]
    fn names_for_follows_renames_both_ways() {
        assert_eq!(
            names_for("PAGE_TABLE_ISOLATION"),
            ["PAGE_TABLE_ISOLATION", "MITIGATION_PAGE_TABLE_ISOLATION"]
        );
        assert_eq!(
            names_for("MITIGATION_PAGE_TABLE_ISOLATION"),
            ["MITIGATION_PAGE_TABLE_ISOLATION", "PAGE_TABLE_ISOLATION"]
        );
        assert_eq!(names_for("AUTOFS_FS"), ["AUTOFS_FS", "AUTOFS4_FS"]);
        assert_eq!(names_for("ENA_ETHERNET"), ["ENA_ETHERNET"]);
    }

    #[test]
    fn chains_of_renames_give_every_name() {
        let table = parse_renames(
            "[[rename]]\nold = \"A\"\nnew = \"B\"\nsince = \"4.1\"\nsource = \"s\"\n\
             [[rename]]\nold = \"B\"\nnew = \"C\"\nsince = \"5.2\"\nsource = \"s\"\n",
            "t.toml",
        )
        .expect("parses");
        assert_eq!(connected("A", &table), ["A", "B", "C"]);
        assert_eq!(connected("C", &table), ["C", "B", "A"]);
    }

    #[test]
    fn bad_tables_say_where() {
        let err = |text: &str| {
            parse_renames(text, "r.toml")
                .expect_err("invalid")
                .to_string()
        };
        let e =
            err("[[rename]]\nold = \"CONFIG_A\"\nnew = \"B\"\nsince = \"4.1\"\nsource = \"s\"\n");
        assert!(
            e.starts_with("r.toml:2:7: 'CONFIG_A' is not a Kconfig symbol name"),
            "{e}"
        );
        let e = err("[[rename]]\nold = \"A\"\nnew = \"B\"\nsince = \"v4\"\nsource = \"s\"\n");
        assert!(
            e.starts_with("r.toml:4:9: 'v4' is not a kernel release"),
            "{e}"
        );
        let e = err(
            "[[rename]]\nold = \"A\"\nnew = \"B\"\nsince = \"4.1\"\nsource = \"s\"\nwhen = 1\n",
        );
        assert!(e.starts_with("r.toml:6:1: unknown field `when`"), "{e}");
        let e = err("[[rename]]\nold = \"A\"\nnew = \"A\"\nsince = \"4.1\"\nsource = \"s\"\n");
        assert!(e.contains("A is renamed to itself"), "{e}");
    }
}
