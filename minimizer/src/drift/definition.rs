//! A symbol's Kconfig definition as written in the tree's files, and the difference between
//! two releases' definitions (a unified diff by the `similar` crate).
//!
//! An entry runs from its `config NAME` line to the next entry keyword (`config`, `menu`,
//! `if`, `source`, ...) or the first line that is not indented; help text runs while lines
//! keep its indentation, as the Kconfig lexer reads it. A symbol defined in several places
//! has each entry, headed by its file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kconfig_parser::model::{FileId, Model};

/// The words that start a new Kconfig entry.
const ENTRY_KEYWORDS: &[&str] = &[
    "config",
    "menuconfig",
    "choice",
    "endchoice",
    "comment",
    "menu",
    "endmenu",
    "if",
    "endif",
    "source",
    "rsource",
    "osource",
    "orsource",
    "mainmenu",
];

/// Reads a tree's Kconfig files on demand, each once.
pub(crate) struct Sources {
    root: PathBuf,
    files: HashMap<FileId, Option<Arc<Vec<String>>>>,
}

/// The indentation of a line in columns (a tab advances to the next multiple of 8).
fn indent(line: &str) -> usize {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col = (col / 8 + 1) * 8,
            _ => break,
        }
    }
    col
}

fn starts_entry(line: &str) -> bool {
    let word = line.split_whitespace().next().unwrap_or("");
    ENTRY_KEYWORDS.contains(&word)
}

/// The lines of the entry that starts at `start` (0-based).
pub(crate) fn entry_lines(lines: &[String], start: usize) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let Some(first) = lines.get(start) else {
        return out;
    };
    out.push(first);
    let mut help: Option<Option<usize>> = None;
    for line in lines.iter().skip(start + 1) {
        let blank = line.trim().is_empty();
        if let Some(help_indent) = help {
            match help_indent {
                _ if blank => {
                    out.push(line);
                    continue;
                }
                None => {
                    help = Some(Some(indent(line)));
                    out.push(line);
                    continue;
                }
                Some(i) if indent(line) >= i => {
                    out.push(line);
                    continue;
                }
                Some(_) => help = None,
            }
        }
        if blank || line.trim_start().starts_with('#') {
            out.push(line);
            continue;
        }
        if indent(line) == 0 || starts_entry(line) {
            break;
        }
        let t = line.trim();
        if t == "help" || t == "---help---" {
            help = Some(None);
        }
        out.push(line);
    }
    while out
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        && out.len() > 1
    {
        out.pop();
    }
    out
}

impl Sources {
    /// The sources of the tree whose top directory is `root`.
    pub(crate) fn new(root: &Path) -> Self {
        Sources {
            root: root.to_path_buf(),
            files: HashMap::new(),
        }
    }

    fn lines(&mut self, m: &Model, file: FileId) -> Option<Arc<Vec<String>>> {
        let root = &self.root;
        self.files
            .entry(file)
            .or_insert_with(|| {
                let text = std::fs::read(root.join(m.file_name(file))).ok()?;
                let text = String::from_utf8_lossy(&text);
                Some(Arc::new(text.lines().map(str::to_string).collect()))
            })
            .clone()
    }

    /// The text of every definition of the symbol named `name` (`None` when the tree does
    /// not define it or its files cannot be read).
    pub(crate) fn definition(&mut self, m: &Model, name: &str) -> Option<String> {
        let s = m.find(name)?;
        let mut out = String::new();
        for &menu in &m.sym(s).menus {
            let mm = m.menu(menu);
            let lines = self.lines(m, mm.file)?;
            let start = (mm.line as usize).checked_sub(1)?;
            out.push_str(&format!("# {}\n", m.file_name(mm.file)));
            for l in entry_lines(&lines, start) {
                out.push_str(l);
                out.push('\n');
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// A unified diff of two definitions, `None` when they are the same.
pub fn definition_diff(old: &str, new: &str, old_label: &str, new_label: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let diff = similar::TextDiff::from_lines(old, new);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(old_label, new_label)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn an_entry_ends_at_the_next_entry_or_unindented_line() {
        let l = lines(
            "config A\n\tbool \"A\"\n\tdepends on B\n\thelp\n\t  Text.\n\n\t  More.\n\n\
             # comment\nconfig B\n\tbool\n",
        );
        assert_eq!(
            entry_lines(&l, 0),
            [
                "config A",
                "\tbool \"A\"",
                "\tdepends on B",
                "\thelp",
                "\t  Text.",
                "",
                "\t  More."
            ]
        );
        assert_eq!(entry_lines(&l, 9), ["config B", "\tbool"]);
    }

    #[test]
    fn indented_entries_in_a_choice_end_at_the_next_one() {
        let l = lines(
            "\tconfig HZ_250\n\t\tbool \"250 HZ\"\n\thelp\n\t 250 Hz.\n\n\tconfig HZ_300\n\t\tbool\n",
        );
        assert_eq!(
            entry_lines(&l, 0),
            [
                "\tconfig HZ_250",
                "\t\tbool \"250 HZ\"",
                "\thelp",
                "\t 250 Hz."
            ]
        );
    }

    #[test]
    fn a_diff_shows_both_releases() {
        let d = definition_diff(
            "config A\n\tbool\n\tdefault y\n",
            "config A\n\tbool\n\tdefault n\n",
            "6.1",
            "6.12",
        )
        .expect("differs");
        assert!(d.contains("--- 6.1\n+++ 6.12\n"), "{d}");
        assert!(d.contains("-\tdefault y\n+\tdefault n\n"), "{d}");
        assert_eq!(definition_diff("x\n", "x\n", "a", "b"), None);
    }
}
