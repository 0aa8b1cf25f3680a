//! Markdown for a pull-request comment: a summary, a table of the unapproved changes, the
//! approved ones folded away, and the definition diffs folded away.

use super::{side_names, summary_line, RenderOptions};
use crate::drift::{Change, Report};

/// A table cell: `|` escaped, newlines as `<br>`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

/// A value in code style, `—` when absent.
fn value(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("`{}`", v.replace('`', "'").replace('|', "\\|")),
        None => "—".into(),
    }
}

fn table(out: &mut String, changes: &[&Change], approved: bool) {
    if approved {
        out.push_str(
            "| | Symbol | Old | New | Why | Approved because |\n|---|---|---|---|---|---|\n",
        );
    } else {
        out.push_str("| | Symbol | Old | New | Why |\n|---|---|---|---|---|\n");
    }
    for c in changes {
        let mark = match c.kind {
            crate::drift::ChangeKind::Removed => "−",
            crate::drift::ChangeKind::Changed => "~",
            crate::drift::ChangeKind::Added => "+",
        };
        let why = c
            .reasons
            .iter()
            .map(|r| cell(r))
            .collect::<Vec<_>>()
            .join("<br>");
        out.push_str(&format!(
            "| {mark} | `{}` | {} | {} | {why} |",
            c.symbol,
            value(&c.old),
            value(&c.new)
        ));
        if approved {
            let reason = c
                .approved
                .as_ref()
                .map_or(String::new(), |a| cell(&a.reason));
            out.push_str(&format!(" {reason} |"));
        }
        out.push('\n');
    }
}

/// The report as Markdown.
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let (old, new) = side_names(report);
    let mut out = format!("### Config drift\n\n`{old}` → `{new}`\n\n");
    out.push_str(&format!("**{}**\n\n", summary_line(report, opts)));
    let (approved, pending): (Vec<&Change>, Vec<&Change>) =
        report.changes.iter().partition(|c| c.approved.is_some());
    if !pending.is_empty() {
        out.push_str("#### Unapproved changes\n\n");
        table(&mut out, &pending, false);
        out.push('\n');
    }
    if !approved.is_empty() {
        out.push_str(&format!(
            "<details><summary>Approved changes ({})</summary>\n\n",
            approved.len()
        ));
        table(&mut out, &approved, true);
        out.push_str("\n</details>\n\n");
    }
    let diffs: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| c.definition_diff.is_some())
        .collect();
    if !diffs.is_empty() {
        out.push_str(&format!(
            "<details><summary>Kconfig definitions that changed ({})</summary>\n\n",
            diffs.len()
        ));
        for c in diffs {
            out.push_str(&format!(
                "`{}`\n\n```diff\n{}```\n\n",
                c.symbol,
                c.definition_diff.as_deref().unwrap_or_default()
            ));
        }
        out.push_str("</details>\n\n");
    }
    if !report.unused_rules.is_empty() {
        out.push_str("Allowlist rules that approved nothing: ");
        let names: Vec<String> = report
            .unused_rules
            .iter()
            .map(|r| format!("`{r}`"))
            .collect();
        out.push_str(&names.join(", "));
        out.push('\n');
    }
    out
}
