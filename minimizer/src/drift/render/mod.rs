//! Rendering a drift report: text grouped as scripts/diffconfig groups it (coloured on a
//! terminal), JSON with a stable schema, and Markdown for a pull-request comment.

pub mod json;
pub mod markdown;
pub mod text;

use super::{ChangeKind, Report};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// diffconfig-style text with the reasons under each line.
    Text,
    /// The `ktailor-drift/1` JSON document.
    Json,
    /// A Markdown pull-request comment.
    Markdown,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!(
                "unknown format '{other}': expected text, json or markdown"
            )),
        }
    }
}

/// How to render.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// ANSI colours (text only; set when stdout is a terminal).
    pub colour: bool,
    /// The kinds of change that count as unapproved drift.
    pub fail_on: Vec<ChangeKind>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            colour: false,
            fail_on: vec![ChangeKind::Removed, ChangeKind::Changed, ChangeKind::Added],
        }
    }
}

/// The report in a format.
pub fn render(report: &Report, format: Format, opts: &RenderOptions) -> String {
    match format {
        Format::Text => text::render(report, opts),
        Format::Json => json::render(report, opts),
        Format::Markdown => markdown::render(report, opts),
    }
}

/// `OLD (Linux 6.1.192, x86_64)`-style names of the two sides.
pub(crate) fn side_names(report: &Report) -> (String, String) {
    let old = format!(
        "{} (Linux {}, {})",
        report.old.config.as_deref().unwrap_or("OLD"),
        report.old.release,
        report.old.arch
    );
    let new = match &report.new.config {
        Some(c) => format!("{c} (Linux {}, {})", report.new.release, report.new.arch),
        None => format!(
            "olddefconfig of it on Linux {} ({})",
            report.new.release, report.new.arch
        ),
    };
    (old, new)
}

/// `N changes: ...; K approved, U unapproved`.
pub(crate) fn summary_line(report: &Report, opts: &RenderOptions) -> String {
    let s = report.summary(&opts.fail_on);
    let total = s.added + s.removed + s.changed;
    format!(
        "{total} change{}: {} removed, {} changed, {} added; {} approved, {} unapproved",
        if total == 1 { "" } else { "s" },
        s.removed,
        s.changed,
        s.added,
        s.approved,
        s.unapproved
    )
}
