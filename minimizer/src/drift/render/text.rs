//! Text: scripts/diffconfig's lines (`-NAME old`, ` NAME old -> new`, `+NAME new`), each
//! followed by its reasons and, when the definition changed, the definition's diff.

use super::{side_names, summary_line, RenderOptions};
use crate::drift::{ChangeKind, Report};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The report as text.
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let paint = |code: &str, s: &str| {
        if opts.colour {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    };
    let (old, new) = side_names(report);
    let mut out = paint(BOLD, &format!("# drift: {old} -> {new}")) + "\n";
    for c in &report.changes {
        let v = |v: &Option<String>| v.clone().unwrap_or_default();
        let (line, colour) = match c.kind {
            ChangeKind::Removed => (format!("-{} {}", c.symbol, v(&c.old)), RED),
            ChangeKind::Added => (format!("+{} {}", c.symbol, v(&c.new)), GREEN),
            ChangeKind::Changed => (
                format!(" {} {} -> {}", c.symbol, v(&c.old), v(&c.new)),
                YELLOW,
            ),
        };
        out.push_str(&paint(colour, &line));
        if let Some(a) = &c.approved {
            out.push_str(&paint(DIM, &format!("  [approved: {}]", a.reason)));
        }
        out.push('\n');
        for r in &c.reasons {
            out.push_str(&format!("      {r}\n"));
        }
        if let Some(d) = &c.definition_diff {
            out.push_str("      definition:\n");
            for l in d.lines() {
                let col = match l.as_bytes().first() {
                    Some(b'+') => GREEN,
                    Some(b'-') => RED,
                    Some(b'@') => DIM,
                    _ => "",
                };
                let text = format!("        {l}");
                out.push_str(&if col.is_empty() {
                    text
                } else {
                    paint(col, &text)
                });
                out.push('\n');
            }
        }
    }
    for r in &report.unused_rules {
        out.push_str(&format!("# allowlist rule {r} approved nothing\n"));
    }
    out.push_str(&paint(BOLD, &format!("# {}", summary_line(report, opts))));
    out.push('\n');
    out
}
