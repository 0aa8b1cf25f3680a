//! JSON: the `ktailor-drift/1` document (README.md, "JSON schema", documents every field).

use super::RenderOptions;
use crate::drift::{Change, ChangeKind, Report, SideInfo, Summary, SCHEMA};

#[derive(serde::Serialize)]
struct Document<'r> {
    schema: &'static str,
    old: &'r SideInfo,
    new: &'r SideInfo,
    summary: Summary,
    fail_on: &'r [ChangeKind],
    changes: &'r [Change],
    unused_rules: &'r [String],
}

/// The report as a JSON document (pretty-printed, ending in a newline).
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let doc = Document {
        schema: SCHEMA,
        old: &report.old,
        new: &report.new,
        summary: report.summary(&opts.fail_on),
        fail_on: &opts.fail_on,
        changes: &report.changes,
        unused_rules: &report.unused_rules,
    };
    // Serialising plain data with string keys cannot fail.
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
