//! Provenance as text: the lines `ktailor explain` and the drift's reasons print.

use std::fmt;

use kconfig_parser::eval::tri_str;
use kconfig_parser::model::SymbolType;

use super::{ChoiceInfo, Condition, DefaultUsed, Provenance, Reverse, Source};

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (= {})", self.with_values, tri_str(self.value))
    }
}

impl fmt::Display for Provenance {
    /// Several lines: the value and its source, then each input.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.defined() {
            return writeln!(f, "{}: not defined by this tree", self.name);
        }
        let shown = match self.ty {
            SymbolType::String => kconfig_parser::confdata::escape_string_value(&self.value),
            _ => self.value.clone(),
        };
        writeln!(
            f,
            "{}={} ({}, {}{})",
            self.name,
            shown,
            self.ty.keyword(),
            self.source.phrase(),
            if self.written {
                ""
            } else {
                "; not written to .config"
            }
        )?;
        if let Some(u) = &self.user {
            let picked =
                self.source == Source::Choice && self.choice.as_ref().is_some_and(|c| c.by_user);
            let used = if self.source.is_user() || picked {
                "used"
            } else {
                "not used"
            };
            writeln!(f, "  user value: {u} ({used})")?;
        }
        if self.prompts.is_empty() {
            writeln!(f, "  no prompt: the user cannot set it")?;
        }
        for p in &self.prompts {
            match &p.condition {
                Some(c) => writeln!(f, "  prompt \"{}\" if {c}", p.text)?,
                None => writeln!(f, "  prompt \"{}\" (always visible)", p.text)?,
            }
        }
        if let Some(d) = &self.depends {
            writeln!(f, "  depends on {d}")?;
        }
        for r in &self.selected_by {
            writeln!(f, "  selected by {}", reverse_text(r))?;
        }
        for r in &self.implied_by {
            writeln!(f, "  implied by {}", reverse_text(r))?;
        }
        if let Some(d) = &self.default {
            writeln!(f, "  {}", default_text(d))?;
        }
        if let Some(c) = &self.choice {
            writeln!(f, "  {}", choice_text(c))?;
        }
        if let Some(r) = &self.clamped_by {
            writeln!(f, "  clamped by range {r}")?;
        }
        for l in &self.locations {
            writeln!(f, "  defined at {l}")?;
        }
        Ok(())
    }
}

/// `X [=y] && cond... (file:line)`: one select or imply term.
pub fn reverse_text(r: &Reverse) -> String {
    let mut s = r.by.clone();
    if let Some(c) = &r.condition {
        s.push_str(&format!(" if {}", c.with_values));
    }
    s.push_str(&format!(" (= {})", tri_str(r.value)));
    if let Some(l) = &r.location {
        s.push_str(&format!(" at {l}"));
    }
    s
}

/// `default EXPR if COND (= value) at file:line`.
pub fn default_text(d: &DefaultUsed) -> String {
    let mut s = format!("default {}", d.expr);
    if let Some(c) = &d.condition {
        s.push_str(&format!(" if {}", c.with_values));
    }
    if d.value != d.expr {
        s.push_str(&format!(" (= {})", d.value));
    }
    s.push_str(&format!(" at {}", d.location));
    s
}

/// `choice "PROMPT" picks X (the user's pick)`.
pub fn choice_text(c: &ChoiceInfo) -> String {
    match &c.chosen {
        Some(x) if c.by_user => format!("choice \"{}\" picks {x} (the user's pick)", c.prompt),
        Some(x) => format!("choice \"{}\" picks {x} (its default)", c.prompt),
        None => format!("choice \"{}\" picks nothing", c.prompt),
    }
}
